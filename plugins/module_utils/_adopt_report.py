# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Adopt, step 4: the review report, for people (``adopt-report.md``) and for tools (``.adopt-report.json``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import format_finding
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import TASK
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_inventory import yaml_text


def _md(text):
    return str(text).replace("|", "\\|")


def _statement_label(item):
    if item["index"] is None:
        return item["policy"]
    return "%s statement %d%s" % (item["policy"], item["index"], " (%s)" % item["sid"] if item["sid"] else "")


def _code_block(text, language=""):
    return "```%s\n%s\n```" % (language, text.rstrip("\n"))


def report_markdown(report, inventory_dir=None):
    """The review report, for people: per role what became intents, what stayed and why, findings, changes."""
    lines = ["# Adopting %s" % report["environment"], ""]
    summary = report["summary"]
    lines += [
        "Account %s, region %s, roles matching `%s` that ECS tasks can assume. Written by `playbooks/adopt.yml`, which only read IAM."
        % (report["account_id"], report["region"], report["name_pattern"]), "",
        "| applications | roles | statements to intents | statements kept verbatim | findings on existing policies "
        "| exceptions a deploy needs | changes on purpose | roles left out |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        "| %d | %d | %d | %d | %d | %d | %d | %d |" % (
            summary["applications"], summary["roles"], summary["statements_to_intents"], summary["statements_verbatim"],
            summary["findings_existing"], summary["exceptions_needed"], summary["changes"], summary["left_out"]), "",
        "## Next steps", "",
        "1. Read the changes the first deploy makes on purpose (below); each role keeps its ARN.",
        "2. Fix or accept (with a reason of yours) every finding listed under *Before deploying*; the deploy gate blocks on them.",
        "3. Commit the inventory, then:", "",
        _code_block("ansible-playbook -i {0} playbooks/deploy.yml --check --diff   # shows exactly the changes below\n"
                    "ansible-playbook -i {0} playbooks/deploy.yml\n"
                    "ansible-playbook -i {0} playbooks/verify.yml".format(inventory_dir or "DIR/%s" % report["environment"]), "sh"), "",
        "## What the first deploy changes on purpose", "",
    ]
    for application in report["applications"]:
        for role in application["roles"]:
            lines.append("- **%s** (`%s`, %s role):" % (application["host"], role["name"], role["kind"]))
            lines += ["  - %s" % _md(change) for change in role["changes"]] or ["  - nothing"]
    lines.append("")
    for application in report["applications"]:
        lines += ["## Application `%s`" % application["host"], "", "Host name %s." % application["why"], ""]
        for role in application["roles"]:
            lines += ["### %s role `%s`" % (role["kind"].capitalize(), role["name"]), "",
                      "- ARN `%s` (kept: the role is updated in place, never recreated)" % role["arn"],
                      "- %s role because %s" % (role["kind"].capitalize(), role["classified"]),
                      "- Carried over: %s" % ("; ".join(role["carried"]) if role["carried"] else "nothing beyond the defaults"), ""]
            if role["moved"]:
                lines += ["**Became intents** (rendering them gives back exactly the permissions of these statements):", ""]
                lines += ["- %s" % _statement_label(item) for item in role["moved"]]
                if role["kind"] == TASK:
                    intents = {"ecs_task_role_grants": role["intents"]}
                else:
                    intents = {"ecs_task_execution_role_" + key: value for key, value in role["intents"].items() if value}
                lines += ["", _code_block(yaml_text([], intents).split("\n", 1)[1], "yaml"), ""]
            elif role["intents_not_used"]:
                lines += ["**No intents**: %s" % _md(role["intents_not_used"]), ""]
            if role["kept"]:
                lines += ["**Kept verbatim**:", ""]
                lines += ["- %s: %s" % (_statement_label(item), _md(item["why"])) for item in role["kept"]]
                lines.append("")
            if role["findings_existing"]:
                lines += ["**Findings on the existing policies** (least-privilege debt, `validate_grants`):", ""]
                lines += ["- %s%s" % ("(accepted) " if finding.get("accepted") else "", _md(format_finding(finding))) for finding in role["findings_existing"]]
                lines.append("")
            if role["before_deploying"]:
                lines += ["**Before deploying**: deploy refuses the role as adopted until this is fixed:", ""]
                lines += ["- %s" % _md(line) for line in role["before_deploying"]]
                lines.append("")
            if role["notes"]:
                lines += ["**Instance profiles**:", ""]
                lines += ["- %s" % _md(line) for line in role["notes"]]
                lines.append("")
            if role["exceptions_needed"]:
                lines += ["**Before deploying**: the deploy gate (`validate_grants`, fail_on error) blocks on these findings of the "
                          "policies as adopted. Fix each (see *Fix*), or accept it in the host's `host_vars` with a reason of yours:", ""]
                lines += ["- %s" % _md(format_finding(finding)) for finding in role["findings_at_deploy"] if finding["severity"] == "error"]
                lines += ["", _code_block(yaml_text([], {role["exceptions_variable"]: role["exceptions_needed"]}).split("\n", 1)[1], "yaml"), ""]
            lines += ["**Exact differences** `deploy.yml --check --diff` reports for this role (none after the first deploy):", "",
                      _code_block("\n".join(role["expected_differences"]) or "(none)"), ""]
    if report["left_out"] or report["other_roles"]:
        lines += ["## Left out", ""]
        lines += ["- `%s`: %s" % (item["name"], _md(item["reason"])) for item in report["left_out"]]
        lines += ["- `%s`: ECS tasks cannot assume it" % name for name in report["other_roles"]]
        lines.append("")
    lines += ["The JSON twin of this report is `.adopt-report.json` in the same folder (hidden, so that Ansible does not read it as an inventory).", ""]
    return "\n".join(lines)


def report_json(report):
    return json.dumps(report, indent=2, sort_keys=True, default=list) + "\n"
