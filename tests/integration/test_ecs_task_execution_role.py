"""The ecs_task_execution_role role through playbooks/deploy.yml, against moto over HTTP, read back with boto3.

moto only knows AWS managed policies (AmazonECSTaskExecutionRolePolicy) when started with
MOTO_IAM_LOAD_MANAGED_POLICIES=true, so this module (and those that import `local_aws` from it) runs its own
server started so; the session's shared server is left as it is.
"""

import json
import os
import re
import sys

import pytest

from conftest import LocalAWS

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"
NAME = "staging-cerpac-ecs-task-execution-role"
TASK_ROLE = "staging-cerpac-ecs-task-role"
MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
ON = {"ecs_iam_deploy_execution_role": True}


@pytest.fixture(scope="module")
def local_aws(tmp_path_factory):
    """A moto server that loads AWS managed policies (replaces conftest's for the tests of this module)."""
    saved = os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    try:
        aws = LocalAWS(log_path=str(tmp_path_factory.mktemp("moto-managed") / "moto.log")).start()
    finally:
        if saved is None:
            del os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"]
        else:
            os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = saved
    yield aws
    aws.stop()


def read_role(iam, name=NAME):
    role = iam.get_role(RoleName=name)["Role"]
    inline = {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"] for p in iam.list_role_policies(RoleName=name)["PolicyNames"]}
    attached = sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"])
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
    return role, inline, attached, tags


def role_names(iam):
    return sorted(r["RoleName"] for r in iam.list_roles()["Roles"])


def test_deploy_creates_both_roles_prints_both_and_a_rerun_changes_nothing(playbook, iam):
    first = playbook("deploy.yml", "staging", extra_vars=ON)
    assert first.rc == 0, first.output
    assert role_names(iam) == [NAME, TASK_ROLE]

    role, inline, attached, tags = read_role(iam)
    task_role = iam.get_role(RoleName=TASK_ROLE)["Role"]
    assert role["AssumeRolePolicyDocument"] == task_role["AssumeRolePolicyDocument"]  # one trust template
    assert tags == {"Environment": "staging", "ManagedBy": "Ansible", "Module": "ecs_task_execution_role"}
    assert attached == [MANAGED]
    assert list(inline) == ["ecs-startup-secrets"]
    statements = {s["Sid"]: s for s in inline["ecs-startup-secrets"]["Statement"]}
    assert statements["ReadStartupSecrets"]["Action"] == "secretsmanager:GetSecretValue"
    assert statements["ReadStartupSecrets"]["Resource"] == [f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:staging/cerpac/*"]
    assert statements["ReadStartupParameters"]["Action"] == "ssm:GetParameters"
    assert statements["ReadStartupParameters"]["Resource"] == [f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/cerpac/staging/*"]
    assert "DecryptStartupSecrets" not in statements  # no customer managed key declared
    assert f"task role {TASK_ROLE}: {task_role['Arn']}" in first.stdout
    assert f"task execution role {NAME}: {role['Arn']}" in first.stdout

    again = playbook("deploy.yml", "staging", extra_vars=ON)
    assert again.rc == 0, again.output
    assert again.changed == 0, again.stdout
    assert again.writes == []


def test_secrets_by_name_and_kms_key_render_the_narrowest_statements(playbook, iam):
    key = "1234abcd-12ab-34cd-56ef-1234567890ab"
    secrets = {"ecs_task_execution_role_secrets": ["staging/cerpac/db"], "ecs_task_execution_role_parameters": ["/cerpac/staging/api-key"],
               "ecs_task_execution_role_kms_keys": [key]}
    run = playbook("deploy.yml", "staging", extra_vars=dict(ON, **secrets))
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


def test_without_secrets_there_is_no_inline_policy(playbook, iam):
    run = playbook("deploy.yml", "staging", extra_vars=dict(ON, ecs_task_execution_role_secrets=[], ecs_task_execution_role_parameters=[]))
    assert run.rc == 0, run.output
    dummy, inline, attached, dummy_tags = read_role(iam)
    assert inline == {} and attached == [MANAGED]


def test_check_mode_on_an_empty_account_reports_and_writes_nothing(playbook, iam):
    run = playbook("deploy.yml", "staging", "--check", extra_vars=ON)
    assert run.rc == 0, run.output
    assert run.changed >= 2
    assert run.writes == []
    assert role_names(iam) == []
    assert f"task execution role {NAME}: arn:aws:iam::{ACCOUNT}:role/{NAME}" in run.stdout


def test_check_and_diff_on_a_converged_role_report_no_change(playbook):
    assert playbook("deploy.yml", "staging", extra_vars=ON).rc == 0
    run = playbook("deploy.yml", "staging", "--check", "--diff", extra_vars=ON)
    assert run.rc == 0, run.output
    assert run.changed == 0
    assert run.writes == []


def test_diff_shows_the_managed_policy_the_tags_and_the_secrets_policy(playbook):
    run = playbook("deploy.yml", "staging", "--check", "--diff", extra_vars=ON)
    assert run.rc == 0, run.output
    # Both roles run the same comparison task (ecs_task_role's converge.yml); the execution role's comes second.
    diff = run.stdout.rsplit(": Compare the role with AWS]", 1)[1].split("TASK [", 1)[0]
    for pattern in (r"AmazonECSTaskExecutionRolePolicy", r"Module\W+ecs_task_execution_role", r"ecs-startup-secrets",
                    r"secretsmanager:GetSecretValue", r"ecs-tasks\.amazonaws\.com"):
        assert re.search(r"^\+.*" + pattern, diff, re.M), pattern


def test_drift_is_reverted(playbook, iam):
    assert playbook("deploy.yml", "staging", extra_vars=ON).rc == 0
    iam.detach_role_policy(RoleName=NAME, PolicyArn=MANAGED)
    iam.put_role_policy(RoleName=NAME, PolicyName="added-by-hand",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    iam.tag_role(RoleName=NAME, Tags=[{"Key": "Module", "Value": "ecs_task_role"}])
    run = playbook("deploy.yml", "staging", extra_vars=ON)
    assert run.rc == 0, run.output
    assert "added-by-hand" in run.output
    dummy, inline, attached, tags = read_role(iam)
    assert list(inline) == ["ecs-startup-secrets"] and attached == [MANAGED] and tags["Module"] == "ecs_task_execution_role"
    again = playbook("deploy.yml", "staging", extra_vars=ON)
    assert again.changed == 0 and again.writes == []


def test_absent_removes_only_the_execution_role_and_a_second_absent_changes_nothing(playbook, iam):
    assert playbook("deploy.yml", "staging", extra_vars=ON).rc == 0
    absent = dict(ON, ecs_task_execution_role_state="absent")
    check = playbook("deploy.yml", "staging", "--check", extra_vars=absent)
    assert check.rc == 0 and check.changed >= 1 and check.writes == []
    assert NAME in role_names(iam)

    gone = playbook("deploy.yml", "staging", extra_vars=absent)
    assert gone.rc == 0, gone.output
    assert role_names(iam) == [TASK_ROLE]

    again = playbook("deploy.yml", "staging", extra_vars=absent)
    assert again.rc == 0 and again.changed == 0 and again.writes == []


def test_an_other_account_is_refused_before_any_write(playbook, iam):
    assert playbook("deploy.yml", "staging", extra_vars={"ecs_iam_deploy_execution_role": False}).rc == 0  # the task role alone
    run = playbook("deploy.yml", "staging", extra_vars=dict(ON, ecs_task_execution_role_account_id="999999999999"))
    assert run.rc != 0
    assert "999999999999" in run.output
    assert run.writes == []
    assert NAME not in role_names(iam)


@pytest.mark.parametrize(
    "extra_vars, field",
    [
        ({"ecs_task_execution_role_env": "Staging"}, "ecs_task_execution_role_env"),
        ({"ecs_task_execution_role_name": "production-cerpac-ecs-task-execution-role"}, "ecs_task_execution_role_name"),
        ({"ecs_task_execution_role_secrets": ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"]}, "ecs_task_execution_role_secrets"),
        ({"ecs_task_execution_role_secrets": ["staging/*/db"]}, "ecs_task_execution_role_secrets"),
        ({"ecs_task_execution_role_parameters": ["/cerpac/staging/*/x"]}, "ecs_task_execution_role_parameters"),
        ({"ecs_task_execution_role_kms_keys": ["alias/aws/secretsmanager"]}, "ecs_task_execution_role_kms_keys"),
        ({"ecs_task_execution_role_tags": {"Module": "ecs_task_role"}}, "ecs_task_execution_role_tags"),
        ({"ecs_task_execution_role_policies": [{"name": "ecs-startup-secrets", "document": {}}]}, "ecs_task_execution_role_policies"),
        ({"ecs_task_execution_role_secrets": ["production/cerpac/*"]}, "CROSS_ENVIRONMENT"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_no_execution_role_written(extra_vars, field, playbook, iam):
    run = playbook("deploy.yml", "staging", extra_vars=dict(ON, **extra_vars))
    assert run.rc != 0
    assert field in run.output
    assert NAME not in role_names(iam)
    assert [w for w in run.writes if w != "CreateRole" and w != "PutRolePolicy"] == []  # only the task role's writes


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
