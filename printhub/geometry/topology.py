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

from .hashing import float_bits, hash_rows
from .mesh import Mesh


def _group_by_hash(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort order of a hash and, in that order, the first row of each run of equal hashes.

    Consumes `h`. The row index replaces the hash's low bits and one plain sort of those
    keys gives both the order and the runs (argsort of 3M values takes 2.5× as long).
    Rows whose hashes differ only in the low bits fall into one run: the caller's check
    of the runs (`_runs_are_uniform`) then sends them to the exact grouping.
    """
    n = len(h)
    bits = np.uint64(max(1, (n - 1).bit_length()))
    low = np.uint64((1 << int(bits)) - 1)
    h &= ~low
    h |= np.arange(n, dtype=np.uint64)
    h.sort()
    top = h >> bits
    is_first = np.empty(n, dtype=bool)
    if n:
        is_first[0] = True
        np.not_equal(top[1:], top[:-1], out=is_first[1:])
    del top
    h &= low
    return h.view(np.int64), is_first


def _exact_groups(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Like _group_by_hash but exact: lexicographic sort of the columns (slower)."""
    order = np.lexsort(columns[::-1])
    is_first = np.ones(len(order), dtype=bool)
    if len(order):
        is_first[1:] = False
        for column in columns:
            ordered = column[order]
            is_first[1:] |= ordered[1:] != ordered[:-1]
    return order, is_first


def _runs_are_uniform(columns, order: np.ndarray, is_first: np.ndarray) -> bool:
    """True when every row equals the previous one wherever is_first says "same group"."""
    same = ~is_first[1:]
    for column in columns:
        ordered = column[order]
        if np.any(ordered[1:][same] != ordered[:-1][same]):
            return False
    return True


def _group_equal_rows(keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Group equal rows of three uint64 key columns: (sort order, first-of-group mask).

    Hash collisions are detected and resolved with an exact lexicographic sort.
    """
    order, is_first = _group_by_hash(hash_rows(k.copy() for k in keys))
    if _runs_are_uniform(keys, order, is_first):
        return order, is_first
    return _exact_groups(keys)


def weld(mesh: Mesh) -> Mesh:
    """Merge vertices with identical coordinates and drop unreferenced ones.

    Faces keep their order and count, so a face index means the same face in the
    input and the output. Only exact copies are merged (what every exporter
    writes for shared corners); `repair` merges near-duplicates too. Memory:
    besides the input, about three 8-byte values per vertex at the peak.
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
    del referenced
    axes = [vertices[:, axis] for axis in range(3)]
    order, is_first = _group_by_hash(hash_rows(float_bits(a) for a in axes))
    # Float comparison treats -0.0 and +0.0 as equal, as the hash does.
    if not _runs_are_uniform(axes, order, is_first):
        order, is_first = _exact_groups([float_bits(a) for a in axes])
    group_of_sorted = np.cumsum(is_first, dtype=np.int32)
    group_of_sorted -= 1
    new_index = np.empty(len(vertices), dtype=np.int32)
    new_index[order] = group_of_sorted
    del group_of_sorted
    unique_vertices = vertices[order[is_first]]
    del order, is_first
    if used_index is not None:
        remap = np.full(len(mesh.vertices), -1, dtype=np.int32)
        remap[used_index] = new_index
        new_index = remap
    return Mesh(unique_vertices, new_index[faces])


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
    # One sort serves both questions: the key is the undirected edge with the direction in
    # its lowest bit, so equal directed edges sort next to each other inside their
    # undirected edge's run. Built in place: a few (3m,) int64 temporaries are the peak of
    # the analysis. (n² · 2 fits in int64 far beyond the triangle limit.)
    keys = np.minimum(start, end).astype(np.int64)
    keys *= n
    keys += np.maximum(start, end)
    keys <<= 1
    keys += start > end
    del start, end
    keys.sort()
    misoriented = int(np.count_nonzero(keys[1:] == keys[:-1]))
    keys >>= 1
    _, counts = _run_lengths(keys)
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
    # (The first face of each label by a minimum over faces, not a sort of the labels.)
    first_face = np.full(int(vertex_labels.max()) + 1, m, dtype=np.int64)
    np.minimum.at(first_face, labels, np.arange(m, dtype=np.int64))
    used = np.flatnonzero(first_face < m)
    renumber = np.empty(len(first_face), dtype=np.int32)
    renumber[used[np.argsort(first_face[used])]] = np.arange(len(used), dtype=np.int32)
    return len(used), renumber[labels]


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
    h = np.sort(hash_rows(k.copy() for k in keys))
    if not np.any(h[1:] == h[:-1]):
        return np.zeros(0, dtype=np.int32)
    order, is_first = _group_equal_rows(keys)
    # Keep the earliest face of each group; report the others.
    group = np.cumsum(is_first) - 1
    first_in_group = np.full(int(group[-1]) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first_in_group, group, order)
    duplicates = order[order != first_in_group[group]]
    return np.sort(duplicates).astype(np.int32)
