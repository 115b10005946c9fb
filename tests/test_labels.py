"""One name per leaderboard concept: the site's table heads, `tracker scores`' columns and the exports' field names
say the same thing (`tracker.labels`), and a verdict cell is short with the whole sentence on hover."""

from __future__ import annotations

import re

import pytest

from tracker.app import templating as t
from tracker.cli.scoring_cmds import WIDE_SCORE_COLUMNS
from tracker.labels import LABELS, label, short_verdict
from tracker.read.tables import leaderboard_spec

# what each `tracker scores` column shows, as a leaderboard field
CLI_FIELD = {"coin": "vs_coin", "crowd": "vs_crowd", "interval": "interval_90", "verbal": "verbal_range"}
ROW = {
    "rank": 1, "forecaster_id": "f1", "name": "Ann", "n_scored": 7, "mean_brier": 0.12, "interval_90": "0.05–0.20",
    "vs_coin": "beats a coin flip (p = 0.031, 7 questions)",
    "vs_crowd": "not distinguishable from the crowd (p = 0.40, 6 questions)",
    "mean_brier_two_category": 0.2, "mean_time_avg_brier": 0.1, "mean_relative_brier": -0.01, "mean_log_score": 0.4,
    "bss_vs_half": 0.5, "mean_brier_best": 0.1, "mean_brier_worst": 0.2,
}  # fmt: skip


def site_board(row: dict[str, object]) -> str:
    env = t.environment()
    env.globals.update(f_url=lambda fid: fid, q_url=str, s_url=str, tag_url=str, outlet_url=str, site_title="x")
    macros = env.get_template("macros.html.j2").make_module({"root": ""})
    return str(macros.leaderboard([row], None, ["interval_90", "vs_coin", "vs_crowd"], lambda fid: fid))


def test_the_cli_names_every_column_by_its_label() -> None:
    for column in WIDE_SCORE_COLUMNS:
        if column.key == "who":
            continue
        field = CLI_FIELD.get(column.key, column.key)
        assert field in LABELS, field
        assert column.label == label(field), column.key


def test_the_exports_field_names_read_as_the_labels() -> None:
    names = leaderboard_spec("forecaster").names
    for field in ("vs_coin", "vs_crowd"):
        assert field in names
        assert label(field).lower() == field.replace("_", " ").lower()


def test_the_site_heads_are_the_labels_and_no_concept_has_two_names() -> None:
    page = site_board(ROW)
    heads = [re.sub(r"<[^>]+>", "", h).strip().lower() for h in re.findall(r"<th[^>]*>(.*?)</th>", page)]
    shown = ("rank", "name", "n_scored", "mean_brier", "interval_90", "vs_coin", "vs_crowd", "mean_relative_brier")
    for field in shown:
        assert label(field).lower() in heads, field
    assert len(heads) == len(set(heads)), heads
    for old in ("vs the crowd", "vs a coin flip"):
        assert old not in heads
    assert "minus crowd" not in " ".join(h for h in heads if h != label("mean_relative_brier").lower())


def test_a_verdict_cell_is_short_with_the_whole_sentence_on_hover() -> None:
    page = site_board(ROW)
    cell = re.search(r'<td[^>]*data-label="vs coin"[^>]*>(.*?)</td>', page)
    assert cell is not None
    assert 'title="beats a coin flip (p = 0.031, 7 questions)"' in cell.group(1)
    assert re.sub(r"<[^>]+>", "", cell.group(1)) == "beats (p = 0.031)"


@pytest.mark.parametrize(
    ("text", "field", "short"),
    [
        ("beats a coin flip (p = 0.031, 7 questions)", "vs_coin", "beats (p = 0.031)"),
        ("worse than the crowd (p = 0.02, 9 questions)", "vs_crowd", "worse (p = 0.02)"),
        ("not distinguishable from the crowd (p = 0.40, 6 questions)", "vs_crowd", "not distinguishable (p = 0.40)"),
        (
            "too few questions to say (1; 5 needed, and at least 12 binary ones to beat a coin flip)",
            "vs_coin",
            "too few questions",
        ),
        ("", "vs_coin", ""),
        (None, "vs_crowd", ""),
    ],
)
def test_short_verdicts(text: str | None, field: str, short: str) -> None:
    assert short_verdict(text, field) == short


def test_a_missing_verdict_is_a_dash_and_stored_text_stays_escaped() -> None:
    page = site_board(ROW | {"vs_coin": None, "vs_crowd": '<b>"x"</b>'})
    assert "<b>" not in page
    assert re.search(r'data-label="vs coin"[^>]*>–</td>', page)
