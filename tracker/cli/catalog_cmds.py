"""Commands for the curated catalog and the verbal scale: import, phrases, rescale."""

from __future__ import annotations

from pathlib import Path

import typer

from tracker.cli import reading as rd
from tracker.cli import render
from tracker.cli.common import emit_json, fmt_p, ledger, one_line, say, warn
from tracker.cli.render import Column
from tracker.errors import UserError

JSON = typer.Option(False, "--json", help="Machine-readable output.")


def import_(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="predictions/ (with seeds/ beside it), or single YAML files."),
    record_as: str = typer.Option(
        None, "--record-as", help="Record changed entries as a clarification, correction or withdrawal."
    ),
    reason: str = typer.Option(None, "--reason", help="Why the changed entries changed (with --record-as)."),
    json_out: bool = JSON,
) -> None:
    """Validate a catalog, then append it in one transaction (idempotent: a re-import adds nothing)."""
    import sys

    from rich.console import Console
    from rich.progress import Progress

    from tracker.app.importer import CatalogInvalid, import_catalog

    led = ledger(ctx)
    # A bar over the events written, on stderr and only at a terminal: stdout stays the report alone.
    console = Console(stderr=True)
    try:
        with Progress(console=console, transient=True, disable=json_out or not sys.stderr.isatty()) as progress:
            task = progress.add_task("importing events", total=None)
            report = import_catalog(
                led,
                paths,
                record_as,
                reason,
                lambda done, total: progress.update(task, completed=done, total=total),
            )
    except CatalogInvalid as e:
        # Every problem on its own line (file: entry: field: message); the last line sums up.
        for line in e.errors[1:]:
            warn(f"error: {one_line(line)}")  # a key or value quoted in the message may hold a line break
        raise
    if json_out:
        emit_json(report.__dict__)
        return
    say(
        f"imported {render.plural(report.files, 'file')}: {render.plural(report.sources, 'source')}, "
        f"{render.plural(report.questions, 'question')}, {render.plural(report.forecasts, 'forecast')}; "
        f"{render.plural(report.appended, 'event')} appended, "
        f"{render.plural(report.unchanged, 'entry', 'entries')} unchanged"
    )
    for line in report.recorded_changes:
        say(f"recorded: {line}")
    say(f"head: {report.head_position}:{report.head_hash}")


@rd.read_options("forecaster", limit=False)
def phrases(
    ctx: typer.Context,
    scale: int = typer.Option(None, "--scale", help="Scale version (default: the latest)."),
    observed: bool = typer.Option(
        False, "--observed", help="What each phrase turned out to mean: how often it happened when said."
    ),
    *,
    opts: rd.ReadOptions,
) -> None:
    """The verbal scale: each phrase, its probability, interval and published basis, and beside it how
    5,174 readers read the phrase (the CAPphrase survey's median and interquartile range; blank where the
    survey did not ask about the phrase). With --observed, what the phrases turned out to mean in the
    ledger's scored forecasts (with --forecaster, their lexicon)."""
    from tracker.app.verbal import load, readers

    if observed:
        _observed(ctx, opts)
        return
    # The scale alone is the same at every point of the ledger and for every forecaster: an option that would
    # narrow it is a mistake to say, not to ignore.
    for name, given in (("forecaster", opts.filters.get("forecaster")), ("as_of", opts.as_of), ("run", opts.run)):
        if given:
            raise UserError("applies to what phrases turned out to mean: add --observed", name)

    s = load(scale)
    survey = readers("capphrase", s)
    rows = [
        {
            "phrase": p.phrase,
            "p": p.p,
            "low": p.interval[0],
            "high": p.interval[1],
            "readers_median": survey.numbers.get(p.phrase),
            "readers_q1": survey.spread.get(p.phrase, (None, None))[0],
            "readers_q3": survey.spread.get(p.phrase, (None, None))[1],
            "aliases": list(p.aliases),
            "basis": p.basis,
        }
        for p in s.phrases
    ]
    out = opts.out
    if out.fmt == "json":
        readers_source = {"source": survey.source, "licence": survey.licence, "address": survey.address}
        emit_json({"version": s.version, "phrases": rows, "readers": readers_source})
        return
    columns = [
        Column("phrase", "phrase", "id"),
        Column("p", "p", "number", 3),
        Column("interval", "interval", "id"),
        Column("readers", "readers (IQR)", "id"),
        Column("aliases", "aliases"),
        Column("basis", "basis"),
    ]
    flat = ("phrase", "p", "low", "high", "readers_median", "readers_q1", "readers_q3", "aliases", "basis")
    render.render_rows(
        [
            r
            | {
                "interval": f"{fmt_p(r['low'])}–{fmt_p(r['high'])}",
                "readers": ""
                if r["readers_median"] is None
                else f"{fmt_p(r['readers_median'])} ({fmt_p(r['readers_q1'])}–{fmt_p(r['readers_q3'])})",
                "aliases": ", ".join(r["aliases"]),
            }
            for r in rows
        ]
        if out.table
        else rows,
        columns if out.table else [Column(k) for k in flat],
        out.fmt,
        title=f"verbal scale v{s.version}: {render.plural(len(rows), 'phrase')} (p is P(the hedged statement))",
        noun=("phrase", "phrases"),
    )
    if out.table:
        licence = survey.licence.split(" (")[0]  # the licence's name; its address is in --json
        say(f"readers: median (IQR) in the {survey.title.split(',')[0]} ({licence})")


def rescale(
    ctx: typer.Context,
    scale: int = typer.Option(..., "--scale", help="The scale version to re-derive verbal forecasts with."),
    reason: str = typer.Option(..., "--reason"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; write nothing."),
    json_out: bool = JSON,
) -> None:
    """Re-derive every verbal forecast from another scale version (new events; what was said is kept)."""
    from tracker.app.rescale import rescale as run

    plan = run(ledger(ctx), scale, reason, dry_run)
    if json_out:
        emit_json(plan)
        return
    render.render_rows(
        [
            r
            | {
                "from": f"v{r['from_version']}",
                "interval": f"{fmt_p(r['p_low'])}–{fmt_p(r['p_high'])}",
            }
            for r in plan
        ],
        [
            Column("forecast_id", "forecast", "id"),
            Column("phrase", "phrase"),
            Column("from", "from", "id"),
            Column("p_before", "p before", "number", 3),
            Column("p_after", "p after", "number", 3),
            Column("interval", "interval", "id"),
        ],
        "table",
        title=f"{render.plural(len(plan), 'verbal forecast')} {'would be ' if dry_run else ''}rescaled to v{scale}",
        noun=("verbal forecast", "verbal forecasts"),
    )
    if not dry_run and plan:
        say("run 'tracker score' to rescore them")


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command()(phrases)
    app.command()(rescale)


OBSERVED_COLUMNS = [
    Column("phrase", "phrase"),
    Column("reading", "reading", "id"),
    Column("scale_p", "scale", "number", 2),
    Column("told", "happened", "id"),
    Column("observed_frequency", "share", "number", 2),
    Column("interval", "95% interval", "id"),
]


def _observed(ctx: typer.Context, opts: rd.ReadOptions) -> None:
    out = opts.out
    forecaster = opts.filters.get("forecaster", [])
    frame = ledger(ctx).phrases_observed(forecaster or None, **opts.time())
    rows = frame.to_dict("records")
    if not out.table:
        render.render_rows(
            rows, [Column(c) for c in frame.columns] or [Column("phrase")], out.fmt, noun=("row", "rows")
        )
        return
    who = ", ".join(forecaster) if forecaster else "everyone"
    columns = ([Column("forecaster", "forecaster")] if forecaster else []) + OBSERVED_COLUMNS
    render.render_rows(
        [
            r
            | {
                "told": f"{r['happened']} of {r['count']}",
                "interval": f"{r['ci_low']:.0%}–{r['ci_high']:.0%}",
            }
            for r in rows
        ],
        columns,
        "table",
        title=f"what the verbal phrases turned out to mean ({who}; reading 'all' pools both readings)",
        noun=("phrase", "phrases"),
        empty_message="no scored verbal forecast yet",
    )
    for r in rows:
        if r["reading"] == "all" and r["count"] >= 2:
            say(render.safe_text(("" if not forecaster else f"{r.get('forecaster')}: ") + r["summary"]))
