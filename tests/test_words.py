"""Counted nouns: one helper (tracker.words) for every message, so "1 sources" is never printed."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tracker.cli.main import app
from tracker.words import noun, plural

runner = CliRunner()


def test_one_takes_the_singular_and_every_other_count_the_plural() -> None:
    assert [plural(n, "question") for n in (0, 1, 2)] == ["0 questions", "1 question", "2 questions"]
    assert plural(1, "entry", "entries") == "1 entry" and plural(3, "entry", "entries") == "3 entries"
    assert noun(1, "forecast") == "forecast" and noun(-1, "forecast") == "forecasts"


def test_every_layer_uses_the_one_helper() -> None:
    from tracker.app import scheduler, templating
    from tracker.cli import render
    from tracker.scoring import honest

    assert render.plural is plural and templating.plural is plural
    assert scheduler.plural is plural and honest.plural is plural


def test_the_import_summary_counts_in_words(sqlite_url: str, tmp_path: Path) -> None:
    source = tmp_path / "seeds" / "sources.yaml"
    source.parent.mkdir()
    (source.parent / "a.txt").write_text("It is unlikely to rain.\n", encoding="utf-8")
    source.write_text(
        "schema: 1\nsources:\n  - id: s1\n    file: a.txt\n    title: T\n    published: 2019-05-01\n",
        encoding="utf-8",
    )
    questions = tmp_path / "questions.yaml"
    questions.write_text(
        "schema: 1\nquestions:\n  - id: q1\n    title: Rain?\n    criteria: C\n    type: binary\n"
        "    opened: 2019-04-01\n    resolve_by: 2019-06-01\n",
        encoding="utf-8",
    )
    forecasts = tmp_path / "s1.yaml"
    forecasts.write_text(
        "schema: 1\nsource: s1\nforecasts:\n  - id: f1\n    question: q1\n    forecaster: A. B\n"
        "    made_at: 2019-05-01\n    quote: It is unlikely to rain.\n    says: unlikely\n    reading: affirms\n",
        encoding="utf-8",
    )
    db = ["--db", sqlite_url]
    runner.invoke(app, [*db, "init"])
    files = [str(source), str(questions), str(forecasts)]
    first = runner.invoke(app, [*db, "import", *files])
    assert first.exit_code == 0, first.output
    assert "imported 3 files: 1 source, 1 question, 1 forecast; 3 events appended, 0 entries unchanged" in first.stdout
    again = runner.invoke(app, [*db, "import", str(questions)])
    assert "imported 1 file: 0 sources, 1 question, 0 forecasts; 0 events appended, 1 entry unchanged" in again.stdout
    rebuilt = runner.invoke(app, [*db, "rebuild"])
    assert rebuilt.stdout.strip() == "rebuilt projections from 3 events"
    assert runner.invoke(app, [*db, "resolve", "q1", "no", "--on", "2019-06-01"]).exit_code == 0
    scored = runner.invoke(app, [*db, "score"])
    assert scored.exit_code == 0, scored.output
    assert "rescored 1 question through" in scored.stdout and "1 score added" in scored.stdout
    site = runner.invoke(app, [*db, "site", "--out", str(tmp_path / "site")])
    assert site.exit_code == 0, site.output
    assert ": 1 forecaster, 1 question, 1 source" in site.stdout
