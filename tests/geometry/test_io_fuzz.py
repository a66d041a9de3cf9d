"""Fuzzing the readers: damaged copies of valid files and random bytes.

Whatever the input, a reader either returns a well-formed model or raises a GeometryError;
any other exception fails the test. Runs are derandomized so CI is repeatable; set
PRINTHUB_FUZZ_RANDOM=1 (and PRINTHUB_FUZZ_EXAMPLES=5000) to explore new inputs locally.
"""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from printhub.geometry.errors import GeometryError
from printhub.geometry.io import FORMATS, ModelFile, parse_model
from printhub.geometry.limits import Limits
from tests.geometry.io_samples import (
    CUBE_FACES,
    CUBE_QUADS,
    CUBE_VERTICES,
    ascii_stl,
    binary_stl,
    components_object,
    cube_triangles,
    mesh_object,
    model_xml,
    ply,
    threemf,
)

# Small limits keep every example fast and make the limit paths reachable.
LIMITS = Limits(
    max_file_bytes=1 << 20,
    max_triangles=20_000,
    max_uncompressed_bytes=8 << 20,
    max_compression_ratio=200.0,
)
FUZZ = settings(
    max_examples=int(os.environ.get("PRINTHUB_FUZZ_EXAMPLES", "200")),
    deadline=None,
    derandomize=not os.environ.get("PRINTHUB_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _obj_seed() -> bytes:
    lines = ["# seed", "mtllib x.mtl", "o first"]
    lines += [f"v {x} {y} {z}" for x, y, z in CUBE_VERTICES.tolist()]
    lines += ["vt 0 0", "vn 0 0 1", "g faces", "usemtl m"]
    lines += ["f " + " ".join(f"{i + 1}/1/1" for i in q) for q in CUBE_QUADS[:3].tolist()]
    lines += ["o second"] + ["f " + " ".join(str(i - 8) for i in t) for t in CUBE_FACES[6:]]
    return ("\r\n".join(lines)).encode()


def _model_seed() -> bytes:
    pair = components_object(2, [(1, None), (1, np.diag([1.0, -1.0, 1.0, 1.0]))])
    cube = mesh_object(1, CUBE_VERTICES, CUBE_FACES, name="cube")
    translate = np.eye(4)
    translate[:3, 3] = (5, 0, 0)
    return model_xml([cube, pair], [(1, None), (2, translate)], unit="inch")


def _stored_3mf(model: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        z.writestr("3D/3dmodel.model", model)
    return buffer.getvalue()


MODEL_SEED = _model_seed()
SEEDS = {
    "cube.stl": binary_stl(cube_triangles()),
    "ascii.stl": ascii_stl({"a": cube_triangles()[:6], "b": cube_triangles(2)[6:]}),
    "cube.obj": _obj_seed(),
    "ascii.ply": ply(CUBE_VERTICES, CUBE_QUADS.tolist(), "ascii", vertex_extra=(("q", "f4"),)),
    "le.ply": ply(
        CUBE_VERTICES,
        [*CUBE_QUADS[:3].tolist(), *CUBE_FACES[6:].tolist()],
        face_extra_before=(("flags", "i2"),),
        face_extra_list=True,
        other_elements=("edges",),
    ),
    "be.ply": ply(CUBE_VERTICES, CUBE_FACES.tolist(), "binary_big_endian", coord_type="f8"),
    "wide.ply": ply(CUBE_VERTICES, CUBE_QUADS.tolist(), count_type="u4", index_type="u2"),
    "cube.3mf": threemf(MODEL_SEED),
    "stored.3mf": _stored_3mf(MODEL_SEED),
}


def check(data: bytes, name: str) -> None:
    """Parse, and check that the outcome is a GeometryError or a well-formed model."""
    try:
        model = parse_model(data, name, LIMITS)
    except GeometryError as err:
        assert str(err).startswith(f"{name}: ")
        return
    assert_well_formed(model)


def assert_well_formed(model: ModelFile) -> None:
    vertices, faces = model.mesh.vertices, model.mesh.faces
    assert model.format in FORMATS
    assert vertices.ndim == 2 and vertices.shape[1] == 3
    assert np.isfinite(vertices).all()
    assert faces.dtype == np.int32 and faces.ndim == 2 and faces.shape[1] == 3
    assert 0 < len(faces) <= LIMITS.max_triangles
    assert faces.min() >= 0 and faces.max() < len(vertices)
    assert model.objects
    at = 0
    for obj in model.objects:
        assert obj.face_start == at and obj.face_stop > obj.face_start
        at = obj.face_stop
    assert at == len(faces)


@st.composite
def mutated(draw, seeds: dict[str, bytes]) -> tuple[bytes, str]:
    """A seed file damaged by a few bit flips, byte changes, cuts, insertions and copies."""
    name = draw(st.sampled_from(sorted(seeds)))
    data = bytearray(seeds[name])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete", "repeat"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            data[at] = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80, ord("-"), ord(" "), ord("9")]))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(
                st.one_of(
                    st.binary(min_size=1, max_size=16),
                    st.sampled_from(
                        [b"nan", b"-1", b"4294967295", b"1e999", b" ", b"\n", b"/", b"&amp;",
                         b"<!DOCTYPE x>", b"facet", b"f 1 2", b"v 1 2", b"element face 9\n"]
                    ),
                )
            )  # fmt: skip
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        else:
            end = min(len(data), at + draw(st.integers(1, 64)))
            data[at:at] = data[at:end] * draw(st.integers(1, 3))
    return bytes(data), name


@FUZZ
@given(mutated(SEEDS))
def test_damaged_files_never_escape_as_other_errors(sample):
    data, name = sample
    check(data, name)


@FUZZ
@given(mutated({"model.xml": MODEL_SEED}))
def test_damaged_3mf_models_in_valid_packages(sample):
    # Damaging the zip trips its checksum; damaging the XML inside tests the 3MF reader.
    model, _ = sample
    check(threemf(model), "damaged.3mf")


PREFIXES = [b"", b"solid ", b"solid x\nfacet normal 0 0 0\n", b"ply\n", b"ply\nformat ascii 1.0\n",
            b"ply\nformat binary_little_endian 1.0\n", b"PK\x03\x04", b"v ", b"f 1 2 3\n",
            b"\xef\xbb\xbf", b"\xff\xfe"]  # fmt: skip


@FUZZ
@given(st.sampled_from(PREFIXES), st.binary(max_size=600))
def test_random_bytes_never_escape_as_other_errors(prefix, tail):
    check(prefix + tail, "random.bin")


@FUZZ
@given(st.integers(0, 300), st.binary(min_size=0, max_size=50))
def test_random_binary_stl_bodies(count, body):
    # Exactly sized binary STLs full of arbitrary floats (NaN, infinities, denormals).
    records = (body * (50 * count // max(len(body), 1) + 1))[: 50 * count] if body else b""
    if len(records) != 50 * count:
        records = b"\0" * (50 * count)
    data = b"solid random".ljust(80, b" ") + count.to_bytes(4, "little") + records
    check(data, "random.stl")


PLY_TYPES = ["char", "uchar", "short", "ushort", "int", "uint", "float", "double", "int8", "uint32"]


@st.composite
def ply_headers(draw) -> bytes:
    """Grammatical PLY headers with arbitrary elements, properties and counts."""
    encoding = draw(st.sampled_from(["ascii", "binary_little_endian", "binary_big_endian"]))
    lines = ["ply", f"format {encoding} 1.0"]
    names = draw(st.lists(st.sampled_from(["vertex", "face", "edge", "material"]), max_size=4))
    for name in names:
        lines.append(f"element {name} {draw(st.integers(0, 2**32))}")
        for _ in range(draw(st.integers(0, 4))):
            prop = draw(st.sampled_from(["x", "y", "z", "vertex_indices", "vertex_index", "q"]))
            if draw(st.booleans()):
                count_type = draw(st.sampled_from(PLY_TYPES))
                lines.append(
                    f"property list {count_type} {draw(st.sampled_from(PLY_TYPES))} {prop}"
                )
            else:
                lines.append(f"property {draw(st.sampled_from(PLY_TYPES))} {prop}")
    lines.append("end_header")
    return ("\n".join(lines) + "\n").encode()


@FUZZ
@given(ply_headers(), st.binary(max_size=400), st.booleans())
def test_random_ply_layouts(header, body, numeric_body):
    if numeric_body:
        # ASCII bodies need numbers to get past the tokenizer.
        body = b" ".join(b"%d" % (b % 12) for b in body)
    check(header + body, "layout.ply")


@st.composite
def threemf_models(draw) -> bytes:
    """Grammatical 3MF models: meshes, components and build items with random references."""
    count = draw(st.integers(1, 5))
    objects = []
    for object_id in range(1, count + 1):
        if draw(st.booleans()):
            size = draw(st.integers(0, 8))
            vertices = CUBE_VERTICES[:size] * draw(st.floats(-1e3, 1e3, allow_nan=False))
            faces = draw(st.lists(st.tuples(*[st.integers(-1, 9)] * 3), max_size=6))
            objects.append(mesh_object(object_id, vertices, np.array(faces).reshape(-1, 3)))
        else:
            refs = draw(st.lists(st.integers(0, count + 1), max_size=3))
            matrix = np.diag([draw(st.sampled_from([1.0, -1.0, 0.0, 1e300])), 1.0, 1.0, 1.0])
            objects.append(components_object(object_id, [(r, matrix) for r in refs]))
    items = [(r, None) for r in draw(st.lists(st.integers(0, count + 1), max_size=3))]
    unit = draw(st.sampled_from(["millimeter", "micron", "inch", "parsec", None]))
    return model_xml(objects, items, unit=unit)


@FUZZ
@given(threemf_models())
def test_random_3mf_structures(model):
    check(threemf(model), "structure.3mf")
