"""Proof that the stored scores are what the events give: `tracker verify`'s score check.

The last successful scoring run says how far it scored (``through_position``). The projections as they were
then (a replay of the log up to that position, or the live ones when nothing was appended since) are scored
again from scratch with `compute.score`, and the result is compared with the stored tables:

- ``forecast_scores``: one row per forecast;
- ``question_scores``: one row per scored (question, forecaster);
- ``score_history``: each forecaster's latest row, which is the leaderboard, against the aggregate of the
  recomputed ``question_scores``.

Floats are compared with the tolerance the scoring job uses to decide that a score changed (a full rescore and
the incremental runs that led to the stored rows may differ in the last bits). The first difference is named:
table, forecaster, question (or forecast) and column. A row edited in the database after scoring, a row added
or deleted, all show up; so does a scoring bug that makes incremental and full runs disagree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, create_engine, func, select

from tracker.projections.projector import replay
from tracker.store import eventstore as es
from tracker.store.schema import (
    PROJECTION_TABLES,
    forecast_scores,
    metadata,
    question_scores,
    score_history,
    scoring_runs,
)


@dataclass(frozen=True)
class ScoreAudit:
    """``run_id``/``through_position``: the run checked (None: no successful run yet). ``problem``: the first
    difference, or None when the stored scores equal a recomputation."""

    run_id: int | None
    through_position: int | None
    rows_checked: int
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def last_ok_run(conn: Connection) -> tuple[int, int] | None:
    run_id = conn.execute(select(func.max(scoring_runs.c.run_id)).where(scoring_runs.c.status == "ok")).scalar()
    if run_id is None:
        return None
    through = conn.execute(select(scoring_runs.c.through_position).where(scoring_runs.c.run_id == run_id)).scalar()
    return int(run_id), int(through or 0)


@contextmanager
def _projections_at(conn: Connection, position: int, live_ok: bool) -> Iterator[Connection]:
    """The projection tables as of ``position``: the live ones when they are known to be current (the log's
    head is ``position`` and they equal a replay), else a replay into memory."""
    head, _ = es.head(conn)
    if live_ok and head == position:
        yield conn
        return
    memory = create_engine("sqlite://")
    try:
        metadata.create_all(memory, tables=list(PROJECTION_TABLES))
        with memory.begin() as mconn:
            replay(mconn, es.read(conn, up_to=position))
            yield mconn
    finally:
        memory.dispose()


def audit_scores(conn: Connection, projections_current: bool = False) -> ScoreAudit:
    """Recompute the last successful run's scores from the events and compare them with the stored tables.

    ``projections_current``: the caller has just checked that the live projections equal a replay of the whole
    log (`Ledger.verify` does), so they can stand in for a replay when no event came after the run."""
    from tracker.scoring import compute
    from tracker.scoring.job import (
        FORECAST_SCORE_COLUMNS,
        HISTORY_COLUMNS,
        QUESTION_SCORE_COLUMNS,
        frame_rows,
        load_forecasts,
        load_questions,
        question_score_rows,
        question_scores_frame,
    )

    run = last_ok_run(conn)
    stored_f = _stored(conn, forecast_scores, FORECAST_SCORE_COLUMNS)
    stored_q = _stored(conn, question_scores, QUESTION_SCORE_COLUMNS)
    stored_h = _latest_history(conn)
    if run is None:
        if stored_f or stored_q or stored_h:
            return ScoreAudit(None, None, 0, "score tables hold rows but no scoring run succeeded")
        return ScoreAudit(None, None, 0, None)
    run_id, through = run

    with _projections_at(conn, through, projections_current) as pconn:
        qframe = load_questions(pconn)
        fframe = load_forecasts(pconn)
    result = compute.score(fframe, qframe)
    fresh_f = frame_rows(result.per_forecast, FORECAST_SCORE_COLUMNS)
    fresh_q = question_score_rows(result.per_question, run_id)
    for r in fresh_q:
        r.pop("run_id", None)
    fresh_h: dict[str, dict[str, Any]] = {}
    if fresh_q:
        agg = compute.aggregate(question_scores_frame([{**r, "run_id": run_id} for r in fresh_q]), "forecaster_id")
        for r in frame_rows(agg, ("forecaster_id", *HISTORY_COLUMNS)):
            fresh_h[r.pop("forecaster_id")] = r

    where = f"scoring run {run_id} (through position {through})"
    checked = len(fresh_f) + len(fresh_q) + len(fresh_h)
    problem = (
        _compare("forecast_scores", ("forecast_id",), stored_f, fresh_f, FORECAST_SCORE_COLUMNS, where)
        or _compare(
            "question_scores", ("question_id", "forecaster_id"), stored_q, fresh_q, QUESTION_SCORE_COLUMNS, where
        )
        or _compare_history(stored_h, fresh_h, HISTORY_COLUMNS, where)
    )
    return ScoreAudit(run_id, through, checked, problem)


@dataclass(frozen=True)
class RunsAudit:
    """Every successful run checked against a recomputation from the events it scored. ``unproven``: runs of
    another (or an unrecorded) version of the scoring formulas whose figures differ from today's recomputation:
    they cannot be told from an edit, and read commands say so. ``problem``: the first difference in a run of this
    version, or a run row that contradicts the others."""

    runs_checked: int
    rows_checked: int
    unproven: tuple[int, ...]
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def audit_runs(conn: Connection) -> RunsAudit:
    """Replay the log run by run and score each successful run again, as the job did: what it rescored, the
    forecasters' aggregates as of it (the leaderboard `--run N` and `--as-of` show, from ``score_history``), and
    its row in ``scoring_runs`` (positions, questions rescored, the summary of what changed)."""
    import json

    from tracker.scoring import SCORING_VERSION, compute
    from tracker.scoring.job import (
        HISTORY_COLUMNS,
        OK,
        SUMMARY_LIMIT,
        aggregate_forecasters,
        as_rows,
        differences,
        load_forecasts,
        load_questions,
        question_score_columns,
        question_scores_frame,
        touched_questions,
    )

    head, _ = es.head(conn)
    ok_runs = select(scoring_runs.c.run_id).where(scoring_runs.c.status == OK)
    orphan = conn.execute(
        select(score_history.c.run_id, score_history.c.forecaster_id)
        .where(score_history.c.run_id.not_in(ok_runs))
        .order_by(score_history.c.run_id, score_history.c.forecaster_id)
        .limit(1)
    ).first()
    if orphan is not None:
        return RunsAudit(
            0,
            0,
            (),
            f"score_history: a row for forecaster {orphan[1]!r} of run {orphan[0]}, which is not a "
            "successful scoring run",
        )
    history: dict[int, dict[str, dict[str, Any]]] = {}
    for h in conn.execute(select(score_history).order_by(score_history.c.run_id)).mappings():
        history.setdefault(int(h["run_id"]), {})[h["forecaster_id"]] = dict(h)
    runs = conn.execute(select(scoring_runs).where(scoring_runs.c.status == OK).order_by(scoring_runs.c.run_id))

    unproven: list[int] = []
    by_forecaster: dict[str, dict[str, dict[str, Any]]] = {}  # the recomputed question_scores rows, as of the run
    by_question: dict[str, list[dict[str, Any]]] = {}
    stored_latest: dict[str, dict[str, Any]] = {}
    checked_runs = checked_rows = 0
    previous_through = replayed = 0
    memory = create_engine("sqlite://")
    try:
        metadata.create_all(memory, tables=list(PROJECTION_TABLES))
        with memory.begin() as mconn:
            for run in runs.mappings().all():
                run_id, through, previous = run["run_id"], run["through_position"], run["previous_position"]
                where = f"scoring run {run_id} (through position {through})"
                bad = _run_row_problem(run, head, previous_through)
                if bad is not None:
                    return RunsAudit(checked_runs, checked_rows, tuple(unproven), f"scoring_runs: run {run_id}: {bad}")
                replay(mconn, es.read(conn, after=replayed, up_to=through))
                replayed = previous_through = through
                ids = None if run["full"] else touched_questions(conn, previous, through)
                qframe, fframe = load_questions(mconn, ids), load_forecasts(mconn, ids)
                result = compute.score(fframe, qframe)
                loaded = qframe["question_id"].astype(str).tolist()
                new = question_score_columns(result.per_question)
                old_rows = [r for q in loaded for r in by_question.get(q, ())]
                old = {c: [r[c] for r in old_rows] for c in new}
                added, removed, n_changed = differences(old, new)
                affected = {r["forecaster_id"] for r in old_rows} | set(new["forecaster_id"])
                if run["full"]:
                    affected |= {f for f, rows in by_forecaster.items() if rows}
                for r in old_rows:
                    by_forecaster[r["forecaster_id"]].pop(r["question_id"], None)
                for q in loaded:
                    by_question.pop(q, None)
                for r in as_rows(new):
                    by_question.setdefault(r["question_id"], []).append(r)
                    by_forecaster.setdefault(r["forecaster_id"], {})[r["question_id"]] = r
                written = history.get(run_id, {})
                stored_latest.update(written)
                who = sorted(affected | set(written))
                rows = [r for f in who for r in by_forecaster.get(f, {}).values()]
                aggregates = aggregate_forecasters(question_scores_frame(rows), who)
                fresh = {f: a for f, a in aggregates.items() if a["n_scored"] or f in stored_latest}
                stored = {f: stored_latest[f] for f in who if f in stored_latest}
                statuses = result.per_forecast["status"].astype(str).value_counts().to_dict()
                summary = json.loads(run["changed"] or "{}")
                problem = _compare_history(stored, fresh, HISTORY_COLUMNS, where) or _summary_problem(
                    summary,
                    run["questions_rescored"],
                    {
                        "questions rescored": len(loaded),
                        "scores_added": added,
                        "scores_removed": removed,
                        "scores_changed": n_changed,
                        "forecasters_changed": len(written),
                        "forecasters": sorted(written)[:SUMMARY_LIMIT],
                        "forecasts": {str(k): int(v) for k, v in sorted(statuses.items())},
                    },
                    where,
                )
                checked_runs += 1
                checked_rows += len(written)
                if problem is not None:
                    if run["scoring_version"] == SCORING_VERSION:
                        return RunsAudit(checked_runs, checked_rows, tuple(unproven), problem)
                    unproven.append(run_id)
            mconn.rollback()
    finally:
        memory.dispose()
    return RunsAudit(checked_runs, checked_rows, tuple(unproven), None)


def _run_row_problem(run: Any, head: int, previous_through: int) -> str | None:
    """What a successful run's own row contradicts: the log's head, the run before it, its own times."""
    through, previous = run["through_position"], run["previous_position"]
    if through is None or previous is None:
        return "a successful run without its positions"
    if through > head:
        return f"scored through position {through}, beyond the log's head ({head})"
    if previous not in (previous_through, 0):
        # 0: a migration that makes the next run rescore everything sets the checkpoint back to the start
        return f"starts from position {previous}, but the run before it scored through {previous_through}"
    if through < previous or (through == previous and not run["full"]):
        # (the job records no run that found nothing new; a full run may rescore an unchanged log)
        return f"scored through position {through} from position {previous}: no new event, and not a full run"
    if run["finished_at"] is None or run["finished_at"] < run["started_at"]:
        return "finished before it started"
    return None


def _summary_problem(summary: dict[str, Any], rescored: Any, fresh: dict[str, Any], where: str) -> str | None:
    """The run's record of what it did against what a recomputation says it did."""
    if rescored != fresh["questions rescored"]:
        return (
            f"scoring_runs: questions_rescored: stored {rescored!r}, recomputed from the events "
            f"{fresh['questions rescored']!r} ({where})"
        )
    for key in ("scores_added", "scores_removed", "scores_changed", "forecasters_changed", "forecasters",
                "forecasts"):  # fmt: skip
        if summary.get(key) != fresh[key]:
            return (
                f"scoring_runs: changed.{key}: stored {summary.get(key)!r}, recomputed from the events "
                f"{fresh[key]!r} ({where})"
            )
    return None


def _stored(conn: Connection, table: Any, columns: Sequence[str]) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(*(table.c[c] for c in columns))).mappings()]


def _latest_history(conn: Connection) -> dict[str, dict[str, Any]]:
    from tracker.scoring.job import latest_history

    return {fid: row for fid, row in latest_history(conn, None).items()}


def _same(a: Any, b: Any) -> bool:
    from tracker.scoring.job import same_score

    return same_score(a, b)


def _describe(key_names: Sequence[str], key: tuple[Any, ...]) -> str:
    return ", ".join(f"{n.removesuffix('_id')} {v!r}" for n, v in zip(key_names, key, strict=True))


def _compare(
    table: str,
    key_names: Sequence[str],
    stored: list[dict[str, Any]],
    fresh: list[dict[str, Any]],
    columns: Sequence[str],
    where: str,
) -> str | None:
    by_key = {tuple(r[k] for k in key_names): r for r in stored}
    fresh_keys = set()
    for row in sorted(fresh, key=lambda r: tuple(str(r[k]) for k in key_names)):
        key = tuple(row[k] for k in key_names)
        fresh_keys.add(key)
        old = by_key.get(key)
        if old is None:
            return f"{table}: no stored row for {_describe(key_names, key)}, which {where} scores"
        for col in columns:
            if not _same(old[col], row[col]):
                return (
                    f"{table}: {_describe(key_names, key)}, column {col!r}: stored {old[col]!r}, "
                    f"recomputed from the events {row[col]!r} ({where})"
                )
    extra = sorted((k for k in by_key if k not in fresh_keys), key=str)
    if extra:
        return f"{table}: a row for {_describe(key_names, extra[0])} that {where} does not give"
    return None


def _compare_history(
    stored: dict[str, dict[str, Any]], fresh: dict[str, dict[str, Any]], columns: Sequence[str], where: str
) -> str | None:
    for fid in sorted(set(stored) | set(fresh)):
        old, new = stored.get(fid), fresh.get(fid)
        if new is None:
            if old is not None and old["n_scored"]:
                return (
                    f"score_history: forecaster {fid!r} has a score ({old['n_scored']} scored) that {where} "
                    "does not give"
                )
            continue
        if old is None:
            return f"score_history: no row for forecaster {fid!r}, whom {where} scores"
        for col in columns:
            if not _same(old[col], new[col]):
                return (
                    f"score_history: forecaster {fid!r}, column {col!r}: stored {old[col]!r}, "
                    f"recomputed from the events {new[col]!r} ({where})"
                )
    return None
