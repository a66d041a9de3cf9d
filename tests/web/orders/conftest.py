"""Fixtures of the order tests: quote options and orders of the demo people."""

from __future__ import annotations

import pytest

from printhub.orders import services
from tests.web.orders import factories


@pytest.fixture
def make_option(people):
    """make_option("student", total_krw=33_000, quantity=2, center="gunsan", ...)."""

    def make(role: str = "citizen", **kwargs):
        owner = people[role] if isinstance(role, str) else role
        return factories.quote_option(owner, **kwargs)

    return make


@pytest.fixture
def place_order(make_option, people):
    """place_order("citizen", note=..., **option kwargs) → a submitted Order."""

    def place(role: str = "citizen", note: str = "", **kwargs):
        owner = people[role] if isinstance(role, str) else role
        option = make_option(owner, **kwargs)
        return services.submit_order(owner, option, note)

    return place
