"""What the estimates need from a mesh, layer by layer: section area and contour length,
the area that becomes a top or a bottom surface, and the overhang that needs support.

Tall parts are sampled: at most MAX_PLANES planes are cut, each standing for the layers
around it (``weight``); the top/bottom exposure between two sampled planes is then shared
evenly by the layers between them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from printhub.geometry.mesh import Mesh
from printhub.geometry.sections import cross_sections, section_loops, slice_planes

# Cutting every layer of a tall fine mesh costs more than the estimate may (100x faster than
# slicing); beyond this many layers, a uniform sample of them is cut instead.
MAX_PLANES = 400
# Loops (islands, holes, small perimeters) are traced at this many planes only; each layer
# takes them from the nearest one (topology changes far less often than layers do).
LOOP_PLANES = 8
# PrusaSlicer prints loops at most this long (2 pi x 6.5 mm) at small_perimeter_speed.
SMALL_LOOP_MM = 2 * math.pi * 6.5
# Directions used for the width of the first layer's footprint (Cauchy's formula gives the
# convex hull's perimeter as pi x the mean width).
_HULL_DIRECTIONS = np.stack(
    [np.cos(np.arange(8) * np.pi / 8), np.sin(np.arange(8) * np.pi / 8)], axis=1
)


@dataclass(frozen=True)
class SupportSpec:
    """How the slicer lays support: which faces need it and the grid it builds on.

    threshold_deg : faces flatter than this from the horizontal need support
    cell_mm : support grid pitch (line spacing plus line width)
    interface_mm : depth of the dense interface layers under an overhang
    gap_mm : contact distance left between support and part
    """

    threshold_deg: float
    cell_mm: float
    interface_mm: float
    gap_mm: float
    buildplate_only: bool = False


@dataclass(frozen=True)
class LayerGeometry:
    """Per sampled layer (k rows), mm and mm²; ``weight`` layers stand behind each row.

    thickness : (k,) layer thickness
    weight : (k,) number of printed layers the row stands for (sums to ``layer_count``)
    area, perimeter : (k,) section area and total contour length at the layer's middle
    up : (k,) upward-facing area that becomes a top surface on this row's layers
    down : (k,) downward-facing area that sits on this row's layers (the bed for row 0)
    overhang_flat : (k,) downward area of faces flatter than 10° on this row (bridges)
    islands, holes : (k,) outlines and holes of the section (from the nearest traced plane)
    small_loops : (k,) share of the contour length in loops shorter than SMALL_LOOP_MM
    support_area, support_interface : (k,) support grid area and its interface part
    """

    layer_count: int
    height_mm: float
    thickness: np.ndarray
    weight: np.ndarray
    area: np.ndarray
    perimeter: np.ndarray
    up: np.ndarray
    down: np.ndarray
    overhang_flat: np.ndarray
    footprint_hull_mm: float  # convex-hull perimeter of the first layer's footprint
    islands: np.ndarray
    holes: np.ndarray
    small_loops: np.ndarray
    support_area: np.ndarray
    support_interface: np.ndarray
    support_bed_area_mm2: float = 0.0
    support_bed_outline_mm: float = 0.0


def measure_layers(
    mesh: Mesh,
    layer_height: float,
    first_layer_height: float,
    support: SupportSpec | None = None,
    max_planes: int = MAX_PLANES,
) -> LayerGeometry:
    """Cut a mesh (placed as it will print: lowest point on the bed) into layers."""
    z_lo, z_hi = (float(v) for v in mesh.bounds[:, 2])
    print_z, slice_z = slice_planes(z_lo, z_hi, layer_height, first_layer_height)
    count = len(print_z)
    if count == 0:
        e = np.zeros(0)
        return LayerGeometry(0, 0.0, e, e, e, e, e, e, e, 0.0, e, e, e, e, e)
    thickness = np.diff(print_z, prepend=0.0)
    if count > max_planes:
        # Keep the first layer (printed differently) and an even spread of the others.
        rows = np.unique(np.linspace(1, count - 1, max_planes - 1).round().astype(np.int64))
        rows = np.concatenate([[0], rows])
    else:
        rows = np.arange(count)
    # Each sampled row stands for the layers from itself up to the next sampled one.
    weight = np.diff(rows, append=count).astype(np.float64)
    planes = slice_z[rows] + z_lo
    sections = cross_sections(mesh, planes)
    area = np.maximum(sections.area, 0.0)
    triangles = mesh.triangles
    flat, cos_down = _face_frame(triangles)
    centre_z = triangles[:, :, 2].mean(axis=1)
    if support is not None and support.threshold_deg > 0:
        columns = support_columns(triangles, planes, support, cos_down, centre_z)
    else:
        columns = SupportColumns(np.zeros(len(rows)), np.zeros(len(rows)), 0.0, 0.0)
    islands, holes, small = _loop_stats(mesh, planes, sections.perimeter)
    return LayerGeometry(
        layer_count=count,
        height_mm=z_hi - z_lo,
        thickness=thickness[rows],
        weight=weight,
        area=area,
        perimeter=sections.perimeter,
        up=sections.up_between(),
        down=sections.down_between(),
        overhang_flat=_overhang_flat(centre_z, flat, cos_down, planes),
        footprint_hull_mm=_footprint_hull(mesh, z_lo + first_layer_height, area[0]),
        islands=islands,
        holes=holes,
        small_loops=small,
        support_area=columns.area,
        support_interface=columns.interface,
        support_bed_area_mm2=columns.first_layer_area,
        support_bed_outline_mm=columns.outline,
    )


def _loop_stats(
    mesh: Mesh, planes: np.ndarray, perimeter: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Islands, holes and small-loop share per row, traced at a few planes."""
    k = len(planes)
    traced = np.unique(np.linspace(0, k - 1, min(k, LOOP_PLANES)).round().astype(np.int64))
    loops = section_loops(mesh, planes[traced])
    outer, holes = loops.count(len(traced))
    small = np.bincount(
        loops.plane[loops.length < SMALL_LOOP_MM],
        weights=loops.length[loops.length < SMALL_LOOP_MM],
        minlength=len(traced),
    )
    total = np.bincount(loops.plane, weights=loops.length, minlength=len(traced))
    share = np.divide(small, total, out=np.zeros(len(traced)), where=total > 0)
    # Every row takes the figures of the nearest traced plane.
    nearest = np.abs(np.arange(k)[:, None] - traced[None, :]).argmin(axis=1)
    present = perimeter > 0
    return (
        np.where(present, np.maximum(outer[nearest], 1), 0).astype(np.float64),
        np.where(present, holes[nearest], 0).astype(np.float64),
        np.where(present, share[nearest], 0.0),
    )


def _enclosed_volume(triangles: np.ndarray) -> float:
    t = triangles.astype(np.float64, copy=False)
    origin = t[:, 0].mean(axis=0) if len(t) else np.zeros(3)
    a, b, c = t[:, 0] - origin, t[:, 1] - origin, t[:, 2] - origin
    cross_x = b[:, 1] * c[:, 2] - b[:, 2] * c[:, 1]
    cross_y = b[:, 2] * c[:, 0] - b[:, 0] * c[:, 2]
    cross_z = b[:, 0] * c[:, 1] - b[:, 1] * c[:, 0]
    return float((a[:, 0] * cross_x + a[:, 1] * cross_y + a[:, 2] * cross_z).sum() / 6.0)


def _face_frame(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(projected signed area (m,), cosine of each face's angle to -z (m,))."""
    t = triangles.astype(np.float64, copy=False)
    e1 = t[:, 1] - t[:, 0]
    e2 = t[:, 2] - t[:, 0]
    flat = 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])  # > 0 faces up
    nx = e1[:, 1] * e2[:, 2] - e1[:, 2] * e2[:, 1]
    ny = e1[:, 2] * e2[:, 0] - e1[:, 0] * e2[:, 2]
    double = np.sqrt(nx * nx + ny * ny + (2 * flat) ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos_down = np.where(double > 0, -2 * flat / double, 0.0)
    return flat, cos_down


def _overhang_flat(centre_z, flat, cos_down, planes) -> np.ndarray:
    """Downward area of faces flatter than 10° filed by the first plane above them."""
    k = len(planes)
    row = np.searchsorted(planes, centre_z)
    chosen = (cos_down > math.cos(math.radians(10.0))) & (row > 0)
    return np.bincount(row[chosen], weights=-flat[chosen], minlength=k + 1)[:k]


# Barycentric sample points used to rasterise a face: a face gets about four points per grid
# cell, the first n of this low-discrepancy (R2) sequence, folded into the triangle; every
# prefix of it is spread evenly, and the results repeat from run to run.
_SAMPLES = 4096
_PLASTIC = 1.324717957244746
_U = (0.5 + np.arange(_SAMPLES) / _PLASTIC) % 1.0
_V = (0.5 + np.arange(_SAMPLES) / _PLASTIC**2) % 1.0
_FOLD = _U + _V > 1.0
_U = np.where(_FOLD, 1.0 - _U, _U)
_V = np.where(_FOLD, 1.0 - _V, _V)


def _rasterise(triangles: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points on each face, about four per grid cell of its xy footprint, at least one.

    Returns (face index, (n, 2) grid cell, z of the point) for every point.
    """
    t = triangles.astype(np.float64, copy=False)
    e1 = t[:, 1] - t[:, 0]
    e2 = t[:, 2] - t[:, 0]
    footprint = 0.5 * np.abs(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
    reach = np.maximum(np.abs(e1[:, :2]).max(axis=1), np.abs(e2[:, :2]).max(axis=1))
    count = np.clip(np.ceil(4 * footprint / cell**2 + 2 * reach / cell), 1, _SAMPLES)
    count = count.astype(np.int64)
    face = np.repeat(np.arange(len(t)), count)
    index = np.arange(len(face)) - np.repeat(np.cumsum(count) - count, count)
    # A lone point sits at the centroid; more points spread over the face.
    u = np.where(count[face] == 1, 1 / 3, _U[index])
    v = np.where(count[face] == 1, 1 / 3, _V[index])
    points = t[face, 0] + u[:, None] * e1[face] + v[:, None] * e2[face]
    cells = np.floor(points[:, :2] / cell).astype(np.int64)
    return face, cells, points[:, 2]


@dataclass(frozen=True)
class SupportColumns:
    """Support as columns on a grid: per row, the area of columns and of their top layers.

    area : (k,) mm² of support (grid cells) at each row's plane
    interface : (k,) mm² of that area within the interface layers under an overhang
    first_layer_area : mm² of support on the bed (before the first layer's expansion)
    outline : mm, length of the support footprint's outline on the bed
    """

    area: np.ndarray
    interface: np.ndarray
    first_layer_area: float
    outline: float


def support_columns(
    triangles: np.ndarray,
    planes: np.ndarray,
    spec: SupportSpec,
    cos_down: np.ndarray | None = None,
    centre_z: np.ndarray | None = None,
) -> SupportColumns:
    """Where a slicer puts support: under every overhang, down to the bed or the part.

    The xy plane is cut into cells of a support grid. Each overhanging face (flatter than
    threshold_deg from the horizontal) marks the cells under it; the column of a cell runs
    from the highest upward-facing surface below the overhang (or the bed) up to the
    overhang, less the contact gap. With ``buildplate_only``, columns that would stand on
    the part are dropped.
    """
    k = len(planes)
    none = SupportColumns(np.zeros(k), np.zeros(k), 0.0, 0.0)
    if spec.threshold_deg <= 0 or k == 0 or len(triangles) == 0:
        return none
    cell, gap = spec.cell_mm, spec.gap_mm
    if cos_down is None:
        cos_down = _face_frame(triangles)[1]
    z_bed = float(triangles[:, :, 2].min())
    if centre_z is None:
        centre_z = triangles[:, :, 2].mean(axis=1)
    needs = (cos_down > math.cos(math.radians(spec.threshold_deg))) & (centre_z > planes[0])
    if not needs.any():
        return none
    facing_up = np.flatnonzero(cos_down < -0.05)
    overhang = np.flatnonzero(needs)
    _, o_cell, o_z = _rasterise(triangles[overhang], cell)
    _, u_cell, u_z = _rasterise(triangles[facing_up], cell)
    # One key per cell; overhang points look up the highest upward point below them.
    lo = np.minimum(o_cell.min(axis=0), u_cell.min(axis=0) if len(u_cell) else o_cell.min(0))
    width = int(max(o_cell[:, 0].max(), u_cell[:, 0].max() if len(u_cell) else 0) - lo[0] + 1)
    o_key = (o_cell[:, 1] - lo[1]) * width + (o_cell[:, 0] - lo[0])
    u_key = (u_cell[:, 1] - lo[1]) * width + (u_cell[:, 0] - lo[0])
    # Keys order points by cell, then height: the height range must fit inside one key step.
    span = float(triangles[:, :, 2].max() - z_bed) + 1.0
    u_sorted = np.sort(u_key * span + (u_z - z_bed))
    # Upward points at least a gap below the overhang count as the column's base.
    query = o_key * span + (o_z - z_bed - gap)
    found = np.searchsorted(u_sorted, query, side="right") - 1
    valid = found >= 0
    found_key = np.floor(u_sorted[np.maximum(found, 0)] / span)
    on_part = valid & (found_key == o_key)
    base = np.where(on_part, u_sorted[np.maximum(found, 0)] - found_key * span + z_bed, z_bed)
    top = o_z - gap
    keep = top > base + 1e-9
    if spec.buildplate_only:
        keep &= ~on_part
    if not keep.any():
        return none
    # Columns of one cell resting on the same base merge into the tallest.
    cell_base = np.stack([o_key[keep], np.round(base[keep], 4)], axis=1)
    order = np.lexsort((-top[keep], cell_base[:, 1], cell_base[:, 0]))
    grouped = cell_base[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = np.any(grouped[1:] != grouped[:-1], axis=1)
    col_base = base[keep][order][first]
    col_top = top[keep][order][first]
    # Rows whose plane lies inside a column, by prefix sums over plane indices.
    start = np.searchsorted(planes, col_base, side="right")
    stop = np.searchsorted(planes, col_top, side="right")
    iface = np.searchsorted(planes, col_top - spec.interface_mm, side="right")
    cell_area = cell * cell

    def rows_covered(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        steps = np.bincount(a, minlength=k + 1) - np.bincount(np.maximum(a, b), minlength=k + 1)
        return np.cumsum(steps[:k]) * cell_area

    area = rows_covered(start, stop)
    interface = rows_covered(np.maximum(iface, start), stop)
    on_bed = np.flatnonzero(col_base <= z_bed + 1e-6)
    bed_cells = np.unique(o_key[keep][order][first][on_bed])
    first_area = len(bed_cells) * cell_area
    # Outline of the bed footprint: cell edges not shared with another footprint cell.
    occupied = set(bed_cells.tolist()) if len(bed_cells) < 20000 else None
    if occupied is not None:
        neighbours = sum(
            int(np.isin(bed_cells + step, bed_cells).sum()) for step in (1, -1, width, -width)
        )
        outline = (4 * len(bed_cells) - neighbours) * cell
    else:
        outline = 4 * math.sqrt(first_area)
    return SupportColumns(area, interface, first_area, outline)


def _footprint_hull(mesh: Mesh, first_top: float, first_area: float) -> float:
    """Convex-hull perimeter of what touches the first layer (Cauchy: pi x mean width)."""
    vertices = mesh.vertices
    near = vertices[vertices[:, 2] <= first_top]
    if len(near) >= 2:
        widths = np.ptp(near[:, :2].astype(np.float64) @ _HULL_DIRECTIONS.T, axis=0)
        hull = float(np.pi * widths.mean())
    else:
        hull = 0.0
    # A round bottom touches in few vertices: at least a circle of the first layer's area.
    return max(hull, 2.0 * math.sqrt(math.pi * max(first_area, 0.0)))
