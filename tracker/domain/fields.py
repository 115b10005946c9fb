"""The field rules: one function per kind of field, called by the CLI, the catalog importer, the Python API,
`decide` and the scoring job alike, so that a value is accepted or refused the same way wherever it comes from.

Each function returns the value as it will be stored, or raises `UserError` naming the field. Limits are the
tracker's, not the database's: they are the same on SQLite and PostgreSQL, and stay under every column's size
(tracker/store/schema.py), so a database never refuses a value these functions accepted.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from tracker.errors import UserError

MAX_ID = 120  # ids are primary keys of VARCHAR(120) columns
MAX_SHORT = 200  # names, roles, the actor (VARCHAR(200) on events.actor)
MAX_TEXT = 20_000  # titles, criteria, quotes, reasons
MAX_DOCUMENT = 5_000_000  # a source's full text
# A distribution's probabilities must sum to 1 within this, on every path (catalog, CLI, API, scoring).
SUM_TOLERANCE = 1e-9
# Binary forecasts store P(NO) = 1 - P(YES) rounded to this many digits, so that 0.7 gives 0.3, not
# 0.30000000000000004, whoever records it.
COMPLEMENT_DIGITS = 12

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]*")
ID_RULE = "lowercase letters, digits, '.', '_' and '-', starting with a letter or digit"
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only ("\d" matches any script's)

# Characters that reorder or hide text on a screen: the bidirectional embeddings, overrides and isolates,
# and the implicit marks (Unicode TR9). Refused in every field, as are control characters.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
LONG_TEXT_WHITESPACE = frozenset("\t\n")


def line_breaks(value: str) -> str:
    """CR LF (Windows) and a lone CR (old Mac files, some spreadsheet exports) as LF: the line breaks they are.

    Long text is read through this at every boundary (the catalog, the command line, the Python API), so a
    criteria typed on Windows or converted from a published data file is stored as the same text as one typed
    anywhere else. One-line fields are not: a line break there is refused, whatever its form."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


# The characters `forbidden_char` refuses, as ranges: the C0 and C1 controls and DEL (general category Cc) and
# the surrogates (Cs), both fixed by Unicode's stability policy (no code point ever enters or leaves Cc or Cs),
# and BIDI_CONTROLS. One compiled search over the whole string instead of a category look-up per character, which
# was 15% of a catalog import (profiled); tests/test_fields.py checks it against `unicodedata.category` for every
# code point and on random strings.
_FORBIDDEN_RANGES = ((0x00, 0x1F), (0x7F, 0x9F), (0xD800, 0xDFFF)) + tuple((ord(c), ord(c)) for c in BIDI_CONTROLS)
_FORBIDDEN: dict[frozenset[str], re.Pattern[str]] = {}


def _forbidden_pattern(allowed: frozenset[str]) -> re.Pattern[str]:
    pattern = _FORBIDDEN.get(allowed)
    if pattern is None:
        refused = [(lo, hi) for lo, hi in _FORBIDDEN_RANGES]
        for ch in allowed:  # split a range around each allowed character
            c = ord(ch)
            refused = [part for lo, hi in refused for part in ((lo, min(hi, c - 1)), (max(lo, c + 1), hi))]
        cls = "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in sorted(refused) if lo <= hi)
        pattern = _FORBIDDEN[allowed] = re.compile(f"[{cls}]")
    return pattern


# The two sets the text rules use, compiled at import: the rules below test the common case (a valid value) with
# one search and no further call, and only a value that fails it takes the path that words the refusal.
_FORBIDDEN_IN_LINE = _forbidden_pattern(frozenset())
_FORBIDDEN_IN_TEXT = _forbidden_pattern(LONG_TEXT_WHITESPACE)
# A valid id, its length limit included: the id rule's checks below all hold for a string this matches in full.
_VALID_ID = re.compile(f"[a-z0-9][a-z0-9._-]{{0,{MAX_ID - 1}}}")


def forbidden_char(text: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """The first character no field may hold: C0 and C1 controls and DEL (except ``allowed``), bidi controls,
    lone surrogates."""
    found = _forbidden_pattern(allowed).search(text)
    return None if found is None else found.group()


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def _require_str(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise UserError(f"must be text, not {type(value).__name__}", field)
    return value


def _checked(value: str, field: str, limit: int, allowed: frozenset[str]) -> str:
    if len(value) > limit:
        raise UserError(f"is {len(value):,} characters long; the limit is {limit:,}", field)
    bad = forbidden_char(value, allowed)
    if bad is not None:
        raise UserError(f"contains the control character {_describe(bad)}", field)
    return value


def text(value: Any, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str | None:
    """Free text (criteria, quotes, reasons, evidence): tabs and line breaks allowed (CR LF and CR read as LF,
    `line_breaks`), surrounding whitespace dropped. None or blank is "not given" (an error when ``required``)."""
    if type(value) is str and len(value) <= limit and "\r" not in value and _FORBIDDEN_IN_TEXT.search(value) is None:
        stripped = value.strip()
        if stripped:
            return stripped
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise UserError("must not be empty", field)
        return None
    return _checked(line_breaks(_require_str(value, field)), field, limit, LONG_TEXT_WHITESPACE).strip()


def short_text(value: Any, field: str, *, required: bool = True, limit: int = MAX_SHORT) -> str | None:
    """One line (names, roles, outlets, the actor): no tab or line break, surrounding spaces dropped."""
    if type(value) is str and len(value) <= limit and _FORBIDDEN_IN_LINE.search(value) is None:
        stripped = value.strip()
        if stripped:
            return stripped
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise UserError("must not be empty", field)
        return None
    s = _require_str(value, field)
    return _checked(s, field, limit, frozenset()).strip()


def title(value: Any, field: str = "title", *, required: bool = True) -> str | None:
    """A title is one line of at most MAX_TEXT characters."""
    return short_text(value, field, required=required, limit=MAX_TEXT)


def name(value: Any, field: str) -> str:
    """A person's name, in any script."""
    result = short_text(value, field)
    assert result is not None
    return result


def actor(value: Any) -> str:
    """Who acts: stored on every event (VARCHAR(200))."""
    return name(value, "actor")


def identifier(value: Any, field: str) -> str:
    """An id as typed (question, forecast, source, forecaster ids): never trimmed, never lower-cased for you."""
    if type(value) is str and _VALID_ID.fullmatch(value):
        return value
    s = _require_str(value, field)
    if s == "":
        raise UserError("must not be empty", field)
    if s != s.strip():
        raise UserError(f"{s!r} has leading or trailing whitespace", field)
    bad = forbidden_char(s)
    if bad is not None:
        raise UserError(f"{s!r} contains the control character {_describe(bad)}", field)
    if len(s) > MAX_ID:
        raise UserError(f"is {len(s)} characters long; the limit is {MAX_ID}", field)
    if not ID_PATTERN.fullmatch(s):
        raise UserError(f"{s!r} is not a valid id ({ID_RULE}, at most {MAX_ID} characters)", field)
    return s


def option(value: Any, field: str = "option") -> str:
    """An option of a multiple-choice question, or an outcome: the id rule."""
    return identifier(value, field)


def tag(value: Any, field: str = "tag") -> str:
    return identifier(value, field)


def distinct_ids(values: Iterable[Any], field: str, check: Any = identifier) -> tuple[str, ...]:
    out = [check(v, field) for v in values]
    if len(set(out)) != len(out):
        repeated = next(v for v in out if out.count(v) > 1)
        raise UserError(f"{repeated!r} is given twice", field)
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def slug(text_: str) -> str:
    """``"Andrei Tikhonov"`` -> ``"andrei-tikhonov"``, ``"王小明"`` -> ``"wang-xiao-ming"``: transliterated to
    ASCII (python-slugify with text-unidecode), lower case, runs of anything else one hyphen; "" when nothing
    usable is left. Remembered for the last few thousand names: an import names each forecaster many times."""
    from slugify import slugify

    return str(slugify(text_, max_length=MAX_ID, word_boundary=False, save_order=True)).strip("-")


def id_from_name(
    value: Any, field: str, chosen: str | None = None, chosen_field: str | None = None, hint: str | None = None
) -> str:
    """The id of a named thing: ``chosen`` when the person gave one (checked by the id rule), else the slug of
    the name, which must not be empty (a name of only symbols or emoji needs a chosen id). ``hint``: how to
    give one (default: the option named after ``chosen_field``)."""
    if chosen is not None:
        return identifier(chosen, chosen_field or f"{field}_id")
    result = slug(_require_str(value, field))
    if not result:
        how = hint or f"give an id with --{(chosen_field or field + '_id').replace('_', '-')}"
        raise UserError(f"{value!r} gives no usable id; {how}", field)
    return identifier(result, field)


# The days a ledger holds. Its tables keep dates as pandas nanosecond timestamps, which reach from 1677-09-21 to
# 2262-04-11: a question opened in year 1 or due in 9999 was accepted, then failed every scoring run and every
# export, report, site and extraction with an internal error. A century either side of any forecast is enough.
FIRST_DAY = date(1700, 1, 1)
LAST_DAY = date(2199, 12, 31)


def in_range(d: date, field: str) -> date:
    """A day the ledger can hold (`FIRST_DAY` to `LAST_DAY`)."""
    if not FIRST_DAY <= d <= LAST_DAY:
        raise UserError(
            f"{d.isoformat()} is outside the days a ledger holds ({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})",
            field,
        )
    return d


def day(value: Any, field: str, *, required: bool = True) -> date | None:
    """A calendar day written YYYY-MM-DD (or a `date`), within the days a ledger holds."""
    if value is None or (isinstance(value, str) and value == ""):
        if required:
            raise UserError("is required (YYYY-MM-DD)", field)
        return None
    if isinstance(value, date):
        return in_range(value, field)
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return in_range(parsed, field)
    shown = value if isinstance(value, str) else type(value).__name__
    raise UserError(f"{shown!r} is not a date (YYYY-MM-DD)", field)


# A date "today" somewhere on Earth may already be tomorrow in UTC: the easternmost time zone is UTC+14, so a
# day up to that far ahead of the UTC clock is not "in the future" for whoever wrote it.
LATEST_UTC_OFFSET = timedelta(hours=14)


def not_future(d: date, now: datetime, field: str) -> date:
    """A day that has begun somewhere on Earth at ``now`` (and that the ledger can hold: the Python API's dates
    reach the domain through this rule, not through `day`)."""
    if d > (now + LATEST_UTC_OFFSET).date():
        raise UserError(f"{d.isoformat()} is in the future", field)
    return in_range(d, field)


def probability(value: Any, field: str) -> float:
    """A number in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"{value!r} is not a number", field)
    p = float(value)
    if not math.isfinite(p) or not 0.0 <= p <= 1.0:
        raise UserError(f"{value!r} is not a probability between 0 and 1", field)
    return p


def parse_probability(value: str, field: str) -> float:
    """A probability written as a decimal number (the command line's ``--p 0.2``)."""
    try:
        number = float(value)
    except ValueError:
        raise UserError(f"{value!r} is not a number", field) from None
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise UserError(f"{value!r} is not a probability between 0 and 1", field)
    return number


def binary(p_yes: Any, field: str = "p") -> dict[str, float]:
    """A binary forecast's distribution from P(YES)."""
    p = probability(p_yes, field)
    return {"yes": p, "no": round(1.0 - p, COMPLEMENT_DIGITS)}


def distribution(probabilities: Mapping[str, Any], options: tuple[str, ...], field: str = "p") -> dict[str, float]:
    """Every named option must exist; omitted options count as 0; the sum must be 1 within SUM_TOLERANCE."""
    if not probabilities:
        raise UserError("no probability given", field)
    for key in probabilities:
        if key not in options:
            raise UserError(f"unknown option {key!r} (options: {', '.join(options)})", field)
    dist: dict[str, float] = {}
    for o in options:
        value = probabilities.get(o, 0.0)
        # A float in [0, 1] is what `probability` returns unchanged (NaN fails the comparison); any other value
        # goes through it, with the option's field name made only then (making it was half of this function).
        dist[o] = value if type(value) is float and 0.0 <= value <= 1.0 else probability(value, f"{field}[{o}]")
    total = math.fsum(dist.values())
    if not sums_to_one(total):
        raise UserError(f"probabilities sum to {total:.12g}, not 1", field)
    return dist


def sums_to_one(total: float) -> bool:
    return abs(total - 1.0) <= SUM_TOLERANCE


def url(value: Any, field: str = "url", *, required: bool = False) -> str | None:
    """An http(s) URL without spaces."""
    s = short_text(value, field, required=required, limit=MAX_TEXT)
    if s is not None and not re.fullmatch(r"https?://\S+", s):
        raise UserError(f"{s!r} is not an http(s) URL", field)
    return s


def document(value: str | None, field: str = "file") -> str | None:
    """A source's full text: any length up to MAX_DOCUMENT, any character but NUL."""
    if value is None:
        return None
    if len(value) > MAX_DOCUMENT:
        raise UserError(f"document is {len(value):,} characters; the limit is {MAX_DOCUMENT:,}", field)
    if "\x00" in value:
        raise UserError("document contains a NUL character", field)
    return value


# The groups the aggregates are taken over (`--by`), and the score rows' column that names each group.
GROUPINGS = {"forecaster": "forecaster_id", "source": "source_id", "outlet": "outlet", "tag": "tag"}


def grouping(by: str, field: str = "by") -> str:
    """The key column of the grouping ``by``; any other name is a UserError naming ``field``."""
    if by not in GROUPINGS:
        raise UserError(f"{by!r} is not a grouping ({', '.join(GROUPINGS)})", field)
    return GROUPINGS[by]
