#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: deployer_policies
short_description: Compare the deployer's PassRole policies with their declarations, reading each policy once
version_added: 0.1.0
description:
  - Reads each deployer that the declarations name once (C(iam:GetRole) or C(iam:GetUser), then
    C(iam:ListRolePolicies) or C(iam:ListUserPolicies)) and each declared inline policy it holds once
    (C(iam:GetRolePolicy) or C(iam:GetUserPolicy)), and compares them with the declarations, semantically.
  - Returns, for each policy, whether M(amazon.aws.iam_policy) has to run for it (C(write)) and what differs, so
    that a run with one policy per application reads each policy once, whatever the number of applications (run
    once per application, M(amazon.aws.iam_policy) reads every inline policy of the deployer each time).
  - Fails when a deployer that must hold a policy does not exist, or belongs to another account than
    O(expected_account_id); with O(fail=false) reports the same as C(problems) (read-only comparisons).
  - Used by the role C(cerpac.ecs_iam.ecs_deployer_passrole) and by C(playbooks/verify.yml).
author:
  - cerpac platform engineering (@cerpac)
options:
  policies:
    description:
      - The PassRole declarations as M(cerpac.ecs_iam.declare_role) publishes them (C(ecs_deployer_passrole_outputs)),
        one per application host or the same one for every host. Each is a mapping with C(policy_name), C(state),
        C(deployer) (C(type) V(role) or V(user) and C(name); none means nobody holds the policy), C(document) and C(host).
      - A policy name declared twice for one deployer with another content is refused.
    type: list
    elements: dict
    required: true
  expected_account_id:
    description:
      - The account the deployers must belong to; a deployer found in another account is refused. Not checked when
        empty.
    type: str
  allow_any_account:
    description: Do not check O(expected_account_id) (the inventory opted out of declaring its account).
    type: bool
    default: false
  fail:
    description: Whether a missing deployer or one of another account fails the module; V(false) returns them in C(problems).
    type: bool
    default: true
extends_documentation_fragment:
  - cerpac.ecs_iam.read_only
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - IAM permissions needed are C(iam:GetRole), C(iam:ListRolePolicies) and C(iam:GetRolePolicy) for a deployer role, or
    C(iam:GetUser), C(iam:ListUserPolicies) and C(iam:GetUserPolicy) for a deployer user.
"""

EXAMPLES = r"""
- name: Plan the PassRole policies of every application of the play (one read of the deployer)
  cerpac.ecs_iam.deployer_policies:
    policies: "{{ ansible_play_hosts | map('extract', hostvars, 'ecs_deployer_passrole_outputs') | list }}"
    expected_account_id: "123456789012"
  run_once: true
  register: passrole_plan

- name: Put this application's policy only when it differs
  amazon.aws.iam_policy:
    iam_type: role
    iam_name: deployer
    policy_name: "{{ ecs_deployer_passrole_outputs.policy_name }}"
    policy_json: "{{ ecs_deployer_passrole_outputs.document | to_json }}"
  when: passrole_plan.plans.role.deployer.policies[ecs_deployer_passrole_outputs.policy_name].write
"""

RETURN = r"""
plans:
  description:
    - By deployer type (V(role), V(user)) and name - C(exists), C(arn) and C(policies), by policy name - C(state),
      C(write) (whether M(amazon.aws.iam_policy) must run for it), C(differences) (present-tense lines, empty when it
      matches) and C(live) (the document the deployer holds, or none).
  returned: always
  type: dict
  sample: {"role": {"deployer": {"exists": true, "arn": "arn:aws:iam::123456789012:role/deployer", "policies": {
          "staging-ecs-passrole": {"state": "present", "write": false, "differences": [], "live": {}}}}}}
problems:
  description: A deployer that does not exist while it must hold a policy, or that belongs to another account.
  returned: always
  type: list
  elements: str
  sample: []
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import AnsibleIAMError
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_iam_role
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_iam_user
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._deployer_policies import group_declarations
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._deployer_policies import plan
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._deployer_policies import policies_to_read


@AWSRetry.jittered_backoff()
def _list_policies(client, kind, name):
    if kind == "role":
        return client.get_paginator("list_role_policies").paginate(RoleName=name).build_full_result()["PolicyNames"]
    return client.get_paginator("list_user_policies").paginate(UserName=name).build_full_result()["PolicyNames"]


@AWSRetry.jittered_backoff()
def _get_policy(client, kind, name, policy):
    try:
        if kind == "role":
            return client.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        return client.get_user_policy(UserName=name, PolicyName=policy)["PolicyDocument"]
    except is_boto3_error_code("NoSuchEntity"):
        return None  # deleted since it was listed


def read_deployer(client, kind, name, wanted):
    """``{"arn", "policies"}``: the deployer's ARN (None when it does not exist) and the documents of the ``wanted``
    policies it holds: one read of the deployer, one of its policy list, one of each of those policies."""
    found = get_iam_role(client, name) if kind == "role" else get_iam_user(client, name, normalize=False)
    if not found:
        return {"arn": None, "policies": {}}
    documents = {}
    for policy in policies_to_read(wanted, _list_policies(client, kind, name)):
        document = _get_policy(client, kind, name, policy)
        if document is not None:
            documents[policy] = document
    return {"arn": found["Arn"], "policies": documents}


def main():
    argument_spec = dict(
        policies=dict(type="list", elements="dict", required=True),
        expected_account_id=dict(type="str"),
        allow_any_account=dict(type="bool", default=False),
        fail=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    deployers, problems = group_declarations(module.params["policies"])
    if problems:
        module.fail_json(msg="; ".join(problems), problems=problems)
    live = {}
    if deployers:
        client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
        try:
            for (kind, name), policies in sorted(deployers.items()):
                live[(kind, name)] = read_deployer(client, kind, name, policies)
        except AnsibleIAMError as e:
            module.fail_json_aws_error(e)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Unable to read the deployer's inline policies")
    plans, problems = plan(deployers, live, module.params["expected_account_id"], module.params["allow_any_account"])
    if problems and module.params["fail"]:
        module.fail_json(msg="; ".join(problems), problems=problems, plans=plans)
    module.exit_json(changed=False, plans=plans, problems=problems)


if __name__ == "__main__":
    main()
