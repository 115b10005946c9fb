"""Speaker attribution from a dependency parse, measured against the hand rules (issue 22, an experiment).

    python benchmarks/parser_attribution.py MODEL_DIR              # corpus-a..j: the heuristics were chosen on these
    python benchmarks/parser_attribution.py MODEL_DIR --files k,l  # the check files
    python benchmarks/parser_attribution.py MODEL_DIR --all        # every file a..l: per file, a..j, k + l, pooled

MODEL_DIR is a spaCy pipeline with a tagger and a parser, trained by hand on a Universal Dependencies treebank
(docs/extract.md, "A trained dependency parser for attribution (experiment)"); nothing is downloaded. Without spaCy
or without the model the script says so and exits 0: it is not part of the test suite and the extractor does not
depend on it.

Each labelled forecast the extractor finds (as ``python -m tracker.extract.evaluate`` finds it) is one decision,
scored by ``evaluate.speaker_matches`` (or both the author), for three choices:

- ``rules``: the extractor's own speaker (the hand rules, its default);
- ``parser``: the speaker read off the parse (the subject of a verb of saying or belief over the hedge or beside
  the quotation, "according to X", a pronoun read as the person named last, the speaker of the paragraph's quotation
  a sentence continues, a headline's "claim - says X" or "claim: X"), the rules' pick where the parse finds none;
- ``combined``: the rules' pick, except where the rules give the author and the parse names a source.

Only the corpus files named are opened (never a blind set). The parse cost is CPU seconds per MB of article text,
every sentence of every article opened parsed once.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracker.extract.core import Candidate, extract  # noqa: E402
from tracker.extract.evaluate import _best, corpus_articles, speaker_matches  # noqa: E402
from tracker.extract.segment import Sentence, paragraphs, sentences  # noqa: E402
from tracker.extract.speakers import _ROLE_NOUN_SET, _SOURCE_WORDS  # noqa: E402

DEVELOPMENT = "a,b,c,d,e,f,g,h,i,j"
CHECK = "k,l"

# Verbs of saying or belief, every form the tagger may see (the pipeline has no lemmatizer).
_VERB_FORMS: dict[str, tuple[str, ...]] = {
    "say": ("say", "says", "said", "saying"),
    "tell": ("tell", "tells", "told", "telling"),
    "add": ("add", "adds", "added", "adding"),
    "warn": ("warn", "warns", "warned", "warning"),
    "predict": ("predict", "predicts", "predicted", "predicting"),
    "expect": ("expect", "expects", "expected", "expecting"),
    "believe": ("believe", "believes", "believed", "believing"),
    "note": ("note", "notes", "noted", "noting"),
    "argue": ("argue", "argues", "argued", "arguing"),
    "think": ("think", "thinks", "thought", "thinking"),
    "write": ("write", "writes", "wrote", "writing"),
    "estimate": ("estimate", "estimates", "estimated", "estimating"),
    "forecast": ("forecast", "forecasts", "forecasted", "forecasting"),
    "reckon": ("reckon", "reckons", "reckoned"),
    "caution": ("caution", "cautions", "cautioned"),
    "insist": ("insist", "insists", "insisted"),
    "claim": ("claim", "claims", "claimed"),
    "suggest": ("suggest", "suggests", "suggested"),
    "explain": ("explain", "explains", "explained"),
    "state": ("state", "states", "stated"),
    "project": ("project", "projects", "projected"),
    "anticipate": ("anticipate", "anticipates", "anticipated"),
    "fear": ("fear", "fears", "feared"),
    "doubt": ("doubt", "doubts", "doubted"),
    "conclude": ("conclude", "concludes", "concluded"),
    "acknowledge": ("acknowledge", "acknowledges", "acknowledged"),
    "concede": ("concede", "concedes", "conceded"),
    "contend": ("contend", "contends", "contended"),
    "stress": ("stress", "stresses", "stressed"),
    "admit": ("admit", "admits", "admitted"),
    "reply": ("reply", "replies", "replied"),
    "tweet": ("tweet", "tweets", "tweeted"),
    "announce": ("announce", "announces", "announced"),
    "calculate": ("calculate", "calculates", "calculated"),
    "see": ("sees",),
    "vow": ("vow", "vows", "vowed"),
    "promise": ("promise", "promises", "promised"),
    "pledge": ("pledge", "pledges", "pledged"),
    "signal": ("signal", "signals", "signaled", "signalled"),
    "indicate": ("indicate", "indicates", "indicated"),
}
SAYING = {form: lemma for lemma, forms in _VERB_FORMS.items() for form in forms}
_PERSONAL = {"he", "she", "him", "her"}
_PLURAL = {"they", "them"}
_FIRST = {"i", "we"}
_DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Today", "Tonight"}
_BE = {"is", "are", "was", "were", "be", "been", "being", "'s", "’s", "'re", "’re"}
_QUOTES = "“”\"‘’'"
_HEADLINE_SAYS = re.compile(r"\s[-–—|]\s*(?:says|warns|predicts|claims)?\s*(?P<who>[^-–—|:]{2,60})$", re.I)
_HEADLINE_COLON = re.compile(r":\s*(?P<who>[A-Z][^:]{1,50})$")


@dataclass(frozen=True)
class Pick:
    name: str  # "" when the parse finds no speaker
    how: str
    author: bool = False


@dataclass
class Decision:
    file: str
    article: str
    gold: str
    sentence: Sentence
    candidate: Candidate
    context: list[Sentence]  # the paragraph's earlier sentences, then up to three paragraphs back, nearest first
    headline: Sentence | None
    picks: dict[str, Pick] = field(default_factory=dict)


def right(name: str, author: bool, gold: str) -> bool:
    return speaker_matches(name, gold) or (author and "author" in gold.lower())


def decisions(root: Path, files: Sequence[str]) -> tuple[list[Decision], dict[str, list[Sentence]], float]:
    """Every found labelled forecast of the corpus files named, with its sentence and context; every sentence of
    every article (for the parse), and the CPU seconds the extractor took over those articles."""
    out: list[Decision] = []
    all_sents: dict[str, list[Sentence]] = {}
    cpu = 0.0
    for letter in files:
        for article in corpus_articles(root, [letter]):
            text = article["text"]
            key = f"{letter}/{article['id']}"
            paras = paragraphs(text)
            sents = sentences(text, paras)
            all_sents[key] = sents
            began = time.process_time()
            result = extract(text)
            cpu += time.process_time() - began
            for f in article["forecasts"]:
                hit = _best(result.candidates, f["quote"])
                if hit is None:
                    continue
                here = [s for s in sents if s.start <= hit.start < max(s.end, s.start + 1)]
                sent = here[0] if here else Sentence(-1, hit.start, hit.end, text[hit.start : hit.end], -1)
                context = [s for s in reversed(sents) if s.end <= sent.start and s.paragraph >= sent.paragraph - 3]
                headline = sents[0] if sents and sents[0].paragraph == 0 and sent.index != 0 else None
                out.append(Decision(letter, key, f["speaker"], sent, hit, context, headline))
    return out, all_sents, cpu


def _clean(text: str) -> str:
    return text.replace("\n", " ").replace("\r", " ")


def parse_all(nlp: Any, all_sents: dict[str, list[Sentence]]) -> tuple[dict[tuple[str, int], Any], float, int]:
    """Every sentence parsed once: the docs by (article, sentence index), CPU seconds and bytes parsed."""
    keys: list[tuple[str, int]] = []
    texts: list[str] = []
    for key, sents in all_sents.items():
        for s in sents:
            keys.append((key, s.index))
            texts.append(_clean(s.text))
    began = time.process_time()
    docs = list(nlp.pipe(texts, batch_size=64))
    cpu = time.process_time() - began
    return dict(zip(keys, docs, strict=True)), cpu, sum(len(t.encode("utf-8")) for t in texts)


def _in_quotes(doc: Any) -> list[bool]:
    """Whether each token sits inside quotation marks (straight quotes toggled, curly ones opened and closed)."""
    inside = False
    out = []
    for tok in doc:
        t = tok.text
        if t in ("“", "‘‘") or (t == '"' and not inside):
            out.append(False)
            inside = True
            continue
        if t in ("”", "’’") or (t == '"' and inside):
            out.append(False)
            inside = False
            continue
        out.append(inside)
    return out


def _name(tok: Any) -> str:
    """The words naming a subject: the last run of two proper nouns or more in its phrase (its clauses,
    prepositional modifiers and conjuncts left out), the person in "HSBC chief economist Jane Roe"; else the head
    with its compounds, flat name parts, determiners and adjectives ("some analysts")."""
    skip: set[int] = set()
    for child in tok.children:
        if child.dep_ in ("acl", "acl:relcl", "advcl", "parataxis", "punct", "nmod", "conj", "cc"):
            skip.update(w.i for w in child.subtree)
    words = [w for w in tok.subtree if w.i not in skip and not w.is_punct]
    runs: list[list[Any]] = [[]]
    for w in words:
        if w.tag_.startswith("NNP") and (not runs[-1] or runs[-1][-1].i == w.i - 1):
            runs[-1].append(w)
        elif w.tag_.startswith("NNP"):
            runs.append([w])
        elif runs[-1]:
            runs.append([])
    long = [r for r in runs if len(r) >= 2]
    if long:
        return " ".join(w.text for w in long[-1])
    keep = {"compound", "flat", "flat:name", "det", "amod", "nummod", "nmod:poss"}
    near = [tok]
    for child in tok.children:
        if child.dep_ in keep:
            near.extend(w for w in child.subtree if w.dep_ in keep or w is child)
    near = sorted(set(near), key=lambda w: w.i)
    return " ".join(w.text for w in near if w.tag_ != "POS").strip()


def _passive(verb: Any) -> bool:
    """ "X is expected to", "X expected to win" (a headline), "has been predicted": the subject is what is
    forecast about, not who forecasts."""
    kids = list(verb.children)
    if any(c.dep_ in ("nsubj:pass", "aux:pass") for c in kids):
        return True
    if verb.tag_ == "VBN" and any(c.dep_ in ("aux", "cop") and c.lower_ in _BE for c in kids):
        return True
    nxt = verb.doc[verb.i + 1] if verb.i + 1 < len(verb.doc) else None
    has = any(c.dep_ == "aux" and c.lower_ in ("has", "have", "had", "'ve", "’ve") for c in kids)
    if verb.tag_ == "VBN" and not has:  # a bare participle: "than expected", "the deal, expected next week"
        return True
    return verb.tag_ == "VBD" and nxt is not None and nxt.lower_ == "to" and not has


def _subject(verb: Any) -> Any | None:
    if not _passive(verb):
        for child in verb.children:
            if child.dep_ in ("nsubj", "csubj") and child.tag_ not in ("EX", "WDT", "WP"):
                return child
    for child in verb.children:  # "was predicted by analysts"
        if child.dep_ == "obl:agent":
            return child
    if not _passive(verb) and verb.tag_ in ("VBD", "VBZ") and SAYING.get(verb.lower_) not in (None, "tell"):
        # '"...," said Mr Roe': a subject after the verb the parse did not label as one (not "told the Post").
        for child in verb.rights:
            if child.i > verb.i + 4:
                break
            if child.tag_.startswith("NN") and child.text not in _DAYS and child.dep_ in ("obj", "appos", "dep"):
                return child
    if verb.dep_ in ("advcl", "conj", "xcomp") and verb.head is not verb and not _passive(verb):
        # "X touted the progress, saying that ...", "X said ... and added that ...": the subject of the verb it
        # hangs on.
        return _subject(verb.head) if verb.head.i < verb.i else None
    return None


def _is_saying(tok: Any) -> bool:
    return tok.lower_ in SAYING and tok.tag_.startswith("VB")


def _ancestors_or_self(tok: Any) -> list[Any]:
    return [tok, *tok.ancestors]


def _sayers(doc: Any, hedge: tuple[int, int] | None) -> list[tuple[int, Any, Any]]:
    """Verbs of saying with a subject outside quotation marks, ranked: 0 over the hedge (an ancestor of it, or
    the hedge itself), 1 beside the quotation or clause the hedge is in (parataxis, "..., said X"), 2 elsewhere."""
    quoted = _in_quotes(doc)
    hedge_toks = [t for t in doc if hedge is not None and t.idx < hedge[1] and t.idx + len(t) > hedge[0]]
    above: set[int] = set()
    for t in hedge_toks:
        above.update(a.i for a in _ancestors_or_self(t))
    out: list[tuple[int, Any, Any]] = []
    for tok in doc:
        if not _is_saying(tok) or quoted[tok.i]:
            continue
        subj = _subject(tok)
        if subj is None:
            continue
        if tok.i in above:
            rank = 0
        elif hedge_toks and any(h in tok.head.subtree for h in hedge_toks) and tok.dep_ in ("parataxis", "ccomp"):
            rank = 1
        elif hedge_toks and any(tok in h.subtree for h in hedge_toks):
            continue  # the verb sits inside what is hedged: "it is likely that X will say ..."
        else:
            rank = 2
        out.append((rank, tok, subj))
    for tok in doc:  # "according to X"
        if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to" and not quoted[tok.i]:
            head = tok.head if tok.head.i > tok.i and tok.head.tag_.startswith(("NN", "PRP")) else None
            if head is None:
                nouns = [t for t in doc[tok.i + 2 :] if t.tag_.startswith("NN") or t.tag_ == "PRP"]
                head = nouns[0] if nouns else None
            if head is not None:
                out.append((1, tok, head))
    out.sort(key=lambda r: (r[0], abs(r[1].i - (hedge_toks[0].i if hedge_toks else r[1].i))))
    return out


def _named_people(doc: Any, before: int | None = None, organisations: bool = False) -> list[Any]:
    """Heads of names of people, best first: proper-noun subjects of verbs of saying, then other proper-noun names
    of two words or more that no "the" opens (an organisation's), each group last first; outside quotation
    marks and before token ``before`` when given. With ``organisations``, any proper-noun subject or object
    and any name of two words or more."""
    quoted = _in_quotes(doc)
    sayers, others = [], []
    for tok in doc:
        if before is not None and tok.i >= before:
            break
        if quoted[tok.i] or not tok.tag_.startswith("NNP") or tok.dep_ in ("compound", "flat", "flat:name"):
            continue
        parts = [c for c in tok.children if c.dep_ in ("compound", "flat", "flat:name") and c.tag_.startswith("NNP")]
        definite = any(c.dep_ == "det" for c in tok.children) and not organisations
        if tok.dep_ == "nsubj" and _is_saying(tok.head) and not definite:
            sayers.append(tok)
        elif (parts or (organisations and tok.dep_ in ("nsubj", "obj", "obl"))) and not definite:
            others.append(tok)
    return [*reversed(sayers), *reversed(others)]


class Reader:
    def __init__(self, docs: dict[tuple[str, int], Any]) -> None:
        self.docs = docs

    def doc(self, d: Decision, s: Sentence) -> Any:
        return self.docs[(d.article, s.index)]

    def pick(self, d: Decision) -> Pick:
        sent = d.sentence
        if sent.index < 0:
            return Pick("", "no sentence")
        if sent.paragraph == 0:
            head = self._headline(sent.text)
            if head is not None:
                return head
        doc = self.doc(d, sent)
        h = d.candidate.reading.hedge
        offset = d.candidate.start - sent.start
        hedge = (h.start + offset, h.end + offset)
        for _, verb, subj in _sayers(doc, hedge):
            found = self._resolve(d, subj, verb, doc)
            if found is not None:
                return found
        # A sentence with no verb of saying of its own that continues the paragraph's quotation: its speaker.
        quoted = sent.text.lstrip()[:1] in _QUOTES or any(_in_quotes(doc))
        inside = _in_quotes(doc)
        if quoted and not any(_is_saying(t) and not inside[t.i] for t in doc):
            first = min([s for s in d.context if s.paragraph == sent.paragraph] + [sent], key=lambda s: s.index)
            # The paragraph before counts when this one opens with a quotation mark (a quotation running on).
            reach = sent.paragraph - (first.text.lstrip()[:1] in _QUOTES)
            for s in d.context:
                if s.paragraph < reach:
                    break
                earlier = self.doc(d, s)
                for _, verb, subj in _sayers(earlier, None):
                    found = self._resolve(d, subj, verb, earlier)
                    if found is not None:
                        return Pick(found.name, "continues the quotation of " + found.how, found.author)
        return Pick("", "none")

    def _headline(self, text: str) -> Pick | None:
        """ "Rates to rise - says IMF", "Rates to rise: IMF": a short tail that reads as a source (capitalised
        words, or ending in a word for people or an institution)."""
        text = _clean(text).strip()
        for rx, how in ((_HEADLINE_SAYS, "headline '- says X'"), (_HEADLINE_COLON, "headline ': X'")):
            m = rx.search(text)
            if m is None:
                continue
            who = m.group("who").strip()
            words = who.split()
            proper = all(w[:1].isupper() or w in ("of", "and", "&") for w in words)
            possessive = "’s" in who or "'s" in who
            if 1 <= len(words) <= 4 and not possessive and (proper or words[-1].lower() in _SOURCE_WORDS):
                return Pick(who, how)
        return None

    def _resolve(self, d: Decision, subj: Any, verb: Any, doc: Any) -> Pick | None:
        low = subj.lower_
        if low in _FIRST:
            if any(_in_quotes(doc)):
                return None
            return Pick("the author", f"'{subj.text} {verb.text}' outside quotation marks", author=True)
        definite = subj.tag_ == "NN" and any(c.lower_ == "the" for c in subj.children)
        role = definite and low in _ROLE_NOUN_SET
        if low in _PERSONAL or role:
            # "he said", "the economist said": the person named last, a speaker first.
            for s_doc in [doc, *(self.doc(d, s) for s in d.context)]:
                people = _named_people(s_doc, subj.i if s_doc is doc else None)
                if people:
                    return Pick(_name(people[0]), f"'{subj.text}' read as the person named last")
            return Pick(_name(subj), f"subject of '{verb.text}'") if role else None
        if definite and low in _SOURCE_WORDS:
            # "the company said", "the research organisation concluded": the name given last.
            for s_doc in [doc, *(self.doc(d, s) for s in d.context)]:
                names = _named_people(s_doc, subj.i if s_doc is doc else None, organisations=True)
                if names:
                    return Pick(_name(names[0]), f"'the {subj.text}' read as the name given last")
        if low in _PLURAL or subj.tag_ in ("PRP", "PRP$", "DT"):
            return None
        if not (subj.tag_.startswith("NNP") and subj.text not in _DAYS) and low not in _SOURCE_WORDS:
            return None  # not a source: "the race", "prices", a parse that took a date for the subject
        return Pick(_name(subj), f"subject of '{verb.text}'")


def choose(decisions_: Iterable[Decision], reader: Reader) -> None:
    for d in decisions_:
        rules = d.candidate.speaker
        parsed = reader.pick(d)
        d.picks["rules"] = Pick(rules.name, rules.basis, rules.kind == "author")
        if parsed.name:
            d.picks["parser"] = parsed
        else:
            d.picks["parser"] = d.picks["rules"]
        named = parsed.name and not parsed.author
        d.picks["combined"] = parsed if rules.kind == "author" and named else d.picks["rules"]
        d.picks["parse_only"] = parsed


def table(rows: list[Decision], names: Sequence[str]) -> list[str]:
    def score(ds: list[Decision], how: str) -> str:
        ok = sum(right(d.picks[how].name, d.picks[how].author, d.gold) for d in ds)
        return f"{ok}/{len(ds)} {100 * ok / len(ds):.1f}%" if ds else "-"

    lines = [f"{'file':10}" + "".join(f"{n:>18}" for n in names)]
    groups: dict[str, list[Decision]] = {}
    for d in rows:
        groups.setdefault(d.file, []).append(d)
    for letter, ds in groups.items():
        lines.append(f"{letter:10}" + "".join(f"{score(ds, n):>18}" for n in names))
    dev = [d for d in rows if d.file not in CHECK.split(",")]
    chk = [d for d in rows if d.file in CHECK.split(",")]
    for label, ds in (("a..j", dev), ("k+l", chk), ("pooled", rows)):
        if ds and len(ds) != len(rows) or label == "pooled":
            lines.append(f"{label:10}" + "".join(f"{score(ds, n):>18}" for n in names))
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", type=Path, help="a spaCy pipeline directory with a parser")
    parser.add_argument("--root", type=Path, default=HERE.parent)
    parser.add_argument("--files", default=DEVELOPMENT, help="corpus files by letter (default a..j)")
    parser.add_argument("--all", action="store_true", help="every file a..l: per file, a..j, k+l, pooled")
    parser.add_argument("--misses", action="store_true", help="one line per decision the rules or parser get wrong")
    args = parser.parse_args(argv)
    try:
        import spacy
    except ImportError:
        print("skipped: spaCy is not installed (pip install spacy in a separate environment)")
        return 0
    if not (args.model / "config.cfg").is_file():
        print(f"skipped: no spaCy pipeline at {args.model} (docs/extract.md says how it was trained)")
        return 0
    files = f"{DEVELOPMENT},{CHECK}" if args.all else args.files
    nlp = spacy.load(args.model)
    rows, all_sents, extract_cpu = decisions(args.root, [f.strip() for f in files.split(",") if f.strip()])
    docs, cpu, nbytes = parse_all(nlp, all_sents)
    choose(rows, Reader(docs))
    for line in table(rows, ("rules", "parser", "combined")):
        print(line)
    mb = nbytes / 1e6
    print(f"parse: {cpu:.1f} CPU s for {mb:.2f} MB of sentences = {cpu / mb:.1f} CPU s per MB")
    print(f"extract (the rules, same run): {extract_cpu:.1f} CPU s = {extract_cpu / mb:.1f} CPU s per MB")
    named = [d for d in rows if d.picks["parse_only"].name]
    ok = sum(right(d.picks["parse_only"].name, d.picks["parse_only"].author, d.gold) for d in named)
    print(f"the parse names a speaker on {len(named)}/{len(rows)} decisions, right on {ok}")
    for label, part in (("a..j", [d for d in rows if d.file not in CHECK.split(",")]), ("k+l", rows)):
        part = part if label == "a..j" else [d for d in rows if d.file in CHECK.split(",")]
        changed = [d for d in part if d.picks["combined"] is not d.picks["rules"]]
        gained = sum(right(d.picks["combined"].name, False, d.gold) for d in changed)
        lost = sum(right(d.picks["rules"].name, True, d.gold) for d in changed)
        if part:
            print(f"combined, {label}: overrides the author on {len(changed)} decisions, +{gained} -{lost}")
    if args.misses:
        for d in rows:
            r, p = d.picks["rules"], d.picks["parse_only"]
            ok_r, ok_p = right(r.name, r.author, d.gold), right(p.name, p.author, d.gold) if p.name else None
            if not ok_r or ok_p is False:
                print(f"\n[{d.article}] gold={d.gold!r} rules={r.name!r} ({ok_r}) parse={p.name!r} ({ok_p}; {p.how})")
                print("   ", _clean(d.sentence.text)[:300])
    return 0


if __name__ == "__main__":
    sys.exit(main())
