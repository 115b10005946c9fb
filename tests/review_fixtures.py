"""Ledgers for the review tests (frames, exports, plots, report): the curated catalog, scored, then grown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import insert

from tracker.app.importer import import_catalog
from tracker.app.ledger import Ledger
from tracker.store import eventstore as es
from tracker.store import merkletree
from tracker.store.db import read_transaction, write_transaction
from tracker.store.schema import events

ROOT = Path(__file__).resolve().parent.parent
# A frozen copy of the curated catalog: adding an article to predictions/ must not move these tests.
PREDICTIONS = ROOT / "tests" / "fixtures" / "catalog" / "predictions"
AWKWARD = 'He said "NA", then, <b>left</b> & wrote:\nnull; ünïcödé — 100%'
OPEN_QUESTION = "russia-ukraine-ceasefire-2026"
DUE_QUESTION = "russia-retaliates-over-venezuela-mid-2026"
WITHDRAWN = "lo-no-pressure-for-concessions"


@dataclass
class Grown:
    """Positions of a grown ledger: after the import (scored by run 1), and after run 2 and run 3."""

    imported: int
    second: int
    third: int
    forecast_id: str


def scored_catalog(ledger: Ledger) -> int:
    """Import predictions/ and score it (run 1); returns the head position."""
    import_catalog(ledger, [PREDICTIONS])
    assert ledger.score().status == "ok"
    return int(ledger.info()["head_position"])


def grow(ledger: Ledger) -> Grown:
    """The scored catalog, then: a forecast with awkward text, a resolution, a withdrawal (run 2), and a correction
    of that resolution (run 3)."""
    imported = scored_catalog(ledger)
    fid = ledger.record_forecast(OPEN_QUESTION, "Tester Q. Public", 0.3, date(2026, 2, 1), quote=AWKWARD)
    ledger.resolve(DUE_QUESTION, "no", date(2026, 7, 1), evidence="nothing happened <i>at all</i>")
    ledger.withdraw_forecast(WITHDRAWN, "data-entry error (test)")
    assert ledger.score().status == "ok"
    second = int(ledger.info()["head_position"])
    ledger.correct(DUE_QUESTION, "yes", date(2026, 7, 2), "a late report of retaliation (test)")
    assert ledger.score().status == "ok"
    third = int(ledger.info()["head_position"])
    return Grown(imported, second, third, fid)


def copy_prefix(source: Ledger, target: Ledger, n: int, score: bool = True) -> None:
    """Make ``target`` (initialised, empty) a ledger of ``source``'s first ``n`` events, byte for byte, with its
    projections rebuilt from them and, when asked, scored once."""
    with read_transaction(source.engine) as conn:
        rows = [r for r in es.raw_rows(conn) if r["position"] <= n]
    with write_transaction(target.engine) as conn:
        for i in range(0, len(rows), 500):
            conn.execute(insert(events), rows[i : i + 500])
        merkletree.build(conn)  # the rows went in by hand: their Merkle tree too, as an append keeps it
    target.rebuild()
    assert target.verify()["ok"]
    if score:
        assert target.score().status == "ok"


def without(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return frame.drop(columns=[c for c in columns if c in frame.columns])
