"""The domain's field rules (tracker/domain/fields.py): one rule per kind of field, used on every path."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.catalog.load import slugify as catalog_slug
from tracker.domain import fields
from tracker.errors import UserError


def cli_slug(name: str) -> str:
    """The id `Ledger.record_forecast` files a forecast under, for a name and no chosen id."""
    return fields.id_from_name(name, "forecaster", None, "forecaster_id")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Andrei Tikhonov", "andrei-tikhonov"),
        ("Zoë  O'Brien-Smith", "zoe-o-brien-smith"),
        ("  Ünal ", "unal"),
        ("王小明", "wang-xiao-ming"),
        ("Дмитрий Тренин", "dmitrii-trenin"),
        ("Ελένη Παππά", "elene-pappa"),
    ],
)
def test_names_in_any_script_give_an_id(name: str, expected: str) -> None:
    assert cli_slug(name) == catalog_slug(name) == fields.id_from_name(name, "forecaster") == expected


@given(st.text(min_size=1, max_size=300))
def test_same_id_everywhere_and_always_a_valid_id(name: str) -> None:
    try:
        got = cli_slug(name)
    except UserError as e:
        assert e.field == "forecaster"
        with pytest.raises(UserError):
            catalog_slug(name)
        return
    assert got == catalog_slug(name)
    assert fields.identifier(got, "x") == got


def test_a_name_without_letters_needs_a_chosen_id() -> None:
    with pytest.raises(UserError, match="forecaster: .*--forecaster-id"):
        fields.id_from_name("🙂", "forecaster", None, "forecaster_id")
    assert fields.id_from_name("🙂", "forecaster", "smiley", "forecaster_id") == "smiley"
    with pytest.raises(UserError, match="^forecaster_id: "):
        fields.id_from_name("🙂", "forecaster", "Smiley ", "forecaster_id")


@pytest.mark.parametrize(
    "value", ["abc\n", " abc", "abc ", "ABC", "a b", "-abc", "", "a" * 121, "a\u202eb", "a\x85b", "é"]
)
def test_ids_refuse_whitespace_case_controls_and_length(value: str) -> None:
    with pytest.raises(UserError) as info:
        fields.identifier(value, "question_id")
    assert info.value.field == "question_id"


@pytest.mark.parametrize("ch", ["\x00", "\x1b", "\x7f", "\x85", "\x9b", "\u202e", "\u2066", "\u2069", "\u200f", "\x0b"])
def test_control_and_bidi_characters_are_refused_in_every_kind_of_text(ch: str) -> None:
    for rule in (fields.text, fields.short_text, fields.title):
        with pytest.raises(UserError, match="control character"):
            rule(f"a{ch}b", "f")
    with pytest.raises(UserError, match="^actor: "):
        fields.actor(f"bob{ch}")


def test_long_text_keeps_tabs_and_line_breaks_but_one_line_text_does_not() -> None:
    assert fields.text(" a\n\tb ", "criteria") == "a\n\tb"
    for ch in "\n\t":
        with pytest.raises(UserError, match="^forecaster: "):
            fields.name(f"a{ch}b", "forecaster")


def test_limits_are_the_trackers_not_the_databases() -> None:
    assert fields.actor("x" * fields.MAX_SHORT) == "x" * fields.MAX_SHORT
    with pytest.raises(UserError, match="^actor: is 201 characters long; the limit is 200"):
        fields.actor("x" * 201)
    with pytest.raises(UserError, match="^quote: "):
        fields.text("x" * (fields.MAX_TEXT + 1), "quote")


@pytest.mark.parametrize("value", ["2019-13-01", "2019-1-1", "20190101", " 2019-01-01", "yesterday", 20190101])
def test_days_are_yyyy_mm_dd(value: object) -> None:
    with pytest.raises(UserError, match="^made_at: "):
        fields.day(value, "made_at")


def test_days_and_the_future() -> None:
    assert fields.day("2019-06-01", "d") == date(2019, 6, 1)
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert fields.not_future(date(2026, 1, 2), now, "d") == date(2026, 1, 2)  # already 2 Jan at UTC+14
    with pytest.raises(UserError, match="in the future"):
        fields.not_future(date(2026, 1, 3), now, "d")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.1, 1.01, "0.5", True, None, [0.5]])
def test_probabilities(value: object) -> None:
    with pytest.raises(UserError, match="^p: "):
        fields.probability(value, "p")


def test_one_tolerance_for_distributions() -> None:
    options = ("a", "b")
    assert fields.distribution({"a": 0.5, "b": 0.5 + 5e-10}, options)
    with pytest.raises(UserError, match="sum to"):
        fields.distribution({"a": 0.5, "b": 0.5000005}, options)
    assert fields.binary(0.7) == {"yes": 0.7, "no": 0.3}
