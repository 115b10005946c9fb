"""Upcasting: old event shapes are brought up to date when read, never rewritten in place.

An upcaster is keyed by (event type, schema version) and returns (type, version + 1, data); they
chain until no upcaster matches. The hash chain covers the stored bytes, so upcasting cannot
disturb verification.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Upcaster = Callable[[dict[str, Any]], tuple[str, int, dict[str, Any]]]

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def register(event_type: str, schema_version: int) -> Callable[[Upcaster], Upcaster]:
    def deco(fn: Upcaster) -> Upcaster:
        _UPCASTERS[(event_type, schema_version)] = fn
        return fn

    return deco


def unregister(event_type: str, schema_version: int) -> None:
    _UPCASTERS.pop((event_type, schema_version), None)


def upcast(event_type: str, schema_version: int, data: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
    while (fn := _UPCASTERS.get((event_type, schema_version))) is not None:
        event_type, new_version, data = fn(data)
        if new_version <= schema_version:
            raise RuntimeError(f"upcaster for {event_type} v{schema_version} did not raise the version")
        schema_version = new_version
    return event_type, schema_version, data


def active() -> bool:
    """Whether any upcaster is registered (then stored payloads are not what readers see)."""
    return bool(_UPCASTERS)
