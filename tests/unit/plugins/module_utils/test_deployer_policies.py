"""The plan of the deployer's PassRole policies (plugins/module_utils/_deployer_policies.py): tables, no network."""

import json

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._arns import account_of
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._deployer_policies import group_declarations
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._deployer_policies import plan
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._deployer_policies import policies_to_read
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import passrole_policy

ACCOUNT = "123456789012"
ARN = "arn:aws:iam::%s:role/ci" % ACCOUNT


def document(*hosts):
    return passrole_policy(["arn:aws:iam::%s:role/staging-%s-ecs-task-role" % (ACCOUNT, host) for host in hosts])


def declared(host, state="present", deployer="role ci", name=None, policy=None):
    """A PassRole declaration; ``deployer``: "<type> <name>", or None for none."""
    kind, dummy, deployer_name = (deployer or "").partition(" ")
    return {"role": "ecs_deployer_passrole", "host": host, "policy_name": name or "staging-%s-ecs-passrole" % host, "state": state,
            "deployer": {"type": kind, "name": deployer_name} if deployer else None,
            "document": (policy or document(host)) if state == "present" else None}


@pytest.mark.parametrize("arn, account", [
    ("arn:aws:iam::123456789012:role/ci", "123456789012"),
    ("arn:aws:iam::210987654321:user/deploy/ci", "210987654321"),
    ("arn:aws-cn:iam::123456789012:role/a/b", "123456789012"),
    ("arn:aws:iam::aws:policy/ReadOnlyAccess", "aws"),
    ("arn:aws:s3:::bucket", ""),
    ("123456789012", None),
    ("arn:aws:iam::123456789012", None),  # five fields
    ("ARN:aws:iam::123456789012:role/ci", None),
    ("arn:other:iam::123456789012:role/ci", None),
    (None, None),
])
def test_account_of_an_arn(arn, account):
    assert account_of(arn) == account


@pytest.mark.parametrize("declarations, deployers, problems", [
    # One per application: each policy once.
    ([declared("a"), declared("b")], {("role", "ci"): ["staging-a-ecs-passrole", "staging-b-ecs-passrole"]}, 0),
    # The environment's one policy, published on every host (run_once): once.
    ([declared("a", name="staging-ecs-passrole"), dict(declared("a", name="staging-ecs-passrole"), host="b")],
     {("role", "ci"): ["staging-ecs-passrole"]}, 0),
    # No deployer named: nobody's to write.
    ([declared("a", deployer=None)], {}, 0),
    # Two deployers: each its own.
    ([declared("a"), declared("b", deployer="user ci")],
     {("role", "ci"): ["staging-a-ecs-passrole"], ("user", "ci"): ["staging-b-ecs-passrole"]}, 0),
    # One policy name, two contents (or states): each host's write would undo the other's.
    ([declared("a", name="p"), declared("b", name="p")], {("role", "ci"): ["p"]}, 1),
    ([declared("a", name="p"), declared("b", name="p", state="absent")], {("role", "ci"): ["p"]}, 1),
])
def test_group_declarations(declarations, deployers, problems):
    grouped, found = group_declarations(declarations)
    assert dict((key, sorted(policies)) for key, policies in grouped.items()) == deployers
    assert len(found) == problems


def test_a_policy_declared_twice_names_both_hosts_and_the_fix():
    dummy, problems = group_declarations([declared("a", name="p"), declared("b", name="p")])
    assert problems == ["the PassRole policy p on the deployer role ci is declared twice with different contents (hosts a and b): each "
                        "host's write would undo the other's. Give each application its own policy name"]


@pytest.mark.parametrize("declarations, listed, expected", [
    (["p1", "p2"], ["p2", "other", "p1"], ["p1", "p2"]),  # the deployer's other inline policies are not read
    (["p1", "p2"], ["p2"], ["p2"]),  # a missing one is not read: it is missing
    (["p1"], [], []),
    ([], ["p1"], []),
])
def test_policies_to_read_are_the_declared_ones_listed(declarations, listed, expected):
    assert policies_to_read(declarations, listed) == expected


SAME_REORDERED = {"Version": "2012-10-17", "Statement": [dict(document("a")["Statement"][0], Action=["iam:PassRole"])]}


@pytest.mark.parametrize("declaration, live, write, differences", [
    # present and equal, even written another way (a one-element list, as IAM compares): no write.
    (declared("a"), document("a"), False, []),
    (declared("a"), SAME_REORDERED, False, []),
    (declared("a"), json.dumps(document("a")), False, []),
    # present, missing or different: written.
    (declared("a"), None, True, ["deployer role ci: inline policy staging-a-ecs-passrole is missing"]),
    (declared("a"), document("a", "b"), True, [
        'deployer role ci: inline policy staging-a-ecs-passrole has a statement not declared: {"Action": ["iam:PassRole"], "Condition": '
        '{"StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}}, "Effect": "Allow", "Resource": '
        '["arn:aws:iam::123456789012:role/staging-a-ecs-task-role", "arn:aws:iam::123456789012:role/staging-b-ecs-task-role"], '
        '"Sid": "PassEcsTaskRolesToEcsTasksOnly"}',
        'deployer role ci: inline policy staging-a-ecs-passrole lacks the declared statement: {"Action": ["iam:PassRole"], "Condition": '
        '{"StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}}, "Effect": "Allow", "Resource": '
        '["arn:aws:iam::123456789012:role/staging-a-ecs-task-role"], "Sid": "PassEcsTaskRolesToEcsTasksOnly"}']),
    # absent: deleted when it is there, nothing otherwise.
    (declared("a", state="absent"), document("a"), True, ["deployer role ci: inline policy staging-a-ecs-passrole exists, but the "
                                                          "declaration says absent"]),
    (declared("a", state="absent"), None, False, []),
])
def test_each_policy_is_written_only_when_it_differs(declaration, live, write, differences):
    deployers, dummy = group_declarations([declaration])
    live_documents = {} if live is None else {declaration["policy_name"]: live}
    plans, problems = plan(deployers, {("role", "ci"): {"arn": ARN, "policies": live_documents}}, ACCOUNT)
    entry = plans["role"]["ci"]["policies"][declaration["policy_name"]]
    assert (entry["write"], entry["differences"], problems) == (write, differences, [])
    assert entry["live"] == live
    if declaration["state"] == "present":
        assert json.loads(entry["policy_json"]) == declaration["document"]
    else:
        assert "policy_json" not in entry


@pytest.mark.parametrize("allow_any_account, problems", [
    (False, ["deployer role ci: the AWS credentials in use belong to account 210987654321, but the inventory declares account "
             "123456789012: refusing to change anything. Use credentials for account 123456789012, or correct the account id in the inventory"]),
    (True, []),  # the inventory opted out of the account guard
])
def test_allow_any_account_skips_the_account_guard(allow_any_account, problems):
    deployers, dummy = group_declarations([declared("a")])
    found = plan(deployers, {("role", "ci"): {"arn": "arn:aws:iam::210987654321:role/ci", "policies": {}}}, ACCOUNT, allow_any_account)[1]
    assert found == problems


@pytest.mark.parametrize("state, arn, expected, problems, write", [
    # A deployer that does not exist: refused while a policy must be on it; nothing to remove from it otherwise.
    ("present", None, None, ['ecs_deployer_passrole_role_name="ci": no such IAM role in this account. Create the deployer first (it '
                             'is not managed here), or correct the name'], False),
    ("absent", None, None, [], False),
    # Another account's deployer: refused (the credentials belong to that account), and nothing planned on it.
    ("present", "arn:aws:iam::210987654321:role/ci", ACCOUNT, [
        "deployer role ci: the AWS credentials in use belong to account 210987654321, but the inventory declares account 123456789012: "
        "refusing to change anything. Use credentials for account 123456789012, or correct the account id in the inventory"], False),
    ("present", "arn:aws:iam::210987654321:role/ci", None, [], True),  # no account declared (allow_any_account): any
    ("present", ARN, ACCOUNT, [], True),  # the positive control: its missing policy is put
])
def test_a_missing_deployer_or_another_accounts_is_refused(state, arn, expected, problems, write):
    deployers, dummy = group_declarations([declared("a", state=state)])
    plans, found = plan(deployers, {("role", "ci"): {"arn": arn, "policies": {}}}, expected)
    assert found == problems
    # The refusal is the deployer's too, so that each application it serves is refused with it (tasks/main.yml).
    assert plans["role"]["ci"]["refusal"] == (problems[0] if problems else "")
    assert plans["role"]["ci"]["exists"] is (arn is not None)
    assert plans["role"]["ci"]["policies"]["staging-a-ecs-passrole"]["write"] is write


def test_a_missing_user_names_the_user_variable():
    deployers, dummy = group_declarations([declared("a", deployer="user ci")])
    dummy, problems = plan(deployers, {}, ACCOUNT)
    assert problems == ['ecs_deployer_passrole_user_name="ci": no such IAM user in this account. Create the deployer first (it is not '
                        'managed here), or correct the name']
