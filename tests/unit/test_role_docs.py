"""The roles' documentation stays readable: `ansible-doc -t role` of each public role fits in 300 lines, every option
is declared once (on main; the other entry points take main's options), and the options the two ECS roles share
agree and are explained once, in docs/roles.md."""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._role_specs import ROLES

REPO = pathlib.Path(__file__).resolve().parents[2]
MAX_LINES = 300
ECS_ROLES = ("ecs_task_role", "ecs_task_execution_role")


def specs(role):
    return yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]


def ansible_doc_pages():
    """{role: its `ansible-doc -t role` text}, from one ansible-doc run over every public role (not a terminal: 79
    columns, as in a pipe)."""
    command = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    command = command if os.path.exists(command) else shutil.which("ansible-doc")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".collections"), ANSIBLE_NOCOLOR="1")
    run = subprocess.run([command, "-t", "role"] + ["cerpac.ecs_iam." + role for role in ROLES], env=env, cwd=str(REPO),
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    pages = re.split(r"^(?=> ROLE: )", run.stdout, flags=re.MULTILINE)
    return dict((re.match(r"> ROLE: \W*cerpac\.ecs_iam\.(\w+)", page).group(1), page.rstrip("\n")) for page in pages if page.strip())


@pytest.fixture(scope="module")
def pages():
    return ansible_doc_pages()


@pytest.mark.parametrize("role", ROLES)
def test_ansible_doc_of_each_public_role_fits_in_300_lines(role, pages):
    page = pages[role]
    # the whole page: every entry point and every option of main (an error or a truncated page would be short too)
    for entry_point in specs(role):
        assert re.search(r"^ENTRY POINT: \W*%s\W* - " % entry_point, page, flags=re.MULTILINE), entry_point
    for option in specs(role)["main"]["options"]:
        assert re.search(r"^ *[-=] %s  " % option, page, flags=re.MULTILINE), option
    lines = len(page.splitlines())
    assert lines <= MAX_LINES, "ansible-doc -t role cerpac.ecs_iam.%s is %d lines (at most %d): trim the descriptions in " \
                               "meta/argument_specs.yml (details go to the README or docs/)" % (role, lines, MAX_LINES)


@pytest.mark.parametrize("role", ROLES)
def test_every_option_is_declared_once(role):
    """Every entry point takes main's options; another entry point declares only what it adds."""
    entry_points = specs(role)
    main = set(entry_points["main"]["options"])
    for name, entry_point in entry_points.items():
        if name != "main":
            assert not main & set(entry_point.get("options") or {}), "%s/%s repeats main's options" % (role, name)
            assert "options of C(main)" in " ".join(entry_point["description"]), "%s/%s: say that it takes main's options" % (role, name)


def shared_suffixes():
    options = [dict((name[len(role) + 1:], option) for name, option in specs(role)["main"]["options"].items()) for role in ECS_ROLES]
    return options, sorted(set(options[0]) & set(options[1]))


def without_descriptions(option):
    return dict((key, without_descriptions(value) if isinstance(value, dict) else value) for key, value in option.items()
                if key not in ("description", "default", "required"))


def test_the_options_the_ecs_roles_share_take_the_same_values():
    """The same meaning under two prefixes: the same type, elements, choices and suboptions (defaults differ, and so
    does whether the environment is required: the execution role's follow the playbooks' ecs_iam_* variables)."""
    options, shared = shared_suffixes()
    assert len(shared) == 21 and "grants" not in shared and "secrets" not in shared
    differing = [suffix for suffix in shared if without_descriptions(options[0][suffix]) != without_descriptions(options[1][suffix])]
    assert differing == []


def test_docs_roles_explains_every_option_of_the_ecs_roles_once():
    text = (REPO / "docs" / "roles.md").read_text()
    explained = re.findall(r"^\| `(<role>_\w+|ecs_\w+)` \|", text, flags=re.MULTILINE)
    options, shared = shared_suffixes()
    wanted = ["<role>_" + suffix for suffix in shared]
    for role, own in zip(ECS_ROLES, options):
        wanted += [role + "_" + suffix for suffix in sorted(set(own) - set(shared))]
    assert sorted(explained) == sorted(wanted)
