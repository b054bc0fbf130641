"""playbooks/render.yml: golden files per inventory, and no AWS call at all.

Regenerate the golden files after an intended change with:  UPDATE_GOLDEN=1 make integration
"""

import json
import os
import pathlib
import shutil

import pytest

pytestmark = pytest.mark.integration

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden" / "render"
ENVIRONMENTS = ["staging", "production"]


def rendered_files(folder):
    return sorted(path.name for path in folder.iterdir())


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_render_matches_the_golden_files_and_calls_no_aws(env, playbook, tmp_path):
    run = playbook("render.yml", env, extra_vars={"render_dir": str(tmp_path)})
    assert run.rc == 0, run.output
    assert len(run.calls) == 0, run.calls
    out = tmp_path / env
    golden = GOLDEN / env
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(out, golden)
    assert rendered_files(out) == rendered_files(golden)
    for name in rendered_files(golden):
        assert json.loads((out / name).read_text()) == json.loads((golden / name).read_text()), name
        assert (out / name).read_text() == (golden / name).read_text(), f"{name}: same data, different layout"


def test_render_is_what_deploy_creates(playbook, iam, tmp_path):
    assert playbook("render.yml", "staging", extra_vars={"render_dir": str(tmp_path)}).rc == 0
    assert playbook("deploy.yml", "staging").rc == 0
    out = tmp_path / "staging"
    role_json = json.loads((out / "role.json").read_text())
    role = iam.get_role(RoleName=role_json["name"])["Role"]
    assert role["Arn"] == role_json["arn"]
    assert role["AssumeRolePolicyDocument"] == json.loads((out / "trust-policy.json").read_text())
    assert {t["Key"]: t["Value"] for t in role.get("Tags", [])} == role_json["tags"]
    for name in role_json["inline_policies"]:
        live = iam.get_role_policy(RoleName=role_json["name"], PolicyName=name)["PolicyDocument"]
        assert live == json.loads((out / f"policy-{name}.json").read_text())


def test_render_removes_policy_files_no_longer_declared(playbook, tmp_path):
    stale = tmp_path / "staging" / "policy-removed-long-ago.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    run = playbook("render.yml", "staging", extra_vars={"render_dir": str(tmp_path)})
    assert run.rc == 0, run.output
    assert not stale.exists()


def test_render_needs_the_account_id(playbook, tmp_path):
    run = playbook("render.yml", "staging", extra_vars={"render_dir": str(tmp_path), "ecs_task_role_account_id": ""})
    assert run.rc != 0
    assert "ecs_task_role_account_id" in run.output
    assert len(run.calls) == 0


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `len(run.calls) == 0` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
