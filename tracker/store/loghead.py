"""The log's head and size: what a reader asks of the events table without loading the event store's write path
(`tracker info` and every snapshot read these; `tracker.store.eventstore` re-exports them)."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from tracker.store.schema import events

GENESIS_HASH = "0" * 64

# Built once (building a statement per call cost about as much as running it). `append` reads the head with
# the stream version in one statement instead (`eventstore._tip`).
_HEAD = select(events.c.position, events.c.hash).order_by(events.c.position.desc()).limit(1)
_COUNT = select(func.count()).select_from(events)


def head(conn: Connection) -> tuple[int, str]:
    """(position, hash) of the last event; (0, genesis) for an empty ledger."""
    row = conn.execute(_HEAD).first()
    return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


def count(conn: Connection) -> int:
    return int(conn.execute(_COUNT).scalar_one())
