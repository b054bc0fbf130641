"""Interrupted runs: ansible-playbook and all its workers SIGKILLed right after IAM answered a given write.

Each run deploys (or removes) staging's cerpac task role alone (deploy.yml --limit cerpac, no execution role:
tests/support/reliability.py::deploy_args), so that the Nth write is always the same one.

The fault proxy sees moto's answer to the Nth write of an action and, before passing the answer on, SIGKILLs the
run: ansible-playbook, its workers and their module processes (the workers call setsid(), so that is more than
ansible-playbook's process group; tests/support/reliability.py::kill_run). It refuses anything sent afterwards (there
must be nothing: the test checks it). So the run stops exactly between two writes, every time, and the next run
has to converge from that partial state.
"""

import os
import signal
import threading
import time

import pytest
from tests.support.reliability import (RETRY_ENV, apply_directly, deploy_args, differences, finish, kill_run, leftovers, playbook_env, read_live,
                                       run_members, run_playbook, start_playbook)

pytestmark = pytest.mark.integration

ROLE = "staging-cerpac-ecs-task-role"
ABSENT = {"ecs_task_role_state": "absent"}


@pytest.fixture
def env(aws, proxy, tmp_path):
    # A killed run cannot clean its temporary files: keep them in the test's directory, not in ~/.ansible.
    return playbook_env(aws, proxy.url, **RETRY_ENV, ANSIBLE_LOCAL_TEMP=str(tmp_path / "local"), ANSIBLE_REMOTE_TMP=str(tmp_path / "remote"))


def run_killed_after(proxy, env, action, nth, extra_vars=None):
    """Run deploy.yml and SIGKILL its process group once IAM has answered the `nth` `action`."""
    answered, runs, tripped = [], [], threading.Event()

    def tripwire(request, status):
        if request.action == action and status < 400:
            answered.append(request.params)
            if len(answered) == nth:
                proxy.refuse_all = True
                kill_run(runs[0])
                tripped.set()
                return True  # the client is gone; its answer goes nowhere
        return False

    proxy.after_forward = tripwire
    try:
        runs.append(start_playbook(deploy_args("staging", extra_vars=extra_vars), env))
        run = finish(runs[0])
        tripped.wait(timeout=60)  # the proxy's thread may still be sweeping when ansible-playbook is already dead
    finally:
        proxy.after_forward = None
        proxy.refuse_all = False
    assert run.rc == -signal.SIGKILL, f"the run was not killed after {action} #{nth} (rc {run.rc}):\n{run.output[-3000:]}"
    assert len(answered) == nth
    assert proxy.stats()["injected"]["refused"] == 0, "a request was sent after the kill"
    assert run_members(runs[0]) == [], "a process of the killed run survived"
    return answered


@pytest.mark.parametrize("action, policies_written", [("CreateRole", 0), ("PutRolePolicy", 1)], ids=["after-CreateRole", "after-first-PutRolePolicy"])
def test_a_deploy_killed_after_a_write_is_converged_by_the_next_deploy(action, policies_written, aws, iam, proxy, env, declared):
    answered = run_killed_after(proxy, env, action, 1)
    partial = read_live(iam, ROLE)
    assert partial is not None
    # The role carries its trust policy and tags from CreateRole on; only the inline policies are missing.
    kept = ("trust_policy", "tags", "description", "path")
    assert {key: partial[key] for key in kept} == {key: declared[key] for key in kept}
    assert len(partial["inline_policies"]) == policies_written
    if policies_written:
        name = answered[0]["PolicyName"]
        assert partial["inline_policies"] == {name: declared["inline_policies"][name]}

    proxy.reset_counts()
    resumed = run_playbook(deploy_args("staging"), env)
    assert resumed.rc == 0, resumed.output[-3000:]
    assert resumed.changed > 0
    assert differences(declared, read_live(iam, ROLE)) == []
    # It wrote only what was missing: no second CreateRole, and the policies not yet written.
    assert proxy.stats()["seen"].get("CreateRole", 0) == 0
    assert proxy.stats()["seen"]["PutRolePolicy"] == len(declared["inline_policies"]) - policies_written


def test_absent_after_an_interrupted_deploy_leaves_nothing_behind(iam, proxy, env):
    run_killed_after(proxy, env, "PutRolePolicy", 2)
    assert len(read_live(iam, ROLE)["inline_policies"]) == 2

    gone = run_playbook(deploy_args("staging", extra_vars=ABSENT), env)
    assert gone.rc == 0, gone.output[-3000:]
    assert leftovers(iam) == {"roles": [], "instance_profiles": [], "policies": []}


def test_an_interrupted_absent_is_finished_by_the_next_absent(iam, proxy, env, declared):
    apply_directly(iam, declared)
    run_killed_after(proxy, env, "DeleteRolePolicy", 1, ABSENT)
    partial = read_live(iam, ROLE)
    assert partial is not None and len(partial["inline_policies"]) == len(declared["inline_policies"]) - 1

    gone = run_playbook(deploy_args("staging", extra_vars=ABSENT), env)
    assert gone.rc == 0, gone.output[-3000:]
    assert gone.changed > 0
    assert leftovers(iam) == {"roles": [], "instance_profiles": [], "policies": []}


def test_killing_ansible_playbook_alone_lets_the_running_module_finish_and_starts_no_new_task(iam, proxy, env, declared):
    """What docs/reliability.md says of `kill -9 <ansible-playbook>` (issue 21, item 14): its workers are in their own
    sessions, so the module running at that moment finishes its AWS calls (IAM answering), no further task starts, and
    every process of the run is gone within seconds; the next deploy converges."""
    runs, after, killed = [], [], threading.Event()

    def tripwire(request, status):
        if killed.is_set():
            after.append(request.action)
        elif request.action == "CreateRole" and status < 400:
            os.killpg(runs[0].pid, signal.SIGKILL)  # ansible-playbook's process group only, as `kill -9` of it would
            killed.set()
        return False

    proxy.after_forward = tripwire
    try:
        runs.append(start_playbook(deploy_args("staging"), env))
        assert killed.wait(timeout=120), "the run never created the role"
        start = time.perf_counter()
        while run_members(runs[0]) and time.perf_counter() - start < 60:
            time.sleep(0.2)
        left = run_members(runs[0])
        ended = time.perf_counter() - start
    finally:
        proxy.after_forward = None
        kill_run(runs[0])
    assert left == [], "processes of the killed run still alive after %.0f s" % ended
    # iam_role finishes its own reads after CreateRole; the next task (the inline policies) never starts.
    assert "PutRolePolicy" not in after and "CreateRole" not in after, after
    assert read_live(iam, ROLE)["inline_policies"] == {}

    resumed = run_playbook(deploy_args("staging"), env)
    assert resumed.rc == 0, resumed.output[-3000:]
    assert differences(declared, read_live(iam, ROLE)) == []
