import json

import numpy as np
import pytest
import trimesh

from printhub.geometry.analysis import AnalysisOptions, analyze, suspect_unit
from printhub.geometry.fit import BuildVolume
from printhub.geometry.mesh import Mesh
from tests.geometry.meshes import box, concatenate, from_trimesh, l_bracket, soup

FAST = AnalysisOptions(check_self_intersections=False, check_thickness=False)


def test_box_report_matches_exact_values():
    report = analyze(soup(box((10, 20, 30))), FAST)
    assert report.triangles == 12
    assert report.bodies == 1
    assert report.volume_mm3 == pytest.approx(6000)
    assert report.area_mm2 == pytest.approx(2200)
    assert report.bbox_mm == pytest.approx((10, 20, 30))
    assert report.is_watertight and report.is_winding_consistent and not report.is_inverted
    assert report.overhang_area_mm2 == 0
    assert report.is_printable


def test_json_form_has_the_documented_keys():
    data = json.loads(json.dumps(analyze(soup(box()), FAST).to_dict()))
    for key in (
        "triangles",
        "bodies",
        "volume_mm3",
        "area_mm2",
        "bbox_mm",
        "is_watertight",
        "is_winding_consistent",
        "overhang_area_mm2",
        "problems",
    ):
        assert key in data
    assert len(data["bbox_mm"]) == 3


def test_sphere_volume_and_area_agree_with_trimesh():
    tm = trimesh.creation.icosphere(subdivisions=4, radius=15)
    report = analyze(soup(tm), FAST)
    assert report.volume_mm3 == pytest.approx(tm.volume, rel=1e-5)
    assert report.area_mm2 == pytest.approx(tm.area, rel=1e-5)


def test_overhang_of_upside_down_bracket_is_the_base_underside():
    tm = l_bracket()
    upright = analyze(from_trimesh(tm), FAST)
    assert upright.overhang_area_mm2 == 0
    tm.apply_transform(trimesh.transformations.rotation_matrix(np.pi, [1, 0, 0]))
    flipped = analyze(from_trimesh(tm), FAST)
    problem = flipped.problem("needs_support")
    assert problem is not None and problem.severity == "info"
    # the base's top (40 × 20 less the wall's 5 × 20 foot) now faces down
    assert flipped.overhang_area_mm2 == pytest.approx(700, rel=1e-6)


def test_faces_resting_on_the_bed_need_no_support():
    report = analyze(soup(box()), FAST)
    assert report.problem("needs_support") is None


def test_overhang_angle_changes_what_needs_support():
    # A cone standing on its tip: its side slopes 45° ± a bit depending on proportions.
    cone = trimesh.creation.cone(radius=10, height=30, sections=64)
    cone.apply_transform(trimesh.transformations.rotation_matrix(np.pi, [1, 0, 0]))
    steep = analyze(
        from_trimesh(cone),
        AnalysisOptions(
            check_self_intersections=False, check_thickness=False, overhang_angle_deg=80
        ),
    )
    shallow = analyze(
        from_trimesh(cone),
        AnalysisOptions(
            check_self_intersections=False, check_thickness=False, overhang_angle_deg=60
        ),
    )
    assert steep.overhang_area_mm2 > shallow.overhang_area_mm2


def test_open_mesh_is_not_printable_and_problem_names_the_faces():
    mesh = soup(box())
    open_mesh = Mesh(mesh.vertices, mesh.faces[:-2])
    report = analyze(open_mesh, FAST)
    problem = report.problem("not_watertight")
    assert problem is not None and problem.severity == "error"
    assert problem.details["edges"] == 4
    assert set(problem.faces) <= set(range(10)) and len(problem.faces) > 0
    assert not report.is_printable


def test_inverted_model_is_reported():
    mesh = soup(box())
    inverted = Mesh(mesh.vertices, mesh.faces[:, ::-1].copy())
    report = analyze(inverted, FAST)
    assert report.is_inverted
    assert report.volume_mm3 == pytest.approx(6000)
    assert report.problem("inverted_normals").count == 12


def test_hollow_box_cavity_is_not_called_inverted():
    outer = box((20, 20, 20))
    inner = box((10, 10, 10))
    inner.invert()
    report = analyze(soup(concatenate(outer, inner)), FAST)
    assert report.bodies == 2
    assert not report.is_inverted
    assert report.volume_mm3 == pytest.approx(8000 - 1000)


def test_degenerate_and_duplicate_faces_are_counted():
    mesh = from_trimesh(box())
    faces = np.vstack([mesh.faces, mesh.faces[:1], [[0, 0, 1]]]).astype(np.int32)
    report = analyze(Mesh(mesh.vertices, faces), FAST)
    assert report.degenerate_faces == 1
    assert report.duplicate_faces == 1


def test_multiple_bodies_are_counted():
    report = analyze(soup(concatenate(box(), box(center=(40, 0, 0)))), FAST)
    assert report.bodies == 2
    assert report.problem("multiple_bodies").count == 2


@pytest.mark.parametrize(
    ("size", "unit"),
    [((1.0, 2.0, 0.5), "inch"), ((0.05, 0.02, 0.01), "meter"), ((40000, 20000, 900), "micron")],
)
def test_suspected_unit_mistakes(size, unit):
    assert suspect_unit(np.array(size))["unit"] == unit


def test_plausible_size_raises_no_unit_suspicion():
    assert suspect_unit(np.array([20.0, 30.0, 5.0])) is None


def test_fit_allows_rotation_and_reports_too_large():
    long_bar = box((5, 5, 240))  # fits a 250 mm bed lying down, not a 210 mm tall volume
    volumes = [
        BuildVolume("mk3", "MK3S", (250, 210, 210)),
        BuildVolume("mini", "MINI", (180, 180, 180)),
    ]
    report = analyze(
        soup(long_bar),
        AnalysisOptions(check_self_intersections=False, check_thickness=False, printers=volumes),
    )
    fits = {fit.printer_id: fit for fit in report.printer_fits}
    assert fits["mk3"].fits and fits["mk3"].how == "axis_swap"
    assert not fits["mini"].fits
    assert report.problem("too_large") is None


def test_diagonal_fit_by_rotation_about_z():
    bar = box((5, 240, 5))
    bar.apply_transform(trimesh.transformations.rotation_matrix(np.radians(45), [0, 0, 1]))
    volumes = [BuildVolume("mini", "MINI", (180, 180, 180))]
    fits = analyze(
        soup(bar),
        AnalysisOptions(check_self_intersections=False, check_thickness=False, printers=volumes),
    ).printer_fits
    # 240 mm does not fit 180 mm along an axis, and its 45° box is 173 × 173: it fits as is
    assert fits[0].fits


def test_too_large_for_every_printer_is_an_error():
    volumes = [BuildVolume("mini", "MINI", (180, 180, 180))]
    report = analyze(
        soup(box((300, 300, 300))),
        AnalysisOptions(check_self_intersections=False, check_thickness=False, printers=volumes),
    )
    assert report.problem("too_large").severity == "error"


def test_empty_mesh_gives_an_empty_report():
    report = analyze(Mesh(np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int32)), FAST)
    assert report.triangles == 0 and report.bodies == 0 and report.volume_mm3 == 0


def test_thin_plate_is_flagged_with_its_thickness():
    report = analyze(soup(box((30, 30, 0.5))))
    problem = report.problem("thin_walls")
    assert problem is not None and problem.severity == "warning"
    assert report.min_wall_mm == pytest.approx(0.5, rel=1e-3)
    assert report.thin_wall_area_mm2 == pytest.approx(2 * 30 * 30, rel=0.05)


def test_thick_part_has_no_thin_wall_warning():
    report = analyze(soup(box((30, 30, 10))))
    assert report.problem("thin_walls") is None
    assert report.min_wall_mm == pytest.approx(10, rel=1e-3)


def test_overlapping_bodies_are_self_intersecting():
    report = analyze(soup(concatenate(box((10, 10, 10)), box((10, 10, 10), (5, 5, 5)))))
    assert report.is_self_intersecting
    problem = report.problem("self_intersecting")
    assert problem.severity == "warning" and len(problem.faces) > 0


def test_real_shapes_analyse_cleanly(prusa_shapes):
    from printhub.geometry.io import load_mesh

    for path in sorted(prusa_shapes.glob("*.stl")):
        report = analyze(load_mesh(path))
        assert report.triangles > 0
        assert report.volume_mm3 > 0, path
        data = report.to_dict()
        assert data["bbox_mm"] == pytest.approx(list(report.bbox_mm))
