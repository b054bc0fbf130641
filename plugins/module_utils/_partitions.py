# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS partitions: which one a region belongs to, and its DNS suffix (pure data and lookups)."""

import re

# Region prefix -> (partition, DNS suffix of service endpoints and principals), most specific first.
_PARTITIONS = (
    ("us-isob-", "aws-iso-b", "sc2s.sgov.gov"),
    ("us-isof-", "aws-iso-f", "csp.hci.ic.gov"),
    ("eu-isoe-", "aws-iso-e", "cloud.adc-e.uk"),
    ("us-iso-", "aws-iso", "c2s.ic.gov"),
    ("us-gov-", "aws-us-gov", "amazonaws.com"),
    ("cn-", "aws-cn", "amazonaws.com.cn"),
)

REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def partition_for_region(region):
    """The partition of a region name: ``cn-north-1`` -> ``aws-cn``; any other commercial region -> ``aws``."""
    for prefix, partition, dummy in _PARTITIONS:
        if region.startswith(prefix):
            return partition
    return "aws"


def dns_suffix_for_region(region):
    """The DNS suffix of the region's service endpoints (``amazonaws.com``, ``amazonaws.com.cn``, ...)."""
    for prefix, dummy, suffix in _PARTITIONS:
        if region.startswith(prefix):
            return suffix
    return "amazonaws.com"
