"""What a print used, read from a real PrusaSlicer G-code's footer."""

from __future__ import annotations

import math

import pytest

from printhub.inventory.services import filament_grams_from_gcode, grams_for_progress


@pytest.fixture(scope="module")
def box_gcode(tmp_path_factory):
    """PrusaSlicer's own box shape sliced for an MK3S in PETG: (G-code path, slice result)."""
    from pathlib import Path

    from tests.conftest import PRUSA_SHAPES, require

    require((PRUSA_SHAPES / "box.stl").is_file(), "PrusaSlicer's shapes (Debian prusa-slicer)")
    from printhub.slicing import slice_model
    from printhub.slicing.errors import SlicerNotInstalled

    path = Path(tmp_path_factory.mktemp("gcode")) / "box.gcode"
    try:
        result = slice_model(PRUSA_SHAPES / "box.stl", "mk3s", "petg", output_path=path)
    except SlicerNotInstalled:
        require(False, "PrusaSlicer (Debian package prusa-slicer)")
    return path, result


def _without(source, tmp_path, *prefixes: str, replace: dict | None = None):
    """A copy of a G-code without the lines starting with `prefixes` (and lines replaced)."""
    lines = source.read_text().splitlines(keepends=True)
    kept = []
    for line in lines:
        if line.startswith(prefixes):
            continue
        for old, new in (replace or {}).items():
            if line.startswith(old):
                line = new + "\n"
        kept.append(line)
    copy = tmp_path / "edited.gcode"
    copy.write_text("".join(kept))
    return copy


def test_reads_the_grams_prusaslicer_wrote(box_gcode):
    path, result = box_gcode
    text = path.read_text()
    assert "\n; filament used [g] = " in text  # the real footer has the line
    grams = filament_grams_from_gcode(path)
    assert grams == pytest.approx(result.filament_g)
    assert grams > 1


def test_without_grams_uses_length_diameter_and_density(box_gcode, tmp_path):
    path, result = box_gcode
    edited = _without(path, tmp_path, "; filament used [g]", "; total filament used [g]")
    grams = filament_grams_from_gcode(edited)
    # mm × π r² → cm³, × the PETG density the G-code's config dump holds
    expected = result.filament_mm * math.pi * (1.75 / 2) ** 2 / 1000 * 1.27
    assert grams == pytest.approx(expected, rel=1e-6)
    assert grams == pytest.approx(result.filament_g, rel=0.01)


def test_without_a_density_in_the_file_the_argument_is_used(box_gcode, tmp_path):
    path, result = box_gcode
    # What PrusaSlicer writes when the filament profile has no density: 0 g.
    edited = _without(
        path,
        tmp_path,
        replace={"; filament used [g]": "; filament used [g] = 0.00", "; filament_density": ""},
    )
    assert filament_grams_from_gcode(edited) is None
    grams = filament_grams_from_gcode(edited, density_g_cm3=1.27)
    assert grams == pytest.approx(result.filament_g, rel=0.01)


def test_not_a_gcode_gives_none(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("G1 X10 Y10\n; just a comment\n")
    assert filament_grams_from_gcode(other) is None
    assert filament_grams_from_gcode(tmp_path / "missing.gcode") is None


def test_several_extruders_are_added(tmp_path):
    gcode = tmp_path / "two.gcode"
    gcode.write_text("G1 X1\n; filament used [g] = 1.50, 2.25\n")
    assert filament_grams_from_gcode(gcode) == pytest.approx(3.75)


@pytest.mark.parametrize(
    ("progress", "grams"), [(0.0, 0.0), (0.25, 2.5), (1.0, 10.0), (1.2, 10.0), (-0.1, 0.0)]
)
def test_a_partial_print_used_its_share(progress, grams):
    assert grams_for_progress(10.0, progress) == pytest.approx(grams)
