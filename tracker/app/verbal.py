"""Verbal forecasts: a phrase on the scale becomes a probability, with everything kept to redo it."""

from __future__ import annotations

import os
from collections.abc import Iterator
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


def readers(name: str = "capphrase", ours: Any = None) -> Any:
    """How readers (or an official yardstick) read the scale's phrases: ``tracker.scoring.rescale``'s packaged
    scale ``name``, with its number and spread per phrase of ``ours`` (a scale from ``load``; default the latest
    packaged one), and its source, licence and address."""
    from tracker.scoring.rescale import load as load_reading

    return load_reading(name, ours)


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
        "scale_digest": scale.digest,
        "reading": reading,
        "p_low": low,
        "p_high": high,
    }
    return {"yes": p, "no": 1.0 - p}, derivation


def recorded_digests(conn: Any) -> Iterator[tuple[int, str, Any, Any, dict[str, Any]]]:
    """(position, forecast id, scale version, scale digest or None, payload) of every verbal forecast and rescaling
    in the log, oldest first."""
    from tracker.domain import events as ev
    from tracker.store import eventstore as es

    for e in es.read(conn, types=(ev.FORECAST_RECORDED, ev.FORECAST_RESCALED)):
        data = e.data
        deriv = data.get("derivation") or {} if e.event_type == ev.FORECAST_RECORDED else data
        if e.event_type == ev.FORECAST_RECORDED and deriv.get("method") != "verbal":
            continue
        yield e.position, str(data.get("forecast_id")), deriv.get("scale_version"), deriv.get("scale_digest"), data


def refuse_unknown_content(conn: Any, version: int, digest: str) -> None:
    """A scale version the ledger already holds forecasts under must be the same content (published versions are
    checked by the domain itself)."""
    for position, forecast_id, v, d, _ in recorded_digests(conn):
        if v == version and d is not None and d != digest:
            raise UserError(
                f"verbal scale v{version} here (digest {digest[:12]}…) is not the v{version} the ledger's forecasts "
                f"were recorded under ({d[:12]}…, forecast {forecast_id} at position {position}); give this scale "
                "a version of its own",
                "scale",
            )


def audit_scale_digests(conn: Any) -> tuple[int, int, str | None]:
    """(forecasts checked, forecasts that cannot be checked, the first problem): every verbal forecast's scale
    digest is its version's content (the published one, or the one the ledger first recorded), and where that
    content is at hand (the package, $TRACKER_SCALE_DIR), its number is what the scale gives the phrase. A forecast
    recorded before forecasts kept the digest is held to the published content of its version; under a version of
    a team's own nothing says which content it was: it is counted as unproven."""
    from tracker.domain.verbal import PUBLISHED_DIGESTS

    first: dict[Any, str] = {}
    scales: dict[Any, Any] = {}
    checked = unproven = 0
    for position, forecast_id, version, recorded, data in recorded_digests(conn):
        where = f"forecast {forecast_id} at position {position}"
        published = PUBLISHED_DIGESTS.get(version) if isinstance(version, int) else None
        digest = recorded if recorded is not None else published
        if digest is None:
            unproven += 1
            continue
        checked += 1
        known = published if published is not None else first.setdefault(version, digest)
        if digest != known:
            problem = (
                f"{where} was recorded under verbal scale v{version} with digest {digest[:12]}…, but v{version} is "
                f"{known[:12]}…: one version, two contents"
            )
            return checked, unproven, problem
        if version not in scales:
            try:
                scale = load(version)
            except UserError:
                scale = None
            scales[version] = scale if scale is not None and scale.digest == digest else None
        if scales[version] is not None and "derivation" in data:
            wrong = _number_problem(scales[version], data, where)
            if wrong is not None:
                return checked, unproven, wrong
    return checked, unproven, None


def _number_problem(scale: Any, data: dict[str, Any], where: str) -> str | None:
    """Whether a verbal forecast's number and interval are what ``scale`` gives its phrase and reading."""
    from tracker.domain.verbal import ScaleError, UnknownPhrase, derive

    deriv = data["derivation"]
    phrase, reading = deriv.get("phrase") or "", deriv.get("reading") or "affirms"
    try:
        p, low, high = derive(scale.lookup(phrase), reading)  # type: ignore[arg-type]  # derive refuses others
    except (UnknownPhrase, ScaleError, ValueError):
        return f"{where}: the phrase {phrase!r} is not on verbal scale v{scale.version}"
    stored = (data.get("probabilities") or {}).get("yes"), deriv.get("p_low"), deriv.get("p_high")
    if stored == (p, low, high):
        return None
    return (
        f"{where}: {phrase!r} ({reading}) on verbal scale v{scale.version} gives p {p} in [{low}, {high}]; the "
        f"forecast says {stored[0]} in [{stored[1]}, {stored[2]}]"
    )
