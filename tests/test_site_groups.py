"""The site reads the forecasts and the questions' events a page's group at a time (`tracker.app.siterows`): its
pages are the bytes they were when every forecast's row was made from the whole frames and held for the build."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_site import site_files

from tracker.app import site, siterows
from tracker.app.ledger import Ledger
from tracker.app.templating import forecast_rows
from tracker.domain import events as ev
from tracker.projections.projector import project
from tracker.read.snapshot import Snapshot
from tracker.read.tablereader import TableReader
from tracker.store import eventstore as es
from tracker.store.db import write_transaction

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from generator import generate  # noqa: E402

KEYS = {"forecasters": "forecaster_id", "questions": "question_id", "sources": "source_id"}


class WholeRows(site.SiteBuilder):
    """Every forecast's row made from the forecasts' and scores' frames (as the report makes them), grouped in
    memory: how the site made them before it read them by group."""

    def group_rows(self, snap: Snapshot, d: site.SiteData, kind: str) -> Iterator[tuple[str, list[Any]]]:
        questions = self.ledger.table(snap, "questions").frame()
        titles = dict(zip(questions["question_id"].astype(str), questions["title"].astype(str), strict=True))
        sources = {str(s["source_id"]): s for s in d.s_rows}
        frames = (self.ledger.table(snap, name).frame() for name in ("forecasts", "scores"))
        groups: dict[str, list[Any]] = defaultdict(list)
        for row in forecast_rows(*frames, titles, sources):
            if row[KEYS[kind]] is not None:
                groups[str(row[KEYS[kind]])].append(row)
        yield from groups.items()  # in the order of their first forecast: not the order of the events' read


def whole_histories(reader: TableReader) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """Each question's events from the whole events frame, in position order."""
    names = ["position", "stream_version", "event_type", "recorded_at", "actor", "hash"]
    out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for e in reader.rows():
        qid = ev.stream_question(str(e["stream_id"]))
        if qid is not None:
            out[qid].append(tuple(e[n] for n in names))
    yield from out.items()


def generated(url: str, n: int) -> Ledger:
    led = Ledger(url, actor="test")
    led.init()
    with write_transaction(led.engine) as conn:
        es.append_many(conn, generate(n, seed=11).batches, "test", project)
    assert led.score().status == "ok"
    return led


@pytest.mark.parametrize("batch", [siterows.BATCH, 7])
def test_pages_read_by_group_are_those_made_from_every_row_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    led = generated(f"sqlite:///{tmp_path / 'gen.sqlite'}", 3000)
    with led.snapshot() as snap:
        n_forecasts = len(led.table(snap, "forecasts").frame())
        n_sources = len(led.table(snap, "sources").frame())
    assert n_forecasts > 1000 and n_sources > 50
    monkeypatch.setattr(siterows, "BATCH", batch)  # 7: most groups span two batches
    site.build_site(led, tmp_path / "by-group")
    monkeypatch.setattr(site, "SiteBuilder", WholeRows)
    monkeypatch.setattr(site, "question_histories", whole_histories)
    site.build_site(led, tmp_path / "whole")
    by_group, whole = site_files(tmp_path / "by-group"), site_files(tmp_path / "whole")
    by_group.pop(site.MANIFEST)  # the pages' digests see other rows: the same pages
    whole.pop(site.MANIFEST)
    assert sorted(by_group) == sorted(whole)
    assert [rel for rel in sorted(whole) if by_group[rel] != whole[rel]] == []
    assert sum(rel.startswith("sources/") for rel in whole) >= n_sources


def test_grown_ledger_pages_read_by_group_are_those_made_from_every_row_held(
    grown: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(siterows, "BATCH", 3)
    site.build_site(grown, tmp_path / "by-group")
    monkeypatch.setattr(site, "SiteBuilder", WholeRows)
    monkeypatch.setattr(site, "question_histories", whole_histories)
    site.build_site(grown, tmp_path / "whole")
    by_group, whole = site_files(tmp_path / "by-group"), site_files(tmp_path / "whole")
    by_group.pop(site.MANIFEST)
    whole.pop(site.MANIFEST)
    assert [rel for rel in sorted(whole.keys() | by_group.keys()) if by_group.get(rel) != whole.get(rel)] == []


def test_groups_handed_out_in_another_order_are_kept_until_asked_for() -> None:
    read: list[str] = []

    def groups() -> Iterator[tuple[str, list[int]]]:
        for key, rows in (("a", [1]), ("b", [2]), ("c", [3, 4]), ("d", [5])):
            read.append(key)
            yield key, rows

    g = siterows.Groups(groups(), lambda key: key != "b")
    assert g.take("a") == [1] and read == ["a"]  # the same order: read when asked for, nothing kept
    assert g.take("d") == [5] and g.kept == {"c": [3, 4]}  # "b" is not wanted: dropped
    assert g.take("c") == [3, 4] and g.kept == {}
    assert g.take("e") == [] and read == ["a", "b", "c", "d"]
