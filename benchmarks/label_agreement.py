"""How far two careful labellers agree on the same articles (issue 22): the ceiling any extractor's figures are
judged under. Compares the corpus's labels (the first labeller's, ``tests/data/extract/corpus-<letter>.yaml``) with
an independent second labelling of some of its articles (``tests/data/extract/second-labeller.yaml``).

    python benchmarks/label_agreement.py            # the figures
    python benchmarks/label_agreement.py --rows     # and every pair and every forecast only one labeller marked

Two labels are the same forecast when their quotes match the way the evaluation matches a candidate to a label
(``tracker.extract.core.quote_matches``), tried both ways, since neither labeller is the reference; each label is
paired at most once, the closest quotes first. Of the pairs: the speaker agrees when the names share a name word
(``tracker.extract.evaluate.speaker_matches``, the evaluation's rule); the side agrees when both p are on the same
side of 0.5 (a pair with a p of exactly 0.5 has no side and is left out, as the evaluation leaves such labels out).
Only the corpus files of the second labelling's articles are opened (corpus-h's labels are read, its articles are
given to no extractor).
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracker.domain.quotes import normalise  # noqa: E402
from tracker.extract.core import quote_matches  # noqa: E402
from tracker.extract.evaluate import speaker_matches  # noqa: E402

CORPUS = HERE.parent / "tests" / "data" / "extract"
SECOND = CORPUS / "second-labeller.yaml"

Label = dict[str, Any]


def load_labels(path: Path) -> dict[str, list[Label]]:
    """Each article's labelled forecasts, by article id."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {art["id"]: list(art["forecasts"]) for art in data["articles"]}


def load_first(ids: Sequence[str], folder: Path = CORPUS) -> dict[str, list[Label]]:
    """The corpus's labels of ``ids``, opening only the corpus files those ids live in (``h-003`` ->
    corpus-h.yaml)."""
    out: dict[str, list[Label]] = {}
    for letter in sorted({i.split("-")[0] for i in ids}):
        out.update(load_labels(folder / f"corpus-{letter}.yaml"))
    missing = sorted(set(ids) - set(out))
    if missing:
        raise ValueError(f"no first labels for {', '.join(missing)}")
    return {i: out[i] for i in ids}


def overlap(a: str, b: str) -> float:
    """How much the two quotes share: the words in difflib's matching blocks (the measure quote_matches applies its
    cut-off to) over the longer quote's words, so a quote pairs with its own copy before a part of it."""
    aw = re.findall(r"\w+", normalise(a).lower())
    bw = re.findall(r"\w+", normalise(b).lower())
    if not aw or not bw:
        return 0.0
    blocks = difflib.SequenceMatcher(None, aw, bw, autojunk=False).get_matching_blocks()
    return sum(m.size for m in blocks) / max(len(aw), len(bw))


def same_forecast(a: str, b: str) -> bool:
    """Either quote would be found by a candidate quoting the other (neither labeller is the reference)."""
    return quote_matches(a, b) or quote_matches(b, a)


def side(p: float) -> int:
    return 0 if abs(p - 0.5) < 1e-9 else (1 if p > 0.5 else -1)


@dataclass
class Agreement:
    pairs: list[tuple[str, Label, Label]] = field(default_factory=list)  # (article, first, second)
    only_first: list[tuple[str, Label]] = field(default_factory=list)
    only_second: list[tuple[str, Label]] = field(default_factory=list)


def pair_article(first: Sequence[Label], second: Sequence[Label]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair one article's two label lists one to one: of the matching quotes, the closest first (then the closer
    p), so a sentence one labeller split in two pairs its nearer half and leaves the other half one-sided."""
    ranked = sorted(
        (
            (-overlap(f["quote"], s["quote"]), abs(f["p"] - s["p"]), i, j)
            for i, f in enumerate(first)
            for j, s in enumerate(second)
            if same_forecast(f["quote"], s["quote"])
        )
    )
    used_i: set[int] = set()
    used_j: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, _, i, j in ranked:
        if i not in used_i and j not in used_j:
            pairs.append((i, j))
            used_i.add(i)
            used_j.add(j)
    return (
        sorted(pairs),
        [i for i in range(len(first)) if i not in used_i],
        [j for j in range(len(second)) if j not in used_j],
    )


def compare(first: dict[str, list[Label]], second: dict[str, list[Label]]) -> Agreement:
    """Pair the two labellings article by article (the articles of ``second``)."""
    out = Agreement()
    for art, labels2 in second.items():
        labels1 = first[art]
        pairs, only1, only2 = pair_article(labels1, labels2)
        out.pairs += [(art, labels1[i], labels2[j]) for i, j in pairs]
        out.only_first += [(art, labels1[i]) for i in only1]
        out.only_second += [(art, labels2[j]) for j in only2]
    return out


@dataclass(frozen=True)
class Figures:
    first: int  # forecasts the first labeller marked
    second: int
    both: int
    speaker: int  # pairs whose speakers share a name word
    sided: int  # pairs where neither p is 0.5
    same_side: int
    same_polarity: int  # pairs with the same affirm/negate field
    mean_abs_dp: float

    def lines(self) -> list[str]:
        def pct(n: int, d: int) -> str:
            return f"{n} / {d} = {100 * n / d:.1f}%" if d else f"{n} / 0"

        union = self.first + self.second - self.both
        return [
            f"forecasts marked by both: {self.both} (first {self.first}, second {self.second}, either {union})",
            f"only the first marked: {self.first - self.both}; only the second: {self.second - self.both}",
            f"agreement on which sentences are forecasts (both / either): {pct(self.both, union)}",
            f"second's labels found among the first's (a perfect reader's recall): {pct(self.both, self.first)}",
            f"first's labels found among the second's (its precision): {pct(self.both, self.second)}",
            f"speaker agrees (shares a name word): {pct(self.speaker, self.both)}",
            f"p on the same side of 0.5 (pairs with a p of 0.5 left out): {pct(self.same_side, self.sided)}",
            f"same polarity field (affirm/negate): {pct(self.same_polarity, self.both)}",
            f"mean |p1 - p2| over the pairs: {self.mean_abs_dp:.3f}",
        ]


def figures(ag: Agreement) -> Figures:
    sided = [(f, s) for _, f, s in ag.pairs if side(f["p"]) and side(s["p"])]
    dps = [abs(f["p"] - s["p"]) for _, f, s in ag.pairs]
    return Figures(
        first=len(ag.pairs) + len(ag.only_first),
        second=len(ag.pairs) + len(ag.only_second),
        both=len(ag.pairs),
        speaker=sum(speaker_matches(f["speaker"], s["speaker"]) for _, f, s in ag.pairs),
        sided=len(sided),
        same_side=sum(side(f["p"]) == side(s["p"]) for f, s in sided),
        same_polarity=sum(f["polarity"] == s["polarity"] for _, f, s in ag.pairs),
        mean_abs_dp=sum(dps) / len(dps) if dps else 0.0,
    )


def rows(ag: Agreement) -> list[str]:
    """One line per pair that disagrees on speaker or side, and per forecast only one labeller marked."""
    out: list[str] = []
    for art, f, s in ag.pairs:
        marks = []
        if not speaker_matches(f["speaker"], s["speaker"]):
            marks.append(f"speaker {f['speaker']!r} / {s['speaker']!r}")
        if side(f["p"]) and side(s["p"]) and side(f["p"]) != side(s["p"]):
            marks.append(f"side p {f['p']} ({f['event']}) / {s['p']} ({s['event']})")
        if marks:
            out.append(f"{art} BOTH {s['quote'][:70]!r}: " + "; ".join(marks))
    for tag, items in (("FIRST ONLY", ag.only_first), ("SECOND ONLY", ag.only_second)):
        for art, lab in items:
            out.append(f"{art} {tag} {lab['quote'][:90]!r} [{lab['hedge']}] p {lab['p']}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--second", type=Path, default=SECOND, help="the second labelling (default: %(default)s)")
    parser.add_argument("--rows", action="store_true", help="list every disagreement")
    args = parser.parse_args(argv)
    second = load_labels(args.second)
    ag = compare(load_first(list(second)), second)
    print(f"{len(second)} articles: {', '.join(second)}")
    print("\n".join(figures(ag).lines()))
    if args.rows:
        print("\n".join(rows(ag)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
