"""What every command shares: the ledger from the global options, parsing of user values into
one-line errors, and output (rich tables for people, --json for scripts).

Kept free of SQLAlchemy and pandas imports so that `tracker --help` starts fast.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import click
import typer
from typer.core import TyperGroup

from tracker.errors import UserError

if TYPE_CHECKING:
    from tracker.app.ledger import Ledger


F = TypeVar("F", bound=Callable[..., Any])

# Every command that writes a file the user names: a file already there is theirs, and is replaced only when asked.
FORCE = typer.Option(
    False,
    "--force",
    help="Replace a file already at --out (without it, an existing file is refused; never a link, folder or device).",
)


class Commands:
    """The commands a module defines, each with the runnable examples that end its help, registered on the app in
    the order they are defined: decorating a function with ``@command("name", examples=(...))`` is all a new
    command needs (tracker/cli/main.py registers each module's)."""

    def __init__(self) -> None:
        self.defined: list[tuple[str | None, Callable[..., Any], tuple[str, ...]]] = []

    def __call__(self, name: str | None = None, *, examples: tuple[str, ...]) -> Callable[[F], F]:
        def define(fn: F) -> F:
            self.defined.append((name, fn, examples))
            return fn

        return define

    def register(self, app: typer.Typer) -> None:
        from tracker.cli.examples import epilog

        for name, fn, examples in self.defined:
            app.command(name, epilog=epilog(examples))(fn)


def one_line(message: str) -> str:
    """An error is one line: line breaks and other unprintable characters inside it are shown escaped."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in message)


# Start-up (the command's modules, then SQLAlchemy and the store's when the ledger is opened) makes a few hundred
# thousand objects that live as long as the process and no cyclic garbage, so the cyclic collector's passes over
# them during start-up are wasted: the `tracker` script makes them rare (`starting`) until the ledger is open, then
# freezes what start-up made out of every later collection (`started`).
STARTUP_GC_THRESHOLD = 100_000
_gc_thresholds: list[tuple[int, int, int]] = []


def starting() -> None:
    _gc_thresholds.append(gc.get_threshold())
    gc.set_threshold(STARTUP_GC_THRESHOLD, *_gc_thresholds[0][1:])


def started() -> None:
    if _gc_thresholds:
        gc.freeze()
        gc.set_threshold(*_gc_thresholds.pop())


def ledger(ctx: typer.Context) -> Ledger:
    from tracker.app.ledger import Ledger

    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    if "ledger" not in obj:
        obj["ledger"] = Ledger(obj.get("db"), actor=obj.get("actor"))
        root.obj = obj
        # Close the ledger's connections when the command ends, even on an error: SQLite then checkpoints its
        # write-ahead log into the database file, so that the file alone holds every committed event (a copy of
        # ledger.sqlite without its -wal file would otherwise miss what the command wrote).
        root.call_on_close(obj["ledger"].close)
        started()
    return obj["ledger"]


def parse_date(value: str | None, field: str) -> date | None:
    from tracker.domain.fields import day

    return day(value, field, required=False)


def require_date(value: str | None, field: str) -> date:
    from tracker.domain.fields import day

    d = day(value, field)
    assert d is not None
    return d


def parse_ps(values: list[str]) -> float | dict[str, float]:
    """`--p 0.2` (binary) or `--p option=0.3` repeated (multiple choice)."""
    from tracker.domain.fields import option, parse_probability

    if not values:
        raise UserError("give a probability with --p (or a phrase with --says)", "p")
    if len(values) == 1 and "=" not in values[0]:
        return parse_probability(values[0], "p")
    dist: dict[str, float] = {}
    for raw in values:
        if "=" not in raw:
            raise UserError(f"{raw!r}: with several --p, write each as option=probability", "p")
        name, _, number = raw.partition("=")
        name = option(name, "p")
        if name in dist:
            raise UserError(f"option {name!r} given twice", "p")
        dist[name] = parse_probability(number, f"p[{name}]")
    return dist


def emit_json(data: Any) -> None:
    """JSON for scripts: exact values, with the characters a terminal would act on escaped."""
    from tracker.cli.render import json_dumps

    typer.echo(json_dumps(data, indent=2))


def shown(message: str) -> str:
    """A message as a terminal may show it: its lines and tabs kept, and what a terminal would act on (escape
    sequences, other control characters, bidirectional overrides: from a file name, a stored text) escaped."""
    if message.isprintable():
        return message
    return "".join(ch if ch.isprintable() or ch in "\n\t" else repr(ch)[1:-1] for ch in message)


def say(message: str) -> None:
    typer.echo(shown(message))


def warn(message: str) -> None:
    typer.echo(shown(message), err=True)


def fmt_p(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):.3f}"


class DefaultSubcommandGroup(TyperGroup):
    """`tracker forecast QUESTION ...` and `tracker forecast withdraw ID`: the first word picks a
    subcommand when it names one, and otherwise goes to the default subcommand."""

    default_command = "record"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [self.default_command, *args]
        elif not args:
            args = [self.default_command]
        return super().parse_args(ctx, args)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The default command's usage, text and options (what a newcomer came for), then the other commands."""
        default = self.commands[self.default_command]
        with click.Context(default, info_name=ctx.info_name, parent=ctx.parent, resilient_parsing=True) as sub:
            default.format_usage(sub, formatter)
            default.format_help_text(sub, formatter)
            default.format_options(sub, formatter)
        self.format_commands(ctx, formatter)
        self.format_epilog(ctx, formatter)
