"""The network's operations: when centers are open, which printers can take a job, prices,
and the changes staff make to their centers.

Other apps rely on `open_periods`, `next_open_time`, `center_printers_for`,
`price_for_material` and `machine_rate`. Times are aware datetimes in Seoul; money is
integer won. Functions that change something take the acting user first and check the
rules of `printhub.accounts.permissions`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from printhub.accounts import permissions
from printhub.network.models import (
    Center,
    Closure,
    MachineRate,
    Material,
    MaterialPrice,
    OpeningHours,
    PostProcessing,
    PriceList,
    Printer,
    Process,
)

# How far ahead next_open_time looks before deciding a center never opens.
NEXT_OPEN_HORIZON_DAYS = 366


def now() -> dt.datetime:
    """The current moment (one place, so tests can set the clock)."""
    return timezone.now()


def today() -> dt.date:
    """Today's date in Seoul."""
    return _local(now()).date()


def _local(moment: dt.datetime) -> dt.datetime:
    """The moment in Seoul; naive datetimes are taken as Seoul time."""
    tz = timezone.get_default_timezone()
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


# ------------------------------------------------------------------------ opening hours


@dataclass
class Schedule:
    """A center's weekly hours and closures, read once and asked many times."""

    weekly: dict[int, list[tuple[dt.time, dt.time]]]
    closures: dict[dt.date, Closure]

    @classmethod
    def of(cls, center: Center) -> Schedule:
        """Uses the center's prefetched hours and closures when there are any."""
        weekly: dict[int, list[tuple[dt.time, dt.time]]] = {d: [] for d in range(7)}
        for hours in center.hours.all():
            weekly[hours.weekday].append((hours.opens, hours.closes))
        for periods in weekly.values():
            periods.sort()
        return cls(weekly, {c.date: c for c in center.closures.all()})

    def periods_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """Open periods of a day as aware datetimes in Seoul; none on a closure day."""
        if day in self.closures:
            return []
        tz = timezone.get_default_timezone()
        return [
            (
                dt.datetime.combine(day, opens, tzinfo=tz),
                dt.datetime.combine(day, closes, tzinfo=tz),
            )
            for opens, closes in self.weekly[day.weekday()]
        ]

    def periods(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """Open periods between two moments, cut to them."""
        start, end = _local(start), _local(end)
        found = []
        day = start.date()
        while day <= end.date():
            for opens, closes in self.periods_on(day):
                opens, closes = max(opens, start), min(closes, end)
                if opens < closes:
                    found.append((opens, closes))
            day += dt.timedelta(days=1)
        return found

    def is_open_at(self, moment: dt.datetime) -> bool:
        local = _local(moment)
        return any(opens <= local < closes for opens, closes in self.periods_on(local.date()))

    def next_open(self, moment: dt.datetime, horizon_days: int) -> dt.datetime | None:
        local = _local(moment)
        for offset in range(horizon_days + 1):
            for opens, closes in self.periods_on(local.date() + dt.timedelta(days=offset)):
                if closes > local:
                    return max(opens, local)
        return None

    def closes_at(self, moment: dt.datetime) -> dt.datetime | None:
        """When the period the moment falls in ends (None when closed)."""
        local = _local(moment)
        for opens, closes in self.periods_on(local.date()):
            if opens <= local < closes:
                return closes
        return None


def day_periods(center: Center, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """Open periods of one day as aware datetimes in Seoul (none on closure days)."""
    return Schedule.of(center).periods_on(day)


def is_open_at(center: Center, moment: dt.datetime) -> bool:
    """Whether the center is open at that moment (closures and lunch breaks respected)."""
    return Schedule.of(center).is_open_at(moment)


def open_periods(
    center: Center, start: dt.datetime, days: int
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Open periods from `start` for `days` × 24 hours, as aware datetimes in Seoul.

    A period already under way at `start` begins at `start`; one still open at the end is
    cut there. Closure days have none. In time order.
    """
    if days <= 0:
        return []
    start = _local(start)
    return Schedule.of(center).periods(start, start + dt.timedelta(days=days))


def next_open_time(center: Center, moment: dt.datetime) -> dt.datetime | None:
    """The first moment at or after `moment` when the center is open (`moment` itself when
    it is open then); None when it has no open hours within a year."""
    return Schedule.of(center).next_open(moment, NEXT_OPEN_HORIZON_DAYS)


# ------------------------------------------------------------------------ printers and prices


def center_printers_for(
    center: Center, material: Material, size_mm: Sequence[float] | None = None
) -> list[Printer]:
    """Available printers of the center that can run the material and, when a part size
    (x, y, z mm) is given, fit it in some axis-aligned rotation. None for an inactive
    center or a material the network no longer offers."""
    if not center.is_active or not material.is_active:
        return []
    printers = (
        center.printers.filter(status=Printer.Status.AVAILABLE, materials=material)
        .prefetch_related("materials")
        .order_by("name")
    )
    return [p for p in printers if p.can_run(material) and (size_mm is None or p.fits(size_mm))]


def price_for_material(center: Center, material: Material) -> MaterialPrice | None:
    """The center's price of the material (per kg, or per litre for resin), or None when
    the center does not sell it."""
    price = (
        MaterialPrice.objects.select_related("material")
        .filter(price_list__center=center, material=material)
        .first()
    )
    if price is None or price.unit_price_krw is None:
        return None
    return price


def machine_rate(center: Center, process: str) -> int | None:
    """What an hour of printing with the process costs at the center, in won (None: not
    offered there)."""
    return (
        MachineRate.objects.filter(price_list__center=center, process=process)
        .values_list("krw_per_hour", flat=True)
        .first()
    )


# ------------------------------------------------------------------------ public overviews


def centers_for_display(active_only: bool = True) -> QuerySet[Center]:
    """Centers with everything the public pages show, in a handful of queries."""
    centers = Center.objects.all() if not active_only else Center.objects.filter(is_active=True)
    return centers.select_related("price_list").prefetch_related(
        "hours",
        Prefetch("closures", queryset=Closure.objects.order_by("date")),
        "rooms",
        "equipment",
        Prefetch(
            "printers",
            queryset=Printer.objects.exclude(status=Printer.Status.RETIRED)
            .prefetch_related("materials")
            .order_by("name"),
        ),
        Prefetch("price_list__rates", queryset=MachineRate.objects.order_by("process")),
        Prefetch(
            "price_list__material_prices",
            queryset=MaterialPrice.objects.select_related("material").order_by(
                "material__sort_order", "material__id"
            ),
        ),
        "price_list__post_processing",
    )


def price_list_of(center: Center) -> PriceList | None:
    try:
        return center.price_list
    except PriceList.DoesNotExist:
        return None


@dataclass
class ProcessCount:
    process: str
    label: str
    total: int
    available: int


@dataclass
class CenterOverview:
    """What a person wants to know about a center at a glance."""

    center: Center
    date: dt.date
    today: list[tuple[dt.datetime, dt.datetime]]
    closure_today: Closure | None
    is_open: bool
    closes_at: dt.datetime | None
    next_open: dt.datetime | None
    printers_by_process: list[ProcessCount]
    offers: list[MaterialPrice]
    upcoming_closures: list[Closure] = field(default_factory=list)

    @property
    def composites(self) -> list[MaterialPrice]:
        return [o for o in self.offers if o.material.is_composite]

    @property
    def today_weekday(self) -> int:
        return self.date.weekday()


def offers_of(center: Center) -> list[MaterialPrice]:
    """Materials the center sells: priced, offered by the network, and runnable on one of
    its printers that is not retired. Expects `centers_for_display` prefetching."""
    price_list = price_list_of(center)
    if price_list is None:
        return []
    runnable = {
        m.pk
        for p in center.printers.all()
        if p.status != Printer.Status.RETIRED
        for m in p.materials.all()
    }
    return [
        price
        for price in price_list.material_prices.all()
        if price.material.is_active
        and price.material_id in runnable
        and price.unit_price_krw is not None
    ]


def overview(center: Center, moment: dt.datetime | None = None) -> CenterOverview:
    """Today's hours, open now or when next, printers per process and materials offered."""
    moment = _local(moment or now())
    schedule = Schedule.of(center)
    today = moment.date()
    counts = {}
    for printer in center.printers.all():
        if printer.status == Printer.Status.RETIRED:
            continue
        count = counts.setdefault(
            printer.process,
            ProcessCount(printer.process, printer.get_process_display(), 0, 0),
        )
        count.total += 1
        count.available += printer.status == Printer.Status.AVAILABLE
    order = [p.value for p in Process]
    is_open = schedule.is_open_at(moment)
    return CenterOverview(
        center=center,
        date=today,
        today=schedule.periods_on(today),
        closure_today=schedule.closures.get(today),
        is_open=is_open,
        closes_at=schedule.closes_at(moment),
        next_open=None if is_open else schedule.next_open(moment, NEXT_OPEN_HORIZON_DAYS),
        printers_by_process=sorted(counts.values(), key=lambda c: order.index(c.process)),
        offers=offers_of(center),
        upcoming_closures=[c for d, c in sorted(schedule.closures.items()) if d >= today],
    )


def weekly_hours(center: Center) -> list[tuple[int, str, list[tuple[dt.time, dt.time]]]]:
    """(weekday, its name, periods) for Monday to Sunday."""
    schedule = Schedule.of(center)
    return [(day, label, schedule.weekly[day]) for day, label in OpeningHours.WEEKDAYS]


@dataclass
class MaterialOffers:
    material: Material
    offers: list[tuple[Center, MaterialPrice]]


def material_catalog() -> list[MaterialOffers]:
    """Every material the network offers, with the centers that sell it and their prices."""
    centers = list(centers_for_display())
    by_material: dict[int, list[tuple[Center, MaterialPrice]]] = {}
    for center in centers:
        for price in offers_of(center):
            by_material.setdefault(price.material_id, []).append((center, price))
    return [
        MaterialOffers(material, by_material.get(material.pk, []))
        for material in Material.objects.filter(is_active=True)
    ]


# ------------------------------------------------------------------------ staff


def staff_centers(user) -> QuerySet[Center]:
    """The centers a staff member works at (every center for a network admin)."""
    if not permissions.is_staff_member(user):
        return Center.objects.none()
    return Center.objects.filter(pk__in=user.center_ids()).order_by("kind", "id")


def require_works_at(user, center: Center) -> None:
    """PermissionDenied unless the person works at the center (or is a network admin)."""
    permissions.require(permissions.works_at(user, center))


def require_manager(user, center: Center) -> None:
    """PermissionDenied unless the person manages the center (or is a network admin)."""
    permissions.require(permissions.can_manage_center(user, center))


def set_printer_status(user, printer: Printer, status: str) -> Printer:
    """Mark a printer available or in maintenance: staff of its center. Bringing back a
    retired printer is for its managers."""
    require_works_at(user, printer.center)
    if status not in (Printer.Status.AVAILABLE, Printer.Status.MAINTENANCE):
        raise ValidationError(_("A printer can be set available or in maintenance only."))
    if printer.status == Printer.Status.RETIRED:
        require_manager(user, printer.center)
    printer.status = status
    printer.save(update_fields=["status"])
    return printer


def retire_printer(user, printer: Printer) -> Printer:
    """Take a printer out of service for good (it stays in the records): managers."""
    require_manager(user, printer.center)
    printer.status = Printer.Status.RETIRED
    printer.save(update_fields=["status"])
    return printer


def next_printer_name(center: Center, catalog_id: str) -> str:
    """The next free name in the demo's scheme: MK3S-05."""
    names = set(center.printers.values_list("name", flat=True))
    number = 1
    while f"{catalog_id.upper()}-{number:02d}" in names:
        number += 1
    return f"{catalog_id.upper()}-{number:02d}"


@transaction.atomic
def add_printer(user, center: Center, catalog_id: str, name: str = "") -> Printer:
    """A new printer of a model from the slicing catalog: its build volume, nozzle,
    hardening, enclosure and runnable materials come from the catalog. Managers only."""
    from printhub.slicing import UnknownPrinter, load_catalog

    require_manager(user, center)
    catalog = load_catalog()
    try:
        profile = catalog.printer(catalog_id)
    except UnknownPrinter:
        raise ValidationError(
            _("There is no printer model %(id)s in the catalog.") % {"id": catalog_id}
        ) from None
    name = name.strip() or next_printer_name(center, profile.id)
    if center.printers.filter(name=name).exists():
        raise ValidationError(
            _("This center already has a printer called %(name)s.") % {"name": name}
        )
    printer = Printer.objects.create(
        center=center,
        name=name,
        catalog_id=profile.id,
        model_name=profile.name,
        process=profile.technology,
        build_x_mm=profile.build_mm[0],
        build_y_mm=profile.build_mm[1],
        build_z_mm=profile.build_mm[2],
        nozzle_mm=profile.nozzle_mm,
        hardened_nozzle=profile.hardened_nozzle,
        enclosed=profile.enclosed,
    )
    compatible = {m.id for m in catalog.compatible_materials(profile)}
    printer.materials.set(Material.objects.filter(catalog_id__in=compatible))
    return printer


@dataclass
class PostProcessingRow:
    code: str
    name_ko: str
    name_en: str
    krw_per_part: int
    extra_hours: float = 0.0


@dataclass
class PriceChanges:
    """A whole price list as a manager submits it. None for a rate or a material price
    means: not offered at this center."""

    setup_fee_krw: int
    minimum_order_krw: int
    vat_percent: int
    machine_rates: Mapping[str, int | None]
    material_prices: Mapping[int, int | None]  # material id -> price in its unit
    post_processing: Iterable[PostProcessingRow] | None = None  # None: leave unchanged


def _check_money(value: int | None, label: str) -> None:
    if value is not None and (not isinstance(value, int) or value < 0):
        raise ValidationError(
            _("%(label)s must be a whole number of won, 0 or more.") % {"label": label}
        )


@transaction.atomic
def update_price_list(user, center: Center, changes: PriceChanges) -> PriceList:
    """Replace a center's prices in one go (all or nothing). Managers of the center and
    network admins only."""
    require_manager(user, center)
    _check_money(changes.setup_fee_krw, _("The set-up fee"))
    _check_money(changes.minimum_order_krw, _("The minimum order"))
    if not isinstance(changes.vat_percent, int) or not 0 <= changes.vat_percent <= 100:
        raise ValidationError(_("VAT must be a whole percentage between 0 and 100."))
    price_list, _created = PriceList.objects.select_for_update().get_or_create(center=center)
    price_list.setup_fee_krw = changes.setup_fee_krw
    price_list.minimum_order_krw = changes.minimum_order_krw
    price_list.vat_percent = changes.vat_percent
    price_list.save()

    for process, rate in changes.machine_rates.items():
        if process not in Process.values:
            raise ValidationError(_("Unknown process %(process)s.") % {"process": process})
        _check_money(rate, _("A machine rate"))
        if rate is None:
            price_list.rates.filter(process=process).delete()
        else:
            MachineRate.objects.update_or_create(
                price_list=price_list, process=process, defaults={"krw_per_hour": rate}
            )

    materials = Material.objects.in_bulk(list(changes.material_prices))
    for material_id, price in changes.material_prices.items():
        material = materials.get(material_id)
        if material is None:
            raise ValidationError(_("Unknown material."))
        _check_money(price, material.name)
        if price is None:
            price_list.material_prices.filter(material=material).delete()
            continue
        unit = {"krw_per_l": price, "krw_per_kg": None}
        if not material.sold_by_litre:
            unit = {"krw_per_kg": price, "krw_per_l": None}
        MaterialPrice.objects.update_or_create(
            price_list=price_list, material=material, defaults=unit
        )

    if changes.post_processing is not None:
        rows = list(changes.post_processing)
        codes = [row.code for row in rows]
        if len(codes) != len(set(codes)):
            raise ValidationError(_("Two post-processing options have the same code."))
        for row in rows:
            _check_money(row.krw_per_part, row.name_en or row.code)
            if row.extra_hours < 0:
                raise ValidationError(_("Extra working hours cannot be negative."))
        price_list.post_processing.exclude(code__in=codes).delete()
        for row in rows:
            PostProcessing.objects.update_or_create(
                price_list=price_list,
                code=row.code,
                defaults={
                    "name_ko": row.name_ko,
                    "name_en": row.name_en,
                    "krw_per_part": row.krw_per_part,
                    "extra_hours": row.extra_hours,
                },
            )
    return price_list


def check_periods(periods: Iterable[tuple[int, dt.time, dt.time]]) -> None:
    """Raise ValidationError unless every period closes after it opens and no two periods
    of a weekday overlap."""
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, opens, closes in periods:
        if weekday not in range(7):
            raise ValidationError(_("Unknown weekday."))
        if closes <= opens:
            raise ValidationError(
                _("A period must close after it opens (%(opens)s–%(closes)s).")
                % {"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"}
            )
        by_day.setdefault(weekday, []).append((opens, closes))
    names = dict(OpeningHours.WEEKDAYS)
    for weekday, day in by_day.items():
        day.sort()
        for (o1, c1), (o2, c2) in pairwise(day):
            if o2 < c1:
                raise ValidationError(
                    _("Two periods on %(day)s overlap: %(first)s and %(second)s.")
                    % {
                        "day": names[weekday],
                        "first": f"{o1:%H:%M}–{c1:%H:%M}",
                        "second": f"{o2:%H:%M}–{c2:%H:%M}",
                    }
                )


@transaction.atomic
def set_weekly_hours(user, center: Center, periods: Iterable[tuple[int, dt.time, dt.time]]) -> None:
    """Replace the center's weekly opening hours. Managers only."""
    require_manager(user, center)
    periods = list(periods)
    check_periods(periods)
    center.hours.all().delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(center=center, weekday=w, opens=o, closes=c) for w, o, c in sorted(periods)
    )


def add_closure(
    user, center: Center, date: dt.date, reason_ko: str = "", reason_en: str = ""
) -> Closure:
    """Close the center for a day (a holiday, an inspection). Managers only."""
    require_manager(user, center)
    if date < today():
        raise ValidationError(_("A closure day cannot be in the past."))
    try:
        with transaction.atomic():
            return Closure.objects.create(
                center=center, date=date, reason_ko=reason_ko.strip(), reason_en=reason_en.strip()
            )
    except IntegrityError:
        raise ValidationError(
            _("The center is already closed on %(date)s.") % {"date": f"{date:%Y-%m-%d}"}
        ) from None


def remove_closure(user, closure: Closure) -> None:
    """Open again on a day that was to be closed. Managers only."""
    require_manager(user, closure.center)
    closure.delete()
