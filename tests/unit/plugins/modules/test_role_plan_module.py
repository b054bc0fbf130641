"""role_plan's module code, run in-process as Ansible runs it (its arguments patched in), against the moto server.

The pure comparison is tested in tests/unit/plugins/module_utils/test_role_plan.py; this covers what the module adds:
reading the roles through amazon.aws's IAM helpers, the account guard (from a role's ARN, or STS once), duplicate role
names, the results per role in the `roles` mode, diff only when asked, and the single-role mode.
"""

import contextlib
import io
import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import declare
from ansible_collections.cerpac.ecs_iam.plugins.modules import role_plan

ACCOUNT = "123456789012"


def declaration(app, **changes):
    inputs = {
        "ecs_task_role_env": "staging", "ecs_task_role_project_id": app, "ecs_task_role_name": "staging-%s-ecs-task-role" % app,
        "ecs_task_role_state": "present", "ecs_task_role_account_id": ACCOUNT, "ecs_task_role_region": "eu-west-1",
        "ecs_task_role_source_regions": ["eu-west-1"], "ecs_task_role_path": "/", "ecs_task_role_description": "the %s role" % app,
        "ecs_task_role_max_session_duration": 3600, "ecs_task_role_permissions_boundary": "", "ecs_task_role_tags": {},
        "ecs_task_role_managed_policy_arns": [], "ecs_task_role_other_environments": ["production"],
        "ecs_task_role_grants": [{"service": "sqs", "access": ["consume"], "resources": ["staging-%s-jobs" % app]}],
    }
    inputs.update(("ecs_task_role_" + key, value) for key, value in changes.items())
    result, problems = declare("ecs_task_role", inputs, {"host": app})
    assert problems == []
    return result


def run(aws, args, check_mode=False, diff=False):
    """main() with `args`, in the AWS environment of the moto server; returns (exit code, the JSON result)."""
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    out = io.StringIO()
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(aws.environ(saved))
    try:
        with patch_module_args(args), contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
            role_plan.main()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return done.value.code, json.loads(out.getvalue())


def calls_of(aws, args, **kwargs):
    with aws.recording() as calls:
        code, result = run(aws, args, **kwargs)
    return code, result, calls


def test_every_role_is_planned_in_one_run_and_the_caller_is_read_once(aws):
    roles = [declaration("api"), declaration("worker")]
    code, result, calls = calls_of(aws, {"roles": roles})
    assert code == 0 and result["changed"] is False
    assert sorted(result["roles"]) == ["staging-api-ecs-task-role", "staging-worker-ecs-task-role"]
    api = result["roles"]["staging-api-ecs-task-role"]
    assert (api["host"], api["exists"], api["changed"], api["account_id"]) == ("api", False, True, ACCOUNT)
    assert api["role_arn"] == "arn:aws:iam::%s:role/staging-api-ecs-task-role" % ACCOUNT
    assert api["differences"] == ["staging-api-ecs-task-role: does not exist"]
    assert [(item["name"], item["state"]) for item in api["policy_writes"]] == [("grants-sqs", "present")]
    assert "diff" not in api  # only with --diff
    assert sorted(calls.actions) == ["GetCallerIdentity", "GetRole", "GetRole"]


def test_existing_roles_give_the_account_so_sts_is_not_read(aws, iam):
    wanted = declaration("api")
    iam.create_role(RoleName=wanted["role_name"], AssumeRolePolicyDocument=json.dumps(wanted["trust_policy"]), Description="the api role",
                    Tags=[{"Key": key, "Value": value} for key, value in wanted["tags"].items()])
    iam.put_role_policy(RoleName=wanted["role_name"], PolicyName="by-hand", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}))
    code, result, calls = calls_of(aws, {"roles": [wanted]}, diff=True)
    assert code == 0
    api = result["roles"][wanted["role_name"]]
    assert api["exists"] is True and api["inline_policies_to_put"] == ["grants-sqs"] and api["inline_policies_to_delete"] == ["by-hand"]
    assert api["warnings"] == ["IAM role staging-api-ecs-task-role: inline policy 'by-hand' is not declared; it will be removed"]
    assert [item["name"] for item in api["policy_writes"]] == ["grants-sqs", "by-hand"]
    assert sorted(api["diff"]["before"]["inline_policies"]) == ["by-hand"]
    assert sorted(api["diff"]["after"]["inline_policies"]) == ["grants-sqs"]
    assert api["live"]["state"] == "present" and [policy["name"] for policy in api["live"]["inline_policies"]] == ["by-hand"]
    assert "GetCallerIdentity" not in calls.actions


def test_another_account_is_refused_naming_the_host_and_the_role(aws):
    code, result = run(aws, {"roles": [declaration("api", account_id="999999999999")]})
    assert code == 1 and result["failed"] is True
    assert result["msg"] == ("api: 1 role(s) refused before any write, nothing was changed in AWS: "
                             "host api, IAM role staging-api-ecs-task-role: the AWS credentials in use belong to account %s, but the inventory "
                             "declares account 999999999999: refusing to change anything. Use credentials for account 999999999999, or "
                             "correct the account id in the inventory" % ACCOUNT)


def test_two_applications_declaring_one_role_name_are_refused(aws):
    code, result = run(aws, {"roles": [declaration("api"), dict(declaration("worker"), role_name="staging-api-ecs-task-role")]})
    assert code == 1
    assert "staging-api-ecs-task-role is declared by api and worker" in result["msg"]


def test_absent_reads_only_existence(aws):
    code, result, calls = calls_of(aws, {"roles": [declaration("api", state="absent")]})
    assert code == 0
    assert result["roles"]["staging-api-ecs-task-role"]["changed"] is False
    assert calls.actions == ["GetRole"]


def test_the_single_role_mode_and_its_required_trust_policy(aws):
    code, result = run(aws, {"name": "staging-api-ecs-task-role", "expected_account_id": ACCOUNT})
    assert code == 1 and result["msg"] == "state is present but all of the following are missing: trust_policy"
    wanted = declaration("api")
    code, result = run(aws, {"name": wanted["role_name"], "trust_policy": wanted["trust_policy"], "expected_account_id": ACCOUNT},
                       check_mode=True)
    assert code == 0
    assert (result["exists"], result["changed"], result["role_arn"]) == (False, True, wanted["role_arn"])
    code, result = run(aws, {"name": "x", "roles": [wanted]})
    assert code == 1 and "mutually exclusive: roles|name" in result["msg"]


def _create(iam, name, tags, path="/"):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust),
                    Tags=[{"Key": key, "Value": value} for key, value in tags.items()])


@pytest.mark.parametrize("tags, adopt, refused", [
    ({"ManagedBy": "Terraform"}, False, 'IAM role staging-api-ecs-task-role exists, but not as a role of this collection (tag ManagedBy is "Terraform"'),
    ({}, False, "IAM role staging-api-ecs-task-role exists, but not as a role of this collection (tag ManagedBy is null"),
    ({"ManagedBy": "Terraform"}, True, None),
    ({"ManagedBy": "Ansible", "Module": "ecs_task_role", "Environment": "staging"}, False, None),  # the previous release's
    ({"ManagedBy": "Ansible", "Module": "ecs_task_role", "Environment": "staging", "Application": "billing"}, False,
     'IAM role staging-api-ecs-task-role: its tag Application is "billing", not "api"'),
    ({"ManagedBy": "Ansible", "Module": "ecs_task_execution_role", "Environment": "staging", "Application": "api"}, False,
     'IAM role staging-api-ecs-task-role: its tag Module is "ecs_task_execution_role", not "ecs_task_role"'),
    ({"ManagedBy": "Ansible", "Module": "ecs_task_role", "Environment": "production", "Application": "api"}, True,
     'IAM role staging-api-ecs-task-role: its tag Environment is "production", and this inventory deploys "staging"'),
])
def test_a_role_that_is_not_the_declarations_is_refused_before_any_write(tags, adopt, refused, aws, iam):
    wanted = declaration("api", adopt=adopt)
    _create(iam, wanted["role_name"], tags)
    code, result, calls = calls_of(aws, {"roles": [wanted]})
    assert calls.writes == []
    if refused is None:
        assert code == 0, result
        assert "tags" in result["roles"][wanted["role_name"]]["role_updates"]  # the Application tag is added
    else:
        assert code == 1 and result["msg"].startswith("api: 1 role(s) refused before any write, nothing was changed in AWS: host api, ")
        assert refused in result["msg"], result["msg"]


def test_a_role_under_another_environments_path_is_refused_even_adopted_and_for_absent(aws, iam):
    wanted = dict(declaration("api", adopt=True), state="absent")
    _create(iam, wanted["role_name"], {"ManagedBy": "Ansible"}, path="/ecs/production/")
    code, result = run(aws, {"roles": [wanted]})
    assert code == 1
    assert 'its path "/ecs/production/" is environment "production"\'s, and this inventory deploys "staging"' in result["msg"]


def test_ownership_only_reads_the_caller_and_each_role_once_and_verify_reports_instead_of_refusing(aws, iam):
    wanted = declaration("api")
    code, result, calls = calls_of(aws, {"roles": [], "ownership_only": True})
    assert code == 0 and (result["account_id"], result["partition"]) == (ACCOUNT, "aws") and calls.actions == ["GetCallerIdentity"]
    _create(iam, wanted["role_name"], {"ManagedBy": "Terraform"})
    code, result, calls = calls_of(aws, {"roles": [wanted], "ownership_only": True, "caller": {"account_id": ACCOUNT, "partition": "aws"}})
    assert code == 1 and calls.actions == ["GetRole"]
    code, result = run(aws, {"roles": [wanted], "refuse_others": False})
    assert code == 0
    assert result["roles"][wanted["role_name"]]["differences"][0].startswith(
        "IAM role staging-api-ecs-task-role exists, but not as a role of this collection")


@pytest.mark.parametrize("expected, code", [(ACCOUNT, 0), ("999999999999", 1)])
def test_the_single_role_mode_guards_the_account_of_a_missing_role_too(expected, code, aws):
    """The deployer's look-up (state absent): a missing role with another account's credentials is refused, not
    reported as missing (issue 21 item 5)."""
    result_code, result, calls = calls_of(aws, {"name": "staging-ci-deployer", "state": "absent", "expected_account_id": expected})
    assert result_code == code and calls.actions == ["GetRole", "GetCallerIdentity"]
    if code:
        assert "the AWS credentials in use belong to account %s, but the inventory declares account 999999999999" % ACCOUNT in result["msg"]
    else:
        assert result["exists"] is False
