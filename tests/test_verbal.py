"""The verbal scale: coverage of the seed hedges, polarity, suggestions, intervals, versions."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.verbal import (
    Phrase,
    ScaleError,
    UnknownPhrase,
    available_versions,
    derive,
    load_scale,
    normalise_phrase,
)

SCALE = load_scale(1)

# Every hedge used in the seed documents, as it appears there, and the entry and p it must map to.
SEED_HEDGES = [
    ("unlikely", "unlikely", 0.20),
    ("is unlikely to", "unlikely", 0.20),
    ("will likely", "likely", 0.70),
    ("likely", "likely", 0.70),
    ("Probably", "probably", 0.70),
    ("It is not excluded", "it is not excluded", 0.25),
    ("it is possible", "it is possible", 0.40),
    ("also possible", "it is possible", 0.40),
    ("can be", "can be", 0.35),
    ("may", "may", 0.40),
    ("may prove", "may", 0.40),
    ("believe", "believe", 0.70),
    ("will definitely", "will definitely", 0.95),
    ("Of course, … will", "of course ... will", 0.95),
    ("I would be very surprised if … does not", "i would be very surprised if ... not", 0.90),
    ("I would be very surprised if ... not", "i would be very surprised if ... not", 0.90),
    ("I do not think that … will", "i do not think ... will", 0.25),
    ("I do not think ... will", "i do not think ... will", 0.25),
    ("the risk … is low", "risk is low", 0.15),
    ("risk is low", "risk is low", 0.15),
    ("do not augur well", "do not augur well", 0.40),
    ("threatens to", "threatens to", 0.40),
    ("it is still unclear whether", "still unclear", 0.50),
    ("still unclear", "still unclear", 0.50),
    ("will", "will", 0.90),
    ("will simply", "will", 0.90),
    ("will not", "will not", 0.10),
    ("will not … one iota", "will not", 0.10),
    ("none will", "will not", 0.10),
    ("with high probability", "with high probability", 0.85),
    ("perhaps", "maybe", 0.50),
]


@pytest.mark.parametrize(("hedge", "entry", "p"), SEED_HEDGES)
def test_each_seed_hedge_maps_per_the_scale(hedge: str, entry: str, p: float) -> None:
    phrase = SCALE.lookup(hedge)
    assert phrase.phrase == entry
    assert phrase.p == pytest.approx(p)


STANDARD = [
    # ICD 203's seven
    "almost no chance",
    "very unlikely",
    "unlikely",
    "roughly even chance",
    "likely",
    "very likely",
    "almost certain",
    # Kent
    "certain",
    "probable",
    "chances about even",
    "probably not",
    "almost certainly not",
    "impossible",
    # PHIA, NATO, IPCC
    "remote chance",
    "highly unlikely",
    "realistic possibility",
    "highly likely",
    "even chance",
    "virtually certain",
    "extremely likely",
    "about as likely as not",
    "extremely unlikely",
    "exceptionally unlikely",
    # the survey table
    "almost certainly",
    "probably",
    "about even",
    "real possibility",
    "maybe",
    "possibly",
    "may",
    "could",
    "might",
    "we doubt",
    "improbable",
    "little chance",
    "chances are slight",
]


@pytest.mark.parametrize("text", STANDARD)
def test_standard_scale_phrases_are_covered(text: str) -> None:
    assert text in SCALE


def test_icd_203_terms_sit_in_their_bands() -> None:
    bands = {
        "almost no chance": (0.01, 0.05),
        "very unlikely": (0.05, 0.20),
        "unlikely": (0.20, 0.45),
        "roughly even chance": (0.45, 0.55),
        "likely": (0.55, 0.80),
        "very likely": (0.80, 0.95),
        "almost certain": (0.95, 0.99),
    }
    for name, (low, high) in bands.items():
        assert low <= SCALE.lookup(name).p <= high, name


def test_polarity_unlikely() -> None:
    unlikely = SCALE.lookup("unlikely")
    p, low, high = derive(unlikely, "affirms")
    assert (p, low, high) == (0.20, 0.10, 0.35)
    p, low, high = derive(unlikely, "negates")
    assert p == pytest.approx(0.80)
    assert (low, high) == (pytest.approx(0.65), pytest.approx(0.90))


def test_very_surprised_if_not_is_high() -> None:
    phrase = SCALE.lookup("I would be very surprised if … not")
    assert phrase.negated
    p, low, high = derive(phrase, "affirms")
    assert p >= 0.8 and low >= 0.5
    assert derive(phrase, "negates")[0] <= 0.2


def test_do_not_think_will_is_low_for_the_unnegated_clause() -> None:
    phrase = SCALE.lookup("I don't think ... will")
    assert phrase.negated and phrase.p < 0.5
    assert derive(phrase, "negates")[0] > 0.5


def test_negated_entries_document_their_meaning() -> None:
    negated = [ph for ph in SCALE.phrases if ph.negated]
    expected = {"i would be very surprised if ... not", "i do not think ... will", "will not"}
    assert {ph.phrase for ph in negated} >= expected
    for ph in negated:
        assert ph.notes and "P(X)" in ph.notes, ph.phrase


def test_unknown_phrase_suggests_three_neighbours() -> None:
    with pytest.raises(UnknownPhrase) as info:
        SCALE.lookup("unlikley")
    err = info.value
    assert isinstance(err, ValueError)
    assert err.phrase == "unlikley"
    assert len(err.suggestions) == 3
    assert err.suggestions[0] == "unlikely"
    assert "unlikley" in str(err) and "'unlikely'" in str(err)


def test_unknown_phrase_for_gibberish_still_suggests() -> None:
    with pytest.raises(UnknownPhrase) as info:
        SCALE.lookup("zzz qqq")
    assert len(info.value.suggestions) == 3


def test_lookup_normalises_case_whitespace_and_curly_quotes() -> None:
    assert SCALE.lookup("  I  DON’T think\n… will ").phrase == "i do not think ... will"
    assert SCALE.lookup("“Unlikely”").phrase == "unlikely"
    assert normalise_phrase("Of course, … will") == "of course ... will"


def test_every_entry_is_sound() -> None:
    names: set[str] = set()
    for ph in SCALE.phrases:
        low, high = ph.interval
        assert 0.0 <= low <= ph.p <= high <= 1.0, ph.phrase
        assert ph.basis.strip(), ph.phrase
        for name in (ph.phrase, *ph.aliases):
            key = normalise_phrase(name)
            assert key not in names, name
            names.add(key)


def test_entries_without_published_numbers_say_so() -> None:
    for name in ("it is not excluded", "it is possible", "still unclear", "will", "believe"):
        assert "no published number" in SCALE.lookup(name).basis.lower(), name


@given(st.sampled_from(SCALE.phrases), st.sampled_from(["affirms", "negates"]))
def test_derive_keeps_p_inside_its_interval(phrase: Phrase, reading: str) -> None:
    p, low, high = derive(phrase, reading)  # type: ignore[arg-type]
    assert 0.0 <= low <= p <= high <= 1.0


@given(st.sampled_from(SCALE.phrases))
def test_negating_is_the_complement(phrase: Phrase) -> None:
    p, low, high = derive(phrase, "affirms")
    q, qlow, qhigh = derive(phrase, "negates")
    assert p + q == pytest.approx(1.0)
    assert low + qhigh == pytest.approx(1.0) and high + qlow == pytest.approx(1.0)


def test_derive_refuses_other_readings() -> None:
    with pytest.raises(ValueError, match="affirms"):
        derive(SCALE.lookup("likely"), "maybe")  # type: ignore[arg-type]


def test_packaged_versions() -> None:
    assert 1 in available_versions()
    assert load_scale().version == max(available_versions())
    with pytest.raises(ScaleError, match="not found"):
        load_scale(999)


def _write_v2(directory: Path) -> None:
    packaged = resources.files("tracker").joinpath("scales", "verbal-1.yaml")
    v1 = yaml.safe_load(packaged.read_text(encoding="utf-8"))
    (directory / "verbal-1.yaml").write_text(yaml.safe_dump(v1, allow_unicode=True), encoding="utf-8")
    v2 = dict(v1, version=2, name="test scale v2")
    v2["phrases"] = [dict(e, p=0.30, interval=[0.2, 0.45]) if e["phrase"] == "unlikely" else e for e in v1["phrases"]]
    (directory / "verbal-2.yaml").write_text(yaml.safe_dump(v2, allow_unicode=True), encoding="utf-8")


def test_two_versions_can_be_loaded_side_by_side(tmp_path: Path) -> None:
    _write_v2(tmp_path)
    assert available_versions(tmp_path) == [1, 2]
    latest = load_scale(directory=tmp_path)
    first = load_scale(1, directory=tmp_path)
    assert (latest.version, first.version) == (2, 1)
    assert latest.lookup("unlikely").p == 0.30
    assert first.lookup("unlikely").p == 0.20
    # the same phrase, re-derived under the newer scale
    assert derive(latest.lookup("is unlikely to"), "negates")[0] == pytest.approx(0.70)


def test_a_scale_file_whose_interval_misses_p_is_refused(tmp_path: Path) -> None:
    bad = {
        "version": 1,
        "phrases": [{"phrase": "odd", "p": 0.5, "interval": [0.6, 0.7], "basis": "none"}],
    }
    (tmp_path / "verbal-1.yaml").write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(ScaleError, match="contain p"):
        load_scale(directory=tmp_path)


def test_a_scale_file_with_a_version_mismatch_is_refused(tmp_path: Path) -> None:
    bad = {"version": 3, "phrases": [{"phrase": "odd", "p": 0.5, "interval": [0.4, 0.6], "basis": "none"}]}
    (tmp_path / "verbal-2.yaml").write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(ScaleError, match="does not match"):
        load_scale(directory=tmp_path)


def test_an_alias_naming_two_entries_is_refused(tmp_path: Path) -> None:
    bad = {
        "version": 1,
        "phrases": [
            {"phrase": "a", "aliases": ["same"], "p": 0.5, "interval": [0.4, 0.6], "basis": "x"},
            {"phrase": "b", "aliases": ["Same"], "p": 0.5, "interval": [0.4, 0.6], "basis": "x"},
        ],
    }
    (tmp_path / "verbal-1.yaml").write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(ScaleError, match="names both"):
        load_scale(directory=tmp_path)
