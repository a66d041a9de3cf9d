"""Wall thickness: generated parts whose walls are known, every ray engine against the
others, sampling and its area estimate, open and broken input."""

from __future__ import annotations

import platform

import numpy as np
import pytest
import trimesh

from printhub.geometry import thickness
from printhub.geometry.mesh import Mesh
from printhub.geometry.thickness import (
    ENGINES,
    Thickness,
    available_engines,
    measure_thickness,
)

HERE = available_engines()


def indexed(tm: trimesh.Trimesh) -> Mesh:
    return Mesh(np.asarray(tm.vertices, dtype=np.float64), np.asarray(tm.faces, dtype=np.int32))


def box(extents, center=(0, 0, 0)) -> trimesh.Trimesh:
    tm = trimesh.creation.box(extents=extents)
    tm.apply_translation(center)
    return tm


def hollow_box(outer=10.0, wall=1.0) -> Mesh:
    """A closed box with a closed cavity: an outer shell and an inward-facing inner shell."""
    inner = box([outer - 2 * wall] * 3)
    inner.invert()
    return indexed(trimesh.util.concatenate([box([outer] * 3), inner]))


@pytest.mark.skipif(platform.machine() != "x86_64", reason="embreex ships x86-64 wheels only")
def test_embree_is_available_here():
    # The project depends on embreex on x86-64; without it every measurement would fall
    # back to the slow engine and measure few faces on large parts.
    assert HERE[0] == "embree"
    assert set(HERE) == set(ENGINES)


@pytest.mark.parametrize("engine", HERE)
def test_cube_is_10_mm_thick_everywhere(engine):
    result = measure_thickness(indexed(box([10, 10, 10])), engine=engine)
    assert isinstance(result, Thickness)
    assert result.engine == engine
    assert result.sample_faces.tolist() == list(range(12))
    assert result.sample_faces.dtype == np.int32
    np.testing.assert_allclose(result.thickness_mm, 10.0, rtol=1e-9)
    assert result.min_mm == pytest.approx(10.0)
    assert result.p05_mm == pytest.approx(10.0)
    np.testing.assert_allclose(result.face_area_mm2, 50.0)
    assert result.total_area_mm2 == pytest.approx(600.0)
    assert result.thin_area_mm2(10.5) == pytest.approx(600.0)
    assert result.thin_area_mm2(9.5) == 0.0


@pytest.mark.parametrize("engine", HERE)
def test_thin_plate(engine):
    plate = indexed(box([20, 30, 0.5]))
    result = measure_thickness(plate, engine=engine)
    big = np.flatnonzero(np.ptp(plate.triangles[:, :, 2], axis=1) < 1e-9)
    assert len(big) == 4  # top and bottom, two triangles each
    np.testing.assert_allclose(result.thickness_mm[big], 0.5, rtol=1e-9)
    assert sorted(result.thin_faces(1.0)) == sorted(big)
    assert result.thin_faces(1.0).dtype == np.int32
    assert result.thin_area_mm2(1.0) == pytest.approx(2 * 20 * 30)
    assert result.thin_area_mm2(0.4) == 0.0
    assert result.min_mm == pytest.approx(0.5)
    # The side walls measure across the plate (20 or 30 mm).
    assert set(np.round(np.delete(result.thickness_mm, big), 6)) == {20.0, 30.0}


@pytest.mark.parametrize("engine", HERE)
def test_hollow_box_has_1_mm_walls_inside_and_out(engine):
    mesh = hollow_box(outer=10.0, wall=1.0)
    result = measure_thickness(mesh, engine=engine)
    assert len(result.sample_faces) == 24
    np.testing.assert_allclose(result.thickness_mm, 1.0, rtol=1e-9)
    assert result.thin_area_mm2(1.5) == pytest.approx(600.0 + 384.0)


def test_sphere_thickness_is_its_diameter():
    mesh = indexed(trimesh.creation.icosphere(subdivisions=4, radius=20.0))
    result = measure_thickness(mesh)
    # Across a faceted sphere: a little under 40 mm, never more.
    assert np.all(result.thickness_mm <= 40.0 + 1e-9)
    assert np.all(result.thickness_mm > 39.8)


def test_engines_agree_on_a_curved_part():
    mesh = indexed(trimesh.creation.torus(major_radius=10.0, minor_radius=3.0))
    results = {e: measure_thickness(mesh, engine=e) for e in HERE}
    reference = results[HERE[0]]
    assert np.all(np.isfinite(reference.thickness_mm))
    for engine, result in results.items():
        assert np.array_equal(result.sample_faces, reference.sample_faces), engine
        np.testing.assert_allclose(result.thickness_mm, reference.thickness_mm, atol=1e-6)
    # A torus's normals all pass through the tube's centre line: every ray crosses the
    # 6 mm tube along a diameter (a little less on the facets).
    assert np.all((reference.thickness_mm > 5.8) & (reference.thickness_mm <= 6.0 + 1e-9))


def test_faces_turned_towards_the_ray_are_skipped():
    # A bar poking into a cube, merged into one mesh. Rays from the cube's left face meet
    # the bar's left end from outside (turned towards the ray: skipped) and leave through
    # the cube's right face 10 mm in; stopping at the bar would say 5 mm.
    cube = box([10, 10, 10])
    bar = box([10, 4, 4], center=(5, 0, 0))
    mesh = indexed(trimesh.util.concatenate([cube, bar]))
    for engine in HERE:
        result = measure_thickness(mesh, engine=engine)
        left = np.flatnonzero(np.all(mesh.triangles[:, :, 0] == -5, axis=1))
        assert len(left) == 2
        np.testing.assert_allclose(result.thickness_mm[left], 10.0, rtol=1e-9)
        # The bar's own left end starts inside the cube and leaves the cube at x = 5: the
        # first face the ray leaves through, whatever body it belongs to.
        bar_left = np.flatnonzero(np.all(mesh.triangles[:, :, 0] == 0, axis=1))
        np.testing.assert_allclose(result.thickness_mm[bar_left], 5.0, rtol=1e-9)


def test_open_mesh_rays_escape_as_inf():
    tm = box([10, 10, 10])
    top = np.flatnonzero(tm.face_normals[:, 2] > 0.5)
    open_box = Mesh(np.asarray(tm.vertices), np.delete(tm.faces, top, axis=0).astype(np.int32))
    result = measure_thickness(open_box)
    bottom = np.flatnonzero(np.all(open_box.triangles[:, :, 2] == -5, axis=1))
    assert np.all(np.isinf(result.thickness_mm[bottom]))
    assert np.isfinite(result.thickness_mm).sum() == 8  # the walls
    assert result.min_mm == pytest.approx(10.0)
    # Flipped faces look outwards: every ray escapes.
    flipped = Mesh(np.asarray(tm.vertices), np.ascontiguousarray(tm.faces[:, ::-1], np.int32))
    result = measure_thickness(flipped)
    assert np.all(np.isinf(result.thickness_mm))
    assert result.min_mm == np.inf and result.p05_mm == np.inf


def test_sampling_large_meshes_and_scaling_thin_area():
    # A 0.8 mm plate on a 4 mm block, finely subdivided: more faces than samples.
    block = box([40, 40, 4])
    fin = box([40, 0.8, 10], center=(0, 0, 7))
    tm = trimesh.util.concatenate([block, fin])
    tm = tm.subdivide_to_size(1.0)
    mesh = indexed(tm)
    assert len(mesh.faces) > 20_000
    sampled = measure_thickness(mesh, max_samples=2_000, seed=1)
    assert len(sampled.sample_faces) == 2_000
    assert len(np.unique(sampled.sample_faces)) == 2_000
    again = measure_thickness(mesh, max_samples=2_000, seed=1)
    assert np.array_equal(sampled.sample_faces, again.sample_faces)
    other = measure_thickness(mesh, max_samples=2_000, seed=2)
    assert not np.array_equal(sampled.sample_faces, other.sample_faces)

    full = measure_thickness(mesh, max_samples=len(mesh.faces))
    assert len(full.sample_faces) == len(mesh.faces)
    true_thin = full.thin_area_mm2(1.0)
    # The fin's two big sides (40 x 10 mm each), give or take its ends.
    assert true_thin == pytest.approx(2 * 40 * 10, rel=0.05)
    assert sampled.thin_area_mm2(1.0) == pytest.approx(true_thin, rel=0.2)
    assert sampled.total_area_mm2 == pytest.approx(tm.area)
    assert sampled.p05_mm == pytest.approx(0.8)


def test_p05_is_area_weighted():
    # One big 0.5 mm plate face area dominates a box's few small faces, or not.
    result = measure_thickness(indexed(box([100, 100, 0.5])))
    assert result.p05_mm == pytest.approx(0.5)
    result = measure_thickness(indexed(box([1, 1, 50])))
    assert result.min_mm == pytest.approx(1.0)
    # The two 1 x 1 end faces hold under 1% of the area; 5% sits on the 1 mm sides.
    assert result.p05_mm == pytest.approx(1.0)


def test_degenerate_faces_are_not_measured_and_do_not_crash():
    tm = box([10, 10, 10])
    vertices = np.vstack([tm.vertices, [[0, 0, 0], [1, 1, 1], [2, 2, 2]]])
    n = len(tm.vertices)
    extra = np.array([[0, 0, 0], [n, n + 1, n + 2], [1, 2, 1]], dtype=np.int32)
    mesh = Mesh(vertices, np.vstack([tm.faces, extra]).astype(np.int32))
    for engine in HERE:
        result = measure_thickness(mesh, engine=engine)
        assert result.sample_faces.tolist() == list(range(12))
        np.testing.assert_allclose(result.thickness_mm, 10.0, rtol=1e-9)


def test_falls_back_to_the_embreex_api_when_the_bundled_library_refuses(monkeypatch):
    if "embreex" not in HERE:
        pytest.skip("embreex is not installed")

    def refuse(*args):
        raise RuntimeError("Embree failed to build the scene (error code 1)")

    monkeypatch.setattr(thickness, "_EmbreeDirect", refuse)
    result = measure_thickness(indexed(box([10, 10, 10])))
    assert result.engine == "embreex"
    np.testing.assert_allclose(result.thickness_mm, 10.0, rtol=1e-9)
    with pytest.raises(RuntimeError, match="Embree failed"):
        measure_thickness(indexed(box([10, 10, 10])), engine="embree")


def test_empty_and_invalid_requests():
    empty = measure_thickness(Mesh(np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int32)))
    assert len(empty.sample_faces) == 0
    assert empty.min_mm == np.inf and empty.thin_area_mm2(1.0) == 0.0
    flat = Mesh(np.zeros((3, 3)), np.array([[0, 1, 2]], dtype=np.int32))
    assert len(measure_thickness(flat).sample_faces) == 0
    cube = indexed(box([10, 10, 10]))
    with pytest.raises(ValueError, match="max_samples"):
        measure_thickness(cube, max_samples=0)
    with pytest.raises(ValueError, match="not available"):
        measure_thickness(cube, engine="optix")


def test_far_from_origin_large_part():
    # Float32 rounding grows with coordinates; centring keeps a 0.5 mm wall exact.
    tm = box([300, 300, 0.5], center=(5000, -3000, 800))
    result = measure_thickness(indexed(tm))
    assert result.min_mm == pytest.approx(0.5, abs=1e-4)


def test_prusaslicer_shapes(prusa_shapes):
    """Every gallery shape is closed: every ray finds a wall, none thicker than the part."""
    for path in sorted(prusa_shapes.glob("*.stl")):
        tm = trimesh.load_mesh(path)
        result = measure_thickness(indexed(tm), max_samples=2_000)
        assert np.all(np.isfinite(result.thickness_mm)), path.name
        assert result.thickness_mm.max() <= np.linalg.norm(tm.extents) + 1e-6, path.name
    box_result = measure_thickness(indexed(trimesh.load_mesh(prusa_shapes / "box.stl")))
    assert box_result.min_mm == pytest.approx(
        min(trimesh.load_mesh(prusa_shapes / "box.stl").extents)
    )
