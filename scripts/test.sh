#!/usr/bin/env bash
# `make test`: every test, in the order that fails fastest. Run through make, which builds .venv/ and the
# collections tree first and puts .venv/bin on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "prerequisites (git, Python 3.11, node and npm, Python >= 3.12 for the newest Ansible)"
bash scripts/preflight.sh

step "changelog fragments (antsibull-changelog lint)"
antsibull-changelog lint

step "generated docs are up to date (grants table from the catalogue, role variables from argument specs)"
python scripts/gen_grant_table.py --check
python scripts/gen_role_docs.py --check

step "ansible-lint (production profile, offline)"
bash scripts/lint.sh

step "ansible-test sanity (no ignore files)"
test ! -e tests/sanity || ! ls tests/sanity/ignore-*.txt >/dev/null 2>&1

# Each of these steps keeps about one core busy: ansible-test sanity runs beside molecule and the newest-Ansible smoke
# (two lanes on two cores; they share no folder, port or ansible-test cache). Each lane's output is shown when both have
# ended, and either lane's failure fails the run. build_install.sh runs ansible-test as well, so it comes after both.
lanes=$(mktemp -d "${TMPDIR:-/tmp}/ecs_iam-test.XXXXXX")
trap 'rm -rf "$lanes"' EXIT
bash scripts/sanity.sh >"$lanes/sanity.log" 2>&1 &
sanity_pid=$!
(
    set -e
    step "molecule (default scenario against moto)"
    bash scripts/molecule.sh
    step "the playbooks on the newest Ansible release (deploy, re-run with zero writes, absent)"
    bash scripts/newest_ansible.sh
) >"$lanes/other.log" 2>&1 &
other_pid=$!
lane_failures=()
wait "$sanity_pid" || lane_failures+=("ansible-test sanity")
wait "$other_pid" || lane_failures+=("molecule or the newest Ansible release")
cat "$lanes/sanity.log" "$lanes/other.log"
if (( ${#lane_failures[@]} )); then
    echo "test.sh: FAILED: $(IFS=,; echo "${lane_failures[*]}") (see above)" >&2
    exit 1
fi

step "collection build, install from the tarball, ansible-doc, execution environment (ansible-builder)"
bash scripts/build_install.sh

# pytest-xdist: one worker per core (PYTEST_WORKERS=N to choose), each with its own moto server. The tests of one file stay
# on one worker (--dist loadfile), so that a module-scoped fixture (the bad-input matrix, a rendered declaration) is built
# once. Not --dist loadgroup: with pytest 9 its xdist_group marks are silently ignored (xdist 3.8 renames item._nodeid,
# which pytest 9 no longer reads). The slowest tests are listed.
step "pytest: unit, golden files, integration against moto (${PYTEST_WORKERS:-auto} workers)"
python -m pytest tests -q -p no:cacheprovider -n "${PYTEST_WORKERS:-auto}" --dist loadfile --durations=25
