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
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

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
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


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
    UniqueConstraint("stream_id", "stream_version"),
    Index("ix_events_recorded_at", "recorded_at"),
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
