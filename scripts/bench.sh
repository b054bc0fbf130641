#!/usr/bin/env bash
# `make bench`: every benchmark under bench/, each printing ratios against its baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -r bench/requirements.txt
# Benchmarks import the harness as tests.support (repository root) and the collection from .collections/.
export PYTHONPATH="$PWD:$PWD/.collections"
for bench in fleet api_calls validate_corpus faults access_page usage plan_reads; do
  if [ -f "bench/$bench.py" ]; then
    printf '\n==> bench/%s.py\n' "$bench"
    python -m "bench.$bench"
  fi
done
# The fleet again where calls weigh as on IAM (bench/iam_like.py: 80 ms a request, 20 requests/s, Throttling above),
# with our roles also in botocore's adaptive retry mode.
printf '\n==> bench/fleet.py --iam-like\n'
python -m bench.fleet --iam-like --tools ours,baseline,ours-adaptive
