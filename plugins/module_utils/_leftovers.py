# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Leftovers: roles of an environment that no host of its inventory declares (a removed application, an execution
role turned off), found, described and planned for deletion. Plain data in, plain data out; no AWS call here.

A role is *of the environment* when its path says so or its tags say so (with the path ``/``, only its tags):

- path: under the environment's path (``/ecs/staging/``); when the environment's path is ``/``, which says nothing
  about the environment, the path says so only for a role directly under ``/`` whose name starts with ``<env>-``;
- tags: ``Environment=<env>``, ``ManagedBy=Ansible`` and ``Module`` one of the collection's role kinds (the tags
  every role the collection writes carries, ``_role_declaration``).

Either makes a role a leftover to report; only both make it one to prune: a role outside the path, or without the
collection's tags for this environment, is never touched.

The declared names come from ``declared_role_names`` (what each host's check published); that function is the one
place to point at an environment-wide declaration.
"""

# The tags the collection writes on each role it manages (roles/*/meta/argument_specs.yml: "always set").
MANAGED_BY = "Ansible"
MODULE_TAGS = ("ecs_task_role", "ecs_task_execution_role")
# The outputs each role kind publishes on its host, with the role's name in them.
DECLARATION_FACTS = ("ecs_task_role_outputs", "ecs_task_execution_role_outputs")


def declared_role_names(hosts, hostvars, environment=None):
    """The role names the inventory declares.

    With ``environment`` (the fact ``ecs_iam_environment`` that playbooks/tasks/environment.yml publishes: every role
    of every host of the inventory, declared on the controller whatever --limit or the job slice), its roles and its
    deployer role; nothing is missing. Without it, what every host of ``hosts`` (groups['ecs_iam']) published.

    Returns {"names": [...], "missing": [hosts that published no declaration]}: hosts outside --limit publish
    none, so "missing" not empty means the run cannot know every declared role. The deployer role
    (``ecs_deployer_passrole_role_name``) counts as declared: it is the environment's, not a leftover.
    """
    if isinstance(environment, dict) and isinstance(environment.get("roles"), list):
        names = set(str(role["role_name"]) for role in environment["roles"] if isinstance(role, dict) and role.get("role_name"))
        deployer = environment.get("deployer")
        if isinstance(deployer, dict) and deployer.get("type") == "role" and deployer.get("name"):
            names.add(str(deployer["name"]))
        return {"names": sorted(names), "missing": []}
    names, missing = set(), []
    for host in hosts:
        variables = hostvars[host]
        published = [variables.get(fact) for fact in DECLARATION_FACTS if fact in variables]
        published = [outputs for outputs in published if isinstance(outputs, dict) and outputs.get("role_name")]
        if not published:
            missing.append(host)
        names.update(str(outputs["role_name"]) for outputs in published)
        deployer = variables.get("ecs_deployer_passrole_role_name") if "ecs_deployer_passrole_role_name" in variables else ""
        if deployer:
            names.add(str(deployer))
    return {"names": sorted(names), "missing": missing}


def prune_refusal(prune, play_hosts, inventory_hosts, missing):
    """Why ``-e ecs_iam_prune=true`` cannot run here ("" when it can): a run that does not hold every host of the
    inventory cannot know which roles the others declare."""
    if not prune:
        return ""
    left_out = sorted(set(inventory_hosts) - set(play_hosts))
    if left_out:
        return ("ecs_iam_prune: refused under --limit (or a job slice): the run does not include %s of the inventory's "
                "hosts (%s), so it cannot know which roles they declare. Run the whole inventory to prune, without --limit."
                % (len(left_out), ", ".join(left_out[:10]) + (", ..." if len(left_out) > 10 else "")))
    if missing:
        return ("ecs_iam_prune: refused: host(s) %s published no declaration, so the run cannot know which roles they declare"
                % ", ".join(missing))
    return ""


def path_says(path, name, env, env_path):
    """Whether a role's path (and, for the path /, its name) places it in the environment."""
    path, env_path = path or "/", env_path or "/"
    if env_path == "/":
        return path == "/" and bool(env) and name.startswith(env + "-")
    return path.startswith(env_path)


def tags_say(tags, env):
    """Whether a role's tags say it is the collection's role of this environment."""
    tags = tags or {}
    return bool(env) and tags.get("Environment") == env and tags.get("ManagedBy") == MANAGED_BY and tags.get("Module") in MODULE_TAGS


def candidates(roles, env, env_path, declared):
    """The listed roles whose tags must be read: not declared, and under the environment's path or named ``<env>-...``
    (the name prefix finds roles of the environment that were moved out of its path, without reading the tags of
    every role of the account). ``roles``: ListRoles' items (RoleName, Path, Arn)."""
    declared = set(declared)
    found = []
    for role in roles:
        name = role["RoleName"]
        if name in declared:
            continue
        if path_says(role.get("Path"), name, env, env_path) or (env and name.startswith(env + "-")):
            found.append(role)
    return found


def classify(role, tags, env, env_path):
    """A candidate with its tags: {"name", "arn", "path", "tags", "path_says", "tags_say", "prune"} when it is a
    leftover of the environment, else None. ``prune`` says why not when it is not prunable ("" when it is)."""
    name, path = role["RoleName"], role.get("Path") or "/"
    by_path, by_tags = path_says(path, name, env, env_path), tags_say(tags, env)
    # The path / says nothing about who owns a role (an account's hand-made roles live there too, named for the
    # environment or not): there only the tags make a leftover, and the name prefix is the path's half of prune's test.
    if not (by_tags or (by_path and (env_path or "/") != "/")):
        return None
    reasons = []
    if not by_path:
        reasons.append("it is not under the environment's path %s" % env_path if env_path != "/"
                       else "its path is not / with a name starting %s-" % env)
    if not by_tags:
        reasons.append("its tags do not say Environment=%s, ManagedBy=%s, Module=%s" % (env, MANAGED_BY, "|".join(MODULE_TAGS)))
    return {"name": name, "arn": role.get("Arn"), "path": path, "tags": dict(tags or {}), "path_says": by_path, "tags_say": by_tags,
            "prunable": not reasons, "not_pruned_because": " and ".join(reasons)}


def still_prunable(live_role, tags, env, env_path):
    """Re-checked just before deleting: the role as read again (GetRole) must still be under the path with the tags."""
    return live_role is not None and path_says(live_role.get("Path"), live_role["RoleName"], env, env_path) and tags_say(tags, env)


def describe(leftover):
    """One line for people: the role, where it is, its grants, and whether prune deletes it."""
    grants = "inline policies [%s], managed policies [%s], instance profiles [%s]" % (
        ", ".join(leftover.get("inline_policies") or []), ", ".join(leftover.get("managed_policies") or []),
        ", ".join(leftover.get("instance_profiles") or []))
    if leftover.get("passrole_policies"):
        grants += "; the deployer's inline policies [%s] name it" % ", ".join(leftover["passrole_policies"])
    if leftover["prunable"]:
        fate = "-e ecs_iam_prune=true deletes it"
    else:
        fate = "-e ecs_iam_prune=true leaves it alone because %s" % leftover["not_pruned_because"]
    return "%s (%s): no host of the inventory declares it; %s; %s" % (leftover["name"], leftover["arn"], grants, fate)


def prune_steps(leftover):
    """The writes that delete a leftover, in order: inline policies, managed attachments, instance profiles (the role
    removed from each; the profile named like the role deleted too, as amazon.aws.iam_role does), then the role."""
    name = leftover["name"]
    steps = [("delete_role_policy", {"RoleName": name, "PolicyName": policy}) for policy in leftover.get("inline_policies") or []]
    steps += [("detach_role_policy", {"RoleName": name, "PolicyArn": arn}) for arn in leftover.get("managed_policies") or []]
    for profile in leftover.get("instance_profiles") or []:
        steps.append(("remove_role_from_instance_profile", {"RoleName": name, "InstanceProfileName": profile}))
        if profile == name:
            steps.append(("delete_instance_profile", {"InstanceProfileName": profile}))
    steps.append(("delete_role", {"RoleName": name}))
    return steps


def diff(leftovers):
    """--diff of a prune: each prunable leftover before, nothing after."""
    before = {}
    for leftover in leftovers:
        if leftover["prunable"]:
            before[leftover["name"]] = {"path": leftover["path"], "inline_policies": list(leftover.get("inline_policies") or []),
                                        "managed_policies": list(leftover.get("managed_policies") or []),
                                        "instance_profiles": list(leftover.get("instance_profiles") or [])}
    return {"before": before, "after": {}}


def _as_list(value):
    return value if isinstance(value, list) else [value]


def passrole_policies(policies, pruned_arns):
    """The deployer's inline policies that name pruned roles (per-application PassRole mode: <env>-<app>-ecs-passrole
    names the application's role ARNs, and outlives a removed application).

    ``policies``: {name: document}. Returns {"delete": [names], "edit": {name: [pruned ARNs it names]}, "named": {name:
    [pruned ARNs it names]} for both}: a policy is
    deleted only when every statement allows iam:PassRole and nothing else, on pruned roles' ARNs and nothing else (it
    grants nothing once they are gone); a policy that names a pruned role among other things is left for a person to edit.
    A policy that names the environment's path (role/ecs/staging/*) names no ARN exactly and is not touched.
    """
    pruned = set(pruned_arns)
    delete, edit, named_by = [], {}, {}
    for name, document in sorted(policies.items()):
        statements = _as_list((document or {}).get("Statement") or []) if isinstance(document, dict) else []
        resources = [resource for statement in statements if isinstance(statement, dict)
                     for resource in _as_list(statement.get("Resource") or [])]
        named = sorted(set(resource for resource in resources if resource in pruned))
        if not named:
            continue
        named_by[name] = named
        only_passrole = statements and all(
            isinstance(statement, dict) and statement.get("Effect") == "Allow" and "NotAction" not in statement
            and "NotResource" not in statement
            and [str(action).lower() for action in _as_list(statement.get("Action") or [])] == ["iam:passrole"]
            and all(resource in pruned for resource in _as_list(statement.get("Resource") or []))
            for statement in statements)
        if only_passrole:
            delete.append(name)
        else:
            edit[name] = named
    return {"delete": delete, "edit": edit, "named": named_by}
