"""Does a part fit a printer's build volume, allowing rotation?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from .mesh import Mesh


@dataclass(frozen=True)
class BuildVolume:
    """A printer's printable box. size_mm : (x, y, z)."""

    id: str
    name: str
    size_mm: tuple[float, float, float]


@dataclass(frozen=True)
class PrinterFit:
    """Whether a part fits one printer, and the part's size in the way it fits.

    how : "as_is" (no rotation), "axis_swap" (turned by 90° steps), "z_rotation"
    (turned about the vertical axis to lie diagonally), or "none".
    """

    printer_id: str
    fits: bool
    how: str
    part_size_mm: tuple[float, float, float]

    def to_dict(self) -> dict:
        return {
            "printer_id": self.printer_id,
            "fits": self.fits,
            "how": self.how,
            "part_size_mm": list(self.part_size_mm),
        }


def _fits_any_axis_order(size: np.ndarray, box: np.ndarray) -> bool:
    """True when some permutation of size fits inside box (sorted comparison suffices)."""
    return bool(np.all(np.sort(size) <= np.sort(box) + 1e-9))


def min_area_footprint(points_xy: np.ndarray) -> tuple[float, float]:
    """Sides (short, long) of the smallest rectangle around points, any rotation about z.

    points_xy : (n, 2) float, mm. Uses rotating calipers over the convex hull's edges.
    """
    try:
        hull = points_xy[ConvexHull(points_xy).vertices]
    except (QhullError, ValueError):
        span = points_xy.max(axis=0) - points_xy.min(axis=0)
        return float(span.min()), float(span.max())
    edges = np.diff(np.vstack([hull, hull[:1]]), axis=0)
    angles = np.unique(np.mod(np.arctan2(edges[:, 1], edges[:, 0]), np.pi / 2))
    cos, sin = np.cos(angles), np.sin(angles)
    # Rotate every hull point by every candidate angle at once: (angles, points).
    x = np.outer(cos, hull[:, 0]) + np.outer(sin, hull[:, 1])
    y = np.outer(-sin, hull[:, 0]) + np.outer(cos, hull[:, 1])
    width = x.max(axis=1) - x.min(axis=1)
    depth = y.max(axis=1) - y.min(axis=1)
    best = int(np.argmin(width * depth))
    return float(min(width[best], depth[best])), float(max(width[best], depth[best]))


def fit_build_volumes(mesh: Mesh, volumes: Sequence[BuildVolume]) -> list[PrinterFit]:
    """For each build volume, whether the mesh fits and how."""
    extents = mesh.extents
    footprint = None
    fits = []
    for volume in volumes:
        box = np.asarray(volume.size_mm, dtype=float)
        if np.all(extents <= box + 1e-9):
            fits.append(PrinterFit(volume.id, True, "as_is", tuple(map(float, extents))))
            continue
        if _fits_any_axis_order(extents, box):
            fits.append(PrinterFit(volume.id, True, "axis_swap", tuple(map(float, extents))))
            continue
        if footprint is None:
            referenced = np.unique(mesh.faces)
            footprint = min_area_footprint(mesh.vertices[referenced, :2].astype(np.float64))
        rotated = np.array([footprint[0], footprint[1], extents[2]])
        if _fits_any_axis_order(rotated, box):
            fits.append(PrinterFit(volume.id, True, "z_rotation", tuple(map(float, rotated))))
        else:
            fits.append(PrinterFit(volume.id, False, "none", tuple(map(float, extents))))
    return fits
