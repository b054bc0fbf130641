"""Unit tables of _managed_policies: offline documents, the gate over inline + managed policies, reading, problems."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _managed_policies as managed

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
EXECUTION = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
CUSTOMER = "arn:aws:iam::123456789012:policy/staging-shared"
ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
S3_STAR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
SCOPED = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::staging-a/*"}]}
PASS_ANY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}
RUN_INSTANCES = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:RunInstances",
                                                        "Resource": "arn:aws:ec2:eu-west-1:123456789012:*"}]}


def declaration(managed_arns, inline=(), exceptions=(), host="worker", fail_on="error"):
    return {"role": "ecs_task_role", "host": host, "role_name": "staging-%s-ecs-task-role" % host, "state": "present",
            "environment": "staging", "managed_policy_arns": list(managed_arns), "inline_policies": list(inline),
            "gate": {"exceptions": list(exceptions), "other_environments": ["production"], "fail_on": fail_on}}


@pytest.mark.parametrize("arns, known, unchecked", [
    ([EXECUTION], [EXECUTION], []),
    ([EXECUTION, ADMIN, CUSTOMER], [EXECUTION], [CUSTOMER, ADMIN]),
    (["arn:aws-cn:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
     ["arn:aws-cn:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"], []),
    ([], [], []),
])
def test_offline_documents(arns, known, unchecked):
    documents, left = managed.offline_documents(arns)
    assert sorted(documents) == known
    assert left == unchecked


@pytest.mark.parametrize("arns, documents, inline, exceptions, expected", [
    # (code, policy, accepted) of each finding the managed policies add
    ([ADMIN], {ADMIN: ALL}, [], [], [("FULL_ADMIN", ADMIN, False), ("RESOURCE_STAR", ADMIN, False), ("PRIVILEGE_ESCALATION", ADMIN, False)]),
    ([CUSTOMER], {CUSTOMER: S3_STAR}, [], [],
     [("SERVICE_WILDCARD", CUSTOMER, False), ("RESOURCE_STAR", CUSTOMER, False), ("PERMISSIONS_MANAGEMENT", CUSTOMER, False)]),
    ([CUSTOMER], {CUSTOMER: SCOPED}, [], [], []),
    ([CUSTOMER], {CUSTOMER: S3_STAR}, [], [{"code": "*", "policy": CUSTOMER, "reason": "reviewed"}],
     [("SERVICE_WILDCARD", CUSTOMER, True), ("RESOURCE_STAR", CUSTOMER, True), ("PERMISSIONS_MANAGEMENT", CUSTOMER, True)]),
    # an exception naming another policy does not accept it
    ([CUSTOMER], {CUSTOMER: S3_STAR}, [], [{"code": "*", "policy": "grants-s3", "reason": "reviewed"}],
     [("SERVICE_WILDCARD", CUSTOMER, False), ("RESOURCE_STAR", CUSTOMER, False), ("PERMISSIONS_MANAGEMENT", CUSTOMER, False)]),
    # the execution role's AWS managed policy is accepted by its built-in exceptions, and only by them
    ([EXECUTION], {EXECUTION: managed.KNOWN_DOCUMENTS[managed.EXECUTION_POLICY]}, [], managed.execution_policy_exceptions(EXECUTION),
     [("RESOURCE_STAR", EXECUTION, True)] * 5),
    ([EXECUTION], {EXECUTION: managed.KNOWN_DOCUMENTS[managed.EXECUTION_POLICY]}, [], [], [("RESOURCE_STAR", EXECUTION, False)] * 5),
    # escalation across an inline policy and a managed one: found on both statements
    ([CUSTOMER], {CUSTOMER: RUN_INSTANCES}, [{"name": "pass", "document": PASS_ANY}], [],
     # (and RunInstances on every resource of the account is ACCOUNT_WIDE, as in an inline policy)
     [("PRIVILEGE_ESCALATION", "pass", False), ("ACCOUNT_WIDE", CUSTOMER, False), ("PRIVILEGE_ESCALATION", CUSTOMER, False)]),
    # a managed policy that was not read is left to check_declarations
    ([CUSTOMER], {}, [], [], []),
])
def test_check_role(arns, documents, inline, exceptions, expected):
    findings = managed.check_role(declaration(arns, inline, exceptions), documents)
    assert [(f["code"], f["policy"], f["accepted"]) for f in findings] == expected


def test_check_role_leaves_out_the_inline_policies_own_findings():
    inline = [{"name": "wide", "document": S3_STAR}]
    assert managed.check_role(declaration([CUSTOMER], inline), {CUSTOMER: SCOPED}) == []


@pytest.mark.parametrize("read, count, expected", [
    ({ADMIN: {"arn": ADMIN, "version": "v1", "document": ALL}}, 3,
     ["host worker, IAM role staging-worker-ecs-task-role: managed policy %s: FULL_ADMIN [error] policy %s" % (ADMIN, ADMIN)]),
    ({ADMIN: {"arn": ADMIN, "error": "does not exist"}}, 1,
     ["host worker, IAM role staging-worker-ecs-task-role: managed policy %s does not exist. Fix: correct or remove it in "
      "ecs_task_role_managed_policy_arns" % ADMIN]),
    ({}, 1, ["host worker, IAM role staging-worker-ecs-task-role: managed policy %s was not read." % ADMIN]),
])
def test_check_declarations_names_host_role_and_policy(read, count, expected):
    problems = managed.check_declarations([declaration([ADMIN])], read)["problems"]
    assert len(problems) == count
    assert problems[0].startswith(expected[0])


@pytest.mark.parametrize("state, fail_on, count", [("present", "error", 3), ("absent", "error", 0), ("present", "never", 0)])
def test_check_declarations_skips_absent_roles_and_honours_fail_on(state, fail_on, count):
    role = dict(declaration([ADMIN], fail_on=fail_on), state=state)
    result = managed.check_declarations([role], {ADMIN: {"arn": ADMIN, "version": "v1", "document": ALL}})
    assert len(result["problems"]) == count


class FakeIAM:
    """Answers GetPolicy/GetPolicyVersion from a table, counting calls; raises ClientError like botocore."""

    def __init__(self, policies, denied=()):
        self.policies, self.denied, self.calls = policies, denied, []

    def _fail(self, code, operation):
        raise ClientError({"Error": {"Code": code, "Message": code}}, operation)

    def get_policy(self, PolicyArn):
        self.calls.append(("GetPolicy", PolicyArn))
        if PolicyArn in self.denied:
            self._fail("AccessDenied", "GetPolicy")
        if PolicyArn not in self.policies:
            self._fail("NoSuchEntity", "GetPolicy")
        return {"Policy": {"Arn": PolicyArn, "DefaultVersionId": "v3"}}

    def get_policy_version(self, PolicyArn, VersionId):
        self.calls.append(("GetPolicyVersion", PolicyArn, VersionId))
        return {"PolicyVersion": {"VersionId": VersionId, "Document": self.policies[PolicyArn]}}


def test_read_policies_reads_each_distinct_arn_once_default_version():
    client = FakeIAM({ADMIN: ALL, CUSTOMER: "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"}, denied=[EXECUTION])
    read = managed.read_policies(client, [ADMIN, CUSTOMER, ADMIN, EXECUTION, "arn:aws:iam::123456789012:policy/gone"])
    assert read == {
        ADMIN: {"arn": ADMIN, "version": "v3", "document": ALL},
        CUSTOMER: {"arn": CUSTOMER, "version": "v3", "document": {"Version": "2012-10-17", "Statement": []}},
        EXECUTION: {"arn": EXECUTION, "error": "could not be read (AccessDenied)"},
        "arn:aws:iam::123456789012:policy/gone": {"arn": "arn:aws:iam::123456789012:policy/gone", "error": "does not exist"},
    }
    assert sorted(call for call in client.calls if call[0] == "GetPolicy") == sorted(
        ("GetPolicy", arn) for arn in (ADMIN, CUSTOMER, EXECUTION, "arn:aws:iam::123456789012:policy/gone"))
    assert ("GetPolicyVersion", ADMIN, "v3") in client.calls


def test_accepted_lines_leave_out_policies_said_at_declaration():
    documents = {EXECUTION: managed.KNOWN_DOCUMENTS[managed.EXECUTION_POLICY], CUSTOMER: S3_STAR}
    findings = [dict(f, accepted=True, reason="r") for f in managed.check_role(declaration([EXECUTION, CUSTOMER]), documents)]
    lines = managed.accepted_lines(findings)
    assert [line.split("): ", 1)[1].split(",")[0] for line in lines] == [
        code + " [error] policy " + CUSTOMER for code in ("SERVICE_WILDCARD", "RESOURCE_STAR", "PERMISSIONS_MANAGEMENT")]
