"""checkpoints: every signed checkpoint of the Merkle log, kept append-only

`tracker checkpoint` signs the log's size and root (tracker.app.proofs); each signed note is kept here, in the
order signed, so a publisher cannot quietly forget a checkpoint it once published: the site's checkpoints/
folder and `tracker checkpoints` read this table, and `tracker checkpoint` refuses to sign a log that does not
extend the last checkpoint kept. Like the events, the rows are protected by the database itself: UPDATE,
DELETE (and TRUNCATE on PostgreSQL) are refused by triggers, and on SQLite an INSERT over an existing number
(REPLACE) too. The application role (0003) may SELECT and INSERT only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:10:00
"""

from __future__ import annotations

import os
import re

import sqlalchemy as sa
from alembic import op

from tracker.errors import DatabaseError
from tracker.store.migrate import data_loss_allowed
from tracker.store.schema import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
       BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
       BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: DELETE refused'); END""",
    """CREATE TRIGGER checkpoints_no_replace BEFORE INSERT ON checkpoints
       WHEN EXISTS (SELECT 1 FROM checkpoints WHERE number = NEW.number)
       BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: INSERT over an existing checkpoint refused'); END""",
]
# One function for every append-only table after the events (the events' own, 0001, names them in its message).
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION tracker_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '% are append-only: % refused', TG_TABLE_NAME, TG_OP; END $$""",
    """CREATE TRIGGER checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON checkpoints
       FOR EACH ROW EXECUTE FUNCTION tracker_append_only()""",
    """CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
       FOR EACH STATEMENT EXECUTE FUNCTION tracker_append_only()""",
]
GRANT = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        EXECUTE format('{verb} ON TABLE checkpoints {to} %I', '{role}');
    END IF;
END $$"""


def _role() -> str:
    # The application role of 0003 (its name checked there when the role was made; a migration's view is frozen).
    name = os.environ.get("TRACKER_APP_ROLE") or "tracker_app"
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"TRACKER_APP_ROLE={name!r} is not a plain role name ([a-z_][a-z0-9_]*)")
    return name


def upgrade() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tree_size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_checkpoints")),
    )
    dialect = op.get_bind().dialect.name
    for ddl in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(ddl)
    if dialect == "postgresql":
        op.execute(GRANT.format(role=_role(), verb="GRANT SELECT, INSERT", to="TO"))


def downgrade() -> None:
    conn = op.get_bind()
    n = int(conn.exec_driver_sql("SELECT count(*) FROM checkpoints").scalar_one())
    if n and not data_loss_allowed(op.get_context().config):
        raise DatabaseError(
            f"this downgrade drops the checkpoints table, which holds {n} signed checkpoints: refused. Back the "
            "ledger up ('tracker backup'), then set TRACKER_ALLOW_DATA_LOSS=1 or pass -x allow_data_loss=true"
        )
    if conn.dialect.name == "postgresql":
        op.execute(GRANT.format(role=_role(), verb="REVOKE ALL PRIVILEGES", to="FROM"))
        op.execute("DROP TRIGGER IF EXISTS checkpoints_no_update_delete ON checkpoints")
        op.execute("DROP TRIGGER IF EXISTS checkpoints_no_truncate ON checkpoints")
    op.drop_table("checkpoints")
    if conn.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS tracker_append_only()")
