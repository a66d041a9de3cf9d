"""Slicing: the materials and printers catalog, and the PrusaSlicer backend.

from printhub.slicing import load_catalog, PrintSettings, resolve_config
catalog = load_catalog()
config = resolve_config(catalog.printer("mk3s"), catalog.material("pla"), PrintSettings())
"""

from printhub.slicing.catalog import (
    Catalog,
    Material,
    PrinterProfile,
    build_catalog,
    check_compatible,
    load_catalog,
)
from printhub.slicing.errors import (
    CatalogError,
    ConditionError,
    GcodeFormatError,
    IncompatibleMaterial,
    InvalidSettings,
    ProfileError,
    SlicerFailed,
    SlicerNotInstalled,
    SlicerTimeout,
    SlicingError,
    SlicingNotAvailable,
    UnknownMaterial,
    UnknownPrinter,
)
from printhub.slicing.gcode import (
    GcodeFigures,
    SlaFigures,
    parse_duration,
    read_gcode_figures,
    read_sl1s_figures,
)
from printhub.slicing.prusaslicer import (
    SliceResult,
    find_slicer,
    slice_mesh,
    slice_model,
    slicer_version,
)
from printhub.slicing.settings import PrintSettings, effective_layer_height, resolve_config

__all__ = [
    "Catalog",
    "CatalogError",
    "ConditionError",
    "GcodeFigures",
    "GcodeFormatError",
    "IncompatibleMaterial",
    "InvalidSettings",
    "Material",
    "PrintSettings",
    "PrinterProfile",
    "ProfileError",
    "SlaFigures",
    "SliceResult",
    "SlicerFailed",
    "SlicerNotInstalled",
    "SlicerTimeout",
    "SlicingError",
    "SlicingNotAvailable",
    "UnknownMaterial",
    "UnknownPrinter",
    "build_catalog",
    "check_compatible",
    "effective_layer_height",
    "find_slicer",
    "load_catalog",
    "parse_duration",
    "read_gcode_figures",
    "read_sl1s_figures",
    "resolve_config",
    "slice_mesh",
    "slice_model",
    "slicer_version",
]
