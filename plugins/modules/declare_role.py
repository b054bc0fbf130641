#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: declare_role
short_description: Check every input of one of the collection's roles and settle what it declares, without AWS
version_added: 0.1.0
description:
  - The first step of the roles C(cerpac.ecs_iam.ecs_task_role), C(cerpac.ecs_iam.ecs_task_execution_role) and
    C(cerpac.ecs_iam.ecs_deployer_passrole). Checks every input of the role (names, environment, account, region,
    path, tags, policy names, secrets, ...), renders the grants by intent, builds every policy document (the trust
    policy with its confused-deputy conditions, the execution role's start-up secrets policy, the deployer's PassRole
    policy) and proves each inline policy least-privilege with the checks of M(cerpac.ecs_iam.validate_grants).
  - First validates the role's variables against the options of the role's C(main) entry point in its
    C(meta/argument_specs.yml), with ansible-core's argument spec validator and its messages. Every entry point of
    the roles takes those options, declared once on C(main), so they are validated whichever entry point runs.
  - Fails with one line per problem, naming the host, the role, the field, the value and the fix. Makes no AWS call,
    so that a bad input on any application stops a run before anything is changed.
  - Returns the declaration, which the roles publish as the fact C(<role>_outputs) (for example
    C(ecs_task_role_outputs) with C(role_arn), C(role_name), C(trust_policy), C(inline_policies), C(grants)...),
    which M(cerpac.ecs_iam.role_plan) compares with AWS and the playbooks read.
  - Runs on the controller (an action plugin; no module is sent to a host).
author:
  - cerpac platform engineering (@cerpac)
options:
  role:
    description: The collection's role whose inputs these are.
    type: str
    required: true
    choices: [ecs_task_role, ecs_task_execution_role, ecs_deployer_passrole]
  inputs:
    description:
      - The role's variables by their full names (C(ecs_task_role_env), ...), as its C(meta/argument_specs.yml) documents them.
    type: dict
    required: true
  variables:
    description:
      - Names of the variables with the role's prefix that are defined, for example
        C(query('ansible.builtin.varnames', '^ecs_task_role_')). One that is not an input of the role is refused as a
        typo (a misspelt input would otherwise be silently ignored).
      - Default - the task's variables with the role's prefix; for O(role=ecs_task_role), checked for every
        application, also those with the collection's other prefixes (C(ecs_task_execution_role_),
        C(ecs_deployer_passrole_), C(ecs_iam_)).
    type: list
    elements: str
  environment:
    description:
      - The environment that the playbook deploys (C(ecs_iam_env)). When set, the role's environment must be this one,
        and the deployer's PassRole policy may neither name another environment nor cover its roles (C(CROSS_ENVIRONMENT)).
    type: str
    default: ""
  caller_account_id:
    description:
      - The account read from STS, used when the inventory opted out of declaring one (C(<role>_allow_any_account)).
    type: str
    default: ""
  required_role_arns:
    description:
      - With O(role=ecs_deployer_passrole), role ARNs that the PassRole policy must cover; any it does not cover is refused.
    type: list
    elements: str
    default: []
  render_dir:
    description:
      - Also write the declaration into this folder (created when missing) - C(role.json), C(trust-policy.json) and one
        C(policy-<name>.json) per inline policy (C(passrole-policy.json) for the deployer's policy) - and remove policy
        files it no longer declares. Requires the account to be declared.
    type: str
  published:
    description:
      - The declaration this task published earlier in the run (C(<role>_outputs)), with O(published_inputs), the inputs
        it was made from. When those equal O(inputs) and it does not wait for the caller's account, it is returned
        as it is, without checking again (the C(converge) entry point after the C(check) one). Not with O(render_dir).
      - Only a declaration that a task of this run set (C(set_fact), under C(<role>_outputs) and
        C(__<role>_declared_inputs)) is returned so; one the inventory gives is never trusted.
      - Whatever the entry point, a variable that only a run sets (C(<role>_outputs), C(__<role>_declared_inputs),
        C(ecs_iam_caller), C(ecs_iam_environment), any C(__ecs_iam*) variable) given by the inventory or C(-e) fails the
        task, before any AWS call.
    type: dict
  published_inputs:
    description: The inputs O(published) was made from.
    type: dict
attributes:
  check_mode:
    description: Runs the same checks in check mode; files are not written.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
  idempotent:
    description: The same inputs always give the same declaration and files.
    support: full
seealso:
  - module: cerpac.ecs_iam.render_grants
  - module: cerpac.ecs_iam.validate_grants
  - module: cerpac.ecs_iam.role_plan
"""

EXAMPLES = r"""
- name: Check every input and settle the declaration (no AWS call)
  cerpac.ecs_iam.declare_role:
    role: ecs_task_role
    inputs:
      ecs_task_role_env: staging
      ecs_task_role_project_id: cerpac
      ecs_task_role_name: staging-cerpac-ecs-task-role
      ecs_task_role_account_id: "123456789012"
      ecs_task_role_region: eu-west-1
      ecs_task_role_path: /
      ecs_task_role_description: ECS task role of cerpac in staging
      ecs_task_role_max_session_duration: 3600
      ecs_task_role_permissions_boundary: ""
      ecs_task_role_grants:
        - service: s3
          access: [read]
          resources: [staging-cerpac-uploads]
    variables: "{{ query('ansible.builtin.varnames', '^ecs_task_role_') }}"

  register: declared

- name: Use the settled declaration
  ansible.builtin.debug:
    msg: "{{ declared.declaration.role_arn }}"
"""

RETURN = r"""
declaration:
  description:
    - What the role declares (the roles publish it as the fact C(<role>_outputs)). For the task and task execution roles,
      C(role_name), C(role_arn), C(state), C(environment), C(account_id), C(region), C(partition), C(path),
      C(trust_policy), C(description), C(max_session_duration), C(permissions_boundary), C(tags), C(purge_tags),
      C(managed_policy_arns), C(inline_policies) (C(name), C(document)), C(grants) (where each grant went),
      C(accepted_findings), C(open_findings) (findings that neither block nor are accepted, such as a C(CROSS_ACCOUNT)
      warning), C(source_regions), C(host), C(gate) (the exceptions, other environments, C(fail_on) and scope that
      M(cerpac.ecs_iam.role_plan) checks the managed policies with) and C(managed_policies_unchecked) (the managed policies
      that cannot be checked without AWS); the execution role adds C(startup). For the deployer's policy,
      C(policy_name), C(state), C(deployer), C(resources), C(document), C(account_id), C(partition).
  returned: success
  type: dict
  sample: {"role_name": "staging-cerpac-ecs-task-role", "role_arn": "arn:aws:iam::123456789012:role/staging-cerpac-ecs-task-role"}
needs_account:
  description: Whether the account must still be read from STS (the inventory opted out of declaring it).
  returned: success
  type: bool
  sample: false
reused:
  description:
    - V(true) when O(published) was declared in this run from the same inputs and is returned as it is (no check ran
      again, deploy.yml's check play ran them all).
  returned: when the published declaration is reused
  type: bool
  sample: true
problems:
  description: One entry per problem (C(field), C(value), C(message)).
  returned: failure
  type: list
  elements: dict
  sample: [{"field": "ecs_task_role_path", "value": "apps", "message": "ecs_task_role_path=\"apps\": must start and end with /..."}]
accepted:
  description:
    - One line per finding accepted on purpose (an exception of the role's inputs, or the grants catalogue's own), each
      with its reason; also printed on every run.
  returned: when there is any
  type: list
  elements: str
  sample: ["accepted (reviewed in OPS-1): RESOURCE_STAR [error] policy audit, statement 1, action s3:GetObject, resource *: ..."]
managed_policies_unchecked:
  description:
    - With O(render_dir), the managed policy ARNs the role attaches whose document is not known without AWS (customer
      managed policies, and AWS managed ones other than C(AmazonECSTaskExecutionRolePolicy)); also printed.
      C(playbooks/deploy.yml) reads and checks them before any write.
  returned: with O(render_dir), when there is any
  type: list
  elements: str
  sample: ["arn:aws:iam::123456789012:policy/staging-shared"]
files:
  description: The files the declaration is rendered into.
  returned: with O(render_dir)
  type: list
  elements: str
  sample: [policy-grants-s3.json, role.json, trust-policy.json]
changed_files:
  description: The files written or removed (would be, in check mode).
  returned: with O(render_dir)
  type: list
  elements: str
  sample: [policy-grants-s3.json]
"""
