"""Horizontal cross-sections of a closed mesh, measured without building contours.

A plane z = h cuts every triangle that spans h in one straight segment. The lengths of those
segments add up to the contour length of the section, and Green's theorem turns the same
segments into the enclosed area once each is oriented by its face (material on the left,
seen from above), so no segment ever has to be chained into a loop. That is what makes the
cut vectorisable over all (triangle, plane) pairs at once, and it works on a triangle soup as
well as on a welded mesh.

The same pass measures how much upward- and downward-facing surface lies below each plane:
the difference between two planes is the area that becomes a top (or bottom) surface between
them, which is what a slicer fills solid.

Convention: a vertex lies above a plane when its z is strictly greater than the plane's, so a
horizontal face exactly on a plane is cut by neither that plane nor, twice, by the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .hashing import float_bits, hash_rows
from .mesh import Mesh

# A face piece crossing at least this many planes is summed as a polynomial of the plane
# height through prefix sums; below it, plane by plane (cheaper, and exact for thin pieces).
POLY_MIN_PLANES = 3
# Plane lookups switch from binary search to a bin table above this many values, unless the
# table would need more bins than this (planes very close together over a tall part).
LOOKUP_MIN_VALUES = 2_000
LOOKUP_MAX_BINS = 1_000_000
# Faces (and face-plane pairs) are processed this many at a time: the dozens of temporaries
# of a block stay in the processor's cache, which makes the arithmetic 2-3x as fast on
# large meshes.
CHUNK = 32_768


@dataclass(frozen=True)
class LayerSections:
    """Measures of the cross-sections at a sorted set of plane heights.

    z : (k,) float, mm, ascending plane heights
    area : (k,) float, mm², enclosed area (holes subtracted) of each section
    perimeter : (k,) float, mm, total length of every contour of each section
    segments : (k,) int, number of triangles each plane cuts (a proxy for path vertices)
    up_below : (k,) float, mm², projected area of upward-facing surface below each plane
    down_below : (k,) float, mm², projected area of downward-facing surface below each plane
    up_total, down_total : float, mm², the same areas over the whole mesh
    """

    z: np.ndarray
    area: np.ndarray
    perimeter: np.ndarray
    segments: np.ndarray
    up_below: np.ndarray
    down_below: np.ndarray
    up_total: float
    down_total: float

    def up_between(self) -> np.ndarray:
        """(k,) float, mm²: upward-facing area between each plane and the next (last: to top)."""
        return np.diff(self.up_below, append=self.up_total)

    def down_between(self) -> np.ndarray:
        """(k,) float, mm²: downward-facing area between each plane and the one below it."""
        return np.diff(self.down_below, prepend=0.0)


def slice_planes(
    z_min: float, z_max: float, layer_height: float, first_layer_height: float
) -> tuple[np.ndarray, np.ndarray]:
    """Tops of the printed layers and the heights a slicer cuts them at (their middles).

    Returns (print_z, slice_z), both (k,) float, mm, measured from z_min. The first layer is
    first_layer_height thick, the others layer_height; the last layer ends at or just above
    the part's top, as PrusaSlicer lays them out for a fixed layer height.
    """
    height = float(z_max - z_min)
    if height <= 0 or layer_height <= 0 or first_layer_height <= 0:
        return np.zeros(0), np.zeros(0)
    # A sliver above the last full layer thinner than half a layer is dropped, as a slicer does.
    rest = max(height - first_layer_height, 0.0)
    count = 1 + int(np.floor(rest / layer_height + 0.5))
    print_z = first_layer_height + layer_height * np.arange(count, dtype=np.float64)
    thickness = np.full(count, layer_height)
    thickness[0] = first_layer_height
    slice_z = print_z - 0.5 * thickness
    return print_z, slice_z


def _columns(mesh_or_triangles: Mesh | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(3, n) float64 vertex coordinates and (3, m) int face corners, both contiguous."""
    if isinstance(mesh_or_triangles, Mesh):
        vertices, faces = mesh_or_triangles.vertices, mesh_or_triangles.faces
    else:
        soup = np.asarray(mesh_or_triangles)
        vertices = soup.reshape(-1, 3)
        faces = np.arange(len(vertices), dtype=np.int64).reshape(-1, 3)
    xyz = np.ascontiguousarray(vertices.T, dtype=np.float64)
    corners = np.ascontiguousarray(faces.T)
    return xyz, corners


@dataclass(frozen=True, eq=False)
class FaceTable:
    """What every cut of one mesh needs, per vertex and per face, computed once (face_table).

    x, y, z : (n,) float64, mm, vertex coordinates
    corners : (3, m) int, each face's vertex indices as given (counter-clockwise from outside)
    low, mid, high : (m,) int, each face's corners sorted by height (indices into x, y, z)
    z_low, z_mid, z_high : (m,) float64, mm, the heights of those corners
    even : (m,) bool, whether (low, mid, high) keeps the face's counter-clockwise order
    flat_area : (m,) float64, mm², projected (xy) signed area: > 0 faces up, < 0 faces down
    area : (m,) float64, mm², the face's own area
    """

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    corners: np.ndarray
    low: np.ndarray
    mid: np.ndarray
    high: np.ndarray
    z_low: np.ndarray
    z_mid: np.ndarray
    z_high: np.ndarray
    even: np.ndarray
    flat_area: np.ndarray
    area: np.ndarray

    @property
    def face_count(self) -> int:
        """Number of faces, m."""
        return len(self.z_low)


def face_table(mesh_or_triangles: Mesh | np.ndarray) -> FaceTable:
    """The per-face table of a Mesh or of (m, 3, 3) float triangles, mm (see FaceTable)."""
    xyz, corners = _columns(mesh_or_triangles)
    x, y, h = xyz
    m = corners.shape[1]
    ints = np.empty((3, m), dtype=corners.dtype)
    floats = np.empty((5, m))
    even = np.empty(m, dtype=bool)
    for block in _blocks(m):
        a, b, c = corners[:, block]
        ha, hb, hc = h[a], h[b], h[c]
        # Sort each face's corners by height with three compare-and-swaps (a stable bubble
        # sort: equal heights keep their order), counting swaps for the winding's parity.
        v = [a, b, c]
        hv = [ha, hb, hc]
        odd = np.zeros(len(a), dtype=bool)
        for i, j in ((0, 1), (1, 2), (0, 1)):
            swap = hv[i] > hv[j]
            v[i], v[j] = np.where(swap, v[j], v[i]), np.where(swap, v[i], v[j])
            hv[i], hv[j] = np.minimum(hv[i], hv[j]), np.maximum(hv[i], hv[j])
            odd ^= swap
        even[block] = ~odd
        ints[:, block] = v
        floats[:3, block] = hv
        xa, ya = x[a], y[a]
        e1x, e1y, e1z = x[b] - xa, y[b] - ya, hb - ha
        e2x, e2y, e2z = x[c] - xa, y[c] - ya, hc - ha
        flat_area = 0.5 * (e1x * e2y - e1y * e2x)
        nx = e1y * e2z - e1z * e2y
        ny = e1z * e2x - e1x * e2z
        floats[3, block] = flat_area
        floats[4, block] = 0.5 * np.sqrt(nx * nx + ny * ny + (2 * flat_area) ** 2)
    return FaceTable(
        x=x,
        y=y,
        z=h,
        corners=corners,
        low=ints[0],
        mid=ints[1],
        high=ints[2],
        z_low=floats[0],
        z_mid=floats[1],
        z_high=floats[2],
        even=even,
        flat_area=floats[3],
        area=floats[4],
    )


def _blocks(n: int) -> list[slice]:
    """Slices of range(n), CHUNK long: long chains of array arithmetic run block by block."""
    return [slice(start, start + CHUNK) for start in range(0, n, CHUNK)]


def _table(model: Mesh | np.ndarray | FaceTable) -> FaceTable:
    return model if isinstance(model, FaceTable) else face_table(model)


def _plane_index(z: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(n,) int: for each value, the index of the first plane at or above it.

    Same as np.searchsorted(z, values, "left"), several times faster on millions of values:
    bins no wider than the closest two planes hold at most one plane each, so a table
    lookup plus one comparison replaces the binary search (whose branches mispredict).
    """
    k = len(z)
    gaps = np.diff(z)
    if len(values) < LOOKUP_MIN_VALUES or k < 2 or gaps.min() <= 0:
        return np.searchsorted(z, values, side="left")
    width = float(gaps.min())
    bins = int(np.ceil((z[-1] - z[0]) / width)) + 2
    if bins > LOOKUP_MAX_BINS:
        return np.searchsorted(z, values, side="left")
    table = np.searchsorted(z, z[0] + width * np.arange(bins), side="left")
    padded = np.concatenate([[-np.inf], z, [np.inf]])
    out = np.empty(len(values), dtype=np.int64)
    for block in _blocks(len(values)):
        v = values[block]
        position = np.clip((v - z[0]) / width, 0, bins - 1).astype(np.int64)
        guess = table[position]
        # One step either way fixes a value that rounding put in the neighbouring bin.
        out[block] = guess + (padded[guess + 1] < v) - (padded[guess] >= v)
    return out


def cross_sections(model: Mesh | np.ndarray | FaceTable, z: np.ndarray) -> LayerSections:
    """Area, contour length and up/down-facing area of a mesh's sections at heights z.

    model : a Mesh, (m, 3, 3) float triangles, mm, counter-clockwise seen from outside
        (welded or not; the mesh should be closed for the area to mean anything), or their
        FaceTable when several sets of planes cut the same mesh
    z : (k,) float, mm, ascending plane heights in the mesh's own coordinates
    """
    table = _table(model)
    z = np.ascontiguousarray(z, dtype=np.float64)
    k = len(z)
    if table.face_count == 0 or k == 0:
        zeros = np.zeros(k)
        return LayerSections(z, zeros, zeros, np.zeros(k, np.int64), zeros, zeros, 0.0, 0.0)
    flat_area = table.flat_area
    up_area = np.maximum(flat_area, 0.0)
    down_area = up_area - flat_area
    # Planes a face crosses: lowest corner <= plane < highest corner, indices [first, stop).
    first = _plane_index(z, table.z_low)
    stop = _plane_index(z, table.z_high)
    # Faces wholly at or below plane j (stop <= j) count in full toward the area below j.
    up_below = np.cumsum(np.bincount(stop, weights=up_area, minlength=k + 1)[:k])
    down_below = np.cumsum(np.bincount(stop, weights=down_area, minlength=k + 1)[:k])
    totals = float(up_area.sum()), float(down_area.sum())
    # Each face adds one segment to every plane it crosses.
    segments = np.cumsum(
        (np.bincount(first, minlength=k + 1) - np.bincount(stop, minlength=k + 1))[:k]
    )

    crossing = np.flatnonzero(stop > first)
    sums = _cut_sums(table, crossing, first[crossing], stop[crossing], z)
    return LayerSections(
        z, sums[:, 0], sums[:, 1], segments, up_below + sums[:, 2], down_below + sums[:, 3], *totals
    )


def _cut_sums(
    table: FaceTable, faces: np.ndarray, first: np.ndarray, stop: np.ndarray, z: np.ndarray
) -> np.ndarray:
    """(k, 4) float: per plane, the cut measures of the faces that cross it.

    Columns: the Green's-theorem area, the segment length, and the upward- and
    downward-facing area below the plane. faces : (c,) int faces crossing planes
    [first, stop), indices into the table.

    Each face is split at its middle corner into two pieces; between two corners the
    section's end points move linearly with the plane height. A face crossing few planes is
    cut plane by plane (_cut_pairs); a tall piece (a CAD side wall crossing every layer) is
    added as polynomial coefficients to prefix sums (_add_tall_pieces), so its cost does not
    grow with the number of planes.
    """
    k = len(z)
    sums = np.zeros((k, 4))
    if len(faces) == 0:
        return sums
    # Sums relative to a point amid the cut faces keep the cross products well conditioned
    # (the area of a closed section does not depend on the origin).
    low = table.low[faces]
    centre = float(table.x[low].mean()), float(table.y[low].mean())
    count = stop - first
    few = POLY_MIN_PLANES
    if count.max() < few:  # the usual case on fine meshes: no tall face
        pairs = [_pairs(faces, first, count)]
    else:
        small = np.flatnonzero(count < few)
        pairs = [_pairs(faces[small], first[small], count[small])]
    tall = np.flatnonzero(count >= few)
    if len(tall):
        face = faces[tall]
        middle = np.searchsorted(z, table.z_mid[face], side="left")
        # Piece 0 of a face runs below its middle corner, piece 1 above it.
        lo = np.concatenate([first[tall], middle])
        hi = np.concatenate([middle, stop[tall]])
        is_lower = np.repeat([True, False], len(tall))
        face = np.concatenate([face, face])
        # A thin piece of a tall face is still cut plane by plane (exact however thin).
        thin = np.flatnonzero((hi > lo) & (hi - lo < few))
        pairs.append(_pairs(face[thin], lo[thin], hi[thin] - lo[thin]))
        rows = np.flatnonzero(hi - lo >= few)
        _add_tall_pieces(table, face[rows], is_lower[rows], lo[rows], hi[rows], z, centre, sums)
    pair_face = [f for f, _ in pairs]
    pair_plane = [p for _, p in pairs]
    face = np.concatenate(pair_face)
    plane = np.concatenate(pair_plane)
    for block in _blocks(len(face)):
        _add_pairs(table, face[block], plane[block], z, centre, sums)
    return sums


def _pairs(face: np.ndarray, first: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(face, plane) rows for faces crossing planes [first, first + count), 1 <= count (few)."""
    faces, planes = [face], [first]
    for offset in range(1, int(count.max(initial=0))):
        rows = np.flatnonzero(count > offset)
        faces.append(face[rows])
        planes.append(first[rows] + offset)
    return np.concatenate(faces), np.concatenate(planes)


@dataclass(frozen=True)
class _Cuts:
    """Faces cut by planes, one (face, plane) pair per row (see _cut_pairs).

    long_x, long_y : (n,) float, mm, where the plane crosses the face's long edge
    short_x, short_y : (n,) float, mm, where it crosses the face's other edge
    below : (n,) float, the share of the face below the plane
    long_edge, short_edge : (2, n) int, the vertices of those edges
    """

    long_x: np.ndarray
    long_y: np.ndarray
    short_x: np.ndarray
    short_y: np.ndarray
    below: np.ndarray
    long_edge: np.ndarray
    short_edge: np.ndarray


def _cut_pairs(
    table: FaceTable, face: np.ndarray, level: np.ndarray, centre: tuple[float, float]
) -> _Cuts:
    """Cut faces by planes at the heights ``level``, one (face, plane) pair per row.

    End points are relative to ``centre`` (x, y), mm. The long edge runs from the face's
    lowest to its highest corner; the plane crosses the other side on the edge from the
    lowest to the middle corner when it lies below the middle corner, else on the edge from
    the middle to the highest. For a face whose sorted corners keep its winding (``even``),
    the section runs from the long edge to the other, with material on its left.
    """
    t = table
    v0, v1, v2 = t.low[face], t.mid[face], t.high[face]
    z0, z1, z2 = t.z_low[face], t.z_mid[face], t.z_high[face]
    lower = level < z1
    start = np.where(lower, v0, v1)
    end = np.where(lower, v1, v2)
    z_start = np.where(lower, z0, z1)
    along_long = (level - z0) / (z2 - z0)
    along_short = (level - z_start) / (np.where(lower, z1, z2) - z_start)
    x, y = t.x, t.y
    cx, cy = centre
    x0, y0, xs, ys = x[v0], y[v0], x[start], y[start]
    # Below the middle corner the part of the face under the plane is a triangle similar to
    # the face at its lowest corner; above it, the face less such a triangle at the highest.
    below = np.where(
        lower, along_long * along_short, 1.0 - (1.0 - along_long) * (1.0 - along_short)
    )
    return _Cuts(
        long_x=(x0 - cx) + (x[v2] - x0) * along_long,
        long_y=(y0 - cy) + (y[v2] - y0) * along_long,
        short_x=(xs - cx) + (x[end] - xs) * along_short,
        short_y=(ys - cy) + (y[end] - ys) * along_short,
        below=below,
        long_edge=np.stack([v0, v2]),
        short_edge=np.stack([start, end]),
    )


def _add_pairs(
    table: FaceTable,
    face: np.ndarray,
    plane: np.ndarray,
    z: np.ndarray,
    centre: tuple[float, float],
    sums: np.ndarray,
) -> None:
    """Add the cuts of (face, plane) pairs to the per-plane sums (see _cut_sums)."""
    k = len(z)
    cut = _cut_pairs(table, face, z[plane], centre)
    # Green's theorem, the segment running from the long edge to the other in even order.
    green = np.where(table.even[face], 0.5, -0.5) * (
        cut.long_x * cut.short_y - cut.long_y * cut.short_x
    )
    length = np.hypot(cut.long_x - cut.short_x, cut.long_y - cut.short_y)
    flat = table.flat_area[face]
    sums[:, 0] += np.bincount(plane, weights=green, minlength=k)
    sums[:, 1] += np.bincount(plane, weights=length, minlength=k)
    # Channel 3 (down-facing) instead of 2 (up-facing) for the area below the plane.
    channel = plane * 2 + (flat <= 0)
    weights = cut.below * np.abs(flat)
    sums[:, 2:] += np.bincount(channel, weights=weights, minlength=2 * k).reshape(k, 2)


def _add_tall_pieces(
    table: FaceTable,
    face: np.ndarray,
    is_lower: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    z: np.ndarray,
    centre: tuple[float, float],
    sums: np.ndarray,
) -> None:
    """Add pieces crossing planes [lo, hi) as polynomials of the plane height.

    In the piece's own variable u = plane - (its lower corner's height), the segment's
    Green's-theorem term is a quadratic, its length is linear, and the share of the face
    below the plane is quadratic. Each polynomial is re-centred on one shared variable and
    added to prefix sums at its first plane, and subtracted again past its last.
    """
    k = len(z)
    if len(face) == 0:
        return
    t = table
    cx, cy = centre
    v0, v1, v2 = t.low[face], t.mid[face], t.high[face]
    z0, z1, z2 = t.z_low[face], t.z_mid[face], t.z_high[face]
    x0, y0 = t.x[v0] - cx, t.y[v0] - cy
    x1, y1 = t.x[v1] - cx, t.y[v1] - cy
    x2, y2 = t.x[v2] - cx, t.y[v2] - cy
    za = np.where(is_lower, z0, z1)
    span = np.where(is_lower, z1 - z0, z2 - z1)
    xa = np.where(is_lower, x0, x1)
    ya = np.where(is_lower, y0, y1)
    # End points as functions of u: long edge L = al + bl u, short S = a + bs u.
    rise = z2 - z0
    blx = (x2 - x0) / rise
    bly = (y2 - y0) / rise
    alx = x0 + blx * (za - z0)
    aly = y0 + bly * (za - z0)
    bsx = (np.where(is_lower, x1, x2) - xa) / span
    bsy = (np.where(is_lower, y1, y2) - ya) / span
    s = np.where(t.even[face], 0.5, -0.5)
    flat = t.flat_area[face]
    weight = np.abs(flat)
    facing = (flat <= 0).astype(np.int64)
    # The segment L - S keeps its direction on every plane and vanishes at corner 0 (lower
    # piece) or corner 2 (upper piece), so its length is linear in u.
    slope = np.hypot(blx - bsx, bly - bsy)
    zero = np.zeros(len(face))
    coef = (
        # Green's theorem: with corners in even order the section runs from L to S.
        (
            s * (alx * ya - aly * xa),
            s * (alx * bsy - aly * bsx + blx * ya - bly * xa),
            s * (blx * bsy - bly * bsx),
        ),
        (np.where(is_lower, 0.0, slope * span), np.where(is_lower, slope, -slope), zero),
        # Share of the face below the plane: similar triangles at corner 0, or 1 minus those
        # at corner 2 (written so that no term grows when a piece is thin).
        (
            np.where(is_lower, 0.0, 1.0 - span / rise) * weight,
            np.where(is_lower, 0.0, 2.0 / rise) * weight,
            np.where(is_lower, 1.0, -1.0) / (rise * span) * weight,
        ),
    )
    zc = 0.5 * (z[0] + z[-1])
    delta = zc - za
    edges = np.concatenate([lo, hi])
    u = z - zc
    for channel, (c0, c1, c2) in enumerate(coef):
        shifted = (c0 + delta * (c1 + delta * c2), c1 + 2.0 * delta * c2, c2)
        if channel < 2:
            index, width = edges, 1
        else:
            index, width = edges * 2 + np.tile(facing, 2), 2
        running = [
            np.cumsum(
                np.bincount(
                    index, weights=np.concatenate([c, -c]), minlength=width * (k + 1)
                ).reshape(k + 1, width)[:k],
                axis=0,
            )
            for c in shifted
        ]
        value = running[0] + u[:, None] * (running[1] + u[:, None] * running[2])
        if channel < 2:
            sums[:, channel] += value[:, 0]
        else:
            sums[:, 2:] += value


def _point_keys(xyz: np.ndarray) -> np.ndarray:
    """(n,) uint64: one key per vertex from the bits of its coordinates (-0.0 as +0.0)."""
    return hash_rows(float_bits(axis) for axis in xyz)


@dataclass(frozen=True)
class SectionLoops:
    """The closed contours of the sections at a few planes, one row per loop.

    plane : (n,) int, index of the plane (into the z given) the loop lies in
    length : (n,) float, mm, the loop's length
    area : (n,) float, mm², signed enclosed area: > 0 an outline, < 0 a hole
    """

    plane: np.ndarray
    length: np.ndarray
    area: np.ndarray

    def count(self, planes: int) -> tuple[np.ndarray, np.ndarray]:
        """(outlines, holes): (planes,) int each, loops per plane by orientation."""
        outer = np.bincount(self.plane[self.area > 0], minlength=planes)
        holes = np.bincount(self.plane[self.area < 0], minlength=planes)
        return outer, holes


# Below this many links, a plain union-find beats building a sparse graph for scipy.
SMALL_GRAPH_LINKS = 200


def _components(a: np.ndarray, b: np.ndarray, nodes: int) -> np.ndarray:
    """(nodes,) int: connected-component label of every node, given links a[i]-b[i]."""
    if len(a) >= SMALL_GRAPH_LINKS:
        graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(nodes, nodes))
        return connected_components(graph, directed=False)[1]
    parent = list(range(nodes))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(a.tolist(), b.tolist(), strict=True):
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[ri] = rj
    roots = [root(i) for i in range(nodes)]
    return np.unique(np.asarray(roots, dtype=np.int64), return_inverse=True)[1]


def section_loops(model: Mesh | np.ndarray | FaceTable, z: np.ndarray) -> SectionLoops:
    """Split the sections at heights z into their closed loops.

    The segments of one plane are chained through the mesh edges they end on (an edge is
    named by its end points' coordinates, so a triangle soup works as well as a welded mesh);
    the connected chains are the loops. Cost grows with the faces cut: use a few planes.
    """
    z = np.ascontiguousarray(z, dtype=np.float64)
    empty = SectionLoops(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    table = _table(model)
    if table.face_count == 0 or len(z) == 0:
        return empty
    first = _plane_index(z, table.z_low)
    stop = _plane_index(z, table.z_high)
    crossing = np.flatnonzero(stop > first)
    if len(crossing) == 0:
        return empty
    counts = stop[crossing] - first[crossing]
    face = np.repeat(crossing, counts)
    starts = np.cumsum(counts) - counts
    plane = np.arange(len(face)) - np.repeat(starts - first[crossing], counts)
    cut = _cut_pairs(table, face, z[plane], (0.0, 0.0))
    # Each segment runs from the long edge to the other in even corner order, else back.
    even = table.even[face]
    sx = np.where(even, cut.long_x, cut.short_x)
    sy = np.where(even, cut.long_y, cut.short_y)
    ex = np.where(even, cut.short_x, cut.long_x)
    ey = np.where(even, cut.short_y, cut.long_y)
    cx, cy = sx.mean(), sy.mean()
    green = 0.5 * ((sx - cx) * (ey - cy) - (sy - cy) * (ex - cx))
    length = np.hypot(ex - sx, ey - sy)

    # Nodes are (plane, edge) pairs; each segment links the two edges it ends on. Edges are
    # named by their end points' coordinates, not indices, so that a mesh whose corners are
    # repeated per face (an unwelded STL, an OBJ split by normals) still chains up.
    xyz = np.stack([table.x, table.y, table.z])

    def node_key(edge: np.ndarray) -> np.ndarray:
        a, b = _point_keys(xyz[:, edge[0]]), _point_keys(xyz[:, edge[1]])
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        return hash_rows([lo, hi, plane.astype(np.uint64)])

    keys = np.concatenate([node_key(cut.long_edge), node_key(cut.short_edge)])
    unique, node = np.unique(keys, return_inverse=True)
    segments = len(face)
    label = _components(node[:segments], node[segments:], len(unique))
    loop = label[node[:segments]]
    loops = int(loop.max()) + 1
    loop_plane = np.zeros(loops, np.int64)
    loop_plane[loop] = plane
    return SectionLoops(
        loop_plane,
        np.bincount(loop, weights=length, minlength=loops),
        np.bincount(loop, weights=green, minlength=loops),
    )
