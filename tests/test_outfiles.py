"""Output files: --out refuses what is not a regular file and leaves it untouched; exports are safe to open in a
spreadsheet (no formula runs) and still read back exactly."""

from __future__ import annotations

import os
import re
import socket
import stat
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import tracker as run

from tracker.app import export as ex
from tracker.app import outfiles
from tracker.app.ledger import Ledger
from tracker.errors import UserError

FORMULA_NAME = '=HYPERLINK("http://evil","x")'
HOSTILE_TEXTS = [FORMULA_NAME, "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(A1:A2)", "'quoted", "''twice", "plain"]


# ------------------------------------------------------------------------------------ hostile targets


def make_symlink(tmp: Path) -> tuple[Path, Callable[[], None]]:
    victim = tmp / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    link = tmp / "link.out"
    link.symlink_to(victim)

    def untouched() -> None:
        assert link.is_symlink() and os.readlink(link) == str(victim)
        assert victim.read_text(encoding="utf-8") == "precious"

    return link, untouched


def make_dangling_symlink(tmp: Path) -> tuple[Path, Callable[[], None]]:
    link = tmp / "dangling.out"
    link.symlink_to(tmp / "nowhere" / "file")

    def untouched() -> None:
        assert link.is_symlink() and not (tmp / "nowhere").exists()

    return link, untouched


def make_fifo(tmp: Path) -> tuple[Path, Callable[[], None]]:
    fifo = tmp / "pipe.out"
    os.mkfifo(fifo)
    return fifo, lambda: stat.S_ISFIFO(os.lstat(fifo).st_mode) or pytest.fail("the FIFO was replaced")


def make_device(tmp: Path) -> tuple[Path, Callable[[], None]]:
    dev = tmp / "null.out"
    try:
        os.mknod(dev, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # like /dev/null
    except PermissionError:
        pytest.skip("creating a device node needs root")
    return dev, lambda: stat.S_ISCHR(os.lstat(dev).st_mode) or pytest.fail("the device node was replaced")


def make_directory(tmp: Path) -> tuple[Path, Callable[[], None]]:
    d = tmp / "dir.out"
    d.mkdir()
    (d / "inside").write_text("x")
    return d, lambda: (d / "inside").read_text() == "x" or pytest.fail("the directory changed")


def make_socket(tmp: Path) -> tuple[Path, Callable[[], None]]:
    path = tmp / "s.out"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()
    return path, lambda: stat.S_ISSOCK(os.lstat(path).st_mode) or pytest.fail("the socket was replaced")


TARGETS = {
    "symlink": (make_symlink, "symbolic link"),
    "dangling-symlink": (make_dangling_symlink, "symbolic link"),
    "fifo": (make_fifo, "FIFO"),
    "char-device": (make_device, "character device"),
    "directory": (make_directory, "directory"),
    "socket": (make_socket, "socket"),
}


@pytest.fixture
def small(ledger: Ledger) -> Ledger:
    ledger.open_question("Will it rain?", "YES if it rains", question_id="rain", opened=date(2000, 1, 1))
    ledger.record_forecast("rain", FORMULA_NAME, 0.3, date(2020, 1, 1), quote="-1 and @me")
    ledger.record_forecast("rain", "Ann Example", 0.6, date(2020, 1, 2))
    return ledger


COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "export-csv": lambda p: ["export", "forecasts", "--format", "csv", "--out", str(p)],
    "export-parquet": lambda p: ["export", "forecasts", "--format", "parquet", "--out", str(p)],
    "export-xlsx": lambda p: ["export", "questions", "--format", "xlsx", "--out", str(p)],
    "export-zip": lambda p: ["export", "all", "--format", "csv", "--out", str(p.with_suffix(".zip"))],
    "report": lambda p: ["report", "--out", str(p)],
    "plot": lambda p: ["plot", "calibration", "--out", str(p.with_suffix(".png"))],
}


@pytest.mark.parametrize("kind", list(TARGETS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_out_refuses_what_is_not_a_regular_file(small: Ledger, tmp_path: Path, kind: str, command: str) -> None:
    make, says = TARGETS[kind]
    if command in ("export-zip", "plot"):
        # these choose the name by its extension: build the hostile thing at that name
        suffix = ".zip" if command == "export-zip" else ".png"
        target, untouched = make(tmp_path)
        renamed = target.with_suffix(suffix)
        target.rename(renamed)
        target = renamed.with_suffix(".out")
        check = lambda: renamed.exists() or renamed.is_symlink() or pytest.fail("gone")  # noqa: E731
    else:
        target, untouched = make(tmp_path)
        check = untouched
    result = run(small, *COMMANDS[command](target))
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: out: ") and says in lines[0], lines
    assert "Traceback" not in result.output
    check()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")], "a temporary file was left behind"


def test_out_dir_refuses_a_symlink_or_a_file(small: Ledger, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    result = run(small, "export", "all", "--out", str(link))
    assert result.exit_code == 3 and "error: out: " in result.stderr and "symbolic link" in result.stderr
    assert list(real.iterdir()) == []
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    result = run(small, "export", "all", "--out", str(fifo))
    assert result.exit_code == 3 and "FIFO" in result.stderr and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_regular_file_is_replaced_whole_with_force(small: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    out.write_text("old content that is longer than the new one will be, surely" * 100)
    assert run(small, "export", "forecasts", "--out", str(out), "--force").exit_code == 0
    assert len(ex.read_csv(out)) == 2


def test_atomic_path_removes_the_temporary_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    target.write_text("before")
    with pytest.raises(RuntimeError), outfiles.atomic_path(target, overwrite=True) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "before"
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]


def test_backup_never_replaces_a_symlink(small: Ledger, tmp_path: Path) -> None:
    link, untouched = make_dangling_symlink(tmp_path)
    on_postgres = small.engine.dialect.name == "postgresql"  # where only --run-pg-dump writes a file
    result = run(small, "backup", str(link), *(["--run-pg-dump"] if on_postgres else []))
    assert result.exit_code == 3 and "error: path: " in result.stderr and "symbolic link" in result.stderr
    untouched()


# ------------------------------------------------------------------------------- spreadsheet safety


@pytest.fixture
def hostile(ledger: Ledger) -> Ledger:
    ledger.open_question("=1+1", "@criteria", question_id="q", opened=date(2000, 1, 1), tags=("x",))
    for i, name in enumerate(HOSTILE_TEXTS):
        ledger.record_forecast("q", name, 0.1 * (i + 1), date(2020, 1, 1 + i), quote=name, role=name)
    return ledger


def cells_starting(values: Iterator[Any]) -> list[str]:
    return [v for v in values if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_csv_neutralises_formula_text_and_reads_back_exactly(hostile: Ledger, tmp_path: Path) -> None:
    import csv

    out = tmp_path / "f.csv"
    ex.export_table(hostile, "forecasts", out)
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    dtypes = {c.name: c.dtype for c in ex.TABLES["forecasts"].columns}
    for row in body:
        for name, cell in zip(header, row, strict=True):
            if dtypes[name] in ex.TEXT_DTYPES:
                assert not cells_starting(iter([cell])), (name, cell)
    # numbers are not neutralised: a negative number stays a number (the events table's positions, p values)
    expected = hostile.forecasts()
    back = ex.read_csv(out)
    assert set(back["forecaster"]) == set(HOSTILE_TEXTS)
    assert list(back["quote"]) == list(expected["quote"])


@pytest.mark.parametrize("args", [["list"], ["show", "q"], ["hindsight"], ["scores"]])
def test_read_commands_csv_neutralises_formula_text(hostile: Ledger, args: list[str]) -> None:
    """`--format csv` of a read command is for a spreadsheet too (README: "for a spreadsheet or a script"): stored
    text that starts like a formula was written as it is, and ran when the file was opened. It is written as a
    CSV export writes it; json keeps it exact."""
    import csv
    import io
    import json

    hostile.record_forecast("q", "Late", 0.5, date(2020, 3, 1), quote="-1")
    hostile.resolve("q", "yes", date(2020, 2, 1), evidence="=2+2")
    assert run(hostile, "score").exit_code == 0
    result = run(hostile, *args, "--format", "csv")
    assert result.exit_code == 0, result.output
    cells = [cell for row in csv.reader(io.StringIO(result.stdout)) for cell in row]
    formulas = [c for c in cells_starting(iter(cells)) if not re.fullmatch(r"-[0-9.e+-]+", c)]  # numbers stay
    assert not formulas, formulas
    assert [c for c in cells if c.startswith("'=")], "no formula-looking text in the listing to check"
    exact = json.dumps(json.loads(run(hostile, *args, "--format", "json").stdout))
    assert '"=1+1' in exact or "=HYPERLINK" in exact or '"=2+2"' in exact


def test_csv_raw_keeps_text_exactly(hostile: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "raw.csv"
    result = run(hostile, "export", "forecasts", "--csv-raw", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "\n=HYPERLINK" in text or ',"=HYPERLINK' in text or ",=HYPERLINK" in text
    assert list(ex.read_csv(out)["quote"]) == list(hostile.forecasts()["quote"])


def test_negative_numbers_stay_numbers(tmp_path: Path) -> None:
    assert ex.neutralise("-0.5") == "'-0.5"  # text that looks like a number is still text
    assert ex.neutralise(-0.5) == -0.5
    for text in ("'x", "\tTAB", "\rCR", "=1", "x=1", ""):
        assert ex.restore_neutralised(ex.neutralise(text)) == text
    assert ex.neutralise("\tTAB") == "'\tTAB" and ex.neutralise("\rCR") == "'\rCR" and ex.neutralise("x=1") == "x=1"


@pytest.mark.parametrize("container", ["file", "bundle"])
def test_xlsx_never_holds_a_formula(hostile: Ledger, tmp_path: Path, container: str) -> None:
    from openpyxl import load_workbook

    if container == "file":
        out = tmp_path / "f.xlsx"
        ex.export_table(hostile, "forecasts", out)
        files = [out]
    else:
        out = tmp_path / "b.zip"
        ex.export_bundle(hostile, out, "xlsx")
        with zipfile.ZipFile(out) as z:
            z.extractall(tmp_path / "unzipped")
        files = sorted((tmp_path / "unzipped").glob("*.xlsx"))
    seen = 0
    for f in files:
        with zipfile.ZipFile(f) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), (f, name)
        book = load_workbook(f)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (f.name, cell.coordinate, cell.value)
                    seen += cell.value == FORMULA_NAME
    assert seen >= 1
    if container == "file":
        assert FORMULA_NAME in set(ex.read_xlsx(files[0])["forecaster"])


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_parquet_and_json_lines_are_untouched(hostile: Ledger, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"f.{fmt}"
    ex.export_table(hostile, "forecasts", out)
    back = ex.read_export(out)
    assert set(back["forecaster"]) == set(HOSTILE_TEXTS)


def test_bad_out_is_a_field_error_in_the_api(tmp_path: Path) -> None:
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    with pytest.raises(UserError, match="^out: .*FIFO"):
        outfiles.write_text(fifo, "x")


HOSTILE_NAME = "a\x1b]0;pwned\x07\u202eb"


@pytest.mark.parametrize(
    "args",
    [
        ["export", "forecasts", "--format", "csv", "--out", "{name}.csv"],
        ["export", "all", "--format", "csv", "--out", "{name}.zip"],
        ["report", "--out", "{name}.html"],
        ["plot", "calibration", "--out", "{name}.svg"],
        ["backup", "{name}.sqlite"],
    ],
    ids=["export", "export-all", "report", "plot", "backup"],
)
def test_a_hostile_output_name_is_printed_escaped(hostile: Ledger, tmp_path: Path, args: list[str]) -> None:
    """A file name holds any byte but '/' and NUL (a name from an archive, a glob): the messages that name the file
    written show what a terminal would act on escaped, as every other output does."""
    if args[0] == "backup" and hostile.sqlite_file() is None:
        pytest.skip("a backup of PostgreSQL is pg_dump's")
    name = str(tmp_path / HOSTILE_NAME)
    result = run(hostile, *[a.format(name=name) for a in args])
    assert result.exit_code == 0, result.output
    for stream in (result.stdout, result.stderr):
        assert not any(ch in stream for ch in "\x1b\x07\u202e"), stream
    assert "\\x1b" in result.stdout + result.stderr


def test_without_hard_links_a_new_file_is_still_published_and_never_replaces_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system without link(2) (FAT, SMB): the name is claimed with O_EXCL and the file renamed over the
    claim, so a file that took the name between the check and the publish is refused, not replaced."""
    import errno

    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(outfiles.os, "link", no_links)
    target = tmp_path / "new.txt"
    outfiles.write_text(target, "published")
    assert target.read_text() == "published"
    assert [p.name for p in tmp_path.iterdir()] == ["new.txt"]
    late = tmp_path / "late.txt"
    with pytest.raises(UserError, match="already exists: give --force"), outfiles.atomic_path(late) as tmp:
        tmp.write_text("ours")
        late.write_text("theirs, written while ours was being made")
    assert late.read_text() == "theirs, written while ours was being made"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["late.txt", "new.txt"]


def test_a_file_that_takes_the_name_meanwhile_is_never_replaced(tmp_path: Path) -> None:
    late = tmp_path / "late.txt"
    with pytest.raises(UserError, match="already exists: give --force"), outfiles.atomic_path(late) as tmp:
        tmp.write_text("ours")
        late.write_text("theirs")
    assert late.read_text() == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["late.txt"]


# ------------------------------------------------------------------------------------ one regular-file check


def test_is_regular_file_takes_neither_a_link_nor_what_a_read_would_block_on(tmp_path: Path) -> None:
    """`outfiles.is_regular_file`, the one check the bundle reader, the site folder and the proofs' file reader
    make: a link is not one (unless followed), nor a FIFO, a folder or a device; what cannot be examined raises."""
    regular = tmp_path / "f.txt"
    regular.write_text("x", encoding="utf-8")
    link, _ = make_symlink(tmp_path)
    fifo, _ = make_fifo(tmp_path)
    assert outfiles.is_regular_file(regular) and outfiles.is_regular_file(str(regular))
    assert not outfiles.is_regular_file(link) and outfiles.is_regular_file(link, follow_links=True)
    for other in (fifo, tmp_path, Path(os.devnull)):
        assert not outfiles.is_regular_file(other) and not outfiles.is_regular_file(other, follow_links=True)
    dangling, _ = make_dangling_symlink(tmp_path)
    assert not outfiles.is_regular_file(dangling)
    with pytest.raises(FileNotFoundError):
        outfiles.is_regular_file(dangling, follow_links=True)
    with pytest.raises(FileNotFoundError):
        outfiles.is_regular_file(tmp_path / "absent")
