"""Regenerate the sample models in samples/ (run from the repository root).

    .venv/bin/python scripts/make_samples.py

bracket.stl  - an L bracket with screw holes and a gusset, printed upside down as
               uploaded (so orientation has something to improve)
broken_box.stl - a 20 mm box with one face missing and one face flipped (for repair)
"""

from __future__ import annotations

from pathlib import Path

import manifold3d as m3
import numpy as np

from printhub.geometry.io import write_stl
from printhub.geometry.mesh import Mesh

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _mesh(solid: m3.Manifold) -> Mesh:
    out = solid.to_mesh()
    return Mesh(
        np.asarray(out.vert_properties[:, :3], np.float64), np.asarray(out.tri_verts, np.int32)
    )


def bracket() -> Mesh:
    m3.set_circular_segments(48)
    base = m3.Manifold.cube((60, 40, 5))
    wall = m3.Manifold.cube((5, 40, 45))
    gusset = (
        m3.Manifold.extrude(m3.CrossSection([[(0, 0), (25, 0), (0, 25)]]), 4)
        .rotate((90, 0, 0))
        .translate((5, 22, 5))
    )
    hole = m3.Manifold.cylinder(10, 2.6, 2.6).translate((0, 0, -2))
    holes = [hole.translate((40, 10, 0)), hole.translate((40, 30, 0))]
    wall_hole = m3.Manifold.cylinder(10, 3.2, 3.2).rotate((0, 90, 0)).translate((-2, 20, 32))
    solid = base + wall + gusset
    for cut in [*holes, wall_hole]:
        solid = solid - cut
    # Upside down, as many downloaded parts arrive.
    return _mesh(solid.rotate((180, 0, 0)))


def broken_box() -> Mesh:
    mesh = _mesh(m3.Manifold.cube((20, 20, 20)))
    faces = mesh.faces[2:].copy()  # a missing triangle pair: a hole
    faces[0] = faces[0, ::-1]  # and one face turned inside out
    return Mesh(mesh.vertices, faces)


def main() -> None:
    SAMPLES.mkdir(exist_ok=True)
    write_stl(bracket(), SAMPLES / "bracket.stl")
    write_stl(broken_box(), SAMPLES / "broken_box.stl")


if __name__ == "__main__":
    main()
