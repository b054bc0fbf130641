"""Synthetic CloudTrail records and log files in AWS's layout, for the tests of playbooks/usage.yml.

Record shapes follow the AWS CloudTrail User Guide's examples ("CloudTrail record contents", the S3 data event and
AssumedRole session examples), adapted to the test account.
"""

import gzip
import json
import os

ACCOUNT = "123456789012"


def assumed_role(role_arn, session="ecs-task-1"):
    """userIdentity of a call made with a role's session (an ECS task's credentials)."""
    name = role_arn.rsplit("/", 1)[1]
    account = role_arn.split(":")[4]
    return {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLEID:%s" % session,
        "arn": "arn:aws:sts::%s:assumed-role/%s/%s" % (account, name, session),
        "accountId": account,
        "accessKeyId": "ASIAEXAMPLEKEY",
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEID", "arn": role_arn, "accountId": account, "userName": name},
            "attributes": {"creationDate": "2026-11-10T08:00:00Z", "mfaAuthenticated": "false"},
        },
    }


def record(role_arn, source, name, when, params=None, resources=None, error=None, data=None, region="eu-west-1", account=ACCOUNT):
    """One CloudTrail record; ``data`` says whether it is a data event (eventCategory)."""
    item = {
        "eventVersion": "1.09",
        "userIdentity": assumed_role(role_arn) if role_arn else {"type": "AWSService", "invokedBy": "ecs-tasks.amazonaws.com"},
        "eventTime": when,
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "10.0.0.1",
        "userAgent": "aws-sdk-python/1.35",
        "requestParameters": params or {},
        "responseElements": None,
        "requestID": "%08X" % (abs(hash((role_arn, source, name, when))) % 0xFFFFFFFF),
        "eventID": "%s-%s" % (name, when),
        "readOnly": name.startswith(("Get", "List", "Describe", "Head", "Query", "Scan", "Receive")),
        "eventType": "AwsApiCall",
        "managementEvent": not data,
        "recipientAccountId": account,
        "eventCategory": "Data" if data else "Management",
    }
    if resources:
        item["resources"] = resources
    if error:
        item["errorCode"] = error
        item["errorMessage"] = "User: %s is not authorized to perform: %s" % (item["userIdentity"].get("arn"), name)
    return item


def key(when, region="eu-west-1", account=ACCOUNT, prefix="", org=None, unique="AbCdEf0123456789"):
    """The object key AWS gives the log file delivered at ``when`` (``2026-11-10T08:05:00Z``)."""
    day = when[:10].replace("-", "/")
    stamp = when[:4] + when[5:7] + when[8:10] + "T" + when[11:13] + when[14:16] + "Z"
    parts = [prefix.strip("/")] if prefix.strip("/") else []
    parts += ["AWSLogs"] + ([org] if org else []) + [account, "CloudTrail", region, day,
                                                     "%s_CloudTrail_%s_%s_%s.json.gz" % (account, region, stamp, unique)]
    return "/".join(parts)


def log_bytes(records):
    return gzip.compress(json.dumps({"Records": records}).encode("utf-8"), mtime=0)


def write_dir(root, files):
    """Write ``{key: bytes}`` under the folder ``root``."""
    for name, data in files.items():
        path = os.path.join(str(root), *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)


def write_s3(client, bucket, files):
    """Put ``{key: bytes}`` into ``bucket`` (created if needed)."""
    try:
        client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": client.meta.region_name})
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    for name, data in files.items():
        client.put_object(Bucket=bucket, Key=name, Body=data)
