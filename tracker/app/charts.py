"""The site's figures as inline SVG: this module computes each figure's geometry (pixel coordinates, rounded to a
tenth so that the bytes are the same on every build), and the macros of ``charts.html.j2`` draw it.

matplotlib took about half a second a figure, which bounded the site to the figures of its top forecasters; these
cost a few milliseconds, so every forecaster gets theirs and the build stays linear in the ledger. Each figure is
an ``<svg role="img">`` labelled by its ``<title>`` and a ``<desc>`` that says what the figure shows (the numbers
a reader would take from it), which screen readers read as its alternative text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.app import templating as t

# a forecaster's score history draws at most this many questions' dots (evenly spaced in resolution order; the
# running means are computed over every question), so that a prolific forecaster's page stays small
MAX_DOTS = 200
BLUE, LIGHT_BLUE, BAR, GREY, RED = "#1f5fa8", "#8fb3dc", "#b9cde5", "#737b86", "#b5472c"


@dataclass(frozen=True)
class Scale:
    """A linear map from data values to pixels."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        span = self.d1 - self.d0
        return round(self.r0 + (float(value) - self.d0) / span * (self.r1 - self.r0), 1) if span else self.r0


def _path(points: list[tuple[float, float]]) -> str:
    return "".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(points))


def _finite(value: Any) -> bool:
    return value is not None and not t.missing(value) and math.isfinite(float(value))


# ------------------------------------------------------------------------------------------------ calibration


def calibration_alt(rows: list[dict[str, Any]], who: str) -> str:
    filled = [r for r in rows if r["count"]]
    n = sum(int(r["count"]) for r in filled)
    if not filled:
        return f"Reliability diagram for {who}: no scored yes/no forecasts yet."
    bins = "; ".join(
        f"forecasts averaging {t.num(r['mean_forecast'], 2)} came true {t.num(r['observed_frequency'], 2)} of the "
        f"time (n={int(r['count'])})"
        for r in filled
    )
    return (
        f"Reliability diagram for {who}, {t.plural(n, 'scored yes/no forecast')}: observed frequency of YES against "
        f"the forecast probability, with the diagonal of perfect calibration. {bins}."
    )


def calibration_chart(rows: list[dict[str, Any]], who: str, chart_id: str) -> dict[str, Any]:
    """A reliability diagram of a `calibration_table`'s rows (one per bin): each non-empty bin's observed
    frequency of YES against its mean forecast, with its 95% interval (Clopper-Pearson), over the diagonal of perfect
    calibration; beneath, the forecasts per bin, each bar labelled with its count."""
    width, height, left, right = 560, 440, 64, 16
    x = Scale(0, 1, left, width - right)
    y = Scale(0, 1, 284, 16)  # the reliability panel
    n_max = max([int(r["count"]) for r in rows] + [1])
    hy = Scale(0, n_max, 388, 328)  # the histogram panel, its tallest bar a few pixels under the panel above
    points = []
    bars = []
    for r in rows:
        count = int(r["count"])
        bx0, bx1 = x(r["bin_low"]), x(r["bin_high"])
        bars.append(
            {
                "x": bx0,
                "y": hy(count),
                "w": round(bx1 - bx0, 1),
                "h": round(hy(0) - hy(count), 1),
                "cx": round((bx0 + bx1) / 2, 1),
                "label": str(count) if count else "",
                "tip": f"{t.num(r['bin_low'], 1)}–{t.num(r['bin_high'], 1)}: {t.plural(count, 'forecast')}",
            }
        )
        if not count or not _finite(r["mean_forecast"]) or not _finite(r["observed_frequency"]):
            continue
        low = r["ci_low"] if _finite(r["ci_low"]) else r["observed_frequency"]
        high = r["ci_high"] if _finite(r["ci_high"]) else r["observed_frequency"]
        points.append(
            {
                "cx": x(r["mean_forecast"]),
                "cy": y(r["observed_frequency"]),
                "lo": y(low),
                "hi": y(high),
                "tip": f"forecasts averaging {t.num(r['mean_forecast'], 2)} came true "
                f"{t.num(r['observed_frequency'], 2)} of the time (n={count}; 95% interval "
                f"{t.interval(low, high, 2)})",
            }
        )
    n = sum(int(r["count"]) for r in rows)
    ticks = [0, 0.25, 0.5, 0.75, 1]
    return {
        "id": chart_id,
        "width": width,
        "height": height,
        "title": f"Calibration of {who} ({t.plural(n, 'scored yes/no forecast')})",
        "desc": calibration_alt(rows, who),
        "x0": x(0),
        "x1": x(1),
        "y0": y(0),
        "y1": y(1),
        "h0": hy(0),
        "h_top": hy(n_max),
        "x_ticks": [(x(v), f"{v:g}") for v in ticks],
        "y_ticks": [(y(v), f"{v:g}") for v in ticks],
        "h_max": n_max,
        "points": points,
        "bars": bars,
        "empty": not points,
    }


# ------------------------------------------------------------------------------------------------ score history


def history_alt(rows: list[dict[str, Any]], who: str) -> str:
    own = [float(r["time_avg_brier"]) for r in rows if _finite(r["time_avg_brier"])]
    crowd = [float(r["crowd_time_avg_brier"]) for r in rows if _finite(r["crowd_time_avg_brier"])]
    mean = lambda v: sum(v) / len(v) if v else None  # noqa: E731
    return (
        f"{who}'s time-averaged Brier score on {t.plural(len(rows), 'question')} by the date each outcome became "
        f"known, {t.day(rows[0]['known_on'])} to {t.day(rows[-1]['known_on'])}: the running mean ends at "
        f"{t.num(mean(own))} against {t.num(mean(crowd))} for the crowd on the same questions (lower is better); "
        "beneath, the running mean of the difference, below 0 beating the crowd."
    )


def _running(values: list[Any]) -> list[float | None]:
    """The running mean of the finite values so far (None before the first)."""
    total, count, out = 0.0, 0, []
    for v in values:
        if _finite(v):
            total += float(v)
            count += 1
        out.append(total / count if count else None)
    return out


def _step(top: float) -> float:
    """A round upper bound: the next multiple of 0.25 (0.05 under 0.25)."""
    unit = 0.25 if top > 0.25 else 0.05
    return max(unit, math.ceil(top / unit - 1e-9) * unit)


def history_chart(rows: list[dict[str, Any]], who: str, chart_id: str) -> dict[str, Any] | None:
    """A forecaster's question scores (``rows`` in resolution order: known_on, question_id, time_avg_brier,
    crowd_time_avg_brier, relative_brier): each question's time-averaged Brier as a dot, the running mean as a
    line and the crowd's running mean on the same questions dashed; beneath, the running mean of the relative
    Brier, 0 being the crowd."""
    rows = [r for r in rows if r["known_on"] is not None and _finite(r["time_avg_brier"])]
    if not rows:
        return None
    width, height, left, right = 640, 420, 64, 16
    days = [r["known_on"].toordinal() for r in rows]
    start, end = days[0], max(days[-1], days[0] + 1)
    pad = (end - start) * 0.03
    x = Scale(start - pad, end + pad, left, width - right)
    own = _running([r["time_avg_brier"] for r in rows])
    crowd = _running([r["crowd_time_avg_brier"] for r in rows])
    rel = _running([r["relative_brier"] for r in rows])
    values = [float(r["time_avg_brier"]) for r in rows] + [v for v in crowd if v is not None]
    top = _step(max(values))
    y = Scale(0, top, 236, 16)
    m = _step(max([abs(v) for v in rel if v is not None] + [0.05]))
    ry = Scale(-m, m, 356, 268)
    n = len(rows)
    # evenly spaced when there are too many, the first and the last kept
    shown = list(range(n)) if n <= MAX_DOTS else sorted({round(i * (n - 1) / (MAX_DOTS - 1)) for i in range(MAX_DOTS)})
    dots = [
        {
            "cx": x(days[i]),
            "cy": y(rows[i]["time_avg_brier"]),
            "tip": f"{rows[i]['question_id']}, known {t.day(rows[i]['known_on'])}: "
            f"{t.num(rows[i]['time_avg_brier'])} (crowd {t.num(rows[i]['crowd_time_avg_brier'])})",
        }
        for i in shown
    ]
    own_line = _path([(x(days[i]), y(v)) for i in shown if (v := own[i]) is not None])
    crowd_line = _path([(x(days[i]), y(v)) for i in shown if (v := crowd[i]) is not None])
    rel_line = _path([(x(days[i]), ry(v)) for i in shown if (v := rel[i]) is not None])
    unit = 0.25 if top > 0.25 else 0.05
    ticks = [k * unit for k in range(round(top / unit) + 1)]
    mid = start + (end - start) // 2
    return {
        "id": chart_id,
        "width": width,
        "height": height,
        "title": f"{who}: score over resolution dates",
        "desc": history_alt(rows, who),
        "x0": left,
        "x1": width - right,
        "y_ticks": [(y(v), t.num(v, 2)) for v in ticks],
        "r_ticks": [(ry(v), t.num(v, 2)) for v in (-m, 0, m)],
        "zero": ry(0),
        "r_top": ry(m),
        "r_bottom": ry(-m),
        "y_top": y(top),
        "y_bottom": y(0),
        "x_ticks": [
            (x(start), "start", t.day(date.fromordinal(start))),
            (x(mid), "middle", t.day(date.fromordinal(mid))),
            (x(days[-1]), "end", t.day(date.fromordinal(days[-1]))),
        ]
        if days[-1] > start
        else [(x(start), "middle", t.day(date.fromordinal(start)))],
        "dots": dots,
        "own_end": (x(days[-1]), y(own[-1])) if own[-1] is not None else None,
        "rel_end": (x(days[-1]), ry(rel[-1])) if rel[-1] is not None else None,
        "own_line": own_line,
        "crowd_line": crowd_line,
        "rel_line": rel_line,
        "thinned": len(shown) < n,
        "legend": [
            (f"{who}, running mean", BLUE),
            ("crowd on the same questions, running mean (dashed)", GREY),
            ("each question's time-averaged Brier", LIGHT_BLUE),
            ("relative Brier, running mean", RED),
        ],
    }
