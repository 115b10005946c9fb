"""The learned speaker choice (issue 22): its candidates, its weights file and what happens when that is missing or
corrupt, the switches that keep the rules selectable, that the shipped weights are the training script's, and that
the leave-one-file-out comparison reports a loss when there is one."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
from conftest import tracker

from tracker.extract import extract
from tracker.extract import speaker_model as sm
from tracker.extract import train_speakers as ts
from tracker.extract.segment import Sentence, paragraphs, sentences
from tracker.extract.speakers import Speaker

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "001_33bf704cea32a562.txt"

TEXT = (
    "Oil prices will rise, says Jane Roe\n\n"
    "Jane Roe, who runs the trading desk at Acme Bank, has watched the market for years.\n\n"
    "Prices are likely to climb by June, Roe said. Analysts expect a rebound next year.\n\n"
    "The cartel will probably cut output in December.\n"
)


def _chooser(text: str) -> tuple[sm.SpeakerChooser, list[Sentence]]:
    paras = paragraphs(text)
    sents = sentences(text, paras)
    return sm.SpeakerChooser(text, paras, sents), sents


def test_candidates_hold_the_rule_the_author_and_the_names_resolved() -> None:
    chooser, sents = _chooser(TEXT)
    i = next(s.index for s in sents if "by June" in s.text)
    rule = Speaker("the author", None, 0.5, "no attribution: the author's own words", "author")
    names = [c.speaker.name for c in chooser.candidates(i, (10, 20), rule)]
    assert names[0] == "the author"
    # "Roe" is read as the fullest earlier mention; the common noun of the next sentence is not in the window.
    assert "Jane Roe" in names and "Roe" not in names
    roe = next(c for c in chooser.candidates(i, (10, 20), rule) if c.speaker.name == "Jane Roe")
    assert roe.x["same_sentence"] == roe.x["verb_next"] == 1.0  # "Roe said"
    assert roe.x["headline"] == roe.x["headline_tail"] == roe.x["verb_prev"] == 1.0  # "..., says Jane Roe"


def test_no_candidate_names_leaves_the_author() -> None:
    text = "prices will probably rise next year. costs are likely to fall by june.\n"
    chooser, sents = _chooser(text)
    rule = Speaker("the author", None, 0.5, "no attribution", "author")
    assert [c.speaker.name for c in chooser.candidates(0, (13, 21), rule)] == ["the author"]
    result = extract(text, learned_speakers=True)
    assert result.candidates and all(c.speaker.kind == "author" for c in result.candidates)


@pytest.mark.parametrize(
    "text",
    [
        "“" * 500 + "X will likely win." + "”" * 3,
        ("Aa Bb Cc Dd Ee " * 400) + "will probably fall.",
        "He said she said they said it will likely rain, says , according to .\n\n" * 50,
        '"' * 301 + " it will probably happen, said Roe " + "\u202e\u0000\ufeff" * 20,
        "- Roe: \n\n- \n\n" + "Analysts analysts analysts will likely win, Dr. . said.\n\n" * 30,
    ],
)
def test_hostile_text_gives_a_speaker_for_every_candidate_quickly(text: str) -> None:
    began = time.process_time()
    result = extract(text, learned_speakers=True)
    assert time.process_time() - began < 5
    for c in result.candidates:
        assert c.speaker.name.strip() and 0.0 <= c.speaker.confidence <= 1.0


def _weights_file(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "w.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


GOOD = {"features": list(sm.FEATURES), "coef": [0.0] * len(sm.FEATURES), "intercept": 0.0}


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ("{not json", "not JSON"),
        ([1, 2], "not a JSON object"),
        ({**GOOD, "features": ["rule"]}, "trained for other features"),
        ({**GOOD, "coef": [0.0]}, "'coef'"),
        ({**GOOD, "coef": [math.inf] * len(sm.FEATURES)}, "'coef'"),
        ({**GOOD, "coef": ["1"] * len(sm.FEATURES)}, "'coef'"),
        ({**GOOD, "intercept": None}, "'intercept'"),
    ],
)
def test_corrupt_weights_are_one_clear_error(tmp_path: Path, data: object, says: str) -> None:
    path = _weights_file(tmp_path, data)
    with pytest.raises(sm.SpeakerWeightsError, match=says) as e:
        sm.load_weights(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)


def test_missing_weights_are_an_error_and_the_rules_do_not_need_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(sm.SpeakerWeightsError, match="cannot be read"):
        sm.load_weights(tmp_path / "absent.json")

    def absent() -> sm.Weights:
        raise sm.SpeakerWeightsError("speaker weights x: cannot be read")

    monkeypatch.setattr(sm, "load_weights", absent)
    monkeypatch.setattr("tracker.extract.core.load_weights", absent)
    text = SEED.read_text(encoding="utf-8")
    assert extract(text).candidates  # the default reads no weights
    assert extract(text, learned_speakers=True, rules_only=True).candidates
    with pytest.raises(sm.SpeakerWeightsError):
        extract(text, learned_speakers=True)


def test_the_weights_choose_and_the_rules_only_switch_wins(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    rules = extract(text)
    # Weights that favour the author over everything: every speaker becomes the author, unless rules_only.
    coef = [5.0 if f == "author" else 0.0 for f in sm.FEATURES]
    author = sm.Weights(sm.FEATURES, tuple(coef), 0.0)
    learned = extract(text, learned_speakers=True, speaker_weights=author)
    assert any(c.speaker.kind != "author" for c in rules.candidates)
    assert all(c.speaker.kind == "author" for c in learned.candidates)
    assert extract(text, learned_speakers=True, rules_only=True, speaker_weights=author) == rules


def test_cli_switches(tmp_path: Path) -> None:
    db = str(tmp_path / "none.sqlite")
    for flag in ("--rules-only", "--learned-speakers"):
        result = tracker(db, "extract", str(SEED), "--json", flag, code=0)
        assert json.loads(result.stdout)[0]["candidates"]


def test_shipped_weights_are_the_training_scripts() -> None:
    """Retraining on the whole corpus takes about 13 s (`make speaker-weights`): here, that the shipped file was
    trained on the corpus files as they are and by the feature code as it is, and loads."""
    data = json.loads((ROOT / "tracker" / "extract" / sm.WEIGHTS_FILE).read_text(encoding="utf-8"))
    meta = data["meta"]
    assert meta["files"] == "".join(ts.FILES)
    assert meta["features_sha256"] == ts.features_digest(), "speaker_model.py changed: run make speaker-weights"
    assert meta["corpus_sha256"] == ts.corpus_digest(ROOT), "the corpus changed: run make speaker-weights"
    assert sm.load_weights().coef == tuple(data["coef"])


def test_training_is_deterministic_on_a_slice() -> None:
    groups = ts.groups(ROOT, ["e"])
    first, second = ts.fit(groups), ts.fit(groups)
    assert first == second
    assert ts.weights_json(first, {}) == ts.weights_json(second, {})
    assert sm.parse_weights(json.loads(ts.weights_json(first, {})), "slice") == first


def _group(file: str, good_first: bool) -> ts.Group:
    good, bad = {"verb_next": 1.0}, {"headline": 1.0}
    xs = (good, bad) if good_first else (bad, good)
    return ts.Group(file, f"{file}-1", xs, (True, False), ("Roe", "Doe"), "Roe", rule_ok=False)


def test_loco_reports_a_loss() -> None:
    """Trained on files where the verb marks the speaker, tested on one where it marks the wrong one: the learned
    column must count every held-out forecast wrong (the comparison can come out against the model)."""
    groups = [_group("a", True) for _ in range(20)] + [_group("b", True) for _ in range(20)]
    flipped = [ts.Group(g.file, g.article, g.xs, (False, True), g.names, g.gold, True) for g in groups[:5]]
    rows = ts.loco(
        [*groups[5:], *(ts.Group("c", g.article, g.xs, g.labels, g.names, g.gold, True) for g in flipped)],
        ["a", "b", "c"],
    )
    by_file = {r["file"]: r for r in rows}
    assert by_file["b"]["learned"] == 20 and by_file["b"]["rules"] == 0
    assert by_file["c"]["learned"] == 0 and by_file["c"]["rules"] == 5
    assert ts.pooled(rows, "all")["n"] == 40


def test_one_class_cannot_be_trained() -> None:
    only_wrong = [ts.Group("a", "a-1", ({"rule": 1.0},), (False,), ("x",), "y", False)]
    with pytest.raises(ValueError, match="one class"):
        ts.fit(only_wrong)
