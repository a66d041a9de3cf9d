"""PLY reading: encodings, property types, skipped elements, hostile headers, real files."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import trimesh

from printhub.geometry.errors import EmptyMeshError, MeshFormatError, MeshTooLargeError
from printhub.geometry.io import load_model, parse_model
from printhub.geometry.limits import Limits
from tests.geometry.io_samples import CUBE_FACES, CUBE_QUADS, CUBE_VERTICES, ply, signed_volume

ENCODINGS = ["ascii", "binary_little_endian", "binary_big_endian"]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("coord_type", ["f4", "f8", "i2", "u1", "i4"])
def test_cube_in_every_encoding_and_coordinate_type(encoding, coord_type):
    model = parse_model(ply(CUBE_VERTICES, CUBE_FACES.tolist(), encoding, coord_type), "c.ply")
    assert model.format == ("ply-ascii" if encoding == "ascii" else "ply-binary")
    assert model.mesh.vertices.dtype == np.float64
    assert model.mesh.faces.dtype == np.int32
    np.testing.assert_array_equal(model.mesh.vertices, CUBE_VERTICES)
    np.testing.assert_array_equal(model.mesh.faces, CUBE_FACES)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(
    ("count_type", "index_type"), [("u1", "i4"), ("u1", "u4"), ("i4", "i4"), ("u2", "u2")]
)
@pytest.mark.parametrize("list_name", ["vertex_indices", "vertex_index"])
def test_face_list_types_and_names(encoding, count_type, index_type, list_name):
    data = ply(CUBE_VERTICES, CUBE_QUADS.tolist(), encoding, count_type=count_type,
               index_type=index_type, list_name=list_name)  # fmt: skip
    model = parse_model(data, "quads.ply")
    assert model.mesh.triangle_count == 12
    assert signed_volume(model.mesh.triangles) == pytest.approx(1.0)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_other_properties_elements_and_lists_are_skipped(encoding):
    # Mixed triangles and quads force the record-by-record walk in binary files.
    polygons = [*CUBE_QUADS[:2].tolist(), *CUBE_FACES[4:].tolist()]
    data = ply(
        CUBE_VERTICES,
        polygons,
        encoding,
        vertex_extra=(("nx", "f4"), ("red", "u1"), ("quality", "f8")),
        face_extra_before=(("flags", "i4"), ("material", "u1")),
        face_extra_list=True,
        other_elements=("edge_set", "material_group"),
    )
    model = parse_model(data, "rich.ply")
    np.testing.assert_array_equal(model.mesh.vertices, CUBE_VERTICES)
    assert model.mesh.triangle_count == 12
    assert signed_volume(model.mesh.triangles) == pytest.approx(1.0)


def test_face_element_before_vertex_element():
    header = (
        b"ply\nformat ascii 1.0\nelement face 1\nproperty list uchar int vertex_indices\n"
        b"element vertex 3\nproperty float x\nproperty float y\nproperty float z\nend_header\n"
    )
    model = parse_model(header + b"3 0 1 2\n0 0 0\n1 0 0\n0 1 0\n", "reordered.ply")
    np.testing.assert_array_equal(model.mesh.faces, [[0, 1, 2]])


def test_crlf_header_and_unknown_header_lines():
    data = ply(CUBE_VERTICES, CUBE_FACES.tolist(), "ascii").replace(b"\n", b"\r\n")
    data = data.replace(b"comment made by", b"Created by an exporter that forgot 'comment'")
    model = parse_model(data, "windows.ply")
    assert model.mesh.triangle_count == 12


def test_matches_trimesh_export(tmp_path):
    sphere = trimesh.creation.icosphere(subdivisions=4)
    for encoding in ("binary", "ascii"):
        path = tmp_path / f"sphere_{encoding}.ply"
        path.write_bytes(trimesh.exchange.ply.export_ply(sphere, encoding=encoding))
        model = load_model(path)
        np.testing.assert_allclose(model.mesh.vertices, sphere.vertices, rtol=1e-6)
        np.testing.assert_array_equal(model.mesh.faces, sphere.faces)


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_header_claiming_a_billion_faces_fails_without_allocating(encoding):
    data = ply(CUBE_VERTICES, CUBE_FACES.tolist(), encoding, face_count=1_000_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(MeshTooLargeError, match="1000000000 faces"):
            parse_model(data, "huge.ply")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_header_claiming_more_faces_than_the_body_holds_is_truncated(encoding):
    data = ply(CUBE_VERTICES, CUBE_FACES.tolist(), encoding, face_count=5_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(MeshFormatError, match=r"5000000 'face' records.*truncated"):
            parse_model(data, "liar.ply")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_truncated_body_is_refused(encoding):
    data = ply(CUBE_VERTICES, CUBE_QUADS.tolist(), encoding)
    with pytest.raises(MeshFormatError, match=r"ends inside the 'face' records|truncated"):
        parse_model(data[:-12], "cut.ply")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_face_pointing_to_a_missing_vertex_is_refused(encoding):
    faces = CUBE_FACES.tolist()
    faces[5][1] = 8
    with pytest.raises(MeshFormatError, match="face 5 refers to vertex 8, but the file has 8"):
        parse_model(ply(CUBE_VERTICES, faces, encoding), "bad.ply")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_nan_coordinate_is_refused(encoding):
    vertices = CUBE_VERTICES.copy()
    vertices[3, 1] = np.nan
    with pytest.raises(MeshFormatError, match=r"vertex 3 .*not a finite number"):
        parse_model(ply(vertices, CUBE_FACES.tolist(), encoding), "nan.ply")


@pytest.mark.parametrize(
    ("damage", "error", "expected"),
    [
        (lambda d: d.replace(b"end_header", b"end_heaver"), MeshFormatError, "no 'end_header'"),
        (lambda d: d.replace(b"format ascii 1.0\n", b""), MeshFormatError, "no 'format' line"),
        (lambda d: d.replace(b"ascii 1.0", b"utf8 1.0"), MeshFormatError, "unknown PLY format"),
        (lambda d: d.replace(b"element face 12", b"element face many"), MeshFormatError,
         "expected 'element <name> <count>'"),
        (lambda d: d.replace(b"property float y", b"property quaternion y"), MeshFormatError,
         "expected 'property <type> <name>'"),
        (lambda d: d.replace(b"property float x", b"property float u"), MeshFormatError,
         "no numeric 'x' property"),
        (lambda d: d.replace(b"vertex_indices", b"corners"), MeshFormatError,
         "no 'vertex_indices'"),
        (lambda d: d.replace(b"list uchar", b"list float"), MeshFormatError,
         "list length must be an integer"),
        (lambda d: d.replace(b"\n3 0 2 1", b"\n3 0 2 x"), MeshFormatError,
         "line 19: 'x' is not a number"),
        (lambda d: d.replace(b"\n3 0 2 1", b"\n3 0 2 1.5"), MeshFormatError, "not an integer"),
        (lambda d: d.replace(b"\n3 0 2 1", b"\n2 0 2 1"), MeshFormatError,
         "a face needs at least 3"),
        (lambda d: d.replace(b"element face 12", b"element face 0"), EmptyMeshError,
         "no faces"),
        (lambda d: d + b"7\n", MeshFormatError, "1 more values than the header declares"),
    ],
)  # fmt: skip
def test_broken_ascii_ply_is_refused(damage, error, expected):
    data = ply(CUBE_VERTICES, CUBE_FACES.tolist(), "ascii", coord_type="f4")
    with pytest.raises(error, match=expected) as err:
        parse_model(damage(data), "broken.ply")
    assert str(err.value).startswith("broken.ply: ")


@pytest.mark.parametrize("count_type", ["u4", "i4", "u2"])
def test_huge_binary_list_length_is_truncation(count_type):
    data = bytearray(ply(CUBE_VERTICES, CUBE_FACES.tolist(), count_type=count_type))
    first_face = data.index(b"end_header\n") + len(b"end_header\n") + 8 * 3 * 4
    size = np.dtype(count_type).itemsize
    data[first_face : first_face + size] = b"\xff" * (size - 1) + b"\x7f"
    with pytest.raises(MeshFormatError, match="ends inside the 'face' records"):
        parse_model(bytes(data), "long.ply")


def test_negative_binary_list_length_is_refused():
    data = ply(CUBE_VERTICES, [[0, 1, 2], [0, 2, 3, 1]], count_type="i1")
    # The second face's length byte is the last record's first byte: make it -1.
    at = len(data) - (1 + 4 * 4)
    data = data[:at] + b"\xff" + data[at + 1 :]
    with pytest.raises(MeshFormatError, match="negative list length"):
        parse_model(data, "negative.ply")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_elements_without_properties_take_no_space(encoding):
    data = ply(CUBE_VERTICES, CUBE_FACES.tolist(), encoding)
    data = data.replace(b"element face", b"element nothing 4000000000\nelement face")
    assert parse_model(data, "odd.ply").mesh.triangle_count == 12


def test_walking_varying_lists_is_bounded():
    header = (
        b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\n"
        b"property float z\nelement junk 20\nproperty list uchar int ids\n"
        b"element face 1\nproperty list uchar int vertex_indices\nend_header\n"
    )
    junk = b"".join(b"%d %s\n" % (i % 3, b" 7" * (i % 3)) for i in range(20))
    data = header + b"0 0 0\n1 0 0\n0 1 0\n" + junk + b"3 0 1 2\n"
    assert parse_model(data, "junk.ply").mesh.triangle_count == 1
    with pytest.raises(MeshTooLargeError, match="'junk' element has 20 records"):
        parse_model(data, "junk.ply", Limits(max_triangles=5))


def test_point_cloud_is_empty():
    data = b"ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\n"
    data += b"property float z\nend_header\n0 0 0\n1 1 1\n"
    with pytest.raises(EmptyMeshError, match="2 vertices: a point cloud"):
        parse_model(data, "cloud.ply")


def test_ply_faces_over_the_triangle_limit():
    with pytest.raises(MeshTooLargeError, match="12 faces; the limit is 11"):
        parse_model(ply(CUBE_VERTICES, CUBE_FACES.tolist()), "c.ply", Limits(max_triangles=11))
    with pytest.raises(MeshTooLargeError, match="make 12 triangles; the limit is 10"):
        parse_model(ply(CUBE_VERTICES, CUBE_QUADS.tolist()), "q.ply", Limits(max_triangles=10))


# --- real files ---------------------------------------------------------------------------

ASSIMP_PLY = {
    "Wuson.ply": 3732,
    "cube.ply": 12,
    "cube_binary.ply": 12,
    "cube_uv.ply": 12,
    "float-color.ply": 1,
}
ASSIMP_PLY_REFUSED = {
    "issue623.ply": (EmptyMeshError, "no faces"),
    "points.ply": (EmptyMeshError, "no faces"),
    "pond.0.ply": (EmptyMeshError, "no faces"),  # a (truncated) point cloud
}


def test_every_assimp_ply_file_loads_or_is_refused_cleanly(assimp_models):
    names = {p.name for p in (assimp_models / "PLY").glob("*.ply")}
    assert names == set(ASSIMP_PLY) | set(ASSIMP_PLY_REFUSED)
    for name, triangles in ASSIMP_PLY.items():
        model = load_model(assimp_models / "PLY" / name)
        assert model.mesh.triangle_count == triangles, name
        assert np.isfinite(model.mesh.vertices).all()
        reference = trimesh.load(assimp_models / "PLY" / name, process=False)
        np.testing.assert_allclose(model.mesh.vertices, reference.vertices, rtol=1e-6)
    for name, (error, text) in ASSIMP_PLY_REFUSED.items():
        with pytest.raises(error, match=text):
            load_model(assimp_models / "PLY" / name)


def test_assimp_empty_ply_is_refused(assimp_models):
    with pytest.raises(EmptyMeshError, match="empty"):
        load_model(assimp_models / "invalid" / "empty.ply")
