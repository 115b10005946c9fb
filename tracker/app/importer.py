"""`tracker import`: the curated catalog (predictions/ and seeds/) into the ledger.

- Everything is validated first (the catalog loader collects every error, each naming its file,
  entry and field); then every event is appended in ONE write transaction: all or nothing.
- Event ids derive from catalog ids (uuid5), so importing the same catalog twice appends nothing.
- An entry that changed since it was imported is a difference. It is refused unless the user says
  what the change is (a clarification, a correction or a withdrawal) and why; then it is recorded as
  that new event. History is never rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from tracker import collector
from tracker.app.streams import load_question, load_source
from tracker.domain import commands as c
from tracker.domain import events as ev
from tracker.domain import fields
from tracker.domain.decide import decide, decide_checked, decide_source
from tracker.domain.state import QuestionState, SourceState, empty_question, evolve_question, evolve_source
from tracker.errors import UserError
from tracker.projections.bulk import project_range
from tracker.store import eventstore as es
from tracker.store.db import read_transaction, write_transaction
from tracker.store.ids import catalog_event_id
from tracker.store.schema import events

if TYPE_CHECKING:
    from tracker.catalog.load import Catalog

CHANGE_KINDS = ("clarification", "correction", "withdrawal")


class CatalogInvalid(UserError):
    """The catalog has errors; `.errors` lists every one (file: entry: field: message)."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{errors[0]}{more}")


@dataclass
class ImportReport:
    files: int = 0
    sources: int = 0
    questions: int = 0
    forecasts: int = 0
    appended: int = 0
    unchanged: int = 0
    differences: list[str] = field(default_factory=list)
    recorded_changes: list[str] = field(default_factory=list)
    head_position: int = 0
    head_hash: str = ""


def _digest(value: Any) -> str:
    return hashlib.sha256(es.canonical_json(value).encode()).hexdigest()[:12]


def _stored(conn: Connection, event_ids: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(event_ids), 500):
        rows = conn.execute(
            select(events.c.event_id, events.c.payload).where(events.c.event_id.in_(event_ids[i : i + 500]))
        )
        out.update({r.event_id: json.loads(r.payload) for r in rows})
    return out


def _diff(old: dict[str, Any], new: dict[str, Any], keys: Sequence[str]) -> list[str]:
    return [k for k in keys if old.get(k) != new.get(k)]


class _Plan:
    """Commands per stream, decided in order against the stream's state inside the transaction.

    The decided events are kept, in order, and appended together at the end with `es.append_stream` (one
    hash-chained insert and batched projections instead of queries and statements per event). The outcome
    is that of appending each command's events at once: states are evolved here as the store would have
    them, and a command whose events are already in the log is a no-op, as `append` makes it (checked
    here, except for ids known to be absent: the catalog ids the import looked up and did not find).
    """

    def __init__(
        self, conn: Connection, actor: str, known_absent: Callable[[str], bool], log_empty: bool = False
    ) -> None:
        self.conn = conn
        self.actor = actor
        self.known_absent = known_absent
        # The log held no event when the transaction began (a first import), and nothing is written before
        # `append`: no decided event can be in it.
        self.log_empty = log_empty
        self.pending: list[tuple[str, list[ev.Event], int]] = []
        self.questions: dict[str, QuestionState] = {}
        self.sources: dict[str, SourceState] = {}
        # What each stream was opened or registered with, whichever way (an import, `tracker question add`,
        # `tracker source add`): a catalog entry is compared with it.
        self.opened_with: dict[str, dict[str, Any]] = {}
        self.registered_with: dict[str, dict[str, Any]] = {}

    def know_streams(self, question_ids: Collection[str], source_ids: Collection[str], read: bool = True) -> None:
        """Fold the states of these streams up front, reading them all in a few queries: one query per stream
        was the largest cost of an import after YAML (profiled), even of one that writes nothing. ``read``
        False: the ledger is known to hold no event, so every stream is empty."""
        self.questions.update((q, empty_question(q)) for q in question_ids)
        self.sources.update((s, SourceState(source_id=s)) for s in source_ids)
        if not read:
            return
        streams = [ev.question_stream(q) for q in question_ids] + [ev.source_stream(s) for s in source_ids]
        for e in es.read_streams(self.conn, streams):
            q = ev.stream_question(e.stream_id)
            if q is not None:
                self.questions[q] = evolve_question(self.questions[q], e.event_type, e.data)
                if e.event_type == ev.QUESTION_OPENED:
                    self.opened_with[q] = e.data
            else:
                s = e.stream_id.removeprefix(ev.SOURCE_STREAM)
                self.sources[s] = evolve_source(self.sources[s], e.event_type, e.data)
                if e.event_type == ev.SOURCE_REGISTERED:
                    self.registered_with[s] = e.data

    def question_state(self, qid: str) -> QuestionState:
        if qid not in self.questions:
            self.questions[qid] = load_question(self.conn, qid)
        return self.questions[qid]

    def _already_in_log(self, new: list[ev.Event]) -> bool:
        if self.log_empty:
            return False
        ids = [e.event_id for e in new if e.event_id is not None and not self.known_absent(e.event_id)]
        if not ids:
            return False
        present = set(self.conn.execute(select(events.c.event_id).where(events.c.event_id.in_(ids))).scalars())
        return es.already_there(present, new)

    def run_question(self, cmd: c.QuestionCommand, origin: str = "-", entry: str = "-", checked: bool = False) -> None:
        """``checked``: the command is made of a catalog entry's fields as the loader read them, each through the
        domain's rule (`tracker.domain.decide.CHECKED_FIELDS`), so the domain decides it without those again."""
        state = self.question_state(cmd.question_id)
        try:
            new = decide_checked(state, cmd) if checked else decide(state, cmd)
        except UserError as refused:
            raise _named_refusal(refused, origin, entry) from None
        if self._already_in_log(new):
            return
        self.pending.append((ev.question_stream(cmd.question_id), new, state.version))
        for e in new:
            state = evolve_question(state, e.type, e.data)
        self.questions[cmd.question_id] = state

    def run_source(self, cmd: c.RegisterSource, origin: str = "-", entry: str = "-") -> None:
        state = self.sources.get(cmd.source_id) or load_source(self.conn, cmd.source_id)
        try:
            new = decide_source(state, cmd)
        except UserError as refused:
            raise _named_refusal(refused, origin, entry) from None
        if not self._already_in_log(new):
            self.pending.append((ev.source_stream(cmd.source_id), new, state.version))

    def append(self, progress: Callable[[int], None] | None = None) -> es.Appended:
        """Append what was decided, in chunks (es.append_stream), the projections brought up to date set-based
        at the end (tracker.projections.bulk); the recorded events are not kept."""
        return es.append_stream(self.conn, self.pending, self.actor, progress=progress, project_range=project_range)


@dataclass
class _ImportRun:
    """One import's work while its events are planned, in one write transaction: the catalog, the plan, the report,
    the events already stored, each entry's event ids, and the differences found."""

    catalog: Catalog
    plan: _Plan
    report: ImportReport
    stored: dict[str, dict[str, Any]]
    now: datetime
    record_as: str | None
    reason: str | None
    progress: Callable[[int, int], None] | None
    source_eid: dict[str, str]
    opened_eid: dict[str, str]
    resolved_eid: dict[str, str]
    annulled_eid: dict[str, str]
    forecast_eid: dict[str, str]
    changes: list[tuple[str, list[c.QuestionCommand]]] = field(default_factory=list)
    unrecordable: list[str] = field(default_factory=list)
    recordable: list[str] = field(default_factory=list)  # of those, the ones a --record-as would record

    def differ(self, kind: str | None, message: str) -> None:
        """A difference is recorded only as the kind of change the user named; any other is refused."""
        self.report.differences.append(message)
        if kind is None or kind != self.record_as:
            self.unrecordable.append(message + (f" (a {kind})" if kind else ""))
            if kind is not None:
                self.recordable.append(message)


def _import_sources(run: _ImportRun) -> None:
    """The catalog's sources: each new one registered; one registered already must say what the ledger holds."""
    for s in run.catalog.sources.values():
        eid = run.source_eid[s.id]
        sha = hashlib.sha256(s.text.encode()).hexdigest() if s.text is not None else None
        old = run.plan.registered_with.get(s.id)
        if old is not None:
            # Registered already (by an import, or by `tracker source add`): the entry must say what the
            # ledger holds. Named by the catalog's fields (the text's digest is its `file`).
            new = {
                "title": s.title,
                "file": sha,
                "published": s.published.isoformat(),
                "url": s.url,
                "outlet": s.outlet,
                "authors": list(s.authors),
                "date_basis": s.date_basis,
                "notes": s.notes,
            }
            changed = _diff({**old, "file": old.get("sha256")}, new, list(new))
            if changed:
                run.differ(
                    None,
                    f"{s.origin}: {s.id}: {', '.join(changed)}: differs from the source the ledger holds "
                    "(a source cannot change)",
                )
            else:
                run.report.unchanged += 1
        else:
            run.plan.run_source(
                c.RegisterSource(
                    s.id,
                    s.title,
                    run.now,
                    s.outlet,
                    s.authors,
                    s.published,
                    s.date_basis,
                    s.url,
                    s.text,
                    sha,
                    s.notes,
                    eid,
                ),
                s.origin,
                s.id,
            )


def _import_questions(run: _ImportRun) -> None:
    """The catalog's questions: each new one opened; one opened already may differ only as a clarification."""
    for q in run.catalog.questions.values():
        eid = run.opened_eid[q.id]
        old = run.plan.opened_with.get(q.id)
        if old is not None:  # opened already, by an import or by `tracker question add`
            new = {
                "title": q.title,
                "criteria": q.criteria,
                "resolve_by": q.resolve_by.isoformat(),
                "opened": q.opened.isoformat(),
            }
            changed = _diff(old, new, list(new))
            state = run.plan.question_state(q.id)
            current = {
                "title": state.title,
                "criteria": state.criteria,
                "resolve_by": state.resolve_by,
                "opened": state.opened,
            }
            since = "changed since import" if eid in run.stored else "differs from the question the ledger holds"
            kept = {"type": q.type, "options": list(q.options), "tags": list(q.tags), "condition": q.condition}
            held = {
                "type": old.get("kind"),
                "options": old.get("options"),
                "tags": old.get("tags") or [],
                "condition": old.get("condition"),
            }
            fixed = _diff(held, kept, list(kept))
            if fixed:
                run.differ(None, f"{q.origin}: {q.id}: {', '.join(fixed)}: {since} (a question's type, options, "
                       "tags and condition cannot change)")  # fmt: skip
            elif changed and _diff(current, new, list(new)):
                run.differ("clarification", f"{q.origin}: {q.id}: {', '.join(changed)}: {since}")
                if run.record_as == "clarification":
                    cmd = c.ClarifyQuestion(
                        q.id,
                        run.reason or "",
                        run.now,
                        q.title if "title" in changed else None,
                        q.criteria if "criteria" in changed else None,
                        q.resolve_by if "resolve_by" in changed else None,
                        catalog_event_id("question", q.id, "clarified", _digest(new)),
                        q.opened if "opened" in changed else None,
                    )
                    run.changes.append((f"{q.id}: clarified ({', '.join(changed)})", [cmd]))
            else:
                run.report.unchanged += 1
        else:
            run.plan.run_question(
                c.OpenQuestion(
                    q.id,
                    q.title,
                    q.criteria,
                    run.now,
                    q.type,
                    q.options,
                    q.resolve_by,
                    q.opened,
                    q.tags,
                    q.condition,
                    eid,
                ),
                q.origin,
                q.id,
                checked=True,
            )


def _import_forecasts(run: _ImportRun) -> None:
    """The catalog's forecasts: each new one recorded; one recorded already may change only as a withdrawal and a
    new forecast."""
    for f in run.catalog.forecasts.values():
        eid = run.forecast_eid[f.id]
        cmd_f = c.RecordForecast(
            question_id=f.question,
            forecast_id=f.id,
            forecaster=f.forecaster,
            forecaster_id=f.forecaster_id,
            probabilities=dict(f.probabilities),
            made_at=f.made_at,
            now=run.now,
            role=f.role,
            source_id=f.source,
            quote=f.quote,
            hedge=f.hedge,
            quote_verified=f.quote_verified,
            derivation=f.derivation,
            event_id=eid,
        )
        if eid in run.stored:
            old = run.stored[eid]
            # What was SAID is compared: for a verbal forecast, its phrase and reading, not the number
            # a scale gave it (a new scale version is applied with `tracker rescale`, not by import).
            old_deriv = old.get("derivation") or {}
            new_data = {
                "question": f.question,
                "made_at": f.made_at.isoformat(),
                "quote": f.quote,
                "forecaster": f.forecaster,
                "said": (f.says, f.reading) if f.method == "verbal" else dict(f.probabilities),
            }
            old_data = {
                "question": f.question,
                "made_at": old.get("made_at"),
                "quote": old.get("quote"),
                "forecaster": old.get("forecaster"),
                "said": (old_deriv.get("phrase"), old_deriv.get("reading"))
                if old_deriv.get("method") == "verbal"
                else old.get("probabilities"),
            }
            changed = _diff(old_data, new_data, list(new_data))
            if changed:
                run.differ("withdrawal", f"{f.origin}: {f.id}: {', '.join(changed)}: changed since import")
                if run.record_as == "withdrawal":
                    digest = _digest(new_data)
                    new_id = f"{f.id}.{digest[:6]}"
                    withdraw = c.WithdrawForecast(
                        f.question, f.id, run.reason or "", run.now, catalog_event_id("forecast", f.id, "withdrawn")
                    )
                    renewed = c.RecordForecast(
                        **{
                            **cmd_f.__dict__,
                            "forecast_id": new_id,
                            "event_id": catalog_event_id("forecast", f.id, digest),
                        }
                    )
                    state = run.plan.question_state(f.question)
                    steps: list[c.QuestionCommand] = []
                    if not state.forecasts.get(f.id, None) or not state.forecasts[f.id].withdrawn:
                        steps.append(withdraw)
                    if new_id not in state.forecasts:
                        steps.append(renewed)
                    run.changes.append((f"{f.id}: withdrawn and re-recorded as {new_id}", steps))
            else:
                run.report.unchanged += 1
        else:
            run.plan.run_question(cmd_f, f.origin, f.id, checked=True)


def _import_outcomes(run: _ImportRun) -> None:
    """The questions' resolutions and annulments, after the forecasts, so that a question's stream reads in the order
    things happened; a resolution changed since import is a correction."""
    for q in run.catalog.questions.values():
        state = run.plan.question_state(q.id)
        if q.resolution is not None:
            r = q.resolution
            if state.status == "open" and run.resolved_eid[q.id] not in run.stored:
                run.plan.run_question(
                    c.ResolveQuestion(
                        q.id,
                        r.outcome,
                        r.known_on,
                        run.now,
                        r.evidence,
                        run.resolved_eid[q.id],
                        r.known_before_opened,
                    ),
                    q.origin,
                    q.id,
                    checked=True,
                )
            elif state.status == "resolved" and (state.outcome, state.known_on) != (
                r.outcome,
                r.known_on.isoformat(),
            ):
                run.differ("correction", f"{q.origin}: {q.id}: resolution: changed since import")
                if run.record_as == "correction":
                    cmd_c = c.CorrectResolution(
                        q.id,
                        r.outcome,
                        r.known_on,
                        run.reason or "",
                        run.now,
                        r.evidence,
                        catalog_event_id("question", q.id, "corrected", _digest([r.outcome, str(r.known_on)])),
                        r.known_before_opened,
                    )
                    run.changes.append((f"{q.id}: resolution corrected to {r.outcome}", [cmd_c]))
        elif q.annulment is not None:
            a = q.annulment
            if state.status != "annulled" and run.annulled_eid[q.id] not in run.stored:
                run.plan.run_question(
                    c.AnnulQuestion(q.id, a.reason, run.now, a.on, run.annulled_eid[q.id]),
                    q.origin,
                    q.id,
                    checked=True,
                )
        elif state.status != "open":
            run.differ(None, f"{q.origin}: {q.id}: resolution: removed from the catalog (use tracker reopen)")


def _import_finish(run: _ImportRun) -> None:
    """Refuse every difference not recorded as the change the user named; plan the changes; append every event."""
    if run.unrecordable:
        how = (
            "entries changed since they were imported: record them with --record-as "
            "clarification|correction|withdrawal --reason TEXT, or restore them"
            if run.recordable
            else "entries differ from what the ledger holds: make them say what it holds (a source, and a "
            "question's type, options, tags and condition, cannot change)"
        )
        raise CatalogInvalid([*run.unrecordable, how])
    for description, cmds in run.changes:
        for step in cmds:
            run.plan.run_question(step)
        run.report.recorded_changes.append(description)
    total = sum(len(evs) for _, evs, _ in run.plan.pending)
    progress = run.progress
    written = run.plan.append(None if progress is None else lambda n: progress(n, total))
    run.report.appended = written.count
    run.report.head_position, run.report.head_hash = written.head_position, written.head_hash


# The collector paused: an import holds hundreds of thousands of objects made fast and kept to the end, none of
# them garbage; each full pass walked them all, a share growing with the catalog's size (BENCHMARKS.md).
@collector.paused()
def import_catalog(
    ledger: Any,
    paths: Sequence[Path],
    record_as: str | None = None,
    reason: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Validate the catalog at `paths`, then append what is new in one write transaction.

    `progress(done, total)` is called as the events are written: events appended so far, of how many.
    """
    from tracker.catalog.load import CatalogError, load_catalog

    if record_as is not None and record_as not in CHANGE_KINDS:
        raise UserError(f"{record_as!r} is not one of {', '.join(CHANGE_KINDS)}", "record_as")
    if record_as is not None and reason is None:
        raise UserError("recording a change needs --reason", "reason")
    if reason is not None:
        fields.text(reason, "reason")
    missing = [str(p) for p in paths if not os.path.exists(p)]  # (Path.exists raises for a name too long)
    if missing:
        raise UserError(f"{missing[0]!r} does not exist", "path")
    try:
        catalog = load_catalog(list(paths), now=ledger.now(), ledger=_held(ledger))
    except CatalogError as e:
        raise CatalogInvalid(e.errors) from None
    ledger._ready()
    now = ledger.now()
    report = ImportReport(
        files=len(catalog.files),
        sources=len(catalog.sources),
        questions=len(catalog.questions),
        forecasts=len(catalog.forecasts),
    )
    # Each entry's event ids, made once (uuid5: a SHA-1 each) and looked up below; a resolution's and an
    # annulment's only for the questions whose entry has one (`_import_outcomes` asks for no other).
    questions = catalog.questions
    source_eid = {s: catalog_event_id("source", s) for s in catalog.sources}
    opened_eid = {q: catalog_event_id("question", q, "opened") for q in questions}
    resolved_eid = {
        q: catalog_event_id("question", q, "resolved") for q, e in questions.items() if e.resolution is not None
    }
    annulled_eid = {
        q: catalog_event_id("question", q, "annulled") for q, e in questions.items() if e.annulment is not None
    }
    forecast_eid = {f: catalog_event_id("forecast", f) for f in catalog.forecasts}
    ids = {
        eid: entry
        for by_entry in (source_eid, opened_eid, resolved_eid, annulled_eid, forecast_eid)
        for entry, eid in by_entry.items()
    }
    with write_transaction(ledger.engine) as conn:
        # A ledger with no event holds none of these ids and no stream (a first import): nothing to read.
        empty = es.head(conn)[0] == 0
        stored = {} if empty else _stored(conn, list(ids))
        plan = _Plan(conn, ledger.actor, lambda eid: eid in ids and eid not in stored, log_empty=empty)
        plan.know_streams(list(catalog.questions), list(catalog.sources), read=not empty)
        run = _ImportRun(
            catalog,
            plan,
            report,
            stored,
            now,
            record_as,
            reason,
            progress,
            source_eid,
            opened_eid,
            resolved_eid,
            annulled_eid,
            forecast_eid,
        )
        _import_sources(run)
        _import_questions(run)
        _import_forecasts(run)
        _import_outcomes(run)
        _import_finish(run)
    return report


def _named_refusal(e: UserError, origin: str, entry: str) -> UserError:
    """A refusal by the domain, named like the catalog's own errors: FILE: ENTRY: FIELD: message."""
    if isinstance(e, CatalogInvalid):
        return e
    named = CatalogInvalid([f"{origin}: {entry}: {e.field or '-'}: {e.message}"])
    named.exit_code = e.exit_code
    return named


def _held(ledger: Any) -> Any:
    """The `LedgerLookup` a catalog's forecasts resolve ids against: what the ledger holds (before the import's
    transaction; the import checks the streams again inside it). Each id is read once."""
    import functools

    from tracker.catalog.load import HeldQuestion, HeldSource, LedgerLookup
    from tracker.read import lookups

    @functools.cache
    def source(source_id: str) -> HeldSource | None:
        ledger._ready()  # a ledger that does not exist, or is not at this version, is refused here as anywhere
        with read_transaction(ledger.engine) as conn:
            row = lookups.get_source(conn, source_id)
        return None if row is None else HeldSource(source_id, row.get("text"))

    @functools.cache
    def question(question_id: str) -> HeldQuestion | None:
        ledger._ready()
        with read_transaction(ledger.engine) as conn:
            row = lookups.get_question(conn, question_id, ledger.today())
        if row is None:
            return None
        opened = date.fromisoformat(str(row["opened"])[:10])
        return HeldQuestion(question_id, row["kind"], tuple(row["options"]), opened)

    return LedgerLookup(source, question)
