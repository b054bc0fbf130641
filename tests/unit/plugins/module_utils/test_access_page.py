# -*- coding: utf-8 -*-

# Copyright (c) 2025, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The access page (module_utils/_access_page.py): golden pages, what a change does to the page, drift shown
as raw actions, trust and PassRole, bad input, and the Mermaid picture checked by a strict grammar and by
Mermaid's own parser.

Regenerate the golden pages after an intended change with:
    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/plugins/module_utils/test_access_page.py
and review ``git diff tests/golden/access``.
"""

import copy
import difflib
import json
import os
import pathlib
import random
import re

import pytest
import yaml

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._access_page import (
    AccessPageError,
    access_page,
    input_errors,
    mermaid_label,
)
from tests.support import mermaid_parser
from tests.support.prerequisites import corpus_dir, require
from tests.support.access_inputs import environment_outputs, fleet_declaration
from tests.support.mermaid_grammar import grammar_errors, mermaid_blocks

REPO = pathlib.Path(__file__).resolve().parents[4]
GOLDEN = REPO / "tests" / "golden" / "access"
ENVIRONMENTS = ["staging", "production"]


def declaration(env):
    return yaml.safe_load((GOLDEN / env / "environment.yml").read_text())


def page(decl, source="default", mutate=None):
    applications, passrole = environment_outputs(decl)
    if mutate:
        mutate(applications, passrole)
    return access_page(decl["environment"], applications, passrole,
                       source="inventories/%s" % decl["environment"] if source == "default" else source)


def changes(before, after):
    """(removed lines, added lines) between two pages, each in page order."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def app_of(applications, name):
    return next(app for app in applications if app["name"] == name)


def policy_of(role, name):
    return next(policy for policy in role["inline_policies"] if policy["name"] == name)


# ----------------------------------------------------------------------------------------------------------
# Golden pages
# ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_golden_page(env):
    text = page(declaration(env))
    path = GOLDEN / env / "ACCESS.md"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert path.exists(), "missing %s: run with UPDATE_GOLDEN=1 and review it" % path
    assert text == path.read_text(), "the %s page differs from %s: review, then UPDATE_GOLDEN=1" % (env, path)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_page_does_not_depend_on_the_order_of_its_input(env):
    decl = declaration(env)

    def shuffle(applications, passrole):
        rng = random.Random(env)
        rng.shuffle(applications)
        for app in applications:
            for role in (app["task_role"], app["execution_role"]):
                rng.shuffle(role["inline_policies"])
                rng.shuffle(role["grants"])
                for policy in role["inline_policies"]:
                    rng.shuffle(policy["document"]["Statement"])
                    for statement in policy["document"]["Statement"]:
                        if isinstance(statement["Resource"], list):
                            rng.shuffle(statement["Resource"])
        passrole["document"]["Statement"][0]["Resource"].reverse()

    assert page(decl, mutate=shuffle) == (GOLDEN / env / "ACCESS.md").read_text()


def test_page_names_the_source_only_when_given():
    with_source = page(declaration("staging"))
    without = page(declaration("staging"), source=None)
    assert changes(with_source, without) == (
        ["Declared in `inventories/staging`. Account `123456789012`, partition `aws`, region `eu-west-1`; 2 applications, 4 roles."],
        ["Account `123456789012`, partition `aws`, region `eu-west-1`; 2 applications, 4 roles."],
    )


# ----------------------------------------------------------------------------------------------------------
# A change to the inventory changes exactly its lines
# ----------------------------------------------------------------------------------------------------------

def test_a_grant_on_a_service_the_application_uses_adds_its_row_and_moves_it_in_the_picture():
    decl = declaration("staging")
    before = page(decl)
    decl["applications"]["cerpac"]["grants"].append({"service": "s3", "access": ["list"], "resources": ["staging-cerpac-reports"]})
    assert changes(before, page(decl)) == (
        ['    svc_s3_read__write__delete["read, write, delete<br>cerpac"]'],
        ['    svc_s3_read__write__delete__list["read, write, delete, list<br>cerpac"]',
         "| task | s3 | list | `staging-cerpac-reports` | `arn:aws:s3:::staging-cerpac-reports` | `grants-s3` |"],
    )


def test_a_grant_on_a_new_service_adds_its_row_and_its_service_box():
    decl = declaration("staging")
    before = page(decl)
    decl["applications"]["queue-worker"]["grants"].append({"service": "sns", "access": ["publish"], "resources": ["staging-cerpac-done"]})
    assert changes(before, page(decl)) == (
        [],
        ['  subgraph svc_sns["sns"]',
         '    svc_sns_publish["publish<br>queue-worker"]',
         "  end",
         "  roles --> svc_sns",
         "| task | sns | publish | `staging-cerpac-done` | `arn:aws:sns:eu-west-1:123456789012:staging-cerpac-done` | `grants-sns` |"],
    )


def test_removing_a_grant_removes_exactly_its_lines():
    decl = declaration("staging")
    before = page(decl)
    ses = decl["applications"]["cerpac"]["grants"].pop(1)
    assert ses["service"] == "ses"
    # The grants after it keep their index-based Sids only if the inventory names them: they are renumbered,
    # which changes no line of the page (Sids are not shown).
    assert changes(before, page(decl)) == (
        ['  subgraph svc_ses["ses"]',
         '    svc_ses_send["send<br>cerpac"]',
         "  end",
         "  roles --> svc_ses",
         "| task | ses | send | `cerpac.example.com` | `arn:aws:ses:eu-west-1:123456789012:identity/cerpac.example.com` | `grants-ses` |"],
        [],
    )


def test_a_wider_grant_shows_its_new_resource_and_arn():
    decl = declaration("staging")
    before = page(decl)
    decl["applications"]["queue-worker"]["grants"][0]["resources"].append("staging-cerpac-retries")
    assert changes(before, page(decl)) == (
        ["| task | sqs | consume | `staging-cerpac-jobs` | `arn:aws:sqs:eu-west-1:123456789012:staging-cerpac-jobs` | `grants-sqs` |"],
        ["| task | sqs | consume | `staging-cerpac-jobs`<br>`staging-cerpac-retries` | `arn:aws:sqs:eu-west-1:123456789012:staging-cerpac-jobs`"
         "<br>`arn:aws:sqs:eu-west-1:123456789012:staging-cerpac-retries` | `grants-sqs` |"],
    )


def test_grant_options_are_shown_with_the_access():
    decl = declaration("staging")
    decl["applications"]["cerpac"]["grants"][0]["prefix"] = "uploads/"
    lines = [line for line in page(decl).splitlines() if line.startswith("| task | s3 |")]
    assert lines == ["| task | s3 | read, write, delete<br>prefix `uploads/` | `staging-cerpac-uploads`"
                     " | `arn:aws:s3:::staging-cerpac-uploads/uploads/*` | `grants-s3` |"]


# ----------------------------------------------------------------------------------------------------------
# Live roles: the same page when nothing drifted, raw actions where something did
# ----------------------------------------------------------------------------------------------------------

def as_aws_returns_it(applications, passrole):
    """What a read from IAM gives back: documents as JSON text, single values as strings, other orders."""
    for app in applications:
        for role in (app["task_role"], app["execution_role"]):
            role["inline_policies"].reverse()
            for policy in role["inline_policies"]:
                for statement in policy["document"]["Statement"]:
                    for key in ("Action", "Resource"):
                        if isinstance(statement[key], list) and len(statement[key]) == 1:
                            statement[key] = statement[key][0]
                policy["document"] = json.dumps(policy["document"])
            role["trust_policy"] = json.dumps(role["trust_policy"])
            role["managed_policy_arns"].reverse()
    passrole["document"] = json.dumps(passrole["document"])


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_live_roles_as_aws_returns_them_give_the_rendered_page(env):
    assert page(declaration(env), mutate=as_aws_returns_it) == page(declaration(env))


def add_action(applications, _passrole):
    statement = policy_of(app_of(applications, "queue-worker")["task_role"], "grants-sqs")["document"]["Statement"][0]
    statement["Action"] = statement["Action"] + ["sqs:PurgeQueue"]


def add_statement(applications, _passrole):
    policy_of(app_of(applications, "cerpac")["task_role"], "grants-s3")["document"]["Statement"].append(
        {"Sid": "Extra", "Effect": "Allow", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::staging-cerpac-uploads"})


def wrong_provenance(applications, _passrole):
    grant = app_of(applications, "queue-worker")["task_role"]["grants"][0]
    grant["sids"] = ["SqsConsumeQueues7"]


def widen_startup(applications, _passrole):
    statement = policy_of(app_of(applications, "queue-worker")["execution_role"], "ecs-startup-secrets")["document"]["Statement"][0]
    statement["Resource"] = statement["Resource"] + ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:production/*"]


def no_provenance(applications, _passrole):
    app_of(applications, "queue-worker")["task_role"]["grants"] = []


SQS_GRANT_ROW = "| task | sqs | consume | `staging-cerpac-jobs` | `arn:aws:sqs:eu-west-1:123456789012:staging-cerpac-jobs` | `grants-sqs` |"
SQS_RAW = ("| task | sqs | `sqs:ChangeMessageVisibility`<br>`sqs:DeleteMessage`<br>`sqs:GetQueueAttributes`<br>`sqs:GetQueueUrl`"
           "<br>`sqs:ReceiveMessage`%s | %s | `arn:aws:sqs:eu-west-1:123456789012:staging-cerpac-jobs` | `grants-sqs` (not from a grant) |")


@pytest.mark.parametrize("mutate,expected", [
    (add_action, (
        ['    svc_sqs_consume["consume<br>queue-worker"]', SQS_GRANT_ROW],
        ['    svc_sqs_not_from_a_grant["not from a grant<br>queue-worker"]',
         "| task | sqs | `sqs:ChangeMessageVisibility`<br>`sqs:DeleteMessage`<br>`sqs:GetQueueAttributes`<br>`sqs:GetQueueUrl`"
         "<br>`sqs:PurgeQueue`<br>`sqs:ReceiveMessage` | \u2014 | `arn:aws:sqs:eu-west-1:123456789012:staging-cerpac-jobs`"
         " | `grants-sqs` (not from a grant) |"],
    )),
    (add_statement, (
        ['    svc_s3_read__write__delete["read, write, delete<br>cerpac"]'],
        ['    svc_s3_read__write__delete__not_from_a_grant["read, write, delete, not from a grant<br>cerpac"]',
         "| task | s3 | `s3:DeleteBucket` | \u2014 | `arn:aws:s3:::staging-cerpac-uploads` | `grants-s3` (not from a grant) |"],
    )),
    (wrong_provenance, (
        ['    svc_sqs_consume["consume<br>queue-worker"]', SQS_GRANT_ROW],
        ['    svc_sqs_not_from_a_grant["not from a grant<br>queue-worker"]', SQS_RAW % ("", "\u2014")],
    )),
    (no_provenance, (
        ['    svc_dynamodb_write["write<br>queue-worker"]', '    svc_sqs_consume["consume<br>queue-worker"]',
         "| task | dynamodb | write | `staging-cerpac-orders` | `arn:aws:dynamodb:eu-west-1:123456789012:table/staging-cerpac-orders`"
         " | `grants-dynamodb` |", SQS_GRANT_ROW],
        ['    svc_dynamodb_not_from_a_grant["not from a grant<br>queue-worker"]',
         '    svc_sqs_not_from_a_grant["not from a grant<br>queue-worker"]',
         "| task | dynamodb | `dynamodb:BatchWriteItem`<br>`dynamodb:DeleteItem`<br>`dynamodb:PutItem`<br>`dynamodb:UpdateItem` | \u2014"
         " | `arn:aws:dynamodb:eu-west-1:123456789012:table/staging-cerpac-orders` | `grants-dynamodb` (not from a grant) |",
         SQS_RAW % ("", "\u2014")],
    )),
    (widen_startup, (
        ['    svc_secretsmanager_start_up["start-up<br>queue-worker"]',
         "| execution | secretsmanager | start-up: ECS reads them into the container | `staging/queue-worker/*`"
         " | `arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/queue-worker/*` | `ecs-startup-secrets` |"],
        ['    svc_secretsmanager_not_from_the_start_up_secrets["not from the start-up secrets<br>queue-worker"]',
         "| execution | secretsmanager | `secretsmanager:GetSecretValue` | \u2014 | `arn:aws:secretsmanager:eu-west-1:123456789012:secret:production/*`"
         "<br>`arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/queue-worker/*` | `ecs-startup-secrets`"
         " (not from the start-up secrets) |"],
    )),
], ids=["action-added", "statement-added", "provenance-wrong", "no-provenance", "startup-widened"])
def test_drift_shows_as_raw_actions(mutate, expected):
    decl = declaration("staging")
    assert changes(page(decl), page(decl, mutate=mutate)) == expected


def test_a_statement_that_is_neither_readable_nor_explained_is_still_listed():
    def odd(applications, _passrole):
        role = app_of(applications, "cerpac")["task_role"]
        role["inline_policies"].append({"name": "odd", "document": {"Statement": [
            {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::x"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ]}})
        role["inline_policies"].append({"name": "broken", "document": "{not json"})

    added = changes(page(declaration("staging")), page(declaration("staging"), mutate=odd))[1]
    assert [line for line in added if line.startswith("|")] == [
        "| task | * | every action except<br>`iam:*` | \u2014 | every resource except<br>`arn:aws:s3:::x` | `odd` (hand-written) |",
        "| task | ? | unreadable policy document | \u2014 | \u2014 | `broken` (hand-written) |",
        "| task | s3 | **deny**<br>`s3:*`<br>if `aws:SecureTransport` = `false` | \u2014 | `*` | `odd` (hand-written) |",
    ]


# ----------------------------------------------------------------------------------------------------------
# Trust and PassRole
# ----------------------------------------------------------------------------------------------------------

def test_a_trust_policy_without_conditions_and_a_second_principal_are_shown():
    def loosen(applications, _passrole):
        role = app_of(applications, "queue-worker")["task_role"]
        role["trust_policy"] = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com", "AWS": "arn:aws:iam::999999999999:root"},
             "Action": "sts:AssumeRole"}]}

    removed, added = changes(page(declaration("staging")), page(declaration("staging"), mutate=loosen))
    assert removed == [
        '  trust_ecs_tasks_amazonaws_com ==>|"sts:AssumeRole"| roles',
        "| `queue-worker` | task role `staging-queue-worker-ecs-task-role` | service `ecs-tasks.amazonaws.com` | `sts:AssumeRole`"
        " | `aws:SourceArn` like `arn:aws:ecs:eu-west-1:123456789012:*`<br>`aws:SourceAccount` = `123456789012` |",
    ]
    assert added == [
        '  trust_arn_aws_iam__999999999999_root(["AWS arn:aws:iam::999999999999:root"])',
        '  trust_ecs_tasks_amazonaws_com_8914e6(["ecs-tasks.amazonaws.com"])',
        '  trust_ecs_tasks_amazonaws_com ==>|"sts:AssumeRole: cerpac, queue-worker (execution role)"| roles',
        '  trust_arn_aws_iam__999999999999_root ==>|"sts:AssumeRole: queue-worker (task role)"| roles',
        '  trust_ecs_tasks_amazonaws_com_8914e6 ==>|"sts:AssumeRole: queue-worker (task role)"| roles',
        "| `queue-worker` | task role `staging-queue-worker-ecs-task-role` | AWS `arn:aws:iam::999999999999:root` | `sts:AssumeRole` | **none** |",
        "| `queue-worker` | task role `staging-queue-worker-ecs-task-role` | service `ecs-tasks.amazonaws.com` | `sts:AssumeRole` | **none** |",
    ]


def passrole_rows(text):
    section = text.split("### The deployer passes them to ECS", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ") and not line.startswith(("| allows", "| ---"))], \
        [line for line in section.splitlines() if line.startswith("Roles the deployer cannot pass")]


def with_passrole_statements(statements):
    def mutate(_applications, passrole):
        passrole["document"]["Statement"] = statements
    return mutate


STAGING_ROLES = ("`staging-cerpac-ecs-task-execution-role`<br>`staging-cerpac-ecs-task-role`<br>"
                 "`staging-queue-worker-ecs-task-execution-role`<br>`staging-queue-worker-ecs-task-role`")
ECS_ONLY = "`iam:PassedToService` = `ecs-tasks.amazonaws.com`"
LATER = "and any other role whose ARN matches, now or later"


@pytest.mark.parametrize("statements,rows,missing", [
    ([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/ecs/staging/*",
       "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}],
     ["| `iam:PassRole` | `arn:aws:iam::123456789012:role/ecs/staging/*` | %s | %s<br>%s |" % (ECS_ONLY, STAGING_ROLES, LATER)],
     "none"),
    ([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/ecs/staging/staging-cerpac-*"}],
     ["| `iam:PassRole` | `arn:aws:iam::123456789012:role/ecs/staging/staging-cerpac-*` | **none**: any service"
      " | `staging-cerpac-ecs-task-execution-role`<br>`staging-cerpac-ecs-task-role`<br>%s |" % LATER],
     "`staging-queue-worker-ecs-task-execution-role`, `staging-queue-worker-ecs-task-role`"),
    ([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/ecs/production/*"}],
     ["| `iam:PassRole` | `arn:aws:iam::123456789012:role/ecs/production/*` | **none**: any service | %s |" % LATER],
     "`staging-cerpac-ecs-task-execution-role`, `staging-cerpac-ecs-task-role`, "
     "`staging-queue-worker-ecs-task-execution-role`, `staging-queue-worker-ecs-task-role`"),
    ([{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
     ["| `iam:*` | `*` | **none**: any service | %s<br>%s |" % (STAGING_ROLES, LATER)], "none"),
    ([{"Effect": "Allow", "NotAction": "s3:*", "NotResource": "arn:aws:iam::123456789012:role/ecs/staging/staging-cerpac-ecs-task-role"}],
     ["| every action except<br>`s3:*` | every resource except<br>`arn:aws:iam::123456789012:role/ecs/staging/staging-cerpac-ecs-task-role`"
      " | **none**: any service | `staging-cerpac-ecs-task-execution-role`<br>`staging-queue-worker-ecs-task-execution-role`"
      "<br>`staging-queue-worker-ecs-task-role`<br>%s |" % LATER],
     "`staging-cerpac-ecs-task-role`"),
    ([{"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"},
      {"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"}],
     ["| `iam:GetRole` | `*` | \u2014 | (does not let the deployer pass roles) |",
      "| every action except<br>`iam:PassRole` | `*` | \u2014 | (does not let the deployer pass roles) |"],
     "`staging-cerpac-ecs-task-execution-role`, `staging-cerpac-ecs-task-role`, "
     "`staging-queue-worker-ecs-task-execution-role`, `staging-queue-worker-ecs-task-role`"),
], ids=["path-pattern", "name-pattern", "other-path", "iam-star", "not-resource", "no-passrole"])
def test_passrole_patterns_resolve_to_the_roles_they_cover(statements, rows, missing):
    found_rows, found_missing = passrole_rows(page(declaration("staging"), mutate=with_passrole_statements(statements)))
    assert found_rows == rows
    assert found_missing == ["Roles the deployer cannot pass: %s." % missing]


def test_a_partial_passrole_is_drawn_with_the_roles_it_reaches():
    statements = [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/ecs/staging/*-task-role"}]
    text = page(declaration("staging"), mutate=with_passrole_statements(statements))
    assert [line for line in text.splitlines() if line.startswith("  deployer_deployer ==>")] == [
        '  deployer_deployer ==>|"iam:PassRole: cerpac (task role), queue-worker (task role)"| roles']


def test_no_passrole_and_no_deployer_are_said_plainly():
    decl = declaration("staging")
    decl["passrole"] = None
    text = page(decl)
    assert "No deployer policy is managed for this environment: nobody is given iam:PassRole here." in text.splitlines()
    assert "deployer_deployer" not in text
    assert "No deployer is named: the policy `production-ecs-passrole` is rendered and attached to nobody." in \
        page(declaration("production")).splitlines()


def test_absent_roles_and_a_missing_execution_role():
    def remove(applications, _passrole):
        app_of(applications, "queue-worker")["task_role"]["state"] = "absent"
        app_of(applications, "queue-worker")["execution_role"] = None

    text = page(declaration("staging"), mutate=remove)
    section = text.split("\n## queue-worker\n", 1)[1]
    assert section == ("\n- Task role `staging-queue-worker-ecs-task-role`: **absent**, it grants nothing.\n"
                       "- No execution role is managed here for queue-worker.\n\nAccepted findings: none.\n")
    assert '    roles_applications["cerpac, queue-worker (absent)"]' in text.splitlines()
    assert "2 applications, 2 roles." in text


def test_an_execution_role_without_start_up_secrets_is_drawn_with_its_managed_policy_only():
    """No secrets, parameters or keys: the role publishes ``startup.policy: null`` (issue 21, item 1)."""
    decl = declaration("staging")
    decl["applications"]["queue-worker"]["execution_role"] = {}
    applications, passrole = environment_outputs(decl)
    assert app_of(applications, "queue-worker")["execution_role"]["startup"]["policy"] is None
    assert input_errors("staging", applications, passrole) == []
    text = page(decl)
    section = text.split("\n## queue-worker\n", 1)[1]
    assert "start-up" not in section and "ecs-startup-secrets" not in section
    assert ("| execution | (managed policy) | what `AmazonECSTaskExecutionRolePolicy` allows: **unscoped**, every repository and log group of"
            " the account | \u2014 |"
            " `arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy` | managed policy, AWS managed |") in section


# ----------------------------------------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------------------------------------

def good_role():
    return copy.deepcopy(environment_outputs(declaration("staging"))[0][0]["task_role"])


@pytest.mark.parametrize("environment,applications,passrole,errors", [
    ("Staging", [], None, ["environment: 'Staging' is not an environment name; give lowercase letters, digits and single hyphens,"
                           " e.g. staging"]),
    ("staging", {"cerpac": {}}, None,
     ['applications: {"cerpac": {}} is not a list; give one {name, task_role, execution_role} per application']),
    ("staging", [{"name": "a b", "task_role": good_role()}], None,
     ["applications[0].name: 'a b' is not an application name; give the inventory host name (letters, digits, _ . -)"]),
    ("staging", [{"name": "a", "task_role": good_role()}, {"name": "a", "task_role": good_role()}], None,
     ["applications[1].name: 'a' is listed twice; give each application once"]),
    ("staging", [{"name": "a", "task_role": dict(good_role(), state="gone")}], None,
     ["applications[0] (a).task_role.state: 'gone' is not a role state; give present or absent"]),
    ("staging", [{"name": "a", "task_role": {"state": "present"}}], None,
     ["applications[0] (a).task_role.role_name is missing; give the role's name"]),
    ("staging", [{"name": "a", "task_role": dict(good_role(), inline_policies=[{"name": "x"}])}], None,
     ["applications[0] (a).task_role.inline_policies[0].document: null is not a policy document; give the document as a mapping"
      " or JSON text"]),
    ("staging", [{"name": "a", "task_role": dict(good_role(), grants=[{"index": "0"}])}], None,
     ["applications[0] (a).task_role.grants[0].index: '0' is not an integer; give the grant's index in ecs_task_role_grants",
      "applications[0] (a).task_role.grants[0].service: null is not a string; give the grant's service",
      "applications[0] (a).task_role.grants[0].access: null is not a list; give the grant's access levels",
      "applications[0] (a).task_role.grants[0].resources: null is not a list; give the grant's resource names",
      "applications[0] (a).task_role.grants[0].options: null is not a mapping; give the grant's other keys ({} for none)",
      "applications[0] (a).task_role.grants[0].policy: null is not a string; give the inline policy the grant rendered into",
      "applications[0] (a).task_role.grants[0].sids: null is not a list; give the Sids of the statements the grant rendered"]),
    ("staging", [{"name": "a", "task_role": good_role(), "execution_role": dict(good_role(), startup={"policy": 7})}], None,
     ['applications[0] (a).execution_role.startup: {"policy": 7} is not the start-up access; give {secrets, parameters, kms_keys,'
      ' policy (a name or null)}']),
    ("staging", [{"name": "a", "task_role": good_role(), "execution_roles": None}], None,
     ["applications[0] (a): execution_roles not a key of an application; give name, task_role and execution_role"]),
    ("staging", [{"name": "a", "task_role": good_role()}], {"policy_name": "p", "deployer": {"type": "group", "name": "g"}, "document": {}},
     ['passrole.deployer: {"name": "g", "type": "group"} is not a deployer; give {type: role or user, name} or null']),
], ids=["environment", "applications-mapping", "app-name", "app-twice", "state", "role-name", "document", "grant-fields",
        "startup-policy", "unknown-key", "deployer-type"])
def test_bad_input_is_refused_naming_the_field_the_value_and_the_fix(environment, applications, passrole, errors):
    assert input_errors(environment, applications, passrole) == errors
    with pytest.raises(AccessPageError) as raised:
        access_page(environment, applications, passrole)
    assert raised.value.errors == errors


def test_good_input_has_no_errors():
    applications, passrole = environment_outputs(declaration("production"))
    assert input_errors("production", applications, passrole) == []


# ----------------------------------------------------------------------------------------------------------
# The picture: readable at 30 applications, within the Mermaid subset, accepted by Mermaid itself
# ----------------------------------------------------------------------------------------------------------

def picture(text):
    blocks = mermaid_blocks(text)
    assert len(blocks) == 1
    return blocks[0]


def test_the_picture_of_30_applications_stays_small():
    text = page(fleet_declaration(30), source=None)
    lines = picture(text).splitlines()
    edges = [line for line in lines if "-->" in line or "==>" in line]
    labels = re.findall(r'"([^"]*)"', picture(text))
    assert len(edges) == 13  # sts:AssumeRole, iam:PassRole, 10 services, 1 managed policy: never one per application
    assert sum(1 for line in lines if line.strip().startswith("subgraph")) == 12
    assert max(len(part) for label in labels for part in label.split("<br>")) == 58  # "if aws:SourceArn like arn:aws:ecs:...:*"
    assert max(part.count(",") + 1 for label in labels for part in label.split("<br>") if part.startswith("app")) == 3
    assert len(picture(text)) < 50000  # GitHub's limit on a diagram's text


@pytest.mark.parametrize("name", ["staging", "production", "fleet30"])
def test_the_pictures_are_in_the_strict_subset(name):
    text = page(fleet_declaration(30)) if name == "fleet30" else page(declaration(name))
    assert grammar_errors(picture(text)) == []


BROKEN = {
    "unbalanced subgraph": ('flowchart LR\n  subgraph roles["a"]\n    app_a["a"]\n  app_a --> roles\n',
                            ["line 2: subgraph 'roles' is never closed with 'end'"]),
    "stray end": ('flowchart LR\n  app_a["a"]\n  end\n', ["line 3: 'end' without an open subgraph: '  end'"]),
    "unquoted label": ('flowchart LR\n  app_a[a (b)]\n',
                       ["line 2: neither a node with a quoted label, a subgraph, 'end' nor an edge: '  app_a[a (b)]'"]),
    "quote in label": ('flowchart LR\n  app_a["a "b" c"]\n', ["line 2: neither a node with a quoted label, a subgraph, 'end' nor"
                                                              " an edge: '  app_a[\"a \"b\" c\"]'"]),
    "bad arrow": ('flowchart LR\n  app_a["a"]\n  app_b["b"]\n  app_a -=> app_b\n',
                  ["line 4: not an edge of the subset: an edge is <id> --> <id> or <id> ==>|\"label\"| <id>: '  app_a -=> app_b'"]),
    "special character": ('flowchart LR\n  app_a["a <b> & #c"]\n',
                          ["line 2: label 'a <b> & #c' holds a character Mermaid reads as syntax (\" | & < > # are written as"
                           " entity codes): '  app_a[\"a <b> & #c\"]'"]),
    "keyword id": ('flowchart LR\n  end["a"]\n', ["line 2: node id 'end' is a Mermaid keyword: '  end[\"a\"]'"]),
    "undeclared node": ('flowchart LR\n  app_a["a"]\n  app_a --> app_b\n',
                        ["line 3: 'app_b' is neither a declared node nor a subgraph: '  app_a --> app_b'"]),
    "node twice": ('flowchart LR\n  app_a["a"]\n  app_a["b"]\n', ["line 3: id 'app_a' is declared twice: '  app_a[\"b\"]'"]),
    "no header": ('graph TD\n  app_a["a"]\n', ["line 1: expected 'flowchart LR' (or RL, TB, TD, BT): 'graph TD'"]),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_the_grammar_refuses_what_leaves_the_subset(name):
    text, errors = BROKEN[name]
    assert grammar_errors(text) == errors


def test_labels_are_escaped_into_the_subset():
    assert mermaid_label('a "b" | <c> & #d') == "a #quot;b#quot; #124; #lt;c#gt; #38; #35;d"
    assert grammar_errors('flowchart LR\n  app_a["%s"]\n' % mermaid_label('a "b" | <c> & #d')) == []


# Mermaid's own parser: what GitHub and GitLab run. Installed by the test itself (npm ci, pinned lock file).
MERMAID_REJECTS = ["unbalanced subgraph", "stray end", "unquoted label", "quote in label", "bad arrow"]


@pytest.mark.skipif(not mermaid_parser.available() and not os.environ.get("CI"), reason="node and npm are not on PATH")
def test_mermaids_own_parser_accepts_the_pictures_and_rejects_broken_ones():
    pictures = [picture(page(declaration(env))) for env in ENVIRONMENTS] + [picture(page(fleet_declaration(30)))]
    broken = [BROKEN[name][0] for name in MERMAID_REJECTS]
    verdicts = mermaid_parser.parse_errors(pictures + broken)
    assert verdicts[:len(pictures)] == [None] * len(pictures)
    assert [verdict is not None and verdict.startswith("Parse error on line") for verdict in verdicts[len(pictures):]] == \
        [True] * len(broken), verdicts


# ----------------------------------------------------------------------------------------------------------
# Every real AWS managed policy, as a hand-written policy, is on the page statement for statement
# ----------------------------------------------------------------------------------------------------------

CORPUS = corpus_dir() / "aws_managed"


@pytest.mark.corpus
def test_every_statement_of_the_corpus_is_on_the_page():
    require(CORPUS.is_dir(), "policy corpus not found at %s (set CERPAC_CORPUS_DIR)" % CORPUS)  # fails under CI
    files = sorted(CORPUS.glob("*.json"))
    assert len(files) > 1000
    for start in range(0, len(files), 200):
        batch = files[start:start + 200]
        documents = dict((path.stem, json.loads(path.read_text())) for path in batch)

        text = page(declaration("staging"), mutate=with_hand_written(documents))
        assert grammar_errors(picture(text)) == []
        lines = text.splitlines()
        for name, document in documents.items():
            statements = as_list(document["Statement"])
            rows = [line for line in lines if line.endswith("| `%s` (hand-written) |" % name)]
            assert len(rows) == len(statements), name
            for statement in statements:
                for action in as_list(statement.get("Action", statement.get("NotAction"))):
                    assert any("`%s`" % action in row for row in rows), (name, action)


def as_list(value):
    return value if isinstance(value, list) else [value]


def with_hand_written(documents):
    def mutate(applications, _passrole):
        role = app_of(applications, "cerpac")["task_role"]
        role["inline_policies"].extend({"name": name, "document": document} for name, document in documents.items())
    return mutate


def test_account_wide_and_cross_account_findings_are_on_the_page():
    """Issue 18.3: an accepted ACCOUNT_WIDE and CROSS_ACCOUNT are listed with their reason; a CROSS_ACCOUNT warning that
    nobody accepted (it does not block under fail_on: error) is listed too, never hidden."""
    wide = {"code": "ACCOUNT_WIDE", "severity": "error", "policy": "reports", "statement": {"index": 0, "sid": "Scan"},
            "action": "dynamodb:Scan", "resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/*", "accepted": True,
            "reason": "the reporting job reads every table (OPS-9)"}
    other = {"code": "CROSS_ACCOUNT", "severity": "warning", "policy": "reports", "statement": {"index": 1, "sid": None},
             "action": None, "resource": "arn:aws:iam::999999999999:role/reporting", "accepted": False,
             "message": "arn:aws:iam::999999999999:role/reporting is in account 999999999999, not the role's account 123456789012"}

    def add(applications, _passrole):
        role = app_of(applications, "cerpac")["task_role"]
        role["accepted_findings"] = role["accepted_findings"] + [wide]
        role["open_findings"] = [other]

    before = page(declaration("staging"))
    removed, added = changes(before, page(declaration("staging"), mutate=add))
    assert "| task | `reports` | 0 (`Scan`) | `ACCOUNT_WIDE` | `dynamodb:Scan` | `arn:aws:dynamodb:eu-west-1:123456789012:table/*` |" \
           " the reporting job reads every table (OPS-9) |" in added
    assert "Findings not accepted, which do not block the run:" in added
    assert "| task | `reports` | `CROSS_ACCOUNT` | `arn:aws:iam::999999999999:role/reporting` | arn:aws:iam::999999999999:role/reporting is in" \
           " account 999999999999, not the role's account 123456789012 |" in added
