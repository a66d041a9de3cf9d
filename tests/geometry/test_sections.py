"""Cross-sections measured from triangle cuts, against exact areas and a polygon slicer."""

from __future__ import annotations

import manifold3d
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printhub.geometry import sections
from printhub.geometry.mesh import Mesh
from printhub.geometry.sections import cross_sections, face_table, section_loops, slice_planes


def box(size=(10.0, 20.0, 5.0), origin=(0.0, 0.0, 0.0)) -> Mesh:
    """An axis-aligned box, 12 triangles, outward winding."""
    m = manifold3d.Manifold.cube(list(size)).translate(list(origin))
    return from_manifold(m)


def from_manifold(m: manifold3d.Manifold) -> Mesh:
    mesh = m.to_mesh()
    vertices = np.asarray(mesh.vert_properties)[:, :3].astype(np.float64)
    return Mesh(vertices, np.asarray(mesh.tri_verts).astype(np.int32))


def uv_sphere(radius: float, rings: int, sides: int) -> Mesh:
    """A latitude/longitude sphere: every ring is a regular polygon at the same angles."""
    polar = np.linspace(0.0, np.pi, rings + 1)[1:-1]
    azimuth = np.arange(sides) * 2 * np.pi / sides
    ring_xyz = np.stack(
        [
            np.outer(np.sin(polar), np.cos(azimuth)),
            np.outer(np.sin(polar), np.sin(azimuth)),
            np.outer(np.cos(polar), np.ones(sides)),
        ],
        axis=-1,
    ).reshape(-1, 3)
    vertices = radius * np.vstack([[0, 0, 1], ring_xyz, [0, 0, -1]])
    top, bottom = 0, len(vertices) - 1
    faces = []
    nxt = lambda j: (j + 1) % sides  # noqa: E731
    for j in range(sides):
        faces.append([top, 1 + j, 1 + nxt(j)])
        last = 1 + (rings - 2) * sides
        faces.append([bottom, last + nxt(j), last + j])
    for r in range(rings - 2):
        a, b = 1 + r * sides, 1 + (r + 1) * sides
        for j in range(sides):
            faces.append([a + j, b + j, b + nxt(j)])
            faces.append([a + j, b + nxt(j), a + nxt(j)])
    return Mesh(vertices, np.asarray(faces, np.int32))


def regular_polygon_area(circumradius, sides):
    return 0.5 * sides * circumradius**2 * np.sin(2 * np.pi / sides)


def test_box_sections_are_exact():
    mesh = box((10.0, 20.0, 5.0), origin=(3.0, -7.0, 1.0))
    z = np.array([0.5, 1.0, 1.1, 3.0, 5.999, 6.0, 7.0])
    s = cross_sections(mesh, z)
    inside = np.array([False, True, True, True, True, False, False])
    np.testing.assert_allclose(s.area, np.where(inside, 200.0, 0.0), atol=1e-9)
    np.testing.assert_allclose(s.perimeter, np.where(inside, 60.0, 0.0), atol=1e-9)
    # The bottom face lies at z = 1: a plane through it counts it as below.
    np.testing.assert_allclose(s.down_below, np.where(z >= 1.0, 200.0, 0.0), atol=1e-9)
    np.testing.assert_allclose(s.up_below, np.where(z >= 6.0, 200.0, 0.0), atol=1e-9)
    assert s.up_total == pytest.approx(200.0) and s.down_total == pytest.approx(200.0)


def test_prism_sections_match_regular_polygon():
    sides, radius = 48, 12.5
    cylinder = manifold3d.Manifold.cylinder(30.0, radius, circular_segments=sides)
    s = cross_sections(from_manifold(cylinder), np.linspace(0.1, 29.9, 150))
    # manifold3d hands out float32 vertices: exact up to their rounding.
    np.testing.assert_allclose(s.area, regular_polygon_area(radius, sides), rtol=1e-6)
    np.testing.assert_allclose(s.perimeter, 2 * sides * radius * np.sin(np.pi / sides), rtol=1e-6)


def test_uv_sphere_sections_are_regular_polygons():
    radius, rings, sides = 20.0, 24, 36
    s = cross_sections(uv_sphere(radius, rings, sides), np.linspace(-19.9, 19.9, 97))
    # Between two rings the cut runs across quads whose meridian edges are straight, so the
    # section is a regular polygon whose radius varies linearly between the rings' radii.
    polar = np.linspace(0.0, np.pi, rings + 1)
    ring_z, ring_r = radius * np.cos(polar)[::-1], radius * np.sin(polar)[::-1]
    r = np.interp(s.z, ring_z, ring_r)
    np.testing.assert_allclose(s.area, regular_polygon_area(r, sides), rtol=1e-9)
    np.testing.assert_allclose(s.perimeter, 2 * sides * r * np.sin(np.pi / sides), rtol=1e-9)


def test_holes_subtract_and_count_in_perimeter():
    plate = manifold3d.Manifold.cube([40.0, 30.0, 4.0])
    hole = manifold3d.Manifold.cylinder(10.0, 5.0, circular_segments=64).translate([12, 15, -1])
    slot = manifold3d.Manifold.cube([6.0, 20.0, 10.0]).translate([28.0, 5.0, -1.0])
    mesh = from_manifold(plate - hole - slot)
    s = cross_sections(mesh, np.array([2.0]))
    circle = regular_polygon_area(5.0, 64)
    assert s.area[0] == pytest.approx(1200.0 - circle - 120.0, rel=1e-6)
    circle_length = 2 * 64 * 5.0 * np.sin(np.pi / 64)
    assert s.perimeter[0] == pytest.approx(140.0 + circle_length + 52.0, rel=1e-6)


def test_matches_manifold_slices_of_a_bracket():
    """An L-bracket with a gusset and a hole: areas and lengths against manifold's polygons."""
    m = manifold3d.Manifold
    bracket = (
        m.cube([40.0, 20.0, 5.0])
        + m.cube([5.0, 20.0, 35.0])
        + m.cube([20.0, 3.0, 20.0]).rotate([0.0, -45.0, 0.0]).translate([5.0, 8.5, 5.0])
        - m.cylinder(20.0, 3.0, circular_segments=40).translate([25.0, 10.0, -1.0])
    )
    z = np.linspace(0.05, 34.95, 233)
    s = cross_sections(from_manifold(bracket), z)
    for i in range(0, len(z), 7):
        polygons = [np.asarray(p) for p in bracket.slice(z[i]).to_polygons()]
        length = sum(np.linalg.norm(p - np.roll(p, 1, axis=0), axis=1).sum() for p in polygons)
        assert s.area[i] == pytest.approx(bracket.slice(z[i]).area(), rel=1e-6, abs=1e-6)
        assert s.perimeter[i] == pytest.approx(length, rel=1e-6, abs=1e-6)


def test_soup_and_welded_mesh_agree_and_tall_faces_take_the_polynomial_path(monkeypatch):
    mesh = from_manifold(
        manifold3d.Manifold.cylinder(25.0, 10.0, 4.0, circular_segments=60)
        - manifold3d.Manifold.sphere(3.0, 24).translate([0, 0, 12.0])
    )
    z = np.linspace(0.1, 24.9, 125)
    welded = cross_sections(mesh, z)
    soup = cross_sections(mesh.triangles, z)
    monkeypatch.setattr(sections, "POLY_MIN_PLANES", 10**9)
    pairwise = cross_sections(mesh, z)
    for other in (soup, pairwise):
        for name in ("area", "perimeter", "up_below", "down_below"):
            np.testing.assert_allclose(getattr(other, name), getattr(welded, name), atol=1e-7)
        np.testing.assert_array_equal(other.segments, welded.segments)


def test_up_and_down_facing_area_between_planes_finds_steps():
    m = manifold3d.Manifold
    # A 30x30 base, 10 high, with a 10x10 tower to 20 and a 20x5 shelf hanging at 15..17.
    part = (
        m.cube([30.0, 30.0, 10.0])
        + m.cube([10.0, 10.0, 20.0])
        + m.cube([20.0, 5.0, 2.0]).translate([10.0, 0.0, 15.0])
    )
    z = np.arange(0.1, 20.0, 0.2)
    s = cross_sections(from_manifold(part), z)
    up, down = s.up_between(), s.down_between()
    band = lambda h: int(np.searchsorted(z, h))  # noqa: E731
    assert up[band(10.0) - 1] == pytest.approx(800.0)  # base top around the tower and shelf
    assert up[band(17.0) - 1] == pytest.approx(100.0)  # the shelf's top
    assert up[-1] == pytest.approx(100.0)  # the tower's top
    assert down[0] == pytest.approx(900.0)
    assert down[band(15.0)] == pytest.approx(100.0)  # the shelf's underside (an overhang)
    assert up.sum() == pytest.approx(s.up_total) and down.sum() == pytest.approx(s.down_total)
    # For a closed mesh, what faces down below a plane minus what faces up is the section.
    np.testing.assert_allclose(s.down_below - s.up_below, s.area, atol=1e-9)


def test_volume_from_sections_matches_real_shapes(prusa_shapes):
    trimesh = pytest.importorskip("trimesh")
    for name in ("bunny", "torus", "M3x10_screw", "cone", "helper_disk"):
        tri = np.asarray(trimesh.load(prusa_shapes / f"{name}.stl", process=False).triangles)
        mesh = Mesh.from_triangles(tri.astype(np.float32))
        volume = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6
        lo, hi = mesh.bounds[:, 2]
        thickness = (hi - lo) / 400
        z = lo + thickness * (np.arange(400) + 0.5)
        s = cross_sections(mesh, z)
        assert (s.area * thickness).sum() == pytest.approx(volume, rel=2e-3), name


@settings(max_examples=40, deadline=None)
@given(
    angle=st.floats(0, 2 * np.pi),
    shift=st.tuples(st.floats(-500, 500), st.floats(-500, 500), st.floats(-50, 50)),
)
def test_sections_do_not_depend_on_placement(angle, shift):
    mesh = from_manifold(
        manifold3d.Manifold.cube([8.0, 3.0, 6.0]) - manifold3d.Manifold.cube([2.0, 1.0, 9.0])
    )
    c, s = np.cos(angle), np.sin(angle)
    matrix = np.eye(4)
    matrix[:2, :2] = [[c, -s], [s, c]]
    matrix[:3, 3] = shift
    z = np.linspace(0.1, 5.9, 30)
    moved = cross_sections(mesh.transformed(matrix), z + shift[2])
    # An 8 x 3 rectangle with a 2 x 1 notch cut from one corner.
    np.testing.assert_allclose(moved.area, 22.0, rtol=1e-6)
    np.testing.assert_allclose(moved.perimeter, 22.0, rtol=1e-6)


def test_slice_planes_lay_out_layers_like_a_slicer():
    print_z, slice_z = slice_planes(0.0, 25.0, 0.2, 0.2)
    assert len(print_z) == 125 and print_z[-1] == pytest.approx(25.0)
    np.testing.assert_allclose(slice_z[:2], [0.1, 0.3])
    print_z, slice_z = slice_planes(5.0, 15.0, 0.3, 0.2)
    assert print_z[0] == pytest.approx(0.2) and slice_z[0] == pytest.approx(0.1)
    assert len(print_z) == 34  # 0.2 + 33 * 0.3 = 10.1 covers 10 mm
    assert slice_planes(0.0, 0.0, 0.2, 0.2)[0].size == 0


def test_empty_and_out_of_range_planes():
    s = cross_sections(np.zeros((0, 3, 3)), np.array([1.0, 2.0]))
    assert s.area.tolist() == [0.0, 0.0] and s.segments.tolist() == [0, 0]
    s = cross_sections(box(), np.array([-3.0, 100.0]))
    assert s.area.tolist() == [0.0, 0.0]
    assert s.up_below.tolist() == [0.0, 200.0]


def test_loops_split_outlines_and_holes():
    m = manifold3d.Manifold
    plate = m.cube([40.0, 30.0, 4.0]) - m.cylinder(10.0, 5.0, circular_segments=64).translate(
        [12, 15, -1]
    )
    part = plate + m.cube([5.0, 5.0, 2.0]).translate([50.0, 0.0, 0.0])  # a second island
    mesh = from_manifold(part)
    z = np.array([1.0, 3.0])
    loops = section_loops(mesh, z)
    outer, holes = loops.count(2)
    assert outer.tolist() == [2, 1] and holes.tolist() == [1, 1]
    circle = 2 * 64 * 5.0 * np.sin(np.pi / 64)
    lengths = sorted(loops.length[loops.plane == 0].round(6))
    assert lengths == pytest.approx(sorted([20.0, circle, 140.0]), rel=1e-6)
    # Loops add up to the section measured without them.
    s = cross_sections(mesh, z)
    np.testing.assert_allclose(np.bincount(loops.plane, loops.area, 2), s.area, rtol=1e-9)
    np.testing.assert_allclose(np.bincount(loops.plane, loops.length, 2), s.perimeter, rtol=1e-9)
    hole_area = loops.area[(loops.plane == 1) & (loops.area < 0)]
    assert hole_area == pytest.approx([-regular_polygon_area(5.0, 64)], rel=1e-6)


def test_loops_of_real_shapes_close(prusa_shapes):
    trimesh = pytest.importorskip("trimesh")
    # The torus has one outline and one hole at mid height; the gallery's nut is solid.
    for name, expected in (("torus", (1, 1)), ("M3_hex_nut", (1, 0)), ("bunny", (1, 0))):
        t = trimesh.load(prusa_shapes / f"{name}.stl")  # merges the STL's vertex copies
        mesh = Mesh(np.asarray(t.vertices), np.asarray(t.faces, np.int32))
        middle = float(np.mean(mesh.bounds[:, 2]))
        outer, holes = section_loops(mesh, np.array([middle])).count(1)
        assert (outer[0], holes[0]) == expected, name


def test_loops_of_a_triangle_soup_chain_through_equal_corners():
    m = manifold3d.Manifold
    part = m.cube([30.0, 20.0, 5.0]) - m.cube([10.0, 10.0, 9.0]).translate([10.0, 5.0, -2.0])
    mesh = from_manifold(part)
    z = np.array([2.5])
    welded = section_loops(mesh, z)
    soup = section_loops(mesh.triangles, z)
    assert welded.count(1) == soup.count(1) == ([1], [1])
    np.testing.assert_allclose(sorted(soup.length), sorted(welded.length))


def test_loops_agree_on_both_component_searches(monkeypatch):
    mesh = from_manifold(
        manifold3d.Manifold.cube([40.0, 40.0, 3.0])
        - manifold3d.Manifold.cylinder(5.0, 4.0, circular_segments=40).translate([20, 20, -1])
    )
    z = np.array([0.5, 1.5, 2.5])
    small = section_loops(mesh, z)
    monkeypatch.setattr(sections, "SMALL_GRAPH_LINKS", 0)
    large = section_loops(mesh, z)
    assert small.count(3)[0].tolist() == large.count(3)[0].tolist() == [1, 1, 1]
    assert small.count(3)[1].tolist() == large.count(3)[1].tolist() == [1, 1, 1]
    np.testing.assert_allclose(np.sort(small.length), np.sort(large.length))


def test_face_table_sorts_corners_by_height_and_keeps_the_winding():
    rng = np.random.default_rng(7)
    vertices = rng.random((60, 3))
    vertices[:, 2] = rng.integers(0, 3, 60)  # many equal heights
    faces = rng.integers(0, 60, (2000, 3)).astype(np.int32)
    table = face_table(Mesh(vertices, faces))
    for i, face in enumerate(faces):
        order = sorted(range(3), key=lambda j: vertices[face[j], 2])  # stable on ties
        assert [table.low[i], table.mid[i], table.high[i]] == [face[j] for j in order]
        assert table.even[i] == (order in ([0, 1, 2], [1, 2, 0], [2, 0, 1]))
    assert table.z_low.tolist() == vertices[table.low, 2].tolist()
    assert table.z_high.tolist() == vertices[table.high, 2].tolist()
    t = vertices[faces]
    area = 0.5 * np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1)
    np.testing.assert_allclose(table.area, area, rtol=1e-12, atol=1e-15)


def test_one_face_table_serves_every_set_of_planes_and_the_loops():
    mesh = from_manifold(
        manifold3d.Manifold.cylinder(20.0, 9.0, 5.0, circular_segments=50)
        - manifold3d.Manifold.cylinder(30.0, 2.0, circular_segments=20).translate([0, 0, -5])
    )
    table = face_table(mesh)
    for z in (np.linspace(0.1, 19.9, 100), np.array([3.0, 10.0]), np.linspace(-1.0, 25.0, 7)):
        alone, shared = cross_sections(mesh, z), cross_sections(table, z)
        for name in ("area", "perimeter", "segments", "up_below", "down_below"):
            np.testing.assert_array_equal(getattr(shared, name), getattr(alone, name))
        for name in ("plane", "length", "area"):
            np.testing.assert_array_equal(
                getattr(section_loops(table, z), name), getattr(section_loops(mesh, z), name)
            )
    assert section_loops(table, np.array([10.0])).count(1) == ([1], [1])


def test_blocks_of_any_size_give_the_same_sums(monkeypatch):
    mesh = uv_sphere(15.0, 40, 64)
    z = np.linspace(-14.9, 14.9, 90)
    whole = cross_sections(mesh, z)
    loops = section_loops(mesh, z[::10])
    monkeypatch.setattr(sections, "CHUNK", 97)
    pieces = cross_sections(mesh, z)
    for name in ("area", "perimeter", "up_below", "down_below"):
        np.testing.assert_allclose(getattr(pieces, name), getattr(whole, name), rtol=1e-12)
    np.testing.assert_array_equal(pieces.segments, whole.segments)
    np.testing.assert_allclose(section_loops(mesh, z[::10]).length, loops.length, rtol=1e-12)
