"""Faces that share corners: which pairs of them can be left out of the exact test."""

from __future__ import annotations

import numpy as np

from ..tolerances import INTERSECT_FAN_MIN_COS
from ._exact import Faces, rowdot

# When a batch of pairs asks about more than this share of all vertices, every vertex fan is
# classified at once rather than only the ones asked about.
_FANS_AT_ONCE_SHARE = 0.05


class Neighbours:
    """Drops pairs of faces sharing an edge, or one vertex whose fan is embedded.

    Vertex fans are classified on first need, for the vertices asked about (a mesh whose
    patches are certified asks about few).
    """

    def __init__(self, faces: np.ndarray, geometry: Faces, n_vertices: int):
        self.faces, self.geometry, self.n = faces, geometry, n_vertices
        self.known = np.zeros(n_vertices, dtype=bool)
        self.embedded = np.zeros(n_vertices, dtype=bool)
        # Each corner's vertex as its own contiguous array: gathered from on every batch.
        self.corners = [np.ascontiguousarray(faces[:, k]) for k in range(3)]

    def drop(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Remove pairs sharing an edge, and pairs sharing one vertex whose fan is embedded."""
        fa = np.take(self.faces, a, axis=0)
        fb = np.take(self.faces, b, axis=0)
        b0, b1, b2 = fb[:, 0], fb[:, 1], fb[:, 2]
        corner = [fa[:, k] for k in range(3)]
        in_b = [(c == b0) | (c == b1) | (c == b2) for c in corner]
        shared = in_b[0].view(np.int8) + in_b[1].view(np.int8) + in_b[2].view(np.int8)
        one = shared == 1
        # With exactly one corner shared, this picks that corner's vertex.
        shared_vertex = np.where(in_b[0], corner[0], np.where(in_b[1], corner[1], corner[2]))
        asked = shared_vertex[one]
        self._classify(asked)
        keep = shared == 0
        keep[one] = ~self.embedded[asked]
        return a[keep], b[keep]

    def _classify(self, vertices: np.ndarray) -> None:
        unknown = np.unique(vertices[~self.known[vertices]])
        if len(unknown) == 0:
            return
        if len(unknown) > _FANS_AT_ONCE_SHARE * self.n:
            self.embedded = embedded_fans(self.geometry, self.faces, self.n)
            self.known[:] = True
            return
        # Every face around an asked vertex, so that its whole fan is seen, with the
        # vertices they use numbered afresh so that the fans' work stays proportional to them.
        wanted = np.zeros(self.n, dtype=bool)
        wanted[unknown] = True
        c0, c1, c2 = self.corners
        around = np.flatnonzero(wanted[c0] | wanted[c1] | wanted[c2])
        used, local = np.unique(self.faces[around], return_inverse=True)
        g = self.geometry
        part = Faces(
            [e[around] for e in g.edges],
            g.double_area[around],
            g.normals[around],
            g.offsets[around],
            g.usable[around],
        )
        embedded = embedded_fans(part, local.reshape(-1, 3), len(used))
        self.embedded[unknown] = embedded[np.searchsorted(used, unknown)]
        self.known[unknown] = True


def embedded_fans(geometry: Faces, faces: np.ndarray, n: int) -> np.ndarray:
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
    length = np.sqrt(rowdot(axis, axis))
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
        facing = rowdot(normals, a)
        bad_count += np.bincount(corner, ~(facing > INTERSECT_FAN_MIN_COS), minlength=n)
        # Turning angle of the wedge from u to -w in the plane normal to the axis; u x -w is
        # the face's own double-area normal.
        cos_part = rowdot(u, a) * rowdot(w, a) - rowdot(u, w)
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
