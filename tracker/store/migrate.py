"""Running the Alembic migrations from the tracker itself (`tracker init`), and schema checks."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from tracker.errors import DatabaseError
from tracker.store.db import translate_errors


def script_location() -> Path:
    # Installed: migrations ship inside the package as tracker/_migrations (see pyproject).
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_migrations", here.parent / "migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise DatabaseError("the migrations folder is missing from this installation")


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Create or upgrade the ledger; returns (revision before, revision after)."""
    from alembic import command

    with translate_errors(), engine.begin() as conn:
        before = current_revision(conn)
        check_known(before)
        command.upgrade(alembic_config(conn), revision)
        return before, current_revision(conn) or ""


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with translate_errors(), engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)


def check_known(revision: str | None) -> None:
    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    if revision not in {s.revision for s in script.walk_revisions()}:
        raise DatabaseError(
            f"the ledger's schema revision {revision!r} is newer than this version of forecast-tracker; upgrade it"
        )


def require_current(conn: Connection) -> str:
    """Refuse to work on a ledger that is missing, older or newer than this code's schema."""
    rev = current_revision(conn)
    if rev is None:
        raise DatabaseError("no ledger here: run 'tracker init' first")
    check_known(rev)
    if rev != head_revision():
        raise DatabaseError(f"the ledger's schema revision {rev!r} is older than this code's: run 'tracker init'")
    return rev
