"""_role_plan: what has to change to turn the live role into the declared one."""

import copy
import json

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import partition_for_region
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import PlanError
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import check_account
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import describe
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import ownership_problem
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import plan_absent
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import plan_role

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
UPLOADS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}]}

DECLARED = {
    "name": "staging-app-ecs-task-role",
    "path": "/",
    "trust_policy": TRUST,
    "description": "task role",
    "max_session_duration": 3600,
    "permissions_boundary": None,
    "tags": {"Environment": "staging", "ManagedBy": "Ansible"},
    "purge_tags": True,
    "managed_policy_arns": [],
    "inline_policies": {"uploads": UPLOADS},
}


def live_from(declared):
    live = copy.deepcopy(declared)
    for key in ("name", "purge_tags"):
        live.pop(key)
    return live


def test_a_missing_role_is_created_with_everything():
    plan = plan_role(DECLARED, None)
    assert plan["exists"] is False and plan["changed"] is True
    assert plan["inline_policies_to_put"] == ["uploads"]
    assert "trust_policy" in plan["role_updates"]
    assert plan["diff"]["before"] == {}
    assert plan["diff"]["after"]["inline_policies"] == {"uploads": UPLOADS}


def test_a_converged_role_needs_nothing():
    plan = plan_role(DECLARED, live_from(DECLARED))
    assert plan["changed"] is False
    assert plan["role_updates"] == [] and plan["inline_policies_to_put"] == [] and plan["inline_policies_to_delete"] == []
    assert plan["diff"]["before"] == plan["diff"]["after"]


def test_policies_are_compared_as_data_not_text():
    live = live_from(DECLARED)
    reordered = {"Statement": [{"Resource": ["arn:aws:s3:::b/*"], "Action": ["s3:PutObject", "s3:GetObject"], "Effect": "Allow"}],
                 "Version": "2012-10-17"}
    live["inline_policies"] = {"uploads": reordered}
    live["trust_policy"] = (
        '{"Statement": [{"Action": "sts:AssumeRole", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Effect": "Allow"}], "Version": "2012-10-17"}'
    )
    assert plan_role(DECLARED, live)["changed"] is False


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda live: live.update(trust_policy={**TRUST, "Statement": [{**TRUST["Statement"][0], "Principal": {"AWS": "*"}}]}),
         {"role_updates": ["trust_policy"]}),
        (lambda live: live.update(description="other"), {"role_updates": ["description"]}),
        (lambda live: live.update(max_session_duration=7200), {"role_updates": ["max_session_duration"]}),
        (lambda live: live["tags"].update(Environment="production"), {"role_updates": ["tags"]}),
        (lambda live: live["tags"].update(Owner="someone"), {"role_updates": ["tags"]}),
        (lambda live: live.update(managed_policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"]),
         {"role_updates": ["managed_policy_arns"], "managed_policies_to_detach": ["arn:aws:iam::aws:policy/AdministratorAccess"]}),
        (lambda live: live["inline_policies"].update(extra={"Version": "2012-10-17", "Statement": []}), {"inline_policies_to_delete": ["extra"]}),
        (lambda live: live["inline_policies"].pop("uploads"), {"inline_policies_to_put": ["uploads"]}),
        (lambda live: live["inline_policies"]["uploads"]["Statement"][0].update(Resource="*"), {"inline_policies_to_put": ["uploads"]}),
    ],
    ids=["trust", "description", "session", "tag-value", "extra-tag", "managed", "extra-inline", "missing-inline", "changed-inline"],
)
def test_each_kind_of_drift_is_found(mutate, expected):
    live = live_from(DECLARED)
    mutate(live)
    plan = plan_role(DECLARED, live)
    assert plan["changed"] is True
    for key, value in expected.items():
        assert plan[key] == value, key
    assert plan["diff"]["before"] != plan["diff"]["after"]


def test_unmanaged_fields_are_left_alone():
    declared = dict(DECLARED, description=None, max_session_duration=None, permissions_boundary=None)
    live = live_from(DECLARED)
    live.update(description="set elsewhere", max_session_duration=43200, permissions_boundary="arn:aws:iam::123456789012:policy/boundary")
    assert plan_role(declared, live)["changed"] is False


def test_foreign_tags_are_kept_without_purge():
    live = live_from(DECLARED)
    live["tags"]["Owner"] = "someone"
    assert plan_role(dict(DECLARED, purge_tags=False), live)["changed"] is False


def test_a_changed_path_is_refused():
    live = live_from(DECLARED)
    live["path"] = "/apps/"
    with pytest.raises(PlanError, match="path"):
        plan_role(DECLARED, live)


def test_absent():
    assert plan_absent(None)["changed"] is False
    gone = plan_absent(live_from(DECLARED))
    assert gone["changed"] is True and gone["diff"]["after"] == {}


@pytest.mark.parametrize(
    "expected, actual, refused",
    [("123456789012", "123456789012", False), ("123456789012", "999999999999", True), ("", "999999999999", False), (None, "1", False),
     ("000000000000", "999999999999", False)],  # checked before the caller was read (allow_any_account)
)
def test_account_guard(expected, actual, refused):
    message = check_account(expected, actual)
    assert bool(message) is refused
    if refused:
        assert expected in message and actual in message


@pytest.mark.parametrize(
    "region, partition",
    [("eu-west-1", "aws"), ("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("cn-northwest-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"),
     ("us-iso-east-1", "aws-iso"), ("us-isob-east-1", "aws-iso-b"), ("eu-isoe-west-1", "aws-iso-e"), ("us-isof-south-1", "aws-iso-f"),
     ("eusc-de-east-1", "aws-eusc")],
)
def test_partition_follows_the_region(region, partition):
    assert partition_for_region(region) == partition


@pytest.mark.parametrize(
    "mutate, line",
    [
        (lambda live: live["tags"].update(Environment="production"), 'tag Environment is "production", declared "staging"'),
        (lambda live: live["tags"].update(Owner="x"), 'tag Owner="x" is not declared'),
        (lambda live: live["inline_policies"].update(extra={}), "inline policy extra is not declared"),
        (lambda live: live["inline_policies"].pop("uploads"), "inline policy uploads is missing"),
        (lambda live: live.update(description="other"), 'description is "other", declared "task role"'),
        (lambda live: live.update(managed_policy_arns=["arn:aws:iam::aws:policy/A"]), "managed policy arn:aws:iam::aws:policy/A is attached but not declared"),
        # A policy or trust that differs: the statement that is extra, said on its own line (not two documents on one).
        (lambda live: live["inline_policies"]["uploads"]["Statement"].append({"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "*"}),
         'inline policy uploads has a statement not declared: {"Action": ["s3:DeleteObject"], "Effect": "Allow", "Resource": ["*"]}'),
        (lambda live: live["trust_policy"]["Statement"][0].update(Principal={"AWS": "arn:aws:iam::210987654321:root"}),
         ['trust policy has a statement not declared: {"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"AWS":'
          ' "arn:aws:iam::210987654321:root"}}',
          'trust policy lacks the declared statement: {"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"Service":'
          ' "ecs-tasks.amazonaws.com"}}']),
    ],
)
def test_each_difference_is_described_in_one_line(mutate, line):
    live = live_from(DECLARED)
    mutate(live)
    lines = describe("r", plan_role(DECLARED, live))
    assert lines == [f"r: {item}" for item in (line if isinstance(line, list) else [line])]


def test_describe_matching_missing_and_absent():
    assert describe("r", plan_role(DECLARED, live_from(DECLARED))) == []
    assert describe("r", plan_role(DECLARED, None)) == ["r: does not exist"]
    assert describe("r", plan_absent(live_from(DECLARED))) == ["r: exists, but the declaration says absent"]
    assert describe("r", plan_absent(None)) == []


OWNED = {"ManagedBy": "Ansible", "Module": "ecs_task_role", "Environment": "staging", "Application": "cerpac"}


ECS_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
CI_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
NOT_ECS = "its trust policy does not let ECS tasks (ecs-tasks.amazonaws.com) assume it"


def _statement(**fields):
    return {"Version": "2012-10-17", "Statement": [dict({"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                         "Action": "sts:AssumeRole"}, **fields)]}


@pytest.mark.parametrize("trust, adopt, words", [
    (ECS_TRUST, True, None),
    (json.dumps(ECS_TRUST), True, None),  # as GetRole may give it: JSON text
    (_statement(Action=["sts:TagSession", "STS:*"]), True, None),
    (_statement(Principal={"Service": ["ec2.amazonaws.com", "ECS-Tasks.amazonaws.com"]}), True, None),
    (CI_TRUST, True, NOT_ECS),  # the deployer's role
    (_statement(Principal={"Service": "ec2.amazonaws.com"}), True, NOT_ECS),  # an instance role
    (_statement(Effect="Deny"), True, NOT_ECS),
    (_statement(Action="sts:AssumeRoleWithWebIdentity"), True, NOT_ECS),
    ({"Version": "2012-10-17", "Statement": []}, True, NOT_ECS),
    (None, True, NOT_ECS),  # unreadable counts as not trusting
    ("{not json", True, NOT_ECS),
    (CI_TRUST, False, 'tag ManagedBy is "Terraform"'),  # not adopted: refused as not the collection's, as before
])
def test_adopt_takes_only_a_role_ecs_tasks_can_assume(trust, adopt, words):
    declaration = {"role_name": "staging-cerpac-ecs-task-role", "role": "ecs_task_role", "environment": "staging", "host": "cerpac", "adopt": adopt}
    problem = ownership_problem(declaration, {"tags": {"ManagedBy": "Terraform"}, "path": "/", "trust_policy": trust})
    assert (problem is None) if words is None else (words in problem), problem


@pytest.mark.parametrize("tags, path, adopt, words", [
    (OWNED, "/ecs/staging/", False, None),
    ({k: v for k, v in OWNED.items() if k != "Application"}, "/ecs/staging/", False, None),  # the previous release's role
    (None, "/ecs/staging/", False, None),  # no live role
    ({}, "/", False, "exists, but not as a role of this collection (tag ManagedBy is null"),
    ({"ManagedBy": "Terraform"}, "/", False, 'tag ManagedBy is "Terraform"'),
    ({"ManagedBy": "Terraform"}, "/", True, None),
    (dict(OWNED, Application="billing"), "/", False, 'its tag Application is "billing", not "cerpac"'),
    (dict(OWNED, Application="billing"), "/", True, None),
    (dict(OWNED, Module="ecs_task_execution_role"), "/", False, 'its tag Module is "ecs_task_execution_role", not "ecs_task_role"'),
    ({k: v for k, v in OWNED.items() if k != "Environment"}, "/", False, "its tag Environment is null, not \"staging\""),
    (dict(OWNED, Environment="production"), "/", True, 'its tag Environment is "production", and this inventory deploys "staging"'),
    (OWNED, "/ecs/production/", True, 'its path "/ecs/production/" is environment "production"\'s'),
])
def test_ownership_problem(tags, path, adopt, words):
    declaration = {"role_name": "staging-cerpac-ecs-task-role", "role": "ecs_task_role", "environment": "staging", "host": "cerpac", "adopt": adopt}
    live = None if tags is None else {"tags": tags, "path": path, "trust_policy": ECS_TRUST}
    problem = ownership_problem(declaration, live)
    assert (problem is None) if words is None else (words in problem), problem


@pytest.mark.parametrize("path, adopt, state, refused", [
    ("/ecs/", True, "present", True),  # nothing to adopt: a new role outside the environment's path
    ("/apps/", True, "present", True),
    ("/ecs/staging/", True, "present", False),
    ("/", True, "present", False),  # / is accepted: the name prefix carries the environment
    ("/ecs/", True, "absent", False),  # nothing to remove
    ("/ecs/", False, "present", False),  # not adopted: the environment's own check refuses the path before any call
])
def test_adopt_of_a_missing_role_creates_it_only_in_the_environment(path, adopt, state, refused):
    declaration = {"role_name": "staging-cerpac-ecs-task-role", "role": "ecs_task_role", "environment": "staging", "host": "cerpac",
                   "adopt": adopt, "path": path, "state": state}
    problem = ownership_problem(declaration, None)
    assert (problem is not None) == refused, problem
    if refused:
        assert problem.startswith("IAM role staging-cerpac-ecs-task-role does not exist, so there is nothing to adopt "
                                  "(ecs_task_role_adopt: true) at the path %s" % json.dumps(path)), problem
