"""Runs one measured task in a fresh process and prints its time and peak memory as JSON.

A fresh process per run keeps peak memory honest (nothing left over from a
previous run) and lets printhub and its peer be measured the same way.
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys
import time


def _peak_rss_bytes() -> int:
    """This process's peak resident size (VmHWM, Linux).

    Not getrusage's ru_maxrss: Linux carries a forked parent's peak over the exec into it,
    so a worker started by a parent that had just generated a big model would read the
    parent's peak as its own baseline (and report its own work as 0 bytes).
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # not Linux: KiB


def analysis_printhub(path: str) -> dict:
    from printhub.geometry.analysis import AnalysisOptions, analyze
    from printhub.geometry.io import load_mesh

    mesh = load_mesh(path)
    report = analyze(mesh, AnalysisOptions(check_self_intersections=False, check_thickness=False))
    return {
        "triangles": report.triangles,
        "bodies": report.bodies,
        "volume_mm3": report.volume_mm3,
        "area_mm2": report.area_mm2,
        "is_watertight": report.is_watertight,
        "is_winding_consistent": report.is_winding_consistent,
        "overhang_area_mm2": report.overhang_area_mm2,
    }


def analysis_full_printhub(path: str) -> dict:
    from printhub.geometry.analysis import analyze
    from printhub.geometry.io import load_mesh

    report = analyze(load_mesh(path))
    return {"timings_s": report.timings_s, "is_self_intersecting": report.is_self_intersecting}


def analysis_trimesh(path: str) -> dict:
    import numpy as np
    import trimesh

    mesh = trimesh.load_mesh(path)
    normal_z = mesh.face_normals[:, 2]
    bed = mesh.bounds[0, 2]
    top_of_face = mesh.vertices[mesh.faces][:, :, 2].max(axis=1)
    overhang = (normal_z < -np.cos(np.radians(45))) & (top_of_face > bed + 0.05)
    return {
        "triangles": len(mesh.faces),
        "bodies": int(mesh.body_count),
        "volume_mm3": float(mesh.volume),
        "area_mm2": float(mesh.area),
        "is_watertight": bool(mesh.is_watertight),
        "is_winding_consistent": bool(mesh.is_winding_consistent),
        "overhang_area_mm2": float(mesh.area_faces[overhang].sum()),
    }


def orient_printhub(path: str) -> dict:
    from printhub.geometry.io import load_mesh
    from printhub.geometry.orientation import orient

    mesh = load_mesh(path)
    start = time.perf_counter()
    result = orient(mesh)
    return {
        "measured_s": time.perf_counter() - start,
        "support_area_mm2": result.best.support_area_mm2,
        "support_area_as_uploaded_mm2": result.as_uploaded.support_area_mm2,
    }


def orient_tweaker(path: str, tweaker_dir: str) -> dict:
    sys.path.insert(0, tweaker_dir)
    from FileHandler import FileHandler
    from MeshTweaker import Tweak

    objects = FileHandler().load_mesh(path)
    content = objects[0]["mesh"]
    start = time.perf_counter()
    tweak = Tweak(content, extended_mode=True, verbose=False)
    return {
        "measured_s": time.perf_counter() - start,
        "unprintability": float(tweak.unprintability),
    }


TASKS = {
    "analysis_printhub": analysis_printhub,
    "analysis_full_printhub": analysis_full_printhub,
    "analysis_trimesh": analysis_trimesh,
    "orient_printhub": orient_printhub,
    "orient_tweaker": orient_tweaker,
}


# Libraries each task imports before the baseline is read, so that the memory figure
# counts the work on the model and not the size of the libraries.
IMPORTS = {
    "printhub": [
        "printhub.geometry.analysis",
        "printhub.geometry.io",
        "printhub.geometry.orientation",
        "printhub.geometry.intersect",
        "printhub.geometry.thickness",
        "scipy.sparse.csgraph",
        "scipy.spatial",
    ],
    "trimesh": ["trimesh", "scipy.sparse.csgraph", "networkx"],
    "tweaker": ["numpy"],
}


def main() -> None:
    import importlib

    task, *args = sys.argv[1:]
    for module in IMPORTS[task.rsplit("_", 1)[1]]:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    baseline = _peak_rss_bytes()
    start = time.perf_counter()
    result = TASKS[task](*args)
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "elapsed_s": elapsed,
                "peak_extra_bytes": max(0, _peak_rss_bytes() - baseline),
                "result": result,
            }
        )
    )


if __name__ == "__main__":
    main()
