import numpy as np
import pytest
import trimesh

from printhub.geometry.analysis import AnalysisOptions, analyze
from printhub.geometry.errors import RepairError
from printhub.geometry.mesh import Mesh
from printhub.geometry.repair import merge_close_vertices, orient_consistently, repair
from printhub.geometry.topology import edge_report, face_components
from tests.geometry.meshes import box, concatenate, from_trimesh, helix_tube, soup

FAST = AnalysisOptions(check_self_intersections=False, check_thickness=False)


def volume(mesh: Mesh) -> float:
    return analyze(mesh, FAST).volume_mm3


def test_clean_model_is_left_unchanged():
    mesh = soup(box())
    repaired, report = repair(mesh)
    assert not report.changed
    assert volume(repaired) == pytest.approx(6000)


def test_randomly_flipped_faces_are_made_consistent():
    sphere = trimesh.creation.icosphere(subdivisions=4, radius=10)
    faces = sphere.faces.copy()
    flip = np.random.default_rng(1).random(len(faces)) < 0.3
    faces[flip] = faces[flip][:, ::-1]
    fixed, flipped = orient_consistently(faces.astype(np.int32))
    assert flipped == min(flip.sum(), len(faces) - flip.sum())
    assert edge_report(Mesh(sphere.vertices, fixed)).is_winding_consistent


def test_inverted_model_is_turned_outwards():
    mesh = soup(box())
    repaired, report = repair(Mesh(mesh.vertices, mesh.faces[:, ::-1].copy()))
    assert report.changes.get("flipped_bodies") == 1
    after = analyze(repaired, FAST)
    assert not after.is_inverted
    assert after.volume_mm3 == pytest.approx(6000)


def test_hollow_box_keeps_its_cavity_pointing_inwards():
    outer = box((20, 20, 20))
    inner = box((10, 10, 10))  # wrongly wound outwards: a cavity must face in
    repaired, report = repair(soup(concatenate(outer, inner)))
    assert report.changes.get("flipped_bodies") == 1
    assert volume(repaired) == pytest.approx(7000)


def test_hole_is_filled_and_every_body_is_kept():
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=10)
    holed = trimesh.Trimesh(sphere.vertices, sphere.faces[5:])
    parts = [holed, box((5, 5, 5), (40, 0, 0)), box((5, 5, 5), (0, 40, 0))]
    repaired, report = repair(from_trimesh(concatenate(*parts)))
    assert report.changes["rebuilt_bodies"] == 1
    assert report.bodies_before == report.bodies_after == 3
    after = analyze(repaired, FAST)
    assert after.is_watertight and after.is_winding_consistent
    assert after.volume_mm3 == pytest.approx(sphere.volume + 250, rel=1e-3)
    assert not report.unrepaired


def test_overlapping_bodies_are_united():
    parts = [box((10, 10, 10)), box((10, 10, 10), (5, 5, 5)), box((10, 10, 10), (50, 0, 0))]
    repaired, report = repair(soup(concatenate(*parts)))
    assert report.changes["united_overlapping_bodies"] == 2
    assert report.bodies_after == 2
    assert volume(repaired) == pytest.approx(1000 + 875 + 1000)
    full = analyze(repaired)
    assert full.is_self_intersecting is False


def test_degenerate_and_duplicate_faces_are_removed():
    mesh = from_trimesh(box())
    faces = np.vstack([mesh.faces, mesh.faces[:2], [[0, 0, 1]]]).astype(np.int32)
    repaired, report = repair(Mesh(mesh.vertices, faces))
    assert report.changes["removed_duplicate_faces"] == 2
    assert report.changes["removed_degenerate_faces"] == 1
    assert len(repaired.faces) == 12


def test_cracks_of_nanometres_are_closed():
    mesh = soup(box(), dtype=np.float64)
    shaken = mesh.vertices + np.random.default_rng(2).normal(0, 1e-7, mesh.vertices.shape)
    cracked = Mesh(shaken, mesh.faces)
    assert not analyze(cracked, FAST).is_watertight
    merged, count = merge_close_vertices(cracked)
    assert count == 36 - 8
    assert len(merged.vertices) == 8
    repaired, report = repair(cracked)
    assert analyze(repaired, FAST).is_watertight
    assert report.changes["merged_vertices"] == 28


def test_solids_touching_at_a_corner_and_crossing_are_united():
    a = box((40, 4, 4))
    b = box((4, 40, 4), (10, 0, 0))
    joined = concatenate(a, b)
    # Merge one corner of each box: one body by vertices, two shells by edges.
    b_corner = len(a.vertices) + int(np.argmin(np.linalg.norm(b.vertices - a.vertices[0], axis=1)))
    vertices = joined.vertices.copy()
    vertices[b_corner] = vertices[0]
    faces = np.where(joined.faces == b_corner, 0, joined.faces).astype(np.int32)
    mesh = Mesh(vertices, faces)
    assert face_components(mesh)[0] == 1
    repaired, report = repair(mesh)
    assert report.changes["united_overlapping_bodies"] == 2
    after = analyze(repaired, AnalysisOptions(check_thickness=False))
    assert after.is_watertight and after.is_self_intersecting is False


def test_shell_through_itself_is_rebuilt():
    tube = helix_tube(pitch=3.0)  # one shell whose turns cross each other
    mesh = from_trimesh(tube)
    assert analyze(mesh, AnalysisOptions(check_thickness=False)).is_self_intersecting
    repaired, report = repair(mesh)
    assert report.changes["rebuilt_bodies"] == 1
    after = analyze(repaired, AnalysisOptions(check_thickness=False))
    assert after.is_watertight and after.is_winding_consistent
    assert after.is_self_intersecting is False
    assert after.volume_mm3 == pytest.approx(tube.volume, rel=0.25)  # overlap counted once


def test_empty_mesh_cannot_be_repaired():
    with pytest.raises(RepairError):
        repair(Mesh(np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int32)))


def test_one_flipped_face_is_reported_as_one():
    mesh = soup(box())
    faces = mesh.faces.copy()
    faces[0] = faces[0, ::-1]
    _, report = repair(Mesh(mesh.vertices, faces))
    assert report.changes == {"flipped_faces": 1}
