"""Generate each role's variable table in README.md from its meta/argument_specs.yml (the one source).

Replaces the text between ``<!-- BEGIN ROLE VARIABLES <role> -->`` and ``<!-- END ROLE VARIABLES <role> -->``.

    python scripts/gen_role_docs.py           # rewrite
    python scripts/gen_role_docs.py --check   # exit 1 when README.md is out of date
"""

import argparse
import pathlib
import re
import sys

import yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
README = REPO / "README.md"
MARKUP = re.compile(r"[CVOIM]\(([^)]*)\)")


def plain(text):
    """Ansible doc markup to Markdown: C(x), V(x), O(x) become `x`."""
    return MARKUP.sub(lambda match: f"`{match.group(1).split('#')[-1].split(':')[-1]}`", text)


def describe(option):
    text = option.get("description", "")
    return " ".join(plain(part) for part in (text if isinstance(text, list) else [text]))


def kind(option):
    text = option.get("type", "str")
    if text == "list" and option.get("elements"):
        text = f"list of {option['elements']}"
    if option.get("choices"):
        text += " (" + ", ".join(f"`{choice}`" for choice in option["choices"]) + ")"
    return text


def default(option):
    if option.get("required"):
        return "**required**"
    if "default" not in option:
        return ""
    value = option["default"]
    if isinstance(value, str) and "{{" in value:
        return "computed (see description)"
    return f"`{yaml.safe_dump(value, default_flow_style=True).strip().removesuffix('...').strip()}`"


def table(role):
    specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    lines = []
    main_options = specs.get("main", {}).get("options", {})
    for entry, spec in specs.items():
        options = spec.get("options", {})
        lines.append(f"Entry point `{entry}`: {plain(spec.get('short_description', ''))}.")
        if entry != "main":
            options = {name: option for name, option in options.items() if main_options.get(name) != option}
            lines[-1] += " The same variables as `main`" + (", plus:" if options else ".")
        lines.append("")
        if not options:
            continue
        lines.append("| variable | type | default | description |")
        lines.append("| --- | --- | --- | --- |")
        for name, option in options.items():
            cell = describe(option).replace("|", "\\|")
            lines.append(f"| `{name}` | {kind(option)} | {default(option)} | {cell} |")
        lines.append("")
    return "\n".join(lines)


def render(text):
    for role in sorted(path.name for path in (REPO / "roles").iterdir() if (path / "meta" / "argument_specs.yml").exists()):
        begin, end = f"<!-- BEGIN ROLE VARIABLES {role} -->", f"<!-- END ROLE VARIABLES {role} -->"
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            dummy, tail = rest.split(end, 1)
            text = f"{head}{begin}\n{table(role)}\n{end}{tail}"
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report whether README.md is up to date")
    args = parser.parse_args()
    current = README.read_text()
    wanted = render(current)
    if args.check:
        if wanted != current:
            sys.exit("README.md role variable tables are out of date: run python scripts/gen_role_docs.py")
        print("README.md role variable tables are up to date")
        return
    README.write_text(wanted)


if __name__ == "__main__":
    main()
