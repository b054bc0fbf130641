"""_live_role: the one reader of a role's live state; each call it makes, and what it returns, checked against botocore's
Stubber (offline: a call not expected, or one expected and not made, fails the test). IAM sends policy documents as JSON
text; botocore decodes them."""

import copy
import datetime
import json

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _live_role

NAME = "staging-cerpac-ecs-task-role"
ARN = "arn:aws:iam::123456789012:role/ecs/staging/" + NAME
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}
ROLE = {"Path": "/ecs/staging/", "RoleName": NAME, "RoleId": "AROAEXAMPLEEXAMPLE01", "Arn": ARN,
        "CreateDate": datetime.datetime(2026, 1, 1), "AssumeRolePolicyDocument": json.dumps(TRUST), "MaxSessionDuration": 3600,
        "Tags": [{"Key": "Environment", "Value": "staging"}],
        "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::123456789012:policy/boundary"}}
NO_SUCH = ("NoSuchEntity", "The role with name %s cannot be found." % NAME)

GET_ROLE = ("get_role", {"Role": ROLE}, {"RoleName": NAME})
ATTACHED = ("list_attached_role_policies",
            {"AttachedPolicies": [{"PolicyName": "b", "PolicyArn": "arn:aws:iam::123456789012:policy/b"},
                                  {"PolicyName": "a", "PolicyArn": "arn:aws:iam::aws:policy/a"}]},
            {"RoleName": NAME})
INLINE = ("list_role_policies", {"PolicyNames": ["grants-sqs", "gone"]}, {"RoleName": NAME})
GET_POLICY = ("get_role_policy", {"RoleName": NAME, "PolicyName": "grants-sqs", "PolicyDocument": json.dumps(DOC)},
              {"RoleName": NAME, "PolicyName": "grants-sqs"})
GONE = ("get_role_policy", NO_SUCH, {"RoleName": NAME, "PolicyName": "gone"})
PROFILES = ("list_instance_profiles_for_role", {"InstanceProfiles": [{
    "Path": "/", "InstanceProfileName": "p", "InstanceProfileId": "AIPAEXAMPLEEXAMPLE01", "Arn": "arn:aws:iam::123456789012:instance-profile/p",
    "CreateDate": datetime.datetime(2026, 1, 1), "Roles": []}]}, {"RoleName": NAME})
BASE = {"name": NAME, "arn": ARN, "role_id": "AROAEXAMPLEEXAMPLE01", "path": "/ecs/staging/", "trust_policy": TRUST, "description": None,
        "max_session_duration": 3600, "permissions_boundary": "arn:aws:iam::123456789012:policy/boundary", "tags": {"Environment": "staging"}}
POLICIES = {"managed_policy_arns": ["arn:aws:iam::123456789012:policy/b", "arn:aws:iam::aws:policy/a"], "inline_policies": {"grants-sqs": DOC}}


@pytest.mark.parametrize(
    "options, calls, expected",
    [
        # the ownership pass: one GetRole
        ({"policies": False}, [GET_ROLE], BASE),
        # a plan: the attachments and each inline policy (one deleted between the list and the read is left out)
        ({"policies": True}, [GET_ROLE, ATTACHED, INLINE, GONE, GET_POLICY], dict(BASE, **POLICIES)),
        # adopt (ecs_roles_info): the instance profiles as well
        ({"policies": True, "instance_profiles": True}, [GET_ROLE, ATTACHED, INLINE, GONE, GET_POLICY, PROFILES],
         dict(BASE, instance_profiles=["p"], **POLICIES)),
        # no role: one call, None
        ({"policies": True, "instance_profiles": True}, [("get_role", NO_SUCH, {"RoleName": NAME})], None),
    ],
)
def test_each_call_of_the_reader_and_what_it_returns(options, calls, expected):
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        for operation, response, params in calls:
            if isinstance(response, tuple):
                stub.add_client_error(operation, service_error_code=response[0], service_message=response[1], http_status_code=404,
                                      expected_params=params)
            else:
                stub.add_response(operation, copy.deepcopy(response), params)  # botocore decodes the documents in place
        assert _live_role.read_role(client, NAME, **options) == expected
        stub.assert_no_pending_responses()
