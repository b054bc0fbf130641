"""Shared pytest set-up. pytest.ini puts the repository root (for ``tests.support``) and ``.collections/``
(for ``ansible_collections.cerpac.ecs_iam``) on the import path; this checks that `make setup` built the latter."""

import pathlib

REPO = pathlib.Path(__file__).resolve().parent.parent
COLLECTIONS_ROOT = REPO / ".collections"

if not (COLLECTIONS_ROOT / "ansible_collections" / "cerpac" / "ecs_iam").exists():
    raise RuntimeError(f"{COLLECTIONS_ROOT} is missing: run `make setup` (or `make test`) first")
