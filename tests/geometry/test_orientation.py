import numpy as np
import pytest
import trimesh

from printhub.geometry.analysis import AnalysisOptions, analyze
from printhub.geometry.orientation import orient, rotation_to_down
from tests.geometry.meshes import box, from_trimesh, l_bracket, soup

FAST = AnalysisOptions(check_self_intersections=False, check_thickness=False)


def support_after(mesh, rotation):
    return analyze(mesh.transformed(rotation), FAST).overhang_area_mm2


@pytest.mark.parametrize(
    "direction", [(0, 0, -1), (0, 0, 1), (1, 0, 0), (0.3, -0.5, 0.8), (0, 1e-15, -1)]
)
def test_rotation_to_down_maps_direction_onto_minus_z(direction):
    d = np.array(direction, dtype=float)
    d /= np.linalg.norm(d)
    rotation = rotation_to_down(d)
    np.testing.assert_allclose(rotation @ d, [0, 0, -1], atol=1e-12)
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(rotation) == pytest.approx(1)


def test_tilted_plate_is_laid_flat():
    plate = box((40, 20, 5))
    plate.apply_transform(trimesh.transformations.rotation_matrix(np.radians(37), [1, 0.3, 0.2]))
    mesh = from_trimesh(plate)
    result = orient(mesh)
    assert result.as_uploaded.support_area_mm2 > 0
    assert result.best.support_area_mm2 == pytest.approx(0, abs=1e-6)
    assert result.best.bed_contact_mm2 == pytest.approx(800, rel=1e-4)
    assert mesh.transformed(result.rotation).extents[2] == pytest.approx(5, abs=1e-4)
    assert support_after(mesh, result.rotation) == pytest.approx(0, abs=1e-6)


def test_upside_down_bracket_beats_as_uploaded_on_support():
    tm = l_bracket()
    tm.apply_transform(trimesh.transformations.rotation_matrix(np.pi, [1, 0, 0]))
    mesh = soup(tm)
    result = orient(mesh)
    before = support_after(mesh, np.eye(3))
    after = support_after(mesh, result.rotation)
    assert before == pytest.approx(700, rel=1e-4)
    assert after < before
    assert after == pytest.approx(result.best.support_area_mm2, rel=1e-3, abs=1e-3)


def test_a_part_already_well_placed_is_left_alone():
    result = orient(soup(box((30, 30, 10))))
    np.testing.assert_allclose(result.rotation, np.eye(3))
    assert result.best == result.as_uploaded


def test_candidates_are_scored_and_sorted():
    result = orient(from_trimesh(l_bracket()))
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores)
    assert len(result.candidates) >= 6
    data = result.to_dict()
    assert np.array(data["rotation"]).shape == (3, 3)


FLAT_BASED_SHAPES = [
    "box.stl",
    "cone.stl",
    "cylinder.stl",
    "pyramid.stl",
    "helper_disk.stl",
    "M3_hex_nut.stl",
    "PLA_recycling_symbol.stl",
    "PETG_recycling_symbol.stl",
    "OTHER_recycling_symbol.stl",
]


@pytest.mark.parametrize("name", FLAT_BASED_SHAPES)
def test_turned_prusa_shapes_are_put_back_on_their_base(prusa_shapes, name):
    tm = trimesh.load_mesh(prusa_shapes / name)
    on_base = orient(from_trimesh(tm)).best.support_area_mm2
    tm.apply_transform(trimesh.transformations.rotation_matrix(2.0, [1, 1, 0]))
    mesh = from_trimesh(tm)
    result = orient(mesh)
    assert result.best.support_area_mm2 <= on_base + 1e-3
    assert result.best.support_area_mm2 <= result.as_uploaded.support_area_mm2
    assert support_after(mesh, result.rotation) == pytest.approx(
        result.best.support_area_mm2, rel=0.02, abs=0.05
    )
