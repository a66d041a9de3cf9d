"""Order pages: ordering a quote, my orders, an order's timeline, staff review, pickup."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from printhub.accounts import permissions
from printhub.orders import services
from printhub.orders.forms import ApproveForm, CancelForm, MoveForm, OrderForm, RejectForm
from printhub.orders.models import Notification, Order, State
from printhub.quotes.models import QuoteOption


def _error(request, err: ValidationError) -> None:
    messages.error(request, " ".join(err.messages))


def _order_for(request, pk: int) -> Order:
    order = get_object_or_404(
        Order.objects.select_related("customer", "center", "material", "model", "quote_option"),
        pk=pk,
    )
    permissions.require(permissions.can_see_order(request.user, order))
    return order


@login_required
def new(request, option_id: int):
    """Confirm an order of a quote option: what, where, how it is paid; then submit."""
    option = get_object_or_404(
        QuoteOption.objects.select_related("quote__model", "quote__material", "center"),
        pk=option_id,
    )
    quote = option.quote
    permissions.require(quote.owner_id == request.user.pk)
    form = OrderForm(request.POST or None)
    problem = None
    try:
        services.check_option(request.user, option)
    except ValidationError as err:
        problem = " ".join(err.messages)
    if request.method == "POST" and problem is None and form.is_valid():
        try:
            order = services.submit_order(request.user, option, form.cleaned_data["note"])
        except ValidationError as err:
            problem = " ".join(err.messages)
        else:
            messages.success(
                request,
                _("Thank you: your order %(number)s is submitted.") % {"number": order.number},
            )
            return redirect("orders:detail", pk=order.pk)
    plan = services.preview_payment(request.user, option)
    return render(
        request,
        "orders/new.html",
        {
            "option": option,
            "quote": quote,
            "model": quote.model,
            "form": form,
            "plan": plan,
            "problem": problem,
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
def order_list(request):
    orders = services.orders_of(request.user)
    return render(request, "orders/list.html", {"orders": orders})


def _detail_context(request, order: Order) -> dict:
    is_customer = order.customer_id == request.user.pk
    can_review = permissions.can_review_order(request.user, order)
    context = {
        "order": order,
        "events": order.events.select_related("actor"),
        "is_customer": is_customer,
        "can_review": can_review,
        "can_cancel": services.can_cancel(request.user, order),
        "flags": services.flag_messages(order),
        "invoice": getattr(order, "invoice", None),
        "notifications": order.notification_set.filter(user=request.user),
    }
    if order.state == State.READY and (is_customer or can_review):
        url = services.absolute_url(services.pickup_path(order), request)
        image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
        context["pickup_url"] = url
        context["qr_svg"] = mark_safe(
            image.to_string(encoding="unicode")
        )  # our own SVG, not user input
    if can_review:
        context["approve_form"] = ApproveForm()
        context["reject_form"] = RejectForm()
        context["cancel_form"] = CancelForm()
        next_states = services.manual_next_states(order)
        if next_states:
            form = MoveForm(initial={"state": next_states[0]})
            form.fields["state"].choices = [(s, State(s).label) for s in next_states]
            context["move_form"] = form
    return context


@login_required
def detail(request, pk: int):
    order = _order_for(request, pk)
    if order.customer_id == request.user.pk:
        services.mark_read(request.user, order)
    return render(request, "orders/detail.html", _detail_context(request, order))


@login_required
def timeline(request, pk: int):
    """The state and timeline of an order (the detail page polls it while it moves)."""
    order = _order_for(request, pk)
    response = render(request, "orders/_timeline.html", _detail_context(request, order))
    shown = request.GET.get("state")
    if shown and shown != order.state:
        # The state changed since the page was drawn: redraw all of it (QR code, buttons).
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def cancel(request, pk: int):
    order = _order_for(request, pk)
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        services.cancel(order, request.user, form.cleaned_data.get("reason", ""))
    except ValidationError as err:
        _error(request, err)
    else:
        messages.success(request, _("Order %(number)s is cancelled.") % {"number": order.number})
    return redirect("orders:detail", pk=order.pk)


@login_required
@require_POST
def approve(request, pk: int):
    order = _order_for(request, pk)
    form = ApproveForm(request.POST)
    form.is_valid()
    try:
        services.approve(order, request.user, form.cleaned_data.get("policy_checked", False))
    except ValidationError as err:
        _error(request, err)
    else:
        messages.success(
            request, _("Order %(number)s is approved and queued.") % {"number": order.number}
        )
    if request.POST.get("next") == "queue":
        return redirect("orders:queue")
    return redirect("orders:detail", pk=order.pk)


@login_required
@require_POST
def reject(request, pk: int):
    order = _order_for(request, pk)
    permissions.require(permissions.can_review_order(request.user, order))
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("orders:detail", pk=order.pk)
    try:
        services.reject(order, request.user, form.cleaned_data["reason"])
    except ValidationError as err:
        _error(request, err)
    else:
        messages.success(request, _("Order %(number)s is rejected.") % {"number": order.number})
    return redirect("orders:detail", pk=order.pk)


@login_required
@require_POST
def move(request, pk: int):
    order = _order_for(request, pk)
    permissions.require(permissions.can_review_order(request.user, order))
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a state to move the order to."))
        return redirect("orders:detail", pk=order.pk)
    try:
        services.move_on(order, form.cleaned_data["state"], request.user, form.cleaned_data["note"])
    except ValidationError as err:
        _error(request, err)
    else:
        messages.success(
            request,
            _("Order %(number)s is now: %(state)s")
            % {"number": order.number, "state": State(order.state).label},
        )
    return redirect("orders:detail", pk=order.pk)


@permissions.staff_required
def queue(request):
    """Staff: the orders of my centers, new ones first."""
    centers = services.staff_centers(request.user)
    center_id = request.GET.get("center")
    try:
        center_id = int(center_id) if center_id else None
    except ValueError:
        center_id = None
    state = request.GET.get("state") or None
    orders = services.review_queue(request.user, center_id, state)
    rows = [(order, services.flag_messages(order)) for order in orders]
    return render(
        request,
        "orders/queue.html",
        {
            "rows": rows,
            "centers": centers,
            "center_id": center_id,
            "state": state,
            "states": State.choices,
            "approve_form": ApproveForm(),
        },
    )


@login_required
def pickup(request, token: str):
    """Staff of the order's center open the customer's QR code and confirm the handover."""
    order = get_object_or_404(
        Order.objects.select_related("customer", "center", "material", "model"),
        pickup_token=token,
    )
    permissions.require(permissions.can_review_order(request.user, order))
    if request.method == "POST":
        try:
            services.confirm_pickup(order, request.user)
        except ValidationError as err:
            _error(request, err)
        else:
            messages.success(
                request, _("Order %(number)s is handed over.") % {"number": order.number}
            )
        return redirect("orders:pickup", token=token)
    return render(
        request,
        "orders/pickup.html",
        {"order": order, "jobs": order.jobs.all(), "is_ready": order.state == State.READY},
    )


@login_required
def notifications(request):
    """My messages; opening the page marks them read."""
    items = list(Notification.objects.filter(user=request.user).select_related("order")[:100])
    unread = {n.pk for n in items if n.read_at is None}
    services.mark_read(request.user)
    return render(request, "orders/notifications.html", {"items": items, "unread": unread})
