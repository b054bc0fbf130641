"""Leftovers (issue 17 item 5): a role of the environment that no host declares (a removed host, an execution role
turned off) is listed with its grants by deploy.yml (a warning) and verify.yml (a failure, no write); deploy.yml
-e ecs_iam_prune=true deletes it (shown first by --check --diff, which writes nothing), is refused under --limit with no
call, and never touches a role outside the environment's path or without the collection's tags for the environment."""

import json

import pytest

pytestmark = pytest.mark.integration

STAGING_ROLES = ["staging-cerpac-ecs-task-role", "staging-cerpac-ecs-task-execution-role", "staging-worker-ecs-task-role",
                 "staging-worker-ecs-task-execution-role"]
PRUNABLE = ["staging-cerpac-ecs-task-execution-role", "staging-worker-ecs-task-execution-role", "staging-worker-ecs-task-role"]
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                            "Action": "sts:AssumeRole"}]})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
STAGING_TAGS = [{"Key": "Environment", "Value": "staging"}, {"Key": "ManagedBy", "Value": "Ansible"}, {"Key": "Module", "Value": "ecs_task_role"}]
# Roles of others that prune must never touch: under the path without the tags, tagged for staging outside the path,
# another environment's, and an unrelated role at the root.
OTHERS = {
    "hand-made": ("/ecs/staging/", []),
    "staging-moved": ("/elsewhere/", STAGING_TAGS),
    "production-api-ecs-task-role": ("/ecs/production/", [dict(tag, Value="production") if tag["Key"] == "Environment" else tag
                                                          for tag in STAGING_TAGS]),
    "unrelated": ("/", []),
}


def snapshot(iam):
    """Every role of the account with everything that grants or identifies it, and every instance profile's roles."""
    roles = {}
    for role in iam.get_paginator("list_roles").paginate().build_full_result()["Roles"]:
        name = role["RoleName"]
        full = iam.get_role(RoleName=name)["Role"]
        roles[name] = {
            "path": full["Path"], "trust": full["AssumeRolePolicyDocument"], "tags": full.get("Tags", []),
            "managed": sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]),
            "inline": {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"] for p in iam.list_role_policies(RoleName=name)["PolicyNames"]},
        }
    profiles = {p["InstanceProfileName"]: sorted(r["RoleName"] for r in p["Roles"]) for p in iam.list_instance_profiles()["InstanceProfiles"]}
    return roles, profiles


def leftovers_account(playbook, iam):
    """The staging environment deployed, the other roles made by hand, and the leftovers given grants beyond the role's own."""
    run = playbook("deploy.yml", "staging")
    assert run.rc == 0, run.output
    for name, (path, tags) in OTHERS.items():
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST, Tags=tags)
        iam.put_role_policy(RoleName=name, PolicyName="own", PolicyDocument=POLICY)
        iam.attach_role_policy(RoleName=name, PolicyArn=READ_ONLY)
    iam.attach_role_policy(RoleName="staging-worker-ecs-task-role", PolicyArn=READ_ONLY)
    for profile, roles in (("staging-worker-ecs-task-role", ["staging-worker-ecs-task-role"]), ("shared-profile", ["staging-worker-ecs-task-execution-role"]),
                           ("hand-made", ["hand-made"])):
        iam.create_instance_profile(InstanceProfileName=profile)
        for role in roles:
            iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)


def test_a_removed_host_and_an_execution_role_turned_off_are_listed_then_pruned_and_nothing_else_is_touched(playbook, iam, make_inventory):
    leftovers_account(playbook, iam)
    # worker removed from the inventory; cerpac's execution role turned off.
    inventory = make_inventory(hosts=["cerpac"], host_vars={"cerpac": {"ecs_iam_deploy_execution_role": False}})
    before = snapshot(iam)

    run = playbook("deploy.yml", str(inventory))
    assert run.rc == 0, run.output
    flat = " ".join(run.output.split())
    for name in PRUNABLE:
        assert f"leftover role {name} (" in flat and f"{name}): no host of the inventory declares it" in flat, name
    assert ("staging-worker-ecs-task-role (arn:aws:iam::123456789012:role/ecs/staging/staging-worker-ecs-task-role): no host of the inventory "
            "declares it; inline policies [grants-dynamodb, grants-logs, grants-sqs], managed policies [arn:aws:iam::aws:policy/ReadOnlyAccess], "
            "instance profiles [staging-worker-ecs-task-role]; -e ecs_iam_prune=true deletes it") in flat
    assert "hand-made (arn:aws:iam::123456789012:role/ecs/staging/hand-made): no host of the inventory declares it" in flat
    assert "-e ecs_iam_prune=true leaves it alone because its tags do not say Environment=staging" in flat
    assert "staging-moved (arn:aws:iam::123456789012:role/elsewhere/staging-moved)" in flat
    assert "production-api" not in flat and "unrelated" not in flat
    assert run.writes == [] and snapshot(iam) == before

    run = playbook("verify.yml", str(inventory))
    assert run.rc != 0
    flat = " ".join(run.output.split())
    assert "Environment staging: 5 leftover role(s) that no application declares" in flat
    for name in PRUNABLE + ["hand-made", "staging-moved"]:
        assert f"{name} (arn:aws:iam::123456789012:role/" in flat, name
    assert run.writes == [] and run.changed == 0 and snapshot(iam) == before

    run = playbook("deploy.yml", str(inventory), "--check", "--diff", extra_vars={"ecs_iam_prune": "true"})
    assert run.rc == 0, run.output
    for name in PRUNABLE:
        assert f"-    {name}:" in run.stdout, name
    assert "-    hand-made:" not in run.stdout and "-    staging-moved:" not in run.stdout
    assert run.writes == [] and snapshot(iam) == before

    run = playbook("deploy.yml", str(inventory), extra_vars={"ecs_iam_prune": "true"})
    assert run.rc == 0, run.output
    assert set(run.writes) == {"DeleteRolePolicy", "DetachRolePolicy", "RemoveRoleFromInstanceProfile", "DeleteInstanceProfile", "DeleteRole"}
    assert run.calls.count("DeleteRole") == 3 and run.calls.count("DeleteInstanceProfile") == 1
    roles, profiles = snapshot(iam)
    assert sorted(set(before[0]) - set(roles)) == PRUNABLE
    assert roles == {name: role for name, role in before[0].items() if name not in PRUNABLE}  # every other role exactly as it was
    assert profiles == {"shared-profile": [], "hand-made": ["hand-made"]}

    run = playbook("deploy.yml", str(inventory), extra_vars={"ecs_iam_prune": "true"})
    assert run.rc == 0 and run.writes == [], run.output
    run = playbook("verify.yml", str(inventory))
    assert run.rc != 0 and "Environment staging: 2 leftover role(s)" in " ".join(run.output.split()) and run.writes == []


def test_prune_under_limit_is_refused_before_any_call(playbook, iam, make_inventory):
    leftovers_account(playbook, iam)
    before = snapshot(iam)
    run = playbook("deploy.yml", "staging", "--limit", "cerpac", extra_vars={"ecs_iam_prune": "true"})
    assert run.rc != 0
    assert "ecs_iam_prune: refused under --limit (or a job slice): the run does not include 1 of the inventory's hosts (worker)" in " ".join(run.output.split())
    assert run.calls.actions == [] and snapshot(iam) == before
    # Without prune, a limited run still knows every host's roles (declared on the controller for the whole inventory):
    # it lists what no host declares, and none of the roles of the hosts outside the limit.
    inventory = make_inventory(hosts=["cerpac", "worker", "gone"], host_vars={"gone": {"ecs_task_role_grants": []}})
    run = playbook("deploy.yml", str(inventory), "--limit", "cerpac")
    assert run.rc == 0, run.output
    flat = " ".join(run.output.split())
    assert "hand-made (arn:aws:iam::123456789012:role/ecs/staging/hand-made): no host of the inventory declares it" in flat
    assert "leftover role staging-worker-ecs-task-role (" not in flat and "leftover role staging-worker-ecs-task-execution-role (" not in flat
    assert "Leftovers not looked for" not in run.stdout


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` checks (tests/support/write_control.py)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES  # pylint: disable=import-outside-toplevel

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls


def test_per_application_passrole_policy_of_a_removed_host_is_deleted_with_its_roles(playbook, iam, make_inventory):
    """Per-application PassRole mode (no path in ecs_deployer_passrole_role_paths): the removed application's
    <env>-<app>-ecs-passrole on the deployer passes only its roles, so prune deletes it with them; the remaining
    application's policy, and a hand-written one naming a pruned role among other grants, are read back unchanged."""
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST)
    per_application = {"ecs_deployer_passrole_role_paths": [], "ecs_deployer_passrole_role_name": "deployer"}
    full = make_inventory(group_vars=per_application, name="full")
    run = playbook("deploy.yml", str(full))
    assert run.rc == 0, run.output
    assert sorted(iam.list_role_policies(RoleName="deployer")["PolicyNames"]) == ["staging-cerpac-ecs-passrole", "staging-worker-ecs-passrole"]
    worker_arn = iam.get_role(RoleName="staging-worker-ecs-task-role")["Role"]["Arn"]
    iam.put_role_policy(RoleName="deployer", PolicyName="hand-written", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": [worker_arn, "arn:aws:iam::123456789012:role/other"]}]}))
    kept = {name: iam.get_role_policy(RoleName="deployer", PolicyName=name)["PolicyDocument"] for name in ("staging-cerpac-ecs-passrole", "hand-written")}

    removed = make_inventory(hosts=["cerpac"], group_vars=per_application, name="removed")
    run = playbook("deploy.yml", str(removed))
    assert run.rc == 0, run.output
    assert "the deployer's inline policies [hand-written, staging-worker-ecs-passrole] name it" in " ".join(run.output.split())
    assert run.writes == []

    run = playbook("deploy.yml", str(removed), extra_vars={"ecs_iam_prune": "true"})
    assert run.rc == 0, run.output
    assert "the deployer's inline policy hand-written names the pruned role(s) " + worker_arn in " ".join(run.output.split())
    assert sorted(iam.list_role_policies(RoleName="deployer")["PolicyNames"]) == ["hand-written", "staging-cerpac-ecs-passrole"]
    assert {name: iam.get_role_policy(RoleName="deployer", PolicyName=name)["PolicyDocument"] for name in kept} == kept
    # worker's three grants, its execution role's secrets policy and its scoped grants-ecr and grants-logs; the deployer's policy
    assert run.calls.count("DeleteRolePolicy") == 3 + 3 + 1
    assert "staging-worker-ecs-task-role" not in [role["RoleName"] for role in iam.list_roles()["Roles"]]
