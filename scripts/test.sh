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
bash scripts/sanity.sh

step "collection build, install from the tarball, ansible-doc, execution environment (ansible-builder)"
bash scripts/build_install.sh

step "molecule (default scenario against moto)"
bash scripts/molecule.sh

step "the playbooks on the newest Ansible release (deploy, re-run with zero writes, absent)"
bash scripts/newest_ansible.sh

# pytest-xdist: one worker per core (PYTEST_WORKERS=N to choose), each with its own moto server. The tests of one file stay
# on one worker (--dist loadfile), so that a module-scoped fixture (the bad-input matrix, a rendered declaration) is built
# once. Not --dist loadgroup: with pytest 9 its xdist_group marks are silently ignored (xdist 3.8 renames item._nodeid,
# which pytest 9 no longer reads). The slowest tests are listed.
step "pytest: unit, golden files, integration against moto (${PYTEST_WORKERS:-auto} workers)"
python -m pytest tests -q -p no:cacheprovider -n "${PYTEST_WORKERS:-auto}" --dist loadfile --durations=25
