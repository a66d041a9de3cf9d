"""What the command line shows people: tables and short verdicts (rich)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

console = Console()
errors = Console(stderr=True)

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}

PROBLEM_TEXT = {
    "not_watertight": "has holes: {edges} open edges",
    "non_manifold_edges": "{edges} edges are shared by more than two faces",
    "inconsistent_winding": "neighbouring faces disagree on inside and outside ({edges} edges)",
    "inverted_normals": "is inside out ({bodies} bodies)",
    "degenerate_faces": "has faces with no area",
    "duplicate_faces": "has faces that appear twice",
    "self_intersecting": "surfaces cross each other ({pairs} face pairs)",
    "multiple_bodies": "consists of separate bodies",
    "needs_support": "needs support under {area_mm2} mm² of overhangs",
    "thin_walls": "has walls thinner than {threshold_mm} mm ({area_mm2} mm²)",
    "unit_suspect": "is tiny or huge: probably modelled in {unit}s (×{scale} would fit)",
    "too_large": "does not fit any printer",
}


def say(text: str) -> None:
    console.print(text)


def warn(text: str) -> None:
    errors.print(f"[yellow]printhub: warning:[/] {text}")


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def _problem_line(problem) -> str:
    template = PROBLEM_TEXT.get(problem.code, problem.code)
    try:
        text = template.format(**problem.details)
    except (KeyError, IndexError):
        text = template
    if problem.count and "{" not in PROBLEM_TEXT.get(problem.code, ""):
        text += f" ({problem.count:,})"
    return text


def analysis(model, report) -> None:
    x, y, z = report.bbox_mm
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("file", f"{model.name} ({model.format})")
    table.add_row("triangles", f"{report.triangles:,}")
    table.add_row("bodies", f"{report.bodies:,}")
    table.add_row("size", f"{x:.2f} × {y:.2f} × {z:.2f} mm")
    table.add_row("volume", f"{report.volume_mm3 / 1000:,.2f} cm³")
    table.add_row("surface", f"{report.area_mm2 / 100:,.2f} cm²")
    table.add_row("watertight", "yes" if report.is_watertight else "[red]no[/]")
    table.add_row(
        "winding", "consistent" if report.is_winding_consistent else "[red]inconsistent[/]"
    )
    if report.is_self_intersecting is not None:
        table.add_row(
            "self-intersecting", "[yellow]yes[/]" if report.is_self_intersecting else "no"
        )
    table.add_row(
        "overhangs", f"{report.overhang_area_mm2:,.1f} mm² at {report.overhang_angle_deg:g}°"
    )
    if report.min_wall_mm is not None:
        table.add_row("thinnest wall", f"{report.min_wall_mm:.2f} mm")
    if report.printer_fits:
        fitting = [f.printer_id for f in report.printer_fits if f.fits]
        table.add_row("fits", ", ".join(fitting) if fitting else "[red]no printer[/]")
    console.print(table)
    if report.problems:
        console.print()
        for problem in report.problems:
            style = SEVERITY_STYLE[problem.severity]
            console.print(f"[{style}]{problem.severity:>7}[/]  {_problem_line(problem)}")
    verdict = "[green]printable[/]" if report.is_printable else "[red]not printable as it is[/]"
    console.print(f"\n{model.name}: {verdict}")


def repair(model, report, after, output: Path) -> None:
    if not report.changes:
        console.print(f"{model.name}: nothing needed repair")
    for code, count in report.changes.items():
        console.print(f"  {code.replace('_', ' ')}: {count:,}")
    for code, reason in report.unrepaired.items():
        console.print(f"  [red]not repaired[/] {code.replace('_', ' ')}: {reason}")
    state = "watertight" if after.is_watertight else "[red]still open[/]"
    console.print(f"wrote {output} ({after.triangles:,} triangles, {after.bodies} bodies, {state})")


def orientation(model, result, output) -> None:
    table = Table("down direction", "support mm²", "height mm", "bed contact mm²", "score")
    for candidate in result.candidates[:8]:
        mark = " ←" if candidate == result.best else ""
        table.add_row(
            "(" + ", ".join(f"{c:+.3f}" for c in candidate.down) + ")" + mark,
            f"{candidate.support_area_mm2:,.1f}",
            f"{candidate.height_mm:,.1f}",
            f"{candidate.bed_contact_mm2:,.1f}",
            f"{candidate.score:.3f}",
        )
    console.print(table)
    before, after = result.as_uploaded.support_area_mm2, result.best.support_area_mm2
    console.print(f"support area: {before:,.1f} mm² as uploaded → {after:,.1f} mm² oriented")
    console.print("rotation:")
    for row in result.rotation:
        console.print("  [" + "  ".join(f"{v:+.6f}" for v in row) + "]")
    if output:
        console.print(f"wrote {output}")


def _job_table(model, printer, material, data: dict) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("file", model.name)
    table.add_row("printer", f"{printer.name} ({printer.id})")
    table.add_row("material", f"{material.name} / {material.name_ko} ({material.id})")
    if data.get("print_time_s") is not None:
        table.add_row("print time", _duration(data["print_time_s"]))
    if data.get("filament_g") is not None:
        table.add_row("filament", f"{data['filament_g']:,.1f} g")
    if data.get("filament_mm") is not None:
        table.add_row("filament length", f"{data['filament_mm'] / 1000:,.2f} m")
    if data.get("resin_ml") is not None:
        table.add_row("resin", f"{data['resin_ml']:,.1f} ml")
    if data.get("powder_g") is not None:
        table.add_row("powder", f"{data['powder_g']:,.1f} g")
    if data.get("layers") is not None:
        table.add_row("layers", f"{data['layers']:,}")
    if data.get("material_cost_krw") is not None:
        table.add_row("material cost", f"₩{data['material_cost_krw']:,}")
    return table


def estimate(model, printer, material, data: dict) -> None:
    console.print(_job_table(model, printer, material, data))


def sliced(model, printer, material, data: dict, output: Path) -> None:
    console.print(_job_table(model, printer, material, data))
    console.print(f"wrote {output}")


def catalog_entry(entry) -> dict:
    """The JSON form of a printer or a material."""
    if hasattr(entry, "technology"):
        return {
            "id": entry.id,
            "name": entry.name,
            "vendor": entry.vendor,
            "technology": entry.technology,
            "build_mm": list(entry.build_mm),
            "nozzle_mm": entry.nozzle_mm,
            "hardened_nozzle": entry.hardened_nozzle,
            "enclosed": entry.enclosed,
            "sliceable": entry.sliceable,
            "curated": entry.curated,
        }
    return {
        "id": entry.id,
        "name": entry.name,
        "name_ko": entry.name_ko,
        "process": entry.process,
        "family": entry.family,
        "filler": entry.filler,
        "density_g_cm3": entry.density_g_cm3,
        "price_krw_per_kg": entry.price_krw_per_kg,
        "price_krw_per_l": entry.price_krw_per_l,
        "abrasive": entry.abrasive,
        "needs_enclosure": entry.needs_enclosure,
        "needs_drying": entry.needs_drying,
        "curated": entry.curated,
    }


def catalog(kind: str, entries) -> None:
    if kind == "printers":
        table = Table("name", "process", "build volume mm", "nozzle")
        table.add_column("id", no_wrap=True)
        for p in entries:
            nozzle = "" if p.nozzle_mm is None else f"{p.nozzle_mm:g} mm"
            if p.hardened_nozzle:
                nozzle += " hardened"
            build = " × ".join(f"{v:g}" for v in p.build_mm)
            table.add_row(p.name, p.technology.upper(), build, nozzle, p.id)
    else:
        table = Table("name", "이름", "process")
        table.add_column("price", no_wrap=True)
        table.add_column("needs")
        table.add_column("id", no_wrap=True)
        for m in entries:
            price = (
                f"₩{m.price_krw_per_kg:,}/kg"
                if m.price_krw_per_kg
                else (f"₩{m.price_krw_per_l:,}/L" if m.price_krw_per_l else "")
            )
            needs = [
                label
                for flag, label in (
                    (m.abrasive, "hardened nozzle"),
                    (m.needs_enclosure, "enclosure"),
                    (m.needs_drying, "drying"),
                )
                if flag
            ]
            table.add_row(m.name, m.name_ko, m.process.upper(), price, ", ".join(needs), m.id)
    console.print(table)


def plan(result: dict) -> None:
    """A plan for people: per printer its jobs in time order, then what was left out."""
    table = Table("printer", "job", "start", "end", "change")
    for a in sorted(result["assignments"], key=lambda a: (a["printer"], a["start"])):
        change = "yes" if a["material_change"] else ""
        table.add_row(a["printer"], a["job"], a["start"][:16], a["end"][:16], change)
    console.print(table)
    for u in result["unassigned"]:
        console.print(f"[bold]not planned[/bold] {u['job']}: {u['reason']}")
    m = result["metrics"]
    console.print(
        f"{len(result['assignments'])} jobs planned; "
        f"total lateness {m['total_lateness_s'] / 3600:.1f} h "
        f"({m['late_jobs']} late), {m['material_changes']} material changes, "
        f"makespan {m['makespan_s'] / 3600:.1f} h"
    )
