"""The review page: one self-contained HTML file (inline CSS, figures as base64 data URIs, no scripts, nothing
fetched) with the leaderboard, calibration, each forecaster's track record, the due questions, the hindsight-
flagged forecasts, and the ledger's head hash with the time it was verified.

It is rendered from the templates the static site uses (tracker/templates, Jinja2 with autoescape: see
`tracker.app.templating`), with its style sheet inlined; links are kept only for http(s) URLs. `build_report`
returns the HTML and a summary; `write_report` writes it atomically.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker import __version__
from tracker.app import outfiles
from tracker.app import templating as t
from tracker.domain import timepoints

if TYPE_CHECKING:
    import pandas as pd

    from tracker.app.ledger import Ledger
    from tracker.read.snapshot import Snapshot

MAX_SIDE_BY_SIDE = 3  # forecasters drawn beside "everyone" in the calibration figure
MIN_BINARY_FOR_PANEL = 3


@dataclass
class ReportSummary:
    """What went into the page (for the CLI's message and for tests)."""

    head_position: int
    head_hash: str
    verified_at: str
    verified_ok: bool
    verification: dict[str, Any]
    forecasters: list[str] = field(default_factory=list)
    scored: int = 0
    due: int = 0
    hindsight: int = 0
    as_of: dict[str, Any] | None = None
    scores_run_id: int | None = None


def _frame(ledger: Ledger, snap: Snapshot, table: str, **kw: Any) -> pd.DataFrame:
    return ledger.table(snap, table, **kw).frame()


def build_report(
    ledger: Ledger, as_of: Any = None, title: str = "Forecast review", run: Any = None
) -> tuple[str, ReportSummary]:
    """The review page as HTML and a summary. Runs `Ledger.verify` (the whole chain and the projections)."""
    from tracker.app.site import INDEX_MIN_SCORED, extra_columns, with_interval

    verification = ledger.verify()
    verified_at = timepoints.utc_now().strftime("%Y-%m-%d %H:%M:%S UTC")
    with ledger.snapshot(as_of, run) as snap:
        board = with_interval(_frame(ledger, snap, "leaderboard"))
        people = _frame(ledger, snap, "forecasters")
        scores = _frame(ledger, snap, "scores")
        forecasts = _frame(ledger, snap, "forecasts")
        questions = _frame(ledger, snap, "questions")
        sources = _frame(ledger, snap, "sources")
        due = _frame(ledger, snap, "due")
        hindsight = _frame(ledger, snap, "hindsight")
        pooled = _frame(ledger, snap, "calibration")
        qscores = _frame(ledger, snap, "question_scores")
        from tracker.read import scores as read_scores

        pairs = read_scores.compare_all_reader(snap)
        phrases = [r for r in read_scores.phrases_observed(snap) if r["reading"] == "all"]
        binary_counts = qscores[qscores["kind"] == "binary"]["forecaster_id"].astype(str).value_counts()
        panel_ids = [str(f) for f, n in binary_counts.items() if n >= MIN_BINARY_FOR_PANEL][:MAX_SIDE_BY_SIDE]
        per = _frame(ledger, snap, "calibration", forecaster=panel_ids) if panel_ids else None
        meta = snap.meta()
        run = snap.run
    names = dict(zip(people["forecaster_id"].astype(str), people["name"].astype(str), strict=True))

    figures = _calibration_figures(pooled, per, names)

    summary = ReportSummary(
        head_position=int(meta["head_position"]),
        head_hash=str(meta["head_hash"]),
        verified_at=verified_at,
        verified_ok=bool(verification["ok"]),
        verification=verification,
        forecasters=[str(f) for f in board["forecaster_id"]],
        scored=int((scores["status"] == "scored").sum()),
        due=len(due),
        hindsight=int((scores["status"] == "hindsight").sum()),
        as_of=meta["as_of"],
        scores_run_id=meta["scores_run_id"],
    )

    q_rows = t.records(questions)
    q_title = {str(q["question_id"]): str(q["title"]) for q in q_rows}
    src = {str(s["source_id"]): s for s in t.records(sources)}
    scored = scores[scores["status"] == "scored"].sort_values(["known_on", "question_id"], kind="stable")
    scored_ids = scored["forecast_id"].astype(str).tolist()
    rows = {
        str(f["forecast_id"]): f
        for f in t.forecast_rows(forecasts[forecasts["forecast_id"].isin(scored_ids)], scores, q_title, src)
    }
    status_counts: dict[str, dict[str, int]] = {}
    for f_id, st in zip(scores["forecaster_id"].astype(str), scores["status"].astype(str), strict=True):
        if st != "scored":
            mine = status_counts.setdefault(f_id, {})
            mine[st] = mine.get(st, 0) + 1
    by_forecaster: dict[str, list[dict[str, Any]]] = {}
    for fid, forecast_id in zip(scored["forecaster_id"].astype(str), scored_ids, strict=True):
        by_forecaster.setdefault(fid, []).append(rows[forecast_id])
    board_rows = t.records(board)
    records = [
        {
            "forecaster_id": str(r["forecaster_id"]),
            "name": r["name"],
            "n_scored": r["n_scored"],
            "mean_brier": r["mean_brier"],
            "others": "; ".join(f"{n} {s}" for s, n in sorted(status_counts.get(str(r["forecaster_id"]), {}).items())),
            "rows": by_forecaster.get(str(r["forecaster_id"]), []),
        }
        for r in board_rows
    ]
    due_rows = _due_rows(q_rows, due)
    h_rows = t.hindsight_rows(hindsight)

    as_of_text = ""
    if meta["as_of"]:
        point = meta["as_of"]
        as_of_text = " as of " + (
            f"position {point['position']}" if point["position"] is not None else str(point["recorded_until"])
        )
    lede = (
        f"{t.plural(len(board), 'forecaster')} scored, {t.plural(summary.scored, 'scored forecast')}, "
        f"{t.plural(summary.due, 'question')} due, {t.plural(summary.hindsight, 'hindsight-flagged forecast')}"
        f"{as_of_text}. Database {ledger.database}."
    )
    env = t.environment()
    env.globals.update(q_url=None, f_url=None, s_url=None, tag_url=None, outlet_url=None, site_title=title)
    text = env.get_template("report.html.j2").render(
        root="",
        inline_css=True,
        css=t.Markup(t.stylesheet()),
        page_title=title,
        heading=title,
        lede=lede,
        verification=verification | {"verified_at": verified_at},
        summary={
            "head_position": summary.head_position,
            "head_hash": summary.head_hash,
            "as_of": meta["as_of"],
            "verification": verification,
            "run": run,
            "verified_at": verified_at,
        },
        board=[r for r in board_rows if r.get("rank") is not None],
        board_total=len(board_rows),
        min_scored=INDEX_MIN_SCORED,
        pairs=pairs,
        phrases=phrases,
        extra=extra_columns(board),
        forecaster_link=lambda fid: f"#f-{fid}",
        figures=figures,
        calibration=t.records(pooled),
        records=records,
        due=due_rows,
        hindsight=h_rows,
        footer=(
            f"Generated {timepoints.utc_now().strftime('%Y-%m-%d %H:%M:%S UTC')} by forecast-tracker {__version__}. "
            f"This page is self-contained: it needs no network connection. Head "
            f"{summary.head_position}:{summary.head_hash}."
        ),
    )
    return text, summary


def _calibration_figures(pooled: pd.DataFrame, per: pd.DataFrame | None, names: dict[str, str]) -> list[dict[str, str]]:
    """The report's calibration figures: everyone pooled, then the forecasters with the most scored binary forecasts
    side by side (``per``, when there are any)."""
    from tracker.app import plots

    figures = [
        {
            "caption": "Everyone",
            "alt": t.clean(_calibration_alt(pooled, "everyone")),
            "src": plots.png_data_uri(plots.calibration_figure(pooled, names)),
        }
    ]
    if per is not None:
        figures.append(
            {
                "caption": "The forecasters with the most scored binary forecasts, side by side",
                "alt": " ".join(
                    _calibration_alt(g, names.get(str(k), str(k)))
                    for k, g in per.groupby(per["forecaster_id"].astype(str), observed=True, sort=False)
                ),
                "src": plots.png_data_uri(plots.calibration_figure(per, names, "Calibration, side by side")),
            }
        )
    return figures


def _due_rows(q_rows: list[dict[str, Any]], due: pd.DataFrame) -> list[dict[str, Any]]:
    """The questions past their resolve-by date, most overdue first."""
    due_ids = {str(d["question_id"]): d["days_overdue"] for d in t.records(due)}
    due_rows = []
    for q in q_rows:
        if str(q["question_id"]) in due_ids:
            q["tags"] = t.tags_of(q["tags"])
            q["days_overdue"] = due_ids[str(q["question_id"])]
            due_rows.append(q)
    due_rows.sort(key=lambda q: (-int(q["days_overdue"] or 0), str(q["question_id"])))
    return due_rows


def _calibration_alt(rows: pd.DataFrame, who: str) -> str:
    from tracker.app.charts import calibration_alt

    return calibration_alt(t.records(rows), who)


def write_report(
    ledger: Ledger, out: str | os.PathLike[str], as_of: Any = None, run: Any = None, *, force: bool = False
) -> ReportSummary:
    """Build the page and write it to ``out`` (through a temporary file; an unwritable path, or a file already
    there without ``force``, is a UserError)."""
    path = Path(out)
    outfiles.check_file_target(path, overwrite=force)
    text, summary = build_report(ledger, as_of, run=run)
    outfiles.write_text(path, text, overwrite=force)
    return summary
