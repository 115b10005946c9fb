"""The speaker rules on each tune file before any rule was chosen on it (issue 22): the extractor as it stood in the
commit that added the file's labels, run on that file's articles, beside the extractor of this tree on the same file.

    python benchmarks/speaker_first_run.py

A file's labels were committed before any run on its articles, so the rules of that commit had never seen them: the
"then" column is a blind figure for the rules of that day, the "now" column the figure after rounds of rules chosen
on the file's misses. corpus-a and corpus-b grew over several commits (their check halves were moved to the tune
half later) and are left out; the blind check sets are never opened. Each commit's ``tracker`` package is
unpacked with ``git archive`` into a temporary folder this script creates and removes, and run in a child process;
both columns are counted the same way (a label is found by the shortest candidate whose quote matches it; its speaker
is right by ``speaker_matches`` or when both are the author), with this tree's labels.
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

# The commit that added each file's labels (git log --diff-filter=A -- tests/data/extract/corpus-X.yaml).
FIRST_RUN = {"c": "0d475e6", "d": "76a9706", "e": "4c1be89", "f": "c37cb56", "i": "48bfebc"}

RUNNER = r"""
import json, re, sys
from pathlib import Path
import yaml
from tracker.extract.core import extract, quote_matches

corpus = Path(sys.argv[1])
NOT = {"the", "a", "an", "of", "and", "number", "some", "many", "unnamed", "as", "described", "by"}

def words(name):
    name = re.sub(r"\([^)]*\)", " ", name)
    return {w for w in re.findall(r"[a-z]{3,}", name.lower()) if w not in NOT}

out = {}
for letter in sys.argv[2:]:
    articles = yaml.safe_load((corpus / f"corpus-{letter}.yaml").read_text(encoding="utf-8"))["articles"]
    found = right = labels = 0
    for article in articles:
        if article["split"] != "tune":
            raise SystemExit(f"corpus-{letter}.yaml holds check articles")
        text = (corpus / article["file"]).read_text(encoding="utf-8")
        candidates = extract(text).candidates
        for f in article["forecasts"]:
            labels += 1
            hits = [c for c in candidates if quote_matches(c.quote, f["quote"])]
            if not hits:
                continue
            hit = min(hits, key=lambda c: len(c.quote))
            found += 1
            right += bool(words(hit.speaker.name) & words(f["speaker"])) or (
                hit.speaker.kind == "author" and "author" in f["speaker"].lower()
            )
    out[letter] = {"articles": len(articles), "labels": labels, "found": found, "speaker": right}
print(json.dumps(out))
"""


def _run(tree: Path, letters: list[str]) -> dict[str, dict[str, int]]:
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(ROOT / "tests" / "data" / "extract"), *letters],
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        cwd=tree,  # "-c" puts the working folder first on the path: it must be the tree measured
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, dict[str, int]] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> int:
    now = _run(ROOT, list(FIRST_RUN))
    print(
        f"{'file':<5}{'commit':<10}{'articles':>9}{'labels':>8}"
        f"{'then: speaker / found':>26}{'now: speaker / found':>26}"
    )
    totals = [0, 0, 0, 0]
    with tempfile.TemporaryDirectory(prefix="speaker-first-run-") as tmp:
        for letter, commit in FIRST_RUN.items():
            tree = Path(tmp) / commit
            tree.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "tracker"], capture_output=True, check=True
            ).stdout
            tar_path = Path(tmp) / f"{commit}.tar"
            tar_path.write_bytes(archive)
            with tarfile.open(tar_path) as tar:
                tar.extractall(tree, filter="data")
            then = _run(tree, [letter])[letter]
            n = now[letter]
            totals = [
                totals[0] + then["speaker"],
                totals[1] + then["found"],
                totals[2] + n["speaker"],
                totals[3] + n["found"],
            ]
            cells = [
                f"{then['speaker']} / {then['found']} = {then['speaker'] / then['found']:.1%}",
                f"{n['speaker']} / {n['found']} = {n['speaker'] / n['found']:.1%}",
            ]
            print(f"{letter:<5}{commit:<10}{n['articles']:>9}{n['labels']:>8}{cells[0]:>26}{cells[1]:>26}")
    cells = [
        f"{totals[0]} / {totals[1]} = {totals[0] / totals[1]:.1%}",
        f"{totals[2]} / {totals[3]} = {totals[2] / totals[3]:.1%}",
    ]
    print(f"{'all':<5}{'':<10}{'':>9}{'':>8}{cells[0]:>26}{cells[1]:>26}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
