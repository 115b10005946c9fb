"""How long `tracker extract` takes per megabyte of text, at several sizes in one run.

    python benchmarks/extract_bench.py                       # 0.1, 1 and 4.9 MB
    python benchmarks/extract_bench.py --sizes 0.1,1 --reps 3 --json out.json

The text is built from the seed articles' paragraphs (and the development corpus's, when it is there),
shuffled with a fixed seed and repeated until the size is reached: real prose, with its headlines,
quotations and hedges, at any length. A second text of each size has no sentence end at all (one line of
words, capitalised ones among them), the worst case for segmentation and the speaker patterns.

Each row: the size, the extractor's time (the scale compiled once before, as `tracker extract` on a folder
does), seconds per MB, and beside it, measured in the same run, a floor: one regex pass over the same text
(finding its words), which no extractor can beat. The ratio of s/MB at the largest size to s/MB at the
smallest says whether time grows faster than the input (1.0 is linear). The load average is printed before
and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

MB = 1_000_000


def _paragraphs() -> list[str]:
    files = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests" / "data" / "extract").glob("**/*.txt"))
    out: list[str] = []
    for path in files:
        out += [p.strip() for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip()]
    return out


def prose(size: int, seed: int = 7) -> str:
    """About ``size`` characters of article text: the paragraphs shuffled, repeated, cut at a paragraph."""
    paras = _paragraphs()
    rng = random.Random(seed)
    parts: list[str] = []
    length = 0
    while length < size:
        batch = paras[:]
        rng.shuffle(batch)
        for p in batch:
            parts.append(p)
            length += len(p) + 2
            if length >= size:
                break
    return "\n\n".join(parts)[:size]


def one_line(size: int, seed: int = 7) -> str:
    """``size`` characters of words without a stop or a line break, a third of them capitalised."""
    words = re.findall(r"[A-Za-z]+", " ".join(_paragraphs()))
    rng = random.Random(seed)
    parts: list[str] = []
    length = 0
    while length < size:
        w = rng.choice(words)
        w = w.capitalize() if rng.random() < 0.33 else w.lower()
        parts.append(w)
        length += len(w) + 1
    return " ".join(parts)[:size]


def _time(fn: Any, reps: int) -> float:
    runs = []
    for _ in range(reps):
        began = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - began)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="0.1,1,4.9", help="sizes in MB, comma-separated")
    parser.add_argument("--reps", type=int, default=1, help="runs per size (the median is kept)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)

    from tracker.domain.verbal import load_scale
    from tracker.extract import HedgeFinder, extract

    finder = HedgeFinder(load_scale())
    extract("A warm-up sentence that will probably do.", finder=finder)
    word = re.compile(r"\w+")
    sizes = [float(s) for s in args.sizes.split(",") if s.strip()]
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    rows: list[dict[str, Any]] = []
    for kind, make in (("prose", prose), ("one-line", one_line)):
        for mb in sizes:
            text = make(int(mb * MB))
            found: list[int] = []
            seconds = _time(lambda t=text, f=found: f.append(len(extract(t, finder=finder).candidates)), args.reps)
            floor = _time(lambda t=text: word.findall(t), args.reps)
            size_mb = len(text.encode("utf-8")) / MB
            row = {
                "text": kind,
                "mb": round(size_mb, 3),
                "seconds": round(seconds, 3),
                "s_per_mb": round(seconds / size_mb, 3),
                "floor_s_per_mb": round(floor / size_mb, 4),
                "candidates": found[-1],
            }
            rows.append(row)
            print(
                f"{kind:8} {row['mb']:7.3f} MB  {row['seconds']:8.3f} s  {row['s_per_mb']:7.3f} s/MB  "
                f"(floor {row['floor_s_per_mb']:.4f} s/MB)  {row['candidates']} candidates",
                flush=True,
            )
        mine = [r for r in rows if r["text"] == kind]
        if len(mine) > 1:
            growth = mine[-1]["s_per_mb"] / mine[0]["s_per_mb"]
            print(f"{kind:8} s/MB at {mine[-1]['mb']} MB / s/MB at {mine[0]['mb']} MB: {growth:.2f} (1.0 is linear)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
