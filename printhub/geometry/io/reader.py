"""Reading any supported model file: limits first, then the format from the content."""

from __future__ import annotations

import os
from pathlib import Path

from printhub.geometry.errors import MeshTooLargeError, UnreadableFileError
from printhub.geometry.io import obj, ply, stl, threemf
from printhub.geometry.io.model import ModelFile
from printhub.geometry.io.sniff import HEAD_BYTES, detect_format
from printhub.geometry.limits import DEFAULT_LIMITS, Limits
from printhub.geometry.mesh import Mesh


def load_model(path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS) -> ModelFile:
    """Read a model file from disk (STL, OBJ, PLY or 3MF, decided by its content)."""
    path = Path(path)
    filename = path.name
    try:
        if not path.is_file():
            if path.is_dir():
                problem = "is a directory, not a file"
            elif path.exists():
                problem = "is not a regular file"
            else:
                problem = "no such file"
            raise UnreadableFileError(problem, path)
        size = path.stat().st_size
        _check_size(size, filename, limits)
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
            fmt = detect_format(head, size, filename)
            if fmt == "stl-binary":
                return stl.read_binary_stl(path, size, filename, limits)
            if fmt == "3mf":
                return threemf.read_3mf(path, filename, limits)
            f.seek(0)
            data = f.read(size + 1)
            if len(data) > size:
                # The file grew since stat(): read on, but never past the limit.
                data += f.read(limits.max_file_bytes + 1 - len(data))
    except OSError as err:
        raise UnreadableFileError(f"cannot read the file: {err.strerror or err}", path) from err
    return parse_model(data, filename, limits)


def parse_model(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> ModelFile:
    """Read a model file held in memory; filename names it in messages (and is a hint)."""
    if not isinstance(data, bytes):
        data = bytes(data)
    _check_size(len(data), filename, limits)
    fmt = detect_format(data[:HEAD_BYTES], len(data), filename)
    if fmt == "stl-binary":
        return stl.parse_binary_stl(data, filename, limits)
    if fmt == "stl-ascii":
        return stl.parse_ascii_stl(data, filename, limits)
    if fmt == "obj":
        return obj.parse_obj(data, filename, limits)
    if fmt == "ply":
        return ply.parse_ply(data, filename, limits)
    return threemf.parse_3mf(data, filename, limits)


def load_mesh(path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS) -> Mesh:
    """The mesh of a model file (all objects together, in mm)."""
    return load_model(path, limits).mesh


def _check_size(size: int, filename: str, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        raise MeshTooLargeError(
            f"the file is {_megabytes(size)}; files up to {_megabytes(limits.max_file_bytes)} "
            "are accepted",
            filename,
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size} bytes"
