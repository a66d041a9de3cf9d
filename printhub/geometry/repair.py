"""Repair what can be repaired, body by body, and say what was done.

The steps, cheapest first, each applied only where the analysis found a need:

1. merge vertices closer than REPAIR_MERGE_MM (exporters that round differently
   leave cracks of a few nanometres);
2. drop degenerate and duplicate faces;
3. make the winding of each shell consistent and pointing outwards (cavities,
   shells inside shells, point inwards);
4. rebuild shells that are still open, non-manifold or self-intersecting with
   MeshFix (pymeshfix), one shell at a time: given several, MeshFix keeps only
   the largest, and a model's separate parts are all wanted;
5. merge shells that overlap each other into one solid with manifold3d's
   boolean union, which is exact where MeshFix would cut the overlap away.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components
from scipy.spatial import cKDTree

from . import tolerances as tol
from .errors import RepairError
from .measure import degenerate_area_faces, face_measures
from .mesh import Mesh
from .topology import (
    degenerate_index_faces,
    duplicate_faces,
    edge_report,
    face_components,
    weld,
)


@dataclass
class RepairReport:
    """What `repair` changed (counts) and what it could not fix.

    changes : code → count, e.g. {"merged_vertices": 12, "flipped_faces": 3}
    unrepaired : codes of problems that remain, with a short reason each
    """

    changes: dict[str, int] = field(default_factory=dict)
    unrepaired: dict[str, str] = field(default_factory=dict)
    bodies_before: int = 0
    bodies_after: int = 0

    def count(self, code: str, amount: int) -> None:
        if amount:
            self.changes[code] = self.changes.get(code, 0) + int(amount)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def to_dict(self) -> dict:
        return {
            "changes": dict(self.changes),
            "unrepaired": dict(self.unrepaired),
            "bodies_before": self.bodies_before,
            "bodies_after": self.bodies_after,
            "changed": self.changed,
        }


def merge_close_vertices(mesh: Mesh, distance: float = tol.REPAIR_MERGE_MM) -> tuple[Mesh, int]:
    """Merge vertices within `distance` of each other; returns the mesh and how many merged."""
    if len(mesh.vertices) < 2:
        return mesh, 0
    pairs = cKDTree(mesh.vertices).query_pairs(distance, output_type="ndarray")
    if len(pairs) == 0:
        return mesh, 0
    n = len(mesh.vertices)
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), (n, n))
    count, labels = connected_components(graph, directed=False)
    # Each cluster becomes its first vertex's position.
    first = np.full(count, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    merged = Mesh(mesh.vertices[first], labels[mesh.faces].astype(np.int32))
    return merged, n - count


def _drop_faces(mesh: Mesh, drop: np.ndarray) -> Mesh:
    keep = np.ones(len(mesh.faces), dtype=bool)
    keep[drop] = False
    return Mesh(mesh.vertices, mesh.faces[keep])


def _face_pairs_across_edges(faces: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of faces sharing an edge used by exactly two faces.

    Returns (face_a, face_b, same_direction): same_direction is True when both
    faces walk the shared edge the same way, i.e. one of them is flipped.
    """
    m = len(faces)
    n = np.int64(faces.max() + 1 if m else 1)
    start = faces.ravel().astype(np.int64)
    end = faces[:, [1, 2, 0]].ravel().astype(np.int64)
    face = np.repeat(np.arange(m), 3)
    key = np.minimum(start, end) * n + np.maximum(start, end)
    order = np.argsort(key, kind="stable")
    key = key[order]
    boundaries = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1], [True])))
    counts = np.diff(boundaries)
    pair_start = boundaries[:-1][counts == 2]
    a, b = order[pair_start], order[pair_start + 1]
    same_direction = start[a] == start[b]
    return face[a], face[b], same_direction


def edge_shells(faces: np.ndarray) -> tuple[int, np.ndarray]:
    """Shells as surfaces: faces connected through shared edges, not mere corners.

    Two solids touching at one vertex are two shells here (one body for
    `topology.face_components`); repair treats them one at a time.
    """
    m = len(faces)
    a, b, _ = _face_pairs_across_edges(faces)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(m, m))
    return connected_components(graph, directed=False)


def orient_consistently(faces: np.ndarray) -> tuple[np.ndarray, int]:
    """Flip faces so that neighbours agree on the winding, shell by shell.

    The winding most faces of a shell have is kept. Returns (faces, how many were
    flipped). A breadth-first tree spans each shell; a face is
    flipped when the edges on its path to the root ask for an odd number of flips.
    """
    m = len(faces)
    a, b, flip_edge = _face_pairs_across_edges(faces)
    if not flip_edge.any():
        return faces, 0
    pairs, first = np.unique(np.sort(np.stack([a, b], axis=1), axis=1), axis=0, return_index=True)
    marks = flip_edge[first].astype(np.int8) + 1  # 1: the faces agree, 2: one must flip
    # A virtual root (node m) joins every shell so that one search spans them all.
    count, labels = connected_components(
        coo_matrix((marks, (pairs[:, 0], pairs[:, 1])), shape=(m, m)), directed=False
    )
    shell_roots = np.unique(labels, return_index=True)[1]
    rows = np.concatenate([pairs[:, 0], pairs[:, 1], np.full(count, m), shell_roots])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0], shell_roots, np.full(count, m)])
    values = np.concatenate([marks, marks, np.ones(2 * count, dtype=np.int8)])
    graph = coo_matrix((values, (rows, cols)), shape=(m + 1, m + 1)).tocsr()
    _, predecessors = breadth_first_order(graph, m, directed=True)
    parent = np.where(predecessors < 0, np.arange(m + 1), predecessors)
    mark = np.asarray(graph[np.arange(m + 1), parent]).ravel() == 2
    # Pointer doubling: mark[i] covers the path from i up to (not including) up[i].
    up = parent
    while True:
        next_up = up[up]
        if np.array_equal(next_up, up):
            break
        mark ^= mark[up]
        up = next_up
    flip = mark[:m]
    # Keep the winding most of each shell already has: flip the minority, not the majority
    # (orient_outwards then turns whole shells that point inwards).
    flipped_per_shell = np.bincount(labels, weights=flip, minlength=count)
    size_per_shell = np.bincount(labels, minlength=count)
    flip = flip ^ (flipped_per_shell * 2 > size_per_shell)[labels]
    fixed = faces.copy()
    fixed[flip] = fixed[flip][:, ::-1]
    return fixed, int(flip.sum())


def _winding_number(point: np.ndarray, triangles: np.ndarray) -> float:
    """Generalised winding number of a closed surface around a point (about ±1 inside).

    triangles : (m, 3, 3) float64, mm. Van Oosterom–Strackee solid angles.
    """
    a, b, c = (triangles[:, i] - point for i in range(3))
    la, lb, lc = (np.linalg.norm(v, axis=1) for v in (a, b, c))
    numerator = np.einsum("ij,ij->i", a, np.cross(b, c))
    denominator = (
        la * lb * lc
        + np.einsum("ij,ij->i", a, b) * lc
        + np.einsum("ij,ij->i", b, c) * la
        + np.einsum("ij,ij->i", c, a) * lb
    )
    return float(np.sum(np.arctan2(numerator, denominator)) / (2 * np.pi))


def orient_outwards(mesh: Mesh, labels: np.ndarray, count: int) -> tuple[Mesh, int]:
    """Flip whole shells so each encloses positive volume, or negative when it is a cavity.

    A shell nested inside an odd number of other shells is a cavity. Returns the
    mesh and the number of shells flipped.
    """
    measures = face_measures(mesh)
    volumes = np.bincount(labels, weights=measures.signed_volume_mm3, minlength=count)
    faces = mesh.faces.copy()
    flipped = 0
    triangles_of = {}
    for body in range(count):
        depth = 0
        if count > 1:
            point = mesh.vertices[mesh.faces[np.flatnonzero(labels == body)[0], 0]]
            point = point.astype(np.float64)
            for other in range(count):
                if other == body:
                    continue
                if other not in triangles_of:
                    tri = mesh.vertices[mesh.faces[labels == other]].astype(np.float64)
                    triangles_of[other] = tri
                tri = triangles_of[other]
                lo, hi = tri.reshape(-1, 3).min(axis=0), tri.reshape(-1, 3).max(axis=0)
                if np.any(point < lo) or np.any(point > hi):
                    continue
                if abs(_winding_number(point, tri)) > 0.5:
                    depth += 1
        wants_positive = depth % 2 == 0
        if (volumes[body] > 0) != wants_positive and volumes[body] != 0:
            selected = labels == body
            faces[selected] = faces[selected][:, ::-1]
            flipped += 1
    return Mesh(mesh.vertices, faces), flipped


def _split_bodies(mesh: Mesh, labels: np.ndarray, count: int) -> list[Mesh]:
    bodies = []
    for body in range(count):
        faces = mesh.faces[labels == body]
        used, inverse = np.unique(faces, return_inverse=True)
        bodies.append(Mesh(mesh.vertices[used], inverse.reshape(-1, 3).astype(np.int32)))
    return bodies


def _join(bodies: list[Mesh]) -> Mesh:
    if not bodies:
        return Mesh(np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int32))
    offsets = np.cumsum([0] + [len(b.vertices) for b in bodies[:-1]])
    vertices = np.vstack([b.vertices.astype(np.float64) for b in bodies])
    faces = np.vstack([b.faces + off for b, off in zip(bodies, offsets, strict=True)])
    return Mesh(vertices, faces.astype(np.int32))


def _meshfix(body: Mesh) -> Mesh:
    """Rebuild one shell with MeshFix: fill holes, remove self-intersections."""
    import pymeshfix

    fixer = pymeshfix.MeshFix(
        np.ascontiguousarray(body.vertices, dtype=np.float64),
        np.ascontiguousarray(body.faces, dtype=np.int32),
    )
    fixer.repair(joincomp=False, remove_smallest_components=False)
    return Mesh(np.asarray(fixer.points, dtype=np.float64), np.asarray(fixer.faces, np.int32))


def _union(bodies: list[Mesh]) -> Mesh | None:
    """Boolean union of closed shells with manifold3d; None if one is not a manifold."""
    import manifold3d

    solids = []
    for body in bodies:
        solid = manifold3d.Manifold(
            manifold3d.Mesh(
                vert_properties=np.ascontiguousarray(body.vertices, dtype=np.float32),
                tri_verts=np.ascontiguousarray(body.faces, dtype=np.uint32),
            )
        )
        if solid.status() != manifold3d.Error.NoError:
            return None
        solids.append(solid)
    union = manifold3d.Manifold.batch_boolean(solids, manifold3d.OpType.Add)
    out = union.to_mesh()
    return Mesh(
        np.asarray(out.vert_properties[:, :3], dtype=np.float64),
        np.asarray(out.tri_verts, dtype=np.int32),
    )


def _is_sound(body: Mesh) -> bool:
    report = edge_report(body)
    return report.is_watertight and report.is_winding_consistent


def repair(mesh: Mesh, check_intersections: bool = True) -> tuple[Mesh, RepairReport]:
    """Repair a mesh; returns the repaired mesh and a report of what changed."""
    report = RepairReport()
    if len(mesh.faces) == 0:
        raise RepairError("the model has no triangles to repair")
    welded = weld(mesh)
    report.bodies_before = face_components(welded)[0]

    welded, merged = merge_close_vertices(welded)
    report.count("merged_vertices", merged)

    degenerate = np.union1d(
        degenerate_index_faces(welded.faces), degenerate_area_faces(face_measures(welded))
    )
    if len(degenerate):
        welded = weld(_drop_faces(welded, degenerate))
        report.count("removed_degenerate_faces", len(degenerate))
    duplicates = duplicate_faces(welded.faces)
    if len(duplicates):
        welded = _drop_faces(welded, duplicates)
        report.count("removed_duplicate_faces", len(duplicates))
    if len(welded.faces) == 0:
        raise RepairError("nothing is left once the degenerate faces are removed")

    faces, flipped = orient_consistently(welded.faces)
    report.count("flipped_faces", flipped)
    welded = Mesh(welded.vertices, faces)

    count, labels = edge_shells(welded.faces)
    bodies = _split_bodies(welded, labels, count)

    # Shells still open, non-manifold or crossing themselves are rebuilt one at a time.
    intersecting_pairs = np.zeros((0, 2), dtype=np.int64)
    if check_intersections:
        from .intersect import find_self_intersections

        found = find_self_intersections(welded)
        intersecting_pairs = labels[found.face_pairs.astype(np.int64)]
    crossing_itself = set(
        intersecting_pairs[intersecting_pairs[:, 0] == intersecting_pairs[:, 1], 0]
    )
    rebuilt = 0
    for index, body in enumerate(bodies):
        if _is_sound(body) and index not in crossing_itself:
            continue
        fixed = _meshfix(body)
        if len(fixed.faces) == 0:
            report.unrepaired[f"body_{index}"] = "MeshFix could not rebuild this shell"
            continue
        bodies[index] = fixed
        rebuilt += 1
    report.count("rebuilt_bodies", rebuilt)

    # Shells that overlap other shells become one solid.
    between = intersecting_pairs[intersecting_pairs[:, 0] != intersecting_pairs[:, 1]]
    if len(between):
        graph = coo_matrix(
            (np.ones(len(between), dtype=np.int8), (between[:, 0], between[:, 1])),
            shape=(count, count),
        )
        _, group = connected_components(graph, directed=False)
        merged_bodies: list[Mesh] = []
        unioned = 0
        for g in np.unique(group):
            members = [bodies[i] for i in np.flatnonzero(group == g)]
            if len(members) == 1:
                merged_bodies.append(members[0])
                continue
            union = _union(members)
            if union is None:
                report.unrepaired["overlapping_bodies"] = "a shell is not closed, cannot unite"
                merged_bodies.extend(members)
                continue
            merged_bodies.append(union)
            unioned += len(members)
        bodies = merged_bodies
        report.count("united_overlapping_bodies", unioned)

    result = weld(_join(bodies))
    count, labels = face_components(result)
    result, flipped_bodies = orient_outwards(result, labels, count)
    report.count("flipped_bodies", flipped_bodies)
    report.bodies_after = count

    final = edge_report(result)
    if final.boundary_edges:
        report.unrepaired["not_watertight"] = f"{final.boundary_edges} open edges remain"
    if final.non_manifold_edges:
        report.unrepaired["non_manifold_edges"] = f"{final.non_manifold_edges} edges remain"
    return result, report
