"""Commands that read: info, list, show, log, sources; and maintenance: rebuild, verify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from tracker.cli.common import as_of, emit_json, fmt_p, ledger, say, table, warn
from tracker.errors import DatabaseError, IntegrityError, UserError

JSON = typer.Option(False, "--json", help="Machine-readable output.")
AS_OF = typer.Option(None, "--as-of", help="Time travel: a position, or a date (YYYY-MM-DD) of recording.")


def _prob_text(f: dict[str, Any]) -> str:
    probs = f["probabilities"]
    if set(probs) == {"yes", "no"}:
        return fmt_p(probs["yes"])
    return ", ".join(f"{k}={fmt_p(v)}" for k, v in probs.items())


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def register(app: typer.Typer) -> None:
    @app.command()
    def info(ctx: typer.Context, json_out: bool = JSON) -> None:
        """Which database, its schema revision, the event count and the head hash."""
        data = ledger(ctx).info()
        if json_out:
            emit_json(data)
            return
        say(f"database:  {data['database']}")
        if not data["initialised"]:
            say("schema:    none (run 'tracker init')")
            return
        say(f"schema:    {data['revision']}" + ("" if data["schema_current"] else " (older: run 'tracker init')"))
        say(f"events:    {data['events']}")
        say(f"head:      {data['head_position']}:{data['head_hash']}")

    @app.command("list")
    def list_(
        ctx: typer.Context,
        status: str = typer.Option(None, "--status", help="open, resolved, annulled or due."),
        tag: str = typer.Option(None, "--tag"),
        forecaster: str = typer.Option(None, "--forecaster", help="Forecaster id (slug of the name)."),
        json_out: bool = JSON,
        as_of_: str = AS_OF,
    ) -> None:
        """List questions."""
        led = ledger(ctx)
        fid = None
        if forecaster is not None:
            from tracker.app.ledger import slugify

            fid = slugify(forecaster, "forecaster")
        rows = led.list_questions(status, tag, fid, as_of(as_of_))
        if json_out:
            emit_json(rows)
            return
        table(
            f"{len(rows)} questions",
            ["id", "status", "resolve by", "outcome", "forecasts", "tags", "title"],
            [
                [
                    r["question_id"],
                    r["status"] + (" (due)" if r["due"] else ""),
                    r["resolve_by"],
                    r["outcome"],
                    r["n_forecasts"],
                    ",".join(r["tags"]),
                    _short(r["title"]),
                ]
                for r in rows
            ],
        )

    @app.command()
    def show(
        ctx: typer.Context, question_id: str = typer.Argument(...), json_out: bool = JSON, as_of_: str = AS_OF
    ) -> None:
        """A question's state, its forecasts and its full event history."""
        q = ledger(ctx).show_question(question_id, as_of(as_of_))
        if json_out:
            emit_json(q)
            return
        say(f"{q['question_id']}: {q['title']}")
        say(f"  status:     {q['status']}" + (" (due)" if q["due"] else ""))
        if q["outcome"]:
            say(f"  outcome:    {q['outcome']} (known {q['known_on']})")
        if q["status_reason"]:
            say(f"  reason:     {q['status_reason']}")
        say(f"  criteria:   {q['criteria']}")
        if q["condition"]:
            say(f"  condition:  {q['condition']}")
        say(f"  options:    {', '.join(q['options'])}")
        say(f"  resolve by: {q['resolve_by']}    tags: {', '.join(q['tags']) or '-'}")
        table(
            "forecasts",
            ["id", "forecaster", "made", "p", "how", "source", "quote", "state"],
            [
                [
                    f["forecast_id"],
                    f["forecaster"],
                    f["made_at"],
                    _prob_text(f),
                    f["method"] + (f" '{f['phrase']}' v{f['scale_version']}" if f["phrase"] else ""),
                    f["source_id"],
                    f["quote"],
                    "withdrawn" if f["withdrawn"] else ("quote unverified" if f["quote_verified"] is False else ""),
                ]
                for f in q["forecasts"]
            ],
        )
        table(
            "history",
            ["pos", "event", "recorded", "actor"],
            [[h["position"], h["type"], h["recorded_at"], h["actor"]] for h in q["history"]],
        )

    @app.command()
    def log(
        ctx: typer.Context,
        stream: str = typer.Option(None, "--stream", help="A question id, or a stream id (source-…)."),
        type_: list[str] = typer.Option([], "--type", help="Event type (repeat)."),
        after: int = typer.Option(0, "--after", help="Only events after this position."),
        limit: int = typer.Option(None, "--limit", min=0),  # a negative LIMIT meant "all" on SQLite
        json_out: bool = JSON,
        as_of_: str = AS_OF,
    ) -> None:
        """The event log."""
        from tracker.app.ledger import event_dict

        rows = [event_dict(e) for e in ledger(ctx).log(stream, type_ or None, after, limit, as_of(as_of_))]
        if json_out:
            emit_json(rows)
            return
        table(
            f"{len(rows)} events",
            ["pos", "stream", "v", "type", "recorded", "actor", "hash"],
            [
                [
                    r["position"],
                    r["stream_id"],
                    r["stream_version"],
                    r["type"],
                    r["recorded_at"],
                    r["actor"],
                    r["hash"][:12],
                ]
                for r in rows
            ],
        )

    @app.command()
    def sources(ctx: typer.Context, json_out: bool = JSON) -> None:
        """List the registered sources."""
        rows = ledger(ctx).sources()
        if json_out:
            emit_json(rows)
            return
        table(
            f"{len(rows)} sources",
            ["id", "published", "outlet", "title", "sha256"],
            [[r["source_id"], r["published"], r["outlet"], r["title"], (r["sha256"] or "")[:12]] for r in rows],
        )

    @app.command()
    def rebuild(ctx: typer.Context) -> None:
        """Drop and replay every projection from the event log."""
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task("replaying", total=None)

            def tick(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            n = ledger(ctx).rebuild(tick)
        say(f"rebuilt projections from {n} events")

    @app.command()
    def verify(
        ctx: typer.Context,
        json_out: bool = JSON,
        anchor: bool = typer.Option(
            False, "--anchor", help="Print the head as POSITION:HASH (alone on stdout), to keep somewhere else."
        ),
        against: str = typer.Option(
            None, "--against", metavar="POSITION:HASH", help="Also prove the ledger still extends this anchor."
        ),
    ) -> None:
        """Check the hash chain, that projections equal a fresh replay, and that the last scoring run's scores equal
        a recomputation from the events; non-zero exit (7) naming the first difference if not."""
        led = ledger(ctx)
        report = led.verify() if against is None else led.verify_against(against)
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
            say(f"ok: {report['events_checked']} events, chain intact, projections match a replay")
            if report.get("scores_run") is not None:
                say(
                    f"scores of run {report['scores_run']} (through position {report['scores_through_position']}) "
                    f"equal a recomputation from the events ({report['scores_checked']} rows)"
                )
            if against is not None:
                say(f"extends the anchor {report['anchor']}")
            say(f"head: {report['head_position']}:{report['head_hash']}")
        if not report["ok"]:
            where = f" at position {report['first_bad_position']}" if report["first_bad_position"] else ""
            raise IntegrityError(f"verification failed{where}: {report['problem']}")

    @app.command()
    def backup(
        ctx: typer.Context,
        path: Path = typer.Argument(..., help="The file to write (it must not exist)."),
        run_pg_dump: bool = typer.Option(
            False, "--run-pg-dump", help="PostgreSQL: run pg_dump (on PATH) instead of printing the commands."
        ),
        json_out: bool = JSON,
    ) -> None:
        """A consistent copy of the ledger while it is in use (SQLite backup API; pg_dump on PostgreSQL)."""
        from tracker.store import backup as bk
        from tracker.store.db import is_postgres

        led = ledger(ctx)
        if not led.info()["initialised"]:
            raise DatabaseError("no ledger here to back up: run 'tracker init' first")
        path = path.expanduser().absolute()
        if not is_postgres(led.engine):
            report = bk.backup_sqlite(led.engine, path)
            if json_out:
                emit_json(report.__dict__)
                return
            say(f"backup written to {report.path} ({report.bytes} bytes): {report.events} events")
            say(f"head: {report.head_position}:{report.head_hash}")
            say(f"check it with: tracker --db sqlite:///{report.path} verify")
            return
        if run_pg_dump:
            before = led.info()
            bk.run_pg_dump(led.url, path)
            say(f"backup written to {path} ({path.stat().st_size} bytes) by pg_dump")
            say(f"head: {before['head_position']}:{before['head_hash']} (the dump holds this head or a later one)")
            return
        # Guidance only: nothing was written, so the exit code is not 0 (a script must not take this for a backup).
        dump, create, restore = bk.pg_commands(led.url, path)
        say("PostgreSQL: take the backup with pg_dump (a consistent snapshot while the ledger is in use):")
        say(f"  {dump}")
        say("restore it into a new database, then check it:")
        say(f"  {create}")
        say(f"  {restore}")
        say("  tracker --db URL_OF_THE_NEW_DATABASE verify")
        say("(the password, if any, goes in PGPASSWORD or ~/.pgpass; or run 'tracker backup PATH --run-pg-dump')")
        raise UserError(
            "on PostgreSQL, run the pg_dump command above or pass --run-pg-dump; nothing was written", "backup"
        )
