"""Tables. `events` is the only source of truth; every other table here is a projection of it.

The Alembic migrations in migrations/ are the only way these tables are created; a test checks
that the migrations and this metadata agree (`alembic check`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

from tracker.errors import IntegrityError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        # SQLite's DATETIME text is written from the fields (the zone is not part of it), PostgreSQL's
        # TIMESTAMPTZ takes the instant: the UTC value serves both.
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        # TypeDecorator's own composition of the driver's processor and `process_result_value`, in one call as
        # there, with a stored text that is no time (only an edit outside the tracker writes one) refused as such
        # instead of escaping as a bare ValueError.
        impl = self.impl_instance.result_processor(dialect, coltype)
        finish = self.process_result_value

        def process(value: Any) -> datetime | None:
            try:
                return finish(impl(value) if impl is not None else value, dialect)
            except (ValueError, TypeError, AttributeError):
                raise unreadable_time(value) from None

        return process


def unreadable_time(value: Any) -> IntegrityError:
    return IntegrityError(
        f"verification failed: a stored time {value!r} cannot be read: the database was changed outside the tracker"
    )


# INTEGER PRIMARY KEY on SQLite is the rowid itself (no second index); BIGINT elsewhere.
Position = BigInteger().with_variant(Integer(), "sqlite")

events = Table(
    "events",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("stream_id", String(200), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("schema_version", SmallInteger, nullable=False),
    Column("payload", Text, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # Each index here has a reader that needs it (BENCHMARKS.md, "Indexes on events"): the primary key, every
    # read in position order; event_id, the idempotence check of every append with ids (imports); (stream,
    # version), optimistic concurrency and reading one stream; event_type, `tracker log --type` and the events
    # frame's type filter, which without it scan the whole log for a rare type. There is no index on
    # recorded_at: its readers all walk positions (migration 0007).
    UniqueConstraint("stream_id", "stream_version"),
    Index("ix_events_event_type", "event_type"),
)

sources = Table(
    "sources",
    metadata,
    Column("source_id", String(120), primary_key=True),
    Column("title", Text, nullable=False),
    Column("outlet", Text),
    Column("authors", Text, nullable=False),  # JSON list
    Column("published", Date),
    Column("date_basis", Text),
    Column("url", Text),
    Column("sha256", String(64)),
    Column("text", Text),
    Column("notes", Text),
    Column("position", Position, nullable=False),
)

questions = Table(
    "questions",
    metadata,
    Column("question_id", String(120), primary_key=True),
    Column("title", Text, nullable=False),
    Column("criteria", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("options", Text, nullable=False),  # JSON list
    Column("tags", Text, nullable=False),  # JSON list
    Column("opened", Date),
    Column("resolve_by", Date),
    Column("condition", Text),
    Column("status", String(12), nullable=False),
    Column("outcome", String(120)),
    Column("known_on", Date),
    Column("evidence", Text),
    Column("status_reason", Text),
    Column("version", Integer, nullable=False),
    Column("opened_position", Position, nullable=False),
    Column("updated_position", Position, nullable=False),
    Index("ix_questions_status", "status"),
)

question_tags = Table(
    "question_tags",
    metadata,
    Column("question_id", String(120), primary_key=True),
    Column("tag", String(120), primary_key=True),
    Index("ix_question_tags_tag", "tag"),
)

forecasters = Table(
    "forecasters",
    metadata,
    Column("forecaster_id", String(120), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", Text),
    Column("first_position", Position, nullable=False),
)

forecasts = Table(
    "forecasts",
    metadata,
    Column("forecast_id", String(120), primary_key=True),
    Column("question_id", String(120), nullable=False),
    Column("forecaster_id", String(120), nullable=False),
    Column("role", Text),
    Column("probabilities", Text, nullable=False),  # JSON {option: p}
    Column("p_yes", Float),  # binary questions only
    Column("made_at", Date, nullable=False),
    Column("source_id", String(120)),
    Column("quote", Text),
    Column("hedge", Text),
    Column("quote_verified", Boolean),
    Column("method", String(20), nullable=False),
    Column("phrase", Text),
    Column("scale_version", Integer),
    Column("reading", String(10)),
    Column("p_low", Float),
    Column("p_high", Float),
    Column("withdrawn", Boolean, nullable=False),
    Column("withdrawn_reason", Text),
    Column("position", Position, nullable=False),
    Column("updated_position", Position, nullable=False),
    Index("ix_forecasts_question_id", "question_id"),
    Index("ix_forecasts_forecaster_id", "forecaster_id"),
    # a source's forecasts: a site rebuild reads those of the sources its new events name (migration 0013)
    Index("ix_forecasts_source_id", "source_id"),
)

resolutions = Table(
    "resolutions",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("question_id", String(120), nullable=False),
    Column("action", String(12), nullable=False),  # resolved | corrected | annulled | reopened
    Column("outcome", String(120)),
    Column("known_on", Date),
    Column("evidence", Text),
    Column("reason", Text),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_resolutions_question_id", "question_id"),
)

# Tables that are rebuilt from events (the scoring tables are derived too, but by the scoring job).
PROJECTION_TABLES = (sources, questions, question_tags, forecasters, forecasts, resolutions)


# The Merkle tree over the events (tracker.domain.merkle), kept as the events are appended, in the same
# transaction (tracker.store.merkletree): every complete subtree of 2**level events, level >= 1, once complete,
# named (level, node_index) as in C2SP tlog-tiles. Leaves (level 0) are not stored: a leaf is SHA-256(0x00 ‖ the
# event's chain hash), read from the events. n events have n - popcount(n) such nodes, written once each; every
# root and proof up to n reads O(log n) of them. Not a projection a rebuild rewrites: append-only like the events
# (triggers, migration 0010); `tracker verify` recomputes it.
merkle_nodes = Table(
    "merkle_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("node_index", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)

# Every checkpoint of the Merkle log signed by `tracker checkpoint` (tracker.app.proofs), numbered from 1 in the
# order signed. Not a projection: a signed note cannot be rebuilt from the events. Append-only like the events
# (triggers, migration 0009); tree_size and root_hash repeat what the note says, for queries.
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("tree_size", Position, nullable=False),
    Column("root_hash", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
)


# RFC 3161 time-stamp tokens attached to kept checkpoints (`tracker checkpoint --timestamp-token`), numbered from 1
# in the order attached; the token's message imprint was checked to be the hash of the checkpoint's note.
# Append-only (triggers, migration 0012).
checkpoint_timestamps = Table(
    "checkpoint_timestamps",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("checkpoint_number", Integer, nullable=False),
    Column("hash_algorithm", String(10), nullable=False),
    Column("token", LargeBinary, nullable=False),
    Column("attached_at", UTCDateTime, nullable=False),
)


# ---------------------------------------------------------------------------------------------------------------
# Scoring. Derived tables written only by the scoring job (tracker.scoring.job), never by `project()`:
# they are not rebuilt from events by `tracker rebuild`; `tracker score --full` recomputes them instead.
# Every write to them happens in one transaction together with the run record and the checkpoint.
# ---------------------------------------------------------------------------------------------------------------

scoring_runs = Table(
    "scoring_runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("status", String(10), nullable=False),  # ok | failed | skipped
    Column("full", Boolean, nullable=False),
    Column("previous_position", Position),  # the checkpoint the run started from
    Column("through_position", Position),  # the head of the snapshot it scored (ok runs)
    Column("questions_rescored", Integer, nullable=False),
    Column("changed", Text),  # JSON summary of what changed
    Column("error", Text),
    Column("holder", String(200)),
    # the version of the scoring formulas (tracker.scoring.compute.SCORING_VERSION); NULL: recorded before 0008
    Column("scoring_version", Integer),
    Index("ix_scoring_runs_started_at", "started_at"),
)

# One row per checkpoint name ("scores"): the last event position whose effects are in the score tables.
scoring_checkpoint = Table(
    "scoring_checkpoint",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("position", Position, nullable=False),
)

# The SQLite scoring lease (PostgreSQL uses an advisory lock instead; see tracker.scoring.job).
scoring_lease = Table(
    "scoring_lease",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("holder", String(200)),
    Column("acquired_at", UTCDateTime),
    Column("expires_at", UTCDateTime),
)

# One row per forecast (as of the last run that touched its question).
# status: scored | superseded | withdrawn | hindsight | unresolved | annulled; score columns only for scored rows.
forecast_scores = Table(
    "forecast_scores",
    metadata,
    Column("forecast_id", String(120), primary_key=True),
    Column("question_id", String(120), nullable=False),
    Column("forecaster_id", String(120), nullable=False),
    Column("source_id", String(120)),
    Column("made_at", Date, nullable=False),
    Column("known_on", Date),
    Column("status", String(12), nullable=False),
    Column("outcome", String(120)),
    Column("p_outcome", Float),  # probability given to what happened (resolved questions)
    Column("brier", Float),  # binary (p-o)^2 in [0,1]; multiple choice sum_k (p_k-o_k)^2 in [0,2]
    Column("brier_two_category", Float),  # binary 2(p-o)^2 in [0,2]; multiple choice as brier
    Column("log_score", Float),
    Column("baseline_score", Float),
    Column("brier_low", Float),  # verbal forecasts: Brier at the interval's ends
    Column("brier_high", Float),
    Column("run_id", Integer, nullable=False),
    Index("ix_forecast_scores_question_id", "question_id"),
    Index("ix_forecast_scores_forecaster_id", "forecaster_id"),
    Index("ix_forecast_scores_status", "status"),
)

# One row per scored (forecaster, question): the scored forecast's scores and the time-averaged figures.
question_scores = Table(
    "question_scores",
    metadata,
    Column("question_id", String(120), primary_key=True),
    Column("forecaster_id", String(120), primary_key=True),
    Column("forecast_id", String(120), nullable=False),
    Column("source_id", String(120)),
    Column("kind", String(20), nullable=False),
    Column("made_at", Date, nullable=False),
    Column("known_on", Date, nullable=False),
    Column("outcome", String(120), nullable=False),
    Column("p_yes", Float),  # binary questions: the scored P(YES), for calibration
    Column("p_outcome", Float),
    Column("brier", Float),
    Column("brier_two_category", Float),
    Column("log_score", Float),
    Column("baseline_score", Float),  # Metaculus baseline of the final (scored) forecast: a "spot" baseline
    Column("brier_low", Float),
    Column("brier_high", Float),
    Column("time_avg_brier", Float),
    Column("crowd_time_avg_brier", Float),
    Column("relative_brier", Float),  # NULL when not defined (a single forecaster on the question)
    Column("days", Float),  # the divisor of the time average
    Column("n_forecasters", Integer, nullable=False),
    Column("run_id", Integer, nullable=False),
    # Metaculus' headline Baseline score: time-averaged over the question's horizon, 0 where no forecast stood;
    # coverage = share of the horizon covered. NULL in rows written before migration 0006 until rescored.
    Column("baseline_time_avg", Float),
    Column("baseline_coverage", Float),
    Column("n_options", Integer),  # the question's options: the uniform forecast's Brier is 1 - 1/n_options
    Index("ix_question_scores_forecaster_id", "forecaster_id"),
)

# A forecaster's aggregate each time it changed: row (run, forecaster) holds the aggregate from that run on,
# so "as of run R" is each forecaster's latest row with run_id <= R (n_scored 0 once nothing is scored any more).
score_history = Table(
    "score_history",
    metadata,
    Column("run_id", Integer, primary_key=True),
    Column("forecaster_id", String(120), primary_key=True),
    Column("n_scored", Integer, nullable=False),
    Column("mean_brier", Float),
    Column("mean_brier_two_category", Float),
    Column("mean_time_avg_brier", Float),
    Column("mean_relative_brier", Float),
    Column("n_relative", Integer, nullable=False),
    Column("mean_log_score", Float),
    Column("mean_baseline_score", Float),
    Column("n_binary", Integer, nullable=False),
    Column("base_rate", Float),
    Column("bss_vs_half", Float),
    Column("bss_vs_base_rate", Float),
    Column("mean_brier_low", Float),
    Column("mean_brier_high", Float),
    Column("mean_brier_best", Float),
    Column("mean_brier_worst", Float),
    Column("mean_baseline_time_avg", Float),
    Column("mean_baseline_coverage", Float),
    Index("ix_score_history_forecaster_id", "forecaster_id"),
)

# How sure each forecaster's scores are, as the leaderboard shows it (tracker.scoring.statistics): a scoring run
# writes a row for each forecaster whose scores it touched, so "as of run R" is, as for score_history, each
# forecaster's latest row with run_id <= R. Numbers only; the verdicts' words are built when read. NULL where
# the figure is undefined (too few questions; no question with a crowd: crowd_n NULL).
score_statistics = Table(
    "score_statistics",
    metadata,
    Column("run_id", Integer, primary_key=True),
    Column("grouping", String(20), primary_key=True),
    Column("group_key", String(120), primary_key=True),
    Column("n_questions", Integer, nullable=False),
    Column("n_forecasters", Integer, nullable=False),
    Column("ci_low", Float),
    Column("ci_high", Float),
    Column("coin_n", Integer),
    Column("coin_mean_difference", Float),
    Column("coin_p_better", Float),
    Column("coin_p_worse", Float),
    Column("crowd_n", Integer),
    Column("crowd_mean_difference", Float),
    Column("crowd_p_better", Float),
    Column("crowd_p_worse", Float),
    Index("ix_score_statistics_group", "grouping", "group_key"),
)

SCORING_TABLES = (
    scoring_runs,
    scoring_checkpoint,
    scoring_lease,
    forecast_scores,
    question_scores,
    score_history,
    score_statistics,
)
