"""Auto-orientation of a 1,000,000-triangle model: printhub against Tweaker-3.

Tweaker-3 (github.com/ChristophSchranz/Tweaker-3, GPL-3.0) is not on PyPI.
It runs from a checkout named by TWEAKER3_DIR, or /work/peers/Tweaker-3 when
that exists; without one only printhub is timed, against the target alone.
Only the orientation itself is timed on both sides (not reading the file).

    python -m bench.orientation_vs_tweaker
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.harness import Section, fmt_s, median_run
from bench.models import model_path

TARGET_S = 1.0


def tweaker_dir() -> Path | None:
    candidates = [os.environ.get("TWEAKER3_DIR"), "/work/peers/Tweaker-3"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "MeshTweaker.py").exists():
            return Path(candidate)
    return None


def run() -> Section:
    path = model_path("torus_1m.stl")
    ours = median_run("orient_printhub", str(path))
    ours_s = ours["result"]["measured_s"]
    peer_dir = tweaker_dir()
    if peer_dir is not None:
        peer = median_run("orient_tweaker", str(path), str(peer_dir), repeat=1)
        peer_s = peer["result"]["measured_s"]
        peer_cell, ratio_cell = fmt_s(peer_s), f"**{ours_s / peer_s:.2f}×**"
    else:
        peer_cell, ratio_cell = "not available (set TWEAKER3_DIR)", "–"
    markdown = "\n".join(
        [
            "Time to choose an orientation (candidates + scoring), the file already in memory;",
            "median of 3 fresh-process runs for printhub, one for Tweaker-3 (extended mode).",
            "",
            "| model | printhub | Tweaker-3 | ratio |",
            "|---|---|---|---|",
            f"| torus, 1,000,000 triangles | {fmt_s(ours_s)} | {peer_cell} | {ratio_cell} |",
        ]
    )
    targets = [(f"orientation {fmt_s(ours_s)} (target ≤ {TARGET_S:.0f} s)", ours_s <= TARGET_S)]
    return Section(
        "Orientation: printhub vs Tweaker-3",
        "python -m bench.orientation_vs_tweaker",
        markdown,
        targets,
    )


if __name__ == "__main__":
    section = run()
    print(section.markdown)
    print(section.summary())
