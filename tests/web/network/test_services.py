"""The network's services: opening hours, the printers that can take a job, prices, and the
changes staff make."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from printhub.network import services
from printhub.network.models import Center, Closure, OpeningHours, Printer, Process

from .conftest import seoul


@pytest.fixture(autouse=True)
def _english_messages():
    """Error messages matched below are the English source strings."""
    with translation.override("en"):
        yield


# 2026-12-02 is a Wednesday, 12-05 a Saturday, 12-06 a Sunday, 12-07 a Monday.
WEDNESDAY = dt.date(2026, 12, 2)


def names(printers) -> list[str]:
    return [p.name for p in printers]


# ------------------------------------------------------------------------ opening hours


def test_namwon_is_closed_over_lunch(center):
    namwon = center("namwon")
    assert services.is_open_at(namwon, seoul(2026, 12, 2, 11, 59))
    assert not services.is_open_at(namwon, seoul(2026, 12, 2, 12, 0))
    assert not services.is_open_at(namwon, seoul(2026, 12, 2, 12, 30))
    assert services.is_open_at(namwon, seoul(2026, 12, 2, 13, 0))
    assert not services.is_open_at(namwon, seoul(2026, 12, 2, 18, 0))  # closing time is out


def test_a_closure_day_closes_the_center(center):
    jeonju = center("jeonju")
    assert services.is_open_at(jeonju, seoul(2026, 12, 2, 10, 0))
    Closure.objects.create(center=jeonju, date=WEDNESDAY, reason_ko="점검", reason_en="Inspection")
    assert not services.is_open_at(jeonju, seoul(2026, 12, 2, 10, 0))
    assert jeonju.opening_periods(WEDNESDAY) == []
    assert services.is_open_at(jeonju, seoul(2026, 12, 3, 10, 0))


def test_moments_in_other_time_zones_are_read_in_seoul(center):
    # 01:00 UTC is 10:00 in Seoul.
    assert services.is_open_at(center("jeonju"), dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC))
    assert not services.is_open_at(center("jeonju"), dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC))


def test_open_periods_over_a_weekend_into_the_next_week(center):
    periods = services.open_periods(center("jeonju"), seoul(2026, 12, 5, 14, 0), 3)
    assert periods == [
        (seoul(2026, 12, 5, 14, 0), seoul(2026, 12, 5, 15, 0)),  # Saturday, already open
        (seoul(2026, 12, 7, 9, 0), seoul(2026, 12, 7, 18, 0)),  # nothing on Sunday
        (seoul(2026, 12, 8, 9, 0), seoul(2026, 12, 8, 14, 0)),  # cut at start + 3 days
    ]
    for opens, closes in periods:
        assert opens.utcoffset() == dt.timedelta(hours=9) and closes > opens


def test_open_periods_from_sunday_night_across_midnight(center):
    periods = services.open_periods(center("jeonju"), seoul(2026, 12, 6, 23, 30), 1)
    assert periods == [(seoul(2026, 12, 7, 9, 0), seoul(2026, 12, 7, 18, 0))]


def test_open_periods_of_a_week_keep_lunch_breaks_and_skip_closures(center):
    namwon = center("namwon")
    Closure.objects.create(center=namwon, date=WEDNESDAY)
    periods = services.open_periods(namwon, seoul(2026, 11, 30, 0, 0), 7)  # Monday
    days = sorted({opens.date() for opens, _ in periods})
    assert [d.day for d in days] == [30, 1, 3, 4]  # Mon, Tue, Thu, Fri
    assert len(periods) == 8  # two a day around lunch
    assert (seoul(2026, 12, 1, 9, 0), seoul(2026, 12, 1, 12, 0)) in periods
    assert (seoul(2026, 12, 1, 13, 0), seoul(2026, 12, 1, 18, 0)) in periods
    assert periods == sorted(periods)


def test_open_periods_given_a_utc_start(center):
    # Sunday 15:00 UTC is Monday 00:00 in Seoul.
    start = dt.datetime(2026, 12, 6, 15, 0, tzinfo=dt.UTC)
    periods = services.open_periods(center("jeonju"), start, 1)
    assert periods == [(seoul(2026, 12, 7, 9, 0), seoul(2026, 12, 7, 18, 0))]
    assert periods[0][0].utcoffset() == dt.timedelta(hours=9)


def test_open_periods_of_no_days(center):
    assert services.open_periods(center("jeonju"), seoul(2026, 12, 2, 10, 0), 0) == []


def test_next_open_on_sunday_is_monday_morning(center):
    assert services.next_open_time(center("jeonju"), seoul(2026, 12, 6, 11, 0)) == seoul(
        2026, 12, 7, 9, 0
    )


def test_next_open_when_open_is_now(center):
    moment = seoul(2026, 12, 2, 10, 15)
    assert services.next_open_time(center("jeonju"), moment) == moment


def test_next_open_after_lunch_and_after_closing(center):
    assert services.next_open_time(center("namwon"), seoul(2026, 12, 2, 12, 30)) == seoul(
        2026, 12, 2, 13, 0
    )
    # Friday evening: Jeonju opens on Saturday, Namwon not before Monday.
    assert services.next_open_time(center("jeonju"), seoul(2026, 12, 4, 19, 0)) == seoul(
        2026, 12, 5, 10, 0
    )
    assert services.next_open_time(center("namwon"), seoul(2026, 12, 4, 19, 0)) == seoul(
        2026, 12, 7, 9, 0
    )


def test_next_open_skips_a_closed_monday(center):
    jeonju = center("jeonju")
    Closure.objects.create(center=jeonju, date=dt.date(2026, 12, 7))
    assert services.next_open_time(jeonju, seoul(2026, 12, 6, 11, 0)) == seoul(2026, 12, 8, 9, 0)


def test_next_open_of_a_center_without_hours_is_none(center):
    empty = Center.objects.create(
        slug="empty", name_ko="빈 센터", name_en="Empty", address_ko="-", address_en="-"
    )
    assert services.next_open_time(empty, seoul(2026, 12, 2, 10, 0)) is None
    assert services.open_periods(empty, seoul(2026, 12, 2, 10, 0), 7) == []


# ------------------------------------------------------------------------ printers


def test_carbon_fibre_runs_on_jeonju_hardened_printers_only(center, material):
    printers = services.center_printers_for(center("jeonju"), material("pla-cf"))
    assert names(printers) == [
        "MK3S-HARDENED-0.4-01",
        "MK3S-HARDENED-0.4-02",
        "MK3S-HARDENED-0.6-01",
    ]
    assert all(p.hardened_nozzle for p in printers)


def test_namwon_has_no_printer_for_carbon_fibre(center, material):
    assert services.center_printers_for(center("namwon"), material("pla-cf")) == []
    assert len(services.center_printers_for(center("namwon"), material("pla"))) == 4


def test_pc_cf_needs_hardened_and_enclosed(center, material):
    printers = services.center_printers_for(center("jeonju"), material("pc-cf"))
    assert printers and all(p.hardened_nozzle and p.enclosed for p in printers)
    assert "VORON-2.4-350-01" not in names(printers)  # enclosed but brass


def test_printers_in_maintenance_take_no_work(center, material):
    jeonju = center("jeonju")
    Printer.objects.filter(center=jeonju, name="MK3S-HARDENED-0.4-01").update(
        status=Printer.Status.MAINTENANCE
    )
    assert names(services.center_printers_for(jeonju, material("pla-cf"))) == [
        "MK3S-HARDENED-0.4-02",
        "MK3S-HARDENED-0.6-01",
    ]


def test_a_hand_edited_listing_cannot_put_carbon_fibre_on_brass(center, material):
    jeonju = center("jeonju")
    brass = Printer.objects.get(center=jeonju, name="MK3S-01")
    brass.materials.add(material("pla-cf"))
    assert "MK3S-01" not in names(services.center_printers_for(jeonju, material("pla-cf")))


def test_printers_that_fit_a_part_turned_on_its_side(center, material):
    jeonju, pla = center("jeonju"), material("pla")
    # 240 mm long stands up in Z on an MK3S (250 × 210 × 210 turns into 210 × 210 × 250).
    fitting = names(services.center_printers_for(jeonju, pla, (120, 240, 205)))
    assert "MK3S-01" in fitting and "VORON-2.4-350-01" in fitting
    # 300 mm long: only the Voron (350 mm cube).
    assert names(services.center_printers_for(jeonju, pla, (100, 300, 100))) == ["VORON-2.4-350-01"]
    assert services.center_printers_for(jeonju, pla, (400, 10, 10)) == []


def test_an_inactive_center_or_withdrawn_material_has_no_printers(center, material):
    jeonju, pla = center("jeonju"), material("pla")
    pla.is_active = False
    pla.save()
    assert services.center_printers_for(jeonju, pla) == []
    pla.is_active = True
    pla.save()
    jeonju.is_active = False
    jeonju.save()
    assert services.center_printers_for(jeonju, pla) == []


# ------------------------------------------------------------------------ prices


def test_price_for_material(center, material):
    cf = services.price_for_material(center("jeonju"), material("pla-cf"))
    assert cf.krw_per_kg == 65000 and cf.unit_price_krw == 65000
    resin = services.price_for_material(center("jeonju"), material("resin-standard"))
    assert resin.krw_per_l == 75000 and resin.krw_per_kg is None
    assert services.price_for_material(center("namwon"), material("pla-cf")) is None
    assert services.price_for_material(center("namwon"), material("pla")).krw_per_kg == 28500


def test_machine_rate(center):
    assert services.machine_rate(center("jeonju"), Process.FDM) == 2500
    assert services.machine_rate(center("jeonju"), Process.SLS) == 15000
    assert services.machine_rate(center("namwon"), Process.SLS) is None  # no SLS printer there
    assert isinstance(services.machine_rate(center("namwon"), Process.FDM), int)
    assert services.machine_rate(center("namwon"), Process.FDM) < 2500


def test_overview_offers_only_what_a_printer_can_run(center, material):
    jeonju = center("jeonju")
    for p in Printer.objects.filter(center=jeonju, hardened_nozzle=True):
        p.status = Printer.Status.RETIRED
        p.save()
    catalog_ids = {
        o.material.catalog_id
        for o in services.overview(services.centers_for_display().get(slug="jeonju")).offers
    }
    assert "pla" in catalog_ids and "pla-cf" not in catalog_ids


def test_public_overview_takes_few_queries(django_assert_max_num_queries, db):
    with django_assert_max_num_queries(15):
        for c in services.centers_for_display():
            services.overview(c, seoul(2026, 12, 2, 10, 0))


# ------------------------------------------------------------------------ staff changes


def test_operator_sets_maintenance_but_may_not_retire(people, center):
    printer = Printer.objects.get(center=center("jeonju"), name="MK3S-01")
    services.set_printer_status(people["operator"], printer, Printer.Status.MAINTENANCE)
    printer.refresh_from_db()
    assert printer.status == Printer.Status.MAINTENANCE
    with pytest.raises(PermissionDenied):
        services.retire_printer(people["operator"], printer)
    with pytest.raises(ValidationError):
        services.set_printer_status(people["operator"], printer, Printer.Status.RETIRED)


def test_operator_of_another_center_may_not_touch_the_printer(gunsan_operator, center):
    printer = Printer.objects.get(center=center("jeonju"), name="MK3S-01")
    with pytest.raises(PermissionDenied):
        services.set_printer_status(gunsan_operator, printer, Printer.Status.MAINTENANCE)


def test_only_a_manager_brings_back_a_retired_printer(people, center):
    printer = Printer.objects.get(center=center("jeonju"), name="MK3S-01")
    services.retire_printer(people["manager"], printer)
    with pytest.raises(PermissionDenied):
        services.set_printer_status(people["operator"], printer, Printer.Status.AVAILABLE)
    services.set_printer_status(people["manager"], printer, Printer.Status.AVAILABLE)
    assert printer.status == Printer.Status.AVAILABLE


def _changes(**overrides) -> services.PriceChanges:
    values = dict(
        setup_fee_krw=4000,
        minimum_order_krw=6000,
        vat_percent=10,
        machine_rates={"fdm": 3000},
        material_prices={},
    )
    values.update(overrides)
    return services.PriceChanges(**values)


def test_manager_of_jeonju_edits_jeonju_prices_not_gunsans(people, center):
    services.update_price_list(people["manager"], center("jeonju"), _changes())
    assert services.machine_rate(center("jeonju"), "fdm") == 3000
    with pytest.raises(PermissionDenied):
        services.update_price_list(people["manager"], center("gunsan"), _changes())
    assert services.machine_rate(center("gunsan"), "fdm") == 2500


def test_operator_may_not_edit_prices_admin_may_anywhere(people, center):
    with pytest.raises(PermissionDenied):
        services.update_price_list(people["operator"], center("jeonju"), _changes())
    services.update_price_list(people["admin"], center("gunsan"), _changes())
    assert services.machine_rate(center("gunsan"), "fdm") == 3000


def test_a_bad_price_stores_nothing(people, center, material):
    jeonju, pla = center("jeonju"), material("pla")
    with pytest.raises(ValidationError):
        services.update_price_list(
            people["manager"], jeonju, _changes(material_prices={pla.pk: -5})
        )
    jeonju.price_list.refresh_from_db()
    assert jeonju.price_list.setup_fee_krw == 3000
    assert services.machine_rate(jeonju, "fdm") == 2500
    with pytest.raises(ValidationError):
        services.update_price_list(people["manager"], jeonju, _changes(vat_percent=150))


def test_empty_price_withdraws_a_material_and_a_process(people, center, material):
    jeonju, cf = center("jeonju"), material("pla-cf")
    services.update_price_list(
        people["manager"],
        jeonju,
        _changes(machine_rates={"sls": None}, material_prices={cf.pk: None}),
    )
    assert services.price_for_material(jeonju, cf) is None
    assert services.machine_rate(jeonju, "sls") is None


def test_resin_prices_are_per_litre(people, center, material):
    jeonju, resin = center("jeonju"), material("resin-tough")
    services.update_price_list(
        people["manager"], jeonju, _changes(material_prices={resin.pk: 99000})
    )
    price = services.price_for_material(jeonju, resin)
    assert (price.krw_per_l, price.krw_per_kg) == (99000, None)


def test_post_processing_is_replaced(people, center):
    jeonju = center("jeonju")
    rows = [services.PostProcessingRow("polishing", "연마", "Polishing", 7000, 0.5)]
    services.update_price_list(people["manager"], jeonju, _changes(post_processing=rows))
    assert list(jeonju.price_list.post_processing.values_list("code", "krw_per_part")) == [
        ("polishing", 7000)
    ]


def test_weekly_hours_must_close_after_opening_and_not_overlap(people, center):
    jeonju = center("jeonju")
    with pytest.raises(ValidationError, match="close after"):
        services.set_weekly_hours(people["manager"], jeonju, [(0, dt.time(18), dt.time(9))])
    with pytest.raises(ValidationError, match="overlap"):
        services.set_weekly_hours(
            people["manager"],
            jeonju,
            [(0, dt.time(9), dt.time(12)), (0, dt.time(11), dt.time(18))],
        )
    assert OpeningHours.objects.filter(center=jeonju).count() == 6  # untouched
    services.set_weekly_hours(
        people["manager"], jeonju, [(0, dt.time(9), dt.time(12)), (0, dt.time(13), dt.time(18))]
    )
    assert not services.is_open_at(jeonju, seoul(2026, 12, 7, 12, 30))
    assert not services.is_open_at(jeonju, seoul(2026, 12, 8, 10, 0))  # Tuesday now closed


def test_closures_are_for_managers_and_not_in_the_past(people, center, clock):
    clock(seoul(2026, 12, 1, 9, 0))
    jeonju = center("jeonju")
    with pytest.raises(PermissionDenied):
        services.add_closure(people["operator"], jeonju, WEDNESDAY)
    with pytest.raises(ValidationError, match="past"):
        services.add_closure(people["manager"], jeonju, dt.date(2026, 11, 30))
    closure = services.add_closure(people["manager"], jeonju, WEDNESDAY, "점검", "Inspection")
    with pytest.raises(ValidationError, match="already closed"):
        services.add_closure(people["manager"], jeonju, WEDNESDAY)
    assert not services.is_open_at(jeonju, seoul(2026, 12, 2, 10, 0))
    services.remove_closure(people["manager"], closure)
    assert services.is_open_at(jeonju, seoul(2026, 12, 2, 10, 0))


def test_add_printer_takes_its_facts_from_the_catalog(people, center, material):
    jeonju = center("jeonju")
    printer = services.add_printer(people["manager"], jeonju, "mk3s-hardened-0.4")
    assert printer.name == "MK3S-HARDENED-0.4-03"
    assert printer.hardened_nozzle and printer.enclosed and printer.nozzle_mm == 0.4
    assert printer.build_mm == (250.0, 210.0, 210.0)
    assert material("pla-cf") in printer.materials.all()
    assert material("resin-standard") not in printer.materials.all()
    assert printer in services.center_printers_for(jeonju, material("pla-cf"))


def test_add_printer_refuses_unknown_models_duplicates_and_operators(people, center):
    jeonju = center("jeonju")
    with pytest.raises(ValidationError, match="no printer model"):
        services.add_printer(people["manager"], jeonju, "no-such-printer")
    with pytest.raises(ValidationError, match="already has"):
        services.add_printer(people["manager"], jeonju, "mk3s", name="MK3S-01")
    with pytest.raises(PermissionDenied):
        services.add_printer(people["operator"], jeonju, "mk3s")
    with pytest.raises(PermissionDenied):
        services.add_printer(people["manager"], center("gunsan"), "mk3s")


def test_staff_centers(people, gunsan_operator):
    assert [c.slug for c in services.staff_centers(people["manager"])] == ["jeonju", "hanok-makers"]
    assert [c.slug for c in services.staff_centers(gunsan_operator)] == ["gunsan"]
    assert services.staff_centers(people["admin"]).count() == Center.objects.count()
    assert not services.staff_centers(people["citizen"]).exists()
