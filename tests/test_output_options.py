"""Every path the command line writes, found by inspecting the Typer app, refuses a symbolic link, a FIFO, a
device, a directory where a file is expected (a file where a folder is) and the command's own input (the
ledger, the article), with one line, exit code 3, and the thing left as it was, even with --force. A file
already at a file output's name is the user's: refused the same way, and replaced only with --force where the
command has it.

Every path parameter of every command must be listed here as an input or as an output with its case: a new
output option is untested until it is, and this file fails until then."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import click
import pytest
import typer
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.errors import UserError

runner = CliRunner()
ARTICLE = "The summit is unlikely to happen this year, the minister said.\n"


@dataclass(frozen=True)
class Output:
    """How to call a command so that it writes ``target``; ``suffix``: the name must end so (the command picks
    the format by it); ``folder``: the output is a folder; ``either``: a file, or a folder to write a named file
    in (then the directory case puts a directory at that name inside it); ``field``: the name in the error
    line; ``force``: the command takes --force, which replaces a file already at the name."""

    args: Callable[[str, str], list[str]]  # (target, article) -> arguments
    suffix: str = ""
    folder: bool = False
    either: str = ""
    field: str = "out"
    force: bool = False


# (command, parameter) -> the case; commands are spelled as typed ("plot history").
OUTPUTS: dict[tuple[str, str], Output] = {
    ("export", "out"): Output(lambda t, a: ["export", "forecasts", "--format", "csv", "--out", t], force=True),
    ("report", "out"): Output(lambda t, a: ["report", "--out", t], force=True),
    ("plot calibration", "out"): Output(lambda t, a: ["plot", "calibration", "--out", t], suffix=".png", force=True),
    ("plot discrimination", "out"): Output(
        lambda t, a: ["plot", "discrimination", "--out", t], suffix=".png", force=True
    ),
    ("plot history", "out"): Output(
        lambda t, a: ["plot", "history", "--out", t, "--forecaster", "Ann Example"], suffix=".svg", force=True
    ),
    ("extract", "out"): Output(
        lambda t, a: ["extract", a, "--out", t], suffix=".yaml", either="article.yaml", force=True
    ),
    ("backup", "path"): Output(lambda t, a: ["backup", t], field="path"),
    ("site", "out"): Output(lambda t, a: ["site", "--out", t], folder=True),
    ("keygen", "out"): Output(lambda t, a: ["keygen", "--out", t]),
    ("checkpoint", "out"): Output(lambda t, a: ["checkpoint", "--key", signing_key(), "--out", t]),
    # The forecast need not exist: the target is refused before the ledger is read.
    ("proof", "out"): Output(lambda t, a: ["proof", "some-forecast", "--key", signing_key(), "--out", t], force=True),
    ("cosign", "out"): Output(lambda t, a: ["cosign", *cosigning_inputs(), "--out", t]),
}
# Paths the commands only read.
INPUTS = {
    ("import", "paths"),
    ("extract", "paths"),
    ("source add", "file"),
    ("checkpoint", "key"),
    ("checkpoint", "timestamp_token"),
    ("site", "checkpoint"),
    ("proof", "key"),
    ("proof", "against"),
    ("verify", "checkpoint"),
    ("verify-proof", "file"),
    ("cosign", "checkpoint"),
    ("cosign", "key"),
}
_KEY: list[str] = []


def signing_key() -> str:
    """A private key file outside every test's work folder, made once."""
    if not _KEY:
        from tracker.app import proofs

        path = Path(tempfile.mkdtemp()) / "log.key"
        proofs.keygen("test.example/log", path)
        _KEY.append(str(path))
    return _KEY[0]


def cosigning_inputs() -> list[str]:
    """A checkpoint signed by a log, a witness's key and the log's public key, outside every work folder."""
    from tracker.app import proofs
    from tracker.domain.notes import Checkpoint, sign_checkpoint

    folder = Path(tempfile.mkdtemp())
    log = proofs.keygen("test.example/log", folder / "log.key")
    proofs.keygen("witness.example/w1", folder / "w.key", cosigner=True)
    (folder / "cp.txt").write_text(sign_checkpoint(Checkpoint(log.name, 1, bytes(32)), log), encoding="utf-8")
    return [str(folder / "cp.txt"), "--key", str(folder / "w.key"), "--log-key", log.verifier.vkey]


def path_parameters() -> Iterator[tuple[str, str]]:
    def walk(cmd: click.Command, prefix: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], click.Command]]:
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                yield from walk(sub, (*prefix, name))
        else:
            yield prefix, cmd

    root = typer.main.get_command(app)
    for name, cmd in walk(root, ()):
        for p in cmd.params:
            if isinstance(p.type, click.Path) or p.name in ("out", "output", "path", "dest", "file", "folder"):
                yield " ".join(name), str(p.name)


def test_every_path_parameter_is_an_input_or_a_tested_output() -> None:
    found = set(path_parameters())
    unknown = found - INPUTS - set(OUTPUTS)
    assert not unknown, f"path parameters neither listed as inputs nor tested as outputs: {sorted(unknown)}"
    assert (set(OUTPUTS) | INPUTS) <= found, "a listed parameter no longer exists"


# ------------------------------------------------------------------------------------------------- hostile things


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Ledger, Path, Path]]:
    (tmp_path / "db").mkdir()
    led = Ledger(f"sqlite:///{tmp_path}/db/ledger.sqlite", actor="tester")
    led.init()
    led.open_question("Will it rain?", "YES if it rains", question_id="rain", opened=date(2020, 1, 1))
    for day in (2, 3, 4):
        led.record_forecast("rain", "Ann Example", 0.2 + 0.1 * day, date(2020, 1, day))
    led.resolve("rain", "yes", date(2020, 6, 1))
    led.score()
    work = tmp_path / "t"
    work.mkdir()
    article = work / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    yield led, work, article
    led.close()


def snapshot(path: Path) -> Any:
    """What is at ``path``, enough to tell it was left as it was (links not followed)."""
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        return ("link", os.readlink(path))
    if stat.S_ISDIR(mode):
        inside = sorted(path.rglob("*"))
        return ("dir", [(str(p.relative_to(path)), p.read_bytes() if p.is_file() else None) for p in inside])
    if stat.S_ISREG(mode):
        return ("file", path.read_bytes(), os.lstat(path).st_ino)
    return ("node", stat.S_IFMT(mode), os.lstat(path).st_rdev)


KINDS = ["symlink", "fifo", "device", "wrong-kind", "own-input"]
# every output as it is, and again with --force where the command takes it
WITH_FORCE = [(o, force) for o, case in OUTPUTS.items() for force in (False, True) if case.force or not force]


def _id(option: tuple[str, str], force: bool = False) -> str:
    return f"{option[0]} {option[1]}".replace(" ", "-") + ("-force" if force else "")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("option", "force"), WITH_FORCE, ids=[_id(o, f) for o, f in WITH_FORCE])
def test_every_output_refuses(
    setup: tuple[Ledger, Path, Path], option: tuple[str, str], force: bool, kind: str
) -> None:
    led, work, article = setup
    case = OUTPUTS[option]
    target = work / f"target{case.suffix}"
    victim = work / "victim"
    victim.mkdir()
    (victim / "precious").write_text("precious", encoding="utf-8")
    reader = None
    watched = [victim]
    if kind == "symlink":
        target.symlink_to(victim if case.folder else victim / "precious")
    elif kind == "fifo":
        os.mkfifo(target)
        reader = os.open(target, os.O_RDONLY | os.O_NONBLOCK)  # so that a write shows instead of blocking
    elif kind == "device":
        try:
            os.mknod(target, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # like /dev/null
        except PermissionError:
            pytest.skip("creating a device node needs root")
    elif kind == "wrong-kind":
        if case.folder:
            target.write_text("a file where a folder is expected", encoding="utf-8")
        elif case.either:
            target = work / "drafts"
            (target / case.either).mkdir(parents=True)
            (target / case.either / "inside").write_text("x", encoding="utf-8")
        else:
            target.mkdir()
            (target / "inside").write_text("x", encoding="utf-8")
    else:  # its own input: the article it reads, or the ledger (the folder holding it, for a folder output)
        ledger_file = Path(str(led.sqlite_file()))
        target = article if option[0] == "extract" else ledger_file.parent if case.folder else ledger_file
        watched.append(ledger_file)
    watched.append(target)
    before = [snapshot(p) for p in watched]
    listing = sorted(p.name for p in work.iterdir())
    try:
        given = [*case.args(str(target), str(article)), *(["--force"] if force else [])]
        result = runner.invoke(app, ["--db", led.url, *given])
        if reader is not None:
            assert os.read(reader, 1 << 16) == b"", "the command wrote into the FIFO"
    finally:
        if reader is not None:
            os.close(reader)
    assert result.exit_code == UserError.exit_code, (option, kind, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {case.field}: "), lines
    # the line says what is there (not "already exists", which --force or another name would seem to cure)
    named = {"symlink": "symbolic link", "fifo": "FIFO", "device": "device"}.get(kind)
    assert named is None or named in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert [snapshot(p) for p in watched] == before
    assert sorted(p.name for p in work.iterdir()) == listing, "something was written beside the target"
    assert led.verify()["ok"]


@pytest.mark.parametrize("given", [".", ""], ids=["dot", "empty"])
@pytest.mark.parametrize(
    "option",
    [o for o, case in OUTPUTS.items() if not case.folder and not case.either],
    ids=lambda o: f"{o[0]} {o[1]}".replace(" ", "-"),
)
def test_every_file_output_refuses_the_current_folder(
    setup: tuple[Ledger, Path, Path], option: tuple[str, str], given: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--out .`` (or an empty ``--out ""``, which names the same folder) is a folder where a file is expected: one
    line, exit 3, and nothing written in it."""
    led, work, article = setup
    monkeypatch.chdir(work)
    case = OUTPUTS[option]
    listing = sorted(p.name for p in work.iterdir())
    result = runner.invoke(app, ["--db", led.url, *case.args(given, str(article))])
    assert result.exit_code == UserError.exit_code, (option, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {case.field}: "), lines
    assert sorted(p.name for p in work.iterdir()) == listing


LONG = "n" * 300  # longer than a file name may be on any common file system (255 bytes)


@pytest.mark.parametrize("option", list(OUTPUTS), ids=lambda o: f"{o[0]} {o[1]}".replace(" ", "-"))
def test_every_output_refuses_a_name_too_long(setup: tuple[Ledger, Path, Path], option: tuple[str, str]) -> None:
    """A name the file system refuses (ENAMETOOLONG: pathlib's tests raise it where os.path's answer False) is one
    line, exit 3, nothing written."""
    led, work, article = setup
    case = OUTPUTS[option]
    listing = sorted(p.name for p in work.iterdir())
    result = runner.invoke(app, ["--db", led.url, *case.args(str(work / f"{LONG}{case.suffix}"), str(article))])
    assert result.exit_code == UserError.exit_code, (option, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {case.field}: "), lines
    assert sorted(p.name for p in work.iterdir()) == listing


@pytest.mark.parametrize(
    "args",
    [
        ["import", "{long}"],
        ["extract", "{long}.txt"],
        ["source", "add", "s", "--title", "T", "--file", "{long}"],
        ["verify-proof", "{long}", "--key", "{vkey}"],
        ["verify-proof", "{long}", "--key", "{long}"],
        ["checkpoint", "--key", "{long}"],
        ["checkpoint", "--timestamp-token", "{long}"],
        ["verify", "--checkpoint", "{long}", "--key", "{vkey}"],
        ["cosign", "{long}", "--key", "{long}", "--log-key", "{vkey}", "--out", "{long}"],
    ],
    ids=[
        "import",
        "extract",
        "source-add",
        "verify-proof",
        "verify-proof-key",
        "checkpoint-key",
        "timestamp-token",
        "verify-checkpoint",
        "cosign",
    ],  # fmt: skip
)
def test_every_input_refuses_a_name_too_long(setup: tuple[Ledger, Path, Path], args: list[str]) -> None:
    led, work, _ = setup
    vkey = cosigning_inputs()[-1]
    given = [a.format(long=str(work / LONG), vkey=vkey) for a in args]
    result = runner.invoke(app, ["--db", led.url, *given])
    assert result.exit_code in (UserError.exit_code, 4), (args, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines


# ------------------------------------------------------------------------------------------ a file already there

FILE_OUTPUTS = [o for o, case in OUTPUTS.items() if not case.folder]
FORCEABLE = [o for o, case in OUTPUTS.items() if case.force]


def _proof_args(led: Ledger) -> Callable[[str, str], list[str]]:
    """The proof case with a forecast the ledger holds (the listed case names none: it is refused before)."""
    forecast_id = str(led.frame("forecasts")["forecast_id"].iloc[0])
    return lambda t, a: ["proof", forecast_id, "--key", signing_key(), "--out", t]


def _existing(work: Path, case: Output, in_folder: bool) -> tuple[Path, Path]:
    """(what --out names, the user's file the command would write) with the user's file made."""
    if in_folder:
        named = work / "drafts"
        named.mkdir()
        mine = named / case.either
    else:
        named = mine = work / f"notes{case.suffix}"
    mine.write_bytes(b"my own notes, reviewed by hand\n")
    return named, mine


@pytest.mark.parametrize(
    ("option", "in_folder"),
    [*((o, False) for o in FILE_OUTPUTS), *((o, True) for o in FILE_OUTPUTS if OUTPUTS[o].either)],
    ids=[*(_id(o) for o in FILE_OUTPUTS), *(_id(o) + "-in-folder" for o in FILE_OUTPUTS if OUTPUTS[o].either)],
)
def test_every_file_output_refuses_an_existing_file(
    setup: tuple[Ledger, Path, Path], option: tuple[str, str], in_folder: bool
) -> None:
    """A file already at the name is the user's: one line naming it (and --force, where the command has it),
    exit 3, the file byte for byte and inode as it was, nothing written beside it."""
    led, work, article = setup
    case = OUTPUTS[option]
    named, mine = _existing(work, case, in_folder)
    before = snapshot(mine)
    listing = sorted(p.relative_to(work) for p in work.rglob("*"))
    args = _proof_args(led) if option[0] == "proof" else case.args
    result = runner.invoke(app, ["--db", led.url, *args(str(named), str(article))])
    assert result.exit_code == UserError.exit_code, (option, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {case.field}: {str(mine)!r} already exists"), lines
    if case.force:
        assert lines[0].endswith("give --force to replace it, or another --out"), lines
    assert snapshot(mine) == before
    assert sorted(p.relative_to(work) for p in work.rglob("*")) == listing


@pytest.mark.parametrize(
    ("option", "in_folder"),
    [*((o, False) for o in FORCEABLE), *((o, True) for o in FORCEABLE if OUTPUTS[o].either)],
    ids=[*(_id(o) for o in FORCEABLE), *(_id(o) + "-in-folder" for o in FORCEABLE if OUTPUTS[o].either)],
)
def test_force_replaces_an_existing_file(
    setup: tuple[Ledger, Path, Path], option: tuple[str, str], in_folder: bool
) -> None:
    led, work, article = setup
    case = OUTPUTS[option]
    named, mine = _existing(work, case, in_folder)
    args = _proof_args(led) if option[0] == "proof" else case.args
    result = runner.invoke(app, ["--db", led.url, *args(str(named), str(article)), "--force"])
    assert result.exit_code == 0, (option, result.output)
    assert mine.read_bytes() != b"my own notes, reviewed by hand\n" and mine.stat().st_size > 0
    assert not [p.name for p in mine.parent.iterdir() if p.name.endswith(".tmp")]


def test_force_is_one_option_shared_by_every_command_that_takes_it() -> None:
    """Every command with --force takes the one definition (tracker.cli.common.FORCE), and every file output
    listed as replaceable has it."""
    from tracker.cli.common import FORCE

    root = typer.main.get_command(app)
    for option in FORCEABLE:
        cmd: Any = root
        for word in option[0].split():
            cmd = cmd.commands[word]
        (param,) = [p for p in cmd.params if p.name == "force"]
        assert param.help == FORCE.help and param.opts == ["--force"], option
