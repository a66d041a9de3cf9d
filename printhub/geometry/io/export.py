"""Writers: binary and ASCII STL, and 3MF packages (core specification, millimetres)."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from printhub.geometry.io.model import ModelObject
from printhub.geometry.io.stl import STL_RECORD
from printhub.geometry.io.threemf import CORE_NS, RELATIONSHIPS_NS, START_PART_TYPE
from printhub.geometry.mesh import Mesh

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\n'
    ' <Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\n'
    ' <Default Extension="model" '
    'ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>\n'
    "</Types>\n"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<Relationships xmlns="{RELATIONSHIPS_NS}">\n'
    f' <Relationship Target="/3D/3dmodel.model" Id="rel0" Type="{START_PART_TYPE}"/>\n'
    "</Relationships>\n"
)
# Rows formatted per step when writing text, bounding the memory of the strings.
_TEXT_ROWS = 65536


def _face_normals(triangles: np.ndarray) -> np.ndarray:
    """(m, 3) float64 unit normals by the right-hand rule; zero for degenerate faces."""
    tri = triangles.astype(np.float64)
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    np.divide(normals, length, out=normals, where=length > 0)
    normals[length[:, 0] == 0] = 0.0
    return normals


def write_stl(
    mesh: Mesh, path: str | os.PathLike, binary: bool = True, name: str = "printhub"
) -> None:
    """Write the mesh as an STL file (binary float32 by default, else ASCII), in mm."""
    triangles = mesh.triangles
    if binary:
        _write_binary_stl(triangles, Path(path), name)
    else:
        _write_ascii_stl(triangles, Path(path), name)


def _write_binary_stl(triangles: np.ndarray, path: Path, name: str) -> None:
    # A binary header must not start with "solid", or readers take the file for ASCII.
    label = name if not name.lower().startswith("solid") else f"printhub {name}"
    header = label.encode("ascii", "replace")[:80].ljust(80, b" ")
    records = np.zeros(len(triangles), dtype=STL_RECORD)
    records["corners"] = triangles
    records["normal"] = _face_normals(records["corners"])
    with open(path, "wb") as f:
        f.write(header)
        f.write(np.uint32(len(triangles)).tobytes())
        records.tofile(f)


def _write_ascii_stl(triangles: np.ndarray, path: Path, name: str) -> None:
    label = " ".join(name.split()) or "printhub"
    # repr() of a Python float reads back to the same double: a lossless round trip.
    facet = (
        "facet normal %r %r %r\n outer loop\n"
        "  vertex %r %r %r\n  vertex %r %r %r\n  vertex %r %r %r\n"
        " endloop\nendfacet\n"
    )
    with open(path, "w", encoding="ascii", errors="replace", newline="\n") as f:
        f.write(f"solid {label}\n")
        for start in range(0, len(triangles), _TEXT_ROWS):
            block = triangles[start : start + _TEXT_ROWS].astype(np.float64)
            rows = np.concatenate([_face_normals(block), block.reshape(-1, 9)], axis=1)
            f.write("".join([facet % tuple(row) for row in rows.tolist()]))
        f.write(f"endsolid {label}\n")


def write_3mf(
    mesh: Mesh, path: str | os.PathLike, objects: Sequence[ModelObject] | None = None
) -> None:
    """Write a 3MF package in millimetres: one object and build item per ModelObject given."""
    if not objects:
        objects = [ModelObject("printhub", 0, len(mesh.faces))]
    objects = [obj for obj in objects if obj.face_stop > obj.face_start]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        with z.open("3D/3dmodel.model", "w", force_zip64=True) as out:
            _write_model(mesh, objects, out)


def _write_model(mesh: Mesh, objects: Sequence[ModelObject], out) -> None:
    def write(text: str) -> None:
        out.write(text.encode("utf-8"))

    write(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<model unit="millimeter" xml:lang="en-US" xmlns="{CORE_NS}">\n'
        " <resources>\n"
    )
    for number, obj in enumerate(objects, start=1):
        faces = mesh.faces[obj.face_start : obj.face_stop]
        # Each object gets only the vertices it uses, renumbered from 0.
        used, local = np.unique(faces, return_inverse=True)
        vertices = mesh.vertices[used].astype(np.float64)
        local = local.reshape(-1, 3)
        name = "".join(ch for ch in obj.name if ch.isprintable()) or f"object {number}"
        write(f'  <object id="{number}" type="model" name={quoteattr(name)}>\n')
        write("   <mesh>\n    <vertices>\n")
        row = '     <vertex x="%r" y="%r" z="%r"/>\n'
        for start in range(0, len(vertices), _TEXT_ROWS):
            block = vertices[start : start + _TEXT_ROWS].tolist()
            write("".join([row % tuple(v) for v in block]))
        write("    </vertices>\n    <triangles>\n")
        row = '     <triangle v1="%d" v2="%d" v3="%d"/>\n'
        for start in range(0, len(local), _TEXT_ROWS):
            block = local[start : start + _TEXT_ROWS].tolist()
            write("".join([row % tuple(t) for t in block]))
        write("    </triangles>\n   </mesh>\n  </object>\n")
    write(" </resources>\n <build>\n")
    for number in range(1, len(objects) + 1):
        write(f'  <item objectid="{number}"/>\n')
    write(" </build>\n</model>\n")
