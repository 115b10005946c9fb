"""A verbal scale version names one content: each verbal forecast records the digest of the scale it was derived
from, a file that calls itself a known version with another content is refused, and `tracker verify` holds every
verbal forecast to the content of its version (on both databases)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.domain import commands as c
from tracker.domain.decide import decide
from tracker.domain.state import QuestionState, evolve_question
from tracker.domain.verbal import PUBLISHED_DIGESTS, load_scale
from tracker.errors import UserError

V1 = Path(__file__).resolve().parent.parent / "tracker" / "scales" / "verbal-1.yaml"
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def scale_dir(tmp_path: Path, name: str, version: int, unlikely: float | None = None, basis: str | None = None) -> Path:
    """A $TRACKER_SCALE_DIR holding verbal-<version>.yaml: v1's entries, 'unlikely' moved to ``unlikely``."""
    data = yaml.safe_load(V1.read_text(encoding="utf-8"))
    data["version"] = version
    for p in data["phrases"]:
        if p["phrase"] == "unlikely":
            if unlikely is not None:
                p["p"], p["interval"] = unlikely, [min(p["interval"][0], unlikely), max(p["interval"][1], unlikely)]
            if basis is not None:
                p["basis"] = basis
    out = tmp_path / name
    out.mkdir()
    (out / f"verbal-{version}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


class Cli:
    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, *args: str, scales: Path | None = None) -> Result:
        env = {"TRACKER_SCALE_DIR": str(scales)} if scales is not None else {"TRACKER_SCALE_DIR": ""}
        return CliRunner().invoke(app, ["--db", self.url, *args], env=env)

    def events(self) -> int:
        return int(json.loads(self("info", "--json").stdout)["events"])

    def says(self, who: str, scales: Path | None = None, *more: str) -> Result:
        return self("forecast", "q", "--forecaster", who, "--says", "unlikely", "--made-at", "2026-01-20", *more,
                    scales=scales)  # fmt: skip

    def refused(self, result: Result, *needles: str) -> None:
        assert result.exit_code == 3, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: scale: "), lines
        for needle in needles:
            assert needle in lines[0], lines[0]


@pytest.fixture
def cli(db_url: str) -> Cli:
    cli = Cli(db_url)
    assert cli("init").exit_code == 0
    r = cli("question", "add", "q", "--title", "Will it?", "--criteria", "YES if it does", "--opened", "2026-01-14")
    assert r.exit_code == 0, r.output
    return cli


def payloads(url: str) -> list[dict[str, Any]]:
    log = json.loads(CliRunner().invoke(app, ["--db", url, "log", "--json"]).stdout)
    return [e["payload"] for e in log if e["event_type"] in ("ForecastRecorded", "ForecastRescaled")]


def test_the_shipped_scale_is_the_published_one() -> None:
    assert load_scale(1).digest == PUBLISHED_DIGESTS[1]


def test_the_digest_is_the_meaning_not_the_prose(tmp_path: Path) -> None:
    same = load_scale(1, scale_dir(tmp_path, "a", 1, basis="reworded basis, same numbers"))
    moved = scale_dir(tmp_path, "b", 2, unlikely=0.3)
    assert same.digest == PUBLISHED_DIGESTS[1]
    assert load_scale(2, moved).digest != load_scale(2, scale_dir(tmp_path, "c", 2)).digest


def test_a_forecast_records_the_digest_of_its_scale(cli: Cli) -> None:
    assert cli.says("Ann Example").exit_code == 0
    (payload,) = payloads(cli.url)
    assert payload["derivation"]["scale_version"] == 1
    assert payload["derivation"]["scale_digest"] == PUBLISHED_DIGESTS[1]
    result = cli("verify")
    assert result.exit_code == 0, result.output
    assert "verbal scales: 1 verbal forecast recorded under the content of their scale version" in result.stdout


def test_another_content_calling_itself_v1_is_refused_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    """The issue's case: a file saying 'unlikely' = 0.30 under the name of the published v1 (which says 0.20)."""
    forged = scale_dir(tmp_path, "forged", 1, unlikely=0.3)
    before = cli.events()
    cli.refused(cli.says("Ann Example", forged), "calls itself verbal scale v1", "differs from the published v1")
    cli.refused(cli.says("Ann Example", forged, "--scale", "1"), "differs from the published v1")
    cli.refused(cli("phrases", scales=forged), "differs from the published v1")
    assert cli.events() == before
    # the same numbers with other prose are the same content: accepted
    reworded = scale_dir(tmp_path, "reworded", 1, basis="a reworded basis")
    assert cli.says("Ann Example", reworded).exit_code == 0


def test_a_teams_own_version_keeps_the_content_it_was_first_used_with(cli: Cli, tmp_path: Path) -> None:
    first = scale_dir(tmp_path, "first", 2, unlikely=0.3)
    other = scale_dir(tmp_path, "other", 2, unlikely=0.25)
    assert cli.says("Ann Example", first, "--scale", "2").exit_code == 0
    assert cli.says("Bob Example", first, "--scale", "2").exit_code == 0
    before = cli.events()
    cli.refused(cli.says("Cleo Example", other, "--scale", "2"), "is not the v2 the ledger's forecasts were recorded")
    # a rescaling to it is refused the same way
    assert cli.says("Dee Example").exit_code == 0
    before = cli.events()
    cli.refused(cli("rescale", "--scale", "2", "--reason", "survey", scales=other), "is not the v2")
    assert cli.events() == before
    assert cli("rescale", "--scale", "2", "--reason", "survey", scales=first).exit_code == 0
    digests = {p.get("scale_digest") or p.get("derivation", {}).get("scale_digest") for p in payloads(cli.url)}
    assert digests == {PUBLISHED_DIGESTS[1], load_scale(2, first).digest}
    for scales in (first, None):  # with the scale at hand its numbers are checked too; without, its digest
        result = cli("verify", scales=scales)
        assert result.exit_code == 0, result.output


def test_the_domain_refuses_a_digest_that_is_not_the_published_content() -> None:
    state = QuestionState("q")
    for e in decide(state, c.OpenQuestion("q", "Will it?", "C", NOW, opened=date(2026, 1, 14))):
        state = evolve_question(state, e.type, e.data)
    deriv = {"method": "verbal", "phrase": "unlikely", "scale_version": 1, "reading": "affirms", "p_low": 0.1,
             "p_high": 0.35}  # fmt: skip
    record = lambda d: c.RecordForecast("q", "f-1", "Ann", "ann", {"yes": 0.2, "no": 0.8}, date(2026, 1, 20), NOW,  # noqa: E731
                                        derivation=d)  # fmt: skip
    assert decide(state, record(deriv))  # recorded before forecasts kept the digest: still readable, still valid
    assert decide(state, record({**deriv, "scale_digest": PUBLISHED_DIGESTS[1]}))
    with pytest.raises(UserError, match="is not the published v1") as caught:
        decide(state, record({**deriv, "scale_digest": "0" * 64}))
    assert caught.value.field == "scale_digest"
    with pytest.raises(UserError, match="not a scale digest"):
        decide(state, record({**deriv, "scale_digest": "../../etc"}))


def _append(url: str, p: float, digest: str | None, version: int = 1, forecast_id: str = "f-old") -> None:
    """A verbal forecast as an older tracker (or a script) appended it: no check of its number or digest."""
    deriv: dict[str, Any] = {"method": "verbal", "phrase": "unlikely", "scale_version": version,
                             "reading": "affirms", "p_low": min(0.1, p), "p_high": max(0.35, p)}  # fmt: skip
    if digest is not None:
        deriv["scale_digest"] = digest
    led = Ledger(url, actor="tester")
    cmd = c.RecordForecast("q", forecast_id, "Old Timer", "old-timer", {"yes": p, "no": 1 - p}, date(2026, 1, 20),
                           led.now(), derivation=deriv)  # fmt: skip
    led.question_command(cmd)
    led.close()


def test_verify_holds_a_forecast_without_digest_to_the_published_content(cli: Cli) -> None:
    """What the issue found: forecasts recorded under a forged v1 ('unlikely' = 0.30), and verify passing."""
    _append(cli.url, 0.3, None)
    result = cli("verify")
    assert result.exit_code == 7, result.output
    line = result.stderr.strip()
    assert "verbal scales: forecast f-old at position 2: 'unlikely' (affirms) on verbal scale v1 gives p 0.2" in line
    assert "the forecast says 0.3" in line


def test_verify_finds_one_version_with_two_contents(cli: Cli, tmp_path: Path) -> None:
    _append(cli.url, 0.3, "a" * 64, version=2, forecast_id="f-a")
    _append(cli.url, 0.3, "b" * 64, version=2, forecast_id="f-b")
    result = cli("verify")
    assert result.exit_code == 7, result.output
    assert "forecast f-b at position 3 was recorded under verbal scale v2 with digest bbbbbbbbbbbb" in result.stderr
    assert "one version, two contents" in result.stderr


def test_a_teams_version_without_digest_is_counted_unproven(cli: Cli) -> None:
    _append(cli.url, 0.3, None, version=2)
    result = cli("verify")
    assert result.exit_code == 0, result.output
    assert "1 under a version of your own recorded before forecasts kept the scale's digest: unproven" in result.stdout


def test_phrases_matches_the_readers_survey_against_the_scale_it_shows(cli: Cli, tmp_path: Path) -> None:
    """A team's own v2 that adds the phrase 'very good chance' (a term the CAPphrase survey asked about and v1
    lacks): `tracker phrases` shows v2 and gives the survey's reading of that phrase, matched through v2; with
    --scale 1 the phrase is not there at all."""
    data = yaml.safe_load(V1.read_text(encoding="utf-8"))
    data["version"] = 2
    likely = next(p for p in data["phrases"] if p["phrase"] == "likely")
    data["phrases"].append(dict(likely, phrase="very good chance", aliases=[], basis="a team's own addition"))
    own = tmp_path / "own"
    own.mkdir()
    (own / "verbal-2.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    def shown(*args: str) -> dict[str, Any]:
        result = cli("phrases", "--json", *args, scales=own)
        assert result.exit_code == 0, result.output
        return dict(json.loads(result.stdout))

    v2, v1 = shown(), shown("--scale", "1")
    assert (v2["version"], v1["version"]) == (2, 1)
    row = next(p for p in v2["phrases"] if p["phrase"] == "very good chance")
    assert row["readers_median"] is not None and row["readers_q1"] <= row["readers_median"] <= row["readers_q3"]
    assert "very good chance" not in {p["phrase"] for p in v1["phrases"]}
