"""The Alembic migrations, on both backends: the only way the schema is made or changed."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy import event as sa_event
from sqlalchemy import exc as sa_exc
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.errors import AppendOnlyViolation, DatabaseError
from tracker.store import migrate
from tracker.store.db import is_postgres, make_engine, translate_errors
from tracker.store.schema import metadata

TABLES = set(metadata.tables)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def triggers(conn: Connection) -> set[str]:
    if is_postgres(conn):
        q = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal"
    else:
        q = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
    return set(conn.execute(text(q)).scalars())


def expected_triggers(engine: Engine) -> set[str]:
    if is_postgres(engine):
        return {"events_no_update_delete", "events_no_truncate"}
    return {"events_no_update", "events_no_delete", "events_no_replace"}


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def pg_function_exists(conn: Connection) -> bool:
    q = "SELECT count(*) FROM pg_proc WHERE proname = 'tracker_events_append_only'"
    return bool(conn.execute(text(q)).scalar())


def assert_update_refused(engine: Engine) -> None:
    with pytest.raises(AppendOnlyViolation), translate_errors(), engine.begin() as conn:
        conn.execute(text("UPDATE events SET actor = 'mallory'"))


def make_some_events(url: str) -> None:
    led = Ledger(url, actor="tester")
    try:
        qid = led.open_question("Will it rain?", "YES if it rains", question_id="rain", opened=date(2000, 1, 1))
        led.record_forecast(qid, "Ann Example", 0.3, date(2020, 1, 1))
    finally:
        led.close()


def test_single_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1
    assert heads[0] == migrate.head_revision()
    # The constant every command checks the ledger against without loading Alembic is this head.
    assert heads[0] == migrate.HEAD_REVISION
    # Every revision chains back to one base (no branches, no orphans).
    assert len(script.get_bases()) == 1


def test_upgrade_from_empty_to_head(engine: Engine) -> None:
    assert tables(engine) == set()
    before, after = migrate.upgrade(engine)
    assert (before, after) == (None, migrate.head_revision())
    assert tables(engine) == TABLES | {"alembic_version"}
    with engine.connect() as conn:
        assert triggers(conn) == expected_triggers(engine)
        assert migrate.require_current(conn) == migrate.head_revision()
    # Running it again is a no-op.
    assert migrate.upgrade(engine) == (migrate.head_revision(), migrate.head_revision())


def test_downgrade_to_base_and_up_again(engine: Engine, db_url: str) -> None:
    migrate.upgrade(engine)
    make_some_events(db_url)
    # Dropping a ledger that holds events needs to be asked for by name; a refusal changes nothing.
    with pytest.raises(DatabaseError, match="holds 2 events: refused.*TRACKER_ALLOW_DATA_LOSS=1"):
        migrate.downgrade(engine, "base")
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        assert conn.execute(text("SELECT count(*) FROM events")).scalar() == 2
    migrate.downgrade(engine, "base", allow_data_loss=True)
    # No trace left: only Alembic's own (empty) version table.
    assert tables(engine) <= {"alembic_version"}
    with engine.connect() as conn:
        assert migrate.current_revision(conn) is None
        if is_postgres(conn):
            assert not pg_function_exists(conn)
    migrate.upgrade(engine)
    assert tables(engine) == TABLES | {"alembic_version"}
    with engine.connect() as conn:
        assert triggers(conn) == expected_triggers(engine)
        if is_postgres(conn):
            assert pg_function_exists(conn)
    # The ledger works again, and the database refuses edits again.
    make_some_events(db_url)
    assert_update_refused(engine)


def test_each_revision_up_and_down_step_by_step(engine: Engine) -> None:
    """pytest-alembic's up/down consistency: every step up, then every step down, then up again."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for rev in revisions:
        migrate.upgrade(engine, rev)
        with engine.connect() as conn:
            assert migrate.current_revision(conn) == rev
    for rev in reversed(revisions):
        migrate.downgrade(engine, "-1")
        with engine.connect() as conn:
            assert migrate.current_revision(conn) == script.get_revision(rev).down_revision
    assert tables(engine) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert tables(engine) == TABLES | {"alembic_version"}


def test_models_match_migrations(engine: Engine) -> None:
    """The `alembic check` equivalent: autogenerate finds nothing to add to the migrations."""
    migrate.upgrade(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "target_metadata": metadata})
        diffs = compare_metadata(ctx, metadata)
    assert diffs == []
    with engine.begin() as conn:
        command.check(migrate.alembic_config(conn))  # raises AutogenerateDiffsDetected on a difference


def test_check_detects_a_difference(engine: Engine) -> None:
    """The comparison above is not vacuous: a schema that lacks an index is reported."""
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_events_event_type"))
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "target_metadata": metadata})
        diffs = compare_metadata(ctx, metadata)
    assert [d[0] for d in diffs] == ["add_index"]


NEWER = "9999_from_the_future"


@pytest.fixture
def newer_ledger(engine: Engine, db_url: str) -> str:
    migrate.upgrade(engine)
    make_some_events(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": NEWER})
    return db_url


def test_newer_revision_is_refused(newer_ledger: str, engine: Engine) -> None:
    with pytest.raises(DatabaseError, match="newer") as info:
        migrate.upgrade(engine)
    assert NEWER in str(info.value)
    led = Ledger(newer_ledger)
    try:
        for call in (
            led.init,
            led.info,
            led.questions,
            led.verify,
            lambda: led.open_question("t", "c", question_id="q2", opened=date(2000, 1, 1)),
        ):
            with pytest.raises(DatabaseError, match="newer"):
                call()
    finally:
        led.close()
    # Nothing was changed by the attempts.
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == NEWER
        assert conn.execute(text("SELECT count(*) FROM events")).scalar() == 2


@pytest.mark.parametrize("args", [["init"], ["list"], ["info"], ["verify"]])
def test_newer_revision_is_refused_by_the_cli(newer_ledger: str, args: list[str]) -> None:
    result = CliRunner().invoke(app, ["--db", newer_ledger, *args])
    assert result.exit_code == DatabaseError.exit_code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "newer" in lines[0]
    assert "Traceback" not in result.output


def test_uninitialised_database_is_refused(engine: Engine, db_url: str) -> None:
    led = Ledger(db_url)
    try:
        with pytest.raises(DatabaseError, match="tracker init"):
            led.questions()
        assert led.info()["initialised"] is False
    finally:
        led.close()


def test_older_revision_is_refused_until_init_upgrades_it(engine: Engine, db_url: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    head = script.get_revision(migrate.head_revision())
    if head.down_revision is None:
        pytest.skip("only one revision: there is no older schema yet")
    migrate.upgrade(engine, str(head.down_revision))
    led = Ledger(db_url)
    try:
        with pytest.raises(DatabaseError, match="older"):
            led.questions()
        assert led.info()["schema_current"] is False
        assert led.init() == (head.down_revision, head.revision)
        assert led.questions().empty
    finally:
        led.close()


# ------------------------------------------------------------------------------ least privilege (0003, PostgreSQL)


def _as_role(url: str, role: str) -> str:
    """The same database URL, logged in as `role` (the test server trusts local connections)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


def _admin(url: str) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture
def pg_roles(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Role names unique to this test (roles are cluster-wide), dropped afterwards."""
    if not db_url.startswith("postgresql"):
        pytest.skip("roles and privileges are PostgreSQL's; SQLite has no users")
    suffix = uuid.uuid4().hex[:8]
    names = {"app": f"tracker_app_t{suffix}", "login": f"tracker_login_t{suffix}", "owner": f"tracker_owner_t{suffix}"}
    monkeypatch.setenv("TRACKER_APP_ROLE", names["app"])
    yield names
    admin = _admin(db_url)
    with admin.connect() as conn:
        for role in (names["login"], names["owner"], names["app"]):
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                conn.execute(text(f'DROP OWNED BY "{role}"'))
                conn.execute(text(f'DROP ROLE "{role}"'))
    admin.dispose()


def test_app_role_may_append_and_read_but_never_rewrite_events(db_url: str, pg_roles: dict[str, str]) -> None:
    app_role, login = pg_roles["app"], pg_roles["login"]
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    engine.dispose()
    admin = _admin(db_url)
    with admin.connect() as conn:
        assert (
            conn.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": app_role}).scalar() is False
        )
        conn.execute(text(f'CREATE ROLE "{login}" LOGIN'))
        conn.execute(text(f'GRANT "{app_role}" TO "{login}"'))  # what an administrator does, as the README says
    admin.dispose()

    url = _as_role(db_url, login)
    led = Ledger(url, actor="app")
    try:
        qid = led.open_question("Will it rain?", "YES if it rains", question_id="rain", opened=date(2000, 1, 1))
        led.record_forecast(qid, "Ann Example", 0.3, date(2020, 1, 1))
        led.resolve(qid, "no", date(2020, 2, 1))
        assert led.rebuild() == 3  # projections: DELETE and INSERT are the app's
        assert led.verify()["ok"]

        assert led.score().status == "ok"  # scoring tables, the run id sequence, the checkpoint FOR UPDATE
        from tracker.app import proofs
        from tracker.domain.notes import generate_signer

        proofs.checkpoint(led, generate_signer("news.example/log"))  # the checkpoints table: INSERT is the app's
        assert len(proofs.stored_checkpoints(led)) == 1
    finally:
        led.close()

    engine = make_engine(url)
    try:
        for sql in ("UPDATE events SET actor = 'mallory'", "DELETE FROM events", "TRUNCATE events",
                    "ALTER TABLE events DISABLE TRIGGER USER", "DROP TABLE events", "TRUNCATE checkpoints",
                    "UPDATE checkpoints SET tree_size = 1", "DELETE FROM checkpoints"):  # fmt: skip
            with pytest.raises(sa_exc.ProgrammingError) as info, engine.begin() as conn:
                conn.execute(text(sql))
            # Refused by privileges (SQLSTATE 42501 or must-be-owner), before any trigger could run.
            assert getattr(info.value.orig, "sqlstate", None) == "42501", (sql, info.value)
            assert "permission denied" in str(info.value) or "must be owner" in str(info.value)
        with pytest.raises(DatabaseError), translate_errors(), engine.begin() as conn:
            conn.execute(text("UPDATE events SET actor = 'mallory'"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM events")).scalar() == 3
    finally:
        engine.dispose()


def _notices(engine: Engine) -> list[str]:
    seen: list[str] = []

    @sa_event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.add_notice_handler(lambda diag: seen.append(diag.message_primary or ""))

    return seen


def test_migration_by_a_user_who_may_not_create_roles(db_url: str, pg_roles: dict[str, str]) -> None:
    """The owner runs `tracker init` without CREATEROLE: the role is not created (a NOTICE says why) and
    the migration still succeeds; once an administrator has made the role, the next upgrade grants to it."""
    app_role, owner = pg_roles["app"], pg_roles["owner"]
    admin = _admin(db_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner}" LOGIN NOCREATEROLE'))
        conn.execute(text(f'GRANT USAGE, CREATE ON SCHEMA public TO "{owner}"'))
    engine = make_engine(_as_role(db_url, owner))
    notices = _notices(engine)
    try:
        assert migrate.upgrade(engine)[1] == migrate.head_revision()
        assert any(f"role {app_role} not created" in n and "may not create roles" in n for n in notices), notices
        with admin.connect() as conn:
            assert conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": app_role}).first() is None
            conn.execute(text(f'CREATE ROLE "{app_role}" NOLOGIN'))  # the administrator's part
        migrate.downgrade(engine, "0002")
        migrate.upgrade(engine)
        with admin.connect() as conn:
            grants = set(
                conn.execute(
                    text("SELECT privilege_type FROM information_schema.role_table_grants "
                         "WHERE grantee = :r AND table_name = 'events'"),
                    {"r": app_role},
                ).scalars()
            )  # fmt: skip
        assert grants == {"SELECT", "INSERT"}
        # Down again: the grants go; the owner may not drop the role, which it says, and the downgrade succeeds.
        notices.clear()
        migrate.downgrade(engine, "0002")
        assert any(f"role {app_role} kept" in n for n in notices), notices
        with admin.connect() as conn:
            left = conn.execute(text("SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = :r"),
                                {"r": app_role}).scalar()  # fmt: skip
        assert left == 0
    finally:
        engine.dispose()
        admin.dispose()


def test_downgrade_drops_the_role_it_can_and_keeps_one_in_use(db_url: str, pg_roles: dict[str, str]) -> None:
    app_role, login = pg_roles["app"], pg_roles["login"]
    engine = make_engine(db_url)
    notices = _notices(engine)
    admin = _admin(db_url)
    try:
        migrate.upgrade(engine)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{login}" LOGIN IN ROLE "{app_role}"'))
        migrate.downgrade(engine, "0002")
        assert any(f"role {app_role} kept" in n and "members" in n for n in notices), notices
        migrate.upgrade(engine)
        with admin.connect() as conn:
            conn.execute(text(f'DROP ROLE "{login}"'))
        migrate.downgrade(engine, "0002")
        with admin.connect() as conn:
            assert conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": app_role}).first() is None
    finally:
        engine.dispose()
        admin.dispose()


def test_commands_on_a_current_ledger_do_not_load_alembic(tmp_path: Any) -> None:
    """Alembic is for init and upgrades: everyday commands check the revision without it (start-up time)."""
    url = f"sqlite:///{tmp_path}/ledger.sqlite"
    Ledger(url).init()
    code = (
        "import sys, io, contextlib\n"
        "import tracker.cli.main as m\n"
        f"sys.argv = ['tracker', '--db', {url!r}, 'list']\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        m.app()\n"
        "    except SystemExit as e:\n"
        "        assert not e.code, e.code\n"
        "print(sorted(m for m in ('alembic', 'pandas', 'mako') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_data_loss_switch_by_environment_and_alembic_x(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate.upgrade(engine)
    make_some_events(db_url)
    migrate.downgrade(engine, "0003")  # 0004 drops only a trigger: no events at stake
    migrate.upgrade(engine)
    monkeypatch.setenv(migrate.ALLOW_DATA_LOSS_ENV, "no")
    with pytest.raises(DatabaseError, match="refused"):
        migrate.downgrade(engine, "base")
    cfg = migrate.alembic_config()
    cfg.cmd_opts = type("Opts", (), {"x": ["allow_data_loss=true"]})()  # what `alembic -x allow_data_loss=true` sets
    assert migrate.data_loss_allowed(cfg)
    monkeypatch.setenv(migrate.ALLOW_DATA_LOSS_ENV, "1")
    migrate.downgrade(engine, "base")
    assert tables(engine) <= {"alembic_version"}


def test_an_empty_ledger_downgrades_without_the_switch(engine: Engine) -> None:
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert tables(engine) <= {"alembic_version"}


REWRITES = {
    "sqlite": [
        "REPLACE INTO events SELECT * FROM events WHERE position = 1",
        "INSERT OR REPLACE INTO events SELECT * FROM events WHERE position = 2",
        "INSERT OR REPLACE INTO events (position, event_id, stream_id, stream_version, event_type, schema_version, "
        "payload, occurred_at, recorded_at, actor, prev_hash, hash) SELECT 1, 'other-id', stream_id, stream_version, "
        "event_type, schema_version, payload, occurred_at, recorded_at, 'mallory', prev_hash, hash FROM events "
        "WHERE position = 1",
        "INSERT INTO events SELECT position + 100, event_id, stream_id, stream_version + 100, event_type, "
        "schema_version, payload, occurred_at, recorded_at, actor, prev_hash, hash FROM events WHERE position = 1",
    ],
    "postgresql": [
        "INSERT INTO events SELECT * FROM events WHERE position = 1 ON CONFLICT (position) DO UPDATE SET actor = 'x'",
    ],
}


def test_the_database_refuses_an_insert_over_an_existing_event(engine: Engine, db_url: str) -> None:
    migrate.upgrade(engine)
    make_some_events(db_url)
    rows = text("SELECT position, event_id, actor, hash FROM events ORDER BY position")
    with engine.connect() as conn:
        before = conn.execute(rows).all()
    for sql in REWRITES[engine.dialect.name]:
        with pytest.raises(AppendOnlyViolation), translate_errors(), engine.begin() as conn:
            conn.execute(text(sql))
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT position, event_id, actor, hash FROM events ORDER BY position")).all() == before
        )
    # the ledger still appends and verifies
    led = Ledger(db_url, actor="tester")
    led.record_forecast("rain", "Bob Example", 0.6, date(2020, 1, 2))
    assert led.verify()["ok"]
    led.close()


# ------------------------------------------------------------------------------ 0007: indexes on events


def _event_indexes(engine: Engine) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes("events") if ix["name"]}


def test_0007_drops_the_recorded_at_index_and_its_downgrade_restores_it(engine: Engine, db_url: str) -> None:
    migrate.upgrade(engine)
    make_some_events(db_url)
    assert "ix_events_recorded_at" not in _event_indexes(engine)
    assert "ix_events_event_type" in _event_indexes(engine)  # its reader: `tracker log --type`
    migrate.downgrade(engine, "0006")
    assert "ix_events_recorded_at" in _event_indexes(engine)
    migrate.upgrade(engine)
    assert "ix_events_recorded_at" not in _event_indexes(engine)
    assert_update_refused(engine)  # the events table itself was not rebuilt: its triggers are there


def test_as_of_a_time_reads_by_position(engine: Engine, db_url: str) -> None:
    """The readers that filter by recorded time walk positions, so they need no index on it."""
    from datetime import UTC, datetime

    from tracker.store import eventstore as es
    from tracker.store.db import read_transaction

    migrate.upgrade(engine)
    make_some_events(db_url)
    with read_transaction(engine) as conn:
        every = list(es.read(conn))
        later = datetime(9999, 1, 1, tzinfo=UTC)
        assert list(es.read(conn, recorded_until=later)) == every
        assert list(es.read(conn, recorded_until=every[0].recorded_at)) == [
            e for e in every if e.recorded_at <= every[0].recorded_at
        ]


# ------------------------------------------------------------------------------ a refused downgrade changes nothing


def _schema_and_rows(engine: Engine) -> tuple[str | None, set[str], set[str], dict[str, int]]:
    with engine.connect() as conn:
        counts = {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in sorted(TABLES)}
        return migrate.current_revision(conn), tables(engine), triggers(conn), counts


def test_a_refused_downgrade_through_alembics_own_environment_changes_nothing(engine: Engine, db_url: str) -> None:
    """`alembic downgrade base` (env.py opens its own connection, no caller's transaction around it): the refusal
    comes from 0001's downgrade, the last step; every step before it must be rolled back with it, on SQLite too."""
    migrate.upgrade(engine)
    make_some_events(db_url)
    led = Ledger(db_url, actor="tester")
    led.resolve("rain", "yes", date(2020, 2, 1))
    led.close()
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db_url, "score"]).exit_code == 0
    before = _schema_and_rows(engine)
    assert before[3]["scoring_runs"] == 1 and before[3]["score_history"] == 1 and before[3]["events"] == 3
    cfg = migrate.alembic_config()  # as alembic.ini: no connection handed in
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    with pytest.raises(DatabaseError, match="holds 3 events: refused"):
        command.downgrade(cfg, "base")
    after = _schema_and_rows(engine)
    assert after == before
    assert after[0] == migrate.HEAD_REVISION and after[2] == expected_triggers(engine)
    assert_update_refused(engine)
    # every command still works on the ledger: read, verify, score, append
    for args in (
        ["list"],
        ["scores"],
        ["runs"],
        ["verify"],
        ["score"],
        ["hindsight"],
        ["info"],
        ["forecast", "rain", "--forecaster", "Cleo Example", "--p", "0.4", "--made-at", "2020-01-03"],
    ):
        result = runner.invoke(app, ["--db", db_url, *args])
        assert result.exit_code == 0, (args, result.output)
