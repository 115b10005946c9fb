"""Line breaks as Windows and old Mac files write them (CR LF, lone CR) are read as LF in long text, at every
input boundary: the catalog, the command line, the Python API, article files. Other control characters stay
refused."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tracker.app.importer import CatalogInvalid, import_catalog
from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.domain import fields
from tracker.errors import UserError

ROOT = Path(__file__).resolve().parent.parent
GJP = ROOT / "tests" / "fixtures" / "gjp" / "questions.yaml"
runner = CliRunner()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\nb"),
        ("a\r\r\r\rb", "a\n\n\n\nb"),
        ("a\r\n\r\nb\n\rc", "a\n\nb\n\nc"),
        ("line\r\n", "line"),
    ],
)
def test_long_text_reads_cr_lf_and_lone_cr_as_lf(given: str, stored: str) -> None:
    assert fields.text(given, "criteria") == stored


@pytest.mark.parametrize("ch", ["\x0b", "\x0c", "\x1b", "\x00", "\x85", "\x7f", "\u202e"])
def test_other_control_characters_stay_refused_in_long_text(ch: str) -> None:
    with pytest.raises(UserError, match="^criteria: contains the control character"):
        fields.text(f"a\r\n{ch}b", "criteria")


@pytest.mark.parametrize("value", ["a\r\nb", "a\rb"])
def test_one_line_fields_still_refuse_a_line_break_in_any_form(value: str) -> None:
    for rule in (fields.short_text, fields.title):
        with pytest.raises(UserError, match="^f: contains the control character"):
            rule(value, "f")


def test_the_gjp_catalog_with_its_carriage_returns_imports_as_lf(ledger: Ledger, tmp_path: Path) -> None:
    raw = yaml.safe_load(GJP.read_text(encoding="utf-8"))["questions"]
    with_cr = [q for q in raw if "\r" in q["criteria"]]
    assert len(raw) == 100 and len(with_cr) == 70  # the fixture is what its README says

    report = import_catalog(ledger, [GJP])
    assert report.questions == 100 and report.appended > 100
    for q in with_cr:
        shown = ledger.show_question(q["id"])
        assert shown["criteria"] == fields.line_breaks(q["criteria"]).strip()
        assert "\r" not in shown["criteria"]
    assert sum("\n" in ledger.show_question(q["id"])["criteria"] for q in with_cr) == 51
    assert import_catalog(ledger, [GJP]).appended == 0  # the same text again: unchanged, not a clarification
    assert ledger.verify()["ok"]


def test_a_catalog_saved_with_windows_line_endings_imports(ledger: Ledger, tmp_path: Path) -> None:
    """The whole file CR LF (an editor on Windows), and a criteria holding CR LF written as YAML escapes."""
    catalog = tmp_path / "questions.yaml"
    body = (
        "schema: 1\n"
        "questions:\n"
        "  - id: crlf-question\n"
        "    title: Will it rain in Paris on 1 May 2019?\n"
        '    criteria: "YES if Meteo-France reports rain.\\r\\nNO otherwise.\\r\\n"\n'
        "    type: binary\n"
        "    opened: 2019-04-01\n"
        "    resolve_by: 2019-05-01\n"
        "    condition: |\n"
        "      If the station\n"
        "      reports at all.\n"
    )
    catalog.write_bytes(body.replace("\n", "\r\n").encode("utf-8"))
    assert b"\r\n" in catalog.read_bytes()
    import_catalog(ledger, [catalog])
    shown = ledger.show_question("crlf-question")
    assert shown["criteria"] == "YES if Meteo-France reports rain.\nNO otherwise."
    assert shown["condition"] == "If the station\nreports at all."


def test_a_catalog_still_refuses_other_control_characters(ledger: Ledger, tmp_path: Path) -> None:
    catalog = tmp_path / "questions.yaml"
    catalog.write_text(
        'schema: 1\nquestions:\n  - id: q\n    title: T\n    criteria: "a\\r\\n\\vb"\n    type: binary\n'
        "    opened: 2019-04-01\n    resolve_by: 2019-05-01\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogInvalid, match="q: criteria: contains the control character U\\+000B"):
        import_catalog(ledger, [catalog])
    assert ledger.info()["events"] == 0


def test_the_command_line_reads_cr_lf_as_lf_and_refuses_other_controls(sqlite_url: str, tmp_path: Path) -> None:
    db = ["--db", sqlite_url]
    assert runner.invoke(app, [*db, "init"]).exit_code == 0
    dates = ["--title", "T", "--opened", "2019-01-01", "--resolve-by", "2019-02-01"]
    texts = ["--criteria", "first\r\nsecond\rthird", "--condition", "if\r\nso"]
    ok = runner.invoke(app, [*db, "question", "add", "q1", *dates, *texts])
    assert ok.exit_code == 0, ok.output
    shown = Ledger(sqlite_url).show_question("q1")
    assert (shown["criteria"], shown["condition"]) == ("first\nsecond\nthird", "if\nso")
    bad = runner.invoke(app, [*db, "question", "add", "q2", *dates, "--criteria", "a\r\n\x1bb"])
    assert bad.exit_code != 0 and bad.exit_code != 70
    assert "criteria: contains the control character U+001B" in bad.stderr
    assert "q2" not in runner.invoke(app, [*db, "list", "--format", "tsv"]).stdout


def test_an_article_file_with_windows_line_endings_checks_quotes_across_its_breaks(
    sqlite_url: str, tmp_path: Path
) -> None:
    article = tmp_path / "article.txt"
    article.write_bytes(b"Putin is unlikely\r\nto meet Trump in Osaka.\r\nOther news.\r")
    db = ["--db", sqlite_url]
    runner.invoke(app, [*db, "init"])
    steps = [
        ["source", "add", "crlf-article", "--title", "T", "--published", "2019-05-01", "--file", str(article)],
        ["question", "add", "osaka", "--title", "Meet?", "--criteria", "C", "--opened", "2019-04-01"],
        ["forecast", "osaka", "--forecaster", "A. B", "--says", "unlikely", "--made-at", "2019-05-01",
         "--source", "crlf-article", "--quote", "Putin is unlikely\r\nto meet Trump"],
    ]  # fmt: skip
    for step in steps:
        result = runner.invoke(app, [*db, *step])
        assert result.exit_code == 0, result.output
    rows = Ledger(sqlite_url).rows("forecasts")[0]
    assert rows[0]["quote"] == "Putin is unlikely\nto meet Trump" and rows[0]["quote_verified"] is True


def test_the_gjp_fixture_is_what_the_converter_gives(tmp_path: Path) -> None:
    """The converter keeps CRs (the point of the fixture); its output parses as a catalog of 100 questions."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gjp_convert", GJP.parent / "convert.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    row = {
        "ifp_id": "1001-0", "q_type": "0", "q_text": "Will it\r\nhappen?", "q_desc": "a\r\rb", "q_status": "closed",
        "date_start": "2009/1/11", "date_suspend": "", "date_to_close": "12/31/11", "date_closed": "2001/2/12",
        "outcome": "b", "options": "(a) Yes, (b) No", "n_opts": "2",
    }  # fmt: skip
    entry = module.question(row)
    assert entry["title"] == "Will it happen?" and entry["criteria"] == "a\r\rb"
    assert (entry["opened"], entry["resolve_by"], entry["resolution"]["known_on"]) == (
        "2011-09-01",
        "2011-12-31",
        "2012-01-02",
    )
    assert entry["resolution"]["outcome"] == "no"
    shutil.copy(GJP, tmp_path / "q.yaml")


def test_a_windows_article_registered_on_the_command_line_is_the_catalogs_source_and_the_extractors(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its text is kept byte for byte (CR LF included), so its digest is the file's: the same source whether it
    is registered with `source add` or in seeds/sources.yaml, and the one `tracker extract` finds."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    raw = b"Talks in Geneva\r\n\r\nThe minister said a ceasefire is unlikely to take effect before the summer.\r\n"
    (seeds / "geneva.txt").write_bytes(raw)
    monkeypatch.chdir(tmp_path)
    db = ["--db", sqlite_url]
    runner.invoke(app, [*db, "init"])
    add = ["source", "add", "geneva", "--title", "Geneva", "--published", "2026-01-20", "--file", "seeds/geneva.txt"]
    assert runner.invoke(app, [*db, *add]).exit_code == 0
    (source,) = Ledger(sqlite_url).rows("sources")[0]
    assert source["sha256"] == hashlib.sha256(raw).hexdigest()
    (seeds / "sources.yaml").write_text(
        "schema: 1\nsources:\n  - id: geneva\n    file: geneva.txt\n    title: Geneva\n    published: 2026-01-20\n",
        encoding="utf-8",
    )
    imported = runner.invoke(app, [*db, "import", "seeds/sources.yaml"])
    assert imported.exit_code == 0, imported.output
    assert "0 events appended, 1 entry unchanged" in imported.stdout
    draft = runner.invoke(app, [*db, "extract", "seeds/geneva.txt"])
    assert draft.exit_code == 0, draft.output
    assert "source: geneva\n" in draft.stdout and "made_at: '2026-01-20'" in draft.stdout
