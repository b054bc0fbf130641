"""The bad-input matrix: every public input of every role, on every entry point, given bad values, in one playbook run.

Each row must be refused with a message that names the field and what it accepts, and before any AWS call.
All rows run in one ansible-playbook: each row is a host of a generated inventory whose variables are the row's
inputs; every host runs its role's entry point (or validate_grants) in a block/rescue and keeps its outcome, and the
moto recorder proves that the whole run called nothing (every input is checked by declare_role on the controller
before the first AWS call, and the account is given, so there is not even the caller-identity read).
The options of each role are read from its meta/argument_specs.yml: an input without a row fails
test_every_public_input_has_a_bad_input_row, and an input an entry point adds fails
test_every_other_entry_point_input_has_a_bad_input_row, so a new input cannot arrive without one.
Deploy-level refusal (one bad application stops the whole fleet) is the fleet tests' to prove, through deploy.yml.
"""

import dataclasses
import json
import pathlib

import pytest
import yaml

from tests.support.reliability import ANSIBLE_PLAYBOOK, playbook_env, run_playbook

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
OMIT = object()  # a row's value that removes the input instead of setting it
ROLES = ["ecs_task_role", "ecs_task_execution_role", "ecs_deployer_passrole"]


def argument_specs(role):
    return yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]


def options_of(role, entry_point="main"):
    return argument_specs(role)[entry_point]["options"]


# A valid call of each role that makes no AWS call when the role stops in its checks (the account is given, so no
# caller-identity read; the PassRole role names no deployer).
BASE = {
    "ecs_task_role": {
        "ecs_task_role_env": "staging",
        "ecs_task_role_project_id": "cerpac",
        "ecs_task_role_account_id": ACCOUNT,
        "ecs_task_role_region": "eu-west-1",
    },
    "ecs_task_execution_role": {
        "ecs_task_execution_role_env": "staging",
        "ecs_task_execution_role_project_id": "cerpac",
        "ecs_task_execution_role_account_id": ACCOUNT,
        "ecs_task_execution_role_region": "eu-west-1",
    },
    "ecs_deployer_passrole": {
        "ecs_deployer_passrole_role_arns": [f"arn:aws:iam::{ACCOUNT}:role/staging-cerpac-ecs-task-role"],
        "ecs_deployer_passrole_region": "eu-west-1",
    },
}

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::staging-cerpac-uploads/*"}]}
S3_GRANT = {"service": "s3", "access": ["read"], "resources": ["staging-cerpac-uploads"]}
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/staging-cerpac-ecs-task-role"
LOWERCASE = "lowercase letters, digits and single hyphens"
IAM_NAME = "+=,.@_-"
ARN_EXAMPLE = "arn:aws:iam::123456789012:policy/name"
A_REGION = "give a region name such as eu-west-1"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
UNCOVERED = [f"arn:aws:iam::{ACCOUNT}:role/ecs/production/production-cerpac-ecs-task-role"]


def grant(**changes):
    return [{**S3_GRANT, **changes}]


# The format rows: option -> [(bad value, words the message must contain besides the option's name)].
# Wrong types are added for every option from its declared type (type_rows); these rows are the formats, limits,
# unknown keys, empty lists and cross-field rules that a type cannot express.
FORMAT_ROWS = {
    "ecs_task_role": {
        "ecs_task_role_env": [
            (OMIT, ["missing required arguments"]),
            ("", [LOWERCASE]),
            ("Staging", [LOWERCASE]),
            ("staging-", [LOWERCASE]),
        ],
        "ecs_task_role_project_id": [("Cerpac", [LOWERCASE]), ("cer pac", [LOWERCASE])],
        "ecs_task_role_name": [
            ("", ["1 to 64 characters"]),
            ("staging-" + "x" * 57, ["(65 characters)", "1 to 64 characters"]),
            ("staging-cerpac task", [IAM_NAME]),
            ("cerpac-ecs-task-role", ['must start with "staging-"']),
        ],
        "ecs_task_role_state": [("Present", ["present, absent"]), ("", ["present, absent"])],
        "ecs_task_role_account_id": [
            (12345678901, ["is a number", "12 digits", "quote it"]),  # 012345678901 unquoted in YAML
            ("1234567890123", ["12 digits"]),
            ("12345678901a", ["12 digits"]),
            # Required unless the inventory opts out, naming the opt-out (issue 10 item 5).
            ("", ["is empty", "whatever account the credentials reach", "ecs_task_role_allow_any_account: true"]),
        ],
        "ecs_task_role_region": [("", [A_REGION]), ("EU-WEST-1", [A_REGION]), ("eu-west", [A_REGION]), ("xx-west-1", [A_REGION])],
        "ecs_task_role_source_regions": [
            ([], ["is empty", "at least one region"]),
            (["eu-west"], ["ecs_task_role_source_regions[0]", "not an AWS region name", "eu-west-1"]),
            (["eu-west-1", "cn-north-1"], ["ecs_task_role_source_regions[1]", "is in partition aws-cn, the role in aws"]),
            (["eu-west-1", "eu-west-1"], ["lists a region twice"]),
        ],
        "ecs_task_role_grants": [
            (grant(service="s4"), ["grants[0]", "service", "s3", "dynamodb"]),
            (grant(access=["admin"]), ["grants[0].access[0]=\"admin\"", "read, write, delete, list"]),
            (grant(access=[]), ["grants[0].access=[]", "read"]),
            (grant(resources=[]), ["grants[0].resources=[]", "must be a non-empty list of bucket names"]),
            (grant(resources=["arn:aws:s3:::staging-cerpac-uploads"]), ["grants[0].resources[0]", "is an ARN", "bucket name"]),
            (grant(resources=["staging-" + "x" * 60]), ["grants[0].resources[0]", "63"]),
            (grant(bucket="x"), ['grants[0]="bucket": has the key "bucket"', "prefix"]),
            # A misspelt key is one error, on that key, with the key it stands for (issue 21, item 21).
            ([{"service": "s3", "access": ["read"], "resource": ["x"]}], ['has the key "resource"', "Did you mean resources?"]),
            (grant(service="secretmanager"), ['grants[0].service="secretmanager"', "Did you mean secretsmanager?"]),
            ([S3_GRANT, {"access": ["read"], "resources": ["x"]}], ["grants[1]", "service"]),
            (["s3"], ["unable to convert to dict"]),
            (grant(resources=["production-cerpac-uploads"]), ["CROSS_ENVIRONMENT", "production"]),
        ],
        "ecs_task_role_policies": [
            ([{"document": POLICY}], ["missing required arguments: name"]),
            ([{"name": "uploads"}], ["missing required arguments: document"]),
            ([{"name": "uploads", "document": POLICY, "documents": POLICY}], ["documents", "document, name"]),
            ([{"name": "uploads", "document": "{not json"}], ["policy uploads", "MALFORMED_JSON", "not valid JSON"]),
            ([{"name": "uploads", "document": {"Version": "2012-10-17"}}], ["policy uploads", "MALFORMED", "Statement"]),
            ([{"name": "uploads", "document": []}], ["policy uploads", "MALFORMED", "JSON object"]),
            ([{"name": "uploads", "document": {**POLICY, "Statement": [{**POLICY["Statement"][0], "Resource": "*"}]}}],
             ["policy uploads", "RESOURCE_STAR"]),
            ([{"name": "x" * 129, "document": POLICY}], ["1 to 128 characters"]),
            ([{"name": "up loads", "document": POLICY}], ["ecs_task_role_policies[0].name", "1 to 128 characters", IAM_NAME]),
            ([{"name": "grants-s3", "document": POLICY}], ["ecs_task_role_policies[0].name", "kept for policies rendered from ecs_task_role_grants"]),
            ([{"name": "uploads", "document": POLICY}, {"name": "uploads", "document": POLICY}], ["unique name"]),
        ],
        "ecs_task_role_grant_exceptions": [
            ([{"code": "RESOURCE_STAR"}], ["missing required arguments: reason"]),
            ([{"code": "NOPE", "reason": "r"}], ["RESOURCE_STAR", "CROSS_ENVIRONMENT"]),
            ([{"code": "RESOURCE_STAR", "reason": "r", "resorce": "*"}], ["resorce", "action, code, policy, reason, resource, sid"]),
            ([{"code": "RESOURCE_STAR", "reason": " "}], ["ecs_task_role_grant_exceptions[0]", "needs a code", "and a reason"]),
        ],
        "ecs_task_role_validate_fail_on": [("always", ["error, warning, never"])],
        "ecs_task_role_other_environments": [
            (["production", ""], [LOWERCASE]),
            (["production, prod"], [LOWERCASE, "one name per item"]),
            ("production", ["a list of environment names"]),
        ],
        "ecs_task_role_managed_policy_arns": [
            (["AWSXrayWriteOnlyAccess"], [ARN_EXAMPLE]),
            (["arn:aws:iam::aws:role/x"], [ARN_EXAMPLE]),
        ],
        "ecs_task_role_tags": [
            ({"aws:owner": "x"}, ["may not start with aws:"]),
            ({"k" * 129: "v"}, ["1 to 128"]),
            ({"Owner": "v" * 257}, ["0 to 256"]),
            ({"Owner": "a;b"}, ["_.:/=+-@"]),
            ({f"Tag{i}": "v" for i in range(48)}, ["at most 50 tags"]),
            ({"Environment": "production"}, ["cannot be given other values"]),
        ],
        "ecs_task_role_path": [("apps", ["start and end with /"]), ("/apps", ["start and end with /"])],
        "ecs_task_role_description": [("x" * 1001, ["(1001 characters)", "at most 1000"]), ("tab\u0001", ["at most 1000"])],
        "ecs_task_role_max_session_duration": [(43201, ["3600 to 43200"]), (0, ["3600 to 43200"])],
        "ecs_task_role_permissions_boundary": [("AWSXray", [ARN_EXAMPLE]), ("arn:aws:iam::aws:role/x", [ARN_EXAMPLE])],
    },
    "ecs_task_execution_role": {
        "ecs_task_execution_role_env": [("", [LOWERCASE]), ("Staging", [LOWERCASE])],
        "ecs_task_execution_role_project_id": [("", [LOWERCASE]), ("cer_pac", [LOWERCASE])],
        "ecs_task_execution_role_name": [
            ("", ["1 to 64"]),
            ("staging-" + "x" * 57, ["(65 characters)", "1 to 64"]),
            ("cerpac-ecs-task-execution-role", ['must start with "staging-"']),
        ],
        "ecs_task_execution_role_state": [("gone", ["present, absent"])],
        "ecs_task_execution_role_account_id": [
            ("12345", ["12 digits"]),
            (12345678901, ["is a number", "quote it"]),
            ("", ["is empty", "ecs_task_execution_role_allow_any_account: true"]),
        ],
        "ecs_task_execution_role_region": [("", [A_REGION]), ("west", [A_REGION])],
        "ecs_task_execution_role_source_regions": [
            ([], ["is empty"]),
            (["eu-west-1", "us-gov-west-1"], ["ecs_task_execution_role_source_regions[1]", "is in partition aws-us-gov, the role in aws"]),
        ],
        "ecs_task_execution_role_secrets": [
            (["arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/cerpac/db"],
             ["ecs_task_execution_role_secrets[0]", "not ARNs", "staging/cerpac/*"]),
            (["staging/*/db"], ["no other wildcard"]),
            (["*"], ["no other wildcard"]),
            (["production/cerpac/*"], ["CROSS_ENVIRONMENT", "production/cerpac"]),
        ],
        "ecs_task_execution_role_parameters": [
            (["/cerpac/*/db"], ["ecs_task_execution_role_parameters[0]", "no other wildcard"]),
            (["/cerpac staging"], ["/cerpac/staging/*"]),
        ],
        "ecs_task_execution_role_image_repositories": [
            (["cerpac/*"], ["ecs_task_execution_role_image_repositories[0]", "not an ECR repository name", "no wildcard"]),
            (["arn:aws-cn:ecr:cn-north-1:123456789012:repository/cerpac"], ["is in partition aws-cn, the role in aws"]),
        ],
        "ecs_task_execution_role_log_groups": [
            (["/ecs/staging/*"], ["ecs_task_execution_role_log_groups[0]", "not a log group name"]),
        ],
        "ecs_task_execution_role_kms_keys": [
            (["alias/aws/secretsmanager"], ["ecs_task_execution_role_kms_keys[0]", "not aliases"]),
            ([KEY_ID], ["only make sense with at least one secret"]),
        ],
        "ecs_task_execution_role_policies": [
            ([{"document": POLICY}], ["missing required arguments: name"]),
            ([{"name": "x", "document": "{not json"}], ["MALFORMED_JSON"]),
            ([{"name": "ecs-startup-secrets", "document": POLICY}], ["ecs_task_execution_role_policies[0].name", "is kept for the policy rendered"]),
            ([{"name": "x" * 129, "document": POLICY}], ["1 to 128"]),
        ],
        "ecs_task_execution_role_grant_exceptions": [
            ([{"code": "RESOURCE_STAR"}], ["missing required arguments: reason"]),
            ([{"code": "NOPE", "reason": "r"}], ["RESOURCE_STAR", "CROSS_ENVIRONMENT"]),
        ],
        "ecs_task_execution_role_validate_fail_on": [("always", ["error, warning, never"])],
        "ecs_task_execution_role_other_environments": [(["production", ""], [LOWERCASE])],
        "ecs_task_execution_role_managed_policy_arns": [(["AmazonECSTaskExecutionRolePolicy"], [ARN_EXAMPLE])],
        "ecs_task_execution_role_tags": [({"ManagedBy": "Terraform"}, ["cannot be given other values"]), ({"aws:x": "y"}, ["aws:"])],
        "ecs_task_execution_role_path": [("apps/", ["start and end with /"])],
        "ecs_task_execution_role_description": [("x" * 1001, ["at most 1000"])],
        "ecs_task_execution_role_max_session_duration": [(100000, ["3600 to 43200"])],
        "ecs_task_execution_role_permissions_boundary": [("boundary", [ARN_EXAMPLE])],
    },
    "ecs_deployer_passrole": {
        "ecs_deployer_passrole_role_arns": [
            (OMIT, ["names no role"]),
            ([], ["names no role", "ecs_deployer_passrole_role_paths"]),
            ([f"arn:aws:iam::{ACCOUNT}:role/staging-*"], ["without wildcards"]),
            (["staging-cerpac-ecs-task-role"], ["without wildcards", ROLE_ARN]),
            ([f"arn:aws:iam::{ACCOUNT}:user/deployer"], ["without wildcards"]),
            ([ROLE_ARN, "arn:aws-cn:iam::123456789012:role/staging-cerpac-ecs-task-role"], ["another partition than aws"]),
        ],
        "ecs_deployer_passrole_role_paths": [
            (["/"], ["ecs_deployer_passrole_role_paths[0]", "every role of the account", "/ecs/staging/"]),
            (["ecs/staging"], ["ecs_deployer_passrole_role_paths[0]", "starting and ending with /"]),
        ],
        "ecs_deployer_passrole_role_name": [("deploy er", [IAM_NAME]), ("d" * 65, ["1 to 64"])],
        "ecs_deployer_passrole_user_name": [("deploy/er", [IAM_NAME]), ("d" * 65, ["1 to 64"])],
        "ecs_deployer_passrole_policy_name": [("", ["1 to 128"]), ("p" * 129, ["1 to 128"])],
        "ecs_deployer_passrole_state": [("gone", ["present, absent"])],
        "ecs_deployer_passrole_account_id": [
            ("", ["is empty", "ecs_deployer_passrole_allow_any_account: true"]),
            ("12345", ["12 digits"]),
        ],
        "ecs_deployer_passrole_required_role_arns": [(UNCOVERED, ["does not cover", "ecs_deployer_passrole_role_paths", "ecs_deployer_passrole_role_arns"])],
        "ecs_deployer_passrole_region": [("", [A_REGION]), ("europe", [A_REGION])],
    },
}
# Inputs added to every row of a field, where the field only matters together with another input.
CONTEXT = {
    # The region and the account are used only when a deployer is named or paths are given (else the ARNs say all).
    "ecs_deployer_passrole_region": {"ecs_deployer_passrole_user_name": "deployer", "ecs_deployer_passrole_account_id": ACCOUNT},
    "ecs_deployer_passrole_account_id": {"ecs_deployer_passrole_user_name": "deployer"},
}


@dataclasses.dataclass
class Row:
    """One host of the run: `changes` on the role's base inputs, through `entry_point`; the message must name `field`
    and contain `words`."""

    role: str
    field: str
    changes: dict
    words: list
    entry_point: str = "main"

    @property
    def inputs(self):
        inputs = {**BASE.get(self.role, {}), **CONTEXT.get(self.field, {})}
        for key, value in self.changes.items():
            if value is OMIT:
                inputs.pop(key, None)
            else:
                inputs[key] = value
        return inputs

    def __str__(self):
        shown = ", ".join(f"{key}={'<unset>' if value is OMIT else json.dumps(value)[:80]}" for key, value in self.changes.items())
        return f"{self.role}/{self.entry_point}: {shown}"


def field_row(role, field, value, words, entry_point="main"):
    return Row(role, field, {field: value}, words, entry_point)


# A value of the wrong type for each declared type, and the word the message must then contain: the
# argument-spec validation names the type; declare_role, for a str given another type, the format.
WRONG_TYPE = {
    "str": ({"a": 1}, None),
    "int": ("many", "int"),
    "bool": ("maybe", "bool"),
    "list": ({"a": 1}, "list"),
    "dict": (["a"], "dict"),
    "path": ({"a": 1}, None),
}
# Inputs whose declared type is their whole format: any value of that type is good.
TYPE_IS_THE_FORMAT = {
    "ecs_task_role_source_conditions", "ecs_task_role_purge_tags", "ecs_task_role_allow_any_account",
    "ecs_task_execution_role_source_conditions", "ecs_task_execution_role_purge_tags", "ecs_task_execution_role_allow_any_account",
    "ecs_deployer_passrole_allow_any_account",
    # any boolean is good: adopting is the inventory's choice (the type row refuses what is not a boolean)
    "ecs_task_role_adopt", "ecs_task_execution_role_adopt",
}


def type_rows(role):
    rows = []
    for field, spec in options_of(role).items():
        bad, word = WRONG_TYPE[spec.get("type", "str")]
        rows.append(Row(role, field, {field: bad}, [word] if word else []))
    return rows


# Rows that need two inputs together, or a variable of the play: (role, field to name, {inputs}, words).
COMBINED_ROWS = [
    ("ecs_deployer_passrole", "ecs_deployer_passrole_role_name",
     {"ecs_deployer_passrole_role_name": "deployer", "ecs_deployer_passrole_user_name": "deployer"}, ["not both"]),
    ("ecs_deployer_passrole", "ecs_deployer_passrole_role_arns",
     {"ecs_deployer_passrole_role_arns": [f"arn:aws:iam::{OTHER_ACCOUNT}:role/staging-cerpac-ecs-task-role"],
      "ecs_deployer_passrole_user_name": "deployer", "ecs_deployer_passrole_account_id": ACCOUNT},
     ["belong to another account than 123456789012"]),
    ("ecs_task_role", "ecs_task_role_name", {"ecs_task_role_project_id": "c" * 50}, ["(72 characters)", "1 to 64 characters"]),
    # playbooks/vars/environment.yml sets ecs_iam_env from the inventory: an execution role of another environment is refused.
    ("ecs_task_execution_role", "ecs_task_execution_role_env",
     {"ecs_iam_env": "staging", "ecs_task_execution_role_env": "production", "ecs_task_execution_role_name": "production-cerpac-ecs-task-execution-role"},
     ['differs from the environment this inventory deploys ("staging")']),
]

# A misspelt input would be ignored, silently dropping what it declares (issue 10 item 6): every role refuses any
# variable with its prefix that is not one of its inputs, naming it and listing the inputs.
UNKNOWN_VARIABLES = {
    "ecs_task_role": ("ecs_task_role_acount_id", "999999999999", "ecs_task_role_account_id"),
    "ecs_task_execution_role": ("ecs_task_execution_role_secret", ["staging/cerpac/*"], "ecs_task_execution_role_secrets"),
    "ecs_deployer_passrole": ("ecs_deployer_passrole_role_path", ["/ecs/staging/"], "ecs_deployer_passrole_role_paths"),
}


def unknown_variable_rows():
    return [Row(role, name, {name: value}, ["(set)", f"is not an input of cerpac.ecs_iam.{role}", meant])
            for role, (name, value, meant) in UNKNOWN_VARIABLES.items()]


def matrix(role):
    rows = type_rows(role)
    for field, cases in FORMAT_ROWS[role].items():
        rows += [field_row(role, field, value, words) for value, words in cases]
    rows += [Row(r, field, inputs, words) for r, field, inputs, words in COMBINED_ROWS if r == role]
    return rows


# The other entry points: a bad input is refused by each before any AWS call (converge and verify run the checks
# first), and the inputs an entry point adds have their rows (the render folder; render also needs the account
# declared, even when the inventory opts out of it, since it asks no AWS).
def entry_point_rows(tmp_path):
    render = str(tmp_path / "rendered")
    rows = []
    for role in ROLES:
        region = f"{role}_region"
        for entry_point in sorted(set(argument_specs(role)) - {"main"}):
            given = {f"{role}_render_dir": render} if entry_point == "render" else {}
            rows.append(Row(role, region, {region: "eu-west", **given, **CONTEXT.get(region, {})}, [A_REGION], entry_point))
            if entry_point == "render":
                rows += [Row(role, f"{role}_render_dir", {f"{role}_render_dir": OMIT}, ["missing required arguments"], entry_point),
                         Row(role, f"{role}_render_dir", {f"{role}_render_dir": ""}, ["folder"], entry_point)]
    for role in ("ecs_task_role", "ecs_task_execution_role"):
        rows.append(Row(role, f"{role}_account_id",
                        {f"{role}_account_id": "", f"{role}_allow_any_account": True, f"{role}_render_dir": render},
                        ["is empty", "rendering fills ARNs without asking AWS"], "render"))
    return rows


# The private role that plans and writes: called by anything but the collection's two ECS roles, it refuses, naming
# them, before its first AWS call.
PRIVATE_ROW = Row("ecs_iam_internal", "cerpac.ecs_iam.ecs_iam_internal", {"_ecs_iam_internal_declaration_fact": "ecs_task_role_outputs"},
                  ["is internal to the collection", "only cerpac.ecs_iam.ecs_task_role and cerpac.ecs_iam.ecs_task_execution_role may call it"])


def base_rows():
    """Each role's base inputs through its check entry point: they pass, so each row is refused for its own field."""
    return [Row(role, "", {}, [], "check") for role in ROLES] + [
        Row("ecs_deployer_passrole", "", {"ecs_deployer_passrole_user_name": "deployer", "ecs_deployer_passrole_account_id": ACCOUNT}, [], "check")]


# validate_grants, called directly: each row is the module's whole argument list. Only the rows that its unit tests
# (tests/unit/plugins/action/test_validate_grants.py) do not have, here through ansible-core's templating of a play.
VALIDATE_BASE = {"policies": [{"name": "uploads", "document": POLICY}], "environment": "staging", "other_environments": ["production"]}
VALIDATE_ROWS = {
    "policies": [
        (OMIT, ["missing required arguments: policies"]),
        (7, ["must be a list"]),
        ([{"name": "uploads"}], ["missing required arguments: document found in policies"]),
        ([{"name": "uploads", "document": POLICY, "doc": 1}], ["policies.doc", "document, name"]),
        ([{"name": "uploads", "document": 42}], ["document", "json"]),
        # The policy's document is what is wrong: the message names the policy.
        ([{"name": "uploads", "document": {"Version": "2012-10-17", "Statement": []}}], ["MALFORMED", "Statement"], "policy uploads"),
        ([{"name": "uploads", "document": {**POLICY, "Statements": []}}], ["MALFORMED", "Statements"], "policy uploads"),
    ],
    "environment": [(["staging"], ["environment=", "letters, digits and single hyphens"])],  # ansible turns the list into a str
    "other_environments": [
        ({"a": 1}, ["list"]),
        (["production", ""], ["other_environments[1]", "letters, digits and single hyphens"]),
    ],
    "exceptions": [
        ([{"code": "NOPE", "reason": "r"}], ["RESOURCE_STAR", "CROSS_ENVIRONMENT", "got: NOPE"]),
        ([{"code": "RESOURCE_STAR", "reason": "r", "resorce": "*"}], ["exceptions.resorce", "action, code, policy, reason, resource, sid"]),
    ],
    "fail_on": [(7, ["error, warning, never", "got: 7"])],
    "account_id": [("12345", ["account_id=", "12 digits"]), ("123456789012 ", ["account_id=", "12 digits"])],
    "name_prefix": [("staging cerpac-", ["name_prefix=", "without wildcards or spaces"]), ("staging-*", ["name_prefix=", "staging-cerpac-"])],
}
# A string where a list of mappings belongs: ansible-core splits it into a list and then reports only "dictionary
# requested, could not parse JSON or key=value", without the option's name (its message, before the action runs).
# The roles' argument specs catch the same mistake with the input named (type rows above).
VALIDATE_CORE_MESSAGE_ROWS = [({"policies": "uploads"}, ["dictionary requested"]), ({"exceptions": "RESOURCE_STAR"}, ["dictionary requested"])]


def validate_grants_rows():
    rows = []
    for option, cases in VALIDATE_ROWS.items():
        for value, words, *named in cases:
            rows.append(Row("validate_grants", named[0] if named else option, {"__args": {**VALIDATE_BASE, option: value}} if value is not OMIT
                            else {"__args": {key: item for key, item in VALIDATE_BASE.items() if key != option}}, words))
    for extra, words in VALIDATE_CORE_MESSAGE_ROWS:
        rows.append(Row("validate_grants", "", {"__args": {**VALIDATE_BASE, **extra}}, words))
    return rows


def validate_grants_options():
    from ansible_collections.cerpac.ecs_iam.plugins.modules import validate_grants  # pylint: disable=import-outside-toplevel

    return yaml.safe_load(validate_grants.DOCUMENTATION)["options"]


def group_of(row):
    """The inventory group of a row's host: one per role and entry point (hosts of a play run only their own task)."""
    return f"{row.role.lstrip('_')}__{row.entry_point}"


def row_play(rows):
    """One play per role and entry point (and one for validate_grants), on that group's hosts: each host runs the
    step in a block/rescue and keeps its outcome; then the first host saves every outcome.

    A play per group, not one play with a task per group: every host would run (and skip) every group's task, one
    worker each. The private role's row is alone in its play too: its caller check is run_once, and a run_once failure
    ends the play for every host, rescued or not."""
    plays = []
    for group, row in sorted({group_of(row): row for row in rows}.items()):
        if row.role == "validate_grants":
            step = {"name": "Run validate_grants", "cerpac.ecs_iam.validate_grants": "{{ __args }}"}
        else:
            step = {"name": f"Run {row.role}/{row.entry_point}",
                    "ansible.builtin.import_role": {"name": f"cerpac.ecs_iam.{row.role}", "tasks_from": row.entry_point}}
        plays.append({"name": f"Bad input rows: {group}", "hosts": group, "gather_facts": False, "tasks": [
            {"name": "Run the row", "block": [step, {"ansible.builtin.set_fact": {"__row": {"failed": False}}}],
             "rescue": [{"ansible.builtin.set_fact": {"__row": {
                 "failed": True, "task": "{{ ansible_failed_task.name }}",
                 "msg": "{{ ansible_failed_result.msg | default(ansible_failed_result | string) }}"}}}]}]})
    # A host that failed outside its block (a row accepted, that went on to AWS and failed there) has no outcome.
    escaped = {"failed": False, "task": None, "msg": "no outcome: the row failed outside its block/rescue"}
    plays.append({"name": "Save every row's outcome", "hosts": "all", "gather_facts": False, "vars": {"__row_escaped": escaped}, "tasks": [
        {"name": "Save every row's outcome", "run_once": True, "ansible.builtin.copy": {
            "dest": "{{ __row_results }}", "mode": "0644",
            "content": "{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars)"
                       " | map(attribute='__row', default=__row_escaped))) | to_json }}"}}]})
    return plays


def run_rows(local_aws, directory, rows, forks=8):
    """Run every row in one ansible-playbook; return (IAM/STS actions recorded, [each row's outcome])."""
    results = directory / "results.json"
    groups = {}
    for index, row in enumerate(rows):
        groups.setdefault(group_of(row), {"hosts": {}})["hosts"][f"row{index:03d}"] = row.inputs
    inventory = {"all": {"vars": {"__row_results": str(results), "ansible_connection": "local",
                                  "ansible_python_interpreter": "{{ ansible_playbook_python }}"}, "children": groups}}
    (directory / "hosts.yml").write_text(yaml.safe_dump(inventory, width=10000))
    (directory / "rows.yml").write_text(yaml.safe_dump(row_play(rows), sort_keys=False, width=10000))
    command = [ANSIBLE_PLAYBOOK, "-i", str(directory / "hosts.yml"), str(directory / "rows.yml")]
    local_aws.reset()
    with local_aws.recording() as calls:
        run = run_playbook(command, playbook_env(local_aws, ANSIBLE_FORKS=str(forks)))
    # Every row is refused inside its block, so the run itself succeeds; when a row is accepted and fails later
    # (outside its block), the outcomes still say which.
    assert results.exists(), run.output[-3000:]
    outcomes = json.loads(results.read_text())
    assert run.rc == 0 or any(outcome.get("task", "") is None for outcome in outcomes.values()), run.output[-3000:]
    return calls, [outcomes[f"row{index:03d}"] for index in range(len(rows))]


def problems_of(rows, outcomes):
    """Each row that was accepted, or refused without naming its field or without its words."""
    problems = []
    for row, outcome in zip(rows, outcomes):
        if not outcome["failed"]:
            problems.append(f"{row}: accepted ({outcome.get('msg') or 'no failure'})")
            continue
        missing = [word for word in row.words if word.lower() not in outcome["msg"].lower()]
        if row.field not in outcome["msg"]:
            missing.insert(0, row.field)
        if missing:
            problems.append(f"{row}: message lacks {missing}:\n    [{outcome['task']}] {outcome['msg'][:1500]}")
    return problems


@dataclasses.dataclass
class Matrix:
    rows: dict  # group -> [Row]
    outcomes: dict  # group -> [outcome]
    calls: object
    render_dir: pathlib.Path


@pytest.fixture(scope="module")
def bad_input(local_aws, tmp_path_factory):
    """Every row of this module in one ansible-playbook run against the moto server."""
    directory = tmp_path_factory.mktemp("bad-input")
    groups = {role: matrix(role) for role in ROLES}
    groups.update(entry_points=entry_point_rows(directory), unknown=unknown_variable_rows(), private=[PRIVATE_ROW],
                  validate_grants=validate_grants_rows(), base=base_rows())
    every = [row for rows in groups.values() for row in rows]
    calls, outcomes = run_rows(local_aws, directory, every)
    by_group, start = {}, 0
    for group, rows in groups.items():
        by_group[group] = outcomes[start:start + len(rows)]
        start += len(rows)
    print("\n\n".join(f"{row}\n    [{o['task']}] {o['msg']}" for row, o in zip(every, outcomes) if o["failed"]))
    return Matrix(groups, by_group, calls, directory / "rendered")


def test_the_whole_matrix_makes_no_aws_call(bad_input):
    """Every input is checked before the first AWS call: not one call, let alone a write, in the whole run."""
    assert sum(len(rows) for rows in bad_input.rows.values()) > 200
    assert bad_input.calls.actions == [], bad_input.calls
    assert not bad_input.render_dir.exists()


@pytest.mark.parametrize("role", ROLES)
def test_every_bad_input_is_refused_naming_the_field(role, bad_input):
    problems = problems_of(bad_input.rows[role], bad_input.outcomes[role])
    assert not problems, "\n".join(problems)


def test_every_entry_point_refuses_bad_input(bad_input):
    rows = bad_input.rows["entry_points"]
    assert sorted({(row.role, row.entry_point) for row in rows}) == [
        ("ecs_deployer_passrole", "check"), ("ecs_deployer_passrole", "render"),
        ("ecs_task_execution_role", "check"), ("ecs_task_execution_role", "converge"), ("ecs_task_execution_role", "render"),
        ("ecs_task_execution_role", "verify"),
        ("ecs_task_role", "check"), ("ecs_task_role", "converge"), ("ecs_task_role", "render"), ("ecs_task_role", "verify"),
    ]
    problems = problems_of(rows, bad_input.outcomes["entry_points"])
    assert not problems, "\n".join(problems)


def test_every_role_refuses_an_unknown_variable_with_its_prefix(bad_input):
    problems = problems_of(bad_input.rows["unknown"], bad_input.outcomes["unknown"])
    assert not problems, "\n".join(problems)
    # The message names the input it was meant to be (read from the role's argument specs): "did you mean".
    secrets = bad_input.outcomes["unknown"][ROLES.index("ecs_task_execution_role")]["msg"]
    inputs = sorted(set().union(*(options_of("ecs_task_execution_role", entry) for entry in argument_specs("ecs_task_execution_role"))))
    assert "ecs_task_execution_role_secrets" in inputs
    assert "Did you mean ecs_task_execution_role_secrets? Correct the name." in secrets


def test_the_private_role_refuses_any_other_caller(bad_input):
    problems = problems_of(bad_input.rows["private"], bad_input.outcomes["private"])
    assert not problems, "\n".join(problems)


def test_validate_grants_refuses_each_bad_option_naming_it(bad_input):
    problems = problems_of(bad_input.rows["validate_grants"], bad_input.outcomes["validate_grants"])
    assert not problems, "\n".join(problems)


def test_the_base_inputs_are_accepted(bad_input):
    """The rows differ from a good call only in what they change: each role's base inputs pass its checks."""
    assert bad_input.outcomes["base"] == [{"failed": False}] * (len(ROLES) + 1)


def test_the_passrole_check_names_the_required_role_arns_input(bad_input):
    rows = bad_input.rows["ecs_deployer_passrole"]
    index = [row.changes for row in rows].index({"ecs_deployer_passrole_required_role_arns": UNCOVERED})
    assert "ecs_deployer_passrole_required_role_arns[0]=" in bad_input.outcomes["ecs_deployer_passrole"][index]["msg"]


def test_every_public_input_has_a_bad_input_row():
    for role in ROLES:
        options = set(options_of(role))
        with_rows = set(FORMAT_ROWS[role])
        assert with_rows <= options, f"{role}: rows for inputs it does not declare: {sorted(with_rows - options)}"
        missing = options - with_rows - TYPE_IS_THE_FORMAT
        assert not missing, f"{role}: add rows to FORMAT_ROWS for {sorted(missing)} (or, if any value of its type is good, to TYPE_IS_THE_FORMAT)"
        assert all(spec.get("type", "str") in WRONG_TYPE for spec in options_of(role).values()), f"{role}: a type without a WRONG_TYPE value"
    assert set(UNKNOWN_VARIABLES) == set(ROLES)


def test_every_other_entry_point_input_has_a_bad_input_row(tmp_path):
    rows = entry_point_rows(tmp_path)
    for role in ROLES:
        for entry_point in set(argument_specs(role)) - {"main"}:
            added = set(options_of(role, entry_point)) - set(options_of(role))
            with_rows = {row.field for row in rows if (row.role, row.entry_point) == (role, entry_point)}
            assert added <= with_rows, f"{role}/{entry_point}: add rows for {sorted(added - with_rows)}"


def test_the_roles_accept_exactly_the_finding_codes_of_validate_grants():
    from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import CODES  # pylint: disable=import-outside-toplevel

    for role in ("ecs_task_role", "ecs_task_execution_role"):
        code = options_of(role)[f"{role}_grant_exceptions"]["options"]["code"]
        assert code["choices"] == list(CODES), role


def test_every_option_of_validate_grants_has_a_bad_input_row():
    assert set(VALIDATE_ROWS) == set(validate_grants_options())


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` and `calls == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES  # pylint: disable=import-outside-toplevel

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
