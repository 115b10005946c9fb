"""One exception hierarchy for the whole project.

Driver errors (sqlite3, psycopg, SQLAlchemy) are translated into these at the store boundary
(`tracker.store.db.translate_errors`; each backend, tracker.store.sqlite and tracker.store.postgres, recognises
its driver's errors by class and code), so the CLI and the Python API only ever see `TrackerError`s.
Each class carries the process exit code the CLI uses for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class TrackerError(Exception):
    """Base of every error the tracker raises on purpose."""

    exit_code = 1


class UserError(TrackerError):
    """Bad input from a user: a field or value that cannot be accepted. Nothing was written."""

    exit_code = 3

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class InvalidData(UserError, ValueError):
    """Data the tracker was handed that it cannot use: a catalog, a verbal scale, a phrase. Also a ValueError, as
    the pure layers that raise these are parsers and callers catch them as such."""


class CatalogError(InvalidData):
    """The catalog did not validate. ``errors`` lists every problem, one ``FILE: ENTRY: FIELD: message`` each."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors: list[str] = list(errors)
        n = len(self.errors)
        super().__init__(f"{n} catalog error{'s' if n != 1 else ''}:\n" + "\n".join(self.errors))


class ScaleError(InvalidData):
    """A scale file that cannot be used (missing, malformed, inconsistent)."""


class UnknownPhrase(InvalidData):
    """A phrase that is on the scale neither as a phrase nor as an alias."""

    def __init__(self, phrase: str, suggestions: Iterable[str], version: int) -> None:
        self.phrase = phrase
        self.suggestions = tuple(suggestions)
        self.version = version
        hint = ", ".join(repr(s) for s in self.suggestions)
        super().__init__(
            f"unknown phrase {phrase!r} on verbal scale v{version}" + (f"; nearest: {hint}" if hint else "")
        )


class NotFound(UserError):
    """A question, forecast or source id that the ledger does not hold."""

    exit_code = 4


class IllegalTransition(UserError):
    """A command the question's lifecycle does not allow now (resolving twice, forecasting on an annulled one)."""

    exit_code = 5


class ConflictError(TrackerError):
    """Optimistic concurrency: the stream moved on since it was read. Nothing was written."""

    exit_code = 6

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class IntegrityError(TrackerError):
    """The ledger failed verification: a broken hash chain or projections that differ from a replay."""

    exit_code = 7


class DatabaseError(TrackerError):
    """The database could not be used: missing, unreachable, read-only, or from a newer schema."""

    exit_code = 8


class DatabaseBusy(DatabaseError):
    """Another writer held the database longer than the busy timeout. Nothing was written."""

    exit_code = 9


class AppendOnlyViolation(DatabaseError):
    """The database refused an UPDATE, DELETE or TRUNCATE of the events table."""


class SerializationConflict(DatabaseError):
    """A snapshot transaction read a row that another transaction changed after the snapshot was taken."""


class LeaseLost(DatabaseError):
    """The scoring lease expired and another run took it before this one wrote. Nothing was written."""


class LockHeld(TrackerError):
    """Another scoring run holds the lease or lock: this run is skipped (and recorded as skipped)."""


class ScoringFailed(TrackerError):
    """A scoring run failed. It was recorded (`tracker runs`) and the previous scores are intact."""

    exit_code = 10
