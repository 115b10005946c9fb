"""The `tracker` command line.

Every user error becomes one line on stderr ("error: FIELD: message"), a non-zero exit code that
says what kind of error it was (see `tracker.errors`), and no traceback. Nothing is written when a
command fails: each command is one transaction.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import click
import typer
from typer.core import TyperGroup

from tracker.cli.command_table import COMMAND_MODULES
from tracker.cli.common import one_line, starting
from tracker.errors import TrackerError, UserError

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
            given = kwargs.get("args", args[0] if args else None)
            refuse_nul(sys.argv[1:] if given is None else list(given))
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


def refuse_nul(argv: list[str]) -> None:
    """No word of the command line may hold a NUL byte: no file name or stored text can, and the file system calls
    raise ValueError on one (a command line from a shell cannot carry one; one built by a program can)."""
    for i, word in enumerate(argv):
        if "\0" in word:
            option = word.partition("=")[0] if word.startswith("--") else argv[i - 1] if i else ""
            field = option[2:].replace("-", "_") if option.startswith("--") else "argument"
            raise UserError(f"{word!r} holds a NUL byte (U+0000), which no value or file name may hold", field)


def _text_value(value: Any) -> bool:
    """Whether `value` (a parameter's, as click gives it) is text a shell passed as bytes that are not UTF-8: Python
    keeps them as lone surrogates, which no database, JSON or terminal output accepts."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, (list, tuple)):
        return any(_text_value(v) for v in value)
    return False


# The text options that may name a file instead (a public key, or a file holding it; a SQLite path).
TEXT_OR_FILE = ("db", "key", "log_key", "witness")


def check_text_values(params: Iterable[click.Parameter], values: dict[str, Any]) -> None:
    """A value that is not UTF-8 is refused, naming its option, before the command runs, unless it is a file name
    (a parameter of type path, or one of TEXT_OR_FILE naming a file that exists), which the file system takes as
    it is."""
    for param in params:
        value = values.get(param.name or "")
        if isinstance(param.type, click.Path) or not _text_value(value):
            continue
        words = value if isinstance(value, (list, tuple)) else [value]
        for word in words:
            if _text_value(word) and not (param.name in TEXT_OR_FILE and os.path.lexists(str(word))):
                raise UserError(f"{word!r} is not UTF-8 text (bytes the shell passed as they were)", param.name)


def checked_text(command: click.Command) -> click.Command:
    """``command`` and every subcommand under it, each refusing a value that is not UTF-8 (`check_text_values`)
    before its callback runs: stored, printed or compared in SQL, such a value fails deep inside (exit 70)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            checked_text(sub)
    callback = command.callback
    if callback is not None and not getattr(callback, "_checks_text", False):
        params = list(command.params)

        @functools.wraps(callback)
        def checked(*args: Any, **kwargs: Any) -> Any:
            check_text_values(params, kwargs)
            return callback(*args, **kwargs)

        checked._checks_text = True  # type: ignore[attr-defined]
        command.callback = checked
    return command


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
    """`tracker` itself: its commands come from `COMMAND_MODULES` (``command_table.py``), built on demand."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        eager = self.commands
        self.commands = LazyCommands(COMMAND_MODULES, build_command)
        self.commands.update(eager)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and (module := module_of(cmd_name)) is not None:
            # Defined since `make docs` last wrote the table: found by importing every module, so it runs.
            self.commands[cmd_name] = build_command(cmd_name, module)
        return super().get_command(ctx, cmd_name)


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
    check_text_values(ctx.command.params, {"db": db, "actor": actor})
    ctx.obj = {"db": db, "actor": actor}


# The command modules in the order `tracker --help` lists their commands (then, in the same order, their groups
# of subcommands). A new module that is not named here comes after these, by name.
MODULE_ORDER = (
    "ledger_cmds",
    "read_cmds",
    "scoring_cmds",
    "catalog_cmds",
    "review_cmds",
    "extract_cmds",
    "site_cmds",
    "proof_cmds",
)
COMMAND_TABLE = Path(__file__).with_name("command_table.py")


def command_modules() -> list[str]:
    """The names of the modules that define commands (``tracker/cli/*_cmds.py``), in ``MODULE_ORDER``."""
    found = sorted(p.stem for p in COMMAND_TABLE.parent.glob("*_cmds.py"))
    return [m for m in MODULE_ORDER if m in found] + [m for m in found if m not in MODULE_ORDER]


def discover_commands() -> dict[str, str]:
    """Which module registers each command, found by importing every command module: what `make docs` writes to
    ``command_table.py`` and what `tracker` falls back on for a name the table does not hold yet."""
    holders = [(module, registered(module)) for module in command_modules()]
    commands = {name: module for module, holder in holders for name in command_names(holder, groups=False)}
    groups = {name: module for module, holder in holders for name in command_names(holder, commands=False)}
    return commands | groups


def render_command_table(table: dict[str, str]) -> str:
    """The text of ``command_table.py`` for ``table``."""
    lines = "".join(f"    {name!r}: {module!r},\n" for name, module in table.items()).replace("'", '"')
    return (
        '"""Which module registers each of `tracker`\'s commands, in the order `tracker --help` lists them.\n\n'
        "Written by `make docs` from what each module registers (`tracker.cli.main.discover_commands`); do not edit.\n"
        "A command line imports the module of the one command it runs and builds only that command (`LazyCommands`):\n"
        "importing every module and building every command's parameters cost about as much as the command itself.\n"
        "A command defined since the table was written still runs (`tracker` then imports every module to find it);\n"
        'tests/test_startup.py fails until `make docs` has written it here.\n"""\n\n'
        f"COMMAND_MODULES: dict[str, str] = {{\n{lines}}}\n"
    )


def write_command_table() -> None:
    """`make docs`: rewrite ``command_table.py`` from the modules (only when it changed)."""
    text = render_command_table(discover_commands())
    if COMMAND_TABLE.read_text(encoding="utf-8") != text:
        COMMAND_TABLE.write_text(text, encoding="utf-8")


def module_of(name: str) -> str | None:
    """The module that registers command ``name``: the table's answer, else every module's."""
    return COMMAND_MODULES.get(name) or discover_commands().get(name)


def registered(module: str) -> typer.Typer:
    """A Typer holding what ``tracker.cli.<module>`` registers (its commands and groups, nothing built yet)."""
    import importlib

    holder = typer.Typer(rich_markup_mode=app.rich_markup_mode, pretty_exceptions_enable=False, add_completion=False)
    importlib.import_module(f"tracker.cli.{module}").register(holder)
    return holder


def command_names(holder: typer.Typer, *, commands: bool = True, groups: bool = True) -> list[str]:
    """The top-level names of what ``holder`` holds: its commands, then its groups (Typer's order)."""
    from typer.main import get_command_name

    names = [c.name or get_command_name(c.callback.__name__) for c in holder.registered_commands if c.callback]
    return (names if commands else []) + [
        g.name for g in holder.registered_groups if groups and isinstance(g.name, str)
    ]


def build_command(name: str, module: str | None = None) -> click.Command:
    """`tracker NAME` as a click command (a group for a command with subcommands), with its examples; ``module``
    when the caller has already found the module that registers it."""
    from typer.main import get_command_name, get_group

    from tracker.cli.examples import attach

    module = module or module_of(name)
    if module is None:
        raise KeyError(name)
    holder = registered(module)
    holder.registered_commands = [
        c
        for c in holder.registered_commands
        if c.callback and (c.name or get_command_name(c.callback.__name__)) == name
    ]
    holder.registered_groups = [g for g in holder.registered_groups if g.name == name]
    command = get_group(holder).commands[name]
    attach(command, name)
    return checked_text(command)


def run() -> None:
    """The `tracker` script."""
    starting()
    app()
