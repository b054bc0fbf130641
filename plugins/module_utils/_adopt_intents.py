# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Adopt, step 2: recover the intents of a live role's policies, each proven by rendering it.

Grants (``recover_grants``), the execution role's start-up secrets (``recover_startup_secrets``) and the trust policy
(``source_regions``, ``trust_changes``). The proof that intents are exact is in ``_adopt.py``'s docstring: a statement
moves only when the rendered triples of the intents that replace it allow exactly the same requests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import json
import re

from collections.abc import Mapping

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import ACCOUNT_PATTERN
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CATALOGUE
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import KMS_KEY
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import REGION_PATTERN
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import ROLE_INLINE_POLICY_QUOTA
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import PREFIX_SUFFIX
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import render_grants
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _role_declaration
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import policies_differ
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import ECS_TASKS_SERVICE
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import PARAMETER_PATTERN
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import POLICY_VERSION
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import SECRET_PATTERN
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import TRUST_SID
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import _PLACEHOLDER_RE
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import _PLACE_PATTERNS
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import _as_list
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import _json
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import ecs_trust_statements
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import load_document
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import statements_of


# ---------------------------------------------------------------------------------------------------------------
# Permissions as data
# ---------------------------------------------------------------------------------------------------------------

def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def canonical_condition(condition):
    """A condition as a hashable value: operators as written, keys in lower case, each key's values as a sorted set."""
    if not condition:
        return ()
    items = []
    for operator, block in condition.items():
        for key, value in block.items():
            values = value if isinstance(value, list) else [value]
            items.append((operator, key.lower(), tuple(sorted(set(_scalar(item) for item in values)))))
    return tuple(sorted(items))


def _is_condition(condition):
    if not isinstance(condition, Mapping):
        return False
    for operator, block in condition.items():
        if not isinstance(operator, str) or not isinstance(block, Mapping):
            return False
        for key, value in block.items():
            values = value if isinstance(value, list) else [value]
            if not isinstance(key, str) or not values or not all(isinstance(item, (str, bool, int, float)) for item in values):
                return False
    return True


_MOVABLE_KEYS = frozenset(("Sid", "Effect", "Action", "Resource", "Condition"))


def why_not_movable(statement):
    """Why a statement can never become intents (None when it is an Allow of actions on resources that may)."""
    if not isinstance(statement, Mapping):
        return "not a statement object"
    if statement.get("Effect") == "Deny":
        return "a Deny statement: intents only allow"
    if statement.get("Effect") != "Allow":
        return "its Effect is neither Allow nor Deny"
    if "NotAction" in statement:
        return "it uses NotAction, which no intent renders"
    if "NotResource" in statement:
        return "it uses NotResource, which no intent renders"
    extra = sorted(key for key in statement if key not in _MOVABLE_KEYS)
    if extra:
        return "it has %s, which no intent renders" % ", ".join(extra)
    actions, resources = statement.get("Action"), statement.get("Resource")
    for label, value in (("Action", actions), ("Resource", resources)):
        values = _as_list(value)
        if not values or not all(isinstance(item, str) for item in values):
            return "its %s is not a string or a list of strings" % label
    if "Condition" in statement and not _is_condition(statement["Condition"]):
        return "its Condition is not a mapping of operators to condition keys"
    return None


def statement_triples(statement):
    """The permissions of one movable Allow statement: a frozenset of (lower-case action, resource, condition)."""
    condition = canonical_condition(statement.get("Condition"))
    return frozenset((action.lower(), resource, condition)
                     for action in _as_list(statement["Action"]) for resource in _as_list(statement["Resource"]))


def policy_triples(documents):
    """The permissions of Allow statements of documents, all of them movable (used on rendered policies)."""
    triples = set()
    for document in documents:
        for statement in statements_of(document):
            triples |= statement_triples(statement)
    return triples


# ---------------------------------------------------------------------------------------------------------------
# Statements that move: the fixpoint shared by grants and start-up secrets
# ---------------------------------------------------------------------------------------------------------------

def _movable_statements(policies):
    """``(movable, kept)``: movable statements as ``{"policy", "index", "sid", "triples"}`` and the others with why."""
    movable, kept = [], []
    for policy in policies:
        document = load_document(policy["document"])
        statements = statements_of(document)
        if not isinstance(document, Mapping) or not statements:
            kept.append({"policy": policy["name"], "index": None, "sid": None, "why": "the document is not a policy with statements"})
            continue
        for index, statement in enumerate(statements):
            why = why_not_movable(statement)
            sid = statement.get("Sid") if isinstance(statement, Mapping) else None
            if why:
                kept.append({"policy": policy["name"], "index": index, "sid": sid, "why": why})
            else:
                movable.append({"policy": policy["name"], "index": index, "sid": sid, "triples": statement_triples(statement)})
    return movable, kept


def _resource_order(policies):
    """Resource -> rank of its first appearance in the policies, so intents list names in the team's order."""
    order = {}
    for policy in policies:
        for statement in statements_of(policy["document"]):
            if isinstance(statement, Mapping):
                for resource in _as_list(statement.get("Resource")):
                    if isinstance(resource, str):
                        order.setdefault(resource, len(order))
    return order


def _fixpoint(movable, propose):
    """The largest set of statements that the intents proposed for them cover exactly.

    ``propose(triples)`` returns ``(intents, rendered)`` with ``rendered`` within ``triples``. A statement that the
    rendering does not cover entirely stays behind and the rest is proposed again, until every statement left is
    covered. Then the rendered triples equal the statements' triples. Returns ``(moved, intents, rendered)``.
    """
    current = list(movable)
    while current:
        wanted = set().union(*(item["triples"] for item in current))
        intents, rendered = propose(wanted)
        if not rendered <= wanted:
            return [], None, set()
        kept = [item for item in current if item["triples"] <= rendered]
        if len(kept) == len(current):
            return current, intents, rendered
        current = kept
    return [], None, set()


# ---------------------------------------------------------------------------------------------------------------
# Grants: candidate intents read back from ARNs, each proven by rendering
# ---------------------------------------------------------------------------------------------------------------

def _tokens(template):
    return [("placeholder", part[1:-1]) if _PLACEHOLDER_RE.fullmatch(part) else ("text", part)
            for part in _PLACEHOLDER_RE.split(template) if part]


def bindings(template, value, fixed=None, optional=(), patterns=None):
    """Every way the ``{placeholders}`` of a template can be filled so that it spells ``value`` exactly.

    ``fixed`` gives placeholders a required value; placeholders in ``optional`` may be empty; ``patterns`` gives
    placeholders a regular expression their value must match entirely.
    """
    tokens = _tokens(template)
    fixed = dict(fixed or {})
    patterns = {name: re.compile(pattern) for name, pattern in (patterns or {}).items()}
    found = []

    def walk(position, offset, bound):
        if position == len(tokens):
            if offset == len(value):
                found.append(dict(bound))
            return
        kind, text = tokens[position]
        if kind == "text":
            if value.startswith(text, offset):
                walk(position + 1, offset + len(text), bound)
            return
        known = bound.get(text, fixed.get(text))
        if known is not None:
            if value.startswith(known, offset):
                walk(position + 1, offset + len(known), bound)
            return
        start = offset if text in optional else offset + 1
        for end in range(start, len(value) + 1):
            if text in patterns and not patterns[text].fullmatch(value, offset, end):
                continue
            bound[text] = value[offset:end]
            walk(position + 1, end, bound)
            del bound[text]

    walk(0, 0, {})
    return found


def _statement_templates(service):
    for level, level_spec in CATALOGUE[service]["access"].items():
        for item in level_spec["statements"]:
            if not item.get("shared"):
                for template in item["resources"]:
                    yield level, template


class _GrantSearch:
    """Candidate grants for one role (one service, one access level, one resource each), rendered once each."""

    def __init__(self, partition, region, account_id, order=None):
        self.partition = partition
        self.region = region
        self.account_id = account_id
        self.order = order or {}  # resource -> rank of its first appearance in the role's policies
        self.rendered = {}  # json of a grant -> frozenset of triples, or None when it does not render

    def render(self, grant):
        key = _json(grant)
        if key not in self.rendered:
            policies, errors = render_grants([grant], self.partition, self.region, self.account_id)
            self.rendered[key] = None if errors else frozenset(policy_triples(policy["document"] for policy in policies))
        return self.rendered[key]

    def _names(self, service, resources):
        """Grant resources read back from ARNs: [(grant resource, region or None, account or None)], in the order the
        policies name them."""
        spec = CATALOGUE[service]["resources"]
        found = {}  # (grant resource, region, account) -> rank of the first ARN it was read from
        forms = [(spec["arn_name"], False)]
        if spec.get("name_prefix"):
            forms.append((spec["name_prefix"]["arn_name"], True))
        options = CATALOGUE[service].get("options", {})
        for _level, template in _statement_templates(service):
            for arn in resources:
                for bound in bindings(template, arn, {"partition": self.partition}, optional=tuple(options), patterns=_PLACE_PATTERNS):
                    if "resource" not in bound:
                        continue
                    for form, is_prefix in forms:
                        for named in bindings(form, bound["resource"]):
                            name = named.get("name", "")
                            if not name:
                                continue
                            if "/" in spec.get("strip", "") and not name.startswith("/"):
                                name = "/" + name  # how people write SSM paths; the renderer strips it again
                            key = (name + PREFIX_SUFFIX if is_prefix else name, bound.get("region"), bound.get("account"))
                            found[key] = min(found.get(key, len(self.order)), self.order.get(arn, len(self.order)))
        return sorted(found, key=lambda key: (found[key], tuple(str(part) for part in key)))

    def _option_values(self, service, resources, conditions):
        """Values of each option of the service seen in the ARNs and conditions: {option: {'' and values}}."""
        options = CATALOGUE[service].get("options", {})
        values = {option: {""} for option in options}
        if not options:
            return values
        templates = [template for _level, template in _statement_templates(service)]
        for option, option_spec in options.items():
            templates.extend(option_spec.get("extra_resources", []))
        for template in templates:
            for arn in resources:
                for bound in bindings(template, arn, {"partition": self.partition}, optional=tuple(options), patterns=_PLACE_PATTERNS):
                    for option in options:
                        if bound.get(option):
                            values[option].add(bound[option])
        for level_spec in CATALOGUE[service]["access"].values():
            for item in level_spec["statements"]:
                for option, condition in item.get("condition_if", {}).items():
                    for operator, block in condition.items():
                        for key, templates_ in block.items():
                            for template in _as_list(templates_):
                                for seen_operator, seen_key, seen_value in conditions:
                                    if seen_operator == operator and seen_key == key.lower():
                                        for bound in bindings(template, seen_value, {"partition": self.partition}):
                                            if bound.get(option):
                                                values[option].add(bound[option])
        return values

    def _kms_keys(self, resources):
        pattern = KMS_KEY["key_arn_template"].format(partition=re.escape(self.partition), region="(%s)" % REGION_PATTERN,
                                                     account="(%s)" % ACCOUNT_PATTERN, key_id="(%s)" % KMS_KEY["key_id_pattern"])
        keys = []
        for arn in sorted(resources):
            match = re.fullmatch(pattern, arn)
            if match:
                keys.append(arn)
        return keys

    def atoms(self, triples):
        """Every one-level, one-resource grant whose rendering lies within ``triples``: list of (grant, rendered)."""
        resources = {resource for _action, resource, _condition in triples}
        conditions = {(operator, key, value) for _a, _r, condition in triples for operator, key, values in condition for value in values}
        kms_keys = self._kms_keys(resources)
        accepted = []
        for service, spec in CATALOGUE.items():
            names = self._names(service, resources)
            if not names:
                continue
            option_values = self._option_values(service, resources, conditions)
            option_names = sorted(option_values)
            for (name, region, account), level in itertools.product(names, spec["access"]):
                keys = [None] + (kms_keys if spec.get("kms_via") and spec["access"][level].get("kms_actions") else [])
                for values, key in itertools.product(itertools.product(*(sorted(option_values[option]) for option in option_names)), keys):
                    grant = {"service": service, "access": [level], "resources": [name]}
                    if region and region != self.region:
                        grant["region"] = region
                    if account and account != self.account_id:
                        grant["account_id"] = account
                    grant.update((option, value) for option, value in zip(option_names, values) if value)
                    if key:
                        grant["kms_key"] = self._short_key(key, grant)
                    rendered = self.render(grant)
                    if rendered and rendered <= triples:
                        accepted.append((grant, rendered))
        return accepted

    def _short_key(self, arn, grant):
        """A key id when the key is in the grant's region and account (easier to read), else the key ARN."""
        prefix = _arns.arn(self.partition, "kms", grant.get("region", self.region), grant.get("account_id", self.account_id), "key/")
        return arn[len(prefix):] if arn.startswith(prefix) else arn


def _level_has_kms(service, level):
    return bool(CATALOGUE[service]["access"][level].get("kms_actions"))


def undominated(atoms):
    """Drop each grant whose permissions another grant already renders (the other one is kept: same union)."""
    ordered = sorted(enumerate(atoms), key=lambda item: (-len(item[1][1]), item[0]))
    kept = []
    for index, (grant, rendered) in ordered:
        if not any(rendered <= other for _i, (_g, other) in kept):
            kept.append((index, (grant, rendered)))
    return [atom for _index, atom in sorted(kept, key=lambda item: item[0])]


def merge_grants(atoms):
    """Fold one-level, one-resource grants into as few grants as renders the same: grants that another renders
    entirely are dropped; same service, region, account, options and KMS key together; resources with the same
    access levels in one grant. Access levels that use no KMS key join the grant of the same resource that names one."""
    atoms = [grant for grant, _rendered in undominated(atoms)]
    with_key = {}
    for grant in atoms:
        if grant.get("kms_key"):
            base = _json({k: v for k, v in grant.items() if k != "kms_key"})
            with_key.setdefault(base, []).append(grant["kms_key"])
    groups = {}
    order = []
    for grant in atoms:
        base = {k: v for k, v in grant.items() if k != "kms_key"}
        level = grant["access"][0]
        if not grant.get("kms_key") and _json(base) in with_key:
            continue  # the same grant with a KMS key renders these permissions and more that the role has
        key = grant.get("kms_key")
        if key is None and not _level_has_kms(grant["service"], level):
            # A level without KMS actions can join a keyed grant of the same resource.
            siblings = [other["kms_key"] for other in atoms if other.get("kms_key") and other["resources"] == grant["resources"]
                        and {k: v for k, v in other.items() if k not in ("kms_key", "access")} == {k: v for k, v in base.items() if k != "access"}]
            key = siblings[0] if siblings else None
        shape = {k: v for k, v in base.items() if k not in ("access", "resources")}
        group_key = _json(dict(shape, kms_key=key))
        if group_key not in groups:
            groups[group_key] = (shape, key, {})
            order.append(group_key)
        groups[group_key][2].setdefault(grant["resources"][0], set()).add(level)
    merged = []
    for group_key in order:
        shape, key, levels_by_name = groups[group_key]
        by_levels = {}
        for name, levels in levels_by_name.items():
            ordered = tuple(level for level in CATALOGUE[shape["service"]]["access"] if level in levels)
            by_levels.setdefault(ordered, []).append(name)
        for levels, names in by_levels.items():
            grant = {"service": shape["service"], "access": list(levels), "resources": names}
            grant.update((k, v) for k, v in shape.items() if k != "service")
            if key and any(_level_has_kms(shape["service"], level) for level in levels):
                grant["kms_key"] = key
            merged.append(grant)
    services = list(CATALOGUE)
    return sorted(merged, key=lambda grant: services.index(grant["service"]))


def recover_grants(policies, partition, region, account_id, reserved_chars=0):
    """Intents for the statements of a task role's inline policies that intents reproduce exactly.

    Returns ``{"grants", "policies" (rendered), "moved" [{policy, index, sid, triples}], "kept" [{policy, index, sid,
    why}], "why_none"}``. Proof: the grants rendered together by ``render_grants`` allow exactly the triples of the
    moved statements (checked here; when it fails nothing moves).
    """
    movable, kept = _movable_statements(policies)
    search = _GrantSearch(partition, region, account_id, _resource_order(policies))

    def propose(triples):
        atoms = search.atoms(triples)
        return atoms, set().union(*(rendered for _grant, rendered in atoms)) if atoms else set()

    moved, atoms, rendered = _fixpoint(movable, propose)
    result = {"grants": [], "policies": [], "moved": [], "kept": kept, "why_none": None}
    moved_keys = {(item["policy"], item["index"]) for item in moved}
    unmoved = [item for item in movable if (item["policy"], item["index"]) not in moved_keys]
    explained = _explain_unmoved(unmoved, search, movable, _spelling(policies)) if unmoved else []
    result["kept"] = _in_policy_order(kept + explained)
    if not moved:
        return result
    for candidate in (merge_grants(atoms), [grant for grant, _rendered in atoms]):
        documents, errors = render_grants(candidate, partition, region, account_id, reserved_chars=reserved_chars)
        oversize = [error["value"] for error in errors if error["field"] == "grants" and isinstance(error["value"], int)]
        if oversize:
            result["why_none"] = ("the intents render larger than the statements they replace: %d non-whitespace characters of inline "
                                  "policies, over IAM's quota of %d for a role" % (oversize[0], ROLE_INLINE_POLICY_QUOTA))
            break
        if errors:
            result["why_none"] = "rendering the intents fails: " + "; ".join(error["message"] for error in errors)
            break
        if policy_triples(policy["document"] for policy in documents) == rendered:
            result.update(grants=candidate, policies=documents, moved=moved, why_none=None)
            return result
        result["why_none"] = "rendering the intents did not give back exactly the statements' permissions"
    result["kept"] = _in_policy_order(result["kept"] + [dict(_without_triples(item), why=result["why_none"]) for item in moved])
    return result


def _spelling(policies):
    """Lower-case action -> how the catalogue or the role's policies spell it (for messages)."""
    spelled = {}
    for spec in CATALOGUE.values():
        for level_spec in spec["access"].values():
            for action in [action for item in level_spec["statements"] for action in item["actions"]] + level_spec.get("kms_actions", []):
                spelled.setdefault(action.lower(), action)
    for policy in policies:
        for statement in statements_of(policy["document"]):
            if isinstance(statement, Mapping):
                for action in _as_list(statement.get("Action")):
                    if isinstance(action, str):
                        spelled.setdefault(action.lower(), action)
    return spelled


def _describe_grant(grant):
    text = "%s %s on %s" % (grant["service"], "+".join(grant["access"]), ", ".join(grant["resources"]))
    extras = ["%s=%s" % (key, grant[key]) for key in sorted(grant) if key not in ("service", "access", "resources")]
    return text + (" (%s)" % ", ".join(extras) if extras else "")


def _explain_unmoved(unmoved, search, movable, spelled):
    """Why each movable statement that did not move stays as written.

    Its permissions that no intent fitting within the role's statements renders are named, with the nearest intent
    and what it would add; a statement whose permissions all have intents stays because those intents also render
    permissions of statements that stay.
    """
    everything = set().union(*(item["triples"] for item in movable))
    coverable = set().union(*(rendered for _grant, rendered in search.atoms(everything)))
    explained = []
    for item in unmoved:
        blockers = sorted(item["triples"] - coverable)
        reasons = []
        for action, resource, condition in blockers[:50]:
            if "*" in action or "?" in action:
                reasons.append("the action %s is a wildcard; intents list each action" % spelled.get(action, action))
                continue
            best = None
            for key, rendered in search.rendered.items():
                if rendered and (action, resource, condition) in rendered:
                    extra = rendered - everything
                    if best is None or len(extra) < len(best[1]):
                        best = (json.loads(key), extra)
            if best is None:
                reasons.append("no intent renders %s on %s%s" % (spelled.get(action, action), resource, " with its condition" if condition else ""))
                continue
            by_resource = {}
            for extra_action, extra_resource, extra_condition in sorted(best[1]):
                label = extra_resource + (" (with a condition)" if extra_condition else "")
                by_resource.setdefault(label, []).append(spelled.get(extra_action, extra_action))
            extra = "; ".join("%s on %s" % (", ".join(actions), label) for label, actions in sorted(by_resource.items()))
            reasons.append("the nearest intent, %s, would also allow %s" % (_describe_grant(best[0]), extra))
        if not blockers:
            reasons.append("the intents that render its permissions also render permissions of statements that stay as written")
        unique = []
        for reason in reasons:
            if reason not in unique:
                unique.append(reason)
        explained.append({"policy": item["policy"], "index": item["index"], "sid": item["sid"],
                          "why": "; ".join(unique[:3]) + ("; ..." if len(unique) > 3 else "")})
    return explained


# ---------------------------------------------------------------------------------------------------------------
# The execution role's start-up secrets
# ---------------------------------------------------------------------------------------------------------------

def startup_secrets_policy(secrets, parameters, kms_keys, partition, region, account_id):
    """The inline policy ``ecs-startup-secrets`` the execution role renders from its secrets, parameters and keys: the
    role's own builder (``_role_declaration.startup_secrets_policy``), with an empty statement list for nothing."""
    document = _role_declaration.startup_secrets_policy(partition, region, account_id, secrets, parameters, kms_keys)
    return document or {"Version": POLICY_VERSION, "Statement": []}


def _startup_reason(triple, base, spelled):
    """Why one permission is not among what the execution role's start-up secrets render."""
    action, resource, condition = triple
    name = spelled.get(action, action)
    if action == "kms:decrypt":
        return ("%s on %s: the role renders Decrypt only through Secrets Manager or Parameter Store (kms:ViaService), "
                "and only beside secrets or parameters" % (name, resource))
    if action not in ("secretsmanager:getsecretvalue", "ssm:getparameters"):
        return "the start-up secrets render no %s (only GetSecretValue, GetParameters and Decrypt)" % name
    if condition:
        return "%s on %s has a condition the start-up secrets do not render" % (name, resource)
    if action == "secretsmanager:getsecretvalue":
        return ("%s on %s: the role renders %s<name>-?????? or %s<prefix>/* (its region and account)"
                % (name, resource, base % "secretsmanager" + "secret:", base % "secretsmanager" + "secret:"))
    return "%s on %s: the role renders %s<name> (its region and account)" % (name, resource, base % "ssm" + "parameter/")


def recover_startup_secrets(policies, partition, region, account_id):
    """The execution role's ``secrets``, ``parameters`` and ``kms_keys`` for the statements they reproduce exactly.

    Returns ``{"intents": {"secrets", "parameters", "kms_keys"}, "document", "moved", "kept"}``; proof as for grants,
    with :func:`startup_secrets_policy` as the renderer.
    """
    movable, kept = _movable_statements(policies)
    base = _arns.arn(partition, "%s", region, account_id, "")  # each service's "arn:<partition>:<service>:<region>:<account>:"
    dns_suffix = _arns.dns_suffix(partition) or "amazonaws.com"
    key_pattern = re.escape(base % "kms") + "key/(%s)" % KMS_KEY["key_id_pattern"]
    any_key = KMS_KEY["key_arn_template"].format(partition=re.escape(partition), region=REGION_PATTERN, account=ACCOUNT_PATTERN,
                                                 key_id="(?:%s)" % KMS_KEY["key_id_pattern"])

    order = _resource_order(policies)

    def propose(triples):
        ordered = sorted(triples, key=lambda triple: (order.get(triple[1], len(order)), triple))
        secrets, parameters, keys = [], [], []
        for action, resource, condition in ordered:
            if condition:
                continue
            if action == "secretsmanager:getsecretvalue" and resource.startswith(base % "secretsmanager" + "secret:"):
                rest = resource[len(base % "secretsmanager" + "secret:"):]
                name = rest if rest.endswith("/*") else (rest[:-len("-??????")] if rest.endswith("-??????") else None)
                if name and re.fullmatch(SECRET_PATTERN, name) and name not in secrets:
                    secrets.append(name)
            elif action == "ssm:getparameters" and resource.startswith(base % "ssm" + "parameter/"):
                rest = resource[len(base % "ssm" + "parameter/"):]
                name = "/" + rest if "/" in rest else rest
                if re.fullmatch(PARAMETER_PATTERN, name) and name not in parameters:
                    parameters.append(name)
        via = (["secretsmanager.%s.%s" % (region, dns_suffix)] if secrets else []) + (["ssm.%s.%s" % (region, dns_suffix)] if parameters else [])
        wanted_condition = canonical_condition({"StringEquals": {"kms:ViaService": via}}) if via else None
        for action, resource, condition in ordered:
            if action == "kms:decrypt" and condition == wanted_condition and re.fullmatch(any_key, resource):
                match = re.fullmatch(key_pattern, resource)
                key = match.group(1) if match else resource
                if key not in keys:
                    keys.append(key)
        if not secrets and not parameters:
            return None, set()
        intents = {"secrets": secrets, "parameters": parameters, "kms_keys": keys}
        document = startup_secrets_policy(secrets, parameters, keys, partition, region, account_id)
        return intents, policy_triples([document])

    moved, intents, _rendered = _fixpoint(movable, propose)
    moved_keys = {(item["policy"], item["index"]) for item in moved}
    spelled = _spelling(policies)
    coverable = propose(set().union(*(item["triples"] for item in movable)))[1] if movable else set()
    for item in movable:
        if (item["policy"], item["index"]) not in moved_keys:
            reasons = []
            for triple in sorted(item["triples"] - coverable):
                reason = _startup_reason(triple, base, spelled)
                if reason not in reasons:
                    reasons.append(reason)
            if not reasons:
                reasons.append("the start-up secrets that render its permissions also render permissions of statements that stay as written")
            kept.append({"policy": item["policy"], "index": item["index"], "sid": item["sid"],
                         "why": "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else "")})
    kept = _in_policy_order(kept)
    if not moved:
        return {"intents": None, "document": None, "moved": [], "kept": kept}
    document = startup_secrets_policy(intents["secrets"], intents["parameters"], intents["kms_keys"], partition, region, account_id)
    return {"intents": intents, "document": document, "moved": moved, "kept": kept}


# ---------------------------------------------------------------------------------------------------------------
# The trust policy the roles write
# ---------------------------------------------------------------------------------------------------------------

def trust_policy(partition, account_id, regions):
    """The trust policy the roles write (``_role_declaration.trust_policy``, with the confused-deputy conditions)."""
    return _role_declaration.trust_policy(partition, account_id, regions)


def source_regions(trust, partition, account_id):
    """Regions of the ``aws:SourceArn`` patterns of the live ECS trust statements (``arn:<p>:ecs:<region>:<account>:...``)."""
    regions = []
    statements = statements_of(trust)
    for index in ecs_trust_statements(trust):
        condition = statements[index].get("Condition") or {}
        for block in condition.values():
            if not isinstance(block, Mapping):
                continue
            for key, value in block.items():
                if key.lower() != "aws:sourcearn":
                    continue
                for arn in _as_list(value):
                    fields = _arns.parse(str(arn))
                    if (fields and (fields["partition"], fields["service"], fields["account_id"]) == (partition, "ecs", account_id)
                            and re.fullmatch(REGION_PATTERN, fields["region"]) and fields["region"] not in regions):
                        regions.append(fields["region"])
    return regions


def _principal_strings(principal):
    if principal == "*":
        return ["*"]
    if not isinstance(principal, Mapping):
        return []
    return ["%s %s" % (kind, value) for kind, values in sorted(principal.items()) for value in _as_list(values)]


def trust_changes(live, declared):
    """What replacing the live trust policy with the declared one changes, in words (empty when nothing)."""
    if not policies_differ(live, declared):
        return []
    changes = []
    statements = statements_of(live)
    ecs = ecs_trust_statements(live)
    wanted = declared["Statement"][0]
    for index, statement in enumerate(statements):
        sid = statement.get("Sid") if isinstance(statement, Mapping) else None
        label = "statement %d%s" % (index, " (%s)" % sid if sid else "")
        if index not in ecs:
            changes.append("trust: %s is dropped (%s)" % (label, _json(statement)))
            continue
        others = [item for item in _principal_strings(statement.get("Principal")) if item.lower() != "service " + ECS_TASKS_SERVICE]
        if others:
            changes.append("trust: principals other than ECS tasks are dropped from %s: %s" % (label, ", ".join(others)))
        actions = sorted(action for action in _as_list(statement.get("Action")) if isinstance(action, str) and action != "sts:AssumeRole")
        if actions or "NotAction" in statement:
            changes.append("trust: %s allows only sts:AssumeRole (was %s)" % (label, _json(statement.get("Action", {"NotAction": statement.get("NotAction")}))))
        condition = statement.get("Condition") or {}
        live_keys = {}
        for operator, block in condition.items():
            for key, value in (block.items() if isinstance(block, Mapping) else []):
                live_keys[key.lower()] = (operator, key, value)
        for operator, block in wanted["Condition"].items():
            for key, value in block.items():
                seen = live_keys.pop(key.lower(), None)
                if seen is None:
                    changes.append("trust: the confused-deputy condition %s %s=%s is added" % (operator, key, _json(value)))
                elif canonical_condition({seen[0]: {seen[1]: seen[2]}}) != canonical_condition({operator: {key: value}}):
                    changes.append("trust: the condition %s %s=%s becomes %s %s=%s" % (seen[0], seen[1], _json(seen[2]), operator, key, _json(value)))
        for operator, key, value in live_keys.values():
            changes.append("trust: the condition %s %s=%s is dropped" % (operator, key, _json(value)))
        if sid != TRUST_SID:
            changes.append("trust: the statement's Sid becomes %s (was %s)" % (TRUST_SID, _json(sid)))
    if not changes:
        changes.append("trust: rewritten to the standard ECS tasks trust policy")
    return changes


def _without_triples(item):
    return {key: value for key, value in item.items() if key != "triples"}


def _in_policy_order(items):
    return sorted(items, key=lambda item: (item["policy"], -1 if item["index"] is None else item["index"]))
