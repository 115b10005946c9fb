"""`tracker site`: the ledger as a static site, one page per forecaster, question and source, with the leaderboard
(and one per tag and per outlet), the open and due questions, the hindsight-flagged forecasts, an integrity page
and a client-side search over an index the site ships. No page fetches anything from the network; every link is
relative, so the folder works from ``file://`` and from any static host.

The pages are the same for the same ledger and point (``as_of`` / ``run``), byte for byte: the verification says
which head it checked and when that event was recorded, not when the site was built. The build reads each table
once and groups it in memory, and draws its figures as SVG from templates, so its time grows linearly with the
ledger; long lists are split into pages of ``page_rows`` rows and the index shows the top ``top`` forecasters.
The site is written into a hidden build folder inside ``out`` and its files are moved into place at the end; the
folder keeps a manifest of the site's files, and a build never touches a file it did not write
(`tracker.app.sitefolder`).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import operator
import os
import shutil
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from tracker import __version__, collector
from tracker.app import charts, outfiles, sitefolder
from tracker.app import templating as t
from tracker.app.siterows import ForecastRow, Groups, RowMaker, ScoreLookup, forecast_groups, question_histories
from tracker.app.templating import f_url, q_url, s_url  # the forecast rows (made there) link with them too
from tracker.domain import events as ev
from tracker.errors import UserError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from collections.abc import Set as AbstractSet

    import pandas as pd

    from tracker.app.ledger import Ledger
    from tracker.app.siteproofs import SiteProofs
    from tracker.app.sitetouched import Touched
    from tracker.domain.notes import Verifier
    from tracker.read.filters import Subjects
    from tracker.read.snapshot import Snapshot

MANIFEST = sitefolder.MANIFEST
TOP = 50
PAGE_ROWS = 500
MAX_FILTERS = 40  # tag and outlet leaderboards, the most used first
SEARCH_QUOTES = 50_000  # quotes in the search index; the rest are on the pages, and the search page says so
MIN_BINARY_FOR_CALIBRATION = 3
PAGER_NEAR = 3  # a pager links the first and last pages and this many either side of the current one
PALETTE = ("#1f5fa8", "#b5472c", "#2e8b57", "#8a4fbf", "#c08a00", "#00838f", "#c2185b", "#5d6d1e", "#6d4c41", "#455a64")
# what a build counts (`SiteSummary`), kept in the manifest for a build that finds nothing new to make
SUMMARY_COUNTS = (
    "head_position", "head_hash", "as_of", "scores_run_id", "forecasters", "questions", "sources", "search_entries",
    "quotes_not_indexed",
)  # fmt: skip
# the head the build verified, kept in the manifest: the next build checks the chain from there (`verified_before`)
VERIFIED = "verified_head"
# what a build's verification says about the build rather than the ledger (how far back it had to check)
# the code and options (`code_digest`) and the day a build was made with, kept in the manifest: a rebuild names the
# pages the new events change (`touched_since`) only when both are the same (the day moves every due question's page)
BUILT_BY = "built_by"
BUILD_ONLY = ("events_checked", "since_position", "since_problem")
KIND_INDEX = {"forecaster": 0, "question": 1, "quote": 2, "source": 3}
KNOWN_BOARD = {
    "rank", "forecaster_id", "name", "n_scored", "mean_brier", "mean_brier_two_category", "mean_time_avg_brier",
    "mean_relative_brier", "n_relative", "mean_log_score", "mean_baseline_score", "n_binary", "base_rate",
    "bss_vs_half", "bss_vs_base_rate", "mean_brier_low", "mean_brier_high", "mean_brier_best", "mean_brier_worst",
    "mean_baseline_time_avg", "mean_baseline_coverage", "n_questions", "brier_ci_low", "brier_ci_high", "precision",
    "vs_coin_p", "vs_crowd_p", "n_forecasters", "unranked", "mean_brier_questions",
}  # fmt: skip
# A rebuild that knows which pages the new events change (`tracker.app.sitetouched`) reads the forecasts of those
# subjects only, up to this many subjects; past it every row is read (one IN list of thousands of ids reads as
# slowly as the whole table, and SQLite caps a statement's bound values at 32,766).
MAX_SUBJECTS = 2_000
# a tag or outlet leaderboard's entry in the manifest: the digest of the question scores it was made from, which a
# rebuild whose events changed no score reuses instead of reading every question score again
ROWS = sitefolder.DIGESTS[1]
FILTER_SLICE = 20_000  # question scores made into dicts at a time for the tag and outlet pages' digests
# and the digest of what its leaderboard section (the rows shown, their count, the columns) was made from: a rebuild
# that makes the page again for its chips alone takes that section from the page in the folder (`kept_board`)
BOARD = sitefolder.DIGESTS[2]
BOARD_SECTION = ('<section id="leaderboard">', "</section>")  # index.html.j2; no "</section>" inside it
# The index lists the ranked forecasters: those with at least this many scored questions (fewer cannot be told from
# luck; the leaderboard ranks them apart, and the full leaderboard, one click away, lists them after the others).
INDEX_MIN_SCORED = 5  # tracker.scoring.honest.MIN_QUESTIONS, without importing numpy here (a test checks both agree)


def with_interval(board: pd.DataFrame) -> pd.DataFrame:
    """The leaderboard with its 90% interval as one readable column, placed before the verdicts."""
    if "brier_ci_low" not in board.columns:
        return board
    text = [
        "too few questions" if lo != lo or hi != hi else f"{lo:.3f}–{hi:.3f}"
        for lo, hi in zip(board["brier_ci_low"], board["brier_ci_high"], strict=True)
    ]
    return board.assign(interval_90=text)


def with_interval_row(row: dict[str, Any]) -> dict[str, Any]:
    """`with_interval` for one leaderboard row as a dict."""
    if "brier_ci_low" not in row:
        return row
    lo, hi = row["brier_ci_low"], row["brier_ci_high"]
    text = "too few questions" if t.missing(lo) or t.missing(hi) else f"{lo:.3f}–{hi:.3f}"
    return row | {"interval_90": text}


ALL = "(all)"  # the pooled calibration's key in `calibration_by_forecaster` (no forecaster id is in parentheses)


def calibration_by_forecaster(
    qscores: pd.DataFrame, everyone: tuple[list[float], list[bool]]
) -> dict[str, list[dict[str, Any]]]:
    """The calibration table (10 bins, as `tracker calibration` makes it) of each forecaster's scored yes/no
    forecasts in one `question_scores` frame (every forecaster's, or the named ones' in a rebuild that names
    them), sorted once by forecaster and cut into slices, so that it costs the same for 30 forecasters or 3,000;
    and of everyone's under ALL, from ``everyone`` (`tracker.read.scores.pooled_outcomes`)."""
    import numpy as np
    import pandas as pd

    from tracker.scoring import metrics

    binary = qscores[qscores["kind"] == "binary"]
    p = binary["p_yes"].to_numpy(dtype=np.float64)
    o = (binary["outcome"].astype("string") == "yes").to_numpy(dtype=np.float64)
    p_all, o_all = np.asarray(everyone[0], dtype=np.float64), np.asarray(everyone[1], dtype=np.float64)
    out = {ALL: t.records(metrics.calibration_table(p_all, o_all))} if len(p_all) else {}
    codes, ids = pd.factorize(binary["forecaster_id"].astype(str))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(ids) + 1))
    for i, fid in enumerate(ids):
        take = order[bounds[i] : bounds[i + 1]]
        out[str(fid)] = t.records(metrics.calibration_table(p[take], o[take]))
    return out


def extra_columns(board: pd.DataFrame) -> list[str]:
    """Leaderboard columns this page does not know (the interval, the verdicts): shown as they come, beside the
    mean Brier, the interval first."""
    extra = [str(c) for c in board.columns if c not in KNOWN_BOARD]
    return sorted(extra, key=lambda c: c != "interval_90")


def tag_url(tag: str) -> str:
    return f"tags/{t.file_id(str(tag))}.html"


def outlet_url(outlet: str) -> str:
    return f"outlets/{t.file_id(str(outlet))}.html"


def list_url(stem: str, page: int = 1) -> str:
    return f"{stem}.html" if page == 1 else f"{stem}-{page}.html"


@dataclass
class Pager:
    number: int
    count: int
    links: list[tuple[int | None, str]]


@dataclass
class SiteSummary:
    """What was written (for the CLI's message, the benchmark and tests)."""

    out: str
    pages: int = 0
    files: int = 0
    bytes: int = 0
    kept: int = 0  # files already in the folder, made from the same inputs: not made again
    head_position: int = 0
    head_hash: str = ""
    verified_ok: bool = True
    verified_at: str = ""
    verification: dict[str, Any] = field(default_factory=dict)
    as_of: dict[str, Any] | None = None
    scores_run_id: int | None = None
    forecasters: int = 0
    questions: int = 0
    sources: int = 0
    search_entries: int = 0
    quotes_not_indexed: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase of the build


# ------------------------------------------------------------------------------------------------ figures


DOT_SPACING = 8  # px between the dots of one day on a question's chart (a dot is 9 px across)


def question_chart(q: dict[str, Any], rows: list[Any]) -> dict[str, Any] | None:
    """An inline SVG of a yes/no question's forecasts over time, each forecaster's dots in a colour, the crowd
    median (the median of every forecaster's standing forecast) as a step line, the resolution as a rule."""
    points = [r for r in rows if not r["withdrawn"] and r["p_yes"] is not None and r["made_at"] is not None]
    if q["kind"] != "binary" or not points:
        return None
    points.sort(key=lambda r: (r["made_at"], r["position"]))
    known = q.get("known_on")
    start = points[0]["made_at"]
    end = max(points[-1]["made_at"], known or points[-1]["made_at"])
    if end <= start:
        end = start + timedelta(days=1)
    span = (end - start).total_seconds()
    w, h, left, right, top, bottom = 640, 260, 48, 16, 14, 30
    pw, ph = w - left - right, h - top - bottom

    def x(d: Any) -> float:  # 3% of room at each end, so that dots on the first and last day are whole
        return round(left + pw * (0.03 + 0.94 * (d - start).total_seconds() / span), 1)

    def y(p: float) -> float:
        return round(top + ph * (1 - float(p)), 1)

    colors: dict[str, str] = {}
    names: dict[str, str] = {}
    for r in points:
        fid = str(r["forecaster_id"])
        if fid not in colors:
            colors[fid] = PALETTE[len(colors) % len(PALETTE)]
            names[fid] = str(r["forecaster"])
    standing: dict[str, float] = {}
    median_points: list[tuple[float, float]] = []
    for i, r in enumerate(points):
        standing[str(r["forecaster_id"])] = float(r["p_yes"])
        if i + 1 < len(points) and points[i + 1]["made_at"] == r["made_at"]:
            continue
        median_points.append((x(r["made_at"]), y(statistics.median(standing.values()))))
    path = []
    for i, (px, py) in enumerate(median_points):
        if i:
            path.append(f"H{px}")
        path.append(f"{'M' if i == 0 else 'V'}{px if i == 0 else ''}{',' if i == 0 else ''}{py}")
    path.append(f"H{x(end)}")
    first_median = statistics.median([float(points[0]["p_yes"])])
    last_median = statistics.median(standing.values())
    outcome = q.get("outcome")
    desc = (
        f"P(YES) of {t.plural(len(points), 'forecast')} by {t.plural(len(colors), 'forecaster')} from {t.day(start)} "
        f"to {t.day(end)}. The crowd median starts at {t.num(first_median, 2)} and ends at {t.num(last_median, 2)}."
        + (f" Outcome: {outcome}, known on {t.day(known)}." if outcome and known else " Not resolved.")
    )
    # plain strings joined once (a Markup made and added per dot was most of a chart's time); every text from the
    # ledger escaped here
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="chart-title chart-desc" class="chart">'
        '<title id="chart-title">Forecasts over time with the crowd median</title><desc id="chart-desc">'
        f"{t.esc(t.clean(desc))}</desc>"
    ]
    for p in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line x1="{left}" x2="{w - right}" y1="{y(p)}" y2="{y(p)}" stroke="#d8dde3" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(p) + 4}" font-size="13" text-anchor="end" fill="#5b6470">{p:g}</text>'
        )
    parts.append(
        f'<text x="{left}" y="{h - 8}" font-size="13" fill="#5b6470">{t.day(start)}</text>'
        f'<text x="{w - right}" y="{h - 8}" font-size="13" text-anchor="end" fill="#5b6470">{t.day(end)}</text>'
    )
    if known is not None and outcome:
        kx = x(known)
        parts.append(
            f'<line x1="{kx}" x2="{kx}" y1="{top}" y2="{top + ph}" stroke="#5b6470" stroke-dasharray="4 3"/>'
            f'<text x="{kx - 4}" y="{top + 12}" font-size="13" text-anchor="end" fill="#1b1f24">outcome: '
            f"{t.esc(t.clean(str(outcome)))}</text>"
        )
    parts.append(f'<path d="{"".join(path)}" fill="none" stroke="#1b1f24" stroke-width="2"/>')
    # Dots of one day side by side, centred on the day, rather than on top of one another.
    same_day = Counter(r["made_at"] for r in points)
    seen: Counter[Any] = Counter()
    for r in points:
        fid = str(r["forecaster_id"])
        label = f"{names[fid]}, {t.day(r['made_at'])}: {t.num(r['p_yes'], 2)}"
        offset = (seen[r["made_at"]] - (same_day[r["made_at"]] - 1) / 2) * DOT_SPACING
        seen[r["made_at"]] += 1
        cx = round(min(max(x(r["made_at"]) + offset, left + 5), w - right - 5), 1)
        parts.append(
            f'<circle cx="{cx}" cy="{y(r["p_yes"])}" r="4.5" fill="{colors[fid]}" fill-opacity="0.85"><title>'
            f"{t.esc(t.clean(label))}</title></circle>"
        )
    parts.append("</svg>")
    return {
        "svg": Markup("".join(parts)),
        "caption": "Each dot is a forecast of P(YES); the black step line is the crowd median, the median of every "
        "forecaster's latest forecast by that day.",
        "legend": [(names[f], c) for f, c in colors.items()],
    }


def phrase_rows(rows: list[Any]) -> list[dict[str, Any]]:
    """The verbal phrases of a forecaster's standing forecasts: how often each was used and what it read as."""
    phrases: dict[str, dict[str, Any]] = {}
    for f in rows:
        if f["method"] == "verbal" and f["phrase"] and not f["withdrawn"]:
            key = str(f["phrase"])
            entry = phrases.setdefault(key, {"phrase": key, "count": 0, "p": [], "low": [], "high": []})
            entry["count"] += 1
            for k, v in (("p", f["p_yes"]), ("low", f["p_low"]), ("high", f["p_high"])):
                if v is not None:
                    entry[k].append(float(v))
    return [
        {
            "phrase": e["phrase"],
            "count": e["count"],
            "p": statistics.mean(e["p"]) if e["p"] else None,
            "low": min(e["low"]) if e["low"] else None,
            "high": max(e["high"]) if e["high"] else None,
        }
        for e in sorted(phrases.values(), key=lambda e: (-e["count"], e["phrase"]))
    ]


def subjects_of(touched: Touched | None) -> Subjects | None:
    """What a build reads of the forecasts: the rows about the subjects the new events name, when they are
    named and not too many (`MAX_SUBJECTS`); None: every row."""
    if touched is None or len(touched.questions) + len(touched.forecasters) + len(touched.sources) > MAX_SUBJECTS:
        return None
    from tracker.read.filters import Subjects

    return Subjects(touched.questions, touched.forecasters, touched.sources)


def inputs_digest(*parts: Any) -> str:
    """A digest of what a page is made from, the same for the same inputs (see `Writer.keep`): of the inputs'
    repr, which Python makes in C for the dicts, lists, strings, numbers and dates a page is made from (a JSON
    encoding with a Python hook for the dates was a tenth of a build). A value whose repr names an address (a
    function) makes the page rendered every time."""
    return sitefolder.sha256(repr(parts).encode("utf-8", "surrogatepass"))


def code_digest(options: dict[str, Any]) -> str:
    """What every page also depends on besides its data: this version's templates, stylesheet and page-making
    code, and the build's options. A page is kept only when this is unchanged too."""
    digest = hashlib.sha256(f"{__version__}\0{json.dumps(options, sort_keys=True, default=str)}".encode())
    templates = files("tracker").joinpath("templates")
    for name in sorted(p.name for p in templates.iterdir()):
        digest.update(name.encode() + b"\0" + templates.joinpath(name).read_bytes())
    for module in ("site.py", "charts.py", "templating.py", "verbal.py"):
        here = Path(__file__).with_name(module)
        if here.exists():
            digest.update(module.encode() + b"\0" + here.read_bytes())
    return digest.hexdigest()


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """The objects alive now (the tables a build has read, kept to its end) left out of the cyclic garbage
    collector's passes until the block ends: each full pass scanned them all again while the pages were made, a
    tenth of a build's time at 100k events and more at a million. Reference counting still frees any of them
    that is dropped (`gc.freeze`)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass
class Listing:
    """What the index, the filters and the search index count or show of every question and source, and the order
    of their lists, read narrow (`read_listing`) in a full build and a rebuild alike: a rebuild then reads whole
    only the questions and sources whose pages it makes."""

    questions: list[tuple[str, str, list[str], str, bool]]  # id, title, tags, status, due; in the order opened
    sources: list[tuple[str, str, Any]]  # id, title, outlet; in the order registered
    links: dict[str, dict[str, Any]]  # each source's title and URL as read, by id: what a forecast's row shows of it

    def ids(self, stem: str) -> list[str]:
        """The ids the list ``stem`` shows, in its order."""
        if stem == "questions":
            return [q[0] for q in self.questions]
        if stem == "open":
            return [q[0] for q in self.questions if q[3] == "open"]
        return [s[0] for s in self.sources]


def read_listing(ledger: Ledger, snap: Snapshot) -> Listing:
    """Every question's and source's `Listing` fields, as plain columns (no typed frame, no count of forecasts)."""
    qc = (
        ledger.table(snap, "questions")
        .narrow(["question_id", "title", "tags", "status", "due", "opened_position"])
        .columns()
    )
    sc = ledger.table(snap, "sources").narrow(["source_id", "title", "outlet", "url", "position"]).columns()
    first = operator.itemgetter(0)  # the position of the event that opened or registered it
    q_cols = [qc[k] for k in ("opened_position", "question_id", "title", "tags", "status", "due")]
    s_cols = [sc[k] for k in ("position", "source_id", "title", "outlet")]
    return Listing(
        questions=[
            (str(qid), str(title), t.tags_of(tags), str(status), bool(due))
            for _, qid, title, tags, status, due in sorted(zip(*q_cols, strict=True), key=first)
        ],
        sources=[
            (str(sid), str(title), outlet) for _, sid, title, outlet in sorted(zip(*s_cols, strict=True), key=first)
        ],
        links={
            str(sid): {"title": title, "url": url}
            for sid, title, url in zip(sc["source_id"], sc["title"], sc["url"], strict=True)
        },
    )


def days_overdue(q: dict[str, Any], today: date) -> int | None:
    """A due question's days past its resolve-by date, as `tracker due` counts them; None for the others."""
    return (today - date.fromisoformat(t.day(q["resolve_by"]))).days if q["due"] else None


@dataclass
class SiteData:
    """The tables the pages are made from, read once and grouped in memory (`SiteBuilder.read`)."""

    meta: dict[str, Any]
    verification: dict[str, Any]
    board: pd.DataFrame
    board_rows: list[dict[str, Any]]
    extra: list[str]
    person: dict[str, dict[str, Any]]
    listing: Listing
    # the questions and sources read whole: every one in a full build; in a rebuild that makes the named pages only
    # (`SiteBuilder.lists`), the named ones, those of the list pages it makes and the sources of the forecasts read
    q_rows: list[dict[str, Any]]
    s_rows: list[dict[str, Any]]
    due_rows: list[dict[str, Any]]  # the due questions (every one, or none when the open list's first page is kept)
    rows: RowMaker  # the forecasts' rows of a page's group, made as each group is read (`tracker.app.siterows`)
    qscores: pd.DataFrame
    calibration: dict[str, list[dict[str, Any]]]
    n_question_scores: int  # every forecaster's (qscores holds the named forecasters' only in a named rebuild)
    n_forecasts: int
    per_source: dict[str | None, int]  # forecasts per source id (None: without a source)
    hindsight: pd.DataFrame


# ------------------------------------------------------------------------------------------------ output


class Writer:
    """Writes files under the build's own fresh folder, counting them and keeping their hashes (the manifest's)."""

    def __init__(self, root: Path, previous: dict[str, dict[str, Any]] | None = None) -> None:
        self.root = root
        self.previous = previous or {}  # the manifest's entries of the site's files already in the folder
        self.pages = 0
        self.files = 0
        self.bytes = 0
        self.kept: set[str] = set()
        self.written: dict[str, dict[str, Any]] = {}

    def keep(self, rel: str, inputs: str) -> bool:
        """Keep the page already in the folder when it was made from the same ``inputs`` (`inputs_digest`):
        nothing to render, and the move into place leaves it as it is."""
        old = self.previous.get(rel)
        if old is None or old.get("inputs") != inputs:
            return False
        self._count(rel, dict(old))
        self.kept.add(rel)
        return True

    def keep_previous(self, rel: str) -> bool:
        """Keep the page already in the folder without comparing its inputs: for a page the new events cannot
        change (`tracker.app.sitetouched`), whose inputs are then those the manifest recorded."""
        old = self.previous.get(rel)
        if old is None or "inputs" not in old:
            return False
        self._count(rel, dict(old))
        self.kept.add(rel)
        return True

    def keep_all(self, entries: dict[str, dict[str, Any]]) -> None:
        for rel, entry in entries.items():
            self._count(rel, dict(entry))
            self.kept.add(rel)

    def write(self, rel: str, data: str | bytes, inputs: str | None = None, **record: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        with open(path, "xb") as fh:  # a new file in the build's own folder: never an existing one
            fh.write(raw)
        entry: dict[str, Any] = {"sha256": sitefolder.sha256(raw), "bytes": len(raw)}
        if inputs is not None:
            entry["inputs"] = inputs
        self._count(rel, entry | record)

    def _count(self, rel: str, entry: dict[str, Any]) -> None:
        self.written[rel] = entry
        self.files += 1
        self.bytes += int(entry.get("bytes") or 0)
        if rel.endswith(".html"):
            self.pages += 1


def check_out(out: Path, force: bool = False) -> sitefolder.Survey:
    """``out`` may be missing (its parent must exist) or a real folder holding the site's own files and nothing
    else (with ``force``: anything else too, which is left in place). Returns what is in it."""
    parent = out.parent if str(out.parent) else Path(".")
    if not os.path.lexists(out):
        outfiles.writable_directory(parent)
    found = sitefolder.survey(out)
    why = None if force else sitefolder.refusal(out, found)
    if why:
        raise UserError(why, "out")
    return found


def board_span(text: str) -> tuple[int, int] | None:
    """Where the leaderboard section's content is in a tag or outlet page's text (between BOARD_SECTION's two
    tags: the ledger's text is escaped, so neither tag can come from it)."""
    start = text.find(BOARD_SECTION[0])
    if start < 0:
        return None
    start += len(BOARD_SECTION[0])
    end = text.find(BOARD_SECTION[1], start)
    return None if end < 0 else (start, end)


def pages_of(rows: list[Any], size: int) -> list[list[Any]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]


def pager(number: int, count: int, href: Any) -> Pager:
    """Links to the first and last pages and to PAGER_NEAR pages either side of ``number``; (None, "") stands
    for the pages left out between them (a pager of every page would make a long list's pages quadratic)."""
    near = range(max(1, number - PAGER_NEAR), min(count, number + PAGER_NEAR) + 1)
    shown = sorted({1, count, *near})
    links: list[tuple[int | None, str]] = []
    for n in shown:
        if links and links[-1][0] is not None and n - links[-1][0] > 1:
            links.append((None, ""))
        links.append((n, href(n)))
    return Pager(number, count, links)


# ------------------------------------------------------------------------------------------------ the build


class SiteBuilder:
    def __init__(
        self,
        ledger: Ledger,
        writer: Writer,
        *,
        top: int,
        page_rows: int,
        search_quotes: int,
        verified_at: str,
        title: str,
        salt: str = "",
        proofs: SiteProofs | None = None,
        touched: Touched | None = None,
        folder: Path | None = None,
    ) -> None:
        self.folder = folder  # the site's folder as the last build left it (a rebuild takes kept parts from it)
        self.touched = touched  # when known, the pages the new events can change: the others are kept unread
        # what is read of the forecasts and their scores: the named subjects' rows (None: every row)
        self.subjects = subjects_of(touched)
        # the pages of the questions, open and sources lists to make, in a rebuild that reads the named subjects
        # only (`list_plan`); None: every page, from every row
        self.lists: dict[str, set[int]] | None = None
        self.salt = salt  # `code_digest`: part of every page's inputs
        self.ledger = ledger
        self.proofs = proofs
        self.w = writer
        self.top = top
        self.page_rows = page_rows
        self.search_quotes = search_quotes
        self.verified_at = verified_at
        self.title = title
        self.timings: dict[str, float] = {}
        self.phase, self.started = "reading the tables", time.perf_counter()
        self.env = t.environment()
        self.env.globals.update(
            q_url=q_url, f_url=f_url, s_url=s_url, tag_url=tag_url, outlet_url=outlet_url, site_title=title
        )

    def lap(self, next_phase: str) -> None:
        """Time the phase that ends here (for the benchmark; nothing of it reaches a page)."""
        now = time.perf_counter()
        if self.phase:
            self.timings[self.phase] = round(now - self.started, 2)
        self.phase, self.started = next_phase, now

    def render(
        self,
        rel: str,
        template: str,
        page_title: str,
        lazy: tuple[Any, Callable[[], dict[str, Any]]] | None = None,
        record: dict[str, str] | None = None,
        finish: Callable[[str], str] | None = None,
        **ctx: Any,
    ) -> None:
        """Render a page, or keep the one in the folder when its inputs (the context, the template, the code) are
        the same. ``lazy``: (inputs, make) where ``make`` gives the rest of the context, called only when the page
        is rendered, and ``inputs`` stands for what it is made from. ``record``: more for the page's manifest
        entry. ``finish``: applied to the rendered text (after ``make``)."""
        if self.touched is not None and not self.touched.covers(rel) and rel in self.w.kept:
            return  # kept with every page the new events cannot change (`keep_unnamed`)
        inputs = inputs_digest(self.salt, rel, template, page_title, self.footer, lazy and lazy[0], ctx)
        if self.w.keep(rel, inputs):
            return
        if lazy is not None:
            ctx = ctx | lazy[1]()
        depth = rel.count("/")
        root = "../" * depth
        text = self.env.get_template(template).render(
            root=root,
            inline_css=False,
            page_title=f"{page_title} · {self.title}" if page_title != self.title else page_title,
            forecaster_link=lambda fid: root + f_url(fid),
            footer=self.footer,
            **ctx,
        )
        if finish is not None:
            text = finish(text)
        self.w.write(rel, text, inputs, **(record or {}))

    def keep_unnamed(self) -> bool:
        """Keep every file of the folder the new events cannot change (`self.touched`) as the manifest recorded
        it, before any is made: the phases then make the named subjects' pages only. False (nothing kept) when
        one of them has no recorded inputs."""
        assert self.touched is not None
        rels = [rel for rel in self.w.previous if not self.touched.covers(rel)]
        if not all("inputs" in self.w.previous[rel] for rel in rels):
            return False
        for rel in rels:
            self.w.keep_previous(rel)
        return True

    def named(self, kind: str, subject: str) -> bool:
        """Whether the pages of this question, forecaster or source (``kind``) are to be made: every subject's in
        a full build, the named ones' in a rebuild that knows them (the others are kept, `keep_unnamed`)."""
        return self.touched is None or subject in getattr(self.touched, kind)

    def proof(self, positions: Any) -> Markup | None:
        """A page's proof block (tracker.app.siteproofs) when the site has checkpoints."""
        return self.proofs.page(positions) if self.proofs is not None else None

    def build(self, snap: Snapshot, verification: dict[str, Any], summary: SiteSummary) -> None:
        """Every page, phase by phase; a page whose inputs are those of the page already in the folder is kept
        (`Writer.keep`) instead of rendered."""
        meta = snap.meta()
        # The footer is on every page, so it names nothing that moves with the ledger (head, scoring run):
        # a page whose own content did not change comes out byte for byte the same and is not rewritten.
        # The head and the run are on the integrity page, which shows them.
        self.footer = (
            f"forecast-tracker {__version__}."
            + (f" As of {self._as_of_text(meta['as_of'])}." if meta["as_of"] else "")
            + " The ledger head and scoring run behind these pages are on the Integrity page."
            " Nothing on this site is fetched from the network."
        )
        if self.touched is not None and not self.keep_unnamed():
            self.touched = self.subjects = None
        with collector.paused():  # the rows read are kept to the end: no garbage to look for among them
            d = self.read(snap, meta, verification)
        with frozen_heap():
            self.lap("index and leaderboards")
            self.index_pages(snap, d)
            self.lap("forecaster pages")
            self.forecaster_pages(snap, d)
            self.lap("question pages")
            self.question_pages(snap, d)
            self.lap("source pages")
            self.source_pages(snap, d)
            self.lap("lists, integrity and search")
            self.list_pages(d)
            self.integrity_page(snap, d)
            counts = self.search(snap, d)
            self.lap("")
        summary.head_position = int(meta["head_position"])
        summary.head_hash = str(meta["head_hash"])
        summary.as_of = meta["as_of"]
        summary.scores_run_id = meta["scores_run_id"]
        summary.forecasters = len(d.person)
        summary.questions = len(d.listing.questions)
        summary.sources = len(d.listing.sources)
        summary.search_entries, summary.quotes_not_indexed = counts

    def read(self, snap: Snapshot, meta: dict[str, Any], verification: dict[str, Any]) -> SiteData:
        """Each table once, grouped in memory."""

        from tracker.read.filters import Subjects
        from tracker.read.projections import forecasts_per_source
        from tracker.read.scores import pooled_outcomes

        def frame(name: str, **kw: Any) -> pd.DataFrame:
            return self.ledger.table(snap, name, **kw).frame()

        sub = self.subjects
        board = with_interval(frame("leaderboard"))
        listing = read_listing(self.ledger, snap)
        self.lists = self.list_plan(listing)
        # the scores of the named forecasters only (their pages' figures), and everyone's P(YES) and outcome for
        # the pooled calibration on the index
        qscores = frame("question_scores", about=None if sub is None else Subjects(forecasters=sub.forecasters))
        n_question_scores, p_all, yes_all = pooled_outcomes(snap)
        per_source = forecasts_per_source(snap)
        q_rows, s_rows, due_rows = self.read_questions_and_sources(snap, listing)
        for q in {id(q): q for q in [*q_rows, *due_rows]}.values():  # a full build's due rows are among q_rows
            q["tags"] = t.tags_of(q["tags"])
            q["options"] = t.tags_of(q["options"])
            # counted from the questions' own flag, as `tracker due` does (a second read of the questions for
            # them was 0.4 s CPU at 1M)
            q["days_overdue"] = days_overdue(q, snap.today)
        for s in s_rows:
            s["authors"] = t.tags_of(s["authors"])
            s["n_forecasts"] = per_source.get(str(s["source_id"]), 0)
        q_title = {q[0]: q[1] for q in listing.questions}
        # each forecast's score, kept by position in arrays; the forecasts themselves are read by each phase, a
        # page's group at a time (`group_rows`)
        scores = ScoreLookup(self.ledger.table(snap, "scores", about=sub))
        d = SiteData(
            meta=meta,
            verification=verification,
            board=board,
            board_rows=t.records(board),
            extra=extra_columns(board),
            person={str(p["forecaster_id"]): p for p in t.records(frame("forecasters"))},
            listing=listing,
            q_rows=q_rows,
            s_rows=s_rows,
            due_rows=due_rows,
            rows=RowMaker(q_title, listing.links, scores),
            qscores=qscores,
            calibration=calibration_by_forecaster(qscores, (p_all, yes_all)),
            n_question_scores=n_question_scores,
            n_forecasts=sum(per_source.values()),
            per_source=per_source,
            hindsight=frame("hindsight"),
        )
        return d

    def list_plan(self, listing: Listing) -> dict[str, set[int]] | None:
        """The pages of the questions, open and sources lists a rebuild that reads the named subjects makes: those
        showing a named question or source (its count of forecasts moved, or it is new: the new ones come last),
        and the open list's first page when a named question is due (its due table). The new events change no
        other row (`sitetouched.BOUNDED`: no status, title or withdrawal). None: every page, from every row (a full
        build, or a list whose number of pages is not the last build's: every page's pager moves)."""
        if self.subjects is None or self.touched is None:
            return None
        named = {"questions": self.touched.questions, "open": self.touched.questions, "sources": self.touched.sources}
        plan: dict[str, set[int]] = {}
        for stem, ids in ((stem, listing.ids(stem)) for stem in named):
            count = len(pages_of(ids, self.page_rows))
            if list_url(stem, count + 1) in self.w.previous or not all(
                "inputs" in self.w.previous.get(list_url(stem, n), {}) for n in range(1, count + 1)
            ):
                return None
            plan[stem] = {i // self.page_rows + 1 for i, x in enumerate(ids) if x in named[stem]}
        if any(q[4] for q in listing.questions if q[0] in self.touched.questions):
            plan["open"].add(1)
        return plan

    def read_questions_and_sources(
        self, snap: Snapshot, listing: Listing
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """The questions and sources read whole, and the due questions (see `SiteData`)."""
        if self.lists is None or self.touched is None:
            q_rows = t.records(self.ledger.table(snap, "questions").frame())
            return q_rows, t.records(self.ledger.table(snap, "sources").frame()), [q for q in q_rows if q["due"]]
        on_pages = {
            stem: {x for n in self.lists[stem] for x in ids[(n - 1) * self.page_rows : n * self.page_rows]}
            for stem, ids in ((stem, listing.ids(stem)) for stem in self.lists)
        }
        questions = self.touched.questions | on_pages["questions"] | on_pages["open"]
        sources = self.touched.sources | on_pages["sources"]
        due = 1 in self.lists["open"]
        return (
            self.rows_of(snap, "questions", "question", questions),
            self.rows_of(snap, "sources", "source", sources),
            t.records(self.ledger.table(snap, "questions", status="due").frame()) if due else [],
        )

    def rows_of(self, snap: Snapshot, table: str, key: str, ids: AbstractSet[str]) -> list[dict[str, Any]]:
        """The rows of ``table`` whose ``key`` is one of ``ids``, in the table's order (every row past
        MAX_SUBJECTS ids: a long IN list reads as slowly as the table)."""
        if not ids:
            return []
        reader = self.ledger.table(snap, table, **({key: sorted(ids)} if len(ids) <= MAX_SUBJECTS else {}))
        rows = t.records(reader.frame())
        return rows if len(ids) <= MAX_SUBJECTS else [r for r in rows if str(r[f"{key}_id"]) in ids]

    def index_pages(self, snap: Snapshot, d: SiteData) -> None:
        """The index, the leaderboards per tag and outlet, and the full leaderboard, paged."""
        board_rows, listing = d.board_rows, d.listing
        tag_counts = Counter(tag for q in listing.questions for tag in q[2])
        outlet_counts: Counter[str] = Counter()
        for sid, _title, outlet in listing.sources:
            if outlet is not None:
                outlet_counts[str(outlet)] += d.per_source.get(sid, 0)
        outlet_counts = +outlet_counts  # an outlet none of whose sources has a forecast has no chip
        tags = [{"value": v, "count": n} for v, n in sorted(tag_counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        outlets = [{"value": v, "count": n} for v, n in sorted(outlet_counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        left_out = max(0, len(tags) - MAX_FILTERS) + max(0, len(outlets) - MAX_FILTERS)
        tags, outlets = tags[:MAX_FILTERS], outlets[:MAX_FILTERS]
        more = f"{left_out} rarer tags and outlets have no page of their own." if left_out else ""
        counts = {
            "open": sum(1 for q in listing.questions if q[3] == "open"),
            "due": sum(1 for q in listing.questions if q[4]),
            "hindsight": len(d.hindsight),
            "questions": len(listing.questions),
            "sources": len(listing.sources),
        }
        pooled = d.calibration.get(ALL, [])
        cal_fig = charts.calibration_chart(pooled, "everyone", "fig-calibration") if pooled else None
        common: dict[str, Any] = {
            "tags": tags,
            "outlets": outlets,
            "more_filters": more,
            "extra": d.extra,
            "counts": counts,
            # these pages say only that a verification failed (the integrity page says what it checked)
            "verification": {"ok": True}
            if d.verification["ok"]
            else d.verification | {"verified_at": self.verified_at},
        }
        lede = (
            f"{t.plural(len(board_rows), 'forecaster')} scored on {t.plural(d.n_question_scores, 'forecast')}, "
            f"{t.plural(len(listing.questions), 'question')}, {t.plural(d.n_forecasts, 'forecast')} recorded"
            + (f", as of {self._as_of_text(d.meta['as_of'])}" if d.meta["as_of"] else "")
            + "."
        )
        self.render(
            "index.html",
            "index.html.j2",
            self.title,
            heading=self.title,
            lede=lede,
            board=[r for r in board_rows if r.get("rank") is not None][: self.top],
            board_total=len(board_rows),
            min_scored=INDEX_MIN_SCORED,
            current_filter=None,
            calibration_figure=cal_fig,
            **common,
        )
        self.filtered_boards(snap, d, tags, outlets, common)
        chunks = pages_of(board_rows, self.page_rows)
        unscored = sorted(set(d.person) - {str(r["forecaster_id"]) for r in board_rows})
        for i, chunk in enumerate(chunks, 1):
            self.render(
                list_url("forecasters", i),
                "list.html.j2",
                "Forecasters",
                heading="Forecasters",
                lede=f"Every scored forecaster, best first. {t.plural(len(unscored), 'forecaster')} not scored yet: "
                "see the questions and open lists.",
                kind="leaderboard",
                rows=chunk,
                extra=d.extra,
                table_id="all-forecasters",
                pager=pager(i, len(chunks), lambda n: list_url("forecasters", n)),
            )

    def filtered_boards(
        self,
        snap: Snapshot,
        d: SiteData,
        tags: list[dict[str, Any]],
        outlets: list[dict[str, Any]],
        common: dict[str, Any],
    ) -> None:
        """A leaderboard per tag and per outlet. Each is computed from the question scores under its filter and the
        names of their forecasters (`tracker.read.scores.leaderboard_reader`): those rows are the page's inputs, so
        a page whose rows did not change is kept without computing its leaderboard, the costly part of the site.
        The manifest keeps a digest of those rows with the page (`ROWS`): a rebuild whose new events changed no
        score (`self.touched`) takes it from there rather than reading every question score again."""
        if self.touched is not None and not self.touched.filters:
            return  # no chip's count moved: every tag and outlet page was kept (`keep_unnamed`)
        digests: list[dict[tuple[str, str], str]] = []
        shown = {"tag": {str(v["value"]) for v in tags}, "outlet": {str(v["value"]) for v in outlets}}

        def rows_digest(kind: str, value: str, rel: str) -> str:
            old = self.w.previous.get(rel, {}).get(ROWS)
            if self.touched is not None and isinstance(old, str):
                return old  # no score changed since that page was made (`sitetouched.scores_unchanged`)
            if not digests:
                digests.append(self.filter_digests(snap, d, shown))
            return digests[0][kind, value]

        for kind, values, url in (("tag", tags, tag_url), ("outlet", outlets, outlet_url)):
            for item in values:
                value = str(item["value"])
                inputs = rows_digest(kind, value, url(value))
                # what the page's leaderboard section is made from besides the code: its rows (`inputs`), the columns
                # shown and how many rows are shown
                board_key = inputs_digest(inputs, d.extra, self.top)
                # a filter's page shows its own count only (`index.html.j2`), not the whole ledger's counts
                chips = {
                    group: [
                        {"value": c["value"], "count": c["count"] if (kind, value) == (ckind, c["value"]) else None}
                        for c in common[group]
                    ]
                    for group, ckind in (("tags", "tag"), ("outlets", "outlet"))
                }
                board, finish = self.filter_board(snap, kind, value, url(value), board_key)
                self.render(
                    url(value),
                    "index.html.j2",
                    f"Leaderboard, {kind} {value}",
                    lazy=(inputs, board),
                    record={ROWS: inputs, BOARD: board_key},
                    finish=finish,
                    heading=Markup("Leaderboard: {} “{}”").format(kind, t.u(value)),
                    lede=Markup("Scores of the forecasts on questions tagged “{}”.").format(t.u(value))
                    if kind == "tag"
                    else Markup("Scores of the forecasts taken from {}.").format(t.u(value)),
                    current_filter=(kind, value),
                    calibration_figure=None,
                    **(common | chips | {"counts": {}}),
                )

    def filter_board(
        self, snap: Snapshot, kind: str, value: str, rel: str, key: str
    ) -> tuple[Callable[[], dict[str, Any]], Callable[[str], str]]:
        """What a tag or outlet page's leaderboard section is made with when the page is rendered: (the context of
        its rows, what is done to the page's text). The rows are computed, or, when `kept_board` finds the section
        of the page in the folder made from the same (``key``), the page is rendered without rows and that section
        put in their place."""
        section: list[str] = []

        def board() -> dict[str, Any]:
            kept = self.kept_board(rel, key)
            if kept is not None:
                section.append(kept)  # the page is made again for its chips alone
                return {"board": [], "board_total": 0}
            # the rows shown only: their intervals and verdicts are the costly part of a leaderboard
            reader = self.ledger.table(snap, "leaderboard", **{kind: value})
            return {"board": [with_interval_row(r) for r in reader.rows(self.top)], "board_total": reader.count()}

        def finish(text: str) -> str:
            if not section:
                return text
            span = board_span(text)
            assert span is not None  # the template's own section (BOARD_SECTION)
            return text[: span[0]] + section[0] + text[span[1] :]

        return board, finish

    def kept_board(self, rel: str, key: str) -> str | None:
        """The leaderboard section of the tag or outlet page ``rel`` in the folder, when a rebuild
        (`self.touched`: no score changed) finds it made from the same rows, columns and count (``key``) and the
        page's bytes are those the manifest lists; None: the leaderboard is computed."""
        old = self.w.previous.get(rel)
        if self.touched is None or self.folder is None or old is None or old.get(BOARD) != key:
            return None
        try:
            raw = (self.folder / rel).read_bytes()
        except OSError:
            return None
        if sitefolder.sha256(raw) != old.get("sha256"):
            return None
        text = raw.decode("utf-8")
        span = board_span(text)
        return None if span is None else text[span[0] : span[1]]

    def filter_digests(self, snap: Snapshot, d: SiteData, shown: dict[str, set[str]]) -> dict[tuple[str, str], str]:
        """The digest of the question scores under each tag and outlet ``shown`` (kind -> values) and of their
        forecasters' names, the inputs of its page's leaderboard. Every question score is read (``d`` holds the
        named forecasters' only in a rebuild that names them) a slice at a time, each row hashed into the digests
        of the filters it is under: every row held as a dict, grouped, was half a GB at a million events."""
        qscores = d.qscores if self.subjects is None else self.ledger.table(snap, "question_scores").frame()
        tags_of: dict[str, list[tuple[str, str]]] = {}
        for qid, _title, tags, _status, _due in d.listing.questions:
            under = [("tag", str(tag)) for tag in tags if str(tag) in shown["tag"]]
            if under:
                tags_of[str(qid)] = under
        hashes = {(kind, v): hashlib.sha256(repr((kind, v)).encode()) for kind, values in shown.items() for v in values}
        who: dict[tuple[str, str], set[str]] = {key: set() for key in hashes}
        for start in range(0, len(qscores), FILTER_SLICE):
            for r in t.iter_records(qscores.iloc[start : start + FILTER_SLICE]):
                keys = tags_of.get(str(r["question_id"]), [])
                if r.get("outlet") is not None and str(r["outlet"]) in shown["outlet"]:
                    keys = [*keys, ("outlet", str(r["outlet"]))]
                if keys:
                    text = repr(r).encode("utf-8", "surrogatepass")
                    for key in keys:
                        hashes[key].update(text)
                        who[key].add(str(r["forecaster_id"]))
        names = {fid: str(p["name"]) for fid, p in d.person.items()}
        for key, h in hashes.items():
            h.update(repr(sorted({names.get(fid) or "" for fid in who[key]})).encode("utf-8", "surrogatepass"))
        return {key: h.hexdigest() for key, h in hashes.items()}

    def group_rows(self, snap: Snapshot, d: SiteData, kind: str) -> Iterator[tuple[str, list[ForecastRow]]]:
        """The forecasts of each forecaster, question or source (``kind``) whose pages are made, one group at a
        time in the order of their ids: every forecast in a full build, those of the named subjects of that kind
        in a rebuild that reads the named ones only."""
        from tracker.read.filters import Subjects

        about = None if self.subjects is None else Subjects(**{kind: getattr(self.subjects, kind)})
        if about is not None and not len(about):
            return
        key = {"forecasters": "forecaster_id", "questions": "question_id", "sources": "source_id"}[kind]
        for subject, rows in forecast_groups(self.ledger.table(snap, "forecasts", about=about), key, d.rows):
            if subject is not None and self.named(kind, str(subject)):
                yield str(subject), rows

    def forecaster_pages(self, snap: Snapshot, d: SiteData) -> None:
        """A forecaster's pages, as their forecasts are read (`group_rows`), then those of the forecasters with
        none."""
        rank = {str(r["forecaster_id"]): r for r in d.board_rows}
        qscores = d.qscores
        history_by = {str(k): g for k, g in qscores.groupby(qscores["forecaster_id"].astype(str), observed=True)}
        done = set()
        for fid, rows in self.group_rows(snap, d, "forecasters"):
            done.add(fid)
            if fid in d.person:
                self.forecaster_page(d, fid, rows, rank, history_by)
        for fid in d.person:
            # not named: its pages were kept, and its figures (the costly part of them) not made
            if fid not in done and self.named("forecasters", fid):
                self.forecaster_page(d, fid, [], rank, history_by)

    def forecaster_page(
        self,
        d: SiteData,
        fid: str,
        rows: list[ForecastRow],
        rank: dict[str, dict[str, Any]],
        history_by: dict[str, pd.DataFrame],
    ) -> None:
        p = d.person[fid]
        name = str(p["name"])
        cal = d.calibration.get(fid, [])
        figures = {
            "calibration": charts.calibration_chart(cal, name, "fig-calibration")
            if sum(int(b["count"]) for b in cal) >= MIN_BINARY_FOR_CALIBRATION
            else None,
            "history": charts.history_chart(
                t.records(history_by[fid].sort_values(["known_on", "question_id"], kind="stable")),
                name,
                "fig-history",
            )
            if fid in history_by
            else None,
        }
        r = rank.get(fid)
        scored = sum(1 for f in rows if f["status"] == "scored")
        summary_text = (
            f"{t.plural(len(rows), 'forecast')} recorded, {scored} scored"
            + (
                (f"; rank {r['rank']} of {len(d.board_rows)}" if r["rank"] is not None else f"; {r['unranked']}")
                if r
                else "; not scored yet"
            )
            + "."
        )
        chunks = pages_of(rows, self.page_rows)
        for i, chunk in enumerate(chunks, 1):
            self.render(
                f_url(fid, i),
                "forecaster.html.j2",
                name,
                person=p,
                row=r,
                board_total=len(d.board_rows),
                extra=d.extra,
                summary=summary_text,
                figures=figures if i == 1 else {"calibration": None, "history": None},
                rows=chunk,
                phrases=phrase_rows(rows),
                pager=pager(i, len(chunks), lambda n, fid=fid: "../" + f_url(fid, n)),
                proof=self.proof(f["position"] for f in chunk),
            )

    def question_pages(self, snap: Snapshot, d: SiteData) -> None:
        """A page per question, with its event history and clarifications: the questions' forecasts and events
        read in the order of their ids side by side, a question's page made as they are read (`group_rows`,
        `siterows.Groups`), then the pages of the questions with no forecast."""
        clarifications: dict[str, list[dict[str, Any]]] = defaultdict(list)
        # the log without its payloads (most of its bytes), then the payloads of the clarifications alone
        # (the events of the named questions only, in a rebuild that names them: through the stream's index)
        which = self.question_filter()
        if which is None:
            return  # no question named: every question page was kept
        # each event of a question as a tuple (a dict per event was a quarter of a GB at a million events): the
        # page's history table is made from them (`templating.history_rows`); every question has events
        history = Groups(
            question_histories(self.ledger.table(snap, "events", **which)), lambda qid: self.named("questions", qid)
        )
        wanted = ["position", "stream_id", "recorded_at", "payload"]
        for chunk in self.ledger.table(snap, "events", type="QuestionClarified", **which).narrow(wanted).chunks():
            for pos, stream, recorded, payload in chunk[wanted].itertuples(index=False, name=None):
                qid = ev.stream_question(str(stream))
                if qid is None:
                    continue
                data = json.loads(payload) if isinstance(payload, str) else {}
                changes = [(k, data[k]) for k in ("title", "criteria", "resolve_by", "opened") if data.get(k)]
                clarifications[qid].append(
                    {"position": pos, "recorded_at": recorded, "reason": data.get("reason"), "changes": changes}
                )
        res_by: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in t.records(self.ledger.table(snap, "resolutions", **which).frame()):
            res_by[str(r["question_id"])].append(r)
        q_by_id = {str(q["question_id"]): q for q in d.q_rows}

        def page(qid: str, rows: list[ForecastRow]) -> None:
            q, events = q_by_id[qid], history.take(qid)
            self.render(
                q_url(qid),
                "question.html.j2",
                str(q["title"]),
                q=q,
                rows=rows,
                chart=question_chart(q, rows),
                resolutions=res_by.get(qid, []),
                clarifications=clarifications.get(qid, []),
                history=events,
                proof=self.proof(h[0] for h in events),
            )

        done: set[str] = set()
        for qid, rows in self.group_rows(snap, d, "questions"):
            if qid in q_by_id:
                done.add(qid)
                page(qid, rows)
        for qid in q_by_id:
            if qid not in done and self.named("questions", qid):
                page(qid, [])

    def question_filter(self) -> dict[str, Any] | None:
        """The filter of the rows of the questions whose pages are made: none in a full build, the named ones in a
        rebuild that reads the named subjects only; None when it names no question (nothing to read)."""
        if self.subjects is None:
            return {}
        return {"question": sorted(self.subjects.questions)} if self.subjects.questions else None

    def source_pages(self, snap: Snapshot, d: SiteData) -> None:
        """A source's pages, as its forecasts are read (`group_rows`), then those of the sources with none."""
        by_id = {}
        for s in d.s_rows:
            sid = str(s["source_id"])
            by_id[sid] = s

        def pages(s: dict[str, Any], rows: list[ForecastRow]) -> None:
            sid = str(s["source_id"])
            chunks = pages_of(rows, self.page_rows)
            for i, chunk in enumerate(chunks, 1):
                self.render(
                    s_url(sid, i),
                    "source.html.j2",
                    str(s["title"]),
                    s=s,
                    rows=chunk,
                    pager=pager(i, len(chunks), lambda n, sid=sid: "../" + s_url(sid, n)),
                    proof=self.proof([s["position"], *(f["position"] for f in chunk)]),
                )

        for sid, rows in self.group_rows(snap, d, "sources"):
            if sid in by_id:
                pages(by_id.pop(sid), rows)
        for sid, s in by_id.items():
            if self.named("sources", sid):
                pages(s, [])

    def list_pages(self, d: SiteData) -> None:
        """The questions and sources, the open and due questions, the hindsight-flagged forecasts."""
        by_q = {str(q["question_id"]): q for q in d.q_rows}
        by_s = {str(s["source_id"]): s for s in d.s_rows}
        lists = (
            ("questions", by_q, "Questions", "Every question, in the order they were opened.", "questions-table"),
            ("sources", by_s, "Sources", "Every source, in the order it was registered.", None),
        )
        for stem, rows_by, heading, lede, table_id in lists:
            chunks = pages_of(d.listing.ids(stem), self.page_rows)
            for i, chunk in enumerate(chunks, 1):
                if not self.list_page_made(stem, i):
                    continue
                self.render(
                    list_url(stem, i),
                    "list.html.j2",
                    heading,
                    heading=heading,
                    lede=lede,
                    kind=stem,
                    rows=[rows_by[x] for x in chunk],
                    table_id=table_id,
                    extra=d.extra,
                    pager=pager(i, len(chunks), lambda n, stem=stem: list_url(stem, n)),
                )
        due_rows = sorted(d.due_rows, key=lambda q: (-int(q["days_overdue"] or 0), str(q["question_id"])))
        chunks = pages_of(d.listing.ids("open"), self.page_rows)
        for i, chunk in enumerate(chunks, 1):
            if not self.list_page_made("open", i):
                continue
            self.render(
                list_url("open", i),
                "open.html.j2",
                "Open and due questions",
                due=due_rows[: self.page_rows] if i == 1 else [],
                due_note=f"{t.plural(len(due_rows), 'question')} due, most overdue first." if i == 1 else "",
                due_more=(
                    f"{len(due_rows) - self.page_rows} more due questions are in the open list below."
                    if i == 1 and len(due_rows) > self.page_rows
                    else ""
                ),
                rows=[by_q[x] for x in chunk],
                pager=pager(i, len(chunks), lambda n: list_url("open", n)),
            )
        chunks = pages_of(t.hindsight_rows(d.hindsight), self.page_rows)
        for i, chunk in enumerate(chunks, 1):
            self.render(
                list_url("hindsight", i),
                "list.html.j2",
                "Hindsight-flagged forecasts",
                heading="Hindsight-flagged forecasts",
                lede="Made on or after the day the outcome became known: never scored, listed so that nobody "
                "mistakes them for calls made in advance.",
                kind="hindsight",
                rows=chunk,
                table_id=None,
                extra=d.extra,
                pager=pager(i, len(chunks), lambda n: list_url("hindsight", n)),
            )

    def list_page_made(self, stem: str, number: int) -> bool:
        """Whether page ``number`` of the list ``stem`` is made (`self.lists`); a page not made is kept as the last
        build made it (`list_plan` saw it recorded)."""
        if self.lists is None or number in self.lists[stem]:
            return True
        kept = self.w.keep_previous(list_url(stem, number))
        assert kept  # `list_plan` saw every page of the list with its inputs
        return False

    def integrity_page(self, snap: Snapshot, d: SiteData) -> None:
        meta = d.meta
        as_of_arg = None
        if meta["as_of"]:
            point = meta["as_of"]
            as_of_arg = str(point["position"]) if point["position"] is not None else point["recorded_until"]
        page_summary = {
            "head_position": meta["head_position"],
            "head_hash": meta["head_hash"],
            "as_of": meta["as_of"],
            "verification": d.verification,
            "run": snap.run,
            "verified_at": self.verified_at,
        }
        self.render(
            "integrity.html",
            "integrity.html.j2",
            "Integrity",
            verification=d.verification | {"verified_at": self.verified_at},
            summary=page_summary,
            head_position=meta["head_position"],
            head_hash=meta["head_hash"],
            as_of_arg=as_of_arg,
            proofs=self.proofs.consistency() if self.proofs is not None else None,
        )
        if self.proofs is not None:
            for rel, data in self.proofs.files().items():
                self.w.write(rel, data)

    def search(self, snap: Snapshot, d: SiteData) -> tuple[int, int]:
        """The search page and its index; returns the index's entries and the quotes left out of it."""
        entries: list[list[Any]] = []
        for fid, p in d.person.items():
            entries.append(
                [KIND_INDEX["forecaster"], t.clean(str(p["name"])), t.clean(str(p["role"] or "")), f_url(fid)]
            )
        for qid, title, tags, _status, _due in d.listing.questions:
            entries.append([KIND_INDEX["question"], t.clean(title), t.clean(" ".join([qid, *tags])), q_url(qid)])
        for sid, title, outlet in d.listing.sources:
            entries.append([KIND_INDEX["source"], t.clean(title), t.clean(str(outlet or "")), s_url(sid)])
        # the first quotes in recording order, read as such (the forecasts are not all read in a named rebuild)
        quote_fields = ("forecast_id", "question_id", "forecaster", "made_at", "quote")
        reader = self.ledger.table(snap, "forecasts", quoted=True).narrow(quote_fields)
        n_quoted = reader.count()
        n_indexed = min(n_quoted, self.search_quotes)
        note = (
            f"Searches {t.plural(len(d.person), 'forecaster')}, {t.plural(len(d.listing.questions), 'question')}, "
            f"{t.plural(len(d.listing.sources), 'source')} and {t.plural(n_indexed, 'quote')}"
            + (
                f" (the first {self.search_quotes}; {n_quoted - n_indexed} later quotes are on their pages only)"
                if n_quoted > n_indexed
                else ""
            )
            + ". Every word typed must appear."
        )

        def text(value: Any) -> str:
            return json.dumps(value, ensure_ascii=True, separators=(",", ":")).replace("</", "<\\/")

        # The file is the payload without its quotes (`base`) with the quotes' entries put before its closing
        # "]}" (`tail`: ",[2,...],..." or "[2,...],..."; neither end can split a "</"). `heads` stands for every
        # name and title a quote's entry shows.
        base = text({"note": note, "entries": entries})
        heads = hashlib.sha256(base.partition(',"entries":')[2].encode()).hexdigest()
        tail = self.kept_quotes(n_indexed, heads)
        if tail is None:
            titles = {q[0]: q[1] for q in d.listing.questions}
            quotes: list[list[Any]] = []
            for f in reader.rows(self.search_quotes):
                qid = str(f["question_id"])
                about = f"{f['forecaster']} on “{titles.get(qid, qid)}”, {t.day(f['made_at'])}"
                target = q_url(qid) + "#fc-" + t.file_id(str(f["forecast_id"]))
                quotes.append([KIND_INDEX["quote"], t.clean(str(f["quote"])), t.clean(about), target])
            tail = ("," if entries and quotes else "") + text(quotes)[1:-1]
        record = {"quotes": f"{n_indexed} {heads} {len(tail)}"}
        self.w.write("search-index.js", "window.TRACKER_SEARCH = " + base[:-2] + tail + "]};\n", **record)
        for script in ("search.js", "scroll.js"):
            self.w.write(script, files("tracker").joinpath("templates", script).read_bytes())
        self.render("search.html", "search.html.j2", "Search", note=note)
        self.w.write("style.css", t.stylesheet())
        return len(entries) + n_indexed, n_quoted - n_indexed

    def kept_quotes(self, n_indexed: int, heads: str) -> str | None:
        """The quotes' entries of the search index in the folder, when they are those this build would make: a
        rebuild whose new events only add (`self.touched`: no forecast withdrawn, no title changed) indexes the
        same number of quotes as the index in the folder (new quotes come after its last one: it was full, or none
        was added), showing the same names and titles."""
        old = self.w.previous.get("search-index.js")
        if self.touched is None or self.folder is None or old is None:
            return None
        indexed, old_heads, size = (str(old.get("quotes")).split(" ") + ["", "", ""])[:3]
        if indexed != str(n_indexed) or old_heads != heads or not size.isdigit():
            return None
        try:
            raw = (self.folder / "search-index.js").read_bytes()
        except OSError:
            return None
        end = len(raw) - len(b"]};\n")
        if sitefolder.sha256(raw) != old.get("sha256") or not raw.endswith(b"]};\n") or int(size) > end:
            return None
        return raw[end - int(size) : end].decode("ascii")

    @staticmethod
    def _as_of_text(point: dict[str, Any]) -> str:
        return f"position {point['position']}" if point["position"] is not None else str(point["recorded_until"])


def verified_head(ledger: Ledger, verification: dict[str, Any]) -> str:
    """What the verification covered, said from the ledger rather than the clock (so that two builds of the same
    ledger are the same bytes): the head it checked and when that event was recorded."""
    position = int(verification.get("head_position") or 0)
    if not position:
        return "an empty ledger"
    with ledger.snapshot() as snap:
        rows = ledger.table(snap, "events", after=position - 1).narrow(["position", "recorded_at"]).rows(1)
    recorded = rows[0]["recorded_at"] if rows and rows[0]["position"] == position else None
    return f"head position {position}" + (f", recorded {t.minute(recorded)}" if recorded is not None else "")


def verified_before(found: sitefolder.Survey) -> tuple[int, str] | None:
    """The head the folder's last build verified (position, hash), from its manifest; None to check the chain
    from genesis."""
    head = found.manifest.summary.get(VERIFIED)
    if (
        not isinstance(head, list)
        or len(head) != 2  # noqa: PLR2004  (position and hash)
        or not isinstance(head[0], int)
        or isinstance(head[0], bool)
        or head[0] < 0
        or not isinstance(head[1], str)
    ):
        return None
    return head[0], head[1]


def touched_since(
    ledger: Ledger, snap: Snapshot, found: sitefolder.Survey, salt: str, verification: dict[str, Any]
) -> Touched | None:
    """The pages the events since the folder's last build can change (`tracker.app.sitetouched`), when that build
    was made by the same code and options on the same day from a verified head; None: every page is compared."""
    last = found.manifest.summary
    head = verified_before(found)
    run = last.get("scores_run_id")
    if (
        head is None
        or not verification["ok"]
        or last.get("as_of") is not None  # a build at a point in the past says so in every page's footer
        or last.get(BUILT_BY) != [salt, snap.today.isoformat()]
        or last.get("head_position") != head[0]
        or not (run is None or (isinstance(run, int) and not isinstance(run, bool)))
    ):
        return None
    if any(found.owned.get(rel) != entry.get("sha256") for rel, entry in found.manifest.files.items()):
        return None  # a file of that build is missing or not its bytes: every page is compared (and made again)
    from tracker.app import sitetouched

    return sitetouched.touched(ledger, snap, head[0], run)


def siteproofs_possible(owned: dict[str, str]) -> bool:
    """Whether the previous build published checkpoints (then this one keeps proving its pages)."""
    return any(rel.startswith("checkpoints/") for rel in owned)


def build_site(
    ledger: Ledger,
    out: str | os.PathLike[str],
    as_of: Any = None,
    run: Any = None,
    *,
    top: int = TOP,
    page_rows: int = PAGE_ROWS,
    search_quotes: int = SEARCH_QUOTES,
    title: str = "Forecast tracker",
    force: bool = False,
    key: Verifier | None = None,
    checkpoints: Any = (),
) -> SiteSummary:
    """Write the site to ``out`` (see the module's doc). Checks the hash chain (`Ledger.verify_chain`): from the
    head the folder's last build verified when its manifest names one, else from genesis; a failed verification
    is on every index page and on integrity.html, and in the summary. ``force``: build in a folder that holds
    other files too, leaving them in place (never the ledger's). ``key`` (a public key) and ``checkpoints``
    ((name, note) pairs): the pages carry proofs against the checkpoints (tracker.app.siteproofs)."""
    path = Path(out)
    found = check_out(path, force)
    # imported here: `cryptography` is loaded by the builds that carry proofs, and by them only
    proofs = None
    if key is not None or checkpoints or siteproofs_possible(found.owned):
        from tracker.app import siteproofs

        proofs = siteproofs.prepare(ledger, path, found.owned, key, checkpoints)
    for stale in sitefolder.stale_build_folders(path):
        shutil.rmtree(stale, ignore_errors=True)
    started = time.perf_counter()
    verification = ledger.verify_chain(verified_before(found))
    verified_at = verified_head(ledger, verification)
    took = round(time.perf_counter() - started, 2)
    summary = SiteSummary(out=str(path), verified_at=verified_at, verified_ok=bool(verification["ok"]))
    summary.verification = dict(verification)
    # how much of the chain this build had to check depends on the folder's last build: on no page
    verification = {k: v for k, v in verification.items() if k not in BUILD_ONLY}
    verified = [verification["head_position"], verification["head_hash"]] if verification["ok"] else None
    salt = code_digest({"top": top, "page_rows": page_rows, "search_quotes": search_quotes, "title": title})
    made = not os.path.lexists(path)
    try:
        if made:
            path.mkdir()
        with sitefolder.build_folder(path) as tmp, ledger.snapshot(as_of, run) as snap:
            state = inputs_digest(salt, snap.meta(), snap.today, verification, verified_at)
            writer = Writer(tmp, sitefolder.previous_files(found))
            # a build that carries proofs makes them again (its checkpoints may be new with no new event)
            if proofs is None and sitefolder.unchanged(found, state):
                # the same ledger, point, day, code and options as the site in the folder: nothing to make
                writer.keep_all(found.manifest.files)
                summary.timings = {"verification": took}
                counts = found.manifest.summary
            else:
                builder = SiteBuilder(
                    ledger,
                    writer,
                    top=top,
                    page_rows=page_rows,
                    search_quotes=search_quotes,
                    verified_at=verified_at,
                    title=title,
                    salt=salt,
                    proofs=proofs,
                    touched=None if proofs is not None else touched_since(ledger, snap, found, salt, verification),
                    folder=path,
                )
                builder.build(snap, verification, summary)
                summary.timings = {"verification": took} | builder.timings
                counts = {k: getattr(summary, k) for k in SUMMARY_COUNTS}
            for k in SUMMARY_COUNTS:
                setattr(summary, k, counts.get(k, getattr(summary, k)))
            counts = {k: v for k, v in counts.items() if k not in (VERIFIED, BUILT_BY)} | {
                BUILT_BY: [salt, snap.today.isoformat()]
            }
            counts |= {VERIFIED: verified} if verified else {}
            # again: nobody put a file where the build's go, or changed one it keeps, in the meantime
            again = sitefolder.recheck(path, found, writer.written)
            why = None if force else sitefolder.refusal(path, again)
            if why:
                raise UserError(why, "out")
            changed = sorted(rel for rel in writer.kept if again.owned.get(rel) != writer.written[rel]["sha256"])
            if changed:
                raise UserError(f"{str(path / changed[0])!r} changed while the site was being built", "out")
            sitefolder.publish(path, tmp, writer.written, again, state, counts)
    except OSError as e:
        raise UserError(f"cannot write {str(path)!r}: {e.strerror or e}", "out") from None
    finally:
        if made:
            with contextlib.suppress(OSError):
                path.rmdir()  # only when the build failed and left it empty
    summary.pages, summary.files, summary.bytes = writer.pages, writer.files, writer.bytes
    summary.kept = len(writer.kept)
    return summary
