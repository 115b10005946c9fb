"""Scoring commands: score, scores, calibration, runs, due, hindsight, and `schedule run`.

pandas, numpy and APScheduler are imported inside the commands that need them, so `tracker --help` stays fast.
"""

from __future__ import annotations

import math
from typing import Any

import typer

from tracker.cli import reading as rd
from tracker.cli import render
from tracker.cli.common import Commands, emit_json, ledger, say, warn
from tracker.cli.render import Column
from tracker.domain.fields import grouping
from tracker.labels import label, short_verdict

JSON = rd.JSON
command = Commands()


def _num(value: Any, digits: int = 3, missing: str = "–") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    return f"{float(value):.{digits}f}"


def _nan_none(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def _dist(probabilities: Any) -> str:
    if isinstance(probabilities, str):
        import json

        probabilities = json.loads(probabilities)
    if not probabilities:
        return ""
    return ", ".join(f"{k}={_num(v)}" for k, v in probabilities.items())


# The headline: the mean Brier with its 90% interval, and whether it beats a coin flip, in words.
SCORE_COLUMNS = [
    Column("rank", label("rank"), "int"),
    Column("who", "who"),
    Column("n_questions", label("n_questions"), "int"),
    Column("mean_brier", label("mean_brier"), "number", 3),
    Column("interval", label("interval_90"), "id"),
    Column("coin", label("vs_coin")),
]
# Shown too when the terminal is wide enough for them beside the others.
WIDE_SCORE_COLUMNS = [
    *SCORE_COLUMNS,
    Column("crowd", label("vs_crowd")),
    Column("mean_time_avg_brier", label("mean_time_avg_brier"), "number", 3),
    Column("mean_relative_brier", label("mean_relative_brier"), "number", 3),
    Column("verbal", label("verbal_range"), "id"),
    Column("bss_vs_half", label("bss_vs_half"), "number", 3),
    Column("mean_baseline_time_avg", label("mean_baseline_time_avg"), "number", 1),
]
WIDE = 150
HONEST_NOTE = (
    "90% intervals and tests (one-sided, 5%): betting bounds over questions, valid whatever the distribution of "
    "scores; fewer than 5 questions: too few to say, listed unranked after the ranked rows. Even a perfect binary "
    "record beats a coin flip only from 12 questions on. Each row is tested on its own, not corrected for the "
    "number of rows: among many forecasters no better than a coin, up to 1 in 20 can still read 'beats a coin "
    "flip', and up to 1 in 10 intervals can miss. 'tracker compare A B' tests two forecasters against each other "
    "(from 6 shared questions on at the earliest; '--all' corrects for the number of pairs)."
)
# the counts are tracker.scoring.verdicts' MIN_QUESTIONS and FEWEST, which the CLI may not import (a test checks)
CALIBRATION_COLUMNS = [
    Column("forecaster_id", "forecaster", "id"),
    Column("bin", "bin", "id"),
    Column("count", "count", "int"),
    Column("mean_forecast", "mean forecast", "number", 3),
    Column("observed_frequency", "observed", "number", 3),
    Column("interval", "95% interval", "id"),
]
PAIR_COLUMNS = [
    Column("pair", "pair"),
    Column("n_shared", "shared", "int"),
    Column("mean_difference", "A − B", "number", 3),
    Column("p_adjusted", "p (adjusted)", "number", 3),
    Column("verdict", "verdict"),
]
RUN_COLUMNS = [
    Column("run_id", "run", "int"),
    Column("status", "status", "id"),
    Column("started_at", "started (UTC)", "time"),
    Column("seconds", "seconds", "number", 2),
    Column("through_position", "through", "int"),
    Column("what", "changed"),
    Column("error", "error"),
]
DUE_COLUMNS = [
    Column("question_id", "id", "id"),
    Column("resolve_by", "resolve by", "date"),
    Column("days_overdue", "days over", "int"),
    Column("n_forecasts", "forecasts", "int"),
    Column("title", "title"),
]
HINDSIGHT_COLUMNS = [
    Column("forecast_id", "forecast", "id"),
    Column("question_id", "question", "id"),
    Column("forecaster", "forecaster"),
    Column("made_at", "made", "date"),
    Column("known_on", "known", "date"),
    Column("p", "p", "id"),
    Column("source_id", "source", "id"),
    Column("quote", "quote"),
]


def left_out_note(width: int) -> str | None:
    """What a leaderboard narrower than WIDE leaves out, and how to see it; None when nothing is left out."""
    shown = {c.key for c in SCORE_COLUMNS}
    left = [c.label for c in WIDE_SCORE_COLUMNS if c.key not in shown]
    if width >= WIDE or not left:
        return None
    return (
        f"{len(left)} columns left out at {width} characters wide: {', '.join(left)}. "
        f"A terminal {WIDE} wide shows them (or COLUMNS={WIDE}); --format csv or --json gives every column."
    )


def _score_row(r: dict[str, Any], key: str) -> dict[str, Any]:
    verbal = ""
    best, worst = r.get("mean_brier_best"), r.get("mean_brier_worst")
    if best is not None and worst is not None and not math.isclose(best, worst):
        verbal = f"{_num(best)}–{_num(worst)}"
    low, high = r.get("brier_ci_low"), r.get("brier_ci_high")
    interval = f"{_num(low)}–{_num(high)}" if low is not None and high is not None else "–"
    per_question, mean = r.get("mean_brier_questions"), r.get("mean_brier")
    if low is not None and per_question is not None and mean is not None and _num(per_question) != _num(mean):
        # a group pooling rows: the interval is about the mean over questions, which the row's mean is not
        interval += f" (of {_num(per_question)} per question)"
    return r | {
        "who": r.get("name") or r[key],
        "verbal": verbal,
        "interval": interval,
        "coin": short_verdict(r.get("vs_coin"), "vs_coin"),
        "crowd": short_verdict(r.get("vs_crowd"), "vs_crowd"),
    }


def _run_row(r: dict[str, Any]) -> dict[str, Any]:
    import json

    c = r["changed"] or {}
    if isinstance(c, str):
        c = json.loads(c)
    what = ""
    if r["status"] == "ok":
        what = (
            f"{render.plural(r['questions_rescored'] or 0, 'question')}: +{c.get('scores_added', 0)} "
            f"~{c.get('scores_changed', 0)} -{c.get('scores_removed', 0)}"
        )
    status = str(r["status"]) + (" (full)" if r["full"] and r["status"] == "ok" else "")
    return r | {"what": what, "status": status}


SCALE_COLUMNS = [
    Column("rank", "#", "int"),
    Column("who", "who"),
    Column("n_questions", "questions", "int"),
    Column("n_rescaled", "re-read", "int"),
    Column("mean_brier", "Brier", "number", 3),
    Column("mean_brier_scale", "Brier, other scale", "number", 3),
    Column("rank_scale", "# there", "int"),
]


def _print_scale_shift(shift: dict[str, Any], out: Any) -> None:
    rows = shift["rows"]
    if not out.table:
        if out.fmt in ("json", "jsonl"):
            render.render_record(shift, None, out.fmt)
        else:
            render.render_rows(rows, [Column(c) for c in (rows[0] if rows else {"forecaster_id": None})], out.fmt)
        return
    tau = shift["kendall_tau"]
    shown = rows if out.limit is None else rows[: out.limit]
    render.render_rows(
        [r | {"who": r.get("name") or r["forecaster_id"]} for r in shown],
        SCALE_COLUMNS,
        out.fmt,
        title=f"scores with verbal forecasts read on {shift['title']}",
        total=len(rows),
        noun=("forecaster", "forecasters"),
        empty_message="no scores yet: run 'tracker score' (or 'tracker schedule run')",
        missing="–",
    )
    moved = "n/a (fewer than two ranked forecasters)" if tau is None else f"{tau:.2f}"
    say(
        f"Kendall's tau between the two rankings: {moved} ({render.plural(shift['ranked'], 'ranked forecaster')}, "
        f"{render.plural(shift['forecasts_rescaled'], 'verbal forecast')} re-read; "
        f"{shift['phrases_matched']} of the scale's phrases are on ours). Source: {shift['source']}; "
        f"{shift['licence']}; {shift['address']}, retrieved {shift['retrieved']}."
    )


@command(examples=("tracker score", "tracker score --full --json"))
def score(
    ctx: typer.Context,
    full: bool = typer.Option(False, "--full", help="Rescore every question, not only what changed."),
    json_out: bool = JSON,
) -> None:
    """Run the scoring job once: rescore the questions that events since the last run touched."""
    led = ledger(ctx)
    result = led.score(full=full)
    n_due = led.rows("due", limit=0)[1]  # the count only: no row is read
    if json_out:
        emit_json(result.to_dict() | {"due": n_due})
        return
    if result.status == "noop":
        say(f"nothing new since position {result.through_position}: the scores are current (no run recorded)")
    elif result.status == "skipped":
        say(f"run {result.run_id} skipped: {result.error}")
    elif result.status == "ok":
        c = result.changed
        say(
            f"run {result.run_id}: rescored {render.plural(result.questions_rescored, 'question')} through "
            f"position {result.through_position} (from {result.previous_position}"
            + (", full" if result.full else "")
            + f"): {render.plural(c['scores_added'], 'score')} added, {c['scores_changed']} changed, "
            f"{c['scores_removed']} removed"
        )
        if c.get("forecasters"):
            more = " …" if c.get("forecasters_changed", 0) > len(c["forecasters"]) else ""
            names = ", ".join(render.safe_text(f) for f in c["forecasters"])
            say(f"forecasters whose scores changed: {names}{more}")
        hindsight = c.get("forecasts", {}).get("hindsight", 0)
        if hindsight:
            were = "was" if hindsight == 1 else "were"
            say(
                f"{render.plural(hindsight, 'forecast')} here {were} made after the outcome was known: "
                "'tracker hindsight'"
            )
    if n_due:
        are = "is" if n_due == 1 else "are"
        say(f"{render.plural(n_due, 'question')} {are} past the resolve-by date and unresolved: 'tracker due'")


@command(
    examples=(
        "tracker scores --min-scored 5",
        "tracker scores --by outlet --run 1 --format json",
    )
)
@rd.read_options("tag", "forecaster", "source", "outlet", "question")
def scores(
    ctx: typer.Context,
    opts: rd.ReadOptions,
    by: str = typer.Option("forecaster", "--by", help="forecaster, source, outlet or tag."),
    metric: str = typer.Option(
        "brier",
        "--metric",
        "--sort",
        help="Sort by: brier, brier2, time-avg, relative, log, baseline, skill, skill-base-rate, count "
        "(or an aggregate column).",
    ),
    min_scored: int = typer.Option(
        5,
        "--min-scored",
        min=0,
        help="Rank only rows with at least this many scored questions; the others follow, unranked, with the "
        "reason (0 ranks every row).",
    ),
    *,
    scale: str = typer.Option(
        None,
        "--scale",
        help="Read every verbal forecast under another scale: capphrase (how 5,174 readers read the phrases) "
        "or uk-phia (the UK yardstick's midpoints); shows how the ranking moves (Kendall's tau).",
    ),
) -> None:
    """The leaderboard: per row the mean Brier with its 90% interval, whether it beats a coin flip and the
    crowd (in words, with p-values), the time-averaged Brier, skill and baselines. Rows with too few
    questions say so. Per forecaster over every question, intervals and verdicts are those the scoring run
    stored; --by source/outlet/tag and --tag/--question/--source/--outlet compute them when asked."""
    from tracker.errors import UserError

    key = grouping(by)
    out = opts.out
    if scale is not None:
        if by != "forecaster":
            raise UserError("--scale ranks forecasters: it cannot be combined with --by " + by, "scale")
        shift = ledger(ctx).scale_shift(scale, min_scored=min_scored, **opts.time(), **opts.filters)
        _print_scale_shift(shift, out)
        return
    rows = rd.show(
        ledger(ctx),
        "leaderboard",
        opts,
        WIDE_SCORE_COLUMNS if render.terminal_width() >= WIDE else SCORE_COLUMNS,
        by=by,
        noun=(by, by + "s" if by != "outlet" else "outlets"),
        title=f"scores by {by}, best first by {metric} ({{scores}})",
        empty="no scores yet: run 'tracker score' (or 'tracker schedule run')",
        prepare=lambda r: _score_row(r, key),
        missing="n/a",
        sort=metric,
        min_scored=min_scored,
    )
    if out.table and rows:
        import textwrap

        say(textwrap.fill(HONEST_NOTE, render.terminal_width()))
        note = left_out_note(render.terminal_width())
        if note:
            say(textwrap.fill(note, render.terminal_width()))


@command(
    examples=(
        'tracker compare "Mikhail Alexandrov" "Vladimir Frolov"',
        "tracker compare --all --format csv",
    )
)
@rd.read_options("tag", "source", "outlet")
def compare(
    ctx: typer.Context,
    opts: rd.ReadOptions,
    forecasters: list[str] = typer.Argument(None, help="Two forecasters (names or ids); none with --all."),
    all_pairs: bool = typer.Option(False, "--all", help="Every pair with a shared question."),
    correction: str = typer.Option(
        "holm", "--correction", help="--all: holm (family-wise) or bh (false discovery rate)."
    ),
) -> None:
    """Who really beats whom: A against B on the questions both scored, the paired difference in Brier with
    its 90% interval and p-value, how many questions each won, and what can and cannot be said."""
    from tracker.errors import UserError

    led = ledger(ctx)
    if all_pairs:
        if forecasters:
            raise UserError("give two forecasters or --all, not both", "forecasters")
        out = opts.out
        frame = led.compare_all(correction=correction, **opts.time(), **opts.filters)
        rows = frame.to_dict("records")
        shown = rows if out.limit is None else rows[: out.limit]
        render.render_rows(
            [r | {"pair": f"{r['name_a']} vs {r['name_b']}"} for r in shown] if out.table else shown,
            PAIR_COLUMNS if out.table else [Column(c) for c in frame.columns],
            out.fmt,
            title=f"{render.plural(len(rows), 'pair')} with a shared question; p-values adjusted "
            f"({'Holm' if correction == 'holm' else 'Benjamini-Hochberg'})",
            total=len(rows),
            noun=("pair", "pairs"),
            empty_message="no two forecasters share a scored question",
        )
        return
    if not forecasters or len(forecasters) != 2:
        raise UserError("give two forecasters (names or ids), or --all", "forecasters")
    result = led.compare(forecasters[0], forecasters[1], **opts.time(), **opts.filters)
    out = opts.as_record()
    if not out.table:
        render.render_record(result, None, out.fmt)
        return
    a, b = result["name_a"], result["name_b"]
    say(render.safe_text(f"{a} vs {b}: {result['verdict']}"))
    shown = {
        "shared questions": result["n_shared"],
        f"mean Brier, {a}": _num(result["mean_a"]),
        f"mean Brier, {b}": _num(result["mean_b"]),
        "difference (A − B)": _num(result["mean_difference"]),
        "90% interval": "–" if result["ci_low"] is None else f"{_num(result['ci_low'])} to {_num(result['ci_high'])}",
        "p-value (two-sided)": "–" if result["p_value"] is None else f"{result['p_value']:.3g}",
        "questions won": f"{a} {result['a_wins']}, {b} {result['b_wins']}, ties {result['ties']}",
    }
    render.render_record(shown, None, "table")


@command(examples=("tracker calibration --bins 5 --edges right", "tracker calibration --discrimination --bins 5"))
@rd.read_options("forecaster", "tag", "source", "outlet", "question", limit=False)
def calibration(
    ctx: typer.Context,
    opts: rd.ReadOptions,
    bins: int = typer.Option(10, "--bins", min=1, max=100, help="Equal-width bins on [0, 1]."),
    edges: str = typer.Option(
        "left",
        "--edges",
        help="Where a forecast exactly on a bin edge goes: left = [a, b), the upper bin (numpy's rule); "
        "right = (a, b], the lower bin (scikit-learn's calibration_curve).",
    ),
    discrimination: bool = typer.Option(
        False, "--discrimination", help="Instead: how the forecasts were spread, split by what happened."
    ),
) -> None:
    """Calibration of the scored binary forecasts: per bin, count, mean forecast, observed frequency, its 95% interval
    (Clopper-Pearson, which holds its rate at every count; the Wilson interval stays in --json and exports)."""
    out = opts.out
    led = ledger(ctx)
    forecaster: list[str] = opts.filters.get("forecaster", [])
    others = {k: v for k, v in opts.filters.items() if k != "forecaster"}  # the filters but the forecasters
    if discrimination:
        _discrimination(led, opts, forecaster, bins, edges, others)
        return
    rows, _, snap = led.rows("calibration", bins=bins, edges=edges, **opts.time(), **opts.filters)
    murphy = None
    if len(forecaster) <= 1:
        murphy = led.decomposition(forecaster[0] if forecaster else None, bins, **opts.time(), **others)
    if out.fmt == "json":
        from dataclasses import asdict

        emit_json(
            {
                "bins": rows,
                "murphy": None
                if murphy is None
                else {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(murphy).items()},
                "ledger": snap.meta(),
            }
        )
        return
    who = ", ".join(forecaster) if forecaster else "everyone"
    n = murphy.n if murphy is not None else sum(r["count"] for r in rows)
    render.render_rows(
        [r | {"interval": "" if r["ci_low"] is None else f"{_num(r['ci_low'])}–{_num(r['ci_high'])}"} for r in rows]
        if out.table
        else rows,
        CALIBRATION_COLUMNS if out.table else rd.all_columns("calibration"),
        out.fmt,
        title=f"calibration of {who} ({render.plural(n, 'scored binary forecast')}; {snap.scores_label()})",
        noun=("bin", "bins"),
    )
    if out.table and murphy is not None and murphy.n:
        say(
            f"Brier {_num(murphy.brier, 4)} = reliability {_num(murphy.reliability, 4)} − resolution "
            f"{_num(murphy.resolution, 4)} + uncertainty {_num(murphy.uncertainty, 4)} + within-bin "
            f"{_num(murphy.within_bin_variance - murphy.within_bin_covariance, 4)}"
        )


@command(examples=("tracker runs", "tracker runs --status failed --json"))
@rd.read_options(status="ok, failed or skipped.")
def runs(ctx: typer.Context, opts: rd.ReadOptions) -> None:
    """The scoring-run history: start, duration, status, position scored through, what changed, errors."""
    noun = ("scoring run", "scoring runs")
    rd.show(ledger(ctx), "runs", opts, RUN_COLUMNS, noun=noun, title="{n} {noun}", prepare=_run_row)


@command(examples=("tracker due", "tracker due --exit-code  # exit 1 when a question is due (for cron)"))
@rd.read_options("tag", "forecaster", "source", "outlet")
def due(
    ctx: typer.Context,
    opts: rd.ReadOptions,
    *,
    exit_code: bool = typer.Option(
        False, "--exit-code", help="Exit 1 when any question is due (for cron jobs and alerts)."
    ),
) -> None:
    """Open questions past their resolve-by date: resolve them (or clarify the date). Most overdue first."""
    rows = rd.show(
        ledger(ctx),
        "due",
        opts,
        DUE_COLUMNS,
        noun=("question past its resolve-by date", "questions past their resolve-by date"),
        title="{n} {noun}",
        empty="no question is past its resolve-by date",
    )
    if exit_code and rows:
        raise typer.Exit(1)


@command(examples=("tracker hindsight --format csv",))
@rd.read_options("tag", "forecaster", "source", "outlet", "question")
def hindsight(ctx: typer.Context, opts: rd.ReadOptions) -> None:
    """Forecasts made on or after the day the outcome became known: flagged, never scored."""
    rd.show(
        ledger(ctx),
        "hindsight",
        opts,
        HINDSIGHT_COLUMNS,
        noun=("forecast flagged by the hindsight guard", "forecasts flagged by the hindsight guard"),
        title="{n} {noun} ({scores})",
        empty="no forecast was made after its outcome was known",
        prepare=lambda r: (
            r
            | {
                "p": _num(r["p_yes"]) if r["p_yes"] is not None else _dist(r["probabilities"]),
                "forecaster": r["forecaster"] or r["forecaster_id"],
            }
        ),
    )


schedule = typer.Typer(help="Run the scoring job on a schedule (APScheduler).", no_args_is_help=True)


@schedule.command("run")
def schedule_run(
    ctx: typer.Context,
    every: str = typer.Option(None, "--every", help="Interval: 90s, 30m, 1h, 1d, 1h30m."),
    cron: str = typer.Option(None, "--cron", help="A crontab line, e.g. '*/15 * * * *'."),
    tz: str = typer.Option("UTC", "--tz", help="Time zone of --cron."),
) -> None:
    """Score periodically in the foreground (once at start, then on the schedule) until SIGINT/SIGTERM.

    Each tick logs one line on stderr: what scoring did, and the questions past their resolve-by date.

    Run one scheduler per database: a second one, or a 'tracker score' run, is kept from overlapping by the
    database lock, and its runs are recorded as skipped.
    """
    import logging

    from tracker.app import scheduler

    trigger = scheduler.build_trigger(every, cron, tz)
    led = ledger(ctx)
    with led.view():
        pass  # the ledger exists and its schema is current
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    what = f"every {every}" if every else f"on '{cron}' ({tz})"

    def announce() -> None:
        warn(f"scoring {what} on {led.database}; stop with Ctrl-C or SIGTERM")

    scheduler.run_forever(led.url, trigger, announce)


def register(app: typer.Typer) -> None:
    command.register(app)
    app.add_typer(schedule, name="schedule")


DISCRIMINATION_COLUMNS = [
    Column("bin", "bin", "id"),
    Column("n_yes", "happened", "int"),
    Column("n_no", "did not", "int"),
    Column("share_yes", "share of happened", "number", 3),
    Column("share_no", "share of did not", "number", 3),
]


def _discrimination(
    led: Any, opts: rd.ReadOptions, forecaster: list[str], bins: int, edges: str, given: dict[str, Any]
) -> None:
    """The discrimination view: the forecasts' distribution split by outcome (a good forecaster's YES questions
    sit in high bins and NO questions in low ones)."""
    from tracker.errors import UserError

    out = opts.out
    if len(forecaster) > 1:
        raise UserError("the discrimination view takes one forecaster, or none for everyone", "forecaster")
    who_asked = forecaster[0] if forecaster else None
    frame = led.discrimination(who_asked, bins, edges=edges, **opts.time(), **given)
    rows = frame.to_dict("records")
    who = forecaster[0] if forecaster else "everyone"
    render.render_rows(
        rows,
        DISCRIMINATION_COLUMNS if out.table else [Column(c) for c in frame.columns],
        out.fmt,
        title=f"discrimination of {who}: scored binary forecasts by P(YES), split by what happened",
        noun=("bin", "bins"),
    )
    if out.table and rows and rows[0].get("mean_p_yes") is not None and rows[0].get("mean_p_no") is not None:
        import textwrap

        yes, no = rows[0]["mean_p_yes"], rows[0]["mean_p_no"]
        line = (
            f"mean P(YES) when it happened {_num(yes)}, when it did not {_num(no)}: discrimination slope "
            f"{_num(yes - no)} (0: cannot tell them apart; 1: perfect)"
        )
        say(textwrap.fill(line, render.terminal_width()))
