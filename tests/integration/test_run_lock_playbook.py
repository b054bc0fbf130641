"""The run lock (issue 17 item 6): deploy.yml -e ecs_iam_lock=s3://bucket/key takes an S3 object created with a
conditional write (If-None-Match: *) before its first IAM write, refuses a second run while it is held naming the
holder (no IAM call), and releases it at the end, after a successful and after a failed run (the callback plugin
beside the playbooks, since a failed play stops ansible-playbook before its last play). Against moto's S3."""

import json

import boto3
import pytest

pytestmark = pytest.mark.integration

BUCKET = "ecs-iam-locks"
KEY = "staging/deploy.lock"
LOCK = f"s3://{BUCKET}/{KEY}"
HOLDER = {"run_id": "0b5e-other-run", "user": "bob", "host": "ci-runner-7", "pid": 4242, "playbook": "playbooks/deploy.yml",
          "inventory": "inventories/staging", "started": "2026-12-05T09:58:00Z"}


@pytest.fixture
def s3(aws):
    client = boto3.client("s3", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": aws.region})
    return client


def lock_object(s3):
    objects = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() if objects else None


def test_a_second_run_while_the_lock_is_held_is_refused_naming_the_holder_before_any_iam_call(playbook, s3, iam):
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(HOLDER).encode())
    run = playbook("deploy.yml", "staging", "--limit", "cerpac", extra_vars={"ecs_iam_lock": LOCK})
    assert run.rc != 0
    flat = " ".join(run.output.split())
    assert (f"ecs_iam_lock: {LOCK} is held by run 0b5e-other-run of playbooks/deploy.yml by bob on ci-runner-7 (pid 4242, inventory "
            "inventories/staging), started 2026-12-05T09:58:00Z. Another run of this environment is under way") in flat
    assert run.calls.without_bucket(BUCKET).actions == []  # not one IAM or STS call
    assert run.calls.bucket_requests(BUCKET) == [("PUT", f"/{BUCKET}/{KEY}"), ("GET", f"/{BUCKET}/{KEY}")]
    assert json.loads(lock_object(s3)) == HOLDER  # the holder's lock untouched
    assert iam.list_roles()["Roles"] == []


def test_the_lock_holds_the_runs_identity_and_is_released_after_a_successful_run(playbook, s3):
    run = playbook("deploy.yml", "staging", "--limit", "cerpac", extra_vars={"ecs_iam_lock": LOCK})
    assert run.rc == 0, run.output
    requests = run.calls.bucket_requests(BUCKET)
    # Created conditionally, the same conditional write refused (the endpoint honours If-None-Match), read back; at the end read, deleted.
    assert requests == [("PUT", f"/{BUCKET}/{KEY}")] * 2 + [("GET", f"/{BUCKET}/{KEY}")] * 2 + [("DELETE", f"/{BUCKET}/{KEY}")]
    first_iam = next(index for index, entry in enumerate(run.calls.entries) if f"/{BUCKET}" not in str(entry.get("url")))
    assert first_iam == 3  # the lock was taken before the first IAM/STS call
    assert "CreateRole" in run.calls.without_bucket(BUCKET).writes
    assert lock_object(s3) is None
    body = next(entry for entry in run.calls.entries if entry.get("method") == "PUT")
    assert set(json.loads(_body(body))) == set(HOLDER)


def _body(entry):
    import base64  # pylint: disable=import-outside-toplevel
    body = entry.get("body") or ""
    return base64.b64decode(body).decode() if entry.get("body_encoded") else body


@pytest.mark.parametrize("limit", [("--limit", "cerpac"), ()], ids=["every-host-of-the-play-fails", "run-once-plan-fails-the-play"])
def test_the_lock_is_released_after_a_failed_run(playbook, s3, iam, limit):
    # A role with the task role's name made by hand: the ownership pass refuses it (not the collection's), the play fails.
    iam.create_role(RoleName="staging-cerpac-ecs-task-role", Path="/elsewhere/", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    run = playbook("deploy.yml", "staging", *limit, extra_vars={"ecs_iam_lock": LOCK})
    assert run.rc != 0
    assert "IAM role staging-cerpac-ecs-task-role exists, but not as a role of this collection" in " ".join(run.output.split())
    assert f"ecs_iam_lock: released {LOCK} (run " in run.output and "after the run ended before its last play" in run.output
    assert lock_object(s3) is None
    assert run.calls.bucket_requests(BUCKET)[-1] == ("DELETE", f"/{BUCKET}/{KEY}")
    # The next run is not refused.
    iam.delete_role(RoleName="staging-cerpac-ecs-task-role")
    assert playbook("deploy.yml", "staging", "--limit", "cerpac", extra_vars={"ecs_iam_lock": LOCK}).rc == 0


def test_check_mode_takes_no_lock_and_says_who_holds_it(playbook, s3):
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(HOLDER).encode())
    run = playbook("deploy.yml", "staging", "--limit", "cerpac", "--check", extra_vars={"ecs_iam_lock": LOCK})
    assert run.rc == 0, run.output
    assert "check mode takes no lock; ecs_iam_lock: " in " ".join(run.output.split())
    assert run.calls.bucket_requests(BUCKET) == [("GET", f"/{BUCKET}/{KEY}")]
    assert json.loads(lock_object(s3)) == HOLDER


def test_an_endpoint_that_ignores_the_conditional_write_is_refused_before_any_iam_call(tmp_path, monkeypatch):
    """Fail closed: against an S3 endpoint that ignores If-None-Match (moto told to drop the header), the run is refused,
    no IAM call is made and no lock is left; the same run against moto as published takes the lock (the control is the
    successful-run test above)."""
    from tests.support.local_aws import LocalAWS  # pylint: disable=import-outside-toplevel
    from tests.support.reliability import ANSIBLE_PLAYBOOK, REPO, playbook_env, run_playbook  # pylint: disable=import-outside-toplevel

    monkeypatch.setenv("MOTO_S3_IGNORE_IF_NONE_MATCH", "true")
    with LocalAWS(log_path=str(tmp_path / "moto.log")) as aws:
        s3 = boto3.client("s3", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": aws.region})
        s3.put_object(Bucket=BUCKET, Key="probe", Body=b"1")
        s3.put_object(Bucket=BUCKET, Key="probe", Body=b"2", IfNoneMatch="*")  # accepted: this endpoint ignores the condition
        s3.delete_object(Bucket=BUCKET, Key="probe")
        with aws.recording() as calls:
            run = run_playbook([ANSIBLE_PLAYBOOK, "-i", str(REPO / "inventories" / "staging"),
                                str(REPO / "playbooks" / "deploy.yml"), "--limit", "cerpac", "-e", f"ecs_iam_lock={LOCK}"], playbook_env(aws))
        assert run.rc != 0
        assert f"ecs_iam_lock: the S3 endpoint ignored the conditional write (If-None-Match: *) on {LOCK}" in " ".join(run.output.split())
        assert calls.without_bucket(BUCKET).actions == []
        assert s3.list_objects_v2(Bucket=BUCKET).get("Contents") is None
