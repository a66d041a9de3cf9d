"""The network in JSON: centers (hours, printers, prices) and the materials catalog.

Readable without logging in. Names come in Korean and English; `name` follows the
request's language (Korean unless chosen otherwise). Money is integer won.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils import translation
from ninja import Router, Schema

from printhub.network import services
from printhub.network.models import Material, OpeningHours

PREFIX = ""
router = Router(tags=["centers"])


class PeriodOut(Schema):
    opens: dt.datetime
    closes: dt.datetime


class WeeklyHoursOut(Schema):
    weekday: int  # 0 = Monday
    weekday_name: str
    opens: str  # "09:00"
    closes: str


class ClosureOut(Schema):
    date: dt.date
    reason: str
    reason_ko: str
    reason_en: str


class PrinterCountOut(Schema):
    process: str
    total: int
    available: int


class CenterSummaryOut(Schema):
    slug: str
    kind: str
    name: str
    name_ko: str
    name_en: str
    address: str
    phone: str
    email: str
    is_open_now: bool
    open_until: dt.datetime | None
    next_open: dt.datetime | None
    today: list[PeriodOut]
    closed_today_reason: str | None
    printers: list[PrinterCountOut]
    materials: list[str]  # catalog ids of the materials offered


class PrinterOut(Schema):
    id: int
    name: str
    catalog_id: str
    model_name: str
    process: str
    build_mm: list[float]
    nozzle_mm: float | None
    hardened_nozzle: bool
    enclosed: bool
    status: str
    materials: list[str]


class MaterialPriceOut(Schema):
    material: str  # catalog id
    name: str
    krw_per_kg: int | None
    krw_per_l: int | None


class PostProcessingOut(Schema):
    code: str
    name: str
    name_ko: str
    name_en: str
    krw_per_part: int
    extra_hours: float


class PricesOut(Schema):
    currency: str = "KRW"
    vat_percent: int
    prices_include_vat: bool = False
    setup_fee_krw: int
    minimum_order_krw: int
    machine_krw_per_hour: dict[str, int]
    materials: list[MaterialPriceOut]
    post_processing: list[PostProcessingOut]


class CenterDetailOut(CenterSummaryOut):
    hours: list[WeeklyHoursOut]
    closures: list[ClosureOut]
    rooms: list[dict]
    equipment: list[dict]
    printer_list: list[PrinterOut]
    prices: PricesOut | None


class OfferOut(Schema):
    center: str  # slug
    center_name: str
    krw_per_kg: int | None
    krw_per_l: int | None


class ColorOut(Schema):
    code: str
    name: str
    hex: str


class MaterialOut(Schema):
    catalog_id: str
    name: str
    name_ko: str
    name_en: str
    process: str
    family: str
    filler: str | None
    is_composite: bool
    abrasive: bool
    needs_hardened_nozzle: bool
    needs_enclosure: bool
    needs_drying: bool
    density_g_cm3: float
    colors: list[ColorOut]
    price_unit: str  # "kg" | "l"
    offered_at: list[OfferOut]


def _summary(o: services.CenterOverview) -> dict:
    center = o.center
    return {
        "slug": center.slug,
        "kind": center.kind,
        "name": center.name,
        "name_ko": center.name_ko,
        "name_en": center.name_en,
        "address": center.address,
        "phone": center.phone,
        "email": center.email,
        "is_open_now": o.is_open,
        "open_until": o.closes_at,
        "next_open": o.next_open,
        "today": [{"opens": a, "closes": b} for a, b in o.today],
        "closed_today_reason": o.closure_today.reason if o.closure_today else None,
        "printers": [
            {"process": c.process, "total": c.total, "available": c.available}
            for c in o.printers_by_process
        ],
        "materials": [p.material.catalog_id for p in o.offers],
    }


@router.get("/centers", response=list[CenterSummaryOut], auth=None, summary="Centers")
def list_centers(request):
    """The convergence centers and partner shops: today's hours, open now, printers, materials."""
    moment = services.now()
    return [_summary(services.overview(c, moment)) for c in services.centers_for_display()]


@router.get("/centers/{slug}", response=CenterDetailOut, auth=None, summary="One center")
def get_center(request, slug: str):
    """A center with its weekly hours, closures ahead, rooms, printers and price list."""
    center = services.centers_for_display().filter(slug=slug).first()
    if center is None:
        raise Http404
    overview = services.overview(center)
    data = _summary(overview)
    names = dict(OpeningHours.WEEKDAYS)
    data["hours"] = [
        {
            "weekday": h.weekday,
            "weekday_name": str(names[h.weekday]),
            "opens": f"{h.opens:%H:%M}",
            "closes": f"{h.closes:%H:%M}",
        }
        for h in sorted(center.hours.all(), key=lambda h: (h.weekday, h.opens))
    ]
    data["closures"] = [
        {"date": c.date, "reason": c.reason, "reason_ko": c.reason_ko, "reason_en": c.reason_en}
        for c in overview.upcoming_closures
    ]
    data["rooms"] = [
        {"name": r.name, "kind": r.kind, "capacity": r.capacity} for r in center.rooms.all()
    ]
    data["equipment"] = [
        {"name": e.name, "kind": e.kind, "requires_training": e.requires_training}
        for e in center.equipment.all()
    ]
    data["printer_list"] = [
        {
            "id": p.pk,
            "name": p.name,
            "catalog_id": p.catalog_id,
            "model_name": p.model_name,
            "process": p.process,
            "build_mm": list(p.build_mm),
            "nozzle_mm": p.nozzle_mm,
            "hardened_nozzle": p.hardened_nozzle,
            "enclosed": p.enclosed,
            "status": p.status,
            "materials": sorted(m.catalog_id for m in p.materials.all()),
        }
        for p in center.printers.all()
    ]
    price_list = services.price_list_of(center)
    data["prices"] = None
    if price_list is not None:
        data["prices"] = {
            "vat_percent": price_list.vat_percent,
            "setup_fee_krw": price_list.setup_fee_krw,
            "minimum_order_krw": price_list.minimum_order_krw,
            "machine_krw_per_hour": {r.process: r.krw_per_hour for r in price_list.rates.all()},
            "materials": [
                {
                    "material": p.material.catalog_id,
                    "name": p.material.name,
                    "krw_per_kg": p.krw_per_kg,
                    "krw_per_l": p.krw_per_l,
                }
                for p in overview.offers
            ],
            "post_processing": [
                {
                    "code": o.code,
                    "name": o.name,
                    "name_ko": o.name_ko,
                    "name_en": o.name_en,
                    "krw_per_part": o.krw_per_part,
                    "extra_hours": o.extra_hours,
                }
                for o in price_list.post_processing.all()
            ],
        }
    return data


def _material(material: Material, offers) -> dict:
    english = translation.get_language() == "en"
    return {
        "catalog_id": material.catalog_id,
        "name": material.name,
        "name_ko": material.name_ko,
        "name_en": material.name_en,
        "process": material.process,
        "family": material.family,
        "filler": material.filler or None,
        "is_composite": material.is_composite,
        "abrasive": material.abrasive,
        "needs_hardened_nozzle": material.abrasive,
        "needs_enclosure": material.needs_enclosure,
        "needs_drying": material.needs_drying,
        "density_g_cm3": material.density_g_cm3,
        "colors": [
            {
                "code": c.get("code", ""),
                "name": c.get("name_en" if english else "name_ko", ""),
                "hex": c.get("hex", ""),
            }
            for c in material.colors
        ],
        "price_unit": "l" if material.sold_by_litre else "kg",
        "offered_at": [
            {
                "center": center.slug,
                "center_name": center.name,
                "krw_per_kg": price.krw_per_kg,
                "krw_per_l": price.krw_per_l,
            }
            for center, price in offers
        ],
    }


@router.get("/materials", response=list[MaterialOut], auth=None, summary="Materials")
def list_materials(request):
    """The materials catalog: process, family, filler, what it needs, colours, where offered."""
    return [_material(entry.material, entry.offers) for entry in services.material_catalog()]
