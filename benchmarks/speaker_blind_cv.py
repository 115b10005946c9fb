"""The learned speaker choice over the rules as they stood blind to each file (issue 22).

    python benchmarks/speaker_blind_cv.py

`python -m tracker.extract.train_speakers --loco` holds each corpus file out of the model's training, but not out of
the rules': every file's misses have since been read and rules made for them, so the rules' pick it compares with,
and learns to trust, is the pick of rules tuned on that very file. Here the rules' pick of each file is the one the
extractor made at the commit that brought the file's labels in (c, d, e, f, i as tune files; g, h, j, k, l as blind
sets, measured by aggregates only before their rows were read), which had never seen them: the state new articles
meet. Each commit's ``tracker`` is unpacked (``git archive``) into a temporary folder this script creates and removes
and run in a child process, on this tree's article texts; it gives each found forecast's speaker and every sentence's
speaker. The candidates and features are this tree's, with those old picks in place of the rules'. Forecasts found by
both trees count. Leave-one-file-out over the ten files: a model trained on the other nine against the old rules.
corpus-a and corpus-b grew over many commits and are left out; the sealed sets are never opened.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tracker.domain.verbal import load_scale  # noqa: E402
from tracker.extract import train_speakers as ts  # noqa: E402
from tracker.extract.core import extract  # noqa: E402
from tracker.extract.evaluate import _best, corpus_articles  # noqa: E402
from tracker.extract.hedges import HedgeFinder  # noqa: E402
from tracker.extract.segment import paragraphs, sentences  # noqa: E402
from tracker.extract.speaker_model import SpeakerChooser  # noqa: E402
from tracker.extract.speakers import Speaker  # noqa: E402

# The commit that added each file (git log --diff-filter=A -- tests/data/extract/corpus-X.yaml).
FIRST = {
    "c": "0d475e6",
    "d": "76a9706",
    "e": "4c1be89",
    "f": "c37cb56",
    "g": "73940ce",
    "h": "fc75960",
    "i": "48bfebc",
    "j": "ea8d507",
    "k": "e896cf8",
    "l": "a114db3",
}

RUNNER = r"""
import json, sys
from tracker.extract.core import extract, quote_matches
from tracker.extract.segment import paragraphs, sentences
from tracker.extract.speakers import attribute

data = json.loads(open(sys.argv[1], encoding="utf-8").read())
out = {}
for aid, item in data.items():
    text = item["text"]
    cands = extract(text).candidates
    hits = []
    for quote in item["quotes"]:
        found = [c for c in cands if quote_matches(c.quote, quote)]
        if not found:
            hits.append(None)
            continue
        sp = min(found, key=lambda c: len(c.quote)).speaker
        hits.append([sp.name, sp.role, sp.confidence, sp.basis, sp.kind])
    paras = paragraphs(text)
    sents = sentences(text, paras)
    said = attribute(text, paras, sents)
    out[aid] = {"hits": hits, "sents": [[s.start, sp.name, sp.role, sp.confidence, sp.basis, sp.kind]
                                        for s, sp in zip(sents, said)]}
print(json.dumps(out))
"""


def _old(commit: str, articles: list[dict], tmp: Path) -> dict:
    tree = tmp / commit
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "tracker"], capture_output=True, check=True
    ).stdout
    tar_path = tmp / f"{commit}.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(tree, filter="data")
    inputs = tmp / f"{commit}.json"
    inputs.write_text(
        json.dumps({a["id"]: {"text": a["text"], "quotes": [f["quote"] for f in a["forecasts"]]} for a in articles}),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(inputs)],
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def _speaker(row: list) -> Speaker:
    return Speaker(row[0], row[1], float(row[2]), row[3], row[4])


def blind_groups(letter: str, commit: str, tmp: Path, finder: HedgeFinder) -> list[ts.Group]:
    articles = corpus_articles(ROOT, [letter])
    old = _old(commit, articles, tmp)
    out = []
    for article in articles:
        text = article["text"]
        then = old[article["id"]]
        paras = paragraphs(text)
        sents = sentences(text, paras)
        starts = [row[0] for row in then["sents"]]
        said = []
        for s in sents:  # the old speaker of the old sentence holding this one's start
            k = max((n for n, b in enumerate(starts) if b <= s.start), default=0)
            said.append(
                _speaker(then["sents"][k][1:]) if then["sents"] else Speaker("the author", None, 0.5, "", "author")
            )
        chooser = SpeakerChooser(text, paras, sents, speakers=said)
        by_start = {s.start: s.index for s in sents}
        now = extract(text, finder=finder, rules_only=True).candidates
        for f, hit_then in zip(article["forecasts"], then["hits"], strict=True):
            hit = _best(now, f["quote"])
            if hit is None or hit_then is None:
                continue
            rule = _speaker(hit_then)
            hedge = hit.reading.hedge
            choices = chooser.candidates(by_start[hit.start], (hedge.start, hedge.end), rule)
            out.append(
                ts.Group(
                    letter,
                    article["id"],
                    tuple(c.x for c in choices),
                    tuple(ts.right(c.speaker, f["speaker"]) for c in choices),
                    tuple(c.speaker.name for c in choices),
                    f["speaker"],
                    ts.right(rule, f["speaker"]),
                )
            )
    return out


def main() -> int:
    finder = HedgeFinder(load_scale())
    groups: list[ts.Group] = []
    with tempfile.TemporaryDirectory(prefix="speaker-blind-cv-") as tmp:
        for letter, commit in FIRST.items():
            groups += blind_groups(letter, commit, Path(tmp), finder)
            print(f"corpus-{letter} at {commit}: {sum(g.file == letter for g in groups)} forecasts", file=sys.stderr)
    rows = ts.loco(groups, list(FIRST))
    newest = [r for r in rows if r["file"] in ts.NEWEST]
    print(ts._table([*rows, ts.pooled(rows, "pooled"), ts.pooled(newest, "k+l")]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
