"""The learned confidence (tracker/extract/confidence.py, train_confidence.py): the shipped weights are what the
training script makes, its measure counts as evaluate.py does, the cut-off is the pooled best, bad weights are
one error, hostile text is scored, and the rules' path is unchanged by the switch."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from conftest import tracker

from tracker.extract import confidence as conf
from tracker.extract import extract
from tracker.extract.confidence import ConfidenceModel, ConfidenceModelError, load_model, reason_kind
from tracker.extract.evaluate import corpus_articles, evaluate_corpus
from tracker.extract.train_confidence import Article, Pool, choose_cut, labelled_pool, measure, render, train

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "001_33bf704cea32a562.txt"


def test_the_shipped_weights_are_what_the_script_trains() -> None:
    """Retrained from the corpus (about 10 s: every corpus article once, twelve folds and the final fit), the
    document is byte for byte the shipped one: weights, cut-off and all."""
    document, report = train(ROOT)
    assert render(document) == conf.WEIGHTS_FILE.read_text(encoding="utf-8"), (
        "the corpus's candidates or their features changed: retrain (python -m tracker.extract.train_confidence)"
    )
    assert report["cut"] == document["cut"] and 0 < document["cut"] < 1
    # The rules' figures in the report are evaluate.py's on the whole corpus (docs/extract.md quotes both).
    assert report["pooled"]["rules"]["curated"] == sum(len(a["forecasts"]) for a in corpus_articles(ROOT))


def test_measure_counts_as_evaluate_does() -> None:
    """On one corpus file, the pool's candidates the rules keep give evaluate.py's recall and precision of the rules'
    own run, and keeping every candidate or none moves them as it must."""
    articles = corpus_articles(ROOT, ["c"])
    pool = labelled_pool(articles)
    rules = [(c.features or {}).get("rules_keep", 0.0) > 0 for c in pool.candidates]
    mine = measure(pool, rules)
    theirs = evaluate_corpus(ROOT, articles=articles, rules_only=True).summary()
    assert (mine["found"], mine["curated"], mine["candidates"]) == (
        theirs["found"],
        theirs["curated"],
        theirs["candidates"],
    )
    assert mine["precision"] == theirs["precision"] and mine["recall"] == theirs["recall"]
    every = measure(pool, [True] * len(pool.candidates))
    assert every["candidates"] == len(pool.candidates) > mine["candidates"] and every["found"] >= mine["found"]
    none = measure(pool, [False] * len(pool.candidates))
    assert none["found"] == none["candidates"] == 0 and none["f1"] == 0.0


def test_the_cut_off_is_the_best_pooled_f1() -> None:
    """Four candidates for three labels: scores 0.9 and 0.6 on labelled ones, 0.7 on a false one, 0.2 on the third
    label's. Keeping the top three (cut 0.6) gives P 2/3, R 2/3; the top one alone P 1, R 1/3; all four P 3/4,
    R 1: the best F1 (0.857) is at the lowest cut that keeps the 0.2."""
    pool = Pool(
        candidates=[],
        labels=[1, 0, 1, 1],
        files=["x"] * 4,
        articles=[Article("x", [([0], 1), ([1], 0), ([2], 1), ([3], 1)], [{0}, {2}, {3}])],
    )
    cut, figures = choose_cut(pool, [0.9, 0.7, 0.6, 0.2])
    assert cut == 0.01 and figures["found"] == 3 and figures["candidates"] == 4
    # The fourth never kept: the top three (F1 0.667) beat the top one (0.5) and the top two (0.4).
    cut, figures = choose_cut(pool, [0.9, 0.7, 0.6, 0.0])
    assert cut == 0.01 and figures["candidates"] == 3 and figures["found"] == 2


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "weights.json"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = {"features_version": conf.FEATURES_VERSION, "weights": {"rule_confidence": 2.0}, "means": {}, "bias": -1.0}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "cannot be read"),
        ("[1, 2]", "not a weights document"),
        (json.dumps({**GOOD, "cut": 0.5, "features_version": 999}), "features_version 999"),
        (json.dumps({**GOOD, "cut": 0.5, "weights": {"rule_confidence": "much"}}), "not numbers"),
        (json.dumps({**GOOD}), "not numbers"),  # no cut
        (json.dumps({**GOOD, "cut": 0.5, "bias": float("nan")}), "finite"),
        (json.dumps({**GOOD, "cut": 1.5}), "outside 0..1"),
        ("\ufffd\x00", "cannot be read"),
    ],
)
def test_corrupt_weights_are_one_error_naming_the_file(tmp_path: Path, text: str, words: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfidenceModelError) as caught:
        load_model(path)
    message = str(caught.value)
    assert str(path) in message and words in message and "\n" not in message


def test_missing_weights_are_one_error_and_the_rules_need_none(tmp_path: Path) -> None:
    with pytest.raises(ConfidenceModelError, match="missing .*--rules-only"):
        load_model(tmp_path / "nowhere.json")
    text = SEED.read_text(encoding="utf-8")
    assert extract(text, rules_only=True).candidates  # the rules' path never opens the weights


def test_the_cli_says_in_one_line_that_the_weights_are_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conf, "WEIGHTS_FILE", tmp_path / "gone.json")
    monkeypatch.setattr(conf, "_LOADED", {})
    db = str(tmp_path / "no-ledger.sqlite")
    result = tracker(db, "extract", str(SEED), "--learned-confidence")
    assert result.exit_code != 0 and "gone.json" in result.stderr and result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.output
    # --rules-only needs no weights, and wins over --learned-confidence.
    result = tracker(db, "extract", str(SEED), "--learned-confidence", "--rules-only", code=0)
    assert yaml.safe_load(result.stdout)["forecasts"]


HOSTILE = [
    "",
    "?" * 500,
    "It will " + "very " * 4000 + "likely rain.",  # one sentence of 24,000 characters
    "\u202eThe vote will probably fail next week.\u202c \x1b[31mPrices may rise.\x07",
    "Officials said the plan will likely pass in 2030. " * 200,
    "\x00\ufeffWe expect rates to fall; it is unlikely (10%) that they rise, if at all?\n\n\n" * 20,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_scored_between_0_and_1(text: str) -> None:
    found = extract(text, learned_confidence=True, min_confidence=0.0).candidates
    for c in found:
        assert 0.0 <= c.confidence <= 1.0 and math.isfinite(c.confidence)
        assert c.reasons[-1].startswith("rules' confidence") and "learned" in c.reasons[-1]
    assert len(extract(text, learned_confidence=True).candidates) <= len(found)


def test_min_confidence_works_on_the_learned_scale() -> None:
    """The default leaves out what scores under the model's cut-off; --min-confidence moves that cut-off."""
    text = SEED.read_text(encoding="utf-8")
    model = load_model()
    every = extract(text, learned_confidence=True, min_confidence=0.0).candidates
    default = extract(text, learned_confidence=True).candidates
    assert all(c.confidence >= model.cut for c in default)
    assert len(default) == sum(1 for c in every if c.confidence >= model.cut) < len(every)
    high = extract(text, learned_confidence=True, min_confidence=0.9).candidates
    assert all(c.confidence >= 0.9 for c in high) and len(high) < len(default)


def test_the_switch_leaves_the_rules_path_as_it_was() -> None:
    text = SEED.read_text(encoding="utf-8")
    plain = extract(text)
    assert plain == extract(text, rules_only=True) == extract(text, rules_only=True, learned_confidence=True)
    assert plain.candidates and all(c.features is None for c in plain.candidates)
    assert extract(text, learned_confidence=True) != plain


def test_a_model_scores_and_tells_what_moved_it() -> None:
    model = ConfidenceModel({"a": 2.0, "b": -1.5}, {"a": 0.5, "b": 0.0}, 0.0, 0.5)
    assert model.score({}) == 0.5
    assert model.score({"a": 1.0}) == pytest.approx(1 / (1 + math.exp(-2)))
    assert model.score({"b": 1e6}) == 0.0  # no overflow
    assert model.contributions({"a": 1.0, "b": 1.0}) == ["b -1.50", "a +1.00"]  # the larger move first
    assert model.contributions({"a": 0.5}) == []  # a typical candidate: nothing moved it


def test_reason_kinds_leave_out_what_the_reason_quotes() -> None:
    one = "the hedged clause is in the past tense ('was'): about what happened"
    other = "the hedged clause is in the past tense ('had'): about what happened"
    assert reason_kind(one) == reason_kind(other) == "the_hedged_clause_is_in_the"
    assert reason_kind("'had expected', 'had previously forecast': an expectation held before") == (
        "an_expectation_held_before"
    )
