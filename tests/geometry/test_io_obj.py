"""OBJ reading: statement forms, objects and groups, encodings, errors, real files."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from printhub.geometry.errors import EmptyMeshError, MeshFormatError, MeshTooLargeError
from printhub.geometry.io import load_model, parse_model
from printhub.geometry.limits import Limits
from tests.geometry.io_samples import CUBE_FACES, CUBE_QUADS, CUBE_VERTICES, signed_volume


def cube_obj(face_form="{v}", quads=False, negative=False) -> str:
    """A unit cube as OBJ text; face_form formats one corner from its 1-based index v."""
    lines = ["# a cube", "mtllib cube.mtl", "o cube"]
    lines += [f"v {x} {y} {z}" for x, y, z in CUBE_VERTICES.tolist()]
    lines += ["vt 0 0", "vt 1 0", "vt 1 1", "vn 0 0 1", "usemtl red", "s off"]
    for face in CUBE_QUADS if quads else CUBE_FACES:
        corners = [(i - 8) if negative else (i + 1) for i in face]
        lines.append("f " + " ".join(face_form.format(v=c) for c in corners))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("form", ["{v}", "{v}/1", "{v}/1/1", "{v}//1"])
@pytest.mark.parametrize("quads", [False, True])
def test_every_face_corner_form_gives_the_cube(form, quads):
    model = parse_model(cube_obj(form, quads).encode(), "cube.obj")
    assert model.format == "obj"
    assert model.mesh.vertices.dtype == np.float64
    assert model.mesh.faces.dtype == np.int32
    np.testing.assert_array_equal(model.mesh.vertices, CUBE_VERTICES)
    assert model.mesh.triangle_count == 12
    assert signed_volume(model.mesh.triangles) == pytest.approx(1.0)
    if not quads:
        np.testing.assert_array_equal(model.mesh.faces, CUBE_FACES)


def test_negative_indices_count_back_from_the_last_vertex_so_far():
    model = parse_model(cube_obj(negative=True).encode(), "relative.obj")
    np.testing.assert_array_equal(model.mesh.faces, CUBE_FACES)
    # Relative to the vertices defined before each face, not to all vertices of the file.
    text = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf -3 -2 -1\nv 5 5 5\nv 6 5 5\nv 5 6 5\nf -3 -2 -1\n"
    model = parse_model(text.encode(), "two.obj")
    np.testing.assert_array_equal(model.mesh.faces, [[0, 1, 2], [3, 4, 5]])


def test_polygons_are_fan_triangulated():
    text = "v 0 0 0\nv 2 0 0\nv 3 1 0\nv 2 2 0\nv 0 2 0\nf 1 2 3 4 5\n"
    model = parse_model(text.encode(), "pentagon.obj")
    np.testing.assert_array_equal(model.mesh.faces, [[0, 1, 2], [0, 2, 3], [0, 3, 4]])


def test_objects_and_groups_become_model_objects():
    text = (
        "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\n"
        "f 1 2 3\n"  # before any o/g: named after the file
        "o first\ng skin\nf 1 2 4\nf 1 3 4\n"  # o then g before faces: the later name
        "g\n"  # an unnamed group
        "f 2 3 4\n"
        "o empty\n"  # no faces: dropped
        "o last\nf 1 2 3 4\n"
    )
    model = parse_model(text.encode(), "groups.obj")
    assert [(o.name, o.face_start, o.face_stop) for o in model.objects] == [
        ("groups", 0, 1),
        ("skin", 1, 3),
        ("groups", 3, 4),
        ("last", 4, 6),
    ]


def test_crlf_bom_comments_continuations_and_missing_final_newline():
    text = (
        "\ufeff# exported\r\nv 0 0 0 # origin\r\nv 1 0 0\r\n  v   0 1 0  \r\nv 0 0 \\\r\n1\r\n"
        "vn 0 0 1\r\nl 1 2\r\np 3\r\nf 1 2 3\r\nf 1 2 4"
    )
    model = parse_model(text.encode("utf-8"), "windows.obj")
    np.testing.assert_array_equal(model.mesh.vertices[3], [0, 0, 1])
    np.testing.assert_array_equal(model.mesh.faces, [[0, 1, 2], [0, 1, 3]])


def test_utf16_obj_is_decoded():
    text = cube_obj()
    model = parse_model(b"\xff\xfe" + text.encode("utf-16-le"), "wide.obj")
    assert model.mesh.triangle_count == 12


def test_vertex_colours_and_w_are_ignored():
    text = "v 0 0 0 1 0 0\nv 1 0 0 0.5\nv 0 1 0 0 0 1\nf 1 2 3\n"
    model = parse_model(text.encode(), "colours.obj")
    np.testing.assert_array_equal(model.mesh.vertices, [[0, 0, 0], [1, 0, 0], [0, 1, 0]])


def test_number_formats():
    text = "v 1e2 +2.e1 -3.1E2\nv .5 -0.25 1E-3\nv 0 0 0\nf 1 2 3\n"
    model = parse_model(text.encode(), "numbers.obj")
    np.testing.assert_array_equal(
        model.mesh.vertices, [[100, 20, -310], [0.5, -0.25, 0.001], [0, 0, 0]]
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n", r"line 4: face refers to vertex 4"),
        ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n", r"line 4: face refers to vertex 0"),
        ("v 0 0 0\nv 1 0 0\nf -3 -2 -1\nv 0 1 0\n", r"line 3: face refers to vertex -3"),
        ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2\n", r"line 4: a face needs at least 3 vertices"),
        ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 x\n", r"line 4: expected 'f v1 v2 v3"),
        ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3.5\n", r"line 4: expected 'f v1 v2 v3"),
        ("v 0 0 0\nv 1 0\nv 0 1 0\nf 1 2 3\n", r"line 2: expected 'v x y z'"),
        # Too few numbers on one line and too many on the next must not pair up.
        ("v 0 0 0\nv 1 0\nv 0 1 0 1\nf 1 2 3\n", r"line 2: expected 'v x y z'"),
        ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1/1 2/1 /1\n", r"line 4: a face corner has no vertex"),
        ("v 0 0 0\nv 1 0 zero\nv 0 1 0\nf 1 2 3\n", r"line 2: expected 'v x y z'"),
        ("v 0 0 0\nv 1 0 nan\nv 0 1 0\nf 1 2 3\n", r"line 2: vertex coordinate is not a finite"),
        ("v 0 0 0\nv 1 0 inf\nv 0 1 0\nf 1 2 3\n", r"line 2: vertex coordinate is not a finite"),
    ],
)
def test_bad_obj_is_refused_with_the_line(text, expected):
    with pytest.raises(MeshFormatError, match=expected) as err:
        parse_model(text.encode(), "bad.obj")
    assert str(err.value).startswith("bad.obj: ")


def test_obj_without_faces_is_empty():
    with pytest.raises(EmptyMeshError, match="no faces"):
        parse_model(b"v 0 0 0\nv 1 1 1\n", "cloud.obj")


def test_obj_polygon_triangles_count_against_the_limit():
    text = "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0 2 0\nf 1 2 3 4 5\n"
    with pytest.raises(MeshTooLargeError, match="3 triangles; the limit is 2"):
        parse_model(text.encode(), "fan.obj", Limits(max_triangles=2))


def test_obj_matches_trimesh_on_a_large_sphere(tmp_path):
    sphere = trimesh.creation.icosphere(subdivisions=5, radius=7.5)
    path = tmp_path / "sphere.obj"
    path.write_text(trimesh.exchange.obj.export_obj(sphere, include_normals=True))
    model = load_model(path)
    reference = trimesh.load(path, process=False)
    np.testing.assert_allclose(model.mesh.triangles, reference.triangles, rtol=1e-7)
    assert signed_volume(model.mesh.triangles) == pytest.approx(sphere.volume, rel=1e-6)


# --- real files ---------------------------------------------------------------------------

ASSIMP_OBJ = {
    # name: (triangles, objects) for the files that hold faces
    "WusonOBJ.obj": (3732, 1),
    "box.obj": (12, 1),
    "box_UTF16BE.obj": (12, 1),
    "box_longline.obj": (944, 1),
    "box_mat_with_spaces.obj": (12, 1),
    "box_without_lineending.obj": (12, 1),
    "concave_polygon.obj": (64, 1),
    "cube_mtllib_after_g.obj": (12, 1),
    "cube_usemtl.obj": (12, 1),
    "cube_with_vertexcolors.obj": (12, 1),
    "cube_with_vertexcolors_uni.obj": (12, 1),
    "empty_mat.obj": (256, 1),
    "multiple_spaces.obj": (1, 1),
    "regr01.obj": (2710, 55),
    "regr_3429812.obj": (4, 3),
    "space_in_material_name.obj": (64, 1),
    "spider.obj": (1368, 19),
    "testmixed.obj": (12, 1),
}
ASSIMP_OBJ_REFUSED = {
    "point_cloud.obj": (EmptyMeshError, "no faces"),
    "testline.obj": (EmptyMeshError, "no faces"),
    "testpoints.obj": (EmptyMeshError, "no faces"),
    # "3.1+e2" is not a number: a clean error naming the line.
    "number_formats.obj": (MeshFormatError, "line 11: expected 'v x y z'"),
}


def test_every_assimp_obj_file_loads_or_is_refused_cleanly(assimp_models):
    names = {p.name for p in (assimp_models / "OBJ").glob("*.obj")}
    assert names == set(ASSIMP_OBJ) | set(ASSIMP_OBJ_REFUSED)
    for name, (triangles, objects) in ASSIMP_OBJ.items():
        model = load_model(assimp_models / "OBJ" / name)
        assert (model.mesh.triangle_count, len(model.objects)) == (triangles, objects), name
        assert model.objects[-1].face_stop == triangles
        assert np.isfinite(model.mesh.vertices).all()
    for name, (error, text) in ASSIMP_OBJ_REFUSED.items():
        with pytest.raises(error, match=text):
            load_model(assimp_models / "OBJ" / name)


def test_assimp_wuson_matches_its_stl_twin(assimp_models):
    obj = load_model(assimp_models / "OBJ" / "WusonOBJ.obj").mesh
    stl = load_model(assimp_models / "STL" / "Wuson.stl").mesh
    np.testing.assert_allclose(obj.bounds, stl.bounds, atol=1e-4)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("malformed.obj", "line 23: face refers to vertex 12"),
        ("malformed2.obj", "line 23: a face needs at least 3 vertices"),
        ("empty.obj", "empty"),
    ],
)
def test_assimp_invalid_obj_files_give_clean_errors(assimp_models, name, expected):
    with pytest.raises(MeshFormatError, match=expected) as err:
        load_model(assimp_models / "invalid" / name)
    assert str(err.value).startswith(f"{name}: ")
