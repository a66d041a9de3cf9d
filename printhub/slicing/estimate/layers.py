"""What the estimates need from a mesh, layer by layer: section area and contour length,
the area that becomes a top or a bottom surface, and the overhang that needs support.

Tall parts are sampled: at most MAX_PLANES planes are cut, each standing for the layers
around it (``weight``); the top/bottom exposure between two sampled planes is then shared
evenly by the layers between them.

Everything here depends on the mesh and a few numbers of the job (layer heights, support
rule), never on the material. A PreparedModel (``prepare(mesh)``) keeps what was measured,
so that the many estimates of one model (every printer and material of a network) measure
each layer setting and support rule once.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from printhub.geometry.mesh import Mesh
from printhub.geometry.sections import (
    CHUNK,
    FaceTable,
    LayerSections,
    cross_sections,
    face_table,
    section_loops,
    slice_planes,
)

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
# Support grids with more cells than this skip the dense cell mask (a plain speed-up).
MAX_MASK_CELLS = 50_000_000

_T = TypeVar("_T")


class PreparedModel:
    """A mesh and what its estimates measure, kept for the next estimate of the same mesh.

    Per-face quantities (heights, areas, slopes; about 100 bytes a face, 24 a vertex: some
    100 MB for a million triangles) are computed on first use; layer sections, loops and
    support columns are kept per layer setting and support rule. An estimate from a
    PreparedModel is the same computation as from the mesh alone, so its figures are
    identical; only work already done is skipped.

    Safe to share between threads (a figure two threads need at once is computed once). The
    mesh must not be changed in place afterwards (nothing in printhub does).
    """

    def __init__(self, mesh: Mesh):
        self.mesh = mesh
        self._memo: dict[Hashable, object] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"PreparedModel({self.mesh.triangle_count} triangles, {len(self._memo)} kept)"

    def memo(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """The value kept under key, computing and keeping it the first time."""
        with self._lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]  # type: ignore[return-value]

    @property
    def faces(self) -> FaceTable:
        """Per-face table of the mesh (printhub.geometry.sections.FaceTable)."""
        return self.memo("faces", lambda: face_table(self.mesh))

    @property
    def cos_down(self) -> np.ndarray:
        """(m,) float: cosine of each face's normal to -z (1 faces straight down)."""

        def compute() -> np.ndarray:
            t = self.faces
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(t.area > 0, -t.flat_area / t.area, 0.0)

        return self.memo("cos_down", compute)

    @property
    def centre_z(self) -> np.ndarray:
        """(m,) float, mm: height of each face's centroid (in the vertices' precision)."""

        def compute() -> np.ndarray:
            h = self.mesh.vertices[:, 2]
            a, b, c = self.faces.corners
            return (h[a] + h[b] + h[c]) / 3

        return self.memo("centre_z", compute)

    @property
    def z_range(self) -> tuple[float, float]:
        """(lowest, highest) z of the mesh, mm."""
        lo, hi = self.mesh.bounds[:, 2]
        return float(lo), float(hi)

    @property
    def volume_mm3(self) -> float:
        """Enclosed volume, mm³ (signed: negative for an inside-out mesh)."""
        return self.memo("volume", lambda: _enclosed_volume(self.faces))

    def sections(self, planes: np.ndarray) -> LayerSections:
        """Cross-sections at the plane heights (mm, ascending), kept per set of planes."""
        planes = np.ascontiguousarray(planes, dtype=np.float64)
        return self.memo(("sections", planes.tobytes()), lambda: cross_sections(self.faces, planes))


def _blocks(n: int) -> list[slice]:
    """Slices of range(n), CHUNK long: long chains of array arithmetic run block by block."""
    return [slice(start, start + CHUNK) for start in range(0, n, CHUNK)]


def prepare(mesh: Mesh | PreparedModel) -> PreparedModel:
    """A PreparedModel of the mesh, to pass to every estimate of it (the same one if given)."""
    return mesh if isinstance(mesh, PreparedModel) else PreparedModel(mesh)


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
    model: Mesh | PreparedModel,
    layer_height: float,
    first_layer_height: float,
    support: SupportSpec | None = None,
    max_planes: int = MAX_PLANES,
) -> LayerGeometry:
    """Cut a mesh (placed as it will print: lowest point on the bed) into layers."""
    prepared = prepare(model)
    rows = prepared.memo(
        ("rows", layer_height, first_layer_height, max_planes),
        lambda: _layer_rows(prepared, layer_height, first_layer_height, max_planes),
    )
    if rows.count == 0:
        e = np.zeros(0)
        return LayerGeometry(0, 0.0, e, e, e, e, e, e, e, 0.0, e, e, e, e, e)
    if support is not None and support.threshold_deg > 0:
        columns = prepared.memo(
            ("support", rows.planes.tobytes(), support),
            lambda: support_columns(prepared, rows.planes, support),
        )
    else:
        k = len(rows.planes)
        columns = SupportColumns(np.zeros(k), np.zeros(k), 0.0, 0.0)
    return LayerGeometry(
        layer_count=rows.count,
        height_mm=rows.height_mm,
        thickness=rows.thickness,
        weight=rows.weight,
        area=rows.area,
        perimeter=rows.perimeter,
        up=rows.up,
        down=rows.down,
        overhang_flat=rows.overhang_flat,
        footprint_hull_mm=rows.footprint_hull_mm,
        islands=rows.islands,
        holes=rows.holes,
        small_loops=rows.small_loops,
        support_area=columns.area,
        support_interface=columns.interface,
        support_bed_area_mm2=columns.first_layer_area,
        support_bed_outline_mm=columns.outline,
    )


@dataclass(frozen=True)
class _LayerRows:
    """What a layer setting measures on a mesh, support aside (see LayerGeometry)."""

    count: int
    height_mm: float
    planes: np.ndarray  # (k,) mm, the sampled rows' cutting heights
    thickness: np.ndarray
    weight: np.ndarray
    area: np.ndarray
    perimeter: np.ndarray
    up: np.ndarray
    down: np.ndarray
    overhang_flat: np.ndarray
    footprint_hull_mm: float
    islands: np.ndarray
    holes: np.ndarray
    small_loops: np.ndarray


def _layer_rows(
    prepared: PreparedModel, layer_height: float, first_layer_height: float, max_planes: int
) -> _LayerRows:
    z_lo, z_hi = prepared.z_range
    print_z, slice_z = slice_planes(z_lo, z_hi, layer_height, first_layer_height)
    count = len(print_z)
    if count == 0:
        e = np.zeros(0)
        return _LayerRows(0, 0.0, e, e, e, e, e, e, e, e, 0.0, e, e, e)
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
    sections = prepared.sections(planes)
    area = np.maximum(sections.area, 0.0)
    islands, holes, small = _loop_stats(prepared, planes, sections.perimeter)
    return _LayerRows(
        count=count,
        height_mm=z_hi - z_lo,
        planes=planes,
        thickness=thickness[rows],
        weight=weight,
        area=area,
        perimeter=sections.perimeter,
        up=sections.up_between(),
        down=sections.down_between(),
        overhang_flat=_overhang_flat(prepared, planes),
        footprint_hull_mm=_footprint_hull(prepared.mesh, z_lo + first_layer_height, area[0]),
        islands=islands,
        holes=holes,
        small_loops=small,
    )


def _loop_stats(
    prepared: PreparedModel, planes: np.ndarray, perimeter: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Islands, holes and small-loop share per row, traced at a few planes."""
    k = len(planes)
    traced = np.unique(np.linspace(0, k - 1, min(k, LOOP_PLANES)).round().astype(np.int64))
    loops = section_loops(prepared.faces, planes[traced])
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


def _enclosed_volume(table: FaceTable) -> float:
    """Signed volume enclosed by the faces (divergence theorem), mm³."""
    if table.face_count == 0:
        return 0.0
    x, y, z = table.x, table.y, table.z
    a, b, c = table.corners
    origin = [x[a].mean(), y[a].mean(), z[a].mean()]
    total = 0.0
    for block in _blocks(len(a)):
        ia, ib, ic = a[block], b[block], c[block]
        ax, ay, az = x[ia] - origin[0], y[ia] - origin[1], z[ia] - origin[2]
        bx, by, bz = x[ib] - origin[0], y[ib] - origin[1], z[ib] - origin[2]
        cx, cy, cz = x[ic] - origin[0], y[ic] - origin[1], z[ic] - origin[2]
        total += float(
            (ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx)).sum()
        )
    return total / 6.0


def _overhang_flat(prepared: PreparedModel, planes: np.ndarray) -> np.ndarray:
    """Downward area of faces flatter than 10° filed by the first plane above them."""
    k = len(planes)
    flatter = np.flatnonzero(prepared.cos_down > math.cos(math.radians(10.0)))
    row = np.searchsorted(planes, prepared.centre_z[flatter])
    chosen = row > 0
    weights = -prepared.faces.flat_area[flatter[chosen]]
    return np.bincount(row[chosen], weights=weights, minlength=k + 1)[:k]


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


def _rasterise(
    table: FaceTable, faces: np.ndarray, cell: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points on the faces, about four per grid cell of their xy footprint, at least one.

    faces : (f,) int indices into the table. Returns (cell x, cell y, z) for every point:
    (p,) int64, int64 and float, mm.
    """
    x, y, h = table.x, table.y, table.z
    out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for block in _blocks(len(faces)):
        face = faces[block]
        a, b, c = table.corners[:, face]
        x0, y0, z0 = x[a], y[a], h[a]
        e1x, e1y, e1z = x[b] - x0, y[b] - y0, h[b] - z0
        e2x, e2y, e2z = x[c] - x0, y[c] - y0, h[c] - z0
        footprint = np.abs(table.flat_area[face])
        reach = np.maximum(
            np.maximum(np.abs(e1x), np.abs(e1y)), np.maximum(np.abs(e2x), np.abs(e2y))
        )
        count = np.clip(np.ceil(4 * footprint / cell**2 + 2 * reach / cell), 1, _SAMPLES)
        count = count.astype(np.int64)
        # A lone point sits at the centroid; more points spread over the face.
        lone = count == 1
        px = [x0[lone] + (1 / 3) * e1x[lone] + (1 / 3) * e2x[lone]]
        py = [y0[lone] + (1 / 3) * e1y[lone] + (1 / 3) * e2y[lone]]
        pz = [z0[lone] + (1 / 3) * e1z[lone] + (1 / 3) * e2z[lone]]
        many = np.flatnonzero(~lone)
        if len(many):
            n = count[many]
            row = np.repeat(many, n)
            index = np.arange(len(row)) - np.repeat(np.cumsum(n) - n, n)
            u, v = _U[index], _V[index]
            px.append(x0[row] + u * e1x[row] + v * e2x[row])
            py.append(y0[row] + u * e1y[row] + v * e2y[row])
            pz.append(z0[row] + u * e1z[row] + v * e2z[row])
        px_, py_ = np.concatenate(px), np.concatenate(py)
        out.append(
            (
                np.floor(px_ / cell).astype(np.int64),
                np.floor(py_ / cell).astype(np.int64),
                np.concatenate(pz),
            )
        )
    if not out:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return tuple(np.concatenate(part) for part in zip(*out, strict=True))  # type: ignore[return-value]


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
    model: Mesh | PreparedModel, planes: np.ndarray, spec: SupportSpec
) -> SupportColumns:
    """Where a slicer puts support: under every overhang, down to the bed or the part.

    The xy plane is cut into cells of a support grid. Each overhanging face (flatter than
    threshold_deg from the horizontal) marks the cells under it; the column of a cell runs
    from the highest upward-facing surface below the overhang (or the bed) up to the
    overhang, less the contact gap. With ``buildplate_only``, columns that would stand on
    the part are dropped.
    """
    prepared = prepare(model)
    k = len(planes)
    none = SupportColumns(np.zeros(k), np.zeros(k), 0.0, 0.0)
    table = prepared.faces
    if spec.threshold_deg <= 0 or k == 0 or table.face_count == 0:
        return none
    cell, gap = spec.cell_mm, spec.gap_mm
    cos_down = prepared.cos_down
    needs = (cos_down > math.cos(math.radians(spec.threshold_deg))) & (
        prepared.centre_z > planes[0]
    )
    if not needs.any():
        return none
    # Heights in the vertices' own precision, as the keys below were calibrated with.
    native = prepared.mesh.vertices.dtype.type
    z_bed = float(native(prepared.z_range[0]))
    span = float(native(prepared.z_range[1]) - z_bed) + 1.0
    o_x, o_y, o_z = _rasterise(table, np.flatnonzero(needs), cell)
    facing_up = np.flatnonzero(cos_down < -0.05)
    # Upward faces wholly above the highest overhang point (less the gap) hold no column
    # (the margin covers rounding in the points' heights; more faces never change the result).
    low_enough = table.z_low[facing_up] <= float(o_z.max()) - gap + 1e-6
    u_x, u_y, u_z = _rasterise(table, facing_up[low_enough], cell)
    # One key per cell; overhang points look up the highest upward point below them.
    lo_x, hi_x, lo_y = _grid_extent(table, facing_up[~low_enough], cell, o_x, o_y, u_x, u_y)
    width = int((hi_x if len(facing_up) else max(hi_x, 0)) - lo_x + 1)
    o_key = (o_y - lo_y) * width + (o_x - lo_x)
    u_key = (u_y - lo_y) * width + (u_x - lo_x)
    if len(u_key):
        # Upward points in cells without overhang can never be a column's base.
        cells = int(max(o_key.max(), u_key.max())) + 1
        if cells <= MAX_MASK_CELLS:
            wanted = np.zeros(cells, dtype=bool)
            wanted[o_key] = True
            kept = wanted[u_key]
            u_key, u_z = u_key[kept], u_z[kept]
    on_part, base = _column_bases(o_key, o_z, u_key, u_z, z_bed, span, gap)
    top = o_z - gap
    keep = top > base + 1e-9
    if spec.buildplate_only:
        keep &= ~on_part
    if not keep.any():
        return none
    # Columns of one cell resting on the same base (to 0.1 µm) merge into the tallest.
    key, base, top = o_key[keep], base[keep], top[keep]
    chosen = _tallest_per_group(key, np.rint(base * 1e4).astype(np.int64), top)
    col_base, col_top = base[chosen], top[chosen]
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
    bed_cells = np.unique(key[chosen][on_bed])
    first_area = len(bed_cells) * cell_area
    # Outline of the bed footprint: cell edges not shared with another footprint cell.
    if len(bed_cells) < 20000:
        neighbours = sum(
            int(np.isin(bed_cells + step, bed_cells).sum()) for step in (1, -1, width, -width)
        )
        outline = (4 * len(bed_cells) - neighbours) * cell
    else:
        outline = 4 * math.sqrt(first_area)
    return SupportColumns(area, interface, first_area, outline)


def _grid_extent(
    table: FaceTable,
    left_out: np.ndarray,
    cell: float,
    o_x: np.ndarray,
    o_y: np.ndarray,
    u_x: np.ndarray,
    u_y: np.ndarray,
) -> tuple[int, int, int]:
    """(lowest x, highest x, lowest y) grid cell of the overhang and all upward points.

    The grid's extent lays out the cell keys (and so the bed outline, whose neighbour test
    runs on keys), and it has always counted every upward face. Of the upward faces left out
    of the column search (``left_out``, face indices), only those with a corner beyond the
    extent found so far are rasterised to see whether they widen it (their sample points lie
    between their corners).
    """
    xs = np.concatenate([o_x, u_x])
    ys = np.concatenate([o_y, u_y])
    lo_x, hi_x, lo_y = int(xs.min()), int(xs.max()), int(ys.min())
    if len(left_out):
        # Vertices beyond the extent, give or take a millionth of a cell (for rounding in the
        # sample points).
        x, y, margin = table.x, table.y, 1e-6 * cell
        near = (
            (x < lo_x * cell + margin)
            | (x > (hi_x + 1) * cell - margin)
            | (y < lo_y * cell + margin)
        )
        a, b, c = table.corners[:, left_out]
        reach = near[a] | near[b] | near[c]
        e_x, e_y, _ = _rasterise(table, left_out[reach], cell)
        if len(e_x):
            lo_x, hi_x = min(lo_x, int(e_x.min())), max(hi_x, int(e_x.max()))
            lo_y = min(lo_y, int(e_y.min()))
    return lo_x, hi_x, lo_y


def _tallest_per_group(key: np.ndarray, level: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Index of the highest ``top`` of each (key, level) group, groups in ascending order.

    Among equal tops the first in input order wins (as a stable sort by key, level, -top).
    """
    levels = int(level.max() - level.min()) + 1
    if int(key.max()) < np.iinfo(np.int64).max // levels:
        order = np.argsort(key * levels + (level - level.min()))
    else:
        order = np.lexsort((level, key))
    key, level = key[order], level[order]
    starts = np.flatnonzero(
        np.concatenate([[True], (key[1:] != key[:-1]) | (level[1:] != level[:-1])])
    )
    tops = top[order]
    highest = np.maximum.reduceat(tops, starts)
    is_highest = tops == np.repeat(highest, np.diff(starts, append=len(order)))
    return np.minimum.reduceat(np.where(is_highest, order, len(order)), starts)


def _column_bases(
    o_key: np.ndarray,
    o_z: np.ndarray,
    u_key: np.ndarray,
    u_z: np.ndarray,
    z_bed: float,
    span: float,
    gap: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(on part (p,) bool, base (p,) mm): what each overhang point's column stands on.

    o_key, o_z : grid cell and height of the overhang points; u_key, u_z : those of the
    upward points. A column stands on the highest upward point of its cell at least a gap
    below the overhang, else on the bed (z_bed).
    """
    if len(u_key) == 0:
        return np.zeros(len(o_key), dtype=bool), np.full(len(o_key), z_bed)
    # Keys order points by cell, then height: the height range must fit inside one key step.
    u_sorted = np.sort(u_key * span + (u_z - z_bed))
    query = o_key * span + (o_z - z_bed - gap)
    found = np.searchsorted(u_sorted, query, side="right") - 1
    valid = found >= 0
    found_key = np.floor(u_sorted[np.maximum(found, 0)] / span)
    on_part = valid & (found_key == o_key)
    base = np.where(on_part, u_sorted[np.maximum(found, 0)] - found_key * span + z_bed, z_bed)
    return on_part, base


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
