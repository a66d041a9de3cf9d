"""Money: prepaid balances, subsidies, a ledger, numbered invoices. Integer won only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class LedgerEntry(models.Model):
    """One movement of money; a balance is the sum of a person's entries.

    amount_krw is positive for money in (a top-up, a refund) and negative for
    money out (a payment). Subsidy use is recorded against the subsidy.
    """

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


class InvoiceCounter(models.Model):
    """The last invoice number issued in a year (numbers have no gaps)."""

    year = models.PositiveIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)


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

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
