"""The materials catalog and the demo network of four centers and two partner shops.

`load_catalog()` mirrors printhub.slicing's curated materials into the
database; `load_demo()` adds the centers of Jeonju, Gunsan, Namwon and
Jeongeup with their rooms, hours, printers and prices, two partner shops, a
demo person for every role, and the subsidies. Both are idempotent: running
them again updates what is there and adds nothing twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from printhub.network.models import (
    Center,
    Closure,
    Equipment,
    MachineRate,
    Material,
    MaterialPrice,
    OpeningHours,
    PostProcessing,
    PriceList,
    Printer,
    Process,
    Room,
)

DEMO_PASSWORD = "printhub-demo"

# Colours offered per material family (name in Korean and English, hex).
COLORS = {
    "default": [
        ("white", "흰색", "White", "#f5f5f5"),
        ("black", "검정", "Black", "#222222"),
        ("grey", "회색", "Grey", "#8a8f98"),
        ("orange", "주황", "Orange", "#e8590c"),
        ("blue", "파랑", "Blue", "#1c7ed6"),
    ],
    "composite": [("black", "검정", "Black", "#222222")],
    "resin": [("grey", "회색", "Grey", "#8a8f98"), ("clear", "투명", "Clear", "#dfe7ee")],
    "powder": [("natural", "내추럴", "Natural", "#e9e4d8")],
}


@dataclass(frozen=True)
class DemoCenter:
    slug: str
    kind: str
    name_ko: str
    name_en: str
    address_ko: str
    address_en: str
    phone: str
    printers: tuple[tuple[str, int], ...]  # (catalog printer id, how many)
    weekdays: tuple[tuple[str, str], ...] = (("09:00", "18:00"),)
    saturday: tuple[tuple[str, str], ...] = ()
    sunday: tuple[tuple[str, str], ...] = ()
    closed_weekdays: tuple[int, ...] = ()
    rooms: tuple[tuple[str, str, str, int], ...] = ()  # kind, name ko, name en, capacity
    price_factor: float = 1.0


CENTERS = [
    DemoCenter(
        "jeonju",
        Center.Kind.CENTER,
        "전주 3D프린팅 융복합센터",
        "Jeonju 3D Printing Convergence Center",
        "전북특별자치도 전주시 덕진구 팔복로 100",
        "100 Palbok-ro, Deokjin-gu, Jeonju, Jeonbuk",
        "063-000-3100",
        (
            ("mk3s", 4),
            ("mk3s-hardened-0.4", 2),
            ("mk3s-hardened-0.6", 1),
            ("voron-2.4-350", 1),
            ("sl1s", 2),
            ("fuse-1", 1),
        ),
        saturday=(("10:00", "15:00"),),
        rooms=(
            ("classroom", "제1강의실", "Classroom 1", 30),
            ("lab", "탄소·CNT 소재 연구실", "Carbon and CNT materials lab", 8),
            ("print_room", "출력실", "Print room", 10),
            ("incubator", "창업보육실", "Incubator office", 12),
        ),
    ),
    DemoCenter(
        "gunsan",
        Center.Kind.CENTER,
        "군산 3D프린팅 융복합센터",
        "Gunsan 3D Printing Convergence Center",
        "전북특별자치도 군산시 새만금북로 200",
        "200 Saemangeumbuk-ro, Gunsan, Jeonbuk",
        "063-000-3200",
        (("mk3s", 3), ("mk3s-hardened-0.4", 1), ("mini", 2), ("sl1s", 1)),
        rooms=(
            ("classroom", "교육장", "Training room", 24),
            ("print_room", "출력실", "Print room", 8),
        ),
    ),
    DemoCenter(
        "namwon",
        Center.Kind.CENTER,
        "남원 3D프린팅 교육센터",
        "Namwon 3D Printing Education Center",
        "전북특별자치도 남원시 요천로 300",
        "300 Yocheon-ro, Namwon, Jeonbuk",
        "063-000-3300",
        (("mk3s", 2), ("mini", 2)),
        weekdays=(("09:00", "12:00"), ("13:00", "18:00")),
        rooms=(("classroom", "교육장", "Training room", 20),),
        price_factor=0.95,
    ),
    DemoCenter(
        "jeongeup",
        Center.Kind.CENTER,
        "정읍 3D프린팅 교육센터",
        "Jeongeup 3D Printing Education Center",
        "전북특별자치도 정읍시 중앙로 400",
        "400 Jungang-ro, Jeongeup, Jeonbuk",
        "063-000-3400",
        (("mk3s", 2), ("ender3-v2", 2), ("sl1s", 1)),
        rooms=(("classroom", "교육장", "Training room", 20),),
        price_factor=0.95,
    ),
    DemoCenter(
        "hanok-makers",
        Center.Kind.PARTNER_SHOP,
        "한옥마을 메이커스 (협력 출력소)",
        "Hanok Village Makers (partner shop)",
        "전북특별자치도 전주시 완산구 태조로 10",
        "10 Taejo-ro, Wansan-gu, Jeonju, Jeonbuk",
        "063-000-3500",
        (("ender3-v2", 2), ("mini", 1)),
        weekdays=(("11:00", "20:00"),),
        saturday=(("11:00", "20:00"),),
        sunday=(("12:00", "18:00"),),
        closed_weekdays=(0,),
        price_factor=1.1,
    ),
    DemoCenter(
        "hyoja-print",
        Center.Kind.PARTNER_SHOP,
        "효자동 3D출력소 (협력 출력소)",
        "Hyoja-dong 3D Print Shop (partner shop)",
        "전북특별자치도 전주시 완산구 효자로 20",
        "20 Hyoja-ro, Wansan-gu, Jeonju, Jeonbuk",
        "063-000-3600",
        (("mk3s", 2),),
        weekdays=(("10:00", "19:00"),),
        saturday=(("10:00", "16:00"),),
        price_factor=1.05,
    ),
]

# Public holidays on fixed dates (month, day, Korean, English): the convergence centers
# close on them; the partner shops decide for themselves. Lunar holidays (설날, 추석)
# move every year and are added by the managers.
FIXED_HOLIDAYS = [
    (1, 1, "신정", "New Year's Day"),
    (3, 1, "삼일절", "Independence Movement Day"),
    (5, 5, "어린이날", "Children's Day"),
    (6, 6, "현충일", "Memorial Day"),
    (8, 15, "광복절", "Liberation Day"),
    (10, 3, "개천절", "National Foundation Day"),
    (10, 9, "한글날", "Hangeul Day"),
    (12, 25, "성탄절", "Christmas Day"),
]

MACHINE_RATES_KRW_PER_HOUR = {Process.FDM: 2500, Process.SLA: 6000, Process.SLS: 15000}
POST_PROCESSING = [
    ("support-removal", "서포트 제거", "Support removal", 2000, 0.1),
    ("sanding", "샌딩", "Sanding", 5000, 0.3),
    ("painting", "도색", "Painting", 15000, 1.0),
]


def _time(text: str) -> dt.time:
    return dt.datetime.strptime(text, "%H:%M").time()


@transaction.atomic
def load_catalog() -> list[Material]:
    """Mirror the curated materials of printhub.slicing's catalog into the database."""
    from printhub.slicing import load_catalog as slicing_catalog

    materials = []
    for order, entry in enumerate(slicing_catalog().materials()):
        if entry.process == "sla":
            colors = COLORS["resin"]
        elif entry.process == "sls":
            colors = COLORS["powder"]
        elif entry.filler:
            colors = COLORS["composite"]
        else:
            colors = COLORS["default"]
        material, _ = Material.objects.update_or_create(
            catalog_id=entry.id,
            defaults={
                "name_ko": entry.name_ko,
                "name_en": entry.name,
                "process": entry.process,
                "family": entry.family,
                "filler": entry.filler or "",
                "density_g_cm3": entry.density_g_cm3,
                "abrasive": entry.abrasive,
                "needs_enclosure": entry.needs_enclosure,
                "needs_drying": entry.needs_drying,
                "colors": [
                    {"code": c, "name_ko": ko, "name_en": en, "hex": hx} for c, ko, en, hx in colors
                ],
                "sort_order": order,
            },
        )
        materials.append(material)
    return materials


def _hours(center: Center, spec: DemoCenter) -> None:
    wanted = set()
    for weekday in range(5):
        if weekday in spec.closed_weekdays:
            continue
        wanted.update((weekday, _time(o), _time(c)) for o, c in spec.weekdays)
    for weekday, periods in ((5, spec.saturday), (6, spec.sunday)):
        wanted.update((weekday, _time(o), _time(c)) for o, c in periods)
    have = set(center.hours.values_list("weekday", "opens", "closes"))
    if have == wanted:
        return  # already right: keep the rows (and their ids) as they are
    center.hours.all().delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(center=center, weekday=w, opens=o, closes=c) for w, o, c in sorted(wanted)
    )


def holidays_ahead(start: dt.date, days: int = 365) -> list[tuple[dt.date, str, str]]:
    """The fixed-date public holidays from `start` for `days` days."""
    found = []
    for year in (start.year, start.year + 1):
        for month, day, name_ko, name_en in FIXED_HOLIDAYS:
            date = dt.date(year, month, day)
            if start <= date < start + dt.timedelta(days=days):
                found.append((date, name_ko, name_en))
    return sorted(found)


def _closures(center: Center) -> None:
    if center.kind != Center.Kind.CENTER:
        return
    existing = set(center.closures.values_list("date", flat=True))
    Closure.objects.bulk_create(
        Closure(center=center, date=date, reason_ko=name_ko, reason_en=name_en)
        for date, name_ko, name_en in holidays_ahead(timezone.localdate())
        if date not in existing
    )


def _printers(center: Center, spec: DemoCenter, by_catalog_id: dict[str, Material]) -> None:
    from printhub.slicing import load_catalog as slicing_catalog

    catalog = slicing_catalog()
    for catalog_id, count in spec.printers:
        profile = catalog.printer(catalog_id)
        compatible = [
            by_catalog_id[m.id]
            for m in catalog.compatible_materials(profile)
            if m.id in by_catalog_id
        ]
        for number in range(1, count + 1):
            printer, _ = Printer.objects.update_or_create(
                center=center,
                name=f"{catalog_id.upper()}-{number:02d}",
                defaults={
                    "catalog_id": profile.id,
                    "model_name": profile.name,
                    "process": profile.technology,
                    "build_x_mm": profile.build_mm[0],
                    "build_y_mm": profile.build_mm[1],
                    "build_z_mm": profile.build_mm[2],
                    "nozzle_mm": profile.nozzle_mm,
                    "hardened_nozzle": profile.hardened_nozzle,
                    "enclosed": profile.enclosed,
                },
            )
            printer.materials.set(compatible)


def _prices(center: Center, spec: DemoCenter, materials: list[Material]) -> None:
    from printhub.slicing import load_catalog as slicing_catalog

    catalog = slicing_catalog()
    price_list, _ = PriceList.objects.get_or_create(center=center)
    processes = set(center.printers.values_list("process", flat=True))
    for process, rate in MACHINE_RATES_KRW_PER_HOUR.items():
        if process not in processes:
            MachineRate.objects.filter(price_list=price_list, process=process).delete()
            continue
        MachineRate.objects.update_or_create(
            price_list=price_list,
            process=process,
            defaults={"krw_per_hour": int(round(rate * spec.price_factor, -1))},
        )
    offered = {m.id for p in center.printers.all() for m in p.materials.all()}
    for material in materials:
        if material.id not in offered:
            MaterialPrice.objects.filter(price_list=price_list, material=material).delete()
            continue
        entry = catalog.material(material.catalog_id)
        per_kg = entry.price_krw_per_kg and int(
            round(entry.price_krw_per_kg * spec.price_factor, -2)
        )
        per_l = entry.price_krw_per_l and int(round(entry.price_krw_per_l * spec.price_factor, -2))
        MaterialPrice.objects.update_or_create(
            price_list=price_list,
            material=material,
            defaults={"krw_per_kg": per_kg or None, "krw_per_l": per_l or None},
        )
    for code, name_ko, name_en, price, hours in POST_PROCESSING:
        PostProcessing.objects.update_or_create(
            price_list=price_list,
            code=code,
            defaults={
                "name_ko": name_ko,
                "name_en": name_en,
                "krw_per_part": int(round(price * spec.price_factor, -2)),
                "extra_hours": hours,
            },
        )


@transaction.atomic
def load_network() -> list[Center]:
    """The four centers and two partner shops, with rooms, hours, printers and prices."""
    materials = load_catalog()
    by_catalog_id = {m.catalog_id: m for m in materials}
    centers = []
    for spec in CENTERS:
        center, _ = Center.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "kind": spec.kind,
                "name_ko": spec.name_ko,
                "name_en": spec.name_en,
                "address_ko": spec.address_ko,
                "address_en": spec.address_en,
                "phone": spec.phone,
                "email": f"{spec.slug}@printhub.jeonju.example",
            },
        )
        _hours(center, spec)
        _closures(center)
        for kind, name_ko, name_en, capacity in spec.rooms:
            Room.objects.update_or_create(
                center=center,
                name_ko=name_ko,
                defaults={"name_en": name_en, "kind": kind, "capacity": capacity},
            )
        _printers(center, spec, by_catalog_id)
        _prices(center, spec, materials)
        centers.append(center)
    jeonju = Center.objects.get(slug="jeonju")
    for kind, name_ko, name_en in (
        (Equipment.Kind.LASER_CUTTER, "레이저 커터", "Laser cutter"),
        (Equipment.Kind.SCANNER, "3D 스캐너", "3D scanner"),
        (Equipment.Kind.TESTING, "만능 재료 시험기", "Universal testing machine"),
    ):
        Equipment.objects.update_or_create(
            center=jeonju, kind=kind, defaults={"name_ko": name_ko, "name_en": name_en}
        )
    return centers


# (e-mail, name, role, centers, organisation)
DEMO_PEOPLE = [
    ("citizen@demo.printhub.kr", "김시민", "citizen", (), ""),
    ("student@demo.printhub.kr", "이학생", "student", (), "전북대학교"),
    ("startup@demo.printhub.kr", "박창업", "startup", (), "탄소나노랩"),
    ("designer@demo.printhub.kr", "최디자인", "designer", (), ""),
    ("operator.jeonju@demo.printhub.kr", "정운영", "operator", ("jeonju",), ""),
    ("operator.gunsan@demo.printhub.kr", "한군산", "operator", ("gunsan",), ""),
    ("manager.jeonju@demo.printhub.kr", "윤관리", "manager", ("jeonju", "hanok-makers"), ""),
    ("admin@demo.printhub.kr", "관리자", "admin", (), "전주시"),
]


@transaction.atomic
def load_people() -> list:
    """A demo person for every role (password DEMO_PASSWORD) and the subsidies."""
    from django.contrib.auth import get_user_model

    from printhub.billing.models import LedgerEntry, Subsidy

    user_model = get_user_model()
    people = []
    for email, name, role, center_slugs, organization in DEMO_PEOPLE:
        user = user_model.objects.filter(email=email).first()
        if user is None:
            user = user_model.objects.create_user(
                email, DEMO_PASSWORD, display_name=name, role=role, organization=organization
            )
        user.role = role
        user.is_staff = role == "admin"
        user.is_superuser = role == "admin"
        user.save()
        user.centers.set(Center.objects.filter(slug__in=center_slugs))
        if role in ("citizen", "student", "startup", "designer") and not user.ledger.exists():
            LedgerEntry.objects.create(
                user=user, kind=LedgerEntry.Kind.TOP_UP, amount_krw=50_000, note="demo"
            )
        people.append(user)
    students, _ = Subsidy.objects.update_or_create(
        name_en="Student monthly printing quota",
        defaults={
            "name_ko": "학생 월 출력 지원",
            "kind": Subsidy.Kind.MONTHLY_QUOTA,
            "role": "student",
            "amount_krw": 20_000,
        },
    )
    program, _ = Subsidy.objects.update_or_create(
        name_en="Carbon materials incubation program, cohort 1",
        defaults={
            "name_ko": "탄소소재 창업보육 프로그램 1기",
            "kind": Subsidy.Kind.PROGRAM_BUDGET,
            "amount_krw": 500_000,
        },
    )
    program.members.set(user_model.objects.filter(email="startup@demo.printhub.kr"))
    del students
    return people


def load_demo() -> None:
    """Everything the demo needs: catalog, network, people."""
    load_network()
    load_people()
