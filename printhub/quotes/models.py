"""Quotes: price and lead time of a model at each eligible center, saved for a while."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Quote(models.Model):
    """What a person asked a price for: one model, one material, a quantity, settings."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quotes"
    )
    model = models.ForeignKey(
        "parts.UploadedModel", on_delete=models.CASCADE, related_name="quotes"
    )
    material = models.ForeignKey("network.Material", on_delete=models.PROTECT)
    color = models.CharField(_("colour"), max_length=40, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    layer_height_mm = models.FloatField(_("layer height (mm)"), null=True, blank=True)
    infill_percent = models.PositiveSmallIntegerField(_("infill (%)"), default=20)
    post_processing = models.JSONField(_("post-processing"), default=list, blank=True)
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty: compare every eligible center and pick the best."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The quote's number people read and quote back: Q-<date>-<6 hex of its id>."""
        created = timezone.localtime(self.created_at)
        return f"Q-{created:%Y%m%d}-{self.id.hex[:6].upper()}"

    @property
    def is_valid(self) -> bool:
        return timezone.now() < self.valid_until

    def best_option(self) -> QuoteOption | None:
        """The first eligible option (the chosen center when it can, else the cheapest)."""
        return self.options.filter(eligible=True).order_by("position", "id").first()


class QuoteOption(models.Model):
    """The offer of one center (or partner shop) for a quote, or why it cannot take it."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="options")
    center = models.ForeignKey("network.Center", on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(
        default=0, help_text=_("0 = shown first: the chosen center, else the cheapest.")
    )
    printer_catalog_id = models.CharField(max_length=100, blank=True)
    printers_used = models.PositiveSmallIntegerField(default=0)
    eligible = models.BooleanField(default=False)
    reason_code = models.CharField(max_length=60, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    print_time_s = models.FloatField(null=True)
    material_amount = models.FloatField(null=True, help_text=_("grams, or millilitres of resin"))
    material_krw = models.PositiveIntegerField(default=0)
    machine_krw = models.PositiveIntegerField(default=0)
    setup_krw = models.PositiveIntegerField(default=0)
    post_processing_krw = models.PositiveIntegerField(default=0)
    post_processing_lines = models.JSONField(default=list, blank=True)
    minimum_top_up_krw = models.PositiveIntegerField(default=0)
    subtotal_krw = models.PositiveIntegerField(default=0)
    vat_krw = models.PositiveIntegerField(default=0)
    total_krw = models.PositiveIntegerField(default=0)
    queue_hours = models.FloatField(default=0)
    printed_at = models.DateTimeField(null=True)
    ready_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("quote option")
        verbose_name_plural = _("quote options")

    def __str__(self) -> str:
        return f"{self.quote} · {self.center}"

    @property
    def printer_name(self) -> str:
        from printhub.quotes.services import printer_name

        return printer_name(self.printer_catalog_id)

    @property
    def reason(self) -> str:
        """Why this center cannot take the job, in the active language ("" when it can)."""
        from printhub.quotes.reasons import reason_message

        return reason_message(self.reason_code, self.reason_params) if self.reason_code else ""
