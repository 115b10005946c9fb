"""A report's discourse scope (issue 22, speakers4; docs/extract.md): a report, survey, study or group named as the
source of a sentence stays the source of the sentences after it in its paragraph that have no source of their own,
and of the next paragraph when that one opens with a pronoun. Texts are made up; the first cases fail on the code
before (the author was given), the hostile ones check where the scope must end."""

from __future__ import annotations

import pytest
from test_extract_speakers import _last_speaker

from tracker.extract import extract


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # The sentence after the one that names the study.
        (
            "According to the study, a tenth of clerical workers are already at risk of losing their jobs. Young "
            "people will also suffer, since fewer firms are hiring.",
            "the study",
        ),
        # Several sentences after it: the scope lasts until something ends it.
        (
            "According to the report, exports will fall by a fifth next year. Imports are likely to drop as well. "
            "Additionally, it might push the currency lower by the spring.",
            "the report",
        ),
        # A group's forecast goes on in its next sentence.
        (
            "Most business economists expect the country to avoid a recession this year. And any downturn would "
            "likely be short and shallow.",
            "Most business economists",
        ),
        # A paragraph that opens with a pronoun goes on with the report of the paragraph before it.
        (
            "Military officials believe the army is still too weak to retake the city.\n\nIt could be as long as a "
            "year before it is ready to launch a major offensive.",
            "Military officials",
        ),
    ],
)
def test_a_report_goes_on_in_its_paragraph(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


@pytest.mark.parametrize(
    "text",
    [
        # A person named in the next sentence: the subject moved to them.
        "According to the study, exports will fall by a fifth. Jane Roe, who runs the port, will probably lose "
        "her job by June.",
        # A subject named otherwise among the opening words.
        "According to the study, exports will fall by a fifth. The Fed will probably cut rates in June.",
        # The author's own judgement, in the first person.
        "According to the study, exports will fall by a fifth. I think the government will probably ignore it.",
        "According to the study, exports will fall by a fifth. Our view is that rates will likely stay high.",
        # An outlet relays: its sentence is the reporter's, and so is the next one.
        "According to media reports, exports will fall by a fifth. Imports will probably drop as well.",
        "The Acme Times reported that exports had fallen. Imports will probably drop as well.",
        # A new paragraph that does not open with a pronoun is the author's again.
        "According to the study, exports will fall by a fifth.\n\nImports will probably drop as well.",
        # A sentence outside the scope ends it for the rest of the paragraph.
        "According to the study, exports will fall by a fifth. The Fed met on Tuesday. Imports will probably drop.",
    ],
)
def test_a_report_scope_ends(text: str) -> None:
    assert _last_speaker(text) == "the author"


def test_a_quotation_of_someone_else_is_not_the_report_s() -> None:
    text = 'According to the study, exports will fall by a fifth. "Prices will likely rise," a trader told me.'
    assert _last_speaker(text) == "a trader"


def test_a_new_source_takes_over_and_a_person_carries_one_sentence() -> None:
    text = (
        "According to the study, exports will fall by a fifth. Jane Roe, a trader, said imports would fall. Prices "
        "will likely rise. Wages will probably stay flat."
    )
    speakers = [c.speaker.name for c in extract(text).candidates]
    assert speakers[-1] == "the author"
    assert "the study" not in speakers[1:]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "Economists are near-unanimous in predicting that the central bank will cut rates on Tuesday, according "
            "to The Acme Financial Review.",
            "Economists",
        ),
        (
            "Researchers with the Acme Institute for Policy found that half of clerical jobs could be replaced by "
            "chatbots, the Daily Acme reports.",
            "Researchers",
        ),
        (
            "According to media reports, in a survey of 60 forecasters, the economists surveyed raised their odds, "
            "and they believe a recession is likely next year.",
            "the economists",
        ),
    ],
)
def test_an_outlet_relays_the_source_it_names(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # Voters are what the forecast is about, not who makes it: the outlet's (the reporter's) sentence.
        ("Voters will probably back the bill next month, according to The Acme Times.", "Acme Times"),
        ("Rates will probably fall in June, according to The Acme Times.", "Acme Times"),
        # An agency that is no outlet keeps its sentence, and its scope.
        (
            "According to the International Energy Agency, oil demand will peak by 2030. It will probably fall "
            "after that.",
            "International Energy Agency",
        ),
    ],
)
def test_an_outlet_relays_hostile(text: str, speaker: str) -> None:
    assert _last_speaker(text).removeprefix("The ") == speaker


def _first_speaker(text: str) -> str:
    candidates = extract(text).candidates
    assert candidates, text
    return candidates[0].speaker.name


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "Iraq Offensive Could Be a Year Away\n\nMilitary officials believe the army will probably not be ready "
            "to retake the city for a year.",
            "Military officials",
        ),
        (
            "Rate Cut Expected Next Week\n\nMost economists expect the central bank to cut rates on Tuesday.",
            "Most economists",
        ),
        (
            "Exports Could Fall by a Fifth\n\nAccording to the study, exports will probably fall by a fifth.",
            "the study",
        ),
    ],
)
def test_a_headline_takes_the_source_of_its_lead(text: str, speaker: str) -> None:
    assert _first_speaker(text) == speaker


@pytest.mark.parametrize(
    "text",
    [
        # A person's lead: the labels give such a headline to the author.
        "Flu Could Peak by February\n\nJane Roe, an epidemiologist, said the flu season will probably peak in "
        "February.",
        # A group that said something, not its own view stated in the present.
        "Rates Could Fall in June\n\nAnalysts said the bank would probably cut rates in June.",
        # An outlet's lead.
        "Rates Could Fall in June\n\nThe Acme Times reported that the bank will probably cut rates in June.",
        # A sentence with its stop is no headline.
        "Rates could fall in June.\n\nMost economists expect the central bank to cut rates in June.",
        # A line that closes a paragraph of several sentences is no headline.
        "Rates rose in May. Rates could fall in June\n\nMost economists expect the central bank to cut in June.",
    ],
)
def test_a_headline_takes_the_source_of_its_lead_hostile(text: str) -> None:
    assert _first_speaker(text) == "the author"
