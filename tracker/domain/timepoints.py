"""Points in time as users write them, and the tracker's one clock.

"YYYY-MM-DD" means the end of that day (UTC), an ISO time without a zone means UTC. One parser, for `--as-of`
on the ledger, on the frames and on scoring runs; a value it cannot read, or one outside the years 1-9999 once
in UTC, is a `UserError` naming the field.

`utc_now` is the clock of the shell (the ledger, the importer, the scoring job, exports). The domain's
`decide` never calls it: the time arrives inside each command.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tracker.errors import UserError


def utc_now() -> datetime:
    return datetime.now(UTC)


def end_of_day(d: date) -> datetime:
    """The last microsecond of day `d` in UTC: "as of 2019-06-01" includes everything recorded that day.
    OverflowError for 9999-12-31, whose end is the last instant a datetime holds: the read side adds to and
    compares with these times, so the calendar's last day is refused rather than used at its edge."""
    return datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(days=1) - timedelta(microseconds=1)


def as_utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# Digits `int` converts (it refuses a string of more than 4,300 with a ValueError); any range beyond that of the
# databases' integers is the reader's to check.
MAX_DIGITS = 4300


def parse_point(text: str, field: str = "as_of") -> datetime:
    """A date (its end, UTC) or an ISO time (UTC when it names no zone), as an aware UTC datetime."""
    v = text.strip()
    try:
        if len(v) == 10:
            return end_of_day(date.fromisoformat(v))
        return as_utc(datetime.fromisoformat(v.replace("Z", "+00:00"))).astimezone(UTC)
    except (ValueError, OverflowError):
        raise UserError(
            f"{text!r} is not a date (YYYY-MM-DD, up to 9999-12-30) or an ISO time within the years 1-9999", field
        ) from None


def parse_position(text: str, field: str = "as_of") -> int | None:
    """A position or run id written in ASCII digits; None when ``text`` is not one (``²`` and ``١٢`` are not:
    `str.isdigit` and `int` accept them). Its range is the caller's to check."""
    v = text.strip()
    if not (v.isascii() and v.isdigit()):
        return None
    if len(v) > MAX_DIGITS:
        raise UserError(f"{v[:20]}... ({len(v)} digits) is not a position", field)
    return int(v)


def parse_as_of(text: str, field: str = "as_of") -> int | datetime:
    """``--as-of``: a position (or run id) in digits, else a date or ISO time."""
    position = parse_position(text, field)
    if position is not None:
        return position
    try:
        return parse_point(text, field)
    except UserError:
        raise UserError(
            f"{text!r} is neither a number nor a date (YYYY-MM-DD, up to 9999-12-30) or ISO time within the years"
            " 1-9999",
            field,
        ) from None
