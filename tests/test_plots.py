"""Pictures, checked through matplotlib's objects (axes, titles, labels, artists' data), not pixels."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from review_fixtures import grow, scored_catalog
from typer.testing import CliRunner

from tracker.app import plots
from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.errors import UserError

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"


def texts(ax) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.get_text() for t in ax.texts]


@pytest.fixture
def scored(ledger: Ledger) -> Ledger:
    scored_catalog(ledger)
    return ledger


def test_reliability_diagram_of_everyone(scored: Ledger) -> None:
    table = scored.calibration()
    fig = plots.calibration_for(scored)
    assert isinstance(fig, Figure)
    assert fig.get_suptitle() == "Calibration (reliability diagram)"
    top, hist = fig.axes
    n = int(table["count"].sum())
    assert top.get_title() == f"Everyone ({n} forecasts)"
    assert top.get_ylabel() == "observed frequency of YES"
    assert hist.get_xlabel() == "forecast P(YES)" and hist.get_ylabel() == "forecasts"
    assert top.get_xlim() == (0.0, 1.0) and hist.get_xlim() == (0.0, 1.0)
    # the diagonal
    diagonal = [line for line in top.get_lines() if line.get_label() == plots.DIAGONAL_LABEL]
    assert len(diagonal) == 1
    assert list(diagonal[0].get_xdata()) == [0, 1] and list(diagonal[0].get_ydata()) == [0, 1]
    # one point per non-empty bin, at (mean forecast, observed frequency), with their 95% (Clopper-Pearson) bars
    filled = table[table["count"] > 0]
    bars = [c for c in top.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 1
    points = bars[0].lines[0]
    np.testing.assert_allclose(points.get_xdata(), filled["mean_forecast"])
    np.testing.assert_allclose(points.get_ydata(), filled["observed_frequency"])
    segments = bars[0].lines[2][0].get_segments()
    np.testing.assert_allclose([s[0][1] for s in segments], filled["ci_low"])
    np.testing.assert_allclose([s[1][1] for s in segments], filled["ci_high"])
    # per-bin counts written beside the points, and the histogram beneath
    assert texts(top) == [f"n={c}" for c in filled["count"]]
    assert [p.get_height() for p in hist.patches] == table["count"].tolist()
    np.testing.assert_allclose([p.get_x() for p in hist.patches], table["bin_low"])
    assert [t.get_text() for t in fig.legends[0].get_texts()][0] == plots.DIAGONAL_LABEL


def test_several_forecasters_side_by_side(scored: Ledger) -> None:
    ids = ["mikhail-alexandrov", "vladimir-frolov", "leonid-bershidsky"]
    fig = plots.calibration_for(scored, ["Mikhail Alexandrov", "vladimir-frolov", "leonid-bershidsky"], bins=5)
    assert len(fig.axes) == 6
    tops = fig.axes[0::2]
    names = dict(zip(scored.forecasters()["forecaster_id"], scored.forecasters()["name"], strict=True))
    table = scored.calibration(ids, 5)
    for ax, fid in zip(tops, ids, strict=True):
        n = int(table[table["forecaster_id"] == fid]["count"].sum())
        assert ax.get_title() == f"{names[fid]} ({n} forecast{'s' if n != 1 else ''})"
    assert [len(ax.patches) for ax in fig.axes[1::2]] == [5, 5, 5]
    # the panels sit side by side: same row, increasing x
    xs = [ax.get_position().x0 for ax in tops]
    assert xs == sorted(xs) and len(set(round(ax.get_position().y0, 3) for ax in tops)) == 1


def test_an_empty_panel_says_so(ledger: Ledger) -> None:
    fig = plots.calibration_figure(ledger.calibration())
    assert "no scored binary forecasts" in texts(fig.axes[0])
    assert fig.axes[0].get_title() == "Everyone (0 forecasts)"


def test_history_over_runs(ledger: Ledger) -> None:
    grow(ledger)
    fid = "jamie-dettmer"  # his due question was resolved (run 2) and then corrected (run 3)
    history = ledger.score_history()
    mine = history[history["forecaster_id"] == fid].sort_values("run_id")
    assert len(mine) >= 2
    fig = plots.history_for(ledger, "Jamie Dettmer")
    top, bottom = fig.axes
    assert top.get_title() == "Jamie Dettmer: score over the scoring runs"
    assert top.get_ylabel() == "mean Brier (lower is better)"
    assert bottom.get_xlabel() == "scoring run (finished, UTC)"
    assert bottom.get_ylabel().startswith("relative Brier")
    points = next(line for line in top.get_lines() if line.get_label() == "Jamie Dettmer")
    np.testing.assert_allclose(points.get_ydata(), mine["mean_brier"])
    runs = sorted(history["run_id"].unique())
    assert list(points.get_xdata()) == [runs.index(r) for r in mine["run_id"]]
    field = next(line for line in top.get_lines() if line.get_label() == plots.FIELD_LABEL)
    assert len(field.get_xdata()) == len(runs)
    crowd = next(line for line in bottom.get_lines() if line.get_label() == plots.CROWD_LABEL)
    assert list(crowd.get_ydata()) == [0, 0]
    assert plots.NO_CROWD in texts(bottom)  # he was alone on his question
    labels = [t.get_text() for t in bottom.get_xticklabels()]
    assert [label.split("\n")[0] for label in labels] == [str(r) for r in runs]


def test_history_over_resolutions(scored: Ledger) -> None:
    fig = plots.history_for(scored, "leonid-bershidsky", over="resolutions")
    top, bottom = fig.axes
    qs = scored.question_scores(forecaster="leonid-bershidsky").sort_values(["known_on", "question_id"])
    dots = next(line for line in top.get_lines() if line.get_label() == "time-averaged Brier per question")
    np.testing.assert_allclose(dots.get_ydata(), qs["time_avg_brier"])
    running = next(line for line in top.get_lines() if line.get_label().endswith("(running mean)"))
    np.testing.assert_allclose(running.get_ydata()[-1], qs["time_avg_brier"].mean())
    assert bottom.get_xlabel() == "outcome known on"


def test_plot_errors(scored: Ledger, tmp_path: Path) -> None:
    with pytest.raises(UserError):
        plots.history_for(scored, "nobody at all")
    with pytest.raises(UserError):
        plots.history_for(scored, "leonid-bershidsky", over="weeks")
    with pytest.raises(UserError):
        plots.calibration_for(scored, ["nobody-at-all"])
    fig = plots.calibration_for(scored)
    with pytest.raises(UserError):
        plots.save_figure(fig, tmp_path / "x.gif")
    with pytest.raises(UserError):
        plots.save_figure(fig, tmp_path / "missing" / "x.png")


def test_cli_plots(scored: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--db", scored.url, *args])

    for args in (
        ("plot", "calibration", "--out", str(out / "all.png")),
        ("plot", "calibration", "--out", str(out / "two.png"), "--forecaster", "vladimir-frolov", "--forecaster",
         "Mikhail Alexandrov", "--bins", "5"),
        ("plot", "calibration", "--out", str(out / "tag.svg"), "--tag", "venezuela"),
        ("plot", "history", "--out", str(out / "h.png"), "--forecaster", "leonid-bershidsky"),
        ("plot", "history", "--out", str(out / "r.png"), "--forecaster", "leonid-bershidsky", "--over", "resolutions"),
    ):  # fmt: skip
        result = run(*args)
        assert result.exit_code == 0, result.output
    assert (out / "all.png").read_bytes().startswith(PNG)
    assert (out / "tag.svg").read_text().lstrip().startswith("<?xml")
    for args, says in (
        (("plot", "history", "--out", str(out / "x.png"), "--forecaster", "nobody"), "no forecaster"),
        (("plot", "calibration", "--out", str(out / "x.bmp")), ".png, .svg or .pdf"),
        (("plot", "calibration", "--out", str(out / "none" / "x.png")), "does not exist"),
        (("plot", "calibration", "--out", str(out / "x.png"), "--as-of", "never"), "as_of"),
        (("plot", "calibration", "--out", str(out / "x.png"), "--bins", "0"), "bins"),
    ):
        result = run(*args)
        assert result.exit_code == (4 if "nobody" in args else 3), (args, result.output)
        assert "Traceback" not in result.output
        assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
        assert says in result.stderr, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["all.png", "h.png", "r.png", "tag.svg", "two.png"]


def test_the_cli_does_not_import_the_heavy_libraries() -> None:
    code = (
        "import sys, tracker.cli.main\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib', 'pyarrow', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------------------------------------------ small flaws


def _boxes(fig: Figure, artists: list) -> list:  # type: ignore[type-arg]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return [a.get_window_extent(renderer) for a in artists]


def test_the_legend_sits_outside_every_axes(ledger: Ledger) -> None:
    grow(ledger)
    for fig in (
        plots.calibration_for(ledger, bins=20),
        plots.calibration_for(ledger, ["leonid-bershidsky", "vladimir-frolov"], bins=5),
        plots.history_for(ledger, "jamie-dettmer", over="runs"),
        plots.history_for(ledger, "leonid-bershidsky", over="resolutions"),
    ):
        assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in fig.axes)
        legend, *axes = _boxes(fig, [fig.legends[0], *fig.axes])
        assert not [ax for ax in axes if legend.overlaps(ax)], "the legend covers an axes"
        assert legend.y1 < min(ax.y0 for ax in axes)  # beneath them all


@pytest.mark.parametrize("bins", [5, 10, 20, 40])
def test_count_labels_never_overlap(scored: Ledger, bins: int) -> None:
    fig = plots.calibration_for(scored, bins=bins)
    top = fig.axes[0]
    labels = [t for t in top.texts if t.get_text().startswith("n=")]
    filled = scored.calibration(None, bins)
    assert len(labels) == int((filled["count"] > 0).sum())  # one per non-empty bin, some perhaps hidden
    shown = [t for t in labels if t.get_visible()]
    assert shown
    boxes = _boxes(fig, shown)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "two n= labels overlap"


def test_declutter_hides_the_lower_priority_of_two_overlapping_labels() -> None:
    fig = plots.new_figure(3, 3)
    ax = fig.add_subplot()
    first = ax.text(0.5, 0.5, "n=10")
    second = ax.text(0.505, 0.5, "n=2")
    apart = ax.text(0.1, 0.1, "n=3")
    plots.declutter(fig, [first, second, apart])
    assert (first.get_visible(), second.get_visible(), apart.get_visible()) == (True, False, True)


def test_the_count_histogram_has_whole_number_ticks(scored: Ledger) -> None:
    for fig in (plots.calibration_for(scored, ["dmitri-trenin"], bins=5), plots.calibration_for(scored, bins=20)):
        hist = fig.axes[1]
        fig.canvas.draw()
        low, high = hist.get_ylim()
        ticks = [t for t in hist.get_yticks() if low <= t <= high]
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks


def test_a_filtered_plot_says_so_in_its_title(scored: Ledger, tmp_path: Path) -> None:
    assert plots.calibration_for(scored).get_suptitle() == "Calibration (reliability diagram)"
    fig = plots.calibration_for(scored, tag="venezuela")
    assert fig.get_suptitle().replace("\n", " ") == "Calibration (reliability diagram), tag venezuela"
    src = ["politico-2026-01-14-let-the-bargaining-begin", "mt-2019-05-06-putin-ready-to-give-up-venezuela"]
    fig = plots.calibration_for(scored, outlet="POLITICO Europe (opinion)", source=src)
    assert fig.get_suptitle().replace("\n", " ") == (
        f"Calibration (reliability diagram), source {src[0]}, {src[1]}; outlet POLITICO Europe (opinion)"
    )
    assert plots.filter_note({"tag": None, "source": [], "run": 1}) == "run 1"


def test_history_defaults_to_what_shows_something(ledger: Ledger) -> None:
    """After `make demo` there is one scoring run: the default draws the resolution dates, not a single dot."""
    scored_catalog(ledger)
    fig = plots.history_for(ledger, "leonid-bershidsky")
    assert fig.axes[1].get_xlabel() == "outcome known on"
    assert plots.history_over(ledger.score_history(), "leonid-bershidsky") == "resolutions"
    forced = plots.history_for(ledger, "leonid-bershidsky", over="runs")
    assert forced.axes[1].get_xlabel() == "scoring run (finished, UTC)"
    # with runs that changed the forecaster's scores, the default is the runs
    ledger.correct("osaka-trump-putin-meeting-2019", "no", date(2019, 6, 29), "test: a correction")
    assert ledger.score().status == "ok"
    assert plots.history_over(ledger.score_history(), "leonid-bershidsky") == "runs"
    assert plots.history_for(ledger, "leonid-bershidsky").axes[1].get_xlabel() == "scoring run (finished, UTC)"
    with pytest.raises(UserError, match="auto, runs or resolutions"):
        plots.history_for(ledger, "leonid-bershidsky", over="weeks")


def test_discrimination_plot(scored: Ledger, tmp_path: Path) -> None:
    fig = plots.discrimination_for(scored, None, 5)
    (ax,) = fig.axes
    heights = [p.get_height() for p in ax.patches]
    table = scored.discrimination(None, 5)
    assert len(heights) == 2 * len(table) == 10
    assert sum(heights[:5]) == pytest.approx(1.0) and sum(heights[5:]) == pytest.approx(1.0)
    assert "Discrimination of everyone" in ax.get_title() and "slope" in ax.get_title()
    assert plots.save_figure(fig, tmp_path / "d.png").read_bytes().startswith(PNG)
    with pytest.raises(UserError):
        plots.discrimination_for(scored, "nobody at all")


MATH = r"$\undefinedmacro{x}$"  # matplotlib's mathtext would parse this, and fail on the unknown macro
ALSO_MATH = r"$x^2$ \$5 $"


def test_stored_text_is_never_read_as_mathtext(ledger: Ledger, tmp_path: Path) -> None:
    """A forecaster's name is stored text: every plot (and the report's figures) shows it as written."""
    ledger.open_question("Will $x$ happen?", "YES if it does", question_id="q", opened=date(2020, 1, 1), tags=("x",))
    for i, name in enumerate((MATH, ALSO_MATH)):
        for day in (2, 3, 4):
            ledger.record_forecast("q", name, 0.2 + 0.3 * i + 0.01 * day, date(2020, 1, day))
    ledger.resolve("q", "yes", date(2020, 6, 1))
    ledger.score()
    fig = plots.calibration_for(ledger, [MATH, ALSO_MATH], tag="x")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert any(t.startswith(MATH) for t in titles) and any(t.startswith(ALSO_MATH) for t in titles)
    fig.canvas.draw()  # draws (and would raise on the macro) with every text as written
    shown = [t for t in fig.findobj(lambda a: hasattr(a, "get_parse_math")) if MATH in t.get_text()]
    assert shown and not any(t.get_parse_math() for t in shown)
    out = tmp_path / "out"
    out.mkdir()
    for args in (
        ("plot", "calibration", "--out", str(out / "c.png"), "--forecaster", MATH, "--tag", "x"),
        ("plot", "calibration", "--out", str(out / "c.svg"), "--forecaster", MATH, "--forecaster", ALSO_MATH),
        ("plot", "history", "--out", str(out / "h.pdf"), "--forecaster", MATH),
        ("plot", "history", "--out", str(out / "h.png"), "--forecaster", ALSO_MATH, "--over", "resolutions"),
        ("plot", "discrimination", "--out", str(out / "d.png"), "--forecaster", MATH),
        ("report", "--out", str(out / "r.html")),
    ):
        result = runner.invoke(app, ["--db", ledger.url, *args])
        assert result.exit_code == 0, (args, result.output)
    assert (out / "c.png").read_bytes().startswith(PNG) and (out / "r.html").stat().st_size > 0
