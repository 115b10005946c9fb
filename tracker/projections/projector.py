"""Projections: the read tables, kept in step with the log inside the append's transaction.

`project(conn, events)` is the only writer of these tables. `rebuild` empties them and replays the
whole log through the same function, so an incremental update and a rebuild cannot disagree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tracker.domain import events as ev
from tracker.store.eventstore import RecordedEvent
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


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _source_registered(conn: Connection, e: RecordedEvent) -> None:
    d = e.data
    conn.execute(
        insert(sources).values(
            source_id=d["source_id"],
            title=d["title"],
            outlet=d.get("outlet"),
            authors=_json(d.get("authors") or []),
            published=_date(d.get("published")),
            date_basis=d.get("date_basis"),
            url=d.get("url"),
            sha256=d.get("sha256"),
            text=d.get("text"),
            notes=d.get("notes"),
            position=e.position,
        )
    )


def _question_opened(conn: Connection, e: RecordedEvent) -> None:
    d = e.data
    conn.execute(
        insert(questions).values(
            question_id=d["question_id"],
            title=d["title"],
            criteria=d["criteria"],
            kind=d["kind"],
            options=_json(d["options"]),
            tags=_json(d.get("tags") or []),
            opened=_date(d.get("opened")),
            resolve_by=_date(d.get("resolve_by")),
            condition=d.get("condition"),
            status="open",
            version=e.stream_version,
            opened_position=e.position,
            updated_position=e.position,
        )
    )
    tags = d.get("tags") or []
    if tags:
        conn.execute(insert(question_tags), [{"question_id": d["question_id"], "tag": t} for t in tags])


def _qid(e: RecordedEvent) -> str:
    return e.stream_id.removeprefix("question-")


def _touch(conn: Connection, e: RecordedEvent, **values: Any) -> None:
    conn.execute(
        update(questions)
        .where(questions.c.question_id == _qid(e))
        .values(version=e.stream_version, updated_position=e.position, **values)
    )


def _question_clarified(conn: Connection, e: RecordedEvent) -> None:
    d = e.data
    values: dict[str, Any] = {}
    if d.get("title") is not None:
        values["title"] = d["title"]
    if d.get("criteria") is not None:
        values["criteria"] = d["criteria"]
    if d.get("resolve_by") is not None:
        values["resolve_by"] = _date(d["resolve_by"])
    _touch(conn, e, **values)


def _forecast_recorded(conn: Connection, e: RecordedEvent) -> None:
    d = e.data
    deriv = d.get("derivation") or {}
    probs = d["probabilities"]
    fid = d["forecaster_id"]
    exists = conn.execute(select(forecasters.c.forecaster_id).where(forecasters.c.forecaster_id == fid)).first()
    if exists is None:
        conn.execute(
            insert(forecasters).values(
                forecaster_id=fid, name=d["forecaster"], role=d.get("role"), first_position=e.position
            )
        )
    elif d.get("role"):
        conn.execute(update(forecasters).where(forecasters.c.forecaster_id == fid).values(role=d["role"]))
    conn.execute(
        insert(forecasts).values(
            forecast_id=d["forecast_id"],
            question_id=_qid(e),
            forecaster_id=fid,
            role=d.get("role"),
            probabilities=_json(probs),
            p_yes=probs.get("yes") if set(probs) == {"yes", "no"} else None,
            made_at=_date(d["made_at"]),
            source_id=d.get("source_id"),
            quote=d.get("quote"),
            hedge=d.get("hedge"),
            quote_verified=d.get("quote_verified"),
            method=deriv.get("method", "stated"),
            phrase=deriv.get("phrase"),
            scale_version=deriv.get("scale_version"),
            reading=deriv.get("reading"),
            p_low=deriv.get("p_low"),
            p_high=deriv.get("p_high"),
            withdrawn=False,
            position=e.position,
            updated_position=e.position,
        )
    )
    _touch(conn, e)


def _forecast_withdrawn(conn: Connection, e: RecordedEvent) -> None:
    conn.execute(
        update(forecasts)
        .where(forecasts.c.forecast_id == e.data["forecast_id"])
        .values(withdrawn=True, withdrawn_reason=e.data["reason"], updated_position=e.position)
    )
    _touch(conn, e)


def _forecast_rescaled(conn: Connection, e: RecordedEvent) -> None:
    d = e.data
    conn.execute(
        update(forecasts)
        .where(forecasts.c.forecast_id == d["forecast_id"])
        .values(
            probabilities=_json(d["probabilities"]),
            p_yes=d["probabilities"]["yes"],
            scale_version=d["scale_version"],
            p_low=d["p_low"],
            p_high=d["p_high"],
            updated_position=e.position,
        )
    )
    _touch(conn, e)


def _resolution(action: str) -> Callable[[Connection, RecordedEvent], None]:
    def apply(conn: Connection, e: RecordedEvent) -> None:
        d = e.data
        outcome = d.get("outcome")
        known_on = _date(d.get("known_on"))
        reason = d.get("reason")
        conn.execute(
            insert(resolutions).values(
                position=e.position,
                question_id=_qid(e),
                action=action,
                outcome=outcome,
                known_on=known_on if action in ("resolved", "corrected") else _date(d.get("on")),
                evidence=d.get("evidence"),
                reason=reason,
                actor=e.actor,
                recorded_at=e.recorded_at,
            )
        )
        status = {"resolved": "resolved", "corrected": "resolved", "annulled": "annulled", "reopened": "open"}[action]
        _touch(
            conn,
            e,
            status=status,
            outcome=outcome if status == "resolved" else None,
            known_on=known_on if status == "resolved" else None,
            evidence=d.get("evidence") if status == "resolved" else None,
            status_reason=reason,
        )

    return apply


HANDLERS: dict[str, Callable[[Connection, RecordedEvent], None]] = {
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
    for e in recorded:
        handler = HANDLERS.get(e.event_type)
        if handler is not None:  # unknown types (from newer code) are kept in the log, not projected
            handler(conn, e)


def clear(conn: Connection) -> None:
    for table in reversed(PROJECTION_TABLES):
        conn.execute(delete(table))
