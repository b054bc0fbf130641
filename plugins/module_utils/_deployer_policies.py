# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The plan of the deployer's PassRole policies: every declared policy compared with ONE read of the deployer's inline
policies, so that a run reads each policy once whatever the number of applications (amazon.aws ``iam_policy``, run
once per application, lists and reads every inline policy of the deployer each time: reads grow with the square of
the applications). ``cerpac.ecs_iam.deployer_policies`` makes the reads; these functions take plain data.

``group_declarations(declarations)`` -> ``(deployers, problems)``
    ``declarations``: the PassRole declarations (``ecs_deployer_passrole_outputs``) of the play's hosts, the same one
    once per host or one per application. ``deployers``: ``{(type, name): {policy name: declaration}}`` (declarations
    naming no deployer are nobody's to write); ``problems``: one message per policy name declared twice with another
    content (each host's write would undo the other's).

``plan(deployers, live, expected_account_id=None, allow_any_account=False)`` -> ``(plans, problems)``
    ``live``: ``{(type, name): {"arn": ARN or None (no such deployer), "policies": {policy name: document}}}``, the
    documents of the declared policies the deployer holds (read once each). ``plans``:
    ``{type: {name: {"exists", "arn", "policies": {policy name: {"state", "write", "differences", "live", "policy_json"}}}}}``:
    ``write`` is whether ``iam_policy`` must run for it (put a missing or different policy, delete one declared
    absent), ``differences`` what differs, in the present tense (``_policy_differences.passrole_differences``), ``live`` the
    document the deployer holds (None: none), ``policy_json`` the declared document as JSON text (state present only:
    what ``iam_policy`` is sent).
    ``problems``: a deployer that does not exist while a policy must be on it, or that is in another account.
"""

import json

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._policy_differences import passrole_differences
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._policy_differences import statement_lines
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import check_account

NAME_VARIABLE = "ecs_deployer_passrole_%s_name"


def same_document(one, other):
    """Whether two policy documents (mappings or JSON text, None for none) hold the same statements, as IAM compares them."""
    if one is None or other is None:
        return one is None and other is None
    return not statement_lines("", one, other)


def group_declarations(declarations):
    """The declared policies by deployer; see the module's documentation."""
    deployers, problems = {}, []
    for declaration in declarations or []:
        deployer = (declaration or {}).get("deployer")
        if not deployer:
            continue
        key = (deployer["type"], deployer["name"])
        policies = deployers.setdefault(key, {})
        name = declaration["policy_name"]
        known = policies.get(name)
        if known is None:
            policies[name] = declaration
        elif known.get("state") != declaration.get("state") or not same_document(known.get("document"), declaration.get("document")):
            problems.append("the PassRole policy %s on the deployer %s %s is declared twice with different contents (hosts %s and %s): "
                            "each host's write would undo the other's. Give each application its own policy name"
                            % (name, key[0], key[1], known.get("host"), declaration.get("host")))
    return deployers, problems


def _write(declaration, exists, live_document):
    if not exists:
        return False
    if declaration.get("state") == "absent":
        return live_document is not None
    return not same_document(live_document, declaration.get("document"))


def plan(deployers, live, expected_account_id=None, allow_any_account=False):
    """What to write on each deployer; see the module's documentation. ``allow_any_account``: the inventory opted out
    of the account guard (``ecs_deployer_passrole_allow_any_account``), so ``expected_account_id`` is not checked."""
    plans, problems = {}, []
    if allow_any_account:
        expected_account_id = None
    for (kind, name), policies in sorted(deployers.items()):
        found = live.get((kind, name)) or {}
        arn = found.get("arn")
        exists = bool(arn)
        refusal = None
        if exists:
            refusal = check_account(expected_account_id, _arns.account_of(arn))
            if refusal:
                refusal = "deployer %s %s: %s" % (kind, name, refusal)
        elif any(declaration.get("state") == "present" for declaration in policies.values()):
            refusal = ("%s=%s: no such IAM %s in this account. Create the deployer first (it is not managed here), or correct the name"
                       % (NAME_VARIABLE % kind, json.dumps(name), kind))
        if refusal:
            problems.append(refusal)
        entries = {}
        for policy_name, declaration in sorted(policies.items()):
            document = (found.get("policies") or {}).get(policy_name)
            entry = {
                "state": declaration.get("state"),
                "write": not refusal and _write(declaration, exists, document),
                "differences": passrole_differences(declaration, exists, document),
                "live": document,
            }
            if declaration.get("state") == "present":
                entry["policy_json"] = json.dumps(declaration.get("document"), sort_keys=True)
            entries[policy_name] = entry
        plans.setdefault(kind, {})[name] = {"exists": exists, "arn": arn, "policies": entries, "refusal": refusal or ""}
    return plans, problems


def policies_to_read(declared, listed):
    """The declared policy names (of one deployer) that its listing holds, sorted: each is read once, and the deployer's
    other inline policies (not this collection's) are not read."""
    return sorted(set(declared or ()) & set(listed or ()))
