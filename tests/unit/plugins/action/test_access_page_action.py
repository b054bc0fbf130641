# -*- coding: utf-8 -*-

# Copyright (c) 2025, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cerpac.ecs_iam.access_page run for real through ansible-playbook, once, with every case as a task: check
mode, write, no change on a second run, diff, bad input and a folder as dest. No AWS."""

import json
import os
import pathlib
import subprocess
import sys

import pytest
import yaml

from tests.support.access_inputs import environment_outputs

REPO = pathlib.Path(__file__).resolve().parents[4]
BIN = pathlib.Path(sys.executable).parent
GOLDEN = REPO / "tests" / "golden" / "access" / "staging"


def task(name, args, **extra):
    return dict({"name": name, "cerpac.ecs_iam.access_page": args, "register": name, "ignore_errors": True}, **extra)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Run the playbook once; return (results by task name, the work folder)."""
    tmp = tmp_path_factory.mktemp("access_page")
    decl = yaml.safe_load((GOLDEN / "environment.yml").read_text())
    applications, passrole = environment_outputs(decl)
    wider = json.loads(json.dumps(applications))
    worker = next(app for app in wider if app["name"] == "queue-worker")
    sqs = next(policy for policy in worker["task_role"]["inline_policies"] if policy["name"] == "grants-sqs")
    sqs["document"]["Statement"][0]["Action"].append("sqs:PurgeQueue")
    (tmp / "vars.json").write_text(json.dumps({"apps": applications, "wider": wider, "passrole": passrole}))
    page = str(tmp / "out" / "staging" / "ACCESS.md")
    base = {"environment": "staging", "applications": "{{ apps }}", "passrole": "{{ passrole }}", "source": "inventories/staging",
            "dest": page}
    names = ["checked", "written", "again", "diffed", "bad_input", "folder"]
    play = [{
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            task("checked", dict(base, dest=str(tmp / "checked" / "ACCESS.md")), check_mode=True),
            task("written", base),
            task("again", base),
            task("diffed", dict(base, applications="{{ wider }}"), check_mode=True, diff=True),
            task("bad_input", dict(base, environment="Staging", dest=str(tmp / "bad.md"))),
            task("folder", dict(base, dest=str(tmp))),
            {"name": "save", "ansible.builtin.copy": {
                "content": "{{ {%s} | to_json }}" % ", ".join("'%s': %s" % (name, name) for name in names),
                "dest": str(tmp / "results.json")}, "check_mode": False},
        ],
    }]
    (tmp / "play.yml").write_text(json.dumps(play))
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", PATH="%s:%s" % (BIN, os.environ["PATH"]))
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           "-e", "ansible_python_interpreter=%s" % sys.executable, "-e", "@%s" % (tmp / "vars.json"),
                           str(tmp / "play.yml")], cwd=str(REPO), env=env, capture_output=True, text=True, check=False)
    assert (tmp / "results.json").exists(), proc.stdout + proc.stderr
    return json.loads((tmp / "results.json").read_text()), tmp


def test_check_mode_reports_a_change_and_writes_nothing(run):
    results, tmp = run
    assert results["checked"]["changed"] is True
    assert results["checked"].get("failed") is not True
    assert not (tmp / "checked").exists()


def test_the_page_is_written_once_then_left_alone(run):
    results, tmp = run
    page = tmp / "out" / "staging" / "ACCESS.md"
    assert results["written"]["changed"] is True and results["written"]["dest"] == str(page)
    assert results["again"]["changed"] is False
    assert page.read_text() == (GOLDEN / "ACCESS.md").read_text()
    assert oct(page.stat().st_mode & 0o777) == "0o644"
    assert sorted(path.name for path in page.parent.iterdir()) == ["ACCESS.md"]  # no temporary file left behind


def test_diff_shows_the_lines_that_change_and_check_mode_keeps_the_file(run):
    results, tmp = run
    diffed = results["diffed"]
    assert diffed["changed"] is True
    assert diffed["diff"]["before"] == (GOLDEN / "ACCESS.md").read_text()
    assert diffed["diff"]["before_header"] == diffed["diff"]["after_header"] == str(tmp / "out" / "staging" / "ACCESS.md")
    new_lines = set(diffed["diff"]["after"].splitlines()) - set(diffed["diff"]["before"].splitlines())
    assert sorted(new_lines) == [
        '    svc_sqs_not_from_a_grant["not from a grant<br>queue-worker"]',
        "| task | sqs | `sqs:ChangeMessageVisibility`<br>`sqs:DeleteMessage`<br>`sqs:GetQueueAttributes`<br>`sqs:GetQueueUrl`"
        "<br>`sqs:PurgeQueue`<br>`sqs:ReceiveMessage` | \u2014 | `arn:aws:sqs:eu-west-1:123456789012:staging-cerpac-jobs`"
        " | `grants-sqs` (not from a grant) |",
    ]
    assert (tmp / "out" / "staging" / "ACCESS.md").read_text() == (GOLDEN / "ACCESS.md").read_text()


def test_bad_input_fails_naming_the_field(run):
    results, tmp = run
    assert results["bad_input"]["failed"] is True and results["bad_input"]["changed"] is False
    assert results["bad_input"]["errors"] == [
        "environment: 'Staging' is not an environment name; give lowercase letters, digits and single hyphens, e.g. staging"]
    assert results["bad_input"]["msg"] == "1 problem(s) in the access page's input:\n" + results["bad_input"]["errors"][0]
    assert not (tmp / "bad.md").exists()


def test_a_folder_as_dest_is_refused(run):
    results, tmp = run
    assert results["folder"]["failed"] is True
    assert results["folder"]["msg"] == "dest=%r is a folder; give the page's file path, for example %s" % (str(tmp), tmp / "ACCESS.md")


def test_bad_input_names_the_application_at_fault_first(action):
    """The task runs once for the environment (run_once): the message names the application, not the host that ran it."""
    applications, passrole = environment_outputs(yaml.safe_load((GOLDEN / "environment.yml").read_text()))
    worker = next(app for app in applications if app["name"] == "queue-worker")
    worker["execution_role"]["startup"] = {"policy": 7}
    result = action("access_page", {"environment": "staging", "applications": applications, "passrole": passrole,
                                    "dest": "/nonexistent/ACCESS.md"})
    assert result["failed"] is True and result["applications"] == ["queue-worker"]
    assert result["msg"] == (
        "queue-worker: 1 problem(s) in the access page's input:\n"
        "applications[1] (queue-worker).execution_role.startup: {\"policy\": 7} is not the start-up access; give {secrets, parameters,"
        " kms_keys, policy (a name or null)}")
