from datetime import date

from tracker.app.ledger import Ledger


def test_question_lifecycle_round_trip(ledger: Ledger) -> None:
    qid = ledger.open_question("Will it rain?", "YES if it rains", question_id="rain", opened=date(2000, 1, 1))
    fid = ledger.record_forecast(qid, "Ann Example", 0.3, date(2020, 1, 1))
    ledger.resolve(qid, "no", date(2020, 1, 2))
    shown = ledger.show_question(qid)
    assert shown["status"] == "resolved"
    assert [f["forecast_id"] for f in shown["forecasts"]] == [fid]
    assert [h["type"] for h in shown["history"]] == ["QuestionOpened", "ForecastRecorded", "QuestionResolved"]
    assert ledger.verify()["ok"] is True
