# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's own role argument specs, read on the controller by the action plugins.

Every entry point of the collection's roles takes the options of ``main``: ``meta/argument_specs.yml`` declares
them once, on ``main``, and another entry point lists only the options it adds (``render``: the folder), so that
``ansible-doc -t role`` shows each option once. ``entry_point_options(role, entry_point)`` is what an entry point
takes; ``spec_errors(role, values)`` validates values against ``main``'s options as ansible-core validates an entry
point's own options (the same ``ArgumentSpecValidator``, the same messages), which ``declare_role`` runs for every
entry point, so that every option is validated wherever the role is entered.
``role_inputs(role)`` is the set of a role's input names over all its entry points: the one list the
unknown-variable check compares with, so that a new input needs no second list.
``owned_variables()`` maps every variable prefix the collection owns to the names it knows under it.
"""

import copy
import os

import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

_COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_CACHE = {}


def role_specs(role):
    """The ``argument_specs`` mapping of one of the collection's roles."""
    if role not in _CACHE:
        path = os.path.join(_COLLECTION, "roles", role, "meta", "argument_specs.yml")
        with open(path, "r", encoding="utf-8") as handle:
            _CACHE[role] = yaml.safe_load(handle)["argument_specs"]
    return _CACHE[role]


def entry_point_options(role, entry_point="main"):
    """The options ``entry_point`` of ``role`` takes: ``main``'s, plus those it declares itself."""
    specs = role_specs(role)
    options = dict(specs["main"].get("options") or {})
    if entry_point != "main":
        options.update(specs[entry_point].get("options") or {})
    return options


def _validation_spec(options):
    """``options`` without their ``default``: the role's defaults/main.yml gives every value, and a documented default
    such as ``{{ [ecs_task_role_region] }}`` is a template, not a value to type-check."""
    spec = {}
    for name, option in options.items():
        option = dict((key, copy.deepcopy(value)) for key, value in option.items() if key != "default")
        if option.get("options"):
            option["options"] = _validation_spec(option["options"])
        spec[name] = option
    return spec


def spec_errors(role, values):
    """The messages of ansible-core's ``ArgumentSpecValidator`` for ``values`` (``{input name: value}``, templated)
    against ``main``'s options of ``role``; ``[]`` when they conform. Names that are not options are left out (the
    unknown-variable check of declare_role reports them), and so are ``None`` values (an input the inventory left
    undefined), as ansible-core leaves out an undefined variable."""
    if ("validator", role) not in _CACHE:
        _CACHE[("validator", role)] = ArgumentSpecValidator(_validation_spec(entry_point_options(role)))
    validator = _CACHE[("validator", role)]
    given = dict((name, value) for name, value in values.items() if name in validator.argument_spec and value is not None)
    return list(validator.validate(given).error_messages)


def role_inputs(role):
    """Every input name of ``role``, whatever the entry point."""
    names = set()
    for entry_point in role_specs(role):
        names.update(entry_point_options(role, entry_point))
    return sorted(names)


#: The playbooks' own ``ecs_iam_*`` variables beyond playbooks/vars/environment.yml (play variables and facts).
PLAYBOOK_VARIABLES = ("ecs_iam_deploy_execution_role", "ecs_iam_render_root", "ecs_iam_access_application", "ecs_iam_passrole_differences",
                      # the pace of role_plan's reads (its requests_per_second), when the inventory or -e sets it
                      "ecs_iam_requests_per_second",
                      # facts and play variables of the playbooks (playbooks/tasks/environment.yml, render.yml, usage.yml)
                      "ecs_iam_environment", "ecs_iam_caller", "ecs_iam_render", "ecs_iam_usage_application", "ecs_iam_usage_root")
ROLES = ("ecs_task_role", "ecs_task_execution_role", "ecs_deployer_passrole")


def owned_variables():
    """``{prefix: [names]}``: each public role's inputs and published outputs, and the playbooks' ``ecs_iam_*``
    variables (every file of playbooks/vars/ and :data:`PLAYBOOK_VARIABLES`). A variable under one of these prefixes
    that is not listed is a typo the roles would silently ignore."""
    if "owned" not in _CACHE:
        owned = dict((role + "_", role_inputs(role) + [role + "_outputs"]) for role in ROLES)
        names = set(PLAYBOOK_VARIABLES)
        folder = os.path.join(_COLLECTION, "playbooks", "vars")
        for file_name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if file_name.endswith((".yml", ".yaml")):
                with open(os.path.join(folder, file_name), "r", encoding="utf-8") as handle:
                    names.update(name for name in (yaml.safe_load(handle) or {}) if name.startswith("ecs_iam_"))
        owned["ecs_iam_"] = sorted(names)
        _CACHE["owned"] = owned
    return _CACHE["owned"]
