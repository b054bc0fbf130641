"""playbooks/render.yml: golden files per inventory (every application's roles, the PassRole policy, ACCESS.md), no AWS
call at all, and exactly what deploy.yml creates.

Regenerate the golden files after an intended change with:  UPDATE_GOLDEN=1 make integration (only the value 1)
"""

import json
import os
import pathlib
import shutil

import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden" / "render"
ENVIRONMENTS = ["staging", "production"]


def files(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def applications(inventory):
    return sorted(yaml.safe_load((pathlib.Path(inventory) / "hosts.yml").read_text())["ecs_iam"]["hosts"])


def expected_files(inventory):
    """The files render.yml must write at least, from the inventory alone: so that no loop below can run over nothing."""
    wanted = ["ACCESS.md", "passrole-policy.json"]
    for app in applications(inventory):
        for kind in ("task-role", "execution-role"):  # every shipped application has both (ecs_iam_deploy_execution_role)
            wanted += [f"{app}/{kind}/role.json", f"{app}/{kind}/trust-policy.json"]
    return sorted(wanted)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_render_matches_the_golden_files_and_calls_no_aws(env, playbook, tmp_path):
    run = playbook("render.yml", env, extra_vars={"render_dir": str(tmp_path)})
    assert run.rc == 0, run.output
    assert len(run.calls) == 0, run.calls
    out = tmp_path / env
    golden = GOLDEN / env
    if os.environ.get("UPDATE_GOLDEN") == "1":  # only 1: any other value compares, as a typo must not rewrite them
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(out, golden)
    assert set(expected_files(REPO / "inventories" / env)) <= set(files(golden)), f"{golden} lacks files: UPDATE_GOLDEN=1, then review"
    assert files(out) == files(golden)
    compared = 0
    for name in files(golden):
        if name.endswith(".json"):
            assert json.loads((out / name).read_text()) == json.loads((golden / name).read_text()), name
        assert (out / name).read_text() == (golden / name).read_text(), f"{name}: same data, different layout"
        compared += 1
    assert compared == len(files(golden)) >= len(expected_files(REPO / "inventories" / env))


def boundary_of(role):
    return role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn", "")


def test_render_is_what_deploy_creates_and_a_second_render_changes_nothing(playbook, make_inventory, iam, tmp_path):
    # Values other than the defaults, so that a field deploy drops or render misstates cannot match by chance.
    iam.create_role(RoleName="deployer-ci", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    inventory = str(make_inventory(group_vars={
        "ecs_deployer_passrole_role_name": "deployer-ci",
        "ecs_task_role_max_session_duration": 7200,
        "ecs_task_role_permissions_boundary": "arn:aws:iam::aws:policy/PowerUserAccess",
        "ecs_task_execution_role_max_session_duration": 5400,
        "ecs_task_execution_role_permissions_boundary": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    }))
    render_dir = tmp_path / "rendered"
    assert playbook("render.yml", inventory, extra_vars={"render_dir": str(render_dir)}).rc == 0
    deploy = playbook("deploy.yml", inventory)
    assert deploy.rc == 0, deploy.output
    role_files = sorted((render_dir / "staging").glob("*/*/role.json"))
    assert [str(path.relative_to(render_dir / "staging")) for path in role_files] == [
        name for name in expected_files(inventory) if name.endswith("role.json")]
    for role_json in role_files:
        declared = json.loads(role_json.read_text())
        role = iam.get_role(RoleName=declared["name"])["Role"]
        assert role["Arn"] == declared["arn"]
        assert (role["Path"], role["Description"], role["MaxSessionDuration"], boundary_of(role)) == (
            declared["path"], declared["description"], declared["max_session_duration"], declared["permissions_boundary"])
        assert role["AssumeRolePolicyDocument"] == json.loads((role_json.parent / "trust-policy.json").read_text())
        assert {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=declared["name"])["Tags"]} == declared["tags"]
        assert sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=declared["name"])["AttachedPolicies"]) == declared["managed_policy_arns"]
        assert sorted(iam.list_role_policies(RoleName=declared["name"])["PolicyNames"]) == declared["inline_policies"]
        for name in declared["inline_policies"]:
            live = iam.get_role_policy(RoleName=declared["name"], PolicyName=name)["PolicyDocument"]
            assert live == json.loads((role_json.parent / f"policy-{name}.json").read_text())
    # The deployer's PassRole policy: the playbooks name it <env>-ecs-passrole when the roles share the environment's path.
    assert iam.list_role_policies(RoleName="deployer-ci")["PolicyNames"] == ["staging-ecs-passrole"]
    assert iam.get_role_policy(RoleName="deployer-ci", PolicyName="staging-ecs-passrole")["PolicyDocument"] == \
        json.loads((render_dir / "staging" / "passrole-policy.json").read_text())
    again = playbook("render.yml", inventory, extra_vars={"render_dir": str(render_dir)})
    assert again.rc == 0 and again.changed == 0


def test_render_removes_policy_files_no_longer_declared(playbook, tmp_path):
    stale = tmp_path / "staging" / "cerpac" / "task-role" / "policy-removed-long-ago.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    run = playbook("render.yml", "staging", "--limit", "cerpac", extra_vars={"render_dir": str(tmp_path)})
    assert run.rc == 0, run.output
    assert not stale.exists()
    assert (stale.parent / "policy-grants-s3.json").exists()


def test_an_application_without_start_up_secrets_is_on_the_access_page(playbook, make_inventory, tmp_path):
    """An execution role with no secrets, parameters or keys (its start-up policy is null) renders, and its page says
    it holds only the managed policy (issue 21, item 1: the page crashed, blaming the host that ran it)."""
    inventory = make_inventory(host_vars={"worker": {"ecs_task_execution_role_secrets": [], "ecs_task_execution_role_image_repositories": [],
                                                     "ecs_task_execution_role_log_groups": []}})
    run = playbook(str(REPO / "playbooks" / "render.yml"), str(inventory), extra_vars={"render_dir": str(tmp_path / "out")})
    assert run.rc == 0, run.output
    assert len(run.calls) == 0, run.calls
    section = (tmp_path / "out" / "staging" / "ACCESS.md").read_text().split("\n## worker\n", 1)[1]
    assert "ecs-startup-secrets" not in section
    assert "| execution | (managed policy) | what `AmazonECSTaskExecutionRolePolicy` allows: **unscoped**," in section
    assert not (tmp_path / "out" / "staging" / "worker" / "execution-role" / "policy-ecs-startup-secrets.json").exists()


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES  # pylint: disable=import-outside-toplevel

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
