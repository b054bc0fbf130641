# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run lock of playbooks/deploy.yml: one S3 object created with a conditional write, as Terraform 1.10's S3
backend does with ``use_lockfile``.

Taking the lock is ``PutObject`` with ``If-None-Match: *``: S3 creates the object only when no object has that key
and answers ``412 PreconditionFailed`` otherwise (``409 ConditionalRequestConflict`` when two conditional writes race).
The object holds the run's identity (run id, user, host, pid, playbook, inventory, start time in UTC), which the
refused run reads back to name the holder. Releasing is deleting the object, only when it still holds this run's id.

Fail closed: an endpoint that ignores ``If-None-Match`` would let two runs both "take" the lock. After creating the
object, ``acquire`` sends the same conditional write once more, which must be refused (the object now exists), and
reads the object back, which must hold this run's id; otherwise it refuses the run.

The functions take an S3 client (``put_object``, ``get_object``, ``delete_object`` with boto3's signatures and
``botocore.exceptions.ClientError``) and return plain data; they never call ``fail_json``.
"""

import json
import re

# What S3 answers to a conditional write over an existing object, or to two conditional writes at once.
HELD_CODES = frozenset({"PreconditionFailed", "412", "ConditionalRequestConflict", "409"})
MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
IDENTITY_FIELDS = ("run_id", "user", "host", "pid", "playbook", "inventory", "started")
# s3://bucket/key: bucket names as S3 allows them (3-63 characters, lower case, digits, dots, hyphens).
URL_RE = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<key>\S.*)$")


class LockError(Exception):
    """The lock cannot be taken or trusted; the message says why and what to do."""


def parse_url(url):
    """(bucket, key) of ``s3://bucket/key``, or raise LockError naming the variable and the fix."""
    match = URL_RE.match(url if isinstance(url, str) else "")
    if not match or match.group("key").endswith("/"):
        raise LockError("ecs_iam_lock: %r is not an S3 object URL; give s3://<bucket>/<key>, for example "
                        "s3://my-state-bucket/ecs-iam/staging.lock (the bucket must exist; the key must not end with /)" % (url,))
    return match.group("bucket"), match.group("key")


def _code(error):
    response = getattr(error, "response", None) or {}
    return str((response.get("Error") or {}).get("Code", "")) or str((response.get("ResponseMetadata") or {}).get("HTTPStatusCode", ""))


def lock_body(identity):
    """The lock object's bytes: the run's identity as JSON (keys sorted, so two runs compare as text)."""
    missing = [field for field in IDENTITY_FIELDS if identity.get(field) in (None, "")]
    if missing:
        raise LockError("run lock: the run's identity lacks %s" % ", ".join(missing))
    return json.dumps(dict((field, identity[field]) for field in IDENTITY_FIELDS), sort_keys=True).encode("utf-8")


def read_holder(s3, bucket, key, client_error):
    """The identity in the lock object, {} when there is none, or {"unreadable": text} when it is not ours."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except client_error as e:
        if _code(e) in MISSING_CODES:
            return {}
        raise
    try:
        holder = json.loads(body.decode("utf-8"))
    except ValueError:
        holder = None
    if not isinstance(holder, dict):
        return {"unreadable": body[:200].decode("utf-8", "replace")}
    return holder


def describe_holder(holder):
    """A person's account of who holds the lock."""
    if not holder:
        return "nobody (the object is gone)"
    if "unreadable" in holder:
        return "an object this collection did not write (%r)" % holder["unreadable"]
    return "run %s of %s by %s on %s (pid %s, inventory %s), started %s" % (
        holder.get("run_id", "?"), holder.get("playbook", "?"), holder.get("user", "?"), holder.get("host", "?"),
        holder.get("pid", "?"), holder.get("inventory", "?"), holder.get("started", "?"))


def held_message(url, holder):
    return ("ecs_iam_lock: %s is held by %s. Another run of this environment is under way: wait for it to end and run "
            "again. If that run is known to be dead (its process is gone and it did not release the lock), delete the "
            "object (aws s3 rm %s) and run again." % (url, describe_holder(holder), url))


def acquire(s3, bucket, key, identity, client_error):
    """Take the lock for the run ``identity``. Returns {"acquired": True, "calls": n} or {"acquired": False,
    "holder": identity of the holder}. Raises LockError when the endpoint cannot be trusted with the lock."""
    body = lock_body(identity)
    url = "s3://%s/%s" % (bucket, key)
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, IfNoneMatch="*", ContentType="application/json")
    except client_error as e:
        if _code(e) not in HELD_CODES:
            raise
        return {"acquired": False, "holder": read_holder(s3, bucket, key, client_error)}
    # The object exists now: the same conditional write must be refused. An endpoint that accepts it ignores
    # If-None-Match, so the first write proved nothing (it may have overwritten another run's lock).
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, IfNoneMatch="*", ContentType="application/json")
    except client_error as e:
        if _code(e) not in HELD_CODES:
            raise
    else:
        s3.delete_object(Bucket=bucket, Key=key)
        raise LockError("ecs_iam_lock: the S3 endpoint ignored the conditional write (If-None-Match: *) on %s, so it cannot "
                        "lock a run (two runs could both take it); the object was deleted and nothing else was done. Use an "
                        "endpoint that honours conditional writes (Amazon S3 does since August 2024), or run without "
                        "ecs_iam_lock and serialise the runs in AWX or CI" % url)
    holder = read_holder(s3, bucket, key, client_error)
    if holder.get("run_id") != identity["run_id"]:
        raise LockError("ecs_iam_lock: %s was taken by this run but now holds %s; refusing to run" % (url, describe_holder(holder)))
    return {"acquired": True}


def release(s3, bucket, key, run_id, client_error):
    """Release the lock of run ``run_id``: delete the object when it holds that run. Returns {"released": bool,
    "holder": what the object held}; never deletes another run's lock."""
    holder = read_holder(s3, bucket, key, client_error)
    if holder.get("run_id") != run_id:
        return {"released": False, "holder": holder}
    s3.delete_object(Bucket=bucket, Key=key)
    return {"released": True, "holder": holder}
