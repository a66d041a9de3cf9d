"""Generated test meshes, as printhub Meshes (indexed or as triangle soups)."""

from __future__ import annotations

import numpy as np
import trimesh

from printhub.geometry.mesh import Mesh


def from_trimesh(tm: trimesh.Trimesh) -> Mesh:
    """An indexed printhub Mesh with trimesh's vertices and faces."""
    return Mesh(np.asarray(tm.vertices, dtype=np.float64), np.asarray(tm.faces, dtype=np.int32))


def soup(tm: trimesh.Trimesh, dtype=np.float32) -> Mesh:
    """The same surface as an unmerged triangle soup, as a binary STL would give it."""
    return Mesh.from_triangles(np.asarray(tm.vertices[tm.faces], dtype=dtype))


def box(size=(10.0, 20.0, 30.0), center=(0.0, 0.0, 0.0)) -> trimesh.Trimesh:
    tm = trimesh.creation.box(extents=size)
    tm.apply_translation(center)
    return tm


def l_bracket() -> trimesh.Trimesh:
    """A 40 × 20 mm base plate with a 40 mm wall: prints without support lying on its base."""
    base = trimesh.creation.box((40, 20, 5))
    wall = trimesh.creation.box((5, 20, 40))
    wall.apply_translation((17.5, 0, 22.5))
    return trimesh.boolean.union([base, wall], engine="manifold")


def concatenate(*parts: trimesh.Trimesh) -> trimesh.Trimesh:
    return trimesh.util.concatenate(list(parts))
