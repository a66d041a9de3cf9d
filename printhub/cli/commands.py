"""One function per `printhub` sub-command: read the arguments, call the library, print."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from printhub.cli import render
from printhub.cli.errors import UsageError
from printhub.cli.progress import Progress
from printhub.geometry.mesh import Mesh

MODEL_OUTPUTS = (".stl", ".3mf")


def _print_json(data: dict | list) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=_json_default)
    sys.stdout.write("\n")


def _json_default(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _load(progress: Progress, path: str):
    from printhub.geometry.io import load_model

    progress.stage(f"Reading {Path(path).name}")
    return load_model(path)


def _check_output(path: str, allowed: tuple[str, ...]) -> Path:
    output = Path(path)
    if output.suffix.lower() not in allowed:
        raise UsageError(
            f"{output.name}: the output must end in {' or '.join(allowed)}, "
            f"not {output.suffix or 'nothing'!r}"
        )
    if not output.parent.exists():
        raise UsageError(f"{output}: the folder {output.parent} does not exist")
    return output


def _write_model(mesh: Mesh, output: Path) -> None:
    from printhub.geometry.io import write_3mf, write_stl

    if output.suffix.lower() == ".3mf":
        write_3mf(mesh, output)
    else:
        write_stl(mesh, output)


def _on_bed(mesh: Mesh) -> Mesh:
    """The mesh moved so that its lowest point is at z = 0."""
    vertices = mesh.vertices.astype(np.float64)
    vertices[:, 2] -= vertices[:, 2].min()
    return Mesh(vertices, mesh.faces)


def _build_volumes(spec: str):
    """The build volumes `analyze` tests the fit against: the hub's fleet by default."""
    from printhub.geometry.fit import BuildVolume
    from printhub.slicing import SlicingError, load_catalog

    if spec == "none":
        return ()
    try:
        catalog = load_catalog()
        if spec == "hub":
            printers = catalog.printers()
        else:
            printers = [catalog.printer(pid.strip()) for pid in spec.split(",") if pid.strip()]
    except SlicingError:
        if spec != "hub":
            raise
        render.warn("the printer catalog is not available; skipping the build-volume check")
        return ()
    return tuple(BuildVolume(p.id, p.name, tuple(p.build_mm)) for p in printers)


def analyze(args: argparse.Namespace) -> int:
    from printhub.geometry.analysis import AnalysisOptions
    from printhub.geometry.analysis import analyze as run_analysis

    options = AnalysisOptions(
        overhang_angle_deg=args.overhang_angle,
        min_wall_mm=args.min_wall,
        check_self_intersections=not args.quick,
        check_thickness=not args.quick,
        printers=_build_volumes(args.printers),
    )
    with Progress(enabled=not args.json) as progress:
        model = _load(progress, args.file)
        progress.stage(f"Analysing {model.mesh.triangle_count:,} triangles")
        report = run_analysis(model.mesh, options)
    data = {"file": model.name, "format": model.format, "source_unit": model.source_unit}
    data["objects"] = [o.name for o in model.objects]
    data.update(report.to_dict())
    if args.json:
        _print_json(data)
    else:
        render.analysis(model, report)
    return 0


def repair(args: argparse.Namespace) -> int:
    from printhub.geometry.analysis import AnalysisOptions
    from printhub.geometry.analysis import analyze as run_analysis
    from printhub.geometry.repair import repair as run_repair

    output = _check_output(args.output, MODEL_OUTPUTS)
    with Progress(enabled=not args.json) as progress:
        model = _load(progress, args.file)
        progress.stage("Repairing")
        repaired, report = run_repair(model.mesh)
        progress.stage("Checking the result")
        after = run_analysis(repaired, AnalysisOptions(check_thickness=False))
        progress.stage(f"Writing {output.name}")
        _write_model(repaired, output)
    if args.json:
        _print_json(
            report.to_dict()
            | {
                "output": str(output),
                "after": {
                    k: v
                    for k, v in after.to_dict().items()
                    if k not in ("printer_fits", "timings_s")
                },
            }
        )
    else:
        render.repair(model, report, after, output)
    return 0


def orient(args: argparse.Namespace) -> int:
    from printhub.geometry.orientation import orient as run_orient

    output = _check_output(args.output, MODEL_OUTPUTS) if args.output else None
    with Progress(enabled=not args.json) as progress:
        model = _load(progress, args.file)
        progress.stage("Trying orientations")
        result = run_orient(model.mesh, angle_deg=args.overhang_angle)
        if output:
            progress.stage(f"Writing {output.name}")
            _write_model(_on_bed(model.mesh.transformed(result.rotation)), output)
    if args.json:
        _print_json(result.to_dict() | {"output": str(output) if output else None})
    else:
        render.orientation(model, result, output)
    return 0


def _job(args: argparse.Namespace):
    """Printer, material and settings named on the command line, checked."""
    from printhub.slicing import PrintSettings, check_compatible, load_catalog

    catalog = load_catalog()
    printer = catalog.printer(args.printer)
    material = catalog.material(args.material)
    check_compatible(printer, material, catalog)
    given = {
        "layer_height_mm": args.layer_height,
        "infill_percent": args.infill,
        "perimeters": args.perimeters,
        "top_layers": args.top_layers,
        "bottom_layers": args.bottom_layers,
        "supports": args.supports,
    }
    settings = PrintSettings(**{k: v for k, v in given.items() if v is not None})
    return printer, material, settings


def _oriented(progress: Progress, mesh: Mesh, wanted: bool) -> Mesh:
    if not wanted:
        return mesh
    from printhub.geometry.orientation import orient as run_orient

    progress.stage("Choosing the orientation")
    return _on_bed(mesh.transformed(run_orient(mesh).rotation))


def estimate(args: argparse.Namespace) -> int:
    from printhub.slicing.estimate import estimate as run_estimate

    printer, material, settings = _job(args)
    with Progress(enabled=not args.json) as progress:
        model = _load(progress, args.file)
        mesh = _oriented(progress, model.mesh, args.orient)
        progress.stage("Estimating")
        result = run_estimate(mesh, printer, material, settings)
    data = {"file": model.name, "printer": printer.id, "material": material.id}
    data |= result.to_dict()
    if args.json:
        _print_json(data)
    else:
        render.estimate(model, printer, material, data)
    return 0


def slice_(args: argparse.Namespace) -> int:
    from printhub.slicing.prusaslicer import slice_model

    printer, material, settings = _job(args)
    wanted = (".sl1s", ".sl1") if printer.technology == "sla" else (".gcode",)
    output = _check_output(args.output, wanted)
    with Progress(enabled=not args.json) as progress:
        source = Path(args.file)
        with tempfile.TemporaryDirectory(prefix="printhub-slice-") as tmp:
            model = _load(progress, args.file)  # checks the file before the slicer sees it
            if args.orient:
                from printhub.geometry.io import write_stl

                source = Path(tmp) / "oriented.stl"
                write_stl(_oriented(progress, model.mesh, True), source)
            progress.stage(f"Slicing with PrusaSlicer for {printer.name}", timer=True)
            result = slice_model(
                source, printer, material, settings, output_path=output, timeout_s=args.timeout
            )
    data = {"file": model.name, "printer": printer.id, "material": material.id}
    data |= result.to_dict() if hasattr(result, "to_dict") else dataclasses.asdict(result)
    if args.json:
        _print_json(data)
    else:
        render.sliced(model, printer, material, data, output)
    return 0


def thumbnail(args: argparse.Namespace) -> int:
    from printhub.geometry.thumbnail import save_thumbnail

    output = _check_output(args.output, (".png",))
    if not 16 <= args.size <= 1024:
        raise UsageError(f"--size must be between 16 and 1024 pixels, not {args.size}")
    with Progress() as progress:
        model = _load(progress, args.file)
        highlight = None
        if args.highlight == "overhangs":
            from printhub.geometry.measure import face_measures, overhang_faces

            measures = face_measures(model.mesh)
            highlight = overhang_faces(measures, float(model.mesh.bounds[0, 2]))
        progress.stage("Rendering")
        save_thumbnail(
            model.mesh,
            output,
            size=(args.size, args.size),
            view=args.view,
            highlight_faces=highlight,
        )
    render.say(f"wrote {output}")
    return 0


def catalog(args: argparse.Namespace) -> int:
    from printhub.slicing import load_catalog

    entries_catalog = load_catalog()
    if args.kind == "printers":
        entries = entries_catalog.printers(include_bundle=args.all)
    else:
        entries = entries_catalog.materials(include_bundle=args.all)
    if args.json:
        _print_json([render.catalog_entry(e) for e in entries])
    else:
        render.catalog(args.kind, entries)
    return 0


def plan(args: argparse.Namespace) -> int:
    from printhub.scheduling import greedy_plan, load_scenario, plan_jobs, plan_to_dict

    path = Path(args.scenario)
    try:
        data = json.loads(path.read_bytes())
    except json.JSONDecodeError as err:
        raise UsageError(f"{path}: not JSON ({err.msg} at line {err.lineno})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not JSON (not UTF-8 text)") from None
    scenario = load_scenario(data)
    made = greedy_plan(scenario) if args.method == "greedy" else plan_jobs(scenario)
    result = plan_to_dict(scenario, made)
    if args.json:
        _print_json(result)
    else:
        render.plan(result)
    return 0
