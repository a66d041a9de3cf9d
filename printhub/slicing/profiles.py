"""PrusaSlicer 2.5 vendor bundles (``/usr/share/PrusaSlicer/profiles/*.ini``): parse and resolve.

A bundle holds a ``[vendor]`` section, ``[printer_model:ID]`` sections and presets in five
groups: ``[printer:NAME]``, ``[print:NAME]``, ``[filament:NAME]``, ``[sla_print:NAME]``,
``[sla_material:NAME]``. A preset may ``inherits = a; b``: its flat config is the parents'
flat configs applied left to right (a later parent overrides an earlier one), then its own
keys. Presets named ``*like this*`` are abstract: parents only, never offered.

Values stay exactly as written in the ini (``\\n`` escapes, ``"a";"b"`` lists), so that a
resolved config can be written back for ``prusa-slicer --load`` unchanged.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from printhub.slicing.conditions import compile_condition, split_values
from printhub.slicing.errors import ConditionError, ProfileError

DEFAULT_PROFILES_DIR = Path("/usr/share/PrusaSlicer/profiles")
PROFILES_DIR_ENV = "PRINTHUB_PRUSA_PROFILES"

PRESET_GROUPS = ("printer", "print", "filament", "sla_print", "sla_material")
# Keys that describe a preset's place in the bundle, not a slicing option.
META_KEYS = frozenset(
    {
        "inherits",
        "renamed_from",
        "alias",
        "compatible_printers",
        "compatible_printers_condition",
        "compatible_prints",
        "compatible_prints_condition",
    }
)
DEFAULTS_TOML = Path(__file__).parent / "data" / "prusaslicer_defaults.toml"
_SECTION_RE = re.compile(r"^\[(?P<name>[^\]]*)\]\s*$")


def profiles_dir() -> Path:
    """Where the vendor bundles are: ``$PRINTHUB_PRUSA_PROFILES`` or PrusaSlicer's system dir."""
    return Path(os.environ.get(PROFILES_DIR_ENV) or DEFAULT_PROFILES_DIR)


def is_abstract(name: str) -> bool:
    """True for ``*name*`` presets, which only serve as parents."""
    return name.startswith("*") and name.endswith("*")


def alias_of(name: str) -> str:
    """The name PrusaSlicer shows for a preset: without its ``@PRINTER`` suffix."""
    return name.split(" @", 1)[0].strip()


@dataclass(frozen=True)
class PrinterModel:
    """A ``[printer_model:ID]`` section: one machine, sold with several nozzle variants."""

    id: str
    name: str
    technology: str  # "FFF" or "SLA", as the bundle writes it
    family: str
    variants: tuple[str, ...]
    default_materials: tuple[str, ...]


@dataclass(frozen=True)
class _Section:
    keys: dict[str, str]
    line: int


class VendorBundle:
    """One parsed vendor bundle; presets resolve lazily and are cached."""

    def __init__(
        self,
        path: Path,
        vendor: dict[str, str],
        models: dict[str, PrinterModel],
        sections: dict[str, dict[str, _Section]],
    ):
        self.path = path
        self.id = path.stem
        self.name = vendor.get("name", self.id)
        self.config_version = vendor.get("config_version", "")
        self.models = models
        self._sections = sections
        self._resolved: dict[tuple[str, str], dict[str, str]] = {}

    def __repr__(self) -> str:
        return f"VendorBundle({self.path.name!r}, {self.name!r})"

    # -- presets ------------------------------------------------------------------------

    def preset_names(self, group: str, include_abstract: bool = False) -> list[str]:
        """Names of a group's presets in file order."""
        _check_group(group)
        return [n for n in self._sections[group] if include_abstract or not is_abstract(n)]

    def has_preset(self, group: str, name: str) -> bool:
        """True when the bundle defines ``[group:name]``."""
        _check_group(group)
        return name in self._sections[group]

    def raw_preset(self, group: str, name: str) -> dict[str, str]:
        """The preset's own keys, as written in its section (no inheritance)."""
        return dict(self._section(group, name).keys)

    def resolve(self, group: str, name: str) -> dict[str, str]:
        """The preset's flat config: parents applied in order, then its own keys."""
        return dict(self._resolve(group, name, ()))

    def _section(self, group: str, name: str) -> _Section:
        _check_group(group)
        try:
            return self._sections[group][name]
        except KeyError:
            raise ProfileError(f"no preset named {name!r}", self.path, f"{group}:{name}") from None

    def _resolve(self, group: str, name: str, chain: tuple[str, ...]) -> dict[str, str]:
        cached = self._resolved.get((group, name))
        if cached is not None:
            return cached
        section = self._section(group, name)
        if name in chain:
            cycle = " -> ".join((*chain, name))
            raise ProfileError(f"inheritance cycle {cycle}", self.path, f"{group}:{name}")
        flat: dict[str, str] = {}
        for parent in split_values(section.keys.get("inherits", "")):
            if not parent:
                continue
            if parent not in self._sections[group]:
                raise ProfileError(
                    f"inherits unknown preset {parent!r}",
                    self.path,
                    f"{group}:{name}",
                    section.line,
                )
            flat.update(self._resolve(group, parent, (*chain, name)))
        flat.update(section.keys)
        flat.pop("inherits", None)
        self._resolved[(group, name)] = flat
        return flat

    # -- printers -----------------------------------------------------------------------

    def printer_presets(self) -> list[str]:
        """Printer presets PrusaSlicer would install: concrete, with a known model and variant."""
        names = []
        for name in self.preset_names("printer"):
            config = self._resolve("printer", name, ())
            model = self.models.get(config.get("printer_model", ""))
            if model is not None and config.get("printer_variant", "") in model.variants:
                names.append(name)
        return names

    def printer_model(self, printer_name: str) -> PrinterModel | None:
        """The ``[printer_model:…]`` of a printer preset, if the bundle declares it."""
        return self.models.get(self._resolve("printer", printer_name, ()).get("printer_model", ""))

    # -- compatibility ------------------------------------------------------------------

    def is_compatible(
        self,
        group: str,
        name: str,
        printer_name: str,
        print_name: str | None = None,
    ) -> bool:
        """Whether preset ``group:name`` is offered for the printer (and the print preset)."""
        preset = self._resolve(group, name, ())
        printer = self._resolve("printer", printer_name, ())
        if not _matches(
            preset, "compatible_printers", printer_name, printer_condition_env(printer)
        ):
            return False
        if print_name is not None and group in ("filament", "sla_material"):
            print_group = "print" if group == "filament" else "sla_print"
            print_config = self._resolve(print_group, print_name, ())
            if not _matches(preset, "compatible_prints", print_name, print_config):
                return False
        return True

    def compatible_presets(
        self, group: str, printer_name: str, print_name: str | None = None
    ) -> list[str]:
        """Concrete presets of ``group`` offered for the printer (and print preset), file order."""
        return [
            name
            for name in self.preset_names(group)
            if self.is_compatible(group, name, printer_name, print_name)
        ]

    def check_conditions(self) -> None:
        """Parse every compatibility condition; a bad one -> ProfileError naming its section."""
        for group, presets in self._sections.items():
            for name, section in presets.items():
                for key in ("compatible_printers_condition", "compatible_prints_condition"):
                    expression = section.keys.get(key, "").strip()
                    if not expression:
                        continue
                    try:
                        compile_condition(expression)
                    except ConditionError as err:
                        raise ProfileError(
                            f"{key}: {err}", self.path, f"{group}:{name}", section.line
                        ) from None


@functools.lru_cache(maxsize=1)
def _defaults() -> dict[str, dict[str, str]]:
    with DEFAULTS_TOML.open("rb") as handle:
        data = tomllib.load(handle)
    return {"fff": dict(data["fff"]), "sla": dict(data["sla"])}


def prusaslicer_defaults() -> dict[str, dict[str, str]]:
    """PrusaSlicer 2.5's built-in option values: ``{"fff": {...}, "sla": {...}}`` (copies)."""
    return {technology: dict(values) for technology, values in _defaults().items()}


def printer_condition_env(printer: Mapping[str, str]) -> dict[str, str]:
    """A printer's config as conditions see it: over PrusaSlicer's defaults, plus num_extruders."""
    technology = "sla" if printer.get("printer_technology") == "SLA" else "fff"
    env = dict(_defaults()[technology])
    env.setdefault("printer_model", "")
    env.setdefault("printer_notes", "")
    env.update(printer)
    env["num_extruders"] = str(max(1, len(split_values(printer.get("nozzle_diameter", "0.4")))))
    return env


def _matches(
    preset: Mapping[str, str], key: str, other_name: str, other: Mapping[str, str]
) -> bool:
    # An explicit list of names wins over the condition, as in PrusaSlicer.
    names = [n for n in split_values(preset.get(key, "")) if n]
    if names:
        return other_name in names
    expression = preset.get(key + "_condition", "").strip()
    if not expression:
        return True
    try:
        return compile_condition(expression)(other)
    except ConditionError:
        # PrusaSlicer logs the error and treats the preset as incompatible.
        return False


def _check_group(group: str) -> None:
    if group not in PRESET_GROUPS:
        raise ValueError(f"unknown preset group {group!r}; expected one of {PRESET_GROUPS}")


# --------------------------------------------------------------------------------- parsing


def _read_sections(path: Path) -> Iterator[tuple[str, int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ProfileError(f"not UTF-8 text ({err.reason} at byte {err.start})", path) from None
    except OSError as err:
        raise ProfileError(f"cannot read the bundle ({err.strerror})", path) from None
    current: str | None = None
    current_line = 0
    keys: dict[str, str] = {}
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        header = _SECTION_RE.match(stripped)
        if header:
            if current is not None:
                yield current, current_line, keys
            current, current_line, keys = header.group("name").strip(), number, {}
            if not current:
                raise ProfileError("empty section name", path, None, number)
            if current in seen:
                raise ProfileError("section defined twice", path, current, number)
            seen.add(current)
            continue
        if current is None:
            raise ProfileError(f"option outside any section: {stripped[:60]!r}", path, None, number)
        key, equals, value = stripped.partition("=")
        key = key.strip()
        if not equals or not key:
            raise ProfileError(
                f"expected 'key = value', got {stripped[:60]!r}", path, current, number
            )
        if key in keys:
            raise ProfileError(f"option {key!r} set twice", path, current, number)
        keys[key] = value.strip()
    if current is not None:
        yield current, current_line, keys


def parse_bundle(path: str | Path) -> VendorBundle:
    """Parse and check one vendor bundle; any inconsistency -> ProfileError."""
    path = Path(path)
    vendor: dict[str, str] | None = None
    models: dict[str, PrinterModel] = {}
    sections: dict[str, dict[str, _Section]] = {group: {} for group in PRESET_GROUPS}
    for name, line, keys in _read_sections(path):
        group, colon, preset = name.partition(":")
        if name == "vendor":
            vendor = keys
        elif group == "printer_model" and colon:
            models[preset] = _parse_model(path, name, preset, keys)
        elif group in PRESET_GROUPS and colon:
            if not preset:
                raise ProfileError("preset without a name", path, name, line)
            sections[group][preset] = _Section(keys, line)
        # Other sections ([presets], [obsolete_presets], ...) carry no preset: PrusaSlicer
        # reads them for its wizard and upgrades only.
    if vendor is None:
        raise ProfileError("no [vendor] section: not a PrusaSlicer vendor bundle", path)
    bundle = VendorBundle(path, vendor, models, sections)
    for group in PRESET_GROUPS:
        for preset in sections[group]:
            bundle._resolve(group, preset, ())
    bundle.check_conditions()
    return bundle


def _parse_model(path: Path, section: str, model_id: str, keys: dict[str, str]) -> PrinterModel:
    if "name" not in keys:
        raise ProfileError("printer model without a name", path, section)
    technology = keys.get("technology", "FFF")
    if technology not in ("FFF", "SLA"):
        raise ProfileError(f"technology {technology!r} is neither FFF nor SLA", path, section)
    return PrinterModel(
        id=model_id,
        name=keys["name"],
        technology=technology,
        family=keys.get("family", ""),
        variants=tuple(v.strip() for v in keys.get("variants", "").split(";") if v.strip()),
        default_materials=tuple(
            m.strip() for m in keys.get("default_materials", "").split(";") if m.strip()
        ),
    )


@functools.lru_cache(maxsize=4)
def _load_bundles(directory: Path) -> dict[str, VendorBundle]:
    bundles = {}
    for path in sorted(directory.glob("*.ini"), key=lambda p: p.name.lower()):
        bundles[path.stem] = parse_bundle(path)
    return bundles


def load_bundles(directory: str | Path | None = None) -> dict[str, VendorBundle]:
    """Every bundle of a directory (default: :func:`profiles_dir`), keyed by file stem; cached."""
    directory = Path(directory) if directory is not None else profiles_dir()
    if not directory.is_dir():
        raise ProfileError(
            f"PrusaSlicer's vendor profiles are not in {directory}; install them with "
            f"`apt-get install prusa-slicer` or set ${PROFILES_DIR_ENV}"
        )
    return dict(_load_bundles(directory.resolve()))
