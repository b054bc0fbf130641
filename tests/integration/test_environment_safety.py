"""A staging inventory can never change a production role, nor grant access to production's resources, nor run
against an account it did not declare.

Through the real playbooks and copies of the shipped inventories (one host per application), each run proving several
things at once (a host per case):
- the account guard: the account id is required (deploy and absent refuse without one, before any AWS call) unless
  the inventory opts out with ecs_task_role_allow_any_account, and then the run uses the caller's account; render
  never asks AWS (STS) for it; credentials of another account are refused before any write, in check mode too, by the
  task role, the task execution role and the deployer's PassRole role;
- CROSS_ENVIRONMENT: a grant, an inline policy or a start-up secret naming another environment's resource is refused
  before any AWS call (preproduction is not production);
- the role-name prefix: a role name that does not start with the inventory's environment is refused, for state=absent
  as well, so a staging run cannot delete a production role either; an execution role of another environment than
  the inventory's (ecs_iam_env, playbooks/vars/environment.yml) likewise;
- the deployer's PassRole policy cannot be pointed at production's roles or policy from a staging inventory.
"""

import json
import pathlib
import shutil

import boto3
import pytest
import yaml

from tests.support.local_aws import LocalAWS
from tests.support.reliability import deploy_args, playbook_env, read_live, run_playbook

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"  # moto's, and the shipped inventories'
OTHER_ACCOUNT = "999999999999"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
DEPLOYER_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::production-cerpac-uploads/*"}]}
PRODUCTION_TASK_ROLE = "production-cerpac-ecs-task-role"
DEPLOYER = "ci-deployer"
ACCOUNT_REQUIRED = ('_account_id="": is empty: the run would change whatever account the credentials reach. Declare the environment\'s '
                    '12-digit account id (quoted), so that credentials of any other account are refused before any write; or, to run '
                    'against the caller\'s account on purpose, set ')
OPTED_OUT = {"ecs_task_role_account_id": "", "ecs_task_role_allow_any_account": True}


def inventory_with(tmp_path, env="staging", group=None, hosts=None):
    """A copy of inventories/<env> as an inventory author would change it: `group` added to its group_vars, `hosts`
    ({application: host_vars}) added as hosts or merged into their host_vars."""
    inventory = tmp_path / env
    shutil.copytree(REPO / "inventories" / env, inventory)
    if group:
        (inventory / "group_vars" / "all" / "zz_test.yml").write_text(yaml.safe_dump(group))
    listing = yaml.safe_load((inventory / "hosts.yml").read_text())
    for name, values in (hosts or {}).items():
        listing["ecs_iam"]["hosts"].setdefault(name, None)
        path = inventory / "host_vars" / f"{name}.yml"
        path.write_text(yaml.safe_dump({**(yaml.safe_load(path.read_text()) if path.exists() else {}), **values}))
    (inventory / "hosts.yml").write_text(yaml.safe_dump(listing))
    return str(inventory)


def create_role(iam, name, path):
    """A role with one inline policy, made straight on moto: what a run must leave as it is."""
    iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName=name, PolicyName="kept", PolicyDocument=json.dumps(POLICY))
    return read_live(iam, name)


def messages(run):
    """{host: the failure message} of a run."""
    return {host: result.get("msg", "") for host, result in run.failures.items()}


# (a) The account guard ----------------------------------------------------------------------------------------------

def test_deploy_and_absent_refuse_to_run_without_an_account_id(playbook, iam, tmp_path):
    """Issue 10 item 5: with ecs_task_role_account_id empty and no opt-out, deploy (cerpac) and absent (worker) are
    refused for every application, naming the field and the opt-out, before any AWS call: not even STS."""
    kept = {name: create_role(iam, name, "/ecs/staging/") for name in ("staging-worker-ecs-task-role", "staging-worker-ecs-task-execution-role")}
    inventory = inventory_with(tmp_path, group={"ecs_task_role_account_id": ""}, hosts={"worker": {"ecs_task_role_state": "absent"}})
    run = playbook("deploy.yml", inventory)
    assert run.rc != 0
    refused = messages(run)
    assert sorted(refused) == ["cerpac", "worker"], run.output[-3000:]
    for host, message in refused.items():
        assert message.startswith(f"host {host}, ecs_task_role: 1 problem(s) in the inputs, nothing was changed in AWS:\n"), message
        assert f"- ecs_task_role{ACCOUNT_REQUIRED}ecs_task_role_allow_any_account: true." in message
    assert run.calls.actions == [], run.calls
    assert {name: read_live(iam, name) for name in kept} == kept


def test_render_never_asks_aws_for_the_account(playbook, tmp_path):
    """render.yml fills ARNs without asking AWS: opted out and with no account, it is refused, and calls nothing."""
    inventory = inventory_with(tmp_path, group=OPTED_OUT)
    run = playbook("render.yml", inventory, extra_vars={"render_dir": str(tmp_path / "rendered")})
    assert run.rc != 0
    refused = messages(run)
    assert sorted(refused) == ["cerpac", "worker"], run.output[-3000:]
    for message in refused.values():
        assert ('- ecs_task_role_account_id="": is empty, and rendering fills ARNs without asking AWS. Declare the 12-digit account id '
                '(quoted), for example "123456789012".') in message
    assert run.calls.actions == [], run.calls
    assert not (tmp_path / "rendered").exists()


def test_the_opt_out_runs_against_the_callers_account(tmp_path):
    """With ecs_task_role_allow_any_account and no account id, the account is read from STS: against an endpoint of
    another account than the shipped inventories' (a moto server of its own), every ARN and trust condition of both
    roles of both applications and of the deployer's PassRole policy names the caller's account."""
    inventory = inventory_with(tmp_path, group={**OPTED_OUT, "ecs_deployer_passrole_role_name": DEPLOYER})
    with LocalAWS(account_id=OTHER_ACCOUNT, log_path=str(tmp_path / "moto.log")) as aws:
        iam = boto3.client("iam", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
        iam.create_role(RoleName=DEPLOYER, AssumeRolePolicyDocument=json.dumps(DEPLOYER_TRUST))
        with aws.recording() as calls:
            run = run_playbook(deploy_args(inventory, limit=None, execution_role=True), playbook_env(aws))
        assert run.rc == 0, run.output[-3000:]
        assert calls.count("GetCallerIdentity") >= 1
        roles = sorted(role["RoleName"] for role in iam.list_roles()["Roles"])
        assert roles == [DEPLOYER, "staging-cerpac-ecs-task-execution-role", "staging-cerpac-ecs-task-role",
                         "staging-worker-ecs-task-execution-role", "staging-worker-ecs-task-role"]
        live = {name: read_live(iam, name) for name in roles[1:]}
        passrole = iam.get_role_policy(RoleName=DEPLOYER, PolicyName="staging-ecs-passrole")["PolicyDocument"]
    for name, role in live.items():
        assert role["trust_policy"]["Statement"][0]["Condition"] == {
            "StringEquals": {"aws:SourceAccount": OTHER_ACCOUNT}, "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:eu-west-1:{OTHER_ACCOUNT}:*"}}, name
        assert ACCOUNT not in json.dumps(role) and "000000000000" not in json.dumps(role), name
    queue = live["staging-worker-ecs-task-role"]["inline_policies"]["grants-sqs"]["Statement"][0]["Resource"]
    assert queue == [f"arn:aws:sqs:eu-west-1:{OTHER_ACCOUNT}:staging-worker-jobs"]
    assert passrole["Statement"][0]["Resource"] == [f"arn:aws:iam::{OTHER_ACCOUNT}:role/ecs/staging/*"]


def test_credentials_of_another_account_are_refused_before_any_write(playbook, iam, tmp_path):
    """The inventory declares another account than the credentials': deploy (cerpac) and absent (worker) change nothing."""
    kept = {name: create_role(iam, name, "/ecs/staging/") for name in (
        "staging-cerpac-ecs-task-role", "staging-cerpac-ecs-task-execution-role", "staging-worker-ecs-task-role")}
    inventory = inventory_with(tmp_path, group={"ecs_task_role_account_id": OTHER_ACCOUNT}, hosts={"worker": {"ecs_task_role_state": "absent"}})
    run = playbook("deploy.yml", inventory)
    assert run.rc != 0
    for host in ("cerpac", "worker"):
        assert (f"host {host}, IAM role staging-{host}-ecs-task-role: the AWS credentials in use belong to account {ACCOUNT}, but the "
                f"inventory declares account {OTHER_ACCOUNT}: refusing to change anything.") in run.output, run.output[-3000:]
    assert run.writes == [], run.calls
    assert {name: read_live(iam, name) for name in kept} == kept


def test_the_execution_role_refuses_another_account_in_check_mode_too(playbook, iam):
    """Only the task execution role's account differs: refused for every application before any AWS call, in check
    mode too (issue 21 item 6: the task roles used to be planned and the execution roles refused after them)."""
    run = playbook("deploy.yml", "staging", "--check", extra_vars={"ecs_task_execution_role_account_id": OTHER_ACCOUNT})
    assert run.rc != 0
    flat = " ".join(run.output.split())
    for host in ("cerpac", "worker"):
        assert (f'host {host}, ecs_task_execution_role_account_id="{OTHER_ACCOUNT}": differs from the account of the application\'s task role '
                f"({ACCOUNT})") in flat, run.output[-3000:]
    assert run.calls.actions == [], run.calls
    assert iam.list_roles()["Roles"] == []


def test_the_deployer_passrole_role_refuses_a_deployer_of_another_account(playbook, iam, tmp_path):
    """ecs_deployer_passrole on its own, declared for another account than the deployer's (a role, and a user)."""
    iam.create_role(RoleName=DEPLOYER, AssumeRolePolicyDocument=json.dumps(DEPLOYER_TRUST))
    iam.create_user(UserName="ci-deployer-user")
    common = {"ecs_deployer_passrole_role_paths": ["/ecs/staging/"], "ecs_deployer_passrole_account_id": OTHER_ACCOUNT,
              "ecs_deployer_passrole_region": "eu-west-1", "ansible_connection": "local",
              "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    hosts = {"by-role": {**common, "ecs_deployer_passrole_role_name": DEPLOYER},
             "by-user": {**common, "ecs_deployer_passrole_user_name": "ci-deployer-user"}}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    (tmp_path / "passrole.yml").write_text(yaml.safe_dump([{"name": "The deployer's PassRole policy", "hosts": "all", "gather_facts": False,
                                                            "tasks": [{"ansible.builtin.include_role": {"name": "cerpac.ecs_iam.ecs_deployer_passrole"}}]}]))
    run = playbook(str(tmp_path / "passrole.yml"), str(tmp_path / "hosts.yml"))
    assert run.rc != 0
    refused = messages(run)
    assert sorted(refused) == ["by-role", "by-user"], run.output[-3000:]
    # Each application is refused with its own deployer named (the deployers are read once, for the play).
    assert refused["by-role"].startswith(f"by-role: deployer role {DEPLOYER}: the AWS credentials in use belong to account {ACCOUNT}, but the "
                                         f"inventory declares account {OTHER_ACCOUNT}: refusing to change anything."), refused["by-role"]
    assert refused["by-user"].startswith(f"by-user: deployer user ci-deployer-user: the AWS credentials in use belong to account {ACCOUNT}, "
                                         f"but the inventory declares account {OTHER_ACCOUNT}: refusing to change anything."), refused["by-user"]
    assert run.writes == [], run.calls
    assert iam.list_role_policies(RoleName=DEPLOYER)["PolicyNames"] == []
    assert iam.list_user_policies(UserName="ci-deployer-user")["PolicyNames"] == []


# (b) CROSS_ENVIRONMENT and (c) the role-name prefix, for the task role ----------------------------------------------

def test_a_staging_task_role_can_never_reach_production(playbook, iam, tmp_path):
    """One deploy.yml run, one application per case; every input is checked before any AWS call, so one bad
    application stops all, and the run calls nothing. The look-alike (preproduction) passes the check."""
    production = create_role(iam, PRODUCTION_TASK_ROLE, "/ecs/production/")
    inventory = inventory_with(tmp_path, hosts={
        "cerpac": {"ecs_task_role_grants": [{"service": "s3", "access": ["read"], "resources": ["production-cerpac-uploads"]}]},
        "worker": {"ecs_task_role_grants": [{"service": "ssm", "access": ["read"], "resources": ["/production/myapp/"]}]},
        "api": {"ecs_task_role_policies": [{"name": "uploads", "document": POLICY}]},
        "lookalike": {"ecs_task_role_grants": [{"service": "s3", "access": ["read"], "resources": ["preproduction-cerpac-uploads"]}]},
        "takeover": {"ecs_task_role_name": PRODUCTION_TASK_ROLE},
        "removal": {"ecs_task_role_name": PRODUCTION_TASK_ROLE, "ecs_task_role_state": "absent"},
    })
    run = playbook("deploy.yml", inventory)
    assert run.rc != 0
    refused = messages(run)
    assert sorted(refused) == ["api", "cerpac", "removal", "takeover", "worker"], run.output[-3000:]
    assert "CROSS_ENVIRONMENT" in refused["cerpac"] and "arn:aws:s3:::production-cerpac-uploads" in refused["cerpac"]
    assert refused["cerpac"].splitlines()[1].startswith("- ecs_task_role_grants (policy grants-s3): CROSS_ENVIRONMENT")
    assert refused["worker"].splitlines()[1].startswith("- ecs_task_role_grants (policy grants-ssm): CROSS_ENVIRONMENT")
    assert "parameter/production/myapp/" in refused["worker"]
    assert refused["api"].splitlines()[1].startswith("- ecs_task_role_policies (policy uploads): CROSS_ENVIRONMENT")
    for host in ("takeover", "removal"):
        assert refused[host].splitlines()[1:] == [
            f'- ecs_task_role_name="{PRODUCTION_TASK_ROLE}": (31 characters) an IAM role name has 1 to 64 characters among letters, digits '
            'and +=,.@_- and, so that one environment\'s inventory can never change another\'s role, must start with "staging-". Shorten it, '
            "or leave ecs_task_role_name unset for the default <env>-<project_id>-ecs-task-role."]
    assert run.calls.actions == [], run.calls  # refused before the first AWS call
    assert read_live(iam, PRODUCTION_TASK_ROLE) == production
    assert [role["RoleName"] for role in iam.list_roles()["Roles"]] == [PRODUCTION_TASK_ROLE]


def test_preproduction_is_not_production_in_production_either(playbook, tmp_path):
    """A whole word only: preproduction-... names neither production's own environment nor preprod; render.yml makes
    no AWS call. (Staging's case is the look-alike of the test above.)"""
    grants = [{"service": "s3", "access": ["read"], "resources": ["preproduction-cerpac-uploads"]}]
    inventory = inventory_with(tmp_path, "production", hosts={"cerpac": {"ecs_task_role_grants": grants}})
    run = playbook("render.yml", inventory, "--limit", "cerpac", extra_vars={"render_dir": str(tmp_path / "rendered")})
    assert run.rc == 0, run.output
    assert "CROSS_ENVIRONMENT" not in run.output
    policy = json.loads((tmp_path / "rendered" / "production" / "cerpac" / "task-role" / "policy-grants-s3.json").read_text())
    assert policy["Statement"][0]["Resource"] == ["arn:aws:s3:::preproduction-cerpac-uploads/*"]
    assert run.calls.actions == []


# ... for the task execution role ------------------------------------------------------------------------------------

def test_a_staging_execution_role_can_never_reach_production(playbook, iam, tmp_path):
    """A production secret, a production role name (present and absent), and the production environment (present and
    absent: the inventory deploys staging, ecs_iam_env) on the execution role: all refused before any AWS call."""
    names = [f"production-{app}-ecs-task-execution-role" for app in ("worker", "api", "jobs", "batch")]
    production = {name: create_role(iam, name, "/ecs/production/") for name in names}
    inventory = inventory_with(tmp_path, hosts={
        "cerpac": {"ecs_task_execution_role_secrets": ["production/cerpac/*"]},
        "worker": {"ecs_task_execution_role_name": names[0]},
        "api": {"ecs_task_execution_role_name": names[1], "ecs_task_execution_role_state": "absent"},
        "jobs": {"ecs_task_execution_role_env": "production"},
        "batch": {"ecs_task_execution_role_env": "production", "ecs_task_execution_role_state": "absent"},
    })
    run = playbook("deploy.yml", inventory)
    assert run.rc != 0
    refused = messages(run)
    assert sorted(refused) == ["api", "batch", "cerpac", "jobs", "worker"], run.output[-3000:]
    assert refused["cerpac"].splitlines()[1].startswith("- ecs_task_execution_role_secrets (policy ecs-startup-secrets): CROSS_ENVIRONMENT")
    assert "production/cerpac" in refused["cerpac"]
    for host, name in (("worker", names[0]), ("api", names[1])):
        assert refused[host].splitlines()[1].startswith(f'- ecs_task_execution_role_name="{name}": '), refused[host]
        assert 'must start with "staging-"' in refused[host]
    for host in ("jobs", "batch"):
        assert refused[host].splitlines()[1:] == [
            '- ecs_task_execution_role_env="production": differs from the environment this inventory deploys ("staging"). One inventory '
            "deploys one environment, so that a staging inventory can never change another environment's roles: leave "
            "ecs_task_execution_role_env unset, or deploy the other environment with its own inventory."]
    assert run.calls.actions == [], run.calls
    assert {name: read_live(iam, name) for name in names} == production


# (d) The deployer's PassRole policy ---------------------------------------------------------------------------------

PRODUCTION_ARN = f"arn:aws:iam::{ACCOUNT}:role/ecs/production/{PRODUCTION_TASK_ROLE}"
POLICY_NAME_REFUSED = ('ecs_deployer_passrole_policy_name="production-ecs-passrole": names environment "production", which is not the one '
                       'this inventory deploys (staging)')


@pytest.mark.parametrize("group, refusals", [
    # the policy-name guard alone: production's policy name on the shared deployer
    ({"ecs_deployer_passrole_policy_name": "production-ecs-passrole"}, [POLICY_NAME_REFUSED]),
    # the PassRole resources alone: a production role named from staging, refused by the environment step (which
    # decides the PassRole policies, before the deployer role's own check and the gate)
    ({"ecs_deployer_passrole_role_arns": [PRODUCTION_ARN]},
     ['ecs_deployer_passrole_role_arns[0]="%s": is not a role of staging (its name does not start with "staging-")' % PRODUCTION_ARN]),
    # both at once: the first refusal stops the run before any AWS call
    ({"ecs_deployer_passrole_policy_name": "production-ecs-passrole", "ecs_deployer_passrole_role_arns": [PRODUCTION_ARN]},
     ['ecs_deployer_passrole_role_arns[0]="%s": is not a role of staging' % PRODUCTION_ARN]),
])
def test_a_staging_inventory_cannot_point_the_passrole_policy_at_production(group, refusals, playbook, iam, tmp_path):
    """The staging inventory names production's policy name, or a production role, for its deployer: refused before
    any write, with the reason, and nothing lands on the deployer."""
    iam.create_role(RoleName=DEPLOYER, AssumeRolePolicyDocument=json.dumps(DEPLOYER_TRUST))
    run = playbook("deploy.yml", inventory_with(tmp_path, group={"ecs_deployer_passrole_role_name": DEPLOYER, **group}))
    assert run.rc == 2, run.output
    assert run.writes == [], run.calls
    assert run.failures, run.output
    for words in refusals:
        assert words in run.output, (words, messages(run))
    assert "nothing was changed in AWS" in run.output
    assert iam.list_role_policies(RoleName=DEPLOYER)["PolicyNames"] == []


def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
    """Positive control of this module's `writes == []` and `calls == []` checks: through the same `playbook` fixture
    and moto recorder, tests/support/write_control.yml's two known writes are seen, as writes (issue 10, item 2)."""
    from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES  # pylint: disable=import-outside-toplevel

    run = playbook(CONTROL_PLAYBOOK)
    assert run.rc == 0, run.output
    assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
