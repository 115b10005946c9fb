"""Running the Alembic migrations from the tracker itself (`tracker init`), and schema checks.

Alembic is imported only where it is needed (init, upgrades, a ledger not at this code's revision): importing
it would cost every other command a large share of its start-up.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from tracker.errors import DatabaseError
from tracker.store.db import backend_of, translate_errors

if TYPE_CHECKING:
    from alembic.config import Config

# The newest revision in migrations/versions. Every command checks the ledger against it; tests/test_migrations.py
# checks that it is Alembic's head, so a new migration cannot be added without it.
HEAD_REVISION = "0014"


def script_location() -> Path:
    # Installed: migrations ship inside the package as tracker/_migrations (see pyproject).
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_migrations", here.parent / "migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise DatabaseError("the migrations folder is missing from this installation")


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """Alembic's head, read from the migration scripts (HEAD_REVISION is this, known without reading them)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    """The ledger's schema revision; a single stored one is read without importing Alembic (`tracker info`)."""
    stored = _stored_revision(conn)
    if stored is not None:
        return stored
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Create or upgrade the ledger; returns (revision before, revision after)."""
    from alembic import command

    with translate_errors():
        with engine.begin() as conn:
            before = current_revision(conn)
            check_known(before)
            if before is None:
                _holds_nothing_else(conn)
            command.upgrade(alembic_config(conn), revision)
            after = current_revision(conn) or ""
        backend_of(engine).created(engine)
    return before, after


def _holds_nothing_else(conn: Connection) -> None:
    """A new ledger is made only in a database holding no tables: one that holds another program's (a --db typo
    naming its SQLite file) would get the ledger's tables mixed into it, and a SQLite file its journal mode
    switched to WAL, a rewrite of its header."""
    from sqlalchemy import inspect

    # (an empty alembic_version is a ledger migrated down to nothing: its own table)
    theirs = sorted(set(inspect(conn).get_table_names()) - {"alembic_version"})
    if theirs:
        shown = ", ".join(theirs[:3]) + (f" and {len(theirs) - 3} more" if len(theirs) > 3 else "")
        raise DatabaseError(
            f"db: {conn.engine.url.render_as_string(hide_password=True)} holds no ledger but other tables ({shown}): "
            "not made into a ledger; give a new file or an empty database"
        )


# A downgrade that would drop a table holding events refuses unless one of these says data loss is intended.
ALLOW_DATA_LOSS_ENV = "TRACKER_ALLOW_DATA_LOSS"
ALLOW_DATA_LOSS_X = "allow_data_loss"  # alembic -x allow_data_loss=true
_YES = ("1", "true", "yes")


def downgrade(engine: Engine, revision: str, allow_data_loss: bool = False) -> None:
    from alembic import command

    with translate_errors(), engine.begin() as conn:
        cfg = alembic_config(conn)
        cfg.attributes[ALLOW_DATA_LOSS_X] = allow_data_loss
        command.downgrade(cfg, revision)


def data_loss_allowed(config: Config | None) -> bool:
    if os.environ.get(ALLOW_DATA_LOSS_ENV, "").strip().lower() in _YES:
        return True
    if config is None:
        return False
    if config.attributes.get(ALLOW_DATA_LOSS_X):
        return True
    x = config.cmd_opts and getattr(config.cmd_opts, "x", None) or []
    for item in x:
        key, _, value = str(item).partition("=")
        if key.strip() == ALLOW_DATA_LOSS_X and value.strip().lower() in _YES:
            return True
    return False


def refuse_data_loss(conn: Connection, config: Config | None) -> None:
    """Called by a downgrade before it drops the events table: refuse while the table holds events."""
    if not conn.dialect.has_table(conn, "events"):
        return
    n = int(conn.exec_driver_sql("SELECT count(*) FROM events").scalar_one())
    if n and not data_loss_allowed(config):
        raise DatabaseError(
            f"this downgrade drops the events table, which holds {n} events: refused. Back the ledger up "
            f"('tracker backup'), then set {ALLOW_DATA_LOSS_ENV}=1 or pass -x {ALLOW_DATA_LOSS_X}=true to alembic"
        )


def check_known(revision: str | None) -> None:
    if revision is None or revision == HEAD_REVISION:
        return  # nothing to check, or this code's own head: known without reading the scripts
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    if revision not in {s.revision for s in script.walk_revisions()}:
        raise DatabaseError(
            f"the ledger's schema revision {revision!r} is newer than this version of forecast-tracker; upgrade it"
        )


def require_current(conn: Connection) -> str:
    """Refuse to work on a ledger that is missing, older or newer than this code's schema (a ledger at this code's
    revision, the common case, is answered without Alembic: see `current_revision` and `check_known`)."""
    rev = current_revision(conn)
    if rev is None:
        raise DatabaseError("no ledger here: run 'tracker init' first")
    check_known(rev)
    if rev != HEAD_REVISION:
        raise DatabaseError(f"the ledger's schema revision {rev!r} is older than this code's: run 'tracker init'")
    return rev


def _stored_revision(conn: Connection) -> str | None:
    """The revision in alembic_version when there is exactly one (a linear history); else None.

    `has_table` first: on PostgreSQL a SELECT from a missing table would abort the caller's transaction."""
    if not conn.dialect.has_table(conn, "alembic_version"):
        return None
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    return str(rows[0][0]) if len(rows) == 1 else None
