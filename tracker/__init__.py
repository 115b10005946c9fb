"""forecast-tracker: keep score of public forecasts.

`from tracker import Ledger` gives the Python API. It is imported lazily so that `tracker --help`
does not pay for SQLAlchemy and pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from tracker.app.ledger import Ledger


def __getattr__(name: str) -> Any:
    if name == "Ledger":
        from tracker.app.ledger import Ledger

        return Ledger
    raise AttributeError(name)


__all__ = ["Ledger", "__version__"]
