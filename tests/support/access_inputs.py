"""Inputs for the access page, built the way the roles build them, from a small declaration of an environment.

``environment_outputs(declaration)`` returns ``(applications, passrole)`` in the shape the roles publish
(``ecs_task_role_outputs``, ``ecs_task_execution_role_outputs``, ``ecs_deployer_passrole_outputs``; the
contract is in plugins/module_utils/_access_page.py). The grants are rendered by the collection's own
``render_grants`` and checked by ``grant_checks`` (accepted findings are real ones); the grants' provenance
(the Sids of each grant) follows the documented Sid scheme of docs/grants.md, written out here independently
of the page's own check, and every rendered statement must belong to a grant.

A declaration (see tests/golden/access/*/environment.yml)::

    environment, account_id, region, path, passrole: {policy_name, deployer, resources},
    applications: {name: {grants, policies, managed_policy_arns, grant_exceptions, execution_role:
                          {secrets, parameters, kms_keys, managed_policy_arns} or null}}
"""

import copy
import re

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import grant_checks
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CATALOGUE, CHECK_EXCEPTIONS
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import partition_for_region, render_grants

EXECUTION_POLICY_ARN = "arn:{partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
STARTUP_POLICY = "ecs-startup-secrets"


def _camel(text):
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def documented_sids(grant, index):
    """The Sids docs/grants.md gives a grant: <Service><Access><Statement><grant index or sid>, one per
    statement of each access level (a shared statement carries no suffix), and <Service>Kms<suffix>."""
    spec = CATALOGUE[grant["service"]]
    tag = grant.get("sid", str(index))
    sids = []
    for level in grant["access"]:
        for statement in spec["access"][level]["statements"]:
            sid = _camel(grant["service"]) + _camel(level) + statement["name"]
            sids.append(sid if statement.get("shared") else sid + tag)
    if grant.get("kms_key") and any(spec["access"][level].get("kms_actions") for level in grant["access"]):
        sids.append(_camel(grant["service"]) + "Kms" + tag)
    return sids


def trust_policy(partition, region, account):
    """The trust policy both roles write (one statement, the confused-deputy conditions)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "EcsTasksAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": "arn:%s:ecs:%s:%s:*" % (partition, region, account)},
            },
        }],
    }


# Service endpoint suffixes (kms:ViaService), as AWS documents them per partition.
DNS_SUFFIXES = {"aws": "amazonaws.com", "aws-cn": "amazonaws.com.cn", "aws-us-gov": "amazonaws.com", "aws-iso": "c2s.ic.gov",
                "aws-iso-b": "sc2s.sgov.gov", "aws-iso-e": "cloud.adc-e.uk", "aws-iso-f": "csp.hci.ic.gov", "aws-eusc": "amazonaws.eu"}


def startup_policy(secrets, parameters, kms_keys, partition, region, account):
    """What the execution role's start-up secrets policy holds, statement for statement, written out independently."""
    suffix = DNS_SUFFIXES[partition]
    statements = []
    via = []
    if secrets:
        resources = ["arn:%s:secretsmanager:%s:%s:secret:%s" % (partition, region, account, name if name.endswith("/*") else name + "-??????")
                     for name in secrets]
        statements.append({"Sid": "ReadStartupSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": resources})
        via.append("secretsmanager.%s.%s" % (region, suffix))
    if parameters:
        resources = ["arn:%s:ssm:%s:%s:parameter/%s" % (partition, region, account, name.lstrip("/")) for name in parameters]
        statements.append({"Sid": "ReadStartupParameters", "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": resources})
        via.append("ssm.%s.%s" % (region, suffix))
    if kms_keys:
        resources = [key if key.startswith("arn:") else "arn:%s:kms:%s:%s:key/%s" % (partition, region, account, key) for key in kms_keys]
        statements.append({"Sid": "DecryptStartupSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": resources,
                           "Condition": {"StringEquals": {"kms:ViaService": via}}})
    return {"Version": "2012-10-17", "Statement": statements}


def _accepted(policies, environment, exceptions):
    findings = grant_checks.check_policies(policies, environment=environment,
                                           other_environments=["production", "staging", "dev"], exceptions=exceptions)
    blocking = grant_checks.blocking(findings)
    assert not blocking, [grant_checks.format_finding(finding) for finding in blocking]
    return [{"code": f["code"], "policy": f["policy"], "statement": f["statement"], "action": f["action"],
             "resource": f["resource"], "reason": f["reason"]} for f in findings if f.get("accepted")]


def _role(name, path, partition, region, account):
    return {
        "role_name": name,
        "role_arn": "arn:%s:iam::%s:role%s%s" % (partition, account, path, name),
        "state": "present",
        "account_id": account,
        "region": region,
        "partition": partition,
        "path": path,
        "trust_policy": trust_policy(partition, region, account),
    }


def task_role_outputs(environment, app, declared, path, region, account):
    partition = partition_for_region(region)
    grants = copy.deepcopy(declared.get("grants") or [])
    rendered, errors = render_grants(grants, partition, region, account)
    assert not errors, errors
    provenance = []
    for index, grant in enumerate(grants):
        options = dict((key, value) for key, value in grant.items() if key not in ("service", "access", "resources"))
        provenance.append({"index": index, "service": grant["service"], "access": list(grant["access"]),
                           "resources": list(grant["resources"]), "options": options, "policy": "grants-" + grant["service"],
                           "sids": documented_sids(grant, index)})
    every_sid = set((item["policy"], sid) for item in provenance for sid in item["sids"])
    for policy in rendered:
        for statement in policy["document"]["Statement"]:
            assert (policy["name"], statement["Sid"]) in every_sid, (policy["name"], statement["Sid"])
    policies = copy.deepcopy(declared.get("policies") or []) + rendered
    used = set(action.lower() for policy in rendered for statement in policy["document"]["Statement"] for action in statement["Action"])
    exceptions = list(declared.get("grant_exceptions") or []) + [dict(item) for item in CHECK_EXCEPTIONS if item["action"].lower() in used]
    role = _role("%s-%s-ecs-task-role" % (environment, app), path, partition, region, account)
    role.update(managed_policy_arns=sorted(declared.get("managed_policy_arns") or []), inline_policies=policies,
                grants=provenance, accepted_findings=_accepted(policies, environment, exceptions))
    return role


def execution_role_outputs(environment, app, declared, path, region, account):
    partition = partition_for_region(region)
    secrets = list(declared.get("secrets") or [])
    parameters = list(declared.get("parameters") or [])
    kms_keys = list(declared.get("kms_keys") or [])
    policies = copy.deepcopy(declared.get("policies") or [])
    if secrets or parameters or kms_keys:
        policies.append({"name": STARTUP_POLICY, "document": startup_policy(secrets, parameters, kms_keys, partition, region, account)})
    role = _role("%s-%s-ecs-task-execution-role" % (environment, app), path, partition, region, account)
    role.update(
        managed_policy_arns=sorted([EXECUTION_POLICY_ARN.format(partition=partition)] + list(declared.get("managed_policy_arns") or [])),
        inline_policies=policies,
        grants=[],
        accepted_findings=_accepted(policies, environment, declared.get("grant_exceptions") or []),
        # As the role publishes it: no start-up secrets, parameters or keys, no start-up policy (null).
        startup={"secrets": secrets, "parameters": parameters, "kms_keys": kms_keys,
                 "policy": STARTUP_POLICY if secrets or parameters or kms_keys else None},
    )
    return role


def passrole_outputs(declared):
    if declared is None:
        return None
    return {
        "policy_name": declared["policy_name"],
        "deployer": declared.get("deployer"),
        "document": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "PassEcsTaskRolesToEcsTasksOnly",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": sorted(declared["resources"]),
                "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            }],
        },
    }


def environment_outputs(declaration):
    """``(applications, passrole)`` for ``access_page`` from an environment declaration."""
    env = declaration["environment"]
    region = declaration["region"]
    account = declaration["account_id"]
    path = declaration.get("path", "/")
    applications = []
    for app, declared in sorted(declaration["applications"].items()):
        execution = declared.get("execution_role")
        applications.append({
            "name": app,
            "task_role": task_role_outputs(env, app, declared, path, region, account),
            "execution_role": None if execution is None else execution_role_outputs(env, app, execution, path, region, account),
        })
    return applications, passrole_outputs(declaration.get("passrole"))


# Grants a fleet application draws from, in turn: (service, access, resource name pattern).
_FLEET_GRANTS = (
    ("s3", ["read", "write"], "{env}-{app}-files"),
    ("dynamodb", ["read", "write"], "{env}-{app}-items"),
    ("sqs", ["consume"], "{env}-{app}-jobs"),
    ("sns", ["publish"], "{env}-{app}-events"),
    ("secretsmanager", ["read"], "{env}/{app}/*"),
    ("ssm", ["read"], "/{env}/{app}"),
    ("events", ["put"], "{env}-bus"),
    ("lambda", ["invoke"], "{env}-{app}-hook"),
    ("kinesis", ["write"], "{env}-{app}-stream"),
    ("logs", ["write"], "/{env}/{app}"),
)


def fleet_declaration(count, environment="staging"):
    """An environment of ``count`` applications with 3 to 5 grants each, and their execution roles."""
    applications = {}
    for number in range(1, count + 1):
        app = "app%02d" % number
        grants = []
        for step in range(3 + number % 3):
            service, access, pattern = _FLEET_GRANTS[(number + 3 * step) % len(_FLEET_GRANTS)]
            grants.append({"service": service, "access": list(access), "resources": [pattern.format(env=environment, app=app)]})
        applications[app] = {"grants": grants, "execution_role": {"secrets": ["%s/%s/*" % (environment, app)]}}
    return {
        "environment": environment,
        "account_id": "123456789012",
        "region": "eu-west-1",
        "path": "/ecs/%s/" % environment,
        "passrole": {"policy_name": "%s-ecs-passrole" % environment, "deployer": {"type": "role", "name": "%s-ci-deployer" % environment},
                     "resources": ["arn:aws:iam::123456789012:role/ecs/%s/*" % environment]},
        "applications": applications,
    }
