"""Loading, unloading, deducting and the low-stock warning (services the production code calls)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from printhub.inventory import services
from printhub.inventory.models import StockLevel, StockUse
from printhub.orders.models import Notification


def _manager_of(center):
    return services.center_managers(center).get()


# --- what a printer holds ------------------------------------------------------------------


def test_nothing_loaded_says_none(printer):
    mk3s = printer("jeonju", "MK3S-01")
    assert services.loaded_spool(mk3s) is None
    assert services.grams_left(mk3s) is None
    assert services.loaded_material_id(mk3s) is None


def test_a_loaded_spool_gives_its_grams_and_material(jeonju, printer, make_spool):
    mk3s = printer("jeonju", "MK3S-01")
    spool = make_spool(jeonju, "petg", initial_g=1000, used_g=120)
    services.load_spool(spool, mk3s)
    assert services.loaded_spool(mk3s) == spool
    assert services.grams_left(mk3s) == pytest.approx(880)
    assert services.loaded_material_id(mk3s) == "petg"


def test_loading_replaces_the_spool_that_was_there(jeonju, printer, make_spool):
    mk3s = printer("jeonju", "MK3S-01")
    first, second = make_spool(jeonju), make_spool(jeonju, "petg")
    services.load_spool(first, mk3s)
    services.load_spool(second, mk3s)
    first.refresh_from_db()
    assert first.printer is None and first.loaded_at is None
    assert services.loaded_spool(mk3s) == second


def test_a_spool_moves_from_one_printer_to_another(jeonju, printer, make_spool):
    one, two = printer("jeonju", "MK3S-01"), printer("jeonju", "MK3S-02")
    spool = make_spool(jeonju)
    services.load_spool(spool, one)
    services.load_spool(spool, two)
    assert services.loaded_spool(one) is None
    assert services.loaded_spool(two) == spool


def test_loading_the_same_spool_again_changes_nothing(jeonju, printer, make_spool):
    mk3s = printer("jeonju", "MK3S-01")
    spool = services.load_spool(make_spool(jeonju), mk3s)
    again = services.load_spool(spool, mk3s)
    assert again.loaded_at == spool.loaded_at


def _refusal(spool, printer) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        services.load_spool(spool, printer)
    return refused.value


def test_refuses_a_spool_of_another_center(gunsan, printer, make_spool):
    error = _refusal(make_spool(gunsan), printer("jeonju", "MK3S-01"))
    assert error.code == "other_center"


def test_refuses_an_archived_or_empty_spool(jeonju, printer, make_spool):
    mk3s = printer("jeonju", "MK3S-01")
    assert _refusal(make_spool(jeonju, archived=True), mk3s).code == "archived"
    assert _refusal(make_spool(jeonju, used_g=1000), mk3s).code == "empty"


def test_refuses_a_material_the_printer_cannot_run(jeonju, printer, make_spool):
    # Carbon fibre would wear a brass nozzle: only the hardened printers run it.
    error = _refusal(make_spool(jeonju, "pla-cf"), printer("jeonju", "MK3S-01"))
    assert error.code == "cannot_run"
    with translation.override("en"):
        assert (
            "MK3S-01 cannot run"
            in _refusal(make_spool(jeonju, "pla-cf"), printer("jeonju", "MK3S-01")).messages[0]
        )
    with translation.override("ko"):
        message = _refusal(make_spool(jeonju, "pla-cf"), printer("jeonju", "MK3S-01")).messages[0]
        assert "MK3S-01" in message and "cannot run" not in message
    hardened = printer("jeonju", "MK3S-HARDENED-0.4-01")
    assert services.load_spool(make_spool(jeonju, "pla-cf"), hardened).printer == hardened


def test_refuses_a_resin_on_a_filament_printer(jeonju, printer, make_bottle):
    with pytest.raises(ValidationError):
        services.load_resin(make_bottle(jeonju), printer("jeonju", "MK3S-01"))


def test_staff_of_another_center_may_not_load(jeonju, printer, make_spool, people):
    gunsan_operator = get_user_model().objects.get(email="operator.gunsan@demo.printhub.kr")
    with pytest.raises(PermissionDenied):
        services.load_spool(make_spool(jeonju), printer("jeonju", "MK3S-01"), by=gunsan_operator)
    loaded = services.load_spool(
        make_spool(jeonju), printer("jeonju", "MK3S-01"), by=people["operator"]
    )
    assert loaded.printer is not None


def test_unload_returns_the_spool(jeonju, printer, make_spool):
    mk3s = printer("jeonju", "MK3S-01")
    assert services.unload_spool(mk3s) is None
    spool = services.load_spool(make_spool(jeonju), mk3s)
    assert services.unload_spool(mk3s) == spool
    assert services.grams_left(mk3s) is None


# --- deducting -----------------------------------------------------------------------------


def test_deduct_takes_grams_and_records_the_use(jeonju, printer, make_spool, people):
    mk3s = printer("jeonju", "MK3S-01")
    spool = services.load_spool(make_spool(jeonju), mk3s)
    use = services.deduct(mk3s, 42.5, reason="part 1", by=people["operator"])
    spool.refresh_from_db()
    assert spool.used_weight_g == pytest.approx(42.5)
    assert (use.spool, use.amount, use.unit) == (spool, 42.5, "g")
    assert (use.reason, use.by, use.job) == ("part 1", people["operator"], None)
    assert services.grams_left(mk3s) == pytest.approx(957.5)


def test_deduct_caps_at_what_is_left(jeonju, printer, make_spool):
    mk3s = printer("jeonju", "MK3S-01")
    spool = services.load_spool(make_spool(jeonju, initial_g=1000, used_g=970), mk3s)
    use = services.deduct(mk3s, 100)
    spool.refresh_from_db()
    assert use.amount == pytest.approx(30)
    assert spool.used_weight_g == pytest.approx(1000)
    assert services.grams_left(mk3s) == 0
    assert services.deduct(mk3s, 5) is None  # nothing left to take


def test_deduct_without_a_spool_does_nothing(printer):
    assert services.deduct(printer("jeonju", "MK3S-01"), 10) is None
    assert not StockUse.objects.exists()


def test_deduct_refuses_negative_grams(jeonju, printer, make_spool):
    mk3s = printer("jeonju", "MK3S-01")
    services.load_spool(make_spool(jeonju), mk3s)
    with pytest.raises(ValueError):
        services.deduct(mk3s, -1)
    assert services.deduct(mk3s, 0) is None


def test_deduct_from_resin_in_millilitres(jeonju, printer, make_bottle, material):
    sl1s = printer("jeonju", "SL1S-01")
    bottle = services.load_resin(make_bottle(jeonju), sl1s)
    density = material("resin-standard").density_g_cm3
    use = services.deduct(sl1s, 110)
    bottle.refresh_from_db()
    assert use.unit == "ml" and use.amount == pytest.approx(110 / density)
    assert bottle.used_ml == pytest.approx(110 / density)
    assert services.grams_left(sl1s) == pytest.approx((1000 - 110 / density) * density)
    assert services.loaded_material_id(sl1s) == "resin-standard"


# --- low stock -----------------------------------------------------------------------------


def test_low_stock_counts_loaded_and_shelved_spools(jeonju, printer, make_spool, material):
    services.load_spool(make_spool(jeonju, used_g=900), printer("jeonju", "MK3S-01"))
    make_spool(jeonju, used_g=1000)  # empty, still on the shelf
    low = services.low_stock(jeonju)
    assert [(item.material.catalog_id, item.grams, item.minimum_g) for item in low] == [
        ("pla", 100, 250)
    ]
    make_spool(jeonju, used_g=800)  # 200 g more: 300 g in all
    assert services.low_stock(jeonju) == []
    StockLevel.objects.update_or_create(
        center=jeonju, material=material("pla"), defaults={"minimum_g": 500}
    )
    assert [item.minimum_g for item in services.low_stock(jeonju)] == [500]


def test_a_minimum_set_warns_of_a_material_out_of_stock(jeonju, material, people):
    services.set_minimum(people["manager"], jeonju, material("petg"), 300)
    assert [(i.material.catalog_id, i.grams) for i in services.low_stock(jeonju)] == [("petg", 0)]


def test_archived_spools_are_not_stock(jeonju, make_spool):
    make_spool(jeonju, archived=True)
    assert services.stock_grams(jeonju) == {}


def test_crossing_the_minimum_warns_each_manager_once(
    jeonju, printer, make_spool, django_capture_on_commit_callbacks
):
    mk3s = printer("jeonju", "MK3S-01")
    services.load_spool(make_spool(jeonju, initial_g=1000), mk3s)
    manager = _manager_of(jeonju)
    with django_capture_on_commit_callbacks(execute=True):
        services.deduct(mk3s, 700)  # 300 g left: not yet low
    assert not Notification.objects.filter(user=manager).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.deduct(mk3s, 100)  # 200 g: below 250
        services.deduct(mk3s, 50)  # still low: no second warning
    warnings = Notification.objects.filter(user=manager)
    assert warnings.count() == 1
    assert warnings.get().order is None
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert "/inventory/jeonju/" in mail.outbox[0].body


def test_new_stock_rearms_the_warning(jeonju, printer, make_spool, people):
    mk3s = printer("jeonju", "MK3S-01")
    first = services.load_spool(make_spool(jeonju, initial_g=300), mk3s)
    services.deduct(mk3s, 100)  # 200 g: warned
    assert StockLevel.objects.get(center=jeonju).low_since is not None
    second = services.add_spool(people["manager"], jeonju, first.filament, 1000)  # 1,200 g
    assert StockLevel.objects.get(center=jeonju).low_since is None
    services.deduct(mk3s, 200)  # the loaded spool is empty, 1,000 g on the shelf: fine
    services.load_spool(second, mk3s)
    services.deduct(mk3s, 900)  # 100 g: warned again
    assert Notification.objects.filter(user=_manager_of(jeonju)).count() == 2


def test_the_warning_speaks_the_managers_language(jeonju, printer, make_spool):
    manager = _manager_of(jeonju)
    manager.preferred_language = "en"
    manager.save()
    mk3s = printer("jeonju", "MK3S-01")
    services.load_spool(make_spool(jeonju, initial_g=260), mk3s)
    services.deduct(mk3s, 20)
    warning = Notification.objects.get(user=manager)
    assert warning.subject.startswith("Low stock: PLA")
    assert "240 g" in warning.body


def test_the_warning_is_korean_by_default(jeonju, printer, make_spool):
    mk3s = printer("jeonju", "MK3S-01")
    services.load_spool(make_spool(jeonju, initial_g=260), mk3s)
    services.deduct(mk3s, 20)
    warning = Notification.objects.get(user=_manager_of(jeonju))
    assert "Low stock" not in warning.subject
    assert "240 g" in warning.body


def test_a_mail_server_down_does_not_fail_the_deduct(
    jeonju, printer, make_spool, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr(services, "send_mail", broken)
    mk3s = printer("jeonju", "MK3S-01")
    services.load_spool(make_spool(jeonju, initial_g=300), mk3s)
    with django_capture_on_commit_callbacks(execute=True):
        use = services.deduct(mk3s, 100)
    assert use.amount == 100
    assert Notification.objects.filter(user=_manager_of(jeonju)).count() == 1


def test_the_other_centers_managers_are_not_told(jeonju, gunsan, printer, make_spool):
    mk3s = printer("gunsan", "MK3S-01")
    services.load_spool(make_spool(gunsan, initial_g=300), mk3s)
    services.deduct(mk3s, 100)
    assert not Notification.objects.filter(user=_manager_of(jeonju)).exists()


# --- managing the shelf --------------------------------------------------------------------


def test_only_managers_add_and_archive(jeonju, make_spool, people):
    filament = make_spool(jeonju).filament
    with pytest.raises(PermissionDenied):
        services.add_spool(people["operator"], jeonju, filament, 1000)
    spool = services.add_spool(people["manager"], jeonju, filament, 1000, lot="L1", location="A")
    with pytest.raises(PermissionDenied):
        services.archive(people["operator"], spool)
    assert services.archive(people["admin"], spool).archived


def test_archiving_a_loaded_spool_unloads_it(jeonju, printer, make_spool, people):
    mk3s = printer("jeonju", "MK3S-01")
    spool = services.load_spool(make_spool(jeonju), mk3s)
    services.archive(people["manager"], spool)
    assert services.loaded_spool(mk3s) is None


def test_a_resin_bottle_must_be_resin(jeonju, material, people):
    with pytest.raises(ValidationError):
        services.add_resin(people["manager"], jeonju, material("pla"), 1000)
    bottle = services.add_resin(people["manager"], jeonju, material("resin-tough"), 1000)
    assert bottle.remaining_ml == 1000
    lot = services.add_powder(people["manager"], jeonju, material("pa12-powder"), 20)
    assert services.stock_grams(jeonju)[lot.material_id] == 20_000
