"""Speaker attribution measured the way unseen articles would see it (issue 22): leave-one-file-out
cross-validation over the tune files of the development corpus, for the hand rules and for a learned choice
among candidate speakers.

    python benchmarks/speaker_cv.py                       # per held-out file: rules, rankers, ceiling
    python benchmarks/speaker_cv.py --files a,b,c,d,e,f,i # the default: the tune files only

Only the corpus files named by ``--files`` are opened (never a blind check set). Each labelled forecast the
extractor finds (as ``python -m tracker.extract.evaluate`` finds it) is one decision: its sentence gets a list of
candidate speakers, the rules' own choice among them, plus generic ones any news-quote reader would consider
(every name-like span of the sentence and of the one or two before it in its paragraph, lower-case sources such
as "analysts" or "most economists", the object of "according to", the subject and the object of a verb of saying,
a pronoun read as the person named last, the speakers the rules gave the sentences before, the author). Each
candidate has simple features (below, ``FEATURES``). A candidate is right when the evaluation's rule says so
(``speaker_matches``: a shared name word, or both the author).

Figures, per held-out file (the model fitted on the other files only):

- ``rules``: the hand rules' figure on that file. Not cross-validated: the rules were chosen looking at every
  tune file, so this is optimistic about unseen text (the blind sets stand at 57-63%).
- ``ceiling``: the share of decisions where some candidate is right (no choice among them can do better).
- ``ranker``: logistic regression over generic features only (which generic source proposed the candidate,
  distances, form of the name, ...), no knowledge of the rules' choice.
- ``ranker+rules``: the same with the rules' choice and its confidence and kind as features.
- ``hybrid``: the rules where they found an attribution, the ranker (with rules' features) where they fell back to
  the author.

scikit-learn's LogisticRegression (liblinear, fixed C, no randomness) fits the models: the figures are the same
on every run.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracker.domain.verbal import load_scale  # noqa: E402
from tracker.extract.core import extract  # noqa: E402
from tracker.extract.evaluate import _best, corpus_articles, speaker_matches  # noqa: E402
from tracker.extract.hedges import HedgeFinder  # noqa: E402
from tracker.extract.segment import Sentence, paragraphs, sentences, wordset  # noqa: E402
from tracker.extract.speakers import (  # noqa: E402
    _CAP_RUN_RX,
    _DAYS,
    _GROUP_NOUNS,
    _NOT_NAMES,
    _ORG_TAILS,
    _ROLE_NOUNS,
    _TITLE_WORDS,
    _VERB_SET,
    Speaker,
    _clean_name,
    _outside_quotes,
    _person_name,
    attribute,
)

TUNE = "a,b,c,d,e,f,i"

_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][\w’'.&-]*")
_GROUP_RX = re.compile(
    rf"\b(?P<who>(?:(?:most|many|some|several|other|few|the|a|an|all|top|leading|senior|two|three|"
    rf"[a-z]+(?:al|an|ish|ic|ese|ed))\s+){{0,3}}(?:{_GROUP_NOUNS}|punters|people|panelists|panellists|"
    rf"insiders|residents|americans|britons|members|those|{_ROLE_NOUNS}))\b",
    re.I,
)
_ACCORDING_RX = re.compile(r"\b[Aa]ccording\s+to\s+(?P<who>[^,.;:“”\"()]{2,80})")
_SAY_AFTER = re.compile(
    r"\b(?:said|says|added|adds|told|wrote|writes|argued|warned|noted|explained|predicted|reckons|according\s+to)"
    r"\s+(?P<who>(?:the\s+)?[^,.;:“”\"()]{2,60})"
)
_PRONOUNS = {"he", "she", "they", "it", "we", "i"}
# Words between a subject and its verb, or that end the subject's reach ("analysts have long expected").
_AUX = wordset(
    "is are was were be been has have had will would could may might also still now not long do does did who can "
    "should far from so very"
)
_CLAUSE_WORDS = wordset("if when than to of in on for with about after before by at")
_SOURCE_WORD = re.compile(r"\b(?:poll|polls|survey|report|study|model|forecast|research|data|index|odds|market)\b")
_GROUP_WORD = re.compile(rf"\b(?:{_GROUP_NOUNS}|punters|people|panelists|insiders|most|many|some)\b")
_ORG_WORD = re.compile(r"\b(?:bank|fund|group|party|ministry|company|firm|agency|institute|association|council)\b")
_OUTLET_WORD = re.compile(r"\b(?:news|times|post|journal|tv|television|radio|reuters|bloomberg|press)\b")
_FIRST_PERSON = re.compile(r"\b(?:I|we|We|our|Our|my|My)\b")
_SENTENCE_VERB = re.compile(r"[a-z]+")

# How a candidate was proposed; a candidate proposed several ways has each flag.
SOURCES = (
    "rule",
    "author",
    "cap0",
    "cap1",
    "cap2",
    "group0",
    "group1",
    "according",
    "subject",
    "object",
    "pronoun",
    "prev_rule",
    "last_rule",
)
FEATURES = (
    *(f"src_{s}" for s in SOURCES),
    "generic_sources",
    "rule_confidence",
    "rule_author",
    "rule_person",
    "rule_group",
    "rule_role",
    "rule_default",
    "shares_rule_word",
    "words",
    "lower_case",
    "person_name",
    "org_tail",
    "title_before",
    "mentions",
    "in_quotation",
    "sentence_quoted",
    "verb_distance",
    "before_verb",
    "after_verb",
    "sentence_has_verb",
    "at_start",
    "paragraph_start",
    "first_in_text",
    "author_has_verb",
    "author_quoted",
    "author_according",
    "author_subject",
    "author_first_person",
    "author_paragraph_start",
    "author_names",
    "author_number",
    "before_hedge",
    "sentence_subject",
    "source_word",
    "group_word",
    "org_word",
    "outlet_word",
)


@dataclass
class Decision:
    file: str
    article: str
    gold: str
    rule: str
    rule_default: bool
    names: list[str]
    rows: list[dict[str, float]]
    right: list[bool]
    generic: Decision | None = None  # the same decision among the generic candidates only


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def _tokens_before(text: str, pos: int) -> int:
    return len(_WORD.findall(text[:pos]))


def _verb_positions(outside: str) -> list[tuple[int, int]]:
    return [
        (m.start(), m.end())
        for m in _SENTENCE_VERB.finditer(outside)
        if m.group(0) in _VERB_SET and m.group(0) not in ("see", "saw", "sees", "feel", "shared")
    ]


class _Builder:
    """Candidates for one sentence of one article and their features."""

    def __init__(self, text: str, sents: list[Sentence], speakers: list[Speaker], generic: bool = False) -> None:
        self.generic = generic
        self.text = text
        self.sents = sents
        self.speakers = speakers
        self.counts: Counter[str] = Counter()
        self.first_at: dict[str, int] = {}
        for m in _CAP_RUN_RX.finditer(text):
            for w in m.group(0).split():
                w = re.sub(r"[’']s$", "", w.rstrip(".,"))
                self.counts[w.lower()] += 1
                self.first_at.setdefault(w.lower(), m.start())
        self.people: list[tuple[int, str]] = [
            (m.start(), full) for m in _CAP_RUN_RX.finditer(text) if (full := _person_name(m.group(0)))
        ]

    def _last_person_before(self, pos: int) -> str | None:
        last = None
        for at, full in self.people:
            if at >= pos:
                break
            last = full
        return last

    def build(self, i: int, hedge: int = -1) -> tuple[list[str], list[dict[str, float]]]:
        s = self.sents[i]
        rule = self.speakers[i]
        found: dict[str, dict[str, Any]] = {}

        def add(name: str, source: str, sentence: Sentence, at: int, end: int) -> None:
            name = " ".join(name.split()).strip(" ,’'")
            if not name:
                return
            entry = found.setdefault(
                _key(name), {"name": name, "sources": set(), "sentence": sentence, "at": at, "end": end}
            )
            entry["sources"].add(source)
            if sentence.index > entry["sentence"].index:
                entry.update(sentence=sentence, at=at, end=end)

        add(rule.name, "rule", s, -1, -1)
        add("the author", "author", s, -1, -1)
        window = [t for t in self.sents[max(0, i - 2) : i + 1] if t.paragraph == s.paragraph]
        for t in window:
            d = i - t.index
            outside = _outside_quotes(t.text)
            for m in _CAP_RUN_RX.finditer(outside):
                name, _ = _clean_name(m.group(0))
                words = name.split()
                if not words or all(w in _NOT_NAMES or w in _DAYS or w in _TITLE_WORDS for w in words):
                    continue
                add(name, f"cap{d}", t, m.start(), m.end())
            if d <= 1:
                for m in _GROUP_RX.finditer(outside):
                    add(m.group("who"), f"group{min(d, 1)}", t, m.start("who"), m.end("who"))
            for m in _ACCORDING_RX.finditer(outside):
                who, _ = _clean_name(m.group("who")) if m.group("who")[:1].isupper() else (m.group("who"), None)
                add(who or m.group("who"), "according", t, m.start("who"), m.end("who"))
            if d == 0:
                for vb, ve in _verb_positions(outside):
                    before = outside[max(0, vb - 60) : vb]
                    parts = re.split(r"[,;:“”\"()—–]|\b(?:and|but|that|which|while|as|because)\b", before)
                    words = parts[-1].split()
                    while words and words[-1].lower() in _AUX:
                        words.pop()  # "analysts have long", "officials are"
                    kept: list[str] = []
                    for w in reversed(words[-5:]):
                        if w.lower() in _AUX or w.lower() in _CLAUSE_WORDS:
                            break
                        kept.insert(0, w)
                    subject = " ".join(kept)
                    if not subject:
                        continue
                    if subject.lower().split()[-1] in _PRONOUNS:
                        person = self._last_person_before(s.start)
                        if person:
                            add(person, "pronoun", t, vb, ve)
                        continue
                    add(subject, "subject", t, vb - len(subject) - 1, vb)
                for m in _SAY_AFTER.finditer(outside):
                    who = m.group("who")
                    if who.split()[0].lower() in _PRONOUNS:
                        person = self._last_person_before(s.start)
                        if person:
                            add(person, "pronoun", t, m.start("who"), m.end("who"))
                        continue
                    add(" ".join(who.split()[:6]), "object", t, m.start("who"), m.end("who"))
        prev = [j for j in range(i - 1, -1, -1) if self.speakers[j].kind != "author"]
        if i > 0 and self.sents[i - 1].paragraph == s.paragraph:
            add(self.speakers[i - 1].name, "prev_rule", self.sents[i - 1], -1, -1)
        if prev:
            add(self.speakers[prev[0]].name, "last_rule", self.sents[prev[0]], -1, -1)

        names: list[str] = []
        rows: list[dict[str, float]] = []
        rule_words = _name_words(rule.name)
        outside = _outside_quotes(s.text)
        verbs = _verb_positions(outside)
        quotes = [(m.start(), m.end()) for m in re.finditer(r"“[^”]*”|\"[^\"]*\"", s.text)]
        for entry in found.values():
            name = entry["name"]
            sources: set[str] = entry["sources"]
            if self.generic and sources <= {"rule", "prev_rule", "last_rule"}:
                continue
            row: dict[str, float] = dict.fromkeys(FEATURES, 0.0)
            for src in sources:
                row[f"src_{src}"] = 1.0
            row["generic_sources"] = min(3, len(sources - {"rule", "prev_rule", "last_rule"})) / 3
            is_rule = "rule" in sources
            if is_rule:
                row["rule_confidence"] = rule.confidence
                row[f"rule_{rule.kind}" if rule.kind in ("author", "person", "group", "role") else "rule_role"] = 1.0
                row["rule_default"] = float(rule.basis.startswith("no attribution"))
            words = name.split()
            row["shares_rule_word"] = float(bool(_name_words(name) & rule_words))
            row["words"] = min(len(words), 6) / 6
            row["lower_case"] = float(name[:1].islower() or name.lower().startswith("the "))
            row["person_name"] = float(_person_name(name) is not None)
            row["org_tail"] = float(words[-1] in _ORG_TAILS)
            tail = words[-1].lower() if words else ""
            row["mentions"] = math.log1p(self.counts.get(tail, 0)) / 3
            row["first_in_text"] = float(self.first_at.get(tail, -1) < self.sents[max(0, i - 2)].start)
            at = entry["at"]
            sentence: Sentence = entry["sentence"]
            if at >= 0 and sentence.index == i:
                row["title_before"] = float(any(w in _TITLE_WORDS for w in s.text[max(0, at - 30) : at].split()[-2:]))
                row["in_quotation"] = float(any(b <= at < e for b, e in quotes))
                row["at_start"] = float(_tokens_before(s.text, at) <= 2)
                if verbs:
                    dist = min(min(abs(at - ve), abs(entry["end"] - vb)) for vb, ve in verbs)
                    row["verb_distance"] = min(dist, 120) / 120
                    row["before_verb"] = float(any(0 <= vb - entry["end"] <= 25 for vb, _ in verbs))
                    row["after_verb"] = float(any(0 <= at - ve <= 25 for _, ve in verbs))
                if hedge >= 0:
                    row["before_hedge"] = float(0 <= hedge - entry["end"] <= 40)
                    row["sentence_subject"] = float(_tokens_before(s.text, at) <= 3 and entry["end"] <= hedge)
            low = name.lower()
            row["source_word"] = float(bool(_SOURCE_WORD.search(low)))
            row["group_word"] = float(bool(_GROUP_WORD.search(low)))
            row["org_word"] = float(bool(_ORG_WORD.search(low)))
            row["outlet_word"] = float(bool(_OUTLET_WORD.search(low)))
            row["sentence_quoted"] = float(bool(quotes))
            row["sentence_has_verb"] = float(bool(verbs))
            row["paragraph_start"] = float(i == 0 or self.sents[i - 1].paragraph != s.paragraph)
            if "author" in sources:
                # Sentence-level cues only bear on a choice through the author, whom they argue for or against.
                row["author_has_verb"] = row["sentence_has_verb"]
                row["author_quoted"] = row["sentence_quoted"]
                row["author_according"] = float("according" in " ".join(outside.lower().split()))
                row["author_subject"] = float(any("subject" in e["sources"] for e in found.values()))
                row["author_first_person"] = float(bool(_FIRST_PERSON.search(outside)))
                row["author_paragraph_start"] = row["paragraph_start"]
                row["author_number"] = float(bool(re.search(r"\d\s*(?:%|percent|per cent)|\d/\d|odds", outside)))
                row["author_names"] = min(4, sum(1 for e in found.values() if e["sources"] & {"cap0", "group0"})) / 4
            names.append(name)
            rows.append(row)
        return names, rows


_NOT_NAME_WORDS = {"the", "a", "an", "of", "and", "number", "some", "many", "unnamed", "as", "described", "by"}


def _name_words(name: str) -> set[str]:
    name = re.sub(r"\([^)]*\)", " ", name)
    return {w for w in re.findall(r"[a-z]{3,}", name.lower()) if w not in _NOT_NAME_WORDS}


def _right(candidate: str, gold: str) -> bool:
    if candidate == "the author":
        return "author" in gold.lower()
    return speaker_matches(candidate, gold)


def decisions(root: Path, files: Sequence[str]) -> list[Decision]:
    """One decision per labelled forecast the extractor finds, in the articles of ``files``; a file holding a
    check article (a blind set) is refused before anything is read from its articles."""
    finder = HedgeFinder(load_scale())
    out: list[Decision] = []
    for letter in files:
        articles = corpus_articles(root, [letter])
        if any(a["split"] != "tune" for a in articles):
            raise ValueError(f"corpus-{letter}.yaml holds check articles: only tune files are cross-validated")
        for article in articles:
            text = article["text"]
            paras = paragraphs(text)
            sents = sentences(text, paras)
            speakers = attribute(text, paras, sents, ())
            by_start = {s.start: s.index for s in sents}
            result = extract(text, finder=finder)
            builder = _Builder(text, sents, speakers)
            generic = _Builder(text, sents, speakers, generic=True)
            for f in article["forecasts"]:
                hit = _best(result.candidates, f["quote"])
                if hit is None:
                    continue
                i = by_start[hit.start]
                names, rows = builder.build(i, hit.reading.hedge.start)
                rule = speakers[i]
                default = rule.basis.startswith("no attribution") or rule.kind == "author"
                right = [_right(n, f["speaker"]) for n in names]
                g_names, g_rows = generic.build(i, hit.reading.hedge.start)
                g_right = [_right(n, f["speaker"]) for n in g_names]
                g = Decision(letter, article["id"], f["speaker"], rule.name, default, g_names, g_rows, g_right)
                out.append(Decision(letter, article["id"], f["speaker"], rule.name, default, names, rows, right, g))
    return out


def _matrix(ds: Sequence[Decision], features: Sequence[str]) -> tuple[list[list[float]], list[int]]:
    xs: list[list[float]] = []
    ys: list[int] = []
    for d in ds:
        if not any(d.right):
            continue  # nothing to learn: no candidate is right
        for row, ok in zip(d.rows, d.right, strict=True):
            xs.append([row[f] for f in features])
            ys.append(int(ok))
    return xs, ys


Scorer = Callable[[dict[str, float]], float]


def _linear(weights: Sequence[float], features: Sequence[str], bias: float = 0.0) -> Scorer:
    return lambda row: bias + sum(w * row[f] for w, f in zip(weights, features, strict=True))


def fit_pointwise(ds: Sequence[Decision], features: Sequence[str], c: float = 1.0) -> Scorer:
    """Each candidate alone, right or not: scikit-learn's logistic regression (liblinear, deterministic)."""
    from sklearn.linear_model import LogisticRegression

    xs, ys = _matrix(ds, features)
    model = LogisticRegression(C=c, solver="liblinear", max_iter=1000)
    model.fit(xs, ys)
    return _linear(list(model.coef_[0]), features, float(model.intercept_[0]))


def fit_choice(ds: Sequence[Decision], features: Sequence[str], penalty: float = 0.1) -> Scorer:
    """The candidates of a decision against each other (a conditional logit: the softmax over one sentence's
    candidates, the right ones' share maximised), L2 penalty, L-BFGS from zero weights (deterministic)."""
    import numpy as np
    from scipy.optimize import minimize

    sets = [(np.array([[r[f] for f in features] for r in d.rows]), np.array(d.right)) for d in ds if any(d.right)]

    def loss(w: Any) -> tuple[float, Any]:
        total = penalty * float(w @ w)
        grad = 2 * penalty * w
        for x, right in sets:
            scores = x @ w
            e = np.exp(scores - scores.max())
            z, zr = e.sum(), e[right].sum()
            total += float(np.log(z) - np.log(zr))
            grad = grad + (e / z) @ x - (e * right / zr) @ x
        return total, grad

    result = minimize(loss, np.zeros(len(features)), jac=True, method="L-BFGS-B")
    return _linear([float(v) for v in result.x], features)


def choose(d: Decision, score: Scorer) -> int:
    # Ties go to the candidate listed first (the rules' own choice, when it is a candidate).
    return max(range(len(d.rows)), key=lambda k: (score(d.rows[k]), -k))


GENERIC = tuple(
    f
    for f in FEATURES
    if not f.startswith("rule_") and f not in ("src_rule", "src_prev_rule", "src_last_rule", "shares_rule_word")
)
COLUMNS = ("n", "rules", "ceiling", "generic_ceiling", "lr", "choice", "lr+rules", "choice+rules", "hybrid")


def _rules_right(d: Decision) -> bool:
    return speaker_matches(d.rule, d.gold) or (d.rule_default and "author" in d.gold.lower())


def cross_validate(
    ds: Sequence[Decision], files: Sequence[str], c: float = 1.0, penalty: float = 0.1
) -> list[dict[str, Any]]:
    """Per held-out file, the number of decisions each way of choosing gets right (fitted on the other files)."""
    rows = []
    for held in files:
        train = [d for d in ds if d.file != held]
        test = [d for d in ds if d.file == held]
        generic_train = [d.generic for d in train if d.generic]
        generic_test = [d.generic for d in test if d.generic]
        lr = fit_pointwise(generic_train, GENERIC, c)
        choice = fit_choice(generic_train, GENERIC, penalty)
        lr_rules = fit_pointwise(train, FEATURES, c)
        choice_rules = fit_choice(train, FEATURES, penalty)
        # The hybrid's ranker learns only where the rules fall back to the author: that is where it is used.
        fallback = fit_choice([d for d in train if d.rule_default], FEATURES, penalty)
        rows.append(
            {
                "file": held,
                "n": len(test),
                "rules": sum(_rules_right(d) for d in test),
                "ceiling": sum(any(d.right) for d in test),
                "generic_ceiling": sum(any(d.right) for d in generic_test),
                "lr": sum(d.right[choose(d, lr)] for d in generic_test),
                "choice": sum(d.right[choose(d, choice)] for d in generic_test),
                "lr+rules": sum(d.right[choose(d, lr_rules)] for d in test),
                "choice+rules": sum(d.right[choose(d, choice_rules)] for d in test),
                "hybrid": sum(d.right[choose(d, fallback)] if d.rule_default else _rules_right(d) for d in test),
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", nargs="?", default=HERE.parent, type=Path, help="the repository (default: this one)")
    parser.add_argument("--files", default=TUNE, help="tune corpus files, by letter (default: a,b,c,d,e,f,i)")
    parser.add_argument("-C", type=float, default=1.0, help="inverse L2 strength of the pointwise regression")
    parser.add_argument("--penalty", type=float, default=0.1, help="L2 strength of the choice model")
    args = parser.parse_args(argv)
    files = [f.strip() for f in args.files.split(",") if f.strip()]
    try:
        ds = decisions(args.root, files)
    except ValueError as e:
        print(f"error: --files: {e}", file=sys.stderr)
        return 2
    rows = cross_validate(ds, files, args.C, args.penalty)
    print("held-out" + "".join(f"{c:>17}" for c in COLUMNS))
    total = dict.fromkeys(COLUMNS, 0)
    for r in [*rows, None]:
        r = r or {"file": "all", **total}
        cells = [str(r["n"])] + [f"{r[c]} {r[c] / r['n']:.1%}" for c in COLUMNS[1:]]
        print(f"{r['file']:<8}" + "".join(f"{c:>17}" for c in cells))
        if r["file"] != "all":
            for c in COLUMNS:
                total[c] += r[c]
    return 0


if __name__ == "__main__":
    sys.exit(main())
