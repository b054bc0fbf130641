# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin for cerpac.ecs_iam.declare_role: every input check and policy document of one of the collection's
roles, computed in the controller process (no module round trip, no AWS call). Documentation in
plugins/modules/declare_role.py; the logic in plugins/module_utils/_role_declaration.py."""

import json
import os

from ansible.errors import AnsibleActionFail

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import ROLE_NAMES
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import declare
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import format_problems
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_writes import declaration_current
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import format_finding
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._role_specs import entry_point_options
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._role_specs import role_inputs
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._role_specs import owned_variables
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._role_specs import spec_errors
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._action_base import ControllerAction
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._run_state import set_in_this_run
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._run_state import set_outside_the_run

ARGUMENT_SPEC = dict(
    role=dict(type="str", required=True, choices=list(ROLE_NAMES)),
    inputs=dict(type="dict", required=True),
    variables=dict(type="list", elements="str"),
    environment=dict(type="str", default=""),
    caller_account_id=dict(type="str", default=""),
    required_role_arns=dict(type="list", elements="str", default=[]),
    render_dir=dict(type="str"),
    published=dict(type="dict"),
    published_inputs=dict(type="dict"),
)


def _json(document):
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def rendered_files(declaration):
    """``{file name: text}`` of what the render entry point writes for a declaration."""
    if declaration["role"] == "ecs_deployer_passrole":
        return {"passrole-policy.json": _json(declaration["document"] or {})}
    role = {
        "name": declaration["role_name"],
        "arn": declaration["role_arn"],
        "path": declaration["path"],
        "description": declaration["description"],
        "max_session_duration": declaration["max_session_duration"],
        "permissions_boundary": declaration["permissions_boundary"],
        "tags": declaration["tags"],
        "managed_policy_arns": sorted(declaration["managed_policy_arns"]),
        "inline_policies": sorted(policy["name"] for policy in declaration["inline_policies"]),
    }
    files = {"role.json": json.dumps(role, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
             "trust-policy.json": _json(declaration["trust_policy"])}
    for policy in declaration["inline_policies"]:
        document = policy["document"]
        files["policy-%s.json" % policy["name"]] = _json(json.loads(document) if isinstance(document, str) else document)
    return files


def write_files(folder, files, check_mode, owned_pattern=("policy-", ".json")):
    """Write ``files`` into ``folder`` and remove the policy files it no longer declares; return the changed names."""
    changed = []
    existing = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    for name, text in sorted(files.items()):
        path = os.path.join(folder, name)
        current = None
        if os.path.exists(path):
            with open(path, "r", encoding="utf-8") as handle:
                current = handle.read()
        if current != text:
            changed.append(name)
            if not check_mode:
                os.makedirs(folder, exist_ok=True)
                with open(path + ".tmp", "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(path + ".tmp", path)
    for name in existing:
        if name.startswith(owned_pattern[0]) and name.endswith(owned_pattern[1]) and name not in files:
            changed.append(name)
            if not check_mode:
                os.remove(os.path.join(folder, name))
    return changed


class ActionModule(ControllerAction):
    """Check a role's inputs and settle its declaration on the controller."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def _spec_values(self, role, inputs, task_vars):
        """The role's inputs as ansible-core's role argument validation reads them: each option's variable, templated
        (a bad value reaches the validator as given, before any ``| bool`` of the role's vars), else the value in
        ``inputs`` (declare_role called outside the role)."""
        values = dict(inputs)
        values.update(self._templar.template(dict((name, task_vars[name]) for name in entry_point_options(role) if name in task_vars)))
        return values

    def refuse_before_arguments(self, task_vars):
        """``{failed, msg, argument_errors}`` when the role's variables do not conform to the options of its ``main``
        entry point (meta/argument_specs.yml), else ``None``. Every entry point takes those options, declared once on
        ``main``: they are validated here for whichever entry point called, as ansible-core validates an entry point's
        own options, and before this task's own arguments, as ansible-core does at the start of the role (a bad
        ``ecs_deployer_passrole_required_role_arns`` is the role's input before it is ``required_role_arns``)."""
        role = self._task.args.get("role")
        if role not in ROLE_NAMES:
            return None
        inputs = self._task.args.get("inputs")
        errors = spec_errors(role, self._spec_values(role, inputs if isinstance(inputs, dict) else {}, task_vars))
        if not errors:
            return None
        return dict(failed=True, argument_errors=errors,
                    msg="host %s, %s: validation of arguments failed (roles/%s/meta/argument_specs.yml), nothing was changed in AWS:\n%s"
                    % (task_vars.get("inventory_hostname"), role, role, "\n".join("- " + error for error in errors)))

    @staticmethod
    def _published_in_this_run(role, host, args, task_vars):
        """Whether ``published`` serves as it is: a task of this run published it (``set_fact``, never the inventory)
        from the same inputs, and it is not waiting for the caller's account."""
        this_run = set_in_this_run(task_vars, host)
        if not this_run or this_run.get(role + "_outputs") != args["published"]:
            return False
        if this_run.get("__%s_declared_inputs" % role) != args["published_inputs"]:
            return False
        return declaration_current(args["published"], args["published_inputs"], args["inputs"])

    def act(self, args, result, task_vars):
        role = args["role"]
        host = task_vars.get("inventory_hostname")
        if args["render_dir"] is None and self._published_in_this_run(role, host, args, task_vars):
            # Declared in this run from the same inputs (deploy.yml's check play): every check already passed.
            result.update(changed=False, declaration=args["published"], needs_account=False, reused=True)
            return result
        # What a run sets for itself (a published declaration, the caller's account, checked findings) is never an input.
        outside = set_outside_the_run(task_vars, host, self._loader)
        if outside:
            result.update(failed=True, run_state_variables=outside, msg=(
                "host %s, %s: %s set by the inventory (host_vars, group_vars) or -e; nothing was changed in AWS. The "
                "collection's playbooks and roles set %s during a run, from what that run checked and read, and later "
                "tasks trust %s instead of checking again. Remove %s from the inventory."
                % (host, role, ", ".join(outside), "it" if len(outside) == 1 else "them", "it" if len(outside) == 1 else "them",
                   "it" if len(outside) == 1 else "them")))
            return result
        variables = args["variables"]
        if variables is None:  # the variables of the task: its own prefix; the task role's also the collection's other prefixes
            prefixes = tuple(owned_variables()) if role == "ecs_task_role" else (role + "_",)
            variables = sorted(name for name in task_vars if name.startswith(prefixes))
        context = {
            "host": host,
            "environment": args["environment"],
            "caller_account_id": args["caller_account_id"],
            "variables": variables,
            "known_variables": role_inputs(role),
            # The task role, checked for every application, also refuses typos under the collection's other prefixes.
            "other_prefixes": dict((prefix, names) for prefix, names in owned_variables().items()
                                   if prefix != role + "_") if role == "ecs_task_role" else {},
            "render": args["render_dir"] is not None,
            "required_role_arns": args["required_role_arns"],
        }
        if args["render_dir"] is not None and not args["render_dir"].strip():
            raise AnsibleActionFail("%s: %s_render_dir=%s: give the folder to write the rendered files into, for example "
                                    "rendered/staging (created when missing)" % (role, role, json.dumps(args["render_dir"])))
        declaration, problems = declare(role, args["inputs"], context)
        if problems:
            result.update(failed=True, msg=format_problems(role, problems, host), problems=problems)
            return result
        result.update(changed=False, declaration=declaration)
        result["needs_account"] = bool(declaration.get("needs_account"))
        if args["render_dir"] is not None:
            folder = os.path.expanduser(args["render_dir"])
            changed = write_files(folder, rendered_files(declaration), self._task.check_mode)
            result.update(changed=bool(changed), files=sorted(rendered_files(declaration)), changed_files=changed, render_dir=folder)
        # Render makes no AWS call: say which managed policies only deploy (role_plan) can read and check.
        unchecked = declaration.get("managed_policies_unchecked") or []
        if unchecked and args["render_dir"] is not None:
            result["managed_policies_unchecked"] = unchecked
            self._display.display("%s: %s: managed policies not checked here (render reads no AWS): %s; deploy.yml reads and checks "
                                  "them with the role's inline policies before any write" % (host, role, ", ".join(unchecked)))
        # Findings accepted on purpose are said on every run (in the task's output, without a task of their own).
        accepted = ["accepted (%s): %s" % (finding.get("reason"), format_finding(finding)) for finding in declaration.get("accepted_findings") or []]
        if accepted:
            result["accepted"] = accepted
            for line in accepted:
                self._display.display("%s: %s: %s" % (host, role, line))
        # So are the findings that pass without an exception (CROSS_ACCOUNT warnings under fail_on: error).
        for finding in declaration.get("open_findings") or []:
            self._display.warning("%s: %s: not accepted, does not block: %s" % (host, role, format_finding(finding)))
        return result
