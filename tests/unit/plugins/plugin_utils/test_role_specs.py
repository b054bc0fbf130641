# -*- coding: utf-8 -*-
"""The variables the collection owns: a run option of a playbook (-e ecs_iam_prune=true) is never refused as a typo."""

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._role_specs import owned_variables


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
