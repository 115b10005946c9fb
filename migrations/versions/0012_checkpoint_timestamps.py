"""checkpoint_timestamps: RFC 3161 time-stamp tokens attached to kept checkpoints

`tracker checkpoint --timestamp-token FILE` attaches a token that a public time-stamping authority issued over a
checkpoint's note (the note's bytes hashed, as `openssl ts -query -data checkpoint.txt` does): proof, from a
third party, that the checkpoint existed by the token's time. The tracker checks that the token's message imprint
is the hash of the kept note; the TSA's signature is checked with `openssl ts -verify` (docs/proofs.md). Kept
append-only like the checkpoints (triggers; the application role may SELECT and INSERT only).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 23:55:00
"""

from __future__ import annotations

import os
import re

import sqlalchemy as sa
from alembic import op

from tracker.store.schema import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER checkpoint_timestamps_no_update BEFORE UPDATE ON checkpoint_timestamps
       BEGIN SELECT RAISE(ABORT, 'checkpoint_timestamps are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER checkpoint_timestamps_no_delete BEFORE DELETE ON checkpoint_timestamps
       BEGIN SELECT RAISE(ABORT, 'checkpoint_timestamps are append-only: DELETE refused'); END""",
    """CREATE TRIGGER checkpoint_timestamps_no_replace BEFORE INSERT ON checkpoint_timestamps
       WHEN EXISTS (SELECT 1 FROM checkpoint_timestamps WHERE number = NEW.number)
       BEGIN SELECT RAISE(ABORT, 'checkpoint_timestamps are append-only: INSERT over an existing one refused'); END""",
]
# tracker_append_only() is 0009's.
POSTGRES_TRIGGERS = [
    """CREATE TRIGGER checkpoint_timestamps_no_update_delete BEFORE UPDATE OR DELETE ON checkpoint_timestamps
       FOR EACH ROW EXECUTE FUNCTION tracker_append_only()""",
    """CREATE TRIGGER checkpoint_timestamps_no_truncate BEFORE TRUNCATE ON checkpoint_timestamps
       FOR EACH STATEMENT EXECUTE FUNCTION tracker_append_only()""",
]
GRANT = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        EXECUTE format('{verb} ON TABLE checkpoint_timestamps {to} %I', '{role}');
    END IF;
END $$"""


def _role() -> str:
    # The application role of 0003 (a migration's view is frozen: the same rule as there).
    name = os.environ.get("TRACKER_APP_ROLE") or "tracker_app"
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"TRACKER_APP_ROLE={name!r} is not a plain role name ([a-z_][a-z0-9_]*)")
    return name


def upgrade() -> None:
    op.create_table(
        "checkpoint_timestamps",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("checkpoint_number", sa.Integer(), nullable=False),
        sa.Column("hash_algorithm", sa.String(length=10), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("attached_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_checkpoint_timestamps")),
    )
    dialect = op.get_bind().dialect.name
    for ddl in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(ddl)
    if dialect == "postgresql":
        op.execute(GRANT.format(role=_role(), verb="GRANT SELECT, INSERT", to="TO"))


def downgrade() -> None:
    from tracker.errors import DatabaseError
    from tracker.store.migrate import data_loss_allowed

    conn = op.get_bind()
    n = int(conn.exec_driver_sql("SELECT count(*) FROM checkpoint_timestamps").scalar_one())
    if n and not data_loss_allowed(op.get_context().config):
        raise DatabaseError(
            f"this downgrade drops the checkpoint_timestamps table, which holds {n} tokens: refused. Back the "
            "ledger up ('tracker backup'), then set TRACKER_ALLOW_DATA_LOSS=1 or pass -x allow_data_loss=true"
        )
    if conn.dialect.name == "postgresql":
        op.execute(GRANT.format(role=_role(), verb="REVOKE ALL PRIVILEGES", to="FROM"))
        op.execute("DROP TRIGGER IF EXISTS checkpoint_timestamps_no_update_delete ON checkpoint_timestamps")
        op.execute("DROP TRIGGER IF EXISTS checkpoint_timestamps_no_truncate ON checkpoint_timestamps")
    op.drop_table("checkpoint_timestamps")
