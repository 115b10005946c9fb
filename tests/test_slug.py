"""One slug function: the command line and the catalog give a forecaster the same id."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.app.ledger import slugify as cli_slug
from tracker.catalog.load import slugify as catalog_slug
from tracker.domain.decide import SLUG
from tracker.errors import UserError


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Andrei Tikhonov", "andrei-tikhonov"), ("Zoë  O'Brien-Smith", "zoe-o-brien-smith"), ("  Ünal ", "unal")],
)
def test_examples(name: str, expected: str) -> None:
    assert cli_slug(name) == catalog_slug(name) == expected


@given(st.text(min_size=1, max_size=300))
def test_same_id_everywhere_and_always_a_valid_id(name: str) -> None:
    try:
        got = cli_slug(name)
    except UserError:
        assert catalog_slug(name) == "unknown"
        return
    assert got == catalog_slug(name)
    assert SLUG.match(got)
