"""The HTML review page: it parses, is self-contained, escapes what it quotes, lists one leaderboard row per
forecaster, and carries the verified head; rendered once in headless Chromium where it is installed."""

from __future__ import annotations

import base64
import copy
import os
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from review_fixtures import AWKWARD, DUE_QUESTION, grow, scored_catalog
from sqlalchemy import update
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.app.report import ReportSummary, build_report, write_report
from tracker.app.site import INDEX_MIN_SCORED
from tracker.cli.main import app
from tracker.errors import IntegrityError
from tracker.store.db import write_transaction
from tracker.store.schema import questions

runner = CliRunner()
CHROMIUM = Path("/usr/bin/chromium")
VOID = {"meta", "img", "br", "hr", "input", "link", "area", "base", "col", "embed", "source", "track", "wbr"}


class Page(HTMLParser):
    """Collects what the tests look at, and checks that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: set[str] = set()
        self.images: list[str] = []
        self.links: list[str] = []
        self.tags: set[str] = set()
        self.leaderboard_rows: list[str] = []
        self.text: list[str] = []
        self._in_leaderboard = False
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.add(tag)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "img":
            self.images.append(str(a.get("src")))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag == "table" and a.get("id") == "leaderboard-table":
            self._in_leaderboard = True
        if tag == "tbody" and self._in_leaderboard:
            self._in_body = True
        if tag == "tr" and self._in_body:
            self.leaderboard_rows.append(str(a.get("data-forecaster")))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag == "table":
            self._in_leaderboard = self._in_body = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    assert page.errors == [], page.errors[:5]
    assert page.stack == [], page.stack
    return page


# `build_report` of the `grown` ledger (~2 s, half of it drawing the figures) per backend, made once per test
# process: the four tests that take it (`grown_report`) only read the page and its summary
_GROWN_REPORTS: dict[bool, tuple[str, ReportSummary]] = {}


@pytest.fixture
def grown_report(grown: Ledger) -> tuple[str, ReportSummary]:
    on_postgres = grown.sqlite_file() is None
    if on_postgres not in _GROWN_REPORTS:
        _GROWN_REPORTS[on_postgres] = build_report(grown)
    text, summary = _GROWN_REPORTS[on_postgres]
    return text, copy.deepcopy(summary)


def test_the_page_parses_and_has_every_section(grown: Ledger, grown_report: tuple[str, ReportSummary]) -> None:
    text, summary = grown_report
    assert text.startswith("<!doctype html>")
    page = parse(text)
    for section in ("integrity", "leaderboard", "calibration", "track-records", "due", "hindsight"):
        assert section in page.ids
    board = grown.leaderboard()
    listed = board[board["n_scored"] >= INDEX_MIN_SCORED]["forecaster_id"].tolist()
    assert page.leaderboard_rows == listed  # one row per forecaster with enough scored forecasts, in rank order
    for section in ("comparisons", "phrases"):  # who beats whom, and what the words meant
        assert f'<section id="{section}">' in text
    assert len(set(page.leaderboard_rows)) == len(page.leaderboard_rows)
    assert summary.forecasters == board["forecaster_id"].tolist()
    for fid in board["forecaster_id"]:
        assert f"f-{fid}" in page.ids  # each has a track record
    assert summary.scored == int((grown.scores()["status"] == "scored").sum())


def test_the_page_is_self_contained(grown_report: tuple[str, ReportSummary]) -> None:
    text, _ = grown_report
    page = parse(text)
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    assert "url(" not in text and "@import" not in text
    assert len(page.images) >= 2
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    for href in page.links:  # anchors are navigation, not resources: internal or http(s) sources
        assert href.startswith(("#", "http://", "https://")), href


def test_the_head_hash_and_its_verification(grown: Ledger, grown_report: tuple[str, ReportSummary]) -> None:
    text, summary = grown_report
    info = grown.info()
    assert summary.head_hash == info["head_hash"] and summary.head_position == info["head_position"]
    assert summary.verified_ok
    page_text = "".join(parse(text).text)
    assert info["head_hash"] in page_text
    assert f"Verified at {summary.verified_at}" in page_text.replace("\n", " ")
    assert "Verification FAILED" not in page_text


def test_track_records_quote_the_forecasts(grown: Ledger, grown_report: tuple[str, ReportSummary]) -> None:
    text, _ = grown_report
    page_text = "".join(parse(text).text)
    scored = grown.scores(status="scored")
    quotes = grown.forecasts().set_index("forecast_id")["quote"]
    for fid in scored["forecast_id"]:
        quote = quotes[fid]
        if isinstance(quote, str):
            assert quote in page_text, fid
    hindsight = grown.scores(status="hindsight")
    assert len(hindsight) >= 1
    for fid in hindsight["forecast_id"]:
        assert str(quotes[fid]) in page_text
    due = grown.due()
    for title in due["title"]:
        assert title in page_text


def test_user_text_is_escaped(ledger: Ledger) -> None:
    scored_catalog(ledger)
    ledger.add_source("evil", "<script>alert('title')</script>", outlet="<b>Outlet</b>", url='https://x/"><b>')
    # The URL rule refuses javascript: now; a row from before it (or edited in the projection) may still hold one.
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE sources SET url = 'javascript:alert(1)' WHERE source_id = 'evil'")
    qid = ledger.open_question(
        "Will <img src=x onerror=alert(1)> & co. happen?", "criteria", question_id="evil-q", opened=date(2000, 1, 1)
    )
    ledger.record_forecast(qid, "Mal <i>Icious</i>", 0.9, ledger.today(), source_id="evil", quote=AWKWARD + "<script>")
    ledger.resolve(qid, "no", ledger.today())

    ledger.score()
    text, _ = build_report(ledger)
    page = parse(text)
    assert "script" not in page.tags and "i" not in page.tags and "b" not in page.tags
    assert "javascript:" not in " ".join(page.links)
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in text  # markupsafe's escape of '
    assert "Mal &lt;i&gt;Icious&lt;/i&gt;" in text
    page_text = "".join(page.text)
    assert "Mal <i>Icious</i>" in page_text  # what a reader sees is the text as written
    assert "<img src=x onerror=alert(1)>" not in text


def test_as_of_report(ledger: Ledger) -> None:
    g = grow(ledger)
    text, summary = build_report(ledger, as_of=g.imported)
    assert summary.head_position == g.imported and summary.scores_run_id == 1
    assert summary.as_of == {"position": g.imported, "recorded_until": None}
    page = parse(text)
    board_then = ledger.leaderboard(as_of=g.imported)
    assert page.leaderboard_rows == board_then[board_then["n_scored"] >= INDEX_MIN_SCORED]["forecaster_id"].tolist()
    assert ledger.info()["head_hash"] in text  # the verified chain's head is named too


def test_a_failed_verification_is_on_the_page_and_in_the_exit_code(grown: Ledger, tmp_path: Path) -> None:
    with write_transaction(grown.engine) as conn:  # a projection edited behind the log's back
        conn.execute(update(questions).where(questions.c.question_id == DUE_QUESTION).values(outcome="no"))
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(app, ["--db", grown.url, "report", "--out", str(out / "review.html")])
    assert result.exit_code == IntegrityError.exit_code, result.output
    assert result.stderr.startswith("error: verification failed") and "Traceback" not in result.output
    text = (out / "review.html").read_text(encoding="utf-8")
    assert "Verification FAILED" in text
    parse(text)


def test_cli_report(grown: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(app, ["--db", grown.url, "report", "--out", str(out / "review.html")])
    assert result.exit_code == 0, result.output
    assert grown.info()["head_hash"] in result.stdout
    parse((out / "review.html").read_text(encoding="utf-8"))
    a_file = out / "a-file"
    a_file.write_text("x")
    for target, says in (
        (out / "missing" / "r.html", "does not exist"),
        (a_file / "r.html", "is not a directory"),
        (out, "is a directory"),
    ):
        result = runner.invoke(app, ["--db", grown.url, "report", "--out", str(target)])
        assert result.exit_code == 3, result.output
        assert result.stderr.startswith("error: ") and says in result.stderr, result.stderr
        assert "Traceback" not in result.output
    result = runner.invoke(app, ["--db", grown.url, "report", "--out", str(out / "r.html"), "--as-of", "x"])
    assert result.exit_code == 3 and "as_of" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["a-file", "review.html"]


@pytest.mark.chromium
def test_render_in_headless_chromium(ledger: Ledger, tmp_path: Path) -> None:
    """Renders the page to PNG offline. Look at the image when changing the page: the test can only check that
    Chromium produced a picture of the expected size."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium) : nothing to render with")
    if ledger.engine.dialect.name != "sqlite":
        pytest.skip("rendering does not depend on the backend; done once, on SQLite")
    scored_catalog(ledger)
    html_path = tmp_path / "review.html"
    write_report(ledger, html_path)
    png = tmp_path / "review.png"
    profile = tmp_path / "profile"
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1280,4000",
        f"--screenshot={png}",
        html_path.as_uri(),
    ]
    subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert png.exists(), "Chromium wrote no screenshot"
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 4000)
    assert len(data) > 50_000  # a page with tables and figures, not a blank one
    keep = os.environ.get("TRACKER_KEEP_RENDER")
    if keep:  # a path to copy the picture to, for a person to look at
        shutil.copy(png, keep)
