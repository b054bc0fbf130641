"""verify.yml -e verify_resources=true: every resource a grant names exists (issue 18, item 4), against moto.

A grant to a bucket or a queue whose name has a typo passes every policy check and grants nothing; verify names it, with
the nearest existing name, and only reads.
"""

import boto3
import pytest

from tests.support.local_aws import is_write

pytestmark = pytest.mark.integration

# Reads of the resource services that the recorder's IAM/STS classifier does not know (it counts them as writes):
# JSON-protocol Describe* reads, and REST reads (S3's HeadBucket, ListBuckets) that carry no action, sent as GET/HEAD.
RESOURCE_READS = {"DescribeTable", "DescribeLogGroups", "DescribeRepositories", "DescribeParameters", "DescribeSecret"}


def writes(run):
    """The requests of a run that are not certainly reads, the resource services' reads above set apart."""
    return [action or entry.get("method") for action, entry in zip(run.calls.actions, run.calls.entries)
            if is_write(action) and not (action in RESOURCE_READS
                                         or (action is None and isinstance(entry, dict) and entry.get("method") in ("GET", "HEAD")))]


def client(aws, service):
    return boto3.client(service, endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")


def test_a_missing_bucket_and_a_missing_queue_are_named_with_the_nearest_name(aws, playbook, make_inventory):
    inventory = make_inventory(host_vars={
        "cerpac": {"ecs_task_role_grants": [
            {"service": "s3", "access": ["read"], "resources": ["staging-cerpac-upload"]},
            {"service": "dynamodb", "access": ["read"], "resources": ["staging-cerpac-sessions"]}]},
        "worker": {"ecs_task_role_grants": [
            {"service": "sqs", "access": ["consume"], "resources": ["staging-worker-job"]},
            {"service": "s3", "access": ["read"], "resources": ["staging-worker-archive"]}]},
    })
    assert playbook("deploy.yml", str(inventory)).rc == 0
    s3 = client(aws, "s3")
    for bucket in ("staging-cerpac-uploads", "staging-worker-archive"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.region})
    client(aws, "sqs").create_queue(QueueName="staging-worker-jobs")
    client(aws, "dynamodb").create_table(TableName="staging-cerpac-sessions", BillingMode="PAY_PER_REQUEST",
                                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])

    plain = playbook("verify.yml", str(inventory))
    assert plain.rc == 0, plain.output[-3000:]  # without the flag, verify reads no resource

    run = playbook("verify.yml", str(inventory), extra_vars={"verify_resources": "true"})
    assert run.rc != 0
    flat = " ".join(run.stdout.split())
    assert ("host cerpac, task role, grants[0] (s3): s3 staging-cerpac-upload: does not exist (did you mean staging-cerpac-uploads?)"
            in flat), flat[-3000:]
    assert ("host worker, task role, grants[0] (sqs): sqs staging-worker-job: does not exist (did you mean staging-worker-jobs?)"
            in flat), flat[-3000:]
    # The resources that exist are not reported.
    assert "staging-cerpac-sessions: does not exist" not in flat and "staging-worker-archive: does not exist" not in flat
    assert writes(run) == [], run.calls
    assert run.changed == 0
