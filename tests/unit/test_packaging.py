"""What a built wheel carries: the gettext catalogs are package data (`.ci/wheel-smoke` builds and installs
a real wheel; this is the quick check that runs with every test run)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_catalog_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["sigap_core"]
    package = ROOT / "sigap_core"
    catalogs = sorted(path.relative_to(package).as_posix() for path in package.glob("locales/*/LC_MESSAGES/*.po"))
    assert catalogs == ["locales/en/LC_MESSAGES/messages.po", "locales/id/LC_MESSAGES/messages.po"]
    left_out = [catalog for catalog in catalogs if not any(fnmatch(catalog, pattern) for pattern in patterns)]
    assert not left_out, f"not in the wheel: {left_out}"
