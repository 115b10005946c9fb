"""Measure the extractor on a curated catalog: ``python -m tracker.extract.evaluate [ROOT]``.

ROOT (default: the current directory) holds ``seeds/sources.yaml`` with the articles, ``predictions/`` with
the curated questions and forecasts, and ``tests/data/extract_polarity.yaml`` with the polarity gold data.
Each article is read as `tracker extract` reads it, against the questions that existed before it: those
used by a forecast from a source published on an earlier date (a ledger holding only the earlier articles).

Figures (docs/extract.md): recall of the curated forecasts, precision and candidates per article, speaker
attribution, polarity and the curated question among the top three, on the found forecasts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tracker.domain.verbal import load_scale

from .core import Candidate, extract, quote_matches
from .hedges import HedgeFinder, governing_rank
from .questions import QuestionDoc
from .reading import read_article
from .segment import wordset

__all__ = ["Figures", "corpus_articles", "evaluate", "evaluate_corpus", "speaker_matches"]

_NOT_NAME_WORDS = wordset("the a an of and number some many unnamed as described by")


def _name_words(name: str) -> set[str]:
    name = re.sub(r"\([^)]*\)", " ", name)
    return {w for w in re.findall(r"[a-z]{3,}", name.lower()) if w not in _NOT_NAME_WORDS}


def speaker_matches(candidate: str, forecaster: str) -> bool:
    """The candidate's speaker names the curated forecaster: a shared name word ("Jane Roe" and "Roe",
    "some analysts" and "Unnamed analysts", "the author" and "Unnamed author")."""
    return bool(_name_words(candidate) & _name_words(forecaster))


def _side(p: float) -> int:
    return 0 if abs(p - 0.5) < 1e-9 else (1 if p > 0.5 else -1)


@dataclass
class Figures:
    curated: int = 0
    found: int = 0
    candidates: int = 0
    candidates_matching: int = 0
    articles: int = 0
    speaker_ok: int = 0
    polarity_ok: int = 0
    polarity_n: int = 0
    top3_ok: int = 0
    top3_n: int = 0
    top3_all_ok: int = 0
    top3_all_n: int = 0
    seconds: list[float] = field(default_factory=list)
    bytes: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)

    def count(self, candidates: Sequence[Candidate], quotes: Sequence[str]) -> None:
        """One more article: its labelled quotes, its candidates and those that match a labelled quote."""
        self.articles += 1
        self.curated += len(quotes)
        self.candidates += len(candidates)
        # A sentence read as several forecasts gives several candidates with the same quote: they match as many
        # labelled quotes as the sentence holds, no more (one candidate, one label).
        by_sentence: dict[tuple[int, int], list[Candidate]] = {}
        for c in candidates:
            by_sentence.setdefault((c.start, c.end), []).append(c)
        for group in by_sentence.values():
            quote = group[0].quote
            labels = sum(1 for q in quotes if quote_matches(quote, q))
            self.candidates_matching += min(len(group), labels)

    def ratio(self, a: int, b: int) -> float | None:
        return round(a / b, 3) if b else None

    def summary(self) -> dict[str, Any]:
        return {
            "recall": self.ratio(self.found, self.curated),
            "found": self.found,
            "curated": self.curated,
            "precision": self.ratio(self.candidates_matching, self.candidates),
            "candidates": self.candidates,
            "candidates_per_article": round(self.candidates / self.articles, 1) if self.articles else None,
            "speaker": self.ratio(self.speaker_ok, self.found),
            "speaker_ok": self.speaker_ok,
            "polarity": self.ratio(self.polarity_ok, self.polarity_n),
            "polarity_ok": self.polarity_ok,
            "polarity_n": self.polarity_n,
            "question_top3_earlier": self.ratio(self.top3_ok, self.top3_n),
            "question_top3_earlier_n": self.top3_n,
            "question_top3_others": self.ratio(self.top3_all_ok, self.top3_all_n),
            "question_top3_others_n": self.top3_all_n,
            "seconds_per_article_max": round(max(self.seconds), 3) if self.seconds else None,
            "s_per_mb": round(sum(self.seconds) / (self.bytes / 1e6), 3) if self.bytes else None,
        }


def _load(root: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    sources = yaml.safe_load((root / "seeds" / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    questions = yaml.safe_load((root / "predictions" / "questions.yaml").read_text(encoding="utf-8"))["questions"]
    forecasts: list[dict[str, Any]] = []
    for path in sorted((root / "predictions" / "forecasts").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data["forecasts"]:
            forecasts.append({**entry, "source": data["source"]})
    gold_path = root / "tests" / "data" / "extract_polarity.yaml"
    gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))["event_is_yes"] if gold_path.exists() else {}
    return sources, {q["id"]: q for q in questions}, forecasts, gold


def _p_event(entry: dict[str, Any], event_is_yes: bool, scale: Any) -> float:
    if "says" in entry:
        phrase = scale.lookup(entry["says"])
        p_yes = phrase.p if entry["reading"] == "affirms" else 1.0 - phrase.p
    else:
        p_yes = float(entry["p"])
    return p_yes if event_is_yes else 1.0 - p_yes


def evaluate(
    root: Path,
    min_confidence: float | None = None,
    *,
    rules_only: bool = False,
    learned_speakers: bool = False,
    learned_confidence: bool = False,
) -> Figures:
    sources, questions, forecasts, gold = _load(root)
    scale = load_scale()
    finder = HedgeFinder(scale)
    fig = Figures()
    published = {s["id"]: str(s["published"]) for s in sources}
    for source in sources:
        if not source.get("file"):
            continue
        sid = source["id"]
        text, _ = read_article(root / "seeds" / source["file"])
        earlier = {f["question"] for f in forecasts if published[f["source"]] < published[sid]}
        others = {f["question"] for f in forecasts if f["source"] != sid}
        kwargs: dict[str, Any] = {"min_confidence": min_confidence}
        kwargs.update(rules_only=rules_only, learned_speakers=learned_speakers, learned_confidence=learned_confidence)
        began = time.perf_counter()
        result = extract(
            text, finder=finder, questions=_docs(questions, earlier), authors=source.get("authors") or (), **kwargs
        )
        fig.seconds.append(time.perf_counter() - began)
        fig.bytes += len(text.encode("utf-8"))
        wide = extract(
            text, finder=finder, questions=_docs(questions, others), authors=source.get("authors") or (), **kwargs
        )
        mine = [f for f in forecasts if f["source"] == sid]
        fig.count(result.candidates, [f["quote"] for f in mine])
        for f in mine:
            row: dict[str, Any] = {"forecast": f["id"], "source": sid}
            hit = _best(result.candidates, f["quote"])
            fig.rows.append(row)
            if hit is None:
                row["found"] = False
                continue
            row.update(found=True, candidate=hit.index, speaker=hit.speaker.name, hedge=hit.hedge_words)
            fig.found += 1
            row["speaker_ok"] = speaker_matches(hit.speaker.name, f["forecaster"])
            fig.speaker_ok += row["speaker_ok"]
            event_is_yes = gold.get(f["id"])
            if event_is_yes is not None:
                gold_p = _p_event(f, event_is_yes, scale)
                row["p_event"] = hit.reading.p_event
                row["gold_p_event"] = round(gold_p, 3)
                row["polarity_ok"] = _side(hit.reading.p_event) == _side(gold_p)
                fig.polarity_n += 1
                fig.polarity_ok += row["polarity_ok"]
            if f["question"] in earlier:
                fig.top3_n += 1
                row["top3"] = f["question"] in [s.question for s in hit.suggestions[:3]]
                fig.top3_ok += row["top3"]
            if f["question"] in others:
                wide_hit = _best(wide.candidates, f["quote"])
                if wide_hit is not None:
                    fig.top3_all_n += 1
                    row["top3_others"] = f["question"] in [s.question for s in wide_hit.suggestions[:3]]
                    fig.top3_all_ok += row["top3_others"]
    return fig


CORPUS = Path("tests") / "data" / "extract"


def corpus_articles(root: Path, files: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The development corpus's articles (``tests/data/extract/corpus-*.yaml``), each with its ``text``. With
    ``files`` (``["a", "f"]`` for corpus-a.yaml and corpus-f.yaml), only those files are opened: a check set
    being labelled, or one kept blind, is then not read at all."""
    out: list[dict[str, Any]] = []
    folder = root / CORPUS
    paths = sorted(folder.glob("corpus-*.yaml"))
    if files is not None:
        wanted = {f"corpus-{f.strip()}" for f in files}
        missing = wanted - {p.stem for p in paths}
        if missing:
            raise ValueError(f"no corpus file {', '.join(sorted(m + '.yaml' for m in missing))} in {folder}")
        paths = [p for p in paths if p.stem in wanted]
    for path in paths:
        for article in yaml.safe_load(path.read_text(encoding="utf-8"))["articles"]:
            text, _ = read_article(folder / article["file"])
            out.append({**article, "text": text})
    return out


def evaluate_corpus(
    root: Path,
    split: str | None = None,
    min_confidence: float | None = None,
    articles: Sequence[dict[str, Any]] | None = None,
    *,
    rules_only: bool = False,
    learned_speakers: bool = False,
    learned_confidence: bool = False,
) -> Figures:
    """The figures on the labelled development corpus (``split``: "tune", "check" or None for both). A
    forecast is found as on the seeds; its speaker is right when it shares a name word with the label (or
    both are the author); its polarity is right when the extractor's P(event) is on the same side of 0.5 as
    the label's p (labels of exactly 0.5 are left out: they have no side)."""
    finder = HedgeFinder(load_scale())
    fig = Figures()
    kwargs: dict[str, Any] = {"min_confidence": min_confidence}
    kwargs.update(rules_only=rules_only, learned_speakers=learned_speakers, learned_confidence=learned_confidence)
    for article in articles if articles is not None else corpus_articles(root):
        if split is not None and article["split"] != split:
            continue
        began = time.perf_counter()
        result = extract(article["text"], finder=finder, **kwargs)
        fig.seconds.append(time.perf_counter() - began)
        fig.bytes += len(article["text"].encode("utf-8"))
        gold = article["forecasts"]
        fig.count(result.candidates, [f["quote"] for f in gold])
        for f in gold:
            row: dict[str, Any] = {"article": article["id"], "quote": f["quote"][:70], "attribution": f["attribution"]}
            fig.rows.append(row)
            hit = _best(result.candidates, f["quote"])
            if hit is None:
                row["found"] = False
                continue
            fig.found += 1
            ok = speaker_matches(hit.speaker.name, f["speaker"]) or (
                hit.speaker.kind == "author" and "author" in f["speaker"].lower()
            )
            row.update(found=True, speaker=hit.speaker.name, gold_speaker=f["speaker"], speaker_ok=ok)
            fig.speaker_ok += ok
            if abs(float(f["p"]) - 0.5) > 1e-9:
                agree = _side(hit.reading.p_event) == _side(float(f["p"]))
                row.update(p_event=hit.reading.p_event, gold_p=f["p"], hedge=hit.hedge_words, polarity_ok=agree)
                fig.polarity_n += 1
                fig.polarity_ok += agree
    return fig


def question_choice(root: Path, split: str, articles: Sequence[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """How well a similarity cut-off chooses between an existing question and a new one, on the corpus's
    ``split`` half. Each labelled forecast's ``event`` is a question; every forecast is read twice: against
    a ledger holding the events of the whole half (its own among them: right when its own event ranks first
    and scores at least the cut-off) and against the same ledger without its own event (right when nothing
    reaches the cut-off, so that a new question is drafted). One row per cut-off."""
    from .questions import suggest

    chosen = [a for a in (articles if articles is not None else corpus_articles(root)) if a["split"] == split]
    events = sorted({f["event"] for a in chosen for f in a["forecasts"]})
    docs = [QuestionDoc(f"q{i}", e) for i, e in enumerate(events)]
    ids = {e: f"q{i}" for i, e in enumerate(events)}
    finder = HedgeFinder(load_scale())
    pairs: list[tuple[str, str]] = []  # (candidate sentence, its event's id)
    for article in chosen:
        result = extract(article["text"], finder=finder)
        for f in article["forecasts"]:
            hit = _best(result.candidates, f["quote"])
            if hit is not None:
                pairs.append((hit.quote, ids[f["event"]]))
    if not pairs:  # an empty split (the check set between two versions): nothing to choose between
        return []
    ranked = suggest([q for q, _ in pairs], docs, k=len(docs))
    rows = []
    for cut in [round(0.05 * i, 2) for i in range(1, 13)]:
        present = absent = 0
        for (_, own), row in zip(pairs, ranked, strict=True):
            present += row[0].question == own and row[0].score >= cut
            others = [s for s in row if s.question != own]
            absent += not others or others[0].score < cut
        n = len(pairs)
        rows.append({"cut": cut, "right_when_present": present / n, "right_when_absent": absent / n, "n": n})
    return rows


def _docs(questions: dict[str, dict[str, Any]], ids: set[str]) -> list[QuestionDoc]:
    return [QuestionDoc(q, questions[q]["title"], questions[q].get("criteria") or "") for q in sorted(ids)]


def _best(candidates: Sequence[Candidate], quote: str) -> Candidate | None:
    """The candidate whose quote matches ``quote``: the shortest; among the readings of one sentence, the one
    whose hedged part lies most inside it, then the one whose hedge would govern the whole sentence (a label
    quoting a sentence of two parts reads it by its strongest hedge, as the extractor once did), then the first."""
    hits = [c for c in candidates if quote_matches(c.quote, quote)]
    if not hits:
        return None
    words = set(re.findall(r"\w+", quote.lower()))

    def inside(c: Candidate) -> float:
        part = set(re.findall(r"\w+", c.clause.lower()))
        return len(part & words) / len(part) if part else 0.0

    return min(hits, key=lambda c: (len(c.quote), -inside(c), governing_rank(c.reading.hedge)))


def timing(root: Path, reps: int = 5) -> list[dict[str, Any]]:
    """Time per article once loaded (the scale compiled, scikit-learn imported by a first run), the median of
    ``reps`` runs, and the peak memory Python allocates during one run (tracemalloc)."""
    import statistics
    import tracemalloc

    sources, questions, forecasts, _ = _load(root)
    finder = HedgeFinder(load_scale())
    docs = _docs(questions, set(questions))
    rows: list[dict[str, Any]] = []
    for source in sources:
        if not source.get("file"):
            continue
        text, _ = read_article(root / "seeds" / source["file"])
        extract(text, finder=finder, questions=docs)  # warm-up
        runs = []
        for _ in range(reps):
            began = time.perf_counter()
            extract(text, finder=finder, questions=docs)
            runs.append(time.perf_counter() - began)
        tracemalloc.start()
        extract(text, finder=finder, questions=docs)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(
            {
                "article": source["file"],
                "bytes": len(text.encode("utf-8")),
                "seconds_median": round(statistics.median(runs), 4),
                "peak_mib": round(peak / 2**20, 2),
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.extract.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("root", nargs="?", default=".", type=Path)
    parser.add_argument("--min-confidence", type=float, default=None)
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    parser.add_argument("--rows", action="store_true", help="one line per curated forecast")
    parser.add_argument("--sweep", action="store_true", help="recall and precision at several confidence cut-offs")
    parser.add_argument("--timing", action="store_true", help="time and peak memory per article, once loaded")
    parser.add_argument(
        "--questions", action="store_true", help="existing question or new one, by similarity cut-off (corpus)"
    )
    parser.add_argument(
        "--split", choices=("tune", "check"), default=None, help="report this half of the corpus only (and the seeds)"
    )
    parser.add_argument(
        "--files",
        default=None,
        help="only these corpus files, by letter ('a,b,f' for corpus-a/-b/-f.yaml): the others are not opened",
    )
    parser.add_argument(
        "--rules-only", action="store_true", help="every learned part off: the hand rules alone (docs/extract.md)"
    )
    parser.add_argument(
        "--learned-speakers",
        action="store_true",
        help="speakers by the learned choice (off by default: it did not beat the rules leave-one-file-out)",
    )
    parser.add_argument(
        "--learned-confidence",
        action="store_true",
        help="candidates scored by the learned confidence (off by default: not better than the rules pooled over "
        "held-out corpus files)",
    )
    args = parser.parse_args(argv)
    switches = {
        "rules_only": args.rules_only,
        "learned_speakers": args.learned_speakers,
        "learned_confidence": args.learned_confidence,
    }
    files = [f for f in args.files.split(",") if f.strip()] if args.files is not None else None
    try:
        articles = corpus_articles(args.root, files)
    except ValueError as e:
        print(f"error: --files: {e}", file=sys.stderr)
        return 2
    halves: tuple[str, ...] = (args.split,) if args.split else ("tune", "check")
    if args.timing:
        for row in timing(args.root):
            print(json.dumps(row))
        return 0
    if args.questions:
        for split in halves:
            for row in question_choice(args.root, split, articles=articles):
                both = (row["right_when_present"] + row["right_when_absent"]) / 2
                print(
                    f"{split:5} cut {row['cut']:.2f}: right when the question exists {row['right_when_present']:.3f}, "
                    f"when it does not {row['right_when_absent']:.3f}, mean {both:.3f} (n {row['n']})"
                )
        return 0
    if args.sweep:
        for cut in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7):
            for name, s in (
                ("seeds", evaluate(args.root, cut, **switches).summary()),
                ("corpus tune", evaluate_corpus(args.root, "tune", cut, articles, **switches).summary()),
            ):
                print(
                    f"min_confidence {cut:.1f} {name}: recall {s['recall']} ({s['found']}/{s['curated']}), "
                    f"precision {s['precision']}, {s['candidates_per_article']} candidates per article"
                )
        return 0
    sets = {"seeds": evaluate(args.root, args.min_confidence, **switches)}
    if articles:
        for half in halves if args.split else (*halves, None):
            sets[f"corpus {half or 'all'}"] = evaluate_corpus(
                args.root, half, args.min_confidence, articles, **switches
            )
    summaries = {name: fig.summary() for name, fig in sets.items()}
    if args.json:
        rows = {name: fig.rows for name, fig in sets.items()} if args.rows else None
        print(json.dumps({"summary": summaries, "rows": rows}, indent=2))
        return 0
    if args.rows:
        for name, fig in sets.items():
            for row in fig.rows:
                print(json.dumps({"set": name, **row}, ensure_ascii=False))
    names = list(summaries)
    keys = [k for k in summaries["seeds"] if any(summaries[n].get(k) is not None for n in names)]
    print(f"{'':28}" + "".join(f"{n:>16}" for n in names))
    for key in keys:
        print(f"{key:28}" + "".join(f"{str(summaries[n].get(key)):>16}" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
