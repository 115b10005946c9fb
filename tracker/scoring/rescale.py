"""Every verbal forecast read under another scale: how readers read the phrases (the CAPphrase survey's medians)
or an official yardstick (the UK PHIA bands' midpoints), and how the ranking moves (Kendall's tau).

The scales are data (``tracker/scales/reading-<name>.yaml``, package data, each with its source, licence, address
and date). A scale's terms are matched to the tracker's own phrases through the tracker's scale (its phrases and
aliases): a verbal forecast whose phrase the other scale has gets that scale's number, read the same way (the
number is P(X) for the hedged statement X; ``reading`` says whether X is the question's YES or its NO); every
other forecast keeps its number. Binary questions only (the scales give one probability).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from tracker.domain.verbal import Scale

SCALES: tuple[str, ...] = ("capphrase", "uk-phia")
"""The other scales shipped: ``tracker scores --scale NAME``."""


@dataclass(frozen=True)
class ReadingScale:
    name: str
    title: str
    source: str
    licence: str
    address: str
    retrieved: str
    numbers: dict[str, float]  # the tracker's canonical phrase -> this scale's P(X)
    unmatched: tuple[str, ...]  # this scale's terms the tracker's scale does not have
    spread: dict[str, tuple[float, float]]  # our phrase -> (q1, q3): readers' quartiles, or a band's ends


def load(name: str, ours: Scale | None = None) -> ReadingScale:
    """The packaged scale ``name`` (one of ``SCALES``), its terms matched to ``ours`` (default: the latest packaged
    scale of the tracker); ValueError for another name."""
    import yaml

    from tracker.domain import verbal

    if name not in SCALES:
        raise ValueError(f"{name!r} is not a scale ({', '.join(SCALES)})")
    text = resources.files("tracker").joinpath("scales", f"reading-{name}.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    if ours is None:
        ours = verbal.load_scale()
    numbers: dict[str, float] = {}
    spread: dict[str, tuple[float, float]] = {}
    unmatched: list[str] = []
    for item in data["phrases"]:
        term = str(item["phrase"])
        try:
            phrase = ours.lookup(term)
        except verbal.UnknownPhrase:
            unmatched.append(term)
            continue
        if phrase.negated:
            unmatched.append(term)
            continue
        # two terms on one phrase of ours (an alias): the term that is the phrase itself wins
        if phrase.phrase not in numbers or term == phrase.phrase:
            numbers[phrase.phrase] = float(item["p"])
            spread[phrase.phrase] = (float(item["q1"]), float(item["q3"]))
    return ReadingScale(
        name,
        str(data["title"]),
        " ".join(str(data["source"]).split()),
        str(data["licence"]),
        str(data["address"]),
        str(data["retrieved"]),
        numbers,
        tuple(unmatched),
        spread,
    )


def rescored(per_question: pd.DataFrame, scale: ReadingScale) -> pd.DataFrame:
    """``per_question`` (``question_scores`` rows with ``kind``, ``brier``, ``outcome``, ``phrase``, ``reading``)
    with ``brier_scale``: the Brier of the forecast under ``scale`` (binary verbal forecasts whose phrase the
    scale has), or ``brier`` unchanged; and ``rescaled`` (bool) saying which rows changed number."""
    import numpy as np

    df = per_question.copy()
    phrase = df["phrase"].astype(object)
    p_x = phrase.map(scale.numbers).to_numpy(dtype=np.float64)
    binary = (df["kind"].astype(object) == "binary").to_numpy()
    hit = binary & ~np.isnan(p_x)
    negates = (df["reading"].astype(object) == "negates").to_numpy()
    p_yes = np.where(negates, 1.0 - p_x, p_x)
    o = (df["outcome"].astype(object) == "yes").to_numpy(dtype=np.float64)
    df["brier_scale"] = np.where(hit, (p_yes - o) ** 2, df["brier"].to_numpy(dtype=np.float64))
    df["rescaled"] = hit
    return df


def ranking_shift(
    per_question: pd.DataFrame, scale: ReadingScale, min_questions: int
) -> tuple[pd.DataFrame, float, int]:
    """Per forecaster: ``n_questions``, ``n_rescaled`` (verbal forecasts given another number), ``mean_brier``
    (the tracker's scale), ``mean_brier_scale`` and both ranks (forecasters with at least ``min_questions``
    questions only; the others have none). Returns the table (ranked rows first, by the tracker's mean Brier),
    Kendall's tau-b between the two rankings (NaN with fewer than two ranked forecasters) and the number ranked."""
    import numpy as np
    import pandas as pd
    from scipy.stats import kendalltau

    df = rescored(per_question.loc[per_question["brier"].notna()], scale)
    table = (
        df.groupby("forecaster_id", sort=True)
        .agg(
            n_questions=("question_id", "nunique"),
            n_rescaled=("rescaled", "sum"),
            mean_brier=("brier", "mean"),
            mean_brier_scale=("brier_scale", "mean"),
        )
        .reset_index()
    )
    table["n_rescaled"] = table["n_rescaled"].astype(np.int64)
    ranked = table["n_questions"] >= min_questions
    for column, rank in (("mean_brier", "rank"), ("mean_brier_scale", "rank_scale")):
        values = table[column].where(ranked)
        table[rank] = values.rank(method="min").astype("Int64")
    table = table.sort_values(["rank", "forecaster_id"], na_position="last", ignore_index=True)
    n = int(ranked.sum())
    tau = float("nan")  # fewer than two ranked, or every mean equal: no ranking to move
    if n >= 2:
        mine = table.loc[table["rank"].notna()]
        tau = float(kendalltau(mine["mean_brier"], mine["mean_brier_scale"]).statistic)
    return pd.DataFrame(table), tau, n
