"""Scoring commands: score, scores, calibration, runs, due, hindsight, and `schedule run`.

pandas, numpy and APScheduler are imported inside the commands, so that `tracker --help` stays fast.
"""

from __future__ import annotations

import math
from typing import Any

import typer

from tracker.cli.common import emit_json, ledger, say, table, warn

JSON = typer.Option(False, "--json", help="Machine-readable output.")


def _num(value: Any, digits: int = 3, missing: str = "–") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    return f"{float(value):.{digits}f}"


def _forecaster_id(value: str | None) -> str | None:
    if value is None:
        return None
    from tracker.app.ledger import slugify

    return slugify(value, "forecaster")


def _scores_note(conn: Any) -> str | None:
    from tracker.scoring import read

    last = read.last_run(conn)
    if last is None:
        return None
    return f"run {last['run_id']}, through position {last['through_position']}"


def register(app: typer.Typer) -> None:
    @app.command()
    def score(
        ctx: typer.Context,
        full: bool = typer.Option(False, "--full", help="Rescore every question, not only what changed."),
        json_out: bool = JSON,
    ) -> None:
        """Run the scoring job once: rescore the questions that events since the last run touched."""
        from tracker.scoring import read
        from tracker.scoring.job import NOOP, OK, SKIPPED, run_scoring

        led = ledger(ctx)
        result = run_scoring(led, full=full)
        with led.view() as conn:
            n_due = len(read.due(conn))
        if json_out:
            emit_json(result.to_dict() | {"due": n_due})
            return
        if result.status == NOOP:
            say(f"nothing new since position {result.through_position}: the scores are current (no run recorded)")
        elif result.status == SKIPPED:
            say(f"run {result.run_id} skipped: {result.error}")
        elif result.status == OK:
            c = result.changed
            say(
                f"run {result.run_id}: rescored {result.questions_rescored} question(s) through position "
                f"{result.through_position} (from {result.previous_position}"
                + (", full" if result.full else "")
                + f"): {c['scores_added']} scores added, {c['scores_changed']} changed, {c['scores_removed']} removed"
            )
            if c.get("forecasters"):
                more = " …" if c.get("forecasters_changed", 0) > len(c["forecasters"]) else ""
                say(f"forecasters whose scores changed: {', '.join(c['forecasters'])}{more}")
            hindsight = c.get("forecasts", {}).get("hindsight", 0)
            if hindsight:
                say(f"{hindsight} forecast(s) here were made after the outcome was known: 'tracker hindsight'")
        if n_due:
            say(f"{n_due} question(s) are past their resolve-by date and unresolved: 'tracker due'")

    @app.command()
    def scores(
        ctx: typer.Context,
        by: str = typer.Option("forecaster", "--by", help="forecaster, source, outlet or tag."),
        tag: str = typer.Option(None, "--tag", help="Only questions with this tag."),
        source: str = typer.Option(None, "--source", help="Only forecasts from this source id."),
        outlet: str = typer.Option(None, "--outlet", help="Only forecasts from sources of this outlet."),
        question: str = typer.Option(None, "--question", help="Only this question."),
        metric: str = typer.Option(
            "brier",
            "--metric",
            help="Sort by: brier, brier2, time-avg, relative, log, baseline, skill, skill-base-rate, count.",
        ),
        as_of_: str = typer.Option(
            None, "--as-of", help="Scores as they stood after a past run: a run id, or a date (YYYY-MM-DD)."
        ),
        json_out: bool = JSON,
    ) -> None:
        """The leaderboard: scored count, mean Brier, time-averaged Brier, relative to the crowd, log score, skill."""
        from tracker.scoring import read

        with ledger(ctx).view() as conn:
            run_id = read.resolve_run(conn, as_of_) if as_of_ is not None else None
            board = read.leaderboard(
                conn,
                by,
                tag=tag,
                source=source,
                outlet=outlet,
                question=question,
                metric=metric,
                as_of_run=run_id,
            )
            note = f"run {run_id}" if run_id is not None else _scores_note(conn)
        if json_out:
            emit_json(read.records(board))
            return
        if note is None:
            say("no scores yet: run 'tracker score' (or 'tracker schedule run')")
            return
        m = read.metric_of(metric)
        rows = []
        for r in read.records(board):
            verbal = ""
            best, worst = r["mean_brier_best"], r["mean_brier_worst"]
            if best is not None and worst is not None and not math.isclose(best, worst):
                verbal = f"{_num(best)}–{_num(worst)}"
            rows.append(
                [
                    r["rank"],
                    r["name"] or r["key"],
                    r["n_scored"],
                    _num(r["mean_brier"]),
                    verbal,
                    _num(r["mean_time_avg_brier"]),
                    _num(r["mean_relative_brier"], missing="n/a"),
                    _num(r["mean_log_score"]),
                    _num(r["mean_baseline_score"], 1),
                    _num(r["bss_vs_half"]),
                ]
            )
        table(
            f"scores by {by}, best first by {m.label} (as of {note})",
            ["#", by, "scored", "Brier", "verbal range", "time-avg", "vs crowd", "log", "baseline", "skill"],
            rows,
        )

    @app.command()
    def calibration(
        ctx: typer.Context,
        forecaster: str = typer.Option(None, "--forecaster", help="One forecaster (name or id); default everyone."),
        bins: int = typer.Option(10, "--bins", min=1, max=100, help="Equal-width bins on [0, 1]."),
        json_out: bool = JSON,
    ) -> None:
        """Calibration of the scored binary forecasts: per bin, count, mean forecast, observed frequency, Wilson 95%."""
        from dataclasses import asdict

        from tracker.scoring import read

        fid = _forecaster_id(forecaster)
        with ledger(ctx).view() as conn:
            tab = read.calibration(conn, fid, bins)
            murphy = read.decomposition(conn, fid, bins)
            note = _scores_note(conn)
        if json_out:
            emit_json(
                {
                    "forecaster": fid,
                    "bins": read.records(tab),
                    "murphy": {
                        k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(murphy).items()
                    },
                }
            )
            return
        table(
            f"calibration of {fid or 'everyone'} ({murphy.n} scored binary forecasts; as of {note or 'no run yet'})",
            ["bin", "count", "mean forecast", "observed", "Wilson 95%"],
            [
                [
                    r["bin"],
                    r["count"],
                    _num(r["mean_forecast"]),
                    _num(r["observed_frequency"]),
                    "" if r["wilson_low"] is None else f"{_num(r['wilson_low'])}–{_num(r['wilson_high'])}",
                ]
                for r in read.records(tab)
            ],
        )
        if murphy.n:
            say(
                f"Brier {_num(murphy.brier, 4)} = reliability {_num(murphy.reliability, 4)} − resolution "
                f"{_num(murphy.resolution, 4)} + uncertainty {_num(murphy.uncertainty, 4)} + within-bin "
                f"{_num(murphy.within_bin_variance - murphy.within_bin_covariance, 4)}"
            )

    @app.command()
    def runs(
        ctx: typer.Context,
        limit: int = typer.Option(20, "--limit", min=1, help="How many runs, newest first."),
        json_out: bool = JSON,
    ) -> None:
        """The scoring-run history: start, duration, status, position scored through, what changed, errors."""
        from tracker.scoring import read

        with ledger(ctx).view() as conn:
            frame = read.runs(conn, limit)
        rows = read.records(frame)
        if json_out:
            emit_json(rows)
            return
        out = []
        for r in rows:
            c = r["changed"] or {}
            what = ""
            if r["status"] == "ok":
                what = (
                    f"{r['questions_rescored']} q: +{c.get('scores_added', 0)} ~{c.get('scores_changed', 0)} "
                    f"-{c.get('scores_removed', 0)}"
                )
            out.append(
                [
                    r["run_id"],
                    r["status"] + (" (full)" if r["full"] and r["status"] == "ok" else ""),
                    r["started_at"],
                    _num(r["seconds"]),
                    r["through_position"],
                    what,
                    r["error"] or "",
                ]
            )
        table(
            f"{len(out)} scoring runs",
            ["run", "status", "started (UTC)", "seconds", "through", "changed", "error"],
            out,
        )

    @app.command()
    def due(ctx: typer.Context, json_out: bool = JSON) -> None:
        """Open questions past their resolve-by date: resolve them (or clarify the date)."""
        from tracker.scoring import read

        with ledger(ctx).view() as conn:
            frame = read.due(conn)
        rows = read.records(frame)
        if json_out:
            emit_json(rows)
            return
        table(
            f"{len(rows)} questions past their resolve-by date",
            ["id", "resolve by", "days over", "forecasts", "title"],
            [[r["question_id"], r["resolve_by"], r["days_overdue"], r["n_forecasts"], r["title"]] for r in rows],
        )

    @app.command()
    def hindsight(ctx: typer.Context, json_out: bool = JSON) -> None:
        """Forecasts made on or after the day the outcome became known: flagged, never scored."""
        from tracker.scoring import read

        with ledger(ctx).view() as conn:
            frame = read.hindsight(conn)
            note = _scores_note(conn)
        rows = read.records(frame)
        if json_out:
            emit_json(rows)
            return
        table(
            f"{len(rows)} forecasts flagged by the hindsight guard (as of {note or 'no run yet'})",
            ["forecast", "question", "forecaster", "made", "known", "p", "source", "quote"],
            [
                [
                    r["forecast_id"],
                    r["question_id"],
                    r["forecaster"] or r["forecaster_id"],
                    r["made_at"],
                    r["known_on"],
                    _num(r["p_yes"]) if r["p_yes"] is not None else _dist(r["probabilities"]),
                    r["source_id"] or "",
                    r["quote"] or "",
                ]
                for r in rows
            ],
        )

    schedule = typer.Typer(help="Run the scoring job on a schedule (APScheduler).", no_args_is_help=True)
    app.add_typer(schedule, name="schedule")

    @schedule.command("run")
    def schedule_run(
        ctx: typer.Context,
        every: str = typer.Option(None, "--every", help="Interval: 90s, 30m, 1h, 1d, 1h30m."),
        cron: str = typer.Option(None, "--cron", help="A crontab line, e.g. '*/15 * * * *'."),
        tz: str = typer.Option("UTC", "--tz", help="Time zone of --cron."),
    ) -> None:
        """Score periodically in the foreground (once at start, then on the schedule) until SIGINT/SIGTERM.

        Run one scheduler per database: a second one, or a 'tracker score' run, is kept from overlapping by the
        database lock, and its runs are recorded as skipped.
        """
        import logging

        from tracker.scoring import scheduler
        from tracker.store.db import describe_url

        trigger = scheduler.build_trigger(every, cron, tz)
        led = ledger(ctx)
        with led.view():
            pass  # the ledger exists and its schema is current
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        what = f"every {every}" if every else f"on '{cron}' ({tz})"

        def announce() -> None:
            warn(f"scoring {what} on {describe_url(led.url)}; stop with Ctrl-C or SIGTERM")

        scheduler.run_forever(led.url, trigger, announce)


def _nan_none(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def _dist(probabilities: dict[str, float] | None) -> str:
    if not probabilities:
        return ""
    return ", ".join(f"{k}={_num(v)}" for k, v in probabilities.items())
