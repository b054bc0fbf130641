"""adopt_inventory's file handling: the output folder is judged before anything is read, and written all at once."""

import os
import stat

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.action.adopt_inventory import dest_state
from ansible_collections.cerpac.ecs_iam.plugins.action.adopt_inventory import write_all

TEXTS = {"hosts.yml": "---\n", "group_vars/all/main.yml": "---\na: 1\n", "host_vars/app.yml": "---\n", ".adopt-report.json": "{}\n"}


def tree(path):
    return sorted(str(item.relative_to(path)) for item in path.rglob("*"))


def test_the_state_of_the_output_folder(tmp_path):
    assert dest_state("", "staging") is None
    assert dest_state(str(tmp_path / "new"), "staging") == {
        "path": str(tmp_path / "new" / "staging"), "exists": False, "is_dir": False, "entries": None, "writable": True}
    (tmp_path / "full" / "staging").mkdir(parents=True)
    (tmp_path / "full" / "staging" / "notes.md").write_text("mine")
    assert dest_state(str(tmp_path / "full"), "staging") == {
        "path": str(tmp_path / "full" / "staging"), "exists": True, "is_dir": True, "entries": ["notes.md"], "writable": True}
    (tmp_path / "file").write_text("x")
    assert dest_state(str(tmp_path / "file"), "staging") == {"path": str(tmp_path / "file"), "exists": True, "is_dir": False, "entries": None}


@pytest.mark.parametrize("mode", [0o644, 0o755])
def test_a_folder_under_a_regular_file_cannot_be_written_whoever_runs(tmp_path, mode):
    # Not even root can create a folder under a regular file, executable or not: known before anything is read.
    (tmp_path / "notes").write_text("a file, not a folder")
    (tmp_path / "notes").chmod(mode)
    assert dest_state(str(tmp_path / "notes" / "adopted"), "staging") == {
        "path": str(tmp_path / "notes" / "adopted" / "staging"), "exists": False, "is_dir": False, "entries": None, "writable": False}
    with pytest.raises(OSError):
        write_all(str(tmp_path / "notes" / "adopted"), "staging", TEXTS)


def test_a_folder_without_write_permission_is_known_before_anything_is_read(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        # root may write where the mode says no (and the write would succeed): only others are refused
        assert dest_state(str(locked / "deeper"), "staging")["writable"] is (os.geteuid() == 0)
    finally:
        locked.chmod(stat.S_IRWXU)


@pytest.mark.parametrize("existing", [False, True])
def test_every_file_appears_at_once_in_a_new_or_empty_folder(tmp_path, existing):
    if existing:
        (tmp_path / "adopted" / "staging").mkdir(parents=True)
    old = os.umask(0o022)
    try:
        target = write_all(str(tmp_path / "adopted"), "staging", TEXTS)
    finally:
        os.umask(old)
    assert target == str(tmp_path / "adopted" / "staging")
    assert tree(tmp_path) == ["adopted", "adopted/staging", "adopted/staging/.adopt-report.json", "adopted/staging/group_vars",
                              "adopted/staging/group_vars/all", "adopted/staging/group_vars/all/main.yml", "adopted/staging/host_vars",
                              "adopted/staging/host_vars/app.yml", "adopted/staging/hosts.yml"]
    assert (tmp_path / "adopted" / "staging" / "group_vars" / "all" / "main.yml").read_text() == "---\na: 1\n"
    assert stat.S_IMODE((tmp_path / "adopted" / "staging").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "adopted" / "staging" / "hosts.yml").stat().st_mode) == 0o644


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path):
    with pytest.raises(OSError):
        write_all(str(tmp_path / "adopted"), "staging", {"host_vars": "a file where a folder must go", "host_vars/app.yml": "---\n"})
    assert tree(tmp_path) == []


def test_a_folder_filled_meanwhile_is_not_overwritten(tmp_path):
    (tmp_path / "adopted" / "staging").mkdir(parents=True)
    (tmp_path / "adopted" / "staging" / "hosts.yml").write_text("# someone else's\n")
    with pytest.raises(OSError):
        write_all(str(tmp_path / "adopted"), "staging", TEXTS)
    assert tree(tmp_path) == ["adopted", "adopted/staging", "adopted/staging/hosts.yml"]
    assert (tmp_path / "adopted" / "staging" / "hosts.yml").read_text() == "# someone else's\n"
