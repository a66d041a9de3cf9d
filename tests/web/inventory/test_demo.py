"""The demo stock: every filament and resin printer holds something, and seeding twice adds
nothing."""

from __future__ import annotations

from printhub.inventory import services
from printhub.inventory.demo import seed_all, seed_inventory
from printhub.inventory.models import PowderLot, ResinBottle, Spool
from printhub.network.models import Printer, Process


def test_every_printer_holds_a_material_it_can_run(db):
    seed_all()
    for printer in Printer.objects.exclude(status=Printer.Status.RETIRED):
        if printer.process == Process.FDM:
            spool = services.loaded_spool(printer)
            assert spool is not None, printer
            assert printer.can_run(spool.filament.material)
            assert spool.center_id == printer.center_id
        elif printer.process == Process.SLA:
            assert services.loaded_resin(printer) is not None, printer
        assert services.grams_left(printer) is None or services.grams_left(printer) > 0


def test_plain_printers_get_pla_and_hardened_ones_a_composite(jeonju, printer):
    seed_inventory(jeonju)
    assert services.loaded_material_id(printer("jeonju", "MK3S-01")) == "pla"
    assert services.loaded_spool(printer("jeonju", "MK3S-HARDENED-0.4-01")).material.abrasive


def test_powder_for_the_sls_printer(jeonju):
    seed_inventory(jeonju)
    assert PowderLot.objects.filter(center=jeonju, material__catalog_id="pa12-powder").exists()


def test_seeding_twice_adds_nothing(jeonju):
    seed_inventory(jeonju)
    counts = (Spool.objects.count(), ResinBottle.objects.count(), PowderLot.objects.count())
    loaded = set(Spool.objects.filter(printer__isnull=False).values_list("pk", "printer"))
    seed_inventory(jeonju)
    assert (Spool.objects.count(), ResinBottle.objects.count(), PowderLot.objects.count()) == (
        counts
    )
    assert set(Spool.objects.filter(printer__isnull=False).values_list("pk", "printer")) == loaded


def test_the_demo_stock_is_not_low(jeonju):
    seed_inventory(jeonju)
    assert services.low_stock(jeonju) == []
