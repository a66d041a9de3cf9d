"""The orders API: place, follow and cancel orders; staff approve, reject and move them."""

from __future__ import annotations

import datetime as dt
import uuid

from django.shortcuts import get_object_or_404
from ninja import Body, Router, Schema, Status

from printhub.accounts import permissions
from printhub.billing.services import InsufficientFunds
from printhub.orders import services
from printhub.orders.models import Order, State
from printhub.quotes.models import QuoteOption
from printhub.site.api_errors import ErrorOut

PREFIX = "/orders"
router = Router(tags=["orders"])


class OrderCenterOut(Schema):
    id: int
    slug: str
    name: str


class OrderMaterialOut(Schema):
    id: int
    catalog_id: str
    name: str


class PersonOut(Schema):
    id: int
    name: str
    email: str


class EventOut(Schema):
    state: str
    state_label: str
    at: dt.datetime
    note: str
    by: str | None


class OrderOut(Schema):
    id: int
    number: str
    state: str
    state_label: str
    center: OrderCenterOut
    customer: PersonOut
    model_id: uuid.UUID
    model_name: str
    material: OrderMaterialOut
    color: str
    quantity: int
    total_krw: int
    note: str
    policy_flags: list[dict]
    reject_reason: str
    cancelled_by: str
    created_at: dt.datetime
    invoice_id: int | None
    invoice_number: str | None
    can_cancel: bool
    pickup_url: str | None
    events: list[EventOut]


class OrderIn(Schema):
    option_id: int
    note: str = ""


class ReasonIn(Schema):
    reason: str = ""


class ApproveIn(Schema):
    policy_checked: bool = False


class StateIn(Schema):
    state: str
    note: str = ""


class FundsErrorOut(Schema):
    detail: list[str]
    code: str
    total_krw: int
    from_subsidies_krw: int
    balance_krw: int
    missing_krw: int


def order_out(order: Order, request) -> dict:
    """An order as the API shows it to someone allowed to see it."""
    user = request.auth
    staff = permissions.can_review_order(user, order)
    invoice = getattr(order, "invoice", None)
    pickup_url = None
    if order.state == State.READY:
        pickup_url = services.absolute_url(services.pickup_path(order), request)
    return {
        "id": order.pk,
        "number": order.number,
        "state": order.state,
        "state_label": str(State(order.state).label),
        "center": {"id": order.center.pk, "slug": order.center.slug, "name": order.center.name},
        "customer": {
            "id": order.customer.pk,
            "name": order.customer.display_name,
            "email": order.customer.email,
        },
        "model_id": order.model_id,
        "model_name": order.model.original_name,
        "material": {
            "id": order.material.pk,
            "catalog_id": order.material.catalog_id,
            "name": order.material.name,
        },
        "color": order.color,
        "quantity": order.quantity,
        "total_krw": order.total_krw,
        "note": order.note,
        "policy_flags": order.policy_flags if staff else [],
        "reject_reason": order.reject_reason,
        "cancelled_by": order.cancelled_by,
        "created_at": order.created_at,
        "invoice_id": invoice.pk if invoice else None,
        "invoice_number": invoice.number if invoice else None,
        "can_cancel": services.can_cancel(user, order),
        "pickup_url": pickup_url,
        "events": [
            {
                "state": e.state,
                "state_label": str(State(e.state).label),
                "at": e.at,
                "note": e.note,
                "by": e.actor.display_name if e.actor else None,
            }
            for e in order.events.select_related("actor")
        ],
    }


def _get(request, order_id: int) -> Order:
    order = get_object_or_404(
        Order.objects.select_related("customer", "center", "material", "model"), pk=order_id
    )
    permissions.require(permissions.can_see_order(request.auth, order))
    return order


@router.post(
    "", response={201: OrderOut, 403: ErrorOut, 404: ErrorOut, 422: FundsErrorOut | ErrorOut}
)
def create_order(request, payload: OrderIn):
    """Order a quote option (subsidies pay first, then the prepaid balance)."""
    option = get_object_or_404(QuoteOption.objects.select_related("quote"), pk=payload.option_id)
    try:
        order = services.submit_order(request.auth, option, payload.note)
    except InsufficientFunds as err:
        plan = err.plan
        return Status(
            422,
            {
                "detail": err.messages,
                "code": "insufficient_funds",
                "total_krw": plan.total_krw,
                "from_subsidies_krw": plan.from_subsidies_krw,
                "balance_krw": plan.balance_krw,
                "missing_krw": plan.shortfall_krw,
            },
        )
    return Status(201, order_out(order, request))


@router.get("", response={200: list[OrderOut], 403: ErrorOut})
def list_orders(request, center: int | None = None, state: str | None = None, limit: int = 100):
    """My orders; staff: the orders of one of their centers with ?center=<id>."""
    limit = max(1, min(limit, 500))
    if center is not None:
        orders = services.review_queue(request.auth, center, state or "all")
    else:
        orders = services.orders_of(request.auth).select_related("customer")
        if state:
            orders = orders.filter(state=state)
    return [order_out(o, request) for o in orders[:limit]]


@router.get("/{order_id}", response={200: OrderOut, 403: ErrorOut, 404: ErrorOut})
def get_order(request, order_id: int):
    return order_out(_get(request, order_id), request)


@router.post(
    "/{order_id}/cancel", response={200: OrderOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def cancel_order(request, order_id: int, payload: ReasonIn = Body(None)):  # noqa: B008
    """Cancel before printing starts: the customer, or staff with a reason. Refunds all."""
    order = _get(request, order_id)
    services.cancel(order, request.auth, payload.reason if payload else "")
    return order_out(order, request)


@router.post(
    "/{order_id}/approve", response={200: OrderOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def approve_order(request, order_id: int, payload: ApproveIn = Body(None)):  # noqa: B008
    """Staff: approve (flagged orders need policy_checked=true); jobs are made, order queued."""
    order = _get(request, order_id)
    services.approve(order, request.auth, policy_checked=bool(payload and payload.policy_checked))
    return order_out(order, request)


@router.post(
    "/{order_id}/reject", response={200: OrderOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def reject_order(request, order_id: int, payload: ReasonIn):
    """Staff: refuse an order with a reason the customer reads. Refunds all."""
    order = _get(request, order_id)
    services.reject(order, request.auth, payload.reason)
    return order_out(order, request)


@router.post(
    "/{order_id}/state", response={200: OrderOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def move_order(request, order_id: int, payload: StateIn):
    """Staff: move an order on by hand (printing, post_processing, ready, picked_up)."""
    order = _get(request, order_id)
    services.move_on(order, payload.state, request.auth, payload.note)
    return order_out(order, request)
