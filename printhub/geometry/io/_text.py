"""Helpers shared by the text readers: decoding, strict bulk number parsing, locating errors."""

from __future__ import annotations

import numpy as np

# The bytes np.fromstring treats as separators (C isspace): tab, LF, VT, FF, CR, space.
_IS_SPACE = np.zeros(256, dtype=bool)
_IS_SPACE[[9, 10, 11, 12, 13, 32]] = True

UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def to_utf8(data: bytes) -> bytes:
    """The text as UTF-8 bytes without a byte order mark (UTF-16 files are re-encoded)."""
    if data.startswith(UTF8_BOM):
        return data[len(UTF8_BOM) :]
    if data[:2] in _UTF16_BOMS:
        # "replace" keeps a cut or damaged file decodable; the readers then point at it.
        return data.decode("utf-16", "replace").encode("utf-8")
    return data


def token_starts(text: bytes) -> np.ndarray:
    """(k,) int64: byte offsets where a whitespace-separated token starts."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    is_space = _IS_SPACE[np.frombuffer(text, dtype=np.uint8)]
    starts = ~is_space
    starts[1:] &= is_space[:-1]
    return np.flatnonzero(starts)


def tokens_per_line(text: bytes, line_count: int) -> np.ndarray:
    """(line_count,) int64: how many tokens each "\\n"-separated line of text holds."""
    starts = token_starts(text)
    newlines = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == 10)
    line_of_token = np.searchsorted(newlines, starts)
    return np.bincount(line_of_token, minlength=line_count)[:line_count]


def parse_numbers(text: bytes, expected: int, dtype=np.float64) -> np.ndarray | None:
    """(expected,) numbers parsed from whitespace-separated text, or None when malformed.

    np.fromstring is fast but lenient (it may split "1-2" in two, read "" as -1, or, for
    integers, a lone "-" as 0), so the count of values is checked against the count of
    tokens the caller expects, and callers parsing integers must refuse 0 or "-" tokens.
    """
    if expected == 0:
        return np.zeros(0, dtype=dtype) if not text.strip() else None
    try:
        values = np.fromstring(text, dtype=dtype, sep=" ")
    except ValueError:
        return None
    return values if values.size == expected else None


def as_indices(values: np.ndarray) -> np.ndarray | None:
    """int64 copy of float values that must all be whole numbers, or None."""
    if values.size and not (np.isfinite(values).all() and (values == np.floor(values)).all()):
        return None
    if values.size and np.abs(values).max() >= 2**53:
        return None
    return values.astype(np.int64)


def line_number(data: bytes, pos: int) -> int:
    """1-based number of the line holding byte offset pos."""
    return data.count(b"\n", 0, pos) + 1


def line_text(data: bytes, pos: int, width: int = 60) -> str:
    """The line holding byte offset pos, printable and shortened, to quote in a message."""
    start = data.rfind(b"\n", 0, pos) + 1
    end = data.find(b"\n", pos)
    end = len(data) if end < 0 else end
    return printable(data[start : min(end, start + 4 * width)].decode("utf-8", "replace"), width)


def printable(text: str, width: int = 60) -> str:
    """Text safe to show in a one-line message: control characters replaced, shortened."""
    text = "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in text.strip())
    return text[:width] + "…" if len(text) > width else text


def fan_triangulate(first: np.ndarray, counts: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """(t, 3) int64 triangles fanned from polygons stored as flat corner lists.

    first : (p,) int64, offset in flat of each polygon's first corner
    counts : (p,) int64, corners per polygon (each >= 3)
    flat : (k,) int64, corner vertex indices
    """
    if counts.size and counts.max() == 3 and counts.min() == 3:
        if flat.size == 3 * counts.size and (first == 3 * np.arange(counts.size)).all():
            return flat.reshape(-1, 3)
        return flat[first[:, None] + np.arange(3)]
    per_polygon = counts - 2
    polygon = np.repeat(np.arange(len(counts)), per_polygon)
    # Position of each triangle inside its polygon's fan: 0, 1, ... counts-3.
    fan_start = np.cumsum(per_polygon) - per_polygon
    step = np.arange(len(polygon)) - np.repeat(fan_start, per_polygon)
    base = first[polygon]
    return np.stack([flat[base], flat[base + step + 1], flat[base + step + 2]], axis=1)
