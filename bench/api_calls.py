"""Count the IAM/STS calls of our role against the hand-written baseline, in one run, on one moto server.

    make bench            (or: PYTHONPATH=.:.collections .venv/bin/python -m bench.api_calls)

For each step (create, re-run, check mode on an empty account, delete) both playbooks run against an empty
account (re-run and delete after a create), with moto's request recorder on. Prints calls, writes and
seconds of each, and ours minus the baseline. Target: at most one call more per run (the account check),
and zero writes on a re-run and in check mode.
"""

import os
import pathlib
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent

from tests.support.local_aws import LocalAWS

PLAYBOOKS = {
    "ours": ["-i", str(REPO / "inventories" / "staging"), str(REPO / "playbooks" / "deploy.yml"), "--limit", "cerpac",
             "-e", f"@{HERE / 'one-policy.yml'}"],
    "baseline": [str(HERE / "baseline.yml")],
}
ABSENT = {"ours": ["-e", "ecs_task_role_state=absent"], "baseline": ["-e", "state=absent"]}
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def run(aws, env, args):
    command = [str(pathlib.Path(sys.executable).parent / "ansible-playbook"), *args]
    with aws.recording() as calls:
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    return calls, seconds


def measure(aws, env, who):
    steps = {}
    aws.reset()
    steps["create"] = run(aws, env, PLAYBOOKS[who])
    steps["re-run"] = run(aws, env, PLAYBOOKS[who])
    steps["delete"] = run(aws, env, PLAYBOOKS[who] + ABSENT[who])
    aws.reset()
    steps["check (empty account)"] = run(aws, env, PLAYBOOKS[who] + ["--check"])
    return steps


def main():
    with LocalAWS() as aws:
        env = aws.environ()
        env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), PATH=f"{pathlib.Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
        results = {who: [measure(aws, env, who) for dummy in range(REPEAT)] for who in PLAYBOOKS}

    print(f"IAM/STS calls per run (moto recorder), one role with one inline policy; seconds are the median of {REPEAT}")
    header = (f"{'step':<22} {'baseline calls':>14} {'ours calls':>10} {'ours - base':>11} {'base writes':>11} {'our writes':>10} "
              f"{'base s':>7} {'ours s':>7} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    for step in results["ours"][0]:
        base_calls, dummy = results["baseline"][0][step]
        our_calls, dummy = results["ours"][0][step]
        base_s = statistics.median(r[step][1] for r in results["baseline"])
        our_s = statistics.median(r[step][1] for r in results["ours"])
        print(f"{step:<22} {len(base_calls):>14} {len(our_calls):>10} {len(our_calls) - len(base_calls):>+11} {len(base_calls.writes):>11} "
              f"{len(our_calls.writes):>10} {base_s:>7.2f} {our_s:>7.2f} {our_s / base_s:>6.2f}")
    print()
    for step in results["ours"][0]:
        print(f"ours     {step:<22} {' '.join(map(str, results['ours'][0][step][0].actions))}")
        print(f"baseline {step:<22} {' '.join(map(str, results['baseline'][0][step][0].actions))}")


if __name__ == "__main__":
    main()
