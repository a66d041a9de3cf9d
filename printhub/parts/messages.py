"""What the analysis found, in sentences a person reads (Korean and English, via gettext).

The geometry library reports codes and numbers (`Problem.code`, `details`, the repair's
change counts, a fit's `how`); this module turns each into a translated sentence. Every
function here runs in the active language of the request.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# Stages of the analysis task, in the order they run (codes stored in UploadedModel.stage).
QUEUED = "queued"
READ = "read"
ANALYSE = "analyse"
ORIENT = "orient"
REPAIR = "repair"
THUMBNAIL = "thumbnail"
VIEWER = "viewer"
SAVE = "save"
ESTIMATES = "estimates"
DONE = "done"
FAILED = "failed"

STAGES = {
    QUEUED: gettext_lazy("Waiting for its turn"),
    "analysing": gettext_lazy("Analysing"),
    READ: gettext_lazy("Reading the file"),
    ANALYSE: gettext_lazy("Checking the geometry"),
    ORIENT: gettext_lazy("Finding the best orientation"),
    REPAIR: gettext_lazy("Preparing a repair"),
    THUMBNAIL: gettext_lazy("Drawing a preview"),
    VIEWER: gettext_lazy("Preparing the 3D view"),
    SAVE: gettext_lazy("Saving the report"),
    ESTIMATES: gettext_lazy("Estimating time and material for every printer"),
    DONE: gettext_lazy("Analysed"),
    "ready": gettext_lazy("Analysed"),
    FAILED: gettext_lazy("Could not be read"),
}

SEVERITIES = {
    "error": gettext_lazy("Must be fixed"),
    "warning": gettext_lazy("Worth checking"),
    "info": gettext_lazy("Good to know"),
}

# Short names of the problems, for the viewer's colour toggles and headings.
PROBLEM_TITLES = {
    "not_watertight": gettext_lazy("Open edges"),
    "non_manifold_edges": gettext_lazy("Non-manifold edges"),
    "inconsistent_winding": gettext_lazy("Flipped faces"),
    "inverted_normals": gettext_lazy("Inside-out parts"),
    "duplicate_faces": gettext_lazy("Duplicate faces"),
    "self_intersecting": gettext_lazy("Self-intersections"),
    "thin_walls": gettext_lazy("Thin walls"),
    "unit_suspect": gettext_lazy("Unit"),
    "too_large": gettext_lazy("Too large"),
    "degenerate_faces": gettext_lazy("Faces without area"),
    "multiple_bodies": gettext_lazy("Several parts"),
    "needs_support": gettext_lazy("Overhangs"),
}

UNITS = {
    "inch": gettext_lazy("inches"),
    "centimeter": gettext_lazy("centimetres"),
    "meter": gettext_lazy("metres"),
    "micron": gettext_lazy("micrometres"),
    "millimeter": gettext_lazy("millimetres"),
    "foot": gettext_lazy("feet"),
}

FIT_HOW = {
    "as_is": gettext_lazy("fits as uploaded"),
    "axis_swap": gettext_lazy("fits turned on another side"),
    "z_rotation": gettext_lazy("fits turned diagonally on the bed"),
    "none": gettext_lazy("too large"),
}

# The reader's errors by class, to say in the person's language what kind of trouble it is.
ERROR_KINDS = {
    "unsupported_format": gettext_lazy("This is not a model file printhub can read."),
    "empty_mesh": gettext_lazy("The file holds no triangles."),
    "unsafe_file": gettext_lazy("The file was refused because it could be harmful."),
    "mesh_too_large": gettext_lazy("The model is larger than the platform accepts."),
    "mesh_format": gettext_lazy("The file is damaged or not valid in its format."),
    "unreadable": gettext_lazy("The stored file could not be opened."),
    "internal": gettext_lazy(
        "Something went wrong on our side while analysing this file. The staff have been "
        "told; please try uploading it again later."
    ),
}


def stage_label(code: str) -> str:
    """A stage (or status) code in words."""
    label = STAGES.get(code)
    return str(label) if label is not None else code


def severity_label(severity: str) -> str:
    return str(SEVERITIES.get(severity, severity))


def problem_title(code: str) -> str:
    title = PROBLEM_TITLES.get(code)
    return str(title) if title is not None else code.replace("_", " ")


def unit_name(unit: str) -> str:
    name = UNITS.get(unit)
    return str(name) if name is not None else unit


def fit_how(how: str) -> str:
    return str(FIT_HOW.get(how, how))


def error_kind(code: str) -> str:
    """The lead sentence shown above the reader's own message when a file fails."""
    return str(ERROR_KINDS.get(code, ERROR_KINDS["mesh_format"]))


def size_text(size_mm) -> str:
    """(x, y, z) in mm as "12.0 × 30.5 × 8.2 mm"."""
    try:
        x, y, z = (float(v) for v in size_mm)
    except (TypeError, ValueError):
        return ""
    return f"{x:,.1f} × {y:,.1f} × {z:,.1f} mm"


def _number(details: dict, key: str, default: float = 0.0) -> float:
    value = details.get(key)
    try:
        return float(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def problem_sentence(problem: dict) -> str:
    """One problem of a report (its dict form) as a sentence with its figures."""
    code = problem.get("code", "")
    details = problem.get("details") or {}
    count = int(problem.get("count") or 0)
    if code == "not_watertight":
        edges = int(_number(details, "edges", count))
        return ngettext(
            "The surface is not closed: %(edges)d edge is open. A printer needs a closed "
            "solid; the repair below closes the holes.",
            "The surface is not closed: %(edges)d edges are open. A printer needs a closed "
            "solid; the repair below closes the holes.",
            edges,
        ) % {"edges": edges}
    if code == "non_manifold_edges":
        edges = int(_number(details, "edges", count))
        return ngettext(
            "%(edges)d edge is shared by more than two faces, so inside and outside are "
            "unclear there.",
            "%(edges)d edges are shared by more than two faces, so inside and outside are "
            "unclear there.",
            edges,
        ) % {"edges": edges}
    if code == "inconsistent_winding":
        edges = int(_number(details, "edges", count))
        return ngettext(
            "Neighbouring faces disagree about which side is outside along %(edges)d edge "
            "(some faces are flipped).",
            "Neighbouring faces disagree about which side is outside along %(edges)d edges "
            "(some faces are flipped).",
            edges,
        ) % {"edges": edges}
    if code == "inverted_normals":
        bodies = int(_number(details, "bodies", 1))
        return ngettext(
            "%(bodies)d part is inside out: its faces point inwards.",
            "%(bodies)d parts are inside out: their faces point inwards.",
            bodies,
        ) % {"bodies": bodies}
    if code == "duplicate_faces":
        return ngettext(
            "%(count)d face appears twice in the file.",
            "%(count)d faces appear twice in the file.",
            count,
        ) % {"count": count}
    if code == "self_intersecting":
        pairs = int(_number(details, "pairs", count))
        return ngettext(
            "The surface passes through itself: %(pairs)d pair of faces cross. Slicers may "
            "fill or leave out the overlapping part.",
            "The surface passes through itself: %(pairs)d pairs of faces cross. Slicers may "
            "fill or leave out the overlapping part.",
            pairs,
        ) % {"pairs": pairs}
    if code == "thin_walls":
        return _(
            "Walls thinner than %(threshold).1f mm cover %(area).0f mm² of the surface (the "
            "thinnest is %(thinnest).2f mm). They may print weak or not at all; thicken them "
            "if you can."
        ) % {
            "threshold": _number(details, "threshold_mm", 0.8),
            "area": _number(details, "area_mm2"),
            "thinnest": _number(details, "min_wall_mm"),
        }
    if code == "unit_suspect":
        return _(
            "The model measures only %(size)s. It may have been drawn in %(unit)s; in "
            "millimetres it would measure %(scaled)s."
        ) % {
            "size": size_text(details.get("size_mm")),
            "unit": unit_name(str(details.get("unit", ""))),
            "scaled": size_text(details.get("size_if_scaled_mm")),
        }
    if code == "too_large":
        return _(
            "At %(size)s the model fits none of the network's printers, even turned. Scale "
            "it down or cut it into parts."
        ) % {"size": size_text(details.get("size_mm"))}
    if code == "degenerate_faces":
        return ngettext(
            "%(count)d face has no area (its corners are on one line); it is ignored.",
            "%(count)d faces have no area (their corners are on one line); they are ignored.",
            count,
        ) % {"count": count}
    if code == "multiple_bodies":
        return ngettext(
            "The model is %(count)d separate part.",
            "The model is %(count)d separate parts; they are printed together.",
            count,
        ) % {"count": count}
    if code == "needs_support":
        return _(
            "Overhangs of %(area).0f mm² need support as the model is placed now; the "
            "suggested orientation below may need less."
        ) % {"area": _number(details, "area_mm2")}
    return _("Another problem was found (%(code)s).") % {"code": code}


def repair_change_sentence(code: str, count: int) -> str:
    """One line of what the repair changed."""
    if code == "merged_vertices":
        return ngettext(
            "%(count)d corner point merged with its near twin",
            "%(count)d corner points merged with their near twins",
            count,
        ) % {"count": count}
    if code == "removed_degenerate_faces":
        return ngettext(
            "%(count)d face without area removed",
            "%(count)d faces without area removed",
            count,
        ) % {"count": count}
    if code == "removed_duplicate_faces":
        return ngettext(
            "%(count)d duplicate face removed", "%(count)d duplicate faces removed", count
        ) % {"count": count}
    if code == "flipped_faces":
        return ngettext(
            "%(count)d flipped face turned the right way",
            "%(count)d flipped faces turned the right way",
            count,
        ) % {"count": count}
    if code == "rebuilt_bodies":
        return ngettext(
            "%(count)d part rebuilt to close its holes",
            "%(count)d parts rebuilt to close their holes",
            count,
        ) % {"count": count}
    if code == "united_overlapping_bodies":
        return ngettext(
            "%(count)d overlapping part united into one solid",
            "%(count)d overlapping parts united into one solid",
            count,
        ) % {"count": count}
    if code == "flipped_bodies":
        return ngettext(
            "%(count)d inside-out part turned right side out",
            "%(count)d inside-out parts turned right side out",
            count,
        ) % {"count": count}
    return f"{code}: {count}"


def repair_unrepaired_sentence(code: str, reason: str) -> str:
    """One problem the repair could not fix."""
    if code == "not_watertight":
        return _("Some holes remain open (%(reason)s).") % {"reason": reason}
    if code == "non_manifold_edges":
        return _("Some non-manifold edges remain (%(reason)s).") % {"reason": reason}
    if code == "overlapping_bodies":
        return _("Overlapping parts could not be united, as one of them is not closed.")
    if code.startswith("body_"):
        return _("One part could not be rebuilt automatically.")
    return f"{code}: {reason}"
