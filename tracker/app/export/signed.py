"""A bundle that proves itself: the newest kept checkpoint its events cover (``checkpoint.txt``), the log's
public key when the exporter gives it (``key.txt``), and the rule that ties the events table to the signed root.

A per-row inclusion proof is about 0.9 kB, a gigabyte at a million rows; a bundle already holds every event with
its chain hash, so the proof of every row is the events table itself: recompute each row's chain hash from its
fields, then the RFC 9162 root over the first ``tree_size`` of them, and compare it with the signed root.
`bundle.verify_bundle` does exactly that, with nothing but the bundle and the key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.domain.notes import NoteError, Verifier, open_checkpoint
from tracker.errors import UserError

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
