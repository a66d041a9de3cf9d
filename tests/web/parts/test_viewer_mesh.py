"""The viewer mesh: the file's faces in the file's order, so report face i is viewer face i."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from printhub.geometry.io import load_model
from printhub.geometry.io.stl import STL_RECORD

from .conftest import SAMPLES


def read_binary_stl(data: bytes) -> np.ndarray:
    """(m, 3, 3) float32 corners of a binary STL, in file order."""
    count = int(np.frombuffer(data, dtype="<u4", count=1, offset=80)[0])
    assert len(data) == 84 + 50 * count
    return np.frombuffer(data, dtype=STL_RECORD, count=count, offset=84)["corners"]


def test_binary_stl_viewer_mesh_has_the_uploads_triangles_byte_for_byte(
    bunny, client_for, prusa_shapes
):
    response = client_for("citizen").get(f"/models/{bunny.id}/viewer.stl")
    assert response.status_code == 200
    assert response["Content-Type"] == "model/stl"
    viewer = read_binary_stl(b"".join(response.streaming_content))
    original = read_binary_stl((prusa_shapes / "bunny.stl").read_bytes())
    assert viewer.tobytes() == original.tobytes()  # same faces, same order, same bits


@pytest.mark.parametrize("relative", ["OBJ/box.obj", "3MF/box.3mf", "PLY/cube.ply"])
def test_indexed_formats_are_unrolled_in_face_order(upload_as, assimp_models, relative):
    model = upload_as("citizen", assimp_models / relative)
    model.refresh_from_db()
    viewer = read_binary_stl(Path(model.viewer_mesh.path).read_bytes())
    expected = load_model(assimp_models / relative).mesh.triangles.astype(np.float32)
    assert viewer.shape == expected.shape
    assert np.array_equal(viewer, expected)


def test_problem_faces_point_at_the_right_viewer_faces(broken_box):
    """The faces the report lists as open are, in the viewer mesh, the ones beside the hole."""
    broken_box.refresh_from_db()
    triangles = read_binary_stl(Path(broken_box.viewer_mesh.path).read_bytes()).astype(float)
    # Edges (as sorted corner pairs) used by exactly one face are the hole's rim.
    edges: dict[tuple, list[int]] = {}
    for face, tri in enumerate(triangles):
        for a, b in ((0, 1), (1, 2), (2, 0)):
            key = tuple(sorted((tuple(tri[a]), tuple(tri[b]))))
            edges.setdefault(key, []).append(face)
    rim = {faces[0] for faces in edges.values() if len(faces) == 1}
    problem = next(p for p in broken_box.report["problems"] if p["code"] == "not_watertight")
    assert set(problem["faces"]) == rim
    # And the sample on disk is what was uploaded.
    original = load_model(SAMPLES / "broken_box.stl").mesh.triangles.astype(np.float32)
    assert np.array_equal(triangles.astype(np.float32), original)
