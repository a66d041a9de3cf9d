"""The 3D viewer in a real browser: Debian's Chromium (software WebGL) driven by Playwright.

The platform runs in a subprocess on its own SQLite database (the test database lives in a
transaction the server could not see): migrated, demo data, two analysed models and a
logged-in session. The viewer must draw the model (the canvas is not blank), colour the
problems and take them away with their toggles, turn the model to the suggested
orientation, and start by itself when htmx swaps the finished report into the page.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tests.web.conftest import CHROMIUM

from .conftest import SAMPLES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
BACKGROUND = (243, 245, 248)  # the viewer's background, #f3f5f8

SETUP = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from printhub.network import demo
demo.load_demo()
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from printhub.parts import services
citizen = get_user_model().objects.get(email="citizen@demo.printhub.kr")
ids = dict()
for key, path in (("bunny", "{bunny}"), ("box", "{box}")):
    with open(path, "rb") as f:
        upload = SimpleUploadedFile(path.rsplit("/", 1)[-1], f.read())
    model = services.upload_model(citizen, upload)
    ids[key] = str(model.id)
client = Client()
client.force_login(citizen)
print(json.dumps(ids | {{"session": client.cookies["sessionid"].value}}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A running platform with two analysed models of the citizen: URL, ids, session."""
    import json

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    data = tmp_path_factory.mktemp("browser-site")
    env = os.environ | {
        "PRINTHUB_DATA_DIR": str(data),
        "PRINTHUB_DATABASE_URL": f"sqlite:///{data / 'site.sqlite3'}",
        "PRINTHUB_TASKS_BACKEND": "immediate",
        "PRINTHUB_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "printhub.site.test_settings",
    }
    script = SETUP.format(
        bunny="/usr/share/PrusaSlicer/shapes/bunny.stl", box=str(SAMPLES / "broken_box.stl")
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the platform did not start")
        yield facts | {"url": url, "db": data / "site.sqlite3"}
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def page(site, browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.add_cookies(
        [
            {"name": "sessionid", "value": site["session"], "url": site["url"]},
            {"name": "django_language", "value": "en", "url": site["url"]},
        ]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def failed(response):
        # The site has no favicon yet; everything else the page asks for must load.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")

    page.on("response", failed)
    page.errors = errors
    yield page
    context.close()


def _pixels(page):
    """The viewer as a screenshot: (pixels as RGB tuples, width, height)."""
    from PIL import Image

    shot = page.locator("[data-viewer]").screenshot()
    if os.environ.get("PARTS_SHOTS"):
        Path(os.environ["PARTS_SHOTS"]).joinpath(f"{time.monotonic_ns()}.png").write_bytes(shot)
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    return np.asarray(image, dtype=np.int16).reshape(-1, 3), image.width, image.height


def _background(pixels) -> int:
    """How many pixels show the bare background."""
    return int(np.all(np.abs(pixels - np.array(BACKGROUND)) <= 6, axis=1).sum())


def _yellow(pixels) -> int:
    """How many pixels show the overhang colour (#fab005, shaded by the lights)."""
    r, g, b = pixels.T
    return int(((r > 150) & (g > 90) & (g < 200) & (b < 60)).sum())


def _red(pixels) -> int:
    """How many pixels show the open edges' red (#e03131, shaded)."""
    r, g, b = pixels.T
    return int(((r > 140) & (g < 110) & (b < 110)).sum())


def _wait_for_the_viewer(page):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_selector("[data-viewer][data-viewer-state=ready]", timeout=30_000)
    except PlaywrightTimeout:
        state = page.locator("[data-viewer]").get_attribute("data-viewer-state")
        raise AssertionError(f"viewer state {state!r}, errors {page.errors}") from None


def _open(page, site, key):
    page.goto(f"{site['url']}/models/{site[key]}/")
    _wait_for_the_viewer(page)


def test_the_viewer_draws_the_model(page, site):
    _open(page, site, "bunny")
    pixels, _, _ = _pixels(page)
    assert _background(pixels) < 0.9 * len(pixels), "the canvas is (almost) blank"
    assert len(np.unique(pixels, axis=0)) > 200  # a shaded model and a grid, not a flat fill
    assert _yellow(pixels) == 0  # the overhangs are underneath, out of sight
    # Dragging turns the view (OrbitControls): from below, the overhangs show, coloured.
    box = page.locator("[data-viewer] canvas").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 250, steps=10)
    page.mouse.up()
    pixels, _, _ = _pixels(page)
    assert _yellow(pixels) > 200
    assert page.errors == []


def test_problem_toggles_colour_and_uncolour(page, site):
    _open(page, site, "box")
    pixels, _, _ = _pixels(page)
    red_before = _red(pixels)
    assert red_before > 100  # the open edges' faces, red
    for code in ("not_watertight", "inconsistent_winding"):
        page.locator(f'input[data-problem="{code}"]').uncheck()
    pixels, _, _ = _pixels(page)
    assert _red(pixels) < red_before / 20
    assert page.locator("[data-size]").inner_text() == "20.0 × 20.0 × 20.0 mm"


def test_orientation_toggle_turns_the_model(page, site):
    _open(page, site, "bunny")
    size = page.locator("[data-size]")
    before = size.inner_text()
    first, _, _ = _pixels(page)
    page.locator("input[data-orientation]").check()
    assert size.inner_text() != before
    turned, _, _ = _pixels(page)
    assert not np.array_equal(turned, first)
    page.locator("input[data-orientation]").uncheck()
    assert size.inner_text() == before


def test_the_viewer_starts_when_htmx_swaps_the_report_in(page, site):
    hex_id = site["box"].replace("-", "")
    with sqlite3.connect(site["db"]) as db:
        db.execute(
            "UPDATE parts_uploadedmodel SET status='analysing', stage='analyse', progress=15 "
            "WHERE id=?",
            (hex_id,),
        )
    page.goto(f"{site['url']}/models/{site['box']}/")
    assert "Checking the geometry" in page.locator("#analysis").inner_text()
    assert page.locator("[data-viewer]").count() == 0
    with sqlite3.connect(site["db"]) as db:
        db.execute(
            "UPDATE parts_uploadedmodel SET status='ready', stage='done', progress=100 WHERE id=?",
            (hex_id,),
        )
    _wait_for_the_viewer(page)
    pixels, _, _ = _pixels(page)
    assert _red(pixels) > 100
    assert page.errors == []
