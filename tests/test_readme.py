"""Every `sh` example in the README's command reference runs, in order, on a scratch ledger."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Long-running commands are shown but not run here; they have their own tests.
NOT_RUN = ("schedule run",)


def readme_commands(kind: str = "sh") -> list[str]:
    """The commands of the reference's ```sh blocks (run) or ```text blocks (shown, not run)."""
    section = README.split("## Command reference", 1)[1].split("\n## ", 1)[0]
    commands: list[str] = []
    for block in re.findall(rf"```{kind}\n(.*?)```", section, flags=re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            words = shlex.split(line, comments=True)
            while words and "=" in words[0]:  # VAR=value before the command
                words = words[1:]
            if words and words[0] == "tracker":
                commands.append(" ".join(shlex.quote(w) for w in words[1:]))
    return commands


def test_readme_has_examples_for_every_command() -> None:
    import click
    import typer

    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    names = set(root.commands)
    shown = {cmd.split()[0] for cmd in readme_commands() + readme_commands("text")}
    indexed = set(re.findall(r"^\| `tracker ([a-z-]+)[` ]", README, flags=re.M))  # the index of every command
    assert names - (shown | indexed) == set(), f"commands without a README example: {sorted(names - shown - indexed)}"


def test_the_readme_index_of_every_command_is_current() -> None:
    """The index is written from the commands themselves (`make docs`): a command defined in its module is in it."""
    import typer

    from tracker.cli.examples import readme_with_index

    assert readme_with_index(README, typer.main.get_command(app)) == README, "run 'make docs'"


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    db = f"sqlite:///{tmp_path}/example.sqlite"
    runner = CliRunner()
    for command in readme_commands():
        if command.startswith(NOT_RUN):
            continue
        args = shlex.split(command)
        for i, a in enumerate(args):  # outputs go to the scratch directory
            if a == "--out":
                args[i + 1] = str(tmp_path / Path(args[i + 1]).name)
        result = runner.invoke(app, ["--db", db, *args])
        assert result.exit_code == 0, f"tracker {command}\n{result.output}"
