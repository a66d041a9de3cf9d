"""Per-face measures: areas, normals, enclosed volume, overhangs.

Computed in float64 over chunks of faces, so that a float32 mesh of millions of
triangles needs only a few tens of MB of temporaries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from . import tolerances as tol
from .mesh import Mesh

CHUNK_FACES = 1 << 18
# Smaller chunks where each face needs many float64 temporaries (keeps the peak low).
MEASURE_CHUNK_FACES = 1 << 16


def _chunks(count: int, size: int = CHUNK_FACES) -> Iterator[slice]:
    for start in range(0, count, size):
        yield slice(start, min(start + size, count))


@dataclass(frozen=True, eq=False)
class FaceMeasures:
    """What every later check needs to know about each face.

    area_mm2 : (m,) float64
    normal_z : (m,) float32, z component of the unit normal (0 for degenerate faces)
    signed_volume_mm3 : (m,) float64, the face's share of the enclosed volume
        (tetrahedron with the bounding-box centre), positive for outward winding
    max_z : (m,) float32, highest corner of each face, mm
    """

    area_mm2: np.ndarray
    normal_z: np.ndarray
    signed_volume_mm3: np.ndarray
    max_z: np.ndarray


def face_measures(mesh: Mesh) -> FaceMeasures:
    """Area, normal z, signed volume share and lowest z of every face."""
    m = len(mesh.faces)
    area = np.empty(m, dtype=np.float64)
    normal_z = np.empty(m, dtype=np.float32)
    volume = np.empty(m, dtype=np.float64)
    max_z = np.empty(m, dtype=np.float32)
    centre = mesh.bounds.mean(axis=0)
    for part in _chunks(m, MEASURE_CHUNK_FACES):
        tri = mesh.vertices[mesh.faces[part]].astype(np.float64)
        tri -= centre
        v0 = tri[:, 0]
        cross = np.cross(tri[:, 1] - v0, tri[:, 2] - v0)
        double_area = np.sqrt(np.einsum("ij,ij->i", cross, cross))
        area[part] = 0.5 * double_area
        # v0 · ((v1 - v0) × (v2 - v0)) == v0 · (v1 × v2): six times the signed tetrahedron.
        volume[part] = np.einsum("ij,ij->i", v0, cross) / 6.0
        with np.errstate(invalid="ignore", divide="ignore"):
            nz = np.where(double_area > 0, cross[:, 2] / double_area, 0.0)
        normal_z[part] = nz
        max_z[part] = tri[:, :, 2].max(axis=1) + centre[2]
    return FaceMeasures(area, normal_z, volume, max_z)


def face_normals(mesh: Mesh, faces: np.ndarray | slice | None = None) -> np.ndarray:
    """(k, 3) float64 unit normals of the given faces (all by default); zeros if degenerate."""
    selected = mesh.faces if faces is None else mesh.faces[faces]
    tri = mesh.vertices[selected].astype(np.float64)
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    length = np.linalg.norm(cross, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(length > 0, cross / length, 0.0)


def overhang_faces(
    measures: FaceMeasures,
    bed_z: float,
    angle_deg: float = tol.DEFAULT_OVERHANG_ANGLE_DEG,
) -> np.ndarray:
    """Faces that need support when printed as they are.

    A downward face needs support when its slope from the horizontal is below
    `angle_deg` (PrusaSlicer's "support threshold angle" convention), unless it
    lies wholly on the bed (within BED_CONTACT_MM of `bed_z`, the lowest point).
    """
    steep = measures.normal_z < -np.cos(np.radians(angle_deg))
    above_bed = measures.max_z > bed_z + tol.BED_CONTACT_MM
    return np.flatnonzero(steep & above_bed).astype(np.int32)


def degenerate_area_faces(measures: FaceMeasures) -> np.ndarray:
    """Faces with (almost) zero area."""
    return np.flatnonzero(measures.area_mm2 <= tol.DEGENERATE_AREA_MM2).astype(np.int32)
