"""playbooks/verify.yml: prints every out-of-band difference of the live roles and fails; passes when none; never writes."""

import json

import pytest

from test_ecs_task_execution_role import local_aws  # noqa: F401  pylint: disable=unused-import  # moto with AWS managed policies

pytestmark = pytest.mark.integration

ON = {"ecs_iam_deploy_execution_role": True}
TASK_ROLE = "staging-cerpac-ecs-task-role"
EXECUTION_ROLE = "staging-cerpac-ecs-task-execution-role"
MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def test_verify_passes_on_converged_roles_and_writes_nothing(playbook):
    assert playbook("deploy.yml", "staging", extra_vars=ON).rc == 0
    run = playbook("verify.yml", "staging", extra_vars=ON)
    assert run.rc == 0, run.output
    assert "The roles match the inventory." in run.stdout
    assert run.writes == []


def test_verify_reports_missing_roles(playbook):
    run = playbook("verify.yml", "staging", extra_vars=ON)
    assert run.rc != 0
    assert f"{TASK_ROLE}: does not exist" in run.stdout and f"{EXECUTION_ROLE}: does not exist" in run.stdout
    assert run.writes == []


def test_verify_prints_each_out_of_band_difference_and_fails(playbook, iam):
    assert playbook("deploy.yml", "staging", extra_vars=ON).rc == 0
    iam.update_assume_role_policy(RoleName=TASK_ROLE, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.tag_role(RoleName=TASK_ROLE, Tags=[{"Key": "Owner", "Value": "someone"}])
    iam.put_role_policy(RoleName=EXECUTION_ROLE, PolicyName="added-by-hand",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    iam.delete_role_policy(RoleName=EXECUTION_ROLE, PolicyName="ecs-startup-secrets")
    iam.detach_role_policy(RoleName=EXECUTION_ROLE, PolicyArn=MANAGED)

    run = playbook("verify.yml", "staging", extra_vars=ON)
    assert run.rc != 0
    assert run.writes == []
    for line in (f"{TASK_ROLE}: trust_policy is", f"{TASK_ROLE}: tag Owner=\"someone\" is not declared",
                 f"{EXECUTION_ROLE}: inline policy added-by-hand is not declared", f"{EXECUTION_ROLE}: inline policy ecs-startup-secrets is missing",
                 f"{EXECUTION_ROLE}: managed policy {MANAGED}"):
        assert line in run.stdout, line
    assert "5 difference(s)" in run.output

    assert playbook("deploy.yml", "staging", extra_vars=ON).rc == 0
    assert playbook("verify.yml", "staging", extra_vars=ON).rc == 0


def test_verify_of_the_task_role_alone(playbook, iam):
    assert playbook("deploy.yml", "staging").rc == 0
    assert playbook("verify.yml", "staging").rc == 0
    iam.tag_role(RoleName=TASK_ROLE, Tags=[{"Key": "Environment", "Value": "production"}])
    run = playbook("verify.yml", "staging")
    assert run.rc != 0
    assert f'{TASK_ROLE}: tag Environment is "production", declared "staging"' in run.stdout


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
