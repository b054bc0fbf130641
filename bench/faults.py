"""Deploy and absent of one staging application under injected IAM/STS faults, against the same runs with no fault.

    make bench     (or: PYTHONPATH=.:.collections python -m bench.faults [--runs 20] [--seed N])

Two scopes, each with its own no-fault baseline in the same run:
- "task role": cerpac's task role alone (deploy.yml --limit cerpac -e ecs_iam_deploy_execution_role=false);
- "host + deployer": cerpac's task role, its task execution role and the deployer's PassRole policy on an IAM role
  the benchmark creates first (issue 10 item 1).
For each setting, ``--runs`` times (default 20; fewer for a quick look): a deploy on an empty account through
tests/support/fault_proxy.py, then absent. Every run of every setting has its own seed, drawn from ``--seed`` (a new
random one when not given; printed so that a run can be replayed), so no two runs replay the same faults. The runs
of the settings of a scope are interleaved (run i of every setting, then run i+1), so a drifting load falls on all.
A run succeeds when it exits 0 and every role (and the deployer's policy) is exactly the rendered declaration
(absent: no role), read with boto3 straight from moto. Faults are throttling, 500, 503 and dropped connections before
and after forwarding, in equal parts. Settings: no fault (the baseline), 10% and 30% with AWS_RETRY_MODE=standard /
AWS_MAX_ATTEMPTS=10 in the environment, and 30% with no retry setting in the environment (the roles pass botocore's
standard mode with 10 attempts to every call themselves, so every 30% row should succeed). Reported per setting and
step: the success rate with its 95% interval (Wilson), the median seconds with their range, and the mean requests
and faults; "extra requests" are the requests beyond the baseline's: the retries the faults cost.
"""

import argparse
import json
import random
import signal
import statistics
import sys
import tempfile

import boto3

from bench._samples import ratio, show, success_rate
from tests.support.fault_proxy import KINDS, FaultProxy
from tests.support.local_aws import LocalAWS
from tests.support.reliability import RETRY_ENV, deploy_args, differences, playbook_env, read_live, render_declarations, run_playbook

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


def one_run(aws, proxy, iam, declared, full, share, retry_env, seed):
    """A deploy on an empty account, then absent, through the proxy seeded with ``seed``: {step: result}."""
    env = playbook_env(aws, proxy.url, **retry_env)
    deployer = {"ecs_deployer_passrole_role_name": DEPLOYER} if full else {}
    aws.reset()
    if full:
        iam.create_role(RoleName=DEPLOYER, AssumeRolePolicyDocument=json.dumps(DEPLOYER_TRUST))
    proxy.configure(share=share, seed=seed)
    results = {}
    for step, extra_vars in (("deploy", deployer), ("absent", {"ecs_task_role_state": "absent"})):
        proxy.reset_counts()
        run = run_playbook(deploy_args("staging", extra_vars=extra_vars, execution_role=full), env)
        stats = proxy.stats()
        ok = run.rc == 0 and exactly_as_declared(iam, declared, full, step)
        results[step] = {"ok": ok, "seconds": run.seconds, "requests": stats["requests"], "injected": stats["injected"], "seed": seed}
    return results


def measure(aws, proxy, iam, declared, full, settings, runs, seeds):
    """{setting: {step: [one result per run]}}, the settings' runs interleaved, each run with its own seed."""
    results = {name: {"deploy": [], "absent": []} for name, dummy_share, dummy_env in settings}
    for index in range(runs):
        for name, share, retry_env in settings:
            for step, result in one_run(aws, proxy, iam, declared, full, share, retry_env, seeds.randrange(2 ** 32)).items():
                results[name][step].append(result)
                # one line a run on stderr, so that a bench stopped half-way still leaves its runs
                print(json.dumps({"setting": name, "step": step, "full": full, **result}), file=sys.stderr, flush=True)
    return results


def report(scope, settings, results):
    base = results[settings[0][0]]
    header = (f"{'setting':<20} {'step':<7} {'success':<36} {'seconds':>19} {'ratio':>6} {'requests':>9} {'faults':>7} "
              f"{'extra requests':>15}")
    print(f"\n{scope}:")
    print(header)
    print("-" * len(header))
    totals = {}
    for name, dummy_share, dummy_env in settings:
        for step in ("deploy", "absent"):
            rows = results[name][step]
            requests = statistics.mean(r["requests"] for r in rows)
            base_requests = statistics.mean(r["requests"] for r in base[step])
            faults = statistics.mean(sum(r["injected"].values()) for r in rows)
            for kind in KINDS:
                totals.setdefault(name, {}).setdefault(kind, 0)
                totals[name][kind] += sum(r["injected"][kind] for r in rows)
            print(f"{name:<20} {step:<7} {success_rate(sum(r['ok'] for r in rows), len(rows)):<36} {show(r['seconds'] for r in rows):>19} "
                  f"{ratio([r['seconds'] for r in rows], [r['seconds'] for r in base[step]]):>6.2f} {requests:>9.1f} {faults:>7.1f} "
                  f"{requests - base_requests:>+15.1f}")
            failed = [r["seed"] for r in rows if not r["ok"]]
            if failed:
                print(f"{'':<20} {step:<7} failed with seeds {', '.join(map(str, failed))}")
    for name, kinds in totals.items():
        print(f"faults injected, {name:<20} " + ", ".join(f"{kind} {count}" for kind, count in kinds.items()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per setting (default 20; fewer for a quick look)")
    parser.add_argument("--seed", type=int, help="seed of the runs' seeds (default: a new random one, printed)")
    parser.add_argument("--scope", action="append", choices=[scope for scope, dummy_full, dummy_settings in SCOPES],
                        help="measure only this scope (repeatable; default every scope)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *dummy: sys.exit(143))  # stopped: still stop the endpoint and the proxy
    seed = random.SystemRandom().randrange(2 ** 32) if args.seed is None else args.seed
    seeds = random.Random(seed)
    with LocalAWS() as aws, FaultProxy(aws.url) as proxy:
        iam = boto3.client("iam", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
        with tempfile.TemporaryDirectory() as directory:
            declared = render_declarations(directory, extra_vars={"ecs_deployer_passrole_role_name": DEPLOYER})
        print(f"staging's cerpac deployed (from an empty account) and removed, {args.runs} runs per setting, each with its own seed "
              f"(--seed {seed} replays them); faults in equal parts of {', '.join(KINDS)}; seconds: median (min-max)")
        for scope, full, settings in SCOPES:
            if args.scope and scope not in args.scope:
                continue
            report(scope, settings, measure(aws, proxy, iam, declared, full, settings, args.runs, seeds))


if __name__ == "__main__":
    main()
