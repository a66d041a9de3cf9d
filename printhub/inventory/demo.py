"""Demo stock: spools of every filament a center's printers run, resin and powder, and a
spool (or resin bottle) loaded on every printer. Idempotent: items are found again by their
demo lot numbers, and a printer that holds something keeps it."""

from __future__ import annotations

from django.db import transaction

from printhub.inventory import services
from printhub.inventory.models import Filament, PowderLot, ResinBottle, Spool, Vendor
from printhub.network.models import Center, Material, Printer, Process

# (vendor, empty spool g) per process
VENDORS = {
    Process.FDM: ("Prusa Polymers", 201.0),
    Process.SLA: ("Prusa Research", None),
    Process.SLS: ("Formlabs", None),
}
LOCATIONS = ("선반 A-1", "선반 A-2", "건조 보관함")


def _vendor(process: str) -> Vendor:
    name, empty_g = VENDORS[process]
    vendor, _created = Vendor.objects.get_or_create(
        name=name, defaults={"empty_spool_weight_g": empty_g}
    )
    return vendor


def _filament(material: Material) -> Filament:
    color = (material.colors or [{}])[0]
    filament, _created = Filament.objects.get_or_create(
        vendor=_vendor(Process.FDM),
        material=material,
        color_name=color.get("name_en") or "Natural",
        defaults={
            "color_hex": color.get("hex") or "#888888",
            "spool_weight_g": 201.0,
            "net_weight_g": 1000.0,
        },
    )
    return filament


def _spool(center: Center, material: Material, lot_suffix: str, used_g: float) -> Spool:
    spool, _created = Spool.objects.get_or_create(
        center=center,
        lot=f"DEMO-{material.catalog_id}-{lot_suffix}",
        defaults={
            "filament": _filament(material),
            "initial_weight_g": 1000.0,
            "used_weight_g": used_g,
            "location": LOCATIONS[0] if lot_suffix == "1" else LOCATIONS[1],
        },
    )
    return spool


def _preference(printer: Printer, material: Material) -> tuple:
    """PLA on a plain printer; a composite on a hardened one (what it is there for)."""
    if printer.hardened_nozzle:
        return (not material.abrasive, material.sort_order, material.pk)
    return (material.catalog_id != "pla", material.sort_order, material.pk)


def _first_runnable(printer: Printer) -> Material | None:
    runnable = [m for m in printer.materials.all() if printer.can_run(m)]
    runnable.sort(key=lambda m: _preference(printer, m))
    return runnable[0] if runnable else None


@transaction.atomic
def seed_inventory(center: Center) -> None:
    """Spools, resin and powder for the materials the center's printers run; load them."""
    materials = Material.objects.filter(printers__center=center).distinct()
    for material in materials:
        if material.process == Process.FDM:
            _spool(center, material, "1", used_g=180.0)
            _spool(center, material, "2", used_g=0.0)
        elif material.process == Process.SLA:
            ResinBottle.objects.get_or_create(
                center=center,
                lot=f"DEMO-{material.catalog_id}-1",
                defaults={"material": material, "initial_ml": 1000.0, "used_ml": 150.0},
            )
        elif material.process == Process.SLS:
            PowderLot.objects.get_or_create(
                center=center,
                lot=f"DEMO-{material.catalog_id}-1",
                defaults={"material": material, "initial_kg": 20.0, "location": LOCATIONS[2]},
            )
    printers = center.printers.exclude(status=Printer.Status.RETIRED).prefetch_related("materials")
    for printer in printers:
        if printer.process == Process.FDM and services.loaded_spool(printer) is None:
            free = [
                s
                for s in Spool.objects.filter(
                    center=center, archived=False, printer__isnull=True
                ).select_related("filament__material")
                if not s.is_empty and printer.can_run(s.filament.material)
            ]
            free.sort(key=lambda s: _preference(printer, s.filament.material))
            material = _first_runnable(printer)
            if not free and material is not None:
                free = [_spool(center, material, f"P{printer.pk}", used_g=0.0)]
            if free:
                services.load_spool(free[0], printer)
        elif printer.process == Process.SLA and services.loaded_resin(printer) is None:
            material = _first_runnable(printer)
            if material is None:
                continue
            bottle, _created = ResinBottle.objects.get_or_create(
                center=center,
                lot=f"DEMO-{material.catalog_id}-P{printer.pk}",
                defaults={"material": material, "initial_ml": 1000.0},
            )
            services.load_resin(bottle, printer)


def seed_all() -> None:
    """Demo stock at every center and partner shop."""
    for center in Center.objects.all():
        seed_inventory(center)
