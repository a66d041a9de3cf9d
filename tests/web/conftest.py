"""Fixtures of the platform's tests: the demo network in the test database, people, clients."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from printhub.network import demo

CHROMIUM = Path("/usr/bin/chromium")  # Debian's launcher of /usr/lib/chromium/chromium
CHROMIUM_ARGS = [
    "--no-sandbox",
    # WebGL without a GPU: ANGLE on SwiftShader (the viewer needs it).
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "out" / "browser"

ROLES = ["citizen", "student", "startup", "designer", "operator", "manager", "admin"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The demo network and people, loaded once per test session."""
    with django_db_blocker.unblock():
        demo.load_demo()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and throttles live in the cache: each test starts afresh."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(db) -> dict:
    """One demo person per role: people["operator"] works at Jeonju, etc."""
    user_model = get_user_model()
    by_role = {}
    for email, _name, role, _centers, _org in demo.DEMO_PEOPLE:
        by_role.setdefault(role, user_model.objects.get(email=email))
    return by_role


@pytest.fixture
def client_for(people):
    """client_for("student") → a test client logged in as the demo student (None: anonymous)."""

    def make(role: str | None) -> Client:
        client = Client()
        if role is not None:
            client.force_login(people[role])
        return client

    return make


@pytest.fixture
def english(client):
    """A client that chose English with the language switch."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (headless, software WebGL), one per session.

    Playwright's sync API runs one event loop per thread: every browser test shares this one.
    """
    from tests.conftest import require

    require(CHROMIUM.exists(), "Chromium (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    require(sync_playwright is not None, "Playwright for Python (pip install -e '.[dev]')")
    for old in SHOTS.glob("*.png"):  # out/browser/ keeps the pictures of the last run only
        old.unlink(missing_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
