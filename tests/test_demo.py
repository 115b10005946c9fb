"""The seed ledger end to end, as `make demo` builds it: import, score, read the results."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import tracker

from tracker.domain.verbal import load_scale

ROOT = Path(__file__).resolve().parent.parent


def run(db: str, *args: str, env: dict[str, str] | None = None) -> str:
    return tracker(db, *args, env=env, code=0).stdout


@pytest.fixture
def seeded(db_url: str) -> str:
    run(db_url, "init")
    run(db_url, "import", str(ROOT / "predictions"))
    run(db_url, "score")
    return db_url


def board(db: str, *args: str) -> dict[str, dict]:  # type: ignore[type-arg]
    key = {"--by": None}
    by = args[args.index("--by") + 1] if "--by" in args else "forecaster"
    key = {"forecaster": "forecaster_id", "source": "source_id"}.get(by, by)
    return {row[key]: row for row in json.loads(run(db, "scores", "--json", *args))}


def test_tikhonov_osaka_is_scored_from_the_scale(seeded: str) -> None:
    unlikely = load_scale(1).lookup("unlikely")
    rows = board(seeded, "--question", "osaka-trump-putin-meeting-2019")
    assert set(rows) == {
        "andrei-tikhonov",
        "leonid-bershidsky",
        next(k for k in rows if k.startswith("unnamed-experts")),
    }
    tikhonov = rows["andrei-tikhonov"]
    assert tikhonov["mean_brier"] == pytest.approx((unlikely.p - 1) ** 2)
    # The sensitivity range: the same forecast at each end of the phrase's interval.
    low, high = unlikely.interval
    ends = sorted([tikhonov["mean_brier_low"], tikhonov["mean_brier_high"]])
    assert ends == pytest.approx(sorted([(low - 1) ** 2, (high - 1) ** 2]))


def test_hindsight_due_and_open_questions(seeded: str) -> None:
    flagged = json.loads(run(seeded, "hindsight", "--json"))
    assert [f["forecaster_id"] for f in flagged] == ["fiona-hill"]
    assert flagged[0]["made_at"] > flagged[0]["known_on"]
    hill_scored = board(seeded).get("fiona-hill")
    assert hill_scored is None or hill_scored["n_scored"] == 0
    due = json.loads(run(seeded, "due", "--json"))
    assert due and all(q["resolve_by"] < date.today().isoformat() for q in due)
    open_ids = {q["question_id"] for q in json.loads(run(seeded, "list", "--status", "open", "--json"))}
    assert {q["question_id"] for q in due} <= open_ids


def test_annulled_questions_are_not_scored(seeded: str) -> None:
    annulled = {q["question_id"] for q in json.loads(run(seeded, "list", "--status", "annulled", "--json"))}
    assert annulled
    for qid in annulled:
        assert json.loads(run(seeded, "scores", "--json", "--question", qid)) == []


def test_a_new_scale_version_changes_scores_as_expected(seeded: str, tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "tracker" / "scales" / "verbal-1.yaml").read_text(encoding="utf-8"))
    data["version"] = 2
    for p in data["phrases"]:
        if p["phrase"] == "unlikely":
            p["p"], p["interval"] = 0.3, [0.15, 0.45]
    scales = tmp_path / "scales"
    scales.mkdir()
    (scales / "verbal-2.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = {"TRACKER_SCALE_DIR": str(scales)}
    before = board(seeded, "--question", "osaka-trump-putin-meeting-2019")
    run(seeded, "rescale", "--scale", "2", "--reason", "new survey", env=env)
    run(seeded, "score")
    after = board(seeded, "--question", "osaka-trump-putin-meeting-2019")
    assert after["andrei-tikhonov"]["mean_brier"] == pytest.approx((0.3 - 1) ** 2)
    assert before["andrei-tikhonov"]["mean_brier"] != after["andrei-tikhonov"]["mean_brier"]
    # Forecasts not read from "unlikely" keep their scores.
    assert after["leonid-bershidsky"]["mean_brier"] == pytest.approx(before["leonid-bershidsky"]["mean_brier"])


def test_demo_catalog_copy_reimports_as_a_no_op(seeded: str, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "predictions", tmp_path / "predictions")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    report = json.loads(run(seeded, "import", str(tmp_path / "predictions"), "--json"))
    assert report["appended"] == 0


def _demo_recipe() -> list[str]:
    """The lines of the Makefile's demo recipe, stripped."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return [line.strip() for line in text.split("\ndemo:", 1)[1].split("\n\n", 1)[0].splitlines()[1:]]


def test_the_demo_ends_saying_what_it_built_and_what_to_open_first() -> None:
    """The last lines of `make demo` name what it built, the site's index first; each is something the recipe
    writes (its --out, or the ledger it creates)."""
    recipe = _demo_recipe()
    echoes = [i for i, line in enumerate(recipe) if line.startswith("@echo")]
    assert echoes == list(range(len(recipe) - len(echoes), len(recipe))), "the summary comes last"
    summary = [recipe[i][len("@echo") :].strip().strip('"') for i in echoes]
    items = [line.strip() for line in summary if line.startswith("  ")]
    assert 3 <= len(items) <= 8 and items[0].startswith("open first: site/index.html"), summary
    written = {"ledger.sqlite"} | {
        line.split("--out ", 1)[1].split()[0].replace("$(DEMO_DIR)/", "") for line in recipe if "--out " in line
    }
    for item in items:
        name = item.removeprefix("open first: ").split(":", 1)[0].split(" ", 1)[0]
        assert name.split("/", 1)[0] in written, (name, written)


def test_every_demo_output_is_the_demos_own_to_replace() -> None:
    """`make demo` runs again in the same folder (the README's quick start, then again after a change): each step
    that writes a file or bundle under the demo's folder replaces what the demo wrote before, with --force, or
    the second run stops at the first refusal (the bundle's did once). The site command updates its own folder."""
    recipe = _demo_recipe()
    writers = [line for line in recipe if "--out $(DEMO_DIR)/" in line]
    assert len(writers) >= 4, writers
    for line in writers:
        assert " site " in line or "--force" in line.split(), line
