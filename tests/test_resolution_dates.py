"""A resolution dated before its question opened: refused by the domain unless the command says that is what
happened, and then the command names the forecasts it makes hindsight cases (on both databases)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from test_cli import Cli

from tracker.domain import commands as c
from tracker.domain import events as ev
from tracker.domain.decide import decide, hindsight_cases
from tracker.domain.state import QuestionState, evolve_question
from tracker.errors import UserError

NOW = datetime(2026, 3, 1, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


def opened_state() -> QuestionState:
    state = QuestionState("q")
    for cmd in (
        c.OpenQuestion("q", "Will it?", "YES if it does", NOW, opened=date(2026, 1, 14)),
        c.RecordForecast("q", "f-ann", "Ann", "ann", {"yes": 0.3, "no": 0.7}, date(2026, 1, 20), NOW),
        c.RecordForecast("q", "f-bob", "Bob", "bob", {"yes": 0.6, "no": 0.4}, date(2026, 1, 15), NOW),
    ):
        for e in decide(state, cmd):
            state = evolve_question(state, e.type, e.data)
    return state


def test_the_domain_refuses_a_resolution_before_the_opening_naming_field_and_date() -> None:
    state = opened_state()
    with pytest.raises(UserError, match=r"2026-01-01 is before the question opened \(2026-01-14\)") as caught:
        decide(state, c.ResolveQuestion("q", "yes", date(2026, 1, 1), NOW))
    assert caught.value.field == "on"
    # the day it opened is not before it
    assert decide(state, c.ResolveQuestion("q", "yes", date(2026, 1, 14), NOW))[0].type == ev.QUESTION_RESOLVED
    said = decide(state, c.ResolveQuestion("q", "yes", date(2026, 1, 1), NOW, known_before_opened=True))
    assert [e.data["known_on"] for e in said] == ["2026-01-01"]
    # a correction to a date before the opening is refused the same way
    resolved = evolve_question(state, said[0].type, said[0].data)
    with pytest.raises(UserError, match="before the question opened") as caught:
        decide(resolved, c.CorrectResolution("q", "no", date(2026, 1, 2), "misread", NOW))
    assert caught.value.field == "on"


def test_hindsight_cases_are_the_standing_forecasts_made_on_or_after_the_day() -> None:
    state = opened_state()
    assert [f.forecast_id for f in hindsight_cases(state, date(2026, 1, 1))] == ["f-bob", "f-ann"]
    assert [f.forecast_id for f in hindsight_cases(state, date(2026, 1, 20))] == ["f-ann"]
    assert hindsight_cases(state, date(2026, 1, 21)) == ()
    withdrawn = evolve_question(state, ev.FORECAST_WITHDRAWN, {"forecast_id": "f-ann", "reason": "typo"})
    assert [f.forecast_id for f in hindsight_cases(withdrawn, date(2026, 1, 1))] == ["f-bob"]


@pytest.fixture
def led(db_url: str) -> Cli:
    cli = Cli(db_url)
    cli.ok("init")
    cli.ok("question", "add", "q", "--title", "Will it?", "--criteria", "YES if it does", "--opened", "2026-01-14")
    cli.ok("forecast", "q", "--forecaster", "Ann Example", "--p", "0.3", "--made-at", "2026-01-20", "--id", "f-ann")
    cli.ok("forecast", "q", "--forecaster", "Bob Example", "--p", "0.6", "--made-at", "2026-01-15", "--id", "f-bob")
    return cli


def test_the_cli_refuses_it_in_one_line_and_writes_nothing(led: Cli) -> None:
    led.fails(
        UserError,
        "resolve",
        "q",
        "yes",
        "--on",
        "2026-01-01",
        says=["on: 2026-01-01 is before the question opened (2026-01-14)", "--known-before-opened"],
    )
    assert led.show("q")["status"] == "open"


def test_with_the_flag_the_command_names_the_hindsight_cases(led: Cli) -> None:
    out = led.ok("resolve", "q", "yes", "--on", "2026-01-01", "--known-before-opened").stdout.splitlines()
    assert out == [
        "question q resolved: yes",
        "2 forecasts were made on or after 2026-01-01, when the outcome was known: hindsight cases, never scored "
        "('tracker hindsight' lists them)",
        "  f-bob by bob-example, made 2026-01-15",
        "  f-ann by ann-example, made 2026-01-20",
    ]
    led.ok("score")
    assert {r["forecast_id"] for r in led.json("hindsight")} == {"f-ann", "f-bob"}
    # a correction to a later day names what it leaves, and needs no flag
    out = led.ok("resolve", "correct", "q", "yes", "--on", "2026-01-16", "--reason", "misread").stdout.splitlines()
    assert out[1:] == [
        "1 forecast was made on or after 2026-01-16, when the outcome was known: a hindsight case, never scored "
        "('tracker hindsight' lists them)",
        "  f-ann by ann-example, made 2026-01-20",
    ]
    led.fails(
        UserError,
        "resolve",
        "correct",
        "q",
        "no",
        "--on",
        "2026-01-13",
        "--reason",
        "r",
        says=["on: 2026-01-13 is before the question opened (2026-01-14)"],
    )


def test_a_resolution_after_every_forecast_says_nothing_more(led: Cli) -> None:
    assert led.ok("resolve", "q", "no", "--on", "2026-02-01").stdout.splitlines() == ["question q resolved: no"]


def test_a_catalog_says_so_in_its_resolution_or_is_refused(led: Cli, tmp_path: Path) -> None:
    catalog = tmp_path / "predictions"
    shutil.copytree(ROOT / "tests/fixtures/catalog/predictions", catalog)
    shutil.copytree(ROOT / "tests/fixtures/catalog/seeds", tmp_path / "seeds")
    questions = catalog / "questions.yaml"
    said = questions.read_text(encoding="utf-8")
    flag = "      known_before_opened: true\n"
    assert said.count(flag) == 1
    questions.write_text(said.replace(flag, ""), encoding="utf-8")
    led.fails(UserError, "import", str(catalog), says=[
        "russia-cites-venezuela-precedent-2026: resolution.known_on: 2026-01-04 is before the question opened "
        "(2026-01-14)"])  # fmt: skip
    questions.write_text(said.replace(flag, '      known_before_opened: "yes"\n'), encoding="utf-8")
    led.fails(UserError, "import", str(catalog), says=["known_before_opened", "must be true or false"])
    questions.write_text(said, encoding="utf-8")
    led.ok("import", str(catalog))
    assert led.show("russia-cites-venezuela-precedent-2026")["status"] == "resolved"
