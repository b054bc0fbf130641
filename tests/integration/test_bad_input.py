"""The bad-input matrix: every public input of every role, and every option of validate_grants, given bad values.

Each row must be refused with a message that names the field and what it accepts, and before any AWS call.
The rows run many to one ansible-playbook: each row is a host of a generated inventory whose variables are the row's
inputs, every host runs the role in a block/rescue and keeps its outcome, and the moto recorder proves that the
whole run called nothing (the roles' input checks run before any AWS call, and the account is given, so there is not
even the caller-identity read).
The options of each role are read from its meta/argument_specs.yml; an input without a row fails
test_every_public_input_has_a_bad_input_row, so a new input cannot arrive without one.
"""

import dataclasses
import json
import pathlib

import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
OMIT = object()  # a row's value that removes the input instead of setting it
ROLES = ["ecs_task_role", "ecs_task_execution_role", "ecs_deployer_passrole"]


def options_of(role, entry_point="main"):
    specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())
    return specs["argument_specs"][entry_point]["options"]


# A valid call of each role that makes no AWS call when the role stops in its preflight (the account is given,
# so no caller-identity read; the PassRole role names no deployer).
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
LOWERCASE = "lowercase letters, digits and"
IAM_NAME = "+=,.@_-"
ARN_EXAMPLE = "arn:aws:iam::123456789012:policy/name"


def grant(**changes):
    return [{**S3_GRANT, **changes}]


# The format rows: option -> [(bad value, words the message must contain besides the option's name)].
# Wrong types are added for every option from its declared type (TYPE_ROWS); these rows are the formats, limits,
# unknown keys, empty lists and cross-field rules that a type cannot express.
FORMAT_ROWS = {
    "ecs_task_role": {
        "ecs_task_role_env": [
            (OMIT, ["missing required arguments"]),
            ("", [LOWERCASE]),
            ("Staging", [LOWERCASE]),
            ("staging-", [LOWERCASE]),
        ],
        "ecs_task_role_project_id": [
            (OMIT, ["missing required arguments"]),
            ("Cerpac", [LOWERCASE]),
            ("cer pac", [LOWERCASE]),
        ],
        "ecs_task_role_name": [
            ("", ["1 to 64 characters"]),
            ("staging-" + "x" * 57, ["65 characters", "1 to 64 characters"]),
            ("staging-cerpac task", [IAM_NAME]),
            ("cerpac-ecs-task-role", ['start with "staging-"']),
        ],
        "ecs_task_role_state": [("Present", ["present, absent"]), ("", ["present, absent"])],
        "ecs_task_role_account_id": [
            (12345678901, ["12 digits", "quote"]),  # 012345678901 unquoted in YAML
            ("1234567890123", ["12 digits"]),
            ("12345678901a", ["12 digits"]),
        ],
        "ecs_task_role_region": [("", ["eu-west-1"]), ("EU-WEST-1", ["eu-west-1"]), ("eu-west", ["eu-west-1"])],
        "ecs_task_role_grants": [
            (grant(service="s4"), ["grants[0]", "service", "s3", "dynamodb"]),
            (grant(access=["admin"]), ["grants[0]", "access", "read, write, delete, list"]),
            (grant(access=[]), ["grants[0]", "access", "read"]),
            (grant(resources=[]), ["grants[0]", "resources"]),
            (grant(resources=["arn:aws:s3:::staging-cerpac-uploads"]), ["grants[0]", "resources", "is an ARN", "bucket name"]),
            (grant(resources=["staging-" + "x" * 60]), ["grants[0]", "resources", "63"]),
            (grant(bucket="x"), ["grants[0]", "bucket", "prefix"]),
            ([S3_GRANT, {"access": ["read"], "resources": ["x"]}], ["grants[1]", "service"]),
            (["s3"], ["ecs_task_role_grants", "dict"]),
        ],
        "ecs_task_role_policies": [
            ([{"document": POLICY}], ["missing required arguments: name"]),
            ([{"name": "uploads"}], ["missing required arguments: document"]),
            ([{"name": "uploads", "document": POLICY, "documents": POLICY}], ["documents", "document, name"]),
            ([{"name": "uploads", "document": "{not json"}], ["uploads", "MALFORMED_JSON", "not valid JSON"]),
            ([{"name": "uploads", "document": {"Version": "2012-10-17"}}], ["uploads", "MALFORMED", "Statement"]),
            ([{"name": "uploads", "document": []}], ["uploads", "MALFORMED", "JSON object"]),
            ([{"name": "x" * 129, "document": POLICY}], ["1 to 128 characters"]),
            ([{"name": "up loads", "document": POLICY}], ["1 to 128 characters", IAM_NAME]),
            ([{"name": "grants-s3", "document": POLICY}], ["grants-"]),
            ([{"name": "uploads", "document": POLICY}, {"name": "uploads", "document": POLICY}], ["unique"]),
        ],
        "ecs_task_role_grant_exceptions": [
            ([{"code": "RESOURCE_STAR"}], ["missing required arguments: reason"]),
            ([{"code": "NOPE", "reason": "r"}], ["RESOURCE_STAR", "CROSS_ENVIRONMENT"]),
            ([{"code": "RESOURCE_STAR", "reason": "r", "resorce": "*"}], ["resorce", "action, code, reason, resource"]),
        ],
        "ecs_task_role_validate_fail_on": [("always", ["error, warning, never"])],
        "ecs_task_role_other_environments": [
            (["production", ""], [LOWERCASE]),
            (["production, prod"], [LOWERCASE]),
            ("production", ["a list of environment names"]),
        ],
        "ecs_task_role_managed_policy_arns": [
            (["AWSXrayWriteOnlyAccess"], [ARN_EXAMPLE]),
            (["arn:aws:iam::aws:role/x"], [ARN_EXAMPLE]),
        ],
        "ecs_task_role_tags": [
            ({"aws:owner": "x"}, ["aws:"]),
            ({"k" * 129: "v"}, ["1 to 128"]),
            ({"Owner": "v" * 257}, ["0 to 256"]),
            ({"Owner": "a;b"}, ["_.:/=+-@"]),
            ({f"Tag{i}": "v" for i in range(48)}, ["at most 50 tags"]),
            ({"Environment": "production"}, ["cannot be given other values"]),
        ],
        "ecs_task_role_path": [("apps", ["start and end with /"]), ("/apps", ["start and end with /"])],
        "ecs_task_role_description": [("x" * 1001, ["1001 characters", "at most 1000"]), ("tab\u0001", ["at most 1000"])],
        "ecs_task_role_max_session_duration": [(43201, ["3600 to 43200"]), (0, ["3600 to 43200"])],
        "ecs_task_role_permissions_boundary": [("AWSXray", [ARN_EXAMPLE]), ("arn:aws:iam::aws:role/x", [ARN_EXAMPLE])],
    },
    "ecs_task_execution_role": {
        "ecs_task_execution_role_env": [("", [LOWERCASE]), ("Staging", [LOWERCASE])],
        "ecs_task_execution_role_project_id": [("", [LOWERCASE]), ("cer_pac", [LOWERCASE])],
        "ecs_task_execution_role_name": [
            ("", ["1 to 64"]),
            ("staging-" + "x" * 57, ["65", "1 to 64"]),
            ("cerpac-ecs-task-execution-role", ['start with "staging-"']),
        ],
        "ecs_task_execution_role_state": [("gone", ["present, absent"])],
        "ecs_task_execution_role_account_id": [("12345", ["12 digits"]), (12345678901, ["12 digits"])],
        "ecs_task_execution_role_region": [("", ["eu-west-1"]), ("west", ["eu-west-1"])],
        "ecs_task_execution_role_secrets": [
            (["arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/cerpac/db"], ["not ARNs", "staging/cerpac/*"]),
            (["staging/*/db"], ["no other wildcard"]),
            (["*"], ["no other wildcard"]),
        ],
        "ecs_task_execution_role_parameters": [(["/cerpac/*/db"], ["no other wildcard"]), (["/cerpac staging"], ["/cerpac/staging/*"])],
        "ecs_task_execution_role_kms_keys": [
            (["alias/aws/secretsmanager"], ["not aliases"]),
            (["1234abcd-12ab-34cd-56ef-1234567890ab"], ["only make sense with at least one secret"]),
        ],
        "ecs_task_execution_role_policies": [
            ([{"document": POLICY}], ["missing required arguments: name"]),
            ([{"name": "x", "document": "{not json"}], ["MALFORMED_JSON"]),
            ([{"name": "ecs-startup-secrets", "document": POLICY}], ["ecs-startup-secrets"]),
            ([{"name": "x" * 129, "document": POLICY}], ["1 to 128"]),
        ],
        "ecs_task_execution_role_grant_exceptions": [
            ([{"code": "RESOURCE_STAR"}], ["missing required arguments: reason"]),
            ([{"code": "NOPE", "reason": "r"}], ["RESOURCE_STAR", "CROSS_ENVIRONMENT"]),
        ],
        "ecs_task_execution_role_validate_fail_on": [("always", ["error, warning, never"])],
        "ecs_task_execution_role_other_environments": [(["production", ""], ["ecs_task_execution_role_other_environments", LOWERCASE])],
        "ecs_task_execution_role_managed_policy_arns": [(["AmazonECSTaskExecutionRolePolicy"], [ARN_EXAMPLE])],
        "ecs_task_execution_role_tags": [({"ManagedBy": "Terraform"}, ["cannot be given other values"]), ({"aws:x": "y"}, ["aws:"])],
        "ecs_task_execution_role_path": [("apps/", ["start and end with /"])],
        "ecs_task_execution_role_description": [("x" * 1001, ["1000"])],
        "ecs_task_execution_role_max_session_duration": [(100000, ["3600 to 43200"])],
        "ecs_task_execution_role_permissions_boundary": [("boundary", [ARN_EXAMPLE])],
    },
    "ecs_deployer_passrole": {
        "ecs_deployer_passrole_role_arns": [
            (OMIT, ["missing required arguments"]),
            ([], ["without wildcards"]),
            ([f"arn:aws:iam::{ACCOUNT}:role/staging-*"], ["without wildcards"]),
            (["staging-cerpac-ecs-task-role"], ["without wildcards", ROLE_ARN]),
            ([f"arn:aws:iam::{ACCOUNT}:user/deployer"], ["without wildcards"]),
        ],
        "ecs_deployer_passrole_role_name": [("deploy er", [IAM_NAME]), ("d" * 65, ["1 to 64"])],
        "ecs_deployer_passrole_user_name": [("deploy/er", [IAM_NAME]), ("d" * 65, ["1 to 64"])],
        "ecs_deployer_passrole_policy_name": [("", ["1 to 128"]), ("p" * 129, ["1 to 128"])],
        "ecs_deployer_passrole_state": [("gone", ["present, absent"])],
        "ecs_deployer_passrole_region": [("", ["eu-west-1"]), ("europe", ["eu-west-1"])],
    },
}
# Inputs added to every row of a field, where the field only matters together with another input.
CONTEXT = {
    # The region is used only when a deployer is named (the render entry point needs none).
    "ecs_deployer_passrole_region": {"ecs_deployer_passrole_user_name": "deployer"},
}
# Rows that need two inputs together: (role, {inputs}, words the message must contain).
COMBINED_ROWS = [
    ("ecs_deployer_passrole", {"ecs_deployer_passrole_role_name": "deployer", "ecs_deployer_passrole_user_name": "deployer"}, ["not both"]),
    ("ecs_task_role", {"ecs_task_role_project_id": "c" * 50}, ["ecs_task_role_name", "1 to 64 characters"]),
    # Unknown keys at the top level: a misspelt input would be ignored (here, the account guard with it).
    ("ecs_task_role", {"ecs_task_role_acount_id": "999999999999"}, ["ecs_task_role_acount_id", "not an input", "ecs_task_role_account_id"]),
]

# A value of the wrong type for each declared type, and the word the message must then contain: the
# argument-spec validation names the type; the preflight, for a str converted from another type, the format.
WRONG_TYPE = {
    "str": ({"a": 1}, None),
    "int": ("many", "int"),
    "bool": ("maybe", "bool"),
    "list": ({"a": 1}, "list"),
    "dict": (["a"], "dict"),
}
# Inputs whose declared type is their whole format: any value of that type is good.
TYPE_IS_THE_FORMAT = {"ecs_task_role_source_conditions", "ecs_task_role_purge_tags", "ecs_task_execution_role_source_conditions",
                      "ecs_task_execution_role_purge_tags"}


@dataclasses.dataclass
class Row:
    role: str
    field: str
    value: object
    words: list

    @property
    def inputs(self):
        inputs = {**BASE[self.role], **CONTEXT.get(self.field, {})}
        if isinstance(self.value, dict) and self.field == "*":
            inputs.update(self.value)
        elif self.value is OMIT:
            inputs.pop(self.field, None)
        else:
            inputs[self.field] = self.value
        return inputs

    def __str__(self):
        return f"{self.role}: {self.field}={'<unset>' if self.value is OMIT else json.dumps(self.value)[:80]}"


def type_rows(role):
    rows = []
    for field, spec in options_of(role).items():
        bad, word = WRONG_TYPE[spec.get("type", "str")]
        rows.append(Row(role, field, bad, [word] if word else []))
    return rows


def matrix(role):
    rows = type_rows(role)
    for field, cases in FORMAT_ROWS[role].items():
        rows += [Row(role, field, value, words) for value, words in cases]
    rows += [Row(r, "*", inputs, words) for r, inputs, words in COMBINED_ROWS if r == role]
    return rows


def run_rows(playbook, tmp_path, rows, task, forks=8):
    """Run `task` once per row in one ansible-playbook; return (run, [each row's outcome]).

    Each row is a host of a generated inventory (local connection) and its inputs are that host's variables, so an
    unset input is simply absent; the hosts run side by side (`forks`). Every host runs `task` in a block/rescue
    and keeps its outcome, and the first host writes them all to a file.
    """
    results = tmp_path / "results.json"
    hosts = {}
    for index, inputs in enumerate(rows):
        hosts[f"row{index:03d}"] = {**inputs, "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts}}, width=10000))
    play = [{
        "name": "Bad input rows",
        "hosts": "all",
        "gather_facts": False,
        "tasks": [
            {"name": "Run the row", "block": [task, {"ansible.builtin.set_fact": {"__row": {"failed": False}}}],
             "rescue": [{"ansible.builtin.set_fact": {"__row": {
                 "failed": True, "task": "{{ ansible_failed_task.name }}",
                 "msg": "{{ ansible_failed_result.msg | default(ansible_failed_result | string) }}"}}}]},
            {"name": "Save every row's outcome", "run_once": True, "ansible.builtin.copy": {
                "dest": str(results), "mode": "0644",
                "content": "{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars, '__row'))) | to_json }}"}},
        ],
    }]
    path = tmp_path / "rows.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False, width=10000))
    run = playbook(str(path), str(tmp_path / "hosts.yml"), env={"ANSIBLE_FORKS": str(forks)})
    assert run.rc == 0, run.output[-3000:]
    outcomes = json.loads(results.read_text())
    return run, [outcomes[f"row{index:03d}"] for index in range(len(rows))]


def role_task(role):
    return {"ansible.builtin.include_role": {"name": f"cerpac.ecs_iam.{role}"}}


# Inputs that the role hands to a module, whose message names the module's own field instead: render_grants names
# the grant (grants[0]) and its key, validate_grants the policy and its finding code, or its option.
NAMED_BY_MODULE = {"grants": "grants[", "policies": "policy ", "grant_exceptions": "exceptions"}


def names_the_field(row, message):
    if row.field == "*" or row.field in message:
        return True
    return any(row.field.endswith(suffix) and name in message for suffix, name in NAMED_BY_MODULE.items())


def problems_of(rows, outcomes):
    problems = []
    for row, outcome in zip(rows, outcomes):
        if not outcome["failed"]:
            problems.append(f"{row}: accepted")
            continue
        missing = [word for word in row.words if word.lower() not in outcome["msg"].lower()]
        if not names_the_field(row, outcome["msg"]):
            missing.insert(0, row.field)
        if missing:
            problems.append(f"{row}: message lacks {missing}:\n    [{outcome['task']}] {outcome['msg'][:1500]}")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_bad_input_is_refused_naming_the_field_before_any_aws_call(role, playbook, tmp_path):
    rows = matrix(role)
    run, outcomes = run_rows(playbook, tmp_path, [row.inputs for row in rows], role_task(role))
    problems = problems_of(rows, outcomes)
    print("\n\n".join(f"{row}\n    [{o['task']}] {o['msg']}" for row, o in zip(rows, outcomes) if o["failed"]))
    assert not problems, "\n".join(problems)
    # Input checks run before the first AWS call: not one call, let alone a write, in the whole run.
    assert run.calls.actions == [], run.calls


def test_every_public_input_has_a_bad_input_row():
    for role in ROLES:
        options = set(options_of(role))
        with_rows = set(FORMAT_ROWS[role])
        assert with_rows <= options, f"{role}: rows for inputs it does not declare: {sorted(with_rows - options)}"
        missing = options - with_rows - TYPE_IS_THE_FORMAT
        assert not missing, f"{role}: add rows to FORMAT_ROWS for {sorted(missing)} (or, if any value of its type is good, to TYPE_IS_THE_FORMAT)"
        assert all(spec.get("type", "str") in WRONG_TYPE for spec in options_of(role).values()), f"{role}: a type without a WRONG_TYPE value"


def test_the_task_role_knows_its_own_variables():
    """The list behind the unknown-variable check is the argument specs' options and the output fact."""
    known = yaml.safe_load((REPO / "roles" / "ecs_task_role" / "vars" / "main.yml").read_text())["_ecs_task_role_variables"]
    assert sorted(known) == sorted(set(options_of("ecs_task_role")) | set(options_of("ecs_task_role", "render")) | {"ecs_task_role_outputs"})


def test_the_roles_accept_exactly_the_finding_codes_of_validate_grants():
    from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import CODES  # pylint: disable=import-outside-toplevel

    for role in ("ecs_task_role", "ecs_task_execution_role"):
        code = options_of(role)[f"{role}_grant_exceptions"]["options"]["code"]
        assert code["choices"] == list(CODES), role


def test_the_base_inputs_are_accepted(playbook, tmp_path):
    """The rows differ from a good call only in the field they test: each base call passes (check mode, no write)."""
    rows = [{**BASE[role], "__role": role} for role in ROLES]
    task = {"block": [{"ansible.builtin.include_role": {"name": "cerpac.ecs_iam.{{ __role }}"}}], "check_mode": True}
    run, outcomes = run_rows(playbook, tmp_path, rows, task)
    assert [outcome["failed"] for outcome in outcomes] == [False] * len(ROLES), outcomes
    assert run.writes == []


# validate_grants, called directly: each row is the module's whole argument list.
VALIDATE_BASE = {"policies": [{"name": "uploads", "document": POLICY}], "environment": "staging", "other_environments": ["production"]}
VALIDATE_ROWS = {
    "policies": [
        (OMIT, ["missing required arguments: policies"]),
        (7, ["must be a list"]),
        ([{"document": POLICY}], ["missing required arguments: name found in policies"]),
        ([{"name": "uploads"}], ["missing required arguments: document found in policies"]),
        ([{"name": "uploads", "document": POLICY, "doc": 1}], ["policies.doc", "document, name"]),
        ([{"name": "uploads", "document": "{not json"}], ["policy uploads", "MALFORMED_JSON", "not valid JSON"]),
        ([{"name": "uploads", "document": 42}], ["document", "json"]),
        ([{"name": "uploads", "document": {"Version": "2012-10-17", "Statement": []}}], ["policy uploads", "MALFORMED", "Statement"]),
        ([{"name": "uploads", "document": {**POLICY, "Statements": []}}], ["policy uploads", "MALFORMED", "Statements"]),
    ],
    "environment": [
        (["staging"], ["environment=", "letters, digits and single hyphens"]),  # ansible turns the list into a str
        ("staging prod", ["environment=", "letters, digits and single hyphens"]),
    ],
    "other_environments": [
        ({"a": 1}, ["list"]),
        (["production, prod"], ["other_environments[0]", "letters, digits and single hyphens"]),
        (["production", ""], ["other_environments[1]", "letters, digits and single hyphens"]),
    ],
    "exceptions": [
        ([{"code": "NOPE", "reason": "r"}], ["RESOURCE_STAR", "CROSS_ENVIRONMENT", "got: NOPE"]),
        ([{"code": "RESOURCE_STAR"}], ["missing required arguments: reason found in exceptions"]),
        ([{"code": "RESOURCE_STAR", "reason": "r", "resorce": "*"}], ["exceptions.resorce", "action, code, reason, resource"]),
    ],
    "fail_on": [("always", ["error, warning, never", "got: always"])],
}
VALIDATE_UNKNOWN_OPTION = ({"environments": "staging"}, ["Unsupported parameters", "environments", "environment, exceptions, fail_on"])
# A string where a list of mappings belongs: ansible-core splits it into a list and then reports only "dictionary
# requested, could not parse JSON or key=value", without the option's name (its message, before the module runs).
# The roles' argument specs catch the same mistake with the input named (type rows above).
VALIDATE_CORE_MESSAGE_ROWS = [({"policies": "uploads"}, ["dictionary requested"]), ({"exceptions": "RESOURCE_STAR"}, ["dictionary requested"])]


def validate_grants_options():
    from ansible_collections.cerpac.ecs_iam.plugins.modules import validate_grants  # pylint: disable=import-outside-toplevel

    return yaml.safe_load(validate_grants.DOCUMENTATION)["options"]


def test_every_option_of_validate_grants_has_a_bad_input_row():
    assert set(VALIDATE_ROWS) == set(validate_grants_options())


def test_validate_grants_refuses_each_bad_option_naming_it(playbook, tmp_path):
    rows, args = [], []
    for option, cases in VALIDATE_ROWS.items():
        for value, words in cases:
            row_args = dict(VALIDATE_BASE)
            if value is OMIT:
                del row_args[option]
            else:
                row_args[option] = value
            rows.append(Row("validate_grants", option, value, words))
            args.append({"__args": row_args})
    for extra, words in [VALIDATE_UNKNOWN_OPTION] + VALIDATE_CORE_MESSAGE_ROWS:
        rows.append(Row("validate_grants", "*", extra, words))
        args.append({"__args": {**VALIDATE_BASE, **extra}})
    # The row's arguments as one mapping (ansible warns that templated args are unsafe in general; these are ours).
    run, outcomes = run_rows(playbook, tmp_path, args, {"cerpac.ecs_iam.validate_grants": "{{ __args }}"})
    problems = problems_of(rows, outcomes)
    assert not problems, "\n".join(problems)
    assert run.calls.actions == []


# One row per role through the real playbooks/deploy.yml and the staging inventory. The execution role and the
# PassRole policy come after the task role there, so their rows run in check mode: the task role's reads
# (role_plan) happen, and still nothing is written.
def test_deploy_refuses_a_bad_task_role_input_before_any_call(playbook, iam):
    run = playbook("deploy.yml", "staging", extra_vars={"ecs_task_role_grants": grant(resources=[])})
    assert run.rc != 0
    assert "grants[0]" in run.output and "resources: [] must be a non-empty list of bucket names" in run.output
    assert run.calls.actions == [], run.calls
    assert iam.list_roles()["Roles"] == []


def test_deploy_refuses_a_bad_execution_role_input_before_writing(playbook, iam):
    run = playbook("deploy.yml", "staging", "--check",
                   extra_vars={"ecs_iam_deploy_execution_role": True, "ecs_task_execution_role_kms_keys": ["alias/aws/secretsmanager"]})
    assert run.rc != 0
    assert "ecs_task_execution_role_kms_keys" in run.output and "not aliases" in run.output
    assert run.writes == [], run.calls
    assert iam.list_roles()["Roles"] == []


def test_deploy_refuses_a_bad_passrole_input_before_writing(playbook, iam):
    run = playbook("deploy.yml", "staging", "--check", extra_vars={"ecs_deployer_passrole_role_name": "deploy er"})
    assert run.rc != 0
    assert "ecs_deployer_passrole_role_name" in run.output and "+=,.@_-" in run.output
    assert run.writes == [], run.calls
    assert iam.list_roles()["Roles"] == []


# The other entry points: only what they add to main (the render folder; render also needs the account declared).
ENTRY_POINT_ROWS = {
    ("ecs_task_role", "render"): {
        "ecs_task_role_render_dir": [(OMIT, ["missing required arguments"]), ("", ["folder"])],
        "ecs_task_role_account_id": [("", ["12-digit account id"])],
    },
    ("ecs_deployer_passrole", "render"): {
        "ecs_deployer_passrole_render_dir": [(OMIT, ["missing required arguments"]), ("", ["folder"])],
    },
}


def test_every_other_entry_point_input_has_a_bad_input_row():
    for role in ROLES:
        specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
        for entry_point in set(specs) - {"main"}:
            added = set(options_of(role, entry_point)) - set(options_of(role))
            assert added <= set(ENTRY_POINT_ROWS.get((role, entry_point), {})), f"{role}/{entry_point}: add rows for {sorted(added)}"


@pytest.mark.parametrize("role, entry_point", sorted(ENTRY_POINT_ROWS))
def test_other_entry_points_refuse_bad_input(role, entry_point, playbook, tmp_path):
    rows, inputs = [], []
    for field, cases in ENTRY_POINT_ROWS[(role, entry_point)].items():
        for value, words in cases:
            row = Row(role, field, value, words)
            rows.append(row)
            given = {f"{role}_render_dir": str(tmp_path / "rendered"), **row.inputs}
            inputs.append(row.inputs if value is OMIT else given)
    task = {"ansible.builtin.include_role": {"name": f"cerpac.ecs_iam.{role}", "tasks_from": entry_point}}
    run, outcomes = run_rows(playbook, tmp_path, inputs, task)
    problems = problems_of(rows, outcomes)
    assert not problems, "\n".join(problems)
    assert run.calls.actions == []
    assert not (tmp_path / "rendered").exists()


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` and `calls.actions == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
