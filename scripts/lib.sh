# shellcheck shell=bash
# Shared by the scripts/*.sh tools: the checkout's root, the toolchain check, and a clean copy of the
# collection's own files. Source it: `. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"`.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv_bin="$repo/.venv/bin"
amazon_aws="$repo/.collections/ansible_collections/amazon/aws"

# require_toolchain TOOL COMMAND: stop unless `make setup` has built .venv/ (with COMMAND) and .collections/.
require_toolchain() {
    [[ -x "$venv_bin/$2" ]] || { echo "$1: no $venv_bin/$2: run 'make setup' first" >&2; exit 1; }
    [[ -f "$amazon_aws/MANIFEST.json" ]] || { echo "$1: no amazon.aws in .collections/: run 'make setup' first" >&2; exit 1; }
    export PATH="$venv_bin:$PATH"
}

# find_newest_python: print the interpreter for the newest `ansible` release (scripts/newest_ansible.sh): NEWEST_PYTHON
# when set, else pyenv's newest Python 3.13, else 3.12; print nothing when there is none.
find_newest_python() {
    local version candidate python="${NEWEST_PYTHON:-}"
    if [[ -z "$python" ]]; then
        for version in 3.13 3.12; do
            for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version"; do
                [[ -x "$candidate" ]] && python="$candidate"
            done
            [[ -n "$python" ]] && break
        done
    fi
    printf '%s' "$python"
}

# copy_collection DEST: the collection's files (git-tracked plus untracked-not-ignored, still present),
# without the toolchain's folders, copied into DEST.
copy_collection() {
    mkdir -p "$1"
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard) \
        | while IFS= read -r -d '' path; do
            case "$path" in
                .collections | .collections/* | .venv | .venv/* | .cache | .cache/* | tests/output/*) continue ;;
            esac
            if [[ -e "$repo/$path" || -L "$repo/$path" ]]; then printf '%s\0' "$path"; fi
        done \
        | tar -C "$repo" --null --no-recursion -T - -cf - \
        | tar -xf - -C "$1"
}
