"""Resource limits applied while reading untrusted model files."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a reader may accept before it refuses a file.

    max_file_bytes : size of the file on disk.
    max_triangles : triangles after reading (also checked early from headers).
    max_uncompressed_bytes : total size of a 3MF archive's members once inflated.
    max_compression_ratio : inflated / compressed size of any one member; real
        3MF meshes compress about 5-15x, zip bombs thousands of times.
    """

    max_file_bytes: int = 256 * MB
    max_triangles: int = 10_000_000
    max_uncompressed_bytes: int = 1024 * MB
    max_compression_ratio: float = 200.0


DEFAULT_LIMITS = Limits()
