"""playbooks/adopt.yml against the moto server: roles made the way Terraform and hand-written stacks leave them are
adopted without a write, the first deploy changes exactly what the report lists, and every role keeps its ARN."""

import glob
import json
import re
from xml.etree import ElementTree

import pytest
import yaml

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"
ECS_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
UPLOADS = "arn:aws:s3:::staging-cerpac-uploads"
TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table/staging-cerpac-sessions"
READS = ("Get", "List")


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resources, condition=None):
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


# The account as the Terraform module of the seed and a few hand-written stacks leave it.
ROLES = {
    # The seed's naming (no application in the name; Terraform's default tags name it) and its inline policies.
    "staging-ecs-task-role": {
        "tags": {"Project": "cerpac", "ManagedBy": "Terraform"},
        "inline": {
            "s3-upload-access": policy(
                allow(["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:DeleteObject"], UPLOADS + "/*"),
                allow("s3:ListBucket", UPLOADS)),
            "ses-send-email": policy(allow(["ses:SendEmail", "ses:SendRawEmail"], "arn:aws:ses:eu-west-1:123456789012:identity/cerpac.example.com")),
            "dynamodb-access": policy(allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
                                             "dynamodb:Scan"], TABLE)),
            "parameter-store-access": policy(allow(["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"], [
                "arn:aws:ssm:eu-west-1:123456789012:parameter/staging/cerpac", "arn:aws:ssm:eu-west-1:123456789012:parameter/staging/cerpac/*"])),
        },
    },
    # The execution role: the AWS managed policy and a secrets policy (one statement exact, one not).
    "staging-ecs-task-execution-role": {
        "description": "ECS execution role (terraform)",
        "managed": [EXECUTION_POLICY],
        "inline": {"secrets-access": policy(
            allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/cerpac/*"),
            allow("kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"))},
    },
    # A hand-made role: managed policy, extra tags, a path, a boundary, a longer session, a policy no intent can express.
    "staging-worker-ecs-task-role": {
        "path": "/apps/",
        "description": "Queue worker",
        "max_session_duration": 7200,
        "boundary": "arn:aws:iam::aws:policy/PowerUserAccess",
        "tags": {"Team": "payments", "CostCenter": "42"},
        "managed": ["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"],
        "inline": {"metrics": policy(allow("cloudwatch:PutMetricData", "*", {"StringEquals": {"cloudwatch:namespace": "cerpac/worker"}}))},
    },
    # Least-privilege debt: the deploy gate blocks on these until a person accepts them with a reason.
    "staging-reports-ecs-task-role": {
        "inline": {"reports": policy(allow("dynamodb:Scan", "*"), allow("s3:GetObject", "arn:aws:s3:::production-cerpac-reports/*"))},
    },
    # ECS tasks cannot assume it: left out, untouched.
    "staging-ci-deployer": {
        "trust": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]},
        "inline": {"deploy": policy(allow("ecs:RegisterTaskDefinition", "*"))},
    },
    # Another environment: not matched by staging-*, never read.
    "production-cerpac-ecs-task-role": {"inline": {"s3": policy(allow("s3:GetObject", "arn:aws:s3:::production-cerpac-uploads/*"))}},
}


def seed(iam):
    for name, spec in ROLES.items():
        extra = {"PermissionsBoundary": spec["boundary"]} if "boundary" in spec else {}
        if "description" in spec:
            extra["Description"] = spec["description"]
        iam.create_role(RoleName=name, Path=spec.get("path", "/"), AssumeRolePolicyDocument=json.dumps(spec.get("trust", ECS_TRUST)),
                        MaxSessionDuration=spec.get("max_session_duration", 3600),
                        Tags=[{"Key": key, "Value": value} for key, value in spec.get("tags", {}).items()], **extra)
        for arn in spec.get("managed", []):
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        for policy_name, document in spec["inline"].items():
            iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document))


def snapshot(iam):
    """Every role as IAM has it: ids, trust, tags, attachments and inline documents."""
    roles = {}
    for listed in iam.list_roles()["Roles"]:
        name = listed["RoleName"]
        role = iam.get_role(RoleName=name)["Role"]
        roles[name] = {
            "arn": role["Arn"], "id": role["RoleId"], "trust": role["AssumeRolePolicyDocument"],
            "description": role.get("Description"), "max_session_duration": role["MaxSessionDuration"],
            "boundary": role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
            "tags": {tag["Key"]: tag["Value"] for tag in role.get("Tags", [])},
            "managed": sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]),
            "inline": {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"] for p in iam.list_role_policies(RoleName=name)["PolicyNames"]},
        }
    return roles


def permissions(inline):
    """Allow (action, resource, condition) triples and Deny statements of a role: an oracle of the test's own."""
    allowed, denied = set(), []
    for document in inline.values():
        statements = document["Statement"]
        for statement in [statements] if isinstance(statements, dict) else statements:
            if statement["Effect"] == "Deny":
                denied.append({key: value for key, value in statement.items() if key != "Sid"})
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            condition = json.dumps({op: {key.lower(): sorted(v if isinstance(v, list) else [v]) for key, v in block.items()}
                                    for op, block in (statement.get("Condition") or {}).items()}, sort_keys=True)
            allowed |= {(action.lower(), resource, condition) for action in actions for resource in resources}
    return allowed, denied


def role_plan_differences(junit_dir):
    """role_plan's `differences` per role, from ansible-core's junit callback record of the run (every task result)."""
    found = {}
    for path in glob.glob(f"{junit_dir}/*.xml"):
        for case in ElementTree.parse(path).getroot().iter("testcase"):
            try:
                result = json.loads(case.findtext("system-out") or "")
            except ValueError:
                continue
            if isinstance(result, dict) and "differences" in result and "role_name" in result:
                found[result["role_name"]] = result["differences"]
    return found


def adopt(playbook, out, *args, **extra):
    return playbook("adopt.yml", "staging", *args, extra_vars=dict({"adopt_env": "staging", "adopt_dir": str(out)}, **extra))


def load(path):
    return yaml.safe_load(path.read_text())


def test_adopt_then_the_first_deploy_changes_exactly_what_the_report_lists_and_every_arn_stays(aws, iam, playbook, tmp_path):
    with aws.recording() as seeding:
        seed(iam)
    assert "CreateRole" in seeding.writes and "PutRolePolicy" in seeding.writes  # positive control: the recorder sees writes
    before = snapshot(iam)

    run = adopt(playbook, tmp_path / "adopted")
    assert run.rc == 0, run.output
    assert run.writes == []
    assert "ListRoles" in run.calls.actions and all(action.startswith(READS) for action in run.calls.actions), run.calls.actions
    inventory = tmp_path / "adopted" / "staging"
    assert sorted(str(path.relative_to(inventory)) for path in inventory.rglob("*") if path.is_file()) == [
        ".adopt-report.json", "adopt-report.md", "group_vars/all/main.yml", "host_vars/cerpac.yml", "host_vars/reports.yml",
        "host_vars/worker.yml", "hosts.yml"]
    assert load(inventory / "hosts.yml") == {"ecs_iam": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "hosts": {"cerpac": None, "reports": None, "worker": None}}}
    assert load(inventory / "group_vars" / "all" / "main.yml") == {
        "aws_region": "eu-west-1", "ecs_task_role_env": "staging", "ecs_task_role_account_id": ACCOUNT, "ecs_iam_deploy_execution_role": False}
    assert load(inventory / "host_vars" / "cerpac.yml") == {
        "ecs_task_role_project_id": "cerpac",
        "ecs_task_role_adopt": True,  # refused by deploy.yml without it: the roles were made by Terraform
        "ecs_task_execution_role_adopt": True,
        "ecs_task_role_name": "staging-ecs-task-role",
        "ecs_task_role_tags": {"Project": "cerpac"},
        "ecs_task_role_grants": [
            {"service": "s3", "access": ["read", "write", "delete", "list"], "resources": ["staging-cerpac-uploads"]},
            {"service": "ses", "access": ["send"], "resources": ["cerpac.example.com"]},
            {"service": "ssm", "access": ["read"], "resources": ["/staging/cerpac"]},
        ],
        "ecs_task_role_policies": [{"name": "dynamodb-access", "document": ROLES["staging-ecs-task-role"]["inline"]["dynamodb-access"]}],
        "ecs_iam_deploy_execution_role": True,
        "ecs_task_execution_role_name": "staging-ecs-task-execution-role",
        "ecs_task_execution_role_description": "ECS execution role (terraform)",
        "ecs_task_execution_role_secrets": ["staging/cerpac/*"],
        "ecs_task_execution_role_policies": [{"name": "secrets-access", "document": policy(
            allow("kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"))}],
    }
    assert load(inventory / "host_vars" / "worker.yml") == {
        "ecs_task_role_project_id": "worker",
        "ecs_task_role_adopt": True,
        "ecs_task_role_path": "/apps/",
        "ecs_task_role_description": "Queue worker",
        "ecs_task_role_max_session_duration": 7200,
        "ecs_task_role_permissions_boundary": "arn:aws:iam::aws:policy/PowerUserAccess",
        "ecs_task_role_tags": {"CostCenter": "42", "Team": "payments"},
        "ecs_task_role_managed_policy_arns": ["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"],
        "ecs_task_role_policies": [{"name": "metrics", "document": ROLES["staging-worker-ecs-task-role"]["inline"]["metrics"]}],
    }
    report = json.loads((inventory / ".adopt-report.json").read_text())
    roles = {role["name"]: role for application in report["applications"] for role in application["roles"]}
    assert report["other_roles"] == ["staging-ci-deployer"]
    assert roles["staging-ecs-task-role"]["changes"] == [
        'trust: the confused-deputy condition StringEquals aws:SourceAccount="123456789012" is added',
        'trust: the confused-deputy condition ArnLike aws:SourceArn="arn:aws:ecs:eu-west-1:123456789012:*" is added',
        "trust: the statement's Sid becomes EcsTasksAssumeRole (was null)",
        'description: set to "ECS task role of cerpac in staging, managed by cerpac.ecs_iam" (the role had none)',
        "tags: Environment=staging is added",
        "tags: ManagedBy changes from Terraform to Ansible",
        "tags: Module=ecs_task_role is added",
        "tags: Application=cerpac is added",
        "inline policy parameter-store-access becomes intents (grants-ssm), with the same permissions",
        "inline policy s3-upload-access becomes intents (grants-s3), with the same permissions",
        "inline policy ses-send-email becomes intents (grants-ses), with the same permissions",
        "inline policy grants-s3 is written from the intents",
        "inline policy grants-ses is written from the intents",
        "inline policy grants-ssm is written from the intents",
    ]
    assert roles["staging-reports-ecs-task-role"]["exceptions_needed"] == [
        {"code": "RESOURCE_STAR", "action": "dynamodb:Scan", "resource": "*", "reason": ""},
        {"code": "CROSS_ENVIRONMENT", "resource": "arn:aws:s3:::production-cerpac-reports/*", "reason": ""},
    ]
    assert "ecs_task_role_grant_exceptions" not in load(inventory / "host_vars" / "reports.yml")  # named, never written

    # The review: a person accepts the reported findings with reasons of their own.
    reports = load(inventory / "host_vars" / "reports.yml")
    reports["ecs_task_role_grant_exceptions"] = [dict(item, reason="reviewed: the nightly report reads both (OPS-7)")
                                                 for item in roles["staging-reports-ecs-task-role"]["exceptions_needed"]]
    (inventory / "host_vars" / "reports.yml").write_text(yaml.safe_dump(reports))

    junit = tmp_path / "junit"
    check = playbook("deploy.yml", str(inventory), "--check", "--diff", env={"ANSIBLE_CALLBACKS_ENABLED": "junit", "JUNIT_OUTPUT_DIR": str(junit)})
    assert check.rc == 0, check.output
    assert check.writes == []
    assert role_plan_differences(junit) == {name: role["expected_differences"] for name, role in roles.items()}

    deploy = playbook("deploy.yml", str(inventory))
    assert deploy.rc == 0, deploy.output
    verify = playbook("verify.yml", str(inventory))
    assert verify.rc == 0, verify.output
    hosts = sorted(load(inventory / "hosts.yml")["ecs_iam"]["hosts"])
    assert sorted(re.findall(r"The roles of (\S+) match the inventory.", verify.stdout)) == hosts

    after = snapshot(iam)
    assert {name: (role["arn"], role["id"]) for name, role in after.items()} == {name: (role["arn"], role["id"]) for name, role in before.items()}
    for name in ("staging-ci-deployer", "production-cerpac-ecs-task-role"):
        assert after[name] == before[name]
    for name in roles:
        assert permissions(after[name]["inline"]) == permissions(before[name]["inline"]), name
        assert after[name]["managed"] == before[name]["managed"] and after[name]["boundary"] == before[name]["boundary"], name
        assert after[name]["max_session_duration"] == before[name]["max_session_duration"], name


def test_check_mode_writes_no_file(aws, iam, playbook, tmp_path):
    seed(iam)
    run = adopt(playbook, tmp_path / "adopted", "--check")
    assert run.rc == 0, run.output
    assert run.writes == []
    assert not (tmp_path / "adopted").exists()


@pytest.mark.parametrize("case", ["environment name", "folder not empty", "no role found"])
def test_bad_input_is_refused_with_the_variable_its_value_and_the_fix_and_nothing_is_written(case, aws, iam, playbook, tmp_path):
    out = tmp_path / "adopted"
    extra = {}
    if case == "environment name":
        seed(iam)
        extra = {"adopt_env": "Staging_1"}
        expected = ('adopt_env="Staging_1": an environment name is lowercase letters, digits and single hyphens (for example staging or '
                    "production); it starts every role name of the environment (<env>-<app>-ecs-task-role). Give -e adopt_env=staging")
    elif case == "folder not empty":
        seed(iam)
        (out / "staging").mkdir(parents=True)
        (out / "staging" / "hosts.yml").write_text("# mine\n")
        expected = (f"adopt_dir: {out}/staging exists and is not empty (hosts.yml): adopt never overwrites an inventory. Give another "
                    "-e adopt_dir, or move that folder away")
    else:
        expected = ('adopt_name_pattern="staging-*", adopt_env="staging": account 123456789012 has no role that ECS tasks can assume (trust '
                    "principal ecs-tasks.amazonaws.com) whose name matches the pattern and starts with staging-. Check adopt_env and "
                    "adopt_name_pattern (for example -e adopt_name_pattern='staging-*'), and that the credentials are for the right account; "
                    "nothing was written")
    listing = sorted(str(path) for path in tmp_path.rglob("*"))
    run = adopt(playbook, out, **extra)
    assert run.rc != 0
    assert expected in " ".join(run.output.split()), run.output
    assert sorted(str(path) for path in tmp_path.rglob("*")) == listing
    assert run.writes == []
    if case != "no role found":
        assert run.calls.actions == []  # refused before the first AWS call


def test_a_trust_for_several_regions_is_kept(aws, iam, playbook, tmp_path):
    trust = {"Version": "2012-10-17", "Statement": [{
        "Sid": "EcsTasksAssumeRole", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": [
            "arn:aws:ecs:eu-west-1:123456789012:*", "arn:aws:ecs:us-east-1:123456789012:*"]}}}]}
    iam.create_role(RoleName="staging-api-ecs-task-role", AssumeRolePolicyDocument=json.dumps(trust), Description="api",
                    Tags=[{"Key": "Environment", "Value": "staging"}, {"Key": "ManagedBy", "Value": "Ansible"}, {"Key": "Module", "Value": "ecs_task_role"},
                          {"Key": "Application", "Value": "api"}])
    assert adopt(playbook, tmp_path / "adopted").rc == 0
    inventory = tmp_path / "adopted" / "staging"
    assert load(inventory / "host_vars" / "api.yml")["ecs_task_role_source_regions"] == ["eu-west-1", "us-east-1"]
    check = playbook("deploy.yml", str(inventory), "--check", "--diff")
    assert check.rc == 0, check.output
    assert check.changed == 0, check.output


def test_roles_paired_by_their_tag_on_different_paths_are_adopted_and_the_first_check_is_accepted(aws, iam, playbook, tmp_path):
    """The execution role keeps its own path (its default is the task role's), and the host is named by the tag that
    paired the two roles, not by the rest of a name (issue 21, item 2)."""
    tags = [{"Key": "App", "Value": "reports"}]
    iam.create_role(RoleName="staging-reports-task", Path="/apps/", AssumeRolePolicyDocument=json.dumps(ECS_TRUST), Tags=tags)
    iam.create_role(RoleName="staging-reporting-execution", AssumeRolePolicyDocument=json.dumps(ECS_TRUST), Tags=tags)
    iam.attach_role_policy(RoleName="staging-reporting-execution", PolicyArn=EXECUTION_POLICY)
    run = adopt(playbook, tmp_path / "adopted")
    assert run.rc == 0, run.output
    inventory = tmp_path / "adopted" / "staging"
    assert load(inventory / "hosts.yml")["ecs_iam"]["hosts"] == {"reports": None}
    host_vars = load(inventory / "host_vars" / "reports.yml")
    assert (host_vars["ecs_task_role_path"], host_vars["ecs_task_execution_role_path"]) == ("/apps/", "/")
    check = playbook("deploy.yml", str(inventory), "--check", "--diff")
    assert check.rc == 0, check.output
    assert check.writes == []


def test_instance_profiles_and_too_many_tags_are_reported_and_absent_empties_the_profile(aws, iam, playbook, tmp_path):
    """Issue 21, item 12: the report lists the instance profile holding a role and what absent does to it, and a role
    the deploy would refuse for its tags is listed before deploying; absent then does what the report says."""
    iam.create_role(RoleName="staging-api-ecs-task-role", AssumeRolePolicyDocument=json.dumps(ECS_TRUST),
                    Tags=[{"Key": "Tag%02d" % number, "Value": "v"} for number in range(49)])
    iam.create_role(RoleName="staging-web-ecs-task-role", AssumeRolePolicyDocument=json.dumps(ECS_TRUST))
    iam.create_instance_profile(InstanceProfileName="staging-web-ec2")
    iam.add_role_to_instance_profile(InstanceProfileName="staging-web-ec2", RoleName="staging-web-ecs-task-role")
    run = adopt(playbook, tmp_path / "adopted")
    assert run.rc == 0, run.output
    assert run.writes == []
    inventory = tmp_path / "adopted" / "staging"
    report = (inventory / "adopt-report.md").read_text()
    assert ("- tags: with the collection's own (Application, Environment, ManagedBy, Module) the role would carry 53 tags, over IAM's 50 "
            "per role, and deploy refuses it; remove at least 3 from ecs_task_role_tags (or from the role) first") in report.splitlines()
    assert "instance profile staging-web-ec2 holds this role" in report

    # Every host of the inventory is checked, whatever --limit: do what the report says for api first.
    api = load(inventory / "host_vars" / "api.yml")
    api["ecs_task_role_tags"] = dict(sorted(api["ecs_task_role_tags"].items())[3:])
    (inventory / "host_vars" / "api.yml").write_text(yaml.safe_dump(api))
    absent = playbook("deploy.yml", str(inventory), "--limit", "web", extra_vars={"ecs_task_role_state": "absent"})
    assert absent.rc == 0, absent.output
    assert "RemoveRoleFromInstanceProfile" in absent.writes and "DeleteInstanceProfile" not in absent.writes
    assert iam.get_instance_profile(InstanceProfileName="staging-web-ec2")["InstanceProfile"]["Roles"] == []
