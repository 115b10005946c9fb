"""Spreadsheets people can use: one styled workbook for `export all --format xlsx` (a sheet per table, a data
dictionary), styled single-table workbooks, no formula cell ever, Excel's limits, and the bundle's
Frictionless datapackage.json checked against the files it describes."""

from __future__ import annotations

import csv
import json
import math
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from review_fixtures import OPEN_QUESTION
from typer.testing import CliRunner

from tracker.app import export as ex
from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.read.tables import TABLES

runner = CliRunner()
HOSTILE = '=HYPERLINK("http://evil","x")'


@pytest.fixture
def grown(grown: Ledger) -> Ledger:
    """The shared review ledger, with a forecast whose quote a spreadsheet would take for a formula."""
    ledger = grown
    ledger.record_forecast(OPEN_QUESTION, HOSTILE, 6.9e-18, date(2026, 2, 2), quote="@SUM(A1:A9)")
    return ledger


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("xl/worksheets/"))


def widths(ws: Any) -> dict[int, float]:
    """Column widths by 1-based index (openpyxl keys a run of equal widths by its first column)."""
    out: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        for i in range(dim.min, dim.max + 1):
            out[i] = dim.width
    return out


def check_styled(ws: Any, names: list[str], rows: int) -> None:
    header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]
    assert header == names
    assert all(c.font.b for c in next(ws.iter_rows(min_row=1, max_row=1)))
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(names)).column_letter}{rows + 1}"
    w = widths(ws)
    assert set(w) == set(range(1, len(names) + 1))
    for i, name in enumerate(names, 1):
        assert len(name) < w[i] <= ex.EXCEL_MAX_WIDTH + 1, (name, w[i])


def test_the_bundle_is_one_styled_workbook(grown: Ledger, tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", grown.url, "export", "all", "--format", "xlsx", "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    path = tmp_path / "b" / ex.BUNDLE_WORKBOOK
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted(
        [ex.BUNDLE_WORKBOOK, ex.BUNDLE_META, ex.DICTIONARY_JSON, ex.DICTIONARY_MD, ex.DATAPACKAGE]
    )
    book = load_workbook(path)
    assert book.sheetnames == [*TABLES, ex.DICTIONARY_SHEET, ex.META_SHEET]
    frames = ex.read_bundle(tmp_path / "b")
    for table in TABLES:
        check_styled(book[table], list(frames[table].columns), len(frames[table]))

    forecasts = book["forecasts"]
    names = [c.value for c in forecasts[1]]
    col = {n: i + 1 for i, n in enumerate(names)}
    made_at = [forecasts.cell(r, col["made_at"]) for r in range(2, forecasts.max_row + 1)]
    assert made_at and all(c.is_date and c.number_format == "yyyy-mm-dd" for c in made_at)
    assert all(isinstance(c.value, datetime) and c.value.hour == 0 for c in made_at)
    recorded = book["events"].cell(2, [c.value for c in book["events"][1]].index("recorded_at") + 1)
    assert recorded.is_date and recorded.number_format == "yyyy-mm-dd hh:mm:ss"
    p_cells = [forecasts.cell(r, col["p_yes"]) for r in range(2, forecasts.max_row + 1)]
    assert {c.number_format for c in p_cells if c.value is not None} == {"0.0000"}
    # float noise shows as 0.0000 in Excel, and the cell still holds the exact value
    assert 6.9e-18 in [c.value for c in p_cells]
    assert {forecasts.cell(r, col["position"]).number_format for r in range(2, forecasts.max_row + 1)} == {"0"}

    dictionary = book[ex.DICTIONARY_SHEET]
    check_styled(dictionary, ["table", "column", "dtype", "excel", "meaning"], dictionary.max_row - 1)
    listed = {(r[0], r[1]) for r in dictionary.iter_rows(min_row=2, values_only=True) if r[1]}
    assert listed == {(t, c.name) for t, spec in TABLES.items() for c in spec.columns}
    meta = {r[0]: r[1] for r in book[ex.META_SHEET].iter_rows(min_row=2, values_only=True)}
    assert meta["ledger.head_hash"] == grown.info()["head_hash"]


def test_no_cell_is_ever_a_formula(grown: Ledger, tmp_path: Path) -> None:
    ex.export_table(grown, "forecasts", tmp_path / "f.xlsx")
    ex.export_bundle(grown, tmp_path / "b.zip", "xlsx")
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        (tmp_path / "from-zip.xlsx").write_bytes(archive.read(ex.BUNDLE_WORKBOOK))
    for path in (tmp_path / "f.xlsx", tmp_path / "from-zip.xlsx"):
        assert "<f>" not in sheet_xml(path) and "<f " not in sheet_xml(path)
        book = load_workbook(path)  # not data_only: a formula would read back as data_type "f"
        cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        values = {c.value for c in cells}
        assert HOSTILE in values and "@SUM(A1:A9)" in values
    back = ex.read_xlsx(tmp_path / "f.xlsx")
    assert HOSTILE in set(back["forecaster"].astype(str))


def test_single_table_workbooks_are_styled_too(grown: Ledger, tmp_path: Path) -> None:
    meta = ex.export_table(grown, "scores", tmp_path / "s.xlsx", status="scored")
    book = load_workbook(tmp_path / "s.xlsx")
    assert book.sheetnames == ["scores", ex.DICTIONARY_SHEET, ex.META_SHEET]
    check_styled(book["scores"], TABLES["scores"].names, meta["rows"])
    brier = [c.value for c in book["scores"][1]].index("brier") + 1
    assert book["scores"].cell(2, brier).number_format == "0.0000"
    listed = [r[1] for r in book[ex.DICTIONARY_SHEET].iter_rows(min_row=2, values_only=True) if r[1]]
    assert listed == TABLES["scores"].names


def test_an_empty_table_still_gets_its_header(ledger: Ledger, tmp_path: Path) -> None:
    ex.export_table(ledger, "forecasts", tmp_path / "f.xlsx")
    book = load_workbook(tmp_path / "f.xlsx")
    check_styled(book["forecasts"], TABLES["forecasts"].names, 0)


def test_sheet_names_fit_excel() -> None:
    used: set[str] = set()
    long = "a_table_name_that_is_far_too_long_for_excel"
    first = ex.sheet_name(long, used)
    second = ex.sheet_name(long.upper(), used)
    assert len(first) == len(second) == 31 and first.lower() != second.lower()
    assert second.endswith(" (2)")
    assert ex.sheet_name("what?[a/b]:*\\", used) == "what__a_b____"
    assert ex.sheet_name("'quoted'", used) == "quoted"
    assert ex.sheet_name("History", used) == "History (2)"
    assert ex.sheet_name("", used) == "sheet"


def test_more_rows_than_excel_holds_is_refused(grown: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ex, "EXCEL_MAX_ROWS", 10)
    out = tmp_path / "out"
    out.mkdir()
    for args in (["events", "--out", str(out / "e.xlsx")], ["all", "--format", "xlsx", "--out", str(out / "b.zip")]):
        result = runner.invoke(app, ["--db", grown.url, "export", *args])
        assert result.exit_code == 3, result.output
        assert re.fullmatch(
            r"error: format: events has \d+\+ rows, more than an Excel sheet holds \(10 below the header\): use csv "
            r"or parquet, or filter the export\n",
            result.stderr,
        ), result.stderr
        assert not list(out.iterdir()), "a refused export left a file"
    ex.export_table(grown, "due", out / "small.xlsx")  # a table within the limit is written


def test_a_control_character_is_refused_by_the_xlsx_sheets(tmp_path: Path) -> None:
    """The domain refuses control characters in text, but an event payload of an older version could carry one:
    XML 1.0 cannot, so the sheet refuses it by name rather than writing a workbook Excel will not open."""
    spec = TABLES["forecasters"]
    frame = pd.DataFrame({"forecaster_id": ["a"], "name": ["bell \x07 here"], "role": [None], "first_position": [1]})
    book = ex._Workbook(tmp_path / "x.xlsx")
    sheet = book.table_sheet(spec)
    with pytest.raises(ex.UserError, match=r"forecasters.name of row 1 has a control character"):
        sheet.write_chunk(frame, spec)
    book.abort()


# ---------------------------------------------------------------------------------------------- datapackage

TYPES = {"string", "number", "integer", "boolean", "datetime", "date"}


def _conforms(value: Any, field: dict[str, Any]) -> bool:
    """Whether a value as read from the file is of the field's claimed Table Schema type."""
    kind = field["type"]
    if value is None or value == "":
        return True
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool) or bool(re.fullmatch(r"-?\d+", str(value)))
    if kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return True
        return str(value) in ("inf", "-inf") or not math.isnan(float(value))
    if kind == "boolean":
        return isinstance(value, bool) or value in field.get("trueValues", []) + field.get("falseValues", [])
    if kind == "datetime":
        if isinstance(value, datetime):
            return True
        return datetime.strptime(str(value), field.get("format", "%Y-%m-%dT%H:%M:%S.%fZ")) is not None
    if kind == "date":
        return isinstance(value, datetime) and value == datetime(value.year, value.month, value.day)
    return False


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx", "parquet"])
def test_the_datapackage_describes_the_files(grown: Ledger, tmp_path: Path, fmt: str) -> None:
    ex.export_bundle(grown, tmp_path / "b", fmt)
    package = json.loads((tmp_path / "b" / ex.DATAPACKAGE).read_text(encoding="utf-8"))
    assert package["$schema"] == ex.DATAPACKAGE_SCHEMA and package["name"]
    assert [r["name"] for r in package["resources"]] == [t.replace("_", "-") for t in TABLES]
    book = load_workbook(tmp_path / "b" / ex.BUNDLE_WORKBOOK, read_only=True) if fmt == "xlsx" else None
    for resource, table in zip(package["resources"], TABLES, strict=True):
        assert resource["type"] == "table" and resource["format"] == fmt
        path = tmp_path / "b" / resource["path"]
        assert path.is_file() and not Path(resource["path"]).is_absolute()
        fields = resource["schema"]["fields"]
        assert all(f["type"] in TYPES and f["description"] for f in fields)
        names = [f["name"] for f in fields]
        if fmt == "csv":
            with open(path, encoding="utf-8", newline="") as f:
                rows = list(csv.reader(f))
            header, body = rows[0], rows[1:]
        elif fmt == "jsonl":
            records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            header = list(records[0]) if records else names
            body = [list(r.values()) for r in records]
        elif fmt == "xlsx":
            assert book is not None
            rows = list(book[resource["dialect"]["sheetName"]].iter_rows(values_only=True))
            header, body = list(rows[0]), [list(r) + [None] * (len(names) - len(r)) for r in rows[1:]]
        else:
            frame = pd.read_parquet(path)
            header, body = list(frame.columns), []
            for f in fields:  # parquet keeps types: check them on the dtypes
                dtype = str(frame[f["name"]].dtype)
                expected = {"integer": "int", "number": "float", "boolean": "bool", "datetime": "datetime64"}
                if f["type"] in expected:
                    assert expected[f["type"]] in dtype.lower(), (table, f["name"], dtype)
        assert header == names, table
        for row in body:
            for value, field in zip(row, fields, strict=True):
                assert _conforms(value, field), (table, field["name"], value)
    if book is not None:
        book.close()
    dates = [f["name"] for r in package["resources"] for f in r["schema"]["fields"] if f["type"] == "date"]
    assert ("made_at" in dates) == (fmt == "xlsx")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_frictionless_validates_every_bundle(grown: Ledger, tmp_path: Path, fmt: str) -> None:
    """The Frictionless validator itself reads each resource (its sheet, in a workbook) against its schema."""
    from frictionless import validate

    grown.add_source("long", "A long document", text=("A paragraph of a long article.\n" * 1_400))  # 43,400 chars
    ex.export_bundle(grown, tmp_path / "b", fmt)
    report = validate(tmp_path / "b" / ex.DATAPACKAGE)
    problems = [(t.name, [e.message for e in t.errors[:3]]) for t in report.tasks if not t.valid]
    assert report.valid, problems
    expected = len(TABLES) + (fmt == "xlsx")  # the workbook's sheet of texts longer than a cell is one more
    assert len(report.tasks) == expected
    assert report.stats["errors"] == 0


def test_a_changed_sheet_fails_frictionless(grown: Ledger, tmp_path: Path) -> None:
    """The validator can fail: a resource pointed at another table's sheet is caught."""
    from frictionless import validate

    ex.export_bundle(grown, tmp_path / "b", "xlsx")
    path = tmp_path / "b" / ex.DATAPACKAGE
    package = json.loads(path.read_text(encoding="utf-8"))
    package["resources"][1]["dialect"] = package["resources"][0]["dialect"]
    path.write_text(json.dumps(package), encoding="utf-8")
    report = validate(path)
    assert not report.valid
    assert [t.name for t in report.tasks if not t.valid] == [package["resources"][1]["name"]]


def test_long_text_wraps(grown: Ledger, tmp_path: Path) -> None:
    grown.add_source("long", "A long document", text="A line of an article that runs on. " * 1_300)
    ex.export_table(grown, "events", tmp_path / "e.xlsx")
    book = load_workbook(tmp_path / "e.xlsx")
    ws = book["events"]
    header = [c.value for c in ws[1]]
    payload, event_type = header.index("payload") + 1, header.index("event_type") + 1
    assert all(ws.cell(r, payload).alignment.wrap_text for r in range(2, ws.max_row + 1) if ws.cell(r, payload).value)
    assert not ws.cell(2, event_type).alignment.wrap_text  # short text stays on one line
    last = ws.cell(ws.max_row, payload).value
    assert ex.LONG_TEXT_SHEET in last and "characters" in last  # the cell says where the whole text is
    parts = list(book[ex.LONG_TEXT_SHEET].iter_rows(min_row=2, values_only=True))
    where = ("events", ws.max_row - 1, "payload")
    assert [p[:5] for p in parts] == [(*where, n, len(parts)) for n in range(1, len(parts) + 1)]
    assert all(len(p[5]) <= ex.EXCEL_MAX_CHARS for p in parts)
    assert book[ex.LONG_TEXT_SHEET].cell(2, 6).alignment.wrap_text
