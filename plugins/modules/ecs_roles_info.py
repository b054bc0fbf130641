#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ecs_roles_info
short_description: Read the IAM roles that ECS tasks can assume, with everything an inventory needs to keep them
version_added: 0.1.0
description:
  - Lists the account's IAM roles (paginated), keeps those whose name matches O(name_pattern) and whose trust policy
    lets ECS tasks assume them (an C(Allow) statement for C(sts:AssumeRole), as a string or in a list, with the service
    principal C(ecs-tasks.amazonaws.com)), and reads each of them in full - tags, permissions boundary, managed policy
    attachments and every inline policy document.
  - Only reads. C(playbooks/adopt.yml) feeds the result to M(cerpac.ecs_iam.adopt_inventory), which writes an inventory
    that keeps every role, its ARN and its permissions.
author:
  - cerpac platform engineering (@cerpac)
options:
  name_pattern:
    description:
      - Only roles whose name matches this pattern are read; C(*) and C(?) are wildcards, letters match in either case
        (IAM role names are unique regardless of case).
    type: str
    default: "*"
  task_definitions:
    description:
      - Also read the account's active task definitions (C(ecs:ListTaskDefinitions), then C(ecs:DescribeTaskDefinition)
        each), for each its execution role, its containers' images and log configuration (RV(task_definitions)).
    type: bool
    default: false
extends_documentation_fragment:
  - cerpac.ecs_iam.read_only
  - cerpac.ecs_iam.read_only.no_diff
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - IAM permissions needed are C(iam:ListRoles), C(iam:GetRole), C(iam:ListAttachedRolePolicies), C(iam:ListRolePolicies),
    C(iam:GetRolePolicy), C(iam:ListInstanceProfilesForRole) and C(sts:GetCallerIdentity), and with O(task_definitions)
    C(ecs:ListTaskDefinitions) and C(ecs:DescribeTaskDefinition). One C(ListRoles) page per 100 roles, then five calls and
    one per inline policy for each role that ECS tasks can assume; nothing for the others.
"""

EXAMPLES = r"""
- name: Read the staging roles that ECS tasks can assume
  cerpac.ecs_iam.ecs_roles_info:
    name_pattern: staging-*
    aws_config:
      retries:
        mode: standard
        max_attempts: 10
  register: ecs_roles

- name: Show their names
  ansible.builtin.debug:
    msg: "{{ ecs_roles.roles | map(attribute='name') | list }}"
"""

RETURN = r"""
roles:
  description: The roles that match O(name_pattern) and that ECS tasks can assume, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The role's name.
      type: str
      sample: staging-cerpac-ecs-task-role
    arn:
      description: The role's ARN.
      type: str
      sample: arn:aws:iam::123456789012:role/staging-cerpac-ecs-task-role
    role_id:
      description: The role's stable id (it changes only when a role is deleted and created again).
      type: str
      sample: AROA1234567890EXAMPLE
    path:
      description: The role's path.
      type: str
      sample: /
    description:
      description: The role's description, or null when it has none.
      type: str
      sample: Uploads for cerpac
    max_session_duration:
      description: Maximum session duration in seconds.
      type: int
      sample: 3600
    permissions_boundary:
      description: ARN of the permissions boundary, or null.
      type: str
      sample: arn:aws:iam::123456789012:policy/boundary
    tags:
      description: The role's tags.
      type: dict
      sample: {"Project": "cerpac"}
    trust_policy:
      description: The trust (assume role) policy document.
      type: dict
    managed_policy_arns:
      description: ARNs of the attached managed policies, sorted.
      type: list
      elements: str
      sample: ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
    inline_policies:
      description: The inline policies, sorted by name, each with its document as IAM holds it.
      type: list
      elements: dict
      sample: [{"name": "s3-upload-access", "document": {"Version": "2012-10-17", "Statement": []}}]
    instance_profiles:
      description: Names of the instance profiles that hold the role, sorted.
      type: list
      elements: str
      sample: []
other_roles:
  description: Names of the roles that match O(name_pattern) but that ECS tasks cannot assume (not read further).
  returned: always
  type: list
  elements: str
  sample: [staging-ci-deployer]
account_id:
  description: The account of the credentials.
  returned: always
  type: str
  sample: "123456789012"
partition:
  description: The partition of that account.
  returned: always
  type: str
  sample: aws
task_definitions:
  description: With O(task_definitions), the active task definitions of the region.
  returned: with O(task_definitions)
  type: list
  elements: dict
  sample: [{"arn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/cerpac:3",
            "execution_role_arn": "arn:aws:iam::123456789012:role/staging-cerpac-ecs-task-execution-role",
            "containers": [{"name": "api", "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/cerpac:1.2", "log_driver": "awslogs",
                            "log_options": {"awslogs-group": "/ecs/staging/cerpac", "awslogs-region": "eu-west-1"}}]}]
region:
  description: The region the module's clients used.
  returned: always
  type: str
  sample: eu-west-1
"""

import fnmatch
import re

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.iam import AnsibleIAMError
from ansible_collections.amazon.aws.plugins.module_utils.iam import list_iam_roles
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _live_role
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._adopt_group import trusts_ecs_tasks


def matches(pattern, name):
    """IAM role names are unique regardless of case: so is the match."""
    return re.match(fnmatch.translate(pattern.lower()), name.lower()) is not None


def read_role(client, listed):
    """One role in full (_live_role.read_role: GetRole, its attachments, each inline policy, its instance profiles), in
    the shape adopt_inventory reads. None when it vanished."""
    live = _live_role.read_role(client, listed["RoleName"], policies=True, instance_profiles=True)
    if live is None:
        return None
    return dict(
        live,
        description=live["description"] or None,
        max_session_duration=live["max_session_duration"] or 3600,
        inline_policies=[{"name": name, "document": document} for name, document in live["inline_policies"].items()],
    )


def read_task_definitions(client):
    """The active task definitions: for each, its execution role and its containers' images and log configuration."""
    arns = []
    for page in client.get_paginator("list_task_definitions").paginate(status="ACTIVE"):
        arns.extend(page.get("taskDefinitionArns") or [])
    definitions = []
    for arn in arns:
        definition = client.describe_task_definition(taskDefinition=arn, aws_retry=True)["taskDefinition"]
        definitions.append({
            "arn": arn,
            "execution_role_arn": definition.get("executionRoleArn"),
            "containers": [{"name": container.get("name"), "image": container.get("image"),
                            "log_driver": (container.get("logConfiguration") or {}).get("logDriver"),
                            "log_options": (container.get("logConfiguration") or {}).get("options") or {}}
                           for container in definition.get("containerDefinitions") or []],
        })
    return definitions


def main():
    module = AnsibleAWSModule(argument_spec=dict(name_pattern=dict(type="str", default="*"), task_definitions=dict(type="bool", default=False)),
                              supports_check_mode=True)
    pattern = module.params["name_pattern"]
    iam = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    partition, account_id = _live_role.caller_account(module)
    try:
        roles, others = [], []
        for listed in sorted(list_iam_roles(iam), key=lambda item: item["RoleName"]):
            if not matches(pattern, listed["RoleName"]):
                continue
            if not trusts_ecs_tasks(listed.get("AssumeRolePolicyDocument")):
                others.append(listed["RoleName"])
                continue
            role = read_role(iam, listed)
            if role is not None:
                roles.append(role)
    except AnsibleIAMError as e:
        module.fail_json_aws_error(e)
    extra = {}
    if module.params["task_definitions"]:
        try:
            extra["task_definitions"] = read_task_definitions(module.client("ecs", retry_decorator=AWSRetry.jittered_backoff()))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Unable to read the task definitions (ecs:ListTaskDefinitions, ecs:DescribeTaskDefinition)")
    module.exit_json(
        **extra,
        changed=False,
        roles=roles,
        other_roles=others,
        account_id=account_id,
        partition=partition,
        region=module.region,
    )


if __name__ == "__main__":
    main()
