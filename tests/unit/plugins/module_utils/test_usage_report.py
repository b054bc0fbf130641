# -*- coding: utf-8 -*-

# Copyright (c) 2026, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The usage report (module_utils/_usage_report.py): each grant used / unused / not observable, narrower intents,
denied calls with their fix, the trail's event selectors, error messages without a trail, the proposals."""

import copy

import pytest
import yaml

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _usage_report as R
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import render_grants

ACCOUNT = "123456789012"
TASK = "arn:aws:iam::123456789012:role/ecs/staging/staging-api-ecs-task-role"
EXEC = "arn:aws:iam::123456789012:role/ecs/staging/staging-api-ecs-task-execution-role"
SINCE, UNTIL = "2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z"
EVERYTHING = {"management": True, "data_types": {"AWS::S3::Object", "AWS::DynamoDB::Table", "AWS::SQS::Queue"}}
MANAGEMENT_ONLY = {"management": True, "data_types": set()}


def task_role(grants, policies=(), managed=(), arn=TASK):
    """A task role's declaration as the check entry point publishes it (the fields the report reads)."""
    trace = []
    rendered, errors = render_grants(grants, "aws", "eu-west-1", ACCOUNT, trace=trace)
    assert errors == []
    return {"role": "ecs_task_role", "role_arn": arn, "role_name": arn.rsplit("/", 1)[1], "state": "present", "account_id": ACCOUNT,
            "region": "eu-west-1", "partition": "aws", "source_regions": ["eu-west-1"], "grants": trace,
            "inline_policies": rendered + [{"name": name, "document": {"Version": "2012-10-17", "Statement": statements}}
                                           for name, statements in policies],
            "managed_policy_arns": list(managed)}


def report(decl, rows, seen=None, selectors=None, denied=(), extra_roles=()):
    aggregate = {"rows": rows, "records": {"read": 0, "of_applications": 0}, "seen": EVERYTHING if seen is None else seen,
                 "files": {"opened": 0, "errors": [], "skipped": {"folders": {}, "files": {}}}}
    apps = [{"name": "api", "roles": [decl] + list(extra_roles)}]
    return R.usage("staging", apps, aggregate, SINCE, UNTIL, selectors=selectors, denied_messages=denied), apps


def rows_of(*parts):
    merged = {}
    for part in parts:
        merged.update(part)
    return merged


def row(action_source, name, resource, count=1, code="", first="2026-11-10T08:00:00Z", last="2026-11-12T08:00:00Z", role=TASK):
    return {(role, action_source, name, resource, code): [count, first, last]}


S3_GET = row("s3.amazonaws.com", "GetObject", "arn:aws:s3:::staging-uploads arn:aws:s3:::staging-uploads/a.txt", count=4)
SSM_GET = row("ssm.amazonaws.com", "GetParameter", "arn:aws:ssm:eu-west-1:123456789012:parameter/staging/api/db")
S3_READ = {"service": "s3", "access": ["read"], "resources": ["staging-uploads"]}
SSM_READ = {"service": "ssm", "access": ["read"], "resources": ["/staging/api/"]}


def statuses(result):
    return [(item["policy"], item["status"]) for item in result["applications"]["api"]["grants"]]


@pytest.mark.parametrize("grants, rows, seen, expected", [
    ([S3_READ], S3_GET, EVERYTHING, [("grants-s3", "used")]),
    ([S3_READ], {}, EVERYTHING, [("grants-s3", "unused")]),
    # GetObject is a data event and the trail holds none: silence proves nothing.
    ([S3_READ], {}, MANAGEMENT_ONLY, [("grants-s3", "not_observable")]),
    ([SSM_READ], {}, MANAGEMENT_ONLY, [("grants-ssm", "unused")]),
    # An empty trail sees nothing at all.
    ([SSM_READ], {}, {"management": False, "data_types": set()}, [("grants-ssm", "not_observable")]),
    # A call of another role does not make this one's grant used.
    ([SSM_READ], row("ssm.amazonaws.com", "GetParameter", "arn:aws:ssm:eu-west-1:123456789012:parameter/staging/api/db", role=EXEC),
     MANAGEMENT_ONLY, [("grants-ssm", "unused")]),
    # A call on a resource the grant does not cover does not use it.
    ([SSM_READ], row("ssm.amazonaws.com", "GetParameter", "arn:aws:ssm:eu-west-1:123456789012:parameter/production/api/db"),
     MANAGEMENT_ONLY, [("grants-ssm", "unused")]),
    # A denied call does not use it either.
    ([SSM_READ], row("ssm.amazonaws.com", "GetParameter", "arn:aws:ssm:eu-west-1:123456789012:parameter/staging/api/db", code="AccessDenied"),
     MANAGEMENT_ONLY, [("grants-ssm", "unused")]),
    # A call that failed for another reason was authorised: used.
    ([SSM_READ], row("ssm.amazonaws.com", "GetParameter", "arn:aws:ssm:eu-west-1:123456789012:parameter/staging/api/db", code="ParameterNotFound"),
     MANAGEMENT_ONLY, [("grants-ssm", "used")]),
    # logs:PutLogEvents never shows in CloudTrail.
    ([{"service": "logs", "access": ["write"], "resources": ["/ecs/staging/api"]}], {}, EVERYTHING, [("grants-logs", "not_observable")]),
])
def test_status_of_each_intent(grants, rows, seen, expected):
    result, _apps = report(task_role(grants), rows, seen=seen)
    assert statuses(result) == expected


def test_a_used_grant_says_what_was_seen():
    result, _apps = report(task_role([S3_READ, SSM_READ]), rows_of(S3_GET, SSM_GET))
    used = result["applications"]["api"]["grants"][0]
    assert {key: used[key] for key in ("role", "policy", "kind", "grant", "status", "actions_seen", "resources_seen", "count", "first_seen",
                                       "last_seen")} == {
        "role": "task", "policy": "grants-s3", "kind": "intent", "grant": S3_READ, "status": "used", "actions_seen": ["s3:GetObject"],
        "resources_seen": ["arn:aws:s3:::staging-uploads/a.txt"], "count": 4, "first_seen": "2026-11-10T08:00:00Z",
        "last_seen": "2026-11-12T08:00:00Z"}
    assert result["applications"]["api"]["summary"] == {"used": 2, "unused": 0, "not_observable": 0, "narrower": 0, "denied": 0}


def test_hand_written_statements_and_managed_policies_are_grants_too():
    statements = [{"Sid": "Send", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:123456789012:staging-q"},
                  {"Sid": "Meta", "Effect": "Allow", "Action": "sqs:GetQueueAttributes", "Resource": "arn:aws:sqs:eu-west-1:123456789012:staging-q"}]
    decl = task_role([], policies=[("queue", statements)], managed=["arn:aws:iam::123456789012:policy/custom"])
    rows = row("sqs.amazonaws.com", "SendMessage", "arn:aws:sqs:eu-west-1:123456789012:staging-q")
    result, _apps = report(decl, rows)
    assert [(item["kind"], item["policy"], item["status"]) for item in result["applications"]["api"]["grants"]] == [
        ("statement", "queue", "used"), ("statement", "queue", "unused"),
        ("managed", "arn:aws:iam::123456789012:policy/custom", "not_observable")]
    assert result["applications"]["api"]["grants"][2]["not_observed"] == ["the policy's document is not known offline"]


def test_a_deny_statement_is_no_grant_and_explains_a_denial():
    statements = [{"Sid": "All", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::staging-uploads/*"},
                  {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::staging-uploads/secret/*"}]
    rows = row("s3.amazonaws.com", "PutObject", "arn:aws:s3:::staging-uploads/secret/k", code="AccessDenied")
    result, _apps = report(task_role([], policies=[("uploads", statements)]), rows)
    entry = result["applications"]["api"]
    assert [(item["kind"], item["grant"]["Sid"], item["status"]) for item in entry["grants"]] == [("statement", "All", "unused")]
    assert [(item["allowed_by_declaration"], item["fix"], item["statement"], item["causes"]) for item in entry["denied"]] == [
        (False, None, None, ["an explicit Deny in the role's own policy uploads (NoSecrets)"])]


@pytest.mark.parametrize("statement", [
    {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Sid": "AllButIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
])
def test_a_grant_of_every_action_is_never_unused(statement):
    result, _apps = report(task_role([], policies=[("wide", [statement])]), {})
    assert [item["status"] for item in result["applications"]["api"]["grants"]] == ["not_observable"]


@pytest.mark.parametrize("selectors, expected", [
    # Basic selectors: every S3 object, and management events.
    ({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                          "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]}, ["unused", "unused"]),
    # Only write management events: the ssm reads cannot be seen; no data events: neither can GetObject.
    ({"EventSelectors": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True, "DataResources": []}]},
     ["not_observable", "not_observable"]),
    # Advanced selectors: management events, and S3 data events.
    ({"AdvancedEventSelectors": [
        {"Name": "mgmt", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
        {"Name": "s3", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]},
    ]}, ["unused", "unused"]),
    ({"AdvancedEventSelectors": [{"Name": "mgmt", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                                                     {"Field": "readOnly", "Equals": ["true"]}]}]},
     ["not_observable", "unused"]),

    # Data events of another bucket only: this grant's reads cannot be seen.
    ({"EventSelectors": [{"ReadWriteType": "All", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::staging-other/"]}]}]},
     ["not_observable", "unused"]),
    ({"EventSelectors": [{"ReadWriteType": "All", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::staging-uploads/"]}]}]},
     ["unused", "unused"]),
    # Write-only selectors record no GetObject.
    ({"EventSelectors": [{"ReadWriteType": "WriteOnly", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]},
     ["not_observable", "not_observable"]),
    # SSM's management events excluded.
    ({"EventSelectors": [{"ReadWriteType": "All", "ExcludeManagementEventSources": ["ssm.amazonaws.com"], "DataResources": []}]},
     ["not_observable", "not_observable"]),
    ({"AdvancedEventSelectors": [
        {"Name": "mgmt", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]},
                                            {"Field": "eventSource", "NotEquals": ["ssm.amazonaws.com", "kms.amazonaws.com"]}]},
        {"Name": "s3", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                                          {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::staging-uploads/"]}]},
    ]}, ["unused", "not_observable"]),
    # A field this reading does not evaluate (eventName): what the selector selects counts as not recorded.
    ({"AdvancedEventSelectors": [
        {"Name": "s3", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                                          {"Field": "eventName", "Equals": ["PutObject"]}]},
    ]}, ["not_observable", "not_observable"]),
])
def test_event_selectors_override_what_the_records_suggest(selectors, expected):
    # The records alone would say: no data events, no management events.
    result, _apps = report(task_role([S3_READ, SSM_READ]), {}, seen={"management": False, "data_types": set()}, selectors=selectors)
    assert [item["status"] for item in result["applications"]["api"]["grants"]] == expected
    assert result["trail_sees"]["source"] == "event_selectors"


@pytest.mark.parametrize("grant, rows, seen, to", [
    # Read and write granted, only reads seen.
    ({"service": "s3", "access": ["read", "write"], "resources": ["staging-uploads"]}, S3_GET, EVERYTHING,
     {"service": "s3", "access": ["read"], "resources": ["staging-uploads"]}),
    # Two tables granted, one used.
    ({"service": "dynamodb", "access": ["read"], "resources": ["staging-a", "staging-b"]},
     row("dynamodb.amazonaws.com", "GetItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/staging-a"), EVERYTHING,
     {"service": "dynamodb", "access": ["read"], "resources": ["staging-a"]}),
    # Both at once, other keys kept.
    ({"service": "s3", "access": ["read", "write"], "resources": ["staging-uploads", "staging-archive"], "sid": "Files"}, S3_GET, EVERYTHING,
     {"service": "s3", "access": ["read"], "resources": ["staging-uploads"], "sid": "Files"}),
    # The write level's actions are data events the trail does not hold: kept.
    ({"service": "dynamodb", "access": ["read", "write"], "resources": ["staging-a"]},
     row("dynamodb.amazonaws.com", "DescribeTable", "arn:aws:dynamodb:eu-west-1:123456789012:table/staging-a"), MANAGEMENT_ONLY, None),
    # Write was tried and refused elsewhere (allowed here): it is still needed.
    ({"service": "s3", "access": ["read", "write"], "resources": ["staging-uploads"]},
     rows_of(S3_GET, row("s3.amazonaws.com", "PutObject", "arn:aws:s3:::staging-uploads/b.txt", code="AccessDenied")), EVERYTHING, None),
])
def test_narrower_intent(grant, rows, seen, to):
    result, _apps = report(task_role([grant]), rows, seen=seen)
    narrower = result["applications"]["api"]["narrower"]
    assert narrower == ([{"role": "task", "policy": "grants-%s" % grant["service"], "from": grant, "to": to}] if to else [])


def test_denied_call_the_declaration_allows_points_elsewhere():
    rows = row("s3.amazonaws.com", "PutObject", "arn:aws:s3:::staging-uploads arn:aws:s3:::staging-uploads/b.txt", count=3, code="AccessDenied")
    result, _apps = report(task_role([{"service": "s3", "access": ["write"], "resources": ["staging-uploads"]}]), rows)
    denied = result["applications"]["api"]["denied"]
    assert [dict((key, item[key]) for key in ("role", "action", "resource", "count", "last_seen", "allowed_by_declaration", "fix", "statement"))
            for item in denied] == [
        {"role": "task", "action": "s3:PutObject", "resource": "arn:aws:s3:::staging-uploads/b.txt", "count": 3, "last_seen": "2026-11-12T08:00:00Z",
         "allowed_by_declaration": True, "fix": None, "statement": None}]
    assert "a resource-based policy (bucket, queue, topic, secret, key policy)" in denied[0]["causes"]


@pytest.mark.parametrize("source, name, resource, fix, statement", [
    ("s3.amazonaws.com", "PutObject", "arn:aws:s3:::staging-reports arn:aws:s3:::staging-reports/2026/r.csv",
     {"service": "s3", "access": ["write"], "resources": ["staging-reports"]}, None),
    ("sqs.amazonaws.com", "SendMessage", "arn:aws:sqs:eu-west-1:123456789012:staging-jobs",
     {"service": "sqs", "access": ["send"], "resources": ["staging-jobs"]}, None),
    ("dynamodb.amazonaws.com", "PutItem", "arn:aws:dynamodb:eu-west-1:123456789012:table/staging-orders",
     {"service": "dynamodb", "access": ["write"], "resources": ["staging-orders"]}, None),
    ("secretsmanager.amazonaws.com", "GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/api/db",
     {"service": "secretsmanager", "access": ["read"], "resources": ["staging/api/db"]}, None),
    # A bucket in another region's account: the intent names the account.
    ("sqs.amazonaws.com", "SendMessage", "arn:aws:sqs:eu-central-1:123456789012:staging-jobs",
     {"service": "sqs", "access": ["send"], "resources": ["staging-jobs"], "region": "eu-central-1"}, None),
    # No intent of the catalogue grants it: the hand-written statement.
    ("kms.amazonaws.com", "Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", None,
     {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}),
])
def test_denied_call_gets_the_smallest_intent(source, name, resource, fix, statement):
    result, _apps = report(task_role([SSM_READ]), row(source, name, resource, code="AccessDeniedException"))
    denied = result["applications"]["api"]["denied"]
    assert [(item["allowed_by_declaration"], item["fix"], item["statement"]) for item in denied] == [(False, fix, statement)]


def test_a_denial_of_the_execution_role_gets_a_statement():
    execution = dict(task_role([], arn=EXEC), role="ecs_task_execution_role")
    rows = row("secretsmanager.amazonaws.com", "GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/api/db",
               code="AccessDeniedException", role=EXEC)
    result, _apps = report(task_role([SSM_READ]), rows, extra_roles=[execution])
    assert [(item["role"], item["fix"], item["statement"]) for item in result["applications"]["api"]["denied"]] == [
        ("execution", None, {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                             "Resource": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/api/db"})]


def test_the_smallest_intent_passes_the_gate():
    fix = R.smallest_intent("s3:PutObject", "arn:aws:s3:::staging-reports/r.csv", task_role([]), environment="staging")
    assert fix == {"service": "s3", "access": ["write"], "resources": ["staging-reports"]}
    # The same call on another environment's bucket: the gate refuses every intent (CROSS_ENVIRONMENT), so none is proposed.
    assert R.smallest_intent("s3:PutObject", "arn:aws:s3:::production-reports/r.csv", task_role([]), environment="staging") is None


MESSAGE = ('User: arn:aws:sts::123456789012:assumed-role/staging-api-ecs-task-role/abc is not authorized to perform: s3:PutObject on '
           'resource: "arn:aws:s3:::staging-reports/r.csv" because no identity-based policy allows the s3:PutObject action')


@pytest.mark.parametrize("message, denied, problem", [
    (MESSAGE, [("s3:PutObject", "arn:aws:s3:::staging-reports/r.csv", False, {"service": "s3", "access": ["write"], "resources": ["staging-reports"]})],
     None),
    (MESSAGE.replace("staging-reports/r.csv", "staging-uploads/r.csv"), [("s3:PutObject", "arn:aws:s3:::staging-uploads/r.csv", True, None)], None),
    (MESSAGE.replace("staging-api-ecs-task-role", "staging-other-ecs-task-role"), [], "none of this environment's roles"),
    # AWS says which policy is at fault: no grant is proposed.
    (MESSAGE.replace("because no identity-based policy allows the s3:PutObject action",
                     "with an explicit deny in a service control policy"), [("s3:PutObject", "arn:aws:s3:::staging-reports/r.csv", False, None)], None),
    (MESSAGE.replace("no identity-based policy", "no VPC endpoint policy"), [("s3:PutObject", "arn:aws:s3:::staging-reports/r.csv", False, None)],
     None),
    ("Access Denied", [], "not an AWS access-denied message"),
])
def test_an_error_message_without_a_trail(message, denied, problem):
    result, _apps = report(task_role([{"service": "s3", "access": ["write"], "resources": ["staging-uploads"]}]), {},
                           seen={"management": False, "data_types": set()}, denied=[message])
    assert [(item["action"], item["resource"], item["allowed_by_declaration"], item["fix"])
            for item in result["applications"]["api"]["denied"]] == denied
    assert [problem in item["problem"] for item in result["messages"]] == ([True] if problem else [])


def test_unmapped_events_are_reported_with_their_count():
    rows = rows_of(row("ssm.amazonaws.com", "NotAnOperationOfSsm", "", count=2),
                   row("ssm.amazonaws.com", "NotAnOperationOfSsm", "", count=3, code="Throttling"))
    result, _apps = report(task_role([SSM_READ]), rows)
    assert result["records"]["unmapped"] == [{"event_source": "ssm.amazonaws.com", "event_name": "NotAnOperationOfSsm", "count": 5}]


def test_proposal_narrows_removes_and_says_when_it_widens():
    grants = [{"service": "s3", "access": ["read", "write"], "resources": ["staging-uploads"]}, SSM_READ]
    rows = rows_of(S3_GET, row("sqs.amazonaws.com", "SendMessage", "arn:aws:sqs:eu-west-1:123456789012:staging-jobs", code="AccessDenied"))
    result, apps = report(task_role(grants), rows)
    proposal = R.proposals(result, apps, environment="staging")["api"]
    assert proposal["grants"] == [{"service": "s3", "access": ["read"], "resources": ["staging-uploads"]},
                                  {"service": "sqs", "access": ["send"], "resources": ["staging-jobs"]}]
    assert proposal["widens"] == ["WIDENS: adds sqs send on staging-jobs for the denied sqs:SendMessage on "
                                  "arn:aws:sqs:eu-west-1:123456789012:staging-jobs (1 call(s))"]
    assert proposal["notes"] == ["narrows s3 read, write on staging-uploads to read on staging-uploads",
                                 "removes ssm read on /staging/api/: unused from 2026-11-01T00:00:00Z to 2026-11-30T23:59:59Z"]
    assert proposal["problems"] == []


def test_two_denials_with_one_fix_widen_once():
    rows = rows_of(S3_GET, row("s3.amazonaws.com", "PutObject", "arn:aws:s3:::staging-out/a", code="AccessDenied"),
                   row("s3.amazonaws.com", "PutObject", "arn:aws:s3:::staging-out/b", code="AccessDenied"))
    result, apps = report(task_role([S3_READ]), rows)
    proposal = R.proposals(result, apps, environment="staging")["api"]
    assert [item["resource"] for item in result["applications"]["api"]["denied"]] == ["arn:aws:s3:::staging-out/a", "arn:aws:s3:::staging-out/b"]
    assert proposal["grants"] == [S3_READ, {"service": "s3", "access": ["write"], "resources": ["staging-out"]}]
    assert proposal["widens"] == ["WIDENS: adds s3 write on staging-out for the denied s3:PutObject on arn:aws:s3:::staging-out/a (1 call(s))"]


def test_proposal_adds_a_level_to_the_grant_of_the_same_resource():
    grants = [{"service": "s3", "access": ["read"], "resources": ["staging-uploads"]}]
    rows = rows_of(S3_GET, row("s3.amazonaws.com", "PutObject", "arn:aws:s3:::staging-uploads/b", code="AccessDenied"))
    result, apps = report(task_role(grants), rows)
    assert R.proposals(result, apps, environment="staging")["api"]["grants"] == [
        {"service": "s3", "access": ["read", "write"], "resources": ["staging-uploads"]}]


def test_nothing_to_propose_when_everything_is_used():
    result, apps = report(task_role([S3_READ]), S3_GET)
    assert R.proposals(result, apps, environment="staging") == {}


ORIGINAL = """---
# The api in staging.
ecs_task_role_grants:
  - service: s3
    access: [read, write]
    resources: [staging-uploads]

  # what ECS injects
ecs_task_execution_role_secrets:
  - staging/api/*
"""


@pytest.mark.parametrize("original, expected", [
    (ORIGINAL, """---
# The api in staging.
# usage.yml proposes: narrows s3
ecs_task_role_grants:
  - service: s3
    access: [read]
    resources: [staging-uploads]
    sid: "1"

  # what ECS injects
ecs_task_execution_role_secrets:
  - staging/api/*
"""),
    (None, """---
# usage.yml proposes: narrows s3
ecs_task_role_grants:
  - service: s3
    access: [read]
    resources: [staging-uploads]
    sid: "1"
"""),
])
def test_proposed_host_vars_replace_only_the_grants(original, expected):
    grants = [{"service": "s3", "access": ["read"], "resources": ["staging-uploads"], "sid": "1"}]
    text = R.proposed_host_vars(original, "ecs_task_role_grants", grants, ["narrows s3"])
    assert text == expected
    assert yaml.safe_load(text)["ecs_task_role_grants"] == grants


def test_report_is_deterministic_and_sorted():
    rows = rows_of(S3_GET, SSM_GET)
    first, _apps = report(task_role([S3_READ, SSM_READ]), rows)
    second, _apps = report(task_role([S3_READ, SSM_READ]), dict(reversed(list(copy.deepcopy(rows).items()))))
    assert R.usage_json(first) == R.usage_json(second)
    assert R.usage_markdown(first) == R.usage_markdown(second)
    assert "**api**: 2 used, 0 unused, 0 not observable; 0 narrower, 0 denied." in R.usage_markdown(first)
