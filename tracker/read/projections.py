"""Readers of the log and its projections: events, sources, forecasters, questions, forecasts, resolutions, and
one question in full (`question_detail`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, and_, case, false, func, select, type_coerce
from sqlalchemy.sql import Select

from tracker.domain import events as ev
from tracker.errors import NotFound, UserError
from tracker.read import filters as flt
from tracker.read.snapshot import MAX_POSITION, Snapshot, event_window
from tracker.read.tablereader import TableReader, reads
from tracker.read.tables import EVENTS, FORECASTERS, FORECASTS, QUESTIONS, RESOLUTIONS, SOURCES
from tracker.store.schema import events, forecasters, forecasts, questions, resolutions, sources


@reads("events")
def events_reader(
    snap: Snapshot,
    question: str | Sequence[str] | None = None,
    source: str | Sequence[str] | None = None,
    type: str | Sequence[str] | None = None,  # noqa: A002 - the CLI's name
    after: int | None = None,
) -> TableReader:
    q: Select[Any] = select(*events.c).where(events.c.position <= snap.head_position, *event_window(snap.as_of))
    if after:
        q = q.where(events.c.position > min(after, MAX_POSITION))
    streams: list[str] = []
    for qid in flt.as_list(question) or []:
        streams.append(qid if ev.is_stream_id(qid) else ev.question_stream(qid))
    for sid in flt.as_list(source) or []:
        streams.append(ev.source_stream(sid))
    if streams:
        q = q.where(events.c.stream_id.in_(streams))
    types = flt.as_list(type)
    if types:
        for t in types:
            if t not in ev.ALL_TYPES:
                raise UserError(f"{t!r} is not an event type ({', '.join(ev.ALL_TYPES)})", "type")
        q = q.where(events.c.event_type.in_(types))
    return TableReader(EVENTS, q, events.c.position, snap.live)


@reads("sources")
def sources_reader(snap: Snapshot, source: str | Sequence[str] | None = None, outlet: str | None = None) -> TableReader:
    f = flt.resolve(snap.proj, source=source, outlet=outlet)
    q: Select[Any] = select(*(c for c in sources.c if c.name != "text"))
    if f.source is not None:
        q = q.where(sources.c.source_id.in_(f.source))
    if f.outlet is not None:
        q = q.where(sources.c.outlet == f.outlet)
    return TableReader(SOURCES, q, sources.c.position, snap.proj)


@reads("forecasters")
def forecasters_reader(snap: Snapshot, forecaster: str | Sequence[str] | None = None) -> TableReader:
    ids = flt.forecaster_ids(snap.proj, forecaster)
    q: Select[Any] = select(*forecasters.c)
    if ids is not None:
        q = q.where(forecasters.c.forecaster_id.in_(ids))
    return TableReader(FORECASTERS, q, forecasters.c.first_position, snap.proj)


def n_forecasts() -> Any:
    return (
        select(func.count())
        .where(forecasts.c.question_id == questions.c.question_id, forecasts.c.withdrawn.is_(false()))
        .scalar_subquery()
    )


def questions_query(snap: Snapshot, f: flt.Filters) -> Select[Any]:
    due = case((and_(questions.c.status == "open", questions.c.resolve_by < snap.today), True), else_=False)
    q: Select[Any] = select(*questions.c, n_forecasts().label("n_forecasts"), type_coerce(due, Boolean()).label("due"))
    q = q.where(*flt.question_conditions(f, questions.c.question_id, snap.today))
    if f.forecaster is not None:
        q = q.where(flt.with_forecaster(questions.c.question_id, f.forecaster))
    if f.source is not None:
        q = q.where(flt.with_source(questions.c.question_id, f.source))
    if f.outlet is not None:
        q = q.where(flt.with_outlet(questions.c.question_id, f.outlet))
    return q


@reads("questions")
def questions_reader(snap: Snapshot, **kw: Any) -> TableReader:
    f = flt.resolve(snap.proj, **kw)
    return TableReader(QUESTIONS, questions_query(snap, f), questions.c.opened_position, snap.proj)


@reads("forecasts")
def forecasts_reader(snap: Snapshot, about: flt.Subjects | None = None, quoted: bool = False, **kw: Any) -> TableReader:
    """The forecasts under the filters; ``about``: only those about these subjects (`filters.Subjects`);
    ``quoted``: only those with a quote."""
    f = flt.resolve(snap.proj, **kw)
    q: Select[Any] = (
        select(*forecasts.c, forecasters.c.name.label("forecaster"), sources.c.outlet)
        .select_from(
            forecasts.outerjoin(forecasters, forecasters.c.forecaster_id == forecasts.c.forecaster_id).outerjoin(
                sources, sources.c.source_id == forecasts.c.source_id
            )
        )
        .where(*flt.question_conditions(f, forecasts.c.question_id, snap.today))
    )
    q = flt.who(q, f, forecasts)
    if about is not None:
        q = q.where(flt.about(forecasts, about))
    if quoted:
        q = q.where(forecasts.c.quote.is_not(None), forecasts.c.quote != "")
    return TableReader(FORECASTS, q, forecasts.c.position, snap.proj)


def forecasts_per_source(snap: Snapshot) -> dict[str | None, int]:
    """How many forecasts (withdrawn ones too) each source has, None for those without one: the counts a list of
    sources and the outlets' filters show, without reading the forecasts."""
    q = select(forecasts.c.source_id, func.count()).group_by(forecasts.c.source_id)
    return {None if sid is None else str(sid): int(n) for sid, n in snap.proj.execute(q)}


@reads("resolutions")
def resolutions_reader(
    snap: Snapshot, tag: str | None = None, question: str | Sequence[str] | None = None
) -> TableReader:
    f = flt.resolve(snap.proj, tag=tag, question=question)
    q: Select[Any] = select(*resolutions.c).where(*flt.question_conditions(f, resolutions.c.question_id, snap.today))
    return TableReader(RESOLUTIONS, q, resolutions.c.position, snap.proj)


def question_detail(snap: Snapshot, question_id: str) -> dict[str, Any]:
    """One question with everything a person needs: its state, forecasts (withdrawn ones flagged, with the
    reason), resolutions, corrections, annulments and reopenings with their reasons, and its event history."""
    from tracker.read.records import records

    rows = TableReader(
        QUESTIONS,
        questions_query(snap, flt.Filters(question=[question_id])),
        questions.c.opened_position,
        snap.proj,
    ).rows()
    if not rows:
        raise NotFound(f"no question {question_id!r}", "question")
    detail = records(rows)[0]
    detail["forecasts"] = records(forecasts_reader(snap, question=question_id).rows())
    detail["resolutions"] = records(resolutions_reader(snap, question=question_id).rows())
    history = events_reader(snap, question=question_id).rows()
    detail["history"] = records(
        [
            {
                "position": e["position"],
                "type": e["event_type"],
                "stream_version": e["stream_version"],
                "occurred_at": e["occurred_at"],
                "recorded_at": e["recorded_at"],
                "actor": e["actor"],
                "hash": e["hash"],
                "data": e["payload"],
            }
            for e in history
        ]
    )
    for h in detail["history"]:
        h["data"] = _parsed(h["data"])
    return detail


def _parsed(text: Any) -> Any:
    import json

    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text
