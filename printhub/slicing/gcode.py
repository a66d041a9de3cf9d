"""The figures PrusaSlicer writes into its own output: G-code footers and SL1S archives.

A PrusaSlicer 2.5 G-code ends with::

    ; filament used [mm] = 2415.82
    ; filament used [cm3] = 5.81
    ; filament used [g] = 7.21
    ; filament cost = 216.16
    ; total filament used [g] = 7.21
    ; total filament cost = 216.16
    ; estimated printing time (normal mode) = 41m 9s
    ; estimated printing time (silent mode) = 41m 17s
    ; prusaslicer_config = begin
    ...

and marks every layer with ``;LAYER_CHANGE`` and ``;Z:<height>``. Files reach hundreds of MB,
so they are memory-mapped: the footer is found from the end and layers are counted in chunks.
An ``.sl1s`` archive is a zip whose ``config.ini`` holds ``printTime`` (s), ``usedMaterial``
(ml) and ``numFast``/``numSlow`` (layers).
"""

from __future__ import annotations

import mmap
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from printhub.slicing.errors import GcodeFormatError

_CHUNK_BYTES = 16 * 1024 * 1024
# The footer sits within the last few KB before the config dump; look there first.
_FOOTER_WINDOW_BYTES = 64 * 1024
_DURATION_RE = re.compile(
    r"^\s*(?:(?P<d>\d+)d\s*)?(?:(?P<h>\d+)h\s*)?(?:(?P<m>\d+)m\s*)?(?:(?P<s>\d+)s)?\s*$"
)


@dataclass(frozen=True)
class GcodeFigures:
    """What a PrusaSlicer G-code says about itself. Lengths mm, volumes cm³, masses g, s."""

    print_time_s: float
    print_time_silent_s: float | None
    filament_mm: float
    filament_cm3: float
    filament_g: float | None
    filament_cost: float | None  # in the currency of the config's filament_cost
    layers: int
    generator: str | None  # "PrusaSlicer 2.5.0"


@dataclass(frozen=True)
class SlaFigures:
    """What an SL1S archive's config.ini says: time s, resin ml, layers."""

    print_time_s: float
    resin_ml: float
    layers: int
    fast_layers: int
    slow_layers: int
    layer_height_mm: float | None
    material_preset: str | None
    print_preset: str | None
    generator: str | None


def parse_duration(text: str) -> float:
    """Seconds in PrusaSlicer's duration text: ``1d 2h 3m 4s``, ``41m 9s``, ``9s``."""
    match = _DURATION_RE.match(text)
    if match is None or not any(match.group(k) for k in "dhms"):
        raise GcodeFormatError(f"cannot read the duration {text.strip()!r}")
    d, h, m, s = (int(match.group(k) or 0) for k in "dhms")
    return float(((d * 24 + h) * 60 + m) * 60 + s)


def _numbers(text: str, what: str) -> float:
    """Sum of a comma-separated list (one value per extruder)."""
    try:
        return sum(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise GcodeFormatError(f"{what} is not a number: {text.strip()!r}") from None


def _footer_value(mm: mmap.mmap, key: str, search_end: int) -> str | None:
    needle = f"\n; {key} =".encode()
    start = max(0, search_end - _FOOTER_WINDOW_BYTES)
    position = mm.rfind(needle, start, search_end)
    if position < 0 and start > 0:
        position = mm.rfind(needle, 0, start + len(needle))
    if position < 0:
        return None
    line_end = mm.find(b"\n", position + 1)
    line = mm[position + len(needle) : line_end if line_end >= 0 else len(mm)]
    return line.decode("utf-8", errors="replace").strip()


def count_occurrences(path: str | Path, marker: bytes) -> int:
    """How many times ``marker`` occurs in a file, read in chunks (no full copy in memory)."""
    total = 0
    overlap = len(marker) - 1
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            data = tail + chunk
            total += data.count(marker)
            # Keep the end of this chunk so that a marker across the boundary is counted once:
            # the kept bytes are shorter than the marker, so they hold no whole marker.
            tail = data[-overlap:] if overlap else b""
    return total


def read_gcode_figures(path: str | Path) -> GcodeFigures:
    """Read the figures of a PrusaSlicer G-code; missing or malformed ones -> GcodeFormatError."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except OSError as err:
        raise GcodeFormatError(f"cannot open the G-code ({err.strerror})", path) from None
    with handle:
        if path.stat().st_size == 0:
            raise GcodeFormatError("the G-code is empty", path)
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            config_begin = mm.rfind(b"\n; prusaslicer_config = begin")
            search_end = config_begin if config_begin >= 0 else len(mm)
            values = {
                key: _footer_value(mm, key, search_end)
                for key in (
                    "filament used [mm]",
                    "filament used [cm3]",
                    "filament used [g]",
                    "total filament cost",
                    "estimated printing time (normal mode)",
                    "estimated printing time (silent mode)",
                )
            }
            head = mm[:512].decode("utf-8", errors="replace")
    missing = [
        key
        for key in (
            "filament used [mm]",
            "filament used [cm3]",
            "estimated printing time (normal mode)",
        )
        if values[key] is None
    ]
    if missing:
        raise GcodeFormatError(
            "no '; " + "', '; ".join(missing) + "' line: not a complete PrusaSlicer G-code", path
        )
    try:
        time_s = parse_duration(values["estimated printing time (normal mode)"] or "")
        silent = values["estimated printing time (silent mode)"]
        silent_s = parse_duration(silent) if silent else None
        grams = values["filament used [g]"]
        cost = values["total filament cost"]
        figures = GcodeFigures(
            print_time_s=time_s,
            print_time_silent_s=silent_s,
            filament_mm=_numbers(values["filament used [mm]"] or "", "filament used [mm]"),
            filament_cm3=_numbers(values["filament used [cm3]"] or "", "filament used [cm3]"),
            filament_g=_numbers(grams, "filament used [g]") if grams else None,
            filament_cost=_numbers(cost, "total filament cost") if cost else None,
            layers=0,
            generator=_generator(head),
        )
    except GcodeFormatError as err:
        raise GcodeFormatError(err.problem, path) from None
    layers = count_occurrences(path, b"\n;LAYER_CHANGE") or count_occurrences(path, b"\n;Z:")
    if layers == 0:
        raise GcodeFormatError("no ;LAYER_CHANGE or ;Z: markers: cannot count layers", path)
    return GcodeFigures(**{**figures.__dict__, "layers": layers})


def _generator(head: str) -> str | None:
    match = re.search(r"generated by (\S+ [\w.+-]+)", head)
    return match.group(1) if match else None


def read_sl1s_figures(path: str | Path) -> SlaFigures:
    """Read ``config.ini`` of an SL1/SL1S archive; missing or malformed -> GcodeFormatError."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                text = archive.read("config.ini").decode("utf-8", errors="replace")
            except KeyError:
                raise GcodeFormatError("the archive has no config.ini", path) from None
    except (OSError, zipfile.BadZipFile) as err:
        raise GcodeFormatError(f"not a readable SL1S archive ({err})", path) from None
    values = {}
    for line in text.splitlines():
        key, equals, value = line.partition("=")
        if equals:
            values[key.strip()] = value.strip()

    def number(key: str, required: bool = True) -> float | None:
        if key not in values:
            if required:
                raise GcodeFormatError(f"config.ini has no {key}", path)
            return None
        try:
            return float(values[key])
        except ValueError:
            raise GcodeFormatError(
                f"config.ini: {key} = {values[key]!r} is not a number", path
            ) from None

    fast = int(number("numFast") or 0)
    slow = int(number("numSlow") or 0)
    return SlaFigures(
        print_time_s=number("printTime") or 0.0,
        resin_ml=number("usedMaterial") or 0.0,
        layers=fast + slow,
        fast_layers=fast,
        slow_layers=slow,
        layer_height_mm=number("layerHeight", required=False),
        material_preset=values.get("materialName"),
        print_preset=values.get("printProfile"),
        generator=values.get("prusaSlicerVersion"),
    )
