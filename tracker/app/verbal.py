"""Verbal forecasts: a phrase on the scale becomes a probability, with everything kept to redo it."""

from __future__ import annotations

from typing import Any

from tracker.errors import UserError

READINGS = ("affirms", "negates")


def verbal_forecast(
    phrase: str, reading: str, scale_version: int | None = None
) -> tuple[dict[str, float], dict[str, Any]]:
    """(probabilities, derivation) for a phrase read as affirming or negating the question's YES."""
    from tracker.domain.verbal import UnknownPhrase, load_scale

    if reading not in READINGS:
        raise UserError(f"{reading!r} is not a reading (affirms, negates)", "reading")
    try:
        scale = load_scale(scale_version)
    except (FileNotFoundError, LookupError, ValueError):
        raise UserError(f"no verbal scale version {scale_version}", "scale") from None
    try:
        entry = scale.lookup(phrase)
    except UnknownPhrase as e:
        raise UserError(str(e), "says") from None
    p, low, high = entry.derive(reading) if hasattr(entry, "derive") else _derive(entry.p, entry.interval, reading)
    derivation = {
        "method": "verbal",
        "phrase": entry.phrase,
        "said": phrase,
        "scale_version": scale.version,
        "reading": reading,
        "p_low": low,
        "p_high": high,
    }
    return {"yes": p, "no": 1.0 - p}, derivation


def _derive(p: float, interval: tuple[float, float], reading: str) -> tuple[float, float, float]:
    low, high = interval
    if reading == "affirms":
        return p, low, high
    return 1.0 - p, 1.0 - high, 1.0 - low
