"""What the site and the report share: the Jinja2 environment (autoescape on, every value cleaned of control
characters), the formatting filters, file names for ids, and the rows a forecast table shows.

Stored text is hostile: a title may hold markup, template syntax, a right-to-left override or a terminal escape.
Autoescape turns markup into text; the environment's ``finalize`` replaces control characters by their visible
Unicode pictures before escaping, in attributes as in text; the ``u`` filter wraps text in ``<bdi>`` so that a
direction override cannot spill into the rest of the line.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from tracker import labels
from tracker.domain.verbal import explain_reading
from tracker.scoring.verdicts import FEWEST, MIN_QUESTIONS
from tracker.words import plural as plural  # t.plural in the templates and pages

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd
    from jinja2 import BytecodeCache, Environment

DASH = "–"
# C0 controls but tab and newline, DEL, and the C1 controls; shown as control pictures or U+FFFD.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SAFE_NAME = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")
_ALL_SAFE = re.compile(r"[a-z0-9_-]+")  # an id made of _SAFE_NAME alone is its own file name (most ids)
MAX_NAME = 96


def _picture(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def clean(text: str) -> str:
    """``text`` without raw control characters (each shown as its control picture)."""
    # most text has none: `isprintable` (in C) says so faster than the pattern can (it is False for more than
    # the controls, a newline or tab too: those go through the pattern, which keeps them)
    return text if text.isprintable() else _CONTROL.sub(_picture, text)


_MISSING_TYPES = frozenset({"NAType", "NaTType"})


def missing(value: Any) -> bool:
    """None, NaN, pandas' NA and NaT (by type: this runs once per cell of every table)."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    return type(value).__name__ in _MISSING_TYPES


def file_id(value: str) -> str:
    """A file name for an id, one-to-one: lower-case letters, digits, ``-`` and ``_`` stand for themselves, every
    other character is ``~`` and its UTF-8 bytes in hex (so upper and lower case never share a file, even on a
    case-insensitive disk). A name longer than MAX_NAME is cut and ends in ``~~`` and a hash of the id; ``~~``
    never occurs otherwise, since each ``~`` is followed by two hex digits."""
    if len(value) <= MAX_NAME and _ALL_SAFE.fullmatch(value):
        return value  # one C call instead of a Python step per character: a site makes a name for every link
    out = "".join(ch if ch in _SAFE_NAME else "".join(f"~{b:02x}" for b in ch.encode("utf-8")) for ch in value)
    if not out:
        return "~"  # the empty id; "~" alone is no other id's name
    if len(out) > MAX_NAME:
        out = out[: MAX_NAME - 34] + "~~" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]
    return out


# ------------------------------------------------------------------------------------------------ filters


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if missing(value):
        return DASH
    if isinstance(value, str):
        return clean(value)
    return value


def u(value: Any) -> Markup:
    """Stored text for a page: escaped, cleaned, and isolated in ``<bdi>``."""
    return Markup(_u(value))


def num(value: Any, digits: int = 3) -> str:
    if missing(value):
        return DASH
    v = float(value)
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    text = f"{v:.{digits}f}"
    if float(text) == 0:
        text = f"{0:.{digits}f}"  # no "-0.000" for float noise around zero
    return text.replace("-", "−")


def interval(low: Any, high: Any, digits: int = 3) -> str:
    if missing(low) or missing(high):
        return DASH
    return f"{num(low, digits)}–{num(high, digits)}"


def day(value: Any) -> str:
    if missing(value):
        return DASH
    if isinstance(value, datetime | date) or hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d"))
    return clean(str(value)[:10])


def minute(value: Any) -> str:
    if missing(value):
        return DASH
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d %H:%M UTC"))
    return clean(str(value))


def cell(value: Any) -> Any:
    """A value of a column the page does not know: numbers formatted, text isolated."""
    if missing(value):
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return num(value)
    if isinstance(value, int):
        return str(value)
    try:
        import numpy as np

        if isinstance(value, np.floating):
            return num(float(value))
        if isinstance(value, np.integer):
            return str(int(value))
    except ImportError:  # pragma: no cover - numpy comes with pandas
        pass
    return u(value)


def colname(name: str) -> str:
    """A column's label (`tracker.labels`), the first letter capitalised for a table head."""
    text = clean(labels.label(str(name)))
    return text[:1].upper() + text[1:] if text[:1].isalpha() and not text.startswith("vs ") else text


def verdict(value: Any, name: str) -> Markup:
    """A verdict cell: the short form, with the whole sentence on hover (title) and for screen readers."""
    if missing(value) or value == "":
        return Markup(DASH)
    full = clean(str(value))
    return Markup('<span class="verdict" title="{}">{}</span>').format(full, labels.short_verdict(full, name))


def ext_link(url: Any, text: Any) -> Markup:
    """An anchor for http(s) URLs only (no javascript: or data: links from the data); else the text alone."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return (
            Markup('<a href="') + escape(clean(url)) + Markup('" rel="noopener noreferrer">') + u(text) + Markup("</a>")
        )
    return u(text)


# ------------------------------------------------------------------------------------------------ forecast tables


def q_url(question_id: str) -> str:
    return f"questions/{file_id(str(question_id))}.html"


def f_url(forecaster_id: str, page: int = 1) -> str:
    return f"forecasters/{file_id(str(forecaster_id))}{'' if page == 1 else f'~p{page}'}.html"


def s_url(source_id: str, page: int = 1) -> str:
    return f"sources/{file_id(str(source_id))}{'' if page == 1 else f'~p{page}'}.html"


def esc_native(text: str) -> str:
    """`markupsafe.escape` of a str, as a str: the same five replacements, without a Markup made each time."""
    return (
        text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;").replace('"', "&#34;")
    )


try:  # markupsafe's own escaping in C, which `escape` wraps in a Markup: a quarter of the time of the replacements
    from markupsafe import _escape_inner as esc
except ImportError:  # pragma: no cover - an older or pure-Python markupsafe
    esc = esc_native


def _h(value: Any) -> str:
    """What ``{{ value }}`` prints in a template: the environment's `_finalize`, then autoescape."""
    if type(value) is str:
        return esc(clean(value))
    if isinstance(value, Markup):
        return value
    return DASH if missing(value) else str(escape(value))


def _u(value: Any) -> str:
    """`u` as a plain str, to be joined with others (no Markup made per cell); `u` wraps it."""
    if type(value) is str:
        return f"<bdi>{esc(clean(value))}</bdi>" if value else DASH
    if missing(value) or value == "":
        return DASH
    return f"<bdi>{esc(clean(str(value)))}</bdi>"


# the fields a forecast's row shows, read in one call (`operator.attrgetter` or `itemgetter`: rows are the site's
# slotted rows or the report's dicts)
ROW_FIELDS = (
    "anchor", "withdrawn", "question_id", "question_title", "forecaster_id", "forecaster", "role", "made_at", "prob",
    "method", "reading_text", "quote", "source_id", "source_title", "url", "outlet", "status", "withdrawn_reason",
    "outcome", "known_on", "brier",
)  # fmt: skip


def forecast_table_rows(
    rows: list[Any],
    question: bool = True,
    forecaster: bool = True,
    source: bool = True,
    site: bool = True,
    root: str = "",
) -> Markup:
    """The ``<tr>`` of each forecast in a forecast table (``forecast_table`` in macros.html.j2), made here rather
    than by a macro per cell: the rows were most of a site build's rendering (each forecast is on three pages).
    The same bytes as the template would print: every value through `_finalize` and autoescape, stored text
    through `u`. ``site``: the question, forecaster and source link to their pages under ``root``; else the
    source links to its URL (`ext_link`) and nothing else links."""
    import operator

    out: list[str] = []
    add = out.append
    by_key, by_attr = operator.itemgetter(*ROW_FIELDS), operator.attrgetter(*ROW_FIELDS)
    top = _h(root)
    withdrawn_class = ' class="withdrawn"'
    for f in rows:
        fields = (by_key if isinstance(f, dict) else by_attr)(f)
        (anchor, withdrawn, qid, q_title, fid, name, role, made_at, prob, method, reading, quote, sid, s_title, url,
         outlet, status, withdrawn_reason, outcome, known_on, brier) = fields  # fmt: skip
        add(f'<tr id="fc-{_h(anchor)}"{withdrawn_class if withdrawn else ""}>\n')
        if question:
            title = f'<a href="{top}{_h(q_url(qid))}">{_u(q_title)}</a>' if site else _u(q_title)
            add(f'<td class="t" data-label="Question">{title}<br><code>{_h(qid)}</code></td>')
        if forecaster:
            who = f'<a href="{top}{_h(f_url(fid))}">{_u(name)}</a>' if site else _u(name)
            add(f'<td class="p" data-label="Forecaster">{who}')
            add(f'<br><span class="muted">{_u(role)}</span></td>' if role else "</td>")
        add(f'<td class="d" data-label="Made">{_h(day(made_at))}</td><td class="n" data-label="P(YES)">{_h(prob)}</td>')
        add(f'\n<td data-label="How">{_u(method)}')
        if reading:
            add(f'<br><span class="reading">{_u(reading)}</span>')
        said = f"<blockquote>{_u(quote)}</blockquote>" if quote else DASH
        add(f'</td>\n<td class="q" data-label="Quote">{said}</td>')
        if source and sid:
            where = f'<a href="{top}{_h(s_url(sid))}">{_u(s_title)}</a>' if site else ext_link(url, s_title)
            add(f'<td data-label="Source">{where}')
            add(f'<br><span class="muted">{_u(outlet)}</span></td>' if outlet else "</td>")
        elif source:
            add(f'<td data-label="Source">{DASH}</td>')
        add(f'<td data-label="Status">{_u(status)}')
        if withdrawn and withdrawn_reason:
            add(f'<br><span class="muted">{_u(withdrawn_reason)}</span>')
        known = f'<span class="outcome-{_h(outcome)}">{_h(outcome)}</span>' if outcome in ("yes", "no") else _u(outcome)
        add(f'</td>\n<td class="d" data-label="Outcome">{known}')
        if known_on:
            add(f'<br><span class="muted">{_h(day(known_on))}</span>')
        add(f'</td>\n<td class="n" data-label="Brier">{_h(num(brier))}</td>\n</tr>\n')
    return Markup("".join(out))


def history_rows(events: list[tuple[Any, ...]]) -> Markup:
    """The rows of a question's event history table (question.html.j2), from each event's (position, stream
    version, type, recorded at, actor, hash), as a loop in the template would print them."""
    return Markup(
        "".join(
            f'<tr><td class="n" data-label="Position">{_h(position)}</td><td class="n" data-label="Version">'
            f'{_h(version)}</td><td data-label="Event">{_u(kind)}</td><td class="d" data-label="Recorded">'
            f'{_h(minute(recorded))}</td><td data-label="By">{_u(actor)}</td><td class="h" data-label="Hash">'
            f'<span class="hash">{_h(hash_)}</span></td></tr>'
            for position, version, kind, recorded, actor, hash_ in events
        )
    )


def probability_text(p_yes: Any, probabilities: Any) -> str:
    if not missing(p_yes):
        return num(p_yes, 2)
    try:
        dist = json.loads(str(probabilities))
    except (TypeError, ValueError):
        return DASH
    if not isinstance(dist, dict):
        return DASH
    return ", ".join(f"{clean(str(k))}={num(v, 2)}" for k, v in dist.items())


@functools.cache
def _compiled_templates() -> BytecodeCache:
    """The templates' compiled code, kept for the life of the process: each build and report makes an environment
    of its own (its globals are its own), and compiling every template again was ~0.16 s of each. Jinja checks the
    template's source against the checksum kept with its code, so an edited template is compiled again."""
    from jinja2 import BytecodeCache
    from jinja2.bccache import Bucket

    class InMemory(BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[str, bytes] = {}

        def load_bytecode(self, bucket: Bucket) -> None:
            code = self.code.get(bucket.key)
            if code is not None:
                bucket.bytecode_from_string(code)

        def dump_bytecode(self, bucket: Bucket) -> None:
            self.code[bucket.key] = bucket.bytecode_to_string()

    return InMemory()


def environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    class RowsEnvironment(Environment):
        """``row.field`` on a dict row looks the key up first: Jinja tries the attribute first, and the exception
        a dict raises for it was a tenth of a site build. A key missing from the dict is looked up as Jinja
        does (no template calls a dict's own methods)."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict and attribute in obj:
                return obj[attribute]
            return super().getattr(obj, attribute)

    env = RowsEnvironment(
        loader=PackageLoader("tracker", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # package files: no stat of each template on every page
        bytecode_cache=_compiled_templates(),
    )
    env.filters.update(u=u, num=num, day=day, minute=minute, cell=cell, colname=colname, verdict=verdict)
    env.globals.update(
        interval=interval,
        ext_link=ext_link,
        forecast_table_rows=forecast_table_rows,
        history_rows=history_rows,
        VERDICTS=tuple(labels.AGAINST),
        FEWEST=FEWEST,
        MIN_QUESTIONS=MIN_QUESTIONS,
        MORE_EXTRA=("vs_crowd",),
    )
    return env


def stylesheet() -> str:
    from importlib.resources import files

    return files("tracker").joinpath("templates", "site.css").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------ rows


def python_values(column: pd.Series) -> pd.Series:
    """A column whose dates and times are Python's ``datetime`` (see `iter_records`); any other as it is."""
    return column.dt.to_pydatetime() if column.dtype.kind == "M" else column


def iter_records(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Rows as dicts with Python values (NaN and NA as None), one at a time. A date and time is Python's
    ``datetime`` rather than pandas' Timestamp: the same text through ``strftime`` and ``str``, and its repr, part
    of every page's digest (`tracker.app.site.inputs_digest`), is made in C (a Timestamp's was most of a
    forecast's digest)."""
    cols = list(frame.columns)
    columns: list[Any] = []
    for k in range(len(cols)):
        column = frame.iloc[:, k]
        values = python_values(column)
        absent = column.isna()  # what `missing` says of each value, for the whole column at once
        columns.append(
            [None if gone else v for v, gone in zip(values, absent, strict=True)] if absent.any() else values
        )
    for values in zip(*columns, strict=True):
        yield dict(zip(cols, values, strict=True))


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with Python values (NaN and NA as None)."""
    return list(iter_records(frame))


def forecast_rows(
    forecasts: pd.DataFrame,
    scores: pd.DataFrame,
    question_titles: dict[str, str],
    sources: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """One dict per forecast, in the frame's order: the forecast, its score status and Brier, the question's title
    and the source's title and URL (the report's rows; the site makes its own a group at a time,
    `tracker.app.siterows`)."""
    by_forecast = {
        str(r["forecast_id"]): r
        for r in iter_records(scores[["forecast_id", "status", "outcome", "known_on", "brier"]])
    }
    rows = []
    for f in iter_records(forecasts):
        fid = str(f["forecast_id"])
        sc = by_forecast.get(fid, {})
        src = sources.get(str(f["source_id"])) if f["source_id"] is not None else None
        f.update(
            anchor=file_id(fid),
            question_title=question_titles.get(str(f["question_id"]), str(f["question_id"])),
            prob=probability_text(f["p_yes"], f["probabilities"]),
            reading_text=explain_reading(
                f.get("phrase"), f.get("reading"), f["p_yes"], f.get("p_low"), f.get("p_high"), f.get("scale_version")
            ),
            status="withdrawn" if f["withdrawn"] else sc.get("status"),
            outcome=sc.get("outcome"),
            known_on=sc.get("known_on"),
            brier=sc.get("brier"),
            source_title=(src or {}).get("title") or f["source_id"],
            url=(src or {}).get("url"),
        )
        rows.append(f)
    return rows


def hindsight_rows(hindsight: pd.DataFrame) -> list[dict[str, Any]]:
    """The forecasts made once the outcome was known (the hindsight table), with their question's title,
    probability and source, as the report and the site list them."""
    rows = []
    for h in records(hindsight):
        h.update(
            question_title=h["question"],
            prob=probability_text(h["p_yes"], h["probabilities"]),
            source_title=h["source_title"] or h["source_id"],
        )
        rows.append(h)
    return rows


def tags_of(value: Any) -> list[str]:
    """A JSON list of strings (a question's tags or options, a source's authors) as a new list."""
    if missing(value):
        return []
    return list(_parsed_list(str(value)))


@functools.lru_cache(maxsize=4096)
def _parsed_list(text: str) -> tuple[str, ...]:
    # the same few texts over and over (a site reads every question's tags and options: 158,170 at 1M, a few
    # hundred distinct), so each is parsed once
    try:
        parsed = json.loads(text)
    except ValueError:
        return (text,)
    return tuple(str(t) for t in parsed) if isinstance(parsed, list) else (str(parsed),)
