"""Generate each role's README.md (roles/<role>/README.md) from its meta/argument_specs.yml, the one source.

The README has the role's description, an example from EXAMPLES below, the variable table of `main` and, for each other
entry point, its description and the table of what it adds: every entry point takes main's options, which the specs
declare once, on `main` (plugins/plugin_utils/_role_specs.py validates them for every entry point).
`ansible-doc -t role cerpac.ecs_iam.<role>` shows the same specs. DETAILS links the page that explains a role's options
in depth (docs/roles.md for the two ECS roles, whose shared options it explains once).

    python scripts/gen_role_docs.py           # rewrite
    python scripts/gen_role_docs.py --check   # exit 1 when a role's README.md is out of date
"""

import argparse
import pathlib
import re
import sys

import yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
ROLES = REPO / "roles"
MARKUP = re.compile(r"([CVOIM]|RV)\(([^)]*)\)")

EXAMPLES = {
    "ecs_task_role": """\
```yaml
# inventories/staging: one host per application; group_vars/all/main.yml holds what the environment shares.
- name: Task roles of every application
  hosts: ecs_iam
  gather_facts: false
  roles:
    - role: cerpac.ecs_iam.ecs_task_role
      vars:
        ecs_task_role_env: staging
        ecs_task_role_account_id: "123456789012"
        ecs_task_role_region: eu-west-1
        ecs_task_role_grants:
          - service: s3
            access: [read, write]
            resources: [staging-cerpac-uploads]
  post_tasks:
    - name: Use the outputs
      ansible.builtin.debug:
        msg: "{{ ecs_task_role_outputs.role_arn }} / {{ ecs_task_role_outputs.role_name }}"
```

`playbooks/deploy.yml` runs the `check` entry point for every application first, then `converge`.""",
    "ecs_task_execution_role": """\
```yaml
- name: Task execution roles of every application
  hosts: ecs_iam
  gather_facts: false
  roles:
    - role: cerpac.ecs_iam.ecs_task_execution_role
      vars:
        ecs_task_execution_role_env: staging
        ecs_task_execution_role_account_id: "123456789012"
        ecs_task_execution_role_secrets: [staging/cerpac/*]
        ecs_task_execution_role_parameters: [/cerpac/staging/*]
```

In the collection's playbooks its environment, project, account, region, path and state follow the task role's
(`playbooks/vars/environment.yml` sets the `ecs_iam_*` variables its defaults read).""",
    "ecs_deployer_passrole": """\
```yaml
- name: Let the CI deployer pass the environment's roles to ECS, and nothing else
  hosts: localhost
  gather_facts: false
  roles:
    - role: cerpac.ecs_iam.ecs_deployer_passrole
      vars:
        ecs_deployer_passrole_role_name: ci-deployer
        ecs_deployer_passrole_role_paths: [/ecs/staging/]
        ecs_deployer_passrole_account_id: "123456789012"
        ecs_deployer_passrole_policy_name: staging-ecs-passrole
```""",
    "ecs_iam_internal": """\
Internal use only: each entry point of the collection's `ecs_task_role` and `ecs_task_execution_role` is one import of
it with explicit values (`_ecs_iam_internal_kind: task`, `_ecs_iam_internal_inputs: "{{ _ecs_task_role_inputs }}"`);
its `main` refuses any other caller.""",
}


DETAILS = {
    "ecs_task_role": "Each option in depth, once for the options it shares with `ecs_task_execution_role`: [docs/roles.md](../../docs/roles.md).",
    "ecs_task_execution_role": "Each option in depth, once for the options it shares with `ecs_task_role`: [docs/roles.md](../../docs/roles.md).",
}


def plain(text):
    """Ansible doc markup to Markdown: C(x), V(x), O(x) become `x`."""
    def code(match):
        kind, value = match.groups()
        if kind in ("O", "RV"):  # an option of another plugin: cerpac.ecs_iam.validate_grants#module:exceptions
            value = value.split("#")[-1].split(":")[-1]
        return f"`{value}`"

    return MARKUP.sub(code, text)


def paragraphs(text):
    return [plain(part) for part in (text if isinstance(text, list) else [text])]


def describe(option):
    return " ".join(paragraphs(option.get("description", "")))


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
    if isinstance(value, str) and "{{" in value:  # a template the role's defaults/main.yml computes: shown as written
        return "`" + " ".join(value.split()).replace("|", "\\|") + "`"
    return f"`{yaml.safe_dump(value, default_flow_style=True).strip().removesuffix('...').strip()}`"


def variables(options):
    lines = ["| variable | type | default | description |", "| --- | --- | --- | --- |"]
    for name, option in options.items():
        cell = describe(option).replace("|", "\\|")
        lines.append(f"| `{name}` | {kind(option)} | {default(option)} | {cell} |")
    return lines


def readme(role):
    specs = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    main = specs["main"]
    lines = [f"# cerpac.ecs_iam.{role}", "",
             "<!-- Generated from meta/argument_specs.yml by scripts/gen_role_docs.py: edit the specs, then run it. -->", "",
             f"{plain(main['short_description'])}.", ""]
    for text in paragraphs(main.get("description", [])):
        lines += [f"- {text}"]
    lines += ["", "## Example", "", EXAMPLES[role], "", "## Variables", ""]
    if role in DETAILS:
        lines += [DETAILS[role], ""]
    for entry, spec in specs.items():
        options = spec.get("options") or {}
        lines += [f"### Entry point `{entry}`", ""]
        if entry != "main":
            lines += [f"{plain(spec['short_description'])}. " + " ".join(paragraphs(spec.get("description", []))), ""]
            if options:
                lines += ["Besides the variables of `main`:", ""]
        if options:
            lines += variables(options) + [""]
    return "\n".join(lines).rstrip() + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report whether every role's README.md is up to date")
    args = parser.parse_args()
    stale = []
    for role in sorted(path.name for path in ROLES.iterdir() if (path / "meta" / "argument_specs.yml").exists()):
        path = ROLES / role / "README.md"
        wanted = readme(role)
        if (path.read_text() if path.exists() else None) != wanted:
            stale.append(str(path.relative_to(REPO)))
            if not args.check:
                path.write_text(wanted)
    if args.check and stale:
        sys.exit(f"out of date: {', '.join(stale)}: run python scripts/gen_role_docs.py")
    print(("out of date: " if stale and args.check else "written: " if stale else "up to date: ") + (", ".join(stale) or "every role's README.md"))


if __name__ == "__main__":
    main()
