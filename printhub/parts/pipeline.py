"""The analysis of one uploaded model, stage by stage (what the background task runs).

Read → analyse → orientation → repair suggestion (only when the report has problems a
repair addresses) → thumbnail → viewer mesh → the report saved (status "ready") → the
estimates for the network's printers, queued as tasks of their own. Each stage is written
to the model as it starts (stage code and progress), so the page can show it.

The orientation, thumbnail and viewer mesh need only the mesh as read; they run in a
second thread while the analysis runs (numpy, scipy and Embree release the GIL), so on two
cores they add little to the time of the report: for a 1M-triangle binary STL, about 4.6 s
of CPU for the analysis and 1.7 s for the rest.

A file the reader refuses ends in status "failed" with the reader's message; anything
unexpected ends in "failed" with a generic message and a logged traceback. Only this
model's row and files are touched either way.
"""

from __future__ import annotations

import logging
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files import File
from django.utils import timezone

from printhub.geometry.analysis import AnalysisOptions, Problem, analyze
from printhub.geometry.errors import (
    EmptyMeshError,
    GeometryError,
    MeshTooLargeError,
    UnreadableFileError,
    UnsafeFileError,
    UnsupportedFormatError,
)
from printhub.geometry.io import ModelFile, load_model, write_3mf, write_stl
from printhub.geometry.measure import FaceMeasures, overhang_faces
from printhub.geometry.mesh import Mesh
from printhub.geometry.orientation import orient
from printhub.geometry.repair import repair
from printhub.geometry.thumbnail import save_thumbnail
from printhub.parts import messages as m
from printhub.parts.models import UploadedModel

log = logging.getLogger(__name__)

THUMBNAIL_PX = (320, 320)
# Problems a repair can do something about; the others (support, size, units, thin
# walls, several parts) are for the person or the center to decide.
REPAIRABLE = frozenset(
    {
        "not_watertight",
        "non_manifold_edges",
        "inconsistent_winding",
        "inverted_normals",
        "duplicate_faces",
        "degenerate_faces",
        "self_intersecting",
    }
)
# Progress (%) when each stage starts.
PROGRESS = {
    m.READ: 5,
    m.ANALYSE: 15,
    m.ORIENT: 70,
    m.REPAIR: 75,
    m.THUMBNAIL: 88,
    m.VIEWER: 92,
    m.SAVE: 96,
}


def error_code(err: GeometryError) -> str:
    """A short code for the kind of reader error (UploadedModel.error_code)."""
    for kind, code in (
        (UnsupportedFormatError, "unsupported_format"),
        (EmptyMeshError, "empty_mesh"),
        (UnsafeFileError, "unsafe_file"),
        (MeshTooLargeError, "mesh_too_large"),
        (UnreadableFileError, "unreadable"),
    ):
        if isinstance(err, kind):
            return code
    return "mesh_format"


def _update(model: UploadedModel, **fields) -> None:
    """Write some fields of the model now (and on the instance), leaving the others alone."""
    for name, value in fields.items():
        setattr(model, name, value)
    UploadedModel.objects.filter(pk=model.pk).update(**fields)


class _Stages:
    """Saves each stage on the model as it starts, and times them (seconds)."""

    def __init__(self, model: UploadedModel):
        self.model = model
        self.started = time.perf_counter()
        self.current: str | None = None
        self.since = self.started
        self.seconds: dict[str, float] = {}

    def enter(self, stage: str | None, **fields) -> None:
        now = time.perf_counter()
        if self.current is not None:
            self.seconds[self.current] = round(now - self.since, 3)
        self.current, self.since = stage, now
        if stage is not None:
            _update(self.model, stage=stage, progress=PROGRESS[stage], **fields)

    def total(self) -> float:
        return round(time.perf_counter() - self.started, 3)


def _fail(model: UploadedModel, code: str, message: str) -> None:
    _update(
        model,
        status=UploadedModel.Status.FAILED,
        stage=m.FAILED,
        progress=100,
        error_code=code,
        error_message=message,
        analysed_at=timezone.now(),
    )


def _overhangs_turned(mesh: Mesh, rotation: np.ndarray) -> dict:
    """The faces needing support once the mesh is turned by `rotation` (for the viewer).

    The report's overhangs are those of the model as uploaded; turned, others face down.
    Only the turned normals' z and the faces' top heights are needed, so the library's
    rule (`overhang_faces`) gets just those, computed in float32 chunks.
    """
    if np.allclose(rotation, np.eye(3)):
        return {}
    up = np.asarray(rotation, dtype=np.float64)[2].astype(np.float32)  # the new z, as before
    heights = mesh.vertices.astype(np.float32) @ up  # (n,) heights once turned
    faces = mesh.faces
    normal_z = np.empty(len(faces), dtype=np.float32)
    for start in range(0, len(faces), 1 << 18):
        part = faces[start : start + (1 << 18)]
        v0 = mesh.vertices[part[:, 0]].astype(np.float32)
        cross = np.cross(mesh.vertices[part[:, 1]] - v0, mesh.vertices[part[:, 2]] - v0)
        length = np.linalg.norm(cross, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            normal_z[start : start + len(part)] = np.where(length > 0, cross @ up / length, 0)
    face_heights = heights[faces]
    turned = FaceMeasures(
        area_mm2=None,
        normal_z=normal_z,
        signed_volume_mm3=None,
        max_z=face_heights.max(axis=1),
    )
    found = overhang_faces(turned, float(face_heights.min()))
    return {
        "overhang_faces": found[: Problem.MAX_LISTED_FACES].tolist(),
        "overhang_count": len(found),
    }


def _side_work(mesh: Mesh, workdir: Path) -> dict:
    """Orientation, thumbnail and viewer mesh: what needs only the mesh as read."""
    out: dict = {}
    started = time.perf_counter()
    try:
        result = orient(mesh)
        out["orientation"] = result.to_dict() | _overhangs_turned(mesh, result.rotation)
    except Exception:  # an orientation is a suggestion: the report stands without it
        log.exception("orientation failed")
        out["orientation"] = None
    out["orient_s"] = time.perf_counter() - started
    # The viewer's STL has the faces of the file in the file's order: face i of the
    # viewer mesh is face i of the report's problems.
    write_stl(mesh, workdir / "viewer.stl")
    try:
        save_thumbnail(mesh, workdir / "thumbnail.png", size=THUMBNAIL_PX)
        out["thumbnail"] = workdir / "thumbnail.png"
    except Exception:
        log.exception("thumbnail failed")
        out["thumbnail"] = None
    out["viewer"] = workdir / "viewer.stl"
    out["side_s"] = time.perf_counter() - started
    return out


def _suggest_repair(mesh: Mesh, report, workdir: Path) -> dict | None:
    """Repair when the report has problems a repair addresses; its report (dict) or None."""
    codes = {p.code for p in report.problems}
    if not codes & REPAIRABLE:
        return None
    started = time.perf_counter()
    try:
        repaired, repair_report = repair(
            mesh, check_intersections=report.is_self_intersecting is not False
        )
    except GeometryError as err:
        return {"changed": False, "error": err.problem, "changes": {}, "unrepaired": {}}
    result = repair_report.to_dict()
    if repair_report.changed:
        after = analyze(
            repaired, AnalysisOptions(check_self_intersections=False, check_thickness=False)
        )
        result["after"] = {
            "triangles": after.triangles,
            "bodies": after.bodies,
            "is_watertight": after.is_watertight,
            "is_winding_consistent": after.is_winding_consistent,
            "volume_mm3": after.volume_mm3,
            "problems": [p.code for p in after.problems if p.code in REPAIRABLE],
        }
        write_3mf(repaired, workdir / "repaired.3mf")
        result["file"] = "repaired.3mf"
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def _named_link(model: UploadedModel, workdir: Path) -> Path:
    """A link to the stored upload whose name ends like the uploaded name did.

    The file is stored as "original"; the reader takes the name's ending as a hint (a
    damaged file called .stl gets STL's precise message). The link's name is ours:
    "upload" plus one of the accepted extensions, never the person's text.
    """
    from printhub.parts.services import ACCEPTED_EXTENSIONS

    suffix = Path(model.original_name).suffix.lower()
    link = workdir / ("upload" + (suffix if suffix in ACCEPTED_EXTENSIONS else ""))
    link.symlink_to(Path(model.file.path).resolve())
    return link


def _replace_file(field, path: Path | None) -> None:
    """Put a file into the model's FileField (its fixed name), replacing any earlier one."""
    if field:
        field.delete(save=False)
    if path is not None:
        with open(path, "rb") as f:
            field.save(path.name, File(f), save=False)


def run(model_id: str) -> None:
    """Analyse one model end to end (see the module's docstring)."""
    model = UploadedModel.objects.filter(pk=model_id).first()
    if model is None:
        log.warning("analysis of model %s: it no longer exists", model_id)
        return
    try:
        _run(model)
    except Exception:
        log.exception("analysis of model %s failed unexpectedly", model_id)
        _fail(model, "internal", "")


def _run(model: UploadedModel) -> None:
    from printhub.parts.services import analysis_limits, network_build_volumes

    stages = _Stages(model)
    stages.enter(m.READ, status=UploadedModel.Status.ANALYSING, error_code="", error_message="")
    tmp_root = Path(settings.DATA_DIR) / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=tmp_root, prefix="analysis-") as tmp,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="parts-side") as pool,
    ):
        workdir = Path(tmp)
        try:
            loaded: ModelFile = load_model(_named_link(model, workdir), analysis_limits())
        except GeometryError as err:
            # The person knows the file by its own name, not by the link's.
            _fail(model, error_code(err), f"{model.original_name}: {err.problem}")
            return
        mesh = loaded.mesh
        _update(model, format=loaded.format)
        side: Future = pool.submit(_side_work, mesh, workdir)

        stages.enter(m.ANALYSE)
        options = AnalysisOptions(printers=tuple(network_build_volumes()))
        report = analyze(mesh, options)

        stages.enter(m.ORIENT)
        side_result = side.result()

        stages.enter(m.REPAIR)
        repair_result = _suggest_repair(mesh, report, workdir)

        stages.enter(m.THUMBNAIL)
        _replace_file(model.thumbnail, side_result["thumbnail"])
        stages.enter(m.VIEWER)
        _replace_file(model.viewer_mesh, side_result["viewer"])
        _replace_file(
            model.repaired_file,
            workdir / "repaired.3mf" if repair_result and repair_result.get("file") else None,
        )

        stages.enter(m.SAVE)
        stages.enter(None)
        x, y, z = report.bbox_mm
        model.status = UploadedModel.Status.READY
        model.stage = m.ESTIMATES
        model.progress = 100
        model.report = report.to_dict() | {
            "pipeline_s": stages.seconds
            | {key: round(side_result[key], 3) for key in ("orient_s", "side_s")}
        }
        model.orientation = side_result["orientation"]
        model.repair = repair_result
        model.triangles = report.triangles
        model.volume_mm3 = report.volume_mm3
        model.bbox_x_mm, model.bbox_y_mm, model.bbox_z_mm = x, y, z
        model.analysed_at = timezone.now()
        model.analysis_s = stages.total()
        model.estimated_at = None
        model.save(
            update_fields=[
                "status",
                "stage",
                "progress",
                "report",
                "orientation",
                "repair",
                "triangles",
                "volume_mm3",
                "bbox_x_mm",
                "bbox_y_mm",
                "bbox_z_mm",
                "analysed_at",
                "analysis_s",
                "estimated_at",
                "thumbnail",
                "viewer_mesh",
                "repaired_file",
            ]
        )
    log.info(
        "model %s analysed in %.2f s (%d triangles)",
        model.id,
        model.analysis_s,
        report.triangles,
    )

    # The report is there (the page shows it now); the estimates follow as tasks of their
    # own, behind any other upload's analysis.
    from printhub.parts.estimates import missing_jobs
    from printhub.parts.tasks import schedule_estimates

    try:
        schedule_estimates(str(model.id), missing_jobs(model))
    except Exception:  # the report stands; quotes compute what they need on first use
        log.exception("estimates of model %s could not be queued", model.id)
