#!/usr/bin/env bash
# Build the collection tarball, install it offline into a throw-away collections root beside
# amazon.aws, and read every module's and role's documentation back from the installed copy.
#
#   1. stage the collection's files (git-tracked plus untracked-not-ignored) in a temp dir, plant there what the
#      playbooks and tools write into a checkout (rendered/, adopted/, live/, caches), build it, and check the
#      tarball's list: exactly the top-level entries a user needs, no tests/, ansible.cfg, changelog fragments,
#      generated folder or cache (galaxy.yml build_ignore);
#   2. install the tarball into <tmp>/collections, where amazon.aws (from .collections/) already
#      is, with --offline, so the dependency in galaxy.yml is checked against it and Galaxy is never asked; and,
#      as the README's other way, with --offline --no-deps into a root without amazon.aws;
#   3. with only that root on the collections path (and no project ansible.cfg), run
#      ansible-doc -l cerpac.ecs_iam, ansible-doc on each module in plugins/modules/ and on each
#      other documented plugin, and ansible-doc -t role on each role in roles/;
#   4. ansible-test sanity (documentation, metadata and YAML tests) on the installed copy;
#   5. on that same installed tree, scripts/ee_check.py: `ansible-builder introspect` lists exactly
#      requirements.txt as the collection's needs (and no system package), and `ansible-builder create`
#      on docs/execution-environment.yml writes a build context (no container engine).
# Any error, and any [WARNING]/[ERROR] that ansible-doc prints, fails the script.
# KEEP_TMP=1 keeps the temp dir for inspection.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo"
fqcn=cerpac.ecs_iam

die() { echo "build_install.sh: $*" >&2; exit 1; }

require_toolchain build_install.sh ansible-galaxy
[[ -x "$venv_bin/ansible-builder" ]] || die "no $venv_bin/ansible-builder: run 'make setup' (requirements-dev.txt pins it)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecs_iam-build.XXXXXX")
cleanup() { if [[ "${KEEP_TMP:-}" == 1 ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

# Nothing from the checkout's configuration may leak in: the installed copy must stand alone.
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS
export ANSIBLE_HOME="$tmp/ansible_home"
export ANSIBLE_COLLECTIONS_PATH="$tmp/collections"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_NOCOLOR=1

# --- 1. stage and build ------------------------------------------------------------------------
stage="$tmp/stage/ecs_iam"
mkdir -p "$stage" "$tmp/dist"
copy_collection "$stage"
# What the playbooks and tools write into a user's checkout, planted in the stage: galaxy.yml's build_ignore must keep
# it out (ansible-galaxy collection build packs the working tree, git-ignored or not).
for path in rendered/staging/ACCESS.md adopted/staging/hosts.yml live/staging/ACCESS.md .cache/x .ansible/x \
    tests/output/x moto_recording .pytest_cache/x plugins/module_utils/__pycache__/x.pyc; do
    mkdir -p "$stage/$(dirname "$path")"
    echo planted >"$stage/$path"
done

echo "== ansible-galaxy collection build"
(cd "$tmp" && ansible-galaxy collection build --output-path "$tmp/dist" "$stage")
shopt -s nullglob
tarballs=("$tmp"/dist/cerpac-ecs_iam-*.tar.gz)
shopt -u nullglob
(( ${#tarballs[@]} == 1 )) || die "expected one tarball in $tmp/dist, found ${#tarballs[*]}"
tarball=${tarballs[0]}
echo "built $(basename "$tarball"): $(tar -tzf "$tarball" | grep -cv '/$') files"
# What a user needs and nothing else (galaxy.yml build_ignore): the top-level entries are exactly these, and none of
# the development files or generated folders is anywhere in it.
shipped=$(tar -tzf "$tarball")
top=$(cut -d/ -f1 <<<"$shipped" | sort -u | tr '\n' ' ')
expected_top="COPYING FILES.json MANIFEST.json README.md changelogs docs files inventories meta playbooks plugins requirements.txt requirements.yml roles "
[[ "$top" == "$expected_top" ]] || die "the tarball's top level is '$top', expected '$expected_top' (galaxy.yml build_ignore)"
for path in Makefile ansible.cfg pytest.ini requirements-dev.txt .ansible-lint scripts/ bench/ extensions/ tests/ changelogs/fragments/ \
    rendered/ adopted/ live/ .cache/ .ansible/ moto_recording .pytest_cache/; do
    if grep -q "^${path}" <<<"$shipped"; then die "the tarball ships $path, a development or generated file (galaxy.yml build_ignore)"; fi
done
if grep -Eq '(^|/)__pycache__/|\.pyc$|package-lock\.json$' <<<"$shipped"; then die "the tarball ships caches or the tests' node packages"; fi
[[ "$(grep '^changelogs/.' <<<"$shipped" | tr '\n' ' ')" == "changelogs/changelog.yaml changelogs/config.yaml " ]] ||
    die "changelogs/ in the tarball is not exactly changelog.yaml and config.yaml"
for path in MANIFEST.json README.md requirements.txt meta/runtime.yml meta/execution-environment.yml playbooks/deploy.yml \
    inventories/staging/hosts.yml roles/ecs_task_role/README.md plugins/module_utils/grant_checks.py docs/grants.md; do
    grep -qx "$path" <<<"$shipped" || die "the tarball lacks $path"
done

# --- 2. install beside amazon.aws --------------------------------------------------------------
mkdir -p "$tmp/collections/ansible_collections/amazon"
cp -a "$amazon_aws" "$tmp/collections/ansible_collections/amazon/aws"
echo "== ansible-galaxy collection install (offline, amazon.aws already present)"
(cd "$tmp" && ansible-galaxy collection install --offline -p "$tmp/collections" "$tarball")
installed="$tmp/collections/ansible_collections/cerpac/ecs_iam"
[[ -f "$installed/MANIFEST.json" && ! -L "$installed" ]] || die "$fqcn was not installed into $installed"
# The README's other way without Galaxy: --no-deps into a root without amazon.aws (the user provides it separately).
echo "== ansible-galaxy collection install --no-deps (no amazon.aws on the path)"
(cd "$tmp" && ANSIBLE_COLLECTIONS_PATH="$tmp/nodeps" ansible-galaxy collection install --offline --no-deps -p "$tmp/nodeps" "$tarball")
[[ -f "$tmp/nodeps/ansible_collections/cerpac/ecs_iam/MANIFEST.json" ]] || die "--no-deps did not install $fqcn into $tmp/nodeps"
[[ ! -e "$tmp/nodeps/ansible_collections/amazon" ]] || die "--no-deps installed amazon.aws"

# The installed copy, not the checkout, must be the one ansible sees.
listing=$(cd "$tmp" && ansible-galaxy collection list "$fqcn" 2>&1)
echo "$listing"
grep -q "^# $tmp/collections/ansible_collections\$" <<<"$listing" || die "$fqcn is not listed from $tmp/collections"
if grep '^# ' <<<"$listing" | grep -vq "^# $tmp/collections/ansible_collections\$"; then
    die "$fqcn is also visible from another collections path"
fi

# --- 3. read the documentation back ------------------------------------------------------------
failures=0
# Run one ansible-doc command; fail it on a non-zero exit or on any warning or error it prints.
doc() {
    local out err rc=0
    out="$tmp/doc.out"
    err="$tmp/doc.err"
    (cd "$tmp" && ansible-doc "$@") >"$out" 2>"$err" || rc=$?
    if (( rc != 0 )) || grep -Eq '\[(WARNING|ERROR|DEPRECATION WARNING)\]' "$out" "$err"; then
        echo "FAIL: ansible-doc $* (exit $rc)"
        sed 's/^/    /' "$err"
        grep -E '\[(WARNING|ERROR|DEPRECATION WARNING)\]' "$out" | sed 's/^/    /' || true
        failures=$((failures + 1))
        return 0
    fi
    echo "ok:   ansible-doc $*"
}

echo "== ansible-doc, against $installed"
doc -l "$fqcn"

# Modules: every file in the installed plugins/modules/, whether or not ansible-doc -l lists it.
shopt -s nullglob
modules=()
for file in "$installed"/plugins/modules/*.py; do
    name=$(basename "$file" .py)
    [[ "$name" == __init__ ]] && continue
    modules+=("$name")
done
for name in "${modules[@]}"; do
    doc "$fqcn.$name"
done

# Other documented plugin types present in the tree: take their names from ansible-doc's own list
# (one file may hold several filters or tests).
for type in filter test lookup inventory callback connection become cache vars; do
    dir="$installed/plugins/$type"
    files=("$dir"/*.py "$dir"/*.yml "$dir"/*.yaml)
    (( ${#files[@]} )) || continue
    names=$(cd "$tmp" && ansible-doc -t "$type" -l "$fqcn" --json \
        | python -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin))))') ||
        { echo "FAIL: ansible-doc -t $type -l $fqcn"; failures=$((failures + 1)); continue; }
    [[ -n "$names" ]] || { echo "FAIL: plugins/$type/ has files but ansible-doc lists no $type plugin"; failures=$((failures + 1)); }
    for name in $names; do
        doc -t "$type" "$name"
    done
done

# Roles: every directory in the installed roles/.
roles=()
for dir in "$installed"/roles/*/; do
    roles+=("$(basename "$dir")")
done
shopt -u nullglob
if (( ${#roles[@]} )); then
    doc -t role -l "$fqcn"
fi
for name in "${roles[@]}"; do
    doc -t role "$fqcn.$name"
done

echo "== ${#modules[@]} module(s), ${#roles[@]} role(s); $failures failure(s)"

# --- 4. ansible-test sanity on the installed copy: nothing it needs was left out of the tarball ------
# The tests that read the tree as a whole (documentation, metadata, YAML); scripts/sanity.sh runs every test on the
# checkout. ansible-test takes its file list from git: an empty repository makes every installed file "untracked".
echo "== ansible-test sanity on the installed copy"
git init -q "$installed"
(cd "$installed" && ansible-test sanity --color no --python 3.11 --test validate-modules --test action-plugin-docs \
    --test ansible-doc --test runtime-metadata --test yamllint) || failures=$((failures + 1))
rm -rf "$installed/.git" "$installed/tests/output"

# --- 5. the execution environment, from the installed tree -------------------------------------
"$venv_bin/python" "$repo/scripts/ee_check.py" "$tmp/collections" || failures=$((failures + 1))

(( failures == 0 )) || exit 1
