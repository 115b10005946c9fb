"""events_no_replace also refuses an INSERT over a stored (stream, version)

0004's trigger refused an INSERT OR REPLACE whose position or event id was already stored, but the events have a
third unique key, (stream_id, stream_version): an INSERT OR REPLACE with a new position and a new event id and a
stored stream and version made SQLite delete the stored event to make room, without any DELETE trigger firing.
The trigger is made again with that third check. PostgreSQL has no REPLACE (its ON CONFLICT DO UPDATE is an
UPDATE, refused by 0001's trigger): nothing changes there.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 10:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

SQLITE_NO_REPLACE = """CREATE TRIGGER events_no_replace BEFORE INSERT ON events
   WHEN EXISTS (SELECT 1 FROM events WHERE position = NEW.position)
     OR EXISTS (SELECT 1 FROM events WHERE event_id = NEW.event_id)
     OR EXISTS (SELECT 1 FROM events WHERE stream_id = NEW.stream_id AND stream_version = NEW.stream_version)
   BEGIN SELECT RAISE(ABORT, 'events are append-only: INSERT over an existing position, event id or stream version refused'); END"""

# 0004's, for the downgrade.
OLD_NO_REPLACE = """CREATE TRIGGER events_no_replace BEFORE INSERT ON events
   WHEN EXISTS (SELECT 1 FROM events WHERE position = NEW.position)
     OR EXISTS (SELECT 1 FROM events WHERE event_id = NEW.event_id)
   BEGIN SELECT RAISE(ABORT, 'events are append-only: INSERT over an existing position or event id refused'); END"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_no_replace")
        op.execute(SQLITE_NO_REPLACE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_no_replace")
        op.execute(OLD_NO_REPLACE)
