"""tests/support/prerequisites.py: a missing prerequisite skips on a developer's machine and fails under CI."""

import pathlib
import re

import pytest

from tests.support.prerequisites import require

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("available, ci, outcome", [
    (True, None, None),
    (True, "true", None),
    (False, None, pytest.skip.Exception),
    (False, "", pytest.skip.Exception),
    (False, "false", pytest.skip.Exception),
    (False, "0", pytest.skip.Exception),
    (False, "true", pytest.fail.Exception),   # GitHub Actions, GitLab CI
    (False, "1", pytest.fail.Exception),
    (False, "True", pytest.fail.Exception),
])
def test_a_missing_prerequisite_fails_under_ci(monkeypatch, available, ci, outcome):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    if outcome is None:
        assert require(available, "the corpus") is None
        return
    with pytest.raises(outcome) as caught:
        require(available, "the corpus")
    assert str(caught.value).startswith("the corpus")


def test_no_test_reading_the_corpus_skips_on_its_own():
    # The corpus tests go through require(): a bare skipif on the corpus would skip under CI too.
    offenders = []
    for path in sorted((REPO / "tests").rglob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"skipif\([^)]*(CORPUS|MANAGED|FINDINGS|corpus)", text):
            offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
