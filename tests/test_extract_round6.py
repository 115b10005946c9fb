"""tracker.extract, issue 22's sixth round (rules chosen on the old check half, now tuned on): the sentences of
a quotation kept whole read as sentences, and hedge forms the corpus showed. Texts here are made up."""

from __future__ import annotations

import pytest

from tracker.domain.verbal import load_scale
from tracker.extract import HedgeFinder, extract
from tracker.extract.segment import clauses, inner_sentences, sentences

FINDER = HedgeFinder(load_scale())

# ------------------------------------------------------------------------ a quotation of several sentences

QUOTE = (
    "\"We will have to wait and see. We don't expect a rate cut next year. The budget will not pass the Senate "
    'next month," said Jane Roe, an economist.'
)


def test_a_quotation_of_several_sentences_stays_one_sentence_with_inner_sentences() -> None:
    (s,) = sentences(QUOTE)
    starts = inner_sentences(s.text)
    assert [s.text[i : i + 8] for i in starts] == ["We don't", "The budg"]
    # Each inner sentence ends a clause, as a sentence does.
    assert any(s.text[a:b].startswith("We don't") for a, b in clauses(s.text))


def test_each_sentence_of_a_quotation_has_its_own_governing_part() -> None:
    cands = extract(QUOTE, finder=FINDER).candidates
    by_clause = {c.clause.split()[0] + " " + c.clause.split()[1]: c for c in cands}
    # "We don't expect ..." is a sentence of its own, not the attribution of the next one: its negation counts.
    assert by_clause["We don't"].reading.p_event == pytest.approx(0.3)
    # The last sentence's "will not" is kept though "will" governs the first sentence.
    assert by_clause["The budget"].reading.p_event == pytest.approx(0.1)
    assert all(c.speaker.name == "Jane Roe" for c in cands)


def test_a_weak_modal_in_a_later_sentence_of_a_quotation_is_not_proposed() -> None:
    text = '"Rates will fall next year. They could come back later and say so," said Jane Roe.'
    cands = extract(text, finder=FINDER).candidates
    assert [c.hedge_words for c in cands] == ["will"]


@pytest.mark.parametrize(
    "sentence",
    [
        "The U.S. economy will probably slow in 2025.",  # an initialism's stop is not a sentence's
        "Mr. Smith said rates will fall.",  # nor an abbreviation's
        "The bank will cut rates.",  # the final stop starts nothing
        "",
        "...",
    ],
)
def test_no_inner_sentence_where_none_starts(sentence: str) -> None:
    assert inner_sentences(sentence) == []


def test_inner_sentences_on_hostile_text() -> None:
    many = "It will rain. " * 500
    starts = inner_sentences(many.strip())
    assert len(starts) == 499 and starts == sorted(starts)
    readings = FINDER.read_all(many.strip())
    assert len(readings) == 500


# ----------------------------------------------------------------------------------- negation and exclusion


@pytest.mark.parametrize(
    ("sentence", "p"),
    [
        ("He has never changed and never will.", 0.1),  # one "never" on "will"; the first is the other verb's
        ("Prices never will recover.", 0.1),
        ("The bank did not move in May and will not move in June.", 0.1),
        ("The bank will not cut rates.", 0.1),
        ("It is unlikely that the bank won't cut.", 0.8),  # two negations of one clause still cancel
    ],
)
def test_a_negation_before_a_coordinator_is_the_other_conjuncts(sentence: str, p: float) -> None:
    readings = FINDER.read_all(sentence)
    assert readings[-1].p_event == pytest.approx(p), [(r.hedge.words, r.negations) for r in readings]


@pytest.mark.parametrize(
    "sentence",
    [
        "I do not rule it out.",
        "OPEC does not exclude that oil prices will return to $80 by late 2015.",
        "A second referendum cannot be ruled out.",
        "The minister didn't rule out an early election.",
    ],
)
def test_not_excluded_reads_as_the_scales_not_excluded(sentence: str) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.hedge.entry.phrase == "it is not excluded"
    assert r.p_event == pytest.approx(0.25) and r.negations == ()


def test_ruled_out_without_a_negation_is_still_unlikely() -> None:
    r = FINDER.read("The minister ruled out an early election.")
    assert r is not None and r.hedge.entry.phrase == "unlikely"
    assert FINDER.read("The court did not exclude him from the race.") is not None  # a hedge, for review
    assert FINDER.read_all("not " * 300 + "excluded") != []


# ------------------------------------------------------------------------------------ hedge constructions


@pytest.mark.parametrize(
    ("sentence", "phrase", "p"),
    [
        ("I'm quite sure that this is the peak of the cycle.", "almost certain", 0.95),
        ("We are absolutely sure the bill will pass.", "almost certain", 0.95),
        ("The opposition will struggle to slow his progress.", "unlikely", 0.2),
        ("The party is likely to struggle to win a majority.", "unlikely", 0.2),
        ("It's very questionable as to whether the talks will take place at all.", "we doubt", 0.25),
        ("It is doubtful that the treaty will be ratified this year.", "we doubt", 0.25),
    ],
)
def test_hedge_constructions_of_the_sixth_round(sentence: str, phrase: str, p: float) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.hedge.entry.phrase == phrase, r
    assert r.p_event == pytest.approx(p)


@pytest.mark.parametrize(
    "sentence",
    [
        "The farmers struggled to sell their crop last year.",  # a past difficulty, no foreseen one
        "Whether the talks take place is a question for the ministers.",
        "I'm not sure.",  # the scale's "not sure", not "sure"
    ],
)
def test_constructions_that_are_not_the_sixth_rounds(sentence: str) -> None:
    r = FINDER.read(sentence)
    assert r is None or r.hedge.entry.phrase not in ("almost certain", "we doubt", "unlikely"), r


# ------------------------------------------------------------------------------------ a possibility denied


@pytest.mark.parametrize(
    "sentence",
    [
        "There could be no successful peace talks unless Ukraine accepts the terms.",
        "Neither party could force an election right now.",
        "That's not something Ukraine can ever agree to.",
        "The bill could not pass the Senate next month.",
    ],
)
def test_a_denied_can_or_could_reads_as_unlikely(sentence: str) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.hedge.entry.phrase == "unlikely", r
    assert r.p_event == pytest.approx(0.2) and r.negations == ()
    assert "denied" in r.hedge.via


@pytest.mark.parametrize(
    ("sentence", "p"),
    [
        # "may not" leans against the event (polarity9: read as the bare "may" of it, no longer "may" reversed)
        ("The bank may not cut rates this year.", 0.4),
        ("The bank could cut rates this year.", 0.4),  # "could" without a negation is untouched
        ("Rates could not be lower than they are if the bank cuts.", 0.2),
    ],
)
def test_only_a_denied_can_or_could_is_read_so(sentence: str, p: float) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.p_event == pytest.approx(p), r


def test_a_past_could_not_stays_a_weak_candidate() -> None:
    cands = extract("He could not attend the meeting yesterday because of the storm.", finder=FINDER).candidates
    assert all(c.confidence < 0.3 for c in cands)


# ---------------------------------------------------------------------------------------- passive, not past


def _reasons(text: str) -> list[str]:
    return [r for c in extract(text, finder=FINDER, min_confidence=0.0).candidates for r in c.reasons]


def test_a_participle_after_a_modal_be_is_a_passive_not_a_past() -> None:
    assert not any("past tense" in r for r in _reasons("Officials said rate cuts might be deferred."))
    assert not any("past tense" in r for r in _reasons("All Americans could be immunized with a vaccine."))
    # A past form right after a hedge still is one.
    assert any("past tense" in r for r in _reasons("Perhaps it was because of security concerns."))
    assert any("past tense" in r for r in _reasons("The town certainly hosted history before."))


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        ("The end of the year target, it’s a possibility but there’s no certainty about that.", True),
        ("A snap election remains a possibility this autumn.", True),
        ("The possibility of a snap election was discussed.", False),  # a possibility spoken of, not claimed
    ],
)
def test_a_possibility_named(sentence: str, found: bool) -> None:
    r = FINDER.read(sentence)
    assert (r is not None and r.hedge.entry.phrase == "it is possible") is found, r


# ----------------------------------------------------------------------- a verb of belief with its own object


def test_a_verb_of_belief_with_its_own_complement_is_a_part_of_its_own() -> None:
    text = "We expect PC price declines to slow next year, but we don't see prices rising any time soon."
    cands = extract(text, finder=FINDER).candidates
    assert sorted(round(c.reading.p_event, 2) for c in cands) == [0.2, 0.7]


@pytest.mark.parametrize(
    "sentence",
    [
        "The bank will probably cut rates, analysts expect.",  # an attribution closing the sentence
        "Solomon anticipates that the bank will cut rates in June.",  # one introducing it
        "Analysts expect the bank, which has cut twice, will cut again.",
    ],
)
def test_an_attributing_verb_of_belief_still_joins_its_neighbour(sentence: str) -> None:
    assert len(FINDER.read_all(sentence)) == 1


# ----------------------------------------------------------------------------- words that look like negations


@pytest.mark.parametrize(
    ("sentence", "p"),
    [
        ("The answer will be not only yes, but hell yes.", 0.9),  # "not only": an addition
        ("Prices will rise again, and not only in June.", 0.9),
        ("It's more a matter of time than 'is it happening or not'.", 0.95),  # the compared thing's "not"
        ("Prices will not rise.", 0.1),  # a plain "not" still negates
        ("Prices will rise faster than wages, not slower.", 0.9),
    ],
)
def test_negations_that_deny_nothing(sentence: str, p: float) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.p_event == pytest.approx(p), r


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        ("Yampolskiy suggested that only a tiny subset of the market would still prefer human workers.", "would"),
        ("The officials indicated the talks would resume in May.", "would"),
        ("The Senate appears to be headed toward a final vote this week.", "headed toward"),
        ("We're gonna see robots in every home.", "gonna"),
    ],
)
def test_reporting_and_heading_forms(sentence: str, words: str) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.hedge.entry.phrase == "will" and r.hedge.words.endswith(words), r


def test_suggested_without_would_is_no_future() -> None:
    r = FINDER.read("The minister suggested a compromise on the budget.")
    assert r is None or r.hedge.entry.phrase != "will"


@pytest.mark.parametrize(
    ("sentence", "reads"),
    [
        ("Vaccine makers should know by the end of the year whether any works.", True),
        ("The infrastructure bill should win strong support next week.", True),
        ("By April there should be enough vaccine for everyone.", True),
        ("Russian support should also be matched by a U.S. withdrawal.", False),  # what ought to be done
        ("The bank should have cut rates last year.", False),  # a past
    ],
)
def test_should_of_what_is_expected(sentence: str, reads: bool) -> None:
    r = FINDER.read(sentence)
    assert (r is not None and r.hedge.words.lower().startswith("should") and r.p_event > 0.5) is reads, r


@pytest.mark.parametrize(
    "sentence",
    [
        "Financial markets on Wednesday priced in almost three quarter-point cuts by December.",
        "The new forecasts from the central bank imply that the tightening cycle is over.",
    ],
)
def test_what_prices_and_models_expect(sentence: str) -> None:
    r = FINDER.read(sentence)
    assert r is not None and r.hedge.entry.phrase == "expect" and r.p_event == pytest.approx(0.7), r


def test_a_price_that_is_not_priced_in() -> None:
    r = FINDER.read("Oil prices in Asia rose sharply yesterday.")
    assert r is None or r.hedge.entry.phrase != "expect"
