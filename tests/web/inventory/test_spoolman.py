"""The Spoolman client and the sync, against a fake Spoolman (see spoolman_fake.py for why)."""

from __future__ import annotations

import socket

import pytest

from printhub.inventory import services
from printhub.inventory.models import Filament, Spool, Vendor
from printhub.inventory.spoolman import SpoolmanClient, SpoolmanError, sync_from_spoolman
from tests.web.inventory.spoolman_fake import FakeSpoolman


@pytest.fixture
def spoolman():
    """A running fake Spoolman with one vendor, two filaments (one of an unknown material)
    and three spools (one archived): (fake, base URL)."""
    fake = FakeSpoolman()
    fake.add_vendor(1, "Polymaker", empty_spool_weight=140)
    fake.add_filament(10, 1, "PLA", name="PolyTerra Charcoal Black", color_hex="333333")
    fake.add_filament(11, 1, "Wood", name="PolyWood")
    fake.add_spool(100, 10, initial_weight=1000, used_weight=250, lot_nr="52342", location="A1")
    fake.add_spool(101, 10, used_weight=0, location="A2")  # full: initial from the filament
    fake.add_spool(102, 10, initial_weight=1000, used_weight=990, archived=True)
    fake.add_spool(103, 11, initial_weight=500)
    url = fake.start()
    yield fake, url
    fake.stop()


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_health(spoolman):
    _fake, url = spoolman
    assert SpoolmanClient(url).health()


def test_lists_as_spoolman_answers_them(spoolman):
    _fake, url = spoolman
    client = SpoolmanClient(url)
    assert [v["name"] for v in client.vendors()] == ["Polymaker"]
    assert [f["material"] for f in client.filaments()] == ["PLA", "Wood"]
    spools = client.spools()
    assert [s["id"] for s in spools] == [100, 101, 103]
    assert spools[0]["remaining_weight"] == 750
    assert spools[0]["filament"]["vendor"]["name"] == "Polymaker"
    assert [s["id"] for s in client.spools(allow_archived=True)] == [100, 101, 102, 103]


def test_use_spool_reports_grams(spoolman):
    fake, url = spoolman
    answer = SpoolmanClient(url).use_spool(100, 12.5)
    assert answer["used_weight"] == pytest.approx(262.5)
    assert fake.requests[-1] == ("PUT", "/api/v1/spool/100/use", {"use_weight": 12.5})


def test_errors_carry_spoolmans_message(spoolman):
    _fake, url = spoolman
    with pytest.raises(SpoolmanError, match=r"404.*No spool with ID 999"):
        SpoolmanClient(url).use_spool(999, 1)


def test_an_unreachable_server_is_a_spoolman_error():
    with pytest.raises(SpoolmanError, match="cannot reach Spoolman"):
        SpoolmanClient(_closed_port(), timeout_s=2).health()
    with pytest.raises(ValueError):
        SpoolmanClient("spoolman.local:7912")


def test_sync_imports_vendors_filaments_and_spools(spoolman, jeonju):
    _fake, url = spoolman
    report = sync_from_spoolman(url, jeonju)
    assert (report.vendors, report.filaments, report.spools_created) == (1, 1, 3)
    assert report.skipped == ["filament 11 (Wood)", "spool 103"]
    vendor = Vendor.objects.get(spoolman_id=1)
    assert (vendor.name, vendor.empty_spool_weight_g) == ("Polymaker", 140)
    filament = Filament.objects.get(spoolman_id=10)
    assert filament.material.catalog_id == "pla"
    assert (filament.color_hex, filament.color_name) == ("#333333", "PolyTerra Charcoal Black")
    spool = Spool.objects.get(spoolman_id=100)
    assert (spool.center, spool.lot, spool.location) == (jeonju, "52342", "A1")
    assert spool.remaining_weight_g == 750
    assert Spool.objects.get(spoolman_id=101).initial_weight_g == 1000
    assert Spool.objects.get(spoolman_id=102).archived


def test_sync_again_updates_and_adds_nothing_twice(spoolman, jeonju, printer):
    fake, url = spoolman
    sync_from_spoolman(url, jeonju)
    mk3s = printer("jeonju", "MK3S-01")
    services.load_spool(Spool.objects.get(spoolman_id=100), mk3s)
    fake.spools[100]["used_weight"] = 400
    report = sync_from_spoolman(url, jeonju)
    assert (report.spools_created, report.spools_updated) == (0, 3)
    assert Spool.objects.filter(spoolman_id__isnull=False).count() == 3
    assert services.grams_left(mk3s) == 600  # still loaded, with Spoolman's weight


def test_deduct_reports_the_use_to_spoolman(
    spoolman, jeonju, printer, settings, django_capture_on_commit_callbacks
):
    fake, url = spoolman
    settings.SPOOLMAN_URL = url
    sync_from_spoolman(url, jeonju)
    mk3s = printer("jeonju", "MK3S-01")
    services.load_spool(Spool.objects.get(spoolman_id=100), mk3s)
    with django_capture_on_commit_callbacks(execute=True):
        services.deduct(mk3s, 20)
    assert fake.requests[-1] == ("PUT", "/api/v1/spool/100/use", {"use_weight": 20.0})
    assert fake.spools[100]["used_weight"] == 270


def test_deduct_does_not_fail_when_spoolman_is_down(
    jeonju, printer, make_spool, settings, django_capture_on_commit_callbacks
):
    settings.SPOOLMAN_URL = _closed_port()
    mk3s = printer("jeonju", "MK3S-01")
    services.load_spool(make_spool(jeonju, spoolman_id=555), mk3s)
    with django_capture_on_commit_callbacks(execute=True):
        use = services.deduct(mk3s, 20)
    assert use.amount == 20
    assert services.grams_left(mk3s) == 980


def test_without_a_spoolman_url_nothing_is_sent(
    spoolman, jeonju, printer, make_spool, settings, django_capture_on_commit_callbacks
):
    fake, _url = spoolman
    settings.SPOOLMAN_URL = None
    mk3s = printer("jeonju", "MK3S-01")
    services.load_spool(make_spool(jeonju, spoolman_id=100), mk3s)
    with django_capture_on_commit_callbacks(execute=True):
        services.deduct(mk3s, 20)
    assert fake.requests == []


def test_the_command_imports_into_a_center(spoolman, jeonju):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    _fake, url = spoolman
    out = StringIO()
    call_command("sync_spoolman", "jeonju", "--url", url, stdout=out)
    assert "spools: 3 new, 0 updated" in out.getvalue()
    assert Spool.objects.filter(center=jeonju, spoolman_id__isnull=False).count() == 3
    with pytest.raises(CommandError, match="cannot reach Spoolman"):
        call_command("sync_spoolman", "jeonju", "--url", _closed_port(), stdout=out)
    with pytest.raises(CommandError, match="no center"):
        call_command("sync_spoolman", "atlantis", "--url", url, stdout=out)


def test_a_misconfigured_spoolman_url_does_not_fail_the_deduct(
    jeonju, printer, make_spool, settings, django_capture_on_commit_callbacks
):
    settings.SPOOLMAN_URL = "spoolman.local:7912"  # no scheme
    mk3s = printer("jeonju", "MK3S-01")
    services.load_spool(make_spool(jeonju, spoolman_id=556), mk3s)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deduct(mk3s, 5).amount == 5


def test_with_the_database_queue_the_report_waits_for_a_worker(
    jeonju, printer, make_spool, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.SPOOLMAN_URL = "http://127.0.0.1:7912"
    mk3s = printer("jeonju", "MK3S-01")
    services.load_spool(make_spool(jeonju, spoolman_id=557), mk3s)
    with django_capture_on_commit_callbacks(execute=True):
        services.deduct(mk3s, 7.5)
    queued = DBTaskResult.objects.ready().get()
    assert queued.task_path == "printhub.inventory.tasks.report_spool_use"
    assert queued.args_kwargs["args"] == [557, 7.5]
