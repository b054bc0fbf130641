# -*- coding: utf-8 -*-
"""The variables the collection owns: a run option of a playbook (-e ecs_iam_prune=true) is never refused as a typo."""

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._role_specs import entry_point_options
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._role_specs import owned_variables
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._role_specs import spec_errors


@pytest.mark.parametrize("name", [
    "ecs_iam_prune",             # playbooks/vars/leftovers.yml: -e ecs_iam_prune=true
    "ecs_iam_lock",              # playbooks/vars/leftovers.yml: -e ecs_iam_lock=s3://bucket/key
    "ecs_iam_deploy_execution_role",
    "ecs_iam_env",               # playbooks/vars/environment.yml
    "ecs_iam_environment",       # set by playbooks/tasks/environment.yml before a later role's check reads the names
    "ecs_iam_caller",
])
def test_every_playbook_variable_is_owned(name):
    assert name in owned_variables()["ecs_iam_"]


@pytest.mark.parametrize("name", ["ecs_iam_prun", "ecs_iam_locks", "ecs_iam_deploy_execution_rol"])
def test_a_typo_is_not_owned(name):
    assert name not in owned_variables()["ecs_iam_"]


# Every entry point takes main's options, declared once on main; declare_role validates them for every entry point with
# ansible-core's validator (the messages ansible-core gives for an entry point's own options).
TASK_ROLE = {"ecs_task_role_env": "staging", "ecs_task_role_account_id": "123456789012"}


@pytest.mark.parametrize("role, values, errors", [
    ("ecs_task_role", TASK_ROLE, []),
    # -e gives strings: a boolean or an integer as text is what the argument spec accepts
    ("ecs_task_role", {**TASK_ROLE, "ecs_task_role_adopt": "true", "ecs_task_role_max_session_duration": "3600"}, []),
    # an input the inventory left undefined reaches declare_role as None: missing, as ansible-core sees it
    ("ecs_task_role", {**TASK_ROLE, "ecs_task_role_env": None}, ["missing required arguments: ecs_task_role_env"]),
    ("ecs_task_role", {**TASK_ROLE, "ecs_task_role_adopt": "maybe"},
     ["argument 'ecs_task_role_adopt' is of type str and we were unable to convert to bool: The value 'maybe' is not a valid boolean."]),
    ("ecs_task_role", {**TASK_ROLE, "ecs_task_role_max_session_duration": "many"},
     ["argument 'ecs_task_role_max_session_duration' is of type str and we were unable to convert to int: \"'many'\" cannot be converted to an int"]),
    ("ecs_task_role", {**TASK_ROLE, "ecs_task_role_state": "gone"},
     ["value of ecs_task_role_state must be one of: present, absent, got: gone"]),
    ("ecs_task_role", {**TASK_ROLE, "ecs_task_role_grants": ["s3"]},
     ["Elements value for option 'ecs_task_role_grants' is of type str and we were unable to convert to dict: dictionary requested, "
      "could not parse JSON or key=value"]),
    ("ecs_task_role", {**TASK_ROLE, "ecs_task_role_policies": [{"name": "uploads"}]},
     ["missing required arguments: document found in ecs_task_role_policies"]),
    ("ecs_task_role", {**TASK_ROLE, "ecs_task_role_grant_exceptions": [{"code": "RESOURCE_STAR", "reason": "r", "resorce": "*"}]},
     ["ecs_task_role_grant_exceptions.resorce. Supported parameters include: action, code, policy, reason, resource, sid."]),
    # names that are not options are the unknown-variable check's, not the validator's
    ("ecs_task_role", {**TASK_ROLE, "ecs_task_role_acount_id": "1"}, []),
    ("ecs_task_execution_role", {"ecs_task_execution_role_validate_fail_on": "always"},
     ["value of ecs_task_execution_role_validate_fail_on must be one of: error, warning, never, got: always"]),
    ("ecs_deployer_passrole", {"ecs_deployer_passrole_required_role_arns": {"a": 1}},
     ["argument 'ecs_deployer_passrole_required_role_arns' is of type dict and we were unable to convert to list: <class 'dict'> cannot be "
      "converted to a list"]),
])
def test_spec_errors_validate_mains_options(role, values, errors):
    # ansible-core lists the valid booleans from a set, in no fixed order: compare what comes before them
    assert [error.split(" Valid booleans include:")[0] for error in spec_errors(role, values)] == errors


@pytest.mark.parametrize("role, entry_point, added", [
    ("ecs_task_role", "check", []),
    ("ecs_task_role", "converge", []),
    ("ecs_task_role", "verify", []),
    ("ecs_task_role", "render", ["ecs_task_role_render_dir"]),
    ("ecs_task_execution_role", "render", ["ecs_task_execution_role_render_dir"]),
    ("ecs_deployer_passrole", "check", []),
    ("ecs_deployer_passrole", "render", ["ecs_deployer_passrole_render_dir"]),
])
def test_every_entry_point_takes_mains_options(role, entry_point, added):
    main = entry_point_options(role)
    assert "%s_state" % role in main and "%s_render_dir" % role not in main
    options = entry_point_options(role, entry_point)
    assert sorted(set(options) - set(main)) == added
    assert dict((name, options[name]) for name in main) == main
