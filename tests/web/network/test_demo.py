"""The demo network loads in every test session: it must be idempotent."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command

from printhub.network import demo, models


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (
            models.Center,
            models.OpeningHours,
            models.Closure,
            models.Room,
            models.Material,
            models.Printer,
            models.Equipment,
            models.PriceList,
            models.MachineRate,
            models.MaterialPrice,
            models.PostProcessing,
        )
    }


def test_loading_again_adds_nothing_and_keeps_ids(db):
    before = counts()
    hours_ids = sorted(models.OpeningHours.objects.values_list("id", flat=True))
    demo.load_demo()
    assert counts() == before
    assert sorted(models.OpeningHours.objects.values_list("id", flat=True)) == hours_ids


def test_the_command(db, capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "materials: 13" in out and "centers and partner shops: 6" in out


def test_demo_network_shape(db):
    assert models.Material.objects.count() == 13
    assert models.Center.objects.filter(kind="center").count() == 4
    assert models.Center.objects.filter(kind="partner_shop").count() == 2
    # Prices are integers; rates only for processes a center has printers for.
    for rate in models.MachineRate.objects.select_related("price_list__center"):
        assert isinstance(rate.krw_per_hour, int)
        assert rate.price_list.center.printers.filter(process=rate.process).exists()


def test_fixed_holidays_close_the_centers_not_the_shops(db):
    holidays = demo.holidays_ahead(dt.date(2026, 11, 26))
    assert holidays[0] == (dt.date(2026, 12, 25), "성탄절", "Christmas Day")
    assert len(holidays) == 8
    shops = models.Closure.objects.filter(center__kind="partner_shop")
    assert not shops.exists()
    assert models.Closure.objects.filter(center__slug="jeonju").count() == 8
