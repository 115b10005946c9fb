"""Shared fixtures: every ledger test runs on SQLite, and on PostgreSQL when
TRACKER_TEST_POSTGRES_URL is set (CI sets it; elsewhere those cases skip, saying why)."""

from __future__ import annotations

import copy
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import Result
from sqlalchemy import create_engine, make_url, text
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.store.db import resolve_url

if TYPE_CHECKING:  # the site's modules are imported by the tests that build one
    from tracker.app.site import SiteSummary

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


# Everything a ledger's schema is made of in the public schema: a test that changed any of it (a downgrade, a
# dropped trigger, a revoked grant, a table created at run time) leaves a fingerprint the next ledger test does
# not recognise, and that test then starts from a dropped schema and every migration instead of a cleared one.
_SCHEMA_FINGERPRINT = """
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
  SELECT 'rel ' || c.relname || ' ' || c.relkind::text || ' ' || coalesce(c.relacl::text, '') AS item
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL SELECT 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
      || ' ' || a.attnotnull::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL SELECT 'trg ' || pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL SELECT 'con ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL SELECT 'idx ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL SELECT 'fn ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
    FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
) AS parts
"""


class _PostgresState:
    """A PostgreSQL ledger's rows (as COPY text) and sequence positions, taken once and put back into the scratch
    database for each test that wants that ledger: every row deleted, these copied in, triggers off meanwhile.

    Dropping the schema and running every migration cost each PostgreSQL ledger test ~0.5 s; this costs ~0.02 s.
    Only the rows and sequences are put back, not the tables' files: a deleted row stays a dead tuple until
    vacuumed, which the planner sees (tests/test_pg_plans.py starts from a migrated empty schema for that)."""

    def __init__(self, url: str) -> None:
        engine = create_engine(url)
        with engine.connect() as conn:
            self.fingerprint = str(conn.execute(text(_SCHEMA_FINGERPRINT)).scalar_one())
            tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            self.tables = sorted(str(t) for (t,) in tables)
            self.sequences = [
                (str(name), int(value), bool(called))
                for name, value, called in conn.execute(
                    text(
                        "SELECT sequencename, coalesce(last_value, start_value), last_value IS NOT NULL"
                        " FROM pg_sequences WHERE schemaname = 'public'"
                    )
                )
            ]
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            self.rows: dict[str, bytes] = {}
            for table in self.tables:
                with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                    data = b"".join(bytes(chunk) for chunk in copy)
                if data:
                    self.rows[table] = data
        engine.dispose()

    def restore(self, url: str) -> bool:
        """Put the ledger back; False (nothing done) when the schema is not the one this state was taken from."""
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                if conn.execute(text(_SCHEMA_FINGERPRINT)).scalar_one() != self.fingerprint:
                    return False
                conn.execute(text("SET LOCAL session_replication_role = replica"))  # no trigger refuses the DELETE
                conn.execute(text("; ".join(f'DELETE FROM "{table}"' for table in self.tables)))
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                for table, data in self.rows.items():
                    with cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                        copy.write(data)
                for name, value, called in self.sequences:
                    conn.execute(
                        text("SELECT setval(:name, :value, :called)"),
                        {"name": f'"{name}"', "value": value, "called": called},
                    )
            return True
        finally:
            engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str], _pg_database: str | None) -> str:
    """An empty database (no tables) on each backend; under the `ledger` fixture, the ledger's database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/ledger.sqlite"
    if _pg_database is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    if "_pg_migrated" not in request.fixturenames:  # `ledger` puts a migrated ledger back itself
        _reset_postgres(_pg_database)
    return _pg_database


@pytest.fixture(scope="session")
def _pg_migrated(_pg_database: str | None) -> _PostgresState | None:
    """The scratch database's state just after every migration, taken once per test process."""
    if _pg_database is None:
        return None
    _reset_postgres(_pg_database)
    led = Ledger(_pg_database, actor="tester")
    led.init()
    led.close()
    return _PostgresState(_pg_database)


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
def ledger(db_url: str, _sqlite_template: Path, _pg_migrated: _PostgresState | None) -> Iterator[Ledger]:
    path = make_url(db_url).database if db_url.startswith("sqlite") else None
    if path:
        _copy_sqlite(_sqlite_template, Path(path))
    elif _pg_migrated is not None and not _pg_migrated.restore(db_url):
        _reset_postgres(db_url)  # a schema some earlier test changed: every migration again (init, below)
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


class LedgerStates:
    """Ledgers made once per test process and put back into each test's ledger that asks: a state is named by the
    function that makes it from a migrated ledger (`review_fixtures.scored_catalog`, `grow`, ...). And sites built
    once from a state, copied into each test's folder.

    Importing and scoring the catalog in each test was most of what many review tests cost, and building the site
    of that ledger again (~2 s each) most of what the site tests cost, most of them starting from the same one."""

    def __init__(self, tmp: pytest.TempPathFactory, sqlite_template: Path, pg: _PostgresState | None) -> None:
        self.tmp, self.sqlite_template, self.pg = tmp, sqlite_template, pg
        self.sqlite_states: dict[Callable[[Ledger], object], Path] = {}
        self.pg_states: dict[Callable[[Ledger], object], _PostgresState | None] = {}
        self.sites: dict[tuple[object, ...], tuple[Path, SiteSummary]] = {}

    def put(self, ledger: Ledger, make: Callable[[Ledger], object]) -> Ledger:
        """``ledger`` (just migrated, by the `ledger` fixture) becomes the ledger ``make`` makes."""
        ledger.engine.dispose()  # no connection of its own open while its rows or its file are replaced
        path = ledger.sqlite_file()
        if path is not None:
            if make not in self.sqlite_states:
                template = self.tmp.mktemp("state") / "ledger.sqlite"
                _copy_sqlite(self.sqlite_template, template)
                made = Ledger(f"sqlite:///{template}", actor="tester")
                make(made)
                made.close()
                self.sqlite_states[make] = template
            _copy_sqlite(self.sqlite_states[make], path)
            return ledger
        if make not in self.pg_states:  # made in the scratch database itself, which the test's ledger is
            self.pg_states[make] = None
            if self.pg is not None and self.pg.restore(ledger.url):
                made = Ledger(ledger.url, actor="tester")
                make(made)
                made.close()
                self.pg_states[make] = _PostgresState(ledger.url)
        state = self.pg_states[make]
        if state is None or not state.restore(ledger.url):
            make(ledger)  # a schema some earlier test changed: made in this test
        return ledger

    def site(self, ledger: Ledger, make: Callable[[Ledger], object], out: Path, **options: Any) -> SiteSummary:
        """``ledger`` becomes the ledger ``make`` makes (`put`) and ``out`` its site as `build_site` (``options``)
        writes it into a new folder: built for the first test that asks, a copy of that folder for the others.
        Returns the summary of that build."""
        from tracker.app.site import build_site

        self.put(ledger, make)
        key = (ledger.sqlite_file() is None, make, *sorted(options.items()))
        if key not in self.sites:
            folder = self.tmp.mktemp("site") / "site"
            self.sites[key] = folder, build_site(ledger, folder, **options)
        folder, summary = self.sites[key]
        # the copy keeps each file's mtime, not its inode: the next build hashes the files the manifest's stat
        # would have vouched for, and finds the same bytes
        shutil.copytree(folder, out)
        return copy.deepcopy(summary)


@pytest.fixture(scope="session")
def _ledger_states(
    tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path, _pg_migrated: _PostgresState | None
) -> LedgerStates:
    return LedgerStates(tmp_path_factory, _sqlite_template, _pg_migrated)


@pytest.fixture
def states(ledger: Ledger, _ledger_states: LedgerStates) -> LedgerStates:
    """What puts a ledger made once per test process into the test's `ledger` (`LedgerStates`)."""
    return _ledger_states


@pytest.fixture
def scored(ledger: Ledger, _ledger_states: LedgerStates) -> Ledger:
    """The catalog imported and scored (`review_fixtures.scored_catalog`)."""
    from review_fixtures import scored_catalog

    return _ledger_states.put(ledger, scored_catalog)


@pytest.fixture
def grown(ledger: Ledger, _ledger_states: LedgerStates) -> Ledger:
    """The review ledger of tests/review_fixtures.py (`grow`): scored, with open, due and awkward questions."""
    from review_fixtures import grow

    return _ledger_states.put(ledger, grow)


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
