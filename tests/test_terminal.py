"""The terminal tells a person what it left out: `tracker scores` narrower than its full width names the columns
it dropped and how to see them."""

from __future__ import annotations

import pytest
from review_fixtures import scored_catalog
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.cli.scoring_cmds import SCORE_COLUMNS, WIDE, WIDE_SCORE_COLUMNS

runner = CliRunner()


def scores(led: Ledger, width: int, *args: str) -> str:
    result = runner.invoke(app, ["--db", led.url, "scores", "--format", "table", *args], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return str(result.stdout)


@pytest.mark.parametrize("width", [80, 100])
def test_a_narrow_leaderboard_names_what_it_left_out(ledger: Ledger, width: int) -> None:
    scored_catalog(ledger)
    narrow, wide = scores(ledger, width), scores(ledger, WIDE)
    left = [c.label for c in WIDE_SCORE_COLUMNS if c not in SCORE_COLUMNS]
    note = " ".join(narrow.split("columns left out at", 1)[1].split())  # the note, unwrapped
    assert narrow.count("columns left out") == 1 and f"{len(left)} columns left out at {width}" in " ".join(
        narrow.split()
    )
    assert note.split(":", 1)[1].split(".", 1)[0].strip().split(", ") == left
    assert f"COLUMNS={WIDE}" in note and "--format csv or --json" in note
    header = next(line for line in wide.splitlines() if line.lstrip().startswith("#"))
    for label in left:
        assert label in header  # what the note names, the full width shows
    assert "left out" not in wide
    assert max(len(line) for line in narrow.splitlines()) <= width


def test_machine_formats_carry_every_column_and_no_note(ledger: Ledger) -> None:
    scored_catalog(ledger)
    result = runner.invoke(app, ["--db", ledger.url, "scores", "--format", "csv"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "left out" not in result.output
    header = result.stdout.splitlines()[0].split(",")
    assert {"mean_time_avg_brier", "mean_relative_brier", "bss_vs_half", "vs_crowd"} <= set(header)
