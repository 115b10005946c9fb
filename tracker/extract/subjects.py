"""The subject of a sentence's verb of saying, believing, predicting or estimating, read by a light noun-phrase
chunker over the words before the verb, for sources the name patterns of ``speakers`` do not read: lower-case
groups ("some analysts estimate", "almost no one is expecting"), shares of people ("55 percent of the panel
predicted", "a fifth forecast"), organisations and reports ("the OPEC cartel said", "A new analysis from Acme
estimates", "Fed fund futures give just a 9% chance"), states of mind ("officials are convinced that") and a
person's name before the organisation it belongs to ("Jane Roe of Acme said", "Jane Roe, chief economist at
Acme, is not expecting").

The chunker walks back from the verb over auxiliaries and adverbs, then over the words a noun phrase is made of
(determiners, quantifiers, numbers and percents, adjectives, nouns, capitalised names, "of" / "from" / "at" and
the like with their noun phrases), and stops at a word no noun phrase holds (a conjunction, a relative, a verb,
a comma that is not an appositive's). What it found is a source only when its head is a word for people, a
group, an organisation or a document, a capitalised name, or a share of people."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from .segment import wordset

__all__ = ["TRIGGERS", "Subject", "subject_of_verb", "subjects_of_verbs"]


class Subject(NamedTuple):
    name: str
    kind: str  # "person", "group"
    basis: str
    phrase: str  # the whole noun phrase, as written
    share: bool  # a share of people ("57 percent", "a fifth"): the group is the one named before
    belief: bool = False  # a verb of belief or a state of mind ("believe", "are convinced"), not of saying


_TOKEN = re.compile(r"[A-Za-z0-9\u00c0-\u024f][\w’'.&%\u00c0-\u024f-]*[\w%]|[A-Za-z0-9%]|[,;:()—–“”\"]")

# Verbs whose subject is a source (active forms; a participle is checked for a passive below).
_VERBS = wordset(
    """say says said believe believes believed think thinks thought expect expects expected expecting predict
    predicts predicted predicting forecast forecasts forecasting forecasted estimate estimates estimated estimating
    reckon reckons reckoned anticipate anticipates anticipated anticipating foresee foresees foresaw project
    projects projected projecting indicate indicates indicated suggest suggests suggested conclude concludes
    concluded calculate calculates calculated warn warns warned argue argues argued doubt doubts doubted
    fear fears feared assume assumes assumed told tells"""
)
# What markets price: "markets priced in three cuts", "are only pricing in a 10% chance".
_PRICING = wordset("priced pricing")
# Verbs that state a probability only with a probability noun after them ("give a 9% chance").
# "raised their median forecast", "trimmed their inflation projections": a source revising its own forecast.
_REVISE_VERBS = wordset(
    "raised lowered trimmed cut revised upgraded downgraded lifted nudged pared slashed boosted released published "
    "issued unveiled"
)
_OWN = wordset("their its his her our")
_FORECAST_NOUNS = wordset("forecast forecasts projection projections estimate estimates outlook expectations call")
_ODDS_VERBS = wordset("give gives gave put puts assign assigns assigned see sees saw")
_PROBABILITY = wordset("chance chances odds probability likelihood risk")
# Verbs of evidence: a document states with them ("the poll shows", "a survey found", "exit polls indicate").
# A document is then the source only with its owner named ("a Reuters poll of analysts showed", "the poll from
# Acme shows"): unowned, it is data the reporter reads, as a document that predicts ("the model predicts") is not.
_DOCUMENT_VERBS = wordset("show shows showed find finds found")
_EVIDENCE_VERBS = _DOCUMENT_VERBS | wordset("indicate indicates indicated suggest suggests suggested")
_OWNERS = wordset("of from by")
# "are betting on", "are picking": what they wager on.
_WAGER = wordset("betting picking")
# Adjectives of belief after a copula ("are convinced that", "is confident of").
_STATES = wordset(
    "convinced confident doubtful optimistic pessimistic sceptical skeptical hopeful certain sure afraid worried "
    "fearful"
)
_BELIEFS = wordset(
    """believe believes believed think thinks thought expect expects expected expecting doubt doubts doubted fear
    fears feared assume assumes assumed anticipate anticipates anticipated anticipating"""
)
# A stance on a prospect: "Germany has downplayed chances of a breakthrough", "dampened hopes".
_STANCE_VERBS = wordset("downplayed downplays dampened dampens")
_PROSPECTS = wordset("chances chance hopes hope expectations prospects prospect odds")
_STATE_AFTER = wordset("that of about")
# Confidence voiced as a noun: "has exuded confidence to defeat the motion", "voiced confidence that".
_VOICE_VERBS = wordset("voiced voices voice expressed expresses express exuded exudes exude")
_VOICED = wordset("confidence optimism")
_FEARS = wordset("afraid worried fearful")
_COPULAS = wordset("is are was were remain remains remained")
# Between a subject and its verb.
_AUXILIARIES = wordset(
    """has have had is are was were be been do does did not n't also now still already lately all both even
    further generally largely widely mostly broadly overwhelmingly increasingly privately publicly reportedly
    will would could may might can continue continues continued to doesn't don't didn't doesn’t don’t didn’t
    isn't aren't isn’t aren’t"""
)
# A time between a subject and its verb ("Financial markets on Wednesday priced in"): skipped with it.
_TIMES = wordset(
    """Monday Tuesday Wednesday Thursday Friday Saturday Sunday today yesterday week month year morning night
    January February March April May June July August September October November December"""
)
_WEEKDAYS = wordset("Monday Tuesday Wednesday Thursday Friday Saturday Sunday yesterday today")
_TIME_OPENERS = wordset("on in at this last next early late")
_DETERMINERS = wordset(
    """the a an some many most several few all both each every other another its their his her our this these
    those no almost nearly about around roughly just only over under more less than"""
)
_PREPOSITIONS = wordset("of from at in with for by among across polled surveyed questioned interviewed asked")
# Words no subject noun phrase holds: the walk back stops at them.
_STOPS = wordset(
    """that which who whom whose but and or nor while whereas though although as if when because since after
    before until than so yet to is are was were be been being has have had do does did will would could should
    may might can must not there it he she they we i you me him us them what how why where whether despite
    even said says say told expect expects expected believe believes think thinks on into over under about
    against without within through during per"""
)
# Heads that are people, groups, organisations or documents (lower case); a plural of a person's noun
# ("policymakers", "economists") is one too, by its ending.
_SOURCE_HEADS = wordset(
    """analysts economists experts investors traders markets market futures officials policymakers panel
    panellists panelists respondents voters people public one everyone everybody nobody none majority minority
    strategists forecasters pollsters bookmakers observers commentators diplomats sources insiders executives
    leaders members participants lawmakers legislators politicians officers generals advisers advisors aides
    bankers firms banks companies businesses consumers households americans britons cartel government
    administration ministry agency bank committee council board party alliance coalition campaign team
    organisation organization institute firm group company poll polls survey surveys analysis report study
    research model models forecast forecasts projections outlook index gauge consensus commission regulator
    minutes television broadcaster newspaper media regime"""
)
_DOCUMENTS = wordset(
    "poll polls survey surveys analysis report study research model models forecast forecasts projections index minutes"
)
_HUMAN_PLURAL = re.compile(r"(?:er|or|ist|ian|ant|ent|ee|ive|ide)s$")
_CONTRACTED = re.compile(r"[’'](?:ll|m|d|re|ve)$")  # "I'll predict", "We're confident": a pronoun
_FIRST_PERSON = wordset("our my we i")
_PRONOUN_HEADS = wordset("he she they it we i you this that there which who these those what")
# A share of people: "57 percent", "Around 10%", "a fifth", "half", "the majority", "most".
_SHARE_WORDS = wordset("percent % cent fifth fifths third thirds quarter quarters half majority most minority")
_NOT_HEADS = wordset(
    """Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
    September October November December The A An But And So Yet However Then Now This That These Those It He She
    They We I You In On At For By With From As If When While Although Though After Before Since Meanwhile Also"""
)
_PERSON_TAILS = wordset(
    """Party Council Bank University Commission Group Services Service House Department Ministry Office Agency
    Times News Post Committee Union Nations States Fund Institute Center Centre Foundation Association Research
    Television Radio Network Company Corporation Economics Capital Court Assembly Parliament Senate Congress Forces
    Army Insight Intelligence Unit Reuters"""
)
_TITLES = wordset(
    """President Secretary Minister Director Professor Chairman Chief Head Economist Analyst Governor Senator
    Strategist Dr Dr. Mr Mr. Mrs Mrs. Ms Ms. Prof Prof."""
)
# Every word that may be the verb (or the state) a subject is read for: a sentence without any has none.
TRIGGERS = (
    _VERBS
    | _ODDS_VERBS
    | _DOCUMENT_VERBS
    | _WAGER
    | _STATES
    | _REVISE_VERBS
    | _PRICING
    | _STANCE_VERBS
    | _VOICE_VERBS
    | frozenset(("opinion", "agreement", "expectation", "view", "belief", "assumption", "consensus"))
)
_LONGEST = 14  # tokens a subject noun phrase may take


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper() or tok[:1].isdigit()


def _verb_at(toks: list[str], i: int) -> str | None:
    """What kind of verb ``toks[i]`` is ("say", "odds", "document", "state"), or None."""
    low = toks[i].lower()
    after = [t.lower() for t in toks[i + 1 : i + 8]]
    before = toks[i - 1].lower() if i else ""
    if before == "to":
        return None  # an infinitive ("nudge investors to expect"): no finite verb of its own subject
    if low in _VERBS:
        if toks[i][:1].isupper() and low.endswith("ed"):
            return None  # a title-case headline's participle is a passive with its copula dropped ("Cut Expected")
        if after[:1] and after[0] in ("to", "as", "by") and (low.endswith("ed") or low in ("said", "thought")):
            return None  # "RBNZ expected to cut", "is said to", "forecast to", "projected by": a passive
        if low.endswith("ed") or low in ("said", "thought", "forecast", "foresaw"):
            back = i - 1
            while back >= 0 and (toks[back].lower().endswith("ly") or toks[back].lower() in ("also", "now", "still")):
                back -= 1
            prior = toks[back].lower() if back >= 0 else ""
            if prior in ("is", "are", "was", "were", "be", "been", "being", "had", "get", "gets", "got"):
                return None  # a passive ("is expected to"), or a past expectation ("had forecast")
        if low in ("forecast", "forecasts", "estimate", "estimates", "projects") and before in _DETERMINERS | {
            "median",
            "latest",
            "new",
            "their",
            "our",
        }:
            return None  # the noun ("their median forecast")
        return "say"
    if low in _ODDS_VERBS:
        window = after[:8]
        if any(w in _PROBABILITY for w in window) or (
            low in ("see", "sees") and any(w.endswith("ing") for w in window[:4])
        ):
            return "odds"
        return None
    if low in _DOCUMENT_VERBS:
        return "document"
    if low in _PRICING and after[:1] == ["in"]:
        return "pricing"
    if low in _REVISE_VERBS and after[:1] and after[0] in _OWN and any(w in _FORECAST_NOUNS for w in after[1:5]):
        return "say"
    if low in _WAGER and before in ("are", "were", "been", "is") and after[:1] and after[0] in ("on", "that"):
        return "say"
    if low in _STATES and after[:1] and (after[0] in _STATE_AFTER or (low in _FEARS and after[0] in _DETERMINERS)):
        return "state"  # "are convinced that", "are afraid the offensive may fail"
    if low in _STANCE_VERBS and any(w in _PROSPECTS for w in after[:3]):
        return "say"
    if low in _VOICE_VERBS and after[:2] and after[0] in _VOICED and after[1] in ("that", "to", "of"):
        return "say"
    if low == "opinion" and before == "the" and i >= 3 and toks[i - 2].lower() == "of" and after[:1] == ["that"]:
        return "state"  # "are of the opinion that"
    if low == "agreement" and after[:1] == ["that"] and before == "in":
        return "state"  # "were broadly in agreement that"
    return None


def _state_start(toks: list[str], i: int) -> int:
    """The copula before an adjective of belief (``i``), or -1: "are (now) convinced", "are of the opinion"."""
    between = wordset("of the in more less very quite fairly now also still not all")
    j = i - 1
    while j >= 0 and toks[j][:1].islower() and (toks[j] in between or toks[j].endswith("ly")):
        j -= 1
    return j if j >= 0 and toks[j].lower() in _COPULAS else -1


def _walk_back(toks: list[str], end: int) -> tuple[int, int]:
    """The span ``(start, end)`` of the noun phrase ending right before ``end`` (after the auxiliaries and
    adverbs between it and its verb are skipped)."""
    j = end - 1
    while j >= 0:
        if toks[j].lower() in _AUXILIARIES or (toks[j].lower().endswith("ly") and toks[j][:1].islower()):
            j -= 1
        elif toks[j] in _TIMES and j >= 1 and toks[j - 1].lower() in _TIME_OPENERS:
            j -= 2  # "on Wednesday", "in late July": the opener, and a preposition before it
            if j >= 0 and toks[j].lower() in _TIME_OPENERS:
                j -= 1
        else:
            break
    stop = j + 1
    k = j
    while k >= 0 and stop - k <= _LONGEST:
        tok = toks[k]
        low = tok.lower()
        if tok in (",", ";", ":", "(", ")", "—", "–", "“", "”", '"'):
            break
        if low == "and" and 0 < k < stop - 1 and toks[k - 1].islower() and _HUMAN_PLURAL.search(toks[k - 1]):
            k -= 1  # "industry executives and an economist said": one subject of two kinds of people
            continue
        if low in _STOPS:
            break  # in any case: a title-case headline's "That Many Believe" is a relative clause
        # "a poll conducted by Acme", "a survey released Monday": a participle inside the noun phrase.
        agent = k + 1 < len(toks) and (toks[k + 1] == "by" or toks[k + 1] in _WEEKDAYS) and k <= stop - 2
        participle = tok[:1].islower() and low.endswith("ed") and low not in _PREPOSITIONS
        if participle and low not in ("united", "elected") and not agent:
            break  # a verb or a participle of another clause
        k -= 1
    start = k + 1
    # A noun phrase starts with a word of its own, not with a preposition left by the walk.
    while start < stop and toks[start].lower() in _PREPOSITIONS:
        start += 1
    return start, stop


def _head(np: list[str]) -> tuple[int, bool]:
    """The index of the noun phrase's head (the last word before its first preposition; for a share, the
    noun after its "of") and whether the phrase is a share of people."""
    cut = next((n for n, t in enumerate(np) if t.lower() in _PREPOSITIONS and n > 0), len(np))
    head = cut - 1
    if head > 0 and cut < len(np) and np[head].endswith("ed") and np[head][:1].islower():
        head -= 1  # "a poll conducted by Acme": the noun before its participle
    lows = [t.lower() for t in np[:cut]]
    share = any(w in _SHARE_WORDS or w.endswith("%") for w in lows)
    if share and cut < len(np) and np[cut].lower() == "of":
        # "55 percent of the panel", "the majority of economists": the people the share is of.
        rest = np[cut + 1 :]
        inner = next((n for n, t in enumerate(rest) if t.lower() in _PREPOSITIONS), len(rest))
        return cut + inner, False
    return head, share


def _person(np: list[str]) -> str | None:
    """A person's name opening the noun phrase ("Olivier Jakob of Acme"): two or three capitalised words
    that are neither an organisation's nor a title."""
    run: list[str] = []
    for t in np:
        if t[:1].isupper() and t.isalpha() or (t[:1].isupper() and "-" in t):
            run.append(t)
        else:
            break
    while run and run[0] in _TITLES:
        run = run[1:]
    if 2 <= len(run) <= 3 and not any(w in _PERSON_TAILS or w in _NOT_HEADS or w.isupper() for w in run):
        return " ".join(run)
    return None


def _name_before(toks: list[str], comma: int) -> str | None:
    """A person's name ending right before the comma at ``comma``."""
    k = comma - 1
    while k >= 0 and k > comma - 4 and toks[k][:1].isupper():
        k -= 1
    return _person(toks[k + 1 : comma])


# "the unanimous expectation among economists is that", "the view of most analysts is": whose expectation.
_HELD_VIEW = re.compile(
    r"\b(?:expectation|view|belief|assumption|consensus)\s+(?:among|of)\s+(?P<who>(?:(?:the|most|many|some)\s+)?"
    r"(?:[a-z-]+\s+){0,2}?[a-z]{3,}s)\s+(?:is|was|remains)\b"
)


def subject_of_verb(sentence: str) -> Subject | None:
    """The source a sentence names as the subject of its first verb of saying, belief, prediction or estimation
    whose subject reads as a source, or None."""
    return next(subjects_of_verbs(sentence), None)


def subjects_of_verbs(sentence: str) -> Iterator[Subject]:
    """Each source a sentence names as the subject of a verb of saying, belief, prediction or estimation, in
    order."""
    held = _HELD_VIEW.search(sentence) if "among" in sentence or " of " in sentence else None
    if held is not None and (held.group("who").split()[-1] in _SOURCE_HEADS or _HUMAN_PLURAL.search(held.group("who"))):
        who = held.group("who")
        yield Subject(who, "group", f"'{' '.join(held.group(0).split())}'", who, False, True)
    found = list(_TOKEN.finditer(sentence))
    toks = [m.group(0) for m in found]

    def written(a: int, b: int) -> str:
        return " ".join(sentence[found[a].start() : found[b - 1].end()].split())

    for i in range(1, len(toks)):
        if toks[i].lower() not in TRIGGERS:
            continue
        kind = _verb_at(toks, i)
        if kind is None:
            continue
        end = i
        if kind == "state":
            end = _state_start(toks, i)
            if end < 0 and toks[i - 1][:1].islower() and toks[i - 1].lower() in _SOURCE_HEADS:
                end = i  # a headline's state without its copula: "Officials optimistic about deal"
            if end <= 0:
                continue
        start, stop = _walk_back(toks, end)
        if start == stop and stop >= 2 and toks[stop - 1] == ",":
            # "The MRP poll, known for its large samples, indicates": the subject before an aside in commas.
            opening = next((k for k in range(stop - 2, max(0, stop - 26), -1) if toks[k] == ","), -1)
            if opening > 0:
                start, stop = _walk_back(toks, opening)
        np = toks[start:stop]
        if start > 0 and toks[start - 1].lower() in ("that", "which", "who"):
            continue  # a relative or reported clause ("a poll that many believe", "said that investors expect")
        if not np:
            continue
        role = any(t in _TITLES or t.lower() in ("economist", "analyst", "strategist") for t in np)
        if role and start >= 2 and toks[start - 1] == "," and (person := _name_before(toks, start - 1)):
            # The name the role after the comma belongs to: "Jane Roe, Chief Economist at Acme is not expecting".
            yield Subject(
                person, "person", f"'{person}, {written(start, stop)} {toks[i]}'", written(start, stop), False
            )
            continue
        person = _person(np)
        if (
            person is not None
            and len(np) > len(person.split())
            and np[len(person.split())].lower() in ("of", "at", "from", "with")
        ):
            # "Olivier Jakob of oil market analysis group Petromatrix said": the person, not the firm.
            yield Subject(person, "person", f"'{written(start, stop)} {toks[i]}'", written(start, stop), False)
            continue
        h, share = _head(np)
        if h < 0 or h >= len(np):
            continue
        head = np[h]
        low = head.lower()
        if low in _PRONOUN_HEADS or head in _NOT_HEADS or _CONTRACTED.search(low):
            continue
        if kind == "document" and low not in _DOCUMENTS:
            continue
        if kind == "pricing" and low not in _SOURCE_HEADS:
            continue  # "markets priced in", "investors are pricing in"; not "Oil priced in dollars"
        if np[0].lower() in _FIRST_PERSON:
            continue  # "Our model expects", "my forecast shows": the author's own
        if low in _DOCUMENTS and toks[i].lower() in _EVIDENCE_VERBS:
            owned = any(t.lower() in _OWNERS for t in np[h + 1 :]) or any(t.endswith(("’s", "'s")) for t in np[:h])
            if not owned:
                continue
        source = (
            share
            or low in _SOURCE_HEADS
            or bool(_HUMAN_PLURAL.search(low))
            or (_is_cap(head) and head not in _NOT_HEADS)
            # A pair ("industry executives and an economist"): people when the first is.
            or ("and" in np and bool(_HUMAN_PLURAL.search(np[np.index("and") - 1])))
        )
        if not source:
            continue
        phrase = written(start, stop)
        belief = kind == "state" or toks[i].lower() in _BELIEFS
        yield Subject(phrase, "group", f"'{phrase} {toks[i]}'", phrase, share, belief)
