"""ix_forecasts_source_id: a source's forecasts without reading every forecast

A site rebuild after a few new forecasts reads the forecasts about the questions, forecasters and sources they
name (one OR of the three, `tracker.read.filters.about`). Questions and forecasters had an index on forecasts;
sources had none, so SQLite read the whole table for the OR, and for the scores joined to it: at a million events
(792,430 forecasts) 1.81 s and 4.66 s of CPU for 478 rows, against 0.03 s and 0.04 s with this index; the
forecasts per source that the sources list and the outlet chips show (a GROUP BY) went from 0.42 s to 0.10 s
(BENCHMARKS.md, "A rebuild reads what the new events name"). The index costs each new forecast one more b-tree
insert. The downgrade drops it and loses nothing.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_forecasts_source_id", "forecasts", ["source_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_forecasts_source_id", table_name="forecasts")
