"""Why a center cannot take a job: each reason, with its Korean and English sentence."""

import re

import pytest

from printhub.network.models import MaterialPrice, PostProcessing, Printer
from printhub.quotes import eligibility as e
from printhub.quotes import services
from printhub.quotes.reasons import reason_messages

from .conftest import seoul

HANGUL = re.compile("[가-힣]")
NOW = seoul(2026, 12, 7, 10)


def options_by_slug(people, model, material, **kwargs):
    quote = services.create_quote(people["citizen"], model, material, now=NOW, **kwargs)
    return {o.center.slug: o for o in quote.options.select_related("center")}


def assert_bilingual(option):
    """The reason reads in Korean and in English (English names in the English one)."""
    messages = reason_messages(option.reason_code, option.reason_params)
    assert HANGUL.search(messages["ko"]), messages
    assert not HANGUL.search(messages["en"]), messages
    return messages


def test_pa11_cf_at_namwon_needs_a_hardened_nozzle(people, make_model, estimates):
    options = options_by_slug(people, make_model(), "pa11-cf")
    namwon = options["namwon"]
    assert not namwon.eligible
    assert namwon.reason_code == e.NEEDS_HARDENED_NOZZLE
    messages = assert_bilingual(namwon)
    assert "hardened nozzle" in messages["en"] and "PA11 Carbon Fiber" in messages["en"]
    assert "경화 노즐" in messages["ko"]
    # Jeonju and Gunsan have hardened MK3S+ printers.
    assert options["jeonju"].eligible and options["gunsan"].eligible
    assert options["jeonju"].printer_catalog_id.startswith("mk3s-hardened")


def test_abs_needs_an_enclosure(people, make_model, estimates):
    options = options_by_slug(people, make_model(), "abs")
    assert options["namwon"].reason_code == e.NEEDS_ENCLOSURE
    assert_bilingual(options["namwon"])
    assert options["jeonju"].eligible  # the Voron and the enclosed MK3S+


def test_a_300_mm_part_fits_only_the_voron_at_jeonju(people, make_model, estimates):
    options = options_by_slug(people, make_model(size=(300.0, 40.0, 30.0)), "pla")
    assert options["jeonju"].eligible
    assert options["jeonju"].printer_catalog_id == "voron-2.4-350"
    for slug in ("gunsan", "namwon", "jeongeup", "hanok-makers", "hyoja-print"):
        assert options[slug].reason_code == e.TOO_BIG, slug
    messages = assert_bilingual(options["gunsan"])
    assert "300 × 40 × 30 mm" in messages["en"]


def test_the_analysis_report_decides_the_fit_when_it_has_one(people, make_model, estimates):
    # A 260 mm long thin part fits an MK3S+ bed diagonally: the analysis says so.
    fits = {"mk3s": True, "mini": False, "ender3-v2": False}
    options = options_by_slug(people, make_model(size=(260.0, 10.0, 5.0), fits=fits), "pla")
    assert options["namwon"].eligible and options["namwon"].printer_catalog_id == "mk3s"
    assert options["hanok-makers"].reason_code == e.TOO_BIG


def test_resin_only_where_there_is_an_sl1s(people, make_model, estimates):
    estimates.set(print_time_s=7200.0, material_g=None, material_ml=20.0)
    options = options_by_slug(people, make_model(), "resin-standard")
    for slug in ("jeonju", "gunsan", "jeongeup"):
        assert options[slug].eligible, slug
        assert options[slug].printer_catalog_id == "sl1s"
        assert options[slug].material_amount == 20.0
    for slug in ("namwon", "hanok-makers", "hyoja-print"):
        assert options[slug].reason_code == e.WRONG_PROCESS, slug
    messages = assert_bilingual(options["namwon"])
    assert "SLA" in messages["en"]
    # Resin is priced per litre: 20 ml × ₩75,000/L = ₩1,500 at Jeonju.
    assert options["jeonju"].material_krw == 1_500


def test_every_printer_in_maintenance(people, make_model, estimates):
    Printer.objects.filter(center__slug="gunsan").update(status=Printer.Status.MAINTENANCE)
    options = options_by_slug(people, make_model(), "pla")
    assert options["gunsan"].reason_code == e.ALL_IN_MAINTENANCE
    assert_bilingual(options["gunsan"])
    assert options["jeonju"].eligible


def test_one_printer_model_in_maintenance_leaves_the_others(people, make_model, estimates):
    Printer.objects.filter(center__slug="namwon", catalog_id="mk3s").update(
        status=Printer.Status.MAINTENANCE
    )
    options = options_by_slug(people, make_model(), "pla")
    assert options["namwon"].eligible and options["namwon"].printer_catalog_id == "mini"


def test_retired_printers_do_not_count(people, make_model, estimates):
    Printer.objects.filter(center__slug="gunsan", hardened_nozzle=True).update(
        status=Printer.Status.RETIRED
    )
    options = options_by_slug(people, make_model(), "pa11-cf")
    assert options["gunsan"].reason_code == e.NEEDS_HARDENED_NOZZLE


def test_a_center_that_does_not_sell_the_material(people, make_model, estimates):
    MaterialPrice.objects.filter(
        price_list__center__slug="hyoja-print", material__catalog_id="pla"
    ).delete()
    options = options_by_slug(people, make_model(), "pla")
    assert options["hyoja-print"].reason_code == e.MATERIAL_NOT_OFFERED
    assert_bilingual(options["hyoja-print"])


def test_a_post_processing_option_a_center_does_not_offer(people, make_model, estimates):
    PostProcessing.objects.filter(price_list__center__slug="hyoja-print", code="painting").delete()
    options = options_by_slug(people, make_model(), "pla", post_processing=["painting"])
    assert options["hyoja-print"].reason_code == e.POST_PROCESSING_NOT_OFFERED
    messages = assert_bilingual(options["hyoja-print"])
    assert "Painting" in messages["en"] and "도색" in messages["ko"]
    assert options["jeonju"].eligible


def test_a_layer_height_no_printer_there_can_print(people, make_model, estimates):
    # 0.4 mm layers: the hardened 0.6 mm nozzle at Jeonju can (up to 0.45), Gunsan's 0.4 mm
    # one cannot (up to 0.3).
    options = options_by_slug(people, make_model(), "pa11-cf", layer_height_mm=0.4)
    assert options["jeonju"].eligible
    assert options["jeonju"].printer_catalog_id == "mk3s-hardened-0.6"
    assert options["gunsan"].reason_code == e.LAYER_HEIGHT_UNAVAILABLE
    messages = assert_bilingual(options["gunsan"])
    assert "0.4 mm" in messages["en"]


@pytest.mark.parametrize(
    ("status", "code"), [("analysing", e.MODEL_NOT_READY), ("failed", e.MODEL_FAILED)]
)
def test_a_model_that_is_not_analysed(people, make_model, estimates, status, code):
    options = options_by_slug(people, make_model(status=status), "pla")
    assert {o.reason_code for o in options.values()} == {code}
    assert not any(o.eligible for o in options.values())
    assert_bilingual(next(iter(options.values())))
    assert estimates.calls == []  # no estimate for a model that is not there


def test_estimates_that_cannot_be_made(people, make_model, monkeypatch):
    from printhub.slicing.errors import InvalidSettings

    def failing(*args):
        raise InvalidSettings("no")

    monkeypatch.setattr(services, "_estimate_for", failing)
    options = options_by_slug(people, make_model(), "pla")
    assert {o.reason_code for o in options.values()} == {e.ESTIMATE_FAILED}


def test_every_reason_has_both_sentences():
    params = {
        "material": {"ko": "탄소섬유 나일론", "en": "Carbon fibre nylon"},
        "process": "sla",
        "size_mm": [300, 40, 30],
        "largest_mm": [250, 210, 210],
        "layer_height_mm": 0.3,
        "low_mm": 0.07,
        "high_mm": 0.25,
        "count": 2,
        "options": [{"ko": "도색", "en": "Painting"}],
        "status": "queued",
    }
    for code in e.REASON_CODES:
        messages = reason_messages(code, params)
        assert HANGUL.search(messages["ko"]), code
        assert not HANGUL.search(messages["en"]), code


# ------------------------------------------------------------------ pure checks, no database


def printer(pid, catalog_id="mk3s", process="fdm", build=(250, 210, 210), **kwargs):
    return e.PrinterInfo(id=pid, catalog_id=catalog_id, process=process, build_mm=build, **kwargs)


PLA = e.MaterialInfo("pla", "fdm")
READY = e.ModelInfo("ready", (40, 30, 20))


def test_pure_check_order_and_fit():
    assert e.check_center([printer(1)], PLA, READY, has_price=True).eligible
    assert (
        e.check_center([printer(1)], PLA, READY, has_price=False).reason.code
        == e.MATERIAL_NOT_OFFERED
    )
    tall = e.ModelInfo("ready", (20, 30, 240))
    # 240 mm tall fits lying down (axis-aligned rotation) on a 250 mm bed.
    assert e.check_center([printer(1)], PLA, tall, has_price=True).eligible
    assert e.fits_box((300, 40, 30), (350, 350, 350))
    assert not e.fits_box((300, 40, 30), (250, 210, 210))
    unavailable = printer(1, available=False)
    assert (
        e.check_center([unavailable], PLA, READY, has_price=True).reason.code
        == e.ALL_IN_MAINTENANCE
    )
    not_on_list = printer(1, runs_material=False)
    assert (
        e.check_center([not_on_list], PLA, READY, has_price=True).reason.code
        == e.NO_PRINTER_FOR_MATERIAL
    )


def test_printer_fits_from_a_report():
    report = {"printer_fits": [{"printer_id": "mk3s", "fits": True}, {"bad": 1}, "x"]}
    assert e.printer_fits_from_report(report) == {"mk3s": True}
    assert e.printer_fits_from_report(None) == {}
