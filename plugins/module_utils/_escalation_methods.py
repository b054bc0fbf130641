# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Published AWS IAM privilege-escalation methods, as data (read by ``grant_checks``).

The table is the union of three published lists, each entry with the lists it comes from (``sources``):

- pathfinding.cloud (below);
- cloudsplaining's ``PRIVILEGE_ESCALATION_METHODS`` (salesforce/cloudsplaining, ``cloudsplaining/shared/constants.py``,
  commit 126e05241dbc7ab07c1cf2c6f8fa6d65a5d86cd4), named ``cloudsplaining:<method name>``;
- Rhino Security Labs' list (RhinoSecurityLabs/AWS-IAM-Privilege-Escalation, ``README.md``, commit
  2b04fa1a49de26c1a8169d82dfc7992bd6a86736), named ``rhino:<number>``.

An entry lists a source when that list has exactly its actions. A published method whose actions contain an entry's
is found by that entry (cloudsplaining's ``CreatePolicyVersionThenAssumeRole`` by ``iam-001``); the unit test
``test_escalation_methods.py`` reads both lists' action sets from a copy in ``tests/unit/data`` and proves that each
one is covered. Entries whose actions AWS's data no longer has (CodeStar, discontinued in 2024) never match.

Source of the pathfinding.cloud entries: the pathfinding.cloud library of privilege-escalation paths (DataDog/pathfinding.cloud,
``data/paths/*/*.yaml``, commit 84dd65c97fc21dee54f4587be6dfd5b7b5fe320c, 2025-12-17), which builds on
Rhino Security Labs' "AWS IAM Privilege Escalation - Methods and Mitigation"
(https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/).  Each entry is one
path's ``permissions.required`` set, with the page it is documented on.  Paths whose required set
contains another path's set (``iam-014``: ``iam:AttachRolePolicy`` + ``sts:AssumeRole`` contains
``iam-009``) add nothing to a check and are left out: ``iam-003``, ``iam-014`` to ``iam-018``,
``iam-019`` to ``iam-021``, ``ecs-001``, ``ecs-002``, ``lambda-004``, ``lambda-005``, ``codebuild-001``
(``codebuild-002``: ``codebuild:StartBuild`` alone is enough), ``codebuild-004``, ``bedrock-001`` and ``datapipeline-001`` (cloudsplaining's
``PassExistingRoleToNewDataPipeline``, ``iam:PassRole`` + ``datapipeline:CreatePipeline``, is contained in it).

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
``sources``
    the published lists that name exactly this method (see above); ``source`` is the page the fix links to.
``other_principal``
    actions that serve the method only on another principal's credentials (Rhino: "on other users"): a grant
    limited to the caller's own user (``user/${aws:username}``, AWS's self-service example) does not count. A
    role session has no ``aws:username``, so there the grant matches nothing; for a user, it is the user's own
    access keys or password, which it already holds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SOURCE = "https://pathfinding.cloud/paths/"
RHINO = "https://github.com/RhinoSecurityLabs/AWS-IAM-Privilege-Escalation"
CLOUDSPLAINING = "https://cloudsplaining.readthedocs.io/en/latest/glossary/privilege-escalation/"

#: The published lists, by the prefix of their entries in ``sources``.
LISTS = {
    "pathfinding.cloud": "https://pathfinding.cloud (DataDog/pathfinding.cloud, data/paths, commit 84dd65c97fc21dee54f4587be6dfd5b7b5fe320c)",
    "cloudsplaining": "salesforce/cloudsplaining cloudsplaining/shared/constants.py PRIVILEGE_ESCALATION_METHODS, commit "
                      "126e05241dbc7ab07c1cf2c6f8fa6d65a5d86cd4",
    "rhino": "RhinoSecurityLabs/AWS-IAM-Privilege-Escalation README.md, commit 2b04fa1a49de26c1a8169d82dfc7992bd6a86736",
}


def _method(path_id, actions, what, passed_to=(), every_resource=(), also=(), source=None, other_principal=()):
    sources = (() if source else ("pathfinding.cloud:" + path_id,)) + tuple(also)
    return {"id": path_id, "actions": tuple(actions), "what": what, "passed_to": tuple(passed_to),
            "every_resource": tuple(every_resource), "source": source or SOURCE + path_id, "sources": sources,
            "other_principal": tuple(other_principal)}


METHODS = (
    # IAM: change one's own or another principal's permissions or credentials.
    _method("iam-001", ["iam:CreatePolicyVersion"], "write a new default version of a managed policy attached to the role",
            also=["cloudsplaining:CreateNewPolicyVersion", "rhino:1"]),
    _method("iam-002", ["iam:CreateAccessKey"], "create access keys for another IAM user",
            other_principal=["iam:CreateAccessKey"],
            also=["cloudsplaining:CreateAccessKey", "rhino:4"]),
    _method("iam-004", ["iam:CreateLoginProfile"], "give another IAM user a console password",
            other_principal=["iam:CreateLoginProfile"],
            also=["cloudsplaining:CreateLoginProfile", "rhino:5"]),
    _method("iam-005", ["iam:PutRolePolicy"], "write an inline policy onto a role, including this one",
            also=["cloudsplaining:PutRolePolicy", "rhino:12"]),
    _method("iam-006", ["iam:UpdateLoginProfile"], "change another IAM user's console password",
            other_principal=["iam:UpdateLoginProfile"],
            also=["cloudsplaining:UpdateLoginProfile", "rhino:6"]),
    _method("iam-007", ["iam:PutUserPolicy"], "write an inline policy onto an IAM user",
            also=["cloudsplaining:PutUserPolicy", "rhino:10"]),
    _method("iam-008", ["iam:AttachUserPolicy"], "attach a managed policy (AdministratorAccess) to an IAM user",
            also=["cloudsplaining:AttachUserPolicy", "rhino:7"]),
    _method("iam-009", ["iam:AttachRolePolicy"], "attach a managed policy (AdministratorAccess) to a role, including this one",
            also=["cloudsplaining:AttachRolePolicy", "rhino:9"]),
    _method("iam-010", ["iam:AttachGroupPolicy"], "attach a managed policy to an IAM group",
            also=["cloudsplaining:AttachGroupPolicy", "rhino:8"]),
    _method("iam-011", ["iam:PutGroupPolicy"], "write an inline policy onto an IAM group",
            also=["cloudsplaining:PutGroupPolicy", "rhino:11"]),
    _method("iam-012", ["iam:UpdateAssumeRolePolicy"], "rewrite a role's trust policy so that an attacker can assume it",
            also=["cloudsplaining:UpdateRolePolicyToAssumeIt"]),
    _method("iam-013", ["iam:AddUserToGroup"], "add a user to a more privileged IAM group",
            also=["cloudsplaining:AddUserToGroup", "rhino:13"]),
    _method("sts-001", ["sts:AssumeRole"], "assume any role whose trust policy trusts this account", every_resource=["sts:AssumeRole"]),
    # A new compute resource run with an existing (more privileged) role.
    _method("ec2-001", ["iam:PassRole", "ec2:RunInstances"], "launch an instance with another role and read its credentials",
            passed_to=["ec2.amazonaws.com"],
            also=["cloudsplaining:CreateEC2WithExistingIP", "rhino:3"]),
    _method("ec2-003", ["iam:PassRole", "ec2:RequestSpotInstances"], "launch a spot instance with another role",
            passed_to=["ec2.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewEC2SpotInstance"]),
    _method("lambda-001", ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
            "create a function with another role and invoke it", passed_to=["lambda.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewLambdaThenInvoke", "rhino:15"]),
    _method("lambda-002", ["iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
            "create a function with another role and trigger it from an event source", passed_to=["lambda.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo", "rhino:17"]),
    _method("lambda-006", ["iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission"],
            "create a function with another role and allow oneself to invoke it", passed_to=["lambda.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewLambdaThenAddPermission", "rhino:16"]),
    _method("ecs-003", ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:CreateService"],
            "register a task definition with another role and run it as a service", passed_to=["ecs-tasks.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewECSService"]),
    _method("ecs-004", ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
            "register a task definition with another role and run it", passed_to=["ecs-tasks.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewECSTaskViaRunTask"]),
    _method("ecs-005", ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:StartTask"],
            "register a task definition with another role and start it", passed_to=["ecs-tasks.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewECSTaskViaStartTask"]),
    _method("glue-001", ["iam:PassRole", "glue:CreateDevEndpoint"], "create a Glue development endpoint with another role",
            passed_to=["glue.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewGlueDevEndpoint", "rhino:19"]),
    _method("glue-003", ["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"], "create a Glue job with another role and run it",
            passed_to=["glue.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewGlueJobThenRun"]),
    _method("glue-004", ["iam:PassRole", "glue:CreateJob", "glue:CreateTrigger"], "create a Glue job with another role and trigger it",
            passed_to=["glue.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewGlueJobViaTrigger"]),
    _method("glue-005", ["iam:PassRole", "glue:UpdateJob", "glue:StartJobRun"], "give a Glue job another role and run it",
            passed_to=["glue.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToUpdatedGlueJobThenRun"]),
    _method("glue-006", ["iam:PassRole", "glue:UpdateJob", "glue:CreateTrigger"], "give a Glue job another role and trigger it",
            passed_to=["glue.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToUpdatedGlueJobViaTrigger"]),
    _method("cloudformation-001", ["iam:PassRole", "cloudformation:CreateStack"], "create a stack that runs with another role",
            passed_to=["cloudformation.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToCloudFormation", "rhino:21"]),
    _method("cloudformation-003", ["iam:PassRole", "cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"],
            "create a stack set that runs with another role",
            also=["cloudsplaining:PassExistingRoleToNewCloudFormationStackSet"]),
    _method("cloudformation-004", ["iam:PassRole", "cloudformation:UpdateStackSet"], "give a stack set another role",
            also=["cloudsplaining:PassRoleToUpdateCloudFormationStackSet"]),
    _method("sagemaker-001", ["iam:PassRole", "sagemaker:CreateNotebookInstance"], "create a notebook instance with another role",
            passed_to=["sagemaker.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewSageMakerNotebookInstance"]),
    _method("sagemaker-002", ["iam:PassRole", "sagemaker:CreateTrainingJob"], "run a training job with another role",
            passed_to=["sagemaker.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewSageMakerTrainingJob"]),
    _method("sagemaker-003", ["iam:PassRole", "sagemaker:CreateProcessingJob"], "run a processing job with another role",
            passed_to=["sagemaker.amazonaws.com"],
            also=["cloudsplaining:PassExistingRoleToNewSageMakerProcessingJob"]),
    _method("apprunner-001", ["iam:PassRole", "apprunner:CreateService"], "create an App Runner service with another role",
            also=["cloudsplaining:PassExistingRoleToNewAppRunnerService"]),
    _method("lambda-003", ["lambda:UpdateFunctionCode"], "replace the code of a function that runs with another role",
            also=["cloudsplaining:EditExistingLambdaFunctionWithRole", "rhino:18"]),
    _method("glue-002", ["glue:UpdateDevEndpoint"], "add an SSH key to a Glue development endpoint that runs with another role",
            also=["cloudsplaining:UpdateExistingGlueDevEndpoint", "rhino:20"]),
    _method("cloudformation-002", ["cloudformation:UpdateStack"], "update a stack that runs with another role"),
    _method("cloudformation-005", ["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"],
            "change a stack that runs with another role",
            also=["cloudsplaining:ExecuteCloudFormationChangeSet"]),
    _method("codebuild-002", ["codebuild:StartBuild"], "override the buildspec of a project that runs with another role"),
    _method("codebuild-003", ["codebuild:StartBuildBatch"], "override the buildspec of a project that runs with another role"),
    _method("apprunner-002", ["apprunner:UpdateService"], "change an App Runner service that runs with another role"),
    _method("bedrock-002", ["bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter"],
            "run code in a code interpreter that runs with another role",
            also=["cloudsplaining:AccessExistingBedrockCodeInterpreterSession"]),
    _method("ec2-002", ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"],
            "change an instance's user data and restart it to run code with its role",
            also=["cloudsplaining:ModifyEC2InstanceUserDataThenRestart"]),
    _method("ec2-004", ["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"],
            "change a launch template so that new instances run attacker code with their role",
            also=["cloudsplaining:ModifyExistingEC2LaunchTemplate"]),
    _method("ec2instanceconnect-003", ["ec2-instance-connect:SendSSHPublicKey", "ec2:DescribeInstances"],
            "log in to an instance and use its role",
            also=["cloudsplaining:EC2InstanceConnectSendSSHPublicKey"]),
    _method("sagemaker-004", ["sagemaker:CreatePresignedNotebookInstanceUrl"], "open a notebook instance that runs with another role",
            also=["cloudsplaining:CreatePresignedSageMakerNotebookUrl", "rhino:28"]),
    _method("sagemaker-005", ["sagemaker:CreateNotebookInstanceLifecycleConfig", "sagemaker:StopNotebookInstance",
                              "sagemaker:UpdateNotebookInstance", "sagemaker:StartNotebookInstance"],
            "inject code into a notebook instance that runs with another role",
            also=["cloudsplaining:UpdateSageMakerNotebookLifecycleConfig"]),
    _method("ssm-001", ["ssm:StartSession"], "open a shell on an instance and use its role"),
    _method("ssm-002", ["ssm:SendCommand"], "run commands on an instance and use its role"),
    # Published by cloudsplaining or Rhino Security Labs, not (or not in this form) by pathfinding.cloud.
    _method("rhino-2", ["iam:SetDefaultPolicyVersion"], "make an older version of a managed policy attached to the role the default",
            source=RHINO + "#2-setting-the-default-policy-version-to-an-existing-version",
            also=["cloudsplaining:SetExistingDefaultPolicyVersion", "rhino:2"]),
    _method("cloudsplaining-datapipeline", ["iam:PassRole", "datapipeline:CreatePipeline"],
            "create a data pipeline that runs with another role", source=CLOUDSPLAINING,
            also=["cloudsplaining:PassExistingRoleToNewDataPipeline"]),
    _method("ecs-006", ["ecs:ExecuteCommand", "ecs:DescribeTasks"], "open a shell in a running task and use its task role",
            source="https://pathfinding.cloud/paths/ecs-006",
            also=["cloudsplaining:ECSExecuteCommandOnRunningTask"]),
    _method("rhino-23", ["codestar:CreateProjectFromTemplate"], "create a CodeStar project whose template runs with another role",
            source=RHINO + "#23-creating-a-codestar-project-from-a-template",
            also=["rhino:23"]),
    _method("rhino-24", ["iam:PassRole", "codestar:CreateProject"], "create a CodeStar project that deploys with another role",
            source=RHINO + "#24-passing-a-role-to-a-new-codestar-project",
            also=["rhino:24"]),
    _method("rhino-25", ["codestar:CreateProject", "codestar:AssociateTeamMember"],
            "create a CodeStar project and make oneself its owner (which attaches a policy)",
            source=RHINO + "#25-creating-a-new-codestar-project-and-associating-a-team-member",
            also=["rhino:25"]),
    _method("rhino-26", ["lambda:UpdateFunctionConfiguration"], "attach a layer to a function that runs with another role",
            source=RHINO + "#26-addexistinglambdalayertolambdafunctionwithrole",
            also=["rhino:26"]),
)
