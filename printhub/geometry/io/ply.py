"""Stanford PLY reader: ASCII and binary (little and big endian).

Reads the vertex element's x, y, z and the face element's vertex_indices (or vertex_index)
list; every other element and property is skipped, lists included.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from printhub.geometry.errors import EmptyMeshError, MeshFormatError, MeshTooLargeError
from printhub.geometry.io._text import (
    as_indices,
    fan_triangulate,
    line_number,
    parse_numbers,
    printable,
    to_utf8,
    token_starts,
)
from printhub.geometry.io.model import ModelFile, ModelObject
from printhub.geometry.limits import Limits
from printhub.geometry.mesh import Mesh

# A real header is a few hundred bytes; anything past this is not a PLY header.
MAX_HEADER_BYTES = 64 * 1024
MAX_ELEMENTS = 64
MAX_PROPERTIES = 1024

_TYPES = {
    "char": "i1",
    "int8": "i1",
    "uchar": "u1",
    "uint8": "u1",
    "short": "i2",
    "int16": "i2",
    "ushort": "u2",
    "uint16": "u2",
    "int": "i4",
    "int32": "i4",
    "uint": "u4",
    "uint32": "u4",
    "float": "f4",
    "float32": "f4",
    "double": "f8",
    "float64": "f8",
}
# struct's letters for the same types, to read list lengths one record at a time.
_STRUCT_CODES = {"i1": "b", "u1": "B", "i2": "h", "u2": "H", "i4": "i", "u4": "I"}
_FORMATS = {"ascii": "", "binary_little_endian": "<", "binary_big_endian": ">"}
_FACE_LISTS = ("vertex_indices", "vertex_index")
_END_HEADER = re.compile(rb"^end_header[ \t]*\r?(?:\n|$)", re.MULTILINE)


@dataclass(frozen=True)
class Property:
    name: str
    type: str  # numpy type code without byte order ("f4")
    count_type: str | None = None  # for lists: the type of the length prefix

    @property
    def is_list(self) -> bool:
        """Whether this is a list property (a length, then that many items)."""
        return self.count_type is not None


@dataclass(frozen=True)
class Element:
    name: str
    count: int
    properties: tuple[Property, ...]

    def has_lists(self) -> bool:
        """Whether records vary in size (binary) or in value count (ASCII)."""
        return any(p.is_list for p in self.properties)

    def min_record_bytes(self) -> int:
        """Bytes of the smallest possible binary record (every list empty)."""
        return sum(np.dtype(p.count_type or p.type).itemsize for p in self.properties)


def parse_ply(data: bytes, filename: str, limits: Limits) -> ModelFile:
    """Read a PLY file's vertices (float64, mm) and faces (int32, polygons fanned)."""
    data = to_utf8(data)
    encoding, elements, body = _parse_header(data, filename, limits)
    vertex_element = next((e for e in elements if e.name == "vertex"), None)
    if vertex_element is None:
        raise MeshFormatError("the header declares no 'vertex' element", filename)
    for axis in "xyz":
        prop = next((p for p in vertex_element.properties if p.name == axis), None)
        if prop is None or prop.is_list:
            raise MeshFormatError(f"the vertex element has no numeric '{axis}' property", filename)
    face_element = next((e for e in elements if e.name == "face"), None)
    if face_element is None or face_element.count == 0:
        raise EmptyMeshError(
            f"the file has no faces ({vertex_element.count} vertices: a point cloud?)", filename
        )
    face_list = next(
        (p for p in face_element.properties if p.name in _FACE_LISTS and p.is_list), None
    )
    if face_list is None:
        raise MeshFormatError(
            "the face element has no 'vertex_indices' (or 'vertex_index') list", filename
        )
    _check_counts(elements, encoding, len(data) - body, filename, limits)

    if encoding == "ascii":
        reader = _AsciiBody(data, body, filename, limits.max_triangles)
    else:
        reader = _BinaryBody(data, body, _FORMATS[encoding], filename, limits.max_triangles)
    vertices = faces_first = faces_counts = faces_flat = None
    for element in elements:
        if element is vertex_element:
            vertices = reader.scalars(element, ("x", "y", "z"))
        elif element is face_element:
            faces_first, faces_counts, faces_flat = reader.list_values(element, face_list.name)
        else:
            reader.skip(element)

    vertices = vertices.astype(np.float64, copy=False)
    if not np.isfinite(vertices).all():
        bad = int(np.argmin(np.isfinite(vertices).all(axis=1)))
        raise MeshFormatError(
            f"vertex {bad} has a coordinate that is not a finite number (NaN or infinity)",
            filename,
        )
    faces = _triangulate(faces_first, faces_counts, faces_flat, len(vertices), filename, limits)
    reader.finish()
    fmt = "ply-ascii" if encoding == "ascii" else "ply-binary"
    return ModelFile(
        mesh=Mesh(vertices, faces),
        format=fmt,
        objects=(ModelObject(Path(filename).stem, 0, len(faces)),),
        source_unit="millimeter",
        name=Path(filename).name,
    )


def _parse_header(data: bytes, filename: str, limits: Limits):
    """(encoding, elements, offset of the body) from the header, with its claims bounded."""
    end = _END_HEADER.search(data, 0, MAX_HEADER_BYTES)
    if end is None:
        raise MeshFormatError(
            f"the PLY header has no 'end_header' line in its first {MAX_HEADER_BYTES} bytes",
            filename,
        )
    lines = data[: end.start()].decode("ascii", "replace").splitlines()
    encoding = None
    elements: list[Element] = []
    current: tuple[str, int, list[Property]] | None = None
    for number, line in enumerate(lines[1:], start=2):
        words = line.split()
        if not words or words[0] in ("comment", "obj_info"):
            continue
        where = f"header line {number} ('{printable(line)}')"
        if words[0] == "format":
            if len(words) != 3 or words[1] not in _FORMATS:
                raise MeshFormatError(f"{where}: unknown PLY format", filename)
            encoding = words[1]
        elif words[0] == "element":
            if len(words) != 3 or not words[2].isdigit():
                raise MeshFormatError(f"{where}: expected 'element <name> <count>'", filename)
            if current is not None:
                elements.append(Element(current[0], current[1], tuple(current[2])))
            if len(elements) >= MAX_ELEMENTS:
                raise MeshFormatError(f"more than {MAX_ELEMENTS} elements in the header", filename)
            current = (words[1], int(words[2]), [])
        elif words[0] == "property":
            if current is None:
                raise MeshFormatError(f"{where}: property before any element", filename)
            current[2].append(_parse_property(words, where, filename))
            if len(current[2]) > MAX_PROPERTIES:
                raise MeshFormatError(f"{where}: too many properties", filename)
        # Any other line is skipped: old Blender exporters wrote comments without "comment".
    if current is not None:
        elements.append(Element(current[0], current[1], tuple(current[2])))
    if encoding is None:
        raise MeshFormatError("the PLY header has no 'format' line", filename)
    return encoding, elements, end.end()


def _parse_property(words: list[str], where: str, filename: str) -> Property:
    if len(words) == 3 and words[1] in _TYPES:
        return Property(words[2], _TYPES[words[1]])
    if len(words) == 5 and words[1] == "list" and words[2] in _TYPES and words[3] in _TYPES:
        if _TYPES[words[2]][0] == "f":
            raise MeshFormatError(f"{where}: a list length must be an integer type", filename)
        return Property(words[4], _TYPES[words[3]], _TYPES[words[2]])
    raise MeshFormatError(
        f"{where}: expected 'property <type> <name>' or "
        "'property list <count type> <item type> <name>'",
        filename,
    )


def _check_counts(elements, encoding, body_bytes: int, filename: str, limits: Limits) -> None:
    """Refuse counts that the body cannot hold or the limits forbid, before allocating."""
    for element in elements:
        if element.name == "face" and element.count > limits.max_triangles:
            raise MeshTooLargeError(
                f"the header declares {element.count} faces; the limit is {limits.max_triangles}",
                filename,
            )
        if element.name == "vertex" and element.count > 3 * limits.max_triangles:
            raise MeshTooLargeError(
                f"the header declares {element.count} vertices; the limit is "
                f"{3 * limits.max_triangles}",
                filename,
            )
        if encoding == "ascii":
            # Every value takes at least one character and one separator.
            needed = element.count * len(element.properties) * 2 - 1
        else:
            needed = element.count * element.min_record_bytes()
        if needed > body_bytes:
            raise MeshFormatError(
                f"the header declares {element.count} '{element.name}' records, which need at "
                f"least {needed} bytes, but only {body_bytes} follow the header (truncated)",
                filename,
            )


def _triangulate(first, counts, flat, vertex_count, filename, limits) -> np.ndarray:
    """(t, 3) int32 triangles from the faces' corner lists, after checking them."""
    if counts.size and counts.min() < 3:
        bad = int(np.argmin(counts >= 3))
        raise MeshFormatError(
            f"face {bad} has {int(counts[bad])} vertices; a face needs at least 3", filename
        )
    if int((counts - 2).sum()) > limits.max_triangles:
        raise MeshTooLargeError(
            f"the faces make {int((counts - 2).sum())} triangles; the limit is "
            f"{limits.max_triangles}",
            filename,
        )
    bad = (flat < 0) | (flat >= vertex_count)
    if bad.any():
        corner = int(np.argmax(bad))
        face = int(np.searchsorted(first, corner, side="right")) - 1
        raise MeshFormatError(
            f"face {face} refers to vertex {int(flat[corner])}, but the file has "
            f"{vertex_count} vertices",
            filename,
        )
    return fan_triangulate(first, counts, flat).astype(np.int32)


def _check_walk(element: Element, max_walk: int, filename: str) -> None:
    """Bound the record-by-record walk (a Python loop) over an element with varying lists."""
    if element.count > max_walk:
        raise MeshTooLargeError(
            f"the '{element.name}' element has {element.count} records with lists of varying "
            f"length; at most {max_walk} are read",
            filename,
        )


def _raise_at_first_non_number(data: bytes, offset: int, filename: str) -> None:
    """Slow path: name the line of the first token of an ASCII body that is not a number."""
    for token in re.finditer(rb"\S+", data[offset:]):
        try:
            float(token.group())
        except ValueError:
            pos = offset + token.start()
            raise MeshFormatError(
                f"line {line_number(data, pos)}: "
                f"'{printable(token.group().decode('utf-8', 'replace'), 40)}' is not a number",
                filename,
            ) from None
    raise MeshFormatError("the body holds something that is not a number", filename)


def _ended_inside(element: Element, filename: str) -> MeshFormatError:
    return MeshFormatError(f"the file ends inside the '{element.name}' records", filename)


class _BinaryBody:
    """Walks the elements of a binary body in order."""

    def __init__(self, data: bytes, offset: int, order: str, filename: str, max_walk: int):
        self.max_walk = max_walk
        self.data = data
        self.offset = offset
        self.order = order
        self.filename = filename

    def finish(self) -> None:
        """Bytes after the last element are tolerated (some writers pad the file)."""

    def _truncated(self, element: Element) -> MeshFormatError:
        return MeshFormatError(f"the file ends inside the '{element.name}' records", self.filename)

    def _dtype(self, properties, list_lengths: dict[int, int] | None = None) -> np.dtype:
        fields = []
        for i, prop in enumerate(properties):
            if prop.is_list:
                fields.append((f"n{i}", self.order + prop.count_type))
                fields.append((f"p{i}", self.order + prop.type, (list_lengths[i],)))
            else:
                fields.append((f"p{i}", self.order + prop.type))
        return np.dtype(fields)

    def _records(self, element: Element, dtype: np.dtype) -> np.ndarray:
        if self.offset + element.count * dtype.itemsize > len(self.data):
            raise self._truncated(element)
        records = np.frombuffer(self.data, dtype=dtype, count=element.count, offset=self.offset)
        self.offset += element.count * dtype.itemsize
        return records

    def scalars(self, element: Element, names: tuple[str, ...]) -> np.ndarray:
        """(count, len(names)) values of scalar properties."""
        if element.has_lists():
            starts = self._walk(element)
            return self._gather_scalars(element, starts, names)
        records = self._records(element, self._dtype(element.properties))
        index = {p.name: i for i, p in enumerate(element.properties)}
        return np.stack([records[f"p{index[n]}"].astype(np.float64) for n in names], axis=1)

    def skip(self, element: Element) -> None:
        if not element.properties:
            return
        if element.has_lists():
            first_list = next(i for i, p in enumerate(element.properties) if p.is_list)
            if self._uniform_lists(element, first_list) is None:
                _check_walk(element, self.max_walk, self.filename)
                self._walk(element, record_offsets=False)
        else:
            self._records(element, self._dtype(element.properties))

    def list_values(self, element: Element, name: str):
        """(first, counts, flat) int64 arrays of one list property over all records."""
        target = next(i for i, p in enumerate(element.properties) if p.name == name)
        uniform = self._uniform_lists(element, target)
        if uniform is not None:
            return uniform
        starts = self._walk(element)
        return self._gather_list(element, starts, target)

    def _uniform_lists(self, element: Element, target: int):
        """The fast path: every record's lists as long as the first record's, or None."""
        if element.count == 0:
            return None
        lengths = {}
        pos = self.offset
        try:
            for i, prop in enumerate(element.properties):
                if prop.is_list:
                    (lengths[i],) = struct.unpack_from(
                        self.order + _STRUCT_CODES[prop.count_type], self.data, pos
                    )
                    if lengths[i] < 0:
                        return None
                    pos += np.dtype(prop.count_type).itemsize
                    pos += lengths[i] * np.dtype(prop.type).itemsize
                else:
                    pos += np.dtype(prop.type).itemsize
        except struct.error:
            raise self._truncated(element) from None
        # Check the size before building the dtype: a huge length makes numpy refuse it.
        if self.offset + element.count * (pos - self.offset) > len(self.data):
            return None
        dtype = self._dtype(element.properties, lengths)
        records = np.frombuffer(self.data, dtype=dtype, count=element.count, offset=self.offset)
        for i in lengths:
            if not (records[f"n{i}"] == lengths[i]).all():
                return None
        self.offset += element.count * dtype.itemsize
        size = lengths[target]
        counts = np.full(element.count, size, dtype=np.int64)
        first = np.arange(element.count, dtype=np.int64) * size
        flat = records[f"p{target}"].astype(np.int64).reshape(-1)
        return first, counts, flat

    def _walk(self, element: Element, record_offsets: bool = True) -> np.ndarray:
        """(count, len(properties)) int64 byte offsets of every property of every record.

        Lists of varying length make each record's position depend on the previous one, so
        this is a Python loop; it runs only for such elements and is bounded by the
        header checks.
        """
        data, pos = self.data, self.offset
        plan = []
        for prop in element.properties:
            if prop.is_list:
                plan.append(
                    (
                        struct.Struct(self.order + _STRUCT_CODES[prop.count_type]),
                        np.dtype(prop.type).itemsize,
                    )
                )
            else:
                plan.append((None, np.dtype(prop.type).itemsize))
        starts = np.empty((element.count if record_offsets else 1, len(plan)), dtype=np.int64)
        try:
            for record in range(element.count):
                row = starts[record if record_offsets else 0]
                for i, (count_struct, size) in enumerate(plan):
                    row[i] = pos
                    if count_struct is None:
                        pos += size
                    else:
                        (length,) = count_struct.unpack_from(data, pos)
                        if length < 0:
                            raise MeshFormatError(
                                f"'{element.name}' record {record} has a negative list length",
                                self.filename,
                            )
                        pos += count_struct.size + length * size
        except struct.error:
            raise self._truncated(element) from None
        if pos > len(data):
            raise self._truncated(element)
        self.offset = pos
        return starts

    def _read_at(self, offsets: np.ndarray, type_code: str) -> np.ndarray:
        """Values of one type at arbitrary (unaligned) byte offsets."""
        size = np.dtype(type_code).itemsize
        raw = np.frombuffer(self.data, dtype=np.uint8)
        gathered = raw[offsets[:, None] + np.arange(size)]
        return gathered.reshape(-1).view(self.order + type_code)

    def _gather_scalars(self, element, starts, names) -> np.ndarray:
        index = {p.name: i for i, p in enumerate(element.properties)}
        columns = []
        for n in names:
            prop = element.properties[index[n]]
            columns.append(self._read_at(starts[:, index[n]], prop.type).astype(np.float64))
        return np.stack(columns, axis=1)

    def _gather_list(self, element, starts, target):
        prop = element.properties[target]
        count_size = np.dtype(prop.count_type).itemsize
        counts = self._read_at(starts[:, target], prop.count_type).astype(np.int64)
        first = np.cumsum(counts) - counts
        corner_record = np.repeat(np.arange(element.count), counts)
        corner_rank = np.arange(int(counts.sum())) - np.repeat(first, counts)
        item_size = np.dtype(prop.type).itemsize
        offsets = starts[corner_record, target] + count_size + corner_rank * item_size
        flat = self._read_at(offsets, prop.type).astype(np.int64)
        return first, counts, flat


class _AsciiBody:
    """Walks the elements of an ASCII body: every value is one whitespace-separated token."""

    def __init__(self, data: bytes, offset: int, filename: str, max_walk: int):
        self.max_walk = max_walk
        self.filename = filename
        text = data[offset:]
        starts = token_starts(text)
        self.values = parse_numbers(text, len(starts))
        if self.values is None:
            _raise_at_first_non_number(data, offset, filename)
        self.pos = 0

    def finish(self) -> None:
        """Refuse values left over: a record with too many values shifts all that follow."""
        if self.pos != len(self.values):
            raise MeshFormatError(
                f"the body holds {len(self.values) - self.pos} more values than the header "
                "declares (a record with too many values?)",
                self.filename,
            )

    def _take(self, element: Element, count: int) -> np.ndarray:
        if self.pos + count > len(self.values):
            raise _ended_inside(element, self.filename)
        values = self.values[self.pos : self.pos + count]
        self.pos += count
        return values

    def scalars(self, element: Element, names: tuple[str, ...]) -> np.ndarray:
        if element.has_lists():
            columns = self._walk(element)
            index = {p.name: i for i, p in enumerate(element.properties)}
            return np.stack([self.values[columns[:, index[n]]] for n in names], axis=1)
        width = len(element.properties)
        table = self._take(element, element.count * width).reshape(element.count, width)
        index = {p.name: i for i, p in enumerate(element.properties)}
        return table[:, [index[n] for n in names]]

    def skip(self, element: Element) -> None:
        if element.has_lists():
            first_list = next(i for i, p in enumerate(element.properties) if p.is_list)
            if self._uniform_lists(element, first_list) is None:
                _check_walk(element, self.max_walk, self.filename)
                self._walk(element)
        else:
            self._take(element, element.count * len(element.properties))

    def list_values(self, element: Element, name: str):
        target = next(i for i, p in enumerate(element.properties) if p.name == name)
        uniform = self._uniform_lists(element, target)
        if uniform is None:
            columns = self._walk(element)
            counts = as_indices(self.values[columns[:, target]])
            first = np.cumsum(counts) - counts
            corner_rank = np.arange(int(counts.sum())) - np.repeat(first, counts)
            positions = np.repeat(columns[:, target] + 1, counts) + corner_rank
            uniform = first, counts, self.values[positions]
        first, counts, flat = uniform
        indices = as_indices(flat)
        if indices is None:
            raise MeshFormatError(
                f"'{element.name}' holds an index that is not an integer", self.filename
            )
        return first, counts, indices

    def _uniform_lists(self, element: Element, target: int):
        """Every record's lists as long as the first record's (checked), or None."""
        if element.count == 0:
            return None
        offsets, width, pos = {}, 0, self.pos
        for i, prop in enumerate(element.properties):
            if prop.is_list:
                if pos + width >= len(self.values):
                    return None
                length = self.values[pos + width]
                if not (0 <= length <= len(self.values) and length == int(length)):
                    return None
                offsets[i] = width
                width += 1 + int(length)
            else:
                width += 1
        if self.pos + element.count * width > len(self.values):
            return None
        table = self.values[self.pos : self.pos + element.count * width].reshape(-1, width)
        for column in offsets.values():
            if not (table[:, column] == table[0, column]).all():
                return None
        self.pos += element.count * width
        column = offsets[target]
        size = int(table[0, column])
        counts = np.full(element.count, size, dtype=np.int64)
        first = np.arange(element.count, dtype=np.int64) * size
        return first, counts, table[:, column + 1 : column + 1 + size].reshape(-1)

    def _walk(self, element: Element) -> np.ndarray:
        """(count, len(properties)) int64 positions in values of every property (lists: length)."""
        values, pos = self.values, self.pos
        plan = [p.is_list for p in element.properties]
        columns = np.empty((element.count, len(plan)), dtype=np.int64)
        end = len(values)
        for record in range(element.count):
            row = columns[record]
            for i, is_list in enumerate(plan):
                if pos >= end:
                    raise MeshFormatError(
                        f"the file ends inside the '{element.name}' records", self.filename
                    )
                row[i] = pos
                if is_list:
                    length = values[pos]
                    if not (0 <= length <= end and length == int(length)):
                        raise MeshFormatError(
                            f"'{element.name}' record {record} has an invalid list length",
                            self.filename,
                        )
                    pos += 1 + int(length)
                else:
                    pos += 1
        if pos > end:
            raise _ended_inside(element, self.filename)
        self.pos = pos
        return columns
