"""Managed policies go through the gate (issue 18, item 1), through deploy.yml against moto (AWS managed policies loaded).

Every managed policy a role attaches is read in the plan step (after the account guard, before any write) and checked
with the role's inline policies; a finding stops the whole run with zero writes, naming the host, the role and the
policy ARN; an exception naming the policy's ARN is honoured and said.
"""

import json

import pytest

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
HOSTS = ["cerpac", "worker", "billing", "search", "mailer"]
# What the execution roles of a test inventory attach (they name no repository or log group).
EXECUTION_MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def policies_read(run):
    """The managed policies the run read, each as often as it was read (GetPolicy, and GetPolicyVersion)."""
    return (sorted(params["PolicyArn"] for params in run.calls.parameters("GetPolicy")),
            sorted(params["PolicyArn"] for params in run.calls.parameters("GetPolicyVersion")))


def customer_policy(iam, name, statements):
    return iam.create_policy(PolicyName=name, PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))["Policy"]["Arn"]


def test_administrator_access_on_one_host_of_five_stops_the_run_with_no_write(playbook, make_inventory):
    inventory = make_inventory(hosts=HOSTS, host_vars={"search": {"ecs_task_role_managed_policy_arns": [ADMIN]}})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0
    assert (f"host search, IAM role staging-search-ecs-task-role: managed policy {ADMIN}: FULL_ADMIN [error] policy {ADMIN}"
            in run.output), run.output[-3000:]
    assert run.writes == [], run.calls
    # Each distinct managed policy of every role kind read once, before the first write.
    assert policies_read(run) == ([ADMIN, EXECUTION_MANAGED], [ADMIN, EXECUTION_MANAGED]), run.calls


def test_a_finding_in_an_execution_roles_managed_policy_stops_the_run_before_any_task_role_is_written(playbook, make_inventory):
    """The execution roles are planned after the task roles: their managed policies are read and checked by the
    ownership pass over every role kind, before the first write of the run (issue 17.3)."""
    inventory = make_inventory(hosts=HOSTS, host_vars={"mailer": {"ecs_task_execution_role_managed_policy_arns": [ADMIN]}})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0
    assert (f"host mailer, IAM role staging-mailer-ecs-task-execution-role: managed policy {ADMIN}: FULL_ADMIN [error] policy {ADMIN}"
            in run.output), run.output[-3000:]
    assert run.writes == [], run.calls
    # Each distinct managed policy of every role kind read once, before the first write.
    assert policies_read(run) == ([ADMIN, EXECUTION_MANAGED], [ADMIN, EXECUTION_MANAGED]), run.calls


def test_a_customer_managed_policy_with_s3_star_on_star_stops_the_run(playbook, make_inventory, iam):
    arn = customer_policy(iam, "staging-wide-s3", [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    inventory = make_inventory(host_vars={"worker": {"ecs_task_role_managed_policy_arns": [arn]}})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0
    assert f"host worker, IAM role staging-worker-ecs-task-role: managed policy {arn}: SERVICE_WILDCARD [error]" in run.output, run.output[-3000:]
    assert run.writes == [], run.calls


def test_a_scoped_customer_managed_policy_deploys_and_is_attached(playbook, make_inventory, iam):
    arn = customer_policy(iam, "staging-worker-archive", [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::staging-worker-archive/*"}])
    inventory = make_inventory(host_vars={"worker": {"ecs_task_role_managed_policy_arns": [arn]}})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc == 0, run.output[-3000:]
    attached = iam.list_attached_role_policies(RoleName="staging-worker-ecs-task-role")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [arn]


def test_an_exception_naming_the_managed_policy_arn_is_honoured_and_said(playbook, make_inventory, iam):
    arn = customer_policy(iam, "staging-worker-logs", [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}])
    reason = "shared logging policy of the platform team, reviewed in PLAT-12"
    inventory = make_inventory(host_vars={"worker": {
        "ecs_task_role_managed_policy_arns": [arn],
        "ecs_task_role_grant_exceptions": [{"code": "RESOURCE_STAR", "policy": arn, "reason": reason}]}})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc == 0, run.output[-3000:]
    assert (f"worker: staging-worker-ecs-task-role: accepted ({reason}): RESOURCE_STAR [error] policy {arn}, statement 0, "
            "action logs:PutLogEvents, resource *") in run.output, run.output[-3000:]
    attached = iam.list_attached_role_policies(RoleName="staging-worker-ecs-task-role")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [arn]


def test_verify_reports_a_managed_policy_whose_default_version_now_has_findings(playbook, make_inventory, iam):
    arn = customer_policy(iam, "staging-worker-archive", [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::staging-worker-archive/*"}])
    inventory = make_inventory(host_vars={"worker": {"ecs_task_role_managed_policy_arns": [arn]}})
    assert playbook("deploy.yml", str(inventory)).rc == 0
    assert playbook("verify.yml", str(inventory)).rc == 0
    iam.create_policy_version(PolicyArn=arn, SetAsDefault=True, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    run = playbook("verify.yml", str(inventory))
    assert run.rc != 0
    assert f"host worker, IAM role staging-worker-ecs-task-role: managed policy {arn}: SERVICE_WILDCARD [error]" in run.output, run.output[-3000:]
    assert run.writes == [], run.calls


def test_render_says_which_managed_policies_it_could_not_check(playbook, make_inventory, tmp_path):
    arn = "arn:aws:iam::123456789012:policy/staging-shared"
    inventory = make_inventory(host_vars={"worker": {"ecs_task_role_managed_policy_arns": [arn]}})
    run = playbook("render.yml", str(inventory), extra_vars={"render_dir": str(tmp_path / "rendered")})
    assert run.rc == 0, run.output[-3000:]
    assert (f"worker: ecs_task_role: managed policies not checked here (render reads no AWS): {arn}; deploy.yml reads and checks them "
            "with the role's inline policies before any write") in run.output
    assert "cerpac: ecs_task_role: managed policies not checked" not in run.output
    assert len(run.calls) == 0, run.calls
