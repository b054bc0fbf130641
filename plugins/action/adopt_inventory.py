# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of cerpac.ecs_iam.adopt_inventory: checks, computes and writes on the controller (no module run).

The logic is in ``plugins/module_utils/_adopt.py``; this file checks the task's arguments, looks at the output
folder, calls :func:`_adopt.adopt` and writes its files all at once (into a temporary folder renamed into place),
so a bad input or a failure writes nothing.
"""

import json
import os
import shutil
import tempfile

from ansible.errors import AnsibleActionFail

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _adopt
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._action_base import ControllerAction

ARGUMENT_SPEC = dict(
    environment=dict(type="str", default=""),
    region=dict(type="str", default=""),
    dest=dict(type="str", default=""),
    name_pattern=dict(type="str", default=""),
    roles=dict(type="list", elements="dict"),
    other_roles=dict(type="list", elements="str", default=[]),
    account_id=dict(type="str", default=""),
    partition=dict(type="str", default="aws"),
    task_definitions=dict(type="list", elements="dict"),
)

REPORT_NAME = "adopt-report.md"
# Hidden: Ansible reads every other file of an inventory folder as an inventory source (.md it skips).
REPORT_JSON_NAME = ".adopt-report.json"


def plain(value):
    """Task arguments as plain Python data (ansible-core tags its strings and containers; YAML wants plain types)."""
    return json.loads(json.dumps(value))


def dest_state(dest, environment):
    """What is at ``<dest>/<environment>``: the facts ``_adopt.input_errors`` judges."""
    if not dest:
        return None
    base = os.path.abspath(os.path.expanduser(dest))
    if os.path.exists(base) and not os.path.isdir(base):
        return {"path": base, "exists": True, "is_dir": False, "entries": None}
    target = os.path.join(base, environment) if environment else base
    state = {"path": target, "exists": os.path.lexists(target), "is_dir": os.path.isdir(target), "entries": None}
    if state["is_dir"]:
        state["entries"] = os.listdir(target)
    ancestor = target
    while not os.path.exists(ancestor):
        ancestor = os.path.dirname(ancestor)
    # Nobody, root included, creates a folder under a regular file (os.access says yes to root for an executable one).
    state["writable"] = os.path.isdir(ancestor) and os.access(ancestor, os.W_OK | os.X_OK)
    return state


def write_all(dest, environment, texts):
    """Write every file into a fresh ``<dest>/<environment>``: a temporary folder beside it, renamed into place."""
    base = os.path.abspath(os.path.expanduser(dest))
    target = os.path.join(base, environment)
    created_base = not os.path.exists(base)
    os.makedirs(base, exist_ok=True)
    umask = os.umask(0)
    os.umask(umask)
    staging = tempfile.mkdtemp(prefix=".%s.adopt-" % environment, dir=base)
    try:
        for relative, text in sorted(texts.items()):
            path = os.path.join(staging, relative)
            os.makedirs(os.path.dirname(path), mode=0o777 & ~umask, exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(path, 0o666 & ~umask)
        os.chmod(staging, 0o777 & ~umask)
        if os.path.isdir(target):
            os.rmdir(target)  # empty, as checked; fails (and writes nothing) if something appeared meanwhile
        os.rename(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if created_base:
            shutil.rmtree(base, ignore_errors=True)
        raise
    return target


class ActionModule(ControllerAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, args, result, task_vars):
        args = plain(args)
        environment = args["environment"]
        pattern = args["name_pattern"] or "%s-*" % environment
        state = dest_state(args["dest"], environment if isinstance(environment, str) and environment else "")
        errors = _adopt.input_errors(environment, args["region"], state, pattern)
        if errors:
            raise AnsibleActionFail("Nothing was read or written. " + " | ".join(errors), result=dict(errors=errors))
        if args["roles"] is None:
            result.update(changed=False, msg="The inputs are valid; %s will be written." % state["path"], path=state["path"])
            return result

        adopted = _adopt.adopt(args["roles"], environment, args["region"], args["account_id"], args["partition"],
                               other_roles=args["other_roles"], name_pattern=pattern, task_definitions=args["task_definitions"])
        if adopted["errors"]:
            raise AnsibleActionFail(" | ".join(adopted["errors"]), result=dict(errors=adopted["errors"]))
        shown_dir = os.path.join(args["dest"], environment)
        texts = _adopt.inventory_texts(adopted["inventory"])
        texts[REPORT_NAME] = _adopt.report_markdown(adopted["report"], inventory_dir=shown_dir)
        texts[REPORT_JSON_NAME] = _adopt.report_json(adopted["report"])
        if not self._task.check_mode:
            try:
                write_all(args["dest"], environment, texts)
            except OSError as e:
                raise AnsibleActionFail("adopt_dir: could not write %s (%s); nothing was written" % (state["path"], e)) from e
        report = adopted["report"]
        result.update(
            changed=True,
            path=state["path"],
            files=sorted(os.path.join(state["path"], name) for name in texts),
            report=os.path.join(state["path"], REPORT_NAME),
            report_json=os.path.join(state["path"], REPORT_JSON_NAME),
            hosts=[application["host"] for application in report["applications"]],
            summary=report["summary"],
            left_out=report["left_out"],
        )
        return result
