"""Speaker constructions of the tenth round (issue 22, speakers8; docs/extract.md, "Two sources in one
sentence"). Texts are made up; each source case fails on the code before, and the hostile ones must keep the
sentence's source or the author."""

from __future__ import annotations

import pytest
from test_extract_speakers import _last_speaker

from tracker.extract import extract


def _speakers(text: str) -> list[tuple[str, str]]:
    """(the part, its speaker) for every candidate of ``text``."""
    return [(c.clause, c.speaker.name) for c in extract(text).candidates]


def _speaker_of(text: str, part: str) -> str:
    found = [name for clause, name in _speakers(text) if clause.startswith(part)]
    assert found, (part, _speakers(text))
    return found[0]


@pytest.mark.parametrize(
    ("text", "part", "speaker"),
    [
        # Each part opens with its own source: the first part is its subject's, not the source of the second.
        (
            "Many traders are forecasting the bank to cut rates by at least half a point in June, although Jane Roe "
            "of Acme Bank said the cut would most likely be smaller.",
            "Many traders",
            "Many traders",
        ),
        (
            "Jane Roe of Acme Bank said a cut in June is very likely, while economists at Beta Capital see a "
            "70% chance that rates stay on hold until 2026.",
            "economists at",
            "economists at Beta Capital",
        ),
        (
            "John Doe of Beta Capital estimates a 40% chance of a recession next year, but some analysts "
            "are forecasting growth to pick up after 2026, Jane Roe said.",
            "John Doe",
            "John Doe",
        ),
    ],
)
def test_each_part_takes_its_own_subject(text: str, part: str, speaker: str) -> None:
    assert _speaker_of(text, part) == speaker


@pytest.mark.parametrize(
    ("text", "part", "speaker"),
    [
        # The part that names the sentence's source keeps it.
        (
            "Many traders are forecasting the bank to cut rates by at least half a point in June, although Jane Roe "
            "of Acme Bank said the cut would most likely be smaller.",
            "Jane Roe of",
            "Jane Roe",
        ),
        # A part with no subject of its own, or a pronoun, stays the sentence's source's.
        (
            "Jane Roe of Acme Bank said a cut in June is very likely, and there is a 60% chance of a second cut "
            "by December.",
            "there is a 60%",
            "Jane Roe",
        ),
        # A subject that comes late in the part ("as X says") is a comparison, not the part's source.
        (
            "Jane Roe said a cut is very likely, but a recession is not a 50-50 chance as John Doe says.",
            "a recession",
            "Jane Roe",
        ),
        # The source's own aside, cut from its verb by a comma, is not another source.
        (
            "The bank's board will meet on May 3 next week and Jane Roe, Chief Economist at Acme Bank is not "
            "expecting the bank to hold rates.",
            "Chief Economist",
            "Jane Roe",
        ),
    ],
)
def test_a_part_keeps_the_sentence_source(text: str, part: str, speaker: str) -> None:
    assert _speaker_of(text, part) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # "the legislators" refers back to the lawmakers a sentence just before opens with under another word.
        (
            "Senate Democratic leaders left the briefing in a sombre mood. After meeting the minister, the "
            "legislators said voters should not expect a quick end to the strike.",
            "Senate Democratic leaders",
        ),
        (
            "Opposition MPs walked out of the chamber on Tuesday.\n\nThe lawmakers said the bill will "
            "almost certainly fail next week.",
            "Opposition MPs",
        ),
    ],
)
def test_definite_lawmakers_refer_back(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # No lawmakers open a sentence just before: the definite plural stays as written.
        (
            "Economists at Acme Bank met on Tuesday. The legislators said the bill will almost certainly fail.",
            "The legislators",
        ),
        # A source already called so keeps its own name.
        (
            "Senate leaders met on Tuesday. Two legislators said the vote was close. The legislators said the bill "
            "will almost certainly fail.",
            "The legislators",
        ),
        # Too far back (three paragraphs): not read back.
        (
            "Senate leaders met on Tuesday.\n\nThe weather was fine.\n\nThe roads were busy.\n\nThe legislators "
            "said the bill will almost certainly fail.",
            "The legislators",
        ),
    ],
)
def test_definite_lawmakers_kept(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A chance the subject holds is no source's: the author's, not the candidate's.
        ("Labour has a 70% chance of winning the election in May.", "the author"),
        ("The incumbents have an almost nine in ten chance of winning the vote next week.", "the author"),
        # A headline that opens with one role and a colon: one source not named, the first person named.
        (
            "Veteran pollster: Labour has 86% chance of winning the election in May\n\nJane Roe, a pollster at "
            "Acme, predicted on Monday that Labour will probably win.",
            "Jane Roe",
        ),
    ],
)
def test_a_chance_held_and_a_role_heading(text: str, speaker: str) -> None:
    assert extract(text).candidates[0].speaker.name == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A bookmaker's price on an outcome keeps the bookmaker.
        ("Betting chain Acme Bet now has a hung parliament at odds of 1/8 to happen next year.", "Acme Bet"),
        ("Bookmakers have Labour at odds of 1/8 to win the election in May.", "Bookmakers"),
        # A topic before the colon is no source.
        ("Brexit vote: Labour has 70% chance of winning the election", "the author"),
    ],
)
def test_a_price_and_a_topic_heading_kept(text: str, speaker: str) -> None:
    assert extract(text).candidates[0].speaker.name == speaker


def test_a_document_from_a_definite_organisation_is_the_one_named_before() -> None:
    text = (
        "Sales will probably double by 2030, according to Acmeco.\n\nA new analysis from the global services "
        "network estimates that sales will reach 2 million by 2030."
    )
    assert _last_speaker(text) == "Acmeco"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # No organisation named before (only people): the document is left as it was read.
        (
            "Sales will probably double by 2030, analysts said.\n\nA new analysis from the global services network "
            "estimates that sales will reach 2 million by 2030.",
            "A new analysis",
        ),
        # An owner named in the phrase is read as before, not as the organisation named last.
        (
            "Sales will probably double by 2030, according to Acmeco.\n\nA new analysis from Beta Research "
            "estimates that sales will reach 2 million by 2030.",
            "Beta Research",
        ),
    ],
)
def test_a_document_keeps_its_reading(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # Confidence voiced as a noun is a stance its subject holds.
        (
            "But the ruling regime has exuded confidence to defeat the motion in parliament next week.",
            "the ruling regime",
        ),
        ("The government voiced confidence that the bill will pass the upper house next month.", "The government"),
    ],
)
def test_confidence_voiced_as_a_noun(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # Confidence in someone is no stance on the forecast.
        ("Voters have lost confidence in the regime, which will probably fall next year.", "the author"),
    ],
)
def test_no_confidence_voiced(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker
