"""The scoring job's bulk paths, on SQLite and PostgreSQL: score columns written as whole arrays (executemany of
pre-converted columns, binary COPY) store exactly what the row-by-row conversion through SQLAlchemy stores, and
the forecasts read as arrays score exactly as the forecasts read through SQLAlchemy's result processing."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Connection, delete, insert, select
from test_scoring_job import apply, random_ops

from tracker.app.ledger import Ledger
from tracker.scoring import compute, job
from tracker.store.driver import insert_arrays, select_arrays
from tracker.store.schema import forecast_scores, forecasts, question_scores, questions


def _stored(conn: Connection, table: Any, key: tuple[str, ...]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Every row of ``table`` as SQLAlchemy returns it (its own result processing), by key, without run_id."""
    out = {}
    for r in conn.execute(select(table)).mappings():
        row = {k: v for k, v in r.items() if k != "run_id"}
        out[tuple(row[k] for k in key)] = row
    return out


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Exactly equal rows: floats to the last bit (as numbers: 3 == 3.0), dates as dates, missing as missing."""
    if a.keys() != b.keys():
        return False
    for k in a:
        x, y = a[k], b[k]
        if (x is None) != (y is None):
            return False
        if isinstance(x, float) or isinstance(y, float):
            if float(x).hex() != float(y).hex():
                return False
        elif x != y or type(x) is not type(y):
            return False
    return True


def _frames_through_sqlalchemy(conn: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The questions and forecasts frames `compute.score` takes, read row by row through SQLAlchemy (an
    independent reading: none of the job's array conversions)."""
    qrows = [dict(r) for r in conn.execute(select(questions)).mappings()]
    qframe = pd.DataFrame(qrows).sort_values("question_id", kind="stable").reset_index(drop=True)
    qframe["options"] = [json.loads(o) for o in qframe["options"]]
    frows = [dict(r) for r in conn.execute(select(forecasts).order_by(forecasts.c.position)).mappings()]
    fframe = pd.DataFrame(frows)
    fframe["probabilities"] = [
        json.loads(p) if math.isnan(y) else None
        for p, y in zip(fframe["probabilities"], fframe["p_yes"].astype(float), strict=True)
    ]
    return qframe, fframe


def test_full_run_stores_what_the_row_by_row_conversion_stores(ledger: Ledger) -> None:
    """Random questions and forecasts (binary, multiple choice, verbal intervals, withdrawals, corrections,
    annulments, hindsight, a source): the rows a full run writes equal, value for value and type for type, the
    rows of an independent reading scored and converted cell by cell (`job.frame_rows`)."""
    ledger.add_source("src-a", "An article", outlet="The Daily")
    rng = random.Random(11)
    forecast_ids: dict[int, list[str]] = {}
    kinds: dict[int, str] = {}
    for i in range(4):
        apply(ledger, ("open", i, ["binary", "multiple_choice"][i % 2]), forecast_ids, kinds)
    ledger.record_forecast("q0", "Sourced", 0.3, date(2020, 1, 2), source_id="src-a", quote="a quote")
    for op in random_ops(rng, 60):
        apply(ledger, op, forecast_ids, kinds)
    for i in range(4):
        apply(ledger, ("reopen", i), forecast_ids, kinds)
        apply(ledger, ("resolve", i, rng.randrange(2), rng.randrange(4, 13)), forecast_ids, kinds)
    result = ledger.score(full=True)
    assert result.status == "ok"

    with ledger.view() as conn:
        qframe, fframe = _frames_through_sqlalchemy(conn)
        stored_f = _stored(conn, forecast_scores, ("forecast_id",))
        stored_q = _stored(conn, question_scores, ("question_id", "forecaster_id"))
    scores = compute.score(fframe, qframe)
    want_f = {(r["forecast_id"],): r for r in job.frame_rows(scores.per_forecast, job.FORECAST_SCORE_COLUMNS)}
    want_q = {
        (r["question_id"], r["forecaster_id"]): {k: v for k, v in r.items() if k != "run_id"}
        for r in job.question_score_rows(scores.per_question, 0)
    }
    assert stored_f.keys() == want_f.keys() and stored_q.keys() == want_q.keys()
    assert {r["status"] for r in stored_f.values()} >= {"scored", "superseded"}
    assert any(r["source_id"] for r in stored_f.values()) and any(r["source_id"] is None for r in stored_f.values())
    assert any(r["brier_low"] is not None for r in stored_f.values())  # a verbal forecast was scored
    bad_f = [k for k in want_f if not _same(stored_f[k], want_f[k])]
    bad_q = [k for k in want_q if not _same(stored_q[k], want_q[k])]
    assert not bad_f, [(stored_f[k], want_f[k]) for k in bad_f[:2]]
    assert not bad_q, [(stored_q[k], want_q[k]) for k in bad_q[:2]]


_AWKWARD = ["plain", "tab\there", "new\nline", "back\\slash", "quote\"'", "ünïcødé ☂", "", "\\N", "NULL"]


def _rows(n: int) -> list[dict[str, Any]]:
    rng = random.Random(5)
    floats = [0.1 + 0.2, 1e-300, 5e-324, 2.0, 0.0, -0.0, 1 / 3, None]
    rows = []
    for i in range(n):
        rows.append(
            {
                "forecast_id": f"f{i:04d}-{_AWKWARD[i % len(_AWKWARD)]}",
                "question_id": _AWKWARD[i % len(_AWKWARD)],
                "forecaster_id": f"who {i % 7}",
                "source_id": None if i % 3 else _AWKWARD[(i // 3) % len(_AWKWARD)],
                "made_at": date(2020, 1, 1 + i % 28),
                "known_on": None if i % 4 == 0 else date(1999 + i % 30, 12, 31),
                "status": ["scored", "superseded", "withdrawn"][i % 3],
                "outcome": None if i % 5 == 0 else "yes",
                "run_id": 7 + i % 2,
            }
            | {c: rng.choice(floats) for c in job._SCORE_FLOATS if c in forecast_scores.c}
        )
    return rows


def _arrays(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rows as the arrays `insert_arrays` takes (NaN and NaT for missing numbers and days)."""
    out: dict[str, Any] = {}
    for c in forecast_scores.columns:
        values = [r[c.name] for r in rows]
        if c.name in ("made_at", "known_on"):
            out[c.name] = np.array(values, dtype="datetime64[D]").astype("datetime64[ns]")
        elif c.name == "run_id":
            out[c.name] = np.array(values, dtype=np.int64)
        elif c.name in job._SCORE_FLOATS:
            out[c.name] = np.array(values, dtype=np.float64)
        else:
            arr = np.empty(len(values), dtype=object)
            arr[:] = values
            out[c.name] = arr
    return out


@pytest.mark.parametrize("n", [5, 200])  # fewer and more rows than PostgreSQL's COPY threshold
def test_insert_arrays_stores_what_insert_stores(ledger: Ledger, n: int) -> None:
    """Awkward text (tabs, newlines, backslashes, a literal \\N), NULLs in every nullable column, subnormal and
    signed-zero floats, days around the epoch's years: SQLAlchemy's insert and `insert_arrays` store the same."""
    rows = _rows(n)
    with ledger.engine.begin() as conn:
        conn.execute(insert(forecast_scores), rows)
        want = _stored(conn, forecast_scores, ("forecast_id",))
        conn.execute(delete(forecast_scores))
        insert_arrays(conn, forecast_scores, _arrays(rows), chunk=64)
        got = _stored(conn, forecast_scores, ("forecast_id",))
        runs = sorted(set(conn.execute(select(forecast_scores.c.run_id)).scalars()))
    assert got.keys() == want.keys()
    assert [k for k in want if not _same(got[k], want[k])] == []
    assert runs == ([7, 8] if n > 1 else [7])


def test_select_arrays_reads_what_sqlalchemy_reads(ledger: Ledger) -> None:
    rows = _rows(90)
    with ledger.engine.begin() as conn:
        conn.execute(insert(forecast_scores), rows)
        got = select_arrays(conn, forecast_scores, [c.name for c in forecast_scores.columns])
        some = select_arrays(conn, forecast_scores, ["forecast_id", "known_on"], "question_id", ["plain", "NULL"])
        none = select_arrays(conn, forecast_scores, ["brier", "made_at"], "question_id", [])
    by_id = {r["forecast_id"]: r for r in rows}
    for i, fid in enumerate(got["forecast_id"]):
        r = by_id[fid]
        for c in ("made_at", "known_on"):
            day = got[c][i]
            assert (None if np.isnat(day) else day.astype(object)) == r[c]
        for c in job._SCORE_FLOATS:
            if c in r:
                v = got[c][i]
                assert (None if math.isnan(v) else float(v)) == r[c]
        assert got["run_id"][i] == r["run_id"] and got["status"][i] == r["status"]
    wanted = sorted(r["forecast_id"] for r in rows if r["question_id"] in ("plain", "NULL"))
    assert sorted(some["forecast_id"]) == wanted and len(wanted) > 0
    assert len(none["brier"]) == 0 and none["made_at"].dtype.kind == "M"


def test_insert_arrays_refuses_columns_of_different_lengths(ledger: Ledger) -> None:
    arrays = _arrays(_rows(4))
    arrays["brier"] = arrays["brier"][:3]
    with ledger.engine.begin() as conn, pytest.raises(ValueError, match="differ in length"):
        insert_arrays(conn, forecast_scores, arrays)


def test_insert_arrays_refuses_days_that_are_not_times(ledger: Ledger) -> None:
    arrays = _arrays(_rows(4))
    arrays["made_at"] = np.array(["2020-01-01"] * 4, dtype=object)
    with ledger.engine.begin() as conn, pytest.raises(TypeError, match="DATE column"):
        insert_arrays(conn, forecast_scores, arrays)


def test_select_arrays_reads_utc_times_as_naive_utc(ledger: Ledger) -> None:
    """A `UTCDateTime` column (SQLite's naive text, PostgreSQL's TIMESTAMPTZ) -> datetime64[us] of the UTC instant."""
    from tracker.store.schema import events

    ledger.add_source("src-a", "An article")
    ledger.add_source("src-b", "Another")
    with ledger.engine.connect() as conn:
        want = [t.astimezone(UTC).replace(tzinfo=None) for t in conn.execute(select(events.c.recorded_at)).scalars()]
        got = select_arrays(conn, events, ["recorded_at"])["recorded_at"]
    assert got.dtype == np.dtype("datetime64[us]")
    assert [t.astype(object) for t in got] == want and len(want) >= 2


def _summary_value(rng: random.Random, column: str) -> Any:
    """A question_scores value: near-equal floats (one ulp, 1e-13 relative, 1e-9 apart), NULLs where allowed."""
    col = question_scores.c[column]
    if isinstance(col.type, job.Float | job.Integer) and col.nullable and rng.random() < 0.2:
        return None
    if isinstance(col.type, job.Integer):
        return rng.randrange(4)
    if isinstance(col.type, job.Float):
        v = rng.choice([0.0, 0.25, 1e-16, 0.1 + 0.2, 0.3, 1.0, 2.0, -0.7])
        return rng.choice([v, v * (1 + 1e-13), v + 1e-9, math.nextafter(v, 3.0)])
    if column in ("made_at", "known_on"):
        return rng.choice([date(2020, 1, 1), date(2020, 1, 2)])
    return rng.choice(["a", "b"])


def _summary_rows(rng: random.Random, keys: list[tuple[str, str]], like: dict[Any, dict[str, Any]]) -> list[Any]:
    """A row for each key: often a copy of ``like``'s row of the same key with a column or none changed (a float
    often by rounding only)."""
    rows = []
    for q, f in keys:
        base = like.get((q, f))
        row = dict(base) if base is not None and rng.random() < 0.7 else None
        if row is None:
            row = {c: _summary_value(rng, c) for c in job._COMPARED} | {"question_id": q, "forecaster_id": f}
        elif rng.random() < 0.6:
            c = rng.choice(job._COMPARED)
            v = row[c]
            if isinstance(v, float) and rng.random() < 0.7:  # moved by rounding (the same score) or by more
                row[c] = rng.choice([v * (1 + 1e-13), math.nextafter(v, -3.0), v + 1e-16, v + 1e-9])
            else:
                row[c] = _summary_value(rng, c)
        rows.append(row | {"run_id": 1})
    return rows


def test_run_summary_counted_in_the_database_equals_differences(ledger: Ledger) -> None:
    """The run summary's counts, computed by the database from the replaced rows set aside and the rows written,
    equal `job.differences` of the same rows (compared column by column as `same_score` judges), and the replaced
    rows' forecasters are the affected ones; rows of questions the run did not rescore are not counted."""
    rng = random.Random(3)
    everyone = [(q, f) for q in ("q1", "q2", "q3") for f in ("f1", "f2")]
    columns = ("question_id", "forecaster_id", *job._COMPARED)
    seen = set()
    for _ in range(40):
        everything = rng.random() < 0.4
        loaded = sorted(rng.sample(["q1", "q2", "q3"], rng.randrange(1, 4)))
        old_rows = _summary_rows(rng, rng.sample(everyone, rng.randrange(len(everyone) + 1)), {})
        by_key = {(r["question_id"], r["forecaster_id"]): r for r in old_rows}
        rescored = [k for k in everyone if everything or k[0] in loaded]
        new_rows = _summary_rows(rng, rng.sample(rescored, rng.randrange(len(rescored) + 1)), by_key)
        before = [r for r in old_rows if everything or r["question_id"] in loaded]
        want = job.differences(
            {c: [r[c] for r in before] for c in columns}, {c: [r[c] for r in new_rows] for c in columns}
        )
        with ledger.engine.begin() as conn:
            conn.execute(delete(question_scores))
            if old_rows:
                conn.execute(insert(question_scores), old_rows)
            with job._replaced_rows(conn, loaded, everything) as old:
                conn.execute(delete(question_scores).where(question_scores.c.question_id.in_(loaded) | everything))
                if new_rows:
                    conn.execute(insert(question_scores), new_rows)
                forecasters, got = job._summary_counts(conn, old, len(new_rows))
        assert got == want
        assert forecasters == {r["forecaster_id"] for r in before}
        seen.add(tuple(n > 0 for n in want))
    assert len(seen) >= 6  # added, removed and changed each present and absent across the cases


def test_json_values_parse_as_each_text_alone() -> None:
    """The store's JSON texts parsed together give what each parsed alone gives (fresh objects: no two rows share
    one); a text that is not one JSON value raises its own error."""
    rng = random.Random(8)
    texts = [
        json.dumps(v)
        for v in (
            {"yes": 0.3, "no": 0.7},
            ["opt-0", "opt-1"],
            {"ünï ☂": 1e-300, 'b\\"q': [1, None, True]},
            "text, with ] and [",
            0.1 + 0.2,
            [],
            {},
        )
    ]
    texts += [json.dumps({f"o{k}": rng.random() for k in range(rng.randrange(1, 6))}) for _ in range(200)]
    texts += [texts[0]]  # the same text twice: two objects
    got = job.json_values(texts)
    assert got == [json.loads(t) for t in texts]
    assert [type(v) for v in got] == [type(json.loads(t)) for t in texts]
    assert got[0] is not got[-1]
    assert job.json_values([]) == []
    for bad in (['{"a": 1}', '{"b": '], ["1, 2", "3"], ["[1", "2]"]):
        with pytest.raises(json.JSONDecodeError):
            job.json_values(bad)
