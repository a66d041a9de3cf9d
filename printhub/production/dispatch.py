"""From the plan to G-code: each printer's next planned job is sliced for that printer.

`prepare_next` (called by the fleet monitor after each plan) takes, for every printer in
service that has nothing sliced or on its bed, the first queued job the plan gave it
whose start is near, marks it "slicing" and hands it to the worker (`tasks.slice_job`).
`slice_job` runs PrusaSlicer with the profile of that printer and the job's material,
keeps the G-code, and makes the job "ready": it starts once an operator has confirmed
the printer's bed clear.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from printhub.production import services
from printhub.production.models import Job, Station
from printhub.production.planning import request_replan

log = logging.getLogger(__name__)

# Slice a job this long before its planned start, so it is ready when the bed is cleared.
LEAD = dt.timedelta(minutes=30)
GCODE_DIR = "gcode"


def prepare_next(now: dt.datetime | None = None) -> list[Job]:
    """Send the next planned job of every free printer to slicing; returns those jobs."""
    from printhub.production.tasks import enqueue_slicing

    now = now or timezone.now()
    busy = set(
        Job.objects.filter(
            state__in=[Job.State.SLICING, Job.State.READY, Job.State.PRINTING, Job.State.PAUSED]
        )
        .exclude(sliced_for__isnull=True, printer__isnull=True)
        .values_list("sliced_for_id", flat=True)
    ) | set(
        Job.objects.filter(state__in=[Job.State.PRINTING, Job.State.PAUSED]).values_list(
            "printer_id", flat=True
        )
    )
    sent = []
    stations = Station.objects.filter(printer__status="available").exclude(
        live__in=[Station.Live.UNREACHABLE, Station.Live.OFFLINE, Station.Live.UNKNOWN]
    )
    for station in stations:
        if station.printer_id in busy:
            continue
        job = (
            Job.objects.filter(
                state=Job.State.QUEUED,
                planned_printer_id=station.printer_id,
                planned_start__lte=now + LEAD,
            )
            .order_by("planned_start")
            .first()
        )
        if job is None:
            continue
        updated = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
            sliced_for_id=station.printer_id
        )
        if not updated:
            continue
        try:
            job = services.move_job(job, Job.State.SLICING)
        except ValidationError:
            continue
        enqueue_slicing(job.pk)
        sent.append(job)
    return sent


def gcode_path(job: Job) -> Path:
    return Path(settings.MEDIA_ROOT) / GCODE_DIR / f"job-{job.pk}.gcode"


def slice_job(job_id: int) -> Job | None:
    """Slice one job for the printer it was sent to; ready, or failed with the reason."""
    from printhub.geometry.errors import GeometryError
    from printhub.slicing import SlicingError, slice_mesh

    job = (
        Job.objects.select_related("order__model", "order__quote_option", "material", "sliced_for")
        .filter(pk=job_id)
        .first()
    )
    if job is None or job.state != Job.State.SLICING or job.sliced_for is None:
        return None  # cancelled or moved meanwhile
    out = gcode_path(job)
    try:
        result = slice_mesh(
            mesh_to_print(job.order.model, job.copies),
            job.sliced_for.catalog_id,
            job.material.catalog_id,
            settings=_print_settings(job),
            output_path=out,
        )
    except (SlicingError, GeometryError, OSError) as err:
        log.warning("slicing job %s failed: %s", job.pk, err)
        failed = services.move_job(job, Job.State.FAILED, reason=f"slicing failed: {err}"[:2000])
        request_replan(f"job {job} could not be sliced")
        return failed
    fresh = Job.objects.get(pk=job.pk)
    if fresh.state != Job.State.SLICING:  # cancelled while the slicer ran
        out.unlink(missing_ok=True)
        return fresh
    fresh.gcode = str(out.relative_to(settings.MEDIA_ROOT))
    fresh.estimated_print_s = result.print_time_s
    fresh.filament_g = float(result.filament_g or result.material_g or 0.0)
    fresh.save(update_fields=["gcode", "estimated_print_s", "filament_g"])
    return services.move_job(fresh, Job.State.READY)


def mesh_to_print(model, copies: int = 1):
    """The model as it goes on the bed: repaired if a repair was kept, turned the way the
    analysis suggested, standing at z = 0; a plate of `copies` in the grid the plan was
    given (`services.plate_layout`; the slicer centres the whole)."""
    import numpy as np

    from printhub.geometry.io import load_mesh
    from printhub.geometry.mesh import Mesh
    from printhub.production.services import PLATE_GAP_MM, plate_columns

    source = model.repaired_file or model.file
    mesh = load_mesh(source.path)
    rotation = (model.orientation or {}).get("rotation")
    if rotation is not None:
        mesh = mesh.transformed(np.asarray(rotation, dtype=float))
    vertices = mesh.vertices.astype(np.float64)
    vertices -= [vertices[:, 0].min(), vertices[:, 1].min(), vertices[:, 2].min()]
    if copies <= 1:
        return Mesh(vertices, mesh.faces)
    width, depth = vertices[:, 0].max(), vertices[:, 1].max()
    columns = plate_columns(model.bbox_mm or (width, depth, vertices[:, 2].max()), copies)
    parts_v, parts_f = [], []
    for n in range(copies):
        row, column = divmod(n, columns)
        offset = [column * (width + PLATE_GAP_MM), row * (depth + PLATE_GAP_MM), 0.0]
        parts_f.append(mesh.faces + n * len(vertices))
        parts_v.append(vertices + offset)
    return Mesh(np.concatenate(parts_v), np.concatenate(parts_f))


def _print_settings(job: Job):
    from printhub.slicing import PrintSettings

    option = job.order.quote_option
    quote = option.quote
    kwargs = {"infill_percent": quote.infill_percent}
    if quote.layer_height_mm:
        kwargs["layer_height_mm"] = quote.layer_height_mm
    try:
        return PrintSettings(**kwargs)
    except ValueError:  # a quote's settings the slicer no longer accepts: the defaults
        return PrintSettings()
