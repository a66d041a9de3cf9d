"""Can a center print this model in this material, and if not, why: pure functions.

The checks run in the order a person would fix things: the model itself, then what the
center's machines can do with the material, then whether it sells the material, the layer
height, the size of the part, and last whether the suitable machines are working today.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# Reason codes stored on a QuoteOption (reason_code); messages in printhub.quotes.reasons.
MODEL_NOT_READY = "model_not_ready"
MODEL_FAILED = "model_failed"
WRONG_PROCESS = "wrong_process"
NEEDS_HARDENED_NOZZLE = "needs_hardened_nozzle"
NEEDS_ENCLOSURE = "needs_enclosure"
NO_PRINTER_FOR_MATERIAL = "no_printer_for_material"
MATERIAL_NOT_OFFERED = "material_not_offered"
LAYER_HEIGHT_UNAVAILABLE = "layer_height_unavailable"
TOO_BIG = "too_big"
ALL_IN_MAINTENANCE = "all_in_maintenance"
POST_PROCESSING_NOT_OFFERED = "post_processing_not_offered"
ESTIMATE_FAILED = "estimate_failed"
NO_OPENING_HOURS = "no_opening_hours"

REASON_CODES = (
    MODEL_NOT_READY,
    MODEL_FAILED,
    WRONG_PROCESS,
    NEEDS_HARDENED_NOZZLE,
    NEEDS_ENCLOSURE,
    NO_PRINTER_FOR_MATERIAL,
    MATERIAL_NOT_OFFERED,
    LAYER_HEIGHT_UNAVAILABLE,
    TOO_BIG,
    ALL_IN_MAINTENANCE,
    POST_PROCESSING_NOT_OFFERED,
    ESTIMATE_FAILED,
    NO_OPENING_HOURS,
)

# Two layer heights closer than this are the same (the slicer's own tolerance).
LAYER_TOLERANCE_MM = 1e-6
# A part may touch the build volume's walls exactly.
FIT_TOLERANCE_MM = 1e-9


@dataclass(frozen=True)
class PrinterInfo:
    """One working-or-not printer of a center (retired printers are left out before)."""

    id: int
    catalog_id: str
    process: str  # "fdm" | "sla" | "sls"
    build_mm: tuple[float, float, float]
    hardened_nozzle: bool = False
    enclosed: bool = False
    runs_material: bool = True  # the material is on the printer's list
    available: bool = True  # False while in maintenance
    layer_range_mm: tuple[float, float] | None = None  # what the printer model allows


@dataclass(frozen=True)
class MaterialInfo:
    """The material asked for, with what it needs from a printer."""

    catalog_id: str
    process: str
    abrasive: bool = False
    needs_enclosure: bool = False
    name_ko: str = ""
    name_en: str = ""

    @property
    def names(self) -> dict[str, str]:
        return {"ko": self.name_ko or self.catalog_id, "en": self.name_en or self.catalog_id}


@dataclass(frozen=True)
class ModelInfo:
    """The analysed model: its status, size and which printer models it fits.

    bbox_mm : (x, y, z) size, mm. printer_fits : printer catalog id → fits (from the
    analysis report); a printer model not listed is checked against the bounding box.
    """

    status: str  # "queued" | "analysing" | "ready" | "failed"
    bbox_mm: tuple[float, float, float] | None = None
    printer_fits: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Ineligible:
    """Why a center cannot take the job: a reason code and its parameters (plain JSON)."""

    code: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Suitability:
    """The printers of a center that can take the job now, or why none can."""

    printers: tuple[PrinterInfo, ...] = ()
    reason: Ineligible | None = None

    @property
    def eligible(self) -> bool:
        return self.reason is None


def printer_fits_from_report(report: Mapping | None) -> dict[str, bool]:
    """printer catalog id → fits, from an analysis report's ``printer_fits`` list."""
    fits: dict[str, bool] = {}
    for entry in (report or {}).get("printer_fits") or ():
        if isinstance(entry, Mapping) and "printer_id" in entry:
            fits[str(entry["printer_id"])] = bool(entry.get("fits"))
    return fits


def fits_box(size_mm: Sequence[float], build_mm: Sequence[float]) -> bool:
    """Whether a part of this size fits a build volume turned by 90° steps (any axis order)."""
    return all(
        s <= b + FIT_TOLERANCE_MM for s, b in zip(sorted(size_mm), sorted(build_mm), strict=True)
    )


def fits(model: ModelInfo, printer: PrinterInfo) -> bool:
    """Whether the model fits the printer: the analysis's verdict, else the bounding box."""
    if printer.catalog_id in model.printer_fits:
        return model.printer_fits[printer.catalog_id]
    if model.bbox_mm is None:
        return False
    return fits_box(model.bbox_mm, printer.build_mm)


def layer_height_allowed(printer: PrinterInfo, layer_height_mm: float | None) -> bool:
    """Whether the printer model can print at this layer height (None = its default)."""
    if layer_height_mm is None or printer.layer_range_mm is None:
        return True
    low, high = printer.layer_range_mm
    return low - LAYER_TOLERANCE_MM <= layer_height_mm <= high + LAYER_TOLERANCE_MM


def can_run(printer: PrinterInfo, material: MaterialInfo) -> bool:
    """Whether the printer can run the material at all (process, nozzle, enclosure, its list)."""
    return (
        printer.process == material.process
        and (printer.hardened_nozzle or not material.abrasive)
        and (printer.enclosed or not material.needs_enclosure)
        and printer.runs_material
    )


def _why_no_printer(printers: Sequence[PrinterInfo], material: MaterialInfo) -> Ineligible:
    same_process = [p for p in printers if p.process == material.process]
    names = {"material": material.names}
    if not same_process:
        return Ineligible(WRONG_PROCESS, {"process": material.process})
    hardened = [p for p in same_process if p.hardened_nozzle]
    if material.abrasive and not hardened:
        return Ineligible(NEEDS_HARDENED_NOZZLE, names)
    candidates = hardened if material.abrasive else same_process
    if material.needs_enclosure and not any(p.enclosed for p in candidates):
        return Ineligible(NEEDS_ENCLOSURE, names)
    return Ineligible(NO_PRINTER_FOR_MATERIAL, names)


def check_center(
    printers: Iterable[PrinterInfo],
    material: MaterialInfo,
    model: ModelInfo,
    *,
    has_price: bool,
    layer_height_mm: float | None = None,
) -> Suitability:
    """The center's printers that can print the model now, or the first reason none can."""
    if model.status == "failed":
        return Suitability(reason=Ineligible(MODEL_FAILED))
    if model.status != "ready":
        return Suitability(reason=Ineligible(MODEL_NOT_READY, {"status": model.status}))
    printers = list(printers)
    capable = [p for p in printers if can_run(p, material)]
    if not capable:
        return Suitability(reason=_why_no_printer(printers, material))
    if not has_price:
        return Suitability(reason=Ineligible(MATERIAL_NOT_OFFERED, {"material": material.names}))
    layered = [p for p in capable if layer_height_allowed(p, layer_height_mm)]
    if not layered:
        ranges = sorted({p.layer_range_mm for p in capable if p.layer_range_mm})
        return Suitability(
            reason=Ineligible(
                LAYER_HEIGHT_UNAVAILABLE,
                {
                    "layer_height_mm": layer_height_mm,
                    "low_mm": min(r[0] for r in ranges) if ranges else None,
                    "high_mm": max(r[1] for r in ranges) if ranges else None,
                },
            )
        )
    fitting = [p for p in layered if fits(model, p)]
    if not fitting:
        largest = max(layered, key=lambda p: p.build_mm[0] * p.build_mm[1] * p.build_mm[2])
        return Suitability(
            reason=Ineligible(
                TOO_BIG,
                {
                    "size_mm": [round(v, 1) for v in model.bbox_mm or (0.0, 0.0, 0.0)],
                    "largest_mm": [round(v, 1) for v in largest.build_mm],
                },
            )
        )
    available = [p for p in fitting if p.available]
    if not available:
        return Suitability(reason=Ineligible(ALL_IN_MAINTENANCE, {"count": len(fitting)}))
    return Suitability(printers=tuple(available))
