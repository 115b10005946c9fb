"""The Merkle tree over the events, kept in the merkle_nodes table as the events are appended.

`extend` is called by every append (tracker.store.eventstore) inside its write transaction, after the events'
rows: it writes the complete nodes the new leaves finish (on average one per event, none for an event at an
even index) and reads at most the O(log n) nodes of the tree's right edge it needs, in one statement, only when a
new leaf completes a subtree of four or more. Leaves are not stored: leaf i is SHA-256(0x00 ‖ the chain hash of
the event at position i + 1), and the chain hash of the event before a batch is the batch's previous hash.

`root`, `inclusion_proof` and `consistency_proof` answer from the stored nodes through tracker.domain.merkle's
functions: the nodes a proof needs depend only on the sizes and the index, so they are listed first (a dry run
of the same function) and fetched in at most two statements. `check` recomputes the whole tree from the events'
hashes and compares it node by node (`tracker verify`); `build` writes it for a ledger that has events but no
nodes (migration 0010).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import Connection, select

from tracker.domain.merkle import HASH_SIZE, MerkleTree, NodeSource, ProofError, leaf_hash
from tracker.domain.merkle import consistency_proof as _consistency_proof
from tracker.domain.merkle import inclusion_proof as _inclusion_proof
from tracker.domain.merkle import root_hash as _root_hash
from tracker.errors import IntegrityError
from tracker.store.dbapi import placeholder, run
from tracker.store.driver import insert_tuples
from tracker.store.schema import events, merkle_nodes

T = TypeVar("T")
_sha256 = hashlib.sha256
BUILD_CHUNK = 50_000  # nodes per insert when building a whole tree


# ------------------------------------------------------------------------------------------- writing


def extend(conn: Connection, first_position: int, prev_hash: str, hashes: Sequence[str]) -> None:
    """Store the nodes completed by appending the events at positions first_position, first_position + 1, ...
    whose chain hashes (hex) are `hashes`; `prev_hash` is the chain hash of the event at first_position - 1.

    Level by level: the new leaves, then the new nodes of each level from the pairs of the level below, so that
    each level is one list comprehension (a bulk append hashed each leaf in a loop of its own before: 0.2 s of
    Python at 100k events) and the rows go in key order. With n leaves before, level l holds new the indices
    from n >> l on; when that first index is odd, its left sibling is the stored node before it (at level 0, the
    leaf of `prev_hash`), read in one statement for every level that needs it."""
    if not hashes:
        return
    n, m = first_position - 1, len(hashes)
    level_nodes = [_sha256(b"\x00" + bytes.fromhex(h)).digest() for h in hashes]
    needed = [(lv, (n >> lv) - 1) for lv in range(1, (n + m).bit_length()) if _pairs_up(n, m, lv)]
    stored = _fetch(conn, needed) if needed else {}
    rows: list[tuple[int, int, bytes]] = []
    level = 0
    while _completes(n, m, level):
        first = n >> level
        if first & 1:
            left = leaf_hash(bytes.fromhex(prev_hash)) if level == 0 else stored[(level, first - 1)]
            level_nodes.insert(0, left)
            first -= 1
        pairs = zip(level_nodes[::2], level_nodes[1::2], strict=False)  # an odd last one waits for its sibling
        level_nodes = [_sha256(b"\x01" + a + b).digest() for a, b in pairs]
        level += 1
        first >>= 1
        rows.extend((level, first + k, h) for k, h in enumerate(level_nodes))
    insert_tuples(conn, merkle_nodes, rows)


def _completes(n: int, m: int, level: int) -> bool:
    """Whether appending m leaves to n completes a node at level + 1."""
    return (n + m) >> (level + 1) > n >> (level + 1)


def _pairs_up(n: int, m: int, level: int) -> bool:
    """Whether a node of `level` stored before the append is the left child of a node the append completes."""
    return bool((n >> level) & 1) and _completes(n, m, level)


def build(conn: Connection) -> int:
    """Write every node of the tree over the events (the table empty before): how many were written."""
    tree = MerkleTree(_sha256(b"\x00" + bytes.fromhex(h)).digest() for h in _event_hashes(conn))
    written = 0
    for level in range(1, tree.height):
        for chunk in _level_rows(level, tree.level_bytes(level)):
            insert_tuples(conn, merkle_nodes, chunk)
            written += len(chunk)
    return written


def _level_rows(level: int, raw: bytes) -> Iterable[list[tuple[int, int, bytes]]]:
    count = len(raw) // HASH_SIZE
    for start in range(0, count, BUILD_CHUNK):
        stop = min(count, start + BUILD_CHUNK)
        yield [(level, i, raw[i * HASH_SIZE : (i + 1) * HASH_SIZE]) for i in range(start, stop)]


# ------------------------------------------------------------------------------------------- reading

_NODES_SQL: dict[tuple[str, int], str] = {}
_LEAVES_SQL: dict[tuple[str, int], str] = {}


def _fetch(conn: Connection, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored nodes (level, index) asked for, leaves read from the events; IntegrityError when one is missing."""
    mark = placeholder(conn.dialect)
    out: dict[tuple[int, int], bytes] = {}
    leaves = sorted({i for level, i in keys if level == 0})
    inner = sorted({(level, i) for level, i in keys if level > 0})
    if leaves:
        key = (mark, len(leaves))
        sql = _LEAVES_SQL.get(key)
        if sql is None:
            sql = _LEAVES_SQL[key] = (
                f"SELECT position, hash FROM events WHERE position IN ({', '.join([mark] * len(leaves))})"
            )
        for position, h in run(conn, sql, tuple(i + 1 for i in leaves)):
            out[(0, int(position) - 1)] = leaf_hash(bytes.fromhex(h))
    if inner:
        key = (mark, len(inner))
        sql = _NODES_SQL.get(key)
        if sql is None:
            terms = " OR ".join([f"(level = {mark} AND node_index = {mark})"] * len(inner))
            sql = _NODES_SQL[key] = f"SELECT level, node_index, hash FROM merkle_nodes WHERE {terms}"
        for level, i, h in run(conn, sql, tuple(v for k in inner for v in k)):
            out[(int(level), int(i))] = bytes(h)
    for k in keys:
        if k not in out:
            what = f"event at position {k[1] + 1}" if k[0] == 0 else f"Merkle node (level {k[0]}, index {k[1]})"
            raise IntegrityError(f"the stored Merkle tree lacks the {what} ('tracker verify' says more)")
    return out


class _Recorder:
    """A NodeSource that answers anything and remembers what was asked: the dry run that lists a proof's nodes."""

    _DUMMY = bytes(HASH_SIZE)

    def __init__(self) -> None:
        self.keys: list[tuple[int, int]] = []

    def node(self, level: int, index: int) -> bytes:
        self.keys.append((level, index))
        return self._DUMMY


class _Fetched:
    def __init__(self, nodes: dict[tuple[int, int], bytes]) -> None:
        self.nodes = nodes

    def node(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]


def _answer(conn: Connection, compute: Callable[[NodeSource], T]) -> T:
    recorder = _Recorder()
    compute(recorder)
    return compute(_Fetched(_fetch(conn, recorder.keys)))


def size(conn: Connection) -> int:
    """How many leaves the stored tree has: the number of events (positions are gap-free from 1)."""
    row = conn.execute(select(events.c.position).order_by(events.c.position.desc()).limit(1)).first()
    return 0 if row is None else int(row[0])


def _check_size(conn: Connection, *sizes: int) -> None:
    held = size(conn)
    for s in sizes:
        if not 0 <= s <= held:
            raise ProofError(f"the log holds {held} events, not {s}")


def root(conn: Connection, tree_size: int) -> bytes:
    """The root of the first `tree_size` events, from the stored nodes."""
    _check_size(conn, tree_size)
    return _answer(conn, lambda src: _root_hash(src, tree_size))


def inclusion_proof(conn: Connection, index: int, tree_size: int) -> list[bytes]:
    _check_size(conn, tree_size)
    return _answer(conn, lambda src: _inclusion_proof(src, index, tree_size))


def consistency_proof(conn: Connection, old_size: int, new_size: int) -> list[bytes]:
    _check_size(conn, old_size, new_size)
    return _answer(conn, lambda src: _consistency_proof(src, old_size, new_size))


# ------------------------------------------------------------------------------------------- checking


def check(conn: Connection, tree: MerkleTree | None = None) -> str | None:
    """Compare every stored node with the tree recomputed from the events' chain hashes (or with `tree`, built
    from them by the caller): None when they agree, else what differs first (level by level, left to right)."""
    if tree is None:
        tree = MerkleTree(_sha256(b"\x00" + bytes.fromhex(h)).digest() for h in _event_hashes(conn))
    stored = conn.execute(
        select(merkle_nodes.c.level, merkle_nodes.c.node_index, merkle_nodes.c.hash).order_by(
            merkle_nodes.c.level, merkle_nodes.c.node_index
        )
    )
    expected = _expected_nodes(tree)
    for level, index, h in stored:
        want = next(expected, None)
        if want is None or (want[0], want[1]) > (level, index):
            return f"the stored Merkle tree holds a node (level {level}, index {index}) the events do not make"
        if (want[0], want[1]) < (level, index):
            return f"the stored Merkle tree lacks its node (level {want[0]}, index {want[1]})"
        if bytes(h) != want[2]:
            return (
                f"the stored Merkle tree's node (level {level}, index {index}) does not match the events at "
                f"positions {(index << level) + 1} to {(index + 1) << level}"
            )
    left = next(expected, None)
    if left is not None:
        return f"the stored Merkle tree lacks its node (level {left[0]}, index {left[1]})"
    return None


def _expected_nodes(tree: MerkleTree) -> Iterator[tuple[int, int, bytes]]:
    for level in range(1, tree.height):
        raw = tree.level_bytes(level)
        for i in range(len(raw) // HASH_SIZE):
            yield level, i, raw[i * HASH_SIZE : (i + 1) * HASH_SIZE]


def _event_hashes(conn: Connection, batch: int = 100_000) -> Iterable[str]:
    after = 0
    while True:
        rows = conn.execute(
            select(events.c.position, events.c.hash)
            .where(events.c.position > after)
            .order_by(events.c.position)
            .limit(batch)
        ).all()
        yield from (h for _, h in rows)
        if len(rows) < batch:
            return
        after = rows[-1][0]
