"""The network plan: the queued jobs of every center on the printers that can print them.

`scenario_from_db` turns the database into a `printhub.scheduling` scenario (centers with
their opening hours, printers that are in service with what they have loaded and when they
are free, queued jobs with their due dates); `replan` runs the planner and writes each
job's planned printer and times back. The fleet monitor calls `replan` whenever something
happened (`request_replan`): a new job, a print finished or failed, a printer lost.
Jobs already sliced for a printer (slicing, ready) or on it are not moved: they make that
printer busy for their duration instead.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from printhub.production.models import Job, PlanRun, Station
from printhub.scheduling import Scenario, plan_jobs
from printhub.scheduling import scenario as sched

# Defaults of the hub (settings may override them): an operator needs ten minutes to swap
# a spool and purge; a part printed at another center reaches the pickup center the next
# working day; a new spool holds a kilogram.
MATERIAL_CHANGE_S = 600
TRANSFER_S = 24 * 3600
SPOOL_FULL_G = 1000.0
# A job without a due date is planned as due a week after it was queued.
DEFAULT_DUE = dt.timedelta(days=7)
# How long the near-horizon solver may think; the list plan is kept when it is not better.
SOLVER_TIME_S = 1.0
ALWAYS_OPEN = tuple(((0, 24 * 60),) for _ in range(7))


def always_open() -> bool:
    """The demo's switch: plan as if every center were staffed day and night."""
    return bool(getattr(settings, "PRODUCTION_ALWAYS_OPEN", False))


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def sched_center(center, zone: ZoneInfo, today: dt.date) -> sched.Center:
    """A center as the scheduler sees it: weekly hours and the closed dates ahead."""
    if always_open():
        return sched.Center(center.slug, zone, ALWAYS_OPEN)
    closed = frozenset(c.date for c in center.closures.all() if c.date >= today)
    return sched.Center(center.slug, zone, center_hours(center), closed)


def center_hours(center) -> tuple[tuple[tuple[int, int], ...], ...]:
    """A center's opening hours per weekday (0 = Monday) as minutes after midnight."""
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for hours in center.hours.all():
        opens = hours.opens.hour * 60 + hours.opens.minute
        closes = hours.closes.hour * 60 + hours.closes.minute
        week[hours.weekday].append((opens, closes))
    return tuple(tuple(sorted(day)) for day in week)


def is_open(center, moment: dt.datetime | None = None) -> bool:
    """Whether a print may start at this center now (someone is there to clear the bed)."""
    if always_open():
        return True
    return center.is_open_at(moment or timezone.now())


def spool_of(printer) -> tuple[str | None, float]:
    """(material catalog id, grams left) of what is loaded on a printer."""
    from printhub.inventory import services as inventory

    material = inventory.loaded_material_id(printer)
    grams = inventory.grams_left(printer) if material else None
    return material, float(grams or 0.0)


def sliceable(printer) -> bool:
    """Printers whose jobs can be sliced here: only those get jobs from the plan."""
    from printhub.slicing.catalog import load_catalog

    try:
        return load_catalog().printer(printer.catalog_id).sliceable
    except LookupError:
        return False


def job_size(job: Job) -> tuple[float, float, float]:
    if job.size_mm and len(job.size_mm) == 3:
        return tuple(float(v) for v in job.size_mm)
    box = job.order.model.bbox_mm
    return tuple(float(v) for v in box) if box else (1.0, 1.0, 1.0)


def _busy_until(station: Station, committed: list[Job], now: dt.datetime) -> dt.datetime:
    """When a printer can start a job of the plan: after its print and committed jobs."""
    free = now
    if station.live in (Station.Live.PRINTING, Station.Live.PAUSED, Station.Live.PAUSING):
        free = now + dt.timedelta(seconds=station.remaining_s or 0)
    for job in committed:
        free += dt.timedelta(seconds=job.estimated_print_s)
    return free


def scenario_from_db(now: dt.datetime | None = None) -> tuple[Scenario, dict[str, Job]]:
    """The scheduling scenario of the whole network now, and its jobs by scenario id."""
    now = now or timezone.now()
    zone = _zone()
    start = now.astimezone(zone)
    stations = (
        Station.objects.select_related("printer__center")
        .prefetch_related(
            "printer__materials", "printer__center__hours", "printer__center__closures"
        )
        .filter(printer__status="available", printer__center__is_active=True)
    )
    committed: dict[int, list[Job]] = {}
    for job in Job.objects.filter(
        state__in=[Job.State.SLICING, Job.State.READY], sliced_for__isnull=False
    ):
        committed.setdefault(job.sliced_for_id, []).append(job)

    centers: dict[str, sched.Center] = {}
    printers = []
    for station in stations:
        printer = station.printer
        if not station.online or not sliceable(printer):
            continue
        center = printer.center
        if center.slug not in centers:
            centers[center.slug] = sched_center(center, zone, start.date())
        material, grams = spool_of(printer)
        mine = committed.get(printer.pk, [])
        if mine:  # the last committed job decides what is loaded afterwards
            material = mine[-1].material.catalog_id if mine[-1].material else material
            grams = max(0.0, grams - sum(j.filament_g for j in mine))
        free = _busy_until(station, mine, now)
        printers.append(
            sched.Printer(
                id=str(printer.pk),
                center=center.slug,
                build_mm=printer.build_mm,
                nozzle_mm=printer.nozzle_mm or 0.4,
                hardened=printer.hardened_nozzle,
                loaded_material=material,
                spool_g_left=grams if material else 0.0,
                available_from_s=max(0, int((free - now).total_seconds())),
                materials=frozenset(m.catalog_id for m in printer.materials.all()),
            )
        )

    jobs = []
    by_id: dict[str, Job] = {}
    queued = (
        Job.objects.filter(state=Job.State.QUEUED, material__isnull=False)
        .select_related("material", "center", "order__model")
        .order_by("created_at", "index")
    )
    for job in queued:
        pickup = job.center
        if pickup.slug not in centers:
            centers[pickup.slug] = sched_center(pickup, zone, start.date())
        due = job.due or (job.created_at + DEFAULT_DUE)
        jobs.append(
            sched.Job(
                id=str(job.pk),
                material=job.material.catalog_id,
                abrasive=job.material.abrasive,
                size_mm=job_size(job),
                duration_s=max(1, int(job.estimated_print_s)),
                filament_g=float(job.filament_g),
                due_s=int((due - now).total_seconds()),
                priority=job.priority,
                pickup_center=job.center.slug,
            )
        )
        by_id[str(job.pk)] = job
    if not centers:  # the scheduler needs one; a network without printers plans nothing
        centers["-"] = sched.Center("-", zone, ALWAYS_OPEN)
    scenario = Scenario(
        start=start,
        material_change_s=getattr(settings, "PRODUCTION_MATERIAL_CHANGE_S", MATERIAL_CHANGE_S),
        transfer_s=getattr(settings, "PRODUCTION_TRANSFER_S", TRANSFER_S),
        spool_full_g=getattr(settings, "PRODUCTION_SPOOL_FULL_G", SPOOL_FULL_G),
        centers=centers,
        printers=tuple(printers),
        jobs=tuple(jobs),
    )
    return scenario, by_id


def request_replan(reason: str) -> None:
    """Ask for a new plan; the monitor makes it at its next turn (several asks, one plan)."""
    if not PlanRun.objects.filter(done_at__isnull=True).exists():
        PlanRun.objects.create(reason=reason[:200])


def replan_due() -> bool:
    return PlanRun.objects.filter(done_at__isnull=True).exists()


def replan(reason: str = "", now: dt.datetime | None = None) -> PlanRun:
    """Plan the network's queued jobs now and store where and when each will print."""
    now = now or timezone.now()
    began = time.perf_counter()
    scenario, jobs = scenario_from_db(now)
    plan = plan_jobs(scenario, solver_time_s=SOLVER_TIME_S) if scenario.jobs else None
    assigned = {a.job: a for a in plan.assignments} if plan else {}
    unassigned = {u.job: u.reason for u in plan.unassigned} if plan else {}
    with transaction.atomic():
        for job_id, job in jobs.items():
            a = assigned.get(job_id)
            fields = {
                "planned_printer_id": int(a.printer) if a else None,
                "planned_start": scenario.at(a.start_s) if a else None,
                "planned_end": scenario.at(a.end_s) if a else None,
                "plan_note": "" if a else unassigned.get(job_id, "")[:300],
            }
            # Only a job still queued is moved: a worker may have taken it meanwhile.
            Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(**fields)
        took = time.perf_counter() - began
        pending = list(PlanRun.objects.filter(done_at__isnull=True, requested_at__lte=now))
        run = pending[-1] if pending else PlanRun(requested_at=now, reason=reason)
        run.done_at = timezone.now()
        run.took_s = took
        run.method = plan.method if plan else ""
        run.jobs = len(jobs)
        if plan:
            from printhub.scheduling import plan_metrics

            metrics = plan_metrics(scenario, plan)
            run.metrics = {
                "total_lateness_s": metrics["total_lateness_s"],
                "material_changes": metrics["material_changes"],
                "late_jobs": metrics["late_jobs"],
                "unassigned": len(plan.unassigned),
            }
        run.save()
        PlanRun.objects.filter(done_at__isnull=True, requested_at__lte=now).exclude(
            pk=run.pk
        ).update(done_at=run.done_at)
        # Keep the history short: the board shows the last runs only.
        old = PlanRun.objects.filter(done_at__isnull=False).order_by("-id")[200:201]
        if old:
            PlanRun.objects.filter(pk__lte=old[0].pk, done_at__isnull=False).delete()
    return run
