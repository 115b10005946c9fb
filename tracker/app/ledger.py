"""The application shell: commands go through `decide` and the store; reads go to projections.

`Ledger` is also the Python API for notebooks: `Ledger("sqlite:///ledger.sqlite")`.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import make_url

from tracker.app import queries
from tracker.app.frames import FramesMixin
from tracker.app.streams import load_question, load_source
from tracker.domain import commands as c
from tracker.domain import events as ev
from tracker.domain.decide import decide, decide_source
from tracker.domain.slug import slug
from tracker.domain.state import QuestionState, SourceState
from tracker.domain.timepoints import parse_point
from tracker.errors import ConflictError, DatabaseError, IntegrityError, NotFound, UserError
from tracker.projections.bulk import rebuild as rebuild_projections
from tracker.projections.projector import project, replay
from tracker.store import eventstore as es
from tracker.store import migrate
from tracker.store.db import describe_url, make_engine, read_transaction, resolve_url, write_transaction
from tracker.store.ids import uuid7
from tracker.store.schema import PROJECTION_TABLES, metadata

CONFLICT_RETRIES = 5


def slugify(text: str, field: str = "name") -> str:
    result = slug(text)
    if not result:
        raise UserError(f"{text!r} gives no usable id", field)
    return result


def default_actor() -> str:
    actor = os.environ.get("TRACKER_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # no user name on this system (some containers)
        return "unknown"


@dataclass(frozen=True)
class AsOf:
    """A point in the ledger's own history: a position, or a recorded time."""

    position: int | None = None
    recorded_until: datetime | None = None

    @staticmethod
    def parse(value: str | None) -> AsOf | None:
        if value is None or value == "":
            return None
        v = value.strip()
        if v.isdigit():
            return AsOf(position=int(v))
        try:
            return AsOf(recorded_until=parse_point(v))
        except ValueError:
            raise UserError(f"{value!r} is neither a position nor a date (YYYY-MM-DD) or ISO time", "as_of") from None


def _memory_engine() -> Engine:
    engine = create_engine("sqlite://")
    metadata.create_all(engine, tables=list(PROJECTION_TABLES))
    return engine


class Ledger(FramesMixin):
    """One ledger database. Thread-compatible; open one per process."""

    def __init__(self, url: str | None = None, actor: str | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url)
        self.actor = actor or default_actor()
        self._checked = False

    # ----- set-up -------------------------------------------------------------------------
    def init(self) -> tuple[str | None, str]:
        result = migrate.upgrade(self.engine)
        self._checked = True
        return result

    def _missing_file(self) -> bool:
        """A SQLite ledger whose file does not exist. Opening it would create an empty file (a typo in --db left
        stray files behind, found by the bad-input corpus), so only `init` may open it."""
        u = make_url(self.url)
        database = u.database or ""
        if u.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
            return False
        return not Path(database).exists()

    def _ready(self) -> None:
        if not self._checked:
            if self._missing_file():
                raise DatabaseError(f"no ledger at {make_url(self.url).database}: run 'tracker init' first")
            with read_transaction(self.engine) as conn:
                migrate.require_current(conn)
            self._checked = True

    def close(self) -> None:
        self.engine.dispose()

    def now(self) -> datetime:
        return datetime.now(UTC)

    # ----- writing ------------------------------------------------------------------------
    def _execute(
        self,
        stream_id: str,
        load: Callable[[Connection], Any],
        decide_fn: Callable[[Any], list[ev.Event]],
    ) -> list[es.RecordedEvent]:
        """Read the stream, decide, append with the version read; on a conflict, read again and redecide."""
        self._ready()
        for attempt in range(CONFLICT_RETRIES):
            with read_transaction(self.engine) as conn:
                state = load(conn)
            new_events = decide_fn(state)
            try:
                with write_transaction(self.engine) as conn:
                    return es.append(conn, stream_id, new_events, state.version, self.actor, project)
            except ConflictError:
                if attempt == CONFLICT_RETRIES - 1:
                    raise
                time.sleep(0.01 * (2**attempt))
        raise AssertionError("unreachable")

    def _question_state(self, conn: Connection, question_id: str) -> QuestionState:
        return load_question(conn, question_id)

    def _source_state(self, conn: Connection, source_id: str) -> SourceState:
        return load_source(conn, source_id)

    def question_command(self, cmd: c.QuestionCommand) -> list[es.RecordedEvent]:
        return self._execute(
            ev.question_stream(cmd.question_id),
            lambda conn: self._question_state(conn, cmd.question_id),
            lambda state: decide(state, cmd),
        )

    def add_source(
        self,
        source_id: str,
        title: str,
        outlet: str | None = None,
        authors: tuple[str, ...] = (),
        published: date | None = None,
        date_basis: str | None = None,
        url: str | None = None,
        text: str | None = None,
        notes: str | None = None,
        event_id: str | None = None,
    ) -> list[es.RecordedEvent]:
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None
        cmd = c.RegisterSource(
            source_id, title, self.now(), outlet, authors, published, date_basis, url, text, sha, notes, event_id
        )
        return self._execute(
            ev.source_stream(source_id),
            lambda conn: self._source_state(conn, source_id),
            lambda state: decide_source(state, cmd),
        )

    def open_question(
        self,
        title: str,
        criteria: str,
        question_id: str | None = None,
        kind: str = "binary",
        options: tuple[str, ...] = (),
        resolve_by: date | None = None,
        opened: date | None = None,
        tags: tuple[str, ...] = (),
        condition: str | None = None,
    ) -> str:
        if question_id is None:
            question_id = slugify(title, "title")[:60].strip("-")
            self._ready()
            with read_transaction(self.engine) as conn:
                if queries.get_question(conn, question_id, date.today()) is not None:
                    question_id = f"{question_id}-{uuid7()[-6:]}"
        cmd = c.OpenQuestion(
            question_id, title, criteria, self.now(), kind, options, resolve_by, opened, tags, condition
        )
        self.question_command(cmd)
        return question_id

    def verify_quote(self, source_id: str | None, quote: str | None, unverified_ok: bool) -> bool | None:
        """True when the quote is in the source's text; None when there is no text to check against."""
        if source_id is None:
            return None
        self._ready()
        with read_transaction(self.engine) as conn:
            source = queries.get_source(conn, source_id)
        if source is None:
            raise NotFound(f"no source {source_id!r}; add it with 'tracker source add'", "source")
        if quote is None or source.get("text") is None:
            return None
        from tracker.domain.quotes import closest_passage, find_quote

        if find_quote(source["text"], quote):
            return True
        if unverified_ok:
            return False
        near = closest_passage(source["text"], quote)
        raise UserError(
            f"not found verbatim in source {source_id!r}; closest passage: {near!r} "
            "(use --unverified-quote to record it anyway)",
            "quote",
        )

    def record_forecast(
        self,
        question_id: str,
        forecaster: str,
        probabilities: float | dict[str, float],
        made_at: date,
        role: str | None = None,
        source_id: str | None = None,
        quote: str | None = None,
        hedge: str | None = None,
        derivation: dict[str, Any] | None = None,
        unverified_quote: bool = False,
        forecast_id: str | None = None,
    ) -> str:
        if not isinstance(probabilities, dict):
            probabilities = self._binary(question_id, probabilities)
        verified = self.verify_quote(source_id, quote, unverified_quote)
        fid = forecast_id or f"f-{uuid7()[-12:]}"
        cmd = c.RecordForecast(
            question_id=question_id,
            forecast_id=fid,
            forecaster=forecaster,
            forecaster_id=slugify(forecaster, "forecaster"),
            probabilities=probabilities,
            made_at=made_at,
            now=self.now(),
            role=role,
            source_id=source_id,
            quote=quote,
            hedge=hedge,
            quote_verified=verified,
            derivation=derivation or {"method": "stated"},
        )
        self.question_command(cmd)
        return fid

    def _binary(self, question_id: str, p: float) -> dict[str, float]:
        """A single number is P(YES), which only a binary question has."""
        self._ready()
        with read_transaction(self.engine) as conn:
            q = queries.get_question(conn, question_id, self.today())
        if q is None:
            raise NotFound(f"no question {question_id!r}", "question")
        if q["kind"] != "binary":
            raise UserError(
                f"question {question_id!r} is multiple choice: give option=probability for each of "
                f"{', '.join(q['options'])}",
                "p",
            )
        return {"yes": p, "no": 1.0 - p}

    def withdraw_forecast(self, forecast_id: str, reason: str) -> None:
        self._ready()
        with read_transaction(self.engine) as conn:
            question_id = queries.forecast_question(conn, forecast_id)
        if question_id is None:
            raise NotFound(f"no forecast {forecast_id!r}", "forecast_id")
        self.question_command(c.WithdrawForecast(question_id, forecast_id, reason, self.now()))

    def resolve(self, question_id: str, outcome: str, known_on: date, evidence: str | None = None) -> None:
        self.question_command(c.ResolveQuestion(question_id, outcome, known_on, self.now(), evidence))

    def correct(self, question_id: str, outcome: str, known_on: date, reason: str, evidence: str | None = None) -> None:
        self.question_command(c.CorrectResolution(question_id, outcome, known_on, reason, self.now(), evidence))

    def annul(self, question_id: str, reason: str, on: date | None = None) -> None:
        self.question_command(c.AnnulQuestion(question_id, reason, self.now(), on))

    def reopen(self, question_id: str, reason: str) -> None:
        self.question_command(c.ReopenQuestion(question_id, reason, self.now()))

    def clarify(
        self,
        question_id: str,
        reason: str,
        criteria: str | None = None,
        resolve_by: date | None = None,
        title: str | None = None,
    ) -> None:
        self.question_command(c.ClarifyQuestion(question_id, reason, self.now(), title, criteria, resolve_by))

    # ----- reading ------------------------------------------------------------------------
    @contextmanager
    def view(self, as_of: AsOf | None = None) -> Iterator[Connection]:
        """A connection to the projections: live, or replayed into memory up to `as_of`."""
        self._ready()
        if as_of is None:
            with read_transaction(self.engine) as conn:
                yield conn
            return
        memory = _memory_engine()
        with memory.begin() as mconn:
            with read_transaction(self.engine) as conn:
                replay(mconn, es.read(conn, up_to=as_of.position, recorded_until=as_of.recorded_until))
            yield mconn
        memory.dispose()

    def today(self) -> date:
        return self.now().date()

    def list_questions(
        self,
        status: str | None = None,
        tag: str | None = None,
        forecaster: str | None = None,
        as_of: AsOf | None = None,
    ) -> list[dict[str, Any]]:
        if status is not None and status not in queries.STATUSES:
            raise UserError(f"{status!r} is not a status ({', '.join(queries.STATUSES)})", "status")
        with self.view(as_of) as conn:
            return queries.list_questions(conn, self.today(), status, tag, forecaster)

    def show_question(self, question_id: str, as_of: AsOf | None = None) -> dict[str, Any]:
        with self.view(as_of) as conn:
            q = queries.get_question(conn, question_id, self.today())
            if q is None:
                raise NotFound(f"no question {question_id!r}", "question")
            q["forecasts"] = queries.forecasts_of(conn, question_id)
            q["resolutions"] = queries.resolution_history(conn, question_id)
        q["history"] = [_event_dict(e) for e in self.log(stream=ev.question_stream(question_id), as_of=as_of)]
        return q

    def log(
        self,
        stream: str | None = None,
        types: list[str] | None = None,
        after: int = 0,
        limit: int | None = None,
        as_of: AsOf | None = None,
    ) -> list[es.RecordedEvent]:
        self._ready()
        for t in types or []:
            if t not in ev.ALL_TYPES:
                raise UserError(f"{t!r} is not an event type ({', '.join(ev.ALL_TYPES)})", "type")
        if stream is not None and not stream.startswith(("question-", "source-")):
            stream = ev.question_stream(stream)
        with read_transaction(self.engine) as conn:
            return list(
                es.read(
                    conn,
                    after=after,
                    stream_id=stream,
                    types=types,
                    up_to=as_of.position if as_of else None,
                    recorded_until=as_of.recorded_until if as_of else None,
                    limit=limit,
                )
            )

    def sources(self) -> list[dict[str, Any]]:
        with self.view() as conn:
            return queries.list_sources(conn)

    # ----- maintenance --------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        # A missing SQLite file is reported as "not initialised" without opening it (which would create it).
        with read_transaction(self.engine) if not self._missing_file() else nullcontext() as conn:
            revision = None if conn is None else migrate.current_revision(conn)
            if conn is None or revision is None:
                return {
                    "database": describe_url(self.url),
                    "revision": None,
                    "events": 0,
                    "head_position": 0,
                    "head_hash": es.GENESIS_HASH,
                    "initialised": False,
                }
            migrate.check_known(revision)
            position, head_hash = es.head(conn)
            return {
                "database": describe_url(self.url),
                "revision": revision,
                "events": es.count(conn),
                "head_position": position,
                "head_hash": head_hash,
                "initialised": True,
                "schema_current": revision == migrate.head_revision(),
            }

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Empty the projections and replay the whole log, in one transaction."""
        self._ready()
        with write_transaction(self.engine) as conn:
            return rebuild_projections(conn, progress)

    def verify(self) -> dict[str, Any]:
        """The hash chain from genesis, then the projections against a fresh replay."""
        self._ready()
        with read_transaction(self.engine) as conn:
            chain = es.verify_chain(conn)
            result: dict[str, Any] = {
                "ok": chain.ok,
                "events_checked": chain.checked,
                "head_position": chain.head_position,
                "head_hash": chain.head_hash,
                "first_bad_position": chain.first_bad_position,
                "problem": chain.problem,
                "projections_ok": None,
            }
            if not chain.ok:
                return result
            mismatch = _compare_projections(conn)
        result["projections_ok"] = mismatch is None
        if mismatch is not None:
            result["ok"] = False
            result["problem"] = mismatch
        return result

    def verify_against(self, anchor: str) -> dict[str, Any]:
        """`verify`, and proof that the ledger still extends `anchor` ("POSITION:HASH", a head kept elsewhere)."""
        try:
            position, hash_ = es.parse_anchor(anchor)
        except ValueError as e:
            raise UserError(str(e), "against") from None
        result = self.verify()
        with read_transaction(self.engine) as conn:
            check = es.verify_anchor(conn, position, hash_)
        result["anchor"] = es.format_anchor(position, hash_)
        result["anchor_ok"] = check.ok
        if result["ok"] and not check.ok:
            result["ok"] = False
            result["problem"] = f"the ledger does not extend the anchor {position}:{hash_[:12]}…: {check.problem}"
        return result

    def require_verified(self) -> dict[str, Any]:
        report = self.verify()
        if not report["ok"]:
            where = f" at position {report['first_bad_position']}" if report["first_bad_position"] else ""
            raise IntegrityError(f"verification failed{where}: {report['problem']}")
        return report


def _event_dict(e: es.RecordedEvent) -> dict[str, Any]:
    return {
        "position": e.position,
        "event_id": e.event_id,
        "stream_id": e.stream_id,
        "stream_version": e.stream_version,
        "type": e.event_type,
        "schema_version": e.schema_version,
        "occurred_at": es.iso_utc(e.occurred_at),
        "recorded_at": es.iso_utc(e.recorded_at),
        "actor": e.actor,
        "data": e.data,
        "hash": e.hash,
    }


event_dict = _event_dict


def _normalise(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return es.iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _table_rows(conn: Connection, table: Any) -> list[tuple[Any, ...]]:
    from sqlalchemy import select

    rows = conn.execute(select(table)).all()
    return sorted((tuple(_normalise(v) for v in r) for r in rows), key=repr)


def _compare_projections(conn: Connection) -> str | None:
    """Replay the log into memory and compare every projection table row by row."""
    memory = _memory_engine()
    try:
        with memory.begin() as mconn:
            replay(mconn, es.read(conn))
            for table in PROJECTION_TABLES:
                live, fresh = _table_rows(conn, table), _table_rows(mconn, table)
                if live != fresh:
                    live_set, fresh_set = set(live), set(fresh)
                    extra = [r for r in live if r not in fresh_set]
                    missing = [r for r in fresh if r not in live_set]
                    sample = (extra or missing)[:1]
                    return (
                        f"projection table {table.name!r} differs from a replay of the log "
                        f"({len(extra)} unexpected rows, {len(missing)} missing; first: {sample})"
                    )
    finally:
        memory.dispose()
    return None
