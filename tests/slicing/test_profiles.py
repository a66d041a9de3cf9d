"""Vendor bundles: parsing, inheritance, compatibility, and errors that name file and section."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from printhub.slicing.errors import ProfileError
from printhub.slicing.profiles import (
    DEFAULT_PROFILES_DIR,
    alias_of,
    load_bundles,
    parse_bundle,
    prusaslicer_defaults,
)

SMALL_BUNDLE = """\
# A bundle written for the test.
[vendor]
name = Test Vendor
config_version = 0.0.1

[printer_model:BOX]
name = Box printer
variants = 0.4; 0.6
technology = FFF

[printer:*common*]
printer_model = BOX
bed_shape = 0x0,200x0,200x200,0x200
printer_notes = PRINTER_VENDOR_TEST\\nPRINTER_MODEL_BOX
retract_length = 1

[printer:*fast*]
retract_length = 2
retract_speed = 60

[printer:*slow*]
retract_speed = 20
travel_speed = 100

[printer:Box 0.4]
inherits = *common*; *fast*; *slow*
printer_variant = 0.4
nozzle_diameter = 0.4

[printer:Box 0.6]
inherits = Box 0.4
printer_variant = 0.6
nozzle_diameter = 0.6

[printer:Box 0.8]
inherits = Box 0.4
printer_variant = 0.8
nozzle_diameter = 0.8

[print:*common*]
layer_height = 0.2
perimeters = 2
compatible_printers_condition = printer_notes=~/.*PRINTER_VENDOR_TEST.*/

[print:0.20mm Box]
inherits = *common*
compatible_printers_condition = nozzle_diameter[0]==0.4 and printer_model=="BOX"

[print:0.30mm Box 0.6]
inherits = *common*
layer_height = 0.3
compatible_printers = "Box 0.6"

[print:Anything]
inherits = *common*

[filament:Test PLA]
filament_type = PLA
compatible_printers_condition = nozzle_diameter[0]!=0.6

[filament:Test PLA @0.6]
inherits = Test PLA
compatible_printers_condition = nozzle_diameter[0]==0.6
compatible_prints_condition = layer_height > 0.25

[presets]
print = 0.20mm Box
"""


@pytest.fixture
def small_bundle(tmp_path) -> Path:
    path = tmp_path / "TestVendor.ini"
    path.write_text(SMALL_BUNDLE.replace("\n", "\r\n"), encoding="utf-8")  # CRLF, as some are
    return path


def test_every_installed_bundle_parses(bundles):
    files = sorted(DEFAULT_PROFILES_DIR.glob("*.ini"))
    assert len(bundles) == len(files) >= 18  # PrusaSlicer 2.5 ships 18 vendor bundles
    for bundle in bundles.values():
        # Every concrete preset resolves to a flat dict without 'inherits'.
        for group in ("printer", "print", "filament", "sla_print", "sla_material"):
            for name in bundle.preset_names(group):
                flat = bundle.resolve(group, name)
                assert "inherits" not in flat
        assert bundle.printer_presets(), bundle


def test_prusa_bundle_contents(bundles):
    prusa = bundles["PrusaResearch"]
    assert prusa.name == "Prusa Research"
    assert "Original Prusa i3 MK3S & MK3S+" in prusa.printer_presets()
    assert "Original Prusa SL1S SPEED" in prusa.printer_presets()
    assert not any(name.startswith("*") for name in prusa.preset_names("print"))
    assert any(name.startswith("*") for name in prusa.preset_names("print", include_abstract=True))
    assert prusa.printer_model("Original Prusa i3 MK3S & MK3S+").name.startswith("Original Prusa")
    pla = prusa.resolve("filament", "Prusament PLA")
    assert pla["filament_type"] == "PLA" and float(pla["filament_density"]) == pytest.approx(1.24)


def test_inherits_applies_parents_in_order_then_own_keys(small_bundle):
    bundle = parse_bundle(small_bundle)
    flat = bundle.resolve("printer", "Box 0.4")
    assert flat["retract_length"] == "2"  # *fast* overrides *common*
    assert flat["retract_speed"] == "20"  # *slow* (later) overrides *fast*
    assert flat["travel_speed"] == "100"
    assert flat["nozzle_diameter"] == "0.4"
    assert "inherits" not in flat
    child = bundle.resolve("printer", "Box 0.6")
    assert child["nozzle_diameter"] == "0.6" and child["retract_speed"] == "20"
    # The resolved dict is a copy: changing it does not change the bundle.
    child["nozzle_diameter"] = "9"
    assert bundle.resolve("printer", "Box 0.6")["nozzle_diameter"] == "0.6"
    assert bundle.raw_preset("printer", "Box 0.6") == {
        "inherits": "Box 0.4",
        "printer_variant": "0.6",
        "nozzle_diameter": "0.6",
    }


def test_abstract_and_unknown_variant_presets_are_not_printers(small_bundle):
    bundle = parse_bundle(small_bundle)
    assert bundle.preset_names("printer") == ["Box 0.4", "Box 0.6", "Box 0.8"]
    # 0.8 is not a variant of the BOX model: PrusaSlicer would not install it.
    assert bundle.printer_presets() == ["Box 0.4", "Box 0.6"]


def test_compatibility_conditions_and_lists(small_bundle):
    bundle = parse_bundle(small_bundle)
    assert bundle.compatible_presets("print", "Box 0.4") == ["0.20mm Box", "Anything"]
    # An explicit compatible_printers list wins over the inherited condition.
    assert bundle.compatible_presets("print", "Box 0.6") == ["0.30mm Box 0.6", "Anything"]
    assert bundle.compatible_presets("filament", "Box 0.4") == ["Test PLA"]
    assert bundle.compatible_presets("filament", "Box 0.6") == ["Test PLA @0.6"]
    # compatible_prints_condition: the 0.6 filament wants layers above 0.25 mm.
    assert bundle.compatible_presets("filament", "Box 0.6", "0.30mm Box 0.6") == ["Test PLA @0.6"]
    assert bundle.compatible_presets("filament", "Box 0.6", "Anything") == []


def test_alias_strips_printer_suffix():
    assert alias_of("Prusament PETG @0.6 nozzle") == "Prusament PETG"
    assert alias_of("Prusament PLA") == "Prusament PLA"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace("inherits = Box 0.4\n", "inherits = Box 0.5\n", 1),
            r"TestVendor.ini:\d+ \[printer:Box 0.6\]: inherits unknown preset 'Box 0.5'",
        ),
        (
            lambda t: t.replace("[printer:*common*]\n", "[printer:*common*]\ninherits = Box 0.6\n"),
            r"\[printer:.*\]: inheritance cycle",
        ),
        (
            lambda t: t + "\n[print:Anything]\nlayer_height = 0.1\n",
            r"TestVendor.ini:\d+ \[print:Anything\]: section defined twice",
        ),
        (
            lambda t: t.replace("perimeters = 2\n", "perimeters = 2\nperimeters = 3\n"),
            r"\[print:\*common\*\]: option 'perimeters' set twice",
        ),
        (
            lambda t: t.replace("perimeters = 2\n", "perimeters 2\n"),
            r"\[print:\*common\*\]: expected 'key = value', got 'perimeters 2'",
        ),
        (lambda t: "stray = 1\n" + t, r"TestVendor.ini:1: option outside any section"),
        (
            lambda t: t.replace('printer_model=="BOX"', 'printer_model=="BOX'),
            r"\[print:0.20mm Box\]: compatible_printers_condition: unexpected character",
        ),
        (lambda t: t.replace("[vendor]\n", "[not_vendor]\n"), r"no \[vendor\] section"),
    ],
)
def test_bundle_errors_name_file_and_section(tmp_path, edit, message):
    path = tmp_path / "TestVendor.ini"
    path.write_text(edit(SMALL_BUNDLE), encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        parse_bundle(path)


def test_unreadable_bundle(tmp_path):
    path = tmp_path / "Latin1.ini"
    path.write_bytes(b"[vendor]\nname = Caf\xe9\n")
    with pytest.raises(ProfileError, match=r"Latin1.ini: not UTF-8"):
        parse_bundle(path)
    with pytest.raises(ProfileError, match="apt-get install prusa-slicer"):
        load_bundles(tmp_path / "missing")


def test_packaged_defaults_match_the_installed_slicer(prusa_slicer, tmp_path):
    """data/prusaslicer_defaults.toml is what `prusa-slicer --save` writes."""
    defaults = prusaslicer_defaults()
    for technology, extra in (("fff", []), ("sla", ["--printer-technology", "SLA"])):
        out = tmp_path / f"{technology}.ini"
        subprocess.run(
            [prusa_slicer, *extra, "--save", str(out)], check=True, capture_output=True, timeout=60
        )
        saved = {}
        for line in out.read_text().splitlines():
            if line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.partition("=")
            saved[key.strip()] = value.strip()
        assert saved == defaults[technology]
    assert shutil.which(prusa_slicer)
