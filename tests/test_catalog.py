"""The curated catalog (predictions/ and seeds/) and its loader's validation."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tracker.catalog import CatalogError, load_catalog
from tracker.domain.quotes import closest_passage, find_quote
from tracker.domain.verbal import derive, load_scale

ROOT = Path(__file__).resolve().parent.parent


def project_yaml_files() -> list[Path]:
    """Every YAML file of the project's own folders, except a sealed check set: that is opened by nobody until the
    lead measures it, the tests that compare YAML loaders included."""
    return [
        p
        for d in ("predictions", "seeds", "tests", "tracker")
        for p in sorted((ROOT / d).rglob("*.y*ml"))
        if "sealed" not in p.parts
    ]


PREDICTIONS = ROOT / "predictions"
SEEDS = ROOT / "seeds"
TODAY = date(2026, 11, 24)


def _fold(text: str) -> str:
    # independent of tracker.domain.quotes: str.split() splits on every Unicode whitespace run
    return " ".join(text.split())


# ------------------------------------------------------------------------------------ the real catalog


@pytest.fixture(scope="module")
def catalog() -> Any:
    return load_catalog([PREDICTIONS])


def test_real_catalog_loads_clean(catalog: Any) -> None:
    assert len(catalog.forecasts) >= 30
    assert len(catalog.sources) == 5
    assert all(f.quote_verified for f in catalog.forecasts.values())


def test_every_quote_is_verbatim_in_its_seed_file() -> None:
    sources = yaml.safe_load((SEEDS / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    files = {s["id"]: SEEDS / s["file"] for s in sources}
    checked = 0
    for path in sorted((PREDICTIONS / "forecasts").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        text = _fold(files[data["source"]].read_text(encoding="utf-8"))
        for f in data["forecasts"]:
            assert _fold(f["quote"]) in text, f"{path.name}: {f['id']}: quote not verbatim"
            checked += 1
    assert checked >= 30


def test_seed_files_are_byte_identical_to_the_shared_originals() -> None:
    shared = ROOT.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("shared/seeds not beside the repository")
    originals = sorted(p.name for p in shared.glob("*.txt"))
    assert originals == sorted(p.name for p in SEEDS.glob("*.txt"))
    for name in originals:
        assert (SEEDS / name).read_bytes() == (shared / name).read_bytes(), name


def test_osaka_question_has_three_forecasters(catalog: Any) -> None:
    forecasts = catalog.forecasts_on("osaka-trump-putin-meeting-2019")
    assert len({f.forecaster for f in forecasts}) == 3
    assert len({f.source for f in forecasts}) == 2
    q = catalog.questions["osaka-trump-putin-meeting-2019"]
    assert q.resolution.outcome == "yes" and q.resolution.known_on == date(2019, 6, 28)


def test_tikhonov_derives_p_from_the_scale(catalog: Any) -> None:
    f = catalog.forecasts["tikhonov-osaka-unlikely"]
    unlikely = load_scale().lookup("unlikely")
    assert (f.method, f.says, f.reading, f.scale_version) == ("verbal", "unlikely", "affirms", load_scale().version)
    assert (f.p_yes, f.p_low, f.p_high) == derive(unlikely, "affirms")
    assert f.p_yes == unlikely.p == 0.20
    assert f.probabilities == {"yes": 0.20, "no": 0.80}
    assert f.derivation["phrase"] == "unlikely"


def test_verbal_hedges_agree_with_their_scale_phrase(catalog: Any) -> None:
    scale = load_scale()
    for f in catalog.forecasts.values():
        if f.method == "verbal" and f.hedge:
            assert scale.lookup(f.hedge) == scale.lookup(f.says), f.id


def test_judgement_forecasts_carry_a_rationale(catalog: Any) -> None:
    for f in catalog.forecasts.values():
        assert f.rationale, f.id


def test_hill_is_the_hindsight_case(catalog: Any) -> None:
    f = catalog.forecasts["hill-russia-will-exploit-precedent"]
    q = catalog.questions[f.question]
    assert q.resolution is not None
    assert q.resolution.known_on < f.made_at


def test_opened_is_the_earliest_forecast(catalog: Any) -> None:
    for q in catalog.questions.values():
        forecasts = catalog.forecasts_on(q.id)
        assert forecasts, q.id
        assert q.opened == min(f.made_at for f in forecasts), q.id


def test_open_annulled_and_due_questions(catalog: Any) -> None:
    statuses = {q.id: q.status for q in catalog.questions.values()}
    assert statuses["russia-ukraine-ceasefire-2026"] == "open"
    assert statuses["russia-retaliates-over-venezuela-mid-2026"] == "open"
    assert catalog.questions["russia-retaliates-over-venezuela-mid-2026"].resolve_by < TODAY  # due
    annulled = [q for q in catalog.questions.values() if q.annulment]
    assert any(q.annulment.reason.startswith("condition never occurred") for q in annulled)
    assert any(q.annulment.reason.startswith("ambiguous:") for q in annulled)
    for q in catalog.questions.values():
        if q.condition is None:
            continue
        assert q.resolution or q.annulment, q.id


def test_rejections_are_documented() -> None:
    readme = (PREDICTIONS / "README.md").read_text(encoding="utf-8")
    assert "## Rejected" in readme
    assert "sp-us-no-compromise-ns2" in readme and "dettmer-bargaining-iran" in readme


# --------------------------------------------------------------------------------- a small test catalog

SEED_TEXT = "The summit is unlikely to\nhappen, he said. It’s “probably” over.\n"


def _source(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "src-a",
        "file": "a.txt",
        "title": "A",
        "outlet": "Outlet",
        "authors": [],
        "published": "2019-05-04",
        "date_basis": "stated",
        "url": None,
        "notes": None,
    }
    base.update(over)
    return base


def _question(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "summit-2019",
        "title": "Summit?",
        "criteria": "YES if it happens.",
        "type": "binary",
        "opened": "2019-05-04",
        "resolve_by": "2019-06-30",
        "tags": ["summits"],
        "condition": None,
        "resolution": {"outcome": "yes", "known_on": "2019-06-28", "evidence": "It happened."},
    }
    base.update(over)
    return base


def _forecast(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "x-summit-unlikely",
        "question": "summit-2019",
        "forecaster": "X",
        "made_at": "2019-05-04",
        "quote": "The summit is unlikely to happen, he said.",
        "hedge": "is unlikely to",
        "says": "unlikely",
        "reading": "affirms",
        "rationale": "r",
    }
    base.update(over)
    return base


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _build(
    root: Path,
    *,
    sources: list[dict[str, Any]] | None = None,
    questions: list[dict[str, Any]] | None = None,
    forecasts: list[dict[str, Any]] | None = None,
) -> Path:
    (root / "seeds").mkdir(parents=True, exist_ok=True)
    (root / "seeds" / "a.txt").write_text(SEED_TEXT, encoding="utf-8")
    _dump(root / "seeds" / "sources.yaml", {"schema": 1, "sources": sources or [_source()]})
    _dump(root / "predictions" / "questions.yaml", {"schema": 1, "questions": questions or [_question()]})
    _dump(
        root / "predictions" / "forecasts" / "src-a.yaml",
        {"schema": 1, "source": "src-a", "forecasts": forecasts or [_forecast()]},
    )
    return root / "predictions"


def _errors(predictions: Path, **kw: Any) -> list[str]:
    with pytest.raises(CatalogError) as info:
        load_catalog([predictions], today=TODAY, **kw)
    assert isinstance(info.value, ValueError)
    return info.value.errors


def _one(errors: list[str], file: Path, entry: str, field: str) -> str:
    prefix = f"{file}: {entry}: {field}: "
    hits = [e for e in errors if e.startswith(prefix)]
    assert hits, f"no error starting {prefix!r} in {errors}"
    return hits[0][len(prefix) :]


def test_small_catalog_loads(tmp_path: Path) -> None:
    cat = load_catalog([_build(tmp_path)], today=TODAY)
    f = cat.forecasts["x-summit-unlikely"]
    assert f.p_yes == 0.20 and f.quote_verified is True
    assert cat.sources["src-a"].sha256 and cat.sources["src-a"].text == SEED_TEXT


def test_explicit_paths_and_explicit_sources(tmp_path: Path) -> None:
    pred = _build(tmp_path)
    cat = load_catalog(
        [pred / "questions.yaml", pred / "forecasts" / "src-a.yaml"],
        sources=tmp_path / "seeds" / "sources.yaml",
        today=TODAY,
    )
    assert list(cat.forecasts) == ["x-summit-unlikely"]
    cat2 = load_catalog([pred, tmp_path / "seeds"], today=TODAY)  # the same file twice is read once
    assert list(cat2.sources) == ["src-a"]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    pred = _build(tmp_path, sources=[_source(), _source(id="src-b", file=None, url="https://example.org/b")])
    _dump(pred / "forecasts" / "src-b.yaml", {"schema": 1, "source": "src-b", "forecasts": [_forecast()]})
    errors = _errors(pred)
    msg = _one(errors, pred / "forecasts" / "src-b.yaml", "x-summit-unlikely", "id")
    assert "duplicate" in msg and "src-a.yaml" in msg


def test_duplicate_question_ids(tmp_path: Path) -> None:
    pred = _build(tmp_path, questions=[_question(), _question(title="Again?")])
    assert "duplicate" in _one(_errors(pred), pred / "questions.yaml", "summit-2019", "id")


def test_malformed_yaml_reports_the_line(tmp_path: Path) -> None:
    pred = _build(tmp_path)
    bad = pred / "forecasts" / "src-a.yaml"
    bad.write_text("schema: 1\nsource: src-a\nforecasts:\n  - id: x\n    quote: [unclosed\n", encoding="utf-8")
    msg = _one(_errors(pred), bad, "-", "-")
    assert re.search(r"malformed YAML at line \d+", msg)


def test_duplicate_keys_are_malformed(tmp_path: Path) -> None:
    pred = _build(tmp_path)
    bad = pred / "questions.yaml"
    bad.write_text(bad.read_text(encoding="utf-8") + "schema: 1\n", encoding="utf-8")
    assert "duplicate key 'schema'" in _one(_errors(pred), bad, "-", "-")


def test_bad_dates(tmp_path: Path) -> None:
    pred = _build(tmp_path, forecasts=[_forecast(made_at="2019-13-01")])
    msg = _one(_errors(pred), pred / "forecasts" / "src-a.yaml", "x-summit-unlikely", "made_at")
    assert msg == "'2019-13-01' is not a date (YYYY-MM-DD)"


def test_future_dates(tmp_path: Path) -> None:
    pred = _build(
        tmp_path, questions=[_question(resolution={"outcome": "yes", "known_on": "2027-01-01", "evidence": "e"})]
    )
    assert "future" in _one(_errors(pred), pred / "questions.yaml", "summit-2019", "resolution.known_on")


def test_unknown_references(tmp_path: Path) -> None:
    pred = _build(tmp_path, forecasts=[_forecast(question="no-such-question")])
    errors = _errors(pred)
    assert "unknown question" in _one(errors, pred / "forecasts" / "src-a.yaml", "x-summit-unlikely", "question")
    pred2 = _build(tmp_path / "two")
    _dump(pred2 / "forecasts" / "src-z.yaml", {"schema": 1, "source": "src-z", "forecasts": []})
    assert "unknown source" in _one(_errors(pred2), pred2 / "forecasts" / "src-z.yaml", "-", "source")


def test_non_utf8_file(tmp_path: Path) -> None:
    pred = _build(tmp_path)
    bad = pred / "questions.yaml"
    bad.write_bytes(b"schema: 1\nquestions:\n  - id: caf\xe9\n")
    msg = _one(_errors(pred), bad, "-", "-")
    assert "not UTF-8" in msg and "0xe9" in msg


def test_non_utf8_seed_file(tmp_path: Path) -> None:
    pred = _build(tmp_path)
    (tmp_path / "seeds" / "a.txt").write_bytes(b"caf\xe9")
    assert "not UTF-8" in _one(_errors(pred), tmp_path / "seeds" / "sources.yaml", "src-a", "file")


def test_control_characters_in_quotes(tmp_path: Path) -> None:
    pred = _build(tmp_path, forecasts=[_forecast(quote="The summit is\x07 unlikely")])
    msg = _one(_errors(pred), pred / "forecasts" / "src-a.yaml", "x-summit-unlikely", "quote")
    assert "control character U+0007" in msg


def test_bidi_override_in_quotes(tmp_path: Path) -> None:
    pred = _build(tmp_path, forecasts=[_forecast(quote="The summit \u202eis unlikely")])
    assert "U+202E" in _one(_errors(pred), pred / "forecasts" / "src-a.yaml", "x-summit-unlikely", "quote")


def test_quote_must_be_verbatim(tmp_path: Path) -> None:
    # a word the seed does not have is not verbatim (typography is compared normalised: tests/test_quotes.py)
    pred = _build(tmp_path, forecasts=[_forecast(quote="It’s “certainly” over.")])
    msg = _one(_errors(pred), pred / "forecasts" / "src-a.yaml", "x-summit-unlikely", "quote")
    assert "not found verbatim" in msg and "It’s “probably” over." in msg


def test_quote_may_span_line_breaks(tmp_path: Path) -> None:
    cat = load_catalog([_build(tmp_path, forecasts=[_forecast(quote="unlikely to   happen")])], today=TODAY)
    assert cat.forecasts["x-summit-unlikely"].quote_verified


def test_unknown_phrase_suggests_neighbours(tmp_path: Path) -> None:
    pred = _build(tmp_path, forecasts=[_forecast(says="unlikley")])
    msg = _one(_errors(pred), pred / "forecasts" / "src-a.yaml", "x-summit-unlikely", "says")
    assert "unknown phrase 'unlikley'" in msg and "'unlikely'" in msg


def test_exactly_one_of_says_and_p(tmp_path: Path) -> None:
    pred = _build(tmp_path, forecasts=[_forecast(p=0.3, method="judgement")])
    assert "exactly one" in _one(_errors(pred), pred / "forecasts" / "src-a.yaml", "x-summit-unlikely", "says")
    bare = _forecast()
    del bare["says"], bare["reading"]
    pred2 = _build(tmp_path / "two", forecasts=[bare])
    assert "exactly one" in _one(_errors(pred2), pred2 / "forecasts" / "src-a.yaml", "x-summit-unlikely", "says")


@pytest.mark.parametrize(
    ("p", "fragment"),
    [
        (1.5, "between 0 and 1"),
        (-0.1, "between 0 and 1"),
        (float("nan"), "between 0 and 1"),
        (float("inf"), "between 0 and 1"),
        ("high", "number"),
    ],
)
def test_bad_probabilities(tmp_path: Path, p: Any, fragment: str) -> None:
    f = _forecast(p=p, method="judgement")
    del f["says"], f["reading"]
    pred = _build(tmp_path, forecasts=[f])
    assert fragment in _one(_errors(pred), pred / "forecasts" / "src-a.yaml", "x-summit-unlikely", "p")


def test_stated_probability(tmp_path: Path) -> None:
    f = _forecast(p=0.3, method="stated")
    del f["says"], f["reading"]
    cat = load_catalog([_build(tmp_path, forecasts=[f])], today=TODAY)
    assert cat.forecasts["x-summit-unlikely"].probabilities == {"yes": 0.3, "no": 0.7}


def test_bad_reading(tmp_path: Path) -> None:
    pred = _build(tmp_path, forecasts=[_forecast(reading="reverses")])
    assert "affirms or negates" in _one(
        _errors(pred), pred / "forecasts" / "src-a.yaml", "x-summit-unlikely", "reading"
    )


def test_negated_reading_flips(tmp_path: Path) -> None:
    cat = load_catalog([_build(tmp_path, forecasts=[_forecast(reading="negates")])], today=TODAY)
    f = cat.forecasts["x-summit-unlikely"]
    assert (f.p_yes, f.p_low, f.p_high) == (pytest.approx(0.8), pytest.approx(0.65), pytest.approx(0.9))


def test_multiple_choice_options_and_outcome(tmp_path: Path) -> None:
    q = _question(
        type="multiple_choice",
        options=["a", "b"],
        resolution={"outcome": "c", "known_on": "2019-06-28", "evidence": "e"},
    )
    f = _forecast(p={"a": 0.7, "b": 0.3}, method="judgement")
    del f["says"], f["reading"]
    pred = _build(tmp_path, questions=[q], forecasts=[f])
    assert "not one of the options" in _one(_errors(pred), pred / "questions.yaml", "summit-2019", "resolution.outcome")
    q_ok = dict(q, resolution={"outcome": "a", "known_on": "2019-06-28", "evidence": "e"})
    cat = load_catalog([_build(tmp_path / "ok", questions=[q_ok], forecasts=[f])], today=TODAY)
    assert cat.forecasts["x-summit-unlikely"].probabilities == {"a": 0.7, "b": 0.3}
    assert cat.forecasts["x-summit-unlikely"].p_yes is None


def test_type_and_options_consistency(tmp_path: Path) -> None:
    pred = _build(tmp_path, questions=[_question(options=["a", "b"])])
    assert "no options" in _one(_errors(pred), pred / "questions.yaml", "summit-2019", "options")
    pred2 = _build(tmp_path / "two", questions=[_question(type="numeric")])
    assert "binary or multiple_choice" in _one(_errors(pred2), pred2 / "questions.yaml", "summit-2019", "type")


def test_known_on_is_required(tmp_path: Path) -> None:
    pred = _build(tmp_path, questions=[_question(resolution={"outcome": "yes", "evidence": "e"})])
    assert _one(_errors(pred), pred / "questions.yaml", "summit-2019", "resolution.known_on") == "required"


def test_bare_yes_is_read_as_text(tmp_path: Path) -> None:
    pred = _build(tmp_path)
    qfile = pred / "questions.yaml"
    qfile.write_text(qfile.read_text(encoding="utf-8").replace("outcome: 'yes'", "outcome: yes"), encoding="utf-8")
    assert "outcome: yes" in qfile.read_text(encoding="utf-8")
    cat = load_catalog([pred], today=TODAY)
    assert cat.questions["summit-2019"].resolution.outcome == "yes"  # type: ignore[union-attr]


def test_slugs_schema_and_unknown_fields(tmp_path: Path) -> None:
    pred = _build(tmp_path, questions=[_question(id="Summit 2019", colour="red")])
    errors = _errors(pred)
    assert "not a valid id" in _one(errors, pred / "questions.yaml", "Summit 2019", "id")
    assert "unknown field" in _one(errors, pred / "questions.yaml", "Summit 2019", "colour")
    pred2 = _build(tmp_path / "two")
    _dump(pred2 / "questions.yaml", {"schema": 2, "questions": [_question()]})
    assert "expected schema: 1" in _one(_errors(pred2), pred2 / "questions.yaml", "-", "schema")
    for i, other in enumerate((True, 1.0, "1")):  # equal to 1 in Python, or its text: not the schema number
        pred3 = _build(tmp_path / f"three-{i}")
        _dump(pred3 / "questions.yaml", {"schema": other, "questions": [_question()]})
        assert "expected schema: 1" in _one(_errors(pred3), pred3 / "questions.yaml", "-", "schema")


def test_seed_path_may_not_escape(tmp_path: Path) -> None:
    pred = _build(tmp_path, sources=[_source(file="../predictions/questions.yaml")])
    assert "no '..'" in _one(_errors(pred), tmp_path / "seeds" / "sources.yaml", "src-a", "file")


def test_forecast_before_question_opened(tmp_path: Path) -> None:
    pred = _build(tmp_path, questions=[_question(opened="2019-05-10")])
    assert "before the question opened" in _one(
        _errors(pred), pred / "forecasts" / "src-a.yaml", "x-summit-unlikely", "made_at"
    )


def test_all_errors_are_collected(tmp_path: Path) -> None:
    pred = _build(
        tmp_path,
        questions=[_question(resolve_by="someday")],
        forecasts=[_forecast(made_at="2019-13-01", says="unlikley"), _forecast(id="y", question="nope", quote="Nope.")],
    )
    errors = _errors(pred)
    assert len(errors) >= 5
    for e in errors:
        assert re.match(r"^[^:]+\.yaml: [^:]+: [^:]+: .+", e), e


def test_quote_helpers() -> None:
    text = "One  two\nthree\u00a0four. “Five”"
    assert find_quote(text, "two three four.")
    assert find_quote(text, '"Five"')  # quotation marks compare as one (tracker.domain.quotes.normalise)
    assert not find_quote(text, '"Six"')
    assert not find_quote(text, "   ")
    assert closest_passage(text, "three fuor").startswith("three")


# --------------------------------------------------------------------------------- YAML loaders, file discovery


def test_libyaml_and_pure_python_loaders_read_the_catalog_alike() -> None:
    """The C loader is used where libyaml is installed; the pure-Python one stays as the fallback: on every
    file of the real catalog and on the strict rules' edge cases, both give the same values."""
    from tracker.catalog.load import _StrictLoader, strict_loader

    fast = strict_loader()
    assert strict_loader(prefer_c=False) is _StrictLoader
    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml: only the pure-Python loader exists")
    assert fast is not _StrictLoader and issubclass(fast, yaml.CSafeLoader)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "predictions").rglob("*.yaml"))]
    texts += [
        (ROOT / "seeds" / "sources.yaml").read_text(encoding="utf-8"),
        "d: 2019-13-01\nt: 2019-05-04\nb: [yes, no, on, off, true, False, TRUE]\nn: null\nf: 1.5\ni: 0x1f\n",
        'q: "caf\\u00e9 \\"quoted\\""\nm: |\n  two\n  lines\nanchor: &a {x: 1}\nalias: *a\n',
    ]
    for text in texts:
        assert yaml.load(text, Loader=fast) == yaml.load(text, Loader=_StrictLoader)  # noqa: S506


# Documents the one-pass construction must hand to the safe constructor, or build exactly as it would.
HOSTILE_YAML = [
    "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n",  # a merge key
    "a: &a [1, *a]\n",  # a recursive alias
    "a: &a {k: *a}\n",
    "x: &x [1, 2]\ny: *x\nz: [*x, *x]\n",  # shared lists
    "? [1, 2]\n: list key\n",  # an unhashable key
    "? {a: 1}\n: map key\n",
    "a: 1\na: 2\n",
    "1: one\n1.0: again\n",  # equal keys of two types
    "true: t\n1: one\n",
    "~: null key\nnull: again\n",
    ".nan: a\n.nan: b\n",
    "i: [0x1f, 0o17, 017, 0b101, 1_000, -12, +3, 190:20:30, 0]\n",
    "f: [1.5, -.inf, .nan, 1e3, 1.0e+3, 1_0.5, 6.8523015e+5, 190:20:30.15]\n",
    "b: [true, TRUE, false, yes, no, on, off, y, n]\n",
    "s: [!!str 12, !!int '7', !!float '2', !!bool 'yes', !!null '', !!bool 'maybe', !!int 'x']\n",
    "t: !!timestamp 2019-05-04\n",
    "b: !!binary aGVsbG8=\n",
    "s: !!set {a, b}\n",
    "o: !!omap [a: 1, b: 2]\n",
    "p: !!pairs [a: 1, a: 2]\n",
    "x: !!python/object/apply:os.system [echo]\n",
    "x: !custom 1\n",
    "x: ! plain\n",
    "= : value key\n",
    "- [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]\n",
    "[" * 400 + "]" * 400 + "\n",
    "--- 1\n",
    "''\n",
    "",
    "a:\n",
    "k: 'it''s'\nl: \"\\u00e9\\t\\x00\"\nm: >\n  folded\n  text\n",
    "? !!str {a: 1}\n: v\n",  # collections tagged as text: as a key, a value, an item
    "a: !!str {b: 1}\n",
    "- !!str [1]\n- !!str x\n- !!null ''\n",
    "a: &s text\nb: *s\n*s : c\n",  # an aliased text scalar as a value and as a key
    # no tag and no anchor: composed with the tags deferred (`_Deferred`)
    "'1': a\n1: b\n\"2\": c\n2: d\n",  # keys quoted (text) and plain (numbers)
    "1.5: x\n0x10: y\ntrue: z\n~: w\nyes: v\n",
    "? |\n  block key\n: v\n? >\n  folded key\n: w\n",
    "x: '12'\ny: \"true\"\nz: 12\nw: >-\n  7\nv: |\n  ~\n",
    "<<: {a: 1}\nb: 2\n",  # a merge key without an anchor
    "a: [~, null, Null, NULL, '', true, False, 0o17, 1_000, 190:20:30, .inf, -.NaN]\n",
    "- 2019-05-04\n- '2019-05-04'\n- 2019-05-04 10:00:00\n",
    "a: 1\nb:\n  - c: 2\n    d: [e, {f: g}]\n  - [[], {}]\n",
    "~: a\nnull: b\n",  # a repeated key, resolved
    "1: a\n'1': b\n1: c\n",
    "{[1]: a}\n",
    "x: {? a}\n",  # a key without a value
]


def _reference_loader(loader: type) -> type:
    """The loader with PyYAML's own construction and resolution (what `_Strict` speeds up)."""

    class Reference(loader):  # type: ignore[misc,valid-type]
        construct_document = yaml.constructor.BaseConstructor.construct_document
        resolve = yaml.resolver.BaseResolver.resolve

    return Reference


def _loaded(text: str, loader: type) -> tuple[str, str]:
    try:
        return "ok", repr(yaml.load(text, Loader=loader))  # noqa: S506 - safe loaders; repr: nan, shared objects
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, KeyError) as e:
        return type(e).__name__, str(e)


@pytest.mark.parametrize("prefer_c", [True, False], ids=["libyaml", "pure-python"])
def test_the_one_pass_construction_gives_what_pyyaml_gives(prefer_c: bool, tmp_path: Path) -> None:
    """Every YAML file of the project's catalogs, scales and tests, a catalog of the benchmarks' generator, and
    hostile documents: the same values (or the same error) as PyYAML's own constructor and resolver."""
    import sys

    from tracker.catalog.load import strict_loader

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from catalog_gen import write_catalog
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    write_catalog(tmp_path, 30)
    files = project_yaml_files()
    files += sorted(tmp_path.rglob("*.yaml"))
    texts = [p.read_text(encoding="utf-8") for p in files] + HOSTILE_YAML
    assert len(files) > 20
    loader = strict_loader(prefer_c)
    reference = _reference_loader(loader)
    for text in texts:
        assert _loaded(text, loader) == _loaded(text, reference), text[:200]


@pytest.mark.parametrize("prefer_c", [True, False], ids=["libyaml", "pure-python"])
def test_a_loader_given_a_resolver_of_its_own_resolves_with_it(prefer_c: bool) -> None:
    """The joined resolver lists belong to the loader they were made for: a subclass that adds a resolver
    (its own copy of the table) is resolved by PyYAML's general path, with the new resolver."""
    from tracker.catalog.load import strict_loader

    class Custom(strict_loader(prefer_c)):  # type: ignore[misc]
        pass

    Custom.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^one$"), ["o"])
    Custom.add_constructor("tag:yaml.org,2002:int", lambda loader, node: 1 if node.value == "one" else int(node.value))
    assert yaml.load("a: one\nb: 2\nc: true\n", Loader=Custom) == {"a": 1, "b": 2, "c": True}  # noqa: S506
    Custom.add_constructor("tag:yaml.org,2002:str", lambda loader, node: node.value.upper())
    assert yaml.load("a: one\nb: x\n", Loader=Custom) == {"A": 1, "B": "X"}  # noqa: S506  # its own constructors
    assert yaml.load("a: one\nb: 2\n", Loader=strict_loader(prefer_c)) == {"a": "one", "b": 2}  # noqa: S506


@pytest.mark.parametrize("prefer_c", [True, False], ids=["libyaml", "pure-python"])
def test_the_per_node_resolver_shortcut_is_taken_only_where_its_rules_are_the_loaders(prefer_c: bool) -> None:
    """The strict loader resolves each node by a plain function of its own joined lists (no method call per
    node); a subclass with a resolve of its own, or with a path resolver, keeps PyYAML's general path and its
    results."""
    from tracker.catalog.load import strict_loader

    loader = strict_loader(prefer_c)
    fast = loader("a: 1\n", defer=False)
    reference = _reference_loader(loader)("a: 1\n")
    try:
        assert not hasattr(fast.resolve, "__self__")  # the instance's function, not the class's method
        assert fast.resolve(yaml.ScalarNode, "12", (True, False)) == "tag:yaml.org,2002:int"
        assert fast.resolve(yaml.ScalarNode, "12", (False, True)) == "tag:yaml.org,2002:str"
        assert fast.resolve(yaml.ScalarNode, "yes", (True, False)) == "tag:yaml.org,2002:str"
        assert fast.resolve(yaml.ScalarNode, "", (True, False)) == "tag:yaml.org,2002:null"
        assert fast.resolve(yaml.MappingNode, None, (True, False)) == "tag:yaml.org,2002:map"
        assert getattr(reference.resolve, "__func__", None) is yaml.resolver.BaseResolver.resolve
    finally:
        fast.dispose()
        reference.dispose()

    class ByPath(loader):  # type: ignore[misc,valid-type]
        pass

    ByPath.add_path_resolver("tag:yaml.org,2002:omap", ["s"], yaml.SequenceNode)
    assert yaml.load("s: [a: 1]\nt: [a: 1]\n", Loader=ByPath) == {"s": [("a", 1)], "t": [{"a": 1}]}  # noqa: S506
    assert yaml.load("s: [a: 1]\n", Loader=loader) == {"s": [{"a": 1}]}  # noqa: S506


def test_the_tags_are_deferred_only_in_a_text_without_tag_or_anchor_read_by_libyaml() -> None:
    """A catalog's text is composed with every tag deferred to the one pass; a text with a tag or an anchor, one
    not given as text, a subclass with a resolve or constructors of its own, and the pure-Python loader resolve
    each node as it is composed. Each gives what PyYAML gives (the one-pass test above)."""
    from tracker.catalog.load import _DEFERRED, strict_loader

    loader = strict_loader(True)
    if loader is strict_loader(False):
        pytest.skip("libyaml is not installed")

    def deferred(text: Any, cls: type = loader) -> bool:
        instance = cls(text)
        try:
            return instance.resolve is _DEFERRED and instance.descend_resolver is _DEFERRED
        finally:
            instance.dispose()

    catalog = (PREDICTIONS / "questions.yaml").read_text(encoding="utf-8")
    assert deferred(catalog) and deferred("a: 1\n")
    assert not deferred("a: !!str 1\n") and not deferred("a: &x 1\nb: *x\n") and not deferred(b"a: 1\n")
    assert not deferred("a: 1\n", strict_loader(False)) and not deferred("a: 1\n", _reference_loader(loader))

    class OwnInt(loader):  # type: ignore[misc,valid-type]
        pass

    OwnInt.add_constructor("tag:yaml.org,2002:int", lambda self, node: "an int")
    assert not deferred("a: 1\n", OwnInt)
    assert yaml.load("a: 1\n", Loader=OwnInt) == {"a": "an int"}  # noqa: S506
    assert yaml.load("a: 1\nb: x\n", Loader=loader) == {"a": 1, "b": "x"}  # noqa: S506


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: 1\na: 2\n", "line 2, column 1: duplicate key 'a'"),  # strictness lives in the constructor
        ("x: !!python/object/apply:os.system [echo]\n", "could not determine a constructor"),  # safe_load's safety
        ("x: [1, 2\n", "line 2, column 1"),  # parser errors: same place (libyaml words them differently)
        ("a: *nowhere\n", "line 1, column 4"),
        ("x: !!bool maybe\n", "its explicit tag cannot read ('maybe')"),  # PyYAML: a bare KeyError
        ("x: !!int abc\n", "its explicit tag cannot read (invalid literal"),  # PyYAML: a bare ValueError
    ],
)
def test_both_loaders_refuse_the_same_yaml_at_the_same_place(text: str, where: str) -> None:
    from tracker.catalog.load import _Errors, _parse_yaml, strict_loader

    for prefer_c in (True, False):
        errors = _Errors()
        assert _parse_yaml(text, "f.yaml", errors, strict_loader(prefer_c)) is None
        assert len(errors.items) == 1 and where in errors.items[0], (prefer_c, errors.items)


def test_loading_a_catalog_leaves_no_reference_cycle() -> None:
    """An import runs with the cyclic collector paused: what loading the catalog drops (the entries' field
    readers, nested ones for resolutions and annulments included) must be freed as it is dropped, not kept as
    cycles until the collector runs again."""
    import gc

    load_catalog([ROOT / "predictions"], today=TODAY)  # caches filled (the scale, the remembered slugs)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        catalog = load_catalog([ROOT / "predictions"], today=TODAY)
        assert any(q.resolution for q in catalog.questions.values())
        assert any(q.annulment for q in catalog.questions.values())
        del catalog
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


def test_questions_may_be_split_across_files_in_questions_dir(tmp_path: Path) -> None:
    pred = _build(tmp_path)
    _dump(pred / "questions" / "b.yaml", {"schema": 1, "questions": [_question(id="summit-2020", title="Later?")]})
    _dump(pred / "questions" / "a.yml", {"schema": 1, "questions": [_question(id="summit-2021", title="Later?")]})
    (pred / "questions" / "notes.txt").write_text("not a catalog file", encoding="utf-8")
    cat = load_catalog([pred], today=TODAY)
    assert set(cat.questions) == {"summit-2019", "summit-2020", "summit-2021"}
    assert cat.questions["summit-2021"].origin.endswith("a.yml")
    # a directory with only questions/ (no questions.yaml) is a predictions/ directory too
    (pred / "questions.yaml").rename(pred / "questions" / "first.yaml")
    assert set(load_catalog([pred], today=TODAY).questions) == {"summit-2019", "summit-2020", "summit-2021"}
    # an id in two question files is an error naming both
    _dump(pred / "questions" / "c.yaml", {"schema": 1, "questions": [_question(id="summit-2020")]})
    msg = _one(_errors(pred), pred / "questions" / "c.yaml", "summit-2020", "id")
    assert "duplicate" in msg and "b.yaml" in msg


def test_a_file_over_the_size_limit_is_refused_with_its_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.catalog import load as catalog_load

    pred = _build(tmp_path)
    size = (pred / "questions.yaml").stat().st_size
    monkeypatch.setattr(catalog_load, "MAX_FILE_BYTES", size - 1)
    msg = _one(_errors(pred), pred / "questions.yaml", "-", "-")
    assert f"file too large: {size} bytes" in msg and "questions/*.yaml" in msg


SECRET = "The summit is not on the agenda: SECRET-TEXT-OUTSIDE-THE-CATALOG, never to be read."


@pytest.mark.parametrize("how", ["file", "folder"])
def test_a_link_out_of_the_catalog_is_not_followed(tmp_path: Path, how: str) -> None:
    """A seed file that is a link to a file outside seeds/ (or sits in a linked folder) is refused without
    being read: no quote is checked against it and no passage of it is echoed in an error."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    pred = _build(tmp_path / "cat", sources=[_source(file="a.txt" if how == "file" else "linked/secret.txt")])
    seeds = tmp_path / "cat" / "seeds"
    if how == "file":
        (seeds / "a.txt").unlink()
        (seeds / "a.txt").symlink_to(outside / "secret.txt")
    else:
        (seeds / "linked").symlink_to(outside)
    errors = _errors(pred)
    assert "symbolic link" in _one(errors, seeds / "sources.yaml", "src-a", "file")
    assert not any("SECRET" in e for e in errors), errors


def test_a_link_inside_the_catalog_is_followed(tmp_path: Path) -> None:
    pred = _build(tmp_path)
    seeds = tmp_path / "seeds"
    (seeds / "a.txt").rename(seeds / "real.txt")
    (seeds / "a.txt").symlink_to("real.txt")
    assert load_catalog([pred], today=TODAY).sources["src-a"].text == SEED_TEXT


def test_catalog_files_linked_from_outside_are_not_read(tmp_path: Path) -> None:
    pred = _build(tmp_path / "cat")
    outside = tmp_path / "other.yaml"
    outside.write_text("schema: 1\nsource: src-a\nforecasts: []\n", encoding="utf-8")
    (pred / "forecasts" / "other.yaml").symlink_to(outside)
    assert "symbolic link" in _one(_errors(pred), pred / "forecasts" / "other.yaml", "-", "-")


def test_the_import_command_says_one_line_and_no_text_of_the_target(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tracker.cli.main import app

    outside = tmp_path / "secret.txt"
    outside.write_text(SECRET, encoding="utf-8")
    pred = _build(tmp_path / "cat")
    (tmp_path / "cat" / "seeds" / "a.txt").unlink()
    (tmp_path / "cat" / "seeds" / "a.txt").symlink_to(outside)
    db = f"sqlite:///{tmp_path}/l.sqlite"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db, "init"]).exit_code == 0
    result = runner.invoke(app, ["--db", db, "import", str(pred)])
    assert result.exit_code == 3, result.output
    assert "symbolic link" in result.stderr and "SECRET" not in result.output


@pytest.mark.parametrize("which", ["seed text", "catalog file"])
def test_a_fifo_is_refused_without_being_read(tmp_path: Path, which: str) -> None:
    """A FIFO would block the read forever (no writer) or feed it without end: refused by its kind, in a child
    process so that a regression shows as a timeout here, not a hung suite."""
    import os
    import subprocess
    import sys

    pred = _build(tmp_path / "cat")
    if which == "seed text":
        fifo = tmp_path / "cat" / "seeds" / "a.txt"
        fifo.unlink()
        target = pred
    else:
        fifo = tmp_path / "extra.yaml"
        target = fifo
    os.mkfifo(fifo)
    code = (
        "import sys\n"
        "from tracker.catalog import CatalogError, load_catalog\n"
        "try:\n"
        f"    load_catalog([{str(target)!r}])\n"
        "except CatalogError as e:\n"
        "    print('\\n'.join(e.errors))\n"
        "    sys.exit(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert f"{fifo}" in done.stdout  # named, as "not found" (a seed text) or "not a regular file" (a catalog)


def test_a_file_is_read_whole_whatever_its_size_when_asked(tmp_path: Path) -> None:
    """`_read_whole` (by the file descriptor) gives `Path.read_bytes`'s bytes: empty, small, larger than one read,
    and a file that grew or shrank after its size was asked."""
    from tracker.catalog.load import _read_whole

    for n, asked in ((0, 0), (1, 1), (5000, 5000), (3 << 20, 3 << 20), (5000, 10), (10, 5000), (5000, 0), (0, 7)):
        path = tmp_path / f"f{n}-{asked}"
        path.write_bytes(bytes(i % 251 for i in range(n)))
        assert _read_whole(path, asked) == path.read_bytes(), (n, asked)
    with pytest.raises(OSError):
        _read_whole(tmp_path / "missing", 0)


def test_resolving_a_file_in_a_resolved_folder_gives_what_resolving_it_whole_gives(tmp_path: Path) -> None:
    """`_inside` (the folder resolved once, then at most one lstat per file, none when the folder's listing said
    whether it is a link) against its definition, `Path.resolve` of the whole path and a comparison of the parts:
    plain files, links inside and outside, a link to a folder, a loop, a missing file, a linked folder; and
    `_yaml_files` (one `os.scandir`) against the folder's files by `Path.suffix` and `Path.is_file`."""
    from tracker.catalog.load import _inside, _resolved, _yaml_files

    def by_definition(path: Path, real_folder: Path | None) -> Path | None:
        real = _resolved(path)
        return real if real is not None and real_folder is not None and real.is_relative_to(real_folder) else None

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.yaml").write_text("x")
    real = tmp_path / "real"
    real.mkdir()
    (real / "plain.yaml").write_text("p")
    (real / "inside.yaml").symlink_to("plain.yaml")
    (real / "out.yaml").symlink_to(outside / "x.yaml")
    (real / "dir").symlink_to(outside)
    (real / "loop1").symlink_to("loop2")
    (real / "loop2").symlink_to("loop1")
    (real / "loop.yaml").symlink_to("loop.yaml")
    (real / "gone.yml").symlink_to("nowhere.yml")
    (real / "folder.yaml").mkdir()
    for name in (".yaml", ".yml", "..yaml", "a.yml", "b.yaml.bak", "c.YAML", "d.", "e.txt"):
        (real / name).write_text("n")
    (tmp_path / "linked").symlink_to(real)
    names = ["plain.yaml", "inside.yaml", "out.yaml", "dir", "loop1", "missing.yaml", "loop.yaml", ".."]
    for folder in (real, tmp_path / "linked", outside):
        real_folder = _resolved(folder)
        for name in names:
            path = folder / name
            for link in (None, path.is_symlink()):
                assert _inside(path, folder, real_folder, link) == by_definition(path, real_folder), (folder, name)
        # a path not directly in the folder is resolved whole
        assert _inside(folder / "dir" / "x.yaml", folder, real_folder) == by_definition(
            folder / "dir" / "x.yaml", real_folder
        )
        assert _inside(folder / "plain.yaml", folder, None) is None
        # every YAML name, a file or not (a folder, a loop, a dangling link): reading it refuses what is no file
        listed = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
        assert _yaml_files(folder) == [(p, p.is_symlink()) for p in listed]
    assert _inside(real / "out.yaml", real, _resolved(real)) is None
    assert [p.name for p, _ in _yaml_files(real)] == [
        "..yaml", "a.yml", "folder.yaml", "gone.yml", "inside.yaml", "loop.yaml", "out.yaml", "plain.yaml"
    ]  # fmt: skip


# ---------------------------------------------------------------- the fields the import does not check twice

_BAD = "a\u0007b"  # a control character: every text rule refuses it
_FUTURE = "2999-01-01"
_ANNULLED = {"resolution": None, "annulment": {"on": "2019-05-05", "reason": "r"}}

# (command, its field in CHECKED_FIELDS, the entry changed: "question" or "forecast" and its new fields, where the
# loader names the refusal: entry and field, the value the command would carry)
_CHECKED_CASES: list[tuple[str, str, str, dict[str, Any], tuple[str, str], Any]] = [
    ("OpenQuestion", "question_id", "question", {"id": "Bad Id"}, ("Bad Id", "id"), "Bad Id"),
    ("OpenQuestion", "title", "question", {"title": _BAD}, ("summit-2019", "title"), _BAD),
    ("OpenQuestion", "criteria", "question", {"criteria": _BAD}, ("summit-2019", "criteria"), _BAD),
    (
        "OpenQuestion",
        "options",
        "question",
        {"type": "multiple_choice", "options": ["a", "Bad Option"], "resolution": None},
        ("summit-2019", "options[1]"),
        ("a", "Bad Option"),
    ),
    ("OpenQuestion", "opened", "question", {"opened": _FUTURE}, ("summit-2019", "opened"), date(2999, 1, 1)),
    ("OpenQuestion", "tags", "question", {"tags": ["Bad Tag"]}, ("summit-2019", "tags[0]"), ("Bad Tag",)),
    ("OpenQuestion", "condition", "question", {"condition": _BAD}, ("summit-2019", "condition"), _BAD),
    ("RecordForecast", "forecast_id", "forecast", {"id": "Bad Id"}, ("Bad Id", "id"), "Bad Id"),
    (
        "RecordForecast",
        "forecaster_id",
        "forecast",
        {"forecaster_id": "Bad Id"},
        ("x-summit-unlikely", "forecaster_id"),
        "Bad Id",
    ),
    ("RecordForecast", "forecaster", "forecast", {"forecaster": _BAD}, ("x-summit-unlikely", "forecaster"), _BAD),
    ("RecordForecast", "role", "forecast", {"role": _BAD}, ("x-summit-unlikely", "role"), _BAD),
    (
        "RecordForecast",
        "made_at",
        "forecast",
        {"made_at": _FUTURE},
        ("x-summit-unlikely", "made_at"),
        date(2999, 1, 1),
    ),
    ("RecordForecast", "quote", "forecast", {"quote": _BAD}, ("x-summit-unlikely", "quote"), _BAD),
    ("RecordForecast", "hedge", "forecast", {"hedge": _BAD}, ("x-summit-unlikely", "hedge"), _BAD),
    (
        "ResolveQuestion",
        "known_on",
        "question",
        {"resolution": {"outcome": "yes", "known_on": _FUTURE, "evidence": "e"}},
        ("summit-2019", "resolution.known_on"),
        date(2999, 1, 1),
    ),
    (
        "ResolveQuestion",
        "evidence",
        "question",
        {"resolution": {"outcome": "yes", "known_on": "2019-06-28", "evidence": _BAD}},
        ("summit-2019", "resolution.evidence"),
        _BAD,
    ),
    (
        "AnnulQuestion",
        "on",
        "question",
        {"resolution": None, "annulment": {"on": _FUTURE, "reason": "r"}},
        ("summit-2019", "annulment.on"),
        date(2999, 1, 1),
    ),
    (
        "AnnulQuestion",
        "reason",
        "question",
        {"resolution": None, "annulment": {"on": "2019-05-05", "reason": _BAD}},
        ("summit-2019", "annulment.reason"),
        _BAD,
    ),
]


def test_every_field_the_checked_decide_leaves_to_its_caller_is_a_case_below() -> None:
    from tracker.domain.decide import CHECKED_FIELDS

    listed = {(cmd.__name__, name) for cmd, names in CHECKED_FIELDS.items() for name in names}
    assert listed == {(cmd, name) for cmd, name, *_ in _CHECKED_CASES}


@pytest.mark.parametrize(("command", "name", "kind", "change", "where", "value"), _CHECKED_CASES)
def test_the_loader_refuses_what_decide_refuses_in_each_field_decide_checked_skips(
    tmp_path: Path, command: str, name: str, kind: str, change: dict[str, Any], where: tuple[str, str], value: Any
) -> None:
    """`decide_checked` trusts the import's commands for these fields: each must be refused by the loader, with
    its one line naming the field, whenever `decide` itself would refuse it."""
    from datetime import UTC, datetime

    from tracker.domain import commands as c
    from tracker.domain import events as ev
    from tracker.domain.decide import decide
    from tracker.domain.state import QuestionState, evolve_question
    from tracker.errors import UserError

    now = datetime(2026, 11, 24, tzinfo=UTC)
    opened = {
        "question_id": "q",
        "title": "T",
        "criteria": "C",
        "kind": "binary",
        "options": ["yes", "no"],
        "opened": "2019-05-04",
        "resolve_by": None,
        "tags": [],
        "condition": None,
    }
    open_state = evolve_question(QuestionState("q"), ev.QUESTION_OPENED, opened)
    valid: dict[str, Any] = {
        "OpenQuestion": (QuestionState("q"), c.OpenQuestion("q", "T", "C", now, "binary", (), None, date(2019, 5, 4))),
        "RecordForecast": (
            open_state,
            c.RecordForecast("q", "f", "X", "x", {"yes": 0.5, "no": 0.5}, date(2019, 5, 4), now, quote="q"),
        ),
        "ResolveQuestion": (open_state, c.ResolveQuestion("q", "yes", date(2019, 6, 1), now, "e")),
        "AnnulQuestion": (open_state, c.AnnulQuestion("q", "r", now, date(2019, 6, 1))),
    }
    state, cmd = valid[command]
    if name == "options":
        cmd = c.OpenQuestion("q", "T", "C", now, "multiple_choice", ("a", "b"))
    decide(state, cmd)  # the command as it is: accepted
    with pytest.raises(UserError):
        decide(state, type(cmd)(**{**cmd.__dict__, name: value}))

    if kind == "question":
        pred = _build(tmp_path, questions=[_question(**change)])
        file = pred / "questions.yaml"
    else:
        pred = _build(tmp_path, forecasts=[_forecast(**change)])
        file = pred / "forecasts" / "src-a.yaml"
    assert _one(_errors(pred), file, *where)


def test_repeated_tags_and_options_are_refused_so_the_checked_decide_needs_no_dedupe(tmp_path: Path) -> None:
    """`decide` drops a repeated tag and refuses a repeated option; `decide_checked` takes the loader's lists as
    they are, so the loader refuses both."""
    pred = _build(tmp_path, questions=[_question(tags=["a", "b", "a"])])
    assert _one(_errors(pred), pred / "questions.yaml", "summit-2019", "tags") == "repeated item"
    q = _question(type="multiple_choice", options=["a", "b", "a"], resolution=None)
    pred = _build(tmp_path / "mc", questions=[q])
    assert _one(_errors(pred), pred / "questions.yaml", "summit-2019", "options") == "repeated item"


# ------------------------------------------------------------- a file's values of one field checked at once


def _many_forecasts(n: int) -> list[dict[str, Any]]:
    return [_forecast(id=f"f-{i:03d}", forecaster=f"Forecaster {i % 7}", role="analyst") for i in range(n)]


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("id", "F-200"),
        ("question", "Summit 2019"),
        ("forecaster", "X\tY"),
        ("forecaster_id", " x"),
        ("role", "r" * 201),
        ("quote", "a\x00b"),
        ("hedge", "\u202e"),
        ("rationale", 5),
        ("says", "likely\x7f"),
        ("reading", ["affirms"]),
        ("made_at", "2019-5-04"),
    ],
)
def test_a_bad_value_in_the_middle_of_a_large_file_is_named_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str, bad: Any
) -> None:
    from tracker.catalog import load

    forecasts = _many_forecasts(401)
    forecasts[200][field] = bad
    predictions = _build(tmp_path, forecasts=forecasts)
    errors = _errors(predictions)
    entry = "F-200" if field == "id" else "f-200"
    file = predictions / "forecasts" / "src-a.yaml"
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{file}: {entry}: {field}: ")
    # The same line as the per-value path gives (every column read value by value).
    monkeypatch.setattr(load, "_valid_columns", lambda *_: frozenset())
    assert _errors(predictions) == errors


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("forecaster", " Forecaster 3 "),
        ("role", "analyst\u00a0"),
        ("quote", "\tThe summit is unlikely to happen"),
        ("reading", "affirms "),
        ("hedge", ""),
        ("rationale", "   "),
    ],
)
def test_a_value_its_rule_changes_is_read_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str, value: Any
) -> None:
    from tracker.catalog import load

    forecasts = _many_forecasts(301)
    forecasts[150][field] = value
    predictions = _build(tmp_path, forecasts=forecasts)
    fast = load_catalog([predictions], today=TODAY)
    monkeypatch.setattr(load, "_valid_columns", lambda *_: frozenset())
    slow = load_catalog([predictions], today=TODAY)
    assert fast.forecasts == slow.forecasts
    assert getattr(fast.forecasts["f-150"], field, None) == getattr(slow.forecasts["f-150"], field, None)


def test_a_column_is_valid_exactly_when_its_rule_returns_every_value_unchanged() -> None:
    import random

    from tracker.catalog import load
    from tracker.domain import fields

    rules = {
        "id": (load._ID_COLUMN, lambda v: fields.identifier(v, "id")),
        "line": (load._LINE_COLUMN, lambda v: fields.short_text(v, "line", required=False)),
        "text": (load._TEXT_COLUMN, lambda v: fields.text(v, "text", required=False)),
    }

    def unchanged(rule: Any, value: str) -> bool:
        try:
            return bool(rule(value) == value)
        except Exception:
            return False

    alphabet = "ab-z0._ A\t\n\r\x00\x1f\x7f\x85\xa0\u1680\u2028\u200b\u202e\u3000\ufeff\ud800é王"
    rng = random.Random(26)
    checked = {True: 0, False: 0}
    for _ in range(4000):
        length = rng.choice([1, 2, 3, 5, 8, 119, 120, 121, 199, 200, 201])
        weights = [20] * 6 + [1] * (len(alphabet) - 6)
        value = "".join(rng.choices(alphabet, weights=weights, k=length))
        for key, (column, rule) in rules.items():
            expected = unchanged(rule, value)
            checked[expected] += 1
            assert (key in load._valid_columns([{key: value}], [(key, column)])) == expected, (key, value)
    assert min(checked.values()) > 1000
    for key, (column, rule) in rules.items():
        for value in ("x" * fields.MAX_TEXT, "x" * (fields.MAX_TEXT + 1)):
            assert (key in load._valid_columns([{key: value}], [(key, column)])) == unchanged(rule, value)
    # Several values: valid when each is; a value holding the separator, or not text, makes the column invalid.
    good = ["a", "b.c", "d-e"]
    assert "k" in load._valid_columns(
        [{"k": v} for v in good] + [{"k": None}, {}, "not a mapping"], [("k", load._ID_COLUMN)]
    )
    for bad in ("a\x00b", "A", 3, "a "):
        items = [{"k": v} for v in [*good, bad, *good]]
        assert "k" not in load._valid_columns(items, [("k", load._ID_COLUMN)])


def test_a_forecasters_id_follows_its_name_and_chosen_id_in_every_entry(tmp_path: Path) -> None:
    forecasts = _many_forecasts(40)
    for i, f in enumerate(forecasts):
        f["forecaster"] = "Ann Lee" if i % 2 else "Ann  Lee"
        if i % 3 == 0:
            f["forecaster_id"] = f"ann-{i % 2}"
    loaded = load_catalog([_build(tmp_path, forecasts=forecasts)], today=TODAY)
    for i in range(40):
        entry = loaded.forecasts[f"f-{i:03d}"]
        assert entry.forecaster == ("Ann Lee" if i % 2 else "Ann  Lee")
        assert entry.forecaster_id == (f"ann-{i % 2}" if i % 3 == 0 else "ann-lee")
        assert entry.chosen_forecaster_id == (f"ann-{i % 2}" if i % 3 == 0 else None)


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("id", "Q-200"),
        ("title", "A\nB"),
        ("criteria", "x\x1b"),
        ("type", "binary\u2066"),
        ("condition", 7),
        ("opened", "2019-05-4"),
        ("resolve_by", "2019-13-01"),
        ("resolution.outcome", "yes\x00"),
        ("resolution.evidence", ["It happened."]),
        ("resolution.known_on", "2019-06-31"),
    ],
)
def test_a_bad_value_in_the_middle_of_a_large_questions_file_is_named_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str, bad: Any
) -> None:
    from tracker.catalog import load

    questions = [_question(id=f"q-{i:03d}") for i in range(401)]
    questions.append(_question())  # the forecast's question
    if field.startswith("resolution."):
        questions[200]["resolution"] = dict(questions[200]["resolution"], **{field.split(".")[1]: bad})
    else:
        questions[200][field] = bad
    predictions = _build(tmp_path, questions=questions)
    errors = _errors(predictions)
    entry = "Q-200" if field == "id" else "q-200"
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{predictions / 'questions.yaml'}: {entry}: {field}: ")
    monkeypatch.setattr(load, "_valid_columns", lambda *_: frozenset())
    assert _errors(predictions) == errors


def test_questions_with_values_their_rules_change_are_read_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.catalog import load

    questions = [_question(id=f"q-{i:03d}") for i in range(300)] + [_question()]
    questions[10]["title"] = " Summit? "
    questions[20]["criteria"] = "YES if it happens.\r\n"
    questions[30]["condition"] = "  "
    questions[40]["resolution"] = dict(questions[40]["resolution"], evidence="\tIt happened.")
    predictions = _build(tmp_path, questions=questions)
    fast = load_catalog([predictions], today=TODAY)
    monkeypatch.setattr(load, "_valid_columns", lambda *_: frozenset())
    slow = load_catalog([predictions], today=TODAY)
    assert fast.questions == slow.questions
    assert fast.questions["q-010"].title == "Summit?"


def test_a_day_read_without_the_future_check_is_still_checked_where_it_applies(tmp_path: Path) -> None:
    questions = [_question(id=f"q-{i:03d}", resolve_by="2099-01-01") for i in range(5)] + [_question()]
    questions[3]["opened"] = "2099-01-01"
    errors = _errors(_build(tmp_path, questions=questions))
    assert _one(errors, tmp_path / "predictions" / "questions.yaml", "q-003", "opened") == "2099-01-01 is in the future"


@pytest.mark.parametrize(
    ("tags", "field"),
    [
        (["ok", "Bad Tag"], "tags[1]"),
        (["a", "b", "a"], "tags"),
        (["a", ""], "tags[1]"),
        (["a", None], "tags[1]"),
        ("a", "tags"),
        (["a\x00b"], "tags[0]"),
    ],
)
def test_a_bad_tag_in_the_middle_of_a_large_questions_file_is_named_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tags: Any, field: str
) -> None:
    from tracker.catalog import load

    questions = [_question(id=f"q-{i:03d}", tags=["summits", f"t-{i % 5}"]) for i in range(301)] + [_question()]
    questions[150]["tags"] = tags
    predictions = _build(tmp_path, questions=questions)
    errors = _errors(predictions)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{predictions / 'questions.yaml'}: q-150: {field}: ")
    monkeypatch.setattr(load, "_all_valid", lambda *_: False)
    monkeypatch.setattr(load, "_valid_columns", lambda *_: frozenset())
    assert _errors(predictions) == errors


def test_questions_tags_are_read_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.catalog import load

    questions = [_question(id=f"q-{i:03d}", tags=[f"t-{j}" for j in range(i % 4)]) for i in range(40)]
    questions.append(_question())
    predictions = _build(tmp_path, questions=questions)
    fast = load_catalog([predictions], today=TODAY)
    monkeypatch.setattr(load, "_all_valid", lambda *_: False)
    slow = load_catalog([predictions], today=TODAY)
    assert fast.questions == slow.questions
    assert fast.questions["q-003"].tags == ("t-0", "t-1", "t-2")
