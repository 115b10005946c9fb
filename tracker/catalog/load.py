"""Read and validate the curated catalog: ``predictions/`` (questions and forecasts) and ``seeds/sources.yaml``.

No database: this turns reviewable YAML files into typed entries, or fails with *every* problem found at
once (`CatalogError.errors`, each ``FILE: ENTRY_ID: FIELD: message``; ``-`` stands for "the whole file" or
"no single field"). The file formats are documented in ``predictions/README.md``.

YAML is read with a strict loader: dates stay text until checked here (so ``2019-13-01`` is reported, not
a crash), only ``true``/``false`` are booleans (``yes``, ``no`` and ``on`` stay words), and a key repeated
in one mapping is an error rather than a silent overwrite.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from itertools import repeat
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypeAlias

import yaml

from tracker.catalog import blockyaml
from tracker.domain import fields, timepoints
from tracker.domain.decide import known_after_opened
from tracker.domain.frozen import quick_init
from tracker.domain.quotes import closest_passage, find_quote
from tracker.domain.verbal import READINGS, Reading, Scale, UnknownPhrase, derive, load_scale
from tracker.errors import CatalogError as CatalogError
from tracker.errors import UserError

__all__ = [
    "MAX_FILE_BYTES",
    "SCHEMA",
    "AnnulmentEntry",
    "Catalog",
    "CatalogError",
    "HeldQuestion",
    "HeldSource",
    "LedgerLookup",
    "ForecastEntry",
    "QuestionEntry",
    "ResolutionEntry",
    "SourceEntry",
    "load_catalog",
    "slugify",
]

SCHEMA = 1
# One file is read whole and parsed into Python objects, which take about ten times its size in memory: the
# limit keeps a wrong file given by mistake (a log, a database dump) from taking the machine before it is
# refused. It is per file: a catalog larger than this splits its questions across predictions/questions/*.yaml
# and its forecasts across forecasts/*.yaml. 32 MB is about 45,000 questions written as in the README.
MAX_FILE_BYTES = 32 * 1024 * 1024

QuestionType: TypeAlias = Literal["binary", "multiple_choice"]
Method: TypeAlias = Literal["verbal", "stated", "judgement"]
BINARY_OPTIONS = ("yes", "no")


# ------------------------------------------------------------------------------------------- entries


@quick_init
@dataclass(frozen=True)
class SourceEntry:
    id: str
    title: str
    published: date
    outlet: str | None = None
    authors: tuple[str, ...] = ()
    date_basis: str | None = None
    url: str | None = None
    notes: str | None = None
    file: str | None = None  # as written, relative to the sources.yaml directory
    path: Path | None = None  # the seed file, resolved
    text: str | None = None  # the seed file's text, when it was read
    sha256: str | None = None  # of the seed file's bytes
    origin: str = ""  # the sources.yaml it came from


@quick_init
@dataclass(frozen=True)
class ResolutionEntry:
    outcome: str
    known_on: date
    evidence: str
    known_before_opened: bool = False  # the outcome was known before the question opened (hindsight for all)


@quick_init
@dataclass(frozen=True)
class AnnulmentEntry:
    on: date
    reason: str


@quick_init
@dataclass(frozen=True)
class QuestionEntry:
    id: str
    title: str
    criteria: str
    type: QuestionType
    options: tuple[str, ...]  # ("yes", "no") for binary questions
    opened: date
    resolve_by: date
    tags: tuple[str, ...] = ()
    condition: str | None = None
    resolution: ResolutionEntry | None = None
    annulment: AnnulmentEntry | None = None
    origin: str = ""

    @property
    def status(self) -> Literal["open", "resolved", "annulled"]:
        if self.annulment is not None:
            return "annulled"
        return "resolved" if self.resolution is not None else "open"


@quick_init
@dataclass(frozen=True)
class ForecastEntry:
    id: str
    source: str
    question: str
    forecaster: str
    made_at: date
    quote: str
    method: Method
    probabilities: Mapping[str, float]  # every option of the question; binary: {"yes": p, "no": 1 - p}
    p_yes: float | None  # binary questions; None for multiple choice
    p_low: float | None  # verbal: the scale interval read for YES; stated/judgement on binary: = p_yes
    p_high: float | None
    forecaster_id: str  # the chosen id, else the forecaster's name made an id (the domain's `id_from_name`)
    role: str | None = None
    hedge: str | None = None
    says: str | None = None  # the scale phrase, verbal forecasts only
    reading: Reading | None = None  # verbal forecasts only
    scale_version: int | None = None  # verbal forecasts only
    scale_digest: str | None = None  # verbal forecasts only: the content of that scale version (Scale.digest)
    rationale: str | None = None
    quote_verified: bool | None = None  # None: the source has no seed file to check against
    origin: str = ""
    chosen_forecaster_id: str | None = None  # the entry's forecaster_id, when it gives one

    @property
    def derivation(self) -> dict[str, Any]:
        """How the number was obtained, in the shape `tracker.domain.commands.RecordForecast` takes."""
        if self.method != "verbal":
            return {"method": self.method}
        return {
            "method": "verbal",
            "phrase": self.says,
            "scale_version": self.scale_version,
            "scale_digest": self.scale_digest,
            "reading": self.reading,
            "p_low": self.p_low,
            "p_high": self.p_high,
        }


@dataclass(frozen=True)
class Catalog:
    sources: Mapping[str, SourceEntry]
    questions: Mapping[str, QuestionEntry]
    forecasts: Mapping[str, ForecastEntry]  # in file order
    scale_version: int
    files: tuple[Path, ...] = field(default=())

    def forecasts_on(self, question_id: str) -> list[ForecastEntry]:
        return [f for f in self.forecasts.values() if f.question == question_id]

    def forecasts_from(self, source_id: str) -> list[ForecastEntry]:
        return [f for f in self.forecasts.values() if f.source == source_id]


@dataclass(frozen=True)
class HeldSource:
    """A source the ledger holds: what a forecast's quote is checked against."""

    id: str
    text: str | None


@dataclass(frozen=True)
class HeldQuestion:
    """A question the ledger holds: what a forecast on it is checked against."""

    id: str
    type: QuestionType
    options: tuple[str, ...]
    opened: date


@dataclass(frozen=True)
class LedgerLookup:
    """What the ledger already holds, for the ids a catalog's forecasts name without defining them: a source
    registered with `tracker source add`, a question opened with `tracker question add`, or either imported from
    another catalog. A draft from `tracker extract` names them so. Each returns None for an id the ledger does not
    hold. The entries it gives are checked against (quotes, options, the opening day) but not imported."""

    source: Callable[[str], HeldSource | None]
    question: Callable[[str], HeldQuestion | None]


def slugify(text: str) -> str:
    """``"Andrei Tikhonov"`` -> ``"andrei-tikhonov"``: the domain's rule, as the command line applies it."""
    return fields.id_from_name(text, "forecaster")


# ------------------------------------------------------------------------------------------ YAML


_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_BOOL = "tag:yaml.org,2002:bool"


class _Strict:
    """What makes a loader strict (mixed into a safe loader): no implicit dates, only true/false as booleans,
    duplicate keys refused. Construction and resolution are Python in both loaders; only the parser differs."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)  # type: ignore[attr-defined]
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
                try:
                    duplicate = key in seen
                except TypeError:
                    continue  # unhashable: the base class reports it
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]

    def construct_document(self, node: yaml.Node) -> Any:
        """The document's values, built in one pass when it holds only plain maps, lists and the standard scalar
        tags (a catalog always does); any other document (explicit or unknown tags, merge keys, recursive
        aliases, a duplicate or unhashable key, a scalar its constructor refuses) is built by the safe
        constructor itself, which gives its own values or its own error. The one pass gives what the safe
        constructor gives (tests/test_catalog.py compares them on every catalog of the tests and on hostile
        documents): the constructor's generic machinery (a generator per collection, the strict duplicate check
        constructing each key twice) was half of parsing a catalog (profiled)."""
        text = self._deferred_text
        if text is not None:
            try:
                return _Deferred(self).build(node)
            except Exception:  # noqa: BLE001 - anything the deferred pass does not take: the document composed
                return _load_resolved(type(self), text)  # again with each tag resolved, and built as below
        try:
            return _Plain(self).build(node)
        except Exception:  # noqa: BLE001 - _NotPlain, a RecursionError, a refused scalar: the safe constructor
            pass  # below gives what it gives, its own error included
        return super().construct_document(node)  # type: ignore[misc]

    # The implicit resolvers by first character, each list followed by the wildcard ones, as `Resolver.resolve`
    # tries them (joined there on every scalar); set by `_join_resolvers` once a loader's resolvers are final.
    _by_first: dict[str, list[Any]] = {}
    _wildcard: list[Any] = []
    _joined_for: Any = None  # the resolvers table they were joined from
    _deferred_text: str | None = None  # the document, when its tags are resolved by `_Deferred` (see __init__)

    def __init__(self, stream: Any, defer: bool = True) -> None:
        super().__init__(stream)  # type: ignore[call-arg]
        # The composer calls `self.resolve` once per node and `descend_resolver` / `ascend_resolver` around it
        # (640,000 nodes in a 10k-question catalog): where this loader's class resolves by `_Strict.resolve`
        # from lists joined for its own table and has no path resolvers, the instance takes plain functions
        # of the same rules instead (no method binding, no per-call checks of the table; the path-resolver
        # hooks are then no-ops, as PyYAML's are without path resolvers). A subclass with resolvers or a
        # resolve of its own keeps its class's methods.
        me: Any = self  # a loader: the resolver's attributes are PyYAML's, untyped
        cls: Any = type(self)
        if cls.yaml_path_resolvers or cls._joined_for is not cls.yaml_implicit_resolvers:
            return
        if cls.resolve is _Strict.resolve:
            me.resolve = _resolve_function(cls)
        if cls.descend_resolver is _BASE_DESCEND and cls.ascend_resolver is _BASE_ASCEND:
            me.descend_resolver = me.ascend_resolver = _no_path_resolvers
            # libyaml's composer calls those three Python functions for every node. In a text with no tag and no
            # anchor (no "!", no "&": a catalog), every node's tag is the resolver's, and the one pass over the
            # nodes (`_Deferred`) can resolve each scalar as it builds it: the composer is given a callable in C
            # that takes any arguments and returns "" (the tag it leaves on every node), for all three.
            if (
                defer
                and _CParser is not None
                and isinstance(self, _CParser)
                and me.resolve is cls._resolve_fn
                and type(stream) is str
                and "!" not in stream
                and "&" not in stream
                and _Plain.takes(self)
            ):
                me.resolve = me.descend_resolver = me.ascend_resolver = _DEFERRED
                me._deferred_text = stream

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        """The resolver's tag for a node, by its own rules (first-character resolvers, then the wildcard ones,
        then the default tag), from the lists joined once; a loader with path resolvers (none here) takes the
        resolver's general path, as does a subclass with resolvers of its own not joined."""
        if self._joined_for is not self.yaml_implicit_resolvers or self.yaml_path_resolvers:  # type: ignore[attr-defined]
            return super().resolve(kind, value, implicit)  # type: ignore[misc]
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self._by_first.get(value[:1], self._wildcard):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG  # type: ignore[attr-defined]
        if kind is yaml.SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG  # type: ignore[attr-defined]
        return self.DEFAULT_MAPPING_TAG  # type: ignore[attr-defined]


def _join_resolvers(loader: type) -> None:
    """Fix `_Strict.resolve`'s lists from the loader's implicit resolvers (call again if they change)."""
    table = loader.yaml_implicit_resolvers  # type: ignore[attr-defined]
    wildcard = list(table.get(None, []))
    loader._by_first = {first: rs + wildcard for first, rs in table.items() if first is not None}  # type: ignore[attr-defined]
    loader._wildcard = wildcard  # type: ignore[attr-defined]
    loader._joined_for = table  # type: ignore[attr-defined]
    loader._resolve_fn = None  # type: ignore[attr-defined]  # made again by `_resolve_function` from these lists


_BASE_DESCEND = yaml.resolver.BaseResolver.descend_resolver
_BASE_ASCEND = yaml.resolver.BaseResolver.ascend_resolver


def _no_path_resolvers(*_: Any) -> None:
    """`descend_resolver` and `ascend_resolver` of a loader without path resolvers: nothing to do."""


def _resolve_function(loader: type) -> Callable[[type, Any, tuple[bool, bool]], str]:
    """`_Strict.resolve` of ``loader`` as a plain function of (kind, value, implicit), made once per loader class
    from its joined lists and default tags: the same rules, in the same order."""
    cls: Any = loader
    fn = cls.__dict__.get("_resolve_fn")
    if fn is not None:
        return fn
    first = cls._by_first.get
    wildcard = cls._wildcard
    scalar_tag: str = cls.DEFAULT_SCALAR_TAG
    seq_tag: str = cls.DEFAULT_SEQUENCE_TAG
    map_tag: str = cls.DEFAULT_MAPPING_TAG
    scalar, sequence = yaml.ScalarNode, yaml.SequenceNode

    def resolve(kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is scalar:
            if implicit[0]:
                for tag, regexp in first(value[:1], wildcard):
                    if regexp.match(value):
                        return tag
            return scalar_tag
        return seq_tag if kind is sequence else map_tag

    cls._resolve_fn = resolve
    return resolve


class _NotPlain(Exception):
    """The document needs the safe constructor's general path."""


_CParser: type | None = getattr(getattr(yaml, "cyaml", None), "CParser", None)  # libyaml's, where installed
# Called by the composer with (kind, value, implicit), (parent, index) or nothing; gives "" whatever it is given.
_DEFERRED = "".format


def _load_resolved(loader: type, text: str) -> Any:
    """``text`` loaded by ``loader`` with each node's tag resolved as it is composed (not deferred)."""
    instance = loader(text, defer=False)
    try:
        return instance.get_single_data()
    finally:
        instance.dispose()


_STR, _NULL, _INT, _FLOAT = (f"tag:yaml.org,2002:{t}" for t in ("str", "null", "int", "float"))
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_KEY_TAGS = frozenset((_STR, _NULL, _BOOL, _INT, _FLOAT))  # the scalar keys the one pass builds
_SCALAR, _SEQUENCE, _MAPPING = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
_SAFE_CONSTRUCTORS = {
    tag: yaml.SafeLoader.yaml_constructors[tag] for tag in (_STR, _NULL, _BOOL, _INT, _FLOAT, _MAP, _SEQ)
}


class _Plain:
    """`_Strict.construct_document`'s one pass. An aliased node gives the same object each time, as PyYAML's
    constructor does; a node met again while it is being built (a recursive alias) is not plain."""

    @staticmethod
    def takes(constructor: Any) -> bool:
        """Only a loader that builds these tags with the safe constructor's own functions (a subclass may
        register its own)."""
        own = constructor.yaml_constructors
        return all(own.get(tag) is _SAFE_CONSTRUCTORS[tag] for tag in _SAFE_CONSTRUCTORS)

    def __init__(self, constructor: Any) -> None:
        if not self.takes(constructor):
            raise _NotPlain
        self.scalars = {
            _NULL: constructor.construct_yaml_null,
            _BOOL: constructor.construct_yaml_bool,
            _INT: constructor.construct_yaml_int,
            _FLOAT: constructor.construct_yaml_float,
        }
        self.built: dict[int, Any] = {}
        self.open: set[int] = set()

    def build(self, node: yaml.Node) -> Any:
        tag = node.tag
        if node.__class__ is _SCALAR:
            if tag == _STR:
                return node.value
            construct = self.scalars.get(tag)
            if construct is None:
                raise _NotPlain
            return construct(node)
        key = id(node)
        if key in self.built:
            return self.built[key]
        if key in self.open:
            raise _NotPlain
        self.open.add(key)
        cls = node.__class__
        value: Any
        # A text scalar (most nodes) is its own value, taken in the loops below without a call to `build`: the
        # call per scalar was a third of this pass (0.14 -> 0.09 s over a 10k-question catalog's nodes).
        if cls is _SEQUENCE and tag == _SEQ:
            value = [
                item.value if item.__class__ is _SCALAR and item.tag == _STR else self.build(item)
                for item in node.value
            ]
        elif cls is _MAPPING and tag == _MAP:
            value = {}
            for key_node, value_node in node.value:
                key_tag = key_node.tag
                if key_tag == _STR and key_node.__class__ is _SCALAR:
                    k = key_node.value
                elif key_tag in _KEY_TAGS:
                    k = self.build(key_node)
                else:  # merge, value, or a collection key
                    raise _NotPlain
                if k in value:  # a duplicate: the strict constructor words the error
                    raise _NotPlain
                if value_node.__class__ is _SCALAR and value_node.tag == _STR:
                    value[k] = value_node.value
                else:
                    value[k] = self.build(value_node)
        else:
            raise _NotPlain
        self.open.discard(key)
        self.built[key] = value
        return value


class _Deferred:
    """`_Plain`'s one pass over a document composed with every tag deferred (`_Strict.__init__`): no tag and no
    anchor in its text, so each node is met once and its tag is the resolver's, which this pass applies as
    `_resolve_function` does: a plain scalar (libyaml's style "", its `plain_implicit`) by the resolvers of
    its first character, any other scalar is text, a collection by its node's class. Anything else (a key
    that is not a scalar, a repeated key, a tag other than text, null, a boolean, an integer or a float, a
    refused value) raises, and the document is loaded again without deferring (`_load_resolved`)."""

    def __init__(self, constructor: Any) -> None:
        cls: Any = type(constructor)
        self.first = cls._by_first.get
        self.wildcard = cls._wildcard
        self.scalars = {
            _NULL: constructor.construct_yaml_null,
            _BOOL: constructor.construct_yaml_bool,
            _INT: constructor.construct_yaml_int,
            _FLOAT: constructor.construct_yaml_float,
        }

    def scalar(self, node: yaml.ScalarNode) -> Any:
        value = node.value
        if node.style == "":
            for tag, regexp in self.first(value[:1], self.wildcard):
                if regexp.match(value):
                    return self.scalars[tag](node)  # a KeyError for any other tag: not taken here
        return value

    def build(self, node: yaml.Node) -> Any:
        cls = node.__class__
        if cls is _SCALAR:
            return self.scalar(node)  # type: ignore[arg-type]
        if cls is _SEQUENCE:
            return [self.build(item) for item in node.value]
        if cls is not _MAPPING:
            raise _NotPlain
        first, wildcard, scalar = self.first, self.wildcard, self.scalar
        value: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not _SCALAR:
                raise _NotPlain
            k = key_node.value
            if key_node.style == "" and first(k[:1], wildcard):
                k = scalar(key_node)
            if k in value:  # a duplicate: the strict constructor words the error
                raise _NotPlain
            if value_node.__class__ is _SCALAR:
                v = value_node.value
                value[k] = scalar(value_node) if value_node.style == "" and first(v[:1], wildcard) else v
            else:
                value[k] = self.build(value_node)
        return value


class _StrictLoader(_Strict, yaml.SafeLoader):
    """The pure-Python strict loader: the fallback where libyaml is not installed."""


_RESOLVERS = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_TIMESTAMP, _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.yaml_implicit_resolvers = _RESOLVERS
_StrictLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_join_resolvers(_StrictLoader)

# libyaml's parser (PyYAML's CSafeLoader: the C parser under the same safe constructor and resolver as
# SafeLoader, so it builds only plain Python values, as safe_load does), made strict the same way. Parsing is
# most of a catalog import's time with the pure-Python parser; tests/test_catalog.py checks that both loaders
# give the same result, and the same errors, on the same files.
_CStrictLoader: type | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _CStrictLoaderImpl(_Strict, yaml.CSafeLoader):
        pass

    _CStrictLoaderImpl.yaml_implicit_resolvers = _StrictLoader.yaml_implicit_resolvers
    _join_resolvers(_CStrictLoaderImpl)
    _CStrictLoader = _CStrictLoaderImpl


# The safe constructor's functions of the scalar tags the block reader builds, by tag (both strict loaders build
# them with these: `_Plain.takes`).
_SAFE = yaml.constructor.SafeConstructor()
_BLOCK_SCALARS = {
    _NULL: _SAFE.construct_yaml_null,
    _BOOL: _SAFE.construct_yaml_bool,
    _INT: _SAFE.construct_yaml_int,
    _FLOAT: _SAFE.construct_yaml_float,
}


def strict_loader(prefer_c: bool = True) -> type:
    """The strict loader to use: libyaml's where it is installed (unless `prefer_c` is False)."""
    return _CStrictLoader if prefer_c and _CStrictLoader is not None else _StrictLoader


# ----------------------------------------------------------------------------------------- errors


class _Errors:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, file: str, entry: str, field_name: str, message: str) -> None:
        self.items.append(f"{file}: {entry}: {field_name}: {message}")


class _Fields:
    """Typed reads of one entry's fields, each failure recorded as ``FILE: ENTRY: FIELD: message``."""

    def __init__(self, errors: _Errors, file: str, entry: str, data: Mapping[str, Any], now: datetime) -> None:
        self.errors = errors
        self.file = file
        self.entry = entry
        self.data = data
        self.now = now
        self.ok = True
        # The days of texts already read at this ``now``, keyed by (text, not_future), when the loader shares
        # such a memo across entries (`date`): a catalog gives the same few days many times.
        self.days: dict[tuple[str, bool], date] | None = None

    def err(self, field_name: str, message: str) -> None:
        self.ok = False
        self.errors.add(self.file, self.entry, field_name, message)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def only(self, allowed: Iterable[str]) -> None:
        # A frozenset (the loaders' own field lists are) is tested whole first: every entry of a valid catalog
        # passes, and the loop below, in the entry's order, only words the refusals.
        if isinstance(allowed, frozenset) and self.data.keys() <= allowed:
            return
        for key in self.data:
            if key not in allowed:
                self.err(str(key), "unknown field")

    def check(self, key: str, rule: Any, *args: Any, **kwargs: Any) -> Any:
        """``rule(value, key, ...)``, one of the domain's field rules; its refusal recorded against ``key``."""
        try:
            return rule(self.data.get(key), key, *args, **kwargs)
        except UserError as e:
            self._refused(key, e)
            return None

    def _refused(self, key: str, e: UserError) -> None:
        self.err(key if e.field in (None, key) else e.field, e.message)

    def _not_text(self, key: str, value: Any, required: bool) -> None:
        """A value the text reads do not take: absent (an error when ``required``) or not text."""
        if value is None:
            if required:
                self.err(key, "required")
        else:
            self.err(key, f"must be text, not {_type_name(value)}")

    # The reads below call the domain's rule on the value directly (no `check` in between): these run for
    # every field of every entry, and the layers of calls were most of the loader's own time (profiled).

    def text(self, key: str, *, required: bool = True) -> str | None:
        """Free text: `tracker.domain.fields.text`."""
        value = self.data.get(key)
        if not isinstance(value, str):
            self._not_text(key, value, required)
            return None
        try:
            return fields.text(value, key, required=required)
        except UserError as e:
            self._refused(key, e)
            return None

    def line(self, key: str, *, required: bool = True, rule: Any = fields.short_text) -> str | None:
        """One line of text (a name, a title, a role): `tracker.domain.fields.short_text` or ``rule``."""
        value = self.data.get(key)
        if not isinstance(value, str):
            self._not_text(key, value, required)
            return None
        try:
            return rule(value, key) if rule is not fields.short_text else rule(value, key, required=required)
        except UserError as e:
            self._refused(key, e)
            return None

    def slug(self, key: str, *, required: bool = True) -> str | None:
        """An id: `tracker.domain.fields.identifier` (no trimming: surrounding whitespace is an error)."""
        value = self.data.get(key)
        if not isinstance(value, str):
            self._not_text(key, value, required)
            return None
        try:
            return fields.identifier(value, key)
        except UserError as e:
            self._refused(key, e)
            return None

    def text_list(self, key: str, *, rule: Any = fields.name) -> tuple[str, ...] | None:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.err(key, f"must be a list, not {_type_name(value)}")
            return None
        out: list[str] = []
        bad = False
        for i, item in enumerate(value):
            try:
                out.append(rule(item, f"{key}[{i}]"))
            except UserError as e:
                self.err(f"{key}[{i}]", e.message)
                bad = True
        if len(set(out)) != len(out):
            self.err(key, "repeated item")
        return None if bad else tuple(out)

    def date(self, key: str, *, required: bool = True, not_future: bool = True) -> date | None:
        value = self.data.get(key)
        days = self.days
        if days is not None and type(value) is str:
            known = days.get((value, not_future))
            if known is not None:
                return known
        if value is None:
            if required:
                self.err(key, "required")
            return None
        try:
            parsed = fields.day(value, key)
        except UserError as e:
            self._refused(key, e)
            return None
        if parsed is not None and not_future:
            try:
                fields.not_future(parsed, self.now, key)
            except UserError as e:
                self.err(key, e.message)
                return None
        if days is not None and parsed is not None and type(value) is str:
            days[value, not_future] = parsed
        return parsed

    def mapping(self, key: str) -> Mapping[str, Any] | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.err(key, f"must be a mapping, not {_type_name(value)}")
            return None
        return value

    def sub(self, key: str, data: Mapping[str, Any]) -> _Fields:
        """Fields of a nested mapping, reported as ``key.field``."""
        return _NestedFields(self, key, data)


class _NestedFields(_Fields):
    """`_Fields.sub`: a failure is recorded as ``key.field`` and fails the parent too. (A class rather than a
    closure set on the instance: that made a reference cycle per nested mapping, kept until the cyclic
    collector ran, and an import runs with it paused.)"""

    def __init__(self, parent: _Fields, key: str, data: Mapping[str, Any]) -> None:
        super().__init__(parent.errors, parent.file, parent.entry, data, parent.now)
        self.days = parent.days
        self.parent = parent
        self.prefix = key

    def err(self, field_name: str, message: str) -> None:
        self.parent.ok = False
        self.ok = False
        self.errors.add(self.file, self.entry, f"{self.prefix}.{field_name}", message)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__
    )


def _entry_label(item: Any, kind: str, index: int) -> str:
    if isinstance(item, dict):
        ident = item.get("id")
        if isinstance(ident, str) and ident.strip():
            return ident.strip()
    return f"{kind}[{index}]"


# ---------------------------------------------------------------------------------------- reading


def _read_bytes(path: Path, label: str, errors: _Errors, entry: str = "-", field_name: str = "-") -> bytes | None:
    try:
        info = path.stat()
    except OSError as exc:
        errors.add(label, entry, field_name, f"cannot read: {exc.strerror or exc}")
        return None
    # A FIFO or a device would block the read or never end it: only a regular file is read.
    if not stat.S_ISREG(info.st_mode):
        errors.add(label, entry, field_name, "not a regular file (a folder, FIFO or device is not read)")
        return None
    size = info.st_size
    if size > MAX_FILE_BYTES:
        errors.add(
            label,
            entry,
            field_name,
            f"file too large: {size} bytes (the limit is {MAX_FILE_BYTES} bytes, {MAX_FILE_BYTES >> 20} MB: "
            "split it, e.g. questions across predictions/questions/*.yaml)",
        )
        return None
    try:
        return _read_whole(path, size)
    except OSError as exc:
        errors.add(label, entry, field_name, f"cannot read: {exc.strerror or exc}")
        return None


def _read_whole(path: Path, size: int) -> bytes:
    """The file's bytes, ``size`` its size when asked (it may have changed since: read to its end whatever it is),
    by the file descriptor: `Path.read_bytes` made a file object and a buffer for each file, about half the time
    of reading a catalog's 4,000 small files (profiled)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        parts: list[bytes] = []
        while chunk := os.read(fd, size + 1 if not parts else 1 << 20):
            parts.append(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)
    finally:
        os.close(fd)


def _decode(raw: bytes, label: str, errors: _Errors, entry: str = "-", field_name: str = "-") -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        errors.add(
            label,
            entry,
            field_name,
            f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} (line {line})",
        )
        return None
    return text[1:] if text.startswith("\ufeff") else text


def _parse_yaml(text: str, label: str, errors: _Errors, loader: type | None = None) -> Any:
    loader = loader or strict_loader()
    if loader is _CStrictLoader or loader is _StrictLoader:
        # A catalog's plain block style read line by line (tracker.catalog.blockyaml), with this loader's own
        # resolvers and the safe constructor's functions; any other text is read by the loader as before.
        value = blockyaml.load(text, loader._by_first.get, loader._wildcard, _BLOCK_SCALARS)  # type: ignore[attr-defined]
        if value is not blockyaml.NOT_TAKEN:
            return value
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader or CSafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "unreadable"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        if "nesting depth" in problem:  # libyaml's own limit: the same refusal as the pure-Python loader's below
            problem = "nested too deeply"
        errors.add(label, "-", "-", f"malformed YAML{where}: {problem}")
    except yaml.YAMLError as exc:
        errors.add(label, "-", "-", f"malformed YAML: {exc}")
    except (ValueError, KeyError) as exc:
        # A scalar its explicit tag cannot read (`!!int abc`, `!!bool maybe`): PyYAML's constructor raises the
        # plain Python error, without a place.
        errors.add(label, "-", "-", f"malformed YAML: a value its explicit tag cannot read ({exc})")
    except RecursionError:
        # PyYAML composes and constructs recursively: a document nested thousands of levels deep exhausts the
        # interpreter's stack. No catalog entry is more than a few levels deep.
        errors.add(label, "-", "-", "malformed YAML: nested too deeply")
    return None


@dataclass
class _File:
    path: Path
    label: str
    kind: Literal["sources", "questions", "forecasts"]
    data: dict[str, Any]


def _resolved(path: Path) -> Path | None:
    """``path`` with its links followed; None for a loop of links."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return None


def _inside(path: Path, folder: Path, real_folder: Path | None, link: bool | None = None) -> Path | None:
    """``path`` with its links followed (`_resolved`) when it stays inside ``folder`` (``real_folder`` is ``folder``
    resolved), else None: a link in the catalog may point elsewhere in it, never out of it. ``link``: whether
    ``path`` is itself a symbolic link, when a listing of its folder said so (else one lstat).

    A file directly in ``folder`` that is not itself a link is the resolved folder and its name, inside it by
    construction: no resolving of every component of the path (2,000 forecasts files made it a tenth of reading a
    catalog's files, profiled), nor a comparison of the two paths' parts."""
    if real_folder is None:
        return None
    if path.parent == folder and path.name != ".." and not (path.is_symlink() if link is None else link):
        return real_folder / path.name
    real = _resolved(path)
    return real if real is not None and real.is_relative_to(real_folder) else None


def _yaml_suffix(name: str) -> bool:
    """`PurePath(name).suffix` is .yaml or .yml (a name that is only the suffix has none)."""
    dot = name.rfind(".")
    return 0 < dot < len(name) - 1 and name[dot:] in (".yaml", ".yml")


def _yaml_files(directory: Path) -> list[tuple[Path, bool | None]]:
    """The YAML names in ``directory`` in name order, each with whether it is itself a symbolic link: from one
    listing of the folder (`os.scandir` says it, where `Path.is_symlink` costs an `lstat` a file, most of finding a
    catalog's 2,000 files; profiled). A name that is not a readable file (a folder, a FIFO, a dangling link, a loop
    of links) is listed too, so that reading it refuses it by name: skipped, the import said it had succeeded
    without that file's entries."""
    found: list[tuple[str, bool | None]] = []
    with os.scandir(directory) as listing:
        for entry in listing:
            if _yaml_suffix(entry.name):
                found.append((entry.name, entry.is_symlink()))
    return [(directory / name, link) for name, link in sorted(found)]


def _expand(paths: Iterable[Path], errors: _Errors) -> list[Path]:
    """Directories to their YAML files: a predictions/ directory gives its questions.yaml, every file in its
    questions/ (a catalog's questions may be split across files) and forecasts/, and ``../seeds/sources.yaml``
    if present."""
    out: list[tuple[Path, Path | None]] = []  # (file, resolved)
    for path in paths:
        if path.is_dir():
            found: list[tuple[Path, Path, bool | None]] = []  # (file, the folder it must stay in, a link?)
            questions = path / "questions.yaml"
            question_files = path / "questions"
            forecasts = path / "forecasts"
            if questions.is_file() or question_files.is_dir() or forecasts.is_dir():
                if os.path.lexists(questions):  # read, or refused by name, whatever it is (as in `_yaml_files`)
                    found.append((questions, path, None))
                if question_files.is_dir():
                    found.extend((p, question_files, link) for p, link in _yaml_files(question_files))
                if forecasts.is_dir():
                    found.extend((p, forecasts, link) for p, link in _yaml_files(forecasts))
                seeds = path.parent / "seeds" / "sources.yaml"
                if seeds.is_file():
                    found.append((seeds, seeds.parent, None))
            elif (path / "sources.yaml").is_file():
                found.append((path / "sources.yaml", path, None))
            else:
                errors.add(
                    str(path),
                    "-",
                    "-",
                    "a directory with neither questions.yaml, questions/, forecasts/ nor sources.yaml",
                )
            folders: dict[Path, Path | None] = {}  # each folder resolved once: a catalog has thousands of files
            for file, folder, link in found:
                # a file found in a folder (not named by the user) is read only when it is really there
                if folder not in folders:
                    folders[folder] = _resolved(folder)
                real = _inside(file, folder, folders[folder], link)
                if real is not None:
                    out.append((file, real))
                elif _resolved(file) is None:
                    errors.add(str(file), "-", "-", "a loop of symbolic links: not followed")
                else:
                    errors.add(str(file), "-", "-", f"a symbolic link leading outside {folder}/: not followed")
        elif path.exists():
            out.append((path, _resolved(path) or path))
        else:
            errors.add(str(path), "-", "-", "not found")
    unique: list[Path] = []
    seen: set[Path | None] = set()
    for p, key in out:
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _classify(path: Path, errors: _Errors) -> _File | None:
    label = str(path)
    raw = _read_bytes(path, label, errors)
    if raw is None:
        return None
    text = _decode(raw, label, errors)
    if text is None:
        return None
    before = len(errors.items)
    data = _parse_yaml(text, label, errors)
    if data is None:
        if len(errors.items) == before:
            errors.add(label, "-", "-", "empty file")
        return None
    if not isinstance(data, dict):
        errors.add(label, "-", "-", f"the top level must be a mapping, not {_type_name(data)}")
        return None
    kinds = [k for k in ("sources", "questions", "forecasts") if k in data]
    if len(kinds) != 1:
        errors.add(label, "-", "-", "expected exactly one of the keys sources, questions, forecasts")
        return None
    kind: Literal["sources", "questions", "forecasts"] = kinds[0]  # type: ignore[assignment]
    schema = data.get("schema")
    if type(schema) is not int or schema != SCHEMA:  # (True and 1.0 equal 1)
        errors.add(label, "-", "schema", f"expected schema: {SCHEMA}, got {schema!r}")
        return None
    allowed = {"schema", kind} | ({"source"} if kind == "forecasts" else set())
    for key in data:
        if key not in allowed:
            errors.add(label, "-", str(key), "unknown top-level key")
    if not isinstance(data[kind], list):
        errors.add(label, "-", kind, f"must be a list, not {_type_name(data[kind])}")
        return None
    return _File(path, label, kind, data)


# ------------------------------------------------------------------------------------------ entries


# The fields each kind of entry may have (`_Fields.only`).
_SOURCE_FIELDS = frozenset(("id", "file", "title", "outlet", "authors", "published", "date_basis", "url", "notes"))
_QUESTION_FIELDS = frozenset(
    ("id", "title", "criteria", "type", "options", "opened", "resolve_by", "tags", "condition", "resolution")
    + ("annulment",)
)
_RESOLUTION_FIELDS = frozenset(("outcome", "known_on", "evidence", "known_before_opened"))
_ANNULMENT_FIELDS = frozenset(("on", "reason"))


def _load_sources(f: _File, errors: _Errors, now: datetime, out: dict[str, SourceEntry], where: dict[str, str]) -> None:
    base = f.path.parent
    real_base = _resolved(base)
    for i, item in enumerate(f.data["sources"]):
        entry = _entry_label(item, "sources", i)
        if not isinstance(item, dict):
            errors.add(f.label, entry, "-", f"an entry must be a mapping, not {_type_name(item)}")
            continue
        r = _Fields(errors, f.label, entry, item, now)
        r.only(_SOURCE_FIELDS)
        sid = r.slug("id")
        title = r.line("title", rule=fields.title)
        outlet = r.line("outlet", required=False)
        authors = r.text_list("authors")
        published = r.date("published")
        date_basis = r.text("date_basis", required=False)
        url = r.line("url", required=False, rule=fields.url)
        notes = r.text("notes", required=False)
        file_name = r.line("file", required=False)
        if file_name is None and url is None and r.ok:
            r.err("file", "a source needs a file, a url, or both")
        path: Path | None = None
        text: str | None = None
        digest: str | None = None
        if file_name is not None:
            rel = PurePosixPath(file_name)
            if rel.is_absolute() or ".." in rel.parts or "\\" in file_name:
                r.err("file", f"must be a path inside {base}/ (no absolute path, no '..'): {file_name!r}")
            else:
                path = base / rel
                if _inside(path, base, real_base) is None:
                    # never read: its text would be checked against the quotes and echoed as the closest passage
                    r.err(
                        "file",
                        f"{path} is a symbolic link (or passes through one) leading outside {base}/: not followed",
                    )
                elif not path.is_file():
                    r.err("file", f"not found: {path}")
                else:
                    raw = _read_bytes(path, f.label, errors, entry, "file")
                    if raw is not None:
                        digest = hashlib.sha256(raw).hexdigest()
                        text = _decode(raw, f.label, errors, entry, "file")
                    if text is None:
                        r.ok = False
        if sid is not None and sid in where:
            r.err("id", f"duplicate source id (first in {where[sid]})")
            continue
        if sid is not None:
            where[sid] = f.label
        if r.ok and sid and title and published and authors is not None:
            out[sid] = SourceEntry(
                id=sid,
                title=title,
                published=published,
                outlet=outlet,
                authors=authors,
                date_basis=date_basis,
                url=url,
                notes=notes,
                file=file_name,
                path=path,
                text=text,
                sha256=digest,
                origin=f.label,
            )


def _load_questions(
    f: _File, errors: _Errors, now: datetime, out: dict[str, QuestionEntry], where: dict[str, str]
) -> None:
    items = f.data["questions"]
    # As a forecasts file's (`_valid_columns`): a value of a column found valid is taken as it is.
    valid = _valid_columns(items, _QUESTION_COLUMNS)
    ok_id, ok_title, ok_criteria, ok_type, ok_condition = (
        k in valid for k in ("id", "title", "criteria", "type", "condition")
    )
    resolved = _valid_columns([item.get("resolution") for item in items if isinstance(item, dict)], _RESOLVED_COLUMNS)
    # Every tag of every list of tags, at once: valid when each is an id (an empty text, a number or a null
    # among them makes the check fail, and those lists take `text_list` as before).
    tag_values = [t for item in items if isinstance(item, dict) and type(ts := item.get("tags")) is list for t in ts]
    ok_tags = not tag_values or _all_valid(tag_values, _ID_COLUMN)
    days: dict[tuple[str, bool], date] = {}
    for i, item in enumerate(items):
        entry = _entry_label(item, "questions", i)
        if not isinstance(item, dict):
            errors.add(f.label, entry, "-", f"an entry must be a mapping, not {_type_name(item)}")
            continue
        r = _Fields(errors, f.label, entry, item, now)
        r.days = days
        r.only(_QUESTION_FIELDS)
        get = item.get
        qid = v if (v := get("id")) and ok_id else r.slug("id")
        title = v if (v := get("title")) and ok_title else r.line("title", rule=fields.title)
        criteria = v if (v := get("criteria")) and ok_criteria else r.text("criteria")
        qtype = v if (v := get("type")) and ok_type else r.line("type")
        if qtype is not None and qtype not in ("binary", "multiple_choice"):
            r.err("type", f"must be binary or multiple_choice, not {qtype!r}")
            qtype = None
        options: tuple[str, ...] | None = None
        if qtype == "binary":
            if r.has("options"):
                r.err("options", "binary questions take no options (they are yes and no)")
            options = BINARY_OPTIONS
        elif qtype == "multiple_choice":
            if not r.has("options"):
                r.err("options", "required for multiple_choice")
            else:
                options = r.text_list("options", rule=fields.option)
                if options is not None and len(options) < 2:
                    r.err("options", "a multiple_choice question needs at least two options")
                    options = None
        opened = r.date("opened")
        resolve_by = r.date("resolve_by", not_future=False)
        if opened and resolve_by and resolve_by < opened:
            r.err("resolve_by", f"{resolve_by.isoformat()} is before opened ({opened.isoformat()})")
        if ok_tags and type(v := get("tags")) is list:
            tags: tuple[str, ...] | None = tuple(v)
            if len(set(v)) != len(v):
                r.err("tags", "repeated item")
        else:
            tags = r.text_list("tags", rule=fields.tag)
        condition = v if (v := get("condition")) and ok_condition else r.text("condition", required=False)
        resolution = _resolution(r, options, resolved)
        if resolution is not None and opened is not None:
            try:
                known_after_opened(opened.isoformat(), resolution.known_on, resolution.known_before_opened)
            except UserError as e:
                r.err("resolution.known_on", e.message)
        annulment = _annulment(r)
        if resolution is not None and annulment is not None:
            r.err("annulment", "a question is either resolved or annulled, not both")
        if qid is not None and qid in where:
            r.err("id", f"duplicate question id (first in {where[qid]})")
            continue
        if qid is not None:
            where[qid] = f.label
        if r.ok and qid and title and criteria and qtype and options and opened and resolve_by and tags is not None:
            out[qid] = QuestionEntry(
                id=qid,
                title=title,
                criteria=criteria,
                type=qtype,  # type: ignore[arg-type]
                options=options,
                opened=opened,
                resolve_by=resolve_by,
                tags=tags,
                condition=condition,
                resolution=resolution,
                annulment=annulment,
                origin=f.label,
            )


def _resolution(
    r: _Fields, options: tuple[str, ...] | None, valid: frozenset[str] = frozenset()
) -> ResolutionEntry | None:
    """``valid``: the keys of the resolutions' columns found valid (`_valid_columns`)."""
    data = r.mapping("resolution")
    if data is None:
        return None
    s = r.sub("resolution", data)
    s.only(_RESOLUTION_FIELDS)
    raw = data.get("outcome")
    outcome: str | None = None
    if isinstance(raw, bool):
        s.err("outcome", 'write "yes" or "no" (quoted), not a YAML boolean')
    else:
        outcome = raw if raw and "outcome" in valid else s.text("outcome")
    if outcome is not None and options is not None and outcome not in options:
        s.err("outcome", f"{outcome!r} is not one of the options: {', '.join(options)}")
    known_on = s.date("known_on")
    evidence = v if (v := data.get("evidence")) and "evidence" in valid else s.text("evidence")
    before_opened = data.get("known_before_opened", False)
    if not isinstance(before_opened, bool):
        s.err("known_before_opened", f"must be true or false, not {_type_name(before_opened)}")
    if s.ok and outcome and known_on and evidence:
        return ResolutionEntry(outcome, known_on, evidence, before_opened is True)
    return None


def _annulment(r: _Fields) -> AnnulmentEntry | None:
    data = r.mapping("annulment")
    if data is None:
        return None
    s = r.sub("annulment", data)
    s.only(_ANNULMENT_FIELDS)
    on = s.date("on")
    reason = s.text("reason")
    if s.ok and on and reason:
        return AnnulmentEntry(on=on, reason=reason)
    return None


_FORECAST_FIELDS = frozenset(
    ("id", "question", "forecaster", "forecaster_id", "role", "made_at", "quote", "hedge", "says", "reading")
    + ("p", "method", "rationale")
)


# A file's values of one field checked at once: joined with NUL, a control character every text and id rule
# refuses (so no valid value holds one; the count of NULs catches a value that does), and matched by one
# expression that accepts exactly the values the field's rule returns unchanged: an id (`fields.identifier`'s
# own expression), one line (`fields.short_text`: at most MAX_SHORT characters, none of the refused ones, no
# surrounding whitespace) or free text (`fields.text`: tabs and line breaks allowed, no CR). `\s` is
# `str.isspace`, what `strip` drops. A column that fails (one bad value, a value that is not text) is read value
# by value as before, so each refusal keeps its one line naming its entry and field.
_SEP = "\x00"
_LINE_REFUSED = fields._FORBIDDEN_IN_LINE.pattern[1:-1]
_TEXT_REFUSED = fields._FORBIDDEN_IN_TEXT.pattern[1:-1]


def _column(value: str) -> re.Pattern[str]:
    return re.compile(f"(?>{value})(?:{_SEP}(?>{value}))*+")


_ID_COLUMN = _column(fields._VALID_ID.pattern)
_LINE_COLUMN = _column(rf"[^\s{_LINE_REFUSED}](?:[^{_LINE_REFUSED}]{{0,{fields.MAX_SHORT - 2}}}[^\s{_LINE_REFUSED}])?")
_TEXT_COLUMN = _column(rf"[^\s{_TEXT_REFUSED}](?:[^{_TEXT_REFUSED}]{{0,{fields.MAX_TEXT - 2}}}[^\s{_TEXT_REFUSED}])?")
_FORECAST_COLUMNS = (
    ("id", _ID_COLUMN),
    ("question", _ID_COLUMN),
    ("forecaster", _LINE_COLUMN),
    ("forecaster_id", _ID_COLUMN),
    ("role", _LINE_COLUMN),
    ("quote", _TEXT_COLUMN),
    ("hedge", _LINE_COLUMN),
    ("rationale", _TEXT_COLUMN),
    ("says", _LINE_COLUMN),
    ("reading", _LINE_COLUMN),
    ("method", _LINE_COLUMN),
)


_QUESTION_COLUMNS = (
    ("id", _ID_COLUMN),
    ("title", _column(rf"[^\s{_LINE_REFUSED}](?:[^{_LINE_REFUSED}]{{0,{fields.MAX_TEXT - 2}}}[^\s{_LINE_REFUSED}])?")),
    ("criteria", _TEXT_COLUMN),
    ("type", _LINE_COLUMN),
    ("condition", _TEXT_COLUMN),
)
_RESOLVED_COLUMNS = (("outcome", _TEXT_COLUMN), ("evidence", _TEXT_COLUMN))


def _valid_columns(items: Sequence[Any], columns: Iterable[tuple[str, re.Pattern[str]]]) -> frozenset[str]:
    """The keys whose every non-empty value among the mapping ``items`` is valid as it is (`_column`): for those,
    a truthy value is the rule's result; an empty or absent one still goes through the rule (for its error, or
    its None)."""
    entries = [item for item in items if isinstance(item, dict)]
    valid = set()
    for key, column in columns:
        values = list(filter(None, map(dict.get, entries, repeat(key))))
        if not values:
            valid.add(key)
            continue
        if _all_valid(values, column):
            valid.add(key)
    return frozenset(valid)


def _all_valid(values: list[Any], column: re.Pattern[str]) -> bool:
    """Every one of ``values`` (at least one) is text that ``column``'s value expression accepts whole."""
    if set(map(type, values)) != {str}:
        return False
    joined = _SEP.join(values)
    return joined.count(_SEP) == len(values) - 1 and column.fullmatch(joined) is not None


def _forecasts_source(
    f: _File,
    top: _Fields,
    sources: Mapping[str, SourceEntry],
    known_sources: Mapping[str, str],
    files_of_source: dict[str, str],
    ledger: LedgerLookup | None,
) -> tuple[str | None, str | None, str]:
    """A forecasts file's source: (its id, the text its quotes are checked against, where that text is)."""
    unknown = " (neither in the catalog nor in the ledger)" if ledger is not None else ""
    source_id = top.slug("source")
    source_text: str | None = None
    source_where = ""
    if source_id is not None:
        if source_id in known_sources:
            entry_ = sources.get(source_id)
            if entry_ is not None:
                source_text, source_where = entry_.text, str(entry_.path)
        else:
            held = ledger.source(source_id) if ledger is not None else None
            if held is None:
                top.err("source", f"unknown source {source_id!r}{unknown}")
            else:
                source_text, source_where = held.text, f"the ledger's source {source_id!r}"
        if f.path.stem != source_id:
            top.err("source", f"a forecasts file is named after its source: expected {source_id}.yaml")
        if source_id in files_of_source:
            top.err("source", f"the forecasts of {source_id!r} are already in {files_of_source[source_id]}")
        else:
            files_of_source[source_id] = f.label
    return source_id, source_text, source_where


def _forecast_probabilities(
    r: _Fields,
    item: dict[str, Any],
    question: QuestionEntry | HeldQuestion | None,
    scale: Scale,
    rationale: str | None,
    valid: frozenset[str] = frozenset(),
) -> tuple[
    Method | None,
    str | None,
    Reading | None,
    int | None,
    dict[str, float] | None,
    tuple[float | None, float | None, float | None],
]:
    """A forecast's number, said (a phrase on the verbal scale, read with its reading) or given (p, stated or the
    analyst's judgement): (method, says, reading, scale version, probabilities, (p_yes, p_low, p_high)).
    ``valid``: the keys of columns found valid (`_valid_columns`), whose values are taken as they are."""
    method: Method | None = None
    says: str | None = None
    reading: Reading | None = None
    version: int | None = None
    probabilities: dict[str, float] | None = None
    p_yes = p_low = p_high = None
    has_says, has_p = r.has("says"), r.has("p")
    if has_says == has_p:
        r.err("says", "give exactly one of says (a phrase on the verbal scale) or p (a number)")
    elif has_says:
        method = "verbal"
        says = v if (v := item.get("says")) and "says" in valid else r.line("says")
        raw_reading = v if (v := item.get("reading")) and "reading" in valid else r.line("reading")
        if raw_reading is not None and raw_reading not in READINGS:
            r.err("reading", f"must be affirms or negates, not {raw_reading!r}")
        elif raw_reading is not None:
            reading = raw_reading
        if r.has("method"):
            r.err("method", "a verbal forecast takes no method (it is derived from the scale)")
        phrase = None
        if says is not None:
            try:
                phrase = scale.lookup(says)
            except UnknownPhrase as exc:
                r.err("says", str(exc))
        if question is not None and question.type != "binary":
            r.err("says", "a verbal forecast needs a binary question")
        elif phrase is not None and reading is not None:
            p_yes, p_low, p_high = derive(phrase, reading)
            probabilities = fields.binary(p_yes)
            version = scale.version
    else:
        if r.has("reading"):
            r.err("reading", "only verbal forecasts (with says) take a reading")
        raw_method = v if (v := item.get("method")) and "method" in valid else r.line("method")
        if raw_method is not None and raw_method not in ("stated", "judgement"):
            r.err("method", f"must be stated or judgement, not {raw_method!r}")
        elif raw_method is not None:
            method = raw_method  # type: ignore[assignment]
        if method == "judgement" and rationale is None:
            r.err("rationale", "required when the number is the analyst's judgement")
        if question is not None:
            probabilities = _probabilities(r, item.get("p"), question)
            if probabilities is not None and question.type == "binary":
                p_yes = p_low = p_high = probabilities["yes"]
    return method, says, reading, version, probabilities, (p_yes, p_low, p_high)


def _load_forecasts(
    f: _File,
    errors: _Errors,
    now: datetime,
    scale: Scale,
    sources: Mapping[str, SourceEntry],
    questions: Mapping[str, QuestionEntry],
    known: tuple[Mapping[str, str], Mapping[str, str]],
    out: dict[str, ForecastEntry],
    where: dict[str, str],
    files_of_source: dict[str, str],
    ledger: LedgerLookup | None = None,
    days: dict[str, date] | None = None,
    valid: frozenset[str] | None = None,
    ids: dict[tuple[str, str | None], str] | None = None,
) -> None:
    """``known``: the source and question ids seen at all, valid or not (no "unknown" error for those); an id
    the catalog does not define is looked up in ``ledger``. Shared by a catalog's forecasts files: ``days``,
    the days of texts already read at this ``now``; ``valid``, the columns found valid over every file
    (`_valid_columns`; None: this file's); ``ids``, the forecaster ids made of (name, chosen id)."""
    if days is None:
        days = {}
    if ids is None:
        ids = {}
    known_sources, known_questions = known
    unknown = " (neither in the catalog nor in the ledger)" if ledger is not None else ""
    top = _Fields(errors, f.label, "-", f.data, now)
    source_id, source_text, source_where = _forecasts_source(f, top, sources, known_sources, files_of_source, ledger)
    items = f.data["forecasts"]
    if valid is None:
        valid = _valid_columns(items, _FORECAST_COLUMNS)
    ok_id, ok_question, ok_forecaster, ok_chosen = (
        k in valid for k in ("id", "question", "forecaster", "forecaster_id")
    )
    ok_role, ok_quote, ok_hedge, ok_rationale = (k in valid for k in ("role", "quote", "hedge", "rationale"))
    for i, item in enumerate(items):
        entry = _entry_label(item, "forecasts", i)
        if not isinstance(item, dict):
            errors.add(f.label, entry, "-", f"an entry must be a mapping, not {_type_name(item)}")
            continue
        if "draft" in item:
            # An unreviewed candidate from `tracker extract`: refused whole, so nothing unreviewed is imported.
            errors.add(f.label, entry, "draft", "an unreviewed draft entry: review it, then delete its draft mark")
            continue
        r = _Fields(errors, f.label, entry, item, now)
        r.only(_FORECAST_FIELDS)
        get = item.get
        # A value of a column found valid (`_valid_columns`) is taken as it is; any other value takes its rule.
        fid = v if (v := get("id")) and ok_id else r.slug("id")
        qid = v if (v := get("question")) and ok_question else r.slug("question")
        question: QuestionEntry | HeldQuestion | None = questions.get(qid) if qid else None
        if qid is not None and qid not in known_questions:
            question = ledger.question(qid) if ledger is not None else None
            if question is None:
                r.err("question", f"unknown question {qid!r}{unknown}")
        forecaster = v if (v := get("forecaster")) and ok_forecaster else r.line("forecaster", rule=fields.name)
        chosen_id = v if (v := get("forecaster_id")) and ok_chosen else r.slug("forecaster_id", required=False)
        forecaster_id = None
        if forecaster is not None and r.ok:
            # `fields.id_from_name` depends on these two alone, and a forecaster gives many forecasts.
            forecaster_id = ids.get((forecaster, chosen_id))
            if forecaster_id is None:
                forecaster_id = r.check("forecaster", fields.id_from_name, chosen_id, "forecaster_id")
                if forecaster_id is not None:
                    ids[forecaster, chosen_id] = forecaster_id
        role = v if (v := get("role")) and ok_role else r.line("role", required=False)
        # The same day is given by many forecasts: a text's day, once checked at this `now`, is remembered.
        made_at = days.get(v) if type(v := get("made_at")) is str else None
        if made_at is None:
            made_at = r.date("made_at")
            if made_at is not None and type(v) is str:
                days[v] = made_at
        if made_at and question and made_at < question.opened:
            fix = (
                f"tracker question clarify {question.id} --opened {made_at.isoformat()} --reason TEXT"
                if isinstance(question, HeldQuestion)
                else "give the question an earlier opened"
            )
            r.err(
                "made_at",
                f"{made_at.isoformat()} is before the question opened ({question.opened.isoformat()}); "
                f"if it was open by then: {fix}",
            )
        quote = v if (v := get("quote")) and ok_quote else r.text("quote")
        hedge = v if (v := get("hedge")) and ok_hedge else r.line("hedge", required=False)
        rationale = v if (v := get("rationale")) and ok_rationale else r.text("rationale", required=False)
        quote_verified: bool | None = None
        if quote is not None and source_text is not None:
            quote_verified = find_quote(source_text, quote)
            if not quote_verified:
                near = closest_passage(source_text, quote)
                r.err("quote", f"not found verbatim in {source_where}; closest passage: {near!r}")

        method, says, reading, version, probabilities, (p_yes, p_low, p_high) = _forecast_probabilities(
            r, item, question, scale, rationale, valid
        )

        if fid is not None and fid in where:
            r.err("id", f"duplicate forecast id (first in {where[fid]})")
            continue
        if fid is not None:
            where[fid] = f.label
        if (
            r.ok
            and fid
            and qid
            and source_id
            and forecaster
            and forecaster_id
            and made_at
            and quote
            and method
            and probabilities is not None
        ):
            out[fid] = ForecastEntry(
                id=fid,
                source=source_id,
                question=qid,
                forecaster=forecaster,
                made_at=made_at,
                quote=quote,
                method=method,
                probabilities=probabilities,
                p_yes=p_yes,
                p_low=p_low,
                p_high=p_high,
                forecaster_id=forecaster_id,
                role=role,
                hedge=hedge,
                says=says,
                reading=reading,
                scale_version=version,
                scale_digest=scale.digest if version is not None else None,
                rationale=rationale,
                quote_verified=quote_verified,
                origin=f.label,
                chosen_forecaster_id=chosen_id,
            )


def _probability(r: _Fields, name: str, value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        r.err(name, f"must be a number in [0, 1], not {_type_name(value)}")
        return None
    try:
        return fields.probability(value, name)
    except UserError as e:
        r.err(name, e.message)
        return None


def _probabilities(r: _Fields, value: Any, question: QuestionEntry | HeldQuestion) -> dict[str, float] | None:
    if question.type == "binary":
        p = _probability(r, "p", value)
        return None if p is None else fields.binary(p)
    if not isinstance(value, dict):
        r.err("p", "on a multiple_choice question, p maps each option to its probability")
        return None
    out: dict[str, float] = {}
    for key, v in value.items():
        if key not in question.options:
            r.err(f"p.{key}", f"not an option of {question.id}: {', '.join(question.options)}")
            continue
        p = _probability(r, f"p.{key}", v)
        if p is not None:
            out[key] = p
    if len(out) != len(value):
        return None
    try:
        return fields.distribution(out, question.options)
    except UserError as e:
        r.err("p", e.message)
        return None


# ------------------------------------------------------------------------------------------ entry point


def load_catalog(
    paths: Sequence[Path | str],
    *,
    sources: Path | str | None = None,
    scale: Scale | None = None,
    today: date | None = None,
    now: datetime | None = None,
    ledger: LedgerLookup | None = None,
) -> Catalog:
    """Load and validate a catalog; raise `CatalogError` listing every problem.

    ``paths`` may name the predictions/ directory (its questions.yaml and forecasts/*.yaml, plus
    ``seeds/sources.yaml`` beside it when there is one), a seeds/ directory, or single YAML files of any
    kind (recognised by their top-level key: sources, questions or forecasts). ``sources`` names a
    sources.yaml explicitly. Verbal forecasts are derived with ``scale`` (the latest packaged scale when
    None); dates in the future at ``now`` (the start of ``today``, else the clock) are refused as the domain
    refuses them (`tracker.domain.fields.not_future`), except resolve_by. A source or question that forecasts
    name and the catalog does not define is looked up in ``ledger`` (`LedgerLookup`), when given.
    """
    errors = _Errors()
    if now is None:
        now = datetime.combine(today, time(0), tzinfo=UTC) if today is not None else timepoints.utc_now()
    all_paths = [Path(p) for p in paths] + ([Path(sources)] if sources is not None else [])
    files: list[_File] = []
    try:
        expanded = _expand(all_paths, errors)
    except OSError as exc:  # a folder this process may not list (its permissions), a failing disk
        errors.add(str(exc.filename or all_paths[0]), "-", "-", f"cannot read: {exc.strerror or exc}")
        expanded = []
    for path in expanded:
        f = _classify(path, errors)
        if f is not None:
            files.append(f)
    scale = scale or load_scale()

    source_entries: dict[str, SourceEntry] = {}
    question_entries: dict[str, QuestionEntry] = {}
    forecast_entries: dict[str, ForecastEntry] = {}
    seen_sources: dict[str, str] = {}
    seen_questions: dict[str, str] = {}
    seen_forecasts: dict[str, str] = {}
    files_of_source: dict[str, str] = {}
    days: dict[str, date] = {}
    ids: dict[tuple[str, str | None], str] = {}
    # Every forecasts file's values of a field checked at once: a catalog's files hold a few entries each.
    valid = _valid_columns(
        [item for f in files if f.kind == "forecasts" for item in f.data["forecasts"]], _FORECAST_COLUMNS
    )
    for f in files:
        if f.kind == "sources":
            _load_sources(f, errors, now, source_entries, seen_sources)
    for f in files:
        if f.kind == "questions":
            _load_questions(f, errors, now, question_entries, seen_questions)
    for f in files:
        if f.kind == "forecasts":
            _load_forecasts(
                f,
                errors,
                now,
                scale,
                source_entries,
                question_entries,
                (seen_sources, seen_questions),
                forecast_entries,
                seen_forecasts,
                files_of_source,
                ledger,
                days,
                valid,
                ids,
            )
    if errors.items:
        raise CatalogError(errors.items)
    return Catalog(
        sources=source_entries,
        questions=question_entries,
        forecasts=forecast_entries,
        scale_version=scale.version,
        files=tuple(f.path for f in files),
    )
