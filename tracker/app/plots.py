"""Pictures: reliability diagrams and score histories, as matplotlib Figures.

Figures are built on matplotlib's object API with the Agg canvas (no pyplot, no global state, no display), so
they work in scripts, servers and tests alike; in a notebook, a returned Figure displays itself. matplotlib is
imported inside the functions. Each function takes frames from the Python API and returns the Figure; the
``*_for`` helpers read them from a `Ledger` first.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from tracker.app import outfiles
from tracker.errors import UserError
from tracker.read.tables import ALL_FORECASTERS

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from tracker.app.ledger import Ledger

IMAGE_FORMATS = (".png", ".svg", ".pdf")
EVERYONE = "Everyone"
DIAGONAL_LABEL = "perfect calibration"
CROWD_LABEL = "crowd (daily median forecast)"
FIELD_LABEL = "all forecasters (pooled)"
NO_CROWD = "no question with another forecaster: no relative score"


_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextlib.contextmanager
def plain_text() -> Iterator[None]:
    """Every text made or drawn inside is shown as written: matplotlib reads text between two ``$`` as mathtext
    (TeX-like markup), and stored text (a forecaster's name, a tag in a title) must never be interpreted. An
    unknown macro in a name, ``$\\undefinedmacro{x}$``, would otherwise end the command with an error.
    ``text.parse_math`` is read when a text is made, so figures are built, and drawn, inside this."""
    import matplotlib

    with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
        yield


def _plain(build: Callable[_P, _R]) -> Callable[_P, _R]:
    @functools.wraps(build)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with plain_text():
            return build(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _label(forecaster_id: str, names: dict[str, str] | None) -> str:
    if forecaster_id == ALL_FORECASTERS:
        return EVERYONE
    return (names or {}).get(forecaster_id, forecaster_id)


def legend_below(fig: Figure, axes: list[Axes]) -> None:
    """One legend for the figure, outside and beneath every axes, so that it never covers a data point."""
    handles: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    if handles:
        fig.legend(
            list(handles.values()),
            list(handles),
            loc="outside lower center",
            ncols=min(3, len(handles)),
            fontsize=8,
            frameon=False,
        )


def declutter(fig: Figure, labels: list[Any]) -> None:
    """Hide the labels that would overlap one already placed (``labels`` in order of priority), so that no two
    ``n=`` labels are drawn on top of each other. Needs the final layout: the figure is drawn first."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    placed: list[Any] = []
    for label in labels:
        box = label.get_window_extent(renderer).padded(1)
        if any(box.overlaps(other) for other in placed):
            label.set_visible(False)
        else:
            placed.append(box)


def filter_note(filters: dict[str, Any]) -> str:
    """What a figure is restricted to, for its title: "tag venezuela; outlet POLITICO Europe"; "" for nothing."""
    parts = []
    for key in ("tag", "source", "outlet", "as_of", "run"):
        value = filters.get(key)
        if value is None or value == [] or value == ():
            continue
        shown = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
        parts.append(f"{key.replace('_', ' ')} {shown}")
    return "; ".join(parts)


# ------------------------------------------------------------------------------------------------ calibration


@_plain
def calibration_figure(table: pd.DataFrame, names: dict[str, str] | None = None, title: str | None = None) -> Figure:
    """A reliability diagram per forecaster in ``table`` (a `Ledger.calibration` frame), side by side.

    Each panel: the diagonal (perfect calibration); each non-empty bin's observed frequency against its mean
    forecast, with its 95% interval (Clopper-Pearson) as an error bar and its count written beside it; beneath, the
    histogram of the forecasts (count per bin). ``names`` maps forecaster ids to display names.
    """
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    groups = [str(g) for g in dict.fromkeys(table["forecaster_id"].astype(str))] or [ALL_FORECASTERS]
    count_labels: list[tuple[int, Any]] = []
    k = len(groups)
    fig = new_figure(max(4.6, 4.2 * k), 5.6)
    grid = fig.add_gridspec(2, k, height_ratios=[3, 1])
    for i, group in enumerate(groups):
        rows = table[table["forecaster_id"].astype(str) == group]
        top: Axes = fig.add_subplot(grid[0, i])
        bottom: Axes = fig.add_subplot(grid[1, i], sharex=top)
        top.plot([0, 1], [0, 1], linestyle="--", color="0.55", linewidth=1, label=DIAGONAL_LABEL)
        filled = rows[rows["count"] > 0]
        n = int(rows["count"].sum())
        if len(filled):
            x = filled["mean_forecast"].to_numpy(dtype=np.float64)
            y = filled["observed_frequency"].to_numpy(dtype=np.float64)
            low = filled["ci_low"].to_numpy(dtype=np.float64)
            high = filled["ci_high"].to_numpy(dtype=np.float64)
            top.errorbar(
                x,
                y,
                yerr=np.vstack([y - low, high - y]),
                fmt="o",
                color="#1f5fa8",
                ecolor="#8fb3dc",
                elinewidth=2,
                capsize=3,
                label="observed (95% interval)",
            )
            for xi, yi, c in zip(x, y, filled["count"].to_numpy(), strict=True):
                # beside the point, kept inside the axes near the top and right edges
                dx, ha = (-6, "right") if xi > 0.85 else (6, "left")
                dy, va = (-4, "top") if yi > 0.9 else (4, "bottom")
                text = top.annotate(
                    f"n={int(c)}",
                    (xi, yi),
                    textcoords="offset points",
                    xytext=(dx, dy),
                    ha=ha,
                    va=va,
                    fontsize=8,
                    color="0.25",
                )
                count_labels.append((int(c), text))
        else:
            top.text(0.5, 0.5, "no scored binary forecasts", ha="center", va="center", color="0.4")
        top.set_xlim(0, 1)
        top.set_ylim(-0.02, 1.02)
        top.set_aspect("auto")
        top.set_title(f"{_label(group, names)} ({n} forecast{'s' if n != 1 else ''})")
        top.set_ylabel("observed frequency of YES")
        top.grid(True, linewidth=0.4, alpha=0.5)
        top.tick_params(labelbottom=False)
        widths = (rows["bin_high"] - rows["bin_low"]).to_numpy(dtype=np.float64)
        bottom.bar(
            rows["bin_low"].to_numpy(dtype=np.float64),
            rows["count"].to_numpy(),
            width=widths,
            align="edge",
            color="#b9cde5",
            edgecolor="#1f5fa8",
            linewidth=0.6,
        )
        bottom.set_xlim(0, 1)
        bottom.set_xlabel("forecast P(YES)")
        bottom.set_ylabel("forecasts")
        bottom.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # counts: whole numbers
    # a long filter note wraps rather than running off the figure (about 11 characters an inch at this size)
    heading = title or "Calibration (reliability diagram)"
    fig.suptitle(textwrap.fill(heading, int(11 * fig.get_figwidth()), break_on_hyphens=False, break_long_words=False))
    legend_below(fig, fig.axes[:1])
    declutter(fig, [t for _, t in sorted(count_labels, key=lambda ct: -ct[0])])  # the larger counts first
    return fig


def calibration_for(ledger: Ledger, forecasters: list[str] | None = None, bins: int = 10, **filters: Any) -> Figure:
    """`calibration_figure` of everyone (no forecasters), one forecaster, or several side by side."""
    table = ledger.calibration(forecasters or None, bins, **filters)
    note = filter_note(filters)
    title = "Calibration (reliability diagram)" + (f", {note}" if note else "")
    return calibration_figure(table, _forecaster_names(ledger, filters.get("as_of"), filters.get("run")), title)


@_plain
def discrimination_figure(table: pd.DataFrame, who: str = "everyone", title: str | None = None) -> Figure:
    """The discrimination view (a `Ledger.discrimination` frame): per bin of P(YES), the share of the questions
    that happened and of those that did not. A forecaster who tells them apart puts the first on the right and
    the second on the left; two overlapping profiles mean the forecasts did not separate them."""
    import numpy as np

    fig = new_figure(7.0, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(len(table))
    width = 0.4
    ax.bar(x - width / 2, table["share_yes"].fillna(0.0), width, label="happened", color="#2e8b57")
    ax.bar(x + width / 2, table["share_no"].fillna(0.0), width, label="did not happen", color="#b5472c")
    ax.set_xticks(x, [str(b) for b in table["bin"]], rotation=45 if len(table) > 6 else 0)
    ax.set_xlabel("forecast P(YES)")
    ax.set_ylabel("share of the forecasts on each side")
    ax.set_ylim(0, 1)
    slope = ""
    if len(table) and "mean_p_yes" in table.columns:
        yes, no = table["mean_p_yes"].iloc[0], table["mean_p_no"].iloc[0]
        # one side empty (every question happened, or none did): no slope, and no number to say
        if yes is not None and no is not None and yes == yes and no == no:
            yes, no = float(yes), float(no)
            slope = f" (discrimination slope {yes - no:.2f})"
    ax.set_title(title or f"Discrimination of {who}\nthe forecasts split by what happened{slope}", fontsize=11)
    legend_below(fig, [ax])
    return fig


def discrimination_for(ledger: Ledger, forecaster: str | None = None, bins: int = 10, **filters: Any) -> Figure:
    table = ledger.discrimination(forecaster, bins, **filters)
    who = forecaster or "everyone"
    if forecaster is not None:
        who = next(iter(_forecaster_names(ledger, filters.get("as_of"), filters.get("run"), forecaster).values()))
    note = filter_note(filters)
    return discrimination_figure(table, who + (f", {note}" if note else ""))


def _forecaster_names(ledger: Ledger, as_of: Any = None, run: Any = None, forecaster: Any = None) -> dict[str, str]:
    """Names by forecaster id (an unknown ``forecaster`` is the read side's NotFound)."""
    frame = ledger.forecasters(forecaster=forecaster, as_of=as_of, run=run)
    return dict(zip(frame["forecaster_id"].astype(str), frame["name"].astype(str), strict=True))


# ---------------------------------------------------------------------------------------------------- history


def _pooled(history: pd.DataFrame) -> pd.DataFrame:
    """Per run: everyone's mean Brier pooled over their scored forecasts (each forecaster's latest row by then)."""
    import pandas as pd

    runs = sorted(int(r) for r in history["run_id"].unique())
    out = []
    for run in runs:
        upto = history[history["run_id"] <= run]
        latest = upto.sort_values("run_id").groupby(upto["forecaster_id"].astype(str), observed=True).tail(1)
        latest = latest[latest["n_scored"] > 0]
        weights = latest["n_scored"].to_numpy(dtype=float)
        value = (
            float((latest["mean_brier"].to_numpy(dtype=float) * weights).sum() / weights.sum())
            if len(latest)
            else float("nan")
        )
        finished = history.loc[history["run_id"] == run, "finished_at"].iloc[0]
        out.append({"run_id": run, "finished_at": finished, "mean_brier": value})
    return pd.DataFrame(out, columns=["run_id", "finished_at", "mean_brier"])


@_plain
def history_figure(history: pd.DataFrame, forecaster_id: str, name: str | None = None) -> Figure:
    """A forecaster's scores over the scoring runs (a `Ledger.score_history` frame of everyone).

    Top: their mean Brier after each run that changed it, with everyone's pooled mean Brier for reference.
    Bottom: their mean Brier relative to the crowd (time-averaged, the daily median forecast), 0 being the crowd.
    """
    import numpy as np

    mine = history[history["forecaster_id"].astype(str) == forecaster_id].sort_values("run_id")
    if mine.empty:
        raise UserError(f"{forecaster_id!r} has no score history (never scored)", "forecaster")
    pooled = _pooled(history)
    runs = sorted(int(r) for r in history["run_id"].unique())
    pos = {run: i for i, run in enumerate(runs)}
    finished = dict(zip(pooled["run_id"], pooled["finished_at"], strict=True))
    fig = new_figure(7.5, 5.6)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    x = [pos[int(r)] for r in mine["run_id"]]
    brier = mine["mean_brier"].to_numpy(dtype=np.float64)
    # a row holds from its run on: draw it as a step to the last run
    top.step([*x, len(runs) - 1], [*brier, brier[-1]], where="post", color="#1f5fa8", linewidth=2)
    top.plot(x, brier, "o", color="#1f5fa8", label=name or forecaster_id)
    top.plot(
        [pos[int(r)] for r in pooled["run_id"]],
        pooled["mean_brier"].to_numpy(dtype=np.float64),
        linestyle="--",
        marker=".",
        color="0.45",
        label=FIELD_LABEL,
    )
    count_labels = [
        top.annotate(f"n={int(n)}", (xi, yi), textcoords="offset points", xytext=(6, 4), fontsize=8, color="0.3")
        for xi, yi, n in zip(x, brier, mine["n_scored"].to_numpy(), strict=True)
    ]
    top.set_ylabel("mean Brier (lower is better)")
    top.set_title(f"{name or forecaster_id}: score over the scoring runs")
    top.grid(True, linewidth=0.4, alpha=0.5)
    _pad(top, [*brier, *pooled["mean_brier"].to_numpy(dtype=np.float64)])
    rel = mine["mean_relative_brier"].to_numpy(dtype=np.float64)
    bottom.axhline(0, color="0.45", linestyle="--", linewidth=1, label=CROWD_LABEL)
    bottom.plot(x, rel, "o-", color="#b5472c", label="relative Brier")
    _symmetric(bottom, rel)
    bottom.set_ylabel("relative Brier\n(below 0 beats the crowd)")
    bottom.set_xlabel("scoring run (finished, UTC)")
    bottom.set_xticks(range(len(runs)), [f"{r}\n{_day(finished[r])}" for r in runs])
    bottom.set_xlim(-0.5, len(runs) - 0.5)
    bottom.grid(True, linewidth=0.4, alpha=0.5)
    legend_below(fig, [top, bottom])
    declutter(fig, count_labels[::-1])  # the latest first
    return fig


def _day(value: Any) -> str:
    try:
        return str(value.strftime("%Y-%m-%d"))
    except (AttributeError, ValueError):
        return ""


def _pad(ax: Axes, values: Any) -> None:
    """y limits with some room, and at least 0.05 tall (a single value would otherwise get a hair-thin axis)."""
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    if not v.size:
        return
    low, high = float(v.min()), float(v.max())
    span = max(high - low, 0.05)
    mid = (low + high) / 2
    ax.set_ylim(max(0.0, mid - span * 0.65), mid + span * 0.65)


def _symmetric(ax: Axes, values: Any) -> None:
    """Limits symmetric around 0 (the crowd), at least +-0.05, so float noise around 0 reads as 0."""
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    bound = max(0.05, float(np.abs(v).max()) * 1.25) if v.size else 0.05
    ax.set_ylim(-bound, bound)
    if not v.size:
        ax.text(0.5, 0.25, NO_CROWD, transform=ax.transAxes, ha="center", va="center", color="0.4")


@_plain
def resolution_history_figure(question_scores: pd.DataFrame, forecaster_id: str, name: str | None = None) -> Figure:
    """A forecaster's scores over resolution dates (a `Ledger.question_scores` frame): each question's
    time-averaged Brier (dots) and the running mean (line), with the crowd's on the same questions (dashed);
    beneath, the running mean relative Brier, 0 being the crowd."""
    import numpy as np

    mine = question_scores[question_scores["forecaster_id"].astype(str) == forecaster_id]
    mine = mine.sort_values(["known_on", "question_id"], kind="stable")
    if mine.empty:
        raise UserError(f"{forecaster_id!r} has no scored forecasts", "forecaster")
    x = mine["known_on"]
    own = mine["time_avg_brier"].to_numpy(dtype=np.float64)
    crowd = mine["crowd_time_avg_brier"].to_numpy(dtype=np.float64)
    steps = np.arange(1, len(mine) + 1)
    fig = new_figure(7.5, 5.6)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    top.plot(x, own, "o", color="#8fb3dc", label="time-averaged Brier per question")
    top.plot(
        x, np.cumsum(own) / steps, "-", color="#1f5fa8", linewidth=2, label=f"{name or forecaster_id} (running mean)"
    )
    top.plot(x, np.cumsum(crowd) / steps, "--", color="0.45", label="crowd on the same questions (running mean)")
    top.set_ylabel("time-averaged Brier\n(lower is better)")
    top.set_title(f"{name or forecaster_id}: score over resolution dates")
    top.grid(True, linewidth=0.4, alpha=0.5)
    rel = mine["relative_brier"].to_numpy(dtype=np.float64)
    have = ~np.isnan(rel)
    running = np.cumsum(np.where(have, rel, 0.0)) / np.maximum(np.cumsum(have), 1)
    running[np.cumsum(have) == 0] = np.nan
    bottom.axhline(0, color="0.45", linestyle="--", linewidth=1, label=CROWD_LABEL)
    bottom.plot(x, running, "o-", color="#b5472c", label="relative Brier (running mean)")
    _symmetric(bottom, running)
    bottom.set_ylabel("relative Brier\n(below 0 beats the crowd)")
    bottom.set_xlabel("outcome known on")
    bottom.grid(True, linewidth=0.4, alpha=0.5)
    fig.autofmt_xdate()
    legend_below(fig, [top, bottom])
    return fig


HISTORY_OVER = ("auto", "runs", "resolutions")


def history_for(ledger: Ledger, forecaster: str, over: str = "auto", as_of: Any = None, run: Any = None) -> Figure:
    """A forecaster's score over the scoring runs or over resolution dates. ``auto``: over the runs when at least
    two runs changed the forecaster's scores, else over resolution dates (one run, as after `make demo`, would be
    a single dot)."""
    if over not in HISTORY_OVER:
        raise UserError(f"{over!r} is not {', '.join(HISTORY_OVER[:-1])} or {HISTORY_OVER[-1]}", "over")
    names = _forecaster_names(ledger, as_of, run, forecaster)
    fid, name = next(iter(names.items()))
    if over in ("auto", "runs"):
        history = ledger.score_history(as_of=as_of, run=run)
        if over == "runs" or history_over(history, fid) == "runs":
            return history_figure(history, fid, name)
    return resolution_history_figure(ledger.question_scores(forecaster=fid, as_of=as_of, run=run), fid, name)


def history_over(history: pd.DataFrame, forecaster_id: str) -> str:
    """What ``--over auto`` picks from a score_history frame: ``runs`` when two or more runs changed the
    forecaster's scores, else ``resolutions``."""
    mine = history[history["forecaster_id"].astype(str) == forecaster_id]
    return "runs" if mine["run_id"].nunique() >= 2 else "resolutions"


# ------------------------------------------------------------------------------------------------------ output


def save_figure(fig: Figure, out: str | Path, dpi: int = 120, *, force: bool = False) -> Path:
    """Write the figure (PNG, SVG or PDF, by the extension); an unwritable path, or a file already there without
    ``force``, is a one-line UserError."""
    path = Path(out)
    if path.suffix.lower() not in IMAGE_FORMATS:
        raise UserError(f"{path.name!r}: give a .png, .svg or .pdf file", "out")
    with outfiles.atomic_path(path, overwrite=force) as tmp, plain_text():
        fig.savefig(tmp, dpi=dpi, format=path.suffix.lower().lstrip("."))
    return path


def png_data_uri(fig: Figure, dpi: int = 110) -> str:
    """The figure as a base64 ``data:image/png`` URI (for self-contained HTML)."""
    buffer = io.BytesIO()
    with plain_text():
        fig.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
