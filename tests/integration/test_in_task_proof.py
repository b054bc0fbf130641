"""files/in_task_proof.py: the task role's identity, read as the SDK reads it inside an ECS task.

A loopback HTTP server plays the ECS container credentials endpoint (botocore accepts a loopback
AWS_CONTAINER_CREDENTIALS_FULL_URI) and serves credentials from moto's AssumeRole of our task role; the script,
run as a separate process with no other credentials, must report that role.
"""

import contextlib
import http.server
import json
import pathlib
import subprocess
import sys
import threading

import boto3
import pytest

pytestmark = pytest.mark.integration

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "files" / "in_task_proof.py"
ROLE = "staging-cerpac-ecs-task-role"
TOKEN = "task-token-42"


@contextlib.contextmanager
def credentials_endpoint(credentials, token=TOKEN):
    """An HTTP server on 127.0.0.1 answering GET /creds like the ECS agent, when the Authorization header matches."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  (http.server's name)
            seen.append({"path": self.path, "authorization": self.headers.get("Authorization")})
            if self.path != "/creds" or (token and self.headers.get("Authorization") != token):
                self.send_response(403)
                self.end_headers()
                return
            body = json.dumps({
                "AccessKeyId": credentials["AccessKeyId"],
                "SecretAccessKey": credentials["SecretAccessKey"],
                "Token": credentials["SessionToken"],
                "Expiration": credentials["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                "RoleArn": "from-the-agent",
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/creds", seen
    finally:
        server.shutdown()
        server.server_close()


def task_environment(aws, **extra):
    """What a container sees: region and endpoint, and no access keys of its own."""
    env = aws.environ()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_URL"):
        env.pop(key, None)
    env.update(AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_EC2_METADATA_DISABLED="true")
    env.update(extra)
    return env


def proof(env, *args):
    proc = subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60, check=False)
    report = json.loads(proc.stdout.splitlines()[-1]) if proc.stdout.strip() else {}
    return proc, report


@pytest.fixture
def task_role_credentials(aws, playbook):
    assert playbook("deploy.yml", "staging").rc == 0
    sts = boto3.client("sts", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
    role_arn = f"arn:aws:iam::123456789012:role/{ROLE}"
    return role_arn, sts.assume_role(RoleArn=role_arn, RoleSessionName="ecs-task-1234")["Credentials"]


def test_reports_the_task_role_through_a_full_uri_with_a_token(aws, task_role_credentials):
    dummy, credentials = task_role_credentials
    with credentials_endpoint(credentials) as (uri, seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN=TOKEN)
        proc, report = proof(env, "--expect-role", ROLE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["role_name"] == ROLE
    assert report["arn"] == f"arn:aws:sts::123456789012:assumed-role/{ROLE}/ecs-task-1234"
    assert report["account"] == "123456789012"
    assert report["credentials_source"] == "container-role"
    assert seen and all(request["authorization"] == TOKEN for request in seen)


def test_reads_the_token_from_the_token_file(aws, task_role_credentials, tmp_path):
    dummy, credentials = task_role_credentials
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    with credentials_endpoint(credentials) as (uri, dummy_seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file))
        proc, report = proof(env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["role_name"] == ROLE


def test_another_role_fails_the_expectation(aws, task_role_credentials):
    dummy, credentials = task_role_credentials
    with credentials_endpoint(credentials) as (uri, dummy_seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN=TOKEN)
        proc, report = proof(env, "--expect-role", "staging-cerpac-ecs-task-execution-role")
    assert proc.returncode == 1
    assert report["role_name"] == ROLE
    assert "expected role staging-cerpac-ecs-task-execution-role" in proc.stderr


def test_a_refused_token_is_reported(aws, task_role_credentials):
    dummy, credentials = task_role_credentials
    with credentials_endpoint(credentials) as (uri, dummy_seen):
        env = task_environment(aws, AWS_CONTAINER_CREDENTIALS_FULL_URI=uri, AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong")
        proc, report = proof(env)
    assert proc.returncode == 2
    assert "container credentials endpoint" in report["error"]


def test_outside_a_task_it_says_so_and_uses_no_other_credentials(aws):
    env = task_environment(aws, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    proc, report = proof(env)
    assert proc.returncode == 2
    assert "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" in report["error"]
