"""The ecs_task_role role through the real playbooks/deploy.yml, against moto over HTTP, read back with boto3.

One application of the staging inventory (--limit cerpac) and its task role only (ecs_iam_deploy_execution_role=false),
so that the counts and states below concern one role; tests/integration/test_fleet.py runs whole environments.
"""

import json
import re

import pytest

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"
NAME = "staging-cerpac-ecs-task-role"
ARN = f"arn:aws:iam::{ACCOUNT}:role/ecs/staging/{NAME}"
ONE_ROLE = ("--limit", "cerpac")
TASK_ROLE_ONLY = {"ecs_iam_deploy_execution_role": False}


def deploy(playbook, *args, **extra_vars):
    return playbook("deploy.yml", "staging", *ONE_ROLE, *args, extra_vars={**TASK_ROLE_ONLY, **extra_vars})


def read_role(iam, name=NAME):
    role = iam.get_role(RoleName=name)["Role"]
    inline = {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"] for p in iam.list_role_policies(RoleName=name)["PolicyNames"]}
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
    return role, inline, attached, tags


def role_exists(iam, name=NAME):
    return name in [r["RoleName"] for r in iam.list_roles()["Roles"]]


def test_deploy_creates_the_declared_role_and_a_rerun_changes_nothing(playbook, iam):
    first = deploy(playbook)
    assert first.rc == 0, first.output
    assert first.changed > 0

    role, inline, attached, tags = read_role(iam)
    assert role["Arn"] == ARN and role["Path"] == "/ecs/staging/"
    assert role["AssumeRolePolicyDocument"] == {"Version": "2012-10-17", "Statement": [{
        "Sid": "EcsTasksAssumeRole", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:eu-west-1:{ACCOUNT}:*"}},
    }]}
    assert role["Description"] == "ECS task role of cerpac in staging, managed by cerpac.ecs_iam" and role["MaxSessionDuration"] == 3600
    assert "PermissionsBoundary" not in role
    assert tags == {"Application": "cerpac", "Environment": "staging", "ManagedBy": "Ansible", "Module": "ecs_task_role"}
    assert attached == []
    # The inventory's grants, rendered one inline policy per service.
    assert sorted(inline) == ["grants-dynamodb", "grants-s3", "grants-secretsmanager", "grants-ses", "grants-ssm"]
    assert [(s["Sid"], s["Action"], s["Resource"]) for s in inline["grants-s3"]["Statement"]] == [
        ("S3ReadObjectsUploads", ["s3:GetObject"], ["arn:aws:s3:::staging-cerpac-uploads/*"]),
        ("S3WriteObjectsUploads", ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], ["arn:aws:s3:::staging-cerpac-uploads/*"]),
        ("S3DeleteObjectsUploads", ["s3:DeleteObject"], ["arn:aws:s3:::staging-cerpac-uploads/*"]),
    ]
    parameters = f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/staging/cerpac"
    assert inline["grants-ssm"]["Statement"][0]["Resource"] == [parameters, parameters + "/*"]
    # The play prints the outputs: the role's real ARN.
    assert f"task role {NAME}: {role['Arn']}" in first.stdout

    again = deploy(playbook)
    assert again.rc == 0, again.output
    assert again.changed == 0, again.stdout
    assert again.writes == []
    check = deploy(playbook, "--check", "--diff")
    assert check.rc == 0 and check.changed == 0 and check.writes == []


def test_check_mode_on_an_empty_account_reports_the_whole_role_and_writes_nothing(playbook, iam):
    run = deploy(playbook, "--check", "--diff")
    assert run.rc == 0, run.output
    assert run.changed == 1
    assert run.writes == []
    assert not role_exists(iam)
    # The outputs are known before the role exists.
    assert f"task role {NAME}: {ARN}" in run.stdout
    diff = run.stdout.split("--- before", 1)[-1]
    for pattern in (r"ecs-tasks\.amazonaws\.com", r"aws:SourceAccount", r"Environment\W+staging", r"ManagedBy\W+Ansible", r"grants-s3",
                    r"staging-cerpac-uploads/\*"):
        assert re.search(r"^\+.*" + pattern, diff, re.M), pattern


def test_drift_is_shown_reverted_and_reported(playbook, iam):
    assert deploy(playbook).rc == 0
    iam.put_role_policy(RoleName=NAME, PolicyName="added-by-hand", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    iam.put_role_policy(RoleName=NAME, PolicyName="grants-s3", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    # (An Environment tag of another value says another environment's role: refused, tests/integration/test_ownership.py.)
    iam.tag_role(RoleName=NAME, Tags=[{"Key": "Owner", "Value": "someone"}])
    sqs_any = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}
    managed = iam.create_policy(PolicyName="by-hand", PolicyDocument=json.dumps(sqs_any))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=NAME, PolicyArn=managed)

    check = deploy(playbook, "--check", "--diff")
    assert check.rc == 0 and check.changed == 1 and check.writes == []
    assert re.search(r"^-.*Owner\W+someone", check.stdout, re.M)
    assert re.search(r"^-\s+added-by-hand:", check.stdout, re.M)

    run = deploy(playbook)
    assert run.rc == 0, run.output
    warnings = " ".join(run.output.split())
    assert "inline policy 'added-by-hand' is not declared; it will be removed" in warnings  # reported, not silently dropped
    assert "inline policy 'grants-s3' differs from the declaration; it will be put back" in warnings
    assert f"managed policy {managed} is attached but not declared; it will be detached" in warnings
    assert "the tags differ from the declaration; will be restored" in warnings

    dummy, inline, attached, tags = read_role(iam)
    assert "added-by-hand" not in inline
    assert inline["grants-s3"]["Statement"][0]["Resource"] == ["arn:aws:s3:::staging-cerpac-uploads/*"]
    assert attached == []
    assert tags == {"Application": "cerpac", "Environment": "staging", "ManagedBy": "Ansible", "Module": "ecs_task_role"}

    again = deploy(playbook)
    assert again.changed == 0, again.stdout
    assert again.writes == []


def test_the_role_owns_its_permissions_boundary(playbook, iam):
    """No boundary declared (the default): one added by hand is reported in --diff and removed on deploy (issue 10)."""
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))["Policy"]["Arn"]
    assert deploy(playbook).rc == 0
    iam.put_role_permissions_boundary(RoleName=NAME, PermissionsBoundary=boundary)

    check = deploy(playbook, "--check", "--diff")
    assert check.rc == 0 and check.changed == 1 and check.writes == []
    assert re.search(r"^-\s+permissions_boundary: " + re.escape(boundary) + "$", check.stdout, re.M)
    assert f"permissions boundary {boundary} is not declared; it would be removed" in " ".join(check.output.split())

    run = deploy(playbook)
    assert run.rc == 0, run.output
    assert run.writes == ["DeleteRolePermissionsBoundary"]
    assert "PermissionsBoundary" not in iam.get_role(RoleName=NAME)["Role"]
    again = deploy(playbook)
    assert again.changed == 0 and again.writes == []

    # A declared boundary is set, and kept.
    declared = deploy(playbook, ecs_task_role_permissions_boundary=boundary)
    assert declared.rc == 0 and declared.writes == ["PutRolePermissionsBoundary"]
    assert iam.get_role(RoleName=NAME)["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    assert deploy(playbook, ecs_task_role_permissions_boundary=boundary).writes == []


def test_an_other_account_is_refused_before_any_write_for_present_and_absent(playbook, iam, make_inventory):
    # The inventory declares another account than the credentials' (-e may not override the inventory's own account).
    other = str(make_inventory(group_vars={"ecs_task_role_account_id": "999999999999"}, name="other-account"))
    run = playbook("deploy.yml", other, *ONE_ROLE, extra_vars=TASK_ROLE_ONLY)
    assert run.rc != 0
    assert "the AWS credentials in use belong to account 123456789012, but the inventory declares account 999999999999" in run.output
    assert run.writes == []
    assert not role_exists(iam)

    assert deploy(playbook).rc == 0
    gone = playbook("deploy.yml", other, *ONE_ROLE, extra_vars={**TASK_ROLE_ONLY, "ecs_task_role_state": "absent"})
    assert gone.rc != 0
    assert gone.writes == []
    assert role_exists(iam)


def test_absent_removes_the_role_and_a_second_absent_changes_nothing(playbook, iam):
    assert deploy(playbook).rc == 0
    check = deploy(playbook, "--check", ecs_task_role_state="absent")
    assert check.rc == 0 and check.changed == 1 and check.writes == []
    assert role_exists(iam)

    gone = deploy(playbook, ecs_task_role_state="absent")
    assert gone.rc == 0, gone.output
    assert gone.changed >= 1
    assert not role_exists(iam)
    assert f"task role {NAME}: (absent)" in gone.stdout

    again = deploy(playbook, ecs_task_role_state="absent")
    assert again.rc == 0, again.output
    assert again.changed == 0
    assert again.writes == []


def test_changed_inputs_update_the_role_in_place(playbook, iam):
    assert deploy(playbook).rc == 0
    xray = iam.create_policy(PolicyName="xray-write", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*"}]}))["Policy"]["Arn"]
    changes = {
        "ecs_task_role_tags": {"CostCenter": "42"},
        "ecs_task_role_max_session_duration": 7200,
        "ecs_task_role_source_regions": ["eu-west-1", "eu-central-1"],
        "ecs_task_role_managed_policy_arns": [xray],
        "ecs_task_role_description": "the cerpac API",
    }
    run = deploy(playbook, **changes)
    assert run.rc == 0, run.output
    role, dummy, attached, tags = read_role(iam)
    assert tags == {"Application": "cerpac", "CostCenter": "42", "Environment": "staging", "ManagedBy": "Ansible", "Module": "ecs_task_role"}
    assert (role["MaxSessionDuration"], role["Description"]) == (7200, "the cerpac API")
    # One aws:SourceArn pattern per region (issue 10 item 8).
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["ArnLike"] == {
        "aws:SourceArn": [f"arn:aws:ecs:eu-west-1:{ACCOUNT}:*", f"arn:aws:ecs:eu-central-1:{ACCOUNT}:*"]}
    assert attached == [xray]
    again = deploy(playbook, **changes)
    assert again.changed == 0 and again.writes == []

    without = deploy(playbook, ecs_task_role_source_conditions=False)
    assert without.rc == 0
    assert "Condition" not in iam.get_role(RoleName=NAME)["Role"]["AssumeRolePolicyDocument"]["Statement"][0]


def test_an_accepted_exception_lets_the_grant_through_and_is_still_reported(playbook, iam):
    statements = [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
    audit = [{"name": "audit", "document": {"Version": "2012-10-17", "Statement": statements}}]
    reason = "the audit tool reads public objects of any bucket"
    exceptions = [{"code": "RESOURCE_STAR", "action": "s3:GetObject", "resource": "*", "reason": reason}]
    rds = [{"service": "rds", "access": ["connect"], "resources": ["db-ABCDEFGHIJKLMNOPQRSTUVWXY1/app_user"]}]
    run = deploy(playbook, ecs_task_role_policies=audit, ecs_task_role_grant_exceptions=exceptions, ecs_task_role_grants=rds)
    assert run.rc == 0, run.output
    flat = " ".join(run.stdout.split())
    assert f"accepted ({reason}): RESOURCE_STAR [error] policy audit" in flat  # accepted, and still reported in every run
    assert "PERMISSIONS_MANAGEMENT [error] policy grants-rds" in flat  # the catalogue's own exception, scoped to grants-rds
    assert sorted(iam.list_role_policies(RoleName=NAME)["PolicyNames"]) == ["audit", "grants-rds"]
    document = iam.get_role_policy(RoleName=NAME, PolicyName="grants-rds")["PolicyDocument"]
    assert document["Statement"][0]["Resource"] == [f"arn:aws:rds-db:eu-west-1:{ACCOUNT}:dbuser:db-ABCDEFGHIJKLMNOPQRSTUVWXY1/app_user"]


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls


def test_each_converge_call_converges_the_declaration_of_its_own_inputs(playbook, iam, tmp_path):
    """One host, the role's converge entry point called twice with different inputs: each call converges its own
    application (issue 21, item 7: the second call reused the first call's published declaration)."""
    (tmp_path / "hosts.yml").write_text(json.dumps({"all": {"hosts": {"platform": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "ecs_task_role_env": "staging", "ecs_task_role_account_id": ACCOUNT, "ecs_task_role_region": "eu-west-1"}}}}))
    calls = [{"name": f"Converge {app}", "ansible.builtin.include_role": {"name": "cerpac.ecs_iam.ecs_task_role", "tasks_from": "converge"},
              "vars": {"ecs_task_role_project_id": app,
                       "ecs_task_role_grants": [{"service": "sqs", "access": ["consume"], "resources": [f"staging-{app}-jobs"]}]}}
             for app in ("alpha", "beta")]
    (tmp_path / "play.yml").write_text(json.dumps([{"hosts": "all", "gather_facts": False, "tasks": calls}]))
    run = playbook(str(tmp_path / "play.yml"), str(tmp_path / "hosts.yml"))
    assert run.rc == 0, run.output
    for app in ("alpha", "beta"):
        _role, inline, _attached, _tags = read_role(iam, f"staging-{app}-ecs-task-role")
        assert [statement["Resource"] for statement in inline["grants-sqs"]["Statement"]] == [
            [f"arn:aws:sqs:eu-west-1:{ACCOUNT}:staging-{app}-jobs"]], app
