# -*- coding: utf-8 -*-

# Copyright (c) 2026, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cerpac.ecs_iam.usage_report in-process (tests/unit/plugins/action/conftest.py): bad input named with its variable,
files written from a local trail, nothing written in check mode, stale proposals removed, never a change."""

import json

import pytest

from tests.support import trail as T

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import render_grants

TASK = "arn:aws:iam::123456789012:role/ecs/staging/staging-api-ecs-task-role"
GRANTS = [{"service": "ssm", "access": ["read"], "resources": ["/staging/api/"]},
          {"service": "secretsmanager", "access": ["read"], "resources": ["staging/api/*"]}]


def application():
    trace = []
    policies, errors = render_grants(GRANTS, "aws", "eu-west-1", "123456789012", trace=trace)
    assert errors == []
    return {"name": "api", "roles": [{"role": "ecs_task_role", "role_arn": TASK, "role_name": "staging-api-ecs-task-role", "state": "present",
                                      "account_id": "123456789012", "region": "eu-west-1", "partition": "aws", "source_regions": ["eu-west-1"],
                                      "grants": trace, "inline_policies": policies, "managed_policy_arns": []}]}


@pytest.fixture
def trail(tmp_path):
    records = [T.record(TASK, "ssm.amazonaws.com", "GetParameter", "2026-11-10T08:00:00Z", params={"name": "/staging/api/db"})]
    T.write_dir(tmp_path / "trail", {T.key("2026-11-10T08:05:00Z"): T.log_bytes(records)})
    return str(tmp_path / "trail")


def args(tmp_path, **extra):
    return dict({"environment": "staging", "applications": [application()], "window_start": "2026-11-01", "window_end": "2026-11-30",
                 "dest": str(tmp_path / "out")}, **extra)


@pytest.mark.parametrize("extra, message", [
    ({"window_start": "last week"}, "usage_since='last week' is not a date; give YYYY-MM-DD"),
    ({"window_start": "2026-12-01"}, "usage_since=2026-12-01T00:00:00Z is after usage_until=2026-11-30T23:59:59Z"),
    ({"trail": "/nonexistent/trail"}, "usage_trail=/nonexistent/trail: usage_trail='/nonexistent/trail' does not exist"),
    ({"trail": "s3://Bad_Bucket/x"}, "'Bad_Bucket' is not an S3 bucket name"),
    ({"trail": "/tmp", "aggregate": "/tmp/a.csv"}, "give usage_trail or usage_aggregate, not both"),
    ({"aggregate": "/nonexistent/a.csv"}, "usage_aggregate=/nonexistent/a.csv cannot be read"),
    ({"trail": "/tmp", "event_selectors": "/nonexistent/selectors.json"}, "usage_event_selectors=/nonexistent/selectors.json cannot be read"),
    ({}, "nothing to read: give -e usage_trail=DIR_OR_S3_URL, -e usage_aggregate=FILE.csv or -e usage_denied="),
])
def test_bad_input_is_named(action, tmp_path, extra, message):
    result = action("usage_report", args(tmp_path, **extra))
    assert result["failed"] is True and message in result["msg"], result
    assert not (tmp_path / "out").exists()


def test_a_bad_aggregate_line_is_named(action, tmp_path):
    (tmp_path / "a.csv").write_text("%s,ssm.amazonaws.com,GetParameter,,,ten,2026-11-02T10:00:00Z,2026-11-02T10:00:00Z\n" % TASK)
    result = action("usage_report", args(tmp_path, aggregate=str(tmp_path / "a.csv")))
    assert result["failed"] is True
    assert result["errors"] == ["%s line 1: count 'ten', first '2026-11-02T10:00:00Z' or last '2026-11-02T10:00:00Z' is not a number / time"
                                % (tmp_path / "a.csv")]


def test_writes_the_report_and_the_proposal_and_never_changes(action, tmp_path, trail):
    stale = tmp_path / "out" / "proposed" / "host_vars" / "gone.yml"
    stale.parent.mkdir(parents=True)
    stale.write_text("ecs_task_role_grants: []\n")
    result = action("usage_report", args(tmp_path, trail=trail, workers=1))
    assert result.get("failed") is not True, result
    assert result["changed"] is False
    assert result["summary"] == {"api": {"used": 1, "unused": 1, "not_observable": 0, "narrower": 0, "denied": 0}}
    assert (result["files_opened"], result["proposals"]) == (1, ["api"])
    assert sorted(str(path.relative_to(tmp_path / "out")) for path in (tmp_path / "out").rglob("*") if path.is_file()) == [
        "USAGE.md", "proposed/host_vars/api.yml", "usage.json"]
    assert json.loads((tmp_path / "out" / "usage.json").read_text())["window"] == {"since": "2026-11-01T00:00:00Z", "until": "2026-11-30T23:59:59Z"}


def test_check_mode_writes_nothing(action, tmp_path, trail):
    result = action("usage_report", args(tmp_path, trail=trail, workers=1), check_mode=True)
    assert result.get("failed") is not True and result["summary"]["api"]["used"] == 1, result
    assert not (tmp_path / "out").exists()
