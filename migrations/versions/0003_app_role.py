"""least privilege: a NOLOGIN role for the application (PostgreSQL only)

The role (``tracker_app``, or the name in TRACKER_APP_ROLE) may SELECT and INSERT on ``events`` and nothing
else there: no UPDATE, DELETE or TRUNCATE, whatever the triggers say. It may read and write the derived
tables (projections, scoring) and read ``alembic_version``. It cannot log in: grant it to a login role,

    CREATE ROLE tracker_writer LOGIN PASSWORD '...';
    GRANT tracker_app TO tracker_writer;

and run the tracker as that login role; keep the owner of the tables (who runs ``tracker init``) for migrations.

Roles belong to the whole cluster. The role is created only when absent and only when the user running the
migration may create roles; otherwise the migration says so in a NOTICE and grants nothing (create the role,
then grant as in README.md, "Reliability"). The downgrade revokes what the upgrade granted and drops the role
only when nothing else uses it (no member, no privilege or object in any database). SQLite has no roles:
nothing happens there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

import os
import re

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

ROLE_ENV = "TRACKER_APP_ROLE"
DEFAULT_ROLE = "tracker_app"
# Frozen here, as every migration's view of the schema is: a later migration that adds a table grants on it.
APPEND_ONLY = ("events",)
READ_WRITE = (
    "sources", "questions", "question_tags", "forecasters", "forecasts", "resolutions",
    "scoring_runs", "scoring_checkpoint", "scoring_lease", "forecast_scores", "question_scores", "score_history",
)
READ_ONLY = ("alembic_version",)
SEQUENCE_COLUMNS = (("scoring_runs", "run_id"),)


def role_name() -> str:
    name = os.environ.get(ROLE_ENV) or DEFAULT_ROLE
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"{ROLE_ENV}={name!r} is not a plain role name ([a-z_][a-z0-9_]*)")
    return name


def _grants(verb: str) -> str:
    """The GRANT (verb='GRANT ... TO') or REVOKE (verb='REVOKE ... FROM') statements, as PL/pgSQL lines."""
    to = "TO" if verb == "GRANT" else "FROM"
    lines = [f"EXECUTE format('{verb} USAGE ON SCHEMA %I {to} %I', s, r);"]
    for privileges, tables in (("SELECT, INSERT", APPEND_ONLY), ("SELECT, INSERT, UPDATE, DELETE", READ_WRITE),
                               ("SELECT", READ_ONLY)):
        what = privileges if verb == "GRANT" else "ALL PRIVILEGES"
        lines.append(f"EXECUTE format('{verb} {what} ON TABLE {', '.join(tables)} {to} %I', r);")
    for table, column in SEQUENCE_COLUMNS:
        what = "USAGE, SELECT" if verb == "GRANT" else "ALL PRIVILEGES"
        lines.append(f"EXECUTE format('{verb} {what} ON SEQUENCE %s {to} %I', "
                     f"pg_get_serial_sequence('{table}', '{column}'), r);")
    return "\n    ".join(lines)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
DO $$
DECLARE
    r text := '{role_name()}';
    s text := current_schema();
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
        IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
            RAISE NOTICE 'role % not created: % may not create roles. Ask an administrator for '
                'CREATE ROLE % NOLOGIN, then grant it as README.md says (Reliability)', r, current_user, r;
            RETURN;
        END IF;
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another session created it just now
        END;
    END IF;
    {_grants("GRANT")}
END $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
DO $$
DECLARE
    r text := '{role_name()}';
    s text := current_schema();
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
        RETURN;
    END IF;
    {_grants("REVOKE")}
    IF EXISTS (SELECT 1 FROM pg_shdepend d JOIN pg_roles g ON g.oid = d.refobjid
               WHERE d.refclassid = 'pg_authid'::regclass AND g.rolname = r)
       OR EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = r) THEN
        RAISE NOTICE 'role % kept: it has members, or privileges in another database', r;
        RETURN;
    END IF;
    BEGIN
        EXECUTE format('DROP ROLE %I', r);
    EXCEPTION WHEN insufficient_privilege OR dependent_objects_still_exist THEN
        RAISE NOTICE 'role % kept: %', r, SQLERRM;
    END;
END $$""")
