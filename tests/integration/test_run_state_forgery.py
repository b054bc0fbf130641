"""A host_vars file cannot stand in for what a run checked: the published declaration, the caller's account.

The roles trust, within a run, what that run's own tasks set (plugins/plugin_utils/_run_state.py): the declaration
the check entry point published (``ecs_task_role_outputs`` with ``__ecs_task_role_declared_inputs``), the caller's
account (``ecs_iam_caller``), the managed policies' findings (``__ecs_iam_owned``). Before, a host_vars file that
set the first two, with inputs copied from a check run, made the role's ``main`` entry point (``roles:`` in a
playbook of one's own) write its forged declaration unchecked: another application's role name and ``Action: *``
on ``Resource: *``. Now any such variable from the inventory or -e is refused before any AWS call."""

import pathlib

import pytest
import yaml

from tests.support.reliability import ANSIBLE_PLAYBOOK, deploy_args, playbook_env, run_playbook

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
VICTIM = "staging-victim-ecs-task-role"
ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def write_playbook(path, tasks=None, roles=None):
    play = {"hosts": "worker", "gather_facts": False}
    if roles:
        play["roles"] = roles
    if tasks:
        play["tasks"] = tasks
    path.write_text(yaml.safe_dump([play]))
    return path


def run(aws, inventory, playbook, *args):
    env = dict(playbook_env(aws), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))
    with aws.recording() as calls:
        result = run_playbook([ANSIBLE_PLAYBOOK, "-i", str(inventory), str(playbook), *args], env)
    return result, calls


@pytest.fixture
def forged(aws, make_inventory, tmp_path):
    """host_vars/worker.yml with a forged published declaration whose inputs are the host's own, as a check run prints
    them (the order of ecs_task_role_other_environments pinned in group_vars, so that the inputs match)."""
    pinned = {"ecs_task_role_other_environments": ["dev", "production"]}
    inventory = make_inventory(group_vars=pinned, name="harvest")
    harvest = write_playbook(tmp_path / "harvest.yml", tasks=[
        {"ansible.builtin.import_role": {"name": "cerpac.ecs_iam.ecs_task_role", "tasks_from": "check"}},
        {"ansible.builtin.copy": {"content": "{{ {'ecs_task_role_outputs': ecs_task_role_outputs, "
                                             "'__ecs_task_role_declared_inputs': __ecs_task_role_declared_inputs} | to_json }}",
                                  "dest": str(tmp_path / "published.json")},
         "delegate_to": "localhost"}])
    result, calls = run(aws, inventory, harvest)
    assert result.rc == 0, result.output[-3000:]
    assert calls.actions == []  # the check entry point makes no AWS call
    published = yaml.safe_load((tmp_path / "published.json").read_text())
    declaration = published["ecs_task_role_outputs"]
    declaration["role_name"] = VICTIM
    declaration["role_arn"] = declaration["role_arn"].replace("staging-worker-ecs-task-role", VICTIM)
    declaration["inline_policies"] = [{"name": "all", "document": ALL}]
    return make_inventory(group_vars=pinned, host_vars={"worker": published}, name="forged")


def test_a_forged_published_declaration_is_refused_and_nothing_is_written(aws, iam, forged, tmp_path):
    site = write_playbook(tmp_path / "site.yml", roles=["cerpac.ecs_iam.ecs_task_role"])
    result, calls = run(aws, forged, site)
    assert result.rc != 0
    assert ("host worker, ecs_task_role: __ecs_task_role_declared_inputs, ecs_task_role_outputs set by the inventory "
            "(host_vars, group_vars) or -e; nothing was changed in AWS.") in " ".join(result.output.split())
    assert calls.actions == []
    assert [role["RoleName"] for role in iam.list_roles()["Roles"]] == []


def test_the_same_playbook_without_the_forgery_writes_the_real_role(aws, iam, make_inventory, tmp_path):
    # The control of the test above: the same playbook and inventory writes the host's own role.
    site = write_playbook(tmp_path / "site.yml", roles=["cerpac.ecs_iam.ecs_task_role"])
    result, calls = run(aws, make_inventory(), site)
    assert result.rc == 0, result.output[-3000:]
    assert [role["RoleName"] for role in iam.list_roles()["Roles"]] == ["staging-worker-ecs-task-role"]
    assert "PutRolePolicy" in calls.actions


def test_verify_refuses_a_forged_published_declaration(aws, forged):
    result, calls = run(aws, forged, REPO / "playbooks" / "verify.yml", "--limit", "worker")
    assert result.rc != 0
    # verify.yml declares the whole inventory first: the environment's check names the forgery.
    assert "host worker: __ecs_task_role_declared_inputs, ecs_task_role_outputs set by the inventory (host_vars, group_vars)" in " ".join(result.output.split())
    assert calls.writes == []


@pytest.mark.parametrize("variable, value", [
    ("ecs_iam_caller", {"account_id": "123456789012", "partition": "aws"}),
    ("__ecs_iam_owned", {"managed_policy_findings": {}}),
])
def test_a_host_vars_file_cannot_claim_what_the_run_read(aws, make_inventory, tmp_path, variable, value):
    # The account the credentials belong to, and the managed policies' findings, are read by the run, never given.
    site = write_playbook(tmp_path / "site.yml", roles=["cerpac.ecs_iam.ecs_task_role"])
    result, calls = run(aws, make_inventory(host_vars={"worker": {variable: value}}), site)
    assert result.rc != 0
    assert f"host worker, ecs_task_role: {variable} set by the inventory (host_vars, group_vars) or -e" in " ".join(result.output.split())
    assert calls.actions == []


def test_deploy_refuses_the_callers_account_given_with_extra_vars(aws):
    command = deploy_args("staging", extra_vars={"ecs_iam_caller": {"account_id": "123456789012", "partition": "aws"}})
    with aws.recording() as calls:
        result = run_playbook(command, playbook_env(aws))
    assert result.rc != 0
    assert "host cerpac, ecs_task_role: ecs_iam_caller set by the inventory (host_vars, group_vars) or -e" in " ".join(result.output.split())
    assert calls.actions == []


@pytest.fixture
def planted(tmp_path):
    """A program that, run as the interpreter, leaves a mark (what a host_vars file's author would run instead)."""
    mark = tmp_path / "ran"
    program = tmp_path / "python"
    program.write_text(f"#!/bin/sh\ntouch {mark}\nexit 1\n")
    program.chmod(0o755)
    return program, mark


@pytest.mark.parametrize("variable", ["ansible_python_interpreter", "ansible_connection"])
def test_deploy_refuses_one_applications_connection_settings_before_any_aws_call(aws, make_inventory, planted, variable):
    program, mark = planted
    value = str(program) if variable == "ansible_python_interpreter" else "ssh"
    inventory = make_inventory(host_vars={"worker": {variable: value}})
    with aws.recording() as calls:
        result = run_playbook([ANSIBLE_PLAYBOOK, "-i", str(inventory), str(REPO / "playbooks" / "deploy.yml")], playbook_env(aws))
    assert result.rc != 0
    expected = f"host worker, {variable}: is set in this application's host_vars file, to another value than the inventory gives the group"
    assert expected in " ".join(result.output.split())
    assert calls.actions == []
    assert not mark.exists()


def test_the_role_in_a_playbook_of_ones_own_keeps_its_inventorys_host_vars(aws, make_inventory, tmp_path):
    # Outside the collection's playbooks the inventory is the user's own (molecule writes host_vars/localhost.yml with
    # the connection and interpreter): only deploy.yml, verify.yml and render.yml hold an application's file to the
    # environment's settings.
    site = write_playbook(tmp_path / "site.yml", roles=["cerpac.ecs_iam.ecs_task_role"])
    result, dummy = run(aws, make_inventory(host_vars={"worker": {"ansible_python_interpreter": "{{ ansible_playbook_python }}",
                                                                  "ansible_connection": "local"}}), site)
    assert result.rc == 0, result.output[-3000:]


def test_the_planted_interpreter_runs_when_the_environment_names_it(aws, make_inventory, planted, tmp_path):
    # The control of the deploy test above: the same program, named for the whole group, is what Ansible runs.
    program, mark = planted
    inventory = make_inventory()
    hosts = yaml.safe_load((inventory / "hosts.yml").read_text())
    hosts["ecs_iam"]["vars"]["ansible_python_interpreter"] = str(program)
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    site = write_playbook(tmp_path / "site.yml", roles=["cerpac.ecs_iam.ecs_task_role"])
    result, dummy = run(aws, inventory, site)
    assert result.rc != 0
    assert mark.exists()


ADMIN = [{"name": "all", "document": ALL}]


@pytest.mark.parametrize("weakening", [
    {"ecs_task_role_validate_fail_on": "never"},
    {"ecs_task_role_validate_fail_on": "never", "ecs_task_role_other_environments": []},
])
def test_one_application_cannot_make_the_gate_let_its_own_admin_grant_through(aws, make_inventory, weakening):
    # Before, one host_vars file with fail_on never deployed "*" on "*" with a warning: how strict the gate is belongs
    # to the environment (group_vars), alike for every application.
    inventory = make_inventory(host_vars={"worker": dict(weakening, ecs_task_role_policies=ADMIN)})
    with aws.recording() as calls:
        result = run_playbook([ANSIBLE_PLAYBOOK, "-i", str(inventory), str(REPO / "playbooks" / "deploy.yml")], playbook_env(aws))
    assert result.rc != 0
    assert ('host worker, ecs_task_role_validate_fail_on="never": is set for this application alone (host_vars or inline host vars), '
            "but it is a setting of the environment") in " ".join(result.output.split())
    assert calls.actions == []


def test_without_the_weakening_the_admin_grant_is_blocked_by_the_gate(aws, make_inventory):
    # The control of the test above: the same grant, with the environment's gate, is refused as FULL_ADMIN.
    inventory = make_inventory(host_vars={"worker": {"ecs_task_role_policies": ADMIN}})
    with aws.recording() as calls:
        result = run_playbook([ANSIBLE_PLAYBOOK, "-i", str(inventory), str(REPO / "playbooks" / "deploy.yml")], playbook_env(aws))
    assert result.rc != 0
    assert "FULL_ADMIN" in result.output
    assert calls.actions == []


def test_the_inventorys_own_lines_and_a_host_vars_file_repeating_the_group_are_accepted(aws, make_inventory):
    # What the check must not refuse: a host's line in hosts.yml (the environment's shared file) naming its connection,
    # and a host_vars file that repeats the group's value.
    inventory = make_inventory(host_vars={"worker": {"ansible_connection": "local"}})
    hosts = yaml.safe_load((inventory / "hosts.yml").read_text())
    hosts["ecs_iam"]["hosts"]["cerpac"] = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    result = run_playbook([ANSIBLE_PLAYBOOK, "-i", str(inventory), str(REPO / "playbooks" / "deploy.yml")], playbook_env(aws))
    assert result.rc == 0, result.output[-3000:]
