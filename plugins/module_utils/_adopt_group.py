# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Adopt, step 1: which live roles ECS tasks can assume, which kind each is, and which application they belong to.

Also the constants and small helpers the other steps share (role shapes, policy documents as data). Pure functions
over plain data; ``_adopt.py`` (the façade) runs the steps, ``docs/adopt.md`` explains the rules.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import json
import re

from collections.abc import Mapping

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import ACCOUNT_PATTERN
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import REGION_PATTERN
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _role_declaration


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
