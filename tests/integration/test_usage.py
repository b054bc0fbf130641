"""playbooks/usage.yml through ansible-playbook against the local endpoint: a CloudTrail trail in the endpoint's S3, in
AWS's layout, for the staging inventory with three applications (issue 20).

Each status appears exactly where the trail says so; other principals' records are counted and skipped; an
organisation trail's folders are read; files of another account, region or month are never opened (the recorder sees
every GetObject); a corrupt .json.gz and a non-CloudTrail file are reported by name and the rest is read; the
proposals pass deploy.yml --check; a re-run writes the same bytes; the Athena CSV and an error message give the same
answers; and no AWS write at any point (the recorder, with its positive control).
"""

import json
import pathlib
import shutil
import urllib.parse

import boto3
import pytest
import yaml

from tests.support import trail as T

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
BUCKET = "staging-cloudtrail"
ROLE = "arn:aws:iam::123456789012:role/ecs/staging/staging-%s-ecs-%s-role"
CERPAC, WORKER, REPORTS = ROLE % ("cerpac", "task"), ROLE % ("worker", "task"), ROLE % ("reports", "task")
WORKER_EXEC = ROLE % ("worker", "task-execution")
WINDOW = {"usage_since": "2026-11-01", "usage_until": "2026-11-30"}
REPORTS_VARS = {"ecs_task_role_grants": [{"service": "s3", "access": ["read", "list"], "resources": ["staging-reports"]}],
                "ecs_task_role_policies": [{"name": "metrics", "document": {"Version": "2012-10-17", "Statement": [
                    {"Sid": "Queue", "Effect": "Allow", "Action": "sqs:GetQueueAttributes",
                     "Resource": "arn:aws:sqs:eu-west-1:123456789012:staging-reports-jobs"}]}}],
                "ecs_iam_deploy_execution_role": False}


def s3_get(bucket, key):
    return {"bucketName": bucket, "key": key}


def records():
    """What the three applications (and someone else) did in November, as CloudTrail records them."""
    r = T.record
    return [
        # cerpac reads uploads and parameters, reads one table, never touches its secrets; a write to another bucket is refused.
        r(CERPAC, "s3.amazonaws.com", "GetObject", "2026-11-03T10:00:00Z", params=s3_get("staging-cerpac-uploads", "a.txt"), data=True),
        r(CERPAC, "s3.amazonaws.com", "GetObject", "2026-11-04T10:00:00Z", params=s3_get("staging-cerpac-uploads", "b.txt"), data=True),
        r(CERPAC, "ssm.amazonaws.com", "GetParameter", "2026-11-03T10:00:01Z", params={"name": "/staging/cerpac/db"}),
        r(CERPAC, "dynamodb.amazonaws.com", "GetItem", "2026-11-03T10:00:02Z", params={"tableName": "staging-cerpac-sessions"}, data=True),
        r(CERPAC, "s3.amazonaws.com", "PutObject", "2026-11-05T10:00:00Z", params=s3_get("staging-cerpac-reports", "r.csv"), data=True,
          error="AccessDenied"),
        r(CERPAC, "s3.amazonaws.com", "PutObject", "2026-11-06T10:00:00Z", params=s3_get("staging-cerpac-reports", "s.csv"), data=True,
          error="AccessDenied"),
        # worker consumes its queue; its execution role read a start-up secret; a KMS key refuses it (no intent grants KMS).
        r(WORKER, "sqs.amazonaws.com", "ReceiveMessage", "2026-11-03T11:00:00Z",
          params={"queueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/staging-worker-jobs"}, data=True),
        r(WORKER_EXEC, "secretsmanager.amazonaws.com", "GetSecretValue", "2026-11-03T09:00:00Z", params={"secretId": "staging/worker/db"}),
        r(WORKER, "kms.amazonaws.com", "Decrypt", "2026-11-07T11:00:00Z", error="AccessDeniedException",
          resources=[{"ARN": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "accountId": "123456789012",
                      "type": "AWS::KMS::Key"}]),
        # Someone else's calls: counted, skipped.
        r("arn:aws:iam::123456789012:role/admin", "s3.amazonaws.com", "GetObject", "2026-11-03T12:00:00Z",
          params=s3_get("staging-cerpac-uploads", "c.txt"), data=True),
        # A role with cerpac's name under another path is another role.
        r("arn:aws:iam::123456789012:role/staging-cerpac-ecs-task-role", "ssm.amazonaws.com", "GetParameter", "2026-11-03T12:00:00Z",
          params={"name": "/staging/cerpac/db"}),
    ]


def organisation_records():
    """reports' calls, delivered by the organisation trail (AWSLogs/<o-id>/<account>/...)."""
    return [T.record(REPORTS, "s3.amazonaws.com", "GetObject", "2026-11-20T08:00:00Z", params=s3_get("staging-reports", "2026/11.csv"),
                     data=True)]


NEVER_OPENED = {
    T.key("2026-10-20T08:05:00Z"): T.log_bytes(records()),                                      # October: outside the window
    T.key("2026-11-03T10:05:00Z", account="999999999999"): T.log_bytes(records()),               # another account
    T.key("2026-11-03T10:05:00Z", account="999999999999", org="o-a1b2c3d4e5", prefix="org"): T.log_bytes(records()),
    T.key("2026-11-03T10:05:00Z", region="ap-south-1"): T.log_bytes(records()),                   # a region no role is in
    "AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2026/11/03/123456789012_CloudTrail-Digest_eu-west-1_x.json.gz": b"digest",
}
CORRUPT = "AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/08/123456789012_CloudTrail_eu-west-1_20261108T0005Z_Corrupt0.json.gz"
NOT_CLOUDTRAIL = "exports/notes.json"


def trail_files():
    files = {
        T.key("2026-11-07T12:05:00Z"): T.log_bytes(records()),
        T.key("2026-11-20T08:05:00Z", org="o-a1b2c3d4e5", prefix="org"): T.log_bytes(organisation_records()),
        CORRUPT: T.log_bytes(records())[:40],
        NOT_CLOUDTRAIL: json.dumps({"note": "not a trail"}).encode(),
    }
    files.update(NEVER_OPENED)
    return files


@pytest.fixture
def env():
    """The playbook's environment: nothing beyond the harness's own."""
    return {}


@pytest.fixture
def inventory(make_inventory):
    # cerpac's and worker's execution roles keep AWS's managed policy (no repositories, no log groups): its status is read too.
    unscoped = {"ecs_task_execution_role_image_repositories": [], "ecs_task_execution_role_log_groups": []}
    return make_inventory(hosts=["cerpac", "worker", "reports"], host_vars={"reports": REPORTS_VARS, "cerpac": unscoped, "worker": unscoped})


@pytest.fixture
def bucket(aws):
    client = boto3.client("s3", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
    T.write_s3(client, BUCKET, trail_files())
    return "s3://%s/" % BUCKET


def run_usage(playbook, inventory, out, env, **extra):
    return playbook("usage.yml", str(inventory), extra_vars=dict(WINDOW, usage_dir=str(out), **extra), env=env)


def statuses(usage):
    return {app: [(row["role"], row["policy"], row["status"]) for row in entry["grants"]] for app, entry in usage["applications"].items()}


EXPECTED_STATUSES = {
    "cerpac": [
        ("task", "grants-s3", "used"),
        ("task", "grants-ses", "not_observable"),            # SES sending is never in CloudTrail
        ("task", "grants-dynamodb", "used"),
        ("task", "grants-ssm", "used"),
        ("task", "grants-secretsmanager", "unused"),
        ("execution", "ecs-startup-secrets", "unused"),
        ("execution", "ecs-startup-secrets", "unused"),
        ("execution", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", "not_observable"),  # logs:PutLogEvents
    ],
    "reports": [
        ("task", "grants-s3", "used"),
        ("task", "metrics", "unused"),
    ],
    "worker": [
        ("task", "grants-sqs", "used"),
        ("task", "grants-dynamodb", "unused"),               # PutItem is a data event, and the trail holds DynamoDB data events
        ("task", "grants-logs", "not_observable"),
        ("execution", "ecs-startup-secrets", "used"),
        ("execution", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", "not_observable"),
    ],
}


def test_usage_from_the_trail_bucket(playbook, inventory, bucket, tmp_path, env):
    out = tmp_path / "out"
    run = run_usage(playbook, inventory, out, env, usage_trail=bucket)
    assert run.rc == 0, run.output
    assert run.writes == [] and run.calls.unparsed == [], run.calls
    assert all(counts["changed"] == 0 for counts in run.recap.values()), run.recap
    usage = json.loads((out / "staging" / "usage.json").read_text())

    assert statuses(usage) == EXPECTED_STATUSES
    cerpac = usage["applications"]["cerpac"]
    assert cerpac["grants"][0]["actions_seen"] == ["s3:GetObject"]
    assert cerpac["grants"][0]["resources_seen"] == ["arn:aws:s3:::staging-cerpac-uploads/a.txt", "arn:aws:s3:::staging-cerpac-uploads/b.txt"]
    assert (cerpac["grants"][0]["count"], cerpac["grants"][0]["last_seen"]) == (2, "2026-11-04T10:00:00Z")
    assert cerpac["narrower"] == [
        {"role": "task", "policy": "grants-s3",
         "from": {"service": "s3", "access": ["read", "write", "delete"], "resources": ["staging-cerpac-uploads"], "sid": "Uploads"},
         "to": {"service": "s3", "access": ["read"], "resources": ["staging-cerpac-uploads"], "sid": "Uploads"}},
        {"role": "task", "policy": "grants-dynamodb",
         "from": {"service": "dynamodb", "access": ["read", "write"], "resources": ["staging-cerpac-sessions", "staging-cerpac-orders"]},
         "to": {"service": "dynamodb", "access": ["read"], "resources": ["staging-cerpac-sessions"]}},
    ]
    assert [(d["action"], d["resource"], d["count"], d["last_seen"], d["allowed_by_declaration"], d["fix"], d["statement"])
            for d in cerpac["denied"]] == [
        ("s3:PutObject", "arn:aws:s3:::staging-cerpac-reports/r.csv", 1, "2026-11-05T10:00:00Z", False,
         {"service": "s3", "access": ["write"], "resources": ["staging-cerpac-reports"]}, None),
        ("s3:PutObject", "arn:aws:s3:::staging-cerpac-reports/s.csv", 1, "2026-11-06T10:00:00Z", False,
         {"service": "s3", "access": ["write"], "resources": ["staging-cerpac-reports"]}, None),
    ]
    key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert [(d["action"], d["resource"], d["allowed_by_declaration"], d["fix"], d["statement"]) for d in usage["applications"]["worker"]["denied"]] \
        == [("kms:Decrypt", key, False, None, {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key})]
    assert usage["applications"]["reports"]["narrower"] == [
        {"role": "task", "policy": "grants-s3", "from": {"service": "s3", "access": ["read", "list"], "resources": ["staging-reports"]},
         "to": {"service": "s3", "access": ["read"], "resources": ["staging-reports"]}}]

    # 11 records in the account's file, 1 in the organisation's; 10 of the applications (the organisation file's one included).
    assert usage["records"]["read"] == 12 and usage["records"]["of_applications"] == 10 and usage["records"]["other_principals"] == 2
    assert usage["files"]["opened"] == 4
    assert usage["files"]["skipped"] == {"folders": {"account": 2, "not_cloudtrail": 1, "region": 1, "window": 1}, "files": {}}
    assert [(error["file"], error["error"].split(" (")[0]) for error in usage["files"]["errors"]] == [
        ("s3://%s/%s" % (BUCKET, CORRUPT), "not a readable gzip file"),
        ("s3://%s/%s" % (BUCKET, NOT_CLOUDTRAIL), 'not a CloudTrail log file: no "Records" list at the top'),
    ]
    fetched = sorted(urllib.parse.unquote(urllib.parse.urlsplit(entry["url"]).path).split("/", 2)[2]
                     for entry, action in zip(run.calls.entries, run.calls.actions) if action == "GetObject")
    assert fetched == sorted([T.key("2026-11-07T12:05:00Z"), T.key("2026-11-20T08:05:00Z", org="o-a1b2c3d4e5", prefix="org"), CORRUPT,
                              NOT_CLOUDTRAIL])
    assert not set(fetched) & set(NEVER_OPENED)

    page = (out / "staging" / "USAGE.md").read_text()
    assert "**cerpac**: 3 used, 3 unused, 2 not observable; 2 narrower, 2 denied." in page
    assert "**worker**: 2 used, 1 unused, 2 not observable; 0 narrower, 1 denied." in page
    assert "- unreadable: `s3://%s/%s`" % (BUCKET, CORRUPT) in page

    # A re-run writes the same bytes.
    first = {path.relative_to(out): path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()}
    again = run_usage(playbook, inventory, out, env, usage_trail=bucket)
    assert again.rc == 0, again.output
    assert {path.relative_to(out): path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()} == first

    # The proposals: never applied, said when they widen, and deploy.yml --check accepts them.
    proposed = out / "staging" / "proposed" / "host_vars"
    assert sorted(path.name for path in proposed.iterdir()) == ["cerpac.yml", "reports.yml", "worker.yml"]
    cerpac_vars = yaml.safe_load((proposed / "cerpac.yml").read_text())
    assert cerpac_vars["ecs_task_role_grants"] == [
        {"service": "s3", "access": ["read"], "resources": ["staging-cerpac-uploads"], "sid": "Uploads"},
        {"service": "ses", "access": ["send"], "resources": ["cerpac.example.com"]},
        {"service": "dynamodb", "access": ["read"], "resources": ["staging-cerpac-sessions"]},
        {"service": "ssm", "access": ["read"], "resources": ["/staging/cerpac/"]},
        {"service": "s3", "access": ["write"], "resources": ["staging-cerpac-reports"]},
    ]
    assert cerpac_vars["ecs_task_execution_role_secrets"] == ["staging/cerpac/*"]  # the rest of the file is kept
    assert "# usage.yml proposes: WIDENS: adds s3 write on staging-cerpac-reports" in (proposed / "cerpac.yml").read_text()
    assert (inventory / "host_vars" / "cerpac.yml").read_text() != (proposed / "cerpac.yml").read_text()
    for name in ("cerpac", "reports", "worker"):
        shutil.copy(proposed / ("%s.yml" % name), inventory / "host_vars" / ("%s.yml" % name))
    check = playbook("deploy.yml", str(inventory), "--check")
    assert check.rc == 0, check.output
    assert check.writes == [], check.calls


def test_usage_from_the_athena_aggregate(playbook, inventory, tmp_path, env):
    out = tmp_path / "out"
    run = run_usage(playbook, inventory, out, env, usage_aggregate=str(REPO / "tests" / "golden" / "usage" / "aggregate.csv"))
    assert run.rc == 0, run.output
    assert run.writes == [] and run.calls.actions == [], run.calls
    usage = json.loads((out / "staging" / "usage.json").read_text())
    assert statuses(usage)["worker"] == [("task", "grants-sqs", "used"), ("task", "grants-dynamodb", "used"), ("task", "grants-logs", "not_observable"),
                                         ("execution", "ecs-startup-secrets", "unused"),
                                         ("execution", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", "not_observable")]
    assert [(d["action"], d["count"], d["last_seen"], d["fix"]) for d in usage["applications"]["worker"]["denied"]] == [
        ("sqs:SendMessage", 14, "2026-11-21T16:02:00Z", {"service": "sqs", "access": ["send"], "resources": ["staging-worker-results"]})]
    assert usage["records"] == {"read": 1544, "of_applications": 1531, "other_principals": 13, "outside_window": 0, "unmapped": []}


def test_usage_answers_one_error_message_without_a_trail(playbook, inventory, tmp_path, env):
    out = tmp_path / "out"
    message = ("User: arn:aws:sts::123456789012:assumed-role/staging-worker-ecs-task-role/7f3e is not authorized to perform: "
               "sqs:SendMessage on resource: arn:aws:sqs:eu-west-1:123456789012:staging-worker-results because no identity-based "
               "policy allows the sqs:SendMessage action")
    run = run_usage(playbook, inventory, out, env, usage_denied=message)
    assert run.rc == 0, run.output
    assert run.writes == [] and run.calls.actions == [], run.calls
    denied = json.loads((out / "staging" / "usage.json").read_text())["applications"]["worker"]["denied"]
    assert [(d["action"], d["resource"], d["allowed_by_declaration"], d["fix"]) for d in denied] == [
        ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:staging-worker-results", False,
         {"service": "sqs", "access": ["send"], "resources": ["staging-worker-results"]})]


def test_usage_refuses_without_any_input(playbook, inventory, tmp_path, env):
    run = run_usage(playbook, inventory, tmp_path / "out", env)
    assert run.rc != 0
    assert "nothing to read: give -e usage_trail=DIR_OR_S3_URL" in run.output
    assert not (tmp_path / "out").exists()


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """The positive control of this module's `writes == []` checks: through the same `playbook` fixture and moto
    recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES  # pylint: disable=import-outside-toplevel
    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
