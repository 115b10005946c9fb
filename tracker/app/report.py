"""The review page: one self-contained HTML file (inline CSS, figures as base64 data URIs, no scripts, nothing
fetched) with the leaderboard, calibration, each forecaster's track record, the due questions, the hindsight-
flagged forecasts, and the ledger's head hash with the time it was verified.

Every piece of text that comes from the ledger is escaped with `html.escape`; links are kept only for http(s)
URLs. `build_report` returns the HTML and a summary; `write_report` writes it atomically.
"""

from __future__ import annotations

import html
import json
import math
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker import __version__
from tracker.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from tracker.app.ledger import Ledger
    from tracker.read.snapshot import Snapshot

MAX_SIDE_BY_SIDE = 3  # forecasters drawn beside "everyone" in the calibration figure
MIN_BINARY_FOR_PANEL = 3


def esc(value: Any) -> str:
    """Text for HTML: escaped, and an en dash for missing values."""
    if value is None or _nan(value):
        return "–"
    return html.escape(str(value), quote=True)


def _nan(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def num(value: Any, digits: int = 3) -> str:
    if value is None or _nan(value):
        return "–"
    v = float(value)
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    text = f"{v:.{digits}f}"
    if float(text) == 0:
        text = f"{0:.{digits}f}"  # no "-0.000" for float noise around zero
    return text.replace("-", "−")


def interval(low: Any, high: Any) -> str:
    if low is None or high is None or _nan(low) or _nan(high):
        return "–"
    return f"{num(low)}–{num(high)}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def day(value: Any) -> str:
    if value is None or _nan(value):
        return "–"
    return esc(value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)[:10])


def link(url: Any, text: str) -> str:
    """An anchor for http(s) URLs only (no javascript: or data: links from the data); else the text alone."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return f'<a href="{html.escape(url, quote=True)}" rel="noopener noreferrer">{text}</a>'
    return text


def probability_text(p_yes: Any, probabilities: Any) -> str:
    if p_yes is not None and not _nan(p_yes):
        return num(p_yes, 2)
    try:
        dist = json.loads(str(probabilities))
    except (TypeError, ValueError):
        return "–"
    return ", ".join(f"{esc(k)}={num(v, 2)}" for k, v in dist.items())


CSS = """
:root { --ink: #1b1f24; --muted: #5b6470; --line: #d8dde3; --accent: #1f5fa8; --bad: #b3261e; --good: #1e7b34;
        --bg-soft: #f4f6f8; }
* { box-sizing: border-box; }
body { font: 15px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1180px; padding: 24px 28px 64px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 26px 0 6px; }
p.lede, .muted { color: var(--muted); }
nav { margin: 14px 0 0; font-size: 14px; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 4px; font-size: 13.5px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.d { white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
blockquote { margin: 0; padding: 0 0 0 10px; border-left: 3px solid var(--line); color: #333; font-style: italic; }
.box { padding: 12px 16px; border-radius: 6px; margin: 14px 0; border: 1px solid var(--line);
       background: var(--bg-soft); }
.box.ok { border-color: #b7dcc0; background: #eef8f0; }
.box.fail { border-color: #e6b3ae; background: #fdf0ef; }
.box.warn { border-color: #ecd49a; background: #fdf8e8; }
.ok-word { color: var(--good); font-weight: 700; }
.fail-word { color: var(--bad); font-weight: 700; }
code, .hash { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px;
              word-break: break-all; }
.outcome-yes { color: var(--good); font-weight: 600; }
.outcome-no { color: var(--bad); font-weight: 600; }
figure { margin: 10px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 13px; }
footer { margin-top: 48px; color: var(--muted); font-size: 12.5px; }
"""


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
    from tracker.app import plots
    from tracker.store.db import describe_url

    verification = ledger.verify()
    verified_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    with ledger.snapshot(as_of, run) as snap:
        board = _frame(ledger, snap, "leaderboard")
        people = _frame(ledger, snap, "forecasters")
        scores = _frame(ledger, snap, "scores")
        forecasts = _frame(ledger, snap, "forecasts")
        questions = _frame(ledger, snap, "questions")
        sources = _frame(ledger, snap, "sources")
        due = _frame(ledger, snap, "due")
        pooled = _frame(ledger, snap, "calibration")
        qscores = _frame(ledger, snap, "question_scores")
        binary_counts = qscores[qscores["kind"] == "binary"]["forecaster_id"].astype(str).value_counts()
        panel_ids = [str(f) for f, n in binary_counts.items() if n >= MIN_BINARY_FOR_PANEL][:MAX_SIDE_BY_SIDE]
        per = _frame(ledger, snap, "calibration", forecaster=panel_ids) if panel_ids else None
        meta = snap.meta()
        run = snap.run
    names = dict(zip(people["forecaster_id"].astype(str), people["name"].astype(str), strict=True))

    figures = [("Everyone", plots.png_data_uri(plots.calibration_figure(pooled, names)))]
    if per is not None:
        figures.append(
            (
                "The forecasters with the most scored binary forecasts, side by side",
                plots.png_data_uri(plots.calibration_figure(per, names, "Calibration, side by side")),
            )
        )

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

    q_title = dict(zip(questions["question_id"].astype(str), questions["title"].astype(str), strict=True))
    src = {str(r.source_id): r for r in sources.itertuples(index=False)}
    fc = {str(r.forecast_id): r for r in forecasts.itertuples(index=False)}

    parts: list[str] = []
    add = parts.append
    add("<!doctype html>")
    add('<html lang="en"><head><meta charset="utf-8">')
    add('<meta name="viewport" content="width=device-width, initial-scale=1">')
    add(f"<title>{esc(title)}</title><style>{CSS}</style></head><body>")
    add(f"<header><h1>{esc(title)}</h1>")
    as_of_text = ""
    if meta["as_of"]:
        point = meta["as_of"]
        as_of_text = " as of " + (
            f"position {point['position']}" if point["position"] is not None else esc(point["recorded_until"])
        )
    add(
        f'<p class="lede">{plural(len(board), "forecaster")} scored, {plural(summary.scored, "scored forecast")}, '
        f"{plural(summary.due, 'question')} due, {plural(summary.hindsight, 'hindsight-flagged forecast')}"
        f"{as_of_text}. Database "
        f"<code>{esc(describe_url(ledger.url))}</code>.</p>"
    )
    add(
        '<nav><a href="#integrity">Integrity</a><a href="#leaderboard">Leaderboard</a>'
        '<a href="#calibration">Calibration</a><a href="#track-records">Track records</a>'
        '<a href="#due">Due questions</a><a href="#hindsight">Hindsight</a></nav></header>'
    )

    # integrity
    add('<section id="integrity"><h2>Integrity</h2>')
    if verification["ok"]:
        add(
            f'<div class="box ok" id="verification"><span class="ok-word">Verified</span> at {esc(verified_at)}: '
            f"{verification['events_checked']} events, the hash chain is intact from genesis and the projections "
            "equal a fresh replay of the log.</div>"
        )
    else:
        where = verification.get("first_bad_position")
        add(
            f'<div class="box fail" id="verification"><span class="fail-word">Verification FAILED</span> at '
            f"{esc(verified_at)}" + (f" (first bad position {esc(where)})" if where else "") + f": "
            f"{esc(verification.get('problem'))}. Do not trust this page's figures.</div>"
        )
    add("<table><tbody>")
    add(
        f'<tr><th>Ledger head</th><td>position {summary.head_position}, hash <span class="hash" id="head-hash">'
        f"{esc(summary.head_hash)}</span></td></tr>"
    )
    if meta["as_of"]:
        add(
            f"<tr><th>Verified chain head</th><td>position {esc(verification['head_position'])}, hash "
            f'<span class="hash">{esc(verification["head_hash"])}</span> (this page is as of an earlier point '
            "of the same chain)</td></tr>"
        )
    scores_line = (
        f"scoring run {run.run_id}, through position {run.through_position}, finished "
        f"{esc(run.finished_at.strftime('%Y-%m-%d %H:%M UTC'))}"
        if run and run.finished_at
        else "no scoring run yet: run <code>tracker score</code>"
    )
    add(f"<tr><th>Scores</th><td>{scores_line}</td></tr>")
    add(f"<tr><th>Verified at</th><td>{esc(verified_at)}</td></tr></tbody></table>")
    if run is not None and run.through_position < summary.head_position:
        add(
            f'<div class="box warn">Events after position {run.through_position} are not scored yet: run '
            "<code>tracker score</code> to bring the scores up to the head.</div>"
        )
    add("</section>")

    # leaderboard
    add('<section id="leaderboard"><h2>Leaderboard</h2>')
    add(
        '<p class="muted">Best first by mean Brier (binary (p − o)², 0 is perfect, 0.25 is always saying 50%). '
        "Time-averaged Brier scores the standing forecast every day until resolution; relative Brier is that "
        "minus the crowd's (the daily median forecast), negative beats the crowd. The verbal range is the mean "
        "Brier as each verbal forecast moves within its phrase's interval.</p>"
    )
    add('<table id="leaderboard-table"><thead><tr><th class="n">#</th><th>Forecaster</th><th class="n">Scored</th>')
    add(
        '<th class="n">Mean Brier</th><th class="n">Two-category</th><th class="n">Time-avg</th>'
        '<th class="n">vs crowd</th><th class="n">Log score</th><th class="n">Skill vs 0.5</th>'
        '<th class="n">Verbal range</th></tr></thead><tbody>'
    )
    for r in board.itertuples(index=False):
        fid = str(r.forecaster_id)
        add(
            f'<tr data-forecaster="{esc(fid)}"><td class="n">{r.rank}</td>'
            f'<td><a href="#f-{esc(fid)}">{esc(r.name)}</a></td><td class="n">{r.n_scored}</td>'
            f'<td class="n">{num(r.mean_brier)}</td><td class="n">{num(r.mean_brier_two_category)}</td>'
            f'<td class="n">{num(r.mean_time_avg_brier)}</td><td class="n">{num(r.mean_relative_brier)}</td>'
            f'<td class="n">{num(r.mean_log_score)}</td><td class="n">{num(r.bss_vs_half)}</td>'
            f'<td class="n">{interval(r.mean_brier_best, r.mean_brier_worst)}</td></tr>'
        )
    add("</tbody></table>")
    if board.empty:
        add('<p class="muted">Nothing scored yet.</p>')
    add("</section>")

    # calibration
    add('<section id="calibration"><h2>Calibration</h2>')
    add(
        '<p class="muted">Scored binary forecasts by P(YES) (not folded at 50%): in a calibrated record the dots '
        "sit on the diagonal. Bars are 95% Wilson intervals; the histogram beneath counts the forecasts.</p>"
    )
    for caption, uri in figures:
        add(f'<figure><img alt="{esc(caption)}" src="{uri}"><figcaption>{esc(caption)}</figcaption></figure>')
    add('<table id="calibration-table"><thead><tr><th>Bin</th><th class="n">Forecasts</th>')
    add('<th class="n">Mean forecast</th><th class="n">Observed</th><th class="n">95% interval</th></tr></thead>')
    add("<tbody>")
    for r in pooled.itertuples(index=False):
        add(
            f'<tr><td>{esc(r.bin)}</td><td class="n">{r.count}</td><td class="n">{num(r.mean_forecast)}</td>'
            f'<td class="n">{num(r.observed_frequency)}</td>'
            f'<td class="n">{interval(r.wilson_low, r.wilson_high)}</td></tr>'
        )
    add("</tbody></table></section>")

    # track records
    add('<section id="track-records"><h2>Track records</h2>')
    add(
        '<p class="muted">Every scored forecast: per question, the forecaster\'s latest forecast made before the '
        "outcome was known.</p>"
    )
    status_counts: dict[tuple[str, str], int] = {}
    for f_id, st in zip(scores["forecaster_id"].astype(str), scores["status"].astype(str), strict=True):
        status_counts[(f_id, st)] = status_counts.get((f_id, st), 0) + 1
    for r in board.itertuples(index=False):
        fid = str(r.forecaster_id)
        mine = scores[(scores["forecaster_id"].astype(str) == fid) & (scores["status"] == "scored")]
        mine = mine.sort_values(["known_on", "question_id"], kind="stable")
        others = {st: n for (f_id, st), n in status_counts.items() if f_id == fid and st != "scored"}
        add(f'<article id="f-{esc(fid)}"><h3>{esc(r.name)}</h3>')
        extra = "; ".join(f"{n} {esc(s)}" for s, n in sorted(others.items()))
        add(
            f'<p class="muted">{r.n_scored} scored, mean Brier {num(r.mean_brier)}'
            + (f"; also {extra}" if extra else "")
            + "</p>"
        )
        add('<table class="track"><thead><tr><th>Question</th><th>Made</th><th class="n">P(YES)</th>')
        add('<th>How</th><th>Quote</th><th>Source</th><th>Outcome</th><th class="n">Brier</th></tr></thead><tbody>')
        for s in mine.itertuples(index=False):
            f = fc.get(str(s.forecast_id))
            qid = str(s.question_id)
            how = "–"
            quote = "–"
            prob = num(s.p_yes, 2)
            if f is not None:
                prob = probability_text(f.p_yes, f.probabilities)
                how = esc(f.method)
                if not _nan(f.phrase) and f.phrase is not None:
                    how += f" “{esc(f.phrase)}”"
                if not _nan(f.quote) and f.quote is not None:
                    quote = f"<blockquote>{esc(f.quote)}</blockquote>"
            source = "–"
            if not _nan(s.source_id) and s.source_id is not None:
                so = src.get(str(s.source_id))
                if so is not None:
                    source = link(so.url, esc(so.title)) + (
                        f'<br><span class="muted">{esc(so.outlet)}</span>' if not _nan(so.outlet) else ""
                    )
                else:
                    source = esc(s.source_id)
            outcome = esc(s.outcome)
            cls = f"outcome-{outcome}" if outcome in ("yes", "no") else ""
            add(
                f"<tr><td>{esc(q_title.get(qid, qid))}<br><code>{esc(qid)}</code></td>"
                f'<td class="d">{day(s.made_at)}</td><td class="n">{prob}</td><td>{how}</td><td>{quote}</td>'
                f'<td>{source}</td><td class="d"><span class="{cls}">{outcome}</span><br>'
                f'<span class="muted">{day(s.known_on)}</span></td>'
                f'<td class="n">{num(s.brier)}</td></tr>'
            )
        add("</tbody></table></article>")
    add("</section>")

    # due
    add('<section id="due"><h2>Due questions</h2>')
    if due.empty:
        add('<p class="muted">None: every question past its resolve-by date has been resolved or annulled.</p>')
    else:
        add('<p class="muted">Open questions past their resolve-by date: they need a resolution.</p>')
        add('<table id="due-table"><thead><tr><th>Question</th><th>Resolve by</th><th class="n">Days overdue</th>')
        add('<th class="n">Forecasts</th></tr></thead><tbody>')
        for r in due.itertuples(index=False):
            add(
                f"<tr><td>{esc(r.title)}<br><code>{esc(r.question_id)}</code></td>"
                f'<td class="d">{day(r.resolve_by)}</td><td class="n">{r.days_overdue}</td>'
                f'<td class="n">{r.n_forecasts}</td></tr>'
            )
        add("</tbody></table>")
    add("</section>")

    # hindsight
    add('<section id="hindsight"><h2>Hindsight-flagged forecasts</h2>')
    flagged = scores[scores["status"] == "hindsight"]
    if flagged.empty:
        add('<p class="muted">None.</p>')
    else:
        add(
            '<p class="muted">Made on or after the day the outcome became known: never scored, listed so that '
            "nobody mistakes them for calls made in advance.</p>"
        )
        add('<table id="hindsight-table"><thead><tr><th>Forecaster</th><th>Question</th><th>Made</th>')
        add('<th>Outcome known</th><th class="n">P(YES)</th><th>Quote</th><th>Source</th></tr></thead><tbody>')
        for s in flagged.itertuples(index=False):
            f = fc.get(str(s.forecast_id))
            so = src.get(str(s.source_id)) if not _nan(s.source_id) and s.source_id is not None else None
            quote = f"<blockquote>{esc(f.quote)}</blockquote>" if f is not None and not _nan(f.quote) else "–"
            prob = probability_text(f.p_yes, f.probabilities) if f is not None else "–"
            fid = str(s.forecaster_id)
            add(
                f"<tr><td>{esc(names.get(fid, fid))}</td><td>{esc(q_title.get(str(s.question_id), s.question_id))}"
                f'</td><td class="d">{day(s.made_at)}</td><td class="d">{day(s.known_on)} ({esc(s.outcome)})</td>'
                f'<td class="n">{prob}</td><td>{quote}</td>'
                f"<td>{link(so.url, esc(so.title)) if so is not None else esc(s.source_id)}</td></tr>"
            )
        add("</tbody></table>")
    add("</section>")

    add(
        f"<footer>Generated {esc(datetime.now(UTC).strftime('%Y-%m-%d %H:%M:%S UTC'))} by forecast-tracker "
        f"{esc(__version__)}. This page is self-contained: it needs no network connection. Head "
        f'<span class="hash">{summary.head_position}:{esc(summary.head_hash)}</span>.</footer>'
    )
    add("</body></html>")
    return "\n".join(parts) + "\n", summary


def write_report(ledger: Ledger, out: str | os.PathLike[str], as_of: Any = None, run: Any = None) -> ReportSummary:
    """Build the page and write it to ``out`` (through a temporary file; an unwritable path is a UserError)."""
    path = Path(out)
    if path.is_dir():
        raise UserError(f"{str(path)!r} is a directory", "out")
    parent = path.parent if str(path.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise UserError(f"{str(parent)!r} is not a directory", "out")
    if not parent.is_dir():
        raise UserError(f"directory {str(parent)!r} does not exist", "out")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write in {str(parent)!r}: permission denied", "out")
    text, summary = build_report(ledger, as_of, run=run)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        raise UserError(f"cannot write {str(path)!r}: {e.strerror or e}", "out") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return summary
