"""The leftovers step's filters: thin doors over _leftovers (declared_roles, prune_refusal)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cerpac.ecs_iam.plugins.filter.leftovers import declared_roles
from ansible_collections.cerpac.ecs_iam.plugins.filter.leftovers import ecs_iam_prune_refusal

HOSTVARS = {"cerpac": {"ecs_task_role_outputs": {"role_name": "staging-cerpac-ecs-task-role"}}, "worker": {}}


def test_declared_roles_names_every_hosts_roles_and_the_hosts_without_a_declaration():
    assert declared_roles(HOSTVARS, ["cerpac", "worker"]) == {"names": ["staging-cerpac-ecs-task-role"], "missing": ["worker"]}


@pytest.mark.parametrize("hostvars, hosts", [(HOSTVARS, "cerpac"), (["cerpac"], ["cerpac"])])
def test_declared_roles_refuses_what_is_not_hostvars_and_a_host_list(hostvars, hosts):
    with pytest.raises(AnsibleFilterError, match=r"expected hostvars \| cerpac.ecs_iam.declared_roles\(groups\['ecs_iam'\], ecs_iam_environment\)"):
        declared_roles(hostvars, hosts)


@pytest.mark.parametrize("prune, play, expected", [
    ("", ["cerpac"], ""),
    (True, ["cerpac", "worker"], ""),
    (True, ["cerpac"], "ecs_iam_prune: refused under --limit (or a job slice): the run does not include 1 of the inventory's hosts (worker), "
                       "so it cannot know which roles they declare. Run the whole inventory to prune, without --limit."),
])
def test_prune_refusal(prune, play, expected):
    assert ecs_iam_prune_refusal(prune, play, ["cerpac", "worker"]) == expected
