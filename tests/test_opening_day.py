"""A question's opening day: `question add --source` opens it on the article's date, the refusal of an earlier
forecast says how to fix it, and `question clarify --opened` corrects it as a new event, never past what the
question already holds."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.app.importer import CatalogInvalid, import_catalog
from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.errors import NotFound, UserError

runner = CliRunner()


def _question(led: Ledger, **kw: object) -> str:
    return led.open_question("Will they meet?", "YES if they meet", "meet", resolve_by=date(2019, 7, 1), **kw)  # type: ignore[arg-type]


def test_question_add_with_a_source_opens_on_the_sources_date(sqlite_url: str) -> None:
    db = ["--db", sqlite_url]
    runner.invoke(app, [*db, "init"])
    steps = [
        ["source", "add", "art", "--title", "T", "--published", "2019-05-01", "--url", "https://example.org/a"],
        ["question", "add", "meet", "--title", "Meet?", "--criteria", "C", "--source", "art"],
        ["forecast", "meet", "--forecaster", "A. B", "--p", "0.2", "--made-at", "2019-05-01", "--source", "art"],
    ]
    for step in steps:
        result = runner.invoke(app, [*db, *step])
        assert result.exit_code == 0, result.output
    assert Ledger(sqlite_url).show_question("meet")["opened"] == "2019-05-01"
    m2 = ["question", "add", "m2", "--title", "M2", "--criteria", "C"]
    explicit = runner.invoke(app, [*db, *m2, "--source", "art", "--opened", "2019-04-02"])
    assert explicit.exit_code == 0 and Ledger(sqlite_url).show_question("m2")["opened"] == "2019-04-02"
    missing = runner.invoke(app, [*db, "question", "add", "m3", "--title", "M3", "--criteria", "C", "--source", "nope"])
    assert missing.exit_code not in (0, 70) and "source: no source 'nope'" in missing.stderr


def test_without_opened_a_question_opens_today_and_an_earlier_forecast_is_told_how_to_fix_it(ledger: Ledger) -> None:
    _question(ledger)
    assert ledger.show_question("meet")["opened"] == ledger.today().isoformat()
    with pytest.raises(UserError) as refused:
        ledger.record_forecast("meet", "A. B", 0.2, date(2019, 5, 15))
    assert refused.value.field == "made_at"
    assert "2019-05-15 is before the question opened" in refused.value.message
    assert "tracker question clarify meet --opened 2019-05-15 --reason TEXT" in refused.value.message
    events = ledger.info()["events"]

    ledger.clarify("meet", "the article of 15 May asked it first", opened=date(2019, 5, 15))
    ledger.record_forecast("meet", "A. B", 0.2, date(2019, 5, 15))
    shown = ledger.show_question("meet")
    assert shown["opened"] == "2019-05-15"
    log = ledger.log(stream="meet")
    assert [e.event_type for e in log] == ["QuestionOpened", "QuestionClarified", "ForecastRecorded"]
    assert log[0].data["opened"] == ledger.today().isoformat()  # the opening event is never edited
    assert log[1].data["opened"] == "2019-05-15" and log[1].data["previous"]["opened"] == ledger.today().isoformat()
    assert ledger.info()["events"] == events + 2
    assert ledger.show_question("meet", as_of=events)["opened"] == ledger.today().isoformat()
    assert ledger.verify()["ok"]
    ledger.rebuild()
    assert ledger.show_question("meet")["opened"] == "2019-05-15"


def test_the_opening_day_cannot_move_past_what_the_question_holds(ledger: Ledger) -> None:
    _question(ledger, opened=date(2019, 5, 1))
    fid = ledger.record_forecast("meet", "A. B", 0.2, date(2019, 5, 10), forecast_id="early")
    ledger.record_forecast("meet", "C. D", 0.3, date(2019, 5, 20), forecast_id="later")
    before = ledger.info()["events"]

    def refused(day: date, *says: str) -> None:
        with pytest.raises(UserError) as info:
            ledger.clarify("meet", "a reason", opened=day)
        assert info.value.field == "opened"
        for part in says:
            assert part in info.value.message
        assert ledger.info()["events"] == before

    refused(date(2019, 5, 25), "after forecast 'early', made on 2019-05-10 (and 1 more)")
    refused(date(2019, 5, 1), "already opened on 2019-05-01")
    refused(ledger.today() + timedelta(days=3), "in the future")
    ledger.withdraw_forecast(fid, "typed against the wrong question")
    before = ledger.info()["events"]
    refused(date(2019, 5, 25), "after forecast 'later', made on 2019-05-20")
    ledger.clarify("meet", "opened with the second article", opened=date(2019, 5, 20))  # a withdrawn one does not block
    assert ledger.show_question("meet")["opened"] == "2019-05-20"
    before = ledger.info()["events"]
    refused(date(2019, 7, 2), "after forecast")
    ledger.withdraw_forecast("later", "typed against the wrong question")
    before = ledger.info()["events"]
    refused(date(2019, 7, 2), "after the question's resolve-by date (2019-07-01)")
    ledger.resolve("meet", "no", date(2019, 6, 20))
    before = ledger.info()["events"]
    refused(date(2019, 6, 25), "after the outcome became known (2019-06-20)")
    with pytest.raises(NotFound):
        ledger.clarify("nope", "a reason", opened=date(2019, 5, 1))


def test_a_clarification_without_opened_keeps_its_old_payload(ledger: Ledger) -> None:
    _question(ledger, opened=date(2019, 5, 1))
    ledger.clarify("meet", "sharper", criteria="YES if they hold a bilateral meeting")
    (e,) = ledger.log(stream="meet", types=["QuestionClarified"])
    assert "opened" not in e.data and "opened" not in e.data["previous"]
    assert ledger.show_question("meet")["opened"] == "2019-05-01"


def test_the_cli_clarify_takes_opened(sqlite_url: str) -> None:
    db = ["--db", sqlite_url]
    runner.invoke(app, [*db, "init"])
    runner.invoke(app, [*db, "question", "add", "q", "--title", "Q", "--criteria", "C", "--opened", "2019-05-10"])
    early = runner.invoke(app, [*db, "forecast", "q", "--forecaster", "A", "--p", "0.2", "--made-at", "2019-05-01"])
    assert early.exit_code not in (0, 70)
    assert "tracker question clarify q --opened 2019-05-01 --reason TEXT" in early.stderr
    clarify = ["question", "clarify", "q", "--opened", "2019-05-01"]
    fixed = runner.invoke(app, [*db, *clarify, "--reason", "earlier article"])
    assert fixed.exit_code == 0, fixed.output
    again = runner.invoke(app, [*db, "forecast", "q", "--forecaster", "A", "--p", "0.2", "--made-at", "2019-05-01"])
    assert again.exit_code == 0, again.output


def test_an_import_records_a_changed_opening_day_only_as_a_clarification(ledger: Ledger, tmp_path: Path) -> None:
    catalog = tmp_path / "questions.yaml"

    def write(opened: str) -> None:
        catalog.write_text(
            "schema: 1\nquestions:\n  - id: q\n    title: Q\n    criteria: C\n    type: binary\n"
            f"    opened: {opened}\n    resolve_by: 2019-07-01\n",
            encoding="utf-8",
        )

    write("2019-05-10")
    import_catalog(ledger, [catalog])
    write("2019-05-01")
    with pytest.raises(CatalogInvalid, match="q: opened: changed since import"):
        import_catalog(ledger, [catalog])
    report = import_catalog(ledger, [catalog], record_as="clarification", reason="the earlier article")
    assert report.recorded_changes == ["q: clarified (opened)"]
    assert ledger.show_question("q")["opened"] == "2019-05-01"
    assert import_catalog(ledger, [catalog]).appended == 0


def test_the_site_shows_the_corrected_opening_day_in_the_questions_history(sqlite_url: str, tmp_path: Path) -> None:
    from tracker.app.site import build_site

    led = Ledger(sqlite_url, actor="tester")
    led.init()
    _question(led, opened=date(2019, 5, 10))
    led.clarify("meet", "the interview of 1 May asked it first", opened=date(2019, 5, 1))
    build_site(led, tmp_path / "site")
    page = (tmp_path / "site" / "questions" / "meet.html").read_text(encoding="utf-8")
    assert "<dt>Opened</dt><dd>2019-05-01</dd>" in page
    assert "the interview of 1 May asked it first</bdi>; opened now “<bdi>2019-05-01</bdi>”" in page
