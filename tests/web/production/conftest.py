"""Fixtures of the fleet tests: a clock the test moves, the virtual printers on it, and
centers open around the clock (opening hours have tests of their own)."""

from __future__ import annotations

import pytest

from tests.web.production.fleet_helpers import Clock, Shelf


@pytest.fixture
def always_open(settings):
    settings.PRODUCTION_ALWAYS_OPEN = True


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def shelf(clock):
    return Shelf(clock)
