"""tracker.cli.render: every output format, hostile stored text, terminal widths, --limit notes."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ptyrun import run_in_pty, strip_sgr
from rich.cells import cell_len

from tracker.cli.render import (
    FORMATS,
    Column,
    json_dumps,
    more_note,
    pick_format,
    plural,
    render_record,
    render_rows,
    safe_text,
    terminal_width,
)
from tracker.errors import UserError

HOSTILE = [
    "see [/x] here",
    "[b]x[/b]",
    "[link=http://evil]x[/link]",
    "[/y] P",
    ":smile: [bold red]loud",
    "\x1b[31mEVIL\x1b]0;pwned\x07",
    "right\u202eto left",
    "isolate\u2066x\u2069 mark\u200f \u061c",
    "csi\x9b31m c1\x85",
    "nul\x00byte del\x7f",
    "cr\rover",
    "tab\tand\nnewline",
    '"starts with a quote", then "more"',
    "w" * 300,
    "王小明 的 预测 " * 8,
    "Дмитрий Тренин, café, naïve",
    "🎉 emoji 👨\u200d👩\u200d👧 party ❤️",
    "\udcff lone surrogate",
    "",
]
# What must never reach a terminal raw (newline and tab are checked per format).
FORBIDDEN = [chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]] + [
    "\u061c",
    "\u200e",
    "\u200f",
    "\u2028",
    "\u2029",
    *(chr(c) for c in range(0x202A, 0x202F)),
    *(chr(c) for c in range(0x2066, 0x206A)),
]
BOX = [chr(c) for c in range(0x2500, 0x2580)]

COLUMNS = [
    Column("question_id", "id", "id"),
    Column("n", "forecasts", "int"),
    Column("brier", "Brier", "number", digits=3),
    Column("resolve_by", "resolve by", "date"),
    Column("title"),
]


def hostile_rows() -> list[dict[str, Any]]:
    return [
        {"question_id": f"q-{i}", "n": i, "brier": i / 7, "resolve_by": date(2026, 1, 1 + i), "title": text}
        for i, text in enumerate(HOSTILE)
    ]


def render(rows: Any, columns: list[Column], fmt: str, **kw: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    render_rows(rows, columns, fmt, out=out, err=err, **kw)
    return out.getvalue(), err.getvalue()


def no_raw_controls(text: str, *, allow: str = "\n") -> None:
    bad = sorted({ch for ch in text if ch in FORBIDDEN and ch not in allow} | {ch for ch in text if _surrogate(ch)})
    assert not bad, f"raw control characters in output: {[hex(ord(c)) for c in bad]}"


def _surrogate(ch: str) -> bool:
    return 0xD800 <= ord(ch) <= 0xDFFF


# ----------------------------------------------------------------------------------------------- safe_text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mEVIL\x1b]0;pwned\x07", "\\x1b[31mEVIL\\x1b]0;pwned\\x07"),
        ("a\u202eb", "a\\u202eb"),
        ("a\x9bb\x85", "a\\x9bb\\x85"),
        ("nul\x00 del\x7f", "nul\\x00 del\\x7f"),
        ("one\ntwo\tthree\rfour", "one\\ntwo\\tthree\\rfour"),
        ("\u2066iso\u2069 \u200e\u200f\u061c", "\\u2066iso\\u2069 \\u200e\\u200f\\u061c"),
        ("\u2028\u2029", "\\u2028\\u2029"),
        ("\udcff", "\\udcff"),
        ("[b]x[/b] [/x]", "[b]x[/b] [/x]"),
        ("Дмитрий 王小明 café 👨\u200d👩\u200d👧", "Дмитрий 王小明 café 👨\u200d👩\u200d👧"),
    ],
)
def test_safe_text_shows_controls_as_visible_escapes(raw: str, shown: str) -> None:
    assert safe_text(raw) == shown


def test_safe_text_keeps_newline_and_tab_only_when_allowed() -> None:
    assert safe_text("a\nb\tc\rd", allow="\n") == "a\nb\\tc\\rd"
    assert safe_text("a\nb\tc\x1b", allow="\n\t") == "a\nb\tc\\x1b"
    assert safe_text(None) == ""
    assert safe_text(3.5) == "3.5"
    with pytest.raises(ValueError):
        safe_text("x", allow="\r")


@given(st.text())
def test_safe_text_never_leaves_a_control_and_is_idempotent(text: str) -> None:
    shown = safe_text(text)
    no_raw_controls(shown, allow="")
    assert "\n" not in shown and "\t" not in shown
    assert safe_text(shown) == shown
    if not any(ch in FORBIDDEN or ch in "\t\n" or _surrogate(ch) for ch in text):
        assert shown == text


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_json_dumps_is_exact_and_never_raw(data: Any) -> None:
    text = json_dumps(data)
    no_raw_controls(text, allow="")
    assert json.loads(text) == data


# -------------------------------------------------------------------------------------------- hostile text


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_text_through_every_format(fmt: str) -> None:
    rows = hostile_rows()
    out, err = render(rows, COLUMNS, fmt, width=400, title="[b]hostile[/b] \x1b[2J")
    assert err == ""
    if fmt in ("json", "jsonl"):
        no_raw_controls(out)
        objects = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
        assert [o["title"] for o in objects] == HOSTILE  # exact, escapes and all
        assert "Дмитрий Тренин" in out and "王小明" in out  # readable, not \u-escaped
        return
    if fmt == "csv":
        no_raw_controls(out, allow="\n\t")
        back = list(csv.DictReader(io.StringIO(out)))
        assert [r["title"] for r in back] == [safe_text(t, allow="\n\t") for t in HOSTILE]
        return
    no_raw_controls(out, allow="\n")
    if fmt == "tsv":
        assert len(out.splitlines()) == 1 + len(rows)  # one row per line
        back = list(csv.reader(io.StringIO(out), delimiter="\t"))
        assert back[0] == [c.key for c in COLUMNS]
        assert [r[-1] for r in back[1:]] == [safe_text(t) for t in HOSTILE]
        assert [r[0] for r in back[1:]] == [f"q-{i}" for i in range(len(rows))]
        return
    # table: markup printed as typed
    for literal in ("see [/x] here", "[b]x[/b]", "[link=http://evil]x[/link]", "[/y] P", ":smile: [bold red]loud"):
        assert literal in out
    assert "[b]hostile[/b] \\x1b[2J" in out
    assert "\\x1b[31mEVIL\\x1b]0;pwned\\x07" in out and "right\\u202eto left" in out


def test_hostile_text_in_a_record_and_nested_keys() -> None:
    record = {
        "question_id": "q1",
        "title": "see [/x] here\nsecond line \x1b[31m",
        "probabilities": {"\u202eyes": 0.25, "[b]no[/b]": 0.75},
        "forecasts": [{"forecaster": "[/y] P", "quote": "csi\x9b"}],
    }
    for fmt in FORMATS:
        out = io.StringIO()
        render_record(record, None, fmt, out=out, width=60, title="[/x]")
        text = out.getvalue()
        if fmt in ("json", "jsonl"):
            no_raw_controls(text)
            assert json.loads(text) == record
        else:
            no_raw_controls(text, allow="\n\t" if fmt == "csv" else "\n")
            assert "[/y] P" in text and "[b]no[/b]" in text and "\\u202eyes" in text


# ------------------------------------------------------------------------------------------------- widths


def wide_spec(id_length: int) -> dict[str, Any]:
    columns = [
        {"key": "question_id", "header": "id", "kind": "id"},
        {"key": "forecaster_id", "header": "forecaster", "kind": "id"},
        {"key": "title", "kind": "text"},
        *({"key": f"m{i}", "header": f"metric {i}", "kind": "number", "digits": 3} for i in range(5)),
        {"key": "n", "kind": "int"},
        {"key": "made", "kind": "time"},
        {"key": "quote", "kind": "text"},
    ]
    rows = [
        {
            "question_id": f"q{i}-" + "long-id-" * (id_length // 8) + "end",
            "forecaster_id": f"forecaster-{i}",
            "title": HOSTILE[i % len(HOSTILE)] + " and some words to wrap " * 4,
            **{f"m{k}": (i + 1) * 1000.0 / (k + 3) for k in range(5)},
            "n": 10**i,
            "made": "2026-11-29T14:42:24+00:00",
            "quote": "Ничего не бывает так, как ожидаешь. " * 3,
        }
        for i in range(8)
    ]
    return {"columns": columns, "rows": rows}


CHILD = """
import json, sys
from tracker.cli.render import Column, pick_format, render_record, render_rows
spec = json.load(open(sys.argv[1], encoding="utf-8"))
columns = [Column(**c) for c in spec["columns"]]
fmt = pick_format(None)
print("format=" + fmt)
render_rows(spec["rows"], columns, fmt, title="8 questions", total=20, noun=("question", "questions"))
render_record(spec["rows"][0], columns, fmt, title="one question")
"""


def run_child(tmp_path: Path, spec: dict[str, Any], columns: int, **kw: Any) -> tuple[int, str]:
    path = tmp_path / "spec.json"
    path.write_text(json_dumps(spec), encoding="utf-8")
    return run_in_pty([sys.executable, "-c", CHILD, str(path)], columns=columns, **kw)


@pytest.mark.parametrize(("columns", "id_length"), [(80, 10), (80, 40), (80, 90), (40, 10), (120, 30), (30, 20)])
def test_every_line_fits_a_real_terminal(tmp_path: Path, columns: int, id_length: int) -> None:
    spec = wide_spec(id_length)
    code, out = run_child(tmp_path, spec, columns)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "format=table"
    too_long = [line for line in lines if cell_len(line) > columns]
    assert not too_long, f"{len(too_long)} lines wider than {columns}: {too_long[:3]}"
    assert "12 more questions not shown; --limit 0 shows all" in " ".join(out.split())  # may wrap
    for row in spec["rows"]:
        if len(row["question_id"]) <= columns - 2:  # an id longer than the terminal cannot stay on one line
            assert any(row["question_id"] in line for line in lines), row["question_id"]
        assert any(row["forecaster_id"] in line for line in lines)
        assert any(f"{row['m0']:.3f}" in line for line in lines)
    if id_length == 90:
        assert any(line.startswith("id:") for line in lines)  # one block per row: the ids alone cannot fit


def test_hostile_text_reaches_the_terminal_only_as_text(tmp_path: Path) -> None:
    spec = {"columns": [{"key": "question_id", "kind": "id"}, {"key": "title"}], "rows": hostile_rows()}
    code, raw = run_child(tmp_path, spec, 80, strip=False)
    assert code == 0, raw
    visible = strip_sgr(raw)  # the renderer's own styles are the only escape sequences allowed
    assert "\x1b" not in visible
    no_raw_controls(visible)
    assert "see [/x] here" in visible and "[link=http://evil]x[/link]" in visible


ID = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_王"), min_size=1, max_size=30)
WORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(20, 160),
    kinds=st.lists(st.sampled_from(["text", "number", "int", "date"]), max_size=6),
    data=st.data(),
)
def test_any_table_fits_its_width_and_keeps_ids_whole(width: int, kinds: list[str], data: st.DataObject) -> None:
    columns = [Column("id", kind="id"), *(Column(f"c{i}", kind=k) for i, k in enumerate(kinds))]
    values = {
        "text": WORDS,
        "number": st.floats(allow_nan=True, allow_infinity=False, width=32),
        "int": st.integers(-(10**6), 10**12),
        "date": st.dates(),
    }
    n = data.draw(st.integers(1, 5))
    rows = [
        {"id": data.draw(ID), **{c.key: data.draw(values[c.kind] | st.none()) for c in columns[1:]}} for _ in range(n)
    ]
    assume(all(cell_len(r["id"]) <= width - 2 for r in rows))
    out, _ = render(rows, columns, "table", width=width, total=n + 3)
    lines = out.splitlines()
    assert all(cell_len(line) <= width for line in lines)
    for row in rows:
        assert any(row["id"] in line for line in lines)


def test_piped_table_uses_columns_or_80(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = wide_spec(10)
    columns = [Column(**c) for c in spec["columns"]]
    monkeypatch.setenv("COLUMNS", "50")
    assert terminal_width(io.StringIO()) == 50
    out, _ = render(spec["rows"], columns, "table")
    assert max(cell_len(line) for line in out.splitlines()) <= 50
    monkeypatch.setenv("COLUMNS", "not a number")
    assert terminal_width(io.StringIO()) == 80
    monkeypatch.delenv("COLUMNS")
    out, _ = render(spec["rows"], columns, "table")
    assert max(cell_len(line) for line in out.splitlines()) == 80


def test_record_wraps_with_indented_continuation() -> None:
    out = io.StringIO()
    record = {"question_id": "q-1", "criteria": "word " * 40, "made": datetime(2026, 11, 29, 14, 42, 24, 5, UTC)}
    render_record(record, None, "table", out=out, width=40)
    lines = out.getvalue().splitlines()
    assert all(cell_len(line) <= 40 for line in lines)
    assert lines[0].startswith("question_id: q-1")
    criteria = [i for i, line in enumerate(lines) if line.startswith("criteria:")][0]
    indent = lines[criteria].index("word")
    assert lines[criteria + 1][:indent].strip() == "" and lines[criteria + 1][indent:].startswith("word")
    assert any("made:" in line and "2026-11-29T14:42:24+00:00" in line for line in lines)  # seconds in a table


def test_record_machine_formats() -> None:
    record = {"question_id": "q-1", "n": 3.0, "when": date(2026, 1, 2), "tags": ["a", "b"], "note": None}
    fields = [Column("question_id", kind="id"), Column("n", kind="int"), Column("when", kind="date"), Column("tags")]
    for fmt, parse in (("json", json.loads), ("jsonl", json.loads)):
        out = io.StringIO()
        render_record(record, fields, fmt, out=out)
        assert parse(out.getvalue()) == {"question_id": "q-1", "n": 3, "when": "2026-01-02", "tags": ["a", "b"]}
    out = io.StringIO()
    render_record(record, fields, "csv", out=out)
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["field", "value"],
        ["question_id", "q-1"],
        ["n", "3"],
        ["when", "2026-01-02"],
        ["tags", "a, b"],
    ]


# ---------------------------------------------------------------------------------------- piped and values


def test_piped_default_is_tsv_without_box_drawing() -> None:
    code = (
        "from tracker.cli.render import Column, pick_format, render_rows\n"
        "rows = [{'id': f'q{i}', 'title': 'a title that would wrap ' * 9, 'p': i / 3} for i in range(30)]\n"
        "render_rows(rows, [Column('id', kind='id'), Column('title'), Column('p', kind='number', digits=3)],"
        " pick_format(None))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert not any(ch in done.stdout for ch in BOX)
    back = list(csv.reader(io.StringIO(done.stdout), delimiter="\t"))
    assert back[0] == ["id", "title", "p"]
    assert len(back) == 31 and all(len(r) == 3 for r in back)
    assert back[2] == ["q1", "a title that would wrap " * 9, repr(1 / 3)]  # full precision for programs


def test_pick_format() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert pick_format(None, stream=Tty()) == "table"
    assert pick_format(None, stream=io.StringIO()) == "tsv"
    assert pick_format(None, json_flag=True, stream=Tty()) == "json"
    assert pick_format("csv", json_flag=True) == "csv"
    assert pick_format("JSONL") == "jsonl"
    for bad in ("xml", "", "json ", "\x1b[31m"):
        with pytest.raises(UserError) as caught:
            pick_format(bad)
        assert caught.value.field == "format"
        assert caught.value.exit_code == 3
        message = str(caught.value)
        assert message.startswith("format: ") and "table, csv, tsv, json, jsonl" in message
        assert "\x1b" not in message


def test_missing_values() -> None:
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    columns = [Column("a"), Column("b", kind="number"), Column("c", kind="time"), Column("d", kind="int")]
    rows = [{"a": None, "b": math.nan, "c": pd.NaT, "d": pd.NA}, {"a": np.nan, "b": np.float32("nan")}]
    tsv, _ = render(rows, columns, "tsv")
    assert tsv == "a\tb\tc\td\n\t\t\t\n\t\t\t\n"
    csv_out, _ = render(rows, columns, "csv")
    assert csv_out == "a,b,c,d\n,,,\n,,,\n"
    out, _ = render(rows, columns, "json")
    assert json.loads(out) == [dict.fromkeys("abcd")] * 2
    table, _ = render(rows, columns, "table", missing="n/a", width=80)
    assert table.splitlines()[2].split() == ["n/a"] * 4


def test_dataframe_and_numpy_values_match_plain_rows() -> None:
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    columns = [
        Column("id", kind="id"),
        Column("pos", kind="int"),
        Column("brier", kind="number", digits=3),
        Column("at", kind="time"),
        Column("day", kind="date"),
    ]
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "pos": [99.0, np.nan],  # an int column with a gap comes back from pandas as floats
            "brier": np.array([0.25, 0.5], dtype=np.float32),
            "at": pd.to_datetime(["2026-01-01T10:00:00Z", "2026-01-02T11:30:00.5Z"], format="ISO8601"),
            "day": pd.to_datetime(["2026-01-01", "2026-01-02"]),
            "extra": [1, 2],
        }
    )
    out, _ = render(frame, columns, "json")
    assert json.loads(out) == [
        {"id": "a", "pos": 99, "brier": 0.25, "at": "2026-01-01T10:00:00+00:00", "day": "2026-01-01"},
        {"id": "b", "pos": None, "brier": 0.5, "at": "2026-01-02T11:30:00.500000+00:00", "day": "2026-01-02"},
    ]
    tsv, _ = render(frame, columns, "tsv")
    assert tsv.splitlines()[1] == "a\t99\t0.25\t2026-01-01T10:00:00+00:00\t2026-01-01"
    plain, _ = render(frame.to_dict("records"), columns, "tsv")
    assert plain == tsv
    scalar, _ = render([{"id": np.str_("c"), "pos": np.int64(7), "day": np.datetime64("2026-03-04")}], columns, "json")
    assert json.loads(scalar) == [{"id": "c", "pos": 7, "brier": None, "at": None, "day": "2026-03-04"}]
    table, _ = render(frame, columns, "table", width=80)
    assert "99 " in table and "99.0" not in table and "2026-01-02T11:30:00+00:00" in table


def test_numbers_right_aligned_and_ids_unbroken() -> None:
    rows = [
        {"id": "andrei-tikhonov-very-long-forecaster-id", "brier": 0.1, "n": 3, "note": "short"},
        {"id": "b", "brier": 12.34567, "n": 12345, "note": "a much longer note that has to wrap " * 3},
    ]
    columns = [
        Column("id", kind="id"),
        Column("brier", kind="number", digits=3),
        Column("n", kind="int"),
        Column("note"),
    ]
    out, _ = render(rows, columns, "table", width=70)
    lines = out.splitlines()
    assert all(cell_len(line) <= 70 for line in lines)
    first = next(line for line in lines if line.startswith("andrei-tikhonov-very-long-forecaster-id"))
    second = next(line for line in lines if line.startswith("b "))
    assert first.index("0.100") + 5 == second.index("12.346") + 6  # numbers end in the same column
    assert first.index(" 3 ") + 2 == second.index("12345") + 5
    header = lines[0]
    assert header.index("brier") + 5 == first.index("0.100") + 5  # the header sits over the right edge too
    assert len(lines) > 5 and all(line.startswith(" " * 50) for line in lines[4:])  # text wraps under itself


def test_empty_listing() -> None:
    columns = [Column("id", kind="id")]
    assert render([], columns, "table", noun=("question", "questions"))[0] == "no questions\n"
    assert render([], columns, "table", empty_message="nothing is due")[0] == "nothing is due\n"
    assert render([], columns, "tsv")[0] == "id\n"
    assert render([], columns, "csv")[0] == "id\n"
    assert render([], columns, "json")[0] == "[]\n"
    assert render([], columns, "jsonl")[0] == ""
    assert render([{"id": ""}], columns, "tsv")[0] == 'id\n""\n'  # one empty field is still a row
    assert list(csv.reader(io.StringIO('id\n""\n'), delimiter="\t")) == [["id"], [""]]


# ------------------------------------------------------------------------------------------ limit and words


def test_plural() -> None:
    assert plural(0, "question") == "0 questions"
    assert plural(1, "question") == "1 question"
    assert plural(2, "question") == "2 questions"
    assert plural(1, "person", "people") == "1 person"
    assert plural(3, "person", "people") == "3 people"


@pytest.mark.parametrize(
    ("total", "shown", "note"),
    [
        (None, 5, None),
        (5, 5, None),
        (6, 5, "1 more question not shown; --limit 0 shows all"),
        (17, 5, "12 more questions not shown; --limit 0 shows all"),
        (3, 0, "3 more questions not shown; --limit 0 shows all"),
    ],
)
def test_more_note(total: int | None, shown: int, note: str | None) -> None:
    assert more_note(total, shown, ("question", "questions")) == note


@pytest.mark.parametrize("fmt", FORMATS)
def test_limit_note_goes_after_a_table_or_to_stderr(fmt: str) -> None:
    rows = [{"id": f"q{i}"} for i in range(3)]
    out, err = render(rows, [Column("id", kind="id")], fmt, total=4, noun=("question", "questions"))
    note = "1 more question not shown; --limit 0 shows all"
    if fmt == "table":
        assert out.rstrip("\n").splitlines()[-1].strip() == note and err == ""
        return
    assert err == note + "\n"
    assert "more" not in out
    if fmt == "json":
        assert len(json.loads(out)) == 3
    out, err = render(rows, [Column("id", kind="id")], fmt, total=3)
    assert err == "" and "more" not in out


def test_bad_column_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        Column("x", kind="float")
    with pytest.raises(ValueError):
        Column("x", kind="text", digits=3)
    with pytest.raises(ValueError):
        render_rows([], [Column("x")], "xml")


def test_import_loads_neither_pandas_nor_rich_and_tsv_needs_neither() -> None:
    code = (
        "import sys\n"
        "from tracker.cli.render import Column, render_rows\n"
        "render_rows([{'a': 1}], [Column('a', kind='int')], 'tsv')\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'rich') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["a", "1", "[]"]


def test_title_is_one_line_above_even_a_narrow_table() -> None:
    out, _ = render([{"id": "q1"}], [Column("id", kind="id")], "table", title="12 questions [b]due[/b]", width=80)
    assert out.splitlines()[:2] == ["12 questions [b]due[/b]", "id"]
