"""Money: balances, subsidies, paying for an order, refunds, top-ups, gap-free numbers.

Integer won everywhere. A person's prepaid balance is the sum of their ledger
entries that are not subsidy entries; what a subsidy has left is its amount
minus the uses recorded against it (in the current month in Seoul for a
monthly quota, ever for a program budget), uses given back by refunds not
counted.

Concurrency: every operation that spends or gives back money locks the
person's row (and a program budget's row) with SELECT ... FOR UPDATE inside
its transaction, and numbers are taken from a locked `Sequence` row, so two
submissions at once can neither overspend nor share or skip a number. The
order of locks is always person → subsidies (by id) → sequences.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from printhub.accounts import permissions
from printhub.billing.models import Invoice, LedgerEntry, Sequence, Subsidy

# A single top-up above this is refused as a likely typing mistake (an extra zero).
TOP_UP_MAX_KRW = 1_000_000


class BillingError(ValidationError):
    """A payment operation that cannot be done; the message says why and what to do."""


class InsufficientFunds(BillingError):
    """Subsidies and balance together do not cover an amount."""

    def __init__(self, plan: PaymentPlan):
        self.plan = plan
        super().__init__(
            _(
                "This order costs %(total)s. Your subsidies cover %(subsidy)s and your "
                "balance is %(balance)s, so %(missing)s is missing. Top up your balance at "
                "the counter of any center (cash or card), then submit the order again."
            )
            % {
                "total": won(plan.total_krw),
                "subsidy": won(plan.from_subsidies_krw),
                "balance": won(plan.balance_krw),
                "missing": won(plan.shortfall_krw),
            },
            code="insufficient_funds",
        )


def won(amount: int) -> str:
    """12300 → "₩12,300"."""
    return f"₩{int(amount):,}"


# --- numbers without gaps -------------------------------------------------------------


def next_number(name: str, year: int) -> int:
    """The next number of a series in a year, 1, 2, 3, … with no gap.

    Must run inside the transaction that stores the numbered thing: the counter
    row stays locked until it commits, and a rollback gives the number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must be called inside transaction.atomic()")
    Sequence.objects.get_or_create(name=name, year=year)
    sequence = Sequence.objects.select_for_update().get(name=name, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def format_number(prefix: str, year: int, number: int) -> str:
    """("PH", 2026, 12) → "PH-2026-000012"."""
    return f"{prefix}-{year}-{number:06d}"


# --- balances and subsidies -------------------------------------------------------------


def balance_of(user) -> int:
    """A person's prepaid balance in won: the sum of their entries outside subsidies."""
    total = LedgerEntry.objects.filter(user=user, subsidy__isnull=True).aggregate(
        total=Sum("amount_krw")
    )["total"]
    return int(total or 0)


def month_bounds(at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The calendar month in Seoul that contains `at`: [start, end) as aware datetimes."""
    tz = timezone.get_default_timezone()
    local = timezone.localtime(at, tz)
    start = dt.datetime(local.year, local.month, 1, tzinfo=tz)
    if local.month == 12:
        end = dt.datetime(local.year + 1, 1, 1, tzinfo=tz)
    else:
        end = dt.datetime(local.year, local.month + 1, 1, tzinfo=tz)
    return start, end


@dataclass
class SubsidyStatus:
    """What a subsidy gives a person now: its amount, what is used, what is left."""

    subsidy: Subsidy
    amount_krw: int
    used_krw: int
    period_start: dt.datetime | None = None  # the month, for a monthly quota
    period_end: dt.datetime | None = None

    @property
    def available_krw(self) -> int:
        return max(0, self.amount_krw - self.used_krw)


def subsidies_applying_to(user, at: dt.datetime | None = None) -> list[Subsidy]:
    """Subsidies a person may use on this day: monthly quotas first, then program budgets."""
    at = at or timezone.now()
    day = timezone.localtime(at).date()
    found = Subsidy.objects.filter(is_active=True).filter(
        Q(kind=Subsidy.Kind.MONTHLY_QUOTA, role=user.role) | Q(members=user)
    )
    subsidies = [s for s in found.distinct() if s.is_valid_on(day)]
    # A monthly quota is lost at the end of the month; spend it before a program's budget.
    subsidies.sort(key=lambda s: (s.kind != Subsidy.Kind.MONTHLY_QUOTA, s.pk))
    return subsidies


def _used(
    subsidy: Subsidy, user, at: dt.datetime
) -> tuple[int, dt.datetime | None, dt.datetime | None]:
    entries = LedgerEntry.objects.filter(subsidy=subsidy)
    if subsidy.kind == Subsidy.Kind.MONTHLY_QUOTA:
        start, end = month_bounds(at)
        # Uses of this month, and refunds of uses of this month (whenever they happened).
        entries = entries.filter(user=user).filter(
            Q(reverses__isnull=True, created_at__gte=start, created_at__lt=end)
            | Q(reverses__created_at__gte=start, reverses__created_at__lt=end)
        )
    else:
        # A program's budget is shared: every use counts, also of former members.
        start = end = None
    total = entries.aggregate(total=Sum("amount_krw"))["total"] or 0
    return -int(total), start, end


def subsidy_status(user, at: dt.datetime | None = None) -> list[SubsidyStatus]:
    """Every subsidy a person may use now, with what is used and what is left.

    A monthly quota counts the uses of the calendar month in Seoul; a program
    budget is shared by its members and counts every use of every member.
    """
    at = at or timezone.now()
    found = []
    for subsidy in subsidies_applying_to(user, at):
        used, start, end = _used(subsidy, user, at)
        found.append(SubsidyStatus(subsidy, subsidy.amount_krw, used, start, end))
    return found


# --- paying for an order ----------------------------------------------------------------


@dataclass
class PaymentPlan:
    """How an amount is paid: from subsidies first, then from the balance."""

    total_krw: int
    balance_krw: int
    subsidies: list[tuple[SubsidyStatus, int]] = field(default_factory=list)  # (status, use)

    @property
    def from_subsidies_krw(self) -> int:
        return sum(use for _status, use in self.subsidies)

    @property
    def from_balance_krw(self) -> int:
        return min(max(self.balance_krw, 0), self.total_krw - self.from_subsidies_krw)

    @property
    def shortfall_krw(self) -> int:
        return self.total_krw - self.from_subsidies_krw - self.from_balance_krw

    @property
    def is_covered(self) -> bool:
        return self.shortfall_krw == 0

    @property
    def balance_after_krw(self) -> int:
        return self.balance_krw - self.from_balance_krw


def plan_payment(user, total_krw: int, at: dt.datetime | None = None) -> PaymentPlan:
    """How `total_krw` would be paid now (subsidies first, then the balance)."""
    if total_krw < 0:
        raise ValueError("an amount to pay cannot be negative")
    plan = PaymentPlan(total_krw=total_krw, balance_krw=balance_of(user))
    left = total_krw
    for status in subsidy_status(user, at):
        use = min(left, status.available_krw)
        if use > 0:
            plan.subsidies.append((status, use))
            left -= use
    return plan


def lock_person(user):
    """Lock a person's row for the rest of the transaction (serialises their spending)."""
    return get_user_model().objects.select_for_update().get(pk=user.pk)


def charge_order(order, by=None) -> Invoice:
    """Pay for a new order (subsidies, then balance) and issue its invoice.

    Runs inside the caller's transaction, which must already hold the lock on the
    customer (`lock_person`); raises InsufficientFunds (nothing written) when the
    money is not there.
    """
    user = order.customer
    program_ids = [
        s.pk for s in subsidies_applying_to(user) if s.kind == Subsidy.Kind.PROGRAM_BUDGET
    ]
    # A program budget is shared: lock it so that two members cannot both take its last won.
    list(Subsidy.objects.select_for_update().filter(pk__in=program_ids).order_by("pk"))
    plan = plan_payment(user, order.total_krw)
    if not plan.is_covered:
        raise InsufficientFunds(plan)

    now = timezone.now()
    payment_lines = []
    for status, use in plan.subsidies:
        LedgerEntry.objects.create(
            user=user,
            kind=LedgerEntry.Kind.SUBSIDY_USE,
            amount_krw=-use,
            subsidy=status.subsidy,
            order=order,
            note=order.number,
            created_at=now,
            created_by=by,
        )
        payment_lines.append(
            {
                "kind": "payment",
                "code": "subsidy",
                "subsidy_id": status.subsidy.pk,
                "name_ko": status.subsidy.name_ko,
                "name_en": status.subsidy.name_en,
                "amount_krw": use,
            }
        )
    if plan.from_balance_krw:
        LedgerEntry.objects.create(
            user=user,
            kind=LedgerEntry.Kind.PAYMENT,
            amount_krw=-plan.from_balance_krw,
            order=order,
            note=order.number,
            created_at=now,
            created_by=by,
        )
        payment_lines.append(
            {"kind": "payment", "code": "balance", "amount_krw": plan.from_balance_krw}
        )
    return issue_invoice(order, payment_lines, plan, now)


def invoice_charge_lines(option) -> list[dict]:
    """The lines of an invoice from a quote option (they add up to its subtotal)."""
    lines = [
        {
            "kind": "charge",
            "code": "material",
            "amount_krw": option.material_krw,
            "quantity": option.material_amount,
        },
        {
            "kind": "charge",
            "code": "machine",
            "amount_krw": option.machine_krw,
            "seconds": option.print_time_s,
        },
        {"kind": "charge", "code": "setup", "amount_krw": option.setup_krw},
        {"kind": "charge", "code": "post_processing", "amount_krw": option.post_processing_krw},
    ]
    if option.minimum_top_up_krw:
        lines.append(
            {"kind": "charge", "code": "minimum_top_up", "amount_krw": option.minimum_top_up_krw}
        )
    return lines


def issue_invoice(order, payment_lines: list[dict], plan: PaymentPlan, now=None) -> Invoice:
    """Number and store the invoice of an order (inside the order's transaction)."""
    now = now or timezone.now()
    option = order.quote_option
    year = timezone.localtime(now).year
    number = format_number("INV", year, next_number("invoice", year))
    lines = invoice_charge_lines(option)
    lines.append({"kind": "vat", "code": "vat", "amount_krw": option.vat_krw})
    lines.extend(payment_lines)
    return Invoice.objects.create(
        number=number,
        order=order,
        user=order.customer,
        lines=lines,
        subtotal_krw=option.subtotal_krw,
        vat_krw=option.vat_krw,
        total_krw=option.total_krw,
        paid_by_subsidy_krw=plan.from_subsidies_krw,
        paid_by_balance_krw=plan.from_balance_krw,
        issued_at=now,
    )


def refund_order(order, by=None, note: str = "") -> list[LedgerEntry]:
    """Give back everything an order took: each subsidy use to its subsidy, the rest to the
    balance. Idempotent (an entry already given back is skipped); inside a transaction."""
    lock_person(order.customer)
    now = timezone.now()
    refunds = []
    taken = LedgerEntry.objects.filter(
        order=order,
        kind__in=(LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.SUBSIDY_USE),
        reversed_by__isnull=True,
    ).order_by("pk")
    for entry in taken:
        kind = (
            LedgerEntry.Kind.SUBSIDY_REFUND
            if entry.kind == LedgerEntry.Kind.SUBSIDY_USE
            else LedgerEntry.Kind.REFUND
        )
        refunds.append(
            LedgerEntry.objects.create(
                user=entry.user,
                kind=kind,
                amount_krw=-entry.amount_krw,
                subsidy=entry.subsidy,
                order=order,
                reverses=entry,
                note=(note or order.number)[:200],
                created_at=now,
                created_by=by,
            )
        )
    Invoice.objects.filter(order=order, refunded_at__isnull=True).update(refunded_at=now)
    return refunds


# --- top-ups at the desk ------------------------------------------------------------------


def can_top_up(user) -> bool:
    """Recording money received at a desk: operators, managers and network admins."""
    return permissions.is_staff_member(user)


def top_up_centers(user):
    """Centers at whose desk this staff member may record money."""
    from printhub.network.models import Center

    return Center.objects.filter(pk__in=user.center_ids(), is_active=True)


def top_up(person, amount_krw: int, by, *, method: str, center, note: str = "") -> LedgerEntry:
    """Record money a person paid at a center's desk (cash or card) on their balance."""
    permissions.require(can_top_up(by))
    if center is None or not permissions.works_at(by, center):
        raise PermissionDenied
    if person.pk == by.pk:
        raise BillingError(_("You cannot record a payment on your own account."))
    if isinstance(amount_krw, bool) or not isinstance(amount_krw, int) or amount_krw <= 0:
        raise BillingError(_("The amount must be a whole number of won above zero."))
    if amount_krw > TOP_UP_MAX_KRW:
        raise BillingError(
            _("A single top-up cannot exceed %(max)s; check the amount.")
            % {"max": won(TOP_UP_MAX_KRW)}
        )
    if method not in LedgerEntry.Method.values:
        raise BillingError(_("Choose how the money was paid."))
    with transaction.atomic():
        lock_person(person)
        return LedgerEntry.objects.create(
            user=person,
            kind=LedgerEntry.Kind.TOP_UP,
            amount_krw=amount_krw,
            method=method,
            center=center,
            note=note.strip()[:200],
            created_by=by,
        )


# --- what a person may see ----------------------------------------------------------------


def can_see_invoice(user, invoice) -> bool:
    """An invoice: its customer, and the staff of the order's center."""
    return permissions.can_see_order(user, invoice.order)


def invoices_of(user):
    return Invoice.objects.filter(user=user).select_related("order", "order__center")


def ledger_of(user):
    return LedgerEntry.objects.filter(user=user).select_related("subsidy", "order", "center")


def recent_top_ups(user, limit: int = 20):
    """The latest desk payments at a staff member's centers."""
    return (
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.TOP_UP, center__in=user.center_ids())
        .select_related("user", "center", "created_by")
        .order_by("-created_at", "-pk")[:limit]
    )
