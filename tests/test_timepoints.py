from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tracker.domain.timepoints import end_of_day, parse_point


def test_a_date_means_the_end_of_that_day_in_utc() -> None:
    assert parse_point("2019-06-01") == datetime(2019, 6, 1, 23, 59, 59, 999999, tzinfo=UTC)
    assert end_of_day(date(2019, 6, 1)) + timedelta(microseconds=1) == datetime(2019, 6, 2, tzinfo=UTC)


def test_iso_times_keep_their_zone_and_default_to_utc() -> None:
    assert parse_point("2019-06-01T12:00:00") == datetime(2019, 6, 1, 12, tzinfo=UTC)
    assert parse_point("2019-06-01T12:00:00Z") == datetime(2019, 6, 1, 12, tzinfo=UTC)
    plus2 = parse_point("2019-06-01T12:00:00+02:00")
    assert plus2.utcoffset() == timezone(timedelta(hours=2)).utcoffset(None)
    assert plus2 == datetime(2019, 6, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2019-13-01", "yesterday", "", "2019-06-01T25:00"])
def test_anything_else_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_point(text)
