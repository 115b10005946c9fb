"""A new read command is its table spec, its reader and its command: `read_options` gives it the shared options.

The command registered here for the forecasters table (which no command lists) takes the filters its spec names,
--format/--json, --limit, --as-of and --run, and prints what `Ledger.rows` reads, as every read command does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import click
import pytest
import typer
from conftest import tracker
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli import reading as rd
from tracker.cli.common import ledger
from tracker.cli.main import TrackerGroup
from tracker.cli.render import Column
from tracker.read.tables import TABLES

SPEC = TABLES["forecasters"]


def new_command_app() -> typer.Typer:
    app = typer.Typer(cls=TrackerGroup, rich_markup_mode=None, pretty_exceptions_enable=False)

    @app.callback()
    def main(ctx: typer.Context, db: str = typer.Option(None, "--db")) -> None:
        ctx.obj = {"db": db}

    @app.command()
    @rd.read_options(*SPEC.filters)
    def people(ctx: typer.Context, opts: rd.ReadOptions) -> None:
        """The forecasters."""
        rd.show(ledger(ctx), SPEC.name, opts, [Column("name", "name")], noun=("forecaster", "forecasters"))

    return app


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    from review_fixtures import scored_catalog

    url = f"sqlite:///{tmp_path_factory.mktemp('opts')}/ledger.sqlite"
    led = Ledger(url, actor="tester")
    led.init()
    scored_catalog(led)
    return led


def run(led: Ledger, *args: str) -> typer.testing.Result:
    return CliRunner().invoke(new_command_app(), ["--db", led.url, "people", *args])


def test_a_command_made_from_a_table_spec_takes_the_shared_options(scored: Ledger) -> None:
    help_text = run(scored, "--help").output
    for option in ("--forecaster", "--format", "--json", "--limit", "--as-of", "--run"):
        assert option in help_text
    assert "--status" not in help_text and "--tag" not in help_text  # only the filters the spec names
    everyone = json.loads(run(scored, "--json").stdout)
    assert everyone == scored.rows("forecasters", parse_json=True)[0] and len(everyone) > 1
    name = everyone[0]["name"]
    one = json.loads(run(scored, "--json", "--forecaster", name).stdout)
    assert [r["name"] for r in one] == [name]
    assert json.loads(run(scored, "--json", "--as-of", "0").stdout) == []
    assert len(json.loads(run(scored, "--json", "--limit", "1").stdout)) == 1
    csv_lines = run(scored, "--format", "csv").stdout.splitlines()
    assert csv_lines[0].split(",") == SPEC.names and len(csv_lines) == len(everyone) + 1


def test_its_bad_options_are_one_line_errors(scored: Ledger) -> None:
    unknown = run(scored, "--json", "--forecaster", "nobody-at-all")
    listed = tracker(scored, "list", "--json", "--forecaster", "nobody-at-all")  # what every read command says
    assert unknown.exit_code == listed.exit_code not in (0, 70) and unknown.stderr == listed.stderr
    assert "nobody-at-all" in unknown.stderr and len(unknown.stderr.splitlines()) == 1
    not_shared = run(scored, "--tag", "x")
    assert not_shared.exit_code == 2 and "--tag" in not_shared.stderr
    bad_point = run(scored, "--as-of", "yesterday-ish")
    assert bad_point.exit_code != 0 and bad_point.stderr.startswith("error:")


def test_a_limit_larger_than_a_query_takes_shows_every_row(scored: Ledger) -> None:
    for command in ("list", "log", "sources"):
        every = tracker(scored, command, "--format", "tsv", "--limit", "0")
        huge = tracker(scored, command, "--format", "tsv", "--limit", "9" * 20)  # past a BIGINT: exit 70 before
        assert huge.exit_code == 0, huge.output
        assert huge.stdout == every.stdout


@pytest.fixture
def people_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A table no module knows of: its spec (the forecasters' columns) and its reader, registered where they are
    defined and nowhere else; taken away after the test."""
    from dataclasses import replace

    from tracker.read import projections
    from tracker.read.tablereader import READERS, reads

    monkeypatch.setitem(TABLES, "people", replace(SPEC, name="people"))

    @reads("people")
    def people_reader(snap: Any, **filters: Any) -> Any:
        return replace(projections.forecasters_reader(snap, **filters), spec=TABLES["people"])

    try:
        yield "people"
    finally:
        READERS.pop("people")


def test_a_new_read_command_is_its_spec_its_reader_and_its_command(scored: Ledger, people_table: str) -> None:
    """Defined in one place each, the new table and command are read by the Ledger, and listed with their examples
    in the help and in the README's index of every command (which the tests check against the README)."""
    from tracker.cli.common import Commands
    from tracker.cli.examples import command_index, examples_of, is_read_command

    command = Commands()

    @command("people", examples=("tracker people --json",))
    @rd.read_options(*SPEC.filters)
    def people(ctx: typer.Context, opts: rd.ReadOptions) -> None:
        """The people who forecast."""
        rd.show(ledger(ctx), people_table, opts, [Column("name", "name")], noun=("person", "people"))

    app = typer.Typer(cls=TrackerGroup, rich_markup_mode=None, pretty_exceptions_enable=False)

    @app.callback()
    def main(ctx: typer.Context, db: str = typer.Option(None, "--db")) -> None:
        ctx.obj = {"db": db}

    command.register(app)
    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    new = root.commands["people"]
    assert examples_of(new) == ["tracker people --json"] and is_read_command(new)
    assert "| `tracker people` | The people who forecast. | yes | `tracker people --json` |" in command_index(root)
    shown = CliRunner().invoke(app, ["--db", scored.url, "people", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout) == scored.rows("forecasters", parse_json=True)[0] != []
    assert scored.frame(people_table).equals(scored.forecasters())
    assert [name for name, _ in Ledger.columns(people_table)] == SPEC.names
