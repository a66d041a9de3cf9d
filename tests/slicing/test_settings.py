"""PrintSettings validation and resolve_config: one complete flat PrusaSlicer config per job."""

from __future__ import annotations

import pytest

from printhub.slicing.errors import (
    IncompatibleMaterial,
    InvalidSettings,
    SlicingNotAvailable,
)
from printhub.slicing.profiles import prusaslicer_defaults
from printhub.slicing.settings import PrintSettings, effective_layer_height, resolve_config

# What the estimator reads: it must be there, and be a number.
FDM_NUMBERS = [
    "layer_height",
    "first_layer_height",
    "nozzle_diameter",
    "filament_diameter",
    "filament_density",
    "filament_cost",
    "filament_max_volumetric_speed",
    "perimeters",
    "top_solid_layers",
    "bottom_solid_layers",
    "perimeter_speed",
    "external_perimeter_speed",
    "infill_speed",
    "solid_infill_speed",
    "top_solid_infill_speed",
    "support_material_speed",
    "bridge_speed",
    "gap_fill_speed",
    "travel_speed",
    "first_layer_speed",
    "default_acceleration",
    "perimeter_acceleration",
    "infill_acceleration",
    "machine_max_acceleration_extruding",
    "machine_max_feedrate_x",
    "slowdown_below_layer_time",
    "min_print_speed",
    "max_fan_speed",
    "min_fan_speed",
    "fan_below_layer_time",
    "disable_fan_first_layers",
    "temperature",
    "bed_temperature",
    "retract_length",
    "retract_speed",
    "support_material_threshold",
    "skirts",
]


def _first_number(value: str) -> float:
    return float(value.rstrip("%").split(",")[0])


def test_settings_defaults_and_validation():
    settings = PrintSettings()
    assert settings.layer_height_mm is None and settings.infill_percent == 20
    assert settings.supports == "auto" and settings.perimeters is None
    with pytest.raises(InvalidSettings, match="infill_percent must be between 0 and 100, not 120"):
        PrintSettings(infill_percent=120)
    with pytest.raises(InvalidSettings, match="infill_percent must be a whole number"):
        PrintSettings(infill_percent=20.5)
    with pytest.raises(InvalidSettings, match="perimeters must be a whole number"):
        PrintSettings(perimeters=True)
    with pytest.raises(InvalidSettings, match="supports must be one of off, auto, buildplate"):
        PrintSettings(supports="everywhere")
    with pytest.raises(InvalidSettings, match="layer_height_mm must be between"):
        PrintSettings(layer_height_mm=0)
    with pytest.raises(InvalidSettings, match="infill_pattern 'hexagons' is not one of"):
        PrintSettings(infill_pattern="hexagons")
    with pytest.raises(InvalidSettings, match="brim_mm must be a number"):
        PrintSettings(brim_mm="5")
    assert isinstance(InvalidSettings("x"), ValueError)


def test_layer_height_is_checked_against_the_nozzle(catalog):
    mk3s = catalog.printer("mk3s")
    assert effective_layer_height(mk3s, PrintSettings()) == 0.2
    assert effective_layer_height(mk3s, PrintSettings(layer_height_mm=0.1)) == 0.1
    # 0.75 × the nozzle is the thickest, as PrusaSlicer's own "0.30mm DRAFT @MK3" prints.
    assert effective_layer_height(mk3s, PrintSettings(layer_height_mm=0.3)) == 0.3
    with pytest.raises(InvalidSettings, match=r"0.35 mm is outside 0.07–0.3 mm.*0.4 mm nozzle"):
        effective_layer_height(mk3s, PrintSettings(layer_height_mm=0.35))
    big = catalog.printer("mk3s-hardened-0.6")
    assert effective_layer_height(big, PrintSettings(layer_height_mm=0.3)) == 0.3
    with pytest.raises(InvalidSettings, match=r"0.1 mm is outside 0.15–0.45 mm"):
        resolve_config(big, catalog.material("pla"), PrintSettings(layer_height_mm=0.1), catalog)
    assert effective_layer_height(catalog.printer("sl1s"), PrintSettings()) == 0.05


def test_every_curated_pair_resolves_to_a_complete_config(catalog):
    fff_keys = set(prusaslicer_defaults()["fff"])
    sla_keys = set(prusaslicer_defaults()["sla"])
    resolved = 0
    for printer in catalog.printers():
        for material in catalog.compatible_materials(printer):
            if not printer.sliceable:
                with pytest.raises(SlicingNotAvailable, match="estimated only"):
                    resolve_config(printer, material, catalog=catalog)
                continue
            config = resolve_config(printer, material, PrintSettings(), catalog)
            assert all(isinstance(v, str) for v in config.values())
            assert not {"inherits", "compatible_printers_condition"} & set(config)
            if printer.technology == "fdm":
                assert fff_keys <= set(config)
                for key in FDM_NUMBERS:
                    _first_number(config[key])  # raises when missing or not a number
                assert float(config["filament_density"]) == material.density_g_cm3
                assert float(config["filament_cost"]) == material.price_krw_per_kg
                assert float(config["temperature"]) == material.nozzle_temp_c
                assert float(config["bed_temperature"]) == material.bed_temp_c
                assert config["print_settings_id"] and config["filament_settings_id"]
            else:
                assert sla_keys <= set(config)
                assert float(config["material_density"]) == material.density_g_cm3
                assert float(config["bottle_cost"]) == material.price_krw_per_l
                assert config["sla_material_settings_id"].endswith("@0.05 SL1S")
            resolved += 1
    assert resolved >= 30


def test_print_preset_with_the_nearest_layer_height(catalog):
    mk3s, pla = catalog.printer("mk3s"), catalog.material("pla")
    config = resolve_config(mk3s, pla, PrintSettings(), catalog)
    assert config["print_settings_id"] == "0.20mm QUALITY @MK3"
    assert config["layer_height"] == "0.2"
    config = resolve_config(mk3s, pla, PrintSettings(layer_height_mm=0.16), catalog)
    assert config["print_settings_id"].startswith("0.15mm QUALITY")
    assert config["layer_height"] == "0.16"  # the person's height, the nearest preset's speeds
    config = resolve_config(mk3s, pla, PrintSettings(layer_height_mm=0.07), catalog)
    assert config["print_settings_id"] == "0.07mm ULTRADETAIL @MK3"


def test_material_and_settings_override_the_presets(catalog):
    printer = catalog.printer("mk3s-hardened-0.4")
    cnt = catalog.material("petg-cnt")
    settings = PrintSettings(
        infill_percent=35,
        infill_pattern="gyroid",
        perimeters=4,
        top_layers=6,
        bottom_layers=5,
        supports="buildplate",
        brim_mm=5,
    )
    config = resolve_config(printer, cnt, settings, catalog)
    assert config["filament_settings_id"] == '"Prusament PETG"'
    assert config["filament_max_volumetric_speed"] == "6"  # the CNT override
    assert config["filament_density"] == "1.31"
    # Prusament PETG prints its first layer 10 °C cooler; the offset stays.
    assert (config["temperature"], config["first_layer_temperature"]) == ("255", "245")
    assert config["fill_density"] == "35%" and config["fill_pattern"] == "gyroid"
    assert config["perimeters"] == "4"
    assert (config["top_solid_layers"], config["bottom_solid_layers"]) == ("6", "5")
    assert config["support_material"] == "1" and config["support_material_buildplate_only"] == "1"
    assert config["brim_width"] == "5"
    off = resolve_config(printer, cnt, PrintSettings(supports="off"), catalog)
    assert off["support_material"] == "0"
    solid = resolve_config(
        printer, cnt, PrintSettings(infill_percent=100, infill_pattern="gyroid"), catalog
    )
    assert solid["fill_pattern"] == "rectilinear"


def test_filament_variant_follows_the_nozzle(catalog):
    petg = catalog.material("petg")
    small = resolve_config(catalog.printer("mk3s"), petg, catalog=catalog)
    big = resolve_config(catalog.printer("mk3s-hardened-0.6"), petg, catalog=catalog)
    mini = resolve_config(catalog.printer("mini"), petg, catalog=catalog)
    assert small["filament_settings_id"] == '"Prusament PETG"'
    assert big["filament_settings_id"] == '"Prusament PETG @0.6 nozzle"'
    assert mini["filament_settings_id"] == '"Prusament PETG @MINI"'


def test_other_vendors(catalog):
    voron = catalog.printer("voron-2.4-350")
    abs_config = resolve_config(voron, catalog.material("abs"), catalog=catalog)
    assert abs_config["filament_settings_id"] == '"Basic ABS @VORON"'  # vendor_presets
    assert abs_config["printer_settings_id"] == "Voron_v2_350_afterburner 0.4 nozzle"
    # No ASA in the Voron bundle: Prusament ASA from the reference bundle, without its
    # Prusa-specific filament G-code.
    asa = resolve_config(voron, catalog.material("asa"), catalog=catalog)
    assert asa["filament_settings_id"] == '"Prusament ASA"'
    assert asa["start_filament_gcode"] == prusaslicer_defaults()["fff"]["start_filament_gcode"]
    ender = resolve_config(catalog.printer("ender3-v2"), catalog.material("pla"), catalog=catalog)
    assert ender["filament_settings_id"] == '"Prusament PLA @CREALITY"'  # found by its alias


def test_resin_layer_heights(catalog):
    sl1s, resin = catalog.printer("sl1s"), catalog.material("resin-tough")
    config = resolve_config(sl1s, resin, PrintSettings(layer_height_mm=0.1), catalog)
    assert config["sla_print_settings_id"] == "0.1 Fast @SL1S"
    assert config["sla_material_settings_id"] == "Prusa Grey High Tenacity @0.1 SL1S"
    assert config["printer_technology"] == "SLA"
    off = resolve_config(sl1s, resin, PrintSettings(supports="off"), catalog)
    assert off["supports_enable"] == "0"
    with pytest.raises(InvalidSettings, match=r"layer heights of 0.025, 0.05, 0.1 mm"):
        resolve_config(sl1s, resin, PrintSettings(layer_height_mm=0.07), catalog)


def test_incompatible_and_unsliceable(catalog):
    with pytest.raises(IncompatibleMaterial, match="abrasive"):
        resolve_config(catalog.printer("mk3s"), catalog.material("pa11-cf"), catalog=catalog)
    with pytest.raises(SlicingNotAvailable, match="SLS printer"):
        resolve_config(catalog.printer("fuse-1"), catalog.material("pa12-powder"), catalog=catalog)


def test_bundle_printer_and_material_resolve(catalog):
    printer = catalog.printer("prusaresearch-original-prusa-mini-mini-plus-0.6-nozzle")
    material = catalog.material("prusaresearch-prusament-petg")
    config = resolve_config(printer, material, PrintSettings(layer_height_mm=0.25), catalog)
    assert config["filament_settings_id"] == '"Prusament PETG @0.6 nozzle MINI"'
    assert config["print_settings_id"] == "0.30mm QUALITY @0.6 nozzle MINI"
    assert config["filament_cost"] == "0"  # no price in won for bundle materials
