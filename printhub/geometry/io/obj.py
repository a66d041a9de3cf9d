"""Wavefront OBJ reader: geometry only (v, f, o, g), parsed in bulk with numpy.

Texture coordinates, normals, materials, lines and points are ignored; polygons are
fan-triangulated; negative indices count back from the last vertex defined so far.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from printhub.geometry.errors import EmptyMeshError, MeshFormatError, MeshTooLargeError
from printhub.geometry.io._text import (
    fan_triangulate,
    line_number,
    line_text,
    parse_numbers,
    to_utf8,
    tokens_per_line,
)
from printhub.geometry.io.model import ModelFile, ModelObject
from printhub.geometry.limits import Limits
from printhub.geometry.mesh import Mesh

# One statement the reader cares about: its keyword and its arguments up to a comment.
_STATEMENT = re.compile(rb"^[ \t]*([vfog](?![^ \t\r\n])[^\r\n#]*)", re.MULTILINE)
# Drops the "/vt/vn" part of face corners such as "3/1/2" or "3//2".
_CORNER_SUFFIX = re.compile(rb"/[^ \t\n]*")
# A corner without its vertex index ("/2/3").
_MISSING_INDEX = re.compile(rb"(?:^|[ \t])/", re.MULTILINE)


def parse_obj(data: bytes, filename: str, limits: Limits) -> ModelFile:
    """Read an OBJ file's vertices (float64, mm) and faces (int32), one object per o/g."""
    data = to_utf8(data)
    if b"\\" in data:
        # A backslash at the end of a line continues the statement on the next one.
        data = data.replace(b"\\\r\n", b" ").replace(b"\\\n", b" ")
    # Each statement comes back whole ("v 1 2 3"); its first byte is its keyword.
    statements = _STATEMENT.findall(data)
    kinds = np.array(statements, dtype="S1").view(np.uint8).reshape(-1)
    is_vertex = kinds == ord("v")
    is_face = kinds == ord("f")
    statements = np.array(statements, dtype=object)

    vertices = _parse_vertices(_arguments(statements[is_vertex]), data, filename)
    face_args = _arguments(statements[is_face])
    if not face_args:
        raise EmptyMeshError(
            f"the file has no faces ({len(vertices)} vertices and nothing joining them)",
            filename,
        )
    vertices_before = np.cumsum(is_vertex)[is_face]
    faces, triangles_per_face = _parse_faces(
        face_args, vertices_before, len(vertices), data, filename, limits
    )
    objects = _objects(statements, kinds, is_face, triangles_per_face, filename)
    return ModelFile(
        mesh=Mesh(vertices, faces),
        format="obj",
        objects=objects,
        source_unit="millimeter",
        name=Path(filename).name,
    )


def _arguments(statements: np.ndarray) -> bytes:
    """The statements' arguments, one line each: their one-letter keyword blanked out."""
    if len(statements) == 0:
        return b""
    text = b"\n".join(statements.tolist())
    keyword = text[:1]
    return b" " + text[1:].replace(b"\n" + keyword, b"\n ")


def _parse_vertices(text: bytes, data: bytes, filename: str) -> np.ndarray:
    """(n, 3) float64 from the arguments of the v statements (x y z [w] [r g b])."""
    count = text.count(b"\n") + 1 if text else 0
    numbers_per_line = tokens_per_line(text, count)
    if count and numbers_per_line.min() < 3:
        pos = _nth_statement(data, b"v", int(np.argmax(numbers_per_line < 3)))
        raise MeshFormatError(
            f"line {line_number(data, pos)}: expected 'v x y z', found '{line_text(data, pos)}'",
            filename,
        )
    values = parse_numbers(text, int(numbers_per_line.sum()))
    if values is None:
        _raise_at_bad_line(b"v", data, filename, _bad_vertex, "expected 'v x y z'")
    if values.size == 3 * count:
        vertices = values.reshape(count, 3)
    else:
        # Some lines carry w or vertex colours after x y z: keep the first three numbers.
        first = np.cumsum(numbers_per_line) - numbers_per_line
        vertices = values[first[:, None] + np.arange(3)]
    finite = np.isfinite(vertices).all(axis=1)
    if not finite.all():
        pos = _nth_statement(data, b"v", int(np.argmin(finite)))
        raise MeshFormatError(
            f"line {line_number(data, pos)}: vertex coordinate is not a finite number: "
            f"'{line_text(data, pos)}'",
            filename,
        )
    return vertices


def _parse_faces(
    text: bytes,
    vertices_before: np.ndarray,
    vertex_count: int,
    data: bytes,
    filename: str,
    limits: Limits,
) -> tuple[np.ndarray, np.ndarray]:
    """(t, 3) int32 triangles and (f,) int64 triangles made from each face statement."""
    if b"/" in text:
        missing = _MISSING_INDEX.search(text)
        if missing:
            face = text.count(b"\n", 0, missing.start())
            pos = _nth_statement(data, b"f", face)
            raise MeshFormatError(
                f"line {line_number(data, pos)}: a face corner has no vertex index: "
                f"'{line_text(data, pos)}'",
                filename,
            )
        text = _CORNER_SUFFIX.sub(b"", text)
    corners_per_face = tokens_per_line(text, len(vertices_before))
    if corners_per_face.min() < 3:
        bad = int(np.argmin(corners_per_face >= 3))
        pos = _nth_statement(data, b"f", bad)
        raise MeshFormatError(
            f"line {line_number(data, pos)}: a face needs at least 3 vertices: "
            f"'{line_text(data, pos)}'",
            filename,
        )
    triangles_per_face = corners_per_face - 2
    if triangles_per_face.sum() > limits.max_triangles:
        raise MeshTooLargeError(
            f"the faces make {int(triangles_per_face.sum())} triangles; the limit is "
            f"{limits.max_triangles}",
            filename,
        )
    # Integers parse fastest; a lone "-" reads as 0, which OBJ indices never are.
    indices = parse_numbers(text, int(corners_per_face.sum()), dtype=np.int64)
    if indices is None:
        _raise_at_bad_line(b"f", data, filename, _bad_face, "expected 'f v1 v2 v3 ...'")
    # OBJ counts from 1; negative indices count back from the last vertex defined so far.
    before = np.repeat(vertices_before, corners_per_face)
    resolved = np.where(indices < 0, before + indices, indices - 1)
    bad = (indices == 0) | (resolved < 0) | (resolved >= vertex_count)
    if bad.any():
        corner = int(np.argmax(bad))
        face = int(np.searchsorted(np.cumsum(corners_per_face), corner, side="right"))
        pos = _nth_statement(data, b"f", face)
        raise MeshFormatError(
            f"line {line_number(data, pos)}: face refers to vertex {int(indices[corner])}, "
            f"but {int(vertices_before[face])} vertices are defined before it and "
            f"{vertex_count} in the file: '{line_text(data, pos)}'",
            filename,
        )
    first = np.cumsum(corners_per_face) - corners_per_face
    faces = fan_triangulate(first, corners_per_face, resolved).astype(np.int32)
    return faces, triangles_per_face


def _objects(
    statements: np.ndarray,
    kinds: np.ndarray,
    is_face: np.ndarray,
    triangles_per_face: np.ndarray,
    filename: str,
) -> tuple[ModelObject, ...]:
    """One object per run of faces after an o or g statement (empty ones dropped)."""
    triangle_end = np.concatenate([[0], np.cumsum(triangles_per_face)])
    faces_before = np.cumsum(is_face) - is_face
    starts = [(0, Path(filename).stem)]
    for index in np.flatnonzero((kinds == ord("o")) | (kinds == ord("g"))).tolist():
        name = statements[index][1:].decode("utf-8", "replace").strip()
        start = int(triangle_end[faces_before[index]])
        if start == starts[-1][0]:
            starts[-1] = (start, name or starts[-1][1])
        else:
            starts.append((start, name or Path(filename).stem))
    stops = [start for start, _ in starts[1:]] + [int(triangle_end[-1])]
    return tuple(
        ModelObject(name, start, stop)
        for (start, name), stop in zip(starts, stops, strict=True)
        if stop > start
    )


def _nth_statement(data: bytes, kind: bytes, n: int) -> int:
    """Byte offset of the n-th (0-based) statement of a kind; for messages only."""
    seen = 0
    for match in _STATEMENT.finditer(data):
        if match.group(1)[:1] == kind:
            if seen == n:
                return match.start()
            seen += 1
    return 0


def _bad_vertex(args: bytes) -> bool:
    parts = args.split()
    if len(parts) < 3:
        return True
    try:
        [float(p) for p in parts]
    except ValueError:
        return True
    return False


def _bad_face(args: bytes) -> bool:
    corners = args.split()
    if len(corners) < 3:
        return True
    try:
        [int(c.split(b"/")[0]) for c in corners]
    except ValueError:
        return True
    return False


def _raise_at_bad_line(kind, data, filename, is_bad, expected) -> None:
    """Slow path: find the first statement of a kind that is_bad() and raise an error there."""
    for match in _STATEMENT.finditer(data):
        if match.group(1)[:1] == kind and is_bad(match.group(1)[1:]):
            pos = match.start()
            raise MeshFormatError(
                f"line {line_number(data, pos)}: {expected}, found '{line_text(data, pos)}'",
                filename,
            )
    raise MeshFormatError(f"malformed '{kind.decode()}' statements", filename)
