# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Published AWS IAM privilege-escalation methods, as data (read by ``grant_checks``).

Source: the pathfinding.cloud library of privilege-escalation paths (DataDog/pathfinding.cloud,
``data/paths/*/*.yaml``, commit 84dd65c97fc21dee54f4587be6dfd5b7b5fe320c, 2025-12-17), which builds on
Rhino Security Labs' "AWS IAM Privilege Escalation - Methods and Mitigation"
(https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/).  Each entry is one
path's ``permissions.required`` set, with the page it is documented on.  Paths whose required set
contains another path's set (``iam-014``: ``iam:AttachRolePolicy`` + ``sts:AssumeRole`` contains
``iam-009``) add nothing to a check and are left out: ``iam-003``, ``iam-014`` to ``iam-018``,
``iam-019`` to ``iam-021``, ``ecs-001``, ``ecs-002``, ``lambda-004``, ``lambda-005``, ``codebuild-001``
(``codebuild-002``: ``codebuild:StartBuild`` alone is enough), ``codebuild-004`` and ``bedrock-001``.

Fields of a method:

``id``
    the path's id; its page is ``https://pathfinding.cloud/paths/<id>``.
``actions``
    the actions that together allow the escalation, all of them needed (AWS's spelling).
``passed_to``
    for a path through ``iam:PassRole``, the service principals the passed role is handed to; an
    ``iam:PassRole`` limited by ``iam:PassedToService`` to other services does not serve the path.
    Empty when the path does not say or the service uses several.
``every_resource``
    actions that serve the path only when granted on every resource of their type (``sts:AssumeRole``
    on ``*`` or on every role of an account; assuming one named role is a deliberate grant).
``what``
    one line: how the permissions are used.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SOURCE = "https://pathfinding.cloud/paths/"


def _method(path_id, actions, what, passed_to=(), every_resource=()):
    return {"id": path_id, "actions": tuple(actions), "what": what, "passed_to": tuple(passed_to),
            "every_resource": tuple(every_resource), "source": SOURCE + path_id}


METHODS = (
    # IAM: change one's own or another principal's permissions or credentials.
    _method("iam-001", ["iam:CreatePolicyVersion"], "write a new default version of a managed policy attached to the role"),
    _method("iam-002", ["iam:CreateAccessKey"], "create access keys for another IAM user"),
    _method("iam-004", ["iam:CreateLoginProfile"], "give another IAM user a console password"),
    _method("iam-005", ["iam:PutRolePolicy"], "write an inline policy onto a role, including this one"),
    _method("iam-006", ["iam:UpdateLoginProfile"], "change another IAM user's console password"),
    _method("iam-007", ["iam:PutUserPolicy"], "write an inline policy onto an IAM user"),
    _method("iam-008", ["iam:AttachUserPolicy"], "attach a managed policy (AdministratorAccess) to an IAM user"),
    _method("iam-009", ["iam:AttachRolePolicy"], "attach a managed policy (AdministratorAccess) to a role, including this one"),
    _method("iam-010", ["iam:AttachGroupPolicy"], "attach a managed policy to an IAM group"),
    _method("iam-011", ["iam:PutGroupPolicy"], "write an inline policy onto an IAM group"),
    _method("iam-012", ["iam:UpdateAssumeRolePolicy"], "rewrite a role's trust policy so that an attacker can assume it"),
    _method("iam-013", ["iam:AddUserToGroup"], "add a user to a more privileged IAM group"),
    _method("sts-001", ["sts:AssumeRole"], "assume any role whose trust policy trusts this account", every_resource=["sts:AssumeRole"]),
    # A new compute resource run with an existing (more privileged) role.
    _method("ec2-001", ["iam:PassRole", "ec2:RunInstances"], "launch an instance with another role and read its credentials",
            passed_to=["ec2.amazonaws.com"]),
    _method("ec2-003", ["iam:PassRole", "ec2:RequestSpotInstances"], "launch a spot instance with another role",
            passed_to=["ec2.amazonaws.com"]),
    _method("lambda-001", ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
            "create a function with another role and invoke it", passed_to=["lambda.amazonaws.com"]),
    _method("lambda-002", ["iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
            "create a function with another role and trigger it from an event source", passed_to=["lambda.amazonaws.com"]),
    _method("lambda-006", ["iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission"],
            "create a function with another role and allow oneself to invoke it", passed_to=["lambda.amazonaws.com"]),
    _method("ecs-003", ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:CreateService"],
            "register a task definition with another role and run it as a service", passed_to=["ecs-tasks.amazonaws.com"]),
    _method("ecs-004", ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
            "register a task definition with another role and run it", passed_to=["ecs-tasks.amazonaws.com"]),
    _method("ecs-005", ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:StartTask"],
            "register a task definition with another role and start it", passed_to=["ecs-tasks.amazonaws.com"]),
    _method("glue-001", ["iam:PassRole", "glue:CreateDevEndpoint"], "create a Glue development endpoint with another role",
            passed_to=["glue.amazonaws.com"]),
    _method("glue-003", ["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"], "create a Glue job with another role and run it",
            passed_to=["glue.amazonaws.com"]),
    _method("glue-004", ["iam:PassRole", "glue:CreateJob", "glue:CreateTrigger"], "create a Glue job with another role and trigger it",
            passed_to=["glue.amazonaws.com"]),
    _method("glue-005", ["iam:PassRole", "glue:UpdateJob", "glue:StartJobRun"], "give a Glue job another role and run it",
            passed_to=["glue.amazonaws.com"]),
    _method("glue-006", ["iam:PassRole", "glue:UpdateJob", "glue:CreateTrigger"], "give a Glue job another role and trigger it",
            passed_to=["glue.amazonaws.com"]),
    _method("cloudformation-001", ["iam:PassRole", "cloudformation:CreateStack"], "create a stack that runs with another role",
            passed_to=["cloudformation.amazonaws.com"]),
    _method("cloudformation-003", ["iam:PassRole", "cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"],
            "create a stack set that runs with another role"),
    _method("cloudformation-004", ["iam:PassRole", "cloudformation:UpdateStackSet"], "give a stack set another role"),
    _method("datapipeline-001", ["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition",
                                 "datapipeline:ActivatePipeline"], "run a data pipeline with another role"),
    _method("sagemaker-001", ["iam:PassRole", "sagemaker:CreateNotebookInstance"], "create a notebook instance with another role",
            passed_to=["sagemaker.amazonaws.com"]),
    _method("sagemaker-002", ["iam:PassRole", "sagemaker:CreateTrainingJob"], "run a training job with another role",
            passed_to=["sagemaker.amazonaws.com"]),
    _method("sagemaker-003", ["iam:PassRole", "sagemaker:CreateProcessingJob"], "run a processing job with another role",
            passed_to=["sagemaker.amazonaws.com"]),
    _method("apprunner-001", ["iam:PassRole", "apprunner:CreateService"], "create an App Runner service with another role"),
    _method("lambda-003", ["lambda:UpdateFunctionCode"], "replace the code of a function that runs with another role"),
    _method("glue-002", ["glue:UpdateDevEndpoint"], "add an SSH key to a Glue development endpoint that runs with another role"),
    _method("cloudformation-002", ["cloudformation:UpdateStack"], "update a stack that runs with another role"),
    _method("cloudformation-005", ["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"],
            "change a stack that runs with another role"),
    _method("codebuild-002", ["codebuild:StartBuild"], "override the buildspec of a project that runs with another role"),
    _method("codebuild-003", ["codebuild:StartBuildBatch"], "override the buildspec of a project that runs with another role"),
    _method("apprunner-002", ["apprunner:UpdateService"], "change an App Runner service that runs with another role"),
    _method("bedrock-002", ["bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter"],
            "run code in a code interpreter that runs with another role"),
    _method("ec2-002", ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"],
            "change an instance's user data and restart it to run code with its role"),
    _method("ec2-004", ["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"],
            "change a launch template so that new instances run attacker code with their role"),
    _method("ec2instanceconnect-003", ["ec2-instance-connect:SendSSHPublicKey", "ec2:DescribeInstances"],
            "log in to an instance and use its role"),
    _method("sagemaker-004", ["sagemaker:CreatePresignedNotebookInstanceUrl"], "open a notebook instance that runs with another role"),
    _method("sagemaker-005", ["sagemaker:CreateNotebookInstanceLifecycleConfig", "sagemaker:StopNotebookInstance",
                              "sagemaker:UpdateNotebookInstance", "sagemaker:StartNotebookInstance"],
            "inject code into a notebook instance that runs with another role"),
    _method("ssm-001", ["ssm:StartSession"], "open a shell on an instance and use its role"),
    _method("ssm-002", ["ssm:SendCommand"], "run commands on an instance and use its role"),
)
