# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one reader of a role's live state and of the caller's account (the AWS reads of role_plan and ecs_roles_info).

``read_role(client, name, policies=True, instance_profiles=False)``
    ``None`` when the role does not exist, else ``{"name", "arn", "role_id", "path", "trust_policy", "description",
    "max_session_duration", "permissions_boundary", "tags"}`` as IAM gives them (``description`` and
    ``max_session_duration`` are ``None`` when IAM returns none), plus with ``policies`` ``"managed_policy_arns"`` (sorted)
    and ``"inline_policies"`` (``{name: document}`` in name order; a policy deleted between the list and the read is
    left out), and with ``instance_profiles`` ``"instance_profiles"`` (sorted names). One call per attribute family
    (``GetRole``; ``ListAttachedRolePolicies``, ``ListRolePolicies`` and one ``GetRolePolicy`` per inline policy;
    ``ListInstanceProfilesForRole``), through amazon.aws's IAM helpers (retries; a missing entity reads as missing;
    other errors raise ``AnsibleIAMError``).
``caller_account(module)``
    ``(partition, account_id)`` of the credentials, through amazon.aws's ``get_aws_account_info`` (one
    ``sts:GetCallerIdentity``).
"""

from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_iam_role
from ansible_collections.amazon.aws.plugins.module_utils.iam import list_iam_instance_profiles
from ansible_collections.amazon.aws.plugins.module_utils.iam import list_iam_role_attached_policies
from ansible_collections.amazon.aws.plugins.module_utils.iam import list_iam_role_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


@IAMErrorHandler.list_error_handler("get role policy")
@AWSRetry.jittered_backoff()
def get_role_policy(client, role_name, policy_name):
    """An inline policy's document, or ``None`` when it was deleted since it was listed."""
    return client.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]


def read_role(client, name, policies=True, instance_profiles=False):
    """The live role (see the module's docstring), or ``None`` when it does not exist."""
    role = get_iam_role(client, name)
    if role is None:
        return None
    live = {
        "name": role.get("RoleName", name),
        "arn": role["Arn"],
        "role_id": role.get("RoleId"),
        "path": role.get("Path", "/"),
        "trust_policy": role.get("AssumeRolePolicyDocument"),
        "description": role.get("Description"),
        "max_session_duration": role.get("MaxSessionDuration"),
        "permissions_boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "tags": boto3_tag_list_to_ansible_dict(role.get("Tags") or []),
    }
    if policies:
        live["managed_policy_arns"] = sorted(policy["PolicyArn"] for policy in list_iam_role_attached_policies(client, live["name"]))
        documents = [(policy, get_role_policy(client, live["name"], policy)) for policy in sorted(list_iam_role_policies(client, live["name"]))]
        live["inline_policies"] = dict((policy, document) for policy, document in documents if document is not None)
    if instance_profiles:
        live["instance_profiles"] = sorted(profile["InstanceProfileName"] for profile in list_iam_instance_profiles(client, role=live["name"]))
    return live


def caller_account(module):
    """``(partition, account_id)`` of the credentials the module runs with."""
    account_id, partition = get_aws_account_info(module)
    return partition, account_id
