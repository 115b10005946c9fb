"""Fuzzing with hypothesis: the catalog parser and the command line never fail with anything but their own errors.

- `load_catalog` on random YAML-ish text, on random YAML documents shaped like a catalog, and on random mutations
  of the real catalog's files: it returns a Catalog or raises CatalogError, nothing else.
- Random argument lists to `forecast`, `question add`, `resolve`, `list` and `log`: the exit code is 0 or one of the
  documented codes, a failure is one "error:" line, and nothing is a traceback or an "internal error".

The examples are derandomised (the same ones every run, so `make test` is deterministic); to search further, run
with FUZZ_EXAMPLES=5000.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bad_input import FORECASTS, QUESTIONS, SOURCES
from typer.testing import CliRunner

from tracker.catalog.load import Catalog, CatalogError, load_catalog
from tracker.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 3, 10)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
# The documented exit codes (README, "Exit codes") a command may end with; 70 ("internal error") is a bug.
DOCUMENTED = {0, 2, 3, 4, 5, 6, 8, 9}


def load_or_catalog_error(paths: list[Path]) -> Catalog | None:
    try:
        return load_catalog(paths, today=TODAY)
    except CatalogError as e:
        assert e.errors and all(isinstance(x, str) and x for x in e.errors)
        return None


# ----------------------------------------------------------------------------------------------- the parser

KEYS = ["schema", "sources", "questions", "forecasts", "source", "id", "title", "criteria", "type", "options",
        "opened", "resolve_by", "tags", "condition", "resolution", "annulment", "outcome", "known_on", "evidence",
        "on", "reason", "question", "forecaster", "role", "made_at", "quote", "hedge", "says", "reading", "p",
        "method", "rationale", "file", "url", "published", "authors", "outlet", "notes", "date_basis"]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["binary", "multiple_choice", "yes", "no", "a", "b", "q-one", "src-one", "f-one", "stated",
                     "judgement", "affirms", "negates", "unlikely", "2024-01-10", "2024-13-01", "2999-01-01",
                     "https://example.org", "../../etc/passwd", "/etc/passwd", "x'; DROP TABLE events;--"]),
    st.text(max_size=30),
    st.dates(min_value=date(1, 1, 1)).map(str),
)  # fmt: skip
DOCS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), SCALARS.filter(lambda v: v is not None)), children,
                        max_size=6),
    ),
    max_leaves=25,
)  # fmt: skip


@FUZZ
@given(text=st.one_of(st.text(max_size=400), st.binary(max_size=400).map(lambda b: b.decode("latin-1"))))
def test_random_text_is_a_catalog_or_a_catalog_error(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "catalog.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    load_or_catalog_error([path])


@FUZZ
@given(doc=DOCS, kind=st.sampled_from(["sources", "questions", "forecasts"]))
def test_random_documents_are_a_catalog_or_a_catalog_error(
    tmp_path_factory: pytest.TempPathFactory, doc: Any, kind: str
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "catalog.yaml"
    data: Any = {"schema": 1, kind: doc} if not isinstance(doc, dict) else {"schema": 1, kind: [doc], **doc}
    try:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    except (yaml.YAMLError, UnicodeEncodeError):  # not representable (lone surrogates): not a catalog file
        return
    load_or_catalog_error([path])


MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["delete", "insert", "replace", "duplicate-line", "swap-lines", "indent"]),
        st.floats(min_value=0, max_value=1),
        st.integers(min_value=1, max_value=40),
        st.text(alphabet=st.sampled_from(list(":-[]{}#&*!|>'\"%@`,? \n\t0123456789abcyesno.") + ["\x07", "\u202e"]),
                max_size=12),
    ),
    min_size=1,
    max_size=4,
)  # fmt: skip


def mutate(text: str, ops: list[tuple[str, float, int, str]]) -> str:
    for op, where, size, insert in ops:
        i = int(where * len(text))
        lines = text.split("\n")
        j = min(int(where * len(lines)), len(lines) - 1)
        if op == "delete":
            text = text[:i] + text[i + size :]
        elif op == "insert":
            text = text[:i] + insert + text[i:]
        elif op == "replace":
            text = text[:i] + insert + text[i + len(insert) :]
        elif op == "duplicate-line":
            text = "\n".join(lines[: j + 1] + lines[j:])
        elif op == "swap-lines" and j + 1 < len(lines):
            lines[j], lines[j + 1] = lines[j + 1], lines[j]
            text = "\n".join(lines)
        elif op == "indent":
            lines[j] = " " * (size % 5) + lines[j]
            text = "\n".join(lines)
    return text


def small_catalog(root: Path) -> Path:
    """The bad-input corpus's catalog: a source, a binary and a resolved multiple-choice question, two forecasts."""
    (root / "seeds").mkdir()
    (root / "seeds" / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (root / "predictions" / "forecasts").mkdir(parents=True)
    (root / "predictions" / "questions.yaml").write_text(QUESTIONS, encoding="utf-8")
    (root / "predictions" / "forecasts" / "src-one.yaml").write_text(FORECASTS, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    real = tmp_path_factory.mktemp("real")
    shutil.copytree(ROOT / "predictions", real / "predictions")
    shutil.copytree(ROOT / "seeds", real / "seeds")
    small = small_catalog(tmp_path_factory.mktemp("small"))
    for root in (real, small):
        assert load_or_catalog_error([root / "predictions"]) is not None
    return {"real": real, "small": small}


def check_mutation(root: Path, ops: list[tuple[str, float, int, str]]) -> None:
    """Mutate one of the catalog's files (chosen by the first operation), load, and put the file back."""
    files = sorted([root / "seeds" / "sources.yaml", *(root / "predictions").rglob("*.yaml")])
    target = files[min(int(ops[0][1] * len(files)), len(files) - 1)]
    original = target.read_text(encoding="utf-8")
    target.write_text(mutate(original, ops), encoding="utf-8")
    try:
        load_or_catalog_error([root / "predictions"])
    finally:
        target.write_text(original, encoding="utf-8")


@FUZZ
@given(ops=MUTATIONS)
def test_mutations_of_a_small_catalog_are_a_catalog_or_a_catalog_error(
    catalogs: dict[str, Path], ops: list[tuple[str, float, int, str]]
) -> None:
    check_mutation(catalogs["small"], ops)


@settings(FUZZ, max_examples=max(EXAMPLES // 5, 10))  # the real catalog takes ~0.1 s to parse (pure-Python YAML)
@given(ops=MUTATIONS)
def test_mutations_of_the_real_catalog_are_a_catalog_or_a_catalog_error(
    catalogs: dict[str, Path], ops: list[tuple[str, float, int, str]]
) -> None:
    check_mutation(catalogs["real"], ops)


# ---------------------------------------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def fuzz_ledger(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small ledger to throw arguments at: the bad-input corpus's catalog, imported."""
    root = small_catalog(tmp_path_factory.mktemp("cli"))
    url = f"sqlite:///{root}/ledger.sqlite"
    runner = CliRunner()
    for args in (["init"], ["import", str(root / "predictions")]):
        assert runner.invoke(app, ["--db", url, *args]).exit_code == 0
    return url


COMMANDS = [["forecast"], ["forecast", "withdraw"], ["question", "add"], ["resolve"], ["resolve", "correct"],
            ["list"], ["log"]]  # fmt: skip
OPTIONS = ["--p", "--forecaster", "--made-at", "--says", "--reading", "--scale", "--source", "--quote", "--hedge",
           "--method", "--id", "--role", "--unverified-quote", "--title", "--criteria", "--type", "--option",
           "--resolve-by", "--opened", "--tag", "--condition", "--on", "--evidence", "--reason", "--status",
           "--as-of", "--json", "--stream", "--after", "--limit", "--help", "-h", "--", "-"]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(["q-one", "q-two", "src-one", "f-one", "nope", "yes", "no", "a", "b", "c", "a=0.5", "b=0.5",
                     "a=1", "open", "resolved", "due", "binary", "multiple_choice", "multiple-choice", "unlikely",
                     "very likely", "affirms", "negates", "stated", "judgement", "2024-01-10", "2024-02-30",
                     "2999-01-01", "0001-01-01", "9999-12-31", "1", "0", "-1", "0.5", "1e400", "nan", "-inf",
                     "QuestionOpened", "question-q-one", "x'; DROP TABLE events;--", "", " "]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.text(max_size=20),
)  # fmt: skip
TOKENS = st.one_of(st.sampled_from(OPTIONS), VALUES)


@FUZZ
@given(command=st.sampled_from(COMMANDS), args=st.lists(TOKENS, max_size=10))
def test_random_arguments_end_in_a_documented_way(fuzz_ledger: str, command: list[str], args: list[str]) -> None:
    result = CliRunner().invoke(app, ["--db", fuzz_ledger, *command, *args])
    output = result.output
    assert result.exit_code in DOCUMENTED, f"{command + args}: exit {result.exit_code}\n{output}"
    assert "Traceback" not in output and "internal error" not in output, f"{command + args}\n{output}"
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    if result.exit_code != 0:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), f"{command + args}\n{result.stderr}"
