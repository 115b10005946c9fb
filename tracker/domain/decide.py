"""`decide(state, command) -> events`: the lifecycle rules of questions, forecasts and sources.

Pure: no I/O and no clock (the time is in the command). An illegal command raises a `UserError`
subclass and returns nothing, so the shell writes nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tracker.domain import commands as c
from tracker.domain import events as ev
from tracker.domain.state import (
    ANNULLED,
    BINARY,
    BINARY_OPTIONS,
    MULTIPLE_CHOICE,
    OPEN,
    RESOLVED,
    QuestionState,
    SourceState,
)
from tracker.errors import IllegalTransition, NotFound, UserError

# Distributions must sum to 1 within this tolerance (the contract).
SUM_TOLERANCE = 1e-9
# A date "today" somewhere on Earth may already be tomorrow in UTC: the easternmost time zone is
# UTC+14, so a made_at up to that far ahead of the UTC clock is not "in the future" for its author.
LATEST_UTC_OFFSET = timedelta(hours=14)
SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,119}$")
MAX_TEXT = 20_000
MAX_DOCUMENT = 5_000_000


def at_midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=UTC)


def _text(value: str | None, field: str, required: bool = True, limit: int = MAX_TEXT) -> str | None:
    if value is None or not value.strip():
        if required:
            raise UserError("must not be empty", field)
        return None
    if len(value) > limit:
        raise UserError(f"is {len(value)} characters long; the limit is {limit}", field)
    if any(ord(ch) < 32 and ch not in "\n\t\r" for ch in value) or "\x7f" in value:
        raise UserError("contains control characters", field)
    return value.strip()


def check_slug(value: str, field: str) -> str:
    if not SLUG.match(value or ""):
        raise UserError(
            f"{value!r} is not a valid id (lowercase letters, digits, '.', '_' and '-', "
            "starting with a letter or digit, at most 120 characters)",
            field,
        )
    return value


def check_probability(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"{value!r} is not a number", field)
    p = float(value)
    if not math.isfinite(p) or p < 0.0 or p > 1.0:
        raise UserError(f"{value!r} is not a probability between 0 and 1", field)
    return p


def check_distribution(probabilities: Mapping[str, float], options: tuple[str, ...]) -> dict[str, float]:
    """Every named option must exist; omitted options count as 0; the sum must be 1 (within 1e-9)."""
    if not probabilities:
        raise UserError("no probability given", "p")
    for option in probabilities:
        if option not in options:
            raise UserError(f"unknown option {option!r} (options: {', '.join(options)})", "p")
    dist = {o: check_probability(probabilities.get(o, 0.0), f"p[{o}]") for o in options}
    total = math.fsum(dist.values())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise UserError(f"probabilities sum to {total:.12g}, not 1", "p")
    return dist


def _not_future(d: date, now: datetime, field: str) -> None:
    if d > (now + LATEST_UTC_OFFSET).date():
        raise UserError(f"{d.isoformat()} is in the future", field)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _event(cmd: Any, type_: str, data: dict[str, Any], occurred_at: datetime | None = None) -> list[ev.Event]:
    return [ev.Event(type_, data, occurred_at or cmd.now, getattr(cmd, "event_id", None))]


def decide_source(state: SourceState, cmd: c.RegisterSource) -> list[ev.Event]:
    check_slug(cmd.source_id, "source_id")
    if state.exists:
        raise IllegalTransition(f"source {cmd.source_id!r} is already registered", "source_id")
    title = _text(cmd.title, "title")
    if cmd.text is not None and len(cmd.text) > MAX_DOCUMENT:
        raise UserError(f"document is {len(cmd.text)} characters; the limit is {MAX_DOCUMENT}", "file")
    if cmd.published is not None:
        _not_future(cmd.published, cmd.now, "published")
    data = {
        "source_id": cmd.source_id,
        "title": title,
        "outlet": _text(cmd.outlet, "outlet", required=False),
        "authors": [a for a in (_text(x, "author", required=False) for x in cmd.authors) if a],
        "published": _iso(cmd.published),
        "date_basis": _text(cmd.date_basis, "date_basis", required=False),
        "url": _text(cmd.url, "url", required=False),
        "sha256": cmd.sha256,
        "text": cmd.text,
        "notes": _text(cmd.notes, "notes", required=False),
    }
    return _event(cmd, ev.SOURCE_REGISTERED, data)


def _require_question(state: QuestionState) -> None:
    if not state.exists:
        raise NotFound(f"no question {state.question_id!r}", "question")


def _check_outcome(state: QuestionState, outcome: str) -> str:
    if outcome not in state.options:
        raise UserError(f"{outcome!r} is not an option of this question ({', '.join(state.options)})", "outcome")
    return outcome


def decide(state: QuestionState, cmd: c.QuestionCommand) -> list[ev.Event]:
    """The question lifecycle: open → (forecasts) → resolved | annulled, with corrections and reopening."""
    data: dict[str, Any]
    if isinstance(cmd, c.OpenQuestion):
        check_slug(cmd.question_id, "question_id")
        if state.exists:
            raise IllegalTransition(f"question {cmd.question_id!r} already exists", "question_id")
        if cmd.kind == BINARY:
            if cmd.options and tuple(cmd.options) != BINARY_OPTIONS:
                raise UserError("a binary question has no --option (its outcomes are yes and no)", "option")
            options: tuple[str, ...] = BINARY_OPTIONS
        elif cmd.kind == MULTIPLE_CHOICE:
            options = tuple(cmd.options)
            if len(options) < 2:
                raise UserError("a multiple-choice question needs at least two options", "option")
            if len(set(options)) != len(options):
                raise UserError("options must be distinct", "option")
            for o in options:
                check_slug(o, "option")
        else:
            raise UserError(f"{cmd.kind!r} is not a question type (binary, multiple_choice)", "type")
        tags = tuple(dict.fromkeys(check_slug(t, "tag") for t in cmd.tags))
        if cmd.opened is not None:
            _not_future(cmd.opened, cmd.now, "opened")
        if cmd.resolve_by is not None and cmd.opened is not None and cmd.resolve_by < cmd.opened:
            raise UserError("resolve-by date is before the question opened", "resolve_by")
        data = {
            "question_id": cmd.question_id,
            "title": _text(cmd.title, "title"),
            "criteria": _text(cmd.criteria, "criteria"),
            "kind": cmd.kind,
            "options": list(options),
            "opened": _iso(cmd.opened or cmd.now.date()),
            "resolve_by": _iso(cmd.resolve_by),
            "tags": list(tags),
            "condition": _text(cmd.condition, "condition", required=False),
        }
        return _event(cmd, ev.QUESTION_OPENED, data)

    _require_question(state)

    if isinstance(cmd, c.ClarifyQuestion):
        reason = _text(cmd.reason, "reason")
        if cmd.title is None and cmd.criteria is None and cmd.resolve_by is None:
            raise UserError("nothing to change: give --criteria, --resolve-by or --title", "clarify")
        if state.status == ANNULLED:
            raise IllegalTransition("the question is annulled; reopen it before clarifying", "question")
        data = {
            "title": _text(cmd.title, "title", required=False),
            "criteria": _text(cmd.criteria, "criteria", required=False),
            "resolve_by": _iso(cmd.resolve_by),
            "reason": reason,
            "previous": {"title": state.title, "criteria": state.criteria, "resolve_by": state.resolve_by},
        }
        return _event(cmd, ev.QUESTION_CLARIFIED, data)

    if isinstance(cmd, c.RecordForecast):
        if state.status == ANNULLED:
            raise IllegalTransition("the question is annulled; forecasts on it are not accepted", "question")
        check_slug(cmd.forecast_id, "forecast_id")
        if cmd.forecast_id in state.forecasts:
            raise IllegalTransition(f"forecast {cmd.forecast_id!r} already exists", "forecast_id")
        check_slug(cmd.forecaster_id, "forecaster")
        _not_future(cmd.made_at, cmd.now, "made_at")
        dist = check_distribution(cmd.probabilities, state.options)
        derivation = dict(cmd.derivation)
        method = derivation.get("method")
        if method not in ("stated", "judgement", "verbal"):
            raise UserError(f"{method!r} is not a derivation method (stated, judgement, verbal)", "method")
        if method == "verbal":
            for key in ("phrase", "scale_version", "reading", "p_low", "p_high"):
                if derivation.get(key) is None:
                    raise UserError("a verbal forecast records its phrase, scale version, reading and interval", key)
            lo = check_probability(derivation["p_low"], "p_low")
            hi = check_probability(derivation["p_high"], "p_high")
            if not lo <= dist.get("yes", math.nan) <= hi:
                raise UserError("the derived probability lies outside its interval", "p")
        data = {
            "forecast_id": cmd.forecast_id,
            "forecaster": _text(cmd.forecaster, "forecaster"),
            "forecaster_id": cmd.forecaster_id,
            "role": _text(cmd.role, "role", required=False),
            "probabilities": dist,
            "made_at": cmd.made_at.isoformat(),
            "source_id": cmd.source_id,
            "quote": _text(cmd.quote, "quote", required=False),
            "hedge": _text(cmd.hedge, "hedge", required=False),
            "quote_verified": cmd.quote_verified,
            "derivation": derivation,
        }
        return _event(cmd, ev.FORECAST_RECORDED, data, at_midnight(cmd.made_at))

    if isinstance(cmd, c.WithdrawForecast):
        f = state.forecasts.get(cmd.forecast_id)
        if f is None:
            raise NotFound(f"no forecast {cmd.forecast_id!r} on question {state.question_id!r}", "forecast_id")
        if f.withdrawn:
            raise IllegalTransition(f"forecast {cmd.forecast_id!r} is already withdrawn", "forecast_id")
        data = {"forecast_id": cmd.forecast_id, "reason": _text(cmd.reason, "reason")}
        return _event(cmd, ev.FORECAST_WITHDRAWN, data)

    if isinstance(cmd, c.RescaleForecast):
        f = state.forecasts.get(cmd.forecast_id)
        if f is None:
            raise NotFound(f"no forecast {cmd.forecast_id!r} on question {state.question_id!r}", "forecast_id")
        p = check_probability(cmd.p_yes, "p")
        lo, hi = check_probability(cmd.p_low, "p_low"), check_probability(cmd.p_high, "p_high")
        if not lo <= p <= hi:
            raise UserError("the derived probability lies outside its interval", "p")
        data = {
            "forecast_id": cmd.forecast_id,
            "scale_version": cmd.scale_version,
            "probabilities": {"yes": p, "no": 1.0 - p},
            "p_low": lo,
            "p_high": hi,
            "reason": _text(cmd.reason, "reason"),
        }
        return _event(cmd, ev.FORECAST_RESCALED, data)

    if isinstance(cmd, c.ResolveQuestion):
        if state.status == RESOLVED:
            raise IllegalTransition(
                f"question {state.question_id!r} is already resolved ({state.outcome}); use 'resolve correct'",
                "question",
            )
        if state.status == ANNULLED:
            raise IllegalTransition(f"question {state.question_id!r} is annulled; reopen it first", "question")
        _not_future(cmd.known_on, cmd.now, "on")
        data = {
            "outcome": _check_outcome(state, cmd.outcome),
            "known_on": cmd.known_on.isoformat(),
            "evidence": _text(cmd.evidence, "evidence", required=False),
        }
        return _event(cmd, ev.QUESTION_RESOLVED, data, at_midnight(cmd.known_on))

    if isinstance(cmd, c.CorrectResolution):
        if state.status != RESOLVED:
            raise IllegalTransition(f"question {state.question_id!r} is {state.status}, not resolved", "question")
        _not_future(cmd.known_on, cmd.now, "on")
        data = {
            "outcome": _check_outcome(state, cmd.outcome),
            "known_on": cmd.known_on.isoformat(),
            "evidence": _text(cmd.evidence, "evidence", required=False),
            "reason": _text(cmd.reason, "reason"),
            "previous": {"outcome": state.outcome, "known_on": state.known_on},
        }
        return _event(cmd, ev.RESOLUTION_CORRECTED, data, at_midnight(cmd.known_on))

    if isinstance(cmd, c.AnnulQuestion):
        if state.status == ANNULLED:
            raise IllegalTransition(f"question {state.question_id!r} is already annulled", "question")
        if cmd.on is not None:
            _not_future(cmd.on, cmd.now, "on")
        data = {"reason": _text(cmd.reason, "reason"), "on": _iso(cmd.on), "previous_status": state.status}
        return _event(cmd, ev.QUESTION_ANNULLED, data, at_midnight(cmd.on) if cmd.on else None)

    if isinstance(cmd, c.ReopenQuestion):
        if state.status == OPEN:
            raise IllegalTransition(f"question {state.question_id!r} is already open", "question")
        data = {"reason": _text(cmd.reason, "reason"), "previous_status": state.status}
        return _event(cmd, ev.QUESTION_REOPENED, data)

    raise TypeError(f"not a question command: {cmd!r}")  # a programming error, not a user's
