"""Print settings a person chooses, and the one flat PrusaSlicer config they resolve to.

``resolve_config(printer, material, settings)`` merges, later overriding earlier:

1. PrusaSlicer 2.5's built-in defaults (so that every option is present),
2. the printer preset,
3. the compatible print preset whose layer height is nearest to the one asked,
4. the filament (or resin) preset that matches the material on this printer,
5. the material's own figures (density, price in won, temperatures) and overrides,
6. the settings (layer height, infill, perimeters, supports, brim, ...).

The slicer backend writes this dict to an ini for ``--load``; the estimator reads speeds,
accelerations and cooling from the same dict, so both see the same machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from printhub.slicing.catalog import (
    REFERENCE_BUNDLE,
    Catalog,
    Material,
    PrinterProfile,
    check_compatible,
    load_catalog,
)
from printhub.slicing.conditions import split_values
from printhub.slicing.errors import (
    IncompatibleMaterial,
    InvalidSettings,
    ProfileError,
    SlicingNotAvailable,
)
from printhub.slicing.profiles import META_KEYS, VendorBundle, alias_of, prusaslicer_defaults

SupportMode = Literal["off", "auto", "buildplate"]
SUPPORT_MODES: tuple[str, ...] = ("off", "auto", "buildplate")
# PrusaSlicer 2.5's fill_pattern values.
INFILL_PATTERNS = (
    "rectilinear",
    "alignedrectilinear",
    "grid",
    "triangles",
    "stars",
    "cubic",
    "line",
    "concentric",
    "honeycomb",
    "3dhoneycomb",
    "gyroid",
    "hilbertcurve",
    "archimedeanchords",
    "octagramspiral",
    "adaptivecubic",
    "supportcubic",
    "lightning",
)
# Patterns PrusaSlicer can lay at 100 % density; others are switched to rectilinear there.
SOLID_CAPABLE_PATTERNS = frozenset(
    {
        "rectilinear",
        "alignedrectilinear",
        "concentric",
        "hilbertcurve",
        "archimedeanchords",
        "octagramspiral",
        "monotonic",
    }
)
DEFAULT_FDM_LAYER_MM = 0.20
DEFAULT_SLA_LAYER_MM = 0.05
# Two layer heights closer than this are the same height.
LAYER_HEIGHT_TOL_MM = 1e-6


@dataclass(frozen=True)
class PrintSettings:
    """What a person may change per job; None keeps the profile's value.

    ``layer_height_mm`` None means 0.20 mm on FDM (clamped to what the nozzle allows) and
    0.05 mm on resin. ``supports``: "off"; "auto" = wherever overhangs need it (PrusaSlicer's
    support_material + support_material_auto, "Everywhere" in its GUI); "buildplate" = only
    supports standing on the bed. Infill, perimeters, shells and brim apply to FDM only.
    """

    layer_height_mm: float | None = None
    infill_percent: int = 20
    infill_pattern: str | None = None
    perimeters: int | None = None
    top_layers: int | None = None
    bottom_layers: int | None = None
    supports: SupportMode = "auto"
    brim_mm: float | None = None

    def __post_init__(self) -> None:
        _check_number("layer_height_mm", self.layer_height_mm, 0.01, 1.0, optional=True)
        _check_int("infill_percent", self.infill_percent, 0, 100)
        _check_int("perimeters", self.perimeters, 0, 50, optional=True)
        _check_int("top_layers", self.top_layers, 0, 100, optional=True)
        _check_int("bottom_layers", self.bottom_layers, 0, 100, optional=True)
        _check_number("brim_mm", self.brim_mm, 0.0, 50.0, optional=True)
        if self.supports not in SUPPORT_MODES:
            raise InvalidSettings(
                f"supports must be one of {', '.join(SUPPORT_MODES)}, not {self.supports!r}"
            )
        if self.infill_pattern is not None and self.infill_pattern not in INFILL_PATTERNS:
            raise InvalidSettings(
                f"infill_pattern {self.infill_pattern!r} is not one of PrusaSlicer's: "
                + ", ".join(INFILL_PATTERNS)
            )


def _check_int(name: str, value: object, low: int, high: int, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidSettings(f"{name} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise InvalidSettings(f"{name} must be between {low} and {high}, not {value}")


def _check_number(
    name: str, value: object, low: float, high: float, optional: bool = False
) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidSettings(f"{name} must be a number, not {value!r}")
    if not low <= value <= high:
        raise InvalidSettings(f"{name} must be between {low:g} and {high:g}, not {value:g}")


def effective_layer_height(printer: PrinterProfile, settings: PrintSettings) -> float:
    """The layer height a job prints at on this printer, checked against what it allows."""
    low, high = printer.layer_height_range_mm or (0.0, float("inf"))
    if settings.layer_height_mm is None:
        if printer.technology == "sla":
            return DEFAULT_SLA_LAYER_MM
        return min(max(DEFAULT_FDM_LAYER_MM, low), high)
    height = float(settings.layer_height_mm)
    if height < low - LAYER_HEIGHT_TOL_MM or height > high + LAYER_HEIGHT_TOL_MM:
        what = f"the {printer.nozzle_mm:g} mm nozzle of " if printer.nozzle_mm else ""
        raise InvalidSettings(
            f"layer height {height:g} mm is outside {low:g}–{high:g} mm, the range "
            f"{what}{printer.name} allows"
        )
    return height


# ------------------------------------------------------------------------------ resolving


def resolve_config(
    printer: PrinterProfile,
    material: Material,
    settings: PrintSettings | None = None,
    catalog: Catalog | None = None,
) -> dict[str, str]:
    """One flat PrusaSlicer config (option -> value as in an ini) for this job."""
    settings = settings or PrintSettings()
    catalog = catalog or load_catalog()
    if not printer.sliceable:
        raise SlicingNotAvailable(
            f"{printer.name} is an {printer.technology.upper()} printer: PrusaSlicer cannot "
            "slice for it, so its jobs are estimated only"
        )
    check_compatible(printer, material, catalog)
    layer_height = effective_layer_height(printer, settings)
    bundle = catalog.bundle_of(printer)
    if printer.technology == "sla":
        return _resolve_sla(catalog, bundle, printer, material, settings, layer_height)
    return _resolve_fdm(catalog, bundle, printer, material, settings, layer_height)


def _preset_options(config: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in config.items() if k not in META_KEYS}


def _nearest_print(
    bundle: VendorBundle, group: str, printer: PrinterProfile, layer_height: float
) -> str | None:
    """The compatible print preset nearest in layer height (ties: the printer's default,
    then QUALITY/NORMAL-type presets, then file order)."""
    names = bundle.compatible_presets(group, printer.bundle_preset or "")
    if not names:
        return None
    printer_config = bundle.resolve("printer", printer.bundle_preset or "")
    default_key = "default_print_profile" if group == "print" else "default_sla_print_profile"
    default = (split_values(printer_config.get(default_key, "")) or [""])[0]

    def rank(item: tuple[int, str]) -> tuple[float, int, int, int]:
        index, name = item
        height = float(bundle.resolve(group, name).get("layer_height", "0") or 0)
        upper = name.upper()
        quality = 0 if any(w in upper for w in ("QUALITY", "NORMAL", "OPTIMAL")) else 1
        return (round(abs(height - layer_height), 6), name != default, quality, index)

    return min(enumerate(names), key=rank)[1]


def _material_preset(
    catalog: Catalog,
    bundle: VendorBundle,
    group: str,
    printer: PrinterProfile,
    material: Material,
    print_name: str | None,
) -> tuple[VendorBundle, str, bool]:
    """(bundle, preset, foreign): the material's preset for this printer and print preset.

    First the printer's own bundle, by name or by name without "@PRINTER"; then the
    material's vendor_presets for that bundle; then the material's home bundle ("foreign":
    its printer-specific G-code must not be used).
    """
    wanted = [material.bundle_preset or ""]
    mapped = dict(material.vendor_presets).get(bundle.id)
    if mapped:
        wanted.insert(0, mapped)
    for name in wanted:
        candidates = [
            preset
            for preset in bundle.preset_names(group)
            if name in (preset, alias_of(preset))
            and bundle.is_compatible(group, preset, printer.bundle_preset or "", print_name)
        ]
        if candidates:
            # The most specific variant ("X @0.6 nozzle" over "X") when both are offered.
            return bundle, max(candidates, key=lambda p: (p != name, len(p))), False
    home_id = material.bundle or REFERENCE_BUNDLE
    if home_id != bundle.id and home_id in catalog.bundles:
        home = catalog.bundles[home_id]
        names = [p for p in home.preset_names(group) if wanted[-1] in (p, alias_of(p))]
        if names:
            exact = [p for p in names if p == wanted[-1]]
            return home, (exact or names)[0], True
    if group == "sla_material" and print_name is not None:
        raise InvalidSettings(
            f"{material.name} has no PrusaSlicer profile for {print_name!r} on "
            f"{printer.name}; choose another layer height"
        )
    raise IncompatibleMaterial(
        printer.id,
        material.id,
        f"PrusaSlicer's {bundle.name} profiles have no {material.bundle_preset!r} for "
        f"{printer.name}",
    )


def _resolve_fdm(
    catalog: Catalog,
    bundle: VendorBundle,
    printer: PrinterProfile,
    material: Material,
    settings: PrintSettings,
    layer_height: float,
) -> dict[str, str]:
    defaults = prusaslicer_defaults()["fff"]
    config = dict(defaults)
    printer_preset = printer.bundle_preset or ""
    config.update(_preset_options(bundle.resolve("printer", printer_preset)))
    print_name = _nearest_print(bundle, "print", printer, layer_height)
    if print_name is not None:
        config.update(_preset_options(bundle.resolve("print", print_name)))
    # A filament preset's own conditions may name the print preset (compatible_prints).
    filament_bundle, filament_name, foreign = _material_preset(
        catalog, bundle, "filament", printer, material, print_name
    )
    filament = _preset_options(filament_bundle.resolve("filament", filament_name))
    if foreign:
        # Its start/end G-code targets another vendor's firmware.
        for key in ("start_filament_gcode", "end_filament_gcode"):
            filament[key] = defaults.get(key, "")
    config.update(filament)
    config.update(_fdm_material_options(material, filament))
    config.update(material.overrides_dict)
    config.update(_fdm_settings_options(settings, layer_height, config))
    config["printer_settings_id"] = printer_preset
    config["print_settings_id"] = print_name or "- default FFF -"
    config["filament_settings_id"] = _quote(filament_name)
    config["printer_technology"] = "FFF"
    return config


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shift(preset: Mapping[str, str], key: str, first_key: str, value: int) -> dict[str, str]:
    """Set ``key`` to value and ``first_key`` to value plus the preset's first-layer offset."""
    try:
        offset = float(split_values(preset[first_key])[0]) - float(split_values(preset[key])[0])
    except (KeyError, IndexError, ValueError):
        offset = 0.0
    return {key: f"{value:g}", first_key: f"{value + offset:g}"}


def _fdm_material_options(material: Material, preset: Mapping[str, str]) -> dict[str, str]:
    options = {"filament_density": f"{material.density_g_cm3:g}"}
    # filament_cost is money per kg; in won, PrusaSlicer's "total filament cost" is in won.
    # A bundle material without a hub price costs 0 rather than the bundle's euros.
    options["filament_cost"] = str(material.price_krw_per_kg or 0)
    if material.diameter_mm is not None:
        options["filament_diameter"] = f"{material.diameter_mm:g}"
    if material.nozzle_temp_c is not None:
        options.update(
            _shift(preset, "temperature", "first_layer_temperature", material.nozzle_temp_c)
        )
    if material.bed_temp_c is not None:
        options.update(
            _shift(preset, "bed_temperature", "first_layer_bed_temperature", material.bed_temp_c)
        )
    return options


def _fdm_settings_options(
    settings: PrintSettings, layer_height: float, config: Mapping[str, str]
) -> dict[str, str]:
    options = {
        "layer_height": f"{layer_height:g}",
        "fill_density": f"{settings.infill_percent}%",
        "support_material": "0" if settings.supports == "off" else "1",
        "support_material_auto": "1",
        "support_material_buildplate_only": "1" if settings.supports == "buildplate" else "0",
    }
    pattern = settings.infill_pattern or config.get("fill_pattern", "")
    if settings.infill_pattern is not None:
        options["fill_pattern"] = settings.infill_pattern
    if settings.infill_percent == 100 and pattern not in SOLID_CAPABLE_PATTERNS:
        # PrusaSlicer refuses 100 % with e.g. gyroid; its GUI offers rectilinear instead.
        options["fill_pattern"] = "rectilinear"
    if settings.perimeters is not None:
        options["perimeters"] = str(settings.perimeters)
    if settings.top_layers is not None:
        options["top_solid_layers"] = str(settings.top_layers)
    if settings.bottom_layers is not None:
        options["bottom_solid_layers"] = str(settings.bottom_layers)
    if settings.brim_mm is not None:
        options["brim_width"] = f"{settings.brim_mm:g}"
    return options


def _resolve_sla(
    catalog: Catalog,
    bundle: VendorBundle,
    printer: PrinterProfile,
    material: Material,
    settings: PrintSettings,
    layer_height: float,
) -> dict[str, str]:
    config = dict(prusaslicer_defaults()["sla"])
    printer_preset = printer.bundle_preset or ""
    config.update(_preset_options(bundle.resolve("printer", printer_preset)))
    print_name = _nearest_print(bundle, "sla_print", printer, layer_height)
    if print_name is None:
        raise ProfileError(
            f"PrusaSlicer's {bundle.name} profiles have no SLA print preset for {printer.name}",
            bundle.path,
        )
    print_config = bundle.resolve("sla_print", print_name)
    offered = float(print_config.get("layer_height", "0"))
    if abs(offered - layer_height) > LAYER_HEIGHT_TOL_MM:
        heights = sorted(
            {
                float(bundle.resolve("sla_print", n).get("layer_height", "0"))
                for n in bundle.compatible_presets("sla_print", printer_preset)
            }
        )
        raise InvalidSettings(
            f"{printer.name} prints resin at layer heights of "
            + ", ".join(f"{h:g}" for h in heights)
            + f" mm (exposures are calibrated for those), not {layer_height:g} mm"
        )
    config.update(_preset_options(print_config))
    material_bundle, material_name, _ = _material_preset(
        catalog, bundle, "sla_material", printer, material, print_name
    )
    config.update(_preset_options(material_bundle.resolve("sla_material", material_name)))
    config.update(
        {
            "material_density": f"{material.density_g_cm3:g}",
            # bottle_cost per bottle_volume (ml): PrusaSlicer's resin cost comes out in won.
            "bottle_cost": str(material.price_krw_per_l or 0),
            "bottle_volume": "1000",
            "bottle_weight": f"{material.density_g_cm3:g}",
        }
    )
    config.update(material.overrides_dict)
    config.update(
        {
            "layer_height": f"{layer_height:g}",
            "supports_enable": "0" if settings.supports == "off" else "1",
            "support_buildplate_only": "1" if settings.supports == "buildplate" else "0",
        }
    )
    config["printer_settings_id"] = printer_preset
    config["sla_print_settings_id"] = print_name
    config["sla_material_settings_id"] = material_name
    config["printer_technology"] = "SLA"
    return config
