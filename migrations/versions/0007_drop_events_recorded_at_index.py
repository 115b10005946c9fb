"""drop ix_events_recorded_at: no reader needs it, and every append pays for it

Every query that filters events by recorded time also orders them by position (`tracker log --as-of`,
as-of views, the head as of a time), and recorded times follow positions (appends hold the writer lock and
record their time under it). Walking the primary key in position order and stopping at the first row in the
window is what those readers need; with this index SQLite chose it instead and sorted every row recorded
before the time (the head as of a time on 100k events: 112 ms with the index, under 0.1 ms without). Keeping
it cost about a fifth of writing the events rows of a bulk import (BENCHMARKS.md, "Indexes on events").

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 15:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# Plain DROP/CREATE INDEX, not batch mode: nothing here needs SQLite's table copy, and the events table must
# never be copied (its append-only triggers and its rows stay as they are).


def upgrade() -> None:
    op.drop_index("ix_events_recorded_at", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_recorded_at", "events", ["recorded_at"], unique=False)
