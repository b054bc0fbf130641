# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Do the resources a role's grants name exist? (``verify.yml -e verify_resources=true``)

A grant to a bucket whose name has a typo passes every check and grants nothing. This reads, per resource, the one call
the grants catalogue names for its service (``_grant_catalogue.EXISTENCE``: HeadBucket, DescribeTable, GetQueueUrl...),
and for a missing one the service's listing, to name the nearest existing name (difflib). Access denied on a read is
"could not check", never "missing". Plain data in and out; the AWS calls go through ``call``, which the module gives:

``call(client, operation, params, region)`` returns ``(answer, None)``, or ``(None, error code)`` when AWS refused it
(``"AccessDenied"``, ``"NoSuchBucket"``...); a listing operation returns its pages merged (``answer`` lists joined).

``resources(declarations)``
    ``[{"host", "role", "grant", "service", "name", "prefix", "region", "account", "partition", "home"}]`` (``home``: the
    role's own account): each resource the task role's
    grants, the execution role's grants and its start-up secrets and parameters name.
``check(items, call)``
    ``[{"host", "role", "grant", "service", "name", "status", "nearest", "line"}]``: ``status`` is ``exists``,
    ``missing``, ``unchecked`` (access denied; another account than the role's, which only ECR can read; a service
    without an existence read).
"""

import difflib

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CATALOGUE
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import EXISTENCE
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import _fill

ROLE_WORDS = {"ecs_task_role": "task role", "ecs_task_execution_role": "execution role"}


def _name(service, value):
    """``(name, is_prefix)`` of a grant's resource as the catalogue cleans it."""
    spec = CATALOGUE[service]["resources"]
    prefix = bool(spec.get("name_prefix")) and value.endswith("/*")
    name = value[:-2] if prefix else value
    return (name.strip(spec["strip"]) if spec.get("strip") else name), prefix


def resources(declarations):
    """Every resource named by the roles' grants (and the execution role's start-up secrets and parameters)."""
    items = []
    for declaration in declarations or ():
        if not isinstance(declaration, dict) or declaration.get("state", "present") != "present":
            continue
        role = ROLE_WORDS.get(declaration.get("role"), declaration.get("role"))
        base = {"host": declaration.get("host"), "role": role, "region": declaration.get("region"), "account": declaration.get("account_id"),
                "partition": declaration.get("partition") or "aws", "home": declaration.get("account_id")}
        for grant in declaration.get("grants") or []:
            service = grant.get("service")
            if service not in CATALOGUE:
                continue
            options = grant.get("options") or {}
            for value in grant.get("resources") or []:
                name, prefix = _name(service, str(value))
                items.append(dict(base, grant="grants[%s] (%s)" % (grant.get("index"), service), service=service, name=name, prefix=prefix,
                                  region=options.get("region") or base["region"], account=options.get("account_id") or base["account"]))
        startup = declaration.get("startup") or {}
        for key, service in (("secrets", "secretsmanager"), ("parameters", "ssm")):
            for index, value in enumerate(startup.get(key) or []):
                name, prefix = _name(service, str(value)) if service == "secretsmanager" else (str(value).rstrip("*").strip("/"), False)
                items.append(dict(base, grant="%s[%d]" % (key, index), service=service, name=name, prefix=prefix))
    return items


def _at(answer, path):
    """The values at ``Key/Sub`` of an answer (lists walked)."""
    values = [answer]
    for key in path.split("/"):
        found = []
        for value in values:
            if isinstance(value, list):
                found.extend(item.get(key) for item in value if isinstance(item, dict) and key in item)
            elif isinstance(value, dict) and key in value:
                found.append(value[key])
        values = found
    flat = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return [value for value in flat if isinstance(value, str)]


def _matches(kind, name, values):
    if kind == "any":
        return bool(values)
    if kind == "under":
        return any(value.strip("/") == name or value.strip("/").startswith(name + "/") for value in values)
    return name in values


def _arn(item):
    return _arns.arn(item.get("partition") or "aws", item["service"], item["region"], item["account"], item["name"])


def _exists(item, call):
    """True, False, or an error code (could not check)."""
    spec = EXISTENCE[item["service"]]
    read = spec.get("prefix") if item["prefix"] and spec.get("prefix") else spec
    params = _fill(read["params"], {"name": item["name"], "arn": _arn(item), "account": item["account"]})
    answer, error = call(spec["client"], read["operation"], params, item["region"])
    if error is not None:
        return False if error in read["missing"] else error
    match = read.get("match")
    if match:
        return _matches(match["kind"], item["name"], _at(answer, match["path"]))
    return True


def _names(item, call, cache):
    """The existing names of the item's kind (region), for the nearest name; ``[]`` when they cannot be listed."""
    key = (item["service"], item["region"])
    if key not in cache:
        listing = EXISTENCE[item["service"]]["list"]
        answer, error = call(EXISTENCE[item["service"]]["client"], listing["operation"], dict(listing["params"]), item["region"])
        names = [] if error is not None else _at(answer, listing["path"])
        if listing.get("strip"):
            names = [name.rsplit(listing["strip"], 1)[-1] for name in names]
        cache[key] = names
    return cache[key]


def _nearest(name, names):
    close = difflib.get_close_matches(name, [candidate for candidate in names if candidate != name], n=1, cutoff=0.6)
    return close[0] if close else None


def check(items, call):
    """Check each item; returns one result per item, with ``line`` saying what a person should read."""
    results, cache = [], {}
    for item in items:
        shown = item["name"] + ("/*" if item["prefix"] else "")
        where = "host %s, %s, %s: %s %s" % (item["host"], item["role"], item["grant"], item["service"], shown)
        result = dict((key, item[key]) for key in ("host", "role", "grant", "service", "name"))
        if item["service"] not in EXISTENCE:
            result.update(status="unchecked", nearest=None, line="%s: could not check (no existence read for %s)" % (where, item["service"]))
        elif item.get("home") and item["account"] and item["account"] != item["home"] and item["service"] != "ecr":
            result.update(status="unchecked", nearest=None, line="%s: could not check (account %s, not the caller's)" % (where, item["account"]))
        else:
            found = _exists(item, call)
            if found is False and EXISTENCE[item["service"]].get("match"):
                # A listing may find what a filtered read missed (an SSM name without a leading slash).
                found = _matches(EXISTENCE[item["service"]]["match"]["kind"], item["name"], _names(item, call, cache)) or False
            if found is True:
                result.update(status="exists", nearest=None, line="%s: exists" % where)
            elif found is False:
                nearest = _nearest(item["name"], _names(item, call, cache))
                result.update(status="missing", nearest=nearest, line="%s: does not exist%s" % (
                    where, " (did you mean %s?)" % nearest if nearest else ""))
            else:
                result.update(status="unchecked", nearest=None, line="%s: could not check (%s)" % (where, found))
        results.append(result)
    return results
