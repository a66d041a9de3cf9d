"""Patches: pieces of the surface that provably cannot cross themselves.

Every face is seen along one coordinate axis, from the side its normal points to (its
*view*; see _views for how it is chosen: |n_axis| can be small but is never zero). A patch
is a set of faces of one view connected through shared edges, where every shared edge joins
exactly two faces of the patch, traversed in opposite directions. Seen along the axis every
face of a patch is a triangle of the same (counter-clockwise) orientation. A patch is
*certified* when, in that view,

1. every vertex inside it (all its edges shared within the patch) is surrounded exactly once:
   its faces' angles add up to one full turn;
2. around every vertex on its border, the border edges of the patch alternate between
   leaving and entering the vertex, no two in the same direction, and the patch's faces
   there add up to less than a full turn (each run of faces from a leaving border edge to
   the next entering one is a wedge; the wedges then do not overlap);
3. no two border edges come within the touch tolerance of each other, except ones sharing
   a vertex (looked after by 2).

Then the view maps the patch one-to-one onto the plane, so the patch is the graph of a
function over its shadow and no two of its faces can cross. Why: (1) and (2) make the view a
local homeomorphism (after splitting a vertex where several wedges meet, which by (2) only
touch there) whose border curves, by (3), are simple and disjoint. For such a map of a
connected surface the rotation indices of the border curves add up to its Euler
characteristic 2 - 2g - k (k curves, each of index +-1), which leaves g = 0 and exactly one
curve turning counter-clockwise; and the number of faces covering a point of the plane is
the sum of the border curves' winding numbers around it, so at most 1. (tests: a flat strip
winding over itself fails 3, a flat fan winding twice fails 1.)

Faces too thin for the exact test take part as they are (a hole of such slivers would have
border edges closer than the tolerance); nearly collinear ones count as flat segments.

Pairs of faces inside one certified patch are never tested. A densely divided flat face is one
patch (or a few); so is each sixth of a finely divided sphere. What is left for the broad
phase is the seams between patches and genuinely different parts of the surface that come
close.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..tolerances import INTERSECT_PATCH_MIN_COS, INTERSECT_PATCH_MIN_SINE, INTERSECT_SLIT_RAD
from ._broad import box_tree_pairs, morton_codes, round_down, round_up
from ._exact import Faces, cross_rows, rowdot

# How many times the faces at fault are cut out of failed patches before giving up on them.
_CUT_ROUNDS = 2


def certified_patches(
    triangles: np.ndarray, faces: np.ndarray, geometry: Faces, n_vertices: int, tol: float
) -> np.ndarray:
    """(m,) int64: the certified patch of each face (see the module docstring), -1 if none.

    triangles : (m, 3, 3) float, mm
    faces : (m, 3) int, vertex indices
    tol : mm, border edges closer than this count as touching (the patch is not certified)
    """
    m = len(faces)
    start = faces.ravel().astype(np.int64)
    end = faces[:, [1, 2, 0]].ravel().astype(np.int64)
    h1, h2 = _edge_pairs(start, end, n_vertices)
    smooth, own, normals = _views(faces, geometry, h1 // 3, h2 // 3)
    edges = (start, end, h1, h2)
    angles = _corner_angles(geometry, normals, smooth)
    view = smooth.copy()
    patch, culprits, in_failed = _certify(triangles, faces, view, angles, edges, tol)
    for attempt in range(1, _CUT_ROUNDS + 1):
        if len(culprits) == 0:
            break
        # One bad vertex or border edge should not cost a patch of thousands of faces: cut
        # the faces at fault out (they are searched like any other) and check again what
        # remains of the failed patches.
        view[culprits] = -1
        again = np.where(in_failed, view, -1)
        redone, culprits, in_failed = _certify(triangles, faces, again, angles, edges, tol)
        patch = np.where(redone >= 0, redone + attempt * m, patch)
    # Where the smoothed views still fail (two parts of a patch touching in the view, as
    # across a step whose wall is seen edge-on), the faces' own views often succeed.
    retry = (patch < 0) & (own >= 0)
    changed = np.flatnonzero(retry & (smooth != own))
    if len(changed):
        angles[changed] = _corner_angles(geometry, normals, own, changed)
        again, _, _ = _certify(triangles, faces, np.where(retry, own, -1), angles, edges, tol)
        patch = np.where(again >= 0, again + (_CUT_ROUNDS + 1) * m, patch)
    return np.where(geometry.usable, patch, -1)


def _certify(
    triangles: np.ndarray,
    faces: np.ndarray,
    view: np.ndarray,
    angles: np.ndarray,
    edges: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    tol: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Patches under the given views, and what spoiled the ones that failed.

    view : (m,) int, see _views; faces with view -1 belong to no patch
    angles : (m, 3) corner angles in those views, radians (see _corner_angles)
    edges : (3m,) start and end vertex of each half-edge, and (j,) the pairs of opposite
        half-edges (see _edge_pairs)
    Returns (m,) int64 the certified patch of each face or -1; (k,) the faces at the
    vertices and border edges that failed; (m,) bool the faces of failed patches.
    """
    m = len(faces)
    start, end, h1, h2 = edges
    f1, f2 = h1 // 3, h2 // 3
    joins = (view[f1] == view[f2]) & (view[f1] >= 0)
    h1, h2, f1, f2 = h1[joins], h2[joins], f1[joins], f2[joins]
    interior = np.zeros(3 * m, dtype=bool)
    interior[h1] = True
    interior[h2] = True
    graph = coo_matrix((np.ones(len(f1), dtype=np.int8), (f1, f2)), shape=(m, m))
    _, component = connected_components(graph, directed=False)
    member = view >= 0
    patch = np.where(member, component, -1).astype(np.int64)  # keys below multiply it
    size = np.bincount(patch[member], minlength=m)
    candidate = size > 1  # a single face has no pairs to save
    on_candidate = member & candidate[np.maximum(patch, 0)]
    border = np.flatnonzero(np.repeat(on_candidate, 3) & ~interior)

    ends = _border_in_view(triangles, view, border)
    at_vertices = _failed_at_vertices(faces, patch, on_candidate, angles, start, end, border, ends)
    at_edges = _failed_at_border_edges(patch, start, end, border, ends, tol)
    culprits = np.unique(np.concatenate([at_vertices, at_edges]))
    failed = np.zeros(m, dtype=bool)
    failed[patch[culprits]] = True
    in_failed = on_candidate & failed[np.maximum(patch, 0)]
    certified = np.where(on_candidate & ~in_failed, patch, -1)
    return certified, culprits, in_failed


def _edge_pairs(
    start: np.ndarray, end: np.ndarray, n_vertices: int
) -> tuple[np.ndarray, np.ndarray]:
    """The two half-edges of every edge used exactly twice, in opposite directions.

    start, end : (3m,) vertices of half-edge h, from corner h % 3 of face h // 3 to the next
    Returns (j,) h1 and (j,) h2.
    """
    key = np.minimum(start, end) * max(n_vertices, 1) + np.maximum(start, end)
    order = np.argsort(key)
    sorted_key = key[order]
    del key
    same = sorted_key[1:] == sorted_key[:-1]
    # Runs of exactly two: equal to the next, and neither the previous nor the one after it.
    two = same.copy()
    two[1:] &= ~same[:-1]
    two[:-1] &= ~same[1:]
    first = np.flatnonzero(two)
    h1, h2 = order[first], order[first + 1]
    opposite = start[h1] == end[h2]
    return h1[opposite], h2[opposite]


def _views(
    faces: np.ndarray, geometry: Faces, f1: np.ndarray, f2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two choices of the axis each face is seen along, and the normals they were taken from.

    Returns (m,) int smoothed and own views, each 2 * axis + (normal points down the axis)
    or -1; and (m, 3) unit normals, zero for faces counted as flat.
    f1, f2 : (j,) faces joined by an edge

    The own view is the axis a face's normal leans to most. The smoothed view is the axis
    that the mean normal around the face (over its corners' fans) leans to most, so that
    neighbouring faces agree even where the surface is noisy or leans about 45 degrees
    between two axes; a face that does not itself face that way by INTERSECT_PATCH_MIN_COS
    keeps its own. Faces too thin for the exact test still have a trustworthy normal unless
    nearly collinear; those that are nearly collinear are flat seen along any axis, so they
    take a neighbour's view (through up to three such faces in a row). Faces using a vertex
    twice take none.
    """
    edges, double_area = geometry.edges, geometry.double_area
    normals = geometry.normals.copy()
    thin = np.flatnonzero(~geometry.usable)
    longest_sq = np.max([rowdot(e[thin], e[thin]) for e in edges], axis=0, initial=0.0)
    trusted = thin[double_area[thin] > INTERSECT_PATCH_MIN_SINE * longest_sq]
    normals[trusted] = (
        cross_rows(edges[0][trusted], -edges[2][trusted]) / double_area[trusted, None]
    )
    has_normal = geometry.usable.copy()
    has_normal[trusted] = True
    flat = ~has_normal & (
        (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 2] != faces[:, 0])
    )

    first = 3 * np.arange(len(faces))

    def view_along(axis: np.ndarray) -> np.ndarray:
        down = _pick(normals, first + axis) < 0
        view = np.where(has_normal, 2 * axis + down, -1)
        if flat.any():
            for _ in range(3):
                for a, b in ((f1, f2), (f2, f1)):
                    take = flat[a] & (view[a] < 0) & (view[b] >= 0)
                    view[a[take]] = view[b[take]]
        return view

    own_axis = _dominant(normals)
    mean = _mean_normals(faces, normals * double_area[:, None])
    axis = _dominant(mean)
    along = _pick(normals, first + axis)
    mean_down = _pick(mean, first + axis) < 0
    agrees = np.where(mean_down, -along, along) > INTERSECT_PATCH_MIN_COS
    return view_along(np.where(agrees, axis, own_axis)), view_along(own_axis), normals


def _mean_normals(faces: np.ndarray, weighted: np.ndarray) -> np.ndarray:
    """(m, 3): per face, the sum of the area-weighted normals of every face at its corners.

    weighted : (m, 3) normals times twice the area
    """
    n = int(faces.max()) + 1
    corners = [faces[:, k].astype(np.intp) for k in range(3)]
    at_vertex = np.zeros((n, 3))
    for i in range(3):
        column = np.ascontiguousarray(weighted[:, i])
        for corner in corners:
            at_vertex[:, i] += np.bincount(corner, column, minlength=n)
    mean = np.take(at_vertex, corners[0], axis=0)
    for corner in corners[1:]:
        mean += np.take(at_vertex, corner, axis=0)
    return mean


def _dominant(vectors: np.ndarray) -> np.ndarray:
    """(m,) index of the largest absolute component of each (m, 3) row."""
    size = np.abs(vectors)
    return np.where(
        size[:, 0] >= np.maximum(size[:, 1], size[:, 2]),
        0,
        np.where(size[:, 1] >= size[:, 2], 1, 2),
    )


def _corner_angles(
    geometry: Faces, normals: np.ndarray, view: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """(k, 3) float: the angle at each corner of faces `rows` (default all), seen along their
    view, radians.

    normals : (m, 3) unit, zero for faces counted as flat (angles 0, 0 and pi)
    view : (m,) int, see _views (faces without one get angles along x, never used)
    """
    if rows is None:
        rows = slice(None)
    axis = np.maximum(view[rows], 0) // 2
    pick = 3 * np.arange(len(axis)) + axis
    # Seen along the axis, the cross product of two edges is the axis component of their 3-D
    # cross product: twice the area times the normal's component, the same at every corner.
    # The dot product loses the axis components.
    sine_part = geometry.double_area[rows] * np.abs(_pick(normals[rows], pick))
    edges = [e[rows] for e in geometry.edges]
    along = [_pick(e, pick) for e in edges]
    angles = np.empty((len(axis), 3))
    for k in range(3):
        u, w = edges[k], edges[(k + 2) % 3]  # to the next corner; from the previous one
        cos_part = along[k] * along[(k + 2) % 3] - rowdot(u, w)
        angles[:, k] = np.arctan2(sine_part, cos_part)
    return angles


def _pick(rows: np.ndarray, flat_index: np.ndarray) -> np.ndarray:
    """(k,) one entry per row of a (k, 3) array, at flat index 3 * row + column."""
    return np.take(np.ascontiguousarray(rows).ravel(), flat_index)


def _border_in_view(
    triangles: np.ndarray, view: np.ndarray, border: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (k, 2) of each border half-edge, mm, seen along its face's axis.

    The two remaining coordinates are taken in the order that turns the faces
    counter-clockwise (swapped for faces whose normal points down the axis).
    """
    face, corner = border // 3, border % 3
    seen, flip = view[face] // 2, view[face] % 2 == 1
    first = np.where(flip, (seen + 2) % 3, (seen + 1) % 3)
    second = np.where(flip, (seen + 1) % 3, (seen + 2) % 3)
    p = triangles[face, corner]
    q = triangles[face, (corner + 1) % 3]
    rows = np.arange(len(border))
    return (
        np.stack([p[rows, first], p[rows, second]], axis=1),
        np.stack([q[rows, first], q[rows, second]], axis=1),
    )


def _failed_at_vertices(
    faces: np.ndarray,
    patch: np.ndarray,
    on_candidate: np.ndarray,
    angles: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    border: np.ndarray,
    ends: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """(k,) the faces at vertices that break condition 1 or 2 of the module docstring."""
    n = int(faces.max()) + 1
    vertex = faces.ravel().astype(np.int64)
    corner_ok = np.repeat(on_candidate, 3)
    on_border = np.zeros(n, dtype=bool)
    on_border[start[border]] = True
    on_border[end[border]] = True

    # Inside a patch: all of a vertex's edges are shared, so its faces (all in one patch,
    # as they are joined by those edges) chain into cycles; one full turn means one cycle
    # winding once.
    inside = corner_ok & ~on_border[vertex]
    turn = np.bincount(vertex[inside], angles.ravel()[inside], minlength=n)
    bad = np.abs(turn - 2 * np.pi) >= np.pi
    culprits = [np.flatnonzero(inside & bad[vertex]) // 3]

    # On a border, per patch and vertex: the faces make chains, each from a border edge
    # leaving the vertex counter-clockwise to a border edge entering it. (No border edge of
    # this patch: its faces close around the vertex, as inside.)
    rim = np.flatnonzero(corner_ok & on_border[vertex])
    if len(rim) == 0:
        return culprits[0]
    key = patch[rim // 3] * n + vertex[rim]
    order = np.argsort(key)
    key, rim = key[order], rim[order]
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    group_key = key[starts]
    turn = np.add.reduceat(angles.ravel()[rim], starts)
    border_patch = patch[border // 3]
    leaving = np.searchsorted(group_key, border_patch * n + start[border])
    entering = np.searchsorted(group_key, border_patch * n + end[border])
    count_leaving = np.bincount(leaving, minlength=len(starts))
    count_entering = np.bincount(entering, minlength=len(starts))
    closed = (count_leaving == 0) & (count_entering == 0) & (np.abs(turn - 2 * np.pi) < np.pi)
    chains = (count_leaving == count_entering) & (count_leaving > 0)
    # Chains never overlap when, around the vertex, border edges alternate leaving and
    # entering and all the faces together turn less than once (otherwise a chain would have
    # to run past another's ends).
    apart = _alternating(leaving, entering, ends, len(starts))
    fine = closed | (chains & apart & (turn < 2 * np.pi - INTERSECT_SLIT_RAD))
    group = np.cumsum(np.concatenate([[True], key[1:] != key[:-1]])) - 1
    culprits.append(rim[~fine[group]] // 3)
    return np.concatenate(culprits)


def _alternating(
    leaving: np.ndarray, entering: np.ndarray, ends: tuple[np.ndarray, np.ndarray], groups: int
) -> np.ndarray:
    """(groups,) bool: around each vertex, its border edges alternate leaving and entering.

    leaving, entering : (k,) the group of each border half-edge's start and end vertex
    ends : start and end (k, 2) of each border half-edge in its patch's view, mm
    Directions closer than INTERSECT_SLIT_RAD count as not alternating.
    """
    p, q = ends
    out_dir = q - p  # leaving the start vertex
    in_dir = p - q  # from the end vertex back along the edge
    group = np.concatenate([leaving, entering])
    direction = np.concatenate([out_dir, in_dir])
    angle = np.arctan2(direction[:, 1], direction[:, 0])
    is_out = np.concatenate([np.ones(len(leaving), bool), np.zeros(len(entering), bool)])
    order = np.lexsort((angle, group))
    group, angle, is_out = group[order], angle[order], is_out[order]
    same_group = group[1:] == group[:-1]
    broken = same_group & (
        (is_out[1:] == is_out[:-1]) | (angle[1:] - angle[:-1] < INTERSECT_SLIT_RAD)
    )
    ok = np.ones(groups, dtype=bool)
    ok[group[1:][broken]] = False
    # Around the circle: the last and first directions of a group (with one edge each way
    # the two always differ in kind; they must still not coincide).
    first = np.flatnonzero(np.concatenate([[True], ~same_group]))
    last = np.append(first[1:] - 1, len(group) - 1)
    wrap = angle[first] + 2 * np.pi - angle[last] < INTERSECT_SLIT_RAD
    ok[group[first][wrap]] = False
    return ok


def _failed_at_border_edges(
    patch: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    border: np.ndarray,
    ends: tuple[np.ndarray, np.ndarray],
    tol: float,
) -> np.ndarray:
    """(k,) the faces of border edges of one patch that come within tol (condition 3)."""
    culprits = [np.zeros(0, dtype=np.int64)]
    if len(border) < 2:
        return culprits[0]
    p, q = ends
    owner = patch[border // 3]
    boxes = np.empty((len(border), 6), dtype=np.float32)
    boxes[:, :2] = round_down(np.minimum(p, q) - tol)
    boxes[:, 3:5] = round_up(np.maximum(p, q) + tol)
    # The third coordinate keeps patches apart: edges meet only within their own patch.
    boxes[:, 2] = boxes[:, 5] = owner
    codes = morton_codes(0.5 * (p + q))
    order = np.lexsort((codes, owner))
    border_start, border_end = start[border], end[border]
    for a, b in box_tree_pairs(boxes, order):
        # Border edges meeting at a vertex were looked after by condition 2.
        sharing = (
            (border_start[a] == border_start[b])
            | (border_start[a] == border_end[b])
            | (border_end[a] == border_start[b])
            | (border_end[a] == border_end[b])
        )
        keep = ~sharing & (owner[a] == owner[b])
        a, b = a[keep], b[keep]
        close = _segments_within(p[a], q[a], p[b], q[b], tol)
        culprits += [border[a[close]] // 3, border[b[close]] // 3]
    return np.concatenate(culprits)


def _segments_within(
    p1: np.ndarray, q1: np.ndarray, p2: np.ndarray, q2: np.ndarray, tol: float
) -> np.ndarray:
    """(k,) bool: plane segments p1q1 and p2q2 ((k, 2) ends, mm) come within tol."""

    def side(a, b, c):
        return (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])

    crossing = (side(p1, q1, p2) * side(p1, q1, q2) < 0) & (side(p2, q2, p1) * side(p2, q2, q1) < 0)
    gap = np.minimum(
        np.minimum(_point_segment(p1, p2, q2), _point_segment(q1, p2, q2)),
        np.minimum(_point_segment(p2, p1, q1), _point_segment(q2, p1, q1)),
    )
    return crossing | (gap <= tol)


def _point_segment(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(k,) distance from points x to segments ab, all (k, 2), mm."""
    ab = b - a
    length_sq = np.einsum("ij,ij->i", ab, ab)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.clip(np.einsum("ij,ij->i", x - a, ab) / length_sq, 0.0, 1.0)
    t = np.where(length_sq > 0, t, 0.0)
    nearest = a + t[:, None] * ab
    return np.sqrt(np.einsum("ij,ij->i", x - nearest, x - nearest))
