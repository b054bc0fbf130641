# -*- coding: utf-8 -*-

# Copyright (c) 2026, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read CloudTrail log files as AWS delivers them and aggregate what the applications' roles did.

Plain functions over plain data; the only I/O is reading the trail (a local folder, or an S3 bucket through
boto3's normal credential chain, read-only: ListObjectsV2 and GetObject). Nothing here knows about grants: the
result is a table of rows ``(role ARN, event source, event name, resource, error code) -> [count, first, last]``
that ``_usage_report.py`` classifies, the same rows an Athena or CloudTrail Lake query gives (:func:`read_aggregate_csv`).

The layout (AWS CloudTrail User Guide, "Finding your CloudTrail log files")::

    [prefix/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<unique>.json.gz
    [prefix/]AWSLogs/<o-org-id>/<account>/CloudTrail/...        (organisation trails)

Whole folders are skipped without being listed further: another account, ``CloudTrail-Digest`` and
``CloudTrail-Insight``, a region not asked for, a year, month or day outside the window. A file of the layout is
also skipped when the time in its name is before the window (a file is delivered after the events it holds) or
more than :data:`DELIVERY_MARGIN` after it. Files outside the layout (``{"Records": [...]}`` exports, plain or
gzipped ``.json`` / ``.json.gz``) are all read; files of other types are counted and left alone. Records are then
kept only when their ``eventTime`` is inside the window.

Streaming: each worker reads one file at a time and returns that file's small aggregate; memory does not grow with
the trail. Files are read by a pool of processes (``json.loads`` and the aggregation hold the interpreter lock, so
threads overlap little; docs/usage.md), at most the machine's cores.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import datetime
import gzip
import io
import json
import os
import re
import signal
import zlib

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _usage_mapping

# How long after an event CloudTrail may deliver the file that holds it. AWS: "CloudTrail typically delivers logs
# within an average of about 5 minutes of an API call. This time is not guaranteed."
DELIVERY_MARGIN = datetime.timedelta(hours=1)
DEFAULT_DAYS = 30

ACCOUNT_RE = re.compile(r"^[0-9]{12}$")
ORG_RE = re.compile(r"^o-[a-z0-9]{10,32}$")
FILE_RE = re.compile(r"^([0-9]{12})_CloudTrail_([a-z0-9-]+)_([0-9]{8}T[0-9]{4}Z)_[A-Za-z0-9]+\.json(\.gz)?$")
# Columns of the aggregate CSV (docs/usage.md gives the Athena query that produces it).
CSV_COLUMNS = ("role_arn", "event_source", "event_name", "resource", "error_code", "count", "first", "last")
SKIP_REASONS = ("account", "not_cloudtrail", "region", "window")
# Distinct resources kept per (role, event source, event name, error code); the rest count as calls on an unknown
# resource (a role reading a million S3 objects keeps 1,000 rows, not a million).
MAX_RESOURCES = 1000


class TrailError(Exception):
    """A problem with the trail as a whole (not one file): its location cannot be read."""


# ---------------------------------------------------------------------------------------------------- the window

def _utc(value, field, end_of_day=False):
    """A datetime in UTC from ``2026-11-01`` or ``2026-11-01T10:00:00Z``; raise ValueError naming ``field``."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc) if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    text = str(value).strip()
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            day = datetime.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
            return day + datetime.timedelta(days=1, seconds=-1) if end_of_day else day
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("%s=%r is not a date; give YYYY-MM-DD or an ISO time such as 2026-11-01T10:00:00Z" % (field, value))
    return parsed.astimezone(datetime.timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def window(since=None, until=None, today=None):
    """``(since, until)`` as UTC datetimes. ``until`` defaults to the end of today (UTC) and ``since`` to
    :data:`DEFAULT_DAYS` days before it, so that two runs on the same day give the same window (and output).
    A date alone means the start of that day for ``since`` and its end for ``until``."""
    if until in (None, ""):
        today = today or datetime.datetime.now(datetime.timezone.utc).date()
        end = datetime.datetime(today.year, today.month, today.day, 23, 59, 59, tzinfo=datetime.timezone.utc)
    else:
        end = _utc(until, "usage_until", end_of_day=True)
    if since in (None, ""):
        start = end - datetime.timedelta(days=DEFAULT_DAYS) + datetime.timedelta(seconds=1)
    else:
        start = _utc(since, "usage_since")
    if start > end:
        raise ValueError("usage_since=%s is after usage_until=%s; give a since before the until" % (iso(start), iso(end)))
    return start, end


def iso(moment):
    """CloudTrail's time format, ``2026-11-01T10:00:00Z``."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------------- the layout

def split_location(location):
    """``("s3", bucket, prefix)`` for ``s3://bucket/prefix``, ``("dir", path, "")`` for a local folder or file."""
    text = str(location or "").strip()
    if not text:
        raise ValueError("usage_trail is empty; give a folder of CloudTrail files or s3://bucket/prefix")
    if text.lower().startswith("s3://"):
        bucket, _sep, prefix = text[5:].partition("/")
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
            raise ValueError("usage_trail=%r: %r is not an S3 bucket name; give s3://bucket/prefix" % (location, bucket))
        prefix = prefix.strip("/")
        return "s3", bucket, prefix + "/" if prefix else ""
    return "dir", text, ""


def layout_of(parts):
    """What a path's parts say in AWS's layout: ``{"org", "account", "cloudtrail", "region", "date": [y, m, d],
    "depth"}`` counted from the last ``AWSLogs`` folder, or ``None`` when the path is not under ``AWSLogs``.
    ``depth`` is the number of parts after ``AWSLogs`` (the organisation id not counted)."""
    if "AWSLogs" not in parts:
        return None
    index = len(parts) - 1 - list(reversed(parts)).index("AWSLogs")
    after = list(parts[index + 1:])
    found = {"org": None, "account": None, "cloudtrail": None, "region": None, "date": [], "depth": 0}
    if after and ORG_RE.match(after[0]):
        found["org"] = after.pop(0)
    found["depth"] = len(after)
    fields = ("account", "cloudtrail", "region")
    for field, value in zip(fields, after):
        found[field] = value
    found["date"] = after[3:6]
    return found


def skip_folder(parts, accounts, regions, start, end):
    """Why the folder ``parts`` need not be read (one of :data:`SKIP_REASONS`), or ``None``."""
    found = layout_of(parts)
    if found is None or found["depth"] == 0:
        return None
    depth = found["depth"]
    if depth == 1:
        if found["account"] is None:
            return None
        return None if found["account"] in accounts else "account"
    if depth == 2:
        return None if found["cloudtrail"] == "CloudTrail" else "not_cloudtrail"
    if depth == 3:
        return None if regions is None or found["region"] in regions else "region"
    if depth in (4, 5, 6):
        try:
            numbers = [int(value) for value in found["date"]]
        except ValueError:
            return None
        last = end + DELIVERY_MARGIN
        low = (start.year, start.month, start.day)[:len(numbers)]
        high = (last.year, last.month, last.day)[:len(numbers)]
        return None if low <= tuple(numbers) <= high else "window"
    return None


def skip_file(parts, accounts, regions, start, end):
    """Why the file ``parts`` (its folders and name) need not be opened, or ``None``: its folders' reasons, a name
    that is not ``.json`` or ``.json.gz`` (CloudTrail writes no other), and for a file named as CloudTrail names
    them, its account, region and delivery time."""
    for depth in range(1, len(parts)):
        reason = skip_folder(parts[:depth], accounts, regions, start, end)
        if reason:
            return reason
    if not parts[-1].lower().endswith((".json", ".json.gz")):
        return "not_cloudtrail"
    match = FILE_RE.match(parts[-1])
    if not match:
        return None
    if match.group(1) not in accounts:
        return "account"
    if regions is not None and match.group(2) not in regions:
        return "region"
    delivered = datetime.datetime.strptime(match.group(3), "%Y%m%dT%H%MZ").replace(tzinfo=datetime.timezone.utc)
    if delivered + datetime.timedelta(minutes=1) <= start or delivered > end + DELIVERY_MARGIN:
        return "window"
    return None


# ---------------------------------------------------------------------------------------------------- the stores

class LocalStore:
    """A folder (or one file) on this machine."""

    def __init__(self, root):
        self.root = root
        self.name = root

    def children(self, parts):
        """``(folders, files)`` directly inside ``parts``, sorted; hidden entries left out."""
        folders, files = [], []
        path = os.path.join(self.root, *parts)
        try:
            entries = list(os.scandir(path))
        except OSError as error:
            raise TrailError("cannot list %s: %s" % (path, error.strerror or error))
        for entry in entries:
            if entry.name.startswith("."):
                continue
            (folders if entry.is_dir() else files).append(entry.name)
        return sorted(folders), sorted(files)

    def read(self, parts):
        with open(os.path.join(self.root, *parts), "rb") as handle:
            return handle.read()

    def label(self, parts):
        return os.path.join(self.root, *parts)


def s3_client():
    """An S3 client from boto3's normal credential chain (AWS_PROFILE, environment, instance role; AWS_ENDPOINT_URL
    or AWS_URL for another endpoint), with botocore's standard retries."""
    import boto3  # pylint: disable=import-outside-toplevel
    from botocore.config import Config  # pylint: disable=import-outside-toplevel
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_URL") or None
    return boto3.session.Session().client("s3", endpoint_url=endpoint, config=Config(retries={"mode": "standard", "max_attempts": 10}))


class S3Store:
    """``s3://bucket/prefix``, read with ListObjectsV2 (Delimiter ``/``, so one call lists one folder) and GetObject."""

    def __init__(self, bucket, prefix, client_factory=s3_client):
        self.bucket = bucket
        self.prefix = prefix
        self.name = "s3://%s/%s" % (bucket, prefix)
        self._factory = client_factory
        self._client = None
        self._pid = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_client"] = None
        return state

    @property
    def client(self):
        """This process's client: a forked reader never shares its parent's connections (two processes on one socket
        read each other's answers)."""
        if self._client is None or self._pid != os.getpid():
            self._client = self._factory()
            self._pid = os.getpid()
        return self._client

    def children(self, parts):
        prefix = self.prefix + "".join(part + "/" for part in parts)
        folders, files = [], []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
                folders.extend(item["Prefix"][len(prefix):].rstrip("/") for item in page.get("CommonPrefixes", []))
                files.extend(item["Key"][len(prefix):] for item in page.get("Contents", []) if item["Key"] != prefix)
        except Exception as error:  # botocore's ClientError, NoCredentialsError, EndpointConnectionError...
            raise TrailError("cannot list s3://%s/%s: %s" % (self.bucket, prefix, error))
        return sorted(name for name in folders if name), sorted(files)

    def read(self, parts):
        return self.client.get_object(Bucket=self.bucket, Key=self.prefix + "/".join(parts))["Body"].read()

    def label(self, parts):
        return "s3://%s/%s%s" % (self.bucket, self.prefix, "/".join(parts))


def open_store(location, client_factory=s3_client):
    kind, where, prefix = split_location(location)
    if kind == "s3":
        return S3Store(where, prefix, client_factory)
    if not os.path.exists(where):
        raise TrailError("usage_trail=%r does not exist; give a folder of CloudTrail files or s3://bucket/prefix" % location)
    return LocalStore(where)


def plan(store, accounts, regions, start, end):
    """The files to open and what was skipped: ``(files, skipped)``; ``files`` is a sorted list of path-part tuples,
    ``skipped`` counts ``{"folders": {reason: n}, "files": {reason: n}}``."""
    if isinstance(store, LocalStore) and os.path.isfile(store.root):
        folder, name = os.path.split(store.root)
        store.root = folder or "."
        return [(name,)], {"folders": {}, "files": {}}
    files, skipped = [], {"folders": {}, "files": {}}
    stack = [()]
    while stack:
        parts = stack.pop()
        folders, names = store.children(parts)
        for folder in folders:
            reason = skip_folder(parts + (folder,), accounts, regions, start, end)
            if reason:
                skipped["folders"][reason] = skipped["folders"].get(reason, 0) + 1
            else:
                stack.append(parts + (folder,))
        for name in names:
            reason = skip_file(parts + (name,), accounts, regions, start, end)
            if reason:
                skipped["files"][reason] = skipped["files"].get(reason, 0) + 1
            else:
                files.append(parts + (name,))
    return sorted(files), skipped


# ---------------------------------------------------------------------------------------------------- the records

def new_aggregate():
    """An empty aggregate: rows, counters, the kinds of events seen, the files opened and the unreadable ones."""
    return {
        "rows": {},
        "distinct": {},
        "records": {"read": 0, "of_applications": 0, "other_principals": 0, "outside_window": 0},
        "seen": {"management": False, "data_types": set()},
        "files": {"opened": 0, "errors": []},
    }


def add_row(aggregate, key, count, first, last):
    """Add calls to the row ``key`` = (role, source, name, resources, error code). Each (role, source, name, error
    code) keeps at most :data:`MAX_RESOURCES` distinct resources; further ones go to its row of unknown resource
    (``""``), which the report treats as "any of the grant's resources": memory stays bounded whatever the trail."""
    row = aggregate["rows"].get(key)
    if row is None and key[3]:
        group = (key[0], key[1], key[2], key[4])
        distinct = aggregate["distinct"].get(group, 0)
        if distinct >= MAX_RESOURCES:
            key = (key[0], key[1], key[2], "", key[4])
            row = aggregate["rows"].get(key)
        else:
            aggregate["distinct"][group] = distinct + 1
    if row is None:
        aggregate["rows"][key] = [count, first, last]
    else:
        row[0] += count
        row[1] = min(row[1], first)
        row[2] = max(row[2], last)


def merge(into, part):
    """Add the aggregate ``part`` into ``into``."""
    for key, (count, first, last) in part["rows"].items():
        add_row(into, key, count, first, last)
    for key, value in part["records"].items():
        into["records"][key] = into["records"].get(key, 0) + value
    into["seen"]["management"] = into["seen"]["management"] or part["seen"]["management"]
    into["seen"]["data_types"] |= part["seen"]["data_types"]
    into["files"]["opened"] += part["files"]["opened"]
    into["files"]["errors"].extend(part["files"]["errors"])
    return into


def _is_data(record):
    """AWS's own word first (``eventCategory``, ``managementEvent``), else the documented table."""
    category = record.get("eventCategory")
    if category in ("Data", "Management"):
        return category == "Data"
    if isinstance(record.get("managementEvent"), bool):
        return not record["managementEvent"]
    return bool(_usage_mapping.is_data_event(record.get("eventSource"), record.get("eventName")))


def data_type(source, name):
    """The kind of a data event as event selectors name it (``AWS::S3::Object``); ``source:<eventSource>`` for a
    data event the table does not know."""
    return _usage_mapping.data_event_resource_type(source, name) or "source:%s" % source


def role_of(record):
    """The ARN of the role whose session made the call (``sessionContext.sessionIssuer.arn``), or ``None``."""
    identity = record.get("userIdentity")
    if not isinstance(identity, dict):
        return None
    issuer = (identity.get("sessionContext") or {}).get("sessionIssuer") or {}
    if not isinstance(issuer, dict) or issuer.get("type", "Role") != "Role":
        return None
    arn = issuer.get("arn")
    return arn if isinstance(arn, str) and arn else None


def add_records(aggregate, records, roles, start_text, end_text):
    """Aggregate CloudTrail records: only those inside the window; only the rows of ``roles`` (role ARNs).

    The hot loop of the reader: the kind of each (source, name, category) is looked up once per file, and the
    session issuer read inline (:func:`role_of` says the same)."""
    rows = aggregate["rows"]
    seen_types = aggregate["seen"]["data_types"]
    management = aggregate["seen"]["management"]
    kinds = {}
    read = outside = others = mine = 0
    for record in records:
        if not isinstance(record, dict):
            continue
        when = record.get("eventTime")
        moment = when[:19] + "Z" if isinstance(when, str) else ""
        if not start_text <= moment <= end_text:
            outside += 1
            continue
        read += 1
        source = record.get("eventSource") or ""
        name = record.get("eventName") or ""
        key = (source, name, record.get("eventCategory"), record.get("managementEvent"))
        kind = kinds.get(key, False)
        if kind is False:
            kind = kinds[key] = data_type(source, name) if _is_data(record) else None
        if kind is None:
            management = True
        else:
            seen_types.add(kind)
        identity = record.get("userIdentity")
        issuer = ((identity.get("sessionContext") or {}).get("sessionIssuer") or {}) if isinstance(identity, dict) else {}
        role = issuer.get("arn") if isinstance(issuer, dict) and issuer.get("type", "Role") == "Role" else None
        if role not in roles:
            others += 1
            continue
        mine += 1
        # One row per call, its resources joined by spaces (a GetObject record names the object and its bucket).
        resources = " ".join(sorted(set(_usage_mapping.record_resources(record) or [])))
        row_key = (role, source, name, resources, record.get("errorCode") or "")
        row = rows.get(row_key)
        if row is None:
            add_row(aggregate, row_key, 1, moment, moment)
        else:
            row[0] += 1
            if moment < row[1]:
                row[1] = moment
            if moment > row[2]:
                row[2] = moment
    aggregate["seen"]["management"] = management
    counters = aggregate["records"]
    counters["read"] += read
    counters["outside_window"] += outside
    counters["other_principals"] += others
    counters["of_applications"] += mine
    return aggregate


def parse_log(data, name):
    """The records of one file's bytes (gzip or not); raise ValueError with the reason when it is not a CloudTrail log."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError("not a readable gzip file (%s)" % error)
    try:
        document = json.loads(data)
    except ValueError as error:
        raise ValueError("not JSON (%s)" % str(error)[:120])
    if not isinstance(document, dict) or not isinstance(document.get("Records"), list):
        raise ValueError("not a CloudTrail log file: no \"Records\" list at the top")
    return document["Records"]


def read_one(store, parts, roles, start_text, end_text):
    """The aggregate of one file; a file that cannot be read is reported by name with the reason."""
    aggregate = new_aggregate()
    aggregate["files"]["opened"] = 1
    try:
        records = parse_log(store.read(parts), parts[-1])
    except Exception as error:  # any reason a file cannot be read is reported, and the other files are still read
        aggregate["files"]["errors"].append({"file": store.label(parts), "error": str(error)})
        return aggregate
    return add_records(aggregate, records, roles, start_text, end_text)


_JOB = {}


def _worker(parts):
    return read_one(_JOB["store"], parts, _JOB["roles"], _JOB["start"], _JOB["end"])


def workers_for(count, requested=None):
    """How many processes read the files: ``requested`` if given, else the machine's cores, never more than files."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    wanted = int(requested) if requested else cores
    return max(1, min(wanted, count))


def read_trail(location, accounts, roles, start, end, regions=None, workers=None, client_factory=s3_client):
    """Read the trail at ``location`` for ``accounts`` (the environment's account ids): the aggregate (see :func:`new_aggregate`) plus
    ``files["skipped"]``. Raise :class:`TrailError` when the location itself cannot be read."""
    store = open_store(location, client_factory)
    files, skipped = plan(store, frozenset(accounts), set(regions) if regions is not None else None, start, end)
    start_text, end_text = iso(start), iso(end)
    roles = frozenset(roles)
    total = new_aggregate()
    count = workers_for(len(files), workers)
    if count <= 1:
        for parts in files:
            merge(total, read_one(store, parts, roles, start_text, end_text))
    else:
        _JOB.update(store=store, roles=roles, start=start_text, end=end_text)
        try:
            for part in _pool_map(count, files):
                merge(total, part)
        finally:
            _JOB.clear()
    total["files"]["skipped"] = skipped
    total["files"]["errors"].sort(key=lambda item: item["file"])
    return total


def _reader_start():
    """A forked reader drops the signal handlers of the process it was forked from (Ansible's worker forwards SIGTERM to
    its whole process group): SIGTERM ends it, SIGINT is the parent's to handle."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool_map(count, files):
    """Map :func:`_worker` over ``files`` with ``count`` forked processes (they inherit the job); threads where fork
    is not available. The readers are let finish (close, join), and only killed when the parent fails."""
    import multiprocessing  # pylint: disable=import-outside-toplevel
    try:
        pool = multiprocessing.get_context("fork").Pool(count, initializer=_reader_start)
    except (ValueError, AssertionError, OSError):
        from multiprocessing.pool import ThreadPool  # pylint: disable=import-outside-toplevel
        pool = ThreadPool(count)
    try:
        yield from pool.imap_unordered(_worker, files, chunksize=1)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


# ---------------------------------------------------------------------------------------------------- other inputs

def read_aggregate_csv(text, roles, start, end, name="usage_aggregate"):
    """The rows of an Athena / CloudTrail Lake aggregate (columns :data:`CSV_COLUMNS`, a header line optional);
    returns ``(aggregate, errors)``; rows outside the window (by ``last``/``first``) are left out."""
    aggregate = new_aggregate()
    errors = []
    start_text, end_text = iso(start), iso(end)
    reader = csv.reader(io.StringIO(text))
    for number, row in enumerate(reader, 1):
        if not row or not "".join(row).strip():
            continue
        if number == 1 and [cell.strip().lower() for cell in row][:2] == list(CSV_COLUMNS[:2]):
            continue
        if len(row) != len(CSV_COLUMNS):
            errors.append("%s line %d: %d columns, expected %d (%s)" % (name, number, len(row), len(CSV_COLUMNS), ", ".join(CSV_COLUMNS)))
            continue
        role, source, event, resource, code, count, first, last = [cell.strip() for cell in row]
        try:
            count = int(count)
            first = iso(_utc(first, "first"))
            last = iso(_utc(last, "last"))
        except ValueError:
            errors.append("%s line %d: count %r, first %r or last %r is not a number / time" % (name, number, row[5], row[6], row[7]))
            continue
        if last < start_text or first > end_text:
            aggregate["records"]["outside_window"] += count
            continue
        aggregate["records"]["read"] += count
        if _usage_mapping.is_data_event(source, event):
            aggregate["seen"]["data_types"].add(data_type(source, event))
        else:
            aggregate["seen"]["management"] = True
        if role not in roles:
            aggregate["records"]["other_principals"] += count
            continue
        aggregate["records"]["of_applications"] += count
        add_row(aggregate, (role, source, event, resource, code), count, max(first, start_text), min(last, end_text))
    aggregate["files"]["skipped"] = {"folders": {}, "files": {}}
    return aggregate, errors
