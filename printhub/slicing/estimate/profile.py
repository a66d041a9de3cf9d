"""The numbers an FDM estimate needs, read from one flat PrusaSlicer 2.5 config.

PrusaSlicer writes many options relative to others ("50%" of another speed, "200%" of the
layer height, 0 for "automatic"); this module resolves them the way PrusaSlicer 2.5 does, so
the estimate sees the same speeds, line widths and limits as the slicer would.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from printhub.slicing.conditions import split_values, unescape
from printhub.slicing.errors import InvalidSettings

# Flow::auto_extrusion_width: 1.125 x nozzle, except top infill and support (1 x nozzle).
AUTO_WIDTH_FACTOR = 1.125
# PrusaSlicer's "small perimeter": a loop at most this long (2 pi x 6.5 mm) prints at
# small_perimeter_speed.
SMALL_PERIMETER_LENGTH_MM = 2 * math.pi * 6.5


def _first(config: Mapping[str, str], key: str, default: str = "0") -> str:
    raw = config.get(key, default)
    values = split_values(raw) if ("," in raw or ";" in raw or '"' in raw) else [raw.strip()]
    return values[0] if values and values[0] != "" else default


def number(config: Mapping[str, str], key: str, default: float = 0.0) -> float:
    """A plain number option (the first element of a vector option)."""
    raw = _first(config, key, str(default)).rstrip("%")
    try:
        return float(raw)
    except ValueError:
        raise InvalidSettings(f"PrusaSlicer option {key} = {raw!r} is not a number") from None


def flag(config: Mapping[str, str], key: str) -> bool:
    """A boolean option ("1"/"0")."""
    return _first(config, key, "0") not in ("0", "", "false")


def relative(config: Mapping[str, str], key: str, base: float, default: float = 0.0) -> float:
    """An option that is absolute or a percentage of ``base`` ("50%")."""
    raw = _first(config, key, str(default))
    try:
        if raw.endswith("%"):
            return base * float(raw[:-1]) / 100.0
        return float(raw)
    except ValueError:
        raise InvalidSettings(f"PrusaSlicer option {key} = {raw!r} is not a number") from None


@dataclass(frozen=True)
class Flow:
    """One extrusion kind: line width, the spacing of neighbouring lines, cross-section.

    width_mm : extruded line width
    spacing_mm : distance between neighbouring lines (width minus the rounded edges' overlap)
    area_mm2 : cross-section of the line (PrusaSlicer's rounded rectangle)
    """

    width_mm: float
    spacing_mm: float
    area_mm2: float


def flow(width: float, height: float) -> Flow:
    """PrusaSlicer's Flow for a line of this width and layer height."""
    height = min(height, width)
    # A rectangle with semicircular ends: (w - h) h + pi (h / 2)^2.
    area = (width - height * (1.0 - math.pi / 4.0)) * height
    spacing = width - height * (1.0 - math.pi / 4.0)
    return Flow(width, spacing, area)


def bridge_flow(nozzle: float, ratio: float) -> Flow:
    """A bridge: a round thread of the nozzle's diameter times sqrt(bridge_flow_ratio)."""
    diameter = nozzle * math.sqrt(max(ratio, 1e-6))
    area = math.pi * diameter * diameter / 4.0
    # PrusaSlicer spaces bridge threads by their diameter plus a small gap (BRIDGE_EXTRA_SPACING).
    return Flow(diameter, diameter + 0.05, area)


@dataclass(frozen=True)
class Move:
    """How fast a kind of move goes and how hard it may accelerate."""

    speed_mm_s: float
    accel_mm_s2: float


@dataclass(frozen=True)
class FdmProfile:
    """Everything the FDM estimate reads from a flat PrusaSlicer config."""

    layer_height_mm: float
    first_layer_height_mm: float
    nozzle_mm: float
    filament_diameter_mm: float
    filament_density_g_cm3: float
    extrusion_multiplier: float
    perimeters: int
    top_layers: int
    bottom_layers: int
    infill_density: float  # 0..1
    infill_pattern: str
    solid_infill_below_area_mm2: float
    infill_overlap_mm: float  # how far infill reaches into the innermost perimeter
    external_perimeter: Flow
    perimeter: Flow
    infill: Flow
    solid_infill: Flow
    top_infill: Flow
    first_layer: Flow
    support: Flow
    bridge: Flow
    # Speeds (already capped by the volumetric limits) and accelerations.
    external_perimeter_move: Move
    perimeter_move: Move
    small_perimeter_move: Move
    infill_move: Move
    solid_infill_move: Move
    top_infill_move: Move
    bridge_move: Move
    support_move: Move
    support_interface_move: Move
    skirt_move: Move
    first_layer_speed_mm_s: float  # absolute (percent resolved against perimeter speed)
    first_layer_accel_mm_s2: float
    travel_move: Move
    travel_z_speed_mm_s: float
    # Machine limits (normal mode), as PrusaSlicer's time estimate applies them.
    max_feedrate_xy_mm_s: float
    max_accel_xy_mm_s2: float
    jerk_xy_mm_s: float
    accel_z_mm_s2: float
    jerk_z_mm_s: float
    accel_retract_mm_s2: float
    jerk_e_mm_s: float
    # Retraction on travel.
    retract_length_mm: float
    retract_speed_mm_s: float
    deretract_speed_mm_s: float
    retract_lift_mm: float
    retract_before_travel_mm: float
    # Cooling: stretch short layers to this time, no slower than min_print_speed.
    cooling: bool
    slowdown_below_layer_time_s: float
    min_print_speed_mm_s: float
    # Skirt and brim.
    skirts: int
    skirt_height_layers: int
    skirt_distance_mm: float
    min_skirt_length_mm: float  # of filament
    brim_width_mm: float
    # Support material.
    support_enabled: bool
    support_buildplate_only: bool
    support_threshold_deg: float  # 0: automatic
    support_spacing_mm: float
    support_interface_layers: int
    support_interface_spacing_mm: float
    support_contact_distance_mm: float
    support_layer_height_mm: float  # support layers are not synchronised with the part's
    support_first_density: float  # first support layer (raft_first_layer_density), 0..1
    support_first_expansion_mm: float  # and how far it spreads (raft_first_layer_expansion)
    # What the start and end G-code extrude (PrusaSlicer leaves it out of "filament used")
    # and how long their moves take.
    start_end_filament_mm: float
    start_end_time_s: float

    @property
    def filament_area_mm2(self) -> float:
        """Cross-section of the filament, mm²."""
        return math.pi * self.filament_diameter_mm**2 / 4.0


def _width(config: Mapping[str, str], key: str, height: float, nozzle: float, auto: float) -> float:
    """PrusaSlicer 2.5: 0 falls back to extrusion_width, then to automatic; % of layer height."""
    for option in (key, "extrusion_width"):
        if _first(config, option, "0") not in ("0", "0%"):
            value = relative(config, option, height)
            if value > 0:
                return value
    return auto * nozzle


def _volumetric_cap(config: Mapping[str, str]) -> float:
    caps = [
        number(config, "max_volumetric_speed"),
        number(config, "filament_max_volumetric_speed"),
    ]
    caps = [c for c in caps if c > 0]
    return min(caps) if caps else math.inf


_G1_RE = re.compile(r"^\s*G[01]\s+([^;]*)", re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def _custom_gcode_cost(text: str) -> tuple[float, float]:
    """(filament mm, seconds at the programmed feed rates) of a custom G-code block.

    Only literal G0/G1 moves count. Of an ``{if}...{else}...{endif}`` block only the last
    branch is read (the bundled profiles put the common case there); lines holding other
    placeholders are heating, checks and parking moves whose length depends on the print.
    Relative extrusion (M83) is assumed, as every bundled profile sets it.
    """
    x = y = z = 0.0
    feed = 0.0
    filament = 0.0
    seconds = 0.0
    depth = 0  # nesting of {if} blocks
    taking = [True]
    for line in unescape(text).splitlines():
        stripped = line.strip()
        if stripped.startswith("{if") and stripped.endswith("}") and "{endif}" not in stripped:
            depth += 1
            taking.append(False)
            continue
        if stripped.startswith("{elsif") or stripped.startswith("{else}"):
            taking[-1] = stripped.startswith("{else}")
            continue
        if stripped.startswith("{endif}") and depth > 0:
            depth -= 1
            taking.pop()
            continue
        match = _G1_RE.match(line)
        if not match or not all(taking) or "[" in line or "{" in line:
            continue
        values = {}
        for token in match.group(1).split():
            try:
                values[token[0].upper()] = float(token[1:])
            except (ValueError, IndexError):
                continue
        if "F" in values:
            feed = values["F"] / 60.0
        nx, ny, nz = values.get("X", x), values.get("Y", y), values.get("Z", z)
        distance = math.dist((x, y, z), (nx, ny, nz))
        extruded = values.get("E", 0.0)
        if extruded > 0:
            filament += extruded
        if feed > 0:
            seconds += max(distance, abs(extruded)) / feed
        x, y, z = nx, ny, nz
    return filament, seconds


def read_fdm_profile(config: Mapping[str, str]) -> FdmProfile:
    """Resolve the options of a flat PrusaSlicer FFF config into an FdmProfile (cached)."""
    return _read_cached(tuple(config.items()))


@functools.lru_cache(maxsize=64)
def _read_cached(items: tuple[tuple[str, str], ...]) -> FdmProfile:
    return _read(dict(items))


def _read(config: Mapping[str, str]) -> FdmProfile:
    layer = number(config, "layer_height", 0.2)
    if layer <= 0:
        raise InvalidSettings(f"layer_height must be positive, not {layer:g}")
    first_layer = relative(config, "first_layer_height", layer, layer) or layer
    nozzle = number(config, "nozzle_diameter", 0.4)
    cap = _volumetric_cap(config)

    def width(key: str, auto: float = AUTO_WIDTH_FACTOR, height: float = layer) -> float:
        return _width(config, key, height, nozzle, auto)

    ext = flow(width("external_perimeter_extrusion_width"), layer)
    per = flow(width("perimeter_extrusion_width"), layer)
    inf = flow(width("infill_extrusion_width"), layer)
    sol = flow(width("solid_infill_extrusion_width"), layer)
    top = flow(width("top_infill_extrusion_width", 1.0), layer)
    sup = flow(width("support_material_extrusion_width", 1.0), layer)
    first = flow(width("first_layer_extrusion_width", height=first_layer), first_layer)
    ratio = number(config, "bridge_flow_ratio", 1.0) or 1.0
    if flag(config, "thick_bridges"):
        bridge = bridge_flow(nozzle, ratio)
    else:
        # Thin bridges keep the solid infill's lines, with bridge_flow_ratio more plastic.
        bridge = Flow(sol.width_mm, sol.spacing_mm, sol.area_mm2 * ratio)

    default_acc = number(config, "default_acceleration")
    machine_extruding = number(config, "machine_max_acceleration_extruding", 1500) or 1500.0

    def accel(key: str) -> float:
        value = number(config, key) or default_acc
        return min(value, machine_extruding) if value > 0 else machine_extruding

    def move(speed: float, line: Flow, acc_key: str) -> Move:
        speed = speed if speed > 0 else number(config, "max_print_speed", 80)
        return Move(min(speed, cap / line.area_mm2), accel(acc_key))

    perimeter_speed = number(config, "perimeter_speed", 60)
    infill_speed = number(config, "infill_speed", 80)
    solid_speed = relative(config, "solid_infill_speed", infill_speed)
    support_speed = number(config, "support_material_speed", 60)
    travel_acc = number(config, "travel_acceleration") or default_acc
    machine_travel = number(config, "machine_max_acceleration_travel", 1500) or 1500.0

    start_mm, start_s = _custom_gcode_cost(config.get("start_gcode", ""))
    end_mm, end_s = _custom_gcode_cost(config.get("end_gcode", ""))
    threshold = number(config, "support_material_threshold")
    lift = number(config, "retract_lift")
    return FdmProfile(
        layer_height_mm=layer,
        first_layer_height_mm=first_layer,
        nozzle_mm=nozzle,
        filament_diameter_mm=number(config, "filament_diameter", 1.75),
        filament_density_g_cm3=number(config, "filament_density", 1.24) or 1.24,
        extrusion_multiplier=number(config, "extrusion_multiplier", 1.0) or 1.0,
        perimeters=int(number(config, "perimeters", 2)),
        top_layers=max(
            int(number(config, "top_solid_layers", 3)),
            math.ceil(number(config, "top_solid_min_thickness") / layer - 1e-9),
        )
        if number(config, "top_solid_layers", 3) > 0
        else 0,
        bottom_layers=max(
            int(number(config, "bottom_solid_layers", 3)),
            math.ceil(number(config, "bottom_solid_min_thickness") / layer - 1e-9),
        )
        if number(config, "bottom_solid_layers", 3) > 0
        else 0,
        infill_density=min(max(relative(config, "fill_density", 100.0) / 100.0, 0.0), 1.0),
        infill_pattern=_first(config, "fill_pattern", "gyroid"),
        solid_infill_below_area_mm2=number(config, "solid_infill_below_area"),
        infill_overlap_mm=relative(config, "infill_overlap", per.spacing_mm, 0.0),
        external_perimeter=ext,
        perimeter=per,
        infill=inf,
        solid_infill=sol,
        top_infill=top,
        first_layer=first,
        support=sup,
        bridge=bridge,
        external_perimeter_move=move(
            relative(config, "external_perimeter_speed", perimeter_speed),
            ext,
            "perimeter_acceleration",
        ),
        perimeter_move=move(perimeter_speed, per, "perimeter_acceleration"),
        small_perimeter_move=move(
            relative(config, "small_perimeter_speed", perimeter_speed),
            per,
            "perimeter_acceleration",
        ),
        infill_move=move(infill_speed, inf, "infill_acceleration"),
        solid_infill_move=move(solid_speed, sol, "infill_acceleration"),
        top_infill_move=move(
            relative(config, "top_solid_infill_speed", solid_speed), top, "infill_acceleration"
        ),
        bridge_move=move(number(config, "bridge_speed", 60), bridge, "bridge_acceleration"),
        support_move=move(support_speed, sup, "default_acceleration"),
        support_interface_move=move(
            relative(config, "support_material_interface_speed", support_speed),
            sup,
            "default_acceleration",
        ),
        # PrusaSlicer lays skirt and brim at the support material speed.
        skirt_move=move(support_speed, first, "default_acceleration"),
        first_layer_speed_mm_s=min(
            relative(config, "first_layer_speed", perimeter_speed, 30), cap / first.area_mm2
        ),
        first_layer_accel_mm_s2=accel("first_layer_acceleration"),
        travel_move=Move(
            number(config, "travel_speed", 130),
            min(travel_acc, machine_travel) if travel_acc > 0 else machine_travel,
        ),
        travel_z_speed_mm_s=min(
            number(config, "travel_speed_z") or number(config, "travel_speed", 130),
            number(config, "machine_max_feedrate_z", 12) or 12.0,
        ),
        max_feedrate_xy_mm_s=number(config, "machine_max_feedrate_x", 500) or 500.0,
        max_accel_xy_mm_s2=number(config, "machine_max_acceleration_x", 1500) or 1500.0,
        jerk_xy_mm_s=number(config, "machine_max_jerk_x", 10) or 10.0,
        accel_z_mm_s2=number(config, "machine_max_acceleration_z", 500) or 500.0,
        jerk_z_mm_s=number(config, "machine_max_jerk_z", 0.2) or 0.2,
        accel_retract_mm_s2=number(config, "machine_max_acceleration_retracting", 1500) or 1500.0,
        jerk_e_mm_s=number(config, "machine_max_jerk_e", 2.5) or 2.5,
        retract_length_mm=number(config, "retract_length"),
        retract_speed_mm_s=number(config, "retract_speed", 40) or 40.0,
        deretract_speed_mm_s=number(config, "deretract_speed")
        or number(config, "retract_speed", 40)
        or 40.0,
        retract_lift_mm=lift,
        retract_before_travel_mm=number(config, "retract_before_travel", 2),
        cooling=flag(config, "cooling"),
        slowdown_below_layer_time_s=number(config, "slowdown_below_layer_time"),
        min_print_speed_mm_s=number(config, "min_print_speed", 10) or 10.0,
        skirts=int(number(config, "skirts")),
        skirt_height_layers=max(int(number(config, "skirt_height", 1)), 1),
        skirt_distance_mm=number(config, "skirt_distance", 6),
        min_skirt_length_mm=number(config, "min_skirt_length"),
        brim_width_mm=number(config, "brim_width"),
        support_enabled=flag(config, "support_material"),
        support_buildplate_only=flag(config, "support_material_buildplate_only"),
        support_threshold_deg=threshold,
        support_spacing_mm=number(config, "support_material_spacing", 2.5),
        support_interface_layers=int(number(config, "support_material_interface_layers", 3)),
        support_interface_spacing_mm=number(config, "support_material_interface_spacing"),
        support_contact_distance_mm=number(config, "support_material_contact_distance", 0.2),
        # Without soluble interfaces PrusaSlicer prints support in its own, thicker layers
        # (up to the printer's max_layer_height), between the part's layers.
        support_layer_height_mm=max(layer, number(config, "max_layer_height", layer) or layer)
        if number(config, "support_material_contact_distance", 0.2) > 0
        and not flag(config, "support_material_synchronize_layers")
        else layer,
        support_first_density=relative(config, "raft_first_layer_density", 100.0, 90.0) / 100.0,
        support_first_expansion_mm=number(config, "raft_first_layer_expansion", 3.0),
        start_end_filament_mm=start_mm + end_mm,
        start_end_time_s=start_s + end_s,
    )
