"""Where our deploy.yml spends its wall time, by kind of task: the measured cause of bench/fleet.py's ratios.

    PYTHONPATH=.:.collections python -m bench.where_time_goes [--apps 10,30] [--samples 3]

For N applications (bench/fleet.py's inventory: a task role with 3 to 5 grants and a task execution role each), on
a new moto server each sample: create, re-run, absent, each a new ansible-playbook process, with a callback
(bench/callback_plugins/task_seconds.py) timing every task from its start to the next one's. The tasks fall in three
kinds: the writes (amazon.aws.iam_role and iam_policy, the same modules and the same calls as the baseline's whole
playbook), the run-once reads and checks (declare_environment, the account, the ownership pass, the two plans, the
leftovers: one process each whatever N), and the per-application tasks (the declarations, reports and skipped
writes, one execution per application and task). Printed: the median seconds of each kind per step and N, with
their range over the samples, and the run's seconds.
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

from bench._samples import show
from bench.fleet import ANSIBLE_PLAYBOOK, REPO, write_inventories
from tests.support.local_aws import LocalAWS

HERE = pathlib.Path(__file__).resolve().parent
WRITES = ("Create, update or delete the role", "Put the inline policies")
ONCE = ("Compare the declared role of every application", "Refuse, before any write", "Read the account of the credentials",
        "List the leftovers", "Declare every role of every application", "Refuse credentials of another account",
        "Publish the environment")
KINDS = ("writes", "run-once", "per-application")
STEPS = (("create", []), ("re-run", []), ("absent", ["-e", "ecs_task_role_state=absent"]))


def kind_of(name):
    if any(part in name for part in WRITES):
        return "writes"
    if any(part in name for part in ONCE):
        return "run-once"
    return "per-application"


def sample(apps):
    """One create, re-run and absent of ``apps`` applications on a new moto server: {step: {kind: seconds, "run": s}}."""
    result = {}
    root = pathlib.Path(tempfile.mkdtemp(prefix=f"where-{apps}-"))
    try:
        with LocalAWS() as aws:
            ours, dummy = write_inventories(root, apps)
            env = aws.environ()
            env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_CALLBACK_PLUGINS=str(HERE / "callback_plugins"),
                       ANSIBLE_CALLBACKS_ENABLED="task_seconds", PATH=f"{pathlib.Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
            for step, extra in STEPS:
                env["TASK_SECONDS_OUT"] = str(root / f"{step}.json")
                start = time.perf_counter()
                run = subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(ours), str(REPO / "playbooks" / "deploy.yml"), *extra],
                                     cwd=REPO, env=env, capture_output=True, text=True, check=False)
                seconds = time.perf_counter() - start
                if run.returncode != 0:
                    raise SystemExit(f"{step} failed:\n{run.stdout[-3000:]}")
                kinds = dict.fromkeys(KINDS, 0.0)
                for name, task_seconds in json.loads(pathlib.Path(env["TASK_SECONDS_OUT"]).read_text()):
                    kinds[kind_of(name)] += task_seconds
                result[step] = dict(kinds, run=seconds)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default="10,30", help="comma-separated numbers of applications")
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args(argv)
    everything = {}
    for apps in [int(item) for item in args.apps.split(",")]:
        samples = [sample(apps) for dummy in range(args.samples)]
        everything[apps] = samples
        print(f"\nN = {apps}, {args.samples} sample(s): median seconds (min-max)")
        print(f"{'step':<8} {'run':>20} " + " ".join(f"{kind:>20}" for kind in KINDS))
        for step, dummy in STEPS:
            cells = [show(one[step][kind] for one in samples) for kind in ("run",) + KINDS]
            print(f"{step:<8} " + " ".join(f"{cell:>20}" for cell in cells))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
