"""Speaker constructions of the ninth round (issue 22, speakers7; docs/extract.md, "Asides and inverted
closings"). Texts are made up; each source case fails on the code before, and the hostile ones must keep the
other source."""

from __future__ import annotations

import pytest
from test_extract_speakers import _last_speaker as _speaker

from tracker.extract.segment import paragraphs
from tracker.extract.speakers import byline


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


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # The second verb of a subject is one of concluding or estimating; an employer and a lower-case role come
        # before the name; a comparison opens the sentence.
        (
            "Acme analyst Jane Roe walks through the odds of a deal going through and concludes that there is a 70% "
            "chance it happens.",
            "Jane Roe",
        ),
        (
            "Like others before her, Acme Securities analyst Jane Roe walks through the odds and estimates that the "
            "bid will probably fail.",
            "Jane Roe",
        ),
        # A list after such a paragraph, introduced by a colon, goes on in her words.
        (
            "Acme analyst Jane Roe walks through the odds and concludes that there is a 70% chance the deal happens. "
            "The maths:\n\n1. The bid succeeds as it stands (30% chance);\n\n2. A rival wins with a higher bid (40% "
            "chance).",
            "Jane Roe",
        ),
    ],
)
def test_a_second_verb_of_concluding(text: str, speaker: str) -> None:
    assert _speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A comparison that opens the sentence is no name; a subject with no name keeps the author.
        ("Like its rivals, the bank cut rates and believes growth will probably slow.", "the author"),
        # A name before the role stays the subject.
        (
            "Jane Roe, chief economist, walks through the odds and concludes that the bid will probably fail.",
            "Jane Roe",
        ),
        # The list after a paragraph of the author's own stays the author's.
        (
            "The odds of the deal are worth a look. The maths:\n\n1. The bid succeeds as it stands (30% chance);\n\n"
            "2. A rival wins with a higher bid (40% chance).",
            "the author",
        ),
    ],
)
def test_a_second_verb_keeps_the_other_source(text: str, speaker: str) -> None:
    assert _speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # "That's the view of" a source given its kind in lower case before its name: the name, an acronym kept.
        (
            "The handset market will probably shrink by 3 percent this year. That's the view of analyst firm ACB "
            "Insight, which has cut its forecast.",
            "ACB Insight",
        ),
        (
            "The handset market will probably shrink by 3 percent this year. That is the view of the research "
            "group Acme Metrics.",
            "Acme Metrics",
        ),
        ("The handset market will probably shrink this year. That's the view of veteran analyst Jane Roe.", "Jane Roe"),
    ],
)
def test_the_view_of_a_kind_then_a_name(text: str, speaker: str) -> None:
    assert _speaker(text) == speaker


def test_the_view_of_a_group_with_no_name_keeps_the_author() -> None:
    text = "The handset market will probably shrink this year. That is the view of most analysts at the firm."
    assert _speaker(text) == "the author"


def test_a_lead_with_a_role_word_late_is_no_byline() -> None:
    text = "North Ruritania is likely to conduct its fourth test in October, according to analysts Thursday."
    paras = paragraphs(text)
    assert byline(text, paras) is None
    # A byline keeps its role within the first words after "is", as before.
    text = "Jane Doe is a columnist at the Acme Times.\n\nRates will probably rise."
    found = byline(text, paragraphs(text))
    assert found is not None and found.name == "Jane Doe"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A document its owner made, with a modifier too long for the subject's noun phrase before its verb.
        (
            "A poll conducted by Acme Research based on data from five separate polls carried out in the months "
            "leading up to the July 25 elections forecasts that the Green Party will likely win.",
            "Acme Research",
        ),
        # The organisation then referred back to by its kind.
        (
            "A survey commissioned by Acme Research based on interviews with voters in all four provinces before the "
            "vote predicts that the Green Party will win.\n\nHowever, the research organisation concluded that the "
            "undecided voters may tilt the balance in the north.",
            "Acme Research",
        ),
    ],
)
def test_an_owned_document_with_a_long_modifier(text: str, speaker: str) -> None:
    assert _speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # Another subject's verb after "and" keeps that subject.
        (
            "A poll conducted by Acme Research was criticised by rivals and the ministry predicts that the Green "
            "Party will likely emerge as the largest party.",
            "the ministry",
        ),
        # An owner's document that is not the verb's subject.
        (
            "Analysts said a poll conducted by Acme Research last month forecasts that the Green Party will likely "
            "win.",
            "Analysts",
        ),
    ],
)
def test_an_owned_document_keeps_the_other_source(text: str, speaker: str) -> None:
    assert _speaker(text) == speaker


def test_the_paper_is_the_newspaper_named_last() -> None:
    text = (
        "The leaders could meet on Tuesday in Lyon, the second city, reported Acme newspaper.\n"
        "A senior source told the daily that the leaders will agree to meet.\n"
        "According to the paper, negotiators will probably recommend a meeting."
    )
    assert _speaker(text) == "Acme"


@pytest.mark.parametrize(
    "text",
    [
        # A document called a paper before, after or with no newspaper: "the paper" is not read back to one.
        "The Acme Post reported on a new paper by Jane Roe.\nAccording to the paper, prices will probably rise.",
        "A research paper by Acme scholars was cited by the daily Acme Herald.\n"
        "According to the paper, prices will probably rise.",
        "According to the paper, prices will probably rise.",
    ],
)
def test_the_paper_after_a_document_is_not_read_back(text: str) -> None:
    assert _speaker(text) == "the paper"
