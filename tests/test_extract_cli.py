"""`tracker extract` end to end: the draft, its refusal by `tracker import` until reviewed, re-runs that
mark what is recorded, folders, bad input, and a ledger that is never written to."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import tracker
from typer.testing import CliRunner

from tracker.catalog import CatalogError, load_catalog
from tracker.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "001_33bf704cea32a562.txt"
SEED_SOURCE = "sp-2019-05-15-trump-inclines-putin-deal"
runner = CliRunner()


def run(db: str, *args: str, code: int = 0) -> tuple[str, str]:
    result = tracker(db, *args, code=code)
    return result.stdout, result.stderr


def events(db: str) -> tuple[int, int, str]:
    info = json.loads(run(db, "info", "--json")[0])
    return info["events"], info["head_position"], info["head_hash"]


@pytest.fixture
def seeded(db_url: str) -> str:
    run(db_url, "init")
    run(db_url, "import", str(ROOT / "predictions"))
    return db_url


def test_extract_marks_recorded_forecasts_and_never_writes(seeded: str, tmp_path: Path) -> None:
    before = events(seeded)
    draft = tmp_path / "draft.yaml"
    out, err = run(seeded, "extract", str(SEED), "--out", str(draft))
    assert events(seeded) == before
    assert f"source {SEED_SOURCE}" in err  # recognised by the file's hash (piped: the note is on stderr)
    doc = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert doc["source"] == SEED_SOURCE
    entries = doc["forecasts"]
    assert entries and all("draft" in e for e in entries)
    assert all(e["made_at"] == "2019-05-15" for e in entries)
    recorded = {r for e in entries for r in e["draft"].get("recorded", [])}
    curated = {f.id for f in load_catalog([ROOT / "predictions"]).forecasts_from(SEED_SOURCE)}
    assert len(recorded & curated) >= 4 and recorded <= curated
    # suggestions come from the ledger's questions
    assert any(q["id"] == "osaka-trump-putin-meeting-2019" for e in entries for q in e["draft"]["questions"])


def test_import_refuses_drafts_until_reviewed(db_url: str, tmp_path: Path) -> None:
    run(db_url, "init")
    run(db_url, "import", str(ROOT / "seeds" / "sources.yaml"), str(ROOT / "predictions" / "questions.yaml"))
    draft = tmp_path / f"{SEED_SOURCE}.yaml"
    run(db_url, "extract", str(SEED), "--out", str(draft))
    files = [str(ROOT / "seeds" / "sources.yaml"), str(ROOT / "predictions" / "questions.yaml"), str(draft)]
    before = events(db_url)
    _, err = run(db_url, "import", *files, code=3)
    doc = yaml.safe_load(draft.read_text(encoding="utf-8"))
    for entry in doc["forecasts"]:
        assert f"{draft}: {entry['id']}: draft: an unreviewed draft entry" in err
    assert events(db_url) == before

    # A person reviews one entry: fixes the question, deletes the mark; the rest they delete.
    kept = next(e for e in doc["forecasts"] if "unlikely to happen" in e["quote"])
    del kept["draft"]
    kept["question"] = "osaka-trump-putin-meeting-2019"
    doc["forecasts"] = [kept]
    draft.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    out, _ = run(db_url, "import", *files)
    assert "1 forecast;" in out
    shown = json.loads(run(db_url, "show", "osaka-trump-putin-meeting-2019", "--json")[0])
    assert kept["quote"] in json.dumps(shown, ensure_ascii=False)


def test_the_catalog_names_each_draft_entry(tmp_path: Path) -> None:
    predictions = tmp_path / "predictions"
    shutil.copytree(ROOT / "predictions", predictions)
    (tmp_path / "seeds").mkdir()
    shutil.copy(ROOT / "seeds" / "sources.yaml", tmp_path / "seeds")
    for f in (ROOT / "seeds").glob("*.txt"):
        shutil.copy(f, tmp_path / "seeds")
    path = predictions / "forecasts" / f"{SEED_SOURCE}.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["forecasts"][1]["draft"] = {"confidence": 0.5}
    doc["forecasts"][3]["draft"] = None  # a mark with nothing under it is still a mark
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog([predictions])
    drafts = [e for e in info.value.errors if ": draft: " in e]
    assert len(drafts) == 2
    assert drafts[0].startswith(f"{path}: {doc['forecasts'][1]['id']}: draft:")
    assert drafts[1].startswith(f"{path}: {doc['forecasts'][3]['id']}: draft:")


def test_a_folder_is_one_run(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "init")
    run(sqlite_url, "import", str(ROOT / "predictions"))
    out_dir = tmp_path / "drafts"
    out, err = run(sqlite_url, "extract", str(ROOT / "seeds"), "--out", str(out_dir))
    names = sorted(p.stem for p in out_dir.glob("*.yaml"))
    sources = sorted(s["id"] for s in yaml.safe_load((ROOT / "seeds" / "sources.yaml").read_text())["sources"])
    assert names == sources
    assert len(re.findall(r"\d+ candidates? \(", err)) == 5
    # Piped, the candidates of every article are one tsv listing: a header, then a row per candidate.
    lines = out.splitlines()
    assert lines[0] == "source\tn\tconfidence\tspeaker\thedge\tp_event\tquestion\tquote"
    assert sorted({line.split("\t")[0] for line in lines[1:]}) == sources
    assert all(len(line.split("\t")) == 8 for line in lines)


def test_piped_output_is_tsv_without_box_drawing_or_trailing_spaces(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "init")
    out, err = run(sqlite_url, "extract", str(SEED), "--out", str(tmp_path / "d.yaml"))
    lines = out.splitlines()
    assert len(lines) > 3 and lines[0].startswith("source\tn\t")
    assert not any(ch in out for ch in "─│┃━┏┗┌└╭╰"), out
    assert all(line == line.rstrip() for line in lines)
    # the full quote, not a table's cut
    doc = yaml.safe_load((tmp_path / "d.yaml").read_text(encoding="utf-8"))
    assert [line.split("\t")[-1] for line in lines[1:]] == [e["quote"] for e in doc["forecasts"]]
    assert "draft: " in err and "draft: " not in out


def test_without_a_ledger_it_still_extracts(tmp_path: Path) -> None:
    db = tmp_path / "nothing-here.sqlite"
    out, err = run(str(db), "extract", str(SEED))
    assert not db.exists()  # the ledger is not created either
    doc = yaml.safe_load(out)
    assert doc["forecasts"] and all(e["draft"]["questions"] == [] for e in doc["forecasts"])
    assert "No ledger" in out and "candidates" in err


def test_json_output(sqlite_url: str) -> None:
    run(sqlite_url, "init")
    out, _ = run(sqlite_url, "extract", str(SEED), "--json", "--source", "my-source")
    (article,) = json.loads(out)
    assert article["source_id"] == "my-source" and not article["source_in_ledger"]
    c = article["candidates"][0]
    assert {"quote", "confidence", "speaker", "hedge", "questions", "recorded"} <= set(c)


def test_html_article_writes_its_text_beside_the_draft(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "init")
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><p>The council is <i>unlikely</i> to approve the plan this year.</p></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "out").mkdir()
    draft = tmp_path / "out" / "page.yaml"
    run(sqlite_url, "extract", str(page), "--out", str(draft))
    text = draft.with_suffix(".txt").read_text(encoding="utf-8")
    doc = yaml.safe_load(draft.read_text(encoding="utf-8"))
    (entry,) = doc["forecasts"]
    assert entry["quote"] in text and entry["says"] == "unlikely"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("binary.dat", bytes(range(256)) * 4, "binary"),
        ("latin1.txt", "Le gouvernement tombera sûrement.".encode("latin-1"), "not UTF-8"),
        ("huge.txt", None, "too large"),
    ],
)
def test_bad_input_gets_one_line_and_writes_nothing(
    seeded: str, tmp_path: Path, name: str, data: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if data is None:
        with path.open("wb") as f:  # 50 MB, sparse: generated here and gone with tmp_path
            f.truncate(50 * 1024 * 1024)
    else:
        path.write_bytes(data)
    before = events(seeded)
    out = tmp_path / "draft.yaml"
    result = tracker(seeded, "extract", str(path), "--out", str(out))
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: file: ") and message in lines[0]
    assert not out.exists()
    assert events(seeded) == before


def test_usage_errors(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "init")
    _, err = run(sqlite_url, "extract", str(ROOT / "seeds"), "--source", "x", "--out", str(tmp_path / "d"), code=3)
    assert err.startswith("error: source: ")
    _, err = run(sqlite_url, "extract", str(ROOT / "seeds"), code=3)
    assert err.startswith("error: out: ")
    _, err = run(sqlite_url, "extract", str(SEED), "--source", "Not A Slug", code=3)
    assert err.startswith("error: source: ")
    _, err = run(sqlite_url, "extract", str(tmp_path / "missing.txt"), code=3)
    assert err.startswith("error: file: ")
    _, err = run(sqlite_url, "extract", str(SEED), "--min-confidence", "2", code=3)
    assert err.startswith("error: min_confidence: ")


def test_help_has_examples() -> None:
    result = runner.invoke(app, ["extract", "--help"])
    assert result.exit_code == 0
    assert "tracker extract seeds/001_33bf704cea32a562.txt --out draft.yaml" in result.stdout


def test_hostile_text_is_shown_safely(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "init")
    run(
        sqlite_url,
        "question",
        "add",
        "vote-2027",
        "--title",
        "Will the [bold]vote[/bold] pass?",  # (a bidi control would be refused: tracker/domain/fields.py)
        "--criteria",
        "YES if [/x] it passes",
        "--resolve-by",
        "2027-01-01",
        "--opened",
        "2026-01-01",
    )
    article = tmp_path / "hostile.txt"
    article.write_text("[red]The [/x] vote will probably pass\x1b[2J next year.\u202e\n", encoding="utf-8")
    draft = tmp_path / "draft.yaml"
    out, _ = run(sqlite_url, "extract", str(article), "--out", str(draft))
    assert "\x1b" not in out and "\u202e" not in out
    assert "[/x]" in out  # shown as text, not read as markup
    (entry,) = yaml.safe_load(draft.read_text(encoding="utf-8"))["forecasts"]
    assert entry["quote"] == "[red]The [/x] vote will probably pass\x1b[2J next year.\u202e"
    assert entry["draft"]["questions"][0]["title"] == "Will the [bold]vote[/bold] pass?"
    listed, _ = run(sqlite_url, "extract", str(article), "--json")
    assert "\x1b" not in listed and "\u202e" not in listed
    assert json.loads(listed)[0]["candidates"][0]["quote"] == entry["quote"]
    # The draft itself, printed or saved, shows each such character as an escape and loads back the same text.
    printed, _ = run(sqlite_url, "extract", str(article))
    saved = draft.read_text(encoding="utf-8")
    for text in (printed, saved):
        assert not re.search("[\x1b\x9b\u202e]", text), text
        assert yaml.safe_load(text)["forecasts"][0]["quote"] == entry["quote"]


def test_a_file_name_with_a_newline_stays_a_comment_of_the_draft(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "init")
    article = tmp_path / "a\nschema: 9\n\u202e.txt"
    shutil.copyfile(SEED, article)
    printed, _ = run(sqlite_url, "extract", str(article))
    assert "\u202e" not in printed and "# Article: " in printed
    assert yaml.safe_load(printed)["schema"] == 1


def test_out_may_name_a_folder_and_an_unwritable_out_is_one_line(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "init")
    folder = tmp_path / "drafts"
    folder.mkdir()
    run(sqlite_url, "extract", str(SEED), "--out", str(folder))
    assert [p.name for p in folder.iterdir()] == ["001-33bf704cea32a562.yaml"]
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    _, err = run(sqlite_url, "extract", str(SEED), "--out", str(blocker / "draft.yaml"), code=3)
    assert err.startswith("error: out: ") and len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------------------------- where drafts go


def refused(db: str, *args: str, says: str) -> None:
    result = tracker(db, "extract", *args)
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: out: ") and says in lines[0], lines
    assert "Traceback" not in result.output


def test_out_never_writes_through_a_link_a_fifo_or_over_its_input(sqlite_url: str, tmp_path: Path) -> None:
    import os

    run(sqlite_url, "init")
    article = tmp_path / "article.txt"
    shutil.copy(SEED, article)
    original = article.read_bytes()
    victim = tmp_path / "victim.yaml"
    victim.write_text("precious", encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(victim)
    refused(sqlite_url, str(article), "--out", str(link), says="symbolic link")
    assert link.is_symlink() and victim.read_text(encoding="utf-8") == "precious"
    # a link to a folder is not a folder to write into either
    (tmp_path / "real").mkdir()
    (tmp_path / "folder-link").symlink_to(tmp_path / "real")
    refused(sqlite_url, str(article), "--out", str(tmp_path / "folder-link"), says="symbolic link")
    assert list((tmp_path / "real").iterdir()) == []
    # a FIFO: refused without opening it (a reader is kept open so that a write would not block but show)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        refused(sqlite_url, str(article), "--out", str(fifo), says="FIFO")
        assert os.read(reader, 1 << 16) == b""
    finally:
        os.close(reader)
    # its own input, by its name or through a hard link
    refused(sqlite_url, str(article), "--out", str(article), says="own input")
    os.link(article, tmp_path / "same.yaml")
    refused(sqlite_url, str(article), "--out", str(tmp_path / "same.yaml"), says="own input")
    assert article.read_bytes() == original


def test_an_html_article_never_replaces_a_text_beside_it(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "init")
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>The council is <i>unlikely</i> to approve the plan.</p></body></html>")
    mine = tmp_path / "page.txt"
    mine.write_text("my own notes", encoding="utf-8")
    draft = tmp_path / "page.yaml"
    refused(sqlite_url, str(page), "--out", str(draft), says="page.txt' already exists and holds another text")
    # --force replaces drafts, never the text of another article beside one
    refused(sqlite_url, str(page), "--out", str(draft), "--force", says="page.txt' already exists and holds another")
    assert mine.read_text(encoding="utf-8") == "my own notes" and not draft.exists()  # nothing written
    mine.unlink()
    run(sqlite_url, "extract", str(page), "--out", str(draft))
    refused(sqlite_url, str(page), "--out", str(draft), says="page.yaml' already exists: give --force")
    run(sqlite_url, "extract", str(page), "--out", str(draft), "--force")  # again: the same text is no conflict
    assert "unlikely" in mine.read_text(encoding="utf-8")
    # the text beside the draft is never the article itself
    refused(
        sqlite_url,
        str(page),
        "--out",
        str(tmp_path / "page.html.yaml").replace(".html.yaml", ".yaml.txt"),
        says="would be written twice",
    )


@pytest.mark.parametrize("stored", ["../../escape", "/tmp/abs", "..", "a/b", "x\\y"])
def test_a_stored_source_id_never_places_a_draft_outside_out(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stored: str
) -> None:
    """Source ids are slugs today, but a ledger can hold ids recorded under older rules: the id the article's
    hash finds names the draft, and must stay a file name inside --out."""
    from tracker.app import extract as ex

    run(sqlite_url, "init")
    monkeypatch.setattr(ex, "_by_digest", lambda sources, digest: {"source_id": stored})
    out_dir = tmp_path / "a" / "b" / "drafts"
    out_dir.mkdir(parents=True)
    run(sqlite_url, "extract", str(SEED), "--out", str(out_dir))
    (written,) = list(out_dir.iterdir())
    assert written.parent == out_dir and written.suffix == ".yaml"
    assert sorted(p.name for p in (tmp_path / "a").rglob("*") if p.is_file()) == [written.name]
    assert not (Path("/tmp/abs.yaml")).exists()
    assert yaml.safe_load(written.read_text(encoding="utf-8"))["source"] == stored


def test_the_summary_counts_one_candidate_and_one_sentence_in_the_singular(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "init")
    article = tmp_path / "one.txt"
    article.write_text("The minister said the talks will probably fail.\n", encoding="utf-8")
    _, err = run(sqlite_url, "extract", str(article), "--out", str(tmp_path / "one.yaml"))
    assert "1 candidate (0 already recorded) from 1 sentence;" in err, err


def test_a_folder_that_cannot_be_listed_is_one_line(seeded: str, tmp_path: Path, unlistable_dir: Path) -> None:
    out = tmp_path / "drafts"
    result = tracker(seeded, "extract", str(unlistable_dir), "--out", str(out))
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: file: ") and "cannot read" in lines[0], result.output
    assert not out.exists()


def test_a_link_in_a_folder_leading_out_of_it_is_not_followed(seeded: str, tmp_path: Path) -> None:
    """As the catalog reads a folder: an article found in a folder is read only when it is really there."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "private.txt").write_text("The merger is unlikely to go ahead, the memo said.\n", encoding="utf-8")
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("The summit is unlikely to happen this year.\n", encoding="utf-8")
    (folder / "b.txt").symlink_to(folder / "a.txt")  # a link within the folder is read
    assert tracker(seeded, "extract", str(folder), "--json").exit_code == 0
    (folder / "c.txt").symlink_to(elsewhere / "private.txt")
    out = tmp_path / "drafts"
    result = tracker(seeded, "extract", str(folder), "--out", str(out))
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: file: ") and "c.txt" in lines[0], result.output
    assert not out.exists()
