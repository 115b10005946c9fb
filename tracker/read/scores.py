"""Readers of the scores: per forecast, per question, the leaderboard, score history, calibration (with the
Murphy decomposition), hindsight flags, scoring runs, and due questions. Each is written once; the CLI, the
Python API, exports, the report and the plots all read through them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, false, select
from sqlalchemy.sql import Select

from tracker.errors import UserError
from tracker.read import filters as flt
from tracker.read.projections import questions_query
from tracker.read.snapshot import Snapshot
from tracker.read.tablereader import Row, TableReader, reads
from tracker.read.tables import (
    AGGREGATE_INPUT,
    AGGREGATE_NAMES,
    ALL_FORECASTERS,
    CALIBRATION,
    DUE,
    GROUPINGS,
    HIGHER_IS_BETTER,
    HINDSIGHT,
    METRICS,
    MISSING_KEY,
    QUESTION_SCORES,
    RUN_STATUSES,
    RUNS,
    SCORE_HISTORY,
    SCORE_STATUSES,
    SCORES,
    apply_dtypes,
    leaderboard_spec,
)
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
from tracker.words import plural

if TYPE_CHECKING:
    import pandas as pd

    from tracker.scoring.metrics import MurphyDecomposition


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@reads("scores")
def scores_reader(snap: Snapshot, about: flt.Subjects | None = None, **kw: Any) -> TableReader:
    """The forecasts' scores under the filters; ``about``: only those of the forecasts about these subjects."""
    f = flt.resolve(snap.proj, statuses=SCORE_STATUSES, **kw)
    conn = snap.scores()
    by_question = flt.Filters(tag=f.tag, question=f.question)
    q: Select[Any] = (
        select(*forecast_scores.c, sources.c.outlet, forecasts.c.p_yes, forecasts.c.position)
        .select_from(
            forecast_scores.join(forecasts, forecasts.c.forecast_id == forecast_scores.c.forecast_id).outerjoin(
                sources, sources.c.source_id == forecast_scores.c.source_id
            )
        )
        .where(*flt.question_conditions(by_question, forecast_scores.c.question_id, snap.today))
    )
    if f.status is not None:
        q = q.where(forecast_scores.c.status == f.status)
    q = flt.who(q, f, forecast_scores)
    if about is not None:
        q = q.where(flt.about(forecasts, about))
    return TableReader(SCORES, q, forecasts.c.position, conn)


def _question_scores(snap: Snapshot, f: flt.Filters, ordered: bool = True, outlet: bool = True) -> TableReader:
    """The question_scores rows under ``f``, in recording order of their forecasts (a join with forecasts, for
    ``ordered``), with each source's outlet (a join with sources, for ``outlet`` or an outlet filter). Readers
    that order rows themselves and need no outlet skip the joins: on 364k rows they cost two thirds of the read.
    """
    joined: Any = question_scores
    if ordered:
        joined = joined.join(forecasts, forecasts.c.forecast_id == question_scores.c.forecast_id)
    columns: list[Any] = list(question_scores.c)
    if outlet or f.outlet is not None:
        joined = joined.outerjoin(sources, sources.c.source_id == question_scores.c.source_id)
        columns.append(sources.c.outlet)
    q: Select[Any] = (
        select(*columns)
        .select_from(joined)
        .where(*flt.question_conditions(f, question_scores.c.question_id, snap.today))
    )
    q = flt.who(q, f, question_scores)
    return TableReader(QUESTION_SCORES, q, forecasts.c.position if ordered else None, snap.scores())


@reads("question_scores")
def question_scores_reader(snap: Snapshot, about: flt.Subjects | None = None, **kw: Any) -> TableReader:
    """The question scores under the filters; ``about``: only those about these subjects (`filters.Subjects`)."""
    reader = _question_scores(snap, flt.resolve(snap.proj, **kw))
    if about is not None and reader.query is not None:
        reader.query = reader.query.where(flt.about(question_scores, about))
    return reader


def pooled_outcomes(snap: Snapshot) -> tuple[int, list[float], list[bool]]:
    """How many question scores there are, and every scored yes/no forecast's P(YES) and whether its question
    resolved YES, in recording order (the order a pooled calibration sums them in): read as plain columns,
    without a frame (whose typed columns and categories' passes cost four times the query at a million events)."""
    q: Select[Any] = (
        select(question_scores.c.kind, question_scores.c.p_yes, question_scores.c.outcome)
        .select_from(question_scores.join(forecasts, forecasts.c.forecast_id == question_scores.c.forecast_id))
        .order_by(forecasts.c.position)
    )
    rows = snap.scores().execute(q).all()
    binary = [(p, o) for kind, p, o in rows if kind == "binary"]
    return len(rows), [float("nan") if p is None else float(p) for p, _ in binary], [o == "yes" for _, o in binary]


def sort_column(sort: str) -> str:
    """A leaderboard sort key: a metric's short name (brier, time-avg, ...) or an aggregate column."""
    if sort in METRICS:
        return METRICS[sort]
    if sort in AGGREGATE_NAMES:
        return sort
    raise UserError(f"{sort!r} is not a metric ({', '.join(METRICS)}) or an aggregate column", "sort")


@reads("leaderboard")
def leaderboard_reader(
    snap: Snapshot, by: str = "forecaster", sort: str = "mean_brier", min_scored: int | None = None, **kw: Any
) -> TableReader:
    """Aggregates per forecaster, source, outlet or tag, best first by ``sort``; each row with its 90% interval
    and its tests against a coin flip and the crowd (`tracker.scoring.honest`). Rows with fewer than
    ``min_scored`` distinct scored questions (default: the honest minimum, 5) are not ranked: they follow the
    ranked rows, in the same order, with no rank and the reason in ``unranked``; 0 ranks every row."""
    from tracker.scoring.verdicts import MIN_QUESTIONS

    spec = leaderboard_spec(by)
    column = sort_column(sort)
    key = GROUPINGS[by]
    if min_scored is None:
        min_scored = MIN_QUESTIONS
    if isinstance(min_scored, bool) or not isinstance(min_scored, int) or min_scored < 0:
        raise UserError(f"{min_scored!r} is not a number of scored questions (0 or more)", "min_scored")
    threshold = min_scored
    f = flt.resolve(snap.proj, **kw)
    # Per forecaster over every question, the aggregates the run recorded are the leaderboard (score_history
    # holds them exactly as compute.aggregate gives them): no need to read every score row.
    recorded = by == "forecaster" and not f.narrows_questions
    ranked: list[Row] = []

    def base() -> list[Row]:
        if ranked or snap.run is None:
            return ranked
        rows = (
            _recorded_aggregates(snap.live, snap.run.run_id, f.forecaster)
            if recorded
            else _computed_aggregates(snap, f, key)
        )
        names = _names(snap.proj, by)
        for r in rows:
            k = r[key]
            r[key] = MISSING_KEY[key] if k is None or k != k else str(k)
            r["name"] = names.get(r[key])
            # a forecaster has one scored row per question; a group pools rows, and counts its questions
            r["n_questions"] = int(r.get("n_questions") or r["n_scored"] or 0)
        ascending = column not in HIGHER_IS_BETTER

        def order(r: Row) -> tuple[Any, ...]:
            v = r[column]
            missing = v is None or v != v
            return (r["n_questions"] < threshold, missing, 0.0 if missing else (v if ascending else -v), r[key])

        rows.sort(key=order)
        for i, r in enumerate(rows, 1):
            if r["n_questions"] >= threshold:
                r["rank"], r["unranked"] = i, None
            else:
                r["rank"] = None
                r["unranked"] = f"unranked: {plural(r['n_questions'], 'scored question')}, {threshold} needed to rank"
        ranked.extend(rows)
        return ranked

    def build_rows(limit: int | None) -> list[Row]:
        rows = base()[:limit] if limit is not None else base()
        keys = [r[key] for r in rows]
        # the run's stored statistics where they apply (every question, per forecaster); the rest on demand
        honest = _stored_honest(snap, keys) if recorded else {}
        honest |= _honest_columns(snap, f, key, [k for k in keys if k not in honest])
        out = [{n: r.get(n) for n in spec.names} | honest.get(r[key], {}) for r in rows]
        if key == "forecaster_id":  # one row per question: the same mean, to the bit whichever path computed it
            for r in out:
                r["mean_brier_questions"] = r.get("mean_brier")
        return out

    return TableReader(spec, build_rows=build_rows, counter=lambda: len(base()))


def _stored_honest(snap: Snapshot, keys: list[str]) -> dict[str, Row]:
    """Each forecaster's statistics as the run the snapshot shows stored them (`tracker.scoring.statistics`);
    forecasters without a stored row (scored before the statistics were stored) are left out."""
    from tracker.scoring import statistics

    if snap.run is None or not keys:
        return {}
    stored = statistics.latest(snap.live, snap.run.run_id, keys)
    return {k: statistics.display(numbers) for k, numbers in stored.items()}


def _honest_columns(snap: Snapshot, f: flt.Filters, key: str, keys: list[str]) -> dict[str, Row]:
    """Each row's interval, coin-flip and crowd verdicts, for the groups ``keys`` only (a table shows the first
    rows of a long leaderboard; reading every score row for it would cost more than the rest), computed now."""
    if not keys:
        return {}
    from tracker.scoring import statistics

    if key == "forecaster_id":
        wanted = [k for k in keys if k != MISSING_KEY[key]]
        f = flt.Filters(f.status, f.tag, wanted, f.question, f.source, f.outlet)
    # the honest statistics sort their input by group and question, so it is read in no particular order
    inputs = (*statistics.INPUT, "source_id", "outlet")
    qs = _question_scores(snap, f, ordered=False, outlet=key == "outlet").narrow(inputs).columns()
    if not qs["question_id"]:
        return {}
    if key == "tag":
        tags = _tags_by_question(snap)
        qs["tag"] = [sorted(tags.get(str(q), [])) or [MISSING_KEY["tag"]] for q in qs["question_id"]]
    work = statistics.honest_frame(qs, key, MISSING_KEY[key])
    means: dict[str, float | None] = {}
    computed = statistics.compute(work, key, means)
    return {
        k: statistics.display(numbers) | {statistics.QUESTION_MEAN: means.get(k)} for k, numbers in computed.items()
    }


def _nan_none(value: Any) -> Any:
    return None if isinstance(value, float) and value != value else value


def _recorded_aggregates(conn: Connection, run: int, ids: list[str] | None) -> list[Row]:
    """Each forecaster's aggregate as of run ``run`` (their latest score_history row up to it), n_scored > 0."""
    from tracker.scoring.job import latest_history

    return [dict(r) for r in latest_history(conn, ids, run).values() if r["n_scored"]]


def _computed_aggregates(snap: Snapshot, f: flt.Filters, key: str) -> list[Row]:
    import numpy as np
    import pandas as pd

    from tracker.scoring import compute

    qs = _question_scores(snap, f).narrow(AGGREGATE_INPUT).frame()
    if qs.empty:
        return []
    # only the grouping key as Python strings (None when missing); kind and outcome stay categorical
    # question_id (and the forecaster) order the rows inside compute.aggregate, so that its sums give the same
    # bits as the scoring job's aggregates whatever order the rows were read in
    work = pd.DataFrame({"question_id": qs["question_id"].astype(object), "kind": qs["kind"], "outcome": qs["outcome"]})
    if key != "forecaster_id":
        work["forecaster_id"] = qs["forecaster_id"].astype(object)
    if key != "tag":
        work[key] = qs[key].astype(object).where(qs[key].notna(), None)
    for col in AGGREGATE_INPUT[6:]:
        work[col] = qs[col].to_numpy(dtype=np.float64)
    if key == "tag":
        tags = _tags_by_question(snap)
        work["tag"] = pd.Series([sorted(tags.get(str(q), [])) for q in qs["question_id"]], dtype=object)
    agg = compute.aggregate(work, key)[[key, *AGGREGATE_NAMES]]
    # the distinct questions of each group (a group's rows can be several forecasters' on one question)
    exploded = compute.explode_keys(work[[key, "question_id"]], [key])
    distinct = exploded.groupby(key, dropna=False, sort=True)["question_id"].nunique()
    agg["n_questions"] = distinct.reindex(agg[key]).to_numpy(dtype=np.int64)
    from tracker.read.records import records

    return records(agg, parse_json=False)


def _tags_by_question(snap: Snapshot) -> dict[str, list[str]]:
    """Each question's tags (a leaderboard by tag counts a question once under each)."""
    tags: dict[str, list[str]] = {}
    for qid, t in snap.proj.execute(select(question_tags.c.question_id, question_tags.c.tag)):
        tags.setdefault(str(qid), []).append(str(t))
    return tags


def _names(conn: Connection, by: str) -> dict[str, str]:
    if by == "forecaster":
        return {str(k): str(v) for k, v in conn.execute(select(forecasters.c.forecaster_id, forecasters.c.name))}
    if by == "source":
        return {str(k): str(v) for k, v in conn.execute(select(sources.c.source_id, sources.c.title))}
    return {}


@reads("score_history")
def score_history_reader(snap: Snapshot, forecaster: str | Sequence[str] | None = None) -> TableReader:
    ids = flt.forecaster_ids(snap.proj, forecaster)
    q: Select[Any] = select(score_history, scoring_runs.c.finished_at, scoring_runs.c.through_position).join(
        scoring_runs, scoring_runs.c.run_id == score_history.c.run_id
    )
    q = q.where(score_history.c.run_id <= snap.run.run_id) if snap.run is not None else q.where(false())
    if ids is not None:
        q = q.where(score_history.c.forecaster_id.in_(ids))
    return TableReader(SCORE_HISTORY, q, (score_history.c.run_id, score_history.c.forecaster_id), snap.live)


def _binary_scored(snap: Snapshot, f: flt.Filters) -> pd.DataFrame:
    qs = _question_scores(snap, f).narrow(("forecaster_id", "kind", "p_yes", "outcome")).frame()
    return qs[qs["kind"] == "binary"]


def _calibration_groups(snap: Snapshot, forecaster: Any, kw: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    import numpy as np

    f = flt.resolve(snap.proj, forecaster=forecaster, **kw)
    qs = _binary_scored(snap, f)
    names = [ALL_FORECASTERS] if f.forecaster is None else f.forecaster
    out = []
    for name in names:
        rows = qs if name == ALL_FORECASTERS else qs[qs["forecaster_id"] == name]
        p = rows["p_yes"].to_numpy(dtype=np.float64)
        o = (rows["outcome"].astype("string") == "yes").to_numpy(dtype=np.float64)
        out.append((name, p, o))
    return out


def check_bins(bins: Any) -> int:
    if isinstance(bins, bool) or not isinstance(bins, int) or not 1 <= bins <= 100:
        raise UserError(f"{bins!r} is not a number of bins between 1 and 100", "bins")
    return bins


def check_edges(edges: Any) -> str:
    if edges not in ("left", "right"):
        raise UserError(f"{edges!r} is not left ([a, b), numpy's) or right ((a, b], scikit-learn's)", "edges")
    return str(edges)


@reads("calibration")
def calibration_reader(
    snap: Snapshot,
    forecaster: str | Sequence[str] | None = None,
    bins: int = 10,
    edges: str = "left",
    **kw: Any,
) -> TableReader:
    check_bins(bins)
    check_edges(edges)
    groups = _calibration_groups(snap, forecaster, kw)

    def build() -> pd.DataFrame:
        import pandas as pd

        from tracker.scoring import metrics

        parts = []
        for name, p, o in groups:
            table = metrics.calibration_table(p, o, bins, edges=edges)  # type: ignore[arg-type]
            table.insert(0, "forecaster_id", name)
            parts.append(table)
        return apply_dtypes(pd.concat(parts, ignore_index=True), CALIBRATION)

    return TableReader(CALIBRATION, build=build)


def decomposition(snap: Snapshot, forecaster: str | None = None, bins: int = 10, **kw: Any) -> MurphyDecomposition:
    """Murphy decomposition (with the within-bin terms, exact) of the forecasts `calibration_reader` bins."""
    from tracker.scoring import metrics

    check_bins(bins)
    _, p, o = _calibration_groups(snap, forecaster, kw)[0]
    return metrics.murphy_decomposition(p, o, bins)


@reads("due")
def due_reader(snap: Snapshot, **kw: Any) -> TableReader:
    f = flt.resolve(snap.proj, **kw)
    f = flt.Filters("due", f.tag, f.forecaster, f.question, f.source, f.outlet)
    today = snap.today

    def post(row: Row) -> Row:
        row["days_overdue"] = (today - (_day(row["resolve_by"]) or today)).days
        return row

    q = questions_query(snap, f)
    order = (questions.c.resolve_by, questions.c.question_id)
    return TableReader(DUE, q, order, snap.proj, post)


@reads("runs")
def runs_reader(snap: Snapshot, status: str | None = None) -> TableReader:
    if status is not None and status not in RUN_STATUSES:
        raise UserError(f"{status!r} is not a run status ({', '.join(RUN_STATUSES)})", "status")
    q: Select[Any] = select(scoring_runs)
    if snap.as_of is not None or snap.pinned_run:
        q = q.where(scoring_runs.c.run_id <= snap.run.run_id) if snap.run else q.where(false())
    if status is not None:
        q = q.where(scoring_runs.c.status == status)

    def post(row: Row) -> Row:
        a, b = row["started_at"], row["finished_at"]
        row["seconds"] = (b - a).total_seconds() if a is not None and b is not None else None
        return row

    return TableReader(RUNS, q, scoring_runs.c.run_id, snap.live, post)


@reads("hindsight")
def hindsight_reader(snap: Snapshot, **kw: Any) -> TableReader:
    f = flt.resolve(snap.proj, **kw)
    q: Select[Any] = (
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
        .where(forecast_scores.c.status == "hindsight")
        .where(*flt.question_conditions(f, forecast_scores.c.question_id, snap.today))
    )
    q = flt.who(q, f, forecast_scores)

    def post(row: Row) -> Row:
        made, known = _day(row["made_at"]), _day(row["known_on"])
        row["days_after"] = (made - known).days if made and known else None
        return row

    order = (forecast_scores.c.question_id, forecast_scores.c.made_at, forecast_scores.c.forecast_id)
    return TableReader(HINDSIGHT, q, order, snap.scores(), post)


def _brier_frame(snap: Snapshot, f: flt.Filters) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    qs = _question_scores(snap, f).narrow(("question_id", "forecaster_id", "kind", "brier")).frame()
    return pd.DataFrame(
        {
            "question_id": qs["question_id"].astype(object),
            "forecaster_id": qs["forecaster_id"].astype(object),
            "kind": qs["kind"].astype(object),
            "brier": qs["brier"].to_numpy(dtype=np.float64),
        }
    )


def compare(snap: Snapshot, a: str, b: str, **kw: Any) -> Row:
    """A against B on the questions both scored (`tracker.scoring.honest.compare`), with their names."""
    from dataclasses import asdict

    from tracker.scoring import honest

    ids = flt.forecaster_ids(snap.proj, [a, b]) or []
    if len(ids) < 2:
        raise UserError(f"{a!r} and {b!r} are the same forecaster", "forecaster")
    names = _names(snap.proj, "forecaster")
    f = flt.resolve(snap.proj, **kw)
    per_question = _brier_frame(snap, flt.Filters(f.status, f.tag, ids, f.question, f.source, f.outlet))
    result = honest.compare(per_question, ids[0], ids[1], labels=(names[ids[0]], names[ids[1]]))
    return {"name_a": names[ids[0]], "name_b": names[ids[1]]} | {k: _nan_none(v) for k, v in asdict(result).items()}


# The columns of `compare_all_reader`'s rows (tracker.scoring.honest.compare_all's, then the two names): what an
# answer without a pair has too.
COMPARE_ALL_COLUMNS = (
    "a",
    "b",
    "n_shared",
    "mean_a",
    "mean_b",
    "mean_difference",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "a_wins",
    "b_wins",
    "ties",
    "verdict",
    "name_a",
    "name_b",
)


def compare_all_reader(snap: Snapshot, correction: str = "holm", **kw: Any) -> list[Row]:
    """Every pair of forecasters with a shared question, with p-values adjusted for the number of pairs."""
    from tracker.read.records import records
    from tracker.scoring import honest

    if correction not in ("holm", "bh"):
        raise UserError(f"{correction!r} is not holm or bh", "correction")
    f = flt.resolve(snap.proj, **kw)
    pairs = honest.compare_all(_brier_frame(snap, f), correction=correction)  # type: ignore[arg-type]
    names = _names(snap.proj, "forecaster")
    rows = records(pairs, parse_json=False)
    for r in rows:
        r["name_a"], r["name_b"] = names.get(str(r["a"]), r["a"]), names.get(str(r["b"]), r["b"])
    return rows


def _with_phrases(snap: Snapshot, f: flt.Filters, columns: list[Any], *where: Any) -> pd.DataFrame:
    """``question_scores`` rows under ``f`` (and ``where``) with their forecast's ``phrase`` and ``reading`` (an
    unstated reading is "affirms"), as a frame of ``columns`` then those two."""
    import pandas as pd

    q = (
        select(*columns, forecasts.c.phrase, forecasts.c.reading)
        .select_from(
            question_scores.join(forecasts, forecasts.c.forecast_id == question_scores.c.forecast_id).outerjoin(
                sources, sources.c.source_id == question_scores.c.source_id
            )
        )
        .where(*where, *flt.question_conditions(f, question_scores.c.question_id, snap.today))
    )
    q = flt.who(q, f, question_scores)
    frame = pd.DataFrame([tuple(r) for r in snap.scores().execute(q)], columns=list(q.selected_columns.keys()))
    frame["reading"] = frame["reading"].fillna("affirms")
    return frame


def phrases_observed(snap: Snapshot, forecaster: Any = None, min_forecasts: int = 1, **kw: Any) -> list[Row]:
    """What the verbal scale's phrases turned out to mean: per phrase (affirming and negating readings apart,
    and pooled), how often the hedged statement came true, with its 95% interval (Clopper-Pearson), beside the
    scale's number. With ``forecaster`` (one or several), each one's personal lexicon."""

    from tracker.read.records import records
    from tracker.scoring import honest

    f = flt.resolve(snap.proj, forecaster=forecaster, **kw)
    frame = _with_phrases(
        snap,
        f,
        [
            question_scores.c.forecaster_id,
            question_scores.c.p_yes,
            question_scores.c.outcome,
            forecasts.c.scale_version,
        ],
        question_scores.c.kind == "binary",
        forecasts.c.phrase.is_not(None),
    )
    if frame.empty:
        return []
    by = ["forecaster_id"] if f.forecaster is not None else []
    table = honest.phrase_calibration(frame, by, min_forecasts=min_forecasts)
    rows = records(table, parse_json=False)
    if by:
        names = _names(snap.proj, "forecaster")
        for r in rows:
            r["forecaster"] = names.get(str(r["forecaster_id"]))
    return rows


def scale_shift(snap: Snapshot, scale: str, min_scored: int = 5, **kw: Any) -> Row:
    """The leaderboard with every verbal forecast read under another scale (`tracker.scoring.rescale`): per
    forecaster both mean Briers and both ranks, and Kendall's tau between the rankings, with the scale's source."""

    from tracker.read.records import records
    from tracker.scoring import rescale

    if scale not in rescale.SCALES:
        raise UserError(f"{scale!r} is not a scale ({', '.join(rescale.SCALES)})", "scale")
    if isinstance(min_scored, bool) or not isinstance(min_scored, int) or min_scored < 0:
        raise UserError(f"{min_scored!r} is not a number of scored questions (0 or more)", "min_scored")
    other = rescale.load(scale)
    f = flt.resolve(snap.proj, **kw)
    columns = ("question_id", "forecaster_id", "kind", "brier", "outcome")
    frame = _with_phrases(snap, f, [question_scores.c[c] for c in columns])
    table, tau, n_ranked = rescale.ranking_shift(frame, other, min_scored)
    rows = records(table, parse_json=False)
    names = _names(snap.proj, "forecaster")
    for r in rows:
        r["name"] = names.get(str(r["forecaster_id"]))
    return {
        "scale": other.name,
        "title": other.title,
        "source": other.source,
        "licence": other.licence,
        "address": other.address,
        "retrieved": other.retrieved,
        "phrases_matched": len(other.numbers),
        "phrases_unmatched": list(other.unmatched),
        "forecasts_rescaled": int(table["n_rescaled"].sum()) if len(table) else 0,
        "ranked": n_ranked,
        "kendall_tau": _nan_none(tau),
        "rows": rows,
    }


def discrimination(
    snap: Snapshot, forecaster: str | None = None, bins: int = 10, edges: str = "left", **kw: Any
) -> list[Row]:
    """How the scored binary forecasts were spread, split by what happened (`metrics.discrimination_table`):
    per bin, the forecasts on questions that resolved YES and NO, and each side's share."""
    from tracker.read.records import records
    from tracker.scoring import metrics

    check_bins(bins)
    check_edges(edges)
    _, p, o = _calibration_groups(snap, forecaster, kw)[0]
    table = metrics.discrimination_table(p, o, bins, edges=edges)  # type: ignore[arg-type]
    rows = records(table, parse_json=False)
    for r in rows:
        r["mean_p_yes"] = _nan_none(float(table.attrs.get("mean_p_yes", float("nan"))))
        r["mean_p_no"] = _nan_none(float(table.attrs.get("mean_p_no", float("nan"))))
    return rows
