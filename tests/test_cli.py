"""The `tracker` command line through CliRunner: every command, and every user error as one line
("error: ..."), a specific exit code, no traceback, and nothing written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from tracker.cli.main import app
from tracker.errors import DatabaseError, IllegalTransition, NotFound, TrackerError, UserError
from tracker.store.eventstore import GENESIS_HASH

USAGE = 2  # click's usage errors (missing option, bad value type)
SQL = "x'; DROP TABLE events;--"
DOCUMENT = (
    "Interview, 14 January 2024.\n"
    "Asked about the summit, she said: \u201cthe meeting of the presidents is\n"
    "unlikely to happen before the spring\u201d, and added that no grand bargain\n"
    "was reached then and none will be reached now.\n"
)


class Cli:
    """`tracker --db URL ...`, with helpers that check success and failure the same way every time."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(app, ["--db", self.url, *args])

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, f"{args}: exit {result.exit_code}\n{result.output}\n{result.exception!r}"
        assert "Traceback" not in result.output
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json").stdout)

    def state(self) -> tuple[int, str]:
        info = self.json("info")
        return info["events"], info["head_hash"]

    def fails(self, error: type[TrackerError] | int, *args: str, says: Sequence[str] = ()) -> str:
        """Run a command that must fail; return its one error line. The ledger must be unchanged."""
        before = self.state()
        line = failed(self(*args), error, says)
        assert self.state() == before, f"{args} wrote to the ledger"
        return line

    def show(self, question_id: str, *more: str) -> dict[str, Any]:
        return self.json("show", question_id, *more)


def failed(result: Result, error: type[TrackerError] | int, says: Sequence[str] = ()) -> str:
    code = error if isinstance(error, int) else error.exit_code
    assert result.exit_code == code, f"exit {result.exit_code}, wanted {code}\n{result.output}"
    assert isinstance(result.exception, SystemExit)  # not an exception that escaped
    assert "Traceback" not in result.output
    assert result.stdout.strip() == ""  # (rich's transient progress bar of `rebuild` leaves a bare newline)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    for text in says:
        assert text in line, f"{text!r} not in {line!r}"
    return line


@pytest.fixture
def cli(db_url: str) -> Cli:
    """`--db sqlite:///<tmp>/ledger.sqlite`, and the same on PostgreSQL when it is configured."""
    return Cli(db_url)


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "interview.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    return path


@pytest.fixture
def led(cli: Cli, doc: Path) -> Cli:
    """An initialised ledger: a source with its text, a binary and a multiple-choice question."""
    cli.ok("init")
    cli.ok("source", "add", "interview", "--title", "An interview", "--file", str(doc), "--published", "2024-01-14")
    cli.ok(
        "question",
        "add",
        "--opened",
        "2000-01-01",
        "summit",
        "--title",
        "Will the summit happen?",
        "--criteria",
        "YES if they meet",
    )
    cli.ok(
        "question",
        "add",
        "--opened",
        "2000-01-01",
        "winner",
        "--title",
        "Who wins?",
        "--criteria",
        "The official result",
        "--type",
        "multiple_choice",
        "--option",
        "a",
        "--option",
        "b",
        "--option",
        "c",
        "--tag",
        "elections",
    )
    return cli


def forecast(cli: Cli, question: str, *ps: str, made_at: str = "2024-01-14", more: Sequence[str] = ()) -> str:
    args = ["forecast", question, "--forecaster", "Ann Example", "--made-at", made_at]
    for p in ps:
        args += ["--p", p]
    out = cli.ok(*args, *more).stdout
    return out.split()[1]  # "forecast ID recorded on QUESTION"


# ------------------------------------------------------------------------------ set-up and info


def test_init_creates_then_is_up_to_date(cli: Cli) -> None:
    assert "created ledger" in cli.ok("init").stdout
    assert "up to date" in cli.ok("init").stdout
    out = cli.ok("info").stdout
    assert "events:    0" in out and f"head:      0:{GENESIS_HASH}" in out


def test_info_json(cli: Cli) -> None:
    before = cli.json("info")
    assert before["initialised"] is False and before["revision"] is None and before["events"] == 0
    assert "schema:    none (run 'tracker init')" in cli.ok("info").stdout
    cli.ok("init")
    info = cli.json("info")
    assert info["initialised"] is True and info["schema_current"] is True
    assert (info["events"], info["head_position"], info["head_hash"]) == (0, 0, GENESIS_HASH)
    assert info["database"].split(":")[0] in ("sqlite", "postgresql+psycopg")


def test_info_counts_events_and_shows_the_head(led: Cli) -> None:
    info = led.json("info")
    log = led.json("log")
    assert info["events"] == len(log) == 3
    assert info["head_hash"] == log[-1]["hash"] and info["head_position"] == log[-1]["position"]


# ------------------------------------------------------------------------------ sources and quotes


def test_source_add_with_file_records_its_sha256(led: Cli, doc: Path) -> None:
    (event,) = led.json("log", "--type", "SourceRegistered")
    sha = hashlib.sha256(doc.read_bytes()).hexdigest()
    assert event["payload"]["sha256"] == sha
    assert event["payload"]["text"] == DOCUMENT
    assert event["payload"]["published"] == "2024-01-14"
    out = led.ok("source", "add", "plain", "--title", "No file", "--author", "A", "--author", "B").stdout
    assert "source plain registered at position 4" in out and "sha256" not in out
    listed = {s["source_id"]: s for s in led.json("sources")}
    assert listed["interview"]["sha256"] == sha
    assert listed["plain"]["sha256"] is None and listed["plain"]["authors"] == ["A", "B"]
    assert "interview" in led.ok("sources").stdout


def test_quote_found_in_the_source_is_verified(led: Cli) -> None:
    quote = "the meeting of the presidents is unlikely to happen"  # spans a line break in the file
    fid = forecast(led, "summit", "0.2", more=["--source", "interview", "--quote", quote, "--hedge", "unlikely"])
    (f,) = led.show("summit")["forecasts"]
    assert (f["forecast_id"], f["quote"], f["quote_verified"], f["source_id"]) == (fid, quote, True, "interview")
    assert f["hedge"] == "unlikely"


def test_quote_not_in_the_source_is_refused_with_the_closest_passage(led: Cli) -> None:
    line = led.fails(
        UserError,
        "forecast",
        "summit",
        "--forecaster",
        "Ann",
        "--p",
        "0.2",
        "--made-at",
        "2024-01-14",
        "--source",
        "interview",
        "--quote",
        "the meeting of the presidents is likely to happen",
        says=["quote:", "not found verbatim", "'interview'", "closest passage", "presidents is", "--unverified-quote"],
    )
    assert "\n" not in line


def test_unverified_quote_is_recorded_as_such(led: Cli) -> None:
    forecast(
        led,
        "summit",
        "0.2",
        more=["--source", "interview", "--quote", "a summit is unlikely", "--unverified-quote"],
    )
    (f,) = led.show("summit")["forecasts"]
    assert f["quote_verified"] is False and f["quote"] == "a summit is unlikely"
    (event,) = led.json("log", "--type", "ForecastRecorded")
    assert event["payload"]["quote_verified"] is False
    assert "quote unverified" in led.ok("show", "summit").stdout


def test_quote_without_a_source_is_not_checked(led: Cli) -> None:
    forecast(led, "summit", "0.2", more=["--quote", "anything at all"])
    (f,) = led.show("summit")["forecasts"]
    assert f["quote_verified"] is None


def test_source_errors(led: Cli, tmp_path: Path) -> None:
    led.fails(NotFound, "forecast", "summit", "--forecaster", "A", "--p", "0.2", "--made-at", "2024-01-14",
              "--source", "nope", says=["source:", "'nope'"])  # fmt: skip
    led.fails(IllegalTransition, "source", "add", "interview", "--title", "Again", says=["already registered"])
    led.fails(UserError, "source", "add", "other", "--title", "T", "--file", str(tmp_path / "missing.txt"),
              says=["file:", "missing.txt"])  # fmt: skip
    binary = tmp_path / "binary.bin"
    binary.write_bytes(b"\xff\xfe\x00bad")
    led.fails(UserError, "source", "add", "other", "--title", "T", "--file", str(binary), says=["file:", "UTF-8"])
    led.fails(UserError, "source", "add", "Bad Id", "--title", "T", says=["source_id:"])
    led.fails(UserError, "source", "add", "other", "--title", "T", "--published", "2999-01-01", says=["published:"])


# ------------------------------------------------------------------------------ questions


def test_question_add_binary_and_multiple_choice(led: Cli) -> None:
    summit = led.show("summit")
    assert (summit["kind"], summit["options"], summit["status"]) == ("binary", ["yes", "no"], "open")
    assert summit["title"] == "Will the summit happen?" and summit["criteria"] == "YES if they meet"
    assert summit["opened"] == "2000-01-01"
    led.ok("question", "add", "undated", "--title", "T", "--criteria", "C")
    today = datetime.now(UTC).date()
    undated = led.show("undated")
    assert undated["opened"] in (today.isoformat(), (today - timedelta(days=1)).isoformat())  # UTC today
    # a forecast dated before the day the question opened is refused, as the catalog refuses it
    led.fails(UserError, "forecast", "undated", "--forecaster", "Ann", "--p", "0.5", "--made-at", "2024-01-14",
              says=["made_at: ", "before the question opened"])  # fmt: skip
    winner = led.show("winner")
    assert (winner["kind"], winner["options"], winner["tags"]) == ("multiple_choice", ["a", "b", "c"], ["elections"])
    out = led.ok(
        "question", "add", "dated", "--title", "T", "--criteria", "C", "--opened", "2024-01-01",
        "--resolve-by", "2024-12-31", "--condition", "if it happens", "--type", "multiple-choice",
        "--option", "x", "--option", "y",
    ).stdout  # fmt: skip
    assert out.strip() == "question dated opened"
    dated = led.show("dated")
    assert (dated["opened"], dated["resolve_by"], dated["condition"]) == ("2024-01-01", "2024-12-31", "if it happens")


def test_question_add_generates_an_id(led: Cli) -> None:
    out = led.ok(
        "question", "add", "--opened", "2000-01-01", "--title", "Will the ECB cut rates in 2025?", "--criteria", "C"
    ).stdout
    assert out.strip() == "question will-the-ecb-cut-rates-in-2025 opened"
    again = led.ok(
        "question", "add", "--opened", "2000-01-01", "--title", "Will the ECB cut rates in 2025?", "--criteria", "C2"
    ).stdout
    second = again.split()[1]
    assert second.startswith("will-the-ecb-cut-rates-in-2025-") and second != "will-the-ecb-cut-rates-in-2025"
    assert led.show(second)["criteria"] == "C2"


def test_question_clarify(led: Cli) -> None:
    failed(led("question", "clarify", "summit", "--criteria", "X"), USAGE, ["Missing option", "--reason"])
    led.ok("question", "clarify", "summit", "--reason", "vague", "--criteria", "YES if they meet in person",
           "--resolve-by", "2025-06-30", "--title", "Will they meet?")  # fmt: skip
    q = led.show("summit")
    assert (q["criteria"], q["resolve_by"], q["title"]) == (
        "YES if they meet in person",
        "2025-06-30",
        "Will they meet?",
    )
    (event,) = led.json("log", "--type", "QuestionClarified")
    assert event["payload"]["reason"] == "vague"
    assert event["payload"]["previous"]["criteria"] == "YES if they meet"


# ------------------------------------------------------------------------------ forecasts


def test_forecast_binary_and_multiple_choice(led: Cli) -> None:
    fid = forecast(led, "summit", "0.3", made_at="2024-01-10")
    mc = forecast(led, "winner", "a=0.3", "b=0.7")
    (f,) = led.show("summit")["forecasts"]
    assert (f["forecast_id"], f["p_yes"], f["made_at"], f["method"]) == (fid, 0.3, "2024-01-10", "stated")
    assert f["probabilities"] == {"yes": 0.3, "no": 0.7}
    assert f["forecaster"] == "Ann Example" and f["forecaster_id"] == "ann-example"
    (g,) = led.show("winner")["forecasts"]
    assert g["forecast_id"] == mc and g["probabilities"] == {"a": 0.3, "b": 0.7, "c": 0.0} and g["p_yes"] is None
    # An explicit id, a role and a method.
    out = led.ok("forecast", "summit", "--forecaster", "Bob", "--role", "analyst", "--p", "1",
                 "--made-at", "2024-01-11", "--id", "bob-1", "--method", "judgement").stdout  # fmt: skip
    assert out.strip() == "forecast bob-1 recorded on summit"
    bob = {f["forecast_id"]: f for f in led.show("summit")["forecasts"]}["bob-1"]
    assert (bob["role"], bob["method"], bob["p_yes"]) == ("analyst", "judgement", 1.0)
    assert "0.300" in led.ok("show", "summit").stdout


def test_forecast_withdraw(led: Cli) -> None:
    fid = forecast(led, "summit", "0.3")
    assert led.json("list")[0]["n_forecasts"] == 1
    failed(led("forecast", "withdraw", fid), USAGE, ["--reason"])
    assert led.ok("forecast", "withdraw", fid, "--reason", "typo").stdout.strip() == f"forecast {fid} withdrawn"
    (f,) = led.show("summit")["forecasts"]
    assert f["withdrawn"] is True and f["withdrawn_reason"] == "typo"
    assert led.json("list")[0]["n_forecasts"] == 0
    led.fails(IllegalTransition, "forecast", "withdraw", fid, "--reason", "again", says=["already withdrawn"])


# ------------------------------------------------------------------------------ resolution lifecycle


def test_resolve_correct_annul_reopen(led: Cli) -> None:
    assert led.ok(
        "resolve", "summit", "YES", "--on", "2024-03-01", "--evidence", "https://example.org"
    ).stdout.strip() == ("question summit resolved: yes")
    q = led.show("summit")
    assert (q["status"], q["outcome"], q["known_on"], q["evidence"]) == (
        "resolved",
        "yes",
        "2024-03-01",
        "https://example.org",
    )
    led.ok("resolve", "correct", "summit", "no", "--on", "2024-03-02", "--reason", "misread the report")
    q = led.show("summit")
    assert (q["status"], q["outcome"], q["known_on"], q["status_reason"]) == (
        "resolved",
        "no",
        "2024-03-02",
        "misread the report",
    )
    led.ok("annul", "summit", "--reason", "the summit was redefined", "--on", "2024-03-03")
    q = led.show("summit")
    assert (q["status"], q["outcome"]) == ("annulled", None)
    led.ok("reopen", "summit", "--reason", "definition restored")
    q = led.show("summit")
    assert q["status"] == "open"
    assert [r["action"] for r in q["resolutions"]] == ["resolved", "corrected", "annulled", "reopened"]
    assert [h["type"] for h in q["history"]][1:] == [
        "QuestionResolved",
        "ResolutionCorrected",
        "QuestionAnnulled",
        "QuestionReopened",
    ]
    led.ok("resolve", "winner", "b", "--on", "2024-03-01")
    assert led.show("winner")["outcome"] == "b"


# ------------------------------------------------------------------------------ reading


@pytest.fixture
def busy(led: Cli) -> Cli:
    """More variety: a due question, a resolved and an annulled one, forecasts by two people."""
    led.ok("question", "add", "late", "--title", "Late", "--criteria", "C", "--opened", "2020-01-01",
           "--resolve-by", "2020-06-01", "--tag", "elections", "--tag", "europe")  # fmt: skip
    led.ok("question", "add", "--opened", "2000-01-01", "voided", "--title", "Voided", "--criteria", "C")
    forecast(led, "summit", "0.3")
    led.ok("forecast", "winner", "--forecaster", "Bob Roberts", "--p", "c=1", "--made-at", "2024-01-01")
    led.ok("resolve", "summit", "no", "--on", "2024-02-01")
    led.ok("annul", "voided", "--reason", "condition failed")
    return led


def ids(rows: list[dict[str, Any]]) -> list[str]:
    """The question ids, sorted (listings come in the order the questions were opened)."""
    return sorted(r["question_id"] for r in rows)


def test_list_filters(busy: Cli) -> None:
    assert ids(busy.json("list")) == ["late", "summit", "voided", "winner"]
    assert ids(busy.json("list", "--status", "open")) == ["late", "winner"]
    assert ids(busy.json("list", "--status", "due")) == ["late"]
    assert ids(busy.json("list", "--status", "resolved")) == ["summit"]
    assert ids(busy.json("list", "--status", "annulled")) == ["voided"]
    assert ids(busy.json("list", "--tag", "elections")) == ["late", "winner"]
    assert ids(busy.json("list", "--tag", "europe")) == ["late"]
    busy.fails(NotFound, "list", "--tag", "nothing", says=["tag"])
    busy.fails(NotFound, "list", "--forecaster", "Nobody", says=["forecaster"])
    busy.fails(NotFound, "list", "--source", "nowhere", says=["source"])
    assert ids(busy.json("list", "--forecaster", "Bob Roberts")) == ["winner"]
    assert ids(busy.json("list", "--forecaster", "bob-roberts")) == ["winner"]
    assert ids(busy.json("list", "--forecaster", "ann-example")) == ["summit"]
    assert ids(busy.json("list", "--status", "open", "--tag", "elections", "--forecaster", "Bob Roberts")) == ["winner"]
    late = busy.json("list", "--status", "due")[0]
    assert late["due"] is True and late["resolve_by"] == "2020-06-01"
    table = busy.ok("list", "--format", "table").stdout
    assert "4 questions" in table and "open (due)" in table and "summit" in table


def test_score_reports_how_many_questions_are_due(busy: Cli) -> None:
    assert busy.json("score")["due"] == 1  # "late": open, resolve-by 2020-06-01
    assert "1 question is past the resolve-by date and unresolved" in busy.ok("score").stdout  # nothing new
    busy.ok("resolve", "late", "yes", "--on", "2020-06-02")
    assert busy.json("score")["due"] == 0
    assert "past the resolve-by date" not in busy.ok("score").stdout


def test_list_and_show_as_of(busy: Cli) -> None:
    log = busy.json("log")
    resolved_at = next(e["position"] for e in log if e["event_type"] == "QuestionResolved")
    before = str(resolved_at - 1)
    assert ids(busy.json("list", "--as-of", "3")) == ["summit", "winner"]
    assert ids(busy.json("list", "--as-of", "0")) == []
    assert ids(busy.json("list", "--status", "resolved", "--as-of", before)) == []
    assert ids(busy.json("list", "--status", "resolved", "--as-of", str(resolved_at))) == ["summit"]
    # Dates are of recording: nothing was recorded before 2000, everything by tomorrow.
    assert busy.json("list", "--as-of", "2000-01-01") == []
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert busy.json("list", "--as-of", tomorrow) == busy.json("list")
    shown = busy.show("summit", "--as-of", before)
    assert shown["status"] == "open" and len(shown["forecasts"]) == 1
    assert [h["position"] for h in shown["history"]][-1] < resolved_at
    assert busy.show("summit")["status"] == "resolved"  # time travel changed nothing
    text = busy.ok("show", "summit", "--as-of", before).stdout
    assert "status:   open" in text and "QuestionOpened" in text
    busy.fails(NotFound, "show", "voided", "--as-of", "3", says=["no question 'voided'"])


def test_show_text(busy: Cli) -> None:
    out = busy.ok("show", "summit").stdout
    for text in ("summit: Will the summit happen?", "status:   resolved", "outcome:  no (known 2024-02-01)",
                 "criteria: YES if they meet", "options:  yes, no", "Ann Example", "QuestionResolved"):  # fmt: skip
        assert text in out, text
    assert "(due)" in busy.ok("show", "late").stdout


def test_log(busy: Cli) -> None:
    log = busy.json("log")
    assert [e["position"] for e in log] == list(range(1, len(log) + 1))
    assert {"event_id", "stream_id", "stream_version", "event_type", "schema_version", "occurred_at", "recorded_at",
            "actor", "payload", "prev_hash", "hash"} <= set(log[0])  # fmt: skip
    summit = busy.json("log", "--stream", "summit")
    assert [e["event_type"] for e in summit] == ["QuestionOpened", "ForecastRecorded", "QuestionResolved"]
    assert [e["stream_version"] for e in summit] == [1, 2, 3]
    assert busy.json("log", "--stream", "question-summit") == summit
    assert [e["event_type"] for e in busy.json("log", "--stream", "source-interview")] == ["SourceRegistered"]
    forecasts = busy.json("log", "--type", "ForecastRecorded")
    assert [e["payload"]["forecaster"] for e in forecasts] == ["Ann Example", "Bob Roberts"]
    two = busy.json("log", "--type", "QuestionAnnulled", "--type", "QuestionResolved")
    assert [e["event_type"] for e in two] == ["QuestionResolved", "QuestionAnnulled"]
    assert busy.json("log", "--after", "5") == log[5:]
    assert busy.json("log", "--after", "2", "--limit", "2") == log[2:4]
    assert busy.json("log", "--as-of", "2") == log[:2]
    assert busy.json("log", "--stream", "nothing-here") == []
    assert {e["actor"] for e in log} == {e["actor"] for e in log[:1]}  # one actor in this test
    table = busy.ok("log", "--format", "table").stdout
    assert f"{len(log)} events" in table and "question-summit" in table


def test_actor_option(led: Cli) -> None:
    led.ok("--actor", "alice", "annul", "summit", "--reason", "r")
    assert led.json("log")[-1]["actor"] == "alice"


def test_rebuild_and_verify(busy: Cli) -> None:
    n = busy.state()[0]
    assert busy.ok("rebuild").stdout.strip() == f"rebuilt projections from {n} events"
    out = busy.ok("verify").stdout
    assert f"ok: {n} events, chain intact, projections match a replay" in out
    report = busy.json("verify")
    assert report["ok"] is True and report["events_checked"] == n and report["projections_ok"] is True
    assert report["head_hash"] == busy.state()[1]


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize("p", ["-0.1", "1.5", "nan", "abc", "", "inf", "1e400", "0,5"])
def test_bad_binary_probability(led: Cli, p: str) -> None:
    line = led.fails(UserError, "forecast", "summit", "--forecaster", "Ann", "--p", p, "--made-at", "2024-01-14",
                     says=["p: ", repr(p)])  # fmt: skip
    assert "not a number" in line or "not a probability between 0 and 1" in line


@pytest.mark.parametrize(
    ("ps", "says"),
    [
        (["a=0.3", "b=0.3"], ["p: ", "sum to 0.6"]),
        (["a=0.5", "b=0.6"], ["p: ", "sum to 1.1"]),
        (["a=0.5", "z=0.5"], ["p: ", "unknown option 'z'", "a, b, c"]),
        (["a=0.5", "a=0.5"], ["p: ", "given twice"]),
        (["a=1.5", "b=-0.5"], ["p[a]: ", "'1.5'"]),
        (["a=nan", "b=1"], ["p[a]: ", "'nan'"]),
        (["a=", "b=1"], ["p[a]: ", "not a number"]),
        (["0.5"], ["p: ", "multiple choice", "a, b, c"]),
        (["a=0.5", "0.5"], ["p: ", "option=probability"]),
    ],
)
def test_bad_distribution(led: Cli, ps: list[str], says: list[str]) -> None:
    args = [x for p in ps for x in ("--p", p)]
    led.fails(UserError, "forecast", "winner", "--forecaster", "Ann", *args, "--made-at", "2024-01-14", says=says)


def test_forecast_needs_a_probability(led: Cli) -> None:
    led.fails(UserError, "forecast", "summit", "--forecaster", "A", "--made-at", "2024-01-14", says=["p: ", "--p"])
    led.fails(UserError, "forecast", "summit", "--forecaster", "A", "--made-at", "2024-01-14", "--p", "0.2",
              "--says", "unlikely", says=["says: "])  # fmt: skip
    failed(led("forecast", "summit", "--p", "0.2", "--made-at", "2024-01-14"), USAGE, ["--forecaster"])
    failed(led("forecast", "summit", "--p", "0.2", "--forecaster", "A"), USAGE, ["--made-at"])


def test_unknown_question(led: Cli) -> None:
    for args in (
        ["forecast", "nope", "--forecaster", "A", "--p", "0.3", "--made-at", "2024-01-14"],
        ["forecast", "nope", "--forecaster", "A", "--p", "a=0.3", "--p", "b=0.7", "--made-at", "2024-01-14"],
        ["resolve", "nope", "yes", "--on", "2024-01-14"],
        ["resolve", "correct", "nope", "yes", "--on", "2024-01-14", "--reason", "r"],
        ["annul", "nope", "--reason", "r"],
        ["reopen", "nope", "--reason", "r"],
        ["question", "clarify", "nope", "--reason", "r", "--title", "T"],
        ["show", "nope"],
    ):
        led.fails(NotFound, *args, says=["question: ", "no question 'nope'"])


def test_unknown_forecast_id(led: Cli) -> None:
    led.fails(NotFound, "forecast", "withdraw", "f-nope", "--reason", "r", says=["forecast_id: ", "'f-nope'"])


def test_resolve_twice(led: Cli) -> None:
    led.ok("resolve", "summit", "yes", "--on", "2024-03-01")
    led.fails(IllegalTransition, "resolve", "summit", "no", "--on", "2024-03-01",
              says=["question: ", "already resolved", "resolve correct"])  # fmt: skip
    led.fails(IllegalTransition, "resolve", "correct", "winner", "a", "--on", "2024-03-01", "--reason", "r",
              says=["not resolved"])  # fmt: skip
    led.fails(IllegalTransition, "reopen", "winner", "--reason", "r", says=["already open"])


def test_forecast_on_annulled_question(led: Cli) -> None:
    led.ok("annul", "summit", "--reason", "condition failed")
    led.fails(IllegalTransition, "forecast", "summit", "--forecaster", "A", "--p", "0.3", "--made-at", "2024-01-14",
              says=["question: ", "annulled"])  # fmt: skip
    led.fails(IllegalTransition, "annul", "summit", "--reason", "again", says=["already annulled"])
    led.fails(IllegalTransition, "resolve", "summit", "yes", "--on", "2024-01-14", says=["annulled"])


def test_outcome_not_an_option(led: Cli) -> None:
    led.fails(UserError, "resolve", "summit", "maybe", "--on", "2024-01-14", says=["outcome: ", "'maybe'", "yes, no"])
    led.fails(UserError, "resolve", "winner", "d", "--on", "2024-01-14", says=["outcome: ", "'d'", "a, b, c"])


def test_dates_in_the_future(led: Cli) -> None:
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    led.fails(UserError, "forecast", "summit", "--forecaster", "A", "--p", "0.3", "--made-at", future,
              says=["made_at: ", future, "in the future"])  # fmt: skip
    led.fails(UserError, "resolve", "summit", "yes", "--on", future, says=["on: ", "in the future"])
    led.fails(UserError, "question", "add", "q2", "--title", "T", "--criteria", "C", "--opened", future,
              says=["opened: ", "in the future"])  # fmt: skip
    # Today is never in the future, wherever the author was.
    forecast(led, "summit", "0.3", made_at=date.today().isoformat())


@pytest.mark.parametrize("bad", ["01/02/2024", "2024-13-01", "yesterday", "2024-02-30", ""])
def test_bad_date_format(led: Cli, bad: str) -> None:
    led.fails(UserError, "forecast", "summit", "--forecaster", "A", "--p", "0.3", "--made-at", bad,
              says=["made_at: "])  # fmt: skip
    led.fails(UserError, "resolve", "summit", "yes", "--on", bad, says=["on: "])
    if bad:
        led.fails(UserError, "question", "add", "--opened", "2000-01-01",
                  "q2", "--title", "T", "--criteria", "C", "--resolve-by", bad,
                  says=["resolve_by: ", repr(bad), "YYYY-MM-DD"])  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        ["annul", "summit"],
        ["reopen", "summit"],
        ["resolve", "correct", "summit", "no", "--on", "2024-01-14"],
        ["question", "clarify", "summit", "--title", "T"],
        ["forecast", "withdraw", "f1"],
    ],
)
def test_missing_reason(led: Cli, args: list[str]) -> None:
    led.fails(USAGE, *args, says=["Missing option", "--reason"])


@pytest.mark.parametrize("reason", ["", "   "])
def test_empty_reason(led: Cli, reason: str) -> None:
    led.fails(UserError, "annul", "summit", "--reason", reason, says=["reason: ", "must not be empty"])


def test_clarify_with_nothing_to_change(led: Cli) -> None:
    led.fails(
        UserError, "question", "clarify", "summit", "--reason", "because", says=["clarify: ", "nothing to change"]
    )


def test_duplicate_question_id(led: Cli) -> None:
    led.fails(IllegalTransition, "question", "add", "--opened", "2000-01-01",
              "summit", "--title", "Again", "--criteria", "C",
              says=["question_id: ", "'summit' already exists"])  # fmt: skip


def test_bad_question_definitions(led: Cli) -> None:
    led.fails(UserError, "question", "add", "--opened", "2000-01-01",
              "q2", "--title", "T", "--criteria", "C", "--type", "ranking",
              says=["type: ", "'ranking'"])  # fmt: skip
    led.fails(UserError, "question", "add", "--opened", "2000-01-01",
              "q2", "--title", "T", "--criteria", "C", "--option", "a",
              says=["option: "])  # fmt: skip
    led.fails(UserError, "question", "add", "--opened", "2000-01-01",
              "q2", "--title", "T", "--criteria", "C", "--type", "multiple_choice",
              "--option", "a", says=["option: ", "at least two"])  # fmt: skip
    led.fails(
        UserError,
        "question",
        "add",
        "--opened",
        "2000-01-01",
        "q2",
        "--title",
        "   ",
        "--criteria",
        "C",
        says=["title: "],
    )
    led.fails(UserError, "question", "add", "--opened", "2000-01-01",
              "q2", "--title", "T", "--criteria", "C", "--tag", "Not A Tag",
              says=["tag: "])  # fmt: skip
    led.fails(UserError, "question", "add", "q2", "--title", "T", "--criteria", "C", "--opened", "2024-02-01",
              "--resolve-by", "2024-01-01", says=["resolve_by: "])  # fmt: skip


def test_bad_status(led: Cli) -> None:
    led.fails(UserError, "list", "--status", "closed", says=["status: ", "'closed'", "open, resolved, annulled, due"])


@pytest.mark.parametrize("bad", ["yesterday", "2024-13-45", "-1", "1.5", "2024-01-01T25:00"])
def test_bad_as_of(led: Cli, bad: str) -> None:
    for cmd in (["list"], ["show", "summit"], ["log"]):
        led.fails(UserError, *cmd, "--as-of", bad, says=["as_of: ", repr(bad)])


def test_bad_log_options(led: Cli) -> None:
    led.fails(UserError, "log", "--type", "Nonsense", says=["type: ", "'Nonsense'"])
    led.fails(USAGE, "log", "--after", "abc", says=["--after"])
    led.fails(USAGE, "log", "--limit", "-1", says=["--limit"])  # SQLite read a negative LIMIT as "no limit"


def test_positions_beyond_64_bits_are_harmless(led: Cli) -> None:
    """Positions past the head (even past 64 bits) are a field error, never an overflow in the driver."""
    huge = str(2**64 + 1)
    everything = led.json("log")
    assert led.json("log", "--after", huge) == []
    head = str(len(everything))
    assert led.json("log", "--as-of", head) == everything
    for command in (["log"], ["list"], ["show", "summit"], ["scores"], ["due"], ["runs"], ["calibration"]):
        led.fails(UserError, *command, "--as-of", huge, says=["as_of: "])
        led.fails(UserError, *command, "--as-of", str(len(everything) + 1), says=["as_of: ", "past the ledger's head"])
    assert led.json("log", "--limit", "0") == everything  # 0 means no limit


def test_sql_looking_names_are_stored_verbatim_and_harmless(led: Cli) -> None:
    out = led.ok("question", "add", "--opened", "2000-01-01", "--title", SQL, "--criteria", SQL).stdout
    qid = out.split()[1]
    assert qid == "x-drop-table-events"
    led.ok("forecast", qid, "--forecaster", SQL, "--p", "0.5", "--made-at", "2024-01-14", "--quote", SQL,
           "--hedge", SQL, "--role", SQL)  # fmt: skip
    led.ok("question", "clarify", qid, "--reason", SQL, "--criteria", SQL + " (2)")
    led.ok("annul", qid, "--reason", SQL)
    q = led.show(qid)
    assert q["title"] == SQL and q["criteria"] == SQL + " (2)" and q["status_reason"] == SQL
    (f,) = q["forecasts"]
    assert (f["forecaster"], f["quote"], f["hedge"], f["role"]) == (SQL, SQL, SQL, SQL)
    assert f["forecaster_id"] == "x-drop-table-events"
    # As ids or filters they are refused or simply match nothing.
    led.fails(
        UserError,
        "question",
        "add",
        "--opened",
        "2000-01-01",
        SQL,
        "--title",
        "T",
        "--criteria",
        "C",
        says=["question_id: "],
    )
    led.fails(NotFound, "show", SQL, says=["no question"])
    led.fails(UserError, "list", "--status", SQL, says=["status: "])
    led.fails(NotFound, "list", "--tag", SQL, says=["tag: "])
    assert ids(led.json("list", "--forecaster", SQL)) == [qid]
    assert led.json("log", "--stream", SQL) == []
    # The events table is intact and the ledger verifies.
    assert led.state()[0] == len(led.json("log")) == 7
    assert led.json("verify")["ok"] is True


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["show", "summit"],
        ["log"],
        ["verify"],
        ["rebuild"],
        ["sources"],
        ["question", "add", "--opened", "2000-01-01", "q", "--title", "T", "--criteria", "C"],
        ["question", "add", "--opened", "2000-01-01", "--title", "T", "--criteria", "C"],
        ["source", "add", "s", "--title", "T"],
        ["forecast", "q", "--forecaster", "A", "--p", "0.3", "--made-at", "2024-01-14"],
        ["forecast", "withdraw", "f1", "--reason", "r"],
        ["resolve", "q", "yes", "--on", "2024-01-14"],
        ["annul", "q", "--reason", "r"],
    ],
)
def test_never_initialised_database(cli: Cli, args: list[str]) -> None:
    cli.fails(DatabaseError, *args, says=["run 'tracker init'"])
    info = cli.json("info")
    assert info["initialised"] is False and info["events"] == 0


@pytest.mark.parametrize(
    "args",
    [
        ["init"],
        ["info"],
        ["list"],
        ["question", "add", "--opened", "2000-01-01", "q", "--title", "T", "--criteria", "C"],
    ],
)
def test_database_in_a_missing_directory(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{missing}/x.sqlite", *args])
    failed(result, DatabaseError, ["database directory", str(missing), "does not exist"])
    assert not (tmp_path / "no").exists()
    # A bare path is a SQLite file too.
    failed(CliRunner().invoke(app, ["--db", f"{missing}/x.sqlite", *args]), DatabaseError, ["does not exist"])
    # a directory whose name is longer than the file system takes: one line too (was exit 70)
    too_long = tmp_path / ("x" * 300)
    failed(CliRunner().invoke(app, ["--db", f"{too_long}/x.sqlite", *args]), DatabaseError, ["database directory"])


def test_unsupported_database_url(tmp_path: Path) -> None:
    failed(CliRunner().invoke(app, ["--db", "mysql://u@h/db", "info"]), UserError, ["db: ", "unsupported database"])


def test_usage_errors_are_one_line(led: Cli) -> None:
    led.fails(USAGE, "frobnicate", says=["No such command"])
    suggestion = led.fails(USAGE, "lisst", says=["No such command 'lisst'", "Did you mean 'list'?"])
    assert suggestion.count("Did you mean") == 1, suggestion  # click and Typer each added one
    led.fails(USAGE, "list", "--bogus", says=["--bogus"])
    led.fails(USAGE, "resolve", "summit", says=["Missing argument"])


@pytest.mark.parametrize("args", [[], ["question"], ["source"]])
def test_no_arguments_shows_help_without_an_empty_error(args: list[str]) -> None:
    """Bug fixed: `tracker` alone printed the help and then a bare "error: " line."""
    result = CliRunner().invoke(app, args)
    assert "Usage:" in result.output
    assert "error:" not in result.output and "Traceback" not in result.output
    assert result.exit_code == USAGE  # as click does for a group invoked without a command
