"""A CLI a newcomer finds their way in: every command's help ends with examples, and every example runs (each on a
fresh copy of the ledger built from the frozen catalog under tests/fixtures/, from a folder holding its seeds/
and predictions/); `forecast --help` and `resolve --help` show the recording options; --version; shell completion;
`tracker due --exit-code` for cron."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from review_fixtures import PREDICTIONS, ROOT, scored_catalog
from typer.testing import CliRunner

from tracker import __version__
from tracker.app.ledger import Ledger
from tracker.cli.examples import LONG_RUNNING, WALKTHROUGH, all_commands
from tracker.cli.main import app

runner = CliRunner()
COMMANDS = [path for path, _ in all_commands(typer.main.get_command(app))]


def help_of(path: str) -> str:
    result = runner.invoke(app, [*path.split(), "--help"], prog_name="tracker")
    assert result.exit_code == 0, (path, result.output)
    return result.output


def examples_of(text: str) -> list[str]:
    """The lines of the help's closing "Examples:" section."""
    head, sep, tail = text.rpartition("\n  Examples:\n")
    assert sep, "no Examples section"
    lines = tail.rstrip("\n").split("\n")
    assert all(line.startswith("    tracker ") for line in lines), lines  # the section ends the help
    return [line.strip() for line in lines]


EXAMPLES = [(path, example) for path in COMMANDS for example in examples_of(help_of(path))]


def test_every_command_has_examples_of_itself() -> None:
    assert len(COMMANDS) > 30 and {"forecast", "forecast withdraw", "resolve correct", "plot history"} <= set(COMMANDS)
    for path in COMMANDS:
        examples = examples_of(help_of(path))
        assert 1 <= len(examples) <= 2, path
        for example in examples:
            words = [w for w in shlex.split(example.partition("  # ")[0])[1:] if not w.startswith("-")]
            if path:  # an example of `forecast withdraw` may also be one of `forecast`, not one of `list`
                assert path.split()[0] in words, (path, example)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ledger `make demo` builds: predictions/ imported and scored."""
    path = tmp_path_factory.mktemp("examples-ledger") / "ledger.sqlite"
    led = Ledger(f"sqlite:///{path}", actor="examples")
    led.init()
    scored_catalog(led)
    led.close()
    return path


def command_of(line: str) -> str:
    """An example without its closing comment."""
    return line.partition("  # ")[0]


def run_line(line: str, folder: Path) -> Any:
    """One example's command line, run as the shell would: ``> FILE`` saves its standard output in ``folder``."""
    command, redirect, target = command_of(line).partition(" > ")
    result = runner.invoke(app, shlex.split(command)[1:])
    if redirect:
        (folder / target.strip()).write_text(result.stdout, encoding="utf-8")
    return result


def made_by(line: str) -> set[str]:
    """The files an example makes: its --out, and where ``>`` saves its output."""
    words = shlex.split(command_of(line))
    return {after for before, after in zip(words, words[1:], strict=False) if before in ("--out", ">")}


def needed_first(example: str) -> tuple[str, ...]:
    """The WALKTHROUGH examples to run before ``example``: those before it, when it is one of them; all of them
    when it names a file one of them makes; else none."""
    if command_of(example) in WALKTHROUGH:
        return WALKTHROUGH[: WALKTHROUGH.index(command_of(example))]
    made = set().union(*(made_by(line) for line in WALKTHROUGH))
    return WALKTHROUGH if made & set(shlex.split(command_of(example))) else ()


def test_the_walkthrough_is_made_of_examples() -> None:
    """Each line run before another example is itself an example, which the test below runs too."""
    assert set(WALKTHROUGH) <= {command_of(e) for _, e in EXAMPLES}
    assert {"ledger.key", "pub.txt", "checkpoint-1.txt"} <= set().union(*(made_by(line) for line in WALKTHROUGH))


def test_every_command_has_an_example_that_succeeds() -> None:
    """A documented failure ("# exit 3 until ...") may follow an example that runs, never stand for all of them."""
    for path in COMMANDS:
        assert any(not re.search(r"  # exit [1-9]", e) for e in examples_of(help_of(path))), path


@pytest.mark.parametrize(("path", "example"), EXAMPLES, ids=[e for _, e in EXAMPLES])
def test_the_example_runs(
    path: str, example: str, built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(built, tmp_path / "ledger.sqlite")
    for name in ("seeds", "predictions"):  # the frozen copy the ledger was built from
        os.symlink(PREDICTIONS.parent / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path}/ledger.sqlite")
    command, _, comment = example.partition("  # ")
    documented = re.match(r"exit (\d+)", comment)
    expected = {0, int(documented[1])} if documented else {0}
    started: list[Any] = []
    if path in LONG_RUNNING:  # runs until stopped: check that it parses and builds its trigger, then stop there
        from tracker.app import scheduler

        monkeypatch.setattr(scheduler, "run_forever", lambda url, trigger, announce=None: started.append(trigger))
    for line in needed_first(example):
        made = run_line(line, tmp_path)
        assert made.exit_code == 0, (line, made.output)
    result = run_line(example, tmp_path)
    assert result.exit_code in expected, (result.exit_code, result.output, result.stderr)
    if path in LONG_RUNNING:
        assert len(started) == 1


def test_forecast_and_resolve_help_show_the_recording_options() -> None:
    text = help_of("forecast")
    assert text.startswith("Usage: tracker forecast [OPTIONS] QUESTION\n")
    for option in ("--forecaster", "--p ", "--says", "--made-at", "--quote", "--source"):
        assert f"  {option}" in text, option
    assert "withdraw" in text.split("Commands:")[1] and "  record" not in text
    text = help_of("resolve")
    assert text.startswith("Usage: tracker resolve [OPTIONS] QUESTION OUTCOME\n")
    assert "  --on " in text and "  --evidence" in text and "correct" in text.split("Commands:")[1]
    # the subcommands' own help is theirs
    assert help_of("forecast withdraw").startswith("Usage: tracker forecast withdraw [OPTIONS] FORECAST_ID")


def test_version_and_completion() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"tracker (forecast-tracker) {__version__}\n"
    text = help_of("")
    assert "--install-completion" in text and "--show-completion" in text
    # As a shell runs it: a process of its own. In this process Typer's completion state is shared with every
    # test before this one, and after some of them it answered "not supported" (exit 1).
    script = [sys.executable, "-c", "import sys; from tracker.cli.main import run; sys.argv[0] = 'tracker'; run()"]
    shown = subprocess.run([*script, "--show-completion", "bash"], capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "complete" in shown.stdout and "_TRACKER_COMPLETE" in shown.stdout


def test_due_exit_code_for_cron(tmp_path: Path) -> None:
    """The README's cron line: `tracker due --exit-code` exits 1, listing them, when questions are due, else 0."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^0 7 \* \* \* .*tracker due --exit-code", readme, re.M), "the README's cron line"
    url = f"sqlite:///{tmp_path}/ledger.sqlite"
    led = Ledger(url, actor="cron")
    led.init()
    empty = runner.invoke(app, ["--db", url, "due", "--exit-code"])
    assert empty.exit_code == 0 and "no question is past its resolve-by date" in empty.output
    scored_catalog(led)
    due = led.rows("due")[0]
    assert due, f"predictions/ ({PREDICTIONS}) has no due question any more: pick another fixture"
    result = runner.invoke(app, ["--db", url, "due", "--exit-code"])
    assert result.exit_code == 1, result.output
    assert all(str(r["question_id"]) in result.output for r in due)
    for r in due:
        led.annul(str(r["question_id"]), "test: no longer due")
    assert runner.invoke(app, ["--db", url, "due", "--exit-code"]).exit_code == 0
    led.close()
