"""benchmarks/speaker_cv.py (issue 22): the cross-validation of speaker attribution counts the rules as the
evaluation does, offers the rules' choice and the generic candidates, and refuses a file of check articles."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tracker.extract.evaluate import corpus_articles, evaluate_corpus

ROOT = Path(__file__).resolve().parents[1]

ARTICLES = {
    "x-001": (
        "Rates Outlook\n\nThe central bank will probably cut rates in June, said Jane Roe, an economist at Acme "
        "Bank. Most analysts expect inflation to ease next year. The bank is likely to hold rates in July.\n",
        [
            ("will probably cut rates in June", "Jane Roe"),
            ("Most analysts expect inflation to ease next year", "analysts"),
            ("The bank is likely to hold rates in July", "the author"),
        ],
    ),
    "y-001": (
        "Election Watch\n\n“The governing party will almost certainly lose its majority,” said John Doe, a "
        "pollster. Bookmakers make the opposition 1/4 to win. Turnout is likely to be low.\n",
        [
            ("The governing party will almost certainly lose its majority", "John Doe"),
            ("Bookmakers make the opposition 1/4 to win", "bookmakers"),
            ("Turnout is likely to be low", "the author"),
        ],
    ),
}


def cv_module() -> Any:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import speaker_cv
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return speaker_cv


def _corpus(root: Path, split: str = "tune") -> None:
    folder = root / "tests" / "data" / "extract"
    (folder / "articles").mkdir(parents=True)
    for aid, (text, labels) in ARTICLES.items():
        (folder / "articles" / f"{aid}.txt").write_text(text, encoding="utf-8")
        article = {
            "id": aid,
            "file": f"articles/{aid}.txt",
            "split": split,
            "forecasts": [
                {"quote": q, "speaker": who, "attribution": "in-sentence", "p": 0.7, "event": q} for q, who in labels
            ],
        }
        letter = aid[0]
        (folder / f"corpus-{letter}.yaml").write_text(yaml.safe_dump({"articles": [article]}), encoding="utf-8")


def test_the_rules_column_is_the_evaluations_speaker_count(tmp_path: Path) -> None:
    cv = cv_module()
    _corpus(tmp_path)
    ds = cv.decisions(tmp_path, ["x", "y"])
    expected = evaluate_corpus(tmp_path, "tune", articles=corpus_articles(tmp_path, ["x", "y"])).summary()
    assert len(ds) == expected["found"] > 0
    rows = cv.cross_validate(ds, ["x", "y"])
    assert sum(r["rules"] for r in rows) == expected["speaker_ok"]
    for r in rows:
        assert r["rules"] <= r["ceiling"] <= r["n"]
        assert r["generic_ceiling"] <= r["n"]


def test_candidates_hold_the_rules_choice_the_author_and_the_names_around(tmp_path: Path) -> None:
    cv = cv_module()
    _corpus(tmp_path)
    ds = cv.decisions(tmp_path, ["x"])
    for d in ds:
        assert d.names[0] == d.rule and "the author" in d.names
        assert d.generic is not None and "the author" in d.generic.names
        assert len(d.rows) == len(d.names) == len(d.right)
        assert all(set(row) == set(cv.FEATURES) for row in d.rows)
    roe = next(d for d in ds if d.gold == "Jane Roe")
    assert any(ok for ok, name in zip(roe.generic.right, roe.generic.names, strict=True) if "Roe" in name)
    analysts = next(d for d in ds if d.gold == "analysts")
    assert any("analysts" in name for name in analysts.generic.names)


def test_a_file_of_check_articles_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cv = cv_module()
    _corpus(tmp_path, split="check")
    assert cv.main([str(tmp_path), "--files", "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "check articles" in err
