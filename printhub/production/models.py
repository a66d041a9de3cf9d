"""Production jobs: one per part to print, with an explicit state machine and a history."""

from __future__ import annotations

from django.conf import settings
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

    class CancelledBy(models.TextChoices):
        CUSTOMER = "customer", _("the customer")
        STAFF = "staff", _("staff")

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="jobs")
    index = models.PositiveIntegerField(_("part number"))
    center = models.ForeignKey("network.Center", on_delete=models.PROTECT, related_name="jobs")
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    estimated_print_s = models.FloatField(default=0)
    printer = models.ForeignKey(
        "network.Printer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("printer"),
    )
    attempts = models.PositiveIntegerField(_("prints started"), default=0)
    reason = models.TextField(_("reason of the last failure or cancel"), blank=True)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "index"]
        unique_together = [("order", "index")]
        verbose_name = _("production job")
        verbose_name_plural = _("production jobs")

    def __str__(self) -> str:
        return f"{self.order_id}-{self.index}"

    def can_become(self, state: str) -> bool:
        return state in JOB_TRANSITIONS[self.state]


S = Job.State
# Which state may follow which (services.move_job checks every change against it).
JOB_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.QUEUED: (S.SLICING, S.CANCELLED),
    # Sliced for the printer it got; back to the queue when the plan moves it elsewhere.
    S.SLICING: (S.READY, S.QUEUED, S.FAILED, S.CANCELLED),
    # Started only after an operator confirmed the bed is clear.
    S.READY: (S.PRINTING, S.QUEUED, S.CANCELLED),
    S.PRINTING: (S.PAUSED, S.COMPLETED, S.FAILED, S.INTERRUPTED, S.CANCELLED),
    S.PAUSED: (S.PRINTING, S.FAILED, S.INTERRUPTED, S.CANCELLED),
    S.FAILED: (S.QUEUED, S.CANCELLED),
    # The printer went away mid-print: the operator decides (the part may have finished).
    S.INTERRUPTED: (S.QUEUED, S.COMPLETED, S.CANCELLED),
    S.COMPLETED: (),
    S.CANCELLED: (),
}
del S


class JobEvent(models.Model):
    """One step of a job's life: the state it entered, when, by whom, and why."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    state = models.CharField(max_length=20, choices=Job.State.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
