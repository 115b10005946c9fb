"""Shared fixtures: every ledger test runs on SQLite, and on PostgreSQL when
TRACKER_TEST_POSTGRES_URL is set (CI sets it; elsewhere those cases skip, saying why)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import create_engine, make_url, text
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.store.db import resolve_url

PG_ENV = "TRACKER_TEST_POSTGRES_URL"
APP_ROLE_ENV = "TRACKER_APP_ROLE"  # read by migration 0003
BACKENDS = ["sqlite", "postgres"]


def postgres_admin_url() -> str | None:
    raw = os.environ.get(PG_ENV)
    return resolve_url(raw) if raw else None


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str | None]:
    """One scratch database for the whole run, dropped at the end."""
    admin = postgres_admin_url()
    if admin is None:
        yield None
        return
    name = f"tracker_test_{uuid.uuid4().hex[:10]}"
    # The application role of migration 0003 is cluster-wide, unlike the database: with one name for every
    # test worker, one worker's downgrade could drop it while another's upgrade granted to it ("role was
    # concurrently dropped", seen in CI). Each run (each xdist worker) gets a role of its own, dropped at the end.
    role = f"tracker_app_{uuid.uuid4().hex[:10]}"
    previous_role = os.environ.get(APP_ROLE_ENV)
    os.environ[APP_ROLE_ENV] = role
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = admin.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        try:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        except Exception as e:  # still used elsewhere (it should not be): leave it, and say so
            print(f"role {role} left in place: {e}")
    engine.dispose()
    if previous_role is None:
        os.environ.pop(APP_ROLE_ENV, None)
    else:
        os.environ[APP_ROLE_ENV] = previous_role


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str], _pg_database: str | None) -> str:
    """An empty database (no tables) on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/ledger.sqlite"
    if _pg_database is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    _reset_postgres(_pg_database)
    return _pg_database


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite ledger migrated once per test process: the `ledger` fixture starts from a copy of it.

    Running every migration for each of a thousand ledger tests was a large share of the suite's time; the
    migrations themselves are tested from an empty database (tests/test_migrations.py, `tracker init`)."""
    path = tmp_path_factory.mktemp("template") / "ledger.sqlite"
    led = Ledger(f"sqlite:///{path}", actor="tester")
    led.init()
    led.close()
    return path


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (a plain file copy could miss pages still in the WAL)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.fixture
def ledger(db_url: str, _sqlite_template: Path) -> Iterator[Ledger]:
    path = make_url(db_url).database if db_url.startswith("sqlite") else None
    if path:
        _copy_sqlite(_sqlite_template, Path(path))
    led = Ledger(db_url, actor="tester")
    led.init()  # on the copy: finds every migration applied
    yield led
    led.close()


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    return f"sqlite:///{tmp_path}/ledger.sqlite"


def tracker(db: str | Ledger, *args: str, env: dict[str, str] | None = None, code: int | None = None) -> Result:
    """`tracker --db DB ARGS...` run in this process: its exit code, stdout, stderr and exception. With ``code``,
    the command must end with that exit code (else the test fails showing the command and its output)."""
    url = db.url if isinstance(db, Ledger) else db
    result = CliRunner().invoke(app, ["--db", url, *args], env=env)
    if code is not None:
        assert result.exit_code == code, f"tracker {' '.join(args)}\n{result.output}"
    return result


@pytest.fixture(scope="session")
def _grown_template(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Path:
    """The `grown` ledger on SQLite, grown once per test process (importing and scoring the catalog each time
    was most of what many review tests cost)."""
    from review_fixtures import grow

    path = tmp_path_factory.mktemp("grown") / "ledger.sqlite"
    _copy_sqlite(_sqlite_template, path)
    led = Ledger(f"sqlite:///{path}", actor="tester")
    grow(led)
    led.close()
    return path


@pytest.fixture
def grown(ledger: Ledger, request: pytest.FixtureRequest) -> Ledger:
    """The review ledger of tests/review_fixtures.py (`grow`): scored, with open, due and awkward questions."""
    from review_fixtures import grow

    path = ledger.sqlite_file()
    if path is None:
        grow(ledger)
        return ledger
    ledger.engine.dispose()  # no connection open on the file while it is replaced
    _copy_sqlite(request.getfixturevalue("_grown_template"), path)
    return ledger


@pytest.fixture
def unlistable_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder this process cannot list: one made mode 000, or, for root (whom modes do not stop), Linux's
    /proc/1/map_files, which needs a capability containers do not grant. Skipped where neither refuses."""
    made = tmp_path / "locked"
    made.mkdir()
    made.chmod(0)
    try:
        for folder in (made, Path("/proc/1/map_files")):
            try:
                os.listdir(folder)
            except PermissionError:
                yield folder
                return
            except OSError:
                continue
        pytest.skip("every folder can be listed here (root with every capability)")
    finally:
        made.chmod(0o700)
