"""Commands that read: info, list, show, log, sources; and maintenance: rebuild, verify, backup. Each command's
help ends with runnable examples (tracker/cli/examples.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from tracker.cli import reading as rd
from tracker.cli import render
from tracker.cli.common import Commands, emit_json, fmt_p, ledger, say, warn
from tracker.cli.render import Column
from tracker.errors import DatabaseError, IntegrityError, UserError

JSON = rd.JSON
command = Commands()


def _prob_text(f: dict[str, Any]) -> str:
    probs = f["probabilities"]
    if isinstance(probs, str):
        import json

        probs = json.loads(probs)
    if set(probs) == {"yes", "no"}:
        return fmt_p(probs["yes"])
    return ", ".join(f"{k}={fmt_p(v)}" for k, v in probs.items())


def _status(r: dict[str, Any]) -> dict[str, Any]:
    return r | {"status": str(r["status"]) + (" (due)" if r.get("due") else ""), "tags": rd.joined(r["tags"])}


LIST_COLUMNS = [
    Column("question_id", "id", "id"),
    Column("status", "status", "id"),
    Column("resolve_by", "resolve by", "date"),
    Column("outcome", "outcome", "id"),
    Column("n_forecasts", "forecasts", "int"),
    Column("tags", "tags"),
    Column("title", "title"),
]
FORECAST_COLUMNS = [
    Column("forecast_id", "id", "id"),
    Column("forecaster", "forecaster"),
    Column("made_at", "made", "date"),
    Column("p", "P(YES)", "id"),
    Column("how", "how"),
    Column("score", "Brier", "id"),
    Column("source_id", "source", "id"),
    Column("quote", "quote"),
    Column("state", "state"),
]
RESOLUTION_COLUMNS = [
    Column("position", "pos", "int"),
    Column("action", "action", "id"),
    Column("outcome", "outcome", "id"),
    Column("known_on", "known on", "date"),
    Column("evidence", "evidence"),
    Column("reason", "reason"),
    Column("actor", "by"),
    Column("recorded_at", "recorded", "time"),
]
HISTORY_COLUMNS = [
    Column("position", "pos", "int"),
    Column("type", "event", "id"),
    Column("recorded_at", "recorded", "time"),
    Column("actor", "by"),
    Column("what", "what"),
    Column("hash", "hash", "id"),
]
LOG_COLUMNS = [
    Column("position", "pos", "int"),
    Column("stream_id", "stream", "id"),
    Column("stream_version", "v", "int"),
    Column("event_type", "type", "id"),
    Column("recorded_at", "recorded", "time"),
    Column("actor", "actor"),
    Column("hash", "hash", "id"),
]
SOURCE_COLUMNS = [
    Column("source_id", "id", "id"),
    Column("published", "published", "date"),
    Column("outlet", "outlet"),
    Column("title", "title"),
    Column("sha256", "sha256", "id"),
]


def _what(event: dict[str, Any]) -> str:
    """The words of an event a reader wants in a history line: a reason, an outcome, a forecaster."""
    data = event.get("data") or {}
    if not isinstance(data, dict):
        return ""
    parts = []
    for key in ("forecaster", "outcome", "known_on", "reason", "evidence", "title", "resolve_by"):
        value = data.get(key)
        if value not in (None, "", [], {}):
            parts.append(f"{key}: {value}")
    return "; ".join(parts)


def _score_text(f: dict[str, Any]) -> str:
    """The forecast's Brier when scored, else why not (superseded, unresolved, hindsight, withdrawn...)."""
    if f.get("brier") is not None:
        return fmt_p(f["brier"])
    return str(f.get("score_status") or "")


def _forecast_row(f: dict[str, Any]) -> dict[str, Any]:
    from tracker.domain.verbal import explain_reading

    how = str(f["method"])
    reading = explain_reading(
        f.get("phrase"), f.get("reading"), f.get("p_yes"), f.get("p_low"), f.get("p_high"), f.get("scale_version"), "'"
    )
    if reading:
        how += f": {reading}"
    if f.get("hedge"):
        how += f"; hedge '{f['hedge']}'"
    state = ""
    if f.get("withdrawn"):
        state = "withdrawn" + (f": {f['withdrawn_reason']}" if f.get("withdrawn_reason") else "")
    elif f.get("quote_verified") is False:
        state = "quote unverified"
    return f | {"p": _prob_text(f), "how": how, "score": _score_text(f), "state": state, "made_at": f["made_at"]}


@command(examples=("tracker info", "tracker info --json"))
@rd.read_options(limit=False, run=False, record=True)
def info(ctx: typer.Context, opts: rd.ReadOptions) -> None:
    """Which database, its schema revision, the event count and the head (position and hash)."""
    out = opts.out
    data = ledger(ctx).info(as_of=opts.as_of)
    if not out.table:
        render.render_record(data, None, out.fmt)
        return
    say(f"database:  {render.safe_text(data['database'])}")
    if not data["initialised"]:
        say("schema:    none (run 'tracker init')")
        return
    say(f"schema:    {data['revision']}" + ("" if data["schema_current"] else " (older: run 'tracker init')"))
    say(f"events:    {data['events']}")
    say(f"head:      {data['head_position']}:{data['head_hash']}")
    if data.get("as_of"):
        say(f"as of:     {data['as_of']}")


@command("list", examples=("tracker list --status open --tag venezuela", "tracker list --as-of 20 --format csv"))
@rd.read_options("tag", "forecaster", "source", "outlet", "question", status="open, resolved, annulled or due.")
def list_(ctx: typer.Context, opts: rd.ReadOptions) -> None:
    """List questions, oldest first."""
    rd.show(ledger(ctx), "questions", opts, LIST_COLUMNS, noun=("question", "questions"), title="{n} {noun}",
            prepare=_status)  # fmt: skip


@command(
    examples=(
        "tracker show osaka-trump-putin-meeting-2019",
        "tracker show osaka-trump-putin-meeting-2019 --format json",
    )
)
@rd.read_options(limit=False, record=True)
def show(
    ctx: typer.Context,
    opts: rd.ReadOptions,
    question_id: str = typer.Argument(..., help="The question's id (see 'tracker list')."),
) -> None:
    """A question in full: its state, criteria, forecasts with quotes, resolutions with their evidence and
    reasons, and its event history (who did what, when, with hashes).
    """
    out = opts.out
    q = ledger(ctx).show_question(question_id, opts.as_of, opts.run)
    if out.fmt == "json":
        emit_json(q)
        return
    if not out.table:
        render.render_record(q, None, out.fmt)
        return
    import textwrap

    heading = render.safe_text(f"{q['question_id']}: {q['title']}")
    say("\n".join(textwrap.wrap(heading, render.terminal_width(), subsequent_indent="  ")))
    fields = [
        Column("status", "status"),
        Column("outcome", "outcome"),
        Column("evidence", "evidence"),
        Column("status_reason", "reason"),
        Column("criteria", "criteria"),
        Column("condition", "condition"),
        Column("kind", "kind", "id"),
        Column("options", "options"),
        Column("opened", "opened", "date"),
        Column("resolve_by", "resolve by", "date"),
        Column("tags", "tags"),
        Column("version", "version", "int"),
    ]
    shown = {k: v for k, v in _status(q).items() if v not in (None, "")}
    shown["options"] = rd.joined(q["options"])
    if q.get("outcome"):
        shown["outcome"] = f"{q['outcome']} (known {q['known_on']})"
    render.render_record(shown, [c for c in fields if c.key in shown], "table")
    n = len(q["forecasts"])
    render.render_rows(
        [_forecast_row(f) for f in q["forecasts"]],
        FORECAST_COLUMNS,
        "table",
        title=render.plural(n, "forecast"),
        noun=("forecast", "forecasts"),
    )
    if q["resolutions"]:
        render.render_rows(
            q["resolutions"],
            RESOLUTION_COLUMNS,
            "table",
            title="resolutions, corrections, annulments and reopenings",
            noun=("resolution", "resolutions"),
        )
    render.render_rows(
        [h | {"what": _what(h), "hash": str(h["hash"])[:12]} for h in q["history"]],
        HISTORY_COLUMNS,
        "table",
        title=f"history ({render.plural(len(q['history']), 'event')})",
        noun=("event", "events"),
    )


@command(
    examples=(
        "tracker log --stream osaka-trump-putin-meeting-2019",
        "tracker log --type QuestionResolved --format json --limit 3",
    )
)
@rd.read_options()
def log(
    ctx: typer.Context,
    opts: rd.ReadOptions,
    stream: str = typer.Option(None, "--stream", help="A question id, or a stream id (source-…)."),
    type_: list[str] = typer.Option([], "--type", help="Event type (repeat)."),
    after: int = typer.Option(0, "--after", min=0, help="Only events after this position."),
) -> None:
    """The event log, with positions, actors and hashes."""
    rd.show(
        ledger(ctx),
        "events",
        opts,
        LOG_COLUMNS,
        noun=("event", "events"),
        title="{n} {noun}",
        prepare=lambda r: r | {"hash": str(r["hash"])[:12]},
        question=stream,
        type=type_,
        after=after or None,
    )


@command(examples=('tracker sources --outlet "POLITICO Europe (opinion)"',))
@rd.read_options("source", "outlet")
def sources(ctx: typer.Context, opts: rd.ReadOptions) -> None:
    """List the registered sources."""
    rd.show(ledger(ctx), "sources", opts, SOURCE_COLUMNS, noun=("source", "sources"), title="{n} {noun}",
            prepare=lambda r: r | {"sha256": (r["sha256"] or "")[:12]})  # fmt: skip


@command(examples=("tracker rebuild",))
def rebuild(ctx: typer.Context) -> None:
    """Drop and replay every projection from the event log."""
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("replaying", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        n = ledger(ctx).rebuild(tick)
    say(f"rebuilt projections from {render.plural(n, 'event')}")


@command(examples=("tracker verify", "tracker verify --anchor"))
def verify(
    ctx: typer.Context,
    json_out: bool = JSON,
    anchor: bool = typer.Option(
        False, "--anchor", help="Print the head as POSITION:HASH (alone on stdout), to keep somewhere else."
    ),
    against: str = typer.Option(
        None, "--against", metavar="POSITION:HASH", help="Also prove the ledger still extends this anchor."
    ),
    checkpoint: Path = typer.Option(
        None, "--checkpoint", help="Also prove the ledger extends the log this signed checkpoint file holds."
    ),
    key: str = typer.Option(None, "--key", help="The public key that must have signed --checkpoint."),
) -> None:
    """Check the hash chain, that projections equal a fresh replay, and that the last scoring run's scores equal
    a recomputation from the events; non-zero exit (7) naming the first difference if not."""
    led = ledger(ctx)
    report = led.verify() if against is None else led.verify_against(against)
    if checkpoint is not None:
        _check_checkpoint(led, report, checkpoint, key)
    if report["ok"] and anchor:
        report["anchor"] = f"{report['head_position']}:{report['head_hash']}"
    if json_out:
        emit_json(report)
    elif report["ok"] and anchor:
        # stdout holds the anchor alone (`tracker verify --anchor >> anchors.txt`); the advice goes to stderr.
        say(report["anchor"])
        warn(
            "keep this anchor somewhere the ledger's writers cannot edit (a note, a commit, an email); "
            f"later, 'tracker verify --against {report['anchor']}' proves the ledger still extends it"
        )
    elif report["ok"]:
        say(f"ok: {render.plural(report['events_checked'], 'event')}, chain intact, projections match a replay")
        if report.get("scores_run") is not None:
            say(
                f"scores of run {report['scores_run']} (through position {report['scores_through_position']}) "
                f"equal a recomputation from the events ({report['scores_checked']} rows)"
            )
        if report.get("runs_checked"):
            unproven = report["runs_unproven"]
            proven = report["runs_checked"] - len(unproven)
            say(
                f"{render.plural(proven, 'scoring run')} of {report['runs_checked']} proven: their records and "
                f"the leaderboard each left ({report['runs_history_rows_checked']} score_history rows) equal a "
                "recomputation from the events they scored"
            )
            if unproven:
                say(
                    f"unproven: {render.plural(len(unproven), 'run')} ({', '.join(map(str, unproven))}) recorded "
                    "by an earlier version of the scoring formulas differ from today's recomputation; "
                    "the read commands that show their figures say so"
                )
        if report.get("statistics_checked") or report.get("statistics_unstored"):
            unstored = report["statistics_unstored"]
            say(
                f"statistics: {render.plural(report['statistics_checked'], 'forecaster')}' intervals and "
                "verdicts as stored equal a recomputation from the scores"
                + (f"; {unstored} scored before statistics were stored: computed when read" if unstored else "")
            )
        if report.get("scale_digests_checked") or report.get("scale_digests_unrecorded"):
            unrecorded = report["scale_digests_unrecorded"]
            say(
                f"verbal scales: {render.plural(report['scale_digests_checked'], 'verbal forecast')} recorded "
                "under the content of their scale version"
                + (
                    f"; {unrecorded} under a version of your own recorded before forecasts kept the scale's "
                    "digest: unproven"
                    if unrecorded
                    else ""
                )
            )
        if against is not None:
            say(f"extends the anchor {report['anchor']}")
        if checkpoint is not None:
            signed = "its signature checked" if key else "its signature NOT checked: give --key"
            say(f"extends the checkpoint of {report['checkpoint']['checkpoint_size']} events ({signed})")
        say(f"head: {report['head_position']}:{report['head_hash']}")
    if not report["ok"]:
        where = f" at position {report['first_bad_position']}" if report["first_bad_position"] else ""
        raise IntegrityError(f"verification failed{where}: {report['problem']}")


def _check_checkpoint(led: Any, report: dict[str, Any], path: Path, key: str | None) -> None:
    from tracker.app import proofs

    note, _ = proofs.read_checkpoint(path)
    verifier = proofs.load_verifier(key) if key is not None else None
    check = proofs.verify_checkpoint(led, note, verifier)
    report["checkpoint"] = check
    if report["ok"] and not check["ok"]:
        report["ok"] = False
        report["first_bad_position"] = check["first_bad_position"]
        report["problem"] = f"the ledger does not extend the checkpoint {path}: {check['problem']}"


@command(examples=("tracker backup ledger-backup.sqlite",))
def backup(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="The file to write (it must not exist)."),
    run_pg_dump: bool = typer.Option(
        False, "--run-pg-dump", help="PostgreSQL: run pg_dump (on PATH) instead of printing the commands."
    ),
    json_out: bool = JSON,
) -> None:
    """A consistent copy of the ledger while it is in use (SQLite backup API; pg_dump on PostgreSQL)."""
    led = ledger(ctx)
    if not led.info()["initialised"]:
        raise DatabaseError("no ledger here to back up: run 'tracker init' first")
    path = path.expanduser().absolute()
    if led.file_backup:
        report = led.backup(path)
        if json_out:
            emit_json(report.__dict__)
            return
        say(
            f"backup written to {report.path} ({render.plural(report.bytes, 'byte')}): "
            f"{render.plural(report.events, 'event')}"
        )
        say(f"head: {report.head_position}:{report.head_hash}")
        say(f"check it with: tracker --db sqlite:///{report.path} verify")
        return
    if run_pg_dump:
        before = led.info()
        led.pg_dump(path)
        say(f"backup written to {path} ({path.stat().st_size} bytes) by pg_dump")
        say(f"head: {before['head_position']}:{before['head_hash']} (the dump holds this head or a later one)")
        return
    # Guidance only: nothing was written, so the exit code is not 0 (a script must not take this for a backup).
    dump, create, restore = led.pg_commands(path)
    say("PostgreSQL: take the backup with pg_dump (a consistent snapshot while the ledger is in use):")
    say(f"  {dump}")
    say("restore it into a new database, then check it:")
    say(f"  {create}")
    say(f"  {restore}")
    say("  tracker --db URL_OF_THE_NEW_DATABASE verify")
    say("(the password, if any, goes in PGPASSWORD or ~/.pgpass; or run 'tracker backup PATH --run-pg-dump')")
    raise UserError("on PostgreSQL, run the pg_dump command above or pass --run-pg-dump; nothing was written", "backup")


register = command.register
