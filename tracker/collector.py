"""Python's cyclic garbage collector paused around work that holds many objects and makes no cycles worth
collecting (an import, a bulk append, a scoring run, a site's reads). Below every layer, like tracker.words.

Each caller says why at its call site; what they share is the rule: reference counting still frees what is
dropped, and the collector is back as it was after the block, on error too."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """No pass of the cyclic garbage collector in the block; enabled again after only if it was before."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
