"""The README's "Adding an article", step by step, whichever way the source and the questions were registered:
`tracker source add` or seeds/sources.yaml, `tracker question add` or predictions/questions.yaml. A reviewed
draft's ids resolve against the ledger, and a catalog entry saying what the ledger holds is unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "tests" / "fixtures" / "catalog"
runner = CliRunner()

ARTICLE = """Talks in Geneva, 20 January 2026

The foreign minister said a general ceasefire between Russia and Ukraine is unlikely to take effect before the summer.
Analysts at the institute think it is very likely that new sanctions on Russian oil will be announced in February.
"""
SOURCE_ENTRY = """
  - id: geneva-talks
    file: geneva-talks.txt
    title: "Talks in Geneva"
    outlet: "A paper"
    published: 2026-01-20
"""
QUESTION_ENTRY = """
  - id: oil-sanctions-feb-2026
    title: "New sanctions on Russian oil in February 2026?"
    criteria: "YES if new sanctions on Russian oil are announced in February 2026"
    type: binary
    opened: 2026-01-20
    resolve_by: 2026-02-28
"""


class Shell:
    """`tracker ...` in a folder holding seeds/ and predictions/, on one ledger."""

    def __init__(self, db: str, folder: Path) -> None:
        self.db, self.folder = db, folder

    def __call__(self, *args: str, ok: bool = True) -> tuple[int, str, str]:
        result = runner.invoke(app, ["--db", self.db, *args])
        if ok:
            assert result.exit_code == 0, (args, result.output)
        return result.exit_code, result.stdout, result.stderr

    def events(self) -> int:
        return int(Ledger(self.db).info()["events"])


@pytest.fixture
def shell(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Shell:
    shutil.copytree(CATALOG / "seeds", tmp_path / "seeds")
    shutil.copytree(CATALOG / "predictions", tmp_path / "predictions")
    (tmp_path / "seeds" / "geneva-talks.txt").write_text(ARTICLE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    sh = Shell(db_url, tmp_path)
    sh("init")
    sh("import", "predictions/")
    return sh


def review(draft: Path, questions: dict[str, str]) -> None:
    """What a person does in step 3: choose each entry's question and speaker, and delete the draft marks."""
    data = yaml.safe_load(draft.read_text(encoding="utf-8"))
    kept = []
    for entry in data["forecasts"]:
        word = next((w for w in questions if w in entry["quote"]), None)
        if word is None:
            continue
        entry["question"] = questions[word]
        entry["forecaster"] = "A. Minister" if word == "ceasefire" else "Institute Analysts"
        entry.pop("draft")
        kept.append(entry)
    assert len(kept) == 2, data
    data["forecasts"] = kept
    draft.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def extract_and_review(sh: Shell) -> Path:
    draft = Path("predictions/forecasts/geneva-talks.yaml")
    sh("extract", "seeds/geneva-talks.txt", "--out", str(draft))
    assert yaml.safe_load(draft.read_text(encoding="utf-8"))["source"] == "geneva-talks"
    review(draft, {"ceasefire": "russia-ukraine-ceasefire-2026", "sanctions": "oil-sanctions-feb-2026"})
    return draft


def forecasts_from(db: str, source: str) -> list[dict[str, object]]:
    return [r for r in Ledger(db).rows("forecasts", limit=None)[0] if r["source_id"] == source]


def test_source_and_question_added_on_the_command_line_then_the_draft_imports(shell: Shell) -> None:
    # 1. register the article with `tracker source add`
    shell("source", "add", "geneva-talks", "--title", "Talks in Geneva", "--outlet", "A paper", "--published",
          "2026-01-20", "--file", "seeds/geneva-talks.txt")  # fmt: skip
    # 2-3. the draft, reviewed; its new question added on the command line (it opens on the source's date)
    shell("question", "add", "oil-sanctions-feb-2026", "--title", "New sanctions on Russian oil in February 2026?",
          "--criteria", "YES if new sanctions on Russian oil are announced in February 2026",
          "--resolve-by", "2026-02-28", "--source", "geneva-talks")  # fmt: skip
    draft = extract_and_review(shell)
    # 4. the import resolves the source and the new question against the ledger
    before = shell.events()
    _, out, _ = shell("import", "predictions/")
    assert "2 events appended" in out
    assert shell.events() == before + 2
    rows = forecasts_from(shell.db, "geneva-talks")
    assert sorted(str(r["question_id"]) for r in rows) == ["oil-sanctions-feb-2026", "russia-ukraine-ceasefire-2026"]
    assert all(r["quote_verified"] is True for r in rows)
    # the draft alone is a catalog too: its ids resolve against the ledger, and it is already there
    _, out, _ = shell("import", str(draft))
    assert "0 events appended, 2 entries unchanged" in out
    shell("score")

    # the same source and question, now also written into the catalog, as the ledger holds them: unchanged
    with open("seeds/sources.yaml", "a", encoding="utf-8") as f:
        f.write(SOURCE_ENTRY)
    with open("predictions/questions.yaml", "a", encoding="utf-8") as f:
        f.write(QUESTION_ENTRY)
    before = shell.events()
    _, out, _ = shell("import", "predictions/")
    assert "0 events appended" in out and shell.events() == before

    # an entry that says something else is refused, naming the field, and nothing is written
    sources = Path("seeds/sources.yaml")
    sources.write_text(sources.read_text(encoding="utf-8").replace('"A paper"', '"Another paper"'), encoding="utf-8")
    code, _, err = shell("import", "predictions/", ok=False)
    assert code == 3 and "Traceback" not in err
    assert "seeds/sources.yaml: geneva-talks: outlet: differs from the source the ledger holds" in err
    assert "a source, and a question's type, options, tags and condition, cannot change" in err
    assert shell.events() == before
    sources.write_text(sources.read_text(encoding="utf-8").replace('"Another paper"', '"A paper"'), encoding="utf-8")

    questions = Path("predictions/questions.yaml")
    text = questions.read_text(encoding="utf-8")
    questions.write_text(text.replace("are announced in February", "are in force in February"), encoding="utf-8")
    code, _, err = shell("import", "predictions/", ok=False)
    assert code == 3 and "oil-sanctions-feb-2026: criteria: differs from the question the ledger holds" in err
    assert shell.events() == before
    shell("import", "predictions/", "--record-as", "clarification", "--reason", "in force, not announced")
    assert Ledger(shell.db).show_question("oil-sanctions-feb-2026")["criteria"].endswith("in force in February 2026")
    questions.write_text(text.replace("type: binary\n    opened: 2026-01-20", "type: binary\n    opened: 2026-01-20\n"
                                      "    tags: [oil]"), encoding="utf-8")  # fmt: skip
    code, _, err = shell("import", "predictions/", ok=False)
    assert code == 3 and "oil-sanctions-feb-2026: tags: differs from the question the ledger holds" in err
    assert Ledger(shell.db).verify()["ok"]


def test_source_and_question_in_the_catalog_then_the_draft_imports(shell: Shell) -> None:
    # 1. register the article in seeds/sources.yaml, and import it
    with open("seeds/sources.yaml", "a", encoding="utf-8") as f:
        f.write(SOURCE_ENTRY)
    shell("import", "predictions/")
    # 2-3. the draft, reviewed; its new question added to predictions/questions.yaml
    with open("predictions/questions.yaml", "a", encoding="utf-8") as f:
        f.write(QUESTION_ENTRY)
    extract_and_review(shell)
    # 4.
    _, out, _ = shell("import", "predictions/")
    assert "3 events appended" in out  # the question and two forecasts
    assert len(forecasts_from(shell.db, "geneva-talks")) == 2
    # registering it again on the command line is what is refused: the ledger has it
    code, _, err = shell("source", "add", "geneva-talks", "--title", "Talks in Geneva", ok=False)
    assert code != 0 and "already registered" in err


def test_a_draft_naming_what_neither_the_catalog_nor_the_ledger_holds_is_refused(shell: Shell) -> None:
    shell("source", "add", "geneva-talks", "--title", "Talks in Geneva", "--published", "2026-01-20",
          "--file", "seeds/geneva-talks.txt")  # fmt: skip
    draft = extract_and_review(shell)
    before = shell.events()
    code, _, err = shell("import", "predictions/", ok=False)
    assert code == 3
    assert "unknown question 'oil-sanctions-feb-2026' (neither in the catalog nor in the ledger)" in err
    assert shell.events() == before
    data = yaml.safe_load(draft.read_text(encoding="utf-8"))
    data["source"] = "no-such-source"
    Path("predictions/forecasts/no-such-source.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    draft.unlink()
    code, _, err = shell("import", "predictions/", ok=False)
    assert "unknown source 'no-such-source' (neither in the catalog nor in the ledger)" in err
    assert shell.events() == before


def test_a_forecast_before_a_ledger_question_opened_is_told_how_to_fix_it(shell: Shell) -> None:
    shell("source", "add", "geneva-talks", "--title", "Talks in Geneva", "--published", "2026-01-20",
          "--file", "seeds/geneva-talks.txt")  # fmt: skip
    shell("question", "add", "oil-sanctions-feb-2026", "--title", "Oil sanctions?", "--criteria", "C",
          "--opened", "2026-01-25")  # fmt: skip
    extract_and_review(shell)
    code, _, err = shell("import", "predictions/", ok=False)
    assert code == 3
    assert "made_at: 2026-01-20 is before the question opened (2026-01-25)" in err
    assert "tracker question clarify oil-sanctions-feb-2026 --opened 2026-01-20 --reason TEXT" in err
    shell("question", "clarify", "oil-sanctions-feb-2026", "--opened", "2026-01-20", "--reason", "the Geneva article")
    shell("import", "predictions/")
    assert len(forecasts_from(shell.db, "geneva-talks")) == 2
