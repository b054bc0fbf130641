"""One environment of N applications: our deploy.yml against the hand-written amazon.aws baseline, in one run.

    make bench     (or: PYTHONPATH=.:.collections python -m bench.fleet [--apps 10,30,100] [--samples 5])

For each N, an inventory of N applications is generated (hosts app000...; each a task role with 3 to 5 grants, drawn
in turn from a fixed list, and a task execution role with a start-up secret). playbooks/render.yml renders it with no
AWS call, and the baseline's inventory is built from those rendered documents: the same roles, trust policies, tags
and inline policies, written by bare amazon.aws.iam_role + amazon.aws.iam_policy per application host
(bench/baseline_fleet.yml), which is what a user writes by hand. Both run with the repository's ansible.cfg (same
forks) against the same moto server, each step on the state the previous step left:

    create (empty account) -> re-run (nothing to do) -> check mode (nothing to do) -> absent

The two do equal work at every step: in check mode the baseline's iam_role and iam_policy tasks both run (on the
roles the re-run left, which exist), as ours reads and compares every role and policy.

Each run is a new ansible-playbook process (first passes, as users run it). ``--samples`` times (default 5) each tool
runs the four steps on an empty account, the two tools alternating (ours first in even samples, the baseline first
in odd ones), so that the machine's drifting load falls on both. Printed per step: the median wall seconds with their
range (min-max) over the samples, the ratio of the medians, the CPU seconds of the run (ansible-playbook, its
workers and their modules: on a loaded machine wall time stretches with the load, CPU time much less), IAM/STS calls
and write calls (moto's recorder; a count that varies between samples is shown as a median and range), and the peak
resident memory of the controller (the sum over ansible-playbook, its workers and their modules, sampled every 50 ms;
median). The targets (issue 9):
re-run at most 0.5x the baseline's time with no more calls and zero writes; create and absent at most 1.0x.

``--iam-like`` runs both through bench/iam_like.py, a proxy that weighs calls as IAM does (80 ms a request, a token
bucket of 20 requests a second for the account, ``Throttling`` above it, which botocore retries): then also printed
per step are the IAM/STS requests the proxy saw (retries included; "calls" are those that reached moto) and the
``Throttling`` answers it gave. Targets there (issue 19 item 5): create and absent at most 1.0x, re-run at most 0.3x,
and never more Throttling answers than the baseline. The proxy listens on 127.0.0.1, where role_plan leaves its reads
unpaced by default, so ours is run with ``-e ecs_iam_requests_per_second=20``, the pace it takes against AWS by default.

``--tools`` picks what runs (default ``ours,baseline``): ``ours-adaptive`` is our deploy.yml from a copy of the
collection where every botocore retry setting says ``mode: adaptive`` instead of ``standard`` (client-side rate
limiting, per process); ``--ours-tree DIR`` takes ours (and ours-adaptive's copy) from another checkout, for instance
a worktree of another branch (its .collections as `make` links it), and ``NAME=DIR`` in ``--tools`` adds one more such
checkout under its own name (``--tools ours,baseline,main=../main``). ``--steps create,re-run`` stops each sample early.
"""

import argparse
import contextlib
import json
import os
import pathlib
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import yaml

from bench._samples import alternating, constant, ratio, show, spread
from bench.iam_like import iam_like
from tests.support.local_aws import LocalAWS

REPO = pathlib.Path(__file__).resolve().parents[1]
HERE = REPO / "bench"
ANSIBLE_PLAYBOOK = str(pathlib.Path(sys.executable).parent / "ansible-playbook")
ACCOUNT = "123456789012"
ENV = "staging"
STEPS = ("create", "re-run", "check", "absent")
# The grants an application may have, taken in turn (3 to 5 per application).
GRANTS = [
    {"service": "s3", "access": ["read", "write"], "resources": ["{env}-{app}-uploads"]},
    {"service": "dynamodb", "access": ["read", "write"], "resources": ["{env}-{app}-orders"]},
    {"service": "sqs", "access": ["consume"], "resources": ["{env}-{app}-jobs"]},
    {"service": "sns", "access": ["publish"], "resources": ["{env}-{app}-events"]},
    {"service": "secretsmanager", "access": ["read"], "resources": ["{env}/{app}/*"]},
    {"service": "ssm", "access": ["read"], "resources": ["/{env}/{app}"]},
    {"service": "logs", "access": ["write"], "resources": ["/ecs/{env}/{app}"]},
]
TOOLS = ("ours", "baseline", "ours-adaptive")
RETRY_MODE_RE = re.compile(r"""(\bmode["']?:\s*["']?)standard\b""")
RECAP_RE = re.compile(r"^\S+\s+: ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", re.M)


def fill(value, **names):
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [fill(item, **names) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, **names) for key, item in value.items()}
    return value


def write_inventories(root, apps):
    """Our inventory (grants by intent) and, after render, the baseline's (the same documents)."""
    ours = root / "ours" / ENV
    (ours / "group_vars" / "all").mkdir(parents=True)
    (ours / "host_vars").mkdir()
    hosts = {f"app{index:03d}": None for index in range(apps)}
    common = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    (ours / "hosts.yml").write_text(yaml.safe_dump({"ecs_iam": {"vars": common, "hosts": hosts}}))
    (ours / "group_vars" / "all" / "main.yml").write_text(yaml.safe_dump({
        "aws_region": "eu-west-1", "ecs_task_role_env": ENV, "ecs_task_role_account_id": ACCOUNT, "ecs_iam_deploy_execution_role": True,
    }))
    for index, app in enumerate(hosts):
        count = 3 + index % 3
        grants = [fill(GRANTS[(index + offset) % len(GRANTS)], env=ENV, app=app) for offset in range(count)]
        (ours / "host_vars" / f"{app}.yml").write_text(yaml.safe_dump({
            "ecs_task_role_grants": grants, "ecs_task_execution_role_secrets": [f"{ENV}/{app}/db"],
        }))
    return ours, list(hosts)


def baseline_inventory(root, rendered, hosts):
    """The baseline's inventory: per host, the rendered roles as plain data for amazon.aws."""
    base = root / "baseline"
    (base / "host_vars").mkdir(parents=True)
    common = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    (base / "hosts.yml").write_text(yaml.safe_dump({"all": {"vars": common, "hosts": {host: None for host in hosts}}}))
    for host in hosts:
        roles = {}
        for key, folder in (("task", "task-role"), ("execution", "execution-role")):
            where = rendered / ENV / host / folder
            role = json.loads((where / "role.json").read_text())
            roles[key] = {
                "name": role["name"], "path": role["path"], "description": role["description"],
                "max_session_duration": role["max_session_duration"], "tags": role["tags"],
                "managed_policy_arns": role["managed_policy_arns"],
                "trust": json.loads((where / "trust-policy.json").read_text()),
                "policies": [{"name": name, "document": json.loads((where / f"policy-{name}.json").read_text())} for name in role["inline_policies"]],
            }
        (base / "host_vars" / f"{host}.yml").write_text(yaml.safe_dump({"task_role": roles["task"], "execution_role": roles["execution"]}))
    return base


class PeakMemory:
    """Peak of the summed resident memory (VmRSS) of every process carrying the run's marker."""

    def __init__(self, marker):
        self.needle = f"BENCH_RUN={marker}".encode()
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while not self.stop.is_set():
            total = 0
            for proc in pathlib.Path("/proc").glob("[0-9]*"):
                with contextlib.suppress(OSError):
                    if self.needle in proc.joinpath("environ").read_bytes().split(b"\0"):
                        for line in proc.joinpath("status").read_text().splitlines():
                            if line.startswith("VmRSS:"):
                                total += int(line.split()[1])
            self.peak = max(self.peak, total)
            self.stop.wait(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def adaptive_tree(source, root):
    """A copy of the collection at ``source`` whose every botocore retry setting says adaptive instead of standard."""
    tree = root / "ours-adaptive"
    shutil.copytree(source, tree, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".collections", "tests", "__pycache__", ".ansible", "node_modules", "rendered", "live", "adopted"))
    changed = 0
    for folder in ("playbooks", "roles", "plugins"):
        for path in sorted((tree / folder).rglob("*")):
            if path.suffix in (".yml", ".yaml", ".py") and path.is_file():
                text, count = RETRY_MODE_RE.subn(r"\1adaptive", path.read_text())
                if count:
                    path.write_text(text)
                    changed += count
    if not changed:
        raise SystemExit(f"no retry setting of mode standard found under {source}: cannot make the adaptive copy")
    collections = tree / ".collections" / "ansible_collections"
    (collections / "amazon").mkdir(parents=True)
    (collections / "cerpac").mkdir()
    (collections / "amazon" / "aws").symlink_to((source / ".collections" / "ansible_collections" / "amazon" / "aws").resolve())
    (collections / "cerpac" / "ecs_iam").symlink_to("../../..")
    return tree, changed


def run(aws, env, args, proxy=None):
    """One ansible-playbook run: (seconds, calls, peak kB, changed), and with ``proxy`` its requests and Throttling answers."""
    marker = uuid.uuid4().hex
    command = [ANSIBLE_PLAYBOOK, *args]
    if proxy is not None:
        proxy.reset_counts()
    with aws.recording() as calls, PeakMemory(marker) as memory:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=REPO, env=dict(env, BENCH_RUN=marker), capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    recaps = RECAP_RE.findall(proc.stdout)
    if proc.returncode != 0 or not recaps or any(int(failed) for dummy, failed in recaps):
        raise SystemExit(f"{' '.join(args)} failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}")
    # CPU seconds of ansible-playbook, its workers and their modules (each waited for by its parent): the work itself,
    # which a loaded machine stretches less than the wall time
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    result = {"seconds": seconds, "cpu": cpu, "calls": len(calls), "writes": len(calls.writes), "peak_kb": memory.peak,
              "changed": sum(int(changed) for changed, dummy in recaps)}
    if proxy is not None:
        stats = proxy.stats()
        result.update(requests=stats["requests"], throttled=stats["throttled"])
    return result


def measure(aws, tools, samples, steps, proxy=None):
    """{tool: {step: [one result per sample]}}: each sample runs every step of every tool, in alternating order.
    ``tools``: {name: (ansible-playbook arguments, the extra arguments of absent, environment)}."""
    results = {tool: {step: [] for step in steps} for tool in tools}
    for order in alternating(tools, samples):
        for tool in order:
            args, absent, env = tools[tool]
            aws.reset()
            for step in steps:
                extra = {"check": ["--check"], "absent": absent}.get(step, [])
                result = run(aws, env, args + extra, proxy)
                results[tool][step].append(result)
                # one line a run on stderr, so that a run stopped half-way still leaves its samples
                print(json.dumps({"tool": tool, "step": step, **result}), file=sys.stderr, flush=True)
    return results


def report(apps, results, forks, iam_like_proxy=False):
    tools = list(results)
    steps = list(results[tools[0]])
    width = max(14, *(len(tool) for tool in tools))
    samples = len(results[tools[0]][steps[0]])
    print(f"\nN = {apps} applications (task role with 3-5 grants + task execution role each), forks = {forks}, "
          f"{samples} sample(s) per tool, alternating; seconds: median (min-max); ratio: of the medians, to the baseline's"
          + ("; through the IAM-like proxy (80 ms a request, 20 requests/s, Throttling above)" if iam_like_proxy else ""))
    header = f"{'step':<8} {'tool':<{width}} {'seconds':>20} {'ratio':>6} {'CPU s':>20} {'ratio':>6} {'calls':>14} {'writes':>7} {'MB':>6} {'changed':>8}"
    if iam_like_proxy:
        header += f" {'requests':>14} {'Throttling':>12}"
    print(header)
    print("-" * len(header))

    def column(rows, key):
        return [row[key] for row in rows]

    for step in steps:
        base = results["baseline"][step] if "baseline" in results else None
        for tool in tools:
            rows = results[tool][step]
            line = (f"{step:<8} {tool:<{width}} {show(column(rows, 'seconds')):>20} "
                    f"{(ratio(column(rows, 'seconds'), column(base, 'seconds')) if base else float('nan')):>6.2f} "
                    f"{show(column(rows, 'cpu')):>20} {(ratio(column(rows, 'cpu'), column(base, 'cpu')) if base else float('nan')):>6.2f} "
                    f"{constant(column(rows, 'calls')):>14} {constant(column(rows, 'writes')):>7} "
                    f"{spread(column(rows, 'peak_kb'))[0] / 1024:>6.0f} {constant(column(rows, 'changed')):>8}")
            if iam_like_proxy:
                line += f" {constant(column(rows, 'requests')):>14} {constant(column(rows, 'throttled')):>12}"
            print(line)


def commit_of(tree):
    """The commit a checkout is at, with ``+changes`` when its tracked files differ from it (or ``?`` outside git)."""
    git = subprocess.run(["git", "-C", str(tree), "describe", "--always", "--dirty=+changes", "--abbrev=12"], capture_output=True, text=True, check=False)
    return git.stdout.strip() or "?"


def forks_of(env):
    output = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-config"), "dump"], env=env, capture_output=True, text=True,
                            check=True).stdout
    return re.search(r"^DEFAULT_FORKS\(.*\) = (\d+)", output, re.M).group(1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default=os.environ.get("BENCH_FLEET_APPS", "10,30,100"), help="comma-separated numbers of applications")
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_SAMPLES", "5")),
                        help="runs of every step per tool, alternating (default 5; fewer for a quick look)")
    parser.add_argument("--json", help="also write the numbers to this file")
    parser.add_argument("--iam-like", action="store_true", help="through bench/iam_like.py: 80 ms a request, 20 requests/s, Throttling above")
    parser.add_argument("--tools", default="ours,baseline", help=f"comma-separated, from {', '.join(TOOLS)} (default ours,baseline); "
                        "NAME=DIR adds our deploy.yml from another checkout under that name")
    parser.add_argument("--ours-tree", type=pathlib.Path, default=REPO, help="the checkout ours runs from (default this one)")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"the first steps of {', '.join(STEPS)} to run (default all)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *dummy: sys.exit(143))  # stopped: still stop the endpoint and the proxy
    sizes = [int(size) for size in args.apps.split(",")]
    others = dict(tool.split("=", 1) for tool in args.tools.split(",") if "=" in tool)
    names = [tool.split("=", 1)[0] for tool in args.tools.split(",")]
    steps = args.steps.split(",")
    if not names or set(names) - set(TOOLS) - set(others) or len(set(names)) != len(names):
        parser.error(f"--tools {args.tools}: distinct names from {', '.join(TOOLS)}, or NAME=DIR")
    if steps != list(STEPS[:len(steps)]):
        parser.error(f"--steps {args.steps}: the first steps of {', '.join(STEPS)}, in order (each runs on the state the previous left)")
    everything = {}
    with contextlib.ExitStack() as stack:
        aws = stack.enter_context(LocalAWS())
        proxy = stack.enter_context(iam_like(aws.url)) if args.iam_like else None
        env = aws.environ()
        env.update(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), PATH=f"{pathlib.Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
        if proxy is not None:
            env.update(AWS_URL=proxy.url, AWS_ENDPOINT_URL=proxy.url)
        forks = forks_of(env)
        ours_tree = args.ours_tree.resolve()
        trees = {"ours": ours_tree}
        if "ours-adaptive" in names:
            copies = pathlib.Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fleet-adaptive-")))
            trees["ours-adaptive"], replaced = adaptive_tree(ours_tree, copies)
            print(f"ours-adaptive: {ours_tree} at {commit_of(ours_tree)}, copied with {replaced} retry setting(s) of mode standard made adaptive")
        print(f"ours: {ours_tree} at {commit_of(ours_tree)}")
        for name, tree in others.items():
            trees[name] = pathlib.Path(tree).resolve()
            print(f"{name}: {trees[name]} at {commit_of(trees[name])}")
        for apps in sizes:
            root = pathlib.Path(tempfile.mkdtemp(prefix=f"fleet-{apps}-"))
            try:
                ours, hosts = write_inventories(root, apps)
                render = subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(ours), str(REPO / "playbooks" / "render.yml"), "-e", f"render_dir={root / 'rendered'}"],
                                        cwd=REPO, env=env, capture_output=True, text=True, check=False)
                if render.returncode != 0:
                    raise SystemExit(f"render.yml failed:\n{render.stdout[-3000:]}")
                base = baseline_inventory(root, root / "rendered", hosts)
                tools = {}
                for name in names:
                    if name == "baseline":
                        tools[name] = (["-i", str(base / "hosts.yml"), str(HERE / "baseline_fleet.yml")], ["-e", "state=absent"], env)
                    else:
                        # The proxy listens on 127.0.0.1, where role_plan does not pace its reads by default (moto imposes no
                        # rate): it is given the pace it takes by default against AWS (20 a second, _aws_client.py).
                        paced = ["-e", "ecs_iam_requests_per_second=20"] if proxy is not None else []
                        tools[name] = (["-i", str(ours), str(trees[name] / "playbooks" / "deploy.yml")] + paced, ["-e", "ecs_task_role_state=absent"],
                                       dict(env, ANSIBLE_CONFIG=str(trees[name] / "ansible.cfg")))
                everything[apps] = measure(aws, tools, args.samples, steps, proxy)
                report(apps, everything[apps], forks, proxy is not None)
            finally:
                shutil.rmtree(root, ignore_errors=True)
    if len(sizes) > 1 and {"ours", "baseline"} <= set(names):
        print("\nHow time grows with N (median seconds; ours / baseline):")
        for step in steps:
            cells = [f"N={apps}: {spread(row['seconds'] for row in everything[apps]['ours'][step])[0]:.1f} / "
                     f"{spread(row['seconds'] for row in everything[apps]['baseline'][step])[0]:.1f}" for apps in sizes]
            print(f"  {step:<8} " + "   ".join(cells))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
