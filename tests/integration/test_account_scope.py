"""Issue 18.3 through the real playbooks: a grant of every secret or table of the account stops the run before any AWS
call, naming the application, the code and the application's own prefix; a grant into another account is a warning
that does not stop the run, is said on the run and is listed on the access page; an exception accepts it."""

import json

import pytest

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"


def _policy(action, resource):
    return {"name": "extra", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}}


def test_account_wide_grants_stop_the_run_before_any_aws_call(playbook, make_inventory, tmp_path):
    inventory = make_inventory(hosts=["cerpac", "worker", "api"], host_vars={
        "cerpac": {"ecs_task_role_policies": [_policy("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:*")]},
        "worker": {"ecs_task_role_policies": [_policy("dynamodb:Scan", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/*")]},
        "api": {"ecs_task_role_grants": [{"service": "sqs", "access": ["send"], "resources": ["staging-api-jobs"]}]},
    })
    run = playbook("deploy.yml", str(inventory))
    assert run.rc != 0
    refused = {host: result.get("msg", "") for host, result in run.failures.items()}
    assert sorted(refused) == ["cerpac", "worker"], run.output[-3000:]
    assert refused["cerpac"].splitlines()[1].startswith("- ecs_task_role_policies (policy extra): ACCOUNT_WIDE [error]")
    assert f"e.g. arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:staging-cerpac-* " in refused["cerpac"]
    assert refused["worker"].splitlines()[1].startswith("- ecs_task_role_policies (policy extra): ACCOUNT_WIDE [error]")
    assert f"e.g. arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/staging-worker-* " in refused["worker"]
    assert run.calls.actions == [], run.calls


def test_a_grant_into_another_account_is_a_warning_on_the_run_and_the_page(playbook, make_inventory, tmp_path):
    other = {"service": "sqs", "access": ["send"], "resources": ["reports"], "account_id": "999999999999"}
    inventory = make_inventory(host_vars={"worker": {"ecs_task_role_grants": [other]}})
    run = playbook("render.yml", str(inventory), extra_vars={"render_dir": str(tmp_path / "out")})
    assert run.rc == 0, run.output[-3000:]
    assert run.calls.actions == []
    assert "worker: ecs_task_role: not accepted, does not block: CROSS_ACCOUNT [warning]" in run.output
    page = (tmp_path / "out" / "staging" / "ACCESS.md").read_text()
    assert ("| task | `grants-sqs` | `CROSS_ACCOUNT` | `arn:aws:sqs:eu-west-1:999999999999:reports` | arn:aws:sqs:eu-west-1:999999999999:reports"
            " is in account 999999999999, not the role's account 123456789012") in page
    accepted = make_inventory(name="accepted", host_vars={"worker": {"ecs_task_role_grants": [other], "ecs_task_role_grant_exceptions": [
        {"code": "CROSS_ACCOUNT", "resource": "arn:aws:sqs:*:999999999999:*", "reason": "reports go to the reporting account (OPS-7)"}]}})
    run = playbook("render.yml", str(accepted), extra_vars={"render_dir": str(tmp_path / "accepted")})
    assert run.rc == 0, run.output[-3000:]
    page = (tmp_path / "accepted" / "staging" / "ACCESS.md").read_text()
    assert "Findings not accepted" not in page and "reports go to the reporting account (OPS-7)" in page
    assert json.loads((tmp_path / "accepted" / "staging" / "worker" / "task-role" / "policy-grants-sqs.json").read_text())[
        "Statement"][0]["Resource"] == ["arn:aws:sqs:eu-west-1:999999999999:reports"]
