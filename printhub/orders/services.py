"""Orders: submitting one from a quote, its state machine, staff review, pickup.

Every change of state goes through `change_state`, which checks the change
against `TRANSITIONS`, records an `OrderEvent` and tells the customer (a
`Notification` and an e-mail, in their language). The other functions here are
the operations people do; each checks who may do it and runs in one
transaction, with the order's row (and the customer's, for money) locked.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from printhub.accounts import permissions
from printhub.billing import services as billing
from printhub.orders.models import (
    FINAL_STATES,
    TRANSITIONS,
    Notification,
    Order,
    OrderEvent,
    State,
)
from printhub.orders.policy import policy_flags

log = logging.getLogger(__name__)

# States a customer may still cancel in (nothing has been printed yet).
CANCELLABLE_STATES = (State.SUBMITTED, State.APPROVED, State.QUEUED)
# States staff move an order to by hand (until production drives them).
MANUAL_STATES = (State.PRINTING, State.POST_PROCESSING, State.READY, State.PICKED_UP, State.QUEUED)
# The review queue shows work in this order: new orders first.
QUEUE_ORDER = (
    State.SUBMITTED,
    State.APPROVED,
    State.QUEUED,
    State.PRINTING,
    State.POST_PROCESSING,
    State.READY,
)


class OrderError(ValidationError):
    """An order operation that cannot be done; the message says why."""


class InvalidTransition(OrderError):
    """A change of state the transition table does not allow."""


class PolicyCheckRequired(OrderError):
    """A flagged order approved without the explicit confirmation of the policy checks."""


# --- submitting ---------------------------------------------------------------------------


def check_option(user, option) -> None:
    """Whether a person may order this quote option; raises PermissionDenied or OrderError."""
    quote = option.quote
    if not user.is_authenticated or quote.owner_id != user.pk:
        raise PermissionDenied
    if not quote.is_valid:
        raise OrderError(
            _("This quote expired on %(date)s. Ask for a new quote to see today's prices.")
            % {"date": timezone.localtime(quote.valid_until).strftime("%Y-%m-%d")},
            code="quote_expired",
        )
    if not option.eligible:
        raise OrderError(
            _("This center cannot print the model as quoted. Choose another center."),
            code="option_not_eligible",
        )
    if not option.center.is_active:
        raise OrderError(
            _("This center does not take orders at the moment. Choose another center."),
            code="center_inactive",
        )
    parts = (
        option.material_krw
        + option.machine_krw
        + option.setup_krw
        + option.post_processing_krw
        + option.minimum_top_up_krw
    )
    if parts != option.subtotal_krw or option.subtotal_krw + option.vat_krw != option.total_krw:
        log.error("quote option %s: price lines do not add up", option.pk)
        raise OrderError(
            _("The prices of this quote do not add up. Ask for a new quote."),
            code="quote_inconsistent",
        )
    active = Order.objects.filter(quote_option=option).exclude(
        state__in=(State.CANCELLED, State.REJECTED)
    )
    existing = active.first()
    if existing is not None:
        raise OrderError(
            _("You already ordered this quote (order %(number)s).") % {"number": existing.number},
            code="already_ordered",
        )


def preview_payment(user, option) -> billing.PaymentPlan:
    """How an order of this option would be paid now (for the confirmation page)."""
    return billing.plan_payment(user, option.total_krw)


def submit_order(user, option, note: str = "") -> Order:
    """Order a quote option: check it, pay it (subsidies, then balance), number it.

    Raises PermissionDenied (not the person's quote), OrderError (expired, not
    eligible, already ordered) or billing.InsufficientFunds (nothing is stored).
    """
    note = (note or "").strip()
    if len(note) > 2000:
        raise OrderError(_("The note is too long (2,000 characters at most)."), code="note")
    with transaction.atomic():
        billing.lock_person(user)
        option = (
            type(option)
            .objects.select_related("quote__model", "quote__material", "center")
            .get(pk=option.pk)
        )
        check_option(user, option)
        quote = option.quote
        model = quote.model
        # Check the money before taking a number, so a refusal costs no sequence lock.
        plan = billing.plan_payment(user, option.total_krw)
        if not plan.is_covered:
            raise billing.InsufficientFunds(plan)
        now = timezone.now()
        year = timezone.localtime(now).year
        number = billing.format_number("PH", year, billing.next_number("order", year))
        order = Order.objects.create(
            number=number,
            customer=user,
            quote_option=option,
            center=option.center,
            model=model,
            material=quote.material,
            color=quote.color,
            quantity=quote.quantity,
            total_krw=option.total_krw,
            note=note,
            policy_flags=policy_flags(
                file_name=model.original_name,
                note=note,
                quantity=quote.quantity,
                analysed=model.is_ready and bool(model.report),
            ),
            created_at=now,
        )
        billing.charge_order(order, by=user)
        OrderEvent.objects.create(order=order, state=State.SUBMITTED, at=now, actor=user)
        send_message(order, State.SUBMITTED)
    return order


# --- the state machine --------------------------------------------------------------------


def change_state(order: Order, new_state: str, actor, note: str = "", *, notify: bool = True):
    """Move an order to a new state if the transition table allows it.

    Records an OrderEvent and (unless notify=False) tells the customer. Locks the
    order's row for the rest of the caller's transaction; updates `order` in place.
    """
    with transaction.atomic():
        current = Order.objects.select_for_update().get(pk=order.pk)
        if new_state not in TRANSITIONS[current.state]:
            raise InvalidTransition(
                _("Order %(number)s is %(state)s; it cannot become %(new)s.")
                % {
                    "number": current.number,
                    "state": State(current.state).label,
                    "new": State(new_state).label if new_state in State.values else new_state,
                },
                code="invalid_transition",
            )
        previous = current.state
        order.state = new_state
        Order.objects.filter(pk=order.pk).update(state=new_state, updated_at=timezone.now())
        event = OrderEvent.objects.create(order=order, state=new_state, actor=actor, note=note)
        if notify:
            send_message(order, new_state, previous=previous, note=note)
    return event


def _locked(order: Order) -> Order:
    """The order re-read with its customer's and its own row locked (person first)."""
    billing.lock_person(order.customer)
    return Order.objects.select_for_update().select_related("customer", "center").get(pk=order.pk)


def _sync(order: Order, fresh: Order) -> Order:
    for name in (
        "state",
        "reject_reason",
        "cancelled_by",
        "policy_checked_by_id",
        "policy_checked_at",
    ):
        setattr(order, name, getattr(fresh, name))
    return order


def approve(order: Order, by, policy_checked: bool = False) -> Order:
    """Approve an order: its jobs (one per part) are made and it is queued for printing.

    A flagged order needs `policy_checked=True`: the reviewer confirms they looked.
    """
    from printhub.production import services as production

    permissions.require(permissions.can_review_order(by, order))
    with transaction.atomic():
        fresh = _locked(order)
        if fresh.state != State.SUBMITTED:
            _refuse_transition(fresh, State.APPROVED)
        note = ""
        if fresh.policy_flags:
            if not policy_checked:
                raise PolicyCheckRequired(
                    _(
                        "This order has policy flags (%(flags)s). Look at them and confirm "
                        "that you checked them before approving."
                    )
                    % {"flags": "; ".join(flag_messages(fresh))},
                    code="policy_check_required",
                )
            fresh.policy_checked_by = by
            fresh.policy_checked_at = timezone.now()
            fresh.save(update_fields=["policy_checked_by", "policy_checked_at", "updated_at"])
            note = _("Policy checks confirmed: %(flags)s") % {
                "flags": "; ".join(flag_messages(fresh))
            }
        change_state(fresh, State.APPROVED, by, note, notify=False)
        production.create_jobs(fresh)
        change_state(fresh, State.QUEUED, by)
    return _sync(order, fresh)


def reject(order: Order, by, reason: str) -> Order:
    """Refuse an order (a reason is required); everything paid is given back."""
    permissions.require(permissions.can_review_order(by, order))
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_("Give the customer a reason for the rejection."), code="reason")
    with transaction.atomic():
        fresh = _locked(order)
        if not fresh.can_become(State.REJECTED):
            _refuse_transition(fresh, State.REJECTED)
        fresh.reject_reason = reason
        fresh.save(update_fields=["reject_reason", "updated_at"])
        billing.refund_order(
            fresh, by=by, note=_("Rejected: %(number)s") % {"number": fresh.number}
        )
        change_state(fresh, State.REJECTED, by, reason)
    return _sync(order, fresh)


def can_cancel(user, order: Order) -> bool:
    """The customer (before printing starts) and the staff of the order's center."""
    if order.state not in CANCELLABLE_STATES or not user.is_authenticated:
        return False
    return order.customer_id == user.pk or permissions.can_review_order(user, order)


def cancel(order: Order, by, reason: str = "") -> Order:
    """Cancel an order before printing: by its customer, or by staff with a reason.

    Everything paid is given back and its production jobs are cancelled.
    """
    from printhub.production import services as production

    reason = (reason or "").strip()
    if order.customer_id == by.pk:
        cancelled_by = "customer"
    elif permissions.can_review_order(by, order):
        cancelled_by = "staff"
        if not reason:
            raise OrderError(_("Give the customer a reason for the cancellation."), code="reason")
    else:
        raise PermissionDenied
    with transaction.atomic():
        fresh = _locked(order)
        if fresh.state not in CANCELLABLE_STATES:
            raise InvalidTransition(
                _("Order %(number)s is %(state)s and can no longer be cancelled.")
                % {"number": fresh.number, "state": State(fresh.state).label},
                code="invalid_transition",
            )
        fresh.cancelled_by = cancelled_by
        fresh.save(update_fields=["cancelled_by", "updated_at"])
        billing.refund_order(
            fresh, by=by, note=_("Cancelled: %(number)s") % {"number": fresh.number}
        )
        change_state(fresh, State.CANCELLED, by, reason)
        production.follow_order(fresh)
    return _sync(order, fresh)


def move_on(order: Order, new_state: str, by, note: str = "") -> Order:
    """Staff move an order along by hand: printing, post-processing, ready, picked up
    (and from printing back to queued for a reprint). Its jobs follow."""
    from printhub.production import services as production

    permissions.require(permissions.can_review_order(by, order))
    if new_state not in State.values:
        raise OrderError(
            _("Unknown state %(state)s; use one of: %(states)s.")
            % {"state": new_state, "states": ", ".join(MANUAL_STATES)},
            code="unknown_state",
        )
    if new_state not in MANUAL_STATES:
        raise InvalidTransition(
            _("Use approval, rejection or cancellation for that change."), code="not_manual"
        )
    with transaction.atomic():
        fresh = _locked(order)
        if new_state == State.QUEUED and fresh.state != State.PRINTING:
            _refuse_transition(fresh, new_state)
        change_state(fresh, new_state, by, (note or "").strip())
        production.follow_order(fresh)
    return _sync(order, fresh)


def manual_next_states(order: Order) -> list[str]:
    """The states staff may move an order to by hand from where it is."""
    allowed = [s for s in TRANSITIONS[order.state] if s in MANUAL_STATES]
    if order.state != State.PRINTING:
        allowed = [s for s in allowed if s != State.QUEUED]
    return allowed


def confirm_pickup(order: Order, by) -> Order:
    """The customer took the parts: staff of the order's center confirm the handover."""
    if order.state != State.READY:
        raise InvalidTransition(
            _("Order %(number)s is %(state)s, not ready for pickup.")
            % {"number": order.number, "state": State(order.state).label},
            code="not_ready",
        )
    return move_on(order, State.PICKED_UP, by)


def _refuse_transition(order: Order, new_state: str):
    raise InvalidTransition(
        _("Order %(number)s is %(state)s; it cannot become %(new)s.")
        % {
            "number": order.number,
            "state": State(order.state).label,
            "new": State(new_state).label,
        },
        code="invalid_transition",
    )


# --- what people see ----------------------------------------------------------------------


def flag_messages(order: Order) -> list[str]:
    """The policy flags of an order as sentences for the reviewer."""
    messages = []
    for flag in order.policy_flags or []:
        code = flag.get("code")
        if code == "weapon_words":
            messages.append(
                _("Weapon-like words in the file name or note: %(words)s")
                % {"words": ", ".join(flag.get("words", []))}
            )
        elif code == "large_quantity":
            messages.append(
                _("Unusually large quantity: %(quantity)d parts (more than %(limit)d)")
                % {"quantity": flag.get("quantity", 0), "limit": flag.get("limit", 50)}
            )
        elif code == "no_analysis":
            messages.append(_("The model was not analysed: check that it prints."))
        else:
            messages.append(str(code))
    return messages


def orders_of(user):
    """A person's own orders, newest first."""
    return Order.objects.filter(customer=user).select_related("center", "material", "model")


def staff_centers(user):
    """The centers whose work a staff member sees."""
    from printhub.network.models import Center

    return Center.objects.filter(pk__in=user.center_ids()).order_by("kind", "pk")


def review_queue(user, center_id: int | None = None, state: str | None = None):
    """Orders of a staff member's centers: new ones first, then the rest of the work by state.

    `state` narrows to one state ("all" includes finished orders); by default the
    orders not yet finished.
    """
    permissions.require(permissions.is_staff_member(user))
    centers = user.center_ids()
    if center_id is not None:
        permissions.require(center_id in centers)
        centers = {center_id}
    orders = Order.objects.filter(center__in=centers).select_related(
        "customer", "center", "material", "model"
    )
    if state == "all":
        pass
    elif state in State.values:
        orders = orders.filter(state=state)
    else:
        orders = orders.exclude(state__in=FINAL_STATES)
    rank = Case(
        *[When(state=s, then=Value(i)) for i, s in enumerate(QUEUE_ORDER)],
        default=Value(len(QUEUE_ORDER)),
        output_field=IntegerField(),
    )
    return orders.annotate(queue_rank=rank).order_by("queue_rank", "created_at", "pk")


def pickup_path(order: Order) -> str:
    return reverse("orders:pickup", args=[order.pickup_token])


def absolute_url(path: str, request=None) -> str:
    """An address people can open: from the request when there is one, else SITE_URL."""
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path


# --- telling the customer -----------------------------------------------------------------


def _message(order: Order, state: str, previous: str | None, note: str) -> tuple[str, str]:
    """Subject and body of the message for a state, in the active language."""
    values = {
        "number": order.number,
        "center": order.center.name,
        "address": order.center.address,
        "model": order.model.original_name,
        "quantity": order.quantity,
        "material": order.material.name,
        "note": note,
    }
    if state == State.SUBMITTED:
        subject = _("Order %(number)s received")
        body = _(
            "We received your order %(number)s: %(model)s, %(quantity)d × %(material)s at "
            "%(center)s. The center's staff will review it soon."
        )
    elif state == State.APPROVED:
        subject = _("Order %(number)s approved")
        body = _("Your order %(number)s was approved by %(center)s.")
    elif state == State.QUEUED and previous == State.PRINTING:
        subject = _("Order %(number)s will be printed again")
        body = _(
            "The print of your order %(number)s did not succeed; %(center)s will print it "
            "again. You pay nothing more."
        )
    elif state == State.QUEUED:
        subject = _("Order %(number)s approved")
        body = _(
            "Your order %(number)s was approved and is queued for printing at %(center)s. "
            "We will tell you when it is ready."
        )
    elif state == State.PRINTING:
        subject = _("Order %(number)s is printing")
        body = _("Your order %(number)s is being printed at %(center)s.")
    elif state == State.POST_PROCESSING:
        subject = _("Order %(number)s is being finished")
        body = _("Your order %(number)s is printed and being finished (post-processing).")
    elif state == State.READY:
        subject = _("Order %(number)s is ready for pickup")
        body = _(
            "Your order %(number)s is ready. Pick it up at %(center)s (%(address)s) during "
            "opening hours and show the QR code of the order page at the counter."
        )
    elif state == State.PICKED_UP:
        subject = _("Order %(number)s picked up")
        body = _("You picked up your order %(number)s. Thank you for printing with us.")
    elif state == State.CANCELLED:
        subject = _("Order %(number)s cancelled")
        if order.cancelled_by == "staff":
            body = _("%(center)s cancelled your order %(number)s. Reason: %(note)s")
        else:
            body = _("Your order %(number)s is cancelled.")
    elif state == State.REJECTED:
        subject = _("Order %(number)s was not accepted")
        body = _("%(center)s could not accept your order %(number)s. Reason: %(note)s")
    else:  # pragma: no cover - every state has a message above
        subject, body = order.number, State(state).label
    subject, body = subject % values, body % values
    if state in (State.CANCELLED, State.REJECTED):
        body += " " + _refund_sentence(order)
    return subject, body


def _refund_sentence(order: Order) -> str:
    from printhub.billing.models import LedgerEntry

    refunds = LedgerEntry.objects.filter(order=order, reverses__isnull=False)
    to_subsidy = sum(e.amount_krw for e in refunds if e.subsidy_id)
    to_balance = sum(e.amount_krw for e in refunds if not e.subsidy_id)
    if not to_subsidy and not to_balance:
        return ""
    if to_subsidy and to_balance:
        return _("%(subsidy)s went back to your subsidy and %(balance)s to your balance.") % {
            "subsidy": billing.won(to_subsidy),
            "balance": billing.won(to_balance),
        }
    if to_subsidy:
        return _("%(subsidy)s went back to your subsidy.") % {"subsidy": billing.won(to_subsidy)}
    return _("%(balance)s went back to your balance.") % {"balance": billing.won(to_balance)}


def send_message(
    order: Order, state: str, previous: str | None = None, note: str = ""
) -> Notification:
    """Tell the customer about a state: a notification now, an e-mail once committed."""
    customer = order.customer
    language = customer.preferred_language if customer.preferred_language in ("ko", "en") else "ko"
    with translation.override(language):
        subject, body = _message(order, state, previous, note)
        link = absolute_url(reverse("orders:detail", args=[order.pk]))
        mail_body = body + "\n\n" + _("Your order: %(link)s") % {"link": link}
    notification = Notification.objects.create(
        user=customer, order=order, subject=subject, body=body
    )

    def mail() -> None:
        try:
            send_mail(subject, mail_body, None, [customer.email])
        except Exception:  # the notification is stored; a mail server down must not undo it
            log.exception("could not e-mail %s about order %s", customer.pk, order.number)

    transaction.on_commit(mail)
    return notification


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user, order: Order | None = None) -> int:
    """Mark a person's notifications (of one order, or all) as read."""
    found = Notification.objects.filter(user=user, read_at__isnull=True)
    if order is not None:
        found = found.filter(order=order)
    return found.update(read_at=timezone.now())
