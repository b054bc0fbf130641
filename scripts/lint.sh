#!/usr/bin/env bash
# ansible-lint (production profile, offline; settings in .ansible-lint) over the whole checkout, with
# the project's collections tree (.collections/: amazon.aws and this checkout as cerpac.ecs_iam) on the
# collections path. Extra arguments go to ansible-lint. Exits non-zero on any finding.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo"
require_toolchain lint.sh ansible-lint
export ANSIBLE_CONFIG="$repo/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$repo/.collections"
# Belt and braces with `offline: true`: never reach for Galaxy.
export ANSIBLE_LINT_NODEPS=1

args=(--config-file "$repo/.ansible-lint" --strict)
# Plain text in logs (CI): no colours or terminal hyperlinks.
[[ -t 1 ]] || args+=(--nocolor)
exec ansible-lint "${args[@]}" "$@"
