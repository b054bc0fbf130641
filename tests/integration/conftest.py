"""Integration fixtures: a real moto server over HTTP, and the real playbooks run with ansible-playbook."""

import copy
import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest
import yaml

from tests.support.fault_proxy import FaultProxy
from tests.support.reliability import Run as PlaybookRun
from tests.support.reliability import playbook_env, render_declaration

REPO = pathlib.Path(__file__).resolve().parents[2]


@dataclasses.dataclass
class Run(PlaybookRun):
    """A playbook run (rc, output, changed, seconds) with the IAM/STS calls the moto recorder saw during it."""

    calls: object

    @property
    def writes(self):
        return self.calls.writes


@pytest.fixture(scope="session")
def declared_once(tmp_path_factory):
    """render.yml's declaration of the staging task role, rendered once per session (per worker under pytest-xdist): it
    depends on the checkout's files alone, never on AWS or on another test."""
    return render_declaration(tmp_path_factory.mktemp("declared"))


@pytest.fixture
def declared(declared_once):
    """The staging task role as playbooks/render.yml declares it (tests/support/reliability.py compares live roles to it);
    each test gets its own copy, so that no test can change another's."""
    return copy.deepcopy(declared_once)


@pytest.fixture
def proxy(aws):
    """tests/support/fault_proxy.py in front of the moto server (no fault until a test asks for some)."""
    with FaultProxy(aws.url) as fault_proxy:
        yield fault_proxy


@pytest.fixture
def playbook(aws):
    """Run one of the project's playbooks against the moto server, recording every IAM/STS call."""

    def run(name, inventory="staging", *args, extra_vars=None, env=None):
        command = [str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", str(REPO / "inventories" / inventory)]
        if not os.path.isabs(name):
            name = str(REPO / "playbooks" / name)
        command.append(name)
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        command += list(args)
        with aws.recording() as calls:
            start = time.perf_counter()
            proc = subprocess.run(command, cwd=REPO, env=playbook_env(aws, **(env or {})), capture_output=True, text=True, timeout=300, check=False)
        return Run(proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start, calls)

    return run


@pytest.fixture
def make_inventory(tmp_path):
    """A copy of a shipped inventory with changes: ``hosts`` (the application hosts), ``group_vars`` (added to
    group_vars/all), ``host_vars`` ({host: variables} merged into host_vars/<host>.yml). Returns its path."""

    def make(env="staging", hosts=None, group_vars=None, host_vars=None, name=None):
        target = tmp_path / (name or "inventory") / env
        shutil.copytree(REPO / "inventories" / env, target)
        if hosts is not None:
            inventory = yaml.safe_load((target / "hosts.yml").read_text())
            inventory["ecs_iam"]["hosts"] = {host: None for host in hosts}
            (target / "hosts.yml").write_text(yaml.safe_dump(inventory))
        if group_vars:
            (target / "group_vars" / "all" / "zz_test.yml").write_text(yaml.safe_dump(group_vars))
        for host, variables in (host_vars or {}).items():
            path = target / "host_vars" / f"{host}.yml"
            current = yaml.safe_load(path.read_text()) if path.exists() else {}
            current.update(variables)
            path.write_text(yaml.safe_dump(current))
        return target

    return make
