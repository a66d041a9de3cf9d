"""Money: prepaid balances, subsidies, a ledger, numbered invoices. Integer won only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class Subsidy(models.Model):
    """Money the city gives a group of people for printing.

    A monthly quota for everyone of a role (students), or a budget for the
    members of an incubation program (startups).
    """

    class Kind(models.TextChoices):
        MONTHLY_QUOTA = "monthly_quota", _("Monthly quota per person")
        PROGRAM_BUDGET = "program_budget", _("Budget of an incubation program")

    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    role = models.CharField(_("for role"), max_length=20, blank=True)
    amount_krw = models.PositiveIntegerField(_("amount (₩)"))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="subsidies", verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("subsidy")
        verbose_name_plural = _("subsidies")

    def __str__(self) -> str:
        return self.name_ko

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_ko

    def is_valid_on(self, day) -> bool:
        """Active and within its dates on this day (a date in Seoul)."""
        if not self.is_active or day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until


class LedgerEntry(models.Model):
    """One movement of money; a balance is the sum of a person's entries.

    amount_krw is positive for money in (a top-up, a refund) and negative for
    money out (a payment). Subsidy use is recorded against the subsidy (those
    entries have `subsidy` set and are not part of the prepaid balance). A refund
    points at the entry it gives back (`reverses`), so that a monthly quota is
    given back to the month it was taken from.
    """

    class Method(models.TextChoices):
        CASH = "cash", _("Cash at the desk")
        CARD = "card", _("Card at the desk")
        TRANSFER = "transfer", _("Bank transfer")

    class Kind(models.TextChoices):
        TOP_UP = "top_up", _("Top-up")
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")
        SUBSIDY_USE = "subsidy_use", _("Paid by subsidy")
        SUBSIDY_REFUND = "subsidy_refund", _("Subsidy given back")
        ADJUSTMENT = "adjustment", _("Adjustment")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount_krw = models.IntegerField()
    subsidy = models.ForeignKey(Subsidy, on_delete=models.PROTECT, null=True, blank=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, null=True, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    method = models.CharField(
        _("payment method"), max_length=20, choices=Method.choices, blank=True
    )
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received at"),
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")


class Sequence(models.Model):
    """The last number issued in a series (orders, invoices) in a year: no gaps.

    The row is locked (SELECT ... FOR UPDATE) while a number is taken, inside the
    transaction that uses it, so a rolled-back order gives its number back.
    """

    name = models.CharField(max_length=30)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="one_sequence_per_name_and_year")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}: {self.last_number}"


class Invoice(models.Model):
    """A numbered invoice for an order."""

    number = models.CharField(_("invoice number"), max_length=30, unique=True)
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="invoice")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    lines = models.JSONField(default=list)
    subtotal_krw = models.PositiveIntegerField()
    vat_krw = models.PositiveIntegerField()
    total_krw = models.PositiveIntegerField()
    paid_by_subsidy_krw = models.PositiveIntegerField(default=0)
    paid_by_balance_krw = models.PositiveIntegerField(default=0)
    issued_at = models.DateTimeField(default=timezone.now)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")

    def __str__(self) -> str:
        return self.number

    def charge_lines(self) -> list[dict]:
        return [line for line in self.lines if line.get("kind") == "charge"]

    def payment_lines(self) -> list[dict]:
        return [line for line in self.lines if line.get("kind") == "payment"]
