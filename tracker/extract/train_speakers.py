"""Train the learned speaker choice and measure it against the rules:
``python -m tracker.extract.train_speakers [ROOT] [--loco] [--out FILE] [--files a,b,...]``.

Every labelled forecast of the development corpus (tests/data/extract/corpus-*.yaml) that the extractor finds gives
one group: its candidate speakers (``speaker_model.SpeakerChooser.candidates``), each labelled right when it names
the labelled speaker as the corpus figures count it (``evaluate.speaker_matches``, or both the author). A logistic
regression (scikit-learn, here only) learns to score them; the weights are written as JSON for the pure-Python
scoring at extract time.

``--loco``: leave-one-corpus-file-out cross-validation. For each file, a model trained on the others picks the
speakers of that file's forecasts; the rules' accuracy on the same forecasts is beside it. Nothing here reads any
other folder of tests/data/extract than the corpus files named.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.domain.verbal import load_scale

from . import speaker_model
from .core import extract
from .evaluate import CORPUS, _best, corpus_articles, speaker_matches
from .hedges import HedgeFinder
from .segment import paragraphs, sentences
from .speaker_model import FEATURES, WEIGHTS_FILE, Speaker, SpeakerChooser, Weights

__all__ = ["Group", "corpus_digest", "features_digest", "fit", "groups", "loco", "pick", "train", "weights_json"]

FILES = tuple("abcdefghijkl")
# The two newest files, the least tuned on by the rules: reported pooled on their own.
NEWEST = ("k", "l")
# Regularisation: scikit-learn's default, not chosen on the cross-validation (which would make it optimistic).
C = 1.0


@dataclass(frozen=True)
class Group:
    """One found forecast: its file, its candidates' features and labels, and whether the rules' pick is right."""

    file: str
    article: str
    xs: tuple[dict[str, float], ...]
    labels: tuple[bool, ...]
    names: tuple[str, ...]
    gold: str
    rule_ok: bool


def right(speaker: Speaker, gold: str) -> bool:
    """As the corpus figures count a speaker (evaluate.evaluate_corpus)."""
    return speaker_matches(speaker.name, gold) or (speaker.kind == "author" and "author" in gold.lower())


def groups(root: Path, files: Sequence[str] = FILES) -> list[Group]:
    """The groups of the corpus files named (by letter), extracted with the rules' speakers."""
    finder = HedgeFinder(load_scale())
    out: list[Group] = []
    for letter in files:
        for article in corpus_articles(root, [letter]):
            text = article["text"]
            result = extract(text, finder=finder, rules_only=True)  # the rules' picks, as candidates
            paras = paragraphs(text)
            sents = sentences(text, paras)
            by_start = {s.start: s.index for s in sents}
            chooser = SpeakerChooser(text, paras, sents)
            for f in article["forecasts"]:
                hit = _best(result.candidates, f["quote"])
                if hit is None:
                    continue
                hedge = hit.reading.hedge
                choices = chooser.candidates(by_start[hit.start], (hedge.start, hedge.end), hit.speaker)
                out.append(
                    Group(
                        letter,
                        article["id"],
                        tuple(c.x for c in choices),
                        tuple(right(c.speaker, f["speaker"]) for c in choices),
                        tuple(c.speaker.name for c in choices),
                        f["speaker"],
                        right(hit.speaker, f["speaker"]),
                    )
                )
    return out


def fit(train: Sequence[Group], c: float = C) -> Weights:
    """A logistic regression over every candidate of ``train`` (deterministic: lbfgs, no sampling)."""
    from sklearn.linear_model import LogisticRegression

    rows = [[x.get(f, 0.0) for f in FEATURES] for g in train for x in g.xs]
    ys = [int(y) for g in train for y in g.labels]
    if len(set(ys)) < 2:
        raise ValueError("the training groups hold only one class of candidate: nothing to learn")
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(rows, ys)
    coef = tuple(round(float(v), 6) for v in model.coef_[0])
    return Weights(FEATURES, coef, round(float(model.intercept_[0]), 6))


def pick(weights: Weights, group: Group) -> int:
    """The index of the candidate the weights choose (the first, the rules' pick, on a tie)."""
    scores = [weights.score(x) for x in group.xs]
    return max(range(len(scores)), key=lambda n: (scores[n], -n))


def loco(all_groups: Sequence[Group], files: Sequence[str] = FILES, c: float = C) -> list[dict[str, Any]]:
    """One row per held-out file: n found, rules right, learned right, any candidate right (the ceiling)."""
    rows = []
    for held in files:
        test = [g for g in all_groups if g.file == held]
        weights = fit([g for g in all_groups if g.file != held], c)
        rows.append(
            {
                "file": held,
                "n": len(test),
                "rules": sum(g.rule_ok for g in test),
                "learned": sum(g.labels[pick(weights, g)] for g in test),
                "ceiling": sum(any(g.labels) for g in test),
            }
        )
    return rows


def pooled(rows: Sequence[dict[str, Any]], name: str) -> dict[str, Any]:
    return {
        "file": name,
        **{k: sum(r[k] for r in rows) for k in ("n", "rules", "learned", "ceiling")},
    }


def corpus_digest(root: Path, files: Sequence[str] = FILES) -> str:
    """A digest of the corpus files and their articles' texts: the shipped weights say what they were trained on."""
    h = hashlib.sha256()
    for letter in files:
        path = root / CORPUS / f"corpus-{letter}.yaml"
        h.update(path.read_bytes())
        for article in corpus_articles(root, [letter]):
            h.update(article["text"].encode("utf-8"))
    return h.hexdigest()


def features_digest() -> str:
    """A digest of the module that computes the features: weights trained before it changed are stale."""
    return hashlib.sha256(Path(speaker_model.__file__).read_bytes()).hexdigest()


def weights_json(weights: Weights, meta: dict[str, Any]) -> str:
    data = {
        "features": list(weights.features),
        "coef": list(weights.coef),
        "intercept": weights.intercept,
        "meta": meta,
    }
    return json.dumps(data, indent=1) + "\n"


def train(root: Path, files: Sequence[str] = FILES) -> str:
    """The weights file's text, trained on every group of ``files``."""
    weights = fit(groups(root, files))
    meta = {
        "files": "".join(files),
        "corpus_sha256": corpus_digest(root, files),
        "features_sha256": features_digest(),
        "C": C,
    }
    return weights_json(weights, meta)


def _table(rows: Sequence[dict[str, Any]]) -> str:
    lines = [f"{'file':8}{'n':>6}{'rules':>14}{'learned':>14}{'ceiling':>14}"]
    for r in rows:
        n = r["n"] or 1
        lines.append(
            f"{r['file']:8}{r['n']:>6}" + "".join(f"{r[k]:>6} {r[k] / n:6.3f}" for k in ("rules", "learned", "ceiling"))
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tracker.extract.train_speakers", description=__doc__.split("\n")[0]
    )
    parser.add_argument("root", nargs="?", default=".", type=Path)
    parser.add_argument("--loco", action="store_true", help="leave-one-corpus-file-out: rules against learned")
    parser.add_argument("--files", default=",".join(FILES), help="the corpus files by letter (default a-l)")
    parser.add_argument("--c", type=float, default=C, help="the regression's C (with --loco: to compare)")
    parser.add_argument(
        "--out", type=Path, default=None, help=f"where to write the weights (default: the package's {WEIGHTS_FILE})"
    )
    args = parser.parse_args(argv)
    files = [f.strip() for f in args.files.split(",") if f.strip()]
    try:
        if args.loco:
            all_groups = groups(args.root, files)
            rows = loco(all_groups, files, args.c)
            newest = [r for r in rows if r["file"] in NEWEST]
            print(_table([*rows, pooled(rows, "pooled"), *([pooled(newest, "k+l")] if newest else [])]))
            return 0
        text = train(args.root, files)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = args.out or Path(__file__).with_name(WEIGHTS_FILE)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
