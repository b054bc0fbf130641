"""What every benchmark here shares: samples taken in alternation, and medians reported with their spread.

A shared machine's load drifts during a run; taking ours and the baseline one after the other, the first of each
pair swapped every sample, spreads that drift over both sides instead of handing it to whichever ran second.
Figures are medians, with the range (min-max) of the samples beside them, so that a ratio is read with its noise.
"""

import math
import statistics


def alternating(tools, samples):
    """The order of the tools for each sample: as given in even samples, reversed in odd ones."""
    tools = list(tools)
    if samples < 1:
        raise ValueError("samples=%r: take at least one" % samples)
    return [tools if index % 2 == 0 else tools[::-1] for index in range(samples)]


def spread(values):
    """(median, min, max) of the samples."""
    values = list(values)
    if not values:
        raise ValueError("no samples")
    return statistics.median(values), min(values), max(values)


def show(values, digits=2):
    """``median (min-max)`` of the samples; the median alone when there is one sample."""
    values = list(values)
    median, low, high = spread(values)
    if len(values) == 1:
        return "%.*f" % (digits, median)
    return "%.*f (%.*f-%.*f)" % (digits, median, digits, low, digits, high)


def ratio(ours, baseline):
    """Ours' median over the baseline's median."""
    return spread(ours)[0] / spread(baseline)[0]


def constant(values):
    """The one value every sample gave (a call count), or ``median (min-max)`` when they differ."""
    values = list(values)
    return str(values[0]) if len(set(values)) == 1 else show(values, 0)


def success_rate(successes, runs, z=1.96):
    """``k/n (p%, 95% interval lo-hi%)``: the Wilson score interval, which stays inside 0-100% for few runs."""
    if runs < 1:
        raise ValueError("no runs")
    p = successes / runs
    centre = (p + z * z / (2 * runs)) / (1 + z * z / runs)
    half = z * math.sqrt(p * (1 - p) / runs + z * z / (4 * runs * runs)) / (1 + z * z / runs)
    return "%d/%d (%.0f%%, 95%% interval %.0f-%.0f%%)" % (successes, runs, 100 * p, 100 * max(0.0, centre - half), 100 * min(1.0, centre + half))
