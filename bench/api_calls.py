"""Count the IAM/STS calls of our role against the hand-written baseline, in one run, on one moto server.

    make bench            (or: PYTHONPATH=.:.collections python -m bench.api_calls [--samples 5])

Steps: create, re-run and check mode on the existing role (both do equal work: the baseline's role and policy tasks
run in check mode too), delete; then check mode on an empty account, where the baseline does less: its iam_policy
task is skipped because amazon.aws.iam_policy fails in check mode on a role that does not exist yet, while ours
reports the policy it would write. ``--samples`` times (default 5) each tool runs every step, the two alternating
(ours first in even samples). Prints calls, writes and the median seconds with their range (min-max), the ratio of
the medians, and ours minus the baseline in calls. Target: at most one call more per run (the account check), and
zero writes on a re-run and in check mode.
"""

import argparse
import os
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent

from bench._samples import alternating, constant, ratio, show  # noqa: E402  pylint: disable=wrong-import-position
from tests.support.local_aws import LocalAWS  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOKS = {
    "ours": ["-i", str(REPO / "inventories" / "staging"), str(REPO / "playbooks" / "deploy.yml"), "--limit", "cerpac",
             "-e", f"@{HERE / 'one-policy.yml'}"],
    "baseline": [str(HERE / "baseline.yml")],
}
ABSENT = {"ours": ["-e", "ecs_task_role_state=absent"], "baseline": ["-e", "state=absent"]}
STEPS = ("create", "re-run", "check (existing role)", "delete", "check (empty account)*")


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
    steps["check (existing role)"] = run(aws, env, PLAYBOOKS[who] + ["--check"])
    steps["delete"] = run(aws, env, PLAYBOOKS[who] + ABSENT[who])
    aws.reset()
    steps["check (empty account)*"] = run(aws, env, PLAYBOOKS[who] + ["--check"])
    return steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_REPEAT", "5")),
                        help="runs of every step per tool, alternating (default 5; BENCH_REPEAT sets it too)")
    args = parser.parse_args(argv)
    results = {who: [] for who in PLAYBOOKS}
    with LocalAWS() as aws:
        env = aws.environ()
        env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), PATH=f"{pathlib.Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
        for order in alternating(PLAYBOOKS, args.samples):
            for who in order:
                results[who].append(measure(aws, env, who))

    print(f"IAM/STS calls per run (moto recorder), one role with one inline policy; {args.samples} sample(s) per tool, alternating;"
          " seconds: median (min-max)")
    header = (f"{'step':<24} {'baseline calls':>14} {'ours calls':>10} {'ours - base':>11} {'base writes':>11} {'our writes':>10} "
              f"{'base s':>18} {'ours s':>18} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    for step in STEPS:
        base, ours = [sample[step] for sample in results["baseline"]], [sample[step] for sample in results["ours"]]
        base_calls, our_calls = [len(calls) for calls, dummy in base], [len(calls) for calls, dummy in ours]
        print(f"{step:<24} {constant(base_calls):>14} {constant(our_calls):>10} {our_calls[0] - base_calls[0]:>+11} "
              f"{constant(len(calls.writes) for calls, dummy in base):>11} {constant(len(calls.writes) for calls, dummy in ours):>10} "
              f"{show(s for dummy, s in base):>18} {show(s for dummy, s in ours):>18} "
              f"{ratio([s for dummy, s in ours], [s for dummy, s in base]):>6.2f}")
    print("* unequal work: on an empty account the baseline skips its policy task (amazon.aws.iam_policy fails in check mode on a role"
          " that does not exist yet); ours reports the policy it would write.")
    print()
    for step in STEPS:
        print(f"ours     {step:<24} {' '.join(map(str, results['ours'][0][step][0].actions))}")
        print(f"baseline {step:<24} {' '.join(map(str, results['baseline'][0][step][0].actions))}")


if __name__ == "__main__":
    main()
