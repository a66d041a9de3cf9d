"""Every order page and API endpoint × every kind of person (tests/web/matrix.py).

The order in these rows belongs to the demo citizen and is made at the Jeonju center:
`operator` works there, `operator.gunsan` does not, the manager runs Jeonju, the
admin runs everything. Requests that change things get a fresh order each time.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from printhub.orders import services
from printhub.orders.models import State
from tests.web.matrix import LOGIN, assert_access, expect, person
from tests.web.orders import factories

# The staff who may act on an order of the Jeonju center.
JEONJU_STAFF = {"operator", "manager", "admin"}


def _order(state: str = State.SUBMITTED):
    citizen = person("citizen")
    option = factories.quote_option(citizen, total_krw=1_100)
    order = services.submit_order(citizen, option)
    staff = person("operator")
    if state != State.SUBMITTED:
        services.approve(order, staff)
    for step in (State.PRINTING, State.READY):
        if state in (State.PRINTING, State.READY) and order.state != state:
            services.move_on(order, step, staff)
    return order


def _only(value, default, people) -> dict:
    return expect(default, anonymous=LOGIN, **dict.fromkeys(people, value))


SEES_ORDER = _only(200, 403, JEONJU_STAFF | {"citizen"})
ACTS_AS_STAFF = _only(302, 403, JEONJU_STAFF)


def test_my_orders_page(db):
    assert_access(reverse("orders:list"), "get", expect(200, anonymous=LOGIN))


def test_notifications_page(db):
    assert_access(reverse("orders:notifications"), "get", expect(200, anonymous=LOGIN))


def test_review_queue_is_for_staff(db):
    staff = ("operator", "operator.gunsan", "manager", "admin")
    assert_access(reverse("orders:queue"), "get", _only(200, 403, staff))


def test_order_form_is_for_the_owner_of_the_quote(db):
    option = factories.quote_option(person("citizen"))
    url = reverse("orders:new", args=[option.pk])
    assert_access(url, "get", expect(403, anonymous=LOGIN, citizen=200))


def test_submitting_is_for_the_owner_of_the_quote(db):
    def fresh():
        option = factories.quote_option(person("citizen"), total_krw=1_100)
        return reverse("orders:new", args=[option.pk])

    assert_access(fresh, "post", expect(403, anonymous=LOGIN, citizen=302), {"note": ""})


@pytest.mark.parametrize("name", ["orders:detail", "orders:timeline"])
def test_an_order_is_seen_by_its_customer_and_the_centers_staff(db, name):
    order = _order()
    assert_access(reverse(name, args=[order.pk]), "get", SEES_ORDER)


def test_cancel_is_for_the_customer_and_the_centers_staff(db):
    assert_access(
        lambda: reverse("orders:cancel", args=[_order().pk]),
        "post",
        _only(302, 403, JEONJU_STAFF | {"citizen"}),
        {"reason": "재료 부족"},
    )


def test_approve_is_for_the_centers_staff(db):
    assert_access(lambda: reverse("orders:approve", args=[_order().pk]), "post", ACTS_AS_STAFF, {})


def test_reject_is_for_the_centers_staff(db):
    assert_access(
        lambda: reverse("orders:reject", args=[_order().pk]),
        "post",
        ACTS_AS_STAFF,
        {"reason": "출력할 수 없습니다"},
    )


def test_moving_on_is_for_the_centers_staff(db):
    assert_access(
        lambda: reverse("orders:move", args=[_order(State.QUEUED).pk]),
        "post",
        ACTS_AS_STAFF,
        {"state": State.PRINTING},
    )


def test_pickup_page_is_for_the_centers_staff(db):
    order = _order(State.READY)
    url = reverse("orders:pickup", args=[order.pickup_token])
    assert_access(url, "get", _only(200, 403, JEONJU_STAFF))


def test_pickup_confirmation_is_for_the_centers_staff(db):
    assert_access(
        lambda: reverse("orders:pickup", args=[_order(State.READY).pickup_token]),
        "post",
        ACTS_AS_STAFF,
    )


def test_an_unknown_pickup_token_is_not_found(db):
    url = reverse("orders:pickup", args=["no-such-token"])
    assert_access(url, "get", expect(404, anonymous=LOGIN))


# --- the API ----------------------------------------------------------------------------

API_SEES_ORDER = expect(403, anonymous=401, **dict.fromkeys(JEONJU_STAFF | {"citizen"}, 200))
API_STAFF = expect(403, anonymous=401, **dict.fromkeys(JEONJU_STAFF, 200))


def test_api_create_order(db):
    # The body names an option made for the citizen: only the citizen may order it.
    for persona, wanted in expect(403, anonymous=401, citizen=201).items():
        option = factories.quote_option(person("citizen"), total_krw=1_100)
        assert_access(
            "/api/orders",
            "post",
            {persona: wanted},
            {"option_id": option.pk},
            auth="token",
            as_json=True,
            complete=False,
        )


def test_api_list_orders(db):
    assert_access("/api/orders", "get", expect(200, anonymous=401), auth="token")
    jeonju = factories.quote_option(person("citizen")).center.pk
    assert_access(
        f"/api/orders?center={jeonju}",
        "get",
        expect(403, anonymous=401, **dict.fromkeys(JEONJU_STAFF, 200)),
        auth="token",
    )


def test_api_get_order(db):
    order = _order()
    assert_access(f"/api/orders/{order.pk}", "get", API_SEES_ORDER, auth="token")


def test_api_cancel(db):
    assert_access(
        lambda: f"/api/orders/{_order().pk}/cancel",
        "post",
        expect(403, anonymous=401, **dict.fromkeys(JEONJU_STAFF | {"citizen"}, 200)),
        {"reason": "재료 부족"},
        auth="token",
        as_json=True,
    )


def test_api_approve(db):
    assert_access(
        lambda: f"/api/orders/{_order().pk}/approve",
        "post",
        API_STAFF,
        {},
        auth="token",
        as_json=True,
    )


def test_api_reject(db):
    assert_access(
        lambda: f"/api/orders/{_order().pk}/reject",
        "post",
        API_STAFF,
        {"reason": "출력할 수 없습니다"},
        auth="token",
        as_json=True,
    )


def test_api_move_on(db):
    assert_access(
        lambda: f"/api/orders/{_order(State.QUEUED).pk}/state",
        "post",
        API_STAFF,
        {"state": "printing"},
        auth="token",
        as_json=True,
    )


def test_api_with_the_browser_session_too(db):
    order = _order()
    assert_access(f"/api/orders/{order.pk}", "get", API_SEES_ORDER)


# --- nothing left out --------------------------------------------------------------------

COVERED_PAGES = {
    "orders:list",
    "orders:new",
    "orders:queue",
    "orders:notifications",
    "orders:pickup",
    "orders:detail",
    "orders:timeline",
    "orders:cancel",
    "orders:approve",
    "orders:reject",
    "orders:move",
}
COVERED_API = {
    ("/api/orders", "get"),
    ("/api/orders", "post"),
    ("/api/orders/{order_id}", "get"),
    ("/api/orders/{order_id}/cancel", "post"),
    ("/api/orders/{order_id}/approve", "post"),
    ("/api/orders/{order_id}/reject", "post"),
    ("/api/orders/{order_id}/state", "post"),
}


def test_every_order_page_is_in_the_matrix():
    _prefix, sub = get_resolver().namespace_dict["orders"]
    named = {f"orders:{p.name}" for p in sub.url_patterns if getattr(p, "name", None)}
    assert named == COVERED_PAGES


def test_every_order_endpoint_is_in_the_matrix(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    found = {
        (path, method)
        for path, operations in paths.items()
        if path.startswith("/api/orders")
        for method in operations
    }
    assert found == COVERED_API
