"""The pure domain: properties of decide/evolve over random command sequences, and decide's rules."""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.domain import commands as c
from tracker.domain import events as ev
from tracker.domain.decide import decide, decide_source
from tracker.domain.state import ANNULLED, OPEN, RESOLVED, QuestionState, SourceState, evolve_question
from tracker.errors import IllegalTransition, NotFound, UserError
from tracker.store.eventstore import canonical_json

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
QID = "q"
FORECAST_IDS = ("f1", "f2", "f3", "f4", "f5", "f6")
OUTCOMES = ("yes", "no", "a", "b", "c", "zz")
LIKELY_OUTCOMES = ("yes", "no", "a", "b", *OUTCOMES)

# ------------------------------------------------------------------------------------ strategies

past_dates = st.dates(min_value=date(2024, 4, 1), max_value=date(2024, 6, 1))
# Mostly past dates, some in the future (refused).
dates = st.one_of(past_dates, past_dates, past_dates, st.dates(min_value=date(2024, 6, 2), max_value=date(2024, 7, 1)))
reasons = st.sampled_from(["typo", "criteria were vague", "data entry", "", "   "])
maybe_text = st.one_of(st.none(), st.sampled_from(["New title", "New criteria", ""]))
nice_p = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9, 1.0])
any_p = st.one_of(
    nice_p, st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([-0.1, 1.5, math.nan, -math.inf])
)


@st.composite
def distributions(draw: st.DrawFn) -> dict[str, float]:
    kind = draw(st.integers(-2, 3))
    if kind <= 0:  # a valid binary distribution (the most common case)
        p = draw(nice_p)
        return {"yes": p, "no": 1.0 - p}
    if kind == 1:  # a valid distribution over a, b, c
        return draw(
            st.sampled_from([{"a": 0.2, "b": 0.3, "c": 0.5}, {"a": 1.0}, {"b": 0.5, "c": 0.5}, {"a": 0.1, "b": 0.9}])
        )
    if kind == 2:  # only yes: sums to 1 when p is 1
        return {"yes": draw(nice_p)}
    keys = draw(st.lists(st.sampled_from(OUTCOMES), min_size=0, max_size=4, unique=True))
    return {k: draw(any_p) for k in keys}


open_cmd = st.builds(
    c.OpenQuestion,
    question_id=st.sampled_from([QID, QID, "Not A Slug"]),
    title=st.sampled_from(["Will it rain?", "", "x'; DROP TABLE events;--"]),
    criteria=st.sampled_from(["YES if it rains", " "]),
    now=st.just(NOW),
    kind=st.sampled_from(["binary", "binary", "multiple_choice", "multiple_choice", "ranking"]),
    options=st.sampled_from([(), ("a", "b", "c"), ("a", "b", "c"), ("a",), ("a", "a"), ("yes", "no")]),
    resolve_by=st.one_of(st.none(), dates),
    opened=st.one_of(st.none(), dates),
    tags=st.sampled_from([(), ("europe",), ("europe", "europe"), ("Bad Tag",)]),
)
forecast_cmd = st.builds(
    c.RecordForecast,
    question_id=st.just(QID),
    forecast_id=st.sampled_from(FORECAST_IDS),
    forecaster=st.sampled_from(["Ann Example", "Bob", "Carla", ""]),
    forecaster_id=st.sampled_from(["ann-example", "bob"]),
    probabilities=distributions(),
    made_at=dates,
    now=st.just(NOW),
)
withdraw_cmd = st.builds(
    c.WithdrawForecast,
    question_id=st.just(QID),
    forecast_id=st.sampled_from(FORECAST_IDS),
    reason=reasons,
    now=st.just(NOW),
)
resolve_cmd = st.builds(
    c.ResolveQuestion,
    question_id=st.just(QID),
    outcome=st.sampled_from(LIKELY_OUTCOMES),
    known_on=dates,
    now=st.just(NOW),
)
correct_cmd = st.builds(
    c.CorrectResolution,
    question_id=st.just(QID),
    outcome=st.sampled_from(LIKELY_OUTCOMES),
    known_on=dates,
    reason=reasons,
    now=st.just(NOW),
)
annul_cmd = st.builds(
    c.AnnulQuestion, question_id=st.just(QID), reason=reasons, now=st.just(NOW), on=st.one_of(st.none(), dates)
)
reopen_cmd = st.builds(c.ReopenQuestion, question_id=st.just(QID), reason=reasons, now=st.just(NOW))
clarify_cmd = st.builds(
    c.ClarifyQuestion,
    question_id=st.just(QID),
    reason=reasons,
    now=st.just(NOW),
    title=maybe_text,
    criteria=maybe_text,
    resolve_by=st.one_of(st.none(), dates),
)
# Weighted towards the commands that move a question along, so that legal ones are common too
# (st.one_of would merge the repeated strategies; sampling from a list keeps the weights).
any_command = st.sampled_from(
    [
        open_cmd,
        forecast_cmd,
        forecast_cmd,
        forecast_cmd,
        withdraw_cmd,
        withdraw_cmd,
        resolve_cmd,
        resolve_cmd,
        correct_cmd,
        correct_cmd,
        annul_cmd,
        reopen_cmd,
        reopen_cmd,
        clarify_cmd,
    ]
).flatmap(lambda strategy: strategy)


def fold(state: QuestionState, events: list[ev.Event], through_json: bool = False) -> QuestionState:
    for e in events:
        data = json.loads(canonical_json(e.data)) if through_json else e.data
        state = evolve_question(state, e.type, data)
    return state


def expected_illegal(state: QuestionState, cmd: c.QuestionCommand) -> type[UserError] | None:
    """The lifecycle rules that decide must enforce, stated independently of it."""
    if isinstance(cmd, c.OpenQuestion):
        return IllegalTransition if state.exists and cmd.question_id == QID else None
    if not state.exists:
        return NotFound
    if isinstance(cmd, c.ResolveQuestion) and state.status in (RESOLVED, ANNULLED):
        return IllegalTransition
    if isinstance(cmd, c.CorrectResolution) and state.status != RESOLVED:
        return IllegalTransition
    if isinstance(cmd, c.AnnulQuestion) and state.status == ANNULLED:
        return IllegalTransition
    if isinstance(cmd, c.ReopenQuestion) and state.status == OPEN:
        return IllegalTransition
    if isinstance(cmd, c.RecordForecast) and state.status == ANNULLED:
        return IllegalTransition
    if isinstance(cmd, c.RecordForecast) and cmd.forecast_id in state.forecasts:
        return IllegalTransition
    if isinstance(cmd, c.WithdrawForecast) and cmd.forecast_id not in state.forecasts:
        return NotFound
    if isinstance(cmd, c.WithdrawForecast) and state.forecasts[cmd.forecast_id].withdrawn:
        return IllegalTransition
    return None


def plausible(data: st.DataObject, state: QuestionState) -> c.QuestionCommand:
    """A command that is likely legal in `state` (right outcome, known forecast id, good reason).

    Drawn from plain integers rather than built strategies: building strategies at every step is slow.
    """
    which = data.draw(st.integers(0, 6))
    known = sorted(state.forecasts) or ["f1"]
    free = [f for f in FORECAST_IDS if f not in state.forecasts] or ["f-extra"]
    outcome = state.options[data.draw(st.integers(0, len(state.options) - 1))]
    day = date(2024, 4, 1) + timedelta(days=data.draw(st.integers(0, 61)))  # up to NOW's date
    reason = "a reason"
    if which == 0:
        weights = [data.draw(st.integers(0, 4)) for _ in state.options]
        weights[0] += 0 if any(weights) else 1
        dist = {o: w / sum(weights) for o, w in zip(state.options, weights, strict=True)}
        fid = free[data.draw(st.integers(0, len(free) - 1))]
        return c.RecordForecast(QID, fid, "Ann", "ann", dist, day, NOW)
    if which == 1:
        return c.WithdrawForecast(QID, known[data.draw(st.integers(0, len(known) - 1))], reason, NOW)
    if which == 2:
        return c.ResolveQuestion(QID, outcome, day, NOW)
    if which == 3:
        return c.CorrectResolution(QID, outcome, day, reason, NOW)
    if which == 4:
        return c.AnnulQuestion(QID, reason, NOW)
    if which == 5:
        return c.ReopenQuestion(QID, reason, NOW)
    return c.ClarifyQuestion(QID, reason, NOW, criteria="sharper")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(any_command, max_size=5),
    st.sampled_from([(), ("a", "b", "c")]),
    st.integers(0, 30),
    st.data(),
)
def test_random_command_sequences(
    prefix: list[c.QuestionCommand], options: tuple[str, ...], steps: int, data: st.DataObject
) -> None:
    """Random commands, legal and illegal, each decided on the state the previous ones left."""
    # The prefix is noise before the question exists; then a valid open; then `steps` commands,
    # drawn at random or (more often) plausible for the current state, so deep lifecycles occur.
    kind = "multiple_choice" if options else "binary"
    opening = c.OpenQuestion(QID, "Will it rain?", "YES if it rains", NOW, kind, options)
    initial = QuestionState(QID)
    state = initial
    emitted: list[ev.Event] = []
    for i in range(len(prefix) + 1 + steps):
        if i < len(prefix):
            cmd = prefix[i]
        elif i == len(prefix):
            cmd = opening
        else:
            cmd = data.draw(any_command) if data.draw(st.integers(0, 2)) == 0 else plausible(data, state)
        before = state
        snapshot = copy.deepcopy(state)
        must_fail = expected_illegal(state, cmd)
        try:
            new = decide(state, cmd)
        except UserError as exc:
            # Nothing changed: the same object, equal to what it was (decide did not mutate it).
            assert state is before and state == snapshot
            if must_fail is not None:
                assert isinstance(exc, must_fail), (cmd, exc)
            assert str(exc)
            continue
        assert must_fail is None, f"{cmd} should have been refused with {must_fail.__name__}"
        assert state == snapshot  # deciding does not mutate the state either
        assert decide(state, cmd) == new  # pure: the same command decides the same events
        assert len(new) == 1
        for e in new:
            assert e.type in ev.ALL_TYPES
            assert e.occurred_at.tzinfo is not None
            canonical_json(e.data)  # plain JSON, no NaN: the store can hash it
            state = evolve_question(state, e.type, e.data)
        emitted.extend(new)
        assert before == snapshot  # evolve returned a new state and left its input alone

        # Invariants of every reachable state.
        assert state.exists and state.version == len(emitted)
        assert state.status in (OPEN, RESOLVED, ANNULLED)
        if state.status == RESOLVED:
            assert state.outcome in state.options
        else:
            assert state.outcome is None
    # Replaying every emitted event from the start gives an equal state, also after the
    # JSON round trip the store puts payloads through.
    assert fold(initial, emitted) == state
    assert fold(initial, emitted, through_json=True) == state
    # Replaying does not disturb the initial state (evolve never mutates its input).
    assert initial == QuestionState(QID)


@given(st.lists(forecast_cmd, min_size=1, max_size=10))
def test_forecast_distributions_in_events_are_complete_and_sum_to_one(cmds: list[c.RecordForecast]) -> None:
    for kind, options in (("binary", ()), ("multiple_choice", ("a", "b", "c"))):
        state = fold(QuestionState(QID), decide(QuestionState(QID), c.OpenQuestion(QID, "t", "c", NOW, kind, options)))
        for cmd in cmds:
            try:
                (e,) = decide(state, cmd)
            except UserError:
                continue
            probs = e.data["probabilities"]
            assert tuple(probs) == state.options  # every option, omitted ones as 0
            assert all(0.0 <= p <= 1.0 for p in probs.values())
            assert abs(math.fsum(probs.values()) - 1.0) <= 1e-9


# ------------------------------------------------------------------------------------ decide's rules


def opened(kind: str = "binary", options: tuple[str, ...] = ()) -> QuestionState:
    cmd = c.OpenQuestion(QID, "t", "crit", NOW, kind, options, opened=OPENED)
    return fold(QuestionState(QID), decide(QuestionState(QID), cmd))


OPENED = date(1990, 1, 1)


def test_forecasts_and_deadlines_before_the_question_opened_are_refused() -> None:
    state = opened()
    refused(state, forecast({"yes": 0.5, "no": 0.5}, date(1989, 12, 31)), UserError, "made_at")
    decide(state, forecast({"yes": 0.5, "no": 0.5}, OPENED))
    refused(state, c.ClarifyQuestion(QID, "r", NOW, resolve_by=date(1989, 12, 31)), UserError, "resolve_by")
    (e,) = decide(state, c.ClarifyQuestion(QID, "r", NOW, resolve_by=OPENED))
    assert e.data["resolve_by"] == OPENED.isoformat()


def apply(state: QuestionState, cmd: c.QuestionCommand) -> QuestionState:
    return fold(state, decide(state, cmd))


def forecast(
    probabilities: dict[str, float], made_at: date = date(2024, 5, 1), fid: str = "f1", now: datetime = NOW
) -> c.RecordForecast:
    return c.RecordForecast(QID, fid, "Ann", "ann", probabilities, made_at, now)


def refused(state: QuestionState, cmd: c.QuestionCommand, exc: type[UserError], field: str | None) -> UserError:
    snapshot = copy.deepcopy(state)
    with pytest.raises(exc) as info:
        decide(state, cmd)
    assert state == snapshot
    if field is not None:
        assert info.value.field == field
        assert str(info.value).startswith(f"{field}: ")
    return info.value


@pytest.mark.parametrize(
    ("now", "made_at", "ok"),
    [
        # The UTC+14 allowance: a date is "today" somewhere on Earth until UTC reaches 10:00 on it.
        (datetime(2024, 6, 1, 9, 59, 59, tzinfo=UTC), date(2024, 6, 1), True),
        (datetime(2024, 6, 1, 9, 59, 59, tzinfo=UTC), date(2024, 6, 2), False),
        (datetime(2024, 6, 1, 10, 0, tzinfo=UTC), date(2024, 6, 2), True),
        (datetime(2024, 6, 1, 23, 59, tzinfo=UTC), date(2024, 6, 2), True),
        (datetime(2024, 6, 1, 23, 59, tzinfo=UTC), date(2024, 6, 3), False),
        (datetime(2024, 6, 1, 12, 0, tzinfo=UTC), date(2025, 1, 1), False),
        (datetime(2024, 6, 1, 12, 0, tzinfo=UTC), date(1999, 1, 1), True),
    ],
)
def test_made_at_in_the_future_is_refused(now: datetime, made_at: date, ok: bool) -> None:
    state = opened()
    cmd = forecast({"yes": 0.5, "no": 0.5}, made_at, now=now)
    if ok:
        (e,) = decide(state, cmd)
        assert e.data["made_at"] == made_at.isoformat()
        assert e.occurred_at == datetime(made_at.year, made_at.month, made_at.day, tzinfo=UTC)
    else:
        err = refused(state, cmd, UserError, "made_at")
        assert "future" in str(err) and made_at.isoformat() in str(err)


def test_future_dates_refused_elsewhere_too() -> None:
    future = (NOW + timedelta(days=2)).date()
    refused(QuestionState(QID), c.OpenQuestion(QID, "t", "c", NOW, opened=future), UserError, "opened")
    refused(opened(), c.ResolveQuestion(QID, "yes", future, NOW), UserError, "on")
    refused(opened(), c.AnnulQuestion(QID, "r", NOW, on=future), UserError, "on")
    with pytest.raises(UserError, match="published"):
        decide_source(SourceState("s"), c.RegisterSource("s", "title", NOW, published=future))


def test_outcome_not_an_option() -> None:
    err = refused(opened(), c.ResolveQuestion(QID, "maybe", date(2024, 5, 1), NOW), UserError, "outcome")
    assert "'maybe'" in str(err) and "yes, no" in str(err)
    mc = opened("multiple_choice", ("a", "b"))
    refused(mc, c.ResolveQuestion(QID, "yes", date(2024, 5, 1), NOW), UserError, "outcome")
    resolved = apply(mc, c.ResolveQuestion(QID, "a", date(2024, 5, 1), NOW))
    refused(resolved, c.CorrectResolution(QID, "c", date(2024, 5, 2), "oops", NOW), UserError, "outcome")


def test_resolve_twice_is_refused_but_correct_works() -> None:
    state = apply(opened(), c.ResolveQuestion(QID, "yes", date(2024, 5, 1), NOW))
    err = refused(state, c.ResolveQuestion(QID, "no", date(2024, 5, 2), NOW), IllegalTransition, "question")
    assert "already resolved" in str(err) and "correct" in str(err)
    (e,) = decide(state, c.CorrectResolution(QID, "no", date(2024, 5, 2), "misread", NOW))
    assert e.type == ev.RESOLUTION_CORRECTED
    assert e.data["previous"] == {"outcome": "yes", "known_on": "2024-05-01"}
    corrected = fold(state, [e])
    assert (corrected.status, corrected.outcome) == (RESOLVED, "no")
    refused(opened(), c.CorrectResolution(QID, "no", date(2024, 5, 2), "r", NOW), IllegalTransition, "question")


def test_annulled_question_refuses_forecasts_until_reopened() -> None:
    state = apply(opened(), c.AnnulQuestion(QID, "condition failed", NOW))
    err = refused(state, forecast({"yes": 0.5, "no": 0.5}), IllegalTransition, "question")
    assert "annulled" in str(err)
    refused(state, c.ResolveQuestion(QID, "yes", date(2024, 5, 1), NOW), IllegalTransition, "question")
    refused(state, c.AnnulQuestion(QID, "again", NOW), IllegalTransition, "question")
    refused(state, c.ClarifyQuestion(QID, "r", NOW, title="x"), IllegalTransition, "question")
    reopened = apply(state, c.ReopenQuestion(QID, "condition met after all", NOW))
    assert reopened.status == OPEN
    decide(reopened, forecast({"yes": 0.5, "no": 0.5}))
    refused(reopened, c.ReopenQuestion(QID, "again", NOW), IllegalTransition, "question")


def test_withdraw_twice_and_unknown_forecast() -> None:
    state = apply(opened(), forecast({"yes": 0.3, "no": 0.7}))
    refused(state, c.WithdrawForecast(QID, "nope", "r", NOW), NotFound, "forecast_id")
    state = apply(state, c.WithdrawForecast(QID, "f1", "typo", NOW))
    assert state.forecasts["f1"].withdrawn
    err = refused(state, c.WithdrawForecast(QID, "f1", "again", NOW), IllegalTransition, "forecast_id")
    assert "already withdrawn" in str(err)
    refused(state, forecast({"yes": 0.3, "no": 0.7}), IllegalTransition, "forecast_id")  # ids are not reused


@pytest.mark.parametrize(
    "probabilities",
    [
        {"a": 0.3, "b": 0.3, "c": 0.3},
        {"a": 0.5, "b": 0.6},
        {"a": 0.5, "b": 0.5 + 2e-9},
        {"a": 0.0},
        {"a": 1.0, "b": 1e-8},
    ],
)
def test_mc_distribution_not_summing_to_one_is_refused(probabilities: dict[str, float]) -> None:
    err = refused(opened("multiple_choice", ("a", "b", "c")), forecast(probabilities), UserError, "p")
    assert "sum to" in str(err)


@pytest.mark.parametrize(
    "probabilities",
    [
        {"a": 0.1, "b": 0.2, "c": 0.7},  # 0.1 + 0.2 is not exactly 0.3 in floating point
        {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3},
        {"a": 0.5, "b": 0.5 - 5e-10},  # within 1e-9
        {"a": 0.5, "b": 0.5 + 9e-10, "c": 0.0},
        {"b": 1.0},  # omitted options count as 0
    ],
)
def test_mc_distribution_summing_to_one_within_tolerance_is_accepted(probabilities: dict[str, float]) -> None:
    (e,) = decide(opened("multiple_choice", ("a", "b", "c")), forecast(probabilities))
    assert set(e.data["probabilities"]) == {"a", "b", "c"}
    assert e.data["probabilities"]["a"] == probabilities.get("a", 0.0)


def test_unknown_option_is_refused() -> None:
    err = refused(opened("multiple_choice", ("a", "b")), forecast({"a": 0.5, "z": 0.5}), UserError, "p")
    assert "unknown option 'z'" in str(err) and "a, b" in str(err)
    refused(opened(), forecast({"yes": 0.5, "maybe": 0.5}), UserError, "p")
    refused(opened(), forecast({}), UserError, "p")


@pytest.mark.parametrize("bad", [math.nan, -0.1, 1.5, math.inf, -math.inf, -1e-12, 1 + 1e-12, True, "0.5", None])
def test_bad_probabilities_are_refused(bad: Any) -> None:
    err = refused(opened(), forecast({"yes": bad, "no": 0.5}), UserError, "p[yes]")
    assert repr(bad) in str(err)
    refused(opened("multiple_choice", ("a", "b")), forecast({"a": bad, "b": 1.0}), UserError, "p[a]")


@pytest.mark.parametrize("p", [0.0, 1.0, 0.5, 1e-300])
def test_edge_probabilities_are_accepted(p: float) -> None:
    (e,) = decide(opened(), forecast({"yes": p, "no": 1.0 - p}))
    assert e.data["probabilities"] == {"yes": p, "no": 1.0 - p}


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_empty_reasons_are_refused(reason: str) -> None:
    state = apply(opened(), forecast({"yes": 0.3, "no": 0.7}))
    resolved = apply(state, c.ResolveQuestion(QID, "yes", date(2024, 5, 1), NOW))
    annulled = apply(state, c.AnnulQuestion(QID, "x", NOW))
    refused(state, c.WithdrawForecast(QID, "f1", reason, NOW), UserError, "reason")
    refused(state, c.ClarifyQuestion(QID, reason, NOW, title="New"), UserError, "reason")
    refused(state, c.AnnulQuestion(QID, reason, NOW), UserError, "reason")
    refused(resolved, c.CorrectResolution(QID, "no", date(2024, 5, 2), reason, NOW), UserError, "reason")
    refused(annulled, c.ReopenQuestion(QID, reason, NOW), UserError, "reason")


def test_clarify_needs_something_to_change_and_keeps_the_previous_values() -> None:
    state = opened()
    refused(state, c.ClarifyQuestion(QID, "because", NOW), UserError, "clarify")
    (e,) = decide(state, c.ClarifyQuestion(QID, "because", NOW, criteria="sharper", resolve_by=date(2025, 1, 1)))
    assert e.data["previous"] == {"title": "t", "criteria": "crit", "resolve_by": None}
    after = fold(state, [e])
    assert (after.title, after.criteria, after.resolve_by) == ("t", "sharper", "2025-01-01")


def test_commands_on_an_unknown_question_are_not_found() -> None:
    empty = QuestionState(QID)
    for cmd in (
        forecast({"yes": 0.5, "no": 0.5}),
        c.WithdrawForecast(QID, "f1", "r", NOW),
        c.ResolveQuestion(QID, "yes", date(2024, 5, 1), NOW),
        c.CorrectResolution(QID, "yes", date(2024, 5, 1), "r", NOW),
        c.AnnulQuestion(QID, "r", NOW),
        c.ReopenQuestion(QID, "r", NOW),
        c.ClarifyQuestion(QID, "r", NOW, title="x"),
    ):
        refused(empty, cmd, NotFound, "question")


def test_open_rules() -> None:
    empty = QuestionState(QID)
    refused(opened(), c.OpenQuestion(QID, "t", "c", NOW), IllegalTransition, "question_id")
    refused(empty, c.OpenQuestion("Bad Id", "t", "c", NOW), UserError, "question_id")
    refused(empty, c.OpenQuestion(QID, "", "c", NOW), UserError, "title")
    refused(empty, c.OpenQuestion(QID, "t", "c", NOW, "multiple_choice", ("a",)), UserError, "option")
    refused(empty, c.OpenQuestion(QID, "t", "c", NOW, "multiple_choice", ("a", "a")), UserError, "option")
    refused(empty, c.OpenQuestion(QID, "t", "c", NOW, "binary", ("a", "b")), UserError, "option")
    refused(empty, c.OpenQuestion(QID, "t", "c", NOW, "ranking"), UserError, "type")
    refused(
        empty,
        c.OpenQuestion(QID, "t", "c", NOW, resolve_by=date(2024, 1, 1), opened=date(2024, 2, 1)),
        UserError,
        "resolve_by",
    )
    refused(empty, c.OpenQuestion(QID, "t\x00", "c", NOW), UserError, "title")
    (e,) = decide(empty, c.OpenQuestion(QID, "  t  ", "c", NOW, tags=("x", "x", "y")))
    assert e.data["title"] == "t" and e.data["tags"] == ["x", "y"] and e.data["opened"] == "2024-06-01"


def test_evolving_copies_states_as_dataclasses_replace_does() -> None:
    """`evolve_question` and `evolve_source` copy a state's dict instead of calling `dataclasses.replace`: the
    states they give, and every state on the way, are those `dataclasses.replace` gives, on every event type."""
    import dataclasses
    from unittest import mock

    from tracker.domain import state as st_
    from tracker.domain.state import evolve_source

    opened = {"title": "T", "criteria": "C", "kind": "multiple_choice", "options": ["a", "b"], "opened": "2024-01-01",
              "resolve_by": "2024-09-01", "tags": ["x"], "condition": None}  # fmt: skip
    stream = [
        (ev.QUESTION_OPENED, opened),
        (ev.FORECAST_RECORDED, {"forecast_id": "f1", "forecaster_id": "ann", "made_at": "2024-02-01"}),
        (ev.FORECAST_RECORDED, {"forecast_id": "f2", "forecaster_id": "bob", "made_at": "2024-02-02"}),
        (ev.QUESTION_CLARIFIED, {"title": "T2", "criteria": None, "resolve_by": None, "opened": "2023-12-01"}),
        (ev.FORECAST_WITHDRAWN, {"forecast_id": "f1"}),
        (ev.FORECAST_RESCALED, {"forecast_id": "f2"}),
        (ev.QUESTION_RESOLVED, {"outcome": "a", "known_on": "2024-05-01"}),
        (ev.RESOLUTION_CORRECTED, {"outcome": "b", "known_on": "2024-05-02"}),
        (ev.QUESTION_REOPENED, {}),
        (ev.QUESTION_ANNULLED, {}),
        ("SomethingNew", {}),
    ]

    def states() -> list[Any]:
        out: list[Any] = [QuestionState(QID)]
        for event_type, data in stream:
            out.append(evolve_question(out[-1], event_type, data))
        out.append(evolve_source(SourceState("s"), ev.SOURCE_REGISTERED, {"text": "t", "sha256": "h"}))
        out.append(evolve_source(out[-1], "SomethingNew", {}))
        return out

    copied = states()
    with mock.patch.object(st_, "replace", dataclasses.replace):
        replaced = states()
    assert [type(s) for s in copied] == [type(s) for s in replaced]
    assert [vars(s) for s in copied] == [vars(s) for s in replaced]  # no field more or less, every value equal
    assert copied[1].status == OPEN and copied[5].forecasts["f1"].withdrawn and copied[7].outcome == "a"
    assert copied[8].outcome == "b" and copied[10].status == ANNULLED and copied[4].opened == "2023-12-01"
    assert copied[11].version == 11 and copied[12].text == "t" and copied[13].version == 2
    assert len({id(s) for s in copied}) == len(copied)  # each event gave a new state; none was changed in place
    assert copied[0] == QuestionState(QID)


def test_an_empty_question_state_is_the_constructors_with_a_forecasts_dict_of_its_own() -> None:
    from tracker.domain.state import empty_question

    first, second = empty_question("q-1"), empty_question("q-2")
    assert type(first) is QuestionState and vars(first) == vars(QuestionState("q-1"))
    assert vars(second) == vars(QuestionState(question_id="q-2"))
    assert first.forecasts is not second.forecasts  # evolving one question can never show in another
    opened = {"title": "T", "criteria": "C", "kind": "binary", "options": ["yes", "no"], "opened": "2024-01-01"}
    after = evolve_question(evolve_question(first, ev.QUESTION_OPENED, opened), ev.FORECAST_RECORDED,
                            {"forecast_id": "f", "forecaster_id": "a", "made_at": "2024-01-02"})  # fmt: skip
    assert list(after.forecasts) == ["f"] and second.forecasts == {} and empty_question("q-3").forecasts == {}
