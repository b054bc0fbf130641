# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a run of the collection's playbooks and roles sets for itself, told apart from what the inventory says.

Some variables carry what this run already checked or read: each role's published declaration (``<role>_outputs``
with ``__<role>_declared_inputs``), the caller's account (``ecs_iam_caller``), the environment
(``ecs_iam_environment``), the managed policies' findings (``__ecs_iam_owned``) and every other ``__``-prefixed
variable of the collection's prefixes. A later task trusts them instead of checking or reading again, so a value
from anywhere else would stand in for a check: a host_vars file could name another application's role, grant
``*``, or claim the expected account for another account's credentials.

``inventory_vars(inventory, loader, host)``
    what the inventory itself gives ``host`` (its groups' and its own inline vars and group_vars/host_vars files,
    groups in Ansible's order, the host last), without extra vars.
``inventory_layers(inventory, loader, host)``
    ``(shared, own)``: the inventory's shared files' variables of ``host`` (groups, its own line) and its host_vars
    files' (read once; declare_environment derives the host's own names, the overrides below and the run state).
``execution_overrides(shared, own)``
    Ansible's own variables (``ansible_*``) that ``host``'s host_vars files set to another value than the inventory's
    shared files give it (its groups' vars and group_vars, and its own line in the inventory source): what one
    application's file may not say (``_environment.execution_problems``).
``set_outside_the_run(task_vars, host, loader)``
    the run-state variables (``RUN_STATE_NAMES``, ``RUN_STATE_PREFIXES``) that the inventory or ``-e`` sets for
    ``host``: each is refused (declare_role), as no input may be one.
``set_in_this_run(task_vars, host)``
    ``{name: value}`` that this run's tasks set for ``host`` (``set_fact`` and ``register``: ansible-core's
    non-persistent fact cache, which nothing but a task of the run fills), or ``None`` when it cannot be told; a
    published declaration is reused only when it is there (declare_role).
"""

from ansible.errors import AnsibleActionFail
from ansible.errors import AnsibleError
from ansible.inventory.helpers import sort_groups
from ansible.utils.vars import combine_vars
from ansible.vars.plugins import get_vars_from_inventory_sources

RUN_STATE_NAMES = ("ecs_iam_environment", "ecs_iam_caller", "ecs_task_role_outputs", "ecs_task_execution_role_outputs",
                   "ecs_deployer_passrole_outputs", "ecs_iam_access_application")
RUN_STATE_PREFIXES = ("__ecs_iam", "_ecs_iam_internal", "__ecs_task_role_", "__ecs_task_execution_role_", "__ecs_deployer_passrole_")


def is_run_state(name):
    """Whether ``name`` is a variable only a run of the collection sets."""
    return name in RUN_STATE_NAMES or str(name).startswith(RUN_STATE_PREFIXES)


def inventory_layers(inventory, loader, host):
    """``(shared, own)``: what the inventory's shared files give ``host`` (its groups' inline vars and group_vars,
    groups in Ansible's order, then its own line in the inventory source), and what its host_vars files give it (the
    vars plugins' host stage). AnsibleActionFail when the inventory's files cannot be read."""
    sources = getattr(inventory, "_sources", []) or []
    shared = {}
    try:
        for group in sort_groups(host.get_groups()):
            shared = combine_vars(shared, group.get_vars())
            shared = combine_vars(shared, get_vars_from_inventory_sources(loader, sources, [group], "all"))
        shared = combine_vars(shared, host.vars or {})
        own = get_vars_from_inventory_sources(loader, sources, [host], "all")
    except (AnsibleError, OSError, TypeError, ValueError) as e:
        raise AnsibleActionFail("cannot read the inventory variables of %s to check its environment settings: %s" % (host.name, e))
    return shared, own


def inventory_vars(inventory, loader, host):
    """See the module's docstring; AnsibleActionFail when the inventory's files cannot be read."""
    shared, own = inventory_layers(inventory, loader, host)
    return combine_vars(shared, own)


def execution_overrides(shared, own):
    """See the module's docstring, from :func:`inventory_layers`' two layers: sorted names."""
    return sorted(name for name, value in own.items() if str(name).startswith("ansible_") and (name not in shared or shared[name] != value))


def set_outside_the_run(task_vars, host, loader):
    """See the module's docstring: sorted names."""
    hostvars = task_vars.get("hostvars")
    inventory = getattr(hostvars, "_inventory", None)
    variable_manager = getattr(hostvars, "_variable_manager", None)
    names = set(name for name in (getattr(variable_manager, "extra_vars", None) or {}) if is_run_state(name))
    found = inventory.get_host(host) if inventory is not None and host else None
    if found is not None:
        names.update(name for name in inventory_vars(inventory, loader, found) if is_run_state(name))
    return sorted(names)


def set_in_this_run(task_vars, host):
    """See the module's docstring."""
    variable_manager = getattr(task_vars.get("hostvars"), "_variable_manager", None)
    cache = getattr(variable_manager, "_nonpersistent_fact_cache", None)
    if cache is None or not host:
        return None
    return cache.get(host) or {}
