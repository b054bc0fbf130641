#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: resources_info
short_description: Check that the resources an application's grants name exist, without writing
version_added: 0.1.0
description:
  - For each resource named by the grants of the declarations given (the task role's C(ecs_task_role_grants), the
    execution role's repositories, log groups, start-up secrets and parameters), reads the one call that proves it
    exists, as the grants catalogue names it per service - C(s3:HeadBucket), C(dynamodb:DescribeTable),
    C(sqs:GetQueueUrl), C(sns:GetTopicAttributes), C(secretsmanager:DescribeSecret) (a name prefix - C(ListSecrets)),
    C(ssm:DescribeParameters) (a name or path), C(kinesis:DescribeStreamSummary), C(logs:DescribeLogGroups),
    C(ecr:DescribeRepositories), C(lambda:GetFunction), C(events:DescribeEventBus).
  - For a missing resource, lists the existing ones of its kind and names the nearest (C(did you mean ...?)).
  - Access denied on a read is reported as C(could not check), never as missing; so are resources in another account
    than the role's (but ECR repositories, read in their registry) and services without an existence read (RDS, SES,
    CloudFront, Route 53).
  - Only reads. C(playbooks/verify.yml -e verify_resources=true) runs it for every application.
author:
  - cerpac platform engineering (@cerpac)
options:
  declarations:
    description:
      - Role declarations as M(cerpac.ecs_iam.declare_role) publishes them (C(ecs_task_role_outputs),
        C(ecs_task_execution_role_outputs)); their C(grants), C(startup), C(region), C(account_id) and C(host) are read.
    type: list
    elements: dict
    required: true
extends_documentation_fragment:
  - cerpac.ecs_iam.read_only
  - cerpac.ecs_iam.read_only.no_diff
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs the read permission of each call above on the resources, and the service's list permission (C(s3:ListAllMyBuckets),
    C(sqs:ListQueues)...) for the nearest name.
"""

EXAMPLES = r"""
- name: Check that the resources of this application's grants exist
  cerpac.ecs_iam.resources_info:
    declarations:
      - "{{ ecs_task_role_outputs }}"
      - "{{ ecs_task_execution_role_outputs }}"
  register: resources

- name: Show the missing ones
  ansible.builtin.debug:
    msg: "{{ resources.missing }}"
"""

RETURN = r"""
resources:
  description: One entry per resource named by a grant.
  returned: always
  type: list
  elements: dict
  contains:
    host:
      description: The application (inventory host) whose grant names the resource.
      type: str
      sample: cerpac
    role:
      description: C(task role) or C(execution role).
      type: str
      sample: task role
    grant:
      description: Which grant (C(grants[0] (s3))) or start-up input (C(secrets[0])) names it.
      type: str
      sample: grants[0] (s3)
    service:
      description: The service.
      type: str
      sample: s3
    name:
      description: The resource's name (a prefix without its C(/*)).
      type: str
      sample: staging-cerpac-uploads
    status:
      description: C(exists), C(missing) or C(unchecked).
      type: str
      sample: missing
    nearest:
      description: For a missing resource, the nearest existing name of its kind, or null.
      type: str
      sample: staging-cerpac-uploads
    line:
      description: What a person reads.
      type: str
      sample: "host cerpac, task role, grants[0] (s3): s3 staging-cerpac-upload: does not exist (did you mean staging-cerpac-uploads?)"
missing:
  description: The lines of the missing resources.
  returned: always
  type: list
  elements: str
  sample: ["host cerpac, task role, grants[0] (s3): s3 staging-cerpac-upload: does not exist (did you mean staging-cerpac-uploads?)"]
unchecked:
  description: The lines of the resources that could not be checked, with why.
  returned: always
  type: list
  elements: str
  sample: ["host cerpac, task role, grants[1] (ses): ses cerpac.example.com: could not check (no existence read for ses)"]
"""

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._resources import check
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._resources import resources


def _merge(pages):
    """Pages of a listing as one answer: list values joined."""
    answer = {}
    for page in pages:
        for key, value in page.items():
            if isinstance(value, list):
                answer.setdefault(key, []).extend(value)
            else:
                answer.setdefault(key, value)
    return answer


def caller(module):
    """``call`` for _resources.check: one client per service and region, reads only, AWS errors as their code."""
    clients = {}

    def call(service, operation, params, region):
        key = (service, region)
        if key not in clients:
            clients[key] = module.client(service, region=region, retry_decorator=AWSRetry.jittered_backoff())
        client = clients[key]
        try:
            if client.can_paginate(operation):
                return _merge(client.get_paginator(operation).paginate(**params)), None
            return getattr(client, operation)(aws_retry=True, **params), None
        except ClientError as error:
            return None, error.response.get("Error", {}).get("Code") or "ClientError"
        except BotoCoreError as error:
            return None, type(error).__name__

    return call


def main():
    module = AnsibleAWSModule(argument_spec=dict(declarations=dict(type="list", elements="dict", required=True)), supports_check_mode=True)
    results = check(resources(module.params["declarations"]), caller(module))
    module.exit_json(changed=False, resources=results,
                     missing=[result["line"] for result in results if result["status"] == "missing"],
                     unchecked=[result["line"] for result in results if result["status"] == "unchecked"])


if __name__ == "__main__":
    main()
