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
from .hedges import HedgeFinder
from .questions import QuestionDoc
from .reading import read_article
from .segment import wordset

__all__ = ["Figures", "evaluate", "speaker_matches"]

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
    rows: list[dict[str, Any]] = field(default_factory=list)

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


def evaluate(root: Path, min_confidence: float | None = None) -> Figures:
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
        kwargs: dict[str, Any] = {} if min_confidence is None else {"min_confidence": min_confidence}
        began = time.perf_counter()
        result = extract(
            text, finder=finder, questions=_docs(questions, earlier), authors=source.get("authors") or (), **kwargs
        )
        fig.seconds.append(time.perf_counter() - began)
        wide = extract(
            text, finder=finder, questions=_docs(questions, others), authors=source.get("authors") or (), **kwargs
        )
        mine = [f for f in forecasts if f["source"] == sid]
        fig.articles += 1
        fig.curated += len(mine)
        fig.candidates += len(result.candidates)
        fig.candidates_matching += sum(
            1 for c in result.candidates if any(quote_matches(c.quote, f["quote"]) for f in mine)
        )
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


def _docs(questions: dict[str, dict[str, Any]], ids: set[str]) -> list[QuestionDoc]:
    return [QuestionDoc(q, questions[q]["title"], questions[q].get("criteria") or "") for q in sorted(ids)]


def _best(candidates: Sequence[Candidate], quote: str) -> Candidate | None:
    hits = [c for c in candidates if quote_matches(c.quote, quote)]
    return min(hits, key=lambda c: len(c.quote)) if hits else None


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
    args = parser.parse_args(argv)
    if args.timing:
        for row in timing(args.root):
            print(json.dumps(row))
        return 0
    if args.sweep:
        for cut in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7):
            s = evaluate(args.root, cut).summary()
            print(
                f"min_confidence {cut:.1f}: recall {s['recall']} ({s['found']}/{s['curated']}), precision "
                f"{s['precision']}, {s['candidates_per_article']} candidates per article"
            )
        return 0
    fig = evaluate(args.root, args.min_confidence)
    summary = fig.summary()
    if args.json:
        print(json.dumps({"summary": summary, "rows": fig.rows if args.rows else None}, indent=2))
        return 0
    if args.rows:
        for row in fig.rows:
            print(json.dumps(row, ensure_ascii=False))
    for key, value in summary.items():
        print(f"{key:28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
