"""_role_declaration: every input of the three roles checked, and every policy document they declare, exactly."""

import copy

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import declare
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import format_problems
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import passrole_covers
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import startup_secrets_policy
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import trust_policy
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import unknown_variables

ACCOUNT = "123456789012"


def task_inputs(**changes):
    inputs = {
        "ecs_task_role_env": "staging",
        "ecs_task_role_project_id": "cerpac",
        "ecs_task_role_name": "staging-cerpac-ecs-task-role",
        "ecs_task_role_state": "present",
        "ecs_task_role_account_id": ACCOUNT,
        "ecs_task_role_allow_any_account": False,
        "ecs_task_role_region": "eu-west-1",
        "ecs_task_role_source_regions": ["eu-west-1"],
        "ecs_task_role_source_conditions": True,
        "ecs_task_role_grants": [],
        "ecs_task_role_policies": [],
        "ecs_task_role_grant_exceptions": [],
        "ecs_task_role_validate_fail_on": "error",
        "ecs_task_role_other_environments": ["production"],
        "ecs_task_role_managed_policy_arns": [],
        "ecs_task_role_tags": {},
        "ecs_task_role_purge_tags": True,
        "ecs_task_role_path": "/",
        "ecs_task_role_description": "ECS task role of cerpac in staging",
        "ecs_task_role_max_session_duration": 3600,
        "ecs_task_role_permissions_boundary": "",
    }
    inputs.update(("ecs_task_role_" + key, value) for key, value in changes.items())
    return inputs


def execution_inputs(**changes):
    inputs = dict(("ecs_task_execution_role_" + key[len("ecs_task_role_"):], value) for key, value in task_inputs().items()
                  if key not in ("ecs_task_role_grants",))
    inputs.update(ecs_task_execution_role_name="staging-cerpac-ecs-task-execution-role", ecs_task_execution_role_secrets=[],
                  ecs_task_execution_role_parameters=[], ecs_task_execution_role_kms_keys=[])
    inputs.update(("ecs_task_execution_role_" + key, value) for key, value in changes.items())
    return inputs


def passrole_inputs(**changes):
    inputs = {
        "ecs_deployer_passrole_role_arns": [],
        "ecs_deployer_passrole_role_paths": ["/ecs/staging/"],
        "ecs_deployer_passrole_role_name": "",
        "ecs_deployer_passrole_user_name": "",
        "ecs_deployer_passrole_policy_name": "staging-ecs-passrole",
        "ecs_deployer_passrole_state": "present",
        "ecs_deployer_passrole_account_id": ACCOUNT,
        "ecs_deployer_passrole_allow_any_account": False,
        "ecs_deployer_passrole_region": "eu-west-1",
    }
    inputs.update(("ecs_deployer_passrole_" + key, value) for key, value in changes.items())
    return inputs


def ok(role, inputs, **context):
    declaration, problems = declare(role, inputs, context)
    assert problems == [], format_problems(role, problems)
    return declaration


def refused(role, inputs, **context):
    declaration, problems = declare(role, inputs, context)
    assert declaration is None and problems
    return problems


# --- Policy documents --------------------------------------------------------------------------------------------

def test_the_trust_policy_lets_only_ecs_tasks_of_the_account_and_region_assume_the_role():
    assert trust_policy("aws", ACCOUNT, ["eu-west-1"]) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "EcsTasksAssumeRole", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:*"}},
    }]}


def test_the_trust_policy_has_one_source_arn_per_region():
    statement = trust_policy("aws-cn", ACCOUNT, ["cn-north-1", "cn-northwest-1"])["Statement"][0]
    expected = ["arn:aws-cn:ecs:cn-north-1:123456789012:*", "arn:aws-cn:ecs:cn-northwest-1:123456789012:*"]
    assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": expected}


def test_the_trust_policy_without_source_conditions():
    assert "Condition" not in trust_policy("aws", ACCOUNT, ["eu-west-1"], source_conditions=False)["Statement"][0]


@pytest.mark.parametrize("partition,region,suffix", [
    ("aws", "eu-west-1", "amazonaws.com"), ("aws-cn", "cn-north-1", "amazonaws.com.cn"), ("aws-us-gov", "us-gov-west-1", "amazonaws.com"),
    ("aws-iso-b", "us-isob-east-1", "sc2s.sgov.gov"), ("aws-eusc", "eusc-de-east-1", "amazonaws.eu"),
])
def test_the_startup_secrets_policy(partition, region, suffix):
    key = "1234abcd-12ab-34cd-56ef-1234567890ab"
    policy = startup_secrets_policy(partition, region, ACCOUNT, ["staging/cerpac/db", "staging/shared/*"], ["/cerpac/staging/db", "/cerpac/x/*"], [key])
    base = "arn:%s:%%s:%s:%s" % (partition, region, ACCOUNT)
    assert policy == {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadStartupSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": [base % "secretsmanager" + ":secret:staging/cerpac/db-??????", base % "secretsmanager" + ":secret:staging/shared/*"]},
        {"Sid": "ReadStartupParameters", "Effect": "Allow", "Action": "ssm:GetParameters",
         "Resource": [base % "ssm" + ":parameter/cerpac/staging/db", base % "ssm" + ":parameter/cerpac/x/*"]},
        {"Sid": "DecryptStartupSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": [base % "kms" + ":key/" + key],
         "Condition": {"StringEquals": {"kms:ViaService": ["secretsmanager.%s.%s" % (region, suffix), "ssm.%s.%s" % (region, suffix)]}}},
    ]}


def test_no_startup_secrets_no_policy():
    assert startup_secrets_policy("aws", "eu-west-1", ACCOUNT, [], [], []) is None


@pytest.mark.parametrize("resources,arn,covered", [
    (["arn:aws:iam::123456789012:role/ecs/staging/*"], "arn:aws:iam::123456789012:role/ecs/staging/staging-api-ecs-task-role", True),
    (["arn:aws:iam::123456789012:role/ecs/staging/*"], "arn:aws:iam::123456789012:role/staging-api-ecs-task-role", False),
    (["arn:aws:iam::123456789012:role/ecs/staging/*"], "arn:aws:iam::123456789012:role/ecs/staging-old/x", False),
    (["arn:aws:iam::123456789012:role/ecs/staging/*"], "arn:aws:iam::210987654321:role/ecs/staging/x", False),
    (["arn:aws:iam::123456789012:role/staging-api-ecs-task-role"], "arn:aws:iam::123456789012:role/staging-api-ecs-task-role", True),
    (["arn:aws:iam::123456789012:role/staging-api-ecs-task-role"], "arn:aws:iam::123456789012:role/staging-api-ecs-task-role2", False),
])
def test_passrole_coverage(resources, arn, covered):
    assert passrole_covers(resources, arn) is covered


# --- The task role -----------------------------------------------------------------------------------------------

def test_a_task_role_with_grants_and_a_policy():
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*"}]}
    declaration = ok("ecs_task_role", task_inputs(
        grants=[{"service": "sqs", "access": ["consume"], "resources": ["staging-jobs"]}],
        policies=[{"name": "tracing", "document": policy}], path="/ecs/staging/", tags={"Team": "payments"},
        managed_policy_arns=["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"]), host="cerpac")
    assert declaration["role_arn"] == "arn:aws:iam::123456789012:role/ecs/staging/staging-cerpac-ecs-task-role"
    assert [policy["name"] for policy in declaration["inline_policies"]] == ["tracing", "grants-sqs"]
    assert declaration["tags"] == {"Team": "payments", "Environment": "staging", "ManagedBy": "Ansible", "Module": "ecs_task_role",
                                   "Application": "cerpac"}
    assert declaration["managed_policy_arns"] == ["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"]
    assert declaration["trust_policy"] == trust_policy("aws", ACCOUNT, ["eu-west-1"])
    assert [(grant["service"], grant["policy"], grant["sids"]) for grant in declaration["grants"]] == [
        ("sqs", "grants-sqs", ["SqsConsumeQueues0"])]
    assert (declaration["host"], declaration["state"], declaration["needs_account"]) == ("cerpac", "present", False)


def test_a_role_in_another_partition():
    declaration = ok("ecs_task_role", task_inputs(region="cn-north-1", source_regions=["cn-north-1"]))
    assert (declaration["partition"], declaration["role_arn"]) == ("aws-cn", "arn:aws-cn:iam::123456789012:role/staging-cerpac-ecs-task-role")


def test_absent_checks_the_inputs_but_renders_nothing():
    declaration = ok("ecs_task_role", task_inputs(state="absent", grants=[{"service": "s3", "access": ["read"], "resources": ["b-1"]}]))
    assert declaration["inline_policies"] == [] and declaration["state"] == "absent"


def test_the_rds_exception_excuses_rendered_grants_only():
    grant = {"service": "rds", "access": ["connect"], "resources": ["db-ABCDEFGHIJKL/app"]}
    declaration = ok("ecs_task_role", task_inputs(grants=[grant]))
    assert [(finding["code"], finding["policy"]) for finding in declaration["accepted_findings"]] == [("PERMISSIONS_MANAGEMENT", "grants-rds")]
    by_hand = {"name": "db", "document": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "rds-db:connect", "Resource": "arn:aws:rds-db:eu-west-1:123456789012:dbuser:db-ABCDEFGHIJKL/app"}]}}
    problems = refused("ecs_task_role", task_inputs(grants=[grant], policies=[by_hand]))
    assert [(problem["field"], problem["finding"]["code"], problem["finding"]["policy"]) for problem in problems] == [
        ("ecs_task_role_policies", "PERMISSIONS_MANAGEMENT", "db")]


def test_a_blocking_finding_names_the_input_its_policy_came_from():
    star = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    problems = refused("ecs_task_role", task_inputs(policies=[{"name": "star", "document": star}]))
    assert [problem["field"] for problem in problems] == ["ecs_task_role_policies"]
    assert problems[0]["message"].startswith("ecs_task_role_policies (policy star): RESOURCE_STAR [error] policy star, statement 0")
    problems = refused("ecs_task_role", task_inputs(grants=[{"service": "s3", "access": ["read"], "resources": ["production-uploads"]}]))
    assert [(problem["field"], problem["finding"]["code"]) for problem in problems] == [("ecs_task_role_grants", "CROSS_ENVIRONMENT")]


# Each bad input is refused, naming the field; words the message must contain besides the field's name.
TASK_ROWS = [
    ("env", "Staging", "ecs_task_role_env", ["lowercase letters, digits and single hyphens"]),
    ("project_id", "cer pac", "ecs_task_role_project_id", ["lowercase letters, digits and single hyphens"]),
    ("name", "staging-" + "x" * 57, "ecs_task_role_name", ["(65 characters)", "1 to 64 characters"]),
    ("name", "production-cerpac-ecs-task-role", "ecs_task_role_name", ['must start with "staging-"']),
    ("state", "gone", "ecs_task_role_state", ["present or absent"]),
    ("account_id", "", "ecs_task_role_account_id", ["is empty", "ecs_task_role_allow_any_account: true"]),
    ("account_id", 12345678901, "ecs_task_role_account_id", ["is a number", "Quote it"]),
    ("account_id", "12345678901a", "ecs_task_role_account_id", ["12 digits"]),
    ("region", "eu-west", "ecs_task_role_region", ["eu-west-1"]),
    ("region", "xx-west-1", "ecs_task_role_region", ["not the name of an AWS region"]),
    ("source_regions", [], "ecs_task_role_source_regions", ["is empty"]),
    ("source_regions", ["eu-west-1", "cn-north-1"], "ecs_task_role_source_regions[1]", ["is in partition aws-cn, the role in aws"]),
    ("source_regions", ["eu-west-1", "eu-west-1"], "ecs_task_role_source_regions", ["lists a region twice"]),
    ("path", "/apps", "ecs_task_role_path", ["must start and end with /"]),
    ("max_session_duration", 43201, "ecs_task_role_max_session_duration", ["3600 to 43200"]),
    ("permissions_boundary", "AWSXray", "ecs_task_role_permissions_boundary", ["managed policy ARN"]),
    ("managed_policy_arns", ["arn:aws:iam::aws:role/x"], "ecs_task_role_managed_policy_arns", ["managed policy ARNs"]),
    ("description", "x" * 1001, "ecs_task_role_description", ["(1001 characters)", "at most 1000"]),
    ("other_environments", "production", "ecs_task_role_other_environments", ["a list of environment names"]),
    ("other_environments", ["production, prod"], "ecs_task_role_other_environments", ["one name per item"]),
    ("tags", {"Environment": "production"}, "ecs_task_role_tags", ["cannot be given other values"]),
    ("tags", {"aws:owner": "x"}, "ecs_task_role_tags", ["may not start with aws:"]),
    ("tags", {"Owner": "a;b"}, "ecs_task_role_tags", ["_.:/=+-@"]),
    ("tags", dict(("Tag%d" % index, "v") for index in range(48)), "ecs_task_role_tags", ["at most 50 tags"]),
    ("policies", [{"name": "grants-s3", "document": {}}], "ecs_task_role_policies[0].name", ["kept for policies rendered"]),
    ("policies", [{"name": "up loads", "document": {}}], "ecs_task_role_policies[0].name", ["1 to 128 characters"]),
    ("policies", [{"name": "a", "document": {}}, {"name": "a", "document": {}}], "ecs_task_role_policies", ["unique name"]),
    ("grants", [{"service": "s3", "access": ["fly"], "resources": ["b-1"]}], "ecs_task_role_grants[0].access[0]",
     ['ecs_task_role_grants[0].access[0]="fly": is not an access level s3 offers. Allowed: read, write']),
    # Issue 21, item 21: the path of the value, one error for a misspelt key, and "did you mean".
    ("grants", [{"service": "secretmanager", "access": ["read"], "resources": ["a/*"]}], "ecs_task_role_grants[0].service",
     ['ecs_task_role_grants[0].service="secretmanager": is not a service grants offer. Did you mean secretsmanager? Allowed:']),
    ("grants", [{"service": "sqs", "access": ["consume"], "resource": ["jobs"]}], "ecs_task_role_grants[0]",
     ['ecs_task_role_grants[0]="resource": has the key "resource", which is not a key of a sqs grant. Did you mean resources?']),
    ("grants", [{"service": "sqs", "acces": ["consume"], "resources": ["jobs"]}], "ecs_task_role_grants[0]",
     ['has the key "acces", which is not a key of a sqs grant. Did you mean access?']),
    ("grants", [{"servce": "sqs", "access": ["consume"], "resources": ["jobs"]}], "ecs_task_role_grants[0]",
     ['has the key "servce", which is not a key of a grant. Did you mean service?']),
    ("grants", [{"service": "sqs", "access": ["consum"], "resources": ["jobs"]}], "ecs_task_role_grants[0].access[0]",
     ['"consum": is not an access level sqs offers. Did you mean consume?']),
    ("grants", [{"service": "sqs", "access": ["consume"], "resources": ["jobs", 5]}], "ecs_task_role_grants[0].resources[1]",
     ["ecs_task_role_grants[0].resources[1]=5: is not a non-empty string (quote it)"]),
    ("grants", ["s3"], "ecs_task_role_grants", ["list of grant mappings"]),
    ("grant_exceptions", [{"code": "NOPE", "reason": "r"}], "ecs_task_role_grant_exceptions[0]", ["needs a code"]),
    ("validate_fail_on", "always", "ecs_task_role_validate_fail_on", ["error, warning, never"]),
    ("allow_any_account", "maybe", "ecs_task_role_allow_any_account", ["not a boolean"]),
    # Issue 21, item 13: an account id of another type, tag values YAML did not read as text.
    ("account_id", ["123456789012"], "ecs_task_role_account_id", ["must be a string of 12 digits (it is a list)"]),
    ("account_id", {"id": "123456789012"}, "ecs_task_role_account_id", ["must be a string of 12 digits (it is a mapping)"]),
    ("tags", {"Owner": None}, "ecs_task_role_tags.Owner", ["is null, not a string", 'would store it as "None"', "Quote it"]),
    ("tags", {"Flag": True}, "ecs_task_role_tags.Flag", ["is a boolean, not a string", 'would store it as "True"', 'Flag: "true"']),
    ("tags", {"Cost": 1.50}, "ecs_task_role_tags.Cost", ["is a number, not a string", 'would store it as "1.5"', "Quote it"]),
    ("tags", {"Count": 7}, "ecs_task_role_tags.Count", ["is an integer, not a string"]),
]


@pytest.mark.parametrize("key,value,field,words", TASK_ROWS, ids=["%s=%r" % (row[0], row[1])[:60] for row in TASK_ROWS])
def test_each_bad_task_role_input_is_refused_naming_the_field(key, value, field, words):
    problems = refused("ecs_task_role", task_inputs(**{key: value}), host="cerpac")
    assert [problem["field"] for problem in problems] == [field]
    for word in words:
        assert word in problems[0]["message"]
    assert format_problems("ecs_task_role", problems, "cerpac").startswith("host cerpac, ecs_task_role: 1 problem(s) in the inputs")


def test_every_problem_is_reported_at_once():
    problems = refused("ecs_task_role", task_inputs(path="apps", max_session_duration=1, tags={"aws:x": "y"}))
    assert [problem["field"] for problem in problems] == ["ecs_task_role_path", "ecs_task_role_max_session_duration", "ecs_task_role_tags"]


def test_the_account_is_required_unless_the_inventory_opts_out():
    declaration = ok("ecs_task_role", task_inputs(account_id="", allow_any_account=True))
    assert declaration["needs_account"] is True and declaration["account_id"] == "000000000000"
    declaration = ok("ecs_task_role", task_inputs(account_id="", allow_any_account=True), caller_account_id="210987654321")
    assert declaration["needs_account"] is False
    assert declaration["role_arn"] == "arn:aws:iam::210987654321:role/staging-cerpac-ecs-task-role"


def test_render_needs_the_account_even_when_opted_out():
    problems = refused("ecs_task_role", task_inputs(account_id="", allow_any_account=True), render=True)
    assert [problem["field"] for problem in problems] == ["ecs_task_role_account_id"]
    assert "rendering fills ARNs without asking AWS" in problems[0]["message"]


@pytest.mark.parametrize("value, expected", [("true", True), ("True", True), ("yes", True), ("false", False), ("no", False), (True, True)])
def test_a_boolean_given_as_a_string_by_extra_vars_is_accepted(value, expected):
    """-e ecs_task_role_allow_any_account=true gives the string "true": accepted as the argument spec's type bool does."""
    declaration = ok("ecs_task_role", task_inputs(account_id="", allow_any_account=value)) if expected else None
    if expected:
        assert declaration["needs_account"] is True
    else:
        assert [p["field"] for p in refused("ecs_task_role", task_inputs(account_id="", allow_any_account=value))] == ["ecs_task_role_account_id"]


@pytest.mark.parametrize("variable, words", [
    ("ecs_deployer_passrole_rolename", ["is not an input of cerpac.ecs_iam.ecs_deployer_passrole", "Did you mean ecs_deployer_passrole_role_name?"]),
    ("ecs_iam_deploy_execution_rol", ["is not a variable of cerpac.ecs_iam's playbooks", "Did you mean ecs_iam_deploy_execution_role?"]),
    ("ecs_task_execution_role_secret", ["is not an input of cerpac.ecs_iam.ecs_task_execution_role",
                                        "Did you mean ecs_task_execution_role_secrets?"]),
    ("ecs_iam_zzzz", ["the names under ecs_iam_ are ecs_iam_deploy_execution_role, ecs_iam_env"]),
])
def test_unknown_variables_of_every_prefix_the_collection_owns_are_refused(variable, words):
    known = sorted(task_inputs())
    others = {"ecs_deployer_passrole_": sorted(passrole_inputs()), "ecs_task_execution_role_": sorted(execution_inputs()),
              "ecs_iam_": ["ecs_iam_deploy_execution_role", "ecs_iam_env"]}
    problems = refused("ecs_task_role", task_inputs(), variables=known + sorted(others["ecs_iam_"]) + [variable],
                       known_variables=known, other_prefixes=others)
    assert [problem["field"] for problem in problems] == [variable]
    for word in words:
        assert word in problems[0]["message"]


def test_unknown_variables_are_refused():
    known = sorted(task_inputs())
    problems = refused("ecs_task_role", task_inputs(), variables=known + ["ecs_task_role_acount_id", "ecs_task_role_outputs"], known_variables=known)
    assert [problem["field"] for problem in problems] == ["ecs_task_role_acount_id"]
    assert "is not an input of cerpac.ecs_iam.ecs_task_role" in problems[0]["message"]
    assert "ecs_task_role_account_id" in problems[0]["message"]


@pytest.mark.parametrize("prefix,variables,known,unknown", [
    ("ecs_task_role_", ["ecs_task_role_env", "ecs_task_role_secrets", "other"], ["ecs_task_role_env"], ["ecs_task_role_secrets"]),
    ("ecs_task_execution_role_", ["ecs_task_execution_role_secret"], ["ecs_task_execution_role_secrets"], ["ecs_task_execution_role_secret"]),
    ("ecs_task_role_", [], ["ecs_task_role_env"], []),
])
def test_unknown_variables(prefix, variables, known, unknown):
    assert unknown_variables(prefix, variables, known) == unknown


# --- The task execution role -------------------------------------------------------------------------------------

def test_an_execution_role():
    declaration = ok("ecs_task_execution_role", execution_inputs(secrets=["staging/cerpac/*"], region="cn-north-1",
                                                                 source_regions=["cn-north-1"]))
    assert declaration["managed_policy_arns"] == ["arn:aws-cn:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
    assert [policy["name"] for policy in declaration["inline_policies"]] == ["ecs-startup-secrets"]
    assert declaration["inline_policies"][0]["document"]["Statement"][0]["Resource"] == [
        "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:staging/cerpac/*"]
    assert declaration["startup"] == {"secrets": ["staging/cerpac/*"], "parameters": [], "kms_keys": [], "policy": "ecs-startup-secrets"}
    assert declaration["tags"]["Module"] == "ecs_task_execution_role"


def test_an_execution_role_with_nothing_to_inject_has_no_inline_policy():
    declaration = ok("ecs_task_execution_role", execution_inputs())
    assert declaration["inline_policies"] == [] and declaration["startup"]["policy"] is None


EXECUTION_ROWS = [
    ("secrets", ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"], "ecs_task_execution_role_secrets[0]", ["not ARNs"]),
    ("secrets", ["staging/*/db"], "ecs_task_execution_role_secrets[0]", ["no other wildcard"]),
    ("parameters", ["/cerpac/*/db"], "ecs_task_execution_role_parameters[0]", ["no other wildcard"]),
    # with a secret to decrypt, so that the alias is the one problem (keys without secrets are their own problem)
    ("kms_keys", ["alias/aws/secretsmanager"], "ecs_task_execution_role_kms_keys[0]", ["not aliases"], {"secrets": ["staging/cerpac/*"]}),
    ("kms_keys", ["1234abcd-12ab-34cd-56ef-1234567890ab"], "ecs_task_execution_role_kms_keys", ["at least one secret or parameter"]),
    ("policies", [{"name": "ecs-startup-secrets", "document": {}}], "ecs_task_execution_role_policies[0].name", ["is kept for the policy"]),
    ("env", "", "ecs_task_execution_role_env", ["lowercase letters"]),
]


@pytest.mark.parametrize("key,value,field,words,other_inputs", [row if len(row) == 5 else row + ({},) for row in EXECUTION_ROWS],
                         ids=["%s=%r" % (row[0], row[1])[:60] for row in EXECUTION_ROWS])
def test_each_bad_execution_role_input_is_refused_naming_the_field(key, value, field, words, other_inputs):
    problems = refused("ecs_task_execution_role", execution_inputs(**dict(other_inputs, **{key: value})), host="cerpac")
    assert [problem["field"] for problem in problems] == [field]
    for word in words:
        assert word in problems[0]["message"]
    assert format_problems("ecs_task_execution_role", problems, "cerpac").startswith(
        "host cerpac, ecs_task_execution_role: 1 problem(s) in the inputs")


def test_kms_keys_need_a_secret_or_a_parameter():
    problems = refused("ecs_task_execution_role", execution_inputs(kms_keys=["1234abcd-12ab-34cd-56ef-1234567890ab"]))
    assert [problem["field"] for problem in problems] == ["ecs_task_execution_role_kms_keys"]


def test_the_execution_role_stays_in_the_inventory_environment():
    problems = refused("ecs_task_execution_role", execution_inputs(env="production", name="production-cerpac-ecs-task-execution-role"),
                       environment="staging")
    assert [problem["field"] for problem in problems] == ["ecs_task_execution_role_env"]
    assert "differs from the environment this inventory deploys (\"staging\")" in problems[0]["message"]
    assert ok("ecs_task_execution_role", execution_inputs(), environment="staging")["environment"] == "staging"


# --- The deployer's PassRole policy ------------------------------------------------------------------------------

def test_passrole_for_an_environment_path_and_an_explicit_role():
    declaration = ok("ecs_deployer_passrole", passrole_inputs(
        role_arns=["arn:aws:iam::123456789012:role/legacy-api-task"], role_name="deployer"),
        required_role_arns=["arn:aws:iam::123456789012:role/ecs/staging/staging-api-ecs-task-role"])
    assert declaration["document"] == {"Version": "2012-10-17", "Statement": [{
        "Sid": "PassEcsTaskRolesToEcsTasksOnly", "Effect": "Allow", "Action": "iam:PassRole",
        "Resource": ["arn:aws:iam::123456789012:role/ecs/staging/*", "arn:aws:iam::123456789012:role/legacy-api-task"],
        "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
    }]}
    assert declaration["deployer"] == {"type": "role", "name": "deployer"}


def test_passrole_refuses_a_role_it_does_not_cover():
    problems = refused("ecs_deployer_passrole", passrole_inputs(), required_role_arns=["arn:aws:iam::123456789012:role/staging-api-ecs-task-role"])
    assert [problem["field"] for problem in problems] == ["ecs_deployer_passrole_required_role_arns[0]"]
    assert "does not cover" in problems[0]["message"]


PASSROLE_ROWS = [
    ({"role_paths": ["/"]}, "ecs_deployer_passrole_role_paths[0]", ["every role of the account"]),
    ({"role_paths": [], "role_arns": ["arn:aws:iam::123456789012:role/staging-*"]}, "ecs_deployer_passrole_role_arns", ["without wildcards"]),
    ({"role_paths": [], "role_arns": []}, "ecs_deployer_passrole_role_arns", ["names no role"]),
    ({"role_paths": [], "role_arns": ["arn:aws:iam::210987654321:role/x"], "role_name": "deployer"}, "ecs_deployer_passrole_role_arns",
     ["another account"]),
    ({"role_name": "deployer", "user_name": "deployer"}, "ecs_deployer_passrole_role_name", ["not both"]),
    ({"user_name": "deploy/er"}, "ecs_deployer_passrole_user_name", ["+=,.@_-"]),
    ({"policy_name": ""}, "ecs_deployer_passrole_policy_name", ["1 to 128 characters"]),
    ({"account_id": ""}, "ecs_deployer_passrole_account_id", ["is empty"]),
]


@pytest.mark.parametrize("changes,field,words", PASSROLE_ROWS, ids=[repr(row[0])[:60] for row in PASSROLE_ROWS])
def test_each_bad_passrole_input_is_refused_naming_the_field(changes, field, words):
    problems = refused("ecs_deployer_passrole", passrole_inputs(**changes))
    assert [problem["field"] for problem in problems] == [field]
    for word in words:
        assert word in problems[0]["message"]


def test_passrole_absent_needs_no_role():
    declaration = ok("ecs_deployer_passrole", passrole_inputs(state="absent", role_paths=[], role_name="deployer"))
    assert declaration["document"] is None and declaration["resources"] == []


def test_inputs_are_not_changed():
    inputs = task_inputs(grants=[{"service": "s3", "access": ["read"], "resources": ["b-1"]}])
    before = copy.deepcopy(inputs)
    ok("ecs_task_role", inputs)
    assert inputs == before


# --- Issue 18.3: account-wide and cross-account grants, with the role's account and the application's prefix ---------

def _doc(action, resource):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}


@pytest.mark.parametrize("role,inputs,blocking,open_codes", [
    ("ecs_task_role", task_inputs(grants=[{"service": "secretsmanager", "access": ["read"], "resources": ["staging/cerpac/*"]}]), [], []),
    ("ecs_task_role", task_inputs(policies=[{"name": "all-secrets",
                                             "document": _doc("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:%s:secret:*" % ACCOUNT)}]),
     [("ecs_task_role_policies", "ACCOUNT_WIDE")], []),
    ("ecs_task_role", task_inputs(policies=[{"name": "scan", "document": _doc("dynamodb:Scan", "arn:aws:dynamodb:eu-west-1:%s:table/*" % ACCOUNT)}]),
     [("ecs_task_role_policies", "ACCOUNT_WIDE")], []),
    ("ecs_task_execution_role", execution_inputs(policies=[{"name": "params", "document": _doc(
        "ssm:GetParameters", "arn:aws:ssm:eu-west-1:%s:parameter/*" % ACCOUNT)}]), [("ecs_task_execution_role_policies", "ACCOUNT_WIDE")], []),
    # an intent into another account: a warning, which does not block under fail_on: error
    ("ecs_task_role", task_inputs(grants=[{"service": "sqs", "access": ["send"], "resources": ["reports"], "account_id": "999999999999"}]),
     [], ["CROSS_ACCOUNT"]),
    ("ecs_task_role", task_inputs(policies=[{"name": "assume", "document": _doc("sts:AssumeRole", "arn:aws:iam::999999999999:role/reporting")}]),
     [], ["CROSS_ACCOUNT"]),
    ("ecs_task_role", task_inputs(validate_fail_on="warning", policies=[{"name": "assume", "document": _doc(
        "sts:AssumeRole", "arn:aws:iam::999999999999:role/reporting")}]), [("ecs_task_role_policies", "CROSS_ACCOUNT")], []),
    ("ecs_task_role", task_inputs(policies=[{"name": "assume", "document": _doc("sts:AssumeRole", "arn:aws:iam::999999999999:role/reporting")}],
                                  grant_exceptions=[{"code": "CROSS_ACCOUNT", "resource": "arn:aws:iam::999999999999:role/*",
                                                     "reason": "reports are written by the reporting account (OPS-7)"}]), [], []),
], ids=["prefix-ok", "secret-star", "table-star", "execution-parameter-star", "intent-account-id", "assume-role", "warning-blocks-with-fail-on",
        "accepted"])
def test_account_wide_is_an_error_and_cross_account_a_warning(role, inputs, blocking, open_codes):
    declaration, problems = declare(role, inputs, {})
    assert [(problem["field"], problem["finding"]["code"]) for problem in problems] == blocking
    if not blocking:
        assert [finding["code"] for finding in declaration["open_findings"]] == open_codes


def test_account_wide_fix_names_the_applications_prefix_and_cross_account_names_the_account():
    problems = refused("ecs_task_role", task_inputs(policies=[{"name": "all-secrets", "document": _doc(
        "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:%s:secret:*" % ACCOUNT)}]))
    assert "e.g. arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging-cerpac-* " in problems[0]["message"]
    assume = _doc("sts:AssumeRole", "arn:aws:iam::999999999999:role/reporting")
    declaration = ok("ecs_task_role", task_inputs(policies=[{"name": "assume", "document": assume}]))
    [finding] = declaration["open_findings"]
    assert (finding["severity"], finding["resource"]) == ("warning", "arn:aws:iam::999999999999:role/reporting")
    assert finding["message"].startswith("arn:aws:iam::999999999999:role/reporting is in account 999999999999, not the role's account 123456789012")
    accepted = ok("ecs_task_role", task_inputs(policies=[{"name": "assume", "document": _doc("sts:AssumeRole", "arn:aws:iam::999999999999:role/r")}],
                                               grant_exceptions=[{"code": "CROSS_ACCOUNT", "reason": "OPS-7"}]))
    assert [(f["code"], f["reason"]) for f in accepted["accepted_findings"]] == [("CROSS_ACCOUNT", "OPS-7")] and accepted["open_findings"] == []


def test_cross_account_waits_for_the_account_when_it_is_not_declared():
    """With allow_any_account and no caller account yet, the placeholder account is no account to compare with."""
    inputs = task_inputs(account_id="", allow_any_account=True,
                         policies=[{"name": "q", "document": _doc("sqs:SendMessage", "arn:aws:sqs:eu-west-1:999999999999:jobs")}])
    assert ok("ecs_task_role", inputs)["open_findings"] == []
    assert [f["code"] for f in ok("ecs_task_role", inputs, caller_account_id=ACCOUNT)["open_findings"]] == ["CROSS_ACCOUNT"]


class _AnsibleTaggedInt(int):
    """What ansible-core 2.19+ hands a role for an integer read from YAML (a subclass with an internal name)."""


def test_messages_say_what_a_value_is_in_a_users_words_not_an_internal_type_name():
    policies = [{"name": "hand", "document": {"Version": "2012-10-17", "Statement": [_AnsibleTaggedInt(5)]}}]
    problems = refused("ecs_task_role", task_inputs(policies=policies))
    assert [problem["field"] for problem in problems] == ["ecs_task_role_policies"]
    assert "statement 0 is an integer, not an object" in problems[0]["message"]
    assert "Tagged" not in problems[0]["message"]


# --- The execution role's scoped pull and log policy (issue 18, item 2) ------------------------------------------

EXECUTION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
SCOPED_ROWS = [
    # repositories, log groups, managed policies, {policy: {Sid: Resource}}
    (["cerpac"], ["/ecs/staging/cerpac"], [], {
        "grants-ecr": {"EcrPullRepositories0": ["arn:aws:ecr:eu-west-1:123456789012:repository/cerpac"], "EcrPullAuthToken": ["*"]},
        "grants-logs": {"LogsWriteStreams1": ["arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/staging/cerpac:log-stream:*"]}}),
    (["cerpac/api", "arn:aws:ecr:us-east-1:999999999999:repository/base/python", "arn:aws:ecr:eu-west-1:123456789012:repository/cerpac/web"],
     ["/ecs/staging/api", "/ecs/staging/web"], [], {
         "grants-ecr": {"EcrPullRepositories0": ["arn:aws:ecr:eu-west-1:123456789012:repository/cerpac/api",
                                                 "arn:aws:ecr:eu-west-1:123456789012:repository/cerpac/web"],
                        "EcrPullRepositories1": ["arn:aws:ecr:us-east-1:999999999999:repository/base/python"],
                        "EcrPullAuthToken": ["*"]},
         "grants-logs": {"LogsWriteStreams2": ["arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/staging/api:log-stream:*",
                                               "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/staging/web:log-stream:*"]}}),
    ([], [], [EXECUTION_POLICY_ARN], {}),
]


@pytest.mark.parametrize("repositories,log_groups,managed,policies", SCOPED_ROWS)
def test_the_execution_role_is_scoped_when_it_names_repositories_and_log_groups(repositories, log_groups, managed, policies):
    declaration = ok("ecs_task_execution_role", execution_inputs(image_repositories=repositories, log_groups=log_groups))
    assert declaration["managed_policy_arns"] == managed
    rendered = dict((policy["name"], dict((statement["Sid"], statement["Resource"]) for statement in policy["document"]["Statement"]))
                    for policy in declaration["inline_policies"])
    assert rendered == policies
    assert declaration["execution"]["scoped"] is bool(policies)
    # Unscoped: the AWS managed policy is accepted with the built-in reason that says how to scope it; scoped: nothing accepted.
    accepted = [(finding["code"], finding["action"], finding["policy"]) for finding in declaration["accepted_findings"]]
    assert accepted == ([] if policies else [("RESOURCE_STAR", action, EXECUTION_POLICY_ARN) for action in (
        "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "logs:CreateLogStream", "logs:PutLogEvents")])
    assert all("ecs_task_execution_role_image_repositories" in finding["reason"] for finding in declaration["accepted_findings"])


BAD_SCOPE_ROWS = [
    ({"image_repositories": ["cerpac"]}, "ecs_task_execution_role_log_groups",
     ["is empty while ecs_task_execution_role_image_repositories", "or neither"]),
    ({"log_groups": ["/ecs/staging/cerpac"]}, "ecs_task_execution_role_image_repositories", ["could not pull the image"]),
    ({"image_repositories": ["cerpac/*"], "log_groups": ["/ecs/staging/cerpac"]}, "ecs_task_execution_role_image_repositories[0]",
     ["not an ECR repository name", "no wildcard"]),
    ({"image_repositories": ["Cerpac"], "log_groups": ["/ecs/staging/cerpac"]}, "ecs_task_execution_role_image_repositories[0]",
     ["lower case"]),
    ({"image_repositories": ["arn:aws-cn:ecr:cn-north-1:123456789012:repository/cerpac"], "log_groups": ["/ecs/staging/cerpac"]},
     "ecs_task_execution_role_image_repositories[0]", ["is in partition aws-cn, the role in aws"]),
    ({"image_repositories": ["cerpac", "cerpac"], "log_groups": ["/ecs/staging/cerpac"]}, "ecs_task_execution_role_image_repositories[1]",
     ["listed twice"]),
    ({"image_repositories": ["cerpac"], "log_groups": ["/ecs/staging/*"]}, "ecs_task_execution_role_log_groups[0]", ["not a log group name"]),
    ({"image_repositories": ["cerpac"], "log_groups": ["/ecs/production/cerpac"]}, "ecs_task_execution_role_log_groups",
     ["CROSS_ENVIRONMENT"]),
    ({"image_repositories": "cerpac", "log_groups": ["/ecs/staging/cerpac"]}, "ecs_task_execution_role_image_repositories", ["must be a list"]),
    ({"policies": [{"name": "grants-ecr", "document": {}}]}, "ecs_task_execution_role_policies[0].name", ["names starting with grants-"]),
]


@pytest.mark.parametrize("changes,field,words", BAD_SCOPE_ROWS, ids=[row[1] + ":" + str(list(row[0].values())[0])[:30] for row in BAD_SCOPE_ROWS])
def test_bad_repositories_and_log_groups_are_refused_naming_the_field(changes, field, words):
    problems = refused("ecs_task_execution_role", execution_inputs(**changes))
    assert field in [problem["field"] for problem in problems], problems
    message = [problem["message"] for problem in problems if problem["field"] == field][0]
    for word in words:
        assert word in message, message
