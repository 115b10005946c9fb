"""tracker.extract, issue 22's eleventh round (polarity8): classes of phrasing sorted from the polarity errors of
the tune set and corpus-g/-h, each stated with made-up sentences, and look-alikes that must keep their side."""

from __future__ import annotations

import pytest
from test_extract_round8 import _cands

# ------------------------------------------------------------------------------ a second estimate after ", with"


@pytest.mark.parametrize(
    ("sentence", "first", "second"),
    [
        (
            "There is only a ten percent chance the vote will produce a clear winner, according to the model, "
            "with the opposition leader most likely to become premier.",
            ("ten percent chance", False),
            ("likely to", True),
        ),
        (
            "The chance of a recession now stands at 30 percent, with the chance of a soft landing at 65 percent.",
            ("chance of a recession now stands at 30 percent", False),
            ("chance of a soft landing at 65 percent", True),
        ),
    ],
)
def test_a_with_clause_holding_its_own_estimate_is_a_second_forecast(
    sentence: str, first: tuple[str, bool], second: tuple[str, bool]
) -> None:
    assert [(w, p > 0.5) for w, p in _cands(sentence)] == [first, second]


@pytest.mark.parametrize(
    "sentence",
    [
        # A price list across bookmakers is one bet, not a second estimate.
        "Acme Bets has them at 1/4 to win the most seats, with Hills making them 8/13 for a majority.",
        # "with" and no estimate of its own.
        "There is only a ten percent chance the vote will produce a clear winner, with turnout low.",
    ],
)
def test_a_with_clause_without_an_estimate_of_its_own_adds_nothing(sentence: str) -> None:
    assert len(_cands(sentence)) == 1


# ------------------------------------------------------------------ a belief most deny, set against the first


@pytest.mark.parametrize(
    "sentence",
    [
        "Most economists expect the bank will cut rates this year, but only a fifth of them think it will happen "
        "in March.",
        "Investors expect the merger will close this year, but few analysts believe it will close before the summer.",
    ],
)
def test_a_contrasted_part_holding_a_denied_belief_is_a_second_forecast(sentence: str) -> None:
    assert [p > 0.5 for _, p in _cands(sentence)] == [True, False]


@pytest.mark.parametrize(
    "sentence",
    [
        # Set against the first, but no belief denied: the second part is the background, as before.
        "Most economists expect the bank will cut rates this year, but the timing will depend on inflation.",
        # A belief denied in the first part only.
        "Few economists expect the bank will cut rates this year, but the timing will depend on inflation.",
    ],
)
def test_a_contrasted_part_without_a_denied_belief_adds_nothing(sentence: str) -> None:
    assert len(_cands(sentence)) == 1


# ------------------------------------------------------------------ optimism sized; a concession's estimate


@pytest.mark.parametrize(
    ("sentence", "likely"),
    [
        ("Optimism about a deal remains low.", False),
        ("Optimism about achieving a tangible outcome at the talks is low.", False),
        ("Optimism about the talks is high.", True),
    ],
)
def test_optimism_sized_reads_as_expectations_do(sentence: str, likely: bool) -> None:
    assert [p > 0.5 for _, p in _cands(sentence)] == [likely]


def test_optimism_as_a_mood_is_no_forecast() -> None:
    assert _cands("Consumer optimism fell to a record low in May.") == []


@pytest.mark.parametrize(
    "sentence",
    [
        "The two sides are expected to meet next week, though the chances of a breakthrough are slim.",
        "A summit is expected soon, though it is impossible to reach an early peace deal, the minister said.",
    ],
)
def test_a_concession_after_the_main_clause_does_not_take_its_reading(sentence: str) -> None:
    assert [p > 0.5 for _, p in _cands(sentence)] == [True, False]


# ------------------------------------------------------------------ a copula denied before the hedged relative


@pytest.mark.parametrize(
    ("sentence", "likely"),
    [
        ("Overarching AI regulation is not the path the U.S. will take, said the analyst.", False),
        ("Higher taxes are not what the new government will deliver next year.", False),
        # Look-alikes that keep their side: a time (it will happen again), another clause, a complementizer.
        ("This is not the first time the central bank will cut rates this year.", True),
        ("A rate cut is not what he said; the bank will hold next month.", True),
        ("It is not a coincidence that the bank will cut next week.", True),
    ],
)
def test_a_denied_copula_before_a_relative_denies_its_will(sentence: str, likely: bool) -> None:
    assert [p > 0.5 for _, p in _cands(sentence)] == [likely]


# ------------------------------------------------------------------ an unreal condition's consequence


def test_an_unreal_conditions_consequence_yields_to_the_real_outcome() -> None:
    sentence = (
        "Observers say that if the count were honest, the opposition would almost certainly win -- but that's "
        "not going to happen."
    )
    assert [p > 0.5 for _, p in _cands(sentence)] == [False]


@pytest.mark.parametrize(
    "sentence",
    [
        # A real estimate with a "but" part after it keeps the sentence's reading.
        "Observers say the opposition will almost certainly win -- but the count is not going to be quick.",
        # "were to": a hypothetical future, still the speaker's estimate.
        "If rates were to rise next year, the bank would almost certainly slow its bond buying.",
    ],
)
def test_a_real_or_open_condition_keeps_the_sentences_reading(sentence: str) -> None:
    assert [p > 0.5 for _, p in _cands(sentence)][:1] == [True]
