"""3MF reader (3MF core specification, plus the production extension's multi-part models).

The model part is streamed from the zip into a hardened lxml parser (no DTD, no entities,
no network) whose target collects vertex and triangle attributes in bulk, so memory stays
near the size of the resulting arrays. Objects may be meshes or components (other objects
under a transform, recursively); each build item becomes one ModelObject.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lxml import etree

from printhub.geometry.errors import (
    EmptyMeshError,
    GeometryError,
    MeshFormatError,
    MeshTooLargeError,
    UnsafeFileError,
)
from printhub.geometry.io._text import as_indices, parse_numbers, printable
from printhub.geometry.io.model import UNIT_MM, ModelFile, ModelObject
from printhub.geometry.io.zipsafe import SafeZip
from printhub.geometry.limits import Limits
from printhub.geometry.mesh import Mesh

CORE_NS = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
PRODUCTION_NS = "http://schemas.microsoft.com/3dmanufacturing/production/2015/06"
RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
START_PART_TYPE = "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"
DEFAULT_MODEL_PART = "3D/3dmodel.model"
RELS_PART = "_rels/.rels"

MAX_RELS_BYTES = 1024 * 1024
# Components nest a few levels in real files; deeper chains are refused, not recursed.
MAX_COMPONENT_DEPTH = 64
# Copies of meshes placed by build items and components together.
MAX_MESH_INSTANCES = 100_000
# Attribute strings are turned into numbers this many at a time, bounding memory.
_FLUSH_VALUES = 3 * 65536

_MODEL = f"{{{CORE_NS}}}model"
_OBJECT = f"{{{CORE_NS}}}object"
_VERTEX = f"{{{CORE_NS}}}vertex"
_TRIANGLE = f"{{{CORE_NS}}}triangle"
_COMPONENT = f"{{{CORE_NS}}}component"
_BUILD = f"{{{CORE_NS}}}build"
_ITEM = f"{{{CORE_NS}}}item"
_PATH = f"{{{PRODUCTION_NS}}}path"


def _hardened_parser(target=None) -> etree.XMLParser:
    """An lxml parser that loads no DTD, expands no entity and touches no network."""
    return etree.XMLParser(
        target=target,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def read_3mf(path: Path, filename: str, limits: Limits) -> ModelFile:
    """Read a 3MF package from disk."""
    with SafeZip(path, filename, limits) as package:
        return _read_package(package, filename, limits)


def parse_3mf(data: bytes, filename: str, limits: Limits) -> ModelFile:
    """Read a 3MF package held in memory."""
    with SafeZip(data, filename, limits) as package:
        return _read_package(package, filename, limits)


@dataclass
class _Object:
    """One resource object of a model part: a mesh, components, or both (then merged)."""

    object_id: str
    name: str
    vertices: np.ndarray | None = None  # (n, 3) float64, model units
    triangles: np.ndarray | None = None  # (m, 3) int64
    components: list[tuple[str, str, np.ndarray]] = field(default_factory=list)
    # (part path, object id, (4, 4) row-vector transform)


@dataclass
class _Part:
    path: str
    unit: str
    objects: dict[str, _Object]
    items: list[tuple[str, str, np.ndarray]]  # (part path, object id, transform)


def _read_package(package: SafeZip, filename: str, limits: Limits) -> ModelFile:
    root_path = _start_part(package, filename)
    parts: dict[str, _Part] = {}
    root = _load_part(package, root_path, parts, filename, limits)
    if not root.items:
        raise EmptyMeshError("the 3MF build has no items (nothing to print)", filename)
    assembler = _Assembler(package, parts, filename, limits)
    vertices, faces, objects = assembler.assemble(root)
    if len(faces) == 0:
        raise EmptyMeshError("the 3MF build items hold no triangles", filename)
    scale = UNIT_MM[root.unit]
    if scale != 1.0:
        vertices *= scale
    return ModelFile(
        mesh=Mesh(vertices, faces),
        format="3mf",
        objects=tuple(objects),
        source_unit=root.unit,
        name=Path(filename).name,
    )


def _start_part(package: SafeZip, filename: str) -> str:
    """The model part named by the package relationships, else the conventional one."""
    if package.has(RELS_PART):
        root = _parse_small_xml(package.read(RELS_PART, MAX_RELS_BYTES), RELS_PART, filename)
        for rel in root.iter(f"{{{RELATIONSHIPS_NS}}}Relationship"):
            target = rel.get("Target")
            if rel.get("Type") == START_PART_TYPE and target:
                if package.has(target):
                    return target
                raise MeshFormatError(
                    f"_rels/.rels names the model part '{target}', which the package lacks",
                    filename,
                )
    if package.has(DEFAULT_MODEL_PART):
        return DEFAULT_MODEL_PART
    raise MeshFormatError(
        "no 3D model part: _rels/.rels names none and 3D/3dmodel.model is missing "
        "(is this really a 3MF file?)",
        filename,
    )


def _parse_small_xml(data: bytes, part: str, filename: str):
    try:
        tree = etree.fromstring(data, _hardened_parser()).getroottree()
    except etree.XMLSyntaxError as err:
        raise MeshFormatError(f"part '{part}' is not well-formed XML: {err}", filename) from err
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeFileError(
            f"part '{part}' declares a DOCTYPE (refused: DTDs can hide entity attacks)", filename
        )
    return tree.getroot()


def _load_part(package, path: str, parts: dict, filename: str, limits: Limits) -> _Part:
    key = path.lstrip("/").lower()
    if key in parts:
        return parts[key]
    target = _ModelTarget(path, filename, limits)
    parser = _hardened_parser(target)
    try:
        for chunk in package.stream(path):
            parser.feed(chunk)
            target.flush()
        parser.close()
    except GeometryError:
        raise
    except etree.XMLSyntaxError as err:
        raise MeshFormatError(f"part '{path}' is not well-formed XML: {err}", filename) from err
    except KeyError as err:
        raise MeshFormatError(
            f"part '{path}': a vertex or triangle lacks its attribute {err}", filename
        ) from err
    part = target.result()
    parts[key] = part
    return part


def _parse_transform(text: str | None, where: str, filename: str) -> np.ndarray:
    """(4, 4) float64 row-vector affine matrix from a 3MF transform (identity when absent)."""
    matrix = np.eye(4)
    if text is None:
        return matrix
    values = parse_numbers(text.encode(), 12) if len(text.split()) == 12 else None
    if values is None or not np.isfinite(values).all():
        raise MeshFormatError(
            f"{where}: transform must be 12 finite numbers, got '{text[:80]}'", filename
        )
    # "m00 m01 m02 m10 m11 m12 m20 m21 m22 m30 m31 m32": [x y z 1] times these rows.
    matrix[:, :3] = values.reshape(4, 3)
    return matrix


class _ModelTarget:
    """lxml parser target collecting one model part; start() runs for every element."""

    def __init__(self, path: str, filename: str, limits: Limits):
        self.path = path
        self.filename = filename
        self.limits = limits
        self.unit: str | None = None
        self.objects: dict[str, _Object] = {}
        self.items: list[tuple[str, str, np.ndarray]] = []
        self.current: _Object | None = None
        self.in_build = False
        self.coords: list[str] = []
        self.indices: list[str] = []
        self._add_coords = self.coords.extend
        self._add_indices = self.indices.extend
        self.coord_chunks: list[np.ndarray] = []
        self.index_chunks: list[np.ndarray] = []
        self.triangle_total = 0
        self.vertex_total = 0

    def start(self, tag, attrib):
        # Vertices and triangles are nearly all the elements: test them first, do little.
        if tag == _VERTEX:
            self._add_coords((attrib["x"], attrib["y"], attrib["z"]))
        elif tag == _TRIANGLE:
            self._add_indices((attrib["v1"], attrib["v2"], attrib["v3"]))
        else:
            self._structure(tag, attrib)

    def _structure(self, tag, attrib) -> None:
        if tag == _OBJECT:
            self._finish_object()
            object_id = attrib.get("id", "")
            if object_id in self.objects:
                raise MeshFormatError(
                    f"part '{self.path}' defines object {object_id[:40]} twice", self.filename
                )
            # Without entity substitution libxml2 hands "&" in attributes back as "&#38;".
            name = (attrib.get("name") or "").replace("&#38;", "&").strip()
            self.current = _Object(object_id, name or f"object {object_id[:40]}")
            self.objects[object_id] = self.current
        elif tag == _COMPONENT:
            if self.current is None:
                self._misplaced("component")
            where = f"component of object {self.current.object_id[:40]}"
            transform = _parse_transform(attrib.get("transform"), where, self.filename)
            path = attrib.get(_PATH) or self.path
            self.current.components.append((path, attrib.get("objectid", ""), transform))
        elif tag == _ITEM:
            if not self.in_build:
                self._misplaced("item")
            object_id = attrib.get("objectid", "")
            where = f"build item for object {object_id[:40]}"
            transform = _parse_transform(attrib.get("transform"), where, self.filename)
            self.items.append((attrib.get(_PATH) or self.path, object_id, transform))
        elif tag == _BUILD:
            self._finish_object()
            self.in_build = True
        elif tag == _MODEL:
            unit = attrib.get("unit", "millimeter")
            if unit not in UNIT_MM:
                raise MeshFormatError(
                    f"unknown model unit '{unit[:40]}' (expected one of {', '.join(UNIT_MM)})",
                    self.filename,
                )
            self.unit = unit
        elif self.unit is None:
            namespace, _, local = str(tag)[1:].rpartition("}") if tag[:1] == "{" else ("", "", tag)
            raise MeshFormatError(
                f"part '{self.path}' is not a 3MF model: its root element is "
                f"'{printable(local, 40)}' in namespace '{printable(namespace, 80) or 'none'}', "
                f"expected 'model' in {CORE_NS}",
                self.filename,
            )

    def doctype(self, *args):
        raise UnsafeFileError(
            f"part '{self.path}' declares a DOCTYPE (refused: DTDs can hide entity attacks)",
            self.filename,
        )

    def close(self):
        return None

    def _misplaced(self, what: str) -> None:
        raise MeshFormatError(
            f"part '{self.path}' has a <{what}> outside the place the 3MF format puts it",
            self.filename,
        )

    def flush(self) -> None:
        """Turn the attribute strings gathered so far into numbers (called between feeds)."""
        if self.current is None and (self.coords or self.indices):
            self._misplaced("vertex" if self.coords else "triangle")
        self._flush_coords()
        self._flush_indices()

    def _flush_coords(self) -> None:
        if not self.coords:
            return
        self.coord_chunks.append(_numbers(self.coords, "vertex coordinate", self))
        self.vertex_total += len(self.coords) // 3
        del self.coords[:]
        if self.vertex_total > 3 * self.limits.max_triangles:
            raise MeshTooLargeError(
                f"more than {3 * self.limits.max_triangles} vertices (the limit)", self.filename
            )

    def _flush_indices(self) -> None:
        if not self.indices:
            return
        values = _numbers(self.indices, "triangle vertex index", self, whole=True)
        indices = values if values.dtype == np.int64 else as_indices(values)
        if indices is None:
            raise MeshFormatError(
                f"part '{self.path}': a triangle's vertex index is not a whole number",
                self.filename,
            )
        self.index_chunks.append(indices)
        del self.indices[:]
        self.triangle_total += len(indices) // 3
        if self.triangle_total > self.limits.max_triangles:
            raise MeshTooLargeError(
                f"more than {self.limits.max_triangles} triangles (the limit)", self.filename
            )

    def _finish_object(self) -> None:
        self.flush()
        obj = self.current
        if obj is None:
            return
        vertices = np.concatenate([np.zeros(0), *self.coord_chunks]).reshape(-1, 3)
        triangles = np.concatenate([np.zeros(0, np.int64), *self.index_chunks]).reshape(-1, 3)
        self.coord_chunks, self.index_chunks = [], []
        self.current = None
        if len(vertices) == 0 and len(triangles) == 0:
            return
        if not np.isfinite(vertices).all():
            raise MeshFormatError(
                f"object {obj.object_id} has a vertex coordinate that is not a finite number",
                self.filename,
            )
        if len(triangles) and (triangles.min() < 0 or triangles.max() >= len(vertices)):
            bad = int(triangles.max() if triangles.max() >= len(vertices) else triangles.min())
            raise MeshFormatError(
                f"object {obj.object_id} has a triangle referring to vertex {bad}, but the "
                f"object has {len(vertices)} vertices",
                self.filename,
            )
        if len(vertices) > 3 * len(triangles):
            # Unused vertices would be copied with every instance: keep only used ones.
            used, triangles = np.unique(triangles, return_inverse=True)
            vertices, triangles = vertices[used], triangles.reshape(-1, 3)
        obj.vertices, obj.triangles = vertices, triangles

    def result(self) -> _Part:
        self._finish_object()
        if self.unit is None:
            raise MeshFormatError(f"part '{self.path}' holds no 3MF model", self.filename)
        return _Part(self.path, self.unit, self.objects, self.items)


def _numbers(strings: list[str], what: str, target: _ModelTarget, whole=False) -> np.ndarray:
    """Values of attribute strings, each of which must be exactly one number.

    float64, or int64 when whole (indices, never negative in 3MF).
    """
    joined = " ".join(strings)
    values = None
    # Fast path: no value holds a space, so each is one token for np.fromstring.
    if joined.count(" ") == len(strings) - 1:
        text = joined.encode("ascii", "replace")
        if whole and b"-" not in text and b"+" not in text:
            values = parse_numbers(text, len(strings), dtype=np.int64)
        else:
            values = parse_numbers(text, len(strings))
    if values is None:
        try:
            values = np.array([float(s) for s in strings], dtype=np.float64)
        except ValueError:
            bad = next(s for s in strings if not _is_number(s))
            raise MeshFormatError(
                f"part '{target.path}': {what} '{bad[:40]}' is not a number", target.filename
            ) from None
    return values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class _Assembler:
    """Places every build item's meshes (through components) into one mesh, in model units."""

    def __init__(self, package, parts, filename, limits):
        self.package = package
        self.parts = parts
        self.filename = filename
        self.limits = limits
        self.counts: dict[tuple[str, str], int] = {}

    def _object(self, path: str, object_id: str) -> _Object:
        part = _load_part(self.package, path, self.parts, self.filename, self.limits)
        obj = part.objects.get(object_id)
        if obj is None:
            raise MeshFormatError(
                f"a build item or component refers to object '{object_id[:40]}', which "
                f"part '{path}' does not define",
                self.filename,
            )
        return obj

    def _triangle_count(self, path: str, object_id: str, visiting: list) -> int:
        """Triangles an object expands to; refuses cycles and over-deep nesting."""
        key = (path.lstrip("/").lower(), object_id)
        if key in self.counts:
            return self.counts[key]
        if key in visiting:
            raise MeshFormatError(
                f"object {object_id} contains itself through its components (a cycle)",
                self.filename,
            )
        if len(visiting) >= MAX_COMPONENT_DEPTH:
            raise MeshFormatError(
                f"components nest more than {MAX_COMPONENT_DEPTH} levels deep", self.filename
            )
        obj = self._object(path, object_id)
        visiting.append(key)
        total = 0 if obj.triangles is None else len(obj.triangles)
        for child_path, child_id, _ in obj.components:
            total += self._triangle_count(child_path, child_id, visiting)
            # Stop counting early: sharing makes the total grow exponentially.
            total = min(total, self.limits.max_triangles + 1)
        visiting.pop()
        self.counts[key] = total
        return total

    def assemble(self, root: _Part):
        total = 0
        for path, object_id, _ in root.items:
            total += self._triangle_count(path, object_id, [])
            if total > self.limits.max_triangles:
                raise MeshTooLargeError(
                    f"the build expands to more than {self.limits.max_triangles} triangles "
                    "(the limit)",
                    self.filename,
                )
        instances = []
        objects = []
        face_total = 0
        for path, object_id, transform in root.items:
            placed = []
            self._collect(path, object_id, transform, placed)
            count = sum(len(obj.triangles) for obj, _ in placed)
            if count:
                name = self._object(path, object_id).name
                objects.append(ModelObject(name, face_total, face_total + count))
                face_total += count
            instances.extend(placed)
        vertex_total = sum(len(obj.vertices) for obj, _ in instances)
        vertices = np.empty((vertex_total, 3), dtype=np.float64)
        faces = np.empty((face_total, 3), dtype=np.int32)
        v_at = f_at = 0
        for obj, matrix in instances:
            n, m = len(obj.vertices), len(obj.triangles)
            vertices[v_at : v_at + n] = obj.vertices @ matrix[:3, :3] + matrix[3, :3]
            triangles = obj.triangles
            if np.linalg.det(matrix[:3, :3]) < 0:
                # A mirroring transform turns faces inside out unless their order is flipped.
                triangles = triangles[:, ::-1]
            faces[f_at : f_at + m] = triangles + v_at
            v_at += n
            f_at += m
        if not np.isfinite(vertices).all():
            raise MeshFormatError(
                "the build transforms move vertices beyond finite coordinates", self.filename
            )
        return vertices, faces, objects

    def _collect(self, path, object_id, matrix, placed, depth=0) -> None:
        """Append (mesh object, world transform) for every mesh under an object."""
        obj = self._object(path, object_id)
        if self.counts.get((path.lstrip("/").lower(), object_id), 1) == 0:
            return
        if obj.triangles is not None and len(obj.triangles):
            if len(placed) >= MAX_MESH_INSTANCES:
                raise MeshTooLargeError(
                    f"the build places more than {MAX_MESH_INSTANCES} mesh copies", self.filename
                )
            placed.append((obj, matrix))
        for child_path, child_id, child_matrix in obj.components:
            self._collect(child_path, child_id, child_matrix @ matrix, placed, depth + 1)
