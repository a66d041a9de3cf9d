"""The Django admin of production: printer connections are added there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from printhub.network.models import Printer
from printhub.production.models import Command, Job, PlanRun, Station

MODELS = [Station, Job, Command, PlanRun]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelists_and_add_forms_open_for_the_admin(client_for, model):
    client = client_for("admin")
    name = model._meta.model_name
    assert client.get(reverse(f"admin:production_{name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:production_{name}_add")).status_code == 200


def test_an_octoprint_printer_is_connected_in_the_admin(client_for):
    printer = Printer.objects.filter(center__slug="gunsan").first()
    response = client_for("admin").post(
        reverse("admin:production_station_add"),
        {
            "printer": printer.pk,
            "kind": "octoprint",
            "url": "http://192.0.2.10",
            "api_key": "abc",
            "time_scale": "1",
        },
    )
    assert response.status_code == 302
    station = Station.objects.get(printer=printer)
    assert (station.kind, station.url, station.live) == (
        "octoprint",
        "http://192.0.2.10",
        "unknown",
    )
