"""Tests that need something from outside the repository (the AWS managed policy corpus, node) skip without it on a
developer's machine, and fail under CI (the CI environment variable set, as every CI service sets it): a missing
prerequisite must not turn what CI should prove into a skip.

    @pytest.fixture(scope="module", autouse=True)
    def corpus_present():
        require(MANAGED.is_dir(), "policy corpus not found at %s (set CERPAC_CORPUS_DIR)" % MANAGED)
"""

import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def corpus_dir():
    """The AWS managed policy corpus: $CERPAC_CORPUS_DIR, else a `shared/corpus` folder beside the checkout."""
    return pathlib.Path(os.environ.get("CERPAC_CORPUS_DIR") or REPO.parent / "shared" / "corpus")


def under_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(available, reason):
    """Skip the calling test unless ``available``; under CI, fail it instead."""
    if available:
        return
    if under_ci():
        pytest.fail("%s (CI is set: a missing prerequisite fails instead of skipping)" % reason, pytrace=False)
    pytest.skip(reason)
