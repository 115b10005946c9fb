"""Train the learned confidence (confidence.py) on the labelled corpus: ``python -m tracker.extract.train_confidence``.

Every hedged part of every corpus article is a candidate (the rules' floors left off); a candidate is positive
when it matches a labelled forecast as evaluate.py counts a match (its sentence's quote matches a label's, one
candidate per label, the rules' own choice first). A logistic regression (scikit-learn, here only) is measured
by leave-one-corpus-file-out cross-validation: trained on eleven of corpus-a..l, it scores the twelfth. The drop
cut-off is the one with the best pooled F1 of those held-out scores (precision and recall as evaluate.py counts
them), never one file's best; the weights written are then trained on all twelve files.

``--check`` compares what it would write with the shipped file instead of writing (exit 1 when they differ).
Deterministic: the same corpus and code give the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.domain.verbal import load_scale

from .confidence import FEATURES_VERSION, WEIGHTS_FILE, ConfidenceModel
from .core import Candidate, extract, quote_matches
from .evaluate import corpus_articles
from .hedges import HedgeFinder

__all__ = ["Article", "Pool", "render", "fit", "labelled_pool", "loco", "main", "measure", "train"]

# The regularisation of the logistic regression (scikit-learn's C, on standardised features), chosen among a few
# by the same cross-validation (docs/extract.md); a feature seen in fewer training candidates than MIN_COUNT is left
# out (a reason that fires twice teaches nothing that carries over).
C = 0.3
MIN_COUNT = 5
# Cut-offs tried: every hundredth.
CUTS = [round(0.01 * i, 2) for i in range(1, 100)]
# No model may score a candidate the rules' pool would never hold: a pool candidate, scored 0.5, is kept by a 0 cut.
POOL_MODEL = ConfidenceModel({}, {}, 0.0, 0.0)


@dataclass
class Article:
    """One labelled article's candidates as indexes into the pool: grouped by sentence with how many labels the
    sentence's quote matches, and for each label the candidates that match it."""

    letter: str
    groups: list[tuple[list[int], int]]
    hits: list[set[int]]


@dataclass
class Pool:
    """Every candidate of the labelled articles, its label (1: it matches a labelled forecast) and its file."""

    candidates: list[Candidate] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)


def labelled_pool(articles: Sequence[Mapping[str, Any]]) -> Pool:
    """The pool, matched once with evaluate.py's rule (``quote_matches``; ``measure`` then counts as
    ``Figures.count`` and ``_best`` do, without matching again)."""
    finder = HedgeFinder(load_scale())
    pool = Pool()
    for article in articles:
        letter = str(article["id"]).split("-")[0]
        quotes = [str(f["quote"]) for f in article["forecasts"]]
        found = extract(str(article["text"]), finder=finder, min_confidence=0.0, model=POOL_MODEL).candidates
        at = len(pool.candidates)
        by_sentence: dict[tuple[int, int], list[int]] = {}
        for n, c in enumerate(found):
            by_sentence.setdefault((c.start, c.end), []).append(at + n)
            pool.candidates.append(c)
            pool.labels.append(0)
            pool.files.append(letter)
        hits: list[set[int]] = [set() for _ in quotes]
        groups: list[tuple[list[int], int]] = []
        for group in by_sentence.values():
            matched = [j for j, q in enumerate(quotes) if quote_matches(pool.candidates[group[0]].quote, q)]
            for j in matched:
                hits[j].update(group)
            groups.append((group, len(matched)))
            # One candidate per label: those the rules would keep first, the most confident of them first.
            first = sorted(
                group,
                key=lambda i: (
                    -_feature(pool.candidates[i], "rules_keep"),
                    -_feature(pool.candidates[i], "rule_confidence"),
                    i,
                ),
            )
            for i in first[: len(matched)]:
                pool.labels[i] = 1
        pool.articles.append(Article(letter, groups, hits))
    return pool


def _feature(c: Candidate, name: str) -> float:
    return (c.features or {}).get(name, 0.0)


def fit(rows: Sequence[Mapping[str, float]], labels: Sequence[int], c: float = C) -> ConfidenceModel:
    """A logistic regression on standardised features, given back on the raw ones (so that scoring needs no
    scaler): weight / scale, and the bias less each weight times its mean."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    counts: dict[str, int] = {}
    for r in rows:
        for k, v in r.items():
            counts[k] = counts.get(k, 0) + (v != 0)
    names = sorted(k for k, n in counts.items() if n >= MIN_COUNT)
    x = np.array([[r.get(k, 0.0) for k in names] for r in rows], dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=5000, solver="lbfgs")
    lr.fit((x - mean) / scale, np.array(labels))
    w = lr.coef_[0] / scale
    bias = float(lr.intercept_[0] - (w * mean).sum())
    weights = {k: round(float(v), 6) for k, v in zip(names, w, strict=True) if abs(v) >= 5e-7}
    means = {k: round(float(m), 6) for k, m in zip(names, mean, strict=True) if k in weights}
    return ConfidenceModel(weights, means, round(bias, 6), 0.5)


def loco(pool: Pool, c: float = C) -> list[float]:
    """Each candidate's score by the model trained on the other corpus files."""
    scores = [0.0] * len(pool.candidates)
    for letter in sorted(set(pool.files)):
        train_at = [i for i, f in enumerate(pool.files) if f != letter]
        model = fit([pool.candidates[i].features or {} for i in train_at], [pool.labels[i] for i in train_at], c)
        for i, f in enumerate(pool.files):
            if f == letter:
                scores[i] = model.score(pool.candidates[i].features or {})
    return scores


def measure(pool: Pool, keep: Sequence[bool], letters: Sequence[str] | None = None) -> dict[str, Any]:
    """Recall and precision of the kept candidates of the articles of ``letters``, counted as evaluate.py counts
    them: a sentence's kept candidates match as many labels as its quote matches, no more; a label is found when a
    kept candidate's quote matches it."""
    curated = found = candidates = matching = 0
    for article in pool.articles:
        if letters is not None and article.letter not in letters:
            continue
        curated += len(article.hits)
        for group, labels in article.groups:
            kept = sum(1 for i in group if keep[i])
            candidates += kept
            matching += min(kept, labels)
        found += sum(1 for hit in article.hits if any(keep[i] for i in hit))
    p, r = matching / max(1, candidates), found / max(1, curated)
    return {
        "recall": round(r, 3),
        "found": found,
        "curated": curated,
        "precision": round(p, 3),
        "matching": matching,
        "candidates": candidates,
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
    }


def choose_cut(pool: Pool, scores: Sequence[float]) -> tuple[float, dict[str, Any]]:
    """The cut-off with the best pooled F1 of the held-out scores (the lower cut-off on a tie)."""
    best: tuple[float, float, dict[str, Any]] | None = None
    for cut in CUTS:
        m = measure(pool, [s >= cut for s in scores])
        if best is None or m["f1"] > best[1]:
            best = (cut, m["f1"], m)
    assert best is not None
    return best[0], best[2]


def train(root: Path, c: float = C) -> tuple[dict[str, Any], dict[str, Any]]:
    """The weights document, and the cross-validation's report."""
    import sklearn

    pool = labelled_pool(corpus_articles(root))
    scores = loco(pool, c)
    cut, pooled = choose_cut(pool, scores)
    rules = [_feature(x, "rules_keep") > 0 for x in pool.candidates]
    learned = [s >= cut for s in scores]
    report: dict[str, Any] = {"cut": cut, "C": c, "pooled": {"rules": measure(pool, rules), "learned": pooled}}
    for name, letters in [*((f, [f]) for f in sorted(set(pool.files))), ("k+l", ["k", "l"])]:
        report[name] = {"rules": measure(pool, rules, letters), "learned": measure(pool, learned, letters)}
    final = fit([x.features or {} for x in pool.candidates], pool.labels, c)
    document = {
        "features_version": FEATURES_VERSION,
        "about": "python -m tracker.extract.train_confidence: logistic regression on the corpus-a..l candidates",
        "trained_on": {"candidates": len(pool.labels), "positive": sum(pool.labels), "files": sorted(set(pool.files))},
        "objective": "the cut-off with the best pooled F1 over leave-one-corpus-file-out held-out scores",
        "c": c,
        "sklearn": sklearn.__version__,
        "cut": cut,
        "bias": final.bias,
        "weights": dict(final.weights),
        "means": dict(final.means),
    }
    return document, report


def render(document: Mapping[str, Any]) -> str:
    """The weights file's text: sorted keys, so that the same training gives the same bytes."""
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def _row(name: str, r: Mapping[str, Any]) -> str:
    a, b = r["rules"], r["learned"]
    return (
        f"{name:6} rules P {a['precision']} ({a['matching']}/{a['candidates']}) R {a['recall']} "
        f"({a['found']}/{a['curated']})  learned P {b['precision']} ({b['matching']}/{b['candidates']}) "
        f"R {b['recall']} ({b['found']}/{b['curated']})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tracker.extract.train_confidence", description=__doc__.split("\n")[0]
    )
    parser.add_argument("root", nargs="?", default=".", type=Path)
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    parser.add_argument("--c", type=float, default=C, help=f"the regularisation (default {C})")
    args = parser.parse_args(argv)
    document, report = train(args.root, args.c)
    text = render(document)
    for name, r in report.items():
        if isinstance(r, dict) and "rules" in r:
            print(_row(name, r))
    print(f"cut {report['cut']} (C {report['C']})")
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("the shipped weights are what this trains" if same else f"{args.out} differs from what this trains")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
