"""Self-intersections: pairs of faces of one mesh whose interiors cross each other.

The search has four stages, each vectorised over many faces or pairs at once:

1. Patches (_patches.py). Faces are grouped into edge-connected patches that, seen along
   one coordinate axis, cover their shadow exactly once; such a patch is the graph of a
   function and cannot cross itself, so no pair inside it is ever looked at. The proof
   needs only the patch's vertices and border edges, never its pairs of faces. This is
   what keeps densely divided flat faces (thousands of coplanar slivers) and finely
   divided curved surfaces cheap: what remains is the seams between patches and parts of
   the surface that come close to other parts.
2. Broad phase (_broad.py). When most faces lie in certified patches, a hierarchy of
   bounding boxes in Morton order is walked level by level, skipping whole subtrees that
   lie inside one patch. Otherwise (triangle soups, meshes of tiny patches) the faces'
   smallest bounding spheres go into scipy's k-d tree, binned into size classes, or into
   the unpruned box hierarchy when a sample predicts too many sphere pairs (walls of long
   slivers). Either way only pairs whose boxes overlap reach the exact test.
3. Plane sides and neighbours (_exact.py, _neighbours.py). Pairs where the second face lies
   on one side of the first one's plane (touching it at most) are dropped first: most of
   what the broad phase hands on. Faces sharing an edge (two vertices) are neighbours and
   never tested (nor are duplicate faces, which share all three: finding those is
   topology's job). Faces sharing one vertex are skipped when that vertex's fan of faces is
   provably embedded: seen along the vertex's normal, every face of the fan turns the same
   way, the fan closes into one cycle and the turning angles add up to one full turn, so
   the faces' projections cannot overlap. Elsewhere (saddles folded over, pinched vertices,
   open borders) the pair goes to the exact test, which handles the shared corner like any
   other point.
4. Narrow phase (_exact.py). An exact triangle–triangle test in the style of Möller (1997):
   plane-side rejection, then the two triangles' intervals on the line where their planes
   meet, and a separating-axis test in 2-D for coplanar pairs.

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

import numpy as np

from ..mesh import Mesh
from ..tolerances import INTERSECT_TOUCH_REL
from ._broad import (
    bounding_spheres,
    box_tree_pairs,
    boxes_overlap,
    estimated_sphere_pairs,
    face_boxes,
    morton_codes,
    size_classes,
    sphere_pairs,
)
from ._exact import face_planes, may_cross, pairs_cross
from ._neighbours import Neighbours
from ._patches import certified_patches

# When at least this share of the faces lies in certified patches, the box hierarchy that
# skips patches is used; below it the broad phase is chosen by face shape.
_PRUNED_SHARE = 0.5
# Above this many sphere pairs per face (estimated), the box hierarchy is used instead of
# spheres. Ordinary meshes give 6-30; a fan of 4,000 slivers gives thousands.
_SPHERE_PAIRS_PER_FACE = 60


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

    geometry = face_planes(triangles, tol)
    if geometry.usable.sum() < 2:
        return _result([], truncated=False)
    n_vertices = len(mesh.vertices)
    patch = certified_patches(triangles, faces, geometry, n_vertices, tol)
    neighbours = Neighbours(faces, geometry, n_vertices)
    normals, offsets = geometry.normals, geometry.offsets

    found: list[np.ndarray] = []
    count = 0
    for a, b in candidate_pairs(triangles, geometry.usable, patch, tol):
        a, b = may_cross(triangles, normals, offsets, a, b, tol)
        a, b = neighbours.drop(a, b)
        if len(a) == 0:
            continue
        hit = pairs_cross(triangles, normals, offsets, a, b, tol)
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
    geometry = face_planes(triangles, tol_mm)
    normals, offsets, usable = geometry.normals, geometry.offsets, geometry.usable
    k = len(tri_a)
    a = np.arange(k)
    b = np.arange(k, 2 * k)
    result = np.zeros(k, dtype=bool)
    ok = usable[a] & usable[b]
    result[ok] = pairs_cross(triangles, normals, offsets, a[ok], b[ok], tol_mm)
    return result


def candidate_pairs(
    triangles: np.ndarray, usable: np.ndarray, patch: np.ndarray, tol: float
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield chunks (a, b) of usable faces whose boxes overlap, never two of one patch.

    triangles : (m, 3, 3) float, mm
    usable : (m,) bool, the faces to pair
    patch : (m,) int, certified patch of each face or -1 (see _patches.py)
    """
    boxes, planes = face_boxes(triangles, tol)
    ids = np.flatnonzero(usable)
    if np.count_nonzero(patch[ids] >= 0) >= _PRUNED_SHARE * len(ids):
        centres = boxes[ids, :3] + boxes[ids, 3:]  # twice the centres: the order is the same
        order = ids[np.argsort(morton_codes(centres), kind="stable")]
        yield from box_tree_pairs(boxes, order, patch, planes)
        return
    # Few faces in patches: the broad phase chosen by face shape, then the patch filter.
    centers, radius = bounding_spheres(triangles, usable)
    classes = size_classes(radius, usable)
    if estimated_sphere_pairs(centers, classes) > _SPHERE_PAIRS_PER_FACE * len(ids):
        centres = boxes[ids, :3] + boxes[ids, 3:]  # twice the centres: the order is the same
        order = ids[np.argsort(morton_codes(centres), kind="stable")]
        yield from box_tree_pairs(boxes, order, patch, planes)
        return
    for a, b in sphere_pairs(centers, radius, classes):
        label = patch[a]
        keep = (label < 0) | (label != patch[b])
        yield boxes_overlap(boxes, a[keep], b[keep])


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
