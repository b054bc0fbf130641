"""Unit tables of _resources: which resources the declarations name, and what a read answer means."""

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _resources

ACCOUNT = "123456789012"


def task_role(grants, host="cerpac"):
    return {"role": "ecs_task_role", "host": host, "state": "present", "region": "eu-west-1", "account_id": ACCOUNT, "partition": "aws",
            "grants": grants}


def grant(index, service, resources, **options):
    return {"index": index, "service": service, "access": ["read"], "resources": resources, "options": options}


class FakeAWS:
    """Answers the catalogue's reads from a table of existing names per service; ``denied``: services that refuse."""

    def __init__(self, existing, denied=()):
        self.existing, self.denied, self.calls = existing, denied, []

    def __call__(self, client, operation, params, region):
        self.calls.append((client, operation, region))
        if client in self.denied:
            return None, "AccessDenied"
        names = self.existing.get(client, [])
        if operation == "head_bucket":
            return ({}, None) if params["Bucket"] in names else (None, "404")
        if operation == "list_buckets":
            return {"Buckets": [{"Name": name} for name in names]}, None
        if operation == "get_queue_url":
            return ({"QueueUrl": "https://q/%s" % params["QueueName"]}, None) if params["QueueName"] in names else (
                None, "AWS.SimpleQueueService.NonExistentQueue")
        if operation == "list_queues":
            return {"QueueUrls": ["https://sqs.eu-west-1.amazonaws.com/%s/%s" % (ACCOUNT, name) for name in names]}, None
        if operation == "describe_table":
            return ({"Table": {}}, None) if params["TableName"] in names else (None, "ResourceNotFoundException")
        if operation == "list_tables":
            return {"TableNames": list(names)}, None
        if operation == "describe_parameters":
            values = [name for name in names if "ParameterFilters" not in params or name.startswith(params["ParameterFilters"][0]["Values"][0])]
            return {"Parameters": [{"Name": name} for name in values]}, None
        if operation == "list_secrets":
            wanted = params.get("Filters", [{"Values": [""]}])[0]["Values"][0]
            return {"SecretList": [{"Name": name} for name in names if name.startswith(wanted)]}, None
        if operation == "describe_secret":
            return ({}, None) if params["SecretId"] in names else (None, "ResourceNotFoundException")
        if operation == "get_topic_attributes":
            return ({}, None) if params["TopicArn"].rsplit(":", 1)[-1] in names else (None, "NotFound")
        if operation == "list_topics":
            return {"Topics": [{"TopicArn": "arn:aws:sns:eu-west-1:%s:%s" % (ACCOUNT, name)} for name in names]}, None
        raise AssertionError("unexpected call %s" % operation)


@pytest.mark.parametrize("grants, existing, denied, expected", [
    # a typo in a bucket name: missing, with the nearest name; the existing bucket is not reported
    ([grant(0, "s3", ["staging-cerpac-upload", "staging-cerpac-logs"])], {"s3": ["staging-cerpac-uploads", "staging-cerpac-logs"]}, (),
     [("staging-cerpac-upload", "missing", "staging-cerpac-uploads"), ("staging-cerpac-logs", "exists", None)]),
    # a queue: missing, nearest name from the queue URLs
    ([grant(2, "sqs", ["staging-worker-job"])], {"sqs": ["staging-worker-jobs", "production-worker-jobs"]}, (),
     [("staging-worker-job", "missing", "staging-worker-jobs")]),
    # nothing near: missing without a guess
    ([grant(0, "dynamodb", ["orders"])], {"dynamodb": ["staging-cerpac-sessions-archive-2019"]}, (), [("orders", "missing", None)]),
    # access denied is never "missing"
    ([grant(0, "s3", ["staging-cerpac-upload"])], {}, ("s3",), [("staging-cerpac-upload", "unchecked", None)]),
    # a parameter path exists when a parameter lives at or below it; a name without the leading slash too
    ([grant(0, "ssm", ["/staging/myapp/"]), grant(1, "ssm", ["plain"])], {"ssm": ["/staging/myapp/db", "plain"]}, (),
     [("staging/myapp", "exists", None), ("plain", "exists", None)]),
    # /staging/myapp2 is not under /staging/myapp
    ([grant(0, "ssm", ["/staging/myapp"])], {"ssm": ["/staging/myapp2/db"]}, (), [("staging/myapp", "missing", "/staging/myapp2/db")]),
    # a secret name prefix exists when a secret lives under it
    ([grant(0, "secretsmanager", ["app/api-keys/*", "app/other/*"])], {"secretsmanager": ["app/api-keys/stripe"]}, (),
     [("app/api-keys", "exists", None), ("app/other", "missing", None)]),
    # a topic by its ARN
    ([grant(0, "sns", ["staging-cerpac-events"])], {"sns": ["staging-cerpac-events"]}, (), [("staging-cerpac-events", "exists", None)]),
    # services without an existence read, and another account: could not check, with no call
    ([grant(0, "ses", ["cerpac.example.com"]), grant(1, "s3", ["staging-shared"], account_id="999999999999")], {}, (),
     [("cerpac.example.com", "unchecked", None), ("staging-shared", "unchecked", None)]),
])
def test_check(grants, existing, denied, expected):
    aws = FakeAWS(existing, denied)
    results = _resources.check(_resources.resources([task_role(grants)]), aws)
    assert [(result["name"], result["status"], result["nearest"]) for result in results] == expected


def test_the_line_names_host_role_grant_and_resource_and_the_nearest_name():
    results = _resources.check(_resources.resources([task_role([grant(0, "s3", ["staging-cerpac-upload"])])]),
                               FakeAWS({"s3": ["staging-cerpac-uploads"]}))
    assert [result["line"] for result in results] == [
        "host cerpac, task role, grants[0] (s3): s3 staging-cerpac-upload: does not exist (did you mean staging-cerpac-uploads?)"]


def test_denied_says_could_not_check_and_why():
    results = _resources.check(_resources.resources([task_role([grant(0, "s3", ["b1"])])]), FakeAWS({}, ("s3",)))
    assert results[0]["line"] == "host cerpac, task role, grants[0] (s3): s3 b1: could not check (AccessDenied)"


def test_the_listing_is_read_once_per_service_and_region():
    aws = FakeAWS({"s3": ["x-bucket"]})
    _resources.check(_resources.resources([task_role([grant(0, "s3", ["a-bucket", "b-bucket", "c-bucket"])])]), aws)
    assert aws.calls.count(("s3", "list_buckets", "eu-west-1")) == 1


def test_resources_of_the_execution_role_include_its_start_up_secrets_and_parameters():
    declaration = dict(task_role([grant(0, "ecr", ["cerpac"]), grant(1, "logs", ["/ecs/staging/cerpac"])]), role="ecs_task_execution_role",
                       startup={"secrets": ["staging/cerpac/*", "staging/db"], "parameters": ["/cerpac/staging/*"], "kms_keys": []})
    assert [(item["role"], item["grant"], item["service"], item["name"], item["prefix"]) for item in _resources.resources([declaration])] == [
        ("execution role", "grants[0] (ecr)", "ecr", "cerpac", False),
        ("execution role", "grants[1] (logs)", "logs", "/ecs/staging/cerpac", False),
        ("execution role", "secrets[0]", "secretsmanager", "staging/cerpac", True),
        ("execution role", "secrets[1]", "secretsmanager", "staging/db", False),
        ("execution role", "parameters[0]", "ssm", "cerpac/staging", False),
    ]


def test_roles_declared_absent_name_nothing():
    assert _resources.resources([dict(task_role([grant(0, "s3", ["b1"])]), state="absent")]) == []
