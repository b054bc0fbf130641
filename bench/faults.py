"""Deploy and absent of one staging application under injected IAM/STS faults, against the same runs with no fault.

    make bench     (or: PYTHONPATH=$PWD:$PWD/.collections .venv/bin/python -m bench.faults; BENCH_FAULT_RUNS=10 for more runs)

Two scopes, each with its own no-fault baseline in the same run:
- "task role": cerpac's task role alone (deploy.yml --limit cerpac -e ecs_iam_deploy_execution_role=false);
- "host + deployer": cerpac's task role, its task execution role and the deployer's PassRole policy on an IAM role
  the benchmark creates first (issue 10 item 1).
For each setting, BENCH_FAULT_RUNS times (seed i): a deploy on an empty account through tests/support/fault_proxy.py,
then absent. A run succeeds when it exits 0 and every role (and the deployer's policy) is exactly the rendered
declaration (absent: no role), read with boto3 straight from moto. Faults are throttling, 500, 503 and dropped
connections before and after forwarding, in equal parts. Settings: no fault (the baseline), 10% and 30% with
AWS_RETRY_MODE=standard / AWS_MAX_ATTEMPTS=10 in the environment, and 30% with no retry setting in the environment
(the roles pass botocore's standard mode with 10 attempts to every call themselves, so every 30% row should succeed).
"extra requests" are the requests beyond the baseline's: the retries the faults cost.
"""

import json
import os
import statistics
import tempfile

import boto3

from tests.support.fault_proxy import KINDS, FaultProxy
from tests.support.local_aws import LocalAWS
from tests.support.reliability import RETRY_ENV, deploy_args, differences, playbook_env, read_live, render_declarations, run_playbook

RUNS = int(os.environ.get("BENCH_FAULT_RUNS", "3"))
ROLE = "staging-cerpac-ecs-task-role"
EXECUTION_ROLE = "staging-cerpac-ecs-task-execution-role"
DEPLOYER = "ci-deployer"
PASSROLE_POLICY = "staging-ecs-passrole"
DEPLOYER_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
# (scope, with the execution role and a deployer, settings: (name, share, environment))
SCOPES = [
    ("task role", False, [("no faults", 0.0, RETRY_ENV), ("10%, retry env", 0.1, RETRY_ENV), ("30%, retry env", 0.3, RETRY_ENV),
                          ("30%, no retry env", 0.3, {})]),
    ("host + deployer", True, [("no faults", 0.0, {}), ("30%, no retry env", 0.3, {})]),
]


def exactly_as_declared(iam, declared, full, step):
    """Whether every role of the scope (and the deployer's policy) is as declared after `step`."""
    if step == "absent":
        return read_live(iam, ROLE) is None and read_live(iam, EXECUTION_ROLE) is None
    if differences(declared["task-role"], read_live(iam, ROLE)):
        return False
    if not full:
        return read_live(iam, EXECUTION_ROLE) is None
    policies = iam.list_role_policies(RoleName=DEPLOYER)["PolicyNames"]
    return (differences(declared["execution-role"], read_live(iam, EXECUTION_ROLE)) == [] and policies == [PASSROLE_POLICY]
            and iam.get_role_policy(RoleName=DEPLOYER, PolicyName=PASSROLE_POLICY)["PolicyDocument"] == declared["passrole"])


def measure(aws, proxy, iam, declared, full, share, retry_env):
    results = {"deploy": [], "absent": []}
    env = playbook_env(aws, proxy.url, **retry_env)
    deployer = {"ecs_deployer_passrole_role_name": DEPLOYER} if full else {}
    for seed in range(RUNS):
        aws.reset()
        if full:
            iam.create_role(RoleName=DEPLOYER, AssumeRolePolicyDocument=json.dumps(DEPLOYER_TRUST))
        proxy.configure(share=share, seed=seed)
        for step, extra_vars in (("deploy", deployer), ("absent", {"ecs_task_role_state": "absent"})):
            proxy.reset_counts()
            run = run_playbook(deploy_args("staging", extra_vars=extra_vars, execution_role=full), env)
            stats = proxy.stats()
            ok = run.rc == 0 and exactly_as_declared(iam, declared, full, step)
            results[step].append({"ok": ok, "seconds": run.seconds, "requests": stats["requests"], "injected": stats["injected"]})
    return results


def report(scope, settings, results):
    base = results[settings[0][0]]
    header = f"{'setting':<20} {'step':<7} {'success':>8} {'median s':>9} {'ratio':>6} {'requests':>9} {'faults':>7} {'extra requests':>15}"
    print(f"\n{scope}:")
    print(header)
    print("-" * len(header))
    totals = {}
    for name, dummy_share, dummy_env in settings:
        for step in ("deploy", "absent"):
            rows = results[name][step]
            median = statistics.median(r["seconds"] for r in rows)
            base_median = statistics.median(r["seconds"] for r in base[step])
            requests = statistics.mean(r["requests"] for r in rows)
            base_requests = statistics.mean(r["requests"] for r in base[step])
            faults = statistics.mean(sum(r["injected"].values()) for r in rows)
            succeeded = sum(r["ok"] for r in rows)
            for kind in KINDS:
                totals.setdefault(name, {}).setdefault(kind, 0)
                totals[name][kind] += sum(r["injected"][kind] for r in rows)
            print(f"{name:<20} {step:<7} {succeeded:>4}/{len(rows):<3} {median:>9.2f} {median / base_median:>6.2f} {requests:>9.1f} {faults:>7.1f} "
                  f"{requests - base_requests:>+15.1f}")
    for name, kinds in totals.items():
        print(f"faults injected, {name:<20} " + ", ".join(f"{kind} {count}" for kind, count in kinds.items()))


def main():
    with LocalAWS() as aws, FaultProxy(aws.url) as proxy:
        iam = boto3.client("iam", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
        with tempfile.TemporaryDirectory() as directory:
            declared = render_declarations(directory, extra_vars={"ecs_deployer_passrole_role_name": DEPLOYER})
        print(f"staging's cerpac deployed (from an empty account) and removed, {RUNS} runs each per setting; faults in equal parts of "
              f"{', '.join(KINDS)}")
        for scope, full, settings in SCOPES:
            results = {name: measure(aws, proxy, iam, declared, full, share, retry_env) for name, share, retry_env in settings}
            report(scope, settings, results)


if __name__ == "__main__":
    main()
