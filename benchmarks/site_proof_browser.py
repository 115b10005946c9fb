"""Browser verification of a page's proof (issue 24's goal: <= 50 ms a page), in Debian's Chromium over file://.

A page is made the way tracker.app.siteproofs makes one, in a log of --leaves leaves (1M by default: inclusion paths
of 20 hashes): N events of the page, each with its text and path, against a signed checkpoint. Each page is loaded
--reps times; verify.js measures itself (performance.now() around the whole check: parsing the key and the note,
the Ed25519 signature, and per event the SHA-256 of its text and the climb to the root) and writes the figure into
the page, which is read back. The reference, in the same browser and run, is the same number of bare
`crypto.subtle.digest("SHA-256")` calls on 64-byte inputs, one after another: what the Merkle part costs at the
least.

    .venv/bin/python benchmarks/site_proof_browser.py --leaves 1M --events 1,20,100,500 --reps 9
    .venv/bin/python benchmarks/site_proof_browser.py --script old/verify.js --script tracker/templates/verify.js
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
from pathlib import Path

from tracker.app import siteproofs
from tracker.domain.merkle import MerkleTree, leaf_hash
from tracker.domain.notes import Checkpoint, b64encode, generate_signer, sign_checkpoint

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head><body>
<p id="proof-status" data-state="pending">checking</p>{block}<p id="ref">pending</p>
<script src="verify.js"></script><script src="ref.js"></script></body></html>"""

REF = """(async () => {
  const n = %d, data = new Uint8Array(65); const t0 = performance.now();
  for (let i = 0; i < n; i++) { data[0] = 1; await crypto.subtle.digest("SHA-256", data); }
  document.getElementById("ref").textContent = (performance.now() - t0).toFixed(1);
})();"""


def event_text(position: int) -> str:
    """An event's chain text of the generator's median size (about 700 bytes), at `position`."""
    payload = json.dumps(
        {
            "forecast_id": f"bench-forecast-{position}",
            "question_id": "bench-question-0001",
            "forecaster": "Bench Forecaster",
            "forecaster_id": "bench-forecaster",
            "probabilities": {"yes": 0.35, "no": 0.65},
            "made_at": "2025-03-01",
            "quote": "It is more likely than not that the talks fail before the summer, and I would put it at a third.",
            "source_id": "bench-source-0001",
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    content = {
        "actor": "bench",
        "event_id": f"{position:032x}",
        "event_type": "ForecastRecorded",
        "occurred_at": "2025-03-01T00:00:00Z",
        "payload": payload,
        "position": position,
        "recorded_at": "2025-03-02T10:00:00Z",
        "schema_version": 1,
        "stream_id": "question-bench-question-0001",
        "stream_version": 7,
    }
    return "0" * 64 + json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def count(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leaves", default="1M")
    ap.add_argument("--events", default="1,20,100,500")
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument(
        "--script", action="append", default=[], help="verify.js files to compare, in turn (default: the shipped one)"
    )
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    leaves_n = count(args.leaves)
    sizes = [int(x) for x in args.events.split(",")]
    most = max(sizes)
    step = leaves_n // (most + 1)
    positions = [(i + 1) * step for i in range(most)]
    texts = {p: event_text(p) for p in positions}
    leaves = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(leaves_n)]
    for p, text in texts.items():
        leaves[p - 1] = leaf_hash(hashlib.sha256(text.encode("utf-8")).digest())
    tree = MerkleTree(leaves)
    signer = generate_signer("bench.example/log")
    note = sign_checkpoint(Checkpoint(signer.name, tree.size, tree.root()), signer)
    print(f"load {Path('/proc/loadavg').read_text().split()[:3]}, {leaves_n} leaves, chromium {args.chromium}")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        scripts = {name: Path(name).read_bytes() for name in args.script} or {"verify.js": siteproofs.script()}
        browser = pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        for n in sizes:
            chosen = positions[:: max(1, most // n)][:n]
            entries = [
                {"index": p - 1, "event": texts[p], "path": [b64encode(h) for h in tree.inclusion_proof(p - 1)]}
                for p in chosen
            ]
            body = {"format": siteproofs.PAGE_FORMAT, "key": signer.verifier.vkey, "checkpoint": note,
                    "entries": entries, "unsigned": []}  # fmt: skip
            block = siteproofs._json_block("tracker-proof", body)
            html = PAGE.format(block=block)
            (folder / f"p{n}.html").write_text(html, encoding="utf-8")
            hashes = 2 * n + sum(len(e["path"]) for e in entries)  # leaf and chain hash, then the climb
            (folder / "ref.js").write_text(REF % hashes)
            ours: dict[str, list[float]] = {name: [] for name in scripts}
            ref: list[float] = []
            for _, name in ((r, name) for r in range(args.reps) for name in scripts):
                (folder / "verify.js").write_bytes(scripts[name])
                page.goto((folder / f"p{n}.html").as_uri())
                page.wait_for_function("document.getElementById('proof-status').dataset.state !== 'pending'")
                page.wait_for_function("document.getElementById('ref').textContent !== 'pending'")
                state = page.get_attribute("#proof-status", "data-state")
                if state != "verified":
                    sys.exit(f"not verified: {page.inner_text('#proof-status')}")
                ours[name].append(float(page.get_attribute("#proof-status", "data-ms") or 0))
                ref.append(float(page.inner_text("#ref")))
            proof_bytes = len(str(block)) - sum(len(json.dumps(e["event"])) for e in entries)
            times = "; ".join(
                f"{name} median {statistics.median(t):7.1f} ms [{min(t):.1f}-{max(t):.1f}]" for name, t in ours.items()
            )
            print(
                f"{n:>4} events: {times}; bare SHA-256 x{hashes}: {statistics.median(ref):7.1f} ms; "
                f"block {len(str(block)):,} B, without the events' texts {proof_bytes:,} B "
                f"({proof_bytes / n:,.0f} B an event)"
            )
        browser.close()
    print(f"load {Path('/proc/loadavg').read_text().split()[:3]}")


if __name__ == "__main__":
    main()
