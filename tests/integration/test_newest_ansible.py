"""The real playbooks on the newest Ansible release, against moto over HTTP, read back with boto3.

scripts/newest_ansible.sh (`make newest-ansible`, part of `make test`) builds .cache/newest/venv with the newest
`ansible` package from PyPI (ansible-core and the amazon.aws it ships) and runs this module with
ECS_IAM_NEWEST_ANSIBLE set to that venv. Without it the module is skipped: the pinned toolchain (.venv/) is what
every other integration test runs.

For each shipped inventory, in a fresh account: deploy, re-run, re-run with the pinned toolchain, absent. Only
what the playbooks promise is asserted, whatever the inventory declares (one application or several):
  - deploy: rc 0, IAM writes seen (the positive control of the zero-writes checks below), and every role it
    created is an ECS role of the inventory's environment, managed by Ansible, with permissions;
  - re-run, on the newest toolchain and on the pinned one: rc 0, changed=0 on every host, no IAM write (so what the
    newest toolchain wrote is exactly what the pinned one declares, and the other way round);
  - absent: rc 0, no role, instance profile or customer managed policy left in the account.
Only cerpac.ecs_iam (this checkout) is on the collections path, with an ansible.cfg that is the project's without
its collections_path: amazon.aws comes from the `ansible` package, never from .collections/
(test_the_newest_toolchain_runs_the_playbooks checks which copies ansible sees).
"""

import configparser
import dataclasses
import json
import os
import pathlib
import re
import subprocess
import time

import boto3
import pytest

from tests.support.local_aws import is_write
from tests.support.reliability import leftovers

REPO = pathlib.Path(__file__).resolve().parents[2]
NEWEST = os.environ.get("ECS_IAM_NEWEST_ANSIBLE", "")
PINNED_BIN = REPO / ".venv" / "bin"

# The oldest releases that count as "newest" here (what ansible 14.5 ships); scripts/newest_ansible.sh pins the package.
MIN_ANSIBLE_CORE = (2, 21)
MIN_AMAZON_AWS = (11, 4)

# Every role of the collection, the task role and the task execution role, in the state the playbooks remove.
ABSENT = {"ecs_task_role_state": "absent", "ecs_task_execution_role_state": "absent"}
INVENTORIES = sorted(path.name for path in (REPO / "inventories").iterdir() if path.is_dir())

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not NEWEST,
        reason="runs on the newest Ansible toolchain only: `make newest-ansible` (scripts/newest_ansible.sh) builds it and sets ECS_IAM_NEWEST_ANSIBLE",
    ),
]

RECAP_RE = re.compile(r"^(?P<host>\S+)\s+: ok=\d+\s+changed=(?P<changed>\d+)\s", re.M)
DEPRECATION_RE = re.compile(r"^\[DEPRECATION WARNING\]: (.*)$", re.M)


def version_tuple(text):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


@dataclasses.dataclass
class Run:
    """One ansible-playbook run: exit code, output, the per-host recap and the IAM/STS actions moto recorded."""

    rc: int
    stdout: str
    stderr: str
    seconds: float
    actions: list

    @property
    def output(self):
        return self.stdout + self.stderr

    @property
    def recap(self):
        """{host: changed} from the PLAY RECAP, one entry per host."""
        hosts = {match["host"]: int(match["changed"]) for match in RECAP_RE.finditer(self.stdout)}
        assert hosts, f"no play recap in output:\n{self.output[-3000:]}"
        return hosts

    @property
    def writes(self):
        """Every recorded IAM/STS call that is not a read; one whose action cannot be read counts as a write."""
        return [action for action in self.actions if action is None or is_write(action)]

    @property
    def deprecations(self):
        return DEPRECATION_RE.findall(self.output)


@dataclasses.dataclass
class Toolchain:
    """How to run the project's playbooks with one toolchain, and nothing of the checkout's configuration."""

    bin: pathlib.Path
    config: pathlib.Path
    collections: pathlib.Path
    home: pathlib.Path
    workdir: pathlib.Path

    def env(self, aws):
        env = {key: value for key, value in aws.environ().items() if not key.startswith("ANSIBLE_")}
        for key in ("PYTHONPATH", "VIRTUAL_ENV", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
            env.pop(key, None)
        env.update(
            ANSIBLE_CONFIG=str(self.config),
            ANSIBLE_HOME=str(self.home),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            PATH=f"{self.bin}{os.pathsep}{env.get('PATH', '')}",
        )
        if self.collections:
            env["ANSIBLE_COLLECTIONS_PATH"] = str(self.collections)
        return env

    def run(self, aws, command, timeout=300):
        """One of the toolchain's commands (ansible-playbook, ansible-galaxy, ...) from its folder, with its environment."""
        return subprocess.run(
            [str(self.bin / command[0]), *command[1:]], cwd=self.workdir, env=self.env(aws), capture_output=True, text=True, timeout=timeout, check=False
        )

    def playbook(self, aws, inventory, extra_vars=None):
        command = ["ansible-playbook", "-i", str(REPO / "inventories" / inventory), str(REPO / "playbooks" / "deploy.yml")]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        with aws.recording() as calls:
            start = time.perf_counter()
            proc = self.run(aws, command)
        return Run(proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start, calls.actions)


@pytest.fixture(scope="module")
def newest(tmp_path_factory):
    """The newest toolchain: only cerpac.ecs_iam (this checkout) on the collections path, and the project's
    ansible.cfg without its collections_path, from a folder that holds no ansible.cfg."""
    venv = pathlib.Path(NEWEST)
    assert (venv / "bin" / "ansible-playbook").is_file(), f"ECS_IAM_NEWEST_ANSIBLE={NEWEST}: no bin/ansible-playbook there; run scripts/newest_ansible.sh"
    root = tmp_path_factory.mktemp("newest")
    collections = root / "collections"
    (collections / "ansible_collections" / "cerpac").mkdir(parents=True)
    (collections / "ansible_collections" / "cerpac" / "ecs_iam").symlink_to(REPO, target_is_directory=True)
    config = configparser.ConfigParser(interpolation=None)
    config.read(REPO / "ansible.cfg")
    for section in config.sections():
        for key in ("collections_path", "collections_paths"):
            config.remove_option(section, key)
    with (root / "ansible.cfg").open("w") as handle:
        config.write(handle)
    (root / "work").mkdir()
    return Toolchain(venv / "bin", root / "ansible.cfg", collections, root / "home", root / "work")


@pytest.fixture(scope="module")
def pinned(tmp_path_factory):
    """The pinned toolchain of .venv/ with the project's own ansible.cfg (amazon.aws from .collections/)."""
    assert (PINNED_BIN / "ansible-playbook").is_file(), f"no {PINNED_BIN}/ansible-playbook: run `make setup` first"
    root = tmp_path_factory.mktemp("pinned")
    return Toolchain(PINNED_BIN, REPO / "ansible.cfg", None, root / "home", REPO)


def read_roles(aws):
    """Every role in the account with its trust policy, tags and policies, read with boto3 straight from moto."""
    iam = boto3.client("iam", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
    roles = {}
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        roles[name] = {
            "trust_principals": sorted({json.dumps(statement.get("Principal"), sort_keys=True) for statement in role["AssumeRolePolicyDocument"]["Statement"]}),
            "tags": {tag["Key"]: tag["Value"] for tag in iam.list_role_tags(RoleName=name)["Tags"]},
            "inline": iam.list_role_policies(RoleName=name)["PolicyNames"],
            "attached": [policy["PolicyArn"] for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]],
        }
    return roles, leftovers(iam)


@dataclasses.dataclass
class Smoke:
    deploy: Run
    roles: dict
    rerun: Run
    pinned_rerun: Run
    absent: Run
    left: dict


@pytest.fixture(scope="module", params=INVENTORIES)
def smoke(request, local_aws, newest, pinned):
    """Deploy, re-run (newest, then pinned), absent: one inventory in a fresh account, every result kept."""
    inventory = request.param
    local_aws.reset()
    deploy = newest.playbook(local_aws, inventory)
    assert deploy.rc == 0, deploy.output[-5000:]
    roles, dummy = read_roles(local_aws)
    rerun = newest.playbook(local_aws, inventory)
    pinned_rerun = pinned.playbook(local_aws, inventory)
    absent = newest.playbook(local_aws, inventory, extra_vars=ABSENT)
    dummy, left = read_roles(local_aws)
    return Smoke(deploy, roles, rerun, pinned_rerun, absent, left)


def test_the_shipped_inventories_are_found():
    assert {"staging", "production"} <= set(INVENTORIES)


def test_the_newest_toolchain_runs_the_playbooks(newest, local_aws):
    """ansible-core and amazon.aws are the newest package's, and no other copy of either collection is visible."""
    version = newest.run(local_aws, ["ansible", "--version"])
    assert version.returncode == 0, version.stderr
    core = re.search(r"core ([\d.]+)", version.stdout).group(1)
    assert version_tuple(core) >= MIN_ANSIBLE_CORE, version.stdout

    listing = newest.run(local_aws, ["ansible-galaxy", "collection", "list", "--format", "json"])
    assert listing.returncode == 0, listing.stderr
    found = {}
    for path, collections in json.loads(listing.stdout).items():
        for name, info in collections.items():
            found.setdefault(name, []).append((path, info["version"]))
    site_packages = str(pathlib.Path(NEWEST).resolve())
    assert len(found["amazon.aws"]) == 1, found["amazon.aws"]
    aws_path, aws_version = found["amazon.aws"][0]
    assert str(pathlib.Path(aws_path).resolve()).startswith(site_packages) and aws_path.endswith("site-packages/ansible_collections"), aws_path
    assert version_tuple(aws_version) >= MIN_AMAZON_AWS, aws_version
    assert [path for path, dummy in found["cerpac.ecs_iam"]] == [str(newest.collections / "ansible_collections")]


def test_deploy_creates_the_inventory_roles(smoke, request):
    inventory = request.node.callspec.params["smoke"]
    assert smoke.deploy.rc == 0, smoke.deploy.output[-5000:]
    assert smoke.deploy.writes, "the recorder saw no IAM write during the first deploy: the zero-writes checks would prove nothing"
    assert "CreateRole" in smoke.deploy.writes
    assert smoke.roles, "deploy.yml left no role in the account"
    for name, role in smoke.roles.items():
        assert name.startswith(f"{inventory}-"), name
        assert role["trust_principals"] == ['{"Service": "ecs-tasks.amazonaws.com"}'], (name, role)
        assert role["tags"]["ManagedBy"] == "Ansible" and role["tags"]["Environment"] == inventory, (name, role["tags"])
        assert role["inline"] or role["attached"], f"{name} has no policy"


def test_a_rerun_changes_nothing_and_writes_nothing(smoke):
    assert smoke.rerun.rc == 0, smoke.rerun.output[-5000:]
    assert set(smoke.rerun.recap.values()) == {0}, smoke.rerun.recap
    assert smoke.rerun.writes == []


def test_the_pinned_toolchain_finds_nothing_to_change_either(smoke):
    run = smoke.pinned_rerun
    assert run.rc == 0, run.output[-5000:]
    assert set(run.recap.values()) == {0}, run.recap
    assert run.writes == []


def test_absent_leaves_nothing_behind(smoke):
    assert smoke.absent.rc == 0, smoke.absent.output[-5000:]
    assert "DeleteRole" in smoke.absent.writes
    assert smoke.left == {"roles": [], "instance_profiles": [], "policies": []}


# amazon.aws's iam_role (10.1.2 and 11.4.0, plugins/modules/iam_role.py main()) calls module.deprecate() about
# assume_role_policy_document_raw on every invocation, whatever its parameters, and iam_role_info does the same. The roles
# call iam_role only to write a role that differs (issue 9: writes stay with amazon.aws), and never iam_role_info, so
# a run that writes no role prints no deprecation, and one that does prints that one only.
IAM_ROLE_DEPRECATION = "In a release after 2026-05-01 iam_role.assume_role_policy_document_raw will no longer be returned."


def test_only_a_run_that_writes_a_role_prints_a_deprecation_and_only_amazon_aws_iam_role_s(smoke):
    for label, run in {"re-run": smoke.rerun, "pinned re-run": smoke.pinned_rerun}.items():
        assert run.deprecations == [], label
    for label, run in {"deploy": smoke.deploy, "absent": smoke.absent}.items():
        flat = " ".join(run.output.split())  # the callback wraps long warnings
        assert run.deprecations, label  # the positive control: the warning is seen where amazon.aws prints it
        assert flat.count("[DEPRECATION WARNING]: ") == flat.count("[DEPRECATION WARNING]: " + IAM_ROLE_DEPRECATION), (label, run.deprecations)
