"""scoring_runs.scoring_version: which version of the scoring formulas a run used

`tracker verify` recomputes the figures of every successful run from the events it scored. The events are
immutable, so the recomputation gives what the run wrote as long as the formulas are the same; each run now records
their version (tracker.scoring.compute.SCORING_VERSION). Runs recorded before this migration have NULL: their
figures are recomputed too, and where they differ (an earlier version of the formulas, or an edit) they are shown
as unproven rather than proven.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scoring_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scoring_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scoring_runs", schema=None) as batch_op:
        batch_op.drop_column("scoring_version")
