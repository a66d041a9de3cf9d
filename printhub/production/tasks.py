"""Background work of production: slicing a job for the printer it was sent to."""

from __future__ import annotations

from django_tasks import default_task_backend, task

# Below the analysis (0) and the quote estimates (-10): a customer waits for those, while
# a job is sliced half an hour before its planned start (dispatch.LEAD).
SLICE_PRIORITY = -20


@task()
def slice_job_task(job_id: int) -> None:
    """Slice one job with PrusaSlicer for its printer's profile (printhub.production.dispatch)."""
    from printhub.production.dispatch import slice_job

    slice_job(job_id)


def enqueue_slicing(job_id: int) -> None:
    """Queue the slicing of a job (at a low priority where the backend has priorities)."""
    a_task = slice_job_task
    if default_task_backend.supports_priority:
        a_task = a_task.using(priority=SLICE_PRIORITY)
    a_task.enqueue(job_id)
