#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: role_plan
short_description: Compare an IAM role with its declaration, and refuse the wrong AWS account, without writing
version_added: 0.1.0
description:
  - Reads one IAM role (trust policy, description, session duration, permissions boundary, tags, managed policy
    attachments and inline policies) and compares it with the declared state, semantically for policy documents.
  - Returns what has to change, so that later tasks call M(amazon.aws.iam_role) and M(amazon.aws.iam_policy)
    only for what differs, and a C(diff) of the whole role (shown with C(--diff)), which M(amazon.aws.iam_role)
    does not give.
  - Never writes. C(changed) says that the live role differs from the declaration, in check mode and in a normal
    run alike; the tasks that follow it converge that difference.
  - Refuses, before any write, when the credentials belong to another account than O(expected_account_id).
    The account is read from the role's ARN when the role exists, else from C(sts:GetCallerIdentity).
  - Used by the roles C(cerpac.ecs_iam.ecs_task_role) and C(cerpac.ecs_iam.ecs_task_execution_role).
author:
  - cerpac platform engineering (@cerpac)
options:
  name:
    description: Name of the IAM role.
    type: str
    required: true
  state:
    description: Whether the role should exist. With V(absent) only the role's existence and account are read.
    type: str
    choices: [present, absent]
    default: present
  path:
    description: Path of the role. IAM cannot change the path of an existing role; a different path is an error.
    type: str
    default: /
  trust_policy:
    description: The trust (assume role) policy document, as JSON text or a mapping.
    type: json
  description:
    description: Description of the role. Not compared when omitted.
    type: str
  max_session_duration:
    description: Maximum session duration in seconds. Not compared when omitted.
    type: int
  permissions_boundary:
    description: ARN of the permissions boundary policy. Not compared when omitted.
    type: str
  tags:
    description: Tags the role must carry.
    type: dict
    default: {}
  purge_tags:
    description: Whether tags the declaration does not name count as differences (they are removed by the role).
    type: bool
    default: true
  managed_policy_arns:
    description: The managed policies attached to the role, exclusively.
    type: list
    elements: str
    default: []
  inline_policies:
    description: The inline policies of the role, exclusively; a live inline policy not listed here is reported for deletion.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Policy name.
        type: str
        required: true
      document:
        description: Policy document, as JSON text or a mapping.
        type: json
        required: true
  expected_account_id:
    description:
      - The AWS account id the declaration is meant for. When set and the credentials belong to another account,
        the module fails and nothing is changed.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    description: Runs in check mode, reading exactly as in a normal run.
    support: full
  diff_mode:
    description: Returns the role before and after as C(diff).
    support: full
  idempotent:
    description: Never writes.
    support: full
notes:
  - IAM permissions needed are C(iam:GetRole), C(iam:ListAttachedRolePolicies), C(iam:ListRolePolicies),
    C(iam:GetRolePolicy) and, when the role does not exist yet, C(sts:GetCallerIdentity).
"""

EXAMPLES = r"""
- name: Compare the task role with what the inventory declares
  cerpac.ecs_iam.role_plan:
    name: staging-cerpac-ecs-task-role
    expected_account_id: "123456789012"
    trust_policy: "{{ lookup('ansible.builtin.template', 'trust-policy.json.j2') }}"
    tags:
      Environment: staging
      ManagedBy: Ansible
    inline_policies:
      - name: uploads
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: s3:GetObject
              Resource: arn:aws:s3:::staging-cerpac-uploads/*
  register: plan

- name: Show what would be removed
  ansible.builtin.debug:
    var: plan.inline_policies_to_delete
"""

RETURN = r"""
exists:
  description: Whether the role exists now.
  returned: always
  type: bool
  sample: true
account_id:
  description: The account the credentials belong to (from the role's ARN, or from STS when the role is absent).
  returned: when it had to be read (always with O(state=present); with O(state=absent) when the role exists)
  type: str
  sample: "123456789012"
partition:
  description: The AWS partition of that account.
  returned: when RV(account_id) is returned
  type: str
  sample: aws
role_arn:
  description: ARN of the role, as it is or as it will be once created.
  returned: when RV(account_id) is returned
  type: str
  sample: arn:aws:iam::123456789012:role/staging-cerpac-ecs-task-role
role_name:
  description: Name of the role.
  returned: always
  type: str
  sample: staging-cerpac-ecs-task-role
role_updates:
  description: Role attributes that differ (all of them when the role must be created).
  returned: with O(state=present)
  type: list
  elements: str
  sample: [trust_policy, tags]
inline_policies_to_put:
  description: Declared inline policies that are missing or differ.
  returned: with O(state=present)
  type: list
  elements: str
  sample: [uploads]
inline_policies_to_delete:
  description: Live inline policies that the declaration does not name (drift, removed by the role).
  returned: with O(state=present)
  type: list
  elements: str
  sample: [added-by-hand]
managed_policies_to_attach:
  description: Managed policy ARNs to attach.
  returned: with O(state=present)
  type: list
  elements: str
  sample: []
differences:
  description:
    - One line per difference between the live role and the declaration (empty when they match), naming the field,
      tag, attachment or inline policy with its live and declared values. V(playbooks/verify.yml) prints these.
  returned: always
  type: list
  elements: str
  sample: ["staging-cerpac-ecs-task-role: tag Environment is \"production\", declared \"staging\""]
managed_policies_to_detach:
  description: Managed policy ARNs attached but not declared.
  returned: with O(state=present)
  type: list
  elements: str
  sample: []
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import PlanError
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import check_account
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import describe
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import parse_arn
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import plan_absent
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import plan_role
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import role_arn


def get_role(client, name):
    try:
        return client.get_role(RoleName=name, aws_retry=True)["Role"]
    except is_boto3_error_code("NoSuchEntity"):
        return None


def read_role(client, name, with_policies):
    """The live role in the shape _role_plan compares, or None. One call per attribute family."""
    role = get_role(client, name)
    if role is None:
        return None
    live = {
        "arn": role["Arn"],
        "path": role.get("Path", "/"),
        "trust_policy": role.get("AssumeRolePolicyDocument"),
        "description": role.get("Description"),
        "max_session_duration": role.get("MaxSessionDuration"),
        "permissions_boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "tags": boto3_tag_list_to_ansible_dict(role.get("Tags") or []),
    }
    if with_policies:
        attached = paginated_query_with_retries(client, "list_attached_role_policies", RoleName=name)["AttachedPolicies"]
        live["managed_policy_arns"] = sorted(policy["PolicyArn"] for policy in attached)
        names = paginated_query_with_retries(client, "list_role_policies", RoleName=name)["PolicyNames"]
        live["inline_policies"] = {
            policy: client.get_role_policy(RoleName=name, PolicyName=policy, aws_retry=True)["PolicyDocument"] for policy in names
        }
    return live


def drift_warnings(name, plan, live, check_mode):
    """Changes made to the live role outside this declaration, said aloud before they are reverted."""
    if live is None or not plan.get("exists") or "role_updates" not in plan:
        return []
    will = "would be" if check_mode else "will be"
    messages = [f"IAM role {name}: inline policy {policy!r} is not declared; it {will} removed" for policy in plan["inline_policies_to_delete"]]
    messages += [
        f"IAM role {name}: inline policy {policy!r} differs from the declaration; it {will} put back"
        for policy in plan["inline_policies_to_put"]
        if policy in live["inline_policies"]
    ]
    messages += [f"IAM role {name}: managed policy {arn} is attached but not declared; it {will} detached" for arn in plan["managed_policies_to_detach"]]
    labels = {
        "trust_policy": "the trust policy differs",
        "description": "the description differs",
        "max_session_duration": "the maximum session duration differs",
        "permissions_boundary": "the permissions boundary differs",
        "tags": "the tags differ",
    }
    messages += [f"IAM role {name}: {labels[field]} from the declaration; {will} restored" for field in plan["role_updates"] if field in labels]
    return messages


def caller_account(module):
    identity = module.client("sts", retry_decorator=AWSRetry.jittered_backoff()).get_caller_identity(aws_retry=True)
    return parse_arn(identity["Arn"])["partition"], identity["Account"]


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        path=dict(type="str", default="/"),
        trust_policy=dict(type="json"),
        description=dict(type="str"),
        max_session_duration=dict(type="int"),
        permissions_boundary=dict(type="str"),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=True),
        managed_policy_arns=dict(type="list", elements="str", default=[]),
        inline_policies=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(name=dict(type="str", required=True), document=dict(type="json", required=True)),
        ),
        expected_account_id=dict(type="str"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ("trust_policy",))],
        supports_check_mode=True,
    )
    params = module.params
    name = params["name"]
    present = params["state"] == "present"
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())

    try:
        live = read_role(client, name, with_policies=present)
        result = {"role_name": name}
        if live is not None:
            arn = parse_arn(live["arn"])
            result.update(partition=arn["partition"], account_id=arn["account"], role_arn=live["arn"])
        elif present:
            partition, account_id = caller_account(module)
            result.update(partition=partition, account_id=account_id)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Unable to read IAM role {name}")

    if "account_id" in result:
        refusal = check_account(params["expected_account_id"], result["account_id"])
        if refusal:
            module.fail_json(msg=f"IAM role {name}: {refusal}", **result)

    if not present:
        plan = plan_absent(live)
    else:
        declared = dict(
            name=name,
            path=params["path"],
            trust_policy=params["trust_policy"],
            description=params["description"],
            max_session_duration=params["max_session_duration"],
            permissions_boundary=params["permissions_boundary"],
            tags=params["tags"],
            purge_tags=params["purge_tags"],
            managed_policy_arns=params["managed_policy_arns"],
            inline_policies={policy["name"]: policy["document"] for policy in params["inline_policies"]},
        )
        if len(declared["inline_policies"]) != len(params["inline_policies"]):
            module.fail_json(msg=f"IAM role {name}: two inline policies share a name; policy names must be unique", **result)
        try:
            plan = plan_role(declared, live)
        except PlanError as e:
            module.fail_json(msg=str(e), **result)
        if live is None:
            result["role_arn"] = role_arn(result["partition"], result["account_id"], params["path"], name)

    for message in drift_warnings(name, plan, live, module.check_mode):
        module.warn(message)
    result["differences"] = describe(name, plan)
    diff = plan.pop("diff")
    result.update(plan)
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
