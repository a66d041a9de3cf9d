"""Production jobs of approved orders: one per part.

Jobs move through `move_job` (checked against JOB_TRANSITIONS, recorded as JobEvents):
a print started counts an attempt; a failed or interrupted print goes back to the queue
with `retry` until MAX_ATTEMPTS; a cancel says whether the customer or staff asked.
Printers move the jobs (printhub.production.fleet) and the order follows its jobs
(`sync_order`); staff may still move an order on by hand (a part finished outside the
hub, a reprint), and then its unfinished jobs follow the order (`follow_order`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from printhub.production.models import Job, JobEvent

MAX_ATTEMPTS = 3

# Jobs that are over: nothing moves them any more (a failed job may still be retried).
FINISHED_JOB_STATES = (Job.State.COMPLETED, Job.State.CANCELLED)


# Plates: copies of a short part (at most PLATE_PART_MAX_S each) go on one bed together,
# up to PLATE_MAX_S of printing, saving an operator a bed clearing per part; long parts
# print one by one, so a failed print costs one part and the plan can spread them.
PLATE_PART_MAX_S = 3600
PLATE_MAX_S = 3 * 3600
PLATE_BED_MM = 180.0  # the smallest FDM bed of the fleet (MINI: 180 × 180 mm)
PLATE_GAP_MM = 5.0


def _plate_cell(box_mm) -> tuple[float, float, int]:
    """(diagonal, cell, cells per row) of a part on a plate. The part may be turned any
    way on the bed (the suggested orientation), so each copy gets a square cell as wide
    as its bounding box's diagonal."""
    diagonal = sum(v * v for v in box_mm) ** 0.5
    cell = diagonal + PLATE_GAP_MM
    return diagonal, cell, int((PLATE_BED_MM + PLATE_GAP_MM) // cell)


def plate_columns(box_mm, copies: int) -> int:
    """How many copies a plate row holds: the same grid for the plan and the slicer."""
    return max(1, min(_plate_cell(box_mm)[2], copies))


def plate_layout(box_mm, part_s: float, left: int) -> tuple[int, list[float] | None]:
    """How many copies of a part go on one plate, and the plate's size for the plan."""
    if not box_mm or part_s <= 0 or part_s > PLATE_PART_MAX_S or left < 2:
        return 1, list(box_mm) if box_mm else None
    diagonal, cell, per_row = _plate_cell(box_mm)
    copies = min(left, per_row * per_row, int(PLATE_MAX_S // part_s))
    if copies < 2:
        return 1, list(box_mm)
    columns = plate_columns(box_mm, copies)
    rows = -(-copies // columns)
    return copies, [columns * cell - PLATE_GAP_MM, rows * cell - PLATE_GAP_MM, diagonal]


def create_jobs(order) -> list[Job]:
    """The queued jobs of an approved order's parts (quantity n → n jobs, or plates of
    several copies of a short FDM part), at its center.

    Each job's estimates are the quote option's print time and material of one part,
    times its copies. Called inside the approval's transaction; idempotent (parts that
    have a job keep it).
    """
    done = set()
    for job in order.jobs.all():
        done.update(range(job.index, job.index + job.copies))
    option = order.quote_option
    estimate_s = float(option.print_time_s or 0)
    fdm = order.material.process == "fdm"
    grams = float(option.material_amount or 0) if fdm else 0.0
    box = order.model.bbox_mm
    new = []
    index = 1
    while index <= order.quantity:
        if index in done:
            index += 1
            continue
        left = 0
        while index + left <= order.quantity and index + left not in done:
            left += 1
        copies, size = plate_layout(box, estimate_s, left) if fdm else (1, box and list(box))
        new.append(
            Job(
                order=order,
                index=index,
                copies=copies,
                center=order.center,
                estimated_print_s=estimate_s * copies,
                material=order.material,
                color=order.color,
                size_mm=size or [],
                filament_g=grams * copies,
                due=option.ready_at,
            )
        )
        index += copies
    Job.objects.bulk_create(new)
    if new:
        from printhub.production.planning import request_replan

        transaction.on_commit(lambda: request_replan(f"order {order.number} approved"))
    return list(order.jobs.order_by("index"))


def _job_state_for(order_state: str) -> str | None:
    """What the unfinished jobs of an order become when staff move the order by hand."""
    from printhub.orders.models import State

    # Moving an order to "printing" by hand leaves its jobs alone: only a printer prints.
    return {
        State.QUEUED: Job.State.QUEUED,
        State.POST_PROCESSING: Job.State.COMPLETED,
        State.READY: Job.State.COMPLETED,
        State.PICKED_UP: Job.State.COMPLETED,
        State.CANCELLED: Job.State.CANCELLED,
        State.REJECTED: Job.State.CANCELLED,
    }.get(order_state)


def follow_order(order) -> int:
    """Bring the unfinished jobs of an order in line with its state; returns how many moved.

    A reprint (printing → queued) puts the jobs back in the queue.
    """
    target = _job_state_for(order.state)
    if target is None:
        return 0
    return (
        Job.objects.filter(order=order)
        .exclude(state__in=FINISHED_JOB_STATES)
        .exclude(state=target)
        .update(state=target)
    )


def move_job(job: Job, new_state: str, by=None, reason: str = "") -> Job:
    """Move a job to `new_state` (a ValidationError when its state does not allow it).

    Under a row lock, so two workers cannot both start or finish one job. Returns the job
    as stored.
    """
    with transaction.atomic():
        fresh = Job.objects.select_for_update().get(pk=job.pk)
        if not fresh.can_become(new_state):
            raise ValidationError(
                _("A job that is %(state)s cannot become %(new)s.")
                % {"state": fresh.get_state_display(), "new": Job.State(new_state).label}
            )
        if new_state == Job.State.PRINTING and fresh.state == Job.State.READY:
            fresh.attempts += 1
        if new_state in (Job.State.COMPLETED, Job.State.FAILED, Job.State.CANCELLED):
            fresh.finished_at = timezone.now()
        if new_state == Job.State.QUEUED:  # back in the queue: planned and sliced anew
            fresh.sliced_for = None
            fresh.planned_printer = None
            fresh.progress = 0
        if new_state in (Job.State.FAILED, Job.State.INTERRUPTED, Job.State.CANCELLED):
            fresh.reason = reason
        fresh.state = new_state
        fresh.save()
        JobEvent.objects.create(job=fresh, state=new_state, actor=by, reason=reason)
    return fresh


def retry(job: Job, by=None, reason: str = "") -> Job:
    """Put a failed or interrupted job back in the queue, unless it used its attempts."""
    if job.attempts >= MAX_ATTEMPTS:
        raise ValidationError(
            _("This part was started %(n)d times; cancel it or ask the customer.")
            % {"n": job.attempts}
        )
    return move_job(job, Job.State.QUEUED, by, reason or job.reason)


def cancel_job(job: Job, by, reason: str, *, by_customer: bool) -> Job:
    """Cancel a job, recording whether its customer or staff asked for it."""
    with transaction.atomic():
        cancelled = move_job(job, Job.State.CANCELLED, by, reason)
        cancelled.cancelled_by = Job.CancelledBy.CUSTOMER if by_customer else Job.CancelledBy.STAFF
        cancelled.save(update_fields=["cancelled_by", "updated_at"])
    return cancelled


def sync_order(order) -> str | None:
    """Bring an order in line with its jobs; returns the state it moved to, if any.

    A part on a printer makes a queued order "printing"; once every part is printed (or
    cancelled, with at least one printed) it goes to post-processing, or straight to
    ready for pickup when nothing was ordered after printing. The customer is told.
    """
    from printhub.orders import services as orders
    from printhub.orders.models import State

    states = set(order.jobs.values_list("state", flat=True))
    started = {Job.State.PRINTING, Job.State.PAUSED, Job.State.COMPLETED}
    target = None
    if order.state == State.QUEUED and states & started:
        target = State.PRINTING
    done = states <= {Job.State.COMPLETED, Job.State.CANCELLED}
    if Job.State.COMPLETED in states and done and order.state in (State.QUEUED, State.PRINTING):
        if order.state == State.QUEUED:
            orders.change_state(order, State.PRINTING, None, notify=False)
        target = State.POST_PROCESSING if order.quote_option.post_processing_lines else State.READY
    if target is None or target == order.state:
        return None
    orders.change_state(order, target, None)
    return target
