"""cerpac.ecs_iam.render_grants as the controller runs it (its action plugin), without ansible-playbook."""

import json
import pathlib

import pytest

GOLDEN = pathlib.Path(__file__).resolve().parents[2] / "golden" / "grants"


@pytest.mark.parametrize("name", ["issue_example", "worker_china", "govcloud_everything"])
@pytest.mark.parametrize("check_mode", [False, True])
def test_renders_the_golden_policies(action, name, check_mode):
    golden = json.loads((GOLDEN / ("%s.json" % name)).read_text())
    args = {"grants": golden["grants"], "region": golden["region"], "account_id": golden["account_id"]}
    if golden["partition"]:
        args["partition"] = golden["partition"]
    result = action("render_grants", args, check_mode=check_mode)
    assert result.get("failed") is not True, result
    assert result["changed"] is False
    assert result["policies"] == golden["policies"]
    assert result["statements_count"] == sum(len(p["document"]["Statement"]) for p in golden["policies"])


def test_each_grant_says_where_it_went(action):
    result = action("render_grants", {"region": "eu-west-1", "account_id": "123456789012", "grants": [
        {"service": "s3", "access": ["read"], "resources": ["staging-cerpac-uploads"], "prefix": "in/", "sid": "Uploads"},
        {"service": "ecr", "access": ["pull"], "resources": ["api"]},
        {"service": "ecr", "access": ["pull"], "resources": ["worker"]},
    ]})
    assert result["grants"] == [
        {"index": 0, "service": "s3", "access": ["read"], "resources": ["staging-cerpac-uploads"],
         "options": {"prefix": "in/", "sid": "Uploads"}, "policy": "grants-s3", "sids": ["S3ReadObjectsUploads"]},
        {"index": 1, "service": "ecr", "access": ["pull"], "resources": ["api"], "options": {}, "policy": "grants-ecr",
         "sids": ["EcrPullRepositories1", "EcrPullAuthToken"]},
        {"index": 2, "service": "ecr", "access": ["pull"], "resources": ["worker"], "options": {}, "policy": "grants-ecr",
         "sids": ["EcrPullRepositories2", "EcrPullAuthToken"]},
    ]


def test_the_rds_exception_is_scoped_to_the_policy_it_excuses(action):
    result = action("render_grants", {"region": "eu-west-1", "account_id": "123456789012", "grants": [
        {"service": "rds", "access": ["connect"], "resources": ["db-ABCDEFGHIJKL/app"]}]})
    assert [(rule["code"], rule["action"], rule["policy"]) for rule in result["check_exceptions"]] == [
        ("PERMISSIONS_MANAGEMENT", "rds-db:connect", "grants-rds")]


def test_fails_with_every_error(action):
    result = action("render_grants", {
        "region": "eu-west-1",
        "account_id": "123456789012",
        "grants": [
            {"service": "sqs", "access": ["send"], "resources": ["ok"]},
            {"service": "s3", "access": ["read", "fly"], "resources": ["arn:aws:s3:::b"], "prefix": "*"},
            {"service": "ecr", "access": ["pull"], "resources": ["x"], "prefix": "a/"},
        ],
    })
    assert result["failed"] is True and result["policies"] == [] and result["statements_count"] == 0
    fields = [(error["grant"], error["service"], error["field"]) for error in result["errors"]]
    assert fields == [(1, "s3", "access"), (1, "s3", "resources"), (1, "s3", "prefix"), (2, "ecr", "prefix"), (2, "ecr", "resources")]
    assert "grants[1] (s3): access: 'fly' is not an access level s3 offers; allowed: read, write, delete, list" in result["msg"]


@pytest.mark.parametrize("args,needle", [
    ({"region": "eu-west-1", "account_id": "123", "grants": []}, "account_id: '123' is not a valid AWS account id"),
    ({"region": "eu-west-1", "account_id": "123456789012", "partition": "aws-cn", "grants": []}, "partition: 'aws-cn' does not match region"),
    ({"region": "eu-west-1", "account_id": "123456789012", "partition": "mars", "grants": []}, "partition: 'mars' is not an AWS partition"),
    ({"region": "xx-west-1", "account_id": "123456789012", "grants": []}, "region: 'xx-west-1' is in no AWS partition that botocore"),
])
def test_refuses_a_bad_context(action, args, needle):
    result = action("render_grants", args)
    assert result["failed"] is True and needle in result["msg"]


def test_no_grants_render_nothing(action):
    result = action("render_grants", {"region": "cn-north-1", "account_id": "123456789012", "grants": []})
    assert result["changed"] is False and result["policies"] == [] and result["statements_count"] == 0
