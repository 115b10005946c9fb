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
_sha1 = hashlib.sha1
# The variant's hex digit: the high two bits of the 17th digit set to 10 (RFC 9562), the low two kept.
_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


def catalog_event_id(*parts: str) -> str:
    """The same catalog entry always gives the same event id, so importing twice appends nothing.

    `str(uuid.uuid5(CATALOG_NAMESPACE, name))` written out: SHA-1 of the namespace and the name, its first 32 hex
    digits with the version digit (5) and the variant bits set in the text, without the UUID object or a byte
    array (an import makes one per event; tests/test_driver.py compares them)."""
    h = _sha1(_NAMESPACE_BYTES + "/".join(parts).encode("utf-8")).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"
