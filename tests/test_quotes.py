"""Quotes are compared with their source under one normalisation (quotation marks, apostrophes, dashes,
compatibility forms, invisible characters, whitespace), and stored as given."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.app.importer import CatalogInvalid, import_catalog
from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.domain.quotes import closest_passage, find_quote, normalise

runner = CliRunner()

CURLY = "Moscow’s answer is “unlikely” to change – for now…"
STRAIGHT = 'Moscow\'s answer is "unlikely" to change - for now...'


@pytest.mark.parametrize(
    ("source", "quote"),
    [
        (CURLY, STRAIGHT),
        (STRAIGHT, CURLY),
        ("It’s over", "It's over"),
        ("It's over", "It‘s over"),
        ("«Non», a-t-il dit", '"Non", a-t-il dit'),
        ("a — b", "a - b"),
        ("1939–1945", "1939-1945"),
        ("the ﬁnal word", "the final word"),
        ("ＡＢＣ talks", "ABC talks"),
        ("soft\u00adhyphen and zero\u200bwidth", "softhyphen and zerowidth"),
        ("non\u00a0breaking\n\tspace", "non breaking space"),
    ],
)
def test_typography_does_not_make_a_quote_unverified(source: str, quote: str) -> None:
    assert find_quote(source, quote)


@pytest.mark.parametrize(
    "quote",
    ['Moscow\'s answer is "likely" to change', "moscow's answer", "Moscow's answer is 'unlikely'", "Moscow’s  reply"],
)
def test_words_case_and_other_punctuation_still_must_match(quote: str) -> None:
    assert not find_quote(CURLY, quote)


def test_normalise_is_idempotent_and_closest_passage_shows_the_source_as_written() -> None:
    assert normalise(normalise(CURLY)) == normalise(CURLY) == normalise(STRAIGHT)
    assert closest_passage(CURLY, 'Moscow\'s answer is "likely"').startswith("Moscow’s answer")


def _normalise_as_before(text: str) -> str:
    """The normalisation as first written: NFKC, the whole typography table, a regular expression's `\\s+`."""
    import re
    import unicodedata

    from tracker.domain.quotes import _TYPOGRAPHY

    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY)).strip()


def test_normalise_gives_what_the_first_written_normalisation_gives() -> None:
    """The quick paths (whitespace folded by `str.split`, the table applied only to a text that holds one of its
    characters) on every code point between words, and on random strings mixing them."""
    import random
    import re
    import sys

    from tracker.domain.quotes import _TYPOGRAPHY, fold_whitespace

    for start in range(0, sys.maxunicode + 1, 256):  # 256 code points a text, each between two letters
        text = " ".join(f"a{chr(code)}b {chr(code)}" for code in range(start, start + 256))
        assert normalise(text) == _normalise_as_before(text), hex(start)
        assert fold_whitespace(text) == re.sub(r"\s+", " ", text).strip(), hex(start)
    rng = random.Random(26)
    pool = [chr(c) for c in _TYPOGRAPHY] + list(" \t\n\r\x0b\x0c\x1c\x85\u00a0\u2028\u3000abcXYZ09.,'\"`ﬁＡ…")
    for _ in range(5_000):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(0, 30)))
        assert normalise(text) == _normalise_as_before(text), repr(text)


def _catalog(tmp_path: Path, quote: str) -> list[Path]:
    (tmp_path / "article.txt").write_text(f"He said: {CURLY} Then he left.\n", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "schema: 1\nsources:\n  - id: art\n    file: article.txt\n    title: T\n    published: 2019-05-01\n",
        encoding="utf-8",
    )
    questions = tmp_path / "questions.yaml"
    questions.write_text(
        "schema: 1\nquestions:\n  - id: q\n    title: Change?\n    criteria: C\n    type: binary\n"
        "    opened: 2019-04-01\n    resolve_by: 2019-06-01\n",
        encoding="utf-8",
    )
    forecasts = tmp_path / "art.yaml"
    escaped = quote.replace("\\", "\\\\").replace('"', '\\"')
    forecasts.write_text(
        "schema: 1\nsource: art\nforecasts:\n  - id: f\n    question: q\n    forecaster: A. B\n"
        f'    made_at: 2019-05-01\n    quote: "{escaped}"\n    says: unlikely\n    reading: negates\n',
        encoding="utf-8",
    )
    return [sources, questions, forecasts]


def test_the_catalog_accepts_a_straight_quote_of_a_curly_source_and_stores_it_as_given(
    ledger: Ledger, tmp_path: Path
) -> None:
    import_catalog(ledger, _catalog(tmp_path, STRAIGHT))
    (row,) = ledger.rows("forecasts")[0]
    assert row["quote"] == STRAIGHT and row["quote_verified"] is True


def test_the_catalog_still_refuses_a_quote_with_a_different_word(ledger: Ledger, tmp_path: Path) -> None:
    with pytest.raises(CatalogInvalid, match="f: quote: not found verbatim"):
        import_catalog(ledger, _catalog(tmp_path, STRAIGHT.replace("unlikely", "likely")))
    assert ledger.info()["events"] == 0


def test_the_command_line_accepts_a_curly_quote_of_a_straight_source(sqlite_url: str, tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(f"He said: {STRAIGHT}\n", encoding="utf-8")
    db = ["--db", sqlite_url]
    runner.invoke(app, [*db, "init"])
    for step in (
        ["source", "add", "art", "--title", "T", "--published", "2019-05-01", "--file", str(article)],
        ["question", "add", "q", "--title", "Change?", "--criteria", "C", "--opened", "2019-04-01"],
        ["forecast", "q", "--forecaster", "A. B", "--p", "0.2", "--made-at", "2019-05-01", "--source", "art",
         "--quote", CURLY],
    ):  # fmt: skip
        result = runner.invoke(app, [*db, *step])
        assert result.exit_code == 0, result.output
    (row,) = Ledger(sqlite_url).rows("forecasts")[0]
    assert row["quote"] == CURLY and row["quote_verified"] is True
    wrong = runner.invoke(
        app,
        [*db, "forecast", "q", "--forecaster", "A. B", "--p", "0.2", "--made-at", "2019-05-01", "--source", "art",
         "--quote", "Moscow’s answer is “likely” to change"],
    )  # fmt: skip
    assert wrong.exit_code not in (0, 70) and "quote: not found verbatim" in wrong.stderr
