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


def _distribution_as_first_written(probabilities: dict[str, object], options: tuple[str, ...]) -> object:
    """`fields.distribution` before its quick path for floats: every value through `fields.probability`."""
    import math

    try:
        if not probabilities:
            raise UserError("no probability given", "p")
        for key in probabilities:
            if key not in options:
                raise UserError(f"unknown option {key!r} (options: {', '.join(options)})", "p")
        dist = {o: fields.probability(probabilities.get(o, 0.0), f"p[{o}]") for o in options}
        total = math.fsum(dist.values())
        if not fields.sums_to_one(total):
            raise UserError(f"probabilities sum to {total:.12g}, not 1", "p")
    except UserError as e:
        return ("refused", e.field, e.message)
    return [(k, type(v), repr(v)) for k, v in dist.items()]


class _Half(float):
    """A float subclass (numpy's float64 is one): stored as a plain float."""


def test_distribution_gives_what_it_gave_before_its_quick_path() -> None:
    """Values of every kind a caller may pass, at and beyond the bounds: the same distribution (the same types
    and values) or the same refusal as when every value went through `probability`."""
    values: list[object] = [0.0, -0.0, 1.0, 0.5, 0.25, 1e-300, 5e-324, 1.0000000001, -1e-300, float("nan")]
    values += [float("inf"), -float("inf"), 0, 1, 2, True, False, None, "0.5", _Half(0.5), [0.5]]
    options = ("a", "b")
    for a in values:
        for b in values:
            got: object
            try:
                dist = fields.distribution({"a": a, "b": b}, options)
                got = [(k, type(v), repr(v)) for k, v in dist.items()]
            except UserError as e:
                got = ("refused", e.field, e.message)
            assert got == _distribution_as_first_written({"a": a, "b": b}, options), (a, b)
            one = {"a": a}
            try:
                got = [(k, type(v), repr(v)) for k, v in fields.distribution(one, options).items()]
            except UserError as e:
                got = ("refused", e.field, e.message)
            assert got == _distribution_as_first_written(one, options), a


# ------------------------------------------------------------------ the control-character check, old and new


def forbidden_by_category(text: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """The rule by its definition, one category look-up per character: what `fields.forbidden_char` replaced."""
    import unicodedata

    for ch in text:
        if ch in allowed:
            continue
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in fields.BIDI_CONTROLS:
            return ch
    return None


ALLOWED_SETS = [frozenset(), fields.LONG_TEXT_WHITESPACE, frozenset("\x00\u202a\ud800x\n")]


@pytest.fixture(scope="module")
def refused_by_category() -> set[str]:
    """Every code point the category rule refuses with nothing allowed."""
    import unicodedata

    return {
        ch for ch in map(chr, range(0x110000)) if unicodedata.category(ch) in ("Cc", "Cs") or ch in fields.BIDI_CONTROLS
    }


@pytest.mark.parametrize("allowed", ALLOWED_SETS, ids=["none", "tab-and-newline", "mixed"])
def test_the_compiled_check_refuses_exactly_the_code_points_the_category_rule_refuses(
    allowed: frozenset[str], refused_by_category: set[str]
) -> None:
    every_code_point = "".join(map(chr, range(0x110000)))
    found = fields._forbidden_pattern(allowed).findall(every_code_point)  # what forbidden_char searches with
    assert set(found) == refused_by_category - allowed
    assert len(found) == len(refused_by_category - allowed) > 2000  # the controls, surrogates and bidi marks


# Strings mostly of the characters a check could get wrong: controls, bidi marks, surrogates, their neighbours.
HOSTILE = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            "\x00\x08\t\n\x0b\r\x1f \x7f\x80\x9f\xa0\u061b\u061c\u061d\u200d\u200e\u200f\u2010\u2029\u202a"
            "\u202e\u202f\u2065\u2066\u2069\u206a\ud7ff\ud800\udbff\udc00\udfff\ue000\ufeff\uffff"
        ),
        st.characters(),
    ),
    max_size=60,
)


@given(st.one_of(HOSTILE, st.text(max_size=60)), st.sampled_from(ALLOWED_SETS))
def test_the_compiled_check_finds_the_same_first_character(text: str, allowed: frozenset[str]) -> None:
    assert fields.forbidden_char(text, allowed) == forbidden_by_category(text, allowed)


def _outcome(rule: object, value: str) -> tuple[str, object]:
    try:
        return "ok", rule(value, "f")  # type: ignore[operator]
    except UserError as e:
        return "refused", (e.field, e.message)


@given(st.one_of(HOSTILE, st.text(max_size=60), st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True)))
def test_every_text_rule_accepts_and_refuses_as_with_the_category_rule(value: str) -> None:
    from unittest import mock

    rules = [fields.text, fields.short_text, fields.title, fields.name, fields.identifier, fields.url]
    now = [_outcome(rule, value) for rule in rules]
    with mock.patch.object(fields, "forbidden_char", forbidden_by_category):
        before = [_outcome(rule, value) for rule in rules]
    assert now == before


@given(
    st.one_of(
        HOSTILE,
        st.text(max_size=60),
        st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True),
        st.from_regex(r"[a-z0-9][a-z0-9._-]{117,121}", fullmatch=True),  # around the id's length limit
        st.from_regex(r"[ \t\r\n]?[a-zA-Z \r\n\t.]{0,20}[ \t\r\n]?", fullmatch=True),  # line breaks and spaces
        st.text(min_size=198, max_size=202),  # around the one-line limit
        st.integers(),
        st.none(),
    )
)
def test_the_quick_acceptance_of_a_valid_value_gives_what_the_full_rules_give(value: object) -> None:
    """The text rules accept a valid value with one compiled search before their full checks: with that quick
    path turned off (its patterns matching nothing valid), every rule accepts, cleans and refuses alike."""
    import re
    from unittest import mock

    rules = [fields.text, fields.short_text, fields.title, fields.name, fields.identifier, fields.option]
    now = [_outcome(rule, value) for rule in rules]  # type: ignore[arg-type]
    everything, nothing = re.compile(""), re.compile("(?!)")  # a search that always finds; a match never made
    with (
        mock.patch.object(fields, "_FORBIDDEN_IN_LINE", everything),
        mock.patch.object(fields, "_FORBIDDEN_IN_TEXT", everything),
        mock.patch.object(fields, "_VALID_ID", nothing),
    ):
        full = [_outcome(rule, value) for rule in rules]  # type: ignore[arg-type]
    assert now == full
