"""Stock operations: load and unload printers, deduct what prints used, warn of low stock.

The production code calls `loaded_spool`, `grams_left`, `loaded_material_id`, `load_spool`,
`unload_spool` and `deduct`; the pages call the same functions. Every change of a spool's
weight happens under its row lock and is recorded as a `StockUse`. Locks are taken with
``of=("self",)``: on PostgreSQL a plain FOR UPDATE would also lock the joined material and
center rows, and so serialise unrelated work of the whole center.

Low stock: a center's stock of a material is what is left on its spools (loaded or not),
in its resin bottles (ml × density) and its powder lots, archived items excluded. When a
use or an archive takes it below the minimum (`StockLevel`, else `default_minimum_g`),
each manager of the center gets one notification and e-mail; the next one comes only after
the stock was back at or above the minimum (new spools) and fell again.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Sum, Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from printhub.accounts import permissions
from printhub.accounts.models import Role
from printhub.inventory.models import (
    DEFAULT_MINIMUM_G,
    Filament,
    PowderLot,
    ResinBottle,
    Spool,
    StockLevel,
    StockUse,
)
from printhub.network.models import Center, Material, Printer, Process

log = logging.getLogger(__name__)

# Default minimum stock per process (g) when a center set none for a material.
DEFAULT_MINIMUM_BY_PROCESS_G = {
    Process.FDM: DEFAULT_MINIMUM_G,
    Process.SLA: DEFAULT_MINIMUM_G,
    Process.SLS: 2000.0,
}


class InventoryError(ValidationError):
    """A stock operation that cannot be done; the message says why."""


class LowStock(NamedTuple):
    """A material a center has less of than its minimum (both in g)."""

    material: Material
    grams: float
    minimum_g: float


# --- what a printer holds -------------------------------------------------------------------


def loaded_spool(printer: Printer) -> Spool | None:
    """The spool loaded on a printer, or None."""
    return (
        Spool.objects.select_related("filament__material", "filament__vendor")
        .filter(printer_id=printer.pk)
        .first()
    )


def loaded_resin(printer: Printer) -> ResinBottle | None:
    """The resin bottle in an SLA printer's tank, or None."""
    return ResinBottle.objects.select_related("material").filter(printer_id=printer.pk).first()


def grams_left(printer: Printer) -> float | None:
    """Grams of material left on what is loaded (a spool, or resin: ml × density); None
    when nothing is loaded."""
    spool = loaded_spool(printer)
    if spool is not None:
        return spool.remaining_weight_g
    bottle = loaded_resin(printer)
    if bottle is not None:
        return bottle.remaining_g
    return None


def loaded_material_id(printer: Printer) -> str | None:
    """The catalog id (network.Material.catalog_id) of the loaded spool's or resin's material."""
    spool = loaded_spool(printer)
    if spool is not None:
        return spool.filament.material.catalog_id
    bottle = loaded_resin(printer)
    if bottle is not None:
        return bottle.material.catalog_id
    return None


# --- loading and unloading ------------------------------------------------------------------


def _require_staff_of(by, center: Center) -> None:
    """`by` None is the system (production code); a person must work at the center."""
    if by is not None and not permissions.works_at(by, center):
        raise PermissionDenied


def _check_loadable(item_center_id: int, archived: bool, empty: bool, material, printer) -> None:
    if item_center_id != printer.center_id:
        raise InventoryError(
            _("This belongs to another center; it cannot be loaded on %(printer)s.")
            % {"printer": printer.name},
            code="other_center",
        )
    if archived:
        raise InventoryError(_("An archived item cannot be loaded."), code="archived")
    if empty:
        raise InventoryError(_("It is empty: nothing is left to print with."), code="empty")
    if not printer.can_run(material):
        raise InventoryError(
            _("%(printer)s cannot run %(material)s.")
            % {"printer": printer.name, "material": material.name},
            code="cannot_run",
        )


def load_spool(spool: Spool, printer: Printer, by=None) -> Spool:
    """Load a spool on a printer, unloading whatever spool was there.

    Refuses (InventoryError) a spool of another center, an archived or empty one, and a
    material the printer cannot run; PermissionDenied when `by` does not work there.
    A spool loaded on another printer moves to this one.
    """
    _require_staff_of(by, printer.center)
    with transaction.atomic():
        printer = Printer.objects.select_for_update(of=("self",)).get(pk=printer.pk)
        fresh = (
            Spool.objects.select_for_update(of=("self",))
            .select_related("filament__material")
            .get(pk=spool.pk)
        )
        material = fresh.filament.material
        _check_loadable(fresh.center_id, fresh.archived, fresh.is_empty, material, printer)
        if fresh.printer_id == printer.pk:
            return fresh
        Spool.objects.filter(printer_id=printer.pk).update(printer=None, loaded_at=None)
        fresh.printer = printer
        fresh.loaded_at = timezone.now()
        fresh.save(update_fields=["printer", "loaded_at"])
    return fresh


def unload_spool(printer: Printer, by=None) -> Spool | None:
    """Take the spool off a printer; returns it (None when none was loaded)."""
    _require_staff_of(by, printer.center)
    with transaction.atomic():
        spool = Spool.objects.select_for_update(of=("self",)).filter(printer_id=printer.pk).first()
        if spool is None:
            return None
        spool.printer = None
        spool.loaded_at = None
        spool.save(update_fields=["printer", "loaded_at"])
    return spool


def load_resin(bottle: ResinBottle, printer: Printer, by=None) -> ResinBottle:
    """Fill an SLA printer from a resin bottle (same rules as `load_spool`)."""
    _require_staff_of(by, printer.center)
    with transaction.atomic():
        printer = Printer.objects.select_for_update(of=("self",)).get(pk=printer.pk)
        fresh = (
            ResinBottle.objects.select_for_update(of=("self",))
            .select_related("material")
            .get(pk=bottle.pk)
        )
        empty = fresh.remaining_ml <= 0
        _check_loadable(fresh.center_id, fresh.archived, empty, fresh.material, printer)
        if fresh.printer_id == printer.pk:
            return fresh
        ResinBottle.objects.filter(printer_id=printer.pk).update(printer=None, loaded_at=None)
        fresh.printer = printer
        fresh.loaded_at = timezone.now()
        fresh.save(update_fields=["printer", "loaded_at"])
    return fresh


def unload_resin(printer: Printer, by=None) -> ResinBottle | None:
    """Take the resin bottle off an SLA printer; returns it (None when none was loaded)."""
    _require_staff_of(by, printer.center)
    with transaction.atomic():
        bottle = (
            ResinBottle.objects.select_for_update(of=("self",))
            .filter(printer_id=printer.pk)
            .first()
        )
        if bottle is None:
            return None
        bottle.printer = None
        bottle.loaded_at = None
        bottle.save(update_fields=["printer", "loaded_at"])
    return bottle


# --- using material -------------------------------------------------------------------------


def deduct(
    printer: Printer, grams: float, *, job=None, reason: str = "", by=None
) -> StockUse | None:
    """Take `grams` from what is loaded on the printer (a spool; resin: grams / density ml).

    Under the item's row lock; capped at what is left. Records a StockUse, warns the
    center's managers when this takes the material below its minimum (once per crossing)
    and, when the spool is known to Spoolman and SPOOLMAN_URL is set, queues the report of
    the use to Spoolman after the commit (`tasks.report_spool_use`). Returns None when
    nothing is loaded or it is already empty. Never fails because of mail or Spoolman.
    """
    grams = float(grams)
    if math.isnan(grams) or grams < 0:
        raise ValueError(f"grams must be a number ≥ 0, not {grams!r}")
    if grams == 0:
        return None
    with transaction.atomic():
        spool = (
            Spool.objects.select_for_update(of=("self",))
            .select_related("filament__material", "center")
            .filter(printer_id=printer.pk)
            .first()
        )
        if spool is not None:
            taken = min(grams, spool.remaining_weight_g)
            if taken <= 0:
                return None
            spool.used_weight_g += taken
            spool.save(update_fields=["used_weight_g"])
            use = StockUse.objects.create(
                spool=spool, amount=taken, unit=StockUse.Unit.GRAMS, job=job, reason=reason, by=by
            )
            center, material = spool.center, spool.filament.material
            if spool.spoolman_id is not None:
                _push_to_spoolman_on_commit(spool.spoolman_id, taken)
        else:
            bottle = (
                ResinBottle.objects.select_for_update(of=("self",))
                .select_related("material", "center")
                .filter(printer_id=printer.pk)
                .first()
            )
            if bottle is None:
                return None
            material = bottle.material
            taken = min(grams / material.density_g_cm3, bottle.remaining_ml)
            if taken <= 0:
                return None
            bottle.used_ml += taken
            bottle.save(update_fields=["used_ml"])
            use = StockUse.objects.create(
                bottle=bottle,
                amount=taken,
                unit=StockUse.Unit.MILLILITRES,
                job=job,
                reason=reason,
                by=by,
            )
            center = bottle.center
        check_stock(center, material)
    return use


def spoolman_url() -> str | None:
    """The Spoolman server to report uses to (settings.SPOOLMAN_URL), or None."""
    return getattr(settings, "SPOOLMAN_URL", None) or None


def _push_to_spoolman_on_commit(spoolman_id: int, grams: float) -> None:
    """Queue the report of a use to Spoolman once the deduct is committed."""
    if not spoolman_url():
        return

    def enqueue() -> None:
        from printhub.inventory.tasks import report_spool_use

        try:
            report_spool_use.enqueue(spoolman_id, grams)
        except Exception:  # a queue down must not fail the print that used the filament
            log.exception("could not queue the Spoolman report of spool %s", spoolman_id)

    transaction.on_commit(enqueue)


# --- stock and its minimum ------------------------------------------------------------------


def default_minimum_g(material: Material) -> float:
    return DEFAULT_MINIMUM_BY_PROCESS_G.get(material.process, DEFAULT_MINIMUM_G)


def stock_grams(center: Center) -> dict[int, float]:
    """Grams in stock at a center per material id (spools loaded or not, resin, powder)."""
    found: dict[int, float] = {}
    spools = (
        Spool.objects.filter(center=center, archived=False)
        .values("filament__material_id")
        .annotate(left=Sum(Greatest(F("initial_weight_g") - F("used_weight_g"), Value(0.0))))
    )
    for row in spools:
        material_id = row["filament__material_id"]
        found[material_id] = found.get(material_id, 0.0) + (row["left"] or 0.0)
    bottles = ResinBottle.objects.filter(center=center, archived=False).select_related("material")
    for bottle in bottles:
        found[bottle.material_id] = found.get(bottle.material_id, 0.0) + bottle.remaining_g
    for lot in PowderLot.objects.filter(center=center, archived=False):
        found[lot.material_id] = found.get(lot.material_id, 0.0) + lot.remaining_kg * 1000
    return found


def minimums(center: Center, materials) -> dict[int, float]:
    """The minimum stock (g) of each material at a center."""
    set_here = dict(
        StockLevel.objects.filter(center=center).values_list("material_id", "minimum_g")
    )
    return {m.pk: set_here.get(m.pk, default_minimum_g(m)) for m in materials}


def low_stock(center: Center) -> list[LowStock]:
    """Materials the center stocks (or set a minimum for) with less than their minimum."""
    grams = stock_grams(center)
    wanted = set(
        StockLevel.objects.filter(center=center, minimum_g__gt=0).values_list(
            "material_id", flat=True
        )
    )
    materials = list(Material.objects.filter(pk__in=set(grams) | wanted))
    minimum = minimums(center, materials)
    low = [
        LowStock(m, grams.get(m.pk, 0.0), minimum[m.pk])
        for m in materials
        if minimum[m.pk] > 0 and grams.get(m.pk, 0.0) < minimum[m.pk]
    ]
    return sorted(low, key=lambda item: (item.material.sort_order, item.material.pk))


def check_stock(center: Center, material: Material) -> bool:
    """Warn the managers when the material just went below its minimum; True if warned.

    Locks the center's StockLevel row of the material, so two prints finishing at once
    warn once. Stock back at or above the minimum re-arms the warning.
    """
    with transaction.atomic():
        level, _created = StockLevel.objects.get_or_create(
            center=center, material=material, defaults={"minimum_g": default_minimum_g(material)}
        )
        level = StockLevel.objects.select_for_update(of=("self",)).get(pk=level.pk)
        grams = stock_grams(center).get(material.pk, 0.0)
        is_low = level.minimum_g > 0 and grams < level.minimum_g
        if is_low and level.low_since is None:
            level.low_since = timezone.now()
            level.save(update_fields=["low_since"])
            warn_managers(center, material, grams, level.minimum_g)
            return True
        if not is_low and level.low_since is not None:
            level.low_since = None
            level.save(update_fields=["low_since"])
    return False


def center_managers(center: Center):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(role=Role.MANAGER, centers=center, is_active=True)


def warn_managers(center: Center, material: Material, grams: float, minimum_g: float) -> list:
    """A notification now and an e-mail after the commit to each manager of the center."""
    from printhub.orders.models import Notification
    from printhub.orders.services import absolute_url

    link = absolute_url(reverse("inventory:center", args=[center.slug]))
    sent = []
    for manager in center_managers(center):
        language = (
            manager.preferred_language if manager.preferred_language in ("ko", "en") else "ko"
        )
        with translation.override(language):
            subject = _("Low stock: %(material)s at %(center)s") % {
                "material": material.name,
                "center": center.name,
            }
            body = _(
                "Only %(grams)s g of %(material)s are left at %(center)s "
                "(minimum %(minimum)s g). Order more or bring spools from another center."
            ) % {
                "grams": f"{grams:,.0f}",
                "material": material.name,
                "center": center.name,
                "minimum": f"{minimum_g:,.0f}",
            }
            mail_body = body + "\n\n" + _("The stock of the center: %(link)s") % {"link": link}
        sent.append(Notification.objects.create(user=manager, subject=subject, body=body))

        def mail(subject=subject, mail_body=mail_body, address=manager.email, pk=manager.pk):
            try:
                send_mail(subject, mail_body, None, [address])
            except Exception:  # the notification is stored; a mail server down must not undo it
                log.exception("could not e-mail manager %s about low stock", pk)

        transaction.on_commit(mail)
    return sent


# --- managing the shelf ---------------------------------------------------------------------


def _require_manager(by, center: Center) -> None:
    if not permissions.can_manage_center(by, center):
        raise PermissionDenied


def add_spool(
    by,
    center: Center,
    filament: Filament,
    initial_weight_g: float,
    lot: str = "",
    location: str = "",
) -> Spool:
    """A new spool on a center's shelf (its managers)."""
    _require_manager(by, center)
    with transaction.atomic():
        spool = Spool.objects.create(
            filament=filament,
            center=center,
            initial_weight_g=initial_weight_g,
            lot=lot,
            location=location,
        )
        check_stock(center, filament.material)
    return spool


def add_resin(
    by, center: Center, material: Material, initial_ml: float, lot: str = "", location: str = ""
) -> ResinBottle:
    """A new resin bottle at a center (its managers)."""
    _require_manager(by, center)
    if material.process != Process.SLA:
        raise InventoryError(_("Only a resin can be added as a bottle."), code="not_resin")
    with transaction.atomic():
        bottle = ResinBottle.objects.create(
            material=material, center=center, initial_ml=initial_ml, lot=lot, location=location
        )
        check_stock(center, material)
    return bottle


def add_powder(
    by, center: Center, material: Material, initial_kg: float, lot: str = "", location: str = ""
) -> PowderLot:
    """A new powder lot at a center (its managers)."""
    _require_manager(by, center)
    if material.process != Process.SLS:
        raise InventoryError(_("Only a powder can be added as a powder lot."), code="not_powder")
    with transaction.atomic():
        lot_row = PowderLot.objects.create(
            material=material, center=center, initial_kg=initial_kg, lot=lot, location=location
        )
        check_stock(center, material)
    return lot_row


def archive(by, item: Spool | ResinBottle | PowderLot):
    """Take a used-up or spoilt item off the shelf (unloading it first); its managers."""
    _require_manager(by, item.center)
    with transaction.atomic():
        fresh = type(item).objects.select_for_update(of=("self",)).get(pk=item.pk)
        fresh.archived = True
        fields = ["archived"]
        if hasattr(fresh, "printer_id"):
            fresh.printer = None
            fresh.loaded_at = None
            fields += ["printer", "loaded_at"]
        fresh.save(update_fields=fields)
        material = fresh.filament.material if isinstance(fresh, Spool) else fresh.material
        check_stock(fresh.center, material)
    return fresh


def set_minimum(by, center: Center, material: Material, minimum_g: float) -> StockLevel:
    """Set a center's minimum stock of a material (its managers); 0 turns warnings off."""
    _require_manager(by, center)
    if minimum_g < 0:
        raise InventoryError(_("The minimum cannot be negative."), code="negative")
    with transaction.atomic():
        level, _created = StockLevel.objects.update_or_create(
            center=center, material=material, defaults={"minimum_g": minimum_g}
        )
        check_stock(center, material)
    level.refresh_from_db()
    return level


# --- what a G-code says it used -------------------------------------------------------------

# The footer and the config dump of a PrusaSlicer G-code fit in its last few hundred KB.
_GCODE_TAIL_BYTES = 512 * 1024
_GCODE_VALUE = re.compile(
    r"^; (filament used \[(?:g|mm|cm3)\]|filament_density|filament_diameter) = (.+)$",
    re.MULTILINE,
)


def _numbers(text: str) -> list[float]:
    values = []
    for part in text.split(","):
        try:
            values.append(float(part))
        except ValueError:
            continue
    return values


def filament_grams_from_gcode(
    path: str | Path, *, density_g_cm3: float | None = None, diameter_mm: float | None = None
) -> float | None:
    """Grams of filament a PrusaSlicer G-code uses, from its footer comments.

    ``; filament used [g] = 12.34`` when PrusaSlicer wrote a mass (it writes 0 without a
    density); otherwise ``; filament used [mm]`` × the filament's cross-section × density,
    taken from the G-code's ``; filament_diameter`` / ``; filament_density`` or the
    arguments. Values of several extruders are added. None when the file says neither.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - _GCODE_TAIL_BYTES))
            tail = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    values: dict[str, list[float]] = {}
    for key, text in _GCODE_VALUE.findall(tail):
        values[key] = _numbers(text)  # the last one wins: the footer comes after the body
    grams = sum(values.get("filament used [g]", []))
    if grams > 0:
        return grams
    density = (values.get("filament_density") or [0.0])[0] or density_g_cm3
    if not density:
        return None
    length_mm = sum(values.get("filament used [mm]", []))
    diameter = (values.get("filament_diameter") or [0.0])[0] or diameter_mm
    if length_mm > 0 and diameter:
        volume_cm3 = length_mm * math.pi * (diameter / 2) ** 2 / 1000
        return volume_cm3 * density
    volume_cm3 = sum(values.get("filament used [cm3]", []))
    if volume_cm3 > 0:
        return volume_cm3 * density
    if "filament used [mm]" in values or "filament used [g]" in values:
        return 0.0
    return None


def grams_for_progress(total_g: float, progress: float) -> float:
    """What a print stopped at `progress` (0–1, as printers report it) used of `total_g`."""
    return float(total_g) * min(1.0, max(0.0, float(progress)))
