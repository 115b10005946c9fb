"""`tracker.app.sitetouched`: the files named from the new events cover every file a rebuild changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
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
    ledger: Ledger, tmp_path: Path, change: str
) -> None:
    scored_catalog(ledger)
    out = tmp_path / "site"
    build_site(ledger, out)
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


def test_a_new_forecast_names_its_question_forecaster_and_source(ledger: Ledger) -> None:
    scored_catalog(ledger)
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
def test_events_whose_pages_are_not_bounded_leave_the_build_to_the_full_path(ledger: Ledger, change: str) -> None:
    scored_catalog(ledger)
    since, since_run = _point(ledger)
    CHANGES[change](ledger)
    assert _touched(ledger, since, since_run) is None


def test_a_scoring_run_that_changed_scores_leaves_the_build_to_the_full_path(ledger: Ledger) -> None:
    """No new event since the head, but a run after the build's run that changed scores (a resolution scored
    after the head was taken): the leaderboards moved, which the events cannot bound."""
    scored_catalog(ledger)
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
