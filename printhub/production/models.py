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
    # A plate: several copies of a small part printed together (parts index … index+copies-1).
    copies = models.PositiveIntegerField(_("copies on the plate"), default=1)
    # The pickup center (the order's); the print may run at another center.
    center = models.ForeignKey("network.Center", on_delete=models.PROTECT, related_name="jobs")
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    estimated_print_s = models.FloatField(default=0)
    material = models.ForeignKey(
        "network.Material", on_delete=models.PROTECT, null=True, related_name="+"
    )
    color = models.CharField(_("colour"), max_length=40, blank=True)
    size_mm = models.JSONField(_("size (mm)"), default=list, blank=True)
    filament_g = models.FloatField(_("material (g)"), default=0)
    due = models.DateTimeField(_("due"), null=True, blank=True)
    priority = models.IntegerField(_("priority"), default=0)
    # The plan: where and when the scheduler wants it (re-planned on every event).
    planned_printer = models.ForeignKey(
        "network.Printer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    plan_note = models.CharField(max_length=300, blank=True)  # why it is not planned
    # Slicing: the G-code made for one printer (its profile), and what it says it needs.
    sliced_for = models.ForeignKey(
        "network.Printer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    gcode = models.CharField(max_length=300, blank=True)
    # The print on the printer: the file name it was started under, and how far it got.
    remote_file = models.CharField(max_length=200, blank=True)
    progress = models.FloatField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
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
        constraints = [
            # Two schedulers (two workers) can never start two prints on one printer.
            models.UniqueConstraint(
                fields=["printer"],
                condition=models.Q(state__in=["printing", "paused"]),
                name="one_print_per_printer",
            )
        ]
        verbose_name = _("production job")
        verbose_name_plural = _("production jobs")

    def __str__(self) -> str:
        return f"{self.order_id}-{self.index}"

    @property
    def parts_label(self) -> str:
        """The order's part numbers this job prints: "2", or "1–4" for a plate."""
        if self.copies <= 1:
            return str(self.index)
        return f"{self.index}–{self.index + self.copies - 1}"

    def can_become(self, state: str) -> bool:
        return state in JOB_TRANSITIONS[self.state]

    @property
    def is_active(self) -> bool:
        """On a printer now (printing or paused)."""
        return self.state in (Job.State.PRINTING, Job.State.PAUSED)


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
    # The printer went away mid-print: the operator decides (the part may have finished);
    # when the printer comes back still printing it, the monitor takes it up again.
    S.INTERRUPTED: (S.QUEUED, S.COMPLETED, S.CANCELLED, S.PRINTING),
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


class Station(models.Model):
    """A printer as production sees it: how to reach it, what it last said, its bed.

    The fleet monitor writes the live fields; operators confirm the bed clear.
    """

    class Kind(models.TextChoices):
        VIRTUAL = "virtual", _("Virtual printer")
        OCTOPRINT = "octoprint", _("OctoPrint")
        MOONRAKER = "moonraker", _("Moonraker (Klipper)")

    class Live(models.TextChoices):
        UNKNOWN = "unknown", _("Not seen yet")
        UNREACHABLE = "unreachable", _("Unreachable")
        OFFLINE = "offline", _("Offline")
        IDLE = "idle", _("Idle")
        PRINTING = "printing", _("Printing")
        PAUSING = "pausing", _("Pausing")
        PAUSED = "paused", _("Paused")
        CANCELLING = "cancelling", _("Cancelling")
        COMPLETED = "completed", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")
        ERROR = "error", _("Error")

    printer = models.OneToOneField(
        "network.Printer", on_delete=models.CASCADE, related_name="station"
    )
    kind = models.CharField(_("connection"), max_length=20, choices=Kind.choices)
    url = models.CharField(_("address"), max_length=300, blank=True)
    api_key = models.CharField(_("API key"), max_length=200, blank=True)
    # Virtual printers only: how many seconds of print pass per second of wall time.
    time_scale = models.FloatField(default=1.0)
    live = models.CharField(max_length=20, choices=Live.choices, default=Live.UNKNOWN)
    progress = models.FloatField(null=True, blank=True)
    tool_c = models.FloatField(null=True, blank=True)
    tool_target_c = models.FloatField(null=True, blank=True)
    bed_c = models.FloatField(null=True, blank=True)
    bed_target_c = models.FloatField(null=True, blank=True)
    file = models.CharField(max_length=200, blank=True)
    elapsed_s = models.FloatField(null=True, blank=True)
    remaining_s = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    missed = models.PositiveIntegerField(default=0)  # heartbeats missed in a row
    bed_clear = models.BooleanField(_("bed confirmed clear"), default=False)
    bed_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    bed_cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("printer connection")
        verbose_name_plural = _("printer connections")

    def __str__(self) -> str:
        return f"{self.printer} [{self.kind}]"

    @property
    def online(self) -> bool:
        return self.live not in (self.Live.UNKNOWN, self.Live.UNREACHABLE, self.Live.OFFLINE)


class Command(models.Model):
    """Something to tell a printer. Only the fleet monitor talks to printers: the web
    and the workers leave commands here, so a slow printer never holds up a page."""

    class Action(models.TextChoices):
        START = "start", _("start")
        PAUSE = "pause", _("pause")
        RESUME = "resume", _("resume")
        CANCEL = "cancel", _("cancel")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("waiting")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="commands")
    action = models.CharField(max_length=10, choices=Action.choices)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    error = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class PlanRun(models.Model):
    """One run of the network scheduler: when, why, how long, and what it promised."""

    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    took_s = models.FloatField(null=True, blank=True)
    method = models.CharField(max_length=20, blank=True)
    jobs = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
