"""Signed notes, Ed25519 note keys, checkpoints and proof files: the C2SP text formats, pure.

- c2sp.org/signed-note: a text ending in a newline, a blank line, then lines "— NAME BASE64(key id ‖ sig)".
  The key id is the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ Ed25519 public key); a verifier key
  ("vkey") is "NAME+HEX(key id)+BASE64(0x01 ‖ public key)". The private key is kept in the text form of
  golang.org/x/mod/sumdb/note ("PRIVATE+KEY+NAME+HEX(key id)+BASE64(0x01 ‖ seed)"), so keys made here work
  with the Go tools and the other way round.
- c2sp.org/tlog-checkpoint: the note text is the origin, the tree size, the base64 root, then optional
  extension lines.
- c2sp.org/tlog-proof: "c2sp.org/tlog-proof@v1", an optional "extra BASE64" line, "index N", the inclusion
  path one base64 hash a line, a blank line, and the checkpoint verbatim.

Parsing is strict: a note that is not exactly in the format is refused (`NoteError`), base64 must be
canonical (one text per byte string, so no two texts carry the same signature), and a signature by the key
asked for must verify. Only `cryptography`'s Ed25519 is used for the arithmetic; no I/O here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from tracker.domain.merkle import HASH_SIZE, ProofError, leaf_hash, verify_inclusion

ED25519 = 0x01  # the signed-note signature type of Ed25519
COSIGNATURE = 0x04  # c2sp.org/tlog-cosignature: timestamped Ed25519 cosignatures ("cosignature/v1")
KEY_TYPES = {ED25519: "Ed25519", COSIGNATURE: "Ed25519 cosignature"}
MAX_TIMESTAMP = 2**63 - 1
MAX_SIGNATURES = 100  # the spec asks verifiers to accept at least 16; golang.org/x/mod/sumdb/note stops at 100
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
PROOF_HEADER = "c2sp.org/tlog-proof@v1"
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_HEX8 = re.compile(r"[0-9a-f]{8}")


class NoteError(ValueError):
    """A note, key, checkpoint or proof that is not well formed, or whose signature does not verify."""


def b64decode(text: str, what: str) -> bytes:
    """Standard base64 (RFC 4648 §4), refused unless it is the one canonical text of its bytes."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise NoteError(f"{what} is not base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical base64")
    return raw


def b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def valid_key_name(name: str) -> bool:
    """Non-empty, no Unicode space, no '+' (signed-note), and no control character (a note holds none)."""
    return (
        bool(name)
        and "+" not in name
        and not any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Zs", "Zl", "Zp") for ch in name)
    )


def _check_name(name: str) -> None:
    if not valid_key_name(name):
        raise NoteError(f"{name!r} is not a key name: it must be non-empty, without spaces or '+'")


def key_id(name: str, public_key: bytes, signature_type: int = ED25519) -> int:
    """SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], big-endian (signed-note, "Ed25519 signatures")."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([signature_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class Verifier:
    """A public Ed25519 note key: a log's (type 0x01) or a cosigner's (type 0x04, tlog-cosignature)."""

    name: str
    key_id: int
    public_key: bytes
    signature_type: int = ED25519

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{b64encode(bytes([self.signature_type]) + self.public_key)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """A type 0x04 signature is the 8-byte big-endian timestamp, then the Ed25519 signature of
        "cosignature/v1\ntime T\n" followed by the note text."""
        if self.signature_type == COSIGNATURE:
            if len(signature) != 8 + 64:
                return False
            timestamp = int.from_bytes(signature[:8], "big")
            if timestamp > MAX_TIMESTAMP:
                return False
            message, signature = cosigned_message(message, timestamp), signature[8:]
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True)
class Signer:
    """A private Ed25519 note key (its 32-byte seed) and the public half."""

    name: str
    key_id: int
    seed: bytes = field(repr=False)
    signature_type: int = ED25519

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key_id, _public_of(self.seed), self.signature_type)

    @property
    def skey(self) -> str:
        key = b64encode(bytes([self.signature_type]) + self.seed)
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{key}"

    def sign(self, message: bytes, timestamp: int | None = None) -> bytes:
        """The signature bytes of a note line (after the key id); a cosigner signs at `timestamp`."""
        key = Ed25519PrivateKey.from_private_bytes(self.seed)
        if self.signature_type != COSIGNATURE:
            return key.sign(message)
        if timestamp is None or not 0 <= timestamp <= MAX_TIMESTAMP:
            raise NoteError("a cosignature needs a timestamp (seconds since 1970, below 2**63)")
        return timestamp.to_bytes(8, "big") + key.sign(cosigned_message(message, timestamp))


def _public_of(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def generate_signer(name: str, signature_type: int = ED25519) -> Signer:
    """A new key pair named `name` (a log's origin, e.g. "news.example/forecasts", or a cosigner's name)."""
    _check_name(name)
    seed = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return signer_from_seed(name, seed, signature_type)


def signer_from_seed(name: str, seed: bytes, signature_type: int = ED25519) -> Signer:
    _check_name(name)
    if len(seed) != 32:
        raise NoteError(f"an Ed25519 seed is 32 bytes, not {len(seed)}")
    if signature_type not in KEY_TYPES:
        raise NoteError(f"signature type {signature_type:#04x} is not one this tracker signs with")
    return Signer(name, key_id(name, _public_of(seed), signature_type), seed, signature_type)


def _split_key(text: str, parts: int, what: str) -> list[str]:
    pieces = text.split("+", parts - 1)  # the base64 key may hold "+": only the fields before it split
    if len(pieces) != parts:
        raise NoteError(f"{what} is not in the form {'PRIVATE+KEY+' if parts == 5 else ''}NAME+KEYID+KEY")
    return pieces


def _typed_key(name: str, hex_id: str, key64: str, what: str) -> tuple[int, bytes, int]:
    _check_name(name)
    if not _HEX8.fullmatch(hex_id):
        raise NoteError(f"{what}: the key id {hex_id!r} is not 8 lowercase hexadecimal digits")
    raw = b64decode(key64, f"{what}: the key")
    if len(raw) != 33 or raw[0] not in KEY_TYPES:
        raise NoteError(f"{what}: the key is not an Ed25519 key (type 0x01 or 0x04, and 32 bytes)")
    return int(hex_id, 16), raw[1:], raw[0]


def parse_vkey(text: str) -> Verifier:
    """A verifier key "NAME+KEYID+BASE64(type ‖ public key)", its key id checked."""
    name, hex_id, key64 = _split_key(text.strip(), 3, "the public key")
    kid, public, kind = _typed_key(name, hex_id, key64, "the public key")
    if key_id(name, public, kind) != kid:
        raise NoteError(f"the public key's id {hex_id} does not match its name and key")
    return Verifier(name, kid, public, kind)


def parse_skey(text: str) -> Signer:
    """A private key "PRIVATE+KEY+NAME+KEYID+BASE64(type ‖ seed)", its key id checked against the public half."""
    private, key_word, name, hex_id, key64 = _split_key(text.strip(), 5, "the private key")
    if (private, key_word) != ("PRIVATE", "KEY"):
        raise NoteError("the private key does not start with PRIVATE+KEY+")
    kid, seed, kind = _typed_key(name, hex_id, key64, "the private key")
    signer = signer_from_seed(name, seed, kind)
    if signer.key_id != kid:
        raise NoteError(f"the private key's id {hex_id} does not match its name and key")
    return signer


# ------------------------------------------------------------------------------------------- notes


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: int
    signature: bytes  # without the 4-byte key id

    @property
    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {b64encode(self.key_id.to_bytes(4, 'big') + self.signature)}\n"


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signature by the key asked for verified; the other signatures, verified or not."""

    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]


def _check_text(text: str, what: str) -> None:
    for ch in text:
        if ord(ch) < 0x20 and ch != "\n":
            raise NoteError(f"{what} holds a control character (U+{ord(ch):04X})")
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise NoteError(f"{what} is not valid UTF-8")


def sign_note(text: str, *signers: Signer, timestamp: int | None = None) -> str:
    """The note `text` (ending in a newline) signed by each signer, in order (cosigners at `timestamp`)."""
    _check_text(text, "the note text")
    if not text.endswith("\n"):
        raise NoteError("a note text must end with a newline")
    message = text.encode("utf-8")
    lines = [NoteSignature(s.name, s.key_id, s.sign(message, timestamp)).line for s in signers]
    return text + "\n" + "".join(lines)


def split_note(note: str | bytes) -> tuple[str, list[NoteSignature]]:
    """The text and the signature lines of a note, refused unless well formed (signed-note, "Format")."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("the note is not valid UTF-8") from None
    _check_text(note, "the note")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("the note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise NoteError("the note's signature block is empty or does not end with a newline")
    signatures: list[NoteSignature] = []
    for line in block[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"the note's signature line {line[:40]!r} does not start with '— '")
        name, sep, sig64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
        if not sep or not valid_key_name(name):
            raise NoteError(f"the note's signature line {line[:40]!r} does not name a key")
        raw = b64decode(sig64, f"the signature of {name}")
        if len(raw) < 5:
            raise NoteError(f"the signature of {name} is too short")
        signatures.append(NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:]))
        if len(signatures) > MAX_SIGNATURES:
            raise NoteError(f"the note has more than {MAX_SIGNATURES} signatures")
    return text, signatures


def open_note(note: str | bytes, key: Verifier, others: tuple[Verifier, ...] = ()) -> OpenedNote:
    """The note's text when `key` signed it. A signature by `key` or by one of `others` (witnesses) that does not
    verify rejects the note; signatures by unknown keys are kept as unverified, as the spec asks."""
    text, signatures = split_note(note)
    message = text.encode("utf-8")
    known = {(v.name, v.key_id): v for v in (key, *others)}
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    for sig in signatures:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            if sig not in unverified:
                unverified.append(sig)
            continue
        if not v.verify(message, sig.signature):
            raise NoteError(f"the signature of {sig.name}+{sig.key_id:08x} does not verify: the note was changed")
        if sig not in verified:
            verified.append(sig)
    if not any(s.name == key.name and s.key_id == key.key_id for s in verified):
        raise NoteError(f"the note carries no signature by {key.name}+{key.key_id:08x}")
    return OpenedNote(text, tuple(verified), tuple(unverified))


# ------------------------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        lines = [self.origin, str(self.size), b64encode(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint_text(text: str) -> Checkpoint:
    """The body of a tlog-checkpoint note (c2sp.org/tlog-checkpoint, "Note text")."""
    if not text.endswith("\n"):
        raise NoteError("a checkpoint's text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint has an origin, a tree size and a root hash, one a line")
    origin, size, root64, *extensions = lines
    if not origin:
        raise NoteError("the checkpoint's origin line is empty")
    if not _DECIMAL.fullmatch(size):
        raise NoteError(f"the checkpoint's tree size {size[:30]!r} is not a decimal without leading zeros")
    root = b64decode(root64, "the checkpoint's root hash")
    if len(root) != HASH_SIZE:
        raise NoteError(f"the checkpoint's root hash is {len(root)} bytes, not {HASH_SIZE}")
    if any(not line for line in extensions):
        raise NoteError("a checkpoint's extension lines must not be empty")
    return Checkpoint(origin, int(size), root, tuple(extensions))


def checkpoint_of(note: str | bytes) -> Checkpoint:
    """The checkpoint a well-formed checkpoint note holds, its signatures not checked (`open_checkpoint` checks
    them, and reads the note the same way)."""
    return parse_checkpoint_text(split_note(note)[0])


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    if signer.signature_type != ED25519:
        raise NoteError(f"{signer.name} is a cosigner's key: a log signs with a plain Ed25519 note key")
    if checkpoint.origin != signer.name:
        raise NoteError(f"the key is named {signer.name!r}, the log {checkpoint.origin!r}: they must be the same")
    return sign_note(checkpoint.text, signer)


@dataclass(frozen=True)
class OpenedCheckpoint:
    checkpoint: Checkpoint
    note: OpenedNote

    @property
    def cosignatures(self) -> int:
        """Verified signatures other than the log's own."""
        return len(self.note.verified) - 1


def open_checkpoint(note: str | bytes, key: Verifier, witnesses: tuple[Verifier, ...] = ()) -> OpenedCheckpoint:
    """A checkpoint signed by `key`, whose origin is the key's name (the log this key speaks for); the
    cosignatures of `witnesses` on it are verified and counted."""
    if key.signature_type != ED25519:
        raise NoteError(f"{key.name}+{key.key_id:08x} is a cosigner's key, not a log's")
    opened = open_note(note, key, witnesses)
    checkpoint = parse_checkpoint_text(opened.text)
    if checkpoint.origin != key.name:
        raise NoteError(f"the checkpoint is for the log {checkpoint.origin!r}, the key for {key.name!r}")
    return OpenedCheckpoint(checkpoint, opened)


def cosign_checkpoint(note: str, cosigner: Signer, log_key: Verifier, timestamp: int) -> str:
    """`note` with a c2sp.org/tlog-cosignature v1 line of `cosigner` added, at `timestamp` (POSIX seconds). The
    log's signature is checked first. What a cosignature asserts (that this is the largest tree the cosigner
    has seen, consistent with every earlier one) is the cosigner's to check before calling this."""
    if cosigner.signature_type != COSIGNATURE:
        raise NoteError(f"{cosigner.name}'s key is not a cosigner's (type 0x04): make one with keygen --cosigner")
    opened = open_checkpoint(note, log_key)
    if any(s.name == cosigner.name and s.key_id == cosigner.key_id for s in split_note(note)[1]):
        raise NoteError(f"{cosigner.name} already cosigned this checkpoint")
    line = NoteSignature(cosigner.name, cosigner.key_id, cosigner.sign(opened.note.text.encode(), timestamp)).line
    return note + line


# ------------------------------------------------------------------------------------------- proof files


@dataclass(frozen=True)
class TlogProof:
    """A c2sp.org/tlog-proof@v1 file: the entry's index, its inclusion path, the signed checkpoint, and
    optional unauthenticated extra data (here: the bytes the leaf is the SHA-256 of)."""

    index: int
    path: tuple[bytes, ...]
    checkpoint_note: str
    extra: bytes | None = None

    @property
    def text(self) -> str:
        lines = [PROOF_HEADER]
        if self.extra is not None:
            lines.append(f"extra {b64encode(self.extra)}")
        lines.append(f"index {self.index}")
        lines.extend(b64encode(h) for h in self.path)
        return "\n".join(lines) + "\n\n" + self.checkpoint_note


def parse_tlog_proof(text: str | bytes) -> TlogProof:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("the proof is not valid UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise NoteError("the proof has no blank line before its checkpoint")
    lines = head.split("\n")
    if lines[0] != PROOF_HEADER:
        raise NoteError(f"the proof does not start with {PROOF_HEADER!r}")
    rest = lines[1:]
    extra = None
    if rest and rest[0].startswith("extra "):
        extra = b64decode(rest[0][len("extra ") :], "the proof's extra data")
        rest = rest[1:]
    if not rest or not rest[0].startswith("index "):
        raise NoteError("the proof has no 'index N' line")
    index = rest[0][len("index ") :]
    if not _DECIMAL.fullmatch(index):
        raise NoteError(f"the proof's index {index[:30]!r} is not a decimal without leading zeros")
    path = []
    for i, line in enumerate(rest[1:], start=1):
        h = b64decode(line, f"the proof's hash line {i}")
        if len(h) != HASH_SIZE:
            raise NoteError(f"the proof's hash line {i} is {len(h)} bytes, not {HASH_SIZE}")
        path.append(h)
    split_note(note)  # the checkpoint must at least be a well-formed note; its signature is checked on use
    return TlogProof(int(index), tuple(path), note, extra)


def verify_tlog_proof(
    proof: TlogProof, leaf: bytes, key: Verifier, witnesses: tuple[Verifier, ...] = ()
) -> OpenedCheckpoint:
    """The checkpoint of `proof` when `key` signed it and its inclusion path leads from `leaf` (the entry, before
    leaf hashing) at `proof.index` to the signed root; `NoteError` or `ProofError` otherwise (c2sp.org/tlog-proof,
    "Verifying a tlog proof", steps 2 to 4)."""
    opened = open_checkpoint(proof.checkpoint_note, key, witnesses)
    size = opened.checkpoint.size
    if proof.index >= size:
        raise ProofError(f"the proof's index {proof.index} is not in the signed tree of {size} entries")
    verify_inclusion(proof.index, size, leaf_hash(leaf), proof.path, opened.checkpoint.root)
    return opened
