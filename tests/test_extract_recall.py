"""tracker.extract, issue 22's recall round (corpusi): filters that dropped real forecasts on a fresh batch of
articles (corpus-i) and the tune half, and hedges reporters write. Texts here are made up."""

from __future__ import annotations

import pytest

from tracker.domain.verbal import load_scale
from tracker.extract import HedgeFinder, extract

FINDER = HedgeFinder(load_scale())


def _kept(text: str) -> list[str]:
    return [c.quote for c in extract(text, finder=FINDER).candidates]


# ------------------------------------------------------------------ a relative "which" is not a question


@pytest.mark.parametrize(
    "text",
    [
        "The ministry sent 300 engineers to the coast, some of which may stay there until the spring.",
        "Sales slowed again, according to the research firm Gartlow, which sees a potential for more declines.",
        "A convoy left the port on Friday, and which some observers feared could be the start of a blockade.",
        "The council approved a plan under which rents could rise by a tenth next year.",
    ],
)
def test_a_modal_in_a_relative_clause_is_kept(text: str) -> None:
    assert _kept(text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "Nobody has said which party could lead the next coalition.",
        "The board has not decided which offer could win the contract.",
        "Voters asked who could replace the mayor.",
    ],
)
def test_a_modal_in_an_embedded_question_is_still_left_out(text: str) -> None:
    assert _kept(text) == []


# --------------------------------------------------------------- "might not" looks ahead; "could not" may not


def test_might_not_is_a_forecast_not_a_past_ability() -> None:
    text = "Officials now concede that a trade deal might not be signed before the summit."
    (c,) = extract(text, finder=FINDER).candidates
    assert c.confidence >= 0.3 and not any("past ability" in r for r in c.reasons)


def test_a_past_could_not_is_still_read_as_ability() -> None:
    cands = extract("She could not reach the airport in time because of the snow.", finder=FINDER).candidates
    assert all(c.confidence < 0.3 for c in cands)


# ------------------------------------------------------------- "would" after a verb of projection or a view


@pytest.mark.parametrize(
    "text",
    [
        "The health agency projected an additional two million people would be vaccinated in March.",
        "The planners have long projected that traffic would double within the decade.",
        "Some economists warn the slowdown would hit exporters first next year.",
        "The bank's tightening, which in our view would push unemployment higher next year, goes on.",
    ],
)
def test_would_after_a_projection_or_a_view_is_a_forecast(text: str) -> None:
    assert _kept(text) == [text]
    r = FINDER.read(text)
    assert r is not None and r.hedge.words.lower().endswith("would") and r.p_event > 0.5, r


@pytest.mark.parametrize(
    "text",
    [
        "The projected surplus would vanish if oil prices fell.",
        "The forecast would look different if oil prices fell.",
        "Their estimates would change if the census were redone.",
    ],
)
def test_a_noun_or_adjective_of_projection_before_would_is_no_reporting_verb(text: str) -> None:
    assert _kept(text) == []


# ------------------------------------------------------------------------- hedges reporters write


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("Smaller parties have minimal chances of winning a seat in the new chamber.", -1),
        ("Analysts see negligible chances of a deal before the deadline.", -1),
        ("A second referendum is not totally out of the picture.", 0),
        ("Tax rises are not off the table for next year.", 0),
        ('"Hope is fading," one negotiator said of a truce by the holiday.', -1),
        ("This winter is shaping up to be the coldest in twenty years.", 1),
        ("With prices this high it is hard to avoid a recession next year.", 1),
    ],
)
def test_a_reporters_hedge_is_read(text: str, side: int) -> None:
    (c,) = extract(text, finder=FINDER).candidates
    p = c.reading.p_event
    assert (p > 0.5) if side > 0 else (p < 0.5) if side < 0 else (0.3 <= p <= 0.55), c.reading


@pytest.mark.parametrize(
    "text",
    [
        "It is hard to avoid the impression that the minister was misled last week.",
        "We hope the losses stay small.",
        "The team was shaping up nicely in training.",
    ],
)
def test_look_alikes_of_those_hedges_are_not_proposed(text: str) -> None:
    assert _kept(text) == []


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("Diplomats are growing pessimistic about a truce before the holiday.", -1),
        ("Two envoys agreed that the prospects are not promising of a deal by Friday.", -1),
        ("The chances of a rate cut this year are not very bright.", -1),
        ("The leader said the vote had put the bill on a glide path for passage next week.", 1),
    ],
)
def test_a_stance_or_an_idiom_of_prospect_is_read(text: str, side: int) -> None:
    (c,) = extract(text, finder=FINDER).candidates
    assert (c.reading.p_event > 0.5) if side > 0 else (c.reading.p_event < 0.5), c.reading


def test_could_not_guarantee_is_a_reported_doubt_not_a_past_ability() -> None:
    text = "The senator said he could not guarantee that the spending bill can pass next month."
    (c,) = extract(text, finder=FINDER).candidates
    assert not any("past ability" in r for r in c.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "On the other hand, the envoy could not promise anything to the rebels in the south.",
        "The firm could not deliver the parts in time last winter.",
    ],
)
def test_other_could_not_stays_a_past_ability(text: str) -> None:
    assert _kept(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "There is the possibility at least for us to meet the rebels again next month.",
        "There's still a possibility of a snap poll in the spring.",
    ],
)
def test_there_is_a_possibility_is_read_as_possible(text: str) -> None:
    (c,) = extract(text, finder=FINDER).candidates
    assert c.reading.hedge.entry.phrase == "it is possible" and "possibility" in c.hedge_words, c.reading


def test_a_possibility_in_the_past_is_not_there_is_a_possibility() -> None:
    assert _kept("The possibility was discussed at length by the board last year.") == []
