"""The command line as programs and people use it: JSON contracts, exit codes, messages."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from printhub.cli import main
from printhub.geometry.io import load_mesh, write_stl
from tests.geometry.meshes import box, l_bracket, soup

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def run_json(capsys, *argv):
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


@pytest.fixture
def cube_stl(tmp_path):
    path = tmp_path / "cube.stl"
    write_stl(soup(box((20, 20, 20))), path)
    return path


def test_analyze_json_has_the_documented_keys(capsys, cube_stl):
    data = run_json(capsys, "analyze", str(cube_stl))
    assert data["triangles"] == 12
    assert data["bodies"] == 1
    assert data["volume_mm3"] == pytest.approx(8000)
    assert data["area_mm2"] == pytest.approx(2400)
    assert data["bbox_mm"] == pytest.approx([20, 20, 20])
    assert data["is_watertight"] is True
    assert data["is_winding_consistent"] is True
    assert data["overhang_area_mm2"] == 0
    assert isinstance(data["problems"], list)


def test_analyze_problems_have_code_and_severity(capsys):
    data = run_json(capsys, "analyze", str(SAMPLES / "broken_box.stl"), "--quick")
    codes = {p["code"]: p["severity"] for p in data["problems"]}
    assert codes["not_watertight"] == "error"
    assert "inconsistent_winding" in codes


def test_analyze_for_people_names_the_verdict(capsys):
    assert main(["analyze", str(SAMPLES / "bracket.stl")]) == 0
    out = capsys.readouterr().out
    assert "bracket.stl: printable" in out


def test_orient_json_rotation_maps_file_points(capsys, tmp_path):
    tm = l_bracket()
    tm.apply_transform(np.diag([1.0, -1.0, -1.0, 1.0]))  # upside down
    path = tmp_path / "bracket.stl"
    write_stl(soup(tm), path)
    out_path = tmp_path / "oriented.stl"
    data = run_json(capsys, "orient", str(path), "-o", str(out_path))
    rotation = np.array(data["rotation"])
    assert rotation.shape == (3, 3)
    mesh = load_mesh(path)
    rotated = mesh.vertices.astype(float) @ rotation.T  # R·p for every point p
    written = load_mesh(out_path).vertices.astype(float)
    np.testing.assert_allclose(
        np.sort(rotated - rotated.min(axis=0), axis=0),
        np.sort(written - written.min(axis=0), axis=0),
        atol=1e-3,
    )
    assert data["support_area_mm2"] < data["support_area_as_uploaded_mm2"]


def test_repair_writes_a_watertight_model(capsys, tmp_path):
    output = tmp_path / "fixed.3mf"
    data = run_json(capsys, "repair", str(SAMPLES / "broken_box.stl"), "-o", str(output))
    assert data["after"]["is_watertight"] is True
    assert output.exists()
    assert load_mesh(output).triangle_count == data["after"]["triangles"]


def test_catalog_ids_are_what_estimate_takes(capsys, prusa_slicer):
    printers = run_json(capsys, "catalog", "printers")
    materials = run_json(capsys, "catalog", "materials")
    assert {"id", "name"} <= set(printers[0]) and {"id", "name"} <= set(materials[0])
    assert "mk3s" in {p["id"] for p in printers}
    assert "pla" in {m["id"] for m in materials}


def test_estimate_json(capsys, cube_stl, prusa_slicer):
    data = run_json(capsys, "estimate", str(cube_stl), "--printer", "mk3s", "--material", "pla")
    assert data["print_time_s"] > 0
    assert data["filament_g"] > 0


def test_slice_json(capsys, cube_stl, tmp_path, prusa_slicer):
    output = tmp_path / "cube.gcode"
    data = run_json(
        capsys,
        "slice",
        str(cube_stl),
        "--printer",
        "mk3s",
        "--material",
        "pla",
        "-o",
        str(output),
    )
    assert data["print_time_s"] > 0 and data["filament_g"] > 0
    assert output.exists()


def test_thumbnail_writes_a_png(capsys, cube_stl, tmp_path):
    output = tmp_path / "cube.png"
    assert main(["thumbnail", str(cube_stl), "-o", str(output), "--size", "64"]) == 0
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["analyze", "missing.stl"], "missing.stl: no such file"),
        (["repair", "{cube}", "-o", "out.obj"], "the output must end in .stl or .3mf"),
        (["thumbnail", "{cube}", "-o", "x.png", "--size", "99999"], "--size must be between"),
        (["estimate", "{cube}", "--printer", "mk3", "--material", "pla"], "unknown printer"),
        (
            ["estimate", "{cube}", "--printer", "mk3s", "--material", "pa11-cf"],
            "hardened",
        ),
        (
            ["estimate", "{cube}", "--printer", "mk3s", "--material", "pla", "--infill", "300"],
            "infill_percent must be between 0 and 100",
        ),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(capsys, cube_stl, tmp_path, argv, expected):
    argv = [a.replace("{cube}", str(cube_stl)) for a in argv]
    argv = [str(tmp_path / a) if a.endswith((".obj", ".png")) else a for a in argv]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("printhub: error:")
    assert expected in lines[0]
    assert "Traceback" not in err


def test_garbage_file_exits_2(tmp_path, capsys):
    path = tmp_path / "model.stl"
    path.write_bytes(b"\x00\x01garbage" * 10)
    assert main(["analyze", str(path)]) == 2
    assert "printhub: error: model.stl:" in capsys.readouterr().err


def test_the_installed_command_runs(tmp_path, cube_stl):
    exe = shutil.which("printhub") or str(Path(sys.executable).parent / "printhub")
    done = subprocess.run(
        [exe, "analyze", str(cube_stl), "--json", "--quick"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["triangles"] == 12
