"""Generated benchmark models, written once to bench/.cache/ (git-ignored)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from printhub.geometry.io import write_stl
from printhub.geometry.mesh import Mesh

CACHE = Path(__file__).resolve().parent / ".cache"


def torus(major=40.0, minor=15.0, rings=1000, sides=500, center=(0.0, 0.0, 0.0)) -> Mesh:
    """A closed torus of 2 · rings · sides triangles (1,000,000 by default), mm."""
    u = np.linspace(0, 2 * np.pi, rings, endpoint=False)
    v = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    uu, vv = np.meshgrid(u, v, indexing="ij")
    x = (major + minor * np.cos(vv)) * np.cos(uu)
    y = (major + minor * np.cos(vv)) * np.sin(uu)
    z = minor * np.sin(vv) + minor
    vertices = np.stack([x, y, z], axis=-1).reshape(-1, 3) + np.asarray(center)
    i, j = np.meshgrid(np.arange(rings), np.arange(sides), indexing="ij")
    a = i * sides + j
    b = ((i + 1) % rings) * sides + j
    c = ((i + 1) % rings) * sides + (j + 1) % sides
    d = i * sides + (j + 1) % sides
    faces = np.concatenate([np.stack([a, b, c], -1), np.stack([a, c, d], -1)]).reshape(-1, 3)
    return Mesh(vertices, faces.astype(np.int32))


def many_shells(count=800, rings=40, sides=16) -> Mesh:
    """`count` small tori on a grid: a model with hundreds of separate shells."""
    per_row = int(np.ceil(np.sqrt(count)))
    parts = []
    for k in range(count):
        row, col = divmod(k, per_row)
        parts.append(torus(4.0, 1.5, rings, sides, center=(col * 12.0, row * 12.0, 0.0)))
    offsets = np.cumsum([0] + [len(p.vertices) for p in parts[:-1]])
    vertices = np.vstack([p.vertices for p in parts])
    faces = np.vstack([p.faces + o for p, o in zip(parts, offsets, strict=True)])
    return Mesh(vertices, faces.astype(np.int32))


def model_path(name: str) -> Path:
    """Path of a generated benchmark model, writing it the first time."""
    makers = {
        "torus_1m.stl": torus,
        "shells_800.stl": many_shells,
    }
    path = CACHE / name
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        write_stl(makers[name](), tmp, binary=True)
        tmp.rename(path)
    return path
