"""The triangle mesh that every part of the geometry library passes around."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, eq=False)
class Mesh:
    """An indexed triangle mesh.

    vertices : (n, 3) float32 or float64, mm
    faces : (m, 3) int32, indices into vertices, counter-clockwise seen from outside
    """

    vertices: np.ndarray
    faces: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        if self.vertices.ndim != 2 or self.vertices.shape[1] != 3:
            raise ValueError(f"vertices must be (n, 3), got {self.vertices.shape}")
        if self.faces.ndim != 2 or self.faces.shape[1] != 3:
            raise ValueError(f"faces must be (m, 3), got {self.faces.shape}")

    @classmethod
    def from_triangles(cls, triangles: np.ndarray) -> Mesh:
        """Wrap a triangle soup (m, 3, 3) without merging vertices (see topology.weld)."""
        m = len(triangles)
        vertices = np.ascontiguousarray(triangles.reshape(-1, 3))
        faces = np.arange(3 * m, dtype=np.int32).reshape(m, 3)
        return cls(vertices, faces)

    @property
    def triangle_count(self) -> int:
        return len(self.faces)

    @property
    def triangles(self) -> np.ndarray:
        """(m, 3, 3) float, mm: the corner coordinates of every face."""
        return self.vertices[self.faces]

    @property
    def bounds(self) -> np.ndarray:
        """(2, 3) float, mm: min and max corner of the axis-aligned bounding box."""
        if "bounds" not in self._cache:
            referenced = np.zeros(len(self.vertices), dtype=bool)
            referenced[self.faces.ravel()] = True
            used = self.vertices[referenced]
            if len(used) == 0:
                self._cache["bounds"] = np.zeros((2, 3))
            else:
                self._cache["bounds"] = np.array([used.min(axis=0), used.max(axis=0)], float)
        return self._cache["bounds"]

    @property
    def extents(self) -> np.ndarray:
        """(3,) float, mm: size of the bounding box along x, y, z."""
        lo, hi = self.bounds
        return hi - lo

    def transformed(self, matrix: np.ndarray) -> Mesh:
        """A copy with vertices mapped by a (3, 3) or (4, 4) matrix (column vectors)."""
        matrix = np.asarray(matrix, dtype=np.float64)
        v = self.vertices.astype(np.float64) @ matrix[:3, :3].T
        if matrix.shape == (4, 4):
            v += matrix[:3, 3]
        return Mesh(v, self.faces)
