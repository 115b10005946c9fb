"""The runnable examples that end every command's help, in one form.

Given with the command where it is defined (`tracker.cli.common.Commands`), or here keyed by the command's path
under ``tracker`` ("" is ``tracker`` itself). Each example is a whole command line
that runs, from the repository's root, on the ledger `make demo` builds from predictions/
(``TRACKER_DATABASE_URL`` or ``--db`` naming it); tests/test_cli_examples.py runs every one of them, each on a
fresh copy of that ledger (after the `WALKTHROUGH` examples that make the files it names). A line may end with
``# exit N ...``: the documented exit code when N is not 0.
"""

from __future__ import annotations

from typing import Any

import click

EXAMPLES: dict[str, tuple[str, ...]] = {
    "": ("tracker import predictions/", "tracker scores --tag venezuela"),
    "init": ("tracker init", "tracker --db scratch.sqlite init"),
    "source": ('tracker source add my-article --title "An article" --published 2026-01-14 --outlet "A paper"',),
    "source add": (
        'tracker source add my-article --title "An article" --published 2026-01-14 '
        "--file seeds/003_6941297c69f6b35b.txt",
    ),
    "question": ('tracker question add osaka-2019 --title "Will they meet?" --criteria "A bilateral meeting"',),
    "question add": (
        'tracker question add osaka-2019 --title "Will they meet in Osaka?" --criteria "A bilateral meeting" '
        "--resolve-by 2019-06-29 --opened 2019-05-01 --tag summits",
        'tracker question add trump-putin-deal --title "Will they sign a deal?" --criteria "A signed agreement" '
        "--source politico-2026-01-14-let-the-bargaining-begin",
    ),
    "question clarify": (
        'tracker question clarify russia-ukraine-ceasefire-2026 --criteria "A ceasefire both sides announce" '
        '--reason "an announcement by one side does not count"',
        'tracker question clarify russia-ukraine-ceasefire-2026 --opened 2026-01-10 --reason "asked on 10 January"',
    ),
    "forecast": (
        'tracker forecast russia-ukraine-ceasefire-2026 --forecaster "A. Columnist" --p 0.3 --made-at 2026-01-20',
        'tracker forecast russia-ukraine-ceasefire-2026 --forecaster "A. Columnist" --says unlikely '
        "--made-at 2026-01-20",
    ),
    "forecast withdraw": ('tracker forecast withdraw lo-no-pressure-for-concessions --reason "wrong question"',),
    "resolve": (
        "tracker resolve russia-retaliates-over-venezuela-mid-2026 no --on 2026-07-01 "
        '--evidence "No retaliation was reported"',
    ),
    "resolve correct": (
        'tracker resolve correct osaka-trump-putin-meeting-2019 no --on 2019-06-29 --reason "misread the reports"',
    ),
    "annul": ('tracker annul russia-ukraine-ceasefire-2026 --reason "the question was ambiguous"',),
    "reopen": ('tracker reopen osaka-trump-putin-meeting-2019 --reason "resolved by mistake"',),
    "schedule": ("tracker schedule run --every 1h",),
    "schedule run": ("tracker schedule run --every 15m", "tracker schedule run --cron '0 6 * * *' --tz Europe/Berlin"),
    "import": ("tracker import predictions/", "tracker import predictions/ --json"),
    "phrases": (
        "tracker phrases",
        'tracker phrases --observed --forecaster "Mikhail Alexandrov"',
    ),
    "rescale": ('tracker rescale --scale 1 --reason "re-derive with scale 1" --dry-run',),
    "export": (
        "tracker export forecasts --out forecasts.xlsx --tag venezuela",
        "tracker export all --format xlsx --out bundle.zip",
    ),
    "report": (
        "tracker report --out review.html",
        "tracker report --out review.html --force  # replaces the page an earlier run wrote there",
    ),
    "site": (
        "tracker site --out site-then --as-of 60 --json",
        "tracker site --out site --key pub.txt  # every page proves its events, checked with this public key",
    ),
    "extract": (
        "tracker extract seeds/001_33bf704cea32a562.txt --out draft.yaml",
        "tracker extract seeds/ --out drafts/",
    ),
    "plot": ("tracker plot calibration --out calibration.png --bins 5",),
    "plot calibration": (
        "tracker plot calibration --out calibration.png --bins 5",
        "tracker plot calibration --out venezuela.svg --tag venezuela",
    ),
    "plot discrimination": (
        "tracker plot discrimination --out discrimination.png --bins 5",
        'tracker plot discrimination --out alexandrov.svg --forecaster "Mikhail Alexandrov" --bins 4',
    ),
    "plot history": (
        "tracker plot history --out history.png --forecaster leonid-bershidsky",
        "tracker plot history --out history.svg --forecaster leonid-bershidsky --over runs",
    ),
}
# The examples that make the files other examples use (the log's key and its public half, a witness's key, a
# checkpoint, a proof), in the order a reader runs them: tests/test_cli_examples.py runs the ones before an example
# of these, and all of them before an example naming a file they make, in that example's folder. ``> FILE`` is the
# shell's: the command's standard output saved there.
WALKTHROUGH = (
    "tracker keygen --out ledger.key --name news.example/forecasts > pub.txt",
    "tracker keygen --out witness.key --name witness.example/w1 --cosigner > witness-pub.txt",
    "tracker checkpoint --key ledger.key --out checkpoint-1.txt",
    "tracker proof alexandrov-exile-forces-can-be-sent --key ledger.key --out forecast.tlog-proof",
)
# Commands whose examples never return by themselves: the test checks their options parse, and does not run them.
LONG_RUNNING = ("schedule", "schedule run")


def epilog(lines: tuple[str, ...] | None) -> str | None:
    """The help's closing section for a command's examples ``lines``: "Examples:" and one command a line."""
    if not lines:
        return None
    # \b keeps click from rewrapping the lines into one paragraph
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def attach(command: click.Command, path: str = "") -> None:
    """Set the examples listed here on ``command`` and every subcommand under it (a command registered with its
    examples has them already)."""
    text = epilog(EXAMPLES.get(path))
    if text is not None:
        command.epilog = text
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            attach(sub, f"{path} {name}".strip())


def all_commands(command: click.Command, path: str = "") -> list[tuple[str, Any]]:
    """Every visible command under ``command`` with its path (for the tests and the docs)."""
    out: list[tuple[str, Any]] = [(path, command)]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            if not sub.hidden:
                out += all_commands(sub, f"{path} {name}".strip())
    return out


INDEX_MARKER = "<!-- command index: generated by tracker.cli.examples.command_index(); a test checks it is current -->"


def examples_of(command: click.Command) -> list[str]:
    """The example lines that end ``command``'s help."""
    head, sep, tail = (command.epilog or "").partition("Examples:\n")
    return [line.strip() for line in tail.splitlines() if line.strip()] if sep else []


def is_read_command(command: click.Command) -> bool:
    """Whether ``command`` takes the options of `tracker.cli.reading.read_options` (it reads the ledger at a point
    of its history and prints it in any format)."""
    return hasattr(command.callback, "read_options")


def command_index(root: click.Command) -> str:
    """The README's table of every command under ``root``: what it does, whether it takes the read options
    (--format, --as-of, ...), and its first example."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| command | what it does | read options | e.g. |", "|---|---|---|---|"]
    for path, command in all_commands(root):
        if not path:
            continue
        first = next(iter(examples_of(command)), "").partition("  # ")[0]
        lines.append(
            f"| `tracker {path}` | {cell(command.get_short_help_str(limit=90))} "
            f"| {'yes' if is_read_command(command) else ''} | `{cell(first)}` |"
        )
    return "\n".join(lines) + "\n"


def readme_with_index(readme: str, root: click.Command) -> str:
    """``readme`` with the table after its INDEX_MARKER line brought up to date."""
    head, sep, rest = readme.partition(INDEX_MARKER + "\n")
    if not sep:
        raise ValueError("the README has no command index marker")
    while rest.startswith("|"):  # the table written last time
        rest = rest.partition("\n")[2]
    return head + sep + command_index(root) + rest
