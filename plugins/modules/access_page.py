# -*- coding: utf-8 -*-

# Copyright (c) 2025, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The work is done on the controller by the action plugin plugins/action/access_page.py; this file documents it.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: access_page
short_description: Write the access page of an environment, who can do what on which resource, for review
version_added: 0.1.0
description:
  - Writes one Markdown page per environment that a reviewer reads in a pull request or beside C(verify.yml)'s
    output. For each application, a table of what its task role and task execution role can do (service,
    access in the words of the grant it came from, the resource names and the ARNs they became, the inline
    policy it lives in), hand-written policies and managed attachments marked as such, and the findings
    accepted with their reasons. Then who may use the roles (C(ecs-tasks.amazonaws.com) with its account and
    source conditions; the deployer's C(iam:PassRole), path patterns resolved to the roles they cover) and a
    Mermaid flowchart of the same, which GitHub and GitLab draw.
  - A statement is shown in the words of a grant only when it is exactly what that grant renders (the grant
    is rendered again on its own and compared); any other statement, for example a live policy that drifted,
    is shown as its raw actions and ARNs. No statement is left out.
  - The page is sorted and carries no timestamp, so the same roles always give the same bytes. A C(git diff)
    of two pages reads as the access a change grants or removes, and the page written from the live roles
    equals the rendered one when nothing drifted.
  - Runs on the controller and makes no AWS call; O(dest) is a path on the controller.
author:
  - cerpac platform engineering (@cerpac)
options:
  environment:
    description:
      - The environment's name, for example V(staging) (lowercase letters, digits and single hyphens).
    type: str
    required: true
  applications:
    description:
      - One entry per application (inventory host), in any order.
      - Each is a dict with C(name) (the host name), C(task_role) (the role's published C(ecs_task_role_outputs))
        and C(execution_role) (C(ecs_task_execution_role_outputs), or V(null) when the application has none here).
      - Role outputs carry C(role_name), C(role_arn), C(state), C(account_id), C(region), C(partition), C(path),
        C(trust_policy), C(managed_policy_arns), C(inline_policies) (C(name), C(document)), C(grants) (the
        provenance of the rendered statements; V([]) for none), C(accepted_findings), optionally C(open_findings)
        (listed apart, as not accepted) and, for the execution role,
        C(startup) (C(secrets), C(parameters), C(kms_keys), C(policy)). C(role_name) and C(state) are required.
    type: list
    elements: dict
    required: true
  passrole:
    description:
      - The environment's deployer policy, C(ecs_deployer_passrole_outputs) (C(policy_name), C(deployer) as
        C(type) and C(name) or V(null), C(document)). Omit it when no deployer policy is managed.
    type: dict
  source:
    description:
      - Where the declaration lives, for example V(inventories/staging); printed in the page's header.
    type: str
  dest:
    description:
      - The file to write, for example C(rendered/staging/ACCESS.md). Missing folders are created; an existing
        file keeps its mode, a new one gets C(0644). Relative paths are relative to the directory
        C(ansible-playbook) runs in.
    type: path
    required: true
attributes:
  check_mode:
    support: full
    description: Reports whether the page would change, writes nothing.
  diff_mode:
    support: full
    description: Shows the page's lines that would change.
  idempotent:
    support: full
    description: The file is written only when its content differs from the page.
notes:
  - Give the applications of one environment in one task (C(run_once)), since the page covers them all.
seealso:
  - module: cerpac.ecs_iam.render_grants
  - module: cerpac.ecs_iam.validate_grants
"""

EXAMPLES = r"""
# Each host (application) first publishes its roles, then one task writes the page for all of them.
- name: Gather what this application's roles grant
  ansible.builtin.set_fact:
    ecs_iam_access_application:
      name: "{{ inventory_hostname }}"
      task_role: "{{ ecs_task_role_outputs }}"
      execution_role: "{{ ecs_task_execution_role_outputs if ecs_iam_deploy_execution_role | bool else none }}"

- name: Write the environment's access page
  cerpac.ecs_iam.access_page:
    environment: "{{ ecs_task_role_env }}"
    applications: "{{ ansible_play_hosts | map('extract', hostvars, 'ecs_iam_access_application') | list }}"
    passrole: "{{ ecs_deployer_passrole_outputs | default(omit) }}"
    source: "inventories/{{ ecs_task_role_env }}"
    dest: "{{ playbook_dir }}/../rendered/{{ ecs_task_role_env }}/ACCESS.md"
  run_once: true

- name: Write the page of a role declared by hand
  cerpac.ecs_iam.access_page:
    environment: staging
    dest: /tmp/ACCESS.md
    applications:
      - name: reports
        execution_role: null
        task_role:
          role_name: staging-reports-ecs-task-role
          role_arn: arn:aws:iam::123456789012:role/staging-reports-ecs-task-role
          state: present
          account_id: "123456789012"
          region: eu-west-1
          partition: aws
          path: /
          trust_policy:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Principal:
                  Service: ecs-tasks.amazonaws.com
                Action: sts:AssumeRole
          managed_policy_arns: []
          grants: []
          accepted_findings: []
          inline_policies:
            - name: reports-bucket
              document:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Action: s3:GetObject
                    Resource: arn:aws:s3:::staging-reports/*
"""

RETURN = r"""
dest:
  description: The page's path.
  returned: always
  type: str
  sample: rendered/staging/ACCESS.md
errors:
  description: Each problem with the input, naming the field, the value and what is expected.
  returned: when the input cannot be drawn
  type: list
  elements: str
  sample:
    - "applications[0] (cerpac).task_role.state: 'gone' is not a role state; give present or absent"
"""
