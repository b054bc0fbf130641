# -*- coding: utf-8 -*-

# Copyright (c) 2025, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Grants by intent: validate what an application does with which resource, render the narrowest IAM policies.

Pure functions over plain data; nothing here calls AWS or an ``AnsibleModule``. What each service and access
level means lives in ``_grant_catalogue.py`` (data); this module reads it without per-service branches.

``render_grants(grants, partition, region, account_id)`` returns ``(policies, errors)``:

* ``policies``: ``[{"name": "grants-<service>", "document": {...}}]``, one inline policy per service, in
  catalogue order, statements in grant order with stable Sids, empty when there are errors;
* ``errors``: ``[{"grant", "service", "field", "value", "message", "allowed"}]``; ``grant`` is the grant's
  index (``None`` for role-level problems), ``allowed`` a list of what would have been accepted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import difflib
import json
import re

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import (
    ACCOUNT_PATTERN,
    CATALOGUE,
    KMS_KEY,
    REGION_PATTERN,
    ROLE_INLINE_POLICY_QUOTA,
    SID_PATTERN,
)

POLICY_VERSION = "2012-10-17"
POLICY_NAME_PREFIX = "grants-"
BASE_KEYS = ("service", "access", "resources", "region", "account_id", "sid")
PREFIX_SUFFIX = "/*"


def partition_for_region(region):
    """Return the AWS partition of ``region`` (``cn-north-1`` -> ``aws-cn``) from botocore's data, or ``None``."""
    return _arns.partition_for_region(region)


def policy_size(document):
    """IAM's measure of a policy: its JSON text without whitespace."""
    return sum(1 for char in json.dumps(document, separators=(",", ":")) if not char.isspace())


def allowed_keys(service):
    """Keys a grant for ``service`` accepts, in documentation order."""
    spec = CATALOGUE[service]
    keys = list(BASE_KEYS) + sorted(spec.get("options", {}))
    if spec.get("kms_via"):
        keys.append("kms_key")
    return keys


def _camel(text):
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _full(pattern, value):
    return isinstance(value, str) and re.fullmatch(pattern, value) is not None


def _fill(template, values):
    """Fill ``{placeholder}`` fields of a template: a string, or lists and dicts of them."""
    if isinstance(template, str):
        return template.format(**values)
    if isinstance(template, list):
        return [_fill(item, values) for item in template]
    if isinstance(template, dict):
        return dict((_fill(key, values), _fill(item, values)) for key, item in template.items())
    return template


def _templates(service):
    spec = CATALOGUE[service]
    templates = []
    for access in spec["access"].values():
        for statement in access["statements"]:
            templates.extend(statement["resources"])
    for option in spec.get("options", {}).values():
        templates.extend(option.get("extra_resources", []))
    return templates


def _uses(service, placeholder):
    return any("{%s}" % placeholder in template for template in _templates(service))


class _Errors(object):
    """Collects error dicts with messages that name the grant, the field, the value and what is allowed."""

    def __init__(self):
        self.items = []

    def add(self, index, service, field, value, problem, allowed, item=None, near_of=None):
        """``item``: the position in a list field (``resources[1]``); ``near_of``: the names to say "did you mean" from."""
        if index is None:
            where = field
        else:
            where = "grants[%d] (%s): %s" % (index, service or "?", field)
        allowed = list(allowed) if isinstance(allowed, (list, tuple)) else [allowed]
        near = did_you_mean(value, near_of) if near_of is not None else None
        message = "%s: %r %s; allowed: %s" % (where, value, problem if not near else "%s (did you mean %s?)" % (problem, near),
                                              ", ".join(str(entry) for entry in allowed))
        self.items.append({
            "grant": index,
            "service": service,
            "field": field,
            # The path under the grants variable: grants[0].service, grants[2].resources[1].
            "path": field if index is None else "[%d].%s%s" % (index, field, "" if item is None else "[%d]" % item),
            "problem": problem,
            "near": near,
            "value": value,
            "message": message,
            "allowed": allowed,
        })


def did_you_mean(value, names):
    """The nearest of ``names`` to ``value`` (a typo of it), or ``None``."""
    if not isinstance(value, str):
        return None
    near = difflib.get_close_matches(value, [str(name) for name in names], n=1, cutoff=0.75)
    return near[0] if near and near[0] != value else None


def _as_list(value):
    if isinstance(value, str):
        return [value]
    return value


def _check_name(errors, index, service, value, item=None):
    """Validate one entry of ``resources`` (at position ``item``); return ``(name, is_prefix)`` or ``None``."""
    spec = CATALOGUE[service]["resources"]
    allowed = spec["allowed"]
    if not isinstance(value, str) or not value:
        errors.add(index, service, "resources", value, "is not a non-empty string (quote it)" if value is not None and not isinstance(value, (dict, list))
                   else "is not a non-empty string", allowed, item=item)
        return None
    if value.lower().startswith("arn:"):
        errors.add(index, service, "resources", value, "is an ARN; give the name, the ARN is built from it", allowed, item=item)
        return None
    is_prefix = False
    name = value
    if spec.get("name_prefix") and value.endswith(PREFIX_SUFFIX):
        is_prefix = True
        name = value[:-len(PREFIX_SUFFIX)]
    if "*" in name or "?" in name:
        errors.add(index, service, "resources", value, "contains a wildcard where a name is expected", allowed, item=item)
        return None
    if spec.get("strip"):
        name = name.strip(spec["strip"])
    if not name or not _full(spec["pattern"], name):
        errors.add(index, service, "resources", value, "is not a valid name", allowed, item=item)
        return None
    return name, is_prefix


def _check_kms_key(errors, index, service, value, partition, region, account):
    """Validate ``kms_key``; return the key ARN or ``None``."""
    allowed = KMS_KEY["allowed"]
    if not isinstance(value, str):
        errors.add(index, service, "kms_key", value, "is not a string", allowed)
        return None
    if _full(KMS_KEY["key_id_pattern"], value):
        return KMS_KEY["key_arn_template"].format(partition=partition, region=region, account=account, key_id=value)
    arn = _arns.KMS_KEY_ARN_RE.fullmatch(value)
    if arn and _full(KMS_KEY["key_id_pattern"], arn.group(4)):
        if arn.group(1) != partition:
            errors.add(index, service, "kms_key", value, "is in partition %s, the role is in %s" % (arn.group(1), partition), allowed)
            return None
        return value
    if value.startswith("alias/") or ":alias/" in value:
        errors.add(index, service, "kms_key", value,
                   "is an alias; kms:Decrypt is authorised against the key, so name the key id or key ARN", allowed)
        return None
    errors.add(index, service, "kms_key", value, "is not a KMS key id or key ARN", allowed)
    return None


def _validate_grant(errors, index, grant, partition, region, account):
    """Validate one grant; return a normalised grant dict or ``None`` when it has errors."""
    if not isinstance(grant, dict):
        errors.add(index, None, "grant", grant, "is not a dict", ["a dict with keys service, access, resources"])
        return None
    service = grant.get("service")
    if "service" not in grant:
        # A misspelt key (servce): one error, on that key.
        typo = next((key for key in sorted(grant, key=str) if did_you_mean(key, ["service"])), None)
        if typo is not None:
            errors.add(index, None, typo, grant[typo], "is not a key of a grant", list(BASE_KEYS))
            errors.items[-1].update(path="[%d]" % index, shown=typo, near="service",
                                    problem="has the key %s, which is not a key of a grant" % json.dumps(str(typo)))
            return None
    if not isinstance(service, str) or service not in CATALOGUE:
        errors.add(index, service if isinstance(service, str) else None, "service", service, "is not a service grants offer",
                   sorted(CATALOGUE), near_of=sorted(CATALOGUE))
        return None
    spec = CATALOGUE[service]
    count = len(errors.items)

    keys = allowed_keys(service)
    misspelt = set()
    for key in sorted(set(grant) - set(keys), key=str):
        hint = "is not a key of a %s grant" % service
        if any(key in other.get("options", {}) or (key == "kms_key" and other.get("kms_via")) for other in CATALOGUE.values()):
            hint = "is not offered by %s" % service
        # The key itself is the mistake: said with the key as the value, and the key it stands for is not missing too.
        near = did_you_mean(key, [name for name in keys if name not in grant])
        if near:
            misspelt.add(near)
        errors.add(index, service, key, grant[key], hint, keys)
        # Said of the grant (its path ends at grants[i]), showing the key: the key, not its value, is wrong.
        errors.items[-1].update(path="[%d]" % index, shown=key, near=near, problem="has the key %s, which %s" % (json.dumps(str(key)), hint))

    levels = list(spec["access"])
    access = _as_list(grant.get("access"))
    if "access" in misspelt:
        access = []
    elif not isinstance(access, list) or not access:
        errors.add(index, service, "access", grant.get("access"), "must be a non-empty list of access levels", levels)
        access = []
    seen = set()
    for position, level in enumerate(access):
        if not isinstance(level, str) or level not in spec["access"]:
            errors.add(index, service, "access", level, "is not an access level %s offers" % service, levels,
                       item=position if isinstance(grant.get("access"), list) else None, near_of=levels)
        elif level in seen:
            errors.add(index, service, "access", level, "is listed twice", levels, item=position)
        seen.add(level)

    resources = _as_list(grant.get("resources"))
    names = []
    if "resources" in misspelt:
        resources = []
    elif not isinstance(resources, list) or not resources:
        errors.add(index, service, "resources", grant.get("resources"), "must be a non-empty list of %s" % spec["resources"]["what"],
                   [spec["resources"]["allowed"]])
        resources = []
    for position, value in enumerate(resources):
        checked = _check_name(errors, index, service, value, item=position if isinstance(grant.get("resources"), list) else None)
        if checked is None:
            continue
        if checked in names:
            errors.add(index, service, "resources", value, "is listed twice", [spec["resources"]["allowed"]], item=position)
            continue
        names.append(checked)

    options = {}
    for option, option_spec in sorted(spec.get("options", {}).items()):
        if option not in grant:
            options[option] = option_spec.get("default", "")
            continue
        value = grant[option]
        if not _full(option_spec["pattern"], value):
            errors.add(index, service, option, value, "is not valid for %s" % option, [option_spec["allowed"]])
        options[option] = value

    grant_region = grant.get("region", region)
    grant_account = grant.get("account_id", account)
    uses_kms = "kms_key" in grant and "kms_key" in keys
    for field, value, pattern, placeholder in (("region", grant_region, REGION_PATTERN, "region"),
                                               ("account_id", grant_account, ACCOUNT_PATTERN, "account")):
        if field not in grant:
            continue
        if not (_uses(service, placeholder) or uses_kms):
            errors.add(index, service, field, value, "has no effect: %s ARNs carry no %s" % (service, placeholder),
                       ["leave %s out of %s grants" % (field, service)])
        elif not _full(pattern, value):
            errors.add(index, service, field, value, "is not a valid %s" % field, [pattern])
    if "region" in grant and _full(REGION_PATTERN, grant_region) and partition_for_region(grant_region) != partition:
        errors.add(index, service, "region", grant_region,
                   "is in partition %s, the role is in %s" % (partition_for_region(grant_region), partition),
                   ["a region of partition %s" % partition])

    if "sid" in grant and not _full(SID_PATTERN, grant["sid"]):
        errors.add(index, service, "sid", grant["sid"], "is not a valid Sid part", ["1-64 letters and digits"])

    key_arn = None
    if uses_kms:
        kms_levels = [level for level in access if level in spec["access"] and spec["access"][level].get("kms_actions")]
        if not kms_levels:
            errors.add(index, service, "kms_key", grant["kms_key"], "has no effect for access %s" % ", ".join(map(str, access)),
                       sorted(level for level, item in spec["access"].items() if item.get("kms_actions")))
        else:
            key_arn = _check_kms_key(errors, index, service, grant["kms_key"], partition, grant_region, grant_account)

    if len(errors.items) > count:
        return None
    return {
        "index": index,
        "service": service,
        "access": [level for level in levels if level in seen],
        "names": names,
        "options": options,
        "region": grant_region,
        "account": grant_account,
        "tag": grant.get("sid", str(index)),
        "kms_key": key_arn,
    }


def _statement(sid, actions, resources, condition=None):
    statement = {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": list(resources)}
    if condition:
        statement["Condition"] = condition
    return statement


def _render_grant(grant, partition, shared, shared_sids=None):
    """Statements of one validated grant; statements marked ``shared`` are merged into ``shared`` instead (their Sids
    are added to ``shared_sids`` when given)."""
    service = grant["service"]
    spec = CATALOGUE[service]
    values = dict(grant["options"], partition=partition, region=grant["region"], account=grant["account"])
    statements = []
    kms_actions = []
    for level in grant["access"]:
        level_spec = spec["access"][level]
        for item in level_spec["statements"]:
            sid = _camel(service) + _camel(level) + item["name"]
            if item.get("shared"):
                entry = shared.setdefault(sid, _statement(sid, item["actions"], []))
                if shared_sids is not None and sid not in shared_sids:
                    shared_sids.append(sid)
                for arn in _fill(item["resources"], values):
                    if arn not in entry["Resource"]:
                        entry["Resource"].append(arn)
                continue
            resources = []
            for name, is_prefix in grant["names"]:
                arn_name = spec["resources"]["name_prefix"]["arn_name"] if is_prefix else spec["resources"]["arn_name"]
                named = dict(values, name=name, resource=arn_name.format(name=name))
                resources.extend(_fill(item["resources"], named))
            for option, option_spec in sorted(spec.get("options", {}).items()):
                if grant["options"][option] and option_spec.get("extra_resources"):
                    resources.extend(_fill(option_spec["extra_resources"], values))
            condition = {}
            for option, option_condition in sorted(item.get("condition_if", {}).items()):
                if grant["options"].get(option):
                    condition.update(_fill(copy.deepcopy(option_condition), values))
            statements.append(_statement(sid + grant["tag"], item["actions"], resources, condition))
        for action in level_spec.get("kms_actions", []):
            if action not in kms_actions:
                kms_actions.append(action)
    if grant["kms_key"] and kms_actions:
        via = KMS_KEY["via_template"].format(via=spec["kms_via"], region=grant["region"],
                                             dns_suffix=_arns.dns_suffix(partition))
        statements.append(_statement(_camel(service) + "Kms" + grant["tag"], kms_actions, [grant["kms_key"]],
                                     {"StringEquals": {"kms:ViaService": via}}))
    return statements


def _check_role(errors, partition, region, account_id):
    if not _full(REGION_PATTERN, region):
        errors.add(None, None, "region", region, "is not a valid AWS region", ["a region such as eu-west-1"])
    if not _full(ACCOUNT_PATTERN, account_id):
        errors.add(None, None, "account_id", account_id, "is not a valid AWS account id", ["12 digits"])
    if _full(REGION_PATTERN, region) and partition_for_region(region) is None:
        errors.add(None, None, "region", region, "is in no AWS partition that botocore %s knows" % _arns.botocore_version(),
                   ["a region of one of the partitions %s (update botocore for a newer region)" % ", ".join(_arns.partitions())])
        return partition
    if partition is None:
        partition = partition_for_region(region) if _full(REGION_PATTERN, region) else "aws"
    if partition not in _arns.partitions():
        errors.add(None, None, "partition", partition, "is not an AWS partition", _arns.partitions())
    elif _full(REGION_PATTERN, region) and partition_for_region(region) != partition:
        errors.add(None, None, "partition", partition, "does not match region %s (%s)" % (region, partition_for_region(region)),
                   [partition_for_region(region)])
    return partition


def render_grants(grants, partition, region, account_id, role_name=None, reserved_chars=0, trace=None):
    """Render grant intents into inline policies.

    :param grants: list of grant dicts (``service``, ``access``, ``resources`` and optional keys).
    :param partition: the role's partition, or ``None`` to derive it from ``region``.
    :param region: the role's default region for regional ARNs.
    :param account_id: the role's default account for ARNs.
    :param role_name: only used in messages.
    :param reserved_chars: size already used by the role's other inline policies, counted against the quota.
    :param trace: a list to extend, when there are no errors, with one entry per grant saying where it went:
        ``{"index", "service", "access", "resources", "options", "policy", "sids"}`` (``options``: the grant's other
        keys as given; ``sids``: the statements of ``policy`` it produced, shared ones included).
    :returns: ``(policies, errors)``; ``policies`` is empty when ``errors`` is not.
    """
    errors = _Errors()
    partition = _check_role(errors, partition, region, account_id)
    if errors.items:
        return [], errors.items
    if grants is None:
        grants = []
    if not isinstance(grants, list):
        errors.add(None, None, "grants", grants, "is not a list", ["a list of grant dicts"])
        return [], errors.items

    valid = [_validate_grant(errors, index, grant, partition, region, account_id) for index, grant in enumerate(grants)]
    if errors.items:
        return [], errors.items

    per_service = {}
    traced = []
    for grant in valid:
        statements, shared = per_service.setdefault(grant["service"], ([], {}))
        shared_sids = []
        rendered = _render_grant(grant, partition, shared, shared_sids)
        statements.extend((grant["index"], statement) for statement in rendered)
        given = grants[grant["index"]]
        traced.append({
            "index": grant["index"],
            "service": grant["service"],
            "access": list(grant["access"]),
            "resources": list(_as_list(given["resources"])),
            "options": dict((key, value) for key, value in sorted(given.items()) if key not in ("service", "access", "resources")),
            "policy": POLICY_NAME_PREFIX + grant["service"],
            "sids": [statement["Sid"] for statement in rendered] + shared_sids,
        })

    policies = []
    for service in CATALOGUE:
        if service not in per_service:
            continue
        statements, shared = per_service[service]
        seen = set()
        for index, statement in statements:
            if statement["Sid"] in seen:
                errors.add(index, service, "sid", statement["Sid"], "is the Sid of an earlier statement in %s%s"
                           % (POLICY_NAME_PREFIX, service), ["a sid unique among the %s grants" % service])
            seen.add(statement["Sid"])
        document = {"Version": POLICY_VERSION, "Statement": [statement for _index, statement in statements] + list(shared.values())}
        policies.append({"name": POLICY_NAME_PREFIX + service, "document": document})
    if errors.items:
        return [], errors.items

    total = reserved_chars + sum(policy_size(policy["document"]) for policy in policies)
    if total > ROLE_INLINE_POLICY_QUOTA:
        sizes = ", ".join("%s %d" % (policy["name"], policy_size(policy["document"])) for policy in policies)
        errors.add(None, None, "grants", total,
                   "characters of inline policies (%s%s) exceed IAM's quota for role %s; split the application, merge"
                   " grants that share access levels, or use name prefixes"
                   % (sizes, ", other inline policies %d" % reserved_chars if reserved_chars else "", role_name or "(unnamed)"),
                   ["at most %d non-whitespace characters in all inline policies of a role" % ROLE_INLINE_POLICY_QUOTA])
        return [], errors.items
    if trace is not None:
        trace.extend(traced)
    return policies, []
