"""_adopt: from live ECS roles to an inventory, with intents only where rendering gives back the same permissions."""

import copy
import itertools
import json
import pathlib

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _adopt
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _adopt_inventory
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CATALOGUE
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import KMS_KEY
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import render_grants

REPO = pathlib.Path(__file__).resolve().parents[4]
ACCOUNT = "123456789012"
REGION = "eu-west-1"
KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/" + KEY
ECS_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
UPLOADS = "arn:aws:s3:::staging-cerpac-uploads"
TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table/staging-cerpac-sessions"


def policy(*statements, version="2012-10-17"):
    return {"Version": version, "Statement": list(statements)}


def allow(actions, resources, condition=None, sid=None):
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if sid:
        statement["Sid"] = sid
    if condition:
        statement["Condition"] = condition
    return statement


def role(name, inline=(), managed=(), tags=None, trust=None, **extra):
    live = {
        "name": name, "arn": "arn:aws:iam::%s:role%s%s" % (ACCOUNT, extra.get("path", "/"), name), "role_id": "AROA" + name.upper()[:16],
        "path": "/", "description": None, "max_session_duration": 3600, "permissions_boundary": None, "tags": dict(tags or {}),
        "trust_policy": trust or ECS_TRUST, "managed_policy_arns": list(managed),
        "inline_policies": [{"name": policy_name, "document": document} for policy_name, document in inline],
    }
    live.update(extra)
    return live


def permissions(documents):
    """An oracle independent of _adopt: every (action, resource, condition) an Allow statement grants, as IAM
    compares them (action names without case, single values and lists alike)."""
    granted = set()
    for document in documents:
        statements = document["Statement"]
        for statement in [statements] if isinstance(statements, dict) else statements:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            condition = json.dumps({op: {key.lower(): sorted(value if isinstance(value, list) else [value]) for key, value in block.items()}
                                    for op, block in (statement.get("Condition") or {}).items()}, sort_keys=True)
            granted |= {(action.lower(), resource, condition) for action in actions for resource in resources}
    return granted


def rendered(grants):
    policies, errors = render_grants(grants, "aws", REGION, ACCOUNT)
    assert errors == []
    return policies


# --- Which roles ECS tasks can assume ---------------------------------------------------------------------------

def trust(**statement):
    return {"Version": "2012-10-17", "Statement": [dict({"Effect": "Allow", "Action": "sts:AssumeRole"}, **statement)]}


@pytest.mark.parametrize("document, expected", [
    (trust(Principal={"Service": "ecs-tasks.amazonaws.com"}), [0]),
    (trust(Principal={"Service": ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"]}), [0]),
    (trust(Principal={"Service": "ECS-Tasks.amazonaws.com"}, Action=["sts:TagSession", "STS:assumerole"]), [0]),
    (trust(Principal={"Service": "ecs-tasks.amazonaws.com"}, Action="sts:*"), [0]),
    ({"Statement": {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}}, [0]),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "NotAction": "sts:TagSession"}]}, [0]),
    ({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}, [1]),
    # ECS tasks cannot assume these:
    (trust(Principal={"Service": "ecs.amazonaws.com"}), []),
    (trust(Principal={"AWS": "arn:aws:iam::123456789012:root"}), []),
    (trust(Principal="*"), []),
    (trust(Principal={"Service": "ecs-tasks.amazonaws.com"}, Effect="Deny"), []),
    (trust(Principal={"Service": "ecs-tasks.amazonaws.com"}, Action="sts:AssumeRoleWithWebIdentity"), []),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "NotAction": "sts:Assume*"}]}, []),
    ("not json", []),
    ({"Version": "2012-10-17"}, []),
])
def test_roles_that_ecs_tasks_can_assume(document, expected):
    assert _adopt.ecs_trust_statements(document) == expected
    assert _adopt.trusts_ecs_tasks(document) is bool(expected)


@pytest.mark.parametrize("live, expected", [
    (role("staging-cerpac-ecs-task-role", managed=[EXECUTION_POLICY]), ("task", "its name ends in -ecs-task-role")),
    (role("staging-cerpac-ecs-task-execution-role"), ("execution", "its name ends in -ecs-task-execution-role")),
    (role("staging-api-execution-role"), ("execution", "its name says execution role")),
    (role("staging-api-taskrole"), ("task", "its name says task role")),
    (role("staging-runner", managed=[EXECUTION_POLICY]), ("execution", "it carries AmazonECSTaskExecutionRolePolicy")),
    (role("staging-runner", inline=[("pull", policy(allow(["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "logs:PutLogEvents"], "*")))]),
     ("execution", "it only pulls images, writes logs and reads start-up secrets (ecr:batchgetimage, ecr:getauthorizationtoken, logs:putlogevents)")),
    (role("staging-runner", inline=[("pull", policy(allow("ecr:BatchGetImage", "*")))], managed=["arn:aws:iam::123456789012:policy/x"]),
     ("task", "it is not an execution role (no AmazonECSTaskExecutionRolePolicy, permissions beyond pulling images, logs and start-up secrets)")),
    (role("staging-runner", inline=[("s3", policy(allow("s3:GetObject", UPLOADS + "/*")))]),
     ("task", "it is not an execution role (no AmazonECSTaskExecutionRolePolicy, permissions beyond pulling images, logs and start-up secrets)")),
    (role("staging-runner"),
     ("task", "it is not an execution role (no AmazonECSTaskExecutionRolePolicy, permissions beyond pulling images, logs and start-up secrets)")),
])
def test_task_roles_are_told_from_execution_roles(live, expected):
    assert _adopt.role_kind(live, "aws") == expected


# --- Grouping by application ----------------------------------------------------------------------------------------

def _groups(roles):
    groups, left_out = _adopt.group_roles(roles, "staging", "aws")
    return ([(group["host"], group["task"] and group["task"]["name"], group["execution"] and group["execution"]["name"], group["why"])
             for group in groups], [item["name"] for item in left_out])


@pytest.mark.parametrize("roles, expected", [
    ([role("staging-cerpac-ecs-task-role"), role("staging-cerpac-ecs-task-execution-role"), role("staging-worker-ecs-task-role")],
     ([("cerpac", "staging-cerpac-ecs-task-role", "staging-cerpac-ecs-task-execution-role", "from the role names"),
       ("worker", "staging-worker-ecs-task-role", None, "from the role names")], [])),
    # The seed's naming: no application in the names; the tag names it.
    ([role("staging-ecs-task-role", tags={"Project": "Cerpac API"}), role("staging-ecs-task-execution-role")],
     ([("cerpac-api", "staging-ecs-task-role", "staging-ecs-task-execution-role", "from its tag Project=Cerpac API")], [])),
    ([role("staging-ecs-task-role"), role("staging-ecs-task-execution-role")],
     ([("app", "staging-ecs-task-role", "staging-ecs-task-execution-role",
        "neither the role names nor their tags name the application; rename the host if you like (role names are carried)")], [])),
    # Names that do not pair: the application tag does.
    ([role("staging-api-role", tags={"app": "api"}), role("staging-shared-ecs-task-execution-role", tags={"Application": "api"})],
     ([("api", "staging-api-role", "staging-shared-ecs-task-execution-role", "from its tag app=api, which paired the two roles")], [])),
    # An execution role alone is left out (deploy converges a task role for every host).
    ([role("staging-cerpac-ecs-task-role"), role("staging-billing-ecs-task-execution-role")],
     ([("cerpac", "staging-cerpac-ecs-task-role", None, "from the role names")], ["staging-billing-ecs-task-execution-role"])),
    # Two task roles of one application: the second host gets a number.
    ([role("staging-api-ecs-task-role"), role("staging-api-task-role")],
     ([("api", "staging-api-ecs-task-role", None, "from the role names"),
       ("api-2", "staging-api-task-role", None, "from the role names; api was taken by another application")], [])),
    ([role("staging-all-ecs-task-role")],
     ([("all-app", "staging-all-ecs-task-role", None, "from the role names (all is a name Ansible keeps for itself)")], [])),
    # Paired by their tag: the tag names the host, not the rest of the task role's name (issue 21, item 2).
    ([role("staging-reports-task", tags={"App": "reports"}), role("staging-reporting-exec", tags={"App": "reports"}, managed=[EXECUTION_POLICY])],
     ([("reports", "staging-reports-task", "staging-reporting-exec", "from its tag App=reports, which paired the two roles")], [])),
    # A second gamma is numbered past every name an application wants: the real gamma-2 keeps its name (item 12).
    ([role("staging-gamma-ecs-task-role"), role("staging-gamma-task-role"), role("staging-gamma-2-ecs-task-role")],
     ([("gamma", "staging-gamma-ecs-task-role", None, "from the role names"),
       ("gamma-2", "staging-gamma-2-ecs-task-role", None, "from the role names"),
       ("gamma-3", "staging-gamma-task-role", None, "from the role names; gamma was taken by another application")], [])),
])
def test_roles_are_grouped_by_application(roles, expected):
    assert _groups(roles) == expected


# --- Grants: intents only where rendering gives back the same permissions --------------------------------------

EXACT = [
    ("s3 objects and listing", [
        ("s3-upload-access", policy(
            allow(["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:DeleteObject"], UPLOADS + "/*"),
            allow("s3:ListBucket", UPLOADS)))],
     [{"service": "s3", "access": ["read", "write", "delete", "list"], "resources": ["staging-cerpac-uploads"]}]),
    ("action case and single values do not matter", [
        ("mail", policy(allow("SES:sendemail", "arn:aws:ses:eu-west-1:123456789012:identity/cerpac.example.com"),
                        allow(["ses:SendRawEmail"], ["arn:aws:ses:eu-west-1:123456789012:identity/cerpac.example.com"])))],
     [{"service": "ses", "access": ["send"], "resources": ["cerpac.example.com"]}]),
    ("a prefix, with the listing condition", [
        ("uploads", policy(allow("s3:GetObject", UPLOADS + "/incoming/*"),
                           allow("s3:ListBucket", UPLOADS, {"StringLike": {"s3:prefix": "incoming/*"}})))],
     [{"service": "s3", "access": ["read", "list"], "resources": ["staging-cerpac-uploads"], "prefix": "incoming/"}]),
    ("DynamoDB read needs the table and its indexes, from two policies", [
        ("table", policy(allow(["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:ConditionCheckItem",
                                "dynamodb:DescribeTable"], TABLE))),
        ("indexes", policy(allow(["dynamodb:Query", "dynamodb:Scan"], TABLE + "/index/*")))],
     [{"service": "dynamodb", "access": ["read"], "resources": ["staging-cerpac-sessions"]}]),
    ("another region and account are kept per grant", [
        ("far", policy(allow(["sqs:SendMessage", "sqs:GetQueueUrl"], "arn:aws:sqs:us-east-1:210987654321:jobs")))],
     [{"service": "sqs", "access": ["send"], "resources": ["jobs"], "region": "us-east-1", "account_id": "210987654321"}]),
    ("a KMS key through the service", [
        ("queue", policy(
            allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
                  "arn:aws:sqs:eu-west-1:123456789012:jobs"),
            allow("kms:Decrypt", KEY_ARN, {"StringEquals": {"kms:ViaService": "sqs.eu-west-1.amazonaws.com"}})))],
     [{"service": "sqs", "access": ["consume"], "resources": ["jobs"], "kms_key": KEY}]),
    ("secrets by name and by prefix; parameters by path", [
        ("secrets", policy(allow(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], [
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-??????",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/keys/*"]))),
        ("parameters", policy(allow(["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"], [
            "arn:aws:ssm:eu-west-1:123456789012:parameter/staging/cerpac", "arn:aws:ssm:eu-west-1:123456789012:parameter/staging/cerpac/*"])))],
     [{"service": "secretsmanager", "access": ["read"], "resources": ["db", "app/keys/*"]},
      {"service": "ssm", "access": ["read"], "resources": ["/staging/cerpac"]}]),
    ("image pulls with the token on *", [
        ("pull", policy(allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                              "arn:aws:ecr:eu-west-1:123456789012:repository/cerpac/api"),
                        allow("ecr:GetAuthorizationToken", "*")))],
     [{"service": "ecr", "access": ["pull"], "resources": ["cerpac/api"]}]),
]


@pytest.mark.parametrize("policies, expected", [case[1:] for case in EXACT], ids=[case[0] for case in EXACT])
def test_statements_become_the_intents_that_render_exactly_their_permissions(policies, expected):
    policies = [{"name": name, "document": document} for name, document in policies]
    result = _adopt.recover_grants(policies, "aws", REGION, ACCOUNT)
    assert result["grants"] == expected
    assert result["kept"] == []
    assert sorted((item["policy"], item["index"]) for item in result["moved"]) == sorted(
        (entry["name"], index) for entry in policies for index in range(len(entry["document"]["Statement"])))
    # The proof, checked again here with an oracle of its own: same permissions.
    assert permissions(policy["document"] for policy in rendered(expected)) == permissions(entry["document"] for entry in policies)
    assert result["policies"] == rendered(expected)


def _catalogue_grants():
    for service, spec in CATALOGUE.items():
        levels = list(spec["access"])
        for count in range(1, len(levels) + 1):
            for combo in itertools.combinations(levels, count):
                options = [{}] + [{option: option_spec["example"]} for option, option_spec in spec.get("options", {}).items()]
                for extra in options:
                    grant = dict({"service": service, "access": list(combo), "resources": [spec["resources"]["example"]]}, **extra)
                    yield grant
                    if spec.get("kms_via") and any(spec["access"][level].get("kms_actions") for level in combo):
                        yield dict(grant, kms_key=KMS_KEY["example"])


@pytest.mark.parametrize("grant", list(_catalogue_grants()), ids=lambda grant: json.dumps(grant, sort_keys=True))
def test_every_grant_of_the_catalogue_is_read_back_from_its_own_rendering(grant):
    result = _adopt.recover_grants(rendered([grant]), "aws", REGION, ACCOUNT)
    assert result["grants"] == [grant]
    assert result["kept"] == []


KEPT = [
    ("an intent would widen it", [("s3", policy(allow(["s3:PutObject", "s3:GetObject", "s3:DeleteObject"], UPLOADS + "/*")))],
     [("s3", 0, "the nearest intent, s3 write on staging-cerpac-uploads, would also allow s3:AbortMultipartUpload, "
                "s3:ListMultipartUploadParts on arn:aws:s3:::staging-cerpac-uploads/*")]),
    ("DynamoDB read without the indexes", [("table", policy(allow(
        ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"],
        TABLE)))],
     [("table", 0, "the nearest intent, dynamodb read on staging-cerpac-sessions, would also allow dynamodb:Query, dynamodb:Scan on "
                   "arn:aws:dynamodb:eu-west-1:123456789012:table/staging-cerpac-sessions/index/*")]),
    ("a Deny", [("guard", policy({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": UPLOADS + "/*"}))],
     [("guard", 0, "a Deny statement: intents only allow")]),
    ("NotResource", [("odd", policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": UPLOADS + "/*"}))],
     [("odd", 0, "it uses NotResource, which no intent renders")]),
    ("NotAction", [("odd", policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))],
     [("odd", 0, "it uses NotAction, which no intent renders")]),
    ("an action wildcard", [("wild", policy(allow("s3:Get*", UPLOADS + "/*")))],
     [("wild", 0, "the action s3:Get* is a wildcard; intents list each action")]),
    ("a condition no intent renders", [("tls", policy(allow("s3:GetObject", UPLOADS + "/*", {"Bool": {"aws:SecureTransport": "true"}})))],
     [("tls", 0, "no intent renders s3:GetObject on arn:aws:s3:::staging-cerpac-uploads/* with its condition")]),
    ("a policy variable", [("mine", policy(allow("s3:GetObject", UPLOADS + "/${aws:PrincipalTag/team}/*")))],
     [("mine", 0, "no intent renders s3:GetObject on arn:aws:s3:::staging-cerpac-uploads/${aws:PrincipalTag/team}/*")]),
    ("a service the catalogue does not offer", [("metrics", policy(allow("cloudwatch:PutMetricData", "*")))],
     [("metrics", 0, "no intent renders cloudwatch:PutMetricData on *")]),
    ("the exact secret ARN (an intent would match every suffix)", [("one", policy(allow(
        ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf")))],
     [("one", 0, "no intent renders secretsmanager:DescribeSecret on arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf; "
                 "no intent renders secretsmanager:GetSecretValue on arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf")]),
]


@pytest.mark.parametrize("policies, expected", [case[1:] for case in KEPT], ids=[case[0] for case in KEPT])
def test_statements_no_intent_reproduces_stay_verbatim_with_the_reason(policies, expected):
    result = _adopt.recover_grants([{"name": name, "document": document} for name, document in policies], "aws", REGION, ACCOUNT)
    assert result["grants"] == []
    assert result["moved"] == []
    assert [(item["policy"], item["index"], item["why"]) for item in result["kept"]] == expected


def test_statements_move_whole_and_the_rest_of_the_policy_stays_as_written():
    live = role("staging-cerpac-ecs-task-role", inline=[
        ("s3-upload-access", policy(
            allow(["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], UPLOADS + "/*", sid="Objects"),
            {"Sid": "KeepArchive", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": UPLOADS + "/archive/*"},
            allow(["s3:GetObject", "s3:GetObjectVersion"], UPLOADS + "/archive/*", sid="Archive"))),
        ("grants-legacy", policy(allow("cloudwatch:PutMetricData", "*"))),
    ])
    adopted = _adopt.adopt_role(live, "task", "cerpac", "staging", REGION, ACCOUNT, "aws")
    variables = dict(adopted["vars"])
    assert variables["ecs_task_role_grants"] == [{"service": "s3", "access": ["read", "write"], "resources": ["staging-cerpac-uploads"]}]
    assert variables["ecs_task_role_policies"] == [
        {"name": "s3-upload-access", "document": policy(
            {"Sid": "KeepArchive", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": UPLOADS + "/archive/*"},
            allow(["s3:GetObject", "s3:GetObjectVersion"], UPLOADS + "/archive/*", sid="Archive"))},
        # grants- names are the role's own: the hand-written one is kept under another name.
        {"name": "adopted-grants-legacy", "document": policy(allow("cloudwatch:PutMetricData", "*"))},
    ]
    assert adopted["report"]["changes"] == [
        'trust: the confused-deputy condition StringEquals aws:SourceAccount="123456789012" is added',
        'trust: the confused-deputy condition ArnLike aws:SourceArn="arn:aws:ecs:eu-west-1:123456789012:*" is added',
        "trust: the statement's Sid becomes EcsTasksAssumeRole (was null)",
        'description: set to "ECS task role of cerpac in staging, managed by cerpac.ecs_iam" (the role had none)',
        "tags: Environment=staging is added",
        "tags: ManagedBy=Ansible is added",
        "tags: Module=ecs_task_role is added",
        "tags: Application=cerpac is added",
        "inline policy s3-upload-access keeps statement(s) 1, 2 as written; statement(s) 0 become intents (grants-s3), with the same permissions",
        "inline policy grants-legacy is kept as adopted-grants-legacy (the role keeps its name for what it renders)",
        "inline policy grants-s3 is written from the intents",
    ]
    assert [(item["policy"], item["index"], item["why"]) for item in adopted["report"]["kept"]] == [
        ("grants-legacy", 0, "no intent renders cloudwatch:PutMetricData on *"),
        ("s3-upload-access", 1, "a Deny statement: intents only allow"),
        ("s3-upload-access", 2, "no intent renders s3:GetObjectVersion on arn:aws:s3:::staging-cerpac-uploads/archive/*"),
    ]
    # Same Allow permissions and the same Deny, held by other policies.
    declared = adopted["declared"]["inline_policies"]
    allows = [{"Version": "2012-10-17", "Statement": [s for s in document["Statement"] if s["Effect"] == "Allow"]} for document in declared.values()]
    live_allows = [{"Version": "2012-10-17", "Statement": [s for s in entry["document"]["Statement"] if s["Effect"] == "Allow"]}
                   for entry in live["inline_policies"]]
    assert permissions(allows) == permissions(live_allows)
    assert [s for d in declared.values() for s in d["Statement"] if s["Effect"] == "Deny"] == [
        {"Sid": "KeepArchive", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": UPLOADS + "/archive/*"}]


def test_intents_that_would_overflow_the_inline_quota_are_not_used():
    # One statement, five actions on 150 buckets: the intents render one statement per access level, so each ARN
    # is written three times and the role would go over IAM's 10,240 characters of inline policies.
    buckets = ["arn:aws:s3:::staging-bucket-%03d/*" % number for number in range(150)]
    document = policy(allow(["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:DeleteObject"], buckets))
    live = role("staging-big-ecs-task-role", inline=[("objects", document)])
    adopted = _adopt.adopt_role(live, "task", "big", "staging", REGION, ACCOUNT, "aws")
    variables = dict(adopted["vars"])
    assert _adopt.policy_size(document) < 10240
    assert "ecs_task_role_grants" not in variables
    assert variables["ecs_task_role_policies"] == [{"name": "objects", "document": document}]
    # What the renderer itself counts for the same intents (it refuses them too).
    _policies, errors = render_grants([{"service": "s3", "access": ["read", "write", "delete"],
                                        "resources": ["staging-bucket-%03d" % number for number in range(150)]}], "aws", REGION, ACCOUNT)
    assert [(error["field"], error["value"]) for error in errors] == [("grants", 16543)]
    assert [item["why"] for item in adopted["report"]["kept"]] == [
        "the intents render larger than the statements they replace: 16543 non-whitespace characters of inline policies, over IAM's quota "
        "of 10240 for a role"]
    assert [line.split(":", 2)[1] for line in adopted["report"]["expected_differences"][:2]] == [
        " trust policy has a statement not declared", " trust policy lacks the declared statement"]
    assert adopted["report"]["expected_differences"][2:] == [
        'staging-big-ecs-task-role: description is null, declared "ECS task role of big in staging, managed by cerpac.ecs_iam"',
        'staging-big-ecs-task-role: tag Application is null, declared "big"',
        'staging-big-ecs-task-role: tag Environment is null, declared "staging"',
        'staging-big-ecs-task-role: tag ManagedBy is null, declared "Ansible"',
        'staging-big-ecs-task-role: tag Module is null, declared "ecs_task_role"']


def test_intents_that_fit_alone_but_not_beside_what_stays_verbatim_are_not_used():
    # The intents alone fit IAM's quota; with the Deny policy that stays verbatim they would not.
    moving = policy(allow(["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                          ["arn:aws:s3:::staging-bucket-%02d/*" % number for number in range(60)]))
    staying = policy({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": ["arn:aws:s3:::staging-archive-%03d/*" % n for n in range(185)]})
    live = role("staging-big-ecs-task-role", inline=[("objects", moving), ("archive", staying)])
    adopted = _adopt.adopt_role(live, "task", "big", "staging", REGION, ACCOUNT, "aws")
    assert _adopt.policy_size(moving) + _adopt.policy_size(staying) == 9208
    assert dict(adopted["vars"])["ecs_task_role_policies"] == [{"name": "objects", "document": moving}, {"name": "archive", "document": staying}]
    assert [(item["policy"], item["why"]) for item in adopted["report"]["kept"]] == [
        ("archive", "a Deny statement: intents only allow"),
        ("objects", "the intents render larger than the statements they replace: 11398 non-whitespace characters of inline policies, "
                    "over IAM's quota of 10240 for a role")]


# --- The execution role's start-up secrets ------------------------------------------------------------------------

STARTUP = [
    (["staging/cerpac/*"], [], []),
    (["db", "staging/cerpac/*"], ["/cerpac/staging/*", "plain"], []),
    ([], ["/cerpac/staging/db"], [KEY]),
    (["db"], ["/cerpac/*"], [KEY, "arn:aws:kms:us-east-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef"]),
]


@pytest.mark.parametrize("secrets, parameters, keys", STARTUP)
def test_the_startup_secrets_are_read_back_from_their_own_policy(secrets, parameters, keys):
    document = _adopt.startup_secrets_policy(secrets, parameters, keys, "aws", REGION, ACCOUNT)
    result = _adopt.recover_startup_secrets([{"name": "secrets-access", "document": document}], "aws", REGION, ACCOUNT)
    assert result["intents"] == {"secrets": secrets, "parameters": parameters, "kms_keys": keys}
    assert result["kept"] == []
    assert permissions([result["document"]]) == permissions([document])


@pytest.mark.parametrize("statements, expected_intents, expected_kept", [
    # Terraform's usual shape: a list of one action, one secret prefix.
    ([allow(["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/cerpac/*"])],
     {"secrets": ["staging/cerpac/*"], "parameters": [], "kms_keys": []}, []),
    # GetParameter besides GetParameters: the role renders GetParameters only.
    ([allow(["ssm:GetParameters", "ssm:GetParameter"], "arn:aws:ssm:eu-west-1:123456789012:parameter/cerpac/db")],
     None, [(0, "the start-up secrets render no ssm:GetParameter (only GetSecretValue, GetParameters and Decrypt)")]),
    # Decrypt without the ViaService condition is wider than what the role renders.
    ([allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-??????"),
      allow("kms:Decrypt", KEY_ARN)],
     {"secrets": ["db"], "parameters": [], "kms_keys": []},
     [(1, "kms:Decrypt on %s: the role renders Decrypt only through Secrets Manager or Parameter Store (kms:ViaService), and only "
          "beside secrets or parameters" % KEY_ARN)]),
    # With the condition it is exact.
    ([allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-??????"),
      allow("kms:Decrypt", KEY_ARN, {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}})],
     {"secrets": ["db"], "parameters": [], "kms_keys": [KEY]}, []),
    # A secret of another region is not one the role renders.
    ([allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-??????")], None,
     [(0, "secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:db-??????: the role renders "
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:<name>-?????? or arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
          "<prefix>/* (its region and account)")]),
])
def test_execution_role_statements_become_startup_secrets_only_when_exact(statements, expected_intents, expected_kept):
    result = _adopt.recover_startup_secrets([{"name": "secrets", "document": policy(*statements)}], "aws", REGION, ACCOUNT)
    assert result["intents"] == expected_intents
    assert [(item["index"], item["why"]) for item in result["kept"]] == expected_kept


# --- Trust: what the first deploy changes ---------------------------------------------------------------------------

STANDARD = _adopt.trust_policy("aws", ACCOUNT, [REGION])


@pytest.mark.parametrize("live, expected", [
    (STANDARD, []),
    (ECS_TRUST, [
        'trust: the confused-deputy condition StringEquals aws:SourceAccount="123456789012" is added',
        'trust: the confused-deputy condition ArnLike aws:SourceArn="arn:aws:ecs:eu-west-1:123456789012:*" is added',
        "trust: the statement's Sid becomes EcsTasksAssumeRole (was null)"]),
    ({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"},
        dict(STANDARD["Statement"][0], Principal={"Service": ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]})]}, [
        'trust: statement 0 is dropped ({"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"}})',
        "trust: principals other than ECS tasks are dropped from statement 1 (EcsTasksAssumeRole): Service ec2.amazonaws.com"]),
    ({"Version": "2012-10-17", "Statement": [dict(STANDARD["Statement"][0], Condition={
        "StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"},
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})]}, [
        'trust: the condition ArnLike aws:SourceArn="arn:aws:ecs:eu-west-1:123456789012:cluster/prod" becomes '
        'ArnLike aws:SourceArn="arn:aws:ecs:eu-west-1:123456789012:*"',
        'trust: the condition IpAddress aws:SourceIp="10.0.0.0/8" is dropped']),
])
def test_the_report_says_how_the_trust_policy_changes(live, expected):
    assert _adopt.trust_changes(live, STANDARD) == expected


@pytest.mark.parametrize("condition, expected", [
    (None, []),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:*"}}, ["eu-west-1"]),
    ({"ArnLike": {"aws:sourcearn": ["arn:aws:ecs:eu-west-1:123456789012:*", "arn:aws:ecs:us-east-1:123456789012:cluster/x"]}},
     ["eu-west-1", "us-east-1"]),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:999999999999:*"}}, []),
])
def test_source_regions_are_read_from_the_trust(condition, expected):
    statement = dict(ECS_TRUST["Statement"][0], **({"Condition": condition} if condition else {}))
    assert _adopt.source_regions({"Statement": [statement]}, "aws", ACCOUNT) == expected


# --- One role, the whole environment ------------------------------------------------------------------------------

def test_everything_that_makes_the_role_is_carried_over():
    live = role("staging-api-role", path="/apps/", description="API of cerpac", max_session_duration=7200,
                permissions_boundary="arn:aws:iam::123456789012:policy/boundary",
                tags={"Team": "payments", "ManagedBy": "Terraform", "Environment": "staging"},
                managed=["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"],
                trust={"Version": "2012-10-17", "Statement": [dict(ECS_TRUST["Statement"][0], Condition={"ArnLike": {"aws:SourceArn": [
                    "arn:aws:ecs:eu-west-1:123456789012:*", "arn:aws:ecs:us-east-1:123456789012:*"]}})]},
                inline=[("mail", policy(allow(["ses:SendEmail", "ses:SendRawEmail"], "arn:aws:ses:eu-west-1:123456789012:identity/cerpac.example.com")))])
    adopted = _adopt.adopt_role(live, "task", "api", "staging", REGION, ACCOUNT, "aws")
    assert adopted["vars"] == [
        ("ecs_task_role_adopt", True),
        ("ecs_task_role_name", "staging-api-role"),
        ("ecs_task_role_path", "/apps/"),
        ("ecs_task_role_description", "API of cerpac"),
        ("ecs_task_role_max_session_duration", 7200),
        ("ecs_task_role_permissions_boundary", "arn:aws:iam::123456789012:policy/boundary"),
        ("ecs_task_role_tags", {"Team": "payments"}),
        ("ecs_task_role_managed_policy_arns", ["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"]),
        ("ecs_task_role_source_regions", ["eu-west-1", "us-east-1"]),
        ("ecs_task_role_grants", [{"service": "ses", "access": ["send"], "resources": ["cerpac.example.com"]}]),
    ]
    assert adopted["declared"]["trust_policy"]["Statement"][0]["Condition"]["ArnLike"] == {
        "aws:SourceArn": ["arn:aws:ecs:eu-west-1:123456789012:*", "arn:aws:ecs:us-east-1:123456789012:*"]}
    assert adopted["report"]["changes"] == [
        'trust: the confused-deputy condition StringEquals aws:SourceAccount="123456789012" is added',
        "trust: the statement's Sid becomes EcsTasksAssumeRole (was null)",
        "tags: ManagedBy changes from Terraform to Ansible",
        "tags: Module=ecs_task_role is added",
        "tags: Application=api is added",
        "inline policy mail becomes intents (grants-ses), with the same permissions",
        "inline policy grants-ses is written from the intents",
    ]


def test_an_execution_role_keeps_its_policies_and_gains_the_managed_one_it_always_carries():
    live = role("staging-cerpac-ecs-task-execution-role", inline=[
        ("secrets", policy(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/cerpac/*"))),
        ("pull", policy(allow(["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "*"))),
        ("ecs-startup-secrets", policy(allow("logs:PutLogEvents", "*")))])
    adopted = _adopt.adopt_role(live, "execution", "cerpac", "staging", REGION, ACCOUNT, "aws")
    assert adopted["vars"] == [
        ("ecs_task_execution_role_adopt", True),
        ("ecs_task_execution_role_secrets", ["staging/cerpac/*"]),
        ("ecs_task_execution_role_policies", [
            {"name": "pull", "document": policy(allow(["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "*"))},
            # ecs-startup-secrets is the role's own name for what it renders: the hand-written one is kept under another.
            {"name": "adopted-ecs-startup-secrets", "document": policy(allow("logs:PutLogEvents", "*"))},
        ]),
    ]
    assert "managed policies: %s is attached (every execution role carries it)" % EXECUTION_POLICY in adopted["report"]["changes"]
    assert adopted["declared"]["managed_policy_arns"] == [EXECUTION_POLICY]
    assert "staging-cerpac-ecs-task-execution-role: managed policy %s is declared but not attached" % EXECUTION_POLICY in \
        adopted["report"]["expected_differences"]


def test_findings_on_existing_policies_are_reported_and_the_exceptions_a_deploy_needs_are_named_not_written():
    live = role("staging-cerpac-ecs-task-role", inline=[
        ("scan", policy(allow("dynamodb:Scan", "*"))),
        ("prod", policy(allow("s3:GetObject", "arn:aws:s3:::production-cerpac-uploads/*")))])
    adopted = _adopt.adopt_role(live, "task", "cerpac", "staging", REGION, ACCOUNT, "aws")
    assert [(f["code"], f["policy"], f["action"], f["resource"]) for f in adopted["report"]["findings_existing"]] == [
        ("RESOURCE_STAR", "scan", "dynamodb:Scan", "*"),
        ("CROSS_ENVIRONMENT", "prod", None, "arn:aws:s3:::production-cerpac-uploads/*"),
    ]
    # The reason is left empty on purpose: validate_grants ignores an exception without one, so nothing is accepted
    # until a person writes why.
    assert adopted["report"]["exceptions_needed"] == [
        {"code": "RESOURCE_STAR", "action": "dynamodb:Scan", "resource": "*", "reason": ""},
        {"code": "CROSS_ENVIRONMENT", "resource": "arn:aws:s3:::production-cerpac-uploads/*", "reason": ""},
    ]
    assert "ecs_task_role_grant_exceptions" not in dict(adopted["vars"])


def test_no_role_to_adopt_is_an_error_that_names_the_inputs_and_the_fix():
    foreign = role("prod-api-ecs-task-role")
    result = _adopt.adopt([foreign], "staging", REGION, ACCOUNT, "aws", other_roles=["staging-ci"], name_pattern="*")
    assert result == {"errors": [
        'adopt_name_pattern="*", adopt_env="staging": account 123456789012 has no role that ECS tasks can assume (trust principal '
        "ecs-tasks.amazonaws.com) whose name matches the pattern and starts with staging- (1 matching role(s) left out: prod-api-ecs-task-role: "
        "its name does not start with staging-: the roles refuse names outside their environment, and renaming a role changes its ARN). "
        "Check adopt_env and adopt_name_pattern (for example -e adopt_name_pattern='staging-*'), and that the credentials are for the right "
        "account; nothing was written"], "report": None, "inventory": None}


def test_the_inventory_has_the_shape_deploy_reads():
    roles = [role("staging-cerpac-ecs-task-role", tags={"Team": "web"}),
             role("staging-cerpac-ecs-task-execution-role", managed=[EXECUTION_POLICY]),
             role("staging-worker-ecs-task-role"),
             role("staging-ecs-task-role", trust={"Version": "2012-10-17", "Statement": []})]
    result = _adopt.adopt(roles, "staging", REGION, ACCOUNT, "aws")
    texts = _adopt.inventory_texts(result["inventory"])
    assert sorted(texts) == ["group_vars/all/main.yml", "host_vars/cerpac.yml", "host_vars/worker.yml", "hosts.yml"]
    assert yaml.safe_load(texts["hosts.yml"]) == {"ecs_iam": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "hosts": {"cerpac": None, "worker": None}}}
    assert yaml.safe_load(texts["group_vars/all/main.yml"]) == {
        "aws_region": "eu-west-1", "ecs_task_role_env": "staging", "ecs_task_role_account_id": "123456789012", "ecs_iam_deploy_execution_role": False}
    assert "ecs_task_role_account_id: '123456789012'" in texts["group_vars/all/main.yml"]
    assert yaml.safe_load(texts["host_vars/cerpac.yml"]) == {
        "ecs_task_role_project_id": "cerpac", "ecs_task_role_tags": {"Team": "web"}, "ecs_iam_deploy_execution_role": True,
        "ecs_task_role_adopt": True, "ecs_task_execution_role_adopt": True}
    assert yaml.safe_load(texts["host_vars/worker.yml"]) == {"ecs_task_role_project_id": "worker", "ecs_task_role_adopt": True}
    assert result["report"]["left_out"] == [{"name": "staging-ecs-task-role", "arn": "arn:aws:iam::123456789012:role/staging-ecs-task-role",
                                             "reason": "ECS tasks cannot assume it"}]


@pytest.mark.parametrize("task_path, execution_path, expected", [
    ("/ecs/", "/", {"ecs_task_role_path": "/ecs/", "ecs_task_execution_role_path": "/"}),
    ("/", "/ecs/", {"ecs_task_execution_role_path": "/ecs/"}),
    ("/ecs/", "/ecs/", {"ecs_task_role_path": "/ecs/"}),
    ("/", "/", {}),
])
def test_the_execution_roles_path_is_carried_when_it_is_not_the_task_roles(task_path, execution_path, expected):
    """The execution role's path defaults to the task role's: it is written whenever it differs from that (issue 21, item 2)."""
    roles = [role("staging-cerpac-ecs-task-role", path=task_path),
             role("staging-cerpac-ecs-task-execution-role", path=execution_path, managed=[EXECUTION_POLICY])]
    result = _adopt.adopt(roles, "staging", REGION, ACCOUNT, "aws")
    host_vars = yaml.safe_load(_adopt.inventory_texts(result["inventory"])["host_vars/cerpac.yml"])
    assert {key: value for key, value in host_vars.items() if key.endswith("_path")} == expected
    for item in result["report"]["applications"][0]["roles"]:
        assert not any("path" in line for line in item["expected_differences"]), item["expected_differences"]


@pytest.mark.parametrize("protect", [True, False])
def test_policies_reach_ansible_verbatim_even_with_jinja_delimiters(tmp_path, protect, monkeypatch):
    document = policy(allow("s3:GetObject", UPLOADS + "/{{ 6 * 7 }}/*", {"StringEquals": {"s3:ExistingObjectTag/x": "{{ 'a' | upper }}"}}))
    if not protect:  # the control: what Ansible does with the same text, unprotected
        monkeypatch.setattr(_adopt_inventory, "_protect", lambda value: value)
    path = tmp_path / "app.yml"
    path.write_text(_adopt.yaml_text([], {"ecs_task_role_policies": [{"name": "odd", "document": document}]}))
    # As Ansible reads host_vars (ansible.builtin.host_group_vars), then templates a variable.
    loaded = DataLoader().load_from_file(str(path), unsafe=True, trusted_as_template=True)
    templated = json.loads(json.dumps(Templar(loader=DataLoader(), variables={}).template(loaded)))
    if protect:
        assert templated == {"ecs_task_role_policies": [{"name": "odd", "document": document}]}
    else:
        assert templated["ecs_task_role_policies"][0]["document"]["Statement"][0]["Resource"] == UPLOADS + "/42/*"


@pytest.mark.parametrize("template, value, expected", [
    ("arn:{partition}:s3:::{resource}/{prefix}*", "arn:aws:s3:::b/up/*",
     [{"resource": "b", "prefix": "up/"}, {"resource": "b/up", "prefix": ""}]),
    ("arn:{partition}:dynamodb:{region}:{account}:table/{resource}", TABLE,
     [{"region": "eu-west-1", "account": "123456789012", "resource": "staging-cerpac-sessions"}]),
    ("{name}-??????", "db-??????", [{"name": "db"}]),
    ("{name}-??????", "db-AbCdEf", []),
])
def test_templates_are_read_backwards(template, value, expected):
    assert _adopt.bindings(template, value, {"partition": "aws"}, optional=("prefix",),
                           patterns={"region": r"[a-z]{2}-[a-z]+-\d", "account": r"\d{12}"}) == expected


# --- Inputs ----------------------------------------------------------------------------------------------------------

EMPTY = {"path": "/tmp/adopted/staging", "exists": False, "is_dir": False, "entries": None, "writable": True}


@pytest.mark.parametrize("environment, region, state, pattern, expected", [
    ("staging", "eu-west-1", EMPTY, "staging-*", []),
    ("staging", "eu-west-1", dict(EMPTY, exists=True, is_dir=True, entries=[]), "staging-*", []),
    ("Staging_1", "eu-west-1", EMPTY, "Staging_1-*", [
        'adopt_env="Staging_1": an environment name is lowercase letters, digits and single hyphens (for example staging or production); '
        "it starts every role name of the environment (<env>-<app>-ecs-task-role). Give -e adopt_env=staging"]),
    ("", "eu-west-1", EMPTY, "-*", [
        'adopt_env="": an environment name is lowercase letters, digits and single hyphens (for example staging or production); '
        "it starts every role name of the environment (<env>-<app>-ecs-task-role). Give -e adopt_env=staging"]),
    ("staging", "", EMPTY, "staging-*", [
        'adopt_region="": give the region of the environment\'s ECS services, for example -e adopt_region=eu-west-1 (it defaults to '
        "AWS_REGION); it goes into the inventory's aws_region and every regional ARN"]),
    ("staging", "eu-west-1", dict(EMPTY, exists=True, is_dir=True, entries=["hosts.yml", "group_vars"]), "staging-*", [
        "adopt_dir: /tmp/adopted/staging exists and is not empty (group_vars, hosts.yml): adopt never overwrites an inventory. "
        "Give another -e adopt_dir, or move that folder away"]),
    ("staging", "eu-west-1", dict(EMPTY, path="/tmp/file", exists=True, is_dir=False), "staging-*", [
        "adopt_dir: /tmp/file exists and is not a folder; give a folder, for example -e adopt_dir=adopted"]),
    ("staging", "eu-west-1", dict(EMPTY, writable=False), "staging-*", [
        "adopt_dir: /tmp/adopted/staging cannot be created or written by this user; give a folder you can write, for example -e adopt_dir=adopted"]),
    ("staging", "eu-west-1", None, "staging-*", [
        "adopt_dir is not set: give the folder to write the inventory into, for example -e adopt_dir=adopted (adopt writes <adopt_dir>/<adopt_env>/)"]),
    ("staging", "eu-west-1", EMPTY, " ", [
        "adopt_name_pattern=\" \": give a role name pattern with * and ? wildcards, for example 'staging-*' (the default is <adopt_env>-*)"]),
])
def test_bad_input_is_named_with_its_value_and_the_fix(environment, region, state, pattern, expected):
    assert _adopt.input_errors(environment, region, copy.deepcopy(state), pattern) == expected


def test_the_report_lists_every_change_and_why_each_statement_stays():
    roles = [role("staging-ecs-task-role", tags={"Project": "cerpac"}, inline=[
        ("ses-send-email", policy(allow(["ses:SendEmail", "ses:SendRawEmail"], "arn:aws:ses:eu-west-1:123456789012:identity/cerpac.example.com"))),
        ("dynamodb-access", policy(allow(["dynamodb:GetItem", "dynamodb:PutItem"], TABLE)))])]
    result = _adopt.adopt(roles, "staging", REGION, ACCOUNT, "aws")
    text = _adopt.report_markdown(result["report"], inventory_dir="adopted/staging")
    lines = text.splitlines()
    for change in result["report"]["applications"][0]["roles"][0]["changes"]:
        assert "  - " + change.replace("|", "\\|") in lines
    assert ("- dynamodb-access statement 0: the nearest intent, dynamodb read on staging-cerpac-sessions, would also allow dynamodb:BatchGetItem, "
            "dynamodb:ConditionCheckItem, dynamodb:DescribeTable, dynamodb:Query, dynamodb:Scan on arn:aws:dynamodb:eu-west-1:123456789012:table/"
            "staging-cerpac-sessions; dynamodb:Query, dynamodb:Scan on arn:aws:dynamodb:eu-west-1:123456789012:table/staging-cerpac-sessions/index/*; "
            "the nearest intent, dynamodb write on staging-cerpac-sessions, would also allow dynamodb:BatchWriteItem, dynamodb:DeleteItem, "
            "dynamodb:UpdateItem on arn:aws:dynamodb:eu-west-1:123456789012:table/staging-cerpac-sessions") in lines
    assert "ansible-playbook -i adopted/staging playbooks/deploy.yml --check --diff   # shows exactly the changes below" in lines
    assert json.loads(_adopt.report_json(result["report"]))["summary"] == {
        "applications": 1, "roles": 1, "statements_to_intents": 1, "statements_verbatim": 1, "findings_existing": 0,
        "exceptions_needed": 0, "before_deploying": 0, "changes": 10, "left_out": 0}


@pytest.mark.parametrize("count, before", [
    (46, []),  # 46 + Application, Environment, ManagedBy, Module = 50: IAM's limit, accepted
    (47, ["tags: with the collection's own (Application, Environment, ManagedBy, Module) the role would carry 51 tags, over IAM's 50 per "
          "role, and deploy refuses it; remove at least 1 from ecs_task_role_tags (or from the role) first"]),
    (49, ["tags: with the collection's own (Application, Environment, ManagedBy, Module) the role would carry 53 tags, over IAM's 50 per "
          "role, and deploy refuses it; remove at least 3 from ecs_task_role_tags (or from the role) first"]),
])
def test_a_role_deploy_would_refuse_for_its_tags_is_listed_before_deploying(count, before):
    """Issue 21, item 12: a role with 49 tags was adopted, then refused at deploy, and the report did not say so."""
    live = role("staging-cerpac-ecs-task-role", tags=dict(("Tag%02d" % number, "v") for number in range(count)))
    result = _adopt.adopt([live], "staging", REGION, ACCOUNT, "aws")
    assert result["report"]["applications"][0]["roles"][0]["before_deploying"] == before
    assert result["report"]["summary"]["before_deploying"] == len(before)
    text = _adopt.report_markdown(result["report"])
    comments = _adopt.inventory_texts(result["inventory"])["host_vars/cerpac.yml"]
    for line in before:
        assert "- " + line in text.splitlines()
        assert "# Before deploying: the task role's %s." % line in " ".join(comments.split("\n# "))
    # What the deploy itself checks refuses exactly those (the same limit, not a second copy of it).
    from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import MAX_TAGS  # pylint: disable=import-outside-toplevel
    assert (count + 4 > MAX_TAGS) == bool(before)


def test_instance_profiles_holding_an_adopted_role_are_reported_with_what_absent_does():
    live = role("staging-cerpac-ecs-task-role", instance_profiles=["staging-cerpac-ec2"])
    result = _adopt.adopt([live], "staging", REGION, ACCOUNT, "aws")
    adopted = result["report"]["applications"][0]["roles"][0]
    expected = ("instance profile staging-cerpac-ec2 holds this role (EC2 can take it on): deploy leaves it alone; ecs_task_role_state: absent "
                "removes the role from it (iam:RemoveRoleFromInstanceProfile) and leaves the profile, empty, in place")
    assert adopted["instance_profiles"] == ["staging-cerpac-ec2"] and adopted["notes"] == [expected]
    assert "- " + expected in _adopt.report_markdown(result["report"]).splitlines()
    assert "staging-cerpac-ec2" in _adopt.inventory_texts(result["inventory"])["host_vars/cerpac.yml"]


@pytest.mark.parametrize("kind, name, reserved", [
    ("task", "grants-s3", True),
    ("task", "ecs-startup-secrets", False),
    ("execution", "ecs-startup-secrets", True),
    # the execution role renders grants-ecr and grants-logs from its repositories and log groups (issue 18.2)
    ("execution", "grants-ecr", True),
    ("execution", "grants-legacy", True),
    ("execution", "pull-images", False),
])
def test_reserved_policy_names(kind, name, reserved):
    assert _adopt.reserved_policy_name(kind, name) is reserved


# --- The execution role scoped from the task definitions that name it (issue 18.2) ---------------------------------

EXEC_ARN = "arn:aws:iam::%s:role/staging-cerpac-ecs-task-execution-role" % ACCOUNT
IMAGE = "%s.dkr.ecr.eu-west-1.amazonaws.com/cerpac/api:1.4" % ACCOUNT
BASE_IMAGE = "999999999999.dkr.ecr.us-east-1.amazonaws.com/base/python@sha256:abc"
AWSLOGS = {"awslogs-group": "/ecs/staging/cerpac", "awslogs-region": REGION, "awslogs-stream-prefix": "api"}


def task_definition(name, containers, role_arn=EXEC_ARN):
    return {"arn": "arn:aws:ecs:eu-west-1:%s:task-definition/%s:1" % (ACCOUNT, name), "execution_role_arn": role_arn,
            "containers": [{"name": "c%d" % index, "image": image, "log_driver": driver, "log_options": options}
                           for index, (image, driver, options) in enumerate(containers)]}


@pytest.mark.parametrize("definitions, repositories, log_groups, why", [
    ([task_definition("api", [(IMAGE, "awslogs", AWSLOGS)])], ["cerpac/api"], ["/ecs/staging/cerpac"], None),
    # a repository of another account and region is named by its ARN; a public image needs no ECR right
    ([task_definition("api", [(IMAGE, "awslogs", AWSLOGS), (BASE_IMAGE, "awslogs", dict(AWSLOGS, **{"awslogs-group": "/ecs/staging/side"})),
                              ("public.ecr.aws/nginx/nginx:1", None, {})])],
     ["cerpac/api", "arn:aws:ecr:us-east-1:999999999999:repository/base/python"], ["/ecs/staging/cerpac", "/ecs/staging/side"], None),
    ([task_definition("api", [(IMAGE, "awslogs", AWSLOGS)], role_arn="arn:aws:iam::%s:role/other" % ACCOUNT)], [], [],
     "no active task definition names it as its execution role"),
    ([task_definition("api", [("nginx:1", "awslogs", AWSLOGS)])], [], ["/ecs/staging/cerpac"], "its task definitions name no ECR image"),
    ([task_definition("api", [(IMAGE, "awsfirelens", {})])], ["cerpac/api"], [], "its task definitions name no awslogs log group"),
    ([task_definition("api", [(IMAGE, "awslogs", dict(AWSLOGS, **{"awslogs-create-group": "true"}))])], ["cerpac/api"], [],
     "task definition arn:aws:ecs:eu-west-1:123456789012:task-definition/api:1 lets ECS create its log group (awslogs-create-group), "
     "which needs logs:CreateLogGroup"),
])
def test_execution_scope(definitions, repositories, log_groups, why):
    scope = _adopt.execution_scope(EXEC_ARN, definitions, "aws", REGION, ACCOUNT)
    assert (scope["repositories"], scope["log_groups"], scope["why"]) == (repositories, log_groups, why)


def test_an_execution_role_named_by_task_definitions_is_adopted_scoped():
    live = role("staging-cerpac-ecs-task-execution-role", managed=[EXECUTION_POLICY])
    adopted = _adopt.adopt_role(live, "execution", "cerpac", "staging", REGION, ACCOUNT, "aws",
                                task_definitions=[task_definition("api", [(IMAGE, "awslogs", AWSLOGS)])])
    variables = dict(adopted["vars"])
    assert variables["ecs_task_execution_role_image_repositories"] == ["cerpac/api"]
    assert variables["ecs_task_execution_role_log_groups"] == ["/ecs/staging/cerpac"]
    assert adopted["declared"]["managed_policy_arns"] == []
    assert sorted(adopted["declared"]["inline_policies"]) == ["grants-ecr", "grants-logs"]
    assert (f"{live['name']}: managed policy {EXECUTION_POLICY} is attached but not declared") in adopted["report"]["expected_differences"]
    assert any(change.startswith("managed policy %s is detached: grants-ecr and grants-logs pull from cerpac/api and log to "
                                 "/ecs/staging/cerpac only" % EXECUTION_POLICY) for change in adopted["report"]["changes"])


def test_an_execution_role_without_task_definitions_keeps_the_managed_policy_and_says_why():
    live = role("staging-cerpac-ecs-task-execution-role", managed=[EXECUTION_POLICY])
    adopted = _adopt.adopt_role(live, "execution", "cerpac", "staging", REGION, ACCOUNT, "aws", task_definitions=[])
    assert adopted["declared"]["managed_policy_arns"] == [EXECUTION_POLICY]
    assert "ecs_task_execution_role_image_repositories" not in dict(adopted["vars"])
    assert adopted["report"]["carried"][-1] == (
        "managed policy %s (no active task definition names it as its execution role; name ecs_task_execution_role_image_repositories "
        "and _log_groups to scope it)" % EXECUTION_POLICY)
