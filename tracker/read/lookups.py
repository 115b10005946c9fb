"""Single-row lookups the write path makes before it decides (does the question exist, what kind is it, which
question holds this forecast, the source's text for the quote check)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from tracker.store.schema import forecasts, questions, sources


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


def get_question(conn: Connection, question_id: str, today: date) -> dict[str, Any] | None:
    r = conn.execute(select(questions).where(questions.c.question_id == question_id)).first()
    return None if r is None else _question_row(r, today)


def forecast_question(conn: Connection, forecast_id: str) -> str | None:
    return conn.execute(select(forecasts.c.question_id).where(forecasts.c.forecast_id == forecast_id)).scalar()


def get_source(conn: Connection, source_id: str) -> dict[str, Any] | None:
    r = conn.execute(select(sources).where(sources.c.source_id == source_id)).mappings().first()
    if r is None:
        return None
    row = {k: _iso(v) for k, v in r.items()}
    row["authors"] = json.loads(r["authors"])
    return row
