"""Which variables only a run of the collection sets (plugins/plugin_utils/_run_state.py): the inventory and -e may
set none of them (declare_role refuses), and the roles' inputs are none of them."""

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._role_specs import owned_variables
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._run_state import is_run_state


@pytest.mark.parametrize("name", [
    "ecs_task_role_outputs", "ecs_task_execution_role_outputs", "ecs_deployer_passrole_outputs",
    "__ecs_task_role_declared_inputs", "__ecs_task_execution_role_declared_inputs",
    "ecs_iam_caller", "ecs_iam_environment", "__ecs_iam_owned", "__ecs_iam_environment", "__ecs_iam_internal_declared",
    "_ecs_iam_internal_published", "__ecs_deployer_passrole_caller",
])
def test_what_a_run_sets_is_run_state(name):
    assert is_run_state(name)


@pytest.mark.parametrize("name", [
    "ecs_task_role_grants", "ecs_task_role_env", "ecs_iam_deploy_execution_role", "ecs_iam_requests_per_second",
    "ecs_iam_lock", "ecs_iam_prune", "aws_region", "ecs_task_role_outputs_extra", "_ecs_task_role_inputs",
])
def test_inputs_are_not_run_state(name):
    assert not is_run_state(name)


def test_no_input_of_any_role_is_run_state():
    owned = owned_variables()
    inputs = [name for prefix, names in owned.items() for name in names if not name.endswith("_outputs")]
    assert len(inputs) > 40
    assert [name for name in inputs if is_run_state(name) and name not in ("ecs_iam_caller", "ecs_iam_environment", "ecs_iam_access_application")] == []
