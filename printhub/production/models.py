"""Production jobs: one per part to print. The production issue builds their life on this."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """One part of an approved order, waiting to be printed."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SLICING = "slicing", _("Slicing")
        READY = "ready", _("Ready to print")
        PRINTING = "printing", _("Printing")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        INTERRUPTED = "interrupted", _("Interrupted")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="jobs")
    index = models.PositiveIntegerField(_("part number"))
    center = models.ForeignKey("network.Center", on_delete=models.PROTECT, related_name="jobs")
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    estimated_print_s = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "index"]
        unique_together = [("order", "index")]
        verbose_name = _("production job")
        verbose_name_plural = _("production jobs")
