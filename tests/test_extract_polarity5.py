"""tracker.extract, issue 22's fifth polarity round (polarity5): what sets a weak modal apart in context, and
readings that depend on more than one hedge. Texts here are made up, not the corpus; each says which side of
0.5 P(event) falls on, the event being the hedged clause without its negations."""

from __future__ import annotations

import pytest

from tracker.domain.verbal import load_scale
from tracker.extract import HedgeFinder, extract
from tracker.extract.hedges import Reading

FINDER = HedgeFinder(load_scale())


def reading(sentence: str) -> Reading:
    r = FINDER.read(sentence)
    assert r is not None, sentence
    return r


@pytest.mark.parametrize(
    ("sentence", "above_half"),
    [
        # A weak modal in the statement a verb of belief or expectation introduces: the source commits to it.
        ("Most analysts believe that the tanker strike may end before the weekend.", True),
        ("The dock workers think the strike could end by Friday.", True),
        ("Traders expected the worst might be over for copper.", True),
        ("The panel predicts that 2031 could be a record year for wind power.", True),
        ("It is reasonable to expect that a new terminal could open by the end of next year.", True),
        # ... the belief denied denies it.
        ("Few engineers believe the bridge may reopen this year.", False),
        # Not a verb of saying or finding, a fear, nor an infinitive after the verb: the bare modal (0.4).
        ("The mayor said the bridge may reopen in March.", False),
        ("Researchers found that half of the clerks' tasks could be automated.", False),
        ("Some residents feared the levee could break before the spring.", False),
        ("The talks are expected to cover grain exports and might even produce a ceasefire.", False),
        # Nor when another clause opens between the verb and the modal.
        ("Analysts believe the merger is off, and the shares may fall further.", False),
    ],
)
def test_a_weak_modal_a_verb_of_belief_introduces(sentence: str, above_half: bool) -> None:
    # The modal's own part: in "are expected to cover X and might Y" the present passive governs the sentence
    # (hedges7), and "might" is read in the part that holds it.
    r = next((p for p in FINDER.read_all(sentence) if p.hedge.words.lower() in ("may", "might", "could")), None)
    r = r or reading(sentence)
    assert (r.p_event > 0.5) is above_half, (sentence, r.hedge.words, r.p_event)


def test_a_weak_modal_under_belief_says_it_has_no_scale_phrase() -> None:
    r = reading("Most analysts believe that the tanker strike may end before the weekend.")
    assert r.hedge.entry.phrase == "likely"
    assert "no scale phrase" in r.hedge.via and "believe ... may" in r.hedge.via


def _parts(text: str) -> list[tuple[str, float]]:
    return [(c.clause, c.reading.p_event) for c in extract(text, finder=FINDER).candidates]


def test_an_estimate_set_against_the_first_by_but_is_a_candidate_of_its_own() -> None:
    parts = _parts(
        "The fighting around the port is likely to remain the focus of the campaign, but it is unlikely to spread "
        "into a wider war along the coast."
    )
    assert len(parts) == 2, parts
    assert parts[0][1] > 0.5 and parts[1][1] < 0.5, parts
    parts = _parts("Bookmakers say the Greens are favoured to gain two seats, but they likely won't reach ten.")
    assert len(parts) == 2 and parts[1][1] < 0.5, parts


@pytest.mark.parametrize(
    "text",
    [
        # A weak modal or a flat "will" after "but" stays unkept (more often a reason or background).
        "The fighting around the port is likely to remain the focus of the campaign, but it may spread south.",
        "The fighting around the port is likely to remain the focus of the campaign, but it will spread to the coast.",
        # An estimate after "and" is not set against the first.
        "The fighting around the port is likely to remain the focus of the campaign, and it is unlikely to spread.",
    ],
)
def test_a_second_part_not_set_against_the_first_or_not_an_estimate_is_not_kept(text: str) -> None:
    assert len(_parts(text)) == 1, _parts(text)


@pytest.mark.parametrize(
    ("sentence", "above_half"),
    [
        # A share under half as the subject of a belief: most do not hold it, as with "few".
        ("Just a quarter of fund managers and strategists expect the euro to fall below parity this year.", False),
        ("A third of the economists polled expect a rate cut in June.", False),
        ("Only 30% of respondents think the council will approve the tower.", False),
        ("One in five analysts predict a merger before the spring.", False),
        # A share over half, or a number that is not the believers' share, leaves the belief as it is.
        ("Three quarters of the economists polled expect a rate cut in June.", True),
        ("About 60% of economists expect a recession next year.", True),
        ("Prices rose 5% of late, and analysts expect more gains next year.", True),
    ],
)
def test_a_minority_share_as_the_subject_of_a_belief(sentence: str, above_half: bool) -> None:
    r = reading(sentence)
    assert (r.p_event > 0.5) is above_half, (sentence, r.hedge.words, r.negations, r.p_event)


def test_a_necessity_foreseen_and_softened_reads_above_half() -> None:
    for sentence in (
        "The envoys said more rounds of talks may be needed before a deal.",
        "Hospitals may need to postpone routine surgery this winter.",
    ):
        r = reading(sentence)
        assert r.p_event > 0.5 and "no scale phrase" in r.hedge.via, (sentence, r.hedge.words)
    assert reading("Hospitals may postpone routine surgery this winter.").p_event < 0.5


@pytest.mark.parametrize(
    "text",
    [
        # A why-clause presupposes what it explains: no outcome is left open.
        "The briefing set out why a settlement may not be as close as some ministers suggest.",
        # "what" before the modal and a verb of becoming names a thing (a free relative).
        "The region is in the grip of what could develop into a severe drought this summer.",
    ],
)
def test_why_clauses_and_free_relatives_are_not_open_questions(text: str) -> None:
    (c,) = extract(text, finder=FINDER).candidates
    assert not any("embedded question" in r for r in c.reasons), c.reasons


@pytest.mark.parametrize(
    "text",
    [
        "The minister asked what could be done to save the harvest this summer.",
        "Nobody knows who will lead the party after the spring congress.",
    ],
)
def test_open_questions_keep_their_mark(text: str) -> None:
    c = extract(text, finder=FINDER, min_confidence=0.0).candidates
    assert c and any("embedded question" in r for r in c[0].reasons), [x.reasons for x in c]


@pytest.mark.parametrize(
    ("sentence", "above_half"),
    [
        # A relative "whose" opens a statement about its noun: its negation is not the hedged clause's.
        ("The parties that will most likely win seats are followed by the Greens, whose fate is not clear.", True),
        # A coordinator and a new subject after the hedge open another statement.
        ("Only a few amendments will be allowed and there aren't the votes to force more.", True),
        ("The bank will hold rates in March, but it isn't done with hikes.", True),
        # The hedge's own negation stays.
        ("The bank will not cut rates and there is no sign of a change.", False),
    ],
)
def test_the_reach_of_a_negation_after_the_hedge(sentence: str, above_half: bool) -> None:
    r = reading(sentence)
    assert (r.p_event > 0.5) is above_half, (sentence, r.hedge.words, r.negations, r.p_event)


@pytest.mark.parametrize(
    ("sentence", "above_half"),
    [
        # What is called hard to do is read as unlikely to be done ...
        ("I think it's tough to pull a deal out of the hat before Friday.", False),
        ("It will be difficult to reach an agreement before the summit.", False),
        # ... but not a view withheld, emphasis, or the forms read elsewhere.
        ("It's hard to avoid a recession under these conditions.", True),
        ("It is hard to overstate how much the harvest will suffer this year.", True),
        # A question denied is a certainty, as "no question that" is.
        ("That is not even a question if it's possible, the professor said.", True),
        ("It is not a question of if the levee will fail, but when.", True),
    ],
)
def test_difficulty_and_a_question_denied(sentence: str, above_half: bool) -> None:
    r = reading(sentence)
    assert (r.p_event > 0.5) is above_half, (sentence, r.hedge.words, r.negations, r.p_event)


def test_a_view_withheld_is_not_read_as_difficulty() -> None:
    r = reading("It is hard to say whether the bank will cut rates in June.")
    assert "hard" not in r.hedge.words, r.hedge.words


def test_see_with_an_object_and_a_verb_of_change_is_a_view_of_what_will_happen() -> None:
    r = reading("Most of the economists polled also see inflation remaining above 4% at the end of the year.")
    assert r.hedge.words.startswith("see inflation") and r.p_event > 0.5, r.hedge.words
    assert reading("We don't see copper prices rising any time soon.").p_event < 0.5
    assert FINDER.read("Shoppers are seeing prices rising in every aisle.") is None
