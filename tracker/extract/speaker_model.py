"""A learned choice of speaker (issue 22): for a candidate forecast, the rules' pick and the other sources its
context names (capitalised names, common nouns such as "analysts" or "a senior official", the author), each
described by cheap features of where it is and what is next to it, scored by a logistic regression whose weights
ship as ``speaker_weights.json`` (written by ``python -m tracker.extract.train_speakers``).

Scoring is pure Python: no scikit-learn at extract time. The rules stay selectable (``extract(rules_only=True)``).
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from tracker.errors import InvalidData

from .segment import Paragraph, Sentence, wordset
from .speakers import (
    _CAP_RUN_RX,
    _GROUP_NOUNS,
    _NOT_NAMES,
    _ORG_NOUNS,
    _ROLE_NOUNS,
    _VERB_SET,
    Kind,
    Speaker,
    _appositive,
    _clean_name,
    _outside_quotes,
    _person_name,
    attribute,
    byline,
)

__all__ = ["FEATURES", "Choice", "SpeakerChooser", "SpeakerWeightsError", "Weights", "load_weights"]

WEIGHTS_FILE = "speaker_weights.json"
# How far back the context reaches: the paragraph's earlier sentences and this many paragraphs before it (the
# blind set's misses named their source up to two paragraphs back), and the headline.
_PARAS_BACK = 3

_COMMON = re.compile(
    rf"\b(?:(?:[Ss]ome|[Mm]any|[Mm]ost|[Ss]everal|[Oo]ther|[Tt]he|[Aa]n?|[Oo]ne|[Tt]wo|[Tt]hree|[Ff]ew)\s+)?"
    rf"(?:[a-z][a-z-]+\s+)?(?:{_GROUP_NOUNS}|(?:{_ROLE_NOUNS})s?|{_ORG_NOUNS})\b"
)
_WORD = re.compile(r"[A-Za-z’']+")
_QUOTE_MARKS = '“”"‘’'
_PRONOUN_SAYS = re.compile(
    r"\b(?:[Hh]e|[Ss]he)\s+(?:\w+ly\s+)?(?:said|says|added|told|warned|noted|explained|argued|believes|thinks|expects)"
    r"\b|\b(?:said|says|added|wrote|warned)\s+(?:he|she)\b"
)
_NEXT_WORD = re.compile(r"(?:[’']s)?\s+(?:(?:has|have|had|also|\w+ly)\s+)?[a-z]")
_SAID_BEFORE = re.compile(
    r"(?:\b(?:said|says|told|added|according\s+to|wrote|warned)|[,”\"]\s*(?:said|says))\s+$", re.I
)
# The name is the subject of the hedge itself ("Republicans are expected to", "Roe will win"): what is forecast
# about, not who forecasts.
_HEDGE_SUBJECT = re.compile(r"(?:[’']s?)?\s+(?:\w+\s+){0,2}?$")
_HEADLINE_TAIL = re.compile(r"(?:\s[-–—]\s*|:\s*|\bsays?\s+|\bwarns?\s+)$")
_MONTHS = wordset(
    "January February March April May June July August September October November December Monday Tuesday "
    "Wednesday Thursday Friday Saturday Sunday"
)

# The features, in the order of the weights. Location features are true when any mention of the candidate is there.
FEATURES: tuple[str, ...] = (
    "rule",
    "rule_confidence",
    "rule_default_author",
    "rule_carried",
    "author",
    "author_rule_author",
    "author_quoted",
    "author_verb_outside",
    "author_named_in_sentence",
    "kind_person",
    "kind_name",
    "kind_single",
    "kind_common",
    "same_sentence",
    "same_outside_quotes",
    "same_inside_quotes",
    "before_hedge",
    "after_hedge",
    "after_quote_close",
    "sentence_start",
    "headline",
    "headline_tail",
    "back_1",
    "back_2",
    "back_3",
    "para_1",
    "para_2",
    "para_3",
    "verb_after",
    "verb_before",
    "according_to",
    "appositive",
    "log_mentions",
    "log_mentions_before",
    "pronoun_target",
    "nearest_named",
    "rule_author_same_sentence",
    "rule_author_verb",
    "rule_author_prior",
    "rule_person_other",
    "prev_speaker",
    "para_speaker",
    "same_verb",
    "after_says",
    "start_verb_outside",
    "subject_verb",
    "verb_next",
    "verb_prev",
    "rule_author_verb_next",
    "hedge_subject",
)


class SpeakerWeightsError(InvalidData):
    """The learned speaker choice's weights cannot be used (missing, malformed, for other features)."""


@dataclass(frozen=True)
class Weights:
    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # By name, for the sparse sum below: a candidate sets a handful of the features.
        object.__setattr__(self, "_by_name", dict(zip(self.features, self.coef, strict=True)))

    def score(self, x: dict[str, float]) -> float:
        by_name: dict[str, float] = self._by_name  # type: ignore[attr-defined]
        z = self.intercept + sum(by_name.get(f, 0.0) * v for f, v in x.items())
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def parse_weights(data: object, where: str) -> Weights:
    """Weights from their JSON form; anything else is a SpeakerWeightsError naming ``where``."""
    if not isinstance(data, dict):
        raise SpeakerWeightsError(f"speaker weights {where}: not a JSON object")
    features, coef, intercept = data.get("features"), data.get("coef"), data.get("intercept")
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise SpeakerWeightsError(f"speaker weights {where}: 'features' is not a list of names")
    if tuple(features) != FEATURES:
        raise SpeakerWeightsError(
            f"speaker weights {where}: trained for other features; run python -m tracker.extract.train_speakers"
        )
    if (
        not isinstance(coef, list)
        or len(coef) != len(features)
        or not all(isinstance(c, int | float) and math.isfinite(c) for c in coef)
    ):
        raise SpeakerWeightsError(f"speaker weights {where}: 'coef' is not one finite number per feature")
    if not isinstance(intercept, int | float) or not math.isfinite(intercept):
        raise SpeakerWeightsError(f"speaker weights {where}: 'intercept' is not a finite number")
    meta = data.get("meta")
    return Weights(
        tuple(features), tuple(float(c) for c in coef), float(intercept), meta if isinstance(meta, dict) else {}
    )


def load_weights(path: Path | None = None) -> Weights:
    """The shipped weights (or those at ``path``). A missing or corrupt file is a SpeakerWeightsError, one line
    naming the file: the learned choice never falls back silently (``rules_only=True`` reads without it)."""
    if path is None:
        return _shipped()
    return _read(path)


@lru_cache(maxsize=1)
def _shipped() -> Weights:
    return _read(Path(str(resources.files("tracker.extract").joinpath(WEIGHTS_FILE))))


def _read(path: Path) -> Weights:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as e:
        raise SpeakerWeightsError(f"speaker weights {path}: cannot be read ({e.strerror or e})") from None
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise SpeakerWeightsError(f"speaker weights {path}: not JSON ({e})") from None
    return parse_weights(data, str(path))


@dataclass
class Choice:
    """One candidate speaker with its features (``label`` filled by training)."""

    speaker: Speaker
    x: dict[str, float]


@dataclass
class _Mention:
    start: int
    end: int
    name: str
    kind: Kind
    role: str | None
    cues: tuple[str, ...] | None = None


@lru_cache(maxsize=4096)
def _words(name: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z]{3,}", name.lower()) if w not in ("the", "and"))


class SpeakerChooser:
    """The candidates and features of one text; ``choose`` picks each forecast's speaker."""

    def __init__(
        self,
        text: str,
        paras: Sequence[Paragraph],
        sents: Sequence[Sentence],
        authors: Sequence[str] = (),
        speakers: Sequence[Speaker] | None = None,
    ) -> None:
        self.text = text
        # The rules' speaker of every sentence: a source they found for the sentences before is a candidate's cue.
        self.speakers = speakers if speakers is not None else attribute(text, list(paras), list(sents), tuple(authors))
        self.paras = paras
        self.sents = sents
        found = byline(text, list(paras))
        name = " and ".join(authors) if authors else (found.name if found else "the author")
        self.author = Speaker(name, found.role if found else None, 0.5, "the author", "author")
        self.mentions = _mentions(text)
        self._starts = [m.start for m in self.mentions]
        self._quoted = _quoted_spans(text)
        self._sent_starts = [t.start for t in sents]
        self._by_sentence: dict[int, tuple[str, bool, bool]] = {}
        # The person mentioned last before each mention (by index into ``mentions``): the pronoun's referent.
        self._last_person: list[_Mention | None] = []
        last: _Mention | None = None
        for m in self.mentions:
            self._last_person.append(last)
            if m.kind == "person":
                last = m

    def candidates(self, i: int, hedge: tuple[int, int], rule: Speaker) -> list[Choice]:
        """The rules' pick first, the author, then each source named in the context of sentence ``i`` (``hedge``:
        the hedge's offsets in the sentence)."""
        s = self.sents[i]
        p = s.paragraph
        lo = self.paras[max(0, p - _PARAS_BACK)].start if self.paras else 0
        window = self.mentions[bisect.bisect_left(self._starts, lo) : bisect.bisect_left(self._starts, s.end)]
        if p > 0 and self.paras:
            head = self.paras[0]
            top = bisect.bisect_left(self._starts, min(lo, head.end))
            window = self.mentions[bisect.bisect_left(self._starts, head.start) : top] + window
        groups: list[tuple[Speaker, list[_Mention]]] = [(rule, []), (self.author, [])]
        for m in window:
            words = _words(m.name)
            if not words:
                continue
            for sp, ms in groups:
                other = _words(sp.name)
                if other and (words <= other or other <= words):
                    ms.append(m)
                    break
            else:
                groups.append((Speaker(m.name, m.role, 0.5, "", m.kind), [m]))
        if rule.kind == "author" or rule.name == self.author.name:
            groups[1][1].extend(groups[0][1])
            groups = groups[1:]
            groups[0] = (rule, groups[0][1])
        return [self._features(s, hedge, rule, sp, ms) for sp, ms in groups]

    def _features(self, s: Sentence, hedge: tuple[int, int], rule: Speaker, sp: Speaker, ms: list[_Mention]) -> Choice:
        text = self.text
        x: dict[str, float] = {}
        is_rule = sp is rule
        rule_author = rule.kind == "author"
        outside, verb_outside, named_here = self._sentence(s)
        if is_rule:
            x["rule"] = 1.0
            x["rule_confidence"] = rule.confidence
            x["rule_default_author"] = float(rule.basis.startswith("no attribution"))
            x["rule_carried"] = float(any(k in rule.basis for k in ("reported", "goes on", "turn", "passage", "scope")))
        if sp.kind == "author":
            x["author"] = 1.0
            x["author_rule_author"] = float(rule_author)
            x["author_quoted"] = float(any(c in s.text for c in _QUOTE_MARKS[:3]))
            x["author_verb_outside"] = float(verb_outside)
            x["author_named_in_sentence"] = float(named_here)
            return Choice(sp, x)
        x["kind_person"] = float(sp.kind == "person")
        x["kind_name"] = float(sp.kind == "group" and sp.name[:1].isupper() and " " in sp.name)
        x["kind_single"] = float(sp.kind == "group" and sp.name[:1].isupper() and " " not in sp.name)
        x["kind_common"] = float(sp.kind == "role" or not sp.name[:1].isupper())
        at_hedge = s.start + hedge[0]
        head_end = self.paras[0].end if self.paras else 0
        for m in ms:
            if s.start <= m.start < s.end:
                x["same_sentence"] = 1.0
                at = bisect.bisect_right(self._quoted, (m.start, len(text))) - 1
                inside = at >= 0 and self._quoted[at][0] <= m.start < self._quoted[at][1]
                x["same_inside_quotes" if inside else "same_outside_quotes"] = 1.0
                if m.end <= at_hedge:
                    x["before_hedge"] = 1.0
                else:
                    x["after_hedge"] = 1.0
                    if any(c in text[s.start + hedge[1] : m.start] for c in '”"'):
                        x["after_quote_close"] = 1.0
                if not text[s.start : m.start].strip(" “\"'‘"):
                    x["sentence_start"] = 1.0
            elif m.start < head_end and s.paragraph > 0:
                x["headline"] = 1.0
                if _HEADLINE_TAIL.search(text, max(0, m.start - 8), m.start):
                    x["headline_tail"] = 1.0
            else:
                own = max(0, bisect.bisect_right(self._sent_starts, m.start) - 1)
                back = s.index - own
                para_back = s.paragraph - self.sents[own].paragraph
                if para_back <= 0:
                    x[f"back_{min(3, max(1, back))}"] = 1.0
                else:
                    x[f"para_{min(3, para_back)}"] = 1.0
            for cue in self._cues(m):
                x[cue] = 1.0
            if s.start <= m.start < at_hedge and _HEDGE_SUBJECT.match(text, m.end, at_hedge):
                x["hedge_subject"] = 1.0
        before_here = sum(1 for m in ms if m.start < s.start)
        x["log_mentions"] = math.log1p(len(ms))
        x["log_mentions_before"] = math.log1p(before_here)
        at = bisect.bisect_left(self._starts, s.start)
        last_person = self._last_person[at] if at < len(self.mentions) else _last_of(self.mentions, "person")
        if last_person is not None and any(m is last_person for m in ms):
            x["nearest_named"] = 1.0
            if _PRONOUN_SAYS.search(outside):
                x["pronoun_target"] = 1.0
        words = _words(sp.name)
        earlier = [t for t in self.sents[max(0, s.index - 8) : s.index] if t.paragraph >= s.paragraph - _PARAS_BACK]
        for t in reversed(earlier):
            said = self.speakers[t.index]
            if said.kind != "author" and words & _words(said.name):
                x["prev_speaker" if t.index == s.index - 1 else "para_speaker"] = 1.0
                break
        verb = max(x.get("verb_after", 0.0), x.get("verb_before", 0.0))
        x["same_verb"] = x.get("same_sentence", 0.0) * verb
        x["after_says"] = x.get("after_hedge", 0.0) * x.get("verb_before", 0.0)
        x["start_verb_outside"] = x.get("sentence_start", 0.0) * float(verb_outside)
        x["subject_verb"] = x.get("before_hedge", 0.0) * x.get("verb_after", 0.0)
        if rule_author:
            x["rule_author_verb_next"] = max(x.get("verb_next", 0.0), x.get("verb_prev", 0.0))
            x["rule_author_same_sentence"] = x.get("same_sentence", 0.0)
            x["rule_author_verb"] = max(x.get("verb_after", 0.0), x.get("verb_before", 0.0))
            x["rule_author_prior"] = float(bool(before_here))
        elif rule.kind == "person" and not is_rule:
            x["rule_person_other"] = 1.0
        return Choice(sp, x)

    def _cues(self, m: _Mention) -> tuple[str, ...]:
        """The words next to a mention, whatever the forecast (cached on the mention)."""
        if m.cues is None:
            text = self.text
            after = [w.lower() for w in _WORD.findall(text[m.end : m.end + 40])][:3]
            before = [w.lower() for w in _WORD.findall(text[max(0, m.start - 30) : m.start])][-2:]
            after_role = bool(m.role and _verb_after_role(text, m.end))
            cues = []
            if any(w in _VERB_SET for w in after) or after_role:
                cues.append("verb_after")
            if any(w in _VERB_SET for w in before):
                cues.append("verb_before")
            if before[-2:] == ["according", "to"]:
                cues.append("according_to")
            if m.role:
                cues.append("appositive")
            # Right next to it: "Roe said", "Roe, a professor at X, said", "said Roe", "according to Roe".
            if (after[:1] and after[0] in _VERB_SET and _NEXT_WORD.match(text, m.end)) or after_role:
                cues.append("verb_next")
            if _SAID_BEFORE.search(text, max(0, m.start - 24), m.start):
                cues.append("verb_prev")
            m.cues = tuple(cues)
        return m.cues

    def _sentence(self, s: Sentence) -> tuple[str, bool, bool]:
        """The sentence outside its quotations, whether a verb of saying is there, whether it names anyone (cached:
        a sentence read in parts is asked for each)."""
        known = self._by_sentence.get(s.index)
        if known is None:
            outside = _outside_quotes(s.text)
            verb_outside = any(w.lower() in _VERB_SET for w in _WORD.findall(outside))
            named = bisect.bisect_left(self._starts, s.start) < bisect.bisect_left(self._starts, s.end)
            known = self._by_sentence[s.index] = (outside, verb_outside, named)
        return known

    def choose(self, i: int, hedge: tuple[int, int], rule: Speaker, weights: Weights) -> Speaker:
        """The best-scored candidate: the rules' own pick unchanged when it wins, else the other source with the
        model's probability as its confidence."""
        choices = self.candidates(i, hedge, rule)
        scored = [(weights.score(c.x), n, c) for n, c in enumerate(choices)]
        best, _, choice = max(scored, key=lambda t: (t[0], -t[1]))
        if choice.speaker is rule:
            return rule
        sp = choice.speaker
        return Speaker(
            sp.name, sp.role, round(best, 2), f"learned speaker choice (the rules said {rule.name})", sp.kind
        )


def _verb_after_role(text: str, end: int) -> bool:
    """A verb of saying right after the appositive that follows a name ("Jane Roe, a professor at X, said")."""
    m = re.match(r"\s*,[^,.;]{3,160},\s*(\w+)", text[end : end + 200])
    return bool(m and m.group(1).lower() in _VERB_SET)


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """The spans of the text inside quotation marks (curly, or straight paired within a line), in order."""
    return [(m.start(), m.end()) for m in re.finditer(r"“[^”]{0,2000}”|\"[^\"\n]{0,2000}\"", text)]


def _last_of(mentions: Sequence[_Mention], kind: str) -> _Mention | None:
    return next((m for m in reversed(mentions) if m.kind == kind), None)


def _mentions(text: str) -> list[_Mention]:
    """Every source-like mention of the text, in order: a capitalised name (a surname resolved to the fullest
    earlier mention of the same person) or a common noun of people or institutions."""
    out: list[_Mention] = []
    full: dict[str, str] = {}
    for run in _CAP_RUN_RX.finditer(text):
        # A run never crosses a line break: a headline's last name and the next paragraph's first are two mentions.
        for m in _LINE_PIECE.finditer(text, run.start(), run.end()):
            _add_name(text, m, full, out)
    for m in _COMMON.finditer(text):
        out.append(_Mention(m.start(), m.end(), " ".join(m.group(0).split()), "role", None))
    out.sort(key=lambda m: m.start)
    return out


# A text names the same few people and bodies again and again.
_cleaned = lru_cache(maxsize=4096)(_clean_name)
_as_person = lru_cache(maxsize=4096)(_person_name)
_LINE_PIECE = re.compile(r"[^\n]*[^\s]")


def _add_name(text: str, m: re.Match[str], full: dict[str, str], out: list[_Mention]) -> None:
    """One capitalised run as a mention, when it can name a source (a surname as the person named in full before)."""
    raw = m.group(0)
    name, _ = _cleaned(raw)
    if not name or name in _NOT_NAMES or name in _MONTHS or len(name) < 3:
        return
    person = _as_person(raw)
    kind: Kind = "person" if person else "group"
    if person:
        name = person
        full[person.split()[-1]] = person
    elif " " not in name and name in full:
        name, kind = full[name], "person"
    role = _appositive(text, m.end())
    out.append(_Mention(m.start(), m.end(), name, kind, role))
