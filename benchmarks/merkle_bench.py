"""The Merkle log's costs: building the tree, a proof, a proof file's size, and the tree pass over a ledger.

    python benchmarks/merkle_bench.py                           # the tree at 1M leaves; ledgers of 10k and 100k
    python benchmarks/merkle_bench.py --leaves 1M --ledgers 10k --reps 3

Each figure has a reference measured in the same run, in alternation (A B A B ...), and the ratio is the median
of the per-round ratios:
- tree-build: `MerkleTree` over N leaf inputs (32-byte chain hashes) against the floor of the same work, the
  2N - 1 SHA-256 calls of the tree done in a bare loop with no tree kept;
- proof: one inclusion proof of a random leaf of the N-leaf tree, against verifying that proof;
- consistency-proof: a consistency proof between two random sizes, against verifying it;
- ledger-tree: `tracker checkpoint`'s pass over a generated ledger (the chain re-checked and the tree built),
  against `verify_chain` alone (the same pass without the tree);
- proof-file: the bytes of a `tracker proof` file at N leaves: the path and the signed checkpoint (which depend on
  N) and the event (which does not).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from cases import ACTOR, RECORDED_AT, median  # noqa: E402
from run import parse_size  # noqa: E402

from tracker.domain.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion  # noqa: E402
from tracker.domain.notes import Checkpoint, TlogProof, generate_signer, sign_checkpoint  # noqa: E402


def alternate(reps: int, a: Any, b: Any) -> tuple[list[float], list[float]]:
    ta, tb = [], []
    for _ in range(reps):
        for fn, out in ((a, ta), (b, tb)):
            started = time.perf_counter()
            fn()
            out.append(time.perf_counter() - started)
    return ta, tb


def ratio(ta: list[float], tb: list[float]) -> str:
    rs = sorted(x / y for x, y in zip(ta, tb, strict=True))
    return f"{median(rs):.2f} [{rs[0]:.2f}–{rs[-1]:.2f}]"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def tree_figures(n: int, reps: int) -> list[dict[str, Any]]:
    leaves = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(n)]
    tree = MerkleTree()

    def build() -> None:
        nonlocal tree
        tree = MerkleTree(leaf_hash(x) for x in leaves)

    def floor() -> None:
        sha = hashlib.sha256
        node = b"\x01" + bytes(64)
        for x in leaves:
            sha(b"\x00" + x).digest()
        for _ in range(n - 1):
            sha(node).digest()

    t_build, t_floor = alternate(reps, build, floor)
    out = [
        {
            "figure": f"tree-build {n:,}",
            "ours": f"{median(t_build):.2f} s",
            "reference": f"SHA-256 floor {median(t_floor):.2f} s",
            "ratio": ratio(t_build, t_floor),
        }
    ]
    rng = random.Random(7)
    root = tree.root()
    indices = [rng.randrange(n) for _ in range(2000)]
    proofs = [tree.inclusion_proof(i) for i in indices]

    def prove() -> None:
        for i in indices:
            tree.inclusion_proof(i)

    def verify() -> None:
        for i, p in zip(indices, proofs, strict=True):
            verify_inclusion(i, n, leaf_hash(leaves[i]), p, root)

    t_prove, t_verify = alternate(reps, prove, verify)
    out.append(
        {
            "figure": f"proof at {n:,}",
            "ours": f"{median(t_prove) / len(indices) * 1e6:.0f} µs",
            "reference": f"verify {median(t_verify) / len(indices) * 1e6:.0f} µs",
            "ratio": ratio(t_prove, t_verify),
            "path_hashes": len(proofs[0]),
        }
    )
    pairs = sorted((rng.randrange(1, n), n) for _ in range(500))
    cproofs = [tree.consistency_proof(m, k) for m, k in pairs]
    roots = {m: tree.root(m) for m, _ in pairs}

    def cprove() -> None:
        for m, k in pairs:
            tree.consistency_proof(m, k)

    def cverify() -> None:
        for (m, k), p in zip(pairs, cproofs, strict=True):
            verify_consistency(m, k, roots[m], root, p)

    t_cp, t_cv = alternate(reps, cprove, cverify)
    out.append(
        {
            "figure": f"consistency-proof at {n:,}",
            "ours": f"{median(t_cp) / len(pairs) * 1e6:.0f} µs",
            "reference": f"verify {median(t_cv) / len(pairs) * 1e6:.0f} µs",
            "ratio": ratio(t_cp, t_cv),
        }
    )
    out.append(proof_file_size(tree, n))
    return out


def proof_file_size(tree: MerkleTree, n: int) -> dict[str, Any]:
    """A proof file at n leaves, for a forecast event of the generator's shape (its chain text)."""
    from generator import generate

    from tracker.app.ledger import Ledger
    from tracker.store import eventstore as es
    from tracker.store.db import read_transaction, write_transaction
    from tracker.store.merklelog import stored_row

    with tempfile.TemporaryDirectory() as folder:
        led = Ledger(f"sqlite:///{folder}/one.sqlite", actor=ACTOR)
        led.init()
        with write_transaction(led.engine) as conn:
            es.append_many(conn, generate(60, seed=7).batches, ACTOR, None, now=RECORDED_AT)
        with read_transaction(led.engine) as conn:
            rows = [stored_row(conn, p) for p in range(1, 61)]
        led.close()
    texts = [es.chain_text(r).encode() for r in rows if r is not None and r["event_type"] == "ForecastRecorded"]
    extra = sorted(texts, key=len)[len(texts) // 2]  # the median forecast event
    signer = generate_signer("news.example/forecasts")
    note = sign_checkpoint(Checkpoint(signer.name, n, tree.root()), signer)
    index = n // 3
    path = tuple(tree.inclusion_proof(index))
    whole = len(TlogProof(index, path, note, extra).text.encode())
    without_event = len(TlogProof(index, path, note).text.encode())
    return {
        "figure": f"proof-file at {n:,}",
        "ours": f"{whole:,} bytes",
        "reference": f"path and checkpoint {without_event:,} bytes; the event (base64) {whole - without_event:,}",
        "ratio": "",
    }


def ledger_figures(n: int, reps: int) -> list[dict[str, Any]]:
    from generator import generate

    from tracker.app.ledger import Ledger
    from tracker.projections.projector import project
    from tracker.store import eventstore as es
    from tracker.store.db import read_transaction, write_transaction
    from tracker.store.merklelog import ledger_tree

    with tempfile.TemporaryDirectory() as folder:
        led = Ledger(f"sqlite:///{folder}/bench.sqlite", actor=ACTOR)
        led.init()
        dataset = generate(n, seed=7)
        with write_transaction(led.engine) as conn:
            es.append_many(conn, dataset.batches, ACTOR, project, now=RECORDED_AT)

        def tree() -> None:
            with read_transaction(led.engine) as conn:
                assert ledger_tree(conn).chain.ok

        def chain() -> None:
            with read_transaction(led.engine) as conn:
                assert es.verify_chain(conn).ok

        t_tree, t_chain = alternate(reps, tree, chain)
        led.close()
    return [
        {
            "figure": f"ledger-tree {dataset.n_events:,} events",
            "ours": f"{median(t_tree):.2f} s",
            "reference": f"verify_chain {median(t_chain):.2f} s",
            "ratio": ratio(t_tree, t_chain),
        }
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaves", default="1M")
    parser.add_argument("--ledgers", default="10k,100k")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    for size in filter(None, args.leaves.split(",")):
        for r in tree_figures(parse_size(size), args.reps):
            r["load"] = load()
            results.append(r)
            print(json.dumps(r, ensure_ascii=False), flush=True)
    for size in filter(None, args.ledgers.split(",")):
        for r in ledger_figures(parse_size(size), args.reps):
            r["load"] = load()
            results.append(r)
            print(json.dumps(r, ensure_ascii=False), flush=True)
    print("\n| figure | ours | reference (same run) | ratio | load |\n|---|---|---|---|---|")
    for r in results:
        print(f"| {r['figure']} | {r['ours']} | {r['reference']} | {r['ratio']} | {r['load']} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
