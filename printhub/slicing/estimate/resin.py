"""Instant resin (SLA/MSLA) estimate: print time and resin from layers, exposure and tilt.

A masked-LCD printer exposes a whole layer at once, so time does not depend on what is in
the layer, only on how many layers there are: each costs its exposure (long for the first
layers, fading down to the normal one) plus a tilt or lift to peel it, slower when the layer
covers much of the screen. PrusaSlicer counts the same way (SLAPrint's statistics); with
supports, the part is raised by ``support_object_elevation`` on a pad, which adds layers.

Resin is the part's volume plus the support's: the pad under the part's footprint and a
volume per area of downward faces, coefficients fitted against PrusaSlicer's
``usedMaterial`` (calibration.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from printhub.geometry.mesh import Mesh
from printhub.slicing.estimate.calibration import SLA_COEFFICIENTS
from printhub.slicing.estimate.layers import PreparedModel, _footprint_hull, prepare
from printhub.slicing.estimate.profile import flag, number
from printhub.slicing.estimate.result import Estimate

# Layer areas are measured at this many heights at most (they only decide fast/slow tilts).
AREA_PLANES = 64


def exposure_schedule(layers: int, exposure_s: float, initial_s: float, faded: int) -> float:
    """Total exposure of ``layers`` layers the way PrusaSlicer 2.5 counts it.

    The first three layers get the initial exposure; the next ``faded`` step down evenly
    towards the normal exposure; the rest get the normal one.
    """
    if layers <= 0:
        return 0.0
    first = min(layers, 3)
    total = first * initial_s
    step = (initial_s - exposure_s) / (faded + 1)
    fade_time = initial_s
    for _ in range(layers - first):
        if fade_time > exposure_s and step > 0:
            fade_time -= step
            total += fade_time
        else:
            total += exposure_s
    return total


def estimate_sla(
    model: Mesh | PreparedModel,
    config: Mapping[str, str],
    c: Mapping[str, float] = SLA_COEFFICIENTS,
) -> Estimate:
    """Estimate time and resin of a mesh (as placed) with a flat PrusaSlicer SLA config."""
    prepared = prepare(model)
    layer = number(config, "layer_height", 0.05) or 0.05
    z_lo, z_hi = prepared.z_range
    height = z_hi - z_lo
    supports = flag(config, "supports_enable")
    pad = flag(config, "pad_enable")
    # The pad is laid with or without supports; only supports lift the part off it.
    around = flag(config, "pad_around_object")
    elevation = number(config, "support_object_elevation", 5.0) if supports and not around else 0.0
    pad_mm = number(config, "pad_wall_thickness", 1.0) if pad else 0.0
    # PrusaSlicer's SLA layers: the part's height rounded to whole layers, plus the pad and
    # the elevation under it.
    part_layers = max(math.floor(height / layer + 0.5), 1)
    layers = part_layers + math.floor((elevation + pad_mm) / layer + 0.5)

    volume = max(prepared.volume_mm3, 0.0)
    # Pad under the footprint's hull grown by the brim (as a disc of the same perimeter), and
    # with supports, support per area of downward faces flatter than the critical angle
    # (a fitted volume: tree pillars and heads; their height mattered little in the fit).
    hull = _footprint_hull(prepared.mesh, z_lo + layer, 0.0)
    radius = hull / (2 * math.pi) + number(config, "pad_brim_size", 1.6)
    pad_area = math.pi * radius * radius if pad else 0.0
    support_mm3 = c["pad"] * pad_area * pad_mm
    if supports:
        critical = number(config, "support_critical_angle", 45.0)
        needs = prepared.cos_down > math.cos(math.radians(90.0 - critical))
        support_mm3 += c["head"] * float(-prepared.faces.flat_area[needs].sum())

    # Fast or slow tilt by how much of the screen a layer covers.
    display = number(config, "display_width", 120) * number(config, "display_height", 68)
    fill = number(config, "area_fill", 50) / 100.0
    planes = z_lo + (np.arange(min(layers, AREA_PLANES)) + 0.5) * (
        height / min(layers, AREA_PLANES)
    )
    areas = np.maximum(prepared.sections(planes).area, 0.0) if height > 0 else np.zeros(1)
    slow_share = float(np.mean(areas > display * fill)) if len(areas) else 0.0
    slow = round(slow_share * part_layers)
    if pad_area > display * fill:
        slow += math.ceil(pad_mm / layer)
    fast = layers - slow
    exposure = exposure_schedule(
        layers,
        number(config, "exposure_time", 10),
        number(config, "initial_exposure_time", 35),
        int(number(config, "faded_layers", 10)),
    )
    tilt = fast * number(config, "fast_tilt_time", 5) + slow * number(config, "slow_tilt_time", 8)
    time_s = exposure + tilt + layers * c["layer_s"]
    resin_ml = (volume + support_mm3) / 1000.0
    density = number(config, "material_density", 1.0) or 1.0
    breakdown = {
        "exposure_s": exposure,
        "tilt_s": tilt,
        "layer_overhead_s": layers * c["layer_s"],
        "part_mm3": volume,
        "support_mm3": support_mm3,
        "fast_layers": float(fast),
        "slow_layers": float(slow),
    }
    return Estimate(
        technology="sla",
        print_time_s=time_s,
        layers=layers,
        material_g=resin_ml * density,
        resin_ml=resin_ml,
        breakdown=breakdown,
    )
