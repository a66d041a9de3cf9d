"""Errors of the geometry library.

Every error carries a message a person can act on; readers prefix it with the
file's name so that the CLI and the web can show it as one clear line.
"""

from __future__ import annotations

from pathlib import Path


class GeometryError(Exception):
    """Base of every error the geometry library raises on purpose."""

    def __init__(self, problem: str, path: str | Path | None = None):
        self.problem = problem
        self.path = Path(path) if path is not None else None
        super().__init__(f"{self.path.name}: {problem}" if self.path else problem)


class MeshFormatError(GeometryError, ValueError):
    """The file is not a valid model in the format it claims (or seems) to be."""


class UnsupportedFormatError(MeshFormatError):
    """The file is none of the formats printhub reads (STL, OBJ, PLY, 3MF)."""


class EmptyMeshError(MeshFormatError):
    """The file parsed but holds no triangles."""


class UnsafeFileError(MeshFormatError):
    """The file tries something dangerous: XML entities, zip paths, zip bombs."""


class MeshTooLargeError(GeometryError):
    """The file exceeds a configured limit (bytes, triangles, uncompressed size)."""


class RepairError(GeometryError):
    """The mesh could not be repaired as asked."""


class UnreadableFileError(GeometryError):
    """The file could not be opened or read (missing, a directory, no permission)."""
