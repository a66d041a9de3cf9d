"""Deciding a model file's format from its content (the file name is only a hint)."""

from __future__ import annotations

import re
import struct

from printhub.geometry.errors import EmptyMeshError, MeshFormatError, UnsupportedFormatError
from printhub.geometry.io._text import to_utf8

SUPPORTED = "STL (binary or ASCII), OBJ, PLY or 3MF"
# How much of the start of a file is enough to tell its format.
HEAD_BYTES = 64 * 1024

STL_HEADER_BYTES = 84
STL_RECORD_BYTES = 50

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_PLY_MAGIC = re.compile(rb"ply[ \t]*\r?\n")
_SOLID = re.compile(rb"[ \t\r\n]*solid(?![^ \t\r\n])", re.IGNORECASE)
_OBJ_LINE = re.compile(rb"^[ \t]*(?:v|f)[ \t]+[-+.0-9]", re.MULTILINE)

# Formats people send that printhub does not read, to name them in the message.
_OTHER_MAGICS = (
    (b"OFF", "an OFF mesh"),
    (b"ISO-10303-21", "a STEP file"),
    (b"glTF", "a binary glTF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


def binary_stl_count(head: bytes) -> int | None:
    """The triangle count a binary STL header declares, or None when the head is too short."""
    if len(head) < STL_HEADER_BYTES:
        return None
    return struct.unpack_from("<I", head, 80)[0]


def is_binary_stl_size(head: bytes, size: int) -> bool:
    """Whether the file size is exactly what a binary STL with the header's count needs."""
    count = binary_stl_count(head)
    return count is not None and size == STL_HEADER_BYTES + STL_RECORD_BYTES * count


def detect_format(head: bytes, size: int, filename: str) -> str:
    """The format of a file from its first bytes (or all of them) and its size.

    Returns "3mf", "ply", "stl-binary", "stl-ascii" or "obj". Raises EmptyMeshError for an
    empty file, MeshFormatError for a binary STL whose size disagrees with its header, and
    UnsupportedFormatError otherwise.
    """
    if size == 0:
        raise EmptyMeshError("the file is empty (0 bytes)", filename)
    if head.startswith(_ZIP_MAGICS):
        return "3mf"
    text = to_utf8(head)
    if _PLY_MAGIC.match(text):
        return "ply"
    if is_binary_stl_size(head, size):
        return "stl-binary"
    nul_count = text.count(b"\x00")
    if _SOLID.match(text) and (nul_count == 0 or b"facet" in text or b"endsolid" in text):
        # Text with facets (a stray NUL is the ASCII reader's to report, with its line).
        return "stl-ascii"
    # A few NUL bytes in an OBJ are damage for the OBJ reader to point at; many mean binary.
    if nul_count * 100 <= len(text) and _OBJ_LINE.search(text):
        return "obj"
    return _refuse(head, text, size, filename, nul_count > 0)


def _refuse(head: bytes, text: bytes, size: int, filename: str, has_nul: bool) -> str:
    """Raise the most helpful error for content that is none of the supported formats."""
    for magic, what in _OTHER_MAGICS:
        if text.lstrip().startswith(magic):
            raise UnsupportedFormatError(f"this is {what}; printhub reads {SUPPORTED}", filename)
    if text.lstrip().startswith(b"<"):
        raise UnsupportedFormatError(
            f"this is an XML file but not a 3MF package; printhub reads {SUPPORTED}", filename
        )
    named_stl = filename.lower().endswith(".stl")
    looks_binary = has_nul or _SOLID.match(text) is not None
    if named_stl and looks_binary:
        count = binary_stl_count(head)
        if count is None:
            raise MeshFormatError(
                f"too short for a binary STL: {size} bytes, a binary STL has at least "
                f"{STL_HEADER_BYTES}",
                filename,
            )
        raise MeshFormatError(_stl_size_problem(count, size), filename)
    raise UnsupportedFormatError(f"not a model file printhub can read ({SUPPORTED})", filename)


def _stl_size_problem(count: int, size: int) -> str:
    expected = STL_HEADER_BYTES + STL_RECORD_BYTES * count
    return (
        f"binary STL header says {count} triangles, which needs {expected} bytes, "
        f"but the file has {size} bytes ({'truncated' if size < expected else 'extra data'})"
    )
