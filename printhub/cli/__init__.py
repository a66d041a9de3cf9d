"""The `printhub` command: analyse, repair, orient, estimate, slice and render models, and
plan print jobs across the network.

Output is for people (tables on a terminal) unless `--json` asks for one JSON
object on stdout. Bad input ends with exit code 2 and one clear line on stderr;
progress goes to stderr, and only when it is a terminal.
"""

from __future__ import annotations

import argparse
import sys

from printhub import __version__
from printhub.cli import commands
from printhub.cli.errors import UsageError, run_safely


def _add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="model file: STL, OBJ, PLY or 3MF")


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _add_job_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--printer", required=True, help="printer id (printhub catalog printers)")
    parser.add_argument(
        "--material", required=True, help="material id (printhub catalog materials)"
    )
    parser.add_argument("--layer-height", type=float, metavar="MM", help="layer height in mm")
    parser.add_argument("--infill", type=int, metavar="PERCENT", help="sparse infill density")
    parser.add_argument("--perimeters", type=int, help="number of perimeters (walls)")
    parser.add_argument("--top-layers", type=int, help="solid layers on top")
    parser.add_argument("--bottom-layers", type=int, help="solid layers at the bottom")
    parser.add_argument(
        "--supports", choices=("off", "auto", "buildplate"), help="support material (auto)"
    )
    parser.add_argument(
        "--orient", action="store_true", help="lay the model in its suggested orientation first"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="printhub",
        description="Analyse, repair, orient, estimate and slice 3D-printable models.",
    )
    parser.add_argument("--version", action="version", version=f"printhub {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("analyze", help="check whether a model prints and what is wrong with it")
    _add_model_argument(p)
    _add_json(p)
    p.add_argument(
        "--overhang-angle",
        type=float,
        default=45.0,
        metavar="DEG",
        help="support below this slope from horizontal (default 45)",
    )
    p.add_argument(
        "--min-wall",
        type=float,
        default=0.8,
        metavar="MM",
        help="flag walls thinner than this (default 0.8 = 2 × 0.4 mm nozzle)",
    )
    p.add_argument(
        "--printers",
        default="hub",
        metavar="IDS",
        help="build volumes to test the fit against: 'hub' (default), 'none' "
        "or comma-separated printer ids",
    )
    p.add_argument(
        "--quick", action="store_true", help="skip self-intersection and wall-thickness checks"
    )
    p.set_defaults(handler=commands.analyze)

    p = sub.add_parser("repair", help="repair a model and write the result (STL or 3MF)")
    _add_model_argument(p)
    p.add_argument("-o", "--output", required=True, help="output file, .stl or .3mf")
    _add_json(p)
    p.set_defaults(handler=commands.repair)

    p = sub.add_parser("orient", help="suggest the orientation that needs the least support")
    _add_model_argument(p)
    p.add_argument("-o", "--output", help="also write the oriented model (.stl or .3mf)")
    p.add_argument("--overhang-angle", type=float, default=45.0, metavar="DEG")
    _add_json(p)
    p.set_defaults(handler=commands.orient)

    p = sub.add_parser("estimate", help="instant estimate of print time, material and cost")
    _add_model_argument(p)
    _add_job_options(p)
    _add_json(p)
    p.set_defaults(handler=commands.estimate)

    p = sub.add_parser("slice", help="slice with PrusaSlicer for a printer and a material")
    _add_model_argument(p)
    _add_job_options(p)
    p.add_argument("-o", "--output", required=True, help="output G-code (or .sl1s for resin)")
    p.add_argument("--timeout", type=float, default=600, metavar="S", help="time limit (600 s)")
    _add_json(p)
    p.set_defaults(handler=commands.slice_)

    p = sub.add_parser("thumbnail", help="render a shaded PNG picture of a model")
    _add_model_argument(p)
    p.add_argument("-o", "--output", required=True, help="output PNG")
    p.add_argument("--size", type=int, default=512, metavar="PX", help="width and height (512)")
    p.add_argument("--view", choices=("iso", "front", "top"), default="iso")
    p.add_argument(
        "--highlight", choices=("none", "overhangs"), default="none", help="colour problem areas"
    )
    p.set_defaults(handler=commands.thumbnail)

    p = sub.add_parser("catalog", help="list the printers or materials printhub knows")
    p.add_argument("kind", choices=("printers", "materials"))
    p.add_argument(
        "--all",
        action="store_true",
        help="include every PrusaSlicer bundle preset, not only the hub's",
    )
    _add_json(p)
    p.set_defaults(handler=commands.catalog)

    p = sub.add_parser("plan", help="plan a scenario's print jobs across the network's printers")
    p.add_argument("scenario", help="scenario JSON file (centers, printers, jobs)")
    p.add_argument(
        "--method",
        choices=("planner", "greedy"),
        default="planner",
        help="printhub's planner, or first-in-first-out to the soonest compatible printer",
    )
    _add_json(p)
    p.set_defaults(handler=commands.plan)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `printhub` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_safely(lambda: args.handler(args), debug=args.debug)


__all__ = ["UsageError", "build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
