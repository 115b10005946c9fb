"""score_statistics: each forecaster's interval and verdicts (coin flip, crowd), computed once per scoring run

The leaderboard's 90% interval and its tests against a coin flip and the crowd median are a function of a run's
scores; recomputing them on every read cost seconds at a million forecasts. A run now stores them for the
forecasters it touched, and `tracker scores` reads them. Forecasters scored before this migration have no row
until a run touches them (`tracker score --full` fills every row); until then the leaderboard computes theirs on
demand, as before. The table is derived: the downgrade drops it and loses nothing.

On PostgreSQL the application role (migration 0003), when it exists, may read and write the table.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 23:20:00
"""

from __future__ import annotations

import os
import re

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ROLE_ENV = "TRACKER_APP_ROLE"
DEFAULT_ROLE = "tracker_app"


def _role() -> str:
    name = os.environ.get(ROLE_ENV) or DEFAULT_ROLE
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"{ROLE_ENV}={name!r} is not a plain role name ([a-z_][a-z0-9_]*)")
    return name


def upgrade() -> None:
    op.create_table(
        "score_statistics",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("grouping", sa.String(length=20), nullable=False),
        sa.Column("group_key", sa.String(length=120), nullable=False),
        sa.Column("n_questions", sa.Integer(), nullable=False),
        sa.Column("n_forecasters", sa.Integer(), nullable=False),
        sa.Column("ci_low", sa.Float(), nullable=True),
        sa.Column("ci_high", sa.Float(), nullable=True),
        sa.Column("coin_n", sa.Integer(), nullable=True),
        sa.Column("coin_mean_difference", sa.Float(), nullable=True),
        sa.Column("coin_p_better", sa.Float(), nullable=True),
        sa.Column("coin_p_worse", sa.Float(), nullable=True),
        sa.Column("crowd_n", sa.Integer(), nullable=True),
        sa.Column("crowd_mean_difference", sa.Float(), nullable=True),
        sa.Column("crowd_p_better", sa.Float(), nullable=True),
        sa.Column("crowd_p_worse", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "grouping", "group_key", name=op.f("pk_score_statistics")),
    )
    with op.batch_alter_table("score_statistics", schema=None) as batch_op:
        batch_op.create_index("ix_score_statistics_group", ["grouping", "group_key"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{_role()}') THEN
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE score_statistics TO %I', '{_role()}');
    END IF;
END $$""")


def downgrade() -> None:
    with op.batch_alter_table("score_statistics", schema=None) as batch_op:
        batch_op.drop_index("ix_score_statistics_group")
    op.drop_table("score_statistics")
