"""Speaker rules for sources that do not say anything or are not named as a person: bookmakers' odds,
shares of a poll, reports, an organisation's role, a headline's unnamed expert. Texts are made up."""

from __future__ import annotations

import pytest

from tracker.extract import extract


def _last_speaker(text: str) -> str:
    candidates = extract(text).candidates
    assert candidates, text
    return candidates[-1].speaker.name


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Bookmakers have the incumbents as odds-on to win the most seats.", "Bookmakers"),
        ("Acme Bets have the challenger at odds of 5/1 to win the vote.", "Acme Bets"),
        ("Betting chain Acme Bets now has a recount at odds of 1/8 this year.", "Acme Bets"),
        (
            "Rival bookmakers were offering short odds on a hung parliament, with the vote too close to call.",
            "Rival bookmakers",
        ),
        ("85 percent said they expected the central bank to cut rates next week.", "85 percent"),
        (
            "Respondents to a June survey said they expected officials will cut rates in September.",
            "Respondents to a June survey",
        ),
        ("Investors, who are betting that the easing will start in July, are likely to be disappointed.", "Investors"),
        ("Economists also roundly rejected the possibility the bank will cut by half a point.", "Economists"),
        ("Acme's managing director said home prices may well continue to fall next year.", "Acme's managing director"),
        ("The deal is likely to be signed in September, according to newspaper La Gaceta.", "newspaper La Gaceta"),
        (
            "Two seats are expected to change hands next year, according to the online panel data.",
            "the online panel data",
        ),
        (
            "Most economists expected the bank to cut rates next week, according to a survey released on Friday.",
            "Most economists",
        ),
    ],
)
def test_sources_that_state_a_probability(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Most analysts polled by Acme News expect a cut next month.", "Most analysts polled by Acme News"),
        ('"Growth will probably slow next year," the ministry said in a statement.', "the ministry"),
        ("Markets are pricing in a 70% chance of a cut in June.", "Markets"),
        ("Polls show the opposition is likely to win next year.", "Polls"),
        ("Moody's warned that the rating could be cut next year.", "Moody"),
        ("Officials in the capital fear the army could attack within weeks.", "Officials in the capital"),
        ("US intelligence believes an invasion is likely within weeks.", "US intelligence"),
        ("The government expects growth to slow next year.", "The government"),
    ],
)
def test_institutions_and_groups_with_modifiers(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


def test_a_possessive_before_a_noun_is_no_speaker() -> None:
    assert _last_speaker("Roe's party will probably win next year.") == "the author"


def test_odds_verbs_need_an_odds_cue() -> None:
    """ "Acme Corp has ..." is no attribution unless the sentence states odds or a chance."""
    assert _last_speaker("Acme Corp has a plan that will probably work next year.") == "the author"


def test_a_capitalised_common_noun_before_an_odds_verb_is_not_a_source() -> None:
    assert _last_speaker("Home prices have a 60% chance of falling next year.") == "the author"


def test_a_report_speaks_for_the_organisation_named_before() -> None:
    text = (
        "Sales will grow again this year, according to Acme Research's preliminary forecast. "
        "The new forecast predicts shipments will total 300 million units in 2030."
    )
    assert _last_speaker(text) == "Acme Research"


def test_a_report_without_a_named_source_is_the_report() -> None:
    text = "Analysts are gloomy. The model expects the share of undecided voters to drop next month."
    assert _last_speaker(text) == "The model"


def test_it_is_not_a_plural_group() -> None:
    """ "It predicts" after "Experts said ..." cannot be the experts."""
    text = "Experts said the worst was over. It predicts 4,000 more cases will follow by the end of the year."
    assert _last_speaker(text) == "the author"


def test_a_headlines_unnamed_expert_is_the_first_person_named() -> None:
    text = (
        "Robots could take most jobs within a decade, expert says\n\n"
        "Jane Roe, a professor of robotics, said the change would be fast."
    )
    assert extract(text).candidates[0].speaker.name == "Jane Roe"


def test_an_unnamed_expert_stays_unnamed_when_nobody_is_named() -> None:
    text = "Robots could take most jobs within a decade, expert says\n\nNo one else was asked."
    assert extract(text).candidates[0].speaker.name == "expert"


def test_a_role_between_name_and_verb_after_a_quotation() -> None:
    text = '"We have a plan," Jane Roe, the director of legislative affairs, said. "I am sure there will be drama."'
    assert _last_speaker(text) == "Jane Roe"


def test_they_mid_sentence_is_the_group_named_before() -> None:
    text = (
        "Bookmakers said the race was open. "
        "However, on a coalition, they reckon a minority government is the most likely outcome."
    )
    assert _last_speaker(text) == "Bookmakers"


@pytest.mark.parametrize(
    "text",
    [
        "according to " * 400 + "x.",
        "Bookmakers have " * 300 + "odds 1/2.",
        "85 percent " * 300 + "said.",
        ", expert says" * 300,
    ],
)
def test_hostile_repetitions_end(text: str) -> None:
    extract(text)  # no catastrophic backtracking: each pattern is bounded (the linear-time test times it)


# ------------------------------------------------------------------------------------------ polarity

FINDER_SENTENCES = [
    # (sentence, P(event) side: 1 above a half, -1 below)
    ("Economists roundly rejected the possibility the bank will cut rates by half a point.", -1),
    ("The group dismissed the idea that the president would move to fire the chairman.", -1),
    ("The group dismissed the idea that the president will move to fire the chairman.", -1),
    ("Ministers will not rule out the possibility of talks, and a deal will probably follow next year.", 1),
    ("It is considered more likely to happen than not.", 1),
    ("The polls suggest it is likely to be a narrow victory for No next week.", 1),
    ("No deal is likely before the summit next week.", -1),
    ("We don't see prices rising any time soon.", -1),
    ('She rates the chance of a deal at "better than 50 percent" this year.', 1),
    ("The chance of a deal is less than 50 percent this year.", -1),
    ("The odds of a deal are little more than 50-50 this year.", 1),
    # A rejection that is itself negated, or in another clause, does not reverse the hedge.
    ("The alliance will never rule out the possibility that the country will probably join next year.", 1),
    ("Ministers dismissed the idea of talks, even if analysts think a deal is likely next year.", 1),
    ('Home prices may "well continue to fall" next year.', 1),
    ("Prices could well fall next year.", 1),
]


@pytest.mark.parametrize(("sentence", "side"), FINDER_SENTENCES)
def test_polarity_of_rejections_idioms_and_bounds(sentence: str, side: int) -> None:
    from tracker.domain.verbal import load_scale
    from tracker.extract import HedgeFinder

    reading = HedgeFinder(load_scale()).read(sentence)
    assert reading is not None, sentence
    assert (reading.p_event > 0.5) - (reading.p_event < 0.5) == side, (sentence, reading)


def test_exactly_fifty_without_a_bound_stays_even() -> None:
    from tracker.domain.verbal import load_scale
    from tracker.extract import HedgeFinder

    reading = HedgeFinder(load_scale()).read("The chance of a deal is 50 percent this year.")
    assert reading is not None and reading.p_event == 0.5


# ------------------------------------------------------------------------------- words that are no hedge


@pytest.mark.parametrize(
    "sentence",
    [
        "It depends on the political will of the government, the minister told the conference.",
        "Free will is a question for philosophers next year.",
        "I will say, though, that the fundamentals of the economy are strong.",
        "Our forecast model is updated with the results of the August poll.",
        "The plan raised risks of last-minute snags and differences in interpretation.",
        "Rates fell amid growing risks and uncertainties from trade tensions.",
        "This outlook is more optimistic than last month's, which showed a decline.",
    ],
)
def test_words_that_look_like_a_hedge_and_are_not(sentence: str) -> None:
    assert extract(sentence).candidates == (), sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "The bank will, however, cut rates next year.",
        "Asked whether prices would fall, she said they will.",
        "The government will act to cut spending next year.",
        "The ruling risks spiking tensions in the region next year.",
        "Analysts forecast a recession next year.",
        "The more confident investors are, the more likely a rally becomes next year.",
    ],
)
def test_the_same_words_as_a_hedge_stay(sentence: str) -> None:
    assert extract(sentence).candidates, sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "It will be important to watch the vote next year.",
        "This will be a great day for the city.",
        "That'll be very interesting to see.",
    ],
)
def test_an_evaluative_will_be_is_no_forecast(sentence: str) -> None:
    assert extract(sentence).candidates == (), sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "It will be difficult to pass the bill next year.",
        "It will be important, and rates will probably rise next year.",
        # Not the calendar ("will be held next year" is a schedule since polarity9): an outcome.
        "The vote will be won by the governor next year.",
    ],
)
def test_a_forecast_beside_an_evaluative_word_stays(sentence: str) -> None:
    assert extract(sentence).candidates, sentence


# Attribution as news reports write it (issue 22, third round): the source refers back to someone named
# before, stands after or around the sentence, or is a common noun. Each text is made up.
@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # "the economist", "the Health Secretary": a role or title refers back to the person given it.
        (
            "Rates will probably rise in June, Jane Roe, an economist at Acme Research, said. "
            "The economist said wages will likely keep rising next year.",
            "Jane Roe",
        ),
        (
            "Health Secretary Jane Roe said vaccines will probably be ready by May. "
            "The Health Secretary said she expects approval within weeks.",
            "Jane Roe",
        ),
        # A surname alone, and then a pronoun, are the person the text named in full, even as no speaker.
        (
            "John Smith of the Acme Party spoke in Leeds. Smith said he was confident he would win. "
            '"We will be victorious in the runoff," he said.',
            "John Smith",
        ),
        # A stray comma between a name and its verb; but ", said NAME" keeps the name after the verb.
        ("Acme University professor Jane Roe, said support will likely remain fluid until election day.", "Jane Roe"),
        (
            "A vaccine could be available by early April, said U.S. Health and Human Services Secretary (HHS) "
            "Jane Roe Thursday.",
            "Jane Roe",
        ),
        # "the party's number two, John Roe, said": the name set off in commas.
        ("More amendments are expected to be proposed, the party's number two, John Roe, said.", "John Roe"),
        # A plural common noun as the subject, with or without a modifier.
        ("U.S. senators said they expect the bill will probably pass this week.", "U.S. senators"),
        ("The senior officials accompanying Smith to Geneva said more talks may be needed.", "officials"),
        ("Growth is expected to slow to 2% next year, those polled said.", "those polled"),
        # The attribution closing a sentence over the "according to" opening it.
        ("According to the Acme agency, a tight race seems likely, experts predicted.", "experts"),
        # Before a colon, the subject of any verb.
        (
            'But a senior Western diplomat summed up the outlook: "This meeting will probably produce little."',
            "diplomat",
        ),
        # A quotation without an attribution of its own, after its speaker's sentence.
        (
            "Jane Roe, another analyst, concurred, saying turnout would stay high. "
            '"This will not necessarily be true of the runoff."',
            "Jane Roe",
        ),
        # Two attributions in one sentence: the main clause's.
        ("While Jane Roe thinks a deal is likely, John Smith said talks will probably fail.", "John Smith"),
        # "..., writes Acmeblatt.": one capitalised word closing the sentence.
        ("The president may fail to win a majority on Sunday, writes Acmeblatt.", "Acmeblatt"),
        # "the association", "the analytics company": the organisation named before.
        (
            '"Rates will likely hold next week," the national association of banks said in a report. '
            "Growth will also probably slow, the association added.",
            "national association of banks",
        ),
        (
            "Acmescore currently forecasts that the incumbent will win. "
            "The analytics company also predicts that a runoff is likely.",
            "Acmescore",
        ),
    ],
)
def test_attribution_as_reports_write_it(text: str, speaker: str) -> None:
    assert speaker in _last_speaker(text)


@pytest.mark.parametrize(
    "text",
    [
        # A plural noun before a participle is no speaker.
        "Home prices expected to rise next year will probably squeeze buyers.",
        # A month before ", said" is no name.
        "The deal will probably be signed by early April, said officials close to the talks.",
    ],
)
def test_words_that_look_like_a_source_and_are_not(text: str) -> None:
    name = _last_speaker(text)
    assert "prices" not in name and "April" not in name


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # Single quotation marks, and the name after the publication's in ", said ACME website's NAME".
        (
            "'The incumbent will probably win the election,' said Acmepolls website's Jane Roe, a statistician.",
            "Jane Roe",
        ),
        # "A senior U.S. army researcher said" in the lead is the person the article then names.
        (
            "A senior U.S. army vaccine researcher said a vaccine will probably be ready next year.\n\n"
            "Col. Jane Roe, director of the research program, told reporters the trials were going well.",
            "Jane Roe",
        ),
        # "The agency now calculates": the organisation named before.
        (
            "Acmebet calculates that the odds of a Smith victory are 15/8. The agency now calculates he has a 10 per "
            "cent chance of winning the runoff.",
            "Acmebet",
        ),
    ],
)
def test_attribution_in_more_house_styles(text: str, speaker: str) -> None:
    assert speaker in extract(text).candidates[0 if "army" in text else -1].speaker.name


def test_a_paragraph_ending_in_a_colon_introduces_the_passage_after_it() -> None:
    text = (
        "The Senate voted to end debate on the bill.\n\nThe Acme Herald reports:\n\n"
        "The bill will probably pass the Senate next week.\n\n"
        "Jane Roe said the House will probably wait until the fall."
    )
    speakers = [c.speaker.name for c in extract(text).candidates]
    assert speakers[0].endswith("Herald") and speakers[-1] == "Jane Roe"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('"Rates will probably rise next year" — Jane Roe, chief economist at Acme.', "Jane Roe"),
        ('Jane Roe spoke in Leeds.\n\n"Rates will probably rise next year" he said.', "Jane Roe"),
        ("Rates will probably rise next year, said Roe, who advises the government.", "Roe"),
        ("Rates will probably rise next year, an official familiar with the talks said.", "official"),
        ("Rates will probably rise next year, two people familiar with the matter said.", "people"),
        ("Rates will probably rise next year, Jane Roe of Acme University said.", "Jane Roe"),
    ],
)
def test_attribution_forms_of_wire_copy(text: str, speaker: str) -> None:
    assert speaker in _last_speaker(text)


def test_a_pronoun_prefers_who_spoke_last_over_who_was_named_last() -> None:
    text = (
        "John Smith of the Acme Party spoke in Leeds. Smith said he was confident. A poll by Jane Roe gave him 40%.\n\n"
        'Later, Smith said the runoff will be close. "We will probably win it," he said.'
    )
    assert _last_speaker(text) == "John Smith"


def test_it_after_an_institute_is_the_institute() -> None:
    text = (
        "A model from the Acme Institute for Road Safety Studies predicted 900 crashes a day. "
        "It predicts 41,000 more crashes will probably follow by the end of the year."
    )
    # The institution's whole name (seventh round; before it, its last words "Road Safety Studies").
    assert _last_speaker(text) == "Acme Institute for Road Safety Studies"


def test_a_name_in_an_opening_subordinate_clause_is_not_the_subject() -> None:
    text = (
        "Though Mr Smith has long led the polls in the United States, betting markets, considered by some more "
        "reliable, have consistently predicted that he will probably lose."
    )
    assert _last_speaker(text) == "betting markets"


def test_a_participle_of_saying_belongs_to_the_clauses_subject() -> None:
    text = (
        "However, Acme spokesperson Jane Roe tempered expectations for the talks, stating that she does not "
        "foresee any breakthrough and that a deal will probably take months."
    )
    assert _last_speaker(text) == "Jane Roe"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("In Jane Roe's view, rates will probably rise next year.", "Jane Roe"),
        ("Rates will probably rise next year, in Jane Roe's opinion.", "Jane Roe"),
        ("Jane Roe expects rates to rise. She also thinks inflation will probably stay high.", "Jane Roe"),
        ("Rates will probably rise next year, the U.N. envoy said.", "envoy"),
    ],
)
def test_views_adverbs_and_abbreviations(text: str, speaker: str) -> None:
    assert speaker in _last_speaker(text)


def test_he_after_a_one_word_name_that_spoke_is_that_name() -> None:
    assert _last_speaker("Azmi said rates will probably rise. He added that inflation will likely follow.") == "Azmi"
    # An organisation that spoke is no "he".
    assert _last_speaker("Democrats said the bill will pass. He added that it will likely be close.") == "the author"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Roe's view is that rates will probably rise next year.", "Roe"),
        ("Acme Research's report says rates will probably rise next year.", "Acme Research"),
        ("Rates will probably rise next year, a survey by Acme Research found.", "a survey by Acme Research"),
        ('"Rates will probably rise next year," the bank\'s governor, Jane Roe, said.', "Jane Roe"),
        ("Rates will probably rise next year — or so says Jane Roe.", "Jane Roe"),
        ("Rates will probably rise next year, reckons Jane Roe.", "Jane Roe"),
        ("Rates will probably rise next year, Jane Roe and John Doe of Acme wrote.", "Jane Roe and John Doe"),
    ],
)
def test_reports_owners_and_verbs_after_the_clause(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # Letters after a name are part of it, not an aside that ends the pattern.
        ("Jane Roe, M.D., added that rates will probably rise next year.", "Jane Roe"),
        ('"Rates will probably rise next year," Jane Roe, M.D., chief economist at Acme, said.', "Jane Roe"),
        ("The M.D. program will probably grow next year.", "the author"),
        # After a quotation, a verb of saying and an article name a source whatever its noun.
        ('"Prices will probably fall next year," said an OPEC delegate.', "an OPEC delegate"),
        ('"Prices will probably fall next year," said the.', "the author"),
        # "the Acme Daily" is a name, not the person who spoke before.
        (
            'Jane Roe, an analyst at Acme, says refineries will close next year.\n\n"Prices will probably rise in '
            'the spring," wrote the Acme Daily.',
            "the Acme Daily",
        ),
        # One source not named, whatever its noun, is who "he" is next.
        (
            "A non-OPEC delegate added that the market is weak. He believed that prices will probably not rise.",
            "A non-OPEC delegate",
        ),
        ("A cut expected in June will probably not come.", "the author"),
        # A definite role with no one given it is the person who spoke last; with no one, the role.
        ('"Jobs will go," said Jane Roe. The expert warned that robots will probably take jobs too.', "Jane Roe"),
        ("The expert warned that robots will probably take physical jobs too.", "the expert"),
        # A second verb of saying after "and" has the sentence's subject.
        ("Jane Roe appeared on a podcast and warned that AI could wipe out most jobs.", "Jane Roe"),
        ("Jane Roe is a professor. Roe appeared on a podcast and warned that AI could wipe out most jobs.", "Jane Roe"),
        ("An AI expert has warned that most jobs will probably vanish by 2030.", "An AI expert"),
        # A plural subject with a prepositional phrase after it; "but" is not part of it.
        (
            "Roe sought a deal on Monday, but leadership aides in both parties predicted the vote would occur soon.",
            "leadership aides",
        ),
        # Belief as a verb or an adjective.
        ("Still, some economists feel another cut is possible.", "some economists"),
        ("Federal officials are confident that a vaccine will be ready by December.", "Federal officials"),
        # "We’re" is no name (quotation marks typed as two apostrophes are not read as quotation marks).
        ("''We’re cautiously optimistic that vaccines will be available by December,'' Jane Roe said.", "Jane Roe"),
    ],
)
def test_attribution_by_position_not_by_noun(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


def test_a_paragraph_that_is_only_a_quotation_is_the_speaker_of_the_paragraph_before() -> None:
    text = 'Acme met on Monday. Jane Roe says refineries will close next year.\n\n"Prices will probably rise soon."'
    assert [(c.speaker.name, c.speaker.kind) for c in extract(text).candidates][-1] == ("Jane Roe", "person")
    # The author's paragraph introduces nobody.
    assert _last_speaker('Refineries will close next year.\n\n"Prices will probably rise soon."') == "the author"
    # A quotation that does not close its paragraph is not carried over by this rule.
    text = (
        'Acme met on Monday. Jane Roe says refineries will close.\n\n"Prices will probably rise soon." Cuts may '
        "well follow next year."
    )
    assert [c.speaker.name for c in extract(text).candidates] == ["Jane Roe", "the author", "the author"]


def test_a_sentence_after_a_closed_quotation_does_not_attribute_it() -> None:
    text = (
        "“Prices will be under pressure next year,” said an OPEC delegate adding that “prices will probably "
        "not reach $60.” Some analysts predict that 2017 might be better."
    )
    names = [c.speaker.name for c in extract(text).candidates]
    assert names == ["an OPEC delegate", "Some analysts"]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Further rate rise 'likely' says RBA\nThe bank kept rates on hold.", "RBA"),
        ("Senate Republicans: Tax bill 'probably' has votes to pass\nThe bill goes to a vote.", "Senate Republicans"),
        ("Exit Polls: Ruling Parties Likely To Retain Power\nCounting is on Sunday.", "Exit Polls"),
        # A topic before the colon is no source.
        ("Brexit: May's deal will probably fail\nThe vote is on Tuesday.", "the author"),
        # A sentence with its stop is no headline.
        ("Senate Republicans: the bill will probably pass.", "the author"),
    ],
)
def test_headline_sources(text: str, speaker: str) -> None:
    assert extract(text).candidates[0].speaker.name == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A second verb of saying after "and" or "but", past an opening phrase, an aside or any first verb.
        ("At its most recent meeting, the Fed left rates unchanged but forecast one more increase this year.", "Fed"),
        (
            "Jane Roe, speaking to the Acme Post, stuck close to her message and said inflation would probably dip.",
            "Jane Roe",
        ),
        # A possessive is not the subject ("the Fed's rate cuts ..., he argued, adding").
        (
            "However, the Fed's rate cuts won't go on forever, he argued, adding officials would likely signal a "
            "pause.",
            "the author",
        ),
        # "was quoted as saying" after a quotation.
        (
            'Jane Roe said rates were high.\n\n"Interest rates are going to have to increase," she was quoted as '
            "saying.",
            "Jane Roe",
        ),
        # A noun of expectation in the predicate is the subject's, when the subject is a person or a group.
        (
            "Jane Roe is the minister. Roe also held out the prospect that the sanctions could be lifted next year.",
            "Jane Roe",
        ),
        ("Senior officials have played down hopes of a cease-fire that could come within days.", "Senior officials"),
        ("Oil prices dented hopes that the economy will probably recover next year.", "the author"),
        ("Prime Minister Jane Roe faces a no-confidence vote that she will probably survive.", "the author"),
        # A source of odds with an aside, and "pegged".
        ("Acme Odds, a site that aggregates polls, pegged the chance of a win at 69 per cent.", "Acme Odds"),
    ],
)
def test_subjects_of_a_second_verb_and_of_an_expectation(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # Any plural noun before a verb that only a source has ("said"), not before "said to".
        (
            "Britain's major betting chains said the party will probably win the most seats.",
            "Britain's major betting chains",
        ),
        ("Home prices said to rise will probably fall next year.", "the author"),
        # A plural subject with an "including ..." aside.
        (
            "OPEC countries, including the cartel's major Gulf members, say that prices will not rise next year.",
            "OPEC countries",
        ),
    ],
)
def test_plural_sources_by_their_verb(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # An employer and a role noun between the verb and the name.
        ('"We do not expect demand to get better next year," said Acme analyst Jane Roe.', "Jane Roe"),
        # "The group" is the organisation that spoke before; "a small group" of those polled is not one.
        ("Acme said sales were weak. The group said it expected profits to fall next year.", "Acme"),
        (
            "The majority of those polled expect rates to hold, but a small group expect a rise before year-end.",
            "The majority of those polled",
        ),
        # A stop right after a quotation's closing mark ends its sentence: what follows is no attribution.
        (
            "Acme said sales “failed to reach the target level this year”. The company said profits will probably "
            "fall next year.",
            "Acme",
        ),
        # A share of people who expect, not the poll that shows them.
        ("The poll showed 57% of people expect a Labour majority after the election.", "57% of people"),
        # A paragraph labelled with a person's name, role and a colon is theirs; a topic before a colon is not.
        ("Jane Roe, senior economist, Acme Bank: I think a cut is unlikely. Inflation will probably rise.", "Jane Roe"),
        ("Brexit, the main issue, Tuesday: it will probably pass next week.", "the author"),
        # After an opening "According to X,", the sentence's own subject speaks.
        (
            "According to Acme News, a member of the delegation told reporters that a deal could come next week.",
            "a member of the delegation",
        ),
        # "optimistic" before a noun is no belief, and "Berl" of "Berlin" no name; "caution", "ruled out".
        (
            "Despite talks in Berlin and optimistic statements, experts caution that a ceasefire will probably not "
            "come this year.",
            "experts",
        ),
        ("London : Prime Minister Jane Roe on Saturday ruled out an election this autumn.", "Jane Roe"),
        # "are saying", "don’t see", and a capitalised "But" is not part of the subject.
        ("Israeli ministers are saying it is quite possible that no deal will be reached.", "Israeli ministers"),
        ("But two exit polls cited by the channel cast doubt on whether there will be a runoff.", "two exit polls"),
        ("Still, analysts don’t see the market shrinking soon, and it will probably grow.", "analysts"),
    ],
)
def test_employers_labels_and_subjects_after_an_opening_source(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # ", who said": a relative clause of saying after the name.
        (
            "The view is that of Acme Secretary-General Jane Roe, who told reporters on Tuesday that the army will "
            "probably not invade this year.",
            "Jane Roe",
        ),
        # A sentence adverb is no name; "more confident" after a copula is belief.
        (
            "Jane Roe spoke first. Nonetheless, Roe, a former envoy, is more confident that a ceasefire will come "
            "next year.",
            "Jane Roe",
        ),
        ("Nonetheless, the talks will probably resume next year.", "the author"),
        # "continues to expect".
        ("Acme Research continues to expect that the cartel will probably hold its cuts.", "Acme Research"),
        # A second quotation that only inherited the first's speaker yields to its own sentence's subject.
        (
            '"We are in the worst of it now," Jane Roe said. Rival Acme CEO John Doe commented that supply would '
            'be "probably very tight for months" next year.',
            "John Doe",
        ),
    ],
)
def test_relative_clauses_adverbs_and_inherited_quotations(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


def _speakers(text: str) -> list[str]:
    return [c.speaker.name for c in extract(text).candidates]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # The sentence right after one that reports a person, in the same paragraph, is that person's.
        (
            "Jane Roe, an economist at Acme Bank, said inflation had peaked. However, the bank is unlikely to "
            "raise rates again this year.",
            "Jane Roe",
        ),
        # Not past the next paragraph: a new paragraph with no attribution is the author's again.
        ("Jane Roe said inflation had peaked.\n\nThe bank is unlikely to raise rates again this year.", "the author"),
        # Only the next sentence: two sentences on, the paragraph is back in the author's words.
        (
            "Jane Roe said inflation had peaked. Prices rose in May. The bank is unlikely to raise rates again "
            "this year.",
            "the author",
        ),
        # A sentence with an attribution of its own keeps it.
        (
            "Jane Roe said inflation had peaked. John Doe said the bank is unlikely to raise rates this year.",
            "John Doe",
        ),
        # Only a person carries: a group or an organisation reporting is no speaker of the next sentence.
        ("Analysts said inflation had peaked. The bank is unlikely to raise rates again this year.", "the author"),
    ],
)
def test_a_reported_person_speaks_on_in_the_next_sentence(text: str, speaker: str) -> None:
    assert _last_speaker(text) == speaker


def test_a_reported_person_carries_once_not_along_a_paragraph() -> None:
    # Hostile: a long paragraph of unattributed hedged sentences after one report; only the first is carried,
    # and the carried speaker is never itself carried on.
    text = "Jane Roe said prices had peaked. " + "The bank is unlikely to raise rates this year. " * 200
    speakers = _speakers(text)
    assert speakers[0] == "Jane Roe"
    assert set(speakers[1:]) == {"the author"}
