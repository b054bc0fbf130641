"""What a new user meets first: the checkout's git settings, `make test`'s preflight, the demo's and README's commands."""

import pathlib
import subprocess

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
