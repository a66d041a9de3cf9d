"""Connectivity of a triangle mesh: vertex welding, edges, shells.

Everything here is vectorised over all faces and avoids sorting with an index
array where a plain sort of keys is enough: that (and sharing the welded
indices between every check) is where printhub saves most of trimesh's time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .mesh import Mesh

# Odd 64-bit constants of the kind used by splitmix/xxhash: multiplying by them spreads
# every input bit over the whole word, so equal hashes almost always mean equal inputs.
_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xC2B2AE3D27D4EB4F)
_K3 = np.uint64(0x165667B19E3779F9)


def _column_bits(values: np.ndarray) -> np.ndarray:
    """(n,) float → (n,) uint64 bit pattern, with -0.0 folded onto +0.0."""
    normalised = values + values.dtype.type(0)  # -0.0 + 0.0 == +0.0
    width = np.uint32 if normalised.dtype == np.float32 else np.uint64
    return normalised.view(width).astype(np.uint64, copy=False)


def _hash_rows(columns: list[np.ndarray]) -> np.ndarray:
    """Combine three (n,) uint64 columns into one (n,) uint64 hash per row."""
    h = columns[0] * _K1
    h ^= columns[1] * _K2
    h ^= columns[2] * _K3
    h ^= h >> np.uint64(31)
    return h


def _group_equal_rows(keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Group equal rows of three uint64 key columns.

    Returns (order, is_first): a sort order that puts equal rows together and,
    in that order, a mask of the first row of each group. Hash collisions are
    detected and resolved with an exact (slower) lexicographic sort.
    """
    h = _hash_rows(keys)
    order = np.argsort(h)
    hs = h[order]
    del h
    is_first = np.empty(len(hs), dtype=bool)
    if len(hs):
        is_first[0] = True
        np.not_equal(hs[1:], hs[:-1], out=is_first[1:])
    del hs
    # Within a group every row must really be equal to the group's first row.
    same = ~is_first[1:]
    for column in keys:
        sorted_column = column[order]
        if np.any(sorted_column[1:][same] != sorted_column[:-1][same]):
            order = np.lexsort(keys[::-1])
            is_first[1:] = np.zeros(len(order) - 1, dtype=bool)
            for col in keys:
                sc = col[order]
                is_first[1:] |= sc[1:] != sc[:-1]
            break
    return order, is_first


def weld(mesh: Mesh) -> Mesh:
    """Merge vertices with identical coordinates and drop unreferenced ones.

    Faces keep their order and count, so a face index means the same face in the
    input and the output. Only exact copies are merged (what every exporter
    writes for shared corners); `repair` merges near-duplicates too.
    """
    faces = mesh.faces
    if len(faces) == 0:
        return Mesh(np.zeros((0, 3), mesh.vertices.dtype), np.zeros((0, 3), np.int32))
    # Only referenced vertices take part; for a soup that is all of them.
    referenced = np.zeros(len(mesh.vertices), dtype=bool)
    referenced[faces.ravel()] = True
    if referenced.all():
        used_index = None
        vertices = mesh.vertices
    else:
        used_index = np.flatnonzero(referenced)
        vertices = mesh.vertices[used_index]
    keys = [_column_bits(vertices[:, axis]) for axis in range(3)]
    order, is_first = _group_equal_rows(keys)
    del keys
    group_of_sorted = np.cumsum(is_first, dtype=np.int32) - 1
    new_index = np.empty(len(vertices), dtype=np.int32)
    new_index[order] = group_of_sorted
    del group_of_sorted
    unique_vertices = vertices[order[is_first]]
    if used_index is not None:
        remap = np.full(len(mesh.vertices), -1, dtype=np.int32)
        remap[used_index] = new_index
        new_index = remap
    new_faces = new_index[faces]
    return Mesh(unique_vertices, new_faces.astype(np.int32, copy=False))


@dataclass(frozen=True)
class EdgeReport:
    """Counts of a welded mesh's undirected edges by how many faces use them.

    boundary_edges : edges used by one face (holes, open surfaces)
    non_manifold_edges : edges used by three or more faces
    misoriented_edges : directed edges used twice in the same direction (two faces
        sharing the edge disagree on which side is outside)
    """

    edges: int
    boundary_edges: int
    non_manifold_edges: int
    misoriented_edges: int

    @property
    def is_watertight(self) -> bool:
        return self.boundary_edges == 0 and self.non_manifold_edges == 0

    @property
    def is_winding_consistent(self) -> bool:
        return self.misoriented_edges == 0


def _edge_endpoints(faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(3m,) start and end vertex of each directed face edge, face-major order."""
    start = faces.ravel()
    end = faces[:, [1, 2, 0]].ravel()
    return start, end


def _run_lengths(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique values of a sorted array and how often each occurs."""
    if len(sorted_keys) == 0:
        return sorted_keys, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    counts = np.diff(np.append(starts, len(sorted_keys)))
    return sorted_keys[starts], counts


def edge_report(mesh: Mesh) -> EdgeReport:
    """Classify the edges of a welded mesh (see `weld`)."""
    n = np.int64(max(len(mesh.vertices), 1))
    start, end = _edge_endpoints(mesh.faces)
    directed = start.astype(np.int64) * n + end
    undirected = np.minimum(start, end).astype(np.int64) * n + np.maximum(start, end)
    del start, end
    directed.sort()
    misoriented = int(np.count_nonzero(directed[1:] == directed[:-1]))
    del directed
    undirected.sort()
    _, counts = _run_lengths(undirected)
    return EdgeReport(
        edges=len(counts),
        boundary_edges=int(np.count_nonzero(counts == 1)),
        non_manifold_edges=int(np.count_nonzero(counts > 2)),
        misoriented_edges=misoriented,
    )


def faces_on_bad_edges(mesh: Mesh) -> dict[str, np.ndarray]:
    """Faces touching boundary, non-manifold and misoriented edges (for a viewer).

    Slower than `edge_report` (it sorts with an index); call it only when that
    report found something.
    """
    n = np.int64(max(len(mesh.vertices), 1))
    start, end = _edge_endpoints(mesh.faces)
    face_of_edge = np.repeat(np.arange(len(mesh.faces), dtype=np.int32), 3)
    undirected = np.minimum(start, end).astype(np.int64) * n + np.maximum(start, end)
    order = np.argsort(undirected, kind="stable")
    sorted_keys = undirected[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    counts = np.diff(np.append(starts, len(sorted_keys)))
    count_per_edge = np.repeat(counts, counts)
    boundary = np.unique(face_of_edge[order[count_per_edge == 1]])
    non_manifold = np.unique(face_of_edge[order[count_per_edge > 2]])

    directed = start.astype(np.int64) * n + end
    order = np.argsort(directed, kind="stable")
    sorted_keys = directed[order]
    repeated = np.zeros(len(sorted_keys), dtype=bool)
    same = sorted_keys[1:] == sorted_keys[:-1]
    repeated[1:] |= same
    repeated[:-1] |= same
    misoriented = np.unique(face_of_edge[order[repeated]])
    return {"boundary": boundary, "non_manifold": non_manifold, "misoriented": misoriented}


def face_components(mesh: Mesh) -> tuple[int, np.ndarray]:
    """Shells of a welded mesh: faces connected through shared vertices.

    Returns (count, labels) with labels (m,) int32, the shell of each face,
    numbered 0..count-1 in order of first appearance.
    """
    faces = mesh.faces
    m = len(faces)
    if m == 0:
        return 0, np.zeros(0, dtype=np.int32)
    nv = len(mesh.vertices)
    rows = np.concatenate((faces[:, 0], faces[:, 1]))
    cols = np.concatenate((faces[:, 1], faces[:, 2]))
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(nv, nv))
    del rows, cols
    _, vertex_labels = connected_components(graph, directed=False)
    labels = vertex_labels[faces[:, 0]]
    # Renumber so that shell 0 is the one of face 0, and so on, and unused labels vanish.
    unique_labels, first_face = np.unique(labels, return_index=True)
    renumber = np.empty(unique_labels.max() + 1, dtype=np.int32)
    renumber[unique_labels[np.argsort(first_face)]] = np.arange(len(unique_labels))
    return len(unique_labels), renumber[labels]


def degenerate_index_faces(faces: np.ndarray) -> np.ndarray:
    """Faces that use one vertex twice (zero area whatever the coordinates)."""
    bad = (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2]) | (faces[:, 0] == faces[:, 2])
    return np.flatnonzero(bad).astype(np.int32)


def duplicate_faces(faces: np.ndarray) -> np.ndarray:
    """Faces whose vertex set already appeared in an earlier face (either winding)."""
    if len(faces) < 2:
        return np.zeros(0, dtype=np.int32)
    corners = np.sort(faces, axis=1).astype(np.uint64)
    keys = [corners[:, 0], corners[:, 1], corners[:, 2]]
    # Fast path: distinct hashes prove that no face repeats.
    h = np.sort(_hash_rows(keys))
    if not np.any(h[1:] == h[:-1]):
        return np.zeros(0, dtype=np.int32)
    order, is_first = _group_equal_rows(keys)
    # Keep the earliest face of each group; report the others.
    group = np.cumsum(is_first) - 1
    first_in_group = np.full(int(group[-1]) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first_in_group, group, order)
    duplicates = order[order != first_in_group[group]]
    return np.sort(duplicates).astype(np.int32)
