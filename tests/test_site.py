"""`tracker site`: every page parses and links only to files it wrote, stored text comes out escaped and isolated
on every page, two builds of the same ledger and point are the same bytes, as-of builds show the ledger as it
was, and bad options or a foreign --out folder are refused with nothing written."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime, time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import LedgerStates
from hypothesis import given
from hypothesis import strategies as st
from review_fixtures import DUE_QUESTION, OPEN_QUESTION, grow, scored_catalog
from typer.testing import CliRunner

from tracker.app import sitefolder
from tracker.app.ledger import Ledger
from tracker.app.site import INDEX_MIN_SCORED, MANIFEST, build_site, extra_columns
from tracker.app.templating import MAX_NAME, file_id
from tracker.cli.main import app
from tracker.errors import NotFound, UserError
from tracker.scoring.verdicts import FEWEST

runner = CliRunner()
VOID = {"meta", "img", "br", "hr", "input", "link", "area", "base", "col", "embed", "source", "track", "wbr"}
SVG_VOID = {"path", "line", "circle", "rect"}  # self-closed inside the inline charts
# The domain refuses C0 controls in stored text, but not C1 ones: \x9b is the one-byte form of ESC [.
BIDI = "\u202e"
# The domain refuses control and bidi characters in what it records; they are tested through the template
# environment (tests of templating) and the bad-input corpus' old rows. What the ledger can hold is this:
STORED = "<script>alert(1)</script></title>{{ 7*7 }}{% raw %}<b>bold</b> evil \u05e9\u05dc\u05d5\u05dd red"


class Page(HTMLParser):
    """Every element closed in order; the links and sources, the tags, and where bidi controls sit."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.errors: list[str] = []
        self.refs: list[str] = []
        self.tags: list[str] = []
        self.scripts: list[str | None] = []
        self.text: list[str] = []
        self.unisolated: list[str] = []
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        for key in ("href", "src"):
            if a.get(key):
                self.refs.append(str(a[key]))
        if tag == "script":
            self.scripts.append(a.get("src"))
        if tag not in VOID:
            self.stack.append((tag, a))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in SVG_VOID:
            self.errors.append(f"<{tag}/> outside a chart")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.stack and self.stack[-1][0] == "title":
            self.title += data
        isolated = any(tag == "bdi" or attrs.get("dir") == "auto" for tag, attrs in self.stack)
        if BIDI in data and not isolated and not any(tag in ("title", "desc") for tag, _ in self.stack):
            self.unisolated.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    assert page.errors == [], page.errors[:5]
    assert page.stack == [], page.stack
    return page


def site_files(out: Path) -> dict[str, bytes]:
    """Every file's bytes; the manifest's without the stat it records of each file (its mtime and inode are the
    folder's own, not the site's)."""
    files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    if MANIFEST in files:
        manifest = json.loads(files[MANIFEST])
        for entry in manifest["files"].values():
            assert set(sitefolder.STAT_KEYS) <= set(entry)
            for k in sitefolder.STAT_KEYS:
                del entry[k]
        files[MANIFEST] = json.dumps(manifest, sort_keys=True).encode()
    return files


def check_site(out: Path) -> dict[str, Page]:
    """Parse every page; every relative link and source names a file of the site (anchors aside)."""
    pages = {}
    for path in sorted(out.rglob("*.html")):
        page = parse(path.read_text(encoding="utf-8"))
        for ref in page.refs:
            if ref.startswith(("http://", "https://", "#", "data:")):
                continue
            assert "://" not in ref and not ref.startswith("/"), (path, ref)
            target = (path.parent / ref.split("#")[0].split("?")[0]).resolve()
            assert target.is_file() and out.resolve() in target.parents, (path, ref)
        pages[str(path.relative_to(out))] = page
    return pages


def test_the_site_has_every_page_and_links_only_to_itself(grown: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "site"
    summary = build_site(grown, out, page_rows=5)
    pages = check_site(out)
    for name in ("index.html", "forecasters.html", "questions.html", "open.html", "hindsight.html", "sources.html"):
        assert name in pages
    assert "questions-2.html" in pages  # paged at 5 rows
    people = grown.forecasters()
    for fid in people["forecaster_id"]:
        assert f"forecasters/{fid}.html" in pages
    for qid in grown.questions()["question_id"]:
        assert f"questions/{qid}.html" in pages
    for sid in grown.sources()["source_id"]:
        assert f"sources/{sid}.html" in pages
    for name, page in pages.items():
        # the site's own scripts only: the scroll cue on every page, the search on its page
        if name == "search.html":
            assert page.scripts == ["scroll.js", "search-index.js", "search.js"]
        else:
            assert page.scripts == ["../" * name.count("/") + "scroll.js"], name
        assert "iframe" not in page.tags
    assert summary.pages == len(pages)
    index = (out / "index.html").read_text(encoding="utf-8")
    board = grown.leaderboard()
    listed = board[board["n_scored"] >= INDEX_MIN_SCORED]  # the index lists those; it says so and links the rest
    assert re.findall(r'data-forecaster="([^"]+)"', index) == listed["forecaster_id"].tolist()[:50]
    assert f"at least {INDEX_MIN_SCORED} scored questions" in index and "90% interval" in index
    assert f"only from {FEWEST['coin']} binary questions on" in index  # what a coin-flip verdict needs, said
    # the index shows ranks 1, 2, 3... with no gap; the full leaderboard lists the unranked after the ranked
    shown_ranks = re.findall(r'<tr data-forecaster="[^"]+"><td class="n" data-label="#">(\d+)</td>', index)
    assert shown_ranks and shown_ranks == [str(i) for i in range(1, len(shown_ranks) + 1)]
    full = (out / "forecasters.html").read_text(encoding="utf-8")
    order = re.findall(r'data-forecaster="([^"]+)"', full)
    assert order[: len(listed)] == listed["forecaster_id"].tolist()
    if len(order) > len(listed):
        assert 'class="unranked"' in full and "5 needed to rank" in full
    # the question page draws the forecasts and the crowd median, and lists the stream's events with hashes
    qid = "osaka-trump-putin-meeting-2019"
    question = (out / "questions" / f"{qid}.html").read_text(encoding="utf-8")
    assert question.count("<circle") == len(grown.forecasts(question=qid))
    assert 'role="img"' in question and "<desc" in question
    for e in grown.events(question=qid).itertuples():
        assert f'<td class="n" data-label="Position">{e.position}</td>' in question and e.hash in question
    # every quote is on its forecaster's pages and in the search index
    index_js = (out / "search-index.js").read_text(encoding="utf-8")
    search = json.loads(index_js.removeprefix("window.TRACKER_SEARCH = ").rstrip().removesuffix(";"))
    quotes = {e[1] for e in search["entries"] if e[0] == 2}
    for f in grown.forecasts().itertuples():
        if isinstance(f.quote, str):
            assert f.quote.replace("\n", " ") in " ".join(
                " ".join(p.text).replace("\n", " ")
                for n, p in pages.items()
                if n.startswith(f"forecasters/{f.forecaster_id}")
            )
            assert f.quote in quotes
    # integrity: head and the command that checks it
    integrity = (out / "integrity.html").read_text(encoding="utf-8")
    info = grown.info()
    assert f"verify --against {info['head_position']}:{info['head_hash']}" in integrity
    assert "Verified</span> at" in integrity


def test_every_forecaster_has_figures_that_say_what_they_show(
    grown: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each forecaster with three scored yes/no forecasts gets a reliability diagram, each with a scored question
    a score history, whatever their rank (top=1 here); the description says what the figure shows."""
    from tracker.app import charts

    monkeypatch.setattr(charts, "MAX_DOTS", 3)  # a long history draws a sample of its questions' dots
    out = tmp_path / "site"
    build_site(grown, out, top=1)
    qs = grown.question_scores()
    binary = qs[qs["kind"] == "binary"].groupby("forecaster_id", observed=True).size()
    per_question = qs.groupby("forecaster_id", observed=True).size()
    names = dict(zip(grown.forecasters()["forecaster_id"], grown.forecasters()["name"], strict=True))
    assert sum(n >= 3 for n in binary) >= 2 and max(per_question) > 3
    for fid, name in names.items():
        page = (out / "forecasters" / f"{file_id(fid)}.html").read_text(encoding="utf-8")
        desc = re.search(r'<desc id="fig-calibration-desc">(.*?)</desc>', page)
        assert (desc is not None) == (binary.get(fid, 0) >= 3), fid
        if desc is not None:
            n = int(binary[fid])
            said = html.unescape(desc.group(1))
            assert said.startswith(f"Reliability diagram for {name}, {n} scored yes/no forecast"), said
            cal = grown.calibration(forecaster=fid)
            filled = cal[cal["count"] > 0]
            assert page.count('r="5" fill="#1f5fa8"') == len(filled)  # a dot per non-empty bin
            assert said.count("came true") == len(filled)
        history = re.search(r'<desc id="fig-history-desc">(.*?)</desc>', page)
        assert (history is not None) == (fid in per_question.index), fid
        if history is not None:
            n_q = int(per_question[fid])
            assert f"score on {n_q} question" in html.unescape(history.group(1))
            assert page.count('r="3.5"') == min(n_q, 3)
            assert ("3 of the questions' dots are drawn" in page) == (n_q > 3)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'aria-labelledby="fig-calibration-title fig-calibration-desc"' in index
    assert "Reliability diagram for everyone" in index


def test_long_lists_link_nearby_pages_only(grown: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(grown, out, page_rows=1)
    pages = check_site(out)  # every page of the list is linked from another
    count = len(grown.questions())
    assert count > 9
    for number in (1, 5, count):
        name = "questions.html" if number == 1 else f"questions-{number}.html"
        nav = re.search(r'<nav class="pager".*?</nav>', (out / name).read_text(encoding="utf-8"), re.S)
        assert nav is not None
        linked = {int(n) for n in re.findall(r">(\d+)</a>", nav.group(0))}
        near = {n for n in range(number - 3, number + 4) if 1 <= n <= count} - {number}
        assert linked == near | ({1, count} - {number}), (number, linked)
        assert ("…" in nav.group(0)) == (number - 3 > 2 or number + 3 < count - 1)
    assert {f"questions-{n}.html" for n in range(2, count + 1)} <= set(pages)


def test_hostile_text_is_escaped_on_every_page(ledger: Ledger, tmp_path: Path) -> None:
    scored_catalog(ledger)
    ledger.add_source("evil-source", STORED, outlet=STORED, authors=(STORED,))  # the domain refuses javascript: URLs
    qid = ledger.open_question(STORED, STORED, question_id="evil-q", tags=("odd.tag_x", "plain"))
    for who in (STORED, "Ann Other"):
        ledger.record_forecast(qid, who, 0.8, ledger.today(), role=STORED, source_id="evil-source", quote=STORED)
    ledger.clarify(qid, STORED, criteria=STORED)
    ledger.resolve(qid, "no", ledger.today(), evidence=STORED)
    ledger.score()
    out = tmp_path / "site"
    build_site(ledger, out)
    pages = check_site(out)
    seen = 0
    for name, page in pages.items():
        raw = (out / name).read_text(encoding="utf-8")
        assert "<script>alert" not in raw and "</title>{{" not in raw and "<b>bold" not in raw, name
        assert "\x9b" not in raw and "\x85" not in raw, name
        assert "49" not in "".join(page.text).split("{{ 7*7 }}")[0][-2:]  # not evaluated
        assert page.unisolated == [], (name, page.unisolated[:2])
        assert not [r for r in page.refs if r.lower().startswith("javascript:")], name
        assert {"b", "i"}.isdisjoint(page.tags), name
        if "{{ 7*7 }}" in "".join(page.text):
            seen += 1
    assert seen >= 5  # index (tag chips), forecaster, question, source, lists
    question = pages["questions/evil-q.html"]
    assert question.title.startswith("<script>alert(1)</script></title>{{ 7*7 }}")
    js = (out / "search-index.js").read_text(encoding="utf-8")
    assert js.isascii() and "</" not in js
    entries = json.loads(js.removeprefix("window.TRACKER_SEARCH = ").rstrip().removesuffix(";"))["entries"]
    assert any(e[1].startswith("<script>alert(1)") for e in entries)
    # the hostile outlet and an unusual tag have pages of their own, under safe names
    assert (out / "tags" / "odd~2etag_x.html").is_file()
    outlet = str(ledger.sources(source="evil-source")["outlet"].iloc[0])
    assert (out / "outlets" / f"{file_id(outlet)}.html").is_file()


def test_two_builds_are_the_same_bytes(grown: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same ledger and point give the same bytes whatever the time of the build: the verification is said
    by the head it checked and when that event was recorded. (The due list counts days to the build's date, so
    the builds share a day here.)"""
    from tracker.domain import timepoints

    day = timepoints.utc_now().date()
    a, b = tmp_path / "a", tmp_path / "b"
    for out, clock in ((a, time(0, 0, 1)), (b, time(23, 59, 58))):
        monkeypatch.setattr(timepoints, "utc_now", lambda clock=clock: datetime.combine(day, clock, tzinfo=UTC))
        build_site(grown, out)
    files_a, files_b = site_files(a), site_files(b)
    assert files_a.keys() == files_b.keys()
    assert [name for name in files_a if files_a[name] != files_b[name]] == []
    for name, data in files_a.items():
        assert b"00:00:01" not in data and b"23:59:58" not in data, name
    head = grown.events().iloc[-1]
    integrity = files_a["integrity.html"].decode("utf-8")
    said = f"head position {head.position}, recorded {head.recorded_at:%Y-%m-%d %H:%M} UTC"
    assert f"Verified</span> at {said}:" in integrity
    # rebuilding in place replaces the site
    build_site(grown, a)
    assert site_files(a) == files_a


def test_as_of_builds_show_the_ledger_as_it_was(ledger: Ledger, tmp_path: Path) -> None:
    g = grow(ledger)
    out = tmp_path / "then"
    summary = build_site(ledger, out, as_of=g.imported)
    assert summary.head_position == g.imported
    index = (out / "index.html").read_text(encoding="utf-8")
    board_then = ledger.leaderboard(as_of=g.imported)
    then = board_then[board_then["n_scored"] >= INDEX_MIN_SCORED]["forecaster_id"].tolist()
    assert re.findall(r'data-forecaster="([^"]+)"', index) == then
    questions_then = set(ledger.questions(as_of=g.imported)["question_id"])
    assert {p.stem for p in (out / "questions").glob("*.html")} == questions_then
    assert not (out / "forecasters" / "tester-q-public.html").exists()  # recorded after that point
    assert "tester-q-public" in set(ledger.forecasters()["forecaster_id"])
    due_then = (out / "questions" / f"{DUE_QUESTION}.html").read_text(encoding="utf-8")
    assert "Not resolved." in due_then and "nothing happened" not in due_then
    integrity = (out / "integrity.html").read_text(encoding="utf-8")
    assert f"--as-of {g.imported}" in integrity and ledger.info()["head_hash"] in integrity


def test_extra_leaderboard_columns_are_shown(grown: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns the scoring side adds (intervals, verdicts) appear on the index without the site knowing them."""
    real = grown.table

    class WithVerdict:
        def __init__(self, reader: Any) -> None:
            self.reader = reader

        def frame(self) -> Any:
            f = self.reader.frame()
            f["brier_high_90"] = f["mean_brier"] + 0.1
            f["verdict"] = ["beats a coin flip <b>yes</b>"] * len(f)
            return f

        def rows(self, limit: int | None = None) -> list[dict[str, Any]]:
            return [
                r | {"brier_high_90": r["mean_brier"] + 0.1, "verdict": "beats a coin flip <b>yes</b>"}
                for r in self.reader.rows(limit)
            ]

        def count(self) -> int:
            return int(self.reader.count())

    def table(snap: Any, name: str, **kw: Any) -> Any:
        reader = real(snap, name, **kw)
        return WithVerdict(reader) if name == "leaderboard" else reader

    monkeypatch.setattr(grown, "table", table)
    assert set(extra_columns(grown.leaderboard())) == {"vs_coin", "vs_crowd"}  # the verdicts, in words
    out = tmp_path / "site"
    build_site(grown, out)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'data-extra="verdict"' in index and 'data-extra="brier_high_90"' in index
    assert "beats a coin flip &lt;b&gt;yes&lt;/b&gt;" in index
    parse(index)
    tag_page = next((out / "tags").glob("*.html")).read_text(encoding="utf-8")
    assert "beats a coin flip &lt;b&gt;yes&lt;/b&gt;" in tag_page  # the per-tag leaderboards show them too


def test_the_leaderboard_says_what_it_ranks_and_folds_how_to_read_it(grown: Ledger, tmp_path: Path) -> None:
    """At 390 px the whole explanation ran to two long paragraphs before the first row: one line stays in view,
    the rest (the intervals' rates, the per-row tests, the counts needed) sits in a fold above the table."""
    out = tmp_path / "site"
    build_site(grown, out)
    index = (out / "index.html").read_text(encoding="utf-8")
    board = index[index.index('<section id="leaderboard">') :]
    board = board[: board.index("</section>")]
    head, fold = board.split('<details class="how">', 1)
    fold, table = fold.split("</details>", 1)
    assert "Best first by mean Brier" in head and "90% interval" in head
    assert "<summary>How to read this leaderboard</summary>" in fold
    for said in ("not corrected for the number of rows", "up to 1 in 20", "minus crowd"):
        assert said in fold and said not in head
    assert "<table" in table  # the fold comes before the rows, not after
    parse(index)


def test_cli_site_and_its_refusals(grown: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = runner.invoke(app, ["--db", grown.url, "site", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["head_hash"] == grown.info()["head_hash"] and data["pages"] > 10
    assert (out / "index.html").is_file() and (out / MANIFEST).is_file()
    help_text = runner.invoke(app, ["site", "--help"]).stdout
    assert "tracker site --out site" in help_text

    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"meow")
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for args, code, says in (
        (["--out", str(foreign)], UserError.exit_code, "holds files the site did not write (cat.jpg)"),
        (["--out", str(a_file)], UserError.exit_code, "not a directory"),
        (["--out", str(tmp_path / "missing" / "site")], UserError.exit_code, "does not exist"),
        (["--out", str(tmp_path / "new"), "--run", "99"], NotFound.exit_code, "run"),
        (["--out", str(tmp_path / "new"), "--as-of", "yesterday-ish"], UserError.exit_code, "as_of"),
        (["--out", str(tmp_path / "new"), "--as-of", "999999"], UserError.exit_code, "past the ledger's head"),
    ):
        result = runner.invoke(app, ["--db", grown.url, "site", *args])
        assert result.exit_code == code, (args, result.output)
        assert result.stderr.startswith("error: ") and says in result.stderr, result.stderr
        assert "Traceback" not in result.output
    assert sorted(p.name for p in foreign.iterdir()) == ["cat.jpg"]
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary folder left


@given(st.text(max_size=200), st.text(max_size=200))
def test_file_names_are_one_to_one_and_safe(a: str, b: str) -> None:
    for value in (a, b):
        name = file_id(value)
        assert re.fullmatch(r"[a-z0-9_~-]+", name) and len(name) <= MAX_NAME
    if a != b:
        assert file_id(a) != file_id(b)
    assert file_id("Abc") != file_id("abc") and file_id("a~41") != file_id("aA")


def test_control_characters_never_reach_a_page() -> None:
    from tracker.app.templating import clean, environment

    assert clean("a\x1b[31mb\x00c\x7fd\x9be\tf\ng") == "a\u241b[31mb\u2400c\u2421d\ufffde\tf\ng"
    html = environment().from_string('<p title="{{ x }}">{{ x }} {{ x|u }}</p>').render(x="\x1b[1m<i>\u202e")
    assert "\x1b" not in html and "<i>" not in html
    assert html.count("\u241b[1m&lt;i&gt;") == 3 and "<bdi>\u241b[1m&lt;i&gt;\u202e</bdi>" in html


def test_the_index_threshold_is_the_honest_minimum() -> None:
    from tracker.scoring.honest import MIN_QUESTIONS

    assert INDEX_MIN_SCORED == MIN_QUESTIONS  # site.py keeps its own copy so as not to import numpy


def test_dots_of_one_day_sit_side_by_side() -> None:
    from datetime import date as day

    from tracker.app.site import DOT_SPACING, question_chart

    rows = [
        {"withdrawn": False, "p_yes": 0.3, "made_at": day(2026, 1, 5), "position": i, "forecaster_id": f"f{i}",
         "forecaster": f"F{i}"}
        for i in range(3)
    ] + [{"withdrawn": False, "p_yes": 0.3, "made_at": day(2026, 3, 1), "position": 9, "forecaster_id": "f0",
          "forecaster": "F0"}]  # fmt: skip
    chart = question_chart({"kind": "binary", "known_on": None, "outcome": None}, rows)
    assert chart is not None
    xs = [float(v) for v in re.findall(r'<circle cx="([\d.]+)"', str(chart["svg"]))]
    assert len(xs) == 4 and len(set(xs)) == 4  # none on top of another
    first_day = sorted(xs[:3])
    assert [round(b - a, 1) for a, b in zip(first_day, first_day[1:], strict=False)] == [DOT_SPACING] * 2


def test_a_source_page_does_not_repeat_itself(grown: Ledger, tmp_path: Path) -> None:
    build_site(grown, tmp_path / "site")
    page = next((tmp_path / "site" / "sources").glob("*.html")).read_text(encoding="utf-8")
    table = page.split('id="source-forecasts"', 1)[1].split("</table>", 1)[0]
    assert "<th>Source</th>" not in table and 'data-label="Source"' not in table
    assert "<th>Quote</th>" in table and 'data-label="Quote"' in table
    question = next((tmp_path / "site" / "questions").glob("*.html")).read_text(encoding="utf-8")
    assert "<th>Source</th>" in question


def test_one_new_forecast_rewrites_only_the_pages_that_show_it(
    ledger: Ledger, states: LedgerStates, tmp_path: Path
) -> None:
    """No page carries what it does not show (the ledger head and scoring run are on the integrity page only), so
    after one new forecast the rebuild changes exactly: its forecaster's, question's and source's pages, the
    source's outlet page, the index (its counts), the integrity page (the head), and the lists that link to one of
    them (their rows carry counts). Every other page comes out the same bytes and is not rewritten."""
    from tracker.app.site import f_url, outlet_url, q_url, s_url

    out = tmp_path / "site"
    states.site(ledger, scored_catalog, out)
    before = site_files(out)
    stamps = {name: (out / name).stat().st_mtime_ns for name in before}
    on_open = ledger.forecasts().query("question_id == @OPEN_QUESTION and source_id.notna()").iloc[0]
    fid, sid = str(on_open.forecaster_id), str(on_open.source_id)
    outlet = str(ledger.sources(source=sid)["outlet"].iloc[0])
    ledger.record_forecast(OPEN_QUESTION, "whoever", 0.35, date(2026, 2, 1), source_id=sid, forecaster_id=fid)
    assert ledger.score().status == "ok"
    build_site(ledger, out)
    after = site_files(out)
    assert after.keys() == before.keys()
    changed = {name for name in after if after[name] != before[name]} - {MANIFEST}
    shown = {f_url(fid), q_url(OPEN_QUESTION), s_url(sid)}
    own = shown | {"index.html", "integrity.html"}
    # the top-level lists with a row that links to the forecaster, the question or the source
    lists = {
        name
        for name, data in before.items()
        if name.endswith(".html") and "/" not in name and any(f'"{url}"'.encode() in data for url in shown)
    }
    assert own <= changed, sorted(own - changed)
    assert changed <= own | {outlet_url(outlet)} | lists, sorted(changed - own - lists)
    # the head's hash is named on the integrity page, and beside its event (the question's history), on no other
    # page (the manifest records it, with what the build counted, for a rebuild with nothing new)
    head = str(ledger.info()["head_hash"]).encode()
    named = [name for name, data in sorted(after.items()) if head in data and name != MANIFEST]
    assert named == ["integrity.html", q_url(OPEN_QUESTION)]
    assert len(changed) * 4 < len(after), sorted(changed)
    # unchanged pages were not rewritten: their files are the same files, untouched
    for name in set(after) - changed - {MANIFEST}:
        assert (out / name).stat().st_mtime_ns == stamps[name], name


def _new_forecast(ledger: Ledger) -> None:
    on_open = ledger.forecasts().query("question_id == @OPEN_QUESTION and source_id.notna()").iloc[0]
    ledger.record_forecast(
        OPEN_QUESTION,
        "whoever",
        0.35,
        date(2026, 2, 1),
        source_id=str(on_open.source_id),
        forecaster_id=str(on_open.forecaster_id),
    )


CHANGES = {
    "nothing new": lambda led: None,
    "new forecast, scored": lambda led: (_new_forecast(led), led.score()),
    "new forecaster": lambda led: led.record_forecast(OPEN_QUESTION, "A. Newcomer", 0.6, date(2026, 2, 2)),
    "resolution, scored": lambda led: (led.resolve(DUE_QUESTION, "no", date(2026, 7, 1)), led.score()),
    "new source": lambda led: led.add_source("a-new-source", "A new source", outlet="Some Outlet"),
    "annulment, scored": lambda led: (led.annul(DUE_QUESTION, "ill-posed (test)"), led.score()),
    "clarified title": lambda led: led.clarify(OPEN_QUESTION, "a clearer wording (test)", title="A clearer title?"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_an_incremental_build_is_byte_identical_to_a_full_one(
    ledger: Ledger, states: LedgerStates, tmp_path: Path, change: str
) -> None:
    """A rebuild keeps the pages whose inputs did not change and renders the rest: after each kind of change its
    folder (manifest included) is the same bytes as a fresh build's, and it kept some of the pages."""
    incremental, full = tmp_path / "incremental", tmp_path / "full"
    first = states.site(ledger, scored_catalog, incremental)
    assert first.kept == 0
    CHANGES[change](ledger)
    again = build_site(ledger, incremental)
    fresh = build_site(ledger, full)
    assert fresh.kept == 0
    assert site_files(incremental) == site_files(full)
    if change == "nothing new":
        assert again.kept == again.files
    else:
        assert 0 < again.kept < again.files, (again.kept, again.files)


def test_a_forecast_row_reads_like_the_dict_it_was_made_from() -> None:
    from tracker.app.site import inputs_digest
    from tracker.app.siterows import FIELDS, ForecastRow

    values = dict.fromkeys(FIELDS) | {"status": "scored", "position": 7}
    row, other = ForecastRow(**values), ForecastRow(**values | {"position": 8})
    assert row["status"] == row.status == "scored" and row.get("position") == 7 and row.get("nothing", 5) == 5
    with pytest.raises(AttributeError):
        row["nothing"]
    assert row[-1] == 7  # still a tuple
    # a page's digest sees every field
    assert inputs_digest([ForecastRow(**values)]) == inputs_digest([row]) != inputs_digest([other])


# The cells as the templates printed them before `forecast_table_rows` made them in Python: the reference it must
# equal, byte for byte, for any row.
OLD_FORECAST_ROWS = """{% for f in rows %}
<tr id="fc-{{ f.anchor }}"{% if f.withdrawn %} class="withdrawn"{% endif %}>
{% if q %}<td class="t" data-label="Question">{% if site %}<a href="{{ root }}{{ q_url(f.question_id) }}">{{ f.question_title|u }}</a>{% else %}{{ f.question_title|u }}{% endif %}<br><code>{{ f.question_id }}</code></td>{% endif %}
{%- if fc %}<td class="p" data-label="Forecaster">{% if site %}<a href="{{ root }}{{ f_url(f.forecaster_id) }}">{{ f.forecaster|u }}</a>{% else %}{{ f.forecaster|u }}{% endif %}{% if f.role %}<br><span class="muted">{{ f.role|u }}</span>{% endif %}</td>{% endif %}
{%- raw %}{% endraw %}<td class="d" data-label="Made">{{ f.made_at|day }}</td><td class="n" data-label="P(YES)">{{ f.prob }}</td>
<td data-label="How">{{ f.method|u }}{% if f.reading_text %}<br><span class="reading">{{ f.reading_text|u }}</span>{% endif %}</td>
<td class="q" data-label="Quote">{% if f.quote %}<blockquote>{{ f.quote|u }}</blockquote>{% else %}–{% endif %}</td>
{%- if s %}<td data-label="Source">{% if f.source_id %}{% if site %}<a href="{{ root }}{{ s_url(f.source_id) }}">{{ f.source_title|u }}</a>{% else %}{{ ext_link(f.url, f.source_title) }}{% endif %}{% if f.outlet %}<br><span class="muted">{{ f.outlet|u }}</span>{% endif %}{% else %}–{% endif %}</td>{% endif %}
{%- raw %}{% endraw %}<td data-label="Status">{{ f.status|u }}{% if f.withdrawn and f.withdrawn_reason %}<br><span class="muted">{{ f.withdrawn_reason|u }}</span>{% endif %}</td>
<td class="d" data-label="Outcome">{% if f.outcome in ('yes', 'no') %}<span class="outcome-{{ f.outcome }}">{{ f.outcome }}</span>{% else %}{{ f.outcome|u }}{% endif %}{% if f.known_on %}<br><span class="muted">{{ f.known_on|day }}</span>{% endif %}</td>
<td class="n" data-label="Brier">{{ f.brier|num }}</td>
</tr>
{% endfor %}"""  # noqa: E501  (the template's lines as they were)

OLD_HISTORY_ROWS = (
    '{% for e in history %}<tr><td class="n" data-label="Position">{{ e.position }}</td><td class="n" '
    'data-label="Version">{{ e.stream_version }}</td><td data-label="Event">{{ e.event_type|u }}</td><td class="d" '
    'data-label="Recorded">{{ e.recorded_at|minute }}</td><td data-label="By">{{ e.actor|u }}</td><td class="h" '
    'data-label="Hash"><span class="hash">{{ e.hash }}</span></td></tr>{% endfor %}'
)

HOSTILE = st.one_of(
    st.none(),
    st.just(""),
    st.text(alphabet=st.sampled_from("ab <>&'\"\x00\x1b\x7f\x9b\t\n\u202e~é"), max_size=12),
)
WHEN = st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)), st.dates())


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "anchor": st.text(max_size=8),
                "withdrawn": st.booleans(),
                "question_id": HOSTILE,
                "question_title": HOSTILE,
                "forecaster_id": HOSTILE,
                "forecaster": HOSTILE,
                "role": HOSTILE,
                "made_at": WHEN,
                "prob": HOSTILE,
                "method": HOSTILE,
                "reading_text": HOSTILE,
                "quote": HOSTILE,
                "source_id": HOSTILE,
                "source_title": HOSTILE,
                "url": st.one_of(HOSTILE, st.just("https://example.org/a?b=1&c=<2>"), st.just("javascript:x")),
                "outlet": HOSTILE,
                "status": HOSTILE,
                "withdrawn_reason": HOSTILE,
                "outcome": st.one_of(HOSTILE, st.sampled_from(["yes", "no"])),
                "known_on": WHEN,
                "brier": st.one_of(st.none(), st.floats(allow_nan=True)),
            }
        ),
        max_size=3,
    ),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_forecast_rows_made_in_python_are_what_the_template_printed(
    rows: list[dict[str, Any]], q: bool, fc: bool, s: bool, site: bool
) -> None:
    from tracker.app.siterows import FIELDS, ForecastRow
    from tracker.app.templating import environment, f_url, forecast_table_rows, q_url, s_url

    env = environment()
    env.globals.update(q_url=q_url, f_url=f_url, s_url=s_url)
    old = env.from_string(OLD_FORECAST_ROWS).render(rows=rows, q=q, fc=fc, s=s, site=site, root="../")
    made = [ForecastRow(**dict.fromkeys(FIELDS) | r) for r in rows]
    for given_rows in (rows, made):  # the report's dicts, the site's rows
        assert str(forecast_table_rows(given_rows, q, fc, s, site, "../")) == old


@given(st.lists(st.tuples(st.integers(), st.integers(), HOSTILE, WHEN, HOSTILE, HOSTILE), max_size=3))
def test_a_question_history_made_in_python_is_what_the_template_printed(events: list[tuple[Any, ...]]) -> None:
    from tracker.app.templating import environment, history_rows

    names = ("position", "stream_version", "event_type", "recorded_at", "actor", "hash")
    history = [dict(zip(names, e, strict=True)) for e in events]
    assert str(history_rows(events)) == environment().from_string(OLD_HISTORY_ROWS).render(history=history)


@given(st.text())
def test_escaping_without_a_markup_is_markupsafes(text: str) -> None:
    from markupsafe import escape

    from tracker.app.templating import esc, esc_native

    assert esc(text) == esc_native(text) == str(escape(text))
