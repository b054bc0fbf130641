#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: leftover_roles
short_description: Find the roles of an environment that no application declares, and delete them on request
version_added: 0.2.0
description:
  - Finds the leftovers of an environment, the IAM roles that are the environment's but that no host of the inventory
    declares (an application removed from the inventory, an execution role turned off), and lists each with its grants
    (inline policy names, managed policy attachments, instance profiles).
  - A role is the environment's when it is under the environment's path O(path), or when its tags say
    C(Environment=<environment>), C(ManagedBy=Ansible) and C(Module) one of C(ecs_task_role), C(ecs_task_execution_role).
    The path C(/) says nothing about the environment; with it only the tags make a leftover, and prune also needs the
    role directly under C(/) with a name starting C(<environment>-).
  - Reads first the caller's account (C(sts:GetCallerIdentity), unless O(caller) gives the one the playbook read in this
    run) and refuses credentials of another account than O(account_id) before any listing is trusted. Then one
    C(iam:ListRoles) pass over the account (1000 roles a page),
    and C(iam:ListRoleTags) only for the roles not declared that are under the path or named C(<environment>-...)
    (ListRoles does not return tags on AWS); then, for each leftover, C(ListRolePolicies),
    C(ListAttachedRolePolicies) and C(ListInstanceProfilesForRole). A role tagged for the environment outside its path
    and without the C(<environment>-) name prefix is not found (it would take a tag read for every role of the account).
  - With O(prune=true), deletes each leftover that both its path and its tags place in the environment, with the
    module's own IAM calls (not M(amazon.aws.iam_role), so that the role is read again and checked just before the
    first write), C(DeleteRolePolicy) for each inline policy, C(DetachRolePolicy) for each managed policy,
    C(RemoveRoleFromInstanceProfile) for each instance profile (and C(DeleteInstanceProfile) for the one named like
    the role, as M(amazon.aws.iam_role) does with C(delete_instance_profile)), then C(DeleteRole). A leftover that only
    its path or only its tags place in the environment is listed and never touched.
  - Used by V(playbooks/deploy.yml) (warnings, C(-e ecs_iam_prune=true) deletes) and V(playbooks/verify.yml)
    (a failure, read only).
author:
  - cerpac platform engineering (@cerpac)
options:
  environment:
    description: The environment's name (C(ecs_task_role_env)).
    type: str
    required: true
  path:
    description: The environment's IAM path (C(ecs_task_role_path)).
    type: str
    default: /
  account_id:
    description: The account the inventory declares; credentials of another account are refused. Empty to skip the check.
    type: str
    default: ''
  declared:
    description: Every role name the inventory declares (task roles, execution roles, the deployer), of every host.
    type: list
    elements: str
    default: []
  prune:
    description: Delete the leftovers that both path and tags place in the environment.
    type: bool
    default: false
  warn:
    description: Print a warning for each leftover (deploy); verify fails on them instead.
    type: bool
    default: true
  deployer_role_name:
    description:
      - The deployer role (C(ecs_deployer_passrole_role_name)). Its inline policies that name a prunable leftover's ARN
        are listed with it; with O(prune=true), a policy that allows C(iam:PassRole) on pruned roles and nothing else
        (a removed application's C(<env>-<app>-ecs-passrole) in per-application mode) is deleted, any other is left for
        a person to edit (a warning). A policy that names the environment's path is never touched.
    type: str
    default: ''
  deployer_user_name:
    description: The deployer user (C(ecs_deployer_passrole_user_name)), as O(deployer_role_name); ignored when O(deployer_role_name) is set.
    type: str
    default: ''
  caller:
    description:
      - The caller's account as the playbook read it earlier in the run (C({account_id, partition}), the fact
        C(ecs_iam_caller)); the module then makes no C(sts:GetCallerIdentity) call of its own.
    type: dict
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    description: Reports what O(prune=true) would delete (C(changed), C(diff)) and writes nothing.
    support: full
  diff_mode:
    description: With O(prune=true), each role to delete before (path and grants) and nothing after.
    support: full
  idempotent:
    description: A second prune finds nothing left to delete.
    support: full
notes:
  - IAM permissions needed are C(sts:GetCallerIdentity), C(iam:ListRoles), C(iam:ListRoleTags), C(iam:ListRolePolicies),
    C(iam:ListAttachedRolePolicies), C(iam:ListInstanceProfilesForRole), C(iam:GetRole) and, to prune,
    C(iam:DeleteRolePolicy), C(iam:DetachRolePolicy), C(iam:RemoveRoleFromInstanceProfile), C(iam:DeleteInstanceProfile),
    C(iam:DeleteRole); with a deployer user, C(iam:ListUserPolicies), C(iam:GetUserPolicy) and C(iam:DeleteUserPolicy).
"""

EXAMPLES = r"""
- name: List the leftovers of the staging environment
  cerpac.ecs_iam.leftover_roles:
    environment: staging
    path: /ecs/staging/
    account_id: "123456789012"
    declared: [staging-cerpac-ecs-task-role, staging-cerpac-ecs-task-execution-role]
  register: leftovers
"""

RETURN = r"""
account_id:
  description: The caller's account.
  returned: always
  type: str
leftovers:
  description:
    - Each leftover (C(name), C(arn), C(path), C(tags), C(path_says), C(tags_say), C(prunable), C(not_pruned_because),
      C(inline_policies), C(managed_policies), C(instance_profiles)).
  returned: always
  type: list
  elements: dict
findings:
  description: One line per leftover for people (the role, its grants, what prune does with it).
  returned: always
  type: list
  elements: str
pruned:
  description: The roles deleted (in check mode, the roles that would be).
  returned: always
  type: list
  elements: str
deployer_policies_deleted:
  description: The deployer's inline policies deleted because they passed pruned roles and nothing else.
  returned: with O(prune=true)
  type: list
  elements: str
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._aws_client import client as aws_client
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._live_role import caller_account
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import candidates
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import classify
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import describe
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import diff
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import passrole_policies
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import prune_steps
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._leftovers import still_prunable
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import check_account


@AWSRetry.jittered_backoff()
def _all(client, operation, key, **params):
    return client.get_paginator(operation).paginate(**params).build_full_result().get(key, [])


def read_grants(client, name):
    return {
        "inline_policies": sorted(_all(client, "list_role_policies", "PolicyNames", RoleName=name)),
        "managed_policies": sorted(p["PolicyArn"] for p in _all(client, "list_attached_role_policies", "AttachedPolicies", RoleName=name)),
        "instance_profiles": sorted(p["InstanceProfileName"] for p in _all(client, "list_instance_profiles_for_role", "InstanceProfiles",
                                                                           RoleName=name)),
    }


def read_tags(client, name):
    return boto3_tag_list_to_ansible_dict(_all(client, "list_role_tags", "Tags", RoleName=name))


@AWSRetry.jittered_backoff()
def get_role(client, name):
    try:
        return client.get_role(RoleName=name)["Role"]
    except is_boto3_error_code("NoSuchEntity"):
        return None


@AWSRetry.jittered_backoff()
def write(client, operation, params):
    try:
        getattr(client, operation)(**params)
    except is_boto3_error_code("NoSuchEntity"):
        pass  # gone already (a lost answer resent, or removed meanwhile)


def deployer_of(params):
    """("role", name) or ("user", name) of the deployer, or None."""
    if params["deployer_role_name"]:
        return ("role", params["deployer_role_name"])
    if params["deployer_user_name"]:
        return ("user", params["deployer_user_name"])
    return None


def deployer_key(kind):
    return "RoleName" if kind == "role" else "UserName"


def read_inline_policies(client, kind, name, only=None):
    """{policy name: document} of the deployer's inline policies ({} when the deployer does not exist)."""
    try:
        names = [only] if only else _all(client, "list_%s_policies" % kind, "PolicyNames", **{deployer_key(kind): name})
        return dict((policy, _get_policy(client, kind, name, policy)) for policy in names)
    except is_boto3_error_code("NoSuchEntity"):
        return {}


@AWSRetry.jittered_backoff()
def _get_policy(client, kind, name, policy):
    return getattr(client, "get_%s_policy" % kind)(**{deployer_key(kind): name, "PolicyName": policy})["PolicyDocument"]


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            environment=dict(type="str", required=True),
            path=dict(type="str", default="/"),
            account_id=dict(type="str", default=""),
            declared=dict(type="list", elements="str", default=[]),
            prune=dict(type="bool", default=False),
            warn=dict(type="bool", default=True),
            deployer_role_name=dict(type="str", default=""),
            deployer_user_name=dict(type="str", default=""),
            caller=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    env, env_path = params["environment"], params["path"] or "/"
    if not env:
        module.fail_json(msg="leftover_roles: environment is empty; set ecs_task_role_env in the inventory's group_vars")
    try:
        given = params["caller"] or {}
        if given.get("account_id"):
            account_id = str(given["account_id"])  # read once by the playbook in this run (playbooks/tasks/environment.yml)
        else:
            dummy, account_id = caller_account(module)
        if params["account_id"]:
            refusal = check_account(params["account_id"], account_id)
            if refusal:
                module.fail_json(msg="leftovers of %s: %s" % (env, refusal), account_id=account_id)
        client = aws_client(module, "iam")
        listed = candidates(_all(client, "list_roles", "Roles"), env, env_path, params["declared"])
        leftovers = []
        for role in listed:
            if _arns.account_of(role.get("Arn")) != account_id:
                continue  # not this account's role (cannot happen on AWS): never trusted
            leftover = classify(role, read_tags(client, role["RoleName"]), env, env_path)
            if leftover is not None:
                leftover.update(read_grants(client, leftover["name"]))
                leftovers.append(leftover)
        deployer = deployer_of(params)
        passrole = {"delete": [], "edit": {}, "named": {}}
        prunable_arns = [leftover["arn"] for leftover in leftovers if leftover["prunable"]]
        if deployer and prunable_arns:
            passrole = passrole_policies(read_inline_policies(client, *deployer), prunable_arns)
            for leftover in leftovers:
                leftover["passrole_policies"] = sorted(name for name, arns in passrole["named"].items() if leftover["arn"] in arns)
        findings = [describe(leftover) for leftover in leftovers]
        result = {"account_id": account_id, "leftovers": leftovers, "findings": findings, "pruned": [], "changed": False}
        if params["warn"] and not params["prune"]:
            for line in findings:
                module.warn("leftover role " + line)
        if params["prune"]:
            for leftover in leftovers:
                if not leftover["prunable"]:
                    module.warn("leftover role %s is not pruned: %s" % (leftover["name"], leftover["not_pruned_because"]))
                    continue
                if not module.check_mode:
                    live = get_role(client, leftover["name"])
                    if live is None:
                        continue
                    if not still_prunable(live, read_tags(client, leftover["name"]), env, env_path):
                        module.warn("leftover role %s changed since it was listed (path or tags); left alone" % leftover["name"])
                        continue
                    leftover.update(read_grants(client, leftover["name"]))
                    for operation, call in prune_steps(leftover):
                        write(client, operation, call)
                result["pruned"].append(leftover["name"])
            pruned_arns = set(leftover["arn"] for leftover in leftovers if leftover["name"] in result["pruned"])
            result["deployer_policies_deleted"] = []
            for name in passrole["delete"]:
                if not module.check_mode:
                    fresh = passrole_policies(read_inline_policies(client, *deployer, only=name), sorted(pruned_arns))
                    if name not in fresh["delete"]:
                        module.warn("the deployer's inline policy %s changed since it was read, or names a role that was not pruned; left alone" % name)
                        continue
                    write(client, "delete_%s_policy" % deployer[0], {deployer_key(deployer[0]): deployer[1], "PolicyName": name})
                result["deployer_policies_deleted"].append(name)
            for name, arns in passrole["edit"].items():
                module.warn("the deployer's inline policy %s names the pruned role(s) %s among other grants: remove them from it by hand"
                            % (name, ", ".join(arns)))
            result["changed"] = bool(result["pruned"] or result["deployer_policies_deleted"])
            if module._diff:
                result["diff"] = diff([leftover for leftover in leftovers if leftover["name"] in result["pruned"]])
                if result["deployer_policies_deleted"]:
                    result["diff"]["before"]["deployer %s %s inline policies" % deployer] = result["deployer_policies_deleted"]
        module.exit_json(**result)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="leftovers of %s: IAM call failed" % env)


if __name__ == "__main__":
    main()
