"""Set-based projection: the effect of a range of events on the projection tables, as a few SQL statements.

Why: a rebuild or a bulk import projected event by event spends most of its time in Python, decoding each
payload and building rows that the database could read from the payload itself. Here each projection table
is written by one INSERT ... SELECT or UPDATE ... FROM over the events of the range, reading the payloads with
the database's
JSON functions (each backend's `JsonSql`: `json_extract` and `json_each` on SQLite; on PostgreSQL `jsonb` for
values and the `json` type, whose operators keep a value's text as stored, for JSON text columns), in the
caller's transaction.

Correctness: the rows must be exactly those the per-event handlers of tracker/projections/projector.py give
for the same events applied to the same tables (tests/test_bulk_projection.py compares both on random
ledgers, and `verify` still compares the live tables with a per-event replay). Each statement mirrors one
handler rule:
- inserts (sources, questions, tags, forecasts, resolutions, and forecasters not seen before, from their first
  forecast) carry the values the handlers put in a new row;
- handlers only ever assign constants taken from one event, so a row's final value of a column is the value
  given by the LAST event of the range that assigns it (the batch merge argument of `_Batch`), and the
  updates below select that event by its position; an event before the row was inserted changes nothing
  (one by one, it was an UPDATE of a missing row), hence `position > the row's own position`;
- JSON columns hold `readable_json` text (sorted keys, ", " and ": "). Arrays of strings are rebuilt element by
  element from each element's JSON text as stored (the canonical payload writes strings as JSON itself does,
  and so do SQLite's `json_quote` and PostgreSQL's stored literal); a probabilities object has option slugs
  for keys (the domain refuses any other) and numbers for values, neither of which can hold "," or ":", so
  its readable text is its stored text with a space after each.
Upcasters change payloads when they are read, which SQL cannot see: while any is registered, `project_range`
replays the range through the per-event handlers instead.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, text

from tracker.domain import events as ev
from tracker.store import eventstore as es
from tracker.store import upcast
from tracker.store.backend import Backend, JsonSql, in_list
from tracker.store.db import backend_of

RESOLUTION_ACTIONS = {
    ev.QUESTION_RESOLVED: "resolved",
    ev.RESOLUTION_CORRECTED: "corrected",
    ev.QUESTION_ANNULLED: "annulled",
    ev.QUESTION_REOPENED: "reopened",
}
# Events that `_touch` their question (every question event but the opening).
TOUCH_TYPES = (
    ev.QUESTION_CLARIFIED,
    ev.FORECAST_RECORDED,
    ev.FORECAST_WITHDRAWN,
    ev.FORECAST_RESCALED,
    *RESOLUTION_ACTIONS,
)


RANGE = "position > :lo AND position <= :hi"  # the range's rows of a table with the events' positions
_P = ev.QUESTION_STREAM
# The question id of a question's stream (as `tracker.projections.projector` takes it).
QID = (
    f"CASE WHEN substr(e.stream_id, 1, {len(_P)}) = '{_P}' THEN substr(e.stream_id, {len(_P) + 1}) ELSE e.stream_id END"
)


# Per forecaster of the range: its first forecast's position, and that of its last forecast giving a role
# (a non-empty one: the handlers test `if d.get("role")`). One grouping serves both forecaster statements
# (it was a window over the range for the insert and a second grouping for the update). Its rows are the
# forecasts table's of the range, inserted by the statement before (each forecast's forecaster and role as
# its event gives them, which no later statement changes): from the payloads, or, `from_start` (the range
# is the whole log: a rebuild, an import into a new ledger), from the table itself, a third of the time at
# 100k but a pass over every forecast, which a small range on a large ledger must not pay (read in the table's
# order: `scanned`). `only_if`: a
# condition on the whole statement (not on a row), tested once before any row is read.
def _by_forecaster(d: JsonSql, from_start: bool, only_if: str = "") -> str:
    rows = (
        f"SELECT forecaster_id AS fid, role, position AS pos FROM {d.scanned('forecasts')} WHERE {RANGE}"
        f"{' AND ' if only_if else ''}{only_if}"
        if from_start
        else f"SELECT {d.x('forecaster_id')} AS fid, {d.x('role')} AS role, e.position AS pos "
        f"FROM {d.src([ev.FORECAST_RECORDED])}{' WHERE ' if only_if else ''}{only_if}"
    )
    return (
        "(SELECT s.fid AS fid, min(s.pos) AS pos, "
        "max(CASE WHEN s.role IS NOT NULL AND s.role <> '' THEN s.pos END) AS rpos "
        f"FROM ({rows}) AS s GROUP BY s.fid) AS t"
    )


def _after(column: str) -> str:
    """`t.column`, a position, is after the question's opening (false when it is NULL)."""
    return f"t.{column} > questions.opened_position"


def _kinds(d: JsonSql) -> tuple[str, ...]:
    return (
        f"CASE WHEN e.event_type = '{ev.QUESTION_CLARIFIED}' AND {d.present('title')} THEN e.position END",
        f"CASE WHEN e.event_type = '{ev.QUESTION_CLARIFIED}' AND {d.present('criteria')} THEN e.position END",
        f"CASE WHEN e.event_type = '{ev.QUESTION_CLARIFIED}' AND {d.present('resolve_by')} THEN e.position END",
        f"CASE WHEN e.event_type = '{ev.QUESTION_CLARIFIED}' AND {d.present('opened')} THEN e.position END",
        f"CASE WHEN e.event_type IN {in_list(tuple(RESOLUTION_ACTIONS))} THEN e.position END",
    )


_KIND_NAMES = ("title_pos", "criteria_pos", "resolve_by_pos", "opened_pos", "res_pos")


# Per question touched in the range: the position of its last event (`pos`), of its last clarification of
# each field, of its last resolution event. Joined to the questions per event, keeping those after the
# opening (an event before it changed nothing, one by one: an UPDATE of a row not there yet). `from_start`:
# the forecasts (most of the events) are read from the forecasts table just written, and the events are
# grouped by question without the join: the largest position of a kind after the opening is the largest
# of all when that one is after the opening, and none otherwise, which `after` tests (half the time at
# 100k; a pass over every forecast, so not for a range after the start).
def _touched(d: JsonSql, from_start: bool) -> str:
    if not from_start:
        grouped = ", ".join(f"max({k}) AS {n}" for k, n in zip(_kinds(d), _KIND_NAMES, strict=True))
        return (
            f"(SELECT q.question_id AS qid, max(e.position) AS pos, {grouped} "
            f"FROM {d.src(TOUCH_TYPES)} JOIN questions AS q ON q.question_id = {QID} "
            "WHERE e.position > q.opened_position GROUP BY q.question_id) AS t"
        )
    others = tuple(t for t in TOUCH_TYPES if t != ev.FORECAST_RECORDED)
    nulls = ", ".join(f"NULL AS {n}" for n in _KIND_NAMES)
    return (
        f"(SELECT g.qid AS qid, max(g.pos) AS pos, {', '.join(f'max(g.{n}) AS {n}' for n in _KIND_NAMES)} FROM ("
        f"SELECT question_id AS qid, position AS pos, {nulls} FROM forecasts WHERE {RANGE} "
        f"UNION ALL SELECT {QID}, e.position, {', '.join(_kinds(d))} FROM {d.src(others)}"
        ") AS g GROUP BY g.qid) AS t"
    )


def _statements(d: JsonSql, from_start: bool) -> list[str]:
    x = d.x
    res_types = tuple(RESOLUTION_ACTIONS)
    action = "CASE e.event_type " + " ".join(f"WHEN '{t}' THEN '{a}'" for t, a in RESOLUTION_ACTIONS.items()) + " END"
    resolved = in_list((ev.QUESTION_RESOLVED, ev.RESOLUTION_CORRECTED))
    status = (
        f"CASE WHEN e.event_type IN {resolved} THEN 'resolved' "
        f"WHEN e.event_type = '{ev.QUESTION_ANNULLED}' THEN 'annulled' ELSE 'open' END"
    )
    return [
        # sources
        "INSERT INTO sources (source_id, title, outlet, authors, published, date_basis, url, sha256, text, notes, "
        f"position) SELECT {x('source_id')}, {x('title')}, {x('outlet')}, {d.strings('authors')}, "
        f"{x('published', 'date')}, {x('date_basis')}, {x('url')}, {x('sha256')}, {x('text')}, {x('notes')}, "
        f"e.position FROM {d.src([ev.SOURCE_REGISTERED])}",
        # questions, as opened
        "INSERT INTO questions (question_id, title, criteria, kind, options, tags, opened, resolve_by, condition, "
        "status, outcome, known_on, evidence, status_reason, version, opened_position, updated_position) "
        f"SELECT {x('question_id')}, {x('title')}, {x('criteria')}, {x('kind')}, {d.strings('options')}, "
        f"{d.strings('tags')}, {x('opened', 'date')}, {x('resolve_by', 'date')}, {x('condition')}, 'open', NULL, "
        f"NULL, NULL, NULL, e.stream_version, e.position, e.position FROM {d.src([ev.QUESTION_OPENED])}",
        # question_tags
        f"INSERT INTO question_tags (question_id, tag) SELECT {x('question_id')}, t.value "
        f"FROM {d.src([ev.QUESTION_OPENED])}{d.each_string('tags')}",
        # forecasts, as recorded
        "INSERT INTO forecasts (forecast_id, question_id, forecaster_id, role, probabilities, p_yes, made_at, "
        "source_id, quote, hedge, quote_verified, method, phrase, scale_version, reading, p_low, p_high, withdrawn, "
        "withdrawn_reason, position, updated_position) "
        f"SELECT {x('forecast_id')}, {QID}, {x('forecaster_id')}, {x('role')}, {d.probabilities('probabilities')}, "
        f"{d.p_yes()}, {x('made_at', 'date')}, {x('source_id')}, {x('quote')}, {x('hedge')}, "
        f"{x('quote_verified', 'bool')}, {d.method()}, {x('derivation.phrase')}, "
        f"{x('derivation.scale_version', 'int')}, {x('derivation.reading')}, {x('derivation.p_low', 'real')}, "
        f"{x('derivation.p_high', 'real')}, {d.false()}, NULL, e.position, e.position "
        f"FROM {d.src([ev.FORECAST_RECORDED])}",
        # a forecast's role, when given, becomes its forecaster's (the last one given wins): here for the
        # forecasters there were before the range, before the insert below adds those first seen in it (which
        # take that role when they are inserted); nothing to do, and no pass over the range, when there were none
        # (a rebuild, an import into a new ledger)
        f"UPDATE forecasters SET role = (SELECT {x('role')} FROM {d.at('t.rpos')}) "
        f"FROM {_by_forecaster(d, from_start, 'EXISTS (SELECT 1 FROM forecasters)')} "
        "WHERE t.rpos IS NOT NULL AND forecasters.forecaster_id = t.fid",
        # forecasters first seen in the range: from their first forecast (its name, and its role as given unless
        # a later forecast of the range gives one)
        "INSERT INTO forecasters (forecaster_id, name, role, first_position) "
        f"SELECT t.fid, (SELECT {x('forecaster')} FROM {d.at('t.pos')}), "
        f"(SELECT {x('role')} FROM {d.at('coalesce(t.rpos, t.pos)')}), t.pos FROM {_by_forecaster(d, from_start)} "
        "WHERE NOT EXISTS (SELECT 1 FROM forecasters AS f WHERE f.forecaster_id = t.fid)",
        # withdrawals and rescales of forecasts recorded before them
        "UPDATE forecasts SET updated_position = t.pos, "
        f"withdrawn = CASE WHEN t.w_pos IS NULL THEN withdrawn ELSE {d.true()} END, "
        "withdrawn_reason = CASE WHEN t.w_pos IS NULL THEN withdrawn_reason "
        f"ELSE (SELECT {x('reason')} FROM {d.at('t.w_pos')}) END, "
        "probabilities = CASE WHEN t.r_pos IS NULL THEN probabilities "
        f"ELSE (SELECT {d.probabilities('probabilities')} FROM {d.at('t.r_pos')}) END, "
        "p_yes = CASE WHEN t.r_pos IS NULL THEN p_yes "
        f"ELSE (SELECT {x('probabilities.yes', 'real')} FROM {d.at('t.r_pos')}) END, "
        "scale_version = CASE WHEN t.r_pos IS NULL THEN scale_version "
        f"ELSE (SELECT {x('scale_version', 'int')} FROM {d.at('t.r_pos')}) END, "
        "p_low = CASE WHEN t.r_pos IS NULL THEN p_low "
        f"ELSE (SELECT {x('p_low', 'real')} FROM {d.at('t.r_pos')}) END, "
        "p_high = CASE WHEN t.r_pos IS NULL THEN p_high "
        f"ELSE (SELECT {x('p_high', 'real')} FROM {d.at('t.r_pos')}) END "
        "FROM (SELECT f.forecast_id AS fid, max(e.position) AS pos, "
        f"max(CASE WHEN e.event_type = '{ev.FORECAST_WITHDRAWN}' THEN e.position END) AS w_pos, "
        f"max(CASE WHEN e.event_type = '{ev.FORECAST_RESCALED}' THEN e.position END) AS r_pos "
        f"FROM {d.src([ev.FORECAST_WITHDRAWN, ev.FORECAST_RESCALED])} "
        f"JOIN forecasts AS f ON f.forecast_id = {x('forecast_id')} WHERE e.position > f.position "
        "GROUP BY f.forecast_id) AS t WHERE forecasts.forecast_id = t.fid",
        # resolutions
        "INSERT INTO resolutions (position, question_id, action, outcome, known_on, evidence, reason, actor, "
        f"recorded_at) SELECT e.position, {QID}, {action}, {x('outcome')}, "
        f"CASE WHEN e.event_type IN {resolved} THEN {x('known_on', 'date')} ELSE {x('on', 'date')} END, "
        f"{x('evidence')}, {x('reason')}, e.actor, e.recorded_at FROM {d.src(res_types)}",
        # every later question event: the question's version and position; clarifications; its status. `t` gives
        # per question the position of its last event of each kind after its opening (see `touched`); the
        # version is that of the last of them, as the handlers write each event's version in turn.
        "UPDATE questions SET updated_position = t.pos, "
        "version = (SELECT v.stream_version FROM events AS v WHERE v.position = t.pos), "
        f"title = CASE WHEN {_after('title_pos')} THEN (SELECT {x('title')} FROM {d.at('t.title_pos')}) "
        "ELSE title END, "
        f"criteria = CASE WHEN {_after('criteria_pos')} THEN (SELECT {x('criteria')} "
        f"FROM {d.at('t.criteria_pos')}) ELSE criteria END, "
        f"resolve_by = CASE WHEN {_after('resolve_by_pos')} THEN (SELECT {x('resolve_by', 'date')} "
        f"FROM {d.at('t.resolve_by_pos')}) ELSE resolve_by END, "
        f"opened = CASE WHEN {_after('opened_pos')} THEN (SELECT {x('opened', 'date')} "
        f"FROM {d.at('t.opened_pos')}) ELSE opened END, "
        f"status = CASE WHEN {_after('res_pos')} THEN (SELECT {status} FROM {d.at('t.res_pos')}) ELSE status END, "
        f"outcome = CASE WHEN {_after('res_pos')} THEN (SELECT CASE WHEN e.event_type IN {resolved} "
        f"THEN {x('outcome')} END FROM {d.at('t.res_pos')}) ELSE outcome END, "
        f"known_on = CASE WHEN {_after('res_pos')} THEN (SELECT CASE WHEN e.event_type IN {resolved} "
        f"THEN {x('known_on', 'date')} END FROM {d.at('t.res_pos')}) ELSE known_on END, "
        f"evidence = CASE WHEN {_after('res_pos')} THEN (SELECT CASE WHEN e.event_type IN {resolved} "
        f"THEN {x('evidence')} END FROM {d.at('t.res_pos')}) ELSE evidence END, "
        f"status_reason = CASE WHEN {_after('res_pos')} THEN (SELECT {x('reason')} FROM {d.at('t.res_pos')}) "
        "ELSE status_reason END "
        f"FROM {_touched(d, from_start)} WHERE questions.question_id = t.qid AND {_after('pos')}",
    ]


_CACHE: dict[tuple[str, bool], list[str]] = {}


def statements(backend: Backend, from_start: bool = False) -> list[str]:
    """The statements for a backend, built once; `from_start`: for a range that begins at the log's start."""
    key = (backend.name, from_start)
    if key not in _CACHE:
        _CACHE[key] = _statements(backend.json, from_start)
    return _CACHE[key]


def project_range(conn: Connection, after: int, through: int) -> None:
    """Apply the events at positions after..through to the projection tables, as `project` would have applied
    them one by one, in the caller's transaction."""
    if through <= after:
        return
    if upcast.active():
        from tracker.projections.projector import replay

        replay(conn, es.read(conn, after=after, up_to=through))
        return
    for sql in statements(backend_of(conn), from_start=after == 0):
        conn.execute(text(sql), {"lo": after, "hi": through})


def rebuild(conn: Connection, progress: Callable[[int, int], None] | None = None) -> int:
    """Empty the projections and fill them again from the whole log, set-based; how many events there are."""
    from tracker.projections.projector import clear

    position, _ = es.head(conn)
    total = es.count(conn)
    if progress is not None:
        progress(0, total)
    clear(conn)
    project_range(conn, 0, position)
    if progress is not None:
        progress(total, total)
    return total
