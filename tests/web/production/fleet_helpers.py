"""Helpers of the fleet tests: a clock the test moves, virtual printers that outlive a
monitor, and orders whose model is a real STL file the slicer can read."""

from __future__ import annotations

import struct
from pathlib import Path

from django.conf import settings

from printhub.network.models import Printer
from printhub.orders import services as orders
from printhub.printers import VirtualPrinter
from printhub.production.models import Job, Station
from printhub.production.monitor import Monitor
from tests.web.orders import factories


class Clock:
    """Monotonic seconds that only move when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Shelf:
    """The virtual printers of a test, by station: a new monitor finds the same printers,
    as a restarted monitor finds real printers still doing what they did."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self.printers: dict[int, VirtualPrinter] = {}
        self.broken: set[int] = set()

    def __call__(self, station: Station) -> VirtualPrinter:
        if station.pk not in self.printers:
            self.printers[station.pk] = VirtualPrinter(clock=self.clock, name=str(station))
        return self.printers[station.pk]


def box_stl(path: Path, size=(20.0, 20.0, 10.0)) -> None:
    """A closed box as binary STL (12 triangles)."""
    x, y, z = size
    corners = [(i * x, j * y, k * z) for i in (0, 1) for j in (0, 1) for k in (0, 1)]
    faces = [
        (0, 2, 1), (1, 2, 3), (4, 5, 6), (5, 7, 6), (0, 1, 4), (1, 5, 4),
        (2, 6, 3), (3, 6, 7), (0, 4, 2), (2, 4, 6), (1, 3, 5), (3, 7, 5),
    ]  # fmt: skip
    data = bytearray(b"\0" * 80 + struct.pack("<I", len(faces)))
    for a, b, c in faces:
        data += struct.pack("<3f", 0, 0, 0)
        for v in (a, b, c):
            data += struct.pack("<3f", *corners[v])
        data += b"\0\0"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(data))


def approved_order(people, quantity: int = 1, center: str = "jeonju", material: str = "pla", **kw):
    """An approved order of the demo citizen whose model file exists (a 20 mm box)."""
    option = factories.quote_option(
        people["citizen"],
        center=center,
        material=material,
        quantity=quantity,
        total_krw=5_500,
        **kw,
    )
    model = option.quote.model
    box_stl(Path(settings.MEDIA_ROOT) / model.file.name)
    model.bbox_x_mm, model.bbox_y_mm, model.bbox_z_mm = 20.0, 20.0, 10.0
    model.save()
    order = orders.submit_order(people["citizen"], option)
    orders.approve(order, people["operator"])
    return order


def one_station(center: str = "jeonju", catalog_id: str = "mk3s") -> Station:
    """A virtual station on one printer of a center; every other printer has none, so the
    plan has one place to put jobs."""
    printer = Printer.objects.filter(center__slug=center, catalog_id=catalog_id).first()
    return Station.objects.create(printer=printer, kind=Station.Kind.VIRTUAL)


def monitor(shelf: Shelf, clock: Clock) -> Monitor:
    # Waits for every answer (virtual printers answer at once): turns are deterministic.
    return Monitor(shelf, interval_s=1.0, replan_every_s=0.0, clock=clock, workers=2, wait_s=30)


def states(order) -> list[str]:
    return list(Job.objects.filter(order=order).order_by("index").values_list("state", flat=True))
