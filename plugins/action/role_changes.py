# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin for cerpac.ecs_iam.role_changes: one host's part of a role_plan result, reported on that host
(changed, diff, drift warnings), on the controller. Documentation in plugins/modules/role_changes.py."""

from ansible.errors import AnsibleActionFail

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._managed_policies import accepted_lines
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._action_base import ControllerAction
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_writes import write_calls

ARGUMENT_SPEC = dict(
    plan=dict(type="dict", required=True),
    writes_follow=dict(type="bool", default=True),
    declaration=dict(type="dict"),
)
KEYS = ("role_name", "role_arn", "exists", "account_id", "differences", "role_updates", "inline_policies_to_put",
        "inline_policies_to_delete", "managed_policies_to_attach", "managed_policies_to_detach", "policy_writes", "live")


class ActionModule(ControllerAction):
    """Report this host's role changes from a role_plan result."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, args, result, task_vars):
        plan = args["plan"]
        if "changed" not in plan or "role_name" not in plan:
            raise AnsibleActionFail("plan: expected one role's result from cerpac.ecs_iam.role_plan (its roles[<name>]), got keys %s"
                                    % ", ".join(sorted(plan)))
        # When the writes follow (a normal run), they report the changes they make; in check mode this task is the
        # report of what they would change. Without writes (verify) nothing changes, ever: changed is false and the
        # differences (present tense: what is different) are the report, not warnings of what a deploy would do.
        result["changed"] = bool(plan["changed"]) and args["writes_follow"] and bool(self._task.check_mode)
        for key in KEYS:
            if key in plan:
                result[key] = plan[key]
        if args["declaration"] is not None:
            # The exact arguments of the writes that follow (none in check mode, for verify, or for a converged role).
            result.update(write_calls(args["declaration"], plan, args["writes_follow"], bool(self._task.check_mode)))
        if plan.get("warnings") and args["writes_follow"]:
            result["warnings"] = list(plan["warnings"])
        # Findings of the role's managed policies accepted by an exception: said on every run, like the inline ones.
        accepted = accepted_lines(plan.get("managed_policy_findings"))
        if accepted:
            result["accepted"] = accepted
            for line in accepted:
                self._display.display("%s: %s: %s" % (task_vars.get("inventory_hostname"), plan["role_name"], line))
        if self._task.diff and "diff" in plan:
            # Headers that say which role and which side: the live role, and the declaration it is compared with.
            name = plan["role_name"]
            result["diff"] = dict(plan["diff"], before_header="%s (live)" % name, after_header="%s (declared)" % name)
        return result
