"""One name per leaderboard concept, and the short form of a verdict, for every place that shows them: the site's
tables, `tracker scores`, the report. Exports keep the field names (``vs_coin``), which read as these labels
(``vs coin``) with the underscore as a space; a test holds the three to one vocabulary.

Below every layer (like tracker.words)."""

from __future__ import annotations

from typing import Any

__all__ = ["LABELS", "label", "short_verdict"]

# field name -> the label a reader sees
LABELS = {
    "rank": "#",
    "name": "forecaster",
    "n_questions": "questions",
    "n_scored": "scored",
    "mean_brier": "Brier",
    "interval_90": "90% interval",
    "vs_coin": "vs coin",
    "vs_crowd": "vs crowd",
    "mean_brier_two_category": "two-category",
    "mean_time_avg_brier": "time-avg",
    "mean_relative_brier": "minus crowd",
    "mean_log_score": "log score",
    "bss_vs_half": "skill",
    "verbal_range": "verbal range",
    "mean_baseline_time_avg": "baseline",
}
# what a verdict is against, as the scoring side's sentences name it ("beats a coin flip (p = 0.03, 12 questions)")
AGAINST = {"vs_coin": "a coin flip", "vs_crowd": "the crowd"}


def label(field: str) -> str:
    return LABELS.get(field) or field.replace("_", " ")


def short_verdict(text: Any, field: str) -> str:
    """A verdict sentence cut to a table cell: "beats (p = 0.031)", "worse (p = 0.02)", "too few questions"; the
    cell's title (or the detail row) carries the whole sentence."""
    if not text:
        return ""
    text = str(text)
    if text.startswith("too few"):
        return "too few questions"
    against = AGAINST.get(field, "")
    words, _, rest = text.partition(" (")
    if against:
        for drop in (f" from {against}", f" than {against}", f" {against}"):
            words = words.replace(drop, "")
    p = rest.split(",")[0].rstrip(")")
    return f"{words} ({p})" if p.startswith("p") else words
