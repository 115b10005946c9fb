"""Readings explained wherever a verbal forecast is shown: the phrase, whether it affirms or negates the question,
P(YES) with the phrase's interval and the scale version, on the site's question, source and forecaster pages, in
the report and in `tracker show` (which also gives each forecast's score)."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.app.report import write_report
from tracker.app.site import build_site, f_url, q_url, s_url
from tracker.app.verbal import verbal_forecast
from tracker.cli.main import app
from tracker.domain.verbal import explain_reading

runner = CliRunner()
# "probably" is P(statement) 0.70, 0.55–0.85 on scale v1; said of the question's NO it is P(YES) 0.30, 0.15–0.45.
NEGATED = "“probably” negates the question → P(YES) 0.30, 0.15–0.45, scale v1"
AFFIRMED = "“probably” affirms the question → P(YES) 0.70, 0.55–0.85, scale v1"
HOSTILE = "<b>Ann</b> & Co"


@pytest.fixture
def said(ledger: Ledger) -> Ledger:
    """One question, one source, a negated and an affirmed 'probably' and a stated number, resolved NO, scored."""
    text = "Ann said the deal will probably not happen. Bo said it probably will. Cy gave it 40%."
    ledger.add_source("talks", "Talks stall", outlet="The Daily", published=date(2026, 1, 5), text=text)
    ledger.open_question("Will the deal be signed?", "Signed by March.", "deal", opened=date(2026, 1, 1))
    for who, reading, quote in ((HOSTILE, "negates", "probably not happen"), ("Bo", "affirms", "probably will")):
        probs, how = verbal_forecast("probably", reading, 1)
        ledger.record_forecast("deal", who, probs, date(2026, 1, 5), source_id="talks", quote=quote, derivation=how)
    ledger.record_forecast("deal", "Cy", 0.4, date(2026, 1, 5), source_id="talks", quote="40%")
    ledger.resolve("deal", "no", date(2026, 3, 1))
    assert ledger.score().status == "ok"
    return ledger


def test_the_explanation_says_everything_or_nothing() -> None:
    assert explain_reading("probably", "negates", 0.3, 0.15, 0.45, 1) == NEGATED
    assert explain_reading("probably", None, 0.7, 0.55, 0.85, 1) == AFFIRMED  # no reading recorded: the default
    assert explain_reading(None, None, 0.4, None, None, None) is None  # a stated number has no reading
    assert explain_reading(float("nan"), "affirms", 0.4, 0.3, 0.5, 1) is None
    # an old forecast without its interval still says what it can
    assert explain_reading("likely", "affirms", 0.7, float("nan"), None, 2) == (
        "“likely” affirms the question → P(YES) 0.70, scale v2"
    )


def page_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def test_site_pages_explain_each_reading(said: Ledger, tmp_path: Path) -> None:
    build_site(said, tmp_path / "site")
    site = tmp_path / "site"
    ann = next(p for p in (site / "forecasters").iterdir() if "Ann" in p.read_text(encoding="utf-8"))
    for page in (site / q_url("deal"), site / s_url("talks"), ann):
        text = page_text(page)
        assert NEGATED in text, page
        if page != ann:
            assert AFFIRMED in text, page
            assert text.count("scale v1") == 2, page  # the stated 40% has no reading
    raw = (site / q_url("deal")).read_text(encoding="utf-8")
    assert "<b>Ann</b>" not in raw  # the forecaster's name is still escaped beside it
    assert AFFIRMED in page_text(site / f_url("bo")) and NEGATED not in page_text(site / f_url("bo"))


def test_the_report_explains_each_reading(said: Ledger, tmp_path: Path) -> None:
    write_report(said, tmp_path / "r.html")
    text = page_text(tmp_path / "r.html")
    assert NEGATED in text and AFFIRMED in text


def test_show_lists_each_forecast_with_its_reading_and_score(said: Ledger) -> None:
    result = runner.invoke(app, ["--db", said.url, "show", "deal"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert NEGATED.replace("“", "'").replace("”", "'") in out
    assert AFFIRMED.replace("“", "'").replace("”", "'") in out
    # outcome NO: Brier is p², 0.30² = 0.090 (negated), 0.70² = 0.490 (affirmed), 0.40² = 0.160 (stated)
    for brier in ("0.090", "0.490", "0.160"):
        assert brier in out, out
    assert "Brier" in out
    data = runner.invoke(app, ["--db", said.url, "show", "deal", "--json"])
    forecasts = json.loads(data.output)["forecasts"]
    assert sorted(round(f["brier"], 3) for f in forecasts) == [0.09, 0.16, 0.49]
    assert {f["score_status"] for f in forecasts} == {"scored"}


def test_show_gives_why_a_forecast_has_no_score(said: Ledger) -> None:
    said.open_question("Will it rain?", "Rain by June.", "rain", opened=date(2026, 1, 1))
    said.record_forecast("rain", "Cy", 0.4, date(2026, 1, 5))
    assert said.score().status == "ok"
    result = runner.invoke(app, ["--db", said.url, "show", "rain"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert re.search(r"stated\s+unresolved", result.output), result.output
