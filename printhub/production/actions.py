"""What operators do on the floor, checked and recorded: the board's buttons call these.

Each action checks the person may act at that printer's center (`works_at`). Actions on a
printer itself (start, pause, resume, cancel) become `Command`s that the fleet monitor
carries out, so a slow or lost printer never holds up a page; the job's state in the
database changes at once where the person decided it (a cancel, a retry).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from printhub.accounts import permissions
from printhub.network.models import Printer
from printhub.production import services
from printhub.production.models import Command, Job, Station
from printhub.production.planning import request_replan


def _require_staff_at(user, center) -> None:
    permissions.require(permissions.is_staff_member(user) and permissions.works_at(user, center))


def may_act_on_job(user, job: Job) -> bool:
    """Staff of the center it is picked up at, or of the center whose printer has it."""
    printer = job.printer or job.sliced_for or job.planned_printer
    centers = [job.center] + ([printer.center] if printer else [])
    return permissions.is_staff_member(user) and any(permissions.works_at(user, c) for c in centers)


def _require_staff_of_job(user, job: Job) -> None:
    permissions.require(may_act_on_job(user, job))


def confirm_bed_clear(station: Station, by) -> Station:
    """The operator looked: the bed is empty. The next ready job may start."""
    _require_staff_at(by, station.printer.center)
    Station.objects.filter(pk=station.pk).update(
        bed_clear=True, bed_cleared_by=by, bed_cleared_at=timezone.now()
    )
    station.refresh_from_db()
    return station


def _command(station: Station, action: str, by, job: Job | None = None) -> Command:
    return Command.objects.create(station=station, action=action, by=by, job=job)


def start(station: Station, job: Job, by) -> Command:
    """Start a ready job now; asking to start is confirming the bed clear."""
    _require_staff_at(by, station.printer.center)
    if job.state != Job.State.READY or job.sliced_for_id != station.printer_id:
        raise ValidationError(_("This job is not ready for this printer."))
    confirm_bed_clear(station, by)
    return _command(station, Command.Action.START, by, job)


def pause(station: Station, by) -> Command:
    _require_staff_at(by, station.printer.center)
    return _command(station, Command.Action.PAUSE, by)


def resume(station: Station, by) -> Command:
    _require_staff_at(by, station.printer.center)
    return _command(station, Command.Action.RESUME, by)


def cancel(job: Job, by, reason: str) -> Job:
    """Cancel a job for the customer's sake or the center's (a reason is required).

    A job on a printer is stopped there by the monitor.
    """
    _require_staff_of_job(by, job)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the job is cancelled."))
    with transaction.atomic():
        was_active = job.is_active
        cancelled = services.cancel_job(job, by, reason, by_customer=False)
        if was_active and hasattr(job.printer, "station"):
            _command(job.printer.station, Command.Action.CANCEL, by, job)
    services.sync_order(cancelled.order)
    request_replan(f"job {job} cancelled")
    return cancelled


def retry(job: Job, by, reason: str = "") -> Job:
    """Put a failed or interrupted job back in the queue (it is planned again)."""
    _require_staff_of_job(by, job)
    queued = services.retry(job, by, reason)
    request_replan(f"job {job} retried")
    return queued


def mark_printed(job: Job, by) -> Job:
    """An interrupted job whose part did finish (the operator saw it on the bed)."""
    _require_staff_of_job(by, job)
    done = services.move_job(job, Job.State.COMPLETED, by, _("finished, seen by an operator"))
    services.sync_order(done.order)
    request_replan(f"job {job} completed by hand")
    return done


def set_maintenance(printer: Printer, by, on: bool) -> Printer:
    """Take a printer out of the plan for maintenance, or put it back.

    A printer with a print on it cannot go into maintenance: pause or cancel it first.
    """
    _require_staff_at(by, printer.center)
    if on and Job.objects.filter(printer=printer, state__in=[Job.State.PRINTING]).exists():
        raise ValidationError(_("This printer is printing; pause or cancel the print first."))
    printer.status = Printer.Status.MAINTENANCE if on else Printer.Status.AVAILABLE
    printer.save(update_fields=["status"])
    if on:  # what was sliced for it goes back to the queue, to be planned elsewhere
        for job in Job.objects.filter(
            sliced_for=printer, state__in=[Job.State.SLICING, Job.State.READY]
        ):
            services.move_job(job, Job.State.QUEUED, by, _("printer taken into maintenance"))
    request_replan(f"printer {printer} {'in' if on else 'out of'} maintenance")
    return printer
