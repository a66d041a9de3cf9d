"""Reading any model file: format by content, limits before reading, files that cannot be read."""

from __future__ import annotations

import os

import numpy as np
import pytest

from printhub.geometry.errors import (
    EmptyMeshError,
    GeometryError,
    MeshFormatError,
    MeshTooLargeError,
    UnreadableFileError,
    UnsupportedFormatError,
)
from printhub.geometry.io import FORMATS, load_mesh, load_model, parse_model
from printhub.geometry.limits import Limits
from printhub.geometry.mesh import Mesh
from tests.geometry.io_samples import (
    CUBE_FACES,
    CUBE_VERTICES,
    ascii_stl,
    binary_stl,
    cube_3mf,
    cube_triangles,
    ply,
)

CUBE_OBJ = (
    "".join(f"v {x} {y} {z}\n" for x, y, z in CUBE_VERTICES.tolist())
    + "".join(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in CUBE_FACES.tolist())
).encode()

SAMPLES = {
    "stl-binary": binary_stl(cube_triangles()),
    "stl-ascii": ascii_stl({"cube": cube_triangles()}),
    "obj": CUBE_OBJ,
    "ply-ascii": ply(CUBE_VERTICES, CUBE_FACES.tolist(), "ascii"),
    "ply-binary": ply(CUBE_VERTICES, CUBE_FACES.tolist(), "binary_big_endian"),
    "3mf": cube_3mf(),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("misleading_name", ["model.stl", "model.obj", "model.3mf", "model"])
def test_format_is_decided_by_content_not_name(tmp_path, fmt, misleading_name):
    path = tmp_path / misleading_name
    path.write_bytes(SAMPLES[fmt])
    model = load_model(path)
    assert model.format == fmt
    assert model.name == misleading_name
    assert model.mesh.triangle_count == 12
    assert model.mesh.faces.dtype == np.int32
    np.testing.assert_allclose(model.mesh.bounds, [[0, 0, 0], [1, 1, 1]], rtol=1e-6)
    in_memory = parse_model(SAMPLES[fmt], misleading_name)
    np.testing.assert_array_equal(in_memory.mesh.triangles, model.mesh.triangles)


def test_load_mesh_returns_the_mesh(tmp_path):
    path = tmp_path / "cube.stl"
    path.write_bytes(SAMPLES["stl-binary"])
    mesh = load_mesh(path)
    assert isinstance(mesh, Mesh) and mesh.triangle_count == 12


def test_parse_model_accepts_bytearray_and_memoryview():
    for data in (bytearray(SAMPLES["obj"]), memoryview(SAMPLES["stl-binary"])):
        assert parse_model(data, "x").mesh.triangle_count == 12


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n", "this is an OFF mesh"),
        (b"ISO-10303-21;\nHEADER;\n", "this is a STEP file"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "this is a PNG image"),
        (b"<?xml version='1.0'?><amf unit='millimeter'></amf>", "XML file but not a 3MF"),
        (b"hello, this is just text\n", "not a model file"),
        (bytes(range(7, 200)), "not a model file"),
    ],
)
def test_unsupported_content_names_the_supported_formats(content, expected):
    with pytest.raises(UnsupportedFormatError, match=expected) as err:
        parse_model(content, "upload.bin")
    assert "STL (binary or ASCII), OBJ, PLY or 3MF" in str(err.value)
    assert str(err.value).startswith("upload.bin: ")


def test_binary_data_named_stl_with_a_wrong_size_reports_the_sizes():
    data = SAMPLES["stl-binary"][:-7]
    with pytest.raises(MeshFormatError, match="needs 684 bytes, but the file has 677"):
        parse_model(data, "cut.stl")


def test_empty_file_is_empty(tmp_path):
    path = tmp_path / "nothing.obj"
    path.write_bytes(b"")
    with pytest.raises(EmptyMeshError, match=r"nothing\.obj: the file is empty"):
        load_model(path)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.stl"
    path.write_bytes(SAMPLES["stl-binary"])

    def refuse(*args, **kwargs):  # pragma: no cover - reached only on failure
        raise AssertionError("the file was opened")

    monkeypatch.setattr("builtins.open", refuse)
    with pytest.raises(MeshTooLargeError, match="684 bytes; files up to 100 bytes"):
        load_model(path, Limits(max_file_bytes=100))
    with pytest.raises(MeshTooLargeError):
        parse_model(SAMPLES["obj"], "big.obj", Limits(max_file_bytes=100))


def test_missing_file_and_directory_are_unreadable(tmp_path):
    with pytest.raises(UnreadableFileError, match=r"ghost\.stl: no such file"):
        load_model(tmp_path / "ghost.stl")
    with pytest.raises(UnreadableFileError, match="is a directory"):
        load_model(tmp_path)
    with pytest.raises(UnreadableFileError, match="not a regular file"):
        load_model("/dev/zero")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without permission")
def test_unreadable_file(tmp_path):  # pragma: no cover - CI runs as root
    path = tmp_path / "secret.stl"
    path.write_bytes(SAMPLES["stl-binary"])
    path.chmod(0)
    with pytest.raises(UnreadableFileError, match="cannot read"):
        load_model(path)


def test_every_error_is_a_geometry_error_with_the_file_name():
    for data in (b"", b"solid x\n", b"ply\n", b"PK\x03\x04junk", b"v 1 2 3\nf 1 2 3\n"):
        with pytest.raises(GeometryError) as err:
            parse_model(data, "named.file")
        assert str(err.value).startswith("named.file: ")


@pytest.mark.parametrize("name", ["empty.stl", "empty.obj", "empty.ply", "empty.3mf"])
def test_empty_input_is_empty_whatever_its_name(name):
    with pytest.raises(EmptyMeshError, match="the file is empty"):
        parse_model(b"", name)


def test_assimp_invalid_folder_gives_only_clean_errors(assimp_models):
    paths = sorted((assimp_models / "invalid").iterdir())
    assert len(paths) >= 10
    for path in paths:
        with pytest.raises(GeometryError) as err:
            load_model(path)
        assert str(err.value).startswith(f"{path.name}: ")
