"""Production jobs of approved orders: one per part.

For now staff move orders along by hand and the jobs follow the order
(`follow_order`); the production issue turns this around, with printers and a
scheduler moving the jobs and the order following them.
"""

from __future__ import annotations

from printhub.production.models import Job

# Jobs that are over: nothing moves them any more.
FINISHED_JOB_STATES = (Job.State.COMPLETED, Job.State.FAILED, Job.State.CANCELLED)


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
