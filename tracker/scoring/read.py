"""Reading the scores the scoring job wrote: leaderboards, calibration, run history, due questions, hindsight.

Each function takes a connection (so the CLI, the Python API and notebooks share them) and returns a pandas
DataFrame. Live leaderboards aggregate ``question_scores`` with `tracker.scoring.compute.aggregate`; a leaderboard
"as of" a past run reads ``score_history``, where each forecaster's aggregate is stored whenever a run changed it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from tracker.app import queries
from tracker.domain import timepoints
from tracker.domain.timepoints import parse_as_of
from tracker.errors import NotFound, UserError
from tracker.scoring import compute, metrics
from tracker.scoring.job import HISTORY_COLUMNS, latest_history, question_scores_frame
from tracker.store.schema import (
    forecast_scores,
    forecasters,
    forecasts,
    question_scores,
    question_tags,
    questions,
    score_history,
    scoring_runs,
    sources,
)

BY = {"forecaster": "forecaster_id", "source": "source_id", "outlet": "outlet", "tag": "tag"}
MISSING_KEY = {"forecaster_id": "(none)", "source_id": "(no source)", "outlet": "(no outlet)", "tag": "(untagged)"}


@dataclass(frozen=True)
class Metric:
    column: str
    ascending: bool  # True when lower is better
    label: str


METRICS: dict[str, Metric] = {
    "brier": Metric("mean_brier", True, "mean Brier"),
    "brier2": Metric("mean_brier_two_category", True, "mean two-category Brier"),
    "time-avg": Metric("mean_time_avg_brier", True, "time-averaged Brier"),
    "relative": Metric("mean_relative_brier", True, "Brier relative to the crowd"),
    "log": Metric("mean_log_score", False, "log score"),
    "baseline": Metric("mean_baseline_score", False, "baseline score"),
    "skill": Metric("bss_vs_half", False, "skill against 0.5"),
    "skill-base-rate": Metric("bss_vs_base_rate", False, "skill against the base rate"),
    "count": Metric("n_scored", False, "forecasts scored"),
}

LEADERBOARD_COLUMNS = ("rank", "key", "name", *HISTORY_COLUMNS)


# ----------------------------------------------------------------------------------------------------- runs


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def runs(conn: Connection, limit: int | None = 20) -> pd.DataFrame:
    """The scoring-run history, newest first; ``changed`` is the run's JSON summary, parsed."""
    q = select(scoring_runs).order_by(scoring_runs.c.run_id.desc())
    if limit is not None:
        q = q.limit(limit)
    rows = [dict(r) for r in conn.execute(q).mappings()]
    for r in rows:
        r["changed"] = json.loads(r["changed"]) if r["changed"] else None
        if r["started_at"] is not None and r["finished_at"] is not None:
            r["seconds"] = (r["finished_at"] - r["started_at"]).total_seconds()
        else:
            r["seconds"] = None
    return pd.DataFrame(rows, columns=[*(c.name for c in scoring_runs.columns), "seconds"])


def last_run(conn: Connection) -> dict[str, Any] | None:
    """The latest successful run (the one the current scores come from), or None before the first."""
    r = (
        conn.execute(select(scoring_runs).where(scoring_runs.c.status == "ok").order_by(scoring_runs.c.run_id.desc()))
        .mappings()
        .first()
    )
    return None if r is None else dict(r)


def resolve_run(conn: Connection, value: str) -> int:
    """``--as-of``: a run id, or a date / ISO time meaning the last successful run finished by then (UTC)."""
    v = value.strip()
    until = parse_as_of(v, "as_of")
    if isinstance(until, int):
        run_id = until
        if conn.execute(select(scoring_runs.c.run_id).where(scoring_runs.c.run_id == run_id)).first() is None:
            raise NotFound(f"no scoring run {run_id} (see 'tracker runs')", "as_of")
        return run_id
    last = conn.execute(
        select(func.max(scoring_runs.c.run_id)).where(
            scoring_runs.c.status == "ok", scoring_runs.c.finished_at <= until
        )
    ).scalar()
    if last is None:
        raise NotFound(f"no scoring run had finished by {v}", "as_of")
    return int(last)


# ---------------------------------------------------------------------------------------------- leaderboard


def leaderboard(
    conn: Connection,
    by: str = "forecaster",
    *,
    tag: str | None = None,
    source: str | None = None,
    outlet: str | None = None,
    question: str | None = None,
    metric: str = "brier",
    as_of_run: int | None = None,
) -> pd.DataFrame:
    """Aggregated scores per forecaster (or source, outlet, tag), sorted by ``metric`` (best first).

    Columns: rank, key (the forecaster / source id, outlet or tag), name (forecaster name or source title), then
    the aggregate columns of `compute.aggregate` (n_scored, mean_brier, mean_time_avg_brier, mean_relative_brier
    with n_relative, mean_log_score, bss_vs_half, the verbal range mean_brier_best / mean_brier_worst, ...).

    ``as_of_run``: the per-forecaster leaderboard as it stood after that run (from ``score_history``); it cannot
    be combined with filters or another grouping, which the history does not keep.
    """
    if by not in BY:
        raise UserError(f"{by!r} is not a grouping ({', '.join(BY)})", "by")
    m = metric_of(metric)
    key = BY[by]
    if as_of_run is not None:
        if by != "forecaster" or any(v is not None for v in (tag, source, outlet, question)):
            raise UserError(
                "scores as of a past run are kept per forecaster: --as-of cannot be combined with "
                "--tag, --source, --outlet, --question or --by other than forecaster",
                "as_of",
            )
        hist = latest_history(conn, None, as_of_run)
        rows = [r for r in hist.values() if r["n_scored"]]
        agg = pd.DataFrame(rows, columns=[c.name for c in score_history.columns]).drop(columns="run_id")
    else:
        frame = _scores_frame(conn, tag=tag, source=source, outlet=outlet, question=question, with_tags=by == "tag")
        agg = pd.DataFrame(columns=[key, *HISTORY_COLUMNS]) if frame.empty else compute.aggregate(frame, key)
    agg = agg.rename(columns={key: "key"})
    agg["key"] = agg["key"].astype(object).where(agg["key"].notna(), MISSING_KEY[key])
    agg["name"] = _names(conn, by, agg["key"].tolist())
    for col in HISTORY_COLUMNS:
        if col not in agg.columns:
            agg[col] = np.nan
    agg = agg.sort_values(
        [m.column, "key"], ascending=[m.ascending, True], na_position="last", kind="stable"
    ).reset_index(drop=True)
    agg.insert(0, "rank", np.arange(1, len(agg) + 1))
    return agg[list(LEADERBOARD_COLUMNS)]


def metric_of(name: str) -> Metric:
    """A metric by its CLI name (brier, time-avg, ...) or by its column name (mean_brier, ...)."""
    if name in METRICS:
        return METRICS[name]
    for m in METRICS.values():
        if m.column == name:
            return m
    raise UserError(f"{name!r} is not a metric ({', '.join(METRICS)})", "metric")


def _scores_frame(
    conn: Connection,
    *,
    tag: str | None = None,
    source: str | None = None,
    outlet: str | None = None,
    question: str | None = None,
    forecaster: str | None = None,
    with_tags: bool = False,
) -> pd.DataFrame:
    """``question_scores`` rows (with the source's outlet, and the question's tags as a list when asked)."""
    q = select(question_scores, sources.c.outlet).select_from(
        question_scores.outerjoin(sources, sources.c.source_id == question_scores.c.source_id)
    )
    if tag is not None:
        q = q.where(
            question_scores.c.question_id.in_(select(question_tags.c.question_id).where(question_tags.c.tag == tag))
        )
    if source is not None:
        q = q.where(question_scores.c.source_id == source)
    if outlet is not None:
        q = q.where(sources.c.outlet == outlet)
    if question is not None:
        q = q.where(question_scores.c.question_id == question)
    if forecaster is not None:
        q = q.where(question_scores.c.forecaster_id == forecaster)
    rows = [dict(r) for r in conn.execute(q).mappings()]
    outlets = [r.pop("outlet") for r in rows]
    frame = question_scores_frame(rows)
    frame["outlet"] = pd.Series(outlets, dtype=object)
    if with_tags:
        tags: dict[str, list[str]] = {}
        for qid, t in conn.execute(
            select(question_tags.c.question_id, question_tags.c.tag).order_by(question_tags.c.tag)
        ):
            tags.setdefault(qid, []).append(t)
        frame["tag"] = pd.Series([tags.get(qid, []) for qid in frame["question_id"]], dtype=object)
    return frame


def _names(conn: Connection, by: str, keys: list[Any]) -> list[Any]:
    if by == "forecaster":
        names = dict(conn.execute(select(forecasters.c.forecaster_id, forecasters.c.name)).all())
    elif by == "source":
        names = dict(conn.execute(select(sources.c.source_id, sources.c.title)).all())
    else:
        return [None] * len(keys)
    return [names.get(k) for k in keys]


def history(conn: Connection, forecaster_id: str) -> pd.DataFrame:
    """A forecaster's aggregate after each run that changed it, with the run's finish time: ready to plot."""
    q = (
        select(score_history, scoring_runs.c.finished_at, scoring_runs.c.through_position)
        .join(scoring_runs, scoring_runs.c.run_id == score_history.c.run_id)
        .where(score_history.c.forecaster_id == forecaster_id)
        .order_by(score_history.c.run_id)
    )
    rows = [dict(r) for r in conn.execute(q).mappings()]
    return pd.DataFrame(rows, columns=[*(c.name for c in score_history.columns), "finished_at", "through_position"])


# ---------------------------------------------------------------------------------------------- calibration


def _binary_scored(conn: Connection, forecaster: str | None) -> tuple[np.ndarray, np.ndarray]:
    q = select(question_scores.c.p_yes, question_scores.c.outcome).where(question_scores.c.kind == compute.BINARY)
    if forecaster is not None:
        q = q.where(question_scores.c.forecaster_id == forecaster)
    rows = conn.execute(q).all()
    p = np.array([r[0] for r in rows], dtype=np.float64)
    o = np.array([1.0 if r[1] == compute.YES else 0.0 for r in rows], dtype=np.float64)
    return p, o


def calibration(conn: Connection, forecaster: str | None = None, bins: int = metrics.DEFAULT_BINS) -> pd.DataFrame:
    """Calibration table of the scored binary forecasts (everyone's, or one forecaster's): `metrics.calibration_table`
    (bins never folded at 50%, empty bins shown with count 0, Wilson 95% interval)."""
    p, o = _binary_scored(conn, forecaster)
    return metrics.calibration_table(p, o, bins)


def decomposition(
    conn: Connection, forecaster: str | None = None, bins: int = metrics.DEFAULT_BINS
) -> metrics.MurphyDecomposition:
    """Murphy decomposition (with the within-bin terms, exact) of the same forecasts as `calibration`."""
    p, o = _binary_scored(conn, forecaster)
    return metrics.murphy_decomposition(p, o, bins)


# ------------------------------------------------------------------------------------------ due and hindsight


def due(conn: Connection, today: date | None = None) -> pd.DataFrame:
    """Open questions past their resolve-by date (live, from the projections: no scoring run needed)."""
    today = today or timepoints.utc_now().date()
    rows = queries.list_questions(conn, today, "due")
    out = [
        {
            "question_id": r["question_id"],
            "title": r["title"],
            "resolve_by": r["resolve_by"],
            "days_overdue": (today - date.fromisoformat(r["resolve_by"])).days,
            "n_forecasts": r["n_forecasts"],
            "tags": r["tags"],
        }
        for r in rows
    ]
    frame = pd.DataFrame(out, columns=["question_id", "title", "resolve_by", "days_overdue", "n_forecasts", "tags"])
    return frame.sort_values(["days_overdue", "question_id"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


def hindsight(conn: Connection) -> pd.DataFrame:
    """Forecasts made on or after the day their question's outcome became known (never scored), as of the last
    scoring run, with their quote and source."""
    q = (
        select(
            forecast_scores.c.forecast_id,
            forecast_scores.c.question_id,
            questions.c.title.label("question"),
            forecast_scores.c.forecaster_id,
            forecasters.c.name.label("forecaster"),
            forecast_scores.c.made_at,
            forecast_scores.c.known_on,
            forecast_scores.c.outcome,
            forecasts.c.p_yes,
            forecasts.c.probabilities,
            forecast_scores.c.p_outcome,
            forecasts.c.hedge,
            forecasts.c.quote,
            forecast_scores.c.source_id,
            sources.c.title.label("source_title"),
            sources.c.outlet,
            sources.c.url,
        )
        .select_from(
            forecast_scores.join(forecasts, forecasts.c.forecast_id == forecast_scores.c.forecast_id)
            .outerjoin(forecasters, forecasters.c.forecaster_id == forecast_scores.c.forecaster_id)
            .outerjoin(questions, questions.c.question_id == forecast_scores.c.question_id)
            .outerjoin(sources, sources.c.source_id == forecast_scores.c.source_id)
        )
        .where(forecast_scores.c.status == compute.HINDSIGHT)
        .order_by(forecast_scores.c.question_id, forecast_scores.c.made_at, forecast_scores.c.forecast_id)
    )
    rows = []
    for r in conn.execute(q).mappings():
        row = dict(r)
        row["probabilities"] = json.loads(row["probabilities"]) if row["probabilities"] else None
        row["days_after"] = (row["made_at"] - row["known_on"]).days if row["known_on"] and row["made_at"] else None
        rows.append(row)
    columns = [c.name for c in q.selected_columns] + ["days_after"]
    return pd.DataFrame(rows, columns=columns)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready rows: NaN -> None, dates as ISO strings, numpy scalars as Python numbers."""
    out = []
    for row in frame.to_dict("records"):
        clean: dict[str, Any] = {}
        for k, v in row.items():
            if isinstance(v, float | np.floating):
                clean[str(k)] = None if np.isnan(v) else float(v)
            elif isinstance(v, np.integer):
                clean[str(k)] = int(v)
            elif isinstance(v, np.bool_):
                clean[str(k)] = bool(v)
            elif v is None or v is pd.NaT:
                clean[str(k)] = None
            else:
                clean[str(k)] = _iso(v)
        out.append(clean)
    return out
