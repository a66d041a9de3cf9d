"""Fixtures of the network tests: the demo centers, a settable clock, staff of two centers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from printhub.network import services
from printhub.network.models import Center, Material

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(*args) -> dt.datetime:
    """An aware datetime in Seoul: seoul(2026, 12, 2, 10, 0)."""
    return dt.datetime(*args, tzinfo=SEOUL)


@pytest.fixture
def center(db):
    """center("jeonju") → the demo center with that slug."""
    return lambda slug: Center.objects.get(slug=slug)


@pytest.fixture
def material(db):
    """material("pla-cf") → the catalog material with that id."""
    return lambda catalog_id: Material.objects.get(catalog_id=catalog_id)


@pytest.fixture
def clock(monkeypatch):
    """clock(seoul(...)) sets the moment the network's pages and services take as now."""

    def set_to(moment: dt.datetime) -> None:
        monkeypatch.setattr(services, "now", lambda: moment)

    return set_to


@pytest.fixture
def gunsan_operator(db):
    return get_user_model().objects.get(email="operator.gunsan@demo.printhub.kr")


@pytest.fixture
def gunsan_manager(db):
    """A manager of Gunsan only (the demo has none)."""
    user = get_user_model().objects.create_user(
        "manager.gunsan@test.printhub.kr", "x", display_name="군산관리", role="manager"
    )
    user.centers.set(Center.objects.filter(slug="gunsan"))
    return user


@pytest.fixture
def login():
    """login(user) → a test client logged in as that user (None: anonymous)."""

    def make(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
