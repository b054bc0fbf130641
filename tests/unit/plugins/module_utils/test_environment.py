"""The environment as the whole inventory declares it (plugins/module_utils/_environment.py): tables, no network."""

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import check_caller
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import check_environment
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import differing_settings
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import duplicate_names
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import environment_passrole
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import environment_path
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import format_problems
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import execution_problems
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import host_level_execution
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import host_level_settings
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import run_state_problems
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import overridden_settings
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import passrole_path_problem
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import passrole_per_environment
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import passrole_quota_problem
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import path_problem
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import policy_size
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import settle_accounts
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._environment import shared_passrole_policies
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._role_declaration import passrole_policy

ACCOUNT = "123456789012"


def role(host, kind, name=None, path="/ecs/staging/", account=ACCOUNT, env="staging", state="present"):
    name = name or "%s-%s-ecs-%s" % (env, host, "task-role" if kind == "task" else "task-execution-role")
    return {"role_name": name, "path": path, "account_id": account, "environment": env, "state": state, "region": "eu-west-1",
            "partition": "aws", "role_arn": "arn:aws:iam::%s:role%s%s" % (account, path, name) if state == "present" else ""}


def app(host, settings=None, host_level=(), task=None, execution=None, problems=()):
    return {"host": host, "settings": settings or {"ecs_task_role_env": "staging"}, "host_level": list(host_level),
            "task": task if task is not None else role(host, "task"), "execution": execution, "problems": list(problems)}


@pytest.mark.parametrize("variables, expected", [
    (["ecs_task_role_grants", "ecs_task_role_name", "ecs_iam_deploy_execution_role"], []),
    (["ecs_task_role_env", "ecs_task_role_grants"], ["ecs_task_role_env"]),
    (["ecs_task_role_validate_fail_on", "ecs_task_execution_role_other_environments", "ecs_task_role_grant_exceptions"],
     ["ecs_task_execution_role_other_environments", "ecs_task_role_validate_fail_on"]),
    (["ecs_deployer_passrole_role_arns", "aws_region", "ecs_task_execution_role_path"],
     ["aws_region", "ecs_deployer_passrole_role_arns", "ecs_task_execution_role_path"]),
    ([], []),
])
def test_host_level_settings(variables, expected):
    assert host_level_settings(variables) == expected


@pytest.mark.parametrize("variables, expected", [
    (["ecs_task_role_grants", "inventory_file"], []),
    (["ansible_python_interpreter", "ecs_task_role_grants"], ["ansible_python_interpreter"]),
    (["ansible_connection", "ansible_host", "ansible_become_exe", "ansible_shell_executable"],
     ["ansible_become_exe", "ansible_connection", "ansible_host", "ansible_shell_executable"]),
    (["my_ansible_thing", "ANSIBLE_CONNECTION"], []),
    ([], []),
])
def test_host_level_execution(variables, expected):
    assert host_level_execution(variables) == expected


def test_an_applications_interpreter_is_refused_naming_host_and_variable():
    problems = execution_problems("worker", ["ansible_python_interpreter", "ecs_task_role_grants"])
    assert [(problem["host"], problem["field"]) for problem in problems] == [("worker", "ansible_python_interpreter")]
    assert problems[0]["message"].startswith("host worker, ansible_python_interpreter: is set in this application's host_vars file, "
                                             "to another value than the inventory gives the group")
    assert "Remove it from host_vars/worker" in problems[0]["message"]


def test_run_state_from_the_inventory_is_one_problem_naming_every_variable():
    assert run_state_problems("worker", []) == []
    problems = run_state_problems("worker", ["ecs_task_role_outputs", "ecs_iam_caller"])
    assert [(problem["host"], problem["field"]) for problem in problems] == [("worker", "ecs_iam_caller")]
    assert problems[0]["message"].startswith("host worker: ecs_iam_caller, ecs_task_role_outputs set by the inventory (host_vars, group_vars); ")
    assert problems[0]["message"].endswith("Remove them from the inventory")


def test_check_environment_refuses_run_state_from_any_hosts_inventory():
    worker = dict(app("worker"), run_state=["__ecs_iam_owned"])
    dummy, problems = check_environment([app("cerpac"), worker])
    assert [(problem["host"], problem["field"]) for problem in problems] == [("worker", "__ecs_iam_owned")]


def test_check_environment_refuses_a_hosts_connection_settings_in_the_play_or_not():
    worker = dict(app("worker"), execution_overrides=["ansible_connection"])
    dummy, problems = check_environment([app("cerpac"), worker])
    assert [(problem["host"], problem["field"]) for problem in problems] == [("worker", "ansible_connection")]


@pytest.mark.parametrize("values, expected", [
    ({"a": "/ecs/staging/", "b": "/ecs/staging/"}, {}),
    ({"a": "/ecs/staging/", "b": "/ecs/", "c": "/ecs/staging/"}, {"ecs_task_role_path": {'"/ecs/staging/"': ["a", "c"], '"/ecs/"': ["b"]}}),
    ({"a": None, "b": "/x/"}, {"ecs_task_role_path": {"null": ["a"], '"/x/"': ["b"]}}),
])
def test_differing_settings(values, expected):
    applications = [{"host": host, "settings": {"ecs_task_role_path": value}} for host, value in values.items()]
    assert differing_settings(applications) == expected


@pytest.mark.parametrize("owners, expected", [
    ([("a-role", "a", "task"), ("b-role", "b", "task")], {}),
    ([("x", "a", "task"), ("x", "b", "execution")], {"x": [("a", "task"), ("b", "execution")]}),
    ([("Deployer", None, "deployer"), ("deployer", "a", "task")], {"Deployer": [(None, "deployer"), ("a", "task")]}),  # IAM ignores case
    ([("", "a", "task"), ("", "b", "task"), (None, "c", "task")], {}),
])
def test_duplicate_names(owners, expected):
    assert duplicate_names(owners) == expected


@pytest.mark.parametrize("path, expected", [
    ("/", None),
    ("/ecs/staging/", None),
    ("/staging/", None),
    ("/ecs/", 'does not name the environment "staging" as a whole path component'),
    ("/ecs/staging-apps/", 'does not name the environment "staging" as a whole path component'),
    ("/ecs/production/", 'names environment "production", not this inventory\'s (staging)'),
    ("/staging/prod/", 'names environment "prod", not this inventory\'s (staging)'),
])
def test_path_problem(path, expected):
    assert path_problem(path, "staging") == expected


@pytest.mark.parametrize("path, words", [
    ("/ecs/staging/", None),
    ("/*/", "contains a wildcard"),
    ("/ecs/staging*/", "contains a wildcard"),
    ("/ecs/st?ging/", "contains a wildcard"),
    ("/ecs/", 'does not name the environment "staging"'),
    ("/ecs/production/", 'names environment "production"'),
    ("/", "must start and end with /"),
    ("ecs/staging/", "must start and end with /"),
    (None, "must start and end with /"),
])
def test_passrole_path_problem(path, words):
    problem = passrole_path_problem(path, "staging")
    assert (problem is None) if words is None else (words in problem), problem


def fields(problems):
    return [(problem["host"], problem["field"]) for problem in problems]


CI = {"type": "role", "name": "ci"}  # a deployer named: the PassRole policy is written


@pytest.mark.parametrize("applications, deployer, passrole, expected", [
    ([app("a"), app("b")], None, None, []),
    # (a) per host, even with one host; and differing between hosts.
    ([app("a", host_level=["ecs_task_role_env"], settings={"ecs_task_role_env": "production"})], None, None, [("a", "ecs_task_role_env")]),
    ([app("a", settings={"ecs_task_role_env": "staging"}), app("b", settings={"ecs_task_role_env": "staging"}),
      app("c", settings={"ecs_task_role_env": "prod"})], None, None, [("c", "ecs_task_role_env")]),
    # (b) one owner: across kinds, hosts and the deployer.
    ([app("a", execution=role("a", "execution")), app("b", task=role("b", "task", name="staging-a-ecs-task-execution-role"))], None, None,
     [("a", "ecs_task_execution_role_name")]),
    ([app("a", task=role("a", "task", name="staging-deployer"))], {"type": "role", "name": "staging-deployer"}, None, [("a", "ecs_task_role_name")]),
    ([app("a", task=role("a", "task", name="staging-deployer"))], {"type": "user", "name": "staging-deployer"}, None, []),
    # (c) a role path of another environment; (e) the execution role in another account.
    ([app("a", task=role("a", "task", path="/ecs/production/"))], None, None, [("a", "ecs_task_role_path")]),
    ([app("a", execution=role("a", "execution", account="999999999999"))], None, None, [("a", "ecs_task_execution_role_account_id")]),
    # (d) PassRole paths and ARNs.
    ([app("a")], None, {"role_paths": ["/ecs/staging/", "/*/"], "role_arns": []}, [("a", "ecs_deployer_passrole_role_paths[1]")]),
    ([app("a")], CI, {"role_paths": [], "role_arns": ["arn:aws:iam::%s:role/ecs/production/production-a-ecs-task-role" % ACCOUNT,
                                                      "arn:aws:iam::%s:role/staging-b-ecs-task-role" % ACCOUNT]},
     [("a", "ecs_deployer_passrole_role_arns[0]"), ("a", "ecs_deployer_passrole_role_paths")]),
    # (f) one policy for the environment covers every role, the host whose role it misses named (none per application).
    ([app("a"), app("b")], None, {"role_paths": ["/ecs/staging/"], "role_arns": []}, []),
    ([app("a"), app("b", task=role("b", "task", path="/"))], CI, {"role_paths": ["/ecs/staging/"], "role_arns": []},
     [("b", "ecs_deployer_passrole_role_paths")]),
    ([app("a"), app("b", task=role("b", "task", path="/"))], CI,
     {"role_paths": ["/ecs/staging/"], "role_arns": ["arn:aws:iam::%s:role/staging-b-ecs-task-role" % ACCOUNT]}, []),
    ([app("a", task=role("a", "task", path="/"))], CI, {"role_paths": ["/ecs/staging/"], "role_arns": [], "state": "absent"}, []),
    ([app("a", task=role("a", "task", path="/"))], None, {"role_paths": [], "role_arns": []}, []),
    ([app("a", task=role("a", "task", path="/", state="absent"))], CI, {"role_paths": ["/ecs/staging/"], "role_arns": []}, []),
    # A host outside the play whose inputs are bad.
    ([app("a"), app("b", task=None, problems=["ecs_task_role: 1 problem"])], None, None, [("b", None)]),
])
def test_check_environment(applications, deployer, passrole, expected):
    for application in applications:
        if application["problems"]:
            application["task"] = None
    environment, problems = check_environment(applications, deployer=deployer, passrole=passrole)
    assert fields(problems) == expected, [problem["message"] for problem in problems]
    if not expected:
        assert environment["environment"] == "staging" and environment["hosts"] == [a["host"] for a in applications]


def test_the_published_environment_lists_every_role_of_every_host():
    environment, problems = check_environment([app("a", execution=role("a", "execution")), app("b", task=role("b", "task", state="absent"))])
    assert problems == []
    assert [(r["host"], r["kind"], r["role_name"], r["state"]) for r in environment["roles"]] == [
        ("a", "task", "staging-a-ecs-task-role", "present"), ("a", "execution", "staging-a-ecs-task-execution-role", "present"),
        ("b", "task", "staging-b-ecs-task-role", "absent")]
    assert environment["role_arns"] == ["arn:aws:iam::%s:role/ecs/staging/staging-a-ecs-task-role" % ACCOUNT,
                                        "arn:aws:iam::%s:role/ecs/staging/staging-a-ecs-task-execution-role" % ACCOUNT]
    assert (environment["account_id"], environment["paths"]) == (ACCOUNT, ["/ecs/staging/"])


def test_a_duplicate_names_both_applications_first():
    dummy, problems = check_environment([app("a"), app("b", task=role("b", "task", name="staging-a-ecs-task-role"))])
    message = format_problems(problems)
    assert message.startswith("a, b: 1 problem(s) with the environment as the whole inventory declares it, nothing was changed in AWS:\n")
    assert "IAM role staging-a-ecs-task-role is declared by a's ecs_task_role and b's ecs_task_role;" in message


@pytest.mark.parametrize("accounts, caller, expected", [
    ([ACCOUNT, ACCOUNT], ACCOUNT, []),
    ([ACCOUNT, "999999999999"], ACCOUNT, [("b", "ecs_task_role_account_id")]),
    (["000000000000", ""], ACCOUNT, []),  # opted out (allow_any_account): any account
    ([ACCOUNT], "999999999999", [("a", "ecs_task_role_account_id")]),
])
def test_check_caller(accounts, caller, expected):
    environment = {"roles": [dict(role(host, "task", account=account), host=host, kind="task") for host, account in zip("ab", accounts)]}
    assert fields(check_caller(environment, caller)) == expected


def _passrole(count):
    return dict(("app%02d" % index, passrole_policy(["arn:aws:iam::%s:role/staging-app%02d-ecs-task-role" % (ACCOUNT, index),
                                                     "arn:aws:iam::%s:role/staging-app%02d-ecs-task-execution-role" % (ACCOUNT, index)]))
                for index in range(count))


@pytest.mark.parametrize("count, deployer, refused", [
    (10, {"type": "role", "name": "ci"}, False),
    (40, {"type": "role", "name": "ci"}, True),  # the 40 applications: 13,000 characters
    (40, None, False),  # no deployer named: nothing is written
])
def test_per_application_passrole_policies_must_fit_the_deployers_quota(count, deployer, refused):
    documents = _passrole(count)
    total = sum(policy_size(document) for document in documents.values())
    assert (total > 10240) is (count == 40)
    problem = passrole_quota_problem(documents, deployer)
    assert (problem is not None) is refused
    if refused:
        # Offline, before any write (AWS would answer LimitExceeded once every role is written), naming the
        # environment-path mode as the fix.
        assert problem == ("the 40 applications' PassRole policies (one per application: the roles are not under an environment path) "
                           "total 13760 characters on the deployer ci, over IAM's quota of 10240 for a role's inline policies. Put the "
                           "environment's roles under one path (ecs_task_role_path: /ecs/<environment>/) and name it in "
                           "ecs_deployer_passrole_role_paths: one policy for the environment, whatever the number of applications")
        dummy, problems = check_environment([app("a")], deployer=deployer, per_application=documents)
        assert fields(problems) == [(None, "ecs_deployer_passrole_role_paths")]
        assert format_problems(problems).startswith("the environment: 1 problem(s)")


@pytest.mark.parametrize("document, size", [
    ({"a": "b c"}, len('{"a":"bc"}')),
    ({"Version": "2012-10-17"}, len('{"Version":"2012-10-17"}')),
])
def test_policy_size_counts_no_whitespace(document, size):
    assert policy_size(document) == size


@pytest.mark.parametrize("adopt, expected", [
    (False, [("b", "ecs_task_role_path"), ("b", "ecs_task_role_path")]),  # set for the host alone; and not the environment's
    (True, []),  # adopted in place: IAM cannot move a role, so it keeps its path
])
def test_a_role_adopted_in_place_keeps_its_path(adopt, expected):
    adopted = dict(role("b", "task", path="/apps/"), adopt=adopt)
    applications = [app("a", settings={"ecs_task_role_path": "/"}),
                    app("b", settings={"ecs_task_role_path": "/apps/"}, host_level=["ecs_task_role_path"], task=adopted)]
    dummy, problems = check_environment(applications)
    assert fields(problems) == expected, [problem["message"] for problem in problems]


def test_an_adopted_role_of_another_environments_path_is_refused():
    adopted = dict(role("a", "task", path="/ecs/production/"), adopt=True)
    dummy, problems = check_environment([app("a", task=adopted)])
    assert fields(problems) == [("a", "ecs_task_role_path")]


@pytest.mark.parametrize("account, expected", [
    ("000000000000", "999999999999"),  # opted out (allow_any_account): the caller's
    (ACCOUNT, ACCOUNT),  # declared: kept
])
def test_settle_accounts(account, expected):
    environment, dummy = check_environment([app("a", task=role("a", "task", account=account))])
    settled = settle_accounts(environment, "999999999999")
    assert settled["account_id"] == expected and settled["roles"][0]["account_id"] == expected
    assert settled["role_arns"] == ["arn:aws:iam::%s:role/ecs/staging/staging-a-ecs-task-role" % expected] == [settled["roles"][0]["role_arn"]]


def test_the_execution_role_settings_of_an_application_without_one_are_not_compared():
    applications = [app("a", settings={"ecs_task_execution_role_path": "/ecs/staging/"}, execution=role("a", "execution")),
                    app("b", settings={"ecs_task_execution_role_path": "/other/"})]
    assert check_environment(applications)[1] == []


@pytest.mark.parametrize("policy_names, shared", [
    ({"a": "staging-a-ecs-passrole", "b": "staging-b-ecs-passrole"}, {}),
    ({"a": "staging-x-ecs-passrole", "b": "staging-x-ecs-passrole", "c": "staging-c-ecs-passrole"},
     {"staging-x-ecs-passrole": ["a", "b"]}),
    ({"a": "staging-X-ecs-passrole", "b": "staging-x-ecs-passrole"}, {"staging-X-ecs-passrole": ["a", "b"]}),
    ({}, {}),
])
def test_shared_passrole_policies(policy_names, shared):
    assert shared_passrole_policies(policy_names) == shared


@pytest.mark.parametrize("deployer, hosts", [
    ({"type": "role", "name": "staging-ci-deployer"}, ["a", "b"]),
    (None, []),  # no deployer: no PassRole policy is written
])
def test_one_per_application_passrole_policy_per_application(deployer, hosts):
    dummy, problems = check_environment([app("a"), app("b")], deployer=deployer,
                                        policy_names={"a": "staging-x-ecs-passrole", "b": "staging-x-ecs-passrole"})
    assert [problem["hosts"] for problem in problems] == ([hosts] if hosts else [])


def _run(settings, inventory_settings, host="a"):
    return {"host": host, "settings": settings, "inventory_settings": inventory_settings}


@pytest.mark.parametrize("applications, overridden", [
    # -e ecs_task_role_env=production over the inventory's staging: every host that has it from the inventory.
    ([_run({"ecs_task_role_env": "production"}, {"ecs_task_role_env": "staging"}),
      _run({"ecs_task_role_env": "production"}, {"ecs_task_role_env": "staging"}, "b")],
     {"ecs_task_role_env": {"value": "production", "inventory": {'"staging"': ["a", "b"]}}}),
    ([_run({"ecs_deployer_passrole_role_paths": ["/ecs/production/"]}, {"ecs_deployer_passrole_role_paths": ["/ecs/staging/"]})],
     {"ecs_deployer_passrole_role_paths": {"value": ["/ecs/production/"], "inventory": {'["/ecs/staging/"]': ["a"]}}}),
    ([_run({"ecs_task_role_account_id": "999999999999"}, {"ecs_task_role_account_id": "123456789012"})],
     {"ecs_task_role_account_id": {"value": "999999999999", "inventory": {'"123456789012"': ["a"]}}}),
    ([_run({"ecs_task_role_allow_any_account": "true"}, {"ecs_task_role_allow_any_account": False})],
     {"ecs_task_role_allow_any_account": {"value": "true", "inventory": {"false": ["a"]}}}),
    ([_run({"ecs_task_role_allow_any_account": "true"}, {"ecs_task_role_allow_any_account": True})], {}),  # -e k=v gives text
    ([_run({"ecs_task_role_account_id": "123456789012"}, {"ecs_task_role_account_id": 123456789012})], {}),
    ([_run({"ecs_task_role_env": "staging"}, {"ecs_task_role_env": "staging"})], {}),  # the same value: nothing overridden
    ([_run({"ecs_deployer_passrole_role_name": "ci"}, {"ecs_deployer_passrole_role_name": ""})], {}),  # a placeholder filled
    ([_run({"ecs_deployer_passrole_role_paths": ["/ecs/staging/"]}, {"ecs_deployer_passrole_role_paths": []})], {}),
    ([_run({"ecs_task_role_env": "production"}, {})], {}),  # the inventory does not give it
    ([{"host": "a", "settings": {"ecs_task_role_env": "production"}}], {}),  # no extra var given
])
def test_overridden_settings(applications, overridden):
    assert overridden_settings(applications) == overridden


def test_an_overridden_setting_is_one_problem_naming_every_host():
    dummy, problems = check_environment([dict(app("a"), inventory_settings={"ecs_task_role_env": "production"}),
                                         dict(app("b"), inventory_settings={"ecs_task_role_env": "production"})])
    assert [(problem["field"], problem["hosts"]) for problem in problems] == [("ecs_task_role_env", ["a", "b"])]
    assert problems[0]["message"].startswith('host a, b, ecs_task_role_env="staging" (extra vars, -e): overrides the inventory\'s own '
                                             'value "production"')


@pytest.mark.parametrize("applications, path", [
    ([app("a"), app("b")], "/ecs/staging/"),
    # the first host's role adopted where it is: the others' path
    ([app("a", task=dict(role("a", "task", path="/ecs/"), adopt=True)), app("b")], "/ecs/staging/"),
    ([app("a", task=dict(role("a", "task", path="/ecs/"), adopt=True))], None),  # every role adopted: no path of its own
    ([app("a", task=role("a", "task", path="/")), app("b")], None),  # two paths: none is the environment's
    ([app("a", task=role("a", "task", path="/"))], "/"),
])
def test_environment_path(applications, path):
    assert environment_path(applications) == path


COVERAGE = ('host b, ecs_deployer_passrole_role_paths=["/ecs/staging/"]: does not cover arn:aws:iam::123456789012:role/staging-b-ecs-task-role, '
            "a role of this environment: the deployer could not pass it to ECS. Put the role under the environment's path "
            "(ecs_task_role_path), or list its ARN in ecs_deployer_passrole_role_arns")


@pytest.mark.parametrize("deployer, render, expected", [
    ({"type": "role", "name": "ci"}, False, [COVERAGE]),   # written on a deployer: refused
    (None, True, [COVERAGE]),                              # rendered for review: refused
    (None, False, []),                                     # neither written nor rendered: no policy to fall short
])
def test_the_coverage_of_a_written_or_rendered_policy_is_checked(deployer, render, expected):
    applications = [app("a"), app("b", task=role("b", "task", path="/"))]
    policies = {"deployer": deployer, "paths_and_arns": {"role_paths": ["/ecs/staging/"], "role_arns": []}, "documents": {},
                "policy_names": {}, "render": render}
    dummy, problems = check_environment(applications, passrole_policies=policies)
    assert [problem["message"] for problem in problems] == expected


def test_the_coverage_problem_names_the_host_the_role_and_the_fix():
    dummy, problems = check_environment([app("a"), app("b", task=role("b", "task", path="/"))], deployer={"type": "role", "name": "ci"},
                                        passrole={"role_paths": ["/ecs/staging/"], "role_arns": []})
    assert [problem["message"] for problem in problems] == [
        'host b, ecs_deployer_passrole_role_paths=["/ecs/staging/"]: does not cover arn:aws:iam::123456789012:role/staging-b-ecs-task-role, '
        "a role of this environment: the deployer could not pass it to ECS. Put the role under the environment's path "
        "(ecs_task_role_path), or list its ARN in ecs_deployer_passrole_role_arns"]


@pytest.mark.parametrize("paths, arns, expected", [
    (["/ecs/staging/"], [], True),
    ([], ["arn:aws:iam::%s:role/staging-a-ecs-task-role" % ACCOUNT], True),
    (["/ecs/staging/"], ["arn:aws:iam::%s:role/staging-a-ecs-task-role" % ACCOUNT], True),
    ([], [], False),
    (None, None, False),
])
def test_passrole_per_environment(paths, arns, expected):
    assert passrole_per_environment(paths, arns) is expected


def passrole_app(host, passrole=None, names=None, task=None, execution=None, project_id=None):
    application = app(host, task=task, execution=execution)
    application.update(passrole=passrole or {}, env="staging", project_id=project_id or host,
                       deployer_names=names if names is not None else {"ecs_deployer_passrole_role_name": "ci",
                                                                       "ecs_deployer_passrole_user_name": ""})
    return application


TASK_A = "arn:aws:iam::%s:role/ecs/staging/staging-a-ecs-task-role" % ACCOUNT
EXEC_A = "arn:aws:iam::%s:role/ecs/staging/staging-a-ecs-task-execution-role" % ACCOUNT
TASK_B = "arn:aws:iam::%s:role/ecs/staging/staging-b-ecs-task-role" % ACCOUNT
PATHS = {"ecs_deployer_passrole_role_paths": ["/ecs/staging/"]}


def inputs(arns, name, state, subdir, render):
    return {"ecs_deployer_passrole_role_arns": arns, "ecs_deployer_passrole_policy_name": name, "ecs_deployer_passrole_state": state,
            "render_subdir": subdir, "render": render}


@pytest.mark.parametrize("applications, render, expected", [
    # One policy for the environment: the inventory's ARNs, <env>-ecs-passrole, every host on it.
    ([passrole_app("a", PATHS), passrole_app("b", PATHS)], False,
     {"per_environment": True, "deployer": {"type": "role", "name": "ci"}, "hosts": {"a": "environment", "b": "environment"},
      "policies": {"environment": inputs([], "staging-ecs-passrole", "present", "", True)}, "documents": {}, "policy_names": {}}),
    # ... with the inventory's own name, ARNs and state (absent; render.yml renders it all the same).
    ([passrole_app("a", {"ecs_deployer_passrole_role_arns": [TASK_A], "ecs_deployer_passrole_policy_name": "pass",
                         "ecs_deployer_passrole_state": "absent"}, names={"ecs_deployer_passrole_user_name": "ci"})], False,
     {"per_environment": True, "deployer": {"type": "user", "name": "ci"}, "hosts": {"a": "environment"},
      "policies": {"environment": inputs([TASK_A], "pass", "absent", "", True)}, "documents": {}, "policy_names": {}}),
    ([passrole_app("a", {"ecs_deployer_passrole_role_arns": [TASK_A], "ecs_deployer_passrole_state": "absent"}, names={})], True,
     {"per_environment": True, "deployer": None, "hosts": {"a": "environment"},
      "policies": {"environment": inputs([TASK_A], "staging-ecs-passrole", "present", "", True)}, "documents": {}, "policy_names": {}}),
    # One per application: its present roles, <env>-<project_id>-ecs-passrole; absent with no role to pass.
    ([passrole_app("a", execution=role("a", "execution"), project_id="alpha"), passrole_app("b"),
      passrole_app("c", task=role("c", "task", state="absent"))], False,
     {"per_environment": False, "deployer": {"type": "role", "name": "ci"}, "hosts": {"a": "a", "b": "b", "c": "c"},
      "policies": {"a": inputs([TASK_A, EXEC_A], "staging-alpha-ecs-passrole", "present", "/a", True),
                   "b": inputs([TASK_B], "staging-b-ecs-passrole", "present", "/b", True),
                   "c": inputs([], "staging-c-ecs-passrole", "absent", "/c", False)},
      "documents": {"a": passrole_policy([EXEC_A, TASK_A]), "b": passrole_policy([TASK_B])},
      "policy_names": {"a": "staging-alpha-ecs-passrole", "b": "staging-b-ecs-passrole", "c": "staging-c-ecs-passrole"}}),
    # render.yml: present, but a host with no role to pass renders nothing.
    ([passrole_app("c", task=role("c", "task", state="absent"), names={})], True,
     {"per_environment": False, "deployer": None, "hosts": {"c": "c"}, "policies": {"c": inputs([], "staging-c-ecs-passrole", "present", "/c", False)},
      "documents": {}, "policy_names": {"c": "staging-c-ecs-passrole"}}),
])
def test_environment_passrole_decides_the_mode_and_each_policys_inputs(applications, render, expected):
    found = environment_passrole(applications, render=render)
    found.pop("paths_and_arns")
    assert found.pop("render") is render
    assert found == expected


@pytest.mark.parametrize("passrole, names, expected", [
    (PATHS, {}, {"role_paths": ["/ecs/staging/"], "role_arns": [], "state": "present"}),
    ({}, {"ecs_deployer_passrole_role_name": "ci"}, {"role_paths": [], "role_arns": [], "state": "present"}),
    ({}, {}, None),  # neither a deployer nor a path: nothing to check
])
def test_environment_passrole_gives_the_checks_the_inventorys_paths_and_arns(passrole, names, expected):
    assert environment_passrole([passrole_app("a", passrole, names=names)])["paths_and_arns"] == expected


def test_the_environment_publishes_the_passrole_decisions_and_settles_their_account():
    applications = [passrole_app("a", task=role("a", "task", path="/", account="000000000000"))]
    environment, problems = check_environment(applications, passrole_policies=environment_passrole(applications))
    assert problems == []
    assert environment["passrole"] == {"per_environment": False, "deployer": {"type": "role", "name": "ci"}, "hosts": {"a": "a"},
                                       "policies": {"a": inputs(["arn:aws:iam::000000000000:role/staging-a-ecs-task-role"],
                                                                "staging-a-ecs-passrole", "present", "/a", True)}}
    settled = settle_accounts(environment, ACCOUNT)
    assert settled["passrole"]["policies"]["a"]["ecs_deployer_passrole_role_arns"] == ["arn:aws:iam::%s:role/staging-a-ecs-task-role" % ACCOUNT]
