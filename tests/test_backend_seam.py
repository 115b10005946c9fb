"""The backend seam holds: no module but the two backends and the function choosing one asks which database it is on.

A check of the dialect outside tracker/store/sqlite.py and tracker/store/postgres.py is a place a third backend
would have to touch; it belongs in a method of `tracker.store.backend.Backend` instead.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parent.parent / "tracker"
BACKEND_MODULES = {"store/sqlite.py", "store/postgres.py"}
# The functions that choose the backend from the URL or the dialect (tracker/store/db.py).
CHOOSERS = {"store/db.py": {"backend_for", "backend_of", "is_postgres"}}

NAMES = r"(?:sqlite|postgresql|postgres|pysqlite|psycopg)"
CHECKS = re.compile(
    r"dialect\.name|dialect\.driver\b|get_backend_name\(|is_postgres"
    rf"|[=!]=\s*[\"']{NAMES}[\"']|[\"']{NAMES}[\"']\s*[=!]="
    rf"|\bin\s*\(\s*[\"']{NAMES}[\"']"
    r"|isinstance\([^)]*\b(?:sqlite3|psycopg)\."
)


def dialect_checks(root: Path, exempt: set[str], choosers: dict[str, set[str]]) -> list[str]:
    """Every line of a module under `root` that checks the database system, as "path:line: text"."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in exempt:
            continue
        source = path.read_text(encoding="utf-8")
        allowed: set[int] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.name in choosers.get(rel, set()):
                allowed.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        for n, line in enumerate(source.splitlines(), 1):
            if n not in allowed and CHECKS.search(line.split("#", 1)[0]):
                found.append(f"{rel}:{n}: {line.strip()}")
    return found


def test_no_dialect_check_outside_the_backend_modules() -> None:
    assert dialect_checks(TRACKER, BACKEND_MODULES, CHOOSERS) == []


@pytest.mark.parametrize(
    "line",
    [
        'if conn.dialect.name == "sqlite":',
        "if is_postgres(engine):",
        'postgres = u.get_backend_name() != "sqlite"',
        'kind = "json" if name == "postgresql" else "text"',
        'if "sqlite" == name:',
        'if name in ("sqlite", "duckdb"):',
        "assert isinstance(conn, sqlite3.Connection)",
        "key = (dialect.driver, n)",
    ],
)
def test_the_check_finds_each_kind_of_dialect_check(tmp_path: Path, line: str) -> None:
    body = line + ("\n        pass" if line.endswith(":") else "")
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "sqlite.py").write_text(f"def f():\n    {body}\n")  # a backend module: allowed
    (tmp_path / "mod.py").write_text(f"def f():\n    {body}\n")
    (tmp_path / "store" / "db.py").write_text(f"def backend_of():\n    {body}\n\n\ndef other():\n    {body}\n")
    other = 7 if line.endswith(":") else 6  # the line of `other`'s check
    found = dialect_checks(tmp_path, BACKEND_MODULES, CHOOSERS)
    assert found == [f"mod.py:2: {line}", f"store/db.py:{other}: {line}"]


def test_a_name_in_a_comment_or_a_message_is_not_a_check(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(
        'say("check it with: tracker --db sqlite:///x verify")  # on sqlite, == "sqlite" would be a check\n'
        'engine = create_engine("sqlite://")\n'
    )
    assert dialect_checks(tmp_path, BACKEND_MODULES, CHOOSERS) == []
