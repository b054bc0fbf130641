"""The ecs_task_execution_role role through playbooks/deploy.yml, against moto over HTTP, read back with boto3.

One application of the staging inventory (--limit cerpac): its task role and its task execution role.
"""

import json
import re

import pytest

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"
NAME = "staging-cerpac-ecs-task-execution-role"
TASK_ROLE = "staging-cerpac-ecs-task-role"
MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
ONE_APPLICATION = ("--limit", "cerpac")


def deploy(playbook, *args, **extra_vars):
    return playbook("deploy.yml", "staging", *ONE_APPLICATION, *args, extra_vars=extra_vars or None)


def read_role(iam, name=NAME):
    role = iam.get_role(RoleName=name)["Role"]
    inline = {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"] for p in iam.list_role_policies(RoleName=name)["PolicyNames"]}
    attached = sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"])
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
    return role, inline, attached, tags


def role_names(iam):
    return sorted(r["RoleName"] for r in iam.list_roles()["Roles"])


def test_deploy_creates_both_roles_prints_both_and_a_rerun_changes_nothing(playbook, iam):
    first = deploy(playbook)
    assert first.rc == 0, first.output
    assert role_names(iam) == [NAME, TASK_ROLE]

    role, inline, attached, tags = read_role(iam)
    task_role = iam.get_role(RoleName=TASK_ROLE)["Role"]
    assert role["AssumeRolePolicyDocument"] == task_role["AssumeRolePolicyDocument"]  # one trust policy builder
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/ecs/staging/{NAME}"  # the task role's path (ecs_iam_path)
    assert tags == {"Application": "cerpac", "Environment": "staging", "ManagedBy": "Ansible", "Module": "ecs_task_execution_role"}
    assert attached == []  # the inventory names its repository and log group: scoped policies instead of MANAGED
    assert inline["grants-ecr"]["Statement"][0]["Resource"] == [f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/cerpac"]
    assert inline["grants-logs"]["Statement"][0]["Resource"] == [f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/ecs/staging/cerpac:log-stream:*"]
    startup = {name: document for name, document in inline.items() if not name.startswith("grants-")}
    assert startup == {"ecs-startup-secrets": {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadStartupSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": [f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:staging/cerpac/*"]},
        {"Sid": "ReadStartupParameters", "Effect": "Allow", "Action": "ssm:GetParameters",
         "Resource": [f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/cerpac/staging/*"]},
    ]}}
    assert f"task role {TASK_ROLE}: {task_role['Arn']}; task execution role {NAME}: {role['Arn']}" in " ".join(first.stdout.split())

    again = deploy(playbook)
    assert again.rc == 0, again.output
    assert again.changed == 0, again.stdout
    assert again.writes == []


def test_secrets_by_name_and_kms_key_render_the_narrowest_statements(playbook, iam):
    key = "1234abcd-12ab-34cd-56ef-1234567890ab"
    run = deploy(playbook, ecs_task_execution_role_secrets=["staging/cerpac/db"], ecs_task_execution_role_parameters=["/cerpac/staging/api-key"],
                 ecs_task_execution_role_kms_keys=[key])
    assert run.rc == 0, run.output
    dummy, inline, dummy_attached, dummy_tags = read_role(iam)
    statements = {s["Sid"]: s for s in inline["ecs-startup-secrets"]["Statement"]}
    assert statements["ReadStartupSecrets"]["Resource"] == [f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:staging/cerpac/db-??????"]
    assert statements["ReadStartupParameters"]["Resource"] == [f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/cerpac/staging/api-key"]
    assert statements["DecryptStartupSecrets"] == {
        "Sid": "DecryptStartupSecrets", "Effect": "Allow", "Action": "kms:Decrypt",
        "Resource": [f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{key}"],
        "Condition": {"StringEquals": {"kms:ViaService": ["secretsmanager.eu-west-1.amazonaws.com", "ssm.eu-west-1.amazonaws.com"]}},
    }


def test_without_secrets_repositories_or_log_groups_there_is_no_inline_policy_and_the_managed_policy_stays(playbook, iam):
    run = deploy(playbook, ecs_task_execution_role_secrets=[], ecs_task_execution_role_parameters=[], ecs_task_execution_role_image_repositories=[],
                 ecs_task_execution_role_log_groups=[])
    assert run.rc == 0, run.output
    dummy, inline, attached, dummy_tags = read_role(iam)
    assert inline == {} and attached == [MANAGED]
    # Accepted with its built-in reason, which says how to scope the role, on every run.
    assert ("cerpac: ecs_task_execution_role: accepted (the AWS managed AmazonECSTaskExecutionRolePolicy pulls images from every "
            "repository and writes to every log group of the account") in " ".join(run.stdout.split())


def test_check_mode_and_diff_show_the_managed_policy_the_tags_and_the_secrets_policy(playbook, iam):
    run = deploy(playbook, "--check", "--diff")
    assert run.rc == 0, run.output
    assert run.changed == 2
    assert run.writes == []
    assert role_names(iam) == []
    assert f"task execution role {NAME}: arn:aws:iam::{ACCOUNT}:role/ecs/staging/{NAME}" in " ".join(run.stdout.split())
    # The task role's report comes first, the execution role's second.
    diff = run.stdout.split("Report this application's changes")[2].split("TASK [", 1)[0]
    for pattern in (r"ecr:BatchGetImage", r"Module\W+ecs_task_execution_role", r"ecs-startup-secrets",
                    r"secretsmanager:GetSecretValue", r"ecs-tasks\.amazonaws\.com"):
        assert re.search(r"^\+.*" + pattern, diff, re.M), pattern


def test_drift_is_reverted(playbook, iam):
    assert deploy(playbook).rc == 0
    iam.attach_role_policy(RoleName=NAME, PolicyArn=MANAGED)
    iam.delete_role_policy(RoleName=NAME, PolicyName="grants-ecr")
    iam.put_role_policy(RoleName=NAME, PolicyName="added-by-hand",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    # (A Module tag of another role kind says another owner's role: refused, test_role_plan_module.py.)
    iam.tag_role(RoleName=NAME, Tags=[{"Key": "Owner", "Value": "someone"}])
    run = deploy(playbook)
    assert run.rc == 0, run.output
    assert f"IAM role {NAME}: inline policy 'added-by-hand' is not declared; it will be removed" in " ".join(run.output.split())
    dummy, inline, attached, tags = read_role(iam)
    assert sorted(inline) == ["ecs-startup-secrets", "grants-ecr", "grants-logs"] and attached == [] and "Owner" not in tags
    again = deploy(playbook)
    assert again.changed == 0 and again.writes == []


def test_absent_removes_only_the_execution_role_and_a_second_absent_changes_nothing(playbook, iam):
    assert deploy(playbook).rc == 0
    check = deploy(playbook, "--check", ecs_task_execution_role_state="absent")
    assert check.rc == 0 and check.changed == 1 and check.writes == []
    assert NAME in role_names(iam)

    gone = deploy(playbook, ecs_task_execution_role_state="absent")
    assert gone.rc == 0, gone.output
    assert role_names(iam) == [TASK_ROLE]
    assert sorted(set(gone.writes)) == ["DeleteRole", "DeleteRolePolicy"]

    again = deploy(playbook, ecs_task_execution_role_state="absent")
    assert again.rc == 0 and again.changed == 0 and again.writes == []


def test_the_application_absent_removes_both_roles(playbook, iam):
    assert deploy(playbook).rc == 0
    gone = deploy(playbook, ecs_task_role_state="absent")
    assert gone.rc == 0, gone.output
    assert role_names(iam) == []


def test_an_other_account_is_refused_before_any_write(playbook, iam):
    run = deploy(playbook, ecs_task_execution_role_account_id="999999999999")
    assert run.rc != 0
    # Issue 21 item 6: the task role used to be written first (this test expected its CreateRole); every role's account
    # is now settled for every application before any AWS call.
    assert ('host cerpac, ecs_task_execution_role_account_id="999999999999": differs from the account of the application\'s task role '
            '(123456789012)') in " ".join(run.output.split())
    assert run.calls.actions == [], run.calls
    assert role_names(iam) == []


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES  # pylint: disable=import-outside-toplevel

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls


def test_an_execution_role_moves_from_the_aws_managed_policy_to_its_scoped_policies(playbook, iam):
    """The upgrade path (changelog): deployed unscoped, then the inventory names its repositories and log groups."""
    unscoped = deploy(playbook, ecs_task_execution_role_image_repositories=[], ecs_task_execution_role_log_groups=[])
    assert unscoped.rc == 0, unscoped.output
    assert read_role(iam)[2] == [MANAGED]
    repositories = ["cerpac/api", "arn:aws:ecr:us-east-1:999999999999:repository/base/python"]
    groups = ["/ecs/staging/cerpac-api", "/ecs/staging/cerpac-sidecar"]
    scoped = deploy(playbook, ecs_task_execution_role_image_repositories=repositories, ecs_task_execution_role_log_groups=groups)
    assert scoped.rc == 0, scoped.output
    dummy, inline, attached, dummy_tags = read_role(iam)
    assert attached == []
    assert inline["grants-ecr"] == {"Version": "2012-10-17", "Statement": [
        {"Sid": "EcrPullRepositories0", "Effect": "Allow",
         "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
         "Resource": [f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/cerpac/api"]},
        {"Sid": "EcrPullRepositories1", "Effect": "Allow",
         "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
         "Resource": ["arn:aws:ecr:us-east-1:999999999999:repository/base/python"]},
        {"Sid": "EcrPullAuthToken", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"]},
    ]}
    assert inline["grants-logs"] == {"Version": "2012-10-17", "Statement": [
        {"Sid": "LogsWriteStreams2", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:{group}:log-stream:*" for group in groups]},
    ]}
    assert "DetachRolePolicy" in scoped.writes
