# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Adopt the ECS roles an account already has: from live IAM to an inventory, losslessly.

Pure functions over plain data; nothing here calls AWS. ``plugins/modules/ecs_roles_info.py`` reads the roles,
``plugins/action/adopt_inventory.py`` writes what :func:`adopt` returns, ``docs/adopt.md`` explains the rules.

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
import fnmatch
import itertools
import json
import re

from collections.abc import Mapping

try:
    import yaml
except ImportError:  # only rendering the inventory's YAML needs it; ansible-core always ships it
    yaml = None

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import ACCOUNT_PATTERN
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CATALOGUE
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CHECK_EXCEPTIONS
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import KMS_KEY
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import REGION_PATTERN
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import ROLE_INLINE_POLICY_QUOTA
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import POLICY_NAME_PREFIX
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import PREFIX_SUFFIX
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import policy_size
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import render_grants
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _role_declaration
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import describe
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import plan_role
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import policies_differ
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import apply_exceptions
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import blocking
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import check_policies
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import format_finding

ECS_TASKS_SERVICE = "ecs-tasks.amazonaws.com"
POLICY_VERSION = "2012-10-17"
TRUST_SID = "EcsTasksAssumeRole"
DEFAULT_MAX_SESSION = 3600

#: What the roles accept as an environment or application (project) id: they become parts of IAM names.
NAME_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
#: The environments the roles check CROSS_ENVIRONMENT against by default (roles/*/defaults and vars).
KNOWN_ENVIRONMENTS = _role_declaration.KNOWN_ENVIRONMENTS

TASK = "task"
EXECUTION = "execution"
KINDS = (TASK, EXECUTION)

#: Per kind: the role's input prefix, the default name's suffix, its Module tag and its default description
#: (roles/*/defaults/main.yml).
ROLE_SHAPES = {
    TASK: {
        "prefix": "ecs_task_role_",
        "suffix": "-ecs-task-role",
        "module_tag": "ecs_task_role",
        "description": "ECS task role of {project} in {env}, managed by cerpac.ecs_iam",
    },
    EXECUTION: {
        "prefix": "ecs_task_execution_role_",
        "suffix": "-ecs-task-execution-role",
        "module_tag": "ecs_task_execution_role",
        "description": "ECS task execution role of {project} in {env}, managed by cerpac.ecs_iam",
    },
}

#: The AWS managed policy every task execution role carries (the execution role always attaches it).
EXECUTION_MANAGED_POLICY = "service-role/AmazonECSTaskExecutionRolePolicy"
#: The inline policy the execution role renders from its secrets, parameters and KMS keys.
STARTUP_POLICY_NAME = "ecs-startup-secrets"
#: What an execution role does: pull images, ship logs, read the secrets ECS injects at start-up.
EXECUTION_ACTIONS = frozenset((
    "ecr:getauthorizationtoken", "ecr:batchchecklayeravailability", "ecr:getdownloadurlforlayer", "ecr:batchgetimage",
    "logs:createlogstream", "logs:putlogevents", "logs:createloggroup",
    "secretsmanager:getsecretvalue", "ssm:getparameters", "kms:decrypt",
))
#: Tags that name the application of a role, looked up without regard to case.
APPLICATION_TAGS = ("application", "app", "project", "projectid", "project_id", "project-id", "service")
#: Name endings stripped to pair a task role with its execution role (longest first).
NAME_ENDINGS = (
    (EXECUTION, "-ecs-task-execution-role"), (TASK, "-ecs-task-role"), (EXECUTION, "-task-execution-role"),
    (EXECUTION, "-execution-role"), (TASK, "-task-role"), (None, "-role"),
)
#: Host name of an application that neither its roles' names nor their tags name.
FALLBACK_APPLICATION = "app"
#: Names Ansible keeps for itself (an application named so gets ``-app`` appended).
RESERVED_HOSTS = ("all", "ungrouped", "localhost")
#: Prefix given to a hand-written policy whose name the role keeps for what it renders.
RENAMED_PREFIX = "adopted-"

# What the execution role accepts (roles/ecs_task_execution_role/vars/main.yml).
SECRET_PATTERN = _role_declaration.SECRET_RE.pattern[1:-1]
PARAMETER_PATTERN = _role_declaration.PARAMETER_RE.pattern[1:-1]

_PLACEHOLDER_RE = re.compile(r"(\{[a-z_]+\})")
#: What the placeholders of the catalogue's ARN templates that name a place can hold.
_PLACE_PATTERNS = {"region": REGION_PATTERN, "account": ACCOUNT_PATTERN}
_JINJA_RE = re.compile(r"\{\{|\{%|\{#")


# ---------------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------------

def _as_list(value):
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    return []


def load_document(document):
    """A policy document as a mapping (IAM answers with parsed JSON; JSON text is accepted too)."""
    if isinstance(document, (str, bytes)):
        try:
            return json.loads(document)
        except ValueError:
            return None
    return document


def statements_of(document):
    """The statements of a policy document, as a list (IAM accepts a single statement object too)."""
    document = load_document(document)
    if not isinstance(document, Mapping):
        return []
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        return [statements]
    if isinstance(statements, list):
        return statements
    return []


def _action_glob(pattern):
    return re.compile(fnmatch.translate(pattern.lower()), re.DOTALL)


def slug(text):
    """An application id from free text: lowercase letters, digits and single hyphens ('' when nothing is left)."""
    return "-".join(part for part in re.split(r"[^a-z0-9]+", str(text).lower()) if part)


def _json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------------------------
# Which roles ECS tasks can assume, and which kind each is
# ---------------------------------------------------------------------------------------------------------------

def ecs_trust_statements(trust_policy):
    """Indexes of the statements of a trust policy that let ECS tasks assume the role.

    A statement counts when its Effect is Allow, its Principal names the service ``ecs-tasks.amazonaws.com``
    (a string or in a list) and its Action (string or list, case-insensitive, wildcards honoured) covers
    ``sts:AssumeRole`` (or a NotAction does not exclude it).
    """
    found = []
    for index, statement in enumerate(statements_of(trust_policy)):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if not isinstance(principal, Mapping):
            continue
        if ECS_TASKS_SERVICE not in [service.lower() for service in _as_list(principal.get("Service")) if isinstance(service, str)]:
            continue
        if "Action" in statement:
            allowed = any(_action_glob(action).match("sts:assumerole") for action in _as_list(statement["Action"]) if isinstance(action, str))
        elif "NotAction" in statement:
            allowed = not any(_action_glob(action).match("sts:assumerole") for action in _as_list(statement["NotAction"]) if isinstance(action, str))
        else:
            allowed = False
        if allowed:
            found.append(index)
    return found


def trusts_ecs_tasks(trust_policy):
    """True when ECS tasks can assume a role with this trust policy (see :func:`ecs_trust_statements`)."""
    return bool(ecs_trust_statements(trust_policy))


def _allowed_actions(role):
    actions = set()
    for policy in role.get("inline_policies") or []:
        for statement in statements_of(policy.get("document")):
            if isinstance(statement, Mapping) and statement.get("Effect") == "Allow":
                if "Action" not in statement:
                    actions.add("*")
                actions.update(action.lower() for action in _as_list(statement.get("Action")) if isinstance(action, str))
    return actions


def execution_policy_arn(partition):
    return _arns.managed_policy_arn(partition, EXECUTION_MANAGED_POLICY)


def role_kind(role, partition):
    """``(kind, why)``: ``task`` or ``execution``.

    The role's name decides when it says so (``...-ecs-task-execution-role``, ``...-ecs-task-role`` and other names
    containing ``execution-role`` or ``task-role``): it is the team's own declaration, and a task role that also
    carries AmazonECSTaskExecutionRolePolicy (a common shortcut) stays the task role. Otherwise a role is an
    execution role when it carries AmazonECSTaskExecutionRolePolicy, or when it only pulls images, writes logs and
    reads start-up secrets (inline, no other managed policy); any other role is a task role.
    """
    name = role["name"].lower()
    for kind, ending in NAME_ENDINGS[:2]:
        if name.endswith(ending):
            return kind, "its name ends in %s" % ending
    if "execution-role" in name or "executionrole" in name:
        return EXECUTION, "its name says execution role"
    if "task-role" in name or "taskrole" in name:
        return TASK, "its name says task role"
    managed = role.get("managed_policy_arns") or []
    if execution_policy_arn(partition) in managed:
        return EXECUTION, "it carries AmazonECSTaskExecutionRolePolicy"
    actions = _allowed_actions(role)
    if actions and actions <= EXECUTION_ACTIONS and not managed:
        return EXECUTION, "it only pulls images, writes logs and reads start-up secrets (%s)" % ", ".join(sorted(actions))
    return TASK, "it is not an execution role (no AmazonECSTaskExecutionRolePolicy, permissions beyond pulling images, logs and start-up secrets)"


# ---------------------------------------------------------------------------------------------------------------
# Grouping roles by application
# ---------------------------------------------------------------------------------------------------------------

def _stem(name):
    lowered = name.lower()
    for _kind, ending in NAME_ENDINGS:
        if lowered.endswith(ending) and len(name) > len(ending):
            return name[:-len(ending)]
    return name


def _application_tag(role):
    tags = {str(key).lower(): value for key, value in (role.get("tags") or {}).items()}
    for key in APPLICATION_TAGS:
        value = slug(tags.get(key, ""))
        if value:
            original = next(k for k in role["tags"] if str(k).lower() == key)
            return value, "its tag %s=%s" % (original, role["tags"][original])
    return None, None


def _application_from_stem(stem, environment):
    lowered = stem.lower()
    if lowered == environment:
        return ""
    rest = slug(stem[len(environment) + 1:] if lowered.startswith(environment + "-") else stem)
    if rest.endswith("-ecs"):
        rest = rest[:-len("-ecs")]
    return "" if rest == "ecs" else rest


def group_roles(roles, environment, partition):
    """Group the roles by application: ``(groups, left_out)``.

    ``groups`` is a list of ``{"host", "why", "task": role or None, "execution": role or None, "kinds": {name: why}}``
    sorted by host. A task role and an execution role belong together when their names differ only by the ending
    (``<env>-<app>-ecs-task-role`` / ``<env>-<app>-ecs-task-execution-role``, ``<env>-ecs-task-role`` /
    ``<env>-ecs-task-execution-role``), else when they carry the same application tag (``Application``, ``App``,
    ``Project``, ``Service``...). The host is the application named by the names, else by the tag, else ``app``;
    a second application with the same host gets ``-2``, ``-3``... An execution role with no task role is left out:
    the deploy playbook converges a task role for every host.
    """
    kinds = {}
    for role in roles:
        kinds[role["name"]] = role_kind(role, partition)
    by_stem = {}
    for role in sorted(roles, key=lambda item: item["name"]):
        by_stem.setdefault(_stem(role["name"]).lower(), []).append(role)
    pending = []
    for stem, members in sorted(by_stem.items()):
        tasks = [role for role in members if kinds[role["name"]][0] == TASK]
        executions = [role for role in members if kinds[role["name"]][0] == EXECUTION]
        while tasks or executions:
            task = tasks.pop(0) if tasks else None
            execution = executions.pop(0) if executions else None
            pending.append({"stem": stem, "task": task, "execution": execution})
    # Pair the remaining lone roles by their application tag.
    lone_tasks = [group for group in pending if group["execution"] is None]
    for group in [group for group in pending if group["task"] is None]:
        tag, _why = _application_tag(group["execution"])
        partner = next((other for other in lone_tasks if other["execution"] is None and tag and _application_tag(other["task"])[0] == tag), None)
        if partner is not None:
            partner["execution"] = group["execution"]
            partner["paired_by"] = _application_tag(partner["task"])  # the tag that paired them names the application
            pending.remove(group)
    named, left_out = [], []
    for group in pending:
        if group["task"] is None:
            left_out.append({
                "name": group["execution"]["name"],
                "arn": group["execution"]["arn"],
                "reason": "an execution role with no task role of the same application (by name or by application tag): every host of "
                          "the inventory converges a task role, so adopting it alone would create one. Adopt it with its task role, "
                          "or keep managing it as before",
            })
            continue
        app, why = group.get("paired_by") or (None, None)
        if app:
            why = "from %s, which paired the two roles" % why
        else:
            app = _application_from_stem(group["stem"], environment)
            why = "from the role names" if app else None
        if not app:
            for role in (group["task"], group["execution"]):
                if role is not None and not app:
                    app, why = _application_tag(role)
                    why = "from %s" % why if app else None
        if not app:
            app, why = FALLBACK_APPLICATION, "neither the role names nor their tags name the application; rename the host if you like (role names are carried)"
        if app in RESERVED_HOSTS:
            app, why = app + "-app", why + " (%s is a name Ansible keeps for itself)" % app
        named.append((app, why, group))
    # A name several applications want goes to the first (in role name order); the others get -2, -3... skipping
    # every name an application wants for itself, so a numbered name never displaces a real one.
    wanted = set(app for app, _why, _group in named)
    groups, taken = [], set()
    for app, why, group in named:
        host, number = app, 1
        while host in taken or (host != app and host in wanted):
            number += 1
            host = "%s-%d" % (app, number)
        if host != app:
            why += "; %s was taken by another application" % app
        taken.add(host)
        groups.append({"host": host, "why": why, "task": group["task"], "execution": group["execution"],
                       "kinds": {role["name"]: kinds[role["name"]][1] for role in (group["task"], group["execution"]) if role}})
    return sorted(groups, key=lambda item: item["host"]), left_out


# ---------------------------------------------------------------------------------------------------------------
# Permissions as data
# ---------------------------------------------------------------------------------------------------------------

def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def canonical_condition(condition):
    """A condition as a hashable value: operators as written, keys in lower case, each key's values as a sorted set."""
    if not condition:
        return ()
    items = []
    for operator, block in condition.items():
        for key, value in block.items():
            values = value if isinstance(value, list) else [value]
            items.append((operator, key.lower(), tuple(sorted(set(_scalar(item) for item in values)))))
    return tuple(sorted(items))


def _is_condition(condition):
    if not isinstance(condition, Mapping):
        return False
    for operator, block in condition.items():
        if not isinstance(operator, str) or not isinstance(block, Mapping):
            return False
        for key, value in block.items():
            values = value if isinstance(value, list) else [value]
            if not isinstance(key, str) or not values or not all(isinstance(item, (str, bool, int, float)) for item in values):
                return False
    return True


_MOVABLE_KEYS = frozenset(("Sid", "Effect", "Action", "Resource", "Condition"))


def why_not_movable(statement):
    """Why a statement can never become intents (None when it is an Allow of actions on resources that may)."""
    if not isinstance(statement, Mapping):
        return "not a statement object"
    if statement.get("Effect") == "Deny":
        return "a Deny statement: intents only allow"
    if statement.get("Effect") != "Allow":
        return "its Effect is neither Allow nor Deny"
    if "NotAction" in statement:
        return "it uses NotAction, which no intent renders"
    if "NotResource" in statement:
        return "it uses NotResource, which no intent renders"
    extra = sorted(key for key in statement if key not in _MOVABLE_KEYS)
    if extra:
        return "it has %s, which no intent renders" % ", ".join(extra)
    actions, resources = statement.get("Action"), statement.get("Resource")
    for label, value in (("Action", actions), ("Resource", resources)):
        values = _as_list(value)
        if not values or not all(isinstance(item, str) for item in values):
            return "its %s is not a string or a list of strings" % label
    if "Condition" in statement and not _is_condition(statement["Condition"]):
        return "its Condition is not a mapping of operators to condition keys"
    return None


def statement_triples(statement):
    """The permissions of one movable Allow statement: a frozenset of (lower-case action, resource, condition)."""
    condition = canonical_condition(statement.get("Condition"))
    return frozenset((action.lower(), resource, condition)
                     for action in _as_list(statement["Action"]) for resource in _as_list(statement["Resource"]))


def policy_triples(documents):
    """The permissions of Allow statements of documents, all of them movable (used on rendered policies)."""
    triples = set()
    for document in documents:
        for statement in statements_of(document):
            triples |= statement_triples(statement)
    return triples


# ---------------------------------------------------------------------------------------------------------------
# Statements that move: the fixpoint shared by grants and start-up secrets
# ---------------------------------------------------------------------------------------------------------------

def _movable_statements(policies):
    """``(movable, kept)``: movable statements as ``{"policy", "index", "sid", "triples"}`` and the others with why."""
    movable, kept = [], []
    for policy in policies:
        document = load_document(policy["document"])
        statements = statements_of(document)
        if not isinstance(document, Mapping) or not statements:
            kept.append({"policy": policy["name"], "index": None, "sid": None, "why": "the document is not a policy with statements"})
            continue
        for index, statement in enumerate(statements):
            why = why_not_movable(statement)
            sid = statement.get("Sid") if isinstance(statement, Mapping) else None
            if why:
                kept.append({"policy": policy["name"], "index": index, "sid": sid, "why": why})
            else:
                movable.append({"policy": policy["name"], "index": index, "sid": sid, "triples": statement_triples(statement)})
    return movable, kept


def _resource_order(policies):
    """Resource -> rank of its first appearance in the policies, so intents list names in the team's order."""
    order = {}
    for policy in policies:
        for statement in statements_of(policy["document"]):
            if isinstance(statement, Mapping):
                for resource in _as_list(statement.get("Resource")):
                    if isinstance(resource, str):
                        order.setdefault(resource, len(order))
    return order


def _fixpoint(movable, propose):
    """The largest set of statements that the intents proposed for them cover exactly.

    ``propose(triples)`` returns ``(intents, rendered)`` with ``rendered`` within ``triples``. A statement that the
    rendering does not cover entirely stays behind and the rest is proposed again, until every statement left is
    covered. Then the rendered triples equal the statements' triples. Returns ``(moved, intents, rendered)``.
    """
    current = list(movable)
    while current:
        wanted = set().union(*(item["triples"] for item in current))
        intents, rendered = propose(wanted)
        if not rendered <= wanted:
            return [], None, set()
        kept = [item for item in current if item["triples"] <= rendered]
        if len(kept) == len(current):
            return current, intents, rendered
        current = kept
    return [], None, set()


# ---------------------------------------------------------------------------------------------------------------
# Grants: candidate intents read back from ARNs, each proven by rendering
# ---------------------------------------------------------------------------------------------------------------

def _tokens(template):
    return [("placeholder", part[1:-1]) if _PLACEHOLDER_RE.fullmatch(part) else ("text", part)
            for part in _PLACEHOLDER_RE.split(template) if part]


def bindings(template, value, fixed=None, optional=(), patterns=None):
    """Every way the ``{placeholders}`` of a template can be filled so that it spells ``value`` exactly.

    ``fixed`` gives placeholders a required value; placeholders in ``optional`` may be empty; ``patterns`` gives
    placeholders a regular expression their value must match entirely.
    """
    tokens = _tokens(template)
    fixed = dict(fixed or {})
    patterns = {name: re.compile(pattern) for name, pattern in (patterns or {}).items()}
    found = []

    def walk(position, offset, bound):
        if position == len(tokens):
            if offset == len(value):
                found.append(dict(bound))
            return
        kind, text = tokens[position]
        if kind == "text":
            if value.startswith(text, offset):
                walk(position + 1, offset + len(text), bound)
            return
        known = bound.get(text, fixed.get(text))
        if known is not None:
            if value.startswith(known, offset):
                walk(position + 1, offset + len(known), bound)
            return
        start = offset if text in optional else offset + 1
        for end in range(start, len(value) + 1):
            if text in patterns and not patterns[text].fullmatch(value, offset, end):
                continue
            bound[text] = value[offset:end]
            walk(position + 1, end, bound)
            del bound[text]

    walk(0, 0, {})
    return found


def _statement_templates(service):
    for level, level_spec in CATALOGUE[service]["access"].items():
        for item in level_spec["statements"]:
            if not item.get("shared"):
                for template in item["resources"]:
                    yield level, template


class _GrantSearch:
    """Candidate grants for one role (one service, one access level, one resource each), rendered once each."""

    def __init__(self, partition, region, account_id, order=None):
        self.partition = partition
        self.region = region
        self.account_id = account_id
        self.order = order or {}  # resource -> rank of its first appearance in the role's policies
        self.rendered = {}  # json of a grant -> frozenset of triples, or None when it does not render

    def render(self, grant):
        key = _json(grant)
        if key not in self.rendered:
            policies, errors = render_grants([grant], self.partition, self.region, self.account_id)
            self.rendered[key] = None if errors else frozenset(policy_triples(policy["document"] for policy in policies))
        return self.rendered[key]

    def _names(self, service, resources):
        """Grant resources read back from ARNs: [(grant resource, region or None, account or None)], in the order the
        policies name them."""
        spec = CATALOGUE[service]["resources"]
        found = {}  # (grant resource, region, account) -> rank of the first ARN it was read from
        forms = [(spec["arn_name"], False)]
        if spec.get("name_prefix"):
            forms.append((spec["name_prefix"]["arn_name"], True))
        options = CATALOGUE[service].get("options", {})
        for _level, template in _statement_templates(service):
            for arn in resources:
                for bound in bindings(template, arn, {"partition": self.partition}, optional=tuple(options), patterns=_PLACE_PATTERNS):
                    if "resource" not in bound:
                        continue
                    for form, is_prefix in forms:
                        for named in bindings(form, bound["resource"]):
                            name = named.get("name", "")
                            if not name:
                                continue
                            if "/" in spec.get("strip", "") and not name.startswith("/"):
                                name = "/" + name  # how people write SSM paths; the renderer strips it again
                            key = (name + PREFIX_SUFFIX if is_prefix else name, bound.get("region"), bound.get("account"))
                            found[key] = min(found.get(key, len(self.order)), self.order.get(arn, len(self.order)))
        return sorted(found, key=lambda key: (found[key], tuple(str(part) for part in key)))

    def _option_values(self, service, resources, conditions):
        """Values of each option of the service seen in the ARNs and conditions: {option: {'' and values}}."""
        options = CATALOGUE[service].get("options", {})
        values = {option: {""} for option in options}
        if not options:
            return values
        templates = [template for _level, template in _statement_templates(service)]
        for option, option_spec in options.items():
            templates.extend(option_spec.get("extra_resources", []))
        for template in templates:
            for arn in resources:
                for bound in bindings(template, arn, {"partition": self.partition}, optional=tuple(options), patterns=_PLACE_PATTERNS):
                    for option in options:
                        if bound.get(option):
                            values[option].add(bound[option])
        for level_spec in CATALOGUE[service]["access"].values():
            for item in level_spec["statements"]:
                for option, condition in item.get("condition_if", {}).items():
                    for operator, block in condition.items():
                        for key, templates_ in block.items():
                            for template in _as_list(templates_):
                                for seen_operator, seen_key, seen_value in conditions:
                                    if seen_operator == operator and seen_key == key.lower():
                                        for bound in bindings(template, seen_value, {"partition": self.partition}):
                                            if bound.get(option):
                                                values[option].add(bound[option])
        return values

    def _kms_keys(self, resources):
        pattern = KMS_KEY["key_arn_template"].format(partition=re.escape(self.partition), region="(%s)" % REGION_PATTERN,
                                                     account="(%s)" % ACCOUNT_PATTERN, key_id="(%s)" % KMS_KEY["key_id_pattern"])
        keys = []
        for arn in sorted(resources):
            match = re.fullmatch(pattern, arn)
            if match:
                keys.append(arn)
        return keys

    def atoms(self, triples):
        """Every one-level, one-resource grant whose rendering lies within ``triples``: list of (grant, rendered)."""
        resources = {resource for _action, resource, _condition in triples}
        conditions = {(operator, key, value) for _a, _r, condition in triples for operator, key, values in condition for value in values}
        kms_keys = self._kms_keys(resources)
        accepted = []
        for service, spec in CATALOGUE.items():
            names = self._names(service, resources)
            if not names:
                continue
            option_values = self._option_values(service, resources, conditions)
            option_names = sorted(option_values)
            for (name, region, account), level in itertools.product(names, spec["access"]):
                keys = [None] + (kms_keys if spec.get("kms_via") and spec["access"][level].get("kms_actions") else [])
                for values, key in itertools.product(itertools.product(*(sorted(option_values[option]) for option in option_names)), keys):
                    grant = {"service": service, "access": [level], "resources": [name]}
                    if region and region != self.region:
                        grant["region"] = region
                    if account and account != self.account_id:
                        grant["account_id"] = account
                    grant.update((option, value) for option, value in zip(option_names, values) if value)
                    if key:
                        grant["kms_key"] = self._short_key(key, grant)
                    rendered = self.render(grant)
                    if rendered and rendered <= triples:
                        accepted.append((grant, rendered))
        return accepted

    def _short_key(self, arn, grant):
        """A key id when the key is in the grant's region and account (easier to read), else the key ARN."""
        prefix = _arns.arn(self.partition, "kms", grant.get("region", self.region), grant.get("account_id", self.account_id), "key/")
        return arn[len(prefix):] if arn.startswith(prefix) else arn


def _level_has_kms(service, level):
    return bool(CATALOGUE[service]["access"][level].get("kms_actions"))


def undominated(atoms):
    """Drop each grant whose permissions another grant already renders (the other one is kept: same union)."""
    ordered = sorted(enumerate(atoms), key=lambda item: (-len(item[1][1]), item[0]))
    kept = []
    for index, (grant, rendered) in ordered:
        if not any(rendered <= other for _i, (_g, other) in kept):
            kept.append((index, (grant, rendered)))
    return [atom for _index, atom in sorted(kept, key=lambda item: item[0])]


def merge_grants(atoms):
    """Fold one-level, one-resource grants into as few grants as renders the same: grants that another renders
    entirely are dropped; same service, region, account, options and KMS key together; resources with the same
    access levels in one grant. Access levels that use no KMS key join the grant of the same resource that names one."""
    atoms = [grant for grant, _rendered in undominated(atoms)]
    with_key = {}
    for grant in atoms:
        if grant.get("kms_key"):
            base = _json({k: v for k, v in grant.items() if k != "kms_key"})
            with_key.setdefault(base, []).append(grant["kms_key"])
    groups = {}
    order = []
    for grant in atoms:
        base = {k: v for k, v in grant.items() if k != "kms_key"}
        level = grant["access"][0]
        if not grant.get("kms_key") and _json(base) in with_key:
            continue  # the same grant with a KMS key renders these permissions and more that the role has
        key = grant.get("kms_key")
        if key is None and not _level_has_kms(grant["service"], level):
            # A level without KMS actions can join a keyed grant of the same resource.
            siblings = [other["kms_key"] for other in atoms if other.get("kms_key") and other["resources"] == grant["resources"]
                        and {k: v for k, v in other.items() if k not in ("kms_key", "access")} == {k: v for k, v in base.items() if k != "access"}]
            key = siblings[0] if siblings else None
        shape = {k: v for k, v in base.items() if k not in ("access", "resources")}
        group_key = _json(dict(shape, kms_key=key))
        if group_key not in groups:
            groups[group_key] = (shape, key, {})
            order.append(group_key)
        groups[group_key][2].setdefault(grant["resources"][0], set()).add(level)
    merged = []
    for group_key in order:
        shape, key, levels_by_name = groups[group_key]
        by_levels = {}
        for name, levels in levels_by_name.items():
            ordered = tuple(level for level in CATALOGUE[shape["service"]]["access"] if level in levels)
            by_levels.setdefault(ordered, []).append(name)
        for levels, names in by_levels.items():
            grant = {"service": shape["service"], "access": list(levels), "resources": names}
            grant.update((k, v) for k, v in shape.items() if k != "service")
            if key and any(_level_has_kms(shape["service"], level) for level in levels):
                grant["kms_key"] = key
            merged.append(grant)
    services = list(CATALOGUE)
    return sorted(merged, key=lambda grant: services.index(grant["service"]))


def recover_grants(policies, partition, region, account_id, reserved_chars=0):
    """Intents for the statements of a task role's inline policies that intents reproduce exactly.

    Returns ``{"grants", "policies" (rendered), "moved" [{policy, index, sid, triples}], "kept" [{policy, index, sid,
    why}], "why_none"}``. Proof: the grants rendered together by ``render_grants`` allow exactly the triples of the
    moved statements (checked here; when it fails nothing moves).
    """
    movable, kept = _movable_statements(policies)
    search = _GrantSearch(partition, region, account_id, _resource_order(policies))

    def propose(triples):
        atoms = search.atoms(triples)
        return atoms, set().union(*(rendered for _grant, rendered in atoms)) if atoms else set()

    moved, atoms, rendered = _fixpoint(movable, propose)
    result = {"grants": [], "policies": [], "moved": [], "kept": kept, "why_none": None}
    moved_keys = {(item["policy"], item["index"]) for item in moved}
    unmoved = [item for item in movable if (item["policy"], item["index"]) not in moved_keys]
    explained = _explain_unmoved(unmoved, search, movable, _spelling(policies)) if unmoved else []
    result["kept"] = _in_policy_order(kept + explained)
    if not moved:
        return result
    for candidate in (merge_grants(atoms), [grant for grant, _rendered in atoms]):
        documents, errors = render_grants(candidate, partition, region, account_id, reserved_chars=reserved_chars)
        oversize = [error["value"] for error in errors if error["field"] == "grants" and isinstance(error["value"], int)]
        if oversize:
            result["why_none"] = ("the intents render larger than the statements they replace: %d non-whitespace characters of inline "
                                  "policies, over IAM's quota of %d for a role" % (oversize[0], ROLE_INLINE_POLICY_QUOTA))
            break
        if errors:
            result["why_none"] = "rendering the intents fails: " + "; ".join(error["message"] for error in errors)
            break
        if policy_triples(policy["document"] for policy in documents) == rendered:
            result.update(grants=candidate, policies=documents, moved=moved, why_none=None)
            return result
        result["why_none"] = "rendering the intents did not give back exactly the statements' permissions"
    result["kept"] = _in_policy_order(result["kept"] + [dict(_without_triples(item), why=result["why_none"]) for item in moved])
    return result


def _spelling(policies):
    """Lower-case action -> how the catalogue or the role's policies spell it (for messages)."""
    spelled = {}
    for spec in CATALOGUE.values():
        for level_spec in spec["access"].values():
            for action in [action for item in level_spec["statements"] for action in item["actions"]] + level_spec.get("kms_actions", []):
                spelled.setdefault(action.lower(), action)
    for policy in policies:
        for statement in statements_of(policy["document"]):
            if isinstance(statement, Mapping):
                for action in _as_list(statement.get("Action")):
                    if isinstance(action, str):
                        spelled.setdefault(action.lower(), action)
    return spelled


def _describe_grant(grant):
    text = "%s %s on %s" % (grant["service"], "+".join(grant["access"]), ", ".join(grant["resources"]))
    extras = ["%s=%s" % (key, grant[key]) for key in sorted(grant) if key not in ("service", "access", "resources")]
    return text + (" (%s)" % ", ".join(extras) if extras else "")


def _explain_unmoved(unmoved, search, movable, spelled):
    """Why each movable statement that did not move stays as written.

    Its permissions that no intent fitting within the role's statements renders are named, with the nearest intent
    and what it would add; a statement whose permissions all have intents stays because those intents also render
    permissions of statements that stay.
    """
    everything = set().union(*(item["triples"] for item in movable))
    coverable = set().union(*(rendered for _grant, rendered in search.atoms(everything)))
    explained = []
    for item in unmoved:
        blockers = sorted(item["triples"] - coverable)
        reasons = []
        for action, resource, condition in blockers[:50]:
            if "*" in action or "?" in action:
                reasons.append("the action %s is a wildcard; intents list each action" % spelled.get(action, action))
                continue
            best = None
            for key, rendered in search.rendered.items():
                if rendered and (action, resource, condition) in rendered:
                    extra = rendered - everything
                    if best is None or len(extra) < len(best[1]):
                        best = (json.loads(key), extra)
            if best is None:
                reasons.append("no intent renders %s on %s%s" % (spelled.get(action, action), resource, " with its condition" if condition else ""))
                continue
            by_resource = {}
            for extra_action, extra_resource, extra_condition in sorted(best[1]):
                label = extra_resource + (" (with a condition)" if extra_condition else "")
                by_resource.setdefault(label, []).append(spelled.get(extra_action, extra_action))
            extra = "; ".join("%s on %s" % (", ".join(actions), label) for label, actions in sorted(by_resource.items()))
            reasons.append("the nearest intent, %s, would also allow %s" % (_describe_grant(best[0]), extra))
        if not blockers:
            reasons.append("the intents that render its permissions also render permissions of statements that stay as written")
        unique = []
        for reason in reasons:
            if reason not in unique:
                unique.append(reason)
        explained.append({"policy": item["policy"], "index": item["index"], "sid": item["sid"],
                          "why": "; ".join(unique[:3]) + ("; ..." if len(unique) > 3 else "")})
    return explained


# ---------------------------------------------------------------------------------------------------------------
# The execution role's start-up secrets
# ---------------------------------------------------------------------------------------------------------------

def startup_secrets_policy(secrets, parameters, kms_keys, partition, region, account_id):
    """The inline policy ``ecs-startup-secrets`` the execution role renders from its secrets, parameters and keys: the
    role's own builder (``_role_declaration.startup_secrets_policy``), with an empty statement list for nothing."""
    document = _role_declaration.startup_secrets_policy(partition, region, account_id, secrets, parameters, kms_keys)
    return document or {"Version": POLICY_VERSION, "Statement": []}


def _startup_reason(triple, base, spelled):
    """Why one permission is not among what the execution role's start-up secrets render."""
    action, resource, condition = triple
    name = spelled.get(action, action)
    if action == "kms:decrypt":
        return ("%s on %s: the role renders Decrypt only through Secrets Manager or Parameter Store (kms:ViaService), "
                "and only beside secrets or parameters" % (name, resource))
    if action not in ("secretsmanager:getsecretvalue", "ssm:getparameters"):
        return "the start-up secrets render no %s (only GetSecretValue, GetParameters and Decrypt)" % name
    if condition:
        return "%s on %s has a condition the start-up secrets do not render" % (name, resource)
    if action == "secretsmanager:getsecretvalue":
        return ("%s on %s: the role renders %s<name>-?????? or %s<prefix>/* (its region and account)"
                % (name, resource, base % "secretsmanager" + "secret:", base % "secretsmanager" + "secret:"))
    return "%s on %s: the role renders %s<name> (its region and account)" % (name, resource, base % "ssm" + "parameter/")


def recover_startup_secrets(policies, partition, region, account_id):
    """The execution role's ``secrets``, ``parameters`` and ``kms_keys`` for the statements they reproduce exactly.

    Returns ``{"intents": {"secrets", "parameters", "kms_keys"}, "document", "moved", "kept"}``; proof as for grants,
    with :func:`startup_secrets_policy` as the renderer.
    """
    movable, kept = _movable_statements(policies)
    base = _arns.arn(partition, "%s", region, account_id, "")  # each service's "arn:<partition>:<service>:<region>:<account>:"
    dns_suffix = _arns.dns_suffix(partition) or "amazonaws.com"
    key_pattern = re.escape(base % "kms") + "key/(%s)" % KMS_KEY["key_id_pattern"]
    any_key = KMS_KEY["key_arn_template"].format(partition=re.escape(partition), region=REGION_PATTERN, account=ACCOUNT_PATTERN,
                                                 key_id="(?:%s)" % KMS_KEY["key_id_pattern"])

    order = _resource_order(policies)

    def propose(triples):
        ordered = sorted(triples, key=lambda triple: (order.get(triple[1], len(order)), triple))
        secrets, parameters, keys = [], [], []
        for action, resource, condition in ordered:
            if condition:
                continue
            if action == "secretsmanager:getsecretvalue" and resource.startswith(base % "secretsmanager" + "secret:"):
                rest = resource[len(base % "secretsmanager" + "secret:"):]
                name = rest if rest.endswith("/*") else (rest[:-len("-??????")] if rest.endswith("-??????") else None)
                if name and re.fullmatch(SECRET_PATTERN, name) and name not in secrets:
                    secrets.append(name)
            elif action == "ssm:getparameters" and resource.startswith(base % "ssm" + "parameter/"):
                rest = resource[len(base % "ssm" + "parameter/"):]
                name = "/" + rest if "/" in rest else rest
                if re.fullmatch(PARAMETER_PATTERN, name) and name not in parameters:
                    parameters.append(name)
        via = (["secretsmanager.%s.%s" % (region, dns_suffix)] if secrets else []) + (["ssm.%s.%s" % (region, dns_suffix)] if parameters else [])
        wanted_condition = canonical_condition({"StringEquals": {"kms:ViaService": via}}) if via else None
        for action, resource, condition in ordered:
            if action == "kms:decrypt" and condition == wanted_condition and re.fullmatch(any_key, resource):
                match = re.fullmatch(key_pattern, resource)
                key = match.group(1) if match else resource
                if key not in keys:
                    keys.append(key)
        if not secrets and not parameters:
            return None, set()
        intents = {"secrets": secrets, "parameters": parameters, "kms_keys": keys}
        document = startup_secrets_policy(secrets, parameters, keys, partition, region, account_id)
        return intents, policy_triples([document])

    moved, intents, _rendered = _fixpoint(movable, propose)
    moved_keys = {(item["policy"], item["index"]) for item in moved}
    spelled = _spelling(policies)
    coverable = propose(set().union(*(item["triples"] for item in movable)))[1] if movable else set()
    for item in movable:
        if (item["policy"], item["index"]) not in moved_keys:
            reasons = []
            for triple in sorted(item["triples"] - coverable):
                reason = _startup_reason(triple, base, spelled)
                if reason not in reasons:
                    reasons.append(reason)
            if not reasons:
                reasons.append("the start-up secrets that render its permissions also render permissions of statements that stay as written")
            kept.append({"policy": item["policy"], "index": item["index"], "sid": item["sid"],
                         "why": "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else "")})
    kept = _in_policy_order(kept)
    if not moved:
        return {"intents": None, "document": None, "moved": [], "kept": kept}
    document = startup_secrets_policy(intents["secrets"], intents["parameters"], intents["kms_keys"], partition, region, account_id)
    return {"intents": intents, "document": document, "moved": moved, "kept": kept}


# ---------------------------------------------------------------------------------------------------------------
# The trust policy the roles write
# ---------------------------------------------------------------------------------------------------------------

def trust_policy(partition, account_id, regions):
    """The trust policy the roles write (``_role_declaration.trust_policy``, with the confused-deputy conditions)."""
    return _role_declaration.trust_policy(partition, account_id, regions)


def source_regions(trust, partition, account_id):
    """Regions of the ``aws:SourceArn`` patterns of the live ECS trust statements (``arn:<p>:ecs:<region>:<account>:...``)."""
    regions = []
    statements = statements_of(trust)
    for index in ecs_trust_statements(trust):
        condition = statements[index].get("Condition") or {}
        for block in condition.values():
            if not isinstance(block, Mapping):
                continue
            for key, value in block.items():
                if key.lower() != "aws:sourcearn":
                    continue
                for arn in _as_list(value):
                    fields = _arns.parse(str(arn))
                    if (fields and (fields["partition"], fields["service"], fields["account_id"]) == (partition, "ecs", account_id)
                            and re.fullmatch(REGION_PATTERN, fields["region"]) and fields["region"] not in regions):
                        regions.append(fields["region"])
    return regions


def _principal_strings(principal):
    if principal == "*":
        return ["*"]
    if not isinstance(principal, Mapping):
        return []
    return ["%s %s" % (kind, value) for kind, values in sorted(principal.items()) for value in _as_list(values)]


def trust_changes(live, declared):
    """What replacing the live trust policy with the declared one changes, in words (empty when nothing)."""
    if not policies_differ(live, declared):
        return []
    changes = []
    statements = statements_of(live)
    ecs = ecs_trust_statements(live)
    wanted = declared["Statement"][0]
    for index, statement in enumerate(statements):
        sid = statement.get("Sid") if isinstance(statement, Mapping) else None
        label = "statement %d%s" % (index, " (%s)" % sid if sid else "")
        if index not in ecs:
            changes.append("trust: %s is dropped (%s)" % (label, _json(statement)))
            continue
        others = [item for item in _principal_strings(statement.get("Principal")) if item.lower() != "service " + ECS_TASKS_SERVICE]
        if others:
            changes.append("trust: principals other than ECS tasks are dropped from %s: %s" % (label, ", ".join(others)))
        actions = sorted(action for action in _as_list(statement.get("Action")) if isinstance(action, str) and action != "sts:AssumeRole")
        if actions or "NotAction" in statement:
            changes.append("trust: %s allows only sts:AssumeRole (was %s)" % (label, _json(statement.get("Action", {"NotAction": statement.get("NotAction")}))))
        condition = statement.get("Condition") or {}
        live_keys = {}
        for operator, block in condition.items():
            for key, value in (block.items() if isinstance(block, Mapping) else []):
                live_keys[key.lower()] = (operator, key, value)
        for operator, block in wanted["Condition"].items():
            for key, value in block.items():
                seen = live_keys.pop(key.lower(), None)
                if seen is None:
                    changes.append("trust: the confused-deputy condition %s %s=%s is added" % (operator, key, _json(value)))
                elif canonical_condition({seen[0]: {seen[1]: seen[2]}}) != canonical_condition({operator: {key: value}}):
                    changes.append("trust: the condition %s %s=%s becomes %s %s=%s" % (seen[0], seen[1], _json(seen[2]), operator, key, _json(value)))
        for operator, key, value in live_keys.values():
            changes.append("trust: the condition %s %s=%s is dropped" % (operator, key, _json(value)))
        if sid != TRUST_SID:
            changes.append("trust: the statement's Sid becomes %s (was %s)" % (TRUST_SID, _json(sid)))
    if not changes:
        changes.append("trust: rewritten to the standard ECS tasks trust policy")
    return changes


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


def _without_triples(item):
    return {key: value for key, value in item.items() if key != "triples"}


def _in_policy_order(items):
    return sorted(items, key=lambda item: (item["policy"], -1 if item["index"] is None else item["index"]))


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


# ---------------------------------------------------------------------------------------------------------------
# Text: YAML files of the inventory, the markdown report
# ---------------------------------------------------------------------------------------------------------------

class _Template(str):
    """A string the inventory means as a Jinja template (written as is)."""


class _Unsafe(str):
    """A string that must never be templated (written with the !unsafe tag)."""


def _protect(value):
    """Mark strings that Ansible would template (``{{``, ``{%``, ``{#``) as !unsafe, so policies stay verbatim."""
    if isinstance(value, _Template):
        return str(value)
    if isinstance(value, str):
        return _Unsafe(value) if _JINJA_RE.search(value) else value
    if isinstance(value, Mapping):
        return {_protect(key): _protect(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_protect(item) for item in value]
    return value


if yaml is not None:
    class _Dumper(yaml.SafeDumper):  # pylint: disable=too-many-ancestors
        """Block style, lists indented under their key, no anchors, !unsafe where needed."""

        def ignore_aliases(self, data):
            return True

        def increase_indent(self, flow=False, indentless=False):
            return super().increase_indent(flow, False)

    _Dumper.add_representer(_Unsafe, lambda dumper, data: dumper.represent_scalar("!unsafe", str(data)))
else:  # pragma: no cover
    _Dumper = None


def yaml_text(comments, data):
    """One inventory file: ``---``, the comments, the data in block style."""
    if yaml is None:  # pragma: no cover
        raise RuntimeError("PyYAML is required to write the inventory")
    header = ["---"] + [("# " + line).rstrip() for line in comments]
    body = yaml.dump(_protect(data), Dumper=_Dumper, default_flow_style=False, sort_keys=False, allow_unicode=True, width=4096)
    body = body.replace(": null\n", ":\n")
    return "\n".join(header) + "\n" + body


def inventory_texts(inventory):
    """{relative path: file text} for what :func:`adopt` returned."""
    return {path: yaml_text(item["comments"], item["data"]) for path, item in sorted(inventory.items())}


def _md(text):
    return str(text).replace("|", "\\|")


def _statement_label(item):
    if item["index"] is None:
        return item["policy"]
    return "%s statement %d%s" % (item["policy"], item["index"], " (%s)" % item["sid"] if item["sid"] else "")


def _code_block(text, language=""):
    return "```%s\n%s\n```" % (language, text.rstrip("\n"))


def report_markdown(report, inventory_dir=None):
    """The review report, for people: per role what became intents, what stayed and why, findings, changes."""
    lines = ["# Adopting %s" % report["environment"], ""]
    summary = report["summary"]
    lines += [
        "Account %s, region %s, roles matching `%s` that ECS tasks can assume. Written by `playbooks/adopt.yml`, which only read IAM."
        % (report["account_id"], report["region"], report["name_pattern"]), "",
        "| applications | roles | statements to intents | statements kept verbatim | findings on existing policies "
        "| exceptions a deploy needs | changes on purpose | roles left out |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        "| %d | %d | %d | %d | %d | %d | %d | %d |" % (
            summary["applications"], summary["roles"], summary["statements_to_intents"], summary["statements_verbatim"],
            summary["findings_existing"], summary["exceptions_needed"], summary["changes"], summary["left_out"]), "",
        "## Next steps", "",
        "1. Read the changes the first deploy makes on purpose (below); each role keeps its ARN.",
        "2. Fix or accept (with a reason of yours) every finding listed under *Before deploying*; the deploy gate blocks on them.",
        "3. Commit the inventory, then:", "",
        _code_block("ansible-playbook -i {0} playbooks/deploy.yml --check --diff   # shows exactly the changes below\n"
                    "ansible-playbook -i {0} playbooks/deploy.yml\n"
                    "ansible-playbook -i {0} playbooks/verify.yml".format(inventory_dir or "DIR/%s" % report["environment"]), "sh"), "",
        "## What the first deploy changes on purpose", "",
    ]
    for application in report["applications"]:
        for role in application["roles"]:
            lines.append("- **%s** (`%s`, %s role):" % (application["host"], role["name"], role["kind"]))
            lines += ["  - %s" % _md(change) for change in role["changes"]] or ["  - nothing"]
    lines.append("")
    for application in report["applications"]:
        lines += ["## Application `%s`" % application["host"], "", "Host name %s." % application["why"], ""]
        for role in application["roles"]:
            lines += ["### %s role `%s`" % (role["kind"].capitalize(), role["name"]), "",
                      "- ARN `%s` (kept: the role is updated in place, never recreated)" % role["arn"],
                      "- %s role because %s" % (role["kind"].capitalize(), role["classified"]),
                      "- Carried over: %s" % ("; ".join(role["carried"]) if role["carried"] else "nothing beyond the defaults"), ""]
            if role["moved"]:
                lines += ["**Became intents** (rendering them gives back exactly the permissions of these statements):", ""]
                lines += ["- %s" % _statement_label(item) for item in role["moved"]]
                if role["kind"] == TASK:
                    intents = {"ecs_task_role_grants": role["intents"]}
                else:
                    intents = {"ecs_task_execution_role_" + key: value for key, value in role["intents"].items() if value}
                lines += ["", _code_block(yaml_text([], intents).split("\n", 1)[1], "yaml"), ""]
            elif role["intents_not_used"]:
                lines += ["**No intents**: %s" % _md(role["intents_not_used"]), ""]
            if role["kept"]:
                lines += ["**Kept verbatim**:", ""]
                lines += ["- %s: %s" % (_statement_label(item), _md(item["why"])) for item in role["kept"]]
                lines.append("")
            if role["findings_existing"]:
                lines += ["**Findings on the existing policies** (least-privilege debt, `validate_grants`):", ""]
                lines += ["- %s%s" % ("(accepted) " if finding.get("accepted") else "", _md(format_finding(finding))) for finding in role["findings_existing"]]
                lines.append("")
            if role["before_deploying"]:
                lines += ["**Before deploying**: deploy refuses the role as adopted until this is fixed:", ""]
                lines += ["- %s" % _md(line) for line in role["before_deploying"]]
                lines.append("")
            if role["notes"]:
                lines += ["**Instance profiles**:", ""]
                lines += ["- %s" % _md(line) for line in role["notes"]]
                lines.append("")
            if role["exceptions_needed"]:
                lines += ["**Before deploying**: the deploy gate (`validate_grants`, fail_on error) blocks on these findings of the "
                          "policies as adopted. Fix each (see *Fix*), or accept it in the host's `host_vars` with a reason of yours:", ""]
                lines += ["- %s" % _md(format_finding(finding)) for finding in role["findings_at_deploy"] if finding["severity"] == "error"]
                lines += ["", _code_block(yaml_text([], {role["exceptions_variable"]: role["exceptions_needed"]}).split("\n", 1)[1], "yaml"), ""]
            lines += ["**Exact differences** `deploy.yml --check --diff` reports for this role (none after the first deploy):", "",
                      _code_block("\n".join(role["expected_differences"]) or "(none)"), ""]
    if report["left_out"] or report["other_roles"]:
        lines += ["## Left out", ""]
        lines += ["- `%s`: %s" % (item["name"], _md(item["reason"])) for item in report["left_out"]]
        lines += ["- `%s`: ECS tasks cannot assume it" % name for name in report["other_roles"]]
        lines.append("")
    lines += ["The JSON twin of this report is `.adopt-report.json` in the same folder (hidden, so that Ansible does not read it as an inventory).", ""]
    return "\n".join(lines)


def report_json(report):
    return json.dumps(report, indent=2, sort_keys=True, default=list) + "\n"
