"""The curated catalog: predictions/ (questions, forecasts) and seeds/sources.yaml, read and validated.

Pure file reading and validation, no database; `tracker.app` imports a loaded `Catalog` into the ledger.
"""

from tracker.catalog.load import (
    MAX_FILE_BYTES,
    SCHEMA,
    AnnulmentEntry,
    Catalog,
    CatalogError,
    ForecastEntry,
    QuestionEntry,
    ResolutionEntry,
    SourceEntry,
    load_catalog,
    slugify,
)

__all__ = [
    "MAX_FILE_BYTES",
    "SCHEMA",
    "AnnulmentEntry",
    "Catalog",
    "CatalogError",
    "ForecastEntry",
    "QuestionEntry",
    "ResolutionEntry",
    "SourceEntry",
    "load_catalog",
    "slugify",
]
