"""Aggregate states and `evolve(state, event) -> state`.

States are immutable: `evolve` returns a new value and never mutates its input, so replaying a
stream from the start and applying events one by one give equal states (a property test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from tracker.domain import events as ev
from tracker.domain.frozen import quick_init

OPEN = "open"
RESOLVED = "resolved"
ANNULLED = "annulled"

BINARY = "binary"
MULTIPLE_CHOICE = "multiple_choice"
BINARY_OPTIONS = ("yes", "no")


@quick_init
@dataclass(frozen=True)
class ForecastState:
    forecast_id: str
    forecaster_id: str
    made_at: str
    withdrawn: bool = False


@dataclass(frozen=True)
class QuestionState:
    """One question's stream folded. `version` is the stream version the state reflects (0: empty)."""

    question_id: str
    version: int = 0
    exists: bool = False
    title: str = ""
    criteria: str = ""
    kind: str = BINARY
    options: tuple[str, ...] = BINARY_OPTIONS
    opened: str | None = None
    resolve_by: str | None = None
    tags: tuple[str, ...] = ()
    condition: str | None = None
    status: str = OPEN
    outcome: str | None = None
    known_on: str | None = None
    forecasts: dict[str, ForecastState] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceState:
    source_id: str
    version: int = 0
    exists: bool = False
    text: str | None = None
    sha256: str | None = None


_S = TypeVar("_S", "QuestionState", "SourceState", ForecastState)


def replace(state: _S, **changes: Any) -> _S:
    """A copy of a state with these fields changed: what `dataclasses.replace` gives, without its cost.

    `dataclasses.replace` calls `__init__` with every field, each set through the frozen class's
    `object.__setattr__`, and that was a large part of deciding a catalog import (profiled). The states have
    no `__post_init__` and no derived fields, so copying the instance's dict gives the same value; unlike
    `dataclasses.replace`, a misspelt field is not caught here but by mypy at the call (the fields are
    keywords of this module's calls only). tests/test_domain.py compares the two on every event type."""
    new = object.__new__(type(state))
    values = new.__dict__
    values.update(state.__dict__)
    values.update(changes)
    return new


_NO_QUESTION = QuestionState(question_id="")


def empty_question(question_id: str) -> QuestionState:
    """`QuestionState(question_id=question_id)`, the state of a stream with no event, made by `replace` from one
    made once (its own forecasts dict; every other field is immutable): an import makes one per catalog question,
    and the frozen class's own constructor, a call per field, was most of making them (profiled)."""
    return replace(_NO_QUESTION, question_id=question_id, forecasts={})


def evolve_question(state: QuestionState, event_type: str, data: dict[str, Any]) -> QuestionState:
    """Apply one event of a question stream. Unknown types only bump the version."""
    # One `replace` per event, the version bumped with the event's own changes (half the cost of two).
    version = state.version + 1
    if event_type == ev.QUESTION_OPENED:
        return replace(
            state,
            version=version,
            exists=True,
            title=data["title"],
            criteria=data["criteria"],
            kind=data["kind"],
            options=tuple(data["options"]),
            opened=data.get("opened"),
            resolve_by=data.get("resolve_by"),
            tags=tuple(data.get("tags", ())),
            condition=data.get("condition"),
            status=OPEN,
        )
    if event_type == ev.QUESTION_CLARIFIED:
        changes: dict[str, Any] = {}
        for key in ("title", "criteria", "resolve_by", "opened"):
            if data.get(key) is not None:
                changes[key] = data[key]
        return replace(state, version=version, **changes)
    if event_type == ev.FORECAST_RECORDED:
        forecasts = dict(state.forecasts)
        forecasts[data["forecast_id"]] = ForecastState(data["forecast_id"], data["forecaster_id"], data["made_at"])
        return replace(state, version=version, forecasts=forecasts)
    if event_type == ev.FORECAST_WITHDRAWN:
        forecasts = dict(state.forecasts)
        forecasts[data["forecast_id"]] = replace(forecasts[data["forecast_id"]], withdrawn=True)
        return replace(state, version=version, forecasts=forecasts)
    if event_type in (ev.QUESTION_RESOLVED, ev.RESOLUTION_CORRECTED):
        return replace(state, version=version, status=RESOLVED, outcome=data["outcome"], known_on=data["known_on"])
    if event_type == ev.QUESTION_ANNULLED:
        return replace(state, version=version, status=ANNULLED, outcome=None, known_on=None)
    if event_type == ev.QUESTION_REOPENED:
        return replace(state, version=version, status=OPEN, outcome=None, known_on=None)
    return replace(state, version=version)


def evolve_source(state: SourceState, event_type: str, data: dict[str, Any]) -> SourceState:
    s = replace(state, version=state.version + 1)
    if event_type == ev.SOURCE_REGISTERED:
        return replace(s, exists=True, text=data.get("text"), sha256=data.get("sha256"))
    return s
