"""Check what an execution environment gets from cerpac.ecs_iam, with ansible-builder and no container engine.

    python scripts/ee_check.py COLLECTIONS_ROOT      (scripts/build_install.sh runs it on the tarball it installed)

1. ``ansible-builder introspect COLLECTIONS_ROOT`` (COLLECTIONS_ROOT/ansible_collections/cerpac/ecs_iam is the
   collection installed from its tarball) must list, for cerpac.ecs_iam, exactly the lines of requirements.txt as
   Python needs, in order, and no system package: nothing the collection runs needs one.
2. ``ansible-builder create`` on docs/execution-environment.yml must write a build context whose Containerfile
   installs the ansible-core range of meta/runtime.yml on Python 3.12 or newer, whose requirements.yml installs
   this collection from galaxy.yml's repository and amazon.aws in galaxy.yml's range, that runs the introspection
   step (which installs the collections' Python needs), and whose final image gets no git.

Prints each finding with the file, the field, the value and the fix; exits 1 on any.
"""

import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
FQCN = "cerpac.ecs_iam"
DEFINITION = REPO / "docs" / "execution-environment.yml"
COMMENT_RE = re.compile(r"(?:^|\s+)#.*$")
ANNOTATION_RE = re.compile(r"^(?P<requirement>.*?)\s+# from collection (?P<collection>\S+)$")


def requirement_lines(text):
    """The requirement lines of a pip or bindep file, without comments and blank lines, in order."""
    lines = []
    for line in text.splitlines():
        line = COMMENT_RE.sub("", line).strip()  # as ansible-builder's introspect strips them
        if line:
            lines.append(line)
    return lines


def by_collection(annotated):
    """{collection: [requirement, ...]} from introspect's annotated lines ("boto3>=1  # from collection x.y")."""
    found = {}
    for line in annotated:
        match = ANNOTATION_RE.match(line.strip())
        collection, requirement = (match["collection"], match["requirement"]) if match else ("(unattributed)", line.strip())
        found.setdefault(collection, []).append(requirement)
    return found


def introspect_findings(python, system, wanted_python):
    """What is wrong with introspect's lists for this collection (python and system: annotated lines)."""
    findings = []
    ours_python = by_collection(python).get(FQCN, [])
    ours_system = by_collection(system).get(FQCN, [])
    if ours_python != wanted_python:
        findings.append(
            f"ansible-builder introspect lists {ours_python!r} as {FQCN}'s Python needs, requirements.txt has {wanted_python!r}: "
            "meta/execution-environment.yml must name requirements.txt under dependencies.python, and the tarball must carry it"
        )
    if ours_system:
        findings.append(
            f"ansible-builder introspect lists {ours_system!r} as {FQCN}'s system needs: nothing the collection runs needs a system package, "
            "so an execution environment would carry it for nothing; remove it (bindep.txt, meta/execution-environment.yml dependencies.system)"
        )
    return findings


def stage(containerfile, name):
    """The lines of one build stage ("FROM ... AS name") of a Containerfile."""
    lines, inside = [], False
    for line in containerfile.splitlines():
        if line.startswith("FROM "):
            inside = line.split()[-1] == name
        elif inside:
            lines.append(line)
    return lines


def build_arg(containerfile, name):
    match = re.search(rf'^ARG {name}="(.*)"$', containerfile, re.M)
    return match.group(1) if match else None


def context_findings(containerfile, requirements, requires_ansible, amazon_aws_range, repository):
    """What is wrong with the build context `ansible-builder create` wrote for docs/execution-environment.yml."""
    findings = []
    where = "docs/execution-environment.yml"
    refs = (build_arg(containerfile, "ANSIBLE_INSTALL_REFS") or "").split()
    core = [ref for ref in refs if re.match(r"ansible-core\b", ref)]
    if core != [f"ansible-core{requires_ansible}"]:
        findings.append(
            f"{where}: dependencies.ansible_core.package_pip gives {core!r}; set it to ansible-core{requires_ansible}, the range meta/runtime.yml "
            "declares (requires_ansible)"
        )
    python = re.search(r"python(\d+)\.(\d+)$", build_arg(containerfile, "PYCMD") or "")
    if not python or (int(python.group(1)), int(python.group(2))) < (3, 12):
        findings.append(
            f"{where}: dependencies.python_interpreter.python_path gives {build_arg(containerfile, 'PYCMD')!r}; ansible-core 2.21 needs Python 3.12 "
            "or newer (for example package_system: python3.12, python_path: /usr/bin/python3.12)"
        )
    collections = {}
    for entry in (requirements or {}).get("collections", []):
        entry = {"name": entry} if isinstance(entry, str) else entry
        collections[entry["name"]] = entry
    ours = [name for name in collections if name in (FQCN, f"{repository}.git", repository)]
    if len(ours) != 1:
        findings.append(
            f"{where}: dependencies.galaxy.collections names {sorted(collections)!r}; it must install {FQCN} once, by name or from "
            f"its repository {repository}.git"
        )
    if collections.get("amazon.aws", {}).get("version") != amazon_aws_range:
        findings.append(
            f"{where}: dependencies.galaxy.collections gives amazon.aws {collections.get('amazon.aws')!r}; list it with version "
            f"{amazon_aws_range!r}, the range galaxy.yml declares"
        )
    if not any("introspect.py introspect" in line for line in stage(containerfile, "builder")):
        findings.append(f"{where}: the Containerfile's builder stage runs no introspect step, so the collections' Python needs would not be installed")
    final = [line for line in stage(containerfile, "final") if re.search(r"\bgit\b", line)]
    if final:
        findings.append(f"{where}: the final stage installs git ({final!r}); only the galaxy stage needs it (additional_build_steps.prepend_galaxy)")
    return findings


def run(command):
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"ee_check: {' '.join(command)} failed with exit {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("collections", help="a collections root: COLLECTIONS/ansible_collections/cerpac/ecs_iam is the installed collection")
    parser.add_argument("--ansible-builder", default=str(pathlib.Path(sys.executable).parent / "ansible-builder"))
    args = parser.parse_args()
    root = pathlib.Path(args.collections)
    installed = root / "ansible_collections" / "cerpac" / "ecs_iam"
    if not (installed / "MANIFEST.json").is_file():
        sys.exit(f"ee_check: {installed} holds no installed collection (no MANIFEST.json): give the root ansible-galaxy installed the tarball into")

    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    runtime = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())
    findings = []
    with tempfile.TemporaryDirectory(prefix="ee_check-") as tmp:
        tmp = pathlib.Path(tmp)
        # 1. introspect the installed tree (offline).
        print(f"== ansible-builder introspect {root}")
        print(run([args.ansible_builder, "introspect", str(root), "--write-pip", str(tmp / "pip.txt"), "--write-bindep", str(tmp / "bindep.txt")]).strip())
        python = (tmp / "pip.txt").read_text().splitlines() if (tmp / "pip.txt").exists() else []
        system = (tmp / "bindep.txt").read_text().splitlines() if (tmp / "bindep.txt").exists() else []
        findings += introspect_findings(python, system, requirement_lines((REPO / "requirements.txt").read_text()))

        # 2. create a build context from the example definition (no container engine).
        context = tmp / "context"
        print(f"== ansible-builder create -f {DEFINITION.relative_to(REPO)}")
        run([args.ansible_builder, "create", "-f", str(DEFINITION), "-c", str(context), "--output-filename", "Containerfile"])
        containerfile = (context / "Containerfile").read_text()
        requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
        for name in ("introspect.py", "assemble", "install-from-bindep"):
            if not (context / "_build" / "scripts" / name).is_file():
                findings.append(f"the build context has no _build/scripts/{name}: ansible-builder create did not write a complete context")
        findings += context_findings(containerfile, requirements, runtime["requires_ansible"], galaxy["dependencies"]["amazon.aws"], galaxy["repository"])
        print(f"   build context: Containerfile ({len(containerfile.splitlines())} lines), _build/requirements.yml {requirements['collections']!r}")

    for finding in findings:
        print(f"FAIL: {finding}")
    print(f"== execution environment: {len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
