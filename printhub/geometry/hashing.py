"""64-bit hashes of rows of numbers, for grouping equal rows with one sort.

murmur3's finaliser (`fmix64`) is a bijection of 64-bit words in which every input bit
reaches every output bit; a row is hashed by absorbing its columns one at a time,
h = fmix64(h ^ column). Plain multiply-xor mixes only carry bits upwards, and coordinates
such as 2.0 or 3.0 have all-zero low bits: on an integer grid they collided by the
thousand. Callers that must be exact still check their groups (topology.weld does).
"""

from __future__ import annotations

import numpy as np

_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
SEED = np.uint64(0x9E3779B97F4A7C15)


def fmix64(h: np.ndarray) -> np.ndarray:
    """murmur3's fmix64 of a uint64 array, in place; returns it."""
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


def hash_rows(columns) -> np.ndarray:
    """One uint64 hash per row of equally long uint64 columns (consumed: changed in place).

    `columns` may be a generator, so that only one column is alive besides the hash.
    """
    h = None
    for column in columns:
        if h is None:
            column ^= SEED
            h = column
        else:
            h ^= column
        del column
        fmix64(h)
    return h


def float_bits(values: np.ndarray) -> np.ndarray:
    """(n,) float → (n,) uint64 bit pattern (a new array), with -0.0 folded onto +0.0."""
    normalised = values + values.dtype.type(0)  # -0.0 + 0.0 == +0.0
    width = np.uint32 if normalised.dtype == np.float32 else np.uint64
    return normalised.view(width).astype(np.uint64)
