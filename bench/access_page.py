"""What the access page costs, against baselines measured in the same run, on first passes in new processes.

    PYTHONPATH=.:.collections .venv/bin/python -m bench.access_page

For environments of N applications (3 to 5 grants each, plus execution roles; tests/support/access_inputs.py):

* task: ``ansible-playbook`` with one ``cerpac.ecs_iam.access_page`` task writing the page, against one
  ``ansible.builtin.copy`` task writing the same bytes (the least any page-writing task costs);
* compute: ``access_page()`` alone in a new Python process, against ``render_grants`` over every grant of the
  environment in a new process (what render.yml already does for the same roles).

Each pair alternates ``BENCH_REPEAT`` times (default 3) on distinct inputs (a new folder each run); the
medians and their ratios are printed. No AWS, no moto.
"""

import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

from tests.support.access_inputs import environment_outputs, fleet_declaration

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._access_page import access_page

REPO = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "2,30,100").split(",")]

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


def playbook(folder, task):
    path = folder / "play.yml"
    path.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [task]}]))
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), PATH="%s:%s" % (BIN, os.environ["PATH"]))
    command = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=%s" % sys.executable,
               "-e", "@%s" % (folder.parent / "vars.json"), str(path)]
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=str(REPO), env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit("%s failed:\n%s%s" % (task["name"], proc.stdout[-3000:], proc.stderr[-2000:]))
    return seconds


def compute(kind, data_file):
    env = dict(os.environ, PYTHONPATH="%s:%s" % (REPO, REPO / ".collections"))
    proc = subprocess.run([sys.executable, "-c", COMPUTE[kind], str(data_file)], env=env, capture_output=True, text=True, check=True)
    return float(proc.stdout.strip())


def main():
    header = ("apps", "", "page task", "copy task", "ratio", "page compute", "render grants", "ratio", "page size")
    print("%5s  %-7s  %10s  %10s  %6s  %12s  %12s  %6s  %9s" % header)
    for size in SIZES:
        declaration = fleet_declaration(size)
        applications, passrole = environment_outputs(declaration)
        text = access_page("staging", applications, passrole)
        grants = [app["grants"] for app in declaration["applications"].values()]
        with tempfile.TemporaryDirectory(prefix="bench-access-page-") as tmp:
            root = pathlib.Path(tmp)
            (root / "vars.json").write_text(json.dumps({"apps": applications, "passrole": passrole, "page": text, "grants": grants}))
            times = {"page": [], "copy": [], "compute": [], "render": []}
            for run in range(REPEAT):
                for kind in ("page", "copy"):
                    folder = root / ("%s-%d" % (kind, run))
                    folder.mkdir()
                    dest = str(folder / "ACCESS.md")
                    if kind == "page":
                        task = {"name": "page", "cerpac.ecs_iam.access_page": {
                            "environment": "staging", "applications": "{{ apps }}", "passrole": "{{ passrole }}", "dest": dest}}
                    else:
                        task = {"name": "copy", "ansible.builtin.copy": {"content": "{{ page }}", "dest": dest, "mode": "0644"}}
                    times[kind].append(playbook(folder, task))
                times["compute"].append(compute("page", root / "vars.json"))
                times["render"].append(compute("render", root / "vars.json"))
        median = dict((kind, statistics.median(values)) for kind, values in times.items())
        print("%5d  %-7s  %9.2fs  %9.2fs  %6.2f  %11.3fs  %11.3fs  %6.2f  %8dB" % (
            size, "median", median["page"], median["copy"], median["page"] / median["copy"], median["compute"], median["render"],
            median["compute"] / median["render"], len(text.encode("utf-8"))))


if __name__ == "__main__":
    main()
