"""tracker.extract, issue 22's twelfth round (polarity9): classes of phrasing sorted from the polarity errors and the
false candidates of corpus a-j, each stated with made-up sentences, and look-alikes that must keep their reading."""

from __future__ import annotations

import pytest
from test_extract_round8 import FINDER, _cands


def _p(sentence: str) -> float:
    reading = FINDER.read(sentence)
    assert reading is not None
    return reading.p_event


# ------------------------------------------------------------------------- the calendar after a flat "will"


@pytest.mark.parametrize(
    "sentence",
    [
        "The central bank will hold its next policy meeting on Oct. 29-30.",
        "The referendum will take place in three weeks.",
        "The chancellor will host a summit with the four presidents on Wednesday.",
        "The committee will meet on June 29 to settle the dates.",
        "Otherwise, a second round will be held.",
        "The spring session will conclude on August 12.",
    ],
)
def test_a_flat_will_before_a_verb_of_the_calendar_is_no_forecast(sentence: str) -> None:
    assert _cands(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        # A decision foreseen, not a date.
        "Analysts said the bank will hold rates steady at its meeting next week.",
        "The cartel will hold its production cuts through the third quarter.",
        "The company will meet its sales target this year.",
        # A prospect bears on the calendar's verb: the event itself.
        "There is a greater possibility that the test will take place around that time.",
        # An estimate, not a flat "will".
        "The talks will probably take place next month.",
    ],
)
def test_a_decision_or_a_prospect_on_the_calendar_stays_a_forecast(sentence: str) -> None:
    assert len(_cands(sentence)) == 1


# ------------------------------------------------------------------------------ "whether ... or not"


@pytest.mark.parametrize(
    "sentence",
    [
        "The budget will get done whether the governor agrees with it or not.",
        "The strike will go ahead whether or not the union backs it.",
    ],
)
def test_whether_or_not_denies_nothing(sentence: str) -> None:
    assert _p(sentence) > 0.5


@pytest.mark.parametrize(
    "sentence",
    [
        # A "not" of its own, and the alternative elsewhere.
        "The budget will not get done, whether the governor likes it or not.",
        "Whether or not he signs, the bill will not pass.",
        # "or not" without "whether": a denial.
        "The vote will be delayed or not held at all.",
    ],
)
def test_a_denial_beside_whether_or_not_still_denies(sentence: str) -> None:
    assert _p(sentence) < 0.5


# ------------------------------------------------------- a weak modal the source is hopeful or optimistic about


@pytest.mark.parametrize(
    "sentence",
    [
        "Western powers were hopeful wording could be agreed to allow more aid in.",
        "The ministers voiced optimism Monday that a final peace agreement could be reached within weeks.",
        "But optimism is growing in Washington that an agreement is possible.",
        "Negotiators are confident a deal may be signed within days.",
    ],
)
def test_a_weak_modal_the_source_is_hopeful_about_leans_towards_the_event(sentence: str) -> None:
    assert _p(sentence) > 0.5


@pytest.mark.parametrize(
    "sentence",
    [
        # No hope or confidence set on the possibility.
        "Western powers said wording could be agreed to allow more aid in.",
        "An agreement is possible, officials said.",
        # The attitude bears on something else, the possibility is another clause's.
        "A deal could be reached by Friday, though few in the room were hopeful.",
        "Officials were less hopeful than before because the deal may fall apart.",
    ],
)
def test_a_weak_modal_without_hope_set_on_it_stays_weak(sentence: str) -> None:
    assert _p(sentence) < 0.5


# --------------------------------------------------------------------- "may not", "might not", "may fail to"


@pytest.mark.parametrize(
    "sentence",
    [
        "Officials acknowledge that an agreement might not be reached before January.",
        "The president may fail to win half of the votes in the first round.",
        "A resolution may not be as close as some leaders suggest.",
        "The bill may never reach the floor.",
    ],
)
def test_a_weak_modal_denied_leans_against_the_event(sentence: str) -> None:
    assert _p(sentence) < 0.5


@pytest.mark.parametrize(
    "sentence",
    [
        # A perfect: what is still to come is the event ("the season peaks later").
        "Officials warned that the flu season may not have peaked yet.",
        # A litotes: soon.
        "It may not take long to tell whether the vaccine works.",
    ],
)
def test_a_perfect_or_a_litotes_after_may_not_keeps_the_reversed_reading(sentence: str) -> None:
    assert _p(sentence) > 0.5


def test_could_not_is_still_a_possibility_denied() -> None:
    reading = FINDER.read("A deal could not be reached before January.")
    assert reading is not None and reading.p_event < 0.4


# ------------------------------------------------------------------------------------ a readiness stated


@pytest.mark.parametrize(
    "sentence",
    [
        "Both governments have said recently that they are willing to talk.",
        'The president said he is "prepared to negotiate" with all parties.',
        "Some members have marked out $40 a barrel as a level they are prepared to defend.",
        "The bloc was clearly determined to convey some optimism.",
    ],
)
def test_a_readiness_stated_is_no_forecast(sentence: str) -> None:
    assert _cands(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        # A comparison: the speaker foresees more than the party admits.
        "The risks are tilted towards more rate cuts than the bank is willing to admit to at this stage.",
        # A capability judged by another: it will hold.
        "The garrison is well prepared to hold the bridge.",
        # An intention, which the labels record.
        "The party plans to table a no-confidence motion next week.",
    ],
)
def test_a_comparison_a_capability_or_a_plan_stays(sentence: str) -> None:
    assert len(_cands(sentence)) == 1


# ------------------------------------------------------------------------------ "as soon as we can"


@pytest.mark.parametrize(
    "sentence",
    [
        '"We need to send this bill to the president as soon as we can," the leader said on Monday.',
        '"We will work as hard as we can," she said.',
    ],
)
def test_as_much_as_one_can_is_a_degree_not_a_possibility(sentence: str) -> None:
    assert all(not w.lower().startswith("can") for w, _ in _cands(sentence))


def test_a_can_after_a_single_as_stays_a_hedge() -> None:
    assert [w for w, _ in _cands("As the talks resume, a deal can get done this week, the envoy said.")] == ["can"]


# ------------------------------------------------------------------------- a flat "will" describing its noun


@pytest.mark.parametrize(
    "sentence",
    [
        "The firm launched a program, promising a range of tools that will allow companies to train models.",
        "Senate votes so far have been on a shell bill that will incorporate the actual legislation.",
        "There are still a number of economic reports that will come out before the next meeting.",
    ],
)
def test_a_flat_will_in_a_relative_clause_describing_its_noun_is_no_forecast(sentence: str) -> None:
    assert _cands(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        # A demonstrative subject, not a relative.
        "He said that will happen before the election.",
        "A lot of that will depend on the cost estimates.",
        # A prospect noun's clause: the statement itself.
        "There is a chance that will change next year.",
        # Another hedge in the sentence: the relative may carry what is expected.
        "We are expecting a summit in the coming days which will help to bridge the gaps.",
    ],
)
def test_a_demonstrative_or_an_expected_relative_stays(sentence: str) -> None:
    assert _cands(sentence) != []


# ------------------------------------------------------------------------------------ "not sure" X


@pytest.mark.parametrize(
    "sentence",
    [
        "The president said he was “not sure” the ceasefire would last.",
        "I'm not sure that rates will rise this year.",
        "Traders are unsure the rally will hold.",
    ],
)
def test_not_sure_of_a_statement_leans_against_it(sentence: str) -> None:
    assert _p(sentence) < 0.5


@pytest.mark.parametrize(
    "sentence",
    [
        "He is not sure whether the truce will hold.",
        "Analysts are unsure if rates will rise.",
        "I am not sure how the vote will go.",
    ],
)
def test_not_sure_whether_leaves_it_open(sentence: str) -> None:
    assert _p(sentence) == 0.5


# ---------------------------------------- general gaps found by probing made-up sentences (no corpus row)


@pytest.mark.parametrize(
    ("sentence", "likely"),
    [
        ("It is hard to see the bank cutting rates next month.", False),
        ("It's difficult to see a deal before June.", False),
        ("I'd be surprised if the bank cut rates.", False),
        ("I'd be surprised if the bank didn't cut rates.", True),
        ("A rate cut is off the table for now.", False),
        ("A March hike isn't off the table.", False),  # possible: 0.4, as before
        ("A deal is nowhere in sight.", False),
        ("The economists polled see little risk of a recession.", False),
        ("There is a low risk that the talks will collapse.", False),
        # Look-alikes that keep their side.
        ("Analysts see the bank cutting rates next month.", True),
        ("There is a high risk of a recession next year.", True),
    ],
)
def test_general_phrasings_of_doubt_read_against_the_event(sentence: str, likely: bool) -> None:
    assert (_p(sentence) > 0.5) is likely


# ------------------------------------------------------ good chances, odds in one's favour, "effectively certain"


@pytest.mark.parametrize(
    "sentence",
    [
        "The envoy says the truce has fairly good chances of working out.",
        "But the odds remained in his favour, dipping slightly.",
        "The odds in the event of an early election remained in the premier's favour.",
        "A recession is effectively certain in the next 12 months, the model says.",
    ],
)
def test_good_chances_odds_in_ones_favour_and_a_certainty_qualified_are_forecasts(sentence: str) -> None:
    assert [p > 0.5 for _, p in _cands(sentence)] == [True]


@pytest.mark.parametrize(
    "sentence",
    [
        # The odds denied: no reading of "in his favour".
        "The odds are not in his favour.",
        "The odds are no longer in her favour.",
        # "certain" as "a particular": no hedge.
        "They met in a certain part of town.",
    ],
)
def test_odds_denied_or_a_certain_thing_are_not_read_so(sentence: str) -> None:
    assert all(p < 0.5 for _, p in _cands(sentence))


# ------------------------------------------------------------------------------------- a headline's "May"


@pytest.mark.parametrize(
    "sentence",
    [
        "Global Tablet Shipments May Decline 3% in 2020",
        "Offensive Against IS May Take Three Years, Say Experts",
        "Oil Rises as OPEC Says May Cut Supply",
    ],
)
def test_a_headlines_may_after_a_plural_or_an_initialism_is_the_modal(sentence: str) -> None:
    assert [w for w, _ in _cands(sentence)] == ["May"]


@pytest.mark.parametrize(
    "sentence",
    [
        "May vote leaves Europe media unimpressed",
        "Elections in May Show Labour Ahead",
        "Theresa May Says Brexit Deal Is Done",
        "Results Expected May 5",
    ],
)
def test_the_month_or_a_name_is_no_modal(sentence: str) -> None:
    assert all(w != "May" for w, _ in _cands(sentence))


# ----------------------------------------------------------- a quotation mark closing inside a hedge phrase


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ('The president said a deal is "on the brink" of being finalized.', 'on the brink" of'),
        ("Officials said a cut is “all but certain” next month.", "all but certain"),
    ],
)
def test_a_quotation_mark_closing_between_a_phrases_words_keeps_the_phrase(sentence: str, words: str) -> None:
    assert [(w, p > 0.5) for w, p in _cands(sentence)] == [(words, True)]


def test_a_quotation_mark_is_no_word_of_a_phrase() -> None:
    # 'on the "brink of" collapse': the phrase is still the idiom, its quotation marks anywhere between its words.
    assert [w for w, _ in _cands('The coalition is on the "brink of" a deal, aides said.')] == ['on the "brink of']
