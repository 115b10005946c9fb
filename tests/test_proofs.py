"""The proof-carrying ledger from the command line, on SQLite and PostgreSQL: keygen, checkpoint, proof,
verify-proof (offline), and verify --checkpoint after growth, truncation, a rewrite and a fork."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from test_cli import failed
from test_merkle import ref_mth
from test_tamper import drop_triggers, forge_tree, rewrite_history
from typer.testing import CliRunner

from tracker.app import proofs
from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.domain.notes import (
    COSIGNATURE,
    Signer,
    Verifier,
    generate_signer,
    key_id,
    open_checkpoint,
    parse_vkey,
    sign_note,
)
from tracker.errors import IntegrityError, NotFound, UserError
from tracker.store import eventstore as es
from tracker.store.db import make_engine

NAME = "news.example/forecasts"


def tracker(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def url(db_url: str) -> str:
    led = Ledger(db_url, actor="tester")
    led.init()
    qid = led.open_question("Will it rain?", "YES if it rains", question_id="rain", opened=date(2000, 1, 1))
    led.record_forecast(qid, "Ann Example", 0.3, date(2020, 1, 1), forecast_id="ann-rain")  # position 2
    led.record_forecast(  # position 3: a quote over two lines comes back out on one
        qid, "Bob Example", 0.8, date(2020, 1, 2), forecast_id="bob-rain", quote="It will pour.\nSurely."
    )
    led.clarify(qid, "sharper", criteria="YES if 1 mm of rain falls")  # position 4
    led.resolve(qid, "no", date(2020, 2, 1))  # position 5
    led.close()
    return db_url


@pytest.fixture
def engine(url: str) -> object:
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, str]:
    result = tracker("keygen", "--out", str(tmp_path / "log.key"), "--name", NAME)
    assert result.exit_code == 0, result.output
    return tmp_path / "log.key", result.stdout.strip()


def chain_hashes(url: str) -> list[bytes]:
    engine = make_engine(url)
    with engine.connect() as conn:
        out = [bytes.fromhex(r["hash"]) for r in es.raw_rows(conn)]
    engine.dispose()
    return out


# ------------------------------------------------------------------ keys


def test_keygen_writes_an_owner_only_key_and_prints_the_public_key(tmp_path: Path) -> None:
    out = tmp_path / "log.key"
    result = tracker("keygen", "--out", str(out), "--name", NAME)
    assert result.exit_code == 0, result.output
    assert os.stat(out).st_mode & 0o777 == 0o600
    vkey = result.stdout.strip()
    assert len(result.stdout.splitlines()) == 1  # the public key alone on stdout: `> pub.txt` keeps just it
    verifier = parse_vkey(vkey)
    assert verifier.name == NAME and f"key id {verifier.key_id:08x}" in result.stderr
    assert proofs.load_signer(out).verifier == verifier
    before = out.read_bytes()
    failed(tracker("keygen", "--out", str(out)), UserError, ["out", "already exists"])  # never replaced
    assert out.read_bytes() == before
    os.symlink(tmp_path / "elsewhere", tmp_path / "link.key")
    failed(tracker("keygen", "--out", str(tmp_path / "link.key")), UserError, ["link.key"])
    assert (tmp_path / "link.key").is_symlink() and not (tmp_path / "elsewhere").exists()  # not followed
    failed(tracker("keygen", "--out", str(tmp_path / "x.key"), "--name", "a b"), UserError, ["name"])
    assert not (tmp_path / "x.key").exists()


def test_a_key_file_others_can_read_or_a_public_key_is_refused(
    url: str, keys: tuple[Path, str], tmp_path: Path
) -> None:
    key, vkey = keys
    os.chmod(key, 0o644)
    failed(tracker("--db", url, "checkpoint", "--key", str(key)), UserError, ["chmod 600"])
    os.chmod(key, 0o600)
    (tmp_path / "pub.key").write_text(vkey + "\n")
    os.chmod(tmp_path / "pub.key", 0o600)
    failed(tracker("--db", url, "checkpoint", "--key", str(tmp_path / "pub.key")), UserError, ["PRIVATE+KEY"])
    failed(tracker("--db", url, "checkpoint", "--key", str(tmp_path / "none.key")), UserError, ["key"])


# ------------------------------------------------------------------ checkpoints


def test_checkpoint_signs_the_root_of_the_chain_hashes(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:
    key, vkey = keys
    out = tmp_path / "cp.txt"
    result = tracker("--db", url, "checkpoint", "--key", str(key), "--out", str(out))
    assert result.exit_code == 0, result.output
    cp = open_checkpoint(out.read_text(), parse_vkey(vkey)).checkpoint
    leaves = chain_hashes(url)
    assert (cp.origin, cp.size) == (NAME, 5)
    assert cp.root == ref_mth(leaves)  # the recursive reference of tests/test_merkle.py over the chain hashes
    failed(tracker("--db", url, "checkpoint", "--key", str(key), "--out", str(out)), UserError, ["already exists"])
    printed = tracker("--db", url, "checkpoint", "--key", str(key))
    assert open_checkpoint(printed.stdout, parse_vkey(vkey)).checkpoint == cp


def test_no_checkpoint_of_a_broken_chain(url: str, engine: Engine, keys: tuple[Path, str], tmp_path: Path) -> None:
    drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET actor = 'mallory' WHERE position = 3"))
    out = tmp_path / "cp.txt"
    failed(tracker("--db", url, "checkpoint", "--key", str(keys[0]), "--out", str(out)), IntegrityError, ["position 3"])
    assert not out.exists()


# ------------------------------------------------------------------ proofs


def test_every_forecast_proof_verifies_offline(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:
    key, vkey = keys
    for forecast_id, position in (("ann-rain", 2), ("bob-rain", 3)):
        out = tmp_path / f"{forecast_id}.tlog-proof"
        assert tracker("--db", url, "proof", forecast_id, "--key", str(key), "--out", str(out)).exit_code == 0
        assert out.read_text().startswith("c2sp.org/tlog-proof@v1\nextra ")
        # No ledger at all: the --db names nothing.
        offline = ("--db", f"sqlite:///{tmp_path}/no-such-ledger.sqlite")
        result = tracker(*offline, "verify-proof", str(out), "--key", vkey)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"verified: event {position} (ForecastRecorded on question-rain")
        data = json.loads(tracker(*offline, "verify-proof", str(out), "--key", vkey, "--json").stdout)
        assert data["event"]["data"]["forecast_id"] == forecast_id and data["tree_size"] == 5
        assert data["event"]["chain_hash"] == chain_hashes(url)[position - 1].hex()
    assert not (tmp_path / "no-such-ledger.sqlite").exists()
    bob = tracker("verify-proof", str(tmp_path / "bob-rain.tlog-proof"), "--key", vkey).stdout
    assert "quote: It will pour.\\nSurely." in bob and len(bob.splitlines()) == 3


def test_any_one_byte_change_to_a_proof_file_is_not_verified(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:
    key, vkey = keys
    out = tmp_path / "p.tlog-proof"
    assert tracker("--db", url, "proof", "ann-rain", "--key", str(key), "--out", str(out)).exit_code == 0
    raw = out.read_bytes()
    verifier = parse_vkey(vkey)
    assert proofs.verify_proof(raw, verifier)["ok"]
    for i in range(len(raw)):
        changed = bytearray(raw)
        changed[i] ^= 0x04
        with pytest.raises(IntegrityError, match="^not verified"):
            proofs.verify_proof(bytes(changed), verifier)
    # And through the command: one line, exit 7, whatever was changed.
    for i in (30, len(raw) // 2, len(raw) - 10):
        changed = bytearray(raw)
        changed[i] ^= 0x04
        (tmp_path / "bad").write_bytes(bytes(changed))
        failed(tracker("verify-proof", str(tmp_path / "bad"), "--key", vkey), IntegrityError, ["not verified"])
    other = tracker("keygen", "--out", str(tmp_path / "other.key"), "--name", NAME).stdout.strip()
    failed(tracker("verify-proof", str(out), "--key", other), IntegrityError, ["not verified", "no signature by"])
    failed(tracker("verify-proof", str(out), "--key", "nonsense"), UserError, ["key"])


def test_proof_against_an_earlier_checkpoint(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:
    key, vkey = keys
    cp = tmp_path / "cp.txt"
    assert tracker("--db", url, "checkpoint", "--key", str(key), "--out", str(cp)).exit_code == 0
    led = Ledger(url, actor="tester")
    led.reopen("rain", "re-examined")  # position 6
    led.record_forecast("rain", "Cy Example", 0.5, date(2020, 3, 1), forecast_id="cy-rain")  # position 7
    led.close()
    out = tmp_path / "p.tlog-proof"
    made = tracker("--db", url, "proof", "bob-rain", "--checkpoint", str(cp), "--log-key", vkey, "--out", str(out))
    assert made.exit_code == 0, made.output
    assert json.loads(tracker("verify-proof", str(out), "--key", vkey, "--json").stdout)["tree_size"] == 5
    new = tmp_path / "q.tlog-proof"  # (the proof written above is refused as it stands: see test_output_options)
    failed(
        tracker("--db", url, "proof", "cy-rain", "--checkpoint", str(cp), "--log-key", vkey, "--out", str(new)),
        UserError,
        ["7"],
    )
    failed(tracker("--db", url, "proof", "nope", "--key", str(key), "--out", str(new)), NotFound, ["nope"])
    assert not new.exists()
    failed(tracker("--db", url, "proof", "ann-rain", "--out", str(out)), UserError, ["--key"])


def _signed_by(note: str, *signers: Signer, origin: str = NAME) -> str:
    """The checkpoint's text (its origin renamed to `origin`) signed by `signers` alone (cosigners timestamped)."""
    text = note[: note.rfind("\n\n") + 1].replace(NAME, origin, 1)
    return sign_note(text, *signers, timestamp=1_700_000_000)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("body", "does not verify"),  # a changed number of events: the signature is for other text
        ("other-key", "no signature by"),  # another key of the log's name signed it
        ("witness-only", "no signature by"),  # the log's signature line removed, a witness's left
        ("unsigned", "no blank line"),  # no signature line at all
        ("key-name", "no signature by"),  # --log-key is the log's key under another name (its id recomputed)
        ("other-log", "no signature by"),  # another log's checkpoint, signed by that log's key
    ],
)
def test_proof_refuses_a_checkpoint_the_log_key_did_not_sign(
    url: str, keys: tuple[Path, str], tmp_path: Path, change: str, says: str
) -> None:
    """`proof --checkpoint` opens the checkpoint's signed note with --log-key (the check `verify --checkpoint` and
    `verify-proof` make) before writing a proof a reader would take for the log's: refused in one line, no file."""
    key, vkey = keys
    cp = _checkpoint(url, key, tmp_path / "cp.txt")
    note = cp.read_text(encoding="utf-8")
    log_key = vkey
    if change == "body":
        bad = note.replace("\n5\n", "\n4\n", 1)
    elif change == "other-key":
        bad = _signed_by(note, generate_signer(NAME))
    elif change == "witness-only":
        bad = _signed_by(note, generate_signer("witness.example/w1", COSIGNATURE))
    elif change == "unsigned":
        bad = note[: note.rfind("\n\n") + 1]
    elif change == "key-name":
        bad = note
        real = parse_vkey(vkey)
        renamed = "other.example/log"
        log_key = Verifier(renamed, key_id(renamed, real.public_key), real.public_key).vkey
    else:
        bad = _signed_by(note, generate_signer("other.example/log"), origin="other.example/log")
    assert (bad, log_key) != (note, vkey)
    given = tmp_path / "given.txt"
    given.write_text(bad, encoding="utf-8")
    out = tmp_path / "p.tlog-proof"
    args = ("--db", url, "proof", "ann-rain", "--checkpoint", str(given), "--log-key", log_key, "--out", str(out))
    line = failed(tracker(*args), UserError, [says])
    assert line.startswith("error: checkpoint: "), line
    assert not out.exists()
    # the genuine checkpoint, with the log's key, is accepted and its proof verifies
    ok = tracker("--db", url, "proof", "ann-rain", "--checkpoint", str(cp), "--log-key", vkey, "--out", str(out))
    assert ok.exit_code == 0, ok.output
    assert tracker("verify-proof", str(out), "--key", vkey).exit_code == 0


def test_proof_never_writes_over_the_log_key_file(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:
    """--log-key given as a file is one of the proof's inputs: --out naming it is refused, even with --force."""
    key, vkey = keys
    cp = _checkpoint(url, key, tmp_path / "cp.txt")
    pub = tmp_path / "pub.txt"
    pub.write_text(vkey + "\n", encoding="utf-8")
    args = ("--checkpoint", str(cp), "--log-key", str(pub), "--out", str(pub), "--force")
    failed(tracker("--db", url, "proof", "ann-rain", *args), UserError, ["out: ", "own input"])
    assert pub.read_text(encoding="utf-8") == vkey + "\n"


NEEDS_LOG_KEY = (
    "error: log_key: --checkpoint needs the log's public key, --log-key (what 'tracker keygen' printed), to check "
    "it signed the checkpoint"
)
KEY_OR_CHECKPOINT = "error: key: give one of --key (sign a new checkpoint) or --checkpoint (an earlier one)"
LOG_KEY_WITH_KEY = "error: log_key: --log-key checks a --checkpoint; a checkpoint signed now with --key needs none"


def test_proof_against_a_checkpoint_needs_the_log_key(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:
    """The rules of what a proof's checkpoint comes from: refused before the ledger is opened or a file read."""
    key, vkey = keys
    cp = _checkpoint(url, key, tmp_path / "cp.txt")
    out = tmp_path / "p.tlog-proof"
    before = sorted(os.listdir(tmp_path))
    cases = {
        NEEDS_LOG_KEY: ("--checkpoint", str(cp)),
        LOG_KEY_WITH_KEY: ("--key", str(key), "--log-key", vkey),
        KEY_OR_CHECKPOINT: (),
    }
    for said, given in cases.items():
        for db in (url, f"sqlite:///{tmp_path}/absent.sqlite"):  # no ledger there: the rule is still what is said
            line = failed(tracker("--db", db, "proof", "ann-rain", *given, "--out", str(out)), UserError, [])
            assert line == said, line
    both = ("--key", str(key), "--checkpoint", str(cp), "--log-key", vkey)
    assert failed(tracker("--db", url, "proof", "ann-rain", *both, "--out", str(out)), UserError, []) == (
        KEY_OR_CHECKPOINT
    )
    assert sorted(os.listdir(tmp_path)) == before  # no proof, and no ledger made where there was none


def test_prove_in_python_keeps_the_same_rules(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:
    """`proofs.prove` refuses what `tracker proof` refuses, in the same words (one rule, in the library): no
    checkpoint ignored beside a signer, no log key dropped for the signer's own."""
    key, vkey = keys
    note = _checkpoint(url, key, tmp_path / "cp.txt").read_text(encoding="utf-8")
    signer, verifier = proofs.load_signer(key), proofs.load_verifier(vkey)
    led = Ledger(url, actor="tester")
    before = led.info()["events"], len(proofs.stored_checkpoints(led))
    refused = {
        NEEDS_LOG_KEY: {"checkpoint_note": note},
        KEY_OR_CHECKPOINT: {},
        LOG_KEY_WITH_KEY: {"signer": signer, "log_key": verifier},
    }
    for said, given in refused.items():
        with pytest.raises(UserError) as e:
            proofs.prove(led, "ann-rain", **given)
        assert f"error: {e.value}" == said
    with pytest.raises(UserError) as e:
        proofs.prove(led, "ann-rain", signer=signer, checkpoint_note=note, log_key=verifier)
    assert f"error: {e.value}" == KEY_OR_CHECKPOINT
    assert (led.info()["events"], len(proofs.stored_checkpoints(led))) == before  # no checkpoint signed meanwhile
    assert proofs.verify_proof(proofs.prove(led, "ann-rain", checkpoint_note=note, log_key=verifier), verifier)


# ------------------------------------------------------------------ verify --checkpoint


def _checkpoint(url: str, key: Path, path: Path) -> Path:
    assert tracker("--db", url, "checkpoint", "--key", str(key), "--out", str(path)).exit_code == 0
    return path


def test_a_grown_ledger_extends_its_checkpoint(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:
    key, vkey = keys
    cp = _checkpoint(url, key, tmp_path / "cp.txt")
    led = Ledger(url, actor="tester")
    led.reopen("rain", "re-examined")
    led.close()
    result = tracker("--db", url, "verify", "--checkpoint", str(cp), "--key", vkey)
    assert result.exit_code == 0, result.output
    assert "extends the checkpoint of 5 events (its signature checked)" in result.stdout
    data = json.loads(tracker("--db", url, "verify", "--checkpoint", str(cp), "--key", vkey, "--json").stdout)
    assert data["checkpoint"]["ledger_size"] == 6 and len(data["checkpoint"]["consistency_proof"]) >= 1
    unsigned = tracker("--db", url, "verify", "--checkpoint", str(cp))
    assert "signature NOT checked" in unsigned.stdout


def test_truncation_is_named_at_the_first_missing_position(
    url: str, engine: Engine, keys: tuple[Path, str], tmp_path: Path
) -> None:
    key, vkey = keys
    cp = _checkpoint(url, key, tmp_path / "cp.txt")
    drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE position >= 4"))
    forge_tree(engine)
    assert tracker("--db", url, "rebuild").exit_code == 0
    assert tracker("--db", url, "verify").exit_code == 0  # a consistent, shorter ledger: only the checkpoint knows
    failed(
        tracker("--db", url, "verify", "--checkpoint", str(cp), "--key", vkey),
        IntegrityError,
        ["at position 4", "positions 4 to 5 are missing"],
    )


def test_a_rewritten_and_rehashed_history_is_caught(
    url: str, engine: Engine, keys: tuple[Path, str], tmp_path: Path
) -> None:
    key, vkey = keys
    cp = _checkpoint(url, key, tmp_path / "cp.txt")
    rewrite_history(engine, 2, "0.3", "0.9")
    assert tracker("--db", url, "rebuild").exit_code == 0
    assert tracker("--db", url, "verify").exit_code == 0
    failed(
        tracker("--db", url, "verify", "--checkpoint", str(cp), "--key", vkey),
        IntegrityError,
        ["does not extend the checkpoint", "no longer hash to the signed root"],
    )


def test_an_edit_without_rehashing_is_named(url: str, engine: Engine, keys: tuple[Path, str], tmp_path: Path) -> None:
    key, vkey = keys
    cp = _checkpoint(url, key, tmp_path / "cp.txt")
    drop_triggers(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE events SET actor = 'mallory' WHERE position = 3"))
    line = failed(tracker("--db", url, "verify", "--checkpoint", str(cp), "--key", vkey), IntegrityError)
    assert "position 3" in line


def test_a_fork_is_caught(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:
    """Another ledger that starts the same way but holds other events is not the signed log."""
    key, vkey = keys
    fork_url = f"sqlite:///{tmp_path}/fork.sqlite"
    led = Ledger(fork_url, actor="tester")
    led.init()
    led.open_question("Will it rain?", "YES if it rains", question_id="rain", opened=date(2000, 1, 1))
    for i in range(5):
        led.record_forecast("rain", f"Fork Example {i}", 0.5, date(2020, 1, 1 + i))
    led.close()
    cp = _checkpoint(url, key, tmp_path / "cp.txt")
    failed(
        tracker("--db", fork_url, "verify", "--checkpoint", str(cp), "--key", vkey),
        IntegrityError,
        ["no longer hash to the signed root"],
    )


def test_a_tampered_or_foreign_checkpoint_is_refused(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:
    key, vkey = keys
    cp = _checkpoint(url, key, tmp_path / "cp.txt")
    note = cp.read_text()
    (tmp_path / "bigger.txt").write_text(note.replace("\n5\n", "\n4\n", 1))
    failed(
        tracker("--db", url, "verify", "--checkpoint", str(tmp_path / "bigger.txt"), "--key", vkey),
        UserError,
        ["checkpoint", "does not verify"],
    )
    other = tracker("keygen", "--out", str(tmp_path / "other.key"), "--name", NAME).stdout.strip()
    failed(
        tracker("--db", url, "verify", "--checkpoint", str(cp), "--key", other),
        UserError,
        ["no signature by"],
    )
    (tmp_path / "junk.txt").write_text("not a checkpoint\n")
    failed(tracker("--db", url, "verify", "--checkpoint", str(tmp_path / "junk.txt")), UserError, ["not a checkpoint"])


def test_verify_checkpoint_reads_the_note_as_open_signed_does(
    url: str, keys: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`proofs.verify_checkpoint` with or without the log's key reads the note through `open_signed` (one reading
    of a checkpoint note), and refuses a malformed one in the words it always had."""
    key, vkey = keys
    note = _checkpoint(url, key, tmp_path / "cp.txt").read_text(encoding="utf-8")
    led, verifier = Ledger(url, actor="tester"), proofs.load_verifier(vkey)
    text = note[: note.rfind("\n\n") + 1]
    malformed = {
        text: "the note has no blank line before its signatures",
        text.replace("\n5\n", "\n05\n", 1) + note[len(text) :]: (
            "the checkpoint's tree size '05' is not a decimal without leading zeros"
        ),
        "\n" + note: "the checkpoint's origin line is empty",
    }
    for bad, said in malformed.items():
        with pytest.raises(UserError) as e:
            proofs.verify_checkpoint(led, bad, None)
        assert str(e.value) == f"checkpoint: the checkpoint is refused: {said}"
    with pytest.raises(UserError) as e:  # with the key, the same reading: the same words for a note with no signatures
        proofs.verify_checkpoint(led, text, verifier)
    assert str(e.value) == "checkpoint: the checkpoint is refused: the note has no blank line before its signatures"
    real, read = proofs.open_signed, []

    def spy(note: str, key: Verifier | None, field: str = "checkpoint") -> object:
        read.append(key)
        return real(note, key, field)

    monkeypatch.setattr(proofs, "open_signed", spy)
    for given in (None, verifier):
        assert proofs.verify_checkpoint(led, note, given)["signature_checked"] is (given is not None)
    assert read == [None, verifier]


# ------------------------------------------------------------------ witnesses


def test_a_witness_cosigns_and_readers_count_it(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:
    key, vkey = keys
    made = tracker("keygen", "--out", str(tmp_path / "w.key"), "--name", "witness.example/w1", "--cosigner")
    assert made.exit_code == 0, made.output
    witness = made.stdout.strip()
    cp = _checkpoint(url, key, tmp_path / "cp.txt")
    cosigned = tmp_path / "cp-cosigned.txt"
    args = ("cosign", str(cp), "--key", str(tmp_path / "w.key"), "--log-key", vkey, "--out", str(cosigned))
    result = tracker(*args)
    assert result.exit_code == 0, result.output
    assert cosigned.read_text().startswith(cp.read_text())
    failed(tracker(*args), UserError, ["already exists"])
    out = tmp_path / "p.tlog-proof"
    against = ("--checkpoint", str(cosigned), "--log-key", vkey)
    made = tracker("--db", url, "proof", "ann-rain", *against, "--out", str(out))
    assert made.exit_code == 0, made.output
    counted = tracker("verify-proof", str(out), "--key", vkey, "--witness", witness)
    assert counted.exit_code == 0, counted.output
    assert "cosignatures checked: 1 of 1 witnesses" in counted.stdout
    stranger = tracker("keygen", "--out", str(tmp_path / "s.key"), "--name", "witness.example/w2", "--cosigner")
    uncounted = tracker("verify-proof", str(out), "--key", vkey, "--witness", stranger.stdout.strip())
    assert "cosignatures checked: 0 of 1 witnesses" in uncounted.stdout
    # A changed byte in the cosignature: the proof is not verified when that witness is asked for.
    text = out.read_text()
    sig_line = text.rstrip("\n").split("\n")[-1]
    at = len(text) - 10
    bad = text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]
    assert sig_line.startswith("\u2014 witness.example/w1 ")
    (tmp_path / "bad").write_text(bad)
    failed(tracker("verify-proof", str(tmp_path / "bad"), "--key", vkey, "--witness", witness), IntegrityError)
    # The log's key cannot cosign, a cosigner's key cannot sign the log, and the log's key is checked first.
    failed(tracker("cosign", str(cp), "--key", str(key), "--log-key", vkey, "--out", str(tmp_path / "x")), UserError)
    failed(tracker("--db", url, "checkpoint", "--key", str(tmp_path / "w.key")), UserError, ["cosigner"])
    other = tracker("keygen", "--out", str(tmp_path / "o.key"), "--name", NAME).stdout.strip()
    failed(
        tracker("cosign", str(cp), "--key", str(tmp_path / "w.key"), "--log-key", other, "--out", str(tmp_path / "y")),
        UserError,
        ["no signature by"],
    )
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_reordered_history_is_caught(url: str, engine: Engine, keys: tuple[Path, str], tmp_path: Path) -> None:
    """The two recorded forecasts (positions 2 and 3) swap places (their content; ids and times stay with the
    positions), and the forger re-hashes the chain from there: a consistent ledger, but not the signed log."""
    key, vkey = keys
    cp = _checkpoint(url, key, tmp_path / "cp.txt")
    drop_triggers(engine)
    with engine.connect() as conn:
        rows = list(es.raw_rows(conn))
    a, b = rows[1], rows[2]
    a["payload"], b["payload"] = b["payload"], a["payload"]
    prev = es.GENESIS_HASH
    with engine.begin() as conn:
        for row in rows:
            row["prev_hash"] = prev
            row["hash"] = prev = es.chain_hash(row)
            conn.execute(
                text("UPDATE events SET payload = :p, prev_hash = :ph, hash = :h WHERE position = :pos"),
                {
                    "p": row["payload"],
                    "ph": row["prev_hash"],
                    "h": row["hash"],
                    "pos": row["position"],
                },
            )
    forge_tree(engine)
    assert tracker("--db", url, "rebuild").exit_code == 0
    assert tracker("--db", url, "verify").exit_code == 0  # a consistent ledger, only in another order
    failed(
        tracker("--db", url, "verify", "--checkpoint", str(cp), "--key", vkey),
        IntegrityError,
        ["no longer hash to the signed root"],
    )


def test_hostile_text_inside_a_signed_proof_is_printed_escaped(tmp_path: Path) -> None:
    """A publisher who wrote the database by hand could sign an event whose text would drive a terminal: the
    reader's `verify-proof` still prints it on one line, escaped."""
    import hashlib

    from tracker.domain.merkle import MerkleTree, leaf_hash
    from tracker.domain.notes import Checkpoint, TlogProof, generate_signer, sign_checkpoint

    payload = json.dumps(
        {"forecast_id": "f\x1b[2J", "forecaster": "Eve\x1b]0;owned\x07", "quote": "a\rb\u202eevil", "made_at": "x"}
    )
    content = json.dumps(
        {
            "position": 1,
            "event_type": "ForecastRecorded",
            "stream_id": "s\x1b[31m",
            "payload": payload,
            "recorded_at": "r",
            "event_id": "e",
        }
    )
    extra = ("0" * 64 + content).encode()
    signer = generate_signer(NAME)
    tree = MerkleTree([leaf_hash(hashlib.sha256(extra).digest())])
    note = sign_checkpoint(Checkpoint(NAME, 1, tree.root()), signer)
    (tmp_path / "p").write_text(TlogProof(0, (), note, extra).text)
    result = tracker("verify-proof", str(tmp_path / "p"), "--key", signer.verifier.vkey)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output and "\r" not in result.output
    assert "\\x1b[2J" in result.stdout and len(result.stdout.splitlines()) == 3


# ------------------------------------------------------------------ checkpoints kept


def _kept(engine: Engine) -> list[tuple[int, int, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT number, tree_size, note FROM checkpoints ORDER BY number"))]


def test_every_checkpoint_is_kept_and_listed(url: str, engine: Engine, keys: tuple[Path, str], tmp_path: Path) -> None:
    key, vkey = keys
    empty = tracker("--db", url, "checkpoints")
    assert empty.exit_code == 0 and empty.stdout == "" and "no checkpoint kept yet" in empty.stderr
    first = _checkpoint(url, key, tmp_path / "cp1.txt")
    Ledger(url, actor="tester").record_forecast("rain", "Cy Example", 0.5, date(2020, 1, 3), forecast_id="cy-rain")
    second = tracker("--db", url, "checkpoint", "--key", str(key))
    assert second.exit_code == 0, second.output
    kept = _kept(engine)
    assert [(n, size) for n, size, _ in kept] == [(1, 5), (2, 6)]
    assert kept[0][2] == first.read_text() and kept[1][2] == second.stdout  # the notes byte for byte
    listed = tracker("--db", url, "checkpoints")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("1\t5 events\t") and lines[1].startswith("2\t6 events\t")
    one = tracker("--db", url, "checkpoints", "--number", "1")
    assert one.stdout == first.read_text()
    assert open_checkpoint(one.stdout, parse_vkey(vkey)).checkpoint.size == 5
    data = json.loads(tracker("--db", url, "checkpoints", "--json").stdout)
    assert [c["note"] for c in data] == [k[2] for k in kept] and data[1]["tree_size"] == 6
    assert [c.note for c in proofs.stored_checkpoints(Ledger(url))] == [k[2] for k in kept]
    failed(tracker("--db", url, "checkpoints", "--number", "3"), NotFound, ["number 3"])
    failed(tracker("--db", url, "checkpoints", "--number", "0"), 2)
    # A proof signed with --key signs (and keeps) a checkpoint too.
    assert tracker("--db", url, "proof", "ann-rain", "--key", str(key), "--out", str(tmp_path / "p")).exit_code == 0
    assert [n for n, _, _ in _kept(engine)] == [1, 2, 3]


def test_kept_checkpoints_cannot_be_changed_or_removed(url: str, engine: Engine, keys: tuple[Path, str]) -> None:
    from tracker.errors import AppendOnlyViolation
    from tracker.store.db import translate_errors

    assert tracker("--db", url, "checkpoint", "--key", str(keys[0])).exit_code == 0
    before = _kept(engine)
    attempts = ["UPDATE checkpoints SET tree_size = 1", "DELETE FROM checkpoints"]
    if engine.dialect.name == "sqlite":
        attempts += ["REPLACE INTO checkpoints SELECT * FROM checkpoints", "INSERT OR REPLACE INTO checkpoints "
                     "SELECT number, 1, root_hash, note, signed_at FROM checkpoints"]  # fmt: skip
    else:
        attempts += ["TRUNCATE checkpoints"]
    for sql in attempts:
        refused = pytest.raises(AppendOnlyViolation, match="the checkpoints table is append-only")
        with refused, translate_errors(), engine.begin() as conn:
            conn.execute(text(sql))
    assert _kept(engine) == before


@pytest.mark.parametrize("damage", ["rewrite", "truncate"])
def test_no_checkpoint_of_a_log_that_does_not_extend_the_last_kept(
    url: str, engine: Engine, keys: tuple[Path, str], damage: str
) -> None:
    key = keys[0]
    assert tracker("--db", url, "checkpoint", "--key", str(key)).exit_code == 0
    if damage == "rewrite":
        rewrite_history(engine, 2, "0.3", "0.9")  # a consistent chain, but not the signed one
        says = ["first 5 events no longer hash to the root of checkpoint 1"]
    else:
        drop_triggers(engine)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM events WHERE position >= 4"))
        forge_tree(engine)
        says = ["checkpoint 1 signed 5 events and the ledger holds 3", "positions 4 to 5 are missing"]
    assert tracker("--db", url, "rebuild").exit_code == 0
    failed(tracker("--db", url, "checkpoint", "--key", str(key)), IntegrityError, says)
    assert [n for n, _, _ in _kept(engine)] == [1]


# ------------------------------------------------------------------ RFC 3161 time-stamp tokens


def _tsa_reply(tmp_path: Path, data: Path, digest: str = "sha256") -> Path:
    """A real RFC 3161 reply over `data`, from a throwaway time-stamping authority made with openssl."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a time-stamp token")
    tsa = tmp_path / "tsa"
    tsa.mkdir(exist_ok=True)
    (tsa / "tsa.cnf").write_text(
        "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = Test TSA\n"
        "[ext]\nbasicConstraints = critical,CA:false\nextendedKeyUsage = critical,timeStamping\n"
        "[tsa]\nserial = ./serial\nsigner_cert = ./tsa.crt\nsigner_key = ./tsa.key\nsigner_digest = sha256\n"
        "default_policy = 1.2.3.4.1\ndigests = sha256, sha512\ness_cert_id_alg = sha256\n"
    )
    (tsa / "serial").write_text("01\n")
    run = {"cwd": tsa, "check": True, "capture_output": True}
    if not (tsa / "tsa.crt").exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out",
                        "tsa.crt", "-days", "2", "-config", "tsa.cnf", "-extensions", "ext"], **run)  # fmt: skip
    reply = tsa / f"{data.name}.{digest}.tsr"
    subprocess.run(["openssl", "ts", "-query", "-data", str(data), f"-{digest}", "-cert", "-out", "q.tsq"], **run)
    subprocess.run(["openssl", "ts", "-reply", "-queryfile", "q.tsq", "-config", "tsa.cnf", "-section", "tsa",
                    "-out", str(reply)], **run)  # fmt: skip
    return reply


def test_a_time_stamp_token_is_attached_to_the_checkpoint_it_stamps(
    url: str, engine: Engine, keys: tuple[Path, str], tmp_path: Path
) -> None:
    key = keys[0]
    failed(tracker("--db", url, "checkpoint", "--timestamp-token", str(tmp_path / "none.tsr")), UserError, ["none"])
    cp1 = _checkpoint(url, key, tmp_path / "cp1.txt")
    reply1 = _tsa_reply(tmp_path, cp1)
    failed(tracker("--db", url, "checkpoint", "--timestamp-token", str(reply1), "--number", "2"), NotFound, ["2"])
    Ledger(url, actor="tester").record_forecast("rain", "Cy Example", 0.5, date(2020, 1, 3), forecast_id="cy-rain")
    cp2 = _checkpoint(url, key, tmp_path / "cp2.txt")
    # A token over checkpoint 1 is refused for the newest (2), and nothing is attached.
    failed(tracker("--db", url, "checkpoint", "--timestamp-token", str(reply1)), UserError, ["made for other data"])
    assert proofs.stored_timestamps(Ledger(url)) == []
    result = tracker("--db", url, "checkpoint", "--timestamp-token", str(reply1), "--number", "1")
    assert result.exit_code == 0, result.output
    assert "attached to checkpoint 1" in result.stderr + result.stdout
    reply2 = _tsa_reply(tmp_path, cp2, "sha512")
    assert tracker("--db", url, "checkpoint", "--timestamp-token", str(reply2)).exit_code == 0
    listed = tracker("--db", url, "checkpoints").stdout.splitlines()
    assert listed[0].endswith("\t1 time-stamp token") and listed[1].endswith("\t1 time-stamp token")
    data = json.loads(tracker("--db", url, "checkpoints", "--json").stdout)
    import base64

    (t1,), (t2,) = data[0]["timestamp_tokens"], data[1]["timestamp_tokens"]
    assert base64.b64decode(t1["token_base64"]) == reply1.read_bytes() and t1["hash_algorithm"] == "sha256"
    assert t2["hash_algorithm"] == "sha512"
    # Not a token, a token with --key, and the tokens kept cannot be changed.
    (tmp_path / "junk.tsr").write_bytes(b"\x30\x03\x02\x01\x00")
    failed(tracker("--db", url, "checkpoint", "--timestamp-token", str(tmp_path / "junk.tsr")), UserError,
           ["no message imprint"])  # fmt: skip
    (tmp_path / "cut.tsr").write_bytes(reply1.read_bytes()[:100])
    failed(tracker("--db", url, "checkpoint", "--timestamp-token", str(tmp_path / "cut.tsr")), UserError, ["DER"])
    failed(tracker("--db", url, "checkpoint", "--timestamp-token", str(reply1), "--key", str(key)), UserError)
    failed(tracker("--db", url, "checkpoint", "--number", "1", "--key", str(key)), UserError, ["--number"])
    from tracker.errors import AppendOnlyViolation
    from tracker.store.db import translate_errors

    refused = pytest.raises(AppendOnlyViolation, match="checkpoint_timestamps table is append-only")
    with refused, translate_errors(), engine.begin() as conn:
        conn.execute(text("DELETE FROM checkpoint_timestamps"))
    assert len(proofs.stored_timestamps(Ledger(url))) == 2


# A regular file whose read fails even for root (reading the page at address 0 gives EIO): what a file on a
# failing disk or a network share that went away gives, and what permissions give an ordinary user.
UNREADABLE = Path("/proc/self/mem")


# Each command line that reads a file the user names ({bad}), and the field it names in a refusal.
FILE_ARGS = pytest.mark.parametrize(
    ("args", "field"),
    [
        (["verify-proof", "{bad}", "--key", "{pub}"], "file"),
        (["verify-proof", "{proof}", "--key", "{bad}"], "key"),
        (["checkpoint", "--key", "{bad}", "--out", "{tmp}/c.txt"], "key"),
        (["checkpoint", "--timestamp-token", "{bad}"], "timestamp_token"),
        (["proof", "ann-rain", "--checkpoint", "{bad}", "--log-key", "{pub}", "--out", "{tmp}/p.proof"], "checkpoint"),
        (["verify", "--checkpoint", "{bad}", "--key", "{pub}"], "checkpoint"),
        (["cosign", "{bad}", "--key", "{key}", "--log-key", "{pub}", "--out", "{tmp}/c.txt"], "checkpoint"),
    ],
    ids=[
        "verify-proof",
        "verify-proof-key",
        "checkpoint-key",
        "timestamp-token",
        "proof-checkpoint",
        "verify",
        "cosign",
    ],
)


@pytest.mark.skipif(not UNREADABLE.is_file(), reason="needs Linux's /proc/self/mem")
@FILE_ARGS
def test_a_file_that_cannot_be_read_is_one_line(
    url: str, keys: tuple[Path, str], tmp_path: Path, args: list[str], field: str
) -> None:
    key, vkey = keys
    (tmp_path / "pub.txt").write_text(vkey + "\n")
    proof = tmp_path / "ann.proof"
    assert tracker("--db", url, "proof", "ann-rain", "--key", str(key), "--out", str(proof)).exit_code == 0
    given = {"bad": str(UNREADABLE), "pub": str(tmp_path / "pub.txt"), "proof": str(proof), "key": str(key),
             "tmp": str(tmp_path)}  # fmt: skip
    before = sorted(os.listdir(tmp_path))
    line = failed(tracker("--db", url, *[a.format(**given) for a in args]), UserError, [str(UNREADABLE)])
    assert line.startswith(f"error: {field}: "), line
    assert sorted(os.listdir(tmp_path)) == before


@FILE_ARGS
@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_file_that_is_no_regular_file_is_refused_unread(
    url: str, keys: tuple[Path, str], tmp_path: Path, args: list[str], field: str, kind: str
) -> None:
    """A FIFO (a read would block) or a folder in place of a key, a checkpoint, a proof or a token: one line,
    nothing read or written."""
    key, vkey = keys
    (tmp_path / "pub.txt").write_text(vkey + "\n")
    proof = tmp_path / "ann.proof"
    assert tracker("--db", url, "proof", "ann-rain", "--key", str(key), "--out", str(proof)).exit_code == 0
    bad = tmp_path / "bad"
    os.mkfifo(bad) if kind == "fifo" else bad.mkdir()
    given = {"bad": str(bad), "pub": str(tmp_path / "pub.txt"), "proof": str(proof), "key": str(key),
             "tmp": str(tmp_path)}  # fmt: skip
    before = sorted(os.listdir(tmp_path))
    line = failed(tracker("--db", url, *[a.format(**given) for a in args]), UserError, [])
    assert line == f"error: {field}: {str(bad)!r} is not a regular file", line
    assert sorted(os.listdir(tmp_path)) == before


def test_a_key_or_token_reached_through_a_link_is_read(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:
    """Where a user keeps their key is theirs to choose: a link to a key file is followed (a bundle's or a site
    folder's files, which someone else may have made, are never read through one)."""
    key, _ = keys
    link = tmp_path / "link.key"
    link.symlink_to(key)
    made = tracker("--db", url, "checkpoint", "--key", str(link), "--out", str(tmp_path / "c.txt"))
    assert made.exit_code == 0, made.output
    token = tmp_path / "token.link"
    token.symlink_to(tmp_path / "c.txt")  # not a token: refused for what it holds, not for being a link
    refused = tracker("--db", url, "checkpoint", "--timestamp-token", str(token))
    assert refused.exit_code == UserError.exit_code and "not a regular file" not in refused.output, refused.output
