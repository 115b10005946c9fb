"""The `eventsourcing` library (9.5.x) as a reference: the same events, saved in one batch on SQLite.

Each of our event types becomes a `DomainEvent` subclass whose fields are that type's payload keys, so the library
stores the same shapes (its JSON transcoder encodes the same values). Its aggregate id is a name-based UUID of our
stream id and its version our stream version. The timed call is `EventStore.put`, which is what
`Application.save` does with an aggregate's pending events: map every event to a stored event (JSON) and insert
them all in one transaction (`SQLiteApplicationRecorder.insert_events`, which also assigns notification ids).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tracker.domain.events import Event

NAMESPACE = uuid.UUID("0b4c2f8e-1f37-4ad4-9f1e-6d2e0d6b9a11")
_CLASSES: dict[str, type] = {}


def available() -> bool:
    try:
        import eventsourcing  # noqa: F401
    except ImportError:
        return False
    return True


def version() -> str:
    from importlib.metadata import version as v

    return v("eventsourcing")


def _event_class(event_type: str, keys: Sequence[str]) -> type:
    cls = _CLASSES.get(event_type)
    if cls is None:
        from eventsourcing.domain import DomainEvent

        # A module attribute, so that the library's topic (module:qualname) resolves when events are read back.
        cls = type(
            event_type,
            (DomainEvent,),
            {"__annotations__": dict.fromkeys(keys, Any), "__module__": __name__, "__qualname__": event_type},
        )
        setattr(sys.modules[__name__], event_type, cls)
        _CLASSES[event_type] = cls
    return cls


def to_library_events(batches: Sequence[tuple[str, Sequence[Event], int]]) -> list[Any]:
    """Our events as the library's domain events (built before the clock starts, as ours are)."""
    out = []
    for stream_id, evs, expected in batches:
        originator = uuid.uuid5(NAMESPACE, stream_id)
        for i, e in enumerate(evs, start=expected + 1):
            cls = _event_class(e.type, list(e.data))
            out.append(cls(originator_id=originator, originator_version=i, timestamp=e.occurred_at, **e.data))
    return out


def open_application(path: Path) -> Any:
    from eventsourcing.application import Application

    return Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})


def save(app: Any, library_events: Sequence[Any]) -> None:
    """The timed part: one batch, one transaction."""
    app.events.put(library_events)


def count(app: Any) -> int:
    return len(app.recorder.select_notifications(start=None, limit=10**9))
