# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Table-driven tests of grant_checks: every code, each flagged and not flagged."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import (
    CODES,
    apply_exceptions,
    blocking,
    check_policies,
    check_policy,
    count_by_code,
    format_finding,
)

BUCKET = "arn:aws:s3:::staging-cerpac-uploads"
OBJECTS = BUCKET + "/*"
TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders"
ROLE = "arn:aws:iam::123456789012:role/app"


def policy(*statements, **top):
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    doc.update(top)
    return doc


def allow(action, resource, **extra):
    stmt = {"Effect": "Allow", "Action": action, "Resource": resource}
    stmt.update(extra)
    return stmt


def deny(action, resource, **extra):
    stmt = {"Effect": "Deny", "Action": action, "Resource": resource}
    stmt.update(extra)
    return stmt


def codes(findings, severity=None):
    return {f["code"] for f in findings if severity is None or f["severity"] == severity}


# (id, document, context, code, flagged)
CASES = [
    # MALFORMED_JSON
    ("json-broken", '{"Version": "2012-10-17", "Statement": [', {}, "MALFORMED_JSON", True),
    ("json-string-ok", json.dumps(policy(allow("s3:GetObject", OBJECTS))), {}, "MALFORMED_JSON", False),
    # MALFORMED
    ("no-effect", policy({"Action": "s3:GetObject", "Resource": OBJECTS}), {}, "MALFORMED", True),
    ("bad-effect", policy(allow("s3:GetObject", OBJECTS, Effect="allow")), {}, "MALFORMED", True),
    ("no-action", policy({"Effect": "Allow", "Resource": OBJECTS}), {}, "MALFORMED", True),
    ("no-resource", policy({"Effect": "Allow", "Action": "s3:GetObject"}), {}, "MALFORMED", True),
    ("action-and-notaction", policy(allow("s3:GetObject", OBJECTS, NotAction="s3:PutObject")), {}, "MALFORMED", True),
    ("principal", policy(allow("s3:GetObject", OBJECTS, Principal={"AWS": "*"})), {}, "MALFORMED", True),
    ("bad-version", policy(allow("s3:GetObject", OBJECTS), Version="2012-10-18"), {}, "MALFORMED", True),
    ("sid-not-alnum", policy(allow("s3:GetObject", OBJECTS, Sid="read uploads")), {}, "MALFORMED", True),
    ("sid-duplicate", policy(allow("s3:GetObject", OBJECTS, Sid="A"), allow("s3:PutObject", OBJECTS, Sid="A")), {}, "MALFORMED", True),
    ("not-an-object", "[1, 2]", {}, "MALFORMED", True),
    ("no-statement", {"Version": "2012-10-17"}, {}, "MALFORMED", True),
    ("empty-action-list", policy(allow([], OBJECTS)), {}, "MALFORMED", True),
    ("action-not-string", policy(allow(["s3:GetObject", 3], OBJECTS)), {}, "MALFORMED", True),
    ("bad-condition", policy(allow("s3:GetObject", OBJECTS, Condition=["x"])), {}, "MALFORMED", True),
    ("unknown-element", policy(allow("s3:GetObject", OBJECTS, Effects="Allow")), {}, "MALFORMED", True),
    ("malformed-deny", policy(allow("s3:GetObject", OBJECTS), {"Effect": "Deny", "Action": "s3:DeleteObject"}), {}, "MALFORMED", True),
    ("well-formed", policy(allow("s3:GetObject", OBJECTS, Sid="ReadUploads"), allow("s3:PutObject", OBJECTS, Sid="Write1")), {}, "MALFORMED", False),
    ("version-2008-no-variables", policy(allow("s3:GetObject", OBJECTS), Version="2008-10-17"), {}, "MALFORMED", False),
    ("single-statement-object", {"Version": "2012-10-17", "Statement": allow("s3:GetObject", OBJECTS)}, {}, "MALFORMED", False),
    # POLICY_TOO_LARGE
    ("too-large", policy(*[allow("s3:GetObject", "%s/prefix-%04d/*" % (BUCKET, i)) for i in range(200)]), {}, "POLICY_TOO_LARGE", True),
    ("not-too-large", policy(*[allow("s3:GetObject", "%s/p%02d/*" % (BUCKET, i)) for i in range(20)]), {}, "POLICY_TOO_LARGE", False),
    # INVALID_ARN
    ("arn-missing-fields", policy(allow("s3:GetObject", "arn:aws:s3:staging-cerpac-uploads")), {}, "INVALID_ARN", True),
    ("arn-not-arn", policy(allow("s3:GetObject", "staging-cerpac-uploads/*")), {}, "INVALID_ARN", True),
    ("arn-bad-partition", policy(allow("s3:GetObject", "arn:amazon:s3:::b/*")), {}, "INVALID_ARN", True),
    ("arn-in-deny", policy(allow("s3:GetObject", OBJECTS), deny("s3:DeleteObject", "bucket")), {}, "INVALID_ARN", True),
    ("arn-ok", policy(allow("s3:GetObject", OBJECTS)), {}, "INVALID_ARN", False),
    ("arn-variable-ok", policy(allow("s3:GetObject", BUCKET + "/home/${aws:username}/*")), {}, "INVALID_ARN", False),
    ("arn-china-ok", policy(allow("s3:GetObject", "arn:aws-cn:s3:::b/*")), {}, "INVALID_ARN", False),
    # UNKNOWN_ACTION
    ("unknown-action", policy(allow("s3:ListObjects", BUCKET)), {}, "UNKNOWN_ACTION", True),
    ("unknown-service", policy(allow("s4:GetObject", OBJECTS)), {}, "UNKNOWN_ACTION", True),
    ("unknown-wildcard", policy(allow("s3:Frobnicate*", OBJECTS)), {}, "UNKNOWN_ACTION", True),
    ("unknown-no-colon", policy(allow("GetObject", OBJECTS)), {}, "UNKNOWN_ACTION", True),
    ("unknown-in-deny", policy(allow("s3:GetObject", OBJECTS), deny("s3:ListObjectsV2", "*")), {}, "UNKNOWN_ACTION", True),
    ("known-mixed-case", policy(allow("S3:getobject", OBJECTS)), {}, "UNKNOWN_ACTION", False),
    ("known-wildcard", policy(allow("s3:*Object", OBJECTS)), {}, "UNKNOWN_ACTION", False),
    ("known-question-mark", policy(allow("s3:GetObjec?", OBJECTS)), {}, "UNKNOWN_ACTION", False),
    # FULL_ADMIN
    ("full-admin", policy(allow("*", "*")), {}, "FULL_ADMIN", True),
    ("full-admin-in-list", policy(allow(["s3:GetObject", "*"], OBJECTS)), {}, "FULL_ADMIN", True),
    ("full-admin-deny-ok", policy(allow("s3:GetObject", OBJECTS), deny("*", "*")), {}, "FULL_ADMIN", False),
    ("no-full-admin", policy(allow("s3:GetObject", OBJECTS)), {}, "FULL_ADMIN", False),
    # SERVICE_WILDCARD
    ("service-wildcard", policy(allow("s3:*", OBJECTS)), {}, "SERVICE_WILDCARD", True),
    ("service-wildcard-case", policy(allow("DynamoDB:*", TABLE)), {}, "SERVICE_WILDCARD", True),
    ("partial-wildcard-ok", policy(allow("s3:Get*", OBJECTS)), {}, "SERVICE_WILDCARD", False),
    ("service-wildcard-deny-ok", policy(allow("s3:GetObject", OBJECTS), deny("s3:*", "*", Condition={"Bool": {"aws:SecureTransport": "false"}})),
     {}, "SERVICE_WILDCARD", False),
    # RESOURCE_STAR
    ("star-getobject", policy(allow("s3:GetObject", "*")), {}, "RESOURCE_STAR", True),
    ("star-passrole", policy(allow("iam:PassRole", "*")), {}, "RESOURCE_STAR", True),
    ("star-with-scoped", policy(allow("s3:GetObject", [OBJECTS, "*"])), {}, "RESOURCE_STAR", True),
    ("star-partial-wildcard", policy(allow("s3:Get*", "*")), {}, "RESOURCE_STAR", True),
    ("star-kms-viaservice", policy(allow("kms:Decrypt", "*", Condition={"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}})),
     {}, "RESOURCE_STAR", True),
    ("star-securetransport", policy(allow("s3:GetObject", "*", Condition={"Bool": {"aws:SecureTransport": "true"}})), {}, "RESOURCE_STAR", True),
    ("star-conditional-deny-no-cancel", policy(allow("s3:GetObject", "*"), deny("s3:GetObject", "*", Condition={"Bool": {"aws:SecureTransport": "false"}})),
     {}, "RESOURCE_STAR", True),
    ("star-tag-ifexists-not-scoping", policy(allow("ec2:StopInstances", "*", Condition={"StringEqualsIfExists": {"aws:ResourceTag/app": "web"}})),
     {}, "RESOURCE_STAR", True),
    ("star-ok-getauthtoken", policy(allow("ecr:GetAuthorizationToken", "*")), {}, "RESOURCE_STAR", False),
    ("star-ok-xray", policy(allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*")), {}, "RESOURCE_STAR", False),
    ("star-ok-ssmmessages", policy(allow(["ssmmessages:CreateControlChannel", "ssmmessages:OpenDataChannel"], "*")), {}, "RESOURCE_STAR", False),
    ("star-ok-putmetricdata", policy(allow("cloudwatch:PutMetricData", "*")), {}, "RESOURCE_STAR", False),
    ("star-ok-resource-tag", policy(allow("ec2:StopInstances", "*", Condition={"StringEquals": {"aws:ResourceTag/app": "web"}})), {}, "RESOURCE_STAR", False),
    ("star-ok-service-resource-tag", policy(allow("ec2:StopInstances", "*", Condition={"StringEquals": {"ec2:ResourceTag/app": "web"}})),
     {}, "RESOURCE_STAR", False),
    ("star-deny-not-a-grant", policy(allow("s3:GetObject", OBJECTS), deny("s3:*", "*")), {}, "RESOURCE_STAR", False),
    ("star-cancelled-by-unconditional-deny", policy(allow(["s3:GetObject", "ecr:GetAuthorizationToken"], "*"), deny("s3:*", "*")), {}, "RESOURCE_STAR", False),
    ("star-scoped-ok", policy(allow("s3:GetObject", OBJECTS)), {}, "RESOURCE_STAR", False),
    # RESOURCE_MISMATCH
    ("mismatch-getobject-bucket", policy(allow("s3:GetObject", BUCKET)), {}, "RESOURCE_MISMATCH", True),
    ("mismatch-listbucket-object", policy(allow("s3:ListBucket", OBJECTS)), {}, "RESOURCE_MISMATCH", True),
    ("mismatch-getitem-index", policy(allow("dynamodb:GetItem", TABLE + "/index/ByCustomer")), {}, "RESOURCE_MISMATCH", True),
    ("mismatch-other-service", policy(allow("s3:GetObject", TABLE)), {}, "RESOURCE_MISMATCH", True),
    ("mismatch-star-only-action-on-arn", policy(allow("ecr:GetAuthorizationToken", "arn:aws:ecr:eu-west-1:123456789012:repository/app")),
     {}, "RESOURCE_MISMATCH", True),
    ("mismatch-wildcard-none", policy(allow("s3:GetObject*", BUCKET)), {}, "RESOURCE_MISMATCH", True),
    ("mismatch-passrole-region", policy(allow("iam:PassRole", "arn:aws:iam:eu-west-1:123456789012:role/app")), {}, "RESOURCE_MISMATCH", True),
    ("match-getobject-object", policy(allow("s3:GetObject", OBJECTS)), {}, "RESOURCE_MISMATCH", False),
    ("match-listbucket-bucket", policy(allow("s3:ListBucket", BUCKET)), {}, "RESOURCE_MISMATCH", False),
    ("match-getitem-table", policy(allow("dynamodb:GetItem", TABLE)), {}, "RESOURCE_MISMATCH", False),
    ("match-query-index", policy(allow("dynamodb:Query", TABLE + "/index/*")), {}, "RESOURCE_MISMATCH", False),
    ("match-partial-wildcard", policy(allow("s3:Get*", BUCKET)), {}, "RESOURCE_MISMATCH", False),
    ("match-any-listed", policy(allow(["s3:GetObject", "s3:ListBucket"], [BUCKET, OBJECTS])), {}, "RESOURCE_MISMATCH", False),
    ("match-variable", policy(allow("s3:GetObject", BUCKET + "/home/${aws:username}/*")), {}, "RESOURCE_MISMATCH", False),
    ("match-wildcard-bucket", policy(allow("s3:GetObject", "arn:aws:s3:::staging-*")), {}, "RESOURCE_MISMATCH", False),
    ("match-access-point-object", policy(allow("s3:GetObject", "arn:aws:s3:eu-west-1:123456789012:accesspoint/ap/object/*")), {}, "RESOURCE_MISMATCH", False),
    ("match-log-group-star", policy(allow(["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/app:*")),
     {}, "RESOURCE_MISMATCH", False),
    ("match-ssm-parameter-path", policy(allow("ssm:GetParameters", "arn:aws:ssm:eu-west-1:123456789012:parameter/app/staging/*")),
     {}, "RESOURCE_MISMATCH", False),
    ("match-role-path", policy(allow("iam:PassRole", "arn:aws:iam::123456789012:role/service/app")), {}, "RESOURCE_MISMATCH", False),
    ("match-split-required-types", policy(allow("ec2:AttachVolume", "arn:aws:ec2:eu-west-1:123456789012:instance/*"),
                                          allow("ec2:AttachVolume", "arn:aws:ec2:eu-west-1:123456789012:volume/*")), {}, "RESOURCE_MISMATCH", False),
    ("deny-mismatch-not-a-grant", policy(allow("s3:GetObject", OBJECTS), deny("s3:GetObject", BUCKET)), {}, "RESOURCE_MISMATCH", False),
    # NOT_ACTION_WITH_ALLOW / NOT_RESOURCE_WITH_ALLOW
    ("notaction-allow", policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": OBJECTS}), {}, "NOT_ACTION_WITH_ALLOW", True),
    ("notaction-deny-ok", policy(allow("s3:GetObject", OBJECTS), {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}),
     {}, "NOT_ACTION_WITH_ALLOW", False),
    ("notresource-allow", policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": OBJECTS}), {}, "NOT_RESOURCE_WITH_ALLOW", True),
    ("notresource-deny-ok", policy(allow("s3:GetObject", OBJECTS), {"Effect": "Deny", "Action": "s3:*", "NotResource": OBJECTS}),
     {}, "NOT_RESOURCE_WITH_ALLOW", False),
    # PERMISSIONS_MANAGEMENT
    ("pm-putrolepolicy", policy(allow("iam:PutRolePolicy", ROLE)), {}, "PERMISSIONS_MANAGEMENT", True),
    ("pm-wildcard", policy(allow("iam:Put*", ROLE)), {}, "PERMISSIONS_MANAGEMENT", True),
    ("pm-bucket-policy", policy(allow("s3:PutBucketPolicy", BUCKET)), {}, "PERMISSIONS_MANAGEMENT", True),
    ("pm-service-wildcard", policy(allow("iam:*", ROLE)), {}, "PERMISSIONS_MANAGEMENT", True),
    ("pm-deny-ok", policy(allow("s3:GetObject", OBJECTS), deny("iam:PutRolePolicy", "*")), {}, "PERMISSIONS_MANAGEMENT", False),
    ("pm-cancelled-by-deny", policy(allow("iam:Put*", ROLE), deny("iam:*", "*")), {}, "PERMISSIONS_MANAGEMENT", False),
    ("pm-passrole-is-write", policy(allow("iam:PassRole", ROLE)), {}, "PERMISSIONS_MANAGEMENT", False),
    # CROSS_ENVIRONMENT
    ("cross-env", policy(allow("s3:GetObject", "arn:aws:s3:::production-cerpac-uploads/*")),
     {"environment": "staging", "other_environments": ["production"]}, "CROSS_ENVIRONMENT", True),
    ("cross-env-case", policy(allow("s3:GetObject", "arn:aws:s3:::cerpac-Production/*")),
     {"environment": "staging", "other_environments": ["production"]}, "CROSS_ENVIRONMENT", True),
    ("cross-env-table", policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/orders_production")),
     {"environment": "staging", "other_environments": ["production"]}, "CROSS_ENVIRONMENT", True),
    ("cross-env-preproduction-ok", policy(allow("s3:GetObject", "arn:aws:s3:::preproduction-cerpac-uploads/*")),
     {"environment": "staging", "other_environments": ["production"]}, "CROSS_ENVIRONMENT", False),
    ("cross-env-productions-ok", policy(allow("s3:GetObject", "arn:aws:s3:::productions-cerpac/*")),
     {"environment": "staging", "other_environments": ["production"]}, "CROSS_ENVIRONMENT", False),
    ("cross-env-own-ok", policy(allow("s3:GetObject", "arn:aws:s3:::staging-cerpac-uploads/*")),
     {"environment": "staging", "other_environments": ["production", "staging"]}, "CROSS_ENVIRONMENT", False),
    ("cross-env-deny-ok", policy(allow("s3:GetObject", OBJECTS), deny("s3:*", "arn:aws:s3:::production-cerpac-uploads/*")),
     {"environment": "staging", "other_environments": ["production"]}, "CROSS_ENVIRONMENT", False),
]


@pytest.mark.parametrize("document,context,code,flagged", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_code_table(document, context, code, flagged):
    findings = check_policy(document, name="app", **context)
    assert (code in codes(findings)) is flagged, [format_finding(f) for f in findings]


def test_every_code_is_flagged_and_not_flagged_in_the_table():
    for code in CODES:
        assert {c[4] for c in CASES if c[3] == code} == {True, False}, code


def test_clean_policy_has_no_findings():
    doc = policy(
        allow(["s3:GetObject", "s3:PutObject"], OBJECTS, Sid="ObjectsReadWrite"),
        allow("s3:ListBucket", BUCKET, Sid="ListUploads"),
        allow(["dynamodb:GetItem", "dynamodb:Query"], [TABLE, TABLE + "/index/*"], Sid="Orders"),
        allow(["ecr:GetAuthorizationToken", "xray:PutTraceSegments", "cloudwatch:PutMetricData"], "*", Sid="StarOnly"),
        allow(["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/staging/app:*", Sid="Logs"),
    )
    assert check_policy(json.dumps(doc, indent=2), name="app", environment="staging", other_environments=["production"]) == []


def test_finding_shape():
    [finding] = check_policy(policy(allow("s3:GetObject", "*", Sid="Read")), name="uploads")
    assert finding == {
        "code": "RESOURCE_STAR",
        "severity": "error",
        "policy": "uploads",
        "statement": {"index": 0, "sid": "Read"},
        "action": "s3:GetObject",
        "resource": "*",
        "message": finding["message"],
        "fix": finding["fix"],
        "accepted": False,
    }
    assert "every resource" in finding["message"] and "ARN" in finding["fix"]
    json.dumps(finding)


@pytest.mark.parametrize("document,severity", [
    ({"Statement": [allow("s3:GetObject", OBJECTS)]}, "warning"),
    (policy(allow("s3:GetObject", BUCKET + "/${aws:username}/*"), Version="2008-10-17"), "warning"),
    (policy(allow("s3:GetObject", OBJECTS), Version="2012-10-18"), "error"),
])
def test_malformed_severity(document, severity):
    findings = check_policy(document)
    assert [(f["code"], f["severity"]) for f in findings] == [("MALFORMED", severity)]


def test_variables_under_2008_are_literal():
    doc = policy(allow("s3:GetObject", BUCKET + "/${aws:username}/*"), Version="2008-10-17")
    assert codes(check_policy(doc)) == {"MALFORMED"}


def test_notaction_and_notresource_values_are_reported():
    findings = check_policy(policy({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "NotResource": OBJECTS}))
    by_code = {f["code"]: f for f in findings}
    assert by_code["NOT_ACTION_WITH_ALLOW"]["action"] == "iam:*, organizations:*"
    assert by_code["NOT_RESOURCE_WITH_ALLOW"]["resource"] == OBJECTS


def test_size_counts_the_role_not_whitespace():
    half = policy(*[allow("s3:GetObject", "%s/prefix-%04d/*" % (BUCKET, i)) for i in range(60)])
    one = check_policies([{"name": "a", "document": json.dumps(half, indent=8)}])
    assert "POLICY_TOO_LARGE" not in codes(one)
    both = check_policies([{"name": "a", "document": half}, {"name": "b", "document": json.dumps(half)}])
    too_large = [f for f in both if f["code"] == "POLICY_TOO_LARGE"]
    assert len(too_large) == 1 and too_large[0]["policy"] == "a, b" and too_large[0]["statement"] is None


def test_deny_in_another_policy_of_the_role_cancels():
    grant = {"name": "grant", "document": policy(allow("s3:GetObject", "*"))}
    guard = {"name": "guard", "document": policy(deny("s3:*", "*"))}
    assert "RESOURCE_STAR" in codes(check_policies([grant]))
    assert "RESOURCE_STAR" not in codes(check_policies([grant, guard]))


def test_duplicate_policy_names():
    doc = policy(allow("s3:GetObject", OBJECTS))
    findings = check_policies([{"name": "a", "document": doc}, {"name": "a", "document": doc}])
    assert codes(findings) == {"MALFORMED"}


def test_findings_are_deduplicated_and_stable():
    doc = policy(allow(["s3:GetObject", "s3:GetObject", "iam:PutRolePolicy", "s3:*"], ["*", "*"], Sid="A"),
                 allow("ec2:StopInstances", "*", Sid="B"))
    first = check_policy(doc)
    assert first == check_policy(json.dumps(doc))
    keys = [(f["code"], f["statement"]["index"], f["action"], f["resource"]) for f in first]
    assert len(keys) == len(set(keys))
    assert [k[1] for k in keys] == sorted(k[1] for k in keys)


def test_exceptions_accept_and_keep_findings():
    doc = policy(allow(["sqs:ReceiveMessage", "s3:GetObject"], "*"))
    exceptions = [{"code": "RESOURCE_STAR", "action": "SQS:Receive*", "resource": "*", "reason": "lists groups at start"}]
    findings = check_policy(doc, exceptions=exceptions)
    accepted = {f["action"]: f["accepted"] for f in findings}
    assert accepted == {"sqs:ReceiveMessage": True, "s3:GetObject": False}
    assert [f["reason"] for f in findings if f["accepted"]] == ["lists groups at start"]
    assert [f["action"] for f in blocking(findings, "error")] == ["s3:GetObject"]


@pytest.mark.parametrize("rule,matches", [
    ({"code": "RESOURCE_STAR", "reason": "r"}, True),
    ({"code": "RESOURCE_STAR", "action": "s3:GetObject", "reason": "r"}, True),
    ({"code": "RESOURCE_STAR", "action": "s3:Put*", "reason": "r"}, False),
    ({"code": "RESOURCE_STAR", "resource": "arn:*", "reason": "r"}, False),
    ({"code": "FULL_ADMIN", "reason": "r"}, False),
    ({"code": "RESOURCE_STAR", "action": "s3:GetObject", "reason": ""}, False),
    ({"code": "RESOURCE_STAR", "action": "s3:GetObject"}, False),
])
def test_exception_matching(rule, matches):
    [finding] = apply_exceptions(check_policy(policy(allow("s3:GetObject", "*"))), [rule])
    assert finding["accepted"] is matches


@pytest.mark.parametrize("fail_on,expected", [("error", ["RESOURCE_STAR"]), ("warning", ["MALFORMED", "RESOURCE_STAR"]), ("never", [])])
def test_blocking_levels(fail_on, expected):
    findings = check_policy({"Statement": [allow("s3:GetObject", "*")]})
    assert sorted(f["code"] for f in blocking(findings, fail_on)) == expected


def test_count_by_code():
    findings = check_policy(policy(allow(["s3:GetObject", "s3:PutObject", "iam:PutRolePolicy"], "*")))
    assert count_by_code(findings) == {"RESOURCE_STAR": 3, "PERMISSIONS_MANAGEMENT": 1}


@pytest.mark.parametrize("bad", [None, 3, 2.5, True, [], "", "null", b"\xff", {"Statement": None}, {"Statement": [None]},
                                 {"Version": [], "Statement": {"Effect": {}, "Action": {}, "Resource": 5}}])
def test_bad_input_never_raises(bad):
    findings = check_policy(bad)
    assert isinstance(findings, list) and findings
    assert all(f["code"] in CODES for f in findings)


def test_check_policies_bad_container():
    assert codes(check_policies("nope")) == {"MALFORMED"}
    assert codes(check_policies([1, {"name": "x"}])) == {"MALFORMED"}


JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12),
                      st.sampled_from(["*", "s3:*", "s3:Get*", "iam:PassRole", "Allow", "Deny", "2012-10-17", "2008-10-17",
                                       OBJECTS, BUCKET, "arn:aws:s3:::${aws:username}/*", "arn:*:*:*:*:*", "arn:aws:iam::1:role/x",
                                       "arn:aws:s3:::a?b/*", "${aws:username}", "arn:aws:logs:*:*:log-group:${x"]))


def _containers(children):
    return st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4))


JSON_VALUE = st.recursive(JSON_LEAF, _containers, max_leaves=20)
KEYS = st.sampled_from(["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Principal", "Other"])
STATEMENT = st.dictionaries(KEYS, JSON_VALUE, max_size=7)
DOCUMENT = st.fixed_dictionaries({}, optional={"Version": JSON_VALUE, "Statement": st.one_of(STATEMENT, st.lists(STATEMENT, max_size=4), JSON_VALUE),
                                               "Id": JSON_VALUE})


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=st.one_of(DOCUMENT, JSON_VALUE, st.text(max_size=40)),
       as_json=st.booleans(),
       other=st.lists(st.text(max_size=6), max_size=3),
       exceptions=st.lists(st.dictionaries(st.sampled_from(["code", "action", "resource", "reason"]), JSON_LEAF), max_size=2))
def test_property_never_raises(document, as_json, other, exceptions):
    if as_json and not isinstance(document, str):
        document = json.dumps(document)
    findings = check_policy(document, environment="staging", other_environments=other, exceptions=exceptions)
    assert isinstance(findings, list)
    for finding in findings:
        assert finding["code"] in CODES and finding["severity"] in ("error", "warning")
        assert isinstance(finding["message"], str) and isinstance(finding["fix"], str)
        json.dumps(finding)
    assert findings == check_policy(document, environment="staging", other_environments=other, exceptions=exceptions)
