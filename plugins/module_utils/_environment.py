# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The environment one inventory deploys, settled over EVERY application (host) of the inventory: no AWS call here.

An inventory manages its own environment's roles and nothing else, and each role has exactly one owner. Both are
properties of the whole inventory, so they are checked over every host of the inventory group (never the play's hosts:
``--limit`` and AWX job slices must check the same thing as a full run). The action plugin
``cerpac.ecs_iam.declare_environment`` feeds these functions; they take plain data and return problems.

``check_environment(applications, deployer=None, passrole=None)`` -> ``(environment, problems)``
    ``applications``: one mapping per host, in inventory order::

        {"host": "cerpac", "settings": {variable: value}, "host_level": [variable, ...],
         "task": declaration or None, "execution": declaration or None, "problems": [message, ...]}

    ``settings`` are the host's values of :data:`ENVIRONMENT_SETTINGS`; ``host_level`` the variables the host sets
    itself (its host_vars file or inline host vars); ``task``/``execution`` the declarations of
    ``_role_declaration`` (``execution`` None when the application has no execution role); ``problems`` the
    messages of a declaration that failed (a host outside the play, which the play's own checks do not see).
    ``deployer``: ``{"type": "role"|"user", "name"}`` or None. ``passrole``: the environment's PassRole declaration
    (``_role_declaration.declare_passrole``) or None.

    ``environment`` (published as the fact ``ecs_iam_environment``: what other steps read, such as leftovers)::

        {"environment", "account_id", "region", "partition", "paths": [...], "path" (:func:`environment_path`), "hosts": [...],
         "roles": [{"host", "kind", "role_name", "role_arn", "path", "state", "account_id"}],
         "role_names": [...], "role_arns": [...] (present roles only), "deployer", "passrole_role_paths"}

    ``problems``: ``{"host", "field", "value", "message"}``, the message starting with the application at fault.

``passrole_quota_problem(documents, deployer)``: one PassRole policy per application must fit IAM's 10,240-character
    quota for the deployer's inline policies together.

``check_caller(environment, caller_account_id)`` -> problems: the account guard of every role of the environment.

``inventory_settings`` (optional): the inventory's own values (without extra vars) of the environment settings that
    extra vars give (:func:`overridden_settings`).

Pure functions for each rule: :func:`host_level_settings`, :func:`host_level_execution`, :func:`differing_settings`,
:func:`overridden_settings`, :func:`duplicate_names`,
:func:`path_problem`, :func:`passrole_path_problem`, :func:`environment_components`.
"""

import json

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import KNOWN_ENVIRONMENTS
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import PLACEHOLDER_ACCOUNT
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import ROLE_ARN_RE
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import passrole_covers
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import passrole_policy
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import passrole_resources

# Variables that belong to the environment, not to an application: given once for the inventory group (group_vars or
# extra vars), never per host. The application's own ones (name, project id, state, grants, secrets...) may differ.
ENVIRONMENT_SETTINGS = (
    "aws_region",
    "ecs_task_role_env", "ecs_task_role_account_id", "ecs_task_role_allow_any_account", "ecs_task_role_region", "ecs_task_role_path",
    "ecs_task_execution_role_env", "ecs_task_execution_role_account_id", "ecs_task_execution_role_allow_any_account",
    "ecs_task_execution_role_region", "ecs_task_execution_role_path",
    "ecs_deployer_passrole_role_paths", "ecs_deployer_passrole_role_arns", "ecs_deployer_passrole_role_name",
    "ecs_deployer_passrole_user_name", "ecs_deployer_passrole_policy_name", "ecs_deployer_passrole_state",
    "ecs_deployer_passrole_account_id", "ecs_deployer_passrole_allow_any_account", "ecs_deployer_passrole_region",
    "ecs_iam_env", "ecs_iam_account_id", "ecs_iam_region", "ecs_iam_path", "ecs_iam_allow_any_account",
    # How strict the gate is, for every application of the environment alike: one host_vars file with fail_on never
    # (or no other environment to keep out) let its application grant "*" on "*" with a warning.
    "ecs_task_role_validate_fail_on", "ecs_task_role_other_environments",
    "ecs_task_execution_role_validate_fail_on", "ecs_task_execution_role_other_environments",
)
KINDS = {"task": "ecs_task_role", "execution": "ecs_task_execution_role", "deployer": "deployer"}
# The variable that names each kind of role (for the message's fix).
NAME_VARIABLES = {"task": "ecs_task_role_name", "execution": "ecs_task_execution_role_name", "deployer": "ecs_deployer_passrole_role_name"}


def _show(value):
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _problem(host, field, value, message):
    return {"host": host, "field": field, "value": value, "message": "host %s, %s=%s: %s" % (host, field, _show(value), message)}


def environment_components(text):
    """The components of an IAM path (``/ecs/staging/`` -> ``["ecs", "staging"]``)."""
    return [part for part in (text or "").split("/") if part]


def _other_environments(environment):
    return [name for name in KNOWN_ENVIRONMENTS if name != environment]


def host_level_settings(host_level):
    """The environment settings among the variables a host sets itself, sorted."""
    return sorted(set(host_level or ()) & set(ENVIRONMENT_SETTINGS))


def host_level_execution(names):
    """Ansible's own variables (``ansible_connection``, ``ansible_python_interpreter``, ``ansible_host``,
    ``ansible_become``...) among ``names``, sorted."""
    return sorted(name for name in set(names or ()) if str(name).startswith("ansible_"))


def execution_problems(host, overrides):
    """One problem for each of Ansible's own variables that ``host``'s host_vars files set to another value than the
    inventory's shared files (``overrides``: plugin_utils/_run_state.execution_overrides). Each host of the group is an
    application whose tasks all run on the controller with the deployer's credentials; how they run is the
    environment's to say (hosts.yml, group_vars), never one application's file: one that names another interpreter
    runs any program with those credentials."""
    return [{"host": host, "field": name, "value": None,
             "message": "host %s, %s: is set in this application's host_vars file, to another value than the inventory gives "
                        "the group. How Ansible runs (connection, interpreter, privilege) is the environment's to say: every "
                        "application's tasks run on the controller with the deployer's AWS credentials, and a program named "
                        "here would run with them. Remove it from host_vars/%s; set it in hosts.yml or group_vars if the "
                        "environment needs it" % (host, name, host)}
            for name in host_level_execution(overrides)]


def run_state_problems(host, names):
    """One problem naming every variable that only a run sets (plugin_utils/_run_state.py) among those the inventory
    gives ``host`` (``names``), or none."""
    if not names:
        return []
    names = sorted(names)
    return [{"host": host, "field": names[0], "value": None,
             "message": "host %s: %s set by the inventory (host_vars, group_vars); the collection's playbooks and roles set "
                        "%s during a run, from what that run checked and read, and later tasks trust %s instead of checking "
                        "again. Remove %s from the inventory" % (host, ", ".join(names), *(["them"] * 3 if len(names) > 1 else ["it"] * 3))}]


def differing_settings(applications):
    """``{variable: {shown value: [hosts]}}`` for each environment setting whose value is not the same on every host."""
    differing = {}
    for variable in ENVIRONMENT_SETTINGS:
        values = {}
        for application in applications:
            settings = application.get("settings") or {}
            if variable in settings:  # a host that leaves it out (an adopted role's own path) is not compared
                values.setdefault(_show(settings[variable]), []).append(application["host"])
        if len(values) > 1:
            differing[variable] = values
    return differing


def _empty(value):
    return value is None or value == "" or value == [] or value == {}


def _same(one, other):
    """One value of a setting, however written: ``-e key=value`` gives text (``true``, ``123456789012``)."""
    if isinstance(one, (list, dict)) or isinstance(other, (list, dict)):
        return _show(one) == _show(other)
    return str(one).strip().lower() == str(other).strip().lower()


def overridden_settings(applications):
    """``{variable: {"value": the run's value, "inventory": {shown inventory value: [hosts]}}}`` for each environment
    setting that extra vars (``-e``) give a value other than the one the inventory itself gives (group_vars, host
    vars): ``-i inventories/staging -e ecs_task_role_env=production`` would deploy another environment's roles from
    this inventory. An application's ``inventory_settings`` holds the inventory's own values (templated without the
    extra vars) of the settings the extra vars give; an empty one (``""``, ``[]``) is a placeholder the run may fill."""
    overridden = {}
    for application in applications:
        settings = application.get("settings") or {}
        for variable, value in sorted((application.get("inventory_settings") or {}).items()):
            if _empty(value) or _same(value, settings.get(variable)):
                continue
            found = overridden.setdefault(variable, {"value": settings.get(variable), "inventory": {}})
            found["inventory"].setdefault(_show(value), []).append(application["host"])
    return overridden


def duplicate_names(owners):
    """``{name: [(host, kind), ...]}`` for each IAM role name declared more than once. IAM role names are unique
    whatever their case (``App`` and ``app`` are one role), so names are compared case-insensitively; ``owners`` is a
    list of ``(name, host, kind)``."""
    seen = {}
    for name, host, kind in owners:
        if isinstance(name, str) and name:
            seen.setdefault(name.lower(), []).append((name, host, kind))
    return dict((found[0][0], [(host, kind) for dummy, host, kind in found]) for key, found in sorted(seen.items()) if len(found) > 1)


def path_problem(path, environment):
    """Why a role path does not belong to ``environment``, or None. ``/`` is accepted (the role's name prefix carries
    the environment); any other path names the environment as a whole component and no other environment."""
    if not isinstance(path, str) or path == "/":
        return None
    components = environment_components(path)
    others = [part for part in components if part in _other_environments(environment)]
    if others:
        return "names environment %s, not this inventory's (%s)" % (_show(others[0]), environment)
    if environment not in components:
        return "does not name the environment %s as a whole path component" % _show(environment)
    return None


def passrole_path_problem(path, environment):
    """Why a PassRole path (``ecs_deployer_passrole_role_paths``) may not be this environment's, or None: literal
    (no ``*`` or ``?``: IAM would match them as wildcards), starts and ends with ``/``, names the environment as a
    whole component and no other environment (``/ecs/`` in staging covers ``/ecs/production/``)."""
    if not isinstance(path, str) or not path.startswith("/") or not path.endswith("/") or path == "/":
        return "must start and end with / and name the environment, for example /ecs/%s/" % environment
    if "*" in path or "?" in path:
        return "contains a wildcard (* or ?), so PassRole would cover paths of other environments"
    problem = path_problem(path, environment)
    if problem:
        return problem + ", so PassRole would cover roles of other environments (%s)" % "/ecs/<environment>/"
    return None


INLINE_QUOTA = 10240  # IAM: the inline policies of one role (or user) together, whitespace not counted


def policy_size(document):
    """The size IAM counts for a policy document: its characters without whitespace."""
    return len("".join(json.dumps(document, sort_keys=True).split()))


def passrole_quota_problem(documents, deployer):
    """Why one PassRole policy per application would not fit on the deployer, or None. ``documents``: ``{host: policy
    document}`` of the per-application mode, over every host of the inventory; IAM refuses (LimitExceeded) once the
    deployer's inline policies together pass 10,240 characters, after every role was written."""
    total = sum(policy_size(document) for document in documents.values())
    if not deployer or total <= INLINE_QUOTA:
        return None
    return ("the %d applications' PassRole policies (one per application: the roles are not under an environment path) "
            "total %d characters on the deployer %s, over IAM's quota of %d for a %s's inline policies. Put the environment's roles "
            "under one path (ecs_task_role_path: /ecs/<environment>/) and name it in ecs_deployer_passrole_role_paths: one "
            "policy for the environment, whatever the number of applications"
            % (len(documents), total, deployer.get("name"), INLINE_QUOTA, deployer.get("type")))


PASSROLE_SETTINGS = ("ecs_deployer_passrole_role_paths", "ecs_deployer_passrole_role_arns", "ecs_deployer_passrole_policy_name",
                     "ecs_deployer_passrole_state")
ENVIRONMENT_POLICY = "environment"  # the key of the environment's one PassRole policy in ``passrole["policies"]``


def passrole_per_environment(role_paths, role_arns):
    """Which PassRole mode the inventory chose: one policy for the environment (True) when it names the roles the
    deployer may pass (an IAM path of the environment, or role ARNs), else one policy per application naming that
    application's own roles (False)."""
    return bool(role_paths or role_arns)


def passrole_inputs(role_arns, policy_name, state, render_subdir, render):
    """The inputs the playbooks give ``ecs_deployer_passrole`` for one policy, where render.yml writes it (under the
    environment's folder) and whether it does."""
    return {"ecs_deployer_passrole_role_arns": list(role_arns), "ecs_deployer_passrole_policy_name": policy_name,
            "ecs_deployer_passrole_state": state, "render_subdir": render_subdir, "render": render}


def present_role_arns(application):
    """The ARNs of the application's roles that exist after the run (an absent role has nothing to pass)."""
    return [d["role_arn"] for k, d in _roles_of(application) if d.get("state") == "present" and d.get("role_arn")]


def environment_passrole(applications, render=False):
    """The deployer's PassRole policies as the whole inventory declares them, every decision the playbooks take on them.

    Each application gives ``passrole`` (the inventory's own values of :data:`PASSROLE_SETTINGS`, without the roles'
    defaults: extra vars and inventory only), ``deployer_names`` (``ecs_deployer_passrole_role_name`` and ``_user_name``),
    ``env`` and ``project_id``; the environment's settings are the first application's (:func:`differing_settings`
    refuses any other value). Returns::

        {"per_environment": bool, "deployer": {"type", "name"} or None,
         "policies": {key: passrole_inputs(...)}, "hosts": {host: key},
         "documents": {host: document} (per application, the policies of hosts with a role to pass),
         "policy_names": {host: policy name} (per application),
         "paths_and_arns": {"role_paths", "role_arns", "state"} the inventory gives, or None (neither a deployer nor a path)}

    One policy for the environment (key ``environment``): the inventory's role ARNs, policy name (default
    ``<env>-ecs-passrole``) and state (:func:`passrole_uncovered` checks it covers every role). One per application
    (key: the host): its present roles, ``<env>-<project_id>-ecs-passrole``, absent when it has no role to pass.
    ``render``: render.yml's, where the policy is always present (a per-application policy with no role is not written)."""
    applications = [a for a in applications or [] if "passrole" in a]
    first = applications[0] if applications else {}
    settings = first.get("passrole") or {}
    names = first.get("deployer_names") or {}
    role_name, user_name = names.get("ecs_deployer_passrole_role_name") or "", names.get("ecs_deployer_passrole_user_name") or ""
    deployer = {"type": "role" if role_name else "user", "name": role_name or user_name} if role_name or user_name else None
    per_environment = passrole_per_environment(settings.get("ecs_deployer_passrole_role_paths"), settings.get("ecs_deployer_passrole_role_arns"))
    found = {"per_environment": per_environment, "deployer": deployer, "policies": {}, "hosts": {}, "documents": {}, "policy_names": {},
             "paths_and_arns": None, "render": bool(render)}
    if deployer or per_environment:
        found["paths_and_arns"] = {"role_paths": settings.get("ecs_deployer_passrole_role_paths") or [],
                                   "role_arns": settings.get("ecs_deployer_passrole_role_arns") or [],
                                   "state": settings.get("ecs_deployer_passrole_state") or "present"}
    if per_environment:
        state = "present" if render else settings.get("ecs_deployer_passrole_state") or "present"
        policy_name = settings.get("ecs_deployer_passrole_policy_name") or "%s-ecs-passrole" % first.get("env")
        found["policies"][ENVIRONMENT_POLICY] = passrole_inputs(settings.get("ecs_deployer_passrole_role_arns") or [], policy_name, state,
                                                                "", True)
        found["hosts"] = dict((application["host"], ENVIRONMENT_POLICY) for application in applications)
        return found
    for application in applications:
        host, arns = application["host"], present_role_arns(application)
        policy_name = "%s-%s-ecs-passrole" % (application.get("env"), application.get("project_id"))
        state = "present" if arns or render else "absent"
        found["policies"][host] = passrole_inputs(arns, policy_name, state, "/" + host, bool(arns))
        found["hosts"][host] = host
        found["policy_names"][host] = policy_name
        if arns:
            found["documents"][host] = passrole_policy(sorted(arns))
    return found


def passrole_uncovered(passrole, applications):
    """``[(host, role ARN)]``: each present role of the applications that one policy for the environment (``passrole``:
    ``{"role_paths", "role_arns", "state"}``, the inventory's) does not cover; ``[]`` with one policy per application
    (neither paths nor ARNs) or when the policy is removed (state absent)."""
    paths, arns = (passrole or {}).get("role_paths") or [], (passrole or {}).get("role_arns") or []
    if not passrole_per_environment(paths, arns) or (passrole or {}).get("state", "present") != "present":
        return []
    uncovered = []
    for application in applications:
        for kind, declaration in _roles_of(application):
            arn = declaration.get("role_arn")
            if declaration.get("state") != "present" or not arn:
                continue
            resources = passrole_resources(declaration.get("partition"), declaration.get("account_id"),
                                           [path for path in paths if isinstance(path, str)], [a for a in arns if isinstance(a, str)])
            if not passrole_covers(resources, arn):
                uncovered.append((application["host"], arn))
    return uncovered


def _roles_of(application):
    for kind in ("task", "execution"):
        declaration = application.get(kind)
        if declaration:
            yield kind, declaration


def _adopted_paths(application):
    """The path variables of the application's roles that are adopted in place (``<role>_adopt``): such a role keeps
    the path it has. ``ecs_iam_path`` follows the task role's path, and the execution role's path follows it unless set."""
    task, execution = application.get("task"), application.get("execution")
    paths = set()
    if task and task.get("adopt"):
        paths.update(("ecs_task_role_path", "ecs_iam_path"))
    if execution is None or execution.get("adopt"):
        paths.add("ecs_task_execution_role_path")
    return paths


def _without_adopted_paths(application):
    """The application as the hosts are compared: without the paths of its adopted roles, and without the execution
    role's settings when it has none (they declare nothing)."""
    left_out = _adopted_paths(application)
    if application.get("execution") is None:
        left_out.update(variable for variable in ENVIRONMENT_SETTINGS if variable.startswith("ecs_task_execution_role_"))
    settings = dict((key, value) for key, value in (application.get("settings") or {}).items() if key not in left_out)
    return dict(application, settings=settings)


def environment_path(applications):
    """The environment's own role path (what the leftovers step reads): the one path of the roles that are not adopted
    in place, or None when there is no such single path. An adopted role keeps a path of its own (``/ecs/`` made by
    Terraform, say), so the first host's path is not the environment's: that one would widen the leftovers to
    ``/ecs/production/``."""
    paths = sorted(set(d.get("path") or "/" for a in applications for k, d in _roles_of(a) if not d.get("adopt")))
    return paths[0] if len(paths) == 1 else None


def settle_accounts(environment, caller_account_id):
    """The environment once the caller's account is known: the placeholder account of roles whose inventory opted out of
    declaring one (allow_any_account) becomes the caller's, in ``roles``, ``role_arns``, ``account_id`` and the PassRole
    policies' role ARNs (``passrole``)."""
    placeholder = ":%s:" % PLACEHOLDER_ACCOUNT
    settled = dict(environment or {})
    roles = []
    for role in settled.get("roles") or []:
        role = dict(role)
        if str(role.get("account_id")) == PLACEHOLDER_ACCOUNT:
            role["account_id"] = caller_account_id
            role["role_arn"] = (role.get("role_arn") or "").replace(placeholder, ":%s:" % caller_account_id)
        roles.append(role)
    settled["roles"] = roles
    settled["role_arns"] = [arn.replace(placeholder, ":%s:" % caller_account_id) for arn in settled.get("role_arns") or []]
    if str(settled.get("account_id")) == PLACEHOLDER_ACCOUNT:
        settled["account_id"] = caller_account_id
    if settled.get("passrole"):
        policies = {}
        for key, inputs in (settled["passrole"].get("policies") or {}).items():
            arns = [arn.replace(placeholder, ":%s:" % caller_account_id) for arn in inputs.get("ecs_deployer_passrole_role_arns") or []]
            policies[key] = dict(inputs, ecs_deployer_passrole_role_arns=arns)
        settled["passrole"] = dict(settled["passrole"], policies=policies)
    return settled


def shared_passrole_policies(policy_names):
    """``{policy name: [hosts]}`` for each per-application PassRole policy (``<env>-<project_id>-ecs-passrole``) that
    more than one host would write on the deployer (one ``ecs_task_role_project_id`` for two applications): each
    host's write (or, with no role left, its delete) would undo the other's. Compared ignoring case, as IAM names."""
    seen = {}
    for host, name in (policy_names or {}).items():
        if isinstance(name, str) and name:
            seen.setdefault(name.lower(), []).append((name, host))
    return dict((found[0][0], [host for dummy, host in found]) for key, found in sorted(seen.items()) if len(found) > 1)


def check_environment(applications, deployer=None, passrole=None, per_application=None, policy_names=None, passrole_policies=None):
    """Check what every application of the inventory declares, together; see the module's documentation.
    ``per_application``: ``{host: PassRole document}`` when each application gets its own PassRole policy;
    ``policy_names``: ``{host: that policy's name}`` for every host then (those with no role to pass delete theirs);
    ``passrole_policies``: :func:`environment_passrole`'s result, which then gives the four above, published as
    ``passrole`` (``per_environment``, ``deployer``, ``policies``, ``hosts``)."""
    problems = []
    applications = list(applications or [])
    if passrole_policies is not None:
        deployer, passrole = passrole_policies["deployer"], passrole_policies["paths_and_arns"]
        per_application, policy_names = passrole_policies["documents"], passrole_policies["policy_names"]
    # Hosts whose own inputs are bad (outside the play: nobody else reports them).
    for application in applications:
        for message in application.get("problems") or []:
            problems.append({"host": application["host"], "field": None, "value": None,
                             "message": "host %s (checked with the whole inventory): %s" % (application["host"], message)})
    # Ansible's connection and interpreter settings given by one host's host_vars (every host's, in the play or not).
    for application in applications:
        problems.extend(execution_problems(application["host"], application.get("execution_overrides")))
        problems.extend(run_state_problems(application["host"], application.get("run_state")))
    # (a) environment settings given per host, or differing between hosts. A role adopted in place keeps the path it
    # has (IAM cannot move a role): its path may be the host's own.
    for application in applications:
        for variable in host_level_settings(application.get("host_level")):
            if variable in _adopted_paths(application):
                continue
            problems.append(_problem(application["host"], variable, (application.get("settings") or {}).get(variable),
                                     "is set for this application alone (host_vars or inline host vars), but it is a setting of the "
                                     "environment, which one inventory gives once for all its applications. Remove it from the host and "
                                     "set it in group_vars; an application of another environment belongs in that environment's inventory"))
    for variable, found in sorted(overridden_settings(applications).items()):
        hosts = [host for shown, hosts in sorted(found["inventory"].items()) for host in hosts]
        problems.append({"host": hosts[0], "field": variable, "value": found["value"], "hosts": hosts,
                         "message": "host %s, %s=%s (extra vars, -e): overrides the inventory's own value %s: an inventory deploys its "
                                    "own environment, and an extra var may only fill a setting it leaves empty. Deploy another "
                                    "environment with its own inventory (-i), or change the value in this inventory's group_vars"
                                    % (", ".join(hosts), variable, _show(found["value"]), " / ".join(sorted(found["inventory"])))})
    flagged = set((p["host"], p["field"]) for p in problems)
    for variable, values in sorted(differing_settings([_without_adopted_paths(a) for a in applications]).items()):
        ordered = sorted(values.items(), key=lambda item: (-len(item[1]), item[1]))
        for shown, hosts in ordered[1:]:
            for host in hosts:
                if (host, variable) in flagged:
                    continue
                problems.append({"host": host, "field": variable, "value": json.loads(shown) if shown != "undefined" else None,
                                 "message": "host %s, %s=%s: differs from %s (%s): one inventory deploys one environment with one "
                                            "value of each environment setting. Give it once in group_vars"
                                            % (host, variable, shown, ordered[0][0], ", ".join(ordered[0][1]))})
    environments = sorted(set(d.get("environment") for a in applications for k, d in _roles_of(a) if d.get("environment")))
    environment = environments[0] if len(environments) == 1 else None
    # (b) one owner per role name: every kind, every host, and never the deployer.
    owners = [(d.get("role_name"), a["host"], k) for a in applications for k, d in _roles_of(a)]
    if deployer and deployer.get("type") == "role":
        owners.append((deployer.get("name"), None, "deployer"))
    for name, found in duplicate_names(owners).items():
        apps = [host for host, kind in found if host is not None]
        described = " and ".join("%s's %s" % (host, KINDS[kind]) if host else "the deployer (%s)" % NAME_VARIABLES["deployer"]
                                 for host, kind in found)
        first = apps[0] if apps else None
        field = NAME_VARIABLES[[kind for host, kind in found if host == first][-1]] if first else NAME_VARIABLES["deployer"]
        problems.append({"host": first, "field": field, "value": name, "hosts": apps,
                         "message": "host %s: IAM role %s is declared by %s; a role has one owner, or each run would overwrite the "
                                    "other's grants (IAM role names ignore case). Give each role its own name (%s, %s), and never "
                                    "the deployer's" % (", ".join(apps) or "(none)", name, described, NAME_VARIABLES["task"],
                                                        NAME_VARIABLES["execution"])})
    # (c) every role's path carries the environment; (e) the execution role in its task role's account.
    for application in applications:
        host = application["host"]
        for kind, declaration in _roles_of(application):
            problem = path_problem(declaration.get("path"), declaration.get("environment"))
            if problem and declaration.get("adopt") and problem.startswith("does not name"):
                problem = None  # adopted in place: any path but another environment's
            if problem:
                problems.append(_problem(host, "%s_path" % KINDS[kind], declaration.get("path"), problem + ". Put the environment's roles "
                                         "under its own path, for example /ecs/%s/" % declaration.get("environment")))
        task, execution = application.get("task"), application.get("execution")
        if task and execution and str(task.get("account_id")) != str(execution.get("account_id")):
            problems.append(_problem(host, "ecs_task_execution_role_account_id", execution.get("account_id"),
                                     "differs from the account of the application's task role (%s): an application's roles live in one "
                                     "account. Declare one account for the environment (ecs_task_role_account_id)" % task.get("account_id")))
    # (d) PassRole paths and ARNs of the environment only.
    if passrole and environment:
        paths = passrole.get("role_paths") or []
        for index, path in enumerate(paths):
            problem = passrole_path_problem(path, environment)
            if problem:
                problems.append(_problem(applications[0]["host"] if applications else None, "ecs_deployer_passrole_role_paths[%d]" % index,
                                         path, problem + ". Write the environment's own path, for example /ecs/%s/" % environment))
        for index, arn in enumerate(passrole.get("role_arns") or []):
            match = ROLE_ARN_RE.match(arn) if isinstance(arn, str) else None
            if not match:
                continue
            name, path = match.group(5), match.group(3) or "/"
            problem = None if name.startswith(environment + "-") else "is not a role of %s (its name does not start with \"%s-\")" % (
                environment, environment)
            problem = problem or path_problem(path, environment)
            if problem:
                problems.append(_problem(applications[0]["host"] if applications else None, "ecs_deployer_passrole_role_arns[%d]" % index,
                                         arn, problem + ". List only this environment's roles"))
    # (f) one PassRole policy for the environment covers every role of every application (the roles' own checks see their
    # host alone; hosts outside --limit are checked here too), naming the application whose role it misses.
    # Only where the policy is written (a deployer named) or rendered: with neither, no policy exists to fall short, and an
    # adopted role kept at a path of its own (/ecs/) is the ownership pass's to judge.
    covered_by_policy = bool(deployer) or bool((passrole_policies or {}).get("render"))
    for host, arn in passrole_uncovered(passrole, applications) if covered_by_policy else []:
        problems.append(_problem(host, "ecs_deployer_passrole_role_paths", (passrole or {}).get("role_paths") or [],
                                 "does not cover %s, a role of this environment: the deployer could not pass it to ECS. Put the role "
                                 "under the environment's path (ecs_task_role_path), or list its ARN in ecs_deployer_passrole_role_arns"
                                 % arn))
    for name, hosts in shared_passrole_policies(policy_names if deployer else None).items():
        problems.append({"host": hosts[0], "field": "ecs_task_role_project_id", "value": name, "hosts": hosts,
                         "message": "host %s: the PassRole policy %s on the deployer %s is written by %s, one policy per application named "
                                    "<env>-<project_id>-ecs-passrole: each application's run would replace (or delete) the other's, "
                                    "leaving its roles impossible to pass. Give each application its own ecs_task_role_project_id, or put "
                                    "the environment's roles under one path named in ecs_deployer_passrole_role_paths"
                                    % (", ".join(hosts), name, (deployer or {}).get("name"), " and ".join(hosts))})
    quota = passrole_quota_problem(per_application or {}, deployer)
    if quota:
        problems.append({"host": None, "field": "ecs_deployer_passrole_role_paths", "value": [], "hosts": ["the environment"],
                         "message": "the environment, ecs_deployer_passrole_role_paths=[]: " + quota})
    for problem in problems:
        problem.setdefault("hosts", [problem["host"]] if problem["host"] else [])
    roles = [{"host": a["host"], "kind": k, "role_name": d.get("role_name"), "role_arn": d.get("role_arn") or "", "path": d.get("path"),
              "state": d.get("state"), "account_id": d.get("account_id")} for a in applications for k, d in _roles_of(a)]
    first = next((d for a in applications for k, d in _roles_of(a)), {})
    published = {
        "environment": environment,
        "account_id": first.get("account_id"),
        "region": first.get("region"),
        "partition": first.get("partition"),
        "paths": sorted(set(r["path"] for r in roles if r["path"])),
        "path": environment_path(applications),
        "hosts": [a["host"] for a in applications],
        "roles": roles,
        "role_names": sorted(r["role_name"] for r in roles if r["role_name"]),
        "role_arns": [r["role_arn"] for r in roles if r["state"] == "present" and r["role_arn"]],
        "deployer": deployer,
        "passrole_role_paths": list((passrole or {}).get("role_paths") or []),
        "passrole_role_arns": list((passrole or {}).get("role_arns") or []),
        "passrole": dict((key, value) for key, value in (passrole_policies or {}).items()
                         if key not in ("documents", "policy_names", "paths_and_arns", "render")),
    }
    return published, problems


def check_caller(environment, caller_account_id):
    """The account guard of every role of the environment: the credentials' account must be the one each role is
    declared in (a placeholder or empty account means the inventory opted out: any account). Returns problems."""
    problems = []
    for role in (environment or {}).get("roles") or []:
        account = str(role.get("account_id") or "")
        if account in ("", PLACEHOLDER_ACCOUNT) or account == str(caller_account_id):
            continue
        problems.append({"host": role["host"], "field": "%s_account_id" % KINDS[role["kind"]], "value": account, "hosts": [role["host"]],
                         "message": "host %s, IAM role %s: the AWS credentials in use belong to account %s, but the inventory declares "
                                    "account %s: refusing to change anything. Use credentials for account %s, or correct the account id "
                                    "in the inventory" % (role["host"], role["role_name"], caller_account_id, account, account)})
    return problems


def format_problems(problems):
    """The failure message: the applications at fault first, then one line per problem."""
    hosts = []
    for problem in problems:
        for host in problem.get("hosts") or []:
            if host not in hosts:
                hosts.append(host)
    lines = ["%s: %d problem(s) with the environment as the whole inventory declares it, nothing was changed in AWS:"
             % (", ".join(hosts) or "the inventory", len(problems))]
    lines.extend("- " + problem["message"] + "." for problem in problems)
    return "\n".join(lines)
