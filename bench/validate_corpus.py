# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark grant_checks.check_policy against parliament on the AWS managed policy corpus.

    .venv/bin/pip install -r bench/requirements.txt   # parliament, for the comparison only
    .venv/bin/python bench/validate_corpus.py [--runs 3] [--cold 7] [--json out.json]

Reads the corpus from ``<repo>/../shared/corpus`` (or ``$CERPAC_CORPUS_DIR``); it is never copied into
the repository.  Both tools check every policy in the same process: one pass to warm up (loading the
catalogue), then the median of ``--runs`` warm passes, like the peers measured in the corpus README.
Cold start is a new Python process that imports grant_checks and checks one policy: the median wall
time of ``--cold`` processes, for a typical task-role policy and for the corpus's first policy (which
names 192 services, so it reads 192 catalogue files: the worst case).  Without parliament installed, only our numbers are printed.
"""

from __future__ import absolute_import, division, print_function

import argparse
import collections
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
COLLECTIONS = REPO / ".collections"
TARGET_RATIO = 10.0
TARGET_COLD_MS = 100.0
# A typical ECS task role's inline policy: what the module checks on each run.
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

COLD_SNIPPET = r"""
import sys, time
start = time.perf_counter()
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import check_policy
with open(sys.argv[2], encoding="utf-8") as handle:
    findings = check_policy(handle.read())
print((time.perf_counter() - start) * 1000.0)
"""


def corpus_dir():
    return pathlib.Path(os.environ.get("CERPAC_CORPUS_DIR") or REPO.parent / "shared" / "corpus")


def load_documents(directory):
    return [(path.name, path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))]


def timed_passes(function, documents, runs):
    """Run one warm-up pass, then ``runs`` passes; return (first pass s, median s, last results)."""
    start = time.perf_counter()
    results = [function(text) for _name, text in documents]
    first = time.perf_counter() - start
    times = []
    for _run in range(runs):
        start = time.perf_counter()
        results = [function(text) for _name, text in documents]
        times.append(time.perf_counter() - start)
    return first, statistics.median(times), results


def cold_start(policy_path, count):
    """Median wall time (ms) of new processes that import grant_checks and check one policy."""
    walls, inner = [], []
    for _run in range(count):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", COLD_SNIPPET, "-", str(policy_path)],
                              capture_output=True, text=True, check=True, env=dict(os.environ, PYTHONPATH=str(COLLECTIONS)))
        walls.append((time.perf_counter() - start) * 1000.0)
        inner.append(float(proc.stdout.strip().splitlines()[-1]))
    return statistics.median(walls), statistics.median(inner)


def _services(text):
    names = set()
    body = json.loads(text).get("Statement")
    for stmt in body if isinstance(body, list) else [body]:
        actions = stmt.get("Action") or stmt.get("NotAction") or []
        for action in [actions] if isinstance(actions, str) else actions:
            names.add(action.partition(":")[0].lower())
    return len(names)


def parliament_function():
    try:
        from parliament import analyze_policy_string  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None

    def run(text):
        try:
            return analyze_policy_string(text).findings
        except Exception as exc:  # pylint: disable=broad-except
            return exc

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="warm passes per tool (median)")
    parser.add_argument("--cold", type=int, default=7, help="new processes for the cold start (median)")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args(argv)

    directory = corpus_dir() / "aws_managed"
    if not directory.is_dir():
        print("corpus not found at %s: put shared/corpus beside the repository or set CERPAC_CORPUS_DIR" % directory)
        return 2
    # pylint: disable=import-outside-toplevel
    from ansible_collections.cerpac.ecs_iam.plugins.module_utils._service_reference import catalogue_info
    from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import check_policy

    documents = load_documents(directory)
    statements = 0
    for _name, text in documents:
        body = json.loads(text).get("Statement")
        statements += len(body) if isinstance(body, list) else 1
    print("corpus: %d policies, %d statements (%s)" % (len(documents), statements, directory))
    print("catalogue: %s" % catalogue_info())

    with tempfile.TemporaryDirectory() as tmp:
        typical = pathlib.Path(tmp) / "typical.json"
        typical.write_text(json.dumps(TYPICAL_POLICY), encoding="utf-8")
        cold_wall, cold_inner = cold_start(typical, args.cold)
    worst_wall, worst_inner = cold_start(directory / documents[0][0], args.cold)
    first, median, results = timed_passes(check_policy, documents, args.runs)
    ours_rate = len(documents) / median
    report = {
        "policies": len(documents),
        "statements": statements,
        "ours": {"first_pass_s": first, "median_s": median, "policies_per_s": ours_rate,
                 "first_pass_policies_per_s": len(documents) / first},
        "cold_start_ms": {"process_wall": cold_wall, "import_and_first_policy": cold_inner,
                          "corpus_first_policy_process_wall": worst_wall, "corpus_first_policy_inside": worst_inner},
    }
    print()
    print("ours       (check_policy):   first pass %.3f s (%.0f policies/s), warm median %.3f s -> %.0f policies/s"
          % (first, len(documents) / first, median, ours_rate))

    parliament = parliament_function()
    if parliament is None:
        print("parliament: not installed; for the comparison run `%s -m pip install -r %s`"
              % (sys.executable, REPO / "bench" / "requirements.txt"))
    else:
        p_first, p_median, p_results = timed_passes(parliament, documents, args.runs)
        p_rate = len(documents) / p_median
        errors = sum(1 for item in p_results if isinstance(item, Exception))
        ratio = ours_rate / p_rate
        report["parliament"] = {"first_pass_s": p_first, "median_s": p_median, "policies_per_s": p_rate, "errors": errors}
        report["ratio"] = ratio
        print("parliament (analyze_policy_string): first pass %.3f s, warm median %.3f s -> %.0f policies/s (%d raised)"
              % (p_first, p_median, p_rate, errors))
        print("ratio: %.1fx parliament's throughput (target >= %.0fx: %s)" % (ratio, TARGET_RATIO, "met" if ratio >= TARGET_RATIO else "MISSED"))

    print("cold start, typical task-role policy (5 services): %.1f ms per new process (median of %d; target < %.0f ms: %s);"
          " import + first policy inside it: %.1f ms" % (cold_wall, args.cold, TARGET_COLD_MS, "met" if cold_wall < TARGET_COLD_MS else "MISSED", cold_inner))
    print("cold start, corpus's first policy (%s, %d services to load): %.1f ms per new process; inside it: %.1f ms"
          % (documents[0][0], _services(documents[0][1]), worst_wall, worst_inner))

    counts = collections.Counter()
    unknown = collections.Counter()
    for findings in results:
        for finding in findings:
            counts[finding["code"]] += 1
            if finding["code"] == "UNKNOWN_ACTION":
                unknown[finding["action"]] += 1
    report["counts"] = dict(sorted(counts.items()))
    report["unknown_actions"] = dict(sorted(unknown.items(), key=lambda item: item[0].lower()))
    print()
    print("findings by code:")
    for code, number in counts.most_common():
        print("  %-24s %6d" % (code, number))
    by_service = collections.defaultdict(list)
    for action in unknown:
        by_service[action.partition(":")[0].lower()].append(action)
    print()
    print("UNKNOWN_ACTION: %d distinct actions in %d services (actions AWS's data does not have):" % (len(unknown), len(by_service)))
    for service in sorted(by_service):
        names = sorted(by_service[service], key=str.lower)
        print("  %s: %s" % (service, ", ".join("%s%s" % (n, " (x%d)" % unknown[n] if unknown[n] > 1 else "") for n in names)))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
