"""The bad-input corpus: one table of malformed, hostile or impossible inputs to the CLI and the catalog import.

Every case must give: its specific non-zero exit code, exactly one line on stderr, starting with "error:" and
naming the field or value at fault, no traceback, and a ledger whose event count and head hash are unchanged.
The ledger state is read straight from the file with sqlite3, so it can be checked even where the tracker
itself refuses the database (a newer schema, a read-only file).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_cli import SQL, USAGE, failed
from typer.testing import CliRunner

from tracker.catalog import MAX_FILE_BYTES
from tracker.cli.main import app
from tracker.errors import DatabaseError, IllegalTransition, NotFound, UserError

USER, NOT_FOUND, ILLEGAL, DB = UserError.exit_code, NotFound.exit_code, IllegalTransition.exit_code, 8
assert DatabaseError.exit_code == DB
TEMPLATE_EVENTS = 8  # a source, four questions opened, one resolved, one annulled, one forecast
TEMPLATE_HEAD: str | None = None  # set by the template fixture
FUTURE = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()

DOCUMENT = "Asked about the summit, she said the meeting is unlikely to happen before the spring.\n"

SOURCES = """schema: 1
sources:
  - id: src-one
    title: "An article"
    published: 2024-01-10
    url: https://example.org/article
"""
QUESTIONS = """schema: 1
questions:
  - id: q-one
    title: "Will it happen?"
    criteria: "YES if it happens"
    type: binary
    opened: 2024-01-01
    resolve_by: 2025-01-01
    tags: [test]
  - id: q-two
    title: "Which one?"
    criteria: "The official result"
    type: multiple_choice
    options: [a, b]
    opened: 2024-01-01
    resolve_by: 2025-01-01
    resolution:
      outcome: a
      known_on: 2024-06-01
      evidence: "The result"
"""
FORECASTS = """schema: 1
source: src-one
forecasts:
  - id: f-one
    question: q-one
    forecaster: Ann Example
    made_at: 2024-01-10
    quote: "it will probably happen"
    p: 0.7
    method: stated
  - id: f-two
    question: q-two
    forecaster: Bob Example
    made_at: 2024-01-10
    quote: "a is ahead"
    p: {a: 0.6, b: 0.4}
    method: stated
"""


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger made once: a source with its text, an open binary, an open multiple-choice, a resolved and an
    annulled question, and one forecast. Each case works on its own copy of the file."""
    root = tmp_path_factory.mktemp("template")
    doc = root / "doc.txt"
    doc.write_text(DOCUMENT, encoding="utf-8")
    path = root / "ledger.sqlite"
    runner = CliRunner()
    url = f"sqlite:///{path}"
    for args in (
        ["init"],
        ["source", "add", "interview", "--title", "An interview", "--file", str(doc), "--published", "2024-01-14"],
        ["question", "add", "--opened", "2000-01-01",
            "summit", "--title", "Will the summit happen?", "--criteria", "YES if they meet"],
        ["question", "add", "--opened", "2000-01-01",
            "winner", "--title", "Who wins?", "--criteria", "The result", "--type", "multiple_choice",
         "--option", "a", "--option", "b", "--option", "c"],
        ["question", "add", "--opened", "2000-01-01", "done", "--title", "Done?", "--criteria", "C"],
        ["resolve", "done", "yes", "--on", "2024-02-01"],
        ["question", "add", "--opened", "2000-01-01", "voided", "--title", "Voided?", "--criteria", "C"],
        ["annul", "voided", "--reason", "condition failed"],
        ["forecast", "summit", "--forecaster", "Ann Example", "--p", "0.2", "--made-at", "2024-01-14", "--id", "f1"],
    ):  # fmt: skip
        result = runner.invoke(app, ["--db", url, *args])
        assert result.exit_code == 0, (args, result.output)
    conn = sqlite3.connect(path)  # everything into the main file, so that copying it copies the ledger
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    global TEMPLATE_HEAD
    n, TEMPLATE_HEAD = snapshot(path)  # type: ignore[misc]
    assert n == TEMPLATE_EVENTS
    return path


@dataclass
class Env:
    """What a case works on: its own ledger copy and catalog copy, in a scratch directory."""

    dir: Path
    db: Path
    catalog: Path  # the predictions/ directory (seeds/ beside it)
    url: str
    env: dict[str, str] = field(default_factory=dict)

    def state_url(self) -> str:
        return self.url


@pytest.fixture
def env(template: Path, tmp_path: Path) -> Env:
    db = tmp_path / "ledger.sqlite"
    shutil.copy(template, db)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    predictions = tmp_path / "predictions"
    (predictions / "forecasts").mkdir(parents=True)
    (predictions / "questions.yaml").write_text(QUESTIONS, encoding="utf-8")
    (predictions / "forecasts" / "src-one.yaml").write_text(FORECASTS, encoding="utf-8")
    (tmp_path / "doc.txt").write_text(DOCUMENT, encoding="utf-8")
    return Env(tmp_path, db, predictions, f"sqlite:///{db}")


def snapshot(db: Path) -> tuple[int, str | None] | str:
    """(event count, head hash), read with sqlite3 itself, read-only; "absent" when there is no such file, and
    the file's SHA-256 when it is not a ledger at all (then it must not change either)."""
    if not db.exists():
        return "absent"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        n = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        row = conn.execute("SELECT hash FROM events ORDER BY position DESC LIMIT 1").fetchone()
    except sqlite3.DatabaseError:
        return hashlib.sha256(db.read_bytes()).hexdigest()
    finally:
        conn.close()
    return int(n), None if row is None else str(row[0])


# ------------------------------------------------------------------------------------------------ the table

Setup = Callable[[Env], list[str]]  # prepares the case and returns the arguments after --db URL


def cli(*args: str) -> Setup:
    return lambda e: list(args)


def fc(*more: str, question: str = "summit", made_at: str = "2024-01-14") -> Setup:
    """`forecast QUESTION --forecaster ... --made-at ...` plus the case's own options."""
    return cli("forecast", question, "--forecaster", "Ann Example", "--made-at", made_at, *more)


def mc(*ps: str) -> Setup:
    return fc(*[x for p in ps for x in ("--p", p)], question="winner")


def catalog(file: str, old: str, new: str, alone: bool = False) -> Setup:
    """Import the catalog after replacing `old` by `new` in one of its files (exactly one error each); `alone`:
    import only that file (a questions.yaml that cannot be read would also make its forecasts' questions unknown)."""

    def setup(e: Env) -> list[str]:
        path = {"sources": e.dir / "seeds" / "sources.yaml", "questions": e.catalog / "questions.yaml",
                "forecasts": e.catalog / "forecasts" / "src-one.yaml"}[file]  # fmt: skip
        text = path.read_text(encoding="utf-8")
        assert text.count(old) >= 1, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return ["import", str(path if alone else e.catalog)]

    return setup


def catalog_file(content: bytes, name: str = "extra.yaml") -> Setup:
    """Import one file with these bytes."""

    def setup(e: Env) -> list[str]:
        path = e.dir / name
        path.write_bytes(content)
        return ["import", str(path)]

    return setup


def huge_catalog(e: Env) -> list[str]:
    path = e.catalog / "questions.yaml"
    with path.open("a", encoding="utf-8") as f:
        f.write("# " + "x" * MAX_FILE_BYTES + "\n")  # valid YAML, just over the limit
    return ["import", str(path)]


def duplicate_in_another_file(e: Env) -> list[str]:
    (e.catalog / "more-questions.yaml").write_text(QUESTIONS.split("  - id: q-two")[0], encoding="utf-8")
    return ["import", str(e.catalog), str(e.catalog / "more-questions.yaml")]


def unknown_source(e: Env) -> list[str]:
    """A forecasts file of a source that sources.yaml does not have (its own ids, so that is the one error)."""
    text = FORECASTS.replace("src-one", "src-nope").replace("id: f-", "id: g-")
    (e.catalog / "forecasts" / "src-nope.yaml").write_text(text, encoding="utf-8")
    return ["import", str(e.catalog)]


def newer_schema(e: Env) -> list[str]:
    conn = sqlite3.connect(e.db)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    return ["forecast", "summit", "--forecaster", "A", "--p", "0.3", "--made-at", "2024-01-14"]


def read_only_uri(e: Env) -> list[str]:
    """A read-only database: SQLite's own read-only mode (works as root too, unlike file permissions)."""
    e.url = f"sqlite:///file:{e.db}?mode=ro&uri=true"
    return ["forecast", "summit", "--forecaster", "A", "--p", "0.3", "--made-at", "2024-01-14"]


def read_only_file(e: Env) -> list[str]:
    if os.geteuid() == 0:
        pytest.skip("running as root, where chmod does not stop writes; read_only_uri covers the error path")
    e.db.chmod(0o444)
    e.dir.chmod(0o555)  # no -wal/-shm beside it either
    return ["forecast", "summit", "--forecaster", "A", "--p", "0.3", "--made-at", "2024-01-14"]


def missing_database(e: Env) -> list[str]:
    e.db = e.dir / "nothing-here.sqlite"
    e.url = f"sqlite:///{e.db}"
    return ["list"]


def missing_directory(e: Env) -> list[str]:
    e.db = e.dir / "no" / "such" / "ledger.sqlite"
    e.url = f"sqlite:///{e.db}"
    return ["forecast", "summit", "--forecaster", "A", "--p", "0.3", "--made-at", "2024-01-14"]


def not_a_database(e: Env) -> list[str]:
    e.db = e.dir / "garbage.sqlite"
    e.db.write_bytes(b"this is not a database " * 100)
    e.url = f"sqlite:///{e.db}"
    return ["list"]


def bad_busy_timeout(e: Env) -> list[str]:
    e.env["TRACKER_BUSY_TIMEOUT_MS"] = "soon"
    return ["forecast", "summit", "--forecaster", "A", "--p", "0.3", "--made-at", "2024-01-14"]


def existing_backup(e: Env) -> list[str]:
    (e.dir / "backup.sqlite").write_bytes(b"keep me")
    return ["backup", str(e.dir / "backup.sqlite")]


CASES: list[tuple[str, Setup, int, list[str]]] = [
    # -- probabilities on the command line
    ("p-negative", fc("--p", "-0.1"), USER, ["p: ", "'-0.1'", "between 0 and 1"]),
    ("p-above-one", fc("--p", "1.5"), USER, ["p: ", "'1.5'", "between 0 and 1"]),
    ("p-nan", fc("--p", "NaN"), USER, ["p: ", "'NaN'"]),
    ("p-inf", fc("--p", "inf"), USER, ["p: ", "'inf'"]),
    ("p-word", fc("--p", "abc"), USER, ["p: ", "'abc'", "not a number"]),
    ("p-empty", fc("--p", ""), USER, ["p: ", "''", "not a number"]),
    ("p-comma-decimal", fc("--p", "0,5"), USER, ["p: ", "'0,5'"]),
    ("p-missing", fc(), USER, ["p: ", "--p"]),
    ("p-and-says", fc("--p", "0.2", "--says", "unlikely"), USER, ["says: ", "not both"]),
    ("says-unknown-phrase", fc("--says", "pretty unlikely-ish"), USER, ["says: ", "'pretty unlikely-ish'"]),
    ("mc-sum-low", mc("a=0.3", "b=0.3"), USER, ["p: ", "sum to 0.6"]),
    ("mc-sum-high", mc("a=0.5", "b=0.6"), USER, ["p: ", "sum to 1.1"]),
    ("mc-unknown-option", mc("a=0.5", "z=0.5"), USER, ["p: ", "unknown option 'z'"]),
    ("mc-option-twice", mc("a=0.5", "a=0.5"), USER, ["p: ", "'a' given twice"]),
    ("mc-bad-number", mc("a=abc", "b=1"), USER, ["p[a]: ", "'abc'"]),
    ("mc-single-number", mc("0.5"), USER, ["p: ", "multiple choice"]),
    # -- unknown things
    ("unknown-question", fc("--p", "0.3", question="nope"), NOT_FOUND, ["question: ", "'nope'"]),
    ("unknown-source", fc("--p", "0.3", "--source", "nope"), NOT_FOUND, ["source: ", "'nope'"]),
    ("unknown-forecast", cli("forecast", "withdraw", "f-nope", "--reason", "r"), NOT_FOUND, ["'f-nope'"]),
    ("unknown-outcome-option", cli("resolve", "winner", "d", "--on", "2024-02-01"), USER, ["outcome: ", "'d'"]),
    ("unknown-binary-outcome", cli("resolve", "summit", "maybe", "--on", "2024-02-01"), USER, ["outcome: ", "'maybe'"]),
    (
        "quote-not-in-source",
        fc("--p", "0.3", "--source", "interview", "--quote", "the summit will happen"),
        USER,
        ["quote: ", "not found verbatim", "'interview'"],
    ),
    # -- the lifecycle
    ("resolve-twice", cli("resolve", "done", "no", "--on", "2024-02-02"), ILLEGAL, ["question: ", "already resolved"]),
    ("forecast-on-annulled", fc("--p", "0.3", question="voided"), ILLEGAL, ["question: ", "annulled"]),
    ("annul-twice", cli("annul", "voided", "--reason", "again"), ILLEGAL, ["already annulled"]),
    (
        "correct-unresolved",
        cli("resolve", "correct", "summit", "yes", "--on", "2024-02-01", "--reason", "r"),
        ILLEGAL,
        ["not resolved"],
    ),
    (
        "question-id-taken",
        cli("question", "add", "--opened", "2000-01-01", "summit", "--title", "T", "--criteria", "C"),
        ILLEGAL,
        ["question_id: ", "'summit' already exists"],
    ),
    ("forecast-id-taken", fc("--p", "0.3", "--id", "f1"), ILLEGAL, ["f1"]),
    # -- dates
    ("made-at-future", fc("--p", "0.3", made_at=FUTURE), USER, ["made_at: ", FUTURE, "in the future"]),
    ("made-at-us-format", fc("--p", "0.3", made_at="01/14/2024"), USER, ["made_at: ", "'01/14/2024'", "YYYY-MM-DD"]),
    ("made-at-impossible-day", fc("--p", "0.3", made_at="2024-02-30"), USER, ["made_at: ", "'2024-02-30'"]),
    ("made-at-word", fc("--p", "0.3", made_at="yesterday"), USER, ["made_at: ", "'yesterday'"]),
    ("resolved-on-bad-date", cli("resolve", "summit", "yes", "--on", "2024-13-01"), USER, ["on: ", "'2024-13-01'"]),
    ("resolved-on-future", cli("resolve", "summit", "yes", "--on", FUTURE), USER, ["on: ", "in the future"]),
    (
        "resolve-by-slashes",
        cli(
            "question",
            "add",
            "--opened",
            "2000-01-01",
            "q2",
            "--title",
            "T",
            "--criteria",
            "C",
            "--resolve-by",
            "2024/12/31",
        ),
        USER,
        ["resolve_by: ", "'2024/12/31'"],
    ),
    ("as-of-bad", cli("list", "--as-of", "2024-13-45"), USER, ["as_of: ", "'2024-13-45'"]),
    # -- hostile text
    ("quote-control-char", fc("--p", "0.3", "--quote", "it will\x07 happen"), USER, ["quote: ", "control"]),
    (
        "forecaster-escape-seq",
        cli("forecast", "summit", "--forecaster", "Ann\x1b[31m", "--p", "0.3", "--made-at", "2024-01-14"),
        USER,
        ["forecaster: ", "control"],
    ),
    (
        "sql-question-id",
        cli("question", "add", "--opened", "2000-01-01", SQL, "--title", "T", "--criteria", "C"),
        USER,
        ["question_id: "],
    ),
    ("sql-status", cli("list", "--status", SQL), USER, ["status: ", "DROP TABLE"]),
    ("sql-event-type", cli("log", "--type", SQL), USER, ["type: ", "DROP TABLE"]),
    ("sql-show", cli("show", SQL), NOT_FOUND, ["question: ", "DROP TABLE"]),
    ("empty-reason", cli("annul", "summit", "--reason", "  "), USER, ["reason: ", "must not be empty"]),
    (
        "question-type-unknown",
        cli("question", "add", "--opened", "2000-01-01", "q2", "--title", "T", "--criteria", "C", "--type", "ranking"),
        USER,
        ["type: ", "'ranking'"],
    ),
    # -- usage errors (click's): one line, exit 2
    ("usage-missing-made-at", cli("forecast", "summit", "--forecaster", "A", "--p", "0.3"), USAGE, ["--made-at"]),
    ("usage-negative-limit", cli("log", "--limit", "-1"), USAGE, ["--limit"]),
    ("usage-unknown-option", cli("list", "--bogus"), USAGE, ["--bogus"]),
    # -- maintenance commands
    ("anchor-malformed", cli("verify", "--against", "12:nothex"), USER, ["against: ", "'nothex'"]),
    ("backup-over-a-file", existing_backup, USER, ["path: ", "already exists"]),
    ("scale-unknown", cli("rescale", "--scale", "99", "--reason", "r"), USER, ["scale: ", "99"]),
    # -- the catalog import
    (
        "catalog-malformed-yaml",
        catalog("questions", "    type: binary\n", "    type: [binary\n", alone=True),
        USER,
        ["questions.yaml", "malformed YAML at line"],
    ),
    (
        "catalog-toml",
        catalog_file(b'[questions]\nid = "q"\ntitle = "T"\n', "catalog.toml"),
        USER,
        ["catalog.toml", "malformed YAML"],
    ),
    (
        "catalog-not-utf8",
        catalog_file(b"schema: 1\nquestions: []\n# caf\xe9\n"),
        USER,
        ["extra.yaml", "not UTF-8", "0xe9"],
    ),
    ("catalog-huge-file", huge_catalog, USER, ["questions.yaml", "file too large"]),
    ("catalog-empty-file", catalog_file(b""), USER, ["extra.yaml", "empty file"]),
    ("catalog-top-level-list", catalog_file(b"- schema: 1\n"), USER, ["extra.yaml", "must be a mapping"]),
    ("catalog-newer-schema", catalog("forecasts", "schema: 1", "schema: 2"), USER, ["schema: ", "got 2"]),
    (
        "catalog-duplicate-key",
        catalog("forecasts", "    p: 0.7\n", "    p: 0.7\n    p: 0.8\n"),
        USER,
        ["src-one.yaml", "duplicate key 'p'"],
    ),
    ("catalog-duplicate-question-id", duplicate_in_another_file, USER, ["q-one: id: duplicate question id"]),
    (
        "catalog-duplicate-forecast-id",
        catalog("forecasts", "  - id: f-two", "  - id: f-one"),
        USER,
        ["f-one: id: duplicate forecast id"],
    ),
    ("catalog-p-above-one", catalog("forecasts", "p: 0.7", "p: 1.5"), USER, ["f-one: p: ", "1.5"]),
    ("catalog-p-negative", catalog("forecasts", "p: 0.7", "p: -0.1"), USER, ["f-one: p: ", "-0.1"]),
    ("catalog-p-nan", catalog("forecasts", "p: 0.7", "p: .nan"), USER, ["f-one: p: ", "between 0 and 1"]),
    ("catalog-p-word", catalog("forecasts", "p: 0.7", 'p: "abc"'), USER, ["f-one: p: ", "must be a number"]),
    ("catalog-p-empty", catalog("forecasts", "p: 0.7", 'p: ""'), USER, ["f-one: p: ", "must be a number"]),
    (
        "catalog-mc-sum",
        catalog("forecasts", "{a: 0.6, b: 0.4}", "{a: 0.6, b: 0.6}"),
        USER,
        ["f-two: p: ", "sum to 1.2"],
    ),
    (
        "catalog-mc-unknown-option",
        catalog("forecasts", "{a: 0.6, b: 0.4}", "{a: 0.6, z: 0.4}"),
        USER,
        ["f-two: p.z: ", "not an option"],
    ),
    (
        "catalog-unknown-question",
        catalog("forecasts", "question: q-one", "question: q-nope"),
        USER,
        ["f-one: question: ", "unknown question 'q-nope'"],
    ),
    ("catalog-unknown-source", unknown_source, USER, ["src-nope.yaml: -: source: unknown source 'src-nope'"]),
    (
        "catalog-made-at-future",
        catalog("forecasts", "made_at: 2024-01-10", f"made_at: {FUTURE}"),
        USER,
        ["f-one: made_at: ", "in the future"],
    ),
    (
        "catalog-made-at-format",
        catalog("forecasts", "made_at: 2024-01-10", "made_at: 10/01/2024"),
        USER,
        ["f-one: made_at: ", "'10/01/2024' is not a date"],
    ),
    (
        "catalog-resolution-not-option",
        catalog("questions", "outcome: a", "outcome: c"),
        USER,
        ["q-two: resolution.outcome: ", "'c'"],
    ),
    (
        "catalog-quote-control-char",
        catalog("forecasts", "probably happen", "probably\\a happen"),
        USER,
        ["f-one: quote: ", "control character U+0007"],
    ),
    (
        "catalog-quote-bidi",
        catalog("forecasts", "probably happen", "probably \u202e happen"),
        USER,
        ["f-one: quote: ", "U+202E"],
    ),
    (
        "catalog-sql-id",
        catalog("forecasts", "id: f-one", f'id: "{SQL}"'),
        USER,
        ["id: ", "is not a valid id", "DROP TABLE"],
    ),
    ("catalog-missing-path", lambda e: ["import", str(e.dir / "nowhere")], USER, ["path: ", "nowhere"]),
    (
        "catalog-unknown-field",
        catalog("forecasts", "    method: stated\n", "    methd: stated\n    method: stated\n"),
        USER,
        ["f-one: methd: unknown field"],
    ),
    (
        "catalog-key-with-line-break",
        catalog("forecasts", "    method: stated\n", '    method: stated\n    "meth\\nod": 1\n'),
        USER,
        ["f-one: meth\\nod: unknown field"],
    ),
    ("usage-argument-with-line-break", cli("list", "extra\nargument"), USAGE, ["extra\\nargument"]),
    # -- the database itself
    ("db-missing", missing_database, DB, ["run 'tracker init'"]),
    ("db-missing-directory", missing_directory, DB, ["database directory", "does not exist"]),
    ("db-not-a-database", not_a_database, DB, ["not a database"]),
    ("db-read-only-uri", read_only_uri, DB, ["read-only", "nothing was written"]),
    ("db-read-only-file", read_only_file, DB, []),
    ("db-newer-schema", newer_schema, DB, ["9999_from_the_future", "newer"]),
    ("db-bad-busy-timeout", bad_busy_timeout, DB, ["TRACKER_BUSY_TIMEOUT_MS", "'soon'"]),
    (
        "db-unsupported-url",
        lambda e: ["--db", "mysql://u@h/db", "list"],
        USER,
        ["db: ", "unsupported database", "'mysql'"],
    ),
]


@pytest.mark.parametrize(("setup", "code", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(env: Env, setup: Setup, code: int, says: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    args = setup(env)
    before = snapshot(env.db)
    for name, value in env.env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["--db", env.url, *args])
    line = failed(result, code, says)  # exit code, one "error:" line naming the field/value, no traceback
    assert "internal error" not in result.output
    if code == DB and not says:  # the read-only file: whichever way SQLite words it
        assert "read-only" in line or "cannot open" in line, line
    monkeypatch.delenv("TRACKER_BUSY_TIMEOUT_MS", raising=False)
    if os.geteuid() != 0:
        env.dir.chmod(0o755)
    assert snapshot(env.db) == before, f"{args}: the ledger changed (or a database file appeared)"
    assert snapshot(env.db) in ((TEMPLATE_EVENTS, TEMPLATE_HEAD), "absent") or setup is not_a_database


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES}) == len(CASES)
