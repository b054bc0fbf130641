"""_policy_differences: what differs between a live policy and its declaration, statement by statement, in the
present tense; and the deployer's PassRole policy judged like the roles (issue 21, item 4)."""

import json

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._policy_differences import passrole_differences
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._policy_differences import statement_lines

PASS = {"Sid": "PassRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/ecs/staging/*",
        "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}
DECLARED = {"Version": "2012-10-17", "Statement": [PASS]}
DECLARATION = {"policy_name": "staging-ecs-passrole", "deployer": {"type": "role", "name": "ci"}, "state": "present", "document": DECLARED}


def document(*statements, version="2012-10-17"):
    return {"Version": version, "Statement": list(statements)}


@pytest.mark.parametrize("live, expected", [
    (DECLARED, []),
    # The same statements written otherwise: one value for a list, another order, JSON text.
    (document(dict(PASS, Action=["iam:PassRole"], Resource=["arn:aws:iam::123456789012:role/ecs/staging/*"])), []),
    (json.dumps(DECLARED), []),
    (document(PASS, {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
     ['p has a statement not declared: {"Action": ["s3:*"], "Effect": "Allow", "Resource": ["*"]}']),
    (document(dict(PASS, Resource="*")),
     ['p has a statement not declared: {"Action": ["iam:PassRole"], "Condition": {"StringEquals": {"iam:PassedToService": '
      '["ecs-tasks.amazonaws.com"]}}, "Effect": "Allow", "Resource": ["*"], "Sid": "PassRoles"}',
      'p lacks the declared statement: {"Action": ["iam:PassRole"], "Condition": {"StringEquals": {"iam:PassedToService": '
      '["ecs-tasks.amazonaws.com"]}}, "Effect": "Allow", "Resource": ["arn:aws:iam::123456789012:role/ecs/staging/*"], "Sid": "PassRoles"}']),
    (document(PASS, version="2008-10-17"), ['p has {"Version": "2008-10-17"}, declared {"Version": "2012-10-17"}']),
    ("not json", ['p is "not json", declared {"Statement": [{"Action": "iam:PassRole", "Condition": {"StringEquals": {"iam:PassedToService": '
                  '"ecs-tasks.amazonaws.com"}}, "Effect": "Allow", "Resource": "arn:aws:iam::123456789012:role/ecs/staging/*", "Sid": '
                  '"PassRoles"}], "Version": "2012-10-17"}']),
], ids=["same", "same-otherwise-written", "json-text", "statement-added", "widened", "version", "unreadable"])
def test_statement_lines(live, expected):
    assert statement_lines("p", live, DECLARED) == expected


WIDENED = document(dict(PASS, Resource="arn:aws:iam::123456789012:role/*"))


@pytest.mark.parametrize("declaration, found, live, expected", [
    (DECLARATION, True, DECLARED, []),
    (DECLARATION, True, WIDENED,
     ['deployer role ci: inline policy staging-ecs-passrole has a statement not declared: {"Action": ["iam:PassRole"], "Condition": '
      '{"StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}}, "Effect": "Allow", "Resource": '
      '["arn:aws:iam::123456789012:role/*"], "Sid": "PassRoles"}',
      'deployer role ci: inline policy staging-ecs-passrole lacks the declared statement: {"Action": ["iam:PassRole"], "Condition": '
      '{"StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}}, "Effect": "Allow", "Resource": '
      '["arn:aws:iam::123456789012:role/ecs/staging/*"], "Sid": "PassRoles"}']),
    (DECLARATION, True, None, ["deployer role ci: inline policy staging-ecs-passrole is missing"]),
    (DECLARATION, False, None, ["deployer role ci: does not exist, and the inventory names it to hold the PassRole policy staging-ecs-passrole"]),
    (dict(DECLARATION, state="absent"), True, DECLARED, ["deployer role ci: inline policy staging-ecs-passrole exists, but the declaration says absent"]),
    (dict(DECLARATION, state="absent"), True, None, []),
    (dict(DECLARATION, state="absent"), False, None, []),
    (dict(DECLARATION, deployer=None), False, None, []),
], ids=["same", "widened", "missing", "no-deployer", "absent-but-there", "absent", "absent-no-deployer", "nobody-named"])
def test_the_deployers_passrole_policy_is_judged_like_the_roles(declaration, found, live, expected):
    assert passrole_differences(declaration, found, live) == expected
