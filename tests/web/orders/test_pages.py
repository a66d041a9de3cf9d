"""The order pages as people use them: ordering, my orders, the timeline, the review
queue, the pickup QR code and its page, messages."""

from __future__ import annotations

import datetime as dt

import qrcode
import qrcode.image.svg
from django.urls import reverse

from printhub.billing import services as billing
from printhub.orders import services
from printhub.orders.models import Notification, Order, OrderEvent, State
from tests.web.matrix import client_for, person


def _english(client):
    client.cookies["django_language"] = "en"
    return client


def _ready(order, staff):
    services.approve(order, staff, policy_checked=True)
    services.move_on(order, State.PRINTING, staff)
    services.move_on(order, State.READY, staff)
    return order


# --- ordering ------------------------------------------------------------------------------


def test_the_order_page_shows_the_quote_and_how_it_is_paid(make_option):
    option = make_option("student", total_krw=33_000, quantity=2)
    page = client_for("student").get(reverse("orders:new", args=[option.pk])).content.decode()
    assert "주문 확인" in page
    assert option.quote.model.original_name in page
    assert "₩33,000" in page
    assert "지원금: 학생 월 출력 지원" in page and "₩20,000" in page
    assert "₩13,000" in page  # from the balance
    assert "₩37,000" in page  # the balance after the order
    english = _english(client_for("student"))
    page = english.get(reverse("orders:new", args=[option.pk])).content.decode()
    assert "How it is paid" in page and "Subsidy: Student monthly printing quota" in page


def test_submitting_the_form_places_the_order(make_option, people):
    option = make_option("citizen", total_krw=5_500)
    client = client_for("citizen")
    response = client.post(reverse("orders:new", args=[option.pk]), {"note": "주말에 찾아갈게요"})
    order = Order.objects.get(quote_option=option)
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    assert order.note == "주말에 찾아갈게요"
    page = client.get(response["Location"]).content.decode()
    assert order.number in page and "접수되었습니다" in page


def test_not_enough_money_is_explained_and_nothing_is_ordered(make_option, people):
    option = make_option("citizen", total_krw=77_000)
    client = _english(client_for("citizen"))
    page = client.get(reverse("orders:new", args=[option.pk])).content.decode()
    assert "₩27,000 is missing" in page
    assert "counter of any center" in page
    assert "disabled" in page
    response = client.post(reverse("orders:new", args=[option.pk]), {"note": ""})
    assert response.status_code == 422
    assert "₩27,000" in response.content.decode()
    assert not Order.objects.filter(quote_option=option).exists()


def test_an_expired_quote_is_explained(make_option):
    option = make_option("citizen", valid_for=dt.timedelta(seconds=-1))
    client = client_for("citizen")
    page = client.get(reverse("orders:new", args=[option.pk])).content.decode()
    assert "만료되었습니다" in page
    response = client.post(reverse("orders:new", args=[option.pk]), {})
    assert response.status_code == 422
    assert not Order.objects.filter(quote_option=option).exists()


def test_an_unknown_option_is_not_found(db):
    assert client_for("citizen").get(reverse("orders:new", args=[999_999])).status_code == 404


# --- my orders and their timeline -----------------------------------------------------------


def test_my_orders_lists_only_mine_with_their_states(place_order):
    mine = place_order("citizen", total_krw=5_500)
    theirs = place_order("designer", total_krw=5_500)
    page = client_for("citizen").get(reverse("orders:list")).content.decode()
    assert mine.number in page and "접수" in page
    assert theirs.number not in page


def test_the_timeline_shows_seoul_times_and_the_messages(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    # 15:30 UTC is half past midnight the next day in Seoul.
    OrderEvent.objects.filter(order=order).update(at=dt.datetime(2026, 3, 1, 15, 30, tzinfo=dt.UTC))
    services.approve(order, people["operator"])
    page = client_for("citizen").get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "2026-03-02 00:30" in page
    assert "흰색" in page  # the colour's name, not its code
    assert "한국 표준시" in page
    assert f"주문 {order.number} 승인" in page  # the message
    assert reverse("billing:invoice", args=[order.invoice.pk]) in page
    assert reverse("orders:cancel", args=[order.pk]) in page  # still cancellable
    assert 'hx-trigger="every 20s"' in page


def test_opening_the_order_marks_its_messages_read(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    assert services.unread_count(people["citizen"]) == 1
    client_for("citizen").get(reverse("orders:detail", args=[order.pk]))
    assert services.unread_count(people["citizen"]) == 0


def test_the_timeline_asks_for_a_full_redraw_when_the_state_changed(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    client = client_for("citizen")
    url = reverse("orders:timeline", args=[order.pk])
    assert "HX-Refresh" not in client.get(url, {"state": "submitted"}).headers
    services.approve(order, people["operator"])
    assert client.get(url, {"state": "submitted"}).headers["HX-Refresh"] == "true"


def test_the_customer_cancels_from_the_page(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    balance = billing.balance_of(people["citizen"])
    client = client_for("citizen")
    response = client.post(reverse("orders:cancel", args=[order.pk]))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.CANCELLED
    assert billing.balance_of(people["citizen"]) == balance + 5_500
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert reverse("orders:cancel", args=[order.pk]) not in page


def test_cancelling_too_late_says_so(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    services.approve(order, people["operator"])
    services.move_on(order, State.PRINTING, people["operator"])
    client = _english(client_for("citizen"))
    page = client.post(reverse("orders:cancel", args=[order.pk]), follow=True).content.decode()
    assert "can no longer be cancelled" in page
    order.refresh_from_db()
    assert order.state == State.PRINTING


# --- pickup --------------------------------------------------------------------------------


def test_the_qr_code_appears_when_the_order_is_ready(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    client = client_for("citizen")
    url = reverse("orders:detail", args=[order.pk])
    assert "<svg" not in client.get(url).content.decode()
    _ready(order, people["operator"])
    page = client.get(url).content.decode()
    pickup_url = "http://testserver" + reverse("orders:pickup", args=[order.pickup_token])
    expected = qrcode.make(
        pickup_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10
    ).to_string(encoding="unicode")
    assert expected in page  # the QR code encodes exactly the pickup address
    assert "창구에 이 QR 코드를 보여 주세요" in page


def test_staff_confirm_the_handover_on_the_pickup_page(place_order, people):
    order = _ready(place_order("citizen", total_krw=5_500), people["operator"])
    client = client_for("operator")
    url = reverse("orders:pickup", args=[order.pickup_token])
    page = client.get(url).content.decode()
    assert order.number in page and people["citizen"].display_name in page
    assert "전달 완료 확인" in page
    client.post(url)
    order.refresh_from_db()
    assert order.state == State.PICKED_UP
    assert order.events.last().actor == people["operator"]
    assert "이미 전달한 주문입니다" in client.get(url).content.decode()


def test_a_pickup_before_the_order_is_ready_is_refused(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    client = client_for("manager")
    url = reverse("orders:pickup", args=[order.pickup_token])
    assert "아직 수령할 수 있는 주문이 아닙니다" in client.get(url).content.decode()
    page = client.post(url, follow=True).content.decode()
    assert "수령할 수 없습니다" in page
    order.refresh_from_db()
    assert order.state == State.SUBMITTED


# --- staff ---------------------------------------------------------------------------------


def test_the_queue_shows_my_centers_orders_new_ones_first_with_flags(place_order, people):
    queued = place_order("citizen", total_krw=5_500)
    services.approve(queued, people["operator"])
    flagged = place_order("designer", note="knife holder", total_krw=5_500)
    elsewhere = place_order("citizen", center="gunsan", total_krw=5_500)
    page = client_for("operator").get(reverse("orders:queue")).content.decode()
    assert flagged.number in page and queued.number in page
    assert elsewhere.number not in page
    assert page.index(flagged.number) < page.index(queued.number)  # submitted first
    assert "knife" in page and "무기와 관련된 단어" in page
    assert "40×30×12 mm" in page or "40×30×13 mm" in page
    gunsan = client_for("operator.gunsan").get(reverse("orders:queue")).content.decode()
    assert elsewhere.number in gunsan and flagged.number not in gunsan


def test_the_queue_filters_by_center_and_state(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    manager = client_for("manager")
    jeonju = order.center.pk
    assert order.number in manager.get(reverse("orders:queue"), {"center": jeonju}).content.decode()
    other = manager.get(reverse("orders:queue"), {"state": "ready"}).content.decode()
    assert order.number not in other
    gunsan = person("operator.gunsan")
    response = client_for("operator.gunsan").get(reverse("orders:queue"), {"center": jeonju})
    assert response.status_code == 403 and gunsan.role == "operator"


def test_staff_approve_a_flagged_order_only_with_the_box_ticked(place_order, people):
    order = place_order("citizen", note="소음기", total_krw=5_500)
    client = client_for("operator")
    url = reverse("orders:approve", args=[order.pk])
    page = client.post(url, follow=True).content.decode()
    assert "확인 항목" in page
    order.refresh_from_db()
    assert order.state == State.SUBMITTED
    client.post(url, {"policy_checked": "on"})
    order.refresh_from_db()
    assert order.state == State.QUEUED and order.jobs.count() == 1


def test_staff_reject_with_a_reason_from_the_page(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    client = _english(client_for("operator"))
    page = client.post(
        reverse("orders:reject", args=[order.pk]), {"reason": ""}, follow=True
    ).content.decode()
    assert "Give the customer a reason for the rejection." in page
    client.post(reverse("orders:reject", args=[order.pk]), {"reason": "Walls too thin"})
    order.refresh_from_db()
    assert (order.state, order.reject_reason) == (State.REJECTED, "Walls too thin")


def test_staff_move_an_order_on_from_the_page(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    services.approve(order, people["operator"])
    client = client_for("operator")
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'value="printing"' in page and 'value="ready"' not in page
    client.post(reverse("orders:move", args=[order.pk]), {"state": "printing", "note": "MK3S-01"})
    order.refresh_from_db()
    assert order.state == State.PRINTING
    assert order.events.last().note == "MK3S-01"
    client.post(reverse("orders:move", args=[order.pk]), {"state": "picked_up"})
    order.refresh_from_db()
    assert order.state == State.PRINTING  # not allowed from printing


# --- messages ------------------------------------------------------------------------------


def test_the_messages_page_and_badge(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    client = client_for("citizen")
    page = client.get(reverse("orders:list")).content.decode()
    assert reverse("orders:notifications") in page
    assert '<span class="badge"' in page and ">1</span>" in page
    page = client.get(reverse("orders:notifications")).content.decode()
    assert f"주문 {order.number} 접수" in page and 'class="unread"' in page
    assert not Notification.objects.filter(user=people["citizen"], read_at=None).exists()
    page = client.get(reverse("orders:list")).content.decode()
    assert '<span class="badge"' not in page
