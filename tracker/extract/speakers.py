"""Who says each sentence: the nearest attribution ("X said", "according to X", "X, a professor at ...,
believes", a quotation's "he explained"), an interviewee's turn carried over the answers that follow, or
the author when nothing else applies. Each with the role the text gives and a confidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .segment import Paragraph, Sentence, wordset
from .subjects import TRIGGERS, subjects_of_verbs

__all__ = ["Speaker", "attribute"]

Kind = Literal["person", "group", "role", "author"]

_CAP = r"(?:[A-Z\u00c0-\u00de][\w’'\-.]*[\w])"
_TITLE_ABBREVIATION = r"(?:(?:Dr|Mr|Mrs|Ms|Prof|Sen|Rep|Gov|Gen|Sir)\.?\s+)?"
_CAP_RUN = rf"{_TITLE_ABBREVIATION}{_CAP}(?:\s+(?:{_CAP}|de|van|von|der|al|bin|la|le|du|da|dos|di))*"
_NAMES = rf"{_CAP_RUN}(?:\s*,?\s+(?:and|&)\s+{_CAP_RUN})?"
_SAYING_WORDS = (
    r"said|says|say|told|tells|believes|believe|believed|thinks|think|thought|expects|expect|expected|argues|"
    r"argue|argued|wrote|writes|write|noted|notes|added|adds|explained|explains|warned|warns|predicted|predicts|"
    r"claims|claimed|insists|insisted|suggested|suggests|echoed|echoes|replied|stressed|emphasized|emphasised|"
    r"admitted|admits|conceded|concedes|mentioned|mentions|announced|concluded|concludes|knows|knew|fears|feared|"
    r"hopes|hoped|estimates|estimated|assumes|assumed|doubts|doubted|reckons|recalled|recounted|reported|reports|"
    r"shared|posted|dubbed|acknowledged|asserted|observed|cautioned|forecast|forecasts|responded|continued|"
    r"commented|remarked|stated|tweeted|projects|projected|projecting|foresees|foresaw|foresee|sees|see|"
    r"predict|warn|add|note|tell|reckon|reckons|expecting|predicting|forecasting|betting|"
    r"anticipate|anticipates|anticipated|anticipating|saw|expressed|expresses|rejected|rejects|dismissed|"
    r"dismisses|saying|warning|arguing|insisting|suggesting|claiming|noting|believing|fearing|fear|stating|"
    r"calculates|calculated|feel|feels|felt|"
    r"quoted\s+as\s+saying|caution|express|doubt|ruled\s+out|rules\s+out|rule\s+out|ruling\s+out|"
    r"indicated|indicates|signalled|signaled|signals|hinted|hints|declared|declares|reiterated|reiterates|"
    r"maintained|maintains|pegged|pegs|assessed|assesses|judged|contended|contends|speculated|speculates|"
    r"forecasted|envisaged|envisages|envisioned|envisions|reckoned|guessed|"
    r"pointed\s+out|points\s+out|pointing\s+out|underlined|underlines|underscored|underscores|voiced|voices|"
    r"made\s+(?:it\s+)?clear|makes\s+(?:it\s+)?clear|exclude|excludes|excluded|put\s+it|puts\s+it|assess|suggest|agrees(?!\s+to\b)(?!\s+on\b)|agreed(?!\s+to\b)(?!\s+on\b)|disagrees|disagreed|concurred|concurs"
)
# Belief as an adjective after a copula ("officials are confident that"), not before a noun ("optimistic
# statements").
_BELIEF_ADJECTIVES = "confident|optimistic|pessimistic|sceptical|skeptical|doubtful"
_VERBS = (
    rf"{_SAYING_WORDS}|(?:is|are|was|were|remains?|remained)\s+(?:(?:more|less|very|quite|fairly|[a-z]+ly)\s+)?"
    rf"(?:{_BELIEF_ADJECTIVES}|(?:convinced|certain|sure|hopeful)(?!\s+to\b))"
)
# Between a subject and its verb: an aside in commas, a few adverbs ("has repeatedly"), or a short
# prepositional phrase ("in turn", "at that point").
_FILLER = (
    r"(?:\s*\([^()]{1,40}\))?(?:\s*,(?:[^,.;:“”\"]{1,170},){1,3}?|\s*,(?=\s*(?:said|says|told|added)\s+(?![A-Z]))|"
    r"\s*,(?=\s*who\s))?\s*(?:(?:has|have|had|also|repeatedly|once|"
    r"again|already|still|now|then|long|is|are|was|were|do|does|did|who|not|(?:do|does|did)n[’']t|[a-z]+ly|"
    r"(?:among|one\s+of)\s+(?:those|the\s+[a-z]+)|"
    r"(?:continues?|continued|went\s+on|goes\s+on)\s+to)\s+|"
    r"(?:at|in|for|by|on)\s+(?:[a-z]+\s+){1,3}?|on\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\s+){0,4}?"
)
# "X is expected to": a passive, not X saying anything.
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been)\s+(?:\w+ly\s+)?$")
# Verbs that state a probability without saying anything ("Bookmakers have X at 1/2"): see _ODDS_SUBJECT.
_ODDS_VERBS = (
    "have|has|had|put|puts|rate|rates|rated|give|gives|gave|offer|offers|offered|offering|make|makes|made|"
    "pricing|priced|see|sees|saw"
)
# The first word of each verb ("ruled" of "ruled out"): a sentence without any has no verb of saying.
_VERB_SET = (
    frozenset(w for v in _SAYING_WORDS.split("|") if (w := re.split(r"\\s|\(", v)[0]).isalpha())
    | frozenset(_BELIEF_ADJECTIVES.split("|"))
    | {"convinced", "certain", "sure", "hopeful", "agrees", "agreed", "disagrees", "disagreed"}
    | {"shared", "according"}
) - {"made", "makes", "put", "puts", "points", "pointed", "pointing"}
# The verbs of several words whose first word is common ("made", "put"): looked for whole instead.
_PHRASE_VERBS = re.compile(r"\b(?:made|makes)\s+(?:it\s+)?clear\b|\bputs?\s+it\b|\bpoint(?:s|ed|ing)\s+out\b")
_LOWER_WORD = re.compile(r"[a-z]+")
# The name ends at a word's end: not "World Health Organizati" with "on director" read as a filler.
_SUBJECT_VERB = re.compile(rf"(?P<who>{_NAMES})(?!\w){_FILLER}(?:who\s+)?(?P<verb>{_VERBS})\b")
_VERB_SUBJECT = re.compile(
    r"(?:^|[,–—-][”\"’']?\s*|(?<=[”\"’'])\s+)(?:or\s+so\s+)?(?P<verb>said|says|say|added|adds|explained|noted|notes|wrote|writes|"
    r"argued|argues|warned|warns|told|reported|reports|predicted|predicts|reckons|reckoned|believes|thinks|insists|"
    r"suggests|estimates|concludes|concluded|cautions|cautioned|observes|observed|commented|comments|remarked|"
    r"stated|states|asserted|stressed|emphasised|emphasized|acknowledged|replied|responded|recalled)\s+"
    r"(?P<rest>(?:[^.;]|(?<=\b[A-Z])\.){2,220})"
)
_ACCORDING = re.compile(rf"\b[Aa]ccording\s+to\s+(?P<who>{_NAMES})")
_PRONOUN = re.compile(
    rf"\b(?P<who>[Hh]e|[Ss]he)\s+(?:(?:did|does|has|had|would|could)(?:\s+not|n[’']t)?\s+)?"
    rf"(?:(?:[a-z]+ly|also|still|now|further|then|too)\s+)?(?P<verb>{_VERBS})\b"
)
# "They expect ...", "It predicts ..." opening a sentence: the group or organisation named last.
_THEY = re.compile(rf"\s*(?:(?:But|And|However|Still),?\s+)?(?P<who>They|It)\s+(?:[a-z]+ly\s+)?(?P<verb>{_VERBS})\b")
_GROUP_NOUNS = (
    r"experts|analysts|observers|officials|commentators|diplomats|economists|sources|insiders|critics|scholars|"
    r"historians|pundits|strategists|investors|politicians|lawmakers|forecasters|specialists|researchers|"
    r"academics|journalists|generals|sceptics|skeptics|optimists|pessimists|respondents|bookmakers|firms|"
    r"traders|markets|voters|pollsters|forecasters|banks|officials|leaders|executives|participants|economists|"
    r"punters|bookies"
)
# Institutions named by what they are: "the ministry said", "US intelligence believes".
_ORG_NOUNS = (
    r"ministry|government|administration|department|agency|intelligence|military|army|commission|committee|"
    r"council|regulator|embassy|campaign|institute|organisation|organization|fund|central\s+bank|bank|company|"
    r"party|court|office|secretariat|cabinet|presidency|board|association|federation|institution|market|group|firm"
)
_GROUP = re.compile(
    rf"\b(?<![’'])(?P<who>(?:(?:[Aa]|[Tt]he)\s+(?:number|majority|few|group)\s+of\s+|[Ss]ome\s+|[Mm]any\s+|[Ss]everal\s+|"
    rf"[Mm]ost\s+|[Oo]ther\s+|[Tt]he\s+)?(?:[a-zA-Z-]+\s+)?(?:{_GROUP_NOUNS}|{_ORG_NOUNS})(?:\s+(?:polled|surveyed|questioned|interviewed)\b)?"
    rf"(?:\s+(?:to(?!\s+(?:{_SAYING_WORDS})\b)|in|of|from|at|with|for|(?:polled|surveyed|questioned|interviewed|cited|quoted)\s+by|"
    rf"[a-z]{{3,}}ing)\s+"
    rf"[^,.;:“”\"]{{2,40}}?)?)\b,?{_FILLER}(?P<verb>{_VERBS})\b"
)
# "85 percent said", "a majority said": a share of those polled; "55 percent of the panel predicted": of any group
# the text calls by a definite noun.
_SHARE = re.compile(
    rf"\b(?P<who>\d{{1,3}}(?:\.\d+)?\s*(?:%|percent|per\s+cent)(?:\s+of\s+(?:[\w-]+\s+){{0,4}}?(?:{_GROUP_NOUNS}|people|"
    rf"[A-Z]?[a-z]+(?:ers|ors|ists|ians|ents|ants|ees|ons)|the\s+(?:[a-z-]+\s+){{0,2}}?[a-z]+))?)"
    rf"{_FILLER}(?P<verb>{_VERBS})\b"
)
_ROLE_NOUNS = (
    r"secretary|minister|president|director|spokesman|spokeswoman|spokesperson|ambassador|professor|chairman|"
    r"chairwoman|official|envoy|adviser|advisor|leader|chief|head|expert|analyst|editor|columnist|author|general|"
    r"governor|senator|mayor|premier|chancellor|king|queen|commander|founder|economist|researcher|scientist|"
    r"pollster|forecaster|strategist|negotiator|mediator|lawmaker|historian|scholar|investor|diplomat|politician|"
    r"legislator|banker|executive|commentator|observer|delegate|representative|lawyer|activist"
)
_ROLE_SUBJECT = re.compile(
    rf"\b[Tt]he\s+(?P<who>(?:(?:[a-z-]+|[A-Z][a-z]+(?:n|sh|ch|se|i))\s+){{0,3}}(?:{_ROLE_NOUNS})(?:\s+of\s+(?:[a-z-]+\s+)?[a-z-]+)?)"
    rf"{_FILLER}(?P<verb>{_VERBS}|shared)\b"
)
_BYLINE_ROLES = (
    r"(?:editor|columnist|correspondent|writer|reporter|journalist|professor|fellow|analyst|director|author|"
    r"contributor|chief|commentator|researcher)"
)
# "Jane Doe is a columnist at X.": the role within the first words after "is" (not "North Korea is likely to
# conduct a test, according to analysts", a lead whose role word comes late).
_BYLINE = re.compile(
    rf"^(?:[Bb]y\s+)?(?P<who>{_CAP}(?:\s+{_CAP}){{1,2}})(?:\s*[,|]\s*(?P<role>[^.]*{_BYLINE_ROLES}[^.]*)|"
    rf"\s+is\s+(?P<role2>(?:an?\s+|the\s+)?(?:[\w’'-]+\s+){{0,3}}?{_BYLINE_ROLES}[^.]*))\.?$"
)
# Capitalised words that open a sentence or a name run without being part of a name.
_NOT_NAMES = wordset(
    """The A An But And So Yet However Then Now This That These Those Indeed Therefore Thus Of In On At For By With
    From As If When While Although Though Both Either Neither Meanwhile Moreover Besides Still Also Even Only Just
    Perhaps Probably Asked It Its He She They We I You Our Their His Her After Before Since Until Last Next Overall
    Plus Similarly Conversely Crudely Post Pro Former Late Mr Mrs Ms Dr Prof Sir Dear Related Original Official
    Nonetheless Nevertheless Instead Additionally Furthermore Likewise Separately Elsewhere Consequently Currently
    Like Unlike"""
)
# Capitalised words that are titles, not names ("Director Jane Roe": the name is the last two words).
_TITLE_WORDS = wordset(
    """President Secretary Minister Director Professor Chairman Chairwoman Ambassador Envoy Adviser Advisor Leader
    Chief Head Expert Analyst Editor Doctor General Governor Senator Mayor Premier Chancellor Commander Deputy
    Foreign Defense Defence Prime State Special Counsel Prosecutor Vice Supreme Court Justice Representative
    Speaker Spokesman Spokeswoman Spokesperson Senior Assistant Staff Officer"""
)
_DAYS = wordset("Monday Tuesday Wednesday Thursday Friday Saturday Sunday Yesterday Today")
# Last words of a capitalised run that make it an organisation or a place, not a person's name.
_ORG_TAILS = wordset(
    """Party Council Bank University Commission Group Services Service House Department Ministry Office Agency Times
    News Post Committee Union Nations States Fund Institute Center Centre Foundation Association Research Television
    Radio Network Company Corporation Economics Capital Court Assembly Parliament Senate Congress Forces Army"""
)
# How far back a title is looked for with its name: an article's length, so that a long text stays linear.
_LOOK_BACK = 20_000
_SENTENCE_QUOTES = re.compile(r"“[^”]*”|\"[^\"]*\"")


_CONTRACTED = re.compile(r"[’'](?:re|m|s|ll|ve|d)$")


@dataclass(frozen=True)
class Speaker:
    name: str
    role: str | None
    confidence: float
    basis: str
    kind: Kind


def _clean_name(raw: str) -> tuple[str, str | None]:
    """``(name, title words before it)`` from a run of capitalised words: "Northfield Policy Center Director Jane
    Roe" gives ("Jane Roe", "Northfield Policy Center Director")."""
    parts = re.split(r"\s*,?\s+(?:and|&)\s+", raw.strip())
    # "Health and Human Services Secretary Jane Roe": one word before "and" and a title after it is one name
    # of an office, not two people.
    joined: list[str] = []
    for part in parts:
        if joined and len(joined[-1].split()) == 1 and any(w in _TITLE_WORDS for w in part.split()):
            joined[-1] = f"{joined[-1]} and {part}"
        else:
            joined.append(part)
    parts = joined
    names: list[str] = []
    titles: list[str] = []
    for part in parts:
        words = [w for w in part.split() if w]
        while words and (words[0].rstrip(".") in _NOT_NAMES or _CONTRACTED.sub("", words[0]) in _NOT_NAMES):
            words.pop(0)  # "The", "We’re", "It’s"
        words = [re.sub(r"[’']s$", "", w.rstrip(".,")) for w in words]
        while words and words[-1] in _DAYS:
            words.pop()  # "said Jane Roe Thursday"
        while len(words) > 1 and words[0].isupper() and len(words[0]) > 1:
            titles.append(words.pop(0))  # an acronym before a name is an organisation ("SVR Sergey ...")
        if not words:
            continue
        # The name is what follows the last title word; at most three words.
        cut = max((i + 1 for i, w in enumerate(words) if w in _TITLE_WORDS), default=0)
        if cut >= len(words):
            cut = max(0, len(words) - 1)
        name_words = words[cut:]
        if len(name_words) > 3:
            cut += len(name_words) - 2
            name_words = words[cut:]
        names.append(" ".join(name_words))
        if cut:
            titles.append(" ".join(words[:cut]))
    name = " and ".join(n for n in names if n)
    return name, (", ".join(titles) or None)


def _possessive(name: str) -> bool:
    return name.endswith(("’s", "'s"))


def _appositive(text: str, end: int) -> str | None:
    """The role in ", a professor at X," right after a name ending at ``end``."""
    m = re.match(r"\s*,\s*(?P<role>(?:an?|the)\s+[^,.;:“”]{3,160}?|[a-z][^,.;:“”]{3,160}?)\s*(?:,|\.|$)", text[end:])
    if not m or len(m.group("role").split()) < 2:
        return None
    return m.group("role").strip()


def _title_prefix(sentence: str, start: int, title: str | None) -> str | None:
    """ "Professor of X University Doctor of Y Jane Doe believes": the titles before the name, when the
    sentence opens with one."""
    prefix = sentence[:start].strip()
    first = prefix.split()[0].lower() if prefix else ""
    if prefix and "," not in prefix and len(prefix.split()) <= 12 and re.fullmatch(_ROLE_NOUNS, first):
        return prefix
    return title


def _explicit(
    sentence: str, last_person: Speaker | None, last_group: Speaker | None = None, people: _People | None = None
) -> Speaker | None:
    """An attribution inside one sentence, or None."""
    words = set(_LOWER_WORD.findall(sentence.lower()))
    if not _VERB_SET.isdisjoint(words):
        sentence = _verbs_in_lower_case(sentence)
    headline = _headline_source(sentence)
    if headline is not None:
        return headline
    early = _view_or_document(sentence, words, people)
    if early is not None:
        return early
    common = None
    if "by" in words and not _AGENT_WORDS.isdisjoint(words):
        common = _AGENT_VIEW.search(sentence)
    if common is None and "of" in words and not _VIEW_OF_WORDS.isdisjoint(words):
        common = _VIEW_OF.search(sentence)
    if common is None and "consensus" in words:
        common = _CONSENSUS.search(sentence)
    if common is not None:
        # "The Fed is widely expected by analysts to cut", "in the view of most analysts", "The consensus among
        # economists is that", "Economists' consensus is": whose expectation the sentence states.
        who = " ".join((common.group("who") or common.groupdict().get("who2") or "").split())
        head = who.split()[-1] if who else ""
        if head and (head.lower() in _GROUP_WORDS or _HUMAN_PLURAL.search(head)):
            return Speaker(who, None, 0.7, f"'{' '.join(common.group(0).split())}'", "group")
    mine = not _HIS_WORDS.isdisjoint(words) and ("according" in words or not _VIEW_WORDS.isdisjoint(words))
    own = _HIS_VIEW.search(sentence) if mine else None
    if own is not None:
        # "According to him, ...", "In her view, ...", "..., in their opinion.": the person (or group) named last.
        earlier = last_group if (own.group("who") or own.group("whose")) in ("them", "their") else last_person
        if earlier is not None:
            said = f"'{' '.join(own.group(0).split())}', read as {earlier.name}, named before"
            return Speaker(earlier.name, earlier.role, 0.7, said, earlier.kind)
    if _VERB_SET.isdisjoint(words) and _PHRASE_VERBS.search(sentence) is None:
        # No verb of saying or believing, no "according to": nothing below but the odds pattern can match
        # (and each pattern would try every capitalised word of the sentence to find that out).
        return (
            _odds(sentence, words)
            or _document(sentence, words, _organisation(last_group))
            or _stance_holder(sentence, words, people)
        )
    quoted = _QUOTED_AS.search(sentence) if "quoted" in words else None
    if quoted is not None:
        # "TASS quoted Roe as saying", "Roe was quoted by TASS as saying": the one quoted, not the outlet.
        who = " ".join((quoted.group("who3") or "").split())
        if who and not who.lower().startswith("the "):
            # "quoted a senior official from Tehran as saying": one source not named, not the one quoting ("quoted
            # the director as saying" is left to the rules below: the sentence names who the director is).
            return Speaker(who, None, 0.75, f"'quoted {who} as saying'", "role")
    if quoted is not None and not quoted.group("who3"):
        name, title = _clean_name(quoted.group("who") or quoted.group("who2"))
        known = people.surname(name) if people and len(name.split()) == 1 else None
        if known is not None:
            return Speaker(known.name, title or known.role, 0.85, f"'quoted {name} as saying', named before", "person")
        if name and name not in _NOT_NAMES:
            kind: Kind = "person" if len(name.split()) >= 2 else "group"
            return Speaker(name, title, 0.85, f"'quoted {name} as saying'", kind)
    # The noun patterns try every word of the sentence: each runs only where one of its nouns is.
    group_word = not _GROUP_WORDS.isdisjoint(words)
    group: re.Match[str] | None = None
    m = _SUBJECT_VERB.search(sentence)
    if m is not None and group_word:
        group = _group(sentence)
        group_word = False  # searched
    # Whose belief a sentence states is its believer's, even inside a report ("the CDC believes X, Roe said").
    belief = m is not None and m.group("verb").split()[0] in _BELIEF_VERBS
    speaker = None if belief else _inverted(sentence, m, people) or _closing(sentence, people, last_person)
    if speaker is None:
        speaker = _subject_of_saying(sentence, m, group, people)
    if speaker is None:
        speaker = _saying_then_speaker(sentence, people)
    if speaker is None:
        speaker = _source_named_otherwise(sentence, words, group, group_word, last_person, last_group, people)
    relay = _RELAY.search(sentence) if speaker is not None and "report" in speaker.basis.lower() else None
    if relay is not None:
        # "The Acme Journal reported (that) senior officials are privately acknowledging ...", "The report noted
        # that the economists surveyed said ...": an outlet or a report relays; the source it names speaks.
        inner = _explicit(sentence[relay.end() :], last_person, last_group, people)
        if inner is not None and inner.kind != "author":
            return inner
    if speaker is not None and _is_outlet(speaker.name):
        # "Economists expect X, according to The Acme Review", "Researchers found that X, the Daily Acme reports",
        # "According to media reports, ... the economists surveyed ... believe X": the outlet relays; the source
        # it names speaks.
        return _relayed(sentence, speaker, last_person, last_group, people) or speaker
    return speaker


# The subject of a relayed sentence that speaks: a group, with its verb of saying, finding or believing.
_RELAYED_SUBJECT = re.compile(
    rf"\s*(?P<who>(?:(?:most|many|some|the)\s+)?(?:[\w-]+\s+)?(?:{_GROUP_NOUNS}))\b[^,.;:“”\"]{{0,100}}?"
    r"\b(?:found|find|finds|concluded|conclude|say|said|says|believe|believed|expect|expected|predict|predicted|"
    r"predicting|forecast|see|saw|estimate|estimated|warn|warned|think|thought)\b",
    re.I,
)


def _relayed(
    sentence: str, outlet: Speaker, last_person: Speaker | None, last_group: Speaker | None, people: _People | None
) -> Speaker | None:
    """The source an outlet's sentence names: its subject when a group that speaks, else the source the rest of
    the sentence names after the outlet."""
    m = _RELAYED_SUBJECT.match(sentence)
    if m is not None:
        who = " ".join(m.group("who").split())
        return Speaker(who, None, 0.6, f"'{who}' relayed by {outlet.name}", "group")
    at = sentence.find(outlet.name)
    rest = sentence[at + len(outlet.name) :] if at >= 0 else ""
    if len(rest) < 20:
        return None
    inner = _explicit(rest, last_person, last_group, people)
    return inner if inner is not None and inner.kind != "author" and not _is_outlet(inner.name) else None


# ", Jane Roe said.", ", he said on Tuesday.": the attribution that closes a sentence, of the whole sentence.
_CLOSING_TAIL = (
    r"(?:\s+(?:on|in|at|during|to)\s+[^,.;:“”\"]{1,40}?|\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))?"
    r"\s*[.!]?\s*$"
)
# Not "..., Acme Times reported": an outlet reporting the sentence is not its source.
_CLOSING_NAME = re.compile(
    rf",\s*(?P<who>{_CAP_RUN})\s+(?:[a-z]+ly\s+)?(?P<verb>(?!report)(?:{_VERBS})){_CLOSING_TAIL}"
)
# Between an employer and a name after a verb of saying: a role in lower case ("Acme chief economist Jane Roe").
_EMPLOYER_ROLE = re.compile(rf"\s+(?:[a-z-]+\s+){{0,2}}(?:{_ROLE_NOUNS})\s+")
# "..., in Davos, venue for the forum, reported Acme newspaper.": the verb before its source closes the sentence
# (an inverted attribution), so a name in the aside before the verb ("Davos") is not its subject.
_CLOSING_INVERTED = re.compile(
    rf",\s*(?P<verb>said|says|reported|reports|wrote|writes|added|adds)\s+(?:the\s+)?(?P<who>{_CAP_RUN})"
    r"(?:\s+(?:newspaper|daily|weekly|magazine|website|broadcaster|(?:news\s+)?agency))?\s*[.!]?\s*$"
)
_CLOSING_IT = re.compile(rf",\s*it\s+(?:[a-z]+ly\s+|also\s+)?(?P<verb>{_VERBS}){_CLOSING_TAIL}")
_CLOSING_PRONOUN = re.compile(rf",\s*(?P<who>he|she)\s+(?:[a-z]+ly\s+)?(?P<verb>{_VERBS}){_CLOSING_TAIL}")


_BELIEF_VERBS = wordset(
    """believes believe believed thinks think thought expects expect expected predicts predict predicted forecast
    forecasts sees see saw fears fear feared hopes hoped doubts doubt doubted reckons reckon reckoned estimates
    estimated anticipates anticipate anticipated assumes assumed projects projected feel feels felt is are was were
    remains remain remained"""
)


def _closing(sentence: str, people: _People | None, last_person: Speaker | None) -> Speaker | None:
    """The source that closes a sentence ("The bank has made it clear a rise is expected, economists say"): it
    reports the whole sentence, an earlier subject's verb of saying included; or None."""
    # Each pattern opens with the comma and holds none after it: tried at the last comma only.
    last = sentence.rfind(",")
    if last < 0 or _VERB_SET.isdisjoint(_LOWER_WORD.findall(sentence[last:].lower())):
        return None
    m = _COMMON_SAYS_LAST.match(sentence, last)
    if m is not None:
        who = " ".join(m.group("who").split())
        earlier = _refer_back(who, people)
        if earlier is not None:
            return earlier
        if who.endswith("s"):
            return Speaker(who, None, 0.7, f"'{m.group(0).strip(' ,.')}' closing the sentence (not named)", "group")
        return None  # one source not named: read as before (a headline's "expert says", see _lead_source)
    m = _CLOSING_PRONOUN.match(sentence, last)
    if m is not None and last_person is not None:
        said = f"'{m.group('who')} {m.group('verb')}' closing the sentence, read as {last_person.name}"
        return Speaker(last_person.name, last_person.role, 0.7, said, last_person.kind)
    m = _CLOSING_IT.match(sentence, last)
    organisation = _organisation(people.last_group) if m is not None and people is not None else None
    if organisation is not None:
        # "..., it predicts.", "..., it said on Friday.": the organisation named last, as "It predicts" opening a
        # sentence is.
        said = f"'it {m.group('verb')}' closing the sentence, read as {organisation.name}"  # type: ignore[union-attr]
        return Speaker(organisation.name, organisation.role, 0.7, said, organisation.kind)
    m = _CLOSING_NAME.match(sentence, last)
    if m is not None and not _possessive(m.group("who")):
        name, title = _clean_name(m.group("who"))
        if not name or name in _NOT_NAMES:
            return None
        known = people.surname(name) if people and len(name.split()) == 1 else None
        if known is not None:
            return Speaker(known.name, title or known.role, 0.85, f"'{name} {m.group('verb')}' closing", "person")
        kind: Kind = "person" if len(name.split()) >= 2 and name.split()[-1] not in _ORG_TAILS else "group"
        return Speaker(name, title, 0.85, f"'{name} {m.group('verb')}' closing the sentence", kind)
    return None


_QUOTED_AS = re.compile(
    rf"\bquoted\s+(?P<who>{_NAMES})\s+as\s+(?:saying|telling)|(?P<who2>{_NAMES}),?\s+(?:was|is|has\s+been)\s+quoted\s+"
    rf"(?:by\s+[^,.;:“”\"]{{1,60}}?\s+)?as\s+(?:saying|telling)|"
    rf"\bquoted\s+(?P<who3>(?:an?|the|one)\s+[^,.;:“”\"]{{3,60}}?)\s+as\s+(?:saying|telling)"
)
_DETERMINED = re.compile(r"(?:the|an?|its|his|her|their|former|chief|senior|top)\s", re.I)
_HEADLINE_SOURCE = re.compile(r"\s*(?P<who>(?:[A-Z][\w’'.&-]*\s+){0,3}[A-Z][\w’'&-]*)\s*:\s+[A-Z0-9‘'“\"]")


# "Top US pollster: ...", "Veteran analyst: ...": a headline opening with one role in lower case and a colon.
_HEADLINE_ROLE = re.compile(
    r"\s*(?P<who>[A-Z][\w’'.&-]*\s+(?:[\w’'.&-]+\s+){0,2}?(?P<role>[a-z]+))\s*:\s+[A-Z0-9‘'“\"]"
)
_RELAY = re.compile(r"\b(?:reported|reports|report|noted|notes)\s+(?:that\s+)?")
_TITLE_WORD = re.compile(r"\b[A-Z][a-z]+\b")
_RELATIVE_BEFORE = re.compile(r"\b(?:That|Which|Who)\s+(?:\S+\s+){0,2}$")


def _verbs_in_lower_case(sentence: str) -> str:
    """A headline in title case ("CDC Expects Flu to Peak in February") with its verbs of saying in lower case, as
    the patterns read them ("CDC expects"); any other sentence as it is. Same length, so offsets hold."""
    text = sentence.rstrip()
    words = text.split()
    if not 3 <= len(words) <= 20 or text[-1:] in '.!?"”' or words[0][:1].islower():
        return sentence
    long = [w for w in words if len(w) > 3]  # title case leaves "to", "in", "and" in lower case
    if sum(w[:1].isupper() for w in long) < 0.8 * len(long):
        return sentence
    return _TITLE_WORD.sub(_lower_verb, sentence)


def _lower_verb(m: re.Match[str]) -> str:
    # Only a present tense ("Expects", "See", "Warns"): a headline's participle is a passive with its copula
    # dropped ("Budget Deal Expected To Advance"), and "States" of "United States" is a name.
    word = m.group(0)
    verb = not word.endswith(("ed", "ing")) and word.lower() in _VERB_SET and word not in _ORG_TAILS
    # Not in a relative clause ("... in Poll That Many Believe Will ..."): its subject is no source of the line.
    relative = _RELATIVE_BEFORE.search(m.string, max(0, m.start() - 30), m.start()) is not None
    return word.lower() if verb and not relative else word


_HEADLINE_TAIL = re.compile(r":\s+(?P<who>(?:[\w’'.&-]+\s+){0,2}[\w’'.&-]+)\s*$")
_HEADLINE_LABELS = wordset("analysis opinion explainer live update updates video podcast review interview report")


def _headline_source(sentence: str) -> Speaker | None:
    """ "Senate Republicans: Tax bill 'probably' has votes", "Exit Polls: Ruling Parties To Retain Power": a
    headline (no closing stop) that opens with its source and a colon. The source must read as one: people
    ("Republicans", "economists", a person's full name) or a poll or report, not a topic ("Brexit: ...")."""
    if ":" not in sentence or sentence.rstrip()[-1:] in (".", "!", "?", "”", '"'):
        return None
    m = _HEADLINE_SOURCE.match(sentence) if ":" in sentence[:60] else None
    tail = _HEADLINE_TAIL.search(sentence) if m is None else None
    if tail is not None and _VERB_SET.isdisjoint(_LOWER_WORD.findall(sentence[: tail.start()].lower())):
        # "Conservatives clear favourites to win: bookies", "Rates to fall in June: IMF": the source after a colon
        # closing a headline, when it reads as one (not a label such as "Analysis" or "Live") and the headline
        # has no verb of saying of its own ("Most economists expect X: survey" is the economists').
        who = " ".join(tail.group("who").split())
        last = who.split()[-1]
        source = (
            last.lower() in _GROUP_WORDS
            or last.lower() in _DOCUMENT_WORDS
            or _HUMAN_PLURAL.search(last) is not None
            or (last.isupper() and len(last) > 1)
            or last in _ORG_TAILS
            or _person_name(who) is not None
        ) and last.lower() not in _HEADLINE_LABELS
        if source:
            kind: Kind = "person" if _person_name(who) else "group"
            return Speaker(who, None, 0.6, f"':{who}' closing a headline", kind)
        if last.lower() in _ROLE_NOUN_SET and last.lower() not in _KEPT_UNNAMED:
            # "Withdrawal likely to start in weeks: U.S. general", "Oil to rebound: analyst": one source not named,
            # read as the first person the article names, as a role opening a headline is.
            return Speaker(who, None, 0.55, f"':{who}' closing a headline{_UNNAMED}", "role")
        return None
    if m is None:
        role = _HEADLINE_ROLE.match(sentence) if ":" in sentence[:60] else None
        if role is not None and role.group("role").lower() in _ROLE_NOUN_SET:
            # "Top US pollster: X has 86% chance": one source not named, read as the first person the article names.
            who = " ".join(role.group("who").split())
            return Speaker(who, None, 0.55, f"'{who}:' opening a headline{_UNNAMED}", "role")
        return None
    who = m.group("who")
    last = _CONTRACTED.sub("", who.split()[-1]).rstrip("’'").lower()
    people_word = last in _GROUP_WORDS or last in _DOCUMENT_WORDS or _HUMAN_PLURAL.search(last) is not None
    if not (people_word or _person_name(who)):
        return None
    kind = "person" if _person_name(who) else "group"
    return Speaker(who, None, 0.6, f"'{who}:' opening a headline", kind)


def _view_or_document(sentence: str, words: set[str], people: _People | None) -> Speaker | None:
    """A sentence giving someone's view ("In Jane Roe's view") or a document's finding, or None."""
    view = _IN_VIEW.search(sentence) if not _VIEW_WORDS.isdisjoint(words) else None
    if view is not None:
        # "In Jane Roe's view, ...": whose view the sentence gives.
        name, _ = _clean_name(view.group("who"))
        known = people.surname(name) if people and len(name.split()) == 1 else None
        said = f"'in {name}'s {view.group('view')}'"
        if known is not None:
            return Speaker(known.name, known.role, 0.8, said, "person")
        if name:
            return Speaker(name, None, 0.8, said, "person" if len(name.split()) >= 2 else "group")
    owned = "’s" in sentence or "'s" in sentence
    m = _DOCUMENT_LAST.search(sentence) if not _DOCUMENT_WORDS.isdisjoint(words) else None
    m = m or (_OWNED_DOCUMENT.match(sentence) if owned else None)
    if m:
        # ", a survey by Acme found.", "Acme's report says ...": the report, or its owner when named.
        owner = m.groupdict().get("owner")
        who = _clean_name(owner)[0] if owner else " ".join(m.group("who").split())
        if who:
            return Speaker(who, None, 0.7, f"'{' '.join(m.group(0).split()).strip(' ,.')}'", "group")
    return None


def _inverted(sentence: str, m: re.Match[str] | None, people: _People | None) -> Speaker | None:
    """The source after the verb that closes the sentence (", reported Acme newspaper."), when no subject before
    it says anything but a name in an aside read as the closing verb's subject ("in Davos, the venue, reported")."""
    last = sentence.rfind(",")
    inverted = _CLOSING_INVERTED.match(sentence, last) if last >= 0 else None
    if inverted is None or _possessive(inverted.group("who")):
        return None
    if m is not None and m.start("verb") != inverted.start("verb"):
        return None  # "Roe told Reuters X, reported Acme": Roe speaks, the outlet relays
    name = _clean_name(inverted.group("who"))[0]
    if not name or name in _NOT_NAMES or name in _DAYS:
        return None
    said = f"'{inverted.group('verb')} {name}' closing the sentence"
    return _saying_then_speaker(sentence[last:], people) or Speaker(name, None, 0.75, said, "group")


# "A poll conducted by Acme Research based on data from five polls carried out before the vote forecasts that":
# a document its owner made, its verb after a modifier too long for the subject chunker.
_OWNED_DOCUMENT_LONG = re.compile(
    r"\s*(?:A|An|The)\s+(?:[\w-]+\s+){0,2}?(?:poll|survey|study|report|analysis|model|projection)\s+"
    rf"(?:conducted|commissioned|carried\s+out|released|published|prepared)\s+by\s+(?:the\s+)?(?P<who>{_CAP_RUN})"
    r"(?![\w’'])[^.;,“”\"]{0,200}?(?<!\band)\s(?P<verb>forecasts|predicts|projects|estimates|expects|suggests|"
    r"indicates|shows|finds|found|concluded|concludes)\s+that\b"
)


def _owned_document(outside: str) -> Speaker | None:
    m = _OWNED_DOCUMENT_LONG.match(outside)
    if m is None or re.search(r"\band\b", outside[m.end("who") : m.start("verb")]):
        return None  # "..., and the ministry predicts that": another subject's verb
    who = " ".join(m.group("who").split())
    return Speaker(who, None, 0.7, f"'{who}' owns the document that {m.group('verb')}", "group")


def _subject_of_saying(
    sentence: str, m: re.Match[str] | None, group: re.Match[str] | None, people: _People | None
) -> Speaker | None:
    """The subject of a verb of saying or believing ("Jane Roe said"), from the first such match `m` on;
    `group` is the group pattern's match ("Most analysts polled by Acme"), when searched."""
    while m is not None:
        first_comma = sentence.find(",")
        if _OPENS_SUBORDINATE.match(sentence) and m.end("who") <= first_comma < m.start("verb"):
            # "Though X led the polls in the United States, betting markets, ..., predicted": a name in the
            # opening clause is not the subject of a verb after it.
            m = _SUBJECT_VERB.search(sentence, first_comma)
            continue
        if _SUBORDINATE.search(sentence, 0, m.start("who")) or _SUBORDINATE_OPENING.match(m.group("who")):
            # "While Acme thinks X, Roe said Y": the speaker of the main clause, after the comma, is the
            # sentence's; the one in the subordinate clause is kept only when no other follows.
            comma = sentence.find(",", m.end("verb"))
            main = _SUBJECT_VERB.search(sentence, comma) if comma >= 0 else None
            if main is not None:
                m = main
        name, title = _clean_name(m.group("who"))
        passive = m.group("verb").endswith(("ed", "forecast")) and _PASSIVE.search(sentence, 0, m.start("verb"))
        # "Moody's warned": a name ending in 's right before its verb is no possessive.
        owner = _possessive(m.group("who")) and sentence[m.end("who") : m.start("verb")].strip() != ""
        wider = group is not None and group.span("who") != m.span("who")
        if wider and group.start("who") <= m.start("who") and group.end("who") >= m.end("who"):  # type: ignore[union-attr]
            return None  # "Most analysts polled by Acme expect": the group, not the name in its modifier
        stray = _STRAY_COMMA.fullmatch(sentence, m.end("who"), m.start("verb")) and len(name.split()) < 2
        aside = _ASIDE_NAME.fullmatch(sentence, m.end("who"), m.start("verb"))
        if aside and not passive and len(_clean_name(aside.group("who"))[0].split()) >= 2:
            # "the party's number two Democrat, Jane Roe, said": the name set off in commas is the speaker.
            held = " ".join((aside.group("role") or sentence[max(0, m.start("who") - 40) : m.end("who")]).split()[-8:])
            return Speaker(_clean_name(aside.group("who"))[0], held, 0.85, f"'{aside.group('who')}, ...'", "person")
        affiliation = _AFFILIATED.search(sentence, 0, m.start("who"))
        person = _people_named(affiliation.group("who")) if affiliation else None
        if person and not passive:
            # "Jane Roe of Acme University said": the person before the "of", not the institution after it.
            place = " ".join(sentence[affiliation.end("who") : m.end("who")].split())  # type: ignore[union-attr]
            return Speaker(person, place, 0.85, f"'{person} {place} {m.group('verb')}'", "person")
        of = not passive and _OF_BEFORE.search(sentence, max(0, m.start("who") - 9), m.start("who")) is not None
        whole = _INSTITUTION_BEFORE.search(sentence, 0, m.start("who")) if of else None
        if whole is not None and not owner:
            # "The Ministry of Defence said", "the Institute for the Study of War assessed": the institution's whole
            # name, not its last word ("Defence" is a title word, "War" no source).
            full = re.sub(r"^(?:The|the)\s+", "", " ".join(f"{whole.group('org')}{m.group('who')}".split()))
            return Speaker(full, None, 0.75, f"'{full} {m.group('verb')}'", "group")
        placed = None if passive else _PLACED_NOUN.search(sentence, max(0, m.start("who") - 160), m.start("who"))
        if placed is not None and any(_PERSON_NOUN.fullmatch(w) for w in placed.group("np").split()):
            # "an economist in London said", "One voter in New York said", "the top commander overseeing forces in
            # the Middle East said": the place after a person's noun is where they are, not who speaks.
            who = " ".join(f"{placed.group(0)}{m.group('who')}".split())
            one = _ONE_UNNAMED.match(who) is not None
            return Speaker(who, None, 0.7, f"'{who} {m.group('verb')}'", "role" if one else "group")
        if name in _TITLE_WORDS and not passive:
            # "The Health Secretary said": a title alone refers back to whoever the text gave it to.
            earlier = people.refer(name) if people else None
            if earlier is not None:
                said = f"'{m.group('who').strip()} {m.group('verb')}', read as {earlier.name}, named before"
                return Speaker(earlier.name, earlier.role, 0.7, said, earlier.kind)
        elif (
            name
            and not (owner or stray or passive)
            and name not in _NOT_NAMES
            and not _ROLE_ONLY.fullmatch(name.lower())
        ):
            role = _appositive(sentence, m.end("who")) or _title_prefix(sentence, m.start("who"), title)
            known = people.surname(name) if people and len(name.split()) == 1 else None
            if known is not None:
                said = f"'{name} {m.group('verb')}', named before as {known.name}"
                return Speaker(known.name, role or known.role, 0.85, said, "person")
            # One word with a person's role after it ("Roe, another political analyst,") is a person.
            one_person = role is not None and _ROLE_WORD.search(role) is not None and title is None
            # "Acme Institute for Road Safety Studies predicted": an organisation, however many words.
            # Not an office's word before a person's name ("House Speaker Jane Roe", "Senate Leader John Doe").
            titled = title is not None and _person_name(m.group("who")) is not None
            institution = any(w in _ORG_TAILS for w in (name if titled else m.group("who")).split()) or bool(
                _OF_INSTITUTION.search(sentence, 0, m.start("who"))
            )
            kind: Kind = "person" if (len(name.split()) >= 2 and not institution) or one_person else "group"
            return Speaker(name, role, 0.9 if kind == "person" else 0.75, f"'{name} {m.group('verb')}'", kind)
        m = _SUBJECT_VERB.search(sentence, m.end("who"))
    return None


# A person's noun phrase with a place after it, right before a capitalised name read as a subject: "an economist in
# ", "One Harris voter in ", "the top commander overseeing American forces in the ".
_PLACED_NOUN = re.compile(
    r"(?P<np>\b(?:[Aa]n?|[Oo]ne|[Tt]he|[Tt]wo|[Tt]hree|[Ss]ome|[Mm]any|[Ss]everal)\s+(?:[\w.’'-]+\s+){0,8}?"
    r"[a-z][\w’'-]*)\s+(?:in|at|from|near|across)\s+(?:the\s+)?$"
)
_PERSON_NOUN = re.compile(rf"(?:{_ROLE_NOUNS}|{_GROUP_NOUNS}|[a-z]+(?:er|or|ist|ian)s?)")


def _saying_then_speaker(sentence: str, people: _People | None) -> Speaker | None:
    """A speaker named after the verb of saying (", said Jane Roe") or after a participle, or None."""
    m = _SUBJECT_THEN_SAYING.match(sentence)
    if m and m.group("verb") and _SAID_BEFORE.search(sentence, 0, m.start("verb")):
        m = None  # "..., a senior official said, adding ...": the participle is that source's, not the subject's
    if m and not _possessive(m.group("who")):
        # "Spokesman Jane Roe tempered expectations, stating ...", "Roe appeared on a podcast and warned that
        # ...": the subject of the clause the participle or the second verb of saying hangs from.
        name, title = _clean_name(m.group("who"))
        verb = m.group("verb") or m.group("verb2")
        employer = _EMPLOYER_ROLE.match(sentence, m.end("who"))
        employed = _CAP_RUN_RX.match(sentence, employer.end()) if employer is not None else None
        if employed is not None and len(_clean_name(employed.group(0))[0].split()) >= 2:
            # "Acme Securities analyst Jane Roe walks through the odds and concludes": the employer, a role in
            # lower case, then the person.
            name, title = _clean_name(employed.group(0))
            title = " ".join(sentence[m.start("who") : employed.start()].split())
        known = people.surname(name) if people and len(name.split()) == 1 else None
        if known is not None:
            return Speaker(known.name, title or known.role, 0.75, f"'{name} ... {verb}', named before", "person")
        if len(name.split()) >= 2:
            return Speaker(name, title, 0.8, f"'{name} ..., {verb}'", "person")
        if name and name not in _NOT_NAMES and not _ROLE_ONLY.fullmatch(name.lower()):
            # "the Fed left rates unchanged but forecast ...": a one-word name is an organisation's.
            return Speaker(name, title, 0.7, f"'{name} ... {verb}'", "group")
    m = _PRONOUN_THEN_SAYING.match(sentence) if people is not None else None
    if m:
        # "He did not answer the question, noting that ...": the participle is the pronoun's, the person named last.
        return people.pronoun(m.group("who"), m.group("verb"))  # type: ignore[union-attr]
    m = _ROLE_NAME_SAID.search(sentence)
    if m and len(_clean_name(m.group("who"))[0].split()) >= 2:
        name = _clean_name(m.group("who"))[0]
        return Speaker(name, " ".join(m.group("role").split()), 0.85, f"'{name}, ... {m.group('verb')}'", "person")
    m = _VERB_SUBJECT.search(sentence)
    if m:
        rest = _PARENTHESES.sub(lambda b: " " * len(b.group(0)), m.group("rest"))
        runs = [r for r in re.finditer(_CAP_RUN, rest) if _clean_name(r.group(0))[0]]
        if runs:
            first = runs[0]
            if first.start() == 0:
                name, title = _clean_name(first.group(0))
                role = _appositive(rest, first.end()) or title
                office = next(
                    (r for r in runs[1:] if "," not in rest[: r.start()] and " " in _clean_name(r.group(0))[0]), None
                )
                if len(name.split()) < 2 and office is not None:
                    # "said U.S. Health and Human Services Secretary Jane Roe": the office's words, then the name.
                    name, title = _clean_name(office.group(0))
                    role = " ".join(f"{rest[: office.start()]} {title or ''}".split()) or None
                employed = next((r for r in runs[1:2] if _EMPLOYER_ROLE.fullmatch(rest, first.end(), r.start())), None)
                if employed is not None and len(_clean_name(employed.group(0))[0].split()) >= 2:
                    # "said Acme Greater China chief economist Jane Roe": the employer, a role in lower case, then
                    # the person (the employer's words are no name).
                    name, title = _clean_name(employed.group(0))
                    role = " ".join(rest[: employed.start()].split())
            else:
                # "said the bank's president, Jane Roe, chief economist at Acme": the name set off in commas,
                # not the last capitalised words (which may be the employer in the role after it).
                set_off = next((r for r in runs if rest[: r.start()].endswith(", ")), None)
                if set_off is None and not _DETERMINED.match(rest):
                    # ", said rates will fall in June": what was said, not a source ("June" is no speaker).
                    return None
                last = set_off or runs[-1]
                name, title = _clean_name(last.group(0))
                role = rest[: last.start()].strip(" ,") or title
            if name and len(name.split()) >= 2:
                return Speaker(name, role, 0.9, f"'{m.group('verb')} {name}'", "person")
            known = people.surname(name) if people and name else None
            if known is not None:
                return Speaker(known.name, role or known.role, 0.85, f"'{m.group('verb')} {name}'", "person")
            if name and name not in _NOT_NAMES and _APPOSITIVE_OPENS.match(rest, first.end()):
                # ", said Roe, who advises ...", ", said Roe, a former banker": a one-word name with a role.
                return Speaker(name, role, 0.75, f"'{m.group('verb')} {name}'", "person")
            if name and name not in _NOT_NAMES and _ENDS.fullmatch(rest, first.end()):
                # "..., writes Acmeblatt.", "says ACB" closing the sentence: a one-word source.
                return Speaker(name, role, 0.75, f"'{m.group('verb')} {name}'", "group")
    return None


def _source_named_otherwise(
    sentence: str,
    words: set[str],
    group: re.Match[str] | None,
    group_word: bool,
    last_person: Speaker | None,
    last_group: Speaker | None,
    people: _People | None,
) -> Speaker | None:
    """ "according to" a source, an unnamed common-noun source, odds, a document, or a pronoun read back."""
    closing = _COMMON_SAYS_LAST.search(sentence)
    if closing and _ACCORDING_ANY.search(sentence) and closing.group("who").endswith("s"):
        # "According to the Acme agency, X seems likely, experts predicted": the attribution that closes the
        # sentence is its speaker; the one that opens it names where the report comes from.
        who = " ".join(closing.group("who").split())
        return Speaker(who, None, 0.7, f"'{closing.group(0).strip(' ,.')}' (not named)", "group")
    opening = _OPENING_ACCORDING.match(sentence)
    inner = _ONE_ANY.match(sentence, opening.end()) if opening else None
    if inner is not None:
        # "According to Ynet, a member of the delegation told AP that ...": the report's source opens the
        # sentence; the one who speaks is its subject.
        who = " ".join(inner.group("who").split())
        return Speaker(who, None, 0.6, f"'{who} {inner.group('verb')}' after '{opening.group(0).strip()}'", "role")  # type: ignore[union-attr]
    m = _ACCORDING.search(sentence)
    if m:
        name, title = _clean_name(m.group("who"))
        if name:
            role = _appositive(sentence, m.end("who")) or title
            if role is None:
                dash = re.match(r"\s*[—–-]\s*(?P<role>[^—–]{3,200}?)\s*[—–]", sentence[m.end("who") :])
                role = dash.group("role").strip() if dash else None
            # "according to Acme Research's forecast": an organisation, whatever the length of its name.
            one = len(name.split()) >= 2 and not _possessive(m.group("who"))
            kind: Kind = "person" if one else "group"
            return Speaker(name, role, 0.85, f"'according to {name}'", kind)
    m = _ACCORDING_COMMON.search(sentence) or _SAY_COMMON.search(sentence) or _COMMON_SAYS_LAST.search(sentence)
    if group_word:
        group = _group(sentence)
    if m and not (group and group.start() < m.start()):
        # "Most economists expected X, according to a survey": the subject before the source is the speaker.
        who = " ".join(m.group("who").split())
        owner = _DOCUMENT_OWNER.match(sentence, m.end()) if m.re is _ACCORDING_COMMON else None
        if owner is not None and who.split()[-1].lower() in _DOCUMENT_WORDS:
            # "according to the latest forecast from the Centers for Disease Control": whose forecast it is.
            name = _clean_name(owner.group("who"))[0] or " ".join(owner.group("who").split())
            return Speaker(name, who, 0.75, f"'{' '.join(sentence[m.start() : owner.end()].split())}'", "group")
        earlier = _refer_back(who, people)
        if earlier is not None:
            return earlier
        kind: Kind = "group"  # type: ignore[no-redef]
        said = f"'{m.group(0).strip(' ,.')}' (not named)"
        if m.re in (_COMMON_SAYS_LAST, _SAY_COMMON) and not who.endswith("s"):
            kind, said = "role", said + _UNNAMED  # as a headline gives them: see _lead_source
        return Speaker(who, None, 0.7, said, kind)
    m = _ACCORDING_KIND_NAME.search(sentence)
    if m:
        name, _ = _clean_name(m.group("who"))
        if name:
            kind_words = " ".join(m.group("kind").split())
            return Speaker(name, kind_words, 0.8, f"'according to {kind_words} {name}'", "group")
    tries = (
        (_SHARE, 0.7, _DIGIT.search(sentence) is not None),
        (_OWNED_ROLE, 0.75, "’s" in sentence or "'s" in sentence),
        (_GROUP, 0.75, group is not None),
        (_THOSE, 0.7, "those" in words),
        (_PLURAL_SUBJECT, 0.65, True),
        (_ONE_COMMON, 0.6, not _SOURCE_WORDS.isdisjoint(words)),
        (_ONE_ANY, 0.55, not _ONE_ANY_VERBS.isdisjoint(words) and not _ONE_ANY_ARTICLES.isdisjoint(words)),
    )
    for rx, confidence, present in tries:
        if not present:
            continue
        m = group if rx is _GROUP else rx.search(sentence)
        if m and rx is _PLURAL_SUBJECT and not _human_plural(m.group("head"), m.group("verb"), sentence, m.end()):
            m = None
        if m and rx is _GROUP and _INDEFINITE_GROUP.fullmatch(m.group("who")):
            m = None  # "a small group expect": part of those polled, not an organisation that speaks
        if m:
            who = " ".join(sentence[m.start("who") : m.end("who")].split())
            earlier = _refer_back(who, people) if rx is _GROUP or rx is _ONE_COMMON else None
            if earlier is not None:
                return earlier
            one = rx is _ONE_COMMON
            return Speaker(
                who,
                None,
                confidence,
                f"'{who} {m.group('verb')}'" + (_UNNAMED if one else ""),
                "role" if one or rx is _ONE_ANY else "group",
            )
    odds = _odds(sentence, words)
    if odds is not None:
        return odds
    organisation = _organisation(last_group)
    they = _THEY.match(sentence)
    document = _document(sentence, words, organisation)
    if document is not None:
        return document
    inside = _THEY_INSIDE.search(sentence) if "they" in words else None
    for m, earlier, confidence in (
        (they, organisation if they and they.group("who") == "It" else last_group, 0.6),
        (inside, _plural_before(sentence, inside.start()) if inside else None, 0.6),
        (inside, last_group, 0.55),
        (_PRONOUN.search(sentence), last_person, 0.7),
    ):
        if m and earlier is not None:
            said = f"'{m.group(0).strip(' ,;:—–')}', read as {earlier.name}, named before"
            return Speaker(earlier.name, earlier.role, confidence, said, earlier.kind)
    return _stance_holder(sentence, words, people)


# "Steinmeier also held out the prospect that ...", "Carney cited X as reasons to expect ...", "Senior officials
# have played down hopes of ...": a noun or adjective of expectation in the predicate is the subject's.
_STANCE_WORDS = wordset(
    "prospect prospects expectation expectations hopes hopeful doubt doubts scepticism skepticism optimism pessimism"
    " confidence reasons"
)
_COLLECTIVE_NOUNS = "powers|parties|governments"
_COLLECTIVES = frozenset(_COLLECTIVE_NOUNS.split("|"))
_STANCE_HOLDER = re.compile(
    rf"\s*(?:(?:However|But|And|Meanwhile|Still|Yet),?\s+)?(?:[Tt]he\s+)?(?P<who>(?:[A-Z][\w-]*\s+)?"
    rf"(?:[a-zA-Z-]+\s+){{0,2}}?(?i:{_GROUP_NOUNS}|{_COLLECTIVE_NOUNS})|{_CAP_RUN})(?:\s*,[^,.;:“”\"]{{1,80}},)?\s+"
    rf"(?:(?:also|have|has|had|were|was|is|are|again|already|still)\s+)*(?:[a-z]+ly\s+)?[a-z]{{3,}}\b"
    rf"[^.;:“”\"]{{0,200}}?(?<![\w-])(?:prospects?|expectations?|hopes|hopeful|doubts?|scepticism|skepticism|optimism|"
    rf"pessimism|confidence|reasons?\s+to\s+expect)\b"
)


def _stance_holder(sentence: str, words: set[str], people: _People | None) -> Speaker | None:
    """The subject of a sentence whose predicate holds an expectation ("X held out the prospect that"), when
    the subject is a person the text named or a group of people (not "Oil prices dented hopes")."""
    if _STANCE_WORDS.isdisjoint(words):
        return None
    m = _STANCE_HOLDER.match(sentence)
    if m is None or _possessive(m.group("who")):
        return None
    who = " ".join(m.group("who").split())
    head = who.split()[-1]
    if head.islower() and (head in _GROUP_WORDS or head in _COLLECTIVES):
        return Speaker(who, None, 0.6, f"'{who} ...' holding the expectation", "group")
    name, title = _clean_name(who)
    known = people.surname(name) if people and len(name.split()) == 1 else None
    if known is not None:
        return Speaker(known.name, title or known.role, 0.65, f"'{name} ...' holding the expectation", "person")
    person = _person_name(who)
    if person is not None:
        return Speaker(person, title, 0.65, f"'{person} ...' holding the expectation", "person")
    return None


def _refer_back(who: str, people: _People | None) -> Speaker | None:
    """ "the association", "The analytics company": one definite source that is not a person refers back to
    the source named before with that noun (or, for a company or firm, to the organisation named last)."""
    m = re.fullmatch(r"[Tt]he\s+(?:[\w-]+\s+){0,3}?(?P<noun>[a-z]+)", who)
    if people is None or m is None or m.group("noun").endswith("s"):
        return None
    earlier = people.refer(m.group("noun"))
    if earlier is None and m.group("noun") in _ORGANISATION_WORDS:
        earlier = _organisation(people.last_group)
    if earlier is None and m.group("noun") in _PAPER_WORDS and people.last_newspaper:
        # "According to the paper", "told the daily": the newspaper named last (not after "a research paper").
        earlier = Speaker(people.last_newspaper, None, 0.65, "", "group")
    if earlier is None and _ROLE_ONLY.fullmatch(m.group("noun")) and people.last and people.last.kind == "person":
        # "according to the diplomat", "the senior diplomat believes": the person who spoke last, as after a
        # quotation ("the expert said").
        earlier = people.last
    if earlier is None:
        return None
    return Speaker(earlier.name, earlier.role, 0.65, f"'{who}', read as {earlier.name}, named before", earlier.kind)


_INDEFINITE_GROUP = re.compile(r"(?:(?!(?:[Tt]he|[Tt]his|[Tt]hat)\s)[\w-]+\s+){1,3}group")
_ORGANISATION_WORDS = wordset("company firm agency group organisation organization website site pollster bookmaker")


_ONLY_SAYING = wordset("said say says told tell warned warn warns added add noted note reported wrote argued insisted")


def _human_plural(head: str, verb: str, sentence: str, end: int) -> bool:
    """A plural noun that names people or sources ("senators", "aides", "officials", "polls"), with a verb that
    is not a participle ("Home prices expected to rise": the prices expect nothing)."""
    if head in _VERB_SET:
        return False
    if not (_HUMAN_PLURAL.search(head) or head in _GROUP_WORDS or head in _DOCUMENT_WORDS):
        # "Britain's major betting chains said": whatever the noun, a verb that only a source has makes it one.
        return verb in _ONLY_SAYING and not re.match(r"\s+to\b", sentence[end:])
    return not (verb.endswith("ed") or verb in ("forecast", "projected")) or not re.match(r"\s+to\b", sentence[end:])


def _group(sentence: str) -> re.Match[str] | None:
    """_GROUP's match, a sentence's capitalised first word ("Economists expect") read in lower case: the
    pattern's nouns are lower case (a case-insensitive group, tried at every word, is several times slower).
    Offsets are the sentence's own."""
    first = _FIRST_WORD.match(sentence)
    if first and first.group(1)[:1].isupper() and first.group(1).lower() in _GROUP_WORDS:
        at = first.start(1)
        sentence = sentence[:at] + sentence[at].lower() + sentence[at + 1 :]
    return _GROUP.search(sentence)


def _organisation(last_group: Speaker | None) -> Speaker | None:
    """The group named last when it is an organisation (a capitalised name, not "analysts"): what a report
    or "it" speaks for."""
    if last_group and last_group.name[:1].isupper() and not _PLURAL.search(last_group.name):
        return last_group
    return None


def _document(sentence: str, words: set[str], organisation: Speaker | None) -> Speaker | None:
    """ "The new forecast predicts", "Polls show": the organisation named before, else the report itself."""
    m = None if _DOCUMENT_WORDS.isdisjoint(words) else _DOCUMENT_SUBJECT.match(sentence)
    if m is None:
        return None
    if organisation is not None:
        said = f"'{m.group(0).strip()}', read as {organisation.name}, named before"
        return Speaker(organisation.name, organisation.role, 0.6, said, organisation.kind)
    who = " ".join(m.group("who").split())
    return Speaker(who, None, 0.6, f"'{who} {m.group('verb')}' (a report, its source not named)", "group")


def _odds(sentence: str, words: set[str]) -> Speaker | None:
    """ "Bookmakers have X at 1/2": a subject with a verb that states a probability, where odds are named
    (a word of chance, or a fraction: not a bare percentage, which prose about prices is full of)."""
    if _ODDS_WORDS.isdisjoint(words) and not ("/" in sentence and _FRACTION.search(sentence)):
        return None
    m = _ODDS_SUBJECT.search(sentence)
    if m and m.group("verb").split()[-1] in ("has", "have", "had") and _HOLDS_CHANCE.match(sentence, m.end()):
        # "Obama has an almost nine in ten chance of winning": the chance is the subject's own, not a source's.
        return None
    if m:
        name, _ = _clean_name(m.group("who"))
        if name and name not in _NOT_NAMES and not _possessive(m.group("who")):
            return Speaker(name, None, 0.6, f"'{name} {m.group('verb')}' a probability", "group")
    at = _AT_ODDS.match(sentence) or _ODDS_AT.search(sentence) if "/" in sentence else None
    if at is not None:
        # "At Acme Bets and Beta Bet, they are 1/6 to win", "Labour are 7/2 to win at Acme Bets, Beta and Gamma": the
        # bookmakers a fractional price is quoted at.
        who = " ".join(at.group("who").split())
        return Speaker(who, None, 0.6, f"odds quoted at {who}", "group")
    return None


def _role_subject(sentence: str, text: str, start: int, people: _People | None = None) -> Speaker | None:
    """ "The finance minister said ...": the person named earlier with that title (within the article's
    length before ``start``, the sentence's offset in ``text``; or a speaker given that role, "Jane Roe, an
    economist at Acme", for "the economist"), else the title itself."""
    m = _ROLE_SUBJECT.search(sentence)
    if not m:
        return None
    role = " ".join(m.group("who").split())
    words = r"\s+".join(re.escape(w) for w in role.split())
    named = re.compile(rf"(?i:{words})\s+(?P<name>{_CAP}\s+{_CAP})")
    earlier = list(named.finditer(text, max(0, start - _LOOK_BACK), start))
    if earlier:
        name = re.sub(r"[’']s$", "", earlier[-1].group("name"))
        return Speaker(name, role, 0.7, f"'the {role} {m.group('verb')}', named earlier as {name}", "person")
    given = people.refer(role.split()[-1]) if people else None
    if given is None and people is not None and people.last is not None and people.last.kind == "person":
        # "the expert warned" with no one given that title: the person who spoke last, as after a quotation.
        given = people.last
    if given is not None and given.kind == "person":
        said = f"'the {role} {m.group('verb')}', read as {given.name}, named before"
        return Speaker(given.name, given.role, 0.65, said, "person")
    return Speaker(f"the {role}", None, 0.5, f"'the {role} {m.group('verb')}' (not named)", "role")


def byline(text: str, paras: list[Paragraph]) -> Speaker | None:
    """ "By Jane Doe" or "Jane Doe is a columnist at X." in the first paragraphs."""
    for p in paras[:4]:
        chunk = " ".join(text[p.start : p.end].split())
        if len(chunk.split()) > 40:
            continue
        m = _BYLINE.match(chunk)
        if m:
            return Speaker(m.group("who"), (m.group("role") or m.group("role2")).strip(), 0.8, "the byline", "author")
    return None


def attribute(text: str, paras: list[Paragraph], sents: list[Sentence], authors: tuple[str, ...] = ()) -> list[Speaker]:
    """One speaker per sentence, in order."""
    author = byline(text, paras)
    if authors:
        author = Speaker(" and ".join(authors), author.role if author else None, 0.7, "the source's author", "author")
    default = author or Speaker("the author", None, 0.5, "no attribution: the author's own words", "author")
    by_para: dict[int, list[Sentence]] = {}
    for s in sents:
        by_para.setdefault(s.paragraph, []).append(s)

    out: dict[int, Speaker] = {}
    carry: Speaker | None = None
    people = _People(author if author and author.name != "the author" else None, text)
    carried: Speaker | None = None
    introduced: Speaker | None = None
    block: Speaker | None = None
    report: tuple[int, Speaker] | None = None  # the last source's sentence, when an organisation
    next_scope: Speaker | None = None
    for p in paras:
        ps = by_para.get(p.index, [])
        found: dict[int, Speaker] = {}
        people.upto(p.end)
        quoted, carried = _quotations(text, p, people, carried, introduced)
        previous: Speaker | None = None
        scope: Speaker | None = next_scope if ps and _ANAPHORIC.match(ps[0].text) else None
        labelled = _labelled(text[p.start : p.end], people)
        # Not inside an interview: there the turn of the one introduced before carries (below).
        reporting = carry is None
        before: Sentence | None = None
        for s in ps:
            if before is not None and (before.index not in found or found[before.index].basis.startswith(_REPORTED)):
                pointed = _pointed_source(s, people)
                if pointed is not None:
                    found[before.index] = pointed
            before = s
            inside = [(min(e, s.end) - max(b, s.start), who) for b, e, who in quoted if b < s.end and e > s.start]
            quotation = max(inside, key=lambda x: x[0]) if inside else None
            speaker: Speaker | None = quotation[1] if quotation is not None else None
            outside = _outside_quotes(s.text)
            if speaker is not None and speaker.basis.startswith(_INHERITED) and _SUBJECT_ONLY.search(outside):
                # A quotation that only took the speaker of the one before it yields to an attribution of the
                # sentence's own ('AMD CEO Jane Roe commented that supply would be "probably tight"').
                speaker = _explicit(outside, people.nearest(), people.last_group, people) or speaker
            speaker = (
                speaker
                or _explicit(outside, people.nearest(), people.last_group, people)
                or _role_subject(s.text, text, s.start, people)
            )
            if speaker is not None and _read_a_passive(outside, speaker):
                speaker = None
            if speaker is None or speaker.kind == "group" or speaker.basis.endswith(_UNNAMED):
                # The owner of a document that opens the sentence before a group inside its modifier ("A survey
                # commissioned by Acme based on interviews with voters ... predicts").
                speaker = _owned_document(outside) or _chunked_subject(outside, speaker, people)
            if speaker is None and previous is not None and _OPENS_QUOTATION.match(s.text):
                # `X concurred, saying ... "Quotation."`: a quotation with no attribution of its own, right
                # after a sentence whose speaker is named, is that speaker's.
                speaker = Speaker(
                    previous.name,
                    previous.role,
                    0.6,
                    f"a quotation after a sentence of {previous.name}'s",
                    previous.kind,
                )
            if speaker is None and labelled is not None:
                speaker = labelled
            if (
                speaker is None
                and reporting
                and previous is not None
                and previous.kind == "person"
                and not previous.basis.startswith(_REPORTED)
            ):
                # "Roe said X. Prices will fall by June.": a sentence with no attribution right after one that
                # reports a person, in the same paragraph, goes on in that person's words rather than the
                # author's. Only the next sentence: a paragraph drifts back to the author's own words.
                speaker = Speaker(previous.name, previous.role, 0.55, f"{_REPORTED}{previous.name}", previous.kind)
            if speaker is None and reporting and scope is not None and _in_scope(outside, scope):
                # "According to the study, 10% of jobs are at risk. Young people will also suffer.": a report's,
                # survey's or organisation's sentence that has no source of its own, in the paragraph that named
                # the report, goes on in the report's words (its discourse scope), until another source speaks.
                speaker = Speaker(scope.name, scope.role, 0.5, f"{_SCOPE}{scope.name}", scope.kind)
            if (
                speaker is None
                and report is not None
                and s.index - report[0] <= _REPORT_REACH
                and _AGENTLESS.search(s.text)
            ):
                # "Acme expects sales to rise. Prices are projected to fall in 2024.": a forecast in the passive with
                # no source of its own, a few sentences after an organisation's report and no one else's since,
                # goes on with that report.
                org = report[1]
                speaker = Speaker(org.name, org.role, 0.5, f"{_REPORT_GOES_ON}{org.name}", org.kind)
            if speaker is not None:
                found[s.index] = speaker
                people.seen(speaker)
                # Only a source that made a forecast itself ("Acme expects", "the new forecast predicts"): after
                # "X said" a passive is as often the reporter's own background ("The talks are expected to last").
                if _FORECASTS.search(s.text) and speaker.kind != "author":
                    report = (s.index, speaker)
                elif report is not None:
                    # The report's source again (its passive forecasts, the sentence after them) keeps it open;
                    # anyone else closes it.
                    report = (s.index, report[1]) if speaker.name == report[1].name else None
            previous = speaker if speaker is not None and speaker.kind != "author" else None
            if speaker is None or not speaker.basis.startswith(_SCOPE):
                scope = speaker if speaker is not None and _opens_scope(speaker, outside) else None
        next_lead = paras[p.index + 1].lead if p.index + 1 < len(paras) else ""
        turn: Speaker | None = None
        last_found = found.get(ps[-1].index) if ps else None
        if next_lead and last_found is not None and last_found.kind == "person" and " and " not in last_found.name:
            # An interviewee introduced just before the answers: their turn runs on until the next one.
            turn = last_found
        if found:
            block = None
        for s in ps:
            if s.index in found:
                out[s.index] = found[s.index]
            elif block is not None:
                out[s.index] = Speaker(block.name, block.role, 0.6, f"a passage introduced by {block.name}", block.kind)
            elif carry is not None:
                out[s.index] = Speaker(
                    carry.name, carry.role, 0.6, f"the interview turn of {carry.name} (introduced before)", carry.kind
                )
            else:
                out[s.index] = default
        if turn is not None:
            carry = turn
        # A report's scope reaches the next paragraph only where that one opens with a pronoun ("It could be a year
        # before ..."): the subject has not changed. A person's does not (tune a-e lost a sentence the author wrote).
        next_scope = scope
        # 'Jane Roe says X.' then a paragraph that is one quotation with no attribution of its own: hers (the
        # way a report lets a source's paragraph introduce the quotation after it).
        heading = len(ps) == 1 and not found and len(ps[0].text.split()) <= 4 and ps[0].text.rstrip()[-1:] not in ".!?"
        if not heading:
            # A short heading between a source and its quotations ("Key quotes") leaves the source introducing them.
            introduced = last_found if last_found is not None and last_found.kind != "author" else None
        if last_found is not None and last_found.kind != "author" and ps[-1].text.rstrip().endswith(":"):
            # "The Acme Herald reports:" closing a paragraph: the passage after it is quoted, until one with a speaker.
            block = last_found
    ordered = _lawmakers_back([out[s.index] for s in sents], sents)
    return _named_after(_lead_source(_headline_from_lead(ordered, sents)), sents, text)


def _pointed_source(s: Sentence, people: _People) -> Speaker | None:
    """ "Rates will fall in June. That's the view of Jane Roe.": the source a short sentence names for the one
    before it, or None."""
    pointer = _CATAPHORIC.match(s.text)
    if pointer is None:
        return None
    who = pointer.group("who") or pointer.group("who2")
    said = f"'{' '.join(pointer.group(0).split())}' after it"
    named = people.named(who, _appositive(s.text, pointer.end()), said, 0.75) if who else None
    if named is not None and (pointer.group("kind") or "") in _ORG_NOUN_SET:
        # "the view of analyst firm CCS Insight": an organisation by its whole name (an acronym in it is no title
        # before a person's name).
        named = Speaker(" ".join(who.split()), None, 0.75, said, "group")
    source = named or _explicit(_outside_quotes(s.text), people.nearest(), people.last_group, people)
    return source if source is not None and source.kind != "author" else None


def _lawmakers_back(speakers: list[Speaker], sents: list[Sentence]) -> list[Speaker]:
    """ "the legislators said" refers back to the lawmakers that a sentence just before opens with under another
    word ("Republican congressional leaders emerged from the briefing. ... the legislators said"), when no
    source before was called so; the way a report avoids repeating its subject."""
    out = list(speakers)
    for i, sp in enumerate(speakers):
        m = _DEFINITE_LAWMAKERS.fullmatch(sp.name)
        if m is None or any(m.group("noun").lower() in (e.name + " " + (e.role or "")).lower() for e in speakers[:i]):
            continue
        for back in range(i - 1, max(-1, i - 3), -1):
            before = _LAWMAKERS_OPENING.match(sents[back].text.lstrip())
            if sents[back].paragraph >= sents[i].paragraph - 1 and before is not None:
                who = " ".join(before.group("who").split())
                if who.lower() != sp.name.lower():
                    out[i] = Speaker(who, None, 0.6, f"'{sp.name}', read as {who}, named just before", "group")
                break
    return out


_LAWMAKER_PLURALS = "legislators|lawmakers|senators|congressmen|congresswomen|representatives|leaders|MPs|deputies"
_DEFINITE_LAWMAKERS = re.compile(rf"[Tt]he\s+(?P<noun>{_LAWMAKER_PLURALS})")
# A sentence that opens with lawmakers as its subject: up to three modifiers (a party, a chamber) before the plural.
_LAWMAKERS_OPENING = re.compile(
    rf"(?P<who>(?:[A-Z][\w.’'-]*\s+)(?:[A-Za-z][\w.’'-]*\s+){{0,2}}?(?:{_LAWMAKER_PLURALS}))\s+[a-z]"
)


_SUBJECT_BASIS = re.compile(r"'(?P<who>.+) (?P<verb>[a-z]+(?:ed|forecast))'")


def _read_a_passive(outside: str, speaker: Speaker) -> bool:
    """Whether a subject-and-verb attribution ("'Labour predicted'") read a passive: "Labour is also predicted to
    win", "the smartphone market is predicted to decline", a headline's "Smartphone market projected to grow".
    Its verb is then no one's saying; the forecast is the author's unless the chunker finds a source."""
    m = _SUBJECT_BASIS.fullmatch(speaker.basis)
    if m is None:
        return False
    verb = re.escape(m.group("verb"))
    said = re.search(
        rf"\b{re.escape(m.group('who').split()[-1])}\b(?P<between>[^.;:]{{0,80}}?)\b{verb}\b(?P<after>\s+\w+)?", outside
    )
    if said is None:
        return False
    between = said.group("between").split()
    copula = any(w in ("is", "are", "was", "were", "be", "been") for w in between[-3:])
    return copula or (said.group("after") or "").strip() in ("to", "as")


def _chunked_subject(outside: str, speaker: Speaker | None, people: _People) -> Speaker | None:
    """Where the name patterns found no source (or only an organisation), the subject noun phrase of the
    sentence's verb of saying, belief or estimation (``subjects``): "some analysts estimate", "almost no one is
    expecting", "a fifth forecast" (the group named before), "Fed fund futures give a 9% chance"; and a person's
    name over the organisation the patterns took from after its "of" ("Jane Roe of Acme said" → Jane Roe)."""
    if speaker is not None and _BARE_SHARE.fullmatch(speaker.name) and people.last_group is not None:
        # "Around 10% believe": the share speaks for the group it is of, named before ("voters polled by Acme").
        owner = people.last_group
        return Speaker(
            owner.name, owner.role, 0.55, f"'{speaker.name}', a share of {owner.name}, named before", "group"
        )
    if TRIGGERS.isdisjoint(_LOWER_WORD.findall(outside.lower())):
        return speaker
    for sub in subjects_of_verbs(outside):
        owned = _FROM_THE_ORGANISATION.search(sub.phrase)
        maker = _organisation(people.last_group) if owned else None
        if maker is not None and owned and sub.phrase[: owned.start()].split()[-1:] in _ONE_DOCUMENT:
            # "A new analysis from the professional services network estimates", after "according to Deloitte":
            # a document from a definite organisation noun is the organisation named last.
            said = f"{sub.basis}, from {maker.name}, named before"
            return Speaker(maker.name, maker.role, 0.6, said, maker.kind)
        if speaker is not None:
            # To put the person before the organisation named in their noun phrase; the believer before the
            # source that closes the sentence ("some officers are now convinced that X, officials said"), as a
            # named believer is (_explicit); and the source an outlet relays before the outlet ("According to
            # the Acme Post, top officials are afraid the offensive may fail").
            if sub.kind == "person" and speaker.name in sub.phrase:
                return Speaker(sub.name, sub.phrase, 0.8, sub.basis, "person")
            if speaker.basis.endswith(_UNNAMED):
                if speaker.name in sub.phrase and " and " in sub.phrase:
                    # "industry executives and an economist said": the pair, not one source not named.
                    return Speaker(sub.name, None, 0.65, sub.basis, "group")
                continue
            tail = outside[outside.rfind(",") + 1 :]
            closing = sub.belief and not sub.share and speaker.name in tail and sub.phrase not in tail
            if (closing or _is_outlet(speaker.name)) and speaker.name not in sub.phrase:
                return Speaker(sub.name, None, 0.65, sub.basis, "person" if sub.kind == "person" else "group")
            continue
        if sub.share:
            group = people.last_group
            if group is not None:
                said = f"{sub.basis}, a share of {group.name}, named before"
                return Speaker(group.name, group.role, 0.55, said, "group")
        words = sub.name.split()
        single = len(words) == 1 or (len(words) <= 3 and words[0].lower() in ("a", "an", "one"))
        if sub.kind != "person" and single and words[-1].lower() in _ROLE_NOUN_SET:
            # "Pollster predicts ...", "a senior analyst estimates": one source not named (see _lead_source).
            return Speaker(sub.name, None, 0.55, sub.basis + _UNNAMED, "role")
        kind: Kind = "person" if sub.kind == "person" else "group"
        return Speaker(sub.name, None, 0.6, sub.basis, kind)
    return speaker


_ROLE_NOUN_SET = frozenset(_ROLE_NOUNS.split("|"))
_ONE_DOCUMENT = [[w] for w in ("analysis", "study", "report", "survey", "poll", "forecast", "model", "research")]
# A document's owner given only as a definite organisation noun: "from the professional services network".
_FROM_THE_ORGANISATION = re.compile(
    rf"\b(?:from|by|of)\s+the\s+(?:[a-z-]+\s+){{0,3}}(?:{_ORG_NOUNS}|network|consultancy|bureau|think\s+tank)$"
)
_ORG_NOUN_SET = frozenset(_ORG_NOUNS.split("|"))
_BARE_SHARE = re.compile(
    r"(?:(?:[Aa]round|[Aa]bout|[Nn]early|[Ss]ome|[Jj]ust|[Oo]nly|[Oo]ver)\s+)?\d{1,3}(?:\.\d+)?\s*(?:%|percent|per\s+cent)"
)


def _headline_from_lead(speakers: list[Speaker], sents: list[Sentence]) -> list[Speaker]:
    """ "ISIS Hit Hard, But Offensive Could Be a Year Away" over "Military officials believe ...": a headline line
    (a paragraph of one line with no closing stop) with no source of its own is the source of the lead below it
    when that source is a report or a group stating its own view (the headline sums the lead up). Not a person's or
    an outlet's lead, and not a group that said something: the labels give such headlines to the author (tune
    corpus-a to corpus-e lost three when any source of the lead was taken)."""
    out = list(speakers)
    for i in range(len(sents) - 1):
        line, lead = sents[i], sents[i + 1]
        if speakers[i].kind != "author" or lead.paragraph != line.paragraph + 1:
            continue
        if (i > 0 and sents[i - 1].paragraph == line.paragraph) or line.text.rstrip()[-1:] in _CLOSING_MARKS:
            continue
        below = speakers[i + 1]
        if below.basis.startswith(_SCOPE) or not _opens_scope(below, _outside_quotes(lead.text)):
            continue
        out[i] = Speaker(below.name, below.role, 0.5, f"a headline over a lead of {below.name}'s", below.kind)
    return out


_CLOSING_MARKS = frozenset(".!?:;\"”’'")


_REPORTED = "the sentence before in the paragraph reports "
_SCOPE = "the paragraph goes on in the words of "
# A news outlet relays (its sentences are the reporter's), so its scope is not carried: "CBS News reported X. Y."
# (Not "Agency" or "paper": the International Energy Agency and a white paper are sources.)
_OUTLET = re.compile(
    r"\b(?:News|Times|Post|Journal|Mail|Herald|Telegraph|Guardian|Tribune|Reuters|Bloomberg|Press|Review|Gazette|"
    r"TV|Radio|Daily|newspaper|daily|media|outlet|broadcaster|magazine|website)\b|\b(?:news|press)\s+(?:agency|reports?)\b"
)
# "Most analysts polled by Acme News": a group that a poll of an outlet's asked, not the outlet.
_GROUP_START = re.compile(rf"(?:(?:most|many|some|the)\s+)?(?:[\w-]+\s+)?(?:{_GROUP_NOUNS})\b", re.I)


def _is_outlet(name: str) -> bool:
    return _OUTLET.search(name) is not None and _GROUP_START.match(name) is None


_FIRST_PERSON = re.compile(r"\b(?:I|I[’']m|I[’']d|we|We|our|Our|my|My|me|us)\b")


_ANAPHORIC = re.compile(r"\s*(?:It|They|Its|Their)\b")


def _opens_scope(speaker: Speaker, outside: str) -> bool:
    """A source whose words a paragraph goes on in: a report, survey or study ("according to the study"), or an
    organisation or group stating its own view in the present ("Acme expects", "officials believe"). Not a person
    (a person's next sentence only is carried, above), not an outlet (it relays), and not a group that said
    something ("Analysts said inflation had peaked. The bank is unlikely to ...": the next sentence is the
    reporter's again, a choice of the sixth round's tests)."""
    if speaker.kind != "group" or _is_outlet(speaker.name):
        return False
    head = speaker.name.split()[-1].lower() if speaker.name else ""
    if head in _NO_ONE:
        return False  # "none believes X": a denied belief says nothing the next sentence goes on in
    return head in _DOCUMENT_WORDS or _OWN_VIEW.search(outside) is not None


_NO_ONE = wordset("none nobody one")

# A view stated in the present, or "according to": what opens a group's scope.
_OWN_VIEW = re.compile(
    r"\b(?:expects?|believes?|predicts?|forecasts?|projects?|anticipates?|sees|estimates?|reckons?|[Aa]ccording\s+to)\b"
)


def _in_scope(outside: str, scope: Speaker) -> bool:
    """A sentence with no source of its own stays in the scope of the paragraph's report unless it names a person,
    has a subject named otherwise (a capitalised word among its opening words that is not in the report's name:
    "The Fed hiked"; the subject moved to them), quotes someone, or is the author's own judgement (first person)."""
    if "“" in outside or '"' in outside or _FIRST_PERSON.search(outside) or _BY_AGENT.search(outside):
        return False
    own = set(scope.name.split())
    opening = _OPENING_WORDS.match(outside)
    if opening is not None and any(w not in own for w in _CAPITALISED.findall(opening.group("rest"))):
        return False
    return not any(_person_name(m.group(0)) for m in _CAP_RUN_RX.finditer(outside))


# "Prices are expected by the Treasury to drop": a source of its own, as an agent.
_BY_AGENT = re.compile(r"\bby\s+(?:the\s+)?[A-Z]")
_CAPITALISED = re.compile(r"\b[A-Z][\w’'.&-]*")
# The first word (capitalised in any sentence) and the three after it, where a named subject would be.
_OPENING_WORDS = re.compile(r"\s*\S+(?P<rest>(?:\s+\S+){0,3})")
# "That's the view of Jane Roe", "That is according to", "So says Jane Roe", "At least that is what Roe thinks".
_CATAPHORIC = re.compile(
    rf"\s*(?:(?:At\s+least|Or\s+at\s+least)\s+)?(?:[Tt]hat|[Tt]his)(?:[’']s|\s+is|\s+was)\s+(?:at\s+least\s+)?"
    rf"(?:the\s+(?:\w+\s+)?(?:view|assessment|forecast|prediction|estimate|verdict|conclusion|opinion|take|expectation|"
    rf"projection|argument|thinking|warning|reckoning)\s+(?:of|from)\s+"
    rf"(?:(?:(?:(?:the|an?)\s+)?(?:[a-z-]+\s+){{0,2}}?(?P<kind>{_ROLE_NOUNS}|{_ORG_NOUNS})\s+)?(?P<who>{_NAMES})|(?=\w))|"
    rf"according\s+to\b|"
    rf"what\b)|\s*(?:So|Or\s+so)\s+(?:says|said|argues|thinks|believes|reckons)\s+(?P<who2>{_NAMES})"
)
_REPORT_GOES_ON = "a forecast in the passive after the report of "
_REPORT_REACH = 4
_FORECASTS = re.compile(
    r"\b(?:expects|forecasts?|predicts|projects|projections?|outlook|"
    r"(?:has|have)\s+(?:predicted|forecast|projected|estimated))\b"
)
# "X is (now) expected / projected / forecast / seen to ...", "seen slowing": a forecast with no one saying it.
_AGENTLESS = re.compile(
    r"\b(?:is|are|was|were|be)\s+(?:(?:now|still|also|currently|widely|generally)\s+)?(?:expected|projected|forecast|"
    r"predicted|seen|estimated|anticipated)\s+(?:to\b|[a-z]+ing\b)(?![^.]*\bby\s+(?:the\s+)?[A-Z])"
)
_LABEL = re.compile(rf"\s*(?P<who>{_CAP_RUN})\s*,\s*(?P<role>[^:“”\".;]{{3,100}}?)\s*:\s+(?=\S)")


_NAME_COLON_QUOTE = re.compile(rf"\s*(?P<who>{_CAP_RUN})\s*:\s*(?=[“\"‘])")


def _labelled(paragraph: str, people: _People) -> Speaker | None:
    """ "Jane Roe, senior economist, Acme: I think ...": a paragraph that opens with a person's name, a role and
    a colon (a panel's answers, one per paragraph) is that person's where no sentence names another."""
    m = _LABEL.match(paragraph) if ":" in paragraph[:160] else None
    if m is None:
        # "Jane Roe: “It's not inconceivable ...”": a transcript's name and colon before a quotation.
        bare = _NAME_COLON_QUOTE.match(paragraph) if ":" in paragraph[:60] else None
        name = _person_name(bare.group("who")) if bare else None
        if name is None:
            return None
        return Speaker(name, None, 0.75, f"'{bare.group(0).strip()}' opening the paragraph", "person")  # type: ignore[union-attr]
    name = _person_name(m.group("who"))
    known = people.surname(_clean_name(m.group("who"))[0]) if name is None else None
    if name is None and known is None:
        return None
    role = " ".join(m.group("role").split())
    who = name or known.name  # type: ignore[union-attr]
    return Speaker(who, role, 0.75, f"'{m.group(0).strip()}' opening the paragraph", "person")


_INHERITED = "the quotation before is "
# A named subject with its verb of saying outside the quotation marks.
_SUBJECT_ONLY = re.compile(rf"{_CAP_RUN}\s+(?:[a-z]+ly\s+)?(?:{_SAYING_WORDS})\b")


def _lead_source(speakers: list[Speaker]) -> list[Speaker]:
    """ "Robots could take most jobs, expert says" over an article that then names its expert: one source not
    named, before the article names anyone, is the first person it names (a headline's and a lead's way of
    introducing the article's main source)."""
    first = next((i for i, sp in enumerate(speakers) if sp.kind == "person"), None)
    if first is None:
        return speakers
    named = speakers[first]
    out = list(speakers)
    for i in range(first):
        sp = speakers[i]
        if sp.kind == "role" and sp.basis.endswith(_UNNAMED):
            out[i] = Speaker(
                named.name,
                named.role or sp.name,
                0.55,
                f"{sp.basis[: -len(_UNNAMED)]}, read as {named.name}, the first person the article names",
                "person",
            )
    return out


# Nouns of sources a report keeps unnamed on purpose ("a senior official", "a source close to the talks"): never
# read as a person named after them.
_KEPT_UNNAMED = wordset(
    "official officials source sources diplomat diplomats delegate envoy insider aide person member"
)
_NAMED_LATER_ROLES = _ROLE_NOUN_SET | wordset("ally doctor physician specialist")
_ONE_UNNAMED = re.compile(r"(?:[Aa]n?|[Oo]ne|[Tt]he)\s")
# How many paragraphs after an unnamed source its name may come.
_NAMED_AFTER_REACH = 2


def _named_after(speakers: list[Speaker], sents: list[Sentence], text: str) -> list[Speaker]:
    """ "X is likely, a key ally said." then "'...,' Jane Roe, the head of Acme, told ...": a source given first by
    an indefinite role ("an expert", "a key ally", "one University of Acme doctor") and named in one of the next
    two paragraphs, as a person the text had not named before, is that person (a lead's way of delaying the who
    to the paragraph after). Not a source kept unnamed ("a senior official", "a source"), and not where a person
    named before speaks first."""
    out = list(speakers)
    for i, sp in enumerate(speakers):
        if sp.kind in ("person", "author") or not _ONE_UNNAMED.match(sp.name):
            continue
        words = set(_LOWER_WORD.findall(sp.name.lower()))
        if (i > 0 and speakers[i - 1].name == sp.name) or words & _KEPT_UNNAMED or not words & _NAMED_LATER_ROLES:
            continue
        for j in range(i + 1, len(sents)):
            if sents[j].paragraph > sents[i].paragraph + _NAMED_AFTER_REACH:
                break
            later = speakers[j]
            if later.kind != "person" or later.name == sp.name:
                continue
            surname = later.name.split()[-1]
            known = re.search(rf"\b{re.escape(surname)}\b", text[max(0, sents[i].end - _LOOK_BACK) : sents[i].end])
            if surname not in sents[j].text or known:
                break  # someone known before speaks first: no name given for the role
            said = f"'{sp.name}', read as {later.name}, named just after"
            for k in range(i, j):
                if speakers[k].name == sp.name:
                    out[k] = Speaker(later.name, later.role or sp.name, 0.6, said, "person")
            break
    return out


def _outside_quotes(sentence: str) -> str:
    """The sentence with the words of quoted passages blanked (same length), so a name inside a quotation
    is not taken for its speaker; the quotation marks and a closing comma stay (`"...," said X`)."""

    def blank(m: re.Match[str]) -> str:
        inner = m.group(0)[1:-1]
        kept = inner[-1] if inner and inner[-1] in ",.!?" else ""
        return m.group(0)[0] + " " * (len(inner) - len(kept)) + kept + m.group(0)[-1]

    return _without_credentials(_SENTENCE_QUOTES.sub(blank, sentence))


# Letters after a name ("Jane Roe, M.D., said", "John Doe, Jr., director of ..."): part of the name, not an
# aside; their stops would end every pattern's name or role. Blanked, with the comma before them.
_CREDENTIAL = re.compile(
    r",\s*(?:M\.\s?D|Ph\.\s?D|D\.\s?O|R\.\s?N|D\.\s?Phil|Jr|Sr|Esq|M\.\s?P|M\.\s?B\.\s?A)\.(?=\s*[,;]|\s+[a-z])"
)


def _without_credentials(text: str) -> str:
    """``text`` with the credentials after a name blanked (same length, so offsets stay the text's)."""
    if "." not in text:
        return text
    return _CREDENTIAL.sub(lambda m: " " * len(m.group(0)), text)


# A common-noun source: "a senior Russian official", "diplomatic sources", "analysts", "the bank's chief economist".
_SOURCE_NOUNS = (
    rf"(?:{_GROUP_NOUNS}|{_ROLE_NOUNS}|{_ORG_NOUNS}|source|person|people|aide|insider|diplomat|observer|banker|trader)"
)


# What a report, not a person, is: "according to the online panel data", "the new forecast predicts".
def _word_forms(alternation: str) -> frozenset[str]:
    """Each word of a regex alternation of nouns, and its plural: a set a sentence's words are checked
    against before a pattern built on the alternation is run."""
    words = {w for part in alternation.split("|") for w in re.findall(r"[a-z]+", part)}
    return frozenset(words | {w + "s" for w in words})


_DOCUMENT_NOUNS = (
    r"data|poll|polls|survey|surveys|report|reports|study|studies|forecast|forecasts|model|models|projection|"
    r"projections|estimate|estimates|figures|outlook|analysis|statement|newspaper|paper|daily|agency|website|"
    r"magazine|broadcaster|outlet|index|tracker|research|review|assessment"
)
_COMMON = (
    rf"(?:(?:an?|the|one|two|three|some|several|many|most|other|two|senior|top)\s+)?(?:\w[\w.’'-]*\s+){{0,4}}?"
    rf"{_SOURCE_NOUNS}s?\b"
)
_SAID = rf"(?:{_VERBS})"
_ACCORDING_COMMON = re.compile(
    rf"\b[Aa]ccording\s+to\s+(?P<who>{_COMMON}|(?:(?:an?|the|its|their|one|some)\s+)?(?:[\w’'-]+\s+){{0,4}}?"
    rf"(?:{_DOCUMENT_NOUNS})\b(?:\s+{_CAP_RUN})?)"
)
# "... forecast from the Acme Institute", "... statement by Acme": the owner of a document named after it.
_DOCUMENT_OWNER = re.compile(
    rf"\s+(?:from|by|of)\s+(?:the\s+)?(?P<who>{_CAP_RUN}(?:\s+(?:for|of|on)\s+(?:the\s+)?{_CAP_RUN})?)"
)
# "according to newspaper La Gaceta": a name after a common noun that says what it is.
_ACCORDING_KIND_NAME = re.compile(
    rf"\b[Aa]ccording\s+to\s+(?:the\s+)?(?P<kind>(?:[a-z][\w-]*\s+){{1,3}}?)(?P<who>{_CAP_RUN})"
)
# "Robots could take most jobs, expert says" (a headline): the source after the clause.
_COMMON_SAYS_LAST = re.compile(
    rf",\s*(?P<who>(?:(?:an?|the|one|some|many|most|top|two|three|four|several)\s+)?(?:\w[\w.’'-]*\s+){{0,3}}?"
    rf"(?:{_SOURCE_NOUNS}|association|federation|union|group|firm)s?(?:\s+(?:familiar\s+with|close\s+to|briefed\s+on|"
    rf"involved\s+in|with\s+knowledge\s+of|knowledgeable\s+about)\s+[^,.;:“”\"]{{2,50}}?)?|"
    rf"those\s+(?:polled|surveyed|questioned|asked|interviewed))\s+"
    r"(?P<verb>say|says|said|warn|warns|warned|predict|predicts|predicted|believe|believes|believed|think|thinks|"
    r"added|adds|noted|estimated|expect|expects|expected|told(?:\s+(?:reporters|[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,2}))?)"
    r"(?:\s+[a-z]+ly)?(?:\s+(?:on|in)\s+\w+)?\s*[.!]?\s*$"
)
# "An expert said that ...", "Robotics expert says it is ...", "Finance minister sees ...": one source,
# not named, as the subject (a headline drops the article).
_ONE_COMMON = re.compile(
    rf"(?:^\s*(?!(?:The|This|That)\s)|\b(?:[Aa]n?|[Oo]ne)\s+)(?P<who>(?:[A-Z][\w-]*\s+)?(?:(?:[a-z][\w-]*|[A-Z][\w.-]*)\s+){{0,4}}?(?:{_ROLE_NOUNS}|source|insider|"
    rf"diplomat|observer|banker|trader))(?:,?\s+who\s+(?:asked|requested|spoke|declined|was\s+not|is\s+not)\s+"
    rf"[^,.;:“”\"]{{1,60}}?,?)?\s+(?:(?:has|have|had)\s+)?(?:[a-z]+ly\s+)?(?P<verb>{_VERBS})\b"
)
# "A non-OPEC delegate added that ...": one source not named, whatever its noun, before a verb that only a
# speaker has (not a participle such as "expected", which "a cut expected in June" would be).
_ONE_ANY_VERB_WORDS = (
    "said|says|added|adds|told|tells|warned|warns|noted|notes|explained|argued|argues|believes|thinks|predicts|"
    "expects|stressed|insisted|insists|cautioned|conceded|acknowledged|reckons|wrote|writes"
)
_ONE_ANY = re.compile(
    r"(?:^\s*|(?<=[\s,;:—–(]))(?P<who>(?:[Aa]n?|[Aa]nother|[Oo]ne)\s+(?:[\w’'-]+\s+){0,4}?[a-z][\w-]*[a-z])\s+"
    rf"(?:(?:has|have|had|also)\s+)?(?:[a-z]+ly\s+)?(?P<verb>{_ONE_ANY_VERB_WORDS})\b"
)
_OPENING_ACCORDING = re.compile(r"\s*According\s+to\s+[^,.;:“”\"]{2,80},\s+")
_ONE_ANY_VERBS = frozenset(_ONE_ANY_VERB_WORDS.split("|"))
_ONE_ANY_ARTICLES = wordset("a an another one")
# "Acme's managing director said": a role of a named organisation.
_OWNED_ROLE = re.compile(
    rf"(?P<who>{_CAP_RUN}[’']s\s+(?:[a-z-]+\s+){{0,3}}(?:{_ROLE_NOUNS}|{_GROUP_NOUNS}|{_ORG_NOUNS}))\b{_FILLER}(?P<verb>{_VERBS})\b"
)
# "Bookmakers have the incumbents as odds-on", "Acme Bets now has a recount at odds of 1/8", "the
# economists put the chance at 35%": a subject that states a probability with a verb that does not say.
_ODDS_WORDS = wordset("odds favourite favourites favorite favorites chance chances probability likelihood")
_FRACTION = re.compile(r"\d/\d")
_ODDS_SUBJECT = re.compile(
    rf"(?:^|[,;:—–]\s*|\b(?:[Cc]hain|[Ff]irm|[Bb]ookmaker|[Bb]ookie)\s+)(?P<who>{_NAMES}|(?:(?:[Ss]ome|[Mm]ost|[Mm]any|[Tt]he)\s+)?"
    rf"(?:[a-zA-Z-]+\s+)?(?i:{_GROUP_NOUNS}))(?:\s*,[^,.;:“”\"]{{1,80}},)?\s+(?:(?:now|also|still|currently|already)\s+)?"
    rf"(?P<verb>(?:(?:were|are|is)\s+)?(?:{_ODDS_VERBS}|pegged|pegs|pegging))\b"
)
# A fractional price and the bookmakers it is quoted at, after it or opening the sentence.
_BOOKMAKERS = rf"{_CAP_RUN}(?:\s*,\s*{_CAP_RUN})*(?:\s*,?\s+and\s+{_CAP_RUN})?"
_ODDS_AT = re.compile(rf"\b\d+/\d+\b[^.;:/]{{0,40}}?\bat\s+(?P<who>{_BOOKMAKERS})")
_AT_ODDS = re.compile(rf"\s*At\s+(?P<who>{_BOOKMAKERS}),\s+[^.;]{{0,80}}?\b\d+/\d+\b")
# A chance the subject holds: "has 86% chance of", "have an almost nine in ten chance of", "has a good chance to".
_HOLDS_CHANCE = re.compile(
    r"\s+(?:an?\s+|the\s+)?(?:(?!at\b|on\b)[\w.%-]+\s+){0,5}?(?:chance|chances|odds|probability|likelihood)\s+(?:of|to)\b"
)
# "The new forecast predicts ...": a report named before speaks for its source.
_DOCUMENT_SUBJECT = re.compile(
    rf"^\s*(?:(?:But|And|However|Still|Now),?\s+)?(?P<who>(?:(?:[Tt]he|[Tt]his|[Ii]ts|[Tt]heir|[Aa]n?)\s+(?:[\w-]+\s+){{0,2}}?)?"
    rf"(?i:{_DOCUMENT_NOUNS}))(?:\s+(?:published|released|conducted|compiled|commissioned|carried\s+out)\s+by\s+"
    rf"[^,.;:“”\"]{{2,40}}?)?\s+(?:also\s+|now\s+)?(?P<verb>{_VERBS}|shows|show|showed|finds|found|sees|"
    r"indicate|indicates|indicated)\b"
)
_DIGIT = re.compile(r"\d")
_DOCUMENT_WORDS = _word_forms(_DOCUMENT_NOUNS)
_FIRST_WORD = re.compile(r"\s*([A-Za-z]+)")
_GROUP_WORDS = _word_forms(f"{_GROUP_NOUNS}|{_ORG_NOUNS}")
_SOURCE_WORDS = _word_forms(
    f"{_GROUP_NOUNS}|{_ROLE_NOUNS}|{_ORG_NOUNS}|source|person|people|aide|insider|diplomat|observer|banker|trader"
)
_PLURAL = re.compile(rf"(?i:\b(?:{_GROUP_NOUNS})$)")
_UNNAMED = " (one source not named)"
# ", they reckon ...": a group named before, mid-sentence.
# "..., when they indicated", "but they've said": after a clause break or a conjunction, the perfect too.
_THEY_INSIDE = re.compile(
    rf"(?:[,;:—–]\s*|\b(?:when|as|after|because|while|and|but|since|though|although|where)\s+)they(?:[’']ve|\s+have|"
    rf"\s+had)?\s+(?:[a-z]+ly\s+)?(?P<verb>{_VERBS})\b"
)
# A plural source noun phrase ("U.S. Federal Reserve officials") that "they" later in its sentence refers to.
_PLURAL_SOURCE = re.compile(rf"(?P<who>(?:[A-Z][\w.’'-]*\s+){{0,4}}(?:[a-z-]+\s+)?(?:{_GROUP_NOUNS}))\b")


def _plural_before(sentence: str, end: int) -> Speaker | None:
    """The last plural source named in ``sentence`` before ``end`` ("Fed officials rekindled worries when they
    indicated ...": the officials), or None: "they" refers to it before any group named in earlier sentences."""
    found = None
    for m in _PLURAL_SOURCE.finditer(sentence, 0, end):
        found = m
    if found is None:
        return None
    who = " ".join(found.group("who").split())
    return Speaker(who, None, 0.6, f"'{who} ... they', in the sentence", "group")


# "U.S. senators said", "Senators and aides said", "The senior officials accompanying Roe said": a plural
# common noun as the subject, with a short modifier after it (see _human_plural for which nouns).
_PLURAL_SUBJECT = re.compile(
    rf"(?:^\s*(?:(?:But|And|However|Still|Yet),?\s+)?|[,;:—–]\s+(?:(?:but|and|while|whereas|as)\s+)?|\b(?:but|and|while|whereas|as)\s+)(?P<who>(?:(?i:the|some|many|most|several|two|three|"
    rf"four|five|other|all|both|a\s+majority\s+of|the\s+majority\s+of|most\s+of)\s+)?(?:\w[\w.’'-]*\s+){{0,3}}?"
    rf"(?P<head>(?i:[a-z]{{3,}}s))(?:\s+(?:and|or)\s+[a-z]{{3,}}s)?)(?:\s+(?:[a-z]+ing|polled|surveyed|questioned|"
    rf"interviewed|cited|quoted|asked|in|of|from|at|with|for|across)(?:\s+by)?\s+[^,.;:“”\"]{{1,40}}?|\s*,\s+(?:including|"
    rf"among\s+them|such\s+as|led\s+by)\s[^,.;:“”\"]{{1,80}},)?\s+(?:(?:have|has|had|also|now|still|all|"
    rf"both|generally|largely|widely|are|were)\s+)*(?P<verb>{_VERBS})\b"
)
_HUMAN_PLURAL = re.compile(r"(?i:(?:er|or|ist|ian|ant|ent|ee|ive|ide|at|ial|ic)s)$")
# "those polled said", "The majority of those polled expect".
_THOSE = re.compile(
    rf"(?P<who>(?:(?i:the\s+)?(?i:majority|most|many|half)\s+of\s+)?(?i:those)\s+(?:polled|surveyed|questioned|"
    rf"asked|interviewed))\s+(?:also\s+)?(?P<verb>{_VERBS})\b"
)
_SUBORDINATE = re.compile(r"\b(?:[Ww]hile|[Aa]lthough|[Tt]hough|[Ww]hereas|[Uu]nlike|[Ee]ven\s+as)\s+$")
_OPENS_SUBORDINATE = re.compile(
    r"\s*(?:But\s+|And\s+)?(?i:though|although|while|whereas|if|as|even\s+though|despite)\s"
)
_SUBORDINATE_OPENING = re.compile(r"(?:While|Although|Though|Whereas|Unlike)\s")
_ROLE_ONLY = re.compile(rf"(?:{_ROLE_NOUNS})")
_ROLE_WORD = re.compile(rf"\b(?:{_ROLE_NOUNS})\b")
_ACCORDING_ANY = re.compile(r"\b[Aa]ccording\s+to\b")
_AFFILIATED = re.compile(rf"(?P<who>{_NAMES})\s+(?:of|at|from|with)\s+(?:the\s+)?$")
_OF_BEFORE = re.compile(r"\b(?:of|for|on)\s+(?:the\s+)?$")
_INSTITUTION_BEFORE = re.compile(
    rf"(?P<org>(?:[A-Z][\w’'.&-]*\s+){{1,4}}?(?:{'|'.join(sorted(_ORG_TAILS | {'Ministry', 'Bank', 'Office'}))})\s+"
    rf"(?:for|of|on)\s+(?:the\s+)?(?:(?:[A-Z][\w’'.&-]*|of|for|and|the)\s+){{0,5}}?)$"
)
_OF_INSTITUTION = re.compile(rf"\b(?:{'|'.join(sorted(_ORG_TAILS))})\s+(?:for|of|on)\s+$")
_IN_VIEW = re.compile(
    rf"\b[Ii]n\s+(?P<who>{_CAP_RUN})[’']s\s+(?:[a-z]+\s+)?(?P<view>view|opinion|estimation|judgment|judgement|"
    rf"assessment|analysis|words|reckoning)\b"
)
_HIS_VIEW = re.compile(
    r"\b(?:[Aa]ccording\s+to\s+(?P<who>him|her|them)\b|[Ii]n\s+(?P<whose>his|her|their)\s+(?:own\s+)?"
    r"(?:view|opinion|estimation|judgment|judgement|assessment|words|reckoning)\b)"
)
_HIS_WORDS = wordset("him her them his their")
_GROUP_HEAD = r"(?:(?:most|many|some|the)\s+)?(?:[\w.-]+\s+){0,2}?[a-z]+s"
_AGENT_VIEW = re.compile(
    rf"\b(?:is|are|was|were|be|been)\s+(?:\w+ly\s+)?(?:expected|forecast|predicted|projected|seen|tipped)\s+by\s+"
    rf"(?P<who>{_GROUP_HEAD})\s+(?:to|as)\b"
)
_VIEW_OF = re.compile(rf"\bin\s+the\s+(?:view|opinion|estimation|judgment|judgement)\s+of\s+(?P<who>{_GROUP_HEAD})\b")
_CONSENSUS = re.compile(
    r"\bconsensus\s+(?:among|of)\s+(?P<who>(?:[\w.-]+\s+){0,2}?[a-z]+s)\s+(?:is|was)\b|"
    r"(?P<who2>\b[A-Za-z]+s)[’']\s+consensus\s+(?:is|was)\b"
)
_AGENT_WORDS = wordset("expected forecast predicted projected seen tipped")
_VIEW_OF_WORDS = wordset("view opinion estimation judgment judgement")
_VIEW_WORDS = wordset("view opinion estimation judgment judgement assessment analysis words reckoning")
_SURNAME_ALONE = re.compile(r"[A-Z][a-z’'-]+[a-rt-z]")
_DOCUMENT_VERBS = (
    r"showed|shows|show|found|finds|suggested|suggests|indicated|indicates|said|says|predicted|predicts|estimated|"
    r"estimates|projected|projects|forecast|forecasts"
)
_DOCUMENT_LAST = re.compile(
    rf",\s*(?P<who>(?:an?|the|its|their)\s+(?:\w[\w.’'-]*\s+){{0,3}}?(?:{_DOCUMENT_NOUNS})(?:\s+(?:of|by|from|for)\s+"
    rf"[^,.;:“”\"]{{2,50}}?)?)\s+(?P<verb>{_DOCUMENT_VERBS})\s*[.!]?\s*$"
)
_OWNED_DOCUMENT = re.compile(
    rf"\s*(?P<owner>{_CAP_RUN})[’']s\s+(?:[\w-]+\s+){{0,2}}?(?:{_DOCUMENT_NOUNS}|view|opinion|assessment|prediction|"
    rf"expectation)\s+(?:also\s+|now\s+)?(?:(?P<verb>{_DOCUMENT_VERBS})|is\s+that)\b"
)
_SAID_BEFORE = re.compile(r"\b(?:said|says|told\s+\w+)\s*,\s*$")
_SUBJECT_THEN_SAYING = re.compile(
    rf"\s*(?:(?:At|In|On|After|Before|During|Following|Since|Earlier|Later|Speaking|Like|Unlike)\s[^,.;:“”\"]{{0,60}},\s+)?"
    rf"(?:(?:However|But|And|Meanwhile|Still),?\s+)?(?:[A-Z][\w.-]*\s+)?(?:[a-z]+\s+){{0,2}}?"
    rf"(?P<who>{_CAP_RUN})(?:\s*,[^,.;:“”\"]{{1,80}},)?\s+(?:[a-z]+ly\s+)?[a-z]{{3,}}\b[^.;:“”\"]{{0,120}}?(?:,\s+(?P<verb>saying|"
    rf"stating|adding|noting|warning|arguing|insisting|signall?ing)|\s+(?:and|but)\s+(?:also\s+)?(?:[a-z]+ly\s+)?(?P<verb2>said|"
    rf"says|warned|warns|added|adds|predicted|predicts|argued|argues|noted|notes|stressed|insisted|told|tells|forecast|"
    rf"forecasts|expects|expected|concludes|concluded|believes|believed|thinks|estimates|estimated|calculates|"
    rf"calculated|reckons|reckoned))\b"
)
_STRAY_COMMA = re.compile(r"\s*,\s*")
# "He declined to comment, adding that ...", "She did not answer, while noting that ...": a pronoun opening the
# sentence, then a participle of saying after a comma.
_PRONOUN_THEN_SAYING = re.compile(
    r"\s*(?:(?:But|And|However|Still|Yet),?\s+)?(?P<who>He|She)\s+[^.;:“”\"]{0,160}?,\s+(?:while\s+|and\s+)?"
    r"(?P<verb>saying|stating|adding|noting|warning|arguing|insisting)\b"
)
# "More talks are expected, the party's number two, Jane Roe, said."
_ROLE_NAME_SAID = re.compile(
    rf",\s*(?P<role>(?:the|an?)\s+[^,.;:“”\"]{{3,80}}?),\s+(?P<who>{_CAP_RUN})\s*,\s*(?P<verb>said|says|told|added)\b"
)
_ASIDE_NAME = re.compile(rf"\s*,\s*(?P<who>{_CAP_RUN})\s*,(?:(?P<role>[^,.;:“”\"]{{3,170}}),)?\s*")
_PARENTHESES = re.compile(r"\([^()]{0,60}\)")
_APPOSITIVE_OPENS = re.compile(r"\s*,\s*(?:who|an?|the)\s")
_ENDS = re.compile(r"[\s.,!?;:]*")
_SAY_COMMON = re.compile(rf",\s*(?:say|says|said)\s+(?P<who>{_COMMON})\s*(?:[.,;]|$)")
# Right after a quotation's closing mark.
_AFTER_ROLE_NAME = re.compile(
    rf"^\s*,?\s*(?P<verb>{_SAID})\s+(?P<role>(?:the|an?)\s+[^“”\".;]{{3,200}}?),\s+(?P<who>{_CAP_RUN})\s*(?=[,.;]|$)"
)
# `"..." — Jane Roe, chief economist at Acme`: a dash and the name, no verb.
_AFTER_DASH_NAME = re.compile(rf"^\s*(?:[—–]|-{{1,2}})\s*(?P<who>{_CAP_RUN})\s*(?=[,.;]|$)")
# `"...," the bank's governor, Jane Roe, said`.
_AFTER_ROLE_NAME_VERB = re.compile(
    rf"^\s*,?\s*(?P<role>(?:the|an?)\s+[^“”\".;,]{{3,80}}?),\s+(?P<who>{_CAP_RUN})\s*,\s*(?:[a-z]+ly\s+)?(?P<verb>{_SAID})\b"
)
_AFTER_VERB_NAME = re.compile(rf"^\s*,?\s*(?P<verb>{_SAID})\s+(?P<who>{_NAMES})")
# `"...," said Acme analyst Jane Roe`: an employer, a role noun, then the name (not the employer).
_AFTER_VERB_EMPLOYER_NAME = re.compile(
    rf"^\s*,?\s*(?P<verb>{_SAID})\s+(?P<role>{_CAP_RUN}(?:[’']s)?\s+(?:[a-z-]+\s+){{0,2}}?(?:{_ROLE_NOUNS}))\s+(?P<who>{_CAP_RUN})"
)
# `"...," said Acme research manager Jane Roe.`: an employer, lower-case words, then a person's full name that ends
# the attribution: the words between are a role whatever they are (the position says so; _ROLE_NOUNS need not list
# them). Not a preposition, an article or a conjunction among them ("said Acme on Tuesday Jane Roe" is no role).
_AFTER_VERB_EMPLOYER_ANY_ROLE_NAME = re.compile(
    rf"^\s*,?\s*(?P<verb>{_SAID})\s+(?P<role>{_CAP_RUN}(?:[’']s)?\s+"
    r"(?:(?!(?:and|or|of|to|in|at|for|on|with|by|the|an?|that|as|from|who|which)\b)[a-z-]+\s+){1,3})"
    rf"(?P<who>{_CAP}\s+{_CAP}(?:\s+{_CAP})?)(?=\s*(?:[,.;]|$))"
)
_AFTER_NAME_VERB = re.compile(rf"^\s*,?\s*(?P<who>{_NAMES})\s+(?:(?:was|is)\s+)?(?:[a-z]+ly\s+)?(?P<verb>{_SAID})\b")
# `"...," Jane Roe, the bank's chief economist, said`: the role set off in commas between name and verb.
_AFTER_NAME_ROLE_VERB = re.compile(
    rf"^\s*,?\s*(?P<who>{_NAMES})\s*,\s*(?P<role>[^“”\".;,]{{3,160}}?)\s*,\s*(?:[a-z]+ly\s+)?(?P<verb>{_SAID})\b"
)
# `"...," Jane Roe assured.`: right after a quotation closed by its punctuation, a name and a verb in the past that
# closes the sentence name the source whatever the verb (the position says it is one; _SAID need not list it).
_COMMA = re.compile(r"\s*,")
_AFTER_NAME_ANY_VERB = re.compile(rf"^\s*,?\s*(?P<who>{_NAMES})\s+(?P<verb>[a-z]{{2,}}ed)\s*(?=[.;]|$)")
_AFTER_PRONOUN = re.compile(rf"^\s*,?\s*(?P<who>he|she)\s+(?:(?:was|is)\s+)?(?:[a-z]+ly\s+)?(?P<verb>{_SAID})\b")
_AFTER_COMMON = re.compile(
    rf"^\s*,?\s*(?:(?P<verb>{_SAID})\s+(?P<who>{_COMMON})|(?P<who2>{_COMMON})\s+(?P<verb2>{_SAID})\b)"
)
# `"...," said an OPEC delegate`: right after a quotation, a verb of saying and a noun phrase with an article
# name the source whatever the noun (the position says it is one; the nouns of _COMMON need not list it).
_AFTER_ANY_SOURCE = re.compile(
    rf"^\s*,?\s*(?P<verb>{_SAID})\s+(?P<who>(?:an?|the|one|another)\s+(?:\w[\w.’'-]*\s+){{0,4}}?[\w’'-]*[a-z])"
    r"(?=\s*(?:[,.;]|$)|\s+(?:who|adding|saying|noting|in|at|on|during|after|before|to|from)\b)"
)
_AFTER_ACCORDING = re.compile(rf"^\s*,?\s*according\s+to\s+(?:(?P<who>{_NAMES})|(?P<common>{_COMMON}))")
# Just before a quotation's opening mark: "Zandi responded, “...", "the minister told reporters: “..."
_INTRODUCES = re.compile(r"[,:]\s*$")
_BEFORE_TAIL = r"\b[^“”\".!?;]{0,60}?[,:]\s*$"
_BEFORE_NAME = re.compile(rf"(?P<who>{_NAMES}){_FILLER}(?P<verb>{_SAID}){_BEFORE_TAIL}")
_BEFORE_PRONOUN = re.compile(rf"\b(?P<who>[Hh]e|[Ss]he)\s+(?:[a-z]+ly\s+)?(?P<verb>{_SAID}){_BEFORE_TAIL}")
_BEFORE_COMMON = re.compile(rf"\b(?P<who>{_COMMON})\s+(?P<verb>{_SAID}){_BEFORE_TAIL}")
_CAP_RUN_RX = re.compile(_CAP_RUN)
_OPENS_QUOTATION = re.compile(r"\s*[“\"‘']")
_ONE_SOURCE = re.compile(r"(?i:an?|another|one)\s")
_PARTICLES = wordset("de van von der al bin la le du da dos di")


def _people_named(run: str) -> str | None:
    """ "Jane Roe" or "Jane Roe and John Doe": the full names, when each reads as a person's."""
    parts = [_person_name(part) for part in re.split(r"\s*,?\s+(?:and|&)\s+", run.strip())]
    return " and ".join(p for p in parts if p) if parts and all(parts) else None


def _person_name(run: str) -> str | None:
    """A run of capitalised words that reads as a person's full name (two or three words, no title, no
    organisation's last word), or None."""
    if "’s" in run or "'s" in run:
        return None
    name, _ = _clean_name(run)
    words = name.split()
    if not 2 <= len(words) <= 3 or " and " in name or words[-1] in _ORG_TAILS:
        return None
    if any(
        w in _NOT_NAMES or w in _TITLE_WORDS or (not w[:1].isupper() and w not in _PARTICLES) or w.isupper()
        for w in words
    ):
        return None
    return name


_COLON_TAIL = r"\s+(?:[a-z]+ly\s+)?(?P<verb>[a-z]{3,}(?:ed|s))\b(?:\s+up)?[^“”\".!?;]{0,60}?:\s*$"
_BEFORE_COLON_COMMON = re.compile(rf"\b(?P<who>{_COMMON}){_COLON_TAIL}")
_BEFORE_COLON_NAME = re.compile(rf"(?P<who>{_NAMES}){_COLON_TAIL}")
_QUOTATION = re.compile(r"[“\"](?P<inner>[^“”\"]*)(?P<close>[”\"]|$)")


_NEWSPAPER_NOUNS = "newspaper|daily|weekly|tabloid"
_NEWSPAPER = re.compile(
    rf"(?P<who>{_CAP_RUN})\s+(?:{_NEWSPAPER_NOUNS})\b|\b(?:{_NEWSPAPER_NOUNS})\s+(?P<who2>{_CAP_RUN})|"
    r"\b(?:an?|research|white|working|discussion|academic|scientific|new)\s+paper\b"
)
_PAPER_WORDS = wordset("paper newspaper daily weekly tabloid")


class _People:
    """The people named so far: a surname alone ("Duy") is read as the full name given before ("Tim Duy"),
    with its role; a pronoun as the last one named."""

    def __init__(self, last: Speaker | None, text: str = "") -> None:
        self.last = last
        self.by_surname: dict[str, Speaker] = {}
        self.last_group: Speaker | None = None
        # Every full name the text mentions, speaker or not ("Jane Roe of the Acme Party"), by position:
        # a later "Roe said" is that person. Read up to the paragraph being attributed (``upto``).
        self._mentions = [(m.start(), full) for m in _CAP_RUN_RX.finditer(text) if (full := _person_name(m.group(0)))]
        self._next = 0
        # Newspapers named ("Acme newspaper", "the daily Acme Post") and documents called a paper ("a research
        # paper"), by position: "the paper" later is the newspaper named last, unless a document was called a paper.
        self._papers = [
            (m.start(), " ".join((m.group("who") or m.group("who2") or "").split())) for m in _NEWSPAPER.finditer(text)
        ]
        self._next_paper = 0
        self.last_newspaper: str | None = None
        self.mentioned: dict[str, str] = {}
        self.last_mention: str | None = None
        self.history: list[Speaker] = []

    def upto(self, end: int) -> None:
        while self._next_paper < len(self._papers) and self._papers[self._next_paper][0] < end:
            name = self._papers[self._next_paper][1]
            # A document called a paper anywhere before makes "the paper" ambiguous: read back to no newspaper.
            self.last_newspaper = name if name and self.last_newspaper != "" else ""
            self._next_paper += 1
        while self._next < len(self._mentions) and self._mentions[self._next][0] < end:
            full = self._mentions[self._next][1]
            self.mentioned[full.split()[-1]] = full
            self.last_mention = full
            self._next += 1

    def surname(self, name: str) -> Speaker | None:
        """The person a one-word name stands for, when the text named them in full before."""
        known = self.by_surname.get(name)
        if known is not None:
            return known
        full = self.mentioned.get(name)
        return Speaker(full, None, 0.8, "", "person") if full else None

    def refer(self, noun: str) -> Speaker | None:
        """ "the economist", "the Health Secretary", "the association": the speaker named last whose name or
        role has that noun (the way a report refers back to a source it has introduced)."""
        word = re.compile(rf"\b{re.escape(noun)}\b", re.I)
        for sp in reversed(self.history[-40:]):
            named = word.search(sp.name) or (sp.role and word.search(sp.role))
            if sp.kind != "author" and named and sp.name.lower().strip() != f"the {noun}".lower():
                return sp
        return None

    def named(self, raw: str, role: str | None, basis: str, confidence: float) -> Speaker | None:
        name, title = _clean_name(raw)
        if not name or name in _NOT_NAMES or _possessive(raw) or name.lower() in ("he", "she"):
            return None
        known = self.surname(name) if len(name.split()) == 1 else None
        if known is not None:
            speaker = Speaker(
                known.name, role or known.role, confidence, f"{basis}, named before as {known.name}", "person"
            )
        else:
            kind: Kind = "person" if len(name.split()) >= 2 else "group"
            speaker = Speaker(name, role or title, confidence, basis, kind)
        self.seen(speaker)
        return speaker

    def seen(self, speaker: Speaker) -> None:
        self.history.append(speaker)
        if speaker.kind == "role" and _ONE_SOURCE.match(speaker.name):
            # "A non-OPEC delegate added ... He summed up": one source not named is who "he" is next.
            self.last = speaker
        if speaker.kind == "group":
            self.last_group = speaker
        if speaker.kind == "person":
            self.last = speaker
            if " and " not in speaker.name:
                self.by_surname[speaker.name.split()[-1]] = speaker

    def nearest(self) -> Speaker | None:
        """The person who spoke last, else (no one has yet) the person the text named last."""
        if self.last is None and self.last_mention is not None:
            return Speaker(self.last_mention, None, 0.6, f"{self.last_mention}, the person named before", "person")
        group = self.last_group
        if self.last is None and group is not None and _SURNAME_ALONE.fullmatch(group.name):
            # "Azmi said ... He added": a one-word name that spoke is a person's, when no one else has.
            return Speaker(group.name, group.role, 0.6, f"{group.name}, named before", "person")
        return self.last

    def pronoun(self, word: str, verb: str) -> Speaker | None:
        if self.last is None:
            return None
        last = self.last
        return Speaker(last.name, last.role, 0.7, f"'{word} {verb}', read as {last.name}, named before", "person")


def _common(who: str, verb: str, people: _People) -> Speaker:
    """A source not named: "analysts", "a senior official"; "the AI expert" (one, definite) is the last person
    named, the way reporters refer back to someone."""
    who = " ".join(who.split())
    # "the Acme Daily" is a name of its own, not someone named before.
    one_role = who.lower().startswith("the ") and who.split()[-1][:1].islower() and not who.endswith("s")
    # "one official stated ... the official added": the source named last with that noun, before the last person.
    earlier = people.refer(who.split()[-1]) if one_role else None
    if earlier is not None and earlier.kind != "role":  # a headline's "AI expert says" is read later (_lead_source)
        said = f"'{verb} {who}', read as {earlier.name}, named before"
        return Speaker(earlier.name, earlier.role, 0.7, said, earlier.kind)
    if one_role and people.last is not None:
        last = people.last
        return Speaker(last.name, last.role, 0.7, f"'{verb} {who}', read as {last.name}, named before", "person")
    unnamed = Speaker(who, None, 0.7, f"'{verb} {who}' (not named)", "group")
    # Known to refer() at once ("the official" in the paragraph's next quotation), not yet the group "they" is.
    people.history.append(unnamed)
    return unnamed


def _named(text: str, people: _People, tries: tuple[tuple[re.Pattern[str], float], ...], where: str) -> Speaker | None:
    """The first of ``tries`` (a pattern with a ``who`` group, and a confidence) that names someone; the role
    is the pattern's ``role`` group ("said the bank's president, NAME") or the appositive after the name."""
    for rx, confidence in tries:
        m = rx.search(text)
        if m is None:
            continue
        if "role" in rx.groupindex:
            role: str | None = " ".join(m.group("role").split())
        else:
            role = _appositive(text, m.end("who"))
        said = " ".join(m.group(0).split()).strip(" ,:")
        found = people.named(m.group("who"), role, f"'{said[:80]}' {where}", confidence)
        if found is not None:
            return found
    return None


_AFTER_NAMED = (
    (_AFTER_DASH_NAME, 0.85),
    (_AFTER_ROLE_NAME_VERB, 0.85),
    (_AFTER_ROLE_NAME, 0.9),
    (_AFTER_VERB_EMPLOYER_NAME, 0.9),
    (_AFTER_VERB_EMPLOYER_ANY_ROLE_NAME, 0.85),
    (_AFTER_VERB_NAME, 0.9),
    (_AFTER_NAME_VERB, 0.9),
    (_AFTER_NAME_ROLE_VERB, 0.85),
)
_BEFORE_NAMED = ((_BEFORE_NAME, 0.85),)


def _after(text: str, people: _People) -> Speaker | None:
    """The attribution right after a quotation: `"...," said John Smith, an economist`, `"...," Duy wrote`,
    `"...," he said`, `"...," say analysts`, `"...," according to diplomatic sources`."""
    found = _named(text, people, _AFTER_NAMED, "after the quotation")
    if found is not None:
        return found
    m = _AFTER_PRONOUN.match(text)
    if m:
        return people.pronoun(m.group("who"), m.group("verb"))
    m = _AFTER_ACCORDING.match(text)
    if m:
        if m.group("who"):
            return _named(text, people, ((_AFTER_ACCORDING, 0.85),), "after the quotation")
        return _common(m.group("common"), "according to", people)
    m = _AFTER_COMMON.match(text)
    if m:
        return _common(m.group("who") or m.group("who2"), m.group("verb") or m.group("verb2"), people)
    m = _AFTER_ANY_SOURCE.match(text)
    if m:
        return _common(m.group("who"), m.group("verb"), people)
    m = _AFTER_DEFINITE.match(text)
    return _definite(m.group("noun"), m.group("verb"), people) if m else None


# `"...," the note added`, `"...," the man declared`: a definite noun that is no source noun, after a quotation.
_AFTER_DEFINITE = re.compile(rf"^\s*,?\s*the\s+(?P<noun>[a-z]+)\s+(?:[a-z]+ly\s+)?(?P<verb>{_SAID})\b")
_WRITTEN_WORDS = _DOCUMENT_WORDS | wordset("note notes publication memo letter release bulletin blog")
_PERSON_WORDS = wordset("man woman person")


def _definite(noun: str, verb: str, people: _People) -> Speaker | None:
    """What "the note" or "the man" that said a quotation refers back to: the source named before with that noun;
    else for a document, the organisation named last (whose note it is); for a man or woman, the person the text
    named last, speaker or not."""
    said = f"'the {noun} {verb}'"
    earlier = people.refer(noun)
    if earlier is None and noun in _WRITTEN_WORDS:
        earlier = _organisation(people.last_group)
    if earlier is None and noun in _PERSON_WORDS and people.last_mention is not None:
        earlier = Speaker(people.last_mention, None, 0.6, "", "person")
    if earlier is None or earlier.kind == "role":
        return None
    return Speaker(earlier.name, earlier.role, 0.65, f"{said}, read as {earlier.name}, named before", earlier.kind)


def _before(text: str, people: _People) -> Speaker | None:
    """The attribution that introduces a quotation: `Zandi responded, "...`, `she told reporters: "...`."""
    if not _INTRODUCES.search(text):
        return None  # every pattern below ends in a comma or colon before the quotation
    m = _BEFORE_PRONOUN.search(text)
    if m:
        return people.pronoun(m.group("who"), m.group("verb"))
    found = _named(text, people, _BEFORE_NAMED, "before the quotation")
    if found is not None:
        return found
    source_word = not _SOURCE_WORDS.isdisjoint(_LOWER_WORD.findall(text.lower()))
    m = _BEFORE_COMMON.search(text) if source_word else None
    if m:
        return _common(m.group("who"), m.group("verb"), people)
    # `A senior diplomat summed up the outlook: "...`: before a colon, the subject of any verb is the speaker.
    m = _BEFORE_COLON_COMMON.search(text) if source_word and text.rstrip().endswith(":") else None
    if m:
        return _common(m.group("who"), m.group("verb"), people)
    if text.rstrip().endswith(":"):
        return _named(text, people, ((_BEFORE_COLON_NAME, 0.75),), "before the quotation")
    return None


_STOP_AFTER = re.compile(r"\s*[.!?]")
_GOES_ON = re.compile(r"[^.!?“”\"]*")


def _goes_on(inner: str, after: str) -> bool:
    """A quotation closed by its own stop (“... $60.”) and followed by a sentence that goes on ("Some analysts
    predict that ...") is not attributed by that sentence's subject: an attribution after a full stop is a
    short one that ends there ("“....” Roe said.")."""
    if _STOP_AFTER.match(after):
        return True  # “... this year”. The company said ...: the stop after the mark ends the sentence
    if inner.rstrip()[-1:] not in (".", "!", "?"):
        return False
    tail = _GOES_ON.match(after).group(0)  # type: ignore[union-attr]
    return len(tail.split()) > 12 or re.search(r"\bthat\b", tail) is not None


def _quotations(
    text: str, p: Paragraph, people: _People, carried: Speaker | None, introduced: Speaker | None = None
) -> tuple[list[tuple[int, int, Speaker]], Speaker | None]:
    """The quotations of a paragraph with their speakers, where the text gives one: after it, before it, or,
    for a quotation that opens the paragraph after one left open (the newspaper way of quoting over
    paragraphs), the speaker of that one; for a paragraph that is a quotation and nothing else, the speaker
    the paragraph before ends with (``introduced``); and the speaker of a quotation this paragraph leaves open."""
    out: list[tuple[int, int, Speaker]] = []
    prev_end = p.start
    for m in _QUOTATION.finditer(text, p.start, p.end):
        start, end = m.start(), m.end()
        if len(m.group("inner").split()) < 3:
            prev_end = end
            continue  # a scare quote or a title, not a quotation
        after = _without_credentials(text[end : min(p.end, end + 200)])
        before = _without_credentials(text[max(prev_end, start - 200) : start])
        closed = bool(m.group("close")) and not _goes_on(m.group("inner"), after)
        speaker = _after(after, people) if closed else None
        if (
            speaker is None
            and closed
            and (m.group("inner").rstrip()[-1:] in (",", ".", "!", "?") or _COMMA.match(after))
        ):
            # `"...," Jane Roe assured.`: a quotation closed by its own punctuation, then a name and any verb in the
            # past that ends the sentence (not a scare quote's `the "parade of the century" Acme organized`).
            speaker = _named(after, people, ((_AFTER_NAME_ANY_VERB, 0.75),), "after the quotation")
        speaker = speaker or _before(before, people)
        if speaker is None and out:
            last = out[-1][2]  # a second quotation of the paragraph: the speaker of the first
            speaker = Speaker(last.name, last.role, 0.7, f"the quotation before is {last.name}'s", last.kind)
        if speaker is None and carried is not None and start == p.start:
            speaker = Speaker(
                carried.name, carried.role, 0.6, f"a quotation continued from {carried.name}", carried.kind
            )
        if speaker is None and introduced is not None and start == p.start and not text[end : p.end].strip():
            said = f"a quotation after {introduced.name}'s paragraph"
            speaker = Speaker(introduced.name, introduced.role, 0.6, said, introduced.kind)
        if speaker is not None:
            out.append((start, end, speaker))
        prev_end = end
    # The next paragraph, when it opens with a quotation of its own, goes on with this one's last speaker.
    return out, (out[-1][2] if out else None)


def for_part(sentence: str, clause: tuple[int, int], speaker: Speaker) -> Speaker:
    """The speaker of one part of a sentence read in parts ("One reading per part"): the sentence's speaker,
    unless that source is named only in another part and this part opens with its own as the subject of a verb
    of saying or belief ("Many analysts expect X, although Jane Roe of Acme said Y": the first part is the
    analysts', the second Roe's). A part with no subject of its own ("Roe said X, and Y is likely"), one whose
    subject comes later ("X isn't 50-50 as Roe says") and a source named right before the part ("Jane Roe, Chief
    Economist at Acme is not expecting", "Poll: People expect") stay the sentence's speaker's."""
    if speaker.kind == "author" or not speaker.name:
        return speaker
    outside = _outside_quotes(sentence)
    part = outside[clause[0] : clause[1]]
    if part != sentence[clause[0] : clause[1]]:
        return speaker  # a quotation's part is its speaker's
    words = [w for w in speaker.name.split() if w[:1].isupper() and len(w) > 2] or speaker.name.split()
    if speaker.name not in outside or any(re.search(rf"\b{re.escape(w)}\b", part) for w in words):
        return speaker
    named = outside.rfind(speaker.name, 0, clause[0])
    if named >= 0 and len(_LOWER_WORD.findall(outside[named + len(speaker.name) : clause[0]])) < 4:
        return speaker  # the source's own aside or heading, cut from its verb
    sub = next(subjects_of_verbs(part), None)
    opening = _PART_OPENING.match(part)
    if sub is None or sub.share or opening is None or part.find(sub.phrase) != opening.end():
        return speaker
    kind: Kind = "person" if sub.kind == "person" else "group"
    return Speaker(sub.name, None, 0.6, f"{sub.basis}, the subject of its own part", kind)


# What may come before a part's own subject: a comma and a conjunction or a concession ("while", "although").
_PART_OPENING = re.compile(
    r"[\s,;:—–-]*(?:(?:and|but|while|whereas|although|though|yet|however|meanwhile)\b[\s,]*)?(?=\S)", re.I
)
