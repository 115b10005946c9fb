"""Hedges in a sentence: the verbal scale's phrases and aliases, plus a few modal and future constructions
read as scale entries, and the polarity of the statement the hedge bears on.

A scale phrase's ``p`` is P(X), X being the hedged clause without the hedge's own negation (a negated entry
such as "X will not" gives P(X)). A negation left in X ("the board likely sees *no* reason to sell", "it is
unlikely that X *won't*") flips it: the extractor reports P(event), the event being X with that negation removed too.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from tracker.domain.verbal import Phrase, Scale, normalise_phrase

from .segment import clauses, inner_sentences, wordset

__all__ = ["Hedge", "HedgeFinder", "Reading", "governing_rank"]

Strength = Literal["estimative", "future", "modal", "belief"]

# Curly quotes and the ellipsis, as normalise_phrase reads them; kept one-to-one with offsets here.
_STRAIGHT = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"', "\u00ab": '"'}
_STRAIGHT["\u00bb"] = '"'
# The same one-to-one as a translation table, with commas as spaces; _SPACES then folds runs of whitespace.
_FLAT = str.maketrans({**_STRAIGHT, ",": " "})
# Whitespace that folding shortens: a run of two or more, or any at the start. Single whitespace characters
# other than a space become one.
_FOLDED = re.compile(r"^\s+|\s{2,}|[^\S ]")

# Scale entries that only say "this may be so": low information, often not a forecast at all.
_MODAL_ENTRIES = frozenset({"may", "can be", "maybe", "possibly"})
# Flat future assertions.
_FUTURE_ENTRIES = frozenset({"will", "will not", "will definitely", "of course ... will"})
# Verbs of belief: as often an attribution ("experts believe that ...") as a hedge.
_BELIEF_ENTRIES = frozenset({"believe", "expect"})

# Generic English constructions that are not on the scale, each read as a scale entry. ``flip``: the
# construction says the opposite of the entry ("would be surprised if X" is the entry "... if X not" reversed).
# A stated number outranks any phrase it overlaps ("a 60% chance" is not the scale's "chance").
_STATED_TOKENS = 20
# "expectations ... are low", "the chances of X are super slim", "prospects remain dim": a noun of prospect, a
# copula and an adjective of size. The adjective says the reading, the noun only that it is a prospect.
# "optimism about a deal remains low": the hope for an outcome, sized as expectations are.
_PROSPECT = r"(?:expectations|hopes|chances|chance|odds|prospects|prospect|likelihood|probability|optimism)"
_COPULA = r"(?:are|is|were|was|remain|remains|remained|look|looks|seem|seems|appear|appears)"
_INTENSIFIER = r"(?:(?:very|super|extremely|pretty|fairly|rather|quite|vanishingly|increasingly|now|still) )?"
# "are probably slim", "are close to zero": a judgement or an approximation before the size, which still says it.
_ROUGHLY = r"(?:(?:probably|likely|almost|virtually|practically|effectively|basically|essentially|nearly|close to|near|"
_ROUGHLY += r"next to|as good as) )?"
_LOW_EXPECTATIONS = (
    rf"{_PROSPECT}(?: \S+){{0,8}}? {_COPULA} {_ROUGHLY}{_INTENSIFIER}{_INTENSIFIER}"
    r"(?:low|dim|slim|modest|remote|small|slender|poor|negligible|minimal|nil|zero|bleak|not (?:very |so |too |that )?"
    r"(?:promising|encouraging|good|bright|great|high))"
    # "slim to none": the range's "none" is the size, not a negation of the clause.
    r"(?: to (?:none|nil|zero|nothing))?"
)
_HIGH_PROSPECTS = rf"{_PROSPECT}(?: \S+){{0,6}}? {_COPULA} {_INTENSIFIER}(?:high|good|strong|excellent|bright)"
# A headline drops the copula: "Likelihood of Runoff Slim", "Chances of a deal remote as talks stall". The
# adjective then ends the phrase ("chances of a slim majority" is not it).
_SMALL_ADJ = r"(?:low|dim|slim|remote|slender|negligible|minimal|nil|bleak|distant)"
_PHRASE_END = r"(?=\s*(?:$|[.;:!?\"]|(?:despite|as|after|amid|but|and|with)\b))"
_LOW_NO_COPULA = rf"{_PROSPECT}(?: \S+){{1,6}}? {_INTENSIFIER}{_SMALL_ADJ}(?: to (?:none|nil|zero))?{_PHRASE_END}"
# "chances ... seen fading", "the prospect of a rate cut is diminishing": a prospect said to shrink is read as
# low (reporters write it of what they no longer expect).
_FADING = (
    rf"{_PROSPECT}(?: \S+){{0,8}}? (?:(?:{_COPULA}|seen|now|further|appeared to|appear to|appears to|seem to|"
    r"seems to|seemed to) )*(?:fading|fade|faded|fades|dwindling|dwindled|diminishing|diminished|receding|receded|"
    r"evaporating|evaporated|vanishing|waning|shrinking|dimming|slipping away)"
)
# "a ceasefire remains distant", "breakthrough out of reach": the thing itself said to be far away.
_FAR = r"(?:distant|a distant prospect|a remote prospect)"
_FAR_AWAY = (rf"{_COPULA} (?:still |now )?{_FAR}", rf"still {_FAR}", r"out of reach")
# "no special expectations", "few expectations": expectations denied outright.
_NO_EXPECTATIONS = r"(?:no|few|low|modest|limited) (?:\S+ )?expectations"
_REPORTING = (
    r"(?:said|says|say|told|expects|expected|believes|believed|thinks|thought|predicted|warned|argued|insisted|"
    r"estimated|vowed|vows|pledged|pledges|promised|promises|announced|declared|stated|assured|signalled|signaled"
    r"|saying|adding|asserting|asserted|insisting|warning|arguing|claiming|claimed|noting|noted|stressing|stressed"
    r"|suggested|suggests|suggesting|indicated|indicates|hinted|hints"
    r"|warn|warns|predict|predicts|reckons|reckoned"
    # Words that are also an adjective or a noun ("the projected surplus would vanish", "the forecast would be
    # revised") only with what a verb takes after it.
    r"|projected that|projected an|projected a|projected the|projects that|projecting that|forecast that"
    r"|forecasts that|estimates that)"
)
_REPORTED_WOULD = _REPORTING + r"(?: \S+){0,8}? would"
# "went on to warn that even if the city fell, the group would remain a threat": a condition between the report
# and its "would" is the forecast's own, not a gap too long ("if it had passed, it would have been" is past; the
# clause is read without its commas, so the condition's length is bounded instead).
_REPORTED_WOULD_IF = _REPORTING + r"(?: \S+){0,3}? (?:if|once|unless)(?: \S+){1,18}? would(?! have)"
# "which in our view would engineer a recession": the speaker's own view stated before "would".
_VIEW_WOULD = r"in (?:our|my|his|her|their) view,? would"
_NSP = "no scale phrase: read as the nearest entry; check the reading"
_CONSTRUCTIONS: tuple[tuple[str, str, bool, Strength, str], ...] = (
    (r"(?:is|are|was|were) (?:all )?set to", "will", False, "future", "a scheduled or announced plan"),
    (r"(?:is|are) (?:poised|bound|due|about|on track|slated|scheduled) to", "will", False, "future", "a plan"),
    (r"(?:is|are|was|were) (?:\w+ )?(?:favored|favoured) to", "likely", False, "estimative", _NSP),
    # "Inflation is expected to hit the target later this year", "a summit is expected soon": the passive has no
    # believer to attribute; its subject is the event and the phrase is the forecast itself, ranked as "is set to"
    # is (a flat future), so that a "could" or "may" elsewhere in the sentence does not take its reading. In the
    # present only ("was expected to" is often a past expectation).
    (
        r"(?:is|are|'s|'re|remains|remain) (?:(?:widely|also|now|still|generally|broadly) )?(?:expected|forecast|"
        r"projected|predicted|anticipated)(?= to | soon\b| (?:in|by|next|later|this) )",
        "expect",
        False,
        "future",
        "",
    ),
    (
        r"(?:expects?|expected|expecting|anticipates?|anticipated|anticipating|predicts?|predicted|predicting|"
        r"forecasts?|forecasting)",
        "expect",
        False,
        "belief",
        "",
    ),
    (
        r"(?:would|'d|i'd|we'd|they'd|he'd|she'd|you'd) be (?:very |quite |most |really )?surprised if",
        "negated: surprised",
        True,
        "estimative",
        "the reverse of the scale's negated 'surprised' entry",
    ),
    (
        r"(?:not sure|unsure|uncertain) (?:whether|if|about|of|how|what|when|who|why)",
        "still unclear",
        False,
        "estimative",
        "",
    ),
    (r"uncertain (?:that)?", "still unclear", False, "estimative", ""),
    # "he was 'not sure' the ceasefire would last", "I'm not sure that rates will rise": a doubt voiced about the
    # statement leans against it, as "possibly" does; "not sure whether / if" leaves it open (above).
    (
        r"(?:not sure|unsure)(?! (?:whether|if|about|of|how|what|when|who|why)\b)(?: that)?",
        "possibly",
        False,
        "estimative",
        "'not sure' X: a doubt voiced about the statement, read as leaning against it",
    ),
    (
        r"(?:is|are|was|were|am) (?:\w+ )?(?:ready|prepared|willing|determined|intending|planning) to",
        "will",
        False,
        "modal",
        'an intention or readiness stated as fact, read as "will"',
    ),
    (
        r"(?:plans?|planned|intends?|intended|agreed|agrees|promised|promises|vowed|vows|pledged|pledges) to",
        "will",
        False,
        "modal",
        'an intention or agreement stated as fact, read as "will"',
    ),
    (
        r"(?:in sight|on the horizon|in the cards|on the cards|on a glide path|on a glidepath)",
        "will",
        False,
        "modal",
        "an idiom of prospect",
    ),
    # "we'll", "it'll": "will" contracted onto its subject.
    (
        r"(?:i'll|we'll|you'll|he'll|she'll|it'll|they'll|that'll|there'll|who'll|this'll)",
        "will",
        False,
        "future",
        "",
    ),
    (r"(?:inevitabl[ey]|only a matter of time|a matter of time)", "almost certain", False, "estimative", ""),
    # "it is just a matter of days before they quit": the event near and sure, as "a matter of time".
    (
        r"(?:only|just|merely) a (?:matter|question) of (?:days|weeks|months|hours)",
        "almost certain",
        False,
        "estimative",
        _NSP,
    ),
    # "it is just a question of time before prices fall": as "a matter of time" (not "not a question of if").
    (r"(?:only a question of time|just a question of time)", "almost certain", False, "estimative", ""),
)

# Forms reporters write that the scale has no phrase for, by the entry each is read as: marked "no scale
# phrase" in the draft, for the reviewer to confirm.
# The sides an election rating names: "leans Republican", "tilting toward the Democrats".
_SIDES = (
    r"(?:republicans?|democrats?|democratic|gop|labour|labor|tories|tory|conservatives?|liberals?|opposition"
    r"|incumbents?|challengers?)"
)
# Verbs of a figure's change, after "to": "estimates sales to top 4 million".
_CHANGE = (
    r"(?:top|reach|hit|exceed|surpass|rise|grow|climb|fall|drop|decline|double|triple|jump|increase|decrease"
    r"|shrink|slow|ease|fall|plunge|soar|surge|slump)"
)
# Outcomes that signs, polls or surveys point to.
_OUTCOME = r"(?:victory|win|defeat|loss|recession|slowdown|rebound|recovery|cut|hike|majority|landslide|runoff)"
_TO_WIN = r"(?:win|take|secure|clinch|capture|claim|retain|keep|hold|form)"
_UNSCALED: tuple[tuple[str, Strength, tuple[str, ...]], ...] = (
    ("expect", "belief", (r"(?:foresee|foresees|foresaw|projected to|projects|projecting|forecast to)",)),
    # "respondents also see inflation remaining above 4%", "analysts see rates falling next year": "see" with an
    # object and a verb of change or outcome is a view of what will happen (not "seeing", a perception now).
    (
        "expect",
        "belief",
        (
            r"(?:see|sees) (?:[\w$%.,'-]+ ){1,6}?(?:rising|falling|remaining|reaching|hitting|easing|staying|climbing|"
            r"dropping|peaking|slowing|growing|declining|increasing|returning|rebounding|recovering|winning|losing|"
            r"cutting|raising|hiking|lowering|holding|gaining|shrinking|expanding|contracting|widening|narrowing|"
            r"accelerating|tightening|softening|weakening|strengthening|improving|worsening|stabili[sz]ing|"
            r"averaging|ending|finishing|topping)",
        ),
    ),
    # Wire copy's passive of the same view: "the euro is seen rising next year", "the bank is widely seen cutting
    # rates in June" (a copula or an adverb before it: "was seen leaving the building" is a perception).
    (
        "expect",
        "belief",
        (
            r"(?:is|are|was|were|now|widely|still|also) seen (?:as )?(?:averaging|topping|finishing|rising|falling|"
            r"remaining|reaching|hitting|easing|"
            r"staying|climbing|dropping|peaking|slowing|growing|declining|increasing|returning|rebounding|recovering|"
            r"winning|losing|cutting|raising|hiking|lowering|holding|gaining|shrinking|expanding|contracting|"
            r"widening|narrowing|accelerating|tightening|softening|weakening|strengthening|improving|worsening|"
            r"ending|stabili[sz]ing)",
        ),
    ),
    # "Smith is tipped to win", "the front-runner for the nomination", "a shoo-in for the seat": the one expected
    # to win, as "favourite to" is.
    (
        "likely",
        "estimative",
        (
            r"(?:tipped to|front-runner to|front-runner for|frontrunner to|frontrunner for|front runner to|"
            r"front runner for|shoo-in|shoo in for)",
        ),
    ),
    # The favourite named without "to": "Trump has been favourite", "calling Smith the favourite", "is now the
    # clear favourite for the nomination", "remains the slight favorite" (after a copula or a verb of naming; "my
    # favourite", "the favourite son", "the favourite of children" are a liking).
    (
        "likely",
        "estimative",
        (
            r"(?:is|are|was|were|been|being|remains|remain|remained|calling \S+|called \S+|named|makes \S+|make \S+)"
            r" (?:(?:now|still|also|already|the|a|seen as|as) ){0,3}(?:\w+ )?(?:favourites?|favorites?)"
            r"(?! (?:of|son|sons|daughter|child|food|foods|dish|song|songs|book|books|film|films|toy|pastime|subject"
            r"|game|games|team|place|places|colou?r|word|thing|things|brand|spot)\b)",
        ),
    ),
    # Election ratings' jargon for the side a race is rated to go: "a slight lean toward Smith", "a lean to the
    # Republican candidates", "Utah also leaning in her favour", "a tilt toward the opposition", "leans
    # Democratic"; and the one placed to win, "appears to be in a strong position to win". The noun only
    # after its article ("a lean year", "lean meat", "a lean-to" are not ratings); the verb only with a side or
    # "in X's favour" after it ("leaned toward the window" is a posture).
    (
        "likely",
        "estimative",
        (
            r"an? (?:\w+ )?(?:lean|tilt) (?:toward|towards|to|for)",
            r"(?:leaning|leans|leaned|tilting|tilts|tilted) (?:\w+ )?in (?:his|her|their|its|\S+'s) (?:favor|favour)",
            rf"(?:leaning|leans|leaned|lean|tilting|tilts|tilted) (?:toward |towards )?(?:the )?{_SIDES}",
            rf"in (?:a |the )?(?:(?!no\b)\w+ )?position to {_TO_WIN}",
        ),
    ),
    # "He is in no position to win the race": the place denied.
    ("unlikely", "estimative", (rf"in no position to {_TO_WIN}",)),
    # Idioms of the odds that wire copy and columns use: "the odds are against a deal", "a long shot", "an outside
    # chance" (a small one); "a near certainty", "virtually assured", "doomed to fail"; "all signs point to a cut";
    # "a distinct possibility" (as the scale's "a real possibility"); "poised for a win" after a copula (as "set for").
    ("unlikely", "estimative", (r"(?:odds are against|odds are stacked against)",)),
    # Not "took a long shot from outside the box": a copula or "has" before it.
    (
        "unlikely",
        "estimative",
        (
            r"(?:is|are|was|were|'s|'re|remains|remain|looks|look|seems|seem|has|have|had|stands|stand) (?:still |now |"
            r"only |just )?(?:a long shot|a longshot|an outside chance)",
        ),
    ),
    (
        "almost certain",
        "estimative",
        (
            r"(?:a near certainty|a near-certainty|a virtual certainty|virtually assured|virtually guaranteed|"
            r"doomed to|destined to)",
        ),
    ),
    ("likely", "estimative", (r"(?:all signs point to|all the signs point to|every sign points to)",)),
    ("realistic possibility", "estimative", (r"(?:a distinct possibility|a very real possibility)",)),
    ("will", "future", (r"(?:is|are|'s|'re|looks|look|seems|seem|appears|appear) (?:now |all )?poised for",)),
    # "investors are bracing for a cut", "markets were braced for a recession": an outcome prepared for is expected.
    # Not "time to start bracing for it" (advice): a copula before it.
    ("expect", "belief", (r"(?:is|are|was|were|'s|'re) (?:now |already |still )?(?:bracing|braced) for",)),
    # A figure or outcome projected by a present verb with its object: "the consultancy estimates sales to top 4
    # million in 2027" (the verb is also a noun, "estimates of growth", so only with an infinitive of change
    # after its object), "analysts are modelling revenue of about 3 billion", "surveys are pointing to a narrow
    # win" (not "pointed to a chart": the progressive only, or a word of outcome after it), "officials are
    # warning of a second wave" (a danger foreseen; the labels read it above even).
    (
        "expect",
        "belief",
        (
            rf"(?:estimates|estimating) (?:\S+ ){{1,4}}?to {_CHANGE}",
            r"(?:is|are|were|was) (?:now |also |still )?(?:modelling|modeling) (?:\S+ ){0,4}?(?:of )?(?:about |around "
            r"|roughly |some )?\$?\d[\d.,]*",
            rf"(?:pointing|points|point|pointed) to (?:a|an|the) (?:\S+ ){{0,2}}?{_OUTCOME}",
            r"(?:is|are|now|also|again|already) (?:\w+ )?warning of (?:a|an)",
            r"warns of (?:a|an)",
        ),
    ),
    # "markets priced in three quarter-point cuts", "the new forecasts imply that the cycle is over": what a
    # market's prices or a model's numbers expect ("prices in" is left out: "oil prices in Asia").
    ("expect", "belief", (r"(?:priced in|pricing in|imply that|implies that|implied that)",)),
    (
        "will",
        "future",
        (
            r"(?:set to|on track to|on track for|poised to|slated to)",
            r"(?:going to|gonna)",
            _REPORTED_WOULD,
            _REPORTED_WOULD_IF,
            _VIEW_WOULD,
        ),
    ),
    (
        "will",
        "future",
        (
            r"(?:on course to|on course for)",
            r"(?:is|are|was|were|'re|'s|am|be|appears|appear|looks|look|seems|seem) (?:\w+ )?(?:heading|headed) "
            r"(?:for|towards?)",
        ),
    ),
    ("unlikely", "estimative", (r"(?:little hope|no hope|slim hope|faint hope|scant hope|little prospect)",)),
    # "vaccine makers should know by December", "the bill should win support": "should" of what is
    # expected, read as likely (weak: a modal). Not "should have" (a past), nor "should be matched" (a passive
    # participle after it is what ought to be done).
    (
        "likely",
        "modal",
        (
            r"should (?!have\b)(?:\w+ )?(?:be(?! \w+(?:ed|en)\b)|see|know|win|pass|get|reach|come|fall|rise|remain|"
            r"return|continue|become|improve|ease|stay|slow|recover|stabili[sz]e|decline|drop|increase|grow|peak|"
            r"last|persist|moderate|pick up)",
        ),
    ),
    # "it's a possibility, but there's no certainty": a possibility named, not sized.
    ("possible", "estimative", (r"(?:is|it's|that's|remains|remain) (?:still )?a possibility",)),
    # "there is the possibility at least for us to meet", "there's still a possibility of a deal".
    ("possible", "estimative", (r"(?:there is|there's|there remains) (?:still |also )?(?:a|the|some) possibility",)),
    # "it really does look like his race to lose", "this is the 'no' campaign's to lose": the idiom of the favourite,
    # whose defeat alone would change the outcome (checked in _spurious: a possessive before it, nothing after).
    ("likely", "estimative", (r"(?:to lose)",)),
    # "it's very questionable as to whether the talks will take place": a doubt stated as a quality of the event.
    ("we doubt", "estimative", (r"(?:questionable|doubtful|dubious) (?:as to )?(?:whether|if|that)",)),
    # "the alliance will struggle to slow his progress", "is likely to struggle to win": a difficulty foreseen,
    # read against what follows it.
    ("unlikely", "estimative", (r"(?:will|would|'ll|to|going to) (?:\w+ )?(?:struggle|battle|strain) to",)),
    ("unlikely", "estimative", (_LOW_EXPECTATIONS, r"(?:hard to see|difficult to see|tough to see|hard to imagine)")),
    ("unlikely", "estimative", (_NO_EXPECTATIONS,)),
    # "there is no sign of a ceasefire", "Moscow shows little sign that it will back down": evidence of the event
    # denied, in the present ("with Moscow showing no sign of" in a past narrative is a report, not a forecast).
    (
        "unlikely",
        "estimative",
        (
            r"(?:is|are|there's|see|sees|show|shows) (?:still |yet |as yet )?(?:no|little|scant|few) "
            r"(?:real |clear |obvious )?signs? (?:of|that)",
        ),
    ),
    # "too early to expect a recovery", "premature to predict a rebound", "jumping the gun to anticipate": an
    # expectation called unwarranted, read against what is expected.
    (
        "unlikely",
        "estimative",
        (
            r"(?:too early|too soon|premature|jumping the gun|wishful thinking|unrealistic|naive|naïve|wrong|"
            r"a mistake|mistaken|unwise|foolish|misguided)"
            r"(?: for (?:us|me|them|you|anyone|investors|markets))? to "
            r"(?:expect|anticipate|predict|forecast|hope for|count on|bet on|talk of|talk about|assume)",
            # "I can't see the council approving it", "cannot imagine a deal this year": a prospect the speaker
            # cannot picture.
            r"(?:can't|cannot|can not|couldn't|could not) (?:really )?(?:see|imagine|envisage|envision|foresee)",
            # "the bank is not about to cut rates": the idiom of what will not happen soon.
            r"(?:is not|are not|isn't|aren't|am not|'s not|'re not|was not|wasn't) about to",
        ),
    ),
    # "I find it very hard to predict prices above $45": a prediction the speaker cannot make; not "hard to predict
    # who will win" (a question left open).
    (
        "unlikely",
        "estimative",
        (
            r"(?:hard|difficult|tough) to (?:predict|foresee|envisage|envision|believe|expect)"
            r"(?! (?:who|what|how|whether|when|which|where|if)\b)",
        ),
    ),
    ("likely", "estimative", (_HIGH_PROSPECTS,)),
    # "far less likely", "much less likely": the comparative without its "than" says the prospect is low.
    ("unlikely", "estimative", (r"(?:less likely|far less likely|much less likely|even less likely)",)),
    ("likely", "estimative", (r"(?:optimistic about)(?: \S+){0,6}? (?:chances|chance|prospects|prospect)",)),
    (
        "likely",
        "estimative",
        (
            r"(?:confident|optimistic) (?:about|of|that)",
            r"(?:odds-on|favourite to|favorite to|favourites to|favorites to)",
        ),
    ),
    ("likely", "estimative", (r"(?:more confident|more optimistic|very confident|fairly confident)",)),
    # The noun of the same stance, voiced: "the government has exuded confidence to defeat the motion", "voiced
    # confidence that a deal is near" ("confidence in his staff" is trust, "consumer confidence" a measure).
    (
        "likely",
        "estimative",
        (
            r"(?:expressed|expresses|expressing|voiced|voices|voicing|exuded|exudes|exuding) (?:\w+ )?confidence "
            r"(?:that|to|of|about)",
        ),
    ),
    # "growing pessimistic about a deal", "sceptical that talks will resume": the stance against the event.
    ("unlikely", "estimative", (r"(?:pessimistic|sceptical|skeptical) (?:about|of|that)",)),
    ("likely", "estimative", (r"(?:a good chance|a big hope|a fair chance|a decent chance)",)),
    # "has fairly good chances of working out", "the odds remained in his favour" (polarity9): the plural of the
    # good chance, and the odds said to favour a side as "odds favour" does.
    ("likely", "estimative", (r"(?:good chances|fairly good chances|very good chances|pretty good chances) of",)),
    (
        "likely",
        "estimative",
        (
            r"odds (?:(?!not\b|no\b|never\b)[\w,'-]+ ){0,8}?in "
            r"(?:his|her|their|its|[\w-]+'s|[\w-]+ [\w-]+'s) (?:favour|favor)",
        ),
    ),
    ("unlikely", "estimative", (r"(?:far off|a long way off)",)),
    ("likely", "estimative", (r"odds (?:now |still )?(?:favour|favor|favours|favors)",)),
    # "on the verge of passing", "all but guaranteed to pass": idioms of the imminent and the near-certain.
    ("likely", "estimative", (r"on the (?:verge|brink|precipice|cusp|threshold) of",)),
    ("almost certain", "estimative", (r"all but (?:certain|guaranteed|assured|inevitable|sure|certainly)",)),
    ("unlikely", "estimative", (_LOW_NO_COPULA, _FADING, *_FAR_AWAY)),
    # "Hope is fading", "hope now seems to be receding": the singular noun only with its fading verb next to it
    # (the verb "hope" is too common to stand for a prospect).
    (
        "unlikely",
        "estimative",
        (
            r"hope (?:(?:is|was|now|seems to be|appears to be) )*(?:fading|fades|faded|dwindling|waning|dimming|"
            r"receding|evaporating|slipping away)",
        ),
    ),
    # "the season is shaping up to be the worst in a decade": what the signs so far point to.
    ("likely", "estimative", (r"(?:is|are|'s|looks|look|seems|seem) (?:to be )?shaping up (?:to be|as)",)),
    # "I think it's tough to pull a rabbit out of the hat", "it will be difficult to reach a deal": what is called
    # hard to do is read as unlikely to be done. Not "hard to say / tell / know" (a view withheld), "hard to
    # overstate" (emphasis), nor the forms read elsewhere ("hard to predict", "hard to see how", "hard to avoid").
    (
        "unlikely",
        "estimative",
        (
            r"(?:it's|it is|it will be|it'll be|it would be|it's going to be|it is going to be) "
            r"(?:very |pretty |really |quite |extremely |so |too )?(?:tough|hard|difficult) to "
            r"(?!(?:say|tell|know|judge|gauge|assess|estimate|predict|forecast|foresee|see|imagine|envisage|envision|"
            r"believe|expect|avoid|escape|overstate|exaggerate|understand|ignore|argue|disagree|find|read|quantify|"
            r"measure|overestimate|underestimate|explain|describe|pin)\b)\w+",
        ),
    ),
    # "it's hard to avoid a recession": the event is what cannot be escaped (not "hard to avoid the impression").
    (
        "likely",
        "estimative",
        (r"(?:hard|difficult|tough) to (?:avoid|escape)(?! the (?:impression|conclusion|feeling|sense|thought))",),
    ),
    (
        "likely",
        "estimative",
        (r"(?:high|strong|serious|real|big) (?:risk|chance|likelihood|possibility|probability) (?:of|that)",),
    ),
    # "little probability that", "a slim likelihood of": a prospect noun sized small (the scale's own phrases,
    # "little chance", "low probability", ..., are left to it).
    (
        "unlikely",
        "estimative",
        (
            r"(?:little|slim|small|low|scant|faint|minimal|negligible|slender) "
            r"(?!(?<=little\s)chance\b|(?<=small\s)chance\b|(?<=little\s)likelihood|(?<=low\s)probability)"
            r"(?:chance|chances|probability|likelihood|prospect|prospects|possibility|risk) (?:of|that)",
        ),
    ),
    # "zero chance the bank will cut", "virtually no prospect of": the scale's "no chance" in other words.
    (
        "almost no chance",
        "estimative",
        (r"(?:zero|nil|next to no|virtually no|practically no) (?:chance|chances|probability|likelihood|prospect)",),
    ),
    ("possibly", "estimative", (r"(?:far from certain|far from assured|far from guaranteed|far from inevitable)",)),
    ("possibly", "estimative", (r"far from (?:clear|obvious|sure)",)),
    ("likely", "estimative", (r"every chance",)),
    # "don't count on a rate cut", "few would bet on it", "don't hold your breath for": advice not to expect it.
    (
        "unlikely",
        "estimative",
        (
            r"(?:don't|do not|wouldn't|would not|few would|nobody would|no one would|i wouldn't|i would not) "
            r"(?:count|bet|bank|rely) on",
            r"(?:don't|do not) hold (?:your|one's|their) breath",
        ),
    ),
    # "has no intention of cutting", "is in no hurry to raise rates": a will denied, read against what follows.
    ("unlikely", "estimative", (r"(?:no|little) (?:intention|hurry|rush|appetite|inclination) (?:of|to|for)",)),
    # "there is no doubt that", "no question that", "little doubt": a doubt denied is a certainty, not the scale's
    # "no ... will" (a negated will) nor its "doubt".
    (
        "almost certain",
        "estimative",
        (
            r"(?:no|little|without|without any|beyond|beyond any) (?:real |serious )?"
            r"(?:doubt|question)(?: that| about)?",
        ),
    ),
    # "it's not a question of if, but when", "that is not even a question if it's possible": the doubt a question
    # would leave is denied, as "no question that" denies it.
    ("almost certain", "estimative", (r"not (?:even )?a question (?:of )?(?:if|whether)",)),
    # "it is not impossible that", "not out of the question": a possibility affirmed by denying its opposite.
    (
        "possible",
        "estimative",
        (
            r"not (?:totally |entirely |completely |altogether )?(?:impossible|inconceivable|unthinkable|out of the "
            r"question|out of the picture|off the table)",
        ),
    ),
    # "a rate cut is off the table", "a deal is now off the table": a possibility set aside, in the present ("not off
    # the table", "isn't off the table", longer, read as possible; "took the idea off the table" is an act reported).
    (
        "unlikely",
        "estimative",
        (
            r"(?:is|are|remains|remain|seems|seem|looks|look|appears) "
            r"(?:now |firmly |clearly |still |effectively )?off the table",
        ),
    ),
    # "it won't be long before the bank cuts again": the event is near, not denied.
    ("likely", "estimative", (r"(?:will not|won't|should not|shouldn't|would not|wouldn't) be long (?:before|until)",)),
    ("roughly even chance", "estimative", (r"(?:could go either way|could yet go either way|go either way)",)),
    ("likely", "estimative", (r"(?:be|am|is|are|was|were|feel|remain|remains|remained) confident",)),
    # "economists are sure it is just a pause", "the bill is sure to pass": certainty stated of others (not "not
    # sure", "make sure", "for sure").
    (
        "almost certain",
        "estimative",
        (
            r"(?:is|are|remain|remains) (?:quite |pretty |fairly |absolutely |very )?sure"
            r"(?= that | it | they | to | the | this )",
        ),
    ),
    # "there is more to come", "the worst is yet to come": what is still ahead, stated as sure.
    (
        "likely",
        "estimative",
        (
            r"(?:there is|there's|there are) (?:much |plenty |a lot |far )?more (?:yet |still )?to come",
            r"the worst (?:is |may be |could be )?(?:yet |still )?to come",
        ),
    ),
    ("may", "modal", (r"(?:risks|risking)",)),
    ("roughly even chance", "estimative", (r"(?:too close to call|neck and neck|toss-ups?)",)),
    # "Khan is in danger of losing his majority", "the pact is in real danger of": the outcome feared is a real
    # prospect, above even (the labels read it so), as "a high risk of" is.
    (
        "likely",
        "estimative",
        (r"(?:is|are|'s|'re|now|seriously|remains|remain) in (?:real |serious |grave )?danger of",),
    ),
    # "some economists have raised the prospect of a deeper cut", "raising the possibility of a runoff": a
    # possibility put forward, not sized (read as the scale's "it is possible").
    (
        "possible",
        "estimative",
        (r"(?:raised|raises|raise|raising) (?:the |a )?(?:prospect|possibility|spectre|specter) (?:of|that)",),
    ),
    # "a March hike isn't off the table": a possibility kept, as "not off the table" is.
    ("possible", "estimative", (r"(?:isn't|aren't|is not|are not|'s not|not yet|never) (?:\w+ )?off the table",)),
    # "Colorado is an even longer shot for Trump": the comparative of "a long shot", smaller still.
    (
        "unlikely",
        "estimative",
        (r"(?:is|are|'s|'re|remains|remain|looks|look) (?:an? )?(?:even |much |still )?(?:longer shot|longer-shot)",),
    ),
    # "economists are not holding their breath for a rate change": the advice "don't hold your breath" as a
    # report of what people do not expect.
    (
        "unlikely",
        "estimative",
        (r"(?:not|n't|no one is|nobody is) (?:\w+ )?holding (?:their|his|her|our|my|its) breath",),
    ),
    ("very likely", "estimative", (r"(?:imminent)",)),
    (
        "almost certain",
        "estimative",
        (r"(?:i'm|i am|we're|we are) (?:quite |pretty |fairly |absolutely |very |so |really )?sure",),
    ),
    ("unlikely", "estimative", (r"(?:don't|do not|doesn't|does not) (?:see|foresee)",)),
    ("likely", "estimative", (r"(?:may|might|could) well",)),
    # "more talks may be needed", "our efforts may need to focus on the elderly": a necessity foreseen and softened,
    # not a bare possibility; read as likely (weak: a modal).
    (
        "likely",
        "modal",
        (r"(?:may|might|could) (?:also |still |yet )?(?:need to|have to|be needed|be necessary|be required)",),
    ),
    # A degree adverb on "possible" says how possible: "very possible", "quite possible" lean to yes;
    # "certainly possible", "entirely possible" say only that it can happen.
    ("likely", "estimative", (r"(?:very|quite|distinctly|highly|really|a real) possible",)),
    ("possible", "estimative", (r"(?:certainly|definitely|entirely|perfectly|still|always|theoretically) possible",)),
    # "sees a potential for further declines", "there is still scope for three more hikes": a possibility.
    (
        "possible",
        "modal",
        (r"(?:sees?|saw|see) (?:a |the |some )?(?:potential|possibility|scope|chance|risk) (?:for|of)", r"scope for"),
    ),
)
_CONSTRUCTIONS += tuple((rx, entry, False, strength, _NSP) for entry, strength, rxs in _UNSCALED for rx in rxs)
# "rejected the possibility of a cut", "threw cold water on the prospect of", "ruled out an election": a stance
# that denies a prospect is itself the estimate (low), the prospect's object the event.
_DENIED_PROSPECT = (
    r"(?:rejected|rejects|reject|rejecting|dismissed|dismisses|dismiss|dismissing|played down|plays down|"
    r"play down|playing down|downplayed|downplays|downplaying|threw cold water on|throws cold water on|"
    r"poured cold water on|pours cold water on|pouring cold water on|dampened|dampens|dampening) "
    r"(?:the |any |all |hopes of |expectations of )?(?:possibility|prospect|prospects|chance|chances|likelihood|"
    r"idea|notion|hopes|expectations|talk|speculation) (?:of|that|for)"
)
_RULED_OUT = r"(?:ruled out|rules out|rule out|ruling out)"
_CONSTRUCTIONS += tuple((rx, "unlikely", False, "estimative", _NSP) for rx in (_DENIED_PROSPECT, _RULED_OUT))
# "I do not rule it out", "OPEC does not exclude that", "cannot be ruled out": read as the scale's "not excluded"
# entry, a possibility under even, not as the denial "ruled out" is with a negation left in.
_NOT_EXCLUDED = (
    r"(?:not|never|cannot|don't|doesn't|didn't|can't|couldn't|won't|wouldn't) (?:\w+ )?(?:be )?"
    r"(?:(?:rule|rules|ruled|ruling) (?:it |this |that |anything )?out|exclude|excludes|excluded|excluding)"
)
_CONSTRUCTIONS += ((_NOT_EXCLUDED, "not excluded", False, "estimative", ""),)
# A stance is weaker evidence than an estimate stated in the same sentence ("Ministers dismissed the idea of talks,
# even if analysts think a deal is likely"): it governs, and wins an overlap, only where no phrase does.
_YIELDING = frozenset({_DENIED_PROSPECT, _RULED_OUT, _NOT_EXCLUDED})
# A prospect sized ("the chances that the bank will cut are low", "chances are probably slim") is read by its size:
# it wins over a phrase inside it, as a phrase of two words does, where other gapped constructions yield.
_SIZED = frozenset({_LOW_EXPECTATIONS, _HIGH_PROSPECTS, _LOW_NO_COPULA, _FADING})
# A headline's "Fed to Cut Rates", "Ruling Parties To Retain Power": "to" and a verb after a noun phrase is
# the headline's future (checked in _spurious: a line without a stop, and not "how to", "wants to", ...).
_HEADLINE_TO = (
    r"to (?!(?:the|a|an|be|have|has|do|his|her|their|its|our|my|your|this|that|these|those|and|or|of|in|on)\b)[a-z]+"
)
_CONSTRUCTIONS += ((_HEADLINE_TO, "will", False, "future", "a headline's 'X to VERB', read as will; " + _NSP),)
# "Labour set for landslide", "stocks are set for a higher open": an outcome announced as coming (checked in
# _spurious: after a copula, or in a headline).
_CONSTRUCTIONS += ((r"set for", "will", False, "future", "'set for', read as will; " + _NSP),)
# "dismissed the idea that X would": a reported "would" its reporter denies, read as "will" reversed.
_CONSTRUCTIONS += (
    (
        r"(?:dismissed|dismisses|rejected|rejects|denied|denies)(?: \S+){0,8}? would",
        "will",
        True,
        "future",
        "a reported 'would' the source rejects: read as 'will' reversed; " + _NSP,
    ),
)

# Numbers stated as probabilities, in the normalised clause: "a 60% chance", "put the chances at 35 percent",
# "one in four", "51-49", bookmakers' odds "at 13/8". Each gives p itself (method: stated).
# Reporters spell small numbers out: "only a six percent chance", "a fifty per cent probability".
_ONES = "one two three four five six seven eight nine"
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
_SPELLED = {w: i + 1 for i, w in enumerate(_ONES.split())}
_SPELLED.update({w: i + 10 for i, w in enumerate(_TEENS.split())})
_SPELLED.update({w: 20 + 10 * i for i, w in enumerate(_TENS.split())})
_SPELLED_NUM = (
    rf"(?:(?:{'|'.join(_TENS.split())})(?:[- ](?:{'|'.join(_ONES.split())}))?|{'|'.join(_TEENS.split())}|"
    + (rf"{'|'.join(_ONES.split())})")
)
_NUM = rf"(?P<n>\d{{1,3}}(?:\.\d+)?|{_SPELLED_NUM}) ?(?:%|percent|per cent)"


def _percent(n: str) -> float:
    """The number of a percent, in digits or spelled out ("six", "twenty-five")."""
    if n[0].isdigit():
        return float(n)
    return float(sum(_SPELLED[w] for w in re.split(r"[- ]", n)))


_SMALL = "one two three four five six seven eight nine ten"
_WORD_NUMBER = {w: i + 1 for i, w in enumerate(_SMALL.split())}
_COUNT = rf"(?:\d{{1,3}}|{'|'.join(_SMALL.split())})"
_CHANCE = r"(?:chance|chances|probability|likelihood|odds|risk|risks|possibility)"
_ABOUT = r"(?:(?:about|around|roughly|nearly|almost|just|some|over|under|better than|less than|more than) )?"
_NUMERIC: tuple[re.Pattern[str], ...] = (
    re.compile(rf"(?<![\w.]){_NUM} {_CHANCE}\b"),
    re.compile(
        rf"\b{_CHANCE}(?: \S+){{0,8}}? (?:at|to|of|is|are|was|were|as high as|near) "
        rf"(?:now |currently |still )?\"?{_ABOUT}{_NUM}"
    ),
    re.compile(
        rf"\b(?:put|puts|putting|pegged|pegs|peg|placed|places|place|estimated|estimates)(?: \S+){{0,2}}? "
        rf"(?:{_CHANCE}|prospects?|that|it)(?: \S+){{0,3}}? at "
        rf"{_ABOUT}(?P<n>\d{{1,3}}(?:\.\d+)?)(?: ?(?:%|percent|per cent))?(?![\d/.])"
    ),
    re.compile(rf"\b(?:{_CHANCE}|put)(?: \S+){{0,6}}? \"?{_ABOUT}(?P<a>{_COUNT}) in (?P<b>{_COUNT})\b"),
    re.compile(rf"(?<![\w.])(?P<a>{_COUNT}) in (?P<b>{_COUNT}) {_CHANCE}\b"),
    re.compile(r"(?<![\w.-])(?P<a>\d{1,2})-(?P<b>\d{1,2})(?![\w.-])"),
    re.compile(r"\b(?:odds of|at) (?P<a>\d{1,3})/(?P<b>\d{1,3})(?![\d/])"),
    # "the implied probability of a Le Pen victory according to our market (12%)": the number in brackets.
    re.compile(rf"\b{_CHANCE}(?: \S+){{0,10}}? \({_ABOUT}{_NUM}\)"),
    # "makes the Conservatives 1/8 to win", "8/13 for a majority", "a 12/1 shot": a price needs no odds word.
    re.compile(
        r"(?<![\w./])(?P<a>\d{1,3})/(?P<b>\d{1,3}) "
        r"(?:to (?!\d)[a-z]+|for (?:a|an|the)\b|favourite|favorite|shot|chance)"
    ),
    # "bookies have lengthened odds on a Labour win, one firm to 20/1": a bare price, where the clause speaks of
    # betting (a date, "12/5", is no price; read only beside a word of the bookmakers, as a hyphen's "6-1" is).
    re.compile(r"(?<![\w./])(?<!on )(?<!by )(?<!until )(?<!since )(?P<a>\d{1,3})/(?P<b>\d{1,3})(?![\w/-]|\.\d)"),
)
# What each of _NUMERIC cannot match without, tested once per clause: a pattern whose test fails is not run.
_NEEDS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(rx) for rx in (r"%|per ?cent", r" at ", rf" in {_COUNT}\b", r"\d-\d", r"\d/\d", r"\(.*(?:%|per ?cent)")
)
_NEEDED_BY = (0, 0, 1, 2, 2, 3, 4, 5, 4, 4)  # for each of _NUMERIC, its test in _NEEDS
assert len(_NEEDED_BY) == len(_NUMERIC)
_MAYBE_NUMERIC = re.compile(rf"\d| in (?:{'|'.join(_SMALL.split())})\b|{_SPELLED_NUM} ?(?:percent|per cent)\b")
_BOOKMAKING = re.compile(r"\b(?:odds|bookmakers?|betting|bet|ladbrokes|paddy power|punters|bookies)\b")


# "better than 50 percent", "little more than 50-50", "under 40%": a bound, read a little beyond the number.
_MORE_THAN = re.compile(r"\b(?:better|more|greater|higher) than \"?$|\b(?:over|above) \"?$")
_LESS_THAN = re.compile(r"\b(?:less|lower|worse|fewer) than \"?$|\b(?:under|below) \"?$")
_NUDGE = 0.05


_OR_MORE = re.compile(r"\)? or (?:more|higher|above|better)\b")
_OR_LESS = re.compile(r"\)? or (?:less|lower|below|fewer|under)\b")
# "up from a 65 per cent chance", "down from 41%": the number a change started from, not the estimate.
_FROM = re.compile(r"\bfrom (?:an? )?\"?$")


def _beyond(norm: str, m: re.Match[str]) -> float:
    """+_NUDGE or -_NUDGE when a comparison bounds the number (inside the match, right before it, or an "or
    more" right after it)."""
    num = m.start("n") if m.groupdict().get("n") is not None else m.start("a")
    head = norm[max(0, m.start() - 20) : num]
    if _MORE_THAN.search(head) or _OR_MORE.match(norm, m.end()):
        return _NUDGE
    if _LESS_THAN.search(head) or _OR_LESS.match(norm, m.end()):
        return -_NUDGE
    return 0.0


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _WORD_NUMBER[word]


def _stated(norm: str) -> list[tuple[re.Match[str], float, str]]:
    """``(match, p, how)`` of each number the clause states as a probability."""
    out: list[tuple[re.Match[str], float, str]] = []
    if not _MAYBE_NUMERIC.search(norm):
        return out
    present: dict[int, bool] = {}
    for i, rx in enumerate(_NUMERIC):
        need = _NEEDED_BY[i]
        if need not in present:
            present[need] = _NEEDS[need].search(norm) is not None
        if not present[need]:
            continue
        for m in rx.finditer(norm):
            groups = m.groupdict()
            num = m.start("n") if groups.get("n") is not None else m.start("a")
            if _FROM.search(norm, max(0, num - 12), num):
                continue
            if groups.get("n") is not None:
                p = _percent(groups["n"]) / 100
                how = f"{groups['n']}%"
            else:
                a, b = _count(groups["a"]), _count(groups["b"])
                if i == 5:  # "51-49": a split of a hundred
                    if a + b != 100:
                        continue
                    p, how = a / 100, f"{a}-{b}"
                elif i in (6, 8, 9):  # fractional odds a/b against: p = b / (a + b)
                    if (i in (6, 9) and not _BOOKMAKING.search(norm)) or a + b == 0 or (a, b) == (24, 7):
                        continue
                    p, how = b / (a + b), f"odds {a}/{b}"
                else:
                    if b == 0 or a > b:
                        continue
                    p, how = a / b, f"{groups['a']} in {groups['b']}"
            nudge = _beyond(norm, m)
            if nudge:
                p = min(1.0, max(0.0, p + nudge))
                how = f"{'more' if nudge > 0 else 'less'} than {how}"
            if 0.0 <= p <= 1.0:
                out.append((m, round(p, 4), how))
    return out


def _trie(words: Iterable[str]) -> str:
    """A regex matching exactly ``words``, factored by their letters ("will|with" as "wi(?:ll|th)"): the
    engine tries one branch per letter, not every word at every position."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _first_words(rx: str) -> frozenset[str]:
    """The words a construction can start with: each alternative of its leading group (or its first word),
    with an optional last letter ("expects?") or a class of letters ("inevitabl[ey]") spelled out."""
    lead = re.match(r"\(\?:([^()]*)\)", rx)
    alternatives = lead.group(1).split("|") if lead else [rx]
    out: set[str] = set()
    for alternative in alternatives:
        first = alternative.split()[0]
        forms = [first]
        if first.endswith("?"):
            forms = [first[:-2], first[:-1]]
        klass = re.fullmatch(r"(\w+)\[(\w+)\]", first)
        if klass:
            forms = [klass.group(1) + c for c in klass.group(2)]
        if not all(re.fullmatch(r"[\w'-]+", f) for f in forms):
            raise ValueError(f"construction {rx!r}: cannot tell its first words")
        out.update(forms)
    return frozenset(out)


_NEGATIONS = wordset("not no never none nobody nothing nowhere neither nor cannot hardly scarcely")
# "Few analysts expect a cut": "few" without an article is a negative quantifier ("a few", "the next few" are not).
_NOT_FEW_BEFORE = wordset("a the next last past these those first quite every")
_NEG_SUFFIX = "n't"
# A negation beyond one of these words, after the hedge, belongs to another clause ("... if neither side").
_SUBORDINATORS = wordset(
    "if unless because since although though while whereas when before after until as that which who"
)
# A word as the phrase patterns delimit it ((?<![\w'-]) ... (?![\w'-])).
_TOKEN = re.compile(r"[\w'-]+")
_COMPLEMENTIZERS = wordset("that whether")
_COORDINATORS = wordset("and but or yet")
_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*")
# The same word boundaries as a lookaround, to find one word among the others without listing them all.
_ALONE_BEFORE = r"(?<![\w'’])(?<![\w'’]-)"
_ALONE_AFTER = r"(?![\w'’])(?!-[\w'’])"
_IF = re.compile(_ALONE_BEFORE + "if" + _ALONE_AFTER, re.I)
# After the hedge: a negation or a subordinate conjunction (the words _negations looks at; _is_negation
# then decides).
_NEG_OR_SUB = re.compile(
    _ALONE_BEFORE
    + r"(?:(?P<sub>if|unless|because|since|although|though|while|whereas|when|before|after|until|as|that|which|"
    + r"who|whose|whom|"
    # "provided" as a conjunction only after a comma or before "that" ("will have provided no money" is the verb)
    + r"than|in case|(?<=,\s)provid(?:ed|ing)|provid(?:ed|ing)(?=\s+that\b)|lest|once|except)"
    + r"|(?P<npi>(?:fail|fails|failed|failing)(?=\s+to\b)|unable|"
    + r"hardly|scarcely)"
    + r"|['’]*(?:not|no|never|none|nobody|nothing|neither|nor|cannot|[\w'’]*?n['’]t)['’]*)"
    + _ALONE_AFTER,
    re.I,
)
_EDGE_QUOTE = re.compile(r"(?<![\w'])'(?=\w)|(?<=\w)'(?![\w'])")
# How many words a "..." in a phrase may stand for.
_GAP = 16
# How far before the hedge a negation still belongs to its clause ("no country is likely to ...").
_NEG_BEFORE = 4


@dataclass(frozen=True)
class Hedge:
    """One hedge found in a sentence. Offsets are into the sentence."""

    start: int
    end: int
    words: str  # as the text has them
    entry: Phrase  # the scale entry it reads as
    strength: Strength
    via: str  # "scale" or a note on the construction
    flip: bool = False
    tokens: int = 1
    gaps: tuple[tuple[int, int], ...] = ()  # the words a gapped phrase spans ("the risk [of X] is low")

    @property
    def p(self) -> float:
        return round(1.0 - self.entry.p, 12) if self.flip else self.entry.p

    @property
    def interval(self) -> tuple[float, float]:
        low, high = self.entry.interval
        return (round(1.0 - high, 12), round(1.0 - low, 12)) if self.flip else (low, high)


@dataclass(frozen=True)
class Reading:
    """The governing hedge of a sentence and what it says about the event."""

    hedge: Hedge
    others: tuple[Hedge, ...]
    negations: tuple[str, ...]  # negations left in the hedged clause
    clause: tuple[int, int]  # the hedged clause, offsets into the sentence
    conditional: bool  # the hedged clause sits in, or carries, an "if"
    notes: tuple[str, ...] = field(default=())

    @property
    def polarity(self) -> Literal["positive", "negative"]:
        """``positive``: the hedge's p is P(event); ``negative``: an odd number of negations is left in the
        clause, so P(event) is 1 - p (the event being the clause with every negation removed)."""
        return "negative" if len(self.negations) % 2 else "positive"

    @property
    def p_event(self) -> float:
        p = self.hedge.p
        return p if self.polarity == "positive" else round(1.0 - p, 12)

    @property
    def interval_event(self) -> tuple[float, float]:
        low, high = self.hedge.interval
        return (low, high) if self.polarity == "positive" else (round(1.0 - high, 12), round(1.0 - low, 12))


class _Offsets:
    """For each character of a normalised clause, the offset of the character of the clause it came from:
    the same offset shifted by the whitespace folded before it (kept as the few points where it grows)."""

    __slots__ = ("_at", "_shift")

    def __init__(self) -> None:
        self._at: list[int] = [0]
        self._shift: list[int] = [0]

    def fold(self, at: int, shift: int) -> None:
        self._at.append(at)
        self._shift.append(shift)

    def __getitem__(self, i: int) -> int:
        return i + self._shift[bisect.bisect_right(self._at, i) - 1]


def _normalise_with_map(text: str) -> tuple[str, _Offsets | list[int]]:
    """Lowercase, straight quotes, commas as spaces, whitespace folded; and for each output character, the
    offset of the input character it came from."""
    flat = text.translate(_FLAT)
    lowered = flat.lower()
    if len(lowered) != len(flat) or "\u2026" in flat:
        return _normalise_slowly(text)
    where = _Offsets()
    out: list[str] = []
    pos = shift = 0
    for m in _FOLDED.finditer(lowered):
        out.append(lowered[pos : m.start()])
        kept = 0 if m.start() == 0 else 1  # no leading space; a run of spaces is one
        if kept:
            out.append(" ")
        if m.end() - m.start() > kept:
            where.fold(m.start() - shift + kept, shift + m.end() - m.start() - kept)
            shift += m.end() - m.start() - kept
        pos = m.end()
    out.append(lowered[pos:])
    return "".join(out), where


def _normalise_slowly(text: str) -> tuple[str, list[int]]:
    """`_normalise_with_map` one character at a time, for the characters that change length (the ellipsis,
    a few whose lowercase is longer)."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch == "\u2026":
            pieces = "..."
        elif ch == "," or ch.isspace():
            pieces = " "
        else:
            pieces = _STRAIGHT.get(ch, ch).lower()
        for piece in pieces:
            if piece == " " and (not out or out[-1] == " "):
                continue
            out.append(piece)
            where.append(i)
    return "".join(out), where


def _phrase_pattern(name: str) -> str | None:
    norm = normalise_phrase(name)
    if not norm:
        return None
    parts = [p.strip() for p in norm.split("...")]
    # A quotation mark may open between a phrase's words: 'may "well continue', "is 'likely' to".
    words = [re.escape(p).replace(r"\ ", r"[\"']?\s+[\"']?") for p in parts if p]
    if not words:
        return None
    gap = rf"\s+((?:\S+\s+){{0,{_GAP}}}?)"  # captured: the words a "..." stands for are the statement's
    return r"(?<![\w'-])" + gap.join(words) + r"(?![\w'-])"


class HedgeFinder:
    """Compiled once per scale: finds every hedge in a sentence and picks the one that governs it."""

    def __init__(self, scale: Scale) -> None:
        self.scale = scale
        self._patterns: list[tuple[re.Pattern[str], Phrase, Strength, str, bool, int]] = []
        # Patterns by the word they must start with: a clause is tried only against the patterns whose first
        # word it has (hundreds of scale phrases, most absent from any one sentence). None: always tried.
        self._first: dict[str | None, list[int]] = {}
        for entry in scale.phrases:
            strength = _strength_of(entry)
            for name in (entry.phrase, *entry.aliases):
                pattern = _phrase_pattern(name)
                if pattern is not None:
                    tokens = len(normalise_phrase(name).replace("...", " ").split())
                    if "..." in entry.phrase and "..." not in name:
                        tokens -= 1  # "of course" alone says less than "of course ... will"
                    first = _TOKEN.match(normalise_phrase(name))
                    self._first.setdefault(first.group(0) if first else None, []).append(len(self._patterns))
                    self._patterns.append((re.compile(pattern), entry, strength, "scale", False, tokens))
        for rx, entry_name, flip, strength, note in _CONSTRUCTIONS:
            read_as = _entry_for(scale, entry_name)
            if read_as is None:
                continue  # a scale without the entry: the construction cannot be read
            pattern = r"(?<![\w'-])" + rx.replace(" ", r"[\"']?\s+[\"']?") + r"(?![\w'-])"
            # A gapped construction ("said ... would") yields to any phrase it spans.
            tokens = 0 if rx in _YIELDING else 2 if rx in _SIZED else 1 if "\\S+" in rx else len(rx.split())
            for word in _first_words(rx):
                self._first.setdefault(word, []).append(len(self._patterns))
            self._patterns.append((re.compile(pattern), read_as, strength, note or "construction", flip, tokens))
        self._cannot = _entry_for(scale, "unlikely")
        self._likely = _entry_for(scale, "likely")
        # The words that start a pattern, as one regex (a trie of their letters): the clause's other words
        # are skipped by the regex engine instead of one by one.
        self._starts = re.compile(r"(?<![\w'-])" + _trie(w for w in self._first if w is not None) + r"(?![\w'-])")

    def _matches(self, norm: str) -> list[tuple[int, re.Match[str]]]:
        """``(pattern number, match)`` of every pattern in a normalised clause, each pattern's matches not
        overlapping one another (as finditer gives them). A pattern with a first word is tried only where a
        word of the clause is that word: a scan of the clause per pattern would cost most of the run."""
        out: list[tuple[int, re.Match[str]]] = []
        for n in self._first.get(None, ()):
            out.extend((n, m) for m in self._patterns[n][0].finditer(norm))
        last_end: dict[int, int] = {}
        first = self._first
        for token in self._starts.finditer(norm):
            for n in first[token.group(0)]:
                if token.start() < last_end.get(n, 0):
                    continue
                m = self._patterns[n][0].match(norm, token.start())
                if m is not None:
                    out.append((n, m))
                    last_end[n] = max(m.end(), m.start() + 1)
        return out

    def find(self, sentence: str) -> list[Hedge]:
        """Every hedge, overlapping ones resolved in favour of the longer, in order of position."""
        return self._find(sentence, clauses(sentence))

    def _find(self, sentence: str, spans: list[tuple[int, int]]) -> list[Hedge]:
        found: list[Hedge] = []
        for c_start, c_end in spans:
            norm, where = _normalise_with_map(sentence[c_start:c_end])
            if "'" in norm:
                # A single quotation mark around a word ("a rise 'likely'") is punctuation, not part of the
                # word as an apostrophe is ("won't"): as a double one, the word is found (same length).
                norm = _EDGE_QUOTE.sub('"', norm)
            for n, m in sorted(self._matches(norm), key=lambda nm: (nm[0], nm[1].start())):
                rx, entry, strength, via, flip, tokens = self._patterns[n]
                if m.end() <= m.start():
                    continue
                start = c_start + where[m.start()]
                end = c_start + where[m.end() - 1] + 1
                if _spurious(sentence, start, end, entry):
                    continue
                words = " ".join(sentence[start:end].split())
                gaps = tuple(
                    (c_start + where[a], c_start + where[b - 1] + 1)
                    for a, b in (m.span(g) for g in range(1, (rx.groups or 0) + 1))
                    if b > a
                )
                found.append(Hedge(start, end, words, entry, strength, via, flip, tokens, gaps))
            for m, p, how in _stated(norm):
                start = c_start + where[m.start()]
                end = c_start + where[m.end() - 1] + 1
                entry = Phrase(how, p, (p, p), "a number stated in the text")
                words = " ".join(sentence[start:end].split())
                found.append(Hedge(start, end, words, entry, "estimative", "stated", False, _STATED_TOKENS))
        # A headline's "X to VERB" is read only where the line has no hedge of its own ("US may offer ...").
        if len(found) > 1:
            found = [h for h in found if not (h.entry.phrase == "will" and h.words.lower().startswith("to "))] or found
        # Overlaps: the phrase of more words wins (a gapped "of course ... will" over "will"), then the
        # tighter span ("none will" over "no ... will" stretched across a clause).
        found.sort(key=lambda h: (-h.tokens, h.end - h.start, h.start))
        kept: list[Hedge] = []
        for h in found:
            if all(h.end <= k.start or h.start >= k.end for k in kept):
                kept.append(h)
        return sorted(kept, key=lambda h: h.start)

    def read(self, sentence: str) -> Reading | None:
        """The governing hedge and the polarity of what it bears on; None when the sentence has no hedge."""
        spans = clauses(sentence)
        hedges = self._find(sentence, spans)
        if not hedges:
            return None
        return _reading(sentence, spans, hedges, None, self._cannot, self._likely)

    def read_all(self, sentence: str) -> list[Reading]:
        """One reading per hedged part of the sentence, in order: "X will rise, but Y may fall" is two
        forecasts, each with its own hedge and polarity. A sentence with one hedged part reads as `read`."""
        spans = clauses(sentence)
        hedges = self._find(sentence, spans)
        if not hedges:
            return []
        parts = _parts(sentence, spans, hedges)
        if len(parts) == 1:
            return [_reading(sentence, spans, hedges, None, self._cannot, self._likely)]
        readings = [_reading(sentence, spans, group, region, self._cannot, self._likely) for region, group in parts]
        return [
            Reading(
                r.hedge,
                r.others,
                r.negations,
                r.clause,
                r.conditional,
                (*r.notes, f"one of {len(readings)} readings of this sentence, each of its own part"),
            )
            for r in readings
        ]


# Between two hedges of one clause, where the second's statement starts: a comma before a word, or a
# conjunction or relative that opens another statement ("X will rise and Y may fall", "..., which are not
# expected to"). A complementizer ("expects that X will") does not: the first hedge introduces the second.
_PART_BREAK = re.compile(
    r",\s+(?=[\w\"'“‘])|\s(?=(?:and|but|because|while|whereas|although|though|which|yet|so|unless|until|once)\s)",
    re.I,
)


def _parts(
    sentence: str, spans: list[tuple[int, int]], hedges: list[Hedge]
) -> list[tuple[tuple[int, int], list[Hedge]]]:
    """The sentence cut into parts that each hold hedges: a cut between two consecutive hedges where a clause
    ends or a part break (above) lies between them, the last one before the second hedge. A part holding only
    verbs of belief ("analysts expect", "Solomon anticipates that") is the attribution of its neighbour and joins
    it (the next part, or the previous one when it closes the sentence)."""
    cuts: list[int] = []
    for a, b in zip(hedges, hedges[1:], strict=False):
        span_of_b = next((s for s, e in spans if s <= b.start < e), 0)
        if span_of_b > a.start:
            cuts.append(span_of_b)
            continue
        last = None
        for m in _PART_BREAK.finditer(sentence, a.end, b.start):
            last = m
        if last is not None:
            cuts.append(last.end())
    bounds = [0, *cuts, len(sentence)]
    parts: list[tuple[tuple[int, int], list[Hedge]]] = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        group = [h for h in hedges if start <= h.start < end]
        if group:
            parts.append(((start, end), group))
    # A belief part joins a neighbour of its own sentence only: in a quotation of several sentences kept whole,
    # "We don't expect $100 next year." is a sentence, not the attribution of the next one.
    inner = inner_sentences(sentence)
    merged: list[tuple[tuple[int, int], list[Hedge]]] = []
    pending: tuple[tuple[int, int], list[Hedge]] | None = None
    for region, group in parts:
        if pending is not None:
            if bisect.bisect_right(inner, pending[0][0]) == bisect.bisect_right(inner, region[0]):
                region, group = (pending[0][0], region[1]), pending[1] + group
            else:
                _join_previous(merged, pending, inner)
            pending = None
        if all(h.strength == "belief" for h in group) and not _own_statement(sentence, region, group):
            pending = (region, group)
            continue
        merged.append((region, group))
    if pending is not None:
        _join_previous(merged, pending, inner)
    return merged


# "We expect PC prices to slow as the market recovers": a verb of belief with a complement of its own states a
# forecast; "analysts expect" or "Solomon anticipates that" only attributes its neighbour's.
_OWN_COMPLEMENT = re.compile(r"\s+(?:\w+\s+){1,4}?to\s+\w+")


def _own_statement(sentence: str, region: tuple[int, int], group: list[Hedge]) -> bool:
    last = group[-1]
    return _OWN_COMPLEMENT.match(sentence[: region[1]], last.end) is not None


def _join_previous(
    merged: list[tuple[tuple[int, int], list[Hedge]]], part: tuple[tuple[int, int], list[Hedge]], inner: list[int]
) -> None:
    """A belief part with no part after it in its sentence: the attribution of the part before it in the same
    sentence ("X will rise, analysts expect"), else a part of its own."""
    if merged and bisect.bisect_right(inner, merged[-1][0][0]) == bisect.bisect_right(inner, part[0][0]):
        (start, _), group = merged[-1]
        merged[-1] = ((start, part[0][1]), group + part[1])
    else:
        merged.append(part)


_ABILITY = frozenset({"can", "could"})
_WEAK_MODALS = frozenset({"may", "might", "could"})
_MAY_NOT = frozenset({"may", "might"})
_IS_POSSIBLE = "is possible"
# Not a perfect ("may not have peaked yet": what is still to come, which the event states) nor a litotes ("may not
# take long", "may not be far off": soon).
_NOT_RIGHT_AFTER = re.compile(
    r"\s+(?:well\s+|yet\s+|still\s+|even\s+)?(?:not|fail\s+to|never)\b"
    r"(?!\s+(?:(?:yet|even|already)\s+)?(?:have|take\s+long|be\s+long|be\s+far|be\s+too\s+far)\b)",
    re.I,
)
# "Many experts believe there may be false starts", "economists believed the worst may be over", "reasonable to
# expect that a vaccine could be available": a weak modal in the statement a verb of belief or expectation
# introduces (the verb, "that" or not, then the statement's subject, no other clause opening between). The source
# commits to the possibility it reports; read as the low end of likely (ICD 203 "likely" 55-80%), not as the bare
# "may" (40). Not a verb of saying or finding ("claimed that AI could", "found that X could"), a fear ("feared
# could be"), nor an infinitive after the verb ("are expected to touch upon X and might").
_BELIEVED_MODAL = re.compile(
    r"\b(?:believes?|believed|believing|thinks?|thought|expects?|expected|expecting|predicts?|predicted|predicting|"
    r"anticipates?|anticipated|anticipating|reckons?|reckoned)\s+(?:that\s+)?"
    r"(?:(?!(?:that|which|who|whether|and|but|or|if|to|because|when|while|with|as)\b)[\w'’.,-]+\s+){1,8}$",
    re.I,
)
_BELIEVED_MODAL_REACH = 100
# "Western powers were hopeful wording could be agreed", "the ministers voiced optimism Monday that a final peace
# agreement could be reached within weeks", "optimism is growing that an agreement is possible": the
# source's hope or confidence set on a possibility leans it towards happening, as a verb of belief does (read as
# likely). The statement's subject right before the modal, no other clause opening between ("hopes", the verb, is
# a wish and no forecast at all: core's _HOPED).
_HOPEFUL_MODAL = re.compile(
    r"\b(?:hopeful|optimistic|optimism|confident|confidence)\s+(?:(?:is|was|are|were)\s+(?:growing|rising|high)\s+"
    r"(?:in\s+[\w.-]+\s+)?|(?:on\s+)?[A-Z]\w+day\s+)?(?:that\s+)?"
    r"(?:(?!(?:that|which|who|whether|but|or|if|to|because|when|while|as|about|of|in)\b)[\w'’.,-]+\s+){1,10}$",
    re.I,
)


def _reading(
    sentence: str,
    spans: list[tuple[int, int]],
    hedges: list[Hedge],
    region: tuple[int, int] | None,
    cannot: Phrase | None = None,
    likely: Phrase | None = None,
) -> Reading:
    """The reading of the hedges of one part of a sentence (``region``; None: the whole sentence)."""
    governing = _governing(hedges)
    others = tuple(h for h in hedges if h is not governing)
    clause = next(((s, e) for s, e in spans if s <= governing.start < e), (0, len(sentence)))
    if region is not None:
        clause = (max(clause[0], region[0]), min(clause[1], region[1]))
    negations = _negations(sentence, clause, governing)
    if (
        cannot is not None
        and governing.strength == "modal"
        and governing.words.lower().split()[0] in _ABILITY
        and len(negations) % 2
    ):
        # "could not", "can't", "there could be no talks", "neither party could": a possibility denied is read
        # as unlikely, not as the even chance that "may not" (the scale's "may" reversed) gives.
        governing = replace(governing, entry=cannot, via=f"'{governing.words}' denied, read as unlikely; {_NSP}")
        negations = []
    elif (
        governing.strength == "modal"
        and governing.words.lower() in _MAY_NOT
        and len(negations) == 1
        and _NOT_RIGHT_AFTER.match(sentence, governing.end)
    ):
        # "an agreement might not be reached before January", "Niinistö may fail to win half the votes": a weak
        # modal denied right after it leans against the event, as "may" leans against it (0.4 for the event),
        # not towards it as the bare "may" reversed (0.6) would read.
        governing = replace(governing, via=f"'{governing.words} not': leaning against the event, read as 'may'")
        negations = []
    elif (
        likely is not None
        and governing.strength == "modal"
        and governing.entry.phrase == "may"
        and governing.words.lower().split()[0] in _WEAK_MODALS
    ) or (
        likely is not None and governing.entry.phrase == "it is possible" and governing.words.lower() == _IS_POSSIBLE
    ):
        reach = max(clause[0], governing.start - _BELIEVED_MODAL_REACH)
        belief = (
            _BELIEVED_MODAL.search(sentence, reach, governing.start) if governing.entry.phrase == "may" else None
        ) or _HOPEFUL_MODAL.search(sentence, reach, governing.start)
        if belief is not None:
            verb = belief.group(0).split()[0]
            governing = replace(
                governing,
                entry=likely,
                via=f"'{verb} ... {governing.words}': a weak modal a verb of belief introduces, read as likely; {_NSP}",
            )
    conditional = _IF.search(sentence, clause[0], clause[1]) is not None and "surprised" not in governing.entry.phrase
    notes: list[str] = []
    if governing.strength == "modal":
        notes.append(f"{governing.words!r} is a weak hedge (low information): check that this is a forecast")
    if governing.via == "stated":
        notes.append(f"{governing.words!r}: a number stated in the text, p = {governing.p} (method: stated)")
    elif governing.via not in ("scale", "construction"):
        notes.append(f"{governing.words!r}: {governing.via}")
    if governing.flip:
        notes.append(f"{governing.words!r} read as the reverse of the scale's {governing.entry.phrase!r}")
    if others:
        notes.append(
            "other hedges in the sentence: "
            + ", ".join(repr(h.words) for h in others)
            + f"; {governing.words!r} was taken as the one that governs"
        )
    if negations:
        notes.append(
            f"negation left in the hedged clause ({', '.join(negations)}): the event is read without it, "
            f"so P(event) = {'1 - p' if len(negations) % 2 else 'p'}"
        )
    if conditional:
        notes.append("the clause carries a condition (if ...): the question may need one")
    return Reading(governing, others, tuple(negations), clause, conditional, tuple(notes))


# "the political will of", "free will": the noun. "I will say", "I'll tell you": a speech act, not a forecast.
_WILL_NOUN_BEFORE = re.compile(
    r"\b(?:the|a|political|popular|public|free|good|ill|strong|his|her|their|its|our|my|your|own|iron)\s*$", re.I
)
_WILL_NOUN_AFTER = re.compile(r"^\s*(?:of|to\s+(?:act|fight|win|live|change|power))\b", re.I)
_SPEECH_ACT = re.compile(r"^\s*(?:say|tell|admit|add|note|mention|concede|grant|repeat|confess|be\s+honest)\b", re.I)
_HEADLINE_MAY_BEFORE = re.compile(
    r"\b(?!(?:In|On|By|Since|Until|Till|Last|Next|Early|Late|Mid|Of|This|From|Through|During|Before|After|To|And|"
    r"Or|Between|Its|His|Her|Their|Mrs|Ms|Mr|PM|Theresa)\b)(?:[A-Z][a-z]+s|[A-Z]{2,})\s+$"
)
_HEADLINE_MAY_AFTER = re.compile(r"\s+[A-Z][a-z]+\b(?!['’]s)")
_DEGREE_ADVERB_END = re.compile(r"\s+(?:effectively|virtually|practically|almost|nearly|all\s+but|now|still)$")
_AS_MUCH_AS = re.compile(r"\bas\s+(?:[\w-]+\s+){1,2}as\s+(?:[\w'’]+\s+){1,2}$", re.I)
# "a forecast model", "our forecast": the noun after a determiner, not the verb.
_DETERMINER_BEFORE = re.compile(
    r"\b(?:the|a|an|our|their|its|his|her|this|that|these|those|latest|new|previous|final|official|own)\s*$", re.I
)
# "Survation's forecast, based on 35,000 interviews": the noun after a possessive.
_POSSESSIVE_BEFORE = re.compile(r"\w['’]s?\s*$")
# "likely voters", "likely Republican voters", "likely caucus-goers": a poll's sample.
_LIKELY_VOTERS = re.compile(r"\s+(?:[A-Z][\w-]*\s+|general[- ]election\s+)?(?:voters|electors|caucus-?goers)\b")
# "As expected, the bank held rates", "as predicted": a past expectation the sentence compares with.
_AS_EXPECTED = frozenset({"expected", "predicted", "forecast", "anticipated", "foreseen", "projected"})
_AS_BEFORE = re.compile(
    r"(?:^|[^\w\s]\s*|\b(?:and|but|just|exactly|largely|broadly)\s+)as\s+(?:had\s+been\s+|was\s+)?$", re.I
)
# "raising risks of", "amid growing risks and uncertainties": the noun; the verb takes what is risked.
_RISK_NOUN_AFTER = re.compile(r"^\s*(?:of|and|to|from|that|for|in|,|\.|$)", re.I)
# "more optimistic than last month's forecast", "the more confident the model feels": a comparison.
_COMPARISON = re.compile(r"^\s*than\b", re.I)
# An attitude with no event to bear on: "experts are more optimistic about the future", "panelists are optimistic
# about the outlook for the economy", "amid a more optimistic tone": a mood reported, not a forecast of anything
# ("more confident about the prospects of a ceasefire", "optimistic that talks will resume" name what they expect).
_ATTITUDE = re.compile(
    r"(?:(?:more|less|very|fairly)\s+)?(?:optimistic|confident|pessimistic|sceptical|skeptical)(?:\s+(?:about|of))?",
    re.I,
)
_NO_EVENT_AFTER = re.compile(
    r"\s*(?:(?:about|of|on|regarding)\s+)?(?:the|its|their|our|his|her)\s+(?:[\w-]+\s+)?(?:future|road ahead|"
    r"year ahead|months ahead|outlook(?!\s+for\s+(?!the\s+(?:[\w-]+\s+)?economy\b))|economy)\b",
    re.I,
)
_ATTRIBUTIVE_BEFORE = re.compile(r"\b(?:a|an)\s+$", re.I)


_HEADLINE_WORDS = 16
_NOT_HEADLINE_FUTURE = wordset(
    """how what where when why whether who which back up down due from ago order according close next compared
    able want wants need needs have has had used ought want going set likely unlikely expected expects hope hopes
    plan plans plans seek seeks aim aims try tries vow vows pledge pledges agree agrees refuse refuses decide
    decides move moves bid bids go goes went come comes return returns trip guide path road way key answer reply
    letter message open opens welcome says said tells told talk talks listen listens turn turns look looks appear
    appears seem seems fail fails failed manage manages managed continue continues begin begins start starts
    struggle struggles threaten threatens promise promises offer offers urge urges ask asks prepare prepares
    refused decided agreed vowed pledged tried sought"""
)


def _headline_future(sentence: str, start: int) -> bool:
    """A headline (a line of a few words without a stop) whose "to VERB" follows a noun phrase, not a verb or a
    word that takes an infinitive ("how to", "wants to") or a place ("back to")."""
    text = sentence.rstrip()
    if not text or text[-1] in ".!?…\"”’'" or len(text.split()) > _HEADLINE_WORDS:
        return False
    before = _WORD.findall(sentence, 0, start)
    verb = _WORD.match(sentence, start + 3)
    if not before or before[-1].lower() in _NOT_HEADLINE_FUTURE or verb is None:
        return False
    # A verb has something after it ("Smith to Jones" is an address); in a headline not set in title case the
    # verb is in lower case.
    title_case = sum(w[:1].isupper() for w in before) == len(before)
    followed = re.match(r"\s+[\w'’\"“]", sentence[verb.end() :]) is not None
    return followed and (title_case or verb.group(0)[:1].islower())


# Present copulas only: "was set for six guests" is a passive past.
_SET_FOR_AFTER = wordset("is are look looks appear appears seem seems")
_SET_FOR_ADVERBS = wordset("now all still again once")


def _set_for(sentence: str, start: int) -> bool:
    """ "set for" after a copula ("are set for a higher open", "It's set for") or after a headline's noun phrase
    ("MPLA Set for Victory"), not a past participle ("has been set for a while", "a date set for June")."""
    before = _WORD.findall(sentence, 0, start)
    if not before:
        return False
    words = [w.lower().replace("’", "'") for w in before]
    while len(words) > 1 and words[-1] in _SET_FOR_ADVERBS:
        words.pop()
    prev = words[-1]
    if prev in _SET_FOR_AFTER or prev.endswith(("'s", "'re")):
        return True
    text = sentence.rstrip()
    headline = bool(text) and text[-1] not in ".!?…\"”’'" and len(text.split()) <= _HEADLINE_WORDS
    return headline and prev not in _NOT_HEADLINE_FUTURE and prev not in ("been", "be", "date", "dates")


# "his race to lose", "the 'no' campaign's to lose", "Apple's to lose": a holder named right before; and the phrase
# ends there ("his race to lose weight" goes on; "nothing to lose", "a lot to lose" name no holder).
_HOLDER_BEFORE = re.compile(r"(?:\b(?:his|her|their|its|our|my|your)\s+(?:\w+\s+)?|\w['’]s\s+(?:\w+\s+)?)$", re.I)
_IDIOM_ENDS = re.compile(r"\s*(?:$|[.,;:!?\"”’')]|—|--|(?:and|but|now|again|this|at)\b)", re.I)


def _spurious(sentence: str, start: int, end: int, entry: Phrase) -> bool:
    """Words that look like a hedge and are not one: the month of May, "certain" as in "a certain part", the
    noun "will" ("political will"), "I will say", the nouns "forecast" and "risks", a comparison."""
    words = sentence[start:end]
    if words == "May":
        # The month or a name ("in May", "Theresa May", a sentence opening "May vote leaves ..."), except a
        # headline's modal: a plural or an initialism before it and a capitalised word after ("Smartphone Shipments
        # May Decline 3.1%", "Offensive Against IS May Take Three Years", "OPEC Says May Cut Supply").
        return not (
            _HEADLINE_MAY_BEFORE.search(sentence, max(0, start - 30), start)
            and _HEADLINE_MAY_AFTER.match(sentence, end)
        )
    lower = words.lower()
    if lower.split(" ", 1)[0] == "to" and entry.phrase == "will":
        return not _headline_future(sentence, start)
    if lower == "set for":
        return not _set_for(sentence, start)
    if lower == "to lose":
        return not (_HOLDER_BEFORE.search(sentence, max(0, start - 40), start) and _IDIOM_ENDS.match(sentence, end))
    if entry.negated and lower.startswith("no ") and _IDLE_AFTER["no"].match(words, 2):
        return True  # "no doubt the bank will", "no matter what happens, X will": not the scale's "no ... will"
    if lower.startswith(("ruled out", "rules out", "rule out", "ruling out", "reject", "dismiss")) and (
        _NEGATED_STANCE.search(sentence, max(0, start - 30), start)
    ):
        return True  # "will never rule out": not excluded is not unlikely
    before = sentence[max(0, start - 20) : start]
    after = sentence[end : end + 30]
    if (lower == "will" or lower.endswith(("'ll", "’ll"))) and (
        _WILL_NOUN_BEFORE.search(before) or _WILL_NOUN_AFTER.match(after) or _SPEECH_ACT.match(after)
    ):
        return True
    if lower in ("can", "could") and _AS_MUCH_AS.search(sentence, max(0, start - 40), start):
        return True  # "as soon as we can", "as hard as they could": a degree, not a possibility
    if lower in ("forecast", "forecasts") and (_DETERMINER_BEFORE.search(before) or _POSSESSIVE_BEFORE.search(before)):
        return True
    if lower == "likely" and _LIKELY_VOTERS.match(sentence, end):
        return True  # "46 percent of likely voters": the pollsters' term for a sample, not a hedge
    if lower in _AS_EXPECTED and _AS_BEFORE.search(before):
        return True
    if lower in ("risks", "risking") and _RISK_NOUN_AFTER.match(after):
        return True
    if ("more " in lower or "less " in lower) and (_COMPARISON.match(after) or re.search(r"\bthe\s*$", before, re.I)):
        return True
    if _ATTITUDE.fullmatch(words) and (
        _NO_EVENT_AFTER.match(sentence, end) or _ATTRIBUTIVE_BEFORE.search(sentence, max(0, start - 8), start)
    ):
        return True
    if words.lower() == "certain":
        after = sentence[end:].lstrip()
        # "a recession is effectively certain in the next 12 months": an adverb of degree may stand after the copula.
        before = _DEGREE_ADVERB_END.sub("", sentence[:start].rstrip().lower())
        return not (
            after[:1] in ("", ".", ",", ";")
            or after.lower().startswith(("that", "to "))
            or before.endswith((" is", " are", " was", " were", " be", " am", "'s", "’s"))
        )
    return False


def _entry_for(scale: Scale, spec: str) -> Phrase | None:
    """A scale entry by name, or "negated: WORD" for the negated entry whose phrase has WORD."""
    if spec.startswith("negated: "):
        word = spec.split(": ", 1)[1]
        return next((e for e in scale.phrases if e.negated and word in e.phrase.split()), None)
    return scale.lookup(spec) if spec in scale else None


def _strength_of(entry: Phrase) -> Strength:
    if entry.phrase in _MODAL_ENTRIES:
        return "modal"
    if entry.phrase in _FUTURE_ENTRIES:
        return "future"
    if entry.phrase in _BELIEF_ENTRIES:
        return "belief"
    return "estimative"


_RANK = {"estimative": 0, "future": 1, "modal": 2, "belief": 3}


def governing_rank(hedge: Hedge) -> tuple[int, int]:
    """How strongly a hedge claims to govern its sentence (lower first): its kind, then its length."""
    return (_RANK[hedge.strength], -hedge.tokens)


def _governing(hedges: list[Hedge]) -> Hedge:
    """The hedge that governs: the strongest kind (an estimative phrase over a flat "will", "will" over "may");
    among equals the longest phrase, then the first. A verb of belief ("experts believe that ...") governs
    only when nothing else hedges the sentence: otherwise it introduces the hedged statement."""
    return min(hedges, key=lambda h: (*governing_rank(h), h.start))


# "Economists rejected the possibility the bank will cut": a stance that denies the hedged statement.
_REJECTS = re.compile(
    r"\b(?:reject|rejects|rejected|rejecting|dismiss|dismisses|dismissed|dismissing|ruled out|rules out|rule out|"
    r"deny|denies|denied|denying|played down|plays down|play down|playing down|downplayed|downplays|downplaying|"
    r"dampened|dampens|dampening|poured cold water on|pours cold water on)\s+(?:\w+\s+){0,2}?(?:possibility|idea|"
    r"prospects?|notion|suggestion|likelihood|talk|speculation|claims?|reports?|forecasts?|predictions?|hopes?|"
    r"expectations?)\b",
    re.I,
)
_REJECTS_REACH = 120
_NEGATED_STANCE = re.compile(
    r"\b(?:not|never|\w*n['’]t|no\s+one|nobody|refused\s+to|won't|will\s+not)\s+(?:\w+\s+)?$", re.I
)


def _rejection_governs(sentence: str, rejection: re.Match[str], hedge_start: int) -> bool:
    """The rejection bears on the hedged statement: it is not itself negated ("will never rule out the
    possibility") and no other clause opens between them ("..., even if analysts see it as a remote chance")."""
    if _NEGATED_STANCE.search(sentence, max(0, rejection.start() - 30), rejection.start()):
        return False
    between = [w.lower() for w in _WORD.findall(sentence[rejection.end() : hedge_start])]
    return not any(w in _SUBORDINATORS and w not in _COMPLEMENTIZERS for w in between)


# "do not believe X will", "no longer expects X to", "doubts that X will": a verb of belief denied denies
# what it introduces (English raises the negation of the statement onto the verb).
# "Just a quarter of economists expect a recession", "only 30% of respondents think", "one in five analysts
# predict": a share under half as the subject of a belief says most do not hold it, as "few" does (the labels read
# such a share as P(event)). A share over half ("three quarters predicted") is left as it is.
_MINORITY = (
    r"\b(?:(?:just|only|merely|barely|fewer\s+than|less\s+than|under)\s+)?(?:(?:(?:a|one)\s+(?:quarter|third|fifth|"
    r"sixth|tenth)|a\s+(?:minority|handful)|(?<![\d.,])(?:[1-4]\d|\d)(?:\.\d+)?\s?(?:%|percent|per\s+cent))\s+of|"
    r"one\s+in\s+(?:three|four|five|six|seven|eight|nine|ten)(?:\s+of)?)\s+"
)
# The share alone as the subject, its noun left to the context of a survey: "a fifth forecast it will unravel",
# "around 10% believe it could fall apart" (a share right before the verb; "a third forecast" as a noun is rare
# before a clause, and "15% expect" never is one).
_MINORITY_BARE = (
    r"\b(?:(?:just|only|merely|barely|fewer\s+than|less\s+than|under|around|about|some|roughly|nearly)\s+)?"
    r"(?:(?:a|one)\s+(?:quarter|third|fifth|sixth|tenth)|(?<![\d.,])(?:[1-4]\d|\d)(?:\.\d+)?\s?(?:%|percent|"
    r"per\s+cent))\s+(?:(?:also|still|now)\s+)?"
)
_BELIEF_VERBS = r"(?:believe|think|expect|anticipate|foresee|see|predict|reckon|forecast)"
_MINORITY_BEFORE = re.compile(rf"{_MINORITY}(?:[\w'’-]+\s+){{1,6}}$|{_MINORITY_BARE}$", re.I)
_DENIED_BELIEF = re.compile(
    r"\b(?:(?:do|does|did|would|could)\s*(?:not|n['’]t)|don['’]t|doesn['’]t|didn['’]t|no\s+longer|never|hardly)\s+"
    r"(?:\w+\s+)?(?:believe|believes|think|thinks|expect|expects|anticipate|anticipates|foresee|see|sees|"
    r"predict|predicts|imagine|reckon|buy)\b|\b(?:doubts?|doubted|doubting|doubtful|sceptical|skeptical)\b|"
    r"\bfew\s+(?:\w+\s+){0,2}?(?:believe|think|expect|anticipate|foresee|see|predict|imagine|reckon)\b|"
    + _MINORITY
    + r"(?:[\w'’-]+\s+){1,6}?(?:believe|think|expect|anticipate|foresee|see|predict|reckon|forecast)\b|"
    + _MINORITY_BARE
    + _BELIEF_VERBS
    # Not the noun: "a third forecast by the bank shows".
    + r"\b(?!\s+(?:by|of|from|for|is|was|has|had|shows?|showed|published|released)\b)|"
    r"\b(?:none|neither|not\s+one)\s+of\s+(?:\w+\s+){1,5}?(?:believes?|thinks?|expects?|predicts?|sees?|foresees?)\b|"
    # "there is nothing to suggest", "no reason to believe", "no evidence that": grounds for the belief denied.
    r"\b(?:nothing\s+(?:to\s+)?(?:suggests?|indicates?)|no\s+(?:reason|grounds)\s+to\s+(?:believe|think|expect|assume)"
    r"|no\s+(?:indication|evidence|suggestion)\s+that)\b",
    re.I,
)
_DENIED_BELIEF_REACH = 100
# "The minister denied that taxes will rise", "denies the tunnel will be delayed": the source denies the statement
# the hedge bears on (its subject, a few words, right before the hedge; "denied reports that" is a rejection).
_DENIES = re.compile(r"\b(deny|denies|denied|denying)\s+(?:that\s+)?(?:[\w'’.-]+\s+){1,4}$", re.I)
_DENIES_REACH = 60
_NONE_OF = re.compile(r"\b(none|neither|not\s+one)\s+of\s+(?:[\w'’-]+\s+){1,5}$", re.I)


# After the hedge, a coordinator and a new subject open another statement: "only a few amendments will be permitted
# and there aren't the votes to insist", "the bank will hold, but it isn't done": their negations are not the hedged
# clause's ("will cut rates and not raise them" has no new subject and keeps its "not").
_NEW_SUBJECT = re.compile(r"(?:,\s*|\s)(?:and|but|or|yet)\s+(?:there|it|he|she|they|we|i|you)\b", re.I)


# "AI regulation is not the path the U.S. will take", "a cut isn't something the bank would consider": a copula
# denied, its complement a noun the hedged clause describes, too far before the hedge for the count above. Not "is
# not the first time X will" (a time: it will happen again), nor "is not that X will" (the complementizer).
_CLEFT_DENIAL = re.compile(
    r"\b(?:(?:is|are|was|were)\s+(?P<neg>not)|(?P<neg2>isn['’]t|aren['’]t|wasn['’]t|weren['’]t))\s+"
    r"(?:what|something|anything|(?:the|a|an)\s+(?!(?:first|last|only|next|second|time)\b)[\w-]+)\s+"
    r"(?:(?!(?:that|which|if|and|but|or|because|when)\b)[\w.'’-]+\s+){1,4}$",
    re.I,
)


def _negations(sentence: str, clause: tuple[int, int], hedge: Hedge) -> list[str]:
    """Negation words of the hedged clause outside the hedge itself: up to a few words before the hedge, and
    after it up to a subordinate conjunction (an "if" or "because" clause is another statement); and a stance
    before the hedge that rejects what it bears on ("dismissed the idea that X would")."""
    out: list[str] = []
    before = [m for m in _WORD.finditer(sentence, clause[0], hedge.start)][-_NEG_BEFORE:]
    # A negation before a coordinator is the other conjunct's: "has never changed and never will" is one
    # "never" on "will", not two.
    last_and = max((i for i, m in enumerate(before) if m.group(0).lower() in _COORDINATORS), default=-1)
    before = before[last_and + 1 :]
    if hedge.strength == "belief" and not any(_is_negation(m.group(0), sentence, m.start()) for m in before):
        none_of = _NONE_OF.search(sentence, max(clause[0], hedge.start - 60), hedge.start)
        if none_of is not None:
            out.append(none_of.group(1))  # "None of the economists polled expect": the subject denies the belief
        elif _MINORITY_BEFORE.search(sentence, max(clause[0], hedge.start - 80), hedge.start) is not None:
            out.append("a minority")
    for i, m in enumerate(before):
        if _is_negation(m.group(0), sentence, m.start()) or (
            (hedge.strength == "belief" or hedge.words.lower().startswith("doubt"))
            and _is_few(sentence, m, before[i - 1] if i else None)
        ):
            out.append(m.group(0))
    if hedge.strength != "belief":
        counted = {m.start() for m in before if _is_negation(m.group(0), sentence, m.start())}
        for m in _DENIED_BELIEF.finditer(sentence, max(clause[0], hedge.start - _DENIED_BELIEF_REACH), hedge.start):
            inner = [w for w in _WORD.finditer(sentence, m.start(), m.end())]
            if any(w.start() in counted for w in inner):
                continue  # its "not" is already counted
            if inner and inner[0].group(0).lower() == "few" and not _is_few(sentence, inner[0], None):
                continue  # "a few analysts think": some do
            if m.group(0).lower().startswith("doubt"):
                stance = _NEGATED_STANCE.search(sentence, max(0, m.start() - 30), m.start())
                if stance is not None and stance.start() in counted:
                    out.append(m.group(0))  # "nobody doubts X will": the counted "nobody" and the doubt cancel
                    break
            if _rejection_governs(sentence, m, hedge.start):
                out.append(m.group(0).split()[0])
                break
    rejects = list(_REJECTS.finditer(sentence, max(clause[0], hedge.start - _REJECTS_REACH), hedge.start))
    if rejects and _rejection_governs(sentence, rejects[-1], hedge.start):
        out.append(rejects[-1].group(0).split()[0])
    denies = _DENIES.search(sentence, max(clause[0], hedge.start - _DENIES_REACH), hedge.start)
    if denies is not None and not any(r.start() == denies.start() for r in rejects):
        out.append(denies.group(1))
    if hedge.strength == "future":
        cleft = _CLEFT_DENIAL.search(sentence, max(clause[0], hedge.start - 80), hedge.start)
        if cleft is not None:
            neg = "neg" if cleft.group("neg") is not None else "neg2"
            if not any(m.start() == cleft.start(neg) for m in before):
                out.append(cleft.group(neg))  # not counted above: beyond the few words before the hedge
    scope_end = clause[1]
    joined = _NEW_SUBJECT.search(sentence, hedge.end, clause[1])
    if joined is not None:
        scope_end = joined.start()  # "X will be permitted and there aren't the votes": another statement's negation
    for m in _NEG_OR_SUB.finditer(sentence, hedge.end, scope_end):
        word = m.group(0).lower()
        if m.group("sub") is not None:
            first = _WORD.search(sentence, hedge.end, clause[1])
            if not (first is not None and first.start() == m.start() and word in _COMPLEMENTIZERS):
                break  # "unlikely that X won't": the "that" right after the hedge opens X itself
            continue
        if _AFTER_COMMA.search(sentence, max(hedge.end, m.start() - 3), m.start()):
            continue  # "will cut rates, not raise them", "in June, not July": an alternative set against it
        if m.group("npi") is not None or _is_negation(m.group(0), sentence, m.start()):
            out.append(m.group(0))
    return out


def belief_denied(sentence: str, start: int, end: int) -> bool:
    """A verb of belief denied or held by a minority between ``start`` and ``end`` ("only 37 per cent of
    respondents believe", "few expect", "do not think")."""
    return _DENIED_BELIEF.search(sentence, start, end) is not None


def _is_few(sentence: str, m: re.Match[str], previous: re.Match[str] | None) -> bool:
    """The word "few" as the negative quantifier of a belief's subject ("Few economists expect"), not "a few"."""
    if m.group(0).lower() != "few":
        return False
    if previous is None:
        previous = _WORD.search(sentence, max(0, m.start() - 12), m.start())
    return previous is None or previous.group(0).lower() not in _NOT_FEW_BEFORE


_THAN = re.compile(r"\bthan\s+$", re.I)
_NOT_ONLY = re.compile(r"\s+(?:only|just|merely|simply)\b", re.I)
# Negations that deny nothing of the statement: "not least because", "not surprisingly", "no doubt", "no matter what",
# "no later than June", "no more than 2%" (a bound, not a denial), "will be no exception" (it too will).
_IDLE_AFTER = {
    "not": re.compile(
        r"\s+(?:least|to\s+mention|surprisingly|unexpectedly|unusually|coincidentally|for\s+the\s+first\s+time)\b",
        re.I,
    ),
    "no": re.compile(
        r"\s+(?:doubt|question|matter|wonder|surprise|secret|sooner|later|earlier|more|less|fewer|longer\s+than|"
        r"exception)\b",
        re.I,
    ),
}
_AFTER_COMMA = re.compile(r",\s*[\"'“‘]?$")
# "The budget will get done whether the governor agrees with it or not", "whether or not he signs": the "not" of an
# alternative "whether ... or not" closes a condition that holds either way; it denies nothing.
_WHETHER_OR = re.compile(r"\bwhether\b(?:[^.;:!?]*\s)?or\s+$", re.I)
_WHETHER_OR_REACH = 120


def _is_negation(word: str, sentence: str = "", at: int = 0) -> bool:
    """A negation word, but not "than not" (the idiom "more likely than not") nor a capitalised "No" inside
    a sentence (a referendum's side, a name)."""
    w = word.lower().replace("’", "'").strip("'")
    if not (w in _NEGATIONS or w.endswith(_NEG_SUFFIX)):
        return False
    if w == "not" and _THAN.search(sentence, max(0, at - 8), at):
        return False
    if w == "not" and _NOT_ONLY.match(sentence, at + len(word)):
        return False  # "not only yes, but hell yes": an addition, not a denial
    if w == "not" and _WHETHER_OR.search(sentence, max(0, at - _WHETHER_OR_REACH), at):
        return False  # "will pass whether the governor agrees or not": both alternatives, neither denied
    idle = _IDLE_AFTER.get(w)
    if idle is not None and idle.match(sentence, at + len(word)):
        return False
    return not (at > 0 and word[:1].isupper() and w in ("no", "not") and sentence[:at].rstrip()[-1:] not in '.!?:"“')


def entries_used(readings: Iterable[Reading]) -> set[str]:
    return {r.hedge.entry.phrase for r in readings}
