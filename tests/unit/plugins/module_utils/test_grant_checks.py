# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Table-driven tests of grant_checks: every code flagged and not flagged, each row with the exact set of codes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _escalation_methods as escalation
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _grant_catalogue as catalogue
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _scope_exceptions as scope_exceptions
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _service_reference as reference
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import render_grants
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
FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:app"
ANY_ROLE = "arn:aws:iam::*:role/*"


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


def when(operator, key, value):
    return {"Condition": {operator: {key: value}}}


def codes(findings, severity=None):
    return {f["code"] for f in findings if severity is None or f["severity"] == severity}


# (id, document, context, exact set of codes)
CASES = [
    # MALFORMED_JSON
    ("json-broken", '{"Version": "2012-10-17", "Statement": [', {}, {"MALFORMED_JSON"}),
    ("json-string-ok", json.dumps(policy(allow("s3:GetObject", OBJECTS))), {}, set()),
    # MALFORMED: structure
    ("no-effect", policy({"Action": "s3:GetObject", "Resource": OBJECTS}), {}, {"MALFORMED"}),
    ("bad-effect", policy(allow("s3:GetObject", OBJECTS, Effect="allow")), {}, {"MALFORMED"}),
    ("no-action", policy({"Effect": "Allow", "Resource": OBJECTS}), {}, {"MALFORMED"}),
    ("no-resource", policy({"Effect": "Allow", "Action": "s3:GetObject"}), {}, {"MALFORMED"}),
    ("action-and-notaction", policy(allow("s3:GetObject", OBJECTS, NotAction="s3:PutObject")), {},
     {"MALFORMED", "NOT_ACTION_WITH_ALLOW"}),
    ("principal", policy(allow("s3:GetObject", OBJECTS, Principal={"AWS": "*"})), {}, {"MALFORMED"}),
    ("bad-version", policy(allow("s3:GetObject", OBJECTS), Version="2012-10-18"), {}, {"MALFORMED"}),
    ("sid-not-alnum", policy(allow("s3:GetObject", OBJECTS, Sid="read uploads")), {}, {"MALFORMED"}),
    ("sid-duplicate", policy(allow("s3:GetObject", OBJECTS, Sid="A"), allow("s3:PutObject", OBJECTS, Sid="A")), {}, {"MALFORMED"}),
    ("not-an-object", "[1, 2]", {}, {"MALFORMED"}),
    ("no-statement", {"Version": "2012-10-17"}, {}, {"MALFORMED"}),
    ("empty-action-list", policy(allow([], OBJECTS)), {}, {"MALFORMED"}),
    ("action-not-string", policy(allow(["s3:GetObject", 3], OBJECTS)), {}, {"MALFORMED"}),
    ("unknown-element", policy(allow("s3:GetObject", OBJECTS, Effects="Allow")), {}, {"MALFORMED"}),
    ("malformed-deny", policy(allow("s3:GetObject", OBJECTS), {"Effect": "Deny", "Action": "s3:DeleteObject"}), {}, {"MALFORMED"}),
    ("well-formed", policy(allow("s3:GetObject", OBJECTS, Sid="ReadUploads"), allow("s3:PutObject", OBJECTS, Sid="Write1")), {}, set()),
    ("version-2008-no-variables", policy(allow("s3:GetObject", OBJECTS), Version="2008-10-17"), {}, set()),
    ("single-statement-object", {"Version": "2012-10-17", "Statement": allow("s3:GetObject", OBJECTS)}, {}, set()),
    # MALFORMED: condition grammar (IAM refuses these documents)
    ("condition-not-mapping", policy(allow("s3:GetObject", OBJECTS, Condition=["x"])), {}, {"MALFORMED"}),
    ("condition-unknown-operator", policy(allow("s3:GetObject", OBJECTS, **when("bad", "s3:ExistingObjectTag/team", "x"))), {}, {"MALFORMED"}),
    ("condition-null-ifexists", policy(allow("s3:GetObject", OBJECTS, **when("NullIfExists", "aws:SourceVpce", "true"))), {}, {"MALFORMED"}),
    ("condition-value-object", policy(allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:SourceVpce", {"a": 1}))), {}, {"MALFORMED"}),
    ("condition-value-null", policy(allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:SourceVpce", None))), {}, {"MALFORMED"}),
    ("condition-value-nested-list", policy(allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:SourceVpce", [["vpce-1"]]))), {},
     {"MALFORMED"}),
    ("condition-operator-any-case", policy(allow("s3:GetObject", OBJECTS, **when("stringequals", "aws:SourceVpce", "vpce-1"))), {}, set()),
    ("condition-set-operator-ifexists", policy(allow("s3:GetObject", OBJECTS, **when("ForAnyValue:StringLikeIfExists", "aws:PrincipalOrgPaths",
                                                                                     ["o-1/*"]))), {}, set()),
    ("condition-values-of-every-kind", policy(allow("s3:GetObject", OBJECTS, Condition={
        "NumericLessThan": {"aws:MultiFactorAuthAge": 3600}, "Bool": {"aws:SecureTransport": True},
        "StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}})), {}, set()),
    # POLICY_TOO_LARGE
    ("too-large", policy(*[allow("s3:GetObject", "%s/prefix-%04d/*" % (BUCKET, i)) for i in range(200)]), {}, {"POLICY_TOO_LARGE"}),
    ("not-too-large", policy(*[allow("s3:GetObject", "%s/p%02d/*" % (BUCKET, i)) for i in range(20)]), {}, set()),
    # INVALID_ARN
    ("arn-missing-fields", policy(allow("s3:GetObject", "arn:aws:s3:staging-cerpac-uploads")), {}, {"INVALID_ARN"}),
    ("arn-not-arn", policy(allow("s3:GetObject", "staging-cerpac-uploads/*")), {}, {"INVALID_ARN"}),
    ("arn-bad-partition", policy(allow("s3:GetObject", "arn:amazon:s3:::b/*")), {}, {"INVALID_ARN"}),
    ("arn-in-deny", policy(allow("s3:GetObject", OBJECTS), deny("s3:DeleteObject", "bucket")), {}, {"INVALID_ARN"}),
    ("arn-ok", policy(allow("s3:GetObject", OBJECTS)), {}, set()),
    ("arn-variable-ok", policy(allow("s3:GetObject", BUCKET + "/home/${aws:username}/*")), {}, set()),
    ("arn-china-ok", policy(allow("s3:GetObject", "arn:aws-cn:s3:::b/*")), {}, set()),
    # Issue 21.10: AWS's documented default value of a policy variable (with a space and quotes) is valid in an ARN
    ("arn-variable-default-ok", policy(allow("s3:GetObject", BUCKET + "/${aws:PrincipalTag/team, 'company-wide'}/*")), {}, set()),
    ("arn-variable-default-in-name-ok", policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/${aws:PrincipalTag/team, 'shared'}"
                                                                         "-orders")), {}, set()),
    ("arn-space-outside-variable", policy(allow("s3:GetObject", BUCKET + "/a b/${aws:PrincipalTag/team, 'x'}")), {}, {"INVALID_ARN"}),
    # UNKNOWN_ACTION
    ("unknown-action", policy(allow("s3:ListObjects", BUCKET)), {}, {"UNKNOWN_ACTION"}),
    ("unknown-service", policy(allow("s4:GetObject", OBJECTS)), {}, {"UNKNOWN_ACTION"}),
    ("unknown-wildcard", policy(allow("s3:Frobnicate*", OBJECTS)), {}, {"UNKNOWN_ACTION"}),
    ("unknown-no-colon", policy(allow("GetObject", OBJECTS)), {}, {"UNKNOWN_ACTION"}),
    ("unknown-in-deny", policy(allow("s3:GetObject", OBJECTS), deny("s3:ListObjectsV2", "*")), {}, {"UNKNOWN_ACTION"}),
    ("unknown-colon-only", policy(allow(":", "*")), {}, {"UNKNOWN_ACTION"}),
    ("unknown-star-colon", policy(allow("*:", "*")), {}, {"UNKNOWN_ACTION"}),
    ("unknown-colon-star", policy(allow(":*", "*")), {}, {"UNKNOWN_ACTION"}),
    ("unknown-star-colon-star", policy(allow("*:*", "*")), {}, {"UNKNOWN_ACTION"}),
    ("known-mixed-case", policy(allow("S3:getobject", OBJECTS)), {}, set()),
    ("known-wildcard", policy(allow("s3:*Object", OBJECTS)), {}, set()),
    ("known-question-mark", policy(allow("s3:GetObjec?", OBJECTS)), {}, set()),
    # FULL_ADMIN
    ("full-admin", policy(allow("*", "*")), {}, {"FULL_ADMIN", "RESOURCE_STAR", "PRIVILEGE_ESCALATION"}),
    ("full-admin-in-list", policy(allow(["s3:GetObject", "*"], OBJECTS)), {}, {"FULL_ADMIN"}),
    ("full-admin-on-a-service-in-effect", policy(allow("*", "arn:aws:s3:::*")), {}, {"FULL_ADMIN", "RESOURCE_STAR"}),
    ("full-admin-deny-ok", policy(allow("s3:GetObject", OBJECTS), deny("*", "*")), {}, set()),
    # SERVICE_WILDCARD: "svc:*", and any pattern whose expansion is every action of the service
    ("service-wildcard", policy(allow("s3:*", OBJECTS)), {}, {"SERVICE_WILDCARD", "PERMISSIONS_MANAGEMENT"}),
    ("service-wildcard-case", policy(allow("DynamoDB:*", TABLE)), {}, {"SERVICE_WILDCARD", "PERMISSIONS_MANAGEMENT"}),
    ("service-wildcard-question-star", policy(allow("kinesis:?*", "arn:aws:kinesis:eu-west-1:123456789012:stream/app")), {},
     {"SERVICE_WILDCARD"}),
    ("service-wildcard-star-question-star", policy(allow("sqs:*?*", "arn:aws:sqs:eu-west-1:123456789012:app")), {},
     {"SERVICE_WILDCARD", "PERMISSIONS_MANAGEMENT"}),
    ("service-wildcard-two-questions", policy(allow("xray:??*", "*")), {}, {"SERVICE_WILDCARD", "PERMISSIONS_MANAGEMENT", "RESOURCE_STAR"}),
    ("partial-wildcard-ok", policy(allow("s3:Get*", OBJECTS)), {}, set()),
    ("partial-question-ok", policy(allow("s3:?etObject", OBJECTS)), {}, set()),
    ("service-wildcard-deny-ok", policy(allow("s3:GetObject", OBJECTS), deny("s3:*", "*", **when("Bool", "aws:SecureTransport", "false"))),
     {}, set()),
    # RESOURCE_STAR: "*"
    ("star-getobject", policy(allow("s3:GetObject", "*")), {}, {"RESOURCE_STAR"}),
    ("star-passrole", policy(allow("iam:PassRole", "*")), {}, {"RESOURCE_STAR"}),
    ("star-with-scoped", policy(allow("s3:GetObject", [OBJECTS, "*"])), {}, {"RESOURCE_STAR"}),
    ("star-partial-wildcard", policy(allow("s3:Get*", "*")), {}, {"RESOURCE_STAR"}),
    ("star-all-wildcard-arn", policy(allow("s3:GetObject", "arn:*:*:*:*:*")), {}, {"RESOURCE_STAR"}),
    ("star-kms-viaservice", policy(allow("kms:Decrypt", "*", **when("StringEquals", "kms:ViaService", "s3.eu-west-1.amazonaws.com"))),
     {}, {"RESOURCE_STAR"}),
    ("star-securetransport", policy(allow("s3:GetObject", "*", **when("Bool", "aws:SecureTransport", "true"))), {}, {"RESOURCE_STAR"}),
    ("star-conditional-deny-no-cancel", policy(allow("s3:GetObject", "*"), deny("s3:GetObject", "*", **when("Bool", "aws:SecureTransport", "false"))),
     {}, {"RESOURCE_STAR"}),
    ("star-ok-getauthtoken", policy(allow("ecr:GetAuthorizationToken", "*")), {}, set()),
    ("star-ok-xray", policy(allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*")), {}, set()),
    ("star-ok-ssmmessages", policy(allow(["ssmmessages:CreateControlChannel", "ssmmessages:OpenDataChannel"], "*")), {}, set()),
    ("star-deny-not-a-grant", policy(allow("s3:GetObject", OBJECTS), deny("s3:*", "*")), {}, set()),
    ("star-cancelled-by-unconditional-deny", policy(allow(["s3:GetObject", "ecr:GetAuthorizationToken"], "*"), deny("s3:*", "*")), {}, set()),
    ("star-scoped-ok", policy(allow("s3:GetObject", OBJECTS)), {}, set()),
    # RESOURCE_STAR: patterns that cover every resource of the action's type in any account (or any bucket)
    ("in-effect-every-service", policy(allow("s3:GetObject", "arn:aws:*:*:*:*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-seven-fields", policy(allow("s3:GetObject", "arn:*:*:*:*:*:*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-every-object", policy(allow("s3:GetObject", "arn:aws:s3:::*/*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-every-bucket", policy(allow("s3:ListBucket", "arn:aws:s3:::*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-every-role", policy(allow("iam:PassRole", ANY_ROLE)), {}, {"RESOURCE_STAR"}),
    ("in-effect-every-trail", policy(allow("cloudtrail:StopLogging", "arn:*:cloudtrail:*:*:trail/*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-every-queue", policy(allow("sqs:SendMessage", "arn:aws:sqs:*:*:*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-every-function", policy(allow("lambda:InvokeFunction", "arn:aws:lambda:*:*:function:*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-every-table-one-region", policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:*:table/*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-every-key", policy(allow("kms:Decrypt", "arn:aws:kms:*:*:key/*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-every-secret", policy(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-every-parameter", policy(allow("ssm:GetParameter", "arn:aws:ssm:*:*:parameter/*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-every-log-stream", policy(allow("logs:PutLogEvents", "arn:aws:logs:*:*:log-group:*:*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-question-marks", policy(allow("ecr:BatchGetImage", "arn:aws:ecr:*:????????????:repository/*")), {}, {"RESOURCE_STAR"}),
    ("in-effect-type-of-another-service", policy(allow("sts:AssumeRole", ANY_ROLE)), {}, {"RESOURCE_STAR", "PRIVILEGE_ESCALATION"}),
    ("scoped-partial-bucket", policy(allow("s3:ListBucket", "arn:aws:s3:::staging-*")), {}, set()),
    ("scoped-partial-secret", policy(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:app/api-keys/*")), {}, set()),
    ("scoped-partial-index", policy(allow("dynamodb:Query", "arn:aws:dynamodb:*:*:table/orders/index/*")), {}, set()),
    ("scoped-object-prefix-any-bucket", policy(allow("s3:GetObject", "arn:aws:s3:::*/uploads/*")), {}, set()),
    ("scoped-policy-variable", policy(allow("s3:GetObject", "arn:aws:s3:::*/${aws:username}/*")), {}, set()),
    ("one-account-every-role", policy(allow("iam:PassRole", "arn:aws:iam::123456789012:role/*")), {}, {"ACCOUNT_WIDE"}),
    ("scoped-aws-owned-documents", policy(allow("ssm:SendCommand", "arn:aws:ssm:*::document/AWS-*")), {}, {"PRIVILEGE_ESCALATION"}),
    # ACCOUNT_WIDE (issue 18.3): every resource of a type in one named account; from AWS's ARN formats, not a list of services
    ("aw-secret", policy(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:*")), {}, {"ACCOUNT_WIDE"}),
    ("aw-table", policy(allow("dynamodb:Scan", "arn:aws:dynamodb:eu-west-1:123456789012:table/*")), {}, {"ACCOUNT_WIDE"}),
    ("aw-parameter", policy(allow("ssm:GetParameter", "arn:aws:ssm:eu-west-1:123456789012:parameter/*")), {}, {"ACCOUNT_WIDE"}),
    ("aw-queue", policy(allow("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:*")), {}, {"ACCOUNT_WIDE"}),
    ("aw-queue-any-region", policy(allow("sqs:SendMessage", "arn:aws:sqs:*:123456789012:*")), {}, {"ACCOUNT_WIDE"}),
    ("aw-log-group", policy(allow("logs:PutLogEvents", "arn:aws:logs:eu-west-1:123456789012:log-group:*")), {}, {"ACCOUNT_WIDE"}),
    ("aw-topic", policy(allow("sns:Publish", "arn:aws:sns:eu-west-1:123456789012:*")), {}, {"ACCOUNT_WIDE"}),
    ("aw-function", policy(allow("lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:123456789012:function:*")), {}, {"ACCOUNT_WIDE"}),
    ("aw-kms-key", policy(allow("kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/*")), {}, {"ACCOUNT_WIDE"}),
    ("aw-question-marks", policy(allow("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:?*")), {}, {"ACCOUNT_WIDE"}),
    ("aw-principal-account-variable", policy(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:${aws:PrincipalAccount}:secret:*")),
     {}, {"ACCOUNT_WIDE"}),
    ("aw-every-action", policy(allow("*", "arn:aws:sqs:eu-west-1:123456789012:*")), {}, {"FULL_ADMIN", "ACCOUNT_WIDE"}),
    ("aw-every-bucket-is-resource-star", policy(allow("s3:ListBucket", "arn:aws:s3:::*")), {}, {"RESOURCE_STAR"}),
    ("aw-every-object-is-resource-star", policy(allow("s3:GetObject", "arn:aws:s3:::*/*")), {}, {"RESOURCE_STAR"}),
    ("aw-any-account-is-resource-star", policy(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:*")), {},
     {"RESOURCE_STAR"}),
    ("aw-prefix-ok", policy(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/cerpac/*")), {},
     set()),
    ("aw-table-prefix-ok", policy(allow("dynamodb:Scan", "arn:aws:dynamodb:eu-west-1:123456789012:table/staging-cerpac-*")), {}, set()),
    ("aw-index-of-one-table-ok", policy(allow("dynamodb:Query", "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/*")), {}, set()),
    ("aw-log-streams-of-one-group-ok", policy(allow("logs:PutLogEvents", "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/app:*")), {}, set()),
    ("aw-variable-scopes", policy(allow("s3:GetObject", OBJECTS),
                                  allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:${aws:PrincipalTag/app}-*")),
     {}, set()),
    ("aw-tag-condition-scopes", policy(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:*",
                                             **when("StringEquals", "aws:ResourceTag/app", "cerpac"))), {}, set()),
    ("aw-star-only-action-ok", policy(allow("ecr:GetAuthorizationToken", "*")), {}, set()),
    ("aw-cancelled-by-deny", policy(allow("dynamodb:Scan", "arn:aws:dynamodb:eu-west-1:123456789012:table/*"), deny("dynamodb:*", "*")), {}, set()),
    ("aw-deny-not-a-grant", policy(allow("s3:GetObject", OBJECTS), deny("dynamodb:*", "arn:aws:dynamodb:eu-west-1:123456789012:table/*")), {}, set()),
    # CROSS_ACCOUNT (issue 18.3, a warning): an ARN of another account than the role's
    ("xa-assume-role", policy(allow("sts:AssumeRole", "arn:aws:iam::999999999999:role/reporting")), {"account_id": "123456789012"},
     {"CROSS_ACCOUNT"}),
    ("xa-queue", policy(allow("sqs:SendMessage", "arn:aws:sqs:eu-west-1:999999999999:jobs")), {"account_id": "123456789012"}, {"CROSS_ACCOUNT"}),
    ("xa-and-account-wide", policy(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:999999999999:secret:*")),
     {"account_id": "123456789012"}, {"CROSS_ACCOUNT", "ACCOUNT_WIDE"}),
    ("xa-own-account-ok", policy(allow("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:jobs")), {"account_id": "123456789012"}, set()),
    ("xa-no-account-field-ok", policy(allow("s3:GetObject", OBJECTS)), {"account_id": "123456789012"}, set()),
    ("xa-aws-owned-ok", policy(allow("ssm:GetParameter", "arn:aws:ssm:eu-west-1::parameter/aws/service/ami-amazon-linux-latest/*")),
     {"account_id": "123456789012"}, set()),
    ("xa-unknown-role-account-not-checked", policy(allow("sqs:SendMessage", "arn:aws:sqs:eu-west-1:999999999999:jobs")), {}, set()),
    ("xa-deny-not-a-grant", policy(allow("s3:GetObject", OBJECTS), deny("sqs:*", "arn:aws:sqs:eu-west-1:999999999999:*")),
     {"account_id": "123456789012"}, set()),
    # RESOURCE_STAR: conditions that scope (a positive match on a tag of the resource) and those that do not
    ("tag-equals-scopes", policy(allow("ec2:StopInstances", "*", **when("StringEquals", "aws:ResourceTag/app", "web"))), {}, set()),
    ("tag-service-key-scopes", policy(allow("ec2:StopInstances", "*", **when("StringEquals", "ec2:ResourceTag/app", "web"))), {}, set()),
    ("tag-literal-placeholder-scopes", policy(allow("secretsmanager:GetSecretValue", "*",
                                                    **when("StringEquals", "secretsmanager:ResourceTag/app", "web"))), {}, set()),
    ("tag-any-value-scopes", policy(allow("ec2:StopInstances", "*", **when("ForAnyValue:StringLike", "aws:ResourceTag/app", "web-*"))),
     {}, set()),
    ("tag-ignore-case-scopes", policy(allow("ec2:StopInstances", "*", **when("StringEqualsIgnoreCase", "aws:ResourceTag/app", "Web"))),
     {}, set()),
    ("tag-object-tag-scopes", policy(allow("s3:GetObject", "*", **when("StringEquals", "s3:ExistingObjectTag/app", "web"))), {}, set()),
    ("tag-not-equals-does-not", policy(allow("ec2:StopInstances", "*", **when("StringNotEquals", "aws:ResourceTag/app", "web"))), {},
     {"RESOURCE_STAR"}),
    ("tag-not-like-does-not", policy(allow("ec2:StopInstances", "*", **when("StringNotLike", "aws:ResourceTag/app", "web*"))), {},
     {"RESOURCE_STAR"}),
    ("tag-for-all-values-does-not", policy(allow("ec2:StopInstances", "*", **when("ForAllValues:StringEquals", "aws:ResourceTag/app", "web"))),
     {}, {"RESOURCE_STAR"}),
    ("tag-if-exists-does-not", policy(allow("ec2:StopInstances", "*", **when("StringEqualsIfExists", "aws:ResourceTag/app", "web"))), {},
     {"RESOURCE_STAR"}),
    ("tag-null-does-not", policy(allow("ec2:StopInstances", "*", **when("Null", "aws:ResourceTag/app", "false"))), {}, {"RESOURCE_STAR"}),
    ("tag-like-anything-does-not", policy(allow("ec2:StopInstances", "*", **when("StringLike", "aws:ResourceTag/app", "*"))), {},
     {"RESOURCE_STAR"}),
    # several values are alternatives (any one matches): one "*" among them matches any tag value, so nothing is scoped
    ("tag-like-several-values-one-anything-does-not", policy(allow("ec2:StopInstances", "*",
                                                                   **when("StringLike", "aws:ResourceTag/app", ["web", "*"]))), {},
     {"RESOURCE_STAR"}),
    ("tag-any-value-like-several-one-anything-does-not", policy(allow("ec2:StopInstances", "*",
                                                                      **when("ForAnyValue:StringLike", "aws:ResourceTag/app", ["web-*", "*"]))),
     {}, {"RESOURCE_STAR"}),
    ("tag-like-several-values-scopes", policy(allow("ec2:StopInstances", "*", **when("StringLike", "aws:ResourceTag/app", ["web", "api-*"]))),
     {}, set()),
    # StringEquals has no wildcards: "*" is the literal tag value "*", which still scopes
    ("tag-equals-several-values-literal-star-scopes", policy(allow("ec2:StopInstances", "*",
                                                                   **when("StringEquals", "aws:ResourceTag/app", ["web", "*"]))), {}, set()),
    ("tag-request-tag-does-not", policy(allow("ec2:StopInstances", "*", **when("StringEquals", "aws:RequestTag/app", "web"))), {},
     {"RESOURCE_STAR"}),
    ("tag-key-of-another-service-does-not", policy(allow("ec2:StopInstances", "*", **when("StringEquals", "iam:ResourceTag/app", "web"))), {},
     {"RESOURCE_STAR", "UNKNOWN_CONDITION_KEY"}),
    ("tag-unsupported-by-some-actions", policy(allow(["ec2:StopInstances", "s3:GetObject"], "*",
                                                     **when("StringEquals", "ec2:ResourceTag/app", "web"))), {}, {"RESOURCE_STAR"}),
    ("deny-malformed-condition-does-not-cancel", policy(allow("s3:GetObject", "*"), deny("s3:*", "*", **when("bad", "x", "y"))), {},
     {"RESOURCE_STAR", "MALFORMED"}),
    ("deny-condition-list-does-not-cancel", policy(allow("s3:GetObject", "*"), deny("s3:*", "*", Condition=["x"])), {},
     {"RESOURCE_STAR", "MALFORMED"}),
    ("deny-empty-condition-cancels", policy(allow("s3:GetObject", "*"), deny("s3:*", "*", Condition={})), {}, set()),
    # RESOURCE_STAR: optional resource types can be scoped; a small table of types that are no practical scope
    ("optional-type-opensearch", policy(allow(["es:ESHttpGet", "es:ESHttpPost"], "*")), {}, {"RESOURCE_STAR"}),
    ("optional-type-sns-unsubscribe", policy(allow("sns:Unsubscribe", "*")), {}, {"RESOURCE_STAR"}),
    ("optional-type-put-metric-data", policy(allow("cloudwatch:PutMetricData", "*")), {}, set()),
    ("optional-type-get-metric-data", policy(allow(["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"], "*")), {}, set()),
    ("no-practical-scope-route53-change", policy(allow("route53:GetChange", "arn:aws:route53:::change/*")), {}, set()),
    ("no-practical-scope-wrong-arn", policy(allow("cloudwatch:PutMetricData", "arn:aws:cloudwatch:eu-west-1:123456789012:metric/app")), {},
     {"RESOURCE_MISMATCH"}),
    # RESOURCE_MISMATCH
    ("mismatch-getobject-bucket", policy(allow("s3:GetObject", BUCKET)), {}, {"RESOURCE_MISMATCH"}),
    ("mismatch-listbucket-object", policy(allow("s3:ListBucket", OBJECTS)), {}, {"RESOURCE_MISMATCH"}),
    ("mismatch-getitem-index", policy(allow("dynamodb:GetItem", TABLE + "/index/ByCustomer")), {}, {"RESOURCE_MISMATCH"}),
    ("mismatch-other-service", policy(allow("s3:GetObject", TABLE)), {}, {"RESOURCE_MISMATCH"}),
    ("mismatch-star-only-action-on-arn", policy(allow("ecr:GetAuthorizationToken", "arn:aws:ecr:eu-west-1:123456789012:repository/app")),
     {}, {"RESOURCE_MISMATCH"}),
    ("mismatch-wildcard-none", policy(allow("s3:GetObject*", BUCKET)), {}, {"RESOURCE_MISMATCH"}),
    ("mismatch-passrole-region", policy(allow("iam:PassRole", "arn:aws:iam:eu-west-1:123456789012:role/app")), {}, {"RESOURCE_MISMATCH"}),
    ("mismatch-listbucket-every-object", policy(allow("s3:ListBucket", "arn:aws:s3:::*/*")), {}, {"RESOURCE_MISMATCH"}),
    ("dead-role-no-account", policy(allow("iam:PassRole", "arn:aws:iam:::role/app")), {}, {"RESOURCE_MISMATCH"}),
    ("dead-parameter-no-region-no-account", policy(allow("ssm:GetParameter", "arn:aws:ssm:::parameter/x")), {}, {"RESOURCE_MISMATCH"}),
    ("dead-queue-no-account", policy(allow("sqs:SendMessage", "arn:aws:sqs:eu-west-1::app")), {}, {"RESOURCE_MISMATCH"}),
    ("dead-table-no-region", policy(allow("dynamodb:GetItem", "arn:aws:dynamodb::123456789012:table/app")), {}, {"RESOURCE_MISMATCH"}),
    ("aws-owned-public-parameter", policy(allow("ssm:GetParameter", "arn:aws:ssm:eu-west-1::parameter/aws/service/ami-id")), {}, set()),
    ("ami-has-no-account", policy(allow("ec2:DescribeImageAttribute", "arn:aws:ec2:eu-west-1::image/ami-12345678")), {}, set()),
    ("match-getobject-object", policy(allow("s3:GetObject", OBJECTS)), {}, set()),
    ("match-listbucket-bucket", policy(allow("s3:ListBucket", BUCKET)), {}, set()),
    ("match-getitem-table", policy(allow("dynamodb:GetItem", TABLE)), {}, set()),
    ("match-query-index", policy(allow("dynamodb:Query", TABLE + "/index/*")), {}, set()),
    ("match-partial-wildcard", policy(allow("s3:Get*", BUCKET)), {}, set()),
    ("match-any-listed", policy(allow(["s3:GetObject", "s3:ListBucket"], [BUCKET, OBJECTS])), {}, set()),
    ("match-variable", policy(allow("s3:GetObject", BUCKET + "/home/${aws:username}/*")), {}, set()),
    ("match-variable-account", policy(allow("iam:PassRole", "arn:aws:iam::${aws:PrincipalAccount}:role/app")), {}, set()),
    ("match-wildcard-bucket", policy(allow("s3:GetObject", "arn:aws:s3:::staging-*")), {}, set()),
    ("match-access-point-object", policy(allow("s3:GetObject", "arn:aws:s3:eu-west-1:123456789012:accesspoint/ap/object/*")), {}, set()),
    ("match-log-group-star", policy(allow(["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/app:*")),
     {}, set()),
    ("match-ssm-parameter-path", policy(allow("ssm:GetParameters", "arn:aws:ssm:eu-west-1:123456789012:parameter/app/staging/*")), {}, set()),
    ("match-role-path", policy(allow("iam:PassRole", "arn:aws:iam::123456789012:role/service/app")), {}, set()),
    ("match-role-of-another-service", policy(allow("sts:AssumeRole", ROLE)), {}, set()),
    ("match-split-required-types", policy(allow("ec2:AttachVolume", "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc*"),
                                          allow("ec2:AttachVolume", "arn:aws:ec2:eu-west-1:123456789012:volume/vol-0abc*")), {}, set()),
    ("deny-mismatch-not-a-grant", policy(allow("s3:GetObject", OBJECTS), deny("s3:GetObject", BUCKET)), {}, set()),
    # NOT_ACTION_WITH_ALLOW / NOT_RESOURCE_WITH_ALLOW
    ("notaction-allow", policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": OBJECTS}), {}, {"NOT_ACTION_WITH_ALLOW"}),
    # Issue 21.10: NotAction on "*" is RESOURCE_STAR too, and escalation when what remains includes a method
    ("notaction-allow-everywhere", policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), {},
     {"NOT_ACTION_WITH_ALLOW", "RESOURCE_STAR", "PRIVILEGE_ESCALATION"}),
    ("notaction-allow-star-arn", policy({"Effect": "Allow", "NotAction": ["s3:*"], "Resource": "arn:*:*:*:*:*"}), {},
     {"NOT_ACTION_WITH_ALLOW", "RESOURCE_STAR", "PRIVILEGE_ESCALATION"}),
    ("notaction-leaving-no-method", policy({"Effect": "Allow", "Resource": "*", "NotAction": [
        "iam:*", "sts:*", "ec2:*", "lambda:*", "ecs:*", "glue:*", "cloudformation:*", "datapipeline:*", "sagemaker:*", "apprunner:*",
        "codebuild:*", "bedrock-agentcore:*", "ec2-instance-connect:*", "ssm:*"]}), {}, {"NOT_ACTION_WITH_ALLOW", "RESOURCE_STAR"}),
    ("notaction-allow-everywhere-deny-all", policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, deny("*", "*")), {},
     {"NOT_ACTION_WITH_ALLOW"}),
    ("notaction-deny-ok", policy(allow("s3:GetObject", OBJECTS), {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}), {}, set()),
    ("notresource-allow", policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": OBJECTS}), {}, {"NOT_RESOURCE_WITH_ALLOW"}),
    ("notresource-deny-ok", policy(allow("s3:GetObject", OBJECTS), {"Effect": "Deny", "Action": "s3:*", "NotResource": OBJECTS}), {}, set()),
    # PERMISSIONS_MANAGEMENT
    ("pm-putrolepolicy", policy(allow("iam:PutRolePolicy", ROLE)), {}, {"PERMISSIONS_MANAGEMENT", "PRIVILEGE_ESCALATION"}),
    ("pm-wildcard", policy(allow("iam:Put*", ROLE)), {}, {"PERMISSIONS_MANAGEMENT", "PRIVILEGE_ESCALATION"}),
    ("pm-bucket-policy", policy(allow("s3:PutBucketPolicy", BUCKET)), {}, {"PERMISSIONS_MANAGEMENT"}),
    ("pm-logs-put-star", policy(allow("logs:Put*", "*")), {}, {"PERMISSIONS_MANAGEMENT", "RESOURCE_STAR"}),
    ("pm-service-wildcard", policy(allow("iam:*", ROLE)), {}, {"PERMISSIONS_MANAGEMENT", "PRIVILEGE_ESCALATION", "SERVICE_WILDCARD"}),
    ("pm-deny-ok", policy(allow("s3:GetObject", OBJECTS), deny("iam:PutRolePolicy", "*")), {}, set()),
    ("pm-cancelled-by-deny", policy(allow("iam:Put*", ROLE), deny("iam:*", "*")), {}, set()),
    ("pm-passrole-is-write", policy(allow("iam:PassRole", ROLE)), {}, set()),
    # CROSS_ENVIRONMENT
    ("cross-env", policy(allow("s3:GetObject", "arn:aws:s3:::production-cerpac-uploads/*")),
     {"environment": "staging", "other_environments": ["production"]}, {"CROSS_ENVIRONMENT"}),
    ("cross-env-case", policy(allow("s3:GetObject", "arn:aws:s3:::cerpac-Production/*")),
     {"environment": "staging", "other_environments": ["production"]}, {"CROSS_ENVIRONMENT"}),
    ("cross-env-table", policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/orders_production")),
     {"environment": "staging", "other_environments": ["production"]}, {"CROSS_ENVIRONMENT"}),
    ("cross-env-preproduction-ok", policy(allow("s3:GetObject", "arn:aws:s3:::preproduction-cerpac-uploads/*")),
     {"environment": "staging", "other_environments": ["production"]}, set()),
    ("cross-env-productions-ok", policy(allow("s3:GetObject", "arn:aws:s3:::productions-cerpac/*")),
     {"environment": "staging", "other_environments": ["production"]}, set()),
    ("cross-env-own-ok", policy(allow("s3:GetObject", "arn:aws:s3:::staging-cerpac-uploads/*")),
     {"environment": "staging", "other_environments": ["production", "staging"]}, set()),
    ("cross-env-deny-ok", policy(allow("s3:GetObject", OBJECTS), deny("s3:*", "arn:aws:s3:::production-cerpac-uploads/*")),
     {"environment": "staging", "other_environments": ["production"]}, set()),
    # Issue 21.9: whole name components only (split on - _ / . :), and a name with the role's own environment is its own
    ("cross-env-sandbox-load-test", policy(allow("s3:GetObject", "arn:aws:s3:::sandbox-load-test-fixtures/*")),
     {"environment": "sandbox", "other_environments": ["test", "production"]}, set()),
    ("cross-env-own-env-component-wins", policy(allow("s3:GetObject", "arn:aws:s3:::staging-load-test-fixtures/*")),
     {"environment": "staging", "other_environments": ["test", "production"]}, set()),
    ("cross-env-load-test-without-own", policy(allow("s3:GetObject", "arn:aws:s3:::load-test-fixtures/*")),
     {"environment": "staging", "other_environments": ["test", "production"]}, {"CROSS_ENVIRONMENT"}),
    ("cross-env-contest-ok", policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/contest-entries")),
     {"environment": "staging", "other_environments": ["test"]}, set()),
    ("cross-env-latest-ok", policy(allow("s3:GetObject", "arn:aws:s3:::cerpac-latest-build/*")),
     {"environment": "staging", "other_environments": ["test"]}, set()),
    ("cross-env-dot-component", policy(allow("s3:GetObject", "arn:aws:s3:::cerpac.test.example.com/*")),
     {"environment": "staging", "other_environments": ["test"]}, {"CROSS_ENVIRONMENT"}),
    ("cross-env-path-component", policy(allow("ssm:GetParameter", "arn:aws:ssm:eu-west-1:123456789012:parameter/cerpac/production/db")),
     {"environment": "staging", "other_environments": ["production"]}, {"CROSS_ENVIRONMENT"}),
    ("cross-env-colon-component", policy(allow("logs:PutLogEvents", "arn:aws:logs:eu-west-1:123456789012:log-group:production:log-stream:*")),
     {"environment": "staging", "other_environments": ["production"]}, {"CROSS_ENVIRONMENT"}),
    ("cross-env-next-to-wildcard", policy(allow("s3:GetObject", "arn:aws:s3:::production*/*")),
     {"environment": "staging", "other_environments": ["production"]}, {"CROSS_ENVIRONMENT"}),
    ("cross-env-multi-component-env", policy(allow("s3:GetObject", "arn:aws:s3:::cerpac-load-test-data/*")),
     {"environment": "staging", "other_environments": ["load-test"]}, {"CROSS_ENVIRONMENT"}),
    ("cross-env-multi-component-env-partial-ok", policy(allow("s3:GetObject", "arn:aws:s3:::cerpac-load-testing/*")),
     {"environment": "staging", "other_environments": ["load-test"]}, set()),
    ("cross-env-region-not-a-name", policy(allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:cerpac-jobs")),
     {"environment": "staging", "other_environments": ["east"]}, set()),
    # UNKNOWN_CONDITION_KEY: neither a global key nor a key of an action (or resource type) of the statement
    ("key-typo", policy(allow("s3:ListBucket", BUCKET, **when("StringLike", "s3:prefx", "uploads/*"))), {}, {"UNKNOWN_CONDITION_KEY"}),
    ("key-typo-kms", policy(allow("kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/k", **when("StringEquals", "kms:ViaSrevice", "s3.x"))),
     {}, {"UNKNOWN_CONDITION_KEY"}),
    ("key-global-typo", policy(allow("s3:GetObject", OBJECTS, **when("IpAddress", "aws:SourceIpp", "10.0.0.0/8"))), {}, {"UNKNOWN_CONDITION_KEY"}),
    ("key-of-another-action", policy(allow("s3:GetObject", OBJECTS, **when("StringEquals", "kms:ViaService", "s3.x"))), {},
     {"UNKNOWN_CONDITION_KEY"}),
    ("key-unknown-in-deny", policy(allow("s3:GetObject", OBJECTS), deny("s3:*", "*", **when("StringNotEquals", "s3:x-amz-acl-typo", "x"))), {},
     {"UNKNOWN_CONDITION_KEY"}),
    ("key-unknown-service-with-notaction", policy(allow("s3:GetObject", OBJECTS), {
        "Effect": "Deny", "NotAction": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"nope:Key": "x"}}}), {},
     {"UNKNOWN_CONDITION_KEY"}),
    ("key-action-key", policy(allow("s3:ListBucket", BUCKET, **when("StringLike", "s3:prefix", "uploads/*"))), {}, set()),
    ("key-resource-type-key", policy(allow("s3:GetObject", OBJECTS, **when("StringEquals", "s3:BucketTag/team", "web"))), {}, set()),
    ("key-global", policy(allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:PrincipalTag/team", "web"))), {}, set()),
    ("key-any-case", policy(allow("s3:GetObject", OBJECTS, **when("IpAddress", "AWS:SOURCEIP", "10.0.0.0/8"))), {}, set()),
    ("key-cross-service", policy(allow("s3:GetObject", OBJECTS, **when("ArnLike", "lambda:SourceFunctionArn", FUNCTION))), {}, set()),
    ("key-of-one-action-in-pattern", policy(allow("s3:Get*", OBJECTS, **when("StringEquals", "s3:VersionId", "v1"))), {}, set()),
    ("key-with-notaction-exists", policy(allow("s3:GetObject", OBJECTS), {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*",
                                                                          "Condition": {"StringNotEquals": {"s3:ResourceAccount": "1"}}}), {}, set()),
    # CONDITION_TYPE_MISMATCH (warning): an operator of the wrong family, or a value not of the operator's type
    ("type-date-on-string", policy(allow("s3:GetObject", OBJECTS, **when("DateGreaterThan", "aws:SourceVpce", "2026-01-01T00:00:00Z"))), {},
     {"CONDITION_TYPE_MISMATCH"}),
    ("type-bool-on-arn", policy(allow("s3:GetObject", OBJECTS, **when("Bool", "aws:SourceArn", "true"))), {}, {"CONDITION_TYPE_MISMATCH"}),
    ("type-ip-on-string", policy(allow("s3:GetObject", OBJECTS, **when("IpAddress", "aws:SourceVpc", "10.0.0.0/8"))), {},
     {"CONDITION_TYPE_MISMATCH"}),
    ("type-numeric-on-service-string", policy(allow("s3:ListBucket", BUCKET, **when("NumericLessThan", "s3:prefix", "3"))), {},
     {"CONDITION_TYPE_MISMATCH"}),
    ("type-string-on-bool", policy(allow("s3:GetObject", OBJECTS, **when("StringEquals", "aws:SecureTransport", "true"))), {},
     {"CONDITION_TYPE_MISMATCH"}),
    ("type-date-value", policy(allow("s3:GetObject", OBJECTS, **when("DateLessThan", "aws:CurrentTime", "tomorrow"))), {},
     {"CONDITION_TYPE_MISMATCH"}),
    ("type-bool-value", policy(allow("s3:GetObject", OBJECTS, **when("Bool", "aws:SecureTransport", "yes"))), {}, {"CONDITION_TYPE_MISMATCH"}),
    ("type-ip-value", policy(allow("s3:GetObject", OBJECTS, **when("IpAddress", "aws:SourceIp", "10.0.0.300"))), {}, {"CONDITION_TYPE_MISMATCH"}),
    ("type-null-value", policy(allow("s3:GetObject", OBJECTS, **when("Null", "aws:SourceVpce", "maybe"))), {}, {"CONDITION_TYPE_MISMATCH"}),
    ("type-string-on-arn", policy(allow("s3:GetObject", OBJECTS, **when("StringLike", "aws:SourceArn", "arn:aws:sqs:*"))), {},
     {"CONDITION_TYPE_MISMATCH"}),
    ("type-string-on-service-arn", policy(allow("iam:PassRole", ROLE, **when("StringEquals", "iam:AssociatedResourceArn", FUNCTION))), {},
     {"CONDITION_TYPE_MISMATCH"}),
    ("type-epoch-numeric", policy(allow("s3:GetObject", OBJECTS, **when("NumericLessThan", "aws:EpochTime", 1900000000))), {}, set()),
    ("type-epoch-date", policy(allow("s3:GetObject", OBJECTS, **when("DateLessThan", "aws:EpochTime", "2030-01-01"))), {}, set()),
    ("type-ip-cidr-v6", policy(allow("s3:GetObject", OBJECTS, **when("NotIpAddress", "aws:SourceIp", ["2001:db8::/32", "10.1.2.3"]))), {}, set()),
    ("type-bool-json", policy(allow("s3:GetObject", OBJECTS, **when("BoolIfExists", "aws:MultiFactorAuthPresent", True))), {}, set()),
    ("type-policy-variable-value", policy(allow("s3:GetObject", OBJECTS, **when("DateGreaterThan", "aws:CurrentTime", "${aws:TokenIssueTime}"))),
     {}, set()),
    ("type-arn-key-arn-operator", policy(allow("iam:PassRole", ROLE, **when("ArnLike", "iam:AssociatedResourceArn", FUNCTION))), {}, set()),
    # PRIVILEGE_ESCALATION: published methods, judged across the role's policies (see also test_escalation_*)
    ("esc-create-policy-version", policy(allow("iam:CreatePolicyVersion", "arn:aws:iam::123456789012:policy/app")), {},
     {"PERMISSIONS_MANAGEMENT", "PRIVILEGE_ESCALATION"}),
    ("esc-attach-role-policy", policy(allow("iam:AttachRolePolicy", ROLE)), {}, {"PERMISSIONS_MANAGEMENT", "PRIVILEGE_ESCALATION"}),
    ("esc-update-trust", policy(allow("iam:UpdateAssumeRolePolicy", ROLE)), {}, {"PERMISSIONS_MANAGEMENT", "PRIVILEGE_ESCALATION"}),
    ("esc-lambda", policy(allow("iam:PassRole", ROLE), allow(["lambda:CreateFunction", "lambda:InvokeFunction"], FUNCTION)), {},
     {"PRIVILEGE_ESCALATION"}),
    ("esc-ecs", policy(allow("iam:PassRole", ROLE), allow(["ecs:RegisterTaskDefinition", "ecs:RunTask"], "*")), {},
     {"PRIVILEGE_ESCALATION", "RESOURCE_STAR"}),
    ("esc-ec2", policy(allow(["iam:PassRole", "ec2:RunInstances"], [ROLE, "arn:aws:ec2:*:123456789012:instance/*"])), {},
     {"PRIVILEGE_ESCALATION", "ACCOUNT_WIDE"}),
    ("esc-assume-any-role", policy(allow("sts:AssumeRole", "*")), {}, {"PRIVILEGE_ESCALATION", "RESOURCE_STAR"}),
    ("esc-assume-every-role-of-an-account", policy(allow("sts:AssumeRole", "arn:aws:iam::123456789012:role/*")), {},
     {"PRIVILEGE_ESCALATION", "ACCOUNT_WIDE"}),
    ("esc-not-assume-one-role", policy(allow("sts:AssumeRole", ROLE)), {}, set()),
    ("esc-not-without-invoke", policy(allow("iam:PassRole", ROLE), allow("lambda:CreateFunction", FUNCTION)), {}, set()),
    ("esc-not-passed-to-another-service", policy(allow("iam:PassRole", ROLE, **when("StringEquals", "iam:PassedToService", "ecs-tasks.amazonaws.com")),
                                                 allow(["lambda:CreateFunction", "lambda:InvokeFunction"], FUNCTION)), {}, set()),
    ("esc-passed-to-the-service", policy(allow("iam:PassRole", ROLE, **when("StringLike", "iam:PassedToService", "lambda.*")),
                                         allow(["lambda:CreateFunction", "lambda:InvokeFunction"], FUNCTION)), {}, {"PRIVILEGE_ESCALATION"}),
    ("esc-not-passed-negated", policy(allow("iam:PassRole", ROLE, **when("StringNotEquals", "iam:PassedToService", "lambda.amazonaws.com")),
                                      allow(["lambda:CreateFunction", "lambda:InvokeFunction"], FUNCTION)), {}, set()),
    ("esc-cancelled-by-deny", policy(allow("iam:PassRole", ROLE), allow(["lambda:CreateFunction", "lambda:InvokeFunction"], FUNCTION),
                                     deny("iam:PassRole", "*")), {}, set()),
    ("esc-not-cancelled-by-conditional-deny", policy(allow("iam:PassRole", ROLE), allow(["lambda:CreateFunction", "lambda:InvokeFunction"], FUNCTION),
                                                     deny("iam:PassRole", "*", **when("Bool", "aws:SecureTransport", "false"))), {},
     {"PRIVILEGE_ESCALATION"}),
    ("esc-not-dead-grant", policy(allow("iam:PassRole", "arn:aws:iam:::role/app"), allow(["lambda:CreateFunction", "lambda:InvokeFunction"], FUNCTION)),
     {}, {"RESOURCE_MISMATCH"}),
    # Issue 21.10: self-service credentials (AWS's example "manage your own access keys") are no escalation; on others, they are
    ("esc-not-own-access-keys", policy(allow(["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:UpdateAccessKey", "iam:UpdateLoginProfile",
                                              "iam:CreateLoginProfile"], "arn:aws:iam::*:user/${aws:username}")), {}, set()),
    ("esc-not-own-access-keys-any-path", policy(allow("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/*/${aws:username}")), {}, set()),
    ("esc-other-users-access-keys", policy(allow("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/*")), {},
     {"PRIVILEGE_ESCALATION", "ACCOUNT_WIDE"}),
    ("esc-name-ending-in-username", policy(allow("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/admin-${aws:username}")), {},
     {"PRIVILEGE_ESCALATION"}),
    ("esc-own-and-another-user", policy(allow("iam:UpdateLoginProfile", ["arn:aws:iam::123456789012:user/${aws:username}",
                                                                         "arn:aws:iam::123456789012:user/admin"])), {}, {"PRIVILEGE_ESCALATION"}),
    ("esc-own-user-policy-still-escalates", policy(allow("iam:PutUserPolicy", "arn:aws:iam::*:user/${aws:username}")), {},
     {"PERMISSIONS_MANAGEMENT", "PRIVILEGE_ESCALATION"}),
    # Issue 21.10: methods cloudsplaining and Rhino Security Labs publish (see test_escalation_methods.py for every one)
    ("esc-set-default-policy-version", policy(allow("iam:SetDefaultPolicyVersion", "arn:aws:iam::123456789012:policy/app")), {},
     {"PERMISSIONS_MANAGEMENT", "PRIVILEGE_ESCALATION"}),
    ("esc-datapipeline", policy(allow("iam:PassRole", ROLE), allow("datapipeline:CreatePipeline", "*")), {}, {"PRIVILEGE_ESCALATION"}),
    ("esc-ecs-execute-command", policy(allow(["ecs:ExecuteCommand", "ecs:DescribeTasks"], "arn:aws:ecs:eu-west-1:123456789012:task/app/*")), {},
     {"PRIVILEGE_ESCALATION"}),
    ("esc-not-read-only", policy(allow(["iam:GetRole", "iam:ListRoles", "lambda:GetFunction"], "*")), {}, {"RESOURCE_STAR"}),
]


@pytest.mark.parametrize("document,context,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_code_table(document, context, expected):
    findings = check_policy(document, name="app", **context)
    assert codes(findings) == expected, [format_finding(f) for f in findings]


def test_cross_environment_message_and_fix():
    """Issue 21.9: the finding says which environment the name belongs to, and the fix names the variable and exceptions."""
    [finding] = check_policy(policy(allow("s3:GetObject", "arn:aws:s3:::load-test-fixtures/*")), environment="staging",
                             other_environments=["test"])
    assert (finding["code"], finding["resource"]) == ("CROSS_ENVIRONMENT", "arn:aws:s3:::load-test-fixtures/*")
    assert finding["message"] == ("arn:aws:s3:::load-test-fixtures/* has 'test' as a component of its name, so it belongs to environment"
                                  " test, not this role's")
    assert "ecs_task_role_other_environments" in finding["fix"] and "{code: CROSS_ENVIRONMENT, resource: arn:aws:s3:::load-test-fixtures/*" in finding["fix"]
    assert finding["fix"].startswith("Grant only this environment's resources: move this grant to the test inventory.")


def test_every_code_is_flagged_and_not_flagged_in_the_table():
    for code in CODES:
        flagged = [c[0] for c in CASES if code in c[3]]
        assert flagged, code
    assert [c[0] for c in CASES if not c[3]], "rows with no finding at all"


def test_clean_policy_has_no_findings():
    doc = policy(
        allow(["s3:GetObject", "s3:PutObject"], OBJECTS, Sid="ObjectsReadWrite"),
        allow("s3:ListBucket", BUCKET, Sid="ListUploads", Condition={"StringLike": {"s3:prefix": ["uploads/*"]}}),
        allow(["dynamodb:GetItem", "dynamodb:Query"], [TABLE, TABLE + "/index/*"], Sid="Orders"),
        allow(["ecr:GetAuthorizationToken", "xray:PutTraceSegments"], "*", Sid="StarOnly"),
        allow("cloudwatch:PutMetricData", "*", Sid="Metrics", Condition={"StringEquals": {"cloudwatch:namespace": "cerpac"}}),
        allow(["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/staging/app:*", Sid="Logs"),
        allow("kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", Sid="Decrypt",
              Condition={"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}),
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
        "message": "s3:GetObject is allowed on every resource (\"*\") though it can be scoped to resource ARNs",
        "fix": "Replace it with the ARNs of the application's own resources (arn:${Partition}:s3:::${BucketName}/${ObjectName}),"
               " or add a condition that requires a resource tag (StringEquals on aws:ResourceTag/<key>).",
        "accepted": False,
    }
    assert json.loads(json.dumps(finding)) == finding


@pytest.mark.parametrize("resource,message", [
    ("arn:aws:s3:::*/*", "s3:GetObject is allowed on arn:aws:s3:::*/*, which matches every object in any account: it is \"*\" in effect"),
    ("arn:aws:*:*:*:*", "s3:GetObject is allowed on arn:aws:*:*:*:*, which matches every accesspointobject and every object in any account:"
                        " it is \"*\" in effect"),
])
def test_resource_star_in_effect_says_so(resource, message):
    [finding] = check_policy(policy(allow("s3:GetObject", resource)))
    assert (finding["code"], finding["resource"], finding["message"]) == ("RESOURCE_STAR", resource, message)


def test_pattern_lists_the_actions_left_unscoped_by_a_tag():
    doc = policy(allow(["ec2:StopInstances", "ec2:StartInstances", "s3:GetObject"], "*", Condition={
        "StringEquals": {"ec2:ResourceTag/app": "web"}}))
    assert [(f["code"], f["action"]) for f in check_policy(doc)] == [("RESOURCE_STAR", "s3:GetObject")]


@pytest.mark.parametrize("document,message", [
    (policy(allow("iam:PassRole", "arn:aws:iam:::role/app")),
     "none of the resources can be one iam:PassRole applies to (its account field is empty, but role ARNs"
     " (arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}) have one: it matches no resource)"),
    (policy(allow("ssm:GetParameter", "arn:aws:ssm:::parameter/x")),
     "none of the resources can be one ssm:GetParameter applies to (its region field is empty, but parameter ARNs"
     " (arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}) have one: it matches no resource)"),
    (policy(allow("dynamodb:GetItem", "arn:aws:dynamodb:::table/app")),
     "none of the resources can be one dynamodb:GetItem applies to (its region and account fields are empty, but table ARNs"
     " (arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}) have both: it matches no resource)"),
])
def test_dead_grant_message_names_the_empty_field(document, message):
    [finding] = check_policy(document)
    assert (finding["code"], finding["message"]) == ("RESOURCE_MISMATCH", message)


def test_no_practical_scope_advice_is_the_fix():
    doc = policy(allow("cloudwatch:PutMetricData", "arn:aws:cloudwatch:eu-west-1:123456789012:metric/app"))
    [finding] = check_policy(doc)
    assert finding["fix"] == scope_exceptions.NO_PRACTICAL_SCOPE["cloudwatch:putmetricdata"]["fix"]
    assert finding["fix"].startswith("Keep \"Resource\": \"*\" and limit the namespaces")


def test_unknown_condition_key_suggests_the_key():
    doc = policy(allow("kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/k", **when("StringEquals", "kms:ViaSrevice", "s3.x")))
    [finding] = check_policy(doc)
    assert finding["message"] == ("kms:ViaSrevice is neither a global condition key nor a key of kms:Decrypt: a typo here silently"
                                  " disables the condition")
    assert finding["fix"].startswith("Did you mean kms:ViaService? ")


def test_condition_type_mismatch_is_a_warning():
    doc = policy(allow("s3:GetObject", OBJECTS, **when("Bool", "aws:SourceArn", "true")))
    [finding] = check_policy(doc)
    assert (finding["severity"], finding["message"], finding["fix"]) == (
        "warning", "Bool compares Bool values, but aws:SourceArn is of type ARN: the condition does not test what it says",
        "Use ArnEquals or ArnLike for aws:SourceArn.")
    assert blocking([finding], "error") == [] and blocking([finding], "warning") == [finding]


def test_unknown_operator_names_the_operator():
    [finding] = check_policy(policy(allow("s3:GetObject", OBJECTS, **when("StringEqual", "aws:SourceVpce", "vpce-1"))))
    assert (finding["code"], finding["message"]) == ("MALFORMED", "unknown condition operator 'StringEqual'")


def test_escalation_across_policies_of_the_role():
    passrole = {"name": "deploy", "document": policy(allow("iam:PassRole", ROLE, Sid="Pass"))}
    lambdas = {"name": "functions", "document": policy(allow(["lambda:CreateFunction", "lambda:InvokeFunction"], FUNCTION, Sid="Run"))}
    assert check_policies([passrole]) == [] and check_policies([lambdas]) == []
    findings = check_policies([passrole, lambdas])
    assert [(f["code"], f["policy"], f["statement"]["sid"], f["action"]) for f in findings] == [
        ("PRIVILEGE_ESCALATION", "deploy", "Pass", "iam:PassRole"),
        ("PRIVILEGE_ESCALATION", "functions", "Run", "lambda:CreateFunction, lambda:InvokeFunction"),
    ]
    assert findings[0]["message"] == (
        "the role's grants together allow privilege escalation by lambda-001: create a function with another role and invoke it"
        " [iam:PassRole (here); lambda:CreateFunction (policy functions statement 0); lambda:InvokeFunction (policy functions statement 0)]")
    assert findings[0]["fix"] == (
        "An application's task role needs none of these: remove iam:PassRole or lambda:CreateFunction or lambda:InvokeFunction (or limit"
        " iam:PassRole with an iam:PassedToService condition to the one service the application passes roles to)."
        " See https://pathfinding.cloud/paths/lambda-001.")


def test_escalation_deny_in_another_policy_cancels():
    task_definitions = "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:*"
    grants = {"name": "grants", "document": policy(allow(["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"], [ROLE, task_definitions]))}
    guard = {"name": "guard", "document": policy(deny("iam:PassRole", "*"))}
    assert codes(check_policies([grants])) == {"PRIVILEGE_ESCALATION"}
    assert codes(check_policies([grants, guard])) == set()


def test_escalation_methods_are_published_and_known_to_aws():
    """Every method's actions exist in AWS's data (but CodeStar's, discontinued), each method cites its page, and none contains another."""
    assert len(escalation.METHODS) == 55
    gone = [m["id"] for m in escalation.METHODS if not all(reference.lookup_action(name) for name in m["actions"])]
    assert gone == ["rhino-23", "rhino-24", "rhino-25"]
    for method in escalation.METHODS:
        assert method["source"].startswith("https://")
        assert method["source"] == "https://pathfinding.cloud/paths/" + method["id"] or method["id"].split("-")[0] in ("rhino", "cloudsplaining", "ecs")
        for name in method["actions"]:
            found = reference.lookup_action(name)
            assert method["id"] in gone or found is not None and found.service + ":" + found.name == name, name
        assert set(method["every_resource"]) <= set(method["actions"])
        assert not method["passed_to"] or "iam:PassRole" in method["actions"]
    sets = [frozenset(m["actions"]) for m in escalation.METHODS]
    assert [(a, b) for a in sets for b in sets if a < b] == []


def test_no_practical_scope_table_is_small_and_sourced():
    assert sorted(scope_exceptions.NO_PRACTICAL_SCOPE) == [
        "cloudwatch:getmetricdata", "cloudwatch:listmetrics", "cloudwatch:putmetricdata", "route53:getchange"]
    for key, entry in scope_exceptions.NO_PRACTICAL_SCOPE.items():
        action = reference.lookup_action(key)
        assert action is not None and action.resource_types, key
        assert entry["reason"] and entry["fix"] and entry["source"].startswith("https://docs.aws.amazon.com/")


@pytest.mark.parametrize("document,severity", [
    ({"Statement": [allow("s3:GetObject", OBJECTS)]}, "warning"),
    (policy(allow("s3:GetObject", BUCKET + "/${aws:username}/*"), Version="2008-10-17"), "warning"),
    (policy(allow("s3:GetObject", OBJECTS), Version="2012-10-18"), "error"),
])
def test_malformed_severity(document, severity):
    findings = check_policy(document)
    assert [(f["code"], f["severity"]) for f in findings] == [("MALFORMED", severity)]


def test_notaction_and_notresource_values_are_reported():
    findings = check_policy(policy({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "NotResource": OBJECTS}))
    by_code = {f["code"]: f for f in findings}
    assert by_code["NOT_ACTION_WITH_ALLOW"]["action"] == "iam:*, organizations:*"
    assert by_code["NOT_RESOURCE_WITH_ALLOW"]["resource"] == OBJECTS
    assert sorted(by_code) == ["NOT_ACTION_WITH_ALLOW", "NOT_RESOURCE_WITH_ALLOW", "PRIVILEGE_ESCALATION"]


def test_size_counts_the_role_not_whitespace():
    half = policy(*[allow("s3:GetObject", "%s/prefix-%04d/*" % (BUCKET, i)) for i in range(60)])
    assert codes(check_policies([{"name": "a", "document": json.dumps(half, indent=8)}])) == set()
    both = check_policies([{"name": "a", "document": half}, {"name": "b", "document": json.dumps(half)}])
    assert [(f["code"], f["policy"], f["statement"]) for f in both] == [("POLICY_TOO_LARGE", "a, b", None)]


def test_deny_in_another_policy_of_the_role_cancels():
    grant = {"name": "grant", "document": policy(allow("s3:GetObject", "*"))}
    guard = {"name": "guard", "document": policy(deny("s3:*", "*"))}
    assert codes(check_policies([grant])) == {"RESOURCE_STAR"}
    assert codes(check_policies([grant, guard])) == set()


def test_duplicate_policy_names():
    doc = policy(allow("s3:GetObject", OBJECTS))
    findings = check_policies([{"name": "a", "document": doc}, {"name": "a", "document": doc}])
    assert [(f["code"], f["policy"], f["message"]) for f in findings] == [
        ("MALFORMED", "a", "two inline policies are named 'a': the second replaces the first")]


def test_findings_are_deduplicated_and_stable():
    doc = policy(allow(["s3:GetObject", "s3:GetObject", "iam:PutRolePolicy", "s3:*"], ["*", "*"], Sid="A"),
                 allow("ec2:StopInstances", "*", Sid="B"))
    first = check_policy(doc)
    assert first == check_policy(json.dumps(doc))
    assert [(f["code"], f["statement"]["index"], f["action"]) for f in first] == [
        ("SERVICE_WILDCARD", 0, "s3:*"),
        ("RESOURCE_STAR", 0, "iam:PutRolePolicy"),
        ("RESOURCE_STAR", 0, "s3:*"),
        ("RESOURCE_STAR", 0, "s3:GetObject"),
        ("PERMISSIONS_MANAGEMENT", 0, "iam:PutRolePolicy"),
        ("PERMISSIONS_MANAGEMENT", 0, "s3:*"),
        ("PRIVILEGE_ESCALATION", 0, "iam:PutRolePolicy"),
        ("RESOURCE_STAR", 1, "ec2:StopInstances"),
    ]


def test_exceptions_accept_and_keep_findings():
    doc = policy(allow(["sqs:ReceiveMessage", "s3:GetObject"], "*"))
    exceptions = [{"code": "RESOURCE_STAR", "action": "SQS:Receive*", "resource": "*", "reason": "lists groups at start"}]
    findings = check_policy(doc, exceptions=exceptions)
    assert [(f["action"], f["accepted"], f.get("reason")) for f in findings] == [
        ("s3:GetObject", False, None), ("sqs:ReceiveMessage", True, "lists groups at start")]
    assert [f["action"] for f in blocking(findings, "error")] == ["s3:GetObject"]


@pytest.mark.parametrize("rule,matches", [
    ({"code": "RESOURCE_STAR", "reason": "r"}, True),
    ({"code": "*", "reason": "r"}, True),
    ({"code": "RESOURCE_STAR", "action": "s3:GetObject", "reason": "r"}, True),
    ({"code": "RESOURCE_STAR", "action": "s3:Put*", "reason": "r"}, False),
    ({"code": "RESOURCE_STAR", "resource": "arn:*", "reason": "r"}, False),
    ({"code": "FULL_ADMIN", "reason": "r"}, False),
    ({"code": "RESOURCE_STAR", "action": "s3:GetObject", "reason": ""}, False),
    ({"code": "RESOURCE_STAR", "action": "s3:GetObject"}, False),
    # policy: a glob on the finding's policy name; sid: a glob on its statement's Sid
    ({"code": "RESOURCE_STAR", "policy": "grants-s3", "reason": "r"}, True),
    ({"code": "RESOURCE_STAR", "policy": "grants-*", "reason": "r"}, True),
    ({"code": "RESOURCE_STAR", "policy": "grants-rds", "reason": "r"}, False),
    ({"code": "RESOURCE_STAR", "policy": "Grants-S3", "reason": "r"}, False),
    ({"code": "RESOURCE_STAR", "sid": "ReadObjects", "reason": "r"}, True),
    ({"code": "RESOURCE_STAR", "sid": "Read*", "reason": "r"}, True),
    ({"code": "RESOURCE_STAR", "sid": "Write*", "reason": "r"}, False),
    ({"code": "RESOURCE_STAR", "policy": "grants-s3", "sid": "Read?bjects", "action": "s3:*", "reason": "r"}, True),
    ({"code": "RESOURCE_STAR", "policy": "grants-s3", "sid": "Write*", "action": "s3:*", "reason": "r"}, False),
    ({"code": "RESOURCE_STAR", "policy": 5, "reason": "r"}, True),
])
def test_exception_matching(rule, matches):
    [finding] = check_policy(policy(allow("s3:GetObject", "*", Sid="ReadObjects")), name="grants-s3")
    [finding] = apply_exceptions([finding], [rule])
    assert finding["accepted"] is matches
    assert finding.get("reason") == ("r" if matches else None)


@pytest.mark.parametrize("rule,accepted", [
    ({"code": "RESOURCE_STAR", "sid": "*", "reason": "r"}, [True, True]),
    ({"code": "RESOURCE_STAR", "sid": "Read*", "reason": "r"}, [True, False]),
    ({"code": "RESOURCE_STAR", "sid": "?*", "reason": "r"}, [True, False]),
])
def test_exception_sid_on_a_statement_without_sid(rule, accepted):
    doc = policy(allow("s3:GetObject", "*", Sid="ReadObjects"), allow("s3:PutObject", "*"))
    findings = apply_exceptions(check_policy(doc, name="grants-s3"), [rule])
    assert [f["accepted"] for f in findings] == accepted


def test_rds_connect_exception_scoped_to_the_grants_policy():
    """Issue 10 item 4: the built-in rds-db:connect exception, limited to the policy the catalogue renders."""
    rule = dict(catalogue.CHECK_EXCEPTIONS[0], policy="grants-rds")
    statement = allow("rds-db:connect", "arn:aws:rds-db:eu-west-1:123456789012:dbuser:db-ABC/app", Sid="RdsConnect")
    rendered = check_policies([{"name": "grants-rds", "document": policy(statement)}], exceptions=[rule])
    handwritten = check_policies([{"name": "extra", "document": policy(statement)}], exceptions=[rule])
    assert [(f["code"], f["accepted"]) for f in rendered] == [("PERMISSIONS_MANAGEMENT", True)]
    assert [(f["code"], f["accepted"]) for f in handwritten] == [("PERMISSIONS_MANAGEMENT", False)]


@pytest.mark.parametrize("fail_on,expected", [("error", ["RESOURCE_STAR"]), ("warning", ["MALFORMED", "RESOURCE_STAR"]), ("never", [])])
def test_blocking_levels(fail_on, expected):
    findings = check_policy({"Statement": [allow("s3:GetObject", "*")]})
    assert sorted(f["code"] for f in blocking(findings, fail_on)) == expected


def test_count_by_code():
    findings = check_policy(policy(allow(["s3:GetObject", "s3:PutObject", "iam:PutRolePolicy"], "*")))
    assert count_by_code(findings) == {"RESOURCE_STAR": 3, "PERMISSIONS_MANAGEMENT": 1, "PRIVILEGE_ESCALATION": 1}


@pytest.mark.parametrize("bad", [None, 3, 2.5, True, [], "", "null", b"\xff", {"Statement": None}, {"Statement": [None]},
                                 {"Version": [], "Statement": {"Effect": {}, "Action": {}, "Resource": 5}},
                                 {"Version": "2012-10-17", 1: 2, "Statement": [{"Effect": "Allow", 3: 4, (5,): 6, "Action": "s3:GetObject",
                                                                                "Resource": "*", "Condition": {"StringEquals": {7: "x"}}}]},
                                 policy(allow(["iam:PassRole", None, 3.5], ["*", None], Condition={"Bool": {"aws:SecureTransport": float("nan")}}))])
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
                                       "arn:aws:s3:::a?b/*", "${aws:username}", "arn:aws:logs:*:*:log-group:${x", "StringEquals",
                                       "ForAnyValue:StringLike", "aws:ResourceTag/app", "iam:PassedToService", "Bool", "NullIfExists"]))


def _containers(children):
    return st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4))


JSON_VALUE = st.recursive(JSON_LEAF, _containers, max_leaves=20)
KEYS = st.sampled_from(["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Principal", "Other"])
CONDITION = st.dictionaries(st.sampled_from(["StringEquals", "StringNotLike", "ForAllValues:StringEquals", "DateLessThan", "Bool", "Null",
                                             "IpAddress", "ArnLike", "bad"]),
                            st.dictionaries(st.sampled_from(["aws:ResourceTag/app", "aws:SourceIp", "iam:PassedToService", "s3:prefix",
                                                             "aws:CurrentTime", "x:y"]), JSON_VALUE, max_size=2), max_size=2)
STATEMENT = st.one_of(st.dictionaries(KEYS, JSON_VALUE, max_size=7),
                      st.fixed_dictionaries({"Effect": st.sampled_from(["Allow", "Deny"]), "Action": JSON_VALUE, "Resource": JSON_VALUE},
                                            optional={"Condition": st.one_of(CONDITION, JSON_VALUE)}))
DOCUMENT = st.fixed_dictionaries({}, optional={"Version": JSON_VALUE, "Statement": st.one_of(STATEMENT, st.lists(STATEMENT, max_size=4), JSON_VALUE),
                                               "Id": JSON_VALUE})


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=st.one_of(DOCUMENT, JSON_VALUE, st.text(max_size=40)),
       as_json=st.booleans(),
       other=st.lists(st.text(max_size=6), max_size=3),
       exceptions=st.lists(st.dictionaries(st.sampled_from(["code", "action", "resource", "policy", "sid", "reason"]), JSON_LEAF), max_size=2))
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


# --- Properties over AWS's data and the grants catalogue ----------------------------------------------------

def _grant(service, levels, name_index):
    spec = catalogue.CATALOGUE[service]
    grant = {"service": service, "access": sorted(levels), "resources": [spec["resources"]["example"]]}
    if spec.get("kms_via") and any(spec["access"][level]["kms_actions"] for level in levels) and name_index % 2:
        grant["kms_key"] = "1234abcd-12ab-34cd-56ef-1234567890ab"
    for option, option_spec in spec.get("options", {}).items():
        if name_index % 3 == 0:
            grant[option] = option_spec["example"]
    return grant


GRANTS = st.lists(st.sampled_from(sorted(catalogue.CATALOGUE)), min_size=1, max_size=4, unique=True).flatmap(
    lambda services: st.tuples(*[st.tuples(st.just(s), st.sets(st.sampled_from(sorted(catalogue.CATALOGUE[s]["access"])), min_size=1),
                                           st.integers(0, 5)) for s in services]))


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(grants=GRANTS, region=st.sampled_from(["eu-west-1", "us-east-1", "cn-north-1", "us-gov-west-1"]))
def test_property_rendered_grants_have_no_finding(grants, region):
    policies, errors = render_grants([_grant(*item) for item in grants], None, region, "123456789012")
    assert errors == []
    findings = check_policies(policies, exceptions=catalogue.CHECK_EXCEPTIONS)
    assert [format_finding(f) for f in findings if not f["accepted"]] == []


def _scopable_statements():
    """(action, an ARN of its resource type) for actions of several services that can be scoped."""
    pairs = []
    for service in ("s3", "dynamodb", "sqs", "sns", "lambda", "secretsmanager", "ssm", "kms", "logs", "es", "ecr", "kinesis", "iam",
                    "states", "events", "glue", "athena", "rds", "ec2", "cloudwatch", "route53", "elasticfilesystem"):
        for action in reference.service_actions(service):
            if not action.resource_types or action.key in scope_exceptions.NO_PRACTICAL_SCOPE:
                continue
            fmt = reference.resource_type_format(action.service, action.resource_types[0].name).split(", ", maxsplit=1)[0]
            arn = (fmt.replace("${Partition}", "aws").replace("${Region}", "eu-west-1").replace("${Account}", "123456789012"))
            while "${" in arn:
                start = arn.index("${")
                arn = arn[:start] + "app1" + arn[arn.index("}", start) + 1:]
            pairs.append((action.service + ":" + action.name, arn))
    return pairs


SCOPABLE = _scopable_statements()


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=st.sampled_from(SCOPABLE), star=st.sampled_from(["*", "arn:*:*:*:*:*", "arn:aws:*:*:*:*"]))
def test_property_star_on_a_scopable_action_is_resource_star(pair, star):
    action, arn = pair
    assert "RESOURCE_STAR" not in codes(check_policy(policy(allow(action, arn)))), (action, arn)
    findings = check_policy(policy(allow(action, star)))
    assert ("RESOURCE_STAR", action) in [(f["code"], f["action"]) for f in findings], (action, star)


BASE_STATEMENTS = [
    allow("s3:GetObject", "*"), allow("s3:GetObject", OBJECTS), allow("iam:PassRole", ROLE), allow("lambda:CreateFunction", FUNCTION),
    allow("kms:Decrypt", "*", **when("StringEquals", "kms:ViaSrevice", "x")), allow("s3:ListBucket", OBJECTS),
    allow("iam:*", "*"), deny("s3:*", "*", **when("Bool", "aws:SecureTransport", "false")), allow("ec2:StopInstances", "arn:aws:ec2:*:*:*"),
    allow("sts:AssumeRole", ANY_ROLE), allow("dynamodb:GetItem", "arn:aws:dynamodb::1:table/x"), {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
]
EXTRA_ALLOW = st.builds(allow, st.sampled_from(["*", "s3:*", "iam:PassRole", "lambda:InvokeFunction", "ecs:RunTask", "s3:Get*",
                                                "ec2:RunInstances", "sts:AssumeRole", "nope:Nope"]),
                        st.sampled_from(["*", OBJECTS, ROLE, FUNCTION, "arn:aws:iam:::role/x", "bad"]))


def _kept(findings):
    """What must survive: code, statement and action or resource (an escalation finding's action list may grow)."""
    return {(f["code"], f["statement"]["index"] if f["statement"] else None,
             None if f["code"] == "PRIVILEGE_ESCALATION" else f["action"], f["resource"]) for f in findings}


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.lists(st.sampled_from(BASE_STATEMENTS), min_size=1, max_size=4), extra=st.lists(EXTRA_ALLOW, min_size=1, max_size=2))
def test_property_adding_an_allow_never_removes_a_finding(base, extra):
    before = _kept(check_policy(policy(*base)))
    after = _kept(check_policy(policy(*(base + extra))))
    assert before <= after, before - after
