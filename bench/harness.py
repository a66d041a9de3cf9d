"""Shared plumbing of the benchmarks: run a task in a fresh process, report sections."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Section:
    """One benchmark's outcome: markdown for docs/benchmarks.md and one line per target."""

    title: str
    command: str
    markdown: str
    targets: list[tuple[str, bool]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"## {self.title}"]
        lines += [f"  [{'met' if ok else 'MISSED'}] {text}" for text, ok in self.targets]
        return "\n".join(lines)


def run_task(task: str, *args: str, timeout: float = 900) -> dict:
    """Run bench/_worker.py TASK ARGS in a new interpreter; its JSON result."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench._worker", task, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ | {"PYTHONHASHSEED": "0"},
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{task} failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def median_run(task: str, *args: str, repeat: int = 3) -> dict:
    """The run with the median elapsed time out of `repeat` fresh-process runs."""
    runs = sorted((run_task(task, *args) for _ in range(repeat)), key=lambda r: r["elapsed_s"])
    chosen = runs[len(runs) // 2]
    chosen["all_elapsed_s"] = [r["elapsed_s"] for r in runs]
    chosen["peak_extra_bytes"] = max(r["peak_extra_bytes"] for r in runs)
    return chosen


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def fmt_mb(size: float) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def median(values):
    return statistics.median(values)
