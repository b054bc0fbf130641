"""Deploy and absent of staging under injected IAM/STS faults, against the same runs with no fault.

    make bench            (or: .venv/bin/python bench/faults.py; BENCH_FAULT_RUNS=10 for more runs)

For each setting, BENCH_FAULT_RUNS times (seed i): a deploy of staging on an empty account through
tests/support/fault_proxy.py, then absent. A run succeeds when it exits 0 and the role is exactly the rendered
declaration (absent: no role), read with boto3 straight from moto. Faults are throttling, 500, 503 and dropped
connections before and after forwarding, in equal parts. Settings: no fault (the baseline), 10% and 30% with
AWS_RETRY_MODE=standard / AWS_MAX_ATTEMPTS=10 in the environment, and 30% with no retry setting in the environment
(the role passes botocore's standard mode with 10 attempts to every call itself, so both 30% rows should succeed).
"extra requests" are the requests beyond the baseline's: the retries the faults cost.
"""

import os
import pathlib
import statistics
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent

import boto3

from tests.support.fault_proxy import KINDS, FaultProxy
from tests.support.local_aws import LocalAWS
from tests.support.reliability import RETRY_ENV, deploy_args, differences, playbook_env, read_live, render_declaration, run_playbook

RUNS = int(os.environ.get("BENCH_FAULT_RUNS", "3"))
SETTINGS = [
    ("no faults", 0.0, RETRY_ENV),
    ("10%, retry env", 0.1, RETRY_ENV),
    ("30%, retry env", 0.3, RETRY_ENV),
    ("30%, no retry env", 0.3, {}),
]
ROLE = "staging-cerpac-ecs-task-role"


def measure(aws, proxy, iam, declared, share, retry_env):
    results = {"deploy": [], "absent": []}
    env = playbook_env(aws, proxy.url, **retry_env)
    for seed in range(RUNS):
        aws.reset()
        proxy.configure(share=share, seed=seed)
        for step, extra_vars, want in (("deploy", None, declared), ("absent", {"ecs_task_role_state": "absent"}, None)):
            proxy.reset_counts()
            run = run_playbook(deploy_args("staging", extra_vars=extra_vars), env)
            stats = proxy.stats()
            ok = run.rc == 0 and differences(want, read_live(iam, ROLE)) == []
            results[step].append({"ok": ok, "seconds": run.seconds, "requests": stats["requests"], "injected": stats["injected"]})
    return results


def main():
    with LocalAWS() as aws, FaultProxy(aws.url) as proxy:
        iam = boto3.client("iam", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
        with tempfile.TemporaryDirectory() as directory:
            declared = render_declaration(directory)
        results = {name: measure(aws, proxy, iam, declared, share, retry_env) for name, share, retry_env in SETTINGS}

    base = results[SETTINGS[0][0]]
    print(f"staging deploy (from an empty account) and absent, {RUNS} runs each per setting; faults in equal parts of {', '.join(KINDS)}")
    header = f"{'setting':<24} {'step':<7} {'success':>8} {'median s':>9} {'ratio':>6} {'requests':>9} {'faults':>7} {'extra requests':>15}"
    print(header)
    print("-" * len(header))
    totals = {}
    for name, dummy_share, dummy_env in SETTINGS:
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
            print(f"{name:<24} {step:<7} {succeeded:>4}/{len(rows):<3} {median:>9.2f} {median / base_median:>6.2f} {requests:>9.1f} {faults:>7.1f} "
                  f"{requests - base_requests:>+15.1f}")
    print()
    for name, kinds in totals.items():
        print(f"faults injected, {name:<24} " + ", ".join(f"{kind} {count}" for kind, count in kinds.items()))


if __name__ == "__main__":
    main()
