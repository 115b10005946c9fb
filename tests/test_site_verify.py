"""What a site build checks: the hash chain, from genesis on a folder's first build; on a rebuild, that the head
the last build verified (kept in the folder's manifest) is still stored with its hash, then the events added
since. An edited new event fails the rebuild; a head that is not the one verified before sends the build back to
genesis; an event edited before that head is for `tracker verify` and a build into a fresh folder to find."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text
from test_site_folder import small
from test_tamper import drop_triggers
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.app.site import MANIFEST, VERIFIED, build_site
from tracker.cli.main import app
from tracker.errors import IntegrityError
from tracker.store.db import make_engine

runner = CliRunner()


def head(ledger: Ledger) -> list[Any]:
    info = ledger.info()
    return [int(info["head_position"]), str(info["head_hash"])]


def recorded(out: Path) -> Any:
    return json.loads((out / MANIFEST).read_text())["summary"].get(VERIFIED)


def edit(ledger: Ledger, position: int) -> None:
    """Change what the event at ``position`` says, leaving every stored hash alone."""
    engine = make_engine(ledger.url)
    drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET actor = 'mallory' WHERE position = :p"), {"p": position})
    engine.dispose()


def more(ledger: Ledger) -> None:
    ledger.open_question("Will another thing happen?", "YES if it does", question_id="q-more", opened=date(2020, 1, 1))
    ledger.record_forecast("q-more", "Ann Example", 0.6, date(2020, 1, 3))


def test_a_first_build_checks_the_chain_from_genesis_and_records_its_head(ledger: Ledger, tmp_path: Path) -> None:
    small(ledger, 3)
    out = tmp_path / "s"
    summary = build_site(ledger, out)
    assert summary.verified_ok
    assert summary.verification["since_position"] == 0
    assert summary.verification["events_checked"] == head(ledger)[0]
    assert recorded(out) == head(ledger)
    integrity = (out / "integrity.html").read_text()
    assert f"the hash chain holds from genesis through position {head(ledger)[0]}" in integrity
    assert "<code>tracker verify</code> checks everything" in integrity


def test_a_rebuild_checks_only_the_events_since_the_head_it_verified(ledger: Ledger, tmp_path: Path) -> None:
    small(ledger, 2)
    out, fresh = tmp_path / "s", tmp_path / "fresh"
    before = head(ledger)
    build_site(ledger, out)
    more(ledger)
    again = build_site(ledger, out)
    assert again.verified_ok
    assert again.verification["since_position"] == before[0]
    assert again.verification["events_checked"] == head(ledger)[0] - before[0] == 2
    assert recorded(out) == head(ledger)
    # nothing new: the recorded head is checked, no event
    assert build_site(ledger, out).verification["events_checked"] == 0
    # the pages do not say how much a build had to check: a fresh folder gets the same integrity page
    build_site(ledger, fresh)
    assert (fresh / "integrity.html").read_bytes() == (out / "integrity.html").read_bytes()


def test_an_edited_event_after_the_verified_head_fails_the_rebuild(ledger: Ledger, tmp_path: Path) -> None:
    small(ledger, 2)
    out = tmp_path / "s"
    build_site(ledger, out)
    more(ledger)
    edit(ledger, head(ledger)[0])
    result = runner.invoke(app, ["--db", ledger.url, "site", "--out", str(out)])
    assert result.exit_code == IntegrityError.exit_code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: verification failed"), result.stderr
    assert "its content does not match its hash" in lines[0]
    assert "Traceback" not in result.output
    for page in ("integrity.html", "index.html"):
        said = (out / page).read_text()
        assert "Verification FAILED" in said and f"first bad position {head(ledger)[0]}" in said, page
    # a failed check records no head: the next build checks from the one verified before
    assert recorded(out) is None
    again = build_site(ledger, out)
    assert not again.verified_ok and again.verification["since_position"] == 0


def test_another_chain_in_the_folder_is_checked_from_genesis(ledger: Ledger, tmp_path: Path) -> None:
    """The folder's recorded head is not this ledger's event at that position (another ledger, or history rewritten
    and rehashed, which only an anchor kept elsewhere tells apart): the build checks the whole chain, and says so."""
    other = Ledger(f"sqlite:///{tmp_path}/other.sqlite", actor="someone else")
    other.init()
    small(other, 3)
    out = tmp_path / "s"
    build_site(other, out)
    other.close()
    small(ledger, 3)
    result = runner.invoke(app, ["--db", ledger.url, "site", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "is not the one verified before" in result.stderr and "checked from genesis" in result.stderr
    assert recorded(out) == head(ledger)
    summary = build_site(ledger, out)
    assert summary.verification["since_position"] == head(ledger)[0]


def test_an_event_edited_before_the_verified_head_is_for_a_full_check(ledger: Ledger, tmp_path: Path) -> None:
    """A rebuild trusts the chain up to the head it verified (the integrity page says so): a fresh folder and
    `tracker verify` check from genesis and catch the edit."""
    small(ledger, 2)
    out, fresh = tmp_path / "s", tmp_path / "fresh"
    build_site(ledger, out)
    edit(ledger, 1)
    assert build_site(ledger, out).verification["events_checked"] == 0
    assert not build_site(ledger, fresh).verified_ok
    assert "Verification FAILED" in (fresh / "integrity.html").read_text()
    assert not ledger.verify()["ok"]
