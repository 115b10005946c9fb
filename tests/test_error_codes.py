"""Driver errors become tracker errors by their class and code (sqlite3's extended result code, PostgreSQL's
SQLSTATE and the constraint or trigger the server names), never by the words of the message: a message that
says "database is locked" or "append-only" under another code is not taken for what it says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from tracker.errors import AppendOnlyViolation, ConflictError, DatabaseBusy, DatabaseError, SerializationConflict
from tracker.store.db import is_postgres, make_engine, translate_errors


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _error(engine: Engine, *statements: str) -> DatabaseError:
    """The tracker error the last of `statements` raises, run in one transaction after the others."""
    with pytest.raises(DatabaseError) as info, translate_errors(), engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))
    return info.value


def _refusing_trigger(engine: Engine, message: str) -> list[str]:
    """A table `t` whose UPDATE a trigger of the test (not the events table's) refuses with `message`."""
    if is_postgres(engine):
        return [
            "CREATE TABLE t (x integer)",
            "INSERT INTO t VALUES (1)",
            f"CREATE FUNCTION t_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{message}'; "
            "END $$",
            "CREATE TRIGGER t_no_update BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION t_refuse()",
        ]
    return [
        "CREATE TABLE t (x integer)",
        "INSERT INTO t VALUES (1)",
        f"CREATE TRIGGER t_no_update BEFORE UPDATE ON t BEGIN SELECT RAISE(ABORT, '{message}'); END",
    ]


def test_a_stale_stream_version_is_a_conflict_on_the_stream(engine: Engine) -> None:
    made = [
        "CREATE TABLE events (stream_id text, stream_version integer, "
        "CONSTRAINT uq_events_stream_id UNIQUE (stream_id, stream_version))",
        "INSERT INTO events VALUES ('question-q', 1)",
    ]
    with pytest.raises(ConflictError) as info, translate_errors(), engine.begin() as conn:
        for sql in [*made, "INSERT INTO events VALUES ('question-q', 1)"]:
            conn.execute(text(sql))
    assert info.value.field == "stream"


def test_another_unique_violation_is_an_integrity_error_whatever_its_names_say(engine: Engine) -> None:
    # a table and constraint named like the events' (stream_version, event_id) but not them
    err = _error(
        engine,
        'CREATE TABLE other (event_id text, CONSTRAINT "stream_version event_id" UNIQUE (event_id))',
        "INSERT INTO other VALUES ('a')",
        "INSERT INTO other VALUES ('a')",
    )
    assert type(err) is DatabaseError and str(err).startswith("integrity error: ")


def test_a_trigger_of_someone_else_saying_busy_or_append_only_is_neither(engine: Engine) -> None:
    for message in ("database is locked", "events are append-only: lock timeout"):
        err = _error(engine, *_refusing_trigger(engine, message), "UPDATE t SET x = 2")
        if is_postgres(engine):  # not the events table's trigger function: a plain database error
            assert type(err) is DatabaseError and message in str(err)
        else:  # every trigger of a tracker database is the events table's: SQLITE_CONSTRAINT_TRIGGER is its code
            assert type(err) is AppendOnlyViolation
        # the failed transaction rolled back the table, the trigger and its function: the next message starts anew


def test_a_check_constraint_named_like_a_lock_error_is_an_integrity_error(engine: Engine) -> None:
    err = _error(
        engine,
        'CREATE TABLE c (x integer CONSTRAINT "database is locked append-only" CHECK (x > 0))',
        "INSERT INTO c VALUES (0)",
    )
    assert type(err) is DatabaseError and str(err).startswith("integrity error: ")
    assert not isinstance(err, DatabaseBusy | AppendOnlyViolation)


def test_a_missing_table_says_to_run_init(engine: Engine) -> None:
    err = _error(engine, "SELECT * FROM no_such_table")
    assert str(err) == "the ledger has no tables: run 'tracker init' first"


def test_a_read_only_transaction_refuses_writes(engine: Engine, tmp_path) -> None:
    if is_postgres(engine):
        err = _error(engine, "CREATE TABLE r (x integer)", "SET TRANSACTION READ ONLY", "INSERT INTO r VALUES (1)")
    else:
        with translate_errors(), engine.begin() as conn:
            conn.execute(text("CREATE TABLE r (x integer)"))
        database = engine.url.database
        read_only = make_engine(f"sqlite:///file:{database}?mode=ro&uri=true")
        try:
            err = _error(read_only, "INSERT INTO r VALUES (1)")
        finally:
            read_only.dispose()
    assert str(err) == "the database is read-only; nothing was written"


def test_a_serialization_failure_is_its_own_error_with_the_drivers_message(engine: Engine) -> None:
    if not is_postgres(engine):
        pytest.skip("SQLite has one writer: no snapshot can be overtaken")
    with translate_errors(), engine.begin() as conn:
        conn.execute(text("CREATE TABLE s (x integer)"))
        conn.execute(text("INSERT INTO s VALUES (1)"))
    with engine.connect() as first, engine.connect() as second:
        first = first.execution_options(isolation_level="REPEATABLE READ")
        with first.begin():
            first.execute(text("SELECT x FROM s")).all()  # the snapshot is taken here
            with second.begin():
                second.execute(text("UPDATE s SET x = 2"))
            with pytest.raises(SerializationConflict) as info, translate_errors():
                first.execute(text("UPDATE s SET x = 3"))
    assert str(info.value).startswith("database error: could not serialize access")
