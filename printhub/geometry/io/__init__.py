"""Model files in and out: STL (binary and ASCII), OBJ, PLY and 3MF.

Readers decide the format from the content, return everything in mm, and refuse bad or
hostile input with a GeometryError whose message names the file and the problem.
"""

from printhub.geometry.io.export import write_3mf, write_stl
from printhub.geometry.io.model import FORMATS, UNIT_MM, ModelFile, ModelObject
from printhub.geometry.io.reader import load_mesh, load_model, parse_model

__all__ = [
    "FORMATS",
    "UNIT_MM",
    "ModelFile",
    "ModelObject",
    "load_mesh",
    "load_model",
    "parse_model",
    "write_3mf",
    "write_stl",
]
