"""One report per model: does it print, what is wrong, and where.

`analyze` runs every check over one welded copy of the mesh and returns an
`AnalysisReport`, a plain data class with a JSON form (`to_dict`). Problems
carry a code, a severity, a translation key for people and the faces they
concern, so a viewer can colour them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import tolerances as tol
from .fit import BuildVolume, PrinterFit, fit_build_volumes
from .measure import degenerate_area_faces, face_measures, overhang_faces
from .mesh import Mesh
from .topology import (
    degenerate_index_faces,
    duplicate_faces,
    edge_report,
    face_components,
    faces_on_bad_edges,
    weld,
)

ERROR = "error"
WARNING = "warning"
INFO = "info"


@dataclass(frozen=True)
class AnalysisOptions:
    """What to check and with which thresholds.

    overhang_angle_deg : support is needed below this slope from horizontal
    min_wall_mm : walls thinner than this are flagged (2 × a 0.4 mm nozzle by default)
    printers : build volumes to test the fit against (rotation allowed)
    """

    overhang_angle_deg: float = tol.DEFAULT_OVERHANG_ANGLE_DEG
    min_wall_mm: float = 0.8
    check_self_intersections: bool = True
    check_thickness: bool = True
    thickness_samples: int = 20_000
    printers: Sequence[BuildVolume] = ()


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth knowing) about a model.

    faces : indices into the model's faces (file order), at most `MAX_LISTED_FACES`
    count : how many faces or edges are concerned in total
    """

    code: str
    severity: str
    count: int = 0
    faces: tuple[int, ...] = ()
    details: dict = field(default_factory=dict)

    MAX_LISTED_FACES = 20_000

    @property
    def message_key(self) -> str:
        """Key of the sentence that explains the problem (translated by the platform)."""
        return f"geometry.problem.{self.code}"

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message_key": self.message_key,
            "count": self.count,
            "faces": list(self.faces),
            "details": self.details,
        }


def _problem(code: str, severity: str, faces: np.ndarray | None = None, count=None, **details):
    listed = () if faces is None else tuple(int(f) for f in faces[: Problem.MAX_LISTED_FACES])
    if count is None:
        count = 0 if faces is None else len(faces)
    return Problem(code, severity, int(count), listed, details)


@dataclass(frozen=True)
class AnalysisReport:
    """Everything `analyze` found. Lengths in mm, areas in mm², volumes in mm³."""

    triangles: int
    vertices: int
    bodies: int
    volume_mm3: float
    area_mm2: float
    bbox_min_mm: tuple[float, float, float]
    bbox_max_mm: tuple[float, float, float]
    is_watertight: bool
    is_winding_consistent: bool
    is_inverted: bool
    boundary_edges: int
    non_manifold_edges: int
    degenerate_faces: int
    duplicate_faces: int
    is_self_intersecting: bool | None
    overhang_angle_deg: float
    overhang_area_mm2: float
    min_wall_mm: float | None
    thin_wall_threshold_mm: float
    thin_wall_area_mm2: float | None
    unit_suspect: dict | None
    printer_fits: tuple[PrinterFit, ...]
    problems: tuple[Problem, ...]
    timings_s: dict = field(default_factory=dict)

    @property
    def bbox_mm(self) -> tuple[float, float, float]:
        """Size of the bounding box along x, y and z."""
        return tuple(
            float(hi - lo) for lo, hi in zip(self.bbox_min_mm, self.bbox_max_mm, strict=True)
        )

    @property
    def is_printable(self) -> bool:
        """No problem of error severity."""
        return not any(p.severity == ERROR for p in self.problems)

    def problem(self, code: str) -> Problem | None:
        return next((p for p in self.problems if p.code == code), None)

    def to_dict(self) -> dict:
        """The JSON form that programs rely on (see the README)."""
        return {
            "triangles": self.triangles,
            "vertices": self.vertices,
            "bodies": self.bodies,
            "volume_mm3": self.volume_mm3,
            "area_mm2": self.area_mm2,
            "bbox_mm": list(self.bbox_mm),
            "bbox_min_mm": list(self.bbox_min_mm),
            "bbox_max_mm": list(self.bbox_max_mm),
            "is_watertight": self.is_watertight,
            "is_winding_consistent": self.is_winding_consistent,
            "is_inverted": self.is_inverted,
            "is_self_intersecting": self.is_self_intersecting,
            "is_printable": self.is_printable,
            "boundary_edges": self.boundary_edges,
            "non_manifold_edges": self.non_manifold_edges,
            "degenerate_faces": self.degenerate_faces,
            "duplicate_faces": self.duplicate_faces,
            "overhang_angle_deg": self.overhang_angle_deg,
            "overhang_area_mm2": self.overhang_area_mm2,
            "min_wall_mm": self.min_wall_mm,
            "thin_wall_threshold_mm": self.thin_wall_threshold_mm,
            "thin_wall_area_mm2": self.thin_wall_area_mm2,
            "unit_suspect": self.unit_suspect,
            "printer_fits": [fit.to_dict() for fit in self.printer_fits],
            "problems": [p.to_dict() for p in self.problems],
            "timings_s": self.timings_s,
        }


def suspect_unit(extents: np.ndarray) -> dict | None:
    """Guess a unit mistake from the size of a part; None when the size is plausible.

    A part a few mm across was probably modelled in inches (or metres); one that is
    metres long, in micrometres.
    """
    largest = float(np.max(extents)) if len(extents) else 0.0
    if largest <= 0:
        return None
    if largest < tol.UNIT_SUSPECT_SMALL_MM:
        for unit, scale in (("inch", 25.4), ("centimeter", 10.0), ("meter", 1000.0)):
            if 10.0 <= largest * scale <= 1000.0:
                return {
                    "unit": unit,
                    "scale": scale,
                    "size_mm": [float(e) for e in extents],
                    "size_if_scaled_mm": [float(e * scale) for e in extents],
                }
        return None
    if largest > tol.UNIT_SUSPECT_LARGE_MM:
        scale = 0.001
        return {
            "unit": "micron",
            "scale": scale,
            "size_mm": [float(e) for e in extents],
            "size_if_scaled_mm": [float(e * scale) for e in extents],
        }
    return None


def _inverted_bodies(volumes: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Bodies with negative volume that are not a cavity inside another body.

    volumes : (k,) float; bounds : (k, 2, 3) float, the box of each body.
    """
    negative = np.flatnonzero(volumes < 0)
    positive = np.flatnonzero(volumes > 0)
    inverted = []
    for body in negative:
        lo, hi = bounds[body]
        inside = (np.all(bounds[positive, 0] <= lo + 1e-9, axis=1)) & (
            np.all(bounds[positive, 1] >= hi - 1e-9, axis=1)
        )
        if not inside.any():
            inverted.append(body)
    return np.asarray(inverted, dtype=np.int64)


def _body_bounds(mesh: Mesh, labels: np.ndarray, count: int) -> np.ndarray:
    """(count, 2, 3) bounding box of each body."""
    bounds = np.empty((count, 2, 3))
    for axis in range(3):
        values = mesh.vertices[mesh.faces, axis]
        low = np.full(count, np.inf)
        high = np.full(count, -np.inf)
        np.minimum.at(low, labels, values.min(axis=1))
        np.maximum.at(high, labels, values.max(axis=1))
        bounds[:, 0, axis] = low
        bounds[:, 1, axis] = high
    return bounds


def thinnest_wall(thickness) -> float | None:
    """The thinnest wall behind at least THIN_WALL_MIN_AREA_MM2 of surface, mm.

    The plain minimum is one sliver next to a sharp edge; a wall is only a problem
    when it covers some area. None when no ray found the other side.
    """
    finite = np.isfinite(thickness.thickness_mm)
    if not finite.any():
        return None
    sampled = float(thickness.face_area_mm2.sum())
    scale = thickness.total_area_mm2 / sampled if sampled > 0 else 1.0
    order = np.argsort(thickness.thickness_mm)
    covered = np.cumsum(thickness.face_area_mm2[order] * scale)
    index = min(int(np.searchsorted(covered, tol.THIN_WALL_MIN_AREA_MM2)), len(order) - 1)
    value = float(thickness.thickness_mm[order[index]])
    return value if np.isfinite(value) else float(thickness.min_mm)


def analyze(mesh: Mesh, options: AnalysisOptions | None = None) -> AnalysisReport:
    """Analyse a mesh (any: soup or indexed); face indices in the report are the input's."""
    options = options or AnalysisOptions()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 4)
        clock = now

    welded = weld(mesh)
    lap("weld")
    measures = face_measures(welded)
    lap("measures")
    edges = edge_report(welded)
    lap("edges")
    body_count, labels = face_components(welded)
    lap("bodies")

    problems: list[Problem] = []
    triangles = len(welded.faces)
    bounds = welded.bounds
    extents = bounds[1] - bounds[0]

    body_volumes = np.bincount(labels, weights=measures.signed_volume_mm3, minlength=body_count)
    total_volume = float(body_volumes.sum())
    is_inverted = False
    if edges.is_watertight and edges.is_winding_consistent and np.any(body_volumes < 0):
        if body_count == 1:
            inverted = np.zeros(1, dtype=np.int64)
        else:
            inverted = _inverted_bodies(body_volumes, _body_bounds(welded, labels, body_count))
        if len(inverted):
            is_inverted = True
            faces = np.flatnonzero(np.isin(labels, inverted))
            problems.append(_problem("inverted_normals", WARNING, faces, bodies=len(inverted)))
    volume = abs(total_volume)

    if not edges.is_watertight or not edges.is_winding_consistent:
        located = faces_on_bad_edges(welded)
        if edges.boundary_edges:
            problems.append(
                _problem("not_watertight", ERROR, located["boundary"], edges=edges.boundary_edges)
            )
        if edges.non_manifold_edges:
            problems.append(
                _problem(
                    "non_manifold_edges",
                    ERROR,
                    located["non_manifold"],
                    edges=edges.non_manifold_edges,
                )
            )
        if edges.misoriented_edges:
            problems.append(
                _problem(
                    "inconsistent_winding",
                    ERROR,
                    located["misoriented"],
                    edges=edges.misoriented_edges,
                )
            )
    lap("edge_problems")

    degenerate = np.union1d(
        degenerate_index_faces(welded.faces), degenerate_area_faces(measures)
    ).astype(np.int32)
    if len(degenerate):
        problems.append(_problem("degenerate_faces", INFO, degenerate))
    duplicates = duplicate_faces(welded.faces)
    if len(duplicates):
        problems.append(_problem("duplicate_faces", WARNING, duplicates))
    lap("faces")

    if body_count > 1:
        problems.append(_problem("multiple_bodies", INFO, count=body_count))

    overhang = overhang_faces(measures, float(bounds[0, 2]), options.overhang_angle_deg)
    overhang_area = float(measures.area_mm2[overhang].sum())
    if len(overhang):
        problems.append(_problem("needs_support", INFO, overhang, area_mm2=round(overhang_area, 3)))
    lap("overhang")

    is_self_intersecting = None
    if options.check_self_intersections and triangles:
        from .intersect import find_self_intersections

        found = find_self_intersections(welded)
        is_self_intersecting = bool(found.is_self_intersecting)
        if is_self_intersecting:
            problems.append(
                _problem("self_intersecting", WARNING, found.faces, pairs=len(found.face_pairs))
            )
        lap("self_intersections")

    min_wall = thin_area = None
    if options.check_thickness and triangles and edges.boundary_edges == 0:
        from .thickness import measure_thickness

        thickness = measure_thickness(welded, max_samples=options.thickness_samples)
        min_wall = thinnest_wall(thickness)
        thin_area = float(thickness.thin_area_mm2(options.min_wall_mm))
        thin = thickness.thin_faces(options.min_wall_mm)
        if thin_area >= tol.THIN_WALL_MIN_AREA_MM2:
            problems.append(
                _problem(
                    "thin_walls",
                    WARNING,
                    thin,
                    area_mm2=round(thin_area, 3),
                    min_wall_mm=min_wall,
                    threshold_mm=options.min_wall_mm,
                )
            )
        lap("thickness")

    unit = suspect_unit(extents) if triangles else None
    if unit:
        problems.append(_problem("unit_suspect", WARNING, **unit))

    fits: tuple[PrinterFit, ...] = ()
    if options.printers and triangles:
        fits = tuple(fit_build_volumes(welded, options.printers))
        if not any(fit.fits for fit in fits):
            problems.append(_problem("too_large", ERROR, size_mm=[float(e) for e in extents]))
        lap("fits")

    return AnalysisReport(
        triangles=triangles,
        vertices=len(welded.vertices),
        bodies=body_count,
        volume_mm3=volume,
        area_mm2=float(measures.area_mm2.sum()),
        bbox_min_mm=tuple(float(x) for x in bounds[0]),
        bbox_max_mm=tuple(float(x) for x in bounds[1]),
        is_watertight=edges.is_watertight,
        is_winding_consistent=edges.is_winding_consistent,
        is_inverted=is_inverted,
        boundary_edges=edges.boundary_edges,
        non_manifold_edges=edges.non_manifold_edges,
        degenerate_faces=len(degenerate),
        duplicate_faces=len(duplicates),
        is_self_intersecting=is_self_intersecting,
        overhang_angle_deg=options.overhang_angle_deg,
        overhang_area_mm2=overhang_area,
        min_wall_mm=min_wall,
        thin_wall_threshold_mm=options.min_wall_mm,
        thin_wall_area_mm2=thin_area,
        unit_suspect=unit,
        printer_fits=fits,
        problems=tuple(sorted(problems, key=_severity_rank)),
        timings_s=timings,
    )


def _severity_rank(problem: Problem) -> int:
    return {ERROR: 0, WARNING: 1, INFO: 2}[problem.severity]
