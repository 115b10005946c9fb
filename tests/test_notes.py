"""Signed notes, note keys, checkpoints and tlog-proof files (tracker.domain.notes) against the published
examples (C2SP signed-note, golang.org/x/mod/sumdb/note; tests/data/merkle/signed_note.json names them), and
what each must refuse."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tracker.domain.merkle import MerkleTree, ProofError, leaf_hash
from tracker.domain.notes import (
    COSIGNATURE,
    Checkpoint,
    NoteError,
    TlogProof,
    cosign_checkpoint,
    generate_signer,
    key_id,
    open_checkpoint,
    open_note,
    parse_checkpoint_text,
    parse_skey,
    parse_tlog_proof,
    parse_vkey,
    sign_checkpoint,
    sign_note,
    split_note,
    verify_tlog_proof,
)

VECTORS = json.loads((Path(__file__).parent / "data" / "merkle" / "signed_note.json").read_text())
GO = VECTORS["go"]


def test_the_c2sp_example_note_verifies_with_its_vkey() -> None:
    ex = VECTORS["c2sp_example"]
    key = parse_vkey(ex["vkey"])
    assert key.vkey == ex["vkey"]
    opened = open_note(ex["note"], key)
    assert opened.text == "This is an example message.\n"
    assert len(opened.verified) == 1 and not opened.unverified


def test_signing_reproduces_the_go_signature_and_key_id() -> None:
    signer = parse_skey(GO["peter_skey"])
    assert signer.skey == GO["peter_skey"]
    assert signer.verifier.vkey == GO["peter_vkey"]
    assert sign_note(GO["text"], signer) == GO["text"] + "\n" + GO["peter_sig"]  # Ed25519 is deterministic
    # The key id rule, written out: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], big-endian.
    public = signer.verifier.public_key
    want = hashlib.sha256(b"PeterNeumann\n\x01" + public).digest()[:4]
    assert key_id("PeterNeumann", public) == int.from_bytes(want, "big") == 0xC74F20A3


def test_opening_the_go_notes() -> None:
    peter, enoch = parse_vkey(GO["peter_vkey"]), parse_vkey(GO["enoch_vkey"])
    note = GO["text"] + "\n" + GO["peter_sig"] + GO["enoch_sig"]
    opened = open_note(note, peter)
    assert opened.text == GO["text"]
    assert [s.name for s in opened.verified] == ["PeterNeumann"]
    assert [s.name for s in opened.unverified] == ["EnochRoot"]  # unknown keys are kept, not trusted
    both = open_note(note, peter, (enoch,))
    assert [s.name for s in both.verified] == ["PeterNeumann", "EnochRoot"]
    with pytest.raises(NoteError, match="no signature by"):
        open_note(GO["text"] + "\n" + GO["enoch_sig"], peter)
    bad = GO["peter_sig"]
    with pytest.raises(NoteError, match="does not verify"):
        open_note(GO["text"] + "\n" + bad[:60] + "ABCD" + bad[60:], peter)
    with pytest.raises(NoteError, match="more than"):
        open_note(GO["text"] + "\n" + GO["peter_sig"] * 101, peter)


@pytest.mark.parametrize(
    "note",
    [
        GO["text"],
        GO["text"] + "\n",
        GO["text"] + "\n" + GO["peter_sig"][:-1],
        "\x01" + GO["text"] + "\n" + GO["peter_sig"],
        GO["text"] + "\n" + GO["peter_sig"].replace("PeterNeumann", "Bad Name"),
        GO["text"] + "\n" + GO["peter_sig"] + "Unexpected line.\n",
        GO["text"] + "\n" + "\u2014 PeterNeumann\n",
        GO["text"] + "\n" + "\u2014 PeterNeumann AAAA\n",  # shorter than a key id and one byte
        GO["text"] + "\r\n" + GO["peter_sig"],
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(NoteError):
        open_note(note, parse_vkey(GO["peter_vkey"]))


def test_a_note_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(NoteError, match="UTF-8"):
        split_note(b"\xff" + (GO["text"] + "\n" + GO["peter_sig"]).encode())


def test_keys_refuse_every_truncation_and_every_changed_character() -> None:
    for text, parse in ((GO["peter_vkey"], parse_vkey), (GO["peter_skey"], parse_skey)):
        parse(text)
        for i in range(len(text)):
            for j in range(i + 1, len(text) + 1):
                if (i, j) != (0, len(text)) and text[i:j].strip() != text:
                    with pytest.raises(NoteError):
                        parse(text[i:j])
            changed = text[:i] + chr(ord(text[i]) + 1) + text[i + 1 :]
            with pytest.raises(NoteError):
                parse(changed)
    for bad in GO["bad_vkeys"]:
        with pytest.raises(NoteError):
            parse_vkey(bad)


def test_generated_keys_round_trip_and_name_rules() -> None:
    signer = generate_signer("news.example/forecasts")
    assert parse_skey(signer.skey) == signer
    assert parse_vkey(signer.verifier.vkey) == signer.verifier
    assert signer.verifier.vkey.startswith(f"news.example/forecasts+{signer.key_id:08x}+")
    for bad in ("", "a b", "a+b", "tab\there", "nbsp\u00a0here"):
        with pytest.raises(NoteError):
            generate_signer(bad)


# ------------------------------------------------------------------ checkpoints

ROOT = hashlib.sha256(b"root").digest()


def test_checkpoint_text_is_the_c2sp_layout() -> None:
    cp = Checkpoint("example.com/behind-the-sofa", 20852163, ROOT)
    lines = cp.text.split("\n")
    assert lines[:2] == ["example.com/behind-the-sofa", "20852163"] and lines[-1] == ""
    assert parse_checkpoint_text(cp.text) == cp
    with_ext = Checkpoint("o", 0, ROOT, ("ext one",))
    assert parse_checkpoint_text(with_ext.text) == with_ext


@pytest.mark.parametrize(
    "text",
    [
        "o\n12\n",
        "\n12\n" + "A" * 43 + "=\n",
        "o\n012\nq83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng=\n",
        "o\n-1\nq83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng=\n",
        "o\n1e3\nq83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng=\n",
        "o\n\u0661\nq83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng=\n",  # an Arabic-Indic one is not ASCII decimal
        "o\n1\nq83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vg==\n",  # 31 bytes
        "o\n1\nq83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vnh=\n",  # non-canonical base64 of 32 bytes
        "o\n1\nq83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng=\n\n",  # an empty extension line
        "o\n1\nq83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng=",  # no final newline
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint_text(text)


def test_any_one_byte_change_to_a_signed_checkpoint_is_refused() -> None:
    signer = generate_signer("news.example/forecasts")
    note = sign_checkpoint(Checkpoint(signer.name, 1234, ROOT), signer).encode()
    key = signer.verifier
    assert open_checkpoint(note, key).checkpoint.size == 1234
    for i in range(len(note)):
        for bit in range(8):
            changed = bytearray(note)
            changed[i] ^= 1 << bit
            with pytest.raises(NoteError):
                open_checkpoint(bytes(changed), key)


def test_a_checkpoint_needs_the_right_key_and_origin() -> None:
    signer, other = generate_signer("news.example/forecasts"), generate_signer("news.example/forecasts")
    note = sign_checkpoint(Checkpoint(signer.name, 3, ROOT), signer)
    with pytest.raises(NoteError, match="no signature by"):
        open_checkpoint(note, other.verifier)  # same name, another key: a different key id
    with pytest.raises(NoteError, match="must be the same"):
        sign_checkpoint(Checkpoint("another.example/log", 3, ROOT), signer)
    stray = generate_signer("another.example/log")
    forged = sign_note(Checkpoint(signer.name, 3, ROOT).text, stray)
    with pytest.raises(NoteError, match="is for the log"):
        open_checkpoint(forged, stray.verifier)


def test_cosignatures_are_counted_only_when_their_key_is_given() -> None:
    log, witness = generate_signer("news.example/forecasts"), generate_signer("witness.example")
    note = sign_note(Checkpoint(log.name, 3, ROOT).text, log, witness)
    assert open_checkpoint(note, log.verifier).cosignatures == 0
    assert open_checkpoint(note, log.verifier, (witness.verifier,)).cosignatures == 1
    tampered = note.replace(note.splitlines()[-1][-6:], "AAAAA=")
    with pytest.raises(NoteError, match="does not verify"):
        open_checkpoint(tampered, log.verifier, (witness.verifier,))


# ------------------------------------------------------------------ tlog-proof files


def _proof(n: int = 13, index: int = 7) -> tuple[str, bytes, object]:
    signer = generate_signer("news.example/forecasts")
    entries = [f"entry {i}".encode() for i in range(n)]
    tree = MerkleTree(leaf_hash(e) for e in entries)
    note = sign_checkpoint(Checkpoint(signer.name, n, tree.root()), signer)
    text = TlogProof(index, tuple(tree.inclusion_proof(index)), note, extra=entries[index]).text
    return text, entries[index], signer.verifier


def test_a_proof_file_round_trips_and_verifies() -> None:
    text, entry, key = _proof()
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra ZW50cnkgNw==\nindex 7\n")
    proof = parse_tlog_proof(text)
    assert proof.text == text and proof.extra == entry
    assert verify_tlog_proof(proof, entry, key).checkpoint.size == 13  # type: ignore[arg-type]
    with pytest.raises(ProofError):
        verify_tlog_proof(proof, b"entry 8", key)  # type: ignore[arg-type]


def test_any_one_byte_change_to_a_proof_file_is_refused() -> None:
    text, entry, key = _proof()
    raw = text.encode()
    for i in range(len(raw)):
        changed = bytearray(raw)
        changed[i] ^= 0x01
        with pytest.raises((NoteError, ProofError)):
            proof = parse_tlog_proof(bytes(changed))
            # The leaf is what the reader expects, or, when the proof carries it, its own extra data.
            verify_tlog_proof(proof, entry if proof.extra is None else proof.extra, key)  # type: ignore[arg-type]
            if proof.extra != entry:
                raise ProofError("the proof is about another entry")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "c2sp.org/tlog-proof@v2\nindex 0\n\nx\n\n\u2014 a AAAAAAA=\n",
        "c2sp.org/tlog-proof@v1\nindex 01\n\nx\n\n\u2014 a AAAAAAA=\n",
        "c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\nx\n\n\u2014 a AAAAAAA=\n",
        "c2sp.org/tlog-proof@v1\n\nx\n\n\u2014 a AAAAAAA=\n",
        "c2sp.org/tlog-proof@v1\nindex 0\nAAAA\n\nx\n\n\u2014 a AAAAAAA=\n",
        "c2sp.org/tlog-proof@v1\nindex 0\n\nno signatures\n",
    ],
)
def test_malformed_proof_files_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        parse_tlog_proof(text)


# ------------------------------------------------------------------ tlog-cosignature v1 (type 0x04)


def test_a_cosignature_is_the_c2sp_timestamped_message() -> None:
    log = generate_signer("news.example/forecasts")
    witness = generate_signer("witness.example/w1", COSIGNATURE)
    assert base64.b64decode(witness.verifier.vkey.split("+", 2)[2])[0] == 0x04
    assert parse_vkey(witness.verifier.vkey) == witness.verifier and parse_skey(witness.skey) == witness
    note = sign_checkpoint(Checkpoint(log.name, 7, ROOT), log)
    cosigned = cosign_checkpoint(note, witness, log.verifier, 1_679_315_147)
    assert cosigned.startswith(note)
    line = cosigned[len(note) :]
    name, sig64 = line[len("\u2014 ") : -1].split(" ")
    raw = base64.b64decode(sig64)
    # Checked here without the module: key id with type 0x04, the timestamp, the signed message.
    public = witness.verifier.public_key
    assert name == "witness.example/w1"
    assert raw[:4] == hashlib.sha256(b"witness.example/w1\n\x04" + public).digest()[:4]
    assert int.from_bytes(raw[4:12], "big") == 1_679_315_147
    text = Checkpoint(log.name, 7, ROOT).text
    Ed25519PublicKey.from_public_bytes(public).verify(raw[12:], b"cosignature/v1\ntime 1679315147\n" + text.encode())
    assert open_checkpoint(cosigned, log.verifier).cosignatures == 0
    assert open_checkpoint(cosigned, log.verifier, (witness.verifier,)).cosignatures == 1


def test_a_changed_cosignature_or_a_misused_key_is_refused() -> None:
    log = generate_signer("news.example/forecasts")
    witness = generate_signer("witness.example/w1", COSIGNATURE)
    note = sign_checkpoint(Checkpoint(log.name, 7, ROOT), log)
    cosigned = cosign_checkpoint(note, witness, log.verifier, 1_700_000_000)
    raw = cosigned.encode()
    for i in range(len(note.encode()), len(raw)):  # every byte of the cosignature line
        changed = bytearray(raw)
        changed[i] ^= 0x02
        with pytest.raises(NoteError):
            opened = open_checkpoint(bytes(changed), log.verifier, (witness.verifier,))
            if opened.cosignatures != 1:  # a change to the name or key id makes it a stranger's line
                raise NoteError("the cosignature is not counted")
    with pytest.raises(NoteError, match="cosigner's key"):
        sign_checkpoint(Checkpoint(witness.name, 7, ROOT), witness)
    with pytest.raises(NoteError, match="not a cosigner's"):
        cosign_checkpoint(note, log, log.verifier, 1)
    with pytest.raises(NoteError, match="already cosigned"):
        cosign_checkpoint(cosigned, witness, log.verifier, 2)
    with pytest.raises(NoteError, match="no signature by"):
        cosign_checkpoint(note, witness, generate_signer(log.name).verifier, 1)  # the log's key is checked first
    with pytest.raises(NoteError, match="timestamp"):
        cosign_checkpoint(note, witness, log.verifier, 2**63)
    with pytest.raises(NoteError, match="not a log's"):
        open_checkpoint(cosigned, witness.verifier)
