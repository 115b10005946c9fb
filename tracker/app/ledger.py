"""The application shell: commands go through `decide` and the store; reads go to projections.

`Ledger` is also the Python API for notebooks: `Ledger("sqlite:///ledger.sqlite")`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from tracker.app import outfiles
from tracker.domain import fields, timepoints
from tracker.errors import ConflictError, DatabaseError, NotFound, UserError
from tracker.read import lookups as queries
from tracker.read.reader import Reader
from tracker.read.snapshot import AsOf, Snapshot, to_as_of
from tracker.read.tablereader import TableReader
from tracker.read.tables import TABLES
from tracker.store import migrate
from tracker.store.backend import Backend
from tracker.store.db import backend_of, describe_url, make_engine, read_transaction, resolve_url, write_transaction
from tracker.store.jsontext import iso_utc

# What only writing, verifying or replaying needs (the commands, deciding, the event store, the projector, the
# Merkle tree, the audit) is imported by the methods that do it: a command that only reads does not load it.
if TYPE_CHECKING:
    import pandas as pd

    from tracker.domain import commands as c
    from tracker.domain import events as ev
    from tracker.domain.state import ForecastState, QuestionState, SourceState
    from tracker.scoring.job import RunResult
    from tracker.scoring.metrics import MurphyDecomposition
    from tracker.store import eventstore as es
    from tracker.store.backup import BackupReport

__all__ = ["AsOf", "Ledger"]

CONFLICT_RETRIES = 5


def default_actor() -> str:
    actor = os.environ.get("TRACKER_ACTOR")
    if actor:
        return actor
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name on this system (some containers)
        return "unknown"


FrameMethod = Callable[..., "pd.DataFrame"]
# The filters a table's method also takes by position, beyond ``as_of`` and ``run`` (keywords for every table).
POSITIONAL_FILTERS = {"leaderboard": ("by",), "calibration": ("forecaster", "bins")}


def _table_method(table: str, *positional: str) -> FrameMethod:
    """`Ledger.<table>`: the table as a frame, ``ledger.frame(table, ...)``; ``positional`` names the filters it
    also takes by position (the leaderboard's ``by``, calibration's ``forecaster`` and ``bins``)."""

    def method(self: Ledger, *args: Any, as_of: Any = None, run: Any = None, **filters: Any) -> pd.DataFrame:
        if len(args) > len(positional):
            raise TypeError(f"{table}() takes {len(positional)} positional arguments but {len(args)} were given")
        for name, value in zip(positional, args, strict=False):
            if name in filters:
                raise TypeError(f"{table}() got multiple values for argument {name!r}")
            filters[name] = value
        return self.frame(table, as_of=as_of, run=run, **filters)

    method.__name__ = method.__qualname__ = table
    method.__doc__ = f"The {table} table: {TABLES[table].description}"
    return method


class Ledger:
    """One ledger database. Thread-compatible; open one per process."""

    def __init__(self, url: str | None = None, actor: str | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url)
        self.actor = fields.actor(actor or default_actor())
        self._checked = False
        self.reader = Reader(self.engine, self.today, self._ready)
        database = self.sqlite_file()
        if database is not None:
            outfiles.protect(database)  # no output of this process may replace the ledger

    # ----- set-up -------------------------------------------------------------------------
    def init(self) -> tuple[str | None, str]:
        result = migrate.upgrade(self.engine)
        self._checked = True
        return result

    def sqlite_file(self) -> Path | None:
        """The SQLite ledger's file (None for PostgreSQL, an in-memory database or a ``file:`` URI)."""
        return self.backend.file_path(make_url(self.url))

    def _missing_file(self) -> bool:
        """A SQLite ledger whose file does not exist. Opening it would create an empty file (a typo in --db left
        stray files behind), so only `init` may open it."""
        database = self.sqlite_file()
        return database is not None and not database.exists()

    def _ready(self) -> None:
        if not self._checked:
            if self._missing_file():
                raise DatabaseError(f"no ledger at {make_url(self.url).database}: run 'tracker init' first")
            with read_transaction(self.engine) as conn:
                migrate.require_current(conn)
            self._checked = True

    @property
    def database(self) -> str:
        """The database URL, password hidden: for messages."""
        return describe_url(self.url)

    @property
    def backend(self) -> Backend:
        """The database system behind the ledger (tracker.store.sqlite or tracker.store.postgres)."""
        return backend_of(self.engine)

    @property
    def file_backup(self) -> bool:
        """`backup` copies the database itself (a SQLite file); else pg_dump takes the backup."""
        return self.backend.file_backup

    def close(self) -> None:
        self.engine.dispose()

    def now(self) -> datetime:
        return timepoints.utc_now()

    # ----- writing ------------------------------------------------------------------------
    def _execute(
        self,
        stream_id: str,
        load: Callable[[Connection], Any],
        decide_fn: Callable[[Any], list[ev.Event]],
    ) -> list[es.RecordedEvent]:
        """Take the append lock, read the stream, decide, append with the version read, in one transaction.

        The state is read under the lock every append takes (`write_transaction`), so no other writer can move the
        stream between the read and the append: concurrent writers queue, and none of them sees a conflict it did
        not cause. Two people changing one question one after the other get what `decide` says of the second
        change on the state the first one left (for instance "already resolved"). A `ConflictError` can only come
        from a writer that does not take the lock (an old version of this code); it is retried with jittered
        backoff, and reported as one line if it persists."""
        import random

        from tracker.projections.projector import project
        from tracker.store import eventstore as es

        self._ready()
        for attempt in range(CONFLICT_RETRIES):
            try:
                with write_transaction(self.engine) as conn:
                    state = load(conn)
                    new_events = decide_fn(state)
                    return es.append(conn, stream_id, new_events, state.version, self.actor, project)
            except ConflictError:
                if attempt == CONFLICT_RETRIES - 1:
                    raise
                time.sleep(random.uniform(0.5, 1.5) * 0.01 * (2**attempt))
        raise AssertionError("unreachable")

    def _question_state(self, conn: Connection, question_id: str) -> QuestionState:
        from tracker.app.streams import load_question

        return load_question(conn, question_id)

    def _source_state(self, conn: Connection, source_id: str) -> SourceState:
        from tracker.app.streams import load_source

        return load_source(conn, source_id)

    def question_command(self, cmd: c.QuestionCommand) -> list[es.RecordedEvent]:
        from tracker.domain import events as ev
        from tracker.domain.decide import decide

        fields.identifier(cmd.question_id, "question_id")
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
        import hashlib

        from tracker.domain import commands as c
        from tracker.domain import events as ev
        from tracker.domain.decide import decide_source

        fields.identifier(source_id, "source_id")
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
        source_id: str | None = None,
    ) -> str:
        """Open a question; its id (given, or made from the title). It opens on ``opened``; without it, on the
        publication day of ``source_id`` (the article its forecasts come from) when given, else today."""
        from tracker.domain import commands as c
        from tracker.store.ids import uuid7

        if opened is None and source_id is not None:
            opened = self.source_published(source_id)
        if question_id is None:
            fields.title(title)
            question_id = fields.id_from_name(title, "title", hint="give the question an id")[:60].strip("-")
            self._ready()
            with read_transaction(self.engine) as conn:
                if queries.get_question(conn, question_id, self.today()) is not None:
                    question_id = f"{question_id}-{uuid7()[-6:]}"
        cmd = c.OpenQuestion(
            question_id, title, criteria, self.now(), kind, options, resolve_by, opened, tags, condition
        )
        self.question_command(cmd)
        return question_id

    def _registered_source(self, source_id: str) -> dict[str, Any]:
        """A registered source's row; NotFound (naming how to add it) when there is none."""
        fields.identifier(source_id, "source")
        self._ready()
        with read_transaction(self.engine) as conn:
            source = queries.get_source(conn, source_id)
        if source is None:
            raise NotFound(f"no source {source_id!r}; add it with 'tracker source add'", "source")
        return source

    def source_published(self, source_id: str) -> date | None:
        """The day a registered source was published (None when it has no date); NotFound for no source."""
        published = self._registered_source(source_id).get("published")
        return date.fromisoformat(str(published)[:10]) if published else None

    def verify_quote(self, source_id: str | None, quote: str | None, unverified_ok: bool) -> bool | None:
        """True when the quote is in the source's text; None when there is no text to check against."""
        if source_id is None:
            return None
        source = self._registered_source(source_id)
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
        forecaster_id: str | None = None,
    ) -> str:
        """``forecaster_id``: the id to file the forecast under; by default the id the name gives."""
        from tracker.domain import commands as c
        from tracker.store.ids import uuid7

        fields.identifier(question_id, "question_id")
        fid_of_forecaster = fields.id_from_name(forecaster, "forecaster", forecaster_id, "forecaster_id")
        if not isinstance(probabilities, dict):
            probabilities = self._binary(question_id, probabilities)
        verified = self.verify_quote(source_id, quote, unverified_quote)
        self._same_scale_content(derivation)
        fid = forecast_id or f"f-{uuid7()[-12:]}"
        cmd = c.RecordForecast(
            question_id=question_id,
            forecast_id=fid,
            forecaster=forecaster,
            forecaster_id=fid_of_forecaster,
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

    def _same_scale_content(self, derivation: dict[str, Any] | None) -> None:
        """A verbal forecast under a scale version the ledger already knows with another content is refused."""
        if not derivation or derivation.get("method") != "verbal" or derivation.get("scale_digest") is None:
            return
        from tracker.domain.verbal import PUBLISHED_DIGESTS

        if derivation.get("scale_version") in PUBLISHED_DIGESTS:
            return  # the domain holds those to the published content
        from tracker.app.verbal import refuse_unknown_content

        self._ready()
        with read_transaction(self.engine) as conn:
            refuse_unknown_content(conn, derivation["scale_version"], derivation["scale_digest"])

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
        return fields.binary(p)

    def withdraw_forecast(self, forecast_id: str, reason: str) -> None:
        from tracker.domain import commands as c

        fields.identifier(forecast_id, "forecast_id")
        self._ready()
        with read_transaction(self.engine) as conn:
            question_id = queries.forecast_question(conn, forecast_id)
        if question_id is None:
            raise NotFound(f"no forecast {forecast_id!r}", "forecast_id")
        self.question_command(c.WithdrawForecast(question_id, forecast_id, reason, self.now()))

    def resolve(
        self,
        question_id: str,
        outcome: str,
        known_on: date,
        evidence: str | None = None,
        *,
        known_before_opened: bool = False,
    ) -> tuple[ForecastState, ...]:
        """Resolve a question; returns the forecasts the resolution makes hindsight cases (never scored)."""
        from tracker.domain import commands as c

        cmd = c.ResolveQuestion(
            question_id, outcome, known_on, self.now(), evidence, known_before_opened=known_before_opened
        )
        return self._resolution_command(cmd)

    def correct(
        self,
        question_id: str,
        outcome: str,
        known_on: date,
        reason: str,
        evidence: str | None = None,
        *,
        known_before_opened: bool = False,
    ) -> tuple[ForecastState, ...]:
        """Correct a resolution; returns the forecasts the corrected date makes hindsight cases."""
        from tracker.domain import commands as c

        cmd = c.CorrectResolution(
            question_id, outcome, known_on, reason, self.now(), evidence, known_before_opened=known_before_opened
        )
        return self._resolution_command(cmd)

    def _resolution_command(self, cmd: c.ResolveQuestion | c.CorrectResolution) -> tuple[ForecastState, ...]:
        from tracker.domain import events as ev
        from tracker.domain.decide import decide, hindsight_cases

        fields.identifier(cmd.question_id, "question_id")
        decided_on: list[QuestionState] = []

        def decide_keeping_state(state: QuestionState) -> list[ev.Event]:
            decided_on.append(state)
            return decide(state, cmd)

        load = lambda conn: self._question_state(conn, cmd.question_id)  # noqa: E731
        self._execute(ev.question_stream(cmd.question_id), load, decide_keeping_state)
        return hindsight_cases(decided_on[-1], cmd.known_on)

    def annul(self, question_id: str, reason: str, on: date | None = None) -> None:
        from tracker.domain import commands as c

        self.question_command(c.AnnulQuestion(question_id, reason, self.now(), on))

    def reopen(self, question_id: str, reason: str) -> None:
        from tracker.domain import commands as c

        self.question_command(c.ReopenQuestion(question_id, reason, self.now()))

    def clarify(
        self,
        question_id: str,
        reason: str,
        criteria: str | None = None,
        resolve_by: date | None = None,
        title: str | None = None,
        opened: date | None = None,
    ) -> None:
        """Change a question's criteria, deadline, title or opening day (a new event, with the reason)."""
        from tracker.domain import commands as c

        self.question_command(
            c.ClarifyQuestion(question_id, reason, self.now(), title, criteria, resolve_by, opened=opened)
        )

    # ----- reading ------------------------------------------------------------------------
    # Every read goes through `self.reader` (tracker.read): these methods are the Python API over it. Each takes
    # the same filters, ``as_of`` (a position, a date or an ISO time of recording) and ``run`` (a scoring run).
    @contextmanager
    def view(self, as_of: Any = None) -> Iterator[Connection]:
        """A raw connection to the projections: live, or replayed into memory up to ``as_of``."""
        with self.reader.snapshot(as_of) as snap:
            yield snap.proj

    def snapshot(self, as_of: Any = None, run: Any = None) -> AbstractContextManager[Snapshot]:
        """One consistent reading for several tables: ``ledger.table(snap, name, **filters)`` on it."""
        return self.reader.snapshot(as_of, run)

    def table(self, snap: Snapshot, table: str, **filters: Any) -> TableReader:
        return self.reader.table(snap, table, **filters)

    def frame(self, table: str, *, as_of: Any = None, run: Any = None, **filters: Any) -> pd.DataFrame:
        """``table`` (a name in `TABLES`) under ``filters`` as a DataFrame with the documented dtypes."""
        return self.reader.frame(table, as_of, run, **filters)

    def rows(
        self,
        table: str,
        *,
        as_of: Any = None,
        run: Any = None,
        limit: int | None = None,
        parse_json: bool = False,
        **filters: Any,
    ) -> tuple[list[dict[str, Any]], int, Snapshot]:
        """JSON-ready rows of ``table`` (what the CLI prints: JSON-valued columns parsed with ``parse_json``),
        the total count before ``limit``, and the snapshot they were read from."""
        from tracker.read.records import records

        rows, total, snap = self.reader.rows(table, as_of, run, limit, **filters)
        return records(rows, parse_json), total, snap

    @staticmethod
    def columns(table: str, by: str = "forecaster") -> list[tuple[str, str]]:
        """(name, dtype) of each column of ``table`` (the leaderboard's key column follows ``by``)."""
        from tracker.read.tables import leaderboard_spec

        if table not in TABLES:
            raise UserError(f"{table!r} is not a table ({', '.join(TABLES)})", "table")
        spec = leaderboard_spec(by) if table == "leaderboard" else TABLES[table]
        return [(c.name, c.dtype) for c in spec.columns]

    def today(self) -> date:
        return self.now().date()

    if TYPE_CHECKING:
        # For type checkers only: one method per table, named as the table, is set on the class below from
        # TABLES (a table added there has its method without a line here).
        events: FrameMethod
        sources: FrameMethod
        forecasters: FrameMethod
        questions: FrameMethod
        forecasts: FrameMethod
        resolutions: FrameMethod
        scores: FrameMethod
        question_scores: FrameMethod
        leaderboard: FrameMethod
        score_history: FrameMethod
        calibration: FrameMethod
        due: FrameMethod
        runs: FrameMethod
        hindsight: FrameMethod

    def compare(self, a: str, b: str, *, as_of: Any = None, run: Any = None, **filters: Any) -> dict[str, Any]:
        """Forecaster A against B on the questions both scored: the paired difference in Brier (A minus B) with
        its 90% interval and two-sided p-value, how many questions each won, and a verdict in words."""
        return self.reader.compare(a, b, as_of, run, **filters)

    def compare_all(
        self, *, correction: str = "holm", as_of: Any = None, run: Any = None, **filters: Any
    ) -> pd.DataFrame:
        """Every pair of forecasters with a shared question, p-values adjusted (Holm, or "bh")."""
        import pandas as pd

        from tracker.read.scores import COMPARE_ALL_COLUMNS

        rows = self.reader.compare_all(correction, as_of, run, **filters)
        return pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(COMPARE_ALL_COLUMNS))

    def phrases_observed(
        self, forecaster: Any = None, *, as_of: Any = None, run: Any = None, min_forecasts: int = 1, **filters: Any
    ) -> pd.DataFrame:
        """What the verbal phrases turned out to mean (pooled, or per forecaster: their lexicon)."""
        import pandas as pd

        return pd.DataFrame(self.reader.phrases_observed(forecaster, as_of, run, min_forecasts, **filters))

    def scale_shift(
        self, scale: str, *, min_scored: int = 5, as_of: Any = None, run: Any = None, **filters: Any
    ) -> dict[str, Any]:
        """Every verbal forecast read under another scale ("capphrase": how readers read the phrases; "uk-phia":
        the UK yardstick's midpoints): both mean Briers and ranks per forecaster, and Kendall's tau."""
        return self.reader.scale_shift(scale, min_scored, as_of, run, **filters)

    def discrimination(
        self,
        forecaster: str | None = None,
        bins: int = 10,
        *,
        edges: str = "left",
        as_of: Any = None,
        run: Any = None,
        **filters: Any,
    ) -> pd.DataFrame:
        """The forecasts' spread split by what happened (the discrimination view beside calibration)."""
        import pandas as pd

        return pd.DataFrame(self.reader.discrimination(forecaster, bins, edges, as_of, run, **filters))

    def decomposition(
        self, forecaster: str | None = None, bins: int = 10, *, as_of: Any = None, run: Any = None, **filters: Any
    ) -> MurphyDecomposition:
        return self.reader.decomposition(forecaster, bins, as_of, run, **filters)

    def show_question(self, question_id: str, as_of: Any = None, run: Any = None) -> dict[str, Any]:
        """One question in full: state, forecasts, resolutions with reasons, and its event history."""
        return self.reader.question(question_id, as_of, run)

    def log(
        self,
        stream: str | None = None,
        types: list[str] | None = None,
        after: int = 0,
        limit: int | None = None,
        as_of: Any = None,
    ) -> list[es.RecordedEvent]:
        """The events as the store gives them (old shapes upcast), for code that replays or inspects them."""
        from tracker.domain import events as ev
        from tracker.store import eventstore as es

        point = to_as_of(as_of)
        self._ready()
        for t in types or []:
            if t not in ev.ALL_TYPES:
                raise UserError(f"{t!r} is not an event type ({', '.join(ev.ALL_TYPES)})", "type")
        if stream is not None and not ev.is_stream_id(stream):
            stream = ev.question_stream(stream)
        with read_transaction(self.engine) as conn:
            return list(
                es.read(
                    conn,
                    after=after,
                    stream_id=stream,
                    types=types,
                    up_to=point.position if point else None,
                    recorded_until=point.recorded_until if point else None,
                    limit=limit,
                )
            )

    # ----- scoring -------------------------------------------------------------------------
    def score(self, full: bool = False) -> RunResult:
        """Run the scoring job once (incremental; ``full`` rescores everything)."""
        from tracker.scoring.job import run_scoring

        self._ready()
        return run_scoring(self.engine, full=full)

    # ----- backups ------------------------------------------------------------------------
    def backup(self, path: Path) -> BackupReport:
        """SQLite: a consistent copy at ``path`` (SQLite's online backup API); it never overwrites a file."""
        from dataclasses import replace

        from tracker.store import backup as bk

        with outfiles.atomic_path(path, "path", forceable=False) as tmp:
            report = bk.backup_sqlite(self.engine, tmp)
        return replace(report, path=str(path))

    def pg_dump(self, path: Path) -> None:
        """PostgreSQL: run pg_dump (on PATH) into ``path``; it never overwrites a file."""
        from tracker.store import backup as bk

        with outfiles.atomic_path(path, "path", forceable=False) as tmp:
            bk.run_pg_dump(self.url, tmp)

    def pg_commands(self, path: Path) -> list[str]:
        """PostgreSQL: the pg_dump, createdb and pg_restore commands for this database and ``path``."""
        from tracker.store import backup as bk

        return bk.pg_commands(self.url, path)

    # ----- maintenance --------------------------------------------------------------------
    def info(self, as_of: Any = None) -> dict[str, Any]:
        """The database, its schema revision, the event count and head (at ``as_of`` when given)."""
        data = self._info()
        if as_of is None or not data["initialised"]:
            return data
        with self.reader.snapshot(as_of) as snap:
            return data | {
                "events": snap.head_position,
                "head_position": snap.head_position,
                "head_hash": snap.head_hash,
                "as_of": snap.meta()["as_of"],
            }

    def _info(self) -> dict[str, Any]:
        # A missing SQLite file is reported as "not initialised" without opening it (which would create it). Read
        # through the read side: `tracker info` loads neither Alembic (for a ledger at this code's revision) nor
        # the event store's write path.
        from tracker.store import loghead

        with read_transaction(self.engine) if not self._missing_file() else nullcontext() as conn:
            revision = None if conn is None else migrate.current_revision(conn)
            if conn is None or revision is None:
                return {
                    "database": describe_url(self.url),
                    "revision": None,
                    "events": 0,
                    "head_position": 0,
                    "head_hash": loghead.GENESIS_HASH,
                    "initialised": False,
                }
            migrate.check_known(revision)
            position, head_hash = loghead.head(conn)
            return {
                "database": describe_url(self.url),
                "revision": revision,
                "events": loghead.count(conn),
                "head_position": position,
                "head_hash": head_hash,
                "initialised": True,
                "schema_current": revision == migrate.HEAD_REVISION,
            }

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Empty the projections and replay the whole log, in one transaction."""
        from tracker.projections.bulk import rebuild as rebuild_projections

        self._ready()
        with write_transaction(self.engine) as conn:
            return rebuild_projections(conn, progress)

    def verify(self) -> dict[str, Any]:
        """The hash chain from genesis, then the projections against a fresh replay."""
        from tracker.scoring.audit import audit_runs, audit_scores
        from tracker.store import merkletree
        from tracker.store.merklelog import ledger_tree

        self._ready()
        with read_transaction(self.engine) as conn:
            made = ledger_tree(conn)
            chain = made.chain
            result: dict[str, Any] = {
                **_chain_report(chain),
                "projections_ok": None,
                "scores_ok": None,
            }
            if not chain.ok:
                return result
            tree_problem = merkletree.check(conn, made.tree)
            result["merkle_ok"] = tree_problem is None
            if tree_problem is not None:
                result["ok"] = False
                result["problem"] = tree_problem
                return result
            mismatch = _compare_projections(conn)
            result["projections_ok"] = mismatch is None
            if mismatch is not None:
                result["ok"] = False
                result["problem"] = mismatch
                return result
            audit = audit_scores(conn, projections_current=True)
            runs = audit_runs(conn) if audit.ok else None
        result["scores_ok"] = audit.ok and runs is not None and runs.ok
        result["scores_run"] = audit.run_id
        result["scores_through_position"] = audit.through_position
        result["scores_checked"] = audit.rows_checked
        result["scores_verified_at"] = iso_utc(self.now())
        if runs is not None:
            result["runs_checked"] = runs.runs_checked
            result["runs_history_rows_checked"] = runs.rows_checked
            result["runs_unproven"] = list(runs.unproven)
        problem = audit.problem if runs is None else runs.problem
        if problem is None:
            from tracker.app.verbal import audit_scale_digests

            with read_transaction(self.engine) as conn:
                checked, unrecorded, scale_problem = audit_scale_digests(conn)
            result["scales_ok"] = scale_problem is None
            result["scale_digests_checked"] = checked
            result["scale_digests_unrecorded"] = unrecorded
            if scale_problem is not None:
                result["ok"] = False
                result["problem"] = f"verbal scales: {scale_problem}"
                return result
            if audit.run_id is not None:
                from tracker.scoring import statistics

                with read_transaction(self.engine) as conn:
                    checked, unstored, stats_problem = statistics.audit(conn, audit.run_id)
                result["statistics_ok"] = stats_problem is None
                result["statistics_checked"] = checked
                result["statistics_unstored"] = unstored
                if stats_problem is not None:
                    result["ok"] = False
                    result["problem"] = f"the stored statistics differ from a recomputation: {stats_problem}"
                    return result
        if problem is not None:
            result["ok"] = False
            result["problem"] = f"the stored scores differ from the events: {problem}"
        return result

    def verify_chain(self, since: tuple[int, str] | None = None) -> dict[str, Any]:
        """The hash chain alone (what a site build checks): from genesis, or with ``since`` (position, hash: a
        head verified before) that this head is still stored there and that the events after it extend it
        (`eventstore.verify_since`). `verify` checks everything."""
        from tracker.store import eventstore as es

        self._ready()
        behind = None
        with read_transaction(self.engine) as conn:
            chain = es.verify_chain(conn) if since is None else es.verify_since(conn, *since)
            if since is not None and not chain.ok and chain.first_bad_position == since[0]:
                # not the chain verified before (another ledger, or one rewritten and rehashed, which only an
                # anchor kept elsewhere can tell apart): the whole chain, from genesis
                behind, since = chain.problem, None
                chain = es.verify_chain(conn)
        return {
            **_chain_report(chain),
            "since_position": since[0] if since is not None else 0,
            "since_problem": behind,
        }

    def verify_against(self, anchor: str) -> dict[str, Any]:
        """`verify`, and proof that the ledger still extends `anchor` ("POSITION:HASH", a head kept elsewhere)."""
        from tracker.store import eventstore as es

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


def _event_dict(e: es.RecordedEvent) -> dict[str, Any]:
    return {
        "position": e.position,
        "event_id": e.event_id,
        "stream_id": e.stream_id,
        "stream_version": e.stream_version,
        "type": e.event_type,
        "schema_version": e.schema_version,
        "occurred_at": iso_utc(e.occurred_at),
        "recorded_at": iso_utc(e.recorded_at),
        "actor": e.actor,
        "data": e.data,
        "hash": e.hash,
    }


event_dict = _event_dict


def _normalise(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _table_rows(conn: Connection, table: Any) -> list[tuple[Any, ...]]:
    from sqlalchemy import select

    rows = conn.execute(select(table)).all()
    return sorted((tuple(_normalise(v) for v in r) for r in rows), key=repr)


def _chain_report(chain: es.ChainReport) -> dict[str, Any]:
    """What `tracker verify --json` and the site's check say of the hash chain."""
    return {
        "ok": chain.ok,
        "events_checked": chain.checked,
        "head_position": chain.head_position,
        "head_hash": chain.head_hash,
        "first_bad_position": chain.first_bad_position,
        "problem": chain.problem,
    }


def _compare_projections(conn: Connection) -> str | None:
    """Replay the log into memory and compare every projection table row by row."""
    from tracker.projections.projector import replay
    from tracker.read.snapshot import memory_projections
    from tracker.store import eventstore as es
    from tracker.store.schema import PROJECTION_TABLES

    memory = memory_projections()
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


# One method per table, named as the table: ``ledger.questions(...)`` is ``ledger.frame("questions", ...)``.
for _table in TABLES:
    if _table in vars(Ledger):  # a table named as one of the Ledger's own methods would replace it
        raise TypeError(f"the table {_table!r} has the name of a Ledger method")
    setattr(Ledger, _table, _table_method(_table, *POSITIONAL_FILTERS.get(_table, ())))
