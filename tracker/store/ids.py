"""Event ids: time-ordered UUIDs (version 7, RFC 9562), and name-based ones for imports.

Random (v4) ids scatter inserts across the unique index; time-ordered ids append at its end.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid

# Namespace for deterministic ids derived from catalog ids (uuid5), fixed for ever.
CATALOG_NAMESPACE = uuid.UUID("6f1c1f0e-3c1a-5b7e-9d4e-2a7b8c9d0e1f")


def uuid7() -> str:
    """48 bits of Unix milliseconds, the version and variant bits, and 74 random bits."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = rand >> 68  # 12 bits
    rand_b = rand & ((1 << 62) - 1)  # 62 bits
    value = ((ms & ((1 << 48) - 1)) << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return str(uuid.UUID(int=value))


_NAMESPACE_BYTES = CATALOG_NAMESPACE.bytes


def catalog_event_id(*parts: str) -> str:
    """The same catalog entry always gives the same event id, so importing twice appends nothing.

    `str(uuid.uuid5(CATALOG_NAMESPACE, name))` written out: SHA-1 of the namespace and the name, the version and
    variant bits set, without the UUID object (an import makes several per entry; tests/test_driver.py compares
    them)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + "/".join(parts).encode("utf-8")).digest()[:16])  # noqa: S324
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
