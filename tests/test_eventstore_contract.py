"""The event store's contract, one suite run on every backend (SQLite and PostgreSQL via `db_url`).

Tables are made by the Alembic migrations (`migrate.upgrade`), as in production, so the append-only
triggers under test are the migrations' own.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, insert, text
from sqlalchemy import exc as sa_exc

from tracker.app.ledger import AsOf, Ledger
from tracker.domain import commands as c
from tracker.domain import events as ev
from tracker.domain.decide import decide
from tracker.domain.state import QuestionState, evolve_question
from tracker.errors import AppendOnlyViolation, ConflictError, DatabaseError
from tracker.projections.projector import project
from tracker.store import driver, migrate, upcast
from tracker.store import eventstore as es
from tracker.store.db import (
    APPEND_LOCK_KEY,
    is_postgres,
    make_engine,
    read_transaction,
    translate_errors,
    write_transaction,
)
from tracker.store.schema import events as events_table
from tracker.store.schema import forecasters as forecasters_table

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
OCCURRED = datetime(2020, 5, 17, 8, 30, 15, 123456, tzinfo=UTC)


def e(type_: str = "Thing", event_id: str | None = None, schema_version: int = 1, **data: Any) -> ev.Event:
    return ev.Event(type_, data, OCCURRED, event_id, schema_version)


ANY = es.ANY_VERSION


def new_id() -> str:
    return str(uuid.uuid4())


class EventStoreContract:
    """The abstract suite: subclasses provide `engine` (an empty, migrated database)."""

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def append(
        engine: Engine,
        stream: str,
        evs: Sequence[ev.Event],
        expected: int | None,
        project_fn: es.Projector | None = None,
        now: datetime | None = None,
    ) -> list[es.RecordedEvent]:
        with write_transaction(engine) as conn:
            return es.append(conn, stream, evs, expected, "tester", project_fn, now)

    @staticmethod
    def read_all(engine: Engine, **kw: Any) -> list[es.RecordedEvent]:
        with read_transaction(engine) as conn:
            return list(es.read(conn, **kw))

    @staticmethod
    def snapshot(engine: Engine) -> tuple[int, tuple[int, str]]:
        with read_transaction(engine) as conn:
            return es.count(conn), es.head(conn)

    # -- append and read back ---------------------------------------------------------------
    def test_empty_ledger(self, engine: Engine) -> None:
        with read_transaction(engine) as conn:
            assert es.count(conn) == 0
            assert es.head(conn) == (0, es.GENESIS_HASH)
            assert es.stream_version(conn, "s-a") == 0
            assert list(es.read(conn)) == []
            report = es.verify_chain(conn)
        assert report.ok and report.checked == 0 and report.head_hash == es.GENESIS_HASH

    def test_append_and_read_back(self, engine: Engine) -> None:
        fixed = new_id()
        out_a = self.append(engine, "s-a", [e(n=1), e(n=2, event_id=fixed), e("Other", n=3)], 0, now=T0)
        out_b = self.append(engine, "s-b", [e(n=4), e(n=5)], 0, now=T0 + timedelta(seconds=1))
        back = self.read_all(engine)
        assert back == out_a + out_b  # what append returns is what a read gives
        assert [r.position for r in back] == [1, 2, 3, 4, 5]
        assert [(r.stream_id, r.stream_version) for r in back] == [
            ("s-a", 1),
            ("s-a", 2),
            ("s-a", 3),
            ("s-b", 1),
            ("s-b", 2),
        ]
        assert [r.data for r in back] == [{"n": i} for i in range(1, 6)]
        assert [r.event_type for r in back] == ["Thing", "Thing", "Other", "Thing", "Thing"]
        assert back[1].event_id == fixed
        for r in back:
            assert uuid.UUID(r.event_id)  # a UUID
            assert r.schema_version == 1
            assert r.actor == "tester"
            assert r.occurred_at == OCCURRED and r.occurred_at.utcoffset() == timedelta(0)
            assert r.recorded_at.utcoffset() == timedelta(0)
            assert len(r.hash) == 64
        assert {r.recorded_at for r in back[:3]} == {T0}
        assert back[3].recorded_at == T0 + timedelta(seconds=1)
        assert len({r.event_id for r in back}) == 5
        with read_transaction(engine) as conn:
            assert es.stream_version(conn, "s-a") == 3
            assert es.stream_version(conn, "s-b") == 2
            assert es.count(conn) == 5
            assert es.head(conn) == (5, back[-1].hash)

    def test_generated_ids_and_recorded_at_default_to_now(self, engine: Engine) -> None:
        before = datetime.now(UTC)
        (r,) = self.append(engine, "s-a", [e()], 0)
        after = datetime.now(UTC)
        assert before <= r.recorded_at <= after
        assert uuid.UUID(r.event_id).version == 7
        (back,) = self.read_all(engine)
        assert back.recorded_at == r.recorded_at

    def test_payload_round_trips_unicode_and_nesting(self, engine: Engine) -> None:
        data = {"quote": "“Unlikely” – ça ira; 日本; x'; DROP TABLE events;--", "nested": {"l": [1, 2.5, None, True]}}
        self.append(engine, "s-a", [ev.Event("Thing", data, OCCURRED)], 0)
        (back,) = self.read_all(engine)
        assert back.data == data

    def test_empty_batch_writes_nothing(self, engine: Engine) -> None:
        assert self.append(engine, "s-a", [], 0) == []
        assert self.snapshot(engine) == (0, (0, es.GENESIS_HASH))

    # -- optimistic concurrency -------------------------------------------------------------
    @pytest.mark.parametrize("stale", [0, 1, 3, 7])
    def test_stale_expected_version_conflicts_and_writes_nothing(self, engine: Engine, stale: int) -> None:
        self.append(engine, "s-a", [e(), e()], 0)
        self.append(engine, "s-b", [e()], 0)
        before = self.snapshot(engine)
        with pytest.raises(ConflictError, match="s-a"):
            self.append(engine, "s-a", [e(), e()], stale)
        assert self.snapshot(engine) == before
        with read_transaction(engine) as conn:
            assert es.stream_version(conn, "s-a") == 2

    def test_new_stream_expects_zero(self, engine: Engine) -> None:
        with pytest.raises(ConflictError):
            self.append(engine, "s-new", [e()], 1)
        assert self.snapshot(engine)[0] == 0
        self.append(engine, "s-new", [e()], 0)
        with pytest.raises(ConflictError):
            self.append(engine, "s-new", [e()], 0)  # someone else opened it first
        assert self.snapshot(engine)[0] == 1

    def test_any_version_skips_the_check(self, engine: Engine) -> None:
        self.append(engine, "s-a", [e()], es.ANY_VERSION)
        out = self.append(engine, "s-a", [e()], es.ANY_VERSION)
        assert out[0].stream_version == 2

    def test_database_refuses_duplicate_stream_version_and_event_id(self, engine: Engine) -> None:
        """Behind the version check, the unique constraints hold too, and surface as ConflictError (on SQLite the
        trigger of migration 0004 refuses an insert over an existing position or id first: AppendOnlyViolation)."""
        (r,) = self.append(engine, "s-a", [e()], 0)
        base = {
            "event_type": "Thing",
            "schema_version": 1,
            "payload": "{}",
            "occurred_at": OCCURRED,
            "recorded_at": T0,
            "actor": "raw",
            "prev_hash": r.hash,
            "hash": "f" * 64,
        }
        dup_version = base | {"position": 2, "event_id": new_id(), "stream_id": "s-a", "stream_version": 1}
        dup_id = base | {"position": 2, "event_id": r.event_id, "stream_id": "s-b", "stream_version": 1}
        before = self.snapshot(engine)
        refused = ConflictError if is_postgres(engine) else (ConflictError, AppendOnlyViolation)
        for row in (dup_version, dup_id):
            with pytest.raises(refused), write_transaction(engine) as conn:
                conn.execute(insert(events_table), [row])
        assert self.snapshot(engine) == before

    # -- idempotency ------------------------------------------------------------------------
    def test_idempotent_reappend_is_a_noop(self, engine: Engine) -> None:
        ids = [new_id(), new_id()]
        first = self.append(engine, "s-a", [e(event_id=ids[0], n=1), e(event_id=ids[1], n=2)], 0)
        before = self.snapshot(engine)
        # The same batch again: with the original expected version (a retry), and with any version.
        assert self.append(engine, "s-a", [e(event_id=ids[0], n=1), e(event_id=ids[1], n=2)], 0) == []
        assert self.append(engine, "s-a", [e(event_id=ids[0], n=1), e(event_id=ids[1], n=2)], None) == []
        assert self.snapshot(engine) == before
        assert self.read_all(engine) == first

    def test_batch_partly_present_is_refused(self, engine: Engine) -> None:
        known = new_id()
        self.append(engine, "s-a", [e(event_id=known)], 0)
        before = self.snapshot(engine)
        fresh = new_id()
        with pytest.raises(ConflictError, match="1 of 2"):
            self.append(engine, "s-a", [e(event_id=known), e(event_id=fresh)], 1)
        assert self.snapshot(engine) == before
        assert fresh not in {r.event_id for r in self.read_all(engine)}

    def test_same_event_id_twice_in_one_batch_is_refused(self, engine: Engine) -> None:
        twice = new_id()
        with pytest.raises(ConflictError):
            self.append(engine, "s-a", [e(event_id=twice), e(event_id=twice)], 0)
        assert self.snapshot(engine) == (0, (0, es.GENESIS_HASH))

    # -- atomicity --------------------------------------------------------------------------
    @pytest.mark.parametrize("bad", [object(), {1, 2}, float("nan"), float("inf")], ids=["object", "set", "nan", "inf"])
    def test_batch_with_unserialisable_payload_leaves_nothing(self, engine: Engine, bad: Any) -> None:
        self.append(engine, "s-a", [e(n=0)], 0)
        before = self.snapshot(engine)
        with pytest.raises((TypeError, ValueError)):
            self.append(engine, "s-a", [e(n=1), e(n=bad), e(n=3)], 1)
        assert self.snapshot(engine) == before
        assert [r.data for r in self.read_all(engine)] == [{"n": 0}]

    def test_failure_in_project_callback_rolls_back_the_batch(self, engine: Engine) -> None:
        self.append(engine, "s-a", [e(n=0)], 0)
        before = self.snapshot(engine)
        seen: list[int] = []

        def boom(conn: Connection, recorded: Sequence[es.RecordedEvent]) -> None:
            seen.extend(r.position for r in recorded)
            # The rows are visible inside the transaction...
            assert es.count(conn) == 3
            raise RuntimeError("projection failed")

        with pytest.raises(RuntimeError, match="projection failed"):
            self.append(engine, "s-a", [e(n=1), e(n=2)], 1, boom)
        assert seen == [2, 3]
        # ...and gone after the rollback.
        assert self.snapshot(engine) == before
        # The positions are reused: no gap was left behind.
        out = self.append(engine, "s-a", [e(n=1)], 1)
        assert out[0].position == 2

    def test_a_database_error_mid_append_writes_nothing_and_the_next_append_works(self, engine: Engine) -> None:
        """A statement the database refuses (here the projection's) rolls back the whole transaction, also the
        event row written before it; the connection goes back to the pool usable, in the mode it came in."""
        self.append(engine, "s-a", [e(n=0)], 0)
        before = self.snapshot(engine)

        def refused(conn: Connection, recorded: Sequence[es.RecordedEvent]) -> None:
            driver.run(conn, "SELECT nothing FROM no_such_table", ())

        with pytest.raises(DatabaseError), translate_errors():
            self.append(engine, "s-a", [e(n=1)], 1, refused)
        assert self.snapshot(engine) == before
        with engine.connect() as conn:
            dbapi_conn = conn.connection.driver_connection
            if is_postgres(engine):
                assert dbapi_conn.autocommit is False  # type: ignore[union-attr]
        assert [r.stream_version for r in self.append(engine, "s-a", [e(n=1)], 1)] == [2]
        with pytest.raises(ConflictError):  # a stale version still fails after all this
            self.append(engine, "s-a", [e(n=2)], 1)
        assert self.snapshot(engine)[0] == 2

    @pytest.mark.parametrize("outcome", ["commit", "rollback"])
    def test_sqlalchemy_statements_inside_a_write_transaction_join_it(self, engine: Engine, outcome: str) -> None:
        """write_transaction begins and ends its transaction on the DBAPI connection; a statement run through
        SQLAlchemy inside it (which begins a transaction of SQLAlchemy's own) still runs in that one: it commits
        and rolls back with the append."""
        forecaster = {"forecaster_id": "ann", "name": "Ann", "role": None, "first_position": 1}
        ends = pytest.raises(RuntimeError) if outcome == "rollback" else nullcontext()
        with ends, write_transaction(engine) as conn:
            conn.execute(insert(forecasters_table).values(forecaster))
            es.append(conn, "s-a", [e()], 0, "tester")
            assert conn.execute(text("SELECT count(*) FROM events")).scalar() == 1
            if outcome == "rollback":
                raise RuntimeError("give up")
        with read_transaction(engine) as conn:
            rows = conn.execute(text("SELECT forecaster_id FROM forecasters")).all()
        assert (self.snapshot(engine)[0], len(rows)) == ((1, 1) if outcome == "commit" else (0, 0))
        assert [r.stream_version for r in self.append(engine, "s-a", [e()], 1 if outcome == "commit" else 0)]

    def test_write_transaction_holds_the_writer_lock_until_it_ends(self, engine: Engine) -> None:
        """The lock every append takes is held from the transaction's start to its commit or rollback."""
        if not is_postgres(engine):
            with write_transaction(engine) as conn:
                with engine.connect() as other, pytest.raises(sa_exc.OperationalError, match="locked"):
                    other.exec_driver_sql("PRAGMA busy_timeout = 0")
                    other.exec_driver_sql("BEGIN IMMEDIATE")
                es.append(conn, "s-a", [e()], 0, "tester")
            assert self.snapshot(engine)[0] == 1
            return
        lock = f"SELECT pg_try_advisory_lock({APPEND_LOCK_KEY})"
        unlock = f"SELECT pg_advisory_unlock({APPEND_LOCK_KEY})"
        for outcome in ("commit", "rollback"):
            ends = pytest.raises(RuntimeError) if outcome == "rollback" else nullcontext()
            with ends, write_transaction(engine) as conn:
                es.append(conn, "s-a", [e()], ANY, "tester")
                with engine.connect() as other:
                    assert other.exec_driver_sql(lock).scalar() is False
                    other.rollback()
                if outcome == "rollback":
                    raise RuntimeError("give up")
            with engine.connect() as other:
                assert other.exec_driver_sql(lock).scalar() is True
                assert other.exec_driver_sql(unlock).scalar() is True
                other.rollback()
        assert self.snapshot(engine)[0] == 1  # the committed one only

    def test_append_many_is_all_or_nothing(self, engine: Engine) -> None:
        self.append(engine, "s-b", [e()], 0)
        before = self.snapshot(engine)
        with pytest.raises(ConflictError), write_transaction(engine) as conn:
            es.append_many(conn, [("s-a", [e(), e()], 0), ("s-b", [e()], 0)], "tester")  # s-b is at 1
        assert self.snapshot(engine) == before
        with write_transaction(engine) as conn:
            out = es.append_many(conn, [("s-a", [e(), e()], 0), ("s-b", [e()], 1)], "tester")
        assert [(r.position, r.stream_id, r.stream_version) for r in out] == [
            (2, "s-a", 1),
            (3, "s-a", 2),
            (4, "s-b", 2),
        ]

    # -- reading ----------------------------------------------------------------------------
    def _populate(self, engine: Engine) -> list[es.RecordedEvent]:
        out: list[es.RecordedEvent] = []
        for i in range(12):
            stream = ("s-a", "s-b", "s-c")[i % 3]
            with read_transaction(engine) as conn:
                v = es.stream_version(conn, stream)
            out += self.append(engine, stream, [e("Even" if i % 2 == 0 else "Odd", i=i)], v, now=T0 + timedelta(i))
        return out

    @pytest.mark.parametrize("batch", [1, 3, 4, 5000])
    def test_read_stream_reads_what_read_reads(self, engine: Engine, batch: int) -> None:
        """The commands' stream read (a statement on the DBAPI cursor, paged by position) gives what `read` gives:
        the stream's events only, in order, all of them whatever the page size, times aware UTC."""
        everything = self._populate(engine)
        with read_transaction(engine) as conn:
            for stream in ("s-a", "s-b", "s-c", "nothing"):
                got = list(es.read_stream(conn, stream, batch=batch))
                assert got == list(es.read(conn, stream_id=stream))
                assert got == [r for r in everything if r.stream_id == stream]
                assert all(r.occurred_at.tzinfo is UTC and r.recorded_at.tzinfo is UTC for r in got)

    def test_read_from_a_position(self, engine: Engine) -> None:
        everything = self._populate(engine)
        for after in (0, 1, 5, 11, 12, 40):
            got = self.read_all(engine, after=after)
            assert got == everything[after:]
        # Small batches page through the same rows, in order, without repeats.
        assert self.read_all(engine, after=2, batch=2) == everything[2:]
        assert self.read_all(engine, after=3, batch=1) == everything[3:]

    def test_read_bounds_beyond_64_bits(self, engine: Engine) -> None:
        everything = self._populate(engine)
        assert self.read_all(engine, after=2**64) == []
        assert self.read_all(engine, after=es.MAX_POSITION) == []
        assert self.read_all(engine, up_to=2**70) == everything
        assert self.read_all(engine, after=10, up_to=2**64) == everything[10:]
        assert self.read_all(engine, limit=0) == []
        assert self.read_all(engine, limit=-1) == []  # SQLite took LIMIT -1 as "no limit"

    def test_read_filters(self, engine: Engine) -> None:
        everything = self._populate(engine)
        assert self.read_all(engine, stream_id="s-b") == [r for r in everything if r.stream_id == "s-b"]
        assert [r.stream_version for r in self.read_all(engine, stream_id="s-c")] == [1, 2, 3, 4]
        assert self.read_all(engine, types=["Odd"]) == [r for r in everything if r.event_type == "Odd"]
        assert self.read_all(engine, up_to=4) == everything[:4]
        assert self.read_all(engine, after=2, up_to=4) == everything[2:4]
        assert self.read_all(engine, limit=5) == everything[:5]
        assert self.read_all(engine, limit=5, batch=2) == everything[:5]
        assert self.read_all(engine, after=3, limit=4, batch=3) == everything[3:7]
        until = T0 + timedelta(days=6)
        assert self.read_all(engine, recorded_until=until) == everything[:7]
        assert self.read_all(engine, stream_id="s-a", types=["Even"], batch=1) == [
            r for r in everything if r.stream_id == "s-a" and r.event_type == "Even"
        ]

    # -- as-of reads through the Ledger -----------------------------------------------------
    def test_as_of_reads(self, engine: Engine, db_url: str) -> None:
        """Replays up to a position or a recorded time give the projections of that moment."""
        times = [T0 + timedelta(days=d) for d in range(5)]
        state = QuestionState("q1")
        cmds: list[c.QuestionCommand] = [
            c.OpenQuestion("q1", "Will it rain?", "YES if it rains", T0, opened=date(2024, 1, 1)),
            c.RecordForecast("q1", "f1", "Ann", "ann", {"yes": 0.3, "no": 0.7}, date(2024, 1, 1), T0),
            c.ClarifyQuestion("q1", "sharper", T0, title="Will it rain in Paris?"),
            c.ResolveQuestion("q1", "no", date(2024, 2, 1), T0),
            c.ReopenQuestion("q1", "wrong city", T0),
        ]
        for when, cmd in zip(times, cmds, strict=True):
            new = decide(state, cmd)
            self.append(engine, "question-q1", new, state.version, project, now=when)
            for x in new:
                state = evolve_question(state, x.type, x.data)
        led = Ledger(db_url, actor="tester")
        try:

            def q(as_of: AsOf | None) -> dict[str, Any]:
                (row,) = led.rows("questions", as_of=as_of, parse_json=True)[0]
                return row

            assert q(None)["status"] == "open" and q(None)["title"] == "Will it rain in Paris?"
            by_pos = {p: q(AsOf(position=p)) for p in range(1, 6)}
            assert by_pos[1]["title"] == "Will it rain?" and by_pos[1]["n_forecasts"] == 0
            assert by_pos[2]["n_forecasts"] == 1
            assert by_pos[3]["title"] == "Will it rain in Paris?"
            assert by_pos[4]["status"] == "resolved" and by_pos[4]["outcome"] == "no"
            assert by_pos[5]["status"] == "open" and by_pos[5]["outcome"] is None
            assert led.rows("questions", as_of=AsOf(position=0))[0] == []
            # recorded_until is inclusive, and works between records.
            assert q(AsOf(recorded_until=times[3]))["status"] == "resolved"
            assert q(AsOf(recorded_until=times[3] - timedelta(microseconds=1)))["status"] == "open"
            assert q(AsOf(recorded_until=times[3] - timedelta(microseconds=1)))["title"] == "Will it rain in Paris?"
            assert q(AsOf(recorded_until=times[1] + timedelta(hours=3)))["n_forecasts"] == 1
            assert led.rows("questions", as_of=AsOf(recorded_until=T0 - timedelta(seconds=1)))[0] == []
            # A date means the end of that day (UTC); other offsets are honoured.
            assert q(AsOf.parse("2024-03-04"))["status"] == "resolved"
            assert q(AsOf.parse("2024-03-03"))["status"] == "open"
            assert q(AsOf.parse("2024-03-04T13:00:00+02:00"))["status"] == "open"  # 11:00 UTC, before noon
            assert q(AsOf.parse("2024-03-04T12:00:00Z"))["status"] == "resolved"
            # Both bounds at once: the tighter wins.
            assert q(AsOf(position=2, recorded_until=times[4]))["title"] == "Will it rain?"
            # show and log answer as of too.
            shown = led.show_question("q1", AsOf(position=3))
            assert [h["type"] for h in shown["history"]] == [
                ev.QUESTION_OPENED,
                ev.FORECAST_RECORDED,
                ev.QUESTION_CLARIFIED,
            ]
            assert [r.position for r in led.log(as_of=AsOf(recorded_until=times[1]))] == [1, 2]
            # The live projections were not touched by the replays.
            assert q(None)["status"] == "open"
            assert led.verify()["ok"] is True
        finally:
            led.close()

    # -- the hash chain ---------------------------------------------------------------------
    def test_hash_chain(self, engine: Engine) -> None:
        everything = self._populate(engine)
        with read_transaction(engine) as conn:
            report = es.verify_chain(conn)
            rows = list(es.raw_rows(conn, batch=5))
            head = es.head(conn)
        assert report.ok and report.problem is None and report.first_bad_position is None
        assert report.checked == 12 and report.head_position == 12
        assert report.head_hash == rows[-1]["hash"] == everything[-1].hash == head[1]
        prev = es.GENESIS_HASH
        for row in rows:
            assert row["prev_hash"] == prev
            assert es.chain_hash(row) == row["hash"]
            prev = row["hash"]
        # The hash covers the content: changing any field changes it.
        row = rows[4]
        for key, value in [
            ("payload", row["payload"].replace("4", "5")),
            ("actor", "mallory"),
            ("stream_version", 99),
            ("event_type", "Forged"),
            ("occurred_at", row["occurred_at"] + timedelta(microseconds=1)),
            ("recorded_at", row["recorded_at"] - timedelta(days=1)),
            ("prev_hash", "0" * 64),
        ]:
            assert es.chain_hash(row | {key: value}) != row["hash"], key

    def test_canonical_json_is_stable(self) -> None:
        assert es.canonical_json({"b": 1, "a": [1.5, "é"]}) == '{"a":[1.5,"é"],"b":1}'
        with pytest.raises(ValueError):
            es.canonical_json({"x": float("nan")})

    # -- append-only, enforced by the database ----------------------------------------------
    @pytest.mark.parametrize(
        "sql",
        [
            "UPDATE events SET actor = 'mallory' WHERE position = 2",
            "UPDATE events SET payload = '{}'",
            "DELETE FROM events WHERE position = 3",
            "DELETE FROM events",
        ],
    )
    def test_database_refuses_update_and_delete(self, engine: Engine, sql: str) -> None:
        self._populate(engine)
        before = self.snapshot(engine)
        rows_before = self.read_all(engine)
        with pytest.raises(AppendOnlyViolation, match="append-only"), translate_errors(), engine.begin() as conn:
            conn.execute(text(sql))
        assert self.snapshot(engine) == before
        assert self.read_all(engine) == rows_before

    def test_database_refuses_truncate_on_postgres(self, engine: Engine) -> None:
        if not is_postgres(engine):
            pytest.skip("SQLite has no TRUNCATE")
        self._populate(engine)
        before = self.snapshot(engine)
        with pytest.raises(AppendOnlyViolation), translate_errors(), engine.begin() as conn:
            conn.execute(text("TRUNCATE events"))
        assert self.snapshot(engine) == before

    def test_inserts_are_still_allowed(self, engine: Engine) -> None:
        """The triggers refuse changes, not appends: the store's own INSERT goes through."""
        self._populate(engine)
        with read_transaction(engine) as conn:
            v = es.stream_version(conn, "s-a")
        assert self.append(engine, "s-a", [e()], v)[0].position == 13

    # -- upcasting --------------------------------------------------------------------------
    @pytest.fixture
    def upcasters(self) -> Iterator[None]:
        @upcast.register("TestRenamed", 0)
        def _v0(data: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
            return "TestRenamed", 1, {"amount": data["amt"], "unit": "EUR"}

        @upcast.register("TestRenamed", 1)
        def _v1(data: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
            return "TestThing", 2, {"amount_cents": int(data["amount"] * 100), "unit": data["unit"]}

        yield
        upcast.unregister("TestRenamed", 0)
        upcast.unregister("TestRenamed", 1)

    def test_old_shapes_are_upcast_on_read_never_rewritten(self, engine: Engine, upcasters: None) -> None:
        self.append(
            engine,
            "s-a",
            [e("TestRenamed", schema_version=0, amt=1.5), e("TestRenamed", schema_version=1, amount=2.0, unit="USD")],
            0,
        )
        self.append(engine, "s-a", [e("TestThing", schema_version=2, amount_cents=7, unit="GBP")], 2)
        back = self.read_all(engine)
        assert [(r.event_type, r.schema_version, r.data) for r in back] == [
            ("TestThing", 2, {"amount_cents": 150, "unit": "EUR"}),
            ("TestThing", 2, {"amount_cents": 200, "unit": "USD"}),
            ("TestThing", 2, {"amount_cents": 7, "unit": "GBP"}),
        ]
        # Stored bytes stay as written, so the chain still verifies.
        with read_transaction(engine) as conn:
            raw = list(es.raw_rows(conn))
            assert es.verify_chain(conn).ok
        assert [(r["event_type"], r["schema_version"], json.loads(r["payload"])) for r in raw] == [
            ("TestRenamed", 0, {"amt": 1.5}),
            ("TestRenamed", 1, {"amount": 2.0, "unit": "USD"}),
            ("TestThing", 2, {"amount_cents": 7, "unit": "GBP"}),
        ]

    def test_projection_sees_upcast_events_at_append_as_at_rebuild(self, engine: Engine, upcasters: None) -> None:
        """An incremental projection and a rebuild must see the same shape of every event."""
        at_append: list[tuple[str, int, dict[str, Any]]] = []

        def capture(conn: Connection, recorded: Sequence[es.RecordedEvent]) -> None:
            at_append.extend((r.event_type, r.schema_version, r.data) for r in recorded)

        out = self.append(engine, "s-a", [e("TestRenamed", schema_version=0, amt=3.0)], 0, capture)
        on_read = [(r.event_type, r.schema_version, r.data) for r in self.read_all(engine)]
        assert at_append == on_read == [("TestThing", 2, {"amount_cents": 300, "unit": "EUR"})]
        assert out == self.read_all(engine)

    def test_rebuild_and_verify_across_an_old_domain_event(self, engine: Engine, db_url: str) -> None:
        """A ForecastRecorded stored in an older shape (schema_version 0) stays as stored, hash and all; the
        registered upcaster brings it to today's shape for the projector, a rebuild and verify alike."""

        @upcast.register("ForecastRecorded", 0)
        def _v0(data: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
            p = data["p_yes"]
            return "ForecastRecorded", 1, {
                "forecast_id": data["forecast_id"],
                "forecaster": data["forecaster"],
                "forecaster_id": data["forecaster"].lower().replace(" ", "-"),
                "made_at": data["made_at"],
                "probabilities": {"yes": p, "no": round(1 - p, 12)},
                "quote": data.get("quote"),
                "derivation": {"method": "stated"},
                "hedge": None, "role": None, "source_id": None, "quote_verified": None,
            }  # fmt: skip

        old = {"forecast_id": "f-old", "forecaster": "Ann Example", "p_yes": 0.3, "made_at": "2020-01-01"}
        led = Ledger(db_url, actor="tester")
        try:
            led.open_question("Will it rain?", "YES if it rains", question_id="rain", opened=date(2000, 1, 1))
            with write_transaction(engine) as conn:
                es.append(conn, ev.question_stream("rain"), [e("ForecastRecorded", schema_version=0, **old)], 1,
                          "tracker-v0", project)  # fmt: skip
            led.record_forecast("rain", "Bob Example", 0.8, date(2020, 1, 2))  # today's shape, after it
            led.resolve("rain", "no", date(2020, 2, 1))

            def forecasts() -> list[tuple[str, str, float]]:
                fs = led.show_question("rain")["forecasts"]
                return sorted((f["forecast_id"], f["forecaster_id"], f["p_yes"]) for f in fs)

            as_appended = forecasts()
            assert ("f-old", "ann-example", 0.3) in as_appended and len(as_appended) == 2
            assert led.rebuild() == 4
            assert forecasts() == as_appended
            report = led.verify()
            assert report["ok"] and report["projections_ok"] and report["events_checked"] == 4
            with read_transaction(engine) as conn:
                (row,) = [
                    r for r in es.raw_rows(conn) if r["event_type"] == "ForecastRecorded" and r["schema_version"] == 0
                ]
            assert json.loads(row["payload"]) == old  # never rewritten in place
        finally:
            led.close()
            upcast.unregister("ForecastRecorded", 0)

    def test_without_upcaster_events_read_as_stored(self, engine: Engine) -> None:
        upcast.unregister("TestRenamed", 0)
        self.append(engine, "s-a", [e("TestRenamed", schema_version=0, amt=1)], 0)
        (r,) = self.read_all(engine)
        assert (r.event_type, r.schema_version, r.data) == ("TestRenamed", 0, {"amt": 1})

    def test_upcaster_that_does_not_raise_the_version_is_a_bug(self) -> None:
        upcast.register("TestLoop", 3)(lambda data: ("TestLoop", 3, data))
        try:
            with pytest.raises(RuntimeError, match="did not raise the version"):
                upcast.upcast("TestLoop", 3, {})
        finally:
            upcast.unregister("TestLoop", 3)


class TestEventStore(EventStoreContract):
    """The contract on each backend of `db_url` (SQLite always; PostgreSQL when configured)."""

    @pytest.fixture
    def engine(self, db_url: str) -> Iterator[Engine]:
        engine = make_engine(db_url)
        migrate.upgrade(engine)
        yield engine
        engine.dispose()
