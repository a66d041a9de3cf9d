"""create_quote: prices from the demo price lists, best ordering, validity, bad input."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from printhub.network.models import PriceList
from printhub.quotes import network_data, services
from printhub.quotes.models import Quote, QuoteOption

from .conftest import seoul

NOW = seoul(2026, 12, 7, 10)


def make(people, model, material="pla", **kwargs):
    return services.create_quote(people["citizen"], model, material, now=NOW, **kwargs)


def test_price_at_jeonju_is_exact(people, make_model, estimates):
    # One part: 1 h and 50 g. Jeonju: PLA ₩30,000/kg, FDM ₩2,500/h, set-up ₩3,000, VAT 10 %.
    quote = make(people, make_model(), quantity=2)
    jeonju = quote.options.get(center__slug="jeonju")
    assert jeonju.material_krw == 3_000  # 50 g × 2 × ₩30/g
    assert jeonju.machine_krw == 5_000  # 1 h × 2 × ₩2,500
    assert jeonju.setup_krw == 3_000
    assert jeonju.post_processing_krw == 0
    assert jeonju.minimum_top_up_krw == 0
    assert jeonju.subtotal_krw == 11_000
    assert jeonju.vat_krw == 1_100
    assert jeonju.total_krw == 12_100
    assert jeonju.print_time_s == 3600 and jeonju.material_amount == 50


def test_post_processing_is_charged_per_part(people, make_model, estimates):
    quote = make(people, make_model(), quantity=3, post_processing=["support-removal", "sanding"])
    jeonju = quote.options.get(center__slug="jeonju")
    assert jeonju.post_processing_krw == (2_000 + 5_000) * 3
    assert [line["code"] for line in jeonju.post_processing_lines] == [
        "support-removal",
        "sanding",
    ]
    assert jeonju.post_processing_lines[1]["krw"] == 15_000


def test_a_small_job_is_topped_up_to_the_minimum_order(people, make_model, estimates):
    estimates.set(print_time_s=360.0, material_g=2.0)
    quote = make(people, make_model())
    jeonju = quote.options.get(center__slug="jeonju")
    # ₩60 material + ₩250 machine + ₩3,000 set-up = ₩3,310; minimum ₩5,000.
    assert (jeonju.material_krw, jeonju.machine_krw) == (60, 250)
    assert jeonju.minimum_top_up_krw == 1_690
    assert jeonju.subtotal_krw == 5_000
    assert jeonju.total_krw == 5_500


def test_vat_follows_the_centers_rate_rounded_half_up(people, make_model, estimates):
    PriceList.objects.filter(center__slug="jeonju").update(vat_percent=7, minimum_order_krw=0)
    estimates.set(print_time_s=3600.0, material_g=50.5)  # ₩1,515 material
    quote = make(people, make_model())
    jeonju = quote.options.get(center__slug="jeonju")
    assert jeonju.subtotal_krw == 1_515 + 2_500 + 3_000
    assert jeonju.vat_krw == 491  # 7,015 × 7 % = 491.05
    assert jeonju.total_krw == 7_506


def test_best_is_every_eligible_option_cheapest_first(people, make_model, estimates):
    quote = make(people, make_model())
    options = list(quote.options.order_by("position"))
    assert len(options) == 6  # four centers and two partner shops
    eligible = [o for o in options if o.eligible]
    totals = [o.total_krw for o in eligible]
    assert totals == sorted(totals)
    assert quote.best_option() == eligible[0]
    # Namwon and Jeongeup are 5 % cheaper; partner shops dearer.
    assert eligible[0].center.slug in ("namwon", "jeongeup")
    assert eligible[-1].center.slug == "hanok-makers"


def test_ineligible_options_come_last(people, make_model, estimates):
    quote = make(people, make_model(), "pa11-cf")
    flags = [o.eligible for o in quote.options.order_by("position")]
    assert flags == sorted(flags, reverse=True)
    assert flags.count(True) == 2


def test_a_chosen_center_comes_first_and_others_stay_for_comparison(people, make_model, estimates):
    quote = make(people, make_model(), center="hyoja-print")
    options = list(quote.options.order_by("position"))
    assert options[0].center.slug == "hyoja-print"
    assert len(options) == 6
    assert quote.center.slug == "hyoja-print"
    rest = [o.total_krw for o in options[1:] if o.eligible]
    assert rest == sorted(rest)
    assert quote.best_option().center.slug == "hyoja-print"


def test_the_cheapest_printer_model_of_a_center_is_chosen(people, make_model, estimates):
    estimates.set(printer="mk3s", print_time_s=7200.0)
    estimates.set(printer="mini", print_time_s=3600.0)
    quote = make(people, make_model())
    assert quote.options.get(center__slug="gunsan").printer_catalog_id == "mini"
    assert quote.options.get(center__slug="hyoja-print").printer_catalog_id == "mk3s"
    # Each printer model is estimated once for the whole network.
    assert sorted(estimates.calls) == sorted(set(estimates.calls))


@override_settings(QUOTE_VALID_DAYS=3)
def test_validity(people, make_model, estimates):
    quote = make(people, make_model())
    assert quote.valid_until == NOW + dt.timedelta(days=3)
    four_days_ago = timezone.now() - dt.timedelta(days=4)
    old = services.create_quote(people["citizen"], quote.model, "pla", now=four_days_ago)
    assert not old.is_valid
    fresh = services.create_quote(people["citizen"], quote.model, "pla")
    assert fresh.is_valid


def test_quote_number_and_colour_default(people, make_model, estimates):
    quote = make(people, make_model())
    assert quote.number.startswith("Q-20261207-")
    assert quote.color == "white"  # the material's first colour


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 10_000}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"infill_percent": 101}, "infill_percent"),
        ({"layer_height_mm": "thick"}, "layer_height_mm"),
        ({"layer_height_mm": 5}, "layer_height_mm"),
        ({"color": "purple"}, "color"),
        ({"post_processing": ["gold-plating"]}, "post_processing"),
        ({"center": "seoul"}, "center"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(people, make_model, estimates, kwargs, field):
    model = make_model()
    before = (Quote.objects.count(), QuoteOption.objects.count())
    with pytest.raises(ValidationError) as caught:
        make(people, model, **kwargs)
    assert field in caught.value.message_dict
    assert (Quote.objects.count(), QuoteOption.objects.count()) == before


def test_unknown_material_and_model(people, make_model, estimates):
    with pytest.raises(ValidationError) as caught:
        services.create_quote(people["citizen"], "not-a-uuid", "unobtainium")
    assert set(caught.value.message_dict) == {"model", "material"}


def test_only_the_owner_may_quote_a_model(people, make_model, estimates):
    model = make_model(owner=people["citizen"])
    for role in ("student", "operator", "manager"):
        with pytest.raises(PermissionDenied):
            services.create_quote(people[role], model, "pla")
    assert services.create_quote(people["admin"], model, "pla").owner == people["admin"]


def test_get_quote_is_for_the_owner_and_admins(people, make_model, estimates):
    quote = make(people, make_model())
    assert services.get_quote(people["citizen"], quote.id).ordered_options
    assert services.get_quote(people["admin"], quote.id)
    for role in ("student", "operator", "manager"):
        with pytest.raises(PermissionDenied):
            services.get_quote(people[role], quote.id)
    with pytest.raises(Quote.DoesNotExist):
        services.get_quote(people["citizen"], "nonsense")


def test_preview_saves_nothing(people, make_model, estimates):
    model = make_model()
    before = Quote.objects.count()
    options = services.preview_options(people["citizen"], model, "pla", quantity=2)
    assert len(options) == 6 and options[0].eligible
    assert options[0].total_krw > 0 and options[0].reason == ""
    assert Quote.objects.count() == before


def test_the_query_count_does_not_grow_with_the_network(
    people, make_model, estimates, django_assert_max_num_queries
):
    model = make_model()
    with django_assert_max_num_queries(16):
        services.preview_options(people["citizen"], model, "pla", quantity=3)


def test_with_the_real_estimate(people, make_model):
    """No stand-in: the parts app's estimate (or this app's fallback) on a real STL box."""
    model = make_model(size=(30.0, 20.0, 10.0))
    quote = services.create_quote(people["citizen"], model, "pla", quantity=2, now=NOW)
    jeonju = quote.options.get(center__slug="jeonju")
    assert jeonju.eligible, jeonju.reason
    # A 6 cm³ box weighs a few grams of PLA and takes well under a few hours.
    assert 3 < jeonju.material_amount < 15
    assert 300 < jeonju.print_time_s < 4 * 3600
    assert jeonju.total_krw == jeonju.subtotal_krw + jeonju.vat_krw


def test_previews_reuse_the_network_for_a_few_seconds_saved_quotes_never(
    people, make_model, estimates, settings, monkeypatch
):
    from printhub.network.models import Printer

    settings.QUOTE_PREVIEW_CACHE_SECONDS = 60
    clock = [1000.0]
    monkeypatch.setattr(network_data.time, "monotonic", lambda: clock[0])
    model = make_model()

    def gunsan(options):
        return next(o for o in options if o.center.slug == "gunsan")

    assert gunsan(services.preview_options(people["citizen"], model, "pla")).eligible
    Printer.objects.filter(center__slug="gunsan").update(status=Printer.Status.MAINTENANCE)
    # Within the minute the preview still shows what it read; a saved quote reads afresh.
    assert gunsan(services.preview_options(people["citizen"], model, "pla")).eligible
    saved = services.create_quote(people["citizen"], model, "pla")
    assert saved.options.get(center__slug="gunsan").reason_code == "all_in_maintenance"
    clock[0] += 61
    later = gunsan(services.preview_options(people["citizen"], model, "pla"))
    assert later.reason_code == "all_in_maintenance"
