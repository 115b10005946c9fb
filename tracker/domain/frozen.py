"""Frozen dataclasses whose instances are made in one step (`quick_init`).

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__`` (the class's own
``__setattr__`` refuses every write), one call per field. An import makes a catalog entry and a command for each of
tens of thousands of entries (4 µs for a forecast's 22-field entry, 3 µs for its command, profiled). `quick_init`
gives the class an ``__init__`` with the same parameters, defaults and factories that writes the instance's whole
``__dict__`` at once, in about half the time. Nothing else changes: the fields stay read-only, equality, hashing,
``repr`` and `dataclasses.replace` are the dataclass's own. tests/test_frozen.py compares both ``__init__``s on
every class that uses it.

The cost: such an instance keeps its fields in a dict of its own rather than the interpreter's inline values, and
each read of a field is a little slower. It pays for objects made once and read a few times (the entries, the
commands); not for the events, whose fields the hash chain reads in loops over every event (5-10% slower there,
more than their making saved; BENCHMARKS.md).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

_T = TypeVar("_T")
_FACTORY: Any = type("_Factory", (), {"__repr__": lambda self: "<factory>"})()  # a factory's default, as shown


def quick_init(cls: type[_T]) -> type[_T]:
    """Give the frozen dataclass ``cls`` an ``__init__`` that writes its fields in one step (see the module's note).

    Only for what that ``__init__`` would do the same: every field in ``__init__`` and positional, no
    ``__post_init__``, no slots. The dataclass's own ``__init__`` is kept as ``_dataclass_init``."""
    if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__} is not a frozen dataclass")
    if hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__} has a __post_init__ or slots: its own __init__ is needed")
    names: list[str] = []
    params: list[str] = []
    factories: list[str] = []
    scope: dict[str, Any] = {"_set": object.__setattr__, "_FACTORY": _FACTORY}
    for f in dataclasses.fields(cls):
        if not f.init or f.kw_only:
            raise TypeError(f"{cls.__name__}.{f.name} is not a positional parameter of __init__")
        names.append(f.name)
        if f.default is not dataclasses.MISSING:
            scope[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            scope[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_FACTORY")
            factories.append(f"    if {f.name} is _FACTORY:\n        {f.name} = _factory_{f.name}()\n")
        else:
            params.append(f.name)
    values = ", ".join(f"{name!r}: {name}" for name in names)
    header = f"def __init__(self, {', '.join(params)}):\n"
    source = header + "".join(factories) + f"    _set(self, '__dict__', {{{values}}})\n"
    exec(source, scope)  # noqa: S102 - the text is made above from the class's own field names, as dataclasses does
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    cls._dataclass_init = cls.__init__  # type: ignore[attr-defined]
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
