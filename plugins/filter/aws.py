# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters over AWS names; documentation in the YAML files beside this one."""

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import REGION_PATTERN
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import partition_for_region


def aws_partition(region):
    if not isinstance(region, str) or not re.fullmatch(REGION_PATTERN, region):
        raise AnsibleFilterError(f"aws_partition: {region!r} is not an AWS region name such as eu-west-1")
    return partition_for_region(region)


class FilterModule:
    def filters(self):
        return {"aws_partition": aws_partition}
