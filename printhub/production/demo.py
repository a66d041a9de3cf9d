"""The demo floor: virtual printers at every center, and demo people who keep them busy.

`seed_stations` gives every printer without a connection a virtual one (run_platform
calls it after loading the demo network). `DemoFloor` plays the demo's people beside the
fleet monitor (`manage.py run_monitor --demo`):

- the operators look at their printers every few seconds: a bed whose print ended a
  few seconds ago is confirmed clear (so the next ready job starts), and an interrupted
  or failed print is put back in the queue while it may be retried;
- the customers upload small parts, which are analysed, quoted and ordered at a center,
  and that center's operator approves the order: a first batch at once, then one order
  every 20-40 s while fewer than `target_queued` jobs wait in the queue.

Everything goes through the platform's own services, as a person's clicks would. Only
virtual printers are tended: a real printer's bed is checked by a real person.
"""

from __future__ import annotations

import logging
import random
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
from django.db.models import Q

from printhub.network.models import Center, Material, Printer
from printhub.production.models import Job, Station

log = logging.getLogger(__name__)

# Print seconds per wall-clock second on the demo's virtual printers: the demo's parts
# (15-40 mm) take 15-65 minutes of print time, so about 1-3 minutes on the board.
DEFAULT_TIME_SCALE = 20.0
# The demo's customers: the customer roles of the demo people (printhub.network.demo).
CUSTOMER_ROLES = ("citizen", "student", "startup", "designer")
# A demo customer short of money tops up at the desk.
TOP_UP_BELOW_KRW = 30_000
TOP_UP_KRW = 100_000
# What the demo's customers order: mostly the everyday filaments, now and then a
# carbon-fibre one (printed on a hardened nozzle).
EVERYDAY = ("pla", "petg")
CARBON = ("pla-cf", "petg-cf")
CARBON_SHARE = 0.15
# A printer in these states waits for its bed to be cleared (as fleet.claim accepts them).
ENDED = (Station.Live.IDLE, Station.Live.COMPLETED, Station.Live.CANCELLED)


def seed_stations(time_scale: float = DEFAULT_TIME_SCALE) -> list[Station]:
    """A virtual printer for every printer that has no connection yet; returns the new ones.

    Idempotent: printers with a connection (virtual or real) keep it as it is.
    """
    new = [
        Station(printer=printer, kind=Station.Kind.VIRTUAL, time_scale=time_scale)
        for printer in Printer.objects.filter(station__isnull=True).order_by("pk")
    ]
    Station.objects.bulk_create(new)
    return new


def seed_floor(time_scale: float = DEFAULT_TIME_SCALE) -> list[Station]:
    """The stations, and the spools on the printers when the inventory app can load them."""
    stations = seed_stations(time_scale)
    try:
        from printhub.inventory.demo import seed_inventory
    except ImportError:
        return stations
    for center in Center.objects.filter(is_active=True):
        seed_inventory(center)
    return stations


def mail_dir() -> Path:
    return Path(settings.DATA_DIR) / "demo-mail"


def quiet_mail() -> None:
    """Mail printed to the console goes to files instead (`mail_dir`): the demo's
    customers get a few messages a minute, which would bury the monitor's own lines."""
    if settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
        settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        settings.EMAIL_FILE_PATH = str(mail_dir())


# --- the demo's parts -------------------------------------------------------------------


def _mesh(solid):
    import numpy as np

    from printhub.geometry.mesh import Mesh

    out = solid.to_mesh()
    return Mesh(
        np.asarray(out.vert_properties[:, :3], np.float64), np.asarray(out.tri_verts, np.int32)
    )


def demo_part(rng: random.Random) -> tuple[str, bytes]:
    """A small part to order: (file name, STL bytes), 15-40 mm across."""
    import manifold3d as m3

    from printhub.geometry.io import write_stl

    m3.set_circular_segments(32)
    kind = rng.choice(["block", "spacer", "knob", "clip", "tray"])
    if kind == "block":
        x, y, z = (rng.randint(15, 35) for _ in range(3))
        solid = m3.Manifold.cube((x, y, z))
        name = f"block-{x}x{y}x{z}"
    elif kind == "spacer":
        d, h = rng.randint(15, 35), rng.randint(8, 25)
        hole = m3.Manifold.cylinder(h + 2, d / 5, d / 5).translate((0, 0, -1))
        solid = m3.Manifold.cylinder(h, d / 2, d / 2) - hole
        name = f"spacer-d{d}-h{h}"
    elif kind == "knob":
        d, h = rng.randint(18, 35), rng.randint(10, 20)
        grip = m3.Manifold.cylinder(h / 2, d / 4, d / 4).translate((0, 0, h))
        solid = m3.Manifold.cylinder(h, d / 2, d / 2) + grip
        name = f"knob-d{d}"
    elif kind == "clip":
        w, t = rng.randint(20, 40), 3
        base = m3.Manifold.cube((w, 12, t))
        wall = m3.Manifold.cube((t, 12, rng.randint(12, 25)))
        solid = base + wall + wall.translate((w - t, 0, 0))
        name = f"clip-{w}"
    else:
        x, y, h = rng.randint(25, 40), rng.randint(20, 35), rng.randint(8, 15)
        inside = m3.Manifold.cube((x - 4, y - 4, h)).translate((2, 2, 2))
        solid = m3.Manifold.cube((x, y, h)) - inside
        name = f"tray-{x}x{y}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "part.stl"
        write_stl(_mesh(solid), path)
        return f"{name}.stl", path.read_bytes()


# --- the floor --------------------------------------------------------------------------


@dataclass
class _Upload:
    """A demo customer's part waiting for its analysis before it is quoted and ordered."""

    model_id: str
    customer_id: int
    center_id: int
    material_id: int
    color: str
    quantity: int
    at: float


def staff_of(center: Center):
    """Who plays the center's operator: its operator, else its manager, else an admin."""
    people = get_user_model().objects.filter(is_active=True)
    for role in ("operator", "manager"):
        person = people.filter(role=role, centers=center).order_by("pk").first()
        if person is not None:
            return person
    return people.filter(Q(role="admin") | Q(is_superuser=True)).order_by("pk").first()


class DemoFloor:
    """The demo's operators and customers; `run` plays them until `stop` is set."""

    def __init__(
        self,
        *,
        seed: int = 2026,
        tick_s: float = 2.0,
        target_queued: int = 12,
        first_batch: int = 6,
        order_every_s: tuple[float, float] = (20.0, 40.0),
        clear_after_s: tuple[float, float] = (5.0, 10.0),
        analysis_timeout_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.rng = random.Random(seed)
        self.tick_s = tick_s
        self.target_queued = target_queued
        self.first_batch = first_batch
        self.order_every_s = order_every_s
        self.clear_after_s = clear_after_s
        self.analysis_timeout_s = analysis_timeout_s
        self.clock = clock
        self.uploads: list[_Upload] = []
        self.waiting: dict[int, float] = {}  # station id -> when its bed is to be cleared
        self.next_order_at: float | None = None  # None: the first batch is still to come
        self._staff: dict[int, object] = {}
        self._retried: set[tuple[int, int]] = set()  # (job, prints started) put back once

    def run(self, stop: threading.Event) -> None:
        log.info("demo floor: operators and customers at work")
        while not stop.is_set():
            close_old_connections()
            self.turn()
            stop.wait(self.tick_s)

    def turn(self) -> None:
        """One look around: the operators, then the customers (an error is logged only)."""
        for step in (self.tend_printers, self.retry_jobs, self.collect_uploads, self.customers):
            try:
                step()
            except Exception:
                log.exception("demo floor: %s failed", step.__name__)

    def staff(self, center: Center):
        if center.pk not in self._staff:
            self._staff[center.pk] = staff_of(center)
        return self._staff[center.pk]

    # -- the operators

    def tend_printers(self) -> list[Station]:
        """Confirm the beds clear of virtual printers whose print ended a few seconds ago."""
        from printhub.production import actions

        now = self.clock()
        cleared = []
        stations = Station.objects.filter(kind=Station.Kind.VIRTUAL).select_related(
            "printer__center"
        )
        for station in stations:
            if station.live not in ENDED or station.bed_clear:
                self.waiting.pop(station.pk, None)
                continue
            if station.pk not in self.waiting:
                self.waiting[station.pk] = now + self._clear_delay(station)
            if now < self.waiting[station.pk]:
                continue
            person = self.staff(station.printer.center)
            if person is None:
                continue
            try:
                cleared.append(actions.confirm_bed_clear(station, person))
            except Exception:
                log.exception("demo floor: could not clear the bed of %s", station.printer)
            self.waiting.pop(station.pk, None)
        return cleared

    def _clear_delay(self, station: Station) -> float:
        """Seconds until the operator gets to a bed: a few after its last print ended (none
        when it ended long ago, or the printer has not printed yet)."""
        from django.utils import timezone

        ended = (
            Job.objects.filter(printer_id=station.printer_id, finished_at__isnull=False)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
        if ended is None:
            return 0.0
        since = (timezone.now() - ended).total_seconds()
        return max(0.0, self.rng.uniform(*self.clear_after_s) - since)

    def retry_jobs(self) -> list[Job]:
        """Queue again the prints virtual printers lost or failed, while they may be retried
        (once per print started: a job that keeps failing before it prints is left alone)."""
        from printhub.production import actions, services

        retried = []
        jobs = Job.objects.filter(
            state__in=[Job.State.INTERRUPTED, Job.State.FAILED],
            attempts__lt=services.MAX_ATTEMPTS,
            printer__station__kind=Station.Kind.VIRTUAL,
        ).select_related("printer__center", "center")
        for job in jobs:
            person = self.staff(job.printer.center)
            if person is None or (job.pk, job.attempts) in self._retried:
                continue
            self._retried.add((job.pk, job.attempts))
            try:
                retried.append(actions.retry(job, person, "printed again by the demo operator"))
            except Exception:
                log.exception("demo floor: could not retry job %s", job)
        return retried

    # -- the customers

    def customers(self) -> list:
        """The first batch of orders at once, then one now and then while the queue is short."""
        now = self.clock()
        if self.next_order_at is None:  # fewer after a restart that found a queue
            batch = min(self.first_batch, max(0, self.target_queued - self.queued()))
        elif now >= self.next_order_at and self.queued() < self.target_queued:
            batch = 1
        else:
            return []
        self.next_order_at = now + self.rng.uniform(*self.order_every_s)
        orders = []
        for _ in range(batch):
            try:
                order = self.order_one()
            except Exception:
                log.exception("demo floor: a demo customer could not order")
                continue
            if order is not None:
                orders.append(order)
        return orders

    def queued(self) -> int:
        return Job.objects.filter(state=Job.State.QUEUED).count() + len(self.uploads)

    def order_one(self):
        """A demo customer uploads a part for a center; ordered at once when it is analysed
        already (a worker that runs tasks at once), else when `collect_uploads` finds it so."""
        from printhub.parts import services as parts

        customer, center, material = self.pick()
        if customer is None:
            return None
        name, content = demo_part(self.rng)
        model = parts.upload_model(customer, SimpleUploadedFile(name, content))
        colors = [c.get("code") for c in material.colors or () if isinstance(c, dict)]
        upload = _Upload(
            model_id=str(model.pk),
            customer_id=customer.pk,
            center_id=center.pk,
            material_id=material.pk,
            color=self.rng.choice(colors) if colors else "",
            quantity=self.rng.choices((1, 2, 3), weights=(6, 3, 1))[0],
            at=self.clock(),
        )
        self.uploads.append(upload)
        log.info("demo floor: %s uploaded %s for %s", customer, name, center.slug)
        return self._try_order(upload)

    def collect_uploads(self) -> list:
        """Order the uploads whose analysis is done."""
        orders = []
        for upload in list(self.uploads):
            try:
                order = self._try_order(upload)
            except Exception:
                log.exception("demo floor: ordering model %s failed", upload.model_id)
                self.uploads.remove(upload)
                continue
            if order is not None:
                orders.append(order)
        return orders

    def _try_order(self, upload: _Upload):
        from printhub.parts.models import UploadedModel

        model = UploadedModel.objects.filter(pk=upload.model_id).first()
        status = model.status if model else UploadedModel.Status.FAILED
        if status in (UploadedModel.Status.QUEUED, UploadedModel.Status.ANALYSING):
            if self.clock() - upload.at > self.analysis_timeout_s:
                log.warning("demo floor: model %s was not analysed in time", upload.model_id)
                self.uploads.remove(upload)
            return None
        self.uploads.remove(upload)
        if status != UploadedModel.Status.READY:
            log.warning("demo floor: model %s could not be analysed", upload.model_id)
            return None
        return self.place(model, upload)

    def place(self, model, upload: _Upload):
        """Quote the analysed model, order it at the center and have its operator approve."""
        from printhub.billing import services as billing
        from printhub.billing.models import LedgerEntry
        from printhub.orders import services as orders
        from printhub.quotes import services as quotes

        customer = get_user_model().objects.get(pk=upload.customer_id)
        center = Center.objects.get(pk=upload.center_id)
        material = Material.objects.get(pk=upload.material_id)
        quote = quotes.create_quote(
            customer, model, material, quantity=upload.quantity, color=upload.color, center=center
        )
        options = [o for o in quote.options.select_related("center") if o.eligible]
        option = next((o for o in options if o.center_id == center.pk), None)
        if option is None:  # not at the center wanted: the best of the convergence centers
            options = [o for o in options if o.center.kind == Center.Kind.CENTER]
            option = min(options, key=lambda o: o.position) if options else None
        if option is None:
            log.warning("demo floor: no center can print %s in %s", model, material)
            return None
        operator = self.staff(option.center)
        if billing.balance_of(customer) < max(TOP_UP_BELOW_KRW, option.total_krw):
            billing.top_up(
                customer,
                TOP_UP_KRW,
                operator,
                method=LedgerEntry.Method.CASH,
                center=option.center,
                note="demo top-up",
            )
        order = orders.submit_order(customer, option, "ordered by a demo customer")
        orders.approve(order, operator, policy_checked=True)
        log.info("demo floor: order %s (%s) approved at %s", order.number, material, center.slug)
        return order

    def pick(self):
        """(customer, center, material): mostly PLA and PETG, now and then a carbon-fibre
        material at a center with a hardened printer; what is loaded comes first."""
        people = list(
            get_user_model()
            .objects.filter(
                role__in=CUSTOMER_ROLES, is_active=True, email__endswith="@demo.printhub.kr"
            )
            .order_by("pk")
        )
        centers = list(
            Center.objects.filter(kind=Center.Kind.CENTER, is_active=True).order_by("pk")
        )
        if not people or not centers:
            return None, None, None
        customer = self.rng.choice(people)
        center = self.rng.choice(centers)
        printers = list(
            Printer.objects.filter(
                center=center, process="fdm", status="available", station__isnull=False
            ).prefetch_related("materials")
        )
        offered = {m.catalog_id: m for p in printers for m in p.materials.all()}
        if not offered:
            return None, None, None
        carbon = sorted(
            {
                m.catalog_id
                for p in printers
                if p.hardened_nozzle
                for m in p.materials.all()
                if m.catalog_id in CARBON
            }
        )
        loaded = [m for m in map(_loaded_material, printers) if m in offered]
        if carbon and self.rng.random() < CARBON_SHARE:
            choice = self.rng.choice(carbon)
        elif loaded:  # what is on the printers, PLA and PETG three times as often
            weights = [3 if m in EVERYDAY else 1 for m in loaded]
            choice = self.rng.choices(loaded, weights=weights)[0]
        else:
            everyday = [m for m in EVERYDAY if m in offered]
            choice = self.rng.choice(everyday or sorted(offered))
        return customer, center, offered[choice]


def _loaded_material(printer: Printer) -> str | None:
    try:
        from printhub.inventory import services as inventory

        return inventory.loaded_material_id(printer)
    except Exception:  # no inventory (yet): the printer's offered materials decide
        return None
