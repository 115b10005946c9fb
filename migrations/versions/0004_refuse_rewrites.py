"""refuse rewrites: no INSERT over an existing event (SQLite's REPLACE INTO / INSERT OR REPLACE)

SQLite resolves ``REPLACE INTO events`` and ``INSERT OR REPLACE INTO events`` by deleting the row in the way
and inserting the new one; that delete fires no DELETE trigger (unless recursive_triggers is on), so the
append-only triggers of 0001 do not see it and a stored event could be rewritten in place. A BEFORE INSERT
trigger refuses any insert whose position or event id is already in the table, before the conflict is
resolved. On PostgreSQL ``INSERT ... ON CONFLICT DO UPDATE`` is an UPDATE and is already refused by 0001's
trigger; nothing changes there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SQLITE_NO_REPLACE = """CREATE TRIGGER events_no_replace BEFORE INSERT ON events
   WHEN EXISTS (SELECT 1 FROM events WHERE position = NEW.position)
     OR EXISTS (SELECT 1 FROM events WHERE event_id = NEW.event_id)
   BEGIN SELECT RAISE(ABORT, 'events are append-only: INSERT over an existing position or event id refused'); END"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_NO_REPLACE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_no_replace")
