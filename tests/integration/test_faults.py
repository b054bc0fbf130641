"""The roles under injected faults: throttling, 500, 503 and dropped connections on IAM/STS, via tests/support/fault_proxy.py.

The playbooks talk to moto through the fault proxy; the tests read the result with boto3 straight from moto. "The
declared state" is what playbooks/render.yml writes for the application cerpac: each role with its path, description,
session duration, no boundary, the trust policy, exactly the declared tags and managed policies and exactly the
declared inline policies, each with its declared document (tests/support/reliability.py::differences), and the
deployer's PassRole policy. Absent: no role, no instance profile, no policy.

No retry setting is put in the environment: the roles pass botocore's standard retry mode with 10 attempts (aws_config)
to every AWS call themselves, and test_every_aws_task_passes_the_retry_settings checks that every task that calls AWS
does. bench/faults.py measures 10% and 30% faults, with and without the retry settings in the environment.
"""

import json
import pathlib

import pytest
import yaml

from tests.support.fault_proxy import KINDS
from tests.support.local_aws import is_write
from tests.support.reliability import (LoggingFaultProxy, apply_directly, deploy_args, differences, leftovers, playbook_env, read_live,
                                       render_declaration, render_declarations, run_playbook)

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
ROLE = "staging-cerpac-ecs-task-role"
EXECUTION_ROLE = "staging-cerpac-ecs-task-execution-role"
DEPLOYER = "ci-deployer"
PASSROLE_POLICY = "staging-ecs-passrole"
ABSENT = {"ecs_task_role_state": "absent"}
# The deployer (CI) of staging, named in the inventory's way: the environment's PassRole policy goes on it inline.
WITH_DEPLOYER = {"ecs_deployer_passrole_role_name": DEPLOYER}
DEPLOYER_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
# The staging grants without SES, and S3 read only: a changed declaration that deletes one inline policy.
CHANGED_GRANTS = {
    "ecs_task_role_grants": [
        {"service": "s3", "access": ["read"], "resources": ["staging-cerpac-uploads"], "sid": "Uploads"},
        {"service": "dynamodb", "access": ["read", "write"], "resources": ["staging-cerpac-sessions", "staging-cerpac-orders"]},
        {"service": "ssm", "access": ["read"], "resources": ["/staging/myapp/"]},
        {"service": "secretsmanager", "access": ["read"], "resources": ["app/api-keys/*"]},
    ]
}


@pytest.fixture(scope="module")
def declared_changed(tmp_path_factory):
    return render_declaration(tmp_path_factory.mktemp("declared-changed"), extra_vars=CHANGED_GRANTS)


@pytest.fixture(scope="module")
def declared_host(tmp_path_factory):
    """cerpac's task role, its task execution role and the deployer's PassRole policy, as render.yml declares them."""
    return render_declarations(tmp_path_factory.mktemp("declared-host"), extra_vars=WITH_DEPLOYER)


def through(aws, proxy, extra_vars=None, execution_role=False):
    """One deploy.yml run of cerpac through the proxy (its task role alone unless `execution_role`), with no retry
    setting in the environment."""
    return run_playbook(deploy_args("staging", extra_vars=extra_vars, execution_role=execution_role), playbook_env(aws, proxy.url))


def writes_seen(proxy):
    """Every request that reached the proxy, of any service, signed or not, that is not certainly a read: its action
    told by the recorder's fail-closed parser (None, a request it cannot read, counts as a write)."""
    return {action: count for action, count in proxy.stats()["actions"].items() if is_write(action)}


def deployer_policies(iam):
    return {name: iam.get_role_policy(RoleName=DEPLOYER, PolicyName=name)["PolicyDocument"]
            for name in iam.list_role_policies(RoleName=DEPLOYER)["PolicyNames"]}


@pytest.fixture
def logging_proxy(aws):
    """A fault proxy that also logs which request got which fault (tests/support/reliability.py::LoggingFaultProxy)."""
    with LoggingFaultProxy(aws.url) as fault_proxy:
        yield fault_proxy


def test_a_host_with_its_execution_role_and_a_deployer_ends_as_declared_under_30_percent_faults(aws, iam, logging_proxy, declared_host):
    """Issue 10 item 1: both roles of the application and the deployer's inline PassRole policy, at 30% faults of every
    kind, with no retry setting in the environment; then absent of both roles, under faults too. Each ends exactly as
    declared, and a clean re-run changes nothing."""
    proxy = logging_proxy
    iam.create_role(RoleName=DEPLOYER, AssumeRolePolicyDocument=json.dumps(DEPLOYER_TRUST))
    proxy.configure(share=0.3, seed=11)
    deployed = through(aws, proxy, WITH_DEPLOYER, execution_role=True)
    faults = proxy.stats()
    assert deployed.rc == 0, deployed.output[-3000:]
    assert differences(declared_host["task-role"], read_live(iam, ROLE)) == []
    assert differences(declared_host["execution-role"], read_live(iam, EXECUTION_ROLE)) == []
    assert deployer_policies(iam) == {PASSROLE_POLICY: declared_host["passrole"]}
    # Every kind of fault, and some on the deployer's own calls (its lookup and its policy), not only on the roles'.
    assert all(faults["injected"][kind] for kind in KINDS), faults["injected"]
    assert [(action, kind) for action, role, kind in proxy.decisions if role == DEPLOYER and kind], proxy.decisions
    assert faults["faults"] >= 0.3 * faults["requests"] / 2, faults

    proxy.configure(share=0)
    proxy.reset_counts()
    again = through(aws, proxy, WITH_DEPLOYER, execution_role=True)
    assert again.rc == 0, again.output[-3000:]
    assert again.changed == 0, again.stdout
    assert writes_seen(proxy) == {}

    proxy.configure(share=0.3, seed=12)
    proxy.reset_counts()
    gone = through(aws, proxy, ABSENT, execution_role=True)
    absent_faults = proxy.stats()
    assert gone.rc == 0, gone.output[-3000:]
    assert read_live(iam, ROLE) is None and read_live(iam, EXECUTION_ROLE) is None
    assert leftovers(iam) == {"roles": [DEPLOYER], "instance_profiles": [], "policies": []}
    assert absent_faults["faults"] >= 0.3 * absent_faults["requests"] / 2, absent_faults

    proxy.configure(share=0)
    proxy.reset_counts()
    still_gone = through(aws, proxy, ABSENT, execution_role=True)
    assert still_gone.rc == 0 and still_gone.changed == 0, still_gone.output[-3000:]
    assert writes_seen(proxy) == {}


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


# The first call of each kind that the run makes, dropped three times in a row: botocore's default (3 attempts) gives
# up on the third drop, and amazon.aws's AWSRetry does not retry connection errors (only throttling and 5xx codes).
# (action, the role it concerns): the task role's plan, the execution role's start-up policy, the deployer's lookup and
# its PassRole policy (reads, and writes that can be sent again; a lost answer to a create is test_a_lost_answer_...).
DROPPED_THRICE = [("GetRole", ROLE), ("PutRolePolicy", EXECUTION_ROLE), ("GetRole", DEPLOYER), ("PutRolePolicy", DEPLOYER)]


def test_three_dropped_connections_in_a_row_are_ridden_out_by_every_call(aws, iam, proxy, declared_host):
    """The roles set botocore's standard mode with 10 attempts on every call themselves: no environment setting needed."""
    iam.create_role(RoleName=DEPLOYER, AssumeRolePolicyDocument=json.dumps(DEPLOYER_TRUST))
    dropped = []

    def drop_three_of_each(request, dummy_status):
        key = (request.action, request.params.get("RoleName"))
        if key in DROPPED_THRICE and dropped.count(key) < 3:
            dropped.append(key)
            return True
        return False

    proxy.after_forward = drop_three_of_each
    run = through(aws, proxy, WITH_DEPLOYER, execution_role=True)
    assert sorted(set(dropped)) == sorted(DROPPED_THRICE) and len(dropped) == 3 * len(DROPPED_THRICE), dropped
    assert run.rc == 0, run.output[-3000:]
    assert differences(declared_host["task-role"], read_live(iam, ROLE)) == []
    assert differences(declared_host["execution-role"], read_live(iam, EXECUTION_ROLE)) == []
    assert deployer_policies(iam) == {PASSROLE_POLICY: declared_host["passrole"]}


# --- Every task that calls AWS passes the retry settings (read from the roles and playbooks) --------------------------

RETRIES = {"retries": {"mode": "standard", "max_attempts": 10}}
# Modules that make no AWS call: ansible-core's, and the collection's own that do not use AnsibleAWSModule (their
# action plugins compute on the controller). Any other module is taken to call AWS (fail closed).
LOCAL_COLLECTION = "cerpac.ecs_iam."
TASK_KEYWORDS = {"name", "when", "vars", "register", "loop", "loop_control", "until", "retries", "delay", "run_once", "check_mode", "diff",
                 "changed_when", "failed_when", "tags", "block", "rescue", "always", "any_errors_fatal", "no_log", "delegate_to",
                 "ignore_errors", "become", "environment", "notify", "args", "apply", "module_defaults"}


def module_of(task):
    names = [key for key in task if key not in TASK_KEYWORDS]
    assert len(names) == 1, f"cannot tell the module of {task.get('name')!r}: {names}"
    return names[0]


def calls_aws(module):
    if module.startswith("ansible.builtin.") or module in ("include_role", "import_role", "include_tasks", "import_tasks"):
        return False
    if module.startswith(LOCAL_COLLECTION):
        source = REPO / "plugins" / "modules" / f"{module[len(LOCAL_COLLECTION):]}.py"
        return not source.exists() or "AnsibleAWSModule" in source.read_text()
    return True


def tasks_in(tasks):
    for task in tasks or []:
        yield task
        for section in ("block", "rescue", "always"):
            yield from tasks_in(task.get(section))


def aws_tasks():
    """(file, task name, aws_config as written, variables of its role) for every task of the roles and playbooks
    whose module calls AWS."""
    found = []
    for path in sorted(REPO.glob("roles/*/tasks/*.yml")) + sorted(REPO.glob("playbooks/*.yml")):
        variables = {}
        if path.parts[-3] != "playbooks" and (path.parents[1] / "vars" / "main.yml").exists():
            variables = yaml.safe_load((path.parents[1] / "vars" / "main.yml").read_text()) or {}
        plays = yaml.safe_load(path.read_text()) or []
        tasks = [task for play in plays for task in play.get("tasks", [])] if path.parent.name == "playbooks" else plays
        for task in tasks_in(tasks):
            if "block" in task:
                continue
            module = module_of(task)
            if calls_aws(module):
                arguments = task[module] if isinstance(task[module], dict) else {}
                found.append((str(path.relative_to(REPO)), task.get("name"), module, arguments.get("aws_config"), variables))
    return found


def retry_settings(written, variables):
    """The value of an aws_config as written: a mapping, or "{{ variable }}" naming one of the role's variables."""
    if isinstance(written, str) and written.strip().startswith("{{") and written.strip().endswith("}}"):
        return variables.get(written.strip()[2:-2].strip())
    return written


def test_the_retry_check_sees_the_aws_tasks():
    """Positive control: the calls the tests above fault are among the tasks found, and a task without aws_config
    would be reported."""
    modules = {(path, module) for path, dummy_name, module, dummy_written, dummy_variables in aws_tasks()}
    assert {("roles/ecs_iam_internal/tasks/main.yml", "cerpac.ecs_iam.role_plan"), ("roles/ecs_iam_internal/tasks/main.yml", "amazon.aws.iam_role"),
            ("roles/ecs_iam_internal/tasks/main.yml", "amazon.aws.iam_policy"), ("roles/ecs_deployer_passrole/tasks/main.yml", "amazon.aws.iam_policy"),
            ("roles/ecs_deployer_passrole/tasks/main.yml", "amazon.aws.iam_user_info"),
            ("roles/ecs_task_role/tasks/account.yml", "amazon.aws.aws_caller_info")} <= modules
    assert not calls_aws("cerpac.ecs_iam.declare_role") and calls_aws("cerpac.ecs_iam.role_plan") and calls_aws("community.aws.iam_role")
    assert retry_settings(None, {}) != RETRIES
    assert retry_settings("{{ _x }}", {"_x": RETRIES}) == RETRIES


def without_retry_settings():
    return {(path, name): f"{path}: {name} ({module}): aws_config={written!r}" for path, name, module, written, variables in aws_tasks()
            if retry_settings(written, variables) != RETRIES}


def test_every_aws_task_passes_the_retry_settings():
    """README: every AWS call of the collection uses botocore's standard retry mode with 10 attempts."""
    missing = [line for key, line in sorted(without_retry_settings().items())]
    assert not missing, "\n".join(missing)


def test_control_of_the_zero_write_checks_sees_known_writes(aws, proxy):
    """Positive control of this module's `writes_seen(proxy) == {}` checks: through the same fault proxy (no fault)
    and `writes_seen`, tests/support/write_control.yml's two known writes are seen (issue 10, item 2)."""
    from tests.support.write_control import control_command  # pylint: disable=import-outside-toplevel

    run = run_playbook(control_command(), playbook_env(aws, proxy.url))
    assert run.rc == 0, run.output[-3000:]
    assert writes_seen(proxy) == {"CreateRole": 1, "PutRolePolicy": 1}
