"""Kinds of sentence that carry a hedge and forecast nothing (issue 22, recall6): a mood with no event, a question
asked inside a sentence, a remote hypothesis, an expectation dated in the past, an agreement reported. Each rule has
made-up sentences that fail on the code before it, and look-alikes that must still be candidates."""

from __future__ import annotations

import pytest

from tracker.extract import extract


def _kept(sentence: str) -> list[str]:
    return [c.hedge_words for c in extract(sentence).candidates]


def _reasons(sentence: str) -> list[str]:
    return [r for c in extract(sentence, min_confidence=0.0).candidates for r in c.reasons]


@pytest.mark.parametrize(
    "sentence",
    [
        "Survey respondents are more optimistic about the future of the economy.",
        "Forecasters are optimistic about the outlook for the domestic economy.",
        "Shares rose amid a more optimistic tone on trade.",
        "Investors have grown less confident about the road ahead.",
    ],
)
def test_a_mood_with_no_event_is_no_forecast(sentence: str) -> None:
    assert _kept(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Analysts are more confident about the prospects of a ceasefire next year.",
        "Officials are optimistic that talks will resume.",
        "Traders are pessimistic about the outlook for a rate cut.",
    ],
)
def test_an_attitude_towards_an_event_stays(sentence: str) -> None:
    assert _kept(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The key question for the outlook is simple: how will employers respond to the tax rise next year.",
        "That is what traders are asking -- will the bank cut rates in June, they wonder.",
        "The question now is when will the party accept a deal.",
    ],
)
def test_a_question_asked_inside_a_sentence_is_no_forecast(sentence: str) -> None:
    assert _kept(sentence) == []
    assert any("a question asked in the sentence" in r for r in _reasons(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "Employers will respond to the tax rise next year, economists say.",
        "“We will see a cut in June,” he said.",
        "When the vote comes, the party will win a majority.",
        "Will Smith said the bank will cut rates in June.",
    ],
)
def test_a_statement_with_its_subject_first_stays(sentence: str) -> None:
    assert _kept(sentence)
    assert not any("a question asked in the sentence" in r for r in _reasons(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "Were the bank to cut rates, I think the currency would fall sharply next year.",
        "It would probably be a bigger shock than the referendum were the Greens to win the seat.",
    ],
)
def test_a_remote_hypothesis_is_no_forecast(sentence: str) -> None:
    assert _kept(sentence) == []
    assert any("a remote hypothesis" in r for r in _reasons(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "Results were expected to be announced soon, state television said.",
        "The votes were there to pass the bill, and it will likely pass next week.",
        "Prices were set to rise, and analysts expect the bank to act next month.",
    ],
)
def test_were_before_a_participle_or_an_adverb_is_no_hypothesis(sentence: str) -> None:
    assert _kept(sentence)
    assert not any("a remote hypothesis" in r for r in _reasons(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "A year ago, most forecasters expected the economy to slide into a recession.",
        "Before last month's meeting, a similar poll found economists expecting two cuts.",
        "Previously, analysts had predicted a rebound in sales.",
    ],
)
def test_an_expectation_dated_in_the_past_is_no_forecast(sentence: str) -> None:
    assert _kept(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "A model released last week predicted a death toll of 1,900 on Election Day.",
        "Most economists expect the bank to cut rates next week.",
        "A year after the crash, most forecasters expect the economy to recover.",
    ],
)
def test_a_recent_or_present_expectation_stays(sentence: str) -> None:
    assert _kept(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "All four countries agreed to continue discussions.",
        "The cartel has agreed to raise output by a million barrels.",
    ],
)
def test_an_agreement_reported_is_no_forecast(sentence: str) -> None:
    assert _kept(sentence) == []
    assert any("'agreed to'" in r for r in _reasons(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "The company plans to raise prices.",
        "The party is expected to agree to the deal next week.",
        "Both sides agreed to meet again next month.",
    ],
)
def test_a_plan_or_an_agreement_with_a_time_to_come_stays(sentence: str) -> None:
    assert _kept(sentence)


# ------------------------------------------------------------------ forms of wire copy the extractor did not read


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ("The euro is seen rising against the dollar next year.", "seen rising"),
        ("Analysts see the bank cutting rates in June.", "cutting"),
        ("Smith is tipped to win the leadership contest.", "tipped to"),
        ("Smith is the front-runner for the nomination.", "front-runner for"),
        ("Investors are bracing for a cut in June.", "bracing for"),
        ("The economy appears headed for recession.", "headed for"),
        ("It is just a question of time before prices fall.", "question of time"),
    ],
)
def test_forms_of_wire_copy_are_read(sentence: str, words: str) -> None:
    hedges = _kept(sentence)
    assert hedges and words in hedges[0], hedges
    assert extract(sentence).candidates[0].reading.p_event > 0.5


@pytest.mark.parametrize(
    "sentence",
    [
        "The suspect was seen leaving the building.",
        "And as summer comes to an end, some warn it's time to start bracing for it.",
        "The plane headed for Paris after the storm.",
        "Smith was tipped off by a colleague.",
    ],
)
def test_their_look_alikes_are_not(sentence: str) -> None:
    assert _kept(sentence) == []


# ------------------------------------------------------------------ second landing: attention, caveats, past beliefs


@pytest.mark.parametrize(
    "sentence",
    [
        "When the bank reports on Tuesday, all eyes will be on its loan book.",
        "Investors will be sensitive to any change in the governor's tone next week.",
        "For both parties the actual turnout will be crucial.",
    ],
)
def test_attention_or_importance_foretold_is_no_forecast(sentence: str) -> None:
    assert _kept(sentence) == []
    assert any("what will be watched or matter" in r for r in _reasons(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "Turnout will be high next week, pollsters say.",
        "The vote will be close, the party's whip said.",
        "Investors will sell the currency if the bank cuts rates next week.",
    ],
)
def test_an_outcome_foretold_stays(sentence: str) -> None:
    assert _kept(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Several respondents said their forecasts may change, depending on whether the talks succeed.",
        "That could change depending on how the amendments go.",
    ],
)
def test_a_caveat_that_a_statement_may_change_is_no_forecast(sentence: str) -> None:
    assert _kept(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    ["Prices could change sharply next year as supply returns.", "The rules may change after the election next year."],
)
def test_a_change_foreseen_stays(sentence: str) -> None:
    assert _kept(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "So far this season the agency believes about 6 million to 7 million people have been sick.",
        "“I think they've got a plan,” an aide said.",
        "“I am confident we did the right thing for the country.”",
    ],
)
def test_a_belief_about_what_has_happened_is_no_forecast(sentence: str) -> None:
    assert _kept(sentence) == []
    assert any("a belief about what has happened" in r for r in _reasons(sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "Senate leaders said they believe they have the votes to pass the bill.",
        "I think the bank will have cut rates twice by June.",
        "Analysts believe prices have further to fall next year.",
        "I am confident the deal will be done by Friday.",
    ],
)
def test_a_belief_about_what_is_or_will_be_stays(sentence: str) -> None:
    assert _kept(sentence)
    assert not any("a belief about what has happened" in r for r in _reasons(sentence))


@pytest.mark.parametrize(
    "sentence",
    ["It really does look like his race to lose.", "The election is Smith's to lose, analysts say."],
)
def test_the_favourites_idiom_reads_as_likely(sentence: str) -> None:
    (c,) = extract(sentence).candidates
    assert c.hedge_words == "to lose" and c.reading.p_event > 0.5


@pytest.mark.parametrize(
    "sentence",
    [
        "They have nothing to lose.",
        "He hopes his diet helps him to lose weight.",
        "Labour has a lot to lose in the north.",
        "Smith's team is trying not to lose focus.",
    ],
)
def test_to_lose_without_its_holder_is_no_hedge(sentence: str) -> None:
    assert _kept(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "The committee is scheduled to review the vaccine on Dec. 10.",
        "The cartel is due to meet again in December.",
        "The two leaders are slated to speak by phone on Friday.",
    ],
)
def test_a_schedule_stated_is_no_forecast(sentence: str) -> None:
    assert _kept(sentence) == []
    assert any("a schedule stated" in r for r in _reasons(sentence))


@pytest.mark.parametrize(
    "sentence",
    ["The bank is set to cut rates next week.", "The bill is expected to pass the Senate next week."],
)
def test_a_plan_or_an_expectation_stays(sentence: str) -> None:
    assert _kept(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Ukraine, Russia fail to reach ceasefire agreement during border meeting",
        "Talks Fail to Produce a Deal in Geneva",
        "Senate manages to pass stopgap bill after late vote",
    ],
)
def test_a_headline_verb_that_takes_an_infinitive_is_no_future(sentence: str) -> None:
    assert _kept(sentence) == []


@pytest.mark.parametrize("sentence", ["Fed to Cut Rates Again in June", "Ruling parties to retain power, poll shows"])
def test_a_headlines_own_future_stays(sentence: str) -> None:
    assert _kept(sentence)


@pytest.mark.parametrize(
    ("sentence", "words", "side"),
    [
        ("Smith is poised for a win in the runoff.", "poised for", 1),
        ("The odds are against a deal this year.", "odds are against", -1),
        ("A deal this year is a long shot.", "a long shot", -1),
        ("Smith has an outside chance of winning.", "an outside chance", -1),
        ("A cut in June is a near certainty.", "a near certainty", 1),
        ("Victory is virtually assured for the ruling party.", "virtually assured", 1),
        ("The talks are doomed to fail.", "doomed to", 1),
        ("All signs point to a cut in June.", "All signs point to", 1),
        ("A recession next year is a distinct possibility.", "a distinct possibility", -1),
        ("Prospects for a deal are dimming.", "dimming", -1),
        # "none" in the range is the size, not a negation; "few" doubting is most believing.
        ("The chances of a deal are slim to none.", "slim to none", -1),
        ("Few doubt that the bank will cut rates.", "doubt", 1),
        ("A few analysts doubt that the bank will cut rates.", "doubt", -1),
    ],
)
def test_idioms_of_the_odds_are_read(sentence: str, words: str, side: int) -> None:
    (c,) = extract(sentence).candidates
    assert words in c.hedge_words
    assert (c.reading.p_event - 0.5) * side > 0, c.reading.p_event


@pytest.mark.parametrize(
    "sentence",
    [
        "The team was poised for the kick-off.",
        "He took a long shot from outside the box.",
        "The odds are printed in the paper.",
    ],
)
def test_their_look_alikes_are_read_as_before(sentence: str) -> None:
    assert _kept(sentence) == []
