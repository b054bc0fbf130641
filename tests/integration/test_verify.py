"""playbooks/verify.yml: prints each application's out-of-band differences and fails; passes when none; never writes;
with -e access_page=DIR writes the environment's access page from the live account."""

import json

import pytest

pytestmark = pytest.mark.integration

TASK_ROLE = "staging-cerpac-ecs-task-role"
EXECUTION_ROLE = "staging-cerpac-ecs-task-execution-role"
WORKER = "staging-worker-ecs-task-role"
MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def test_verify_reports_missing_roles_then_passes_on_converged_ones(playbook):
    run = playbook("verify.yml", "staging")
    assert run.rc != 0
    assert f"{TASK_ROLE}: does not exist" in run.stdout and f"{EXECUTION_ROLE}: does not exist" in run.stdout
    assert f"{WORKER}: does not exist" in run.stdout
    assert run.writes == []

    assert playbook("deploy.yml", "staging").rc == 0
    run = playbook("verify.yml", "staging")
    assert run.rc == 0, run.output
    assert "The roles of cerpac match the inventory." in run.stdout and "The roles of worker match the inventory." in run.stdout
    assert run.writes == []


def test_verify_prints_each_applications_differences_and_fails_and_the_live_page_shows_the_drift(playbook, iam, tmp_path):
    assert playbook("render.yml", "staging", extra_vars={"render_dir": str(tmp_path / "rendered")}).rc == 0
    assert playbook("deploy.yml", "staging").rc == 0
    live = playbook("verify.yml", "staging", extra_vars={"access_page": str(tmp_path / "live")})
    assert live.rc == 0, live.output
    rendered_page = (tmp_path / "rendered" / "staging" / "ACCESS.md").read_text()
    assert (tmp_path / "live" / "staging" / "ACCESS.md").read_text() == rendered_page  # after a deploy, the live page is the declared one

    iam.update_assume_role_policy(RoleName=TASK_ROLE, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.tag_role(RoleName=TASK_ROLE, Tags=[{"Key": "Owner", "Value": "someone"}])
    iam.put_role_policy(RoleName=EXECUTION_ROLE, PolicyName="added-by-hand",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                                                           "Resource": "arn:aws:s3:::shared-bucket/*"}]}))
    iam.delete_role_policy(RoleName=EXECUTION_ROLE, PolicyName="ecs-startup-secrets")
    iam.detach_role_policy(RoleName=EXECUTION_ROLE, PolicyArn=MANAGED)
    iam.tag_role(RoleName=WORKER, Tags=[{"Key": "Environment", "Value": "production"}])

    run = playbook("verify.yml", "staging", extra_vars={"access_page": str(tmp_path / "live")})
    assert run.rc != 0
    assert run.writes == []
    flat = " ".join(run.stdout.split())
    for line in (f"{TASK_ROLE}: trust_policy is", f'{TASK_ROLE}: tag Owner="someone" is not declared',
                 f"{EXECUTION_ROLE}: inline policy added-by-hand is not declared", f"{EXECUTION_ROLE}: inline policy ecs-startup-secrets is missing",
                 f"{EXECUTION_ROLE}: managed policy {MANAGED} is declared but not attached",
                 f'{WORKER}: tag Environment is "production", declared "staging"',
                 # Said first, as the role's first difference: deploy.yml would refuse to write it (another environment's tag).
                 f'IAM role {WORKER}: its tag Environment is "production", and this inventory deploys "staging"'):
        assert line in flat, line
    assert "5 difference(s)" in flat and "2 difference(s)" in flat
    assert "cerpac" in run.stdout and "fatal: [worker]" in run.stdout and "fatal: [cerpac]" in run.stdout
    page = (tmp_path / "live" / "staging" / "ACCESS.md").read_text()
    assert page != rendered_page
    assert "arn:aws:s3:::shared-bucket/*" in page and "hand-written" in page

    # A role tagged for another environment is not this inventory's to write: deploy refuses it, and converges once the
    # tag is put back by hand.
    refused = playbook("deploy.yml", "staging")
    assert refused.rc != 0 and refused.writes == []
    assert f'IAM role {WORKER}: its tag Environment is "production", and this inventory deploys "staging"' in " ".join(refused.stdout.split())
    iam.tag_role(RoleName=WORKER, Tags=[{"Key": "Environment", "Value": "staging"}])
    assert playbook("deploy.yml", "staging").rc == 0
    assert playbook("verify.yml", "staging").rc == 0


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES  # pylint: disable=import-outside-toplevel

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
