"""Issue 17 items 1-4: an inventory changes only its environment's roles; each role has one owner.

Through the real playbooks against moto, each starting from an account that already holds the other environment's
roles (production's, under /ecs/production/) and a deployer with its own policy: every refusal comes before the first
write (most before the first call), names the application at fault, and leaves every existing role as it was.
"""

import json

import pytest
import yaml

from tests.support.reliability import read_live

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999999999999"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
DEPLOYER_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                                          "Action": "sts:AssumeRole"}]}
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::production-worker-jobs/*"}]}
PRODUCTION_TAGS = [{"Key": "Environment", "Value": "production"}, {"Key": "ManagedBy", "Value": "Ansible"}, {"Key": "Module", "Value": "ecs_task_role"}]
DEPLOYER = "staging-ci-deployer"
PRODUCTION = ["production-worker-ecs-task-role", "production-worker-ecs-task-execution-role", "production-cerpac-ecs-task-role"]


@pytest.fixture
def account(iam):
    """Production's roles (tagged as this collection writes them) and a deployer with its own policy; returns what they
    are, read back, for the end-of-test comparison."""
    for name in PRODUCTION:
        iam.create_role(RoleName=name, Path="/ecs/production/", AssumeRolePolicyDocument=json.dumps(TRUST), Tags=PRODUCTION_TAGS)
        iam.put_role_policy(RoleName=name, PolicyName="kept", PolicyDocument=json.dumps(POLICY))
    iam.create_role(RoleName=DEPLOYER, AssumeRolePolicyDocument=json.dumps(DEPLOYER_TRUST))
    iam.put_role_policy(RoleName=DEPLOYER, PolicyName="own", PolicyDocument=json.dumps(POLICY))
    return lambda: {name: read_live(iam, name) for name in PRODUCTION + [DEPLOYER]}


def failure(run):
    """The one failure message of a run (the controller-side checks fail once, run_once), whitespace-normalised."""
    messages = [result.get("msg", "") for result in run.failures.values()]
    assert messages, run.output[-3000:]
    return " ".join(" ".join(messages).split())


@pytest.mark.parametrize("state", ["present", "absent"])
def test_a_staging_host_declaring_production_changes_nothing(state, playbook, make_inventory, account):
    before = account()
    # Grants that name no environment, so that only the environment itself is wrong (as the issue found it).
    inventory = make_inventory(host_vars={"worker": {
        "ecs_task_role_env": "production", "ecs_task_role_path": "/ecs/production/", "ecs_task_role_state": state,
        "ecs_task_role_grants": [], "ecs_task_execution_role_secrets": [], "ecs_task_execution_role_log_groups": [],
        "ecs_task_execution_role_image_repositories": []}})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0
    message = failure(run)
    assert message.startswith("worker: "), message
    assert ('host worker, ecs_task_role_env="production": is set for this application alone (host_vars or inline host vars), but it is '
            "a setting of the environment") in message
    assert 'host worker, ecs_task_role_path="/ecs/production/": is set for this application alone' in message
    assert run.calls.actions == [], run.calls
    assert account() == before


def test_a_one_host_inventory_cannot_declare_another_environment_at_host_level(playbook, make_inventory, account, tmp_path):
    """One host: nothing to compare it with, but its own host_vars (or inline host vars) say production."""
    before = account()
    inventory = make_inventory(hosts=["worker"], host_vars={"worker": {
        "ecs_task_role_env": "production", "ecs_task_role_grants": [], "ecs_task_execution_role_secrets": [],
        "ecs_task_execution_role_log_groups": [], "ecs_task_execution_role_image_repositories": []}})
    listing = yaml.safe_load((inventory / "hosts.yml").read_text())
    listing["ecs_iam"]["hosts"]["worker"] = {"ecs_task_role_path": "/ecs/production/"}  # inline host vars
    (inventory / "hosts.yml").write_text(yaml.safe_dump(listing))
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0
    message = failure(run)
    assert 'host worker, ecs_task_role_env="production": is set for this application alone' in message
    assert 'host worker, ecs_task_role_path="/ecs/production/": is set for this application alone' in message
    assert run.calls.actions == [], run.calls
    assert account() == before


@pytest.mark.parametrize("name, limit, owners", [
    ("staging-cerpac-ecs-task-execution-role", None, "cerpac's ecs_task_execution_role and worker's ecs_task_role"),
    ("staging-cerpac-ecs-task-role", "worker", "cerpac's ecs_task_role and worker's ecs_task_role"),
    (DEPLOYER, None, "worker's ecs_task_role and the deployer (ecs_deployer_passrole_role_name)"),
    ("staging-CI-Deployer", None, "worker's ecs_task_role and the deployer (ecs_deployer_passrole_role_name)"),
])
def test_a_role_has_one_owner_whatever_the_limit(name, limit, owners, playbook, make_inventory, account):
    before = account()
    inventory = make_inventory(group_vars={"ecs_deployer_passrole_role_name": DEPLOYER}, host_vars={"worker": {"ecs_task_role_name": name}})
    run = playbook("deploy.yml", str(inventory), *(["--limit", limit] if limit else []))
    assert run.rc != 0
    message = failure(run)
    assert f"is declared by {owners};" in message, message
    if "deployer" not in owners:
        assert message.startswith("cerpac, worker: "), message
    assert run.calls.actions == [], run.calls
    assert account() == before


def test_two_execution_roles_with_one_name_cost_no_call(playbook, make_inventory, iam):
    shared = {"ecs_task_execution_role_name": "staging-shared-ecs-task-execution-role"}
    run = playbook("deploy.yml", str(make_inventory(host_vars={"cerpac": shared, "worker": shared})))
    assert run.rc != 0
    assert "IAM role staging-shared-ecs-task-execution-role is declared by cerpac's ecs_task_execution_role and worker's " \
           "ecs_task_execution_role" in failure(run)
    assert len(run.calls) == 0, run.calls
    assert iam.list_roles()["Roles"] == []


def test_an_execution_role_of_another_account_writes_nothing(playbook, make_inventory, account):
    before = account()
    run = playbook("deploy.yml", str(make_inventory()), extra_vars={"ecs_task_execution_role_account_id": OTHER_ACCOUNT})
    assert run.rc != 0
    message = failure(run)
    assert (f'host cerpac, ecs_task_execution_role_account_id="{OTHER_ACCOUNT}": differs from the account of the application\'s task '
            f"role ({ACCOUNT})") in message
    assert run.calls.actions == [], run.calls
    assert account() == before


@pytest.mark.parametrize("paths, words", [
    (["/ecs/staging/", "/*/"], 'ecs_deployer_passrole_role_paths[1]="/*/": contains a wildcard'),
    (["/ecs/"], 'ecs_deployer_passrole_role_paths[0]="/ecs/": does not name the environment "staging" as a whole path component'),
    # Already refused before this round (CROSS_ENVIRONMENT on the PassRole policy); kept as a guard.
    (["/ecs/staging/", "/ecs/production/"], "/ecs/production/"),
    (["/ecs/staging/", "/ecs/st?ging/"], 'ecs_deployer_passrole_role_paths[1]="/ecs/st?ging/": contains a wildcard'),
])
def test_passrole_paths_of_the_environment_only(paths, words, playbook, make_inventory, account):
    before = account()
    inventory = make_inventory(group_vars={"ecs_deployer_passrole_role_name": DEPLOYER, "ecs_deployer_passrole_role_paths": paths})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0
    assert words in failure(run), failure(run)
    assert run.calls.actions == [], run.calls
    assert account() == before


def test_the_passrole_policy_is_the_same_under_any_limit(playbook, make_inventory, account, iam):
    """Full run, then --limit on each host: the environment's PassRole policy is byte-identical each time; an extra ARN
    given for one host alone (it used to be dropped by a run limited to the other host) is refused."""
    arn = f"arn:aws:iam::{ACCOUNT}:role/staging-batch-ecs-task-role"
    inventory = make_inventory(group_vars={"ecs_deployer_passrole_role_name": DEPLOYER, "ecs_deployer_passrole_role_arns": [arn]})
    seen = []
    for limit in (None, "cerpac", "worker"):
        run = playbook("deploy.yml", str(inventory), *(["--limit", limit] if limit else []))
        assert run.rc == 0, run.output[-3000:]
        seen.append(iam.get_role_policy(RoleName=DEPLOYER, PolicyName="staging-ecs-passrole")["PolicyDocument"])
    assert seen[0]["Statement"][0]["Resource"] == [f"arn:aws:iam::{ACCOUNT}:role/ecs/staging/*", arn]
    assert [json.dumps(policy, sort_keys=True) for policy in seen] == [json.dumps(seen[0], sort_keys=True)] * 3
    per_host = make_inventory(group_vars={"ecs_deployer_passrole_role_name": DEPLOYER},
                              host_vars={"cerpac": {"ecs_deployer_passrole_role_arns": [arn]}}, name="per-host")
    run = playbook("deploy.yml", str(per_host), "--limit", "worker")
    assert run.rc != 0
    assert 'host cerpac, ecs_deployer_passrole_role_arns=["%s"]: is set for this application alone' % arn in failure(run)
    assert run.writes == [], run.calls


@pytest.mark.parametrize("variables", [
    {"ecs_task_role_state": "absent", "ecs_iam_deploy_execution_role": False},
    {"ecs_deployer_passrole_role_name": "staging-missing-deployer"},
])
def test_credentials_of_another_account_are_refused_first_on_every_path(variables, playbook, make_inventory, iam):
    """Absent with no role to find, and a deployer that does not exist: the account guard answers first (one
    GetCallerIdentity, no other call), never "create the deployer first" nor a green run."""
    inventory = make_inventory(group_vars={"ecs_task_role_account_id": OTHER_ACCOUNT, **variables})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0
    message = failure(run)
    assert (f"IAM role staging-cerpac-ecs-task-role: the AWS credentials in use belong to account {ACCOUNT}, but the inventory declares "
            f"account {OTHER_ACCOUNT}: refusing to change anything") in message, message
    assert "Create the deployer first" not in run.output
    assert run.calls.actions == ["GetCallerIdentity"], run.calls
    assert iam.list_roles()["Roles"] == []


def test_a_role_made_outside_the_collection_is_refused_unless_adopted(playbook, make_inventory, iam):
    """A role of the same name and path made by hand (or by Terraform): refused with 0 writes, for every kind, before
    the first write of the run; written once the inventory adopts it."""
    name = "staging-worker-ecs-task-execution-role"
    iam.create_role(RoleName=name, Path="/ecs/staging/", AssumeRolePolicyDocument=json.dumps(TRUST), Tags=[{"Key": "ManagedBy", "Value": "Terraform"}])
    iam.put_role_policy(RoleName=name, PolicyName="kept", PolicyDocument=json.dumps(POLICY))
    before = read_live(iam, name)
    run = playbook("deploy.yml", str(make_inventory()))
    assert run.rc != 0
    message = failure(run)
    assert message.startswith("worker: "), message
    assert f"IAM role {name} exists, but not as a role of this collection" in message, message
    assert "ecs_task_execution_role_adopt: true" in message
    assert run.writes == [], run.calls
    assert read_live(iam, name) == before
    adopted = make_inventory(host_vars={"worker": {"ecs_task_execution_role_adopt": True}}, name="adopted")
    run = playbook("deploy.yml", str(adopted))
    assert run.rc == 0, run.output[-3000:]
    assert read_live(iam, name)["tags"] == {"Application": "worker", "Environment": "staging", "ManagedBy": "Ansible",
                                            "Module": "ecs_task_execution_role"}


def test_a_role_of_another_application_or_environment_is_refused(playbook, make_inventory, iam):
    """The collection's own tags, but another application's (or an Environment tag of production): refused, 0 writes; a
    role of the previous release (no Application tag) is accepted and gets it."""
    tags = {"ManagedBy": "Ansible", "Module": "ecs_task_role", "Environment": "staging"}
    iam.create_role(RoleName="staging-cerpac-ecs-task-role", Path="/ecs/staging/", AssumeRolePolicyDocument=json.dumps(TRUST),
                    Tags=[{"Key": k, "Value": v} for k, v in {**tags, "Application": "billing"}.items()])
    iam.create_role(RoleName="staging-worker-ecs-task-role", Path="/ecs/staging/", AssumeRolePolicyDocument=json.dumps(TRUST),
                    Tags=[{"Key": k, "Value": v} for k, v in {**tags, "Environment": "production"}.items()])
    run = playbook("deploy.yml", str(make_inventory()))
    assert run.rc != 0
    message = failure(run)
    assert 'IAM role staging-cerpac-ecs-task-role: its tag Application is "billing"' in message, message
    assert 'IAM role staging-worker-ecs-task-role: its tag Environment is "production"' in message, message
    assert run.writes == [], run.calls
    iam.delete_role(RoleName="staging-cerpac-ecs-task-role")
    iam.delete_role(RoleName="staging-worker-ecs-task-role")
    iam.create_role(RoleName="staging-worker-ecs-task-role", Path="/ecs/staging/", AssumeRolePolicyDocument=json.dumps(TRUST),
                    Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    run = playbook("deploy.yml", str(make_inventory(name="previous")))
    assert run.rc == 0, run.output[-3000:]
    assert read_live(iam, "staging-worker-ecs-task-role")["tags"]["Application"] == "worker"


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` and `calls.actions == []` checks."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES  # pylint: disable=import-outside-toplevel

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls


def test_two_applications_never_share_a_per_application_passrole_policy(playbook, make_inventory, account, iam):
    """One PassRole policy per application (roles not under an environment path) is named <env>-<project_id>-ecs-passrole:
    two hosts with one ecs_task_role_project_id but roles of their own names would write one policy on the deployer, each
    run leaving only one application's roles passable. Refused before any call, both hosts named."""
    before = account()
    inventory = make_inventory(group_vars={"ecs_deployer_passrole_role_name": DEPLOYER, "ecs_deployer_passrole_role_paths": []},
                               host_vars={"cerpac": {"ecs_task_role_project_id": "worker", "ecs_task_role_name": "staging-cerpac-ecs-task-role",
                                                     "ecs_task_execution_role_name": "staging-cerpac-ecs-task-execution-role"}})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0, run.output[-3000:]
    message = failure(run)
    assert message.startswith("cerpac, worker: "), message
    assert "PassRole policy staging-worker-ecs-passrole on the deployer staging-ci-deployer is written by cerpac and worker" in message, message
    assert run.calls.actions == [], run.calls
    assert account() == before


def test_adopt_never_takes_a_role_ecs_cannot_assume(playbook, make_inventory, account):
    """A host that adopts the deployer's role (here not named in the inventory: render-only PassRole) or any role ECS
    tasks cannot assume: refused before the first write, the role left as it was."""
    before = account()
    adopting = {"ecs_task_role_name": DEPLOYER, "ecs_task_role_adopt": True, "ecs_task_role_path": "/", "ecs_iam_deploy_execution_role": False}
    inventory = make_inventory(host_vars={"worker": adopting})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0, run.output[-3000:]
    message = failure(run)
    assert message.startswith("worker: "), message
    assert f"IAM role {DEPLOYER}: its trust policy does not let ECS tasks (ecs-tasks.amazonaws.com) assume it" in message, message
    assert run.writes == [], run.calls
    assert account() == before


def test_extra_vars_cannot_turn_the_inventory_into_another_environment(playbook, make_inventory, account, iam):
    """-e over the inventory's own environment settings (staging's inventory run as production, grants that name no
    environment so that the gate has nothing to say): refused before any call, production's roles unchanged. An extra
    var that fills a setting the inventory leaves empty (here the deployer) is still the run's to give."""
    before = account()
    agnostic = {"ecs_task_role_grants": [], "ecs_iam_deploy_execution_role": False}
    inventory = make_inventory(host_vars={"cerpac": agnostic, "worker": agnostic})
    production = {"ecs_task_role_env": "production", "ecs_task_role_path": "/ecs/production/", "ecs_deployer_passrole_role_paths": ["/ecs/production/"]}
    run = playbook("deploy.yml", str(inventory), extra_vars=production)
    assert run.rc != 0, run.output[-3000:]
    message = failure(run)
    assert message.startswith("cerpac, worker: "), message
    assert ('host cerpac, worker, ecs_task_role_env="production" (extra vars, -e): overrides the inventory\'s own value "staging"'
            in message), message
    assert 'ecs_task_role_path="/ecs/production/" (extra vars, -e): overrides the inventory\'s own value "/ecs/staging/"' in message
    assert run.calls.actions == [], run.calls
    assert account() == before
    filled = playbook("deploy.yml", str(inventory), "--check", extra_vars={"ecs_deployer_passrole_role_name": DEPLOYER})
    assert filled.rc == 0, filled.output[-3000:]


def test_adopt_keeps_only_an_existing_roles_path(playbook, make_inventory, account, iam):
    """An adopted role keeps the path it has (IAM cannot move a role), so its host may give its own path; with no role
    to adopt, that exemption would create a new role outside the environment's path (here /ecs/, which also made the
    leftovers step read /ecs/production/): refused before the first write."""
    before = account()
    inventory = make_inventory(host_vars={"cerpac": {"ecs_task_role_adopt": True, "ecs_task_role_path": "/ecs/", "ecs_iam_deploy_execution_role": False}})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0, run.output[-3000:]
    message = failure(run)
    assert message.startswith("cerpac: "), message
    assert ('IAM role staging-cerpac-ecs-task-role does not exist, so there is nothing to adopt (ecs_task_role_adopt: true) at the path '
            '"/ecs/"') in message, message
    assert run.writes == [], run.calls
    assert account() == before
    assert "staging-cerpac-ecs-task-role" not in [role["RoleName"] for role in iam.list_roles()["Roles"]]


def test_the_leftovers_read_the_environments_path_not_an_adopted_roles(playbook, make_inventory, account, iam):
    """The first host's role adopted where Terraform made it (/ecs/): the leftovers step reads the environment's path
    (/ecs/staging/), never that role's, so production's roles under /ecs/production/ are not staging's leftovers."""
    iam.create_role(RoleName="staging-cerpac-ecs-task-role", Path="/ecs/", AssumeRolePolicyDocument=json.dumps(TRUST),
                    Tags=[{"Key": "ManagedBy", "Value": "Terraform"}])
    iam.create_role(RoleName="staging-gone-ecs-task-role", Path="/ecs/staging/", AssumeRolePolicyDocument=json.dumps(TRUST),
                    Tags=[{"Key": "ManagedBy", "Value": "Ansible"}, {"Key": "Environment", "Value": "staging"}, {"Key": "Module", "Value": "ecs_task_role"}])
    before = account()
    inventory = make_inventory(host_vars={"cerpac": {"ecs_task_role_adopt": True, "ecs_task_role_path": "/ecs/", "ecs_iam_deploy_execution_role": False}})
    run = playbook("deploy.yml", str(inventory))
    assert run.rc == 0, run.output[-3000:]
    leftovers = sorted(line.split()[3] for line in run.output.splitlines() if line.startswith("[WARNING]: leftover role "))
    assert leftovers == ["staging-gone-ecs-task-role"], run.output[-3000:]
    assert account() == before
