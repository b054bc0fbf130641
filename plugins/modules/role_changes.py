#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: role_changes
short_description: Report one role's changes from a role_plan result, on its own host
version_added: 0.1.0
description:
  - M(cerpac.ecs_iam.role_plan) plans the roles of every application host of a play in one run (C(run_once)). This
    reports one host's part of that result on the host itself, so that each host shows its own C(changed) status,
    its C(--diff) (the whole role before and after) and its drift warnings, as if it had planned alone.
  - Runs on the controller (an action plugin; no module is sent to a host) and makes no AWS call.
author:
  - cerpac platform engineering (@cerpac)
options:
  plan:
    description: One role's entry of M(cerpac.ecs_iam.role_plan)'s RV(cerpac.ecs_iam.role_plan#module:roles).
    type: dict
    required: true
  writes_follow:
    description:
      - Whether tasks that converge the role follow this one. Then, except in check mode, C(changed) is left to them,
        so that each change is counted once; in check mode C(changed) says the role would change.
      - Without them (a comparison only, as in C(verify.yml)) nothing is changed, ever - C(changed) is false and no
        drift warning (of what a write would do) is given; RV(differences) says what differs, in the present tense.
    type: bool
    default: true
  declaration:
    description:
      - The role's declaration (M(cerpac.ecs_iam.declare_role)'s C(declaration)) that O(plan) compares with AWS.
      - When given, RV(iam_role_calls) and RV(iam_policy_calls) hold the exact arguments of the M(amazon.aws.iam_role)
        and M(amazon.aws.iam_policy) calls that converge the role, for the tasks that follow to pass through.
    type: dict
extends_documentation_fragment:
  - cerpac.ecs_iam.read_only
attributes:
  diff_mode:
    description: Returns the role before and after as C(diff) (when role_plan ran with diff on).
    support: full
seealso:
  - module: cerpac.ecs_iam.role_plan
"""

EXAMPLES = r"""
- name: Plan every application's task role at once
  cerpac.ecs_iam.role_plan:
    roles: "{{ ansible_play_hosts | map('extract', hostvars, 'ecs_task_role_outputs') | list }}"
  run_once: true
  register: plans

- name: Report each application's changes on its own host
  cerpac.ecs_iam.role_changes:
    plan: "{{ plans.roles[ecs_task_role_outputs.role_name] }}"
"""

RETURN = r"""
changed:
  description:
    - In check mode with O(writes_follow), whether the live role differs from its declaration (what the writes
      would change); false otherwise - in a normal run the writes that follow report the changes, and a comparison
      without writes (verify) changes nothing.
  returned: always
  type: bool
  sample: true
differences:
  description: One line per difference.
  returned: always
  type: list
  elements: str
  sample: ["staging-cerpac-ecs-task-role: inline policy added-by-hand is not declared"]
role_arn:
  description: ARN of the role, as it is or will be.
  returned: when known
  type: str
  sample: arn:aws:iam::123456789012:role/staging-cerpac-ecs-task-role
role_name:
  description: Name of the role.
  returned: always
  type: str
  sample: staging-cerpac-ecs-task-role
exists:
  description: Whether the role exists now.
  returned: always
  type: bool
  sample: true
role_updates:
  description: Role attributes that differ.
  returned: when the role is declared present
  type: list
  elements: str
  sample: [tags]
inline_policies_to_put:
  description: Declared inline policies that are missing or differ.
  returned: when the role is declared present
  type: list
  elements: str
  sample: [grants-s3]
inline_policies_to_delete:
  description: Live inline policies that are not declared.
  returned: when the role is declared present
  type: list
  elements: str
  sample: []
managed_policies_to_attach:
  description: Managed policy ARNs to attach.
  returned: when the role is declared present
  type: list
  elements: str
  sample: []
managed_policies_to_detach:
  description: Managed policy ARNs to detach.
  returned: when the role is declared present
  type: list
  elements: str
  sample: []
live:
  description:
    - The live role in the shape of the roles' outputs (C(state), C(role_arn), C(path), C(trust_policy), C(tags),
      C(managed_policy_arns), C(inline_policies) as C(name)/C(document), ...); C(state=absent) when it does not exist.
  returned: always
  type: dict
  sample: {"state": "present", "role_arn": "arn:aws:iam::123456789012:role/staging-cerpac-ecs-task-role", "inline_policies": []}
policy_writes:
  description:
    - The inline policy writes that converge the role, in order, for M(amazon.aws.iam_policy) - the declared policies
      that are missing or differ (C(state=present) with their C(document)), then those not declared (C(state=absent)).
  returned: when the role is declared present
  type: list
  elements: dict
  sample: [{"name": "grants-s3", "state": "present", "document": {"Version": "2012-10-17", "Statement": []}}]
iam_role_calls:
  description:
    - The arguments of the M(amazon.aws.iam_role) call that converges the role to O(declaration) - none when nothing
      of the role itself differs, in check mode, or without O(writes_follow); the deletion of an absent role that
      exists. Only what a call must send - the boundary V("") only to remove one, the managed policies only when
      the attachments differ; C(region) and C(aws_config) (botocore's standard retry mode, 10 attempts) included.
  returned: when O(declaration) is given
  type: list
  elements: dict
  sample: [{"name": "staging-cerpac-ecs-task-role", "state": "present", "tags": {}, "purge_tags": true}]
iam_policy_calls:
  description:
    - The arguments of each M(amazon.aws.iam_policy) call that converges the role's inline policies - put the ones
      missing or different, delete the ones not declared; none for an absent role, in check mode, or without
      O(writes_follow).
  returned: when O(declaration) is given
  type: list
  elements: dict
  sample: [{"iam_type": "role", "iam_name": "staging-cerpac-ecs-task-role", "policy_name": "grants-s3", "state": "absent"}]
"""
