"""Prove, from inside a running ECS task, which IAM role the task's code really gets.

Run it in the container (it needs only Python 3 and botocore, which boto3 brings):

    python3 in_task_proof.py                                   # prints the identity as JSON
    python3 in_task_proof.py --expect-role staging-cerpac-ecs-task-role   # exits 1 on another role

For example with ECS Exec:
    aws ecs execute-command --cluster C --task T --container app --interactive \
        --command "python3 /opt/in_task_proof.py --expect-role staging-cerpac-ecs-task-role"

It reads credentials exactly as the AWS SDKs do in ECS, from the container credentials endpoint only (never from
environment keys, a profile or instance metadata, which could hide a missing task role):
  - AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: http://169.254.170.2<relative uri> (set by ECS for the task role), or
  - AWS_CONTAINER_CREDENTIALS_FULL_URI: any URI botocore accepts (https, or http on a loopback or the ECS/EKS
    link-local addresses), with the optional token in AWS_CONTAINER_AUTHORIZATION_TOKEN or in the file named by
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (sent as the Authorization header).
Then it calls sts:GetCallerIdentity (needs no permission) and reports the account, the caller ARN and, for an
assumed role, the role name and session. The region comes from AWS_REGION (ECS sets it); a regional STS endpoint
is used. AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_STS are honoured as botocore does (tests point them at a local STS).

Exit codes: 0 identity read (and, with --expect-role, it is that role); 1 another role; 2 no container
credentials endpoint or the call failed.
"""

import argparse
import json
import os
import re
import sys

import botocore.credentials
import botocore.session

ASSUMED_ROLE_RE = re.compile(r"^arn:(?P<partition>[^:]+):sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/(?P<session>.+)$")


def container_credentials(environ):
    """The task's credentials from the container credentials endpoint, or None when no endpoint is set."""
    if not (environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") or environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")):
        return None
    return botocore.credentials.ContainerProvider(environ=environ).load()


def describe(identity):
    """The caller identity, with the role name and session when the caller is an assumed role."""
    report = {"account": identity["Account"], "arn": identity["Arn"], "user_id": identity["UserId"]}
    match = ASSUMED_ROLE_RE.match(identity["Arn"])
    if match:
        report.update(role_name=match["role"], session_name=match["session"])
    return report


def main(argv=None, environ=None):
    environ = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(description="Report the IAM role an ECS task's code runs as.")
    parser.add_argument("--expect-role", help="the role name the task must run as; exit 1 when it is another")
    args = parser.parse_args(argv)

    try:
        credentials = container_credentials(environ)
    except Exception as error:  # pylint: disable=broad-exception-caught  # any failure is reported, not raised
        print(json.dumps({"error": f"the container credentials endpoint did not give credentials: {error}"}))
        return 2
    if credentials is None:
        print(json.dumps({"error": "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set: "
                                   "not inside an ECS task with a task role (set taskRoleArn in the task definition)"}))
        return 2

    session = botocore.session.Session()
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    frozen = credentials.get_frozen_credentials()
    client = session.create_client("sts", region_name=region, aws_access_key_id=frozen.access_key,
                                   aws_secret_access_key=frozen.secret_key, aws_session_token=frozen.token)
    try:
        report = describe(client.get_caller_identity())
    except Exception as error:  # pylint: disable=broad-exception-caught
        print(json.dumps({"error": f"sts:GetCallerIdentity failed: {error}"}))
        return 2
    report["credentials_source"] = credentials.method
    print(json.dumps(report, sort_keys=True))
    if args.expect_role and report.get("role_name") != args.expect_role:
        print(json.dumps({"error": f"expected role {args.expect_role}, running as {report['arn']}"}), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
