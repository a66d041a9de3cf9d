"""`make bench`: run every benchmark, print the ratios, rewrite docs/benchmarks.md.

python -m bench            # all, and rewrite the page
python -m bench analysis   # those whose module name contains "analysis"; their sections
                           # of the page are replaced, dated, the others kept
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import sys
from pathlib import Path

from bench.harness import ROOT, Section

MODULES = [
    "bench.analysis_vs_trimesh",
    "bench.orientation_vs_tweaker",
    "bench.estimate_vs_slicer",
    "bench.scheduling_vs_greedy",
    "bench.fleet_monitor",
    "bench.printer_push",
    "bench.platform_speed",
]
DOC = ROOT / "docs" / "benchmarks.md"


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def _section_lines(section: Section, rerun: str | None = None) -> list[str]:
    lines = [f"## {section.title}", "", f"Command: `{section.command}`", ""]
    if rerun:
        lines += [f"Re-run alone on {rerun}, on the machine above.", ""]
    lines += [section.markdown, ""]
    lines += ["Targets:", ""]
    lines += [f"- {'met' if ok else '**missed**'}: {text}" for text, ok in section.targets]
    lines.append("")
    return lines


def _now() -> str:
    return dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def _replace(sections: list[Section]) -> bool:
    """Put re-run sections in place of theirs on the page; False if one has no place."""
    if not DOC.exists():
        return False
    lines = DOC.read_text().splitlines()
    for section in sections:
        heading = f"## {section.title}"
        if heading not in lines:
            return False
        begin = lines.index(heading)
        end = next(
            (i for i in range(begin + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        lines[begin:end] = _section_lines(section, rerun=_now())
    DOC.write_text("\n".join(lines) + "\n")
    return True


def _write(sections: list[Section]) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); every figure below comes from one run",
        "in which printhub and its peer were measured side by side on the same machine.",
        "",
        f"- date: {_now()}",
        f"- machine: {_machine()}",
        "",
    ]
    for section in sections:
        lines += _section_lines(section)
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(lines))


def main(argv: list[str]) -> int:
    wanted = [m for m in MODULES if not argv or any(a in m for a in argv)]
    sections = []
    for name in wanted:
        print(f"running {name} …", flush=True)
        section = importlib.import_module(name).run()
        print(section.summary(), flush=True)
        sections.append(section)
    if not argv:
        _write(sections)
        print(f"wrote {DOC.relative_to(ROOT)}")
    elif _replace(sections):
        print(f"replaced {len(sections)} section(s) of {DOC.relative_to(ROOT)}")
    missed = [text for s in sections for text, ok in s.targets if not ok]
    if missed:
        print(f"{len(missed)} target(s) missed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
