"""The catalog: curated fleet and materials, bundle entries, ids, validation, compatibility."""

from __future__ import annotations

import re

import pytest

from printhub.slicing.catalog import (
    MATERIALS_TOML,
    PRINTERS_TOML,
    build_catalog,
    check_compatible,
    load_catalog,
    slugify,
)
from printhub.slicing.errors import (
    CatalogError,
    IncompatibleMaterial,
    UnknownMaterial,
    UnknownPrinter,
)

FLEET = [
    "mk3s",
    "mk3s-hardened-0.4",
    "mk3s-hardened-0.6",
    "mini",
    "ender3-v2",
    "voron-2.4-350",
    "sl1s",
    "fuse-1",
]
MATERIALS = [
    "pla",
    "petg",
    "abs",
    "asa",
    "tpu",
    "pla-cf",
    "petg-cf",
    "pa11-cf",
    "pc-cf",
    "petg-cnt",
    "resin-standard",
    "resin-tough",
    "pa12-powder",
]


def test_curated_entries_come_first(catalog):
    assert [p.id for p in catalog.printers()] == FLEET
    assert [m.id for m in catalog.materials()] == MATERIALS
    everything = catalog.printers(include_bundle=True)
    assert [p.id for p in everything[: len(FLEET)]] == FLEET
    assert all(p.curated for p in catalog.printers())
    assert not any(p.curated for p in everything[len(FLEET) :])
    assert load_catalog() is load_catalog()  # cached


def test_fleet_facts(catalog):
    mk3s = catalog.printer("mk3s")
    assert mk3s.technology == "fdm" and mk3s.nozzle_mm == 0.4
    assert mk3s.build_mm == (250.0, 210.0, 210.0)
    assert not mk3s.hardened_nozzle and not mk3s.enclosed
    assert catalog.printer("mk3s-hardened-0.6").nozzle_mm == 0.6
    assert catalog.printer("mk3s-hardened-0.6").hardened_nozzle
    assert catalog.printer("voron-2.4-350").enclosed
    sl1s = catalog.printer("sl1s")
    assert sl1s.technology == "sla" and sl1s.nozzle_mm is None and sl1s.sliceable
    assert sl1s.layer_height_range_mm == (0.025, 0.1)
    fuse = catalog.printer("fuse-1")
    assert fuse.technology == "sls" and fuse.build_mm == (165.0, 165.0, 300.0)
    assert not fuse.sliceable and fuse.bundle_preset is None


def test_material_facts(catalog):
    pla = catalog.material("pla")
    assert pla.family == "PLA" and pla.filler is None and not pla.abrasive
    assert 25_000 <= pla.price_krw_per_kg <= 35_000 and pla.price_krw_per_l is None
    assert pla.diameter_mm == 1.75
    cf = catalog.material("pa11-cf")
    assert cf.filler == "carbon-fiber" and cf.abrasive and cf.price_krw_per_kg >= 150_000
    cnt = catalog.material("petg-cnt")
    assert cnt.filler == "cnt" and cnt.overrides_dict == {"filament_max_volumetric_speed": "6"}
    resin = catalog.material("resin-standard")
    assert resin.process == "sla" and 60_000 <= resin.price_krw_per_l <= 120_000
    assert resin.price_krw_per_kg is None and resin.nozzle_temp_c is None
    powder = catalog.material("pa12-powder")
    assert powder.process == "sls" and powder.bundle_preset is None
    for material in catalog.materials():
        assert material.name_ko and material.density_g_cm3 > 0


def test_every_bundle_printer_is_listed_with_a_stable_id(catalog, bundles):
    listed = {
        (p.bundle, p.bundle_preset): p
        for p in catalog.printers(include_bundle=True)
        if not p.curated
    }
    expected = {(b.id, name) for b in bundles.values() for name in b.printer_presets()}
    assert set(listed) == expected
    mk3s = listed[("PrusaResearch", "Original Prusa i3 MK3S & MK3S+ 0.6 nozzle")]
    assert mk3s.id == "prusaresearch-original-prusa-i3-mk3s-mk3s-plus-0.6-nozzle"
    assert catalog.printer(mk3s.id) is mk3s
    sla = [p for p in listed.values() if p.technology == "sla"]
    assert {p.bundle_preset for p in sla} == {"Original Prusa SL1", "Original Prusa SL1S SPEED"}
    ultimaker = listed[("Ultimaker", "Ultimaker 2")]
    assert ultimaker.filament_diameter_mm == 2.85


def test_ids_are_unique_typable_and_stable(catalog):
    for entries in (catalog.printers(True), catalog.materials(True)):
        ids = [e.id for e in entries]
        assert len(ids) == len(set(ids))
        assert all(re.fullmatch(r"[a-z0-9][a-z0-9.-]*", i) for i in ids)
    # Building again gives the same ids in the same order.
    again = build_catalog()
    assert [p.id for p in again.printers(True)] == [p.id for p in catalog.printers(True)]
    assert [m.id for m in again.materials(True)] == [m.id for m in catalog.materials(True)]
    assert slugify("Filatech PLA+") == "filatech-pla-plus"
    assert slugify("Original Prusa MINI & MINI+") == "original-prusa-mini-mini-plus"


def test_bundle_materials(catalog):
    bundle_only = [m for m in catalog.materials(include_bundle=True) if not m.curated]
    assert len(bundle_only) > 400
    pa_cf = catalog.material("prusaresearch-prusament-pa11-carbon-fiber")
    assert pa_cf.family == "PA" and pa_cf.filler == "carbon-fiber" and pa_cf.abrasive
    assert pa_cf.price_krw_per_kg is None  # bundles price in euros/dollars, not won
    bronze = catalog.material("prusaresearch-colorfabb-bronzefill")
    assert bronze.abrasive and bronze.filler is None
    resin = catalog.material("prusaresearch-prusament-resin-tough-prusa-orange")
    assert resin.process == "sla" and resin.family == "resin"


def test_unknown_ids_suggest_close_matches(catalog):
    with pytest.raises(UnknownPrinter, match=r"unknown printer 'mk3'; did you mean 'mk3s'"):
        catalog.printer("mk3")
    with pytest.raises(UnknownMaterial, match=r"did you mean 'pla-cf'"):
        catalog.material("pla_cf")
    with pytest.raises(UnknownMaterial) as excinfo:
        catalog.material("zzzz-nothing")
    assert excinfo.value.suggestions == ()
    assert isinstance(excinfo.value, LookupError)


@pytest.mark.parametrize(
    ("printer", "material", "reason"),
    [
        ("mk3s", "pa11-cf", "abrasive"),
        ("mk3s", "petg-cnt", "abrasive"),
        ("voron-2.4-350", "pc-cf", "abrasive"),
        ("mk3s", "abs", "enclosure"),
        ("mini", "asa", "enclosure"),
        ("mk3s", "resin-standard", "resin \\(SLA\\) printer"),
        ("sl1s", "pla", "FDM \\(filament\\) printer"),
        ("fuse-1", "pla", "FDM"),
        ("mk3s", "pa12-powder", "powder \\(SLS\\)"),
        (
            "prusaresearch-original-prusa-i3-mk3s-mk3s-plus-0.25-nozzle",
            "prusaresearch-prusament-pa11-carbon-fiber",
            "abrasive",
        ),
        ("ultimaker-ultimaker-2", "pla", "1.75 mm filament"),
    ],
)
def test_incompatible_pairs_say_why(catalog, printer, material, reason):
    with pytest.raises(IncompatibleMaterial, match=reason):
        check_compatible(catalog.printer(printer), catalog.material(material), catalog)


def test_bundle_conditions_decide_for_bundle_materials(catalog):
    # Prusament PETG has a separate "@0.6 nozzle" variant; Prusament PLA serves both nozzles.
    mk3s_025 = catalog.printer("prusaresearch-original-prusa-i3-mk3s-mk3s-plus-0.25-nozzle")
    petg = catalog.material("prusaresearch-prusament-petg")
    check_compatible(
        catalog.printer("prusaresearch-original-prusa-i3-mk3s-mk3s-plus"), petg, catalog
    )
    flex = catalog.material("prusaresearch-generic-flex")
    with pytest.raises(IncompatibleMaterial, match="other printers or nozzles"):
        check_compatible(mk3s_025, flex, catalog)


def test_compatible_materials_of_the_fleet(catalog):
    ids = lambda printer: [m.id for m in catalog.compatible_materials(catalog.printer(printer))]  # noqa: E731
    assert ids("mk3s") == ["pla", "petg", "tpu"]
    assert set(ids("mk3s-hardened-0.6")) >= {"pla", "pa11-cf", "pc-cf", "petg-cnt", "abs"}
    assert ids("sl1s") == ["resin-standard", "resin-tough"]
    assert ids("fuse-1") == ["pa12-powder"]


# ------------------------------------------------------------------ validation of the data


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PRINTER_OK = """
[box]
name = "Box"
vendor = "Prusa Research"
technology = "fdm"
bundle_preset = "Original Prusa i3 MK3S & MK3S+"
"""

MATERIAL_OK = """
[pla]
name = "PLA"
name_ko = "PLA"
process = "fdm"
family = "PLA"
density_g_cm3 = 1.24
price_krw_per_kg = 30000
nozzle_temp_c = 215
bed_temp_c = 60
bundle_preset = "Prusament PLA"
"""


def test_minimal_curated_files_build(tmp_path, bundles):
    catalog = build_catalog(
        _write(tmp_path, "p.toml", PRINTER_OK), _write(tmp_path, "m.toml", MATERIAL_OK), bundles
    )
    assert [p.id for p in catalog.printers()] == ["box"]
    assert [m.id for m in catalog.materials()] == ["pla"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            PRINTER_OK.replace('technology = "fdm"', 'technology = "fff"'),
            r"printers.toml \[box\] technology: must be one of fdm, sla, sls",
        ),
        (PRINTER_OK.replace('name = "Box"\n', ""), r"\[box\] name: is required"),
        (
            PRINTER_OK.replace("MK3S+", "MK3S+ 0.5 nozzle"),
            r"\[box\] bundle_preset: PrusaResearch.ini has no printer .*did you mean",
        ),
        (
            PRINTER_OK + "build_mm = [300, 200, 200]\n",
            r"\[box\] build_mm: exceeds the preset's build volume",
        ),
        (PRINTER_OK + "build_mm = [200, 200]\n", r"\[box\] build_mm: must be three positive"),
        (PRINTER_OK + "enclosed = 1\n", r"\[box\] enclosed: expected true or false, got 1"),
        (PRINTER_OK + "colour = 'red'\n", r"\[box\]: unknown option\(s\) colour"),
        (
            PRINTER_OK.replace('technology = "fdm"', 'technology = "sla"'),
            r"\[box\] technology: preset .* is fdm, not sla",
        ),
        (PRINTER_OK.replace("[box]", "[Box]"), r"\[Box\]: id must be lowercase"),
        (PRINTER_OK.replace("[box]", "[box-0.4]"), r"id with a '.' written without quotes"),
        (PRINTER_OK + "bundle = 'Nobody'\n", r"\[box\] bundle: no vendor bundle Nobody.ini"),
        ("[box\n", r"printers.toml: not valid TOML"),
    ],
)
def test_bad_printer_entries_name_file_entry_and_option(tmp_path, bundles, text, message):
    printers = _write(tmp_path, "printers.toml", text)
    with pytest.raises(CatalogError, match=message):
        build_catalog(printers, _write(tmp_path, "m.toml", MATERIAL_OK), bundles)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            MATERIAL_OK.replace("1.24", "124"),
            r"materials.toml \[pla\] density_g_cm3: is not a plausible density",
        ),
        (MATERIAL_OK.replace("30000", "-5"), r"\[pla\] price_krw_per_kg: must be greater"),
        (
            MATERIAL_OK.replace("30000", "30000.5"),
            r"\[pla\] price_krw_per_kg: expected a whole number",
        ),
        (
            MATERIAL_OK.replace('"Prusament PLA"', '"Prusament PLAA"'),
            r"\[pla\] bundle_preset: PrusaResearch.ini has no filament 'Prusament PLAA'; "
            r"did you mean 'Prusament PLA'",
        ),
        (MATERIAL_OK + 'filler = "kevlar"\n', r"\[pla\] filler: must be one of"),
        (
            MATERIAL_OK + "overrides = { fill_densty = '10%' }\n",
            r"\[pla\] overrides: 'fill_densty' is not a PrusaSlicer option; did you mean",
        ),
        (
            MATERIAL_OK + "price_krw_per_l = 5\n",
            r"\[pla\] price_krw_per_l: does not apply to fdm materials",
        ),
        (
            MATERIAL_OK + "vendor_presets = { Voron = 'Basic PLAX' }\n",
            r"\[pla\] vendor_presets: Voron.ini has no filament 'Basic PLAX'",
        ),
        (
            MATERIAL_OK.replace('process = "fdm"', 'process = "sla"'),
            r"\[pla\] bundle_preset: PrusaResearch.ini has no sla_material 'Prusament PLA'",
        ),
    ],
)
def test_bad_material_entries_name_file_entry_and_option(tmp_path, bundles, text, message):
    materials = _write(tmp_path, "materials.toml", text)
    with pytest.raises(CatalogError, match=message):
        build_catalog(_write(tmp_path, "p.toml", PRINTER_OK), materials, bundles)


def test_curated_id_may_not_shadow_a_bundle_id(tmp_path, bundles):
    text = MATERIAL_OK.replace("[pla]", "[prusaresearch-prusament-pla]")
    with pytest.raises(CatalogError, match="collides with a bundle preset's id"):
        build_catalog(
            _write(tmp_path, "p.toml", PRINTER_OK), _write(tmp_path, "m.toml", text), bundles
        )


def test_packaged_data_files_exist():
    assert PRINTERS_TOML.is_file() and MATERIALS_TOML.is_file()
