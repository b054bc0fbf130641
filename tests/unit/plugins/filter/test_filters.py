"""The collection's filters, as Jinja calls them: exact output for good input, AnsibleFilterError naming the value otherwise."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cerpac.ecs_iam.plugins.filter.aws import aws_partition
from ansible_collections.cerpac.ecs_iam.plugins.filter.findings import finding_line
from ansible_collections.cerpac.ecs_iam.plugins.filter.roles import role_line


@pytest.mark.parametrize("region, partition", [
    ("eu-west-1", "aws"), ("cn-northwest-1", "aws-cn"), ("us-gov-east-1", "aws-us-gov"), ("us-isob-east-1", "aws-iso-b"),
    ("eusc-de-east-1", "aws-eusc"),
])
def test_aws_partition(region, partition):
    assert aws_partition(region) == partition


@pytest.mark.parametrize("value", ["eu-west", "EU-WEST-1", "", None, 7])
def test_aws_partition_refuses_what_is_not_a_region(value):
    with pytest.raises(AnsibleFilterError, match="is not an AWS region name such as eu-west-1"):
        aws_partition(value)


FINDING = {"code": "RESOURCE_STAR", "severity": "error", "policy": "uploads", "statement": {"index": 0, "sid": "Get"},
           "action": "s3:GetObject", "resource": "*", "message": "s3:GetObject is allowed on every resource", "fix": "Name the bucket."}


def test_finding_line():
    assert finding_line(FINDING) == ("RESOURCE_STAR [error] policy uploads, statement 0 (Get), action s3:GetObject, resource *: "
                                     "s3:GetObject is allowed on every resource. Fix: Name the bucket.")
    assert finding_line(dict(FINDING, accepted=True, reason="OPS-1")) == (
        "accepted (OPS-1): RESOURCE_STAR [error] policy uploads, statement 0 (Get), action s3:GetObject, resource *: "
        "s3:GetObject is allowed on every resource. Fix: Name the bucket.")


def test_finding_line_refuses_what_is_not_a_finding():
    with pytest.raises(AnsibleFilterError, match="expected a finding of cerpac.ecs_iam.validate_grants"):
        finding_line({"policy": "uploads"})


@pytest.mark.parametrize("outputs, line", [
    ({"role": "ecs_task_role", "role_name": "staging-api-ecs-task-role", "role_arn": "arn:aws:iam::123456789012:role/staging-api-ecs-task-role",
      "state": "present"}, "task role staging-api-ecs-task-role: arn:aws:iam::123456789012:role/staging-api-ecs-task-role"),
    ({"role": "ecs_task_execution_role", "role_name": "staging-api-ecs-task-execution-role", "role_arn": "", "state": "absent"},
     "task execution role staging-api-ecs-task-execution-role: (absent)"),
])
def test_role_line(outputs, line):
    assert role_line(outputs) == line


def test_role_line_of_a_hosts_variables_names_the_host_and_each_role_it_published():
    task = {"role": "ecs_task_role", "role_name": "staging-api-ecs-task-role", "role_arn": "arn:aws:iam::123456789012:role/t", "state": "present"}
    execution = {"role": "ecs_task_execution_role", "role_name": "staging-api-ecs-task-execution-role", "role_arn": "", "state": "absent"}
    assert role_line({"inventory_hostname": "api", "ecs_task_role_outputs": task}) == (
        "api: task role staging-api-ecs-task-role: arn:aws:iam::123456789012:role/t")
    assert role_line({"inventory_hostname": "api", "ecs_task_role_outputs": task, "ecs_task_execution_role_outputs": execution}) == (
        "api: task role staging-api-ecs-task-role: arn:aws:iam::123456789012:role/t; "
        "task execution role staging-api-ecs-task-execution-role: (absent)")


@pytest.mark.parametrize("value", [{"role": "ecs_deployer_passrole", "role_name": "x"}, {"role": "ecs_task_role"}, "staging-api", None])
def test_role_line_refuses_what_is_not_a_roles_outputs(value):
    with pytest.raises(AnsibleFilterError, match="expected ecs_task_role_outputs or ecs_task_execution_role_outputs"):
        role_line(value)
