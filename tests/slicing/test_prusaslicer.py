"""Slicing with the real PrusaSlicer: figures, materials, resin, failures, time limits."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from printhub.slicing.errors import (
    IncompatibleMaterial,
    SlicerFailed,
    SlicerNotInstalled,
    SlicerTimeout,
    SlicingError,
    SlicingNotAvailable,
)
from printhub.slicing.gcode import read_gcode_figures
from printhub.slicing.prusaslicer import (
    SLICER_ENV,
    bed_center,
    find_slicer,
    slice_mesh,
    slice_model,
    slicer_version,
    useful_output,
)
from printhub.slicing.settings import PrintSettings

BOX_CM3 = 15.625  # box.stl is a 25 mm cube


@pytest.fixture
def box(prusa_shapes, prusa_slicer):
    return prusa_shapes / "box.stl"


def test_version_and_binary(prusa_slicer):
    assert str(find_slicer()).endswith("prusa-slicer")
    assert slicer_version().startswith("2.5")


def test_box_pla_on_the_mk3s(box, catalog, tmp_path):
    kept = tmp_path / "kept" / "box.gcode"
    result = slice_model(box, "mk3s", "pla", PrintSettings(), output_path=kept, catalog=catalog)
    assert result.technology == "fdm" and result.print_preset == "0.20mm QUALITY @MK3"
    assert result.material_preset == "Prusament PLA"
    assert result.layers == 125  # 25 mm at 0.2 mm
    assert 10 * 60 < result.print_time_s < 3 * 3600
    assert result.print_time_silent_s >= result.print_time_s
    # Filament figures agree with each other: length x cross-section, volume x density.
    area_mm2 = math.pi * (1.75 / 2) ** 2
    assert result.filament_cm3 == pytest.approx(result.filament_mm * area_mm2 / 1000, rel=0.01)
    assert result.filament_g == pytest.approx(result.filament_cm3 * 1.24, rel=0.01)
    # 2 perimeters, 20 % infill: well under the solid mass, well over the shell alone.
    solid_g = BOX_CM3 * 1.24
    assert 0.2 * solid_g < result.filament_g < 0.7 * solid_g
    # PrusaSlicer priced it in won from the hub's price per kg.
    assert result.filament_cost == pytest.approx(result.filament_g / 1000 * 30_000, abs=2)
    assert result.material_cost_krw == result.filament_cost
    assert result.output_path == kept and kept.is_file()
    assert read_gcode_figures(kept).filament_mm == result.filament_mm
    assert '; filament_settings_id = "Prusament PLA"' in kept.read_text()
    assert result.slicer_version.startswith("2.5")
    data = result.to_dict()
    assert json.loads(json.dumps(data))["output_path"] == str(kept)
    assert "config" not in data and data["layers"] == 125
    assert result.config["print_settings_id"] == "0.20mm QUALITY @MK3"


def test_more_infill_uses_more_filament(box, catalog):
    sparse = slice_model(box, "mk3s", "pla", PrintSettings(infill_percent=10), catalog=catalog)
    dense = slice_model(box, "mk3s", "pla", PrintSettings(infill_percent=60), catalog=catalog)
    assert dense.filament_g > sparse.filament_g * 1.3
    assert dense.output_path is None  # nothing kept without output_path


def test_carbon_fiber_slices_on_the_hardened_printer_and_is_slower(box, catalog):
    pla = slice_model(box, "mk3s-hardened-0.4", "pla", catalog=catalog)
    cf = slice_model(box, "mk3s-hardened-0.4", "pa11-cf", catalog=catalog)
    assert cf.material_preset == "Prusament PA11 Carbon Fiber"
    # Its profile caps volumetric flow at 6.5 mm³/s against PLA's 15.
    assert cf.print_time_s > pla.print_time_s * 1.05
    assert cf.filament_cost > pla.filament_cost * 3  # 165,000 against 30,000 won per kg
    with pytest.raises(IncompatibleMaterial, match="abrasive"):
        slice_model(box, "mk3s", "pa11-cf", catalog=catalog)


def test_other_vendor_printer(box, catalog):
    result = slice_model(box, "voron-2.4-350", "abs", catalog=catalog)
    assert result.material_preset == "Basic ABS @VORON"
    assert result.layers == 125 and result.filament_g > 0


@pytest.mark.slow
def test_resin_slice(prusa_shapes, prusa_slicer, catalog, tmp_path):
    kept = tmp_path / "nut.sl1s"
    result = slice_model(
        prusa_shapes / "M3_hex_nut.stl",
        "sl1s",
        "resin-standard",
        PrintSettings(layer_height_mm=0.1),
        output_path=kept,
        catalog=catalog,
    )
    assert result.technology == "sla" and result.print_preset == "0.1 Fast @SL1S"
    assert result.material_preset == "Prusament Resin Tough Prusa Orange @0.1 SL1S"
    # The part is 1.8 mm tall, lifted 5 mm on supports: ~70 layers of 0.1 mm.
    assert 60 <= result.layers <= 90 and result.fast_layers + result.slow_layers == result.layers
    assert result.print_time_s > 60
    # At least the nut's own 0.047 cm³; supports and pad add some.
    assert 0.047 < result.resin_ml < 1.0
    assert result.material_g == pytest.approx(result.resin_ml * 1.10)
    assert result.material_cost_krw == round(result.resin_ml / 1000 * 75_000)
    assert result.filament_mm is None and kept.is_file()


def test_sls_has_no_slicer(box, catalog):
    with pytest.raises(SlicingNotAvailable, match="can only be estimated"):
        slice_model(box, "fuse-1", "pa12-powder", catalog=catalog)


def test_missing_slicer(box, catalog, monkeypatch, tmp_path):
    monkeypatch.setenv(SLICER_ENV, str(tmp_path / "no-such-slicer"))
    with pytest.raises(SlicerNotInstalled, match="apt-get install prusa-slicer"):
        slice_model(box, "mk3s", "pla", catalog=catalog)
    monkeypatch.delenv(SLICER_ENV)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SlicerNotInstalled, match=r"not on PATH.*apt-get install prusa-slicer"):
        find_slicer()


def test_tiny_timeout_stops_the_slicer(prusa_shapes, prusa_slicer, catalog):
    # Resin slicing of the pyramid takes several seconds; a 0.3 s limit must stop it.
    with pytest.raises(SlicerTimeout, match=r"did not finish within 0.3 s"):
        slice_model(
            prusa_shapes / "pyramid.stl", "sl1s", "resin-standard", timeout_s=0.3, catalog=catalog
        )
    # The whole process group was killed: no slicer of this job is left running.
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        assert not (b"--export-sla" in args and any(a.endswith(b"pyramid.stl") for a in args))


def test_failures_quote_the_useful_output(prusa_slicer, catalog, tmp_path):
    broken = tmp_path / "broken.stl"
    broken.write_text("solid x\ngarbage\n")
    with pytest.raises(SlicerFailed, match=r"PrusaSlicer failed on broken.stl") as excinfo:
        slice_model(broken, "mk3s", "pla", catalog=catalog)
    assert "Loading of a model file failed" in excinfo.value.output_tail
    assert "[trace]" not in str(excinfo.value)
    with pytest.raises(SlicingError, match="does not exist"):
        slice_model(tmp_path / "missing.stl", "mk3s", "pla", catalog=catalog)
    ply = tmp_path / "model.ply"
    ply.write_text("ply\n")
    with pytest.raises(SlicingError, match=r"PrusaSlicer reads .stl, .obj, .3mf, .amf"):
        slice_model(ply, "mk3s", "pla", catalog=catalog)


def test_useful_output_drops_noise():
    log = "\n".join(
        [
            "[2026-11-26 12:34:00.846158] [0x00007fe1c5209d80] [trace]   Initializing",
            "10 => Processing triangulated mesh",
            " 98% => Rasterizing layers",
            "[2026-11-26 12:34:00.851908] [0x00007fe1c5209d80] [error]   stl_open: empty file",
            "terminate called after throwing an instance of 'Slic3r::RuntimeError'",
            "  what():  Objects could not fit on the bed",
            "Slicing result exported to out.gcode",
        ]
    )
    assert useful_output(log) == "error: stl_open: empty file\nObjects could not fit on the bed"


def test_bed_center():
    assert bed_center({"bed_shape": "0x0,250x0,250x210,0x210"}) == (125.0, 105.0)
    assert bed_center({"bed_shape": "5x0,215x0,215x220,5x220"}) == (110.0, 110.0)


def test_slice_mesh(prusa_slicer, catalog):
    io = pytest.importorskip("printhub.geometry.io")
    if not hasattr(io, "write_stl"):
        pytest.skip("printhub.geometry.io.write_stl is not written yet")
    import numpy as np

    from printhub.geometry.mesh import Mesh

    vertices = np.array(
        [
            [0, 0, 0],
            [20, 0, 0],
            [20, 20, 0],
            [0, 20, 0],
            [0, 0, 10],
            [20, 0, 10],
            [20, 20, 10],
            [0, 20, 10],
        ],
        dtype=float,
    )
    faces = np.array(
        [
            [0, 2, 1],
            [0, 3, 2],
            [4, 5, 6],
            [4, 6, 7],
            [0, 1, 5],
            [0, 5, 4],
            [1, 2, 6],
            [1, 6, 5],
            [2, 3, 7],
            [2, 7, 6],
            [3, 0, 4],
            [3, 4, 7],
        ],
        dtype=np.int32,
    )
    result = slice_mesh(Mesh(vertices, faces), "mk3s", "pla", catalog=catalog)
    assert result.layers == 50 and result.filament_g > 0
