"""Set-based projection (tracker/projections/bulk.py) gives the rows of the per-event handlers.

On random ledgers (the benchmark generator's, which has every event type, with hostile text added through the
domain's own commands): the tables written one event at a time equal those a set-based rebuild writes, and
those of a per-event prefix followed by `project_range` over the rest (a bulk import onto a ledger that
already has rows to update). Both backends.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from tracker.app.ledger import Ledger, _table_rows
from tracker.domain import commands as c
from tracker.domain import events as ev
from tracker.errors import UserError
from tracker.projections import bulk
from tracker.projections.projector import clear, project, replay
from tracker.read.snapshot import memory_projections
from tracker.store import eventstore as es
from tracker.store import upcast
from tracker.store.db import read_transaction, write_transaction
from tracker.store.schema import PROJECTION_TABLES

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from generator import generate  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=UTC)

# Text a user could type, and worse: quotes, backslashes, JSON's and SQL's punctuation, other scripts, emoji,
# line breaks, what looks like a JSON path or a SQL string.
HOSTILE = st.one_of(
    st.sampled_from(
        ['a", "b', "x\\y", "'; DROP TABLE events; --", "$.title", '{"k": [1, 2]}', "é ñ 中文 🎲", "a\nb\tc"]
    ),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
)


def tables(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {t.name: _table_rows(conn, t) for t in PROJECTION_TABLES}


def _try(fn: Any) -> None:
    """Run one command; a hostile value the domain refuses is simply not in the ledger."""
    with contextlib.suppress(UserError):
        fn()


def build(url: str, seed: int, size: int, texts: list[str]) -> Ledger:
    """A generated ledger, then hostile commands through the domain, touching existing rows too."""
    led = Ledger(url, actor="tester")
    led.init()
    ds = generate(size, seed=seed)
    with write_transaction(led.engine) as conn:
        es.append_stream(conn, ds.batches, "tester", project, now=NOW)
    t0, t1, t2 = texts
    # an existing question (rows made by the bulk path, updated by single commands), and a new one
    q = next((m.question_id for m in ds.questions if m.status == "open" and m.kind == "binary"), "hostile-q")
    _try(lambda: led.add_source("hostile-src", t0, outlet=t1, authors=(t0, t1, t2), notes=t2, text=t1))
    led.open_question("Hostile?", "Text.", question_id="hostile-q", tags=("a-tag", "b.tag"))
    _try(lambda: led.open_question(t0, t1, question_id="hostile-q2", tags=("x",), condition=t2))
    _try(lambda: led.record_forecast(q, t0, 0.25, date(2025, 1, 2), role=t1))
    _try(lambda: led.record_forecast(q, t0, 0.75, date(2025, 1, 3), role=""))
    _try(lambda: led.record_forecast("hostile-q", t2, {"yes": 0.1, "no": 0.9}, date(2025, 1, 4), role=t2))
    _try(lambda: led.clarify(q, t2, title=t0, criteria=t1))
    _try(lambda: led.clarify(q, t1, opened=date(2000, 1, 2)))  # the opening day corrected (tracker question clarify)
    led.clarify("hostile-q", "opened earlier", opened=date(2001, 2, 3))
    _try(lambda: led.resolve(q, "yes", date(2025, 3, 1), evidence=t2))
    _try(lambda: led.correct(q, "no", date(2025, 3, 2), t0, evidence=t1))
    _try(lambda: led.annul("hostile-q", t1))
    return led


def check(led: Ledger, split_at: float) -> None:
    expected = tables(led.engine)  # written one event at a time (the append path)
    with read_transaction(led.engine) as conn:
        replayed = memory_projections()
        with replayed.begin() as mconn:
            replay(mconn, es.read(conn))
        head, _ = es.head(conn)
    assert tables(replayed) == expected  # (the per-event path agrees with itself)
    led.rebuild()  # set-based
    assert tables(led.engine) == expected
    split = int(head * split_at)
    with write_transaction(led.engine) as conn:
        clear(conn)
        replay(conn, es.read(conn, up_to=split))
        bulk.project_range(conn, split, head)
    assert tables(led.engine) == expected
    assert led.verify()["ok"]


@settings(max_examples=int(os.environ.get("TRACKER_PROPERTY_EXAMPLES", "10")), deadline=None)
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(30, 150),
    texts=st.lists(HOSTILE, min_size=3, max_size=3),
    split_at=st.floats(0, 1),
)
def test_set_based_projection_equals_the_per_event_handlers_sqlite(
    seed: int, size: int, texts: list[str], split_at: float
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        led = build(f"sqlite:///{tmp}/ledger.sqlite", seed, size, texts)
        try:
            check(led, split_at)
        finally:
            led.close()


@pytest.mark.parametrize(
    ("seed", "texts", "split_at"),
    [
        (1, ['a", "b', "x\\y: z", "é ñ 中文 🎲"], 0.0),
        (2, ["'; DROP TABLE events; --", "$.title", "a\nb\tc"], 0.5),
        (3, ['{"k": [1, 2]}', "\\u0041", "  spaced  "], 0.9),
    ],
)
def test_set_based_projection_equals_the_per_event_handlers(
    db_url: str, seed: int, texts: list[str], split_at: float
) -> None:
    """Both backends, on fixed seeds and hostile texts."""
    led = build(db_url, seed, 150, texts)
    try:
        check(led, split_at)
    finally:
        led.close()


def test_with_an_upcaster_registered_project_range_replays_through_the_handlers(tmp_path: Path) -> None:
    """SQL cannot see what an upcaster changes: while one is registered the range is replayed per event."""
    led = Ledger(f"sqlite:///{tmp_path}/l.sqlite", actor="tester")
    led.init()
    qid = led.open_question("Will it rain?", "Rain on the day.", question_id="rain")
    led.question_command(c.ClarifyQuestion(qid, "typo", NOW, title="Will it rain at all?"))

    @upcast.register("QuestionClarified", 1)
    def _shout(data: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
        return "QuestionClarified", 2, {**data, "title": (data.get("title") or "").upper()}

    try:
        led.rebuild()
        with read_transaction(led.engine) as conn:
            from sqlalchemy import text

            assert conn.execute(text("SELECT title FROM questions")).scalar_one() == "WILL IT RAIN AT ALL?"
    finally:
        upcast.unregister("QuestionClarified", 1)
    led.rebuild()
    with read_transaction(led.engine) as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT title FROM questions")).scalar_one() == "Will it rain at all?"
    led.close()


def test_a_bulk_import_with_set_based_projection_equals_one_projected_event_by_event(db_url: str) -> None:
    """append_stream(project_range=...) onto a ledger that has rows already: the same log and tables."""
    ds = generate(400, seed=21)
    half = len(ds.batches) // 2
    by_event = Ledger(f"sqlite:///{tempfile.mkdtemp()}/by_event.sqlite", actor="tester")
    by_event.init()
    with write_transaction(by_event.engine) as conn:
        es.append_stream(conn, ds.batches, "tester", project, now=NOW)
    set_based = Ledger(db_url, actor="tester")
    set_based.init()
    with write_transaction(set_based.engine) as conn:
        es.append_stream(conn, ds.batches[:half], "tester", project, now=NOW)
    with write_transaction(set_based.engine) as conn:
        done = es.append_stream(conn, ds.batches[half:], "tester", now=NOW, project_range=bulk.project_range)
    assert done.count == sum(len(evs) for _, evs, _ in ds.batches[half:])
    assert tables(set_based.engine) == tables(by_event.engine)
    with read_transaction(set_based.engine) as a, read_transaction(by_event.engine) as b:
        # (events without an id get a fresh one at append: compare what is not random)
        same = ("position", "stream_id", "stream_version", "event_type", "payload")
        assert [[r[k] for k in same] for r in es.raw_rows(a)] == [[r[k] for k in same] for r in es.raw_rows(b)]
    assert set_based.verify()["ok"]
    set_based.close()
    by_event.close()


def _cache_size(conn: Any) -> int:
    return int(conn.connection.driver_connection.execute("PRAGMA cache_size").fetchone()[0])


def test_a_bulk_append_on_sqlite_writes_with_a_larger_page_cache_and_gives_the_old_one_back(sqlite_url: str) -> None:
    """While the events and projections are written the cache is BULK_CACHE_KIB; after, and after a refusal
    inside it, the connection's own again (the pool hands the connection to the next transaction)."""
    from tracker.store.sqlite import BULK_CACHE_KIB

    led = Ledger(sqlite_url, actor="tester")
    led.init()
    ds = generate(60, seed=3)
    seen: list[int] = []

    def watching(conn: Any, start: int, end: int) -> None:
        seen.append(_cache_size(conn))
        bulk.project_range(conn, start, end)

    def refusing(conn: Any, start: int, end: int) -> None:
        raise RuntimeError("refused mid-write")

    with pytest.raises(RuntimeError, match="refused mid-write"), write_transaction(led.engine) as conn:
        before = _cache_size(conn)
        try:
            es.append_stream(conn, ds.batches, "tester", now=NOW, project_range=refusing)
        finally:
            assert _cache_size(conn) == before
    with led.engine.connect() as conn:
        assert es.head(conn)[0] == 0  # nothing of the refused write stayed

    with write_transaction(led.engine) as conn:
        es.append_stream(conn, ds.batches, "tester", now=NOW, project_range=watching)
        assert (seen, _cache_size(conn)) == ([-BULK_CACHE_KIB], before)
    assert led.verify()["ok"]
    led.close()


@pytest.mark.parametrize(
    "options",
    [("maybe", "no", "yes"), ("no", "other", "yes"), ("no", "yes", "zz"), ("no", "yes")],
)
def test_p_yes_is_set_only_when_the_options_are_exactly_yes_and_no(sqlite_url: str, options: tuple[str, ...]) -> None:
    """The set-based p_yes (SQLite reads the probabilities' stored text) agrees with the handlers' on options
    that hold yes and no among others, before, between and after them."""
    led = Ledger(sqlite_url, actor="tester")
    led.init()
    kind = "binary" if options == ("no", "yes") else "multiple_choice"
    qid = led.open_question(
        "Which?",
        "Text.",
        question_id="q-opts",
        kind=kind,
        options=() if kind == "binary" else options,
        opened=date(2025, 1, 1),
    )
    share = round(1 / len(options), 6)
    probs = {o: share for o in options[:-1]} | {options[-1]: round(1 - share * (len(options) - 1), 6)}
    led.record_forecast(qid, "Ann Example", probs, date(2025, 1, 2))
    expected = tables(led.engine)  # the handlers' rows
    led.rebuild()  # set-based
    assert tables(led.engine) == expected
    (p_yes,) = {row[5] for row in expected["forecasts"]}
    assert (p_yes is None) == (kind != "binary")
    led.close()


def test_a_questions_events_before_its_opening_change_nothing_set_based_either(db_url: str) -> None:
    """A log the domain does not write (store-level appends): a question's stream with a clarification and a
    resolution before its opening, and one clarification after it. One by one, the events before the opening
    update a row that is not there yet; a rebuild (the whole log) and a range after the start agree."""
    led = Ledger(db_url, actor="tester")
    led.init()
    on = datetime(2025, 1, 1, tzinfo=UTC)
    before = [
        ev.Event(ev.QUESTION_CLARIFIED, {"title": "Before?", "criteria": "Early.", "reason": "r"}, on),
        ev.Event(ev.QUESTION_RESOLVED, {"outcome": "yes", "known_on": "2025-01-01", "evidence": "e"}, on),
    ]
    opened = {
        "question_id": "early",
        "title": "Opened?",
        "criteria": "As opened.",
        "kind": "binary",
        "options": ["no", "yes"],
        "tags": ["t"],
        "opened": "2025-01-01",
    }
    with write_transaction(led.engine) as conn:
        es.append(conn, "question-early", before, es.ANY_VERSION, "tester", project)
        es.append(conn, "question-early", [ev.Event(ev.QUESTION_OPENED, opened, on)], es.ANY_VERSION, "tester", project)
    expected_opened = tables(led.engine)
    assert expected_opened["questions"][0][1:3] == ("Opened?", "As opened.")  # the early events changed nothing
    later = ev.Event(ev.QUESTION_CLARIFIED, {"criteria": "After.", "reason": "r"}, on)
    with write_transaction(led.engine) as conn:
        es.append(conn, "question-early", [later], es.ANY_VERSION, "tester", project)
    expected = tables(led.engine)
    led.rebuild()
    assert tables(led.engine) == expected
    for split in (1, 2, 3):
        with write_transaction(led.engine) as conn:
            clear(conn)
            replay(conn, es.read(conn, up_to=split))
            bulk.project_range(conn, split, 4)
        assert tables(led.engine) == expected
    led.close()


def test_from_the_start_sqlite_groups_the_forecasts_by_forecaster_without_walking_an_index(sqlite_url: str) -> None:
    """The two forecaster statements of a range from the log's start read the forecasts table in order and sort
    what they read (SQLite's planner would otherwise walk ix_forecasts_forecaster_id and read every forecast's
    row by a search of its own: BENCHMARKS.md, seventh bulk-import round). Their rows are the handlers' (above)."""
    from sqlalchemy import text

    from tracker.store.db import backend_of

    led = Ledger(sqlite_url, actor="tester")
    led.init()
    ds = generate(300, seed=5)
    with write_transaction(led.engine) as conn:
        es.append_stream(conn, ds.batches, "tester", now=NOW, project_range=bulk.project_range)
    with write_transaction(led.engine) as conn:
        forecaster_statements = [s for s in bulk.statements(backend_of(conn), from_start=True) if "forecasters" in s]
        assert len(forecaster_statements) == 2
        for sql in forecaster_statements:
            plan = [r[3] for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql), {"lo": 0, "hi": 10**6})]
            reads = [step for step in plan if " forecasts" in step and "forecasters" not in step]
            assert reads == ["SCAN forecasts"], plan
    led.close()
