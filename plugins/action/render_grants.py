# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin for cerpac.ecs_iam.render_grants: renders grants by intent on the controller (pure computation, no
module round trip). Documentation in plugins/modules/render_grants.py; the logic in module_utils/_grant_intents.py."""


from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CHECK_EXCEPTIONS
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import render_grants
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._action_base import ControllerAction

ARGUMENT_SPEC = dict(
    grants=dict(type="list", elements="dict", required=True),
    region=dict(type="str", required=True),
    account_id=dict(type="str", required=True),
    partition=dict(type="str"),
)


def check_exceptions_for(policies):
    """The catalogue's by-design exceptions for validate_grants that these policies need, each scoped to its policy."""
    names = set(policy["name"] for policy in policies)
    return [dict(exception) for exception in CHECK_EXCEPTIONS if exception.get("policy") in names]


class ActionModule(ControllerAction):
    """Render grants into inline policies on the controller."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, args, result, task_vars):
        trace = []
        policies, errors = render_grants(args["grants"], args["partition"], args["region"], args["account_id"], trace=trace)
        if errors:
            result.update(failed=True, errors=errors, policies=[], statements_count=0,
                          msg="%d problem(s) in the grants:\n%s" % (len(errors), "\n".join(error["message"] for error in errors)))
            return result
        result.update(
            changed=False,
            policies=policies,
            grants=trace,
            statements_count=sum(len(policy["document"]["Statement"]) for policy in policies),
            check_exceptions=check_exceptions_for(policies),
        )
        return result
