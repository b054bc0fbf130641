#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright (c) 2025, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: render_grants
short_description: Render grants by intent into the narrowest IAM inline policies
version_added: 0.1.0
description:
  - Takes grants that say what an application does with which resources (for example C(read) and C(write)
    on an S3 bucket under a key prefix) and renders one IAM inline policy per service, named C(grants-<service>).
  - Actions and ARN shapes come from the collection's grants catalogue, checked against AWS's service
    authorisation reference. See C(docs/grants.md) for every service, access level, action and ARN.
  - Runs on the controller (an action plugin - no module is sent to a host), makes no AWS call and changes nothing.
    Invalid grants fail the task with one line per problem, naming the grant, the field, the value and what is allowed.
author:
  - cerpac platform engineering (@cerpac)
options:
  grants:
    description:
      - The grants. Each is a dict with C(service), C(access) (list of access levels) and C(resources) (list of
        names, not ARNs), and optionally C(region) and C(account_id) (defaults are O(region) and O(account_id)),
        C(sid) (letters and digits, replaces the grant's index at the end of its statement ids) and the
        service's own options (C(prefix) for s3, C(configuration_set) for ses, C(kms_key) for services whose
        data can be encrypted with a customer managed KMS key).
      - Services and access levels are V(s3) (read, write, delete, list), V(dynamodb) (read, write),
        V(rds) (connect), V(ses) (send), V(sns) (publish), V(sqs) (send, consume), V(secretsmanager) (read),
        V(ssm) (read), V(logs) (write), V(lambda) (invoke), V(events) (put), V(kinesis) (write, read),
        V(ecr) (pull), V(cloudfront) (invalidate) and V(route53) (change).
    type: list
    elements: dict
    required: true
  region:
    description:
      - The role's region, used in the ARNs of grants that do not set their own C(region).
    type: str
    required: true
  account_id:
    description:
      - The role's AWS account id (12 digits), used in the ARNs of grants that do not set their own C(account_id).
    type: str
    required: true
  partition:
    description:
      - The AWS partition of the ARNs. Derived from O(region) when omitted, from botocore's own partition data
        (C(cn-*) gives V(aws-cn), C(us-gov-*) gives V(aws-us-gov), C(eusc-*) gives V(aws-eusc), and so on); when given
        it must match O(region).
    type: str
extends_documentation_fragment:
  - cerpac.ecs_iam.read_only
  - cerpac.ecs_iam.read_only.no_diff
seealso:
  - module: amazon.aws.iam_policy
"""

EXAMPLES = r"""
- name: Render the task role's grants
  cerpac.ecs_iam.render_grants:
    region: eu-west-1
    account_id: "123456789012"
    grants:
      - service: s3
        access: [read, write, delete]
        resources: [staging-cerpac-uploads]
        prefix: uploads/
      - service: secretsmanager
        access: [read]
        resources: [app/api-keys/*]
      - service: ssm
        access: [read]
        resources: [/cerpac/staging]
        kms_key: 1234abcd-12ab-34cd-56ef-1234567890ab
  register: rendered

- name: Put each rendered policy on the role
  amazon.aws.iam_policy:
    iam_type: role
    iam_name: staging-cerpac-api-task
    policy_name: "{{ item.name }}"
    policy_json: "{{ item.document | to_json }}"
    state: present
  loop: "{{ rendered.policies }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
policies:
  description:
    - One inline policy per service that has grants, in a fixed service order, named C(grants-<service>).
    - Empty when the task fails.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The inline policy's name.
      type: str
      returned: always
      sample: grants-s3
    document:
      description: The policy document.
      type: dict
      returned: always
      sample:
        Version: "2012-10-17"
        Statement:
          - Sid: S3ReadObjects0
            Effect: Allow
            Action: ["s3:GetObject"]
            Resource: ["arn:aws:s3:::staging-cerpac-uploads/uploads/*"]
check_exceptions:
  description:
    - Findings of M(cerpac.ecs_iam.validate_grants) that these policies raise by design, in the form of its
      O(cerpac.ecs_iam.validate_grants#module:exceptions) option, each with its reason. Today only
      C(PERMISSIONS_MANAGEMENT) for C(rds-db:connect), which AWS labels "Permissions management" although it only
      logs in as the one database user named in its ARN. Each is scoped to the policy it excuses (C(policy)), so it
      never accepts the same finding in another policy of the role.
    - The role passes them to M(cerpac.ecs_iam.validate_grants), which still reports them, marked accepted.
  returned: success
  type: list
  elements: dict
  sample:
    - code: PERMISSIONS_MANAGEMENT
      action: rds-db:connect
      resource: "*"
      policy: grants-rds
      reason: rds-db:connect only logs in as the database user named in its ARN
grants:
  description:
    - Where each grant went, in the order of O(grants), for reviews and access pages.
  returned: success
  type: list
  elements: dict
  contains:
    index:
      description: Index of the grant in O(grants).
      type: int
    service:
      description: The grant's service.
      type: str
    access:
      description: Its access levels, in the catalogue's order.
      type: list
      elements: str
    resources:
      description: The names it was given.
      type: list
      elements: str
    options:
      description: Its other keys as given (C(prefix), C(kms_key), C(sid), ...).
      type: dict
    policy:
      description: The inline policy its statements are in.
      type: str
    sids:
      description: The Sids of the statements it produced (statements shared between grants included).
      type: list
      elements: str
  sample:
    - index: 0
      service: s3
      access: [read]
      resources: [staging-cerpac-uploads]
      options: {}
      policy: grants-s3
      sids: [S3ReadObjects0]
statements_count:
  description: The number of statements in all rendered policies.
  returned: always
  type: int
  sample: 4
errors:
  description: One entry per problem found in the grants; only when the task fails.
  returned: failure
  type: list
  elements: dict
  contains:
    grant:
      description: Index of the grant in O(grants), or null for a problem with O(region), O(account_id) or O(partition).
      type: int
      returned: always
      sample: 0
    service:
      description: The grant's service, when known.
      type: str
      returned: always
      sample: s3
    field:
      description: The grant key (or module option) at fault.
      type: str
      returned: always
      sample: access
    value:
      description: The offending value.
      type: raw
      returned: always
      sample: fly
    message:
      description: The problem in one line, naming the grant, field, value and allowed values.
      type: str
      returned: always
      sample: "grants[0] (s3): access: 'fly' is not an access level s3 offers; allowed: read, write, delete, list"
    allowed:
      description: What the field accepts.
      type: list
      elements: str
      returned: always
      sample: [read, write, delete, list]
"""
