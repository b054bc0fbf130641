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
``parse(arn)``
    a concrete ARN's fields (``partition``, ``service``, ``region``, ``account_id``, ``resource``, ``resource_type``,
    ``resource_id``; amazon.aws's ``parse_aws_arn``), or ``None``; ``partition_of(arn)``, ``account_of(arn)``.
``split_policy_arn(arn)``, ``parse_policy_arn(arn)``
    the six fields of an ARN as a policy writes it (wildcards, ``${aws:username}`` variables), or ``None``.
``*_ARN_RE``
    the formats the inputs' ARNs are checked against (role, policy, AWS managed policy, KMS key, ECR repository).

Every other file of ``plugins/`` builds and reads ARNs through these
(``tests/unit/plugins/module_utils/test_arns.py::test_no_arn_is_parsed_or_built_outside_arns``).
"""

import gzip
import json
import os
import re

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn

try:
    from importlib.util import find_spec

    _BOTOCORE = find_spec("botocore")
except (ImportError, ValueError):  # pragma: no cover - broken environment
    _BOTOCORE = None

REGION_RE = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")
ACCOUNT_RE = re.compile(r"^\d{12}$")
#: Valid ARN partitions (``aws-iso`` and its lettered variants included).
PARTITION_RE = re.compile(r"^aws(-cn|-us-gov|-iso(-[a-z])?|-eusc)?$")
#: A customer managed (account) or AWS managed (``aws``) policy.
POLICY_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[\x21-\x7e]+$")
#: An AWS managed policy: group 1 the partition, group 2 the name with its path (``service-role/...``).
AWS_POLICY_ARN_RE = re.compile(r"^arn:(aws[a-z-]*):iam::aws:policy/(.+)$")
#: A role: group 1 the partition, 2 the account, 3 the path without its leading ``/`` (or ``None``), 5 the name.
ROLE_ARN_RE = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role(/([\x21-\x7e]*/)?)?([\w+=,.@-]{1,64})$")
#: An ECR repository: partition, region, account, name.
ECR_REPOSITORY_ARN_RE = re.compile(r"^arn:(aws[a-z-]*):ecr:([a-z0-9-]+):(\d{12}):repository/(.+)$")
#: A role ARN's name whatever its path or account (CloudTrail's ``userIdentity.sessionContext.sessionIssuer.arn``).
ANY_ROLE_ARN_RE = re.compile(r"^arn:[^:]+:iam::[0-9]*:role/(?:.*/)?(?P<role>[^/]+)$")
#: A KMS key ARN, any key id (``fullmatch``): partition, region, account, key id.
KMS_KEY_ARN_RE = re.compile(r"arn:([a-z-]+):kms:([a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2}):([0-9]{12}):key/(.+)")
#: An assumed role's session (role paths are not in assumed-role ARNs).
ASSUMED_ROLE_ARN_RE = re.compile(r"^arn:[^:]+:sts::[0-9]*:assumed-role/(?P<role>[^/]+)/(?P<session>.+)$")
_WILDCARD_RE = re.compile(r"[*?]")
_VAR_RE = re.compile(r"\$\{([^}]*)\}")
_POLICY_ARN_CACHE = {}

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


def kms_key_arn_re(key_id_pattern):
    """A KMS key's ARN with a key id of ``key_id_pattern``: partition, region, account, key id (groups 1, 2, 4, 5)."""
    return re.compile(r"^arn:(aws[a-z-]*):kms:([a-z]{2,4}(-[a-z]+)+-\d{1,2}):(\d{12}):key/(%s)$" % key_id_pattern)


def parse(text):
    """A concrete ARN's fields as amazon.aws's ``parse_aws_arn`` gives them (``partition``, ``service``, ``region``,
    ``account_id``, ``resource``, ``resource_type``, ``resource_id``), or ``None`` when ``text`` is not one: it must
    start with ``arn:`` (``parse_aws_arn`` alone searches anywhere in a text) and name an ``aws*`` partition."""
    if not isinstance(text, str) or not text.startswith("arn:"):
        return None
    fields = parse_aws_arn(text)
    if fields is None or not text.startswith("arn:%s:%s:" % (fields["partition"], fields["service"])):
        return None
    return fields


def partition_of(text):
    """The partition of a concrete ARN (``aws-cn``), or ``None``."""
    fields = parse(text)
    return fields["partition"] if fields else None


def account_of(text):
    """The account field of a concrete ARN (``123456789012``, ``aws`` for AWS managed policies, ``""``), or ``None``."""
    fields = parse(text)
    return fields["account_id"] if fields else None


def split_policy_arn(text):
    """Split ``text`` on its first five colons outside ``${...}``; a list (may be shorter than 6)."""
    if "${" not in text:
        return text.split(":", 5)
    fields = []
    current = []
    depth = 0
    i = 0
    length = len(text)
    while i < length:
        char = text[i]
        if char == "$" and i + 1 < length and text[i + 1] == "{":
            depth += 1
            current.append("${")
            i += 2
            continue
        if char == "}" and depth:
            depth -= 1
        elif char == ":" and not depth and len(fields) < 5:
            fields.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    fields.append("".join(current))
    return fields


def parse_policy_arn(text):
    """The 6 fields (``arn``, partition, service, region, account, resource) of an ARN as a policy writes it.

    ``None`` when ``text`` is not a syntactically valid ARN: it must start with ``arn:``, have six
    fields, a valid partition (or a wildcard/variable there), a non-empty service and resource.
    """
    if not isinstance(text, str) or not text.startswith("arn:"):
        return None
    cached = _POLICY_ARN_CACHE.get(text)
    if cached is not None:
        return cached or None
    fields = _parse_policy_arn(text)
    _POLICY_ARN_CACHE[text] = fields or False
    return fields


def clear_cache():
    _POLICY_ARN_CACHE.clear()


def _parse_policy_arn(text):
    fields = split_policy_arn(text)
    if len(fields) != 6:
        return None
    partition, service, resource = fields[1], fields[2], fields[5]
    if not service or not resource or not partition:
        return None
    if not PARTITION_RE.match(partition) and not _WILDCARD_RE.search(partition) and "${" not in partition:
        return None
    # Whitespace is only valid inside a policy variable's default value (``${aws:PrincipalTag/team, 'company-wide'}``).
    if any(c.isspace() for c in (_VAR_RE.sub("", text) if "${" in text else text)):
        return None
    return fields
