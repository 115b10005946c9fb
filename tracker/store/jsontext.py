"""JSON text writers made once: the canonical form stored and hashed, and the readable form of the projections.

Why not `json.dumps` or `JSONEncoder.encode`: each call builds a new encoder (json.dumps with options builds
a JSONEncoder, and `JSONEncoder.encode` builds a C encoder object for every value), which cost more than the
encoding itself for the small dicts of events (profiled). The encoder here is the same C encoder, built once
with the same arguments `JSONEncoder.iterencode` passes it, so the text is identical
(tests/test_driver.py compares them); without the C accelerator, JSONEncoder is used as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

# The C encoder behind JSONEncoder (not in the typing stubs; absent on interpreters without the accelerator).
c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)


def _writer(item_separator: str, key_separator: str, allow_nan: bool) -> Callable[[Any], str]:
    encoder = json.JSONEncoder(
        sort_keys=True, separators=(item_separator, key_separator), ensure_ascii=False, allow_nan=allow_nan
    )
    if c_make_encoder is None:  # pragma: no cover - CPython ships the accelerator
        return encoder.encode
    # markers=None: no check for circular references. Event data and projection values are built from
    # JSON and plain dicts, which cannot be circular; a shared markers dict would not be thread-safe.
    make = c_make_encoder(
        None, encoder.default, encode_basestring, None, key_separator, item_separator, True, False, allow_nan
    )

    def write(value: Any) -> str:
        return "".join(make(value, 0))

    return write


# The one serialisation that is stored and hashed: sorted keys, no spaces, UTF-8, no NaN.
canonical_json = _writer(",", ":", allow_nan=False)

# Projection columns holding JSON (options, tags, probabilities): sorted keys, json.dumps' default spacing.
readable_json = _writer(", ", ": ", allow_nan=True)


def iso_utc(dt: datetime) -> str:
    """The UTC time as hashed: 2026-01-02T03:04:05.000006Z."""
    if dt.tzinfo is not UTC:
        dt = dt.astimezone(UTC)
    if dt.year < 1000:  # strftime's %Y does not pad years below 1000; isoformat does: keep the old text
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return dt.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
