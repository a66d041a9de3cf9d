"""The Django admin of the network: every model, in Korean, with inlines and filters."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from printhub.network import models
from printhub.network.models import Center, PriceList, Printer

NETWORK_MODELS = [
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
]


def test_every_network_model_is_registered():
    for model in NETWORK_MODELS:
        assert admin.site.is_registered(model), model


@pytest.mark.parametrize("model", NETWORK_MODELS, ids=lambda m: m.__name__)
def test_changelists_and_add_forms_open_for_the_admin(client_for, model):
    client = client_for("admin")
    opts = model._meta
    assert client.get(reverse(f"admin:network_{opts.model_name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:network_{opts.model_name}_add")).status_code == 200


def test_center_page_has_its_inlines_in_korean(client_for):
    center = Center.objects.get(slug="jeonju")
    page = client_for("admin").get(reverse("admin:network_center_change", args=[center.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    for label in ("운영 시간", "휴관일", "공간", "프린터", "장비", "이름 (한국어)"):
        assert label in text
    assert "MK3S-HARDENED-0.4-01" in text


def test_price_list_page_has_rates_prices_and_options(client_for):
    price_list = PriceList.objects.get(center__slug="jeonju")
    text = (
        client_for("admin")
        .get(reverse("admin:network_pricelist_change", args=[price_list.pk]))
        .content.decode()
    )
    for label in ("장비 요금", "소재 가격", "후가공 옵션", "주문당 준비비 (원)", "부가세 (%)"):
        assert label in text
    assert "support-removal" in text


def test_printer_list_filters(client_for):
    client = client_for("admin")
    url = reverse("admin:network_printer_changelist")
    text = client.get(url, {"hardened_nozzle__exact": "1"}).content.decode()
    assert "MK3S-HARDENED-0.4-01" in text and "MK3S-01<" not in text
    assert "경화 노즐" in text and "상태" in text  # filter titles
    assert Printer.objects.filter(hardened_nozzle=True).count() >= 4


def test_material_list_filters_by_filler(client_for):
    text = (
        client_for("admin")
        .get(reverse("admin:network_material_changelist"), {"filler": "cnt"})
        .content.decode()
    )
    assert "petg-cnt" in text and "pla-cf" not in text


@pytest.mark.parametrize("role", ["citizen", "operator", "manager"])
def test_only_admins_use_the_admin(client_for, role):
    response = client_for(role).get(reverse("admin:network_center_changelist"))
    assert response.status_code == 302  # Django admin sends non-staff to its log-in
