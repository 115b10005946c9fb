"""The subject noun phrase of a verb of saying, belief or estimation as the speaker (issue 22, speakers6;
docs/extract.md, "The subject of the verb"). Texts are made up; each source case fails on the code before the
chunker, and the hostile ones (passives, event subjects, relatives, the author's own model) must keep the
author or the other source."""

from __future__ import annotations

import pytest
from test_extract_speakers import _last_speaker as _speaker

from tracker.extract.subjects import subject_of_verb


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # Lower-case groups as the subject of a verb of estimation or expectation.
        ("Several fund managers estimate the currency may weaken by next spring.", "Several fund managers"),
        (
            "The council meets in May, but almost nobody is expecting the councillors to approve the budget.",
            "almost nobody",
        ),
        ("Shipping brokers have been betting that freight rates will probably fall by the autumn.", "Shipping brokers"),
        ("Hedge funds see roughly a 40 percent chance of a default by December.", "Hedge funds"),
        # A source revising its own forecast.
        (
            "Regional bank planners lowered their growth forecast and will probably cut rates in May.",
            "Regional bank planners",
        ),
        # States of mind after a copula.
        (
            "Some senior port managers are now convinced that the strike is likely to last weeks.",
            "Some senior port managers",
        ),
        ("The ruling coalition is also confident of winning the vote on Friday.", "The ruling coalition"),
        ("Grain traders were broadly in agreement that the harvest will probably be late.", "Grain traders"),
        # Organisations, markets and owned reports.
        ("Acme swap markets give just a 12% chance of a hike in March.", "Acme swap markets"),
        ("The tanker cartel said it might trim shipments next quarter.", "The tanker cartel"),
        (
            "A Acme poll of shipbrokers showed freight rates were likely to rise next year.",
            "A Acme poll of shipbrokers",
        ),
        # A poll's share: the group it is of.
        ("A fifth of the panel forecast the merger will probably close by June.", "A fifth of the panel"),
        # A person's name before the organisation of its noun phrase.
        ("Jane Roe of currency research house Acme said a cut may come first.", "Jane Roe"),
        # Denied belief, markets pricing in, a negated auxiliary, a time between subject and verb.
        ("But none believes the vote will in fact be free and fair.", "none"),
        ("Financial markets on Wednesday priced in almost three rate cuts this year.", "Financial markets"),
        ("But markets are only pricing in a 10% chance of a cut tomorrow.", "markets"),
        ("Though the model doesn't think Roe is far ahead, it expects her to win narrowly.", "the model"),
        # A stance on a prospect, and a headline's state of mind without its copula.
        (
            "The host government has already downplayed chances of a deal at the summit this week.",
            "The host government",
        ),
        ("Harbour officials optimistic about deal with the union this week", "Harbour officials"),
        # The believer before the source that closes the sentence or the outlet that relays it.
        (
            "Some senior port managers are now convinced that the strike is likely to last weeks, union officials "
            "said yesterday.",
            "Some senior port managers",
        ),
        (
            "According to the Acme Post, senior port officials are afraid the new berth may not open before June.",
            "senior port officials",
        ),
        (
            "The board meets next week and John Doe, Chief Economist at Northfield Bank is not expecting a cut.",
            "John Doe",
        ),
    ],
)
def test_subject_of_the_verb_is_the_speaker(text: str, speaker: str) -> None:
    assert _speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # ", it said." closing a sentence: the organisation named last, as an opening "It said" is.
        (
            "Acme Research said demand was weak.\n\nHandset shipments this year are likely to drop 12 percent, it "
            "said.",
            "Acme Research",
        ),
        # After the verb: an employer, a role in lower case, then the person.
        ("Demand could improve relatively soon, said Acme Greater Asia chief economist Jane Roe.", "Jane Roe"),
        # "quoted X as saying": an unnamed source in lower case, a name set off in commas.
        (
            'The envoy, writing on Twitter, quoted a senior official from the ministry as saying a deal was "unlikely" '
            "by Sunday.",
            "a senior official from the ministry",
        ),
        (
            "A deal is expected soon, the port's chief negotiator, Jane Roe, was quoted by Acme as saying on Sunday.",
            "Jane Roe",
        ),
        # A report's forecast in the present perfect opens its passive forecasts after it.
        (
            "A recent poll conducted by Acme Research has predicted that the Green Party is almost certain to win."
            "\n\nThe party, led by Jane Roe, is projected to win 300 seats.",
            "Acme Research",
        ),
        # A document with its owner, a time between it and its verb; whose expectation a sentence states.
        (
            "Minutes from the board’s meeting in late July showed that directors could raise fees as early as "
            "September.",
            "Minutes from the board’s meeting",
        ),
        (
            "The port makes its announcement at noon, and the unanimous expectation among shippers is that fees will "
            "rise.",
            "shippers",
        ),
        # A source that releases its own forecast; an outlet's own words; a participle dated inside the subject.
        (
            "The central bank released its latest forecasts on Thursday that projected inflation would probably ease "
            "to 3 percent.",
            "The central bank",
        ),
        (
            "Officials met on Monday, and Acme state television said results were likely to be announced soon.",
            "Acme state television",
        ),
        (
            "Members of a Northfield Shipping Association survey released Monday still expect freight rates to fall "
            "by June.",
            "Members of a Northfield Shipping Association survey released Monday",
        ),
        # Two kinds of people as one subject, not one source not named.
        (
            "The chip shortage could last well into next year, industry executives and an economist said.",
            "industry executives and an economist",
        ),
        # A participle after "X said," is X's, not the sentence's first subject's.
        (
            'Major powers and Tehran are getting closer to a deal, a senior US official said, adding it is "quite '
            'possible" a deal could be reached this week.',
            "senior US official",
        ),
        # Verbs of saying after a quotation that news copy uses.
        ("‘The pool of buyers is set to increase,’ commented Jane Roe, head of research at Acme.", "Jane Roe"),
        # A name ends at a word's end: "Organization director" is no "Organizati" with "on director" after it.
        (
            "Prices will probably rise, a World Health Organization director said on Friday.",
            "a World Health Organization director",
        ),
    ],
)
def test_attributions_after_the_verb(text: str, speaker: str) -> None:
    assert _speaker(text) == speaker


def test_a_share_is_the_group_named_before() -> None:
    text = (
        "Freight economists polled by the Northfield Journal said the port was congested.\n\n"
        "The majority expect the port to reopen by June."
    )
    assert _speaker(text) == "Freight economists polled by the Northfield Journal"
    text = (
        "Freight economists polled by the Northfield Journal said the port was congested.\n\n"
        "Around 10% believe the port will probably reopen by June."
    )
    assert _speaker(text) == "Freight economists polled by the Northfield Journal"


@pytest.mark.parametrize(
    "text",
    [
        # Passives: the subject is what is forecast, not who forecasts.
        "The harbour authority is also expected to raise fees in June.",
        "Grain prices are seen rising next year as the drought deepens.",
        "Freight market projected to grow despite the port strike",
        "The ruling party is predicted to win a majority of the seats.",
        # An infinitive's subject is an object of the clause before it.
        "The bank may well cut again, which could nudge savers to expect lower returns next year.",
        # A relative or reported clause is not the sentence's attribution.
        "Acme Wins Vote in Poll That Many Believe Will Not Be Fair",
        # The author's own model, and a poll that only shows (no owner named): the reporter's data.
        "Our model expects the likeliest outcome to be a narrow win for the incumbent.",
        "Harbour exit polls indicate the ruling bloc will probably keep its majority",
        # A participle with no agent is no source's ("a poll conducted last week").
        "A poll conducted last week is likely to be revised.",
        # "priced in" only after a source: prices are what is priced.
        "Oil priced in dollars is likely to rise on Monday.",
    ],
)
def test_hostile_subjects_keep_the_author(text: str) -> None:
    assert _speaker(text) == "the author"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A closing source with no believer before it keeps the sentence; an outlet with no source inside too.
        ("The strike is likely to last weeks, union officials said yesterday.", "union officials"),
        ("Acme Post reported that the strike is likely to last weeks.", "Acme Post"),
        # A definite role quoted is left to the sentence's named subject.
        (
            "Jane Roe, director of the Acme port, told delegates that the strike will probably end soon, reported the "
            "Acme Post, who quoted the director as saying so.",
            "Jane Roe",
        ),
    ],
)
def test_the_other_source_is_kept(text: str, speaker: str) -> None:
    assert _speaker(text) == speaker


def test_the_chunker_reads_no_pronoun_or_event() -> None:
    assert subject_of_verb("I'll predict the incumbent to win.") is None
    assert subject_of_verb("Oil prices expected to rise") is None
    assert subject_of_verb("Why everybody thinks the bank will hold") is not None


def test_a_heading_between_a_source_and_its_quotations() -> None:
    quote = "\n\nKey quotes\n\n“We expect the cash rate to remain on hold, though a cut will probably follow in April.”"
    assert _speaker(
        "The board meets next week and Jane Roe, chief economist at Acme Bank, expects a pause." + quote
    ) == ("Jane Roe")
    # With no source before the heading, the quotation stays the author's.
    assert _speaker("The board meets next week and rates are expected to stay on hold." + quote) == "the author"


def test_a_transcript_name_and_colon_before_a_quotation() -> None:
    text = "Jane Roe: “It’s not inconceivable that the count could take two or three days.”"
    assert _speaker(text) == "Jane Roe"
    # A topic before the colon is no speaker.
    assert _speaker("Brexit: “It’s not inconceivable that the count could take two or three days.”") == "the author"
