"""The compatible_*_condition language, on hand-written configs and on the bundles' own."""

from __future__ import annotations

import pytest

from printhub.slicing.conditions import evaluate_condition, split_values, unescape
from printhub.slicing.errors import ConditionError

MK3S = {
    "nozzle_diameter": "0.4",
    "printer_model": "MK3S",
    "printer_notes": "Don't remove the following keywords!\\nPRINTER_VENDOR_PRUSA3D\\n"
    "PRINTER_MODEL_MK3\\n",
    "single_extruder_multi_material": "0",
    "num_extruders": "1",
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("", True),
        ("nozzle_diameter[0]==0.4", True),
        ("nozzle_diameter[0]!=0.4", False),
        ("nozzle_diameter[0]>0.35", True),
        ("nozzle_diameter[0]>=0.4 and nozzle_diameter[0]<=0.4", True),
        ("nozzle_diameter[0]<0.4", False),
        ('printer_model=="MK3S"', True),
        ('printer_model!="MINI"', True),
        ('printer_model<>"MK3S"', False),
        ("printer_model=~/MK3.*/", True),
        ("printer_model=~/MK3/", False),  # regex_match: the whole string must match
        ("printer_model!~/MINI/", True),
        # Notes span lines: '.' matches newlines as in PrusaSlicer.
        ("printer_notes=~/.*PRINTER_MODEL_MK3.*/", True),
        ("printer_notes=~/.*PRINTER_MODEL_MK(2.5|3).*/", True),
        ("printer_notes=~/.*PRINTER_MODEL_MINI.*/", False),
        ("single_extruder_multi_material", False),
        ("! single_extruder_multi_material", True),
        ("not single_extruder_multi_material", True),
        ("num_extruders==1 && nozzle_diameter[0]==0.4", True),
        ("num_extruders>1 || nozzle_diameter[0]==0.6", False),
        ('nozzle_diameter[0]==0.6 or printer_model=="MK3S" and num_extruders==1', True),
        ('(nozzle_diameter[0]==0.6 or printer_model=="MK3S") and num_extruders==2', False),
        (
            "! (printer_notes=~/.*PRINTER_VENDOR_PRUSA3D.*/ and printer_notes=~/.*MK3.*/ "
            "and single_extruder_multi_material)",
            True,
        ),
        ("true and not false", True),
    ],
)
def test_conditions_evaluate_like_prusaslicer(expression, expected):
    assert evaluate_condition(expression, MK3S) is expected


def test_and_binds_tighter_than_or():
    # a or (b and c) with a true: true whatever c is.
    assert evaluate_condition("nozzle_diameter[0]==0.4 or num_extruders==2 and false", MK3S)


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("nozzle_diameter[0]==", "expected a value"),
        ("(nozzle_diameter[0]==0.4", "missing ')'"),
        ("printer_model=~MK3", "expected /regex/"),
        ("printer_model=~/MK3", "unterminated /regex/"),
        ("printer_model=~/MK(3/", "invalid regex"),
        ("nozzle_diameter[x]==0.4", "index must be a whole number"),
        ("nozzle_diameter[0]==0.4 $", "unexpected character"),
        ("nozzle_diameter[0]==0.4 0.5", "unexpected '0.5'"),
    ],
)
def test_malformed_conditions_raise_condition_error(expression, problem):
    with pytest.raises(ConditionError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        evaluate_condition(expression, MK3S)


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("bed_shape==1", "unknown option 'bed_shape'"),
        ("nozzle_diameter[1]==0.4", r"nozzle_diameter\[1\] is out of range"),
        ("printer_model==0.4", "is not a number"),
        ("printer_model", "is not a boolean"),
        ("nozzle_diameter[0]=~/0.4/", None),  # a number's text can be matched
    ],
)
def test_type_errors_name_the_option(expression, problem):
    if problem is None:
        assert evaluate_condition(expression, MK3S)
        return
    with pytest.raises(ConditionError, match=problem):
        evaluate_condition(expression, MK3S)


def test_value_helpers():
    assert split_values("0.4,0.6") == ["0.4", "0.6"]
    assert split_values('"Prusament PLA";"Generic \\"PLA\\""') == [
        "Prusament PLA",
        'Generic "PLA"',
    ]
    assert split_values("PLA;PETG") == ["PLA", "PETG"]
    assert split_values("") == []
    assert unescape("a\\nb\\\\c") == "a\nb\\c"


def test_every_bundle_condition_evaluates_against_its_printers(bundles):
    """No condition of any bundle errors on a printer of that bundle (they would silently
    make presets incompatible)."""
    from printhub.slicing.conditions import compile_condition
    from printhub.slicing.profiles import printer_condition_env

    checked = 0
    for bundle in bundles.values():
        for technology, groups in (
            ("FFF", ("print", "filament")),
            ("SLA", ("sla_print", "sla_material")),
        ):
            envs = [
                printer_condition_env(config)
                for config in (bundle.resolve("printer", n) for n in bundle.printer_presets())
                if config.get("printer_technology", "FFF") == technology
            ]
            expressions = {
                bundle.resolve(group, name).get("compatible_printers_condition", "").strip()
                for group in groups
                for name in bundle.preset_names(group)
            } - {""}
            for expression in expressions:
                evaluate = compile_condition(expression)
                for env in envs:
                    evaluate(env)  # raises ConditionError on a problem
                    checked += 1
    assert checked > 5_000
