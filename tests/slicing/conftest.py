"""Fixtures of the slicing tests: PrusaSlicer's vendor bundles and the catalog built on them."""

from __future__ import annotations

import pytest

from printhub.slicing.catalog import Catalog, load_catalog
from printhub.slicing.profiles import DEFAULT_PROFILES_DIR, VendorBundle, load_bundles
from tests.conftest import require


@pytest.fixture
def bundles() -> dict[str, VendorBundle]:
    require(DEFAULT_PROFILES_DIR.is_dir(), "PrusaSlicer's vendor profiles (Debian prusa-slicer)")
    return load_bundles(DEFAULT_PROFILES_DIR)


@pytest.fixture
def catalog(bundles) -> Catalog:
    return load_catalog()
