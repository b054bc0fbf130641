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
    iam.attach_role_policy(RoleName=EXECUTION_ROLE, PolicyArn=MANAGED)  # the shipped inventories scope the execution role
    iam.tag_role(RoleName=WORKER, Tags=[{"Key": "Environment", "Value": "production"}])

    run = playbook("verify.yml", "staging", extra_vars={"access_page": str(tmp_path / "live")})
    assert run.rc != 0
    assert run.writes == []
    flat = " ".join(run.stdout.split())
    for line in (f"{TASK_ROLE}: trust policy lacks the declared statement: ", f'{TASK_ROLE}: tag Owner="someone" is not declared',
                 f"{EXECUTION_ROLE}: inline policy added-by-hand is not declared", f"{EXECUTION_ROLE}: inline policy ecs-startup-secrets is missing",
                 f"{EXECUTION_ROLE}: managed policy {MANAGED} is attached but not declared",
                 f'{WORKER}: tag Environment is "production", declared "staging"',
                 # Said first, as the role's first difference: deploy.yml would refuse to write it (another environment's tag).
                 f'IAM role {WORKER}: its tag Environment is "production", and this inventory deploys "staging"'):
        assert line in flat, line
    assert "6 difference(s)" in flat and "2 difference(s)" in flat, run.output
    # Readable lines (not a Python list of one-line JSON); the diff names the role and its sides.
    assert f"worker: 2 difference(s) between AWS and the inventory:\n- IAM role {WORKER}: its tag Environment is" in run.stdout, run.stdout
    assert "['" not in run.stdout
    assert run.changed == 1  # the access page it writes; no role is reported changed
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


PASSROLE_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]})


def test_verify_judges_the_deployers_passrole_policy_reads_only_and_speaks_in_the_present(playbook, iam):
    """A PassRole widened by hand fails verify (issue 21, item 4), as the environment's (no application is blamed for
    it); verify changes nothing (changed=0) and says what is different, not what a deploy would do."""
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=PASSROLE_TRUST)
    deployer = {"ecs_deployer_passrole_role_name": "deployer"}
    assert playbook("deploy.yml", "staging", extra_vars=deployer).rc == 0
    run = playbook("verify.yml", "staging", extra_vars=deployer)
    assert run.rc == 0 and run.changed == 0, run.output
    assert "The deployer's PassRole policy matches the inventory." in run.stdout

    widened = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}
    iam.put_role_policy(RoleName="deployer", PolicyName="staging-ecs-passrole", PolicyDocument=json.dumps(widened))
    iam.put_role_policy(RoleName=EXECUTION_ROLE, PolicyName="added-by-hand", PolicyDocument=json.dumps(widened))
    run = playbook("verify.yml", "staging", extra_vars=deployer)
    assert run.rc != 0
    assert run.writes == [] and run.changed == 0, run.output
    flat = " ".join(run.stdout.split())
    assert ('the environment\'s deployer: 2 difference(s) between AWS and the inventory: - deployer role deployer: inline policy '
            'staging-ecs-passrole has a statement not declared: {"Action": ["iam:PassRole"], "Effect": "Allow", "Resource": ["*"]}') in flat, run.output
    assert "fatal: [localhost]" in run.stdout and "The roles of worker match the inventory." in run.stdout
    assert f"cerpac: 1 difference(s) between AWS and the inventory: - {EXECUTION_ROLE}: inline policy added-by-hand is not declared" in flat
    assert "will be" not in run.stdout and "would be" not in run.stdout  # stderr carries third-party deprecation warnings


def test_verify_judges_each_applications_own_passrole_policy(playbook, iam, make_inventory):
    """One policy per application (roles at /): the application whose policy was widened fails, not another."""
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=PASSROLE_TRUST)
    deployer = {"ecs_deployer_passrole_role_name": "deployer"}
    widened = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}
    inventory = make_inventory(group_vars={"ecs_task_role_path": "/", "ecs_deployer_passrole_role_paths": [], **deployer})
    assert playbook("deploy.yml", str(inventory)).rc == 0
    iam.put_role_policy(RoleName="deployer", PolicyName="staging-worker-ecs-passrole", PolicyDocument=json.dumps(widened))
    run = playbook("verify.yml", str(inventory))
    assert run.rc != 0 and run.changed == 0 and run.writes == [], run.output
    flat = " ".join(run.stdout.split())
    assert ("worker: 2 difference(s) between AWS and the inventory: - deployer role deployer: inline policy staging-worker-ecs-passrole "
            'has a statement not declared: {"Action": ["iam:PassRole"], "Effect": "Allow", "Resource": ["*"]}') in flat, run.output
    assert "fatal: [worker]" in run.stdout and "fatal: [cerpac]" not in run.stdout


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES  # pylint: disable=import-outside-toplevel

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
