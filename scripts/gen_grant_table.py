# -*- coding: utf-8 -*-

# Copyright (c) 2025, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Generate the grants table (README.md) and reference (docs/grants.md) from the grants catalogue.

Only the text between the markers is replaced:

* ``<!-- BEGIN GRANTS TABLE -->`` / ``<!-- END GRANTS TABLE -->`` in README.md and docs/grants.md: one row per
  service and access level (actions, ARN shapes, what ``resources`` names);
* ``<!-- BEGIN GRANTS REFERENCE -->`` / ``<!-- END GRANTS REFERENCE -->`` in docs/grants.md: every service in full.

A file without a pair of markers is left alone (README.md gets its markers from its owner). Usage:

    python scripts/gen_grant_table.py           # rewrite the generated parts
    python scripts/gen_grant_table.py --check   # exit 1 when a generated part is out of date
"""

import argparse
import importlib.util
import json
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
CATALOGUE_FILE = REPO / "plugins" / "module_utils" / "_grant_catalogue.py"
TARGETS = {
    "table": ("<!-- BEGIN GRANTS TABLE -->", "<!-- END GRANTS TABLE -->"),
    "reference": ("<!-- BEGIN GRANTS REFERENCE -->", "<!-- END GRANTS REFERENCE -->"),
}
FILES = (("README.md", ("table",)), ("docs/grants.md", ("table", "reference")))
PLACEHOLDERS = {"partition": "<partition>", "region": "<region>", "account": "<account>"}


def load_catalogue(path=CATALOGUE_FILE):
    """The catalogue module, loaded from its file (it imports nothing, so no collection path is needed)."""
    spec = importlib.util.spec_from_file_location("_grant_catalogue", str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def arn_shapes(service_spec, template):
    """ARN shapes of one template: one per name form, placeholders shown as <partition>, <name>, ..."""
    resources = service_spec["resources"]
    forms = [resources["arn_name"].format(name="<name>")]
    if resources.get("name_prefix"):
        forms.append(resources["name_prefix"]["arn_name"].format(name="<prefix>"))
    values = dict(PLACEHOLDERS)
    for option in service_spec.get("options", {}):
        values[option] = "<%s>" % option
    return [template.format(resource=form, name=form, **values) for form in forms] if "{resource}" in template \
        else [template.format(**values)]


def option_of(service_spec, shape):
    """The option whose ``extra_resources`` give ``shape``, or ``None``."""
    for option, option_spec in sorted(service_spec.get("options", {}).items()):
        if any(arn_shapes(service_spec, template)[0] == shape for template in option_spec.get("extra_resources", [])):
            return option
    return None


def code(text):
    return "`%s`" % text.replace("|", "\\|")


def render_table(catalogue):
    lines = [
        "| service | access | actions | ARN shapes | `resources` are |",
        "| --- | --- | --- | --- | --- |",
    ]
    for service, spec in catalogue.CATALOGUE.items():
        for level, level_spec in spec["access"].items():
            actions, shapes = [], []
            for statement in level_spec["statements"]:
                for action in statement["actions"]:
                    if action not in actions:
                        actions.append(action)
                for template in statement["resources"]:
                    for shape in arn_shapes(spec, template):
                        if shape not in shapes:
                            shapes.append(shape)
            for option_spec in spec.get("options", {}).values():
                for template in option_spec.get("extra_resources", []):
                    shapes.append(arn_shapes(spec, template)[0])
            if spec.get("kms_via") and level_spec.get("kms_actions"):
                actions.append("with `kms_key`: " + ", ".join(code(action) for action in level_spec["kms_actions"]))
            what = spec["resources"]["what"]
            if spec.get("options"):
                what += " (+ optional %s)" % ", ".join(code(option) for option in sorted(spec["options"]))
            lines.append("| %s | %s | %s | %s | %s |" % (
                service, level,
                ", ".join(item if item.startswith("with ") else code(item) for item in actions),
                "<br>".join(code(shape) + (" (with `%s`)" % option_of(spec, shape) if option_of(spec, shape) else "") for shape in shapes),
                what.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;"),
            ))
    return "\n".join(lines) + "\n"


def render_reference(catalogue):
    out = []
    for service, spec in catalogue.CATALOGUE.items():
        resources = spec["resources"]
        out.append("### %s (`%s`)\n" % (spec["title"], service))
        out.append("- `resources`: %s. Rule: %s. Example: `%s`." % (resources["what"], resources["allowed"], resources["example"]))
        if resources.get("strip"):
            out.append("- `%s` is stripped from both ends of each name before use." % resources["strip"])
        for option, option_spec in sorted(spec.get("options", {}).items()):
            out.append("- `%s` (optional): %s. Rule: %s. Example: `%s`."
                       % (option, option_spec["what"], option_spec["allowed"], option_spec["example"]))
        if spec.get("kms_via"):
            out.append("- `kms_key` (optional): %s; adds the KMS actions below on that key, with"
                       " `kms:ViaService = %s.<region>.<dns suffix>`." % (catalogue.KMS_KEY["what"], spec["kms_via"]))
        regional = any("{region}" in t for level in spec["access"].values() for s in level["statements"] for t in s["resources"])
        accounted = any("{account}" in t for level in spec["access"].values() for s in level["statements"] for t in s["resources"])
        scope = []
        if not regional:
            scope.append("no region")
        if not accounted:
            scope.append("no account")
        if scope:
            out.append("- ARNs carry %s: `region`/`account_id` overrides are refused%s." % (
                " and ".join(scope), " unless `kms_key` is given" if spec.get("kms_via") else ""))
        out.append("")
        for level, level_spec in spec["access"].items():
            out.append("**%s**: %s. %s\n" % (level, level_spec["summary"], level_spec["why"]))
            for statement in level_spec["statements"]:
                shapes = []
                for template in statement["resources"]:
                    shapes.extend(arn_shapes(spec, template))
                note = " (one statement per policy)" if statement.get("shared") else ""
                out.append("- %s on %s%s" % (", ".join(code(a) for a in statement["actions"]), ", ".join(code(s) for s in shapes), note))
                for option, condition in sorted(statement.get("condition_if", {}).items()):
                    out.append("  - with `%s`: condition `%s`" % (option, json.dumps(condition, sort_keys=True).replace("{%s}" % option, "<%s>" % option)))
            if spec.get("kms_via") and level_spec.get("kms_actions"):
                out.append("- with `kms_key`: %s on the key" % ", ".join(code(a) for a in level_spec["kms_actions"]))
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def replace_between(text, begin, end, body):
    """``text`` with the part between the markers replaced by ``body``; ``None`` when the markers are missing."""
    start = text.find(begin)
    stop = text.find(end, start + len(begin)) if start >= 0 else -1
    if start < 0 or stop < 0:
        return None
    return text[:start + len(begin)] + "\n" + body + text[stop:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a generated part is out of date, write nothing")
    parser.add_argument("--root", default=str(REPO), help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    root = pathlib.Path(args.root)
    catalogue = load_catalogue()
    bodies = {"table": render_table(catalogue), "reference": render_reference(catalogue)}
    stale = []
    for relative, parts in FILES:
        path = root / relative
        if not path.exists():
            print("gen_grant_table: %s missing, skipped" % relative, file=sys.stderr)
            continue
        text = original = path.read_text(encoding="utf-8")
        for part in parts:
            replaced = replace_between(text, TARGETS[part][0], TARGETS[part][1], bodies[part])
            if replaced is None:
                print("gen_grant_table: %s has no %s markers, skipped" % (relative, part), file=sys.stderr)
                continue
            text = replaced
        if text != original:
            stale.append(relative)
            if not args.check:
                path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("gen_grant_table: out of date: %s; run python scripts/gen_grant_table.py" % ", ".join(stale), file=sys.stderr)
        return 1
    for relative in stale:
        print("gen_grant_table: updated %s" % relative)
    return 0


if __name__ == "__main__":
    sys.exit(main())
