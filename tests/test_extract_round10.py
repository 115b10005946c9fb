"""tracker.extract, issue 22's tenth round (recall8): classes of phrasing sorted from the misses of the tune set
and corpus-g/-h, each stated with made-up sentences, and hostile sentences that must not become forecasts or must
keep their side."""

from __future__ import annotations

import pytest
from test_extract_round8 import _cands

# ------------------------------------------------------------------------------ election ratings' jargon


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ("The two swing states are wild cards, with a slight lean toward Smith in Ohio.", "a slight lean toward"),
        ("Pollsters give Kansas and Idaho a lean to the Republican candidates this year.", "a lean to"),
        ("Arizona is also leaning in her favour as the count goes on.", "leaning in her favour"),
        ("The district leans Democratic in the latest ratings.", "leans Democratic"),
        ("Most seats in the north now have a tilt toward the opposition.", "a tilt toward"),
        ("The governor appears to be in a strong position to win the primary.", "in a strong position to win"),
    ],
)
def test_a_rated_lean_is_a_forecast_of_that_side(sentence: str, words: str) -> None:
    assert [(w, p > 0.5) for w, p in _cands(sentence)] == [(words, True)]


def test_no_position_to_win_denies_it() -> None:
    assert [(w, p < 0.5) for w, p in _cands("He is in no position to win the race.")] == [
        ("in no position to win", True)
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "The farm had a lean year in 2019.",
        "He built a lean-to for the goats behind the barn.",
        "She leaned toward the microphone and smiled.",
        "The chef prefers lean meat for the stew.",
        "The court ruled in his favour last week.",
    ],
)
def test_lean_that_rates_no_race_is_no_forecast(sentence: str) -> None:
    assert _cands(sentence) == []


# ------------------------------------------------------------------ a figure or outcome projected by a present verb


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ("The consultancy estimates sales to top 4 million units in 2027.", "estimates sales to top"),
        ("Analysts are modelling revenue of about 3 billion dollars next year.", "are modelling revenue of about 3"),
        ("Health officials are warning of a second wave of infections.", "are warning of a"),
        ("The ministry warns of a sharp slowdown in the autumn.", "warns of a"),
        ("Surveys are pointing to a narrow win for the ruling party.", "pointing to a narrow win"),
        ("Polls point to a narrow victory for the opposition.", "point to a narrow victory"),
    ],
)
def test_a_projection_verb_with_its_object_is_an_expectation(sentence: str, words: str) -> None:
    assert [(w, p > 0.5) for w, p in _cands(sentence)] == [(words, True)]


@pytest.mark.parametrize(
    "sentence",
    [
        "The ministry estimates the damage to be about 3 billion.",  # a present estimate
        "Estimates of growth to 2030 vary widely.",  # the noun
        "She pointed to a chart on the wall.",
        "He is pointing to the door.",
        "The company is modelling its new plant on a German design.",
        "He warned of the dangers of smoking in 1990.",
    ],
)
def test_a_projection_verb_without_a_projection_is_no_forecast(sentence: str) -> None:
    assert _cands(sentence) == []


# ------------------------------------------------------------------------------------ a bookmaker's bare price


@pytest.mark.parametrize(
    ("sentence", "p"),
    [
        ("All bookies have lengthened odds on a Green win in the seat, one firm to 20/1, another 33/1.", 1 / 21),
        ("Punters can now get 5/2 on a hung parliament.", 2 / 7),
    ],
)
def test_a_bare_price_beside_a_word_of_betting_is_stated_odds(sentence: str, p: float) -> None:
    assert [round(q, 3) for _, q in _cands(sentence)] == [round(p, 3)]


@pytest.mark.parametrize(
    "sentence",
    [
        "The bet was placed on 12/5 at the shop.",  # a date
        "He scored 7/10 on the test, and the odds of passing improved.",  # no price beside the odds
        "The share rose 3/4 of a point on the day.",  # no word of betting
    ],
)
def test_a_fraction_that_is_no_price_is_no_forecast(sentence: str) -> None:
    assert _cands(sentence) == []


# ------------------------------------------------------------------------------- confidence voiced, the noun


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ("The government has exuded confidence to defeat the motion.", "exuded confidence to"),
        ("The envoy voiced growing confidence that a deal is near.", "voiced growing confidence that"),
        ("She expressed confidence of victory in the runoff.", "expressed confidence of"),
    ],
)
def test_confidence_voiced_is_a_likely_outcome(sentence: str, words: str) -> None:
    assert [(w, p > 0.5) for w, p in _cands(sentence)] == [(words, True)]


@pytest.mark.parametrize(
    "sentence",
    [
        "He expressed confidence in his staff after the audit.",  # trust
        "Consumer confidence fell to a two-year low.",  # a measure
        "The motion of no confidence failed last night.",
    ],
)
def test_confidence_that_foretells_nothing_is_no_forecast(sentence: str) -> None:
    assert _cands(sentence) == []


# --------------------------------------------------------------- a reported "would" after the forecast's condition


@pytest.mark.parametrize(
    "sentence",
    [
        "The general went on to warn that even if the rebels were driven out of the capital, the group would still "
        "remain a threat.",
        "She said that once the new plant opens next spring, prices would fall sharply.",
    ],
)
def test_a_condition_between_report_and_would_keeps_the_forecast(sentence: str) -> None:
    assert [p > 0.5 for _, p in _cands(sentence)] == [True]


def test_a_past_counterfactual_after_a_condition_is_no_forecast() -> None:
    assert _cands("He said that if the vote had passed, it would have been a disaster.") == []


# ------------------------------------------------------------------------------ the favourite, without "to"


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        (
            "Silver explained his reason for calling Smith the favourite despite the polls.",
            "calling Smith the favourite",
        ),
        ("Jones has for the first time been favourite, bookmakers say.", "been favourite"),
        ("Jones is now the clear favourite for the nomination.", "is now the clear favourite"),
    ],
)
def test_the_favourite_named_is_likely_to_win(sentence: str, words: str) -> None:
    assert [(w, p > 0.5) for w, p in _cands(sentence)] == [(words, True)]


@pytest.mark.parametrize(
    "sentence",
    [
        "Pizza is the favourite of most children.",
        "Pizza is my favourite food.",
        "He was the favourite son of the family.",
    ],
)
def test_a_favourite_liked_is_no_forecast(sentence: str) -> None:
    assert _cands(sentence) == []
