"""What the reliability tests and bench/faults.py share: the declared state, the live state, and playbook runs.

- The declared state is what ``playbooks/render.yml`` writes (no AWS call) for one application (host):
  ``render_declarations`` reads its task role, its task execution role (``rendered/<env>/<app>/task-role/`` and
  ``.../execution-role/``: role, trust policy, tags, managed policies and every inline policy document) and the
  deployer's PassRole policy; ``render_declaration`` the task role alone. ``differences(declared, live)`` compares a
  role with the one read straight from moto with boto3 (never through the fault proxy); an empty list means
  "exactly as declared".
- ``deploy_args`` is a command line for one application of an inventory (``--limit``), by default its task role
  alone (``ecs_iam_deploy_execution_role=false``), so that counts and states concern one role.
- ``start_playbook`` runs ansible-playbook marked so that a test can SIGKILL it with all its workers and module
  processes (``kill_run``), and ``finish`` always leaves no process behind.
- ``RETRY_ENV`` is the botocore retry configuration recommended in docs/reliability.md.
"""

import contextlib
import dataclasses
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
import uuid

import yaml

from tests.support.fault_proxy import FaultProxy

REPO = pathlib.Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = str(pathlib.Path(sys.executable).parent / "ansible-playbook")

# botocore's own retries (read from the environment by every amazon.aws module and by role_plan): the standard
# mode retries throttling, 5xx and dropped connections with jittered exponential backoff; 10 attempts instead of 3.
RETRY_ENV = {"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "10"}

RECAP_RE = re.compile(r"^(?P<host>\S+)\s+: ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=\d+\s+failed=(?P<failed>\d+)", re.M)
FATAL_RE = re.compile(r"^fatal: \[(?P<host>[^\]]+)\]: FAILED! =>(?P<inline>.*)$")
# The application of the shipped inventories that the reliability tests deploy alone.
APPLICATION = "cerpac"


def playbook_env(aws, endpoint=None, **extra):
    """The environment of an ansible-playbook run against `aws` (a LocalAWS), through `endpoint` when given."""
    env = aws.environ()
    for key in RETRY_ENV:  # explicit per run: the caller's own retry settings would skew the tests
        env.pop(key, None)
    if endpoint:
        env.update(AWS_URL=endpoint, AWS_ENDPOINT_URL=endpoint)
    env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PATH=f"{pathlib.Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(extra)
    return env


@dataclasses.dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self):
        return self.stdout + self.stderr

    @property
    def recap(self):
        """{host: {"ok", "changed", "failed"}} from the PLAY RECAP."""
        hosts = {match["host"]: {key: int(match[key]) for key in ("ok", "changed", "failed")} for match in RECAP_RE.finditer(self.stdout)}
        assert hosts, f"no play recap in output:\n{self.output[-3000:]}"
        return hosts

    @property
    def changed(self):
        """Changed tasks over every host of the run."""
        return sum(host["changed"] for host in self.recap.values())

    @property
    def failures(self):
        """{host: the failed task's result} for each ``fatal: [host]: FAILED!`` of the output (the YAML result format of
        ansible.cfg), in the order they came."""
        found, lines = {}, self.stdout.splitlines()
        for index, line in enumerate(lines):
            match = FATAL_RE.match(line)
            if not match:
                continue
            block = [match["inline"].strip()] if match["inline"].strip() else []
            for following in lines[index + 1:]:
                if not following.startswith("    "):
                    break
                block.append(following[4:])
            found[match["host"]] = yaml.safe_load("\n".join(block)) if block else {}
        return found


def inventory_path(inventory):
    """A shipped inventory by name (staging), or the path of another one."""
    return str(REPO / "inventories" / inventory) if "/" not in str(inventory) else str(inventory)


def deploy_args(inventory="staging", *args, extra_vars=None, playbook="deploy.yml", limit=APPLICATION, execution_role=False):
    """ansible-playbook's command line for one application (``limit``; None for every one) of `inventory`, by default
    its task role alone: the task execution role, which the inventories deploy too, is left out (``execution_role``)
    so that counts and states concern one role."""
    extra_vars = {**({} if execution_role else {"ecs_iam_deploy_execution_role": False}), **(extra_vars or {})}
    command = [ANSIBLE_PLAYBOOK, "-i", inventory_path(inventory), str(REPO / "playbooks" / playbook)]
    if limit:
        command += ["--limit", limit]
    return command + ["-e", json.dumps(extra_vars), *args]


def start_playbook(command, env):
    """ansible-playbook, marked by an environment variable that its workers and module processes inherit.

    ansible-core's workers call setsid(): they and the modules they run are not in ansible-playbook's process
    group, and outlive a SIGKILL of it. The mark finds them all (kill_run, run_members)."""
    marker = f"{uuid.uuid4()}"
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        command, cwd=REPO, env=dict(env, RELIABILITY_RUN=marker), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    process.marker = marker
    process.started = time.perf_counter()
    return process


def run_members(process):
    """Live (non-zombie) processes of this run: ansible-playbook, its workers and their module processes."""
    needle = f"RELIABILITY_RUN={process.marker}".encode()
    members = []
    for proc in pathlib.Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()[0] != "Z" and needle in proc.joinpath("environ").read_bytes().split(b"\0"):
                members.append(int(proc.name))
    return members


def kill_run(process):
    """SIGKILL every process of the run (killed processes cannot fork: a few sweeps end with none left)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    for dummy in range(100):  # a bound, not a timing: each sweep kills everything it finds
        members = run_members(process)
        if not members:
            return
        for pid in members:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


def finish(process, timeout=300):
    """Wait for the run (timeout only as a safety net), then kill whatever is left of it."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_run(process)
        stdout, stderr = process.communicate()
    finally:
        kill_run(process)
    return Run(process.returncode, stdout, stderr, time.perf_counter() - process.started)


def run_playbook(command, env, timeout=300):
    return finish(start_playbook(command, env), timeout)


def render_declarations(directory, inventory="staging", extra_vars=None, env=None, application=APPLICATION, execution_role=True):
    """What playbooks/render.yml declares for one application of `inventory` (with `extra_vars`), rendered into
    `directory`: {"task-role": role, "execution-role": role or None, "passrole": the deployer's policy document or None}
    (roles in the shape of read_live)."""
    extra = dict(extra_vars or {}, render_dir=str(directory))
    command = deploy_args(inventory, extra_vars=extra, playbook="render.yml", limit=application, execution_role=execution_role)
    run = run_playbook(command, env or dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg")))
    if run.rc != 0:
        raise RuntimeError(f"render.yml failed:\n{run.output[-3000:]}")
    (environment,) = [path for path in pathlib.Path(directory).iterdir() if path.is_dir()]
    passrole = [environment / "passrole-policy.json", environment / application / "passrole-policy.json"]
    return {
        "task-role": _read_rendered(environment / application / "task-role"),
        "execution-role": _read_rendered(environment / application / "execution-role") if execution_role else None,
        "passrole": next((json.loads(path.read_text()) for path in passrole if path.exists()), None),
    }


def render_declaration(directory, inventory="staging", extra_vars=None, env=None, application=APPLICATION):
    """The declared task role of one application of `inventory` (with `extra_vars`), from playbooks/render.yml."""
    return render_declarations(directory, inventory, extra_vars, env, application, execution_role=False)["task-role"]


def _read_rendered(rendered):
    """One role as render.yml wrote it into the folder `rendered` (role.json, trust-policy.json, policy-<name>.json)."""
    role = json.loads((rendered / "role.json").read_text())
    return {
        "name": role["name"],
        "path": role["path"],
        "description": role["description"],
        "max_session_duration": int(role["max_session_duration"]),
        "permissions_boundary": role["permissions_boundary"] or None,
        "tags": role["tags"],
        "managed_policy_arns": sorted(role["managed_policy_arns"]),
        "trust_policy": json.loads((rendered / "trust-policy.json").read_text()),
        "inline_policies": {name: json.loads((rendered / f"policy-{name}.json").read_text()) for name in role["inline_policies"]},
    }


def read_live(iam, name):
    """The role as IAM has it (same shape as render_declaration), or None when there is no such role."""
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None
    inline = {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"] for p in iam.list_role_policies(RoleName=name)["PolicyNames"]}
    return {
        "name": role["RoleName"],
        "path": role["Path"],
        "description": role.get("Description", ""),
        "max_session_duration": role["MaxSessionDuration"],
        "permissions_boundary": role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
        "tags": {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]},
        "managed_policy_arns": sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]),
        "trust_policy": role["AssumeRolePolicyDocument"],
        "inline_policies": inline,
    }


def differences(declared, live):
    """Every way `live` differs from `declared` (None for either means: no role). Empty: exactly as declared."""
    if declared is None or live is None:
        return [] if declared is live else [f"role exists: declared {declared is not None}, live {live is not None}"]
    found = [f"{key}: declared {declared[key]!r}, live {live[key]!r}" for key in declared if key != "inline_policies" and declared[key] != live[key]]
    for name in sorted(set(declared["inline_policies"]) | set(live["inline_policies"])):
        want, have = declared["inline_policies"].get(name), live["inline_policies"].get(name)
        if want != have:
            found.append(f"inline policy {name}: declared {json.dumps(want, sort_keys=True)}, live {json.dumps(have, sort_keys=True)}")
    return found


def leftovers(iam):
    """Anything the account holds besides nothing: roles, instance profiles, customer managed policies."""
    return {
        "roles": [r["RoleName"] for r in iam.list_roles()["Roles"]],
        "instance_profiles": [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]],
        "policies": [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]],
    }


def apply_directly(iam, declared):
    """Create the declared role with boto3, straight on moto: the starting point of a test, in milliseconds."""
    extra = {"PermissionsBoundary": declared["permissions_boundary"]} if declared["permissions_boundary"] else {}
    iam.create_role(
        RoleName=declared["name"],
        Path=declared["path"],
        AssumeRolePolicyDocument=json.dumps(declared["trust_policy"]),
        Description=declared["description"],
        MaxSessionDuration=declared["max_session_duration"],
        Tags=[{"Key": key, "Value": value} for key, value in declared["tags"].items()],
        **extra,
    )
    for arn in declared["managed_policy_arns"]:
        iam.attach_role_policy(RoleName=declared["name"], PolicyArn=arn)
    for name, document in declared["inline_policies"].items():
        iam.put_role_policy(RoleName=declared["name"], PolicyName=name, PolicyDocument=json.dumps(document))


class LoggingFaultProxy(FaultProxy):
    """tests/support/fault_proxy.py's proxy that also logs each IAM/STS request's fate: ``decisions`` is a list of
    (action, the RoleName or UserName it names or None, the fault injected or None), in the order they came."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decisions = []

    def _decide(self, request):
        kind = super()._decide(request)
        self.decisions.append((request.action, request.params.get("RoleName") or request.params.get("UserName"), kind))
        return kind
