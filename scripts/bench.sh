#!/usr/bin/env bash
# `make bench`: every benchmark under bench/, each printing ratios against its baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -r bench/requirements.txt
for bench in bench/api_calls.py bench/validate_corpus.py bench/faults.py; do
  if [ -f "$bench" ]; then
    printf '\n==> %s\n' "$bench"
    python "$bench"
  fi
done
