"""A staging inventory can never change a production role, nor grant access to production's resources.

Three guards, each tested for the task role, the task execution role and (where it applies) the deployer's PassRole
policy, through the real inventories: the account guard (credentials of another account than the inventory's are
refused before any write), CROSS_ENVIRONMENT (a grant naming another environment's resource is refused before any
AWS call), and the role-name prefix (a role name that does not start with the inventory's environment is refused,
for state=absent as well, so a staging run cannot delete a production role either).
"""

import json
import pathlib
import shutil

import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999999999999"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
PRODUCTION_TASK_ROLE = "production-cerpac-ecs-task-role"
PRODUCTION_EXECUTION_ROLE = "production-cerpac-ecs-task-execution-role"


def role_names(iam):
    return sorted(role["RoleName"] for role in iam.list_roles()["Roles"])


def execution_role_playbook(tmp_path):
    """The task execution role on its own, for the inventory's hosts (deploy.yml runs the task role first)."""
    path = tmp_path / "execution_role.yml"
    path.write_text(yaml.safe_dump([{"name": "Task execution role", "hosts": "ecs_iam", "gather_facts": False,
                                     "tasks": [{"ansible.builtin.include_role": {"name": "cerpac.ecs_iam.ecs_task_execution_role"}}]}]))
    return str(path)


def inventory_with(tmp_path, env, values):
    """A copy of inventories/<env> with `values` added to its group_vars, as an inventory author would write them."""
    inventory = tmp_path / env
    shutil.copytree(REPO / "inventories" / env, inventory)
    (inventory / "group_vars" / "all" / "zz_test.yml").write_text(yaml.safe_dump(values))
    return str(inventory)


# (a) The account guard ----------------------------------------------------------------------------------------------

def test_the_task_role_refuses_another_account_in_check_mode_too(playbook, iam):
    run = playbook("deploy.yml", "staging", "--check", extra_vars={"ecs_task_role_account_id": OTHER_ACCOUNT})
    assert run.rc != 0
    assert OTHER_ACCOUNT in run.output and ACCOUNT in run.output
    assert run.writes == []
    assert role_names(iam) == []


@pytest.mark.parametrize("state", ["present", "absent"])
def test_the_execution_role_refuses_another_account_before_any_write(state, playbook, iam, tmp_path):
    name = "staging-cerpac-ecs-task-execution-role"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    run = playbook(execution_role_playbook(tmp_path), "staging",
                   extra_vars={"ecs_task_execution_role_account_id": OTHER_ACCOUNT, "ecs_task_execution_role_state": state})
    assert run.rc != 0
    assert OTHER_ACCOUNT in run.output and ACCOUNT in run.output
    assert run.writes == [], run.calls
    assert role_names(iam) == [name]
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []


# (b) CROSS_ENVIRONMENT ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "extra_vars",
    [
        {"ecs_task_role_grants": [{"service": "s3", "access": ["read"], "resources": ["production-cerpac-uploads"]}]},
        {"ecs_task_role_policies": [{"name": "uploads", "document": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::production-cerpac-uploads/*"}]}}]},
        {"ecs_task_role_grants": [{"service": "ssm", "access": ["read"], "resources": ["/production/myapp/"]}]},
    ],
    ids=["grant", "inline-policy", "ssm-path"],
)
def test_a_staging_task_role_cannot_reach_a_production_resource(extra_vars, playbook, iam):
    run = playbook("deploy.yml", "staging", extra_vars=extra_vars)
    assert run.rc != 0
    assert "CROSS_ENVIRONMENT" in run.output and "production" in run.output
    assert run.calls.actions == [], run.calls  # refused before the first AWS call
    assert role_names(iam) == []


def test_a_staging_execution_role_cannot_inject_a_production_secret(playbook, iam, tmp_path):
    run = playbook(execution_role_playbook(tmp_path), "staging", extra_vars={"ecs_task_execution_role_secrets": ["production/cerpac/*"]})
    assert run.rc != 0
    assert "CROSS_ENVIRONMENT" in run.output and "production/cerpac" in run.output
    assert run.calls.actions == [], run.calls
    assert role_names(iam) == []


@pytest.mark.parametrize("env", ["staging", "production"])
def test_preproduction_is_not_production(env, playbook, tmp_path):
    """A whole word only: preproduction-... names neither production (nor preprod); render.yml makes no AWS call."""
    grants = [{"service": "s3", "access": ["read"], "resources": ["preproduction-cerpac-uploads"]}]
    run = playbook("render.yml", env, extra_vars={"ecs_task_role_grants": grants, "render_dir": str(tmp_path)})
    assert run.rc == 0, run.output
    assert "CROSS_ENVIRONMENT" not in run.output
    assert "arn:aws:s3:::preproduction-cerpac-uploads/*" in (tmp_path / env / "policy-grants-s3.json").read_text()
    assert run.calls.actions == []


# (c) The role name starts with the inventory's environment ----------------------------------------------------------

@pytest.mark.parametrize("state", ["present", "absent"])
def test_a_staging_inventory_cannot_touch_the_production_task_role(state, playbook, iam):
    assert playbook("deploy.yml", "production").rc == 0
    before = iam.get_role(RoleName=PRODUCTION_TASK_ROLE)["Role"]
    policies = iam.list_role_policies(RoleName=PRODUCTION_TASK_ROLE)["PolicyNames"]

    run = playbook("deploy.yml", "staging", extra_vars={"ecs_task_role_name": PRODUCTION_TASK_ROLE, "ecs_task_role_state": state})
    assert run.rc != 0
    assert "ecs_task_role_name" in run.output and 'must start with "staging-"' in run.output
    assert run.calls.actions == [], run.calls
    assert iam.get_role(RoleName=PRODUCTION_TASK_ROLE)["Role"] == before
    assert iam.list_role_policies(RoleName=PRODUCTION_TASK_ROLE)["PolicyNames"] == policies


@pytest.mark.parametrize("state", ["present", "absent"])
def test_a_staging_inventory_cannot_touch_the_production_execution_role(state, playbook, iam, tmp_path):
    iam.create_role(RoleName=PRODUCTION_EXECUTION_ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))
    run = playbook(execution_role_playbook(tmp_path), "staging",
                   extra_vars={"ecs_task_execution_role_name": PRODUCTION_EXECUTION_ROLE, "ecs_task_execution_role_state": state})
    assert run.rc != 0
    assert "ecs_task_execution_role_name" in run.output and 'must start with "staging-"' in run.output
    assert run.calls.actions == [], run.calls
    assert role_names(iam) == [PRODUCTION_EXECUTION_ROLE]


@pytest.mark.parametrize("state", ["present", "absent"])
def test_the_execution_role_environment_cannot_differ_from_the_inventory(state, playbook, iam, tmp_path):
    """The staging inventory names its environment once (ecs_task_role_env); the execution role may not claim another."""
    iam.create_role(RoleName=PRODUCTION_EXECUTION_ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))
    run = playbook(execution_role_playbook(tmp_path), "staging",
                   extra_vars={"ecs_task_execution_role_env": "production", "ecs_task_execution_role_state": state})
    assert run.rc != 0
    assert "ecs_task_execution_role_env" in run.output and "ecs_task_role_env" in run.output and "staging" in run.output
    assert run.calls.actions == [], run.calls
    assert role_names(iam) == [PRODUCTION_EXECUTION_ROLE]


def test_a_staging_inventory_cannot_redirect_the_passrole_policy(playbook, iam, tmp_path):
    """deploy.yml sets the PassRole policy's name and roles from the environment's own roles, above inventory values:
    a staging inventory that names production's policy and roles still writes only its own policy, for its own role."""
    iam.create_role(RoleName="ci-deployer", AssumeRolePolicyDocument=json.dumps(TRUST))
    production_arn = f"arn:aws:iam::{ACCOUNT}:role/{PRODUCTION_TASK_ROLE}"
    inventory = inventory_with(tmp_path, "staging", {
        "ecs_deployer_passrole_role_name": "ci-deployer",
        "ecs_deployer_passrole_policy_name": "production-cerpac-ecs-passrole",
        "ecs_deployer_passrole_role_arns": [production_arn],
    })
    run = playbook("deploy.yml", inventory)
    assert run.rc == 0, run.output
    assert iam.list_role_policies(RoleName="ci-deployer")["PolicyNames"] == ["staging-cerpac-ecs-passrole"]
    document = iam.get_role_policy(RoleName="ci-deployer", PolicyName="staging-cerpac-ecs-passrole")["PolicyDocument"]
    assert production_arn not in json.dumps(document)
    assert f"arn:aws:iam::{ACCOUNT}:role/staging-cerpac-ecs-task-role" in json.dumps(document)


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` and `calls.actions == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
