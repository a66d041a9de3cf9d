"""What a quote needs to know about the network, read in a fixed, small number of queries.

`load_network(material, today)` gives every active center and partner shop with its
printers (as eligibility.PrinterInfo), its prices for the material, its post-processing
options, its queue of production jobs of the same process, and its hours and closures
prefetched for `calendar_for`. `cached_network` remembers it for a few seconds per process
(the live preview of the quote form).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch

from printhub.network.models import (
    Center,
    Closure,
    MachineRate,
    Material,
    MaterialPrice,
    PostProcessing,
    Printer,
    Process,
)
from printhub.parts.models import UploadedModel
from printhub.quotes import eligibility as elig
from printhub.quotes import leadtime

# production.Job states that still need a printer at the center.
ACTIVE_JOB_STATES = ("queued", "slicing", "ready", "printing")
RUNNING_JOB_STATE = "printing"


@dataclass
class CenterData:
    """Everything about one center that a quote needs, read in bulk."""

    center: Center
    printers: list[elig.PrinterInfo] = field(default_factory=list)
    material_price: int | None = None
    krw_per_hour: int | None = None
    setup_fee_krw: int = 0
    minimum_order_krw: int = 0
    vat_percent: int = 10
    post_processing: dict[str, dict] = field(default_factory=dict)
    queue: list[leadtime.QueuedJob] = field(default_factory=list)


def _layer_ranges() -> dict[str, tuple[float, float] | None]:
    from printhub.slicing import load_catalog

    return {p.id: p.layer_height_range_mm for p in load_catalog().printers(include_bundle=False)}


def load_network(material: Material, today: dt.date) -> list[CenterData]:
    """The active centers and partner shops with what a quote for the material needs.

    A fixed number of queries, whatever the size of the network.
    """
    from printhub.production.models import Job

    horizon = today + dt.timedelta(days=leadtime.HORIZON_DAYS)
    centers = list(
        Center.objects.filter(is_active=True)
        .select_related("price_list")
        .prefetch_related(
            "hours",
            Prefetch(
                "closures",
                queryset=Closure.objects.filter(
                    date__gte=today - dt.timedelta(days=1), date__lte=horizon
                ),
            ),
        )
        .order_by("kind", "id")
    )
    data = {c.id: CenterData(center=c) for c in centers}
    by_price_list = {}
    for item in data.values():
        price_list = item.center.price_list if _has_price_list(item.center) else None
        if price_list is not None:
            by_price_list[price_list.id] = item
            item.setup_fee_krw = price_list.setup_fee_krw
            item.minimum_order_krw = price_list.minimum_order_krw
            item.vat_percent = price_list.vat_percent
    ranges = _layer_ranges()
    runs = set(
        Printer.materials.through.objects.filter(material_id=material.id).values_list(
            "printer_id", flat=True
        )
    )
    printers = (
        Printer.objects.filter(center_id__in=data)
        .exclude(status=Printer.Status.RETIRED)
        .order_by("center_id", "name")
        .values_list(
            "id",
            "center_id",
            "catalog_id",
            "process",
            "build_x_mm",
            "build_y_mm",
            "build_z_mm",
            "hardened_nozzle",
            "enclosed",
            "status",
        )
    )
    for pid, center_id, catalog_id, process, bx, by, bz, hardened, enclosed, status in printers:
        data[center_id].printers.append(
            elig.PrinterInfo(
                id=pid,
                catalog_id=catalog_id,
                process=process,
                build_mm=(bx, by, bz),
                hardened_nozzle=hardened,
                enclosed=enclosed,
                runs_material=pid in runs,
                available=status == Printer.Status.AVAILABLE,
                layer_range_mm=ranges.get(catalog_id),
            )
        )
    unit = "krw_per_l" if material.process == Process.SLA else "krw_per_kg"
    for price_list_id, price in MaterialPrice.objects.filter(
        material=material, price_list_id__in=by_price_list
    ).values_list("price_list_id", unit):
        by_price_list[price_list_id].material_price = price
    for price_list_id, rate in MachineRate.objects.filter(
        process=material.process, price_list_id__in=by_price_list
    ).values_list("price_list_id", "krw_per_hour"):
        by_price_list[price_list_id].krw_per_hour = rate
    for price_list_id, code, name_ko, name_en, krw, hours in PostProcessing.objects.filter(
        price_list_id__in=by_price_list
    ).values_list("price_list_id", "code", "name_ko", "name_en", "krw_per_part", "extra_hours"):
        by_price_list[price_list_id].post_processing[code] = {
            "ko": name_ko,
            "en": name_en,
            "krw_per_part": krw,
            "extra_hours": hours,
        }
    jobs = (
        Job.objects.filter(
            center_id__in=data,
            state__in=ACTIVE_JOB_STATES,
            order__material__process=material.process,
        )
        .order_by("created_at", "id")
        .values_list("center_id", "estimated_print_s", "state")
    )
    for center_id, seconds, state in jobs:
        data[center_id].queue.append(
            leadtime.QueuedJob(duration_s=float(seconds or 0), running=state == RUNNING_JOB_STATE)
        )
    return list(data.values())


class NetworkCalendar:
    """A center's opening hours as printhub.network.services tells them, memoised.

    Expects the center's hours and closures prefetched (then no query is made).
    """

    # open_periods is asked for this many days at a time when counting working hours.
    WINDOW_DAYS = 31

    def __init__(self, center: Center):
        from printhub.network import services as network

        self.center = center
        self._network = network
        self._next: dict[dt.datetime, dt.datetime] = {}

    def next_open(self, moment: dt.datetime) -> dt.datetime:
        """`moment` when the center is open then, else its next opening (NeverOpen)."""
        found = self._next.get(moment)
        if found is None:
            found = self._network.next_open_time(self.center, moment)
            if found is None:
                raise leadtime.NeverOpen
            self._next[moment] = found
        return found

    def add_open_time(self, moment: dt.datetime, seconds: float) -> dt.datetime:
        """The moment when `seconds` of open time have passed from `moment`."""
        remaining = dt.timedelta(seconds=max(0.0, seconds))
        if not remaining:
            return moment
        start = moment
        for _window in range(leadtime.HORIZON_DAYS // self.WINDOW_DAYS + 1):
            for begin, end in self._network.open_periods(self.center, start, self.WINDOW_DAYS):
                if begin + remaining <= end:
                    return begin + remaining
                remaining -= end - begin
            start += dt.timedelta(days=self.WINDOW_DAYS)
        raise leadtime.NeverOpen


def calendar_for(center: Center, tz):
    """The center's opening calendar: the network app's, or this app's stand-in without it."""
    try:
        from printhub.network.services import next_open_time, open_periods  # noqa: F401
    except ImportError:
        weekly: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for hours in center.hours.all():
            weekly.setdefault(hours.weekday, []).append((hours.opens, hours.closes))
        closed = [closure.date for closure in center.closures.all()]
        return leadtime.OpeningCalendar(weekly, closed, tz)
    return NetworkCalendar(center)


_network_cache: dict[tuple[int, dt.date], tuple[float, list[CenterData]]] = {}
_network_cache_lock = threading.Lock()


def cached_network(material: Material, today: dt.date) -> list[CenterData]:
    """load_network, remembered in this process for QUOTE_PREVIEW_CACHE_SECONDS (0: never).

    The previews of the quote form ask for the same network again and again as a person
    changes the form; the prices, printers, hours and queue read a few seconds ago do.
    """
    ttl = float(getattr(settings, "QUOTE_PREVIEW_CACHE_SECONDS", 10))
    if ttl <= 0:
        return load_network(material, today)
    key = (material.pk, today)
    now = time.monotonic()
    with _network_cache_lock:
        hit = _network_cache.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
    network = load_network(material, today)
    with _network_cache_lock:
        if len(_network_cache) > 64:
            _network_cache.clear()
        _network_cache[key] = (now, network)
    return network


def _has_price_list(center: Center) -> bool:
    try:
        center.price_list  # noqa: B018 - loaded by select_related; raises when missing
    except Center.price_list.RelatedObjectDoesNotExist:
        return False
    return True


def material_info(material: Material) -> elig.MaterialInfo:
    return elig.MaterialInfo(
        catalog_id=material.catalog_id,
        process=material.process,
        abrasive=material.abrasive,
        needs_enclosure=material.needs_enclosure,
        name_ko=material.name_ko,
        name_en=material.name_en,
    )


def model_info(model: UploadedModel) -> elig.ModelInfo:
    return elig.ModelInfo(
        status=model.status,
        bbox_mm=model.bbox_mm,
        printer_fits=elig.printer_fits_from_report(model.report),
    )
