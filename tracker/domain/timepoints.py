"""Points in time as users write them: "YYYY-MM-DD" means the end of that day (UTC), an ISO time without a
zone means UTC. One parser, for `--as-of` on the ledger, on the frames and on scoring runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def end_of_day(d: date) -> datetime:
    """The last microsecond of day `d` in UTC: "as of 2019-06-01" includes everything recorded that day."""
    return datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(days=1) - timedelta(microseconds=1)


def as_utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def parse_point(text: str) -> datetime:
    """A date (its end, UTC) or an ISO time (UTC when it names no zone); ValueError otherwise."""
    v = text.strip()
    if len(v) == 10:
        return end_of_day(date.fromisoformat(v))
    return as_utc(datetime.fromisoformat(v.replace("Z", "+00:00")))
