"""Proofs on the site's pages: each forecaster, question and source page carries the inclusion proofs of its events
against a signed checkpoint, the site keeps every checkpoint in ``checkpoints/``, and the integrity page carries
the consistency proofs from each of them to the newest. ``verify.js`` (shipped with the site) checks both in the
browser; `page_proofs` reads them back for Python (the checks of `tracker verify-proof`).

Which checkpoint a page is proven against is derived, not remembered: the smallest archived checkpoint that covers
every event the page shows. The archive only grows, so a page whose events did not change keeps its proof, and
its bytes, across builds; a page that gained an event is proven against the first checkpoint that covers it.
Events after the newest checkpoint are listed as not yet signed, and the page changes once a checkpoint covers
them. When the ledger no longer holds the log a checkpoint signed (a truncation, a rewrite), the proofs written are
the ones today's ledger gives, and they do not lead to the signed root: the browser says "not verified".

The checkpoints come from the ledger's stored checkpoints (when the ledger keeps them), from the site's own
``checkpoints/`` folder of the previous build, and from files named with ``tracker site --checkpoint``; each must
be signed by the site's key (``--key``, or the one the previous build published in ``checkpoints/key.txt``).

The page format (JSON in ``<script type="application/json" id="tracker-proof">``, documented in docs/proofs.md):
``{"format": PAGE_FORMAT, "key": VKEY, "checkpoint": NOTE, "entries": [{"index": I, "event": TEXT, "path":
[BASE64...]}], "unsigned": [POSITION...]}``, where TEXT is the text whose SHA-256 is the event's chain hash (the
``extra`` of a c2sp.org/tlog-proof), so each entry with the checkpoint is one tlog-proof.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from tracker.app.proofs import stored_checkpoints
from tracker.domain.merkle import MerkleTree, ProofError, leaf_hash, verify_consistency
from tracker.domain.notes import (
    Checkpoint,
    NoteError,
    TlogProof,
    Verifier,
    b64decode,
    b64encode,
    open_checkpoint,
    parse_vkey,
)
from tracker.errors import UserError
from tracker.store import eventstore as es
from tracker.store.db import read_transaction

if TYPE_CHECKING:
    from tracker.app.ledger import Ledger

PAGE_FORMAT = "forecast-tracker/site-proof@v1"
CONSISTENCY_FORMAT = "forecast-tracker/site-consistency@v1"
FOLDER = "checkpoints"
KEY_FILE = f"{FOLDER}/key.txt"
SCRIPT = "verify.js"
_ARCHIVED = re.compile(re.escape(FOLDER) + r"/([0-9]+)\.txt")


@dataclass(frozen=True)
class Archived:
    note: str
    checkpoint: Checkpoint

    @property
    def size(self) -> int:
        return self.checkpoint.size


@dataclass
class SiteProofs:
    """What a build needs to prove its pages: the key, the archive (by size), the tree of today's ledger, and the
    ledger, from which each page reads the chain texts of its events (the bytes a proof carries) when it is made:
    the whole log's texts held at once would be most of a large build's memory."""

    key: Verifier
    archive: list[Archived]
    tree: MerkleTree
    ledger: Ledger = field(repr=False)
    _sizes: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._sizes = [a.size for a in self.archive]

    # -------------------------------------------------------------------------------------------- pages

    def texts(self, positions: list[int]) -> dict[int, str]:
        """The chain texts of the events at ``positions`` (all in the tree: events are never changed or removed,
        so they are the texts whose hashes the tree was made of, unless the ledger was tampered with, which the
        proofs then show)."""
        with read_transaction(self.ledger.engine) as conn:
            return {int(row["position"]): es.chain_text(row) for row in es.raw_rows_at(conn, positions)}

    def page(self, positions: Iterable[Any]) -> Markup | None:
        """The proof block of a page showing the events at `positions`; None when it shows none."""
        wanted = sorted({int(p) for p in positions if p is not None and 0 < int(p) <= self.tree.size})
        if not wanted:
            return None
        newest = self.archive[-1]
        # the smallest checkpoint covering the page's last event; when none does yet, the newest and the rest
        # listed as unsigned
        at = bisect.bisect_left(self._sizes, wanted[-1])
        chosen = self.archive[at] if at < len(self.archive) else newest
        covered = [p for p in wanted if p <= chosen.size]
        unsigned = [p for p in wanted if p > chosen.size]
        # a ledger shorter than the checkpoint cannot give its proofs: today's tree gives proofs that fail
        size = min(chosen.size, self.tree.size)
        texts = self.texts([p for p in covered if p <= size])
        entries = [
            {
                "index": p - 1,
                "event": texts[p],
                "path": [b64encode(h) for h in self.tree.inclusion_proof(p - 1, size)],
            }
            for p in covered
            if p in texts
        ]
        body = {
            "format": PAGE_FORMAT,
            "key": self.key.vkey,
            "checkpoint": chosen.note,
            "entries": entries,
            "unsigned": unsigned,
        }
        return _json_block("tracker-proof", body)

    # -------------------------------------------------------------------------------------------- integrity

    def consistency(self) -> dict[str, Any]:
        """The integrity page's part: every archived checkpoint with its consistency proof to the newest, checked
        here too (the page says what the build found; the browser checks again)."""
        newest = self.archive[-1]
        rows: list[dict[str, Any]] = []
        problems: list[str] = []
        for a in self.archive:
            proof: list[bytes] = []
            problem = None
            if newest.size > self.tree.size:
                problem = f"the ledger holds {self.tree.size} events, the newest checkpoint signed {newest.size}"
            else:
                try:
                    if self.tree.root(a.size) != a.checkpoint.root:
                        raise ProofError(f"the ledger's first {a.size} events no longer hash to the signed root")
                    proof = self.tree.consistency_proof(a.size, newest.size)
                    verify_consistency(a.size, newest.size, a.checkpoint.root, newest.checkpoint.root, proof)
                except ProofError as e:
                    problem = str(e)
            if problem:
                problems.append(f"checkpoint {a.size}: {problem}")
            rows.append(
                {
                    "size": a.size,
                    "root": b64encode(a.checkpoint.root),
                    "href": f"{FOLDER}/{a.size}.txt",
                    "proof": [b64encode(h) for h in proof],
                    "problem": problem,
                }
            )
        # and the log the pages were built from (its root unsigned) must extend the newest checkpoint
        head_proof: list[bytes] = []
        if self.tree.size >= newest.size and self.tree.root(newest.size) == newest.checkpoint.root:
            head_proof = self.tree.consistency_proof(newest.size, self.tree.size)
        body = {
            "format": CONSISTENCY_FORMAT,
            "key": self.key.vkey,
            "newest": newest.note,
            "checkpoints": [{"note": a.note, "proof": r["proof"]} for a, r in zip(self.archive, rows, strict=True)],
            "head": {
                "size": self.tree.size,
                "root": b64encode(self.tree.root()),
                "proof": [b64encode(h) for h in head_proof],
            },
        }
        return {
            "key": self.key.vkey,
            "key_id": f"{self.key.key_id:08x}",
            "log": self.key.name,
            "newest": newest.size,
            "ledger_size": self.tree.size,
            "rows": rows,
            "problems": problems,
            "block": _json_block("tracker-consistency", body),
        }

    def files(self) -> dict[str, bytes]:
        """The site's files of the proofs: every archived checkpoint, the public key, the verifier script."""
        out = {f"{FOLDER}/{a.size}.txt": a.note.encode("utf-8") for a in self.archive}
        out[KEY_FILE] = (self.key.vkey + "\n").encode("ascii")
        out[SCRIPT] = script()
        return out


def script() -> bytes:
    return files("tracker").joinpath("templates", SCRIPT).read_bytes()


def _json_block(element_id: str, body: dict[str, Any]) -> Markup:
    # ASCII only and "</" escaped: the text cannot end the script element, and its bytes do not depend on an encoding
    text = json.dumps(body, ensure_ascii=True, separators=(",", ":")).replace("</", "<\\/")
    return Markup(f'<script type="application/json" id="{element_id}">{text}</script>')


# ------------------------------------------------------------------------------------------------ reading back


def page_proofs(html: str) -> dict[str, Any] | None:
    """The proof block of a page's HTML as written (None without one)."""
    m = re.search(r'<script type="application/json" id="tracker-proof">(.*?)</script>', html, re.S)
    return json.loads(m.group(1)) if m else None


def entry_proof(block: dict[str, Any], entry: dict[str, Any]) -> str:
    """One entry of a page's proof as the c2sp.org/tlog-proof file `tracker verify-proof` checks."""
    path = tuple(b64decode(h, "a path hash") for h in entry["path"])
    return TlogProof(int(entry["index"]), path, str(block["checkpoint"]), str(entry["event"]).encode("utf-8")).text


# ------------------------------------------------------------------------------------------------ preparing


def _verify_note(note: str, key: Verifier, where: str) -> Archived:
    try:
        opened = open_checkpoint(note, key)
    except NoteError as e:
        raise UserError(f"{where}: the checkpoint is refused: {e}", "checkpoint") from None
    return Archived(note, opened.checkpoint)


def _site_files(out: Path, owned: dict[str, str]) -> tuple[str | None, list[tuple[str, str]]]:
    """The previous build's key and checkpoints, from the files the site owns (their hashes checked by the
    survey)."""
    key = None
    notes: list[tuple[str, str]] = []
    for rel in sorted(owned):
        if rel == KEY_FILE:
            key = _text(out / rel, "key").strip()
        elif _ARCHIVED.fullmatch(rel):
            notes.append((str(out / rel), _text(out / rel, "checkpoint")))
    return key, notes


def _text(path: Path, field: str) -> str:
    """A file of the folder's as text: one edited by hand (its hash recorded again with it) may be anything."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: cannot be read as text: {e}", field) from None


def prepare(
    ledger: Ledger,
    out: Path,
    owned: dict[str, str],
    key: Verifier | None,
    notes: Iterable[tuple[str, str]] = (),
) -> SiteProofs | None:
    """The proofs of a build, or None when there is no checkpoint (the site builds without proofs). `notes`:
    (where it came from, checkpoint note) given by the user. Every checkpoint must be signed by the key."""
    site_key, site_notes = _site_files(out, owned)
    if key is None and site_key is not None:
        try:
            key = parse_vkey(site_key)
        except NoteError as e:
            raise UserError(f"{out / KEY_FILE}: {e}; give the log's public key with --key", "key") from None
    elif key is not None and site_key is not None and site_key != key.vkey:
        raise UserError(
            f"the site's checkpoints were signed by {'+'.join(site_key.split('+')[:2])}, not by "
            f"{key.name}+{key.key_id:08x}: build into another folder to publish a new key",
            "key",
        )
    given = list(notes)
    stored = [c.note for c in stored_checkpoints(ledger)] if key is not None else []
    if not (given or site_notes or stored):
        return None
    if key is None:  # (stored checkpoints without a key: the site builds without proofs, as before)
        raise UserError("checkpoints were given but no public key: add --key PUBLIC_KEY (tracker keygen)", "key")
    by_size: dict[int, Archived] = {}
    sources = [("the ledger's checkpoints", n) for n in stored] + site_notes + given
    for where, note in sources:
        a = _verify_note(note, key, where)
        held = by_size.get(a.size)
        if held is None:
            by_size[a.size] = a
        elif held.checkpoint.root != a.checkpoint.root:
            raise UserError(
                f"{where}: two checkpoints of {a.size} events have different roots: the log forked", "checkpoint"
            )
    archive = [by_size[s] for s in sorted(by_size)]
    return SiteProofs(key, archive, _read_tree(ledger), ledger)


def _read_tree(ledger: Ledger) -> MerkleTree:
    """One pass over the stored events' positions and hashes: the tree over their stored chain hashes."""
    tree = MerkleTree()
    leaves: list[bytes] = []
    with read_transaction(ledger.engine) as conn:
        for pos, hash_ in es.positions_and_hashes(conn):
            if pos != tree.size + len(leaves) + 1:
                break  # a gap: the tree stops there (verification says so); later events get no proof
            leaves.append(leaf_hash(bytes.fromhex(hash_)))
            if len(leaves) >= 4096:
                tree.extend(leaves)
                leaves.clear()
    tree.extend(leaves)
    return tree
