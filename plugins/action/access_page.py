# -*- coding: utf-8 -*-

# Copyright (c) 2025, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cerpac.ecs_iam.access_page: write an environment's access page on the controller (documentation in
plugins/modules/access_page.py). The page itself comes from module_utils/_access_page.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._access_page import access_page, input_errors
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._action_base import ControllerAction
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._action_base import write_atomically

ARGUMENT_SPEC = dict(
    environment=dict(type="str", required=True),
    applications=dict(type="list", elements="dict", required=True),
    passrole=dict(type="dict"),
    source=dict(type="str"),
    dest=dict(type="path", required=True),
)


def _read(path):
    """The file's text, or ``None`` when there is no file."""
    try:
        with open(path, "rb") as handle:
            return to_text(handle.read(), errors="surrogate_or_strict")
    except FileNotFoundError:
        return None


def _applications_at_fault(applications, errors):
    """The names (or ``applications[N]`` when unnamed) of the applications an error of ``errors`` is about, in order."""
    at_fault = []
    for index, application in enumerate(applications if isinstance(applications, list) else []):
        where = "applications[%d]" % index
        if any(error.startswith(where) and error[len(where):len(where) + 1] in (".", " ", ":") for error in errors):
            name = application.get("name") if isinstance(application, dict) else None
            at_fault.append(name if isinstance(name, str) and name else where)
    return at_fault


class ActionModule(ControllerAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def act(self, args, result, task_vars):
        dest = args["dest"]
        result.update(changed=False, dest=dest)

        errors = input_errors(args["environment"], args["applications"], args["passrole"])
        if errors:
            # The task runs once for the environment: name the applications at fault first, not the host that ran it.
            at_fault = _applications_at_fault(args["applications"], errors)
            result.update(failed=True, errors=errors, applications=at_fault,
                          msg="%s%d problem(s) in the access page's input:\n%s"
                              % ("%s: " % ", ".join(at_fault) if at_fault else "", len(errors), "\n".join(errors)))
            return result
        page = access_page(args["environment"], args["applications"], passrole=args["passrole"], source=args["source"])
        if os.path.isdir(dest):
            result.update(failed=True, msg="dest=%r is a folder; give the page's file path, for example %s"
                                           % (dest, os.path.join(dest, "ACCESS.md")))
            return result
        before = _read(dest)
        result["changed"] = before != page
        if result["changed"] and self._task.diff:
            result["diff"] = {"before": before or "", "after": page, "before_header": dest if before is not None else "(absent)",
                              "after_header": dest}
        if not result["changed"] or self._task.check_mode:
            return result
        try:
            write_atomically(dest, page, ".access-page-")
        except OSError as error:
            result.update(failed=True, msg="cannot write the access page to dest=%r: %s; give a writable file path"
                                           % (dest, to_text(error)))
        return result
