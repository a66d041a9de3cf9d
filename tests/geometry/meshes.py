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


def helix_tube(turns=2.0, helix_radius=10.0, pitch=3.0, tube_radius=2.0, steps=120, sides=12):
    """A closed tube wound along a helix; with pitch < 2 × tube_radius it runs through itself.

    One edge-connected shell (caps included), so the crossing is inside a single body.
    """
    t = np.linspace(0, 2 * np.pi * turns, steps)
    centre = np.stack(
        [helix_radius * np.cos(t), helix_radius * np.sin(t), pitch * t / (2 * np.pi)], 1
    )
    tangent = np.gradient(centre, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.stack(
        [np.cos(t), np.sin(t), np.zeros_like(t)], 1
    )  # towards the helix axis' outside
    binormal = np.cross(tangent, normal)
    angle = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    rings = (
        centre[:, None, :]
        + tube_radius * np.cos(angle)[None, :, None] * normal[:, None, :]
        + tube_radius * np.sin(angle)[None, :, None] * binormal[:, None, :]
    )
    vertices = np.vstack([rings.reshape(-1, 3), centre[[0, -1]]])
    faces = []
    for i in range(steps - 1):
        for j in range(sides):
            a, b = i * sides + j, i * sides + (j + 1) % sides
            c, d = a + sides, b + sides
            faces += [[a, b, d], [a, d, c]]
    start, end = steps * sides, steps * sides + 1
    last = (steps - 1) * sides
    for j in range(sides):
        faces.append([start, (j + 1) % sides, j])
        faces.append([end, last + j, last + (j + 1) % sides])
    tm = trimesh.Trimesh(vertices, np.array(faces), process=False)
    if tm.volume < 0:
        tm.invert()
    return tm
