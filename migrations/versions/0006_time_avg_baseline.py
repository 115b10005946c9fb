"""time-averaged Baseline score with coverage (Metaculus' headline Baseline), and each question's option count

question_scores gains baseline_time_avg, baseline_coverage and n_options; score_history gains
mean_baseline_time_avg and mean_baseline_coverage. The existing baseline_score column keeps its name: it is the
baseline of the final (scored) forecast, a "spot" baseline in Metaculus' words.

Rows scored before this migration have NULL in the new columns. The upgrade sets the scoring checkpoint back to 0,
so the next scoring run (`tracker score`, or the scheduler's next tick) rescores every question and fills them;
the score tables are derived, so nothing is lost. The downgrade drops the columns.

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-29 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('question_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('baseline_time_avg', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('baseline_coverage', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('n_options', sa.Integer(), nullable=True))
    with op.batch_alter_table('score_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mean_baseline_time_avg', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('mean_baseline_coverage', sa.Float(), nullable=True))
    # every question is rescored by the next run, filling the new columns
    op.execute("UPDATE scoring_checkpoint SET position = 0")


def downgrade() -> None:
    with op.batch_alter_table('score_history', schema=None) as batch_op:
        batch_op.drop_column('mean_baseline_coverage')
        batch_op.drop_column('mean_baseline_time_avg')
    with op.batch_alter_table('question_scores', schema=None) as batch_op:
        batch_op.drop_column('n_options')
        batch_op.drop_column('baseline_coverage')
        batch_op.drop_column('baseline_time_avg')
