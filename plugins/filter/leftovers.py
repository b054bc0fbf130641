# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the leftovers step (playbooks/vars/leftovers.yml); documentation in the YAML files beside this one."""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import declared_role_names
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import prune_refusal


def declared_roles(hostvars, hosts, environment=None):
    """The role names every host of ``hosts`` declares (from ``environment``, the fact ecs_iam_environment, when
    given), and the hosts that published none."""
    if not isinstance(hostvars, Mapping) or isinstance(hosts, (str, bytes)):
        raise AnsibleFilterError("declared_roles: expected hostvars | cerpac.ecs_iam.declared_roles(groups['ecs_iam'], ecs_iam_environment)")
    return declared_role_names(list(hosts), hostvars, dict(environment) if isinstance(environment, Mapping) else None)


def ecs_iam_prune_refusal(prune, play_hosts, inventory_hosts, missing=()):
    """Why prune cannot run in this run ("" when it can)."""
    return prune_refusal(bool(prune), list(play_hosts), list(inventory_hosts), list(missing))


class FilterModule:
    def filters(self):
        return {"declared_roles": declared_roles, "prune_refusal": ecs_iam_prune_refusal}
