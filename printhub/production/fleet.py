"""What the fleet monitor does with each printer: read it, reconcile, start, command.

The database is the truth about jobs; the printer is the truth about what it is doing
now. `apply_status` reconciles the two on every reading, so the same code serves a
running monitor and one that just restarted: a print the printer still runs is taken up
again, one it finished is completed, one it no longer knows about is interrupted (the
operator decides). A start is recorded before the printer is told (`start_job`), under
a lock on the printer's row and a database constraint, so a crash in between leaves a
job the next reading resolves, and two workers can never start two prints on one printer.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from printhub.printers import Printer, PrinterError, PrinterState, PrinterStatus
from printhub.production import services
from printhub.production.models import Command, Job, Station
from printhub.production.planning import is_open, request_replan

log = logging.getLogger(__name__)

# A printer that missed this many readings in a row is unreachable; its print is interrupted.
OFFLINE_AFTER = 3
# A print just started may not show on the printer yet (OctoPrint selects, then prints).
START_GRACE = dt.timedelta(seconds=30)

L = Station.Live
S = Job.State


def connect(station: Station) -> Printer:
    """A connector for a station's printer (virtual printers are made by the monitor)."""
    if station.kind == Station.Kind.OCTOPRINT:
        from printhub.printers.octoprint import OctoPrintPrinter

        return OctoPrintPrinter(station.url, station.api_key, timeout_s=5.0)
    if station.kind == Station.Kind.MOONRAKER:
        from printhub.printers.moonraker import MoonrakerPrinter

        return MoonrakerPrinter(station.url, station.api_key or None, timeout_s=5.0)
    from printhub.printers.virtual import VirtualPrinter

    return VirtualPrinter(time_scale=station.time_scale)


def active_job(printer_id: int) -> Job | None:
    return (
        Job.objects.filter(printer_id=printer_id, state__in=[S.PRINTING, S.PAUSED])
        .select_related("order", "material")
        .first()
    )


def _same_file(reported: str | None, ours: str) -> bool:
    return bool(reported and ours) and Path(reported).name == Path(ours).name


# What a reading writes: never the operator's fields (a bed confirmed clear meanwhile).
LIVE_FIELDS = [
    "live", "progress", "tool_c", "tool_target_c", "bed_c", "bed_target_c", "file",
    "elapsed_s", "remaining_s", "error", "last_seen", "missed",
]  # fmt: skip
# The jobs a reading may concern: on the printer, or lost by it.
WATCHED = [S.PRINTING, S.PAUSED, S.INTERRUPTED]


def watched_jobs(printer_ids) -> dict[int, list[Job]]:
    """The watched jobs of these printers, by printer (one query for a whole turn)."""
    found: dict[int, list[Job]] = {}
    jobs = Job.objects.filter(printer_id__in=list(printer_ids), state__in=WATCHED)
    for job in jobs.select_related("order", "material"):
        found.setdefault(job.printer_id, []).append(job)
    return found


def _record(station: Station, status: PrinterStatus, now: dt.datetime) -> None:
    station.live = status.state.value
    station.progress = status.progress
    station.tool_c = status.tool.actual if status.tool else None
    station.tool_target_c = status.tool.target if status.tool else None
    station.bed_c = status.bed.actual if status.bed else None
    station.bed_target_c = status.bed.target if status.bed else None
    station.file = (status.file or "")[:200]
    station.elapsed_s = status.elapsed_s
    station.remaining_s = status.remaining_s
    station.error = status.error or ""
    station.last_seen = now
    station.missed = 0


def apply_status(
    station: Station,
    status: PrinterStatus,
    now: dt.datetime | None = None,
    jobs: list[Job] | None = None,
):
    """Record a reading of a printer and bring its job in line with it.

    ``jobs``: the printer's watched jobs when the caller read them already (the monitor
    reads them for all printers at once).
    """
    now = now or timezone.now()
    was_online = station.online
    _record(station, status, now)
    station.save(update_fields=LIVE_FIELDS)
    if not was_online and station.online:  # new, or back: the plan may use it again
        request_replan(f"printer {station.printer} online")
    if jobs is None:
        jobs = watched_jobs([station.printer_id]).get(station.printer_id, [])
    job = next((j for j in jobs if j.is_active), None)
    if job is None:
        job = next((j for j in jobs if j.state == S.INTERRUPTED and j.remote_file), None)
        # Back after a drop, still printing that job: take it up again.
        if job and status.state.is_busy and _same_file(status.file, job.remote_file):
            _move(job, S.PRINTING, "the printer is back and still printing it")
        return
    ours = _same_file(status.file, job.remote_file)
    state = status.state
    if ours and state in (PrinterState.PRINTING, PrinterState.PAUSING, PrinterState.CANCELLING):
        if status.progress is not None:
            Job.objects.filter(pk=job.pk).update(progress=status.progress)
        if job.state == S.PAUSED and state == PrinterState.PRINTING:
            _move(job, S.PRINTING, "resumed")
    elif ours and state == PrinterState.PAUSED:
        if job.state == S.PRINTING:
            _move(job, S.PAUSED, "paused")
    elif ours and state == PrinterState.COMPLETED:
        finish_job(job, station)
    elif ours and state in (PrinterState.ERROR, PrinterState.CANCELLED):
        why = status.error or "cancelled at the printer"
        fail_job(job, station, why, status.progress)
    elif state == PrinterState.OFFLINE:
        interrupt_job(job, status.error or "the printer disconnected from its server")
    elif job.started_at and now - job.started_at < START_GRACE:
        pass  # not showing yet
    else:
        interrupt_job(job, "the printer is not printing this job any more")


def record_miss(station: Station, error: str, now: dt.datetime | None = None) -> None:
    """A reading that got no answer; after OFFLINE_AFTER in a row the printer is lost."""
    station.missed += 1
    station.error = error[:1000]
    if station.missed >= OFFLINE_AFTER and station.live != L.UNREACHABLE:
        station.live = L.UNREACHABLE
        station.save(update_fields=["missed", "error", "live"])
        job = active_job(station.printer_id)
        if job:
            interrupt_job(job, f"the printer stopped answering: {error}")
        request_replan(f"printer {station.printer} unreachable")
        return
    station.save(update_fields=["missed", "error"])


def _move(job: Job, state: str, reason: str = "") -> Job | None:
    try:
        return services.move_job(job, state, reason=reason)
    except ValidationError:
        return None  # someone else moved it first


def _deduct(station: Station, job: Job, grams: float, reason: str) -> None:
    if grams <= 0:
        return
    from printhub.inventory import services as inventory

    try:
        inventory.deduct(station.printer, grams, job=job, reason=reason)
    except Exception:  # the print is done either way; stock can be corrected by hand
        log.exception("could not deduct %s g for job %s", grams, job.pk)


def finish_job(job: Job, station: Station) -> None:
    moved = _move(job, S.COMPLETED, "")
    if moved is None:
        return
    Job.objects.filter(pk=job.pk).update(progress=1.0)
    _deduct(station, moved, moved.filament_g, "printed")
    services.sync_order(moved.order)
    request_replan(f"job {job} completed")


def fail_job(job: Job, station: Station, reason: str, progress: float | None) -> None:
    """A print that ended in an error: deduct what it used, then queue it again if it may."""
    moved = _move(job, S.FAILED, reason)
    if moved is None:
        return
    _deduct(station, moved, moved.filament_g * max(0.0, min(1.0, progress or 0.0)), "failed")
    if moved.attempts < services.MAX_ATTEMPTS:
        services.retry(moved, reason=reason)
    request_replan(f"job {job} failed")


def interrupt_job(job: Job, reason: str) -> None:
    """The printer lost the job (or the job the printer): the operator decides."""
    if _move(job, S.INTERRUPTED, reason) is not None:
        request_replan(f"job {job} interrupted")


# --- starting a print ---------------------------------------------------------------------


class StartRefused(Exception):
    """Why a job cannot be started on a printer now (the message is for the operator)."""


def claim(station: Station, job: Job, by=None) -> Job:
    """Record the start of `job` on the station's printer, before the printer is told.

    Locks the station's row; refuses when the printer is not idle and online, its bed is
    not confirmed clear, the job is not ready for it, or its center is closed. The
    database's one-print-per-printer constraint backs this up across processes.
    """
    with transaction.atomic():
        fresh = (
            Station.objects.select_for_update().select_related("printer__center").get(pk=station.pk)
        )
        if not fresh.online or fresh.live not in (L.IDLE, L.COMPLETED, L.CANCELLED):
            raise StartRefused(f"{fresh.printer} is {fresh.get_live_display()}")
        if not fresh.bed_clear:
            raise StartRefused(f"the bed of {fresh.printer} is not confirmed clear")
        if not is_open(fresh.printer.center):
            raise StartRefused(f"{fresh.printer.center} is closed")
        current = Job.objects.select_for_update().get(pk=job.pk)
        if current.state != S.READY or current.sliced_for_id != fresh.printer_id:
            raise StartRefused(f"job {current} is not ready for {fresh.printer}")
        current.printer_id = fresh.printer_id
        current.remote_file = f"printhub-job{current.pk}-{current.attempts + 1}.gcode"
        current.started_at = timezone.now()
        current.progress = 0
        current.save(update_fields=["printer", "remote_file", "started_at", "progress"])
        try:
            with transaction.atomic():
                started = services.move_job(current, S.PRINTING, by)
        except IntegrityError:
            raise StartRefused(f"{fresh.printer} already has a print") from None
        fresh.bed_clear = False
        fresh.save(update_fields=["bed_clear"])
    services.sync_order(started.order)
    return started


def start_job(station: Station, job: Job, printer: Printer, by=None) -> Job:
    """Claim, upload and start; a printer that refuses fails the attempt (queued again)."""
    started = claim(station, job, by)
    try:
        name = printer.upload(Path(settings.MEDIA_ROOT) / started.gcode, started.remote_file)
        if not _same_file(name, started.remote_file):
            Job.objects.filter(pk=started.pk).update(remote_file=name)
        printer.start(name)
    except PrinterError as err:
        fail_job(started, station, f"the printer refused the print: {err}", 0.0)
        raise StartRefused(str(err)) from err
    return started


# --- commands from the web --------------------------------------------------------------


def run_command(command: Command, printer: Printer) -> None:
    """Carry out one pending command on its printer; record the outcome."""
    station = command.station
    try:
        if command.action == Command.Action.START:
            start_job(station, command.job, printer, command.by)
        elif command.action == Command.Action.PAUSE:
            printer.pause()
        elif command.action == Command.Action.RESUME:
            printer.resume()
        elif command.action == Command.Action.CANCEL:
            printer.cancel()
        command.outcome = Command.Outcome.DONE
    except (PrinterError, StartRefused, ValidationError) as err:
        command.outcome = Command.Outcome.FAILED
        command.error = str(err)[:1000]
    command.done_at = timezone.now()
    command.save(update_fields=["outcome", "error", "done_at"])


def next_ready_job(station: Station) -> Job | None:
    return (
        Job.objects.filter(state=S.READY, sliced_for_id=station.printer_id)
        .order_by("planned_start", "created_at")
        .first()
    )


def auto_start(station: Station, printer: Printer) -> Job | None:
    """Start the printer's next ready job once its bed is confirmed clear (center open)."""
    if not (station.bed_clear and station.online):
        return None
    if station.live not in (L.IDLE, L.COMPLETED, L.CANCELLED):
        return None
    if station.printer.status != "available" or active_job(station.printer_id):
        return None
    job = next_ready_job(station)
    if job is None or not is_open(station.printer.center):
        return None
    try:
        return start_job(station, job, printer)
    except StartRefused as err:
        log.info("not started on %s: %s", station.printer, err)
        return None
