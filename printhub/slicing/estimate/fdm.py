"""Instant FDM estimate: print time and filament, layer by layer, from a mesh and a config.

For every layer the cross-section (area, contour length) and the surfaces that become tops
and bottoms give the length of each kind of line PrusaSlicer would lay: external and inner
perimeters, sparse infill, solid infill, top surfaces, bridges, support, skirt. Each kind is
timed at its speed from the config (capped by the volumetric limit), as a run of segments
that accelerate and brake at their ends (a path of n segments costs about L/v + n·v/a).
Layers that would print faster than ``slowdown_below_layer_time`` are slowed down the way
PrusaSlicer's cooling does it (fastest moves first, never below ``min_print_speed``), and
travel, retraction and z-hops are added per layer.

A handful of coefficients (how much longer real paths are than the ideal ones, how many
travels a layer needs, ...) are fitted against PrusaSlicer's own G-code figures over the
benchmark corpus; see calibration.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from printhub.geometry.mesh import Mesh
from printhub.slicing.estimate.calibration import FDM_COEFFICIENTS
from printhub.slicing.estimate.layers import (
    LayerGeometry,
    PreparedModel,
    SupportSpec,
    measure_layers,
)
from printhub.slicing.estimate.profile import FdmProfile, Move, read_fdm_profile
from printhub.slicing.estimate.result import Estimate

# Kinds of extrusion, in the order of the arrays below.
KINDS = (
    "external_perimeter",
    "perimeter",
    "small_perimeter",
    "sparse_infill",
    "solid_infill",
    "top_infill",
    "bridge",
    "support",
    "support_interface",
    "skirt",
)
_EXT, _PER, _SMALL, _SPARSE, _SOLID, _TOP, _BRIDGE, _SUP, _IFACE, _SKIRT = range(len(KINDS))


@dataclass(frozen=True)
class LayerPaths:
    """Line lengths per layer and kind, and how they are printed.

    length : (k, n_kinds) mm of line per printed layer of each row
    turns : (k, n_kinds) number of segments the lines break into (ends, corners)
    volume : (k, n_kinds) mm³ of plastic per printed layer
    retracts : (k,) travels with retraction (and z-hop) per printed layer
    travel_mm : (k,) travel distance per printed layer
    weight : (k,) printed layers each row stands for
    """

    length: np.ndarray
    turns: np.ndarray
    volume: np.ndarray
    retracts: np.ndarray
    travel_mm: np.ndarray
    weight: np.ndarray


def _window(cumulative: np.ndarray, edges: np.ndarray, start: np.ndarray, stop: np.ndarray):
    """Sum of a per-layer quantity over layers [start, stop), from its cumulative sum."""
    return np.interp(stop, edges, cumulative) - np.interp(start, edges, cumulative)


def _skirt_length(g: LayerGeometry, p: FdmProfile) -> float:
    """Length of the skirt loops of one skirt layer (every skirt layer has all of them)."""
    if p.skirts <= 0:
        return 0.0
    spacing = p.first_layer.spacing_mm
    # The first loop runs skirt_distance away from the footprint's convex hull.
    first = g.footprint_hull_mm + 2 * math.pi * (p.skirt_distance_mm + spacing / 2)
    loops = p.skirts
    if p.min_skirt_length_mm > 0 and first > 0:
        # More loops until they hold min_skirt_length of filament (each one 2 pi s longer).
        need = p.min_skirt_length_mm * p.filament_area_mm2 / p.first_layer.area_mm2
        a, b = math.pi * spacing, first - math.pi * spacing  # sum of n loops = a n² + b n
        loops = max(loops, math.ceil((-b + math.sqrt(b * b + 4 * a * need)) / (2 * a)))
    return loops * first + math.pi * spacing * loops * (loops - 1)


def layer_paths(g: LayerGeometry, p: FdmProfile, c: Mapping[str, float]) -> LayerPaths:
    """The lines PrusaSlicer would lay on each layer, from the layer geometry."""
    k = len(g.area)
    area, perim, w = g.area, g.perimeter, g.weight
    first_layer = np.zeros(k, dtype=bool)
    first_layer[:1] = True
    # Per printed layer, exposures are shared by the layers a row stands for.
    start = np.cumsum(w) - w
    edges = np.append(start, start[-1] + w[-1]) if k else np.zeros(1)
    cum_up = np.concatenate([[0.0], np.cumsum(g.up)])
    cum_down = np.concatenate([[0.0], np.cumsum(g.down)])
    length = np.zeros((k, len(KINDS)))
    turns = np.zeros((k, len(KINDS)))

    # Perimeters: loops offset inwards from outlines (shorter) and outwards from holes.
    n = p.perimeters
    se = np.where(first_layer, p.first_layer.spacing_mm, p.external_perimeter.spacing_mm)
    sp = np.where(first_layer, p.first_layer.spacing_mm, p.perimeter.spacing_mm)
    net = g.islands - g.holes
    loops = g.islands + g.holes
    ext = inner = np.zeros(k)
    # A wall thinner than the perimeters (2 x area / contour) gets whole beads across it,
    # as Arachne lays them: one wider line in a wall 1.5 lines thick, not 1.5 lines.
    wall = 2 * area / np.maximum(perim, 1e-9)
    beads = np.maximum(np.floor(wall / se + 0.5), 1.0)
    fits = np.minimum(n, beads / 2)  # loops per side of the wall that fit
    if n >= 1:
        ext = np.maximum(perim * c["perimeter_length"] - math.pi * se * net, 0.0)
        ext = np.where(fits < 1, perim / 2, ext)
    if n >= 2:
        offsets = (n - 1) * se + sp * (n - 1) ** 2 / 2
        inner = np.maximum((n - 1) * perim * c["perimeter_length"] - 2 * math.pi * net * offsets, 0)
        inner = np.minimum(inner, np.maximum(fits - 1, 0.0) * perim * c["perimeter_length"])
    small = np.clip(g.small_loops, 0.0, 1.0)
    length[:, _EXT] = ext * (1 - small)
    length[:, _PER] = inner * (1 - small)
    length[:, _SMALL] = (ext + inner) * small
    corners = loops * c["corners_per_loop"]
    turns[:, _EXT] = corners * (1 - small) * (n >= 1)
    turns[:, _PER] = corners * (1 - small) * max(n - 1, 0)
    turns[:, _SMALL] = corners * small * n
    # The infill region: the section shrunk by the perimeters, less the infill_overlap the
    # infill reaches back into them. Shrinking a convex outline by d takes P d - pi d² of
    # its area (Steiner); a hole grows by P d + pi d².
    ring = np.maximum((se + (n - 1) * sp) - p.infill_overlap_mm, 0.0) if n >= 1 else np.zeros(k)
    inside = np.maximum(area - perim * ring + math.pi * ring * ring * net, 0.0)
    inside = np.where(fits < n, 0.0, inside)

    # Solid shells: areas that become tops within top_layers above or bottoms within
    # bottom_layers below (on slopes this is PrusaSlicer's "ensure vertical shell
    # thickness" band), at most the area inside the perimeters.
    top_window = _window(cum_up, edges, start, start + p.top_layers)
    bottom_window = _window(cum_down, edges, start + 1 - p.bottom_layers, start + 1)
    # Bands narrower than about a line next to the perimeters are not filled separately.
    shell_band = (top_window + bottom_window) * c["shell_window"]
    shell_band -= c["shell_ring"] * perim * p.solid_infill.spacing_mm
    solid = np.minimum(inside, np.maximum(shell_band, 0.0))
    shell = perim * ring
    # Only exposures wider than the perimeters get top infill of their own.
    top = np.minimum(solid, np.maximum(g.up / w - shell, 0.0))
    bridge = np.minimum(solid - top, np.where(first_layer, 0.0, g.overhang_flat / w))
    # The first solid layer under a top surface bridges the sparse infill below it.
    below_top = _window(cum_up, edges, start + p.top_layers - 1, start + p.top_layers)
    over_sparse = (start >= p.bottom_layers) & (p.infill_density < 0.999)
    inner_bridge = np.where(
        over_sparse, np.minimum(solid - top - bridge, np.maximum(below_top - shell, 0.0)), 0.0
    )
    sparse = inside - solid
    all_solid = (p.infill_density >= 0.999) | first_layer
    if p.solid_infill_below_area_mm2 > 0:
        all_solid |= inside < p.solid_infill_below_area_mm2 * np.maximum(g.islands, 1)
    solid_internal = np.maximum(solid - top - bridge - inner_bridge, 0.0)
    solid_internal = np.where(all_solid, solid_internal + sparse, solid_internal)
    sparse = np.where(all_solid, 0.0, sparse)

    solid_spacing = np.where(first_layer, p.first_layer.spacing_mm, p.solid_infill.spacing_mm)
    length[:, _SOLID] = solid_internal / solid_spacing
    length[:, _TOP] = top / p.top_infill.spacing_mm
    length[:, _BRIDGE] = (bridge + inner_bridge) / p.bridge.spacing_mm
    pattern = c.get(f"sparse_length_{p.infill_pattern}", c["sparse_length"])
    length[:, _SPARSE] = sparse * p.infill_density / p.infill.spacing_mm * pattern
    # Infill lines run from wall to wall: about pi x area / contour long (Cauchy).
    chord = np.maximum(math.pi * inside / np.maximum(perim, 1e-9), 1.0)
    for kind in (_SOLID, _TOP, _BRIDGE):
        turns[:, kind] = length[:, kind] / chord
    if p.infill_pattern == "gyroid":
        # Gyroid is a wavy polyline: its segments (and how sharply they turn) scale with
        # the wave, the line spacing over the density.
        wave = p.infill.spacing_mm / max(p.infill_density, 0.01)
        turns[:, _SPARSE] = length[:, _SPARSE] / (c["sparse_segment"] * math.sqrt(wave))
    else:
        # Straight lines from wall to wall (rectilinear, grid, ...): turns at their ends.
        turns[:, _SPARSE] = length[:, _SPARSE] / chord

    # Support: grid columns under overhangs, the top layers of each as dense interface,
    # printed in support layers of their own height (fewer, thicker lines).
    if p.support_enabled:
        thinner = p.layer_height_mm / p.support_layer_height_mm
        pitch = p.support_spacing_mm + p.support.width_mm
        support = g.support_area * c["support_area"]
        interface = np.minimum(g.support_interface * c["support_area"], support)
        length[:, _SUP] = (support - interface) / pitch * thinner
        length[:, _IFACE] = interface / (p.support_interface_spacing_mm + p.support.width_mm)
        if k and g.support_bed_area_mm2 > 0:
            # The first support layer is nearly solid and spreads out (raft_first_layer_*).
            spread = (
                g.support_bed_area_mm2 + g.support_bed_outline_mm * p.support_first_expansion_mm
            )
            length[0, _SUP] = spread * p.support_first_density / p.first_layer.spacing_mm
            length[0, _IFACE] = 0.0
        chord = np.sqrt(np.maximum(support, 1.0))
        turns[:, _SUP] = length[:, _SUP] / chord
        turns[:, _IFACE] = length[:, _IFACE] / chord
    # Skirt (all loops on each skirt layer) and brim (first layer).
    skirt_layers = start < p.skirt_height_layers
    length[:, _SKIRT] = np.where(skirt_layers, _skirt_length(g, p), 0.0)
    if p.brim_width_mm > 0 and k:
        brim_loops = math.floor(p.brim_width_mm / p.first_layer.spacing_mm)
        s1 = p.first_layer.spacing_mm
        length[0, _SKIRT] += brim_loops * g.footprint_hull_mm + math.pi * s1 * brim_loops**2
    turns[:, _SKIRT] = np.where(length[:, _SKIRT] > 0, 4.0, 0.0)

    areas = np.array(
        [
            p.external_perimeter.area_mm2,
            p.perimeter.area_mm2,
            p.perimeter.area_mm2,
            p.infill.area_mm2,
            p.solid_infill.area_mm2,
            p.top_infill.area_mm2,
            p.bridge.area_mm2,
            p.support.area_mm2 * p.support_layer_height_mm / p.layer_height_mm,
            p.support.area_mm2,
            p.first_layer.area_mm2,
        ]
    )
    volume = length * areas
    if k:
        volume[0] = length[0] * p.first_layer.area_mm2
    # Where the perimeters fill the whole wall (thin walls), their beads are as wide as the
    # wall: the plastic is the wall's area, whatever the line count.
    full = (fits < n) & (area > 0)
    if full.any():
        walls = length[full][:, [_EXT, _PER, _SMALL]]
        share = walls / np.maximum(walls.sum(axis=1, keepdims=True), 1e-12)
        volume[np.ix_(full, [_EXT, _PER, _SMALL])] = (
            share * (area[full] * g.thickness[full])[:, None]
        )

    # Travels that retract (and hop): between islands and around holes, and where infill
    # lines break up along the walls (often on long contours, per wave of the pattern).
    has_sparse = (sparse > 0) & (length[:, _SPARSE] > 0)
    has_solid = length[:, _SOLID] + length[:, _TOP] + length[:, _BRIDGE] > 0
    has_support = length[:, _SUP] + length[:, _IFACE] > 0
    wave = p.infill.spacing_mm / max(p.infill_density, 0.01)
    retracts = np.where(
        area > 0,
        c["retracts_per_layer"]
        + c["retracts_per_island"] * g.islands
        + c["retracts_per_hole"] * g.holes
        + has_sparse * (c["retracts_sparse"] + c["retracts_per_wave"] * perim / wave / 10)
        + c["retracts_solid"] * has_solid
        + c["retracts_support"] * has_support,
        0.0,
    )
    travel_mm = retracts * c["travel_per_retract"] * np.sqrt(np.maximum(area, 0.0) + 1.0)
    return LayerPaths(length, turns, volume, retracts, travel_mm, w)


def _segment_time(length: np.ndarray, count: np.ndarray, move_speed, accel, junction):
    """Time to run ``length`` mm in ``count`` equal segments that start and end at ``junction``.

    Trapezoidal speed profile: a segment long enough to reach ``move_speed`` costs
    l/v + (v - vj)²/(a v); a shorter one accelerates to its middle and brakes (triangle).
    """
    count = np.maximum(count, 1e-9)
    seg = length / count
    v = np.maximum(move_speed, 1e-6)
    vj = np.minimum(junction, v)
    reach = (v * v - vj * vj) / accel
    full = seg / v + (v - vj) ** 2 / (accel * v)
    peak = np.sqrt(vj * vj + accel * seg)
    short = 2 * (peak - vj) / accel
    return np.where(length > 0, count * np.where(seg >= reach, full, short), 0.0)


def _speeds(p: FdmProfile) -> tuple[np.ndarray, np.ndarray]:
    moves: list[Move] = [
        p.external_perimeter_move,
        p.perimeter_move,
        p.small_perimeter_move,
        p.infill_move,
        p.solid_infill_move,
        p.top_infill_move,
        p.bridge_move,
        p.support_move,
        p.support_interface_move,
        p.skirt_move,
    ]
    speed = np.array([min(m.speed_mm_s, p.max_feedrate_xy_mm_s) for m in moves])
    accel = np.array([min(m.accel_mm_s2, p.max_accel_xy_mm_s2 * math.sqrt(2)) for m in moves])
    return speed, accel


def _cooling_cap(nominal: np.ndarray, speed: np.ndarray, fixed: np.ndarray, p: FdmProfile):
    """Per layer, the speed cap PrusaSlicer's cooling applies (inf where none).

    nominal : (k, n_kinds) seconds at full speed; speed : (k, n_kinds) mm/s; fixed : (k,)
    seconds that are not slowed (travel). The cap c solves sum(L / min(v, c)) = target:
    moves faster than c are slowed to it and the others keep their speed, as PrusaSlicer
    does (it slows the fastest moves first); c never goes below min_print_speed.
    """
    k = len(fixed)
    cap = np.full(k, np.inf)
    if not p.cooling or p.slowdown_below_layer_time_s <= 0 or k == 0:
        return cap
    target = p.slowdown_below_layer_time_s
    slow = nominal.sum(axis=1) + fixed < target
    if not slow.any():
        return cap
    rows = np.flatnonzero(slow)
    t, v = nominal[rows], speed[rows]
    length = t * v
    floor = p.min_print_speed_mm_s
    # Layer time at each candidate cap (the move speeds, and the floor): T falls as c rises.
    caps = np.array(sorted({floor, *v[v > floor].tolist()}))
    limited = np.minimum(v[:, :, None], caps[None, None, :])  # (r, kinds, caps)
    times = fixed[rows, None] + (length[:, :, None] / limited).sum(axis=1)
    reached = times <= target
    # First cap at which the layer is already long enough; the answer lies just below it.
    first = np.argmax(reached, axis=1)
    never = ~reached.any(axis=1)  # slow even at full speed: should not happen (slow rows)
    at_floor = reached[:, 0]  # even the floor is too fast: print everything at the floor
    upper = caps[first]
    lower = caps[np.maximum(first - 1, 0)]
    keep = v <= lower[:, None] + 1e-9
    a = fixed[rows] + np.where(keep, t, 0.0).sum(axis=1)
    b = np.where(keep, 0.0, length).sum(axis=1)
    room = target - a
    solved = np.where(room > 0, b / np.where(room > 0, room, 1.0), upper)
    solved = np.clip(solved, lower, upper)
    result = np.where(at_floor, floor, solved)
    cap[rows] = np.where(never, np.inf, np.maximum(result, floor))
    return cap


def _move_time(distance: float, speed: float, accel: float, junction: float) -> float:
    """One move that starts and ends at ``junction`` speed (a retract, a z-hop)."""
    if distance <= 0 or speed <= 0 or accel <= 0:
        return 0.0
    vj = min(junction, speed)
    if distance >= (speed * speed - vj * vj) / accel:
        return distance / speed + (speed - vj) ** 2 / (accel * speed)
    return 2 * (math.sqrt(vj * vj + accel * distance) - vj) / accel


def fdm_time(
    g: LayerGeometry, p: FdmProfile, c: Mapping[str, float] = FDM_COEFFICIENTS
) -> Estimate:
    """Time and filament for a measured part under a resolved profile."""
    paths = layer_paths(g, p, c)
    k = len(g.area)
    speed, accel = _speeds(p)
    speed = np.repeat(speed[None, :], k, axis=0)
    accel = np.repeat(accel[None, :], k, axis=0)
    if k:
        speed[0] = np.minimum(speed[0], p.first_layer_speed_mm_s)
        accel[0] = p.first_layer_accel_mm_s2
    # Travel: retract and deretract, z-hop up and down, and the move itself, each with the
    # machine's acceleration and jerk (a 0.4 mm hop at 200 mm/s² takes ~0.09 s, not 0.03).
    retract_s = _move_time(
        p.retract_length_mm, p.retract_speed_mm_s, p.accel_retract_mm_s2, p.jerk_e_mm_s
    ) + _move_time(
        p.retract_length_mm, p.deretract_speed_mm_s, p.accel_retract_mm_s2, p.jerk_e_mm_s
    )
    hop_s = 2 * _move_time(p.retract_lift_mm, p.travel_z_speed_mm_s, p.accel_z_mm_s2, p.jerk_z_mm_s)
    travel_speed = min(p.travel_move.speed_mm_s, p.max_feedrate_xy_mm_s)
    hops = np.maximum(paths.retracts, 0.0)
    travel_s = _segment_time(
        paths.travel_mm, hops, travel_speed, p.travel_move.accel_mm_s2, p.jerk_xy_mm_s
    ) + hops * (retract_s + hop_s + c["travel_overhead_s"])
    layer_change_s = c["layer_change_s"]

    jerk = p.jerk_xy_mm_s * c["junction_jerk"]
    junction = np.full(len(KINDS), jerk)
    if p.infill_pattern == "gyroid":
        # Longer waves bend less per segment: faster through the joints.
        wave = p.infill.spacing_mm / max(p.infill_density, 0.01)
        junction[_SPARSE] = p.jerk_xy_mm_s * c["sparse_junction"] * math.sqrt(wave)
    moving = _segment_time(paths.length, paths.turns, speed, accel, junction)
    full_speed_s = moving.sum(axis=1) + travel_s + layer_change_s
    # Cooling: short layers are slowed down to slowdown_below_layer_time.
    cap = _cooling_cap(paths.length / speed, speed, travel_s + layer_change_s, p)
    slow = np.flatnonzero(np.isfinite(cap))
    if len(slow):
        capped = np.minimum(speed[slow], cap[slow, None])
        moving[slow] = _segment_time(
            paths.length[slow], paths.turns[slow], capped, accel[slow], junction
        )
    layer_s = moving.sum(axis=1) + travel_s + layer_change_s
    w = paths.weight
    per_kind = (moving * w[:, None]).sum(axis=0)
    volumes = (paths.volume * w[:, None]).sum(axis=0)

    extruded_mm3 = float(volumes.sum()) * p.extrusion_multiplier
    filament_mm = extruded_mm3 / p.filament_area_mm2
    filament_cm3 = filament_mm * p.filament_area_mm2 / 1000.0
    filament_g = filament_cm3 * p.filament_density_g_cm3
    total_s = float(layer_s @ w) + p.start_end_time_s + c["print_start_s"]
    breakdown = {f"{kind}_s": float(t) for kind, t in zip(KINDS, per_kind, strict=True)}
    breakdown["travel_s"] = float(travel_s @ w)
    breakdown["layer_change_s"] = layer_change_s * g.layer_count
    breakdown["cooling_slowdown_s"] = float((layer_s - full_speed_s) @ w)
    breakdown["start_end_s"] = p.start_end_time_s + c["print_start_s"]
    breakdown.update({f"{kind}_mm3": float(v) for kind, v in zip(KINDS, volumes, strict=True)})
    return Estimate(
        technology="fdm",
        print_time_s=total_s,
        layers=g.layer_count,
        material_g=filament_g,
        filament_mm=filament_mm,
        filament_g=filament_g,
        filament_cm3=filament_cm3,
        breakdown=breakdown,
    )


def support_spec(p: FdmProfile) -> SupportSpec | None:
    """Where PrusaSlicer would put support under this profile (None: support is off)."""
    if not p.support_enabled:
        return None
    if p.support_threshold_deg > 0:
        # PrusaSlicer adds one degree to the configured threshold.
        threshold = p.support_threshold_deg + 1.0
    else:
        # Automatic: where a layer overhangs the one below by more than half a line width.
        threshold = math.degrees(math.atan2(p.layer_height_mm, 0.5 * p.external_perimeter.width_mm))
    return SupportSpec(
        threshold_deg=threshold,
        cell_mm=p.support_spacing_mm + p.support.width_mm,
        interface_mm=p.support_interface_layers * p.layer_height_mm,
        gap_mm=p.support_contact_distance_mm + p.layer_height_mm,
        buildplate_only=p.support_buildplate_only,
    )


def measure_for(model: Mesh | PreparedModel, p: FdmProfile) -> LayerGeometry:
    """The layer geometry an FDM estimate of this mesh under this profile needs."""
    return measure_layers(model, p.layer_height_mm, p.first_layer_height_mm, support_spec(p))


def estimate_fdm(model: Mesh | PreparedModel, config: Mapping[str, str]) -> Estimate:
    """Estimate print time and filament of a mesh (as placed) with a flat PrusaSlicer config."""
    profile = read_fdm_profile(config)
    return fdm_time(measure_for(model, profile), profile)
