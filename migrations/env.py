"""Alembic environment: the only way the ledger's schema is made or changed."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from tracker.store.db import make_engine, resolve_url
from tracker.store.schema import metadata

config = context.config

# Tables that live in the ledger's database but are not the tracker's: APScheduler's SQLAlchemy job store
# creates and owns "apscheduler_jobs" (tracker.scoring.scheduler), so autogenerate and `alembic check` skip it.
FOREIGN_TABLE_PREFIXES = ("apscheduler_",)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    if type_ == "table" and name is not None and name.startswith(FOREIGN_TABLE_PREFIXES):
        return False
    table = getattr(obj, "table", None)  # indexes and columns of such a table
    table_name = getattr(table, "name", None)
    return not (isinstance(table_name, str) and table_name.startswith(FOREIGN_TABLE_PREFIXES))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place: batch mode copies and swaps the table.
        render_as_batch=connection.dialect.name == "sqlite",
        # One transaction around the whole run, on SQLite too (Alembic assumes SQLite's DDL is not transactional
        # and commits each step; it is, and the engine issues a real BEGIN): a step that refuses, such as the
        # downgrade that would drop the events, rolls every earlier step back, so a refused run changes nothing.
        transactional_ddl=True,
        transaction_per_migration=False,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or resolve_url(None)
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
run_migrations_online()
