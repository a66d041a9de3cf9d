"""Per-face planes and the exact triangle–triangle crossing test (see the package docstring)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..tolerances import DEGENERATE_AREA_MM2


class Faces(NamedTuple):
    """Per-face quantities shared by every stage."""

    edges: list[np.ndarray]  # edges[k] : (m, 3) from corner k to corner k + 1, mm
    double_area: np.ndarray  # (m,) mm²
    normals: np.ndarray  # (m, 3) unit, zero where not usable
    offsets: np.ndarray  # (m,) mm, normal . corner 0
    usable: np.ndarray  # (m,) bool: thick enough to have a reliable plane


def face_planes(triangles: np.ndarray, tol: float) -> Faces:
    """Edges, areas, unit normals, plane offsets and a mask of faces thick enough to test."""
    edges = [triangles[:, (k + 1) % 3] - triangles[:, k] for k in range(3)]
    cross = cross_rows(edges[0], -edges[2])
    double_area = np.sqrt(rowdot(cross, cross))
    longest = np.sqrt(
        np.maximum(np.maximum(*[rowdot(e, e) for e in edges[:2]]), rowdot(*2 * [edges[2]]))
    )
    # A sliver whose height is within the touch tolerance has no reliable plane: it can only
    # ever "touch" things, so it is left out rather than allowed to report noise.
    with np.errstate(divide="ignore", invalid="ignore"):
        height = np.where(longest > 0, double_area / longest, 0.0)
        usable = (0.5 * double_area > DEGENERATE_AREA_MM2) & (height > tol)
        normals = cross / double_area[:, None]
    normals[~usable] = 0.0
    offsets = rowdot(normals, triangles[:, 0])
    return Faces(edges, double_area, normals, offsets, usable)


def cross_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(k, 3) row-wise cross product (np.cross is several times slower on long arrays)."""
    out = np.empty_like(a)
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out


def rowdot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(k,) row-wise dot product of two (k, 3) arrays."""
    return np.einsum("ij,ij->i", x, y)


def may_cross(
    triangles: np.ndarray,
    normals: np.ndarray,
    offsets: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    tol: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the pairs whose b has corners on both sides of a's plane, or all on it.

    The first step of pairs_cross on its own: it rejects most pairs of the broad phase at
    the cost of one gather, before any more expensive filter runs.
    """
    keep = _straddles_or_flat(triangles, normals, offsets, a, b, tol)[0]
    return a[keep], b[keep]


def _straddles_or_flat(
    triangles: np.ndarray,
    normals: np.ndarray,
    offsets: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    tol: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(k,) bool live, (k,) bool flat, (k, 3, 3) b's corners, (k, 3) their distances to a."""
    tri_b = np.take(triangles, b, axis=0)
    dist_b = np.einsum("ijk,ik->ij", tri_b, np.take(normals, a, axis=0)) - offsets[a][:, None]
    d0, d1, d2 = dist_b[:, 0], dist_b[:, 1], dist_b[:, 2]
    b_above = (d0 > tol) | (d1 > tol) | (d2 > tol)
    b_below = (d0 < -tol) | (d1 < -tol) | (d2 < -tol)
    b_flat = ~b_above & ~b_below
    return (b_above & b_below) | b_flat, b_flat, tri_b, dist_b


def pairs_cross(
    triangles: np.ndarray,
    normals: np.ndarray,
    offsets: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    tol: float,
) -> np.ndarray:
    """(k,) bool: whether face a[i] crosses face b[i] (exact test, see the package docstring)."""
    result = np.zeros(len(a), dtype=bool)
    # Signed distances of b's corners to a's plane; most pairs end here.
    live, b_flat, tri_b, dist_b = _straddles_or_flat(triangles, normals, offsets, a, b, tol)
    idx = np.flatnonzero(live)
    if len(idx) == 0:
        return result
    a, b, tri_b, dist_b, b_flat = a[idx], b[idx], tri_b[idx], dist_b[idx], b_flat[idx]
    dist_b[np.abs(dist_b) <= tol] = 0.0
    tri_a = np.take(triangles, a, axis=0)
    dist_a = np.einsum("ijk,ik->ij", tri_a, np.take(normals, b, axis=0)) - offsets[b][:, None]
    dist_a[np.abs(dist_a) <= tol] = 0.0
    a_above = (dist_a[:, 0] > 0) | (dist_a[:, 1] > 0) | (dist_a[:, 2] > 0)
    a_below = (dist_a[:, 0] < 0) | (dist_a[:, 1] < 0) | (dist_a[:, 2] < 0)
    a_flat = ~a_above & ~a_below

    coplanar = b_flat | a_flat
    straddle = ~coplanar & a_above & a_below
    if straddle.any():
        s = np.flatnonzero(straddle)
        result[idx[s]] = _intervals_overlap(
            tri_a[s], dist_a[s], tri_b[s], dist_b[s], normals[a[s]], normals[b[s]], tol
        )
    if coplanar.any():
        c = np.flatnonzero(coplanar)
        result[idx[c]] = _coplanar_overlap(tri_a[c], tri_b[c], normals[a[c]], normals[b[c]], tol)
    return result


def _intervals_overlap(
    tri_a: np.ndarray,
    dist_a: np.ndarray,
    tri_b: np.ndarray,
    dist_b: np.ndarray,
    normal_a: np.ndarray,
    normal_b: np.ndarray,
    tol: float,
) -> np.ndarray:
    """Both triangles straddle the other's plane: do their pieces of the common line overlap?"""
    direction = np.cross(normal_a, normal_b)
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    lo_a, hi_a = _interval_on_line(tri_a, dist_a, direction)
    lo_b, hi_b = _interval_on_line(tri_b, dist_b, direction)
    return np.minimum(hi_a, hi_b) - np.maximum(lo_a, lo_b) > tol


def _interval_on_line(
    tri: np.ndarray, dist: np.ndarray, direction: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where a triangle meets the other plane, as an interval of positions along direction."""
    along = np.einsum("ijk,ik->ij", tri, direction)
    lo = np.full(len(tri), np.inf)
    hi = np.full(len(tri), -np.inf)
    for i, j in ((0, 1), (1, 2), (2, 0)):
        di, dj = dist[:, i], dist[:, j]
        crosses = di * dj < 0
        with np.errstate(divide="ignore", invalid="ignore"):
            t = along[:, i] + (along[:, j] - along[:, i]) * (di / (di - dj))
        lo = np.where(crosses, np.minimum(lo, t), lo)
        hi = np.where(crosses, np.maximum(hi, t), hi)
    on_plane = dist == 0
    lo = np.minimum(lo, np.where(on_plane, along, np.inf).min(axis=1))
    hi = np.maximum(hi, np.where(on_plane, along, -np.inf).max(axis=1))
    return lo, hi


def _coplanar_overlap(
    tri_a: np.ndarray, tri_b: np.ndarray, normal_a: np.ndarray, normal_b: np.ndarray, tol: float
) -> np.ndarray:
    """Coplanar pairs: interiors overlap by more than tol and the faces face the same way."""
    result = np.zeros(len(tri_a), dtype=bool)
    # Faces turned opposite ways are two solids in contact, whatever their overlap.
    live = np.flatnonzero(rowdot(normal_a, normal_b) > 0)
    if len(live) == 0:
        return result
    tri_a, tri_b, normal_a = tri_a[live], tri_b[live], normal_a[live]
    # Coordinates in the plane of a, in an orthonormal frame so that lengths stay in mm.
    u = tri_a[:, 1] - tri_a[:, 0]
    u /= np.sqrt(rowdot(u, u))[:, None]
    v = cross_rows(normal_a, u)
    origin = tri_a[:, 0]
    xs, ys = [], []
    for tri in (tri_a, tri_b):
        for j in range(3):
            offset = tri[:, j] - origin
            xs.append(rowdot(offset, u))
            ys.append(rowdot(offset, v))
    # Separating axes: the normals of the six edges. Pairs drop out as soon as one separates
    # them by more than -tol (touching counts as separated).
    for first in (0, 3):
        for i in range(3):
            j = first + i
            k = first + (i + 1) % 3
            nx, ny = ys[j] - ys[k], xs[k] - xs[j]
            reach = tol * np.sqrt(nx * nx + ny * ny)
            proj = [x * nx + y * ny for x, y in zip(xs, ys, strict=True)]
            lo_a = np.minimum(np.minimum(proj[0], proj[1]), proj[2])
            hi_a = np.maximum(np.maximum(proj[0], proj[1]), proj[2])
            lo_b = np.minimum(np.minimum(proj[3], proj[4]), proj[5])
            hi_b = np.maximum(np.maximum(proj[3], proj[4]), proj[5])
            keep = (lo_b - hi_a < -reach) & (lo_a - hi_b < -reach)
            live = live[keep]
            xs = [x[keep] for x in xs]
            ys = [y[keep] for y in ys]
            if len(live) == 0:
                return result
    result[live] = True
    return result
