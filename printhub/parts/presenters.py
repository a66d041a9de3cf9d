"""The analysis of a model as pages and the API show it: sentences, names, viewer data."""

from __future__ import annotations

import numpy as np
from django.urls import reverse
from django.utils.translation import gettext as _

from printhub.parts import messages as m
from printhub.parts.models import UploadedModel

# Colours of the problems in the 3D viewer (and their swatches beside the toggles).
PROBLEM_COLORS = {
    "not_watertight": "#e03131",
    "non_manifold_edges": "#c2255c",
    "inconsistent_winding": "#f76707",
    "inverted_normals": "#9c36b5",
    "self_intersecting": "#7048e8",
    "duplicate_faces": "#2f9e44",
    "thin_walls": "#1c7ed6",
    "degenerate_faces": "#495057",
    "needs_support": "#fab005",
}
# Painting order in the viewer: later codes win where problems share faces.
PAINT_ORDER = [
    "needs_support",
    "degenerate_faces",
    "duplicate_faces",
    "thin_walls",
    "self_intersecting",
    "inverted_normals",
    "inconsistent_winding",
    "non_manifold_edges",
    "not_watertight",
]

FORMAT_LABELS = {
    "stl-binary": "STL (binary)",
    "stl-ascii": "STL (ASCII)",
    "obj": "OBJ",
    "ply-ascii": "PLY (ASCII)",
    "ply-binary": "PLY (binary)",
    "3mf": "3MF",
}


def format_label(fmt: str) -> str:
    return FORMAT_LABELS.get(fmt, fmt.upper() if fmt else "—")


def problems(report: dict) -> list[dict]:
    """The report's problems with their title, severity label and sentence."""
    out = []
    for problem in report.get("problems", []):
        code = problem.get("code", "")
        out.append(
            {
                "code": code,
                "severity": problem.get("severity", "info"),
                "severity_label": m.severity_label(problem.get("severity", "info")),
                "title": m.problem_title(code),
                "message": m.problem_sentence(problem),
                "count": problem.get("count", 0),
                "color": PROBLEM_COLORS.get(code),
            }
        )
    return out


def fits(report: dict) -> list[dict]:
    """Each printer model of the network: whether the part fits and how."""
    from printhub.parts.services import printer_names

    names = printer_names()
    rows = []
    for fit in report.get("printer_fits", []):
        pid = fit.get("printer_id", "")
        rows.append(
            {
                "printer_id": pid,
                "name": names.get(pid, pid),
                "fits": bool(fit.get("fits")),
                "how": m.fit_how(fit.get("how", "")),
            }
        )
    rows.sort(key=lambda r: (not r["fits"], r["name"]))
    return rows


def repair_summary(model: UploadedModel) -> dict | None:
    """What the suggested repair would change, in sentences; None when none was needed."""
    repair = model.repair
    if not repair:
        return None
    changes = [m.repair_change_sentence(code, n) for code, n in repair.get("changes", {}).items()]
    left = [
        m.repair_unrepaired_sentence(code, reason)
        for code, reason in (repair.get("unrepaired") or {}).items()
    ]
    if repair.get("error"):
        left.append(_("The repair could not be made: %(error)s") % {"error": repair["error"]})
    after = repair.get("after") or {}
    return {
        "changed": bool(repair.get("changed")),
        "changes": changes,
        "unrepaired": left,
        "after": after,
        "after_titles": [m.problem_title(code) for code in after.get("problems", [])],
        "download": bool(model.repaired_file),
    }


def orientation_summary(model: UploadedModel) -> dict | None:
    """Support area as uploaded and in the suggested orientation."""
    orientation = model.orientation
    if not orientation:
        return None
    rotation = np.asarray(orientation.get("rotation") or np.eye(3), dtype=float)
    before = float(orientation.get("support_area_as_uploaded_mm2") or 0.0)
    after = float(orientation.get("support_area_mm2") or 0.0)
    best = orientation.get("best") or {}
    uploaded = orientation.get("as_uploaded") or {}
    return {
        "turned": not np.allclose(rotation, np.eye(3), atol=1e-9),
        "support_before_mm2": before,
        "support_after_mm2": after,
        "height_before_mm": uploaded.get("height_mm"),
        "height_after_mm": best.get("height_mm"),
        "contact_before_mm2": uploaded.get("bed_contact_mm2"),
        "contact_after_mm2": best.get("bed_contact_mm2"),
        "saving_percent": round(100 * (before - after) / before) if before > 0 else 0,
    }


def viewer_data(model: UploadedModel) -> dict:
    """What the 3D viewer needs: face lists per problem, the rotation, the size."""
    report = model.report or {}
    by_code = {p.get("code"): p for p in report.get("problems", [])}
    layers = []
    for code in PAINT_ORDER:
        problem = by_code.get(code)
        if not problem or not problem.get("faces"):
            continue
        layers.append(
            {
                "code": code,
                "color": PROBLEM_COLORS[code],
                "faces": problem["faces"],
            }
        )
    orientation = model.orientation or {}
    return {
        "mesh_url": reverse("parts:viewer_mesh", args=[model.id]),
        "problems": layers,
        "rotation": orientation.get("rotation"),
        # Turned, other faces need support: the viewer shows those instead.
        "turned_overhangs": {
            "code": "needs_support",
            "color": PROBLEM_COLORS["needs_support"],
            "faces": orientation.get("overhang_faces", []),
        },
        "size_mm": list(model.bbox_mm) if model.bbox_mm else report.get("bbox_mm"),
    }


def viewer_toggles(model: UploadedModel) -> list[dict]:
    """The problems the viewer can colour, in the order shown beside it (errors first)."""
    report = model.report or {}
    toggles = []
    for problem in report.get("problems", []):
        code = problem.get("code")
        if code in PROBLEM_COLORS and problem.get("faces"):
            toggles.append(
                {
                    "code": code,
                    "title": m.problem_title(code),
                    "color": PROBLEM_COLORS[code],
                    "count": problem.get("count", 0),
                    "listed": len(problem["faces"]),
                }
            )
    return toggles


def _yes_no(value, yes: str, no: str, unknown: str | None = None) -> tuple[str, str]:
    """(text, tone) for a check: tone "good", "bad" or "" (not checked)."""
    if value is None:
        return (unknown or _("not checked"), "")
    return (yes, "good") if value else (no, "bad")


def facts(model: UploadedModel, report: dict) -> list[dict]:
    """The figures of the report as rows (label, value, tone), in the active language."""
    from django.template.defaultfilters import filesizeformat

    def row(label, value, tone=""):
        return {"label": label, "value": value, "tone": tone}

    size = report.get("bbox_mm") or [0, 0, 0]
    rows = [
        row(_("File name"), model.original_name),
        row(_("Format"), format_label(model.format)),
        row(_("File size"), filesizeformat(model.size_bytes)),
        row(_("Triangles"), f"{int(report.get('triangles', 0)):,}"),
        row(_("Bodies"), f"{int(report.get('bodies', 0)):,}"),
        row(_("Dimensions (x × y × z)"), m.size_text(size)),
        row(_("Volume"), f"{float(report.get('volume_mm3') or 0) / 1000:,.2f} cm³"),
        row(_("Surface"), f"{float(report.get('area_mm2') or 0) / 100:,.1f} cm²"),
    ]
    text, tone = _yes_no(report.get("is_watertight"), _("closed"), _("open (has holes)"))
    rows.append(row(_("Watertight"), text, tone))
    text, tone = _yes_no(
        report.get("is_winding_consistent"), _("consistent"), _("some faces are flipped")
    )
    rows.append(row(_("Face orientation"), text, tone))
    crossing = report.get("is_self_intersecting")
    text, tone = _yes_no(
        None if crossing is None else not crossing, _("none"), _("the surface crosses itself")
    )
    rows.append(row(_("Self-intersections"), text, tone))
    wall = report.get("min_wall_mm")
    threshold = float(report.get("thin_wall_threshold_mm") or 0.8)
    if wall is None:
        rows.append(row(_("Thinnest wall"), _("not measured (the surface is open)"), ""))
    else:
        rows.append(
            row(
                _("Thinnest wall"),
                f"{float(wall):.2f} mm",
                "good" if float(wall) >= threshold else "bad",
            )
        )
    rows.append(
        row(
            _("Overhang area"),
            _("%(area)s mm² (overhang limit %(angle)s°)")
            % {
                "area": f"{float(report.get('overhang_area_mm2') or 0):,.0f}",
                "angle": f"{float(report.get('overhang_angle_deg') or 45):g}",
            },
        )
    )
    return rows


def report_context(model: UploadedModel) -> dict:
    """Everything the report part of the model page shows."""
    report = model.report or {}
    return {
        "report": report,
        "facts": facts(model, report),
        "problems": problems(report),
        "errors": [p for p in report.get("problems", []) if p.get("severity") == "error"],
        "fits": fits(report),
        "repair": repair_summary(model),
        "orientation": orientation_summary(model),
        "viewer": viewer_data(model),
        "viewer_data_id": f"viewer-data-{model.id}",
        "toggles": viewer_toggles(model),
        "format_label": format_label(model.format),
    }


def error_context(model: UploadedModel) -> dict:
    return {"error_kind": m.error_kind(model.error_code)}
