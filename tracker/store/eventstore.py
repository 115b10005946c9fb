"""The append-only event store (SQLAlchemy Core).

Guarantees, each tested by the contract suite on SQLite and PostgreSQL:
- positions are global, gap-free and commit in order (appends hold the single-writer lock);
- stream versions are unique and gap-free (optimistic concurrency: a stale expected version is a
  `ConflictError` and nothing is written);
- an event id already present makes its batch a no-op (idempotent re-append);
- a batch is atomic;
- every row carries a SHA-256 hash of its canonical content and of the previous row's hash;
- the database refuses UPDATE and DELETE on the table (triggers, created by the migrations).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from sqlalchemy import Connection, Dialect, select, type_coerce
from sqlalchemy.types import NullType

from tracker import collector
from tracker.domain import timepoints
from tracker.domain.events import Event
from tracker.errors import ConflictError
from tracker.store import merkletree
from tracker.store.db import backend_of
from tracker.store.dbapi import placeholder, run
from tracker.store.driver import IN_CHUNK, chunks, insert_tuples, present_keys, utc_reader
from tracker.store.ids import uuid7
from tracker.store.jsontext import canonical_json
from tracker.store.jsontext import iso_utc as iso_utc
from tracker.store.loghead import GENESIS_HASH as GENESIS_HASH
from tracker.store.loghead import count as count
from tracker.store.loghead import head as head
from tracker.store.schema import UTCDateTime, events
from tracker.store.upcast import upcast

ANY_VERSION = None  # expected version meaning "do not check"
MAX_POSITION = 2**63 - 1  # positions are BIGINT


class RecordedEvent(NamedTuple):
    """An event as stored. A NamedTuple, immutable like a frozen dataclass but built several times faster: a
    rebuild makes one per event."""

    position: int
    event_id: str
    stream_id: str
    stream_version: int
    event_type: str
    schema_version: int
    data: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    prev_hash: str
    hash: str


# The text hashed for a row is canonical_json of a dict of its ten fields (sorted keys, no spaces, strings as
# JSON writes them with ensure_ascii=False). It is written out here field by field rather than by building the
# dict and encoding it, because that encoding escaped the whole payload text a second time and was the largest
# cost of an append after the database (profiled). The result must stay the same string, or every stored hash
# would stop verifying: `_js` is the function JSONEncoder itself uses for strings with ensure_ascii=False, the
# ints are written as JSON writes ints, and tests/test_driver.py compares the two for random rows.
_js = encode_basestring
_CONTENT = (
    '{"actor":%s,"event_id":%s,"event_type":%s,"occurred_at":"%s","payload":%s,"position":%s,'
    '"recorded_at":"%s","schema_version":%s,"stream_id":%s,"stream_version":%s}'
)


_sha256 = hashlib.sha256


def _shared_content(actor: str, recorded: str) -> str:
    """`_CONTENT` with the fields every row of one append shares (actor, recorded time) written in, and the others
    left as slots for `_chain_many`: event id, type, occurred time, payload, position (an int), schema version (its
    text), stream id, stream version (an int). The fields written in have their `%` doubled, so that the second
    formatting gives them back as they were. The text is `_hash_of`'s, compared with the canonical-JSON definition
    on random rows by tests/test_driver.py."""
    a, r = _js(actor).replace("%", "%%"), recorded.replace("%", "%%")
    return _CONTENT % (a, "%s", "%s", "%s", "%s", "%d", r, "%s", "%s", "%d")


def chain_hash(row: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the row's canonical content (payload as stored text)."""
    return _hash(row, iso_utc(row["occurred_at"]), iso_utc(row["recorded_at"]))


def _hash(row: dict[str, Any], occurred: str, recorded: str) -> str:
    return _hash_of(
        row["prev_hash"],
        row["actor"],
        row["event_id"],
        row["event_type"],
        occurred,
        row["payload"],
        row["position"],
        recorded,
        row["schema_version"],
        row["stream_id"],
        row["stream_version"],
    )


def _hash_of(
    prev_hash: str,
    actor: str,
    event_id: str,
    event_type: str,
    occurred: str,
    payload: str,
    position: int,
    recorded: str,
    schema_version: int,
    stream_id: str,
    stream_version: int,
) -> str:
    """`chain_hash` of a row given field by field (the fields in the order they are written)."""
    content = _CONTENT % (
        _js(actor),
        _js(event_id),
        _js(event_type),
        occurred,
        _js(payload),
        int.__repr__(position),
        recorded,
        int.__repr__(schema_version),
        _js(stream_id),
        int.__repr__(stream_version),
    )
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def chain_hash_reference(row: dict[str, Any]) -> str:
    """`chain_hash` by its definition (build the dict, encode it canonically): what the tests compare it with."""
    return hashlib.sha256(chain_text(row).encode("utf-8")).hexdigest()


def chain_text(row: dict[str, Any]) -> str:
    """The text whose SHA-256 is the row's chain hash: the previous hash, then the canonical content. A proof
    of the event carries it (tracker.app.proofs), so a reader recomputes the hash without the ledger."""
    content = canonical_json(
        {
            "position": row["position"],
            "event_id": row["event_id"],
            "stream_id": row["stream_id"],
            "stream_version": row["stream_version"],
            "event_type": row["event_type"],
            "schema_version": row["schema_version"],
            "payload": row["payload"],
            "occurred_at": iso_utc(row["occurred_at"]),
            "recorded_at": iso_utc(row["recorded_at"]),
            "actor": row["actor"],
        }
    )
    return row["prev_hash"] + content


def stream_version(conn: Connection, stream_id: str) -> int:
    return _tip(conn, stream_id)[0]


def _tip(conn: Connection, stream_id: str) -> tuple[int, int, str]:
    """(the stream's version, the head's position, the head's hash) in one statement: what `append` checks
    and chains on (two statements through SQLAlchemy cost a fifth of a one-event append)."""
    mark = placeholder(conn.dialect)
    sql = _TIP_SQL.get(mark)
    if sql is None:
        sql = _TIP_SQL[mark] = (
            f"SELECT (SELECT max(stream_version) FROM events WHERE stream_id = {mark}), position, hash "
            "FROM events ORDER BY position DESC LIMIT 1"
        )
    rows = run(conn, sql, (stream_id,))
    if not rows:
        return 0, 0, GENESIS_HASH
    version, position, hash_ = rows[0]
    return int(version or 0), int(position), str(hash_)


_TIP_SQL: dict[str, str] = {}


Projector = Callable[[Connection, Sequence[RecordedEvent]], None]
RangeProjector = Callable[[Connection, int, int], None]  # (conn, after position, through position)


def append(
    conn: Connection,
    stream_id: str,
    new_events: Sequence[Event],
    expected_version: int | None,
    actor: str,
    project: Projector | None = None,
    now: datetime | None = None,
) -> list[RecordedEvent]:
    """Append a batch to one stream inside the caller's write transaction (see db.write_transaction).

    `expected_version` is the stream version the caller decided on (0 for a new stream), or
    ANY_VERSION. Returns the recorded events; an empty list when every event id was already there.
    `project` runs in the same transaction, so projections never lag the log.
    """
    if not new_events:
        return []
    ids = [e.event_id for e in new_events if e.event_id is not None]
    present: set[str] = set()
    if ids:
        present = present_keys(conn, events.c.event_id, ids)
    if already_there(present, new_events):
        return []
    current, position, prev = _tip(conn, stream_id)
    _check_version(stream_id, current, expected_version)
    rows: list[EventRow] = []
    out: list[RecordedEvent] = []
    _chain(
        rows,
        out,
        stream_id,
        new_events,
        current,
        position,
        prev,
        now or timepoints.utc_now(),
        actor,
        time_texts(conn.dialect),
    )
    insert_tuples(conn, events, rows)
    merkletree.extend(conn, position + 1, prev, [r[-1] for r in rows])
    if project is not None:
        project(conn, out)
    return out


def already_there(present: set[str], new_events: Sequence[Event]) -> bool:
    """True when the whole batch is in the log (idempotent re-append); a conflict when only part of it is, or
    when the batch names one id twice."""
    ids = [e.event_id for e in new_events if e.event_id is not None]
    if len(set(ids)) != len(ids):
        raise ConflictError("the batch gives the same event id twice; nothing written", "event_id")
    if not present:
        return False
    if len(present) == len(new_events):
        return True
    raise ConflictError(
        f"{len(present)} of {len(new_events)} events of this batch are already in the ledger; nothing written",
        "event_id",
    )


def _check_version(stream_id: str, current: int, expected_version: int | None) -> None:
    if expected_version is not ANY_VERSION and current != expected_version:
        raise ConflictError(
            f"{stream_id!r} changed since it was read (it is at version {current}, not {expected_version}); "
            "nothing was written: read it again and retry",
            "stream",
        )


# The events table's columns in the order `_chain` writes its tuples (checked against the schema below).
EVENT_COLUMNS = (
    "position",
    "event_id",
    "stream_id",
    "stream_version",
    "event_type",
    "schema_version",
    "payload",
    "occurred_at",
    "recorded_at",
    "actor",
    "prev_hash",
    "hash",
)
if tuple(c.name for c in events.columns) != EVENT_COLUMNS:  # pragma: no cover - a schema change must update both
    raise RuntimeError("tracker.store.eventstore.EVENT_COLUMNS no longer follows the events table")

EventRow = tuple[int, str, str, int, str, int, str, Any, Any, str, str, str]


def _chain(
    rows: list[EventRow],
    out: list[RecordedEvent] | None,
    stream_id: str,
    new_events: Sequence[Event],
    current: int,
    position: int,
    prev: str,
    recorded_at: datetime,
    actor: str,
    times: Callable[[datetime], tuple[str, Any]],
) -> tuple[int, str]:
    """`_chain_many` of one stream's batch after its version `current`."""
    return _chain_many(rows, out, [(stream_id, new_events, current)], position, prev, recorded_at, actor, times)


Planned = tuple[str, Sequence[Event], int]  # a stream's batch to write, and the stream's version before it


def _chain_many(
    rows: list[EventRow],
    out: list[RecordedEvent] | None,
    plan: Sequence[Planned],
    position: int,
    prev: str,
    recorded_at: datetime,
    actor: str,
    times: Callable[[datetime], tuple[str, Any]],
) -> tuple[int, str]:
    """Rows for the planned batches, in order, after (position, prev hash), added to `rows` and (unless None: a bulk
    write that neither projects per event nor returns them) `out`; the new head.

    Each row is the tuple the driver inserts (EVENT_COLUMNS' order), its times already as stored: `times`
    (`time_texts(dialect)`) formats each time once for both the hash and the row. tests/test_driver.py checks the
    rows equal those of SQLAlchemy's insert of the old dicts, and the hashes the canonical-JSON definition.

    Field by field over a whole chunk of batches (a list comprehension per field, the hashes in one loop, the rows
    zipped), not event by event: only the hash depends on the row before, and a loop that made each row in turn
    spent about a third of the chain's CPU in its own steps (BENCHMARKS.md, sixth round)."""
    evs: list[Event] = []
    streams: list[str] = []
    versions: list[int] = []
    for stream_id, batch, current in plan:
        evs.extend(batch)
        streams.extend(repeat(stream_id, len(batch)))
        versions.extend(range(current + 1, current + 1 + len(batch)))
    n = len(evs)
    if not n:
        return position, prev
    recorded, recorded_value = times(recorded_at)
    content = _shared_content(actor, recorded)
    quoted = {s: _js(s) for s, _, _ in plan}
    positions = range(position + 1, position + 1 + n)
    ids = [e.event_id or uuid7() for e in evs]
    types = [e.type for e in evs]
    schemas = [e.schema_version for e in evs]
    payloads = [canonical_json(e.data) for e in evs]
    occurred = [times(e.occurred_at) for e in evs]
    texts = [
        content % (_js(i), _js(t), o[0], _js(p), pos, int.__repr__(sv), quoted[s], v)
        for i, t, o, p, pos, sv, s, v in zip(
            ids, types, occurred, payloads, positions, schemas, streams, versions, strict=True
        )
    ]
    prevs = [prev]
    for text in texts:
        prev = _sha256((prev + text).encode("utf-8")).hexdigest()
        prevs.append(prev)
    hashes = prevs[1:]
    del prevs[-1]
    rows.extend(
        zip(
            positions,
            ids,
            streams,
            versions,
            types,
            schemas,
            payloads,
            [o[1] for o in occurred],
            repeat(recorded_value, n),
            repeat(actor, n),
            prevs,
            hashes,
            strict=False,  # the repeats are endless
        )
    )
    if out is not None:
        # Upcast here too: the events handed to `project` at append time must have the shape a later read
        # (or rebuild) gives, or an old-shape event appended today (an import) would be projected
        # differently by the append and by a rebuild.
        for e, pos, i, s, v, p, h in zip(evs, positions, ids, streams, versions, prevs, hashes, strict=True):
            event_type, schema_version, data = upcast(e.type, e.schema_version, e.data)
            out.append(
                RecordedEvent(pos, i, s, v, event_type, schema_version, data, e.occurred_at, recorded_at, actor, p, h)
            )
    return position + n, prev


def time_texts(dialect: Dialect) -> Callable[[datetime], tuple[str, Any]]:
    """A time -> (its text in the hash, its value as the driver stores it in a `UTCDateTime` column), with a
    bounded memo shared by the calls of one backend (see each backend's `time_texts`). The stored value is what
    the driver-level insert stores (tracker.store.driver), and a naive datetime is refused as there."""
    return backend_of(dialect).time_texts


WRITE_CHUNK = 5000  # events per INSERT executemany and per `project` call in append_many

Batch = tuple[str, Sequence[Event], "int | None"]


@dataclass(frozen=True)
class Appended:
    """What `append_stream` wrote: how many events, and the head after them."""

    count: int
    head_position: int
    head_hash: str


def append_many(
    conn: Connection,
    batches: Iterable[Batch],
    actor: str,
    project: Projector | None = None,
    now: datetime | None = None,
) -> list[RecordedEvent]:
    """Several streams' batches in one transaction (imports): all of them or none; the recorded events.

    `append_stream` without holding on to what it wrote: the same writes, and the events kept for the caller.
    """
    out: list[RecordedEvent] = []
    append_stream(conn, batches, actor, project, now, on_chunk=out.extend)
    return out


def append_stream(
    conn: Connection,
    batches: Iterable[Batch],
    actor: str,
    project: Projector | None = None,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    on_chunk: Callable[[list[RecordedEvent]], None] | None = None,
    project_range: RangeProjector | None = None,
) -> Appended:
    """Several streams' batches, read as they come, in the caller's one write transaction: all or none.

    The result is that of appending the batches one after the other with `append`, but the batches are taken
    in chunks of about WRITE_CHUNK events, and the store is asked once per chunk (ids already present, the
    versions of streams not seen yet) instead of three queries per batch; rows are inserted by the thousand
    and `project` gets a chunk per call. Memory stays bounded by a chunk and one version per stream, however
    many events come (nothing is kept unless `on_chunk` keeps it). This holds because what a batch's checks
    read is known before its chunk is written: the ids present (earlier chunks are in the table already, in
    this transaction; a chunk in which an event id appears twice falls back to `append` batch by batch), and
    each stream's version, kept up to date here as its batches are chained (a stream may come back in a later
    batch, as in an import: one command after the other); and because `project` gives the same tables however
    the events are split into calls (tests/test_projector.py). `progress` gets the number of events written
    so far after each chunk.

    With `project_range` (tracker.projections.bulk.project_range), the events are written without `project`
    and the projections are brought up to date once at the end, set-based, over the positions written, in the
    same transaction: nothing between reads the projection tables, so no reader can tell the difference.
    """
    # The collector paused: a bulk append makes a few objects per event, none in a cycle, while the caller holds
    # every event it appends; the collector's passes walked them all again, about a tenth of the chain's CPU at
    # 100k events (BENCHMARKS.md).
    with backend_of(conn).bulk_writing(conn), collector.paused():
        if project_range is not None:
            start = head(conn)[0]
            written = _append_stream(conn, batches, actor, None, now, progress, on_chunk)
            project_range(conn, start, written.head_position)
            return written
        return _append_stream(conn, batches, actor, project, now, progress, on_chunk)


def _append_stream(
    conn: Connection,
    batches: Iterable[Batch],
    actor: str,
    project: Projector | None,
    now: datetime | None,
    progress: Callable[[int], None] | None,
    on_chunk: Callable[[list[RecordedEvent]], None] | None,
) -> Appended:
    state = _StreamState(conn, actor, project, now or timepoints.utc_now(), on_chunk)
    chunk: list[Batch] = []
    size = 0
    for batch in batches:
        if not batch[1]:
            continue
        chunk.append(batch)
        size += len(batch[1])
        if size >= WRITE_CHUNK:
            state.write(chunk)
            chunk, size = [], 0
            if progress is not None:
                progress(state.count)
    if chunk:
        state.write(chunk)
    if progress is not None:
        progress(state.count)
    return Appended(state.count, *state.tip())


class _StreamState:
    """`append_stream`'s running state: the head and the versions of the streams seen so far."""

    def __init__(
        self,
        conn: Connection,
        actor: str,
        project: Projector | None,
        recorded_at: datetime,
        on_chunk: Callable[[list[RecordedEvent]], None] | None,
    ) -> None:
        self.conn, self.actor, self.project, self.recorded_at, self.on_chunk = (
            conn,
            actor,
            project,
            recorded_at,
            on_chunk,
        )
        self.versions: dict[str, int] = {}
        self.head: tuple[int, str] | None = None  # read on the first chunk that needs it
        self.count = 0

    def tip(self) -> tuple[int, str]:
        if self.head is None:
            self.head = head(self.conn)
        return self.head

    def write(self, chunk: list[Batch]) -> None:
        conn = self.conn
        ids = [e.event_id for _, evs, _ in chunk for e in evs if e.event_id is not None]
        if len(set(ids)) != len(ids):
            self._one_by_one(chunk)
            return
        present = present_keys(conn, events.c.event_id, ids)
        unknown = list(dict.fromkeys(s for s, _, _ in chunk if s not in self.versions))
        for part in chunks(unknown, IN_CHUNK):
            found = dict(run(conn, _versions_sql(conn, len(part)), tuple(part)))
            self.versions.update((s, int(found.get(s) or 0)) for s in part)
        position, prev = first = self.tip()
        rows: list[EventRow] = []
        times = time_texts(conn.dialect)
        keep = self.project is not None or self.on_chunk is not None
        out: list[RecordedEvent] | None = [] if keep else None
        plan: list[Planned] = []
        for stream_id, evs, expected in chunk:
            # With no id of the chunk present, no batch is already there (and none names an id twice: the chunk's
            # ids are distinct, checked above), so `already_there` need not walk each batch: the usual import.
            if present and already_there({e.event_id for e in evs if e.event_id in present}, evs):
                continue
            current = self.versions[stream_id]
            _check_version(stream_id, current, expected)
            plan.append((stream_id, evs, current))
            self.versions[stream_id] = current + len(evs)
        position, prev = _chain_many(rows, out, plan, position, prev, self.recorded_at, self.actor, times)
        insert_tuples(conn, events, rows)
        merkletree.extend(conn, first[0] + 1, first[1], [r[-1] for r in rows])
        self.head = (position, prev)
        self.count += len(rows)
        if out is not None:
            if self.project is not None:
                self.project(conn, out)
            if self.on_chunk is not None:
                self.on_chunk(out)

    def _one_by_one(self, chunk: list[Batch]) -> None:
        out: list[RecordedEvent] = []
        for stream_id, evs, expected in chunk:
            out.extend(append(self.conn, stream_id, evs, expected, self.actor, self.project, self.recorded_at))
            self.versions.pop(stream_id, None)  # `append` moved it: read it again when it comes back
        self.head = None
        self.count += len(out)
        if self.on_chunk is not None:
            self.on_chunk(out)


_VERSIONS_SQL: dict[tuple[str, int], str] = {}


def _versions_sql(conn: Connection, n: int) -> str:
    """(stream, its version) of n streams, for those that have events."""
    mark = placeholder(conn.dialect)
    key = (mark, n)
    sql = _VERSIONS_SQL.get(key)
    if sql is None:
        marks = ", ".join([mark] * n)
        sql = _VERSIONS_SQL[key] = (
            f"SELECT stream_id, max(stream_version) FROM events WHERE stream_id IN ({marks}) GROUP BY stream_id"
        )
    return sql


def read(
    conn: Connection,
    after: int = 0,
    stream_id: str | None = None,
    types: Sequence[str] | None = None,
    up_to: int | None = None,
    recorded_until: datetime | None = None,
    limit: int | None = None,
    batch: int = 5000,
) -> Iterator[RecordedEvent]:
    """Events in position order, upcast to their current shape. Reads in batches by position."""
    # Positions are 64-bit: a bound beyond that (`--after 99999999999999999999`) must mean "nothing
    # after it" / "everything up to it", not overflow the driver (SQLite raised OverflowError).
    if after >= MAX_POSITION or (limit is not None and limit <= 0):
        return
    if up_to is not None:
        up_to = min(up_to, MAX_POSITION)
    cursor = after
    remaining = limit
    utc = utc_reader(conn.dialect)
    while True:
        q = select(*_UNPROCESSED).where(events.c.position > cursor).order_by(events.c.position)
        if stream_id is not None:
            q = q.where(events.c.stream_id == stream_id)
        if types:
            q = q.where(events.c.event_type.in_(list(types)))
        if up_to is not None:
            q = q.where(events.c.position <= up_to)
        if recorded_until is not None:
            q = q.where(events.c.recorded_at <= recorded_until)
        size = batch if remaining is None else min(batch, remaining)
        rows = conn.execute(q.limit(size)).all()
        for r in rows:
            yield _from_row(r, utc)
        if remaining is not None:
            remaining -= len(rows)
            if remaining <= 0:
                return
        if len(rows) < size:
            return
        cursor = rows[-1][0]


def read_stream(conn: Connection, stream_id: str, batch: int = 5000) -> Iterator[RecordedEvent]:
    """One stream's events in order, upcast: `read(conn, stream_id=...)` by a statement made once per dialect and
    run on the DBAPI cursor (`run`). A command reads its stream before every append, and building and
    executing the select through SQLAlchemy cost about as much as the append's own statements (profiled)."""
    mark = placeholder(conn.dialect)
    sql = _STREAM_SQL.get(mark)
    if sql is None:
        sql = _STREAM_SQL[mark] = (
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE stream_id = {mark} AND position > {mark} "
            f"ORDER BY position LIMIT {mark}"
        )
    utc = utc_reader(conn.dialect)
    after = 0
    while True:
        rows = run(conn, sql, (stream_id, after, batch))
        for r in rows:
            yield _from_row(r, utc)
        if len(rows) < batch:
            return
        after = rows[-1][0]


_STREAM_SQL: dict[str, str] = {}


def read_streams(conn: Connection, stream_ids: Iterable[str]) -> Iterator[RecordedEvent]:
    """The events of several streams, upcast, in position order within each IN_CHUNK streams at a time (so
    each stream's events come in its order): one query per chunk instead of one per stream."""
    utc = utc_reader(conn.dialect)
    for chunk in chunks(sorted(set(stream_ids)), IN_CHUNK):
        q = select(*_UNPROCESSED).where(events.c.stream_id.in_(chunk)).order_by(events.c.position)
        for r in conn.execute(q):
            yield _from_row(r, utc)


# The events' columns with the two times selected as the driver returns them: SQLAlchemy's result processing
# of them (a regex on SQLite, then UTCDateTime's) cost a third of reading an event; `utc_reader` does the same
# conversion in one call (tests/test_driver.py compares them).
_UNPROCESSED = [type_coerce(c, NullType()).label(c.name) if isinstance(c.type, UTCDateTime) else c for c in events.c]


def _from_row(r: Any, utc: Callable[[Any], Any]) -> RecordedEvent:
    """`_recorded` of a result row of select(*_UNPROCESSED), by column position (a rebuild reads every event:
    building a dict per row first cost about as much as the rest of reading)."""
    position, event_id, stream_id, stream_version, event_type, schema_version, payload, occ, rec, actor, prev, h = r
    event_type, version, data = upcast(event_type, schema_version, json.loads(payload))
    return RecordedEvent(
        position, event_id, stream_id, stream_version, event_type, version, data, utc(occ), utc(rec), actor, prev, h
    )


def raw_rows(conn: Connection, after: int = 0, batch: int = 5000, up_to: int | None = None) -> Iterator[dict[str, Any]]:
    """Stored rows as they are (no upcasting): what the hash chain covers."""
    cursor = after
    while True:
        q = select(events).where(events.c.position > cursor)
        if up_to is not None:
            q = q.where(events.c.position <= up_to)
        rows = conn.execute(q.order_by(events.c.position).limit(batch)).mappings().all()
        yield from (dict(r) for r in rows)
        if len(rows) < batch:
            return
        cursor = rows[-1]["position"]


def positions_and_hashes(conn: Connection, batch: int = 20_000) -> Iterator[tuple[int, str]]:
    """(position, stored hash) of every event in position order: the Merkle log's leaves, without the rows."""
    cursor = 0
    while True:
        q = select(events.c.position, events.c.hash).where(events.c.position > cursor)
        rows = conn.execute(q.order_by(events.c.position).limit(batch)).all()
        yield from ((int(p), str(h)) for p, h in rows)
        if len(rows) < batch:
            return
        cursor = int(rows[-1][0])


def raw_rows_at(conn: Connection, positions: Sequence[int], batch: int = 500) -> Iterator[dict[str, Any]]:
    """The stored rows at these positions (those there are), in position order, a batch of positions a query."""
    wanted = sorted(set(positions))
    for i in range(0, len(wanted), batch):
        q = select(events).where(events.c.position.in_(wanted[i : i + batch])).order_by(events.c.position)
        yield from (dict(r) for r in conn.execute(q).mappings())


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    head_position: int
    head_hash: str
    first_bad_position: int | None = None
    problem: str | None = None
    gap: bool = False  # the first bad position is missing (not a row that does not fit)


def verify_chain(
    conn: Connection,
    up_to: int | None = None,
    on_hash: Callable[[str], None] | None = None,
    since: tuple[int, str] = (0, GENESIS_HASH),
) -> ChainReport:
    """Recompute every hash from the start (through `up_to`); name the first position whose row does not fit the
    chain. `on_hash` receives each verified hash in position order (the Merkle log's leaves: store.merklelog).
    ``since`` (position, hash): start after that position, from that hash, instead of from genesis (the caller has
    checked the chain up to there and that its head is still stored: `verify_since`)."""
    return check_chain(raw_rows(conn, after=since[0], up_to=up_to), on_hash, since)


def check_chain(
    rows: Iterable[dict[str, Any]],
    on_hash: Callable[[str], None] | None = None,
    since: tuple[int, str] = (0, GENESIS_HASH),
) -> ChainReport:
    """The hash chain of ``rows`` (an event's stored fields each, in position order, wherever they were read
    from: the database, or an exported bundle's events table): positions gap-free after ``since``'s, each row's
    previous-hash the hash before it, and its content hashing to its hash. The first row that does not fit is
    named; `on_hash` receives each verified hash in order."""
    prev, expected_position, n = since[1], since[0] + 1, 0
    for row in rows:
        pos = row["position"]
        if pos != expected_position:
            missing = f"position {expected_position} is missing"
            return ChainReport(False, n, pos, prev, expected_position, missing, gap=True)
        if row["prev_hash"] != prev:
            return ChainReport(False, n, pos, prev, pos, "its previous-hash does not match the event before it")
        if chain_hash(row) != row["hash"]:
            return ChainReport(False, n, pos, prev, pos, "its content does not match its hash")
        if on_hash is not None:
            on_hash(row["hash"])
        prev, expected_position, n = row["hash"], pos + 1, n + 1
    return ChainReport(True, n, expected_position - 1, prev)


def verify_since(conn: Connection, position: int, hash_: str) -> ChainReport:
    """The chain checked only where it is new: the event at ``position`` still has the hash ``hash_`` (a head
    verified before), and every event after it fits the chain from there. What it does not see is an event before
    ``position`` edited while the stored hashes were left alone: `verify_chain` (from genesis) catches that."""
    if position > 0:
        stored = (
            conn.execute(select(events.c.hash).where(events.c.position == position)).scalar()
            if position <= MAX_POSITION
            else None  # (no database holds it, and its driver would not take it)
        )
        if stored is None:
            at, head_hash = head(conn)
            return ChainReport(
                False, 0, at, head_hash, position, f"position {position}, verified before, is no longer in the ledger"
            )
        if stored != hash_:
            return ChainReport(
                False,
                0,
                position,
                hash_,
                position,
                f"the hash stored at position {position} is not the one verified before: history was rewritten",
            )
    return verify_chain(conn, since=(position, hash_))


# ----------------------------------------------------------------------------------------------- anchors
# A hash chain proves integrity only against a head kept somewhere else: whoever can edit the table can
# also recompute every hash after the edit. An anchor is that head, written "POSITION:HASH" (`tracker
# verify --anchor` prints it); `verify_anchor` proves the ledger still extends it.

_ANCHOR_HASH_LEN = 64


def format_anchor(position: int, hash_: str) -> str:
    return f"{position}:{hash_}"


def parse_anchor(text: str) -> tuple[int, str]:
    """ "POSITION:HASH" -> (position, hash); ValueError naming what is wrong."""
    raw = text.strip()
    position, sep, hash_ = raw.partition(":")
    if not sep:
        raise ValueError(f"{text!r} is not an anchor: write POSITION:HASH (as printed by 'tracker verify --anchor')")
    if not position.isascii() or not position.isdigit() or int(position) > MAX_POSITION:
        raise ValueError(f"{position!r} is not a position (a whole number from 0)")
    hash_ = hash_.lower()
    if len(hash_) != _ANCHOR_HASH_LEN or any(ch not in "0123456789abcdef" for ch in hash_):
        raise ValueError(f"{hash_!r} is not a SHA-256 hash (64 hexadecimal digits)")
    return int(position), hash_


@dataclass(frozen=True)
class AnchorReport:
    ok: bool
    position: int
    hash: str
    problem: str | None = None


def verify_anchor(conn: Connection, position: int, hash_: str) -> AnchorReport:
    """Does the ledger still extend the anchor (position, hash)?

    Two checks, both needed: the hash stored at `position` is the anchor's, AND recomputing the chain from
    genesis through `position` (each row hashed on the recomputed hash before it, not on its stored
    prev_hash) arrives at it. The first catches history rewritten and rehashed after the anchor was taken;
    the second catches rows before it edited while the stored hash at `position` was left alone.
    """
    anchor = format_anchor(position, hash_)
    if position == 0:
        ok = hash_ == GENESIS_HASH
        return AnchorReport(ok, position, hash_, None if ok else f"position 0 is the genesis hash, not {hash_}")
    stored = conn.execute(select(events.c.hash).where(events.c.position == position)).scalar()
    if stored is None:
        head_position, _ = head(conn)
        return AnchorReport(
            False, position, hash_, f"the ledger ends at position {head_position}, before the anchor {anchor}"
        )
    if stored != hash_:
        return AnchorReport(
            False, position, hash_, f"the hash stored at position {position} is not the anchor's: history was rewritten"
        )
    prev, expected = GENESIS_HASH, 1
    for row in raw_rows(conn, up_to=position):
        if row["position"] != expected:
            return AnchorReport(False, position, hash_, f"position {expected} is missing before the anchor")
        prev = chain_hash({**row, "prev_hash": prev})
        expected += 1
    if prev != hash_:
        return AnchorReport(
            False,
            position,
            hash_,
            f"the events up to position {position} no longer hash to the anchor: history before it was edited",
        )
    return AnchorReport(True, position, hash_)
