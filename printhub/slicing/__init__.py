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
from printhub.slicing.settings import PrintSettings, effective_layer_height, resolve_config

__all__ = [
    "Catalog",
    "CatalogError",
    "ConditionError",
    "GcodeFormatError",
    "IncompatibleMaterial",
    "InvalidSettings",
    "Material",
    "PrintSettings",
    "PrinterProfile",
    "ProfileError",
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
    "load_catalog",
    "resolve_config",
]
