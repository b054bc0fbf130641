"""What a new user meets first: the checkout's git settings, `make test`'s preflight, the demo's and README's commands."""

import pathlib
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path, ignored", [
    # docs/access-page.md: the rendered environment (policies and ACCESS.md) is committed with the inventory change.
    ("rendered/staging/ACCESS.md", False),
    ("rendered/production/cerpac/task-role/policy-grants-s3.json", False),
    # positive controls: the toolchain's folders stay ignored
    ("tests/output/junit.xml", True),
    (".cache/newest/venv/bin/python", True),
])
def test_gitignore_keeps_the_rendered_environment_committable(path, ignored):
    proc = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=REPO, check=False)
    assert proc.returncode in (0, 1), proc
    assert (proc.returncode == 0) is ignored


def test_the_demo_prints_the_command_it_runs_in_a_pasteable_form(monkeypatch, capsys):
    from scripts import demo  # pylint: disable=import-outside-toplevel

    ran = []

    def run(command, **kwargs):
        ran.append((command, kwargs))
        return subprocess.CompletedProcess(command, 0, "cerpac : ok=5 changed=2 unreachable=0 failed=0 skipped=0\n", "")

    monkeypatch.setattr(demo.subprocess, "run", run)
    assert demo.deploy("staging", {"PATH": "/usr/bin"}) == {"cerpac": 2}
    printed = [line[2:] for line in capsys.readouterr().out.splitlines() if line.startswith("$ ")]
    (command, kwargs), = ran
    # What is printed is what ran, from the checkout's root, found on PATH (`. .venv/bin/activate`), not a path
    # into this machine's venv nor a fragment of the command.
    assert printed == ["ansible-playbook -i inventories/staging playbooks/deploy.yml"]
    assert command == ["ansible-playbook", "-i", "inventories/staging", "playbooks/deploy.yml"]
    assert kwargs["cwd"] == REPO


def readme_shell_lines():
    text = (REPO / "README.md").read_text()
    blocks = text.split("```sh\n")[1:]
    return [line for block in blocks for line in block.split("```", 1)[0].splitlines()]


def test_the_readme_runs_ansible_playbook_in_one_form():
    lines = [line for line in readme_shell_lines() if "ansible-playbook" in line]
    assert len(lines) >= 5  # the "Use" block, adopt's and the task definition's examples
    assert [line for line in lines if not line.startswith("ansible-playbook ")] == []
    assert ". .venv/bin/activate" in readme_shell_lines()


# `make test`'s preflight (scripts/preflight.sh), run from a copy of scripts/ in an empty checkout (no .venv/) with a
# PATH that holds only the programs each case gives it: every missing prerequisite is one line naming it.
PYTHON_3_11 = pathlib.Path(sys.executable).resolve()
PYTHON_3_12 = next(iter(sorted(pathlib.Path.home().glob(".pyenv/versions/3.1[23].*/bin/python3.1[23]"))), None)  # not pyenv's shim
TOOLS = {"git": shutil.which("git"), "node": shutil.which("node"), "npm": shutil.which("npm"), "python3": PYTHON_3_11}


def preflight(tmp_path, tools, newest=PYTHON_3_12):
    (tmp_path / "scripts").mkdir()
    for name in ("preflight.sh", "lib.sh"):
        shutil.copy(REPO / "scripts" / name, tmp_path / "scripts" / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("dirname", *tools):
        (bin_dir / name).symlink_to(shutil.which(name) if name == "dirname" else TOOLS[name])
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "no-pyenv")}
    if newest:
        env["NEWEST_PYTHON"] = str(newest)
    proc = subprocess.run(["/bin/bash", str(tmp_path / "scripts" / "preflight.sh")], env=env, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr.splitlines()


@pytest.mark.skipif(sys.version_info[:2] != (3, 11) or None in TOOLS.values() or PYTHON_3_12 is None,
                    reason="the cases are built from this machine's git, node, npm, Python 3.11 (the venv) and 3.12+")
@pytest.mark.parametrize("tools, newest, missing", [
    (("git", "node", "npm", "python3"), True, []),  # positive control: nothing missing, nothing printed
    (("git", "npm", "python3"), True, ["node (Node.js 18 or newer with npm"]),
    (("git", "node", "python3"), True, ["npm (it comes with Node.js"]),
    (("git", "python3"), True, ["node (Node.js 18 or newer with npm", "npm (it comes with Node.js"]),
    (("node", "npm", "python3"), True, ["git (install git"]),
    (("git", "node", "npm"), True, ["Python 3.11 (neither .venv/bin/python, python3 nor python3.11 is 3.11"]),
    (("git", "node", "npm", "python3"), False, ["Python 3.12 or 3.13 for the newest ansible release (none under "]),
])
def test_make_test_stops_at_once_naming_each_missing_prerequisite(tmp_path, tools, newest, missing):
    rc, out, err = preflight(tmp_path, tools, newest=PYTHON_3_12 if newest else None)
    assert (rc, out) == (1 if missing else 0, "")
    assert len(err) == len(missing), err
    for line, start in zip(err, missing):
        assert line.startswith("make test: missing prerequisite: " + start), line


def test_the_newest_python_must_be_3_12_or_newer(tmp_path):
    rc, dummy, err = preflight(tmp_path, ("git", "node", "npm", "python3"), newest=PYTHON_3_11)
    assert rc == 1
    assert err == [f"make test: missing prerequisite: Python 3.12 or newer for the newest ansible release (NEWEST_PYTHON={PYTHON_3_11} is not one)"]
