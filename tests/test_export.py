"""Exports: every table in every format reads back equal, dtypes included; the bundle and its data dictionary;
--as-of; the head in the metadata; chunked streaming; and one-line errors for the unhappy paths."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import tracker as cli
from review_fixtures import AWKWARD, copy_prefix, grow

from tracker.app import export as ex
from tracker.app.ledger import Ledger
from tracker.read import tables as fr
from tracker.read.tables import TABLES
from tracker.store import eventstore as es

ALL = list(TABLES)


def frame_of(led: Ledger, table: str, **kw: Any) -> pd.DataFrame:
    return getattr(led, table)(**kw)


def excel_precision(frame: pd.DataFrame) -> pd.DataFrame:
    """What the documented xlsx round trip keeps: times to the millisecond."""
    out = frame.copy()
    for col in out.columns:
        if str(out[col].dtype).startswith("datetime64"):
            out[col] = out[col].dt.round("ms")
    return out


def assert_round_trip(expected: pd.DataFrame, back: pd.DataFrame, fmt: str, table: str) -> None:
    if fmt == "xlsx":
        pd.testing.assert_frame_equal(excel_precision(expected), back, check_exact=False, rtol=1e-15, obj=table)
    else:
        pd.testing.assert_frame_equal(expected, back, check_exact=True, obj=f"{table}.{fmt}")


def one_error(result: Any, says: str = "") -> str:
    assert result.exit_code == 3, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert says in lines[0], lines[0]
    return str(lines[0])


@pytest.mark.parametrize("fmt", list(ex.FORMATS))
def test_every_table_round_trips(grown: Ledger, tmp_path: Path, fmt: str) -> None:
    for table in ALL:
        path = tmp_path / f"{table}{ex.FORMATS[fmt]}"
        meta = ex.export_table(grown, table, path)
        assert meta["format"] == fmt and meta["rows"] == len(frame_of(grown, table))
        assert_round_trip(frame_of(grown, table), ex.read_export(path), fmt, table)
    if fmt == "csv":  # the awkward quote survived CSV quoting, "NA"-like words and a newline
        back = ex.read_csv(tmp_path / "forecasts.csv", "forecasts")
        assert AWKWARD in set(back["quote"].dropna())


def test_parquet_reads_back_with_plain_pandas(grown: Ledger, tmp_path: Path) -> None:
    ex.export_table(grown, "forecasts", tmp_path / "f.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "f.parquet"), grown.forecasts())


def test_filtered_and_optioned_exports(grown: Ledger, tmp_path: Path) -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("forecasts", {"forecaster": ["Vladimir Frolov", "mikhail-alexandrov"], "status": "resolved"}),
        ("questions", {"status": "due"}),
        ("scores", {"status": "hindsight"}),
        ("events", {"type": ["QuestionResolved", "ResolutionCorrected"]}),
        ("leaderboard", {"by": "outlet", "sort": "mean_time_avg_brier"}),
        ("leaderboard", {"run": 2}),
        ("calibration", {"forecaster": ["vladimir-frolov"], "bins": 4}),
    ]
    for i, (table, options) in enumerate(cases):
        for fmt in ex.FORMATS:
            path = tmp_path / f"{i}-{table}{ex.FORMATS[fmt]}"
            ex.export_table(grown, table, path, **options)
            assert_round_trip(frame_of(grown, table, **options), ex.read_export(path), fmt, table)


def test_meta_carries_the_head(grown: Ledger, tmp_path: Path) -> None:
    info = grown.info()
    for fmt in ex.FORMATS:
        path = tmp_path / f"q{ex.FORMATS[fmt]}"
        ex.export_table(grown, "questions", path)
        sidecar = json.loads(Path(f"{path}.meta.json").read_text(encoding="utf-8"))
        assert sidecar["ledger"]["head_position"] == info["head_position"]
        assert sidecar["ledger"]["head_hash"] == info["head_hash"]
        assert sidecar["table"] == "questions" and sidecar["rows"] == len(grown.questions())
        assert [c["name"] for c in sidecar["columns"]] == TABLES["questions"].names
        assert sidecar["ledger"]["scores_run_id"] == 3
    embedded = ex.parquet_meta(tmp_path / "q.parquet")
    assert embedded["ledger"]["head_hash"] == info["head_hash"]
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "q.xlsx", read_only=True)
    meta_rows = {r[0]: (r[1] if len(r) > 1 else None) for r in book["_meta"].iter_rows(min_row=2, values_only=True)}
    book.close()
    assert meta_rows["ledger.head_hash"] == info["head_hash"]


def test_exported_events_verify_the_chain(grown: Ledger, tmp_path: Path) -> None:
    """Anyone holding the events export can recompute the hash chain without the tracker's database."""
    ex.export_table(grown, "events", tmp_path / "events.parquet")
    events = pd.read_parquet(tmp_path / "events.parquet")
    prev = es.GENESIS_HASH
    for r in events.to_dict("records"):
        row = dict(r, occurred_at=r["occurred_at"].to_pydatetime(), recorded_at=r["recorded_at"].to_pydatetime())
        assert row["prev_hash"] == prev
        assert es.chain_hash(row) == row["hash"]
        prev = row["hash"]
    assert prev == grown.info()["head_hash"]


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl", "xlsx"])
@pytest.mark.parametrize("container", ["dir", "zip"])
def test_bundle(grown: Ledger, tmp_path: Path, fmt: str, container: str) -> None:
    out = tmp_path / ("bundle" if container == "dir" else "bundle.zip")
    meta = ex.export_bundle(grown, out, fmt)
    info = grown.info()
    assert meta["ledger"]["head_position"] == info["head_position"]
    assert meta["ledger"]["head_hash"] == info["head_hash"]
    names = sorted(p.name for p in out.iterdir()) if container == "dir" else sorted(zipfile.ZipFile(out).namelist())
    data = [ex.BUNDLE_WORKBOOK] if fmt == "xlsx" else [t + ex.FORMATS[fmt] for t in ALL]  # xlsx: one workbook
    expected = sorted([*data, ex.BUNDLE_META, ex.DICTIONARY_JSON, ex.DICTIONARY_MD, ex.DATAPACKAGE])
    assert names == expected
    frames = ex.read_bundle(out)
    assert set(frames) == set(ALL)
    for table in ALL:
        assert_round_trip(frame_of(grown, table), frames[table], fmt, table)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_data_dictionary_names_every_column_of_every_table(grown: Ledger, tmp_path: Path) -> None:
    ex.export_bundle(grown, tmp_path / "b")
    dictionary = json.loads((tmp_path / "b" / ex.DICTIONARY_JSON).read_text(encoding="utf-8"))
    markdown = (tmp_path / "b" / ex.DICTIONARY_MD).read_text(encoding="utf-8")
    frames = ex.read_bundle(tmp_path / "b")
    assert set(dictionary) == set(frames)
    for table, frame in frames.items():
        entry = dictionary[table]
        assert [c["name"] for c in entry["columns"]] == list(frame.columns), table
        for col in entry["columns"]:
            assert col["meaning"].strip(), (table, col["name"])
            actual = frame[col["name"]].dtype
            if col["dtype"] == "category":
                assert isinstance(actual, pd.CategoricalDtype)
            else:
                assert str(actual) == col["dtype"], (table, col["name"])
        section = markdown.split(f"\n## {table}\n", 1)[1].split("\n## ", 1)[0]
        for name in frame.columns:
            assert f"| `{name}` |" in section, (table, name)
    assert grown.info()["head_hash"] in markdown


def test_as_of_exports_equal_the_state_then(ledger: Ledger, tmp_path: Path) -> None:
    g = grow(ledger)
    prefix = Ledger(f"sqlite:///{tmp_path}/prefix.sqlite", actor="tester")
    prefix.init()
    copy_prefix(ledger, prefix, g.second)
    for table in ("events", "questions", "forecasts", "resolutions", "sources", "leaderboard", "calibration"):
        result = cli(
            ledger, "export", table, "--out", str(tmp_path / f"then-{table}.parquet"), "--as-of", str(g.second)
        )
        assert result.exit_code == 0, result.output
        ex.export_table(prefix, table, tmp_path / f"fresh-{table}.parquet")
        then = pd.read_parquet(tmp_path / f"then-{table}.parquet")
        fresh = pd.read_parquet(tmp_path / f"fresh-{table}.parquet")
        pd.testing.assert_frame_equal(then, fresh, obj=table)
        meta = json.loads((tmp_path / f"then-{table}.parquet.meta.json").read_text(encoding="utf-8"))
        assert meta["ledger"]["head_position"] == g.second
        assert meta["ledger"]["head_hash"] == prefix.info()["head_hash"]
        assert meta["ledger"]["as_of"] == {"position": g.second, "recorded_until": None}
    bundle = ex.export_bundle(ledger, tmp_path / "then", as_of=g.second)
    assert bundle["ledger"]["scores_run_id"] == 2
    prefix.close()


def test_large_exports_are_written_in_chunks(grown: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fr, "CHUNK_ROWS", 10)
    seen: list[tuple[str, int, int | None]] = []
    for fmt in ex.FORMATS:
        path = tmp_path / f"events{ex.FORMATS[fmt]}"
        ex.export_table(grown, "events", path, progress=lambda t, done, total: seen.append((t, done, total)))
        assert_round_trip(grown.events(), ex.read_export(path), fmt, "events")
    n = len(grown.events())
    assert pq.ParquetFile(tmp_path / "events.parquet").num_row_groups == -(-n // 10)
    done = [d for t, d, total in seen if total == n]
    assert done[: -(-n // 10)] == [min(n, 10 * (i + 1)) for i in range(-(-n // 10))]


def test_cli_export_writes_and_says_where(grown: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "forecasts.csv"
    result = cli(grown, "export", "forecasts", "--out", str(out), "--forecaster", "Vladimir Frolov")
    assert result.exit_code == 0, result.output
    assert "rows of forecasts" in result.stdout and grown.info()["head_hash"] in result.stdout
    pd.testing.assert_frame_equal(ex.read_csv(out), grown.forecasts(forecaster="vladimir-frolov"))
    result = cli(grown, "export", "leaderboard", "--out", str(tmp_path / "lb.jsonl"), "--by", "tag", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["options"] == {"by": "tag"}
    result = cli(grown, "export", "all", "--out", str(tmp_path / "all.zip"))
    assert result.exit_code == 0 and "14 tables" in result.stdout, result.output


def test_cli_unhappy_paths(grown: Ledger, tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    out = str(tmp_path / "x.csv")
    one_error(cli(grown, "export", "planets", "--out", out), "is not a table")
    one_error(cli(grown, "export", "forecasts", "--out", str(tmp_path / "x.xml")), "cannot tell the format")
    one_error(cli(grown, "export", "forecasts", "--format", "xml", "--out", out), "not an export format")
    one_error(cli(grown, "export", "forecasts", "--out", str(tmp_path / "no" / "x.csv")), "does not exist")
    one_error(cli(grown, "export", "forecasts", "--out", str(a_file / "x.csv")), "is not a directory")
    one_error(cli(grown, "export", "forecasts", "--format", "csv", "--out", str(tmp_path)), "is a directory")
    one_error(cli(grown, "export", "all", "--out", str(a_file)), "not a directory")
    one_error(cli(grown, "export", "forecasts", "--out", out, "--as-of", "soon"), "as_of")
    one_error(cli(grown, "export", "forecasts", "--out", out, "--as-of", "2026-13-45"), "as_of")
    one_error(cli(grown, "export", "events", "--out", out, "--status", "open"), "does not apply")
    one_error(cli(grown, "export", "all", "--out", str(tmp_path / "b"), "--tag", "x"), "apply to single tables")
    one_error(cli(grown, "export", "scores", "--out", out, "--status", "open"), "scoring status")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"], "an unhappy path left a file behind"


SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def long_article(chars: int) -> str:
    """An article longer than an Excel cell: the seed documents' real text, over and over, with a line of
    characters outside the Basic Multilingual Plane (two UTF-16 units each in Excel)."""
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    text = "\N{GRINNING FACE}" * 20 + "\n" + text
    return (text * (chars // len(text) + 1))[:chars]


def test_xlsx_keeps_text_longer_than_a_cell_whole(ledger: Ledger, tmp_path: Path) -> None:
    article = long_article(43_000)
    ledger.add_source("long", "A long document", text=article)  # in the event's payload, as a 43 kB article is
    result = cli(ledger, "export", "events", "--out", str(tmp_path / "e.xlsx"))
    assert result.exit_code == 0, result.output
    back = ex.read_xlsx(tmp_path / "e.xlsx")
    assert article in json.loads(back["payload"].iloc[-1]).values()
    assert_round_trip(frame_of(ledger, "events"), back, "xlsx", "events")
    result = cli(ledger, "export", "all", "--format", "xlsx", "--out", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    frames = ex.read_bundle(tmp_path / "b")
    assert_round_trip(frame_of(ledger, "events"), frames["events"], "xlsx", "events")
    meta = ex.bundle_meta(tmp_path / "b")
    assert meta["long_text"] == {"file": ex.BUNDLE_WORKBOOK, "sheet": ex.LONG_TEXT_SHEET, "cells": 1}
    ex.export_table(ledger, "events", tmp_path / "e.csv")  # other formats hold it in the cell itself
    assert article in json.loads(ex.read_csv(tmp_path / "e.csv")["payload"].iloc[-1]).values()


DOCS = Path(__file__).resolve().parent.parent / "docs" / "review.md"
DICTIONARY_MARKER = (
    "<!-- data dictionary: generated by tracker.app.export.dictionary_markdown(); a test checks it is current -->"
)


def test_the_docs_data_dictionary_is_current() -> None:
    text = DOCS.read_text(encoding="utf-8")
    appendix = text.split(DICTIONARY_MARKER + "\n", 1)[1]
    assert appendix == "\n" + ex.dictionary_markdown(level=2).split("\n", 2)[2]


def test_the_docs_examples_run(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ```sh and ```python block of docs/review.md, in order, on a scored copy of the catalog."""
    import re
    import shlex

    from review_fixtures import scored_catalog

    led = Ledger(sqlite_url, actor="tester")
    led.init()
    scored_catalog(led)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    text = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"```(sh|python)\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 7
    ran = 0
    for kind, body in blocks:
        if kind == "python":
            code = body.replace("sqlite:///demo-out/ledger.sqlite", sqlite_url)
            exec(compile(code, str(DOCS), "exec"), {"__name__": "docs_example"})
            ran += 1
            continue
        for line in body.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if not words:
                continue
            assert words[0] == "tracker", line
            result = cli(sqlite_url, *words[1:])
            assert result.exit_code == 0, f"{line}\n{result.output}"
            ran += 1
    assert ran >= 20
    assert (work / "review.html").exists() and (work / "bundle" / ex.DICTIONARY_MD).exists()


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name", ["forecasts.csv", "ledger.xlsx", "_meta.json", "DATA_DICTIONARY.md", "key.txt"])
def test_a_bundle_never_replaces_a_file_it_did_not_make(
    grown: Ledger, tmp_path: Path, fmt: str, name: str, force: bool
) -> None:
    """`export all --out FOLDER` into a folder of the user's: a file there with a name the bundle writes is the
    user's, and is refused, --force or not (one line, nothing written); other files are left alone."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / name).write_text("my own file\n", encoding="utf-8")
    (folder / "notes.txt").write_text("notes\n", encoding="utf-8")
    result = cli(grown, "export", "all", "--format", fmt, "--out", str(folder), *(["--force"] if force else []))
    # what this bundle writes (no checkpoint is kept, so no checkpoint.txt, and no key.txt without --key)
    writes = {"_meta.json", "DATA_DICTIONARY.md", "forecasts.csv" if fmt == "csv" else "ledger.xlsx"}
    if name not in writes:  # left alone, and the bundle written beside it
        assert result.exit_code == 0, result.output
        assert (folder / name).read_text(encoding="utf-8") == "my own file\n"
        return
    one_error(result, "not a file an earlier export wrote there")
    assert sorted(p.name for p in folder.iterdir()) == sorted([name, "notes.txt"])
    assert (folder / name).read_text(encoding="utf-8") == "my own file\n"


def _folder_bytes(folder: Path) -> dict[str, bytes | str]:
    """Every entry of a folder: a file's bytes, a link's target."""
    return {p.name: str(p.readlink()) if p.is_symlink() else p.read_bytes() for p in folder.iterdir()}


def test_a_bundle_replaces_an_earlier_bundle_in_its_folder_only_with_force(grown: Ledger, tmp_path: Path) -> None:
    """Without --force the earlier bundle's files are refused, the first named, and the folder is left byte for
    byte; with --force they are replaced, whatever the earlier bundle's format, and the files of an earlier format
    this one does not write are left in place (listed as earlier_files, so that a later export still knows them)."""
    folder = tmp_path / "b"
    assert cli(grown, "export", "all", "--format", "csv", "--out", str(folder)).exit_code == 0
    before = _folder_bytes(folder)
    line = one_error(cli(grown, "export", "all", "--format", "csv", "--out", str(folder)), "--force")
    assert repr(str(folder / "_meta.json")) in line and "already exist" in line
    assert _folder_bytes(folder) == before
    one_error(cli(grown, "export", "all", "--format", "parquet", "--out", str(folder)), "--force")
    assert _folder_bytes(folder) == before
    for fmt in ("csv", "parquet", "csv", "xlsx", "jsonl", "csv"):
        result = cli(grown, "export", "all", "--format", fmt, "--out", str(folder), "--force")
        assert result.exit_code == 0, result.output
        meta = ex.bundle_meta(folder)
        assert meta["format"] == fmt
        assert len(ex.read_bundle(folder, only=("forecasts",))["forecasts"]) == len(grown.forecasts())
        written = {t["file"] for t in meta["tables"].values()}
        assert written == ({"ledger.xlsx"} if fmt == "xlsx" else {f"{t}{ex.FORMATS[fmt]}" for t in TABLES})
        assert not written & set(meta.get("earlier_files", []))
        assert ("earlier_files" in result.stdout) == bool(meta.get("earlier_files")), result.stdout
    # every format's files are still there, none removed; the csv ones are the newest bundle's
    names = {p.name for p in folder.iterdir()}
    assert {"events.csv", "events.parquet", "events.jsonl", "ledger.xlsx"} <= names
    earlier = {n for n in names if n.endswith((".parquet", ".jsonl", ".xlsx"))}
    assert set(ex.bundle_meta(folder)["earlier_files"]) == earlier


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
def test_a_link_in_a_bundle_folder_is_never_written_through(grown: Ledger, tmp_path: Path, force: bool) -> None:
    """A symbolic link at a name the bundle writes (even one an earlier bundle wrote there) is refused before
    anything is written, and what it points to is left as it was; a link at another name is left alone."""
    folder = tmp_path / "b"
    outside = tmp_path / "outside.txt"
    outside.write_text("not the bundle's\n", encoding="utf-8")
    assert cli(grown, "export", "all", "--format", "csv", "--out", str(folder)).exit_code == 0
    (folder / "runs.csv").unlink()  # (a table written late: refused before the first is written)
    (folder / "runs.csv").symlink_to(outside)
    before = _folder_bytes(folder)
    args = ["export", "all", "--format", "csv", "--out", str(folder), *(["--force"] if force else [])]
    line = one_error(cli(grown, *args), "symbolic link")
    assert repr(str(folder / "runs.csv")) in line
    assert _folder_bytes(folder) == before
    assert outside.read_text(encoding="utf-8") == "not the bundle's\n"
    if force:  # a link at a name this bundle does not write: left alone, and no longer counted as the bundle's
        result = cli(grown, "export", "all", "--format", "parquet", "--out", str(folder), "--force")
        assert result.exit_code == 0, result.output
        assert (folder / "runs.csv").is_symlink() and outside.read_text(encoding="utf-8") == "not the bundle's\n"
        assert "runs.csv" not in ex.bundle_meta(folder).get("earlier_files", [])
        one_error(cli(grown, "export", "all", "--format", "csv", "--out", str(folder), "--force"), "symbolic link")
