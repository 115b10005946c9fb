"""Signed checkpoints and proofs of the ledger's Merkle log: keygen, checkpoint, proof, verify-proof, and the
consistency of the ledger with a checkpoint kept from earlier.

The formats are C2SP's (tracker.domain.notes): a checkpoint is a signed note of the log's name, its number of
events and its Merkle root; a proof is a c2sp.org/tlog-proof@v1 file whose "extra" line carries the text whose
SHA-256 is the event's chain hash (the previous event's hash, then the event's canonical content). So a reader
with the proof and the public key alone recomputes the leaf, follows the inclusion path to the signed root and
checks the signature, and reads what the event said from the same bytes.

Imported by the CLI inside the commands that need it: `cryptography` is loaded only by them.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from tracker.app import outfiles
from tracker.domain import events as ev
from tracker.domain.merkle import ProofError, verify_consistency
from tracker.domain.notes import (
    COSIGNATURE,
    ED25519,
    Checkpoint,
    NoteError,
    OpenedCheckpoint,
    Signer,
    TlogProof,
    Verifier,
    checkpoint_of,
    cosign_checkpoint,
    generate_signer,
    open_checkpoint,
    parse_skey,
    parse_tlog_proof,
    parse_vkey,
    sign_checkpoint,
    verify_tlog_proof,
)
from tracker.errors import ConflictError, IntegrityError, NotFound, UserError
from tracker.store import eventstore as es
from tracker.store import merkletree
from tracker.store.db import read_transaction, write_transaction
from tracker.store.merklelog import (
    LedgerTree,
    StoredCheckpoint,
    StoredTimestamp,
    add_checkpoint,
    add_timestamp,
    last_checkpoint,
    ledger_tree,
    read_checkpoints,
    read_timestamps,
    stored_row,
)
from tracker.store.schema import forecasts

if TYPE_CHECKING:
    from tracker.app.ledger import Ledger

MAX_KEY_FILE = 4096  # bytes: a note key is about 100
MAX_NOTE_FILE = 1_000_000  # bytes: a checkpoint or a proof (a path of 64 hashes and 100 signatures is ~20 kB)
DEFAULT_LOG_NAME = "forecast-tracker.example/ledger"


# ------------------------------------------------------------------------------------------- keys


def keygen(name: str, out: str | os.PathLike[str], cosigner: bool = False) -> Signer:
    """A new Ed25519 note key named `name`, its private half written to `out` (a new file, owner-only: 0600); a
    cosigner's key (tlog-cosignature, type 0x04) when `cosigner`."""
    try:
        signer = generate_signer(name, COSIGNATURE if cosigner else ED25519)
    except NoteError as e:
        raise UserError(str(e), "name") from None
    with outfiles.atomic_path(out, "out", forceable=False) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(signer.skey + "\n")
    return signer


def _read_small(path: Path, field: str, limit: int) -> str:
    raw = _read_file(path, field, limit, "not a key, checkpoint or proof")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"{str(path)!r} is not UTF-8 text (byte {e.start})", field) from None


def _read_file(path: Path, field: str, limit: int, too_large: str) -> bytes:
    """The bytes of the file a user named (a key, a checkpoint, a proof, a time-stamp token): a regular file, a
    link to one followed (where a user keeps their key is theirs to choose), of at most ``limit`` bytes."""
    try:
        regular = outfiles.is_regular_file(path, follow_links=True)
    except OSError as e:
        raise UserError(f"cannot read {str(path)!r}: {e.strerror or e}", field) from None
    if not regular:
        raise UserError(f"{str(path)!r} is not a regular file", field)
    try:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as e:  # permissions, a failing disk: a regular file can still refuse to be read
        raise UserError(f"cannot read {str(path)!r}: {e.strerror or e}", field) from None
    if len(raw) > limit:
        raise UserError(f"{str(path)!r} is larger than {limit} bytes: {too_large}", field)
    return raw


def load_signer(path: str | os.PathLike[str], field: str = "key") -> Signer:
    """The private key in `path`, refused when others may read the file (as ssh refuses such a key)."""
    p = Path(path)
    text = _read_small(p, field, MAX_KEY_FILE)
    if os.stat(p).st_mode & 0o077:
        raise UserError(f"{str(p)!r} can be read by other users: 'chmod 600' it first (a private key)", field)
    try:
        return parse_skey(text)
    except NoteError as e:
        raise UserError(f"{str(p)!r}: {e}", field) from None


def load_verifier(value: str, field: str = "key") -> Verifier:
    """A public key given as its text (NAME+KEYID+KEY) or as a file holding it."""
    text = value
    if "+" not in value or os.path.isfile(value):  # (Path.is_file raises for a key text too long for a name)
        text = _read_small(Path(value), field, MAX_KEY_FILE)
    try:
        return parse_vkey(text)
    except NoteError as e:
        raise UserError(str(e), field) from None


# ------------------------------------------------------------------------------------------- the log


def _tree(led: Ledger) -> LedgerTree:
    with read_transaction(led.engine) as conn:
        made = ledger_tree(conn)
    if not made.chain.ok:
        raise IntegrityError(
            f"the hash chain breaks at position {made.chain.first_bad_position}: {made.chain.problem}; "
            "nothing was signed ('tracker verify' says more)"
        )
    return made


def checkpoint(led: Ledger, signer: Signer) -> str:
    """A checkpoint of the whole log signed by `signer`: the note text (c2sp.org/tlog-checkpoint), kept in the
    checkpoints table (see `keep`). Signed only after one pass over the ledger re-checked the hash chain and the
    stored tree's root: a signature is forever, and a checkpoint is rare."""
    led._ready()
    _log_key(signer)
    tree = _tree(led).tree
    with read_transaction(led.engine) as conn:
        stored = merkletree.root(conn, tree.size)
    if stored != tree.root():
        raise IntegrityError(
            "the stored Merkle tree does not match the events; nothing was signed ('tracker verify' names the node)"
        )
    note = sign_checkpoint(Checkpoint(signer.name, tree.size, stored), signer)
    keep(led, tree.size, stored, note)
    return note


def keep(led: Ledger, size: int, root: bytes, note: str) -> int:
    """Keep the checkpoint `note` of the first `size` events, whose root is `root`: its number.

    Refused, and nothing kept, when the log does not extend the last checkpoint kept: its first events no longer
    hash to that checkpoint's root, or the ledger now holds fewer events than it signed. Every checkpoint kept
    thus extends every earlier one, which is what a reader of the published folder checks."""
    with write_transaction(led.engine) as conn:
        last = last_checkpoint(conn)
        if last is not None:
            if last.tree_size > size:
                held = es.head(conn)[0]
                if held < last.tree_size:
                    raise IntegrityError(
                        f"checkpoint {last.number} signed {last.tree_size} events and the ledger holds {held}: "
                        f"positions {held + 1} to {last.tree_size} are missing; nothing was signed"
                    )
                raise ConflictError("another checkpoint was kept meanwhile; run the command again", "checkpoint")
            if merkletree.root(conn, last.tree_size).hex() != last.root_hash:
                raise IntegrityError(
                    f"the ledger's first {last.tree_size} events no longer hash to the root of checkpoint "
                    f"{last.number}: history was changed; nothing was signed ('tracker verify --checkpoint')"
                )
        return add_checkpoint(conn, size, root, note, led.now())


MAX_TOKEN_FILE = 64 * 1024


def attach_timestamp(led: Ledger, token_path: str | os.PathLike[str], number: int | None = None) -> tuple[int, str]:
    """Attach the RFC 3161 token in `token_path` (a TimeStampResp or a bare token, DER) to kept checkpoint `number`
    (the newest when None), after checking that its message imprint is the hash of that checkpoint's note:
    (the checkpoint's number, the hash algorithm). The TSA's signature is not checked here (`openssl ts -verify`)."""
    from tracker.domain.timestamps import TimestampError, check_imprint

    led._ready()
    token = _read_file(Path(token_path), "timestamp_token", MAX_TOKEN_FILE, "not a time-stamp token")
    with write_transaction(led.engine) as conn:
        kept = read_checkpoints(conn, number) if number is not None else [c for c in [last_checkpoint(conn)] if c]
        if not kept:
            what = f"no checkpoint number {number} is kept" if number is not None else "no checkpoint is kept yet"
            raise NotFound(what, "number")
        cp = kept[0]
        try:
            algorithm = check_imprint(token, cp.note.encode("utf-8"))
        except TimestampError as e:
            raise UserError(
                f"{str(token_path)!r} is refused for checkpoint {cp.number}: {e}", "timestamp_token"
            ) from None
        add_timestamp(conn, cp.number, algorithm, token, led.now())
    return cp.number, algorithm


def stored_timestamps(led: Ledger, checkpoint_number: int | None = None) -> list[StoredTimestamp]:
    """The RFC 3161 tokens attached to kept checkpoints, in the order attached."""
    led._ready()
    with read_transaction(led.engine) as conn:
        return read_timestamps(conn, checkpoint_number)


def stored_checkpoints(led: Ledger, number: int | None = None) -> list[StoredCheckpoint]:
    """Every checkpoint kept, in the order signed (each `.note` the signed note's text, byte for byte as
    published); only the one numbered `number` when given."""
    led._ready()
    with read_transaction(led.engine) as conn:
        return read_checkpoints(conn, number)


def _log_key(signer: Signer) -> None:
    if signer.signature_type != ED25519:
        raise UserError(
            f"{signer.name}'s key is a cosigner's ('keygen --cosigner'): sign the log with its own key", "key"
        )


def read_checkpoint(path: str | os.PathLike[str], field: str = "checkpoint") -> tuple[str, Checkpoint]:
    """A checkpoint file: (the note as written, its checkpoint), the signature not yet checked."""
    note = _read_small(Path(path), field, MAX_NOTE_FILE)
    try:
        return note, checkpoint_of(note)
    except NoteError as e:
        raise UserError(f"{str(path)!r} is not a checkpoint: {e}", field) from None


def forecast_position(led: Ledger, forecast_id: str) -> int:
    with read_transaction(led.engine) as conn:
        position = conn.execute(select(forecasts.c.position).where(forecasts.c.forecast_id == forecast_id)).scalar()
    if position is None:
        raise NotFound(f"no forecast {forecast_id!r} in the ledger", "forecast_id")
    return int(position)


def check_proof_sources(*, key: bool, checkpoint: bool, log_key: bool) -> None:
    """What a proof's checkpoint comes from, in the words of `tracker proof`'s options (which check it before any
    file is read): a key signing a new checkpoint, or an earlier checkpoint with the log's public key, which must
    have signed it."""
    if key == checkpoint:
        raise UserError("give one of --key (sign a new checkpoint) or --checkpoint (an earlier one)", "key")
    if key and log_key:
        raise UserError("--log-key checks a --checkpoint; a checkpoint signed now with --key needs none", "log_key")
    if checkpoint and not log_key:
        # a proof carries the checkpoint as given: one the log did not sign would only fail in its readers' hands
        raise UserError(
            "--checkpoint needs the log's public key, --log-key (what 'tracker keygen' printed), to check it "
            "signed the checkpoint",
            "log_key",
        )


def prove(
    led: Ledger,
    forecast_id: str,
    signer: Signer | None = None,
    checkpoint_note: str | None = None,
    log_key: Verifier | None = None,
) -> str:
    """The tlog-proof of the event that recorded `forecast_id`, against a new checkpoint signed by `signer` (made
    and kept by `checkpoint`, with its checks) or against `checkpoint_note` (an earlier checkpoint of this log,
    which must cover the event, and be signed by `log_key`: see `open_signed`). The path is read from the stored
    tree (O(log n) nodes), and the checkpoint's root must be the stored tree's; the event's row must still fit its
    chain hash."""
    check_proof_sources(key=signer is not None, checkpoint=checkpoint_note is not None, log_key=log_key is not None)
    led._ready()
    position = forecast_position(led, forecast_id)
    if signer is not None:
        checkpoint_note = checkpoint(led, signer)
        log_key = signer.verifier
    assert checkpoint_note is not None and log_key is not None
    cp = open_signed(checkpoint_note, log_key)
    if cp.size < position:
        raise UserError(f"the checkpoint covers {cp.size} events, not position {position}", "checkpoint")
    with read_transaction(led.engine) as conn:
        if cp.size > merkletree.size(conn) or merkletree.root(conn, cp.size) != cp.root:
            raise IntegrityError(
                "the ledger does not hold the log this checkpoint signed ('tracker verify --checkpoint' says more)"
            )
        path = merkletree.inclusion_proof(conn, position - 1, cp.size)
        row = stored_row(conn, position)
    if row is None or es.chain_hash(row) != row["hash"]:
        raise IntegrityError(
            f"the event at position {position} no longer fits its chain hash: nothing was proven ('tracker verify')"
        )
    extra = es.chain_text(row).encode("utf-8")
    data = json.loads(json.loads(extra[64:])["payload"])
    if data.get("forecast_id") != forecast_id or row["event_type"] != ev.FORECAST_RECORDED:
        raise IntegrityError(f"the event at position {position} does not record forecast {forecast_id!r}")
    return TlogProof(position - 1, tuple(path), checkpoint_note, extra).text


def describe_entry(extra: bytes, index: int) -> dict[str, Any]:
    """What the event in a proof says, from the bytes whose SHA-256 is its chain hash."""
    try:
        text = extra.decode("utf-8")
        content = json.loads(text[64:])
        data = json.loads(content["payload"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise ProofError("the proof's event is not a ledger event (previous hash, then canonical JSON)") from None
    if content.get("position") != index + 1:
        raise ProofError(f"the proof's event says it is at position {content.get('position')}, not {index + 1}")
    return {
        "position": index + 1,
        "previous_hash": text[:64],
        "chain_hash": hashlib.sha256(extra).hexdigest(),
        "event_id": content.get("event_id"),
        "event_type": content.get("event_type"),
        "stream_id": content.get("stream_id"),
        "occurred_at": content.get("occurred_at"),
        "recorded_at": content.get("recorded_at"),
        "actor": content.get("actor"),
        "data": data,
    }


def verify_proof(text: str | bytes, key: Verifier, witnesses: tuple[Verifier, ...] = ()) -> dict[str, Any]:
    """Check a proof file offline: the signature of its checkpoint by `key`, the inclusion of its event, and that
    the event is where it says. `IntegrityError` naming what failed; a dict of what was proven otherwise."""
    try:
        proof = parse_tlog_proof(text)
    except NoteError as e:
        raise IntegrityError(f"not verified: the file is not a well-formed proof: {e}") from None
    if proof.extra is None:
        raise IntegrityError("not verified: the proof carries no event (its 'extra' line)")
    try:
        opened = verify_tlog_proof(proof, hashlib.sha256(proof.extra).digest(), key, witnesses)
        entry = describe_entry(proof.extra, proof.index)
    except (NoteError, ProofError) as e:
        raise IntegrityError(f"not verified: {e}") from None
    return verified(opened, key) | {"cosignatures": opened.cosignatures, "event": entry}


def verified(opened: OpenedCheckpoint, key: Verifier) -> dict[str, Any]:
    """What a checkpoint checked against `key` says, as a proof's and a bundle's verification report it: the log,
    its size and root, and the key."""
    cp = opened.checkpoint
    return {"ok": True, "log": cp.origin, "tree_size": cp.size, "root": cp.root.hex(), "key": key.vkey}


def open_signed(note: str, key: Verifier | None, field: str = "checkpoint") -> Checkpoint:
    """The checkpoint `note` when `key` signed it: the one reading of a checkpoint's signed note that the commands
    reading a checkpoint share (`notes.open_checkpoint`: a signature by the key's name and id that verifies over
    the note's text, and the log's name on it the key's). With no `key` (`verify --checkpoint` without --key) the
    note is read the same way, its signatures unchecked. A UserError naming `field` otherwise."""
    try:
        return open_checkpoint(note, key).checkpoint if key is not None else checkpoint_of(note)
    except NoteError as e:
        raise UserError(f"the checkpoint is refused: {e}", field) from None


def verify_checkpoint(led: Ledger, note: str, key: Verifier | None) -> dict[str, Any]:
    """Does the ledger extend the log the checkpoint `note` signed? Its signature is checked when `key` is given.
    The report names the first missing position after a truncation, or the first row that no longer fits the
    chain; a rewrite that re-hashed the chain is named as a range (the checkpoint holds only a root)."""
    led._ready()
    cp = open_signed(note, key)
    with read_transaction(led.engine) as conn:
        made = ledger_tree(conn)
    tree, chain = made.tree, made.chain
    report: dict[str, Any] = {
        "checkpoint_size": cp.size,
        "checkpoint_root": cp.root.hex(),
        "log": cp.origin,
        "signature_checked": key is not None,
        "ledger_size": tree.size,
        "first_bad_position": None,
    }
    if not chain.ok and chain.first_bad_position is not None and chain.first_bad_position <= cp.size:
        problem = f"position {chain.first_bad_position} no longer fits the hash chain: {chain.problem}"
        return {**report, "ok": False, "first_bad_position": chain.first_bad_position, "problem": problem}
    if tree.size < cp.size:
        missing = tree.size + 1
        problem = (
            f"the ledger holds {tree.size} events, the checkpoint signed {cp.size}: "
            f"positions {missing} to {cp.size} are missing"
        )
        return {**report, "ok": False, "first_bad_position": missing, "problem": problem}
    if tree.root(cp.size) != cp.root:
        problem = (
            f"the ledger's first {cp.size} events no longer hash to the signed root: an event at or before position "
            f"{cp.size} was changed, removed, inserted or reordered (and the chain re-hashed after it)"
        )
        return {**report, "ok": False, "problem": problem}
    proof = tree.consistency_proof(cp.size)
    verify_consistency(cp.size, tree.size, cp.root, tree.root(), proof)  # the proof a reader would check
    return {**report, "ok": True, "consistency_proof": [h.hex() for h in proof], "root": tree.root().hex()}


def read_proof_file(path: str | os.PathLike[str], field: str = "file") -> str:
    return _read_small(Path(path), field, MAX_NOTE_FILE)


def cosign(note: str, cosigner: Signer, log_key: Verifier, timestamp: int) -> str:
    """The checkpoint `note` with `cosigner`'s tlog-cosignature added (the log's signature checked first)."""
    try:
        return cosign_checkpoint(note, cosigner, log_key, timestamp)
    except NoteError as e:
        raise UserError(str(e), "checkpoint") from None
