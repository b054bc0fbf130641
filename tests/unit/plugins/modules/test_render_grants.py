# -*- coding: utf-8 -*-

# Copyright (c) 2025, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cerpac.ecs_iam.render_grants run for real through ansible-playbook (AnsiballZ), no AWS."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[4]
BIN = pathlib.Path(sys.executable).parent
GOLDEN = REPO / "tests" / "unit" / "golden" / "grants"


def _run(tmp_path, args, check_mode=False):
    """Run the module once in a playbook; return its registered result."""
    out = tmp_path / "result.json"
    playbook = tmp_path / "play.yml"
    playbook.write_text(json.dumps([{
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {"name": "render", "cerpac.ecs_iam.render_grants": args, "register": "result", "ignore_errors": True},
            {"name": "save", "ansible.builtin.copy": {"content": "{{ result | to_json }}", "dest": str(out)}, "check_mode": False},
        ],
    }]))
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", PATH="%s:%s" % (BIN, os.environ["PATH"]))
    command = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % sys.executable, str(playbook)]
    if check_mode:
        command.append("--check")
    proc = subprocess.run(command, cwd=str(REPO), env=env, capture_output=True, text=True, check=False)
    assert out.exists(), proc.stdout + proc.stderr
    return json.loads(out.read_text())


@pytest.mark.parametrize("name", ["issue_example", "worker_china", "govcloud_everything"])
@pytest.mark.parametrize("check_mode", [False, True])
def test_module_renders_the_golden_policies(tmp_path, name, check_mode):
    golden = json.loads((GOLDEN / ("%s.json" % name)).read_text())
    args = {"grants": golden["grants"], "region": golden["region"], "account_id": golden["account_id"]}
    if golden["partition"]:
        args["partition"] = golden["partition"]
    result = _run(tmp_path, args, check_mode=check_mode)
    assert result.get("failed") is not True, result
    assert result["changed"] is False
    assert result["policies"] == golden["policies"]
    assert result["statements_count"] == sum(len(p["document"]["Statement"]) for p in golden["policies"])


def test_module_fails_with_every_error(tmp_path):
    result = _run(tmp_path, {
        "region": "eu-west-1",
        "account_id": "123456789012",
        "grants": [
            {"service": "sqs", "access": ["send"], "resources": ["ok"]},
            {"service": "s3", "access": ["read", "fly"], "resources": ["arn:aws:s3:::b"], "prefix": "*"},
            {"service": "ecr", "access": ["pull"], "resources": ["x"], "prefix": "a/"},
        ],
    })
    assert result["failed"] is True and result["changed"] is False
    assert result["policies"] == [] and result["statements_count"] == 0
    fields = [(error["grant"], error["service"], error["field"]) for error in result["errors"]]
    assert fields == [(1, "s3", "access"), (1, "s3", "resources"), (1, "s3", "prefix"), (2, "ecr", "prefix"), (2, "ecr", "resources")]
    for error in result["errors"]:
        assert error["message"] in result["msg"]
        assert error["allowed"]
    assert "grants[1] (s3): access: 'fly' is not an access level s3 offers; allowed: read, write, delete, list" in result["msg"]


@pytest.mark.parametrize("args,needle", [
    ({"region": "eu-west-1", "account_id": "123", "grants": []}, "account_id: '123' is not a valid AWS account id"),
    ({"region": "eu-west-1", "account_id": "123456789012", "partition": "aws-cn", "grants": []}, "partition: 'aws-cn' does not match region"),
    ({"region": "eu-west-1", "account_id": "123456789012", "partition": "mars", "grants": []}, "value of partition must be one of"),
])
def test_module_refuses_bad_context(tmp_path, args, needle):
    result = _run(tmp_path, args)
    assert result["failed"] is True
    assert needle in result["msg"]


def test_module_with_no_grants_renders_nothing(tmp_path):
    result = _run(tmp_path, {"region": "cn-north-1", "account_id": "123456789012", "grants": []})
    assert result["changed"] is False and result["policies"] == [] and result["statements_count"] == 0
