"""Counted nouns, for every message the product prints ("1 question", "2 questions", "0 forecasts").

Below every layer (like tracker.errors), so the domain's messages, the scoring job's verdicts, the pages and the
command line say a count the same way."""

from __future__ import annotations

__all__ = ["noun", "plural"]


def noun(n: int, singular: str, plural: str | None = None) -> str:
    """The noun for ``n`` things: ``singular`` for exactly one, else ``plural`` (by default ``singular + "s"``)."""
    return singular if n == 1 else (plural if plural is not None else singular + "s")


def plural(n: int, singular: str, plural: str | None = None) -> str:
    """``plural(1, "question")`` is "1 question"; 0 and 2 take the plural ("questions", or the one given)."""
    return f"{n} {noun(n, singular, plural)}"
