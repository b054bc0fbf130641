# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Adopt the ECS roles an account already has: from live IAM to an inventory, losslessly.

Pure functions over plain data; nothing here calls AWS. This file runs the steps for each role and the whole
environment (:func:`adopt`, :func:`adopt_role`, :func:`input_errors`); the steps live beside it: ``_adopt_group.py``
(which roles, of which kind and application; shared constants), ``_adopt_intents.py`` (intents recovered from policies,
each proven by rendering), ``_adopt_inventory.py`` (the inventory's YAML) and ``_adopt_report.py`` (the report).
``plugins/modules/ecs_roles_info.py`` reads the roles, ``plugins/action/adopt_inventory.py`` writes what :func:`adopt`
returns, ``docs/adopt.md`` explains the rules.

A role is read as a mapping (what ``ecs_roles_info`` returns)::

    {"name", "arn", "role_id", "path", "description" (or None), "max_session_duration",
     "permissions_boundary" (or None), "tags": {key: value}, "trust_policy": {...},
     "managed_policy_arns": [...], "inline_policies": [{"name", "document"}]}

The proof that intents are exact. The permissions of a role are the union of the Allow statements of all its
policies, minus the Deny statements of all of them; which inline policy holds a statement does not matter. So
statements can move whole from a hand-written policy into rendered intents without changing what the role may
do, as long as the moved statements and the rendered intents allow exactly the same requests. Both are compared
as sets of (action, resource, condition) triples: action names in lower case (IAM ignores their case), resources
and condition values as written (single values and lists alike, order and duplicates ignored), condition keys
in lower case. Equal sets allow the same requests. Rendering is never guessed: each candidate intent is rendered
by the collection's own renderer (``_grant_intents.render_grants`` for task roles; for the execution role's
start-up secrets, :func:`startup_secrets_policy`, the policy the role renders), and a statement moves only if the
rendered triples of every intent lie inside the statements that move and together cover each of them. Whatever
is left (Deny, NotAction, NotResource, wildcards in actions, conditions no intent renders, permissions an intent
would widen) stays in its policy verbatim.
"""


from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CHECK_EXCEPTIONS
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import REGION_PATTERN
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import ROLE_INLINE_POLICY_QUOTA
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import POLICY_NAME_PREFIX
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import policy_size
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import render_grants
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _role_declaration
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import describe
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import plan_role
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import apply_exceptions
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import blocking
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import check_policies
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import DEFAULT_MAX_SESSION
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import ECS_TASKS_SERVICE
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import EXECUTION
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import KINDS
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import KNOWN_ENVIRONMENTS
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import NAME_PATTERN
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import RENAMED_PREFIX
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import ROLE_SHAPES
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import STARTUP_POLICY_NAME
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import TASK
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import _json
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import execution_policy_arn
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import group_roles
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import load_document
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import statements_of
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import trusts_ecs_tasks
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import _in_policy_order
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import _without_triples
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import policy_triples
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import recover_grants
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import recover_startup_secrets
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import source_regions
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import trust_changes
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import trust_policy
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_inventory import _Template
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import ecs_trust_statements
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import role_kind
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import startup_secrets_policy
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import bindings
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_inventory import inventory_texts
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_inventory import yaml_text
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_report import report_markdown
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_report import report_json
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import canonical_condition
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import statement_triples
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import why_not_movable
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import merge_grants
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_intents import undominated

__all__ = [
    "adopt",
    "adopt_role",
    "bindings",
    "canonical_condition",
    "ecs_trust_statements",
    "execution_policy_arn",
    "execution_scope",
    "group_roles",
    "input_errors",
    "inventory_texts",
    "merge_grants",
    "policy_size",
    "policy_triples",
    "recover_grants",
    "recover_startup_secrets",
    "report_json",
    "report_markdown",
    "reserved_policy_name",
    "role_kind",
    "source_regions",
    "startup_secrets_policy",
    "statement_triples",
    "trust_changes",
    "trust_policy",
    "trusts_ecs_tasks",
    "undominated",
    "why_not_movable",
    "yaml_text",
]


# ---------------------------------------------------------------------------------------------------------------
# One role: what the inventory declares, what the first deploy changes, what the gate says
# ---------------------------------------------------------------------------------------------------------------

def reserved_policy_name(kind, name):
    """True when the role keeps this inline policy name for what it renders (grants-*, ecs-startup-secrets)."""
    if kind == TASK:
        return name.startswith(POLICY_NAME_PREFIX)
    # The execution role renders grants-ecr and grants-logs from its image repositories and log groups.
    return name == STARTUP_POLICY_NAME or name.startswith(POLICY_NAME_PREFIX)


def _unique_name(name, taken):
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = "%s-%d" % (name, number)
    return candidate[:128]


def _remaining_document(document, moved_indexes):
    """The document without the statements that moved (None when none is left); unchanged when none moved."""
    if not moved_indexes:
        return document
    document = load_document(document)
    remaining = [statement for index, statement in enumerate(statements_of(document)) if index not in moved_indexes]
    if not remaining:
        return None
    copied = copy.deepcopy(dict(document))
    copied["Statement"] = remaining
    return copied


def _gate_findings(declared_policies, environment, exception_policies=()):
    """What validate_grants says about the declared inline policies at deploy; the catalogue's own exceptions
    apply only to the policies rendered from intents (``exception_policies``)."""
    others = [env for env in KNOWN_ENVIRONMENTS if env != environment]
    findings = check_policies(declared_policies, environment=environment, other_environments=others)
    rendered = [finding for finding in findings if finding["policy"] in exception_policies]
    apply_exceptions(rendered, CHECK_EXCEPTIONS)
    return findings


def _exception_for(finding):
    exception = {"code": finding["code"]}
    if finding.get("action"):
        exception["action"] = finding["action"]
    if finding.get("resource"):
        exception["resource"] = finding["resource"]
    exception["reason"] = ""
    return exception


def _carry(role, kind, host, environment, region, account_id, partition, default_path="/"):
    """What keeps the role as it is: ``(variables, carried (words), settled)``; ``settled`` holds what the role
    will declare (description, maximum session, tags, managed policies, trust regions). ``default_path`` is the path
    the role takes when the inventory gives none: ``/`` for the task role, the task role's path for the execution role
    (the playbooks default ``ecs_task_execution_role_path`` to it)."""
    shape = ROLE_SHAPES[kind]
    prefix = shape["prefix"]
    # The role exists and was not written by this inventory: deploy.yml refuses to take it over unless adopted on purpose.
    variables, carried = [(prefix + "adopt", True)], []
    default_name = "%s-%s%s" % (environment, host, shape["suffix"])
    if role["name"] != default_name:
        variables.append((prefix + "name", role["name"]))
        carried.append("name %s (the default would be %s)" % (role["name"], default_name))
    if (role.get("path") or "/") != (default_path or "/"):
        variables.append((prefix + "path", role.get("path") or "/"))
        carried.append("path %s" % (role.get("path") or "/"))
    if role.get("description"):
        variables.append((prefix + "description", role["description"]))
        carried.append("description")
    max_session = int(role.get("max_session_duration") or DEFAULT_MAX_SESSION)
    if max_session != DEFAULT_MAX_SESSION:
        variables.append((prefix + "max_session_duration", max_session))
        carried.append("maximum session %d s" % max_session)
    if role.get("permissions_boundary"):
        variables.append((prefix + "permissions_boundary", role["permissions_boundary"]))
        carried.append("permissions boundary %s" % role["permissions_boundary"])
    mandatory = {"Environment": environment, "ManagedBy": "Ansible", "Module": shape["module_tag"], "Application": host}
    extra_tags = {key: value for key, value in sorted((role.get("tags") or {}).items()) if key not in mandatory}
    if extra_tags:
        variables.append((prefix + "tags", extra_tags))
        carried.append("tags %s" % ", ".join("%s=%s" % item for item in extra_tags.items()))
    managed = sorted(role.get("managed_policy_arns") or [])
    declared_managed = list(managed)
    if kind == EXECUTION:  # the role always attaches it
        managed = [arn for arn in managed if arn != execution_policy_arn(partition)]
        declared_managed = [execution_policy_arn(partition)] + managed
    if managed:
        variables.append((prefix + "managed_policy_arns", managed))
        carried.append("managed policies %s" % ", ".join(managed))
    regions = [region]
    seen = source_regions(role.get("trust_policy"), partition, account_id) if kind == TASK else []
    if seen and seen != [region]:
        regions = ([region] if region in seen else []) + [item for item in seen if item != region]
        variables.append(("ecs_task_role_source_regions", regions))
        carried.append("trust source regions %s" % ", ".join(regions))
    settled = {
        "description": role.get("description") or shape["description"].format(project=host, env=environment),
        "max_session_duration": max_session,
        "tags": dict(extra_tags, **mandatory),
        "mandatory_tags": mandatory,
        "managed_policy_arns": declared_managed,
        "regions": regions,
    }
    return variables, carried, settled


def _recover(kind, live_policies, partition, region, account_id):
    """Intents for a role's inline policies: ``{"intents", "rendered" [{name, document}], "moved", "kept", "why_none"}``."""
    if kind == EXECUTION:
        recovered = recover_startup_secrets(live_policies, partition, region, account_id)
        rendered = [{"name": STARTUP_POLICY_NAME, "document": recovered["document"]}] if recovered["document"] else []
        return {"intents": recovered["intents"] or {}, "rendered": rendered, "moved": recovered["moved"], "kept": recovered["kept"],
                "why_none": None}
    recovered = recover_grants(live_policies, partition, region, account_id)
    result = {"intents": recovered["grants"], "rendered": recovered["policies"], "moved": recovered["moved"], "kept": recovered["kept"],
              "why_none": recovered["why_none"]}
    if result["moved"]:
        # IAM's quota counts every inline policy of the role: the rendered intents and what stays verbatim.
        moved = _moved_by_policy(result["moved"])
        remainder = [_remaining_document(policy["document"], moved.get(policy["name"], set())) for policy in live_policies]
        total = sum(policy_size(document) for document in remainder if document)
        total += sum(policy_size(policy["document"]) for policy in result["rendered"])
        if total > ROLE_INLINE_POLICY_QUOTA:
            why = ("the intents render larger than the statements they replace: %d non-whitespace characters of inline "
                   "policies, over IAM's quota of %d for a role" % (total, ROLE_INLINE_POLICY_QUOTA))
            kept = result["kept"] + [dict(_without_triples(item), why=why) for item in result["moved"]]
            result = {"intents": [], "rendered": [], "moved": [], "kept": _in_policy_order(kept), "why_none": why}
    return result


def _moved_by_policy(moved):
    indexes = {}
    for item in moved:
        indexes.setdefault(item["policy"], set()).add(item["index"])
    return indexes


def _split_policies(kind, live_policies, recovered):
    """The hand-written policies as the inventory keeps them (without the statements that moved; renamed when the
    role keeps their name for what it renders), and one note per policy that changes."""
    moved = _moved_by_policy(recovered["moved"])
    targets = {}
    for item in recovered["moved"]:
        targets.setdefault(item["policy"], set()).update(
            policy["name"] for policy in recovered["rendered"] if item["triples"] & policy_triples([policy["document"]]))
    rendered_names = {policy["name"] for policy in recovered["rendered"]}
    taken = rendered_names | {policy["name"] for policy in live_policies}
    verbatim, notes = [], []
    for policy in live_policies:
        indexes = moved.get(policy["name"], set())
        into = ", ".join(sorted(targets.get(policy["name"], ())))
        document = _remaining_document(policy["document"], indexes)
        if document is None:
            notes.append("inline policy %s becomes intents (%s), with the same permissions" % (policy["name"], into))
            continue
        name = policy["name"]
        if reserved_policy_name(kind, name) or name in rendered_names:
            name = _unique_name(RENAMED_PREFIX + name, taken)
            taken.add(name)
            notes.append("inline policy %s is kept as %s (the role keeps its name for what it renders)" % (policy["name"], name))
        if indexes:
            staying = [str(index) for index in range(len(statements_of(policy["document"]))) if index not in indexes]
            notes.append("inline policy %s keeps statement(s) %s as written; statement(s) %s become intents (%s), with the same permissions"
                         % (policy["name"], ", ".join(staying), ", ".join(str(index) for index in sorted(indexes)), into))
        verbatim.append({"name": name, "document": document})
    return verbatim, notes


def _intent_variables(kind, intents, verbatim):
    prefix = ROLE_SHAPES[kind]["prefix"]
    if kind == TASK:
        variables = [("ecs_task_role_grants", intents)] if intents else []
    else:
        variables = [(prefix + key, intents[key]) for key in ("secrets", "parameters", "kms_keys") if intents.get(key)]
    if verbatim:
        variables.append((prefix + "policies", verbatim))
    return variables


def _changes(role, kind, settled, declared, plan, notes, rendered, partition):
    """What the first deploy changes on purpose, in words."""
    changes = trust_changes(role.get("trust_policy"), declared["trust_policy"])
    if not role.get("description"):
        changes.append("description: set to %s (the role had none)" % _json(settled["description"]))
    live_tags = role.get("tags") or {}
    for key, value in settled["mandatory_tags"].items():
        if key not in live_tags:
            changes.append("tags: %s=%s is added" % (key, value))
        elif live_tags[key] != value:
            changes.append("tags: %s changes from %s to %s" % (key, live_tags[key], value))
    if kind == EXECUTION and execution_policy_arn(partition) in settled["managed_policy_arns"] \
            and execution_policy_arn(partition) not in (role.get("managed_policy_arns") or []):
        changes.append("managed policies: %s is attached (every execution role carries it)" % execution_policy_arn(partition))
    changes.extend(notes)
    live_names = {policy["name"] for policy in role.get("inline_policies") or []}
    for policy in rendered:
        if policy["name"] not in live_names:
            changes.append("inline policy %s is written from the intents" % policy["name"])
        elif policy["name"] in plan["inline_policies_to_put"]:
            changes.append("inline policy %s is rewritten from the intents, with the same permissions" % policy["name"])
    return changes


# --- The execution role's scope, from the task definitions that name it (issue 18.2) ----------------------------

ECR_IMAGE_RE = re.compile(r"^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9][a-z0-9._/-]*)(?:[:@].*)?$")


def execution_scope(role_arn, task_definitions, partition, region, account_id):
    """The image repositories and log groups of the task definitions whose ``executionRoleArn`` is ``role_arn``:
    ``{"repositories", "log_groups", "why"}``; ``why`` is None when they can replace AmazonECSTaskExecutionRolePolicy,
    else the reason the managed policy stays. ``task_definitions``: ``[{"arn", "execution_role_arn",
    "containers": [{"image", "log_driver", "log_options"}]}]`` (``ecs_roles_info``)."""
    named = [definition for definition in task_definitions or () if definition.get("execution_role_arn") == role_arn]
    scope = {"repositories": [], "log_groups": [], "task_definitions": [definition.get("arn") for definition in named], "why": None}
    if not named:
        scope["why"] = "no active task definition names it as its execution role"
        return scope
    for definition in named:
        for container in definition.get("containers") or []:
            image = container.get("image") or ""
            ecr = ECR_IMAGE_RE.match(image)
            if ecr:
                repo_account, repo_region, name = ecr.groups()
                repository = name if (repo_account, repo_region) == (account_id, region) else \
                    _arns.arn(partition, "ecr", repo_region, repo_account, "repository/" + name)
                if repository not in scope["repositories"]:
                    scope["repositories"].append(repository)
            options = container.get("log_options") or {}
            if container.get("log_driver") == "awslogs":
                if str(options.get("awslogs-create-group", "")).lower() == "true":
                    scope["why"] = "task definition %s lets ECS create its log group (awslogs-create-group), which needs " \
                        "logs:CreateLogGroup" % definition.get("arn")
                elif options.get("awslogs-region", region) != region:
                    scope["why"] = "task definition %s logs to region %s, the role's is %s" % (definition.get("arn"), options["awslogs-region"], region)
                elif options.get("awslogs-group") and options["awslogs-group"] not in scope["log_groups"]:
                    scope["log_groups"].append(options["awslogs-group"])
    if scope["why"] is None and not (scope["repositories"] and scope["log_groups"]):
        scope["why"] = "its task definitions name %s" % ("no ECR image" if not scope["repositories"] else "no awslogs log group")
    return scope


def _scoped_execution(role, scope, partition, region, account_id):
    """``(variables, rendered policies, note)`` of an execution role scoped from its task definitions, or None."""
    if scope is None or scope["why"] is not None:
        return None
    problems = _role_declaration.Problems()
    common = {"partition": partition, "region": region, "account_id": account_id}
    grants = _role_declaration.execution_grants(problems, "ecs_task_execution_role_", common, scope["repositories"], scope["log_groups"])
    rendered, errors = render_grants(grants, partition, region, account_id) if grants and not problems else ([], ["not rendered"])
    if errors:
        return None
    variables = [("ecs_task_execution_role_image_repositories", scope["repositories"]), ("ecs_task_execution_role_log_groups", scope["log_groups"])]
    note = ("managed policy %s is detached: grants-ecr and grants-logs pull from %s and log to %s only (from task definition(s) %s)"
            % (execution_policy_arn(partition), ", ".join(scope["repositories"]), ", ".join(scope["log_groups"]),
               ", ".join(scope["task_definitions"])))
    return variables, rendered, note


def adopt_role(role, kind, host, environment, region, account_id, partition, default_path="/", task_definitions=None):
    """Everything about one adopted role: ``{"vars" (inventory variables, in order), "report", "declared"}``.

    ``declared`` is the role as the inventory declares it, in ``_role_plan``'s shape; the report's
    ``expected_differences`` are ``_role_plan.describe``'s lines for it against the live role: what
    ``deploy.yml --check --diff`` reports, and nothing else.
    """
    variables, carried, settled = _carry(role, kind, host, environment, region, account_id, partition, default_path)
    live_policies = [{"name": policy["name"], "document": load_document(policy["document"])} for policy in role.get("inline_policies") or []]
    recovered = _recover(kind, live_policies, partition, region, account_id)
    verbatim, notes = _split_policies(kind, live_policies, recovered)
    variables += _intent_variables(kind, recovered["intents"], verbatim)
    # The execution role: scoped from the task definitions that name it, or AWS's managed policy kept, saying why.
    scope = execution_scope(role["arn"], task_definitions, partition, region, account_id) if kind == EXECUTION and task_definitions is not None else None
    scoped = _scoped_execution(role, scope, partition, region, account_id)
    if scoped:
        variables += scoped[0]
        recovered = dict(recovered, rendered=list(recovered["rendered"]) + scoped[1])
        settled = dict(settled, managed_policy_arns=[arn for arn in settled["managed_policy_arns"] if arn != execution_policy_arn(partition)])
        notes = list(notes) + [scoped[2]]
    elif scope is not None:
        carried = carried + ["managed policy %s (%s; name ecs_task_execution_role_image_repositories and _log_groups to scope it)"
                             % (execution_policy_arn(partition), scope["why"])]

    declared_policies = verbatim + recovered["rendered"]
    declared = {
        "name": role["name"], "path": role.get("path") or "/", "trust_policy": trust_policy(partition, account_id, settled["regions"]),
        "description": settled["description"], "max_session_duration": settled["max_session_duration"],
        "permissions_boundary": role.get("permissions_boundary") or None, "tags": settled["tags"], "purge_tags": True,
        "managed_policy_arns": settled["managed_policy_arns"],
        "inline_policies": {policy["name"]: policy["document"] for policy in declared_policies},
    }
    live = {
        "path": role.get("path") or "/", "trust_policy": role.get("trust_policy"), "description": role.get("description"),
        "max_session_duration": role.get("max_session_duration"), "permissions_boundary": role.get("permissions_boundary"),
        "tags": dict(role.get("tags") or {}), "managed_policy_arns": sorted(role.get("managed_policy_arns") or []),
        "inline_policies": {policy["name"]: policy["document"] for policy in live_policies},
    }
    plan = plan_role(declared, live)

    others = [env for env in KNOWN_ENVIRONMENTS if env != environment]
    existing = check_policies(live_policies, environment=environment, other_environments=others) if live_policies else []
    gate = _gate_findings(declared_policies, environment, {policy["name"] for policy in recovered["rendered"]}) if declared_policies else []
    needed = []
    for finding in blocking(gate, "error"):
        exception = _exception_for(finding)
        if exception not in needed:
            needed.append(exception)

    # What deploy would refuse as adopted (the inventory alone cannot fix it), and what a later absent does.
    before = []
    if len(settled["tags"]) > _role_declaration.MAX_TAGS:
        before.append("tags: with the collection's own (%s) the role would carry %d tags, over IAM's %d per role, and deploy refuses "
                      "it; remove at least %d from %stags (or from the role) first"
                      % (", ".join(sorted(settled["mandatory_tags"])), len(settled["tags"]), _role_declaration.MAX_TAGS,
                         len(settled["tags"]) - _role_declaration.MAX_TAGS, ROLE_SHAPES[kind]["prefix"]))
    profiles = sorted(role.get("instance_profiles") or [])
    profile_notes = ["instance profile %s holds this role (EC2 can take it on): deploy leaves it alone; %sstate: absent removes the "
                     "role from it (iam:RemoveRoleFromInstanceProfile) and leaves the profile, empty, in place" % (profile, ROLE_SHAPES[kind]["prefix"])
                     for profile in profiles]
    report = {
        "kind": kind,
        "name": role["name"],
        "before_deploying": before,
        "instance_profiles": profiles,
        "notes": profile_notes,
        "arn": role["arn"],
        "role_id": role.get("role_id"),
        "classified": None,
        "carried": carried,
        "intents": recovered["intents"],
        "moved": [_without_triples(item) for item in recovered["moved"]],
        "kept": recovered["kept"],
        "intents_not_used": recovered["why_none"],
        "changes": _changes(role, kind, settled, declared, plan, notes, recovered["rendered"], partition),
        "expected_differences": describe(role["name"], plan),
        "findings_existing": existing,
        "findings_at_deploy": [finding for finding in gate if not finding.get("accepted")],
        "exceptions_needed": needed,
        "exceptions_variable": ROLE_SHAPES[kind]["prefix"] + "grant_exceptions",
    }
    return {"vars": variables, "report": report, "declared": declared}


# ---------------------------------------------------------------------------------------------------------------
# Inputs and the whole environment
# ---------------------------------------------------------------------------------------------------------------

def input_errors(environment, region, dest_state, name_pattern):
    """Messages for bad inputs of playbooks/adopt.yml, each naming the variable, the value and the fix.

    ``dest_state`` is ``{"path", "exists", "is_dir", "entries": [names] or None, "writable"}`` for ``<dest>/<env>``.
    """
    errors = []
    if not isinstance(environment, str) or not re.fullmatch(NAME_PATTERN, environment):
        errors.append("adopt_env=%s: an environment name is lowercase letters, digits and single hyphens (for example staging or "
                      "production); it starts every role name of the environment (<env>-<app>-ecs-task-role). Give -e adopt_env=staging"
                      % _json(environment))
    if not isinstance(region, str) or not re.fullmatch(REGION_PATTERN, region):
        errors.append("adopt_region=%s: give the region of the environment's ECS services, for example -e adopt_region=eu-west-1 "
                      "(it defaults to AWS_REGION); it goes into the inventory's aws_region and every regional ARN" % _json(region))
    if not isinstance(name_pattern, str) or not name_pattern.strip():
        errors.append("adopt_name_pattern=%s: give a role name pattern with * and ? wildcards, for example 'staging-*' (the default "
                      "is <adopt_env>-*)" % _json(name_pattern))
    if dest_state is None or not dest_state.get("path"):
        errors.append("adopt_dir is not set: give the folder to write the inventory into, for example -e adopt_dir=adopted "
                      "(adopt writes <adopt_dir>/<adopt_env>/)")
    elif dest_state.get("exists") and not dest_state.get("is_dir"):
        errors.append("adopt_dir: %s exists and is not a folder; give a folder, for example -e adopt_dir=adopted" % dest_state["path"])
    elif dest_state.get("entries"):
        shown = ", ".join(sorted(dest_state["entries"])[:5]) + (", ..." if len(dest_state["entries"]) > 5 else "")
        errors.append("adopt_dir: %s exists and is not empty (%s): adopt never overwrites an inventory. Give another -e adopt_dir, "
                      "or move that folder away" % (dest_state["path"], shown))
    elif dest_state.get("writable") is False:
        errors.append("adopt_dir: %s cannot be created or written by this user; give a folder you can write, for example "
                      "-e adopt_dir=adopted" % dest_state["path"])
    return errors


def adopt(roles, environment, region, account_id, partition, other_roles=(), name_pattern=None, task_definitions=None):
    """Adopt the roles of one environment. Returns ``{"errors", "report", "inventory"}``.

    ``roles``: the roles ECS tasks can assume (see the module docstring); ``other_roles``: names that matched the
    filter but that ECS tasks cannot assume (reported). ``inventory`` maps paths relative to ``<dest>/<env>`` to
    data: ``hosts.yml``, ``group_vars/all/main.yml``, ``host_vars/<host>.yml`` (each ``{"comments", "data"}``).
    Errors (no roles) come with no report and no inventory.
    """
    pattern = name_pattern or environment + "-*"
    left_out = []
    adoptable = []
    for role in sorted(roles, key=lambda item: item["name"]):
        if not trusts_ecs_tasks(role.get("trust_policy")):
            left_out.append({"name": role["name"], "arn": role.get("arn"), "reason": "ECS tasks cannot assume it"})
        elif (role.get("path") or "/").startswith("/aws-service-role/"):
            left_out.append({"name": role["name"], "arn": role.get("arn"), "reason": "a service-linked role: AWS manages it"})
        elif not role["name"].startswith(environment + "-"):
            left_out.append({"name": role["name"], "arn": role.get("arn"),
                             "reason": "its name does not start with %s-: the roles refuse names outside their environment, and "
                                       "renaming a role changes its ARN" % environment})
        else:
            adoptable.append(role)
    if not adoptable:
        return {"errors": [
            "adopt_name_pattern=%s, adopt_env=%s: account %s has no role that ECS tasks can assume (trust principal %s) whose name "
            "matches the pattern and starts with %s-%s. Check adopt_env and adopt_name_pattern (for example -e adopt_name_pattern='%s-*'), "
            "and that the credentials are for the right account; nothing was written"
            % (_json(pattern), _json(environment), account_id, ECS_TASKS_SERVICE, environment,
               " (%d matching role(s) left out: %s)" % (len(left_out), "; ".join("%s: %s" % (item["name"], item["reason"]) for item in left_out[:5]))
               if left_out else "", environment)],
            "report": None, "inventory": None}

    groups, lone = group_roles(adoptable, environment, partition)
    left_out.extend(lone)
    applications, inventory = [], {}
    deploys_execution = False
    for group in groups:
        host = group["host"]
        host_vars = [("ecs_task_role_project_id", host)]
        roles_report = []
        for kind in KINDS:
            role = group[kind]
            if role is None:
                continue
            default_path = (group[TASK].get("path") or "/") if kind == EXECUTION and group[TASK] is not None else "/"
            adopted = adopt_role(role, kind, host, environment, region, account_id, partition, default_path, task_definitions)
            adopted["report"]["classified"] = group["kinds"][role["name"]]
            if kind == EXECUTION:
                deploys_execution = True
                host_vars.append(("ecs_iam_deploy_execution_role", True))
            host_vars.extend(adopted["vars"])
            roles_report.append(adopted["report"])
        comments = ["Application %s of %s, adopted by playbooks/adopt.yml from:" % (host, environment)]
        comments += ["  %s (%s role)" % (item["arn"], item["kind"]) for item in roles_report]
        comments.append("What became intents, what stayed as written and why: ../adopt-report.md")
        for item in roles_report:
            for line in item["before_deploying"]:
                comments.append("")
                comments.append("Before deploying: the %s role's %s." % (item["kind"], line))
            for line in item["notes"]:
                comments.append("")
                comments.append("Note: the %s role's %s." % (item["kind"], line))
            if item["exceptions_needed"]:
                comments.append("")
                comments.append("Before deploying: validate_grants would block %d finding(s) on the %s role's policies (see the report)."
                                % (len(item["exceptions_needed"]), item["kind"]))
                comments.append("Fix the policies, or accept each finding with a reason of your own:")
                comments.append("%s:" % item["exceptions_variable"])
                for exception in item["exceptions_needed"]:
                    lines = ["%s: %s" % (key, _json(value)) for key, value in exception.items()]
                    comments.append("  - " + lines[0])
                    comments.extend("    " + line for line in lines[1:])
        inventory["host_vars/%s.yml" % host] = {"comments": comments, "data": dict(host_vars)}
        applications.append({"host": host, "why": group["why"], "roles": roles_report})

    inventory["hosts.yml"] = {
        "comments": ["The applications of %s, one host each (adopted by playbooks/adopt.yml). The AWS modules run on the controller." % environment],
        "data": {"ecs_iam": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": _Template("{{ ansible_playbook_python }}")},
                             "hosts": {group["host"]: None for group in groups}}},
    }
    inventory["group_vars/all/main.yml"] = {
        "comments": ["What the applications of %s share (adopted by playbooks/adopt.yml from account %s)." % (environment, account_id),
                     "Hosts with a task execution role set ecs_iam_deploy_execution_role: true in their host_vars."],
        "data": {
            "aws_region": region,
            "ecs_task_role_env": environment,
            "ecs_task_role_account_id": account_id,
            "ecs_iam_deploy_execution_role": False,
        },
    }
    report = {
        "environment": environment,
        "account_id": account_id,
        "partition": partition,
        "region": region,
        "name_pattern": pattern,
        "deploys_execution_roles": deploys_execution,
        "applications": applications,
        "left_out": left_out,
        "other_roles": sorted(other_roles),
    }
    report["summary"] = _summary(report)
    return {"errors": [], "report": report, "inventory": inventory}


def _summary(report):
    roles = [role for application in report["applications"] for role in application["roles"]]
    return {
        "applications": len(report["applications"]),
        "roles": len(roles),
        "statements_to_intents": sum(len(role["moved"]) for role in roles),
        "statements_verbatim": sum(len(role["kept"]) for role in roles),
        "findings_existing": sum(len(role["findings_existing"]) for role in roles),
        "exceptions_needed": sum(len(role["exceptions_needed"]) for role in roles),
        "before_deploying": sum(len(role["before_deploying"]) for role in roles),
        "changes": sum(len(role["changes"]) for role in roles),
        "left_out": len(report["left_out"]),
    }
