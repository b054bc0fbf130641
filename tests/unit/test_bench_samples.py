"""bench/_samples.py: alternation, medians with their spread, success rates."""

import pytest

from bench._samples import alternating, constant, ratio, show, spread, success_rate


@pytest.mark.parametrize("samples, orders", [
    (1, [["ours", "baseline"]]),
    (2, [["ours", "baseline"], ["baseline", "ours"]]),
    (5, [["ours", "baseline"], ["baseline", "ours"], ["ours", "baseline"], ["baseline", "ours"], ["ours", "baseline"]]),
])
def test_ours_and_the_baseline_take_turns_going_first(samples, orders):
    assert alternating(["ours", "baseline"], samples) == orders


def test_no_sample_is_refused():
    with pytest.raises(ValueError):
        alternating(["ours"], 0)
    with pytest.raises(ValueError):
        spread([])


@pytest.mark.parametrize("values, expected", [
    ([3.0], "3.00"),
    ([5.0, 1.0, 3.0], "3.00 (1.00-5.00)"),
    ([4.0, 1.0, 2.0, 10.0], "3.00 (1.00-10.00)"),
])
def test_medians_come_with_their_range(values, expected):
    assert show(values) == expected


@pytest.mark.parametrize("values, expected", [([40, 40, 40], "40"), ([40, 41, 40], "40 (40-41)")])
def test_a_count_that_varies_between_samples_shows_it(values, expected):
    assert constant(values) == expected


def test_the_ratio_is_of_the_medians():
    assert ratio([1.0, 2.0, 9.0], [4.0, 4.0, 100.0]) == 0.5


@pytest.mark.parametrize("successes, runs, expected", [
    (20, 20, "20/20 (100%, 95% interval 84-100%)"),
    (0, 20, "0/20 (0%, 95% interval 0-16%)"),
    (19, 20, "19/20 (95%, 95% interval 76-99%)"),
    (3, 3, "3/3 (100%, 95% interval 44-100%)"),
])
def test_success_rates_carry_their_uncertainty(successes, runs, expected):
    assert success_rate(successes, runs) == expected
