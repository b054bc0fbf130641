"""Record real moto recorder entries of every shape the request classifier meets, for its unit tests.

    .venv/bin/python -m tests.support.recorder_samples tests/unit/golden/recorder/entries.jsonl

Starts a LocalAWS (moto in server mode, recorder on), sends each sample request below over HTTP and writes
one JSON line per sample: ``{"sample": name, "entry": <the entry exactly as moto's recorder downloaded it>}``.
The SDK samples go through boto3; the others are signed with botocore's SigV4 like any SDK request and sent
with urllib, so that moto routes them to IAM and records them as it records the playbooks' requests.
tests/unit/test_harness_local_aws.py reads the file (no server needed there).
"""

import json
import sys
import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials

from tests.support.local_aws import LocalAWS

REGION = "us-east-1"
TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
FORM = "application/x-www-form-urlencoded; charset=utf-8"


def signed(aws, method, path="/", body=b"", content_type=None, service="iam"):
    """Send one request signed for ``service`` (SigV4, the dummy credentials) and ignore the answer."""
    headers = {"Content-Type": content_type} if content_type else {}
    request = botocore.awsrequest.AWSRequest(method=method, url=aws.url + path, data=body, headers=headers)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("testing", "testing"), service, REGION).add_auth(request)
    prepared = request.prepare()
    data = prepared.body if method != "GET" else None
    try:
        with urllib.request.urlopen(urllib.request.Request(prepared.url, data=data, headers=dict(prepared.headers), method=method), timeout=10):
            pass
    except urllib.error.HTTPError:
        pass  # moto refusing a malformed request is fine: the recorder saw it first


def samples(aws):
    """(name, function sending one request) in the order they are recorded."""
    kwargs = {"endpoint_url": aws.url, "region_name": REGION, "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    iam, sts, secrets = (boto3.client(name, **kwargs) for name in ("iam", "sts", "secretsmanager"))
    role_arn = "arn:aws:iam::123456789012:role/sample-role"
    return [
        ("form_create_role", lambda: iam.create_role(RoleName="sample-role", AssumeRolePolicyDocument=TRUST)),
        ("form_get_role", lambda: iam.get_role(RoleName="sample-role")),
        ("form_put_role_policy", lambda: iam.put_role_policy(RoleName="sample-role", PolicyName="p", PolicyDocument=POLICY)),
        ("form_list_role_policies", lambda: iam.list_role_policies(RoleName="sample-role")),
        ("form_generate_credential_report", iam.generate_credential_report),
        ("form_sts_get_caller_identity", sts.get_caller_identity),
        ("form_sts_assume_role", lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="sample-session")),
        ("query_list_roles", lambda: signed(aws, "GET", "/?Action=ListRoles&Version=2010-05-08")),
        ("query_delete_role_policy", lambda: signed(aws, "GET", "/?Action=DeleteRolePolicy&Version=2010-05-08&RoleName=sample-role&PolicyName=p")),
        ("json_list_secrets", secrets.list_secrets),
        ("json_create_secret", lambda: secrets.create_secret(Name="sample-secret", SecretString="x")),
        ("empty_body", lambda: signed(aws, "POST", content_type=FORM)),
        ("form_without_action", lambda: signed(aws, "POST", body=b"Version=2010-05-08&RoleName=sample-role", content_type=FORM)),
        ("form_not_utf8", lambda: signed(aws, "POST", body=b"Action=GetRole&RoleName=\xff\xfe", content_type=FORM)),
        ("form_garbled", lambda: signed(aws, "POST", body=b"Action=GetRole&&RoleName", content_type=FORM)),
        ("form_two_actions", lambda: signed(aws, "POST", body=b"Action=GetRole&Action=DeleteRole&RoleName=sample-role&Version=2010-05-08", content_type=FORM)),
        ("body_and_query_disagree",
         lambda: signed(aws, "POST", "/?Action=GetRole", body=b"Action=DeleteRole&RoleName=sample-role&Version=2010-05-08", content_type=FORM)),
        ("form_lower_case_action", lambda: signed(aws, "POST", body=b"Action=getRole&RoleName=sample-role&Version=2010-05-08", content_type=FORM)),
        ("moto_api_reset", aws.reset),  # last: it empties the account
    ]


def record(aws):
    """[(name, entry)], one recorder entry per sample (a sample that recorded another number of entries fails)."""
    result = []
    for name, send in samples(aws):
        with aws.recording() as calls:
            send()
        entries = calls.entries
        if len(entries) != 1:
            raise RuntimeError(f"sample {name}: the recorder saw {len(entries)} requests, expected 1: {calls!r}")
        result.append((name, entries[0]))
    return result


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m tests.support.recorder_samples OUTPUT.jsonl", file=sys.stderr)
        return 2
    with LocalAWS(region=REGION) as aws, open(argv[0], "w", encoding="utf-8") as out:
        for name, entry in record(aws):
            out.write(json.dumps({"sample": name, "entry": entry}, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
