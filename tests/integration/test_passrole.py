"""The deployer's iam:PassRole policy: rendered offline (golden files), attached inline to a deployer role or user."""

import json
import os
import pathlib
import shutil

import pytest

from test_ecs_task_execution_role import local_aws  # noqa: F401  pylint: disable=unused-import  # moto with AWS managed policies

pytestmark = pytest.mark.integration

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden" / "passrole"
ACCOUNT = "123456789012"
ON = {"ecs_iam_deploy_execution_role": True}
TRUST = json.dumps({"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})


@pytest.mark.parametrize("env", ["staging", "production"])
@pytest.mark.parametrize("with_execution_role", [True, False], ids=["both-roles", "task-role-only"])
def test_render_writes_the_golden_passrole_policy_and_calls_no_aws(env, with_execution_role, playbook, tmp_path):
    run = playbook("render.yml", env, extra_vars={"render_dir": str(tmp_path), "ecs_iam_deploy_execution_role": with_execution_role})
    assert run.rc == 0, run.output
    assert len(run.calls) == 0, run.calls
    out = tmp_path / env / "passrole-policy.json"
    golden = GOLDEN / ("both-roles" if with_execution_role else "task-role-only") / env / "passrole-policy.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, golden)
    assert out.read_text() == golden.read_text()

    statement, = json.loads(out.read_text())["Statement"]
    roles = [f"arn:aws:iam::{ACCOUNT}:role/{env}-cerpac-ecs-task-role"]
    if with_execution_role:
        roles.insert(0, f"arn:aws:iam::{ACCOUNT}:role/{env}-cerpac-ecs-task-execution-role")
    assert statement == {"Sid": "PassEcsTaskRolesToEcsTasksOnly", "Effect": "Allow", "Action": "iam:PassRole", "Resource": roles,
                         "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}


@pytest.mark.parametrize("kind", ["role", "user"])
def test_attached_inline_to_the_deployer_check_diff_idempotent_and_absent(kind, playbook, iam):
    if kind == "role":
        iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST)
    else:
        iam.create_user(UserName="deployer")

    def read():
        if kind == "role":
            names = iam.list_role_policies(RoleName="deployer")["PolicyNames"]
            return {p: iam.get_role_policy(RoleName="deployer", PolicyName=p)["PolicyDocument"] for p in names}
        names = iam.list_user_policies(UserName="deployer")["PolicyNames"]
        return {p: iam.get_user_policy(UserName="deployer", PolicyName=p)["PolicyDocument"] for p in names}

    deployer = dict(ON, **{f"ecs_deployer_passrole_{kind}_name": "deployer"})

    check = playbook("deploy.yml", "staging", "--check", "--diff", extra_vars=deployer)
    assert check.rc == 0, check.output
    assert check.writes == [] and read() == {}
    assert "iam:PassedToService" in check.stdout  # the diff shows the policy to be put

    first = playbook("deploy.yml", "staging", extra_vars=deployer)
    assert first.rc == 0, first.output
    policies = read()
    assert list(policies) == ["staging-cerpac-ecs-passrole"]
    assert sorted(policies["staging-cerpac-ecs-passrole"]["Statement"][0]["Resource"]) == [
        f"arn:aws:iam::{ACCOUNT}:role/staging-cerpac-ecs-task-execution-role", f"arn:aws:iam::{ACCOUNT}:role/staging-cerpac-ecs-task-role"]

    again = playbook("deploy.yml", "staging", extra_vars=deployer)
    assert again.rc == 0 and again.changed == 0 and again.writes == []

    absent = dict(deployer, ecs_deployer_passrole_state="absent")
    gone = playbook("deploy.yml", "staging", extra_vars=absent)
    assert gone.rc == 0, gone.output
    assert read() == {}
    assert gone.writes == ["DeleteRolePolicy" if kind == "role" else "DeleteUserPolicy"]
    assert playbook("deploy.yml", "staging", extra_vars=absent).writes == []


@pytest.mark.parametrize(
    "extra_vars, field",
    [
        ({"ecs_deployer_passrole_role_name": "nobody-here"}, "ecs_deployer_passrole_role_name"),
        ({"ecs_deployer_passrole_role_name": "a", "ecs_deployer_passrole_user_name": "b"}, "ecs_deployer_passrole_user_name"),
        ({"ecs_deployer_passrole_user_name": "bad name"}, "ecs_deployer_passrole_user_name"),
    ],
)
def test_bad_deployer_input_names_the_field_and_attaches_nothing(extra_vars, field, playbook, iam):
    run = playbook("deploy.yml", "staging", extra_vars=extra_vars)
    assert run.rc != 0
    assert field in run.output
    # The deployer's inputs are checked once the roles' ARNs are known, after both roles converged.
    assert "PutUserPolicy" not in run.writes
    assert sorted(r["RoleName"] for r in iam.list_roles()["Roles"]) == ["staging-cerpac-ecs-task-execution-role", "staging-cerpac-ecs-task-role"]


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` and `len(run.calls) == 0` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
