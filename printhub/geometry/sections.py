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

from .mesh import Mesh

# Offsets of even permutations of (0, 1, 2): (b - a) mod 3 == 1 for (a, b, c) cyclic.
_EVEN_STEP = 1
# A face piece crossing at least this many planes is summed as a polynomial of the plane
# height through prefix sums; below it, plane by plane (cheaper, and exact for thin pieces).
POLY_MIN_PLANES = 3
# Plane lookups switch from binary search to a bin table above this many values, unless the
# table would need more bins than this (planes very close together over a tall part).
LOOKUP_MIN_VALUES = 2_000
LOOKUP_MAX_BINS = 1_000_000


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
    position = np.clip(np.floor((values - z[0]) / width), 0, bins - 1).astype(np.int64)
    guess = table[position]
    # One step either way fixes a value that rounding put in the neighbouring bin.
    padded = np.concatenate([[-np.inf], z, [np.inf]])
    return guess + (padded[guess + 1] < values) - (padded[guess] >= values)


def cross_sections(mesh_or_triangles: Mesh | np.ndarray, z: np.ndarray) -> LayerSections:
    """Area, contour length and up/down-facing area of a mesh's sections at heights z.

    mesh_or_triangles : a Mesh, or (m, 3, 3) float triangles, mm, counter-clockwise seen
        from outside (welded or not; the mesh should be closed for the area to mean anything)
    z : (k,) float, mm, ascending plane heights in the mesh's own coordinates
    """
    xyz, corners = _columns(mesh_or_triangles)
    z = np.ascontiguousarray(z, dtype=np.float64)
    k = len(z)
    if corners.shape[1] == 0 or k == 0:
        zeros = np.zeros(k)
        return LayerSections(z, zeros, zeros, np.zeros(k, np.int64), zeros, zeros, 0.0, 0.0)
    x, y, h = xyz
    a, b, c = corners
    ha, hb, hc = h[a], h[b], h[c]
    # Projected (xy) signed area of every face: > 0 faces up, < 0 faces down.
    xa, ya = x[a], y[a]
    flat_area = 0.5 * ((x[b] - xa) * (y[c] - ya) - (y[b] - ya) * (x[c] - xa))
    up_area = np.maximum(flat_area, 0.0)
    down_area = up_area - flat_area
    # Planes a face crosses: lowest corner <= plane < highest corner, indices [first, stop).
    first = _plane_index(z, np.minimum(np.minimum(ha, hb), hc))
    stop = _plane_index(z, np.maximum(np.maximum(ha, hb), hc))
    # Faces wholly at or below plane j (stop <= j) count in full toward the area below j.
    up_below = np.cumsum(np.bincount(stop, weights=up_area, minlength=k + 1)[:k])
    down_below = np.cumsum(np.bincount(stop, weights=down_area, minlength=k + 1)[:k])
    totals = float(up_area.sum()), float(down_area.sum())

    crossing = np.flatnonzero(stop > first)
    sums, segments = _cut_sums(
        xyz,
        corners[:, crossing],
        (ha, hb, hc),
        crossing,
        flat_area[crossing],
        first[crossing],
        stop[crossing],
        z,
    )
    return LayerSections(
        z, sums[:, 0], sums[:, 1], segments, up_below + sums[:, 2], down_below + sums[:, 3], *totals
    )


def _cut_sums(
    xyz: np.ndarray,
    corners: np.ndarray,
    corner_z: tuple[np.ndarray, np.ndarray, np.ndarray],
    crossing: np.ndarray,
    flat_area: np.ndarray,
    first: np.ndarray,
    stop: np.ndarray,
    z: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Sum the cut measures of the faces that cross at least one plane, per plane.

    Returns (sums, segments): sums (k, 4) float holds the Green's-theorem area, the segment
    length, and the upward- and downward-facing area below the plane; segments (k,) int.

    Between two corners of a face, the section's end points move linearly with the plane
    height u, so the segment's Green's-theorem term is a quadratic in u, its length is linear,
    and the share of the face below the plane is quadratic. Each face is split at its middle
    corner into two such pieces; a piece spanning few planes is summed plane by plane, a tall
    one (a CAD side wall crossing every layer) is added as polynomial coefficients to prefix
    sums, so its cost does not grow with the number of planes.
    """
    k = len(z)
    sums = np.zeros((k, 4))
    if corners.shape[1] == 0:
        return sums, np.zeros(k, np.int64)
    x, y, h = xyz
    za, zb, zc = (c[crossing] for c in corner_z)
    # Sort each face's corners by height without a per-row argsort.
    low = np.where(za <= zb, np.where(za <= zc, 0, 2), np.where(zb <= zc, 1, 2))
    high = np.where(za > zb, np.where(za > zc, 0, 2), np.where(zb > zc, 1, 2))
    mid = 3 - low - high
    # Sorting the corners flips the winding for odd permutations; keep the sign.
    half_sign = np.where((mid - low) % 3 == _EVEN_STEP, 0.5, -0.5)
    column = np.arange(corners.shape[1])
    v0 = corners[low, column]
    v1 = corners[mid, column]
    v2 = corners[high, column]
    # Centre xy so the cross products stay well conditioned (the area of a closed section
    # does not depend on the origin).
    cx, cy = x[v0].mean(), y[v0].mean()
    x0, y0, z0 = x[v0] - cx, y[v0] - cy, h[v0]
    x1, y1, z1 = x[v1] - cx, y[v1] - cy, h[v1]
    x2, y2, z2 = x[v2] - cx, y[v2] - cy, h[v2]
    middle = np.searchsorted(z, z1, side="left")

    # Piece 0 of a face has its short edge 0-1 (planes below corner 1), piece 1 the edge 1-2.
    n = len(z0)
    lo = np.concatenate([first, middle])
    hi = np.concatenate([middle, stop])
    keep = np.flatnonzero(hi > lo)
    face = keep % n
    is_lower = keep < n
    lo, hi = lo[keep], hi[keep]
    z0, z1, z2, x0, y0, x2, y2 = (v[face] for v in (z0, z1, z2, x0, y0, x2, y2))
    x1, y1 = x1[face], y1[face]
    za = np.where(is_lower, z0, z1)
    span = np.where(is_lower, z1 - z0, z2 - z1)
    xa = np.where(is_lower, x0, x1)
    ya = np.where(is_lower, y0, y1)
    # End points as functions of u = plane - za: long edge L = al + bl u, short S = a + bs u.
    rise = z2 - z0
    blx = (x2 - x0) / rise
    bly = (y2 - y0) / rise
    alx = x0 + blx * (za - z0)
    aly = y0 + bly * (za - z0)
    bsx = (np.where(is_lower, x1, x2) - xa) / span
    bsy = (np.where(is_lower, y1, y2) - ya) / span

    s = half_sign[face]
    weight = np.abs(flat_area[face])
    # Channel 3 (down-facing) instead of 2 (up-facing) for the area below the plane.
    facing = (flat_area[face] <= 0).astype(np.int64)
    # The segment L - S keeps its direction on every plane and vanishes at corner 0 (lower
    # piece) or corner 2 (upper piece), so its length is linear in u.
    slope = np.hypot(blx - bsx, bly - bsy)
    coef = (
        # Green's theorem: with corners in even order the section runs from L to S.
        (
            s * (alx * ya - aly * xa),
            s * (alx * bsy - aly * bsx + blx * ya - bly * xa),
            s * (blx * bsy - bly * bsx),
        ),
        (np.where(is_lower, 0.0, slope * span), np.where(is_lower, slope, -slope), None),
        # Share of the face below the plane: similar triangles at corner 0, or 1 minus those
        # at corner 2 (written so that no term grows when a piece is thin).
        (
            np.where(is_lower, 0.0, 1.0 - span / rise) * weight,
            np.where(is_lower, 0.0, 2.0 / rise) * weight,
            np.where(is_lower, 1.0, -1.0) / (rise * span) * weight,
        ),
    )

    def evaluate(rows: np.ndarray | slice, u: np.ndarray) -> list[np.ndarray]:
        out = []
        for c0, c1, c2 in coef:
            value = c0[rows] + u * c1[rows]
            out.append(value if c2 is None else value + u * u * c2[rows])
        return out

    def add(plane: np.ndarray, values: list[np.ndarray], rows: np.ndarray | slice) -> None:
        sums[:, 0] += np.bincount(plane, weights=values[0], minlength=k)
        sums[:, 1] += np.bincount(plane, weights=values[1], minlength=k)
        below = np.bincount(plane * 2 + facing[rows], weights=values[2], minlength=2 * k)
        sums[:, 2:] += below.reshape(k, 2)

    count = hi - lo
    small = count < POLY_MIN_PLANES
    # Few planes (the usual case on fine meshes): evaluate each (piece, plane) pair in the
    # piece's own variable u, which stays exact however thin the piece is.
    for offset in range(POLY_MIN_PLANES - 1):
        rows = np.flatnonzero(small & (count > offset))
        if len(rows) == 0:
            break
        plane = lo[rows] + offset
        add(plane, evaluate(rows, z[plane] - za[rows]), rows)
    segments = _pair_counts(lo[small], count[small], k)
    big = np.flatnonzero(~small)
    if len(big):
        # Many planes: re-centre each polynomial on one shared variable and add it to prefix
        # sums at its first plane, subtracting it again past its last.
        zc = 0.5 * (z[0] + z[-1])
        delta = zc - za[big]
        edges = np.concatenate([lo[big], hi[big]])
        u = z - zc
        for channel, (c0, c1, c2) in enumerate(coef):
            c2b = np.zeros(len(big)) if c2 is None else c2[big]
            shifted = (
                c0[big] + delta * (c1[big] + delta * c2b),
                c1[big] + 2.0 * delta * c2b,
                c2b,
            )
            if channel < 2:
                index, width = edges, 1
            else:
                index, width = edges * 2 + np.tile(facing[big], 2), 2
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
        segments += _pair_counts(lo[big], count[big], k)
    return sums, segments


def _pair_counts(first: np.ndarray, count: np.ndarray, k: int) -> np.ndarray:
    """(k,) int: how many of the ranges [first, first + count) contain each plane."""
    steps = np.bincount(first, minlength=k + 1) - np.bincount(first + count, minlength=k + 1)
    return np.cumsum(steps[:k])


# Odd 64-bit multipliers (splitmix/xxhash constants): they spread every input bit over the
# whole word, so equal keys almost surely mean equal inputs.
_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xC2B2AE3D27D4EB4F)
_K3 = np.uint64(0x165667B19E3779F9)


def _mix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(31))
    h = h * _K3
    return h ^ (h >> np.uint64(29))


def _point_keys(xyz: np.ndarray) -> np.ndarray:
    """(n,) uint64: one key per vertex from the bits of its coordinates (-0.0 as +0.0)."""
    bits = (xyz + 0.0).view(np.uint64)  # integer products wrap around, as hashing wants
    return _mix(_mix(bits[0] * _K1 ^ bits[1]) * _K2 ^ bits[2])


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


def section_loops(mesh: Mesh | np.ndarray, z: np.ndarray) -> SectionLoops:
    """Split the sections at heights z into their closed loops.

    The segments of one plane are chained through the mesh edges they end on (an edge is
    named by its end points' coordinates, so a triangle soup works as well as a welded mesh);
    the connected chains are the loops. Cost grows with the faces cut: use a few planes.
    """
    z = np.ascontiguousarray(z, dtype=np.float64)
    empty = SectionLoops(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    xyz, corners = _columns(mesh)
    if corners.shape[1] == 0 or len(z) == 0:
        return empty
    x, y, h = xyz
    a, b, c = corners
    ha, hb, hc = h[a], h[b], h[c]
    first = np.searchsorted(z, np.minimum(np.minimum(ha, hb), hc), side="left")
    stop = np.searchsorted(z, np.maximum(np.maximum(ha, hb), hc), side="left")
    crossing = np.flatnonzero(stop > first)
    if len(crossing) == 0:
        return empty
    counts = stop[crossing] - first[crossing]
    face = np.repeat(crossing, counts)
    starts = np.cumsum(counts) - counts
    plane = np.arange(len(face)) - np.repeat(starts - first[crossing], counts)
    level = z[plane]
    corner = corners[:, face]  # (3, n) vertex indices
    above = h[corner] > level  # (3, n)
    # The lone corner (on its own side of the plane) and the two edges leaving it.
    lone = np.where(above.sum(axis=0) == 1, np.argmax(above, axis=0), np.argmin(above, axis=0))
    column = np.arange(len(face))
    v0 = corner[lone, column]
    v1 = corner[(lone + 1) % 3, column]
    v2 = corner[(lone + 2) % 3, column]

    def cut(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = (level - h[p]) / (h[q] - h[p])
        return x[p] + (x[q] - x[p]) * t, y[p] + (y[q] - y[p]) * t

    # With the lone corner above, the section runs from edge (lone, next) to (prev, lone)
    # for counter-clockwise faces; below, the other way.
    ax, ay = cut(v0, v1)
    bx, by = cut(v0, v2)
    up = above[lone, column]
    sx, sy, ex, ey = (
        np.where(up, ax, bx),
        np.where(up, ay, by),
        np.where(up, bx, ax),
        np.where(up, by, ay),
    )
    cx, cy = sx.mean(), sy.mean()
    green = 0.5 * ((sx - cx) * (ey - cy) - (sy - cy) * (ex - cx))
    length = np.hypot(ex - sx, ey - sy)

    # Nodes are (plane, edge) pairs; each segment links the two edges it ends on. Edges are
    # named by their end points' coordinates, not indices, so that a mesh whose corners are
    # repeated per face (an unwelded STL, an OBJ split by normals) still chains up.
    k0, k1, k2 = (_point_keys(xyz[:, v]) for v in (v0, v1, v2))

    def node_key(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        return _mix(_mix(lo * _K1 ^ hi) ^ plane.astype(np.uint64) * _K2)

    keys = np.concatenate([node_key(k0, k1), node_key(k0, k2)])
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
