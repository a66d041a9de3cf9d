"""STL readers: binary (via numpy record views) and ASCII (via regular expressions over bytes).

Both return the triangle soup as stored, unmerged: welding is topology's job.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from printhub.geometry.errors import EmptyMeshError, MeshFormatError, MeshTooLargeError
from printhub.geometry.io._text import line_number, line_text, parse_numbers, to_utf8
from printhub.geometry.io.model import ModelFile, ModelObject
from printhub.geometry.io.sniff import (
    STL_HEADER_BYTES,
    STL_RECORD_BYTES,
    _stl_size_problem,
    binary_stl_count,
)
from printhub.geometry.limits import Limits
from printhub.geometry.mesh import Mesh

# One binary STL record: normal, three corners, "attribute byte count" (colour in some tools).
STL_RECORD = np.dtype([("normal", "<f4", (3,)), ("corners", "<f4", (3, 3)), ("attribute", "<u2")])
assert STL_RECORD.itemsize == STL_RECORD_BYTES

# Records copied per step when reading from disk: bounds the extra memory to ~7 MB.
_READ_CHUNK_RECORDS = 1 << 17
# ASCII bodies are parsed in pieces of about this many bytes (cut after an "endfacet").
_ASCII_CHUNK_BYTES = 16 * 1024 * 1024

# One facet with the whitespace after it (group 1) and its nine coordinates (group 2).
# Possessive quantifiers (Python 3.11) spare the engine pointless backtracking.
_FACET = re.compile(
    rb"(facet\s++normal\s++\S++\s++\S++\s++\S++\s++outer\s++loop\s++vertex\s++"
    rb"(\S++\s++\S++\s++\S++\s++vertex\s++\S++\s++\S++\s++\S++\s++vertex\s++\S++\s++\S++\s++\S++)"
    rb"\s++endloop\s++endfacet\s*+)"
)
_SPACE = re.compile(rb"\s*")
_MIN_FACET_BYTES = 86
_SOLID_LINE = re.compile(rb"[ \t\r\n]*solid(?![^ \t\r\n])[ \t]*([^\r\n]*)", re.IGNORECASE)
# The parts of one facet in order, for the slow path that explains what is wrong.
_NUM = rb"\s+[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_END = rb"(?![^\s])"
_VERTEX = ("vertex x y z", re.compile(rb"vertex" + _NUM * 3 + _END))
_FACET_PARTS = (
    ("facet normal nx ny nz", re.compile(rb"facet\s+normal(?:\s+\S+){3}" + _END)),
    ("outer loop", re.compile(rb"outer\s+loop" + _END)),
    _VERTEX,
    _VERTEX,
    _VERTEX,
    ("endloop", re.compile(rb"endloop" + _END)),
    ("endfacet", re.compile(rb"endfacet" + _END)),
)


# --- binary -------------------------------------------------------------------------------


def _check_binary_count(count: int, size: int, filename: str, limits: Limits) -> None:
    if count > limits.max_triangles:
        raise MeshTooLargeError(
            f"binary STL header says {count} triangles; the limit is {limits.max_triangles}",
            filename,
        )
    if size != STL_HEADER_BYTES + STL_RECORD_BYTES * count:
        raise MeshFormatError(_stl_size_problem(count, size), filename)
    if count == 0:
        raise EmptyMeshError("binary STL with 0 triangles", filename)


def _header_name(header: bytes, filename: str) -> str:
    """The solid's name from an 80-byte header when it is readable text, else the file's."""
    text = header.split(b"\x00", 1)[0].decode("ascii", "replace").strip()
    if text.lower().startswith("solid"):
        text = text[5:].strip()
    if text and all(ch.isprintable() for ch in text) and "\ufffd" not in text:
        return text
    return Path(filename).stem


def _check_finite(triangles: np.ndarray, first: int, filename: str) -> None:
    finite = np.isfinite(triangles).reshape(len(triangles), -1).all(axis=1)
    if not finite.all():
        bad = first + int(np.argmin(finite))
        raise MeshFormatError(
            f"triangle {bad + 1} has a coordinate that is not a finite number (NaN or infinity)",
            filename,
        )


def _binary_model(triangles: np.ndarray, header: bytes, filename: str) -> ModelFile:
    mesh = Mesh.from_triangles(triangles)
    name = _header_name(header, filename)
    return ModelFile(
        mesh=mesh,
        format="stl-binary",
        objects=(ModelObject(name, 0, len(triangles)),),
        source_unit="millimeter",
        name=Path(filename).name,
    )


def parse_binary_stl(data: bytes, filename: str, limits: Limits) -> ModelFile:
    """Read a binary STL held in memory; corners come back as float32, mm."""
    count = binary_stl_count(data)
    if count is None:
        raise MeshFormatError(f"too short for a binary STL: {len(data)} bytes", filename)
    _check_binary_count(count, len(data), filename, limits)
    records = np.frombuffer(data, dtype=STL_RECORD, count=count, offset=STL_HEADER_BYTES)
    triangles = np.ascontiguousarray(records["corners"])
    _check_finite(triangles, 0, filename)
    return _binary_model(triangles, data[:80], filename)


def read_binary_stl(path: Path, size: int, filename: str, limits: Limits) -> ModelFile:
    """Read a binary STL from disk in chunks, so only the result is held in full."""
    with open(path, "rb") as f:
        header = f.read(STL_HEADER_BYTES)
        count = binary_stl_count(header)
        if count is None:
            raise MeshFormatError(f"too short for a binary STL: {size} bytes", filename)
        _check_binary_count(count, size, filename, limits)
        triangles = np.empty((count, 3, 3), dtype=np.float32)
        done = 0
        while done < count:
            step = min(_READ_CHUNK_RECORDS, count - done)
            records = np.fromfile(f, dtype=STL_RECORD, count=step)
            if len(records) != step:
                raise MeshFormatError(
                    f"file ended after {done + len(records)} of {count} triangles", filename
                )
            triangles[done : done + step] = records["corners"]
            _check_finite(triangles[done : done + step], done, filename)
            done += step
    return _binary_model(triangles, header[:80], filename)


# --- ASCII --------------------------------------------------------------------------------


def parse_ascii_stl(data: bytes, filename: str, limits: Limits) -> ModelFile:
    """Read an ASCII STL (one or more solids); corners come back as float64, mm."""
    data = to_utf8(data)
    # The triangle limit, checked before any parsing; counting is skipped when the file is
    # too small to hold that many facets ("facet normal 0 0 0 outer loop vertex 0 0 0 ...").
    too_many = limits.max_triangles * _MIN_FACET_BYTES < len(data)
    if too_many and data.count(b"endfacet") > limits.max_triangles:
        raise MeshTooLargeError(
            f"the file has more than {limits.max_triangles} facets (the limit)", filename
        )
    pieces: list[np.ndarray] = []
    objects: list[ModelObject] = []
    total = 0
    pos = 0
    while True:
        solid = _SOLID_LINE.match(data, pos)
        if solid is None:
            if data[pos:].strip():
                raise MeshFormatError(
                    f"line {line_number(data, pos)}: expected 'solid <name>', found "
                    f"'{line_text(data, _skip_space(data, pos))}'",
                    filename,
                )
            break
        body_start = solid.end()
        end = _find_keyword(data, b"endsolid", body_start, len(data))
        if end is None:
            raise MeshFormatError(
                f"the solid starting on line {line_number(data, solid.start(1))} has no "
                "'endsolid' (the file is truncated)",
                filename,
            )
        triangles = _parse_facets(data, body_start, end, filename)
        if len(triangles):
            name = solid.group(1).decode("utf-8", "replace").strip() or Path(filename).stem
            objects.append(ModelObject(name, total, total + len(triangles)))
            pieces.append(triangles)
            total += len(triangles)
        eol = data.find(b"\n", end)
        pos = len(data) if eol < 0 else eol + 1
    if total == 0:
        raise EmptyMeshError("ASCII STL without any facet", filename)
    triangles = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
    return ModelFile(
        mesh=Mesh.from_triangles(triangles),
        format="stl-ascii",
        objects=tuple(objects),
        source_unit="millimeter",
        name=Path(filename).name,
    )


def _find_keyword(data: bytes, word: bytes, start: int, stop: int) -> int | None:
    """Offset of the first occurrence of a lower-case keyword in any case, or None."""
    found = data.find(word, start, stop)
    if found >= 0:
        return found
    match = re.compile(re.escape(word), re.IGNORECASE).search(data, start, stop)
    return None if match is None else match.start()


def _skip_space(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos] in b" \t\r\n":
        pos += 1
    return pos


def _parse_facets(data: bytes, start: int, stop: int, filename: str) -> np.ndarray:
    """(m, 3, 3) float64: the facets of one solid's body, data[start:stop]."""
    chunks = []
    pos = start
    while pos < stop:
        cut = _find_keyword(data, b"endfacet", min(pos + _ASCII_CHUNK_BYTES, stop), stop)
        end = stop if cut is None else cut + len(b"endfacet")
        chunks.append(_parse_facet_chunk(data, pos, end, filename))
        pos = end
    if not chunks:
        return np.zeros((0, 3, 3))
    return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)


def _parse_facet_chunk(data: bytes, start: int, stop: int, filename: str) -> np.ndarray:
    text, offset = data, start
    facets = _FACET.findall(text, start, stop)
    if not _facets_tile(text, start, stop, facets):
        # Keywords in capitals ("FACET NORMAL") are rare but legal for many tools.
        text, offset = data[start:stop].lower(), 0
        facets = _FACET.findall(text)
        if not _facets_tile(text, 0, len(text), facets):
            _explain_facet_error(data, start, stop, filename)
    count = len(facets)
    corners = b" ".join([corners for _, corners in facets])
    # Same-length replacement is the cheapest way to blank the keywords out.
    values = parse_numbers(corners.replace(b"vertex", b"      "), 9 * count)
    if values is None:
        _explain_facet_error(data, start, stop, filename)
    triangles = values.reshape(count, 3, 3)
    finite = np.isfinite(triangles).reshape(count, 9).all(axis=1)
    if not finite.all():
        bad = _nth_facet_position(text, offset, int(np.argmin(finite)))
        raise MeshFormatError(
            f"line {line_number(data, start - offset + bad)}: a facet has a coordinate that is "
            "not a finite number (NaN or infinity)",
            filename,
        )
    return triangles


def _facets_tile(text: bytes, start: int, stop: int, facets: list) -> bool:
    """Whether the matched facets (each with its trailing space) cover text[start:stop].

    Matches never overlap and are found in order, so their lengths add up to the span
    exactly when nothing else (a broken facet, a stray word) lies between them.
    """
    leading = _SPACE.match(text, start, stop).end() - start
    return leading + sum(map(len, [whole for whole, _ in facets])) == stop - start


def _nth_facet_position(text: bytes, start: int, n: int) -> int:
    for i, match in enumerate(_FACET.finditer(text, start)):
        if i == n:
            return match.start()
    return start


def _explain_facet_error(data: bytes, start: int, stop: int, filename: str) -> None:
    """Find the first part of data[start:stop] that breaks the facet grammar, and raise."""
    lowered = data[start:stop].lower()
    pos = 0
    # Skip quickly over the facets that parse, then walk the first broken one part by part.
    for match in _FACET.finditer(lowered):
        if lowered[pos : match.start()].strip():
            break
        if parse_numbers(match.group(2).replace(b"vertex", b" "), 9) is None:
            break
        pos = match.end()
    step = 0
    while True:
        pos = _skip_space(lowered, pos)
        expected, part = _FACET_PARTS[step]
        if pos >= len(lowered):
            if step == 0:
                break
            raise MeshFormatError(
                f"line {line_number(data, start + pos)}: the solid ends inside a facet "
                f"(expected '{expected}')",
                filename,
            )
        match = part.match(lowered, pos)
        if match is None:
            raise MeshFormatError(
                f"line {line_number(data, start + pos)}: expected '{expected}', found "
                f"'{line_text(data, start + pos)}'",
                filename,
            )
        pos = match.end()
        step = (step + 1) % len(_FACET_PARTS)
    raise MeshFormatError(
        f"lines {line_number(data, start)}-{line_number(data, stop)}: malformed facets", filename
    )
