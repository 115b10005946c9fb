"""`decide(state, command) -> events`: the lifecycle rules of questions, forecasts and sources.

Pure: no I/O and no clock (the time is in the command). An illegal command raises a `UserError`
subclass and returns nothing, so the shell writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

from tracker.domain import commands as c
from tracker.domain import events as ev
from tracker.domain import fields as f_
from tracker.domain.state import (
    ANNULLED,
    BINARY,
    BINARY_OPTIONS,
    MULTIPLE_CHOICE,
    OPEN,
    RESOLVED,
    ForecastState,
    QuestionState,
    SourceState,
)
from tracker.domain.verbal import check_digest
from tracker.errors import IllegalTransition, NotFound, UserError


def at_midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=UTC)


def _not_before_opened(d: date | None, opened: str | None, field: str, question_id: str | None = None) -> None:
    if d is not None and opened is not None and d.isoformat() < opened:
        fix = (
            f"; if it was open by then, move its opening day back: tracker question clarify {question_id} "
            f"--opened {d.isoformat()} --reason TEXT"
            if question_id is not None
            else ""
        )
        raise UserError(f"{d.isoformat()} is before the question opened ({opened}){fix}", field)


def _opening_moved(state: QuestionState, opened: date, now: datetime) -> str:
    """A new opening day for the question: not in the future, not the one it has, and not after anything the
    question already holds (a forecast not withdrawn, the day its outcome became known, its deadline)."""
    f_.not_future(opened, now, "opened")
    day = opened.isoformat()
    if day == state.opened:
        raise UserError(f"the question already opened on {day}", "opened")
    earlier = sorted(
        (f.made_at, f.forecast_id) for f in state.forecasts.values() if not f.withdrawn and f.made_at < day
    )
    if earlier:
        made_at, fid = earlier[0]
        more = f" (and {len(earlier) - 1} more)" if len(earlier) > 1 else ""
        raise UserError(
            f"{day} is after forecast {fid!r}, made on {made_at}{more}: the question must be open when a "
            "forecast is made (withdraw the forecast first if it was recorded in error)",
            "opened",
        )
    if state.status == RESOLVED and state.known_on is not None and state.known_on < day:
        raise UserError(f"{day} is after the outcome became known ({state.known_on})", "opened")
    return day


def known_after_opened(opened: str | None, known_on: date, known_before_opened: bool) -> None:
    """An outcome known before the question opened turns every forecast on it into a hindsight case (all of them
    are made on or after the opening day): refused unless the command says that is what happened."""
    if opened is not None and known_on.isoformat() < opened and not known_before_opened:
        raise UserError(
            f"{known_on.isoformat()} is before the question opened ({opened}), which would make every forecast "
            "on it a hindsight case; if the outcome really was known before the question opened, say so "
            "(--known-before-opened, or known_before_opened: true in a catalog's resolution)",
            "on",
        )


def hindsight_cases(state: QuestionState, known_on: date) -> tuple[ForecastState, ...]:
    """The standing forecasts an outcome known on `known_on` leaves unscored: those made on or after that day (the
    scoring job's hindsight guard), oldest first."""
    day = known_on.isoformat()
    found = (f for f in state.forecasts.values() if not f.withdrawn and f.made_at >= day)
    return tuple(sorted(found, key=lambda f: (f.made_at, f.forecast_id)))


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _event(cmd: Any, type_: str, data: dict[str, Any], occurred_at: datetime | None = None) -> list[ev.Event]:
    return [ev.Event(type_, data, occurred_at or cmd.now, getattr(cmd, "event_id", None))]


def decide_source(state: SourceState, cmd: c.RegisterSource) -> list[ev.Event]:
    f_.identifier(cmd.source_id, "source_id")
    if state.exists:
        raise IllegalTransition(f"source {cmd.source_id!r} is already registered", "source_id")
    title = f_.title(cmd.title)
    f_.document(cmd.text)
    if cmd.published is not None:
        f_.not_future(cmd.published, cmd.now, "published")
    data = {
        "source_id": cmd.source_id,
        "title": title,
        "outlet": f_.short_text(cmd.outlet, "outlet", required=False),
        "authors": [f_.name(x, "author") for x in cmd.authors],
        "published": _iso(cmd.published),
        "date_basis": f_.text(cmd.date_basis, "date_basis", required=False),
        "url": f_.url(cmd.url),
        "sha256": cmd.sha256,
        "text": cmd.text,
        "notes": f_.text(cmd.notes, "notes", required=False),
    }
    return _event(cmd, ev.SOURCE_REGISTERED, data)


def _require_question(state: QuestionState) -> None:
    if not state.exists:
        raise NotFound(f"no question {state.question_id!r}", "question")


def _check_outcome(state: QuestionState, outcome: str) -> str:
    f_.option(outcome, "outcome")
    if outcome not in state.options:
        raise UserError(f"{outcome!r} is not an option of this question ({', '.join(state.options)})", "outcome")
    return outcome


def _open_question(state: QuestionState, cmd: c.OpenQuestion, checked: bool = False) -> list[ev.Event]:
    """``checked``: `decide_checked`'s, the rules of `CHECKED_FIELDS` already applied by the caller."""
    data: dict[str, Any]
    if not checked:
        f_.identifier(cmd.question_id, "question_id")
    if state.exists:
        raise IllegalTransition(f"question {cmd.question_id!r} already exists", "question_id")
    if cmd.kind == BINARY:
        if cmd.options and tuple(cmd.options) != BINARY_OPTIONS:
            raise UserError("a binary question has no --option (its outcomes are yes and no)", "option")
        options: tuple[str, ...] = BINARY_OPTIONS
    elif cmd.kind == MULTIPLE_CHOICE:
        options = tuple(cmd.options) if checked else f_.distinct_ids(cmd.options, "option", f_.option)
        if len(options) < 2:
            raise UserError("a multiple-choice question needs at least two options", "option")
    else:
        raise UserError(f"{cmd.kind!r} is not a question type (binary, multiple_choice)", "type")
    if checked:
        tags: tuple[str, ...] = tuple(cmd.tags)
    else:
        tags = tuple(dict.fromkeys(f_.tag(t) for t in cmd.tags))
        if cmd.opened is not None:
            f_.not_future(cmd.opened, cmd.now, "opened")
        if cmd.resolve_by is not None:
            f_.in_range(cmd.resolve_by, "resolve_by")
    _not_before_opened(cmd.resolve_by, _iso(cmd.opened), "resolve_by")
    data = {
        "question_id": cmd.question_id,
        "title": cmd.title if checked else f_.title(cmd.title),
        "criteria": cmd.criteria if checked else f_.text(cmd.criteria, "criteria"),
        "kind": cmd.kind,
        "options": list(options),
        "opened": _iso(cmd.opened or cmd.now.date()),
        "resolve_by": _iso(cmd.resolve_by),
        "tags": list(tags),
        "condition": cmd.condition if checked else f_.text(cmd.condition, "condition", required=False),
    }
    return _event(cmd, ev.QUESTION_OPENED, data)


def _clarify_question(state: QuestionState, cmd: c.ClarifyQuestion) -> list[ev.Event]:
    data: dict[str, Any]
    reason = f_.text(cmd.reason, "reason")
    if cmd.title is None and cmd.criteria is None and cmd.resolve_by is None and cmd.opened is None:
        raise UserError("nothing to change: give --criteria, --resolve-by, --title or --opened", "clarify")
    if state.status == ANNULLED:
        raise IllegalTransition("the question is annulled; reopen it before clarifying", "question")
    opened = state.opened if cmd.opened is None else _opening_moved(state, cmd.opened, cmd.now)
    if cmd.resolve_by is not None:
        f_.in_range(cmd.resolve_by, "resolve_by")
    _not_before_opened(cmd.resolve_by, opened, "resolve_by")
    if cmd.opened is not None and cmd.resolve_by is None and state.resolve_by and state.resolve_by < str(opened):
        raise UserError(f"{opened} is after the question's resolve-by date ({state.resolve_by})", "opened")
    data = {
        "title": f_.title(cmd.title, required=False),
        "criteria": f_.text(cmd.criteria, "criteria", required=False),
        "resolve_by": _iso(cmd.resolve_by),
        "reason": reason,
        "previous": {"title": state.title, "criteria": state.criteria, "resolve_by": state.resolve_by},
    }
    if cmd.opened is not None:
        # Only when given: a clarification of the text alone keeps the payload it always had.
        data["opened"] = opened
        data["previous"]["opened"] = state.opened
    return _event(cmd, ev.QUESTION_CLARIFIED, data)


def _record_forecast(state: QuestionState, cmd: c.RecordForecast, checked: bool = False) -> list[ev.Event]:
    """``checked``: `decide_checked`'s, the rules of `CHECKED_FIELDS` already applied by the caller."""
    data: dict[str, Any]
    if state.status == ANNULLED:
        raise IllegalTransition("the question is annulled; forecasts on it are not accepted", "question")
    if not checked:
        f_.identifier(cmd.forecast_id, "forecast_id")
    if cmd.forecast_id in state.forecasts:
        raise IllegalTransition(f"forecast {cmd.forecast_id!r} already exists", "forecast_id")
    if not checked:
        f_.identifier(cmd.forecaster_id, "forecaster_id")
        f_.not_future(cmd.made_at, cmd.now, "made_at")
    _not_before_opened(cmd.made_at, state.opened, "made_at", state.question_id)
    dist = f_.distribution(cmd.probabilities, state.options)
    derivation = dict(cmd.derivation)
    method = derivation.get("method")
    if method not in ("stated", "judgement", "verbal"):
        raise UserError(f"{method!r} is not a derivation method (stated, judgement, verbal)", "method")
    if method == "verbal":
        for key in ("phrase", "scale_version", "reading", "p_low", "p_high"):
            if derivation.get(key) is None:
                raise UserError("a verbal forecast records its phrase, scale version, reading and interval", key)
        lo = f_.probability(derivation["p_low"], "p_low")
        hi = f_.probability(derivation["p_high"], "p_high")
        if not lo <= dist.get("yes", math.nan) <= hi:
            raise UserError("the derived probability lies outside its interval", "p")
        if derivation.get("scale_digest") is not None:  # absent: recorded before forecasts kept it
            check_digest(derivation["scale_version"], derivation["scale_digest"])
    if checked:
        forecaster, role, quote, hedge = cmd.forecaster, cmd.role, cmd.quote, cmd.hedge
    else:
        forecaster = f_.name(cmd.forecaster, "forecaster")
        role = f_.short_text(cmd.role, "role", required=False)
        quote = f_.text(cmd.quote, "quote", required=False)
        hedge = f_.short_text(cmd.hedge, "hedge", required=False)
    data = {
        "forecast_id": cmd.forecast_id,
        "forecaster": forecaster,
        "forecaster_id": cmd.forecaster_id,
        "role": role,
        "probabilities": dist,
        "made_at": cmd.made_at.isoformat(),
        "source_id": cmd.source_id,
        "quote": quote,
        "hedge": hedge,
        "quote_verified": cmd.quote_verified,
        "derivation": derivation,
    }
    return _event(cmd, ev.FORECAST_RECORDED, data, at_midnight(cmd.made_at))


def _withdraw_forecast(state: QuestionState, cmd: c.WithdrawForecast) -> list[ev.Event]:
    data: dict[str, Any]
    f = state.forecasts.get(cmd.forecast_id)
    if f is None:
        raise NotFound(f"no forecast {cmd.forecast_id!r} on question {state.question_id!r}", "forecast_id")
    if f.withdrawn:
        raise IllegalTransition(f"forecast {cmd.forecast_id!r} is already withdrawn", "forecast_id")
    data = {"forecast_id": cmd.forecast_id, "reason": f_.text(cmd.reason, "reason")}
    return _event(cmd, ev.FORECAST_WITHDRAWN, data)


def _rescale_forecast(state: QuestionState, cmd: c.RescaleForecast) -> list[ev.Event]:
    data: dict[str, Any]
    f = state.forecasts.get(cmd.forecast_id)
    if f is None:
        raise NotFound(f"no forecast {cmd.forecast_id!r} on question {state.question_id!r}", "forecast_id")
    dist = f_.binary(cmd.p_yes)
    p = dist["yes"]
    lo, hi = f_.probability(cmd.p_low, "p_low"), f_.probability(cmd.p_high, "p_high")
    if not lo <= p <= hi:
        raise UserError("the derived probability lies outside its interval", "p")
    data = {
        "forecast_id": cmd.forecast_id,
        "scale_version": cmd.scale_version,
        "probabilities": dist,
        "p_low": lo,
        "p_high": hi,
        "reason": f_.text(cmd.reason, "reason"),
    }
    if cmd.scale_digest is not None:
        data["scale_digest"] = check_digest(cmd.scale_version, cmd.scale_digest)
    return _event(cmd, ev.FORECAST_RESCALED, data)


def _resolution(
    state: QuestionState, cmd: c.ResolveQuestion | c.CorrectResolution, checked: bool = False
) -> dict[str, Any]:
    """What a resolution and a correction both record, checked: the outcome, the day it was known, the evidence."""
    if not checked:
        f_.not_future(cmd.known_on, cmd.now, "on")
    known_after_opened(state.opened, cmd.known_on, cmd.known_before_opened)
    return {
        "outcome": _check_outcome(state, cmd.outcome),
        "known_on": cmd.known_on.isoformat(),
        "evidence": cmd.evidence if checked else f_.text(cmd.evidence, "evidence", required=False),
    }


def _resolve_question(state: QuestionState, cmd: c.ResolveQuestion, checked: bool = False) -> list[ev.Event]:
    if state.status == RESOLVED:
        raise IllegalTransition(
            f"question {state.question_id!r} is already resolved ({state.outcome}); use 'resolve correct'",
            "question",
        )
    if state.status == ANNULLED:
        raise IllegalTransition(f"question {state.question_id!r} is annulled; reopen it first", "question")
    return _event(cmd, ev.QUESTION_RESOLVED, _resolution(state, cmd, checked), at_midnight(cmd.known_on))


def _correct_resolution(state: QuestionState, cmd: c.CorrectResolution) -> list[ev.Event]:
    data: dict[str, Any]
    if state.status != RESOLVED:
        raise IllegalTransition(f"question {state.question_id!r} is {state.status}, not resolved", "question")
    data = _resolution(state, cmd) | {
        "reason": f_.text(cmd.reason, "reason"),
        "previous": {"outcome": state.outcome, "known_on": state.known_on},
    }
    return _event(cmd, ev.RESOLUTION_CORRECTED, data, at_midnight(cmd.known_on))


def _annul_question(state: QuestionState, cmd: c.AnnulQuestion, checked: bool = False) -> list[ev.Event]:
    data: dict[str, Any]
    if state.status == ANNULLED:
        raise IllegalTransition(f"question {state.question_id!r} is already annulled", "question")
    if cmd.on is not None and not checked:
        f_.not_future(cmd.on, cmd.now, "on")
    reason = cmd.reason if checked else f_.text(cmd.reason, "reason")
    data = {"reason": reason, "on": _iso(cmd.on), "previous_status": state.status}
    return _event(cmd, ev.QUESTION_ANNULLED, data, at_midnight(cmd.on) if cmd.on else None)


def _reopen_question(state: QuestionState, cmd: c.ReopenQuestion) -> list[ev.Event]:
    data: dict[str, Any]
    if state.status == OPEN:
        raise IllegalTransition(f"question {state.question_id!r} is already open", "question")
    data = {"reason": f_.text(cmd.reason, "reason"), "previous_status": state.status}
    return _event(cmd, ev.QUESTION_REOPENED, data)


# What each command on an existing question decides (opening one is `_open_question`).
_ON_A_QUESTION: tuple[tuple[type, Callable[[QuestionState, Any], list[ev.Event]]], ...] = (
    (c.ClarifyQuestion, _clarify_question),
    (c.RecordForecast, _record_forecast),
    (c.WithdrawForecast, _withdraw_forecast),
    (c.RescaleForecast, _rescale_forecast),
    (c.ResolveQuestion, _resolve_question),
    (c.CorrectResolution, _correct_resolution),
    (c.AnnulQuestion, _annul_question),
    (c.ReopenQuestion, _reopen_question),
)


def decide(state: QuestionState, cmd: c.QuestionCommand) -> list[ev.Event]:
    """The question lifecycle: open → (forecasts) → resolved | annulled, with corrections and reopening."""
    if isinstance(cmd, c.OpenQuestion):
        return _open_question(state, cmd)
    _require_question(state)
    for kind, decider in _ON_A_QUESTION:
        if isinstance(cmd, kind):
            return decider(state, cmd)
    raise TypeError(f"not a question command: {cmd!r}")  # a programming error, not a user's


# The fields of each command whose rules `decide_checked` leaves to its caller: rules of `tracker.domain.fields`
# that look at the field alone (not at the stream), with the value the rule returned given in the command.
# Every rule that depends on the stream's state (the question exists or not, is open, its opening day, its
# options, the forecast id not taken) is applied by `decide_checked` as by `decide`. The catalog loader reads
# each of these fields through the same rule, collecting every refusal (tests/test_catalog.py refuses a bad
# value in each one).
CHECKED_FIELDS: dict[type, tuple[str, ...]] = {
    c.OpenQuestion: ("question_id", "title", "criteria", "options", "opened", "tags", "condition"),
    c.RecordForecast: ("forecast_id", "forecaster_id", "forecaster", "role", "made_at", "quote", "hedge"),
    c.ResolveQuestion: ("known_on", "evidence"),
    c.AnnulQuestion: ("on", "reason"),
}

_CHECKED: dict[type, Callable[[QuestionState, Any, bool], list[ev.Event]]] = {
    c.RecordForecast: _record_forecast,
    c.ResolveQuestion: _resolve_question,
    c.AnnulQuestion: _annul_question,
}


def decide_checked(state: QuestionState, cmd: c.QuestionCommand) -> list[ev.Event]:
    """`decide` for a command whose `CHECKED_FIELDS` each hold what their field rule returned: the same events
    (tests/test_import.py compares the chain an import writes both ways), without applying those rules a second
    time. A bulk caller that has read every field through the domain's rules already (the catalog import) takes
    this path; any other command, or any other caller, takes `decide`."""
    if isinstance(cmd, c.OpenQuestion):
        return _open_question(state, cmd, True)
    decider = _CHECKED.get(type(cmd))
    if decider is None:
        return decide(state, cmd)
    _require_question(state)
    return decider(state, cmd, True)
