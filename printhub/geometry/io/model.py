"""What a reader returns: the whole file as one mesh in mm, and the objects in it."""

from __future__ import annotations

from dataclasses import dataclass

from printhub.geometry.mesh import Mesh

FORMATS = ("stl-binary", "stl-ascii", "obj", "ply-ascii", "ply-binary", "3mf")

# Model units a file may declare, as their length in mm (the 3MF core specification's list).
UNIT_MM = {
    "micron": 0.001,
    "millimeter": 1.0,
    "centimeter": 10.0,
    "inch": 25.4,
    "foot": 304.8,
    "meter": 1000.0,
}


@dataclass(frozen=True)
class ModelObject:
    """One object (3MF build item, OBJ object or group, STL solid) of a model file.

    Its faces are ``ModelFile.mesh.faces[face_start:face_stop]``.
    """

    name: str
    face_start: int
    face_stop: int

    @property
    def face_count(self) -> int:
        """How many faces (triangles) the object has."""
        return self.face_stop - self.face_start


@dataclass(frozen=True, eq=False)
class ModelFile:
    """A model file once read: every object in one mesh, in mm, build transforms applied.

    mesh : all objects together; vertices (n, 3) float, mm; faces (m, 3) int32
    format : one of FORMATS, decided from the content
    objects : the objects in file order, covering the faces without gaps
    source_unit : the unit the file declared ("millimeter" when the format has none)
    name : the file's name as a person knows it
    """

    mesh: Mesh
    format: str
    objects: tuple[ModelObject, ...]
    source_unit: str
    name: str
