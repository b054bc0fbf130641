# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's own role argument specs, read on the controller by the action plugins.

``role_inputs(role)`` is the set of a role's input names over all its entry points (``meta/argument_specs.yml``):
the one list the unknown-variable check compares with, so that a new input needs no second list.
"""

import os

import yaml

_COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_CACHE = {}


def role_specs(role):
    """The ``argument_specs`` mapping of one of the collection's roles."""
    if role not in _CACHE:
        path = os.path.join(_COLLECTION, "roles", role, "meta", "argument_specs.yml")
        with open(path, "r", encoding="utf-8") as handle:
            _CACHE[role] = yaml.safe_load(handle)["argument_specs"]
    return _CACHE[role]


def role_inputs(role):
    """Every input name of ``role``, whatever the entry point."""
    names = set()
    for entry_point in role_specs(role).values():
        names.update((entry_point.get("options") or {}).keys())
    return sorted(names)
