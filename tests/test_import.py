"""`tracker import`: validate first, one transaction, idempotent, changes recorded only when named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tracker.app.importer import CatalogInvalid, import_catalog
from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.store.ids import catalog_event_id

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """A private copy of predictions/ and seeds/, so a test may edit it."""
    shutil.copytree(ROOT / "predictions", tmp_path / "predictions")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    return tmp_path / "predictions"


def _edit(path: Path, fn) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _edit_entry(path: Path, entry_id: str, old: str, new: str) -> None:
    """Replace the first `old` after the line `- id: entry_id` (a text edit: YAML stays as written)."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"- id: {entry_id}\n")
    at = text.index(old, start)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")


def _state(led: Ledger) -> tuple[int, str]:
    info = led.info()
    return info["events"], info["head_hash"]


def test_import_then_reimport_appends_nothing(ledger: Ledger, catalog: Path) -> None:
    first = import_catalog(ledger, [catalog])
    assert first.appended > 0
    assert first.questions >= 20 and first.forecasts >= 30
    events_after_first = _state(ledger)
    second = import_catalog(ledger, [catalog])
    assert second.appended == 0
    assert second.differences == []
    assert _state(ledger) == events_after_first
    assert ledger.verify()["ok"]


def test_a_first_import_reads_no_event_and_a_second_reads_what_the_first_wrote(ledger: Ledger, catalog: Path) -> None:
    """Into a ledger with no event, the import looks up neither the catalog's event ids nor its streams (there
    is nothing to find); into one that holds the catalog, it does, and appends nothing."""
    from sqlalchemy import event

    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    event.listen(ledger.engine, "before_cursor_execute", seen)
    try:
        first = import_catalog(ledger, [catalog])
        reads_in_first = [s for s in statements if "event_id IN" in s or "stream_id IN" in s]
        statements.clear()
        second = import_catalog(ledger, [catalog])
        reads_in_second = [s for s in statements if "event_id IN" in s or "stream_id IN" in s]
    finally:
        event.remove(ledger.engine, "before_cursor_execute", seen)
    assert first.appended > 0 and reads_in_first == []
    assert second.appended == 0 and reads_in_second and second.unchanged > 0


def test_import_reports_progress_over_the_events_written_and_the_head_it_left(
    ledger: Ledger, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.store import eventstore as es

    monkeypatch.setattr(es, "WRITE_CHUNK", 16)  # several chunks, so several calls
    calls: list[tuple[int, int]] = []
    report = import_catalog(ledger, [catalog], progress=lambda done, total: calls.append((done, total)))
    assert len(calls) > 2
    assert all(total == report.appended for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls) and calls[-1][0] == report.appended
    info = ledger.info()
    assert (report.head_position, report.head_hash) == (info["head_position"], info["head_hash"])
    again: list[tuple[int, int]] = []
    assert import_catalog(ledger, [catalog], progress=lambda d, t: again.append((d, t))).appended == 0
    assert again == [(0, 0)]


def test_import_uses_catalog_ids_as_event_ids(ledger: Ledger, catalog: Path) -> None:
    import_catalog(ledger, [catalog])
    opened = [e for e in ledger.log(stream="osaka-trump-putin-meeting-2019") if e.event_type == "QuestionOpened"]
    assert opened[0].event_id == catalog_event_id("question", "osaka-trump-putin-meeting-2019", "opened")


def test_osaka_has_three_forecasters_and_tikhonov_reads_unlikely_from_the_scale(ledger: Ledger, catalog: Path) -> None:
    from tracker.domain.verbal import load_scale

    import_catalog(ledger, [catalog])
    q = ledger.show_question("osaka-trump-putin-meeting-2019")
    assert len({f["forecaster_id"] for f in q["forecasts"]}) == 3
    tikhonov = next(f for f in q["forecasts"] if f["forecaster_id"] == "andrei-tikhonov")
    assert tikhonov["phrase"] == "unlikely"
    assert tikhonov["p_yes"] == load_scale(1).lookup("unlikely").p


def test_broken_file_writes_nothing_and_names_file_entry_field(ledger: Ledger, catalog: Path) -> None:
    target = next((catalog / "forecasts").glob("*.yaml"))

    def break_it(data: dict) -> None:  # type: ignore[type-arg]
        data["forecasts"][0]["made_at"] = "2019-13-01"

    _edit(target, break_it)
    before = _state(ledger)
    with pytest.raises(CatalogInvalid) as err:
        import_catalog(ledger, [catalog])
    first_id = yaml.safe_load(target.read_text())["forecasts"][0]["id"]
    assert any(target.name in e and first_id in e and "made_at" in e for e in err.value.errors)
    assert _state(ledger) == before


def test_changed_question_is_refused_then_recorded_as_clarification(ledger: Ledger, catalog: Path) -> None:
    import_catalog(ledger, [catalog])
    before = _state(ledger)

    _edit_entry(
        catalog / "questions.yaml", "osaka-trump-putin-meeting-2019", "Resolves YES if", "Strictly, resolves YES if"
    )
    with pytest.raises(CatalogInvalid) as err:
        import_catalog(ledger, [catalog])
    assert any("osaka-trump-putin-meeting-2019" in e and "criteria" in e for e in err.value.errors)
    assert _state(ledger) == before

    report = import_catalog(ledger, [catalog], record_as="clarification", reason="criteria sharpened")
    assert report.appended == 1
    history = [e.event_type for e in ledger.log(stream="osaka-trump-putin-meeting-2019")]
    assert history[-1] == "QuestionClarified"
    # And the clarified catalog now re-imports as unchanged.
    assert import_catalog(ledger, [catalog]).appended == 0


def test_changed_forecast_recorded_as_withdrawal_keeps_the_old_one(ledger: Ledger, catalog: Path) -> None:
    import_catalog(ledger, [catalog])
    target = next((catalog / "forecasts").glob("*.yaml"))
    entry = yaml.safe_load(target.read_text())["forecasts"][0]
    fid, made = entry["id"], str(entry["made_at"])
    later = made[:-2] + f"{int(made[-2:]) + 1:02d}"
    _edit_entry(target, fid, f"made_at: {made}", f"made_at: {later}")
    report = import_catalog(ledger, [catalog], record_as="withdrawal", reason="wrong date typed")
    assert report.appended == 2
    frames = [e for e in ledger.log(types=["ForecastWithdrawn", "ForecastRecorded"]) if fid in e.data["forecast_id"]]
    kinds = [(e.event_type, e.data["forecast_id"]) for e in frames]
    assert ("ForecastRecorded", fid) in kinds and ("ForecastWithdrawn", fid) in kinds
    assert any(t == "ForecastRecorded" and f != fid and f.startswith(fid + ".") for t, f in kinds)
    assert import_catalog(ledger, [catalog], record_as="withdrawal", reason="again").appended == 0


def test_changed_resolution_recorded_as_correction(ledger: Ledger, catalog: Path) -> None:
    import_catalog(ledger, [catalog])

    _edit_entry(
        catalog / "questions.yaml", "osaka-trump-putin-meeting-2019", "known_on: 2019-06-28", "known_on: 2019-06-29"
    )
    with pytest.raises(CatalogInvalid):
        import_catalog(ledger, [catalog], record_as="clarification", reason="wrong kind of change")
    import_catalog(ledger, [catalog], record_as="correction", reason="known a day later")
    assert ledger.show_question("osaka-trump-putin-meeting-2019")["known_on"] == "2019-06-29"


def test_cli_import_errors_are_located_and_nothing_is_written(sqlite_url: str, catalog: Path) -> None:
    assert runner.invoke(app, ["--db", sqlite_url, "init"]).exit_code == 0
    (catalog / "questions.yaml").write_bytes(b"schema: 1\nquestions: [\xff\xfe")
    result = runner.invoke(app, ["--db", sqlite_url, "import", str(catalog)])
    assert result.exit_code == 3
    assert "questions.yaml" in result.stderr
    assert "Traceback" not in result.output
    info = runner.invoke(app, ["--db", sqlite_url, "info", "--json"])
    assert '"events": 0' in info.stdout


def test_cli_import_missing_path(sqlite_url: str, tmp_path: Path) -> None:
    runner.invoke(app, ["--db", sqlite_url, "init"])
    result = runner.invoke(app, ["--db", sqlite_url, "import", str(tmp_path / "nope")])
    assert result.exit_code == 3
    assert result.stderr.strip().count("\n") == 0 and "does not exist" in result.stderr


def test_cli_import_twice_reports_nothing_appended(sqlite_url: str, catalog: Path) -> None:
    runner.invoke(app, ["--db", sqlite_url, "init"])
    first = runner.invoke(app, ["--db", sqlite_url, "import", str(catalog)])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["--db", sqlite_url, "import", str(catalog), "--json"])
    assert second.exit_code == 0
    assert '"appended": 0' in second.stdout


def _entries_on_live_questions(catalog: Path) -> tuple[Path, list[int]]:
    """A forecasts file and the indexes of its entries whose questions are not annulled in the catalog."""
    questions = yaml.safe_load((catalog / "questions.yaml").read_text(encoding="utf-8"))["questions"]
    annulled = {q["id"] for q in questions if q.get("annulment")}
    for target in sorted((catalog / "forecasts").glob("*.yaml")):
        items = yaml.safe_load(target.read_text(encoding="utf-8"))["forecasts"]
        live = [i for i, f in enumerate(items) if f["question"] not in annulled]
        if len(live) >= 2:
            return target, live
    raise AssertionError("no forecasts file with two forecasts on live questions")


def test_names_in_any_script_and_chosen_ids_match_the_command_line(ledger: Ledger, catalog: Path) -> None:
    """The catalog gives a forecaster the id the command line gives the same name, in any script, and takes a
    chosen forecaster_id as `--forecaster-id` does."""
    target, (i, j, *_) = _entries_on_live_questions(catalog)
    items = yaml.safe_load(target.read_text(encoding="utf-8"))["forecasts"]
    first, second = items[i]["id"], items[j]["id"]

    def rename(data: dict) -> None:  # type: ignore[type-arg]
        data["forecasts"][i]["forecaster"] = "王小明"
        data["forecasts"][j]["forecaster"] = "Дмитрий Тренин"
        data["forecasts"][j]["forecaster_id"] = "dmitri-trenin"

    _edit(target, rename)
    import_catalog(ledger, [catalog])
    with ledger.view() as conn:
        from sqlalchemy import select

        from tracker.store.schema import forecasts

        ids = dict(conn.execute(select(forecasts.c.forecast_id, forecasts.c.forecaster_id)).all())
    assert ids[first] == "wang-xiao-ming"
    assert ids[second] == "dmitri-trenin"
    q = ledger.show_question(items[i]["question"])
    result = runner.invoke(
        app,
        ["--db", ledger.url, "forecast", q["question_id"], "--forecaster", "王小明", "--p", "0.5",
         "--made-at", q["opened"], "--id", "cli-wang"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert {f["forecast_id"]: f["forecaster_id"] for f in ledger.show_question(q["question_id"])["forecasts"]}[
        "cli-wang"
    ] == "wang-xiao-ming"


def test_a_refusal_by_the_domain_names_the_file_and_the_entry(ledger: Ledger, catalog: Path) -> None:
    """What only the ledger can know (here: the question was annulled there) is refused by `decide` during the
    import; the message names the catalog file and entry like the catalog's own errors."""
    import_catalog(ledger, [catalog])
    target, (i, *_) = _entries_on_live_questions(catalog)
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    entry = dict(data["forecasts"][i], id="brand-new-forecast")
    ledger.annul(entry["question"], "annulled in the ledger, not in the catalog")
    data["forecasts"].append(entry)
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    before = _state(ledger)
    with pytest.raises(CatalogInvalid) as info:
        import_catalog(ledger, [catalog])
    message = str(info.value)
    assert message.startswith(f"{target}: brand-new-forecast: question: "), message
    assert "annulled" in message
    assert info.value.exit_code == 5  # the domain's own kind of refusal: not allowed now
    assert _state(ledger) == before


def test_the_seed_catalog_still_imports_to_the_same_event_ids_and_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ledgers in the wild hold these events: a faster parser, validator, id or encoder that changed one byte of
    an event would make every one of them stop verifying. tests/data/seed_catalog is predictions/ and seeds/ as
    of the 2026-12 speed work, imported at a fixed clock; the digest of every (position, event id, hash) was
    recorded with the code before that work (main at 576ab06)."""
    import hashlib
    from datetime import UTC, datetime

    from tracker.domain import timepoints
    from tracker.store import eventstore as es
    from tracker.store.db import read_transaction

    fixed = datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=UTC)
    monkeypatch.setattr(timepoints, "utc_now", lambda: fixed)
    shutil.copytree(ROOT / "tests" / "data" / "seed_catalog", tmp_path / "cat")
    led = Ledger(f"sqlite:///{tmp_path}/seed.sqlite", actor="seed-check")
    led.init()
    assert import_catalog(led, [tmp_path / "cat" / "predictions"]).appended == 93
    with read_transaction(led.engine) as conn:
        assert es.verify_chain(conn).ok
        rows = [(r["position"], r["event_id"], r["hash"]) for r in es.raw_rows(conn)]
    led.close()
    assert rows[-1] == (
        93,
        "1ee7207a-978b-55d1-94a2-b7b088b4601f",
        "b2ce2f2154a84e9ed0d5d44f6655d5490f63148ee2c00ad60af539624db1621f",
    )
    assert hashlib.sha256(repr(rows).encode()).hexdigest() == (
        "83f1eb358d186f993d010067af279def13ffa40cc4a288ea73136dc8badd6f38"
    )


def test_the_import_pauses_the_cyclic_collector_and_gives_it_back_as_it_was(
    ledger: Ledger, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from tracker.catalog import load

    seen: list[bool] = []
    real = load.load_catalog

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(load, "load_catalog", watched)
    assert gc.isenabled()
    assert import_catalog(ledger, [catalog]).appended > 0
    assert seen == [False] and gc.isenabled()
    # refused (a bad field): the collector is back on too
    _edit_entry(catalog / "questions.yaml", "osaka-trump-putin-meeting-2019", "type: binary", "type: ternary")
    with pytest.raises(CatalogInvalid, match="type"):
        import_catalog(ledger, [catalog])
    assert seen == [False, False] and gc.isenabled()
    # a caller that turned it off keeps it off
    gc.disable()
    try:
        import_catalog(ledger, [catalog.parent / "seeds"])
        assert not gc.isenabled()
    finally:
        gc.enable()


def _generated_catalog(root: Path) -> Path:
    """The benchmarks' generated catalog (60 questions: verbal and judgement forecasts, resolutions, annulments),
    with a multiple-choice question whose fields carry what the rules normalise (surrounding spaces, a CR LF in
    a quote), a chosen forecaster id, a role and a condition."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from catalog_gen import write_catalog
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    write_catalog(root, 60)
    questions = root / "predictions" / "questions" / "questions-0000.yaml"
    if not questions.exists():
        questions = next((root / "predictions" / "questions").glob("*.yaml"))
    data = yaml.safe_load(questions.read_text(encoding="utf-8"))
    opened = data["questions"][0]["opened"]
    data["questions"].append(
        {
            "id": "mc-question",
            "title": "  Which one?  ",
            "criteria": "  One of a, b or c.\n",
            "type": "multiple_choice",
            "options": ["a", "b", "c"],
            "opened": opened,
            "resolve_by": "2026-01-01",
            "tags": ["t-1", "t-2"],
            "condition": "  if it is held  ",
            "resolution": {"outcome": "b", "known_on": opened, "evidence": "  Seen.  "},
        }
    )
    questions.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    forecasts = sorted((root / "predictions" / "forecasts").glob("*.yaml"))[0]
    data = yaml.safe_load(forecasts.read_text(encoding="utf-8"))
    quote = data["forecasts"][0]["quote"]
    data["forecasts"].append(
        {
            "id": "mc-forecast",
            "question": "mc-question",
            "forecaster": "  Ana María  ",
            "forecaster_id": "ana",
            "role": "  analyst ",
            "made_at": opened,
            "quote": quote.replace(" ", "\r\n", 1),
            "hedge": " maybe ",
            "p": {"a": 0.2, "b": 0.5, "c": 0.3},
            "method": "judgement",
            "rationale": "  because  ",
        }
    )
    forecasts.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root / "predictions"


@pytest.mark.parametrize("which", ["seed", "generated"])
def test_the_import_writes_the_same_chain_with_the_checked_decide_as_with_decide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    """The import decides its catalog's commands with `decide_checked` (their fields read by the loader through the
    domain's rules): the events, their ids and every hash of the chain are those `decide` itself gives."""
    from datetime import UTC, datetime

    from tracker.app import importer
    from tracker.domain import timepoints
    from tracker.domain.decide import decide
    from tracker.store import eventstore as es
    from tracker.store.db import read_transaction

    fixed = datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=UTC)
    monkeypatch.setattr(timepoints, "utc_now", lambda: fixed)
    if which == "seed":
        shutil.copytree(ROOT / "tests" / "data" / "seed_catalog", tmp_path / "cat")
        predictions = tmp_path / "cat" / "predictions"
    else:
        predictions = _generated_catalog(tmp_path / "cat")

    def chain(name: str) -> list[tuple[int, str, str, str]]:
        led = Ledger(f"sqlite:///{tmp_path}/{name}.sqlite", actor="chain-check")
        led.init()
        assert import_catalog(led, [predictions]).appended > 0
        with read_transaction(led.engine) as conn:
            assert es.verify_chain(conn).ok
            rows = [(r["position"], r["event_id"], r["payload"], r["hash"]) for r in es.raw_rows(conn)]
        led.close()
        return rows

    checked = chain("checked")
    used: list[object] = []
    monkeypatch.setattr(importer, "decide_checked", lambda state, cmd: used.append(cmd) or decide(state, cmd))
    plain = chain("plain")
    assert used and len(checked) == len(plain) > 60
    assert checked == plain
    if which == "generated":
        payloads = {r[1]: json.loads(r[2]) for r in checked}
        mc = payloads[catalog_event_id("forecast", "mc-forecast")]
        assert (mc["forecaster"], mc["forecaster_id"], mc["role"], mc["hedge"]) == (
            "Ana María",
            "ana",
            "analyst",
            "maybe",
        )
        assert "\r" not in mc["quote"]


@pytest.mark.parametrize("where", ["forecasts", "catalog"])
def test_cli_import_of_a_folder_that_cannot_be_listed_is_one_line(
    sqlite_url: str, catalog: Path, unlistable_dir: Path, where: str
) -> None:
    """A catalog folder this user may not list is a bad input like any other (exit 3, one line), not a bug."""
    runner.invoke(app, ["--db", sqlite_url, "init"])
    if where == "forecasts":
        shutil.rmtree(catalog / "forecasts")
        (catalog / "forecasts").symlink_to(unlistable_dir, target_is_directory=True)
        given = catalog
    else:
        given = unlistable_dir
    result = runner.invoke(app, ["--db", sqlite_url, "import", str(given)])
    assert result.exit_code == 3, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output, result.output
    if where == "forecasts":
        assert "forecasts" in lines[0] and "cannot read" in lines[0], lines[0]
    info = runner.invoke(app, ["--db", sqlite_url, "info", "--json"])
    assert '"events": 0' in info.stdout
