"""The instant estimate against PrusaSlicer's own G-code figures, over the model corpus.

For every model of bench/corpus.py and every job setting below, PrusaSlicer slices the
model (``printhub.slicing.prusaslicer.slice_model``) and the estimate predicts print time
and filament mass from the mesh alone. Reported: the error per model, median and mean
absolute errors in-sample (with the stored coefficients) and leave-one-model-out
cross-validated (the coefficients refitted without the model, then used to predict it), and
how much faster the estimate is than the slicer on the same models in the same run.

    python -m bench.estimate_vs_slicer            # report (slices missing from the cache)
    python -m bench.estimate_vs_slicer --fit      # refit calibration.py, then report
    python -m bench.estimate_vs_slicer --no-cv    # skip the cross-validation (minutes)

Slicer results are cached in bench/.cache/slices/ by model hash and config hash, so only
new models or changed configs are sliced again (the first run takes about 20 minutes on
two cores). Resin (SL1S) estimates are compared the same way on a few models.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from bench.corpus import CACHE, CorpusModel, corpus
from bench.harness import ROOT, Section
from printhub.geometry.io import load_mesh
from printhub.geometry.mesh import Mesh
from printhub.slicing import PrintSettings, load_catalog, resolve_config
from printhub.slicing.estimate import calibration, fdm, resin
from printhub.slicing.estimate.layers import LayerGeometry
from printhub.slicing.estimate.profile import FdmProfile, read_fdm_profile
from printhub.slicing.prusaslicer import slice_model

SLICES = CACHE / "slices"
CALIBRATION = ROOT / "printhub" / "slicing" / "estimate" / "calibration.py"

# Job settings: (printer, material, layer height mm, infill %, supports). A 3 x 3 Latin
# square over material (PLA, PETG, carbon-fibre nylon PA11-CF), layer height (0.15, 0.20,
# 0.30 mm) and infill (10, 20, 40 %), with supports on ("auto", the default) or off. PA11-CF
# needs the hardened nozzle; 0.30 mm layers need the 0.6 mm nozzle (the 0.4 mm MK3S
# allows up to 0.25 mm).
SETTINGS: dict[str, tuple[str, str, float, int, str]] = {
    "PLA 0.20 20% sup": ("mk3s", "pla", 0.20, 20, "auto"),
    "PETG 0.15 10% sup": ("mk3s", "petg", 0.15, 10, "auto"),
    "PA11-CF 0.20 40% sup": ("mk3s-hardened-0.4", "pa11-cf", 0.20, 40, "auto"),
    "PA11-CF 0.30 20% sup": ("mk3s-hardened-0.6", "pa11-cf", 0.30, 20, "auto"),
    "PLA 0.15 40%": ("mk3s", "pla", 0.15, 40, "off"),
    "PETG 0.20 40%": ("mk3s", "petg", 0.20, 40, "off"),
    "PA11-CF 0.15 10%": ("mk3s-hardened-0.4", "pa11-cf", 0.15, 10, "off"),
    "PETG 0.30 10% sup": ("mk3s-hardened-0.6", "petg", 0.30, 10, "auto"),
    "PLA 0.30 40%": ("mk3s-hardened-0.6", "pla", 0.30, 40, "off"),
}
# Resin: a few models, supports on and off, against PrusaSlicer's --export-sla figures.
SLA_MODELS = (
    "box",
    "cone",
    "cylinder",
    "sphere",
    "torus",
    "pyramid",
    "M3x10_screw",
    "gen_calibration_cube",
    "gen_l_bracket_overhang",
    "gen_open_cup",
    "gen_gear",
    "gen_hemisphere_dome",
)
# Refit iterations per stage and fold of the cross-validation (each fold starts from the
# full fit, so a few Gauss-Newton steps reach its optimum).
CV_ITERATIONS = 5
TIME_TARGET = 0.10
MASS_TARGET = 0.05
SPEED_TARGET = 100.0

# Coefficients fitted on filament mass (geometry), then those fitted on time with the mass
# ones held, each within physically sensible bounds.
MASS_BOUNDS = {
    "perimeter_length": (0.95, 1.05),
    "shell_window": (0.5, 3.0),
    "shell_ring": (0.0, 3.0),
    "sparse_length": (0.95, 1.2),
    "support_area": (0.3, 4.0),
}
TIME_BOUNDS = {
    "corners_per_loop": (0.0, 30.0),
    "sparse_segment": (0.1, 3.0),
    "sparse_junction": (0.5, 10.0),
    "junction_jerk": (0.3, 3.0),
    "retracts_per_layer": (0.0, 10.0),
    "retracts_per_island": (0.0, 10.0),
    "retracts_per_hole": (0.0, 10.0),
    "retracts_sparse": (0.0, 10.0),
    "retracts_per_wave": (0.0, 3.0),
    "retracts_solid": (0.0, 10.0),
    "retracts_support": (0.0, 5.0),
    "travel_per_retract": (0.0, 5.0),
    "travel_overhead_s": (0.0, 0.5),
    "layer_change_s": (0.0, 3.0),
    "print_start_s": (-60.0, 120.0),
}
SLA_BOUNDS = {"pad": (0.0, 3.0), "head": (0.0, 2.0), "layer_s": (0.0, 2.0)}


# ----------------------------------------------------------------------- ground truth


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Row:
    """One (model, setting) pair: the slicer's figures and what the estimate needs."""

    model: CorpusModel
    setting: str
    config: dict[str, str]
    truth: dict
    mesh: Mesh | None = None
    profile: FdmProfile | None = None
    geometry: LayerGeometry | None = None


def slice_cached(model: CorpusModel, setting: str, catalog) -> dict:
    """PrusaSlicer's figures for a model and setting, from the cache or a new slice."""
    printer, material, layer, infill, supports = SETTINGS[setting]
    settings = PrintSettings(layer_height_mm=layer, infill_percent=infill, supports=supports)
    config = resolve_config(catalog.printer(printer), catalog.material(material), settings)
    path = SLICES / f"{model.name}-{model.digest()[:16]}-{_digest(config)}.json"
    if path.exists():
        return json.loads(path.read_text())
    start = time.perf_counter()
    result = slice_model(model.path, printer, material, settings, catalog=catalog)
    data = result.to_dict() | {"slice_s": time.perf_counter() - start}
    SLICES.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, default=str))
    return data


def load_rows(catalog, log=print) -> list[Row]:
    """Every (model, setting) row, slicing what the cache lacks."""
    rows = []
    models = corpus()
    for setting, (printer, material, layer, infill, supports) in SETTINGS.items():
        settings = PrintSettings(layer_height_mm=layer, infill_percent=infill, supports=supports)
        config = resolve_config(catalog.printer(printer), catalog.material(material), settings)
        for model in models:
            try:
                truth = slice_cached(model, setting, catalog)
            except Exception as err:  # a model the slicer refuses is reported, not fatal
                log(f"  {model.name} / {setting}: slicer failed: {err}")
                continue
            rows.append(Row(model, setting, config, truth))
    return rows


def prepare(rows: list[Row]) -> None:
    """Load meshes and measure layers once per row (what the coefficients do not change)."""
    meshes: dict[str, Mesh] = {}
    for row in rows:
        if row.model.name not in meshes:
            meshes[row.model.name] = load_mesh(row.model.path)
        row.mesh = meshes[row.model.name]
        row.profile = read_fdm_profile(row.config)
        row.geometry = fdm.measure_for(row.mesh, row.profile)


# -------------------------------------------------------------------------- fitting


def _predict(rows: list[Row], coefficients: dict[str, float]) -> np.ndarray:
    """(n, 2): predicted seconds and grams per row."""
    out = np.empty((len(rows), 2))
    for i, row in enumerate(rows):
        e = fdm.fdm_time(row.geometry, row.profile, coefficients)
        out[i] = e.print_time_s, e.filament_g
    return out


def _truth(rows: list[Row]) -> np.ndarray:
    return np.array([[r.truth["print_time_s"], r.truth["filament_g"]] for r in rows])


def fit(rows: list[Row], start: dict[str, float], max_nfev: int = 60) -> dict[str, float]:
    """Least squares on log(predicted / slicer): mass coefficients, then time ones."""
    truth = _truth(rows)
    coefficients = dict(start)
    for column, bounds in ((1, MASS_BOUNDS), (0, TIME_BOUNDS)):
        names = list(bounds)
        lo = np.array([bounds[n][0] for n in names])
        hi = np.array([bounds[n][1] for n in names])
        x0 = np.clip([coefficients[n] for n in names], lo, hi)

        def residuals(x, names=names, column=column):
            trial = coefficients | dict(zip(names, x, strict=True))
            return np.log(np.maximum(_predict(rows, trial)[:, column], 1e-9) / truth[:, column])

        # soft_l1: a few models far off (open or overlapping shells) must not steer the rest.
        result = least_squares(
            residuals,
            x0,
            bounds=(lo, hi),
            loss="soft_l1",
            f_scale=0.1,
            diff_step=1e-3,
            max_nfev=max_nfev,
        )
        coefficients.update(zip(names, (float(v) for v in result.x), strict=True))
    return coefficients


def cross_validate(rows: list[Row], coefficients: dict[str, float], log=print) -> np.ndarray:
    """Leave-one-model-out: (n, 2) predictions of each row by coefficients fitted without
    any row of its model (started from the full fit, a few iterations per stage).

    Cached in bench/.cache/ under a digest of the coefficients, the slicer figures and the
    estimate's source code, since it refits once per model (about half an hour).
    """
    estimate_dir = ROOT / "printhub" / "slicing" / "estimate"
    sources = [estimate_dir / f for f in ("fdm.py", "layers.py", "profile.py")]
    sources += [ROOT / "printhub" / "geometry" / f for f in ("sections.py", "hashing.py")]
    key = _digest(
        {
            "coefficients": coefficients,
            "rows": [
                [r.model.name, r.setting, r.truth["print_time_s"], r.truth["filament_g"]]
                for r in rows
            ],
            "code": [hashlib.sha256(p.read_bytes()).hexdigest() for p in sources],
        }
    )
    path = CACHE / f"cv-{key}.json"
    if path.exists():
        return np.array(json.loads(path.read_text()))
    predicted = np.empty((len(rows), 2))
    names = sorted({r.model.name for r in rows})
    for i, name in enumerate(names):
        train = [r for r in rows if r.model.name != name]
        held = [j for j, r in enumerate(rows) if r.model.name == name]
        fold = fit(train, coefficients, max_nfev=CV_ITERATIONS)
        predicted[held] = _predict([rows[j] for j in held], fold)
        log(f"  cross-validation {i + 1}/{len(names)}: {name}")
    path.write_text(json.dumps(predicted.tolist()))
    return predicted


def write_calibration(fdm_coefficients: dict[str, float], sla_coefficients: dict[str, float]):
    """Rewrite calibration.py with new coefficients."""

    def block(name: str, values: dict[str, float]) -> str:
        lines = [f"{name}: dict[str, float] = {{"]
        lines += [f'    "{k}": {v:.6g},' for k, v in values.items()]
        return "\n".join([*lines, "}"])

    text = "\n".join(
        [
            '"""Fitted coefficients of the instant estimates (generated; do not edit by hand).',
            "",
            "Regenerate with:  python -m bench.estimate_vs_slicer --fit",
            '"""',
            "",
            block("FDM_COEFFICIENTS", fdm_coefficients),
            "",
            block("SLA_COEFFICIENTS", sla_coefficients),
            "",
        ]
    )
    CALIBRATION.write_text(text)


# ---------------------------------------------------------------------------- resin


def sla_rows(catalog, log=print) -> list[tuple[str, str, dict, dict, Mesh]]:
    """(model, supports, config, slicer figures, mesh) for the resin comparison."""
    models = {m.name: m for m in corpus()}
    out = []
    for name in SLA_MODELS:
        model = models[name]
        mesh = load_mesh(model.path)
        for supports in ("auto", "off"):
            settings = PrintSettings(supports=supports)
            config = resolve_config(
                catalog.printer("sl1s"), catalog.material("resin-standard"), settings
            )
            path = SLICES / f"sla-{model.name}-{model.digest()[:16]}-{_digest(config)}.json"
            if path.exists():
                truth = json.loads(path.read_text())
            else:
                try:
                    result = slice_model(
                        model.path, "sl1s", "resin-standard", settings, catalog=catalog
                    )
                except Exception as err:
                    log(f"  {name} / SLA {supports}: slicer failed: {err}")
                    continue
                truth = result.to_dict()
                SLICES.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(truth, default=str))
            out.append((name, supports, config, truth, mesh))
    return out


def fit_sla(rows, start: dict[str, float]) -> dict[str, float]:
    """Least squares of the resin coefficients on log time and log resin volume."""
    names = list(SLA_BOUNDS)
    lo = np.array([SLA_BOUNDS[n][0] for n in names])
    hi = np.array([SLA_BOUNDS[n][1] for n in names])

    def residuals(x):
        c = start | dict(zip(names, x, strict=True))
        out = []
        for _, _, config, truth, mesh in rows:
            e = resin.estimate_sla(mesh, config, c)
            out += [
                math.log(e.print_time_s / truth["print_time_s"]),
                math.log(max(e.resin_ml, 1e-6) / truth["resin_ml"]),
            ]
        return np.array(out)

    x0 = np.clip([start[n] for n in names], lo, hi)
    result = least_squares(residuals, x0, bounds=(lo, hi), diff_step=1e-3)
    return start | dict(zip(names, (float(v) for v in result.x), strict=True))


# --------------------------------------------------------------------------- timing


def speed(rows: list[Row], catalog, log=print) -> list[tuple[str, float, float, float]]:
    """(model, slicer s, estimate s, estimate s with file loading) on the first setting.

    Both sides are timed in this run and take their best time, as timeit does, since a
    shared machine only ever adds time: the estimate the best of 9 (after a warm-up that
    parses the profile once), PrusaSlicer the best of 2 fresh slices (not the cache).
    """
    setting = next(iter(SETTINGS))
    chosen = [r for r in rows if r.setting == setting]
    ours = []
    for row in chosen:
        fdm.estimate_fdm(row.mesh, row.config)
        runs = []
        for _ in range(9):
            start = time.perf_counter()
            fdm.estimate_fdm(row.mesh, row.config)
            runs.append(time.perf_counter() - start)
        start = time.perf_counter()
        fdm.estimate_fdm(load_mesh(row.model.path), row.config)
        ours.append((min(runs), time.perf_counter() - start))
    printer, material, layer, infill, supports = SETTINGS[setting]
    settings = PrintSettings(layer_height_mm=layer, infill_percent=infill, supports=supports)
    out = []
    for row, (estimate_s, with_load) in zip(chosen, ours, strict=True):
        runs = []
        for _ in range(2):
            start = time.perf_counter()
            slice_model(row.model.path, printer, material, settings, catalog=catalog)
            runs.append(time.perf_counter() - start)
        out.append((row.model.name, min(runs), estimate_s, with_load))
    log(f"  timed {len(out)} models")
    return out


# --------------------------------------------------------------------------- report


def _pct(x: float) -> str:
    return f"{100 * x:+.1f}%"


def _abs_pct(x: float) -> str:
    return f"{100 * float(x):.1f}%"


def run(fit_first: bool = False, cross: bool = True, log=print) -> Section:
    """Compare, optionally refitting first; the section for docs/benchmarks.md."""
    catalog = load_catalog()
    log("slicing (cached) ...")
    rows = load_rows(catalog, log)
    log(f"measuring {len(rows)} rows ...")
    prepare(rows)
    coefficients = dict(calibration.FDM_COEFFICIENTS)
    sla = sla_rows(catalog, log)
    sla_coefficients = dict(calibration.SLA_COEFFICIENTS)
    if fit_first:
        log("fitting ...")
        coefficients = fit(rows, coefficients)
        sla_coefficients = fit_sla(sla, sla_coefficients)
        write_calibration(coefficients, sla_coefficients)
    truth = _truth(rows)
    predicted = _predict(rows, coefficients)
    error = predicted / truth - 1
    cv_error = None
    if cross:
        log("cross-validating (leave one model out) ...")
        cv_error = cross_validate(rows, coefficients, log) / truth - 1
    timing = speed(rows, catalog, log)
    return _section(rows, error, cv_error, timing, sla, sla_coefficients, coefficients)


def _section(rows, error, cv_error, timing, sla, sla_coefficients, coefficients) -> Section:
    names = list(dict.fromkeys(r.model.name for r in rows))
    table = [
        "| model | source | jobs | slicer time (median) | time error: median abs, worst | "
        "mass error: median abs, worst |"
        + (" CV time (median abs) | CV mass (median abs) |" if cv_error is not None else ""),
        "|---|---|---|---|---|---|" + ("---|---|" if cv_error is not None else ""),
    ]
    for name in names:
        idx = [i for i, r in enumerate(rows) if r.model.name == name]
        t, m = error[idx, 0], error[idx, 1]
        worst_t, worst_m = t[np.argmax(np.abs(t))], m[np.argmax(np.abs(m))]
        slicer_time = statistics.median(rows[i].truth["print_time_s"] for i in idx)
        line = (
            f"| {name} | {rows[idx[0]].model.source} | {len(idx)} | {slicer_time / 60:.1f} min | "
            f"{_abs_pct(np.median(np.abs(t)))}, {_pct(worst_t)} | "
            f"{_abs_pct(np.median(np.abs(m)))}, {_pct(worst_m)} |"
        )
        if cv_error is not None:
            line += (
                f" {_abs_pct(np.median(np.abs(cv_error[idx, 0])))} |"
                f" {_abs_pct(np.median(np.abs(cv_error[idx, 1])))} |"
            )
        table.append(line)

    def summary(err: np.ndarray, label: str) -> list[str]:
        a = np.abs(err)
        return [
            f"| {label} | {100 * np.median(a[:, 0]):.1f}% | {100 * np.mean(a[:, 0]):.1f}% | "
            f"{100 * np.mean(a[:, 0] <= 0.10):.0f}% | {100 * np.median(a[:, 1]):.1f}% | "
            f"{100 * np.mean(a[:, 1]):.1f}% | {100 * np.mean(a[:, 1] <= 0.05):.0f}% |"
        ]

    lines = [
        f"{len(names)} models x {len(SETTINGS)} job settings = {len(rows)} slices "
        "(PrusaSlicer 2.5, MK3S family: PLA, PETG, PA11-CF; 0.15/0.20/0.30 mm; 10/20/40 %;"
        " supports auto or off). Error = estimate / slicer - 1.",
        "",
        "| | time: median abs | mean abs | within 10% | mass: median abs | mean abs | within 5% |",
        "|---|---|---|---|---|---|---|",
        *summary(error, "in-sample"),
    ]
    if cv_error is not None:
        lines += summary(cv_error, "leave-one-model-out")
    ratios = [s / e for _, s, e, _ in timing]
    with_load = [s / w for _, s, _, w in timing]
    lines += [
        "",
        f"Speed on the {len(timing)} models of the first setting (both timed in this run, "
        "best of several): estimate median "
        f"{1000 * statistics.median(e for _, _, e, _ in timing):.1f} ms vs "
        f"PrusaSlicer median {statistics.median(s for _, s, _, _ in timing):.2f} s; "
        f"ratio median **{statistics.median(ratios):.0f}x**, worst {min(ratios):.0f}x "
        f"(including reading the file: median {statistics.median(with_load):.0f}x, "
        f"worst {min(with_load):.0f}x). Slowest ratios: "
        + ", ".join(
            f"{name} {1000 * e:.1f} ms vs {s:.2f} s ({s / e:.0f}x)"
            for name, s, e, _ in sorted(timing, key=lambda t: t[1] / t[2])[:3]
        )
        + ".",
        "",
        *table,
    ]
    if sla:
        sla_lines, sla_t, sla_m = [], [], []
        for name, supports, config, truth, mesh in sla:
            e = resin.estimate_sla(mesh, config, sla_coefficients)
            dt = e.print_time_s / truth["print_time_s"] - 1
            dm = e.resin_ml / truth["resin_ml"] - 1
            sla_t.append(abs(dt))
            sla_m.append(abs(dm))
            sla_lines.append(
                f"| {name} | {supports} | {truth['print_time_s'] / 60:.1f} min | {_pct(dt)} | "
                f"{truth['resin_ml']:.2f} ml | {_pct(dm)} |"
            )
        lines += [
            "",
            f"Resin (Original Prusa SL1S, 0.05 mm, {len(sla)} slices; in-sample, "
            f"{len(SLA_BOUNDS)} coefficients): time median abs error "
            f"{100 * statistics.median(sla_t):.1f}%, resin {100 * statistics.median(sla_m):.1f}%.",
            "",
            "| model | supports | slicer time | time error | slicer resin | resin error |",
            "|---|---|---|---|---|---|",
            *sla_lines,
        ]
    lines += [
        "",
        "Coefficients (calibration.py): "
        + ", ".join(f"{k} {v:.3g}" for k, v in coefficients.items()),
    ]
    judged = cv_error if cv_error is not None else error
    label = "cross-validated" if cv_error is not None else "in-sample"
    med_t = float(np.median(np.abs(judged[:, 0])))
    med_m = float(np.median(np.abs(judged[:, 1])))
    targets = [
        (f"median time error {100 * med_t:.1f}% {label} (target ≤ 10%)", med_t <= TIME_TARGET),
        (f"median mass error {100 * med_m:.1f}% {label} (target ≤ 5%)", med_m <= MASS_TARGET),
        (f"{len(names)} models (target ≥ 30)", len(names) >= 30),
        (
            f"estimate {min(ratios):.0f}x faster than slicing at worst (target ≥ 100x)",
            min(ratios) >= SPEED_TARGET,
        ),
    ]
    return Section(
        "Instant estimate vs PrusaSlicer",
        "python -m bench.estimate_vs_slicer",
        "\n".join(lines),
        targets,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.estimate_vs_slicer")
    parser.add_argument("--fit", action="store_true", help="refit calibration.py first")
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    args = parser.parse_args(argv)
    section = run(fit_first=args.fit, cross=not args.no_cv)
    print(section.markdown)
    print(section.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
