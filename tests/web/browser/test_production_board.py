"""The production board in a real browser: its printer cards follow the printers by
themselves (htmx polling), and its buttons answer in place, without the page being
loaded again.

The platform may run a fleet monitor with virtual printers (the demo floor); then its
prints move the cards. Without one, the test plays the monitor: it writes a station's
live fields into the platform's database with `manage.py shell`, as the monitor would.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from .conftest import ROOT, _child_environment

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OPERATOR = "operator.jeonju@demo.printhub.kr"
DEMO_PASSWORD = "printhub-demo"
UPDATE_TIMEOUT_MS = 60_000  # a shared, loaded machine; the cards poll every 2 s


def shell(platform, code: str) -> str:
    """Run Python in the platform's Django (its database), return what it printed."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=_child_environment(platform.data_dir, platform.url),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()  # Django 5.2 says what it imported first
    return lines[-1] if lines else ""


SET_UP = """
from django.contrib.auth import get_user_model
from django.utils import timezone
from printhub.network.models import Printer
from printhub.production.models import Station
# The journey's English run may have left the operator preferring English.
get_user_model().objects.filter(email=OPERATOR).update(preferred_language="ko")
if Station.objects.exists():
    print("monitored")
else:
    printer = Printer.objects.get(center__slug="jeonju", name="MK3S-01")
    Station.objects.create(
        printer=printer, kind="virtual", live="printing", progress=0.2, remaining_s=4000,
        tool_c=215, tool_target_c=215, bed_c=60, bed_target_c=60, last_seen=timezone.now(),
    )
    print(printer.pk)
"""

MOVE_ON = """
from django.utils import timezone
from printhub.production.models import Station
Station.objects.filter(printer_id={pk}).update(
    progress=0.65, remaining_s=1500, last_seen=timezone.now()
)
"""


def _log_in(page) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(OPERATOR)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_the_cards_follow_the_printers_without_a_reload(platform, new_page, shots):
    setup = shell(platform, SET_UP.replace("OPERATOR", repr(OPERATOR)))
    page = new_page("the operator")
    _log_in(page)
    page.goto("/production/")
    page.locator("main").get_by_role("link", name=re.compile("전주")).click()
    page.wait_for_url("**/production/jeonju/")
    assert page.locator("h2", has_text="대기열").count() == 1  # Korean first
    page.evaluate("window.boardNotReloaded = true")  # gone if the page loads again

    if setup == "monitored":
        # A print of the demo floor: its percentage changes as the virtual printer prints.
        percent = page.locator("#cards .percent").first
        percent.wait_for(timeout=UPDATE_TIMEOUT_MS)
        card = percent.locator("xpath=ancestor::article[1]")
        card_id = card.get_attribute("id")
        before = percent.text_content()
    else:
        card_id = f"printer-{setup}"
        card = page.locator(f"#{card_id}")
        assert card.locator(".percent").text_content() == "20%"
        before = "20%"
        shell(platform, MOVE_ON.format(pk=setup))
    shots(page, "production-board-before")

    page.wait_for_function(
        """([id, before]) => {
            const shown = document.querySelector(`#${id} .percent`);
            return !shown || shown.textContent !== before;
        }""",
        arg=[card_id, before],
        timeout=UPDATE_TIMEOUT_MS,
    )
    assert page.evaluate("window.boardNotReloaded === true")
    if setup != "monitored":
        assert card.locator(".percent").text_content() == "65%"
        assert "25분 남음" in card.locator(".time-left").text_content()
        bar = card.locator(".progress")
        assert bar.get_attribute("aria-valuenow") == "65"
    shots(page, "production-board-after")

    # A button answers in place (htmx): the message and the changed card, no reload.
    fuse = page.locator("#cards article", has=page.locator("h3", has_text="FUSE-1-01"))
    fuse.get_by_role("button", name="정비로 전환").click()
    page.locator("ul.messages", has_text="FUSE-1-01을(를) 정비로 전환했습니다.").wait_for()
    fuse.locator(".live", has_text="정비 중").wait_for()
    fuse.get_by_role("button", name="정비 완료 (다시 사용)").click()
    page.locator("ul.messages", has_text="FUSE-1-01을(를) 다시 사용합니다.").wait_for()
    assert page.evaluate("window.boardNotReloaded === true")
    problems = [p for p in page.problems if not p.endswith("/favicon.ico")]
    assert problems == [], problems
