"""Full analysis of big models, printhub against trimesh doing the same steps.

Steps on both sides: load (with vertex merging), watertight, winding
consistency, volume, area, number of bodies, overhang area at 45°. Each side
runs three times in a fresh process; the median time and the largest peak
memory (resident, above the libraries' own) are reported.

    python -m bench.analysis_vs_trimesh
"""

from __future__ import annotations

from bench.harness import Section, fmt_mb, fmt_s, median_run
from bench.models import model_path

MODELS = [
    ("torus_1m.stl", "torus, 1,000,000 triangles, one shell"),
    ("shells_800.stl", "800 separate tori, 1,024,000 triangles"),
]
TIME_RATIO_TARGET = 0.5
MEMORY_RATIO_TARGET = 4.0


def run() -> Section:
    rows = []
    targets = []
    for name, description in MODELS:
        path = model_path(name)
        size = path.stat().st_size
        ours = median_run("analysis_printhub", str(path))
        peer = median_run("analysis_trimesh", str(path))
        full = median_run("analysis_full_printhub", str(path), repeat=1)
        ratio = ours["elapsed_s"] / peer["elapsed_s"]
        memory_ratio = ours["peak_extra_bytes"] / size
        agree = all(
            abs(ours["result"][k] - peer["result"][k]) <= 1e-4 * max(1.0, abs(peer["result"][k]))
            for k in ("volume_mm3", "area_mm2", "overhang_area_mm2")
        ) and all(
            ours["result"][k] == peer["result"][k]
            for k in ("triangles", "bodies", "is_watertight", "is_winding_consistent")
        )
        rows.append(
            f"| {description} | {fmt_mb(size)} | {fmt_s(ours['elapsed_s'])} | "
            f"{fmt_s(peer['elapsed_s'])} | **{ratio:.2f}×** | {fmt_mb(ours['peak_extra_bytes'])} "
            f"({memory_ratio:.1f}× file) | {fmt_mb(peer['peak_extra_bytes'])} | "
            f"{'yes' if agree else 'NO'} | {fmt_s(full['elapsed_s'])} |"
        )
        targets.append(
            (
                f"{name}: time {ratio:.2f}× trimesh (target ≤ {TIME_RATIO_TARGET})",
                ratio <= TIME_RATIO_TARGET,
            )
        )
        targets.append(
            (
                f"{name}: peak memory {memory_ratio:.1f}× file (target ≤ {MEMORY_RATIO_TARGET})",
                memory_ratio <= MEMORY_RATIO_TARGET,
            )
        )
        targets.append((f"{name}: same figures as trimesh", agree))
    markdown = "\n".join(
        [
            "Load + watertight + winding + volume + area + bodies + overhang (45°), median of 3",
            "fresh-process runs; memory is the peak resident size above the libraries' own.",
            "The last column is printhub's *full* analysis, which adds self-intersections and",
            "wall thickness (trimesh has neither).",
            "",
            "| model | file | printhub | trimesh | ratio | printhub peak | trimesh peak | "
            "same figures | printhub full |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    return Section(
        "Analysis: printhub vs trimesh", "python -m bench.analysis_vs_trimesh", markdown, targets
    )


if __name__ == "__main__":
    section = run()
    print(section.markdown)
    print(section.summary())
