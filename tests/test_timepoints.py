from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.domain.timepoints import end_of_day, parse_as_of, parse_point
from tracker.errors import UserError


def test_a_date_means_the_end_of_that_day_in_utc() -> None:
    assert parse_point("2019-06-01") == datetime(2019, 6, 1, 23, 59, 59, 999999, tzinfo=UTC)
    assert end_of_day(date(2019, 6, 1)) + timedelta(microseconds=1) == datetime(2019, 6, 2, tzinfo=UTC)


def test_iso_times_keep_their_zone_and_default_to_utc() -> None:
    assert parse_point("2019-06-01T12:00:00") == datetime(2019, 6, 1, 12, tzinfo=UTC)
    assert parse_point("2019-06-01T12:00:00Z") == datetime(2019, 6, 1, 12, tzinfo=UTC)
    plus2 = parse_point("2019-06-01T12:00:00+02:00")
    assert plus2.utcoffset() == timedelta(0)  # returned in UTC, so that a time past year 9999 there is refused
    assert plus2 == datetime(2019, 6, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["2019-13-01", "yesterday", "", "2019-06-01T25:00", "²", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00+01:00"],
)
def test_anything_else_is_a_field_error(text: str) -> None:
    with pytest.raises(UserError, match="^as_of: "):
        parse_point(text)


def test_the_last_day_there_is_and_positions() -> None:
    assert parse_point("9999-12-30") == datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
    with pytest.raises(UserError, match="^as_of: .*up to 9999-12-30"):  # the message names the last day taken
        parse_point("9999-12-31")  # its end is the edge of the calendar
    with pytest.raises(UserError, match="^as_of: .*up to 9999-12-30"):
        parse_as_of("9999-12-31")
    assert parse_as_of("42") == 42
    assert parse_as_of("99999999999999999999") == 99999999999999999999  # the range is the reader's to check
    for bad in ("²", "١٢", "-1", "1e3"):
        with pytest.raises(UserError, match="^as_of: "):
            parse_as_of(bad)
