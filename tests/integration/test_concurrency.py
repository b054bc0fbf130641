"""Two deploys of staging's cerpac task role at the same time (deploy.yml --limit cerpac, the task role alone): two
ansible-playbook processes, each with its own access key so the fault proxy (no faults here) can tell their requests
apart and force the interleaving that matters, every time.

What happens, precisely:
- Same declaration, both starting on an empty account, both past role_plan before either creates the role: one
  CreateRole wins, the other meets EntityAlreadyExists and the role's task runs once more, finds the role, and
  converges it. Both runs succeed; the role is exactly as declared; a re-run changes nothing.
- Different declarations (one narrows S3 and drops the Secrets Manager grant): per inline policy, the last writer wins, and
  nothing orders the two runs. Forced here: the changed run writes grants-s3, the unchanged run reads that,
  puts its own grants-s3 back and ends, then the changed run deletes grants-secretsmanager. Both succeed, and the role
  matches neither declaration. The next run of the declaration that should hold converges it. Deploys of one
  environment must therefore be serialised (docs/reliability.md), as the role takes no lock.
"""

import json
import re
import threading

import pytest
from tests.support.reliability import (RETRY_ENV, apply_directly, deploy_args, differences, finish, playbook_env, read_live, render_declaration,
                                       run_playbook, start_playbook)

pytestmark = pytest.mark.integration

ROLE = "staging-cerpac-ecs-task-role"
# S3 narrowed to read, the Secrets Manager grant (the last one, so the other policies' Sids keep their numbers)
# dropped: the changed run puts grants-s3 and deletes grants-secretsmanager, nothing else.
CHANGED_GRANTS = {
    "ecs_task_role_grants": [
        {"service": "s3", "access": ["read"], "resources": ["staging-cerpac-uploads"], "sid": "Uploads"},
        {"service": "ses", "access": ["send"], "resources": ["cerpac.example.com"]},
        {"service": "dynamodb", "access": ["read", "write"], "resources": ["staging-cerpac-sessions", "staging-cerpac-orders"]},
        {"service": "ssm", "access": ["read"], "resources": ["/staging/cerpac/"]},
    ]
}
RETRYING_CREATE = re.compile(r"^FAILED - RETRYING: \[cerpac\]: .*Create, update or delete the role", re.M)
SAFETY = 120  # seconds; only so a broken run cannot hang the suite


@pytest.fixture(scope="module")
def declared_changed(tmp_path_factory):
    return render_declaration(tmp_path_factory.mktemp("declared-changed"), extra_vars=CHANGED_GRANTS)


def env_of(aws, proxy, who):
    return playbook_env(aws, proxy.url, **RETRY_ENV, AWS_ACCESS_KEY_ID=f"testing{who}")


def test_two_deploys_racing_to_create_the_role_both_converge_it(aws, iam, proxy, declared):
    both_planned = threading.Barrier(2, timeout=SAFETY)

    def hold_create_until_both_send_it(request):
        if request.action == "CreateRole":
            both_planned.wait()

    proxy.before_forward = hold_create_until_both_send_it
    runs = [start_playbook(deploy_args("staging"), env_of(aws, proxy, who)) for who in "AB"]
    first, second = [finish(run) for run in runs]
    assert first.rc == 0, first.output[-3000:]
    assert second.rc == 0, second.output[-3000:]
    stats = proxy.stats()
    assert stats["seen"]["CreateRole"] == 2 and stats["answered"]["CreateRole"] == 1  # one won, one met EntityAlreadyExists
    assert [bool(RETRYING_CREATE.search(run.stdout)) for run in (first, second)].count(True) == 1
    assert differences(declared, read_live(iam, ROLE)) == []

    proxy.before_forward = None
    again = run_playbook(deploy_args("staging"), env_of(aws, proxy, "A"))
    assert again.rc == 0 and again.changed == 0, again.output[-3000:]


def test_a_changed_grant_deployed_alongside_the_unchanged_one_mixes_until_the_next_run(aws, iam, proxy, declared, declared_changed):
    apply_directly(iam, declared)
    changed_wrote_s3, unchanged_done = threading.Event(), threading.Event()

    def hold_the_changed_runs_delete(request):
        if request.access_key == "testingB" and request.action == "DeleteRolePolicy":
            unchanged_done.wait(timeout=SAFETY)

    def note_the_changed_runs_put(request, status):
        if request.access_key == "testingB" and request.action == "PutRolePolicy" and status < 400:
            changed_wrote_s3.set()
        return False

    proxy.before_forward, proxy.after_forward = hold_the_changed_runs_delete, note_the_changed_runs_put
    changed = start_playbook(deploy_args("staging", extra_vars=CHANGED_GRANTS), env_of(aws, proxy, "B"))
    try:
        assert changed_wrote_s3.wait(timeout=SAFETY), "the changed run never wrote grants-s3"
        unchanged = run_playbook(deploy_args("staging"), env_of(aws, proxy, "A"))
    finally:
        unchanged_done.set()
        changed_run = finish(changed)
    assert unchanged.rc == 0, unchanged.output[-3000:]
    assert unchanged.changed > 0  # it put its own grants-s3 back
    assert changed_run.rc == 0, changed_run.output[-3000:]

    live = read_live(iam, ROLE)
    # Neither declaration: grants-s3 as the unchanged run wrote it last, grants-secretsmanager deleted by the changed run.
    secrets = json.dumps(declared["inline_policies"]["grants-secretsmanager"], sort_keys=True)
    assert differences(declared, live) == [f"inline policy grants-secretsmanager: declared {secrets}, live null"]
    assert [line.split(":", maxsplit=1)[0] for line in differences(declared_changed, live)] == ["inline policy grants-s3"]
    assert live["inline_policies"]["grants-s3"] == declared["inline_policies"]["grants-s3"]

    proxy.before_forward = proxy.after_forward = None
    settled = run_playbook(deploy_args("staging", extra_vars=CHANGED_GRANTS), env_of(aws, proxy, "B"))
    assert settled.rc == 0, settled.output[-3000:]
    assert differences(declared_changed, read_live(iam, ROLE)) == []
