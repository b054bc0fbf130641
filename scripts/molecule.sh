#!/usr/bin/env bash
# The molecule scenario extensions/molecule/default (create, converge, idempotence, check, verify, destroy)
# against a local moto on a free port. Extra arguments go to `molecule test`. Exits with molecule's status and
# leaves no moto server behind, whatever happens.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo"
# molecule and the playbooks it runs need the venv's ansible-* commands first on PATH.
require_toolchain molecule.sh molecule
export ANSIBLE_CONFIG="$repo/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$repo/.collections"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN
# create.yml starts moto on this port (a free one unless set); molecule.yml points AWS_URL / AWS_ENDPOINT_URL
# at it.
if [[ -z "${CERPAC_MOTO_PORT:-}" ]]; then
    CERPAC_MOTO_PORT=$("$venv_bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
export CERPAC_MOTO_PORT
# A state folder of this run's own, so that runs side by side in one checkout do not share molecule's state
# or moto's pid file.
mkdir -p "$repo/.cache/molecule"
MOLECULE_EPHEMERAL_DIRECTORY=$(mktemp -d "$repo/.cache/molecule/default.XXXXXX")
export MOLECULE_EPHEMERAL_DIRECTORY
pid_file="$MOLECULE_EPHEMERAL_DIRECTORY/moto/moto.pid"

stop_moto() {
    # destroy.yml normally has stopped it already; this covers an interrupted or crashed molecule.
    local pid
    [[ -f "$pid_file" ]] || return 0
    pid=$(<"$pid_file")
    if [[ -n "$pid" ]] && grep -qs moto_server.py "/proc/$pid/cmdline"; then
        echo "molecule.sh: stopping moto (pid $pid) left running" >&2
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file"
}

start=$SECONDS
finish() {
    local rc=$?
    stop_moto
    if [[ $rc -eq 0 ]]; then
        rm -rf "$MOLECULE_EPHEMERAL_DIRECTORY"
    else
        echo "molecule.sh: failed (exit $rc); moto's log and molecule's state are in $MOLECULE_EPHEMERAL_DIRECTORY" >&2
    fi
    echo "molecule.sh: exit $rc after $((SECONDS - start)) s (moto on 127.0.0.1:$CERPAC_MOTO_PORT)"
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# molecule 26 finds collection scenarios in extensions/molecule/ from the collection root.
molecule test -s default "$@"
