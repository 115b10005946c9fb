"""tracker.scoring.rescale: verbal forecasts read under another scale, and Kendall's tau of the ranking move."""

from __future__ import annotations

import pandas as pd
import pytest

from tracker.scoring import rescale


def test_the_shipped_scales_load_with_their_source_and_match_our_phrases() -> None:
    cap = rescale.load("capphrase")
    assert cap.numbers["unlikely"] == 0.20 and cap.numbers["likely"] == 0.75
    assert cap.numbers["roughly even chance"] == 0.50  # "about even" is an alias of ours
    assert "will happen" in cap.unmatched  # not a hedge on our scale
    assert "CC-BY" in cap.licence and "zenodo.18750055" in cap.source and cap.retrieved == "2026-12-06"
    uk = rescale.load("uk-phia")
    assert uk.numbers["unlikely"] == pytest.approx(0.30) and uk.numbers["remote chance"] == pytest.approx(0.025)
    with pytest.raises(ValueError, match="not a scale"):
        rescale.load("../verbal-1")


def _rows() -> pd.DataFrame:
    rows = []
    for i in range(5):
        # a: "likely" (0.70 on ours, 0.65 on the UK yardstick) about YES, on questions that resolved YES
        rows.append(("a", f"q{i}", "likely", "affirms", "yes", 0.7))
        # b: "unlikely" (0.20 on ours, 0.30 on the UK's) about the question's NO, on questions that resolved YES
        rows.append(("b", f"q{i}", "unlikely", "negates", "yes", 0.8))
        # d: a stated number, no phrase
        rows.append(("d", f"q{i}", None, None, "yes", 0.68))
    frame = pd.DataFrame(rows, columns=["forecaster_id", "question_id", "phrase", "reading", "outcome", "p_yes"])
    frame["kind"] = "binary"
    frame["brier"] = (frame["p_yes"] - (frame["outcome"] == "yes")) ** 2
    # c: one multiple-choice forecast with a phrase (left alone: the scales give one probability), too few to rank
    extra = pd.DataFrame([("c", "m1", "likely", "affirms", "b", None, "multiple_choice", 0.5)], columns=frame.columns)
    return pd.concat([frame, extra], ignore_index=True)


def test_rescored_reads_each_phrase_the_same_way_round() -> None:
    out = rescale.rescored(_rows(), rescale.load("capphrase"))
    b = out[out["forecaster_id"] == "b"]
    assert b["brier_scale"].tolist() == pytest.approx([0.2**2] * 5)  # readers: "unlikely" 0.20, of the NO
    a = out[out["forecaster_id"] == "a"]
    assert a["brier_scale"].tolist() == pytest.approx([0.25**2] * 5)  # readers: "likely" 0.75
    plain = out["phrase"].isna()
    assert out.loc[plain, "brier_scale"].tolist() == out.loc[plain, "brier"].tolist()
    assert not out.loc[out["kind"] == "multiple_choice", "rescaled"].any()
    assert int(out["rescaled"].sum()) == 10


def test_ranking_shift_gives_both_ranks_and_kendall_tau() -> None:
    table, tau, n = rescale.ranking_shift(_rows(), rescale.load("uk-phia"), min_questions=5)
    by = table.set_index("forecaster_id")
    # ours: b 0.04, a 0.09, d 0.1024; the UK's: b 0.09, d 0.1024, a 0.1225 (a and d swap: one pair of three)
    assert list(table["forecaster_id"]) == ["b", "a", "d", "c"] and n == 3
    assert by.loc["a", "mean_brier_scale"] == pytest.approx(0.35**2)
    assert by.loc["b", "mean_brier_scale"] == pytest.approx(0.3**2)
    assert (by.loc["a", "rank"], by.loc["a", "rank_scale"]) == (2, 3)
    assert (by.loc["d", "rank"], by.loc["d", "rank_scale"]) == (3, 2)
    assert pd.isna(by.loc["c", "rank"]) and by.loc["c", "n_rescaled"] == 0
    assert tau == pytest.approx(1 / 3)
    _, alone, one = rescale.ranking_shift(_rows(), rescale.load("uk-phia"), min_questions=6)
    assert one == 0 and alone != alone  # nobody ranked: no tau (NaN)
