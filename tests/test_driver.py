"""The driver-level write path (tracker.store.driver) stores exactly what SQLAlchemy's insert()/update() stores,
and the field-by-field hash text is exactly the canonical JSON it stands for."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, MetaData, Table, create_engine, insert, select, type_coerce, update
from sqlalchemy.engine import Engine
from sqlalchemy.types import NullType

from tracker.app.ledger import Ledger
from tracker.domain import events as ev
from tracker.store import driver, jsontext, postgres
from tracker.store import eventstore as es
from tracker.store.db import make_engine, write_transaction
from tracker.store.schema import events, forecasters, forecasts, questions, resolutions

# -- the hash -------------------------------------------------------------------------------------------------

aware = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5, minutes=-30)), timezone(timedelta(hours=13))]),
)
ints = st.integers(min_value=0, max_value=2**63 - 1)
texts = st.text()  # any code point, control characters and quotes included


@settings(max_examples=300, deadline=None)
@given(
    position=ints,
    event_id=texts,
    stream_id=texts,
    stream_version=ints,
    event_type=texts,
    schema_version=st.integers(min_value=0, max_value=32767),
    payload=texts,
    occurred_at=aware,
    recorded_at=aware,
    actor=texts,
    prev_hash=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
)
def test_chain_hash_is_the_canonical_json_definition(**row: Any) -> None:
    try:
        reference = es.chain_hash_reference(row)
    except UnicodeEncodeError:  # lone surrogates cannot be hashed either way
        with pytest.raises(UnicodeEncodeError):
            es.chain_hash(row)
        return
    assert es.chain_hash(row) == reference


_ANY_TEXT = st.text() | st.sampled_from(["%", "%s", "%%d", "100%", '"%s"', "%(x)s"])


@settings(max_examples=200, deadline=None)
@given(
    actor=_ANY_TEXT,
    stream_id=_ANY_TEXT,
    events=st.lists(
        st.tuples(
            _ANY_TEXT,
            st.dictionaries(_ANY_TEXT, _ANY_TEXT | st.integers() | st.floats(allow_nan=False, allow_infinity=False)),
            aware,
            st.none() | _ANY_TEXT,
            st.integers(min_value=0, max_value=32767),
        ),
        min_size=1,
        max_size=4,
    ),
    recorded_at=aware,
    start=st.tuples(st.integers(min_value=0, max_value=2**62), st.integers(min_value=0, max_value=2**30)),
)
def test_chain_rows_hash_by_the_canonical_json_definition(
    actor: str, stream_id: str, events: list[Any], recorded_at: datetime, start: tuple[int, int]
) -> None:
    """The hashes of `_chain`'s rows (the batch's shared fields written into its text once, `%` signs in them
    included) are those of the canonical JSON of each row's dict."""
    evs = [ev.Event(t, d, o, i, v) for t, d, o, i, v in events]
    rows: list[es.EventRow] = []
    try:
        es._chain(rows, None, stream_id, evs, start[1], start[0], "ab" * 32, recorded_at, actor, _TIMES)
    except UnicodeEncodeError:  # lone surrogates cannot be hashed either way
        return
    prev = "ab" * 32
    for row in rows:
        ref = dict(zip(es.EVENT_COLUMNS, row, strict=True))
        assert ref["prev_hash"] == prev
        ref |= {"occurred_at": _utc(ref["occurred_at"]), "recorded_at": _utc(ref["recorded_at"])}
        assert row[-1] == es.chain_hash_reference(ref) == es.chain_hash(ref)
        prev = row[-1]


@settings(max_examples=150, deadline=None)
@given(
    actor=_ANY_TEXT,
    plan=st.lists(
        st.tuples(
            _ANY_TEXT,
            st.lists(
                st.tuples(
                    _ANY_TEXT,
                    st.dictionaries(
                        _ANY_TEXT,
                        _ANY_TEXT | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.none(),
                    ),
                    aware,
                    st.none() | _ANY_TEXT,
                    st.integers(min_value=0, max_value=32767),
                ),
                min_size=0,
                max_size=3,
            ),
            st.integers(min_value=0, max_value=2**30),
        ),
        min_size=1,
        max_size=4,
    ),
    recorded_at=aware,
    position=st.integers(min_value=0, max_value=2**62),
)
def test_chunk_rows_hash_by_the_canonical_json_definition(
    actor: str, plan: list[Any], recorded_at: datetime, position: int
) -> None:
    """`_chain_many` over several streams' batches at once (what a bulk append writes per chunk; a stream may come
    twice, a batch may be empty): each row's stream, version and position follow its batch, its previous hash is
    the row before's, and its hash is that of the canonical JSON of the row's dict."""
    batches = [(s, [ev.Event(t, d, o, i, v) for t, d, o, i, v in evs], current) for s, evs, current in plan]
    rows: list[es.EventRow] = []
    out: list[es.RecordedEvent] = []
    try:
        head = es._chain_many(rows, out, batches, position, "cd" * 32, recorded_at, actor, _TIMES)
    except UnicodeEncodeError:  # lone surrogates cannot be hashed either way
        return
    expected = [(s, current + k, e) for s, evs, current in batches for k, e in enumerate(evs, start=1)]
    assert len(rows) == len(out) == len(expected)
    prev = "cd" * 32
    for n, (row, recorded, (stream_id, version, event)) in enumerate(zip(rows, out, expected, strict=True), 1):
        ref = dict(zip(es.EVENT_COLUMNS, row, strict=True))
        assert (ref["position"], ref["stream_id"], ref["stream_version"]) == (position + n, stream_id, version)
        assert (ref["event_type"], ref["schema_version"], ref["actor"]) == (event.type, event.schema_version, actor)
        assert ref["event_id"] == (event.event_id or ref["event_id"])
        assert ref["payload"] == json.dumps(event.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert ref["prev_hash"] == prev
        ref |= {"occurred_at": _utc(ref["occurred_at"]), "recorded_at": _utc(ref["recorded_at"])}
        assert row[-1] == es.chain_hash_reference(ref) == es.chain_hash(ref)
        assert tuple(recorded) == (*row[:6], event.data, event.occurred_at, recorded_at, *row[9:])
        prev = row[-1]
    assert head == (position + len(rows), prev)


_TIMES = es.time_texts(create_engine("sqlite://").dialect)


def _utc(stored: str) -> datetime:
    """A stored SQLite time (naive UTC text) as the aware datetime it stands for."""
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


def test_iso_utc_matches_strftime_for_every_year_shape() -> None:
    for dt in [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1000, 1, 1, tzinfo=UTC),
        datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=2))),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ]:
        assert es.iso_utc(dt) == dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- the stored rows ------------------------------------------------------------------------------------------


def _pair(engine: Engine, table: Table) -> tuple[Table, Table]:
    """Two empty copies of `table`: one written by SQLAlchemy, one by tracker.store.driver."""
    md = MetaData()
    # The copies keep the columns, types and primary key; other constraints and indexes are not what is
    # compared here (and their names would clash with the real tables' on PostgreSQL).
    ref, fast = (
        Table(
            f"{prefix}_{table.name}",
            md,
            *[Column(c.name, c.type, primary_key=c.primary_key, autoincrement=False) for c in table.columns],
        )
        for prefix in ("ref", "fast")
    )
    md.create_all(engine)
    return ref, fast


def _stored(engine: Engine, table: Table) -> list[tuple[Any, ...]]:
    """The values as the driver returns them (no SQLAlchemy result processing), in key order."""
    cols = ", ".join(engine.dialect.identifier_preparer.quote(c.name) for c in table.columns)
    keys = ", ".join(engine.dialect.identifier_preparer.quote(c.name) for c in table.primary_key.columns)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(f"SELECT {cols} FROM {table.name} ORDER BY {keys}")]


PARIS = timezone(timedelta(hours=1))
T = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)


def _event_row(i: int, when: datetime) -> dict[str, Any]:
    return {
        "position": i,
        "event_id": f"id-{i}",
        "stream_id": f"question-q{i % 3}",
        "stream_version": i,
        "event_type": "QuestionOpened",
        "schema_version": 1,
        "payload": '{"a":"é\\n"}',
        "occurred_at": when,
        "recorded_at": T,
        "actor": "tester",
        "prev_hash": "0" * 64,
        "hash": "f" * 64,
    }


def _forecast_row(i: int) -> dict[str, Any]:
    return {
        "forecast_id": f"f{i}",
        "question_id": "q1",
        "forecaster_id": "ann",
        "role": None if i % 2 else "analyst",
        "probabilities": '{"no":0.3,"yes":0.7}',
        "p_yes": 1 if i == 3 else 0.7,  # an int where a float is expected
        "made_at": date(2020, 2, 29),
        "source_id": None,
        "quote": "“likely”",
        "hedge": None,
        "quote_verified": None if i == 1 else bool(i % 2),
        "method": "verbal",
        "phrase": "likely",
        "scale_version": 1,
        "reading": "affirms",
        "p_low": 0.55,
        "p_high": 0.85,
        "withdrawn": i == 2,
        "withdrawn_reason": None,
        "position": i,
        "updated_position": i,
    }


CASES = {
    "events": (
        events,
        [
            _event_row(1, T),
            _event_row(2, datetime(2026, 1, 2, 3, 4, 5, tzinfo=PARIS)),
            _event_row(3, datetime(1999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-9)))),
            _event_row(4, T),  # the same object again (the converter remembers the last value)
        ],
    ),
    "forecasts": (forecasts, [_forecast_row(i) for i in range(1, 5)]),
    "resolutions": (
        resolutions,
        [
            {
                "position": 7,
                "question_id": "q1",
                "action": "resolved",
                "outcome": "yes",
                "known_on": date(2021, 1, 1),
                "evidence": None,
                "reason": None,
                "actor": "tester",
                "recorded_at": datetime(2021, 1, 1, tzinfo=PARIS),
            },
            {
                "position": 8,
                "question_id": "q1",
                "action": "reopened",
                "outcome": None,
                "known_on": None,
                "evidence": "x",
                "reason": "y",
                "actor": "tester",
                "recorded_at": T,
            },
        ],
    ),
}


@pytest.fixture(params=["executemany", "copy"])
def insert_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways `insert_rows` writes on PostgreSQL: executemany, and COPY from COPY_FROM rows (forced to 1)."""
    if request.param == "copy":
        monkeypatch.setattr(postgres, "COPY_FROM", 1)
    return str(request.param)


@pytest.mark.parametrize("name", sorted(CASES))
def test_insert_rows_stores_what_sqlalchemy_stores(db_url: str, name: str, insert_path: str) -> None:
    table, rows = CASES[name]
    engine = make_engine(db_url)
    try:
        ref, fast = _pair(engine, table)
        with engine.begin() as conn:
            conn.execute(insert(ref), rows)
            driver.insert_rows(conn, fast, rows)
        assert _stored(engine, fast) == _stored(engine, ref)
        assert len(_stored(engine, fast)) == len(rows)
    finally:
        engine.dispose()


@pytest.mark.parametrize("name", sorted(CASES))
def test_select_columns_reads_what_sqlalchemy_reads(db_url: str, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    table, rows = CASES[name]
    engine = make_engine(db_url)
    monkeypatch.setattr(driver, "IN_CHUNK", 2)  # several IN lists
    try:
        ref, _ = _pair(engine, table)
        names = [c.name for c in table.columns]
        key = names[0]
        with engine.begin() as conn:
            conn.execute(insert(ref), rows)
            expected = sorted(tuple(r) for r in conn.execute(select(*ref.c)))
            got = driver.select_columns(conn, ref, names)
            some = [rows[0][key], rows[-1][key], -1 if isinstance(rows[0][key], int) else "absent"]
            chosen = driver.select_columns(conn, ref, names, key, some)
        assert sorted(zip(*(got[n] for n in names), strict=True)) == expected
        # the same Python types as SQLAlchemy gives (dates as dates, booleans as bools, aware UTC times)
        assert [tuple(map(type, r)) for r in sorted(zip(*(got[n] for n in names), strict=True))] == [
            tuple(map(type, r)) for r in expected
        ]
        assert sorted(chosen[key]) == sorted({rows[0][key], rows[-1][key]})
    finally:
        engine.dispose()


def test_update_rows_stores_what_sqlalchemy_stores(db_url: str) -> None:
    engine = make_engine(db_url)
    q = {
        "title": "t",
        "criteria": "c",
        "kind": "binary",
        "options": "[]",
        "tags": "[]",
        "opened": date(2020, 1, 1),
        "resolve_by": None,
        "condition": None,
        "status": "open",
        "outcome": None,
        "known_on": None,
        "evidence": None,
        "status_reason": None,
        "version": 1,
        "opened_position": 1,
        "updated_position": 1,
    }
    rows = [{**q, "question_id": f"q{i}"} for i in range(4)]
    changes = [
        {"question_id": "q1", "status": "resolved", "known_on": date(2021, 5, 6), "version": 3},
        {"question_id": "q2", "status": "annulled", "known_on": None, "version": 2},
        {"question_id": "missing", "status": "open", "known_on": None, "version": 9},  # changes nothing
    ]
    try:
        ref, fast = _pair(engine, questions)
        with engine.begin() as conn:
            conn.execute(insert(ref), rows)
            conn.execute(insert(fast), rows)
            for ch in changes:
                conn.execute(update(ref).where(ref.c.question_id == ch["question_id"]).values(ch))
            driver.update_rows(conn, fast, ("known_on", "status", "version"), ("question_id",), changes)
        assert _stored(engine, fast) == _stored(engine, ref)
        with engine.connect() as conn:
            assert conn.execute(select(fast.c.status).where(fast.c.question_id == "q1")).scalar_one() == "resolved"
    finally:
        engine.dispose()


# Events as an append gets them: times in several zones (two of them the same instant), a year below 1000, ids
# given and not, payloads with text JSON must escape.
_EVENTS = [
    ev.Event("QuestionOpened", {"question_id": "q1", "title": 'é "q"\n\u2028'}, T, None),
    ev.Event("ForecastRecorded", {"p": 0.7, "who": "Zoë"}, datetime(2026, 1, 2, 4, 4, 5, 6, tzinfo=PARIS), "id-2"),
    ev.Event("ForecastRecorded", {"p": 1e-05}, datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC), None, 2),
    ev.Event("QuestionResolved", {}, datetime(1999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-9))), None),
    ev.Event("QuestionResolved", {"n": [1, None]}, datetime(2026, 6, 30, tzinfo=PARIS), "id-5"),
]


def _reference_rows(made: list[tuple[Any, ...]], evs: list[ev.Event], recorded_at: datetime) -> list[dict[str, Any]]:
    """The rows as `append` made them before they became tuples: a dict per event, its payload
    `json.dumps`'d canonically, its hash by the canonical-JSON definition (the ids are the ones `_chain` drew)."""
    out: list[dict[str, Any]] = []
    prev = es.GENESIS_HASH
    for i, (tup, event) in enumerate(zip(made, evs, strict=True), start=1):
        row = {
            "position": 10 + i,
            "event_id": tup[1],
            "stream_id": "question-q1",
            "stream_version": 3 + i,
            "event_type": event.type,
            "schema_version": event.schema_version,
            "payload": json.dumps(event.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
            "occurred_at": event.occurred_at,
            "recorded_at": recorded_at,
            "actor": "tester",
            "prev_hash": prev,
        }
        row["hash"] = prev = es.chain_hash_reference(row)
        out.append(row)
    return out


@pytest.mark.parametrize("n", [1, len(_EVENTS)], ids=["one", "several"])
def test_event_tuples_store_what_the_dict_rows_stored(db_url: str, insert_path: str, n: int) -> None:
    """`_chain`'s tuples (each time formatted once for hash and row), inserted by `insert_tuples` (one row:
    execute; several: executemany, or COPY), store what SQLAlchemy's insert() of the old dict rows stored,
    with the same hashes; the recorded events handed to projections are those rows."""
    evs = _EVENTS[:n]
    recorded_at = datetime(2026, 1, 2, 4, 4, 5, 6, tzinfo=PARIS)
    engine = make_engine(db_url)
    try:
        ref, fast = _pair(engine, events)
        made: list[es.EventRow] = []
        out: list[es.RecordedEvent] = []
        head = es._chain(
            made, out, "question-q1", evs, 3, 10, es.GENESIS_HASH, recorded_at, "tester", es.time_texts(engine.dialect)
        )
        reference = _reference_rows(made, evs, recorded_at)
        with engine.begin() as conn:
            conn.execute(insert(ref), reference)
            driver.insert_tuples(conn, fast, made)
        assert _stored(engine, fast) == _stored(engine, ref)
        assert len(_stored(engine, fast)) == n
        assert head == (10 + n, reference[-1]["hash"])
        assert [tuple(r) for r in out] == [
            (*(r[k] for k in es.EVENT_COLUMNS[:6]), e.data, *(r[k] for k in es.EVENT_COLUMNS[7:]))
            for r, e in zip(reference, evs, strict=True)
        ]
        assert [r[1] for r in made if r[1].startswith("id-")] == [e.event_id for e in evs if e.event_id]  # kept
        assert len({r[1] for r in made}) == n  # and drawn, distinct, where not given
    finally:
        engine.dispose()


def test_time_texts_refuse_naive_times_and_match_iso_utc(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        times = es.time_texts(engine.dialect)
        with pytest.raises(ValueError, match="naive datetime"):
            times(datetime(2026, 1, 1))
        for t in (T, datetime(2026, 1, 2, 4, 4, 5, 6, tzinfo=PARIS), datetime(999, 1, 1, tzinfo=UTC)):
            assert times(t)[0] == es.iso_utc(t)
    finally:
        engine.dispose()


def test_a_naive_datetime_is_refused_before_anything_is_written(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        _, fast = _pair(engine, events)
        with pytest.raises(ValueError, match="naive datetime"), engine.begin() as conn:
            driver.insert_rows(conn, fast, [_event_row(1, datetime(2026, 1, 1))])
        assert _stored(engine, fast) == []
    finally:
        engine.dispose()


# -- the JSON writers -----------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_json_writers_write_what_json_dumps_writes(value: Any) -> None:
    assert jsontext.canonical_json(value) == json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    assert jsontext.readable_json(value) == json.dumps(value, sort_keys=True, ensure_ascii=False)


def test_canonical_json_refuses_nan_and_readable_json_writes_it() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        jsontext.canonical_json({"p": float("nan")})
    assert jsontext.readable_json({"p": float("nan")}) == '{"p": NaN}'


# -- reading times back ---------------------------------------------------------------------------------------


def test_times_read_without_result_processing_equal_sqlalchemys(db_url: str) -> None:
    engine = make_engine(db_url)
    times = [T, datetime(2026, 1, 2, 3, 4, 5, tzinfo=PARIS), datetime(999, 1, 1, tzinfo=UTC), T]
    try:
        ref, _ = _pair(engine, events)
        with engine.begin() as conn:
            conn.execute(insert(ref), [_event_row(i, t) for i, t in enumerate(times, start=1)])
        read = driver.utc_reader(engine.dialect)
        raw = type_coerce(ref.c.occurred_at, NullType())
        with engine.connect() as conn:
            processed = list(conn.execute(select(ref.c.occurred_at, ref.c.recorded_at).order_by(ref.c.position)))
            unprocessed = list(conn.execute(select(raw, ref.c.recorded_at).order_by(ref.c.position)))
        assert [read(r[0]) for r in unprocessed] == [r[0] for r in processed] == [t.astimezone(UTC) for t in times]
        assert all(read(r[0]).tzinfo is UTC for r in unprocessed)
        assert read(None) is None
    finally:
        engine.dispose()


def test_driver_errors_reach_the_boundary_as_sqlalchemy_errors(db_url: str, insert_path: str) -> None:
    """A constraint violation in a driver-level write is translated like any other (one boundary)."""
    from sqlalchemy import exc as sa_exc

    from tracker.app.ledger import Ledger
    from tracker.errors import AppendOnlyViolation, ConflictError, DatabaseError
    from tracker.store.db import translate_errors

    Ledger(db_url).init()
    engine = make_engine(db_url)
    try:
        with pytest.raises(sa_exc.IntegrityError), engine.begin() as conn:
            driver.insert_rows(conn, events, [_event_row(1, T), _event_row(1, T)])  # the same position twice
        # SQLite: migration 0004's trigger refuses an insert over an existing event id before the constraint does
        with pytest.raises((ConflictError, AppendOnlyViolation)), translate_errors(), engine.begin() as conn:
            driver.insert_rows(conn, events, [{**_event_row(1, T), "event_id": "same"}])
            driver.insert_rows(conn, events, [{**_event_row(2, T), "event_id": "same"}])
        with pytest.raises(DatabaseError, match="database error|no tables"), translate_errors(), engine.begin() as conn:
            driver.run(conn, "SELECT nothing FROM no_such_table", ())
        with engine.connect() as conn:
            assert driver.run(conn, "SELECT count(*) FROM events", ()) == [(0,)]
    finally:
        engine.dispose()


@given(st.lists(st.text(max_size=40), min_size=1, max_size=4))
def test_catalog_event_ids_are_uuid5_of_the_joined_parts(parts: list[str]) -> None:
    import uuid

    from tracker.store.ids import CATALOG_NAMESPACE, catalog_event_id

    name = "/".join(parts)
    try:
        expected = str(uuid.uuid5(CATALOG_NAMESPACE, name))
    except UnicodeEncodeError:  # a lone surrogate: refused by both
        with pytest.raises(UnicodeEncodeError):
            catalog_event_id(*parts)
        return
    assert catalog_event_id(*parts) == expected


def test_catalog_event_ids_stay_those_already_in_ledgers() -> None:
    from tracker.store.ids import catalog_event_id

    # uuid5 of the namespace and "question/osaka-trump-putin-meeting-2019/opened", as ledgers hold it.
    assert catalog_event_id("question", "osaka-trump-putin-meeting-2019", "opened") == (
        "64fa4099-5078-599a-a622-364c2451e0c1"
    )


def test_present_keys_are_exactly_the_stored_ones_among_many(ledger: Ledger) -> None:
    """`present_keys` over more keys than one IN list holds (and, on PostgreSQL, one array parameter), repeated and
    absent ones among them, quotes and non-ASCII text included: exactly the keys the column holds."""
    stored = [f"f-{i}" for i in range(1200)] + ["o'neil", 'say "hi"', "zoë", "%s"]
    with write_transaction(ledger.engine) as conn:
        conn.execute(insert(forecasters), [{"forecaster_id": k, "name": k, "first_position": 1} for k in stored])
    wanted = stored[::3] + stored[::3] + [f"absent-{i}" for i in range(700)] + ["o'neil", "zoë", "zoe", "%"]
    with write_transaction(ledger.engine) as conn:
        assert driver.present_keys(conn, forecasters.c.forecaster_id, wanted) == set(stored[::3]) | {"o'neil", "zoë"}
        assert driver.present_keys(conn, forecasters.c.forecaster_id, ["absent"]) == set()
        assert driver.present_keys(conn, forecasters.c.forecaster_id, []) == set()
