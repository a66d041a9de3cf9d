"""The hub's network: centers and partner shops, their rooms, hours, machines and prices."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Bilingual(models.Model):
    """A thing with a Korean and an English name; `name` follows the active language."""

    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_ko

    def __str__(self) -> str:
        return self.name


class Process(models.TextChoices):
    FDM = "fdm", _("FDM (filament)")
    SLA = "sla", _("SLA (resin)")
    SLS = "sls", _("SLS (powder)")


# What the catalog's `filler` codes mean to a person.
FILLER_LABELS = {
    "carbon-fiber": _("Carbon fibre"),
    "cnt": _("Carbon nanotubes (CNT)"),
    "glass-fiber": _("Glass fibre"),
}


class Center(Bilingual):
    """A convergence center of the city, or a neighbourhood partner print shop."""

    class Kind(models.TextChoices):
        CENTER = "center", _("Convergence center")
        PARTNER_SHOP = "partner_shop", _("Partner print shop")

    slug = models.SlugField(_("address name (slug)"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CENTER)
    address_ko = models.CharField(_("address (Korean)"), max_length=300)
    address_en = models.CharField(_("address (English)"), max_length=300)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("center")
        verbose_name_plural = _("centers")

    @property
    def address(self) -> str:
        return self.address_en if translation.get_language() == "en" else self.address_ko

    @property
    def description(self) -> str:
        english = translation.get_language() == "en"
        return (self.description_en if english else self.description_ko) or self.description_ko

    def opening_periods(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """Open periods of a day as aware datetimes in Seoul (none on closure days)."""
        from printhub.network.services import day_periods

        return day_periods(self, day)

    def is_open_at(self, moment: dt.datetime) -> bool:
        from printhub.network.services import is_open_at

        return is_open_at(self, moment)


class OpeningHours(models.Model):
    """One open period of a center on a weekday (0 = Monday)."""

    WEEKDAYS = [
        (0, _("Monday")),
        (1, _("Tuesday")),
        (2, _("Wednesday")),
        (3, _("Thursday")),
        (4, _("Friday")),
        (5, _("Saturday")),
        (6, _("Sunday")),
    ]
    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="hours", verbose_name=_("center")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["center", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="hours_close_after_open"
            )
        ]


class Closure(models.Model):
    """A day a center is closed although its weekly hours say open (holidays)."""

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="closures", verbose_name=_("center")
    )
    date = models.DateField(_("date"))
    reason_ko = models.CharField(_("reason (Korean)"), max_length=200, blank=True)
    reason_en = models.CharField(_("reason (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["center", "date"]
        unique_together = [("center", "date")]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")

    def __str__(self) -> str:
        return f"{self.center} {self.date:%Y-%m-%d}"

    @property
    def reason(self) -> str:
        english = translation.get_language() == "en"
        return (self.reason_en if english else self.reason_ko) or self.reason_ko


class Room(Bilingual):
    """A room of a center: classroom, lab, print room."""

    class Kind(models.TextChoices):
        CLASSROOM = "classroom", _("Classroom")
        LAB = "lab", _("Materials lab")
        PRINT_ROOM = "print_room", _("Print room")
        MEETING = "meeting", _("Meeting room")
        INCUBATOR = "incubator", _("Incubator office")

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("center")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    capacity = models.PositiveIntegerField(_("capacity"), default=0)

    class Meta:
        ordering = ["center", "id"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")


class Material(Bilingual):
    """A material of the catalog as the hub sells it (mirrors printhub.slicing's catalog)."""

    catalog_id = models.CharField(_("catalog id"), max_length=100, unique=True)
    process = models.CharField(_("process"), max_length=10, choices=Process.choices)
    family = models.CharField(_("family"), max_length=30)
    filler = models.CharField(_("filler"), max_length=30, blank=True)
    density_g_cm3 = models.FloatField(_("density (g/cm³)"))
    abrasive = models.BooleanField(_("abrasive (needs a hardened nozzle)"), default=False)
    needs_enclosure = models.BooleanField(_("needs an enclosure"), default=False)
    needs_drying = models.BooleanField(_("needs drying"), default=False)
    colors = models.JSONField(
        _("colours"),
        default=list,
        blank=True,
        help_text=_('A list of {"code", "name_ko", "name_en", "hex"}.'),
    )
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    @property
    def is_composite(self) -> bool:
        return bool(self.filler)

    @property
    def sold_by_litre(self) -> bool:
        """Resin is priced per litre; filament and powder per kg."""
        return self.process == Process.SLA

    @property
    def filler_label(self) -> str:
        return str(FILLER_LABELS.get(self.filler, self.filler))

    def color_names(self) -> list[str]:
        """The colours' names in the active language."""
        key = "name_en" if translation.get_language() == "en" else "name_ko"
        return [c.get(key) or c.get("code", "") for c in self.colors]


class Printer(models.Model):
    """A printer of a center, of a model in printhub's printer catalog."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        MAINTENANCE = "maintenance", _("In maintenance")
        RETIRED = "retired", _("Retired")

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="printers", verbose_name=_("center")
    )
    name = models.CharField(_("name"), max_length=100)
    catalog_id = models.CharField(_("printer model (catalog id)"), max_length=100)
    model_name = models.CharField(_("printer model"), max_length=200)
    process = models.CharField(_("process"), max_length=10, choices=Process.choices)
    build_x_mm = models.FloatField(_("build volume x (mm)"))
    build_y_mm = models.FloatField(_("build volume y (mm)"))
    build_z_mm = models.FloatField(_("build volume z (mm)"))
    nozzle_mm = models.FloatField(_("nozzle (mm)"), null=True, blank=True)
    hardened_nozzle = models.BooleanField(_("hardened nozzle"), default=False)
    enclosed = models.BooleanField(_("enclosed"), default=False)
    materials = models.ManyToManyField(
        Material, blank=True, related_name="printers", verbose_name=_("materials it can run")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AVAILABLE
    )

    class Meta:
        ordering = ["center", "name"]
        verbose_name = _("printer")
        verbose_name_plural = _("printers")
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="printer_name_unique_in_center")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.model_name})"

    @property
    def build_mm(self) -> tuple[float, float, float]:
        return (self.build_x_mm, self.build_y_mm, self.build_z_mm)

    def can_run(self, material: Material) -> bool:
        """The material is listed for this printer and its needs are met (process, nozzle,
        enclosure), so a listing edited by hand cannot put carbon fibre on brass."""
        if material.process != self.process:
            return False
        if material.abrasive and not self.hardened_nozzle:
            return False
        if material.needs_enclosure and not self.enclosed:
            return False
        return any(m.pk == material.pk for m in self.materials.all())

    def fits(self, size_mm) -> bool:
        """A part of this size (x, y, z mm) fits in some axis-aligned rotation."""
        return all(
            part <= box + 1e-9
            for part, box in zip(sorted(size_mm), sorted(self.build_mm), strict=True)
        )


class Equipment(Bilingual):
    """Another machine of a center: laser cutter, CNC mill, 3D scanner, ..."""

    class Kind(models.TextChoices):
        LASER_CUTTER = "laser_cutter", _("Laser cutter")
        CNC = "cnc", _("CNC mill")
        SCANNER = "scanner", _("3D scanner")
        POST_PROCESSING = "post_processing", _("Post-processing station")
        TESTING = "testing", _("Material testing machine")

    center = models.ForeignKey(
        Center, on_delete=models.CASCADE, related_name="equipment", verbose_name=_("center")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    requires_training = models.BooleanField(_("requires training"), default=True)

    class Meta:
        ordering = ["center", "id"]
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")


class PriceList(models.Model):
    """A center's prices. Money is integer won (KRW), VAT in percent."""

    center = models.OneToOneField(
        Center, on_delete=models.CASCADE, related_name="price_list", verbose_name=_("center")
    )
    setup_fee_krw = models.PositiveIntegerField(_("set-up fee per order (₩)"), default=3000)
    minimum_order_krw = models.PositiveIntegerField(_("minimum order (₩)"), default=5000)
    vat_percent = models.PositiveSmallIntegerField(_("VAT (%)"), default=10)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")

    def __str__(self) -> str:
        return str(self.center)


class MachineRate(models.Model):
    """What an hour of printing costs at a center, per process."""

    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="rates", verbose_name=_("price list")
    )
    process = models.CharField(_("process"), max_length=10, choices=Process.choices)
    krw_per_hour = models.PositiveIntegerField(_("₩ per machine hour"))

    class Meta:
        unique_together = [("price_list", "process")]
        verbose_name = _("machine rate")
        verbose_name_plural = _("machine rates")

    def __str__(self) -> str:
        return self.get_process_display()


class MaterialPrice(models.Model):
    """A center's price of a material: per kg (filament, powder) or per litre (resin)."""

    price_list = models.ForeignKey(
        PriceList,
        on_delete=models.CASCADE,
        related_name="material_prices",
        verbose_name=_("price list"),
    )
    material = models.ForeignKey(
        Material, on_delete=models.CASCADE, related_name="prices", verbose_name=_("material")
    )
    krw_per_kg = models.PositiveIntegerField(_("₩ per kg"), null=True, blank=True)
    krw_per_l = models.PositiveIntegerField(_("₩ per litre"), null=True, blank=True)

    class Meta:
        unique_together = [("price_list", "material")]
        verbose_name = _("material price")
        verbose_name_plural = _("material prices")

    def __str__(self) -> str:
        return f"{self.material}"

    @property
    def unit_price_krw(self) -> int | None:
        """The price in the material's unit: per litre for resin, per kg otherwise."""
        return self.krw_per_l if self.material.sold_by_litre else self.krw_per_kg


class PostProcessing(Bilingual):
    """A finishing option a center offers: support removal, sanding, painting, ..."""

    price_list = models.ForeignKey(
        PriceList,
        on_delete=models.CASCADE,
        related_name="post_processing",
        verbose_name=_("price list"),
    )
    code = models.SlugField(_("code"))
    krw_per_part = models.PositiveIntegerField(_("₩ per part"))
    extra_hours = models.FloatField(_("extra working hours per order"), default=0)

    class Meta:
        ordering = ["price_list", "krw_per_part", "code"]
        unique_together = [("price_list", "code")]
        verbose_name = _("post-processing option")
        verbose_name_plural = _("post-processing options")
