"""The second labelling of some corpus articles (tests/data/extract/second-labeller.yaml, issue 22) is valid, stays out
of the corpus, and benchmarks/label_agreement.py pairs two labellings as it says."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_extract_corpus import CORPUS, _check_forecast, _load

ROOT = Path(__file__).resolve().parents[1]
SECOND = CORPUS / "second-labeller.yaml"


def agreement_module() -> Any:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import label_agreement
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return label_agreement


def test_second_labelling_loads_with_verbatim_quotes_on_corpus_articles() -> None:
    data = _load(SECOND)
    ids = [art["id"] for art in data["articles"]]
    assert len(ids) == len(set(ids)), "an article is labelled twice"
    corpus = {
        art["id"]: art for letter in {i[0] for i in ids} for art in _load(CORPUS / f"corpus-{letter}.yaml")["articles"]
    }
    for art in data["articles"]:
        assert art["id"] in corpus, f"{art['id']} is no corpus article"
        first = corpus[art["id"]]
        for key in ("file", "url", "outlet", "published"):
            assert art[key] == first[key], f"{art['id']}: {key} differs from the corpus's"
        text = (CORPUS / art["file"]).read_text(encoding="utf-8")
        assert art["forecasts"], f"{art['id']}: no forecasts"
        for i, f in enumerate(art["forecasts"]):
            _check_forecast(f"second-labeller:{art['id']}#{i + 1}", f, text)


def test_second_labelling_is_not_a_corpus_file() -> None:
    """corpus_articles and the figure floors glob corpus-*.yaml: the second labelling must not be read as corpus
    (its articles would count twice, and a corpus-h article would be read by the extractor)."""
    assert SECOND.is_file()
    assert SECOND not in set(CORPUS.glob("corpus-*.yaml"))


def test_checks_reject_a_quote_not_in_the_excerpt(tmp_path: Path) -> None:
    data = _load(SECOND)
    art = data["articles"][0]
    text = (CORPUS / art["file"]).read_text(encoding="utf-8")
    bad = {**art["forecasts"][0], "quote": art["forecasts"][0]["quote"] + " and then some words nobody wrote"}
    with pytest.raises(AssertionError, match="verbatim"):
        _check_forecast("bad", bad, text)
    (tmp_path / "x.yaml").write_text(yaml.safe_dump({"schema": 1, "articles": []}), encoding="utf-8")
    with pytest.raises(AssertionError, match="no articles"):
        _load(tmp_path / "x.yaml")


def _label(quote: str, speaker: str, p: float, polarity: str = "affirm") -> dict[str, Any]:
    return {"quote": quote, "speaker": speaker, "p": p, "polarity": polarity, "event": "e", "hedge": "h"}


def test_pairs_by_quote_either_way_and_counts_speaker_side_and_distance() -> None:
    la = agreement_module()
    first = {
        "x-001": [
            _label("the bank will probably cut rates in June", "Jane Roe", 0.7),
            _label("inflation could rise sharply again next year", "analysts", 0.5),
            _label("the election will be close", "the author", 0.6),
            _label("the strike will end soon", "union leaders", 0.7),
        ]
    }
    second = {
        "x-001": [
            # holds the first's quote but has too many words of its own for the first's to match it: matched only
            # by trying quote_matches the other way round (neither labeller is the reference)
            _label(
                "Jane Roe, chief economist at a big bank, said on Monday the bank will probably cut rates in June",
                "Roe",
                0.75,
            ),
            # the first's quote contains it, but it holds too few of the first's words: matched only the first way round
            _label("inflation could rise", "some analysts", 0.55),
            _label("unemployment is expected to fall", "economists", 0.3, "negate"),
            _label("the strike will end soon", "the mayor", 0.3, "negate"),
        ]
    }
    ag = la.compare(first, second)
    assert [(f["speaker"], s["speaker"]) for _, f, s in ag.pairs] == [
        ("Jane Roe", "Roe"),
        ("analysts", "some analysts"),
        ("union leaders", "the mayor"),
    ]
    assert [f["quote"] for _, f in ag.only_first] == ["the election will be close"]
    assert [s["quote"] for _, s in ag.only_second] == ["unemployment is expected to fall"]
    fig = la.figures(ag)
    assert (fig.first, fig.second, fig.both) == (4, 4, 3)
    assert fig.speaker == 2
    # the pair with a p of 0.5 has no side and is left out; the strike pair is on opposite sides
    assert (fig.sided, fig.same_side, fig.same_polarity) == (2, 1, 2)
    assert fig.mean_abs_dp == pytest.approx((0.05 + 0.05 + 0.4) / 3)
    assert any("BOTH" in r and "the mayor" in r for r in la.rows(ag))


def test_a_sentence_split_in_two_pairs_its_closer_half_once() -> None:
    la = agreement_module()
    whole = "the senate will pass the bill and the president will sign it"
    first = {"x-001": [_label(whole, "aides", 0.8)]}
    second = {"x-001": [_label("the senate will pass the bill", "aides", 0.8), _label(whole, "aides", 0.7)]}
    ag = la.compare(first, second)
    assert [s["quote"] for _, _, s in ag.pairs] == [whole]
    assert [s["quote"] for _, s in ag.only_second] == ["the senate will pass the bill"]


def test_first_labels_missing_for_an_article_is_an_error(tmp_path: Path) -> None:
    la = agreement_module()
    (tmp_path / "corpus-x.yaml").write_text(
        yaml.safe_dump({"schema": 1, "articles": [{"id": "x-001", "forecasts": []}]}), encoding="utf-8"
    )
    assert la.load_first(["x-001"], tmp_path) == {"x-001": []}
    with pytest.raises(ValueError, match="x-002"):
        la.load_first(["x-001", "x-002"], tmp_path)
