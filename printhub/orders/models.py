"""Orders: from a quote to a part picked up, through explicit states."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    QUEUED = "queued", _("Queued for printing")
    PRINTING = "printing", _("Printing")
    POST_PROCESSING = "post_processing", _("Post-processing")
    READY = "ready", _("Ready for pickup")
    PICKED_UP = "picked_up", _("Picked up")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


# Which state may follow which; the services check every change against this table.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.SUBMITTED: (State.APPROVED, State.REJECTED, State.CANCELLED),
    State.APPROVED: (State.QUEUED, State.CANCELLED),
    State.QUEUED: (State.PRINTING, State.CANCELLED),
    State.PRINTING: (State.POST_PROCESSING, State.READY, State.QUEUED),
    State.POST_PROCESSING: (State.READY,),
    State.READY: (State.PICKED_UP,),
    State.PICKED_UP: (),
    State.CANCELLED: (),
    State.REJECTED: (),
}
FINAL_STATES = (State.PICKED_UP, State.CANCELLED, State.REJECTED)


def new_pickup_token() -> str:
    return secrets.token_urlsafe(24)


class Order(models.Model):
    """One ordered model (in a quantity) at one center."""

    number = models.CharField(_("order number"), max_length=30, unique=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    quote_option = models.ForeignKey("quotes.QuoteOption", on_delete=models.PROTECT)
    center = models.ForeignKey("network.Center", on_delete=models.PROTECT, related_name="orders")
    model = models.ForeignKey("parts.UploadedModel", on_delete=models.PROTECT)
    material = models.ForeignKey("network.Material", on_delete=models.PROTECT)
    color = models.CharField(_("colour"), max_length=40, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    total_krw = models.PositiveIntegerField(_("total (₩)"))
    policy_flags = models.JSONField(_("policy flags"), default=list, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    cancelled_by = models.CharField(max_length=20, blank=True)  # "customer" | "staff"
    pickup_token = models.CharField(max_length=64, unique=True, default=new_pickup_token)
    note = models.TextField(_("note to the center"), blank=True)
    policy_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("policy checks confirmed by"),
    )
    policy_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.number

    def can_become(self, state: str) -> bool:
        return state in TRANSITIONS[self.state]

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


class OrderEvent(models.Model):
    """One step of an order's timeline, with the message sent to the customer."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    state = models.CharField(max_length=20, choices=State.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class Notification(models.Model):
    """A message to a person, shown on the site (and mailed)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
