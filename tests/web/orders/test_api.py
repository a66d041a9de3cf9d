"""The orders API: the same services and rules as the pages, as JSON."""

from __future__ import annotations

import datetime as dt
import json

from printhub.billing import services as billing
from printhub.orders.models import Order, State
from tests.web.matrix import client_for


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_order_through_the_api(make_option, people):
    option = make_option("student", total_krw=33_000, quantity=2)
    client = client_for("student", auth="token")
    response = _post(client, "/api/orders", {"option_id": option.pk, "note": "검정색 희망"})
    assert response.status_code == 201
    body = response.json()
    order = Order.objects.get(pk=body["id"])
    assert body["number"] == order.number
    assert (body["state"], body["quantity"], body["total_krw"]) == ("submitted", 2, 33_000)
    assert body["center"]["slug"] == "jeonju"
    assert body["invoice_number"] == order.invoice.number
    assert body["can_cancel"] is True
    assert body["policy_flags"] == []
    assert [e["state"] for e in body["events"]] == ["submitted"]
    assert billing.balance_of(people["student"]) == 37_000


def test_not_enough_money_is_a_422_with_the_amounts(make_option):
    option = make_option("citizen", total_krw=77_000)
    client = client_for("citizen", auth="token")
    response = _post(client, "/api/orders", {"option_id": option.pk})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "insufficient_funds"
    assert (body["total_krw"], body["balance_krw"], body["missing_krw"]) == (77_000, 50_000, 27_000)
    assert "₩27,000" in body["detail"][0]
    assert not Order.objects.filter(quote_option=option).exists()


def test_bad_requests_are_explained(make_option):
    client = client_for("citizen", auth="token")
    assert _post(client, "/api/orders", {"option_id": 999_999}).status_code == 404
    assert _post(client, "/api/orders", {"note": "no option"}).status_code == 422
    expired = make_option("citizen", valid_for=dt.timedelta(seconds=-1))
    response = _post(client, "/api/orders", {"option_id": expired.pk})
    assert response.status_code == 422 and "만료" in response.json()["detail"][0]


def test_lists_mine_and_staff_list_a_center(place_order, people):
    mine = place_order("citizen", total_krw=5_500)
    other = place_order("designer", total_krw=5_500)
    numbers = [o["number"] for o in client_for("citizen", auth="token").get("/api/orders").json()]
    assert mine.number in numbers and other.number not in numbers
    staff = client_for("operator", auth="token")
    assert staff.get("/api/orders").json() == []  # staff order nothing themselves
    center = staff.get(f"/api/orders?center={mine.center_id}").json()
    assert {mine.number, other.number} <= {o["number"] for o in center}
    submitted = staff.get(f"/api/orders?center={mine.center_id}&state=queued").json()
    assert mine.number not in {o["number"] for o in submitted}
    flagged = place_order("citizen", note="rifle stock", total_krw=5_500)
    by_number = {o["number"]: o for o in staff.get(f"/api/orders?center={mine.center_id}").json()}
    assert by_number[flagged.number]["policy_flags"][0]["code"] == "weapon_words"
    mine_again = client_for("citizen", auth="token").get(f"/api/orders/{flagged.pk}").json()
    assert mine_again["policy_flags"] == []  # the flags are for the staff


def test_staff_approve_move_and_the_customer_sees_the_pickup_link(place_order):
    order = place_order("citizen", quantity=2, note="pistol grip", total_krw=5_500)
    staff = client_for("operator", auth="token")
    refused = _post(staff, f"/api/orders/{order.pk}/approve")
    assert refused.status_code == 422 and "pistol" in refused.json()["detail"][0]
    approved = _post(staff, f"/api/orders/{order.pk}/approve", {"policy_checked": True})
    assert approved.status_code == 200 and approved.json()["state"] == "queued"
    assert order.jobs.count() == 2
    assert _post(staff, f"/api/orders/{order.pk}/state", {"state": "printing"}).status_code == 200
    wrong = _post(staff, f"/api/orders/{order.pk}/state", {"state": "picked_up"})
    assert wrong.status_code == 422
    ready = _post(staff, f"/api/orders/{order.pk}/state", {"state": "ready", "note": "선반 3"})
    assert ready.json()["pickup_url"].endswith(f"/orders/pickup/{order.pickup_token}/")
    body = client_for("citizen", auth="token").get(f"/api/orders/{order.pk}").json()
    assert body["state"] == "ready" and body["events"][-1]["note"] == "선반 3"


def test_reject_needs_a_reason_and_cancel_refunds(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    staff = client_for("manager", auth="token")
    assert _post(staff, f"/api/orders/{order.pk}/reject", {"reason": " "}).status_code == 422
    assert _post(staff, f"/api/orders/{order.pk}/reject", {}).status_code == 422
    second = place_order("citizen", total_krw=5_500)
    balance = billing.balance_of(people["citizen"])
    customer = client_for("citizen", auth="token")
    cancelled = _post(customer, f"/api/orders/{second.pk}/cancel")
    assert cancelled.status_code == 200
    assert (cancelled.json()["state"], cancelled.json()["cancelled_by"]) == (
        "cancelled",
        "customer",
    )
    assert billing.balance_of(people["citizen"]) == balance + 5_500
    again = _post(customer, f"/api/orders/{second.pk}/cancel")
    assert again.status_code == 422
    rejected = _post(staff, f"/api/orders/{order.pk}/reject", {"reason": "형상 오류"})
    assert rejected.json()["state"] == State.REJECTED
    assert rejected.json()["reject_reason"] == "형상 오류"
