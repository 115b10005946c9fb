"""Event types and the domain's event value.

Event names are past-tense facts. Every payload is plain JSON data (str, int, float, bool, None,
lists and dicts) so the store can hash a canonical serialisation of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SOURCE_REGISTERED = "SourceRegistered"
QUESTION_OPENED = "QuestionOpened"
QUESTION_CLARIFIED = "QuestionClarified"
FORECAST_RECORDED = "ForecastRecorded"
FORECAST_WITHDRAWN = "ForecastWithdrawn"
FORECAST_RESCALED = "ForecastRescaled"
QUESTION_RESOLVED = "QuestionResolved"
RESOLUTION_CORRECTED = "ResolutionCorrected"
QUESTION_ANNULLED = "QuestionAnnulled"
QUESTION_REOPENED = "QuestionReopened"

ALL_TYPES = (
    SOURCE_REGISTERED,
    QUESTION_OPENED,
    QUESTION_CLARIFIED,
    FORECAST_RECORDED,
    FORECAST_WITHDRAWN,
    FORECAST_RESCALED,
    QUESTION_RESOLVED,
    RESOLUTION_CORRECTED,
    QUESTION_ANNULLED,
    QUESTION_REOPENED,
)

# The schema version each event type is written with today. Older versions are upcast on read
# (tracker.store.upcast), never rewritten in place.
CURRENT_SCHEMA = dict.fromkeys(ALL_TYPES, 1)


# A question's events form the stream "question-<question_id>", a source's "source-<source_id>".
QUESTION_STREAM = "question-"
SOURCE_STREAM = "source-"


def question_stream(question_id: str) -> str:
    return QUESTION_STREAM + question_id


def source_stream(source_id: str) -> str:
    return SOURCE_STREAM + source_id


def stream_question(stream_id: str) -> str | None:
    """The question id of a question's stream; None for any other stream."""
    return stream_id[len(QUESTION_STREAM) :] if stream_id.startswith(QUESTION_STREAM) else None


def stream_source(stream_id: str) -> str | None:
    """The source id of a source's stream; None for any other stream."""
    return stream_id[len(SOURCE_STREAM) :] if stream_id.startswith(SOURCE_STREAM) else None


def is_stream_id(text: str) -> bool:
    """``text`` names a stream (of a question or a source) rather than an id."""
    return text.startswith((QUESTION_STREAM, SOURCE_STREAM))


@dataclass(frozen=True)
class Event:
    """A domain event before it is stored: its type, its data and its domain time.

    `event_id` is None for ordinary commands (the store gives a time-ordered id) and set for
    imports, whose ids are derived from catalog ids so that a re-import is a no-op.
    """

    type: str
    data: dict[str, Any]
    occurred_at: datetime
    event_id: str | None = None
    schema_version: int = field(default=1)
