#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: declare_environment
short_description: Declare every role of every application of the inventory and check them together, without AWS
version_added: 0.2.0
description:
  - The environment-wide step of the collection's playbooks, run once per play before any AWS call. Reads EVERY host of
    the inventory group O(group) (C(groups) and C(hostvars), not the play's hosts, so that C(--limit) and AWX job slices
    check the same thing as a full run), declares each host's task role and task execution role as
    M(cerpac.ecs_iam.declare_role) would (the collection's role defaults, the play's O(vars_files) and the host's
    inventory and extra variables), and checks them together.
  - Refuses an environment setting (environment, account, region, path, allow_any_account, every PassRole setting) set
    for one application alone (its host_vars file or inline host vars), differing between applications, or given by
    extra vars (C(-e)) over a non-empty value of the inventory's own; two applications' per-application PassRole
    policies of one name (one C(ecs_task_role_project_id)); a role name
    declared twice (across task roles, execution roles, hosts and the deployer, case-insensitively); a role path that
    does not name the environment (C(/) is accepted); a PassRole path with a wildcard, or not naming the environment as
    a whole component (C(/ecs/) in staging covers C(/ecs/production/)), a PassRole ARN of another environment, a role
    of any application that the environment's one PassRole policy does not cover, per-application PassRole policies
    over IAM's 10,240-character quota for the deployer's inline policies (naming the environment-path mode); an
    execution role in another account than its task role; a host outside the play whose inputs are bad.
  - Each failure starts with the application at fault. Makes no AWS call.
  - With O(declared) and O(caller_account_id), instead checks that every role of the environment is declared in the
    caller's account (the account guard, for every state; run it once per play right after C(sts:GetCallerIdentity)).
  - Runs on the controller (an action plugin; no module is sent to a host).
author:
  - cerpac platform engineering (@cerpac)
options:
  group:
    description: The inventory group whose hosts are the environment's applications.
    type: str
    default: ecs_iam
  vars_files:
    description: The play's vars files that the roles' inputs depend on (the collection's playbooks pass C(vars/environment.yml)).
    type: list
    elements: path
    default: []
  render:
    description: The declarations are for rendering (no AWS call will follow), so the account must be declared.
    type: bool
    default: false
  declared:
    description: The environment this module returned before (C(ecs_iam_environment)); with O(caller_account_id), only the account guard runs.
    type: dict
  caller_account_id:
    description: The account of the credentials in use (C(sts:GetCallerIdentity)), with O(declared).
    type: str
attributes:
  check_mode:
    description: Runs the same checks in check mode.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
  idempotent:
    description: The same inventory always gives the same environment.
    support: full
seealso:
  - module: cerpac.ecs_iam.declare_role
  - module: cerpac.ecs_iam.role_plan
"""

EXAMPLES = r"""
- name: Declare and check the environment over every host of the inventory (no AWS call)
  cerpac.ecs_iam.declare_environment:
    vars_files: ["{{ playbook_dir }}/vars/environment.yml"]
  register: declared
  run_once: true

- name: Read the caller's account
  amazon.aws.aws_caller_info:
  register: caller
  run_once: true

- name: Refuse credentials of another account, for every role of the environment
  cerpac.ecs_iam.declare_environment:
    declared: "{{ declared.environment }}"
    caller_account_id: "{{ caller.account }}"
  run_once: true
"""

RETURN = r"""
environment:
  description:
    - The environment as the whole inventory declares it (the playbooks publish it as the fact C(ecs_iam_environment)).
    - C(environment), C(account_id), C(region), C(partition), C(paths), C(hosts), C(roles) (one per role of every host,
      each with C(host), C(kind) (C(task) or C(execution)), C(role_name), C(role_arn), C(path), C(state), C(account_id)),
      C(role_names), C(role_arns) (present roles), C(deployer) (C(type), C(name)) and the PassRole C(passrole_role_paths)
      and C(passrole_role_arns).
    - C(passrole), the deployer's PassRole policies as the playbooks give them to the role C(cerpac.ecs_iam.ecs_deployer_passrole) -
      C(per_environment) (one policy for the environment, when the inventory names a path or ARNs; else one per
      application), C(deployer) (C(type), C(name), or none), C(policies) (by key, each with the role's inputs
      C(ecs_deployer_passrole_role_arns), C(ecs_deployer_passrole_policy_name), C(ecs_deployer_passrole_state), and
      C(render_subdir), C(render) for C(render.yml)) and C(hosts) (each host's policy key - C(environment), or the host).
  returned: without O(declared)
  type: dict
  sample: {"environment": "staging", "role_names": ["staging-cerpac-ecs-task-role"], "hosts": ["cerpac"]}
problems:
  description: One entry per problem (C(host), C(hosts), C(field), C(value), C(message)).
  returned: failure
  type: list
  elements: dict
  sample: [{"host": "worker", "field": "ecs_task_role_env", "value": "production", "message": "host worker, ecs_task_role_env=..."}]
"""
