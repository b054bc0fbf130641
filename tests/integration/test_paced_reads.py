"""role_plan paces its concurrent reads to IAM's rate (plugins/module_utils/_aws_client.py): through
tests/support/fault_proxy.py answering ``Throttling`` above a token bucket, as IAM does above the account's rate.

The roles are made straight on moto; then a playbook runs role_plan over them through the proxy, as deploy.yml's
ownership pass does (one GetRole each, 8 threads), and deploy.yml passes ``-e ecs_iam_requests_per_second`` on."""

import json

import pytest
import yaml

from tests.support.reliability import ANSIBLE_PLAYBOOK, deploy_args, playbook_env, run_playbook

pytestmark = pytest.mark.integration

ROLES = 24
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def plan_playbook(tmp_path, names, extra_args):
    declarations = [{"role_name": name, "host": name, "state": "present", "account_id": "123456789012"} for name in names]
    task = {"cerpac.ecs_iam.role_plan": dict({"roles": declarations, "ownership_only": True, "refuse_others": False,
                                              "caller": {"account_id": "123456789012", "partition": "aws"}}, **extra_args)}
    path = tmp_path / "plan.yml"
    path.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [task],
                                    "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"}}]))
    return path


@pytest.fixture
def roles(iam):
    names = [f"paced-app{index:02d}-ecs-task-role" for index in range(ROLES)]
    for name in names:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    return names


def plan_through(proxy, aws, tmp_path, names, **extra_args):
    # 10 requests a second, 4 at most at once: the 8 readers, unpaced, burst past it at once.
    proxy.configure(latency=0.01, rate=10, burst=4)
    proxy.reset_counts()
    run = run_playbook([ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", str(plan_playbook(tmp_path, names, extra_args))],
                       playbook_env(aws, proxy.url))
    assert run.rc == 0, run.output[-3000:]
    return proxy.stats()


def test_paced_reads_meet_no_throttling(proxy, aws, tmp_path, roles):
    stats = plan_through(proxy, aws, tmp_path, roles, requests_per_second=8)
    assert stats["throttled"] == 0
    assert stats["seen"].get("GetRole") == ROLES


def test_unpaced_reads_are_throttled_and_a_local_endpoint_is_not_paced_by_default(proxy, aws, tmp_path, roles):
    # The positive control of the test above (the same reads, the proxy's same rate) and the default on 127.0.0.1.
    for extra in ({"requests_per_second": 0}, {}):
        stats = plan_through(proxy, aws, tmp_path, roles, **extra)
        assert stats["throttled"] > 0, extra
        assert stats["answered"].get("GetRole") == ROLES  # botocore's retries still read every role


def test_deploy_refuses_a_negative_rate_before_any_write(aws):
    command = deploy_args("staging", extra_vars={"ecs_iam_requests_per_second": -1})
    with aws.recording() as calls:
        run = run_playbook(command, playbook_env(aws))
    assert run.rc != 0
    assert "requests_per_second must be 0 (unpaced) or more, not -1.0" in run.output
    assert calls.writes == []
