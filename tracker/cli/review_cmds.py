"""Review commands: export (a table or a bundle), plot (calibration, history), report (one HTML page).

pandas, pyarrow, openpyxl and matplotlib are imported inside the commands, so `tracker --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from tracker.cli import reading as rd
from tracker.cli.common import FORCE, emit_json, ledger, say
from tracker.words import plural

JSON = typer.Option(False, "--json", help="Print the export's metadata as JSON.")
AS_OF = rd.AS_OF
RUN = rd.RUN
PROGRESS_MIN_ROWS = 20_000  # smaller exports finish before a bar would be worth drawing


class _ProgressBar:
    """A rich progress bar on stderr, for long exports on a terminal only."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}

    def __call__(self, table: str, done: int, total: int | None) -> None:
        if not self.enabled or (total is not None and total < PROGRESS_MIN_ROWS):
            return
        if self.progress is None:
            from rich.console import Console
            from rich.progress import Progress

            self.progress = Progress(console=Console(stderr=True), transient=True)
            self.progress.start()
        if table not in self.tasks:
            self.tasks[table] = self.progress.add_task(f"exporting {table}", total=total)
        self.progress.update(self.tasks[table], completed=done)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _short(h: str) -> str:
    return h[:16] + "…"


def export_(
    ctx: typer.Context,
    table: str = typer.Argument(..., help="A table (events, questions, forecasts, scores, ...) or 'all'."),
    out: Path = typer.Option(..., "--out", help="Output file; for 'all' a directory or a .zip."),
    fmt: str = typer.Option(
        None, "--format", help="csv, parquet, xlsx or jsonl (default: from --out's extension; 'all': parquet)."
    ),
    as_of_: str = AS_OF,
    status: str = typer.Option(None, "--status", help="questions/forecasts: question status; scores; runs."),
    tag: str = typer.Option(None, "--tag", help="Only questions with this tag."),
    forecaster: list[str] = typer.Option([], "--forecaster", help="Forecaster name or id (repeat)."),
    question: list[str] = typer.Option([], "--question", help="Question id (repeat)."),
    source: list[str] = typer.Option([], "--source", help="Source id (repeat)."),
    outlet: str = typer.Option(None, "--outlet", help="Only sources of this outlet."),
    type_: list[str] = typer.Option([], "--type", help="events: event type (repeat)."),
    by: str = typer.Option(None, "--by", help="leaderboard: forecaster, source, outlet or tag."),
    sort: str = typer.Option(None, "--sort", help="leaderboard: the aggregate column to rank by."),
    run: int = RUN,
    bins: int = typer.Option(None, "--bins", help="calibration: number of equal bins (default 10)."),
    csv_raw: bool = typer.Option(
        False,
        "--csv-raw",
        help="csv: write text exactly as stored, without the apostrophe that keeps a spreadsheet from running "
        "a cell starting with = + - @ as a formula (read_csv undoes it either way).",
    ),
    key: str = typer.Option(
        None,
        "--key",
        help="all: the log's public key (NAME+KEYID+KEY or a file), published in the bundle beside the newest "
        "kept checkpoint, which it must have signed ('tracker verify-proof BUNDLE --key' checks the bundle).",
    ),
    force: bool = FORCE,
    json_out: bool = JSON,
) -> None:
    """Export a table (CSV, Parquet, Excel or JSON lines) with the ledger's head in PATH.meta.json, or
    'all' tables with a data dictionary into a directory or a .zip. A bundle carries the newest checkpoint
    kept ('tracker checkpoint') that its events cover, so a reader can check every row against it."""
    from tracker.app import export as ex
    from tracker.errors import UserError

    led = ledger(ctx)
    options: dict[str, Any] = {
        "status": status,
        "tag": tag,
        "forecaster": forecaster or None,
        "question": question or None,
        "source": source or None,
        "outlet": outlet,
        "type": type_ or None,
        "by": by,
        "sort": sort,
        "bins": bins,
    }
    bar = _ProgressBar(not json_out)
    try:
        if table == ex.BUNDLE:
            given = [f"--{k}" for k, v in options.items() if v is not None]
            if given:
                raise UserError(f"{', '.join(given)} apply to single tables, not to 'all'", "table")
            verifier = None
            if key is not None:
                from tracker.app.proofs import load_verifier

                verifier = load_verifier(key)
            meta = ex.export_bundle(
                led,
                out,
                fmt or "parquet",
                as_of=as_of_,
                run=run,
                progress=bar,
                spreadsheet_safe=not csv_raw,
                key=verifier,
                force=force,
            )
        else:
            if key is not None:
                raise UserError("--key applies to 'all' (a bundle), not to a single table", "key")
            meta = ex.export_table(
                led,
                table,
                out,
                fmt,
                as_of=as_of_,
                run=run,
                progress=bar,
                spreadsheet_safe=not csv_raw,
                force=force,
                **options,
            )
    finally:
        bar.close()
    if json_out:
        emit_json(meta)
        return
    head = meta["ledger"]
    if table == ex.BUNDLE:
        rows = sum(t["rows"] for t in meta["tables"].values())
        say(
            f"wrote {plural(len(meta['tables']), 'table')} ({plural(rows, 'row')}, {meta['format']}) and the "
            f"data dictionary to {out}"
        )
        earlier = meta.get(ex.EARLIER_FILES)
        if earlier:
            say(
                f"left {plural(len(earlier), 'file')} of an earlier bundle in place (another format's, such as "
                f"{earlier[0]}): _meta.json lists them as {ex.EARLIER_FILES}"
            )
        signed = meta.get("checkpoint")
        if signed:
            say(
                f"checkpoint {signed['number']} (the first {plural(signed['tree_size'], 'event')}) is in the "
                f"bundle{'' if signed['key_file'] else ' (its key: add --key)'}"
            )
    else:
        say(
            f"wrote {plural(meta['rows'], 'row')} of {table} ({meta['format']}) to {out}; "
            f"metadata in {out}{ex.META_SUFFIX}"
        )
    say(f"head: {head['head_position']}:{head['head_hash']}")


plot = typer.Typer(help="Pictures: calibration (reliability diagrams) and score history.", no_args_is_help=True)


@plot.command("calibration")
def plot_calibration(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Image file: .png, .svg or .pdf."),
    forecaster: list[str] = typer.Option(
        [], "--forecaster", help="Forecaster name or id; repeat for several side by side. Default: everyone."
    ),
    bins: int = typer.Option(10, "--bins", help="Equal-width bins on [0, 1]."),
    tag: str = typer.Option(None, "--tag", help="Only questions with this tag."),
    source: list[str] = typer.Option([], "--source", help="Only forecasts from this source id (repeat)."),
    outlet: str = typer.Option(None, "--outlet", help="Only forecasts from sources of this outlet."),
    as_of_: str = AS_OF,
    run: int = RUN,
    force: bool = FORCE,
) -> None:
    """A reliability diagram: the diagonal, per-bin counts, 95% intervals (Clopper-Pearson), and the forecasts'
    histogram."""
    from tracker.app import plots

    led = ledger(ctx)
    fig = plots.calibration_for(
        led, forecaster or None, bins, tag=tag, source=source or None, outlet=outlet, as_of=as_of_, run=run
    )
    path = plots.save_figure(fig, out, force=force)
    say(f"wrote {path}")


@plot.command("discrimination")
def plot_discrimination(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Image file: .png, .svg or .pdf."),
    forecaster: str = typer.Option(None, "--forecaster", help="Forecaster name or id. Default: everyone."),
    bins: int = typer.Option(10, "--bins", help="Equal-width bins on [0, 1]."),
    tag: str = typer.Option(None, "--tag", help="Only questions with this tag."),
    as_of_: str = AS_OF,
    run: int = RUN,
    force: bool = FORCE,
) -> None:
    """The discrimination view beside calibration: the forecasts' spread, split by what happened."""
    from tracker.app import plots

    fig = plots.discrimination_for(ledger(ctx), forecaster, bins, tag=tag, as_of=as_of_, run=run)
    path = plots.save_figure(fig, out, force=force)
    say(f"wrote {path}")


@plot.command("history")
def plot_history(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Image file: .png, .svg or .pdf."),
    forecaster: str = typer.Option(..., "--forecaster", help="Forecaster name or id."),
    over: str = typer.Option(
        "auto",
        "--over",
        help="runs (the scoring runs), resolutions (resolution dates), or auto: runs when two or more runs "
        "changed the forecaster's scores, else resolutions.",
    ),
    as_of_: str = AS_OF,
    run: int = RUN,
    force: bool = FORCE,
) -> None:
    """A forecaster's score over the scoring runs (or resolution dates), with the crowd for reference."""
    from tracker.app import plots

    fig = plots.history_for(ledger(ctx), forecaster, over, as_of_, run)
    path = plots.save_figure(fig, out, force=force)
    say(f"wrote {path}")


def report(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="The HTML file to write."),
    as_of_: str = AS_OF,
    run: int = RUN,
    force: bool = FORCE,
    json_out: bool = typer.Option(False, "--json", help="Print a summary as JSON."),
) -> None:
    """One self-contained HTML review page: leaderboard, calibration, track records, due questions,
    hindsight-flagged forecasts, and the head hash with the time it was verified. Exits non-zero (after
    writing the page, which says so) if verification fails."""
    from tracker.app.report import write_report
    from tracker.errors import IntegrityError

    summary = write_report(ledger(ctx), out, as_of_, run, force=force)
    if json_out:
        emit_json(
            {
                "out": str(out),
                "head_position": summary.head_position,
                "head_hash": summary.head_hash,
                "verified_ok": summary.verified_ok,
                "verified_at": summary.verified_at,
                "forecasters": summary.forecasters,
                "scored": summary.scored,
                "due": summary.due,
                "hindsight": summary.hindsight,
                "as_of": summary.as_of,
            }
        )
    else:
        say(
            f"wrote {out}: {plural(len(summary.forecasters), 'forecaster')}, "
            f"{plural(summary.scored, 'scored forecast')}, "
            f"{summary.due} due, {summary.hindsight} hindsight-flagged"
        )
        say(f"head: {summary.head_position}:{summary.head_hash} (verified {summary.verified_at})")
    if not summary.verified_ok:
        problem = summary.verification.get("problem")
        raise IntegrityError(f"verification failed: {problem} (the report at {out} says so)")


def register(app: typer.Typer) -> None:
    app.command("export")(export_)
    app.add_typer(plot, name="plot")
    app.command()(report)
