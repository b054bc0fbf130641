#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: role_plan
short_description: Compare IAM roles with their declarations, and refuse the wrong AWS account, without writing
version_added: 0.1.0
description:
  - Reads IAM roles (trust policy, description, session duration, permissions boundary, tags, managed policy
    attachments and inline policies) and compares each with its declared state, semantically for policy documents.
  - Returns what has to change, so that later tasks call M(amazon.aws.iam_role) and M(amazon.aws.iam_policy)
    only for what differs, and a C(diff) of the whole role, which M(amazon.aws.iam_role) does not give.
  - Never writes. With O(name), C(changed) says that the live role differs from its declaration, in check mode and
    in a normal run alike; the tasks that follow it converge that difference. With O(roles), C(changed) is false and
    each role's result carries its own C(changed), which M(cerpac.ecs_iam.role_changes) reports on its host.
  - One role (O(name) and the options beside it) or many at once (O(roles), the declarations that
    M(cerpac.ecs_iam.declare_role) publishes, one per application host). With O(roles) the roles are read
    concurrently in one process, and the caller's account is read at most once, so that an environment of many
    applications is planned with one module run (the collection's roles run it once per play, C(run_once)).
  - Refuses, before any write, credentials that belong to another account than the declared one. The account is
    read from a role's ARN when it exists, else from C(sts:GetCallerIdentity) (once).
  - Refuses two declarations of one role name (two applications would overwrite each other's role).
  - With O(roles), refuses, before any write, a live role that is not the declaration's to write - its C(Environment)
    tag or path says another environment; or, unless the declaration adopts it (C(adopt), from C(<role>_adopt)), it has
    no C(ManagedBy=Ansible) tag (made by hand or by Terraform) or its C(Module) or C(Application) tag names another
    role kind or application. A role of the previous release (no C(Application) tag) is accepted. The message starts
    with the applications at fault.
  - With O(roles), after the account guard and before any write, reads every managed policy the roles attach (AWS
    managed or customer managed - C(iam:GetPolicy) and C(iam:GetPolicyVersion) of its default version, once per
    distinct ARN, concurrently) and checks it with the role's inline policies through the same gate as
    M(cerpac.ecs_iam.validate_grants). A blocking finding (or a policy it cannot read) fails the whole run, naming
    the host, the role and the policy ARN; an exception of the role may name the managed policy's ARN in C(policy).
  - Used by the roles C(cerpac.ecs_iam.ecs_task_role) and C(cerpac.ecs_iam.ecs_task_execution_role).
author:
  - cerpac platform engineering (@cerpac)
options:
  roles:
    description:
      - The declarations of many roles, compared at once. Each is a mapping as M(cerpac.ecs_iam.declare_role) returns
        it (C(role_name), C(state), C(path), C(trust_policy), C(description), C(max_session_duration),
        C(permissions_boundary) (empty for none, so that a boundary on the live role is a difference), C(tags), C(purge_tags),
        C(managed_policy_arns), C(inline_policies) as a list of C(name)/C(document), C(account_id) and C(host)).
      - Mutually exclusive with O(name).
    type: list
    elements: dict
  name:
    description: Name of the IAM role (one role).
    type: str
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
    description:
      - ARN of the permissions boundary policy; an empty string declares none (a boundary on the live role is then a
        difference). Not compared when omitted.
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
        the module fails and nothing is changed. With O(roles), each declaration's C(account_id) is used.
    type: str
  ownership_only:
    description:
      - With O(roles), read only each role's existence, account, path and tags (one C(GetRole) each) and refuse, as below,
        without planning; the playbooks run it over every role kind before the first write of a run. Without O(caller),
        also reads the caller's account (even with an empty O(roles); the one C(sts:GetCallerIdentity) of a run) and
        returns it as C(account_id) and C(partition).
    type: bool
    default: false
  managed_findings:
    description:
      - The C(managed_policy_findings) an O(ownership_only) run of this module returned earlier in the same run (role name
        to findings), so that the managed policies are not read again. Without it, every managed policy the roles attach is
        read and checked here.
    type: dict
  refuse_others:
    description:
      - With O(roles), whether a role that is not the declaration's to write (see above) fails the module. V(false) (read-only
        comparisons, such as C(playbooks/verify.yml)) reports it as the role's first C(differences) line instead.
    type: bool
    default: true
  caller:
    description:
      - With O(roles), the caller's C(account_id) and C(partition) already read from STS in this run (not read again).
    type: dict
  requests_per_second:
    description:
      - With O(roles), the roles are read 8 at a time; every request of the module (retries included) is spaced to at
        most this many a second, so that the reads stay under IAM's request rate for the account instead of meeting
        C(Throttling) answers. V(0) sends them unpaced.
      - When not set, V(20) against AWS (IAM does not publish its rate; at 20 a second the reads met no C(Throttling) in
        C(bench/plan_reads.py)), and unpaced against an endpoint on this machine (C(localhost), C(127.0.0.0/8),
        such as moto or LocalStack, which impose no rate). Lower it when other clients share the account's rate.
      - The playbooks pass C(ecs_iam_requests_per_second) when the inventory or C(-e) sets it.
    type: float
extends_documentation_fragment:
  - cerpac.ecs_iam.read_only
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  diff_mode:
    description: Returns each role before and after as C(diff).
    support: full
notes:
  - IAM permissions needed are C(iam:GetRole), C(iam:ListAttachedRolePolicies), C(iam:ListRolePolicies),
    C(iam:GetRolePolicy) and, when a role does not exist yet, C(sts:GetCallerIdentity).
"""

EXAMPLES = r"""
- name: Compare the task role with what the inventory declares
  cerpac.ecs_iam.role_plan:
    name: staging-cerpac-ecs-task-role
    expected_account_id: "123456789012"
    trust_policy: "{{ lookup('ansible.builtin.file', 'trust-policy.json') }}"
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

- name: Plan the task roles of every application host of the play, in one run
  cerpac.ecs_iam.role_plan:
    roles: "{{ ansible_play_hosts | map('extract', hostvars, 'ecs_task_role_outputs') | list }}"
  run_once: true
  register: plans
"""

RETURN = r"""
roles:
  description:
    - With O(roles), the result of each role by name, each with the keys below (C(exists) ... C(diff)) and C(host),
      C(warnings) (drift that the converge step reverts) and, when the role attaches managed policies,
      C(managed_policy_findings) (the findings they add to the role's inline policies', accepted ones included).
  returned: with O(roles)
  type: dict
  sample: {"staging-cerpac-ecs-task-role": {"host": "cerpac", "exists": true, "changed": false, "differences": []}}
managed_policy_findings:
  description:
    - With O(ownership_only), the findings the managed policies add to each role's inline policies (role name to
      findings, accepted ones included), for O(managed_findings) of the plan that follows.
  returned: with O(ownership_only)
  type: dict
  sample: {}
account_id:
  description: The account the credentials belong to (from the role's ARN, or from STS when the role is absent).
  returned: when it had to be read
  type: str
  sample: "123456789012"
exists:
  description: Whether the role exists now.
  returned: with O(name)
  type: bool
  sample: true
partition:
  description: The AWS partition of that account.
  returned: when RV(account_id) is returned
  type: str
  sample: aws
role_arn:
  description: ARN of the role, as it is or as it will be once created.
  returned: with O(name), when RV(account_id) is returned
  type: str
  sample: arn:aws:iam::123456789012:role/staging-cerpac-ecs-task-role
role_name:
  description: Name of the role.
  returned: with O(name)
  type: str
  sample: staging-cerpac-ecs-task-role
role_updates:
  description: Role attributes that differ (all of them when the role must be created).
  returned: with O(name) and O(state=present)
  type: list
  elements: str
  sample: [trust_policy, tags]
inline_policies_to_put:
  description: Declared inline policies that are missing or differ.
  returned: with O(name) and O(state=present)
  type: list
  elements: str
  sample: [uploads]
inline_policies_to_delete:
  description: Live inline policies that the declaration does not name (drift, removed by the role).
  returned: with O(name) and O(state=present)
  type: list
  elements: str
  sample: [added-by-hand]
managed_policies_to_attach:
  description: Managed policy ARNs to attach.
  returned: with O(name) and O(state=present)
  type: list
  elements: str
  sample: []
managed_policies_to_detach:
  description: Managed policy ARNs attached but not declared.
  returned: with O(name) and O(state=present)
  type: list
  elements: str
  sample: []
differences:
  description:
    - One line per difference between the live role and the declaration (empty when they match), naming the field,
      tag, attachment or inline policy with its live and declared values. V(playbooks/verify.yml) prints these.
  returned: with O(name)
  type: list
  elements: str
  sample: ["staging-cerpac-ecs-task-role: tag Environment is \"production\", declared \"staging\""]
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.amazon.aws.plugins.module_utils.iam import AnsibleIAMError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._aws_client import pace
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._aws_client import requests_per_second
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._live_role import caller_account
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._live_role import read_role

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._managed_policies import check_declarations as check_managed_policies
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._managed_policies import read_policies as read_managed_policies
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import PlanError
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import check_account
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import describe
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import drift_warnings
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import ownership_problem
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import plan_absent
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import plan_role
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_plan import role_result

# Roles read at once with O(roles): IAM answers each role's reads independently; the module's requests are paced to
# the account's rate (O(requests_per_second), _aws_client.pace) and botocore's standard retries ride out the rest.
READERS = 8


def duplicate_names(declarations):
    """Role names that two declarations share (two hosts would overwrite each other's role)."""
    hosts = {}
    for declaration in declarations:
        hosts.setdefault(declaration.get("role_name"), []).append(str(declaration.get("host")))
    return dict((name, owners) for name, owners in sorted(hosts.items(), key=lambda item: str(item[0])) if len(owners) > 1)


def refusal_message(refusals):
    """The failure message of refused roles: the applications at fault first, then one line per role."""
    hosts = []
    for host, dummy in refusals:
        if str(host) not in hosts:
            hosts.append(str(host))
    return "%s: %d role(s) refused before any write, nothing was changed in AWS: %s" % (
        ", ".join(hosts), len(refusals), "; ".join(message for dummy, message in refusals))


def plan_many(module, client, declarations):
    """The O(roles) mode: read every role concurrently, guard the account once, check ownership, plan each. With
    O(ownership_only), only the roles' existence, account, path and tags are read and checked (no plan)."""
    problems = ["role_name missing in %r" % (d,) for d in declarations if not isinstance(d, dict) or not d.get("role_name")]
    if problems:
        module.fail_json(msg="roles: each element must be a declaration of cerpac.ecs_iam.declare_role: " + "; ".join(problems))
    shared = duplicate_names(declarations)
    if shared:
        module.fail_json(msg="%s: two declarations name the same IAM role, so one would overwrite the other: " % ", ".join(
            sorted(set(owner for owners in shared.values() for owner in owners))) + "; ".join(
            "%s is declared by %s" % (name, " and ".join(owners)) for name, owners in shared.items())
            + ". Give each application its own role name (ecs_task_role_project_id or the role name).")
    only = module.params["ownership_only"]
    with ThreadPoolExecutor(max_workers=min(READERS, len(declarations)) or 1) as pool:
        lives = list(pool.map(lambda d: read_role(client, d["role_name"], policies=not only and d.get("state", "present") == "present"), declarations))
    caller = None
    given = module.params["caller"] or {}
    if given.get("account_id") and given.get("partition"):
        caller = (given["partition"], given["account_id"])
    elif only or any(live is None and d.get("state", "present") == "present" for d, live in zip(declarations, lives)):
        caller = caller_account(module)
    refusals, results = [], {}
    for declaration, live in zip(declarations, lives):
        host = declaration.get("host")
        if live is not None:
            arn = _arns.parse(live["arn"])
            partition, account_id = arn["partition"], arn["account_id"]
        elif caller is not None:
            partition, account_id = caller
        else:
            partition, account_id = None, None
        if account_id is not None:
            refusal = check_account(declaration.get("account_id"), account_id)
            if refusal:
                refusals.append((host, "host %s, IAM role %s: %s" % (host, declaration["role_name"], refusal)))
                continue
        owner = ownership_problem(declaration, live)
        if owner and module.params["refuse_others"]:
            refusals.append((host, "host %s, %s" % (host, owner)))
            continue
        if only:
            continue
        try:
            results[declaration["role_name"]] = role_result(declaration, live, account_id, partition, module.check_mode)
        except PlanError as e:
            refusals.append((host, "host %s: %s" % (host, e)))
            continue
        if owner:  # read-only (verify): said as the role's first difference
            results[declaration["role_name"]]["differences"].insert(0, owner)
    if refusals:
        module.fail_json(msg=refusal_message(refusals), roles={})
    # Past the account guard, before any write: every managed policy the roles attach, through the gate.
    present = [d for d in declarations if d.get("state", "present") == "present"]
    # Read once per run: deploy.yml's ownership pass checks every role kind's before the first write and hands its
    # findings on (O(managed_findings)), so the plan of each kind does not read them again.
    managed_findings = module.params["managed_findings"]
    if managed_findings is None:
        managed = check_managed_policies(present, read_managed_policies(client, [arn for d in present for arn in d.get("managed_policy_arns") or []]))
        if managed["problems"]:
            module.fail_json(msg="managed policies with findings, nothing was changed in AWS: " + " | ".join(managed["problems"]), roles={},
                             managed_policy_problems=managed["problems"])
        managed_findings = managed["findings"]
    for name, findings in managed_findings.items():
        if name in results:
            results[name]["managed_policy_findings"] = findings
    # A read: each host reports its own role's changes (cerpac.ecs_iam.role_changes), so they are not counted twice.
    result = {"roles": results, "changed": False}
    if only:
        result["managed_policy_findings"] = managed_findings
    if caller is not None:
        result.update(partition=caller[0], account_id=caller[1])
    if not module._diff:
        for item in results.values():
            item.pop("diff", None)
    module.exit_json(**result)


def plan_one(module, client):
    """The single-role mode (O(name))."""
    params = module.params
    name = params["name"]
    present = params["state"] == "present"
    live = read_role(client, name, policies=present)
    result = {"role_name": name}
    if live is not None:
        arn = _arns.parse(live["arn"])
        result.update(partition=arn["partition"], account_id=arn["account_id"], role_arn=live["arn"])
    elif present or params["expected_account_id"]:
        # Absent too: "no such role" must not be what another account's credentials get (a missing deployer, say).
        partition, account_id = caller_account(module)
        result.update(partition=partition, account_id=account_id)

    if "account_id" in result:
        refusal = check_account(params["expected_account_id"], result["account_id"])
        if refusal:
            module.fail_json(msg="IAM role %s: %s" % (name, refusal), **result)

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
            inline_policies=dict((policy["name"], policy["document"]) for policy in params["inline_policies"]),
        )
        if len(declared["inline_policies"]) != len(params["inline_policies"]):
            module.fail_json(msg="IAM role %s: two inline policies share a name; policy names must be unique" % name, **result)
        try:
            plan = plan_role(declared, live)
        except PlanError as e:
            module.fail_json(msg=str(e), **result)
        if live is None:
            result["role_arn"] = _arns.role_arn(result["partition"], result["account_id"], params["path"], name)

    for message in drift_warnings(name, plan, live, module.check_mode):
        module.warn(message)
    result["exists"] = live is not None
    result["differences"] = describe(name, plan)
    diff = plan.pop("diff")
    result.update(plan)
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


def main():
    argument_spec = dict(
        roles=dict(type="list", elements="dict"),
        name=dict(type="str"),
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
        ownership_only=dict(type="bool", default=False),
        refuse_others=dict(type="bool", default=True),
        caller=dict(type="dict"),
        managed_findings=dict(type="dict"),
        requests_per_second=dict(type="float"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("roles", "name")],
        required_one_of=[("roles", "name")],
        supports_check_mode=True,
    )
    if module.params["name"] and module.params["state"] == "present" and module.params["trust_policy"] is None:
        module.fail_json(msg="state is present but all of the following are missing: trust_policy")
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    try:
        rate = requests_per_second(module.params["requests_per_second"], client.meta.endpoint_url)
    except ValueError as e:
        module.fail_json(msg=str(e))
    pace(client, rate)
    try:
        if module.params["roles"] is not None:
            plan_many(module, client, module.params["roles"])
        else:
            plan_one(module, client)
    except AnsibleIAMError as e:
        module.fail_json_aws_error(e)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Unable to read the IAM roles")


if __name__ == "__main__":
    main()
