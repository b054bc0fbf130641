"""Prove, from inside a running ECS task, which IAM role the task's code really gets.

Run it in the container (it needs only Python 3 and botocore, which boto3 brings):

    python3 in_task_proof.py                                                # prints the identity as JSON
    python3 in_task_proof.py --expect-role staging-cerpac-ecs-task-role    # and fails unless it is that role
    python3 in_task_proof.py --expect-role arn:aws:iam::123456789012:role/staging-cerpac-ecs-task-role
                                                                            # that role in that account

For example with ECS Exec:
    aws ecs execute-command --cluster C --task T --container app --interactive \
        --command "python3 /opt/in_task_proof.py --expect-role staging-cerpac-ecs-task-role"

It reads credentials exactly as the AWS SDKs do in ECS, from the container credentials endpoint only (never from
environment keys, a profile or instance metadata, which could hide a missing task role), with botocore's own
provider and fetcher (same URL rules, 2 s timeout per attempt, 3 attempts: at most about 9 s):
  - AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: http://169.254.170.2<relative uri> (set by ECS for the task role), or
  - AWS_CONTAINER_CREDENTIALS_FULL_URI: any URI botocore accepts (https, or http on a loopback or the ECS/EKS
    link-local addresses), with the optional token in AWS_CONTAINER_AUTHORIZATION_TOKEN or in the file named by
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (sent as the Authorization header).
It refuses credentials whose Expiration has passed, then calls sts:GetCallerIdentity (needs no permission; 3 s to
connect, 5 s to read, 3 attempts) and reports the account, the caller ARN and, for an assumed role, the role name
and session. The region comes from AWS_REGION (ECS sets it); a regional STS endpoint is used.
AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_STS are honoured as botocore does (tests point them at a local STS).

It proves the identity the task's code holds, nothing more: not the role's permissions, and not its trust policy
(which principals may assume it); playbooks/verify.yml checks those against the inventory.

Output: one JSON object on stdout (the identity, plus "error" and "failure" when it failed) and, on failure, one
line on stderr. Exit codes:
  0  identity read (and, with --expect-role, it is that role)
  1  another identity: another role, the role in another account, or not a role at all
  2  bad command line (argparse)
  3  no container credentials endpoint: neither variable is set (not an ECS task with a task role)
  4  the endpoint could not be reached: connection refused, or no answer in time
  5  the endpoint answered without usable credentials (an HTTP error such as a refused token, a body that is not
     credentials, a URI botocore does not allow, an unreadable token file)
  6  the credentials have expired (their Expiration has passed, or STS refuses them as expired)
  7  sts:GetCallerIdentity failed otherwise (STS unreachable, credentials refused)
"""

import argparse
import datetime
import json
import os
import re
import sys

import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.session
import botocore.utils

EXIT_OK = 0
EXIT_OTHER_IDENTITY = 1
EXIT_NO_ENDPOINT = 3
EXIT_UNREACHABLE = 4
EXIT_NO_CREDENTIALS = 5
EXIT_EXPIRED = 6
EXIT_STS_FAILED = 7

RELATIVE_URI = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
FULL_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
STS_CONFIG = botocore.config.Config(connect_timeout=3, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 3})
EXPIRED_CODES = ("ExpiredToken", "ExpiredTokenException")

ASSUMED_ROLE_RE = re.compile(r"^arn:(?P<partition>[^:]+):sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/(?P<session>.+)$")
ROLE_ARN_RE = re.compile(r"^arn:(?P<partition>[^:]+):iam::(?P<account>\d{12}):role/(?:[^/]+/)*(?P<role>[\w+=,.@-]{1,64})$")
ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
HTTP_STATUS_RE = re.compile(r"non 200 response (\d{3})")


class ProofFailed(Exception):
    """One failure: the exit code, a one-line message and a short name of the kind of failure."""

    def __init__(self, code, failure, message):
        super().__init__(message)
        self.code = code
        self.failure = failure
        self.message = message


class _Fetcher(botocore.utils.ContainerMetadataFetcher):
    """botocore's fetcher for the container credentials endpoint, keeping the document the endpoint served."""

    served = None

    def retrieve_full_uri(self, full_url, headers=None):
        self.served = super().retrieve_full_uri(full_url, headers=headers)
        return self.served


def _chain(error):
    """The error and the errors it was raised from or while handling, outermost first."""
    seen = []
    while error is not None and not any(error is known for known in seen):
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def endpoint_failure(endpoint, error):
    """The ProofFailed for an error of botocore's container provider against ``endpoint``."""
    attempts = _Fetcher.RETRY_ATTEMPTS
    chain = _chain(error)
    if any(isinstance(cause, (botocore.exceptions.ConnectTimeoutError, botocore.exceptions.ReadTimeoutError)) for cause in chain):
        return ProofFailed(EXIT_UNREACHABLE, "endpoint-unreachable",
                           f"the container credentials endpoint {endpoint} did not answer within {_Fetcher.TIMEOUT_SECONDS} s "
                           f"({attempts} attempts): is the ECS agent running, and is this the task's network?")
    if any(isinstance(cause, ConnectionRefusedError) for cause in chain):
        return ProofFailed(EXIT_UNREACHABLE, "endpoint-unreachable",
                           f"the container credentials endpoint {endpoint} refused the connection ({attempts} attempts): "
                           "is the ECS agent running, and is this the task's network?")
    if any(isinstance(cause, botocore.exceptions.ConnectionError) for cause in chain):
        return ProofFailed(EXIT_UNREACHABLE, "endpoint-unreachable",
                           f"the container credentials endpoint {endpoint} could not be reached ({attempts} attempts): {' '.join(str(error).split())}")
    retrieval = [cause for cause in chain if isinstance(cause, botocore.exceptions.MetadataRetrievalError)]
    if retrieval:  # botocore's own account of the answer, without the layers it wraps it in
        detail = retrieval[0].kwargs.get("error_msg") or str(retrieval[0])
    elif isinstance(error, KeyError):
        detail = f"its answer has no {error}"
    elif isinstance(error, OSError):
        detail = f"{type(error).__name__}: {error}"
    else:
        detail = str(error)
    status = HTTP_STATUS_RE.search(detail)
    hint = ""
    if status and status.group(1) in ("401", "403"):
        hint = " (the endpoint refused the authorization token: AWS_CONTAINER_AUTHORIZATION_TOKEN or the file in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)"
    return ProofFailed(EXIT_NO_CREDENTIALS, "no-credentials",
                       f"the container credentials endpoint {endpoint} gave no usable credentials: {' '.join(detail.split())}{hint}")


def container_credentials(environ):
    """The document (AccessKeyId, SecretAccessKey, Token, Expiration) the container credentials endpoint serves.

    Raises ProofFailed when no endpoint is set, it cannot be reached, it serves no credentials or expired ones."""
    # As in an ECS task definition, an empty variable is no variable (botocore would read an empty relative URI).
    environ = {key: value for key, value in environ.items() if key not in (RELATIVE_URI, FULL_URI) or value}
    if RELATIVE_URI not in environ and FULL_URI not in environ:
        raise ProofFailed(EXIT_NO_ENDPOINT, "no-endpoint",
                          f"neither {RELATIVE_URI} nor {FULL_URI} is set: not inside an ECS task with a task role "
                          "(set taskRoleArn in the task definition)")
    fetcher = _Fetcher()
    endpoint = fetcher.full_url(environ[RELATIVE_URI]) if RELATIVE_URI in environ else environ[FULL_URI]
    try:
        botocore.credentials.ContainerProvider(environ=environ, fetcher=fetcher).load()
    except Exception as error:  # pylint: disable=broad-exception-caught  # each failure is classified and reported
        raise endpoint_failure(endpoint, error) from error
    served = fetcher.served
    try:
        expiry = botocore.utils.parse_timestamp(served["Expiration"])
    except (KeyError, TypeError, ValueError) as error:
        raise ProofFailed(EXIT_NO_CREDENTIALS, "no-credentials",
                          f"the container credentials endpoint {endpoint} served no readable Expiration: {served.get('Expiration')!r}") from error
    if expiry <= datetime.datetime.now(datetime.timezone.utc):
        raise ProofFailed(EXIT_EXPIRED, "expired",
                          f"the credentials served by {endpoint} expired at {served['Expiration']}: the ECS agent renews them "
                          "before they expire, so the endpoint or this container's clock is wrong")
    return served


def caller_identity(environ, served):
    """sts:GetCallerIdentity with the served credentials; raises ProofFailed when STS does not answer it."""
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    client = botocore.session.Session().create_client(
        "sts", region_name=region, config=STS_CONFIG, aws_access_key_id=served["AccessKeyId"],
        aws_secret_access_key=served["SecretAccessKey"], aws_session_token=served["Token"])
    try:
        return client.get_caller_identity()
    except botocore.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if code in EXPIRED_CODES:
            raise ProofFailed(EXIT_EXPIRED, "expired",
                              f"STS at {client.meta.endpoint_url} refused the task's credentials as expired ({code}: {message})") from error
        raise ProofFailed(EXIT_STS_FAILED, "sts-failed",
                          f"STS at {client.meta.endpoint_url} refused sts:GetCallerIdentity ({code}: {message})") from error
    except Exception as error:  # pylint: disable=broad-exception-caught  # unreachable STS, timeouts: reported
        raise ProofFailed(EXIT_STS_FAILED, "sts-failed",
                          f"sts:GetCallerIdentity at {client.meta.endpoint_url} failed: {' '.join(str(error).split())}") from error


def describe(identity):
    """The caller identity, with the role name and session when the caller is an assumed role."""
    report = {"account": identity["Account"], "arn": identity["Arn"], "user_id": identity["UserId"]}
    match = ASSUMED_ROLE_RE.match(identity["Arn"])
    if match:
        report.update(role_name=match["role"], session_name=match["session"])
    return report


def expected_role(value):
    """argparse type of --expect-role: a role name, or a role ARN (partition, account and name are compared)."""
    match = ROLE_ARN_RE.match(value)
    if match:
        return {"name": match["role"], "account": match["account"], "partition": match["partition"], "given": value}
    if ROLE_NAME_RE.match(value):
        return {"name": value, "account": None, "partition": None, "given": value}
    raise argparse.ArgumentTypeError(f"{value!r} is neither a role name nor a role ARN (arn:aws:iam::123456789012:role/NAME)")


def identity_problem(expected, report):
    """None when the identity in ``report`` is the ``expected`` role, else the one-line message saying how it differs."""
    wanted = f"expected role {expected['given']}, but the task runs as {report['arn']}"
    match = ASSUMED_ROLE_RE.match(report["arn"])
    if not match:
        return f"{wanted}, which is not a role: set taskRoleArn in the task definition"
    if match["role"] != expected["name"]:
        return f"{wanted}, another role: set taskRoleArn in the task definition to role {expected['name']}"
    if expected["account"] and (match["account"], match["partition"]) != (expected["account"], expected["partition"]):
        return f"{wanted}, the role of that name in account {match['account']} ({match['partition']}), not in {expected['account']} ({expected['partition']})"
    return None


def main(argv=None, environ=None):
    environ = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(description="Report (and with --expect-role, prove) the IAM role an ECS task's code runs as.")
    parser.add_argument("--expect-role", type=expected_role, metavar="NAME_OR_ARN",
                        help="the role the task must run as (a name, or an ARN to check the account too); exit 1 on any other")
    args = parser.parse_args(argv)

    report = {}
    try:
        served = container_credentials(environ)
        report = describe(caller_identity(environ, served))
        report.update(credentials_source=botocore.credentials.ContainerProvider.METHOD, expiration=served["Expiration"])
        problem = args.expect_role and identity_problem(args.expect_role, report)
        if problem:
            raise ProofFailed(EXIT_OTHER_IDENTITY, "other-identity", problem)
    except ProofFailed as failed:
        report.update(error=failed.message, failure=failed.failure)
        print(json.dumps(report, sort_keys=True))
        print(f"in_task_proof: {failed.message}", file=sys.stderr)
        return failed.code
    print(json.dumps(report, sort_keys=True))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
