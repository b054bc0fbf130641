"""Run the collection's action plugins in-process, as ansible-core's TaskExecutor does, with ansible's own objects."""

import importlib

import pytest
from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.connection.local import Connection
from ansible.template import Templar


def run_action(name, args, task_vars=None, check_mode=False, diff=False):
    """The result of the action plugin ``name`` for ``args``; an AnsibleActionFail becomes a failed result, as it does
    in a play (``failed``, ``msg``)."""
    module = importlib.import_module("ansible_collections.cerpac.ecs_iam.plugins.action.%s" % name)
    play_context = PlayContext()
    task = Task()
    task.action = "cerpac.ecs_iam.%s" % name
    task.args = args
    task.check_mode = check_mode
    task.diff = diff
    loader = DataLoader()
    action = module.ActionModule(task, Connection(play_context, None), play_context, loader, Templar(loader), None)
    try:
        return action.run(task_vars=dict(task_vars or {"inventory_hostname": "cerpac"}))
    except AnsibleActionFail as error:
        return {"failed": True, "msg": error.message}


@pytest.fixture(name="action")
def fixture_action():
    return run_action
