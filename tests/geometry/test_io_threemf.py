"""3MF reading and writing: units, transforms, components, hostile packages, real files."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import tracemalloc
import zipfile

import numpy as np
import pytest
import trimesh

from printhub.geometry.errors import (
    EmptyMeshError,
    MeshFormatError,
    MeshTooLargeError,
    UnsafeFileError,
)
from printhub.geometry.io import ModelObject, load_model, parse_model, write_3mf
from printhub.geometry.limits import Limits
from printhub.geometry.mesh import Mesh
from tests.geometry.io_samples import (
    CORE_NS,
    CUBE_FACES,
    CUBE_VERTICES,
    components_object,
    cube_3mf,
    mesh_object,
    model_xml,
    signed_volume,
    threemf,
)

CUBE = mesh_object(1, CUBE_VERTICES, CUBE_FACES, name="cube")


def translation(x=0.0, y=0.0, z=0.0) -> np.ndarray:
    matrix = np.eye(4)
    matrix[:3, 3] = (x, y, z)
    return matrix


def rotation_z(degrees: float) -> np.ndarray:
    return trimesh.transformations.rotation_matrix(np.radians(degrees), [0, 0, 1])


def scaling(sx, sy, sz) -> np.ndarray:
    return np.diag([sx, sy, sz, 1.0])


# --- geometry: units, transforms, components ----------------------------------------------


@pytest.mark.parametrize(
    ("unit", "mm"),
    [("micron", 0.001), ("millimeter", 1.0), ("centimeter", 10.0), ("inch", 25.4),
     ("foot", 304.8), ("meter", 1000.0)],
)  # fmt: skip
def test_model_units_are_converted_to_mm(unit, mm):
    model = parse_model(cube_3mf(unit=unit), "cube.3mf")
    assert model.format == "3mf"
    assert model.source_unit == unit
    np.testing.assert_allclose(model.mesh.bounds, [[0, 0, 0], [mm, mm, mm]])
    assert signed_volume(model.mesh.triangles) == pytest.approx(mm**3)


def test_missing_unit_means_millimeter():
    model = parse_model(threemf(model_xml([CUBE], [(1, None)], unit=None)), "cube.3mf")
    assert model.source_unit == "millimeter"


def test_unknown_unit_is_refused():
    with pytest.raises(MeshFormatError, match="unknown model unit 'furlong'"):
        parse_model(cube_3mf(unit="furlong"), "cube.3mf")


def test_build_item_transform_uses_row_vectors():
    # Rotate 90° about z, then move by (10, 0, 5): the cube lands on x in [9, 10].
    matrix = translation(10, 0, 5) @ rotation_z(90)
    model = parse_model(cube_3mf(transform=matrix), "moved.3mf")
    np.testing.assert_allclose(model.mesh.bounds, [[9, 0, 5], [10, 1, 6]], atol=1e-12)
    assert signed_volume(model.mesh.triangles) == pytest.approx(1.0)


def test_transform_text_matches_the_specification_example():
    # The 3MF core spec's layout: m00 m01 m02 m10 m11 m12 m20 m21 m22 m30 m31 m32, where the
    # last three are the translation: x' = x*m00 + y*m10 + z*m20 + m30.
    model_text = model_xml([CUBE], [(1, None)]).replace(
        b'<item objectid="1"/>', b'<item objectid="1" transform="2 0 0 0 3 0 0 0 4 7 8 9"/>'
    )
    model = parse_model(threemf(model_text), "scaled.3mf")
    np.testing.assert_allclose(model.mesh.bounds, [[7, 8, 9], [9, 11, 13]])
    assert signed_volume(model.mesh.triangles) == pytest.approx(24.0)


def test_mirroring_transform_keeps_faces_pointing_outward():
    model = parse_model(cube_3mf(transform=scaling(-1, 1, 1)), "mirrored.3mf")
    np.testing.assert_allclose(model.mesh.bounds, [[-1, 0, 0], [0, 1, 1]])
    assert signed_volume(model.mesh.triangles) == pytest.approx(1.0)


def test_several_build_items_become_objects():
    objects = [CUBE, mesh_object(2, CUBE_VERTICES * 2, CUBE_FACES, name="big cube")]
    items = [(1, translation(-5)), (2, None), (1, translation(5))]
    model = parse_model(threemf(model_xml(objects, items)), "plate.3mf")
    assert [(o.name, o.face_start, o.face_stop) for o in model.objects] == [
        ("cube", 0, 12),
        ("big cube", 12, 24),
        ("cube", 24, 36),
    ]
    assert signed_volume(model.mesh.triangles) == pytest.approx(1 + 8 + 1)
    np.testing.assert_allclose(model.mesh.bounds, [[-5, 0, 0], [6, 2, 2]])


def test_components_are_placed_recursively_with_composed_transforms():
    pair = components_object(2, [(1, None), (1, translation(2))], name="pair")
    # Four cubes: the pair, and the pair rotated by 90° about z and moved up.
    quad = components_object(3, [(2, None), (2, translation(0, 0, 3) @ rotation_z(90))])
    model_text = model_xml([CUBE, pair, quad], [(3, translation(100))])
    model = parse_model(threemf(model_text), "nested.3mf")
    assert len(model.objects) == 1 and model.objects[0].face_count == 48
    assert signed_volume(model.mesh.triangles) == pytest.approx(4.0)
    # Rotated pair covers x in [-1, 0], y in [0, 3]; then everything moves 100 in x.
    np.testing.assert_allclose(model.mesh.bounds, [[99, 0, 0], [103, 3, 4]], atol=1e-12)


def test_object_with_mesh_and_components_keeps_both():
    component = '<component objectid="1" transform="1 0 0 0 1 0 0 0 1 5 0 0"/>'
    mixed = CUBE.replace('id="1"', 'id="2"').replace(
        "</mesh>", f"</mesh><components>{component}</components>"
    )
    model = parse_model(threemf(model_xml([CUBE, mixed], [(2, None)])), "mixed.3mf")
    assert signed_volume(model.mesh.triangles) == pytest.approx(2.0)


def test_component_cycles_are_refused():
    a = components_object(1, [(2, None)])
    b = components_object(2, [(3, None)])
    c = components_object(3, [(1, translation(1))])
    with pytest.raises(MeshFormatError, match="contains itself"):
        parse_model(threemf(model_xml([a, b, c], [(1, None)])), "cycle.3mf")


def test_too_deep_component_nesting_is_refused():
    chain = [CUBE] + [components_object(i, [(i - 1, None)]) for i in range(2, 80)]
    with pytest.raises(MeshFormatError, match="nest more than 64 levels"):
        parse_model(threemf(model_xml(chain, [(79, None)])), "deep.3mf")


def test_exponential_component_sharing_is_refused_before_expanding():
    # Each level doubles: 2**40 cubes. Counting must stop at the limit, not expand.
    levels = [CUBE] + [
        components_object(i, [(i - 1, None), (i - 1, translation(1))]) for i in range(2, 42)
    ]
    with pytest.raises(MeshTooLargeError, match="more than 10000000 triangles"):
        parse_model(threemf(model_xml(levels, [(41, None)])), "bomb.3mf")


def test_production_extension_paths_load_other_model_parts():
    part = model_xml([mesh_object(7, CUBE_VERTICES, CUBE_FACES, name="part")], [])
    assembly = components_object(1, [(7, translation(3), "/3D/Objects/part.model")])
    root = model_xml([assembly], [(1, None)], production=True)
    data = threemf(root, parts={"3D/Objects/part.model": part})
    model = parse_model(data, "production.3mf")
    np.testing.assert_allclose(model.mesh.bounds, [[3, 0, 0], [4, 1, 1]])


def test_start_part_is_found_through_the_relationships():
    data = threemf(model_xml([CUBE], [(1, None)]), model_path="3D/Elsewhere.model")
    assert parse_model(data, "moved.3mf").mesh.triangle_count == 12


def test_without_relationships_the_default_part_is_used():
    data = threemf(model_xml([CUBE], [(1, None)]), with_rels=False)
    assert parse_model(data, "norels.3mf").mesh.triangle_count == 12


def test_prefixed_namespace_and_extra_attributes_are_understood():
    text = model_xml([CUBE], [(1, None)]).decode()
    tags = "model|resources|object|mesh|vertices|vertex|triangles|triangle|build|item"
    text = re.sub(rf"<(/?)({tags})\b", r"<\1m:\2", text)
    text = text.replace(f'xmlns="{CORE_NS}"', f'xmlns:m="{CORE_NS}"')
    text = text.replace("<m:triangle ", '<m:triangle pid="1" p1="0" ')
    model = parse_model(threemf(text.encode()), "prefixed.3mf")
    assert model.mesh.triangle_count == 12


# --- broken packages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_text", "error", "expected"),
    [
        (model_xml([CUBE], [(2, None)]), MeshFormatError, "refers to object '2'"),
        (model_xml([CUBE], []), EmptyMeshError, "build has no items"),
        (model_xml([CUBE, CUBE], [(1, None)]), MeshFormatError, "defines object 1 twice"),
        (model_xml([CUBE.replace('v3="1"', 'v3="8"', 1)], [(1, None)]), MeshFormatError,
         "triangle referring to vertex 8, but the object has 8"),
        (model_xml([CUBE.replace('v3="1"', 'v3="-1"', 1)], [(1, None)]), MeshFormatError,
         "triangle referring to vertex -1"),
        (model_xml([CUBE.replace('x="1.0"', 'x="nan"', 1)], [(1, None)]), MeshFormatError,
         "not a finite number"),
        (model_xml([CUBE.replace('x="1.0"', 'x="1 2"', 1)], [(1, None)]), MeshFormatError,
         "vertex coordinate '1 2' is not a number"),
        (model_xml([CUBE.replace('v1="0"', 'v1="0.5"', 1)], [(1, None)]), MeshFormatError,
         "not a whole number"),
        (model_xml([CUBE.replace('x="1.0" ', "", 1)], [(1, None)]), MeshFormatError,
         "lacks its attribute 'x'"),
        (model_xml([CUBE], [(1, None)]).replace(b"<item ", b'<item transform="1 0 0" '),
         MeshFormatError, "transform must be 12 finite numbers"),
        (model_xml([CUBE], [(1, None)]).replace(
            b"<item ", b'<item transform="1 0 0 0 1 0 0 0 1 5-3 0" '),
         MeshFormatError, "transform must be 12 finite numbers"),
        (model_xml([CUBE], [(1, None)])[:-20], MeshFormatError, "not well-formed XML"),
        (b"", MeshFormatError, "not well-formed XML"),
        (b'<?xml version="1.0"?><root xmlns="urn:x"/>', MeshFormatError, "not a 3MF model"),
        (b'<?xml version="1.0"?><x:model/>', MeshFormatError,
         "root element is 'model' in namespace 'none'"),
        (model_xml([CUBE], [(1, None)]).replace(CORE_NS.encode(), b"urn:other"),
         MeshFormatError, "not a 3MF model"),
    ],
)  # fmt: skip
def test_broken_models_are_refused(model_text, error, expected):
    with pytest.raises(error, match=expected) as err:
        parse_model(threemf(model_text), "broken.3mf")
    assert str(err.value).startswith("broken.3mf: ")


def test_vertex_outside_an_object_is_refused():
    text = model_xml([CUBE], [(1, None)]).replace(b"<build>", b'<build><vertex x="0" y="0" z="0"/>')
    with pytest.raises(MeshFormatError, match="<vertex> outside"):
        parse_model(threemf(text), "misplaced.3mf")


def test_zip_without_a_model_part_is_refused():
    data = threemf(None, parts={"Metadata/thumbnail.png": b"\x89PNG"}, with_rels=False)
    with pytest.raises(MeshFormatError, match="no 3D model part"):
        parse_model(data, "hollow.3mf")


def test_relationship_to_a_missing_part_is_refused():
    data = threemf(None, with_rels=True)
    with pytest.raises(MeshFormatError, match=r"names the model part '/3D/3dmodel\.model'"):
        parse_model(data, "dangling.3mf")


@pytest.mark.parametrize("cut", [10, 100, -10, -30])
def test_damaged_zip_is_refused(cut):
    data = cube_3mf()
    data = data[:cut]
    with pytest.raises(MeshFormatError, match="zip"):
        parse_model(data, "cut.3mf")


def test_corrupted_member_is_refused():
    data = bytearray(cube_3mf())
    at = data.index(b"3D/3dmodel.model") + len("3D/3dmodel.model") + 40
    data[at : at + 8] = b"\xff" * 8
    with pytest.raises(MeshFormatError):
        parse_model(bytes(data), "corrupt.3mf")


# --- hostile packages ---------------------------------------------------------------------


XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE model [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    f'<model unit="millimeter" xmlns="{CORE_NS}"><metadata name="x">&xxe;</metadata>'
    "<resources/><build/></model>"
).encode()
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE model [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + f']>\n<model xmlns="{CORE_NS}"><metadata name="x">&lol9;</metadata></model>'
).encode()
PARAMETER_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE model [<!ENTITY % ext SYSTEM "http://127.0.0.1:1/x.dtd">'
    f'%ext;]>\n<model xmlns="{CORE_NS}"/>'
).encode()


@pytest.mark.parametrize("hostile", [XXE, BILLION_LAUGHS, PARAMETER_ENTITY])
def test_any_doctype_in_the_model_is_refused(hostile):
    with pytest.raises(UnsafeFileError, match="declares a DOCTYPE"):
        parse_model(threemf(hostile), "evil.3mf")


def test_doctype_in_the_relationships_is_refused():
    rels = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><Relationships/>'
    data = threemf(model_xml([CUBE], [(1, None)]), parts={"_rels/.rels": rels}, with_rels=False)
    with pytest.raises(UnsafeFileError, match=r"'_rels/\.rels' declares a DOCTYPE"):
        parse_model(data, "evil.3mf")


@pytest.mark.parametrize(
    "name", ["../evil.txt", "3D/../../evil", "/etc/cron.d/x", "C:\\x", "a\\..\\b"]
)
def test_zip_slip_entries_are_refused(name):
    data = threemf(model_xml([CUBE], [(1, None)]), parts={name: b"x"})
    with pytest.raises(UnsafeFileError, match="unsafe path"):
        parse_model(data, "slip.3mf")


def test_zip_bomb_is_stopped_while_inflating():
    # 200 MB of spaces inside the model compress to about 200 kB: far past the ratio.
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("3D/3dmodel.model", "w", force_zip64=True) as member,
    ):
        member.write(model_xml([CUBE], [(1, None)])[:-8])
        block = b" " * (1 << 20)
        for _ in range(200):
            member.write(block)
        member.write(b"</model>")
    data = buffer.getvalue()
    assert len(data) < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeFileError, match="zip bomb"):
            parse_model(data, "bomb.3mf")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000


def test_lying_sizes_in_the_zip_headers_do_not_help_a_bomb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("3D/3dmodel.model", b" " * (50 << 20))
    data = bytearray(buffer.getvalue())
    # Declare the member 100 bytes long in both headers.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(signature)
        data[at + offset : at + offset + 4] = struct.pack("<I", 100)
    # zipfile stops at the declared size; the checksum then gives the lie away.
    with pytest.raises(MeshFormatError, match=r"cannot inflate part.*CRC"):
        parse_model(bytes(data), "liar.3mf")


def test_uncompressed_limit_applies_to_the_whole_package():
    data = threemf(model_xml([CUBE], [(1, None)]))
    with pytest.raises(MeshTooLargeError, match="inflates to more than 1000 bytes"):
        parse_model(data, "cube.3mf", Limits(max_uncompressed_bytes=1000))


def test_ratio_limit_is_configurable():
    # 4 MB of spaces at about 1000:1 passes a permissive limit and fails a strict one.
    text = model_xml([CUBE], [(1, None)]).replace(b"<build>", b" " * (4 << 20) + b"<build>")
    data = threemf(text)
    assert parse_model(data, "ok.3mf", Limits(max_compression_ratio=5000)).mesh.triangle_count
    with pytest.raises(UnsafeFileError, match="more than 200 times"):
        parse_model(data, "bomb.3mf")


def test_archive_listing_too_many_entries_is_refused_before_listing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        for i in range(10_001):
            z.writestr(f"m/{i}", b"")
    with pytest.raises(UnsafeFileError, match="10001 entries"):
        parse_model(buffer.getvalue(), "crowded.3mf")


def test_vertex_limit_applies_while_streaming():
    obj = mesh_object(1, CUBE_VERTICES, CUBE_FACES[:2])
    with pytest.raises(MeshTooLargeError, match="more than 6 vertices"):
        parse_model(threemf(model_xml([obj], [(1, None)])), "c.3mf", Limits(max_triangles=2))


def test_triangle_limit_applies_while_streaming():
    with pytest.raises(MeshTooLargeError, match="triangles"):
        parse_model(cube_3mf(), "cube.3mf", Limits(max_triangles=11))


# --- writing ------------------------------------------------------------------------------


def test_write_then_read_gives_the_same_triangles(tmp_path):
    rng = np.random.default_rng(5)
    vertices = rng.normal(size=(30, 3)) * 50
    faces = rng.integers(0, 30, size=(40, 3)).astype(np.int32)
    mesh = Mesh(vertices, faces)
    path = tmp_path / "out.3mf"
    write_3mf(mesh, path)
    model = load_model(path)
    assert model.format == "3mf" and model.source_unit == "millimeter"
    np.testing.assert_array_equal(model.mesh.triangles, mesh.triangles)
    assert [o.face_count for o in model.objects] == [40]


def test_write_keeps_objects_and_their_names(tmp_path):
    mesh = Mesh(
        np.concatenate([CUBE_VERTICES, CUBE_VERTICES + 3]),
        np.concatenate([CUBE_FACES, CUBE_FACES + 8]).astype(np.int32),
    )
    objects = [ModelObject("left & <right>", 0, 12), ModelObject("other", 12, 24)]
    path = tmp_path / "two.3mf"
    write_3mf(mesh, path, objects)
    model = load_model(path)
    assert model.objects == tuple(objects)
    np.testing.assert_array_equal(model.mesh.triangles, mesh.triangles)
    with zipfile.ZipFile(path) as z:
        assert {"[Content_Types].xml", "_rels/.rels", "3D/3dmodel.model"} <= set(z.namelist())
        assert b'unit="millimeter"' in z.read("3D/3dmodel.model")


@pytest.mark.slicer
def test_prusaslicer_reads_written_3mf_like_printhub(tmp_path, prusa_slicer):
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=10)
    mesh = Mesh(np.asarray(sphere.vertices), np.asarray(sphere.faces, dtype=np.int32))
    path = tmp_path / "sphere.3mf"
    write_3mf(mesh, path)
    info = subprocess.run(
        [prusa_slicer, "--info", str(path)], capture_output=True, text=True, timeout=120
    ).stdout
    assert "number_of_facets = 1280" in info
    volume = float(re.search(r"volume = ([\d.]+)", info).group(1))
    assert volume == pytest.approx(signed_volume(load_model(path).mesh.triangles), rel=1e-4)


# --- real files ---------------------------------------------------------------------------


@pytest.mark.slicer
@pytest.mark.parametrize("shape", ["box.stl", "torus.stl", "M3_hex_nut.stl"])
def test_3mf_written_by_prusaslicer_matches_its_stl(tmp_path, prusa_slicer, prusa_shapes, shape):
    source = prusa_shapes / shape
    target = tmp_path / "exported.3mf"
    subprocess.run(
        [prusa_slicer, "--export-3mf", "-o", str(target), str(source)],
        capture_output=True,
        timeout=120,
        check=True,
    )
    exported, original = load_model(target).mesh, load_model(source).mesh
    assert exported.triangle_count == original.triangle_count
    np.testing.assert_allclose(exported.extents, original.extents, rtol=1e-6)
    assert signed_volume(exported.triangles) == pytest.approx(signed_volume(original.triangles))


def test_assimp_box(assimp_models):
    model = load_model(assimp_models / "3MF" / "box.3mf")
    np.testing.assert_allclose(model.mesh.bounds, [[0, 0, 0], [10, 20, 30]])
    assert signed_volume(model.mesh.triangles) == pytest.approx(6000.0)


def test_openscad_import_3mf(openscad_testdata):
    model = load_model(openscad_testdata / "scad" / "3D" / "features" / "import.3mf")
    assert model.mesh.triangle_count == 36
    assert signed_volume(model.mesh.triangles) > 0
    np.testing.assert_allclose(model.mesh.bounds, [[-2.427, -2.551, -2.064], [2.427, 2.551, 2.064]])
