"""tracker.extract, issue 22's fourth round: one reading per hedged part of a sentence, negations raised onto
verbs of belief, prospects denied or said to shrink, and false candidates (poll shares, past expectations).
Texts here are made up, not the corpus."""

from __future__ import annotations

import pytest

from tracker.domain.verbal import load_scale
from tracker.extract import HedgeFinder, extract
from tracker.extract.evaluate import Figures, _best

FINDER = HedgeFinder(load_scale())


def p_event(sentence: str) -> float:
    r = FINDER.read(sentence)
    assert r is not None, sentence
    return r.p_event


# ------------------------------------------------------------------------------------ parts of a sentence


def test_a_sentence_with_two_hedged_parts_reads_each_with_its_own_hedge_and_polarity() -> None:
    sentence = "The bank will cut rates in June, but inflation is unlikely to fall this year."
    readings = FINDER.read_all(sentence)
    assert [r.hedge.words for r in readings] == ["will", "is unlikely to"]
    assert [r.p_event for r in readings] == [pytest.approx(0.9), pytest.approx(0.2)]
    first, second = (sentence[r.clause[0] : r.clause[1]] for r in readings)
    assert "inflation" not in first and "bank" not in second
    # read() still gives the one hedge that governs the whole sentence.
    assert FINDER.read(sentence).hedge.words == "is unlikely to"  # type: ignore[union-attr]


def test_a_negation_stays_in_its_part() -> None:
    sentence = "The vaccine won't be ready this year, and the second trial will report in June."
    readings = FINDER.read_all(sentence)
    assert [r.p_event for r in readings] == [pytest.approx(0.1), pytest.approx(0.9)]


@pytest.mark.parametrize(
    "sentence",
    [
        "Analysts expect that the bank will cut rates.",  # the verb of belief introduces the hedged statement
        "The bank will probably cut rates, analysts expect.",  # or closes it
        "The bank is likely to cut rates in June.",
    ],
)
def test_one_hedged_statement_is_one_reading(sentence: str) -> None:
    assert len(FINDER.read_all(sentence)) == 1


def test_parts_on_hostile_text() -> None:
    assert FINDER.read_all("") == []
    assert FINDER.read_all("No hedge here at all, and none there, but nothing.") == []
    many = ", and ".join(["the bank will cut rates"] * 200) + "."
    readings = FINDER.read_all(many)
    assert 1 <= len(readings) <= 200
    assert all(0 <= r.clause[0] < r.clause[1] <= len(many) for r in readings)


def test_a_weak_second_part_is_not_proposed_a_strong_one_is() -> None:
    strong = "There is a 70% chance the bank cuts rates in June, but inflation is unlikely to fall next year."
    weak = "The bank is likely to cut rates, because the data will change."
    got = extract(strong).candidates
    assert [c.hedge_words for c in got] == ["70% chance", "is unlikely to"]
    assert got[0].quote == got[1].quote and got[0].clause != got[1].clause
    assert [c.hedge_words for c in extract(weak).candidates] == ["is likely to"]


def test_the_evaluation_counts_one_label_per_candidate_of_a_sentence() -> None:
    text = "There is a 70% chance the bank cuts rates in June, but inflation is unlikely to fall next year."
    candidates = extract(text).candidates
    one = Figures()
    one.count(candidates, ["There is a 70% chance the bank cuts rates in June"])
    assert (one.candidates, one.candidates_matching) == (2, 1)
    two = Figures()
    two.count(candidates, ["There is a 70% chance the bank cuts rates in June", "inflation is unlikely to fall"])
    assert two.candidates_matching == 2
    # A label finds the reading of its own part.
    best = _best(candidates, "inflation is unlikely to fall next year")
    assert best is not None and best.hedge_words == "is unlikely to"


# --------------------------------------------------------------------------- negations on verbs of belief


@pytest.mark.parametrize(
    ("sentence", "p"),
    [
        ("Most voters do not believe Smith's claim that the government will survive the year.", 0.1),
        ("Britons Do Not Believe The Claim There Will Be A Hung Parliament", 0.1),
        ("Analysts no longer think the merger of the two regional lenders will close before the summer.", 0.1),
        ("Economists doubt that the central bank will cut rates in the coming months.", 0.25),
        # Not denied: the verb is not negated, or the negation is in another clause.
        ("Most voters believe Smith's claim that the government will survive the year.", 0.9),
        ("He does not believe in ghosts, and the bank will cut rates.", 0.9),
    ],
)
def test_a_denied_verb_of_belief_denies_what_it_introduces(sentence: str, p: float) -> None:
    assert p_event(sentence) == pytest.approx(p)


# ---------------------------------------------------------------------------------- prospects as hedges


@pytest.mark.parametrize(
    ("sentence", "p"),
    [
        ("Economists rejected the possibility of an interest rate cut at the July meeting.", 0.2),
        ("The panel threw cold water on the prospect of an early rate reduction.", 0.2),
        ("The prime minister ruled out a general election this autumn.", 0.2),
        ("Likelihood of Gubernatorial Runoff Slim", 0.2),
        ("Chances of a quick election seen fading fast", 0.2),
        ("The prospect of a rate cut is diminishing.", 0.2),
        ("A sustainable ceasefire remains distant.", 0.2),
        ("Dramatic breakthrough out of reach", 0.2),
        ("It is very possible that the talks will end without an agreement.", 0.7),
        ("It's certainly possible that the race goes to a runoff.", 0.4),
        ("The country is heading for a hung parliament.", 0.9),
        ("The party is on course to lose its majority.", 0.9),
        ("The group rejected the plan, asserting that its fighters would not back down.", 0.1),
    ],
)
def test_prospect_constructions(sentence: str, p: float) -> None:
    assert p_event(sentence) == pytest.approx(p)


@pytest.mark.parametrize(
    "sentence",
    [
        "The chances of a slim majority are good.",  # "slim" before a noun is not the size of the chances
        "The alliance will never rule out the possibility that Ukraine joins.",  # not excluded is not unlikely
    ],
)
def test_prospect_constructions_that_do_not_read_as_unlikely(sentence: str) -> None:
    assert p_event(sentence) > 0.5 or FINDER.read(sentence).hedge.entry.phrase != "unlikely"  # type: ignore[union-attr]


def test_heading_somewhere_is_not_a_forecast() -> None:
    assert FINDER.read("The minister was heading to the airport on Monday.") is None


def test_scope_for_reads_as_a_possibility() -> None:
    r = FINDER.read("There is still scope for three more hikes next year.")
    assert r is not None and r.hedge.p == pytest.approx(0.4) and r.hedge.strength == "modal"


# ------------------------------------------------------------------------------------------ not forecasts


def test_a_poll_share_put_at_a_number_is_not_a_probability() -> None:
    assert FINDER.read("The latest poll puts Monds at 8% and Barnes at 39%.") is None
    assert p_event("Analysts put the chances of a cut at 35 percent.") == pytest.approx(0.35)
    assert p_event("He put that at 75% this week.") == pytest.approx(0.75)


def test_a_past_expectation_is_less_likely_a_forecast() -> None:
    now = extract("The company forecast that profit would fall next year.").candidates
    before = extract("The company had previously forecast that profit would fall next year.").candidates
    assert now and (not before or before[0].confidence < now[0].confidence)


# ------------------------------------------------------------------------------------------ headlines, idioms


@pytest.mark.parametrize(
    "headline",
    [
        "Economists' Survey: Fed to Cut Rates Again",
        "Exit Polls: Ruling Parties To Retain Power In Three States",
        "TRS to assert power in Nagarjunasagar",
    ],
)
def test_a_headlines_noun_to_verb_is_its_future(headline: str) -> None:
    r = FINDER.read(headline)
    assert r is not None and r.hedge.words.lower().startswith("to ") and r.p_event == pytest.approx(0.9)


@pytest.mark.parametrize(
    "line",
    [
        "How to invest in a falling market",  # "how to"
        "Mayor to Council: Time for a new budget",  # an address, nothing after the name
        "Back to school in Ohio",  # a place
        "The bank is due to publish its report to parliament.",  # a sentence with a stop, not a headline
        "A visit to the White House",  # "to" and a determiner
    ],
)
def test_to_is_not_a_headline_future(line: str) -> None:
    r = FINDER.read(line)
    assert r is None or not r.hedge.words.lower().startswith("to ")


def test_a_headlines_own_hedge_wins_over_its_to() -> None:
    r = FINDER.read("Acme may offer Globex to sell its plant in exchange for a supply deal")
    assert r is not None and r.hedge.words == "may"


@pytest.mark.parametrize(
    ("sentence", "p"),
    [
        ("For the first time, odds favour the governor in the primary.", 0.7),
        ("The Senate is on the verge of passing the bill.", 0.7),
        ("The bill is all but guaranteed to pass the Senate.", 0.95),
    ],
)
def test_idioms_of_the_near_and_the_favoured(sentence: str, p: float) -> None:
    assert p_event(sentence) == pytest.approx(p, abs=0.051)
