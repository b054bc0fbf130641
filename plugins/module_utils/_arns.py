# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS partitions and ARNs: the one place the collection builds them.

A region's partition (``cn-north-1`` is in ``aws-cn``) and a partition's DNS suffix (``amazonaws.com.cn``,
used in ``kms:ViaService``) come from botocore's own partition data (``botocore/data/partitions.json``, what
botocore's endpoint rules read), offline: botocore is updated whenever AWS adds a partition or a region, so
no table is kept by hand here. The file is read directly (botocore is not imported: that costs 70 ms per process).

``partition_for_region(region)``
    the partition name, or ``None`` when no partition of botocore's data has that region.
``partitions()``
    the partition names botocore knows, in botocore's order.
``dns_suffix(partition)``
    the service endpoint suffix of a partition (``None`` when unknown).
``arn(partition, service, region, account, resource)``
    ``arn:<partition>:<service>:<region>:<account>:<resource>``.
``role_arn(partition, account, path, name)``, ``managed_policy_arn(partition, name, account="aws")``.
``account_of(arn)``
    the account field of an ARN, or ``None`` when the text is not an ARN.
"""

import gzip
import json
import os
import re

try:
    from importlib.util import find_spec

    _BOTOCORE = find_spec("botocore")
except (ImportError, ValueError):  # pragma: no cover - broken environment
    _BOTOCORE = None

REGION_RE = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")
ACCOUNT_RE = re.compile(r"^\d{12}$")

_DATA = None


class PartitionDataError(Exception):
    """botocore (and so its partition data) is not installed."""


def _load():
    global _DATA  # pylint: disable=global-statement
    if _DATA is None:
        if _BOTOCORE is None or not _BOTOCORE.submodule_search_locations:
            raise PartitionDataError("botocore is not installed: it carries AWS's partition data (pip install botocore)")
        base = os.path.join(list(_BOTOCORE.submodule_search_locations)[0], "data", "partitions.json")
        if os.path.exists(base):
            with open(base, "r", encoding="utf-8") as handle:
                raw = json.load(handle)
        else:
            with gzip.open(base + ".gz", "rt", encoding="utf-8") as handle:
                raw = json.load(handle)
        _DATA = [
            {
                "id": item["id"],
                "regions": frozenset(item.get("regions") or ()),
                "regex": re.compile(item["regionRegex"]),
                "dns_suffix": (item.get("outputs") or {}).get("dnsSuffix"),
            }
            for item in raw["partitions"]
        ]
    return _DATA


def partitions():
    """The partition names of botocore's data (``aws``, ``aws-cn``, ``aws-us-gov``, ``aws-iso*``, ``aws-eusc``...)."""
    return [item["id"] for item in _load()]


def partition_for_region(region):
    """The partition of ``region`` as botocore resolves it (known region first, then each partition's pattern)."""
    if not isinstance(region, str) or not REGION_RE.match(region):
        return None
    data = _load()
    for item in data:
        if region in item["regions"]:
            return item["id"]
    for item in data:
        if item["regex"].match(region):
            return item["id"]
    return None


def botocore_version():
    """The installed botocore's version, for messages (``None`` when absent)."""
    try:
        from importlib.metadata import version  # pylint: disable=import-outside-toplevel

        return version("botocore")
    except Exception:  # pylint: disable=broad-except
        return None


def dns_suffix(partition):
    for item in _load():
        if item["id"] == partition:
            return item["dns_suffix"]
    return None


def arn(partition, service, region, account, resource):
    return "arn:%s:%s:%s:%s:%s" % (partition, service, region or "", account or "", resource)


def role_arn(partition, account, path, name):
    """``arn:<partition>:iam::<account>:role<path><name>``; the path starts and ends with ``/``."""
    return arn(partition, "iam", "", account, "role%s%s" % (path or "/", name))


def managed_policy_arn(partition, name, account="aws"):
    """A managed policy's ARN: AWS's own (``service-role/AmazonECSTaskExecutionRolePolicy``) or an account's."""
    return arn(partition, "iam", "", account, "policy/%s" % name)


def account_of(text):
    """The account field of an ARN (``arn:aws:iam::123456789012:user/ci`` -> ``123456789012``, ``aws`` for an AWS managed
    policy), or ``None`` when ``text`` is not an ARN (not ``arn:<partition>:<service>:...`` with six fields)."""
    parts = text.split(":", 5) if isinstance(text, str) else []
    if len(parts) < 6 or parts[0] != "arn" or not parts[1].startswith("aws") or not parts[2]:
        return None
    return parts[4]
