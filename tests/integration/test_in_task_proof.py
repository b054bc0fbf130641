"""files/in_task_proof.py: the task role's identity, read as the SDK reads it inside an ECS task, and every way it fails.

A loopback HTTP server plays the ECS container credentials endpoint (botocore accepts a loopback
AWS_CONTAINER_CREDENTIALS_FULL_URI) and serves what the ECS agent serves: credentials from moto's AssumeRole of a
role. The script runs as a separate process with no other credentials; each failure must give its own exit code,
one line on stderr and the same message in the JSON on stdout. The relative URI (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
always http://169.254.170.2) is botocore's own rule and is not exercised here: a test must not reach a link-local
endpoint of the machine it runs on.
"""

import contextlib
import http.server
import json
import pathlib
import socket
import subprocess
import sys
import threading

import boto3
import pytest

pytestmark = pytest.mark.integration

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "files" / "in_task_proof.py"
ACCOUNT = "123456789012"
ROLE = "staging-cerpac-ecs-task-role"
OTHER_ROLE = "staging-cerpac-other-role"
TOKEN = "task-token-42"
PAST = "2020-01-01T00:00:00Z"
NO_ENDPOINT = ("neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set: "
               "not inside an ECS task with a task role (set taskRoleArn in the task definition)")
TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})


def ecs_document(credentials, expiration=None):
    """What the ECS agent's endpoint serves for the task role, from STS credentials."""
    return {
        "AccessKeyId": credentials["AccessKeyId"],
        "SecretAccessKey": credentials["SecretAccessKey"],
        "Token": credentials.get("SessionToken", ""),
        "Expiration": expiration or credentials["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        "RoleArn": "from-the-agent",
    }


@contextlib.contextmanager
def loopback(handle):
    """An HTTP server on 127.0.0.1 whose every request is answered by ``handle(request) -> (status, body bytes)``."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            seen.append({"method": self.command, "path": self.path, "authorization": self.headers.get("Authorization")})
            status, body = handle(self)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def credentials_endpoint(document, token=TOKEN):
    """The ECS agent's endpoint: GET /creds with the right Authorization header gets ``document`` as JSON, else 403."""

    def handle(request):
        if request.path != "/creds" or (token and request.headers.get("Authorization") != token):
            return 403, b""
        return 200, json.dumps(document).encode()

    with loopback(handle) as (url, seen):
        yield f"{url}/creds", seen


@contextlib.contextmanager
def refusing_port():
    """A loopback port bound by no listener: every connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@contextlib.contextmanager
def silent_endpoint():
    """A loopback port that accepts connections (the kernel does) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/creds"


def task_environment(aws, **extra):
    """What a container sees: region and endpoint, and no credentials of its own (nor any inherited from this machine)."""
    env = {key: value for key, value in aws.environ().items() if not key.startswith("AWS_CONTAINER_")}
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_URL"):
        env.pop(key, None)
    env.update(AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_EC2_METADATA_DISABLED="true")
    env.update(extra)
    return env


def proof(env, *args):
    """Run the script; the timeout only guards against a hang (the script bounds its own waits)."""
    proc = subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=90, check=False)
    report = json.loads(proc.stdout.splitlines()[-1]) if proc.stdout.strip() else {}
    return proc, report


def assert_failed(proc, report, code, failure, message):
    """Exit ``code``, exactly one line on stderr, and the same message in the JSON report."""
    assert (proc.returncode, proc.stderr) == (code, f"in_task_proof: {message}\n"), proc.stdout
    assert (report["failure"], report["error"]) == (failure, message)


def sts_client(aws):
    return boto3.client("sts", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")


def assumed(aws, role):
    """Credentials of moto's AssumeRole of ``role`` (created first), as the ECS agent gets them for a task."""
    iam = boto3.client("iam", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    return sts_client(aws).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role}", RoleSessionName="ecs-task-1234")["Credentials"]


@pytest.fixture
def task_role_credentials(aws, playbook):
    """The task role as deploy.yml creates it, assumed as ECS does (deployed alone: cerpac's task role is all it needs)."""
    run = playbook("deploy.yml", "staging", "--limit", "cerpac", extra_vars={"ecs_iam_deploy_execution_role": False})
    assert run.rc == 0, run.output
    return sts_client(aws).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{ROLE}", RoleSessionName="ecs-task-1234")["Credentials"]


# --- what passes ---------------------------------------------------------------------------------------------------

def test_reports_the_task_role_through_a_full_uri_with_a_token(aws, task_role_credentials):
    with credentials_endpoint(ecs_document(task_role_credentials)) as (uri, seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN=TOKEN)
        with aws.recording() as calls:
            proc, report = proof(env, "--expect-role", ROLE)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stdout
    # The positive control of `calls.actions == []` below (expired credentials): the same recorder sees the proof's call.
    assert calls.actions == ["GetCallerIdentity"] and calls.writes == []
    assert report["role_name"] == ROLE
    assert report["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/ecs-task-1234"
    assert report["account"] == ACCOUNT
    assert report["credentials_source"] == "container-role"
    assert report["expiration"] == task_role_credentials["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "error" not in report
    assert seen and all(request["authorization"] == TOKEN for request in seen)


def test_reads_the_token_from_the_token_file_and_checks_the_account_of_a_role_arn(aws, task_role_credentials, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    with credentials_endpoint(ecs_document(task_role_credentials)) as (uri, dummy_seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file))
        proc, report = proof(env, "--expect-role", f"arn:aws:iam::{ACCOUNT}:role/{ROLE}")
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stdout
    assert report["role_name"] == ROLE


# --- what must fail, each with its own exit code --------------------------------------------------------------------

def test_credentials_of_another_role_fail_the_proof(aws):
    with credentials_endpoint(ecs_document(assumed(aws, OTHER_ROLE))) as (uri, dummy_seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN=TOKEN)
        proc, report = proof(env, "--expect-role", ROLE)
    assert_failed(proc, report, 1, "other-identity",
                  f"expected role {ROLE}, but the task runs as arn:aws:sts::{ACCOUNT}:assumed-role/{OTHER_ROLE}/ecs-task-1234, "
                  f"another role: set taskRoleArn in the task definition to role {ROLE}")
    assert report["role_name"] == OTHER_ROLE  # what it does run as is still reported


def test_the_role_of_the_same_name_in_another_account_fails_the_proof(aws):
    with credentials_endpoint(ecs_document(assumed(aws, ROLE))) as (uri, dummy_seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN=TOKEN)
        proc, report = proof(env, "--expect-role", f"arn:aws:iam::210987654321:role/{ROLE}")
    assert_failed(proc, report, 1, "other-identity",
                  f"expected role arn:aws:iam::210987654321:role/{ROLE}, but the task runs as "
                  f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/ecs-task-1234, the role of that name in account {ACCOUNT} (aws), "
                  "not in 210987654321 (aws)")


def test_credentials_that_are_no_role_fail_the_proof(aws):
    iam = boto3.client("iam", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
    iam.create_user(UserName="someone")
    key = iam.create_access_key(UserName="someone")["AccessKey"]
    with credentials_endpoint(ecs_document(key, expiration="2999-01-01T00:00:00Z")) as (uri, dummy_seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN=TOKEN)
        proc, report = proof(env, "--expect-role", ROLE)
    assert_failed(proc, report, 1, "other-identity",
                  f"expected role {ROLE}, but the task runs as arn:aws:iam::{ACCOUNT}:user/someone, which is not a role: "
                  "set taskRoleArn in the task definition")


def test_a_bad_expected_role_is_a_usage_error(aws):
    proc, dummy_report = proof(task_environment(aws), "--expect-role", "arn:aws:iam::123:role/x")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == (
        "in_task_proof.py: error: argument --expect-role: 'arn:aws:iam::123:role/x' is neither a role name nor a role ARN "
        "(arn:aws:iam::123456789012:role/NAME)")


@pytest.mark.parametrize("variables", [{}, {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": ""}], ids=["unset", "empty"])
def test_outside_a_task_it_says_so_and_uses_no_other_credentials(aws, variables):
    env = task_environment(aws, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", **variables)
    proc, report = proof(env, "--expect-role", ROLE)
    assert_failed(proc, report, 3, "no-endpoint", NO_ENDPOINT)


def test_an_endpoint_refusing_the_connection_is_reported(aws):
    with refusing_port() as port:
        uri = f"http://127.0.0.1:{port}/creds"
        proc, report = proof(task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri), "--expect-role", ROLE)
    assert_failed(proc, report, 4, "endpoint-unreachable",
                  f"the container credentials endpoint {uri} refused the connection (3 attempts): "
                  "is the ECS agent running, and is this the task's network?")


def test_an_endpoint_that_never_answers_times_out(aws):
    with silent_endpoint() as uri:
        proc, report = proof(task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri), "--expect-role", ROLE)
    assert_failed(proc, report, 4, "endpoint-unreachable",
                  f"the container credentials endpoint {uri} did not answer within 2 s (3 attempts): "
                  "is the ECS agent running, and is this the task's network?")


def test_a_refused_token_is_reported(aws):
    with credentials_endpoint(ecs_document(assumed(aws, ROLE))) as (uri, seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong")
        proc, report = proof(env, "--expect-role", ROLE)
    assert_failed(proc, report, 5, "no-credentials",
                  f"the container credentials endpoint {uri} gave no usable credentials: Received non 200 response 403 from container "
                  "metadata: (the endpoint refused the authorization token: AWS_CONTAINER_AUTHORIZATION_TOKEN or the file in "
                  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)")
    assert [request["authorization"] for request in seen] == ["wrong"] * 3  # botocore's three attempts, then it stops


@pytest.mark.parametrize("uri, extra, detail", [
    ("http://192.0.2.10/creds", {}, "Unsupported host '192.0.2.10'. Can only retrieve metadata from a loopback address or one of these hosts: "
     "169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost"),
    (None, {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/nonexistent/token"},
     "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/token'"),
], ids=["host-botocore-does-not-allow", "missing-token-file"])
def test_an_endpoint_botocore_cannot_use_is_reported(aws, uri, extra, detail):
    with credentials_endpoint({}) as (served_uri, seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri or served_uri, **extra)
        proc, report = proof(env, "--expect-role", ROLE)
    assert_failed(proc, report, 5, "no-credentials", f"the container credentials endpoint {uri or served_uri} gave no usable credentials: {detail}")
    assert seen == []


def test_an_answer_without_a_session_token_is_reported(aws):
    document = ecs_document(assumed(aws, ROLE))
    del document["Token"]
    with credentials_endpoint(document) as (uri, dummy_seen):
        proc, report = proof(task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN=TOKEN))
    assert_failed(proc, report, 5, "no-credentials", f"the container credentials endpoint {uri} gave no usable credentials: its answer has no 'Token'")


def test_credentials_served_already_expired_are_refused_before_any_aws_call(aws):
    with credentials_endpoint(ecs_document(assumed(aws, ROLE), expiration=PAST)) as (uri, dummy_seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN=TOKEN)
        with aws.recording() as calls:
            proc, report = proof(env, "--expect-role", ROLE)
    assert_failed(proc, report, 6, "expired",
                  f"the credentials served by {uri} expired at {PAST}: the ECS agent renews them before they expire, "
                  "so the endpoint or this container's clock is wrong")
    assert calls.actions == []  # no AWS call (its control: test_reports_the_task_role_through_a_full_uri_with_a_token)


def test_credentials_sts_refuses_as_expired_are_reported(aws):
    """moto's STS does not check expiry: a loopback endpoint answers as AWS STS does for an expired session token."""
    expired = (b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ExpiredToken</Code>'
               b'<Message>The security token included in the request is expired</Message></Error><RequestId>1</RequestId></ErrorResponse>')
    with credentials_endpoint(ecs_document(assumed(aws, ROLE))) as (uri, dummy_seen), loopback(lambda request: (403, expired)) as (sts_url, sts_seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN=TOKEN, AWS_ENDPOINT_URL_STS=sts_url)
        proc, report = proof(env, "--expect-role", ROLE)
    assert_failed(proc, report, 6, "expired",
                  f"STS at {sts_url} refused the task's credentials as expired (ExpiredToken: The security token included in the request is expired)")
    assert [request["method"] for request in sts_seen] == ["POST"]


def test_an_unreachable_sts_is_reported(aws):
    with credentials_endpoint(ecs_document(assumed(aws, ROLE))) as (uri, dummy_seen), refusing_port() as port:
        sts_url = f"http://127.0.0.1:{port}"
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN=TOKEN, AWS_ENDPOINT_URL_STS=sts_url)
        proc, report = proof(env, "--expect-role", ROLE)
    assert_failed(proc, report, 7, "sts-failed", f'sts:GetCallerIdentity at {sts_url} failed: Could not connect to the endpoint URL: "{sts_url}/"')
