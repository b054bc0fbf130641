"""The role under injected faults: throttling, 500, 503 and dropped connections on IAM/STS, via tests/support/fault_proxy.py.

The playbooks talk to moto through the fault proxy, with botocore's standard retries (RETRY_ENV, as
docs/reliability.md recommends); the tests read the result with boto3 straight from moto. "The declared state"
is what playbooks/render.yml writes: the role with its path, description, session duration, no boundary, the
trust policy, exactly the declared tags, no managed policy and exactly the declared inline policies, each with
its declared document (tests/support/reliability.py::differences). Absent: no role, no instance profile, no policy.
"""

import pytest
from tests.support.fault_proxy import KINDS
from tests.support.reliability import RETRY_ENV, apply_directly, deploy_args, differences, leftovers, playbook_env, read_live, render_declaration, run_playbook

pytestmark = pytest.mark.integration

ROLE = "staging-cerpac-ecs-task-role"
ABSENT = {"ecs_task_role_state": "absent"}
# The staging grants without SES, and S3 read only: a changed declaration that deletes one inline policy.
CHANGED_GRANTS = {
    "ecs_task_role_grants": [
        {"service": "s3", "access": ["read"], "resources": ["staging-cerpac-uploads"], "sid": "Uploads"},
        {"service": "dynamodb", "access": ["read", "write"], "resources": ["staging-cerpac-sessions", "staging-cerpac-orders"]},
        {"service": "ssm", "access": ["read"], "resources": ["/staging/myapp/"]},
        {"service": "secretsmanager", "access": ["read"], "resources": ["app/api-keys/*"]},
    ]
}
WRITES = {"CreateRole", "PutRolePolicy", "DeleteRolePolicy", "DeleteRole", "TagRole", "UntagRole", "UpdateRole", "UpdateAssumeRolePolicy"}


@pytest.fixture(scope="module")
def declared_changed(tmp_path_factory):
    return render_declaration(tmp_path_factory.mktemp("declared-changed"), extra_vars=CHANGED_GRANTS)


def through(aws, proxy, extra_vars=None):
    """One deploy.yml run through the proxy, with the recommended retry settings."""
    return run_playbook(deploy_args("staging", extra_vars=extra_vars), playbook_env(aws, proxy.url, **RETRY_ENV))


def writes_seen(proxy):
    return {action: count for action, count in proxy.stats()["seen"].items() if action in WRITES}


@pytest.mark.parametrize("share, seed", [(0.1, 5), (0.3, 2)])
def test_deploy_and_absent_end_in_the_declared_state_under_faults(share, seed, aws, iam, proxy, declared):
    proxy.configure(share=share, seed=seed)
    deployed = through(aws, proxy)
    faults = proxy.stats()
    assert deployed.rc == 0, deployed.output[-3000:]
    assert differences(declared, read_live(iam, ROLE)) == []

    proxy.configure(share=0)
    proxy.reset_counts()
    again = through(aws, proxy)
    assert again.rc == 0, again.output[-3000:]
    assert again.changed == 0, again.stdout
    assert writes_seen(proxy) == {}

    proxy.configure(share=share, seed=seed + 1000)
    proxy.reset_counts()
    gone = through(aws, proxy, ABSENT)
    absent_faults = proxy.stats()
    assert gone.rc == 0, gone.output[-3000:]
    assert read_live(iam, ROLE) is None
    assert leftovers(iam) == {"roles": [], "instance_profiles": [], "policies": []}

    proxy.configure(share=0)
    proxy.reset_counts()
    still_gone = through(aws, proxy, ABSENT)
    assert still_gone.rc == 0 and still_gone.changed == 0, still_gone.output[-3000:]
    assert writes_seen(proxy) == {}

    # The faults really happened, at about the share asked for, and (at 30%) every kind of them. The seeds are
    # chosen for that: if a change to the role alters its calls, another seed may be needed.
    injected = {kind: faults["injected"][kind] + absent_faults["injected"][kind] for kind in KINDS}
    requests = faults["requests"] + absent_faults["requests"]
    assert sum(injected.values()) >= share * requests / 2, (injected, requests)
    if share >= 0.3:
        assert all(injected.values()), injected


@pytest.mark.parametrize(
    "action, start, extra_vars",
    [
        pytest.param("CreateRole", "empty", None, id="CreateRole"),
        pytest.param("PutRolePolicy", "empty", None, id="PutRolePolicy"),
        pytest.param("DeleteRolePolicy", "converged", CHANGED_GRANTS, id="DeleteRolePolicy"),
        pytest.param("DeleteRole", "converged", ABSENT, id="DeleteRole"),
    ],
)
def test_a_lost_answer_to_a_write_is_survived(action, start, extra_vars, aws, iam, proxy, declared, declared_changed):
    """The write reaches IAM, the connection drops before the answer, botocore sends it again: it must still converge."""
    if start == "converged":
        apply_directly(iam, declared)
    lost = []

    def drop_first_answer(request, status):
        if request.action == action and status < 400 and not lost:
            lost.append(request.params)
            return True
        return False

    proxy.after_forward = drop_first_answer
    run = through(aws, proxy, extra_vars)
    assert lost, f"no {action} was sent"
    assert run.rc == 0, run.output[-3000:]
    want = {None: declared, "changed": declared_changed, "absent": None}["absent" if extra_vars is ABSENT else "changed" if extra_vars else None]
    assert differences(want, read_live(iam, ROLE)) == []
    # The lost write took effect once; botocore's second send met the result of the first.
    assert proxy.stats()["seen"][action] >= 2


@pytest.mark.parametrize("retry_env, converges", [({}, True), (RETRY_ENV, True)], ids=["no-retry-settings", "recommended"])
def test_three_dropped_connections_in_a_row_are_ridden_out(retry_env, converges, aws, iam, proxy, declared):
    """botocore's default (3 attempts) would give up on the third dropped connection of one call, and amazon.aws's
    AWSRetry does not retry connection errors (only throttling and 5xx codes); the role sets botocore's standard mode
    with 10 attempts on every call itself, so no environment setting is needed."""
    dropped = []

    def drop_three_role_reads(request, dummy_status):
        if request.action == "GetRole" and len(dropped) < 3:
            dropped.append(request.action)
            return True
        return False

    proxy.after_forward = drop_three_role_reads
    run = run_playbook(deploy_args("staging"), playbook_env(aws, proxy.url, **retry_env))
    assert len(dropped) == 3
    if converges:
        assert run.rc == 0, run.output[-3000:]
        assert differences(declared, read_live(iam, ROLE)) == []
    else:
        assert run.rc != 0
        assert "Connection was closed before we received a valid response" in run.output
        assert proxy.stats()["seen"]["GetRole"] == 3  # one call, three attempts, then the play stopped
        assert read_live(iam, ROLE) is None  # before any write


def test_control_of_the_zero_write_checks_sees_known_writes(aws, proxy):
    """Positive control of this module's `writes_seen(proxy) == {}` checks: through the same fault proxy (no fault)
    and `writes_seen`, tests/support/write_control.yml's two known writes are seen (issue 10, item 2)."""
    from tests.support.write_control import control_command

    run = run_playbook(control_command(), playbook_env(aws, proxy.url))
    assert run.rc == 0, run.output[-3000:]
    assert writes_seen(proxy) == {"CreateRole": 1, "PutRolePolicy": 1}
