"""Powder-bed (SLS) estimate: time from layers and scanning, powder from part and refresh.

There is no SLS slicer here to calibrate against, so this follows published figures of a
compact SLS machine (Formlabs Fuse 1 class, PA12) and states every assumption:

- The part sits alone in the build, with ``BED_MARGIN_MM`` of powder below and above it;
  every layer of that height is recoated (``RECOAT_S`` each, spreading and reheating).
- The laser hatches each section at ``HATCH_MM`` line spacing and ``SCAN_MM_S`` speed, and
  traces its outline once (the section's contour length at the same speed).
- ``WARMUP_S`` of preheating before the first layer; the cool-down afterwards (about as long
  as the print, outside the printer on a Fuse 1) is not counted as printer time.
- Powder used up = the part's mass, plus the aged powder replaced at ``REFRESH_RATIO``: the
  unsintered powder of the build's used height (bed area x height) at ``BULK_DENSITY``
  relative to the solid, of which ``REFRESH_RATIO`` is fresh powder per build.

Multiple parts packed in one build share the recoats and the refresh; this estimate is for
a part printed alone and so is an upper bound per part.
"""

from __future__ import annotations

import math

import numpy as np

from printhub.geometry.mesh import Mesh
from printhub.slicing.catalog import Material, PrinterProfile
from printhub.slicing.estimate.layers import PreparedModel, prepare
from printhub.slicing.estimate.result import Estimate, cost_krw

RECOAT_S = 9.0
HATCH_MM = 0.2
SCAN_MM_S = 2000.0
WARMUP_S = 1800.0
BED_MARGIN_MM = 5.0
REFRESH_RATIO = 0.30
BULK_DENSITY = 0.45  # powder bed packing, relative to the solid material
# Sections are measured at this many heights at most (scan time varies smoothly).
AREA_PLANES = 128


def estimate_sls(
    model: Mesh | PreparedModel,
    printer: PrinterProfile,
    material: Material,
    layer_height_mm: float,
) -> Estimate:
    """Estimate time and powder of a mesh printed alone on a powder-bed printer."""
    prepared = prepare(model)
    z_lo, z_hi = prepared.z_range
    height = z_hi - z_lo
    build_height = height + 2 * BED_MARGIN_MM
    layers = max(math.ceil(build_height / layer_height_mm - 1e-9), 1)
    part_layers = max(math.ceil(height / layer_height_mm - 1e-9), 1)
    count = min(part_layers, AREA_PLANES)
    planes = z_lo + (np.arange(count) + 0.5) * (height / count)
    sections = prepared.sections(planes)
    hatch_s = np.maximum(sections.area, 0.0) / (HATCH_MM * SCAN_MM_S)
    outline_s = sections.perimeter / SCAN_MM_S
    scan_s = float((hatch_s + outline_s).mean()) * part_layers
    recoat_s = layers * RECOAT_S
    time_s = WARMUP_S + recoat_s + scan_s

    volume_mm3 = max(prepared.volume_mm3, 0.0)
    part_g = volume_mm3 / 1000.0 * material.density_g_cm3
    bed_area = printer.build_mm[0] * printer.build_mm[1]
    bed_powder_g = bed_area * build_height / 1000.0 * material.density_g_cm3 * BULK_DENSITY
    refresh_g = REFRESH_RATIO * max(bed_powder_g - part_g, 0.0)
    powder_g = part_g + refresh_g
    return Estimate(
        technology="sls",
        print_time_s=time_s,
        layers=layers,
        material_g=powder_g,
        material_cost_krw=cost_krw(powder_g, material.price_krw_per_kg),
        powder_g=powder_g,
        breakdown={
            "warmup_s": WARMUP_S,
            "recoat_s": recoat_s,
            "scan_s": scan_s,
            "part_g": part_g,
            "refresh_g": refresh_g,
        },
    )
