"""merkle_nodes: the Merkle tree over the events, kept as they are appended

Every append writes the complete subtrees its events finish (tracker.store.merkletree), in the events' own
transaction, so a root or a proof reads O(log n) stored nodes instead of rebuilding the tree from every event.
This migration creates the table and builds the tree of the events already there (one pass over their hashes).
The table is append-only like the events (UPDATE, DELETE, TRUNCATE and, on SQLite, REPLACE refused by triggers;
the application role may SELECT and INSERT only); `tracker verify` recomputes it. Dropping it (the downgrade)
loses nothing: the events make it again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:40:00
"""

from __future__ import annotations

import os
import re

import sqlalchemy as sa
from alembic import op

from tracker.store import merkletree

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER merkle_nodes_no_update BEFORE UPDATE ON merkle_nodes
       BEGIN SELECT RAISE(ABORT, 'merkle_nodes are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER merkle_nodes_no_delete BEFORE DELETE ON merkle_nodes
       BEGIN SELECT RAISE(ABORT, 'merkle_nodes are append-only: DELETE refused'); END""",
    """CREATE TRIGGER merkle_nodes_no_replace BEFORE INSERT ON merkle_nodes
       WHEN EXISTS (SELECT 1 FROM merkle_nodes WHERE level = NEW.level AND node_index = NEW.node_index)
       BEGIN SELECT RAISE(ABORT, 'merkle_nodes are append-only: INSERT over an existing node refused'); END""",
]
# tracker_append_only() is 0009's.
POSTGRES_TRIGGERS = [
    """CREATE TRIGGER merkle_nodes_no_update_delete BEFORE UPDATE OR DELETE ON merkle_nodes
       FOR EACH ROW EXECUTE FUNCTION tracker_append_only()""",
    """CREATE TRIGGER merkle_nodes_no_truncate BEFORE TRUNCATE ON merkle_nodes
       FOR EACH STATEMENT EXECUTE FUNCTION tracker_append_only()""",
]
GRANT = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        EXECUTE format('{verb} ON TABLE merkle_nodes {to} %I', '{role}');
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
        "merkle_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("node_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "node_index", name=op.f("pk_merkle_nodes")),
        sqlite_with_rowid=False,
    )
    conn = op.get_bind()
    merkletree.build(conn)  # before the triggers: the build only inserts, but the table must be whole first
    for ddl in SQLITE_TRIGGERS if conn.dialect.name == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(ddl)
    if conn.dialect.name == "postgresql":
        op.execute(GRANT.format(role=_role(), verb="GRANT SELECT, INSERT", to="TO"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GRANT.format(role=_role(), verb="REVOKE ALL PRIVILEGES", to="FROM"))
        op.execute("DROP TRIGGER IF EXISTS merkle_nodes_no_update_delete ON merkle_nodes")
        op.execute("DROP TRIGGER IF EXISTS merkle_nodes_no_truncate ON merkle_nodes")
    op.drop_table("merkle_nodes")
