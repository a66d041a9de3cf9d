"""Instant estimates of print time and material, calibrated against the real slicer.

    from printhub.slicing.estimate import estimate, prepare
    result = estimate(mesh, "mk3s", "pla", PrintSettings(infill_percent=20))
    result.print_time_s, result.filament_g, result.material_cost_krw

Many estimates of one model (every printer and material of a network) share their geometry:
measure it once with ``prepare`` and pass the PreparedModel instead of the mesh. The figures
are identical; the sections, loops and support columns of a layer setting and support rule
are measured on the first estimate that needs them and reused by the others.

    model = prepare(mesh)
    results = [estimate(model, printer, material) for printer, material in jobs]

FDM and resin (SLA) estimates cut the mesh into layers and time what the slicer would lay on
each (fdm.py, resin.py), with a few coefficients fitted against PrusaSlicer's own figures
(calibration.py, ``python -m bench.estimate_vs_slicer --fit``); powder-bed (SLS) jobs have no
slicer here and follow documented machine figures (powder.py).
"""

from __future__ import annotations

from printhub.geometry.errors import EmptyMeshError
from printhub.geometry.mesh import Mesh
from printhub.slicing.catalog import (
    Catalog,
    Material,
    PrinterProfile,
    check_compatible,
    load_catalog,
)
from printhub.slicing.estimate.fdm import estimate_fdm
from printhub.slicing.estimate.layers import PreparedModel, prepare
from printhub.slicing.estimate.powder import estimate_sls
from printhub.slicing.estimate.resin import estimate_sla
from printhub.slicing.estimate.result import Estimate, cost_krw
from printhub.slicing.settings import PrintSettings, effective_layer_height, resolve_config

__all__ = [
    "Estimate",
    "PreparedModel",
    "estimate",
    "estimate_fdm",
    "estimate_sla",
    "estimate_sls",
    "prepare",
]


def estimate(
    mesh: Mesh | PreparedModel,
    printer: PrinterProfile | str,
    material: Material | str,
    settings: PrintSettings | None = None,
    catalog: Catalog | None = None,
) -> Estimate:
    """Estimate time, material and cost of printing a mesh (as placed: lowest point on the bed).

    ``mesh`` may be a PreparedModel (``prepare(mesh)``) shared by several estimates of the
    same mesh: the result is the same, the shared measurements are made once.
    """
    catalog = catalog or load_catalog()
    if isinstance(printer, str):
        printer = catalog.printer(printer)
    if isinstance(material, str):
        material = catalog.material(material)
    settings = settings or PrintSettings()
    check_compatible(printer, material, catalog)
    model = prepare(mesh)
    if model.mesh.triangle_count == 0:
        raise EmptyMeshError("the model has no triangles: there is nothing to print")
    if printer.technology == "sls":
        layer = effective_layer_height(printer, settings)
        return estimate_sls(model, printer, material, layer)
    config = resolve_config(printer, material, settings, catalog)
    if printer.technology == "sla":
        result = estimate_sla(model, config)
        price = material.price_krw_per_l
        cost = None if price is None else round((result.resin_ml or 0.0) * price / 1000.0)
    else:
        result = estimate_fdm(model, config)
        cost = cost_krw(result.material_g, material.price_krw_per_kg)
    return _with_cost(result, cost)


def _with_cost(result: Estimate, cost: int | None) -> Estimate:
    from dataclasses import replace

    return replace(result, material_cost_krw=cost)
