# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the internal role (roles/ecs_iam_internal) decides about one ECS role, as plain functions over plain data:
whether a published declaration still serves (``declaration_current``) and the exact arguments of each
``amazon.aws.iam_role`` and ``amazon.aws.iam_policy`` call that converges the role to it (``write_calls``). The
role's YAML passes these values through; the two amazon.aws modules make the writes."""

import json

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._aws_settings import aws_config


def declaration_current(published, published_inputs, inputs):
    """Whether the declaration ``published`` in this run from ``published_inputs`` serves for ``inputs``: made from the
    same inputs, and not waiting for the caller's account. Otherwise every input is checked again."""
    if not isinstance(published, dict) or published_inputs is None:
        return False
    return not published.get("needs_account", True) and published_inputs == inputs


def _role_call(declaration, plan):
    """The arguments of the one ``iam_role`` call that converges the role, or None when it needs none."""
    present = declaration["state"] == "present"
    common = {"name": declaration["role_name"], "state": declaration["state"], "create_instance_profile": False,
              "delete_instance_profile": False, "region": declaration["region"], "aws_config": aws_config()}
    if not present:
        return common if plan.get("exists") else None
    if not plan.get("role_updates"):
        return None
    call = dict(common, path=declaration["path"], assume_role_policy_document=json.dumps(declaration["trust_policy"]),
                description=declaration["description"], max_session_duration=declaration["max_session_duration"],
                tags=declaration["tags"], purge_tags=declaration["purge_tags"])
    # The role owns its boundary: the declared one, or "" to remove one added by hand (never "" on create: iam_role
    # refuses it, and a new role has none to remove).
    if declaration.get("permissions_boundary"):
        call["boundary"] = declaration["permissions_boundary"]
    elif plan.get("exists") and "permissions_boundary" in plan["role_updates"]:
        call["boundary"] = ""
    # Only when the attachments differ: given the list, iam_role lists the attached policies again.
    if plan.get("managed_policies_to_attach") or plan.get("managed_policies_to_detach"):
        call.update(managed_policies=list(declaration["managed_policy_arns"]), purge_policies=True)
    return call


def _policy_calls(declaration, plan):
    """The arguments of each ``iam_policy`` call: put what is missing or differs, delete what is not declared. None for
    an absent role (deleting it deletes its inline policies)."""
    if declaration["state"] != "present":
        return []
    calls = []
    for write in plan.get("policy_writes") or []:
        call = {"iam_type": "role", "iam_name": declaration["role_name"], "policy_name": write["name"], "state": write["state"],
                "region": declaration["region"], "aws_config": aws_config()}
        if write["state"] == "present":
            document = write["document"]
            call["policy_json"] = document if isinstance(document, str) else json.dumps(document)
        calls.append(call)
    return calls


def write_calls(declaration, plan, writes_follow=True, check_mode=False):
    """``{"iam_role_calls": [...], "iam_policy_calls": [...]}``: the arguments of every write that converges the role
    ``declaration`` describes, from its ``plan`` (one role's entry of role_plan). None at all without writes (verify)
    or in check mode (the plan is then the report); otherwise only what differs: nothing for a converged role."""
    if not writes_follow or check_mode:
        return {"iam_role_calls": [], "iam_policy_calls": []}
    role = _role_call(declaration, plan)
    return {"iam_role_calls": [role] if role else [], "iam_policy_calls": _policy_calls(declaration, plan)}
