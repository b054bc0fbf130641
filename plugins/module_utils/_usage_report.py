# -*- coding: utf-8 -*-

# Copyright (c) 2026, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What each application really used: its declared grants against the calls a CloudTrail aggregate holds.

Plain functions over plain data (docs/usage.md). Input: the applications' role declarations (what the roles' check
entry point publishes, ``ecs_task_role_outputs``...), the aggregate rows of ``_usage_trail.py`` and what the trail can
see (inferred from its records, or the trail's event selectors). Output: ``usage(...)`` gives the ``usage.json``
document; ``usage_markdown`` the page; ``proposals`` the narrower / fixed grant lists per application, each proven
by the renderer and the gate.

Statuses of a grant (each intent, each statement of another inline policy, each managed policy):

* ``used``: a call of the role that the grant allows was seen (not a denied one);
* ``unused``: none was seen, and every action of the grant is one this trail records;
* ``not_observable``: none was seen, and some action of the grant is a data event (or a management event of a kind)
  this trail does not record, or the grant's document is not known here: silence proves nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import re

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _service_reference as reference
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _usage_mapping
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CATALOGUE
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import render_grants
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import known_environments_except
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import blocking, check_policies, format_finding

ROLE_LABELS = {"ecs_task_role": "task", "ecs_task_execution_role": "execution"}
ROLE_ORDER = {"task": 0, "execution": 1}
GRANTS_VARIABLES = {"task": "ecs_task_role_grants"}
# The documents of the AWS managed policies roles of this collection attach (the policy's default version, from the
# AWS Managed Policy Reference Guide); another managed policy's document is not known offline (status not_observable
# unless a call it alone can allow was seen is impossible to tell, so it is never called unused).
MANAGED_DOCUMENTS = {
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy": {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                       "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }],
    },
}
# Where else a denial can come from when the role's own policies allow the call (IAM User Guide, "Policy evaluation
# logic"; the message's policy type names the one when AWS says it).
OTHER_CAUSES = ("a resource-based policy (bucket, queue, topic, secret, key policy)", "a KMS key policy or grant",
                "a service control policy (SCP) or resource control policy (RCP) of the organisation",
                "the role's permissions boundary", "a session policy", "a VPC endpoint policy",
                "a condition of the role's statement (aws:SourceVpc, kms:ViaService...) not met")


# ---------------------------------------------------------------------------------------------------- matching

def _as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _glob(pattern, value, ignore_case):
    return reference.glob_to_regex(pattern, ignore_case).match(value) is not None


def _statement_allows(statement, action, resources, effect="Allow"):
    """Whether an Allow statement (``effect``: or a Deny one) names ``action`` on one of ``resources`` (ARNs; empty: on
    the action alone). Conditions are not evaluated (a denial report says so)."""
    if not isinstance(statement, dict) or statement.get("Effect") != effect:
        return False
    if "Action" in statement:
        if not any(_glob(pattern, action, True) for pattern in _as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(_glob(pattern, action, True) for pattern in _as_list(statement["NotAction"])):
            return False
    else:
        return False
    if not resources:
        return True
    if "Resource" in statement:
        return any(_usage_mapping.arn_matches(pattern, arn) for pattern in _as_list(statement["Resource"]) for arn in resources)
    if "NotResource" in statement:
        return any(not any(_usage_mapping.arn_matches(pattern, arn) for pattern in _as_list(statement["NotResource"])) for arn in resources)
    return False


def relevant_resources(action, resources):
    """The ARNs of ``resources`` that can be a resource of ``action`` (a GetObject record also names its bucket)."""
    info = reference.lookup_action(action)
    if info is None:
        return list(resources)
    return [arn for arn in resources if reference.action_matches_arn(info, arn)]


def _is_read(action):
    info = reference.lookup_action(action)
    return info is not None and set(info.access_levels) <= {"Read", "List"}


def _mode_covers(mode, action):
    return mode == "All" or (mode == "ReadOnly") == _is_read(action)


class Visibility:
    """Which calls the trail can show: its event selectors when given, else what its records contain."""

    def __init__(self, seen=None, selectors=None):
        self.seen = seen or {"management": False, "data_types": set()}
        self.selectors = parse_selectors(selectors) if selectors is not None else None

    def observable(self, action, resources=()):
        """Whether a call authorised by ``action`` on ``resources`` (the grant's ARN patterns) would be in this trail
        (the kind of event from _usage_mapping.action_observability; what is recorded from the selectors or records)."""
        if action == "*":
            return False
        found = _usage_mapping.action_observability(action)
        if found["kind"] == "not_logged":
            return False
        if self.selectors is None:
            if found["kind"] == "data":
                return any(rtype in self.seen["data_types"] for rtype in found["resource_types"])
            return bool(self.seen["management"])
        if found["kind"] == "data":
            return any(rtype == entry["type"] and _mode_covers(entry["mode"], action)
                       and (entry["prefixes"] is None or (resources and all(any(arn.startswith(prefix) for prefix in entry["prefixes"])
                                                                            for arn in resources)))
                       for entry in self.selectors["data"] for rtype in found["resource_types"])
        return any(_mode_covers(entry["mode"], action) and _event_source(action) not in entry["excluded_sources"]
                   for entry in self.selectors["management"])

    def summary(self):
        """What ``usage.json``'s ``trail_sees`` says."""
        if self.selectors is None:
            return {"source": "records", "management_events": "All" if self.seen["management"] else "none",
                    "data_events": sorted(self.seen["data_types"])}
        modes = sorted(set(entry["mode"] for entry in self.selectors["management"]))
        return {"source": "event_selectors", "management_events": "All" if "All" in modes else ", ".join(modes) or "none",
                "data_events": sorted(set(entry["type"] for entry in self.selectors["data"]))}


def _event_source(action):
    return action.split(":", 1)[0].lower() + ".amazonaws.com"


def _mode(value):
    return value if value in ("ReadOnly", "WriteOnly") else "All"


def parse_selectors(document):
    """What a trail records, from what ``aws cloudtrail get-event-selectors`` prints (basic ``EventSelectors`` or
    ``AdvancedEventSelectors``): ``{"management": [{"mode", "excluded_sources"}], "data": [{"type", "mode",
    "prefixes"}]}`` (``mode`` All, ReadOnly or WriteOnly; ``prefixes`` the ARN prefixes selected, ``None`` for all).
    An advanced selector with a field this reading does not evaluate (eventName, userIdentity.arn, NotStartsWith...)
    is left out: what it selects counts as not recorded, so a grant is never called unused because of it."""
    found = {"management": [], "data": []}
    for selector in document.get("EventSelectors") or []:
        mode = _mode(selector.get("ReadWriteType", "All"))
        if selector.get("IncludeManagementEvents", True):
            found["management"].append({"mode": mode, "excluded_sources": set(selector.get("ExcludeManagementEventSources") or [])})
        for resource in selector.get("DataResources") or []:
            values = [value for value in resource.get("Values") or [] if isinstance(value, str)]
            if resource.get("Type") and values:
                every = any(value.rstrip(":/") in ("arn:aws:s3", "arn:aws:lambda", "arn:aws:dynamodb", "arn:aws-cn:s3", "arn:aws-us-gov:s3")
                            or value.count(":") < 3 for value in values)
                found["data"].append({"type": resource["Type"], "mode": mode, "prefixes": None if every else values})
    for selector in document.get("AdvancedEventSelectors") or []:
        fields = {}
        for item in selector.get("FieldSelectors") or []:
            fields[item.get("Field")] = item
        category = (fields.pop("eventCategory", None) or {}).get("Equals") or []
        read_only = (fields.pop("readOnly", None) or {}).get("Equals") or []
        mode = "ReadOnly" if read_only == ["true"] else "WriteOnly" if read_only == ["false"] else "All"
        if "Management" in category:
            source = fields.pop("eventSource", None) or {}
            if fields or set(source) - {"Field", "NotEquals"}:
                continue
            found["management"].append({"mode": mode, "excluded_sources": set(source.get("NotEquals") or [])})
        elif "Data" in category:
            types = (fields.pop("resources.type", None) or {}).get("Equals") or []
            arn = fields.pop("resources.ARN", None) or {}
            if fields or set(arn) - {"Field", "StartsWith", "Equals"}:
                continue
            prefixes = (arn.get("StartsWith") or []) + (arn.get("Equals") or []) if arn else None
            found["data"].extend({"type": rtype, "mode": mode, "prefixes": prefixes} for rtype in types)
    return found


# ---------------------------------------------------------------------------------------------------- the grants

def _declared_intent(trace):
    grant = {"service": trace["service"], "access": list(trace["access"]), "resources": list(trace["resources"])}
    grant.update(trace.get("options") or {})
    return grant


def _render(grant, decl):
    policies, errors = render_grants([grant], decl.get("partition"), decl.get("region"), decl.get("account_id"))
    return None if errors else policies


def grant_units(decl):
    """The grants of one role declaration, in declaration order: ``{"kind", "policy", "grant", "statements"}``
    (``statements`` ``None`` when the document is not known)."""
    units = []
    policies = dict((policy["name"], policy["document"]) for policy in decl.get("inline_policies") or [])
    from_intents = set()
    for trace in decl.get("grants") or []:
        document = policies.get(trace["policy"]) or {}
        sids = set(trace.get("sids") or [])
        statements = [statement for statement in _as_list(document.get("Statement")) if statement.get("Sid") in sids]
        from_intents.add(trace["policy"])
        units.append({"kind": "intent", "policy": trace["policy"], "grant": _declared_intent(trace), "statements": statements})
    for policy in decl.get("inline_policies") or []:
        if policy["name"] in from_intents:
            continue
        for statement in _as_list(policy["document"].get("Statement")):
            if isinstance(statement, dict) and statement.get("Effect") == "Allow":  # a Deny grants nothing (see denies_of)
                units.append({"kind": "statement", "policy": policy["name"], "grant": statement, "statements": [statement]})
    for arn in decl.get("managed_policy_arns") or []:
        document = MANAGED_DOCUMENTS.get(arn)
        units.append({"kind": "managed", "policy": arn, "grant": {"managed_policy_arn": arn},
                      "statements": _as_list(document["Statement"]) if document else None})
    return units


def denies_of(decl):
    """``[(policy name, statement)]`` of the Deny statements of the role's inline policies and known managed policies."""
    found = []
    for policy in decl.get("inline_policies") or []:
        found.extend((policy["name"], statement) for statement in _as_list(policy["document"].get("Statement"))
                     if isinstance(statement, dict) and statement.get("Effect") == "Deny")
    for arn in decl.get("managed_policy_arns") or []:
        document = MANAGED_DOCUMENTS.get(arn) or {}
        found.extend((arn, statement) for statement in _as_list(document.get("Statement")) if statement.get("Effect") == "Deny")
    return found


def unit_resources(unit):
    """The ARN patterns of a grant's Allow statements (``NotResource`` counts as ``*``)."""
    found = set()
    for statement in unit["statements"] or []:
        if statement.get("Effect") == "Allow":
            found.update(_as_list(statement.get("Resource")) if "Resource" in statement else ["*"])
    return sorted(found)


def unit_actions(unit):
    """Every IAM action a grant's Allow statements name (wildcards expanded with AWS's action list), sorted."""
    actions = set()
    for statement in unit["statements"] or []:
        if statement.get("Effect") != "Allow":
            continue
        for pattern in _as_list(statement.get("Action")):
            if pattern == "*":
                actions.add("*")  # every action of every service: some are never observable
            elif "*" in pattern or "?" in pattern:
                actions.update("%s:%s" % (item.service, item.name) for item in reference.expand_action(pattern))
            else:
                actions.add(pattern)
        if "NotAction" in statement:
            actions.add("*")
    return sorted(actions)


# ---------------------------------------------------------------------------------------------------- the calls

def calls_of(rows, denial_codes):
    """Split aggregate rows into ``(calls, denied, unmapped)``: ``calls`` ``{role: [(action, resources, count, first,
    last)]}`` of calls not denied; ``denied`` ``{(role, action, resource): [count, first, last]}``; ``unmapped``
    ``{(source, name): count}``."""
    calls, denied, unmapped = {}, {}, {}
    for (role, source, name, resource_text, code), (count, first, last) in sorted(rows.items()):
        actions = _usage_mapping.event_actions(source, name) or []
        if not actions:
            unmapped[(source, name)] = unmapped.get((source, name), 0) + count
            continue
        resources = [item for item in resource_text.split(" ") if item]
        for action in actions:
            relevant = relevant_resources(action, resources)
            if code in denial_codes:
                key = (role, action, relevant[0] if relevant else (resources[0] if resources else ""))
                entry = denied.setdefault(key, [0, first, last])
                entry[0] += count
                entry[1] = min(entry[1], first) if first else entry[1]
                entry[2] = max(entry[2], last)
            else:
                calls.setdefault(role, []).append((action, relevant, count, first, last))
    return calls, denied, unmapped


def _usage_of(statements, calls):
    """``(actions, resources, count, first, last)`` of the calls the statements allow."""
    actions, resources, count, first, last = set(), set(), 0, None, None
    for action, arns, number, begin, end in calls:
        if any(_statement_allows(statement, action, arns) for statement in statements):
            actions.add(action)
            resources.update(arn for arn in arns if any(_statement_allows(statement, action, [arn]) for statement in statements))
            count += number
            first = begin if first is None or begin < first else first
            last = end if last is None or end > last else last
    return sorted(actions), sorted(resources), count, first, last


def _narrower(unit, decl, calls, visibility):
    """The narrower intent for a used intent (fewer access levels or resources than used), or ``None``."""
    grant = unit["grant"]
    keep_levels, keep_resources = [], []
    for level in grant["access"]:
        level_grant = dict(grant, access=[level])
        policies = _render(level_grant, decl)
        if policies is None and "kms_key" in grant:
            level_grant.pop("kms_key")
            policies = _render(level_grant, decl)
        if policies is None:
            keep_levels.append(level)
            continue
        statements = [statement for policy in policies for statement in policy["document"]["Statement"]]
        used = _usage_of(statements, calls)[2] > 0
        visible = all(visibility.observable(action, unit_resources({"statements": statements}))
                      for action in unit_actions({"statements": statements}))
        if used or not visible:
            keep_levels.append(level)
    visible_all = all(visibility.observable(action, unit_resources(unit)) for action in unit_actions(unit))
    for name in grant["resources"]:
        policies = _render(dict(grant, resources=[name]), decl)
        if policies is None or not visible_all:
            keep_resources.append(name)
            continue
        statements = [statement for policy in policies for statement in policy["document"]["Statement"]]
        # A call whose resource is not known could be on any of the grant's resources: keep them all.
        unknown = any(not arns and _usage_of(statements, [(action, arns, number, begin, end)])[2]
                      for action, arns, number, begin, end in calls)
        if unknown or _usage_of(statements, [call for call in calls if call[1]])[2] > 0:
            keep_resources.append(name)
    if not keep_levels or not keep_resources or (keep_levels == grant["access"] and keep_resources == grant["resources"]):
        return None
    return dict(grant, access=keep_levels, resources=keep_resources)


# ---------------------------------------------------------------------------------------------------- denied calls

def _name_candidates(arn):
    """Names a catalogue grant could give for a resource ARN: the resource part, its pieces after the type, and the
    prefixes of those (a bucket from its object's ARN, a parameter path from a parameter)."""
    fields = _arns.parse_policy_arn(arn)
    if fields is None:
        return []
    resource = fields[5]
    found = []
    pieces = re.split(r"([:/])", resource)
    for start in range(0, len(pieces), 2):
        tail = "".join(pieces[start:])
        for end in range(start + 1, len(pieces) + 1, 2):
            found.append("".join(pieces[start:end]))
        found.append(tail)
    names = []
    for name in found:
        for variant in (name, "/" + name.lstrip("/"), name.rstrip("/") + "/*"):
            if variant and variant not in names and variant.strip("/*"):
                names.append(variant)
    return names


def smallest_intent(action, arn, decl, environment=None):
    """The catalogue intent with the fewest actions that allows ``action`` on ``arn``, proven by the renderer and
    the gate (no blocking finding), or ``None`` when no intent of the catalogue can grant it."""
    fields = _arns.parse_policy_arn(arn) if arn else None
    best = None
    lname = action.lower()
    for service, spec in CATALOGUE.items():
        for level, level_spec in spec["access"].items():
            if not any(lname == item.lower() for statement in level_spec["statements"] for item in statement["actions"]):
                continue
            names = _name_candidates(arn) if fields else []
            for name in names:
                grant = {"service": service, "access": [level], "resources": [name]}
                if fields and fields[3] and fields[3] != decl.get("region"):
                    grant["region"] = fields[3]
                if fields and fields[4] and fields[4] != decl.get("account_id"):
                    grant["account_id"] = fields[4]
                policies = _render(grant, decl)
                if policies is None:
                    continue
                statements = [statement for policy in policies for statement in policy["document"]["Statement"]]
                if not any(_statement_allows(statement, action, [arn]) for statement in statements):
                    continue
                if blocking(check_policies(policies, environment=environment, other_environments=_others(decl, environment))):
                    continue
                size = (sum(len(_as_list(statement["Action"])) for statement in statements),
                        sum(len(_as_list(statement["Resource"])) for statement in statements), name.endswith("/*"), len(name), name)
                if best is None or size < best[0]:
                    best = (size, grant)
    return best[1] if best else None


def _denial(role_label, action, resource, count, first, last, decl, units, environment, message=None):
    resources = [resource] if resource else []
    allowed = any(_statement_allows(statement, action, resources) for unit in units for statement in unit["statements"] or [])
    denies = ["%s (%s)" % (name, statement.get("Sid") or "no Sid") for name, statement in denies_of(decl)
              if _statement_allows(statement, action, resources, effect="Deny")]
    entry = {"role": role_label, "action": action, "resource": resource or None, "count": count, "last_seen": last or None,
             "allowed_by_declaration": allowed and not denies, "fix": None, "statement": None}
    if denies:
        # The role's own Deny wins over any Allow: no grant fixes it; the Deny has to change.
        entry["causes"] = ["an explicit Deny in the role's own policy %s" % ", ".join(denies)]
    elif allowed:
        entry["causes"] = list(OTHER_CAUSES)
    else:
        # Intents are the task role's input (ecs_task_role_grants); another role takes a hand-written statement.
        entry["fix"] = smallest_intent(action, resource, decl, environment) if resource and role_label in GRANTS_VARIABLES else None
        if entry["fix"] is None:
            entry["statement"] = {"Effect": "Allow", "Action": action,
                                  "Resource": resource or "<the resource's ARN: the record does not name it>"}
    if message:
        entry["message"] = message
    return entry


# ---------------------------------------------------------------------------------------------------- the report

def _roles(applications):
    """``{role ARN: (application, role label, declaration)}`` of every present role."""
    found = {}
    for app in applications:
        for decl in app.get("roles") or []:
            if decl and decl.get("state", "present") == "present" and decl.get("role_arn"):
                found[decl["role_arn"]] = (app["name"], ROLE_LABELS.get(decl.get("role"), decl.get("role")), decl)
    return found


def usage(environment, applications, aggregate, start, end, selectors=None, denied_messages=()):
    """The ``usage.json`` document. ``applications``: ``[{"name", "roles": [declarations]}]``; ``aggregate``: from
    ``_usage_trail``; ``denied_messages``: AWS error texts answered without a trail. Deterministic."""
    roles = _roles(applications)
    visibility = Visibility(aggregate.get("seen"), selectors)
    calls, denied, unmapped = calls_of(aggregate["rows"], _usage_mapping.DENIAL_CODES)
    result = {
        "environment": environment,
        "window": {"since": start, "until": end},
        "records": {
            "read": aggregate["records"]["read"],
            "of_applications": aggregate["records"]["of_applications"],
            "other_principals": aggregate["records"].get("other_principals", 0),
            "outside_window": aggregate["records"].get("outside_window", 0),
            "unmapped": [{"event_source": source, "event_name": name, "count": count} for (source, name), count in sorted(unmapped.items())],
        },
        "files": {
            "opened": aggregate["files"]["opened"],
            "skipped": aggregate["files"].get("skipped", {"folders": {}, "files": {}}),
            "errors": aggregate["files"]["errors"],
        },
        "trail_sees": visibility.summary(),
        "applications": {},
        "messages": [],
    }
    for app in sorted(applications, key=lambda item: item["name"]):
        result["applications"][app["name"]] = {"grants": [], "narrower": [], "denied": [], "summary": {}}
    for arn, (name, label, decl) in sorted(roles.items(), key=lambda item: (item[1][0], ROLE_ORDER.get(item[1][1], 9), item[1][1])):
        entry = result["applications"][name]
        units = grant_units(decl)
        role_calls = calls.get(arn, [])
        # What the application tried and was refused still shows what it needs: never narrowed away.
        attempts = role_calls + [(action, [resource] if resource else [], count, first or last, last)
                                 for (role, action, resource), (count, first, last) in sorted(denied.items()) if role == arn]
        for unit in units:
            row = {"role": label, "policy": unit["policy"], "kind": unit["kind"], "grant": unit["grant"],
                   "status": "not_observable", "actions_seen": [], "resources_seen": [], "count": 0, "first_seen": None, "last_seen": None}
            if unit["statements"] is not None:
                actions, resources, count, first, last = _usage_of(unit["statements"], role_calls)
                if count:
                    row.update(status="used", actions_seen=actions, resources_seen=resources, count=count, first_seen=first, last_seen=last)
                else:
                    patterns = unit_resources(unit)
                    hidden = [action for action in unit_actions(unit) if not visibility.observable(action, patterns)]
                    if hidden:
                        row["not_observed"] = hidden
                    else:
                        row["status"] = "unused"
            else:
                row["not_observed"] = ["the policy's document is not known offline"]
            entry["grants"].append(row)
            if row["status"] == "used" and unit["kind"] == "intent":
                narrower = _narrower(unit, decl, attempts, visibility)
                if narrower:
                    entry["narrower"].append({"role": label, "policy": unit["policy"], "from": unit["grant"], "to": narrower})
        for (role, action, resource), (count, first, last) in sorted(denied.items()):
            if role == arn:
                entry["denied"].append(_denial(label, action, resource, count, first, last, decl, units, environment))
    for message in denied_messages:
        parsed = _usage_mapping.parse_denied_message(message)
        if not parsed:
            result["messages"].append({"message": message, "problem": "not an AWS access-denied message this collection can read"})
            continue
        match = [(name, label, decl) for arn, (name, label, decl) in sorted(roles.items()) if decl.get("role_name") == parsed.get("role")]
        if not match:
            result["messages"].append({"message": message, "problem": "the principal %s is none of this environment's roles" % parsed.get("principal")})
            continue
        name, label, decl = match[0]
        entry = _denial(label, parsed.get("action"), parsed.get("resource") or "", 1, None, None, decl, grant_units(decl), environment,
                        message=message)
        entry["reason"] = parsed.get("reason")
        entry["policy_type"] = parsed.get("policy_type")
        # AWS names the kind of policy at fault: an explicit Deny anywhere, or a missing Allow in a policy other than the
        # role's own, is not fixed by a grant; say where to look instead of proposing one.
        elsewhere = parsed.get("reason") == "no_allow" and parsed.get("policy_type") not in (None, "identity-based policy")
        if parsed.get("reason") == "explicit_deny" or elsewhere:
            entry.update(fix=None, statement=None, allowed_by_declaration=entry["allowed_by_declaration"] and not elsewhere,
                         causes=["%s %s%s" % ("an explicit Deny in a" if parsed.get("reason") == "explicit_deny" else "no Allow in the",
                                              parsed.get("policy_type") or "a policy",
                                              " (%s)" % parsed["policy_arn"] if parsed.get("policy_arn") else "")])
        result["applications"][name]["denied"].append(entry)
    for name, entry in result["applications"].items():
        counts = dict((status, sum(1 for row in entry["grants"] if row["status"] == status)) for status in ("used", "unused", "not_observable"))
        counts.update(narrower=len(entry["narrower"]), denied=len(entry["denied"]))
        entry["summary"] = counts
    return result


# ---------------------------------------------------------------------------------------------------- proposals

def _same_target(one, other):
    keys = set(one) | set(other)
    return all(one.get(key) == other.get(key) for key in keys if key not in ("access", "resources"))


def _add_fix(grants, fix):
    """Merge a fix into a grants list: another level on a grant of the same resources, another resource on a grant
    of the same levels, else a new grant."""
    for grant in grants:
        if not _same_target(grant, fix):
            continue
        if set(fix["resources"]) <= set(grant["resources"]):
            grant["access"] = grant["access"] + [level for level in fix["access"] if level not in grant["access"]]
            return
        if set(fix["access"]) <= set(grant["access"]) and len(grant["access"]) == len(fix["access"]):
            grant["resources"] = grant["resources"] + [name for name in fix["resources"] if name not in grant["resources"]]
            return
    grants.append(copy.deepcopy(fix))


def proposals(report, applications, environment=None):
    """Per application with a change to its task role's grants: ``{"grants", "notes", "widens"}``; every grant list
    is rendered and passes the gate (a fix that would not is left out and said so)."""
    out = {}
    decls = dict((app["name"], dict((ROLE_LABELS.get(decl.get("role")), decl) for decl in app.get("roles") or [] if decl))
                 for app in applications)
    for name, entry in sorted(report["applications"].items()):
        decl = decls.get(name, {}).get("task")
        if not decl or decl.get("state", "present") != "present":
            continue
        grants, notes, widens = [], [], []
        narrower = dict((json.dumps(item["from"], sort_keys=True), item["to"]) for item in entry["narrower"] if item["role"] == "task")
        for row in entry["grants"]:
            if row["role"] != "task" or row["kind"] != "intent":
                continue
            key = json.dumps(row["grant"], sort_keys=True)
            if row["status"] == "unused":
                notes.append("removes %s %s on %s: unused from %s to %s" % (row["grant"]["service"], ", ".join(row["grant"]["access"]),
                             ", ".join(row["grant"]["resources"]), report["window"]["since"], report["window"]["until"]))
                continue
            if key in narrower:
                notes.append("narrows %s %s on %s to %s on %s" % (row["grant"]["service"], ", ".join(row["grant"]["access"]),
                             ", ".join(row["grant"]["resources"]), ", ".join(narrower[key]["access"]), ", ".join(narrower[key]["resources"])))
                grants.append(copy.deepcopy(narrower[key]))
            else:
                grants.append(copy.deepcopy(row["grant"]))
        for denial in entry["denied"]:
            if denial["role"] != "task" or not denial["fix"]:
                continue
            trial = copy.deepcopy(grants)
            _add_fix(trial, denial["fix"])
            if trial == grants:  # an earlier denial's fix already allows this one
                continue
            if _gate_problems(trial, decl, environment):
                notes.append("leaves out the fix for %s on %s: the gate refuses it (%s)"
                             % (denial["action"], denial["resource"], _gate_problems(trial, decl, environment)[0]))
                continue
            grants = trial
            widens.append("WIDENS: adds %s %s on %s for the denied %s on %s (%d call(s))"
                          % (denial["fix"]["service"], ", ".join(denial["fix"]["access"]), ", ".join(denial["fix"]["resources"]),
                             denial["action"], denial["resource"], denial["count"]))
        if not notes and not widens:
            continue
        problems = _gate_problems(grants, decl, environment)
        out[name] = {"grants": grants, "notes": notes, "widens": widens, "problems": problems}
    return out


def _gate_problems(grants, decl, environment):
    """What the renderer and the gate say about a grant list with the role's other inline policies ([] when fine)."""
    if not grants:
        return []
    policies, errors = render_grants(grants, decl.get("partition"), decl.get("region"), decl.get("account_id"))
    if errors:
        return [error["message"] for error in errors]
    traced = set(trace["policy"] for trace in decl.get("grants") or [])
    others = [policy for policy in decl.get("inline_policies") or [] if policy["name"] not in traced]
    return [format_finding(finding) for finding in blocking(check_policies(policies + others, environment=environment,
                                                                           other_environments=_others(decl, environment)))]


def _others(decl, environment):
    """The other environments whose names the gate refuses in this role's resources (the role's default)."""
    found = decl.get("other_environments")
    return list(found) if found is not None else known_environments_except(environment or decl.get("environment") or "")


_PLAIN = re.compile(r"^[A-Za-z0-9_/.][A-Za-z0-9_/.*@+-]*$")
_YAML_WORDS = re.compile(r"^(?:y|yes|n|no|true|false|on|off|null|[-+]?[0-9][0-9_.:eE+-]*|\.inf|\.nan)$", re.IGNORECASE)


def _yaml_scalar(value):
    """A plain scalar where YAML reads it back as the same string, else a JSON (double-quoted) one."""
    if isinstance(value, str) and _PLAIN.match(value) and not _YAML_WORDS.match(value):
        return value
    return json.dumps(value)


def grants_yaml(variable, grants):
    """The grants as YAML (flow lists, JSON-quoted strings: valid YAML, stable)."""
    if not grants:
        return "%s: []\n" % variable
    lines = ["%s:" % variable]
    for grant in grants:
        first = True
        for key in ["service", "access", "resources"] + sorted(set(grant) - {"service", "access", "resources"}):
            value = grant[key]
            text = "[%s]" % ", ".join(_yaml_scalar(item) for item in value) if isinstance(value, list) else _yaml_scalar(value)
            lines.append("%s%s: %s" % ("  - " if first else "    ", key, text))
            first = False
    return "\n".join(lines) + "\n"


def proposed_host_vars(original, variable, grants, notes):
    """``original`` (the host_vars file's text, or ``None``) with only the ``variable:`` block replaced by ``grants``;
    the notes go in a comment above it, so ``diff -u`` shows exactly the change."""
    block = "".join("# usage.yml proposes: %s\n" % note for note in notes) + grants_yaml(variable, grants)
    if not original:
        return "---\n" + block
    lines = original.splitlines(True)
    start = next((index for index, line in enumerate(lines) if re.match(r"^%s\s*:" % re.escape(variable), line)), None)
    if start is None:
        return original + ("" if original.endswith("\n") else "\n") + block
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t", "-")) or not lines[end].strip()):
        end += 1
    # Blank and comment lines at the end of the block belong to what follows it.
    while end - 1 > start and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


# ---------------------------------------------------------------------------------------------------- the page

def _cell(value):
    return str(value).replace("|", "\\|").replace("\n", " ")


def _some(arns, limit=10):
    """The first ``limit`` ARNs for the page (usage.json has them all)."""
    shown = ", ".join("`%s`" % arn for arn in arns[:limit])
    return shown + (" and %d more (usage.json)" % (len(arns) - limit) if len(arns) > limit else "")


def _grant_text(row):
    grant = row["grant"]
    if row["kind"] == "intent":
        extra = "".join(", %s: %s" % (key, grant[key]) for key in sorted(grant) if key not in ("service", "access", "resources"))
        return "%s %s on %s%s" % (grant["service"], "/".join(grant["access"]), ", ".join("`%s`" % item for item in grant["resources"]), extra)
    if row["kind"] == "managed":
        return "managed `%s`" % grant["managed_policy_arn"]
    return "`%s`" % json.dumps(dict((key, grant[key]) for key in ("Sid", "Action", "NotAction", "Resource", "NotResource") if key in grant),
                               sort_keys=True)


def usage_markdown(report, proposed=None):
    """USAGE.md: per application a summary line, the table of grants, the narrower intents and the denied calls."""
    proposed = proposed or {}
    out = ["# Usage of %s" % report["environment"], "",
           "What each application's roles did from %s to %s, read from CloudTrail (`playbooks/usage.yml`; statuses in docs/usage.md)."
           % (report["window"]["since"], report["window"]["until"]), ""]
    records = report["records"]
    files = report["files"]
    sees = report["trail_sees"]
    out.append("Records: %d read, %d of these applications, %d of other principals. Files: %d opened, %d folder(s) and %d file(s) skipped "
               "(account, region or window), %d unreadable."
               % (records["read"], records["of_applications"], records["other_principals"], files["opened"],
                  sum(files["skipped"]["folders"].values()), sum(files["skipped"]["files"].values()), len(files["errors"])))
    out.append("The trail records (from its %s): management events %s; data events of %s."
               % ("event selectors" if sees["source"] == "event_selectors" else "records", sees["management_events"],
                  ", ".join(sees["data_events"]) or "no service"))
    out.append("")
    for error in files["errors"]:
        out.append("- unreadable: `%s`: %s" % (error["file"], error["error"]))
    for item in records["unmapped"]:
        out.append("- unmapped event (no IAM action known): %s %s, %d record(s)" % (item["event_source"], item["event_name"], item["count"]))
    for item in report["messages"]:
        out.append("- message not answered: %s (%s)" % (item["problem"], item["message"][:200]))
    if files["errors"] or records["unmapped"] or report["messages"]:
        out.append("")
    for name, entry in report["applications"].items():
        summary = entry["summary"]
        out.append("## %s" % name)
        out.append("")
        out.append("**%s**: %d used, %d unused, %d not observable; %d narrower, %d denied."
                   % (name, summary["used"], summary["unused"], summary["not_observable"], summary["narrower"], summary["denied"]))
        out.append("")
        if entry["grants"]:
            out.append("| role | policy | grant | status | actions seen | resources seen | count | last seen |")
            out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
            for row in entry["grants"]:
                status = row["status"].replace("_", " ")
                if row["status"] == "not_observable":
                    status += " (%s)" % ", ".join(row.get("not_observed", []))[:200]
                out.append("| %s | `%s` | %s | %s | %s | %s | %s | %s |" % (
                    row["role"], _cell(row["policy"]), _cell(_grant_text(row)), _cell(status), _cell(", ".join(row["actions_seen"])),
                    _cell(_some(row["resources_seen"])), row["count"], row["last_seen"] or ""))
            out.append("")
        for item in entry["narrower"]:
            out.append("- narrower (%s role, `%s`): `%s` → `%s`"
                       % (item["role"], item["policy"], json.dumps(item["from"], sort_keys=True), json.dumps(item["to"], sort_keys=True)))
        for item in entry["denied"]:
            where = "%s on `%s`" % (item["action"], item["resource"]) if item["resource"] else item["action"]
            last = ", last %s" % item["last_seen"] if item["last_seen"] else ""
            head = "- denied (%s role): %s, %d time(s)%s: " % (item["role"], where, item["count"], last)
            if item["allowed_by_declaration"]:
                out.append(head + "the role's policies already allow it, so they are not the cause; look at %s." % "; ".join(item["causes"]))
            elif item["fix"]:
                out.append(head + "add the intent `%s` (rendered and passed by the gate)." % json.dumps(item["fix"], sort_keys=True))
            else:
                out.append(head + "no intent of the catalogue grants it; the hand-written statement would be `%s`."
                           % json.dumps(item["statement"], sort_keys=True))
        if name in proposed:
            out.append("- proposal: `proposed/host_vars/%s.yml` (%s)" % (name, "; ".join(proposed[name]["widens"] + proposed[name]["notes"])))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def usage_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + "\n"


def regions_of(applications):
    """The regions whose CloudTrail folders matter: every role's region and source regions, the regions grants name,
    and us-east-1 (where the calls to global services are logged). S3 calls are logged in the bucket's region: give
    ``usage_regions`` when buckets live elsewhere."""
    found = {"us-east-1"}
    for app in applications:
        for decl in app.get("roles") or []:
            if not decl:
                continue
            found.update(region for region in [decl.get("region")] + list(decl.get("source_regions") or []) if region)
            for trace in decl.get("grants") or []:
                region = (trace.get("options") or {}).get("region")
                if region:
                    found.add(region)
    return sorted(found)


def accounts_of(applications):
    return sorted(set(decl["account_id"] for app in applications for decl in app.get("roles") or [] if decl and decl.get("account_id")))
