"""The `tracker` command line.

Every user error becomes one line on stderr ("error: FIELD: message"), a non-zero exit code that
says what kind of error it was (see `tracker.errors`), and no traceback. Nothing is written when a
command fails: each command is one transaction.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import Any

import click
import typer
from typer.core import TyperGroup

from tracker.cli.common import one_line, starting
from tracker.errors import TrackerError

INTERNAL_ERROR = 70


class TrackerGroup(TyperGroup):
    """Turns errors into one line and a meaningful exit code, for the CLI and for CliRunner alike; ends every
    command's help with its examples (`tracker.cli.examples`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from tracker.cli.examples import attach

        attach(self)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            result = super().main(*args, **kwargs)
        except TrackerError as e:
            click.echo(f"error: {one_line(str(e))}", err=True)
            sys.exit(e.exit_code)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.exceptions.NoArgsIsHelpError as e:
            # `tracker` (or a group) without arguments: show the help, not an "error:" line.
            # Typer's rich help prints itself and leaves the message empty; plain click's does not.
            if e.format_message().strip():
                click.echo(e.format_message())
            sys.exit(e.exit_code)
        except click.ClickException as e:
            # Usage errors (unknown option, missing argument, bad choice): one line, exit 2.
            click.echo(f"error: {one_line(e.format_message())}", err=True)
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(130)
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (`tracker list | head`): what it read is all it wanted. Point stdout at
            # /dev/null so that the interpreter's final flush does not fail again, and end quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except Exception as e:  # a bug, not a user error: still one line unless asked for more
            if os.environ.get("TRACKER_DEBUG"):
                raise
            message = one_line(f"{type(e).__name__}: {e}")
            click.echo(f"internal error: {message} (set TRACKER_DEBUG=1 for the traceback)", err=True)
            sys.exit(INTERNAL_ERROR)
        if isinstance(result, int) and result:
            sys.exit(result)
        return result


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


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name, each built the first time it is looked up: iterating yields the names without
    building anything (click and Typer list names that way), ``items()`` and ``values()`` build every command."""

    def __init__(self, names: Iterable[str], build: Callable[[str], click.Command]) -> None:
        self._names = dict.fromkeys(names)
        self._built: dict[str, click.Command] = {}
        self._build = build

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._built:
            if name not in self._names:
                raise KeyError(name)
            self._built[name] = self._build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._names[name] = None
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._names[name]
        self._built.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)


class LazyTrackerGroup(TrackerGroup):
    """`tracker` itself: its commands come from `COMMAND_MODULES`, built on demand."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        eager = self.commands
        self.commands = LazyCommands(COMMAND_MODULES, build_command)
        self.commands.update(eager)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


app = typer.Typer(
    cls=LazyTrackerGroup,
    help="Keep score of public forecasts: quote them, log them immutably, resolve and score them.",
    no_args_is_help=True,
    # Plain click help, for this command and every subcommand: Typer's rich help imports and renders with
    # rich, which would cost `tracker --help` about as much as starting Python and importing typer
    # (BENCHMARKS.md). No help text here uses rich markup.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    suggest_commands=False,  # click names the closest command itself; both would say "Did you mean" twice
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        from tracker import __version__

        click.echo(f"tracker (forecast-tracker) {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: str = typer.Option(
        None, "--db", help="Database URL or SQLite path. Default: $TRACKER_DATABASE_URL, else a file in the data dir."
    ),
    actor: str = typer.Option(None, "--actor", help="Who is acting (default: $TRACKER_ACTOR, else the OS user)."),
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version and exit."
    ),
) -> None:
    ctx.obj = {"db": db, "actor": actor}


# Which module registers each of `tracker`'s commands, in the order `tracker --help` lists them. A command line
# imports the module of the one command it runs and builds only that command (see `LazyCommands`): importing every
# module and building every command's parameters cost about as much as the command itself. tests/test_startup.py
# checks this table against what each module's `register` adds.
COMMAND_MODULES: dict[str, str] = {
    **dict.fromkeys(("init", "annul", "reopen"), "ledger_cmds"),
    **dict.fromkeys(("info", "list", "show", "log", "sources", "rebuild", "verify", "backup"), "read_cmds"),
    **dict.fromkeys(("score", "scores", "compare", "calibration", "runs", "due", "hindsight"), "scoring_cmds"),
    **dict.fromkeys(("import", "phrases", "rescale"), "catalog_cmds"),
    **dict.fromkeys(("export", "report"), "review_cmds"),
    "extract": "extract_cmds",
    "site": "site_cmds",
    **dict.fromkeys(("keygen", "checkpoint", "checkpoints", "cosign", "proof", "verify-proof"), "proof_cmds"),
    **dict.fromkeys(("source", "question", "forecast", "resolve"), "ledger_cmds"),
    "schedule": "scoring_cmds",
    "plot": "review_cmds",
}


def registered(module: str) -> typer.Typer:
    """A Typer holding what ``tracker.cli.<module>`` registers (its commands and groups, nothing built yet)."""
    import importlib

    holder = typer.Typer(rich_markup_mode=app.rich_markup_mode, pretty_exceptions_enable=False, add_completion=False)
    mod = importlib.import_module(f"tracker.cli.{module}")
    if module == "ledger_cmds":
        mod.register(holder, DefaultSubcommandGroup)
    else:
        mod.register(holder)
    return holder


def command_names(holder: typer.Typer) -> list[str]:
    """The top-level names of what ``holder`` holds: its commands, then its groups (Typer's order)."""
    from typer.main import get_command_name

    names = [c.name or get_command_name(c.callback.__name__) for c in holder.registered_commands if c.callback]
    return names + [g.name for g in holder.registered_groups if isinstance(g.name, str)]


def build_command(name: str) -> click.Command:
    """`tracker NAME` as a click command (a group for a command with subcommands), with its examples."""
    from typer.main import get_command_name, get_group

    from tracker.cli.examples import attach

    holder = registered(COMMAND_MODULES[name])
    holder.registered_commands = [
        c
        for c in holder.registered_commands
        if c.callback and (c.name or get_command_name(c.callback.__name__)) == name
    ]
    holder.registered_groups = [g for g in holder.registered_groups if g.name == name]
    command = get_group(holder).commands[name]
    attach(command, name)
    return command


def run() -> None:
    """The `tracker` script."""
    starting()
    app()
