"""Fixtures of the inventory tests: the demo centers and printers, filaments and spools."""

from __future__ import annotations

import pytest

from printhub.inventory.models import Filament, ResinBottle, Spool, Vendor
from printhub.network.models import Center, Material, Printer


@pytest.fixture
def jeonju(db) -> Center:
    return Center.objects.get(slug="jeonju")


@pytest.fixture
def gunsan(db) -> Center:
    return Center.objects.get(slug="gunsan")


@pytest.fixture
def material(db):
    """material("pla") → the catalog material with that id."""
    return lambda catalog_id: Material.objects.get(catalog_id=catalog_id)


@pytest.fixture
def printer(db):
    """printer("jeonju", "MK3S-01") → the demo printer, available."""

    def find(slug: str, name: str) -> Printer:
        found = Printer.objects.select_related("center").get(center__slug=slug, name=name)
        if found.status != Printer.Status.AVAILABLE:
            found.status = Printer.Status.AVAILABLE
            found.save()
        return found

    return find


@pytest.fixture
def make_spool(db, material):
    """make_spool(center, "pla", initial_g=1000, used_g=0) → a new spool on the shelf."""
    vendor, _ = Vendor.objects.get_or_create(name="Test Vendor")

    def make(center: Center, catalog_id: str = "pla", initial_g=1000.0, used_g=0.0, **fields):
        filament, _ = Filament.objects.get_or_create(
            vendor=vendor, material=material(catalog_id), color_name="Black"
        )
        return Spool.objects.create(
            filament=filament,
            center=center,
            initial_weight_g=initial_g,
            used_weight_g=used_g,
            **fields,
        )

    return make


@pytest.fixture
def make_bottle(db, material):
    """make_bottle(center, "resin-standard", initial_ml=1000) → a new resin bottle."""

    def make(center: Center, catalog_id: str = "resin-standard", initial_ml=1000.0, used_ml=0.0):
        return ResinBottle.objects.create(
            material=material(catalog_id), center=center, initial_ml=initial_ml, used_ml=used_ml
        )

    return make
