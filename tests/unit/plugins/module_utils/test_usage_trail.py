# -*- coding: utf-8 -*-

# Copyright (c) 2026, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The CloudTrail reader (module_utils/_usage_trail.py): AWS's layout, what is skipped without being opened (and
counted), the window, organisation trails, attribution to a role's sessions, unreadable files, the CSV aggregate."""

import datetime
import gzip
import json

import pytest

from tests.support import trail as T
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _usage_trail as U

UTC = datetime.timezone.utc
START = datetime.datetime(2026, 11, 1, tzinfo=UTC)
END = datetime.datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)
ACCOUNTS = frozenset(["123456789012"])
REGIONS = {"eu-west-1", "us-east-1"}
TASK = "arn:aws:iam::123456789012:role/ecs/staging/staging-api-ecs-task-role"


@pytest.mark.parametrize("parts, expected", [
    (("AWSLogs", "123456789012", "CloudTrail", "eu-west-1", "2026", "11", "10"),
     {"org": None, "account": "123456789012", "cloudtrail": "CloudTrail", "region": "eu-west-1", "date": ["2026", "11", "10"], "depth": 6}),
    (("logs", "AWSLogs", "o-abcdefghij", "123456789012", "CloudTrail"),
     {"org": "o-abcdefghij", "account": "123456789012", "cloudtrail": "CloudTrail", "region": None, "date": [], "depth": 2}),
    (("AWSLogs",), {"org": None, "account": None, "cloudtrail": None, "region": None, "date": [], "depth": 0}),
    (("exports", "lookup-events.json"), None),
])
def test_layout_of_reads_aws_folders(parts, expected):
    assert U.layout_of(parts) == expected


@pytest.mark.parametrize("parts, reason", [
    (("AWSLogs", "123456789012"), None),
    (("AWSLogs", "999999999999"), "account"),
    (("AWSLogs", "o-abcdefghij"), None),
    (("AWSLogs", "o-abcdefghij", "999999999999"), "account"),
    (("AWSLogs", "o-abcdefghij", "123456789012", "CloudTrail"), None),
    (("AWSLogs", "123456789012", "CloudTrail-Digest"), "not_cloudtrail"),
    (("AWSLogs", "123456789012", "CloudTrail-Insight"), "not_cloudtrail"),
    (("AWSLogs", "123456789012", "CloudTrail", "ap-southeast-2"), "region"),
    (("AWSLogs", "123456789012", "CloudTrail", "us-east-1"), None),
    (("AWSLogs", "123456789012", "CloudTrail", "eu-west-1", "2025"), "window"),
    (("AWSLogs", "123456789012", "CloudTrail", "eu-west-1", "2026", "10"), "window"),
    (("AWSLogs", "123456789012", "CloudTrail", "eu-west-1", "2026", "11"), None),
    (("AWSLogs", "123456789012", "CloudTrail", "eu-west-1", "2026", "12"), None),  # files delivered just after the end
    (("AWSLogs", "123456789012", "CloudTrail", "eu-west-1", "2026", "12", "01"), None),
    (("AWSLogs", "123456789012", "CloudTrail", "eu-west-1", "2026", "12", "02"), "window"),
    (("AWSLogs", "123456789012", "CloudTrail", "eu-west-1", "2026", "10", "31"), "window"),
    (("exports", "anything"), None),
])
def test_skip_folder(parts, reason):
    assert U.skip_folder(parts, ACCOUNTS, REGIONS, START, END) == reason


@pytest.mark.parametrize("name, reason", [
    ("123456789012_CloudTrail_eu-west-1_20261110T0805Z_AbCd.json.gz", None),
    ("123456789012_CloudTrail_eu-west-1_20261031T2355Z_AbCd.json.gz", "window"),  # delivered before the window: its events are too
    ("123456789012_CloudTrail_eu-west-1_20261101T0000Z_AbCd.json.gz", None),
    ("123456789012_CloudTrail_eu-west-1_20261201T0055Z_AbCd.json.gz", None),  # within the delivery margin after the end
    ("123456789012_CloudTrail_eu-west-1_20261201T0200Z_AbCd.json.gz", "window"),
    ("999999999999_CloudTrail_eu-west-1_20261110T0805Z_AbCd.json.gz", "account"),
    ("123456789012_CloudTrail_sa-east-1_20261110T0805Z_AbCd.json.gz", "region"),
    ("something-else.json.gz", None),
    ("lookup-events.JSON", None),
    ("notes.txt", "not_cloudtrail"),
    ("123456789012_CloudTrail_eu-west-1_20261110T0805Z_AbCd.json.gz.tmp", "not_cloudtrail"),
])
def test_skip_file_by_its_name(name, reason):
    assert U.skip_file(("AWSLogs", "123456789012", "CloudTrail", "eu-west-1", "2026", "11", "10", name), ACCOUNTS, None, START, END) \
        == (reason if reason != "region" else None)
    assert U.skip_file((name,), ACCOUNTS, REGIONS, START, END) == reason


@pytest.mark.parametrize("since, until, today, expected", [
    (None, None, datetime.date(2026, 12, 5), ("2026-11-06T00:00:00Z", "2026-12-05T23:59:59Z")),  # 30 whole days
    ("2026-11-01", None, datetime.date(2026, 12, 5), ("2026-11-01T00:00:00Z", "2026-12-05T23:59:59Z")),
    ("2026-11-01", "2026-11-30", None, ("2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z")),
    ("2026-11-01T10:30:00Z", "2026-11-02T00:00:00+01:00", None, ("2026-11-01T10:30:00Z", "2026-11-01T23:00:00Z")),
])
def test_window(since, until, today, expected):
    start, end = U.window(since, until, today=today)
    assert (U.iso(start), U.iso(end)) == expected


@pytest.mark.parametrize("since, until, message", [
    ("last week", None, "usage_since='last week' is not a date"),
    ("2026-12-01", "2026-11-01", "usage_since=2026-12-01T00:00:00Z is after usage_until=2026-11-01T23:59:59Z"),
])
def test_window_refuses(since, until, message):
    with pytest.raises(ValueError) as error:
        U.window(since, until)
    assert message in str(error.value)


@pytest.mark.parametrize("location, expected", [
    ("s3://trail-bucket/org/logs/", ("s3", "trail-bucket", "org/logs/")),
    ("s3://trail-bucket", ("s3", "trail-bucket", "")),
    ("/var/trail", ("dir", "/var/trail", "")),
])
def test_split_location(location, expected):
    assert U.split_location(location) == expected


def test_split_location_refuses_a_bad_bucket():
    with pytest.raises(ValueError, match="'Trail_Bucket' is not an S3 bucket name"):
        U.split_location("s3://Trail_Bucket/x")


def _call(when, role=TASK, name="GetParameter", **extra):
    return T.record(role, "ssm.amazonaws.com", name, when, params={"name": "/staging/api/db"}, **extra)


def _tree(tmp_path):
    """A trail with files to read and files that must never be opened."""
    inside = [_call("2026-11-10T08:01:00Z"), _call("2026-11-10T08:02:00Z", role="arn:aws:iam::123456789012:role/someone-else")]
    files = {
        T.key("2026-11-10T08:05:00Z"): T.log_bytes(inside),
        T.key("2026-11-20T09:05:00Z", org="o-abcdefghij", prefix="org"): T.log_bytes([_call("2026-11-20T09:00:00Z")]),
        T.key("2026-10-10T08:05:00Z"): T.log_bytes([_call("2026-10-10T08:00:00Z")]),        # month outside the window
        T.key("2026-11-10T08:05:00Z", account="999999999999"): T.log_bytes(inside),          # another account
        T.key("2026-11-10T08:05:00Z", account="999999999999", org="o-abcdefghij", prefix="org"): T.log_bytes(inside),
        T.key("2026-11-10T08:05:00Z", region="ap-south-1"): T.log_bytes(inside),             # a region that does not matter
        "AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2026/11/10/digest.json.gz": b"x",
        "AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/11/123456789012_CloudTrail_eu-west-1_20261111T0000Z_Zz.json.gz": b"\x1f\x8bbroken",
        "exports/readme.txt": b"not a trail",                                                # not .json: never opened
        "exports/other.json": b'{"hello": "world"}',
        "exports/lookup-events.json": json.dumps({"Records": [_call("2026-11-12T10:00:00Z", error="AccessDenied")]}).encode(),
    }
    T.write_dir(tmp_path, files)
    return tmp_path


def test_plan_opens_only_the_accounts_regions_and_days_that_matter(tmp_path):
    store = U.open_store(str(_tree(tmp_path)))
    files, skipped = U.plan(store, ACCOUNTS, REGIONS, START, END)
    assert ["/".join(parts) for parts in files] == [
        T.key("2026-11-10T08:05:00Z"),
        "AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/11/123456789012_CloudTrail_eu-west-1_20261111T0000Z_Zz.json.gz",
        "exports/lookup-events.json",
        "exports/other.json",
        T.key("2026-11-20T09:05:00Z", org="o-abcdefghij", prefix="org"),
    ]
    # Folders, not files: the other account (twice), Digest, ap-south-1, October.
    assert skipped == {"folders": {"account": 2, "not_cloudtrail": 1, "region": 1, "window": 1}, "files": {"not_cloudtrail": 1}}


@pytest.mark.parametrize("workers", [1, 2])
def test_read_trail_attributes_records_and_reports_unreadable_files(tmp_path, workers):
    root = _tree(tmp_path)
    result = U.read_trail(str(root), ACCOUNTS, [TASK], START, END, regions=REGIONS, workers=workers)
    assert result["files"]["opened"] == 5
    errors = result["files"]["errors"]
    assert [item["file"] for item in errors] == [
        str(root / "AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/11/123456789012_CloudTrail_eu-west-1_20261111T0000Z_Zz.json.gz"),
        str(root / "exports/other.json"),
    ]
    assert errors[0]["error"].startswith("not a readable gzip file (")
    assert errors[1]["error"] == 'not a CloudTrail log file: no "Records" list at the top'
    assert result["records"] == {"read": 4, "of_applications": 3, "other_principals": 1, "outside_window": 0}
    parameter = "arn:aws:ssm:eu-west-1:123456789012:parameter/staging/api/db"
    assert result["rows"] == {
        (TASK, "ssm.amazonaws.com", "GetParameter", parameter, ""): [2, "2026-11-10T08:01:00Z", "2026-11-20T09:00:00Z"],
        (TASK, "ssm.amazonaws.com", "GetParameter", parameter, "AccessDenied"): [1, "2026-11-12T10:00:00Z", "2026-11-12T10:00:00Z"],
    }
    assert result["seen"] == {"management": True, "data_types": set()}


@pytest.mark.parametrize("issuer, counted", [
    (TASK, True),
    ("arn:aws:iam::123456789012:role/staging-api-ecs-task-role", False),         # same name, another path: another role
    ("arn:aws:iam::123456789012:role/ecs/staging/staging-api-ecs-task-role-2", False),
    (None, False),                                                                 # a service's own call
])
def test_attribution_is_by_the_session_issuer_arn_path_included(issuer, counted):
    aggregate = U.add_records(U.new_aggregate(), [_call("2026-11-10T08:01:00Z", role=issuer)], frozenset([TASK]),
                              "2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z")
    assert (aggregate["records"]["of_applications"], aggregate["records"]["other_principals"]) == ((1, 0) if counted else (0, 1))


def test_records_outside_the_window_are_counted_and_left_out():
    records = [_call("2026-10-31T23:59:59Z"), _call("2026-11-01T00:00:00Z"), _call("2026-11-30T23:59:59Z"), _call("2026-12-01T00:00:00Z")]
    aggregate = U.add_records(U.new_aggregate(), records, frozenset([TASK]), "2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z")
    assert aggregate["records"] == {"read": 2, "of_applications": 2, "other_principals": 0, "outside_window": 2}


def test_a_data_event_records_its_kind():
    record = T.record(TASK, "s3.amazonaws.com", "GetObject", "2026-11-10T08:01:00Z", params={"bucketName": "b-1", "key": "k"}, data=True)
    aggregate = U.add_records(U.new_aggregate(), [record], frozenset([TASK]), "2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z")
    assert aggregate["seen"] == {"management": False, "data_types": {"AWS::S3::Object"}}
    assert list(aggregate["rows"]) == [(TASK, "s3.amazonaws.com", "GetObject", "arn:aws:s3:::b-1 arn:aws:s3:::b-1/k", "")]


@pytest.mark.parametrize("data, error", [
    (gzip.compress(b'{"Records": []}', mtime=0), None),
    (b'{"Records": []}', None),
    (gzip.compress(b'{"Records": []}', mtime=0)[:20], "not a readable gzip file"),
    (b'{"Events": []}', 'not a CloudTrail log file: no "Records" list at the top'),
    (b"[1, 2]", 'not a CloudTrail log file: no "Records" list at the top'),
    (b"\xff\xfe", "not JSON"),
])
def test_parse_log(data, error):
    if error is None:
        assert U.parse_log(data, "f") == []
    else:
        with pytest.raises(ValueError) as raised:
            U.parse_log(data, "f")
        assert str(raised.value).startswith(error)


CSV = """role_arn,event_source,event_name,resource,error_code,count,first,last
{task},s3.amazonaws.com,GetObject,arn:aws:s3:::b-1/k,,12,2026-11-02T10:00:00Z,2026-11-20T10:00:00Z
{task},s3.amazonaws.com,PutObject,arn:aws:s3:::b-1/k,AccessDenied,3,2026-11-03T10:00:00Z,2026-11-04 10:00:00.000
arn:aws:iam::123456789012:role/other,ssm.amazonaws.com,GetParameter,,,5,2026-11-02T10:00:00Z,2026-11-02T10:00:00Z
{task},ssm.amazonaws.com,GetParameter,,,7,2026-09-02T10:00:00Z,2026-09-03T10:00:00Z
""".format(task=TASK)


def test_read_aggregate_csv():
    aggregate, errors = U.read_aggregate_csv(CSV, frozenset([TASK]), START, END)
    assert errors == []
    assert aggregate["rows"] == {
        (TASK, "s3.amazonaws.com", "GetObject", "arn:aws:s3:::b-1/k", ""): [12, "2026-11-02T10:00:00Z", "2026-11-20T10:00:00Z"],
        (TASK, "s3.amazonaws.com", "PutObject", "arn:aws:s3:::b-1/k", "AccessDenied"): [3, "2026-11-03T10:00:00Z", "2026-11-04T10:00:00Z"],
    }
    assert aggregate["records"] == {"read": 20, "of_applications": 15, "other_principals": 5, "outside_window": 7}
    assert aggregate["seen"] == {"management": True, "data_types": {"AWS::S3::Object"}}


@pytest.mark.parametrize("text, error", [
    ("a,b,c\n", "usage_aggregate line 1: 3 columns, expected 8"),
    ("%s,s3.amazonaws.com,GetObject,,,many,2026-11-02T10:00:00Z,2026-11-02T10:00:00Z\n" % TASK, "usage_aggregate line 1: count 'many'"),
])
def test_read_aggregate_csv_names_the_bad_line(text, error):
    _aggregate, errors = U.read_aggregate_csv(text, frozenset([TASK]), START, END)
    assert len(errors) == 1 and errors[0].startswith(error)


def test_distinct_resources_are_bounded(monkeypatch):
    monkeypatch.setattr(U, "MAX_RESOURCES", 2)
    records = [T.record(TASK, "s3.amazonaws.com", "GetObject", "2026-11-10T08:0%d:00Z" % index, params={"bucketName": "b-1", "key": "k%d" % index},
                        resources=[{"ARN": "arn:aws:s3:::b-1/k%d" % index}], data=True) for index in range(5)]
    aggregate = U.add_records(U.new_aggregate(), records, frozenset([TASK]), "2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z")
    other = U.add_records(U.new_aggregate(), records[::-1], frozenset([TASK]), "2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z")
    merged = U.merge(U.merge(U.new_aggregate(), aggregate), other)
    assert aggregate["rows"] == {
        (TASK, "s3.amazonaws.com", "GetObject", "arn:aws:s3:::b-1/k0", ""): [1, "2026-11-10T08:00:00Z", "2026-11-10T08:00:00Z"],
        (TASK, "s3.amazonaws.com", "GetObject", "arn:aws:s3:::b-1/k1", ""): [1, "2026-11-10T08:01:00Z", "2026-11-10T08:01:00Z"],
        (TASK, "s3.amazonaws.com", "GetObject", "", ""): [3, "2026-11-10T08:02:00Z", "2026-11-10T08:04:00Z"],
    }
    assert len(merged["rows"]) == 3 and sum(row[0] for row in merged["rows"].values()) == 10
