"""PostgreSQL: a write transaction does not reuse a generic plan made while the ledger was small.

psycopg prepares a statement once it has run a few times on a connection (`prepare_threshold`), and the server
may then keep one generic plan for it. An import looks ids up 500 at a time; made while the events table was
empty, the generic plan of that look-up is a scan of the whole table, and a later import on the same connection (a
`Ledger` used twice) ran it for every chunk of ids however large the table had grown. Write transactions plan
each execution for its parameters.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, text

from tracker.app.ledger import Ledger
from tracker.store.db import is_postgres, write_transaction
from tracker.store.driver import present_keys
from tracker.store.schema import events

ROWS = 5_000  # events in the table when it is looked up again
KEYS = 20  # ids per look-up (one statement per number of ids): with ROWS, an index probe is far cheaper than a scan


def _scans(conn: Connection) -> tuple[int, int]:
    """(sequential scans, index scans) of the events table in this transaction so far."""
    row = conn.execute(
        text("SELECT seq_scan, coalesce(idx_scan, 0) FROM pg_stat_xact_user_tables WHERE relname = 'events'")
    ).one()
    return int(row[0]), int(row[1])


def _fill(conn: Connection, n: int) -> list[str]:
    """n event rows written straight into the table (their hashes are not a chain: only the look-up is tested)."""
    ids = [str(uuid.uuid4()) for _ in range(n)]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    conn.execute(
        events.insert(),
        [
            {
                "position": i + 1,
                "event_id": e,
                "stream_id": f"test-{i}",
                "stream_version": 1,
                "event_type": "TestEvent",
                "schema_version": 1,
                "payload": "{}",
                "occurred_at": now,
                "recorded_at": now,
                "actor": "tester",
                "prev_hash": "0" * 64,
                "hash": "0" * 64,
            }
            for i, e in enumerate(ids)
        ],
    )
    return ids


@pytest.fixture
def ledger(db_url: str) -> Iterator[Ledger]:
    """A ledger migrated into an empty schema, not conftest's cleared one: rows deleted from the events table by an
    earlier test stay in its file until vacuumed, and the planner, counting its pages, would not plan for an empty
    table."""
    led = Ledger(db_url, actor="tester")
    led.init()
    yield led
    led.close()


def test_a_grown_table_is_probed_by_its_index_on_a_reused_connection(ledger: Ledger) -> None:
    if not is_postgres(ledger.engine):
        pytest.skip("PostgreSQL's plan cache")
    absent = [str(uuid.uuid4()) for _ in range(KEYS)]
    with write_transaction(ledger.engine) as conn:
        assert not conn.execute(text("SELECT count(*) FROM events")).scalar()
        for _ in range(12):  # prepared, then planned generically for the empty table
            assert present_keys(conn, events.c.event_id, absent) == set()
        ids = _fill(conn, ROWS)
    with write_transaction(ledger.engine) as conn:  # the same pooled connection, its prepared statements kept
        wanted = ids[:10] + absent[10:]
        seq0, idx0 = _scans(conn)
        assert present_keys(conn, events.c.event_id, wanted) == set(ids[:10])
        seq1, idx1 = _scans(conn)
    assert seq1 - seq0 == 0, "the look-up scanned the whole table instead of its index"
    assert idx1 > idx0


def test_a_write_transaction_plans_each_execution(ledger: Ledger) -> None:
    if not is_postgres(ledger.engine):
        pytest.skip("PostgreSQL's plan cache")
    with write_transaction(ledger.engine) as conn:
        assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
    with ledger.engine.connect() as conn:  # the setting is the transaction's own (SET LOCAL)
        assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
