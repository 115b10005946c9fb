"""Read queries over the projection tables. They take a connection, so the same code answers for
the live ledger and for an as-of view replayed into memory."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from tracker.store.schema import forecasters, forecasts, question_tags, questions, resolutions, sources

STATUSES = ("open", "resolved", "annulled", "due")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _question_row(r: Any, today: date) -> dict[str, Any]:
    due = r.status == "open" and r.resolve_by is not None and r.resolve_by < today
    return {
        "question_id": r.question_id,
        "title": r.title,
        "kind": r.kind,
        "options": json.loads(r.options),
        "tags": json.loads(r.tags),
        "status": r.status,
        "due": due,
        "opened": _iso(r.opened),
        "resolve_by": _iso(r.resolve_by),
        "outcome": r.outcome,
        "known_on": _iso(r.known_on),
        "criteria": r.criteria,
        "condition": r.condition,
        "evidence": r.evidence,
        "status_reason": r.status_reason,
        "version": r.version,
    }


def list_questions(
    conn: Connection,
    today: date,
    status: str | None = None,
    tag: str | None = None,
    forecaster: str | None = None,
) -> list[dict[str, Any]]:
    n_forecasts = (
        select(func.count())
        .where(forecasts.c.question_id == questions.c.question_id, forecasts.c.withdrawn.is_(False))
        .scalar_subquery()
    )
    q = select(questions, n_forecasts.label("n_forecasts")).order_by(questions.c.question_id)
    if status == "due":
        q = q.where(questions.c.status == "open", questions.c.resolve_by < today)
    elif status is not None:
        q = q.where(questions.c.status == status)
    if tag is not None:
        q = q.where(questions.c.question_id.in_(select(question_tags.c.question_id).where(question_tags.c.tag == tag)))
    if forecaster is not None:
        q = q.where(
            questions.c.question_id.in_(select(forecasts.c.question_id).where(forecasts.c.forecaster_id == forecaster))
        )
    out = []
    for r in conn.execute(q):
        row = _question_row(r, today)
        row["n_forecasts"] = int(r.n_forecasts)
        out.append(row)
    return out


def get_question(conn: Connection, question_id: str, today: date) -> dict[str, Any] | None:
    r = conn.execute(select(questions).where(questions.c.question_id == question_id)).first()
    return None if r is None else _question_row(r, today)


def forecasts_of(conn: Connection, question_id: str | None = None) -> list[dict[str, Any]]:
    q = (
        select(forecasts, forecasters.c.name.label("forecaster"))
        .join(forecasters, forecasters.c.forecaster_id == forecasts.c.forecaster_id)
        .order_by(forecasts.c.position)
    )
    if question_id is not None:
        q = q.where(forecasts.c.question_id == question_id)
    out = []
    for r in conn.execute(q).mappings():
        row = {k: _iso(v) for k, v in r.items()}
        row["probabilities"] = json.loads(r["probabilities"])
        out.append(row)
    return out


def forecast_question(conn: Connection, forecast_id: str) -> str | None:
    return conn.execute(select(forecasts.c.question_id).where(forecasts.c.forecast_id == forecast_id)).scalar()


def resolution_history(conn: Connection, question_id: str) -> list[dict[str, Any]]:
    q = select(resolutions).where(resolutions.c.question_id == question_id).order_by(resolutions.c.position)
    return [{k: _iso(v) for k, v in r.items()} for r in conn.execute(q).mappings()]


def get_source(conn: Connection, source_id: str) -> dict[str, Any] | None:
    r = conn.execute(select(sources).where(sources.c.source_id == source_id)).mappings().first()
    if r is None:
        return None
    row = {k: _iso(v) for k, v in r.items()}
    row["authors"] = json.loads(r["authors"])
    return row


def list_sources(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(sources).order_by(sources.c.source_id)).mappings()
    return [{k: _iso(v) for k, v in r.items() if k != "text"} | {"authors": json.loads(r["authors"])} for r in rows]
