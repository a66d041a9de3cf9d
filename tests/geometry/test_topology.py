import numpy as np
import trimesh

from printhub.geometry.mesh import Mesh
from printhub.geometry.topology import (
    duplicate_faces,
    edge_report,
    face_components,
    faces_on_bad_edges,
    weld,
)
from tests.geometry.meshes import box, concatenate, soup


def test_weld_merges_shared_corners_of_a_soup():
    welded = weld(soup(box()))
    assert len(welded.vertices) == 8
    assert len(welded.faces) == 12
    assert welded.faces.dtype == np.int32


def test_weld_keeps_face_order_and_geometry():
    tm = trimesh.creation.icosphere(subdivisions=2)
    mesh = soup(tm)
    welded = weld(mesh)
    np.testing.assert_array_equal(welded.vertices[welded.faces], mesh.vertices[mesh.faces])


def test_weld_treats_negative_zero_as_zero():
    triangles = np.array(
        [[[0.0, 0, 0], [1, 0, 0], [0, 1, 0]], [[-0.0, 0, 0], [0, 1, 0], [1, 0, 0]]],
        dtype=np.float32,
    )
    assert len(weld(Mesh.from_triangles(triangles)).vertices) == 3


def test_weld_drops_unreferenced_vertices():
    vertices = np.array([[0, 0, 0], [9, 9, 9], [1, 0, 0], [0, 1, 0]], dtype=float)
    welded = weld(Mesh(vertices, np.array([[0, 2, 3]], dtype=np.int32)))
    assert len(welded.vertices) == 3
    assert not np.any(np.all(welded.vertices == 9, axis=1))


def test_closed_box_is_watertight_and_consistent():
    report = edge_report(weld(soup(box())))
    assert report.is_watertight and report.is_winding_consistent
    assert report.edges == 18


def test_open_box_has_boundary_edges_located_on_its_rim():
    tm = box()
    mesh = weld(soup(tm))
    open_mesh = Mesh(mesh.vertices, mesh.faces[2:])  # drop one side (two triangles)
    report = edge_report(open_mesh)
    assert report.boundary_edges == 4
    assert not report.is_watertight
    located = faces_on_bad_edges(open_mesh)
    assert 0 < len(located["boundary"]) <= 8


def test_flipped_face_makes_winding_inconsistent():
    mesh = weld(soup(box()))
    faces = mesh.faces.copy()
    faces[3] = faces[3, ::-1]
    report = edge_report(Mesh(mesh.vertices, faces))
    assert report.is_watertight
    assert not report.is_winding_consistent
    assert 3 in faces_on_bad_edges(Mesh(mesh.vertices, faces))["misoriented"]


def test_three_faces_on_one_edge_are_non_manifold():
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1]], dtype=float)
    faces = np.array([[0, 1, 2], [1, 0, 3], [0, 1, 4]], dtype=np.int32)
    assert edge_report(Mesh(vertices, faces)).non_manifold_edges == 1


def test_components_count_separate_shells():
    a = box(center=(0, 0, 0))
    b = box(center=(50, 0, 0))
    c = trimesh.creation.icosphere()
    c.apply_translation((0, 80, 0))
    count, labels = face_components(weld(soup(concatenate(a, b, c))))
    assert count == 3
    assert labels[0] == 0
    assert np.bincount(labels).tolist() == [12, 12, len(c.faces)]


def test_duplicate_faces_found_in_either_winding():
    mesh = weld(soup(box()))
    faces = np.vstack([mesh.faces, mesh.faces[[4]], mesh.faces[[7], ::-1]])
    assert duplicate_faces(faces).tolist() == [12, 13]
    assert len(duplicate_faces(mesh.faces)) == 0


def test_welding_stays_exact_when_hashes_collide(monkeypatch):
    """Rows whose hashes collide (forced: every hash equal) are still grouped exactly."""
    from printhub.geometry import topology

    rng = np.random.default_rng(3)
    points = rng.integers(0, 4, size=(60, 3)).astype(float)  # many exact duplicates
    faces = np.arange(60, dtype=np.int32).reshape(20, 3)
    hashed = topology.weld(Mesh(points, faces))
    monkeypatch.setattr(topology, "hash_rows", lambda columns: np.zeros(60, np.uint64))
    collided = topology.weld(Mesh(points, faces))
    # The same corners for every face, and one vertex per distinct point.
    assert np.array_equal(hashed.vertices[hashed.faces], collided.vertices[collided.faces])
    assert np.array_equal(hashed.vertices[hashed.faces], points.reshape(20, 3, 3))
    assert len(hashed.vertices) == len(collided.vertices) == len(np.unique(points, axis=0))


def test_integer_coordinates_get_distinct_hashes():
    """Coordinates like 2.0 have all-zero low bits; the hash must still tell them apart
    (else welding falls back to the slow exact grouping on many CAD exports, and section
    contours of distinct edges were chained together)."""
    from printhub.geometry.hashing import float_bits, hash_rows

    grid = np.stack(np.meshgrid(*[np.arange(40.0)] * 3), axis=-1).reshape(-1, 3)
    hashes = hash_rows(float_bits(grid[:, a]) for a in range(3))
    assert len(np.unique(hashes)) == len(grid)
