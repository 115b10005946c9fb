"""From a text to candidate forecasts: each hedged sentence with its quote, hedge reading, speaker and the
questions it may bear on. Pure: the caller reads the file and the ledger."""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tracker.domain.quotes import fold_whitespace, normalise
from tracker.domain.verbal import Scale, load_scale

from .confidence import ConfidenceModel, features, load_model
from .hedges import Hedge, HedgeFinder, Reading, belief_denied, governing_rank
from .questions import NEW_QUESTION_BELOW, NEW_QUESTION_TEMPLATE, QuestionDoc, Suggestion, statement, suggest
from .segment import inner_sentences, paragraphs, sentences
from .speaker_model import SpeakerChooser, Weights, load_weights
from .speakers import Speaker, attribute, for_part

__all__ = ["Candidate", "Extraction", "Recorded", "extract", "quote_matches"]

# Candidates below this confidence are left out unless asked for (``min_confidence``).
DEFAULT_MIN_CONFIDENCE = 0.3
# A sentence read as several forecasts: the part whose hedge would govern the whole sentence is kept as any
# candidate is; another part only when strongly marked, an estimative phrase or a stated number with a time to
# come (confidence 0.85 and more). A flat "will" or "may" in a second clause was more often the reason or the
# background ("... because the dates will change") than a second forecast (issue 22, corpus tune half: with
# every part kept precision fell by 5 points, with estimative parts kept by 1 point, for one more polarity).
_SECOND_PART = 0.85
# The governing part of a sentence inside a quotation of several sentences kept whole, when another sentence of
# it governs the whole: kept from this confidence (a "will" with a time to come, an estimative phrase; a bare
# "may", "could" or "I think" there was more often an aside than a forecast: on the tune half 0.6 kept 6 more
# candidates, 2 of them labelled, for no more polarity).
_INNER_MAIN = 0.65
# A second part set against the first by "but" (", but it is unlikely to expand", "-- but they're not likely to
# win"): the writer weighs two outcomes, and an estimative phrase there is a second estimate, not a reason or
# background. Kept as the estimative phrase itself is (0.8), not only with a time to come.
_CONTRAST_PART = 0.75
_CONTRAST_OPENING = re.compile(r"[\s,;:–—-]*(?:but|yet|though|although|whereas|while)\b", re.I)
# A part after a comma opened by "with" and holding an estimative phrase or a stated chance ("..., with Labour's
# leader most likely to end up as prime minister", "..., with the chance of the GOP keeping the Senate at 74
# percent"): an absolute clause that adds a second estimate to the sentence's, kept as a contrasted one is.
_WITH_OPENING = re.compile(r"\s*,\s*with\b", re.I)
_BASE = {"estimative": 0.8, "future": 0.6, "belief": 0.55, "modal": 0.35}
_FUTURE_TIME = re.compile(
    r"\b(?:next|soon|future|upcoming|coming|forthcoming|by (?:the end of )?(?:19|20)\d\d|in (?:the )?(?:short|long|"
    r"medium|near) term|later this|this (?:year|month|week)|tomorrow|within (?:a|the|\d+))\b",
    re.I,
)
_COUNTERFACTUAL = re.compile(r"\b(?:would|could|might|should|must)(?:\s+not)?\s+have\s+\w+(?:ed|en|wn|t)\b", re.I)
# Not "why": a why-clause presupposes what it explains ("why a resolution may not be as close as leaders suggest"
# states that it may not), it leaves no outcome open.
_EMBEDDED = re.compile(r"\b(?:who|what|how|whether|which|where)\s+(?:\w+\s+){0,3}$", re.I)
# "in the grip of what could develop into a severe season", "what may turn into a rout": "what" right before the
# modal and a verb of becoming is a free relative naming a thing, not a question ("unclear what could be done").
_FREE_WHAT = re.compile(r"\bwhat\s+$", re.I)
_BECOMING = re.compile(r"\s+(?:become|develop|turn|grow|escalate|evolve|prove|amount)\b", re.I)
# "troops, some of which may join the strikes", "IDC, which sees a potential for declines", "and which analysts
# feared could be the prelude": "which" after a comma, "and" or a preposition opens a relative clause, a statement
# about its noun, not a question left open ("unclear which party will win").
_RELATIVE_WHICH = re.compile(
    r"(?:,|\b(?:and|but|of|in|on|at|by|for|from|with|to|under|through|during|after|before))\s+which\s+(?:\w+\s+){0,3}$",
    re.I,
)
# A question asked inside a sentence, the auxiliary before its subject: "a key question for the outlook: how will
# employers respond", "the big question bookmakers are asking -- will the Conservatives do enough". It asks what
# will happen, as a sentence ending in a question mark does ("how the battle will be waged", without the
# inversion, is an embedded question: marked down less, above).
_AUXILIARIES = frozenset({"will", "would", "can", "could", "may", "might", "shall", "should"})
_WH_BEFORE = re.compile(r"\b(?:how|when|where|why)\s+$", re.I)
_CLAUSE_OPENS_BEFORE = re.compile(r"(?:^|[:;(\"“—–]|--|\s-)\s*$")
_SUBJECT_AFTER = re.compile(
    r"\s+(?:the|a|an|this|that|these|those|they|we|you|he|she|it|i|there|his|her|their|our|its|any)\b", re.I
)
# A condition put as a remote hypothesis by inversion: "Were they to do so, I think you would shatter the bond",
# "it would probably be a bigger shock than Brexit were Le Pen to triumph". What would follow an outcome the speaker
# does not expect is no forecast of it ("were expected to", "were set to", "were able to": a participle or an
# adjective after "were", not a subject, is no inversion).
_HYPOTHESIS = re.compile(
    r"(?:(?:^|[,;:(\"“—–]|--)\s*|\b(?:and|or|but|than)\s+)[Ww]ere\s+(?:the|a|an|this|that|they|we|you|he|she|it|i|"
    r"[A-Z][\w’'.-]*)\s+(?:[\w’'.-]+\s+){0,3}?to\s+[a-z]+|\b\w+\s+were\s+(?:the\s+)?(?:[A-Z][\w.-]*\s+){1,3}to\s+[a-z]+"
)
_HYPOTHESIS_REACH = 150
_LEADING_CONJUNCTION = re.compile(r"^(?:and|but|while|whereas|since|because|as|although|though|so|yet|or)\s+", re.I)
# Right after a hedge, a past form: "perhaps it was because of ...", "certainly hosted history before".
_PAST = re.compile(
    r"\s+(?:(?:it|this|that|he|she|they|there|we|i)\s+)?(?P<verb>was|were|had|did|(?!need|speed|feed|seed|shed|bed)"
    r"[a-z]{3,}ed)\b",
    re.I,
)
# A stated number from a past survey or price: "Then the economists calculated there was a 64% chance",
# "the same economists said there was a 65% chance ... last year", "When Mr Trump began ... with a 45 per cent
# chance". A past time and a past verb before the number.
_PAST_TIME = re.compile(
    r"^\W*(?:then|at the time|back then)\b|\b(?:ago|last (?:year|month|week|quarter|spring|summer|autumn|fall|"
    r"winter|time)|previously|(?:in|during) (?:the )?(?:prior|previous|preceding) \w+|when \S+(?: \S+){0,3}? "
    r"(?:began|started|was|were|had))\b",
    re.I,
)
_PAST_VERB = re.compile(r"\b(?:was|were|had|gave|put|saw|[a-z]{3,}ed)\b", re.I)
# An expectation dated in the past by the sentence: "A year ago, most forecasters expected a recession", "Before
# last week's meeting, a similar survey found the economists expecting one cut": what was expected then, which the
# article sets against the present, not a forecast made now.
# Not "last week" alone: "a model ... last week predicted a death toll of 1,900 on Election Day" is the latest
# forecast, reported a few days on.
_DISTANT_PAST = re.compile(
    r"^\W*(?:then|at the time|back then)\b|\b(?:ago|last (?:year|time)|previously|before last|at the time|back then|"
    r"(?:in|during) (?:the )?(?:prior|previous|preceding) \w+)\b",
    re.I,
)
_PAST_SAYING = re.compile(r"\b(?:was|were|had|found|said|thought|showed|told|saw|[a-z]{3,}ed)\b", re.I)
# "OPEC has agreed to increase output", "All four countries agreed to continue discussions": a decision reported,
# news of what was settled rather than a forecast of its outcome (the labels hold none; "plans to", "is prepared
# to", a stated intention still to be acted on, stay at the modal's confidence).
_AGREED = re.compile(r"(?:(?:has|have|had)\s+)?agreed\s+to$", re.I)
# "OPEC is scheduled to review prices again in December", "the committee is slated to vote on Dec. 10": the calendar
# stated, not an outcome foreseen (the labels hold none; "is set to", which they do hold, is left as it is).
_SCHEDULED = re.compile(r"(?:^|\s)(?:scheduled|slated|due)\s+to$", re.I)
# A flat "will" before a verb of the calendar: "The Fed will hold its next policy meeting on Oct. 29-30", "the
# election will take place in two weeks", "Merkel will host a summit", "the committee will meet on June 29", "a
# runoff will be held", "the session will conclude on August 12": the calendar stated, as "is scheduled to" states
# it. Not "will hold rates", "will hold its production cuts" (a decision foreseen), nor "will meet its target".
_CALENDAR_AFTER = re.compile(
    r"\s+(?:(?:also|again|next|then|now|formally|officially)\s+)?(?:take\s+place|be\s+held|convene|conclude|"
    r"(?:meet|gather)(?!\s+(?:the|its|their|his|her|our|a|an|with\s+(?:resistance|opposition))\b)|"
    r"(?:hold|host|chair|open)\s+(?:(?:a|an|the|its|their|his|her|our)\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:meeting|meetings|summit|talks|session|conference|hearing|briefing|debate|rally|ceremony|news\s+conference)\b)",
    re.I,
)
_FLAT_WILL = frozenset({"will", "'ll", "’ll"})
# "tools that will allow companies to train models", "a shell bill that will incorporate the legislation", "reports
# that will come out before the meeting": a flat "will" in a relative clause describes its noun (what a thing is
# for), and with no other hedge in the sentence the sentence forecasts nothing. Not a demonstrative subject ("he said
# that will happen", "a lot of that will depend on"), nor a clause after a verb ("so encouraging that").
_NOUN_RELATIVE_BEFORE = re.compile(
    r"\b(?!(?:said|says|say|think|thinks|believe|believes|expect|expects|hope|hopes|know|knows|is|are|was|were|be|"
    r"and|but|or|of|because|so|if|than|all|now|sure|clear|likely|possible|encouraging|way|fact|view|idea|chance|"
    r"chances|hope|risk|sign|signs|evidence|possibility|probability|likelihood|news|belief|expectation|"
    r"expectations|prospect|prospects|odds|doubt|confidence|fear|fears|warning|promise|pledge|assurance|guarantee|"
    r"argument|claim|view|case|bet|forecast|forecasts|prediction|predictions|estimate|estimates|point)\b)"
    r"[a-z]{3,}s?\s+(?:that|which)\s+$",
    re.I,
)
# "they are willing to talk", "he is 'prepared to negotiate'", "a level they are prepared to defend", "was clearly
# determined to convey some optimism": a readiness stated, what a party would accept or means to do, not an outcome
# foreseen (the corpus labels hold none; "plans to", "vowed to", which they do hold, are left). Not a comparison:
# "more cuts than they are willing to admit" says what the speaker foresees; nor a capability judged by another
# (readiness qualified by "well", "fully", "better": an assessment that it will, which the seeds record).
_READINESS = re.compile(
    r"(?<!well )(?<!fully )(?<!better )(?<!ill )(?<!poorly )(?<!badly )(?:ready|prepared|willing|determined)\s+to$",
    re.I,
)
_THAN_BEFORE = re.compile(r"\bthan\s+(?:[\w'’]+\s+){0,3}$", re.I)
# "There is a greater possibility that the test will take place around that time", "doubts whether the talks will
# take place at all": the calendar's verb in a statement a prospect bears on is the event forecast.
_PROSPECT_BEFORE = re.compile(
    r"\b(?:possibility|probability|chance|chances|likelihood|odds|risk|doubts?|doubtful|question|sure|certain|"
    r"confident|whether|if)\b[^.;:!?]{0,80}$",
    re.I,
)
# "it was going to be", "they were going to": a future seen from the past, not a forecast now.
_FUTURE_IN_PAST = re.compile(r"\b(?:was|were)\s+(?:\w+\s+)?$", re.I)
# "The company had previously forecast ...", "analysts had expected": the past perfect of a verb of belief.
_HAD_BEFORE = re.compile(r"\bhad\s+(?:\w+\s+)?$", re.I)
# "may seem", "could look", "might appear": how something appears now, not what will happen.
_APPEARANCE = re.compile(r"\s+(?:well\s+)?(?:seem|seems|look|looks|appear|appears|sound|sounds)\b", re.I)
# "could not attend", "could reached": a past ability. Not "might not": it only ever looks ahead ("an agreement
# might not be reached before the election").
# Nor "could not guarantee", "could not say", "could not rule out": a speech act reported, about what is to come.
_PAST_ABILITY = re.compile(
    r"\bcould\s+not\b(?!\s+(?:guarantee|say|predict|rule\s+out|exclude|confirm|tell|be\s+sure))|"
    r"\bcould\s+\w+ed\b",
    re.I,
)
# "It will be important to ...", "this will be a great day": a judgment or an exhortation, not a forecast.
_EVALUATIVE = re.compile(
    r"\b(?:it|this|that)(?:\s+will|\s*['’]ll)\s+(?:also\s+)?be\s+(?:(?:very|so|really|quite|extremely|a|an|truly)\s+)*"
    r"(?:great|wonderful|terrible|awful|interesting|fascinating|important|crucial|vital|essential|necessary|nice|"
    r"good|bad|exciting|historic|fun|amazing|helpful|useful|worth|worthwhile|welcome|honou?r|pleasure|shame|pity)\b",
    re.I,
)


# What will matter or be watched, whatever the subject: "all eyes will be on the sales figures", "investors will be
# sensitive to any change in the votes", "the actual turnout will be crucial", "his comments will be scoured for
# signals", "it will only be important if he wins": attention or importance foretold, not
# an outcome ("turnout will be high", "the vote will be close" stay).
_ATTENTION = re.compile(
    r"\b(?:eyes\s+(?:will|['’]ll)\s+(?:\w+\s+)?be\s+(?:on|fixed|trained)\b|(?:will|['’]ll)\s+(?:also\s+|still\s+|only\s+)?be\s+"
    r"(?:(?:very|so|particularly|especially|most|extremely|absolutely|highly|all\s+the\s+more|closely|carefully)\s+)*"
    r"(?:crucial|critical|vital|essential|important|key|sensitive\s+to|watched|closely\s+watched|watching|in\s+focus|"
    r"in\s+the\s+spotlight|scoured|scrutini[sz]ed|parsed|monitored|studied)\b)",
    re.I,
)
# A forecast's own revision foreseen as a caveat: "their forecasts may change, depending on whether progress is made",
# "That could change depending on how amendments go": what the statement depends on, not a forecast of change.
_CAVEAT = re.compile(
    r"\s+(?:\w+\s+)?(?:change|vary|shift|differ|be\s+revised)\b[\s,]*(?:\w+\s+)?(?:depending|depends|dependent)\s+on\b",
    re.I,
)


# A belief about what has happened: "the CDC believes about 6 million people have been sick", "I think they've got
# a plan", "I am confident we did the right thing": the first verb of what is believed is a past or a perfect, before
# any modal or future ("believe they have the votes to pass it", a present, stays).
_BELIEVED_PAST = re.compile(
    r"(?:\s+(?:that|about|roughly|some|around|nearly|almost|more|than|[\w’'.,$%-]+)){0,8}?\s+(?:(?:was|were|did)\b|"
    r"(?:has|have|had)\s+(?:\w+ly\s+)?(?:been|got|gotten|gone|done|seen|made|taken|won|lost|[a-z]{3,}ed)\b|"
    r"[\w]+['’]ve\s+(?:\w+ly\s+)?(?:been|got|gotten|gone|done|seen|made|taken|won|lost|[a-z]{3,}ed)\b)",
    re.I,
)
_FUTURE_OR_MODAL = re.compile(
    r"\b(?:will|would|could|may|might|can|shall|should|must|going|to(?!\s+[\d$])|['’]ll|['’]d|next|soon|future|coming|until|by)\b",
    re.I,
)
# "The collapse in prices has likely sent OPEC into a panic", "the decline was likely due to longer replacement
# cycles": an adverb of likelihood after a perfect's auxiliary, or before a cause, estimates what has happened or
# why, not what will.
_ADVERB_HEDGES = frozenset({"likely", "most likely", "probably", "very likely", "almost certainly", "possibly"})
_PERFECT_BEFORE = re.compile(r"\b(?:has|have|had|hasn['’]t|haven['’]t)\s+(?:(?:most|very|almost)\s+)?$", re.I)
_CAUSE_AFTER = re.compile(
    r"\s+(?:due\s+to|because\s+of|caused\s+by|driven\s+by|the\s+result\s+of|a\s+result\s+of|explained\s+by)\b",
    re.I,
)
# "35 percent of consumers said they would be keeping their handsets longer", "only 13% of people say they will":
# a survey's share stating its own intention, a figure of the survey, not a forecast of anyone's (corpus-h).
_SHARE_SAYS_THEY = re.compile(
    r"(?:\d+(?:\.\d+)?\s?(?:%|percent|per\s+cent)|(?:a|one)\s+(?:quarter|third|half|fifth|tenth)|half|"
    r"(?:a|the)\s+majority|most|many)\s+of\s+(?:(?:the|all|those)\s+)?(?:[\w'’-]+\s+){1,3}"
    r"(?:said|say|says|told\s+\w+)\s+(?:they|she|he)\s+(?:would|will)$",
    re.I,
)
# "he correctly predicted 49 out of 50 states": a forecast already judged, the forecaster's record.
_TRACK_RECORD = re.compile(
    r"\b(?:correctly|accurately|wrongly|incorrectly|rightly|successfully)\s+(?:predicted|forecast|called|foresaw|"
    r"anticipated|projected)\b",
    re.I,
)
# "Washington hopes will avert the crisis", "He also hopes that the EU will be able to": a wish, the verb after its
# subject and the hedge in one clause (no stop or other clause opening between them). Not the noun ("preserving
# hopes it could", "my hope is that we'll finish": the labels hold such sentences).
_HOPED = re.compile(
    r"(?:\b(?:he|she|they|we|i|it|also|still)|\b(?!(?:My|Our|Their|His|Her|Its|Your|The|A|An|This|That)\b)[A-Z][\w.-]+)\s+(?:hopes?|hoped)\s+(?:that\s+)?"
    r"(?:(?!(?:but|and|because|while|although|though|if|when)\b)[\w'’,-]+\s+){0,6}$"
)
# "I believe it,", "we think so.": the verb's object is a pronoun and the clause ends there.
_NO_COMPLEMENT = re.compile(r"\s+(?:it|so|that)\s*[,.;!\"”]", re.I)
# "analysts are forecasting OPEC to slash output", "economists do not expect the bloc to be gripped": a verb of
# belief with an object and an infinitive states the forecast itself, not only an attribution (in the present: "most
# forecasters expected the economy to slide" is an expectation held before).
_STATED_OBJECT = re.compile(
    r"\s+(?!that\b|to\b)(?:[\w'’$%.,-]+\s+){1,4}?to\s+(?!(?:the|a|an|their|his|her|its|our|my|your|this|that|these|those)\b|\d)[a-z]+",
    re.I,
)
_BELIEVING = re.compile(r"(?:believe|believes|think|thinks|confident|sure|certain)$", re.I)


@dataclass(frozen=True)
class Recorded:
    """A forecast already in the ledger, to recognise a candidate that repeats it."""

    forecast_id: str
    quote: str
    question_id: str | None = None


@dataclass(frozen=True)
class Candidate:
    index: int
    quote: str  # verbatim (whitespace folded), the sentence (a sentence with two hedged parts gives two candidates)
    start: int  # offsets into the text
    end: int
    reading: Reading
    speaker: Speaker
    confidence: float
    reasons: tuple[str, ...]
    uncertain: tuple[str, ...]
    suggestions: tuple[Suggestion, ...]
    new_question: str | None  # a drafted title when no question fits
    recorded: tuple[str, ...] = ()  # forecast ids of the ledger this candidate repeats
    recorded_question: str | None = None  # the question the first of them is on

    statement: str = ""  # what the hedge bears on, the hedge taken out
    clause: str = ""  # the hedged clause (or part of the sentence), verbatim: a shorter quote the reviewer may prefer
    # What the learned confidence was computed from (None on the rules' path): for training and for reading a score.
    features: Mapping[str, float] | None = field(default=None, compare=False, repr=False)

    @property
    def hedge_words(self) -> str:
        return self.reading.hedge.words


@dataclass(frozen=True)
class Extraction:
    candidates: tuple[Candidate, ...]
    sentences: int
    left_out: int  # hedged sentences below the confidence threshold


def quote_matches(candidate: str, quote: str, most: float = 0.6) -> bool:
    """A candidate quote matches a quote when it contains it (compared as the ledger's quote check compares:
    quote marks, apostrophes, dashes and whitespace normalised), or has most of its words (``most``, in
    order: difflib's matching blocks over words)."""
    c = normalise(candidate)
    q = normalise(quote)
    if not q or not c:
        return False
    if q in c:
        return True
    qw = re.findall(r"\w+", q.lower())
    cw = re.findall(r"\w+", c.lower())
    if not qw:
        return False
    matched = sum(b.size for b in difflib.SequenceMatcher(None, qw, cw, autojunk=False).get_matching_blocks())
    return matched >= most * len(qw)


def extract(
    text: str,
    *,
    scale: Scale | None = None,
    questions: Sequence[QuestionDoc] = (),
    authors: Sequence[str] = (),
    recorded: Sequence[Recorded] = (),
    min_confidence: float | None = None,
    finder: HedgeFinder | None = None,
    rules_only: bool = False,
    learned_speakers: bool = False,
    speaker_weights: Weights | None = None,
    learned_confidence: bool = False,
    model: ConfidenceModel | None = None,
) -> Extraction:
    """The candidate forecasts of ``text``, in the order they appear, each with the hand rules' confidence;
    those under ``min_confidence`` (default 0.3) are left out, and a second part of a sentence is kept only above
    the rules' floor for its kind.

    With ``learned_confidence`` (or a ``model``), every hedged part is scored by the learned model instead (by
    default the shipped weights, confidence.py): its probability is the confidence, and those under
    ``min_confidence`` (default: the model's cut-off) are left out. ``learned_speakers``: each speaker is the
    learned choice among the rules' pick and the other sources of its context (``speaker_model``, with
    ``speaker_weights`` or the shipped ones). Both are off by default: leave-one-file-out neither beat the rules
    (docs/extract.md). ``rules_only`` turns every learned part off, whatever else is asked."""
    learned = None if rules_only or not (learned_confidence or model is not None) else (model or load_model())
    cut = 0.0
    if learned is None:
        min_confidence = DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence
    else:
        cut = learned.cut if min_confidence is None else min_confidence
        min_confidence = 0.0
    finder = finder or HedgeFinder(scale or load_scale())
    paras = paragraphs(text)
    sents = sentences(text, paras)
    speakers = attribute(text, paras, sents, tuple(authors))
    drafts: list[tuple[int, Reading, float, list[str], str, dict[str, float] | None]] = []
    left_out = 0
    for i, s in enumerate(sents):
        if s.text.rstrip(" ”\"’'").endswith("?"):
            continue  # a question asks; it does not forecast
        readings = finder.read_all(s.text)
        # A quotation of several sentences kept whole: each of its sentences has its own governing part, as it
        # would if it stood alone (the speaker's next sentence is another statement, not a reason or background).
        inner = inner_sentences(s.text)
        mains: dict[int, Reading] = {}
        for reading in readings:
            at = bisect.bisect_right(inner, reading.hedge.start)
            if at not in mains or _main_rank(s.text, reading) < _main_rank(s.text, mains[at]):
                mains[at] = reading
        main = min(readings, key=lambda r: _main_rank(s.text, r), default=None)
        for reading in readings:
            confidence, reasons = _confidence(s.text, reading)
            role, part_floor = _part_floor(s.text, reading, main, mains)
            feats: dict[str, float] | None = None
            if learned is None:
                if confidence < max(min_confidence, part_floor):
                    left_out += 1
                    continue
            else:
                feats = features(
                    s.text,
                    reading,
                    confidence,
                    reasons,
                    role=role,
                    rules_keep=confidence >= max(DEFAULT_MIN_CONFIDENCE, part_floor),
                    position=i / len(sents),
                    paragraph=s.paragraph,
                    speaker=for_part(s.text, reading.clause, speakers[i]),  # the rules' speaker, whatever is asked
                )
                p = learned.score(feats)
                if p < cut:
                    left_out += 1
                    continue
                moved = ", ".join(learned.contributions(feats)) or "a typical candidate"
                reasons = [*reasons, f"rules' confidence {confidence:.2f}; learned (log-odds): {moved}"]
                confidence = p
            drafts.append((i, reading, confidence, reasons, statement(s.text, reading.clause, reading.hedge), feats))

    ranked = suggest([sents[i].text for i, *_ in drafts], questions)
    chooser: SpeakerChooser | None = None
    if drafts and learned_speakers and not rules_only:
        weights = speaker_weights or load_weights()
        chooser = SpeakerChooser(text, paras, sents, tuple(authors), speakers)
    out: list[Candidate] = []
    for n, (i, reading, confidence, reasons, said, feats) in enumerate(drafts):
        s = sents[i]
        speaker = for_part(s.text, reading.clause, speakers[i])
        if chooser is not None:
            speaker = chooser.choose(i, (reading.hedge.start, reading.hedge.end), speaker, weights)
        quote = fold_whitespace(s.text)
        suggestions = tuple(ranked[n]) if ranked else ()
        best = suggestions[0].score if suggestions else 0.0
        repeats = [r for r in recorded if quote_matches(quote, r.quote)]
        known_question = any(r.question_id for r in repeats)
        new_question = NEW_QUESTION_TEMPLATE if best < NEW_QUESTION_BELOW and not known_question else None
        uncertain = list(reading.notes)
        if speaker.confidence < 0.7:
            uncertain.append(f"speaker: {speaker.basis}; check who says this")
        if new_question is not None:
            uncertain.append(
                "no existing question fits well"
                + (f" (best score {best:.2f})" if suggestions else "")
                + f": a new question is drafted; write its event and date from: {said!r}"
            )
        uncertain.append(
            "reading: drafted as if the question's YES is the event the clause states; use negates if it is its NO"
        )
        out.append(
            Candidate(
                index=n,
                quote=quote,
                start=s.start,
                end=s.end,
                reading=reading,
                speaker=speaker,
                confidence=round(confidence, 2),
                reasons=tuple(reasons),
                uncertain=tuple(uncertain),
                suggestions=suggestions,
                new_question=new_question,
                recorded=tuple(r.forecast_id for r in repeats),
                recorded_question=next((r.question_id for r in repeats if r.question_id), None),
                statement=said,
                clause=_LEADING_CONJUNCTION.sub("", fold_whitespace(s.text[reading.clause[0] : reading.clause[1]])),
                features=feats,
            )
        )
    return Extraction(tuple(out), len(sents), left_out)


def _part_floor(sentence: str, reading: Reading, main: Reading | None, mains: dict[int, Reading]) -> tuple[str, float]:
    """Which part of its sentence a reading is, and the rules' confidence floor for that kind of part (the main part
    has none but ``min_confidence``)."""
    if reading is main:
        return "main", 0.0
    if any(reading is m for m in mains.values()) or reading.hedge.strength == "belief":
        # A part of its own read by a verb of belief ("We expect X to slow, but ...") is a statement the speaker
        # makes, kept as an inner sentence's is (the attributions have joined their neighbours).
        return ("inner" if reading.hedge.strength != "belief" else "belief_part"), _INNER_MAIN
    if reading.hedge.strength == "estimative" and (
        _CONTRAST_OPENING.match(sentence, reading.clause[0])
        or (
            _WITH_OPENING.match(sentence, max(0, reading.clause[0] - 2))
            and "/" not in reading.hedge.words  # a price list ("with Hills making them 8/13"): the same bet
        )
    ):
        return "contrast", _CONTRAST_PART
    if (
        main is not None
        and _CONTRAST_OPENING.match(sentence, reading.clause[0])
        and (reading.p_event > 0.5) != (main.p_event > 0.5)
        and belief_denied(sentence, reading.clause[0], reading.hedge.start)
    ):
        # "77 per cent believe the Fed will raise rates, but only 37 per cent believe it will happen next month": the
        # part set against the first holds a belief most deny, a second estimate of its own.
        return "denied", _INNER_MAIN
    return "second", _SECOND_PART


# A part opened by a relative pronoun after a comma ("a second wave could come in the winter, which will complicate
# things", ", who will chair it"): a flat "will" there states a consequence or background about a noun of the main
# clause, not the sentence's forecast; it governs only where the main clause has no hedge of its own (on corpus-g,
# "which will" won over the main clause's "could" by the rank of a flat "will").
_RELATIVE_PART = re.compile(r"[\s,;:–—\"“”'‘’(-]*(?:which|who|whose|whom)\b", re.I)


# "While there is a strong possibility of X, other producers are unlikely to join": a concession that opens the
# sentence is set against its main clause, which states the sentence's forecast (the concession is a part of its
# own, kept as a part set against another by "but" is).
_CONCESSION_OPENS = re.compile(r"[\s\"“‘']*(?:while|although|though|whereas|even\s+though)\b", re.I)


# A relative pronoun as the subject of the modal right after it ("prices that can set in motion", "a war which could
# last"): "that" with no subject between it and the modal is no complementizer ("expects that rates will" has one).
_SUBJECT_RELATIVE = re.compile(r"\b(?:that|which|who)\s+$", re.I)


# A concession after the main clause holding an estimate (", though optimism about a deal remains low", ", though
# it is 'impossible' to reach a deal") is subordinate to it: kept as a part set against the main one (an estimative
# part after a contrast, below), not taken as the sentence's reading. A concession's weak modal ("although NAME
# said a cut may be limited") is left as it was: there the main clause's hedge was the weaker claim.
_CONCESSION_PART = re.compile(r"[\s,;:–—-]*(?:though|although|even\s+though|whereas)\b", re.I)


_UNREAL_IF = re.compile(r"\bif\s+(?:[\w'’-]+\s+){1,5}?were\b(?!\s+to\b)[^.;]*?\bwould\b", re.I)


def _main_rank(sentence: str, reading: Reading) -> tuple[bool, tuple[int, int]]:
    """How strongly a part's reading claims the sentence (lower first): a relative part or an opening concession
    last, then by its hedge."""
    if reading.hedge.strength in ("future", "modal") and _SUBJECT_RELATIVE.search(
        sentence, max(0, reading.hedge.start - 12), reading.hedge.start
    ):
        # "deflation, a long run of falling prices that can set in motion a spiral": a modal right after its
        # relative pronoun describes the noun, whatever the part.
        subordinate = True
    elif reading.clause[0] > 0:
        # Only a flat "will" / "would" there: an estimative phrase is an estimate even in a relative clause
        # ("they agreed to meet, which will probably happen in June").
        subordinate = (
            reading.hedge.strength == "future" and _RELATIVE_PART.match(sentence, reading.clause[0]) is not None
        ) or (
            reading.hedge.strength == "estimative" and _CONCESSION_PART.match(sentence, reading.clause[0]) is not None
        )
    else:
        subordinate = reading.clause[1] < len(sentence.rstrip()) - 1 and _CONCESSION_OPENS.match(sentence) is not None
    if not subordinate and _UNREAL_IF.search(sentence, reading.clause[0], reading.hedge.start) is not None:
        # "if the vote were free and fair, the MPLA would almost certainly lose -- but that's not going to
        # happen": an unreal condition's consequence is no forecast; a part stating the real outcome wins.
        subordinate = True
    return (subordinate, governing_rank(reading.hedge))


def _confidence(sentence: str, reading: Reading) -> tuple[float, list[str]]:
    """How likely the sentence is a forecast, and why: the kind of hedge, then cues for and against."""
    hedge = reading.hedge
    confidence = _BASE[hedge.strength]
    reasons = [f"hedge {hedge.words!r} read as {hedge.entry.phrase!r} ({hedge.strength})"]
    before = sentence[: hedge.start]
    clause = sentence[reading.clause[0] : reading.clause[1]]
    if _FUTURE_TIME.search(sentence):
        confidence += 0.1
        reasons.append("a future time is named")
    if (
        hedge.strength == "belief"
        and not hedge.words.lower().endswith("ed")
        and _STATED_OBJECT.match(sentence, hedge.end)
    ):
        confidence += 0.1
        reasons.append("a verb of forecast with its own statement ('forecasting OPEC to cut')")
    if _COUNTERFACTUAL.search(clause):
        confidence -= 0.3
        reasons.append("a counterfactual ('would have ...'): about the past")
    if (
        hedge.strength in ("future", "modal")
        and _EMBEDDED.search(before)
        and not _RELATIVE_WHICH.search(before)
        and not (_FREE_WHAT.search(before) and _BECOMING.match(sentence, hedge.end))
    ):
        confidence -= 0.25
        reasons.append("the hedge sits in an embedded question ('who will ...')")
    if hedge.strength == "modal" and _PAST_ABILITY.search(sentence[hedge.start : hedge.end + 20]):
        confidence -= 0.2
        reasons.append("'could not' reads as past ability")
    if hedge.strength == "modal" and hedge.entry.phrase == "can be" and hedge.words.lower() in ("can", "could"):
        confidence -= 0.1
        reasons.append("a bare 'can' is often ability, not likelihood")
    if hedge.strength != "future" and hedge.via != "stated":
        past = _PAST.match(sentence, hedge.end)
        # "might be deferred", "could be approved": a participle after "be" is a passive, not a past tense.
        if past and not _FUTURE_TIME.search(clause) and not hedge.words.lower().endswith(" be"):
            confidence -= 0.3
            reasons.append(f"the hedged clause is in the past tense ({past.group('verb')!r}): about what happened")
    if hedge.strength == "future" and _EVALUATIVE.search(sentence, max(0, hedge.start - 12), hedge.end + 60):
        confidence -= 0.45
        reasons.append("an evaluative 'will be' (important, great, ...): a judgment, not a forecast")
    if hedge.via == "stated" and _PAST_TIME.search(before) and _PAST_VERB.search(before):
        confidence -= 0.65
        reasons.append("the number is dated in the past (a past survey or price): not a forecast made now")
    if hedge.strength == "belief" and _HAD_BEFORE.search(sentence, max(0, hedge.start - 24), hedge.start):
        confidence -= 0.3
        reasons.append("'had expected', 'had previously forecast': an expectation held before, not one made now")
    if hedge.words.lower().startswith("going to") and _FUTURE_IN_PAST.search(sentence, 0, hedge.start):
        confidence -= 0.35
        reasons.append("'was going to': a future seen from the past")
    if hedge.strength == "modal" and _APPEARANCE.match(sentence, hedge.end):
        confidence -= 0.2
        reasons.append("a modal of appearance ('may seem'): how things look now, not what will happen")
    if (
        hedge.words.lower() in _FLAT_WILL
        and not reading.others
        and _NOUN_RELATIVE_BEFORE.search(sentence, max(0, hedge.start - 30), hedge.start)
    ):
        confidence -= 0.45
        reasons.append("a flat 'will' in a relative clause ('tools that will allow'): what a thing is for")
    for cut, reason in _not_forecasts(sentence, hedge, before):
        confidence -= cut
        reasons.append(reason)
    if len(sentence.split()) < 5:
        confidence -= 0.1
        reasons.append("a very short sentence")
    if reading.conditional:
        confidence -= 0.05
    return max(0.0, min(1.0, confidence)), reasons


def _not_forecasts(sentence: str, hedge: Hedge, before: str) -> list[tuple[float, str]]:
    """Kinds of sentence that carry a hedge and forecast nothing (issue 22, recall6), each with how much it lowers the
    confidence and why: a question asked inside the sentence, a remote hypothesis, an agreement reported, an
    expectation dated in the past, attention or importance foretold, a caveat that the statement may change."""
    out: list[tuple[float, str]] = []
    words = hedge.words.lower()
    # Windows before the hedge, not the whole of it: these are read for every hedged part, and a sentence may be a
    # piece of 1,500 characters of text without a stop.
    near = max(0, hedge.start - 16)
    if words in _AUXILIARIES and (
        _WH_BEFORE.search(sentence, near, hedge.start)
        or (_CLAUSE_OPENS_BEFORE.search(sentence, near, hedge.start) and _SUBJECT_AFTER.match(sentence, hedge.end))
    ):
        out.append(
            (0.5, "a question asked in the sentence ('how will ...', '-- will the ...'): it asks, not forecasts")
        )
    reach = (max(0, hedge.start - _HYPOTHESIS_REACH), hedge.end + _HYPOTHESIS_REACH)
    if "ere " in sentence[reach[0] : reach[1]] and _HYPOTHESIS.search(sentence, *reach):
        out.append((0.6, "a remote hypothesis ('were X to ...'): what would follow is not forecast"))
    if _AGREED.search(words):
        out.append((0.1, "'agreed to': a decision reported, not a forecast"))
    if _SCHEDULED.search(words):
        out.append((0.45, "a schedule stated ('is scheduled to'): the calendar, not an outcome foreseen"))
    if (
        words in _FLAT_WILL
        and _CALENDAR_AFTER.match(sentence, hedge.end)
        and not _PROSPECT_BEFORE.search(sentence, max(0, hedge.start - 100), hedge.start)
    ):
        out.append((0.45, "the calendar after a flat 'will' ('will hold its meeting on'): a schedule"))
    if _READINESS.search(words.replace('"', "").replace("“", "")) and not _THAN_BEFORE.search(
        sentence, max(0, hedge.start - 40), hedge.start
    ):
        out.append((0.1, "a readiness stated ('are willing to talk'): what a party would do, not an outcome foreseen"))
    if hedge.strength == "belief" and _DISTANT_PAST.search(before) and _PAST_SAYING.search(before + hedge.words):
        out.append((0.3, "an expectation dated in the past ('a year ago ... expected'): held then, not made now"))
    if hedge.strength == "future" and _ATTENTION.search(sentence, max(0, hedge.start - 12), hedge.end + 60):
        out.append((0.45, "what will be watched or matter ('all eyes will be on', 'will be crucial'): not an outcome"))
    past = _BELIEVED_PAST.match(sentence, hedge.end) if _BELIEVING.search(words) else None
    if past and not _FUTURE_OR_MODAL.search(sentence, hedge.end, past.end()):
        out.append((0.55, "a belief about what has happened ('believes X have been'): not a forecast"))
    if words in _ADVERB_HEDGES and (
        _PERFECT_BEFORE.search(sentence, max(0, hedge.start - 12), hedge.start)
        or _CAUSE_AFTER.match(sentence, hedge.end)
    ):
        out.append((0.55, "an estimate of what has happened or why ('has likely sent', 'was likely due to')"))
    if words.endswith(("would", "will")) and _SHARE_SAYS_THEY.search(sentence, max(0, hedge.end - 90), hedge.end):
        out.append((0.4, "a share of respondents stating their own intention ('13% said they would'): a survey result"))
    if _TRACK_RECORD.search(sentence, max(0, hedge.start - 16), hedge.end):
        out.append((0.5, "a past forecast judged ('correctly predicted'): a track record, not a forecast"))
    if hedge.strength in ("future", "modal") and _HOPED.search(sentence, max(0, hedge.start - 60), hedge.start):
        out.append((0.35, "a hope ('hopes that X will'): what is wished for, not foreseen"))
    if hedge.strength == "belief" and _NO_COMPLEMENT.match(sentence, hedge.end):
        out.append((0.4, "a verb of belief with nothing to believe ('I believe it', 'I think so')"))
    if hedge.strength == "modal" and _CAVEAT.match(sentence, hedge.end):
        out.append((0.3, "a caveat ('may change, depending on ...'): what the statement depends on, not a forecast"))
    return out
