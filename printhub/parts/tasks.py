"""Background work of the parts app: the analysis of an uploaded model, then its estimates.

The analysis runs at the default priority. The estimates that follow it run as one small
task per (printer model, material) at a lower priority, so that with one worker a new
upload's analysis never waits behind another model's estimates for more than one of
them (backends without priorities, RQ, run them in order).
"""

from __future__ import annotations

from django_tasks import default_task_backend, task

# Below the analysis (0): a person is waiting for a report, nobody yet for an estimate.
ESTIMATE_PRIORITY = -10


@task()
def analyse_model(model_id: str) -> None:
    """Read, analyse, orient, repair and draw one uploaded model (by its id).

    The stages are saved on the model as they run (printhub.parts.pipeline); a bad file
    ends in status "failed" with the reader's message. Once the report is saved, the
    estimates are queued (`schedule_estimates`).
    """
    from printhub.parts.pipeline import run

    run(model_id)


@task()
def estimate_job(model_id: str, printer_catalog_id: str, material_catalog_id: str) -> None:
    """Store the default-settings estimate of one model on one printer model in one material."""
    from printhub.parts.estimates import run_job

    run_job(model_id, printer_catalog_id, material_catalog_id)


@task()
def finish_estimates(model_id: str) -> None:
    """After the jobs: fill any estimate still missing, then mark the model's estimates done."""
    from printhub.parts.estimates import finish

    finish(model_id)


def _low_priority(a_task):
    if default_task_backend.supports_priority:
        return a_task.using(priority=ESTIMATE_PRIORITY)
    return a_task


def schedule_estimates(model_id: str, jobs: list[tuple[str, str]]) -> None:
    """Queue one estimate task per (printer model, material) job, then the finishing task."""
    job_task = _low_priority(estimate_job)
    for printer_id, material_id in jobs:
        job_task.enqueue(str(model_id), printer_id, material_id)
    _low_priority(finish_estimates).enqueue(str(model_id))
