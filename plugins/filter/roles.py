# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters over the roles' published outputs; documentation in the YAML files beside this one."""

from ansible.errors import AnsibleFilterError

LABELS = {"ecs_task_role": "task role", "ecs_task_execution_role": "task execution role"}


def role_line(outputs):
    if not isinstance(outputs, dict) or outputs.get("role") not in LABELS or not outputs.get("role_name"):
        raise AnsibleFilterError("role_line: expected ecs_task_role_outputs or ecs_task_execution_role_outputs, got %r" % (outputs,))
    where = outputs.get("role_arn") if outputs.get("state", "present") == "present" else "(absent)"
    return "%s %s: %s" % (LABELS[outputs["role"]], outputs["role_name"], where)


class FilterModule:
    def filters(self):
        return {"role_line": role_line}
