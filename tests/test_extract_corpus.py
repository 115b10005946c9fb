"""The labelled development corpus for `tracker extract` (tests/data/extract/corpus-*.yaml, issue 22) loads and
agrees with itself: every quote is verbatim in its excerpt, every field has an allowed value, ids are unique,
each excerpt file is present, and no article comes from an outlet held out for checking or from a seed's outlet.

The first two files were built apart: corpus-a.yaml (ids a-NNN, outlets whose domain starts with a-m) and
corpus-b.yaml (ids b-NNN, outlets n-z). Later files (corpus-c.yaml, ... with ids c-NNN, ...) take outlets of any
letter that no other file uses. The checks run on whichever files exist."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

CORPUS = Path(__file__).resolve().parent / "data" / "extract"
HALVES = sorted(CORPUS.glob("corpus-*.yaml"))

# The held-out check set's outlets (issue 22) and the seed articles' outlets (seeds/sources.yaml).
FORBIDDEN = frozenset(
    {
        "tass.com",
        "cnbc.com",
        "valdaiclub.com",
        "independent.co.uk",
        "abc.net.au",
        "malaysia-today.net",
        "euromaidanpress.com",
        "honoluluadvertiser.com",
        "svpressa.ru",
        "themoscowtimes.com",
        "politico.eu",
        "politico.com",
        "bloomberg.com",
    }
)
TOPICS = frozenset({"politics", "economics", "elections", "war-diplomacy", "technology-health"})
SPLITS = frozenset({"tune", "check"})
ATTRIBUTIONS = frozenset({"after-quote", "before-quote", "according-to", "in-sentence", "pronoun", "author", "other"})
POLARITIES = frozenset({"affirm", "negate"})
ARTICLE_KEYS = frozenset(
    {"id", "file", "url", "outlet", "published", "retrieved", "topic", "split", "forecasts", "title", "note"}
)
FORECAST_KEYS = frozenset(
    {"quote", "speaker", "role", "attribution", "hedge", "numeric", "event", "polarity", "p", "note"}
)
# A stated number as digits or as a word ("six percent chance", "one in four", "even odds").
NUMBER = (
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    r"|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|half|even)\b"
)
# Each half's outlets start with these letters, so the two halves never share an outlet.
OUTLET_LETTERS = {"a": "abcdefghijklm", "b": "nopqrstuvwxyz"}


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("schema") == 1, f"{path.name}: schema must be 1"
    assert isinstance(data.get("articles"), list) and data["articles"], f"{path.name}: no articles"
    return data


def _half(path: Path) -> str:
    m = re.fullmatch(r"corpus-([a-z])\.yaml", path.name)
    assert m, f"{path.name}: corpus files are named corpus-<letter>.yaml"
    return m.group(1)


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _check_forecast(where: str, f: Any, text: str) -> None:
    assert isinstance(f, dict), f"{where}: a forecast is a mapping"
    assert set(f) <= FORECAST_KEYS, f"{where}: unknown fields {sorted(set(f) - FORECAST_KEYS)}"
    missing = FORECAST_KEYS - {"note"} - set(f)
    assert not missing, f"{where}: missing {sorted(missing)}"
    quote = f["quote"]
    assert isinstance(quote, str) and quote.strip() == quote and len(quote) >= 10, f"{where}: quote {quote!r}"
    assert quote in text, f"{where}: quote not verbatim in the excerpt: {quote!r}"
    assert isinstance(f["speaker"], str) and f["speaker"].strip(), f"{where}: speaker"
    assert f["role"] is None or (isinstance(f["role"], str) and f["role"].strip()), f"{where}: role"
    assert f["attribution"] in ATTRIBUTIONS, f"{where}: attribution {f['attribution']!r}"
    assert (f["attribution"] == "author") == (f["speaker"] == "the author"), (
        f"{where}: speaker 'the author' goes with attribution 'author' and only with it"
    )
    hedge = f["hedge"]
    assert isinstance(hedge, str) and hedge.strip(), f"{where}: hedge"
    # A hedge is written as in the quote; a split one ("not ... likely") gives its parts with an ellipsis.
    for part in re.split(r"\s*(?:…|\.\.\.)\s*", hedge):
        assert part.lower() in quote.lower(), f"{where}: hedge part {part!r} is not in the quote"
    assert isinstance(f["numeric"], bool), f"{where}: numeric is true or false"
    if f["numeric"]:
        assert re.search(NUMBER, hedge, re.I), f"{where}: a numeric hedge gives its number phrase, not {hedge!r}"
    assert isinstance(f["event"], str) and len(f["event"].strip()) >= 5, f"{where}: event"
    assert f["polarity"] in POLARITIES, f"{where}: polarity {f['polarity']!r}"
    p = f["p"]
    assert isinstance(p, (int, float)) and not isinstance(p, bool) and 0.0 <= p <= 1.0, f"{where}: p {p!r}"
    # affirm means the quote says the event happens or may happen ("could", "risks" sit a little under an even
    # call), negate that it does not or probably does not; a stated number can say anything.
    if f["polarity"] == "affirm" and not f["numeric"]:
        assert p >= 0.35, f"{where}: affirm with p {p} < 0.35"
    if f["polarity"] == "negate":
        assert p <= 0.5, f"{where}: negate with p {p} > 0.5"


def _check_article(root: Path, half: str, art: Any) -> None:
    assert isinstance(art, dict), f"corpus-{half}: an article is a mapping"
    where = f"corpus-{half}:{art.get('id')}"
    assert set(art) <= ARTICLE_KEYS, f"{where}: unknown fields {sorted(set(art) - ARTICLE_KEYS)}"
    missing = ARTICLE_KEYS - {"title", "note"} - set(art)
    assert not missing, f"{where}: missing {sorted(missing)}"
    assert re.fullmatch(rf"{half}-\d{{3}}", str(art["id"])), f"{where}: id is {half}-NNN"
    assert art["file"] == f"articles/{art['id']}.txt", f"{where}: file is articles/<id>.txt"
    excerpt = root / art["file"]
    assert excerpt.is_file(), f"{where}: {art['file']} is missing"
    text = excerpt.read_text(encoding="utf-8")
    assert 500 <= len(text) <= 4000, f"{where}: excerpt of {len(text)} characters"
    url, outlet = art["url"], art["outlet"]
    assert isinstance(url, str) and url.startswith(("http://", "https://")), f"{where}: url"
    assert isinstance(outlet, str) and outlet == outlet.lower() and "/" not in outlet, f"{where}: outlet"
    host = _host(url)
    # The outlet is the url's site, or the site's name in a publisher's CDN host (irishtimes-...arcpublishing.com).
    site = outlet.split(".")[0]
    assert host == outlet or host.endswith("." + outlet) or re.match(rf"{re.escape(site)}\b", host), (
        f"{where}: outlet {outlet} is not the url's site {host}"
    )
    assert outlet not in FORBIDDEN, f"{where}: outlet {outlet} is held out or a seed's"
    assert not any(host == f or host.endswith("." + f) for f in FORBIDDEN), f"{where}: {host} is held out"
    assert outlet[0] in OUTLET_LETTERS.get(half, "abcdefghijklmnopqrstuvwxyz"), f"{where}: {outlet} is the other half's"
    assert isinstance(art["published"], dt.date), f"{where}: published is a date"
    assert isinstance(art["retrieved"], dt.date) and art["retrieved"] >= art["published"], f"{where}: retrieved"
    assert art["topic"] in TOPICS, f"{where}: topic {art['topic']!r}"
    assert art["split"] in SPLITS, f"{where}: split {art['split']!r}"
    forecasts = art["forecasts"]
    assert isinstance(forecasts, list) and forecasts, f"{where}: no forecasts"
    seen: set[tuple[str, str]] = set()
    for i, f in enumerate(forecasts):
        _check_forecast(f"{where}#{i + 1}", f, text)
        key = (f["quote"], f["event"])
        assert key not in seen, f"{where}#{i + 1}: the same quote and event twice"
        seen.add(key)


@pytest.mark.skipif(not HALVES, reason="no corpus-*.yaml yet")
@pytest.mark.parametrize("path", HALVES, ids=[p.name for p in HALVES])
def test_corpus_half_is_valid(path: Path) -> None:
    half = _half(path)
    for art in _load(path)["articles"]:
        _check_article(CORPUS, half, art)


@pytest.mark.skipif(not HALVES, reason="no corpus-*.yaml yet")
def test_ids_urls_and_files_unique_across_halves() -> None:
    ids: list[str] = []
    urls: list[str] = []
    for path in HALVES:
        for art in _load(path)["articles"]:
            ids.append(art["id"])
            urls.append(art["url"])
    assert len(ids) == len(set(ids)), "an id is used twice"
    assert len(urls) == len(set(urls)), "an article is in the corpus twice"
    listed = {f"{i}.txt" for i in ids}
    on_disk = {p.name for p in (CORPUS / "articles").glob("*.txt")}
    assert on_disk <= listed, f"excerpt files no corpus lists: {sorted(on_disk - listed)}"


@pytest.mark.skipif(not HALVES, reason="no corpus-*.yaml yet")
def test_corpus_covers_what_issue_22_asks_and_files_do_not_share_outlets() -> None:
    """At least 40 excerpts from 12 outlets and the five topics, 200 labelled forecasts, 60 attributed after the
    quotation and 20 numeric; an outlet belongs to one corpus file, so a file added later brings only new outlets."""
    articles = [(path.name, art) for path in HALVES for art in _load(path)["articles"]]
    forecasts = [f for _, art in articles for f in art["forecasts"]]
    assert len(articles) >= 40
    assert len({art["outlet"] for _, art in articles}) >= 12
    assert {art["topic"] for _, art in articles} == TOPICS
    assert len(forecasts) >= 200
    assert sum(f["attribution"] == "after-quote" for f in forecasts) >= 60
    assert sum(bool(f["numeric"]) for f in forecasts) >= 20
    files_of: dict[str, set[str]] = {}
    for name, art in articles:
        files_of.setdefault(art["outlet"], set()).add(name)
    shared = {outlet: sorted(names) for outlet, names in files_of.items() if len(names) > 1}
    assert not shared, f"outlets in more than one corpus file: {shared}"


def test_checks_can_fail(tmp_path: Path) -> None:
    """The checks above reject what they should: a quote not in its excerpt, a held-out outlet, a bad field."""
    text = "He said the bank would probably cut rates in June, analysts said."
    good = {
        "quote": "the bank would probably cut rates in June",
        "speaker": "the author",
        "role": None,
        "attribution": "author",
        "hedge": "probably",
        "numeric": False,
        "event": "the bank cuts rates in June",
        "polarity": "affirm",
        "p": 0.7,
    }
    _check_forecast("ok", good, text)
    bad_cases = [
        {"quote": "the bank will surely cut rates in June"},
        {"hedge": "likely"},
        {"attribution": "after-quote"},
        {"polarity": "maybe"},
        {"p": 1.5},
        {"polarity": "negate"},
        {"numeric": True},
    ]
    for change in bad_cases:
        with pytest.raises(AssertionError):
            _check_forecast("bad", {**good, **change}, text)
    worded = "There is only a six percent chance the bank will cut rates in June."
    six = {**good, "quote": "a six percent chance the bank will cut rates", "numeric": True, "p": 0.06}
    six["polarity"] = "negate"
    _check_forecast("ok", {**six, "hedge": "six percent chance"}, worded)
    with pytest.raises(AssertionError, match="number phrase"):
        _check_forecast("bad", {**six, "hedge": "percent chance"}, worded)
    (tmp_path / "articles").mkdir()
    for name in ("a-001", "b-001"):
        (tmp_path / "articles" / f"{name}.txt").write_text(text * 10, encoding="utf-8")
    art = {
        "id": "a-001",
        "file": "articles/a-001.txt",
        "url": "https://www.apnews.com/article/1",
        "outlet": "apnews.com",
        "published": dt.date(2024, 1, 1),
        "retrieved": dt.date(2026, 12, 6),
        "topic": "politics",
        "split": "tune",
        "forecasts": [good],
    }
    _check_article(tmp_path, "a", art)
    for change in [
        {"url": "https://tass.com/world/1", "outlet": "tass.com"},
        {"url": "https://tass.com/world/1", "outlet": "tass.ru"},
        {"outlet": "bbc.com"},
        {"id": "b-001"},
        {"file": "articles/a-002.txt"},
        {"topic": "sports"},
        {"published": "2024-01-01"},
        {"forecasts": []},
    ]:
        with pytest.raises(AssertionError):
            _check_article(tmp_path, "a", {**art, **change})
    with pytest.raises(AssertionError, match="other half"):
        _check_article(tmp_path, "b", {**art, "id": "b-001", "file": "articles/b-001.txt"})


CHECK_SET = CORPUS / "corpus-g.yaml"


@pytest.mark.skipif(not CHECK_SET.is_file(), reason="no corpus-g.yaml")
def test_the_held_out_check_set_is_check_only_and_large_enough() -> None:
    """corpus-g is the check set drawn after the older check half was opened for study: every article in the check
    half, at least 20 excerpts from 12 outlets and 120 labelled forecasts."""
    articles = _load(CHECK_SET)["articles"]
    assert {art["split"] for art in articles} == {"check"}
    assert len(articles) >= 20
    assert len({art["outlet"] for art in articles}) >= 12
    assert sum(len(art["forecasts"]) for art in articles) >= 120


SECOND_CHECK_SET = CORPUS / "corpus-h.yaml"


@pytest.mark.skipif(not SECOND_CHECK_SET.is_file(), reason="no corpus-h.yaml")
def test_the_second_check_set_is_check_only_from_outlets_of_its_own() -> None:
    """corpus-h, labelled blind after corpus-g was measured: every article in the check half, at least 22 excerpts from
    18 outlets over the five topics and 140 labelled forecasts, each article with its address and dates, and no outlet
    that another corpus file uses (the per-article checks above hold for it as for every file)."""
    articles = _load(SECOND_CHECK_SET)["articles"]
    assert {art["split"] for art in articles} == {"check"}
    assert len(articles) >= 22
    outlets = {art["outlet"] for art in articles}
    assert len(outlets) >= 18
    assert {art["topic"] for art in articles} == TOPICS
    assert sum(len(art["forecasts"]) for art in articles) >= 140
    for art in articles:
        assert art["url"].startswith(("http://", "https://")), art["id"]
        assert isinstance(art["published"], dt.date) and isinstance(art["retrieved"], dt.date), art["id"]
    elsewhere = {art["outlet"] for path in HALVES if path != SECOND_CHECK_SET for art in _load(path)["articles"]}
    assert not outlets & elsewhere, sorted(outlets & elsewhere)
