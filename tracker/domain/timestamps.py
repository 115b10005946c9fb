"""RFC 3161 time-stamp tokens: the message imprint a token carries, read without a cryptography library.

A time-stamping authority (TSA) answers a request carrying a hash with a signed token (RFC 3161 §2.4.2: a
TimeStampResp whose token is a CMS SignedData wrapping a TSTInfo). Its TSTInfo holds the MessageImprint that was
asked for: the hash algorithm and the hash. This module walks the DER to that MessageImprint, so the tracker can
check that a token someone attaches to a checkpoint is a token over that checkpoint's bytes. It does not check
the TSA's signature or its certificate chain: that is `openssl ts -verify` with the TSA's certificates
(docs/proofs.md). Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import suppress

# OIDs of the hash algorithms accepted (DER content bytes of the OBJECT IDENTIFIER) and their hashlib names.
HASHES = {
    bytes.fromhex("608648016503040201"): "sha256",
    bytes.fromhex("608648016503040202"): "sha384",
    bytes.fromhex("608648016503040203"): "sha512",
}
MAX_TOKEN = 64 * 1024  # a TSA's reply with its certificates is a few kB
_SEQUENCE, _OID, _OCTETS, _NULL = 0x30, 0x06, 0x04, 0x05


class TimestampError(ValueError):
    """Not an RFC 3161 token, or not one over the data it is attached to."""


def _items(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(tag, content start, content end) of each DER item in data[start:end]; TimestampError when malformed."""
    i = start
    while i < end:
        if i + 2 > end:
            raise TimestampError("truncated DER")
        tag = data[i]
        if tag & 0x1F == 0x1F:
            raise TimestampError("a DER tag of more than one byte")
        length = data[i + 1]
        i += 2
        if length & 0x80:
            count = length & 0x7F
            if count == 0 or count > 4 or i + count > end:
                raise TimestampError("a DER length that is indefinite or too long")
            length = int.from_bytes(data[i : i + count], "big")
            i += count
        if i + length > end:
            raise TimestampError("a DER item longer than what holds it")
        yield tag, i, i + length
        i += length


def message_imprints(token: bytes) -> list[tuple[str, bytes]]:
    """Every MessageImprint (hash name, hash) found in the token, depth first: a SEQUENCE of an algorithm
    identifier (an OID of an accepted hash, with or without NULL parameters) and an OCTET STRING of that hash's
    size. The TSTInfo is inside an OCTET STRING (the SignedData's content), which is looked into as DER too."""
    if len(token) > MAX_TOKEN:
        raise TimestampError(f"larger than {MAX_TOKEN} bytes: not a time-stamp token")
    found: list[tuple[str, bytes]] = []

    def walk(start: int, end: int, depth: int) -> None:
        if depth > 32:
            raise TimestampError("DER nested too deeply")
        for tag, s, e in _items(token, start, end):
            if tag == _SEQUENCE:
                imprint = _imprint(s, e)
                if imprint is not None:
                    found.append(imprint)
                    continue
            if tag & 0x20:  # constructed: SEQUENCE, SET, [n] explicit
                walk(s, e, depth + 1)
            elif tag == _OCTETS:
                with suppress(TimestampError):  # an OCTET STRING that is not DER (a signature, a key id)
                    walk(s, e, depth + 1)

    def _imprint(s: int, e: int) -> tuple[str, bytes] | None:
        try:
            parts = list(_items(token, s, e))
            if len(parts) != 2 or parts[0][0] != _SEQUENCE or parts[1][0] != _OCTETS:
                return None
            alg = list(_items(token, parts[0][1], parts[0][2]))
        except TimestampError:
            return None
        if not alg or alg[0][0] != _OID or len(alg) > 2 or (len(alg) == 2 and alg[1][0] != _NULL):
            return None
        name = HASHES.get(token[alg[0][1] : alg[0][2]])
        digest = token[parts[1][1] : parts[1][2]]
        if name is None or len(digest) != hashlib.new(name).digest_size:
            return None
        return name, digest

    walk(0, len(token), 0)
    return found


def check_imprint(token: bytes, data: bytes) -> str:
    """The hash name when the token's message imprint is the hash of `data`; TimestampError otherwise."""
    imprints = message_imprints(token)
    if not imprints:
        raise TimestampError("no message imprint (SHA-256, -384 or -512) found: not an RFC 3161 time-stamp token")
    for name, digest in imprints:
        if hashlib.new(name, data).digest() == digest:
            return name
    name, digest = imprints[0]
    raise TimestampError(
        f"the token stamps {name} {digest.hex()[:16]}…, not this checkpoint's {name} "
        f"{hashlib.new(name, data).hexdigest()[:16]}…: it was made for other data"
    )
