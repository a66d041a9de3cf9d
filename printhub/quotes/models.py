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

    @property
    def is_valid(self) -> bool:
        return timezone.now() < self.valid_until

    def best_option(self) -> QuoteOption | None:
        return self.options.filter(eligible=True).order_by("total_krw", "ready_at").first()


class QuoteOption(models.Model):
    """The offer of one center (or partner shop) for a quote, or why it cannot take it."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="options")
    center = models.ForeignKey("network.Center", on_delete=models.PROTECT)
    printer_catalog_id = models.CharField(max_length=100, blank=True)
    eligible = models.BooleanField(default=False)
    reason_code = models.CharField(max_length=60, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    print_time_s = models.FloatField(null=True)
    material_amount = models.FloatField(null=True, help_text=_("grams, or millilitres of resin"))
    material_krw = models.PositiveIntegerField(default=0)
    machine_krw = models.PositiveIntegerField(default=0)
    setup_krw = models.PositiveIntegerField(default=0)
    post_processing_krw = models.PositiveIntegerField(default=0)
    minimum_top_up_krw = models.PositiveIntegerField(default=0)
    subtotal_krw = models.PositiveIntegerField(default=0)
    vat_krw = models.PositiveIntegerField(default=0)
    total_krw = models.PositiveIntegerField(default=0)
    queue_hours = models.FloatField(default=0)
    ready_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-eligible", "total_krw"]
