# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin for cerpac.ecs_iam.declare_environment: declare every role of EVERY host of the inventory group on the
controller (no AWS call) and check them together. Documentation in plugins/modules/declare_environment.py; the logic
in plugins/module_utils/_environment.py and _role_declaration.py.

Hosts outside the play (``--limit``, AWX job slices) are declared from their inventory variables
(``hostvars.raw_get``: inventory, facts and extra vars), the collection's role defaults and role vars and the play's
``vars_files``, templated in each host's own context, as the roles would see them."""

import os

from ansible.errors import AnsibleActionFail
from ansible.errors import AnsibleError
from ansible.utils.vars import combine_vars
from ansible.template import Templar

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import ENVIRONMENT_SETTINGS
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import PASSROLE_SETTINGS
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import check_caller
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import check_environment
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import environment_passrole
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import format_problems
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import settle_accounts
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import declare
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import format_problems as format_role_problems
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._role_specs import role_inputs
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._action_base import ControllerAction
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._run_state import execution_overrides
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._run_state import inventory_layers
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._run_state import inventory_vars
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._run_state import is_run_state

ARGUMENT_SPEC = dict(
    group=dict(type="str", default="ecs_iam"),
    vars_files=dict(type="list", elements="path", default=[]),
    render=dict(type="bool", default=False),
    declared=dict(type="dict"),
    caller_account_id=dict(type="str"),
)
_COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = ("ecs_task_role", "ecs_task_execution_role", "ecs_deployer_passrole")


def _load(loader, path):
    try:
        data = loader.load_from_file(path, trusted_as_template=True)
    except TypeError:  # ansible-core before 2.19: every string is a template
        data = loader.load_from_file(path)
    return dict(data or {})


class ActionModule(ControllerAction):
    """Declare and check the whole inventory's environment on the controller."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def _layers(self, vars_files):
        """(role defaults, play vars files, role vars) of the collection's roles, loaded once."""
        defaults, role_vars = {}, {}
        for role in ROLES:
            defaults.update(_load(self._loader, os.path.join(_COLLECTION, "roles", role, "defaults", "main.yml")))
            role_vars.update(_load(self._loader, os.path.join(_COLLECTION, "roles", role, "vars", "main.yml")))
        play = {}
        for path in vars_files:
            play.update(_load(self._loader, path))
        return defaults, play, role_vars

    @staticmethod
    def _inventory_vars(inventory, loader, host):
        """What the inventory itself gives a host, without extra vars (plugin_utils/_run_state.py)."""
        return inventory_vars(inventory, loader, host)

    def _inventory_settings(self, inventory_vars, overridden, hostvars):
        """The inventory's own values (templated without extra vars) of the environment settings the extra vars give;
        a value that cannot be templated so is kept as written (compared as it is: differing, it is refused)."""
        variables = dict(inventory_vars)
        variables["hostvars"] = hostvars
        templar = Templar(loader=self._loader, variables=variables)
        settings = {}
        for variable in overridden:
            if variable not in inventory_vars:
                continue
            try:
                settings[variable] = templar.template(self._trusted("{{ %s }}" % variable))
            except (AnsibleError, TypeError, ValueError, KeyError, AttributeError):
                settings[variable] = inventory_vars[variable]
        return settings

    def _application(self, name, raw, layers, extra_vars, host_level, render, hostvars, in_play):
        defaults, play, role_vars = layers
        variables = dict(defaults)
        variables.update(raw)
        variables["hostvars"] = hostvars
        variables.update(play)
        variables.update(role_vars)
        variables.update(extra_vars)
        templar = Templar(loader=self._loader, variables=variables)
        application = {"host": name, "host_level": host_level, "problems": [], "settings": {}}

        def value(expression):
            return templar.template(self._trusted("{{ %s }}" % expression))

        try:
            for variable in ENVIRONMENT_SETTINGS:
                application["settings"][variable] = value(variable) if variable in variables else None
            for kind, role, switch in (("task", "ecs_task_role", None), ("execution", "ecs_task_execution_role", "ecs_iam_execution_role")):
                application[kind] = None
                if switch and not value("%s | bool" % switch):
                    continue
                context = {"host": name, "variables": sorted(v for v in variables if v.startswith(role + "_")),
                           "known_variables": role_inputs(role), "render": render,
                           "environment": value("ecs_iam_env | default('')") if kind == "execution" else ""}
                declaration, problems = declare(role, value("_%s_inputs" % role), context)
                if problems and not in_play:  # a host of the play reports its own problems (its role's check)
                    application["problems"].append(format_role_problems(role, problems).replace("\n", " "))
                application[kind] = declaration
            # The inventory's own PassRole settings (inventory and extra vars, not the role's defaults): _environment decides the rest.
            application["passrole"] = dict((variable, value(variable)) for variable in PASSROLE_SETTINGS
                                           if variable in raw or variable in extra_vars)
            application["deployer_names"] = dict((variable, value(variable)) for variable in
                                                 ("ecs_deployer_passrole_role_name", "ecs_deployer_passrole_user_name"))
            application["env"] = value("ecs_iam_env | default('')")
            application["project_id"] = value("ecs_iam_project_id")
        except (AnsibleError, TypeError, ValueError, KeyError, AttributeError) as e:
            application["problems"].append("its variables cannot be templated: %s" % e)
        return application

    @staticmethod
    def _trusted(text):
        try:
            from ansible.template import trust_as_template
            return trust_as_template(text)
        except ImportError:  # ansible-core before 2.19
            return text

    def act(self, args, result, task_vars):
        if args["declared"] is not None:
            # The account guard of every role of the environment, once the caller's account is known.
            problems = check_caller(args["declared"], args["caller_account_id"] or "")
            if problems:
                result.update(failed=True, msg=format_problems(problems), problems=problems)
            else:
                result.update(changed=False, msg="every role of the environment is in account %s" % args["caller_account_id"],
                              environment=settle_accounts(args["declared"], args["caller_account_id"] or ""))
            return result
        hostvars = task_vars.get("hostvars")
        hosts = list((task_vars.get("groups") or {}).get(args["group"]) or [])
        if not hosts or hostvars is None:
            raise AnsibleActionFail("the inventory has no host in group %s: each application of the environment is a host of that group"
                                    % args["group"])
        inventory = getattr(hostvars, "_inventory", None)
        variable_manager = getattr(hostvars, "_variable_manager", None)
        extra_vars = dict(getattr(variable_manager, "extra_vars", {}) or {})
        layers = self._layers(args["vars_files"])
        play_hosts = set(task_vars.get("ansible_play_hosts_all") or task_vars.get("ansible_play_hosts") or [])
        applications = []
        for name in hosts:
            host = inventory.get_host(name) if inventory is not None else None
            # The host's inventory variables, read once: the names it sets itself (inline or host_vars), the
            # ansible_* its host_vars files change, and any run state the inventory gives it.
            shared, own = inventory_layers(inventory, self._loader, host) if host is not None else ({}, {})
            host_level = sorted(set((host.vars or {}) if host is not None else {}) | set(own))
            raw = hostvars.raw_get(name)
            in_play = name in play_hosts
            application = self._application(name, dict(raw), layers, extra_vars, host_level, args["render"], hostvars, in_play)
            application["execution_overrides"] = execution_overrides(shared, own)
            application["run_state"] = sorted(name for name in combine_vars(shared, own) if is_run_state(name))
            overridden = sorted(set(extra_vars) & set(ENVIRONMENT_SETTINGS))
            if overridden and host is not None:
                application["inventory_settings"] = self._inventory_settings(self._inventory_vars(inventory, self._loader, host), overridden, hostvars)
            applications.append(application)
        environment, problems = check_environment(applications, passrole_policies=environment_passrole(applications, render=args["render"]))
        if problems:
            result.update(failed=True, msg=format_problems(problems), problems=problems, environment=environment)
            return result
        result.update(changed=False, environment=environment)
        return result
