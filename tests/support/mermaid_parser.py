"""Mermaid's own parser, run under Node: installed on first use into .cache/mermaid-node/ with ``npm ci``.

The versions are pinned in tests/support/mermaid_node/package-lock.json (mermaid and jsdom, which stands in
for the browser window Mermaid's label sanitiser needs). A clean clone installs them once (about 15 s, 150 MB
under .cache/, nothing outside it); ``npm ci --ignore-scripts`` runs no package's install scripts.

``parse_errors(diagrams)`` returns, for each diagram text, ``None`` when Mermaid accepts it, else its error.
``available()`` says whether node and npm are on PATH (every machine of this project has them).
"""

import fcntl
import hashlib
import json
import pathlib
import shutil
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[2]
SOURCE = pathlib.Path(__file__).resolve().parent / "mermaid_node"
CACHE = REPO / ".cache" / "mermaid-node"
FILES = ("package.json", "package-lock.json", "parse.mjs")


class MermaidToolError(RuntimeError):
    """npm or node failed; the message holds their output."""


def available():
    return shutil.which("node") is not None and shutil.which("npm") is not None


def _stamp():
    digest = hashlib.sha256()
    for name in FILES:
        digest.update((SOURCE / name).read_bytes())
    return digest.hexdigest()


def install():
    """Install the pinned packages into .cache/mermaid-node/ unless the same lock file is installed there."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = CACHE / ".installed"
        if stamp.exists() and stamp.read_text() == _stamp() and (CACHE / "node_modules" / "mermaid").is_dir():
            return CACHE
        for name in FILES:
            shutil.copyfile(SOURCE / name, CACHE / name)
        proc = subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                              cwd=str(CACHE), capture_output=True, text=True, check=False, timeout=600)
        if proc.returncode != 0:
            raise MermaidToolError("npm ci in %s failed (%d):\n%s%s" % (CACHE, proc.returncode, proc.stdout, proc.stderr))
        stamp.write_text(_stamp())
    return CACHE


def parse_errors(diagrams):
    """Mermaid's verdict on each diagram: ``None`` when it parses, else the first line of Mermaid's error."""
    folder = install()
    proc = subprocess.run(["node", str(folder / "parse.mjs")], input=json.dumps(list(diagrams)), cwd=str(folder),
                          capture_output=True, text=True, check=False, timeout=300)
    if proc.returncode != 0:
        raise MermaidToolError("node parse.mjs failed (%d):\n%s%s" % (proc.returncode, proc.stdout, proc.stderr))
    return json.loads(proc.stdout)
