"""Proofs on the site's pages, checked in Python with the logic of `tracker verify-proof` (the browser's check is
tests/test_site_browser.py): every forecaster, question and source page proves its events against a signed
checkpoint, any change to an event, a path or the key fails, a page whose events did not change keeps its proof
(and its bytes) when a newer checkpoint is published, the integrity page's consistency proofs verify, and a
truncated ledger gives proofs that fail. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import LedgerStates
from review_fixtures import OPEN_QUESTION, scored_catalog
from sqlalchemy import text
from test_cli import failed
from test_tamper import drop_triggers
from typer.testing import CliRunner

from tracker.app import proofs, siteproofs
from tracker.app.ledger import Ledger
from tracker.app.site import build_site, f_url, q_url, s_url
from tracker.cli.main import app
from tracker.domain.merkle import verify_consistency
from tracker.domain.notes import Signer, generate_signer, parse_checkpoint_text, split_note
from tracker.errors import IntegrityError, UserError
from tracker.store import eventstore as es
from tracker.store.db import make_engine, read_transaction

NAME = "news.example/forecasts"


# one key per test process: the `proven` ledger and its site, signed with it, are made once (LedgerStates)
SIGNER = generate_signer(NAME)


@pytest.fixture
def signer() -> Signer:
    return SIGNER


def checkpointed(ledger: Ledger) -> None:
    """The catalog's ledger, scored, with one checkpoint signed by SIGNER."""
    scored_catalog(ledger)
    proofs.checkpoint(ledger, SIGNER)


@pytest.fixture
def proven(ledger: Ledger, states: LedgerStates, signer: Signer, tmp_path: Path) -> tuple[Ledger, Path, str]:
    """The catalog's ledger, scored, with one checkpoint, built into a site."""
    states.put(ledger, checkpointed)
    (note,) = [c.note for c in proofs.stored_checkpoints(ledger)]
    out = tmp_path / "site"
    states.site(ledger, checkpointed, out, key=signer.verifier, checkpoints=(("cp1", note),))
    return ledger, out, note


def proven_pages(out: Path) -> dict[str, dict]:
    pages = {}
    for path in sorted(out.glob("*/*.html")):
        block = siteproofs.page_proofs(path.read_text(encoding="utf-8"))
        if block is not None:
            pages[str(path.relative_to(out))] = block
    return pages


def positions(block: dict) -> list[int]:
    return [e["index"] + 1 for e in block["entries"]]


def verify_all(block: dict, key: object) -> None:
    for entry in block["entries"]:
        proofs.verify_proof(siteproofs.entry_proof(block, entry), key)


def test_every_page_proves_its_events(proven: tuple[Ledger, Path, str], signer: Signer) -> None:
    ledger, out, note = proven
    pages = proven_pages(out)
    kinds = {name.split("/")[0] for name in pages}
    assert kinds == {"forecasters", "questions", "sources"}
    # every forecaster, question and source page, and no other
    assert {name for name in pages} == {str(p.relative_to(out)) for p in out.glob("*/*.html")} - {
        str(p.relative_to(out)) for p in out.glob("tags/*.html")
    } - {str(p.relative_to(out)) for p in out.glob("outlets/*.html")}
    with read_transaction(ledger.engine) as conn:
        rows = list(es.raw_rows(conn))
    by_stream: dict[str, list[int]] = {}
    for r in rows:
        by_stream.setdefault(r["stream_id"], []).append(r["position"])
    forecasts = ledger.forecasts()
    for _, f in forecasts.drop_duplicates("forecaster_id").iterrows():
        block = pages[f_url(str(f["forecaster_id"]))]
        mine = sorted(int(p) for p in forecasts[forecasts["forecaster_id"] == f["forecaster_id"]]["position"])
        assert positions(block) == mine
    for q in ledger.questions()["question_id"]:
        assert positions(pages[q_url(str(q))]) == by_stream[f"question-{q}"]
    for s in ledger.rows("sources")[0]:
        block = pages[s_url(str(s["source_id"]))]
        assert by_stream[f"source-{s['source_id']}"][0] in positions(block)
    for block in pages.values():
        assert block["format"] == siteproofs.PAGE_FORMAT and block["checkpoint"] == note
        assert block["key"] == signer.verifier.vkey and block["unsigned"] == []
        verify_all(block, signer.verifier)
    assert (out / "checkpoints" / f"{len(rows)}.txt").read_text() == note
    assert (out / "checkpoints" / "key.txt").read_text() == signer.verifier.vkey + "\n"
    assert (out / "verify.js").read_bytes() == siteproofs.script()
    assert '<script src="../verify.js">' in (out / q_url(OPEN_QUESTION)).read_text()


def test_any_change_to_an_event_a_path_or_the_key_is_not_verified(
    proven: tuple[Ledger, Path, str], signer: Signer
) -> None:
    _, out, _ = proven
    block = proven_pages(out)[q_url(OPEN_QUESTION)]
    entry = block["entries"][-1]
    proofs.verify_proof(siteproofs.entry_proof(block, entry), signer.verifier)
    event = entry["event"]
    digit = re.search(r"0\.[0-9]", event)
    assert digit is not None
    at = digit.start() + 2
    changed = event[:at] + ("1" if event[at] != "1" else "2") + event[at + 1 :]
    path = list(entry["path"])
    raw = bytearray(base64.b64decode(path[0]))
    raw[0] ^= 1
    path[0] = base64.b64encode(bytes(raw)).decode()
    for bad in ({**entry, "event": changed}, {**entry, "path": path}, {**entry, "index": entry["index"] - 1}):
        with pytest.raises(IntegrityError, match="not verified"):
            proofs.verify_proof(siteproofs.entry_proof(block, bad), signer.verifier)
    with pytest.raises(IntegrityError, match="not verified"):
        proofs.verify_proof(siteproofs.entry_proof(block, entry), generate_signer(NAME).verifier)


def test_unchanged_pages_keep_their_proof_and_a_new_event_gets_a_newer_one(
    proven: tuple[Ledger, Path, str], signer: Signer
) -> None:
    ledger, out, first = proven
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    on_open = ledger.forecasts().query("question_id == @OPEN_QUESTION").iloc[0]
    fid = str(on_open.forecaster_id)
    ledger.record_forecast(OPEN_QUESTION, "whoever", 0.35, date(2026, 2, 1), forecaster_id=fid)
    ledger.score()
    # a build before the new checkpoint: the new event is listed as not signed yet
    build_site(ledger, out)  # no --key: the site's own key and checkpoints are kept
    block = proven_pages(out)[q_url(OPEN_QUESTION)]
    head = int(ledger.info()["head_position"])
    assert block["checkpoint"] == first and block["unsigned"] == [head]
    verify_all(block, signer.verifier)
    second = proofs.checkpoint(ledger, signer)
    build_site(ledger, out, checkpoints=[("cp2", second)])
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    pages = proven_pages(out)
    for name in (q_url(OPEN_QUESTION), f_url(fid)):
        assert pages[name]["checkpoint"] == second and pages[name]["unsigned"] == []
        assert positions(pages[name])[-1] == head
        verify_all(pages[name], signer.verifier)
    unchanged = [n for n, b in pages.items() if head not in positions(b)]
    assert len(unchanged) > 10
    for name in unchanged:
        assert pages[name]["checkpoint"] == first, name
        assert after[out / name] == before[out / name], name
    assert (out / "checkpoints" / f"{head - 1}.txt").read_text() == first
    assert (out / "checkpoints" / f"{head}.txt").read_text() == second
    # the integrity page: the consistency proof from the first checkpoint to the second verifies
    page = (out / "integrity.html").read_text()
    m = re.search(r'<script type="application/json" id="tracker-consistency">(.*?)</script>', page)
    assert m is not None
    body = json.loads(m.group(1))
    new = parse_checkpoint_text(split_note(body["newest"])[0])
    assert new.size == head
    old = parse_checkpoint_text(split_note(body["checkpoints"][0]["note"])[0])
    proof = [base64.b64decode(h) for h in body["checkpoints"][0]["proof"]]
    verify_consistency(old.size, new.size, old.root, new.root, proof)
    with pytest.raises(ValueError):
        verify_consistency(old.size, new.size, new.root, new.root, proof)


def test_a_truncated_ledger_gives_proofs_that_fail(
    proven: tuple[Ledger, Path, str], signer: Signer, tmp_path: Path
) -> None:
    ledger, out, note = proven
    size = parse_checkpoint_text(split_note(note)[0]).size
    engine = make_engine(ledger.url)
    drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE position > :p"), {"p": size - 5})
    engine.dispose()
    ledger.rebuild()
    build_site(ledger, out)  # the archive is the site's: the truncated log cannot prove against it
    pages = proven_pages(out)
    failing = 0
    for block in pages.values():
        for entry in block["entries"]:
            with pytest.raises(IntegrityError, match="not verified"):
                proofs.verify_proof(siteproofs.entry_proof(block, entry), signer.verifier)
            failing += 1
    assert failing > 20
    integrity = (out / "integrity.html").read_text()
    assert f"the ledger holds {size - 5} events, the newest checkpoint signed {size}" in integrity


def test_without_checkpoints_the_site_says_how_to_add_proofs(
    ledger: Ledger, states: LedgerStates, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    states.site(ledger, scored_catalog, out)
    assert proven_pages(out) == {}
    assert not (out / "checkpoints").exists() and not (out / "verify.js").exists()
    integrity = (out / "integrity.html").read_text()
    assert "This site carries no proofs yet" in integrity and "verify.js" not in integrity


def test_refusals(proven: tuple[Ledger, Path, str], signer: Signer, tmp_path: Path) -> None:
    ledger, out, note = proven
    other = generate_signer("other.example/log")
    with pytest.raises(UserError, match="signed by news.example/forecasts"):
        build_site(ledger, out, key=other.verifier)
    fresh = tmp_path / "fresh"
    with pytest.raises(UserError, match="no signature by other.example/log"):
        build_site(ledger, fresh, key=other.verifier, checkpoints=[("cp1", note)])
    with pytest.raises(UserError, match="no public key"):
        build_site(ledger, fresh, checkpoints=[("cp1", note)])
    forged = note.replace(parse_checkpoint_text(split_note(note)[0]).origin + "\n", NAME + "\n", 1)
    body = split_note(note)[0]
    size = parse_checkpoint_text(body).size
    tampered = forged.replace(f"\n{size}\n", f"\n{size - 1}\n", 1)
    with pytest.raises(UserError, match="does not verify"):
        build_site(ledger, fresh, key=signer.verifier, checkpoints=[("cp-bad", tampered)])
    assert not fresh.exists()
    # from the command line: one line, nothing written
    (tmp_path / "cp.txt").write_text(note)
    result = CliRunner().invoke(
        app,
        ["--db", ledger.url, "site", "--out", str(fresh), "--key", other.verifier.vkey, "--checkpoint",
         str(tmp_path / "cp.txt")],
    )  # fmt: skip
    failed(result, UserError, ["no signature by other.example/log"])
    assert not fresh.exists()


@pytest.mark.parametrize("content", [b"garbage", b"\xff\xfe not text", b"a+b"], ids=["garbage", "not-utf8", "short"])
@pytest.mark.parametrize("kept", ["key.txt", "checkpoint"])
def test_a_kept_file_edited_with_its_manifest_entry_is_one_line(
    proven: tuple[Ledger, Path, str], signer: Signer, kept: str, content: bytes
) -> None:
    """Someone edits the site's checkpoints/key.txt or a kept checkpoint and records its new hash in the manifest
    (so the survey takes it as the site's): the next build refuses it in one line, never exit 70."""
    import hashlib
    import os

    from tracker.app.site import MANIFEST

    ledger, out, _ = proven
    folder = out / "checkpoints"
    rel = (
        "checkpoints/key.txt"
        if kept == "key.txt"
        else next(f"checkpoints/{p.name}" for p in sorted(folder.iterdir()) if p.name != "key.txt")
    )
    (out / rel).write_bytes(content)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    st = os.lstat(out / rel)
    manifest["files"][rel] |= {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content),
                               "mtime_ns": st.st_mtime_ns, "ino": st.st_ino}  # fmt: skip
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    for key in ([], ["--key", signer.verifier.vkey]):
        result = CliRunner().invoke(app, ["--db", ledger.url, "site", "--out", str(out), *key])
        failed(result, UserError, [])
