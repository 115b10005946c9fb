"""Verbal forecasts: a phrase on the scale becomes a probability, with everything kept to redo it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tracker.errors import UserError

READINGS = ("affirms", "negates")


SCALE_DIR_ENV = "TRACKER_SCALE_DIR"


def load(scale_version: int | None = None) -> Any:
    """A scale version from the package, or from $TRACKER_SCALE_DIR (verbal-<N>.yaml files a team
    publishes itself); with no version, the latest found in either place."""
    from tracker.domain.verbal import ScaleError, available_versions, load_scale

    extra = os.environ.get(SCALE_DIR_ENV)
    try:
        if extra:
            own = available_versions(Path(extra))
            packaged = available_versions()
            wanted = scale_version if scale_version is not None else max([*own, *packaged])
            if wanted in own:
                return load_scale(wanted, Path(extra))
        return load_scale(scale_version)
    except (FileNotFoundError, LookupError, ScaleError, ValueError) as e:
        raise UserError(f"no usable verbal scale version {scale_version}: {e}", "scale") from None


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
