"""The folder part of a site rebuild, this tree's `tracker.app.sitefolder` against another revision's, in CPU.

    python benchmarks/site_folder_bench.py --files 100000 --rounds 3 --against a9ae3c8~1

A folder of ``--files`` pages (three subject folders) with a manifest, made once under a temporary folder and
aged an hour; then, alternating the two versions in one process, what a rebuild that makes 13 new pages does
with the folder: the survey, the check before the move (the other revision's second survey, or this tree's
`recheck` when it has one), and `publish` (the pending manifest, the moves, the final manifest). No ledger and
no page rendering: those are `site_incremental.py`'s. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

NEW_PAGES = 13  # what a rebuild after one sourced forecast wrote at 1M (BENCHMARKS.md)


def other_version(rev: str, folder: Path) -> ModuleType:
    text = subprocess.run(
        ["git", "-C", str(HERE.parent), "show", f"{rev}:tracker/app/sitefolder.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = folder / "sitefolder_other.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("sitefolder_other", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def make_folder(sf: ModuleType, out: Path, n: int) -> None:
    files = {}
    old = time.time_ns() - 3600 * 10**9
    for i in range(n):
        rel = f"{('questions', 'forecasters', 'sources')[i % 3]}/p{i:07d}.html"
        data = f"<p>page {i}</p>".encode() * 100
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, ns=(old, old))
        files[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "inputs": "x"}
        files[rel] |= sf.stat_entry(os.lstat(path))
    (out / sf.MANIFEST).write_text(sf.Manifest(files=files, state="s", summary={}).text(), encoding="utf-8")


def rebuild(sf: ModuleType, out: Path, k: int) -> tuple[float, float, float]:
    """CPU seconds of the survey, the check before the move and the publishing."""
    t0 = time.process_time()
    found = sf.survey(out)
    tmp = out / f"{sf.BUILD_PREFIX}{k:08x}"
    (tmp / "questions").mkdir(parents=True)
    written: dict[str, dict[str, Any]] = {rel: dict(e) for rel, e in sf.previous_files(found).items()}
    for j in range(NEW_PAGES):
        rel = f"questions/p{j * 3:07d}.html"
        data = f"<p>round {k}, page {j}</p>".encode() * 50
        (tmp / rel).write_bytes(data)
        written[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "inputs": "y"}
    t1 = time.process_time()
    again = sf.recheck(out, found, written) if hasattr(sf, "recheck") else sf.survey(out)
    t2 = time.process_time()
    sf.publish(out, tmp, written, again, "s", {})
    t3 = time.process_time()
    shutil.rmtree(tmp)
    return t1 - t0, t2 - t1, t3 - t2


def main() -> None:
    from tracker.app import sitefolder

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", default="main", help="the revision to compare with")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="site-folder-") as tmp:
        versions = {args.against: other_version(args.against, Path(tmp)), "this tree": sitefolder}
        out = Path(tmp) / "site"
        make_folder(sitefolder, out, args.files)
        totals: dict[str, list[float]] = {name: [] for name in versions}
        k = 0
        for _ in range(args.rounds):
            for name, sf in versions.items():
                k += 1
                survey, check, publish = rebuild(sf, out, k)
                totals[name].append(survey + check + publish)
                print(
                    f"{name:>12}: survey {survey:.2f}, check {check:.2f}, publish {publish:.2f}, "
                    f"total {survey + check + publish:.2f} s CPU",
                    flush=True,
                )
        this, other = totals["this tree"], totals[args.against]
        print("this tree / other, per round:", ", ".join(f"{a / b:.2f}" for a, b in zip(this, other, strict=True)))
    print(f"load average after: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
