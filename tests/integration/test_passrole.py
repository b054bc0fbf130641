"""The deployer's iam:PassRole policy: one per environment (roles under the environment's IAM path), or one per
application (roles at /); attached inline to a deployer role or user; refused when it would not cover a role."""

import json

import pytest

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"
TRUST = json.dumps({"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})
CONDITION = {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}


def create_deployer(iam, kind):
    if kind == "role":
        iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST)
    else:
        iam.create_user(UserName="deployer")


def read(iam, kind):
    if kind == "role":
        names = iam.list_role_policies(RoleName="deployer")["PolicyNames"]
        return {p: iam.get_role_policy(RoleName="deployer", PolicyName=p)["PolicyDocument"] for p in names}
    names = iam.list_user_policies(UserName="deployer")["PolicyNames"]
    return {p: iam.get_user_policy(UserName="deployer", PolicyName=p)["PolicyDocument"] for p in names}


@pytest.mark.parametrize("kind", ["role", "user"])
def test_one_policy_for_the_environment_check_diff_idempotent_and_absent(kind, playbook, iam):
    create_deployer(iam, kind)
    deployer = {f"ecs_deployer_passrole_{kind}_name": "deployer"}

    check = playbook("deploy.yml", "staging", "--check", "--diff", extra_vars=deployer)
    assert check.rc == 0, check.output
    assert check.writes == [] and read(iam, kind) == {}

    first = playbook("deploy.yml", "staging", extra_vars=deployer)
    assert first.rc == 0, first.output
    assert read(iam, kind) == {"staging-ecs-passrole": {"Version": "2012-10-17", "Statement": [{
        "Sid": "PassEcsTaskRolesToEcsTasksOnly", "Effect": "Allow", "Action": "iam:PassRole",
        "Resource": [f"arn:aws:iam::{ACCOUNT}:role/ecs/staging/*"], "Condition": CONDITION}]}}
    # Written once for the environment's two applications, to the deployer (the roles' own policies are other puts).
    put = "PutRolePolicy" if kind == "role" else "PutUserPolicy"
    assert [(params.get("RoleName") or params.get("UserName"), params["PolicyName"]) for params in first.calls.parameters(put)
            if params["PolicyName"] == "staging-ecs-passrole" or "deployer" in (params.get("RoleName"), params.get("UserName"))] == [
        ("deployer", "staging-ecs-passrole")]

    again = playbook("deploy.yml", "staging", extra_vars=deployer)
    assert again.rc == 0 and again.changed == 0 and again.writes == []

    absent = dict(deployer, ecs_deployer_passrole_state="absent")
    gone = playbook("deploy.yml", "staging", extra_vars=absent)
    assert gone.rc == 0, gone.output
    assert read(iam, kind) == {}
    assert gone.writes == ["DeleteRolePolicy" if kind == "role" else "DeleteUserPolicy"]


def test_one_policy_per_application_when_the_roles_are_not_under_an_environment_path(playbook, make_inventory, iam):
    create_deployer(iam, "role")
    inventory = make_inventory(group_vars={"ecs_task_role_path": "/", "ecs_deployer_passrole_role_paths": [],
                                           "ecs_deployer_passrole_role_name": "deployer"})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc == 0, run.output
    policies = read(iam, "role")
    assert sorted(policies) == ["staging-cerpac-ecs-passrole", "staging-worker-ecs-passrole"]
    assert policies["staging-worker-ecs-passrole"]["Statement"][0]["Resource"] == [
        f"arn:aws:iam::{ACCOUNT}:role/staging-worker-ecs-task-execution-role", f"arn:aws:iam::{ACCOUNT}:role/staging-worker-ecs-task-role"]
    assert policies["staging-worker-ecs-passrole"]["Statement"][0]["Condition"] == CONDITION
    again = playbook("deploy.yml", str(inventory))
    assert again.rc == 0 and again.changed == 0 and again.writes == []


def test_a_role_outside_the_environment_path_is_refused_before_any_aws_call(playbook, make_inventory, iam):
    create_deployer(iam, "role")
    inventory = make_inventory(group_vars={"ecs_deployer_passrole_role_name": "deployer"},
                               host_vars={"worker": {"ecs_task_role_path": "/other/"}})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0
    flat = " ".join(run.output.split())
    assert "host worker, ecs_deployer_passrole" in flat
    assert f"arn:aws:iam::{ACCOUNT}:role/other/staging-worker-ecs-task-role" in flat and "does not cover" in flat
    assert run.calls.actions == []


@pytest.mark.parametrize("variables, words, calls", [
    # The deployer's existence is read after the roles converged: the run fails there, and attaches nothing.
    ({"ecs_deployer_passrole_role_name": "nobody-here"}, ["ecs_deployer_passrole_role_name=\"nobody-here\": no such IAM role"], True),
    # Inputs are checked for every application before the first AWS call.
    ({"ecs_deployer_passrole_role_name": "a", "ecs_deployer_passrole_user_name": "b"}, ["name the deployer's IAM role or its IAM user, not both"],
     False),
    ({"ecs_deployer_passrole_user_name": "bad name"}, ["ecs_deployer_passrole_user_name=\"bad name\"", "+=,.@_-"], False),
])
def test_bad_deployer_input_names_the_field_and_attaches_nothing(variables, words, calls, playbook, make_inventory, iam):
    run = playbook("deploy.yml", str(make_inventory(group_vars=variables)))
    assert run.rc != 0
    flat = " ".join(run.output.split())
    for word in words:
        assert word in flat
    assert bool(run.calls.actions) is calls
    # No PassRole policy was put anywhere (where the run reached AWS, the roles' own policies were: those are other puts).
    assert [params for put in ("PutRolePolicy", "PutUserPolicy") for params in run.calls.parameters(put)
            if params["PolicyName"].endswith("ecs-passrole")] == []
    if calls:  # positive control of the line above: the run did put the roles' own policies
        assert run.calls.parameters("PutRolePolicy")
    assert "nobody-here" not in [role["RoleName"] for role in iam.list_roles()["Roles"]]


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES  # pylint: disable=import-outside-toplevel

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls


def deployer_policy_reads(run):
    """The reads of the deployer's inline policies (GetRolePolicy on the deployer) in one run."""
    return [params["PolicyName"] for params in run.calls.parameters("GetRolePolicy") if params.get("RoleName") == "deployer"]


@pytest.mark.parametrize("count", [4, 8])
def test_a_rerun_in_per_application_mode_reads_each_policy_once_and_writes_nothing(count, playbook, make_inventory, iam):
    """Issue 21 item 11: one read of the deployer's inline policies per run, each policy once, whatever the number of
    applications (amazon.aws.iam_policy, run per application, read every policy of the deployer each time: N squared)."""
    create_deployer(iam, "role")
    hosts = ["app%02d" % number for number in range(1, count + 1)]
    inventory = make_inventory(hosts=hosts, group_vars={"ecs_task_role_path": "/", "ecs_deployer_passrole_role_paths": [],
                                                        "ecs_iam_deploy_execution_role": False,
                                                        "ecs_deployer_passrole_role_name": "deployer"})
    first = playbook("deploy.yml", str(inventory))
    assert first.rc == 0, first.output
    names = ["staging-%s-ecs-passrole" % host for host in hosts]
    assert sorted(read(iam, "role")) == names
    assert sorted(params["PolicyName"] for params in first.calls.parameters("PutRolePolicy") if params["RoleName"] == "deployer") == names

    again = playbook("deploy.yml", str(inventory))
    assert again.rc == 0 and again.changed == 0 and again.writes == [], again.output
    # Each policy read once (not once per application), and the policy list of the deployer once.
    assert sorted(deployer_policy_reads(again)) == names
    assert [params["RoleName"] for params in again.calls.parameters("ListRolePolicies")].count("deployer") == 1
