"""Verbal forecasts: a phrase on the scale becomes a probability, with everything kept to redo it."""

from __future__ import annotations

from typing import Any

from tracker.errors import UserError

READINGS = ("affirms", "negates")


def load(scale_version: int | None = None) -> Any:
    from tracker.domain.verbal import ScaleError, load_scale

    try:
        return load_scale(scale_version)
    except (FileNotFoundError, LookupError, ScaleError, ValueError):
        raise UserError(f"no verbal scale version {scale_version}", "scale") from None


def verbal_forecast(
    phrase: str, reading: str, scale_version: int | None = None
) -> tuple[dict[str, float], dict[str, Any]]:
    """(probabilities, derivation) for a phrase read as affirming or negating the question's YES."""
    from tracker.domain.verbal import UnknownPhrase, derive

    if reading not in READINGS:
        raise UserError(f"{reading!r} is not a reading (affirms, negates)", "reading")
    scale = load(scale_version)
    try:
        entry = scale.lookup(phrase)
    except UnknownPhrase as e:
        raise UserError(str(e), "says") from None
    p, low, high = derive(entry, reading)  # type: ignore[arg-type]
    derivation = {
        "method": "verbal",
        "phrase": entry.phrase,
        "scale_version": scale.version,
        "reading": reading,
        "p_low": low,
        "p_high": high,
    }
    return {"yes": p, "no": 1.0 - p}, derivation
