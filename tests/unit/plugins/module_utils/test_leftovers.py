"""_leftovers: which roles of an environment no host declares, which of them prune may delete, and how."""

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import candidates
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import classify
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import declared_role_names
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import describe
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import passrole_policies
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import path_says
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import prune_refusal
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import prune_steps
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import still_prunable
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import tags_say

TAGS = {"Environment": "staging", "ManagedBy": "Ansible", "Module": "ecs_task_role"}


@pytest.mark.parametrize("path, name, env_path, expected", [
    ("/ecs/staging/", "staging-app-ecs-task-role", "/ecs/staging/", True),
    ("/ecs/staging/sub/", "anything", "/ecs/staging/", True),
    ("/ecs/production/", "staging-app-ecs-task-role", "/ecs/staging/", False),
    ("/ecs/", "staging-app-ecs-task-role", "/ecs/staging/", False),
    ("/ecs/stagingx/", "staging-app", "/ecs/staging/", False),
    ("/", "staging-app-ecs-task-role", "/", True),
    ("/", "production-app-ecs-task-role", "/", False),
    ("/", "stagingapp", "/", False),
    ("/other/", "staging-app-ecs-task-role", "/", False),
    (None, "staging-app", "/", True),
])
def test_path_says_the_environment(path, name, env_path, expected):
    assert path_says(path, name, "staging", env_path) is expected


@pytest.mark.parametrize("tags, expected", [
    (TAGS, True),
    (dict(TAGS, Module="ecs_task_execution_role"), True),
    (dict(TAGS, Environment="production"), False),
    (dict(TAGS, ManagedBy="Terraform"), False),
    (dict(TAGS, Module="something_else"), False),
    ({"Environment": "staging", "ManagedBy": "Ansible"}, False),
    ({}, False),
    (None, False),
])
def test_tags_say_the_collections_role_of_the_environment(tags, expected):
    assert tags_say(tags, "staging") is expected


ROLES = [
    {"RoleName": "staging-a-ecs-task-role", "Path": "/ecs/staging/", "Arn": "arn:aws:iam::111111111111:role/ecs/staging/staging-a-ecs-task-role"},
    {"RoleName": "staging-gone-ecs-task-role", "Path": "/ecs/staging/", "Arn": "arn:aws:iam::111111111111:role/ecs/staging/staging-gone-ecs-task-role"},
    {"RoleName": "hand-made", "Path": "/ecs/staging/", "Arn": "arn:aws:iam::111111111111:role/ecs/staging/hand-made"},
    {"RoleName": "staging-moved", "Path": "/elsewhere/", "Arn": "arn:aws:iam::111111111111:role/elsewhere/staging-moved"},
    {"RoleName": "production-a-ecs-task-role", "Path": "/ecs/production/", "Arn": "arn:aws:iam::111111111111:role/ecs/production/production-a"},
    {"RoleName": "unrelated", "Path": "/", "Arn": "arn:aws:iam::111111111111:role/unrelated"},
]


@pytest.mark.parametrize("env_path, declared, expected", [
    ("/ecs/staging/", ["staging-a-ecs-task-role"], ["staging-gone-ecs-task-role", "hand-made", "staging-moved"]),
    ("/ecs/staging/", ["staging-a-ecs-task-role", "staging-gone-ecs-task-role", "hand-made"], ["staging-moved"]),
    ("/", [], ["staging-a-ecs-task-role", "staging-gone-ecs-task-role", "staging-moved"]),
])
def test_candidates_are_the_undeclared_roles_under_the_path_or_named_for_the_environment(env_path, declared, expected):
    assert [role["RoleName"] for role in candidates(ROLES, "staging", env_path, declared)] == expected


@pytest.mark.parametrize("role, tags, expected", [
    (ROLES[1], TAGS, {"path_says": True, "tags_say": True, "prunable": True, "not_pruned_because": ""}),
    (ROLES[2], {}, {"path_says": True, "tags_say": False, "prunable": False,
                    "not_pruned_because": "its tags do not say Environment=staging, ManagedBy=Ansible, Module=ecs_task_role|ecs_task_execution_role"}),
    (ROLES[3], TAGS, {"path_says": False, "tags_say": True, "prunable": False,
                      "not_pruned_because": "it is not under the environment's path /ecs/staging/"}),
    (ROLES[1], dict(TAGS, Environment="production"),
     {"path_says": True, "tags_say": False, "prunable": False,
      "not_pruned_because": "its tags do not say Environment=staging, ManagedBy=Ansible, Module=ecs_task_role|ecs_task_execution_role"}),
    (ROLES[3], {}, None),
])
def test_classify_reports_a_leftover_and_prunes_only_when_path_and_tags_both_say_the_environment(role, tags, expected):
    found = classify(role, tags, "staging", "/ecs/staging/")
    if expected is None:
        assert found is None
    else:
        assert {key: found[key] for key in expected} == expected


def test_classify_with_the_root_path_needs_the_name_prefix():
    found = classify({"RoleName": "staging-x", "Path": "/", "Arn": "arn:aws:iam::111111111111:role/staging-x"}, TAGS, "staging", "/")
    assert found["prunable"] is True
    found = classify({"RoleName": "x", "Path": "/", "Arn": "arn:aws:iam::111111111111:role/x"}, TAGS, "staging", "/")
    assert found["prunable"] is False and found["not_pruned_because"] == "its path is not / with a name starting staging-"
    # Under / a role named for the environment without the collection's tags (a CI role made by hand) is nobody's leftover.
    assert classify({"RoleName": "staging-ci-deployer", "Path": "/", "Arn": "arn:aws:iam::111111111111:role/staging-ci-deployer"}, {},
                    "staging", "/") is None


@pytest.mark.parametrize("live, tags, expected", [
    ({"RoleName": "staging-gone", "Path": "/ecs/staging/"}, TAGS, True),
    ({"RoleName": "staging-gone", "Path": "/ecs/staging/"}, dict(TAGS, Environment="production"), False),
    (None, TAGS, False),
])
def test_still_prunable_rechecks_the_role_just_before_the_first_write(live, tags, expected):
    assert still_prunable(live, tags, "staging", "/ecs/staging/") is expected


def test_prune_steps_delete_grants_then_profiles_then_the_role():
    leftover = {"name": "r", "inline_policies": ["a", "b"], "managed_policies": ["arn:aws:iam::aws:policy/P"], "instance_profiles": ["r", "shared"]}
    assert prune_steps(leftover) == [
        ("delete_role_policy", {"RoleName": "r", "PolicyName": "a"}),
        ("delete_role_policy", {"RoleName": "r", "PolicyName": "b"}),
        ("detach_role_policy", {"RoleName": "r", "PolicyArn": "arn:aws:iam::aws:policy/P"}),
        ("remove_role_from_instance_profile", {"RoleName": "r", "InstanceProfileName": "r"}),
        ("delete_instance_profile", {"InstanceProfileName": "r"}),
        ("remove_role_from_instance_profile", {"RoleName": "r", "InstanceProfileName": "shared"}),
        ("delete_role", {"RoleName": "r"}),
    ]


def test_describe_names_the_grants_and_what_prune_does():
    leftover = {"name": "r", "arn": "arn:aws:iam::111111111111:role/ecs/staging/r", "inline_policies": ["a"], "managed_policies": [],
                "instance_profiles": ["r"], "prunable": False, "not_pruned_because": "its tags do not say so"}
    assert describe(leftover) == ("r (arn:aws:iam::111111111111:role/ecs/staging/r): no host of the inventory declares it; inline policies [a], "
                                  "managed policies [], instance profiles [r]; -e ecs_iam_prune=true leaves it alone because its tags do not say so")


@pytest.mark.parametrize("hostvars, expected", [
    ({"a": {"ecs_task_role_outputs": {"role_name": "ta"}, "ecs_task_execution_role_outputs": {"role_name": "ea"}},
      "b": {"ecs_task_role_outputs": {"role_name": "tb"}, "ecs_deployer_passrole_role_name": "deployer"}},
     {"names": ["deployer", "ea", "ta", "tb"], "missing": []}),
    ({"a": {"ecs_task_role_outputs": {"role_name": "ta"}}, "b": {"ecs_deployer_passrole_role_name": ""}},
     {"names": ["ta"], "missing": ["b"]}),
])
def test_declared_role_names_from_every_host_of_the_inventory(hostvars, expected):
    assert declared_role_names(["a", "b"], hostvars) == expected


@pytest.mark.parametrize("environment, expected", [
    # under --limit a: host b published nothing, but the environment-wide declaration names its roles
    ({"roles": [{"host": "a", "role_name": "ta"}, {"host": "b", "role_name": "tb"}, {"host": "b", "role_name": "eb"}],
      "deployer": {"type": "role", "name": "deployer"}}, {"names": ["deployer", "eb", "ta", "tb"], "missing": []}),
    # a deployer user is no role
    ({"roles": [{"host": "a", "role_name": "ta"}], "deployer": {"type": "user", "name": "ci"}}, {"names": ["ta"], "missing": []}),
    # no environment-wide declaration (a playbook of the user's): what the hosts published
    (None, {"names": ["ta"], "missing": ["b"]}),
])
def test_declared_role_names_from_the_environment_wide_declaration(environment, expected):
    hostvars = {"a": {"ecs_task_role_outputs": {"role_name": "ta"}}, "b": {}}
    assert declared_role_names(["a", "b"], hostvars, environment) == expected


@pytest.mark.parametrize("prune, play, inventory, missing, expected", [
    (False, ["a"], ["a", "b"], ["b"], ""),
    (True, ["a", "b"], ["a", "b"], [], ""),
    (True, ["a"], ["a", "b"], ["b"],
     "ecs_iam_prune: refused under --limit (or a job slice): the run does not include 1 of the inventory's "
     "hosts (b), so it cannot know which roles they declare. Run the whole inventory to prune, without --limit."),
    (True, ["a", "b"], ["a", "b"], ["b"],
     "ecs_iam_prune: refused: host(s) b published no declaration, so the run cannot know which roles they declare"),
])
def test_prune_is_refused_when_the_run_does_not_hold_every_host(prune, play, inventory, missing, expected):
    assert prune_refusal(prune, play, inventory, missing) == expected


GONE = "arn:aws:iam::111111111111:role/staging-gone-ecs-task-role"
GONE_EXEC = "arn:aws:iam::111111111111:role/staging-gone-ecs-task-execution-role"
KEPT = "arn:aws:iam::111111111111:role/staging-kept-ecs-task-role"


def passrole(*resources, action="iam:PassRole", extra=None):
    statement = {"Effect": "Allow", "Action": action, "Resource": list(resources) if len(resources) > 1 else resources[0],
                 "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}
    return {"Version": "2012-10-17", "Statement": [statement] + ([extra] if extra else [])}


@pytest.mark.parametrize("policies, expected", [
    ({"staging-gone-ecs-passrole": passrole(GONE, GONE_EXEC)},
     {"delete": ["staging-gone-ecs-passrole"], "edit": {}, "named": {"staging-gone-ecs-passrole": [GONE_EXEC, GONE]}}),
    ({"staging-gone-ecs-passrole": passrole(GONE, action=["IAM:PassRole"])},
     {"delete": ["staging-gone-ecs-passrole"], "edit": {}, "named": {"staging-gone-ecs-passrole": [GONE]}}),
    ({"mixed": passrole(GONE, KEPT)}, {"delete": [], "edit": {"mixed": [GONE]}, "named": {"mixed": [GONE]}}),
    ({"more": passrole(GONE, action=["iam:PassRole", "iam:GetRole"])}, {"delete": [], "edit": {"more": [GONE]}, "named": {"more": [GONE]}}),
    ({"two": passrole(GONE, extra={"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})},
     {"delete": [], "edit": {"two": [GONE]}, "named": {"two": [GONE]}}),
    ({"staging-ecs-passrole": passrole("arn:aws:iam::111111111111:role/ecs/staging/*")}, {"delete": [], "edit": {}, "named": {}}),
    ({"staging-kept-ecs-passrole": passrole(KEPT)}, {"delete": [], "edit": {}, "named": {}}),
])
def test_passrole_policies_deletes_only_a_policy_that_passes_pruned_roles_and_nothing_else(policies, expected):
    assert passrole_policies(policies, [GONE, GONE_EXEC]) == expected
