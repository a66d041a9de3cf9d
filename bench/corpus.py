"""The model corpus the print-time estimate is calibrated and judged on.

Real files from Debian's packages (PrusaSlicer's shape gallery, the printable solids of
assimp's test models) plus generated parts that cover what the real ones miss: boxes,
cylinders, tall thin and tiny parts, spheres, tori, brackets with overhangs, hollow and
open-top parts, plates with holes, multi-part plates. Generated parts are built with
manifold3d (exact, closed meshes) and written once as binary STL to bench/.cache/corpus/.

    python -m bench.corpus          # list the corpus, writing the generated files
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import manifold3d
import numpy as np

from printhub.geometry.io import write_stl
from printhub.geometry.mesh import Mesh

CACHE = Path(__file__).resolve().parent / ".cache"
PRUSA_SHAPES = Path("/usr/share/PrusaSlicer/shapes")
ASSIMP_MODELS = Path("/usr/share/assimp/models")

# PrusaSlicer's gallery: all of it (closed parts; the recycling symbols are multi-body).
PRUSA_SHAPE_FILES = (
    "box.stl",
    "bunny.stl",
    "cone.stl",
    "cylinder.stl",
    "helper_disk.stl",
    "M3_hex_nut.stl",
    "M3x10_screw.stl",
    "OTHER_recycling_symbol.stl",
    "PETG_recycling_symbol.stl",
    "PLA_recycling_symbol.stl",
    "pyramid.stl",
    "sphere.stl",
    "torus.stl",
)
# assimp's test models that PrusaSlicer prints as solids. Left out: open surfaces, single
# triangles, point clouds, Wuson (3 mm, open: "no extrusions in the first layer") and the
# other 1 mm cube copies (box_mat_with_spaces.obj, testmixed.obj, ... are the same cube).
ASSIMP_FILES = (
    "OBJ/box.obj",  # a 1 mm cube
    "OBJ/empty_mat.obj",  # a small Blender cylinder, 2 x 2 x 3.8 mm
    "STL/3DSMaxExport.STL",  # a thin-walled 57 x 48 x 53 mm model, 3 edges of 16 non-manifold
    "OBJ/spider.obj",  # 150 x 80 x 193 mm, 39 overlapping shells, some open
)


@dataclass(frozen=True)
class CorpusModel:
    """One model of the corpus: where it comes from and the file the slicer reads."""

    name: str
    source: str  # "prusa-shapes" | "assimp" | "generated"
    path: Path
    note: str = ""

    def digest(self) -> str:
        """SHA-256 of the file's bytes (the cache key of everything computed from it)."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------- generated parts

M = manifold3d.Manifold
CS = manifold3d.CrossSection


def _box(x: float, y: float, z: float) -> M:
    return M.cube([x, y, z])


def _cylinder(radius: float, height: float, segments: int = 96) -> M:
    return M.cylinder(height, radius, circular_segments=segments)


def _hole(radius: float, depth: float, at: tuple[float, float], segments: int = 48) -> M:
    return _cylinder(radius, depth + 2.0, segments).translate([at[0], at[1], -1.0])


def calibration_cube() -> M:
    return _box(20, 20, 20)


def flat_plate() -> M:
    return _box(80, 60, 3)


def block() -> M:
    return _box(60, 40, 30)


def cylinder() -> M:
    return _cylinder(12, 40)


def tall_pillar() -> M:
    return _box(6, 6, 60)


def thin_rod() -> M:
    return _cylinder(2.5, 45, 48)


def small_block() -> M:
    return _box(8, 8, 4)


def tiny_pin() -> M:
    return _cylinder(1.5, 6, 32)


def sphere() -> M:
    return M.sphere(18, 96)


def hemisphere_dome() -> M:
    # Flat side down: a dome needs no support.
    return M.sphere(25, 96).trim_by_plane([0, 0, 1], 0.0)


def torus() -> M:
    ring = CS.circle(7, 48).translate([20, 0])
    return M.revolve(ring, 96)


def l_bracket_overhang() -> M:
    # An arm sticking out 30 mm at mid height: a real overhang that needs support.
    return _box(10, 30, 40) + _box(40, 30, 8).translate([0, 0, 20])


def shelf_bridge() -> M:
    # Two posts joined by a deck 30 mm above the bed: a bridge.
    return (
        _box(8, 20, 30)
        + _box(8, 20, 30).translate([40, 0, 0])
        + _box(48, 20, 5).translate([0, 0, 30])
    )


def gusset_bracket() -> M:
    base = _box(50, 25, 5)
    wall = _box(5, 25, 40)
    gusset = (
        M.extrude(CS([[[5, 0], [35, 0], [5, 30]]]), 4).rotate([90, 0, 0]).translate([0, 14.5, 5])
    )
    holes = _hole(2.5, 5, (30, 12.5)) + _hole(2.5, 5, (42, 12.5))
    return base + wall + gusset - holes


def hollow_box() -> M:
    # Sealed inside: a closed cavity (internal top surfaces and bridges).
    return _box(30, 30, 30) - _box(24, 24, 24).translate([3, 3, 3])


def open_cup() -> M:
    return _cylinder(20, 35) - _cylinder(18, 40).translate([0, 0, 2])


def thin_wall_box() -> M:
    return _box(50, 30, 40) - _box(48.8, 28.8, 40).translate([0.6, 0.6, 1.0])


def plate_with_holes() -> M:
    plate = _box(90, 50, 5)
    for i in range(5):
        for j in range(2):
            plate = plate - _hole(3.0, 5, (12 + 16.5 * i, 14 + 22 * j))
    return plate


def perforated_panel() -> M:
    panel = _box(60, 60, 2)
    for i in range(8):
        for j in range(8):
            panel = panel - _hole(1.6, 2, (6.5 + 6.7 * i, 6.5 + 6.7 * j), 24)
    return panel


def gear() -> M:
    teeth = 24
    angles = np.arange(teeth * 4) * 2 * np.pi / (teeth * 4)
    radius = np.where(np.arange(teeth * 4) % 4 < 2, 30.0, 26.0)
    outline = np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    return M.extrude(CS([outline]), 8) - _hole(5, 8, (0, 0), 48)


def twisted_vase() -> M:
    star = [
        [np.cos(a) * r, np.sin(a) * r]
        for a, r in zip(np.arange(10) * np.pi / 5, [20, 12] * 5, strict=True)
    ]
    return M.extrude(CS([star]), 60, n_divisions=60, twist_degrees=72, scale_top=(0.6, 0.6))


def stepped_pyramid() -> M:
    part = _box(50, 50, 6)
    for i in range(1, 6):
        side = 50 - 8 * i
        part = part + _box(side, side, 6).translate([4 * i, 4 * i, 6 * i])
    return part


def cone_frustum() -> M:
    return M.cylinder(30, 22, 6, circular_segments=96)


def pins_on_plate() -> M:
    part = _box(50, 50, 2)
    for i in range(5):
        for j in range(5):
            part = part + _cylinder(1.5, 15, 24).translate([7 + 9 * i, 7 + 9 * j, 2])
    return part


def four_small_parts() -> M:
    part = _box(10, 10, 10)
    for dx, dy in ((25, 0), (0, 25), (25, 25)):
        part = part + _box(10, 10, 10).translate([dx, dy, 0])
    return part


def wedge_ramp() -> M:
    # A 30 degree ramp: its slope needs solid "ensure vertical shell" infill.
    return M.extrude(CS([[[0, 0], [60, 0], [0, 35]]]), 30).rotate([90, 0, 0]).translate([0, 30, 0])


def tall_tube() -> M:
    return _cylinder(8, 80) - _cylinder(6.8, 80).translate([0, 0, 1.2])


GENERATED: dict[str, tuple[Callable[[], M], str]] = {
    "calibration_cube": (calibration_cube, "20 mm cube"),
    "flat_plate": (flat_plate, "80 x 60 x 3 plate: mostly top and bottom layers"),
    "block": (block, "60 x 40 x 30 block: mostly sparse infill"),
    "cylinder": (cylinder, "r 12 x 40"),
    "tall_pillar": (tall_pillar, "6 x 6 x 60: short layers, cooling slowdown"),
    "thin_rod": (thin_rod, "r 2.5 x 45: tiny layers"),
    "small_block": (small_block, "8 x 8 x 4"),
    "tiny_pin": (tiny_pin, "r 1.5 x 6"),
    "sphere": (sphere, "r 18: overhangs below the equator"),
    "hemisphere_dome": (hemisphere_dome, "r 25 dome, flat side down"),
    "torus": (torus, "R 20 r 7 ring"),
    "l_bracket_overhang": (l_bracket_overhang, "30 mm arm at mid height: support"),
    "shelf_bridge": (shelf_bridge, "two posts and a deck: a 32 mm bridge"),
    "gusset_bracket": (gusset_bracket, "angle bracket with gusset and holes"),
    "hollow_box": (hollow_box, "sealed 30 mm box with 3 mm walls"),
    "open_cup": (open_cup, "cup, 2 mm wall"),
    "thin_wall_box": (thin_wall_box, "open box, 0.6 mm wall"),
    "plate_with_holes": (plate_with_holes, "90 x 50 x 5 with 10 holes"),
    "perforated_panel": (perforated_panel, "60 x 60 x 2 with 64 holes"),
    "gear": (gear, "24-tooth spur gear, 8 mm"),
    "twisted_vase": (twisted_vase, "twisted tapered star prism, 60 mm"),
    "stepped_pyramid": (stepped_pyramid, "six 6 mm steps"),
    "cone_frustum": (cone_frustum, "r 22 -> 6 over 30 mm"),
    "pins_on_plate": (pins_on_plate, "25 pins on a plate: travel"),
    "four_small_parts": (four_small_parts, "four 10 mm cubes: one object, four islands"),
    "wedge_ramp": (wedge_ramp, "30 degree ramp"),
    "tall_tube": (tall_tube, "r 8 x 80 tube with a floor"),
}


def _generated_path(name: str, maker: Callable[[], M], cache: Path) -> Path:
    path = cache / "corpus" / f"{name}.stl"
    if not path.exists():
        part = maker()
        mesh = part.to_mesh()
        vertices = np.asarray(mesh.vert_properties)[:, :3].astype(np.float64)
        vertices[:, 2] -= vertices[:, 2].min()
        faces = np.asarray(mesh.tri_verts).astype(np.int32)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        write_stl(Mesh(vertices, faces), tmp, binary=True, name=f"printhub corpus {name}")
        tmp.rename(path)
    return path


def corpus(cache: Path = CACHE) -> list[CorpusModel]:
    """Every model of the corpus whose file exists here (generated ones are written first)."""
    models = [
        CorpusModel(Path(name).stem, "prusa-shapes", PRUSA_SHAPES / name)
        for name in PRUSA_SHAPE_FILES
        if (PRUSA_SHAPES / name).is_file()
    ]
    models += [
        CorpusModel("assimp_" + Path(name).stem, "assimp", ASSIMP_MODELS / name)
        for name in ASSIMP_FILES
        if (ASSIMP_MODELS / name).is_file()
    ]
    models += [
        CorpusModel("gen_" + name, "generated", _generated_path(name, maker, cache), note)
        for name, (maker, note) in GENERATED.items()
    ]
    return models


if __name__ == "__main__":
    for model in corpus():
        print(f"{model.name:32s} {model.source:13s} {model.path}")
