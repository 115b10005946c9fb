"""tracker.extract, issue 22's polarity round (polarity3): words that deny the event they bear on ("fail to",
"unable to", "hardly", "few ... expect", "no sign of", "too early to expect", "hard to predict"), the scope of a
negation ("in case", "provided"), and a prospect sized at zero. Texts here are made up, not the corpus: the event of
each is the clause with every negation (and negative word) taken out."""

from __future__ import annotations

import pytest

from tracker.domain.verbal import load_scale
from tracker.extract import HedgeFinder

FINDER = HedgeFinder(load_scale())


def p_event(sentence: str) -> float:
    r = FINDER.read(sentence)
    assert r is not None, sentence
    return r.p_event


@pytest.mark.parametrize(
    ("sentence", "below_half"),
    [
        # "fail to" and "unable to" deny the verb after them: the event is the coalition passing the budget.
        ("The coalition will fail to pass the budget before the summer recess.", True),
        ("The coalition is likely to fail to pass the budget this year.", True),
        ("The utility will be unable to meet the new emissions target by 2030.", True),
        ("The utility won't be able to meet the new emissions target by 2030.", True),
        # ... and two denials are an assertion.
        ("The port is unlikely to fail to reopen by the end of the month.", False),
        # "hardly", "scarcely" deny as "not" does, before or after the hedge.
        ("The airline will hardly recover its losses by next spring.", True),
        ("Hardly anyone expects the strike to end before Christmas.", True),
        # "few" as the negative quantifier of a belief; "a few" and "the next few" are not.
        ("Few economists expect the central bank to raise rates in April.", True),
        ("Few analysts think the bank will cut rates in June.", True),
        ("A few analysts think the bank will cut rates in June.", False),
        ("Over the next few months, prices will rise.", False),
    ],
)
def test_words_that_deny_the_event(sentence: str, below_half: bool) -> None:
    assert (p_event(sentence) < 0.5) is below_half, sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "There is no sign of a ceasefire being agreed before the winter.",
        "The central bank sees little sign that inflation will ease this year.",
        "It is too early to expect a recovery in the housing market this year.",
        "It would be premature to predict a rebound in steel prices next quarter.",
        "It would be jumping the gun to anticipate a deal at the summit.",
        "I find it very hard to predict a rally in copper above $12,000 next year.",
        "Investors say the chances of a rate cut in March are close to zero.",
        "Traders think the chances of the union accepting the new pay offer are probably zero.",
        "The chances of a deal are probably slim.",
    ],
)
def test_prospects_denied_or_sized_at_nothing_read_as_unlikely(sentence: str) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.p_event < 0.5, (sentence, r)
    assert r.hedge.words.lower() not in ("expect", "predict", "anticipate", "probably")


def test_an_open_question_is_not_a_prediction_called_hard() -> None:
    """ "hard to predict who will win" leaves the question open: not read as unlikely."""
    r = FINDER.read("It is hard to predict who will win the runoff next month.")
    assert r is not None and "hard" not in r.hedge.words


def test_with_moscow_showing_no_sign_in_a_past_narrative_is_no_hedge() -> None:
    assert FINDER.read("The mood was dour, with the rebels showing no sign of retreat.") is None


@pytest.mark.parametrize(
    "sentence",
    [
        "The talks may collapse in case no compromise is found on the border.",
        "The merger will likely close, provided no regulator objects.",
        "The union will call a strike once no offer is on the table.",
        "The merger will likely close provided that no regulator objects.",
    ],
)
def test_a_negation_in_a_condition_is_the_conditions(sentence: str) -> None:
    """ "in case", "provided", "once" open a condition: its "no" does not deny the hedged statement."""
    r = FINDER.read(sentence)
    assert r is not None and r.negations == () and r.p_event == pytest.approx(r.hedge.p), sentence


def test_provided_as_a_verb_leaves_the_negation_in_scope() -> None:
    assert p_event("By June the ministry will have provided no new money to the councils.") < 0.5


def test_fall_short_and_avoid_are_left_as_part_of_the_event() -> None:
    """Tried: "fall short of" as a denial cost two held-out forecasts (labels take "falls short of X" as the event);
    "avoid" too is read as the event ("could avoid a runoff"), so "unlikely to avoid" is P(avoid) low."""
    assert p_event("The firm is expected to fall short of its sales target this year.") > 0.5
    assert p_event("Regulators are unlikely to avoid a lengthy review of the merger.") < 0.5


# ------------------------------------------------------------------------------------ negations that deny nothing


@pytest.mark.parametrize(
    ("sentence", "p_above_half"),
    [
        # a bound, not a denial
        ("The ferry service will resume no later than the first week of March.", True),
        ("Unemployment will rise to no more than 6% by the end of next year.", True),
        # an aside or an idiom
        ("Not surprisingly, the council will approve the new stadium next month.", True),
        ("The council is unlikely to approve the stadium, not least because the budget is stretched.", False),
        # ", not Y": the alternative set against the statement, not a denial of it
        ("The council will approve the stadium, not reject it, at Tuesday's session.", True),
        ("The council will vote on the stadium in March, not in April.", True),
        ("Councillors will probably delay the vote, not cancel it.", True),
        # a doubt denied is a certainty; the scale's "no ... will" is not read across "no doubt" or "no matter"
        ("There is no doubt that the council will approve the stadium next month.", True),
        ("No doubt the council will approve the stadium next month.", True),
        ("There is little doubt that the council will approve the stadium next month.", True),
        ("No matter what the auditors say, the council will approve the stadium next month.", True),
        ("Nobody doubts the council will approve the stadium next month.", True),
        ("I don't doubt the council will approve the stadium next month.", True),
        # litotes and "won't be long before": the event affirmed
        ("It is not impossible that the council will approve the stadium next month.", False),
        ("It won't be long before the council approves a new stadium.", True),
        # grounds for the belief denied
        ("There is nothing to suggest the council will approve the stadium next month.", False),
        ("Officials see no reason to believe the council will approve the stadium next month.", False),
    ],
)
def test_negations_that_deny_nothing_and_denials_of_grounds(sentence: str, p_above_half: bool) -> None:
    assert (p_event(sentence) > 0.5) is p_above_half, (sentence, FINDER.read(sentence))


def test_not_impossible_is_a_possibility_not_a_certainty() -> None:
    r = FINDER.read("It is not impossible that the council will approve the stadium next month.")
    assert r is not None and 0.3 <= r.p_event <= 0.5 and r.negations == ()


# ------------------------------------------------------------------------------------ denials in other words


@pytest.mark.parametrize(
    "sentence",
    [
        "The minister denied that taxes will rise next year.",
        "The minister denies the tunnel will be delayed again.",
        "I can't see the council approving the stadium before the election.",
        "I cannot imagine the league will expand next season.",
        "It would be wrong to expect a quick recovery in exports.",
        "It would be a mistake to assume the bank will cut rates in June.",
        "The bank is not about to cut rates.",
        "There is zero chance the bank will cut rates in June.",
        "The odds of a June cut are now vanishingly small.",
    ],
)
def test_denials_in_other_words_read_below_half(sentence: str) -> None:
    assert p_event(sentence) < 0.5, (sentence, FINDER.read(sentence))


def test_a_denial_denied_or_a_rejection_is_counted_once() -> None:
    """ "did not deny that X will" affirms X; "denied reports that X will" is the rejection already counted."""
    assert p_event("The minister did not deny that taxes will rise next year.") > 0.5
    r = FINDER.read("The minister denied reports that taxes will rise next year.")
    assert r is not None and len(r.negations) == 1 and r.p_event < 0.5
    # a denial in another clause does not reach the hedge
    assert p_event("The minister denied the claims, and the tunnel will open in 2027.") > 0.5


# ------------------------------------------------------------------------------------ "set for"


@pytest.mark.parametrize(
    "sentence",
    [
        "Labour Set for Landslide in Poll That Critics Say Will Not Be Fair",
        "Stocks are set for a higher open on Monday.",
        "The party looks set for a third term in office.",
        "It's set for a record harvest this autumn.",
    ],
)
def test_set_for_after_a_copula_or_in_a_headline_reads_as_will(sentence: str) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.hedge.words.lower() == "set for" and r.p_event > 0.5, (sentence, r)


@pytest.mark.parametrize(
    "sentence",
    [
        "It's been rather set for a while now.",
        "The hearing was moved to a date set for June.",
        "The table was set for six guests when the ministers arrived late in the evening after the vote.",
    ],
)
def test_set_for_as_a_participle_is_no_hedge(sentence: str) -> None:
    assert FINDER.read(sentence) is None, sentence


# ------------------------------------------------------------------------------------ advice, intentions, subjects


@pytest.mark.parametrize(
    ("sentence", "p_above_half"),
    [
        ("There is every chance the ferry service will resume in March.", True),
        ("Don't count on the ferry service resuming in March.", False),
        ("Few would bet on the ferry service resuming in March.", False),
        ("Don't hold your breath for the ferry service to resume in March.", False),
        ("It is far from clear that the ferry service will resume in March.", False),
        ("The operator has no intention of resuming the ferry service in March.", False),
        ("The operator is in no hurry to resume the ferry service.", False),
        ("None of the islanders polled expect the ferry service to resume in March.", False),
        ("None of the islanders we spoke to think the ferry will resume in March.", False),
    ],
)
def test_advice_against_expecting_intentions_denied_and_none_of_a_group(sentence: str, p_above_half: bool) -> None:
    assert (p_event(sentence) > 0.5) is p_above_half, (sentence, FINDER.read(sentence))


def test_none_near_the_belief_is_counted_once() -> None:
    r = FINDER.read("None of them expect the ferry service to resume in March.")
    assert r is not None and len(r.negations) == 1 and r.p_event < 0.5
