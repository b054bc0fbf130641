# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure comparison of a declared IAM role with the live one (no AWS calls here).

The declared role is a plain mapping::

    {"name", "path", "trust_policy", "description", "max_session_duration", "permissions_boundary",
     "tags", "purge_tags", "managed_policy_arns", "inline_policies": {name: document}}

``None`` for description or max_session_duration means "not managed: leave it alone". The permissions
boundary is owned: ``""`` declares none (a boundary added by hand is a difference, removed by the role), ``None``
leaves it alone (the module's single-role mode when the option is omitted). Tags, managed policy attachments and
inline policies are owned exclusively: what the declaration does not name is removed (``purge_tags`` can keep
foreign tags).

The live role has the same shape (``_live_role.read_role`` reads it), or is ``None`` when absent.
"""

import fnmatch
import json

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._policy_differences import statement_lines

# Role attributes that iam_role updates in place, in the order they are reported.
ROLE_FIELDS = ("trust_policy", "description", "max_session_duration", "permissions_boundary", "tags", "managed_policy_arns")


class PlanError(Exception):
    """The declaration cannot be reached from the live role (for example a changed path)."""


def load_document(document):
    """A policy document as a mapping, whether given as JSON text or already parsed."""
    if isinstance(document, str):
        return json.loads(document)
    return document


def policies_differ(current, wanted):
    """True when two policy documents grant differently (order, single values vs lists ignored)."""
    if current is None or wanted is None:
        return current is not wanted
    return compare_policies(load_document(current), load_document(wanted), default_version="2012-10-17")


def _tags_after(current_tags, wanted_tags, purge_tags):
    after = {} if purge_tags else dict(current_tags)
    after.update(wanted_tags)
    return after


def _role_view(role):
    """What --diff shows of a role: stable, JSON-friendly, sorted."""
    if role is None:
        return {}
    view = {
        "path": role.get("path"),
        "trust_policy": load_document(role.get("trust_policy")),
        "tags": dict(sorted((role.get("tags") or {}).items())),
        "managed_policy_arns": sorted(role.get("managed_policy_arns") or []),
        "inline_policies": {name: load_document(doc) for name, doc in sorted((role.get("inline_policies") or {}).items())},
    }
    for field in ("description", "max_session_duration", "permissions_boundary"):
        if role.get(field) is not None:
            view[field] = role.get(field)
    return view


def _json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def describe(name, plan):
    """One line per difference between the live role and the declaration, for people (verify, reports)."""
    before, after = plan["diff"]["before"], plan["diff"]["after"]
    if "role_updates" not in plan:  # declared absent
        return [f"{name}: exists, but the declaration says absent"] if plan["exists"] else []
    if not plan["exists"]:
        return [f"{name}: does not exist"]
    lines = []
    for field in plan["role_updates"]:
        if field == "trust_policy":  # statement by statement: which is extra, which is missing
            lines += statement_lines(f"{name}: trust policy", before.get(field), after.get(field)) or [
                f"{name}: trust policy differs from the declaration"]
        elif field not in ("tags", "managed_policy_arns"):
            lines.append(f"{name}: {field} is {_json(before.get(field))}, declared {_json(after.get(field))}")
    live_tags, tags = before.get("tags", {}), after.get("tags", {})
    for key in sorted(set(live_tags) | set(tags)):
        if key not in tags:
            lines.append(f"{name}: tag {key}={_json(live_tags[key])} is not declared")
        elif live_tags.get(key) != tags[key]:
            lines.append(f"{name}: tag {key} is {_json(live_tags.get(key))}, declared {_json(tags[key])}")
    lines += [f"{name}: managed policy {arn} is declared but not attached" for arn in plan["managed_policies_to_attach"]]
    lines += [f"{name}: managed policy {arn} is attached but not declared" for arn in plan["managed_policies_to_detach"]]
    for policy in plan["inline_policies_to_put"]:
        live = before.get("inline_policies", {}).get(policy)
        if live is None:
            lines.append(f"{name}: inline policy {policy} is missing")
        else:
            lines += statement_lines(f"{name}: inline policy {policy}", live, after["inline_policies"][policy]) or [
                f"{name}: inline policy {policy} differs from the declaration"]
    lines += [f"{name}: inline policy {policy} is not declared" for policy in plan["inline_policies_to_delete"]]
    return lines


def plan_role(declared, current):
    """What has to change to turn ``current`` (live role or None) into ``declared``.

    Returns a mapping: ``exists``, ``role_updates`` (names of ROLE_FIELDS that differ; all of them
    when the role must be created), ``inline_policies_to_put`` and ``inline_policies_to_delete`` (names,
    sorted), ``managed_policies_to_attach`` / ``managed_policies_to_detach``, ``changed`` and ``diff``
    (``before`` / ``after`` views). Raises PlanError when the change is impossible in place.
    """
    wanted_inline = {name: load_document(doc) for name, doc in (declared.get("inline_policies") or {}).items()}
    wanted_managed = sorted(set(declared.get("managed_policy_arns") or []))
    wanted_tags = dict(declared.get("tags") or {})
    purge_tags = declared.get("purge_tags", True)

    if current is None:
        after = dict(declared, tags=wanted_tags, managed_policy_arns=wanted_managed, inline_policies=wanted_inline,
                     permissions_boundary=declared.get("permissions_boundary") or None)
        return {
            "exists": False,
            "role_updates": list(ROLE_FIELDS),
            "inline_policies_to_put": sorted(wanted_inline),
            "inline_policies_to_delete": [],
            "managed_policies_to_attach": wanted_managed,
            "managed_policies_to_detach": [],
            "changed": True,
            "diff": {"before": {}, "after": _role_view(after)},
        }

    wanted_path = declared.get("path") or "/"
    if (current.get("path") or "/") != wanted_path:
        raise PlanError(
            f"role {declared['name']} exists with path {current.get('path')!r} but the declaration says {wanted_path!r}; "
            "IAM cannot move a role to another path: keep the path, or remove the role (state: absent) and create it again"
        )

    updates = []
    if policies_differ(current.get("trust_policy"), declared.get("trust_policy")):
        updates.append("trust_policy")
    for field in ("description", "max_session_duration"):
        if declared.get(field) is not None and declared.get(field) != current.get(field):
            updates.append(field)
    if declared.get("permissions_boundary") is not None and (declared["permissions_boundary"] or None) != (current.get("permissions_boundary") or None):
        updates.append("permissions_boundary")
    current_tags = dict(current.get("tags") or {})
    tags_after = _tags_after(current_tags, wanted_tags, purge_tags)
    if tags_after != current_tags:
        updates.append("tags")
    current_managed = sorted(set(current.get("managed_policy_arns") or []))
    to_attach = sorted(set(wanted_managed) - set(current_managed))
    to_detach = sorted(set(current_managed) - set(wanted_managed))
    if to_attach or to_detach:
        updates.append("managed_policy_arns")

    current_inline = current.get("inline_policies") or {}
    to_put = sorted(name for name, doc in wanted_inline.items() if policies_differ(current_inline.get(name), doc))
    to_delete = sorted(set(current_inline) - set(wanted_inline))

    after = dict(current)
    for field in ("trust_policy", "description", "max_session_duration", "permissions_boundary"):
        if declared.get(field) is not None:
            after[field] = declared[field] if field != "permissions_boundary" else (declared[field] or None)
    after.update(tags=tags_after, managed_policy_arns=wanted_managed, inline_policies=wanted_inline)
    changed = bool(updates or to_put or to_delete)
    return {
        "exists": True,
        "role_updates": updates,
        "inline_policies_to_put": to_put,
        "inline_policies_to_delete": to_delete,
        "managed_policies_to_attach": to_attach,
        "managed_policies_to_detach": to_detach,
        "changed": changed,
        "diff": {"before": _role_view(current), "after": _role_view(after)},
    }


def plan_absent(current):
    """What removing the role changes: everything it has, or nothing when it is already gone."""
    if current is None:
        return {"exists": False, "changed": False, "diff": {"before": {}, "after": {}}}
    return {"exists": True, "changed": True, "diff": {"before": _role_view(current), "after": {}}}


def check_account(expected_account_id, actual_account_id):
    """An error message when the caller is in another account than the inventory declares, else None."""
    # "000000000000": a declaration checked before the caller's account was read, the inventory having opted out of
    # declaring one (allow_any_account): any account is this one.
    if not expected_account_id or str(expected_account_id) in (str(actual_account_id), "000000000000"):
        return None
    return (
        f"the AWS credentials in use belong to account {actual_account_id}, but the inventory declares account "
        f"{expected_account_id}: refusing to change anything. Use credentials for account {expected_account_id}, "
        "or correct the account id in the inventory"
    )


MANAGED_BY = ("ManagedBy", "Ansible")
# Environment names a role path may carry (as whole components); one of them other than the declaration's own says the
# role is another environment's.
KNOWN_ENVIRONMENTS = ("dev", "development", "test", "qa", "staging", "stage", "preprod", "production", "prod")
ADOPT_VARIABLES = {"ecs_task_role": "ecs_task_role_adopt", "ecs_task_execution_role": "ecs_task_execution_role_adopt"}


ECS_TASKS_SERVICE = "ecs-tasks.amazonaws.com"


def _listed(value):
    return value if isinstance(value, list) else [value]


def trusts_ecs_tasks(trust_policy):
    """Whether a trust policy lets ECS tasks assume the role: an Allow statement whose Principal's Service names
    ``ecs-tasks.amazonaws.com`` and whose Action (case-insensitive, wildcards honoured) covers ``sts:AssumeRole``.
    A document that cannot be read counts as not trusting (the refusal is the safe side)."""
    try:
        document = load_document(trust_policy)
    except ValueError:
        return False
    statements = document.get("Statement") if isinstance(document, dict) else None
    for statement in _listed(statements) if statements is not None else []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or not isinstance(statement.get("Principal"), dict):
            continue
        services = [service.lower() for service in _listed(statement["Principal"].get("Service")) if isinstance(service, str)]
        actions = [action for action in _listed(statement.get("Action")) if isinstance(action, str)]
        if ECS_TASKS_SERVICE in services and any(fnmatch.fnmatchcase("sts:assumerole", action.lower()) for action in actions):
            return True
    return False


def ownership_problem(declaration, live):
    """Why the run may not write to (or delete) the live role its declaration names, or None.

    A role belongs to this declaration when its tags say this collection (``ManagedBy=Ansible``), this role kind
    (``Module``), this environment (``Environment``) and this application (``Application``; a role of the previous
    release has no such tag and is accepted: the run adds it). A role made by hand or by another tool, or another
    application's or kind's, is refused unless the declaration adopts it (``adopt``). A role of another environment
    (its ``Environment`` tag or a path component) is refused, adopted or not."""
    name = declaration.get("role_name")
    environment = declaration.get("environment")
    if live is None:
        # An adopted role keeps the path it has, so its host may give its own; with no role to adopt, that would
        # create a new role outside the environment's path.
        path = declaration.get("path") or "/"
        if (declaration.get("adopt") and declaration.get("state", "present") == "present" and environment and path != "/"
                and environment not in [part for part in path.split("/") if part]):
            return ("IAM role %s does not exist, so there is nothing to adopt (%s: true) at the path %s, which does not name the "
                    "environment %s: a new role goes under the environment's path. Remove %s and the role's own path from this "
                    "application, or correct the role's name" % (name, ADOPT_VARIABLES.get(declaration.get("role"), "<role>_adopt"),
                                                                 json.dumps(path), json.dumps(environment),
                                                                 ADOPT_VARIABLES.get(declaration.get("role"), "<role>_adopt")))
        return None
    tags = live.get("tags") or {}
    module = declaration.get("role")
    adopt = ADOPT_VARIABLES.get(module, "<role>_adopt")
    live_environment = tags.get("Environment")
    if environment and live_environment is not None and live_environment != environment:
        return ("IAM role %s: its tag Environment is %s, and this inventory deploys %s: an inventory changes only its own "
                "environment's roles. Deploy that role with its environment's inventory, or name this application's role "
                "otherwise" % (name, json.dumps(live_environment), json.dumps(environment)))
    others = [part for part in (live.get("path") or "/").split("/") if part in KNOWN_ENVIRONMENTS and part != environment]
    if environment and others:
        return ("IAM role %s: its path %s is environment %s's, and this inventory deploys %s: an inventory changes only its own "
                "environment's roles" % (name, json.dumps(live.get("path")), json.dumps(others[0]), json.dumps(environment)))
    if declaration.get("adopt"):
        # Adopting takes over a role made elsewhere as this application's ECS role: never one that ECS tasks cannot
        # assume (the CI deployer, an instance role, any other service's role), whose trust the run would rewrite.
        if module in ADOPT_VARIABLES and not trusts_ecs_tasks(live.get("trust_policy")):
            return ("IAM role %s: its trust policy does not let ECS tasks (ecs-tasks.amazonaws.com) assume it, so it is not an ECS "
                    "task or task execution role (the deployer's role, or another service's): refusing to adopt it (%s: true) and "
                    "rewrite its trust. Name this application's role otherwise" % (name, adopt))
        return None
    if tags.get(MANAGED_BY[0]) != MANAGED_BY[1]:
        return ("IAM role %s exists, but not as a role of this collection (tag ManagedBy is %s, not \"Ansible\": made by hand or by "
                "another tool such as Terraform): refusing to take it over. To manage it from this inventory on purpose, set "
                "%s: true for this application (playbooks/adopt.yml writes it); otherwise name this application's role otherwise"
                % (name, json.dumps(tags.get(MANAGED_BY[0])), adopt))
    for key, wanted in (("Environment", environment), ("Module", module), ("Application", declaration.get("host"))):
        value = tags.get(key)
        if wanted and (value != wanted if key != "Application" else value is not None and value != wanted):
            return ("IAM role %s: its tag %s is %s, not %s: a role has one owner. Give this application's role "
                    "another name, or, to move the role to this application on purpose, set %s: true"
                    % (name, key, json.dumps(value), json.dumps(wanted), adopt))
    return None


def drift_warnings(name, plan, live, check_mode):
    """Changes made to the live role outside this declaration, said aloud before they are reverted."""
    if live is None or not plan.get("exists") or "role_updates" not in plan:
        return []
    will = "would be" if check_mode else "will be"
    messages = ["IAM role %s: inline policy %r is not declared; it %s removed" % (name, policy, will) for policy in plan["inline_policies_to_delete"]]
    messages += [
        "IAM role %s: inline policy %r differs from the declaration; it %s put back" % (name, policy, will)
        for policy in plan["inline_policies_to_put"]
        if policy in (live.get("inline_policies") or {})
    ]
    messages += ["IAM role %s: managed policy %s is attached but not declared; it %s detached" % (name, arn, will)
                 for arn in plan["managed_policies_to_detach"]]
    labels = {
        "trust_policy": "the trust policy differs",
        "description": "the description differs",
        "max_session_duration": "the maximum session duration differs",
        "permissions_boundary": "the permissions boundary differs",
        "tags": "the tags differ",
    }
    after = plan["diff"]["after"]
    if "permissions_boundary" in plan["role_updates"] and not after.get("permissions_boundary"):
        messages.append("IAM role %s: permissions boundary %s is not declared; it %s removed" % (name, live.get("permissions_boundary"), will))
    messages += ["IAM role %s: %s from the declaration; %s restored" % (name, labels[field], will) for field in plan["role_updates"]
                 if field in labels and not (field == "permissions_boundary" and not after.get("permissions_boundary"))]
    return messages


def declared_role(declaration):
    """The shape plan_role compares, from a role's published declaration (``declare_role``)."""
    return dict(
        name=declaration["role_name"],
        path=declaration.get("path") or "/",
        trust_policy=declaration.get("trust_policy"),
        description=declaration.get("description"),
        max_session_duration=declaration.get("max_session_duration"),
        permissions_boundary=declaration.get("permissions_boundary") or "",
        tags=declaration.get("tags") or {},
        purge_tags=declaration.get("purge_tags", True),
        managed_policy_arns=declaration.get("managed_policy_arns") or [],
        inline_policies=dict((policy["name"], policy["document"]) for policy in declaration.get("inline_policies") or []),
    )


def role_result(declaration, live, account_id, partition, check_mode=False):
    """Everything a host needs to know about its role: the plan, one line per difference, drift warnings and the
    diff. ``account_id``/``partition``: where the role is (from its ARN) or will be created (the caller's)."""
    name = declaration["role_name"]
    if declaration.get("state", "present") == "absent":
        plan = plan_absent(live)
    else:
        plan = plan_role(declared_role(declaration), live)
    result = {"host": declaration.get("host"), "role_name": name, "exists": live is not None}
    if live is not None:
        result["role_arn"] = live["arn"]
    elif declaration.get("state", "present") == "present" and account_id:
        result["role_arn"] = _arns.role_arn(partition, account_id, declaration.get("path") or "/", name)
    result["account_id"] = account_id
    if "inline_policies_to_put" in plan:
        documents = dict((policy["name"], policy["document"]) for policy in declaration.get("inline_policies") or [])
        result["policy_writes"] = [{"name": policy, "state": "present", "document": documents[policy]} for policy in plan["inline_policies_to_put"]]
        result["policy_writes"] += [{"name": policy, "state": "absent"} for policy in plan["inline_policies_to_delete"]]
    result["warnings"] = drift_warnings(name, plan, live, check_mode)
    result["differences"] = describe(name, plan)
    result["live"] = live_outputs(live)
    result.update(plan)
    return result


def live_outputs(live):
    """The live role in the shape of a declaration's outputs (what the access page and reviews read)."""
    if live is None:
        return {"state": "absent", "role_arn": "", "trust_policy": {}, "managed_policy_arns": [], "inline_policies": []}
    return {
        "state": "present",
        "role_arn": live["arn"],
        "path": live.get("path") or "/",
        "trust_policy": load_document(live.get("trust_policy")) or {},
        "description": live.get("description"),
        "max_session_duration": live.get("max_session_duration"),
        "permissions_boundary": live.get("permissions_boundary") or "",
        "tags": dict(live.get("tags") or {}),
        "managed_policy_arns": sorted(live.get("managed_policy_arns") or []),
        "inline_policies": [{"name": name, "document": load_document(document)}
                            for name, document in sorted((live.get("inline_policies") or {}).items())],
    }
