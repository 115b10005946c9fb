"""Do the leaderboard's statements hold their stated rates? A seeded simulation of the project's own functions
(``tracker.scoring.honest``: ``mean_intervals``, ``versus_coin``, ``versus_crowd``, ``pair_table``, which
``tracker compare`` uses).

    python benchmarks/honesty.py                       # the tables, as Markdown, on stdout
    python benchmarks/honesty.py --update-docs         # ... and written into docs/scoring.md between its markers
    python benchmarks/honesty.py --sims 300 --sizes 5,10,30   # a quick run

For each number of questions n and each kind of forecaster, ``--sims`` simulated forecasters each answer n
questions drawn afresh (true probability, forecast, outcome), and the project's functions are run on them, all
forecasters of a cell at once, exactly as the leaderboard runs them on its groups:

- coverage: how often the 90% interval of the mean Brier holds the forecaster's true expected Brier (the mean
  over the population of questions the forecaster's questions are drawn from);
- false-positive rate: how often a forecaster exactly as good as the reference (in expectation, question by
  question, or over the population of questions) gets "beats a coin flip", "beats the crowd median", or (two-
  sided, either way) "A better" / "B better" at alpha = 0.05;
- power: how often a decent forecaster gets the verdict.

The seed fixes every draw: the same command prints the same tables.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracker.scoring import honest, metrics  # noqa: E402

SIZES = (5, 10, 20, 30, 50, 100, 200)
DEFAULT_SIMS = 2000
DEFAULT_SEED = 20_261_206
DOCS = HERE.parent / "docs" / "scoring.md"
BEGIN, END = "<!-- honesty tables: begin -->", "<!-- honesty tables: end -->"
MC = "multiple_choice"

Rng = np.random.Generator


@dataclass(frozen=True)
class Draw:
    """One cell's questions: per forecaster (rows) and question (columns), the forecaster's Brier and, for paired
    verdicts, the reference's Brier on the same question; the kind and number of options of every question."""

    own: np.ndarray
    reference: np.ndarray | None
    kind: str
    n_options: int


def _binary(rng: Rng, q: np.ndarray, f: np.ndarray, ref: np.ndarray | None = None) -> Draw:
    o = rng.uniform(size=q.shape) < q
    return Draw((f - o) ** 2, None if ref is None else (ref - o) ** 2, "binary", 2)


def _likelier(rng: Rng, q: np.ndarray, p_likely: np.ndarray | float) -> Draw:
    """A forecaster who says ``p_likely`` for the likelier side (p or 1 - p as the question turns)."""
    f = np.where(q >= 0.5, p_likely, 1.0 - np.asarray(p_likely))
    return _binary(rng, q, f)


def _mc(rng: Rng, probs: np.ndarray, forecast: np.ndarray) -> Draw:
    """Multiple choice: ``probs`` (sims, n, N) the true chances, ``forecast`` the same shape."""
    u = rng.uniform(size=probs.shape[:2])[..., None]
    happened = (np.cumsum(probs, axis=2) < u).sum(axis=2)
    happened = np.minimum(happened, probs.shape[2] - 1)
    onehot = np.eye(probs.shape[2])[happened]
    return Draw(((forecast - onehot) ** 2).sum(axis=2), None, MC, probs.shape[2])


def _mc_null(rng: Rng, shape: tuple[int, int], v: np.ndarray) -> Draw:
    """A multiple-choice forecaster saying ``v`` (its first option the favourite) on questions whose favourite
    happens with the chance that makes the expected Brier exactly the uniform forecast's, 1 - 1/N."""
    n_opt = v.size
    a, b = v[0], v[1]
    r = (float(v @ v) + 1.0 - (1.0 - 1.0 / n_opt) - 2.0 * b) / (2.0 * (a - b))
    probs = np.broadcast_to(np.r_[r, np.full(n_opt - 1, (1.0 - r) / (n_opt - 1))], (*shape, n_opt))
    return _mc(rng, probs, np.broadcast_to(v, (*shape, n_opt)))


def _reflected(rng: Rng, q: np.ndarray, ref: np.ndarray) -> Draw:
    """A forecaster as far from the truth q as the reference, on the other side (2q - ref): the same expected
    Brier on every question, different scores."""
    return _binary(rng, q, 2.0 * q - ref, ref)


def _tied(rng: Rng, shape: tuple[int, int], share: float) -> Draw:
    """A forecaster who gives the reference's forecast on ``share`` of the questions (a tie whatever happens) and
    elsewhere a 0/1 forecast's reflection: the scores are mostly ties, the rest as in the 0/1 null."""
    q = rng.uniform(size=shape)
    ref = (q >= 0.5) * 1.0
    own = np.where(rng.uniform(size=shape) < share, ref, 2.0 * q - ref)
    return _binary(rng, q, own, ref)


Maker = Callable[[Rng, tuple[int, int]], Draw]

# --------------------------------------------------------------------------------- the forecasters simulated

COVERAGE: dict[str, Maker] = {
    "calibrated, p ~ U(0, 1)": lambda r, s: _binary(r, q := r.uniform(size=s), q),
    "calibrated, p ~ U(0.2, 0.8)": lambda r, s: _binary(r, q := r.uniform(0.2, 0.8, size=s), q),
    "0/1 on the likelier side, p ~ U(0, 1)": lambda r, s: _likelier(r, r.uniform(size=s), 1.0),
    "0/1 on the likelier side, p = 0.9": lambda r, s: _likelier(r, np.full(s, 0.9), 1.0),
    "hedger 0.5 ± 0.3, p ~ U(0, 1)": lambda r, s: _likelier(r, r.uniform(size=s), 0.8),
    "multiple choice (3), calibrated": lambda r, s: _mc(r, p := r.dirichlet(np.ones(3), size=s), p),
    "0.99 / 0.01 on the likelier side, p ~ U(0, 1)": lambda r, s: _likelier(r, r.uniform(size=s), 0.99),
    "0.5 on every question (every Brier 0.25)": lambda r, s: _binary(r, r.uniform(size=s), np.full(s, 0.5)),
}

# 0.99 on a side that happens this often scores 0.25 in expectation: 0.0001 r + 0.9801 (1 - r) = 0.25
_EXTREME_RIGHT = (0.9801 - 0.25) / (0.9801 - 0.0001)

_DELTA = math.sqrt(0.04 / 3.0)  # noise that brings calibrated forecasts of p ~ U(0.3, 0.7) to E[Brier] = 0.25

COIN_NULLS: dict[str, Maker] = {
    "0/1 on the likelier side, p ~ U(0, 1)": lambda r, s: _likelier(r, r.uniform(size=s), 1.0),
    "0/1, right 75% of the time": lambda r, s: _likelier(r, np.full(s, 0.75), 1.0),
    **{
        f"hedger 0.5 ± {h}, right {50 + 50 * h:g}%": (
            lambda r, s, h=h: _likelier(r, np.full(s, 0.5 + h / 2.0), 0.5 + h)
        )
        for h in (0.1, 0.2, 0.3, 0.4)
    },
    "noisy calibrated (p ± 0.115, p ~ U(0.3, 0.7))": lambda r, s: _binary(
        r, q := r.uniform(0.3, 0.7, size=s), q + _DELTA * r.choice([-1.0, 1.0], size=s)
    ),
    "multiple choice (3), one option at 1": lambda r, s: _mc_null(r, s, np.array([1.0, 0.0, 0.0])),
    "multiple choice (3), hedger 0.6/0.2/0.2": lambda r, s: _mc_null(r, s, np.array([0.6, 0.2, 0.2])),
    "multiple choice (4), 0.7/0.1/0.1/0.1": lambda r, s: _mc_null(r, s, np.array([0.7, 0.1, 0.1, 0.1])),
    "0.99 / 0.01, right 74.5% of the time": lambda r, s: _likelier(r, np.full(s, _EXTREME_RIGHT), 0.99),
}

# the reference is the crowd (vs the crowd) or forecaster B (A vs B); each pair is equally good on every question
PAIR_NULLS: dict[str, Maker] = {
    "0/1 vs a reference as far on the other side": lambda r, s: _reflected(
        r, q := r.uniform(size=s), 2.0 * q - (q >= 0.5)
    ),
    "overconfident vs underconfident (half way to 0.5)": lambda r, s: _reflected(
        r, q := r.uniform(1 / 6, 5 / 6, size=s), 0.5 + 0.5 * (q - 0.5)
    ),
    "0.5 always vs a reference as far on the other side": lambda r, s: _reflected(
        r, q := r.uniform(0.25, 0.75, size=s), 2.0 * q - 0.5
    ),
    "heavy ties: the reference's forecast on 80% of questions, else 0/1 reflected": lambda r, s: _tied(r, s, 0.8),
    "0.99 / 0.01 vs a reference as far on the other side": lambda r, s: _reflected(
        r, q := r.uniform(0.5, 0.995, size=s), np.where(r.uniform(size=s) < 0.5, 0.99, 2.0 * q - 0.99)
    ),
}

COIN_POWER: dict[str, Maker] = {
    "calibrated, p ~ U(0, 1) (E Brier 0.167)": COVERAGE["calibrated, p ~ U(0, 1)"],
    "calibrated, p ~ U(0.2, 0.8) (E Brier 0.22)": COVERAGE["calibrated, p ~ U(0.2, 0.8)"],
    "multiple choice (3), calibrated (E 0.50 vs 0.67)": COVERAGE["multiple choice (3), calibrated"],
}

PAIR_POWER: dict[str, Maker] = {
    "truthful vs 0/1 on the likelier side": lambda r, s: _binary(r, q := r.uniform(size=s), q, (q >= 0.5) * 1.0),
    "truthful vs underconfident (half way to 0.5)": lambda r, s: _binary(
        r, q := r.uniform(size=s), q, 0.5 + 0.5 * (q - 0.5)
    ),
}


def _true_mean(maker: Maker, seed: int) -> float:
    """The population's expected Brier: a mean over a million questions (Monte Carlo error about 3e-4)."""
    return float(maker(np.random.default_rng([seed, 99]), (1000, 1000)).own.mean())


# ------------------------------------------------------------------------------------- running the functions


def _frame(d: Draw) -> pd.DataFrame:
    sims, n = d.own.shape
    frame = pd.DataFrame(
        {
            "forecaster_id": np.repeat(np.arange(sims), n),
            "question_id": np.tile(np.arange(n), sims),
            "kind": d.kind,
            "n_options": float(d.n_options),
            "brier": d.own.ravel(),
        }
    )
    if d.reference is not None:
        frame["time_avg_brier"] = frame["brier"]
        frame["crowd_time_avg_brier"] = d.reference.ravel()
        frame["relative_brier"] = frame["time_avg_brier"] - frame["crowd_time_avg_brier"]
    return frame


def coverage(d: Draw, truth: float) -> float:
    t = honest.mean_intervals(_frame(d), "forecaster_id")
    shown = ~t["too_few"].to_numpy()
    if not shown.any():
        return math.nan
    low, high = t["ci_low"].to_numpy()[shown], t["ci_high"].to_numpy()[shown]
    return float(np.mean((low <= truth) & (truth <= high)))


def coin_rate(d: Draw) -> float:
    return _rate(honest.versus_coin(_frame(d), "forecaster_id")["verdict"], "beats a coin flip")


def crowd_rate(d: Draw) -> float:
    return _rate(honest.versus_crowd(_frame(d), "forecaster_id")["verdict"], "beats the crowd median")


def _pairs(d: Draw) -> pd.DataFrame:
    """A `pair_table` input: each simulated forecaster (a) against the reference (b) on the same questions."""
    assert d.reference is not None
    sims, n = d.own.shape
    return pd.DataFrame(
        {
            "question_id": np.tile(np.arange(n), sims),
            "a": np.repeat(np.arange(sims), n),
            "b": np.repeat(np.arange(sims), n),
            "kind": d.kind,
            "value_a": d.own.ravel(),
            "value_b": d.reference.ravel(),
        }
    )


def pair_rate(d: Draw, two_sided: bool) -> float:
    t = honest.pair_table(_pairs(d))
    hit = (t["p_value"] < honest.ALPHA) & (t["n_shared"] >= honest.MIN_QUESTIONS)
    if not two_sided:
        hit &= t["mean_difference"] < 0
    return float(hit.mean())


def _rate(verdicts: pd.Series, words: str) -> float:
    return float(verdicts.str.startswith(words).mean())


# ------------------------------------------------------------------------------------------------- tables


def tables(sims: int, sizes: tuple[int, ...], seed: int, *, edges: bool = True) -> dict[str, pd.DataFrame]:
    """Coverage, false-positive rates and power, one row per forecaster kind, one column per n; and, with
    ``edges``, the `edge_cases` table."""

    def grid(makers: dict[str, Maker], measure: Callable[[Draw], float], salt: int) -> pd.DataFrame:
        rows = {}
        for i, (name, make) in enumerate(makers.items()):
            rows[name] = [measure(make(np.random.default_rng([seed, salt, i, n]), (sims, n))) for n in sizes]
        return pd.DataFrame.from_dict(rows, orient="index", columns=[f"n = {n}" for n in sizes])

    truths = {name: _true_mean(make, seed) for name, make in COVERAGE.items()}
    cov = pd.DataFrame.from_dict(
        {
            name: [coverage(make(np.random.default_rng([seed, 1, i, n]), (sims, n)), truths[name]) for n in sizes]
            for i, (name, make) in enumerate(COVERAGE.items())
        },
        orient="index",
        columns=[f"n = {n}" for n in sizes],
    )
    fpr = pd.concat(
        [
            grid(COIN_NULLS, coin_rate, 2).rename(index=lambda s: f"beats a coin flip: {s}"),
            grid(PAIR_NULLS, crowd_rate, 3).rename(index=lambda s: f"beats the crowd: {s}"),
            grid(PAIR_NULLS, lambda d: pair_rate(d, True), 4).rename(index=lambda s: f"A vs B (either way): {s}"),
        ]
    )
    power = pd.concat(
        [
            grid(COIN_POWER, coin_rate, 5).rename(index=lambda s: f"beats a coin flip: {s}"),
            grid(PAIR_POWER, crowd_rate, 6).rename(index=lambda s: f"beats the crowd: {s}"),
            grid(PAIR_POWER, lambda d: pair_rate(d, False), 7).rename(index=lambda s: f"A better than B: {s}"),
        ]
    )
    result = {"coverage": cov, "fpr": fpr, "power": power, "truths": pd.Series(truths)}
    return result | ({"edges": edge_cases(sims, seed)} if edges else {})


# ------------------------------------------------------------------------------------------- edge cases


def _pooled(rng: Rng, groups: int, n: int, rows: str) -> pd.DataFrame:
    """Groups (tags) of n questions each, pooling several forecasters' rows per question, all scored on the
    question's one outcome (so a question's rows are correlated, here identical): 0/1 on the side that happens
    75% of the time, exactly as good as a coin. ``rows``: "uneven" draws 1 to 30 rows per question, "one heavy"
    gives the first question 200 rows and the others one. Counted by rows, such a group would look sure."""
    k = rng.integers(1, 31, size=(groups, n)) if rows == "uneven" else np.where(np.arange(n) == 0, 200, 1)
    k = np.broadcast_to(k, (groups, n)).ravel()
    brier = np.where(rng.uniform(size=groups * n) < 0.75, 0.0, 1.0)
    question = np.arange(groups * n)
    return pd.DataFrame(
        {
            "tag": np.repeat(question // n, k).astype(str),
            "question_id": np.repeat(question, k).astype(str),
            "forecaster_id": np.concatenate([np.arange(j) for j in k]).astype(str),
            "kind": "binary",
            "brier": np.repeat(brier, k),
        }
    )


def _family_error(rng: Rng, sims: int, k: int, n: int) -> tuple[float, float]:
    """``tracker compare --all`` on k forecasters exactly as good as each other on every question (each says
    q + d or q - d, d = min(q, 1 - q), on the same n questions and outcomes): how often the matrix makes at least
    one "X better" claim, with Holm's and with Benjamini-Hochberg's adjustment (all claims are false here)."""
    q = rng.uniform(size=(sims, 1, n))
    d = np.minimum(q, 1.0 - q)
    f = q + d * rng.choice([-1.0, 1.0], size=(sims, k, n))
    brier = (f - (rng.uniform(size=(sims, 1, n)) < q)) ** 2
    i, j = np.triu_indices(k, 1)
    sim = np.repeat(np.arange(sims), i.size * n)
    pairs = pd.DataFrame(
        {
            "question_id": np.tile(np.arange(n), sims * i.size),
            "a": [f"{s}:{a}" for s, a in zip(sim, np.tile(np.repeat(i, n), sims), strict=True)],
            "b": [f"{s}:{b}" for s, b in zip(sim, np.tile(np.repeat(j, n), sims), strict=True)],
            "kind": "binary",
            "value_a": brier[:, i, :].ravel(),
            "value_b": brier[:, j, :].ravel(),
        }
    )
    t = honest.pair_table(pairs)
    family = t["a"].str.split(":").str[0]
    rates = []
    for adjust in (honest.holm, honest.benjamini_hochberg):
        adjusted = t.groupby(family)["p_value"].transform(lambda p, adjust=adjust: adjust(p.to_numpy()))
        rates.append(float((adjusted < honest.ALPHA).groupby(family).any().mean()))
    return rates[0], rates[1]


def _calibration_coverage(rng: Rng, sims: int, n: int, p: float, interval: Callable[..., tuple]) -> float:
    """How often a bin of n forecasts at p by a calibrated forecaster gets a printed interval holding p."""
    hits = rng.binomial(n, p, size=sims)
    low, high = interval(hits, np.full(sims, n))
    return float(np.mean((low <= p) & (p <= high)))


def edge_cases(sims: int, seed: int) -> pd.DataFrame:
    """The statements at the inputs real records bring: pooled groups with uneven and correlated rows per
    question, a leaderboard of many no-skill forecasters, and calibration bins of a few extreme forecasts. One row
    per case: the statement, its promise ("at most" / "at least" a rate), the measured rate, its Monte Carlo 95%
    interval (Clopper-Pearson on the count), and the trials behind it."""
    from scipy import stats

    rows = []

    def add(case: str, bound: str, rate: float, trials: int) -> None:
        k = round(rate * trials)
        ci = stats.binomtest(k, trials).proportion_ci(0.95, method="exact")
        rows.append(
            {"case": case, "promise": bound, "rate": rate, "mc_low": ci.low, "mc_high": ci.high, "trials": trials}
        )

    pooling = {"uneven": "1 to 30 identical rows per question", "one heavy": "200 rows on one question, 1 on the rest"}
    for n, rows_kind in ((12, "uneven"), (30, "uneven"), (12, "one heavy"), (30, "one heavy")):
        frame = _pooled(np.random.default_rng([seed, 8, n, len(rows_kind)]), sims, n, rows_kind)
        beats = _rate(honest.versus_coin(frame, "tag")["verdict"], "beats a coin flip")
        t = honest.mean_intervals(frame, "tag")
        held = float(np.mean((t["ci_low"] <= 0.25) & (t["ci_high"] >= 0.25)))
        what = f"a tag of {n} questions, {pooling[rows_kind]}"
        add(f"{what}, no better than a coin: 'beats a coin flip'", "at most 0.05", beats, sims)
        add(f"{what}: the 90% interval holds the expected 0.25", "at least 0.90", held, sims)
    for i, name in enumerate(
        ("0/1 vs a reference as far on the other side", "0.99 / 0.01 vs a reference as far on the other side")
    ):
        for n in (5, 12, 30):
            d = PAIR_NULLS[name](np.random.default_rng([seed, 11, i, n]), (sims, n))
            t = honest.pair_table(_pairs(d))
            held = float(np.mean((t["ci_low"] <= 0.0) & (t["ci_high"] >= 0.0)))
            add(
                f"tracker compare, {n} shared questions, {name}: the 90% interval of the difference holds 0",
                "at least 0.90",
                held,
                sims,
            )
    for n in (30, 100):
        holm, bh = _family_error(np.random.default_rng([seed, 12, n]), sims, 8, n)
        for name, rate in (("Holm", holm), ("Benjamini-Hochberg", bh)):
            add(
                f"tracker compare --all ({name}), 8 equally good forecasters, {n} shared questions: any 'X better'",
                "at most 0.05",
                rate,
                sims,
            )
    many = 2000
    for n in (12, 30, 100):
        d = COIN_NULLS["0/1, right 75% of the time"](np.random.default_rng([seed, 9, n]), (many, n))
        add(
            f"{many:,} no-skill forecasters on one leaderboard, {n} questions each: share reading 'beats'",
            "at most 0.05 (per row)",
            coin_rate(d),
            many,
        )
    intervals = (
        ("Clopper-Pearson (printed)", metrics.exact_interval),
        ("Wilson (printed before)", metrics.wilson_interval),
    )
    for i, (n, p) in enumerate(((5, 0.03), (8, 0.02), (10, 0.01), (30, 0.01), (30, 0.99))):
        for name, interval in intervals:
            rate = _calibration_coverage(np.random.default_rng([seed, 10, i]), sims, n, p, interval)
            add(
                f"a calibration bin of {n} forecasts at {p:g}: the {name} 95% interval holds {p:g}",
                "at least 0.95",
                rate,
                sims,
            )
    return pd.DataFrame(rows)


def markdown(result: dict[str, pd.DataFrame], sims: int, seed: int) -> str:
    def table(df: pd.DataFrame, first: str) -> str:
        head = f"| {first} | " + " | ".join(df.columns) + " |"
        rule = "|---|" + "---:|" * len(df.columns)
        body = [
            f"| {name} | " + " | ".join("—" if math.isnan(v) else f"{v:.3f}" for v in row) + " |"
            for name, row in zip(df.index, df.to_numpy(), strict=True)
        ]
        return "\n".join([head, rule, *body])

    se_cov = math.sqrt(0.9 * 0.1 / sims)
    se_fpr = math.sqrt(0.05 * 0.95 / sims)
    return "\n\n".join(
        [
            f"Generated by `python benchmarks/honesty.py --sims {sims} --seed {seed} --update-docs` "
            f"({sims:,} simulated forecasters per cell; a rate's Monte Carlo standard error is about "
            f"{se_cov:.3f} near 0.90 and {se_fpr:.3f} near 0.05).",
            "**Coverage of the 90% interval** (target at least 0.88 wherever an interval is shown; none is shown "
            f"below {honest.MIN_QUESTIONS} questions):",
            table(result["coverage"], "forecaster (true expected Brier in the text)"),
            "**False-positive rate at alpha = 0.05** (target at most 0.05 for every null, at every n where a "
            "verdict is shown), for forecasters exactly as good as the reference:",
            table(result["fpr"], "verdict: null forecaster"),
            "**Power**: how often a better forecaster gets the verdict:",
            table(result["power"], "verdict: forecaster"),
            *(
                [
                    "**Edge cases** (each rate with its Monte Carlo 95% interval, Clopper-Pearson on the count of "
                    "trials):",
                    _edge_table(result["edges"]),
                ]
                if "edges" in result
                else []
            ),
        ]
    )


def _edge_table(edges: pd.DataFrame) -> str:
    head = "| statement and input | promise | measured | Monte Carlo 95% | trials |\n|---|---|---:|---:|---:|"
    body = [
        f"| {r.case} | {r.promise} | {r.rate:.3f} | {r.mc_low:.3f}–{r.mc_high:.3f} | {r.trials:,} |"
        for r in edges.itertuples(index=False)
    ]
    return "\n".join([head, *body])


def update_docs(text: str, path: Path = DOCS) -> None:
    doc = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(doc):
        raise SystemExit(f"{path}: no {BEGIN} ... {END} block to replace")
    path.write_text(pattern.sub(lambda _: f"{BEGIN}\n\n{text}\n\n{END}", doc), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sims", type=int, default=DEFAULT_SIMS, help="simulated forecasters per cell")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="numbers of questions, comma-separated")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--update-docs", action="store_true", help="write the tables into docs/scoring.md")
    args = ap.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    text = markdown(tables(args.sims, sizes, args.seed), args.sims, args.seed)
    print(text)
    if args.update_docs:
        update_docs(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
