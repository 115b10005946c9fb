"""Verbal forecasts through the CLI: --says, phrases, rescale (new events; what was said is kept)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import tracker

from tracker.domain.verbal import available_versions, load_scale


def info(db: str) -> dict:  # type: ignore[type-arg]
    return json.loads(tracker(db, "info", "--json").stdout)


@pytest.fixture
def db(sqlite_url: str) -> str:
    assert tracker(sqlite_url, "init").exit_code == 0
    r = tracker(
        sqlite_url,
        "question",
        "add",
        "--opened",
        "2000-01-01",
        "osaka",
        "--title",
        "Meeting?",
        "--criteria",
        "YES if they meet",
    )
    assert r.exit_code == 0, r.output
    return sqlite_url


def forecasts(db: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(tracker(db, "show", "osaka", "--json").stdout)["forecasts"]


def test_says_unlikely_takes_p_and_interval_from_the_scale(db: str) -> None:
    entry = load_scale(1).lookup("unlikely")
    r = tracker(
        db, "forecast", "osaka", "--forecaster", "Andrei Tikhonov", "--says", "unlikely", "--made-at", "2019-05-15"
    )
    assert r.exit_code == 0, r.output
    (f,) = forecasts(db)
    assert f["p_yes"] == entry.p
    assert (f["p_low"], f["p_high"]) == entry.interval
    assert (f["method"], f["phrase"], f["scale_version"], f["reading"]) == ("verbal", "unlikely", 1, "affirms")
    assert f["hedge"] == "unlikely"


def test_negated_reading_flips_p_and_interval(db: str) -> None:
    entry = load_scale(1).lookup("unlikely")
    r = tracker(
        db,
        "forecast",
        "osaka",
        "--forecaster",
        "A",
        "--says",
        "unlikely",
        "--reading",
        "negates",
        "--made-at",
        "2019-05-15",
    )
    assert r.exit_code == 0, r.output
    (f,) = forecasts(db)
    assert f["p_yes"] == pytest.approx(1 - entry.p)
    assert f["p_low"] == pytest.approx(1 - entry.interval[1]) and f["p_high"] == pytest.approx(1 - entry.interval[0])
    assert f["reading"] == "negates"


def test_very_surprised_if_not_reads_high(db: str) -> None:
    phrase = next(p.phrase for p in load_scale(1).phrases if "surprised" in p.phrase)
    r = tracker(db, "forecast", "osaka", "--forecaster", "A", "--says", phrase, "--made-at", "2019-05-15")
    assert r.exit_code == 0, r.output
    assert forecasts(db)[0]["p_yes"] >= 0.8


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--says", "unlikley"], 3, "unlikely"),  # the nearest phrases are suggested
        (["--says", "unlikely", "--p", "0.2"], 3, "says"),
        (["--says", "unlikely", "--reading", "sideways"], 3, "reading"),
        (["--says", "unlikely", "--scale", "99"], 3, "scale"),
    ],
)
def test_verbal_errors_write_nothing(db: str, args: list[str], code: int, needle: str) -> None:
    before = info(db)
    r = tracker(db, "forecast", "osaka", "--forecaster", "A", "--made-at", "2019-05-15", *args)
    assert r.exit_code == code
    assert r.stderr.startswith("error:") and needle in r.stderr and r.stderr.count("\n") == 1
    assert "Traceback" not in r.output
    assert info(db) == before


def test_phrases_lists_the_scale(db: str) -> None:
    r = tracker(db, "phrases", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["version"] == max(available_versions())
    assert {"unlikely", "likely"} <= {p["phrase"] for p in data["phrases"]}
    assert all(p["low"] <= p["p"] <= p["high"] and p["basis"] for p in data["phrases"])
    assert tracker(db, "phrases").exit_code == 0


def test_phrases_show_how_readers_read_each_phrase(db: str) -> None:
    """Beside each phrase, the CAPphrase survey's median and quartiles, read from the shipped data file (and
    only for the phrases the survey asked about, matched through the scale's aliases)."""
    from importlib import resources

    survey = yaml.safe_load(resources.files("tracker").joinpath("scales", "reading-capphrase.yaml").read_text())
    asked = {item["phrase"]: item for item in survey["phrases"]}
    scale = load_scale(max(available_versions()))
    data = json.loads(tracker(db, "phrases", "--json").stdout)
    assert "CC-BY" in data["readers"]["licence"] and "CAPphrase" in data["readers"]["source"]
    by_phrase = {p["phrase"]: p for p in data["phrases"]}
    unlikely = by_phrase["unlikely"]
    item = asked["unlikely"]
    assert (unlikely["readers_median"], unlikely["readers_q1"], unlikely["readers_q3"]) == (
        item["p"],
        item["q1"],
        item["q3"],
    )
    for p in scale.phrases:
        row = by_phrase[p.phrase]
        terms = {p.phrase, *p.aliases} & set(asked)
        if not terms or p.negated:
            assert row["readers_median"] is None, p.phrase
        else:
            assert row["readers_q1"] <= row["readers_median"] <= row["readers_q3"], p.phrase
            assert row["readers_median"] in {asked[t]["p"] for t in terms}, p.phrase
    header, *lines = tracker(db, "phrases").stdout.splitlines()  # piped: TSV, every column
    rows = {r["phrase"]: r for r in (dict(zip(header.split("\t"), line.split("\t"), strict=True)) for line in lines)}
    assert float(rows["unlikely"]["readers_q3"]) == item["q3"]
    assert all(rows[p]["readers_median"] == "" for p in by_phrase if by_phrase[p]["readers_median"] is None)


def _publish_v2(tmp_path: Path, changes: dict[str, float], drop: str | None = None) -> Path:
    """Write verbal-2.yaml: v1 with some points moved (intervals widened to contain them)."""
    src = Path(__file__).resolve().parent.parent / "tracker" / "scales" / "verbal-1.yaml"
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["version"] = 2
    data["phrases"] = [p for p in data["phrases"] if p["phrase"] != drop]
    for p in data["phrases"]:
        if p["phrase"] in changes:
            p["p"] = changes[p["phrase"]]
            p["interval"] = [min(p["interval"][0], p["p"]), max(p["interval"][1], p["p"])]
    out = tmp_path / "scales"
    out.mkdir(exist_ok=True)
    (out / "verbal-2.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def test_rescale_records_new_numbers_and_keeps_what_was_said(db: str, tmp_path: Path) -> None:
    tracker(db, "forecast", "osaka", "--forecaster", "T", "--says", "unlikely", "--made-at", "2019-05-15")
    env = {"TRACKER_SCALE_DIR": str(_publish_v2(tmp_path, {"unlikely": 0.3}))}
    before = info(db)
    dry = tracker(db, "rescale", "--scale", "2", "--reason", "survey update", "--dry-run", "--json", env=env)
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)[0]["p_after"] == 0.3
    assert info(db) == before  # a dry run writes nothing

    r = tracker(db, "rescale", "--scale", "2", "--reason", "survey update", env=env)
    assert r.exit_code == 0, r.output
    (f,) = forecasts(db)
    assert (f["p_yes"], f["scale_version"], f["phrase"]) == (0.3, 2, "unlikely")
    log = json.loads(tracker(db, "log", "--stream", "osaka", "--json").stdout)
    recorded = next(e for e in log if e["event_type"] == "ForecastRecorded")
    assert recorded["payload"]["derivation"]["scale_version"] == 1  # the original event is untouched
    assert recorded["payload"]["probabilities"]["yes"] == 0.2
    assert log[-1]["event_type"] == "ForecastRescaled" and log[-1]["payload"]["reason"] == "survey update"
    again = info(db)
    assert tracker(db, "rescale", "--scale", "2", "--reason", "again", env=env).exit_code == 0
    assert info(db) == again  # already on v2: nothing to do


def test_rescale_to_a_scale_missing_a_phrase_is_refused_whole(db: str, tmp_path: Path) -> None:
    tracker(db, "forecast", "osaka", "--forecaster", "T", "--says", "unlikely", "--made-at", "2019-05-15")
    env = {"TRACKER_SCALE_DIR": str(_publish_v2(tmp_path, {}, drop="unlikely"))}
    before = info(db)
    r = tracker(db, "rescale", "--scale", "2", "--reason", "x", env=env)
    assert r.exit_code == 3 and "unlikely" in r.stderr
    assert info(db) == before


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"version: 2\nphrases: " + b"[" * 20000 + b"]" * 20000 + b"\n", "nested too deeply"),
        (b"version: 2\nphrases: " + b"{a: " * 20000 + b"1" + b"}" * 20000 + b"\n", "nested too deeply"),
    ],
    ids=["deep-sequence", "deep-mapping"],
)
def test_a_hostile_scale_file_is_one_line_not_an_internal_error(
    db: str, tmp_path: Path, content: bytes, says: str
) -> None:
    """PyYAML composes recursively: a scale file nested thousands of levels deep exhausts the stack, and must be
    refused as the bad file it is (exit 3, one line), not reported as a bug (exit 70)."""
    scales = tmp_path / "scales"
    scales.mkdir()
    (scales / "verbal-2.yaml").write_bytes(content)
    before = info(db)
    r = tracker(db, "phrases", env={"TRACKER_SCALE_DIR": str(scales)})
    assert r.exit_code == 3, r.output
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: ") and says in r.stderr, r.stderr
    assert "verbal-2.yaml" in r.stderr
    assert info(db) == before
