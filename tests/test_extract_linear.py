"""`tracker extract` does work in proportion to its input (issue 20: 22 / 45 / 125 s on 100 / 200 / 400 kB).

Counted, never timed (the time per MB is measured by benchmarks/extract_bench.py): the function calls the
extractor makes (cProfile's count), and the characters it copies out of the text (a str subclass that meters
every slice taken of it). Both grew with the square of the length before: a stop looked back through all the
text before it, a title's name was looked for in a copy of everything before the sentence, and each line
break copied the rest of its block. Four times the text must cost about four times as much, on article prose
and on a text with no sentence end at all.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path
from typing import Any, SupportsIndex

import pytest

from tracker.domain.verbal import load_scale
from tracker.extract import HedgeFinder, extract
from tracker.extract.segment import LONGEST_SENTENCE, sentences

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from extract_bench import one_line, prose  # noqa: E402

FINDER = HedgeFinder(load_scale())


class Metered(str):
    """A text that counts the characters of every slice or character taken from it."""

    taken = 0

    def __getitem__(self, key: SupportsIndex | slice) -> str:  # type: ignore[override]
        piece = str.__getitem__(self, key)
        Metered.taken += len(piece)
        return piece


def _cost(text: str) -> tuple[int, int]:
    Metered.taken = 0
    profile = cProfile.Profile()
    profile.enable()
    extract(Metered(text), finder=FINDER)
    profile.disable()
    stats: Any = pstats.Stats(profile)
    return stats.total_calls, Metered.taken


@pytest.mark.parametrize("make", [prose, one_line], ids=["prose", "one-line"])
def test_four_times_the_text_costs_about_four_times_the_work(make: Any) -> None:
    small_calls, small_copied = _cost(make(25_000))
    large_calls, large_copied = _cost(make(100_000))
    assert small_calls > 1000 and small_copied > 10_000  # the meters see the work
    assert large_calls / small_calls < 4.6, (small_calls, large_calls)
    assert large_copied / small_copied < 4.6, (small_copied, large_copied)


def test_the_meter_sees_a_quadratic_copy() -> None:
    """The meter would catch the old bug: a look back through a copy of all the text before each stop."""

    def quadratic(text: str) -> None:
        for i in range(0, len(text), 50):
            text[:i].rfind(" ")

    for n in (5_000, 20_000):
        Metered.taken = 0
        quadratic(Metered("x " * (n // 2)))
        if n == 5_000:
            small = Metered.taken
    assert Metered.taken / small > 10


def test_a_text_without_stops_is_cut_into_bounded_sentences() -> None:
    text = one_line(20_000)
    cut = sentences(text)
    assert len(cut) > 10
    assert all(len(s.text) <= LONGEST_SENTENCE for s in cut)
    assert all(text[s.start : s.end] == s.text for s in cut)  # offsets still give the text's own characters
    assert " ".join(s.text for s in cut).split() == text.split()  # nothing lost or repeated
