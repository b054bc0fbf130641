"""What the access page costs a user: playbooks/render.yml with the page against render.yml without it, in one run.

    PYTHONPATH=.:.collections python -m bench.access_page [--apps 2,30,100] [--samples 5]

For environments of N applications (bench/fleet.py's inventories: a task role with 3 to 5 grants and a task
execution role each), ``render.yml`` as shipped (it renders every role, the deployer's PassRole policy and writes
ACCESS.md) against the same playbook with its two access-page tasks taken out (collecting each application, and the
``cerpac.ecs_iam.access_page`` task): the difference is what the page adds to the run a user makes. Both are new
ansible-playbook processes writing into a new folder each run (first passes), with no AWS call; ``--samples`` times
(default 5) each, alternating (with the page first in even samples). Also, in a new Python process each:
``access_page()`` alone against ``render_grants`` over every grant of the environment (what render.yml already does
for the same roles), on tests/support/access_inputs.py's environment of N applications (whose page size is printed).
Printed: medians with their range (min-max) and the ratios of the medians.
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

from bench._samples import alternating, ratio, show
from bench.fleet import write_inventories
from tests.support.access_inputs import environment_outputs, fleet_declaration

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._access_page import access_page

REPO = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent
PAGE_MODULE = "cerpac.ecs_iam.access_page"
PAGE_FACT = "ecs_iam_access_application"

COMPUTE = {
    "page": ("import json, sys, time\n"
             "from ansible_collections.cerpac.ecs_iam.plugins.module_utils._access_page import access_page\n"
             "data = json.load(open(sys.argv[1]))\n"
             "start = time.perf_counter()\n"
             "access_page('staging', data['apps'], data['passrole'])\n"
             "print(time.perf_counter() - start)\n"),
    "render": ("import json, sys, time\n"
               "from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import render_grants\n"
               "data = json.load(open(sys.argv[1]))\n"
               "start = time.perf_counter()\n"
               "for grants in data['grants']:\n"
               "    render_grants(grants, 'aws', 'eu-west-1', '123456789012')\n"
               "print(time.perf_counter() - start)\n"),
}


def is_page_task(task):
    """The tasks of render.yml that exist for the page: the access_page task and the fact it collects."""
    return PAGE_MODULE in task or PAGE_FACT in (task.get("ansible.builtin.set_fact") or {})


def playbooks_without_the_page(root):
    """A copy of playbooks/ whose render.yml lacks the page's tasks (everything else linked: vars/, tasks/, ...): the
    playbook to compare with."""
    folder = root / "playbooks"
    folder.mkdir()
    for entry in (REPO / "playbooks").iterdir():
        if entry.name != "render.yml":
            (folder / entry.name).symlink_to(entry)
    plays = yaml.safe_load((REPO / "playbooks" / "render.yml").read_text())
    removed = 0
    for play in plays:
        kept = [task for task in play.get("tasks", []) if not is_page_task(task)]
        removed += len(play.get("tasks", [])) - len(kept)
        play["tasks"] = kept
    if removed != 2:
        raise SystemExit(f"expected to take render.yml's two access-page tasks out, took {removed}: update bench/access_page.py")
    (folder / "render.yml").write_text(yaml.safe_dump(plays, sort_keys=False))
    return folder / "render.yml"


def render(playbook, inventory, out, env):
    start = time.perf_counter()
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), "-e", f"render_dir={out}"],
                          cwd=str(REPO), env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{playbook} failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    return seconds


def compute(kind, data_file):
    env = dict(os.environ, PYTHONPATH="%s:%s" % (REPO, REPO / ".collections"))
    proc = subprocess.run([sys.executable, "-c", COMPUTE[kind], str(data_file)], env=env, capture_output=True, text=True, check=True)
    return float(proc.stdout.strip())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default=os.environ.get("BENCH_SIZES", "2,30,100"), help="comma-separated numbers of applications")
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_REPEAT", "5")), help="runs per playbook (default 5)")
    args = parser.parse_args(argv)
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), PATH="%s:%s" % (BIN, os.environ["PATH"]))
    print(f"render.yml with and without the access page, {args.samples} sample(s) each, alternating; seconds: median (min-max)")
    header = ("apps", "render.yml", "without the page", "ratio", "page compute", "render grants", "ratio", "page size")
    print("%5s  %20s  %20s  %6s  %18s  %18s  %6s  %9s" % header)
    for size in [int(size) for size in args.apps.split(",")]:
        root = pathlib.Path(tempfile.mkdtemp(prefix="bench-access-page-"))
        try:
            inventory, dummy_hosts = write_inventories(root, size)
            playbooks = {"page": REPO / "playbooks" / "render.yml", "no page": playbooks_without_the_page(root)}
            times = {"page": [], "no page": [], "compute": [], "render": []}
            for index, order in enumerate(alternating(playbooks, args.samples)):
                for kind in order:
                    out = root / f"out-{kind.replace(' ', '-')}-{index}"
                    times[kind].append(render(playbooks[kind], inventory, out, env))
                    if (out / "staging" / "ACCESS.md").exists() is not (kind == "page"):
                        raise SystemExit(f"{kind}: ACCESS.md {'missing' if kind == 'page' else 'written'} in {out}")
            declaration = fleet_declaration(size)
            applications, passrole = environment_outputs(declaration)
            text = access_page("staging", applications, passrole)
            data = root / "vars.json"
            data.write_text(json.dumps({"apps": applications, "passrole": passrole,
                                        "grants": [app["grants"] for app in declaration["applications"].values()]}))
            for dummy in range(args.samples):
                times["compute"].append(compute("page", data))
                times["render"].append(compute("render", data))
        finally:
            shutil.rmtree(root, ignore_errors=True)
        print("%5d  %20s  %20s  %6.2f  %18s  %18s  %6.2f  %8dB" % (
            size, show(times["page"]), show(times["no page"]), ratio(times["page"], times["no page"]),
            show(times["compute"], 3), show(times["render"], 3), ratio(times["compute"], times["render"]), len(text.encode("utf-8"))))


if __name__ == "__main__":
    main()
