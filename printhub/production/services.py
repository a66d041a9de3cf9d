"""Production jobs of approved orders: one per part.

Jobs move through `move_job` (checked against JOB_TRANSITIONS, recorded as JobEvents):
a print started counts an attempt; a failed or interrupted print goes back to the queue
with `retry` until MAX_ATTEMPTS; a cancel says whether the customer or staff asked.
For now staff also move orders along by hand and the jobs follow the order
(`follow_order`); printers and the scheduler will move the jobs, and the order follow them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from printhub.production.models import Job, JobEvent

MAX_ATTEMPTS = 3

# Jobs that are over: nothing moves them any more (a failed job may still be retried).
FINISHED_JOB_STATES = (Job.State.COMPLETED, Job.State.CANCELLED)


def create_jobs(order) -> list[Job]:
    """One queued job per part of an approved order (quantity n → n jobs) at its center.

    Each job's estimated time is the quote option's print time of one part.
    Called inside the approval's transaction; idempotent (existing jobs are kept).
    """
    existing = set(order.jobs.values_list("index", flat=True))
    estimate_s = float(order.quote_option.print_time_s or 0)
    new = [
        Job(order=order, index=index, center=order.center, estimated_print_s=estimate_s)
        for index in range(1, order.quantity + 1)
        if index not in existing
    ]
    Job.objects.bulk_create(new)
    return list(order.jobs.order_by("index"))


def _job_state_for(order_state: str) -> str | None:
    """What the unfinished jobs of an order become when staff move the order by hand."""
    from printhub.orders.models import State

    return {
        State.QUEUED: Job.State.QUEUED,
        State.PRINTING: Job.State.PRINTING,
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
