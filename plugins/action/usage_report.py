# -*- coding: utf-8 -*-

# Copyright (c) 2026, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""cerpac.ecs_iam.usage_report: what each application used, from CloudTrail, on the controller (documentation in
plugins/modules/usage_report.py). The reading is module_utils/_usage_trail.py, the report module_utils/_usage_report.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _usage_report as report_lib
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _usage_trail as trail_lib
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._action_base import ControllerAction
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._action_base import write_atomically

ARGUMENT_SPEC = dict(
    environment=dict(type="str", required=True),
    applications=dict(type="list", elements="dict", required=True),
    trail=dict(type="str"),
    aggregate=dict(type="path"),
    denied=dict(type="list", elements="str", default=[]),
    event_selectors=dict(type="path"),
    window_start=dict(type="str"),
    window_end=dict(type="str"),
    regions=dict(type="list", elements="str"),
    workers=dict(type="int"),
    host_vars_dir=dict(type="path"),
    dest=dict(type="path", required=True),
)


def _host_vars_text(folder, name, variable):
    """The text of the host_vars file that holds ``variable`` for host ``name`` (None when there is none)."""
    if not folder:
        return None
    candidates = [os.path.join(folder, name + suffix) for suffix in (".yml", ".yaml", "")]
    if os.path.isdir(os.path.join(folder, name)):
        inner = os.path.join(folder, name)
        candidates += [os.path.join(inner, entry) for entry in sorted(os.listdir(inner))]
    texts = []
    for path in candidates:
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                texts.append(to_text(handle.read(), errors="surrogate_or_strict"))
    for text in texts:
        if any(line.startswith(variable) for line in text.splitlines()):
            return text
    return texts[0] if texts else None


class ActionModule(ControllerAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def act(self, args, result, task_vars):
        result["changed"] = False
        apps = [{"name": app.get("name"), "roles": [role for role in app.get("roles") or [] if role]} for app in args["applications"]]
        try:
            start, end = trail_lib.window(args["window_start"], args["window_end"])
        except ValueError as error:
            result.update(failed=True, msg=to_text(error))
            return result
        roles = sorted(decl["role_arn"] for app in apps for decl in app["roles"] if decl.get("role_arn") and decl.get("state", "present") == "present")
        selectors = None
        if args["event_selectors"]:
            try:
                with open(args["event_selectors"], "rb") as handle:
                    selectors = json.loads(handle.read())
                if not isinstance(selectors, dict):
                    raise ValueError("not a JSON object")
            except (OSError, ValueError) as error:
                result.update(failed=True, msg="usage_event_selectors=%s cannot be read (%s); give the JSON file `aws cloudtrail "
                                               "get-event-selectors --trail-name NAME` prints" % (args["event_selectors"], to_text(error)))
                return result
        if args["trail"] and args["aggregate"]:
            result.update(failed=True, msg="give usage_trail or usage_aggregate, not both")
            return result
        regions = args["regions"]
        if regions is None or regions == []:
            regions = report_lib.regions_of(apps)
        elif [item.lower() for item in regions] == ["all"]:
            regions = None
        if args["trail"]:
            try:
                aggregate = trail_lib.read_trail(args["trail"], report_lib.accounts_of(apps), roles, start, end, regions=regions,
                                                 workers=args["workers"])
            except (trail_lib.TrailError, ValueError) as error:
                result.update(failed=True, msg="usage_trail=%s: %s" % (args["trail"], to_text(error)))
                return result
        elif args["aggregate"]:
            try:
                with open(args["aggregate"], "rb") as handle:
                    text = to_text(handle.read(), errors="surrogate_or_strict")
            except OSError as error:
                result.update(failed=True, msg="usage_aggregate=%s cannot be read: %s; give the CSV file of the query in docs/usage.md"
                                               % (args["aggregate"], to_text(error)))
                return result
            aggregate, errors = trail_lib.read_aggregate_csv(text, roles, start, end, name=args["aggregate"])
            if errors:
                message = "usage_aggregate=%s: %d line(s) cannot be read:\n%s" % (args["aggregate"], len(errors), "\n".join(errors[:20]))
                result.update(failed=True, errors=errors, msg=message)
                return result
        elif args["denied"]:
            aggregate = trail_lib.new_aggregate()
            aggregate["files"]["skipped"] = {"folders": {}, "files": {}}
        else:
            result.update(failed=True, msg="nothing to read: give -e usage_trail=DIR_OR_S3_URL, -e usage_aggregate=FILE.csv or "
                                           "-e usage_denied='<the AWS error message>'")
            return result

        report = report_lib.usage(args["environment"], apps, aggregate, trail_lib.iso(start), trail_lib.iso(end), selectors=selectors,
                                  denied_messages=args["denied"])
        proposed = report_lib.proposals(report, apps, environment=args["environment"])
        dest = args["dest"]
        files = {os.path.join(dest, "USAGE.md"): report_lib.usage_markdown(report, proposed),
                 os.path.join(dest, "usage.json"): report_lib.usage_json(report)}
        for name, proposal in proposed.items():
            original = _host_vars_text(args["host_vars_dir"], name, "ecs_task_role_grants")
            files[os.path.join(dest, "proposed", "host_vars", name + ".yml")] = report_lib.proposed_host_vars(
                original, "ecs_task_role_grants", proposal["grants"], proposal["widens"] + proposal["notes"])
        result.update(dest=dest, summary=dict((name, entry["summary"]) for name, entry in report["applications"].items()),
                      files_opened=report["files"]["opened"], files_skipped=report["files"]["skipped"],
                      unreadable=report["files"]["errors"], records=dict((key, value) for key, value in report["records"].items() if key != "unmapped"),
                      proposals=sorted(proposed), denied=dict((name, entry["denied"]) for name, entry in report["applications"].items() if entry["denied"]))
        problems = ["%s: the proposal does not pass the gate: %s" % (name, "; ".join(item["problems"])) for name, item in proposed.items() if item["problems"]]
        if self._task.check_mode:
            return result
        try:
            stale = os.path.join(dest, "proposed", "host_vars")
            if os.path.isdir(stale):
                for entry in os.listdir(stale):
                    if entry.endswith(".yml") and os.path.join(stale, entry) not in files:
                        os.unlink(os.path.join(stale, entry))
            for path, text in sorted(files.items()):
                write_atomically(path, text, ".usage-", mode=0o644)
        except OSError as error:
            result.update(failed=True, msg="cannot write the usage report into dest=%r: %s; give a writable folder" % (dest, to_text(error)))
            return result
        if problems:
            result.update(failed=True, msg="\n".join(problems))
        return result
