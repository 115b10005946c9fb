"""What every read command shares: the filters, time travel (--as-of, --run), output (--format, --json) and
--limit options, added to a command by one decorator (`read_options`) that hands them to it as one `ReadOptions`;
and one function that reads a table through `Ledger.rows` and prints it (`show_table`).

Kept free of pandas, SQLAlchemy and rich imports (render imports rich only to draw a table)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer

from tracker.cli import render
from tracker.cli.render import Column

if TYPE_CHECKING:
    from tracker.app.ledger import Ledger

# A person at a terminal gets the first rows and a note of how many more there are; programs get every row.
TERMINAL_LIMIT = 50

FORMAT = typer.Option(
    None, "--format", "-f", help="table, csv, tsv, json or jsonl (default: table on a terminal, tsv in a pipe)."
)
JSON = typer.Option(False, "--json", help="Short for --format json.")
AS_OF = typer.Option(
    None,
    "--as-of",
    metavar="POSITION|DATE|TIME",
    help="The ledger as recorded at that point: an event position, a date (YYYY-MM-DD, its end, UTC) or an ISO "
    "time. Scores are those of the last scoring run finished by then.",
)
RUN = typer.Option(None, "--run", metavar="N", help="The figures scoring run N recorded (see 'tracker runs').")
MAX_ROWS = 2**63 - 1  # the largest LIMIT a database takes
LIMIT = typer.Option(
    None, "--limit", min=0, help=f"At most this many rows (0: all; default {TERMINAL_LIMIT} in a table, all else)."
)
FORECASTER = typer.Option([], "--forecaster", help="Forecaster name or id (repeat for several).")
SOURCE = typer.Option([], "--source", help="Source id (repeat for several).")
QUESTION = typer.Option([], "--question", help="Question id (repeat for several).")
OUTLET = typer.Option(None, "--outlet", help="Only sources of this outlet.")
TAG = typer.Option(None, "--tag", help="Only questions with this tag.")

_KIND_OF_DTYPE = {
    "int64": "int",
    "Int64": "int",
    "float64": "number",
    "datetime64[ns, UTC]": "time",
}
ID_COLUMNS = ("_id", "position", "hash")


@dataclass
class Output:
    fmt: str
    limit: int | None

    @property
    def table(self) -> bool:
        return self.fmt == "table"


def output(fmt: str | None, json_flag: bool, limit: int | None, record: bool = False) -> Output:
    """The output format and row limit. A ``record`` (one object, as `show` and `info` print) reads as text
    in a pipe too: it is not a listing a script would cut into columns."""
    chosen = "table" if record and fmt is None and not json_flag else render.pick_format(fmt, json_flag)
    if limit == 0 or (limit is not None and limit > MAX_ROWS):  # (more than a query can be given: every row)
        return Output(chosen, None)
    return Output(chosen, limit if limit is not None else (TERMINAL_LIMIT if chosen == "table" else None))


@dataclass(frozen=True)
class ReadOptions:
    """What a read command was asked beyond its own arguments: the output, the point read and the filters given
    (empty ones left out)."""

    out: Output
    as_of: str | None = None
    run: int | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    # --format and --json as given, for a command that prints one object in some cases (`as_record`)
    asked: tuple[str | None, bool] = (None, False)

    def time(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "run": self.run}

    def as_record(self) -> Output:
        """The output of one object under the --format and --json given (see `output`)."""
        return output(*self.asked, None, record=True)


# The shared filters: (annotation, option) by the name the read side gives them.
FILTER_OPTIONS: dict[str, tuple[Any, Any]] = {
    "tag": (str, TAG),
    "forecaster": (list[str], FORECASTER),
    "source": (list[str], SOURCE),
    "outlet": (str, OUTLET),
    "question": (list[str], QUESTION),
}
_NOT_FILTERS = ("fmt", "json_out", "limit", "as_of", "run")


def read_options(
    *names: str, status: str | None = None, limit: bool = True, run: bool = True, record: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command the filters ``names`` (keys of FILTER_OPTIONS; ``status``: a --status option with that
    help), --format and --json, --limit (unless ``limit`` is false), --as-of and --run (unless ``run`` is false),
    after its own parameters and before its keyword-only ones; the command receives them as one `ReadOptions`
    argument, ``opts``. A ``record`` command prints one object (see `output`)."""
    added: list[tuple[str, Any, Any]] = []
    if status is not None:
        added.append(("status", str, typer.Option(None, "--status", help=status)))
    added += [(name, *FILTER_OPTIONS[name]) for name in names]
    added += [("fmt", str, FORMAT), ("json_out", bool, JSON)]
    if limit:
        added.append(("limit", int, LIMIT))
    added.append(("as_of", str, AS_OF))
    if run:
        added.append(("run", int, RUN))

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(fn, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "opts"]
        extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=o, annotation=t) for n, t, o in added]
        last = [p for p in own if p.kind == inspect.Parameter.KEYWORD_ONLY]  # its options that follow the shared
        own = [p for p in own if p not in last]

        @functools.wraps(fn)
        def command(*args: Any, **kwargs: Any) -> Any:
            given = {name: kwargs.pop(name) for name, _, _ in added}
            out = output(given["fmt"], given["json_out"], given.get("limit"), record)
            chosen = {k: v for k, v in given.items() if k not in _NOT_FILTERS}
            asked = (given["fmt"], given["json_out"])
            opts = ReadOptions(out, given["as_of"], given.get("run"), filters(**chosen), asked)
            return fn(*args, opts=opts, **kwargs)

        command.__signature__ = signature.replace(parameters=[*own, *extra, *last])  # type: ignore[attr-defined]
        # what it takes, for the help's index and the tests that go over every read command
        command.read_options = {"options": [name for name, _, _ in added], "record": record}  # type: ignore[attr-defined]
        return command

    return decorate


def show(led: Ledger, table: str, opts: ReadOptions, columns: Sequence[Column], **how: Any) -> list[dict[str, Any]]:
    """`show_table` with a command's `ReadOptions`; ``how`` is show_table's (noun, title, prepare, ...) and any
    filter the command adds of its own."""
    return show_table(led, table, opts.out, columns, **opts.time(), **opts.filters, **how)


def filters(**given: Any) -> dict[str, Any]:
    """The filters a command was given (repeatable ones as lists), without the ones left empty."""
    out: dict[str, Any] = {}
    for key, value in given.items():
        if value is None or (isinstance(value, list | tuple) and not value):
            continue
        out[key] = list(value) if isinstance(value, list | tuple) else value
    return out


def all_columns(table: str, by: str = "forecaster") -> list[Column]:
    """Every column of ``table``, for the machine formats."""
    from tracker.app.ledger import Ledger

    cols = []
    for name, dtype in Ledger.columns(table, by):
        kind = _KIND_OF_DTYPE.get(dtype, "text")
        if kind == "text" and name.endswith(ID_COLUMNS):
            kind = "id"
        cols.append(Column(name, kind=kind))
    return cols


def show_table(
    led: Ledger,
    table: str,
    out: Output,
    columns: Sequence[Column],
    *,
    as_of: str | None = None,
    run: int | None = None,
    noun: tuple[str, str],
    title: str | None = None,
    empty: str | None = None,
    by: str = "forecaster",
    prepare: Any = None,
    missing: str = "",
    **given: Any,
) -> list[dict[str, Any]]:
    """Read ``table`` under the given filters and print it: ``columns`` in a table, every column otherwise.
    ``title`` may use {n} (the total), {noun} (the right word for it) and {scores} (the scoring run read)."""
    if table == "leaderboard":
        given["by"] = by
    rows, total, snap = led.rows(
        table, as_of=as_of, run=run, limit=out.limit, parse_json=out.fmt in ("json", "jsonl"), **filters(**given)
    )
    shown = [prepare(r) for r in rows] if prepare is not None and out.table else rows
    _say_unproven(table, snap)
    heading = None
    if title is not None:
        word = noun[0] if total == 1 else noun[1]
        heading = title.format(n=total, noun=word, scores=snap.scores_label())
    if not rows and empty is not None and not out.table:
        import sys

        print(empty, file=sys.stderr)
    render.render_rows(
        shown,
        list(columns) if out.table else all_columns(table, by),
        out.fmt,
        title=heading,
        total=total,
        noun=noun,
        empty_message=empty,
        missing=missing,
    )
    return rows


# The tables that show figures a scoring run stored (not recomputed when read): the leaderboard as of an older run
# (its score_history rows), the score history, and the run records.
_STORED_BY_RUNS = ("leaderboard", "score_history", "runs")


def _say_unproven(table: str, snap: Any) -> None:
    """On stderr (any format): which of the runs shown were recorded by another version of the scoring formulas."""
    if table not in _STORED_BY_RUNS or not snap.unproven_runs or (table == "leaderboard" and snap.run_is_latest):
        return
    import sys

    runs = ", ".join(map(str, snap.unproven_runs))
    print(
        f"unproven: {render.plural(len(snap.unproven_runs), 'scoring run')} ({runs}) recorded by an earlier version "
        "of the scoring formulas: 'tracker verify' cannot prove the figures stored by them",
        file=sys.stderr,
    )


def joined(value: Any) -> str:
    """A JSON list (tags, options) for a table cell."""
    import json

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return ", ".join(str(v) for v in value) if isinstance(value, list) else ("" if value is None else str(value))
