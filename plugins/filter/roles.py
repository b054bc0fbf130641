# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters over the roles' published outputs; documentation in the YAML files beside this one."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._policy_differences import passrole_differences as _passrole_differences

LABELS = {"ecs_task_role": "task role", "ecs_task_execution_role": "task execution role"}


def _line(outputs):
    where = outputs.get("role_arn") if outputs.get("state", "present") == "present" else "(absent)"
    return "%s %s: %s" % (LABELS[outputs["role"]], outputs["role_name"], where)


def _outputs(value):
    return isinstance(value, Mapping) and value.get("role") in LABELS and bool(value.get("role_name"))


def role_line(value):
    """A role's line from its outputs; or, from a host's variables, the host and the line of each role it published."""
    if _outputs(value):
        return _line(value)
    if isinstance(value, Mapping) and _outputs(value.get("ecs_task_role_outputs")):
        lines = [_line(value["ecs_task_role_outputs"])]
        if _outputs(value.get("ecs_task_execution_role_outputs")):
            lines.append(_line(value["ecs_task_execution_role_outputs"]))
        return "%s: %s" % (value.get("inventory_hostname"), "; ".join(lines))
    raise AnsibleFilterError("role_line: expected ecs_task_role_outputs or ecs_task_execution_role_outputs, or a host's variables "
                             "holding them, got %r" % (value,))


def passrole_differences(declaration, live):
    """What differs between the deployer's live PassRole policy (an amazon.aws.iam_policy_info result) and its
    declaration (ecs_deployer_passrole_outputs), one present-tense line each."""
    if not isinstance(declaration, Mapping) or "policy_name" not in declaration:
        raise AnsibleFilterError("passrole_differences: expected ecs_deployer_passrole_outputs, got %r" % (declaration,))
    if not isinstance(live, Mapping):
        raise AnsibleFilterError("passrole_differences: expected the result of amazon.aws.iam_policy_info, got %r" % (live,))
    # iam_policy_info answers NoSuchEntity (no such deployer) with a message and no policy list.
    found = "all_policy_names" in live
    documents = [item.get("policy_document") for item in live.get("policies") or [] if item.get("policy_name") == declaration["policy_name"]]
    return _passrole_differences(dict(declaration), found, documents[0] if documents else None)


class FilterModule:
    def filters(self):
        return {"role_line": role_line, "passrole_differences": passrole_differences}
