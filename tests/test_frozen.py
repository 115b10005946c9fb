"""`tracker.domain.frozen.quick_init`: the one-step ``__init__`` makes what the dataclass's own makes, on every class
that uses it, and refuses a class it would not make the same."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field
from typing import Any

import pytest

from tracker.catalog import load
from tracker.domain import commands, events, state
from tracker.domain.frozen import quick_init

MODULES = (commands, events, state, load)
USERS = [
    cls
    for module in MODULES
    for cls in vars(module).values()
    if isinstance(cls, type) and cls.__module__ == module.__name__ and "_dataclass_init" in cls.__dict__
]


def test_the_import_path_uses_it() -> None:
    names = {cls.__name__ for cls in USERS}
    assert {"ForecastEntry", "QuestionEntry", "SourceEntry", "RecordForecast", "OpenQuestion"} <= names
    # Not the events: the chain reads each one's fields in turn, and an instance whose dict was written whole
    # reads them slower (no inline values): the chain took 5-10% longer than the build saved (BENCHMARKS.md).
    assert "Event" not in names
    assert {"ForecastState", "ResolutionEntry", "AnnulmentEntry", "ResolveQuestion", "AnnulQuestion"} <= names


def _values(cls: type, seed: int) -> list[Any]:
    """A distinct value for each field (a fresh list each, so sharing would show)."""
    return [[cls.__name__, f.name, seed] for f in dataclasses.fields(cls)]


@pytest.mark.parametrize("cls", USERS, ids=lambda cls: cls.__name__)
def test_same_instance_as_the_dataclass_init(cls: type) -> None:
    fields = dataclasses.fields(cls)
    required = [f for f in fields if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]

    def both(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        quick = cls(*args, **kwargs)
        slow = object.__new__(cls)
        cls._dataclass_init(slow, *args, **kwargs)  # type: ignore[attr-defined]
        return quick, slow

    # every field positional; every field by keyword; only the required ones (defaults and factories)
    values = _values(cls, 1)
    for args, kwargs in (
        (values, {}),
        ((), {f.name: v for f, v in zip(fields, values, strict=True)}),
        (values[: len(required)], {}),
    ):
        quick, slow = both(*args, **kwargs)
        assert quick.__dict__ == slow.__dict__
        assert list(quick.__dict__) == [f.name for f in fields]  # the dataclass's order (repr, fields)
        assert quick == slow and repr(quick) == repr(slow)
        for name in quick.__dict__:
            assert quick.__dict__[name] is slow.__dict__[name] or isinstance(quick.__dict__[name], dict | list)
    # a factory gives each instance its own value, as the dataclass's does
    first, second = cls(*values[: len(required)]), cls(*values[: len(required)])
    for f in fields:
        if f.default_factory is not dataclasses.MISSING:
            assert getattr(first, f.name) == f.default_factory()
            assert getattr(first, f.name) is not getattr(second, f.name)
    # still frozen, and the same parameters
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.__setattr__(fields[0].name, "changed")
    assert list(inspect.signature(cls).parameters) == [f.name for f in fields]
    with pytest.raises(TypeError):
        cls(*values, "one too many")
    if required:
        with pytest.raises(TypeError):
            cls(*values[: len(required) - 1])
    assert dataclasses.replace(first, **{fields[0].name: "other"}) == cls("other", *values[1 : len(required)])


def test_refuses_what_it_would_not_make_the_same() -> None:
    @dataclass
    class NotFrozen:
        a: int

    @dataclass(frozen=True)
    class WithPostInit:
        a: int

        def __post_init__(self) -> None:  # pragma: no cover - never called
            pass

    @dataclass(frozen=True)
    class NotInInit:
        a: int
        b: int = field(default=0, init=False)

    @dataclass(frozen=True, kw_only=True)
    class KeywordOnly:
        a: int

    @dataclass(frozen=True, slots=True)
    class Slots:
        a: int

    for cls in (NotFrozen, WithPostInit, NotInInit, KeywordOnly, Slots, int):
        with pytest.raises(TypeError):
            quick_init(cls)


def test_a_field_left_out_would_show() -> None:
    """The comparison above can fail: an `__init__` that drops a field, or shares a factory's value, differs."""

    @quick_init
    @dataclass(frozen=True)
    class Two:
        a: int
        b: list[int] = field(default_factory=list)

    assert Two(1).__dict__ == {"a": 1, "b": []} and Two(1).b is not Two(1).b
    Two.__init__ = lambda self, a, b=[]: object.__setattr__(self, "__dict__", {"a": a})  # type: ignore[method-assign]  # noqa: B006
    slow = object.__new__(Two)
    Two._dataclass_init(slow, 1)  # type: ignore[attr-defined]
    assert Two(1).__dict__ != slow.__dict__
