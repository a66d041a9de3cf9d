"""The stock pages and the load / unload actions the operator board posts to."""

from __future__ import annotations

import pytest
from django.urls import reverse

from printhub.inventory import services
from printhub.inventory.models import Filament, PowderLot, ResinBottle, Spool, StockLevel


@pytest.fixture
def operator(client_for):
    return client_for("operator")


@pytest.fixture
def manager(client_for):
    return client_for("manager")


def _english(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_stock_page_shows_spools_printers_and_low_stock(
    operator, jeonju, printer, make_spool, make_bottle
):
    mk3s = printer("jeonju", "MK3S-01")
    loaded = services.load_spool(make_spool(jeonju, initial_g=1000, used_g=900), mk3s)
    make_bottle(jeonju, initial_ml=1000, used_ml=250)
    page = _english(operator).get(reverse("inventory:center", args=["jeonju"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'id="spool-{loaded.pk}"' in html
    assert "100 of 1000 g" in html
    assert "750 of 1000 ml" in html
    assert 'id="low-stock"' in html and "PLA: 100 g left (minimum 250 g)" in html
    assert f'id="inventory-printer-{mk3s.pk}"' in html
    assert "Add a spool" not in html  # operators do not change the stock


def test_the_stock_page_is_korean_first(operator, jeonju, make_spool):
    make_spool(jeonju)
    html = operator.get(reverse("inventory:center", args=["jeonju"])).content.decode()
    assert "필라멘트 스풀" in html and "Filament spools" not in html


def test_managers_see_the_forms(manager):
    html = _english(manager).get(reverse("inventory:center", args=["jeonju"])).content.decode()
    assert "Add a spool" in html and "Minimum stock" in html


def test_load_and_unload_go_back_to_a_safe_next(operator, jeonju, printer, make_spool):
    mk3s = printer("jeonju", "MK3S-01")
    spool = make_spool(jeonju)
    board = "/production/jeonju/board/"
    answer = operator.post(
        reverse("inventory:load", args=[mk3s.pk]), {"spool": spool.pk, "next": board}
    )
    assert answer.status_code == 302 and answer["Location"] == board
    assert services.loaded_spool(mk3s) == spool
    answer = operator.post(reverse("inventory:unload", args=[mk3s.pk]), {"next": board})
    assert answer["Location"] == board
    assert services.loaded_spool(mk3s) is None


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_an_unsafe_next_goes_to_the_stock_page(operator, jeonju, printer, make_spool, unsafe):
    mk3s = printer("jeonju", "MK3S-01")
    answer = operator.post(
        reverse("inventory:load", args=[mk3s.pk]),
        {"spool": make_spool(jeonju).pk, "next": unsafe},
    )
    assert answer["Location"] == reverse("inventory:center", args=["jeonju"])


def test_a_refused_load_says_why(operator, jeonju, printer, make_spool):
    mk3s = printer("jeonju", "MK3S-01")
    answer = _english(operator).post(
        reverse("inventory:load", args=[mk3s.pk]),
        {"spool": make_spool(jeonju, "pla-cf").pk},
        follow=True,
    )
    assert "MK3S-01 cannot run" in answer.content.decode()
    assert services.loaded_spool(mk3s) is None


def test_htmx_gets_the_printer_row(operator, jeonju, printer, make_spool):
    mk3s = printer("jeonju", "MK3S-01")
    spool = make_spool(jeonju)
    answer = _english(operator).post(
        reverse("inventory:load", args=[mk3s.pk]), {"spool": spool.pk}, HTTP_HX_REQUEST="true"
    )
    html = answer.content.decode()
    assert answer.status_code == 200
    assert html.startswith(f'<tr id="inventory-printer-{mk3s.pk}"')
    assert "1000 g left" in html
    refused = operator.post(
        reverse("inventory:load", args=[mk3s.pk]),
        {"spool": make_spool(jeonju, archived=True).pk},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 400


def test_staff_of_another_center_cannot_load(client_for, jeonju, printer, make_spool):
    from django.contrib.auth import get_user_model

    other = client_for(None)
    other.force_login(get_user_model().objects.get(email="operator.gunsan@demo.printhub.kr"))
    mk3s = printer("jeonju", "MK3S-01")
    answer = other.post(reverse("inventory:load", args=[mk3s.pk]), {"spool": make_spool(jeonju).pk})
    assert answer.status_code == 403
    assert services.loaded_spool(mk3s) is None


def test_resin_loads_on_an_sla_printer(operator, jeonju, printer, make_bottle):
    sl1s = printer("jeonju", "SL1S-01")
    bottle = make_bottle(jeonju)
    operator.post(reverse("inventory:load", args=[sl1s.pk]), {"bottle": bottle.pk})
    assert services.loaded_resin(sl1s) == bottle
    operator.post(reverse("inventory:unload", args=[sl1s.pk]))
    assert services.loaded_resin(sl1s) is None


def test_a_manager_adds_a_spool_of_a_new_filament(manager, jeonju, material):
    answer = manager.post(
        reverse("inventory:add_spool", args=["jeonju"]),
        {
            "initial_weight_g": "750",
            "lot": "L-7",
            "location": "A-3",
            "vendor_name": "eSun",
            "material": material("petg").pk,
            "color_name": "Blue",
            "color_hex": "#1c7ed6",
            "diameter_mm": "1.75",
        },
    )
    assert answer.status_code == 302
    spool = Spool.objects.get(center=jeonju, lot="L-7")
    assert (spool.filament.vendor.name, spool.filament.material.catalog_id) == ("eSun", "petg")
    assert (spool.initial_weight_g, spool.location) == (750, "A-3")


def test_a_manager_adds_a_spool_of_a_known_filament(manager, jeonju, make_spool):
    filament = make_spool(jeonju).filament
    manager.post(
        reverse("inventory:add_spool", args=["jeonju"]),
        {"filament": filament.pk, "initial_weight_g": "1000"},
    )
    assert Spool.objects.filter(center=jeonju, filament=filament).count() == 2
    assert Filament.objects.filter(material=filament.material).count() == 1


def test_a_spool_form_without_a_filament_is_refused(manager, jeonju):
    answer = _english(manager).post(
        reverse("inventory:add_spool", args=["jeonju"]), {"initial_weight_g": "1000"}
    )
    assert answer.status_code == 200
    assert "Choose a filament above" in answer.content.decode()
    assert not Spool.objects.filter(center=jeonju).exists()


def test_a_manager_adds_resin_and_powder(manager, jeonju, material):
    manager.post(
        reverse("inventory:add_resin", args=["jeonju"]),
        {"material": material("resin-tough").pk, "initial_ml": "1000"},
    )
    manager.post(
        reverse("inventory:add_powder", args=["jeonju"]),
        {"material": material("pa12-powder").pk, "initial_kg": "15"},
    )
    assert ResinBottle.objects.get(center=jeonju).material.catalog_id == "resin-tough"
    assert PowderLot.objects.get(center=jeonju).initial_kg == 15


def test_the_resin_form_offers_only_resins(manager, material):
    html = manager.get(reverse("inventory:add_resin", args=["jeonju"])).content.decode()
    for resin in ("resin-standard", "resin-tough"):
        assert f'<option value="{material(resin).pk}"' in html
    assert f'<option value="{material("pla").pk}"' not in html


def test_a_manager_archives_and_sets_a_minimum(manager, jeonju, make_spool, material):
    spool = make_spool(jeonju)
    manager.post(reverse("inventory:archive", args=["jeonju", "spool", spool.pk]))
    spool.refresh_from_db()
    assert spool.archived
    manager.post(
        reverse("inventory:set_minimum", args=["jeonju"]),
        {"material": material("pla").pk, "minimum_g": "800"},
    )
    assert StockLevel.objects.get(center=jeonju, material=material("pla")).minimum_g == 800


def test_archive_of_another_centers_item_is_not_found(manager, gunsan, make_spool):
    spool = make_spool(gunsan)
    answer = manager.post(reverse("inventory:archive", args=["jeonju", "spool", spool.pk]))
    assert answer.status_code == 404
    assert (
        manager.post(reverse("inventory:archive", args=["jeonju", "cheese", 1])).status_code == 404
    )


def test_the_index_lists_the_managers_centers(manager):
    html = _english(manager).get(reverse("inventory:index")).content.decode()
    assert reverse("inventory:center", args=["jeonju"]) in html
    assert reverse("inventory:center", args=["hanok-makers"]) in html


def test_a_printer_is_offered_only_spools_on_the_shelf(operator, jeonju, printer, make_spool):
    one, two = printer("jeonju", "MK3S-01"), printer("jeonju", "MK3S-02")
    on_two = services.load_spool(make_spool(jeonju), two)
    shelved = make_spool(jeonju, "petg")
    carbon = make_spool(jeonju, "pla-cf")  # not for a brass nozzle
    row = operator.post(
        reverse("inventory:unload", args=[one.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'<option value="{shelved.pk}"' in row
    assert f'<option value="{on_two.pk}"' not in row
    assert f'<option value="{carbon.pk}"' not in row
