"""Prints finishing at the same moment, on PostgreSQL: a spool is never taken below zero,
the managers are warned once, and a printer ends up holding one spool.

Like tests/web/orders/test_concurrency.py these tests commit: what they write goes through
threads of their own (their own connections), and they remove it afterwards. SQLite
serialises writers with one lock for the whole database, so the race only means something
on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from printhub.inventory import services
from printhub.inventory.models import Filament, Spool, StockLevel, StockUse, Vendor
from printhub.network.models import Center, Material, Printer
from printhub.orders.models import Notification

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db,
]

VENDOR = "Race Vendor"


def _in_threads(calls) -> list:
    """Run the calls at once, each in a thread with its own connection; their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as err:
            results[index] = err
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _committed(call):
    return _in_threads([call])[0]


@pytest.fixture
def shelf():
    """spool(used_g) → a committed 1,000 g PLA spool at Jeonju; all removed afterwards."""

    def make_spool(used_g: float = 0.0) -> Spool:
        def create():
            vendor, _ = Vendor.objects.get_or_create(name=VENDOR)
            filament, _ = Filament.objects.get_or_create(
                vendor=vendor, material=Material.objects.get(catalog_id="pla"), color_name="Red"
            )
            return Spool.objects.create(
                filament=filament,
                center=Center.objects.get(slug="jeonju"),
                initial_weight_g=1000,
                used_weight_g=used_g,
            )

        return _committed(create)

    def clean_up():
        StockUse.objects.filter(spool__filament__vendor__name=VENDOR).delete()
        Spool.objects.filter(filament__vendor__name=VENDOR).delete()
        Filament.objects.filter(vendor__name=VENDOR).delete()
        Vendor.objects.filter(name=VENDOR).delete()
        StockLevel.objects.filter(center__slug="jeonju").delete()
        managers = services.center_managers(Center.objects.get(slug="jeonju"))
        Notification.objects.filter(user__in=managers, order__isnull=True).delete()

    yield make_spool
    _committed(clean_up)


def _printer(name: str) -> Printer:
    return Printer.objects.get(center__slug="jeonju", name=name)


def test_deducts_at_once_never_take_more_than_is_left(shelf):
    mk3s = _printer("MK3S-01")
    spool = shelf(used_g=600)  # 400 g left
    _committed(lambda: services.load_spool(spool, mk3s))
    uses = _in_threads([lambda: services.deduct(mk3s, 100) for _ in range(8)])
    assert not [u for u in uses if isinstance(u, Exception)], uses
    taken = [u.amount for u in uses if u is not None]
    assert sum(taken) == pytest.approx(400)
    assert _committed(lambda: Spool.objects.get(pk=spool.pk).used_weight_g) == 1000
    manager = _committed(lambda: services.center_managers(mk3s.center).get())
    warned = _committed(
        lambda: Notification.objects.filter(user=manager, order__isnull=True).count()
    )
    assert warned == 1  # the crossing of 250 g, once


def test_loads_at_once_leave_one_spool_on_the_printer(shelf):
    mk3s = _printer("MK3S-02")
    spools = [shelf() for _ in range(4)]
    results = _in_threads([lambda s=s: services.load_spool(s, mk3s) for s in spools])
    assert not [r for r in results if isinstance(r, Exception)], results
    loaded = _committed(lambda: list(Spool.objects.filter(printer=mk3s)))
    assert len(loaded) == 1


def test_one_spool_loaded_on_two_printers_at_once_ends_on_one(shelf):
    spool = shelf()
    one, two = _printer("MK3S-03"), _printer("MK3S-04")
    results = _in_threads(
        [lambda: services.load_spool(spool, one), lambda: services.load_spool(spool, two)]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    holders = _committed(lambda: [p.pk for p in (one, two) if services.loaded_spool(p)])
    assert len(holders) == 1
