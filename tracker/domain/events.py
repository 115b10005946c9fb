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


def question_stream(question_id: str) -> str:
    return f"question-{question_id}"


def source_stream(source_id: str) -> str:
    return f"source-{source_id}"


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
