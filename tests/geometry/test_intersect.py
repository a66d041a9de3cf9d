"""Self-intersections: generated solids with known answers, PrusaSlicer's shapes, and
manifold3d's exact unions as the independent judge of "do these bodies overlap"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh
from hypothesis import given, settings
from hypothesis import strategies as st
from manifold3d import Manifold, OpType
from manifold3d import Mesh as ManifoldMesh
from pymeshfix import PyTMesh

from printhub.geometry import intersect
from printhub.geometry.intersect import (
    SelfIntersections,
    _broad,
    _exact,
    _patches,
    find_self_intersections,
    triangles_cross,
)
from printhub.geometry.io import load_mesh
from printhub.geometry.mesh import Mesh
from printhub.geometry.tolerances import INTERSECT_TOUCH_REL
from printhub.geometry.topology import weld
from tests.geometry.meshes import helix_tube


def indexed(tm: trimesh.Trimesh) -> Mesh:
    return Mesh(np.asarray(tm.vertices, dtype=np.float64), np.asarray(tm.faces, dtype=np.int32))


def merged(*parts: trimesh.Trimesh) -> Mesh:
    """Several bodies in one mesh, as a multi-body STL or 3MF would hold them."""
    return indexed(trimesh.util.concatenate(list(parts)))


def moved(tm: trimesh.Trimesh, offset) -> trimesh.Trimesh:
    tm = tm.copy()
    tm.apply_translation(offset)
    return tm


def union_volume(parts: list[trimesh.Trimesh]) -> float:
    manifolds = [
        Manifold(
            ManifoldMesh(
                vert_properties=np.asarray(p.vertices, dtype=np.float32),
                tri_verts=np.asarray(p.faces, dtype=np.uint32),
            )
        )
        for p in parts
    ]
    return Manifold.batch_boolean(manifolds, OpType.Add).volume()


def overlap_volume(parts: list[trimesh.Trimesh]) -> float:
    """Sum of the bodies' volumes minus the volume of their union (0 when disjoint)."""
    return sum(p.volume for p in parts) - union_volume(parts)


def sphere(radius=10.0, subdivisions=4) -> trimesh.Trimesh:
    return trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius)


def box(size=10.0) -> trimesh.Trimesh:
    return trimesh.creation.box(extents=[size] * 3)


# --- Bodies that do not cross -------------------------------------------------------------


def test_closed_sphere_has_no_self_intersection():
    result = find_self_intersections(indexed(sphere(subdivisions=5)))
    assert isinstance(result, SelfIntersections)
    assert not result.is_self_intersecting
    assert result.face_pairs.shape == (0, 2)
    assert result.face_pairs.dtype == np.int32
    assert result.faces.dtype == np.int32
    assert not result.truncated


def test_boxes_touching_at_a_face_do_not_intersect():
    parts = [box(), moved(box(), (10, 0, 0))]
    assert overlap_volume(parts) == pytest.approx(0, abs=1e-3)
    assert not find_self_intersections(merged(*parts)).is_self_intersecting


def test_small_box_standing_on_a_big_one_does_not_intersect():
    # The small box's walls end exactly on the big box's top face: contact, no crossing.
    small = trimesh.creation.box(extents=[4, 4, 4])
    parts = [box(), moved(small, (1, -2, 7))]
    assert overlap_volume(parts) == pytest.approx(0, abs=1e-3)
    assert not find_self_intersections(merged(*parts)).is_self_intersecting


def test_boxes_touching_along_an_edge_and_at_a_corner_do_not_intersect():
    parts = [box(), moved(box(), (10, 10, 0)), moved(box(), (-10, -10, -10))]
    assert not find_self_intersections(merged(*parts)).is_self_intersecting


def test_separate_spheres_that_do_not_touch():
    parts = [sphere(), moved(sphere(), (20.5, 0, 0))]
    assert not find_self_intersections(merged(*parts)).is_self_intersecting


def test_rotated_touching_boxes_within_float32_rounding_do_not_intersect():
    # Both boxes turned by an awkward angle and stored in float32, as an STL would: the
    # shared face is only equal up to rounding, which the touch tolerance absorbs.
    turn = trimesh.transformations.rotation_matrix(0.3, [1, 2, 3])
    parts = [box(), moved(box(), (10, 0, 0))]
    for p in parts:
        p.apply_transform(turn)
    mesh = merged(*parts)
    mesh = Mesh(mesh.vertices.astype(np.float32), mesh.faces)
    assert not find_self_intersections(mesh).is_self_intersecting


@pytest.mark.parametrize("offset", [0.0, 300.0, 1000.0])
def test_small_parts_far_from_the_origin_touching_in_float32(offset):
    # A 2 mm cube standing on a 6 mm one, both turned and moved far out, stored in float32:
    # the standing cube's corners land a float32 step above or below the face they rest
    # on, which the touch tolerance (it grows with the coordinates) must absorb. The same
    # pair pushed 0.1 mm into each other still crosses.
    for seed in range(10):
        turn = trimesh.transformations.random_rotation_matrix(np.random.default_rng(seed).random(3))
        for sink, expected in ((0.0, False), (0.1, True)):
            big, small = box(6.0), box(2.0)
            small.apply_translation((0.7, -0.9, 4.0 - sink))
            for part in (big, small):
                part.apply_transform(turn)
                part.apply_translation((offset, offset, offset))
            mesh = merged(big, small)
            mesh = Mesh(mesh.vertices.astype(np.float32), mesh.faces)
            assert find_self_intersections(mesh).is_self_intersecting == expected, (seed, sink)


# --- Bodies that overlap ---------------------------------------------------------------------


def test_three_overlapping_spheres_are_found_and_manifold_agrees():
    parts = [sphere(), moved(sphere(), (12, 0, 0)), moved(sphere(), (6, 10, 0))]
    mesh = merged(*parts)
    # trimesh calls this watertight with the summed volume; the true union is smaller.
    assert trimesh.util.concatenate(parts).is_watertight
    assert overlap_volume(parts) > 100.0

    result = find_self_intersections(mesh)
    assert result.is_self_intersecting
    # Every reported pair joins two different bodies (each sphere is clean on its own).
    body = np.repeat(np.arange(3), len(parts[0].faces))
    assert np.all(body[result.face_pairs[:, 0]] != body[result.face_pairs[:, 1]])
    # Each crossing face lies on another sphere's surface, give or take a triangle's size.
    centroids = mesh.triangles[result.faces].mean(axis=1)
    sphere_centres = np.array([(0, 0, 0), (12, 0, 0), (6, 10, 0)])
    gap = np.abs(np.linalg.norm(centroids[:, None] - sphere_centres[None], axis=2) - 10)
    gap[np.arange(len(gap)), body[result.faces]] = np.inf  # not its own sphere
    assert np.all(gap.min(axis=1) < 1.5)
    assert set(np.unique(body[result.faces])) == {0, 1, 2}


def test_overlapping_cubes_are_found_and_manifold_agrees():
    parts = [box(), moved(box(), (5, 5, 5))]
    assert overlap_volume(parts) == pytest.approx(125.0, rel=1e-4)
    result = find_self_intersections(merged(*parts))
    assert result.is_self_intersecting
    assert np.all(result.face_pairs[:, 0] < 12) and np.all(result.face_pairs[:, 1] >= 12)


def test_overlapping_cubes_sharing_a_plane_are_found():
    # Bottoms and tops are coplanar, facing the same way, and overlap.
    parts = [box(), moved(box(), (5, 5, 0))]
    assert overlap_volume(parts) > 0
    assert find_self_intersections(merged(*parts)).is_self_intersecting


def test_a_body_inside_another_does_not_cross_it():
    # Nested shells (a hollow part's cavity, or a loose core) have no crossing faces; the
    # overlap in volume is a matter for shell analysis, not for this check.
    inner = sphere(radius=5)
    parts = [sphere(), inner]
    assert not find_self_intersections(merged(*parts)).is_self_intersecting


def test_a_vertex_pushed_through_the_opposite_face_is_found():
    # One closed shell: a subdivided cube whose top-centre vertex is pulled down through the
    # bottom face. Everything stays edge-connected, so only a geometric test can see it.
    tm = box()
    for _ in range(3):
        tm = tm.subdivide()
    mesh = indexed(tm)
    assert trimesh.Trimesh(mesh.vertices, mesh.faces).body_count == 1
    top_centre = np.flatnonzero(np.all(np.isclose(mesh.vertices, (0, 0, 5)), axis=1))
    assert len(top_centre) == 1
    vertices = mesh.vertices.copy()
    vertices[top_centre[0]] = (0, 0, -8)
    result = find_self_intersections(Mesh(vertices, mesh.faces))
    assert result.is_self_intersecting
    fan = np.flatnonzero(np.any(mesh.faces == top_centre[0], axis=1))
    bottom = np.flatnonzero(np.all(np.isclose(mesh.triangles[:, :, 2], -5), axis=1))
    assert set(result.faces) <= set(fan) | set(bottom)
    assert set(result.faces) & set(fan) and set(result.faces) & set(bottom)


def test_a_helix_tube_running_through_itself_is_found():
    # One edge-connected shell whose coils overlap (pitch < tube diameter).
    tight = helix_tube(pitch=3.0, tube_radius=2.0)
    assert tight.body_count == 1
    result = find_self_intersections(indexed(tight))
    assert result.is_self_intersecting
    # The crossing pairs join faces one coil apart (120 steps over two turns, 12 sides).
    ring = result.face_pairs // (2 * 12)
    assert np.all(np.abs(ring[:, 1] - ring[:, 0]) > 40)
    loose = helix_tube(pitch=5.0, tube_radius=2.0)
    assert not find_self_intersections(indexed(loose)).is_self_intersecting


def test_a_triangle_soup_gives_the_same_answer_as_the_welded_mesh():
    # Without shared vertices every neighbour goes through the exact test; touching along
    # the shared edges must still not count.
    clean = sphere(subdivisions=3)
    soup = Mesh.from_triangles(np.asarray(clean.vertices[clean.faces]))
    assert not find_self_intersections(soup).is_self_intersecting
    parts = [sphere(subdivisions=3), moved(sphere(subdivisions=3), (12, 0, 0))]
    both = trimesh.util.concatenate(parts)
    soup = Mesh.from_triangles(np.asarray(both.vertices[both.faces]))
    welded = find_self_intersections(indexed(both))
    assert np.array_equal(find_self_intersections(soup).face_pairs, welded.face_pairs)


@pytest.mark.parametrize("case", ["three spheres", "helix tube", "two tori"])
def test_same_faces_count_as_meshfix(case):
    """MeshFix (C++, via pymeshfix) as a peer: it flags the same number of crossing faces."""
    if case == "three spheres":
        tm = trimesh.util.concatenate(
            [sphere(), moved(sphere(), (12, 0, 0)), moved(sphere(), (6, 10, 0))]
        )
    elif case == "helix tube":
        tm = helix_tube(pitch=3.0, tube_radius=2.0)
    else:
        torus = trimesh.creation.torus(major_radius=10.0, minor_radius=3.0)
        tm = trimesh.util.concatenate([torus, moved(torus, (15, 0, 1))])
    peer = PyTMesh()
    peer.load_array(np.asarray(tm.vertices, dtype=np.float64), np.asarray(tm.faces, np.int32))
    expected = len(peer.select_intersecting_triangles(justproper=True))
    assert expected > 100
    assert len(find_self_intersections(indexed(tm)).faces) == expected


def test_all_broad_phases_find_the_same_pairs(monkeypatch):
    # The box hierarchy that skips certified patches serves welded meshes; the sphere k-d
    # tree and the unpruned box hierarchy serve the rest (soups, sliver walls). On the same
    # input they must agree pair for pair.
    cylinders = [
        trimesh.creation.cylinder(radius=10, height=20, sections=500),
        trimesh.creation.cylinder(radius=5, height=30, sections=300),
    ]
    cases = [
        merged(sphere(), moved(sphere(), (12, 0, 0)), moved(sphere(), (6, 10, 0))),
        indexed(helix_tube(pitch=3.0, tube_radius=2.0)),
        merged(*cylinders),
        merged(box(), moved(box(), (10, 0, 0))),
    ]
    pruned = [find_self_intersections(mesh) for mesh in cases]
    monkeypatch.setattr(intersect, "_PRUNED_SHARE", 2.0)  # never skip patches
    spheres = [find_self_intersections(mesh) for mesh in cases]
    monkeypatch.setattr(intersect, "_SPHERE_PAIRS_PER_FACE", -1)  # always the box tree
    boxes = [find_self_intersections(mesh) for mesh in cases]
    for by_patch, by_sphere, by_box in zip(pruned, spheres, boxes, strict=True):
        assert np.array_equal(by_sphere.face_pairs, by_patch.face_pairs)
        assert np.array_equal(by_sphere.face_pairs, by_box.face_pairs)
    assert [r.is_self_intersecting for r in boxes] == [True, True, True, False]


def test_bounding_spheres_enclose_and_are_no_larger_than_around_the_centroid():
    rng = np.random.default_rng(7)
    tri = rng.uniform(-1, 1, (5000, 3, 3))
    tri[:1000, 2] = tri[:1000, 0] + 1e-3 * (tri[:1000, 1] - tri[:1000, 0])  # slivers
    centers, radius = _broad.bounding_spheres(tri, np.ones(len(tri), dtype=bool))
    corner_distance = np.linalg.norm(tri - centers[:, None], axis=2)
    assert np.all(corner_distance <= radius[:, None])
    around_centroid = np.linalg.norm(tri - tri.mean(axis=1)[:, None], axis=2).max(axis=1)
    assert np.all(radius <= around_centroid * (1 + 1e-6))
    assert np.mean(radius[:1000] / around_centroid[:1000]) < 0.8


def test_finely_divided_cylinder_through_a_box():
    # 2,000 sections: caps are fans of long slivers whose bounding spheres all meet, which
    # switches the search to the box hierarchy.
    cylinder = trimesh.creation.cylinder(radius=10, height=20, sections=2000)
    assert _broad.estimated_sphere_pairs(
        cylinder.triangles_center, [(20.0, np.arange(len(cylinder.faces)))]
    ) > intersect._SPHERE_PAIRS_PER_FACE * len(cylinder.faces)
    alone = find_self_intersections(indexed(cylinder))
    assert not alone.is_self_intersecting
    crossed = find_self_intersections(merged(cylinder, moved(box(), (10, 0, 0))))
    assert crossed.is_self_intersecting
    assert crossed.faces.max() >= len(cylinder.faces)


def test_max_pairs_truncates():
    parts = [sphere(), moved(sphere(), (12, 0, 0))]
    full = find_self_intersections(merged(*parts))
    assert len(full.face_pairs) > 10 and not full.truncated
    cut = find_self_intersections(merged(*parts), max_pairs=5)
    assert cut.truncated and cut.is_self_intersecting
    assert len(cut.face_pairs) == 5
    with pytest.raises(ValueError, match="max_pairs"):
        find_self_intersections(merged(*parts), max_pairs=0)


# --- Patches: pieces that cannot cross themselves ------------------------------------------


def patches_and_candidates(mesh: Mesh, prune: bool = True) -> tuple[np.ndarray, int]:
    """The certified patch of each face, and how many pairs the broad phase hands on."""
    faces = np.asarray(mesh.faces)
    triangles = np.asarray(mesh.vertices, dtype=np.float64)[faces]
    lo, hi = mesh.bounds
    tol = INTERSECT_TOUCH_REL * max(float(np.linalg.norm(hi - lo)), float(np.abs(lo).max()))
    geometry = _exact.face_planes(triangles, tol)
    patch = _patches.certified_patches(triangles, faces, geometry, len(mesh.vertices), tol)
    if not prune:
        patch[:] = -1
    pairs = intersect.candidate_pairs(triangles, geometry.usable, patch, tol)
    return patch, sum(len(a) for a, _ in pairs)


def from_manifold(solid: Manifold) -> Mesh:
    out = solid.to_mesh()
    return Mesh(
        np.asarray(out.vert_properties, dtype=np.float64)[:, :3],
        np.asarray(out.tri_verts, dtype=np.int32),
    )


def square(size: float, offset=(0.0, 0.0), divisions: int = 1, down: bool = False) -> Mesh:
    """A flat square at z = 0 made of 2 * divisions² triangles, facing +z (or -z)."""
    g = np.linspace(0, size, divisions + 1)
    x, y = np.meshgrid(g + offset[0], g + offset[1], indexing="ij")
    vertices = np.stack([x.ravel(), y.ravel(), np.zeros(x.size)], axis=1)
    idx = np.arange(x.size).reshape(x.shape)
    a, b, c, d = idx[:-1, :-1], idx[1:, :-1], idx[1:, 1:], idx[:-1, 1:]
    faces = np.concatenate([np.stack([a, b, c], -1), np.stack([a, c, d], -1)]).reshape(-1, 3)
    if down:
        faces = faces[:, ::-1]
    return Mesh(vertices, faces.astype(np.int32))


def joined(*meshes: Mesh) -> Mesh:
    offsets = np.cumsum([0] + [len(m.vertices) for m in meshes[:-1]])
    return Mesh(
        np.concatenate([m.vertices for m in meshes]),
        np.concatenate([m.faces + o for m, o in zip(meshes, offsets, strict=True)]).astype(
            np.int32
        ),
    )


def test_densely_divided_flat_faces_keep_the_broad_phase_small():
    # A CAD-like L of two long bars, every face split into 900 long slivers (as a refined
    # bracket): the old broad phase handed on ~10 pairs per face, nearly all between coplanar
    # neighbours. Each flat face is now one certified patch; only the seams remain.
    bars = Manifold.cube((60, 4, 2)) + Manifold.cube((4, 40, 2))
    mesh = from_manifold(bars.refine(30))
    assert len(mesh.faces) == 25_200
    patch, pruned = patches_and_candidates(mesh)
    assert np.all(patch >= 0)
    assert len(np.unique(patch)) <= 14  # about one per flat face of the L
    _, unpruned = patches_and_candidates(mesh, prune=False)
    assert unpruned > 5 * len(mesh.faces)
    assert pruned < 0.5 * len(mesh.faces)
    assert not find_self_intersections(mesh).is_self_intersecting


def test_the_sample_bracket_refined_keeps_the_broad_phase_small():
    # The platform's sample part as a 1M-triangle upload of it looks, at 1/40 of the size:
    # every CAD triangle split into 36 slivers of its own shape (refined to 955k faces, the
    # search without patches took over a minute).
    path = Path(__file__).resolve().parents[2] / "samples" / "bracket.stl"
    bracket = weld(load_mesh(path))
    solid = Manifold(
        ManifoldMesh(
            vert_properties=np.asarray(bracket.vertices, dtype=np.float32),
            tri_verts=np.asarray(bracket.faces, dtype=np.uint32),
        )
    )
    mesh = from_manifold(solid.refine(6))
    assert len(mesh.faces) == 36 * len(bracket.faces)
    patch, pruned = patches_and_candidates(mesh)
    assert np.mean(patch >= 0) > 0.99
    _, unpruned = patches_and_candidates(mesh, prune=False)
    assert unpruned > 20 * len(mesh.faces)
    assert pruned < 5 * len(mesh.faces)
    assert not find_self_intersections(mesh).is_self_intersecting


def test_dense_flat_bodies_overlapping_are_still_found():
    # Two such bodies pushed into each other: every patch is certified on its own, and
    # pairs between patches are still tested.
    bar = Manifold.cube((60, 4, 2)).refine(20)
    other = bar.rotate((0, 0, 80)).translate((30.37, -20.13, 1.05))
    mesh = joined(from_manifold(bar), from_manifold(other))
    result = find_self_intersections(mesh)
    assert result.is_self_intersecting
    half = len(mesh.faces) // 2
    assert np.all((result.face_pairs[:, 0] < half) & (result.face_pairs[:, 1] >= half))


@pytest.mark.parametrize("divisions", [2, 12])
def test_coincident_squares_overlapping_by_half_are_found(divisions):
    # Two coplanar squares facing the same way, the second moved by half its width: the
    # surfaces of two overlapping solids. With 12 divisions each square is a certified patch.
    mesh = joined(square(10, divisions=divisions), square(10, (5, 0), divisions=divisions))
    result = find_self_intersections(mesh)
    assert result.is_self_intersecting
    half = len(mesh.faces) // 2
    assert np.all((result.face_pairs[:, 0] < half) & (result.face_pairs[:, 1] >= half))
    # The moved square's left half (5 < x < 10) lies on the first square, its right half
    # beside it.
    moved_faces = result.faces[result.faces >= half] - half
    centres = mesh.triangles[half:][moved_faces].mean(axis=1)
    assert len(moved_faces) == half // 2 and np.all(centres[:, 0] < 10)
    # Facing opposite ways they are two solids in contact, not crossing.
    flipped = joined(square(10, divisions=divisions), square(10, (5, 0), divisions, down=True))
    assert not find_self_intersections(flipped).is_self_intersecting


def spiral_strip(turns: float, overlap: bool, steps_per_turn: int = 120) -> Mesh:
    """A flat strip at z = 0 winding around the origin; with overlap its turns cover each other."""
    width = 2.0
    pitch = 0.5 * width if overlap else 1.5 * width  # radius gained per turn
    theta = np.linspace(0, 2 * np.pi * turns, int(steps_per_turn * turns) + 1)
    radius = 10 + pitch * theta / (2 * np.pi)
    inner = np.stack(
        [(radius - width / 2) * np.cos(theta), (radius - width / 2) * np.sin(theta)], 1
    )
    outer = np.stack(
        [(radius + width / 2) * np.cos(theta), (radius + width / 2) * np.sin(theta)], 1
    )
    vertices = np.concatenate([inner, outer])
    vertices = np.concatenate([vertices, np.zeros((len(vertices), 1))], axis=1)
    n = len(theta)
    i = np.arange(n - 1)
    faces = np.concatenate(
        [np.stack([i, i + 1, n + i + 1], 1), np.stack([i, n + i + 1, n + i], 1)]
    ).astype(np.int32)
    return Mesh(vertices, faces)


def test_a_flat_strip_winding_over_itself_is_not_certified_and_is_found(monkeypatch):
    # One connected patch, every face facing +z, but it is not a graph: its second turn lies
    # on its first. Most overlapping pairs are far from the strip's ends and edges; the
    # border-edge test (the end of the strip crosses its outer edge) keeps them in. Pieces
    # left after cutting out the faces at fault may be certified, never two that overlap.
    clean = spiral_strip(turns=1.8, overlap=False)
    patch, _ = patches_and_candidates(clean)
    assert np.all(patch >= 0) and len(np.unique(patch)) == 1
    assert not find_self_intersections(clean).is_self_intersecting

    wound = spiral_strip(turns=1.8, overlap=True)
    patch, _ = patches_and_candidates(wound)
    assert len(np.unique(patch)) > 1
    result = find_self_intersections(wound)
    a, b = result.face_pairs.T
    assert np.all((patch[a] < 0) | (patch[a] != patch[b]))
    monkeypatch.setattr(intersect, "_PRUNED_SHARE", 2.0)
    monkeypatch.setattr(intersect, "certified_patches", lambda t, f, *_: np.full(len(f), -1))
    unpruned = find_self_intersections(wound)
    assert len(result.face_pairs) > 100
    assert np.array_equal(result.face_pairs, unpruned.face_pairs)


def test_a_flat_fan_winding_twice_is_not_certified():
    # Every edge of the inner vertex is shared, so no border edge is near it; only the turn
    # around the vertex (two full turns) shows that the patch covers its shadow twice.
    n = 24
    angle = np.linspace(0, 4 * np.pi, 2 * n, endpoint=False)
    radius = np.where(np.arange(2 * n) < n, 10.0, 6.0)
    ring = np.stack([radius * np.cos(angle), radius * np.sin(angle), np.zeros(2 * n)], 1)
    vertices = np.vstack([[0, 0, 0], ring])
    faces = np.array([[0, 1 + i, 1 + (i + 1) % (2 * n)] for i in range(2 * n)], dtype=np.int32)
    mesh = Mesh(vertices, faces)
    patch, _ = patches_and_candidates(mesh)
    assert np.all(patch < 0)
    assert find_self_intersections(mesh).is_self_intersecting


def test_finely_divided_spheres_are_a_few_certified_patches():
    for tm in (sphere(subdivisions=5), trimesh.creation.uv_sphere(count=[64, 64])):
        patch, pruned = patches_and_candidates(indexed(tm))
        assert np.mean(patch >= 0) > 0.99
        assert len(np.unique(patch[patch >= 0])) == 6
        _, unpruned = patches_and_candidates(indexed(tm), prune=False)
        assert pruned < 0.2 * unpruned


def crumpled_sphere(seed: int) -> Mesh:
    """A sphere with a few large random dents and bumps and some noise: folded in places."""
    rng = np.random.default_rng(seed)
    tm = sphere(subdivisions=3)
    vertices = tm.vertices.copy()
    for _ in range(4):
        centre = tm.vertices[rng.integers(len(vertices))]
        weight = np.exp(-np.sum((tm.vertices - centre) ** 2, axis=1) / 4.0)
        vertices += weight[:, None] * rng.normal(0, 1, 3) * 5
    vertices += rng.normal(0, 0.2, vertices.shape)
    return Mesh(vertices, np.asarray(tm.faces, dtype=np.int32))


def test_skipping_patches_never_changes_the_answer(monkeypatch):
    # The surface folds through itself in places and is a graph in others. Skipping the
    # certified patches must give exactly the pairs of the search that tests everything.
    meshes = [crumpled_sphere(seed) for seed in range(8)]
    pruned = [find_self_intersections(mesh) for mesh in meshes]
    shares = [np.mean(patches_and_candidates(mesh)[0] >= 0) for mesh in meshes]
    monkeypatch.setattr(intersect, "_PRUNED_SHARE", 2.0)
    monkeypatch.setattr(intersect, "certified_patches", lambda t, f, *_: np.full(len(f), -1))
    for mesh, by_patch in zip(meshes, pruned, strict=True):
        assert np.array_equal(by_patch.face_pairs, find_self_intersections(mesh).face_pairs)
    assert sum(r.is_self_intersecting for r in pruned) >= 4
    assert np.mean(shares) > 0.5


# --- Faces sharing a vertex or an edge ----------------------------------------------------


def test_faces_sharing_one_vertex_can_cross():
    # Two triangles meeting at the origin; the second dips through the first.
    vertices = np.array(
        [[0, 0, 0], [10, -5, 0], [10, 5, 0], [8, -1, -3], [8, 1, 3]], dtype=np.float64
    )
    crossing = Mesh(vertices, np.array([[0, 1, 2], [0, 3, 4]], dtype=np.int32))
    assert find_self_intersections(crossing).face_pairs.tolist() == [[0, 1]]
    vertices[[3, 4], 2] = [1, 3]  # both above: they touch at the origin only
    assert not find_self_intersections(Mesh(vertices, crossing.faces)).is_self_intersecting


def test_faces_sharing_an_edge_are_neighbours_even_when_folded_flat():
    vertices = np.array([[0, 0, 0], [10, 0, 0], [5, 5, 0], [5, 4, 0]], dtype=np.float64)
    folded = Mesh(vertices, np.array([[0, 1, 2], [1, 0, 3]], dtype=np.int32))
    assert not find_self_intersections(folded).is_self_intersecting


def test_a_fan_folded_over_itself_is_tested():
    # A closed cone whose apex fan wraps twice around the axis: every face touches the apex,
    # so only the exact test (not the embedded-fan shortcut) can see the crossing.
    n = 12
    angle = np.linspace(0, 4 * np.pi, 2 * n, endpoint=False)
    ring = np.stack([10 * np.cos(angle), 10 * np.sin(angle), np.zeros_like(angle)], axis=1)
    ring[:, 2] = np.linspace(0, 2, 2 * n, endpoint=False)  # a slight helix, no coincidences
    vertices = np.vstack([[0, 0, 10], ring])
    faces = np.array([[0, 1 + i, 1 + (i + 1) % (2 * n)] for i in range(2 * n)], dtype=np.int32)
    assert find_self_intersections(Mesh(vertices, faces)).is_self_intersecting


# --- Degenerate input -----------------------------------------------------------------------


def test_degenerate_faces_do_not_crash_or_report():
    tm = sphere(subdivisions=2)
    vertices = np.vstack([tm.vertices, [[0, 0, 0], [1, 1, 1], [2, 2, 2]]])
    n = len(tm.vertices)
    extra = np.array(
        [
            [0, 0, 0],  # one vertex three times
            [0, 1, 1],  # an edge twice
            [n, n + 1, n + 2],  # collinear, crossing the sphere's inside
            [n, n, n + 2],
        ],
        dtype=np.int32,
    )
    faces = np.vstack([tm.faces, extra]).astype(np.int32)
    result = find_self_intersections(Mesh(vertices, faces))
    assert not result.is_self_intersecting


def test_empty_tiny_and_flat_meshes():
    empty = Mesh(np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int32))
    assert not find_self_intersections(empty).is_self_intersecting
    one = Mesh(np.eye(3), np.array([[0, 1, 2]], dtype=np.int32))
    assert not find_self_intersections(one).is_self_intersecting
    point = Mesh(np.zeros((3, 3)), np.array([[0, 1, 2], [2, 1, 0]], dtype=np.int32))
    assert not find_self_intersections(point).is_self_intersecting


# --- The exact pair test ----------------------------------------------------------------


def test_triangles_cross_cases():
    tri = np.array([[0, 0, 0], [10, 0, 0], [0, 10, 0]], dtype=np.float64)
    through = np.array([[2, 2, -1], [2, 2, 1], [6, 6, 1]], dtype=np.float64)
    resting = np.array([[2, 2, 0], [2, 2, 5], [6, 6, 5]], dtype=np.float64)  # corner on face
    standing = np.array([[2, 2, 0], [5, 2, 0], [3, 3, 5]], dtype=np.float64)  # edge on face
    beside = np.array([[20, 0, -1], [20, 0, 1], [25, 5, 1]], dtype=np.float64)
    coplanar_same = np.array([[2, 2, 0], [12, 2, 0], [2, 12, 0]], dtype=np.float64)
    coplanar_flipped = coplanar_same[[0, 2, 1]]
    coplanar_apart = coplanar_same + np.array([10, 10, 0])
    coplanar_edge = np.array([[10, 0, 0], [0, 10, 0], [10, 10, 0]], dtype=np.float64)
    others = [
        through,
        resting,
        standing,
        beside,
        coplanar_same,
        coplanar_flipped,
        coplanar_apart,
        coplanar_edge,
    ]
    result = triangles_cross(np.repeat(tri[None], len(others), 0), np.array(others), 1e-9)
    assert result.tolist() == [True, False, False, False, True, False, False, False]
    # Symmetric in its two arguments.
    swapped = triangles_cross(np.array(others), np.repeat(tri[None], len(others), 0), 1e-9)
    assert swapped.tolist() == result.tolist()


def _segment_pierces(p, q, tri) -> bool:
    """Reference: does segment pq pass through the triangle's interior (generic position)?"""
    a, b, c = tri
    n = np.cross(b - a, c - a)
    dp, dq = np.dot(p - a, n), np.dot(q - a, n)
    if dp * dq >= 0:
        return False
    x = p + (q - p) * dp / (dp - dq)
    signs = [np.dot(np.cross(v1 - v0, x - v0), n) for v0, v1 in ((a, b), (b, c), (c, a))]
    return all(s > 0 for s in signs) or all(s < 0 for s in signs)


def _reference_cross(t1, t2) -> bool:
    """Two triangles in generic position cross iff an edge of one pierces the other."""
    return any(
        _segment_pierces(s[i], s[(i + 1) % 3], o) for s, o in ((t1, t2), (t2, t1)) for i in range(3)
    )


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_triangles_cross_matches_a_reference_on_random_pairs(seed):
    rng = np.random.default_rng(seed)
    t1 = rng.uniform(-1, 1, (200, 3, 3))
    t2 = rng.uniform(-1, 1, (200, 3, 3))
    expected = [_reference_cross(a, b) for a, b in zip(t1, t2, strict=True)]
    assert triangles_cross(t1, t2, 1e-12).tolist() == expected


# --- Real models and scale --------------------------------------------------------------


def test_prusaslicer_shapes(prusa_shapes):
    """None of PrusaSlicer's gallery shapes crosses itself; multi-body ones do not overlap."""
    report = {}
    for path in sorted(prusa_shapes.glob("*.stl")):
        tm = trimesh.load_mesh(path)
        result = find_self_intersections(indexed(tm))
        report[path.name] = result.is_self_intersecting
        bodies = tm.split(only_watertight=False)
        if len(bodies) > 1:
            # manifold3d's exact union as the independent judge for multi-body parts.
            assert (overlap_volume(list(bodies)) > 1e-3) == result.is_self_intersecting, path
    assert len(report) == 13
    assert not any(report.values()), report


@pytest.mark.slow
def test_a_large_sphere_is_clean_and_a_moved_copy_is_found():
    big = sphere(radius=20, subdivisions=7)  # 327,680 faces
    assert not find_self_intersections(indexed(big)).is_self_intersecting
    parts = [big, moved(sphere(radius=5, subdivisions=3), (0, 0, 22))]
    result = find_self_intersections(merged(*parts))
    assert result.is_self_intersecting
    assert result.faces.max() >= len(big.faces)
