"""Shared pytest set-up: make ``ansible_collections.cerpac.ecs_iam`` importable from this checkout."""

import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
COLLECTIONS_ROOT = REPO / ".collections"

if not (COLLECTIONS_ROOT / "ansible_collections" / "cerpac" / "ecs_iam").exists():
    raise RuntimeError(f"{COLLECTIONS_ROOT} is missing: run `make setup` (or `make test`) first")
if str(COLLECTIONS_ROOT) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_ROOT))
