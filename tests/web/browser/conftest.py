"""Fixtures of the end-to-end browser tests: the real platform and Debian's Chromium.

The platform runs as `make demo` runs it — `manage.py run_platform`: migrations, the
demo network and people, collectstatic, gunicorn and the db_worker task worker — in a
subprocess on a free port, with its own data directory and SQLite file (forced in the
child's environment, so a PostgreSQL run of the suite never touches its database).
Chromium is Debian's (software WebGL through SwiftShader), never a Playwright download.

Screenshots go to the test's tmp_path; the last ones are also copied to out/browser/
(git-ignored) for people to look at.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import require
from tests.web.conftest import CHROMIUM

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "out" / "browser"
START_TIMEOUT_S = 300  # migrations, demo data and collectstatic on a loaded machine
STOP_TIMEOUT_S = 40  # run_platform gives its children 15 s each
ACTION_TIMEOUT_MS = 60_000  # clicks, fills, navigations, ordinary waits


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Platform:
    """A running platform: its address, data directory and log."""

    url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _check_prerequisites() -> None:
    """What `make setup` prepares; without it the pages would fail in confusing ways."""
    if not (ROOT / "printhub" / "site" / "static" / "vendor" / "three").is_dir():
        pytest.fail("three.js is not in printhub/site/static/vendor: run `make setup` first")
    missing, stale = [], []
    for po in ROOT.glob("printhub/*/locale/*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists():
            missing.append(str(po.relative_to(ROOT)))
        elif mo.stat().st_mtime < po.stat().st_mtime:
            stale.append(str(po.relative_to(ROOT)))
    compile_them = "run `.venv/bin/python scripts/i18n.py compile`"
    if missing:
        pytest.fail(
            f"translations not compiled (the pages would show English): {compile_them} "
            f"({', '.join(sorted(missing)[:3])} …)"
        )
    if stale:
        warnings.warn(
            f"catalogues changed since they were compiled ({', '.join(sorted(stale)[:3])} …): "
            f"{compile_them} if a text check fails",
            stacklevel=2,
        )


def _child_environment(data_dir: Path, url: str) -> dict[str, str]:
    """The test runner's environment without its printhub settings, plus the platform's own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PRINTHUB_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "printhub.site.settings",
        "PRINTHUB_ENV": "development",
        "PRINTHUB_DATA_DIR": str(data_dir),
        "PRINTHUB_DATABASE_URL": f"sqlite:///{data_dir / 'printhub.sqlite3'}",
        "PRINTHUB_TASKS_BACKEND": "db",
        "PRINTHUB_SITE_URL": url,
        "PYTHONUNBUFFERED": "1",
    }
    return env


def _stop(process: subprocess.Popen) -> None:
    """Ctrl-C for run_platform (it stops gunicorn and the worker), then kill what is left."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    # Its session holds only what it started (gunicorn's master and workers, the worker).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    """The whole platform with the demo data, as `make demo` runs it, on a free port."""
    require(CHROMIUM.exists(), "Chromium (Debian package chromium)")
    _check_prerequisites()
    data_dir = tmp_path_factory.mktemp("platform")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data_dir / "platform.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_platform", "--port", str(port)],
            cwd=ROOT,
            env=_child_environment(data_dir, url),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: nothing of it outlives the tests
        )
    running = Platform(url=url, data_dir=data_dir, log_path=log_path, process=process)
    try:
        _wait_until_up(running)
        yield running
    finally:
        _stop(process)


def _wait_until_up(platform: Platform) -> None:
    """/health answers and run_platform announced itself (the worker is started by then)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if platform.process.poll() is not None:
            pytest.fail(
                f"run_platform stopped (exit {platform.process.returncode}) while starting:\n"
                f"{platform.log_tail()}"
            )
        try:
            with urllib.request.urlopen(f"{platform.url}/health", timeout=5) as response:
                up = response.status == 200
        except OSError:
            up = False
        if up and "printhub is running at" in platform.log_path.read_text(errors="replace"):
            return
        time.sleep(0.5)
    pytest.fail(
        f"the platform did not start within {START_TIMEOUT_S} s at {platform.url}:\n"
        f"{platform.log_tail()}"
    )


@pytest.fixture
def shots(tmp_path):
    """Where screenshots go: save(page or locator, name) → the path under tmp_path.

    Each saved picture is also copied to out/browser/ for people to look at.
    """

    directory = tmp_path / "screenshots"
    directory.mkdir()

    def save(target, name: str) -> Path:
        path = directory / f"{name}.png"
        if hasattr(target, "goto"):  # a page: all of it
            target.screenshot(path=str(path), full_page=True)
        else:  # a locator
            target.screenshot(path=str(path))
        with contextlib.suppress(OSError):
            OUT.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, OUT / path.name)
        return path

    return save


@pytest.fixture
def new_page(browser, platform):
    """new_page(who) → a page in a fresh browser context (its own cookies) on the platform.

    `page.problems` collects script errors and failed requests (HTTP 400 and above).
    """
    contexts = []

    def make(who: str):
        context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            base_url=platform.url,
            locale="ko-KR",
            timezone_id="Asia/Seoul",
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.who = who
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))

        def failed(response):
            if response.status >= 400:
                page.problems.append(f"HTTP {response.status} {response.url}")

        page.on("response", failed)
        return page

    yield make
    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()
