"""The Merkle log over the events (tracker.domain.merkle), read from the events table.

The leaves are the events' chain hashes (32 bytes each) in position order, hashed as RFC 9162 leaves
(SHA-256(0x00 ‖ chain hash)): leaf index i is position i + 1. This
first step builds the tree by one pass over the ledger that re-checks the hash chain on the way (a tree over
hashes that no longer match their rows would sign a broken ledger); keeping the tree's nodes in a table, written
inside each append's transaction, is the next step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from tracker.domain.merkle import MerkleTree, leaf_hash
from tracker.store import eventstore as es


@dataclass(frozen=True)
class LedgerTree:
    tree: MerkleTree
    chain: es.ChainReport


def ledger_tree(conn: Connection, up_to: int | None = None) -> LedgerTree:
    """The tree over the events through position `up_to` (all when None), and the chain check of the same pass.
    When the chain is broken the tree stops before the first bad position."""
    tree = MerkleTree()
    leaves: list[bytes] = []

    def add(hash_hex: str) -> None:
        leaves.append(leaf_hash(bytes.fromhex(hash_hex)))
        if len(leaves) >= 4096:
            tree.extend(leaves)
            leaves.clear()

    chain = es.verify_chain(conn, up_to=up_to, on_hash=add)
    tree.extend(leaves)
    return LedgerTree(tree, chain)


def stored_row(conn: Connection, position: int) -> dict[str, Any] | None:
    """The events row at `position` as stored (what its chain hash covers), or None."""
    if position < 1:
        return None
    return next(es.raw_rows(conn, after=position - 1, up_to=position, batch=1), None)
