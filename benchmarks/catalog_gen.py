"""A seeded catalog in the documented YAML format (predictions/README.md), for the catalog-import case.

    write_catalog(root, questions=10_000)   # root/predictions/questions/*.yaml, forecasts/*.yaml, root/seeds/

Shaped like the real catalog (1,153 questions and 2,084 forecasts from public forecasting platforms): about
1.8 forecasts per question, half of them verbal (a phrase of the scale and a reading), half judgement with
a rationale; 80% of questions resolved, 5% annulled; one source per five questions, each with a seed file
holding its quotes verbatim (so the import checks them, as it does a real catalog). Questions are written
1,000 to a file under predictions/questions/.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

PER_FILE = 1000
VERBAL = [("unlikely", "is unlikely to"), ("likely", "is likely to"), ("probably", "probably")]


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True, sort_keys=False)


def write_catalog(root: Path, questions: int = 10_000, seed: int = 7, one_file: bool = False) -> dict[str, int]:
    """Write the catalog under `root`; the counts of what it holds (events an import appends included).
    `one_file`: every question in predictions/questions.yaml (as a catalog before questions/ was read)."""
    rng = random.Random(seed)
    start = date(2019, 1, 1)
    n_sources = max(1, questions // 5)
    sources: list[dict[str, Any]] = []
    seed_lines: list[list[str]] = [[] for _ in range(n_sources)]
    forecasts: list[list[dict[str, Any]]] = [[] for _ in range(n_sources)]
    qs: list[dict[str, Any]] = []
    counts = {"questions": questions, "sources": n_sources, "forecasts": 0, "resolutions": 0, "annulments": 0}
    for i in range(n_sources):
        published = start + timedelta(days=rng.randrange(0, 1500))
        sources.append(
            {
                "id": f"src-{i:06d}",
                "file": f"s{i:06d}.txt",
                "title": f"Article {i} on the outlook",
                "outlet": rng.choice(["Outlet A", "Outlet B", "Outlet C"]),
                "authors": [f"Author {rng.randrange(500)}"],
                "published": published.isoformat(),
                "date_basis": "stated",
                "url": f"https://example.org/articles/{i}",
                "notes": None,
            }
        )
    for q in range(questions):
        qid = f"q-{q:06d}"
        src = q % n_sources
        made = date.fromisoformat(sources[src]["published"])
        entry: dict[str, Any] = {
            "id": qid,
            "title": f"Will event {q} happen by its deadline?",
            "criteria": f"Resolves YES if event {q} is reported by two major outlets before the deadline.",
            "type": "binary",
            "opened": made.isoformat(),
            "resolve_by": (made + timedelta(days=rng.randrange(30, 700))).isoformat(),
            "tags": [f"topic-{q % 40}"],
            "condition": None,
        }
        roll = rng.random()
        if roll < 0.80:
            entry["resolution"] = {
                "outcome": rng.choice(["yes", "no"]),
                "known_on": (made + timedelta(days=rng.randrange(1, 30))).isoformat(),
                "evidence": f"Reported on the day (item {q}).",
            }
            counts["resolutions"] += 1
        elif roll < 0.85:
            entry["annulment"] = {"on": (made + timedelta(days=1)).isoformat(), "reason": "ambiguous: no clear report"}
            counts["annulments"] += 1
        qs.append(entry)
        for k in range(2 if rng.random() < 0.8 else 1):
            forecaster = f"Forecaster {rng.randrange(2000)}"
            fid = f"f-{q:06d}-{k}"
            if rng.random() < 0.5:
                phrase, hedge = rng.choice(VERBAL)
                quote = f"Event {q} {hedge} happen, said {forecaster} ({k})."
                f: dict[str, Any] = {
                    "id": fid,
                    "question": qid,
                    "forecaster": forecaster,
                    "made_at": made.isoformat(),
                    "quote": quote,
                    "hedge": hedge,
                    "says": phrase,
                    "reading": rng.choice(["affirms", "negates"]),
                    "rationale": "The hedged statement is the question's event.",
                }
            else:
                quote = f"{forecaster} expects event {q} to go ahead ({k})."
                f = {
                    "id": fid,
                    "question": qid,
                    "forecaster": forecaster,
                    "role": "analyst",
                    "made_at": made.isoformat(),
                    "quote": quote,
                    "p": round(rng.uniform(0.05, 0.95), 2),
                    "method": "judgement",
                    "rationale": "A flat statement read as a probability.",
                }
            seed_lines[src].append(quote)
            forecasts[src].append(f)
            counts["forecasts"] += 1
    seeds = root / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for i, lines in enumerate(seed_lines):
        (seeds / f"s{i:06d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _dump(seeds / "sources.yaml", {"schema": 1, "sources": sources})
    pred = root / "predictions"
    if one_file:
        _dump(pred / "questions.yaml", {"schema": 1, "questions": qs})
    for n in range(0, questions if not one_file else 0, PER_FILE):
        _dump(pred / "questions" / f"q{n // PER_FILE:04d}.yaml", {"schema": 1, "questions": qs[n : n + PER_FILE]})
    for i, fs in enumerate(forecasts):
        if fs:
            _dump(pred / "forecasts" / f"src-{i:06d}.yaml", {"schema": 1, "source": f"src-{i:06d}", "forecasts": fs})
    counts["events"] = n_sources + questions + counts["forecasts"] + counts["resolutions"] + counts["annulments"]
    return counts
