"""Readable ids from names and titles. One function, so that a forecaster typed on the command line
and the same forecaster in the catalog get the same id."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG = 120  # the longest id decide() accepts


def slug(text: str) -> str:
    """``"Andrei Tikhonov"`` -> ``"andrei-tikhonov"``: accents dropped, any other run a hyphen; "" if
    nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:MAX_SLUG].strip("-")
