"""Speaker constructions of the ninth round (issue 22, speakers7; docs/extract.md, "Asides and inverted
closings"). Texts are made up; each source case fails on the code before, and the hostile ones must keep the
other source."""

from __future__ import annotations

import pytest

from tracker.extract import extract


def _speaker(text: str) -> str:
    candidates = extract(text).candidates
    assert candidates, text
    return candidates[-1].speaker.name


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # An aside that holds an initialism's stops still separates a name from its verb.
        (
            "Jane Roe, director of the U.S. Centers for Grain Atlanta, said on Friday that prices will probably "
            "rise next year.",
            "Jane Roe",
        ),
        # The pronoun after such a sentence is the person, not the institution's last words.
        (
            "Jane Roe, director of the U.S. Centers for Grain Atlanta, said on Friday that the harvest was poor.\n\n"
            "“Prices will probably rise next year,” she warned.",
            "Jane Roe",
        ),
    ],
)
def test_an_aside_with_an_initialism(text: str, speaker: str) -> None:
    assert _speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # The verb closing the sentence comes before its source; a place in the aside before it is no subject.
        ("Prices will probably rise next year in Lyon, the second city, reported Acme newspaper.", "Acme"),
        ("Prices will probably rise next year in Lyon, the second city, said Jane Roe.", "Jane Roe"),
        ("Prices will probably rise next year in Lyon, reported the Acme news agency.", "Acme"),
    ],
)
def test_an_inverted_closing_source(text: str, speaker: str) -> None:
    assert _speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A subject that speaks before the closing verb keeps the sentence: the outlet relays.
        ("Jane Roe, the minister, told Reuters that prices will probably rise, reported Acme.", "Jane Roe"),
        ("Jane Roe, the minister, said prices will probably rise, said Friday.", "Jane Roe"),
        # A day after the verb is no source.
        ("Prices will probably rise next year in Lyon, the second city, the author said Friday.", "the author"),
    ],
)
def test_the_other_source_is_kept(text: str, speaker: str) -> None:
    assert _speaker(text) == speaker
