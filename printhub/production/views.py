"""The operator screens of production: each center's printers (live), its queue and plan,
and the buttons of the floor, which call printhub.production.actions."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from printhub.accounts import permissions
from printhub.network.models import Center, Printer, Process
from printhub.production import actions
from printhub.production.forms import CancelForm
from printhub.production.models import Job, PlanRun, Station

S = Job.State
L = Station.Live

QUEUE_STATES = (S.QUEUED, S.SLICING, S.READY)
DECISION_STATES = (S.FAILED, S.INTERRUPTED)
LIVE_TONES = {
    L.PRINTING: "printing",
    L.PAUSING: "paused",
    L.PAUSED: "paused",
    L.CANCELLING: "printing",
    L.IDLE: "idle",
    L.COMPLETED: "idle",
    L.CANCELLED: "idle",
    L.ERROR: "error",
}  # anything else (not seen, unreachable, offline): "lost"
HOUR_PX = 40  # the timeline's width of one hour
TIMELINE_HOURS = 24  # at least this much ahead is drawn; more scrolls
TIMELINE_MAX_HOURS = 24 * 7


def job_label(job: Job) -> str:
    """What operators call a job: the order number and its part numbers (× copies)."""
    if job.copies > 1:
        return f"{job.order.number}-{job.parts_label} (×{job.copies})"
    return f"{job.order.number}-{job.index}"


def duration(seconds: float | None) -> str:
    """Seconds as "2 h 05 min" (or "" when unknown)."""
    if seconds is None or seconds < 0:
        return ""
    minutes = math.ceil(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


def _labelled(jobs):
    """The jobs, each with its `label` set (for the templates)."""
    jobs = list(jobs)
    for job in jobs:
        job.label = job_label(job)
    return jobs


def is_late(job: Job, now: dt.datetime) -> bool:
    """Due already, or planned (or expected) to end after it is due."""
    if job.due is None:
        return False
    end = job.planned_end
    if job.is_active and job.started_at:
        end = job.started_at + dt.timedelta(seconds=job.estimated_print_s)
    return job.due < now or (end is not None and end > job.due)


def _inventory():
    """printhub.inventory's (services, models) when the app is installed, else None."""
    if not apps.is_installed("printhub.inventory"):
        return None
    from printhub.inventory import models, services

    return services, models


# --- the board's pieces ------------------------------------------------------------------


@dataclass
class Card:
    """One printer on the board."""

    printer: Printer
    station: Station | None
    tone: str
    label: str
    job: Job | None = None  # the print on it
    ready: list[Job] = field(default_factory=list)  # sliced for it, waiting for a start
    decision: Job | None = None  # its last print failed or was interrupted
    loaded: object | None = None  # the spool (or resin bottle) on it
    spools: list = field(default_factory=list)  # spools of the center it could load

    @property
    def progress_percent(self) -> int | None:
        station = self.station
        if station is None or station.progress is None:
            return None
        if self.job is None and station.live not in (L.PRINTING, L.PAUSING, L.PAUSED):
            return None
        return max(0, min(100, round(station.progress * 100)))

    @property
    def time_left(self) -> str:
        if self.progress_percent is None:
            return ""
        return duration(self.station.remaining_s)

    @property
    def is_lost(self) -> bool:
        return self.station is not None and not self.station.online

    @property
    def can_pause(self) -> bool:
        return self.station is not None and self.station.live == L.PRINTING

    @property
    def can_resume(self) -> bool:
        return self.station is not None and self.station.live in (L.PAUSED, L.PAUSING)

    @property
    def in_maintenance(self) -> bool:
        return self.printer.status == Printer.Status.MAINTENANCE


def _station_of(printer: Printer) -> Station | None:
    return getattr(printer, "station", None)  # the reverse one-to-one raises when missing


def center_printers(center: Center) -> list[Printer]:
    """The printers of a center that production uses (not retired), with their stations."""
    return list(
        center.printers.exclude(status=Printer.Status.RETIRED)
        .select_related("station")
        .prefetch_related("materials")
        .order_by("name")
    )


def cards(center: Center, printers: list[Printer] | None = None) -> list[Card]:
    """One card per printer: its live state, its job, what waits for it, what is loaded."""
    printers = center_printers(center) if printers is None else printers
    ids = [p.pk for p in printers]
    jobs = Job.objects.select_related("order", "material")
    on_printers = _labelled(jobs.filter(printer_id__in=ids, state__in=[S.PRINTING, S.PAUSED]))
    active = {j.printer_id: j for j in on_printers}
    ready: dict[int, list[Job]] = {}
    for job in _labelled(jobs.filter(sliced_for_id__in=ids, state=S.READY).order_by("pk")):
        ready.setdefault(job.sliced_for_id, []).append(job)
    last_failed = {}
    for job in _labelled(
        jobs.filter(printer_id__in=ids, state__in=DECISION_STATES).order_by("updated_at")
    ):
        last_failed[job.printer_id] = job  # the latest wins
    inventory = _inventory()
    shelf = []
    if inventory:
        _services, models = inventory
        shelf = [
            s
            for s in models.Spool.objects.in_stock()
            .filter(center=center, printer__isnull=True)
            .select_related("filament__material", "filament__vendor")
            if not s.is_empty
        ]
    result = []
    for printer in printers:
        station = _station_of(printer)
        if station is None:
            tone, label = "unconnected", _("No connection set up")
        else:
            tone, label = LIVE_TONES.get(station.live, "lost"), station.get_live_display()
        if printer.status == Printer.Status.MAINTENANCE and tone in ("idle", "lost", "unconnected"):
            tone = "maintenance"
        card = Card(
            printer,
            station,
            tone,
            label,
            job=active.get(printer.pk),
            ready=ready.get(printer.pk, []),
            decision=last_failed.get(printer.pk),
        )
        if inventory:
            services, _models = inventory
            if printer.process == Process.SLA and hasattr(services, "loaded_resin"):
                card.loaded = services.loaded_resin(printer)
            elif printer.process == Process.FDM:
                card.loaded = services.loaded_spool(printer)
                card.spools = [s for s in shelf if printer.can_run(s.material)]
        result.append(card)
    return result


def queue(center: Center):
    """Jobs waiting for this center's printers (planned, slicing, ready) and the queued
    jobs to be picked up here, in the order of the plan."""
    return (
        Job.objects.filter(state__in=QUEUE_STATES)
        .filter(
            Q(planned_printer__center=center)
            | Q(sliced_for__center=center)
            | Q(center=center, state=S.QUEUED)
        )
        .select_related("order", "material", "planned_printer__center", "sliced_for")
        .order_by(F("planned_start").asc(nulls_last=True), F("due").asc(nulls_last=True), "pk")
    )


def decisions(center: Center):
    """Failed and interrupted jobs of this center: an operator decides what happens."""
    return (
        Job.objects.filter(state__in=DECISION_STATES)
        .filter(Q(printer__center=center) | Q(printer__isnull=True, center=center))
        .select_related("order", "material", "printer")
        .order_by("updated_at")
    )


@dataclass
class Bar:
    job: Job
    label: str
    tone: str
    left: int
    width: int
    title: str
    late: bool


def timeline(printers: list[Printer], waiting: list[Job], active: list[Job], now: dt.datetime):
    """The plan drawn as bars per printer: pixel offsets from the window's start.

    Queued and ready jobs from their planned start to end; prints on a printer from their
    start to start + estimate (or to now + what the printer says is left, when later).
    """
    zone = timezone.get_current_timezone()
    start = now.astimezone(zone).replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    by_printer: dict[int, list[tuple[Job, dt.datetime, dt.datetime]]] = {p.pk: [] for p in printers}
    stations = {p.pk: _station_of(p) for p in printers}
    for job in active:
        begin = job.started_at or now
        end = begin + dt.timedelta(seconds=job.estimated_print_s)
        station = stations.get(job.printer_id)
        if station is not None and station.remaining_s is not None:
            end = max(end, now + dt.timedelta(seconds=station.remaining_s))
        by_printer[job.printer_id].append((job, begin, max(end, now)))
    for job in waiting:
        if job.planned_printer_id in by_printer and job.planned_start and job.planned_end:
            by_printer[job.planned_printer_id].append((job, job.planned_start, job.planned_end))
    latest = max((end for bars in by_printer.values() for _j, _b, end in bars), default=now)
    hours = math.ceil((latest - start).total_seconds() / 3600)
    hours = min(max(hours, TIMELINE_HOURS + 1), TIMELINE_MAX_HOURS)
    end_of_window = start + dt.timedelta(hours=hours)

    def x(moment: dt.datetime) -> int:
        moment = min(max(moment, start), end_of_window)
        return round((moment - start).total_seconds() / 3600 * HOUR_PX)

    rows = []
    for printer in printers:
        bars = []
        for job, begin, end in sorted(by_printer[printer.pk], key=lambda b: b[1]):
            if end <= start or begin >= end_of_window:
                continue
            local = (begin.astimezone(zone), end.astimezone(zone))
            bars.append(
                Bar(
                    job=job,
                    label=job_label(job),
                    tone=job.state,
                    left=x(begin),
                    width=max(x(end) - x(begin), 3),
                    title=f"{job_label(job)} · {job.get_state_display()} · "
                    f"{local[0]:%m-%d %H:%M}–{local[1]:%H:%M}",
                    late=is_late(job, now),
                )
            )
        rows.append({"printer": printer, "bars": bars})
    ticks = []
    for hour in range(hours + 1):
        moment = (start + dt.timedelta(hours=hour)).astimezone(zone)
        label = f"{moment:%m-%d}" if moment.hour == 0 else f"{moment:%H}"
        ticks.append(
            {"left": hour * HOUR_PX, "label": label if hour else "", "day": moment.hour == 0}
        )
    return {
        "rows": rows,
        "ticks": ticks,
        "width": hours * HOUR_PX,
        "hour_px": HOUR_PX,
        "now_left": x(now),
    }


def summary(center: Center, now: dt.datetime) -> dict:
    """Counts of a center for the overview: printers by state, jobs waiting and late."""
    counts = {"printing": 0, "idle": 0, "lost": 0, "maintenance": 0, "unconnected": 0}
    printers = center_printers(center)
    for printer in printers:
        station = _station_of(printer)
        if printer.status == Printer.Status.MAINTENANCE:
            counts["maintenance"] += 1
        elif station is None:
            counts["unconnected"] += 1
        elif station.live in (L.PRINTING, L.PAUSING, L.PAUSED, L.CANCELLING):
            counts["printing"] += 1
        elif station.online:
            counts["idle"] += 1  # idle, finished, or in error: not printing
        else:
            counts["lost"] += 1
    waiting = list(queue(center))
    active = Job.objects.filter(printer__center=center, state__in=[S.PRINTING, S.PAUSED])
    late = sum(is_late(j, now) for j in waiting) + sum(is_late(j, now) for j in active)
    return {
        "center": center,
        "printers": len(printers),
        **counts,
        "queued": len(waiting),
        "late": late,
        "decisions": decisions(center).count(),
    }


# --- pages -------------------------------------------------------------------------------


def _staff_center(request, slug: str) -> Center:
    center = get_object_or_404(Center, slug=slug)
    permissions.require(permissions.works_at(request.user, center))
    return center


@permissions.staff_required
def index(request):
    """My centers (network admins: all of them) at a glance, with links to their boards."""
    now = timezone.now()
    centers = Center.objects.filter(pk__in=request.user.center_ids()).order_by("kind", "pk")
    return render(request, "production/index.html", {"rows": [summary(c, now) for c in centers]})


def _board_context(center: Center) -> dict:
    now = timezone.now()
    printers = center_printers(center)
    the_cards = cards(center, printers)
    waiting = _labelled(queue(center))
    for job in waiting:
        job.late = is_late(job, now)
    active = [c.job for c in the_cards if c.job]
    return {
        "center": center,
        "cards": the_cards,
        "queue": waiting,
        "decisions": _labelled(decisions(center)),
        "timeline": timeline(printers, waiting, active, now),
        # Requests answered by the same run are closed without a duration: skip them.
        "plan_run": PlanRun.objects.filter(done_at__isnull=False, took_s__isnull=False).first(),
        "replan_pending": PlanRun.objects.filter(done_at__isnull=True).exists(),
        "cancel_form": CancelForm(),
        "now": now,
        "has_inventory": _inventory() is not None,
    }


@permissions.staff_required
def board(request, slug: str):
    """A center's printers (live), the queue and the planned timeline."""
    center = _staff_center(request, slug)
    return render(request, "production/board.html", _board_context(center))


@permissions.staff_required
def board_cards(request, slug: str):
    """Only the printer cards (the board polls this)."""
    center = _staff_center(request, slug)
    return render(
        request,
        "production/_cards.html",
        {"center": center, "cards": cards(center), "has_inventory": _inventory() is not None},
    )


# --- actions -----------------------------------------------------------------------------


def _back(request, center: Center):
    """To `next` when it is a path of this site, else to the center's board."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("production:board", slug=center.slug)


def _do(request, action: Callable[[], object], success: str) -> None:
    """Run an action; its ValidationError becomes the error message shown."""
    try:
        action()
    except ValidationError as err:
        messages.error(request, " ".join(err.messages))
    else:
        messages.success(request, success)


def _staff_printer(request, pk: int) -> Printer:
    printer = get_object_or_404(Printer.objects.select_related("center", "station"), pk=pk)
    permissions.require(permissions.works_at(request.user, printer.center))
    return printer


def _connected(printer: Printer) -> Station:
    station = _station_of(printer)
    if station is None:
        raise ValidationError(
            _("%(printer)s has no connection set up.") % {"printer": printer.name}
        )
    return station


def _printer_action(view):
    """A POST on one printer of a center the person works at; back to the board after."""

    @permissions.staff_required
    @require_POST
    def wrapper(request, pk: int):
        printer = _staff_printer(request, pk)
        view(request, printer)
        return _back(request, printer.center)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_printer_action
def bed_clear(request, printer: Printer) -> None:
    """The operator looked: the bed is empty."""
    _do(
        request,
        lambda: actions.confirm_bed_clear(_connected(printer), request.user),
        _("The bed of %(printer)s is confirmed clear.") % {"printer": printer.name},
    )


@_printer_action
def start(request, printer: Printer) -> None:
    """Start a ready job sliced for this printer (field `job`)."""
    raw = request.POST.get("job", "")
    job = Job.objects.select_related("order").filter(pk=int(raw)).first() if raw.isdigit() else None
    if job is None:
        messages.error(request, _("Choose a ready job to start."))
        return
    _do(
        request,
        lambda: actions.start(_connected(printer), job, request.user),
        _("%(printer)s will start %(job)s.") % {"printer": printer.name, "job": job_label(job)},
    )


@_printer_action
def pause(request, printer: Printer) -> None:
    _do(
        request,
        lambda: actions.pause(_connected(printer), request.user),
        _("%(printer)s is asked to pause.") % {"printer": printer.name},
    )


@_printer_action
def resume(request, printer: Printer) -> None:
    _do(
        request,
        lambda: actions.resume(_connected(printer), request.user),
        _("%(printer)s is asked to resume.") % {"printer": printer.name},
    )


@_printer_action
def maintenance(request, printer: Printer) -> None:
    """Into maintenance (`on=1`) or back in service (`on=0`)."""
    on = request.POST.get("on") == "1"
    if on:
        done = _("%(printer)s is in maintenance.") % {"printer": printer.name}
    else:
        done = _("%(printer)s is back in service.") % {"printer": printer.name}
    _do(request, lambda: actions.set_maintenance(printer, request.user, on), done)


def _job_center(job: Job) -> Center:
    """The center whose staff act on a job: its printer's, else its pickup center."""
    return job.printer.center if job.printer_id else job.center


def _job_action(view):
    """A POST on one job of a center the person works at; back to the board after."""

    @permissions.staff_required
    @require_POST
    def wrapper(request, pk: int):
        job = get_object_or_404(
            Job.objects.select_related("order", "center", "printer__center"), pk=pk
        )
        center = _job_center(job)
        permissions.require(actions.may_act_on_job(request.user, job))
        view(request, job)
        return _back(request, center)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_job_action
def cancel(request, job: Job) -> None:
    """Cancel a job with a reason (a print on a printer is stopped there)."""
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return
    _do(
        request,
        lambda: actions.cancel(job, request.user, form.cleaned_data["reason"]),
        _("Job %(job)s is cancelled.") % {"job": job_label(job)},
    )


@_job_action
def retry(request, job: Job) -> None:
    """A failed or interrupted job back in the queue."""
    _do(
        request,
        lambda: actions.retry(job, request.user),
        _("Job %(job)s is back in the queue.") % {"job": job_label(job)},
    )


@_job_action
def printed(request, job: Job) -> None:
    """An interrupted job whose part did finish."""
    _do(
        request,
        lambda: actions.mark_printed(job, request.user),
        _("Job %(job)s is recorded as printed.") % {"job": job_label(job)},
    )
