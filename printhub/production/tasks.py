"""Background work of production: slicing a job for the printer it was sent to."""

from __future__ import annotations

from django_tasks import task


@task()
def slice_job_task(job_id: int) -> None:
    """Slice one job with PrusaSlicer for its printer's profile (printhub.production.dispatch)."""
    from printhub.production.dispatch import slice_job

    slice_job(job_id)
