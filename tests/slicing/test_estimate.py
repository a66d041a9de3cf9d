"""The instant estimate: sanity of the model, its profile reading, and the real slicer."""

from __future__ import annotations

import dataclasses

import manifold3d
import numpy as np
import pytest

from printhub.geometry.mesh import Mesh
from printhub.slicing import PrintSettings, resolve_config
from printhub.slicing.catalog import check_compatible
from printhub.slicing.errors import IncompatibleMaterial, InvalidSettings
from printhub.slicing.estimate import PreparedModel, estimate, estimate_fdm, estimate_sla, prepare
from printhub.slicing.estimate import layers as layers_module
from printhub.slicing.estimate.fdm import fdm_time, layer_paths, measure_for, support_spec
from printhub.slicing.estimate.layers import (
    SupportSpec,
    _rasterise,
    measure_layers,
    support_columns,
)
from printhub.slicing.estimate.profile import flow, read_fdm_profile
from printhub.slicing.estimate.resin import exposure_schedule


def from_manifold(m: manifold3d.Manifold) -> Mesh:
    mesh = m.to_mesh()
    vertices = np.asarray(mesh.vert_properties)[:, :3].astype(np.float64)
    vertices[:, 2] -= vertices[:, 2].min()
    return Mesh(vertices, np.asarray(mesh.tri_verts).astype(np.int32))


@pytest.fixture(scope="module")
def cube() -> Mesh:
    return from_manifold(manifold3d.Manifold.cube([20.0, 20.0, 20.0]))


@pytest.fixture(scope="module")
def bracket() -> Mesh:
    m = manifold3d.Manifold
    return from_manifold(
        m.cube([10.0, 30.0, 40.0]) + m.cube([40.0, 30.0, 8.0]).translate([0, 0, 20])
    )


def job(catalog, printer="mk3s", material="pla", **settings) -> dict[str, str]:
    return resolve_config(
        catalog.printer(printer), catalog.material(material), PrintSettings(**settings), catalog
    )


# ------------------------------------------------------------------------------ sanity


def test_more_infill_takes_longer_and_more_filament(catalog, cube):
    # A block big enough that its layers are not stretched by cooling anyway (on the 20 mm
    # cube, 10 % and 20 % infill both wait for slowdown_below_layer_time).
    block = from_manifold(manifold3d.Manifold.cube([50.0, 40.0, 20.0]))
    results = [
        estimate(block, "mk3s", "pla", PrintSettings(infill_percent=p), catalog)
        for p in (10, 20, 40)
    ]
    times = [r.print_time_s for r in results]
    assert times[0] < times[1] < times[2]
    grams = [
        estimate(part, "mk3s", "pla", PrintSettings(infill_percent=p), catalog).filament_g
        for part in (cube, block)
        for p in (10, 20, 40, 100)
    ]
    assert grams[:4] == sorted(grams[:4]) and grams[4:] == sorted(grams[4:])
    assert len(set(grams)) == 8


def test_thinner_layers_take_longer(catalog, cube):
    fine, normal = (
        estimate(cube, "mk3s", "pla", PrintSettings(layer_height_mm=h), catalog)
        for h in (0.15, 0.20)
    )
    assert fine.layers > normal.layers
    assert fine.print_time_s > 1.15 * normal.print_time_s
    # The same part needs about the same plastic whatever the layer height.
    assert fine.filament_g == pytest.approx(normal.filament_g, rel=0.1)


def test_carbon_fibre_nylon_prints_slower_than_pla(catalog, cube):
    settings = PrintSettings(infill_percent=20)
    pla = estimate(cube, "mk3s-hardened-0.4", "pla", settings, catalog)
    cf = estimate(cube, "mk3s-hardened-0.4", "pa11-cf", settings, catalog)
    # PA11-CF's profile caps the volumetric flow (6.5 mm³/s) and slows the outer walls.
    assert cf.print_time_s > 1.05 * pla.print_time_s
    assert cf.filament_g < pla.filament_g  # lighter: 1.11 g/cm³ against 1.24


def test_solid_part_weighs_its_volume_times_density(catalog, cube):
    result = estimate(cube, "mk3s", "pla", PrintSettings(infill_percent=100), catalog)
    material = catalog.material("pla")
    solid_g = 8.0 * material.density_g_cm3  # 20 mm cube = 8 cm³
    # Skirt (~0.06 g) and PrusaSlicer's slight overlaps between lines add a little.
    assert result.filament_g == pytest.approx(solid_g, rel=0.05)
    assert result.filament_g > solid_g


def test_support_adds_time_and_material_only_where_there_is_overhang(catalog, cube, bracket):
    for mesh, has_overhang in ((cube, False), (bracket, True)):
        on = estimate(mesh, "mk3s", "pla", PrintSettings(supports="auto"), catalog)
        off = estimate(mesh, "mk3s", "pla", PrintSettings(supports="off"), catalog)
        assert (on.breakdown["support_mm3"] > 0) is has_overhang
        if has_overhang:
            assert on.print_time_s > off.print_time_s + 300
            assert on.filament_g > off.filament_g + 0.5
        else:
            assert on.print_time_s == pytest.approx(off.print_time_s)


def test_small_layers_are_slowed_down_for_cooling(catalog):
    config = job(catalog, supports="off")
    profile = read_fdm_profile(config)
    target, floor = profile.slowdown_below_layer_time_s, profile.min_print_speed_mm_s

    def per_layer(result):
        return (result.print_time_s - result.breakdown["start_end_s"]) / result.layers

    # A 20 mm rod: at full speed most layers take under 10 s; slowed, they take 15 s.
    rod = from_manifold(manifold3d.Manifold.cylinder(30.0, 10.0, circular_segments=64))
    slowed = estimate_fdm(rod, config)
    assert slowed.breakdown["cooling_slowdown_s"] > 0
    assert per_layer(slowed) == pytest.approx(target, rel=0.1)
    assert per_layer(estimate_fdm(rod, config | {"cooling": "0"})) < 0.85 * target
    # A 4 mm pin cannot be slowed that far: everything runs at min_print_speed.
    pin = from_manifold(manifold3d.Manifold.cylinder(30.0, 2.0, circular_segments=32))
    result = estimate_fdm(pin, config)
    paths = layer_paths(measure_for(pin, profile), profile, _coefficients())
    at_floor = paths.length[1:].sum(axis=1).mean() / floor
    assert at_floor < per_layer(result) < target


def test_breakdown_adds_up(catalog, bracket):
    result = estimate(bracket, "mk3s", "pla", PrintSettings(), catalog)
    seconds = sum(
        v
        for k, v in result.breakdown.items()
        if k.endswith("_s") and k not in ("cooling_slowdown_s",)
    )
    # The per-kind times already include the cooling slowdown.
    assert seconds == pytest.approx(result.print_time_s, rel=1e-6)
    volume = sum(v for k, v in result.breakdown.items() if k.endswith("_mm3"))
    assert volume / 1000 * 1.24 == pytest.approx(result.filament_g, rel=1e-6)
    assert result.to_dict()["filament_g"] == result.filament_g


def test_sampled_layers_agree_with_every_layer(catalog):
    tall = from_manifold(
        manifold3d.Manifold.cylinder(120.0, 15.0, 8.0, circular_segments=64)
        - manifold3d.Manifold.cylinder(120.0, 4.0, circular_segments=32).translate([0, 0, 10])
    )
    profile = read_fdm_profile(job(catalog, supports="off"))
    every = fdm_time(measure_layers(tall, 0.2, 0.2, max_planes=10_000), profile)
    sampled = fdm_time(measure_layers(tall, 0.2, 0.2, max_planes=120), profile)
    assert every.layers == sampled.layers == 600
    assert sampled.print_time_s == pytest.approx(every.print_time_s, rel=0.03)
    assert sampled.filament_g == pytest.approx(every.filament_g, rel=0.03)


def test_triangle_soup_estimates_like_the_welded_mesh(catalog, bracket):
    config = job(catalog)
    welded = estimate_fdm(bracket, config)
    soup = estimate_fdm(Mesh.from_triangles(bracket.triangles), config)
    assert soup.print_time_s == pytest.approx(welded.print_time_s, rel=1e-9)
    assert soup.filament_g == pytest.approx(welded.filament_g, rel=1e-9)


def test_perimeters_follow_outlines_and_holes(catalog):
    m = manifold3d.Manifold
    plate = from_manifold(
        m.cube([60.0, 40.0, 4.0])
        - m.cylinder(6.0, 10.0, circular_segments=96).translate([20, 20, -1])
    )
    profile = read_fdm_profile(job(catalog, supports="off"))
    geometry = measure_for(plate, profile)
    assert geometry.islands.tolist() == [1] * 20 and geometry.holes.tolist() == [1] * 20
    paths = layer_paths(geometry, profile, {**_coefficients(), "perimeter_length": 1.0})
    # External loop: the outline offset inwards by half a line, the hole's outwards.
    s = profile.external_perimeter.spacing_mm
    hole = 2 * 96 * 10.0 * np.sin(np.pi / 96)
    expected = (200.0 - 8 * s / 2) + (hole + 2 * np.pi * s / 2)
    assert paths.length[5, 0] == pytest.approx(expected, rel=0.01)


def _coefficients() -> dict[str, float]:
    from printhub.slicing.estimate.calibration import FDM_COEFFICIENTS

    return dict(FDM_COEFFICIENTS)


# ----------------------------------------------------------------- many estimates, one model


def every_job(catalog) -> list[tuple[str, str]]:
    """(printer, material) pairs the catalog can print: every technology, every support rule."""
    jobs = []
    for printer in catalog.printers():
        for material in catalog.materials():
            try:
                check_compatible(printer, material, catalog)
            except IncompatibleMaterial:
                continue
            jobs.append((printer.id, material.id))
    return jobs


def test_prepared_model_estimates_equal_separate_ones(catalog, bracket):
    jobs = every_job(catalog)
    assert {catalog.printer(p).technology for p, _ in jobs} == {"fdm", "sla", "sls"}
    model = prepare(bracket)
    assert prepare(model) is model and isinstance(model, PreparedModel)
    for settings in (PrintSettings(), PrintSettings(layer_height_mm=0.15, supports="buildplate")):
        shared = {}
        for printer, material in jobs:
            try:
                shared[printer, material] = estimate(model, printer, material, settings, catalog)
            except InvalidSettings:  # a layer height the printer does not allow
                continue
        # Backwards, so that what a job reuses was measured for a different first job.
        for printer, material in reversed(list(shared)):
            alone = estimate(bracket, printer, material, settings, catalog)
            assert alone.to_dict() == shared[printer, material].to_dict(), (printer, material)


def test_prepared_model_measures_each_layer_setting_and_support_rule_once(
    catalog, bracket, monkeypatch
):
    calls = {"sections": 0, "support": 0}
    real_sections, real_support = layers_module.cross_sections, layers_module.support_columns

    def count(name, real):
        def counted(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)

        return counted

    monkeypatch.setattr(layers_module, "cross_sections", count("sections", real_sections))
    monkeypatch.setattr(layers_module, "support_columns", count("support", real_support))
    model = prepare(bracket)
    fdm_jobs = [(p, m) for p, m in every_job(catalog) if catalog.printer(p).technology == "fdm"]
    rules = set()
    for printer, material in fdm_jobs:
        estimate(model, printer, material, PrintSettings(), catalog)
        config = resolve_config(catalog.printer(printer), catalog.material(material))
        rules.add(support_spec(read_fdm_profile(config)))
    # Every default job cuts 0.2 mm layers; the printers differ in their support grids.
    assert calls == {"sections": 1, "support": len(rules)} and 1 < len(rules) < len(fdm_jobs)
    estimate(model, "mk3s", "pla", PrintSettings(layer_height_mm=0.15), catalog)
    assert calls["sections"] == 2


def _support_by_brute_force(mesh: Mesh, planes: np.ndarray, spec: SupportSpec):
    """Support area and interface per plane, by a plain search over every upward point."""
    model = prepare(mesh)
    table, cos_down = model.faces, model.cos_down
    needs = (cos_down > np.cos(np.radians(spec.threshold_deg))) & (model.centre_z > planes[0])
    o_x, o_y, o_z = _rasterise(table, np.flatnonzero(needs), spec.cell_mm)
    u_x, u_y, u_z = _rasterise(table, np.flatnonzero(cos_down < -0.05), spec.cell_mm)
    z_bed = float(mesh.bounds[0, 2])
    columns: dict[tuple[int, int, float], tuple[float, float]] = {}
    for x, y, z in zip(o_x.tolist(), o_y.tolist(), o_z.tolist(), strict=True):
        top = z - spec.gap_mm
        below = u_z[(u_x == x) & (u_y == y) & (u_z <= top)]
        base = float(below.max()) if len(below) else z_bed
        if top <= base + 1e-9 or (spec.buildplate_only and len(below)):
            continue
        group = (x, y, round(base, 4))
        if group not in columns or top > columns[group][1]:
            columns[group] = (base, top)
    area, interface = np.zeros(len(planes)), np.zeros(len(planes))
    for base, top in columns.values():
        inside = (planes > base) & (planes <= top)
        area += inside * spec.cell_mm**2
        interface += inside * (planes > top - spec.interface_mm) * spec.cell_mm**2
    return area, interface


@pytest.mark.parametrize("buildplate_only", [False, True])
def test_support_columns_match_a_search_over_every_upward_point(buildplate_only):
    m = manifold3d.Manifold
    # A ledge over a step, a dome's underside, and a roof over a tower with a block on it:
    # columns stand on the bed, the step, the dome, the tower and the block just under the
    # roof; the roof's top faces up above everything.
    part = (
        m.cube([30.0, 20.0, 4.0])
        + m.cube([12.0, 20.0, 18.0])
        + m.cube([30.0, 20.0, 3.0]).translate([0.0, 0.0, 12.0])
        + m.sphere(6.0, 48).translate([22.0, 10.0, 8.0])
        + m.cube([12.0, 30.0, 2.0]).translate([0.0, -5.0, 30.0])
        + m.cube([6.0, 10.0, 26.0]).translate([3.0, 5.0, 0.0])
        + m.cube([4.0, 4.0, 30.0])
    )
    mesh = from_manifold(part)
    planes = np.arange(0.1, 32.0, 0.2)
    spec = SupportSpec(45.0, 2.35, 0.6, 0.4, buildplate_only)
    columns = support_columns(mesh, planes, spec)
    area, interface = _support_by_brute_force(mesh, planes, spec)
    assert columns.area.sum() > 0
    np.testing.assert_allclose(columns.area, area, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(columns.interface, interface, rtol=1e-12, atol=1e-9)


# ----------------------------------------------------------------------- profile reading


def test_profile_resolves_relative_options_and_volumetric_caps(catalog):
    profile = read_fdm_profile(job(catalog, "mk3s-hardened-0.6", "pa11-cf", layer_height_mm=0.3))
    line = profile.infill
    # PA11-CF allows 6.5 mm³/s: a 0.3 mm layer of 0.65 mm lines cannot run at 70 mm/s.
    assert profile.infill_move.speed_mm_s == pytest.approx(6.5 / line.area_mm2)
    assert profile.infill_move.speed_mm_s < 40
    config = job(catalog) | {"external_perimeter_speed": "50%", "perimeter_speed": "60"}
    assert read_fdm_profile(config).external_perimeter_move.speed_mm_s == pytest.approx(30)
    # 0 widths fall back to extrusion_width, then to 1.125 x nozzle.
    config = job(catalog) | {"perimeter_extrusion_width": "0", "extrusion_width": "0"}
    assert read_fdm_profile(config).perimeter.width_mm == pytest.approx(0.45)
    assert flow(0.45, 0.2).area_mm2 == pytest.approx((0.45 - 0.2 * (1 - np.pi / 4)) * 0.2)


def test_profile_reads_the_intro_line_of_the_start_gcode(catalog):
    profile = read_fdm_profile(job(catalog))
    assert profile.start_end_filament_mm == pytest.approx(21.5)  # E9 + E12.5
    assert profile.skirts == 1 and profile.cooling


# ------------------------------------------------------------------------- other processes


def test_resin_time_counts_layers_exposure_and_tilt(catalog, cube):
    config = job(catalog, "sl1s", "resin-standard")
    result = estimate_sla(cube, config)
    # 20 mm at 0.05 mm + 5 mm elevation + 1 mm pad = 520 layers.
    assert result.layers == 520
    assert result.resin_ml > 8.0  # the part is 8 ml; supports and pad add to it
    # PrusaSlicer's printTime for the 20 mm cube (520 layers) is 2651.909 s, of which
    # 520 x 2.5 s fast tilts and 520 x 0.25 s per layer: the rest is this exposure sum.
    assert exposure_schedule(520, 2.0, 25.0, 10) == pytest.approx(2651.909 - 520 * 2.75, abs=1e-3)
    # Without supports the part sits on the pad (20 layers), not 5 mm above it.
    off = estimate_sla(cube, config | {"supports_enable": "0"})
    assert off.layers == 420 and 8.0 < off.resin_ml < result.resin_ml
    bare = estimate_sla(cube, config | {"supports_enable": "0", "pad_enable": "0"})
    assert bare.layers == 400 and bare.resin_ml == pytest.approx(8.0, rel=1e-6)


def test_powder_bed_estimate(catalog, cube):
    result = estimate(cube, "fuse-1", "pa12-powder", None, catalog)
    material = catalog.material("pa12-powder")
    part_g = 8.0 * material.density_g_cm3
    assert result.technology == "sls"
    assert result.powder_g > part_g  # refresh powder on top of the part itself
    assert result.breakdown["part_g"] == pytest.approx(part_g, rel=1e-6)
    taller = estimate(
        from_manifold(manifold3d.Manifold.cube([20.0, 20.0, 40.0])),
        "fuse-1",
        "pa12-powder",
        None,
        catalog,
    )
    assert taller.layers > result.layers and taller.print_time_s > result.print_time_s


def test_estimate_takes_ids_and_prices_the_material(catalog, cube):
    result = estimate(cube, "mk3s", "pla", PrintSettings(), catalog)
    price = catalog.material("pla").price_krw_per_kg
    assert result.material_cost_krw == round(result.filament_g * price / 1000)
    assert dataclasses.is_dataclass(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.print_time_s = 0  # type: ignore[misc]


# ------------------------------------------------------------------------- the real slicer


@pytest.mark.slicer
@pytest.mark.slow
@pytest.mark.parametrize(
    ("shape", "setting", "time_bound", "mass_bound"),
    [
        ("box", dict(), 0.10, 0.05),
        ("cylinder", dict(layer_height_mm=0.15, infill_percent=10), 0.10, 0.05),
        ("sphere", dict(supports="auto"), 0.15, 0.10),
        ("M3x10_screw", dict(supports="off", infill_percent=40), 0.15, 0.15),
    ],
)
def test_estimate_is_close_to_prusaslicer(
    catalog, prusa_shapes, prusa_slicer, shape, setting, time_bound, mass_bound
):
    from printhub.geometry.io import load_mesh
    from printhub.slicing.prusaslicer import slice_model

    path = prusa_shapes / f"{shape}.stl"
    settings = PrintSettings(**setting)
    sliced = slice_model(path, "mk3s", "pla", settings, catalog=catalog)
    estimated = estimate(load_mesh(path), "mk3s", "pla", settings, catalog)
    assert estimated.print_time_s == pytest.approx(sliced.print_time_s, rel=time_bound)
    assert estimated.filament_g == pytest.approx(sliced.filament_g, rel=mass_bound)
    assert estimated.layers == sliced.layers


@pytest.mark.slicer
@pytest.mark.slow
def test_resin_estimate_is_close_to_prusaslicer(catalog, prusa_shapes, prusa_slicer):
    from printhub.geometry.io import load_mesh
    from printhub.slicing.prusaslicer import slice_model

    path = prusa_shapes / "cylinder.stl"
    sliced = slice_model(path, "sl1s", "resin-standard", PrintSettings(), catalog=catalog)
    estimated = estimate(load_mesh(path), "sl1s", "resin-standard", PrintSettings(), catalog)
    # Time is layers x (exposure + tilt): the layer count must match exactly.
    assert estimated.layers == sliced.layers
    assert estimated.print_time_s == pytest.approx(sliced.print_time_s, rel=0.01)
    # Resin: the part (15.6 ml) plus a fitted support and pad estimate (~1.5 ml).
    assert estimated.resin_ml == pytest.approx(sliced.resin_ml, rel=0.05)
