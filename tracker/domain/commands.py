"""Commands: what a user asks for. Each carries `now`, so deciding is pure and repeatable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tracker.domain.frozen import quick_init


@quick_init
@dataclass(frozen=True)
class RegisterSource:
    source_id: str
    title: str
    now: datetime
    outlet: str | None = None
    authors: tuple[str, ...] = ()
    published: date | None = None
    date_basis: str | None = None
    url: str | None = None
    text: str | None = None
    sha256: str | None = None
    notes: str | None = None
    event_id: str | None = None


@quick_init
@dataclass(frozen=True)
class OpenQuestion:
    question_id: str
    title: str
    criteria: str
    now: datetime
    kind: str = "binary"
    options: tuple[str, ...] = ()
    resolve_by: date | None = None
    opened: date | None = None
    tags: tuple[str, ...] = ()
    condition: str | None = None
    event_id: str | None = None


@quick_init
@dataclass(frozen=True)
class ClarifyQuestion:
    """Change a question's title, criteria, deadline or opening day, with a reason. The opening day is a
    correction of when the question was open (an earlier article's forecast needs it open by then)."""

    question_id: str
    reason: str
    now: datetime
    title: str | None = None
    criteria: str | None = None
    resolve_by: date | None = None
    event_id: str | None = None
    opened: date | None = None


@quick_init
@dataclass(frozen=True)
class RecordForecast:
    """A probability on a question.

    `probabilities` maps every option to a probability (binary: "yes" and "no"); options left out
    count as 0. `derivation` says how the number was obtained: {"method": "stated" | "judgement" |
    "verbal", and for verbal: "phrase", "scale_version", "reading" ("affirms" | "negates"),
    "p_low", "p_high"}. `quote_verified` is None when no source file was checked.
    """

    question_id: str
    forecast_id: str
    forecaster: str
    forecaster_id: str
    probabilities: dict[str, float]
    made_at: date
    now: datetime
    role: str | None = None
    source_id: str | None = None
    quote: str | None = None
    hedge: str | None = None
    quote_verified: bool | None = None
    derivation: dict[str, Any] = field(default_factory=lambda: {"method": "stated"})
    event_id: str | None = None


@quick_init
@dataclass(frozen=True)
class WithdrawForecast:
    question_id: str
    forecast_id: str
    reason: str
    now: datetime
    event_id: str | None = None


@quick_init
@dataclass(frozen=True)
class RescaleForecast:
    """Re-derive a verbal forecast's number from another scale version; what was said is kept."""

    question_id: str
    forecast_id: str
    scale_version: int
    p_yes: float
    p_low: float
    p_high: float
    reason: str
    now: datetime
    event_id: str | None = None
    scale_digest: str | None = None  # the content of that scale version (tracker.domain.verbal.Scale.digest)


@quick_init
@dataclass(frozen=True)
class ResolveQuestion:
    question_id: str
    outcome: str
    known_on: date
    now: datetime
    evidence: str | None = None
    event_id: str | None = None
    # The outcome was known before the question opened (every forecast on it is then a hindsight case).
    known_before_opened: bool = False


@quick_init
@dataclass(frozen=True)
class CorrectResolution:
    question_id: str
    outcome: str
    known_on: date
    reason: str
    now: datetime
    evidence: str | None = None
    event_id: str | None = None
    known_before_opened: bool = False


@quick_init
@dataclass(frozen=True)
class AnnulQuestion:
    question_id: str
    reason: str
    now: datetime
    on: date | None = None
    event_id: str | None = None


@quick_init
@dataclass(frozen=True)
class ReopenQuestion:
    question_id: str
    reason: str
    now: datetime
    event_id: str | None = None


QuestionCommand = (
    OpenQuestion
    | ClarifyQuestion
    | RecordForecast
    | WithdrawForecast
    | RescaleForecast
    | ResolveQuestion
    | CorrectResolution
    | AnnulQuestion
    | ReopenQuestion
)
