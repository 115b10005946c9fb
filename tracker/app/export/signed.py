"""A bundle that proves itself: the newest kept checkpoint its events cover (``checkpoint.txt``), the log's
public key when the exporter gives it (``key.txt``), and the rule that ties the events table to the signed root.

A per-row inclusion proof is about 0.9 kB, a gigabyte at a million rows; a bundle already holds every event with
its chain hash, so the proof of every row is the events table itself: recompute each row's chain hash from its
fields, then the RFC 9162 root over the first ``tree_size`` of them, and compare it with the signed root.
`verify_bundle` does exactly that, with nothing but the bundle and the key."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.domain.merkle import MerkleTree, leaf_hash
from tracker.domain.notes import NoteError, Verifier, open_checkpoint
from tracker.errors import IntegrityError, UserError

if TYPE_CHECKING:
    from tracker.app.ledger import Ledger

CHECKPOINT_FILE = "checkpoint.txt"
KEY_FILE = "key.txt"
LEAF_RULE = (
    "RFC 9162 Merkle tree over the events table in position order, positions 1 to tree_size: leaf = SHA-256(0x00 "
    "|| the 32 bytes of the row's hash), node = SHA-256(0x01 || left || right); each row's hash is SHA-256 of "
    "prev_hash and the row's canonical content (see the events table)"
)


def choose(ledger: Ledger, head_position: int, key: Verifier | None) -> tuple[dict[str, str], dict[str, Any]]:
    """(files to add to the bundle, what _meta.json says of them): the newest kept checkpoint whose tree the
    bundle's events cover. With `key`, the checkpoint must be signed by it (else a UserError naming --key, before
    anything is written); without a kept checkpoint, --key is refused and the meta says how to get one."""
    from tracker.app import proofs

    kept = [c for c in proofs.stored_checkpoints(ledger) if c.tree_size <= head_position]
    if not kept:
        if key is not None:
            raise UserError(
                "the ledger keeps no checkpoint of these events to publish with --key ('tracker checkpoint --key "
                "PRIVATE' signs one)",
                "key",
            )
        return {}, {"checkpoint": None}
    newest = kept[-1]
    files = {CHECKPOINT_FILE: newest.note}
    meta: dict[str, Any] = {
        "file": CHECKPOINT_FILE,
        "number": newest.number,
        "tree_size": newest.tree_size,
        "root_hash": newest.root_hash,
        "key_file": None,
        "leaf_rule": LEAF_RULE,
    }
    if key is not None:
        try:
            open_checkpoint(newest.note, key)
        except NoteError as e:
            raise UserError(f"checkpoint {newest.number} is not signed by this key: {e}", "key") from None
        files[KEY_FILE] = key.vkey + "\n"
        meta["key_file"] = KEY_FILE
    return files, {"checkpoint": meta}


def is_bundle(path: str | os.PathLike[str]) -> bool:
    """A directory or .zip that holds a bundle's _meta.json."""
    from tracker.app.export.base import BUNDLE_META

    p = Path(path)
    if p.is_dir():
        return (p / BUNDLE_META).is_file()
    if p.is_file() and zipfile.is_zipfile(p):
        with zipfile.ZipFile(p) as archive:
            return BUNDLE_META in archive.namelist()
    return False


def _member(path: Path, name: str) -> str:
    if path.is_dir():
        return (path / name).read_text(encoding="utf-8")
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8")


def verify_bundle(path: str | os.PathLike[str], key: Verifier) -> dict[str, Any]:
    """Check a bundle offline: its checkpoint is signed by `key`; its events table chains (each row's hash is
    recomputed from its fields and follows the previous one, positions gap-free from 1); and the Merkle root of the
    first tree_size rows is the signed root. `IntegrityError` ("not verified: ...") naming the first failure."""
    from tracker.app.export.bundle import bundle_meta, read_bundle
    from tracker.store.eventstore import chain_hash

    p = Path(path)
    meta = bundle_meta(p)
    info = meta.get("checkpoint")
    if not info:
        raise IntegrityError("not verified: the bundle carries no checkpoint (it was exported before one was signed)")
    try:
        opened = open_checkpoint(_member(p, str(info["file"])), key)
    except (NoteError, KeyError, OSError) as e:
        raise IntegrityError(f"not verified: the bundle's checkpoint: {e}") from None
    cp = opened.checkpoint
    if meta.get("format") == "xlsx":
        # Excel keeps a time to the millisecond; the chain hashes the microseconds
        raise UserError(
            "an Excel bundle keeps times to the millisecond, so its rows cannot be re-hashed: verify the same "
            "export as csv, parquet or jsonl",
            "file",
        )
    if "events" not in meta.get("tables", {}):
        raise IntegrityError("not verified: the bundle holds no events table")
    events = read_bundle(p)["events"].sort_values("position")
    tree = MerkleTree()
    prev = "0" * 64
    for expected, row in enumerate(events.to_dict("records"), start=1):
        position = int(row["position"])
        if position != expected:
            raise IntegrityError(f"not verified: position {expected} is missing from the events table")
        fields = row | {"position": position}
        fields["stream_version"] = int(row["stream_version"])
        fields["schema_version"] = int(row["schema_version"])
        fields["occurred_at"] = row["occurred_at"].to_pydatetime()
        fields["recorded_at"] = row["recorded_at"].to_pydatetime()
        if row["prev_hash"] != prev or chain_hash(fields) != row["hash"]:
            raise IntegrityError(f"not verified: the events table's row at position {position} is not the one hashed")
        prev = row["hash"]
        if position <= cp.size:
            tree.append(leaf_hash(bytes.fromhex(row["hash"])))
    if tree.size < cp.size:
        raise IntegrityError(f"not verified: the checkpoint signs {cp.size} events, the bundle holds {tree.size}")
    if tree.root(cp.size) != cp.root:
        raise IntegrityError(f"not verified: the first {cp.size} events do not have the signed root")
    return {
        "ok": True,
        "log": cp.origin,
        "tree_size": cp.size,
        "root": cp.root.hex(),
        "key": key.vkey,
        "events": len(events),
        "cosignatures": opened.cosignatures,
    }
