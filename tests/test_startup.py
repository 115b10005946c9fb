"""Start-up: `tracker` imports the module of the one command it runs and builds only that command; an everyday
command leaves what it does not use unloaded (the other commands' modules, the write side for a read, Alembic,
pandas, SQLAlchemy's ORM); the cyclic garbage collector, made rare while start-up loads modules, has its usual
thresholds back once the ledger is open."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli import main
from tracker.cli.main import (
    COMMAND_MODULES,
    LazyCommands,
    app,
    command_names,
    discover_commands,
    registered,
    render_command_table,
)

CLI = Path(main.__file__).parent

# Loaded by no everyday command: every command module but the command's own, Alembic, the ORM, the frames.
NEVER = ("alembic", "sqlalchemy.orm", "pandas", "numpy", "pyarrow")
# What only writing, replaying or verifying needs: a command that only reads leaves it unloaded.
WRITE_SIDE = (
    "tracker.domain.commands",
    "tracker.domain.decide",
    "tracker.app.streams",
    "tracker.projections.projector",
    "tracker.projections.bulk",
    "tracker.store.eventstore",
    "tracker.store.merklelog",
    "tracker.scoring.audit",
)


def test_the_command_table_names_every_command_each_module_registers() -> None:
    """``command_table.py`` is what `make docs` writes from the modules: every command of every module, once."""
    modules = sorted(p.stem for p in CLI.glob("*_cmds.py"))
    registers = {name: module for module in modules for name in command_names(registered(module))}
    found = discover_commands()
    assert found == registers
    assert (CLI / "command_table.py").read_text(encoding="utf-8") == render_command_table(found), "run 'make docs'"
    assert registers == COMMAND_MODULES
    assert sorted(set(COMMAND_MODULES.values())) == modules


def test_a_command_the_table_does_not_hold_yet_still_runs(monkeypatch: pytest.MonkeyPatch, small: Ledger) -> None:
    """A command defined since `make docs` last wrote the table is found by importing every module; a name no
    module defines is still one line and exit 2."""
    monkeypatch.setattr(main, "COMMAND_MODULES", {k: v for k, v in COMMAND_MODULES.items() if k != "due"})
    runner = CliRunner()
    done = runner.invoke(app, ["--db", small.url, "due", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == []
    root = typer.main.get_command(app)
    assert "due" not in root.list_commands(click.Context(root))
    wrong = runner.invoke(app, ["--db", small.url, "dew"])
    assert wrong.exit_code == 2 and wrong.stderr.count("\n") == 1 and "dew" in wrong.stderr


def test_every_command_builds_as_the_eager_tree_built_it() -> None:
    """Each command built alone has the name, parameters and help (examples included) it had as part of the tree,
    and `tracker --help` lists them all in the table's order."""
    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    ctx = click.Context(root, info_name="tracker")
    assert root.list_commands(ctx) == list(COMMAND_MODULES)
    for name in COMMAND_MODULES:
        command = root.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.help
        if name in ("list", "forecast", "score"):
            assert command.epilog and "Examples:" in command.epilog
    assert root.get_command(ctx, "no-such-command") is None
    shown = root.get_help(ctx).split("\nCommands:")[1]
    positions = [shown.index(f"\n  {name} ") for name in COMMAND_MODULES]
    assert positions == sorted(positions)


def test_lazy_commands_build_each_command_once_and_only_when_asked() -> None:
    built: list[str] = []

    def build(name: str) -> click.Command:
        built.append(name)
        return click.Command(name)

    commands = LazyCommands(["b", "a"], build)
    assert list(commands) == ["b", "a"] and len(commands) == 2
    assert "a" in commands and "z" not in commands
    assert built == []
    assert commands["a"].name == "a" and commands["a"] is commands["a"]
    assert commands.get("z") is None
    with pytest.raises(KeyError):
        commands["z"]
    assert built == ["a"]
    commands["c"] = click.Command("c")
    assert list(commands) == ["b", "a", "c"] and built == ["a"]
    del commands["b"]
    assert "b" not in commands
    with pytest.raises(KeyError):
        commands["b"]
    assert [c.name for c in commands.values()] == ["a", "c"] and built == ["a"]


@pytest.fixture
def small(ledger: Ledger) -> Ledger:
    """A scored question with one forecast, and an open one to forecast on."""
    ledger.open_question("Will it rain?", "Rain.", "rain", opened=date(2025, 1, 1), resolve_by=date(2025, 2, 1))
    ledger.open_question("Will it snow?", "Snow.", "snow", opened=date(2025, 1, 1), resolve_by=date(2099, 1, 1))
    ledger.record_forecast("rain", "Ann Example", 0.7, date(2025, 1, 2))
    ledger.resolve("rain", "yes", date(2025, 1, 20))
    assert ledger.score().status == "ok"
    return ledger


COMMANDS = {
    "list": ["list"],
    "show": ["show", "rain"],
    "due": ["due"],
    "info": ["info"],
    "score": ["score"],
    "forecast": ["forecast", "snow", "--forecaster", "Ann Example", "--p", "0.2", "--made-at", "2025-01-03"],
}


def loaded_after(url: str, args: list[str]) -> tuple[set[str], dict[str, object]]:
    """The modules a `tracker` process had loaded when its command ended, and its garbage collector's state."""
    code = (
        "import gc, io, contextlib, json, sys\n"
        "thresholds = gc.get_threshold()\n"
        "import tracker.cli.main as m\n"
        f"sys.argv = ['tracker', '--db', {url!r}, *{args!r}]\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        m.run()\n"
        "    except SystemExit as e:\n"
        "        assert not e.code, e.code\n"
        "print(json.dumps({'modules': sorted(sys.modules), 'gc': {'thresholds': gc.get_threshold(), "
        "'usual': thresholds, 'enabled': gc.isenabled(), 'frozen': gc.get_freeze_count()}}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    return set(data["modules"]), data["gc"]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_everyday_command_loads_only_what_it_runs(small: Ledger, command: str) -> None:
    modules, collector = loaded_after(small.url, COMMANDS[command])
    own = COMMAND_MODULES[command]
    assert f"tracker.cli.{own}" in modules
    others = {f"tracker.cli.{m}" for m in COMMAND_MODULES.values() if m != own}
    assert not (modules & (others | set(NEVER))), sorted(modules & (others | set(NEVER)))
    if command != "forecast":  # a read: nothing of the write side
        assert not (modules & set(WRITE_SIDE)), sorted(modules & set(WRITE_SIDE))
    else:  # the modules a read leaves out are the ones a write loads (the list is not stale)
        assert {"tracker.domain.commands", "tracker.store.eventstore", "tracker.projections.projector"} <= modules
    assert collector["thresholds"] == collector["usual"] and collector["enabled"]
    assert isinstance(collector["frozen"], int) and collector["frozen"] > 0
