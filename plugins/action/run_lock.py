# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin for cerpac.ecs_iam.run_lock: fills in the run's identity on the controller (the process of
ansible-playbook, its user and host, the playbook and inventory, the start time in UTC and a fresh run id), then runs
the module, which makes the S3 calls. Documentation in plugins/modules/run_lock.py."""

import datetime
import getpass
import os
import socket
import uuid

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    """Run cerpac.ecs_iam.run_lock with the run's identity."""

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        if args.get("state", "acquired") == "acquired" and "identity" not in args:
            playbook = (self._task.get_path() or "?").rsplit(":", 1)[0]
            sources = (task_vars or {}).get("ansible_inventory_sources") or ["?"]
            args["identity"] = {
                "run_id": str(uuid.uuid4()),
                "user": getpass.getuser(),
                "host": socket.gethostname(),
                # A worker is a fork of ansible-playbook: its parent is the run's process.
                "pid": os.getppid(),
                "playbook": os.path.relpath(playbook) if not os.path.relpath(playbook).startswith("..") else playbook,
                "inventory": ", ".join(str(source) for source in sources),
                "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        result.update(self._execute_module(module_name="cerpac.ecs_iam.run_lock", module_args=args, task_vars=task_vars))
        return result
