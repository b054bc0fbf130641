#!/usr/bin/env bash
# `make newest-ansible`: the real playbooks on the newest Ansible release, besides the pinned toolchain of .venv/.
#
#   1. build (or reuse) .cache/newest/venv on pyenv's Python 3.13 (else 3.12; NEWEST_PYTHON=/path/to/python
#      overrides) with, from PyPI only: the `ansible` package pinned below (ansible-core and the amazon.aws it
#      ships), the collection's own needs (requirements.txt), and moto[server] and pytest at the versions
#      requirements-dev.txt pins. The venv is rebuilt only when that list or the interpreter changes;
#   2. run tests/integration/test_newest_ansible.py with that venv's pytest: deploy, re-run with zero changes and
#      zero IAM writes, absent, on each shipped inventory, against a local moto server. The test puts only
#      cerpac.ecs_iam (this checkout) on the collections path, so amazon.aws comes from the `ansible` package.
#
# Extra arguments go to pytest (e.g. -k staging -x). Exits with pytest's status.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo"

# The newest `ansible` release (ansible-core 2.21, amazon.aws 11.4). meta/runtime.yml's requires_ansible and
# galaxy.yml's amazon.aws range end at what this pin ships: move them together.
ansible_pin="ansible==14.5.0"

newest="$repo/.cache/newest"
venv="$newest/venv"

die() { echo "newest_ansible.sh: $*" >&2; exit 1; }

# --- the interpreter ---------------------------------------------------------------------------
python=$(find_newest_python)
[[ -n "$python" ]] || die "no Python 3.13 or 3.12 under ${PYENV_ROOT:-$HOME/.pyenv}/versions (the newest ansible needs >= 3.12): install one with pyenv or set NEWEST_PYTHON"
[[ -x "$python" ]] || die "NEWEST_PYTHON=$python is not an executable"
python_version=$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' ||
    die "$python is Python $python_version: the newest ansible needs 3.12 or newer (pip would silently pick an older release)"

# --- 1. the venv, rebuilt only when what goes into it changes ----------------------------------
# The collection's needs come from requirements.txt as written; moto and pytest at the pinned toolchain's versions
# (the harness is written against them). The list itself, with the interpreter, is the cache key.
pin_of() {
    local line
    line=$(grep -E "^$1==" requirements-dev.txt) || die "requirements-dev.txt pins no $1"
    printf '%s\n' "$line"
}
wanted=$(
    printf '# python %s (%s)\n%s\n' "$python_version" "$python" "$ansible_pin"
    grep -Ev '^[[:space:]]*(#|$)' requirements.txt
    pin_of 'moto\[server\]'
    pin_of pytest
)

mkdir -p "$newest"
# One build at a time per checkout.
exec 9>"$newest/.lock"
flock 9
if [[ -x "$venv/bin/python" && -f "$venv/.requirements" && "$(cat "$venv/.requirements")" == "$wanted" ]]; then
    echo "== reusing $venv (requirements unchanged)"
else
    echo "== building $venv on Python $python_version"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    grep -v '^#' <<<"$wanted" >"$newest/requirements.txt"
    start=$SECONDS
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$newest/requirements.txt"
    printf '%s\n' "$wanted" >"$venv/.requirements"
    echo "   built in $((SECONDS - start)) s"
fi
exec 9>&-
"$venv/bin/python" -c 'from importlib.metadata import version as v; print("   ansible", v("ansible"), "(ansible-core", v("ansible-core") + "), boto3", v("boto3"), "moto", v("moto"))'

# --- 2. the smoke ------------------------------------------------------------------------------
# Nothing of the pinned toolchain may leak in: no .venv on PATH, no project ansible.cfg, no collections path.
PATH=$(tr ':' '\n' <<<"$PATH" | grep -vxF "$venv_bin" | paste -sd: -)
export PATH="$venv/bin:$PATH"
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS PYTHONPATH VIRTUAL_ENV
export ECS_IAM_NEWEST_ANSIBLE="$venv"
exec "$venv/bin/python" -m pytest tests/integration/test_newest_ansible.py -q -p no:cacheprovider "$@"
