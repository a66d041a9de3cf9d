"""Reading members of an untrusted zip archive (a 3MF package) within fixed bounds.

Nothing is extracted to disk. Every member name is checked (no "..", no absolute paths),
the central directory is sized before zipfile reads it, and members are inflated in
chunks while the inflated size and the compression ratio are counted: the sizes the zip
headers declare are never trusted.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from printhub.geometry.errors import (
    GeometryError,
    MeshFormatError,
    MeshTooLargeError,
    UnsafeFileError,
)
from printhub.geometry.limits import Limits

# A 3MF package has a handful of parts (model, relationships, thumbnails, configs).
MAX_ENTRIES = 10_000
MAX_CENTRAL_DIRECTORY_BYTES = 4 * 1024 * 1024
# Small members compress extremely well without being bombs; judge the ratio past this.
RATIO_GRACE_BYTES = 1024 * 1024
CHUNK_BYTES = 1024 * 1024

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_DRIVE = re.compile(r"^[A-Za-z]:")
# Everything zipfile and zlib raise on damaged archives (GeometryError, a ValueError too,
# is let through first wherever these are caught).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OSError,
    struct.error,
    KeyError,
    IndexError,
    OverflowError,
)


class SafeZip:
    """A zip archive opened for bounded reading; use as a context manager."""

    def __init__(self, source: Path | bytes, filename: str, limits: Limits):
        self.filename = filename
        self.limits = limits
        self.inflated = 0
        fileobj = io.BytesIO(source) if isinstance(source, bytes | bytearray) else None
        try:
            self._file = fileobj or open(source, "rb")  # noqa: SIM115 (closed in close())
        except OSError as err:
            raise MeshFormatError(f"cannot open the archive: {err.strerror}", filename) from err
        try:
            _check_central_directory(self._file, filename)
            self._zip = zipfile.ZipFile(self._file)
            self._by_name = {}
            for info in self._zip.infolist():
                _check_member_name(info.filename, filename)
                # Package part names are case-insensitive (Open Packaging Conventions).
                self._by_name.setdefault(info.filename.lower(), info)
        except GeometryError:
            self._file.close()
            raise
        except _ZIP_ERRORS as err:
            self._file.close()
            raise MeshFormatError(f"not a valid zip archive (3MF): {err}", filename) from err

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the archive and the file under it."""
        self._zip.close()
        self._file.close()

    def has(self, part: str) -> bool:
        """Whether the package holds a part ("/3D/3dmodel.model" or "3D/3dmodel.model")."""
        return _key(part) in self._by_name

    def read(self, part: str, max_bytes: int) -> bytes:
        """The whole inflated member (for small parts: relationships, content types)."""
        chunks = []
        size = 0
        for chunk in self.stream(part):
            size += len(chunk)
            if size > max_bytes:
                raise MeshTooLargeError(
                    f"part '{part}' is larger than {max_bytes} bytes", self.filename
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def stream(self, part: str) -> Iterator[bytes]:
        """Inflate a member chunk by chunk, enforcing the size and ratio limits as it goes."""
        info = self._by_name.get(_key(part))
        if info is None:
            raise MeshFormatError(f"the package has no part '{part}'", self.filename)
        compressed = max(info.compress_size, 1)
        inflated = 0
        try:
            with self._zip.open(info) as member:
                while True:
                    chunk = member.read(CHUNK_BYTES)
                    if not chunk:
                        break
                    inflated += len(chunk)
                    self.inflated += len(chunk)
                    self._check(part, inflated, compressed)
                    yield chunk
        except GeometryError:
            raise
        except _ZIP_ERRORS as err:
            raise MeshFormatError(f"cannot inflate part '{part}': {err}", self.filename) from err

    def _check(self, part: str, inflated: int, compressed: int) -> None:
        limits = self.limits
        if self.inflated > limits.max_uncompressed_bytes:
            raise MeshTooLargeError(
                f"the package inflates to more than {limits.max_uncompressed_bytes} bytes "
                "(the limit)",
                self.filename,
            )
        if inflated > RATIO_GRACE_BYTES and inflated > limits.max_compression_ratio * compressed:
            raise UnsafeFileError(
                f"part '{part}' inflates more than {limits.max_compression_ratio:g} times its "
                f"compressed size ({compressed} bytes): a zip bomb",
                self.filename,
            )


def _key(part: str) -> str:
    return part.lstrip("/").lower()


def _check_member_name(name: str, filename: str) -> None:
    parts = name.replace("\\", "/").split("/")
    if (
        "\x00" in name
        or name.startswith(("/", "\\"))
        or _DRIVE.match(name)
        or any(p == ".." for p in parts)
    ):
        raise UnsafeFileError(
            f"the archive holds an entry with an unsafe path ('{name[:80]}')", filename
        )


def _check_central_directory(f, filename: str) -> None:
    """Refuse archives whose central directory is too large to list, before zipfile lists it."""
    f.seek(0, io.SEEK_END)
    size = f.tell()
    tail_size = min(size, _EOCD.size + 65535)
    f.seek(size - tail_size)
    tail = f.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        raise MeshFormatError(
            "not a valid zip archive (3MF): no end-of-archive record (truncated?)", filename
        )
    _, _, _, _, entries, directory_bytes, _, _ = _EOCD.unpack_from(tail, at)
    locator_at = at - _ZIP64_LOCATOR.size
    if locator_at >= 0 and tail[locator_at : locator_at + 4] == b"PK\x06\x07":
        _, _, zip64_offset, _ = _ZIP64_LOCATOR.unpack_from(tail, locator_at)
        if zip64_offset + _ZIP64_EOCD.size <= size:
            f.seek(zip64_offset)
            record = f.read(_ZIP64_EOCD.size)
            if record[:4] == b"PK\x06\x06":
                fields = _ZIP64_EOCD.unpack(record)
                entries, directory_bytes = fields[7], fields[8]
    if entries > MAX_ENTRIES or directory_bytes > MAX_CENTRAL_DIRECTORY_BYTES:
        raise UnsafeFileError(
            f"the archive lists {entries} entries in a {directory_bytes}-byte directory; "
            f"a 3MF package has at most {MAX_ENTRIES}",
            filename,
        )
    f.seek(0)
