"""tracker.extract, issue 22's eighth round (hedges7): classes of phrasing sorted from the misses, polarity errors
and false candidates of corpus-g and corpus-h, each stated with made-up sentences, and hostile sentences that must
not become forecasts or must keep their side."""

from __future__ import annotations

import pytest

from tracker.domain.verbal import load_scale
from tracker.extract import HedgeFinder, extract

FINDER = HedgeFinder(load_scale())


def _cands(text: str) -> list[tuple[str, float]]:
    return [(c.hedge_words, c.reading.p_event) for c in extract(text, finder=FINDER).candidates]


# ------------------------------------------------------------------- a share under half as a belief's subject


@pytest.mark.parametrize(
    "sentence",
    [
        "A fifth forecast the coalition will collapse before the vote.",
        "Around 10% believe the treaty will be signed this year.",
        "Only 12 per cent expect the tunnel will open on time.",
        "Just 30 percent also think the strike will end next week.",
    ],
)
def test_a_bare_share_under_half_denies_the_belief(sentence: str) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.p_event < 0.5, r


@pytest.mark.parametrize(
    "sentence",
    [
        "Seventy percent believe the treaty will be signed this year.",  # a majority holds it
        "A third forecast by the bank shows that growth will slow.",  # "a third forecast", a noun
        "In 2019, 10% of the budget went to defence, and the minister believes it will rise.",
    ],
)
def test_a_share_that_is_no_minority_subject_keeps_its_side(sentence: str) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.p_event > 0.5, r


# ------------------------------------------------------------------------------------ constructions


@pytest.mark.parametrize(
    ("sentence", "phrase", "above_even"),
    [
        ("The shortage should continue to weigh on output throughout next year.", "likely", True),
        ("Markets should become calmer once the vote is over.", "likely", True),
        ("The premier is in danger of losing his majority in the vote.", "likely", True),
        ("A rate hike in March isn't off the table.", "it is possible", False),
        ("The southern seat is an even longer shot for the challenger.", "unlikely", False),
        ("Investors are not holding their breath for a deal.", "unlikely", False),
        ("There is a strong possibility of a runoff in May.", "likely", True),
        ("Some economists have raised the prospect of a deeper cut.", "it is possible", False),
        ("Both states are toss-ups.", "roughly even chance", False),
    ],
)
def test_constructions_of_the_eighth_round(sentence: str, phrase: str, above_even: bool) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.hedge.entry.phrase == phrase, r
    assert (r.p_event > 0.5) == above_even


@pytest.mark.parametrize(
    "sentence",
    [
        "The government should raise taxes on tobacco.",  # an obligation, no verb of change after "should"
        "The plan took the idea off the table.",  # "off the table" affirmed is no possibility kept
        "He took a long shot from outside the box.",
        "The divers held their breath for two minutes.",
    ],
)
def test_constructions_that_are_not_the_eighth_rounds(sentence: str) -> None:
    r = FINDER.read(sentence)
    assert r is None or r.hedge.entry.phrase not in ("likely", "it is possible", "unlikely"), r


# ------------------------------------------------------------------------ which part states the forecast


def test_a_relative_part_does_not_govern_over_the_main_clause() -> None:
    text = "Officials warned that a second wave could come in the winter, which will complicate testing."
    assert _cands(text) == [("could", pytest.approx(0.4))]


def test_a_relative_part_governs_when_it_is_the_only_hedged_part() -> None:
    text = "The board met on Monday, which will surprise nobody."
    assert [w for w, _ in _cands(text)] == ["will"]


def test_an_estimate_in_a_relative_part_still_governs_over_a_weak_main_clause() -> None:
    text = "Surveys found that half of the jobs could be affected, which would inevitably lead to new positions."
    assert [w for w, _ in _cands(text)] == ["inevitably"]


def test_an_opening_concession_is_a_part_set_against_the_main_clause() -> None:
    text = (
        "While there is a strong possibility of the largest producer agreeing to a freeze, smaller producers are "
        "unlikely to join the effort."
    )
    got = dict(_cands(text))
    # Both estimates are kept; the main clause's is the one read for the whole sentence.
    assert got["unlikely to"] == pytest.approx(0.2)
    assert got["strong possibility of"] == pytest.approx(0.7)
    main = extract(text, finder=FINDER).candidates
    assert main[0].clause.startswith("there is a strong possibility")


# --------------------------------------------------------------------------------- not forecasts


@pytest.mark.parametrize(
    "sentence",
    [
        "The collapse in prices has likely sent the cartel into a panic.",
        "The decline was likely due to longer replacement cycles.",
        "The fall in sales is probably because of the new tax.",
        "Only 13 percent of people said they would be upgrading faster than before.",
        "35 per cent of consumers say they will keep their handsets longer.",
    ],
)
def test_estimates_of_the_past_and_survey_intentions_are_not_proposed(sentence: str) -> None:
    assert _cands(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Inflation will likely fall next year.",
        "The bank has said it will likely cut rates in June.",  # the perfect is the saying's, not the estimate's
        "Most analysts said they would expect a cut in June.",  # no share of a survey's respondents
        "The minister said they would hold the referendum next year.",
    ],
)
def test_forecasts_near_those_forms_stay(sentence: str) -> None:
    assert _cands(sentence) != []


# ------------------------------------------------------------------------------- second batch (hedges7)


@pytest.mark.parametrize(
    ("sentence", "phrase", "above_even"),
    [
        ("We are now forecasting a rate cut in August.", "expect", True),
        ("It is just a matter of days before the coalition breaks up.", "almost certain", True),
        ("Economists are sure it is only a pause.", "almost certain", True),
        ("The bill is sure to pass the Senate.", "almost certain", True),
        ("There is more to come from the central bank.", "likely", True),
        ("Officials remained confident the budget passes next month.", "likely", True),
        (
            "Pollsters give her a twenty-five per cent chance of winning next month.",
            "twenty-five per cent chance",
            False,
        ),
        ("There is only a six percent chance the election will produce a majority.", "six percent chance", False),
    ],
)
def test_constructions_of_the_eighth_round_second_batch(sentence: str, phrase: str, above_even: bool) -> None:
    r = FINDER.read(sentence)
    assert r is not None, sentence
    assert phrase in (r.hedge.entry.phrase, r.hedge.words), r
    assert (r.p_event > 0.5) == above_even


def test_no_exception_is_no_negation() -> None:
    r = FINDER.read("Every new network has lifted demand, and the next one will be no exception.")
    assert r is not None and r.p_event > 0.5


@pytest.mark.parametrize(
    "sentence",
    [
        "Unemployment rose to six percent last year.",  # a spelled number that is no chance
        "The minister is not sure the bill will pass.",  # "not sure" stays the scale's "still unclear"
        "Make sure the doors are locked.",
    ],
)
def test_second_batch_hostile(sentence: str) -> None:
    r = FINDER.read(sentence)
    assert r is None or r.hedge.entry.phrase not in ("almost certain", "likely") and r.hedge.via != "stated", r


def test_a_present_passive_expectation_governs_over_a_modal_elsewhere() -> None:
    text = (
        "Mr Smith said inflation is expected to hit the target later this year, but cautioned that cheap energy "
        "could prove temporary."
    )
    (c,) = extract(text, finder=FINDER).candidates
    assert c.hedge_words == "is expected" and c.reading.p_event == pytest.approx(0.7)


def test_a_past_passive_expectation_stays_a_verb_of_belief() -> None:
    r = FINDER.read("The bill was expected to pass last year.")
    assert r is not None and r.hedge.strength == "belief"


def test_a_modal_right_after_its_relative_pronoun_does_not_govern() -> None:
    text = (
        "Economists do not expect the bloc to be gripped by deflation, a long run of falling prices that can set "
        "in motion a spiral of falling demand."
    )
    (c,) = extract(text, finder=FINDER).candidates
    assert c.hedge_words == "expect" and c.reading.p_event < 0.5


@pytest.mark.parametrize(
    "sentence",
    [
        "They found 46 percent of likely voters supported the governor.",
        "He correctly predicted 49 out of 50 states in the previous election.",
        "The pollster's forecast, based on 35,000 interviews, has prompted warnings from the premier.",
        "He also hopes that the union will be able to compensate for the lost aid.",
        "Washington hopes will avert the danger of a war.",
        '"I believe it," the minister told reporters as he returned to Vienna.',
    ],
)
def test_second_batch_not_forecasts(sentence: str) -> None:
    assert _cands(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "The race is likely to tighten as voters return from the holidays.",
        "The pollster forecast that Labour will win a majority next month.",
        "My hope is that we'll finish the bill by the end of the week.",  # the noun: labelled as a forecast
        "The delay keeps hopes alive it could be in use by the end of the year.",
        "I believe it will rain tomorrow.",
        "Analysts predicted the bank will cut rates next month.",
    ],
)
def test_second_batch_forecasts_stay(sentence: str) -> None:
    assert _cands(sentence) != []


# --------------------------------------------------------------------------------- third batch (hedges7)


def test_a_verb_of_forecast_with_its_own_statement_is_kept_beside_a_modal() -> None:
    text = (
        "Many analysts are forecasting the cartel to slash output by a million barrels, while one trader said a cut "
        "may be limited to half that."
    )
    words = [w for w, _ in _cands(text)]
    assert "forecasting" in words


@pytest.mark.parametrize(
    "sentence",
    [
        "Light crude was seen averaging $66 a barrel this year.",
        "Forecasters see the index ending the year at 2.6%.",
    ],
)
def test_wire_copy_views_of_a_level(sentence: str) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.hedge.entry.phrase == "expect" and r.p_event > 0.5


@pytest.mark.parametrize(
    "sentence",
    [
        "The suspect was seen leaving the building.",  # a perception, no verb of level after "seen"
        "Political analysts reminded that the result was expected as voters revert to their loyalties.",
    ],
)
def test_third_batch_hostile(sentence: str) -> None:
    cands = extract(sentence, finder=FINDER).candidates
    assert all(c.confidence < 0.6 for c in cands), [(c.hedge_words, c.confidence) for c in cands]


@pytest.mark.parametrize(
    "sentence",
    [
        "The governor's comments will also be scoured for signals on how low rates will go.",
        "The state will only be important if he wins the other battlegrounds.",
        "Her remarks will be closely scrutinised by investors.",
    ],
)
def test_attention_foretold_is_no_forecast(sentence: str) -> None:
    assert all(c.confidence < 0.3 for c in extract(sentence, finder=FINDER, min_confidence=0.0).candidates)


def test_a_level_foretold_is_still_a_forecast() -> None:
    assert _cands("Inflation will only be 2% next year.") != []
