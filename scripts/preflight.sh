#!/usr/bin/env bash
# `make test`'s first step (also run by scripts/test.sh): every program the steps need, checked before any of them
# runs. Prints one line per missing prerequisite, naming it and how to get it, and exits 1 when any is missing.
#
#   git                 the steps copy the collection's git-tracked files (lib.sh copy_collection)
#   Python 3.11         .venv/ is built on it and ansible-test sanity runs on 3.11 (PYTHON, default python3)
#   node >= 18, npm     Mermaid's own parser checks the access page's picture (tests/support/mermaid_node)
#   Python >= 3.12      the newest `ansible` release (scripts/newest_ansible.sh): pyenv's 3.13 or 3.12, or NEWEST_PYTHON
set -uo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

missing=0
lack() { echo "make test: missing prerequisite: $*" >&2; missing=$((missing + 1)); }
version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }

command -v git >/dev/null || lack "git (install git; the steps read the collection's files from it)"

python3_11=""
for candidate in "$venv_bin/python" "${PYTHON:-python3}" python3.11; do
    if command -v "$candidate" >/dev/null && [[ "$(version_of "$candidate")" == 3.11 ]]; then python3_11=$candidate; break; fi
done
[[ -n "$python3_11" ]] ||
    lack "Python 3.11 (neither .venv/bin/python, ${PYTHON:-python3} nor python3.11 is 3.11: install it, e.g. 'pyenv install 3.11', and run 'make test PYTHON=/path/to/python3.11')"

if ! command -v node >/dev/null; then
    lack "node (Node.js 18 or newer with npm, for Mermaid's parser of the access page: install Node.js)"
elif ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' 2>/dev/null; then
    lack "node 18 or newer (found $(node --version 2>/dev/null || echo 'an unreadable version'): install a newer Node.js)"
fi
command -v npm >/dev/null || lack "npm (it comes with Node.js; it installs Mermaid's pinned parser into .cache/)"

newest=$(find_newest_python)
if [[ -z "$newest" ]]; then
    lack "Python 3.12 or 3.13 for the newest ansible release (none under ${PYENV_ROOT:-$HOME/.pyenv}/versions: 'pyenv install 3.13', or set NEWEST_PYTHON)"
elif [[ ! -x "$newest" ]] || ! "$newest" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    lack "Python 3.12 or newer for the newest ansible release (NEWEST_PYTHON=$newest is not one)"
fi

(( missing == 0 ))
