"""The printers and materials a center can quote: the hub's curated fleet, then every bundle preset.

Curated entries live in ``data/printers.toml`` and ``data/materials.toml`` and are checked when
read (a bad entry -> CatalogError naming the file, the entry and the option). Every printer
preset of PrusaSlicer's vendor bundles, and every filament and resin (one per name, as
PrusaSlicer's wizard shows them), is listed after them with an id derived from the bundle and
the preset name: ``prusaresearch-original-prusa-i3-mk3s-mk3s-0.6-nozzle``.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from printhub.slicing.conditions import split_values
from printhub.slicing.errors import (
    CatalogError,
    IncompatibleMaterial,
    ProfileError,
    UnknownMaterial,
    UnknownPrinter,
)
from printhub.slicing.profiles import (
    VendorBundle,
    alias_of,
    load_bundles,
    profiles_dir,
    prusaslicer_defaults,
)

DATA_DIR = Path(__file__).parent / "data"
PRINTERS_TOML = DATA_DIR / "printers.toml"
MATERIALS_TOML = DATA_DIR / "materials.toml"

TECHNOLOGIES = ("fdm", "sla", "sls")
FILLERS = ("carbon-fiber", "cnt", "glass-fiber")
# Bundle preset the curated materials name by default (and the one a filament falls back to
# when the printer's own bundle has no profile for it).
REFERENCE_BUNDLE = "PrusaResearch"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


def slugify(text: str) -> str:
    """A typable id: lowercase letters, digits, dots and single hyphens ("PLA+" -> "pla-plus")."""
    slug = re.sub(r"[^a-z0-9.]+", "-", text.lower().replace("+", " plus "))
    return re.sub(r"-{2,}", "-", slug).strip("-.")


@dataclass(frozen=True)
class PrinterProfile:
    """One printer a center can run: its process, build volume and nozzle."""

    id: str
    name: str
    vendor: str
    technology: str  # "fdm" | "sla" | "sls"
    build_mm: tuple[float, float, float]  # x, y, z
    nozzle_mm: float | None  # None for sla / sls
    hardened_nozzle: bool
    enclosed: bool
    bundle_preset: str | None  # PrusaSlicer printer preset; None when there is no slicer
    bundle: str | None = None  # vendor bundle (ini file stem) holding bundle_preset
    filament_diameter_mm: float | None = None  # fdm only
    layer_height_range_mm: tuple[float, float] | None = None  # (min, max) the printer allows
    curated: bool = False
    notes: str = ""

    @property
    def sliceable(self) -> bool:
        """True when PrusaSlicer can slice for this printer (FDM and SLA, not SLS)."""
        return self.bundle_preset is not None


@dataclass(frozen=True)
class Material:
    """One material a center sells, with what it needs from a printer and what it costs."""

    id: str
    name: str
    name_ko: str
    process: str  # "fdm" | "sla" | "sls"
    family: str  # PLA, PETG, PA, PC, ABS, ASA, TPU, resin, PA12, ...
    filler: str | None  # None | "carbon-fiber" | "cnt" | "glass-fiber"
    density_g_cm3: float
    price_krw_per_kg: int | None  # fdm, sls
    price_krw_per_l: int | None  # sla (resin)
    diameter_mm: float | None  # fdm
    nozzle_temp_c: int | None
    bed_temp_c: int | None
    abrasive: bool  # needs a hardened nozzle
    needs_enclosure: bool
    needs_drying: bool
    bundle_preset: str | None  # filament / sla_material preset name (without "@PRINTER")
    overrides: tuple[tuple[str, str], ...] = ()  # PrusaSlicer options applied over the preset
    bundle: str | None = None  # vendor bundle holding bundle_preset
    vendor_presets: tuple[tuple[str, str], ...] = ()  # bundle id -> preset name on that vendor
    vendor: str = ""
    curated: bool = False

    @property
    def overrides_dict(self) -> dict[str, str]:
        """The overrides as a dict."""
        return dict(self.overrides)


class Catalog:
    """Curated printers and materials first, then those of the vendor bundles."""

    def __init__(
        self,
        printers: Iterable[PrinterProfile],
        materials: Iterable[Material],
        bundles: Mapping[str, VendorBundle],
    ):
        self.bundles = dict(bundles)
        self._printers = _index(printers, "printer")
        self._materials = _index(materials, "material")

    def printers(self, include_bundle: bool = False) -> list[PrinterProfile]:
        """The hub's fleet; with ``include_bundle`` also every PrusaSlicer bundle printer."""
        return [p for p in self._printers.values() if include_bundle or p.curated]

    def materials(self, include_bundle: bool = False) -> list[Material]:
        """The hub's materials; with ``include_bundle`` also every bundle filament and resin."""
        return [m for m in self._materials.values() if include_bundle or m.curated]

    def printer(self, printer_id: str) -> PrinterProfile:
        """The printer with that id, or UnknownPrinter with close matches."""
        try:
            return self._printers[printer_id]
        except KeyError:
            raise UnknownPrinter(printer_id, _suggest(printer_id, self._printers)) from None

    def material(self, material_id: str) -> Material:
        """The material with that id, or UnknownMaterial with close matches."""
        try:
            return self._materials[material_id]
        except KeyError:
            raise UnknownMaterial(material_id, _suggest(material_id, self._materials)) from None

    def bundle_of(self, entry: PrinterProfile | Material) -> VendorBundle:
        """The vendor bundle an entry's preset comes from."""
        if entry.bundle is None or entry.bundle not in self.bundles:
            raise ProfileError(
                f"{entry.id!r} needs PrusaSlicer's {entry.bundle} profiles, which are not "
                f"installed in {profiles_dir()} (apt-get install prusa-slicer)"
            )
        return self.bundles[entry.bundle]

    def compatible_materials(
        self, printer: PrinterProfile, include_bundle: bool = False
    ) -> list[Material]:
        """Materials that :func:`check_compatible` accepts on the printer."""
        result = []
        for material in self.materials(include_bundle):
            try:
                check_compatible(printer, material, self)
            except IncompatibleMaterial:
                continue
            result.append(material)
        return result


def _index(entries: Iterable[Any], kind: str) -> dict[str, Any]:
    index: dict[str, Any] = {}
    for entry in entries:
        if entry.id in index:
            raise ValueError(f"two {kind}s have the id {entry.id!r}")
        index[entry.id] = entry
    return index


def _suggest(wanted: str, known: Iterable[str]) -> list[str]:
    known = list(known)
    close = difflib.get_close_matches(wanted.lower(), known, n=5, cutoff=0.6)
    if len(close) < 5 and len(wanted) >= 2:
        close += [k for k in known if wanted.lower() in k and k not in close][: 5 - len(close)]
    return close[:5]


# ------------------------------------------------------------------------ compatibility


def check_compatible(
    printer: PrinterProfile, material: Material, catalog: Catalog | None = None
) -> None:
    """Raise IncompatibleMaterial with the reason when the printer cannot print the material."""

    def refuse(reason: str) -> IncompatibleMaterial:
        return IncompatibleMaterial(printer.id, material.id, reason)

    if material.process != printer.technology:
        needs = {"fdm": "an FDM (filament)", "sla": "a resin (SLA)", "sls": "a powder (SLS)"}
        raise refuse(
            f"{material.name} needs {needs[material.process]} printer; {printer.name} is "
            f"{printer.technology.upper()}"
        )
    if material.abrasive and not printer.hardened_nozzle:
        raise refuse(
            f"{material.name} is abrasive and would wear out the brass nozzle of "
            f"{printer.name}; choose a printer with a hardened nozzle"
        )
    if material.needs_enclosure and not printer.enclosed:
        raise refuse(f"{material.name} warps without an enclosure; choose an enclosed printer")
    if (
        material.process == "fdm"
        and material.diameter_mm is not None
        and printer.filament_diameter_mm is not None
        and abs(material.diameter_mm - printer.filament_diameter_mm) > 0.1
    ):
        raise refuse(
            f"{material.name} is {material.diameter_mm} mm filament; {printer.name} takes "
            f"{printer.filament_diameter_mm} mm"
        )
    if (
        catalog is not None
        and printer.sliceable
        and material.bundle_preset is not None
        and not material.curated
        and material.bundle == printer.bundle
        and printer.bundle in catalog.bundles
    ):
        # A bundle material on a printer of its own bundle: PrusaSlicer's conditions decide.
        bundle = catalog.bundles[printer.bundle]
        group = "filament" if material.process == "fdm" else "sla_material"
        if not any(
            alias_of(name) == material.bundle_preset
            and bundle.is_compatible(group, name, printer.bundle_preset)
            for name in bundle.preset_names(group)
        ):
            raise refuse(
                f"PrusaSlicer's {bundle.name} profiles offer {material.bundle_preset!r} for "
                f"other printers or nozzles only"
            )


# ------------------------------------------------------------------------ curated data


class _Entry:
    """Typed access to one TOML table, with errors naming the file, entry and option."""

    def __init__(self, path: Path, entry_id: str, table: Any):
        self.path = path
        self.id = entry_id
        if not isinstance(table, dict):
            raise CatalogError("must be a table of options", path, entry_id)
        if table and all(isinstance(v, dict) for v in table.values()):
            # [mk3s-0.4] is the dotted key mk3s-0 -> 4 in TOML: the id needs quotes.
            raise CatalogError(
                "looks like an id with a '.' written without quotes; write it as "
                f'["{entry_id}.{next(iter(table))}"]',
                path,
                entry_id,
            )
        self.table = table
        self.used: set[str] = set()

    def error(self, problem: str, option: str | None = None) -> CatalogError:
        return CatalogError(problem, self.path, self.id, option)

    def get(self, option: str, kind: type | tuple[type, ...], default: Any = ..., check=None):
        self.used.add(option)
        if option not in self.table:
            if default is ...:
                raise self.error("is required", option)
            return default
        value = self.table[option]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; a number option must not accept true/false.
        if isinstance(value, bool) and bool not in kinds:
            raise self.error(f"expected {_kind_name(kinds)}, got {value!r}", option)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds):
            raise self.error(f"expected {_kind_name(kinds)}, got {value!r}", option)
        if check is not None:
            problem = check(value)
            if problem:
                raise self.error(problem, option)
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise self.error(f"unknown option(s) {', '.join(unknown)}")


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
    names.update({dict: "a table", list: "a list"})
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _positive(value: float) -> str | None:
    return None if value > 0 else "must be greater than zero"


def _one_of(choices: Iterable[str]):
    choices = tuple(choices)
    return lambda value: None if value in choices else f"must be one of {', '.join(choices)}"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as err:
        raise CatalogError(f"cannot read ({err.strerror})", path) from None
    except tomllib.TOMLDecodeError as err:
        raise CatalogError(f"not valid TOML ({err})", path) from None


def _check_id(entry: _Entry) -> None:
    if not _ID_RE.match(entry.id):
        raise entry.error("id must be lowercase letters, digits, '.' and '-' (e.g. mk3s-0.4)")


def _bed_size(config: Mapping[str, str]) -> tuple[float, float]:
    points = [p.split("x") for p in split_values(config.get("bed_shape", "")) if p]
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return (max(xs) - min(xs), max(ys) - min(ys)) if points else (0.0, 0.0)


def _printer_facts(bundle: VendorBundle, preset: str) -> dict[str, Any]:
    """What a printer preset says about the machine."""
    config = bundle.resolve("printer", preset)
    technology = "sla" if config.get("printer_technology", "FFF") == "SLA" else "fdm"
    width, depth = _bed_size(config)
    facts: dict[str, Any] = {
        "technology": technology,
        "build_mm": (width, depth, float(config.get("max_print_height", "0") or 0)),
        "nozzle_mm": None,
        "filament_diameter_mm": None,
        "layer_height_range_mm": None,
    }
    if technology == "fdm":
        nozzle = float(split_values(config.get("nozzle_diameter", "0.4"))[0])
        facts["nozzle_mm"] = nozzle
        low = float(split_values(config.get("min_layer_height", "0.07"))[0] or 0.07)
        # max_layer_height is PrusaSlicer's limit for *variable* layer heights (0.25 on a
        # 0.4 mm MK3S), while its own "0.30mm DRAFT" preset prints 0.75 × the nozzle.
        variable_max = float(split_values(config.get("max_layer_height", "0"))[0] or 0)
        high = max(variable_max, round(0.75 * nozzle, 3))
        facts["layer_height_range_mm"] = (low, high)
        default_filament = split_values(config.get("default_filament_profile", ""))
        diameter = 1.75
        if default_filament and bundle.has_preset("filament", default_filament[0]):
            filament = bundle.resolve("filament", default_filament[0])
            diameter = float(split_values(filament.get("filament_diameter", "1.75"))[0])
        facts["filament_diameter_mm"] = diameter
    else:
        heights = sorted(
            float(bundle.resolve("sla_print", name).get("layer_height", "0.05"))
            for name in bundle.compatible_presets("sla_print", preset)
        )
        facts["layer_height_range_mm"] = (heights[0], heights[-1]) if heights else None
    return facts


def _read_printers(path: Path, bundles: Mapping[str, VendorBundle]) -> list[PrinterProfile]:
    printers = []
    for entry_id, table in _read_toml(path).items():
        entry = _Entry(path, entry_id, table)
        _check_id(entry)
        technology = entry.get("technology", str, check=_one_of(TECHNOLOGIES))
        bundle_id = entry.get("bundle", str, None)
        preset = entry.get("bundle_preset", str, None)
        facts: dict[str, Any] = {}
        if technology == "sls":
            if preset is not None or bundle_id is not None:
                raise entry.error("an SLS printer has no PrusaSlicer preset", "bundle_preset")
        else:
            if preset is None:
                raise entry.error(f"is required for {technology} printers", "bundle_preset")
            bundle_id = bundle_id or REFERENCE_BUNDLE
            if bundles:
                if bundle_id not in bundles:
                    raise entry.error(f"no vendor bundle {bundle_id}.ini", "bundle")
                bundle = bundles[bundle_id]
                if preset not in bundle.printer_presets():
                    close = difflib.get_close_matches(preset, bundle.printer_presets(), n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    raise entry.error(
                        f"{bundle_id}.ini has no printer {preset!r}{hint}", "bundle_preset"
                    )
                facts = _printer_facts(bundle, preset)
                if facts["technology"] != technology:
                    raise entry.error(
                        f"preset {preset!r} is {facts['technology']}, not {technology}",
                        "technology",
                    )
        build = entry.get("build_mm", list, facts.get("build_mm", ...))
        if len(build) != 3 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in build
        ):
            raise entry.error("must be three positive numbers [x, y, z] in mm", "build_mm")
        if facts:
            bed = facts["build_mm"]
            if any(b > limit + 1e-6 for b, limit in zip(build, bed, strict=True)):
                raise entry.error(f"exceeds the preset's build volume {bed}", "build_mm")
        hardened = entry.get("hardened_nozzle", bool, False)
        if technology != "fdm" and hardened:
            raise entry.error("only FDM printers have a nozzle", "hardened_nozzle")
        range_mm = facts.get("layer_height_range_mm")
        if technology == "sls":
            low = entry.get("min_layer_height_mm", float, 0.1, check=_positive)
            high = entry.get("max_layer_height_mm", float, low, check=_positive)
            range_mm = (low, high)
        printers.append(
            PrinterProfile(
                id=entry_id,
                name=entry.get("name", str),
                vendor=entry.get("vendor", str),
                technology=technology,
                build_mm=(float(build[0]), float(build[1]), float(build[2])),
                nozzle_mm=facts.get("nozzle_mm"),
                hardened_nozzle=hardened,
                enclosed=entry.get("enclosed", bool, technology != "fdm"),
                bundle_preset=preset,
                bundle=bundle_id,
                filament_diameter_mm=facts.get("filament_diameter_mm"),
                layer_height_range_mm=range_mm,
                curated=True,
                notes=entry.get("notes", str, ""),
            )
        )
        entry.finish()
    return printers


def _read_materials(
    path: Path, bundles: Mapping[str, VendorBundle], option_names: frozenset[str]
) -> list[Material]:
    materials = []
    for entry_id, table in _read_toml(path).items():
        entry = _Entry(path, entry_id, table)
        _check_id(entry)
        process = entry.get("process", str, check=_one_of(TECHNOLOGIES))
        fdm = process == "fdm"
        bundle_id = entry.get("bundle", str, None)
        preset = entry.get("bundle_preset", str, None)
        if process == "sls":
            if preset is not None:
                raise entry.error("SLS materials have no PrusaSlicer preset", "bundle_preset")
        elif preset is None:
            raise entry.error(f"is required for {process} materials", "bundle_preset")
        else:
            bundle_id = bundle_id or REFERENCE_BUNDLE
            if bundles:
                _check_material_preset(entry, bundles, bundle_id, preset, fdm)
        vendor_presets = entry.get("vendor_presets", dict, {})
        for vendor_id, name in vendor_presets.items():
            if not isinstance(name, str):
                raise entry.error(f"{vendor_id} must name a preset", "vendor_presets")
            if bundles:
                _check_material_preset(entry, bundles, vendor_id, name, fdm, "vendor_presets")
        overrides = entry.get("overrides", dict, {})
        for key, value in overrides.items():
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise entry.error(f"{key} must be text or a number", "overrides")
            if option_names and key not in option_names:
                close = difflib.get_close_matches(key, option_names, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise entry.error(f"{key!r} is not a PrusaSlicer option{hint}", "overrides")
        needs_price_l = process == "sla"
        materials.append(
            Material(
                id=entry_id,
                name=entry.get("name", str),
                name_ko=entry.get("name_ko", str),
                process=process,
                family=entry.get("family", str),
                filler=entry.get("filler", str, None, check=_one_of(FILLERS)),
                density_g_cm3=entry.get(
                    "density_g_cm3",
                    float,
                    check=lambda v: None if 0.5 < v < 12 else "is not a plausible density (g/cm³)",
                ),
                price_krw_per_kg=None
                if needs_price_l
                else entry.get("price_krw_per_kg", int, check=_positive),
                price_krw_per_l=entry.get("price_krw_per_l", int, check=_positive)
                if needs_price_l
                else None,
                diameter_mm=entry.get("diameter_mm", float, 1.75, check=_positive) if fdm else None,
                nozzle_temp_c=entry.get("nozzle_temp_c", int, check=_temperature) if fdm else None,
                bed_temp_c=entry.get("bed_temp_c", int, check=_temperature) if fdm else None,
                abrasive=entry.get("abrasive", bool, False),
                needs_enclosure=entry.get("needs_enclosure", bool, False),
                needs_drying=entry.get("needs_drying", bool, False),
                bundle_preset=preset,
                overrides=tuple(sorted((k, str(v)) for k, v in overrides.items())),
                bundle=bundle_id,
                vendor_presets=tuple(sorted(vendor_presets.items())),
                vendor=entry.get("vendor", str, ""),
                curated=True,
            )
        )
        for option in ("price_krw_per_kg", "price_krw_per_l", "diameter_mm"):
            if option in entry.table and option not in entry.used:
                raise entry.error(f"does not apply to {process} materials", option)
        for option in ("nozzle_temp_c", "bed_temp_c"):
            if option in entry.table and option not in entry.used:
                raise entry.error(f"does not apply to {process} materials", option)
        entry.finish()
    return materials


def _temperature(value: int) -> str | None:
    return None if 0 <= value <= 500 else "must be between 0 and 500 °C"


def _check_material_preset(
    entry: _Entry,
    bundles: Mapping[str, VendorBundle],
    bundle_id: str,
    preset: str,
    fdm: bool,
    option: str = "bundle_preset",
) -> None:
    if bundle_id not in bundles:
        raise entry.error(f"no vendor bundle {bundle_id}.ini", option)
    group = "filament" if fdm else "sla_material"
    names = bundles[bundle_id].preset_names(group)
    if not any(preset in (name, alias_of(name)) for name in names):
        close = difflib.get_close_matches(preset, {alias_of(n) for n in names}, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise entry.error(f"{bundle_id}.ini has no {group} {preset!r}{hint}", option)


# ------------------------------------------------------------------------ bundle entries


_FILLER_PATTERNS = (
    ("carbon-fiber", re.compile(r"carbon|\bCF\d*\b|-CF|\+CF", re.IGNORECASE)),
    ("glass-fiber", re.compile(r"glass|\bGF\d*\b|-GF|\+GF", re.IGNORECASE)),
    ("cnt", re.compile(r"\bCNT\b|nanotube", re.IGNORECASE)),
)
# Fillers that wear a brass nozzle besides fibres: metal powders, glow pigments, aramid.
_ABRASIVE_RE = re.compile(
    r"bronze|brass|copper|steel|iron|metal|glow|kevlar|aramid|magnetic", re.IGNORECASE
)
_ENCLOSURE_FAMILIES = frozenset({"ABS", "ASA", "PC", "HIPS"})
_DRYING_FAMILIES = frozenset({"PA", "PC", "FLEX", "TPU", "PVA", "PVB", "PP", "NYLON"})


def _bundle_printers(bundles: Mapping[str, VendorBundle]) -> list[PrinterProfile]:
    printers = []
    for bundle in bundles.values():
        for preset in bundle.printer_presets():
            facts = _printer_facts(bundle, preset)
            printers.append(
                PrinterProfile(
                    id=f"{slugify(bundle.id)}-{slugify(preset)}",
                    name=preset,
                    vendor=bundle.name,
                    technology=facts["technology"],
                    build_mm=facts["build_mm"],
                    nozzle_mm=facts["nozzle_mm"],
                    # Unknown for a generic machine: assume the stock brass nozzle, open frame.
                    hardened_nozzle=False,
                    enclosed=facts["technology"] == "sla",
                    bundle_preset=preset,
                    bundle=bundle.id,
                    filament_diameter_mm=facts["filament_diameter_mm"],
                    layer_height_range_mm=facts["layer_height_range_mm"],
                )
            )
    return printers


def _bundle_materials(bundles: Mapping[str, VendorBundle]) -> list[Material]:
    materials = []
    for bundle in bundles.values():
        for group in ("filament", "sla_material"):
            seen: set[str] = set()
            for preset in bundle.preset_names(group):
                alias = alias_of(preset)
                if alias in seen:
                    continue
                seen.add(alias)
                config = bundle.resolve(group, preset)
                materials.append(_bundle_material(bundle, group, alias, config))
    return materials


def _first_float(raw: str | None, default: float) -> float:
    values = split_values(raw or "")
    try:
        return float(values[0]) if values and values[0] else default
    except ValueError:
        return default


def _bundle_material(
    bundle: VendorBundle, group: str, alias: str, config: Mapping[str, str]
) -> Material:
    fdm = group == "filament"
    filler = next((name for name, rx in _FILLER_PATTERNS if rx.search(alias)), None)
    if fdm:
        family = (split_values(config.get("filament_type", "PLA")) or ["PLA"])[0] or "PLA"
        vendor = (split_values(config.get("filament_vendor", "")) or [""])[0]
    else:
        family = "resin"
        vendor = config.get("material_vendor", "")
    return Material(
        id=f"{slugify(bundle.id)}-{slugify(alias)}",
        name=alias,
        name_ko=alias,
        process="fdm" if fdm else "sla",
        family=family,
        filler=filler,
        density_g_cm3=_first_float(
            config.get("filament_density" if fdm else "material_density"), 1.0 if not fdm else 1.24
        )
        or 1.0,
        # Bundles price in their own currency: no KRW price until the hub sets one.
        price_krw_per_kg=None,
        price_krw_per_l=None,
        diameter_mm=_first_float(config.get("filament_diameter"), 1.75) if fdm else None,
        nozzle_temp_c=round(_first_float(config.get("temperature"), 0)) or None if fdm else None,
        bed_temp_c=round(_first_float(config.get("bed_temperature"), 0)) or None if fdm else None,
        abrasive=fdm and (filler is not None or bool(_ABRASIVE_RE.search(alias))),
        needs_enclosure=fdm and family.upper() in _ENCLOSURE_FAMILIES,
        needs_drying=fdm and family.upper() in _DRYING_FAMILIES,
        bundle_preset=alias,
        bundle=bundle.id,
        vendor=vendor,
    )


def _option_names(defaults: Mapping[str, Mapping[str, str]], bundles: Mapping[str, VendorBundle]):
    names = set(defaults["fff"]) | set(defaults["sla"])
    for bundle in bundles.values():
        for group in ("printer", "print", "filament", "sla_print", "sla_material"):
            for preset in bundle.preset_names(group, include_abstract=True):
                names.update(bundle.raw_preset(group, preset))
    return frozenset(names)


def build_catalog(
    printers_path: str | Path = PRINTERS_TOML,
    materials_path: str | Path = MATERIALS_TOML,
    bundles: Mapping[str, VendorBundle] | None = None,
) -> Catalog:
    """Read the curated files and the bundles into a catalog (uncached; for tests and tools)."""
    if bundles is None:
        try:
            bundles = load_bundles()
        except ProfileError:
            if profiles_dir().exists():
                raise
            bundles = {}  # no PrusaSlicer here: curated entries only, nothing to slice with
    option_names = _option_names(prusaslicer_defaults(), bundles) if bundles else frozenset()
    printers = _read_printers(Path(printers_path), bundles)
    materials = _read_materials(Path(materials_path), bundles, option_names)
    curated_ids = {p.id for p in printers} | {m.id for m in materials}
    bundle_printers = _bundle_printers(bundles)
    bundle_materials = _bundle_materials(bundles)
    for entry in (*bundle_printers, *bundle_materials):
        if entry.id in curated_ids:
            raise CatalogError(
                f"curated id {entry.id!r} collides with a bundle preset's id",
                printers_path if isinstance(entry, PrinterProfile) else materials_path,
                entry.id,
            )
    return Catalog([*printers, *bundle_printers], [*materials, *bundle_materials], bundles)


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog of the packaged data and the installed bundles; read once, then cached."""
    return build_catalog()
