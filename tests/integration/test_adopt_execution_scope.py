"""adopt.yml proposes the scoped execution role (issue 18.2) from the task definitions that name it, against moto.

An execution role with AWS's AmazonECSTaskExecutionRolePolicy, named by a task definition whose image comes from ECR
and whose container logs with awslogs, is adopted with ecs_task_execution_role_image_repositories and _log_groups:
the first deploy detaches the managed policy and puts grants-ecr and grants-logs; an execution role no task
definition names keeps the managed policy, and the report says why.
"""

import json

import boto3
import pytest
import yaml

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::staging-cerpac-uploads/*"}]}


def seed(aws, iam):
    for app in ("cerpac", "worker"):
        iam.create_role(RoleName=f"staging-{app}-ecs-task-role", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.put_role_policy(RoleName=f"staging-{app}-ecs-task-role", PolicyName="read", PolicyDocument=json.dumps(READ))
        iam.create_role(RoleName=f"staging-{app}-ecs-task-execution-role", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.attach_role_policy(RoleName=f"staging-{app}-ecs-task-execution-role", PolicyArn=EXECUTION_POLICY)
    ecs = boto3.client("ecs", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
    ecs.register_task_definition(
        family="cerpac", executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/staging-cerpac-ecs-task-execution-role",
        containerDefinitions=[{"name": "api", "image": f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/cerpac:1.4", "memory": 512,
                               "logConfiguration": {"logDriver": "awslogs", "options": {
                                   "awslogs-group": "/ecs/staging/cerpac", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "api"}}}])


def test_adopt_scopes_the_execution_role_its_task_definition_names_and_keeps_the_other(aws, iam, playbook, tmp_path):
    seed(aws, iam)
    out = tmp_path / "adopted"
    run = playbook("adopt.yml", "staging", extra_vars={"adopt_env": "staging", "adopt_dir": str(out)})
    assert run.rc == 0, run.output[-3000:]
    # Reads only: IAM's and ECS's (DescribeTaskDefinition is a read the IAM-minded classifier does not know).
    assert [action for action in run.writes if action != "DescribeTaskDefinition"] == [], run.calls
    assert "ListTaskDefinitions" in run.calls.actions and "DescribeTaskDefinition" in run.calls.actions
    cerpac = yaml.safe_load((out / "staging" / "host_vars" / "cerpac.yml").read_text())
    assert cerpac["ecs_task_execution_role_image_repositories"] == ["cerpac"]
    assert cerpac["ecs_task_execution_role_log_groups"] == ["/ecs/staging/cerpac"]
    worker = yaml.safe_load((out / "staging" / "host_vars" / "worker.yml").read_text())
    assert "ecs_task_execution_role_image_repositories" not in worker
    report = " ".join((out / "staging" / "adopt-report.md").read_text().split())
    assert (f"managed policy {EXECUTION_POLICY} (no active task definition names it as its execution role; name "
            "ecs_task_execution_role_image_repositories and _log_groups to scope it)") in report

    deploy = playbook("deploy.yml", str(out / "staging"))
    assert deploy.rc == 0, deploy.output[-3000:]
    name = "staging-cerpac-ecs-task-execution-role"
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    ecr = iam.get_role_policy(RoleName=name, PolicyName="grants-ecr")["PolicyDocument"]
    assert ecr["Statement"][0]["Resource"] == [f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/cerpac"]
    attached = iam.list_attached_role_policies(RoleName="staging-worker-ecs-task-execution-role")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [EXECUTION_POLICY]
