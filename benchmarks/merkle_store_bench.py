"""The stored Merkle tree's costs on a real ledger (tracker.store.merkletree).

    python benchmarks/merkle_store_bench.py --ledger COPY_OF_1M.sqlite --small COPY_OF_100K.sqlite

Both ledgers are changed (upgraded, appended to): pass copies. Figures, each with a reference from the same run:
- build: migration 0010 over the big ledger (the table made and every node written), against reading the
  events' chain hashes alone (the pass any build needs);
- append: one forecast recorded (`Ledger.record_forecast`, its own transaction) on the small ledger, with the
  tree kept against the same with `merkletree.extend` made a no-op, in alternating rounds: the cost the tree adds;
- proof: the inclusion path of a random event from the stored nodes, against reading that event's row;
- proof-size: a `tracker proof` file at the big ledger's size: the path and the signed checkpoint, and the event.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.app.ledger import Ledger  # noqa: E402
from tracker.domain.notes import Checkpoint, TlogProof, generate_signer, sign_checkpoint  # noqa: E402
from tracker.store import merkletree, migrate  # noqa: E402
from tracker.store.db import make_engine, read_transaction  # noqa: E402
from tracker.store.merklelog import stored_row  # noqa: E402


def build(url: str) -> None:
    engine = make_engine(url)
    t = time.perf_counter()
    with read_transaction(engine) as conn:
        n = sum(1 for _ in merkletree._event_hashes(conn))
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    before, after = migrate.upgrade(engine)
    build_s = time.perf_counter() - t
    print(
        f"build: {n} events, migration {before} -> {after} in {build_s:.2f} s; reading the hashes alone "
        f"{read_s:.2f} s (ratio {build_s / read_s:.2f})"
    )
    engine.dispose()


def append(url: str, rounds: int, per_round: int) -> None:
    led = Ledger(url, actor="bench")
    led.init()
    qid = led.open_question("Bench?", "YES if so", question_id="bench-merkle", opened=date(2000, 1, 1))
    real = merkletree.extend
    timings: dict[str, list[float]] = {"tree": [], "none": []}
    k = 0
    for r in range(rounds):
        for mode in ("tree", "none") if r % 2 == 0 else ("none", "tree"):
            merkletree.extend = real if mode == "tree" else (lambda *a, **kw: None)  # type: ignore[assignment]
            t = time.perf_counter()
            for _ in range(per_round):
                led.record_forecast(qid, f"Bench {k % 50}", 0.5, date(2020, 1, 1))
                k += 1
            timings[mode].append((time.perf_counter() - t) / per_round)
            if mode == "none":  # the tree lags the events appended without it: rebuild it (not timed)
                merkletree.extend = real  # type: ignore[assignment]
                _catch_up(led)
    # The share of an append spent inside `extend`, timed within the same appends (robust to the machine's load).
    spent = [0.0]

    def timed(*a: object, **kw: object) -> None:
        t0 = time.perf_counter()
        real(*a, **kw)  # type: ignore[arg-type]
        spent[0] += time.perf_counter() - t0

    merkletree.extend = timed  # type: ignore[assignment]
    t = time.perf_counter()
    for _ in range(per_round * 2):
        led.record_forecast(qid, f"Bench {k % 50}", 0.5, date(2020, 1, 1))
        k += 1
    total = time.perf_counter() - t
    print(
        f"append-share: merkletree.extend took {spent[0] / total:.3%} of {per_round * 2} appends' time "
        f"({spent[0] / (per_round * 2) * 1e6:.0f} us of {total / (per_round * 2) * 1e3:.2f} ms each)"
    )
    merkletree.extend = real  # type: ignore[assignment]
    ratios = [a / b for a, b in zip(timings["tree"], timings["none"], strict=True)]
    print(
        f"append: {statistics.median(timings['tree']) * 1000:.2f} ms with the tree, "
        f"{statistics.median(timings['none']) * 1000:.2f} ms without; median ratio {statistics.median(ratios):.3f} "
        f"[{min(ratios):.3f}, {max(ratios):.3f}] over {rounds} rounds of {per_round}"
    )
    led.close()


def _catch_up(led: Ledger) -> None:
    from sqlalchemy import text

    with led.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS merkle_nodes_no_delete"))
        conn.execute(text("DELETE FROM merkle_nodes"))
        merkletree.build(conn)


def proof(url: str, count: int) -> None:
    engine = make_engine(url)
    rng = random.Random(7)
    with read_transaction(engine) as conn:
        n = merkletree.size(conn)
        picks = [rng.randrange(n) for _ in range(count)]
        t = time.perf_counter()
        paths = [merkletree.inclusion_proof(conn, i, n) for i in picks]
        proof_s = (time.perf_counter() - t) / count
        t = time.perf_counter()
        rows = [stored_row(conn, i + 1) for i in picks]
        row_s = (time.perf_counter() - t) / count
        root = merkletree.root(conn, n)
    signer = generate_signer("news.example/forecasts")
    note = sign_checkpoint(Checkpoint(signer.name, n, root), signer)
    from tracker.store import eventstore as es

    i = picks[0]
    extra = es.chain_text(rows[0]).encode()  # type: ignore[arg-type]
    whole = TlogProof(i, tuple(paths[0]), note, extra).text
    bare = TlogProof(i, tuple(paths[0]), note, None).text
    print(
        f"proof: {proof_s * 1000:.3f} ms for a path from the stored nodes at {n} events; reading the event's row "
        f"{row_s * 1000:.3f} ms (ratio {proof_s / row_s:.2f})"
    )
    print(
        f"proof-size: path {len(paths[0])} hashes; without the event {len(bare.encode())} bytes (path + "
        f"checkpoint), the whole file {len(whole.encode())} bytes"
    )
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--small", required=True)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--appends", type=int, default=100)
    ap.add_argument("--proofs", type=int, default=2000)
    args = ap.parse_args()
    big, small = (f"sqlite:///{Path(p).resolve()}" for p in (args.ledger, args.small))
    build(big)
    proof(big, args.proofs)
    migrate.upgrade(make_engine(small))
    append(small, args.rounds, args.appends)


if __name__ == "__main__":
    main()
