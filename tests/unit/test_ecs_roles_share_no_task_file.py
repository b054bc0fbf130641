"""Issue 19, item 1: the two public ECS roles share no copied task file. Their steps live once, in the internal role
roles/ecs_iam_internal; each public role keeps only entry files of one task that includes it with its own inputs."""

import difflib
import pathlib
import re

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
ROLES = REPO / "roles"
PREFIXES = re.compile(r"ecs_task_execution_role|ecs_task_role")
# Files this alike (difflib's ratio over their lines, once each role's prefix reads the same) are one file copied and edited.
NEARLY_EQUAL = 0.8
INTERNAL = "cerpac.ecs_iam.ecs_iam_internal"


def normalised(path):
    """The task file's lines without comments and blank lines, each role's prefix as ROLE."""
    lines = [line.split(" #")[0].rstrip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [PREFIXES.sub("ROLE", line) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def is_entry_file(path):
    """One task that only includes (or imports) the internal role with explicit values: the shape a public entry file
    may share with the other role's."""
    tasks = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if len(tasks) != 1:
        return False
    task = tasks[0]
    keys = set(task) - {"name", "vars", "when", "tags"}
    if keys not in ({"ansible.builtin.import_role"}, {"ansible.builtin.include_role"}):
        return False
    return task[keys.pop()].get("name") == INTERNAL


def copied_task_files(first, second):
    """Pairs (file of first, file of second, similarity) of task files nearly equal once the prefixes are the same,
    except one-task entry files of the internal role."""
    copies = []
    for one in sorted((first / "tasks").glob("*.yml")):
        for other in sorted((second / "tasks").glob("*.yml")):
            ratio = difflib.SequenceMatcher(None, normalised(one), normalised(other), autojunk=False).ratio()
            if ratio >= NEARLY_EQUAL and not (is_entry_file(one) and is_entry_file(other)):
                copies.append((one.name, other.name, round(ratio, 2)))
    return copies


def test_the_two_ecs_roles_share_no_copied_task_file():
    copies = copied_task_files(ROLES / "ecs_task_role", ROLES / "ecs_task_execution_role")
    assert not copies, "task files copied between ecs_task_role and ecs_task_execution_role (move the steps into " \
                       "roles/ecs_iam_internal): %s" % copies


@pytest.mark.parametrize("role", ["ecs_task_role", "ecs_task_execution_role"])
def test_every_task_file_of_a_public_ecs_role_is_one_include_of_the_internal_role(role):
    others = sorted(path.name for path in (ROLES / role / "tasks").glob("*.yml") if not is_entry_file(path))
    assert others == [], "%s: task files that are not one include of %s: %s" % (role, INTERNAL, others)


STEPS = """---
- name: Check every input
  cerpac.ecs_iam.declare_role:
    role: PREFIX
    inputs: "{{ _PREFIX_inputs }}"
  register: __PREFIX_declared

- name: Publish
  ansible.builtin.set_fact:
    PREFIX_outputs: "{{ __PREFIX_declared.declaration }}"
"""
ENTRY = """---
- name: Check every input
  ansible.builtin.import_role:
    name: cerpac.ecs_iam.ecs_iam_internal
    tasks_from: check
  vars:
    _ecs_iam_internal_kind: KIND
    _ecs_iam_internal_inputs: "{{ _PREFIX_inputs }}"
"""


def make_role(folder, prefix, kind, files):
    (folder / "tasks").mkdir(parents=True)
    for name, text in files.items():
        (folder / "tasks" / name).write_text(text.replace("PREFIX", prefix).replace("KIND", kind), encoding="utf-8")
    return folder


@pytest.mark.parametrize("first, second, expected", [
    # Positive controls: a step file copied, or copied and edited by a line, is seen, whatever its name.
    ({"check.yml": STEPS}, {"check.yml": STEPS}, [("check.yml", "check.yml")]),
    ({"check.yml": STEPS}, {"verify.yml": STEPS.replace("Publish", "Publish the role's declaration")}, [("check.yml", "verify.yml")]),
    # A step file against an entry file that happens to look alike is still a copy on one side.
    ({"check.yml": ENTRY, "steps.yml": STEPS}, {"check.yml": ENTRY, "steps.yml": STEPS}, [("steps.yml", "steps.yml")]),
    # One-task entry files of the internal role are what the roles may share.
    ({"check.yml": ENTRY}, {"check.yml": ENTRY}, []),
])
def test_copies_are_seen(tmp_path, first, second, expected):
    one = make_role(tmp_path / "ecs_task_role", "ecs_task_role", "task", first)
    other = make_role(tmp_path / "ecs_task_execution_role", "ecs_task_execution_role", "execution", second)
    assert [(a, b) for a, b, dummy in copied_task_files(one, other)] == expected
