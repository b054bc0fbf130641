"""The ecs_task_role role through the real playbooks, against moto over HTTP, read back with boto3."""

import json
import re

import pytest

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"
ENVIRONMENTS = ["staging", "production"]


def role_name(env):
    return f"{env}-cerpac-ecs-task-role"


def read_role(iam, name):
    role = iam.get_role(RoleName=name)["Role"]
    inline = {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"] for p in iam.list_role_policies(RoleName=name)["PolicyNames"]}
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
    return role, inline, attached, tags


def role_exists(iam, name):
    return name in [r["RoleName"] for r in iam.list_roles()["Roles"]]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_deploy_creates_the_declared_role_and_a_rerun_changes_nothing(env, playbook, iam):
    first = playbook("deploy.yml", env)
    assert first.rc == 0, first.output
    assert first.changed > 0

    role, inline, attached, tags = read_role(iam, role_name(env))
    trust = role["AssumeRolePolicyDocument"]
    assert len(trust["Statement"]) == 1
    statement = trust["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:eu-west-1:{ACCOUNT}:*"},
    }
    assert tags == {"Environment": env, "ManagedBy": "Ansible", "Module": "ecs_task_role"}
    assert attached == []
    # The inventory's grants, rendered one inline policy per service.
    assert sorted(inline) == ["grants-dynamodb", "grants-s3", "grants-secretsmanager", "grants-ses", "grants-ssm"]
    s3_actions = {action for statement in inline["grants-s3"]["Statement"] for action in statement["Action"]}
    assert {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} <= s3_actions
    assert {resource for statement in inline["grants-s3"]["Statement"] for resource in statement["Resource"]} == {f"arn:aws:s3:::{env}-cerpac-uploads/*"}
    ssm = inline["grants-ssm"]["Statement"][0]["Resource"]
    assert f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/{env}/myapp/*" in ssm
    # The play prints the outputs: the role's real ARN.
    assert f"task role {role_name(env)}: {role['Arn']}" in first.stdout

    again = playbook("deploy.yml", env)
    assert again.rc == 0, again.output
    assert again.changed == 0, again.stdout
    assert again.writes == []


def test_check_mode_on_an_empty_account_reports_and_writes_nothing(playbook, iam):
    run = playbook("deploy.yml", "staging", "--check")
    assert run.rc == 0, run.output
    assert run.changed >= 1
    assert run.writes == []
    assert not role_exists(iam, role_name("staging"))
    # The outputs are known before the role exists.
    assert f"arn:aws:iam::{ACCOUNT}:role/{role_name('staging')}" in run.stdout


def test_check_mode_on_a_converged_role_reports_no_change(playbook):
    assert playbook("deploy.yml", "staging").rc == 0
    run = playbook("deploy.yml", "staging", "--check", "--diff")
    assert run.rc == 0, run.output
    assert run.changed == 0
    assert run.writes == []


def test_diff_shows_trust_policy_tags_and_each_inline_policy(playbook):
    run = playbook("deploy.yml", "staging", "--check", "--diff")
    assert run.rc == 0, run.output
    diff = run.stdout.split("--- before", 1)[-1]
    patterns = (r"ecs-tasks\.amazonaws\.com", r"aws:SourceAccount", r"Environment\W+staging", r"ManagedBy\W+Ansible", r"grants-s3",
                r"staging-cerpac-uploads/\*")
    for pattern in patterns:
        assert re.search(r"^\+.*" + pattern, diff, re.M), pattern


def test_diff_of_a_change_shows_before_and_after(playbook, iam):
    assert playbook("deploy.yml", "staging").rc == 0
    iam.tag_role(RoleName=role_name("staging"), Tags=[{"Key": "Environment", "Value": "prod-by-hand"}])
    run = playbook("deploy.yml", "staging", "--check", "--diff")
    assert run.rc == 0, run.output
    assert re.search(r"^-.*Environment\W+prod-by-hand", run.stdout, re.M)
    assert re.search(r"^\+.*Environment\W+staging", run.stdout, re.M)
    assert run.writes == []


def test_drift_is_reverted_and_reported(playbook, iam):
    name = role_name("staging")
    assert playbook("deploy.yml", "staging").rc == 0
    iam.put_role_policy(
        RoleName=name,
        PolicyName="added-by-hand",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
    )
    iam.put_role_policy(
        RoleName=name,
        PolicyName="grants-s3",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),
    )
    iam.tag_role(RoleName=name, Tags=[{"Key": "Environment", "Value": "production"}, {"Key": "Owner", "Value": "someone"}])
    sqs_any = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}
    managed = iam.create_policy(PolicyName="by-hand", PolicyDocument=json.dumps(sqs_any))
    iam.attach_role_policy(RoleName=name, PolicyArn=managed["Policy"]["Arn"])

    run = playbook("deploy.yml", "staging")
    assert run.rc == 0, run.output
    assert run.changed > 0
    warnings = " ".join(run.output.split())
    assert "inline policy 'added-by-hand' is not declared; it will be removed" in warnings  # reported, not silently dropped
    assert "inline policy 'grants-s3' differs from the declaration" in warnings
    assert "is attached but not declared" in warnings and "the tags differ from the declaration; will be restored" in warnings

    dummy, inline, attached, tags = read_role(iam, name)
    assert "added-by-hand" not in inline
    assert inline["grants-s3"]["Statement"][0]["Resource"] == ["arn:aws:s3:::staging-cerpac-uploads/*"]
    assert attached == []
    assert tags == {"Environment": "staging", "ManagedBy": "Ansible", "Module": "ecs_task_role"}

    again = playbook("deploy.yml", "staging")
    assert again.changed == 0, again.stdout
    assert again.writes == []


def test_an_other_account_is_refused_before_any_write(playbook, iam):
    run = playbook("deploy.yml", "staging", extra_vars={"ecs_task_role_account_id": "999999999999"})
    assert run.rc != 0
    assert "999999999999" in run.output and ACCOUNT in run.output
    assert run.writes == []
    assert not role_exists(iam, role_name("staging"))


def test_an_other_account_cannot_delete_either(playbook, iam):
    assert playbook("deploy.yml", "staging").rc == 0
    run = playbook("deploy.yml", "staging", extra_vars={"ecs_task_role_account_id": "999999999999", "ecs_task_role_state": "absent"})
    assert run.rc != 0
    assert run.writes == []
    assert role_exists(iam, role_name("staging"))


def test_absent_removes_the_role_and_a_second_absent_changes_nothing(playbook, iam):
    assert playbook("deploy.yml", "staging").rc == 0
    check = playbook("deploy.yml", "staging", "--check", extra_vars={"ecs_task_role_state": "absent"})
    assert check.rc == 0 and check.changed >= 1 and check.writes == []
    assert role_exists(iam, role_name("staging"))

    gone = playbook("deploy.yml", "staging", extra_vars={"ecs_task_role_state": "absent"})
    assert gone.rc == 0, gone.output
    assert gone.changed >= 1
    assert not role_exists(iam, role_name("staging"))

    again = playbook("deploy.yml", "staging", extra_vars={"ecs_task_role_state": "absent"})
    assert again.rc == 0, again.output
    assert again.changed == 0
    assert again.writes == []


def test_changed_inputs_update_the_role_in_place(playbook, iam):
    assert playbook("deploy.yml", "staging").rc == 0
    xray = iam.create_policy(
        PolicyName="xray-write",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*"}]}),
    )["Policy"]["Arn"]
    run = playbook(
        "deploy.yml",
        "staging",
        extra_vars={
            "ecs_task_role_tags": {"CostCenter": "42"},
            "ecs_task_role_max_session_duration": 7200,
            "ecs_task_role_source_conditions": False,
            "ecs_task_role_managed_policy_arns": [xray],
        },
    )
    assert run.rc == 0, run.output
    role, dummy, attached, tags = read_role(iam, role_name("staging"))
    assert tags["CostCenter"] == "42" and tags["Module"] == "ecs_task_role"
    assert role["MaxSessionDuration"] == 7200
    assert "Condition" not in role["AssumeRolePolicyDocument"]["Statement"][0]
    assert attached == [xray]
    again = playbook("deploy.yml", "staging", extra_vars={"ecs_task_role_tags": {"CostCenter": "42"}, "ecs_task_role_max_session_duration": 7200,
                                                          "ecs_task_role_source_conditions": False, "ecs_task_role_managed_policy_arns": [xray]})
    assert again.changed == 0 and again.writes == []


@pytest.mark.parametrize(
    "extra_vars, field",
    [
        ({"ecs_task_role_env": "Staging"}, "ecs_task_role_env"),
        ({"ecs_task_role_project_id": "my_project"}, "ecs_task_role_project_id"),
        ({"ecs_task_role_name": "staging-" + "x" * 60}, "ecs_task_role_name"),
        ({"ecs_task_role_name": "production-cerpac-ecs-task-role"}, "ecs_task_role_name"),
        ({"ecs_task_role_account_id": "12345"}, "ecs_task_role_account_id"),
        ({"ecs_task_role_state": "gone"}, "ecs_task_role_state"),
        ({"ecs_task_role_tags": {"ManagedBy": "Terraform"}}, "ecs_task_role_tags"),
        ({"ecs_task_role_max_session_duration": 60}, "ecs_task_role_max_session_duration"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(extra_vars, field, playbook, iam):
    run = playbook("deploy.yml", "staging", extra_vars=extra_vars)
    assert run.rc != 0
    assert field in run.output
    assert run.writes == []
    assert iam.list_roles()["Roles"] == []


def test_a_grant_that_breaks_least_privilege_stops_the_play_before_aws(playbook, iam):
    wide = [{"name": "wide", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]
    run = playbook("deploy.yml", "staging", extra_vars={"ecs_task_role_policies": wide})
    assert run.rc != 0
    assert "RESOURCE_STAR" in run.output and "wide" in run.output
    assert len(run.calls) == 0, run.calls  # refused before the first AWS call
    assert iam.list_roles()["Roles"] == []


def test_an_accepted_exception_lets_the_grant_through_and_is_still_reported(playbook, iam):
    statements = [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
    audit = [{"name": "audit", "document": {"Version": "2012-10-17", "Statement": statements}}]
    reason = "the audit tool reads public objects of any bucket"
    exceptions = [{"code": "RESOURCE_STAR", "action": "s3:GetObject", "resource": "*", "reason": reason}]
    run = playbook("deploy.yml", "staging", extra_vars={"ecs_task_role_policies": audit, "ecs_task_role_grant_exceptions": exceptions})
    assert run.rc == 0, run.output
    flat = " ".join(run.stdout.split())
    assert "RESOURCE_STAR" in flat and f"accepted ({reason})" in flat  # accepted, and still reported in every run
    assert "audit" in iam.list_role_policies(RoleName=role_name("staging"))["PolicyNames"]


def test_a_bad_intent_names_the_grant_the_field_and_the_allowed_values(playbook, iam):
    run = playbook("deploy.yml", "staging", extra_vars={"ecs_task_role_grants": [{"service": "sqs", "access": ["fly"], "resources": ["jobs"]}]})
    assert run.rc != 0
    assert "grants[0]" in run.output and "access" in run.output and "consume" in run.output
    assert len(run.calls) == 0
    assert iam.list_roles()["Roles"] == []


def test_rds_connect_grant_deploys(playbook, iam):
    grants = [{"service": "rds", "access": ["connect"], "resources": ["db-ABCDEFGHIJKLMNOPQRSTUVWXY1/app_user"]}]
    run = playbook("deploy.yml", "staging", extra_vars={"ecs_task_role_grants": grants})
    assert run.rc == 0, run.output
    document = iam.get_role_policy(RoleName=role_name("staging"), PolicyName="grants-rds")["PolicyDocument"]
    assert document["Statement"][0]["Resource"] == [f"arn:aws:rds-db:eu-west-1:{ACCOUNT}:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY1/app_user"]


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
