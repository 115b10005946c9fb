"""The forecasts of the site's forecaster, question and source pages, read a page's group at a time: the forecasts
ordered by forecaster (or question, or source) and then in recording order, each group's rows made, its pages
rendered and the rows dropped before the next group is read. Holding every forecast's row for the whole build
was most of a million-event build's memory (`tracker.app.site`).

Each forecast's score (status, outcome, the day it became known, Brier) comes from `ScoreLookup`, which keeps them
in arrays by the forecast's position: the scores are read once whatever the order of the pages' reads, and a
score is matched to its forecast by a number rather than by the order of ids under the database's collation.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from tracker.app import templating as t
from tracker.domain import events as ev
from tracker.domain.verbal import explain_reading

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    import numpy as np

    from tracker.read.tablereader import TableReader

# what a page shows of a forecast (`templating.forecast_table_rows`, `site.question_chart`, `site.phrase_rows`,
# the forecaster's summary and the page's proofs): the rows' fields, and so what a page's digest sees of them
FIELDS = (
    "anchor", "withdrawn", "question_id", "question_title", "forecaster_id", "forecaster", "role", "made_at", "prob",
    "method", "reading_text", "quote", "source_id", "source_title", "url", "outlet", "status", "withdrawn_reason",
    "outcome", "known_on", "brier", "p_yes", "p_low", "p_high", "phrase", "position",
)  # fmt: skip
# the forecasts' columns read for them
COLUMNS = (
    "forecast_id", "question_id", "forecaster_id", "forecaster", "role", "p_yes", "probabilities", "made_at",
    "source_id", "outlet", "quote", "method", "phrase", "scale_version", "reading", "p_low", "p_high", "withdrawn",
    "withdrawn_reason", "position",
)  # fmt: skip
SCORE_COLUMNS = ("position", "status", "outcome", "known_on", "brier")
BATCH = 20_000  # rows fetched and made at a time (a group may span batches)


class ForecastRow(namedtuple("ForecastRow", FIELDS)):  # type: ignore[misc]  # noqa: PYI024
    """A forecast's row: a tuple (made in C, its repr in C for the page's digest) whose fields read as
    ``row.field`` in the templates and as ``row["field"]`` in the code, like the report's dicts."""

    __slots__ = ()
    __repr__ = tuple.__repr__

    def __getitem__(self, key: Any) -> Any:
        return getattr(self, key) if isinstance(key, str) else tuple.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


_new_row: Callable[..., ForecastRow] = tuple.__new__


def midnight_utc(value: Any, seen: dict[Any, Any]) -> Any:
    """A day as the frames give it (midnight UTC, an aware ``datetime``), made once per distinct day."""
    if value is None:
        return None
    made = seen.get(value)
    if made is None:
        made = seen[value] = (
            datetime(value.year, value.month, value.day, tzinfo=UTC)
            if isinstance(value, date) and not isinstance(value, datetime)
            else value
        )
    return made


class ScoreLookup:
    """Each forecast's score status, outcome, day known and Brier, by the position of its ForecastRecorded event:
    an array of positions, sorted, and beside it one code per row into the few distinct statuses, outcomes and
    days, and the Brier as float64 (NaN: none). 30 bytes a forecast where a dict of records was hundreds."""

    def __init__(self, reader: TableReader) -> None:
        import numpy as np

        self.values: dict[str, list[Any]] = {"status": [None], "outcome": [None], "known_on": [None]}
        codes: dict[str, dict[Any, int]] = {k: {None: 0} for k in self.values}
        days: dict[Any, Any] = {}
        parts: dict[str, list[np.ndarray]] = {k: [] for k in SCORE_COLUMNS}
        for batch in reader.batches(SCORE_COLUMNS, size=BATCH):
            parts["position"].append(np.asarray(batch["position"], dtype=np.int64))
            brier = batch["brier"]
            parts["brier"].append(np.asarray([np.nan if b is None else b for b in brier], dtype=np.float64))
            batch["known_on"] = [midnight_utc(v, days) for v in batch["known_on"]]
            for name, seen in codes.items():
                listed = self.values[name]
                coded = []
                for v in batch[name]:
                    code = seen.get(v)
                    if code is None:
                        code = seen[v] = len(listed)
                        listed.append(v)
                    coded.append(code)
                parts[name].append(np.asarray(coded, dtype=np.int32))
        arrays = {k: np.concatenate(p) if p else np.zeros(0, dtype=np.int64) for k, p in parts.items()}
        order = np.argsort(arrays["position"], kind="stable")  # in position order already: a pass, no move
        self.arrays = {k: a[order] for k, a in arrays.items()}
        self.objects = {k: np.asarray(v + [None], dtype=object)[:-1] for k, v in self.values.items()}

    def of(self, positions: list[int]) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        """The status, outcome, day known and Brier (None where the forecast has no score) of each position."""
        import numpy as np

        pos = self.arrays["position"]
        want = np.asarray(positions, dtype=np.int64)
        if not len(pos):
            nothing = [None] * len(positions)
            return nothing, nothing, nothing, nothing
        at = np.searchsorted(pos, want)
        at[at == len(pos)] = 0
        hit = pos[at] == want
        out = [
            self.objects[k][np.where(hit, self.arrays[k][at], 0)].tolist() for k in ("status", "outcome", "known_on")
        ]
        brier = np.where(hit, self.arrays["brier"][at], np.nan).tolist()
        return out[0], out[1], out[2], [None if b != b else b for b in brier]


class RowMaker:
    """Makes the rows of a batch of forecasts' columns (`TableReader.batches`), with what the pages show beside
    them: the question's title, the source's title and URL, the probability's and the reading's text (made once
    per distinct value: a few hundred among a million forecasts), the score."""

    def __init__(
        self, question_titles: dict[str, str], sources: dict[str, dict[str, Any]], scores: ScoreLookup
    ) -> None:
        self.titles = question_titles
        self.sources = sources
        self.scores = scores
        self.days: dict[Any, Any] = {}
        self.probs: dict[Any, str] = {}
        self.readings: dict[tuple[Any, ...], str | None] = {}

    def prob(self, p_yes: Any, probabilities: Any) -> str:
        key = p_yes if p_yes is not None else ("", probabilities)
        text = self.probs.get(key)
        if text is None:
            text = self.probs[key] = t.probability_text(p_yes, probabilities)
        return text

    def reading(self, *args: Any) -> str | None:
        if args[0] is None:
            return None
        try:
            return self.readings[args]
        except KeyError:
            text = self.readings[args] = explain_reading(*args)
            return text

    def rows(self, batch: dict[str, list[Any]]) -> list[ForecastRow]:
        status, outcome, known_on, brier = self.scores.of(batch["position"])
        titles, sources, days = self.titles, self.sources, self.days
        none: dict[str, Any] = {}
        out = []
        for (fid, qid, fcid, name, role, p, probs, made, sid, outlet, quote, method, phrase, scale, reading, low, high,
             withdrawn, why, pos), st, oc, known, b in zip(
            zip(*(batch[c] for c in COLUMNS), strict=True), status, outcome, known_on, brier, strict=True
        ):  # fmt: skip
            src = none if sid is None else sources.get(str(sid)) or none
            made = midnight_utc(made, days)
            out.append(
                _new_row(
                    ForecastRow,
                    (
                        t.file_id(str(fid)),
                        withdrawn,
                        qid,
                        titles.get(str(qid), str(qid)),
                        fcid,
                        name,
                        role,
                        made,
                        self.prob(p, probs),
                        method,
                        self.reading(phrase, reading, p, low, high, scale),
                        quote,
                        sid,
                        src.get("title") or sid,
                        src.get("url"),
                        outlet,
                        "withdrawn" if withdrawn else st,
                        why,
                        oc,
                        known,
                        b,
                        p,
                        low,
                        high,
                        phrase,
                        pos,
                    ),  # fmt: skip
                )
            )
        return out


def forecast_groups(reader: TableReader, key: str, maker: RowMaker) -> Iterator[tuple[Any, list[ForecastRow]]]:
    """The rows of ``reader``'s forecasts grouped by the column ``key`` (each group in recording order): one
    group's rows made at a time. Forecasts without a ``key`` (without a source) are passed over unmade."""
    current: Any = None
    rows: list[ForecastRow] = []
    for batch in reader.batches(COLUMNS, first=(key,), size=BATCH):
        if None in batch[key]:
            keep = [i for i, k in enumerate(batch[key]) if k is not None]
            batch = {name: [values[i] for i in keep] for name, values in batch.items()}
        for k, row in zip(batch[key], maker.rows(batch), strict=True):
            if k != current:
                if rows:
                    yield current, rows
                current, rows = k, []
            rows.append(row)
    if rows:
        yield current, rows


def question_histories(reader: TableReader) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """Each question's events (position, stream version, type, recorded at, actor, hash) from ``reader`` (the
    events), one question at a time in the order of their streams; other streams' events are passed over."""
    names = ("stream_id", "position", "stream_version", "event_type", "recorded_at", "actor", "hash")
    current: Any = None
    qid: str | None = None
    events: list[tuple[Any, ...]] = []
    for batch in reader.batches(names, first=("stream_id",), size=BATCH):
        for stream, pos, version, kind, recorded, actor, hash_ in zip(*(batch[n] for n in names), strict=True):
            if stream != current:
                if qid is not None and events:
                    yield qid, events
                current, qid, events = stream, ev.stream_question(str(stream)), []
            if qid is not None:
                events.append((pos, version, kind, recorded, actor, hash_))
    if qid is not None and events:
        yield qid, events


class Groups:
    """Groups from an iterator of (key, rows) ordered by key, handed out by key (`take`). When the keys are asked
    for in the iterator's order (two reads ordered by the same column), each group is read when asked for and
    then held by the caller alone; a group passed over on the way to another is kept until asked for, or dropped
    when its key is not ``wanted``. A key the iterator does not have reads it to its end."""

    def __init__(self, groups: Iterable[tuple[Any, list[Any]]], wanted: Callable[[Any], bool]) -> None:
        self.groups = iter(groups)
        self.wanted = wanted
        self.kept: dict[Any, list[Any]] = {}

    def take(self, key: Any) -> list[Any]:
        if key in self.kept:
            return self.kept.pop(key)
        for k, rows in self.groups:
            if k == key:
                return rows
            if self.wanted(k):
                self.kept[k] = rows
        return []
