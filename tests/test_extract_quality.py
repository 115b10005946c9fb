"""The extractor on the seed articles against the curated catalog (docs/extract.md has the figures), and a
check that it does not special-case them: no seed's names, ids or quoted wording in tracker/extract."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tracker.extract.evaluate import corpus_articles, evaluate, evaluate_corpus, question_choice, speaker_matches

ROOT = Path(__file__).resolve().parent.parent
EXTRACT = ROOT / "tracker" / "extract"

# Measured (python -m tracker.extract.evaluate): 33 of 36 found; speaker 30 and polarity 30 of the 33.
# The floors allow one forecast of slack each, so that a change that loses more fails here.
FOUND_FLOOR = 32
SPEAKER_FLOOR = 29
POLARITY_FLOOR = 29


def test_quality_does_not_fall() -> None:
    fig = evaluate(ROOT)
    s = fig.summary()
    assert s["curated"] == 36
    assert s["found"] >= FOUND_FLOOR, s
    assert s["speaker_ok"] >= SPEAKER_FLOOR, s
    assert s["polarity_ok"] >= POLARITY_FLOOR, s
    # Precision is reported, not tuned for: it only must not collapse into "every sentence".
    assert s["precision"] >= 0.3 and s["candidates_per_article"] <= 20, s


# The check sets (tests/data/extract, split: check), never looked at while rules were chosen. Until the sixth round
# the check half of corpus-a and corpus-b held it; it was then moved to the tune half (docs/extract.md keeps its
# figures as history), and fresh sets labelled blind take its place: corpus-g, then corpus-h. The floors are ratios,
# so that they hold whatever a file holds, at or under what `python -m tracker.extract.evaluate --split check
# --files X` measured on the final code of a round; each is under its figure by about one forecast, so a change that
# loses on text no rule was chosen on fails here.
# corpus-g: first measured at d8dbd96 (recall 150/168, speaker 86/150, polarity 122/138, precision 125/154); after
# the sixth round (885bd49) 152/168, 87/152, 126/140, 127/157; after the seventh (59a30c1): recall 154/168 = 0.917,
# speaker 97/154 = 0.630, polarity 128/142 = 0.901, precision 129/159 = 0.811.
# corpus-h: labelled blind (fc75960) and measured twice by the lead, aggregates only: with the sixth round's code
# (ecb0399) recall 135/170 = 0.794, speaker 79/135 = 0.585, polarity 112/125 = 0.896, precision 0.760; with the
# seventh's (59a30c1) recall 138/170 = 0.812, speaker 85/138 = 0.616, polarity 113/127 = 0.890, precision 116/153
# = 0.758. Its floors are the seventh round's figures less one forecast.
# In the ninth round (hedges7, issue 22) corpus-g and corpus-h became tuning data (their rows were read and rules
# chosen on their misses; docs/extract.md): they are no longer blind, and their floors guard what that round reached,
# less one forecast: corpus-g recall 159/168, speaker 117/159, polarity 136/147, precision 135/160; corpus-h 149/170,
# 121/149, 128/137, 127/154.
CHECK_FLOORS = {
    # The speaker round of the subject chunker (speakers6) studied corpus-g and corpus-h row by row: they are tuning
    # data since. Same tree (99519dc) with and without its speaker code: g speaker 101/159 → 119/159 = 0.748, h
    # 92/149 → 122/149 = 0.819; speaker floors about one forecast under.
    # The tenth round (recall8, hedges only) raised recall: g 160/168, h 159/170 (precision 134/161); floors one
    # forecast under. speakers7 (the same tree with and without its speaker code): g speaker 120/160 → 122/160 =
    # 0.763, h 129/159 → 133/159 = 0.836; floors about one forecast under. speakers8 (two sources in one
    # sentence, lawmakers read back, a chance held, a role heading): h 133/159 → 136/159 = 0.855, floor one
    # forecast under; with a document from a definite organisation noun, h 138/159 = 0.868; with confidence
    # voiced as a noun, h 139/159 = 0.874, floor 0.865.
    # polarity8 (second parts after ", with" and a denied belief, a concession's estimate, a denied copula, an unreal
    # condition): polarity g 137/148 → 139/148, h 138/147 → 140/147; floors one forecast under.
    # speakers9 (a role named just after, a quotation closed by any verb, an employer's any role, a place after a
    # person's noun, ...; the same tree with and without its speakers.py): g speaker 122/160 → 126/160 = 0.788, h
    # 139/159 → 141/159 = 0.887; floors about one forecast under.
    # polarity9 (false candidates: the calendar, a readiness, a relative's "will"): precision g 0.847 → 0.852 (162
    # candidates), h 0.835 → 0.856 (160); floors one forecast under.
    "g": {"recall": 0.946, "speaker": 0.78, "polarity": 0.93, "precision": 0.845},
    "h": {"recall": 0.929, "speaker": 0.88, "polarity": 0.945, "precision": 0.85},
    # corpus-j, labelled blind (9ef9e9c) and measured twice, aggregates only: with 8c01816's extraction code
    # (recall 135/171, speaker 90/135, polarity 103/123, precision 0.655) and with 44eccd2's (135/171, 90/135,
    # 102/123, 0.663). With the subject chunker (speakers6; aggregates only, but its brief quoted about ten corpus-j
    # sentences as examples of kinds: docs/extract.md): speaker 90/134 → 98/134 = 0.731 on the same tree (99519dc).
    # After the tenth round (recall8; aggregates only, at its start and end): recall 134/171 → 137/171, speaker
    # 99/137, polarity 102/122 → 106/125, precision 0.657 → 0.663; recall and polarity floors one forecast under.
    # corpus-j is tuning data from speakers9 (its rows read with a-i's): speaker 103/142 → 110/142 = 0.775 with that
    # round's speakers.py (ede33ec); floor about one forecast under.
    # polarity9 (corpus-j tuning data, its rows read with a-i's): recall 137 → 142/171, polarity 106/125 → 114/130,
    # precision 0.663 → 0.704 (169); floors one forecast under.
    "j": {"recall": 0.825, "speaker": 0.765, "polarity": 0.865, "precision": 0.695},
    # corpus-k, labelled blind (ccc30d5) and measured twice, aggregates only: with b37ddd4's extraction code (recall
    # 144/164, speaker 100/144, polarity 118/141, precision 0.716) and with the round's final code (146/164,
    # 104/146, 123/143, 0.719); floors one forecast under.
    # speakers9 (k its validation set, aggregates only): speaker 104/147 → 105/147 = 0.714 on its end tree (147 found
    # with polarity9's landing); one forecast under is 0.707, under the floor already here, which stays.
    # polarity9 (k its validation set, aggregates only): recall 146 → 147/164, polarity 123/143 → 126/144, precision
    # 0.719 → 0.724 (185 candidates); floors one forecast under.
    "k": {"recall": 0.89, "speaker": 0.705, "polarity": 0.865, "precision": 0.718},
    # corpus-l, labelled blind (e83e2c0) and measured twice, aggregates only: with 65f805b's extraction code (recall
    # 129/161, speaker 76/129, polarity 99/123, precision 0.626 of 174 candidates) and with the twelfth round's final
    # code, a288d1d (126/161, 74/126, 98/120, 0.629 of 170); floors one forecast under the final figures.
    "l": {"recall": 0.776, "speaker": 0.579, "polarity": 0.808, "precision": 0.623},
}
CHECK_MIN_FORECASTS = 120


def _check_articles(letter: str) -> list[dict[str, Any]]:
    return [a for a in corpus_articles(ROOT, [letter]) if a["split"] == "check"]


def test_every_check_file_is_guarded() -> None:
    """Each check file has its floors, and its articles are check articles only: a new blind set is added to
    CHECK_FLOORS after its first measurement."""
    every_check = {a["id"] for a in corpus_articles(ROOT) if a["split"] == "check"}
    letters = {i.split("-")[0] for i in every_check}
    assert letters == set(CHECK_FLOORS), (letters, set(CHECK_FLOORS))
    for letter in CHECK_FLOORS:
        ids = {a["id"] for a in _check_articles(letter)}
        assert ids and ids == {i for i in every_check if i.startswith(f"{letter}-")}


@pytest.mark.parametrize("letter", sorted(CHECK_FLOORS))
def test_quality_on_the_corpus_check_set_does_not_fall(letter: str) -> None:
    s = evaluate_corpus(ROOT, "check", articles=_check_articles(letter)).summary()
    assert s["curated"] >= CHECK_MIN_FORECASTS, s
    for figure, floor in CHECK_FLOORS[letter].items():
        # Only which floor failed: the figures of a blind set are not printed where a tuning session would see them.
        assert s[figure] >= floor, (letter, figure, floor)
    assert s["s_per_mb"] is not None  # timed and reported; the speed claim is the benchmark's


def test_an_empty_split_evaluates_without_figures() -> None:
    """With no article in a split (the check set between its two versions), evaluation reports nothing, not a crash."""
    s = evaluate_corpus(ROOT, "check", articles=[]).summary()
    assert s["curated"] == 0 and s["recall"] is None and s["precision"] is None and s["s_per_mb"] is None
    assert question_choice(ROOT, "check", articles=[]) == []


# The tune half, which the rules were chosen on (figures in docs/extract.md): a few under what is measured, so
# that a change losing what a rule was added for fails.
# Measured after the sixth round (885bd49): found 629 of 672, speaker 526, polarity 530 of 589, precision 0.814;
# speaker 528 with the reported person carried to the next sentence of the paragraph; 545 of 635 found after the
# seventh round's speaker rules (speakers3, the same tree with c53603f's speakers.py: 531). Found 636 of 672 after
# the seventh round's recall rules (corpusi, cf2a405: 629 before them); the floor keeps three of slack. After the
# weak-modal round (polarity5): found 638, polarity 547 of 598 (537 of 596 before it), precision 0.816. After the
# recall6 round's false-candidate kinds (a mood, a question inside a sentence, a remote hypothesis, an expectation
# dated in the past, "agreed to"): the same found and polarity, precision 0.826 (703 candidates, 11 fewer); after its
# second and third landings (attention, caveats, past beliefs; "his race to lose"): found 639, polarity 550 of 599,
# precision 0.833 (699 candidates); with "is scheduled to" as a schedule, 0.834 (698).
TUNE_FOUND_FLOOR = 636
# Speaker 546 → 556 on these files with the subject chunker (speakers6; same tree without it: 546); 556 → 562 with
# the second verb of concluding (speakers7); 562 → 568 with speakers9's rules (the same tree without them: 562).
TUNE_SPEAKER_FLOOR = 565
# polarity8: polarity on these files 556 of 601 (the tune set with corpus-i 651 → 656 of 702). polarity9: 556 → 561
# of 601, precision 0.835 (707 candidates) → 0.845 (698).
TUNE_POLARITY_FLOOR = 558
TUNE_PRECISION_FLOOR = 0.84
# The floors are those files' figures: a tune file labelled later (corpus-i, the seventh round's fresh batch, first
# measured as it came) adds forecasts of other kinds, and its own figures are reported in docs/extract.md, so that a
# new batch neither lowers these floors nor hides a loss on the files they were measured on.
TUNE_FLOOR_FILES = ("a", "b", "c", "d", "e", "f")


def test_quality_on_the_corpus_tune_half_does_not_fall() -> None:
    s = evaluate_corpus(ROOT, "tune", articles=corpus_articles(ROOT, TUNE_FLOOR_FILES)).summary()
    assert s["curated"] >= 600, s
    assert s["found"] >= TUNE_FOUND_FLOOR, s
    assert s["speaker_ok"] >= TUNE_SPEAKER_FLOOR, s
    assert s["polarity_ok"] >= TUNE_POLARITY_FLOOR, s
    assert s["precision"] >= TUNE_PRECISION_FLOOR, s


def test_only_the_named_corpus_files_are_read(capsys: pytest.CaptureFixture[str]) -> None:
    """``--files`` opens only the named corpus files (a blind check set is then never read): corpus-f alone gives
    f- articles only, and a letter with no file is one line naming it, exit 2, no figures."""
    from tracker.extract.evaluate import main

    only_f = corpus_articles(ROOT, ["f"])
    assert only_f and {a["id"][:2] for a in only_f} == {"f-"}
    with pytest.raises(ValueError, match="corpus-zz.yaml"):
        corpus_articles(ROOT, ["f", "zz"])
    assert main([str(ROOT), "--files", "zz", "--split", "tune"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "corpus-zz.yaml" in err


def test_the_check_set_is_apart_from_what_was_tuned_on() -> None:
    """A check article lives in a corpus file of its own (no tune article beside it), so that the files the rules
    were chosen on (corpus-a to corpus-f) hold none; the tune half is not empty and shares no id with it."""
    for path in sorted((ROOT / "tests" / "data" / "extract").glob("corpus-*.yaml")):
        splits = {a["split"] for a in yaml.safe_load(path.read_text(encoding="utf-8"))["articles"]}
        assert splits in ({"tune"}, {"check"}), f"{path.name} mixes the tune and the check split"
    articles = corpus_articles(ROOT)
    tune = {a["id"] for a in articles if a["split"] == "tune"}
    check = {a["id"] for a in articles if a["split"] == "check"}
    assert tune and not tune & check
    assert not any(i[0] in "abcdef" for i in check), sorted(check)


def test_speaker_matching_rule() -> None:
    assert speaker_matches("Andrei Tikhonov", "Andrei Tikhonov")
    assert speaker_matches("A number of experts", "Unnamed experts (some-source)")
    assert speaker_matches("the author", "Unnamed author (some-source)")
    assert not speaker_matches("the author", "Andrei Tikhonov")
    assert not speaker_matches("Russia", "The Kremlin")


# ------------------------------------------------------------------------------- no seed special cases

GENERIC = frozenset({"unnamed", "author", "experts", "the"})


def _seed_terms() -> tuple[set[str], set[str], set[str]]:
    """(name words, ids, quote 4-grams) of the curated catalog."""
    names: set[str] = set()
    ids: set[str] = set()
    grams: set[str] = set()
    for path in sorted((ROOT / "predictions" / "forecasts").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        ids.add(data["source"])
        for f in data["forecasts"]:
            ids.update({f["id"], f["question"]})
            forecaster = re.sub(r"\([^)]*\)", " ", f["forecaster"])
            names.update(w.lower() for w in re.findall(r"[A-Za-z]{4,}", forecaster) if w.lower() not in GENERIC)
            words = re.findall(r"\w+", f["quote"].lower())
            grams.update(" ".join(words[i : i + 4]) for i in range(len(words) - 3))
    for s in yaml.safe_load((ROOT / "seeds" / "sources.yaml").read_text(encoding="utf-8"))["sources"]:
        ids.add(s["id"])
        if s.get("file"):
            ids.add(Path(s["file"]).stem)
    return names, ids, grams


def _hits(code: str, names: set[str], ids: set[str], grams: set[str]) -> list[str]:
    flat = " ".join(re.findall(r"\w+", code.lower()))
    found = [n for n in names if re.search(rf"\b{re.escape(n)}\b", code, re.I)]
    found += [i for i in ids if i in code]
    found += [g for g in grams if f" {g} " in f" {flat} "]
    return found


def test_the_extractor_has_no_seed_wording_names_or_ids() -> None:
    names, ids, grams = _seed_terms()
    assert len(names) > 20 and len(ids) > 60 and len(grams) > 400  # the scan has something to look for
    files = sorted(EXTRACT.rglob("*.py"))
    assert len(files) >= 8
    offending = {str(p.relative_to(ROOT)): _hits(p.read_text(encoding="utf-8"), names, ids, grams) for p in files}
    assert {k: v for k, v in offending.items() if v} == {}


def test_the_scan_would_catch_seed_wording() -> None:
    names, ids, grams = _seed_terms()
    assert _hits('NAME = "tikhonov"', names, ids, grams)
    assert _hits('PHRASE = r"the meeting of the presidents"', names, ids, grams)
    assert _hits('Q = "osaka-trump-putin-meeting-2019"', names, ids, grams)
    assert not _hits('PHRASE = r"is unlikely to"', names, ids, grams)


def test_the_extractor_imports_only_the_domain_and_errors() -> None:
    """tracker.extract is pure text processing: the app layer reads files and the ledger for it."""
    imports = [
        (p.name, m.group(1))
        for p in sorted(EXTRACT.rglob("*.py"))
        for m in re.finditer(r"^\s*(?:from|import)\s+(tracker[\w.]*)", p.read_text(encoding="utf-8"), re.M)
    ]
    assert imports  # the scan sees the imports there are
    # tracker.visible: the one rule for escaping text a terminal would act on, pure text below every layer
    allowed = ("tracker.domain", "tracker.errors", "tracker.extract", "tracker.visible")
    assert [(f, m) for f, m in imports if not m.startswith(allowed)] == []
