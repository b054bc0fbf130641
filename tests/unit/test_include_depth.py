# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 19, item 3: from a playbook to a module call, at most two levels of includes (playbook -> a role's entry
file -> the internal role's file -> module). An include whose target cannot be resolved (a templated name) counts as
too deep: what cannot be followed cannot be shown to be shallow."""

import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PREFIX = "cerpac.ecs_iam."
INCLUDES = {"ansible.builtin.import_role", "ansible.builtin.include_role", "import_role", "include_role",
            "ansible.builtin.import_tasks", "ansible.builtin.include_tasks", "import_tasks", "include_tasks"}
MAX_DEPTH = 2


def _tasks(items):
    """Every task of a task list, blocks opened."""
    for task in items or []:
        if not isinstance(task, dict):
            continue
        if "block" in task:
            for key in ("block", "rescue", "always"):
                yield from _tasks(task.get(key))
            continue
        yield task


def _target(root, task, here):
    """The task file an include task reads, or ``None`` when it cannot be resolved."""
    action = next(key for key in task if key in INCLUDES)
    args = task[action]
    if action.endswith("_role"):
        name = args.get("name", "") if isinstance(args, dict) else ""
        tasks_from = args.get("tasks_from", "main") if isinstance(args, dict) else "main"
        if "{{" in name or "{{" in str(tasks_from) or not name.startswith(PREFIX):
            return None
        return os.path.join(root, "roles", name[len(PREFIX):], "tasks", tasks_from if tasks_from.endswith(".yml") else tasks_from + ".yml")
    path = args if isinstance(args, str) else (args or {}).get("file", "")
    if "{{" in path or not path:
        return None
    return os.path.normpath(os.path.join(os.path.dirname(here), path))


def too_deep(root, playbook):
    """The include chains of ``playbook`` (relative to ``root``) that go deeper than MAX_DEPTH, as lists of files."""
    found = []

    def walk(path, items, chain):
        for task in _tasks(items):
            if not any(key in INCLUDES for key in task):
                continue
            target = _target(root, task, path)
            step = chain + [os.path.relpath(target, root) if target else "<unresolved include in %s>" % os.path.relpath(path, root)]
            if target is None or len(step) - 1 > MAX_DEPTH:
                found.append(step)
                continue
            with open(target) as handle:
                walk(target, yaml.safe_load(handle), step)

    path = os.path.join(root, playbook)
    with open(path) as handle:
        plays = yaml.safe_load(handle)
    for play in plays:
        for key in ("pre_tasks", "tasks", "post_tasks", "handlers"):
            walk(path, play.get(key), [playbook])
    return found


PLAYBOOKS = sorted("playbooks/" + name for name in os.listdir(os.path.join(ROOT, "playbooks")) if name.endswith(".yml"))


def test_the_playbooks_are_found():
    assert {"playbooks/deploy.yml", "playbooks/render.yml", "playbooks/verify.yml", "playbooks/adopt.yml", "playbooks/usage.yml"} <= set(PLAYBOOKS)


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_a_module_call_is_at_most_two_includes_below_a_playbook(playbook):
    assert too_deep(ROOT, playbook) == []


def _write(root, path, data):
    full = os.path.join(str(root), path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as handle:
        yaml.safe_dump(data, handle)


def test_control_three_levels_and_a_templated_include_are_found(tmp_path):
    """Positive control: the shape of main before issue 19 (deploy -> converge -> account -> check) is flagged, and so
    is an include that cannot be followed; two levels are not."""
    _write(tmp_path, "playbooks/deploy.yml", [{"hosts": "all", "tasks": [
        {"ansible.builtin.include_role": {"name": "cerpac.ecs_iam.ecs_task_role", "tasks_from": "converge"}},
        {"block": [{"ansible.builtin.include_tasks": "{{ where }}.yml"}]},
        {"ansible.builtin.import_role": {"name": "cerpac.ecs_iam.ecs_task_execution_role", "tasks_from": "check"}}]}])
    _write(tmp_path, "roles/ecs_task_role/tasks/converge.yml", [{"ansible.builtin.include_tasks": "account.yml"}])
    _write(tmp_path, "roles/ecs_task_role/tasks/account.yml", [{"ansible.builtin.import_tasks": "check.yml"}])
    _write(tmp_path, "roles/ecs_task_role/tasks/check.yml", [{"ansible.builtin.assert": {"that": True}}])
    internal = {"name": "cerpac.ecs_iam.ecs_iam_internal", "tasks_from": "check"}
    _write(tmp_path, "roles/ecs_task_execution_role/tasks/check.yml", [{"ansible.builtin.import_role": internal}])
    _write(tmp_path, "roles/ecs_iam_internal/tasks/check.yml", [{"ansible.builtin.assert": {"that": True}}])
    assert too_deep(str(tmp_path), "playbooks/deploy.yml") == [
        ["playbooks/deploy.yml", "roles/ecs_task_role/tasks/converge.yml", "roles/ecs_task_role/tasks/account.yml",
         "roles/ecs_task_role/tasks/check.yml"],
        ["playbooks/deploy.yml", "<unresolved include in playbooks/deploy.yml>"],
    ]
