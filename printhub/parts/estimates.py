"""Instant estimates of a model, computed once per (printer model, material, settings).

`estimate_for` returns the stored `parts.Estimate` row, computing and storing it on first
use; `precompute_estimates` fills the rows for every printer model of the network and every
material it runs, at default settings, right after the analysis, so quotes are instant
(the analysis task queues them as small low-priority tasks: `printhub.parts.tasks`).

The mesh estimated is the one a center would print: the repaired mesh when the analysis
made a repair that changed something (else the mesh as uploaded), turned to the suggested
orientation (the estimator puts its lowest point on the bed).
"""

from __future__ import annotations

import functools
import logging
import time

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from printhub.geometry.errors import GeometryError
from printhub.geometry.io import load_model
from printhub.parts.models import Estimate, UploadedModel
from printhub.slicing import PrintSettings
from printhub.slicing.errors import SlicingError
from printhub.slicing.estimate import PreparedModel, estimate, prepare

log = logging.getLogger(__name__)

DEFAULT_INFILL_PERCENT = 20


class EstimateUnavailable(ValueError):
    """The model cannot be estimated (not analysed yet, or its file could not be read)."""


def settings_key(layer_height_mm: float | None = None, infill_percent: int = 20) -> str:
    """The settings an estimate was made with, as stored in Estimate.settings_key."""
    layer = "default" if layer_height_mm is None else f"{float(layer_height_mm):.3f}"
    return f"layer={layer};infill={int(infill_percent)}"


def _rotation_of(model: UploadedModel) -> tuple[tuple[float, ...], ...] | None:
    rotation = (model.orientation or {}).get("rotation")
    if not rotation:
        return None
    return tuple(tuple(float(v) for v in row) for row in rotation)


def _mesh_source(model: UploadedModel) -> tuple[str, str]:
    """(path, kind) of the file to estimate: "repaired" or "uploaded"."""
    repair = model.repair or {}
    if model.repaired_file and repair.get("changed"):
        return model.repaired_file.path, "repaired"
    return model.file.path, "uploaded"


@functools.lru_cache(maxsize=2)
def _load_oriented(path: str, rotation, stamp: str) -> PreparedModel:
    """The mesh of a stored file turned by `rotation`, prepared for estimates.

    Cached: the estimate tasks of one model run one after another in a worker, and quotes
    ask again; the PreparedModel keeps the sections and support columns they share (one
    1M-triangle model: ~0.6 s an estimate alone, a few hundredths of a second shared).
    `stamp` (the model's analysis time) keys the cache, so a re-analysis is seen.
    """
    del stamp
    from printhub.parts.services import analysis_limits

    mesh = load_model(path, analysis_limits()).mesh
    if rotation is not None:
        matrix = np.asarray(rotation, dtype=np.float64)
        if not np.allclose(matrix, np.eye(3)):
            mesh = mesh.transformed(matrix)
    return prepare(mesh)


def mesh_to_estimate(model: UploadedModel) -> tuple[PreparedModel, str]:
    """The mesh a center would print (see the module's docstring), prepared for estimates,
    and which file it is."""
    if not model.is_ready:
        raise EstimateUnavailable(_("The model has not been analysed yet."))
    path, kind = _mesh_source(model)
    stamp = model.analysed_at.isoformat() if model.analysed_at else ""
    try:
        return _load_oriented(path, _rotation_of(model), stamp), kind
    except (GeometryError, OSError) as err:
        raise EstimateUnavailable(
            _("The model's file could not be read again: %(error)s") % {"error": err}
        ) from err


def _compute(
    model: UploadedModel,
    printer_catalog_id: str,
    material_catalog_id: str,
    layer_height_mm: float | None,
    infill_percent: int,
    mesh: PreparedModel | None = None,
    kind: str | None = None,
) -> Estimate:
    if mesh is None:
        mesh, kind = mesh_to_estimate(model)
    settings = PrintSettings(layer_height_mm=layer_height_mm, infill_percent=int(infill_percent))
    started = time.perf_counter()
    result = estimate(mesh, printer_catalog_id, material_catalog_id, settings)
    elapsed = time.perf_counter() - started
    details = result.to_dict() | {
        "mesh": kind,
        "oriented": _rotation_of(model) is not None,
        "layer_height_mm": layer_height_mm,
        "infill_percent": int(infill_percent),
        "seconds": round(elapsed, 3),
    }
    row = Estimate(
        model=model,
        printer_catalog_id=printer_catalog_id,
        material_catalog_id=material_catalog_id,
        settings_key=settings_key(layer_height_mm, infill_percent),
        print_time_s=float(result.print_time_s),
        material_g=None if result.material_g is None else float(result.material_g),
        material_ml=None if result.resin_ml is None else float(result.resin_ml),
        layers=result.layers,
        details=details,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # Someone (the task, another request) stored it meanwhile: theirs is as good.
        return Estimate.objects.get(
            model=model,
            printer_catalog_id=printer_catalog_id,
            material_catalog_id=material_catalog_id,
            settings_key=row.settings_key,
        )
    return row


def estimate_for(
    model: UploadedModel,
    printer_catalog_id: str,
    material_catalog_id: str,
    layer_height_mm: float | None = None,
    infill_percent: int = DEFAULT_INFILL_PERCENT,
) -> Estimate:
    """The estimate of printing `model` on a printer model in a material (stored once).

    Raises EstimateUnavailable when the model is not analysed (or its file is gone), and
    the slicing library's errors (SlicingError: IncompatibleMaterial, InvalidSettings,
    UnknownPrinter, UnknownMaterial) when the job cannot be estimated; their str() is a
    message a person can act on.
    """
    key = settings_key(layer_height_mm, infill_percent)
    found = Estimate.objects.filter(
        model=model,
        printer_catalog_id=printer_catalog_id,
        material_catalog_id=material_catalog_id,
        settings_key=key,
    ).first()
    if found is not None:
        return found
    return _compute(model, printer_catalog_id, material_catalog_id, layer_height_mm, infill_percent)


def missing_jobs(model: UploadedModel) -> list[tuple[str, str]]:
    """(printer model, material) pairs of the network without a default estimate yet."""
    from printhub.parts.services import network_jobs

    done = set(
        Estimate.objects.filter(model=model, settings_key=settings_key()).values_list(
            "printer_catalog_id", "material_catalog_id"
        )
    )
    return [job for job in network_jobs() if job not in done]


def precompute_estimates(model: UploadedModel) -> int:
    """Store default-settings estimates for every (printer model, material) of the network.

    Returns how many were computed now. A pair the estimator refuses is logged and left
    out (the quote then says why when asked).
    """
    jobs = missing_jobs(model)
    if not jobs:
        return 0
    mesh, kind = mesh_to_estimate(model)
    computed = 0
    for printer_id, material_id in jobs:
        try:
            _compute(model, printer_id, material_id, None, DEFAULT_INFILL_PERCENT, mesh, kind)
        except (SlicingError, GeometryError) as err:
            log.warning(
                "model %s: no estimate on %s in %s: %s", model.id, printer_id, material_id, err
            )
            continue
        computed += 1
    return computed


def run_job(model_id: str, printer_catalog_id: str, material_catalog_id: str) -> None:
    """One queued estimate (the `estimate_job` task); skipped if the model is gone or changed."""
    model = UploadedModel.objects.filter(pk=model_id).first()
    if model is None or not model.is_ready:
        return
    try:
        estimate_for(model, printer_catalog_id, material_catalog_id)
    except (SlicingError, GeometryError, EstimateUnavailable) as err:
        log.warning(
            "model %s: no estimate on %s in %s: %s",
            model_id,
            printer_catalog_id,
            material_catalog_id,
            err,
        )


def finish(model_id: str) -> None:
    """The last queued step: compute what is still missing, then mark the estimates done."""
    from printhub.parts.messages import DONE

    model = UploadedModel.objects.filter(pk=model_id).first()
    if model is None or not model.is_ready:
        return
    try:
        precompute_estimates(model)
    except EstimateUnavailable as err:
        log.warning("model %s: estimates stopped: %s", model_id, err)
    UploadedModel.objects.filter(pk=model_id).update(stage=DONE, estimated_at=timezone.now())
