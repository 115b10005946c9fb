"""What a command line can carry that no value may hold: bytes that are not UTF-8 (a shell passes them as they are;
Python keeps them as lone surrogates, which the database, JSON and the terminal refuse) and NUL bytes (a program
building the arguments can pass one; the file system calls refuse it). Each is one line naming the option, exit 3,
nothing written, where each used to end in "internal error" (exit 70). A file name that is not UTF-8 is still a
file name."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest
import typer
from conftest import tracker
from test_cli import failed

from tracker.app import proofs
from tracker.app.ledger import Ledger
from tracker.cli.examples import all_commands
from tracker.cli.main import app
from tracker.errors import UserError

NOT_UTF8 = os.fsdecode(b"caf\xe9")  # Latin-1 "café", as a shell in a UTF-8 locale passes it: 'caf\udce9'


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["list", "--tag", NOT_UTF8], "tag"),
        (["scores", "--forecaster", NOT_UTF8], "forecaster"),
        (["calibration", "--outlet", NOT_UTF8], "outlet"),
        (["show", NOT_UTF8], "question_id"),
        (["log", "--stream", NOT_UTF8], "stream"),
        (["compare", NOT_UTF8, "someone"], "forecasters"),
        (["keygen", "--out", "{tmp}/k.key", "--name", f"news.example/{NOT_UTF8}"], "name"),
        (["--actor", NOT_UTF8, "annul", "q", "--reason", "r"], "actor"),
        (["plot", "history", "--out", "{tmp}/h.png", "--forecaster", NOT_UTF8], "forecaster"),
    ],
    ids=["list", "scores", "calibration", "show", "log", "compare", "keygen", "actor", "plot"],
)
def test_a_value_that_is_not_utf8_is_one_line(ledger: Ledger, tmp_path: Path, args: list[str], field: str) -> None:
    head = ledger.info()["head_position"]
    before = sorted(os.listdir(tmp_path))
    line = failed(tracker(ledger, *[a.format(tmp=tmp_path) for a in args]), UserError, ["not UTF-8"])
    assert line.startswith(f"error: {field}: "), line
    assert sorted(os.listdir(tmp_path)) == before and ledger.info()["head_position"] == head


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["export", "events", "--out", "{tmp}/a\0b.csv"], "out"),
        (["export", "events", "--out={tmp}/a\0b.csv"], "out"),
        (["keygen", "--out", "{tmp}/\0", "--name", "news.example/log"], "out"),
        (["verify-proof", "p\0", "--key", "k"], "argument"),
        (["proof", "f", "--checkpoint", "c\0", "--log-key", "k", "--out", "{tmp}/p"], "checkpoint"),
        (["list", "--tag", "a\0b"], "tag"),
    ],
    ids=["export-out", "export-out-equals", "keygen-out", "verify-proof-file", "proof-checkpoint", "list-tag"],
)
def test_a_nul_byte_is_one_line(ledger: Ledger, tmp_path: Path, args: list[str], field: str) -> None:
    before = sorted(os.listdir(tmp_path))
    line = failed(tracker(ledger, *[a.format(tmp=tmp_path) for a in args]), UserError, ["NUL byte"])
    assert line.startswith(f"error: {field}: "), line
    assert sorted(os.listdir(tmp_path)) == before


def test_a_file_name_that_is_not_utf8_is_still_a_file_name(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / f"{NOT_UTF8}.csv"
    result = tracker(ledger, "export", "events", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert os.path.exists(os.fsencode(out))
    # a public key given as a file of that name is read from it
    key = tmp_path / f"{NOT_UTF8}.pub"
    key.write_text(proofs.keygen("news.example/log", tmp_path / "k.key").verifier.vkey + "\n", encoding="utf-8")
    kept = tracker(ledger, "export", "all", "--out", str(tmp_path / "b.zip"), "--key", str(key))
    assert "not UTF-8" not in kept.stderr and "keeps no checkpoint" in kept.stderr, kept.output
    # but a text option is text, whatever file happens to have its name
    monkeypatch.chdir(tmp_path)
    (tmp_path / NOT_UTF8).write_text("", encoding="utf-8")
    failed(tracker(ledger, "list", "--tag", NOT_UTF8), UserError, ["tag: ", "not UTF-8"])


def test_every_command_checks_its_text_values() -> None:
    """The check wraps each command as it is built: none escapes it (a command built another way would)."""
    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    commands = [c for path, c in all_commands(root) if path and c.callback is not None]
    assert len(commands) > 30
    unchecked = [c.name for c in commands if not getattr(c.callback, "_checks_text", False)]
    assert not unchecked
