"""The static site in a real browser: Playwright driving Debian's chromium over file:// on the demo ledger.

It opens the index, follows a forecaster link and a question link, searches for a quote, and on every page type
checks at 390 px that nothing scrolls sideways, that no page logs a console error, and that no request leaves
file://. Screenshots of each page type at 1280 and 390 px go to $TRACKER_SCREENSHOTS (else a folder under the
test's tmp_path), printed for a person to look at.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import tracker as cli

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium")
WIDTHS = (1280, 390)


def tracker(db: str, *args: str) -> str:
    return cli(db, *args, code=0).stdout


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("demo")
    db = f"sqlite:///{base}/ledger.sqlite"
    tracker(db, "init")
    tracker(db, "import", str(ROOT / "predictions"))
    tracker(db, "score")
    # the pages carry proofs against a signed checkpoint (tracker.app.siteproofs), checked by verify.js
    public = tracker(db, "keygen", "--out", str(base / "log.key"), "--name", "news.example/forecasts").strip()
    tracker(db, "checkpoint", "--key", str(base / "log.key"), "--out", str(base / "cp.txt"))
    tracker(db, "site", "--out", str(base / "site"), "--key", public, "--checkpoint", str(base / "cp.txt"))
    return base / "site"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium): no browser to drive")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("TRACKER_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nsite screenshots: {folder}")
    return folder


class Watch:
    """A page that records console errors, page errors and every request that is not file:// or data:."""

    def __init__(self, browser: Any, width: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "request", lambda r: None if r.url.startswith(("file://", "data:")) else self.outside.append(r.url)
        )

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        return self.page

    def check(self) -> None:
        assert self.errors == [], self.errors
        assert self.outside == [], self.outside

    def close(self) -> None:
        self.context.close()


def page_types(site: Path) -> dict[str, Path]:
    first = lambda folder: sorted((site / folder).glob("*.html"))[0]  # noqa: E731
    return {
        "index": site / "index.html",
        "forecaster": site / "forecasters" / "andrei-tikhonov.html",
        "question": site / "questions" / "osaka-trump-putin-meeting-2019.html",
        "source": first("sources"),
        "tag": first("tags"),
        "outlet": first("outlets"),
        "forecasters": site / "forecasters.html",
        "questions": site / "questions.html",
        "open": site / "open.html",
        "hindsight": site / "hindsight.html",
        "sources": site / "sources.html",
        "integrity": site / "integrity.html",
        "search": site / "search.html",
    }


def test_follow_links_and_search(demo_site: Path, browser: Any, shots: Path) -> None:
    w = Watch(browser, 1280)
    page = w.open((demo_site / "index.html").as_uri())
    rows = page.locator("#leaderboard-table tbody tr")
    assert rows.count() >= 2  # the ranked: those with at least INDEX_MIN_SCORED scored questions (2 in the demo)
    link = rows.first.locator("a").first
    name = link.inner_text()
    link.click()
    page.wait_for_load_state("load")
    assert "/forecasters/" in page.url
    assert page.locator("h1").inner_text() == name
    record = page.locator("#track-record tbody tr")
    assert record.count() >= 1
    question_link = record.first.locator("a").first
    title = question_link.inner_text()
    question_link.click()
    page.wait_for_load_state("load")
    assert "/questions/" in page.url
    assert page.locator("h1").inner_text() == title
    assert page.locator("#history-table tbody tr").count() >= 1
    assert page.locator("svg.chart path").count() == 1  # the crowd median
    # a quote from this question, searched for from the search box in the header
    quote = page.locator("#question-forecasts blockquote").first.inner_text()
    words = " ".join(quote.split()[:6])
    page.fill("header form.search input", words)
    page.press("header form.search input", "Enter")
    page.wait_for_load_state("load")
    assert "/search.html" in page.url
    results = page.locator("#results li")
    results.first.wait_for()
    texts = results.all_inner_texts()
    assert any(quote in text for text in texts), texts[:5]
    hit = results.filter(has_text=quote).first.locator("a")
    hit.click()
    page.wait_for_load_state("load")
    assert "/questions/" in page.url and "#fc-" in page.url
    assert page.locator("h1").inner_text() == title
    # no match is said so
    page.goto((demo_site / "search.html").as_uri() + "?q=zzqqxx-nothing")
    assert page.locator("#search-status").inner_text() == "No match."
    w.check()
    w.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_type_fits_and_stays_offline(demo_site: Path, browser: Any, shots: Path, width: int) -> None:
    w = Watch(browser, width)
    for kind, path in page_types(demo_site).items():
        assert path.exists(), path
        page = w.open(path.as_uri() + ("?q=putin" if kind == "search" else ""))
        if kind == "search":
            page.locator("#results li").first.wait_for()
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{kind} at {width}px scrolls sideways: {scroll} > {inner}"
        page.screenshot(path=str(shots / f"{kind}-{width}.png"), full_page=True)
    w.check()
    w.close()


# In the page: every visible element that sticks out of its parent sideways, every box that scrolls sideways (a
# figure may: it keeps its labels legible at its drawn size and scrolls in its own box), and every piece of text
# drawn under 11 px (SVG text at its on-screen scale).
MEASURE = """() => {
  const out = {overflow: [], scrolls: [], small: []};
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  const inFigure = (e) => !!e.closest('figure');
  const hidden = (e) => { for (let a = e; a; a = a.parentElement) { const s = getComputedStyle(a);
    if (s.position === 'absolute' && s.clip !== 'auto') return true; } return false; };
  for (const e of document.body.querySelectorAll('*')) {
    const st = getComputedStyle(e);
    if (st.display === 'none' || st.visibility === 'hidden') continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || hidden(e)) continue;
    const p = e.parentElement;
    const absolute = st.position === 'absolute' || st.position === 'fixed';
    if (p && !absolute && !inFigure(e)) {
      const q = p.getBoundingClientRect();
      if (r.right > q.right + 1 || r.left < q.left - 1) out.overflow.push(name(e) + ' in ' + name(p) +
        ' (' + Math.round(r.left) + '..' + Math.round(r.right) + ' in ' + Math.round(q.left) + '..' +
        Math.round(q.right) + ')');
    }
    if (['auto', 'scroll', 'hidden'].includes(st.overflowX) && e.tagName !== 'FIGURE' && !absolute &&
        e.scrollWidth > e.clientWidth + 1) out.scrolls.push(name(e) + ' > ' + (e.firstElementChild ?
        name(e.firstElementChild) : '') + ' ' + e.scrollWidth + ' > ' + e.clientWidth);
    const text = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!text) continue;
    let size = parseFloat(st.fontSize);
    const m = e instanceof SVGElement ? e.getScreenCTM() : null;
    if (m) size *= Math.hypot(m.a, m.b);  // rotated text too
    if (size < 10.95) out.small.push(name(e) + ' ' + size.toFixed(1) + 'px: ' + e.textContent.trim().slice(0, 30));
  }
  return out;
}"""


def reader_pages(site: Path) -> dict[str, Path]:
    """The pages the issue names: index, forecasters, one forecaster, one question, one source, search, due,
    hindsight and integrity."""
    pages = page_types(site)
    return {
        k: pages[k]
        for k in ("index", "forecasters", "forecaster", "question", "source", "search", "hindsight", "integrity")
    } | {"due": site / "open.html"}


@pytest.mark.parametrize("width", WIDTHS)
def test_no_element_overflows_and_no_text_is_under_11px(demo_site: Path, browser: Any, shots: Path, width: int) -> None:
    w = Watch(browser, width)
    problems: dict[str, Any] = {}
    for kind, path in reader_pages(demo_site).items():
        page = w.open(path.as_uri() + ("?q=putin" if kind == "search" else ""))
        if kind == "search":
            page.locator("#results li").first.wait_for()
        found = page.evaluate(MEASURE)
        page.screenshot(path=str(shots / f"reader-{kind}-{width}.png"), full_page=True)
        if any(found.values()):
            problems[kind] = {k: v[:5] for k, v in found.items() if v}
    assert problems == {}, problems
    w.check()
    w.close()


def test_the_measure_catches_an_overflow_and_small_text(browser: Any, tmp_path: Path) -> None:
    """The check can fail: a wide table in a narrow box and 9 px text are both reported."""
    page_file = tmp_path / "bad.html"
    page_file.write_text(
        '<body><div class="scroll" style="overflow-x:auto;width:200px"><table style="width:600px"><tr>'
        '<td>wide</td></tr></table></div><p style="width:100px"><span style="display:inline-block;width:300px">'
        'long</span></p><small style="font-size:9px">tiny</small></body>',
        encoding="utf-8",
    )
    w = Watch(browser, 390)
    found = w.open(page_file.as_uri()).evaluate(MEASURE)
    assert any("div.scroll" in s for s in found["scrolls"]), found
    assert any(s.startswith("span in p") for s in found["overflow"]), found
    assert any("tiny" in s for s in found["small"]), found
    w.close()


# ------------------------------------------------------------------------------------------- proofs


def proof_state(page: Any, selector: str = "#proof-status") -> tuple[str, str, float]:
    """Wait for verify.js to finish; its verdict, its sentence and the milliseconds it took (measured in the page)."""
    page.wait_for_function(f"document.querySelector('{selector}').dataset.state !== 'pending'")
    status = page.locator(selector)
    return str(status.get_attribute("data-state")), status.inner_text(), float(status.get_attribute("data-ms") or 0)


def proven_pages(site: Path) -> list[Path]:
    return sorted(p for folder in ("forecasters", "questions", "sources") for p in (site / folder).glob("*.html"))


def test_every_page_proof_verifies_in_the_browser(demo_site: Path, browser: Any, shots: Path) -> None:
    w = Watch(browser, 1280)
    took: list[float] = []
    for path in proven_pages(demo_site):
        state, said, ms = proof_state(w.open(path.as_uri()))
        assert state == "verified", f"{path.name}: {said}"
        assert said.startswith("verified against checkpoint 93 signed by news.example/forecasts+"), said
        took.append(ms)
    page = w.open(page_types(demo_site)["forecaster"].as_uri())
    proof_state(page)
    page.locator("#proof-status").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "proof-verified-1280.png"), full_page=True)
    state, said, _ = proof_state(w.open((demo_site / "integrity.html").as_uri()), "#consistency-status")
    assert state == "verified" and "extends the archived checkpoint" in said, said
    w.page.screenshot(path=str(shots / "integrity-proofs-1280.png"), full_page=True)
    took.sort()
    print(
        f"\nbrowser verification of {len(took)} pages: median {took[len(took) // 2]:.1f} ms, "
        f"max {took[-1]:.1f} ms (the first page includes WebCrypto's start)"
    )
    w.check()
    w.close()


def tamper(site: Path, copy: Path, page: Path, change: Any) -> Path:
    """A copy of the site whose `page` has its proof block rewritten by `change` (a function of the parsed JSON)."""
    shutil.copytree(site, copy)
    target = copy / page.relative_to(site)
    text = target.read_text(encoding="utf-8")
    start = text.index('id="tracker-proof">') + len('id="tracker-proof">')
    end = text.index("</script>", start)
    body = json.loads(text[start:end])
    change(body)
    target.write_text(text[:start] + json.dumps(body, ensure_ascii=True) + text[end:], encoding="utf-8")
    return target


def one_byte(entry: dict[str, Any]) -> None:
    event = entry["event"]
    at = event.index('"actor":"', 64) + len('"actor":"')  # the first letter of who recorded it
    entry["event"] = event[:at] + ("x" if event[at] != "x" else "y") + event[at + 1 :]


def flip_path(entry: dict[str, Any], which: int = 0) -> None:
    raw = bytearray(base64.b64decode(entry["path"][which]))
    raw[-1] ^= 1
    entry["path"][which] = base64.b64encode(bytes(raw)).decode()


def other_key(body: dict[str, Any]) -> None:
    from tracker.domain.notes import generate_signer

    body["key"] = generate_signer("news.example/forecasts").verifier.vkey


def resized(body: dict[str, Any]) -> None:
    body["checkpoint"] = body["checkpoint"].replace("\n93\n", "\n94\n", 1)


TAMPERINGS = {
    "one byte of an event": lambda b: one_byte(b["entries"][-1]),
    "one bit of a path hash": lambda b: flip_path(b["entries"][0]),
    # the top of a later event's path, above the subtree an earlier event of the page already proved
    "one bit of a shared path hash": lambda b: flip_path(b["entries"][-1], -1),
    "another key": other_key,
    "the checkpoint's size": resized,
    "an event moved": lambda b: b["entries"][0].update(index=b["entries"][0]["index"] + 1),
}


@pytest.mark.parametrize("how", sorted(TAMPERINGS))
def test_a_tampered_page_is_not_verified(demo_site: Path, browser: Any, shots: Path, tmp_path: Path, how: str) -> None:
    page_file = page_types(demo_site)["question"]  # several events
    target = tamper(demo_site, tmp_path / "site", page_file, TAMPERINGS[how])
    w = Watch(browser, 1280)
    page = w.open(target.as_uri())
    state, said, _ = proof_state(page)
    assert state == "not-verified", f"{how}: {said}"
    assert said.startswith("not verified: "), said
    if how == "one byte of an event":
        page.screenshot(path=str(shots / "proof-tampered-1280.png"), full_page=True)
    w.close()


def test_a_site_from_a_truncated_log_is_not_verified(demo_site: Path, browser: Any, tmp_path: Path) -> None:
    """The publisher drops the last events and rebuilds the site (its checkpoints/ archive kept): the pages'
    proofs no longer lead to the signed root, and the integrity page's consistency check fails."""
    from sqlalchemy import text
    from test_tamper import drop_triggers

    from tracker.store.db import make_engine

    base = demo_site.parent
    # a consistent copy (the demo ledger's last writes may still be in its write-ahead log)
    tracker(f"sqlite:///{base}/ledger.sqlite", "backup", str(tmp_path / "ledger.sqlite"))
    shutil.copytree(demo_site, tmp_path / "site")
    db = f"sqlite:///{tmp_path}/ledger.sqlite"
    engine = make_engine(db)
    drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE position > 88"))
    engine.dispose()
    tracker(db, "rebuild")
    cli(db, "site", "--out", str(tmp_path / "site"))  # exits 7: the scores are stale
    w = Watch(browser, 1280)
    question = sorted((tmp_path / "site" / "questions").glob("*.html"))[0]
    state, said, _ = proof_state(w.open(question.as_uri()))
    assert state == "not-verified", said
    state, said, _ = proof_state(w.open((tmp_path / "site" / "integrity.html").as_uri()), "#consistency-status")
    assert state == "not-verified", said
    w.close()
