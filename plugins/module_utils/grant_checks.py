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
    size quota, duplicate names, and Deny statements of one policy seen by the others.
``apply_exceptions(findings, exceptions)``
    marks findings matched by ``{code, action, resource, reason}`` as ``accepted``.
``count_by_code(findings)``, ``blocking(findings, fail_on)``, ``format_finding(finding)``.
``CODES``
    ``{code: (default severity, one-line meaning)}``; the stable list of codes.

A finding is a dict: ``code``, ``severity`` (``error``/``warning``), ``policy`` (name), ``statement``
(``{"index", "sid"}`` or ``None`` for the whole policy or role), ``action``, ``resource`` (strings or
``None``), ``message`` (what is wrong), ``fix`` (what to write instead), ``accepted`` (bool) and, when
accepted, ``reason``.  Findings are deduplicated and sorted (policy order, statement index, code,
action, resource).  No input makes these functions raise: bad input is itself a finding.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

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
    "SERVICE_WILDCARD": (ERROR, "\"service:*\" allows every action of a service"),
    "RESOURCE_STAR": (ERROR, "an action that can be scoped to resources is allowed on \"*\""),
    "RESOURCE_MISMATCH": (ERROR, "no listed resource can be one the action applies to"),
    "NOT_ACTION_WITH_ALLOW": (ERROR, "Allow with NotAction allows everything not listed"),
    "NOT_RESOURCE_WITH_ALLOW": (ERROR, "Allow with NotResource allows everything not listed"),
    "PERMISSIONS_MANAGEMENT": (ERROR, "an action of access level \"Permissions management\" is allowed"),
    "CROSS_ENVIRONMENT": (ERROR, "a resource names another environment"),
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
_RESOURCE_TAG_RE = re.compile(r"^[a-z0-9-]+:resourcetag/", re.IGNORECASE)
_VARIABLE_RE = re.compile(r"\$\{[^}]*\}")
_SHOW = 5  # how many expanded action names a message lists


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
        if not all(isinstance(item, str) for item in value):
            return [item for item in value if isinstance(item, str)], "must contain only strings"
        return list(value), None
    return [], "must be a string or a list of strings"


def _names(actions):
    names = sorted(set(a.service + ":" + a.name for a in actions))
    shown = ", ".join(names[:_SHOW])
    return shown + (" and %d more" % (len(names) - _SHOW) if len(names) > _SHOW else "")


def _is_star_resource(resource):
    """True for resources that name everything: ``*``, ``arn:*``-only patterns like ``arn:*:*:*:*:*``."""
    if resource.strip("*") == "":
        return True
    if not resource.endswith("*") or not resource.startswith("arn:"):
        return False
    fields = reference.split_arn(resource)
    if len(fields) != 6 or fields[0] != "arn":
        return False
    return fields[2].strip("*") == "" and fields[5].strip("*") == "" and all(f.strip("*") == "" for f in fields[1:5])


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

    __slots__ = ("index", "sid", "effect", "actions", "not_actions", "resources", "not_resources", "condition", "ref")

    def __init__(self, index, sid):
        self.index = index
        self.sid = sid
        self.ref = {"index": index, "sid": sid}
        self.effect = None
        self.actions = None
        self.not_actions = None
        self.resources = None
        self.not_resources = None
        self.condition = None


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
        out.append(_finding("MALFORMED", name, None, None, None, "the document is a %s, not a JSON object" % type(document).__name__,
                            "Write the policy as a JSON object with Version and Statement."))
        return None
    return document


def _parse_statements(policy, name, out):
    """Check the policy's structure; return (list of _Statement, variables allowed)."""
    for key in sorted(k for k in policy if k not in _POLICY_KEYS):
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
                                "statement %d is a %s, not an object" % (index, type(item).__name__), "Write each statement as a JSON object."))
            continue
        sid = item.get("Sid")
        stmt = _Statement(index, sid if isinstance(sid, str) else None)
        statements.append(stmt)
        _check_statement_structure(item, stmt, name, sids, variables, out)
    return statements, variables


def _check_statement_structure(item, stmt, name, sids, variables, out):
    ref = stmt.ref

    def bad(message, fix):
        out.append(_finding("MALFORMED", name, ref, None, None, message, fix))

    for key in sorted(k for k in item if k not in _STATEMENT_KEYS):
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
        condition = item["Condition"]
        if not isinstance(condition, Mapping) or not all(
                isinstance(op, str) and isinstance(block, Mapping) and all(isinstance(k, str) for k in block)
                for op, block in condition.items()):
            bad("Condition must map operators to objects of condition keys", "Write e.g. {\"StringEquals\": {\"aws:ResourceTag/app\": \"web\"}}.")
        else:
            stmt.condition = condition
    if not variables:
        used = [r for r in (stmt.resources or []) + (stmt.not_resources or []) if _VARIABLE_RE.search(r)]
        if used:
            out.append(_finding("MALFORMED", name, ref, None, used[0],
                                "policy variables are not substituted under Version 2008-10-17 (or without Version): %s is literal text" % used[0],
                                "Set \"Version\": \"2012-10-17\".", severity=WARNING))


_RESOLVE_CACHE = {}


def _resolve(action):
    """Classify an action string: (kind, actions, why, admin, admin names, scopable, scopable names).

    kind is ``all`` (``*``), ``service`` (``svc:*``), ``pattern``, ``action`` or ``unknown``.
    """
    key = action.lower()
    cached = _RESOLVE_CACHE.get(key)
    if cached is not None:
        return cached
    if key.strip("*") == "" or key.replace("*", "") == ":":
        result = ("all", (), None)
    elif not _ACTION_RE.match(action):
        result = ("unknown", (), "%r is not of the form service:ActionName" % action)
    else:
        service, _sep, name = key.partition(":")
        if _WILDCARD_RE.search(service):
            result = ("unknown", (), "wildcards are not allowed in the service prefix of %r" % action)
        elif not reference.service_exists(service):
            result = ("unknown", (), "service prefix %r is unknown to AWS's service authorisation reference" % service)
        elif name.strip("*") == "":
            found = reference.expand_action(key)
            result = ("service", found, None) + _split(found)
        else:
            found = reference.expand_action(key)
            if found:
                result = ("pattern" if _WILDCARD_RE.search(name) else "action", found, None) + _split(found)
            elif _WILDCARD_RE.search(name):
                result = ("unknown", (), "%r matches no action of %s" % (action, service))
            else:
                result = ("unknown", (), "%s has no action %r" % (service, action.partition(":")[2]))
    if len(result) == 3:
        result += ((), "", (), "")
    _RESOLVE_CACHE[key] = result
    return result


def _split(actions):
    """(admin actions, their names, scopable actions, their names) of a resolved action."""
    admin = tuple(a for a in actions if reference.is_permissions_management(a))
    scopable = tuple(a for a in actions if not reference.action_accepts_star_only(a))
    return admin, _names(admin), scopable, _names(scopable)


def _scoped_by_tag(condition):
    """True when the condition limits the resources by tag (aws:ResourceTag/..., svc:ResourceTag/...)."""
    if not condition:
        return False
    for operator, block in condition.items():
        if operator.endswith("IfExists") or operator.startswith("Null"):
            continue
        for key in block:
            if _RESOURCE_TAG_RE.match(key):
                return True
    return False


class _Denies:
    """Unconditional Deny statements on every resource, of all the role's policies."""

    def __init__(self):
        self.patterns = []  # compiled action globs
        self.not_patterns = []  # list of lists: Deny NotAction denies all but those
        self.everything = False
        self.cache = {}

    def add(self, stmt):
        if stmt.effect != "Deny" or stmt.condition or stmt.resources is None:
            return
        if not any(_is_star_resource(r) for r in stmt.resources):
            return
        if stmt.actions is not None:
            for action in stmt.actions:
                if action.strip("*") == "":
                    self.everything = True
                self.patterns.append(_glob(action))
        elif stmt.not_actions is not None:
            self.not_patterns.append(re.compile("|".join(_glob(a).pattern for a in stmt.not_actions), re.IGNORECASE | re.DOTALL))

    def denies(self, action):
        if self.everything:
            return True
        full = action.service + ":" + action.name
        cached = self.cache.get(full)
        if cached is None:
            cached = any(p.match(full) for p in self.patterns) or any(
                not group.match(full) for group in self.not_patterns)
            self.cache[full] = cached
        return cached

    def __bool__(self):
        return bool(self.patterns or self.not_patterns or self.everything)


def _env_regexes(environment, other_environments):
    envs = []
    if isinstance(other_environments, str):
        other_environments = [other_environments]
    if not isinstance(other_environments, (list, tuple, set, frozenset)):
        return []
    for env in other_environments:
        if not isinstance(env, str) or not env.strip() or env == environment:
            continue
        envs.append((env, re.compile(r"(?<![A-Za-z0-9])%s(?![A-Za-z0-9])" % re.escape(env.strip()), re.IGNORECASE)))
    return sorted(envs)


def _check_statement(stmt, name, variables, denies, env_res, out):
    ref = stmt.ref
    allow = stmt.effect == "Allow"
    resources = stmt.resources or []
    # Resources: syntax and environments (INVALID_ARN for Allow and Deny alike).
    valid_arns = []
    star = False
    for resource in resources + (stmt.not_resources or []):
        if _is_star_resource(resource):
            if resource in resources:
                star = True
            continue
        if reference.parse_arn(resource) is None:
            out.append(_finding("INVALID_ARN", name, ref, None, resource,
                                "%r is not \"*\" nor an ARN (arn:partition:service:region:account:resource)" % resource,
                                "Write the full ARN, e.g. arn:aws:s3:::my-bucket/*, or \"*\" for actions that need it."))
        elif resource in resources:
            valid_arns.append(resource)
    if allow:
        for resource in resources:
            for env, regex in env_res:
                if regex.search(resource):
                    out.append(_finding("CROSS_ENVIRONMENT", name, ref, None, resource,
                                        "%s names environment %r, which is not this role's" % (resource, env),
                                        "Grant only resources of this role's environment; move this grant to the %s role." % env))
        if stmt.not_actions is not None:
            out.append(_finding("NOT_ACTION_WITH_ALLOW", name, ref, ", ".join(stmt.not_actions) or None, None,
                                "Allow with NotAction allows every action of every service except those listed",
                                "List the actions the application needs in Action."))
        if stmt.not_resources is not None:
            out.append(_finding("NOT_RESOURCE_WITH_ALLOW", name, ref, None, ", ".join(stmt.not_resources) or None,
                                "Allow with NotResource allows the actions on every resource except those listed",
                                "List the resources the application uses in Resource."))
    tag_scoped = _scoped_by_tag(stmt.condition)
    seen = set()
    for action in stmt.actions or ():
        if action in seen:
            continue
        seen.add(action)
        kind, found, why, admin, admin_names, scopable, scopable_names = _resolve(action)
        if kind == "unknown":
            out.append(_finding("UNKNOWN_ACTION", name, ref, action, None, why + ": AWS does not authorise it",
                                "Use an action listed in AWS's service authorisation reference (check the spelling and the service prefix)."))
            continue
        if not allow:
            continue
        if kind == "all":
            out.append(_finding("FULL_ADMIN", name, ref, action, None, "\"*\" allows every action of every service (administrator access)",
                                "List the few actions the application calls, e.g. s3:GetObject."))
            if star and not tag_scoped and not denies.everything:
                out.append(_finding("RESOURCE_STAR", name, ref, action, "*", "every action is allowed on every resource",
                                    "List the actions and the ARNs of the application's own resources."))
            continue
        if kind == "service":
            out.append(_finding("SERVICE_WILDCARD", name, ref, action, None,
                                "%r allows all %d actions of %s" % (action, len(found), found[0].service if found else action),
                                "List the actions of %s the application calls." % (action.partition(":")[0],)))
        if denies:
            kept = [a for a in admin if not denies.denies(a)]
            if len(kept) != len(admin):
                admin, admin_names = kept, _names(kept)
            kept = [a for a in scopable if not denies.denies(a)]
            if len(kept) != len(scopable):
                scopable, scopable_names = kept, _names(kept)
        if admin:
            out.append(_finding("PERMISSIONS_MANAGEMENT", name, ref, action, None,
                                "%s is of access level \"Permissions management\": the role could change permissions" %
                                (action if kind == "action" else "%s allows %s, which" % (action, admin_names)),
                                "Remove it: an application's task role must not manage IAM permissions or resource policies."))
        if star and not tag_scoped:
            if scopable:
                what = action if kind == "action" else "%s (%s)" % (action, scopable_names)
                out.append(_finding("RESOURCE_STAR", name, ref, action, "*",
                                    "%s is allowed on every resource (\"*\") though it can be scoped to resource ARNs" % what,
                                    "Replace \"*\" with the ARNs of the application's resources, or add a condition on aws:ResourceTag/..."))
        elif not star and valid_arns:
            if not any(reference.action_matches_arn(a, arn, variables) for a in found for arn in valid_arns):
                types = sorted(set(
                    reference.resource_type_format(a.service, t.name) or t.name for a in found for t in a.resource_types))
                if types:
                    fix = "Use an ARN of the form %s." % " or ".join(types[:3])
                else:
                    fix = "%s only works with \"Resource\": \"*\" (it does not support resource-level permissions)." % action
                out.append(_finding("RESOURCE_MISMATCH", name, ref, action, ", ".join(valid_arns),
                                    "none of the resources can be one %s applies to" % action, fix))


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
    unique = {}
    for finding in findings:
        stmt = finding["statement"]
        key = (finding["code"], finding["policy"], stmt["index"] if stmt else -1, finding["action"], finding["resource"], finding["severity"])
        if key not in unique:
            unique[key] = finding

    def sort_key(item):
        finding = item[1]
        stmt = finding["statement"]
        return (order.get(finding["policy"], len(order)), str(finding["policy"]), stmt["index"] if stmt else -1,
                _CODE_ORDER.get(finding["code"], 99), finding["action"] or "", finding["resource"] or "", finding["message"])

    return [finding for _key, finding in sorted(unique.items(), key=sort_key)]


def check_policies(policies, environment=None, other_environments=(), exceptions=()):
    """Check the inline policies of one role together; return the list of findings.

    ``policies`` is a list of ``{"name": str, "document": JSON string or mapping}``.  Besides every
    per-policy check, this checks the role-wide size quota and lets an unconditional Deny in one
    policy cancel the matching Allows of the others.  ``exceptions`` are applied last
    (:func:`apply_exceptions`).  Never raises.
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
    for name, statements, variables in parsed:
        for stmt in statements:
            _check_statement(stmt, name, variables, denies, env_res, out)
    findings = _dedupe_and_sort(out, order)
    if exceptions:
        findings = apply_exceptions(findings, exceptions)
    return findings


def check_policy(document, **context):
    """Check one policy document (JSON string or mapping); return the list of findings.

    Context (all optional): ``name`` (or ``policy_name``) the policy's name, ``environment``,
    ``other_environments``, ``exceptions``.  Other keys are ignored.  Never raises.
    """
    name = context.get("name", context.get("policy_name"))
    try:
        return check_policies([{"name": name if isinstance(name, str) and name else "policy", "document": document}],
                              environment=context.get("environment"),
                              other_environments=context.get("other_environments") or (),
                              exceptions=context.get("exceptions") or ())
    except RecursionError:
        return [_finding("MALFORMED", name or "policy", None, None, None, "the document is nested too deeply", "Write a flat IAM policy.")]


def apply_exceptions(findings, exceptions):
    """Mark the findings that an exception matches as ``accepted`` (with its ``reason``); return them.

    An exception is ``{"code", "action", "resource", "reason"}``: ``code`` must equal the finding's
    (or be ``*``); ``action`` (case-insensitive) and ``resource`` may use ``*`` and ``?`` and, when
    missing or ``*``, match anything; an exception without a non-empty ``reason`` is ignored.
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
        action = rule.get("action")
        resource = rule.get("resource")
        rules.append((code, action if isinstance(action, str) else None, resource if isinstance(resource, str) else None, reason))
    for finding in findings:
        for code, action, resource, reason in rules:
            if code not in ("*", finding["code"]):
                continue
            if _glob_match(action, finding["action"], True) and _glob_match(resource, finding["resource"], False):
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
