"""Slice with the real PrusaSlicer (2.5, Debian package ``prusa-slicer``) and read what it wrote.

Each job runs in its own temporary directory: the resolved config is written to one flat ini
and passed with ``--load`` (2.5 cannot pick a preset from a bundle itself), the model is
centred on the bed, and the process group is killed when the time limit passes.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from printhub.slicing.catalog import Catalog, Material, PrinterProfile, load_catalog
from printhub.slicing.conditions import split_values
from printhub.slicing.errors import (
    SlicerFailed,
    SlicerNotInstalled,
    SlicerTimeout,
    SlicingError,
    SlicingNotAvailable,
)
from printhub.slicing.gcode import read_gcode_figures, read_sl1s_figures
from printhub.slicing.settings import PrintSettings, resolve_config

SLICER_ENV = "PRINTHUB_PRUSA_SLICER"
SLICER_NAMES = ("prusa-slicer", "PrusaSlicer", "prusa-slicer-console")
INSTALL_HINT = (
    f"install PrusaSlicer (`apt-get install prusa-slicer`) or point ${SLICER_ENV} at its executable"
)
MODEL_SUFFIXES = (".stl", ".obj", ".3mf", ".amf")
# How much of the slicer's output an error message quotes.
ERROR_TAIL_LINES = 12

# PrusaSlicer's log lines: "[2026-11-26 12:34:00.846158] [0x00007fe1c5209d80] [error]   text".
_LOG_LINE_RE = re.compile(r"^\[[\d\- :.]+\] \[0x[0-9a-f]+\] \[(?P<level>\w+)\]\s*(?P<text>.*)$")
# Progress lines: "10 => Processing triangulated mesh", " 98% => Rasterizing layers".
_PROGRESS_RE = re.compile(r"^\s*\d+%? => ")
_NOISE_LEVELS = frozenset({"trace", "debug", "info"})
_NOISE_PREFIXES = ("Slicing result exported", "terminate called after throwing")


@dataclass(frozen=True)
class SliceResult:
    """What slicing one model produced: times s, lengths mm, volumes cm³ / ml, masses g, won."""

    technology: str  # "fdm" | "sla"
    printer_id: str
    material_id: str
    print_time_s: float
    layers: int
    material_g: float | None  # filament or resin mass
    material_cost_krw: int | None  # None when the material has no price in won
    slicer_version: str
    print_preset: str
    material_preset: str
    output_path: Path | None  # the G-code or .sl1s, when output_path was given
    filament_mm: float | None = None
    filament_cm3: float | None = None
    filament_g: float | None = None
    filament_cost: int | None = None  # won (FDM)
    print_time_silent_s: float | None = None  # FDM: Prusa printers' stealth mode
    resin_ml: float | None = None  # SLA
    fast_layers: int | None = None  # SLA: layers with a fast / slow tilt
    slow_layers: int | None = None
    config: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def gcode_path(self) -> Path | None:
        """The kept G-code (FDM) or SL1S archive (SLA)."""
        return self.output_path

    def to_dict(self) -> dict[str, object]:
        """JSON-ready figures (paths as text; the full config is left out)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "config"}
        data["output_path"] = str(self.output_path) if self.output_path else None
        return data


# ---------------------------------------------------------------------------- the binary


def find_slicer() -> Path:
    """The PrusaSlicer executable: ``$PRINTHUB_PRUSA_SLICER`` or PATH; else SlicerNotInstalled."""
    configured = os.environ.get(SLICER_ENV)
    if configured:
        path = Path(configured)
        resolved = shutil.which(str(path)) if path.name == configured else None
        if resolved:
            return Path(resolved)
        if not path.is_file() or not os.access(path, os.X_OK):
            raise SlicerNotInstalled(
                f"${SLICER_ENV} is {configured!r}, which is not an executable file; " + INSTALL_HINT
            )
        return path
    for name in SLICER_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise SlicerNotInstalled(f"PrusaSlicer is not on PATH; {INSTALL_HINT}")


@functools.lru_cache(maxsize=8)
def _version_of(binary: str) -> str:
    try:
        completed = subprocess.run(
            [binary, "--help"], capture_output=True, text=True, errors="replace", timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise SlicerNotInstalled(f"{binary} does not run ({err}); {INSTALL_HINT}") from None
    match = re.search(r"PrusaSlicer-(\S+)", completed.stdout + completed.stderr)
    if match is None:
        raise SlicerNotInstalled(f"{binary} does not say it is PrusaSlicer; {INSTALL_HINT}")
    return match.group(1)


def slicer_version(binary: str | Path | None = None) -> str:
    """The PrusaSlicer version, e.g. ``2.5.0+UNKNOWN`` (Debian's build says UNKNOWN)."""
    return _version_of(str(binary or find_slicer()))


# ------------------------------------------------------------------------------- configs


def write_config_ini(config: Mapping[str, str], path: str | Path) -> Path:
    """Write a flat config as PrusaSlicer's ini (``key = value`` per line, values verbatim)."""
    path = Path(path)
    lines = [f"{key} = {value}\n" for key, value in config.items()]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def bed_center(config: Mapping[str, str]) -> tuple[float, float]:
    """Centre of the bed's bounding box, mm, from ``bed_shape``."""
    points = [p.split("x") for p in split_values(config.get("bed_shape", "")) if p]
    if not points:
        return (100.0, 100.0)
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)


def useful_output(text: str, limit: int = ERROR_TAIL_LINES) -> str:
    """The lines of PrusaSlicer's output a person needs: errors and warnings, not its chatter."""
    kept = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _PROGRESS_RE.match(line) or line.startswith(_NOISE_PREFIXES):
            continue
        log = _LOG_LINE_RE.match(line)
        if log:
            if log.group("level").lower() in _NOISE_LEVELS:
                continue
            line = f"{log.group('level')}: {log.group('text')}"
        elif line.startswith("what():"):
            line = line.removeprefix("what():").strip()
        kept.append(line)
    return "\n".join(kept[-limit:])


# ------------------------------------------------------------------------------- slicing


def _lookup(
    printer: PrinterProfile | str, material: Material | str, catalog: Catalog
) -> tuple[PrinterProfile, Material]:
    if isinstance(printer, str):
        printer = catalog.printer(printer)
    if isinstance(material, str):
        material = catalog.material(material)
    return printer, material


def _run(command: list[str], cwd: Path, log_path: Path, timeout_s: float) -> int:
    """Run in a new process group; on timeout kill the whole group -> SlicerTimeout."""
    with log_path.open("wb") as log:
        try:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as err:
            raise SlicerNotInstalled(f"cannot run {command[0]} ({err}); {INSTALL_HINT}") from None
        try:
            return process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):  # it may have just finished
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            tail = useful_output(log_path.read_text(errors="replace"))
            raise SlicerTimeout(
                f"PrusaSlicer did not finish within {timeout_s:g} s and was stopped; simplify "
                "the model or raise the time limit",
                returncode=process.returncode,
                output_tail=tail,
            ) from None


def slice_model(
    model_path: str | Path,
    printer: PrinterProfile | str,
    material: Material | str,
    settings: PrintSettings | None = None,
    output_path: str | Path | None = None,
    timeout_s: float = 600.0,
    catalog: Catalog | None = None,
) -> SliceResult:
    """Slice a model file (STL, OBJ, 3MF, AMF) for a printer and material with PrusaSlicer."""
    catalog = catalog or load_catalog()
    printer, material = _lookup(printer, material, catalog)
    settings = settings or PrintSettings()
    if not printer.sliceable:
        raise SlicingNotAvailable(
            f"{printer.name} is an {printer.technology.upper()} printer: there is no slicer for "
            "it here, so its jobs can only be estimated"
        )
    model_path = Path(model_path)
    if not model_path.is_file():
        raise SlicingError(f"model file {model_path} does not exist")
    if model_path.suffix.lower() not in MODEL_SUFFIXES:
        raise SlicingError(
            f"{model_path.name}: PrusaSlicer reads {', '.join(MODEL_SUFFIXES)} files, "
            f"not {model_path.suffix or 'files without an extension'}"
        )
    if timeout_s <= 0:
        raise ValueError("timeout_s must be positive")
    config = resolve_config(printer, material, settings, catalog)
    binary = find_slicer()
    version = slicer_version(binary)
    fdm = printer.technology == "fdm"
    with tempfile.TemporaryDirectory(prefix="printhub-slice-") as tmp:
        workdir = Path(tmp)
        ini = write_config_ini(config, workdir / "config.ini")
        output = workdir / ("out.gcode" if fdm else "out.sl1s")
        cx, cy = bed_center(config)
        command = [
            str(binary),
            "--loglevel",
            "2",
            "--datadir",
            str(workdir / "datadir"),  # never read or write the user's own presets
            "--export-gcode" if fdm else "--export-sla",
            "--load",
            str(ini),
            "--center",
            f"{cx:g},{cy:g}",
            "--output",
            str(output),
            str(model_path.resolve()),
        ]
        log_path = workdir / "slicer.log"
        returncode = _run(command, workdir, log_path, timeout_s)
        log_text = log_path.read_text(errors="replace")
        if returncode != 0 or not output.is_file():
            tail = useful_output(log_text)
            why = f"exit status {returncode}" if returncode else "no output file"
            raise SlicerFailed(
                f"PrusaSlicer failed on {model_path.name} ({why})" + (f": {tail}" if tail else ""),
                returncode=returncode,
                output_tail=tail,
            )
        kept: Path | None = None
        if output_path is not None:
            kept = Path(output_path)
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(output, kept)
        if fdm:
            return _fdm_result(output, printer, material, config, version, kept)
        return _sla_result(output, printer, material, config, version, kept)


def _fdm_result(
    gcode: Path,
    printer: PrinterProfile,
    material: Material,
    config: Mapping[str, str],
    version: str,
    kept: Path | None,
) -> SliceResult:
    figures = read_gcode_figures(gcode)
    grams = figures.filament_g
    if grams is None or grams == 0:
        grams = figures.filament_cm3 * material.density_g_cm3
    # PrusaSlicer priced the filament in won (filament_cost = the hub's KRW per kg).
    has_price = material.price_krw_per_kg is not None and figures.filament_cost is not None
    cost = round(figures.filament_cost) if has_price else None
    return SliceResult(
        technology="fdm",
        printer_id=printer.id,
        material_id=material.id,
        print_time_s=figures.print_time_s,
        layers=figures.layers,
        material_g=grams,
        material_cost_krw=cost,
        slicer_version=version,
        print_preset=config.get("print_settings_id", ""),
        material_preset=(split_values(config.get("filament_settings_id", "")) or [""])[0],
        output_path=kept,
        filament_mm=figures.filament_mm,
        filament_cm3=figures.filament_cm3,
        filament_g=grams,
        filament_cost=cost,
        print_time_silent_s=figures.print_time_silent_s,
        config=dict(config),
    )


def _sla_result(
    archive: Path,
    printer: PrinterProfile,
    material: Material,
    config: Mapping[str, str],
    version: str,
    kept: Path | None,
) -> SliceResult:
    figures = read_sl1s_figures(archive)
    grams = figures.resin_ml * material.density_g_cm3
    cost = (
        round(figures.resin_ml / 1000 * material.price_krw_per_l)
        if material.price_krw_per_l is not None
        else None
    )
    return SliceResult(
        technology="sla",
        printer_id=printer.id,
        material_id=material.id,
        print_time_s=figures.print_time_s,
        layers=figures.layers,
        material_g=grams,
        material_cost_krw=cost,
        slicer_version=version,
        print_preset=config.get("sla_print_settings_id", ""),
        material_preset=config.get("sla_material_settings_id", ""),
        output_path=kept,
        resin_ml=figures.resin_ml,
        fast_layers=figures.fast_layers,
        slow_layers=figures.slow_layers,
        config=dict(config),
    )


def slice_mesh(
    mesh,
    printer: PrinterProfile | str,
    material: Material | str,
    settings: PrintSettings | None = None,
    output_path: str | Path | None = None,
    timeout_s: float = 600.0,
    catalog: Catalog | None = None,
) -> SliceResult:
    """Slice an in-memory ``printhub.geometry.mesh.Mesh`` (written to a temporary STL)."""
    try:
        from printhub.geometry.io import write_stl
    except ImportError:
        raise SlicingError(
            "slice_mesh needs printhub.geometry.io.write_stl, which is not available"
        ) from None
    with tempfile.TemporaryDirectory(prefix="printhub-mesh-") as tmp:
        path = Path(tmp) / "model.stl"
        write_stl(mesh, path)
        return slice_model(path, printer, material, settings, output_path, timeout_s, catalog)
