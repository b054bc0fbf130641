# -*- coding: utf-8 -*-

# Copyright (c) 2026, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The work is done on the controller by the action plugin plugins/action/usage_report.py; this file documents it.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: usage_report
short_description: Report which declared grants each application used, from CloudTrail, and the grants that fix denied calls
version_added: 0.2.0
description:
  - Reads CloudTrail log files as AWS delivers them (a local folder, or C(s3://bucket/prefix) with the normal
    credential chain, read-only) or the per-role aggregate of the Athena query in docs/usage.md, and writes
    C(USAGE.md), C(usage.json) and C(proposed/host_vars/<app>.yml) into O(dest).
  - Only the folders of the environment's accounts, the regions that matter and the time window are listed and read;
    files are read by a pool of processes, one file at a time each, so memory does not grow with the trail.
  - A record belongs to an application when its C(userIdentity.sessionContext.sessionIssuer.arn) is the ARN of the
    application's task role or task execution role (path included); other records are counted and skipped.
  - Each grant (each intent, each statement of another inline policy, each managed policy) is C(used), C(unused), or
    C(not_observable) when some of its actions are events this trail does not record (data events without data event
    logging, actions CloudTrail never logs, a managed policy whose document is not known); a grant is never called
    unused when the trail could not have seen it.
  - Narrower intents (fewer access levels or resources used than granted) and the smallest intent that allows each
    denied call are proposed as files, never applied; every proposed grant list is rendered and passes the gate.
  - Runs on the controller; the only AWS calls are S3 ListObjectsV2 and GetObject when O(trail) is an S3 URL.
author:
  - cerpac platform engineering (@cerpac)
options:
  environment:
    description: The environment's name, for example V(staging).
    type: str
    required: true
  applications:
    description:
      - One entry per application, C(name) (the host) and C(roles) (the published declarations, C(ecs_task_role_outputs)
        and C(ecs_task_execution_role_outputs)).
    type: list
    elements: dict
    required: true
  trail:
    description: A folder of CloudTrail files (or one file), or C(s3://bucket/prefix).
    type: str
  aggregate:
    description:
      - A CSV file with the columns C(role_arn, event_source, event_name, resource, error_code, count, first, last)
        (the Athena or CloudTrail Lake query of docs/usage.md), read instead of a trail.
    type: path
  denied:
    description: AWS access-denied error messages to answer without a trail.
    type: list
    elements: str
    default: []
  event_selectors:
    description:
      - The JSON C(aws cloudtrail get-event-selectors) prints for the trail (basic or advanced selectors); it says which
        events the trail records, instead of inferring it from the records.
    type: path
  window_start:
    description: Start of the window (V(2026-11-01) or an ISO time); default 30 days before O(window_end).
    type: str
  window_end:
    description: End of the window; default the end of today (UTC), so two runs on one day give the same output.
    type: str
  regions:
    description:
      - The regions whose folders are read; default every role's region and source regions, the regions grants name,
        and V(us-east-1). V(all) reads every region.
    type: list
    elements: str
  workers:
    description: How many processes read files; default the machine's cores.
    type: int
  host_vars_dir:
    description: The inventory's C(host_vars) folder; the proposals keep everything of those files but the grants.
    type: path
  dest:
    description: The folder to write into, for example C(rendered/staging).
    type: path
    required: true
attributes:
  check_mode:
    support: full
    description: Reads and reports, writes no file.
  diff_mode:
    support: none
    description: The files are not diffed; C(diff -u) the proposals against the inventory instead.
  idempotent:
    support: full
    description: The same trail and window give byte-identical files; the task never reports a change.
seealso:
  - module: cerpac.ecs_iam.validate_grants
"""

EXAMPLES = r"""
- name: Report what every application used from the trail bucket
  cerpac.ecs_iam.usage_report:
    environment: staging
    applications: "{{ ansible_play_hosts | map('extract', hostvars, 'ecs_iam_usage_application') | list }}"
    trail: s3://org-trail-bucket/cloudtrail
    window_start: "2026-11-01"
    host_vars_dir: "{{ inventory_dir }}/host_vars"
    dest: "{{ playbook_dir }}/../rendered/staging"
  run_once: true
"""

RETURN = r"""
dest:
  description: The folder written into.
  returned: always
  type: str
summary:
  description: Per application, the number of grants used, unused and not observable, and of narrower intents and denied calls.
  returned: success
  type: dict
  sample: {"worker": {"used": 1, "unused": 1, "not_observable": 1, "narrower": 0, "denied": 1}}
files_opened:
  description: How many trail files were opened.
  returned: success
  type: int
files_skipped:
  description: Folders and files not opened, by reason (account, not_cloudtrail, region, window).
  returned: success
  type: dict
unreadable:
  description: Files that could not be read (C(file), C(error)); the others were read.
  returned: success
  type: list
  elements: dict
records:
  description: Records read, of the applications, of other principals, outside the window.
  returned: success
  type: dict
proposals:
  description: The applications with a proposed host_vars file.
  returned: success
  type: list
  elements: str
denied:
  description: Per application, the denied calls with their fix.
  returned: success
  type: dict
"""
