"""Every application of an environment in one inventory (issue 9), through the real playbooks against moto over HTTP.

The shipped staging inventory has two applications, cerpac and worker, each with a task role and a task execution role
under the IAM path /ecs/staging/. Roles are read back with boto3 straight from moto.
"""

import json
import pathlib
import re
import subprocess
import sys

import pytest
import yaml

from tests.support.reliability import playbook_env

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
ROLES = {
    "cerpac": ["staging-cerpac-ecs-task-role", "staging-cerpac-ecs-task-execution-role"],
    "worker": ["staging-worker-ecs-task-role", "staging-worker-ecs-task-execution-role"],
}
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Sid": "EcsTasksAssumeRole", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:eu-west-1:{ACCOUNT}:*"}},
}]}
RECAP_RE = re.compile(r"^(?P<host>\S+)\s+: ok=\d+\s+changed=(?P<changed>\d+)\s+unreachable=\d+\s+failed=(?P<failed>\d+)", re.M)


def recap(run):
    """{host: (changed, failed)} from the play recap."""
    return {match["host"]: (int(match["changed"]), int(match["failed"])) for match in RECAP_RE.finditer(run.stdout)}


def roles(iam):
    return sorted(role["RoleName"] for role in iam.list_roles()["Roles"])


def inline_policies(iam, name):
    return sorted(iam.list_role_policies(RoleName=name)["PolicyNames"])


def test_every_application_converges_and_a_rerun_only_reads(playbook, iam):
    first = playbook("deploy.yml", "staging")
    assert first.rc == 0, first.output
    assert roles(iam) == sorted(ROLES["cerpac"] + ROLES["worker"])
    for app, (task, execution) in ROLES.items():
        for name in (task, execution):
            role = iam.get_role(RoleName=name)["Role"]
            assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/ecs/staging/{name}"
            assert role["AssumeRolePolicyDocument"] == TRUST
        assert (f"task role {task}: arn:aws:iam::{ACCOUNT}:role/ecs/staging/{task}; task execution role {execution}: "
                f"arn:aws:iam::{ACCOUNT}:role/ecs/staging/{execution}") in " ".join(first.stdout.split())
    assert inline_policies(iam, ROLES["cerpac"][0]) == ["grants-dynamodb", "grants-s3", "grants-secretsmanager", "grants-ses", "grants-ssm"]
    assert inline_policies(iam, ROLES["worker"][0]) == ["grants-dynamodb", "grants-logs", "grants-sqs"]
    for app in ROLES:
        attached = iam.list_attached_role_policies(RoleName=ROLES[app][1])["AttachedPolicies"]
        # The shipped inventories name their repositories and log groups: scoped policies, no AWS managed policy.
        assert [policy["PolicyArn"] for policy in attached] == []
        assert inline_policies(iam, ROLES[app][1]) == ["ecs-startup-secrets", "grants-ecr", "grants-logs"]

    again = playbook("deploy.yml", "staging")
    assert again.rc == 0, again.output
    assert recap(again) == {"cerpac": (0, 0), "worker": (0, 0)}
    assert again.writes == []
    # The caller's account once for the run; the ownership pass reads each role of every kind (GetRole) before any
    # write; one role_plan run per role kind reads every role of the environment: per role GetRole, the attachments, the
    # inline policy names and each document (cerpac 5 + 3, worker 3 + 3). Then the leftovers step: one listing of the
    # account's roles (no role left over, no tag read; the account as read at the start).
    assert sorted(again.calls.actions) == sorted(["GetCallerIdentity"] + ["GetRole"] * 4 + ["GetRole"] * 4 + ["ListAttachedRolePolicies"] * 4
                                                 + ["ListRolePolicies"] * 4 + ["GetRolePolicy"] * 14 + ["ListRoles"])


def test_check_mode_shows_each_applications_changes_on_its_own_host(playbook, iam):
    run = playbook("deploy.yml", "staging", "--check", "--diff")
    assert run.rc == 0, run.output
    assert run.writes == [] and roles(iam) == []
    # Each host reports its own two roles (task role, then execution role), with their whole declaration as the diff.
    reports = run.stdout.split("Report this application's changes")[1:]
    assert len(reports) == 2
    for report in reports:
        assert re.search(r"^changed: \[cerpac\]$", report, re.M) and re.search(r"^changed: \[worker\]$", report, re.M)
    assert recap(run) == {"cerpac": (2, 0), "worker": (2, 0)}
    for app, (task, execution) in ROLES.items():
        assert f"task role {task}: arn:aws:iam::{ACCOUNT}:role/ecs/staging/{task}" in run.stdout
    assert re.search(r"^\+.*staging-cerpac-uploads/\*", run.stdout, re.M)
    assert re.search(r"^\+.*staging-worker-jobs", run.stdout, re.M)


def test_drift_on_one_application_is_reverted_and_named_with_its_host(playbook, iam):
    assert playbook("deploy.yml", "staging").rc == 0
    name = ROLES["worker"][0]
    iam.put_role_policy(RoleName=name, PolicyName="added-by-hand", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other/*"}]}))

    check = playbook("deploy.yml", "staging", "--check")
    assert check.rc == 0 and check.writes == []
    assert recap(check) == {"cerpac": (0, 0), "worker": (1, 0)}
    assert f"IAM role {name}: inline policy 'added-by-hand' is not declared; it would be removed" in " ".join(check.output.split())

    run = playbook("deploy.yml", "staging")
    assert run.rc == 0, run.output
    assert recap(run) == {"cerpac": (0, 0), "worker": (1, 0)}
    assert run.writes == ["DeleteRolePolicy"]
    assert "added-by-hand" not in inline_policies(iam, name)


STAR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}]}


@pytest.mark.parametrize("variables, words", [
    ({"ecs_task_role_policies": [{"name": "queues", "document": STAR}]},
     ["host worker, ecs_task_role", "ecs_task_role_policies (policy queues): RESOURCE_STAR", "resource *"]),
    ({"ecs_task_execution_role_secret": ["staging/worker/db"]},
     # Caught by the task role's check (every application's), with the input it was meant to be.
     ["host worker, ecs_task_role", "ecs_task_execution_role_secret=", "is not an input of cerpac.ecs_iam.ecs_task_execution_role",
      "Did you mean ecs_task_execution_role_secrets?"]),
    ({"ecs_task_role_name": "staging-" + "w" * 60},
     ["host worker, ecs_task_role", "ecs_task_role_name=\"staging-www", "(68 characters)", "1 to 64 characters"]),
])
def test_a_bad_input_on_one_application_stops_every_application_before_any_aws_call(variables, words, playbook, make_inventory, iam):
    inventory = make_inventory(host_vars={"worker": variables})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0
    flat = " ".join(run.output.split())
    for word in words:
        assert word in flat
    assert run.calls.actions == []
    assert roles(iam) == []
    assert recap(run)["cerpac"][1] == 0 and "PLAY [Converge every application" not in run.stdout


def test_one_application_removed_leaves_the_others_untouched(playbook, make_inventory, iam):
    assert playbook("deploy.yml", "staging").rc == 0
    inventory = make_inventory(host_vars={"worker": {"ecs_task_role_state": "absent"}})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc == 0, run.output
    assert roles(iam) == sorted(ROLES["cerpac"])
    assert recap(run)["cerpac"] == (0, 0)
    assert sorted(set(run.writes)) == ["DeleteRole", "DeleteRolePolicy"]  # the execution role is scoped: nothing attached
    again = playbook("deploy.yml", str(inventory))
    assert again.rc == 0 and again.writes == []


def start(aws, inventory, *args):
    command = [str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(REPO / "playbooks" / "deploy.yml"), *args]
    return subprocess.Popen(command, cwd=REPO, env=playbook_env(aws), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_slices_at_once_then_the_whole_environment_converge(aws, playbook, make_inventory, iam):
    """AWX job slicing: each slice plans and writes its own hosts; the PassRole policy depends on the environment only,
    so both slices write the same document; the whole inventory afterwards has nothing to do."""
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}))
    inventory = make_inventory(group_vars={"ecs_deployer_passrole_role_name": "deployer"})
    slices = [start(aws, inventory, "--limit", host) for host in ("cerpac", "worker")]
    outputs = [process.communicate(timeout=300)[0] for process in slices]
    assert [process.returncode for process in slices] == [0, 0], outputs
    assert roles(iam) == sorted(ROLES["cerpac"] + ROLES["worker"] + ["deployer"])
    document = iam.get_role_policy(RoleName="deployer", PolicyName="staging-ecs-passrole")["PolicyDocument"]
    assert document["Statement"][0]["Resource"] == [f"arn:aws:iam::{ACCOUNT}:role/ecs/staging/*"]
    assert document["Statement"][0]["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}

    whole = playbook("deploy.yml", str(inventory))
    assert whole.rc == 0, whole.output
    assert recap(whole) == {"cerpac": (0, 0), "worker": (0, 0)}
    assert whole.writes == []


def test_a_single_application_inventory_keeps_working(playbook, tmp_path, iam):
    """The one-application shape of earlier releases: a localhost host, everything in group_vars."""
    inventory = tmp_path / "single"
    (inventory / "group_vars" / "all").mkdir(parents=True)
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"ecs_iam": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}))
    (inventory / "group_vars" / "all" / "main.yml").write_text(yaml.safe_dump({
        "aws_region": "eu-west-1", "ecs_task_role_env": "staging", "ecs_task_role_project_id": "cerpac", "ecs_task_role_account_id": ACCOUNT,
        "ecs_task_role_grants": [{"service": "s3", "access": ["read"], "resources": ["staging-cerpac-uploads"]}],
    }))
    run = playbook("deploy.yml", str(inventory))
    assert run.rc == 0, run.output
    assert roles(iam) == ["staging-cerpac-ecs-task-role"]
    assert iam.get_role(RoleName="staging-cerpac-ecs-task-role")["Role"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/staging-cerpac-ecs-task-role"
    again = playbook("deploy.yml", str(inventory))
    assert again.rc == 0 and recap(again) == {"localhost": (0, 0)} and again.writes == []


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` and `calls == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES  # pylint: disable=import-outside-toplevel

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
