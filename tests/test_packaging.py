"""The package ships what `tracker init` and `--says` need, from a wheel as well as a checkout."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tracker.store.migrate import script_location

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "tracker").rglob("__init__.py")}
    assert on_disk <= listed, f"packages missing from pyproject.toml: {sorted(on_disk - listed)}"
    assert config["package-dir"]["tracker._migrations"] == "migrations"
    assert {"tracker._migrations", "tracker._migrations.versions"} <= listed


def test_migrations_are_found() -> None:
    location = script_location()
    assert (location / "env.py").exists()
    assert sorted(p.name for p in (location / "versions").glob("0001_*.py"))


def test_the_learned_confidence_weights_ship_with_the_package() -> None:
    """`tracker extract --learned-confidence` reads its weights beside tracker/extract/confidence.py: from a wheel
    too, so the file is package data (each data file under tracker/extract is, by name or pattern)."""
    from fnmatch import fnmatch

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = data.get("tracker.extract", [])
    files = [
        p.name for p in (ROOT / "tracker" / "extract").iterdir() if p.suffix not in (".py", ".pyc") and p.is_file()
    ]
    assert "confidence_weights.json" in files
    assert [f for f in files if not any(fnmatch(f, pattern) for pattern in shipped)] == []
