"""The words of the honest statistics (`tracker.scoring.honest`), and their thresholds: numbers in, sentences out,
without numpy, so that a reader of stored statistics (`tracker.scoring.statistics`) builds the same verdicts the
computation gives without importing it."""

from __future__ import annotations

import math

from tracker.words import plural

MIN_QUESTIONS: int = 5
"""Fewer scored questions than this: "too few questions to say anything"; such rows get no interval, no verdict,
and are listed apart, unranked, on every leaderboard."""

LEVEL: float = 0.90
"""Coverage of the intervals: 90%, i.e. 5% in each tail, matching one-sided tests at ALPHA."""

ALPHA: float = 0.05
"""Significance level of the verdicts (one-sided against a coin flip or the crowd, two-sided between two)."""

FEWEST: dict[str, int] = {"pair": 6, "coin": 12, "crowd": 5}
"""The fewest binary questions at which each verdict can be reached at all at ALPHA, whatever the answers: "A
better" than B ("pair"), "beats a coin flip", "beats the crowd median". They are
`tracker.scoring.honest.fewest_questions` of the tests as they are (a test checks that they agree), copied here so
that the words of stored statistics need no numpy. Multiple-choice questions beat a coin flip sooner."""


def format_p(p: float) -> str:
    """A p-value as a reader sees it: two significant digits, "< 0.001" below that."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.2g}" if p < 0.1 else f"p = {p:.2f}"


def too_few_words(n: int, min_questions: int = MIN_QUESTIONS, what: str = "questions") -> str:
    """The words for a group below the minimum."""
    return f"too few {what} to say ({n}; {min_questions} needed)"


def pair_too_few_words(shared: str, needed: int) -> str:
    """The words for two compared on too few shared questions; ``needed``: the larger of the minimum and the
    fewest at which the test can tell them apart at all."""
    return f"not distinguishable ({shared}; at least {needed} needed to tell)"


def versus_verdict(
    n: int, mean_diff: float, p_better: float, p_worse: float, against: str, min_q: int, fewest: int
) -> str:
    """The verdict of a paired test against a reference ("a coin flip", "the crowd median"). ``fewest``: the fewest
    binary questions at which "beats" can be reached at all; named beside the minimum when above it, as a row
    with the minimum is told "not distinguishable" however good its record."""
    if n < min_q:
        if fewest <= min_q:
            return too_few_words(n, min_q)
        return f"too few questions to say ({n}; {min_q} needed, and at least {fewest} binary ones to beat {against})"
    counted = plural(n, "question")
    if p_better < ALPHA and mean_diff < 0:
        return f"beats {against} ({format_p(p_better)}, {counted})"
    if p_worse < ALPHA and mean_diff > 0:
        return f"worse than {against} ({format_p(p_worse)}, {counted})"
    return f"not distinguishable from {against} ({format_p(min(p_better, p_worse))}, {counted})"


def is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
