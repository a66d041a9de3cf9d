"""Background work of the parts app: the analysis of an uploaded model."""

from __future__ import annotations

from django_tasks import task


@task()
def analyse_model(model_id: str) -> None:
    """Read, analyse, orient, repair, draw and estimate one uploaded model (by its id).

    The stages are saved on the model as they run (printhub.parts.pipeline); a bad file
    ends in status "failed" with the reader's message.
    """
    from printhub.parts.pipeline import run

    run(model_id)
