"""plugins/module_utils/_role_writes.py: whether a published declaration serves, and the exact arguments of each
amazon.aws.iam_role / iam_policy call the internal role passes through."""

import json

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_writes import declaration_current
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_writes import write_calls

RETRIES = {"retries": {"mode": "standard", "max_attempts": 10}}
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}
DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
NAME = "staging-cerpac-ecs-task-role"


def declared(**changes):
    declaration = {"role_name": NAME, "state": "present", "region": "eu-west-1", "path": "/ecs/staging/", "trust_policy": TRUST,
                   "description": "ECS task role", "max_session_duration": 3600, "permissions_boundary": "", "tags": {"env": "staging"},
                   "purge_tags": True, "managed_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}
    declaration.update(changes)
    return declaration


def planned(**changes):
    plan = {"exists": True, "role_updates": [], "managed_policies_to_attach": [], "managed_policies_to_detach": [], "policy_writes": []}
    plan.update(changes)
    return plan


BASE = {"name": NAME, "state": "present", "create_instance_profile": False, "delete_instance_profile": False, "region": "eu-west-1",
        "aws_config": RETRIES}
PRESENT = dict(BASE, path="/ecs/staging/", assume_role_policy_document=json.dumps(TRUST), description="ECS task role",
               max_session_duration=3600, tags={"env": "staging"}, purge_tags=True)
MANAGED = {"managed_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"], "purge_policies": True}
ABSENT = dict(BASE, state="absent")


@pytest.mark.parametrize("declaration, plan, expected", [
    # A converged role: no call at all.
    (declared(), planned(), []),
    # Created: everything, the managed policies too; no boundary "" (a new role has none to remove).
    (declared(), planned(exists=False, role_updates=["trust_policy", "managed_policy_arns"], managed_policies_to_attach=["x"]),
     [dict(PRESENT, **MANAGED)]),
    # Only the tags differ: the managed policies are not sent (iam_role would list them again).
    (declared(), planned(role_updates=["tags"]), [PRESENT]),
    # Attachments differ: sent, with purge.
    (declared(), planned(role_updates=["managed_policy_arns"], managed_policies_to_detach=["y"]), [dict(PRESENT, **MANAGED)]),
    # A declared boundary is always sent with an update.
    (declared(permissions_boundary="arn:aws:iam::123456789012:policy/b"), planned(role_updates=["permissions_boundary"]),
     [dict(PRESENT, boundary="arn:aws:iam::123456789012:policy/b")]),
    # A boundary added by hand on an existing role: "" removes it.
    (declared(), planned(role_updates=["permissions_boundary"]), [dict(PRESENT, boundary="")]),
    # ... but "" is not sent when the boundary is not what differs.
    (declared(), planned(role_updates=["description"]), [PRESENT]),
    # Absent: delete the role when it exists (its inline policies go with it), nothing else sent.
    (declared(state="absent"), {"exists": True, "changed": True}, [ABSENT]),
    (declared(state="absent"), {"exists": False, "changed": False}, []),
])
def test_iam_role_calls(declaration, plan, expected):
    assert write_calls(declaration, plan)["iam_role_calls"] == expected


POLICY = {"iam_type": "role", "iam_name": NAME, "region": "eu-west-1", "aws_config": RETRIES}


@pytest.mark.parametrize("declaration, writes, expected", [
    (declared(), [], []),
    # A document as data is sent as JSON; one already JSON text as it is; a deletion without document.
    (declared(), [{"name": "grants-s3", "state": "present", "document": DOCUMENT},
                  {"name": "text", "state": "present", "document": '{"Version": "2012-10-17"}'},
                  {"name": "old", "state": "absent"}],
     [dict(POLICY, policy_name="grants-s3", state="present", policy_json=json.dumps(DOCUMENT)),
      dict(POLICY, policy_name="text", state="present", policy_json='{"Version": "2012-10-17"}'),
      dict(POLICY, policy_name="old", state="absent")]),
    # An absent role: deleting the role deletes its inline policies (iam_policy would fail on a missing role).
    (declared(state="absent"), [{"name": "old", "state": "absent"}], []),
])
def test_iam_policy_calls(declaration, writes, expected):
    assert write_calls(declaration, planned(policy_writes=writes))["iam_policy_calls"] == expected


@pytest.mark.parametrize("writes_follow, check_mode, expected_role_calls", [
    (True, False, 1),
    (True, True, 0),    # check mode: the plan is the report, no module runs
    (False, False, 0),  # verify: never a write
])
def test_no_write_without_writes_or_in_check_mode(writes_follow, check_mode, expected_role_calls):
    calls = write_calls(declared(), planned(role_updates=["tags"], policy_writes=[{"name": "old", "state": "absent"}]), writes_follow, check_mode)
    assert (len(calls["iam_role_calls"]), len(calls["iam_policy_calls"])) == (expected_role_calls, expected_role_calls)


def test_each_call_has_its_own_aws_config():
    """A module may change its arguments: two calls never share one mapping."""
    calls = write_calls(declared(), planned(role_updates=["tags"], policy_writes=[{"name": "old", "state": "absent"}]))
    assert calls["iam_role_calls"][0]["aws_config"] is not calls["iam_policy_calls"][0]["aws_config"]


INPUTS = {"ecs_task_role_env": "staging"}


@pytest.mark.parametrize("published, published_inputs, inputs, expected", [
    ({"needs_account": False}, INPUTS, dict(INPUTS), True),
    (None, None, INPUTS, False),                                           # nothing published yet
    ({"needs_account": False}, None, INPUTS, False),                       # published without its inputs
    ({"needs_account": True}, INPUTS, INPUTS, False),                      # waits for the caller's account
    ({}, INPUTS, INPUTS, False),                                           # not a declaration of declare_role
    ({"needs_account": False}, INPUTS, {"ecs_task_role_env": "prod"}, False),  # other inputs (another application)
])
def test_declaration_current(published, published_inputs, inputs, expected):
    assert declaration_current(published, published_inputs, inputs) is expected
