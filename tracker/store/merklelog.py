"""The Merkle log over the events (tracker.domain.merkle), read from the events table.

The leaves are the events' chain hashes (32 bytes each) in position order, hashed as RFC 9162 leaves
(SHA-256(0x00 ‖ chain hash)): leaf index i is position i + 1. This
first step builds the tree by one pass over the ledger that re-checks the hash chain on the way (a tree over
hashes that no longer match their rows would sign a broken ledger); keeping the tree's nodes in a table, written
inside each append's transaction, is the next step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from tracker.domain.merkle import MerkleTree, leaf_hash
from tracker.store import eventstore as es
from tracker.store.schema import checkpoint_timestamps, checkpoints


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


# ------------------------------------------------------------------------------------------- checkpoints kept


@dataclass(frozen=True)
class StoredCheckpoint:
    """A row of the checkpoints table: the signed note exactly as written, and what it says for queries."""

    number: int
    tree_size: int
    root_hash: str
    note: str
    signed_at: datetime


MAX_NUMBER = 2**63 - 1  # checkpoint numbers are BIGINT
_CHECKPOINT_COLUMNS = (
    checkpoints.c.number,
    checkpoints.c.tree_size,
    checkpoints.c.root_hash,
    checkpoints.c.note,
    checkpoints.c.signed_at,
)


def read_checkpoints(conn: Connection, number: int | None = None) -> list[StoredCheckpoint]:
    """Every checkpoint kept, in the order signed (or the one numbered `number`, when there is one)."""
    q = select(*_CHECKPOINT_COLUMNS).order_by(checkpoints.c.number)
    if number is not None:
        if not 0 < number <= MAX_NUMBER:  # none is kept there (and the driver cannot take a larger integer)
            return []
        q = q.where(checkpoints.c.number == number)
    return [StoredCheckpoint(int(r[0]), int(r[1]), str(r[2]), str(r[3]), r[4]) for r in conn.execute(q)]


def last_checkpoint(conn: Connection) -> StoredCheckpoint | None:
    q = select(*_CHECKPOINT_COLUMNS).order_by(checkpoints.c.number.desc()).limit(1)
    r = conn.execute(q).first()
    return None if r is None else StoredCheckpoint(int(r[0]), int(r[1]), str(r[2]), str(r[3]), r[4])


def add_checkpoint(conn: Connection, tree_size: int, root: bytes, note: str, signed_at: datetime) -> int:
    """Keep a signed checkpoint, inside the caller's write transaction (which numbers it); its number."""
    number = int(conn.execute(select(func.coalesce(func.max(checkpoints.c.number), 0))).scalar_one()) + 1
    conn.execute(
        insert(checkpoints).values(
            number=number, tree_size=tree_size, root_hash=root.hex(), note=note, signed_at=signed_at
        )
    )
    return number


@dataclass(frozen=True)
class StoredTimestamp:
    """An RFC 3161 token attached to a kept checkpoint (its imprint checked when attached)."""

    number: int
    checkpoint_number: int
    hash_algorithm: str
    token: bytes
    attached_at: datetime


def read_timestamps(conn: Connection, checkpoint_number: int | None = None) -> list[StoredTimestamp]:
    """The tokens attached, in the order attached (to one checkpoint when `checkpoint_number` is given)."""
    t = checkpoint_timestamps.c
    q = select(t.number, t.checkpoint_number, t.hash_algorithm, t.token, t.attached_at).order_by(t.number)
    if checkpoint_number is not None:
        q = q.where(t.checkpoint_number == checkpoint_number)
    return [StoredTimestamp(int(r[0]), int(r[1]), str(r[2]), bytes(r[3]), r[4]) for r in conn.execute(q)]


def add_timestamp(conn: Connection, checkpoint_number: int, hash_algorithm: str, token: bytes, at: datetime) -> int:
    """Keep a token, inside the caller's write transaction; its number."""
    t = checkpoint_timestamps.c
    number = int(conn.execute(select(func.coalesce(func.max(t.number), 0))).scalar_one()) + 1
    conn.execute(
        insert(checkpoint_timestamps).values(
            number=number,
            checkpoint_number=checkpoint_number,
            hash_algorithm=hash_algorithm,
            token=token,
            attached_at=at,
        )
    )
    return number
