"""Self-intersections: pairs of faces of one mesh whose interiors cross each other.

The search has three stages, each vectorised over many faces or pairs at once:

1. Broad phase. Every face gets a bounding sphere (centroid, farthest corner). Faces are
   binned by radius into a few size classes (powers of two around the median face) and
   scipy's k-d tree finds the pairs of centroids close enough for their spheres to meet.
   Large classes are cut into slabs along the longest axis so that no single query
   returns more pairs than fit comfortably in memory. Spheres suit faces about as wide as
   they are long; when a sample predicts too many sphere pairs (fans and walls of long
   slivers, as CAD exporters write finely divided cylinders) a hierarchy of bounding
   boxes, walked level by level in numpy, is used instead. Either way pairs whose boxes
   do not overlap are dropped before the exact test.
2. Neighbours. Faces sharing an edge (two vertices) are neighbours and never tested (nor are
   duplicate faces, which share all three: finding those is topology's job). Faces
   sharing one vertex are skipped when that vertex's fan of faces is provably embedded:
   seen along the vertex's normal, every face of the fan turns the same way, the fan closes
   into one cycle and the turning angles add up to one full turn, so the faces' projections
   cannot overlap. Elsewhere (saddles folded over, pinched vertices, open borders) the pair
   goes to the exact test, which handles the shared corner like any other point.
3. Narrow phase. An exact triangle–triangle test in the style of Möller (1997): plane-side
   rejection, then the two triangles' intervals on the line where their planes meet, and a
   separating-axis test in 2-D for coplanar pairs.

What counts as an intersection is "crossing", not "touching": each triangle must have
corners strictly on both sides of the other's plane and the two intervals must overlap by
more than the touch tolerance (tolerances.INTERSECT_TOUCH_REL). Two boxes sharing a face,
a box standing on another, a vertex resting on a face: not intersections. Coplanar faces
count only when their interiors overlap and they face the same way (the surfaces of two
overlapping solids); coplanar faces facing opposite ways are two solids in face contact.
Faces thinner than the tolerance (degenerate ones included) are left out of the search.

A known blind spot of any pair-local "crossing" rule: a surface that crosses another
exactly along one of its own edges (both faces of that edge merely touch the other surface)
is not reported by that edge; in practice the crossing curve continues into faces that
cross properly and the mesh is still reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations, pairwise
from typing import NamedTuple

import numpy as np
from scipy.spatial import cKDTree

from .mesh import Mesh
from .tolerances import (
    DEGENERATE_AREA_MM2,
    INTERSECT_FAN_MIN_COS,
    INTERSECT_TOUCH_REL,
)

# Candidate pairs handled at once by the neighbour filter and the exact test; bounds memory
# at a few hundred bytes per pair.
_CHUNK_PAIRS = 1_000_000
# A k-d tree query covers at most this many faces; larger size classes are cut into slabs.
_SLAB_FACES = 100_000
# Size classes by bounding-sphere radius, in powers of two around the median face: this many
# below it and above it (faces beyond join the extreme classes).
_SMALL_CLASSES = 3
_LARGE_CLASSES = 5
# Neighbouring classes whose largest radii differ by less than this factor are searched as one.
_MERGE_CLASS_RATIO = 1.5
# Above this many sphere pairs per face (estimated), the box hierarchy is used instead.
# Ordinary meshes give 6-30; a fan of 4,000 slivers gives thousands.
_SPHERE_PAIRS_PER_FACE = 60
# Faces sampled per size class to estimate the sphere pairs.
_ESTIMATE_SAMPLE = 20_000
# Faces per leaf of the box hierarchy.
_BUCKET_FACES = 4


@dataclass(frozen=True)
class SelfIntersections:
    """The faces of a mesh whose interiors cross each other.

    face_pairs : (k, 2) int32, each row (a, b) with a < b, rows sorted
    faces : (j,) int32, sorted unique faces appearing in face_pairs
    is_self_intersecting : at least one pair was found
    truncated : the search stopped after max_pairs pairs; more may exist
    """

    face_pairs: np.ndarray
    faces: np.ndarray
    is_self_intersecting: bool
    truncated: bool


def find_self_intersections(mesh: Mesh, max_pairs: int = 100_000) -> SelfIntersections:
    """Find pairs of faces that cross each other (touching and shared edges do not count).

    The touch tolerance is INTERSECT_TOUCH_REL times the larger of the bounding-box diagonal
    and the largest coordinate magnitude (float32 rounding grows away from the origin).
    """
    if max_pairs < 1:
        raise ValueError(f"max_pairs must be at least 1, got {max_pairs}")
    faces = np.asarray(mesh.faces)
    if len(faces) < 2:
        return _result([], truncated=False)
    # np.take gathers rows several times faster than fancy indexing.
    triangles = np.take(np.asarray(mesh.vertices, dtype=np.float64), faces, axis=0)
    lo, hi = mesh.bounds
    size = max(float(np.linalg.norm(hi - lo)), float(np.abs(mesh.bounds).max()))
    tol = INTERSECT_TOUCH_REL * size
    if tol == 0.0:
        return _result([], truncated=False)

    geometry = _face_planes(triangles, tol)
    if geometry.usable.sum() < 2:
        return _result([], truncated=False)
    fan_is_embedded = _embedded_fans(geometry, faces, len(mesh.vertices))
    geometry = geometry._replace(edges=[])  # not needed any more; frees 72 bytes a face
    normals, offsets = geometry.normals, geometry.offsets

    found: list[np.ndarray] = []
    count = 0
    boxes = _LazyBoxes(triangles, tol)  # a clean mesh often never needs them
    for a, b in _candidate_pairs(triangles, boxes, geometry.usable):
        a, b = _drop_neighbours(faces, fan_is_embedded, a, b)
        if len(a) == 0:
            continue
        a, b = _boxes_overlap(boxes.get(), a, b)
        if len(a) == 0:
            continue
        hit = _pairs_cross(triangles, normals, offsets, a, b, tol)
        if hit.any():
            found.append(np.stack([a[hit], b[hit]], axis=1))
            count += int(hit.sum())
            if count >= max_pairs:
                return _result(found, truncated=True, limit=max_pairs)
    return _result(found, truncated=False)


def triangles_cross(tri_a: np.ndarray, tri_b: np.ndarray, tol_mm: float) -> np.ndarray:
    """Whether each triangle of tri_a crosses the matching one of tri_b.

    tri_a, tri_b : (k, 3, 3) float, mm
    tol_mm : distances and overlaps at or below this count as touching
    Returns (k,) bool. Triangles thinner than tol_mm never cross anything.
    """
    tri_a = np.asarray(tri_a, dtype=np.float64).reshape(-1, 3, 3)
    tri_b = np.asarray(tri_b, dtype=np.float64).reshape(-1, 3, 3)
    triangles = np.concatenate([tri_a, tri_b])
    geometry = _face_planes(triangles, tol_mm)
    normals, offsets, usable = geometry.normals, geometry.offsets, geometry.usable
    k = len(tri_a)
    a = np.arange(k)
    b = np.arange(k, 2 * k)
    result = np.zeros(k, dtype=bool)
    ok = usable[a] & usable[b]
    result[ok] = _pairs_cross(triangles, normals, offsets, a[ok], b[ok], tol_mm)
    return result


def _result(found: list[np.ndarray], truncated: bool, limit: int | None = None):
    if found:
        pairs = np.concatenate(found).astype(np.int32)
        pairs = np.sort(pairs, axis=1)
        pairs = np.unique(pairs, axis=0)
        if limit is not None:
            pairs = pairs[:limit]
    else:
        pairs = np.zeros((0, 2), dtype=np.int32)
    faces = np.unique(pairs).astype(np.int32)
    return SelfIntersections(
        face_pairs=pairs,
        faces=faces,
        is_self_intersecting=len(pairs) > 0,
        truncated=truncated,
    )


class _Faces(NamedTuple):
    """Per-face quantities shared by every stage."""

    edges: list[np.ndarray]  # edges[k] : (m, 3) from corner k to corner k + 1, mm
    double_area: np.ndarray  # (m,) mm²
    normals: np.ndarray  # (m, 3) unit, zero where not usable
    offsets: np.ndarray  # (m,) mm, normal . corner 0
    usable: np.ndarray  # (m,) bool: thick enough to have a reliable plane


def _face_planes(triangles: np.ndarray, tol: float) -> _Faces:
    """Edges, areas, unit normals, plane offsets and a mask of faces thick enough to test."""
    edges = [triangles[:, (k + 1) % 3] - triangles[:, k] for k in range(3)]
    cross = _cross(edges[0], -edges[2])
    double_area = np.sqrt(_rowdot(cross, cross))
    longest = np.sqrt(
        np.maximum(np.maximum(*[_rowdot(e, e) for e in edges[:2]]), _rowdot(*2 * [edges[2]]))
    )
    # A sliver whose height is within the touch tolerance has no reliable plane: it can only
    # ever "touch" things, so it is left out rather than allowed to report noise.
    with np.errstate(divide="ignore", invalid="ignore"):
        height = np.where(longest > 0, double_area / longest, 0.0)
        usable = (0.5 * double_area > DEGENERATE_AREA_MM2) & (height > tol)
        normals = cross / double_area[:, None]
    normals[~usable] = 0.0
    offsets = _rowdot(normals, triangles[:, 0])
    return _Faces(edges, double_area, normals, offsets, usable)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(k, 3) row-wise cross product (np.cross is several times slower on long arrays)."""
    out = np.empty_like(a)
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out


def _embedded_fans(geometry: _Faces, faces: np.ndarray, n: int) -> np.ndarray:
    """(n,) bool: vertices whose faces provably do not cross each other.

    Seen along the vertex's (area-weighted) normal, each face of the fan spans a wedge at
    the vertex. If every wedge turns counter-clockwise, the wedges chain into closed
    cycles (each edge leaving the vertex is also an edge entering it) and the angles sum to
    one full turn, the wedges tile the plane exactly once: no two faces of the fan overlap
    in projection, so none can cross another.
    """
    edges, double_area, normals = geometry.edges, geometry.double_area, geometry.normals
    # Per corner k, the vertex it sits on (intp: bincount would convert int32 every call).
    corners = [faces[:, k].astype(np.intp) for k in range(3)]
    weighted = normals * double_area[:, None]
    axis = np.zeros((n, 3))
    for corner in corners:
        for i in range(3):
            axis[:, i] += np.bincount(corner, weighted[:, i], minlength=n)
    del weighted
    length = np.sqrt(_rowdot(axis, axis))
    with np.errstate(divide="ignore", invalid="ignore"):
        axis /= length[:, None]

    bad_count = np.zeros(n)
    turn = np.zeros(n)
    balance = np.zeros(n)
    # Edges leaving and entering each vertex must be the same multiset for the wedges to
    # chain into cycles; compare random fingerprints of both multisets.
    fingerprint = np.random.default_rng(0x5E1F).random(n)
    for k, corner in enumerate(corners):
        a = np.take(axis, corner, axis=0)
        u = edges[k]  # towards the next corner
        w = edges[(k + 2) % 3]  # from the previous corner: minus the way towards it
        facing = _rowdot(normals, a)
        bad_count += np.bincount(corner, ~(facing > INTERSECT_FAN_MIN_COS), minlength=n)
        # Turning angle of the wedge from u to -w in the plane normal to the axis; u x -w is
        # the face's own double-area normal.
        cos_part = _rowdot(u, a) * _rowdot(w, a) - _rowdot(u, w)
        turn += np.bincount(corner, np.arctan2(double_area * facing, cos_part), minlength=n)
        after = np.take(fingerprint, faces[:, (k + 1) % 3])
        before = np.take(fingerprint, faces[:, (k + 2) % 3])
        balance += np.bincount(corner, after - before, minlength=n)
    return (
        (bad_count == 0)
        & (length > 0)
        & (np.abs(balance) < 1e-9)
        & (np.abs(turn - 2 * np.pi) < 0.5 * np.pi)
    )


def _rowdot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(k,) row-wise dot product of two (k, 3) arrays."""
    return np.einsum("ij,ij->i", x, y)


def _candidate_pairs(
    triangles: np.ndarray, boxes: _LazyBoxes, usable: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield chunks (a, b) of face indices whose bounding volumes may meet.

    Bounding spheres in a k-d tree are fastest for ordinary meshes, where faces are about
    as wide as they are long. Long slivers (finely divided CAD cylinders, fans) have huge
    spheres that all meet each other; there a box hierarchy is used instead.
    """
    centers, radius = _bounding_spheres(triangles, usable)
    classes = _size_classes(radius, usable)
    ids = np.flatnonzero(usable)
    if _estimated_sphere_pairs(centers, classes) > _SPHERE_PAIRS_PER_FACE * len(ids):
        yield from _box_tree_pairs(boxes.get(), ids)
    else:
        yield from _sphere_pairs(centers, radius, classes)


def _bounding_spheres(triangles: np.ndarray, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest enclosing sphere of each face: centres (m, 3) mm and radii (m,) mm.

    Acute faces: the circumscribed sphere. Right and obtuse ones: the sphere on the longest
    edge. For slivers and right triangles this is much smaller than a sphere around the
    centroid, and pairs grow with the square of the radius.
    """
    a, b, c = triangles[:, 0], triangles[:, 1], triangles[:, 2]
    # Squared edge lengths opposite each corner.
    la, lb, lc = (_rowdot(*2 * [q - p]) for p, q in ((b, c), (a, c), (a, b)))
    # Barycentric weights of the circumcentre; a weight <= 0 marks a right or obtuse corner,
    # whose sphere is the one on the opposite edge: weights 0 there and 1 at its ends.
    wa, wb, wc = la * (lb + lc - la), lb * (la + lc - lb), lc * (la + lb - lc)
    flat = (wa <= 0) | (wb <= 0) | (wc <= 0) | ~usable
    longest_a = (la >= lb) & (la >= lc)
    longest_b = ~longest_a & (lb >= lc)
    longest_c = ~longest_a & ~longest_b
    wa = np.where(flat, ~longest_a, wa)
    wb = np.where(flat, ~longest_b, wb)
    wc = np.where(flat, ~longest_c, wc)
    total = wa + wb + wc
    centers = (wa[:, None] * a + wb[:, None] * b + wc[:, None] * c) / total[:, None]
    # Radii measured, not derived, so that rounding can only err on the safe side.
    radius_sq = _rowdot(*2 * [a - centers])
    for corner in (b, c):
        np.maximum(radius_sq, _rowdot(*2 * [corner - centers]), out=radius_sq)
    return centers, np.sqrt(radius_sq) * (1 + 1e-9)


def _size_classes(radius: np.ndarray, usable: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """Faces grouped by bounding-sphere radius: [(radius bound, face ids)], largest first."""
    ids = np.flatnonzero(usable)
    # Faces are grouped by powers of two of their radius around the median face (faces
    # beyond a few powers join the extreme groups); each class's bound is its own largest
    # radius, and classes whose bounds differ little are merged. Largest class first.
    base = float(np.median(radius[ids]))
    with np.errstate(divide="ignore"):
        level = np.ceil(np.log2(np.maximum(radius[ids], 1e-300) / base))
    level = np.clip(level, -_SMALL_CLASSES, _LARGE_CLASSES).astype(np.int64)
    classes: list[tuple[float, np.ndarray]] = []
    for k in range(_LARGE_CLASSES, -_SMALL_CLASSES - 1, -1):
        members = ids[level == k]
        if len(members) == 0:
            continue
        bound = float(radius[members].max())
        if classes and bound * _MERGE_CLASS_RATIO >= classes[-1][0]:
            classes[-1] = (classes[-1][0], np.concatenate([classes[-1][1], members]))
        else:
            classes.append((bound, members))
    return classes


def _estimated_sphere_pairs(centers: np.ndarray, classes: list) -> float:
    """About how many pairs the sphere broad phase would produce (from a sample per class)."""
    rng = np.random.default_rng(0)
    total = 0.0
    for bound, members in classes:
        sample = members
        if len(members) > _ESTIMATE_SAMPLE:
            sample = rng.choice(members, _ESTIMATE_SAMPLE, replace=False)
        tree = cKDTree(centers[sample])
        # count_neighbors counts ordered pairs, and each point with itself.
        found = (tree.count_neighbors(tree, 2 * bound) - len(sample)) / 2
        total += found * (len(members) / len(sample)) ** 2
    return total


def _sphere_pairs(
    centers: np.ndarray, radius: np.ndarray, classes: list
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs of faces whose bounding spheres meet, class by class and across classes."""
    ids = np.concatenate([members for _, members in classes])
    top = max(bound for bound, _ in classes)
    # Widen the search by a hair so that rounding in the tree never drops a touching pair.
    pad = 1e-9 * top
    axis = int(np.argmax(np.ptp(centers[ids], axis=0)))

    # Each class is cut into slabs with one k-d tree each, kept for the queries across classes.
    slabbed = []
    for bound, members in classes:
        reach = 2 * bound + pad
        slabs = _slabs(centers, members, reach, axis)
        trees = [_tree(centers[slab]) for slab in slabs]
        slabbed.append((slabs, trees))
        for a, b in _pairs_within(centers, slabs, trees, reach, axis):
            yield from _chunks(a, b)
    for i, j in combinations(range(len(classes)), 2):
        reach = classes[i][0] + classes[j][0] + pad
        # Query the slabs of the larger class against one tree over the smaller one.
        big, small = (i, j) if len(classes[i][1]) >= len(classes[j][1]) else (j, i)
        small_members = classes[small][1]
        small_slabs, small_trees = slabbed[small]
        small_tree = small_trees[0] if len(small_slabs) == 1 else _tree(centers[small_members])
        small_members = small_slabs[0] if len(small_slabs) == 1 else small_members
        for slab, tree in zip(*slabbed[big], strict=True):
            hits = tree.sparse_distance_matrix(small_tree, reach, output_type="ndarray")
            a, b = slab[hits["i"]], small_members[hits["j"]]
            close = hits["v"] <= radius[a] + radius[b] + pad
            yield from _chunks(a[close], b[close])


def _tree(points: np.ndarray) -> cKDTree:
    # Unbalanced, uncompacted trees build faster and query about as fast here.
    return cKDTree(points, balanced_tree=False, compact_nodes=False)


def _slabs(centers: np.ndarray, members: np.ndarray, reach: float, axis: int) -> list[np.ndarray]:
    """Cut members into runs along one axis, each run wider than reach (except the last)."""
    order = members[np.argsort(centers[members, axis], kind="stable")]
    if len(order) <= _SLAB_FACES:
        return [order]
    x = centers[order, axis]
    cuts = [0]
    for start in range(_SLAB_FACES, len(order), _SLAB_FACES):
        if x[start] - x[cuts[-1]] > reach:
            cuts.append(start)
    cuts.append(len(order))
    return [order[s:e] for s, e in pairwise(cuts)]


def _pairs_within(
    centers: np.ndarray, slabs: list, trees: list, reach: float, axis: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs of faces of one class whose centers are within reach, slab by slab."""
    for k, (slab, tree) in enumerate(zip(slabs, trees, strict=True)):
        pairs = tree.query_pairs(reach, output_type="ndarray")
        yield slab[pairs[:, 0]], slab[pairs[:, 1]]
        if k + 1 < len(slabs):
            # Slabs are wider than reach, so a close pair straddles at most one boundary and
            # both of its faces lie within reach of it.
            nxt = slabs[k + 1]
            boundary = centers[nxt[0], axis]
            left = slab[centers[slab, axis] >= boundary - reach]
            right = nxt[centers[nxt, axis] < boundary + reach]
            if len(left) and len(right):
                hits = _tree(centers[left]).sparse_distance_matrix(
                    _tree(centers[right]), reach, output_type="ndarray"
                )
                yield left[hits["i"]], right[hits["j"]]


def _box_tree_pairs(boxes: np.ndarray, ids: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs of faces whose boxes overlap, by walking a box hierarchy against itself.

    Faces are put in Morton order of their box centres and grouped into buckets of
    _BUCKET_FACES; a complete binary tree over the buckets holds every node's box, level by
    level. Node pairs are expanded a level at a time, all at once, keeping those whose
    boxes overlap; large frontiers are split and walked depth-first to bound memory.
    """
    order = ids[_morton_order(0.5 * (boxes[ids, :3] + boxes[ids, 3:]))]
    buckets = -(-len(order) // _BUCKET_FACES)
    depth = max(0, int(np.ceil(np.log2(buckets))))
    # Padding faces get empty boxes (min > max) that overlap nothing.
    leaf = np.empty(((2**depth) * _BUCKET_FACES, 6), dtype=np.float32)
    leaf[:, :3], leaf[:, 3:] = np.inf, -np.inf
    leaf[: len(order)] = boxes[order]
    levels = [_merge_boxes(leaf.reshape(-1, _BUCKET_FACES, 6))]
    while len(levels[-1]) > 1:
        levels.append(_merge_boxes(levels[-1].reshape(-1, 2, 6)))
    levels.reverse()  # levels[d] : the 2**d node boxes at depth d

    inner = np.arange(_BUCKET_FACES)
    across_i, across_j = (g.ravel() for g in np.meshgrid(inner, inner, indexing="ij"))
    upper = across_i < across_j
    within_i, within_j = across_i[upper], across_j[upper]
    per_chunk = max(1, _CHUNK_PAIRS // _BUCKET_FACES**2)
    empty = np.zeros(0, dtype=np.int64)
    stack = [(0, empty, empty, np.zeros(1, dtype=np.int64))]
    while stack:
        d, a, b, same = stack.pop()
        if d == depth:
            # Face pairs between two overlapping buckets, and within each bucket.
            for start in range(0, max(len(a), len(same)), per_chunk):
                part_a = a[start : start + per_chunk, None] * _BUCKET_FACES
                part_b = b[start : start + per_chunk, None] * _BUCKET_FACES
                part_s = same[start : start + per_chunk, None] * _BUCKET_FACES
                fa = np.concatenate([(part_a + across_i).ravel(), (part_s + within_i).ravel()])
                fb = np.concatenate([(part_b + across_j).ravel(), (part_s + within_j).ravel()])
                keep = _overlap(leaf, fa, fb)
                yield order[fa[keep]], order[fb[keep]]
            continue
        child_a = np.concatenate([2 * a, 2 * a, 2 * a + 1, 2 * a + 1, 2 * same])
        child_b = np.concatenate([2 * b, 2 * b + 1, 2 * b, 2 * b + 1, 2 * same + 1])
        keep = _overlap(levels[d + 1], child_a, child_b)
        child_a, child_b = child_a[keep], child_b[keep]
        same = np.concatenate([2 * same, 2 * same + 1])
        same = same[levels[d + 1][same, 0] <= levels[d + 1][same, 3]]  # non-empty nodes
        if len(child_a) + len(same) > _CHUNK_PAIRS and d + 1 < depth:
            half_a, half_s = len(child_a) // 2, len(same) // 2
            stack.append((d + 1, child_a[:half_a], child_b[:half_a], same[:half_s]))
            stack.append((d + 1, child_a[half_a:], child_b[half_a:], same[half_s:]))
        else:
            stack.append((d + 1, child_a, child_b, same))


def _merge_boxes(grouped: np.ndarray) -> np.ndarray:
    """(k, g, 6) boxes in groups of g → (k, 6) boxes around each group."""
    return np.concatenate([grouped[:, :, :3].min(axis=1), grouped[:, :, 3:].max(axis=1)], axis=1)


def _overlap(boxes: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(k,) bool: boxes[a] and boxes[b] overlap (touching counts)."""
    box_a = np.take(boxes, a, axis=0)
    box_b = np.take(boxes, b, axis=0)
    return (
        (box_a[:, 0] <= box_b[:, 3])
        & (box_a[:, 1] <= box_b[:, 4])
        & (box_a[:, 2] <= box_b[:, 5])
        & (box_b[:, 0] <= box_a[:, 3])
        & (box_b[:, 1] <= box_a[:, 4])
        & (box_b[:, 2] <= box_a[:, 5])
    )


def _morton_order(points: np.ndarray) -> np.ndarray:
    """Indices sorting points along a Z-order curve (21 bits per axis)."""
    lo = points.min(axis=0)
    span = float((points.max(axis=0) - lo).max()) or 1.0
    cells = np.clip((points - lo) / span * (2**21 - 1), 0, 2**21 - 1).astype(np.uint64)
    code = np.zeros(len(points), dtype=np.uint64)
    for axis in range(3):
        x = cells[:, axis]
        # Spread the 21 bits apart, two zero bits after each.
        x = (x | (x << np.uint64(32))) & np.uint64(0x1F00000000FFFF)
        x = (x | (x << np.uint64(16))) & np.uint64(0x1F0000FF0000FF)
        x = (x | (x << np.uint64(8))) & np.uint64(0x100F00F00F00F00F)
        x = (x | (x << np.uint64(4))) & np.uint64(0x10C30C30C30C30C3)
        x = (x | (x << np.uint64(2))) & np.uint64(0x1249249249249249)
        code |= x << np.uint64(axis)
    return np.argsort(code, kind="stable")


def _chunks(a: np.ndarray, b: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, len(a), _CHUNK_PAIRS):
        yield a[start : start + _CHUNK_PAIRS], b[start : start + _CHUNK_PAIRS]


class _LazyBoxes:
    """The face boxes, computed on first use."""

    def __init__(self, triangles: np.ndarray, tol: float):
        self.triangles, self.tol, self.boxes = triangles, tol, None

    def get(self) -> np.ndarray:
        if self.boxes is None:
            self.boxes = _boxes(self.triangles, self.tol)
        return self.boxes


def _boxes(triangles: np.ndarray, tol: float) -> np.ndarray:
    """(m, 6) float32 bounding boxes (min xyz, max xyz), grown by tol and rounded outwards."""
    lo = np.minimum(np.minimum(triangles[:, 0], triangles[:, 1]), triangles[:, 2]) - tol
    hi = np.maximum(np.maximum(triangles[:, 0], triangles[:, 1]), triangles[:, 2]) + tol
    lo32 = lo.astype(np.float32)
    hi32 = hi.astype(np.float32)
    lo32 = np.where(lo32 > lo, np.nextafter(lo32, np.float32(-np.inf)), lo32)
    hi32 = np.where(hi32 < hi, np.nextafter(hi32, np.float32(np.inf)), hi32)
    return np.concatenate([lo32, hi32], axis=1)


def _boxes_overlap(
    boxes: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the pairs whose bounding boxes overlap: far tighter than spheres for slivers."""
    keep = _overlap(boxes, a, b)
    return a[keep], b[keep]


def _drop_neighbours(
    faces: np.ndarray, fan_is_embedded: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Remove pairs sharing an edge, and pairs sharing one vertex whose fan is embedded."""
    fa = np.take(faces, a, axis=0)
    fb = np.take(faces, b, axis=0)
    b0, b1, b2 = fb[:, 0], fb[:, 1], fb[:, 2]
    corner = [fa[:, k] for k in range(3)]
    in_b = [(c == b0) | (c == b1) | (c == b2) for c in corner]
    shared = in_b[0].view(np.int8) + in_b[1].view(np.int8) + in_b[2].view(np.int8)
    one = shared == 1
    # With exactly one corner shared, this picks that corner's vertex.
    shared_vertex = np.where(in_b[0], corner[0], np.where(in_b[1], corner[1], corner[2]))
    keep = (shared == 0) | (one & ~fan_is_embedded[np.where(one, shared_vertex, 0)])
    return a[keep], b[keep]


def _pairs_cross(
    triangles: np.ndarray,
    normals: np.ndarray,
    offsets: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    tol: float,
) -> np.ndarray:
    """(k,) bool: whether face a[i] crosses face b[i] (exact test, see module docstring)."""
    result = np.zeros(len(a), dtype=bool)
    tri_b = np.take(triangles, b, axis=0)
    # Signed distances of b's corners to a's plane; most pairs end here.
    dist_b = np.einsum("ijk,ik->ij", tri_b, np.take(normals, a, axis=0)) - offsets[a][:, None]
    d0, d1, d2 = dist_b[:, 0], dist_b[:, 1], dist_b[:, 2]
    b_above = (d0 > tol) | (d1 > tol) | (d2 > tol)
    b_below = (d0 < -tol) | (d1 < -tol) | (d2 < -tol)
    b_flat = ~b_above & ~b_below
    live = (b_above & b_below) | b_flat
    idx = np.flatnonzero(live)
    if len(idx) == 0:
        return result
    a, b, tri_b, dist_b, b_flat = a[idx], b[idx], tri_b[idx], dist_b[idx], b_flat[idx]
    dist_b[np.abs(dist_b) <= tol] = 0.0
    tri_a = np.take(triangles, a, axis=0)
    dist_a = np.einsum("ijk,ik->ij", tri_a, np.take(normals, b, axis=0)) - offsets[b][:, None]
    dist_a[np.abs(dist_a) <= tol] = 0.0
    a_above = (dist_a[:, 0] > 0) | (dist_a[:, 1] > 0) | (dist_a[:, 2] > 0)
    a_below = (dist_a[:, 0] < 0) | (dist_a[:, 1] < 0) | (dist_a[:, 2] < 0)
    a_flat = ~a_above & ~a_below

    coplanar = b_flat | a_flat
    straddle = ~coplanar & a_above & a_below
    if straddle.any():
        s = np.flatnonzero(straddle)
        result[idx[s]] = _intervals_overlap(
            tri_a[s], dist_a[s], tri_b[s], dist_b[s], normals[a[s]], normals[b[s]], tol
        )
    if coplanar.any():
        c = np.flatnonzero(coplanar)
        result[idx[c]] = _coplanar_overlap(tri_a[c], tri_b[c], normals[a[c]], normals[b[c]], tol)
    return result


def _intervals_overlap(
    tri_a: np.ndarray,
    dist_a: np.ndarray,
    tri_b: np.ndarray,
    dist_b: np.ndarray,
    normal_a: np.ndarray,
    normal_b: np.ndarray,
    tol: float,
) -> np.ndarray:
    """Both triangles straddle the other's plane: do their pieces of the common line overlap?"""
    direction = np.cross(normal_a, normal_b)
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    lo_a, hi_a = _interval_on_line(tri_a, dist_a, direction)
    lo_b, hi_b = _interval_on_line(tri_b, dist_b, direction)
    return np.minimum(hi_a, hi_b) - np.maximum(lo_a, lo_b) > tol


def _interval_on_line(
    tri: np.ndarray, dist: np.ndarray, direction: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where a triangle meets the other plane, as an interval of positions along direction."""
    along = np.einsum("ijk,ik->ij", tri, direction)
    lo = np.full(len(tri), np.inf)
    hi = np.full(len(tri), -np.inf)
    for i, j in ((0, 1), (1, 2), (2, 0)):
        di, dj = dist[:, i], dist[:, j]
        crosses = di * dj < 0
        with np.errstate(divide="ignore", invalid="ignore"):
            t = along[:, i] + (along[:, j] - along[:, i]) * (di / (di - dj))
        lo = np.where(crosses, np.minimum(lo, t), lo)
        hi = np.where(crosses, np.maximum(hi, t), hi)
    on_plane = dist == 0
    lo = np.minimum(lo, np.where(on_plane, along, np.inf).min(axis=1))
    hi = np.maximum(hi, np.where(on_plane, along, -np.inf).max(axis=1))
    return lo, hi


def _coplanar_overlap(
    tri_a: np.ndarray, tri_b: np.ndarray, normal_a: np.ndarray, normal_b: np.ndarray, tol: float
) -> np.ndarray:
    """Coplanar pairs: interiors overlap by more than tol and the faces face the same way."""
    result = np.zeros(len(tri_a), dtype=bool)
    # Faces turned opposite ways are two solids in contact, whatever their overlap.
    live = np.flatnonzero(_rowdot(normal_a, normal_b) > 0)
    if len(live) == 0:
        return result
    tri_a, tri_b, normal_a = tri_a[live], tri_b[live], normal_a[live]
    # Coordinates in the plane of a, in an orthonormal frame so that lengths stay in mm.
    u = tri_a[:, 1] - tri_a[:, 0]
    u /= np.sqrt(_rowdot(u, u))[:, None]
    v = _cross(normal_a, u)
    origin = tri_a[:, 0]
    xs, ys = [], []
    for tri in (tri_a, tri_b):
        for j in range(3):
            offset = tri[:, j] - origin
            xs.append(_rowdot(offset, u))
            ys.append(_rowdot(offset, v))
    # Separating axes: the normals of the six edges. Pairs drop out as soon as one separates
    # them by more than -tol (touching counts as separated).
    for first in (0, 3):
        for i in range(3):
            j = first + i
            k = first + (i + 1) % 3
            nx, ny = ys[j] - ys[k], xs[k] - xs[j]
            reach = tol * np.sqrt(nx * nx + ny * ny)
            proj = [x * nx + y * ny for x, y in zip(xs, ys, strict=True)]
            lo_a = np.minimum(np.minimum(proj[0], proj[1]), proj[2])
            hi_a = np.maximum(np.maximum(proj[0], proj[1]), proj[2])
            lo_b = np.minimum(np.minimum(proj[3], proj[4]), proj[5])
            hi_b = np.maximum(np.maximum(proj[3], proj[4]), proj[5])
            keep = (lo_b - hi_a < -reach) & (lo_a - hi_b < -reach)
            live = live[keep]
            xs = [x[keep] for x in xs]
            ys = [y[keep] for y in ys]
            if len(live) == 0:
                return result
    result[live] = True
    return result
