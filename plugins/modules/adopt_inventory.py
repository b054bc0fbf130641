#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: adopt_inventory
short_description: Write an inventory that keeps the ECS roles an account already has, with a review report
version_added: 0.1.0
description:
  - Turns the roles read by M(cerpac.ecs_iam.ecs_roles_info) into an inventory of the shape C(playbooks/deploy.yml)
    reads - C(<dest>/<environment>/hosts.yml) (one host per application), C(group_vars/all/main.yml) and
    C(host_vars/<application>.yml) - and a review report, C(adopt-report.md) with its JSON twin C(.adopt-report.json)
    (hidden, so that Ansible does not read it as an inventory source).
  - Tells task roles from execution roles, groups them by application, turns each inline policy statement into grant
    intents (or the execution role's start-up secrets) only when rendering the intents gives back exactly its
    permissions, keeps every other statement verbatim, and carries over name, path, description, maximum session,
    boundary, tags and managed policies, so that each role keeps its ARN. The rules are in C(docs/adopt.md).
  - Runs on the controller (an action plugin); it makes no AWS call. Without O(roles) it only checks the inputs, so
    that C(playbooks/adopt.yml) refuses bad input before it reads anything.
  - Writes nothing when an input is bad, when no role can be adopted or when the output folder is not empty; the
    files appear all at once (written into a temporary folder that is then renamed).
author:
  - cerpac platform engineering (@cerpac)
options:
  environment:
    description:
      - The environment to adopt (lowercase letters, digits and single hyphens); every role's name starts with
        C(<environment>-).
    type: str
    default: ""
  region:
    description: The region of the environment (the inventory's C(aws_region), used in every regional ARN).
    type: str
    default: ""
  dest:
    description:
      - The folder to write into; the inventory goes to C(<dest>/<environment>), which must not exist or be empty.
    type: str
    default: ""
  name_pattern:
    description: The role name pattern the roles were read with (for messages); defaults to C(<environment>-*).
    type: str
    default: ""
  roles:
    description:
      - The roles to adopt, as RV(cerpac.ecs_iam.ecs_roles_info#module:roles) returns them.
      - Omit it to only check the inputs.
    type: list
    elements: dict
  other_roles:
    description: Names of roles that matched but that ECS tasks cannot assume (listed in the report).
    type: list
    elements: str
    default: []
  account_id:
    description: The account the roles are in.
    type: str
    default: ""
  partition:
    description: The partition of that account.
    type: str
    default: aws
  task_definitions:
    description:
      - The active task definitions, as M(cerpac.ecs_iam.ecs_roles_info) returns them with O(cerpac.ecs_iam.ecs_roles_info#module:task_definitions).
      - An execution role named by task definitions whose images come from ECR and whose containers log with
        C(awslogs) is adopted scoped (C(ecs_task_execution_role_image_repositories), C(ecs_task_execution_role_log_groups)) -
        the first deploy detaches C(AmazonECSTaskExecutionRolePolicy). Otherwise the report says why the managed policy stays.
      - Omitted, execution roles keep the managed policy.
    type: list
    elements: dict
attributes:
  check_mode:
    description: Computes everything and writes nothing.
    support: full
  diff_mode:
    description: The report is the review; no diff is returned.
    support: none
  idempotent:
    description: A second run refuses to overwrite the folder the first one wrote.
    support: none
seealso:
  - module: cerpac.ecs_iam.ecs_roles_info
"""

EXAMPLES = r"""
- name: Check the inputs before any AWS call
  cerpac.ecs_iam.adopt_inventory:
    environment: staging
    region: eu-west-1
    dest: adopted

- name: Read the roles
  cerpac.ecs_iam.ecs_roles_info:
    name_pattern: staging-*
  register: ecs_roles

- name: Write the inventory and the report
  cerpac.ecs_iam.adopt_inventory:
    environment: staging
    region: eu-west-1
    dest: adopted
    roles: "{{ ecs_roles.roles }}"
    other_roles: "{{ ecs_roles.other_roles }}"
    account_id: "{{ ecs_roles.account_id }}"
    partition: "{{ ecs_roles.partition }}"
"""

RETURN = r"""
path:
  description: The inventory folder (written, or to be written when only the inputs were checked).
  returned: always
  type: str
  sample: /home/me/adopted/staging
files:
  description: Every file written (or that would be, in check mode).
  returned: when O(roles) is given
  type: list
  elements: str
report:
  description: The markdown report.
  returned: when O(roles) is given
  type: str
  sample: /home/me/adopted/staging/adopt-report.md
report_json:
  description: Its JSON twin.
  returned: when O(roles) is given
  type: str
  sample: /home/me/adopted/staging/.adopt-report.json
hosts:
  description: The inventory's hosts, one per application.
  returned: when O(roles) is given
  type: list
  elements: str
  sample: [cerpac, worker]
summary:
  description: Counts - applications, roles, statements turned into intents and kept verbatim, findings, exceptions a
    deploy needs, changes the first deploy makes on purpose, roles left out.
  returned: when O(roles) is given
  type: dict
left_out:
  description: Roles ECS tasks can assume that were not adopted, each with its name, ARN and the reason.
  returned: when O(roles) is given
  type: list
  elements: dict
"""
