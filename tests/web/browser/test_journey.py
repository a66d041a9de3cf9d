"""The whole journey of issue 3 in a real browser, on the real platform, in both languages.

A new customer signs up, uploads a real STL, waits for the analysis by the background
worker, sees the model drawn by the 3D viewer, gets quotes (PLA), and opens the order
page of an eligible option: a new account has no money, so the page says what is missing.
An operator of the center logs in (another browser), records the customer's payment at
the desk, and the customer orders. The operator approves the order from the review queue
(confirming the policy check when the order is flagged); the customer's open order page
shows the new state by itself (htmx polling), with the message.

First in Korean (the default), then once more in English, switched with the language
switch on the page. Every page is checked for its language and for script errors and
failed requests.
"""

from __future__ import annotations

import math
import re
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PRUSA_SHAPES, require

from .conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OPERATOR = "operator.jeonju@demo.printhub.kr"  # staff of the Jeonju center
CENTER = "jeonju"
CENTER_NAME = {"ko": "전주 3D프린팅 융복합센터", "en": "Jeonju 3D Printing Convergence Center"}
DEMO_PASSWORD = "printhub-demo"
ANALYSIS_TIMEOUT_MS = 180_000  # the real worker on a shared, loaded machine
STATE_POLL_TIMEOUT_MS = 90_000  # the order page asks for its state every 20 s
VIEWER_TIMEOUT_MS = 90_000
BACKGROUND = (243, 245, 248)  # the viewer's background, #f3f5f8
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# What a person reads on each page, per language. Ordinary page texts, not ids: the test
# fails when a page is not translated (or not in the language chosen).
TEXT = {
    "ko": {
        "home": "공공 센터에서 출력하세요",
        "sign_up": "회원가입",
        "signup_title": "회원가입",
        "welcome": "환영합니다",
        "my_models": "내 모델",
        "upload": "올리고 분석하기",
        "report": "분석 결과",
        "get_quote": "견적 받기",
        "save_quote": "견적 저장",
        "quote_title": "견적서",
        "order": "주문하기",
        "confirm_title": "주문 확인",
        "missing": "부족한 금액",
        "balance_after": "주문 후 잔액",
        "pay": "결제하고 주문하기",
        "thanks": "감사합니다",
        "log_in": "로그인",
        "top_up": "창구 결제 기록",
        "record": "결제 기록하기",
        "topped_up": "충전했습니다",
        "queue": "검토 대기열",
        "approve": "승인",
        "review": "검토",
        "flags": "확인 항목",
        "approved": "승인했고 출력 대기열에 넣었습니다",
        "submitted_state": "접수",
        "queued_state": "출력 대기",
        # With the fleet monitor running (make demo), an approved order may print at once.
        "queued_or_later": ("출력 대기", "출력 중", "후가공", "수령 대기"),
        "messages": "알림",
        "approved_subject": "주문 {number} 승인",
    },
    "en": {
        "home": "Print it at a public center",
        "sign_up": "Sign up",
        "signup_title": "Open an account",
        "welcome": "Welcome",
        "my_models": "My models",
        "upload": "Upload and analyse",
        "report": "Report",
        "get_quote": "Get a quote",
        "save_quote": "Save quote",
        "quote_title": "Quote",
        "order": "Order",
        "confirm_title": "Confirm your order",
        "missing": "Missing",
        "balance_after": "Balance after the order",
        "pay": "Order and pay",
        "thanks": "Thank you",
        "log_in": "Log in",
        "top_up": "Record a payment at the desk",
        "record": "Record the payment",
        "topped_up": "added to the balance of",
        "queue": "Review queue",
        "approve": "Approve",
        "review": "Review",
        "flags": "Policy flags",
        "approved": "is approved and queued",
        "submitted_state": "Submitted",
        "queued_state": "Queued for printing",
        "queued_or_later": (
            "Queued for printing",
            "Printing",
            "Post-processing",
            "Ready for pickup",
        ),
        "messages": "Messages",
        "approved_subject": "Order {number} approved",
    },
}


@dataclass(frozen=True)
class Run:
    """One pass of the journey: its language, the model file, how the quote is asked."""

    lang: str
    model: Path
    center_choice: str  # "" = the best offer across the network, else a center's slug
    note: str  # the customer's note to the center
    flagged: bool  # whether the note has a word of the policy list (staff must confirm)


RUNS = {
    # The repo's sample bracket (it arrived upside down); the quote asks for Jeonju.
    "ko": Run("ko", ROOT / "samples" / "bracket.stl", CENTER, "주말 전에 받고 싶습니다.", False),
    # PrusaSlicer's cylinder; the best offer, then the Jeonju row; a note that gets flagged.
    "en": Run("en", PRUSA_SHAPES / "cylinder.stl", "", "A stand for my kitchen knife.", True),
}


class Journey:
    """The steps, with the failure message every step needs: who, where, a screenshot."""

    def __init__(self, run: Run, platform, shots):
        self.run = run
        self.text = TEXT[run.lang]
        self.platform = platform
        self.shots = shots
        self.timings: dict[str, float] = {}

    def t(self, key: str, **values) -> str:
        return self.text[key].format(**values)

    @contextmanager
    def step(self, what: str, page):
        started = time.monotonic()
        try:
            yield
        except Exception as err:
            try:
                slug = re.sub(r"\W+", "-", what)
                shot = self.shots(page, f"{self.run.lang}-failed-{slug}")
            except Exception as shot_error:
                shot = f"(no screenshot: {shot_error})"
            raise AssertionError(
                f"[{self.run.lang}] {what} — as {page.who}, at {page.url}\n"
                f"{type(err).__name__}: {err}\n"
                f"screenshot: {shot}\n"
                f"platform log ({self.platform.log_path}), last lines:\n"
                f"{self.platform.log_tail()}"
            ) from err
        self.timings[what] = time.monotonic() - started

    # --- checks on every page -------------------------------------------------------------

    def in_language(self, page) -> None:
        """The page is in the run's language: <html lang> and the words on it."""
        lang = self.run.lang
        page.wait_for_selector(f"html[lang='{lang}']", state="attached")
        main = page.locator("main").inner_text()
        if lang == "ko":
            assert HANGUL.search(main), "the page has no Korean text"
        else:
            nav = page.locator("header nav").inner_text()
            who = page.locator("header nav a.who")
            if who.count():  # the signed-in person's own name may well be Korean
                nav = nav.replace(who.inner_text(), "")
            assert not HANGUL.search(nav), f"Korean words in the English navigation: {nav!r}"

    def heading(self, page, key: str, level: str = "h1") -> None:
        expected = self.t(key)
        heading = page.locator(level).filter(has_text=expected)
        heading.first.wait_for()

    def message(self, page, key: str) -> str:
        """The flash message that contains the text of `key`."""
        item = page.locator("ul.messages li").filter(has_text=self.t(key))
        item.first.wait_for()
        return item.first.inner_text()

    def choose_language(self, page) -> None:
        """Use the language switch on the page unless the page is in the run's language."""
        lang = self.run.lang
        if page.locator("html").get_attribute("lang") != lang:
            label = "한국어" if lang == "ko" else "English"
            page.locator("form.language").get_by_role("button", name=label, exact=True).click()
            page.wait_for_selector(f"html[lang='{lang}']", state="attached")

    def nav(self, page, key: str) -> None:
        page.locator("header nav").get_by_role("link", name=self.t(key), exact=True).click()
        page.wait_for_load_state()

    @staticmethod
    def no_problems(page) -> None:
        problems = [
            problem
            for problem in page.problems
            # Known, reported: the quote pages link the thumbnail by its media path,
            # which is not served (printhub/quotes/templates/quotes/_model_summary.html).
            if not re.search(r"HTTP 404 .*/media/models/.*/thumbnail\.png$", problem)
            # The site has no favicon.
            and not problem.endswith("/favicon.ico")
        ]
        assert problems == [], f"errors on the pages of {page.who}: {problems}"


def _won(text: str) -> int:
    digits = re.sub(r"[^\d]", "", text)
    assert digits, f"no amount in {text!r}"
    return int(digits)


def _picture(path: Path) -> dict:
    """What a screenshot of the viewer shows: background share, model share, colours."""
    from PIL import Image

    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16).reshape(-1, 3)
    background = np.all(np.abs(pixels - np.array(BACKGROUND)) <= 6, axis=1)
    r, b = pixels[:, 0], pixels[:, 2]
    # The model's #aab4bf shaded by the lights: bluish grey, darker than the background;
    # or a problem colour (yellow overhangs, red open edges): strongly saturated.
    model_grey = (b > r + 6) & (pixels.max(axis=1) < 215)
    saturated = (pixels.max(axis=1) - pixels.min(axis=1)) > 80
    return {
        "background": float(background.mean()),
        "model": float((model_grey | saturated).mean()),
        "colours": len(np.unique(pixels, axis=0)),
    }


def _drawn(facts: dict) -> bool:
    return facts["background"] < 0.95 and facts["model"] > 0.03 and facts["colours"] > 50


def _viewer_screenshot(page, shots, name: str) -> tuple[Path, dict]:
    """A screenshot of the viewer's canvas once it shows the model (a few frames at most)."""
    page.wait_for_selector(
        "[data-viewer][data-viewer-state=ready] canvas", timeout=VIEWER_TIMEOUT_MS
    )
    canvas = page.locator("[data-viewer] canvas")
    deadline = time.monotonic() + 30
    while True:
        path = shots(canvas, name)
        facts = _picture(path)
        if _drawn(facts) or time.monotonic() > deadline:
            return path, facts
        page.wait_for_timeout(250)  # the first frames after "ready"


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_journey(lang, platform, new_page, shots):
    run = RUNS[lang]
    require(run.model.exists(), f"the model file {run.model}")
    journey = Journey(run, platform, shots)
    customer = new_page("the customer")
    email = f"journey-{lang}-{uuid.uuid4().hex[:10]}@example.kr"
    name = "브라우저 시민" if lang == "ko" else "Browser Citizen"

    with journey.step("home page", customer):
        customer.goto("/")
        journey.choose_language(customer)
        journey.in_language(customer)
        journey.heading(customer, "home")

    with journey.step("sign up", customer):
        journey.nav(customer, "sign_up")
        journey.heading(customer, "signup_title")
        journey.in_language(customer)
        customer.locator("#id_email").fill(email)
        customer.locator("#id_display_name").fill(name)
        customer.locator("#id_password1").fill("jeonju-print-2026")
        customer.locator("#id_password2").fill("jeonju-print-2026")
        customer.locator("#id_role").select_option("citizen")
        # The form starts at Korean whatever the page's language (reported); a person
        # reading English picks English here.
        customer.locator("#id_preferred_language").select_option(lang)
        customer.locator("#id_privacy").check()
        customer.get_by_role("button", name=journey.t("sign_up"), exact=True).click()
        journey.message(customer, "welcome")
        journey.in_language(customer)

    with journey.step("upload the model", customer):
        journey.nav(customer, "my_models")
        journey.heading(customer, "my_models")
        customer.locator("input[type=file][name=file]").set_input_files(str(run.model))
        customer.get_by_role("button", name=journey.t("upload"), exact=True).click()
        customer.wait_for_url(re.compile(r"/models/[0-9a-f-]{36}/$"))
        model_url = customer.url
        assert run.model.name in customer.locator("h1").inner_text()

    with journey.step("wait for the analysis", customer):
        # The background worker reads, analyses, orients, repairs; htmx swaps the report in.
        customer.wait_for_selector(
            "#analysis[data-status=ready], #analysis[data-status=failed]",
            timeout=ANALYSIS_TIMEOUT_MS,
        )
        status = customer.locator("#analysis").get_attribute("data-status")
        assert status == "ready", customer.locator("#analysis").inner_text()
        journey.heading(customer, "report", "h2")
        journey.in_language(customer)

    with journey.step("the 3D viewer draws the model", customer):
        path, facts = _viewer_screenshot(customer, shots, f"{lang}-viewer")
        assert _drawn(facts), f"the viewer's canvas looks blank ({facts}): {path}"

    with journey.step("get quotes", customer):
        customer.get_by_role("link", name=journey.t("get_quote"), exact=True).click()
        journey.heading(customer, "get_quote")
        journey.in_language(customer)
        customer.locator("#id_material").select_option("pla")
        customer.locator("#id_center").select_option(run.center_choice)
        # The live table (htmx) follows the form; the Jeonju row is eligible.
        row = customer.locator("#quote-options tr.eligible").filter(has_text=CENTER_NAME[lang])
        row.first.wait_for()
        customer.get_by_role("button", name=journey.t("save_quote"), exact=True).click()
        customer.wait_for_url(re.compile(r"/quotes/[0-9a-f-]{36}/$"))
        assert customer.locator("h1").inner_text().startswith(journey.t("quote_title"))
        journey.in_language(customer)
        shots(customer, f"{lang}-quote")

    with journey.step("open the order page of the Jeonju option", customer):
        row = customer.locator("table.quote-options > tbody > tr.eligible").filter(
            has_text=CENTER_NAME[lang]
        )
        row.get_by_role("link", name=journey.t("order"), exact=True).click()
        customer.wait_for_url(re.compile(r"/orders/new/\d+/$"))
        order_page_url = customer.url
        journey.heading(customer, "confirm_title")
        journey.in_language(customer)
        # A new account has no money: the page says how much is missing; no order yet.
        missing = customer.locator("tr.total.error").filter(has_text=journey.t("missing"))
        missing_krw = _won(missing.locator(".money").inner_text())
        assert missing_krw > 0
        pay = customer.get_by_role("button", name=re.compile(re.escape(journey.t("pay"))))
        assert pay.is_disabled()

    operator = new_page("the operator")
    with journey.step("the operator logs in", operator):
        operator.goto("/")
        journey.choose_language(operator)
        journey.nav(operator, "log_in")
        journey.heading(operator, "log_in")
        operator.locator("#id_username").fill(OPERATOR)
        operator.locator("#id_password").fill(DEMO_PASSWORD)
        operator.locator("main").get_by_role("button", name=journey.t("log_in")).click()
        operator.wait_for_url(lambda url: "/accounts/login/" not in url)
        # Logging in restores the operator's own language; the switch brings the run's.
        journey.choose_language(operator)
        journey.in_language(operator)

    top_up_krw = math.ceil(missing_krw / 10_000) * 10_000
    with journey.step("the operator records the customer's payment at the desk", operator):
        journey.nav(operator, "top_up")
        journey.heading(operator, "top_up")
        operator.locator("#id_email").fill(email)
        operator.locator("#id_amount_krw").fill(str(top_up_krw))
        operator.locator("#id_method").select_option("cash")
        operator.locator("#id_center").select_option(label=CENTER_NAME[lang])
        operator.get_by_role("button", name=journey.t("record"), exact=True).click()
        done = journey.message(operator, "topped_up")
        assert f"₩{top_up_krw:,}" in done, done

    with journey.step("order and pay", customer):
        customer.goto(order_page_url)
        journey.heading(customer, "confirm_title")
        after = customer.locator("tr.total").filter(has_text=journey.t("balance_after"))
        assert _won(after.locator(".money").inner_text()) == top_up_krw - missing_krw
        customer.locator("textarea[name=note]").fill(run.note)
        customer.get_by_role("button", name=re.compile(re.escape(journey.t("pay")))).click()
        customer.wait_for_url(re.compile(r"/orders/\d+/$"))
        thanks = journey.message(customer, "thanks")
        number = re.search(r"PH-\d{4}-\d+", thanks)
        assert number, f"no order number in {thanks!r}"
        number = number.group(0)
        state = customer.locator("h1 .state")
        assert state.inner_text() == journey.t("submitted_state")
        journey.in_language(customer)
        shots(customer, f"{lang}-order-submitted")

    with journey.step("the operator approves the order from the review queue", operator):
        journey.nav(operator, "queue")
        journey.heading(operator, "queue")
        journey.in_language(operator)
        row = operator.locator("table.queue tbody tr").filter(has_text=number)
        row.wait_for()
        flagged = "flagged" in (row.get_attribute("class") or "")
        assert flagged == run.flagged, f"policy flag {flagged}, expected {run.flagged}"
        if flagged:
            # A flagged order is approved on its page, after confirming the checks.
            row.get_by_role("link", name=journey.t("review"), exact=True).click()
            operator.wait_for_url(re.compile(r"/orders/\d+/$"))
            flags = operator.locator(".flags").filter(has_text=journey.t("flags"))
            flags.wait_for()
            operator.locator("input[name=policy_checked]").check()
            operator.locator("section.review").get_by_role(
                "button", name=journey.t("approve"), exact=True
            ).click()
            state = operator.locator("h1 .state")
        else:
            row.get_by_role("button", name=journey.t("approve"), exact=True).click()
            state = operator.locator("table.queue tbody tr").filter(has_text=number)
            state = state.locator(".state")
        approved = journey.message(operator, "approved")
        assert number in approved, approved
        assert state.inner_text() in journey.text["queued_or_later"]
        shots(operator, f"{lang}-operator-approved")

    with journey.step("the customer sees the new state", customer):
        # The order page is still open: its timeline polls and redraws on the change.
        later = re.compile("|".join(map(re.escape, journey.text["queued_or_later"])))
        customer.locator("h1 .state").filter(has_text=later).wait_for(timeout=STATE_POLL_TIMEOUT_MS)
        subject = journey.t("approved_subject", number=number)
        customer.locator("section.messages-list").filter(has_text=subject).wait_for()
        journey.in_language(customer)
        shots(customer, f"{lang}-order-queued")
        customer.locator("header a.notification-link").click()
        journey.heading(customer, "messages")
        customer.locator("ul.notifications li").filter(has_text=subject).wait_for()

    with journey.step("the model page still shows the report", customer):
        customer.goto(model_url)
        journey.heading(customer, "report", "h2")

    journey.no_problems(customer)
    journey.no_problems(operator)
    print(f"\n[{lang}] timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in journey.timings.items()))
