"""Projections: the read tables, kept in step with the log inside the append's transaction.

`project(conn, events)` is the only writer of these tables. `rebuild` empties them and replays the
whole log through the same function, so an incremental update and a rebuild cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, delete

from tracker.domain import events as ev
from tracker.store.driver import insert_rows, present_keys, update_rows
from tracker.store.eventstore import RecordedEvent
from tracker.store.jsontext import readable_json
from tracker.store.schema import (
    PROJECTION_TABLES,
    forecasters,
    forecasts,
    question_tags,
    questions,
    resolutions,
    sources,
)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class _Batch:
    """The projection writes of one `project` call, gathered and then written one statement per table.

    Why: one INSERT or UPDATE per event made projections most of the cost of a bulk import and of a rebuild,
    most of it building and executing single-row statements.

    Correctness: every handler assigns constant values (no `col = col + 1`, no reads of other projection
    rows except whether a forecaster exists), so applying a batch's assignments in event order and writing
    only the end result gives the same rows as executing them one by one:
    - a row inserted in this batch is a dict here; later events of the batch update the dict;
    - a row that existed before the batch gets one UPDATE with the merged assignments (later events win,
      as they would have one statement at a time); an UPDATE of a row that does not exist changes nothing,
      as before;
    - whether a forecaster exists is read once, for every forecaster the batch names, before any write.
    There are no foreign keys between projection tables, so the order of the final statements is free.
    tests/test_projector.py checks that any split of a ledger into batches gives the same tables.
    """

    def __init__(self, conn: Connection, recorded: Sequence[RecordedEvent]) -> None:
        self.conn = conn
        self.inserts: dict[Table, list[dict[str, Any]]] = {}  # the tables written to, in the order first written
        self.new_questions: dict[str, dict[str, Any]] = {}
        self.new_forecasts: dict[str, dict[str, Any]] = {}
        self.new_forecasters: dict[str, dict[str, Any]] = {}
        self.question_updates: dict[str, dict[str, Any]] = {}
        self.forecast_updates: dict[str, dict[str, Any]] = {}
        self.forecaster_updates: dict[str, dict[str, Any]] = {}
        named = {e.data["forecaster_id"] for e in recorded if e.event_type == ev.FORECAST_RECORDED}
        self.existing_forecasters = present_keys(conn, forecasters.c.forecaster_id, named) if named else set()

    def insert(self, table: Table, row: dict[str, Any]) -> dict[str, Any]:
        rows = self.inserts.get(table)
        if rows is None:
            rows = self.inserts[table] = []
        rows.append(row)
        return row

    def set_question(self, qid: str, values: dict[str, Any]) -> None:
        row = self.new_questions.get(qid)
        (row if row is not None else self.question_updates.setdefault(qid, {})).update(values)

    def set_forecast(self, forecast_id: str, values: dict[str, Any]) -> None:
        row = self.new_forecasts.get(forecast_id)
        (row if row is not None else self.forecast_updates.setdefault(forecast_id, {})).update(values)

    def flush(self) -> None:
        for table, rows in self.inserts.items():
            insert_rows(self.conn, table, rows)
        if self.question_updates:
            _update_many(self.conn, questions, questions.c.question_id, self.question_updates)
        if self.forecast_updates:
            _update_many(self.conn, forecasts, forecasts.c.forecast_id, self.forecast_updates)
        if self.forecaster_updates:
            _update_many(self.conn, forecasters, forecasters.c.forecaster_id, self.forecaster_updates)


def _update_many(conn: Connection, table: Table, key: Any, updates: dict[str, dict[str, Any]]) -> None:
    """One executemany UPDATE per distinct set of assigned columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for k, values in updates.items():
        groups.setdefault(tuple(sorted(values)), []).append({**values, key.name: k})
    for cols, rows in groups.items():
        update_rows(conn, table, cols, (key.name,), rows)


def _source_registered(b: _Batch, e: RecordedEvent) -> None:
    d = e.data
    b.insert(
        sources,
        {
            "source_id": d["source_id"],
            "title": d["title"],
            "outlet": d.get("outlet"),
            "authors": readable_json(d.get("authors") or []),
            "published": _date(d.get("published")),
            "date_basis": d.get("date_basis"),
            "url": d.get("url"),
            "sha256": d.get("sha256"),
            "text": d.get("text"),
            "notes": d.get("notes"),
            "position": e.position,
        },
    )


def _question_opened(b: _Batch, e: RecordedEvent) -> None:
    d = e.data
    b.question_updates.pop(d["question_id"], None)  # one by one, an UPDATE before the INSERT changed nothing
    b.new_questions[d["question_id"]] = b.insert(
        questions,
        {
            "question_id": d["question_id"],
            "title": d["title"],
            "criteria": d["criteria"],
            "kind": d["kind"],
            "options": readable_json(d["options"]),
            "tags": readable_json(d.get("tags") or []),
            "opened": _date(d.get("opened")),
            "resolve_by": _date(d.get("resolve_by")),
            "condition": d.get("condition"),
            "status": "open",
            "outcome": None,
            "known_on": None,
            "evidence": None,
            "status_reason": None,
            "version": e.stream_version,
            "opened_position": e.position,
            "updated_position": e.position,
        },
    )
    for t in d.get("tags") or []:
        b.insert(question_tags, {"question_id": d["question_id"], "tag": t})


def _qid(e: RecordedEvent) -> str:
    return e.stream_id.removeprefix(ev.QUESTION_STREAM)


def _touch(b: _Batch, e: RecordedEvent, **values: Any) -> None:
    b.set_question(_qid(e), {"version": e.stream_version, "updated_position": e.position, **values})


def _question_clarified(b: _Batch, e: RecordedEvent) -> None:
    d = e.data
    values: dict[str, Any] = {}
    if d.get("title") is not None:
        values["title"] = d["title"]
    if d.get("criteria") is not None:
        values["criteria"] = d["criteria"]
    if d.get("resolve_by") is not None:
        values["resolve_by"] = _date(d["resolve_by"])
    if d.get("opened") is not None:
        values["opened"] = _date(d["opened"])
    _touch(b, e, **values)


def _forecast_recorded(b: _Batch, e: RecordedEvent) -> None:
    d = e.data
    deriv = d.get("derivation") or {}
    probs = d["probabilities"]
    fid = d["forecaster_id"]
    if fid in b.new_forecasters:
        if d.get("role"):
            b.new_forecasters[fid]["role"] = d["role"]
    elif fid in b.existing_forecasters:
        if d.get("role"):
            b.forecaster_updates[fid] = {"role": d["role"]}
    else:
        b.new_forecasters[fid] = b.insert(
            forecasters,
            {"forecaster_id": fid, "name": d["forecaster"], "role": d.get("role"), "first_position": e.position},
        )
    b.forecast_updates.pop(d["forecast_id"], None)  # as for questions: an earlier UPDATE changed nothing
    b.new_forecasts[d["forecast_id"]] = b.insert(
        forecasts,
        {
            "forecast_id": d["forecast_id"],
            "question_id": _qid(e),
            "forecaster_id": fid,
            "role": d.get("role"),
            "probabilities": readable_json(probs),
            "p_yes": probs.get("yes") if set(probs) == {"yes", "no"} else None,
            "made_at": _date(d["made_at"]),
            "source_id": d.get("source_id"),
            "quote": d.get("quote"),
            "hedge": d.get("hedge"),
            "quote_verified": d.get("quote_verified"),
            "method": deriv.get("method", "stated"),
            "phrase": deriv.get("phrase"),
            "scale_version": deriv.get("scale_version"),
            "reading": deriv.get("reading"),
            "p_low": deriv.get("p_low"),
            "p_high": deriv.get("p_high"),
            "withdrawn": False,
            "withdrawn_reason": None,
            "position": e.position,
            "updated_position": e.position,
        },
    )
    _touch(b, e)


def _forecast_withdrawn(b: _Batch, e: RecordedEvent) -> None:
    b.set_forecast(
        e.data["forecast_id"], {"withdrawn": True, "withdrawn_reason": e.data["reason"], "updated_position": e.position}
    )
    _touch(b, e)


def _forecast_rescaled(b: _Batch, e: RecordedEvent) -> None:
    d = e.data
    b.set_forecast(
        d["forecast_id"],
        {
            "probabilities": readable_json(d["probabilities"]),
            "p_yes": d["probabilities"]["yes"],
            "scale_version": d["scale_version"],
            "p_low": d["p_low"],
            "p_high": d["p_high"],
            "updated_position": e.position,
        },
    )
    _touch(b, e)


_STATUS = {"resolved": "resolved", "corrected": "resolved", "annulled": "annulled", "reopened": "open"}


def _resolution(action: str) -> Callable[[_Batch, RecordedEvent], None]:
    def apply(b: _Batch, e: RecordedEvent) -> None:
        d = e.data
        outcome = d.get("outcome")
        known_on = _date(d.get("known_on"))
        reason = d.get("reason")
        b.insert(
            resolutions,
            {
                "position": e.position,
                "question_id": _qid(e),
                "action": action,
                "outcome": outcome,
                "known_on": known_on if action in ("resolved", "corrected") else _date(d.get("on")),
                "evidence": d.get("evidence"),
                "reason": reason,
                "actor": e.actor,
                "recorded_at": e.recorded_at,
            },
        )
        status = _STATUS[action]
        _touch(
            b,
            e,
            status=status,
            outcome=outcome if status == "resolved" else None,
            known_on=known_on if status == "resolved" else None,
            evidence=d.get("evidence") if status == "resolved" else None,
            status_reason=reason,
        )

    return apply


HANDLERS: dict[str, Callable[[_Batch, RecordedEvent], None]] = {
    ev.SOURCE_REGISTERED: _source_registered,
    ev.QUESTION_OPENED: _question_opened,
    ev.QUESTION_CLARIFIED: _question_clarified,
    ev.FORECAST_RECORDED: _forecast_recorded,
    ev.FORECAST_WITHDRAWN: _forecast_withdrawn,
    ev.FORECAST_RESCALED: _forecast_rescaled,
    ev.QUESTION_RESOLVED: _resolution("resolved"),
    ev.RESOLUTION_CORRECTED: _resolution("corrected"),
    ev.QUESTION_ANNULLED: _resolution("annulled"),
    ev.QUESTION_REOPENED: _resolution("reopened"),
}


def project(conn: Connection, recorded: Sequence[RecordedEvent]) -> None:
    """Apply events, in position order, to the projection tables (see `_Batch` for how they are written)."""
    if not recorded:
        return
    batch = _Batch(conn, recorded)
    for e in recorded:
        handler = HANDLERS.get(e.event_type)
        if handler is not None:  # unknown types (from newer code) are kept in the log, not projected
            handler(batch, e)
    batch.flush()


REPLAY_BATCH = 5000


def replay(
    conn: Connection,
    recorded: Iterable[RecordedEvent],
    progress: Callable[[int], None] | None = None,
    batch_size: int = REPLAY_BATCH,
) -> int:
    """Project a stream of events in batches (bounded memory); returns how many were read.

    The one replay loop: `rebuild`, as-of views and `verify` all go through it, so they cannot disagree.
    """
    n = 0
    batch: list[RecordedEvent] = []
    for e in recorded:
        batch.append(e)
        if len(batch) >= batch_size:
            project(conn, batch)
            n += len(batch)
            batch.clear()
            if progress is not None:
                progress(n)
    project(conn, batch)
    n += len(batch)
    if progress is not None:
        progress(n)
    return n


def clear(conn: Connection) -> None:
    for table in reversed(PROJECTION_TABLES):
        conn.execute(delete(table))
