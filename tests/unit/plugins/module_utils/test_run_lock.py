"""_run_lock: the S3 run lock taken with a conditional write, refused while held, failing closed on an endpoint that
ignores If-None-Match, released only by its holder. The S3 here is a small in-memory stand-in with boto3's
signatures; the integration tests use moto's S3 through the playbook."""

import json

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._run_lock import LockError
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._run_lock import acquire
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._run_lock import held_message
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._run_lock import parse_url
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._run_lock import release


class ClientError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class Body:
    def __init__(self, data):
        self.data = data

    def read(self):
        return self.data


class FakeS3:
    """Objects in a dict; honours If-None-Match unless told to ignore it."""

    def __init__(self, honours=True, objects=None):
        self.honours = honours
        self.objects = dict(objects or {})
        self.calls = []

    def put_object(self, Bucket, Key, Body, IfNoneMatch=None, ContentType=None):  # pylint: disable=invalid-name
        self.calls.append("PutObject")
        if IfNoneMatch == "*" and self.honours and (Bucket, Key) in self.objects:
            raise ClientError("PreconditionFailed")
        self.objects[(Bucket, Key)] = Body

    def get_object(self, Bucket, Key):  # pylint: disable=invalid-name
        self.calls.append("GetObject")
        if (Bucket, Key) not in self.objects:
            raise ClientError("NoSuchKey")
        return {"Body": Body(self.objects[(Bucket, Key)])}

    def delete_object(self, Bucket, Key):  # pylint: disable=invalid-name
        self.calls.append("DeleteObject")
        self.objects.pop((Bucket, Key), None)


def identity(run_id="run-1", user="alice"):
    return {"run_id": run_id, "user": user, "host": "laptop", "pid": 42, "playbook": "playbooks/deploy.yml",
            "inventory": "inventories/staging", "started": "2026-12-05T11:00:00Z"}


@pytest.mark.parametrize("url, expected", [
    ("s3://my-bucket/ecs-iam/staging.lock", ("my-bucket", "ecs-iam/staging.lock")),
    ("s3://a.b.c/k", ("a.b.c", "k")),
])
def test_parse_url(url, expected):
    assert parse_url(url) == expected


@pytest.mark.parametrize("url", ["my-bucket/key", "s3://my-bucket/", "s3://My_Bucket/key", "s3://b/key", "https://x/y", None])
def test_parse_url_refuses_what_is_not_an_object_url(url):
    with pytest.raises(LockError, match="ecs_iam_lock: .* is not an S3 object URL; give s3://<bucket>/<key>"):
        parse_url(url)


def test_acquire_creates_the_object_with_the_runs_identity():
    s3 = FakeS3()
    assert acquire(s3, "b", "k", identity(), ClientError) == {"acquired": True}
    assert json.loads(s3.objects[("b", "k")]) == identity()
    assert s3.calls == ["PutObject", "PutObject", "GetObject"]


def test_a_second_run_is_refused_and_told_the_holder_and_the_lock_is_untouched():
    s3 = FakeS3()
    acquire(s3, "b", "k", identity(), ClientError)
    before = dict(s3.objects)
    outcome = acquire(s3, "b", "k", identity("run-2", "bob"), ClientError)
    assert outcome == {"acquired": False, "holder": identity()}
    assert s3.objects == before
    assert held_message("s3://b/k", outcome["holder"]) == (
        "ecs_iam_lock: s3://b/k is held by run run-1 of playbooks/deploy.yml by alice on laptop (pid 42, inventory inventories/staging), "
        "started 2026-12-05T11:00:00Z. Another run of this environment is under way: wait for it to end and run again. If that run is known "
        "to be dead (its process is gone and it did not release the lock), delete the object (aws s3 rm s3://b/k) and run again.")


def test_an_endpoint_that_ignores_if_none_match_is_refused_and_leaves_no_lock():
    s3 = FakeS3(honours=False)
    with pytest.raises(LockError, match="ignored the conditional write"):
        acquire(s3, "b", "k", identity(), ClientError)
    assert s3.objects == {}


def test_a_lock_overwritten_under_the_run_is_refused():
    class Overwriting(FakeS3):
        def get_object(self, Bucket, Key):  # pylint: disable=invalid-name
            self.objects[(Bucket, Key)] = json.dumps(identity("run-9", "mallory")).encode()
            return super().get_object(Bucket, Key)

    with pytest.raises(LockError, match="was taken by this run but now holds run run-9"):
        acquire(Overwriting(), "b", "k", identity(), ClientError)


@pytest.mark.parametrize("objects, run_id, released, left", [
    ({("b", "k"): json.dumps(identity()).encode()}, "run-1", True, {}),
    ({("b", "k"): json.dumps(identity("run-2")).encode()}, "run-1", False, {("b", "k"): json.dumps(identity("run-2")).encode()}),
    ({}, "run-1", False, {}),
    ({("b", "k"): b"not json"}, "run-1", False, {("b", "k"): b"not json"}),
])
def test_release_deletes_only_this_runs_lock(objects, run_id, released, left):
    s3 = FakeS3(objects=objects)
    assert release(s3, "b", "k", run_id, ClientError)["released"] is released
    assert s3.objects == left


def test_an_identity_without_its_fields_is_refused_before_any_call():
    s3 = FakeS3()
    with pytest.raises(LockError, match="lacks user, started"):
        acquire(s3, "b", "k", dict(identity(), user="", started=None), ClientError)
    assert s3.calls == []
