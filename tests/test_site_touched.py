"""`tracker.app.sitetouched`: the files named from the new events cover every file a rebuild changes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import LedgerStates
from review_fixtures import DUE_QUESTION, OPEN_QUESTION, scored_catalog
from test_site import CHANGES, site_files

from tracker.app.ledger import Ledger
from tracker.app.site import MANIFEST, build_site, f_url, q_url, s_url
from tracker.app.sitetouched import Touched, changed_of, touched

# the changes whose pages the events bound, and those left to the full path
BOUNDED = ("nothing new", "new forecast, scored", "new forecaster", "new source")
UNBOUNDED = ("resolution, scored", "annulment, scored", "clarified title")


def _point(ledger: Ledger) -> tuple[int, int | None]:
    with ledger.snapshot() as snap:
        return snap.head_position, snap.run.run_id if snap.run is not None else None


def _touched(ledger: Ledger, since: int, since_run: int | None) -> Touched | None:
    with ledger.snapshot() as snap:
        return touched(ledger, snap, since, since_run)


@pytest.mark.parametrize("change", BOUNDED)
def test_the_files_named_from_the_new_events_are_every_file_a_rebuild_changes(
    ledger: Ledger, states: LedgerStates, tmp_path: Path, change: str
) -> None:
    out = tmp_path / "site"
    states.site(ledger, scored_catalog, out)
    before = site_files(out)
    since, since_run = _point(ledger)
    CHANGES[change](ledger)
    named = _touched(ledger, since, since_run)
    assert named is not None
    build_site(ledger, out)
    after = site_files(out)
    moved = {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)} - {MANIFEST}
    assert sorted(rel for rel in moved if not named.covers(rel)) == []
    # and it is a bound: most subject pages are not named
    subject_pages = [rel for rel in after if rel.startswith(("questions/", "forecasters/", "sources/"))]
    left = [rel for rel in subject_pages if not named.covers(rel)]
    assert len(left) * 2 > len(subject_pages), (len(left), len(subject_pages))
    if change == "nothing new":
        assert (named.questions, named.forecasters, named.sources, named.filters) == (set(), set(), set(), False)


def test_a_new_forecast_names_its_question_forecaster_and_source(ledger: Ledger, states: LedgerStates) -> None:
    states.put(ledger, scored_catalog)
    since, since_run = _point(ledger)
    on_open = ledger.forecasts().query("question_id == @OPEN_QUESTION and source_id.notna()").iloc[0]
    fid, sid = str(on_open.forecaster_id), str(on_open.source_id)
    ledger.record_forecast(OPEN_QUESTION, "whoever", 0.35, date(2026, 2, 1), source_id=sid, forecaster_id=fid)
    assert ledger.score().status == "ok"
    named = _touched(ledger, since, since_run)
    assert named == Touched(frozenset({OPEN_QUESTION}), frozenset({fid}), frozenset({sid}), True)
    assert named.covers(q_url(OPEN_QUESTION)) and named.covers(f_url(fid, 3)) and named.covers(s_url(sid))
    assert not named.covers(q_url(DUE_QUESTION)) and not named.covers(q_url(OPEN_QUESTION + "x"))


@pytest.mark.parametrize("change", UNBOUNDED)
def test_events_whose_pages_are_not_bounded_leave_the_build_to_the_full_path(
    ledger: Ledger, states: LedgerStates, change: str
) -> None:
    states.put(ledger, scored_catalog)
    since, since_run = _point(ledger)
    CHANGES[change](ledger)
    assert _touched(ledger, since, since_run) is None


def test_a_scoring_run_that_changed_scores_leaves_the_build_to_the_full_path(
    ledger: Ledger, states: LedgerStates
) -> None:
    """No new event since the head, but a run after the build's run that changed scores (a resolution scored
    after the head was taken): the leaderboards moved, which the events cannot bound."""
    states.put(ledger, scored_catalog)
    _, old_run = _point(ledger)
    ledger.resolve(DUE_QUESTION, "no", date(2026, 7, 1))
    head, _ = _point(ledger)
    assert ledger.score().status == "ok"
    assert _touched(ledger, head, old_run) is None
    assert _touched(ledger, head, _point(ledger)[1]) is not None  # the build saw that run: nothing to do
    # a point the ledger has not reached, or a run the ledger no longer has: not comparable
    assert _touched(ledger, head + 1, _point(ledger)[1]) is None
    assert _touched(ledger, head, 10**6) is None


def test_a_run_record_that_cannot_be_read_says_nothing_changed_never() -> None:
    assert changed_of(None) is None
    assert changed_of("{not json") is None
    assert changed_of('{"scores_added": 0}') is None
    assert changed_of(dict.fromkeys(("scores_added", "scores_removed", "scores_changed", "forecasters_changed"), 0))


def test_a_rebuild_after_one_forecast_digests_only_the_named_pages_and_equals_a_full_build(
    ledger: Ledger, states: LedgerStates, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Build, append one forecast and score, rebuild: the pages the events cannot change are kept without making
    their inputs' digest, and the folder is the same bytes as a full build into a fresh folder, manifest included."""
    from tracker.app import site

    incremental, full = tmp_path / "incremental", tmp_path / "full"
    states.site(ledger, scored_catalog, incremental)
    since, since_run = _point(ledger)
    CHANGES["new forecast, scored"](ledger)
    named = _touched(ledger, since, since_run)
    assert named is not None
    digested: list[str] = []
    real = site.inputs_digest

    def spy(*parts: object) -> str:
        if len(parts) > 1 and isinstance(parts[1], str):
            digested.append(parts[1])
        return real(*parts)

    monkeypatch.setattr(site, "inputs_digest", spy)
    again = build_site(ledger, incremental)
    monkeypatch.undo()
    fresh = build_site(ledger, full)
    assert site_files(incremental) == site_files(full)
    assert again.kept > again.files // 2 and fresh.kept == 0
    pages = [rel for rel in site_files(full) if rel.endswith(".html")]
    assert digested and all(named.covers(rel) for rel in digested), sorted(r for r in digested if not named.covers(r))
    assert len(digested) * 2 < len(pages), (len(digested), len(pages))


def test_a_rebuild_on_another_day_compares_every_page(ledger: Ledger, states: LedgerStates, tmp_path: Path) -> None:
    """The day moves the due questions' pages, which no event names: the manifest keeps the day of the build, and
    a rebuild on another day leaves the naming aside."""
    import json

    from tracker.app import site, sitefolder

    out = tmp_path / "site"
    states.site(ledger, scored_catalog, out)
    found = sitefolder.survey(out)
    salt, day = found.manifest.summary[site.BUILT_BY]
    verification = {"ok": True}
    with ledger.snapshot() as snap:
        assert day == snap.today.isoformat()
        assert site.touched_since(ledger, snap, found, salt, verification) is not None
        assert site.touched_since(ledger, snap, found, salt + "x", verification) is None
        assert site.touched_since(ledger, snap, found, salt, {"ok": False}) is None
        found.manifest.summary[site.BUILT_BY] = [salt, "2000-01-01"]
        assert site.touched_since(ledger, snap, found, salt, verification) is None
        found.manifest.summary[site.BUILT_BY] = [salt, day]
        found.manifest.summary["as_of"] = {"position": 3}
        assert site.touched_since(ledger, snap, found, salt, verification) is None
    assert json.loads((out / site.MANIFEST).read_text())["summary"][site.BUILT_BY] == [salt, day]


def _forecast_from_a_new_outlet(ledger: Ledger) -> None:
    """A new source from an outlet no forecast came from, and a forecast from it: the outlet's leaderboard page is
    new (no digest of its rows in the manifest), and every tag and outlet chip may move."""
    ledger.add_source("a-new-source", "A new source", outlet="A Brand New Outlet")
    on_open = ledger.forecasts().query("question_id == @OPEN_QUESTION").iloc[0]
    ledger.record_forecast(
        OPEN_QUESTION, "whoever", 0.4, date(2026, 2, 3), source_id="a-new-source", forecaster_id=on_open.forecaster_id
    )
    assert ledger.score().status == "ok"


NAMED_CHANGES = {
    **{change: CHANGES[change] for change in BOUNDED},
    "forecast from a new outlet, scored": _forecast_from_a_new_outlet,
}


@pytest.mark.parametrize("change", list(NAMED_CHANGES))
def test_a_named_rebuild_reads_the_named_subjects_rows_only_and_equals_a_full_build(
    ledger: Ledger, states: LedgerStates, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """A rebuild whose events name their pages reads the forecasts, their scores, the question scores, the
    resolutions and the events about the named subjects only (the top-level pages from counts and the first
    quotes), and its folder is the same bytes as a full build into a fresh folder, manifest included."""
    from tracker.read import tablereader

    incremental, full = tmp_path / "incremental", tmp_path / "full"
    states.site(ledger, scored_catalog, incremental)
    since, since_run = _point(ledger)
    NAMED_CHANGES[change](ledger)
    named = _touched(ledger, since, since_run)
    assert named is not None
    calls: list[tuple[str, dict[str, object]]] = []
    for table in ("forecasts", "scores", "question_scores", "resolutions", "events"):
        real = tablereader.READERS[table]

        def spy(snap: object, *, _table: str = table, _real: object = real, **kw: object) -> object:
            calls.append((_table, kw))
            return _real(snap, **kw)  # type: ignore[operator]

        monkeypatch.setitem(tablereader.READERS, table, spy)
    again = build_site(ledger, incremental)
    monkeypatch.undo()
    fresh = build_site(ledger, full)
    assert site_files(incremental) == site_files(full)
    assert fresh.kept == 0 and again.kept > again.files // 2
    # what the rebuild read whole: the question scores (three columns for the pooled calibration; all of them
    # for an outlet page not made before), the quotes (the first ones, for the search index), the events after
    # the build (which pages they name); every other read names its subjects
    unnamed = [
        (table, kw)
        for table, kw in calls
        if kw.get("about") is None
        and not kw.get("question")
        and not kw.get("quoted")
        and not kw.get("after")
        and table != "question_scores"
    ]
    assert unnamed == []
    for _table, kw in calls:
        about = kw.get("about")
        if about is not None:
            assert about.questions <= named.questions  # type: ignore[attr-defined]
            assert about.forecasters <= named.forecasters  # type: ignore[attr-defined]
            assert about.sources <= named.sources  # type: ignore[attr-defined]
        if kw.get("question"):
            assert set(kw["question"]) <= named.questions  # type: ignore[call-overload]


def test_a_page_gone_from_the_folder_is_made_again_by_a_named_rebuild(
    ledger: Ledger, states: LedgerStates, tmp_path: Path
) -> None:
    """A rebuild that makes the named pages only keeps the others as the manifest lists them: when one of them is
    not in the folder any more (deleted by hand), it compares every page instead, and puts the page back."""
    from tracker.app import site, sitefolder

    out, full = tmp_path / "site", tmp_path / "full"
    states.site(ledger, scored_catalog, out)
    gone = q_url(DUE_QUESTION)
    (out / gone).unlink()
    CHANGES["new forecast, scored"](ledger)
    found = sitefolder.survey(out)
    salt = found.manifest.summary[site.BUILT_BY][0]
    with ledger.snapshot() as snap:
        assert site.touched_since(ledger, snap, found, salt, {"ok": True}) is None
    build_site(ledger, out)
    build_site(ledger, full)
    assert (out / gone).exists()
    assert site_files(out) == site_files(full)


def test_a_rebuild_naming_more_subjects_than_it_reads_by_name_reads_every_row_and_equals_a_full_build(
    ledger: Ledger, states: LedgerStates, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_SUBJECTS named subjects a rebuild reads every forecast (one IN list of thousands reads as slowly
    as the table) but still makes the named pages only: the same bytes as a full build."""
    from tracker.app import site

    incremental, full = tmp_path / "incremental", tmp_path / "full"
    states.site(ledger, scored_catalog, incremental)
    CHANGES["new forecast, scored"](ledger)
    from tracker.read import tablereader

    abouts: list[object] = []
    real = tablereader.READERS["forecasts"]

    def spy(snap: object, **kw: object) -> object:
        abouts.append(kw.get("about"))
        return real(snap, **kw)

    monkeypatch.setitem(tablereader.READERS, "forecasts", spy)
    monkeypatch.setattr(site, "MAX_SUBJECTS", 0)
    again = build_site(ledger, incremental)
    monkeypatch.undo()
    assert abouts and all(a is None for a in abouts)
    fresh = build_site(ledger, full)
    assert site_files(incremental) == site_files(full)
    assert again.kept > again.files // 2 and fresh.kept == 0


def _quoted_forecast(ledger: Ledger) -> None:
    on_open = ledger.forecasts().query("question_id == @OPEN_QUESTION").iloc[0]
    ledger.record_forecast(
        OPEN_QUESTION,
        "whoever",
        0.45,
        date(2026, 2, 4),
        forecaster_id=on_open.forecaster_id,
        quote="A late quote </script> with “markup” é",
    )
    assert ledger.score().status == "ok"


def _quoted_forecast_by_a_new_forecaster(ledger: Ledger) -> None:
    ledger.record_forecast(OPEN_QUESTION, "Someone New", 0.55, date(2026, 2, 4), quote="A first quote")
    assert ledger.score().status == "ok"


@pytest.mark.parametrize(
    ("quotes", "change", "kept"),
    [
        (5, _quoted_forecast, True),  # the index was full: its quotes are the folder's, only the note moves
        (0, _quoted_forecast, True),  # no quote indexed at all: an empty part kept
        (5, _quoted_forecast_by_a_new_forecaster, False),  # a new name among the entries: read again
        (10_000, _quoted_forecast, False),  # room left in the index: the new quote enters it
        (10_000, CHANGES["new forecast, scored"], True),  # room left, but no new quote
    ],
)
def test_a_rebuild_keeps_the_search_index_quotes_only_when_they_cannot_change(
    ledger: Ledger,
    states: LedgerStates,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    quotes: int,
    change: object,
    kept: bool,
) -> None:
    """The first quotes of the search index are taken from the folder's index when the new events can neither add
    one to them nor change a name or title they show; the index is the same bytes as a full build's either way."""
    from tracker.app import site

    incremental, full = tmp_path / "incremental", tmp_path / "full"
    states.site(ledger, scored_catalog, incremental, search_quotes=quotes)
    change(ledger)  # type: ignore[operator]
    taken: list[str | None] = []
    real = site.SiteBuilder.kept_quotes

    def spy(self: site.SiteBuilder, n: int, heads: str) -> str | None:
        taken.append(real(self, n, heads))
        return taken[-1]

    monkeypatch.setattr(site.SiteBuilder, "kept_quotes", spy)
    build_site(ledger, incremental, search_quotes=quotes)
    monkeypatch.undo()
    build_site(ledger, full, search_quotes=quotes)
    assert site_files(incremental) == site_files(full)
    assert len(taken) == 1 and (taken[0] is not None) == kept
    # a kept part is not the whole index: the note and the other entries are made again (the note counts quotes)
    assert (b"later quotes" in (full / "search-index.js").read_bytes()) == (quotes < 10_000)


def test_a_search_index_edited_in_the_folder_is_never_taken_apart(
    ledger: Ledger, states: LedgerStates, tmp_path: Path
) -> None:
    """A search index whose bytes are not the manifest's is not a source of quotes: the rebuild reads them."""
    from tracker.app import site

    out = tmp_path / "site"
    states.site(ledger, scored_catalog, out, search_quotes=5)
    _quoted_forecast(ledger)
    builder = site.SiteBuilder.__new__(site.SiteBuilder)
    builder.touched = _touched(ledger, *_point(ledger))
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    builder.w = site.Writer(tmp_path, manifest)
    builder.folder, builder.search_quotes = out, 5
    heads = manifest["search-index.js"]["quotes"].split(" ")[1]
    assert builder.kept_quotes(5, heads) is not None
    assert builder.kept_quotes(5, "0" * 64) is None and builder.kept_quotes(4, heads) is None
    path = out / "search-index.js"
    path.write_bytes(path.read_bytes().replace(b"A", b"B", 1))
    assert builder.kept_quotes(5, heads) is None


def _new_tagged_question(ledger: Ledger) -> None:
    """A question opened with a tag already used: that tag's count moves on every chip, its rows do not."""
    tag = str(ledger.questions()["tags"].map(json.loads).explode().dropna().iloc[0])
    ledger.open_question(
        "A new question?", "yes if so", question_id="a-new-question", resolve_by=date(2026, 12, 31), tags=(tag,)
    )


@pytest.mark.parametrize(
    ("change", "kept"),
    [
        (CHANGES["new forecast, scored"], True),  # the outlet's count moved: its page again, its board the folder's
        (_new_tagged_question, True),  # the tag's count moved, its rows did not
        (_forecast_from_a_new_outlet, True),  # a new outlet page is computed; the others' boards are kept
        (CHANGES["resolution, scored"], False),  # scores changed: every board computed
    ],
)
def test_a_rebuild_keeps_a_filter_pages_leaderboard_only_when_its_rows_are_the_same(
    ledger: Ledger, states: LedgerStates, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: object, kept: bool
) -> None:
    """A tag or outlet page made again for its chips' counts takes its leaderboard section from the page in the
    folder when no score changed; the folder is the same bytes as a full build's either way."""
    from tracker.app import site

    incremental, full = tmp_path / "incremental", tmp_path / "full"
    states.site(ledger, scored_catalog, incremental)
    before = site_files(incremental)
    change(ledger)  # type: ignore[operator]
    taken: list[tuple[str, str | None]] = []
    real = site.SiteBuilder.kept_board

    def spy(self: site.SiteBuilder, rel: str, key: str) -> str | None:
        taken.append((rel, real(self, rel, key)))
        return taken[-1][1]

    monkeypatch.setattr(site.SiteBuilder, "kept_board", spy)
    build_site(ledger, incremental)
    monkeypatch.undo()
    build_site(ledger, full)
    after = site_files(full)
    assert site_files(incremental) == after
    made_again = [rel for rel, _ in taken]
    assert made_again and all(rel.startswith(("tags/", "outlets/")) for rel in made_again)
    assert any(section is not None for _, section in taken) == kept
    for rel, section in taken:
        if section is not None:  # a kept section is that of a page whose bytes changed elsewhere
            assert before[rel] != after[rel] and section.encode() in after[rel]


def test_a_filter_page_edited_in_the_folder_is_never_taken_apart(
    ledger: Ledger, states: LedgerStates, tmp_path: Path
) -> None:
    """A tag or outlet page whose bytes are not the manifest's, or whose board digest differs, is not a source of
    its leaderboard: the rebuild computes it."""
    from tracker.app import site

    out = tmp_path / "site"
    states.site(ledger, scored_catalog, out)
    since, since_run = _point(ledger)
    CHANGES["new forecast, scored"](ledger)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    rel = next(r for r in manifest if r.startswith("outlets/"))
    builder = site.SiteBuilder.__new__(site.SiteBuilder)
    builder.touched = _touched(ledger, since, since_run)
    builder.w = site.Writer(tmp_path, manifest)
    builder.folder = out
    key = manifest[rel][site.BOARD]
    section = builder.kept_board(rel, key)
    assert section is not None and "leaderboard-table" in section
    assert builder.kept_board(rel, "0" * 64) is None
    path = out / rel
    path.write_bytes(path.read_bytes().replace(b"leaderboard-table", b"leaderboard-tablx", 1))
    assert builder.kept_board(rel, key) is None
    builder.touched = None
    path.write_bytes(path.read_bytes().replace(b"leaderboard-tablx", b"leaderboard-table", 1))
    assert builder.kept_board(rel, key) is None  # a build that compares every page computes every board


def _forecast_on_the_due_question(ledger: Ledger) -> None:
    """A forecast on a due question by a forecaster already there: its row moves in the due table too."""
    on_due = ledger.forecasts().query("question_id == @DUE_QUESTION").iloc[0]
    ledger.record_forecast(DUE_QUESTION, "whoever", 0.3, date(2026, 2, 5), forecaster_id=str(on_due.forecaster_id))
    assert ledger.score().status == "ok"


LATE_OVERDUE = "a-late-overdue-question"  # last in the open list, first in the due table (`_overdue_questions`)


def _overdue_questions(ledger: Ledger) -> None:
    """Questions opened last and due the longest: their rows are on the open list's last page and at the top of
    its first page's due table."""
    for qid in ("another-late-overdue-question", LATE_OVERDUE):
        ledger.open_question(
            f"Overdue {qid}?", "yes if so", question_id=qid, opened=date(2019, 1, 1), resolve_by=date(2019, 6, 1)
        )


def _forecast_on_the_late_overdue_question(ledger: Ledger) -> None:
    someone = str(ledger.forecasts()["forecaster_id"].iloc[0])
    ledger.record_forecast(LATE_OVERDUE, "whoever", 0.2, date(2019, 2, 1), forecaster_id=someone)
    assert ledger.score().status == "ok"


def _scored_with_overdue_questions(ledger: Ledger) -> None:
    scored_catalog(ledger)
    _overdue_questions(ledger)


LIST_CHANGES = {
    "new forecast, scored": CHANGES["new forecast, scored"],
    "forecast on a due question": _forecast_on_the_due_question,
    "forecast on a due question late in the open list": _forecast_on_the_late_overdue_question,
    "new forecaster": CHANGES["new forecaster"],
    "new source": CHANGES["new source"],
    "new tagged question": _new_tagged_question,
    "forecast from a new outlet, scored": _forecast_from_a_new_outlet,
}


def _list_pages(out: Path, stem: str) -> int:
    return sum(1 for p in out.iterdir() if p.name == f"{stem}.html" or p.name.startswith(f"{stem}-"))


@pytest.mark.parametrize("page_rows", [2, 3])
@pytest.mark.parametrize("change", list(LIST_CHANGES))
def test_a_named_rebuild_makes_only_the_list_pages_showing_a_named_subject_and_equals_a_full_build(
    ledger: Ledger, states: LedgerStates, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str, page_rows: int
) -> None:
    """The questions, open and sources lists, paged: a named rebuild makes the pages that show a named question or
    source (and the open list's first page when a named question is due), reads those rows whole and no other, and
    keeps the other pages; when a list's number of pages moved it makes every page from every row. Its folder is
    the same bytes as a full build's either way."""
    from tracker.app import site
    from tracker.read import tablereader

    incremental, full = tmp_path / "incremental", tmp_path / "full"
    states.site(ledger, _scored_with_overdue_questions, incremental, page_rows=page_rows)
    pages_before = {stem: _list_pages(incremental, stem) for stem in ("questions", "open", "sources")}
    before = site_files(incremental)
    LIST_CHANGES[change](ledger)
    plans: list[dict[str, set[int]] | None] = []
    made: list[tuple[str, int, bool]] = []
    framed: list[tuple[str, int]] = []
    real_plan, real_made, real_frame = (
        site.SiteBuilder.list_plan,
        site.SiteBuilder.list_page_made,
        tablereader.TableReader.frame,
    )

    def plan_spy(self: site.SiteBuilder, listing: site.Listing) -> dict[str, set[int]] | None:
        plans.append(real_plan(self, listing))
        return plans[-1]

    def made_spy(self: site.SiteBuilder, stem: str, number: int) -> bool:
        made.append((stem, number, real_made(self, stem, number)))
        return made[-1][2]

    def frame_spy(self: tablereader.TableReader) -> object:
        out = real_frame(self)
        framed.append((self.spec.name, len(out)))
        return out

    monkeypatch.setattr(site.SiteBuilder, "list_plan", plan_spy)
    monkeypatch.setattr(site.SiteBuilder, "list_page_made", made_spy)
    monkeypatch.setattr(tablereader.TableReader, "frame", frame_spy)
    build_site(ledger, incremental, page_rows=page_rows)
    monkeypatch.undo()
    build_site(ledger, full, page_rows=page_rows)
    assert site_files(incremental) == site_files(full)
    moved = any(_list_pages(full, stem) != n for stem, n in pages_before.items())
    assert len(plans) == 1 and (plans[0] is None) == moved
    if plans[0] is None:
        return
    assert sum(n for name, n in framed if name == "questions") < len(ledger.questions())
    assert sum(n for name, n in framed if name == "sources") < len(ledger.sources())
    kept = {site.list_url(stem, number) for stem, number, was_made in made if not was_made}
    assert kept, made
    after = site_files(full)
    assert sorted(rel for rel in kept if before[rel] != after[rel]) == []
