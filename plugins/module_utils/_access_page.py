# -*- coding: utf-8 -*-

# Copyright (c) 2025, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The access page of one environment: who can do what on which resource, as Markdown a reviewer reads.

Pure functions over plain data; nothing here calls AWS or Ansible. The action plugin ``access_page`` writes
the text; render.yml passes the declared roles, verify.yml the live ones, through the same function.

``access_page(environment, applications, passrole=None, source=None)`` returns the page (a ``str``):

* ``applications``: ``[{"name", "task_role": <role outputs>, "execution_role": <role outputs> or None}]``;
* role outputs: ``role_name``, ``role_arn``, ``state`` (``present``/``absent``), ``account_id``, ``region``,
  ``partition``, ``path``, ``trust_policy``, ``managed_policy_arns``, ``inline_policies`` (``[{name,
  document}]``), ``grants`` (provenance: ``[{index, service, access, resources, options, policy, sids}]``),
  ``accepted_findings`` (``[{code, policy, statement: {index, sid}, action, resource, reason}]``), optionally
  ``permissions_boundary``, and for the execution role ``startup`` (``{secrets, parameters, kms_keys, policy}``);
* ``passrole``: the environment's deployer policy, ``{policy_name, deployer: {type, name} or None, document}``;
* ``source``: where the declaration lives (e.g. ``inventories/staging``), printed in the header; the page
  says nothing about whether the roles were read from AWS or rendered, so that the live page of a deployed
  environment is byte for byte the rendered one and ``diff`` of the two prints exactly the drift.

Nothing on the page is taken on trust. A statement is shown in the intent's words only when it is exactly
what its grant renders (``render_grants`` is run again on the grant alone) or, for the execution role's
start-up policy, exactly what its secrets, parameters and keys give; every other statement of every inline
policy is shown as raw actions and ARNs. So drift shows as raw actions, and no statement is ever left out.

Bad input raises ``AccessPageError`` whose ``errors`` name the field, the value and what is expected;
``input_errors`` returns the same list without raising.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CATALOGUE
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import render_grants
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import startup_secrets_policy

ROLE_KINDS = (("task_role", "task role"), ("execution_role", "execution role"))
NAME_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
HOST_PATTERN = r"[A-Za-z0-9_.-]{1,128}"
NONE = "\u2014"  # an empty table cell

# The parts of a role's outputs the page reads: key -> (accepted types, what is expected).
_ROLE_FIELDS = (
    ("role_name", (str,), "the role's name"),
    ("role_arn", (str,), "the role's ARN ('' when unknown)"),
    ("state", (str,), "present or absent"),
    ("account_id", (str,), "the role's 12-digit account id"),
    ("region", (str,), "the role's region"),
    ("partition", (str,), "the role's partition, e.g. aws"),
    ("path", (str,), "the role's path, e.g. /"),
    ("trust_policy", (dict, str), "the trust policy document"),
    ("managed_policy_arns", (list,), "a list of managed policy ARNs"),
    ("inline_policies", (list,), "a list of {name, document}"),
    ("grants", (list,), "a list of grant provenance dicts ([] for none)"),
    ("accepted_findings", (list,), "a list of accepted findings ([] for none)"),
)
_ROLE_REQUIRED = ("role_name", "state")
_GRANT_FIELDS = (
    ("index", int, "the grant's index in ecs_task_role_grants"),
    ("service", str, "the grant's service"),
    ("access", list, "the grant's access levels"),
    ("resources", list, "the grant's resource names"),
    ("options", dict, "the grant's other keys ({} for none)"),
    ("policy", str, "the inline policy the grant rendered into"),
    ("sids", list, "the Sids of the statements the grant rendered"),
)
# Words for condition operators; any other operator is printed as it is.
_OPERATORS = {
    "StringEquals": "=", "ArnEquals": "=", "Bool": "=", "NumericEquals": "=",
    "StringLike": "like", "ArnLike": "like",
    "StringNotEquals": "!=", "ArnNotEquals": "!=", "NumericNotEquals": "!=",
    "StringNotLike": "not like", "ArnNotLike": "not like",
}
_OPTION_WORDS = {"prefix": "prefix", "kms_key": "KMS key", "configuration_set": "configuration set",
                 "region": "region", "account_id": "account"}
# Start-up access of the execution role: what ECS reads to inject secrets (roles/ecs_task_execution_role).
_STARTUP = (
    ("secrets", "secretsmanager", "secretsmanager:GetSecretValue"),
    ("parameters", "ssm", "ssm:GetParameters"),
    ("kms_keys", "kms", "kms:Decrypt"),
)
STARTUP_WORD = "start-up"
HAND_WRITTEN = "hand-written"
NOT_FROM_GRANT = "not from a grant"
NOT_FROM_STARTUP = "not from the start-up secrets"
MANAGED = "managed policy"
# Edge label words after the access levels, in this order.
_WORD_ORDER = (STARTUP_WORD, HAND_WRITTEN, NOT_FROM_GRANT, NOT_FROM_STARTUP, "task role", "execution role")


class AccessPageError(ValueError):
    """The input cannot be drawn; ``errors`` lists each problem (field, value, what is expected)."""

    def __init__(self, errors):
        self.errors = list(errors)
        super(AccessPageError, self).__init__("; ".join(self.errors))


# ----------------------------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------------------------

def _type_names(types):
    return " or ".join({"str": "a string", "dict": "a mapping", "list": "a list", "int": "an integer"}[t.__name__] for t in types)


def _check_role(errors, where, role, kind):
    if not isinstance(role, dict):
        errors.append("%s: %s is not a mapping; pass the role's published outputs (ecs_%s_outputs)"
                      % (where, _short(role), "task_role" if kind == "task_role" else "task_execution_role"))
        return
    for key in _ROLE_REQUIRED:
        if key not in role:
            errors.append("%s.%s is missing; give %s" % (where, key, dict((k, w) for k, _t, w in _ROLE_FIELDS)[key]))
    for key, types, what in _ROLE_FIELDS:
        if key in role and role[key] is not None and not isinstance(role[key], types):
            errors.append("%s.%s: %s is not %s; give %s" % (where, key, _short(role[key]), _type_names(types), what))
    if isinstance(role.get("state"), str) and role["state"] not in ("present", "absent"):
        errors.append("%s.state: %s is not a role state; give present or absent" % (where, _short(role["state"])))
    if isinstance(role.get("role_name"), str) and not role["role_name"]:
        errors.append("%s.role_name: '' is empty; give the role's name" % where)
    for index, policy in enumerate(role.get("inline_policies") or [] if isinstance(role.get("inline_policies"), list) else []):
        here = "%s.inline_policies[%d]" % (where, index)
        if not isinstance(policy, dict):
            errors.append("%s: %s is not a mapping; give {name, document}" % (here, _short(policy)))
            continue
        if not isinstance(policy.get("name"), str) or not policy.get("name"):
            errors.append("%s.name: %s is not a policy name; give the inline policy's name" % (here, _short(policy.get("name"))))
        if not isinstance(policy.get("document"), (dict, str)):
            errors.append("%s.document: %s is not a policy document; give the document as a mapping or JSON text"
                          % (here, _short(policy.get("document"))))
    for index, grant in enumerate(role.get("grants") or [] if isinstance(role.get("grants"), list) else []):
        here = "%s.grants[%d]" % (where, index)
        if not isinstance(grant, dict):
            errors.append("%s: %s is not a mapping; give the grant's provenance {index, service, access, ...}" % (here, _short(grant)))
            continue
        for key, kind_type, what in _GRANT_FIELDS:
            value = grant.get(key)
            if not isinstance(value, kind_type) or (kind_type is int and isinstance(value, bool)):
                errors.append("%s.%s: %s is not %s; give %s" % (here, key, _short(value), _type_names((kind_type,)), what))
    for index, finding in enumerate(role.get("accepted_findings") or [] if isinstance(role.get("accepted_findings"), list) else []):
        if not isinstance(finding, dict) or not isinstance(finding.get("code"), str):
            errors.append("%s.accepted_findings[%d]: %s is not a finding; give {code, policy, statement, action, resource, reason}"
                          % (where, index, _short(finding)))
    if kind == "execution_role" and role.get("startup") is not None:
        startup = role["startup"]
        # ``policy`` is null when the role has no start-up secrets, parameters or keys (nothing to read at start-up).
        if not isinstance(startup, dict) or not isinstance(startup.get("policy"), (str, type(None))):
            errors.append("%s.startup: %s is not the start-up access; give {secrets, parameters, kms_keys, policy (a name or null)}"
                          % (where, _short(startup)))
        else:
            for key, _service, _action in _STARTUP:
                if not isinstance(startup.get(key, []), list):
                    errors.append("%s.startup.%s: %s is not a list; give a list of names" % (where, key, _short(startup.get(key))))


def input_errors(environment, applications, passrole=None):
    """Every problem with the input, one message each (field, value, what is expected); ``[]`` when fine."""
    errors = []
    if not isinstance(environment, str) or not re.fullmatch(NAME_PATTERN, environment):
        errors.append("environment: %s is not an environment name; give lowercase letters, digits and single hyphens,"
                      " e.g. staging" % _short(environment))
    if not isinstance(applications, list):
        errors.append("applications: %s is not a list; give one {name, task_role, execution_role} per application"
                      % _short(applications))
        applications = []
    names = set()
    for index, application in enumerate(applications):
        where = "applications[%d]" % index
        if not isinstance(application, dict):
            errors.append("%s: %s is not a mapping; give {name, task_role, execution_role}" % (where, _short(application)))
            continue
        name = application.get("name")
        if not isinstance(name, str) or not re.fullmatch(HOST_PATTERN, name):
            errors.append("%s.name: %s is not an application name; give the inventory host name (letters, digits, _ . -)"
                          % (where, _short(name)))
        elif name in names:
            errors.append("%s.name: %r is listed twice; give each application once" % (where, name))
        else:
            where = "applications[%d] (%s)" % (index, name)
            names.add(name)
        unknown = sorted(set(application) - {"name", "task_role", "execution_role"}, key=str)
        if unknown:
            errors.append("%s: %s not a key of an application; give name, task_role and execution_role" % (where, ", ".join(map(str, unknown))))
        _check_role(errors, where + ".task_role", application.get("task_role"), "task_role")
        if application.get("execution_role") is not None:
            _check_role(errors, where + ".execution_role", application["execution_role"], "execution_role")
    if passrole is not None:
        if not isinstance(passrole, dict):
            errors.append("passrole: %s is not a mapping; give {policy_name, deployer, document} (ecs_deployer_passrole_outputs)"
                          % _short(passrole))
        else:
            if not isinstance(passrole.get("policy_name"), str):
                errors.append("passrole.policy_name: %s is not a string; give the deployer policy's name" % _short(passrole.get("policy_name")))
            deployer = passrole.get("deployer")
            if deployer is not None and not (isinstance(deployer, dict) and deployer.get("type") in ("role", "user")
                                             and isinstance(deployer.get("name"), str) and deployer.get("name")):
                errors.append("passrole.deployer: %s is not a deployer; give {type: role or user, name} or null" % _short(deployer))
            if not isinstance(passrole.get("document"), (dict, str)):
                errors.append("passrole.document: %s is not a policy document; give the document as a mapping or JSON text"
                              % _short(passrole.get("document")))
    return errors


def _short(value):
    text = json.dumps(value, sort_keys=True, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ----------------------------------------------------------------------------------------------------------
# Policy documents as data
# ----------------------------------------------------------------------------------------------------------

def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _document(document):
    """A policy document as a mapping, or ``None`` when it is not readable as one."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    return document if isinstance(document, dict) else None


def _statements(document):
    """The statements of a document (a mapping each); a document that cannot be read gives ``None``."""
    document = _document(document)
    if document is None:
        return None
    statements = _as_list(document.get("Statement"))
    return statements if all(isinstance(statement, dict) for statement in statements) else None


def _normal(statement):
    """A statement in a canonical form: single values as sorted lists, condition values sorted."""
    normal = {}
    for key, value in statement.items():
        if key in ("Action", "NotAction", "Resource", "NotResource"):
            normal[key] = sorted(set(str(item) for item in _as_list(value)))
        elif key == "Condition" and isinstance(value, dict):
            normal[key] = dict((op, dict((k, sorted(str(v) for v in _as_list(values))) for k, values in keys.items())
                                if isinstance(keys, dict) else keys) for op, keys in value.items())
        else:
            normal[key] = value
    return normal


def _glob(pattern, value, ignore_case=False):
    """IAM's wildcard match: ``*`` any characters (``/`` included), ``?`` one character."""
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


# ----------------------------------------------------------------------------------------------------------
# Text helpers: code spans and cells that survive Markdown tables, labels that survive Mermaid
# ----------------------------------------------------------------------------------------------------------

def _code(value):
    text = str(value).replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    if "`" in text:
        return "`` %s ``" % text
    return "`%s`" % text


def _cell(parts):
    parts = [part for part in parts if part]
    return "<br>".join(parts) if parts else NONE


def _row(cells):
    return "| %s |" % " | ".join(cells)


def _table(header, rows):
    lines = [_row(header), _row(["---"] * len(header))]
    lines.extend(_row(row) for row in rows)
    return lines


def _condition_items(condition):
    """``[(key, word, [values])]`` of a Condition block, sorted; an unreadable block gives one item of its JSON."""
    if condition is None:
        return []
    if not isinstance(condition, dict):
        return [("condition", "", [json.dumps(condition, sort_keys=True)])]
    items = []
    for operator in sorted(condition):
        keys = condition[operator]
        if not isinstance(keys, dict):
            items.append((operator, "", [json.dumps(keys, sort_keys=True)]))
            continue
        for key in sorted(keys):
            items.append((key, _OPERATORS.get(operator, operator), sorted(str(item) for item in _as_list(keys[key]))))
    return items


def _conditions(condition):
    """Condition lines for a table cell: `aws:SourceAccount` = `123456789012`; several values joined by "or"."""
    return ["%s %s %s" % (_code(key), word, " or ".join(_code(value) for value in values)) if word
            else "%s %s" % (_code(key), " or ".join(_code(value) for value in values))
            for key, word, values in _condition_items(condition)]


def _plain_conditions(condition):
    """The same lines as plain text, for labels of the picture."""
    return [" ".join(part for part in (key, word, " or ".join(values)) if part) for key, word, values in _condition_items(condition)]


# ----------------------------------------------------------------------------------------------------------
# One role: rows of what it can do
# ----------------------------------------------------------------------------------------------------------

def _role_arn(role):
    if role.get("role_arn"):
        return role["role_arn"]
    if role.get("partition") and role.get("account_id"):
        return _arns.role_arn(role["partition"], role["account_id"], role.get("path") or "/", role["role_name"])
    return ""


def _level_order(service, levels):
    known = list(CATALOGUE[service]["access"]) if service in CATALOGUE else []
    return sorted(set(levels), key=lambda level: (known.index(level) if level in known else len(known), str(level)))


def _grant_input(grant):
    """The grant as ``render_grants`` takes it, with the Sid suffix it had in the role's render."""
    item = dict(grant.get("options") or {})
    item.update(service=grant["service"], access=list(grant["access"]), resources=list(grant["resources"]))
    item.setdefault("sid", str(grant["index"]))
    return item


def _explain_grants(role, policies):
    """Which statements grants explain: ``(rows, explained)``, ``explained`` a set of (policy, Sid).

    A grant is shown in its own words only when rendering it alone gives statements, under the Sids and in
    the policy its provenance names, that equal the role's (statements several grants share, such as
    ecr:GetAuthorizationToken on "*", are compared with the union of their resources).
    """
    partition, region, account = role.get("partition"), role.get("region"), role.get("account_id")
    solo = []
    expected = {}
    for grant in role.get("grants") or []:
        try:
            rendered, errors = render_grants([_grant_input(grant)], partition, region, account)
        except (TypeError, ValueError, KeyError, AttributeError):
            rendered, errors = [], ["unreadable"]
        if errors or len(rendered) != 1 or rendered[0]["name"] != grant["policy"]:
            continue
        statements = rendered[0]["document"]["Statement"]
        if sorted(statement["Sid"] for statement in statements) != sorted(set(str(sid) for sid in grant["sids"])):
            continue
        solo.append((grant, statements))
        for statement in statements:
            key = (grant["policy"], statement["Sid"])
            if key in expected:
                merged = expected[key]
                merged["Resource"] = merged["Resource"] + [arn for arn in statement["Resource"] if arn not in merged["Resource"]]
            else:
                expected[key] = dict(statement, Resource=list(statement["Resource"]))
    matches = set()
    for name, statements in policies.items():
        sids = [statement.get("Sid") for statement in statements or []]
        for statement in statements or []:
            key = (name, statement.get("Sid"))
            if key in expected and sids.count(statement.get("Sid")) == 1 and _normal(statement) == _normal(expected[key]):
                matches.add(key)
    rows = []
    explained = set()
    for grant, statements in solo:
        keys = set((grant["policy"], statement["Sid"]) for statement in statements)
        if not keys <= matches:
            continue
        explained |= keys
        arns = sorted(set(arn for statement in statements for arn in statement["Resource"]))
        options = grant.get("options") or {}
        words = ", ".join(_level_order(grant["service"], grant["access"]))
        details = ["%s %s" % (_OPTION_WORDS.get(key, key), _code(options[key])) for key in sorted(options)
                   if key != "sid" and options[key] not in ("", None)]
        rows.append({
            "service": grant["service"],
            "access": _cell([words] + details),
            "names": _cell([_code(name) for name in sorted(str(name) for name in grant["resources"])]),
            "arns": _cell([_code(arn) for arn in arns]),
            "policy": _code(grant["policy"]),
            "words": _level_order(grant["service"], grant["access"]),
            "targets": [grant["service"]],
        })
    return rows, explained


def _explain_startup(role, policies):
    """Rows for the execution role's start-up policy, for each statement exactly as its inputs give it (the policy is
    built again from them by the function the role itself uses)."""
    startup = role.get("startup")
    if not isinstance(startup, dict) or startup.get("policy") not in policies:
        return [], set()
    name = startup["policy"]
    statements = policies[name] or []
    lists = dict((key, [str(item) for item in startup.get(key) or []]) for key, _service, _action in _STARTUP)
    try:
        expected = startup_secrets_policy(role.get("partition"), role.get("region"), role.get("account_id"),
                                          lists["secrets"], lists["parameters"], lists["kms_keys"]) or {"Statement": []}
    except Exception:  # pylint: disable=broad-except  # a partition botocore does not know: nothing is explained
        return [], set()
    by_action = dict((statement["Action"], statement) for statement in expected["Statement"])
    rows, explained = [], set()
    for key, service, action in _STARTUP:
        names = lists[key]
        if not names or action not in by_action:
            continue
        wanted = dict((k, v) for k, v in by_action[action].items() if k != "Sid")
        found = [index for index, statement in enumerate(statements)
                 if _normal(dict((k, v) for k, v in statement.items() if k != "Sid")) == _normal(wanted)]
        if len(found) != 1:
            continue
        explained.add((name, statements[found[0]].get("Sid"), found[0]))
        rows.append({
            "service": service,
            "access": _cell([STARTUP_WORD + ": ECS reads them into the container" if key != "kms_keys"
                             else STARTUP_WORD + ": decrypts the secrets for ECS"]),
            "names": _cell([_code(item) for item in sorted(names)]),
            "arns": _cell([_code(arn) for arn in sorted(set(_as_list(wanted["Resource"])))]),
            "policy": _code(name),
            "words": [STARTUP_WORD],
            "targets": [service],
        })
    return rows, explained


def _services(actions):
    services = set()
    for action in actions:
        action = str(action)
        services.add("*" if action == "*" else action.split(":", 1)[0].lower())
    return sorted(services)


def _raw_row(policy, statement, note):
    """A statement no grant explains: its actions and ARNs as they are."""
    if not isinstance(statement, dict):
        return {"service": "?", "access": _cell(["unreadable statement %s" % _code(json.dumps(statement, sort_keys=True, default=str))]),
                "names": NONE, "arns": NONE, "policy": "%s (%s)" % (_code(policy), note), "words": [note], "targets": ["*"]}
    actions = sorted(set(str(item) for item in _as_list(statement.get("Action"))))
    not_actions = sorted(set(str(item) for item in _as_list(statement.get("NotAction"))))
    access = []
    if statement.get("Effect") != "Allow":
        access.append("**%s**" % ("deny" if statement.get("Effect") == "Deny" else "effect %s" % _code(statement.get("Effect"))))
    if not_actions:
        access.append("every action except")
    access.extend(_code(action) for action in (actions or not_actions))
    access.extend("if " + line for line in _conditions(statement.get("Condition")))
    arns = []
    if "NotResource" in statement:
        arns.append("every resource except")
    arns.extend(_code(arn) for arn in sorted(set(str(item) for item in _as_list(statement.get("Resource", statement.get("NotResource"))))))
    services = _services(actions or not_actions) if actions and not not_actions else ["*"]
    return {
        "service": ", ".join(services) if services else "?",
        "access": _cell(access),
        "names": NONE,
        "arns": _cell(arns),
        "policy": "%s (%s)" % (_code(policy), note),
        "words": [note],
        "targets": services if statement.get("Effect") == "Allow" else [],
    }


def _role_rows(role, kind):
    """Every row of one role: grants, start-up access, raw statements and managed attachments."""
    policies = {}
    unreadable = []
    for policy in role.get("inline_policies") or []:
        statements = _statements(policy["document"])
        if statements is None:
            unreadable.append(policy["name"])
        policies[policy["name"]] = statements or []
    rows, explained = _explain_grants(role, policies)
    startup_rows, startup_explained = _explain_startup(role, policies)
    rows.extend(startup_rows)
    startup_policy = (role.get("startup") or {}).get("policy") if kind == "execution_role" else None
    for name in sorted(policies):
        for index, statement in enumerate(policies[name]):
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            if (name, sid) in explained or (name, sid, index) in startup_explained:
                continue
            if name.startswith("grants-"):
                note = NOT_FROM_GRANT
            elif name == startup_policy:
                note = NOT_FROM_STARTUP
            else:
                note = HAND_WRITTEN
            rows.append(_raw_row(name, statement, note))
    for name in unreadable:
        rows.append({"service": "?", "access": "unreadable policy document", "names": NONE, "arns": NONE,
                     "policy": "%s (%s)" % (_code(name), HAND_WRITTEN if not name.startswith("grants-") else NOT_FROM_GRANT),
                     "words": [HAND_WRITTEN], "targets": ["*"]})
    for arn in sorted(set(str(arn) for arn in role.get("managed_policy_arns") or [])):
        owner = "AWS managed" if ":iam::aws:policy/" in arn else "customer managed"
        access = "what %s allows" % _code(arn.rsplit("/", 1)[-1])
        if kind == "execution_role" and arn.endswith(":policy/service-role/AmazonECSTaskExecutionRolePolicy"):
            # The execution role that names neither its repositories nor its log groups (roles/ecs_task_execution_role).
            access += ": **unscoped**, every repository and log group of the account"
        rows.append({"service": "(%s)" % MANAGED, "access": access, "names": NONE,
                     "arns": _code(arn), "policy": "%s, %s" % (MANAGED, owner), "words": [dict(ROLE_KINDS)[kind]],
                     "targets": ["managed:" + arn]})
    return sorted(rows, key=lambda row: (row["service"] == "(%s)" % MANAGED, row["service"], row["policy"], row["access"],
                                         row["names"], row["arns"]))


# ----------------------------------------------------------------------------------------------------------
# Trust and PassRole
# ----------------------------------------------------------------------------------------------------------

_PRINCIPAL_WORDS = {"Service": "service", "AWS": "AWS", "Federated": "federated", "CanonicalUser": "canonical user"}


def _principals(statement):
    """``[(kind, value)]`` of a trust statement's principals; ``("anyone", "*")`` for ``*``."""
    principal = statement.get("Principal", statement.get("NotPrincipal"))
    if principal == "*":
        return [("anyone", "*")]
    if not isinstance(principal, dict):
        return [("unreadable", json.dumps(principal, sort_keys=True, default=str))]
    found = []
    for kind in sorted(principal):
        for value in sorted(set(str(item) for item in _as_list(principal[kind]))):
            found.append(("anyone" if value == "*" else _PRINCIPAL_WORDS.get(kind, kind), value))
    return found


def _trust_entries(role):
    """``[(principal kind, value, action text, condition lines, allows)]`` of a role's trust policy."""
    statements = _statements(role.get("trust_policy"))
    if statements is None:
        return [("unreadable", "trust policy", "", [], False)]
    entries = []
    for statement in statements:
        actions = ", ".join(sorted(set(str(item) for item in _as_list(statement.get("Action", statement.get("NotAction"))))))
        if "NotAction" in statement:
            actions = "every action except " + actions
        allows = statement.get("Effect") == "Allow" and "NotPrincipal" not in statement
        if not allows:
            actions = "deny " + actions if statement.get("Effect") == "Deny" else actions
        if "NotPrincipal" in statement:
            actions += " (NotPrincipal)"
        for kind, value in _principals(statement):
            entries.append((kind, value, actions, statement.get("Condition"), allows))
    return sorted(entries, key=lambda entry: (entry[0], entry[1], entry[2], json.dumps(entry[3], sort_keys=True)))


def _passrole_entries(document, roles):
    """``[(cells, covered)]`` for each statement of the deployer's policy; ``covered`` lists the (application,
    kind, role) it lets the deployer pass. Counted generously: an Allow whose Action or NotAction lets
    iam:PassRole through covers every role its Resource matches or its NotResource leaves out (Deny
    statements are shown, not subtracted), so the page never shows less than the policy allows."""
    statements = _statements(document)
    if statements is None:
        return [(["unreadable policy document", NONE, NONE, NONE], [])]
    entries = []
    for statement in statements:
        actions = [str(item) for item in _as_list(statement.get("Action"))]
        not_actions = [str(item) for item in _as_list(statement.get("NotAction"))]
        passes = statement.get("Effect") == "Allow" and (
            any(_glob(action, "iam:PassRole", ignore_case=True) for action in actions) if "NotAction" not in statement
            else not any(_glob(action, "iam:PassRole", ignore_case=True) for action in not_actions))
        if not passes:
            raw = _raw_row("", statement, "")
            entries.append(([raw["access"], raw["arns"], NONE, "(does not let the deployer pass roles)"], []))
            continue
        resources = sorted(set(str(item) for item in _as_list(statement.get("Resource", statement.get("NotResource")))))
        excluding = "NotResource" in statement
        groups = [[resource] for resource in resources] if not excluding else [resources]
        allows = _cell((["every action except"] if not_actions else []) + [_code(item) for item in sorted(set(actions or not_actions))])
        conditions = _cell(_conditions(statement.get("Condition"))) if statement.get("Condition") else "**none**: any service"
        for patterns in groups:
            if excluding:
                covered = [role for role in roles if role[3] and not any(_glob(pattern, role[3]) for pattern in patterns)]
                on = _cell(["every resource except"] + [_code(pattern) for pattern in patterns])
            else:
                covered = [role for role in roles if role[3] and _glob(patterns[0], role[3])]
                on = _code(patterns[0])
            names = [_code(role[2]["role_name"]) for role in sorted(covered, key=lambda role: role[2]["role_name"])]
            if excluding or any(re.search(r"[*?]", pattern) for pattern in patterns):
                names.append("and any other role whose ARN matches, now or later")
            entries.append(([allows, on, conditions, _cell(names) if names else "**no role of this environment**"],
                            [role[:3] for role in covered]))
    return entries


# ----------------------------------------------------------------------------------------------------------
# The picture
# ----------------------------------------------------------------------------------------------------------

def mermaid_label(text):
    """A Mermaid label body, safe inside double quotes: entity codes for ``#``, ``"``, ``<``, ``>`` and ``&``."""
    text = str(text).replace("\r", " ").replace("\n", " ")
    for char, code in (("#", "#35;"), ("&", "#38;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;")):
        text = text.replace(char, code)
    return text


def _label(*lines):
    return "<br>".join(mermaid_label(line) for line in lines if line)


class _Ids(object):
    """Stable node ids: a prefix and the name's letters and digits; a short hash of the key when two clash."""

    def __init__(self):
        self.by_key = {}
        self.used = set()

    def get(self, prefix, name, key=None):
        key = (prefix, name if key is None else key)
        if key not in self.by_key:
            node = prefix + "_" + re.sub(r"[^A-Za-z0-9]", "_", str(name))
            if node in self.used:
                node += "_" + hashlib.sha1(repr(key).encode("utf-8")).hexdigest()[:6]
            self.used.add(node)
            self.by_key[key] = node
        return self.by_key[key]


def _words(words, service=None):
    """Access words in the catalogue's order of the service's levels, then start-up, hand-written, ..."""
    levels = [word for word in words if word not in _WORD_ORDER]
    ordered = _level_order(service, levels) if service else sorted(set(levels))
    return ", ".join(ordered + [word for word in _WORD_ORDER if word in words])


def _names_label(names, per_line=3):
    """Application names, a few to a line, so a node stays narrow at 30 applications."""
    names = sorted(names)
    return [", ".join(names[start:start + per_line]) for start in range(0, len(names), per_line)]


def _who(action, covered, everyone):
    """``sts:AssumeRole`` when a principal reaches every role, else which applications' roles it reaches."""
    if covered == everyone:
        return action
    parts = []
    for app_name in sorted(covered):
        kinds = covered[app_name]
        parts.append(app_name if len(kinds) == len(ROLE_KINDS) else "%s (%s)" % (app_name, dict(ROLE_KINDS)[sorted(kinds)[0]]))
    return "%s: %s" % (action, ", ".join(parts))


def _picture(environment, apps, trust, passable, deployer):
    """The Mermaid flowchart, grouped so that it stays readable at 30 applications: the principals point at
    one box holding the applications' roles; that box points at one box per service, in which the
    applications are listed by the access they have there (no edge per application or per ARN)."""
    ids = _Ids()
    lines = ["flowchart LR"]
    everyone = {}
    for app_name, kind, _entry in trust:
        everyone.setdefault(app_name, set()).add(kind)

    arrows = []
    principals = {}
    for app_name, kind, (principal_kind, value, actions, condition, allows) in trust:
        if allows:
            key = (principal_kind, value, actions, json.dumps(condition, sort_keys=True))
            principals.setdefault(key, {}).setdefault(app_name, set()).add(kind)
    # The principal that reaches the most roles first: it keeps the plain id when another one appears.
    for key in sorted(principals, key=lambda item: (-sum(len(kinds) for kinds in principals[item].values()), item)):
        principal_kind, value, actions, _condition = key
        node = ids.get("trust", value, key)
        title = value if principal_kind == "service" else "%s %s" % (principal_kind, value)
        conditions = ["if " + line for line in _plain_conditions(json.loads(key[3]))]
        lines.append('  %s(["%s"])' % (node, _label(title, *conditions)))
        arrows.append((node, _who(actions, principals[key], everyone)))
    if deployer is not None:
        node = ids.get("deployer", "deployer")
        lines.append('  %s[["%s"]]' % (node, _label(*deployer)))
        if passable:
            arrows.append((node, _who("iam:PassRole", passable, everyone)))

    counted = "%s: %d application%s" % (environment, len(apps), "" if len(apps) == 1 else "s")
    lines.append('  subgraph roles["%s"]' % _label(counted))
    names = [app["name"] if app["present"] else app["name"] + " (absent)" for app in apps]
    lines.append('    %s["%s"]' % (ids.get("roles", "applications"), _label(*(_names_label(names) or ["none"]))))
    lines.append("  end")

    # Per service (and per managed policy): the applications grouped by the words of their access.
    reach = {}
    for app in apps:
        for row in app["rows"]:
            for target in row["targets"]:
                reach.setdefault(target, {}).setdefault(app["name"], set()).update(row["words"])
    boxes = []
    for target in sorted(reach, key=lambda item: (item.startswith("managed:"), item)):
        if target.startswith("managed:"):
            arn = target.split(":", 1)[1]
            box, title, service = ids.get("managed", arn.rsplit("/", 1)[-1], arn), [arn.rsplit("/", 1)[-1], MANAGED], None
        else:
            box, title, service = ids.get("svc", target), ["every service" if target == "*" else target], target
        groups = {}
        for app_name, words in reach[target].items():
            groups.setdefault(_words(words, service if service in CATALOGUE else None), []).append(app_name)
        lines.append('  subgraph %s["%s"]' % (box, _label(*title)))
        for words in sorted(groups):
            lines.append('    %s["%s"]' % (ids.get(box, words), _label(words, *_names_label(groups[words]))))
        lines.append("  end")
        boxes.append(box)
    for node, label in arrows:
        lines.append('  %s ==>|"%s"| roles' % (node, mermaid_label(label)))
    for box in boxes:
        lines.append("  roles --> %s" % box)
    return lines


# ----------------------------------------------------------------------------------------------------------
# The page
# ----------------------------------------------------------------------------------------------------------

def access_page(environment, applications, passrole=None, source=None):
    """The Markdown page of one environment (see the module documentation); raises ``AccessPageError``."""
    errors = input_errors(environment, applications, passrole)
    if errors:
        raise AccessPageError(errors)

    apps = []
    roles = []  # (app name, kind, role, arn)
    for application in sorted(applications, key=lambda item: item["name"]):
        app = {"name": application["name"], "rows": [], "roles": [], "present": False}
        for kind, _label_text in ROLE_KINDS:
            role = application.get(kind)
            if role is None:
                continue
            arn = _role_arn(role)
            app["roles"].append((kind, role, arn))
            if role["state"] == "present":
                app["present"] = True
                roles.append((application["name"], kind, role, arn))
                for row in _role_rows(role, kind):
                    app["rows"].append(dict(row, role=kind))
        apps.append(app)

    lines = ["# Access in %s" % environment, ""]
    lines.append("<!-- Generated by cerpac.ecs_iam.access_page. Do not edit: render it again. Sorted and without"
                 " timestamps, so a diff of two pages is what changed. -->")
    lines.append("")
    facts = []
    for key, word in (("account_id", "account"), ("partition", "partition"), ("region", "region")):
        values = sorted(set(str(role[key]) for _app, _kind, role, _arn in roles if role.get(key)))
        if values:
            facts.append("%s %s" % (word if len(values) == 1 else word + "s", ", ".join(_code(value) for value in values)))
    if facts:
        facts[0] = facts[0][:1].upper() + facts[0][1:]
    counted = "%d application%s, %d role%s" % (len(apps), "" if len(apps) == 1 else "s", len(roles), "" if len(roles) == 1 else "s")
    lines.append("%s%s%s." % ("Declared in %s. " % _code(source) if source else "", ", ".join(facts) + "; " if facts else "", counted))
    lines.append("")

    # Trust, as rows and for the picture.
    trust = []
    trust_rows = []
    for app_name, kind, role, _arn in roles:
        for entry in _trust_entries(role):
            trust.append((app_name, kind, entry))
            principal_kind, value, actions, condition, _allows = entry
            trust_rows.append((app_name, [kind for kind, _word in ROLE_KINDS].index(kind), [
                _code(app_name), "%s %s" % (dict(ROLE_KINDS)[kind], _code(role["role_name"])), "%s %s" % (principal_kind, _code(value)),
                _code(actions) if actions else NONE, _cell(_conditions(condition)) if condition else "**none**"]))

    # PassRole.
    passrole_lines = []
    cover = {}
    deployer_label = None
    if passrole is None:
        passrole_lines.append("No deployer policy is managed for this environment: nobody is given iam:PassRole here.")
    else:
        deployer = passrole.get("deployer")
        if deployer:
            deployer_label = ["deployer", "IAM %s %s" % (deployer["type"], deployer["name"])]
            passrole_lines.append("The deployer, IAM %s %s, holds the inline policy %s:"
                                  % (deployer["type"], _code(deployer["name"]), _code(passrole["policy_name"])))
        else:
            deployer_label = ["deployer", "not named: policy rendered only"]
            passrole_lines.append("No deployer is named: the policy %s is rendered and attached to nobody." % _code(passrole["policy_name"]))
        passrole_lines.append("")
        rows = []
        for cells, covered in _passrole_entries(passrole.get("document"), roles):
            rows.append(cells)
            for app_name, kind, _role in covered:
                cover.setdefault(app_name, set()).add(kind)
        passrole_lines.extend(_table(["allows", "on", "conditions", "roles of %s it covers" % environment], sorted(rows)))
        passrole_lines.append("")
        missing = [_code(role["role_name"]) for app_name, kind, role, _arn in roles if kind not in cover.get(app_name, set())]
        passrole_lines.append("Roles the deployer cannot pass: %s." % (", ".join(sorted(missing)) if missing else "none"))

    lines.append("## Picture")
    lines.append("")
    lines.append("Principals on the left assume or pass the roles of each application; each application's roles reach"
                 " the services on the right with the access on the arrow (one arrow from the box when every"
                 " application has the same).")
    lines.append("")
    lines.append("```mermaid")
    lines.extend(_picture(environment, apps, trust, cover, deployer_label))
    lines.append("```")
    lines.append("")

    lines.append("## Who may use the roles")
    lines.append("")
    lines.append("### ECS tasks assume them")
    lines.append("")
    if trust_rows:
        lines.extend(_table(["application", "role", "trusted principal", "action", "conditions"],
                            [cells for _app, _rank, cells in sorted(trust_rows)]))
    else:
        lines.append("No role is present.")
    lines.append("")
    lines.append("### The deployer passes them to ECS")
    lines.append("")
    lines.extend(passrole_lines)
    lines.append("")

    for app in apps:
        lines.append("## %s" % app["name"])
        lines.append("")
        for kind, role, arn in app["roles"]:
            text = "%s %s" % (dict(ROLE_KINDS)[kind].capitalize(), _code(role["role_name"]))
            if role["state"] != "present":
                lines.append("- %s: **absent**, it grants nothing." % text)
                continue
            extra = ""
            if role.get("permissions_boundary"):
                extra = ", permissions boundary %s" % _code(role["permissions_boundary"])
            lines.append("- %s: %s%s" % (text, _code(arn) if arn else "ARN unknown", extra))
        if not any(kind == "execution_role" for kind, _role, _arn in app["roles"]):
            lines.append("- No execution role is managed here for %s." % app["name"])
        lines.append("")
        if app["rows"]:
            rows = [[dict(ROLE_KINDS)[row["role"]].split()[0], row["service"], row["access"], row["names"], row["arns"], row["policy"]]
                    for row in app["rows"]]
            lines.extend(_table(["role", "service", "access", "resources", "ARNs", "policy"], rows))
            lines.append("")
        findings = []
        for kind, role, _arn in app["roles"]:
            if role["state"] != "present":
                continue
            for finding in role.get("accepted_findings") or []:
                statement = finding.get("statement") or {}
                where = NONE
                if isinstance(statement, dict) and statement:
                    where = "%s%s" % (statement.get("index"), " (%s)" % _code(statement["sid"]) if statement.get("sid") else "")
                findings.append([dict(ROLE_KINDS)[kind].split()[0], _code(finding.get("policy") or NONE), where, _code(finding["code"]),
                                 _code(finding["action"]) if finding.get("action") else NONE,
                                 _code(finding["resource"]) if finding.get("resource") else NONE,
                                 str(finding.get("reason") or NONE).replace("|", "\\|").replace("\n", " ")])
        if findings:
            lines.append("Accepted findings:")
            lines.append("")
            lines.extend(_table(["role", "policy", "statement", "finding", "action", "resource", "reason"], sorted(findings)))
        else:
            lines.append("Accepted findings: none.")
        lines.append("")
        # Findings that pass without an exception (warnings such as CROSS_ACCOUNT under fail_on: error): listed, never hidden.
        open_rows = [[dict(ROLE_KINDS)[kind].split()[0], _code(finding.get("policy") or NONE), _code(finding.get("code")),
                      _code(finding["resource"]) if finding.get("resource") else NONE,
                      str(finding.get("message") or NONE).replace("|", "\\|").replace("\n", " ")]
                     for kind, role, _arn in app["roles"] if role["state"] == "present"
                     for finding in (role.get("open_findings") if isinstance(role.get("open_findings"), list) else [])
                     if isinstance(finding, dict) and isinstance(finding.get("code"), str)]
        if open_rows:
            lines.append("Findings not accepted, which do not block the run:")
            lines.append("")
            lines.extend(_table(["role", "policy", "finding", "resource", "what"], sorted(open_rows)))
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
