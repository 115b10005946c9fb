"""The second half of the bad-input corpus: every finding of the independent test (hostile text, ids with
whitespace, CLI/catalog disagreements, unparseable times and URLs, dangerous --out targets, actors too long for
one database), and more cases in the spirit of a careless user and of an attacker.

As in test_bad_input.py, each case must give its exit code, exactly one "error:" line naming the field, no
traceback, and a ledger whose event count and head hash are unchanged. The second part stores hostile text the
way an old ledger could hold it and checks that every reader gives it back literally.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from test_bad_input import CASES as FIRST_HALF
from test_bad_input import (  # noqa: F401 - the fixtures, shared with the first half
    DB,
    ILLEGAL,
    NOT_FOUND,
    TEMPLATE_EVENTS,
    USER,
    Env,
    Setup,
    catalog,
    catalog_file,
    cli,
    env,
    fc,
    mc,
    snapshot,
    template,
)
from test_cli import USAGE, failed
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli.main import app

ESC = "\x1b[31mEVIL\x1b]0;pwned\x07"
RLO = "\u202e"
C1 = "\x9b"
LONG = "x" * 201


def add(*more: str, qid: str = "fresh") -> Setup:
    return cli("question", "add", qid, "--title", "T", "--criteria", "C", "--opened", "2000-01-01", *more)


def add_mc(*options: str) -> Setup:
    return add("--type", "multiple_choice", *[x for o in options for x in ("--option", o)])


def src(*more: str, sid: str = "fresh-src") -> Setup:
    return cli("source", "add", sid, "--title", "T", *more)


def with_actor(actor: str) -> Setup:
    return lambda e: ["--actor", actor, *fc("--p", "0.3")(e)]


def with_env_actor(actor: str) -> Setup:
    def setup(e: Env) -> list[str]:
        e.env["TRACKER_ACTOR"] = actor
        return fc("--p", "0.3")(e)

    return setup


def db_query(tail: str) -> Setup:
    """The case's own ledger, with ``tail`` after its URL (driver options that the driver refuses)."""

    def setup(e: Env) -> list[str]:
        e.url = e.url + tail
        return ["list"]

    return setup


def db_url(url: str) -> Setup:
    def setup(e: Env) -> list[str]:
        e.url = url
        return ["list"]

    return setup


def db_at(kind: str, command: str = "list") -> Setup:
    """--db naming what is no SQLite file (the case's own ledger stays where it is, unchanged): SQLite said only
    "cannot open the database file", "disk I/O error" or "file is not a database", naming no file."""

    def setup(e: Env) -> list[str]:
        path = e.dir / "odd.sqlite"
        if kind == "directory":
            path.mkdir()
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "passwd":
            path.symlink_to("/etc/passwd")
        elif kind == "loop":
            path.symlink_to(path)
        elif kind == "dangling":
            path.symlink_to(e.dir / "gone" / "ledger.sqlite")
        elif kind == "device":
            path = Path("/dev/null")
        e.url = f"sqlite:///{path}"
        return [command]

    return setup


def nested_yaml(open_: str, close: str, depth: int = 10_000) -> Setup:
    return catalog_file(("schema: 1\nquestions: " + open_ * depth + close * depth + "\n").encode())


def yaml_forecast(**fields: str) -> Setup:
    """Import one forecasts file whose single entry has these fields (besides valid ones)."""
    base = {
        "id": "g-one",
        "question": "q-one",
        "forecaster": '"Ann Example"',
        "made_at": "2024-01-10",
        "quote": '"q"',
        "p": "0.7",
        "method": "stated",
    }
    base.update(fields)
    body = "".join(f"    {k}: {v}\n" for k, v in base.items()).replace("    id:", "  - id:", 1)

    def setup(e: Env) -> list[str]:
        path = e.catalog / "forecasts" / "src-one.yaml"
        path.write_text("schema: 1\nsource: src-one\nforecasts:\n" + body, encoding="utf-8")
        return ["import", str(e.catalog)]

    return setup


def out_target(kind: str, command: Callable[[Path], list[str]], name: str = "out.csv") -> Setup:
    def setup(e: Env) -> list[str]:
        path = e.dir / name
        if kind == "symlink":
            (e.dir / "victim").write_text("precious")
            path.symlink_to(e.dir / "victim")
        elif kind == "dangling":
            path.symlink_to(e.dir / "nowhere")
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "device":
            try:
                os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
            except PermissionError:
                pytest.skip("creating a device node needs root")
        elif kind == "directory":
            path.mkdir()
        elif kind == "file-for-dir":
            path.write_text("a file")
        elif kind == "missing-dir":
            path = e.dir / "no" / "such" / name
        return command(path)

    return setup


def export_to(p: Path) -> list[str]:
    return ["export", "forecasts", "--format", "csv", "--out", str(p)]


def file_arg(kind: str) -> Setup:
    def setup(e: Env) -> list[str]:
        path = e.dir / "doc-arg"
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "directory":
            path.mkdir()
        elif kind == "binary":
            path.write_bytes(b"\xff\xfe\x00bad")
        elif kind == "unreadable":
            # a regular file whose read fails even for root (EIO at address 0), as permissions fail for a user
            path = Path("/proc/self/mem")
        return src("--published", "2024-01-10", "--file", str(path))(e)

    return setup


def catalog_entry(kind: str, folder: str = "forecasts") -> Setup:
    """A YAML name in the catalog's folders that is not a readable file: skipped, the import said it had
    succeeded without it."""

    def setup(e: Env) -> list[str]:
        base = e.catalog / folder
        base.mkdir(exist_ok=True)
        path = base / "extra.yaml"
        if kind == "dangling":
            path.symlink_to("nowhere.yaml")
        elif kind == "loop":
            path.symlink_to("extra.yaml")
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "directory":
            path.mkdir()
        return ["import", str(e.catalog)]

    return setup


CASES: list[tuple[str, Setup, int, list[str]]] = [
    # -- finding 3: ids with surrounding whitespace or control characters are refused, never kept or trimmed
    ("id-trailing-newline", add(qid="abc\n"), USER, ["question_id: ", "whitespace"]),
    ("id-leading-space", add(qid=" abc"), USER, ["question_id: ", "whitespace"]),
    ("id-trailing-space", add(qid="abc "), USER, ["question_id: ", "whitespace"]),
    ("id-upper-case", add(qid="ABC"), USER, ["question_id: ", "not a valid id"]),
    ("id-bidi", add(qid=f"a{RLO}b"), USER, ["question_id: ", "U+202E"]),
    ("id-tab", add(qid="a\tb"), USER, ["question_id: "]),
    ("id-too-long", add(qid="a" * 121), USER, ["question_id: ", "limit is 120"]),
    ("id-starts-with-dash", add(qid="-abc"), USAGE, ["-a"]),  # click reads it as an option
    ("id-starts-with-dot", add(qid=".abc"), USER, ["question_id: "]),
    ("id-non-ascii", add(qid="abç"), USER, ["question_id: "]),
    ("option-trailing-newline", add_mc("a\n", "a"), USER, ["option: ", "whitespace"]),
    ("option-leading-space", add_mc(" a", "b"), USER, ["option: ", "whitespace"]),
    ("option-upper-case", add_mc("A", "b"), USER, ["option: "]),
    ("option-twice", add_mc("a", "a"), USER, ["option: ", "twice"]),
    ("option-only-one", add_mc("a"), USER, ["option: ", "at least two"]),
    ("option-bidi", add_mc(f"a{RLO}", "b"), USER, ["option: ", "U+202E"]),
    ("tag-trailing-newline", add("--tag", "t\n"), USER, ["tag: ", "whitespace"]),
    ("tag-upper-case", add("--tag", "Tag"), USER, ["tag: "]),
    ("tag-space-inside", add("--tag", "two words"), USER, ["tag: "]),
    ("tag-escape", add("--tag", ESC), USER, ["tag: "]),
    ("forecast-on-id-with-newline", fc("--p", "0.3", question="summit\n"), USER, ["question_id: ", "whitespace"]),
    ("forecast-on-id-with-space", fc("--p", "0.3", question=" summit"), USER, ["question_id: ", "whitespace"]),
    ("forecast-id-newline", fc("--p", "0.3", "--id", "f2\n"), USER, ["forecast_id: ", "whitespace"]),
    ("forecast-id-upper", fc("--p", "0.3", "--id", "F2"), USER, ["forecast_id: "]),
    ("withdraw-id-newline", cli("forecast", "withdraw", "f1\n", "--reason", "r"), USER, ["forecast_id: "]),
    ("resolve-id-newline", cli("resolve", "summit\n", "yes", "--on", "2024-02-01"), USER, ["question_id: "]),
    ("annul-id-space", cli("annul", "summit ", "--reason", "r"), USER, ["question_id: "]),
    (
        "clarify-id-newline",
        cli("question", "clarify", "summit\n", "--reason", "r", "--title", "T"),
        USER,
        ["question_id: "],
    ),
    ("source-id-newline", src("--published", "2024-01-10", sid="src\n"), USER, ["source_id: ", "whitespace"]),
    ("source-ref-newline", fc("--p", "0.3", "--source", "interview\n"), USER, ["source: ", "whitespace"]),
    # -- finding 5: names in any script; a chosen id follows the id rule
    ("forecaster-id-bad", fc("--p", "0.3", "--forecaster-id", "Bad Id"), USER, ["forecaster_id: "]),
    ("forecaster-id-newline", fc("--p", "0.3", "--forecaster-id", "ann\n"), USER, ["forecaster_id: ", "whitespace"]),
    (
        "forecaster-emoji-without-id",
        cli("forecast", "summit", "--forecaster", "🙂", "--p", "0.3", "--made-at", "2024-01-14"),
        USER,
        ["forecaster: ", "no usable id", "--forecaster-id"],
    ),
    (
        "forecaster-empty",
        cli("forecast", "summit", "--forecaster", "", "--p", "0.3", "--made-at", "2024-01-14"),
        USER,
        ["forecaster: "],
    ),
    (
        "forecaster-blank",
        cli("forecast", "summit", "--forecaster", "   ", "--p", "0.3", "--made-at", "2024-01-14"),
        USER,
        ["forecaster: "],
    ),
    # -- finding 2: control characters, C1 and bidi controls refused in every text field, on the command line too
    (
        "forecaster-newline",
        cli("forecast", "summit", "--forecaster", "Ann\nExample", "--p", "0.3", "--made-at", "2024-01-14"),
        USER,
        ["forecaster: ", "U+000A"],
    ),
    (
        "forecaster-escape",
        cli("forecast", "summit", "--forecaster", ESC, "--p", "0.3", "--made-at", "2024-01-14"),
        USER,
        ["forecaster: ", "U+001B"],
    ),
    (
        "forecaster-bidi",
        cli("forecast", "summit", "--forecaster", f"Ann {RLO}elpmaxE", "--p", "0.3", "--made-at", "2024-01-14"),
        USER,
        ["forecaster: ", "U+202E"],
    ),
    (
        "forecaster-c1",
        cli("forecast", "summit", "--forecaster", f"Ann{C1}", "--p", "0.3", "--made-at", "2024-01-14"),
        USER,
        ["forecaster: ", "U+009B"],
    ),
    (
        "forecaster-nel",
        cli("forecast", "summit", "--forecaster", "Ann\x85", "--p", "0.3", "--made-at", "2024-01-14"),
        USER,
        ["forecaster: ", "U+0085"],
    ),
    (
        "forecaster-isolate",
        cli("forecast", "summit", "--forecaster", "Ann\u2066x\u2069", "--p", "0.3", "--made-at", "2024-01-14"),
        USER,
        ["forecaster: ", "U+2066"],
    ),
    (
        "forecaster-too-long",
        cli("forecast", "summit", "--forecaster", LONG, "--p", "0.3", "--made-at", "2024-01-14"),
        USER,
        ["forecaster: ", "limit is 200"],
    ),
    ("title-escape", add("--title", ESC, qid="x1"), USER, ["title: ", "U+001B"]),
    ("title-newline", add("--title", "two\nlines", qid="x2"), USER, ["title: ", "U+000A"]),
    ("title-nul", add("--title", "a\x00b", qid="x3"), USER, ["title: ", "U+0000"]),
    ("title-isolate", add("--title", "a\u2067b", qid="x4"), USER, ["title: ", "U+2067"]),
    ("title-delete", add("--title", "a\x7fb", qid="x5"), USER, ["title: ", "U+007F"]),
    ("title-lone-surrogate", add("--title", "a\udc80b", qid="x6"), USER, ["title: "]),
    (
        "title-symbols-only-no-id",
        cli("question", "add", "--title", "!!!", "--criteria", "C", "--opened", "2000-01-01"),
        USER,
        ["title: ", "no usable id", "give the question an id"],
    ),
    ("criteria-escape", add("--criteria", ESC, qid="x7"), USER, ["criteria: ", "U+001B"]),
    ("criteria-vertical-tab", add("--criteria", "a\r\n\vb", qid="x8"), USER, ["criteria: ", "U+000B"]),
    ("criteria-too-long", add("--criteria", "c" * 20_001, qid="x9"), USER, ["criteria: ", "limit is 20,000"]),
    ("condition-bell", add("--condition", "if\x07", qid="x10"), USER, ["condition: ", "U+0007"]),
    ("quote-escape", fc("--p", "0.3", "--quote", ESC), USER, ["quote: ", "U+001B"]),
    ("quote-bidi", fc("--p", "0.3", "--quote", f"it {RLO}will"), USER, ["quote: ", "U+202E"]),
    ("hedge-newline", fc("--p", "0.3", "--hedge", "un\nlikely"), USER, ["hedge: ", "U+000A"]),
    ("role-tab", fc("--p", "0.3", "--role", "a\tb"), USER, ["role: ", "U+0009"]),
    ("role-too-long", fc("--p", "0.3", "--role", LONG), USER, ["role: ", "limit is 200"]),
    (
        "clarify-reason-escape",
        cli("question", "clarify", "summit", "--reason", ESC, "--title", "T"),
        USER,
        ["reason: ", "U+001B"],
    ),
    (
        "clarify-title-newline",
        cli("question", "clarify", "summit", "--reason", "r", "--title", "a\nb"),
        USER,
        ["title: "],
    ),
    (
        "resolve-evidence-c1",
        cli("resolve", "summit", "yes", "--on", "2024-02-01", "--evidence", f"e{C1}"),
        USER,
        ["evidence: ", "U+009B"],
    ),
    ("annul-reason-nul", cli("annul", "summit", "--reason", "r\x00"), USER, ["reason: ", "U+0000"]),
    ("withdraw-reason-escape", cli("forecast", "withdraw", "f1", "--reason", "\x1b[2J"), USER, ["reason: "]),
    ("reopen-reason-bidi", cli("reopen", "done", "--reason", f"r{RLO}"), USER, ["reason: ", "U+202E"]),
    ("source-title-bidi", src("--published", "2024-01-10", "--title", f"T{RLO}"), USER, ["title: "]),
    ("source-outlet-newline", src("--published", "2024-01-10", "--outlet", "a\nb"), USER, ["outlet: "]),
    ("source-author-escape", src("--published", "2024-01-10", "--author", ESC), USER, ["author: "]),
    (
        "source-url-javascript",
        src("--published", "2024-01-10", "--url", "javascript:alert(1)"),
        USER,
        ["url: ", "http(s)"],
    ),
    ("source-url-space", src("--published", "2024-01-10", "--url", "http://a b"), USER, ["url: "]),
    ("source-notes-nul", src("--published", "2024-01-10", "--notes", "\x00"), USER, ["notes: "]),
    ("source-file-fifo", file_arg("fifo"), USER, ["file: ", "not a readable file"]),
    ("source-file-directory", file_arg("directory"), USER, ["file: ", "not a readable file"]),
    ("source-file-not-utf8", file_arg("binary"), USER, ["file: ", "not UTF-8"]),
    ("source-file-unreadable", file_arg("unreadable"), USER, ["file: ", "cannot read", "/proc/self/mem"]),
    # -- finding 2 and 7: the actor is checked, with one limit on both databases
    ("actor-escape", with_actor(ESC), USER, ["actor: ", "U+001B"]),
    ("actor-osc-title", with_actor("\x1b]0;pwned\x07"), USER, ["actor: "]),
    ("actor-201", with_actor(LONG), USER, ["actor: ", "201 characters", "limit is 200"]),
    ("actor-10000", with_actor("a" * 10_000), USER, ["actor: ", "10,000 characters"]),
    ("actor-newline", with_actor("bob\nalice"), USER, ["actor: ", "U+000A"]),
    ("actor-bidi", with_actor(f"bob{RLO}"), USER, ["actor: ", "U+202E"]),
    ("actor-c1", with_actor(f"bob{C1}"), USER, ["actor: ", "U+009B"]),
    ("actor-blank", with_actor("   "), USER, ["actor: ", "empty"]),
    ("actor-env-escape", with_env_actor(ESC), USER, ["actor: ", "U+001B"]),
    ("actor-env-too-long", with_env_actor("a" * 300), USER, ["actor: ", "limit is 200"]),
    # -- finding 4: the command line agrees with the catalog
    (
        "made-at-before-opened",
        fc("--p", "0.3", made_at="1700-01-01"),
        USER,
        ["made_at: ", "before the question opened"],
    ),
    ("made-at-day-before-opened", fc("--p", "0.3", made_at="1999-12-31"), USER, ["made_at: ", "(2000-01-01)"]),
    (
        "clarify-resolve-by-before-opened",
        cli("question", "clarify", "summit", "--reason", "r", "--resolve-by", "1999-01-01"),
        USER,
        ["resolve_by: ", "before the question opened"],
    ),
    ("add-resolve-by-before-opened", add("--resolve-by", "1999-01-01", qid="x11"), USER, ["resolve_by: "]),
    ("mc-sum-off-by-5e-7", mc("a=0.5", "b=0.2", "c=0.3000005"), USER, ["p: ", "sum to 1.0000005"]),
    ("mc-sum-short-by-5e-7", mc("a=0.5", "b=0.2", "c=0.2999995"), USER, ["p: ", "sum to 0.9999995"]),
    ("mc-option-space", mc(" a=0.5", "b=0.5"), USER, ["p: ", "whitespace"]),
    ("mc-option-upper", mc("A=0.5", "b=0.5"), USER, ["p: "]),
    ("mc-option-empty", mc("=0.5", "b=0.5"), USER, ["p: "]),
    ("mc-value-nan", mc("a=nan", "b=1"), USER, ["p[a]: "]),
    ("mc-value-hex", mc("a=0x1p-1", "b=0.5"), USER, ["p[a]: ", "not a number"]),
    ("p-underscore-ten", fc("--p", "1_0"), USER, ["p: ", "between 0 and 1"]),
    ("p-percent", fc("--p", "30%"), USER, ["p: ", "not a number"]),
    # -- dates as a careless user types them
    ("made-at-leading-space", fc("--p", "0.3", made_at=" 2024-01-14"), USER, ["made_at: ", "not a date"]),
    ("made-at-one-digit-month", fc("--p", "0.3", made_at="2024-1-14"), USER, ["made_at: "]),
    ("made-at-february-30", fc("--p", "0.3", made_at="2024-02-30"), USER, ["made_at: "]),
    ("made-at-five-digit-year", fc("--p", "0.3", made_at="99999-01-01"), USER, ["made_at: "]),
    ("made-at-arabic-digits", fc("--p", "0.3", made_at="٢٠٢٤-٠١-١٤"), USER, ["made_at: ", "not a date"]),
    ("made-at-with-time", fc("--p", "0.3", made_at="2024-01-14T10:00"), USER, ["made_at: "]),
    ("made-at-empty", fc("--p", "0.3", made_at=""), USER, ["made_at: "]),
    ("resolve-by-word", add("--resolve-by", "tomorrow", qid="x12"), USER, ["resolve_by: "]),
    ("resolve-on-month-13", cli("resolve", "summit", "yes", "--on", "2024-13-01"), USER, ["on: "]),
    ("published-february-30", src("--published", "2024-02-30"), USER, ["published: "]),
    ("opened-in-the-future", add("--opened", "2199-01-01", qid="x13"), USER, ["opened: ", "in the future"]),
    ("annul-on-year-zero", cli("annul", "summit", "--reason", "r", "--on", "0000-01-01"), USER, ["on: "]),
    # days beyond the ledger's tables (pandas nanosecond timestamps): accepted, they failed every later score,
    # export, report, site and extraction with an internal error
    ("opened-year-one", add("--opened", "0001-01-01", qid="x14"), USER, ["opened: ", "0001-01-01", "outside"]),
    ("resolve-by-9999", add("--resolve-by", "9999-12-31", qid="x15"), USER, ["resolve_by: ", "2199-12-31"]),
    ("made-at-year-one", fc("--p", "0.3", made_at="0001-01-01"), USER, ["made_at: ", "outside"]),
    ("resolve-on-1600", cli("resolve", "summit", "yes", "--on", "1600-01-01"), USER, ["on: ", "outside"]),
    ("published-1500", src("--published", "1500-01-01"), USER, ["published: ", "outside"]),
    (
        "clarify-resolve-by-2300",
        cli("question", "clarify", "summit", "--reason", "r", "--resolve-by", "2300-01-01"),
        USER,
        ["resolve_by: ", "outside"],
    ),
    (
        "catalog-resolve-by-9999",
        catalog("questions", "resolve_by: 2025-01-01", "resolve_by: 9999-12-31", alone=True),
        USER,
        ["q-one: resolve_by: ", "outside"],
    ),
    # -- finding 6: times that do not parse or overflow are one line naming as_of, never an internal error
    ("as-of-superscript-two", cli("list", "--as-of", "²"), USER, ["as_of: ", "'²'"]),
    ("as-of-overflows-in-utc", cli("list", "--as-of", "9999-12-31T23:59:59-05:00"), USER, ["as_of: "]),
    ("as-of-before-year-one-in-utc", cli("list", "--as-of", "0001-01-01T00:00:00+01:00"), USER, ["as_of: "]),
    ("as-of-arabic-digits", cli("list", "--as-of", "١٢"), USER, ["as_of: "]),
    # integers too large for the databases (or for int(): over 4,300 digits) are bad values, never exit 70
    ("as-of-5000-digits", cli("list", "--as-of", "9" * 5000), USER, ["as_of: ", "5000 digits"]),
    ("as-of-20-digits", cli("show", "summit", "--as-of", "9" * 20), USER, ["as_of: "]),
    ("checkpoints-number-20-digits", cli("checkpoints", "--number", "9" * 20), NOT_FOUND, ["number: "]),
    ("schedule-every-30-digits", cli("schedule", "run", "--every", "9" * 30 + "h"), USER, ["every: "]),
    ("schedule-every-5000-digits", cli("schedule", "run", "--every", "9" * 5000 + "s"), USER, ["every: "]),
    ("as-of-negative", cli("list", "--as-of", "-1"), USER, ["as_of: "]),
    ("as-of-hour-25", cli("show", "summit", "--as-of", "2024-01-01T25:00"), USER, ["as_of: "]),
    ("as-of-log-word", cli("log", "--as-of", "yesterday"), USER, ["as_of: "]),
    ("as-of-export", cli("export", "forecasts", "--as-of", "²", "--out", "never.csv"), USER, ["as_of: "]),
    ("as-of-scores-superscript", cli("scores", "--as-of", "²"), USER, ["as_of: "]),
    (
        "as-of-scores-huge-run",
        cli("scores", "--as-of", "99999999999999999999"),
        USER,
        ["as_of: ", "not a position"],
    ),
    ("as-of-scores-overflow", cli("scores", "--as-of", "9999-12-31T23:59:59-05:00"), USER, ["as_of: "]),
    # -- finding 6: catalogs nested deeper than the parser's stack
    ("yaml-nested-lists", nested_yaml("[", "]"), USER, ["nested too deeply"]),
    ("yaml-nested-mappings", nested_yaml("{a: ", "}"), USER, ["nested too deeply"]),
    # -- finding 6: --db URLs that do not parse or name another driver; never SQL, never a password
    ("db-port-not-a-number", db_url("postgresql://postgres@127.0.0.1:abc/x"), USER, ["db: ", "not a database URL"]),
    ("db-sqlcipher", db_url("sqlite+pysqlcipher:///x.db"), USER, ["db: ", "'sqlite+pysqlcipher'"]),
    ("db-asyncpg-password", db_url("postgresql+asyncpg://u:hunter2@h/x"), USER, ["db: ", "'postgresql+asyncpg'"]),
    ("db-broken-ipv6-password", db_url("postgresql://u:hunter2@[::1/x"), USER, ["db: ", "u:***@"]),
    ("db-no-scheme", db_url("://x"), USER, ["db: "]),
    ("db-mysql", db_url("mysql://u@h/db"), USER, ["db: ", "'mysql'"]),
    ("db-mssql", db_url("mssql+pyodbc://u@dsn"), USER, ["db: "]),
    ("db-http", db_url("http://example.org/ledger"), USER, ["db: ", "'http'"]),
    ("db-query-not-a-number", db_query("?timeout=abc"), USER, ["db: ", "timeout=abc"]),
    ("db-nul", db_query("\x00"), USER, ["db: "]),
    ("db-a-directory", db_at("directory"), DB, ["odd.sqlite", "is a directory"]),
    ("db-a-fifo", db_at("fifo", "init"), DB, ["odd.sqlite", "not a regular file"]),
    ("db-dev-null", db_at("device", "init"), DB, ["/dev/null", "not a regular file"]),
    ("db-link-to-passwd", db_at("passwd", "init"), DB, ["odd.sqlite", "not a database"]),
    ("db-link-loop", db_at("loop", "init"), DB, ["odd.sqlite", "symbolic links"]),
    ("db-dangling-link", db_at("dangling", "init"), DB, ["odd.sqlite", "symbolic link to nothing"]),
    # an in-memory SQLite database keeps nothing: `init` on one would report success and leave no ledger
    ("db-sqlite-no-path", db_url("sqlite://"), USER, ["db: ", "--db 'sqlite://'", "in-memory"]),
    ("db-sqlite-memory", db_url("sqlite:///:memory:"), USER, ["db: ", "'sqlite:///:memory:'", "in-memory"]),
    ("db-sqlite-uri-mode-memory", db_url("sqlite:///file:l?mode=memory&uri=true"), USER, ["db: ", "in-memory"]),
    # -- finding 8: --out never writes through a link, a pipe or a device
    ("out-symlink", out_target("symlink", export_to), USER, ["out: ", "symbolic link"]),
    ("out-dangling-symlink", out_target("dangling", export_to), USER, ["out: ", "symbolic link"]),
    ("out-fifo", out_target("fifo", export_to), USER, ["out: ", "FIFO"]),
    ("out-device", out_target("device", export_to), USER, ["out: ", "character device"]),
    ("out-directory", out_target("directory", export_to), USER, ["out: ", "directory"]),
    ("out-missing-directory", out_target("missing-dir", export_to), USER, ["out: ", "does not exist"]),
    ("out-report-fifo", out_target("fifo", lambda p: ["report", "--out", str(p)], "r.html"), USER, ["out: ", "FIFO"]),
    ("out-report-symlink", out_target("symlink", lambda p: ["report", "--out", str(p)], "r.html"), USER, ["out: "]),
    (
        "out-plot-symlink",
        out_target("symlink", lambda p: ["plot", "calibration", "--out", str(p)], "c.png"),
        USER,
        ["out: ", "symbolic link"],
    ),
    (
        "out-bundle-symlink-dir",
        out_target("symlink", lambda p: ["export", "all", "--out", str(p)], "b"),
        USER,
        ["out: "],
    ),
    (
        "out-bundle-on-a-file",
        out_target("file-for-dir", lambda p: ["export", "all", "--out", str(p)], "b"),
        USER,
        ["out: ", "not a directory"],
    ),
    (
        "out-bundle-zip-fifo",
        out_target("fifo", lambda p: ["export", "all", "--out", str(p)], "b.zip"),
        USER,
        ["out: ", "FIFO"],
    ),
    ("out-unknown-extension", cli("export", "forecasts", "--out", "x.txt"), USER, ["format: "]),
    (
        "backup-onto-dangling-symlink",
        out_target("dangling", lambda p: ["backup", str(p)], "b.sqlite"),
        USER,
        ["path: ", "symbolic link"],
    ),
    # -- the catalog: the same rules, refusals naming file, entry and field
    ("catalog-forecaster-emoji", yaml_forecast(forecaster='"🙂"'), USER, ["g-one: forecaster: ", "no usable id"]),
    ("catalog-forecaster-id-bad", yaml_forecast(forecaster_id='"Bad Id"'), USER, ["g-one: forecaster_id: "]),
    ("catalog-forecaster-escape", yaml_forecast(forecaster='"Ann\\e[31m"'), USER, ["g-one: forecaster: ", "U+001B"]),
    ("catalog-forecaster-too-long", yaml_forecast(forecaster="x" * 201), USER, ["g-one: forecaster: ", "limit"]),
    ("catalog-forecaster-newline", yaml_forecast(forecaster='"Ann\\nExample"'), USER, ["g-one: forecaster: "]),
    ("catalog-quote-c1", yaml_forecast(quote='"a\\u009bb"'), USER, ["g-one: quote: ", "U+009B"]),
    ("catalog-role-bidi", yaml_forecast(role='"r\\u202e"'), USER, ["g-one: role: ", "U+202E"]),
    ("catalog-made-at-before-opened", yaml_forecast(made_at="2023-12-31"), USER, ["g-one: made_at: ", "before"]),
    ("catalog-id-trailing-newline", yaml_forecast(id='"g-one\\n"'), USER, ["id: ", "whitespace"]),
    ("catalog-question-upper", yaml_forecast(question="Q-ONE"), USER, ["question: "]),
    (
        "catalog-mc-sum-5e-7",
        catalog("forecasts", "p: {a: 0.6, b: 0.4}", "p: {a: 0.6, b: 0.4000005}"),
        USER,
        ["f-two: p: ", "sum to 1.0000005"],
    ),
    (
        "catalog-option-space",
        catalog("questions", "options: [a, b]", 'options: ["a ", b]', alone=True),
        USER,
        ["options[0]: ", "whitespace"],
    ),
    ("catalog-tag-upper", catalog("questions", "tags: [test]", "tags: [Test]", alone=True), USER, ["tags[0]: "]),
    (
        "catalog-title-escape",
        catalog("questions", '"Will it happen?"', '"Will it \\e[2J happen?"', alone=True),
        USER,
        ["q-one: title: ", "U+001B"],
    ),
    (
        "catalog-title-two-lines",
        catalog("questions", '"Will it happen?"', '"Will it\\nhappen?"', alone=True),
        USER,
        ["q-one: title: ", "U+000A"],
    ),
    (
        "catalog-url-javascript",
        catalog("sources", "https://example.org/article", "javascript:alert(1)", alone=True),
        USER,
        ["src-one: url: "],
    ),
    (
        "catalog-evidence-escape",
        catalog("questions", '"The result"', '"The \\e]0;x\\a result"', alone=True),
        USER,
        ["resolution.evidence: "],
    ),
    ("catalog-entry-dangling-link", catalog_entry("dangling"), USER, ["extra.yaml: ", "No such file"]),
    ("catalog-entry-loop", catalog_entry("loop", "questions"), USER, ["extra.yaml: ", "loop of symbolic links"]),
    ("catalog-entry-fifo", catalog_entry("fifo"), USER, ["extra.yaml: ", "not a regular file"]),
    ("catalog-entry-directory", catalog_entry("directory"), USER, ["extra.yaml: ", "not a regular file"]),
    # -- careless users and attackers, other ways
    ("outcome-trailing-space", cli("resolve", "summit", "yes ", "--on", "2024-02-01"), USER, ["outcome: "]),
    ("reading-unknown", fc("--says", "unlikely", "--reading", "maybe"), USER, ["reading: "]),
    ("p-on-multiple-choice", fc("--p", "0.5", question="winner"), USER, ["p: ", "multiple choice"]),
    (
        "export-forecaster-emoji",
        cli("export", "forecasts", "--forecaster", "🙂", "--out", "x.csv"),
        NOT_FOUND,
        ["forecaster: ", "no forecaster"],
    ),
    ("list-forecaster-emoji", cli("list", "--forecaster", "🙂"), NOT_FOUND, ["forecaster: ", "no forecaster"]),
    ("markup-as-id", add(qid="[/x]"), USER, ["question_id: "]),
    (
        "sql-as-forecaster-id",
        fc("--p", "0.3", "--forecaster-id", "x'; DROP TABLE events;--"),
        USER,
        ["forecaster_id: "],
    ),
    ("usage-forecaster-id-without-value", fc("--p", "0.3", "--forecaster-id"), USAGE, ["--forecaster-id"]),
]


@pytest.mark.parametrize(("setup", "code", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(env: Env, setup: Setup, code: int, says: list[str], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    args = setup(env)
    before = snapshot(env.db)
    for name, value in env.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(env.dir)
    result = CliRunner().invoke(app, ["--db", env.url, *args])
    line = failed(result, code, says)  # exit code, one "error:" line naming the field/value, no traceback
    assert "internal error" not in result.output
    assert "hunter2" not in result.output and "SELECT" not in result.output and "INSERT" not in result.output
    assert "\x1b" not in result.output and RLO not in result.output and C1 not in result.output
    if code != USAGE:  # click's own usage errors name the option in their words
        assert re.match(r"error: [a-z_.\[\]0-9]+: |error: [^:]+: [^:]+: [a-z_.\[\]0-9-]+: ", line), line
    assert snapshot(env.db) == before, f"{args}: the ledger changed"
    assert not list(env.dir.glob("never*")) and not list(env.dir.glob("x.csv"))


def test_the_corpus_is_large_enough() -> None:
    names = [c[0] for c in FIRST_HALF] + [c[0] for c in CASES]
    assert len(names) >= 150, len(names)
    assert len(set(names)) == len(names)


# ------------------------------------------------------------------------------- hostile text read back

MARKUP = "see [/x] here [b]bold[/b] [link=http://evil]x[/link]"
FORMULA = '=HYPERLINK("http://evil","x")'
OLD_ESCAPE = "Old \x1b[31mred\x1b[0m \x1b]0;pwned\x07 row"
OLD_BIDI = f"Old {RLO}txet desrever{C1} row"


@pytest.fixture
def hostile(ledger: Ledger) -> Ledger:
    """Text the rules accept (markup, formula-looking names) through the API, and text an old ledger may hold
    (terminal escapes, C1, bidi overrides) appended as events straight through the store, as old code did."""
    from tracker.domain import events as ev
    from tracker.projections.projector import project
    from tracker.store import eventstore as es
    from tracker.store.db import write_transaction

    ledger.open_question(MARKUP, FORMULA, question_id="hostile", opened=date(2000, 1, 1), tags=("x",))
    ledger.record_forecast("hostile", FORMULA, 0.3, date(2020, 1, 1), quote=MARKUP, role="[/y] P")
    ledger.record_forecast("hostile", "[/y] P", 0.6, date(2020, 1, 2), quote=FORMULA)
    now = datetime(2021, 1, 1, tzinfo=UTC)
    opened = {"question_id": "old", "title": OLD_ESCAPE, "criteria": OLD_BIDI, "kind": "binary",
              "options": ["yes", "no"], "opened": "2000-01-01", "resolve_by": "2001-01-01", "tags": [],
              "condition": None}  # fmt: skip
    recorded = {"forecast_id": "f-old", "forecaster": OLD_ESCAPE, "forecaster_id": "old-escape", "role": OLD_BIDI,
                "probabilities": {"yes": 0.4, "no": 0.6}, "made_at": "2000-06-01", "source_id": None,
                "quote": OLD_BIDI, "hedge": None, "quote_verified": None,
                "derivation": {"method": "stated"}}  # fmt: skip
    with write_transaction(ledger.engine) as conn:
        es.append(
            conn,
            ev.question_stream("old"),
            [ev.Event(ev.QUESTION_OPENED, opened, now), ev.Event(ev.FORECAST_RECORDED, recorded, now)],
            0,
            "old\x1b[0mactor",
            project,
        )
    ledger.resolve("hostile", "yes", date(2020, 2, 1))
    from tracker.scoring.job import run_scoring

    assert run_scoring(ledger.engine).status == "ok"
    return ledger


def terminal_safe(text: str) -> bool:
    return not any(
        ch == "\x1b" or 0x80 <= ord(ch) <= 0x9F or ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        for ch in text
    )


READ_COMMANDS = [
    pytest.param(["list"], [MARKUP], id="list"),
    pytest.param(["list", "--json"], [MARKUP, FORMULA], id="list-json"),
    pytest.param(["show", "hostile"], [MARKUP, FORMULA, "[/y] P"], id="show"),
    pytest.param(["show", "old"], ["Old ", "row"], id="show-old-row"),
    pytest.param(["show", "old", "--json"], ["Old "], id="show-old-row-json"),
    pytest.param(["scores"], ["[/y] P"], id="scores"),
    pytest.param(["due"], ["Old "], id="due"),
    pytest.param(["log", "--json"], [FORMULA], id="log-json"),
]


@pytest.mark.parametrize(("args", "literal"), READ_COMMANDS)
def test_hostile_text_reads_back_literally(hostile: Ledger, args: list[str], literal: list[str]) -> None:
    result = CliRunner().invoke(app, ["--db", hostile.url, *args])
    assert result.exit_code == 0, result.output  # never 70: stored text cannot break a reader
    out = result.stdout
    if args[-1] == "--json":
        data = json.dumps(json.loads(out), ensure_ascii=False)
        for text in literal:
            assert json.dumps(text, ensure_ascii=False)[1:-1] in data
    else:
        flat = re.sub(r"\s+", " ", out.replace("│", " ").replace("┃", " "))
        for text in literal:
            assert text in flat or text.split()[0] in flat, (text, out[:2000])
    assert terminal_safe(out), "raw ESC, C1 or bidi control in the terminal output"


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "xlsx"])
def test_hostile_text_reads_back_through_every_export(hostile: Ledger, tmp_path: Path, fmt: str) -> None:
    from tracker.app import export as ex

    out = tmp_path / f"forecasts.{fmt}"
    result = CliRunner().invoke(app, ["--db", hostile.url, "export", "forecasts", "--out", str(out)])
    if fmt == "xlsx":
        # Excel cannot store C0 control characters: the export says so in one line rather than dropping them
        assert result.exit_code == 3 and "error: format: " in result.stderr, result.output
        hostile_rows = ex.export_table(hostile, "forecasts", out, forecaster=["[/y] P", FORMULA])
        back = ex.read_xlsx(out)
        assert hostile_rows["rows"] == 2
    else:
        assert result.exit_code == 0, result.output
        back = ex.read_export(out)
        assert OLD_ESCAPE in set(back["forecaster"]) and OLD_BIDI in set(back["quote"])
    assert {FORMULA, "[/y] P"} <= set(back["forecaster"])
    assert MARKUP in set(back["quote"])


def test_the_report_holds_hostile_text_as_text(hostile: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["--db", hostile.url, "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "\x1b" not in page
    assert "[/y] P" in page and "<script" not in page.lower().replace("&lt;script", "")
