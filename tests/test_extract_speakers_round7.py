"""Speaker rules of issue 22's seventh round (docs/extract.md): forms news-quote extractors read, stated as
constructions. Texts are made up; each case fails on the code before the round, and the hostile ones check what
a rule must not take."""

from __future__ import annotations

import pytest
from test_extract_speakers import _last_speaker

from tracker.extract import extract


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A group noun followed by "to" and a verb of belief is an object, not a source with a modifier.
        (
            "The bank looks likely to cut rates next week, when it could also nudge investors to expect faster "
            "cuts than they currently predict.",
            "the author",
        ),
        # Reporting verbs of the news-quote lists: "signalled", "indicated", "pegged", "declared", ...
        (
            "Jane Roe, an economist at Acme, said prices had peaked.\n\nLater, she signalled that the bank will "
            "probably cut rates in June.",
            "Jane Roe",
        ),
        ("Acme Research indicated that the bank will probably cut rates in June.", "Acme Research"),
        # "they" after a conjunction, with the plural source of its own sentence.
        (
            "Oil fell on Wednesday as Fed officials rekindled worries when they indicated that rate cuts might be "
            "deferred.",
            "Fed officials",
        ),
        # "the official" after a quotation: the unnamed official quoted just before, not the last name.
        (
            'The Acme Journal reported the talks had stalled. "I do not rule it out," one official stated. "It may '
            'not get done this year," the official added.',
            "one official",
        ),
        # "the note added": the organisation whose note it is.
        (
            'Acme Research expects the cartel to hold its cuts, it said in a note on Wednesday.\n\n"A deeper cut '
            'would likely be a surprise to the market," the note added.',
            "Acme Research",
        ),
        # "the man declared": the person the text named last, speaker or not.
        (
            'John Doe, a supporter of the president, was full of optimism.\n\n"He will win the election, he really '
            'is a leader," the man declared.',
            "John Doe",
        ),
    ],
)
def test_attribution_forms(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A forecast in the passive with no source goes on with the report just before it, over a paragraph.
        ("Acme Bank expects home sales to fall in 2024.\n\nPrices are projected to drop by 2% next year.", "Acme Bank"),
        (
            "Acme Bank expects a slowdown in 2024.\n\nPrices rose in May. Prices are forecast to fall by 2% next year.",
            "Acme Bank",
        ),
        # Hostile: after a source that only said something, a passive is the reporter's background.
        ("Acme said the talks went well. Prices rose. The talks are expected to last until Friday.", "the author"),
        # Hostile: someone else spoke since the report.
        (
            "Acme Bank expects home sales to fall in 2024. Jane Roe said the market was calm. Prices rose in May. "
            "Prices are projected to drop next year.",
            "the author",
        ),
        # Hostile: too far after the report.
        (
            "Acme Bank expects home sales to fall in 2024. Prices rose in May. Sales rose in June. Rents rose in "
            "July. Wages rose in August. Prices are projected to drop next year.",
            "the author",
        ),
        # Hostile: a passive with its own agent is not the report's.
        (
            "Acme Bank expects home sales to fall in 2024. Prices are expected by the Treasury to drop next year.",
            "the author",
        ),
    ],
)
def test_a_report_goes_on_in_the_passive(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


# Part 2: forms of agency and wire copy, each missing before (a probe of made-up sentences, not the corpus).
_BEFORE = "Deputy Foreign Minister Sergei Ryabkov told reporters on Monday that talks had stalled.\n\n"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('"The talks will probably resume in June," he pointed out.', "Sergei Ryabkov"),
        ('"The talks will probably resume in June," he underlined.', "Sergei Ryabkov"),
        ("According to him, the talks will probably resume in June.", "Sergei Ryabkov"),
        ("In his opinion, the talks will probably resume in June.", "Sergei Ryabkov"),
        ("The talks will probably resume in June, in his view.", "Sergei Ryabkov"),
        ("He is convinced that the talks will probably resume in June.", "Sergei Ryabkov"),
        ("He voiced hope that the talks will probably resume in June.", "Sergei Ryabkov"),
        ("He did not exclude that the talks will probably resume in June.", "Sergei Ryabkov"),
        ("The Russian diplomat added that the talks will probably resume in June.", "Sergei Ryabkov"),
        ("The talks will probably resume in June, according to the diplomat.", "Sergei Ryabkov"),
        ("The talks will probably resume in June, the senior diplomat believes.", "Sergei Ryabkov"),
        ("TASS quoted Ryabkov as saying that the talks will probably resume in June.", "Sergei Ryabkov"),
        ("Ryabkov was quoted by TASS as saying that the talks will probably resume in June.", "Sergei Ryabkov"),
        ("As Ryabkov put it, the talks will probably resume in June.", "Sergei Ryabkov"),
        ("Ryabkov made it clear that the talks will probably resume in June.", "Sergei Ryabkov"),
        ('"The talks will probably resume in June" - Ivan Petrov', "Ivan Petrov"),
        ("The Ministry of Defence said that the talks will probably resume in June.", "Ministry of Defence"),
        ("Acme Bank's economists expect that the talks will probably resume in June.", "Acme Bank's economists"),
        ("ISW analysts assess that the talks will probably resume in June.", "ISW analysts"),
        ("Futures markets suggest the talks will probably resume in June.", "Futures markets"),
        (
            "The talks will probably resume in June, two people familiar with the matter told Reuters.",
            "two people familiar with the matter",
        ),
        # The attribution closing a sentence reports all of it, an earlier verb of saying included.
        ("The bank has made it clear a rate rise is expected in June, economists say.", "economists"),
    ],
)
def test_agency_forms(text: str, speaker: str) -> None:
    assert _last_speaker(_BEFORE + text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A believer's belief stays theirs inside a report.
        ("Because of the virus, the CDC believes the season could be a severe one, Jane Roe said.", "CDC"),
        # An outlet reporting a sentence is not its source.
        ("Jane Roe told a briefing the vaccine will probably arrive by April, the Acme Times reported.", "Jane Roe"),
        # "certain to" and "sure to" are hedges on their subject, not a belief it holds.
        ("Jane Roe is certain to win the vote in June.", "the author"),
        ("Acme Party is sure to win the vote, which will probably come in June.", "the author"),
        # "X's office", not "s office".
        ("Acme's office said the talks will probably resume in June.", "Acme's office"),
    ],
)
def test_agency_forms_hostile(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


# Part 3: a feature's forms, again from a probe of made-up sentences.
_CALM = "Markets were calm.\n\n"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # The short sentence after a forecast names its source.
        ("Rates will probably fall in June. That's the view of Jane Roe, an economist at Acme.", "Jane Roe"),
        ("Rates will probably fall in June. That's according to Jane Roe, an economist at Acme.", "Jane Roe"),
        ("Rates will probably fall in June. So says Jane Roe, an economist at Acme.", "Jane Roe"),
        ("Rates will probably fall in June. At least that is what Jane Roe, an economist at Acme, thinks.", "Jane Roe"),
    ],
)
def test_the_sentence_after_names_the_source(text: str, speaker: str) -> None:
    candidates = extract(_CALM + text).candidates
    assert candidates[0].speaker.name == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Jane Roe is among those who think rates will probably fall in June.", "Jane Roe"),
        (
            "Jane Roe spoke first.\n\nRoe's colleague John Doe agrees, saying rates will probably fall in June.",
            "John Doe",
        ),
        ("Jane Roe said rates had peaked.\n\nJohn Doe agrees. Rates will probably fall in June, he said.", "John Doe"),
        ("An economist who asked not to be named said rates will probably fall in June.", "An economist"),
        ("John Doe at Acme Capital expects rates will probably fall in June.", "John Doe"),
        ('"Rates will probably fall in June," John Doe at Acme Capital said.', "John Doe"),
    ],
)
def test_feature_forms(text: str, speaker: str) -> None:
    assert _last_speaker(_CALM + text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # What was said is no source: "June" is not a speaker of ", said rates will ... June".
        ("The economist, who asked not to be named, said rates will probably fall in June.", "economist"),
        # "agreed to" is a plan (a hedge), not agreeing with what someone said.
        ("Jane Roe and John Doe agreed to meet again, which will probably happen in June.", "the author"),
        # A short sentence after a forecast that names nobody leaves it alone.
        ("Rates will probably fall in June. That's what happens when inflation cools.", "the author"),
    ],
)
def test_feature_forms_hostile(text: str, speaker: str) -> None:
    candidates = extract(_CALM + text).candidates
    assert speaker in candidates[0].speaker.name


# Part 4: headlines and the views of groups, from a third probe.
@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Rates likely to fall in June: IMF\n\nMarkets were calm.", "IMF"),
        ("Conservatives clear favourites to win the election: bookmakers\n\nMarkets were calm.", "bookmakers"),
        ("The Fed is widely expected by analysts to cut rates in June.", "analysts"),
        ("The Fed will likely cut rates in June, in the view of most analysts.", "most analysts"),
        ("The consensus among analysts is that the Fed will likely cut rates in June.", "analysts"),
        ("Economists' consensus is that the Fed will likely cut rates in June.", "Economists"),
    ],
)
def test_headline_tail_and_group_views(text: str, speaker: str) -> None:
    assert extract(text).candidates[0].speaker.name == speaker


@pytest.mark.parametrize(
    "text",
    [
        # A label after the colon is no source.
        "Rates likely to fall in June: Analysis\n\nMarkets were calm.",
        # A headline with its own source keeps it ("Most economists expect X: survey").
        "Most economists expect the Fed to cut rates in June: survey\n\nMarkets were calm.",
        # A passive agent that is no group of people.
        "The Fed is widely expected by June to cut rates again.",
    ],
)
def test_headline_tail_and_group_views_hostile(text: str) -> None:
    name = extract(text).candidates[0].speaker.name
    assert name in ("the author", "Most economists"), name


# Part 5: kinds seen in corpus-i's misses (a fresh tune batch), stated as constructions.
@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # The owner of a document named after it.
        (
            "Flu activity will likely peak in February, according to the latest forecast from the Acme Institute.",
            "Acme Institute",
        ),
        ("Rates will probably fall in June, according to a statement from the RBA.", "RBA"),
        # A headline in title case: its verb of saying in capitals.
        ("Acme Expects Flu to Peak in February and March\n\nMarkets were calm.", "Acme"),
        ("Economists Say Fed Will Likely Cut Rates\n\nMarkets were calm.", "Economists"),
        # An outlet or a report relays; the source it names speaks.
        (
            "The Acme Journal reported that the economists surveyed said the chances of a recession were 61%.",
            "the economists surveyed",
        ),
    ],
)
def test_owners_headlines_and_relays(text: str, speaker: str) -> None:
    assert extract(text).candidates[0].speaker.name == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A headline's participle is a passive with its copula dropped, not a verb of saying.
        ("Budget Deal Expected To Advance In Senate\n\nMarkets were calm.", "the author"),
        # A verb in a relative clause of a headline has no source of the line as its subject.
        ("Acme Set for Victory in Poll That Many Believe Will Not Be Fair\n\nMarkets were calm.", "the author"),
        # An outlet that relays nothing else stays the source.
        ("The Acme Journal reported that rates will probably fall in June.", "Acme Journal"),
    ],
)
def test_owners_headlines_and_relays_hostile(text: str, speaker: str) -> None:
    assert extract(text).candidates[0].speaker.name == speaker
