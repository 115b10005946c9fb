"""Speaker constructions of the twelfth round (issue 22, speakers9; docs/extract.md, "twelfth round: speakers9").
Texts are made up; each source case fails on the code before, and the hostile ones must keep the unnamed source,
the other source or the author."""

from __future__ import annotations

import pytest
from test_extract_speakers import _speakers
from test_extract_speakers_round10 import _speaker_of

# A person who spoke before the role, so that the role is not the article's first source (read as the first person
# the article names, a rule of an earlier round).
_BEFORE = "John Smith, a trader, said markets were calm.\n\n"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A source given by an indefinite role; the next paragraph names a person not named before.
        (
            "The opposition will probably win the vote, according to a leading pollster.\n\n"
            "Jane Roe, the director of Acme Polling, told a radio station that turnout would decide it.",
            "Jane Roe",
        ),
        (
            _BEFORE + "Rates are likely to fall by June, an economist said on Tuesday.\n\n"
            '"Inflation is easing fast," Jane Roe, the chief economist at Acme Bank, told reporters.',
            "Jane Roe",
        ),
        (
            _BEFORE + "One Northfield University doctor predicts that cases will peak in October.\n\n"
            '"We are watching the numbers closely," said Dr. John Doe, an infectious disease specialist.',
            "John Doe",
        ),
        (
            _BEFORE + "The coalition is in danger of losing the vote, a key ally has said.\n\n"
            "The opposition needs twelve more votes.\n\n"
            '"They all lean towards the opposition," John Doe, the head of the Acme Party, told a broadcaster.',
            "John Doe",
        ),
    ],
)
def test_an_unnamed_role_is_the_person_named_just_after(text: str, speaker: str) -> None:
    opening = text.removeprefix(_BEFORE)[:12]
    assert _speaker_of(text, opening) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A source kept unnamed on purpose stays so, whoever is named after it.
        (
            _BEFORE + "The talks are likely to fail, a senior official said.\n\n"
            "Jane Roe, the foreign minister, said the talks would go on.",
            "a senior official",
        ),
        (
            _BEFORE + "The deal will probably be signed in May, according to a source close to the talks.\n\n"
            "Jane Roe, the trade minister, told reporters the text was nearly ready.",
            "a source",
        ),
        # A person named before speaks first: no one is given for the role.
        (
            "Jane Roe runs the research team at Acme Bank.\n\n"
            + _BEFORE
            + "Rates will probably fall by June, an economist said.\n\n"
            "Roe said the bank would wait for more data.",
            "an economist",
        ),
        # The name comes too far after (three paragraphs on).
        (
            _BEFORE + "Rates will probably fall by June, an economist said.\n\nPrices rose in May.\n\n"
            "Wages rose too.\n\nJane Roe, the chief economist at Acme Bank, said inflation was easing.",
            "an economist",
        ),
    ],
)
def test_an_unnamed_role_stays_unnamed(text: str, speaker: str) -> None:
    assert speaker in _speakers(text)


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A quotation closed by its own punctuation, then a name and a verb in the past that ends the sentence,
        # whatever the verb.
        ('"Prices will probably rise again next year," Jane Roe assured.', "Jane Roe"),
        (
            "Jane Roe runs the budget office.\n\n"
            "“I think you’ll see all the budgets passed. They will all be passed on Tuesday,” Roe quipped.",
            "Jane Roe",
        ),
        # A person's name after an office's word that ends organisations' names ("House", "Senate") is a person, so
        # that "he said" after it is that person, not the one who spoke before.
        (
            '"Rates will probably stay on hold," Jane Roe said.\n\nHouse Speaker John Doe echoed that view.\n\n'
            '"The budget will get done by June whatever happens," he said.',
            "John Doe",
        ),
    ],
)
def test_a_quotation_closed_by_a_name_and_any_verb(text: str, speaker: str) -> None:
    assert _speakers(text)[-1] == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A scare quote inside the sentence is not closed by its own punctuation: the name after it is an object's.
        ("Rain is likely to spoil the “parade of the century” Acme organized.", "the author"),
        # The verb does not end the sentence: no attribution.
        ('"Prices will probably rise," Jane Roe wanted to believe in May.', "the author"),
        # An organisation's own name stays a group ("Acme House" ends in an organisation's word).
        ('"Sales will probably fall next year," Acme House predicted.\n\nJane Roe agreed.', "Acme House"),
    ],
)
def test_a_name_after_a_quotation_that_is_no_attribution(text: str, speaker: str) -> None:
    assert _speakers(text)[0] == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # An employer, lower-case words that are no role noun of the lists, then a person's full name.
        ('"Every brand will probably feel the pinch," said Acme research manager Jane Roe.', "Jane Roe"),
        ('"Prices will likely rise by June," said Beta Capital portfolio manager John Doe, adding more.', "John Doe"),
        # No person's name after the employer's words: the employer (a preposition is no role).
        ('"Sales will probably fall next year," said Acme to Beta Clients.', "Acme"),
        ('"Sales will probably fall next year," said Acme research staff.', "Acme"),
    ],
)
def test_a_person_after_an_employer_and_any_lower_case_role(text: str, speaker: str) -> None:
    assert _speakers(text)[0] == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # "went on to" / "goes on to" before a verb of saying, as "continues to" already was.
        ("Jane Roe went on to warn that rates would probably rise again in June.", "Jane Roe"),
        ("In the report, Acme Bank goes on to predict that prices will fall by 2027.", "Acme Bank"),
        # "went on to" before any other verb is no saying: the author's.
        ("Jane Roe went on to win the seat; her party will probably gain more seats next year.", "the author"),
    ],
)
def test_went_on_to_say(text: str, speaker: str) -> None:
    assert _speakers(text)[-1] == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A place after a person's noun is where the source is, not the source.
        ("Rates will probably rise by June, an economist in London said.", "an economist in London"),
        ("One voter in New York said prices would probably rise by June.", "One voter in New York"),
        ("Rates will probably rise, traders at the exchange in Chicago said.", "traders at the exchange in Chicago"),
        # ... and a definite role with a place, given its name in the next paragraph, is that person.
        (
            "Troops are likely to leave within weeks, the top commander of forces in the Middle East said.\n\n"
            "General John Doe, head of the command, cautioned that the timing would depend on the fighting.",
            "John Doe",
        ),
    ],
)
def test_a_place_after_a_persons_noun_is_no_source(text: str, speaker: str) -> None:
    assert _speakers(text)[0] == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A name after "of" is the person's employer or office (read as before), not a place.
        ("Jane Roe of Acme Bank said rates would probably rise by June.", "Jane Roe"),
        # No person's noun before the place: the name is the subject ("The rally in Acme" is no one).
        ("Prices will probably rise, Acme said.", "Acme"),
        # A definite role already named before is read back to that person, not to the next one named.
        (
            "Jane Roe, the finance minister, said on Monday that she was ready.\n\n"
            "Rates will probably rise, the minister said.\n\n"
            "John Doe, an economist at Acme Bank, said the rise was priced in.",
            "Jane Roe",
        ),
    ],
)
def test_a_name_before_the_verb_that_stays_the_source(text: str, speaker: str) -> None:
    assert _speaker_of(text, "Rates" if "minister" in text else text[:6]) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A share of any group the text calls by a definite noun, not the bare share of the part after it.
        (
            "55 percent of the panel predicted a victory by Jane Roe in the Senate race, with 45 percent "
            "forecasting a win for John Doe.",
            "55 percent of the panel",
        ),
        ("About 60% of the public believe that prices will probably rise next year.", "60% of the public"),
        # A share of what is counted, with the source after it, stays the source's.
        ("Labour will probably win 45 percent of the vote, Acme Polling said.", "Acme Polling"),
    ],
)
def test_a_share_of_a_definite_group(text: str, speaker: str) -> None:
    assert _speakers(text)[0] == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A role closing a headline after a colon: one source not named, the first person the article names.
        (
            "Oil prices likely to rebound next year: analyst\n\n"
            "Oil prices will probably rise by June, Jane Roe, an analyst at Acme Capital, said.",
            "Jane Roe",
        ),
        # A source kept unnamed is not read as the first person named (the headline stays the author's).
        (
            "Talks likely to fail this week: official\n\nThe talks will probably end early, Jane Roe said.",
            "the author",
        ),
        # A label after the colon is no source.
        ("Rates likely to rise in June: Analysis\n\nThe bank will probably raise rates, Jane Roe said.", "the author"),
    ],
)
def test_a_role_closing_a_headline(text: str, speaker: str) -> None:
    assert _speakers(text)[0] == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A pronoun opening the sentence, then a participle of saying after a comma: the person named last.
        (
            "Jane Roe said on Monday that inflation had peaked.\n\n"
            "She declined to give a date, noting that a cut was likely by June.",
            "Jane Roe",
        ),
        (
            "John Doe told reporters in Kyiv that the front was stable.\n\n"
            "He did not answer the question on an offensive, while noting that he personally does not rule it out.",
            "John Doe",
        ),
        # No person named before: the author's.
        ("He declined to give a date, noting that a cut was likely by June.", "the author"),
    ],
)
def test_a_pronoun_then_a_participle_of_saying(text: str, speaker: str) -> None:
    assert _speakers(text)[-1] == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A fractional price and the bookmakers it is quoted at, opening the sentence or after the price.
        ("At Acme Bets and Beta Bet, the incumbents are 1/6 to win the most seats.", "Acme Bets and Beta Bet"),
        ("The opposition is 7/2 to win at Acme Bets, Beta Bet and Gamma Bet.", "Acme Bets, Beta Bet and Gamma Bet"),
        # The subject that states the price stays the source; a price quoted at no one is the author's.
        ("Acme Bets has the incumbents at 1/2 and the opposition at 13/8 to win.", "Acme Bets"),
        ("The opposition is 7/2 to win the most seats next month.", "the author"),
    ],
)
def test_odds_quoted_at_bookmakers(text: str, speaker: str) -> None:
    assert _speakers(text)[0] == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # "punters" and "bookies" are people who bet and price, as "bookmakers" and "traders" were.
        (
            "Betting on the election has shown that most punters think the incumbents will win the most seats.",
            "most punters",
        ),
        ("All bookies have lengthened odds on the opposition winning the seat, Acme Bets to 20/1.", "All bookies"),
        # A possessive is no subject.
        ("The bookies' favourite is likely to win the seat in May.", "the author"),
    ],
)
def test_punters_and_bookies(text: str, speaker: str) -> None:
    assert _speakers(text)[0] == speaker
