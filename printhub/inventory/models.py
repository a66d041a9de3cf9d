"""Materials on the shelf of each center, modelled after Spoolman: vendors, filaments (a
vendor's product in a colour), spools of them, resin bottles and powder lots.

Masses are grams (powder: kg), volumes ml. What is left is always initial − used, never
below zero; a use is recorded as a `StockUse` row.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Below this much of a material in stock at a center (g) its managers are warned, unless
# a StockLevel of the center says otherwise.
DEFAULT_MINIMUM_G = 250.0

HEX_COLOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Write the colour as #rrggbb."))


class Vendor(models.Model):
    """A maker of filament, resin or powder."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    empty_spool_weight_g = models.FloatField(
        _("empty spool weight (g)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    spoolman_id = models.PositiveIntegerField(_("Spoolman id"), null=True, blank=True, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")

    def __str__(self) -> str:
        return self.name


class Filament(models.Model):
    """A vendor's filament product: one material of the catalog in one colour."""

    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="filaments", verbose_name=_("vendor")
    )
    material = models.ForeignKey(
        "network.Material",
        on_delete=models.PROTECT,
        related_name="filaments",
        verbose_name=_("material"),
    )
    color_name = models.CharField(_("colour"), max_length=60)
    color_hex = models.CharField(
        _("colour code"), max_length=7, default="#888888", validators=[HEX_COLOR]
    )
    diameter_mm = models.FloatField(
        _("diameter (mm)"), default=1.75, validators=[MinValueValidator(0.1)]
    )
    spool_weight_g = models.FloatField(
        _("empty spool weight (g)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    net_weight_g = models.FloatField(
        _("net filament weight (g)"), default=1000, validators=[MinValueValidator(1)]
    )
    spoolman_id = models.PositiveIntegerField(_("Spoolman id"), null=True, blank=True, unique=True)

    class Meta:
        ordering = ["vendor__name", "material__sort_order", "color_name"]
        verbose_name = _("filament")
        verbose_name_plural = _("filaments")

    def __str__(self) -> str:
        return f"{self.vendor} {self.material} · {self.color_name}"


class SpoolQuerySet(models.QuerySet):
    def with_remaining(self):
        """Annotate `remaining_g`: initial − used, never below zero."""
        return self.annotate(
            remaining_g=Greatest(F("initial_weight_g") - F("used_weight_g"), Value(0.0))
        )

    def in_stock(self):
        """Spools not archived."""
        return self.filter(archived=False)


class Spool(models.Model):
    """One spool of a filament on a center's shelf, or loaded on one of its printers."""

    filament = models.ForeignKey(
        Filament, on_delete=models.PROTECT, related_name="spools", verbose_name=_("filament")
    )
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.CASCADE,
        related_name="spools",
        verbose_name=_("center"),
    )
    location = models.CharField(_("location"), max_length=100, blank=True)
    lot = models.CharField(_("lot number"), max_length=64, blank=True)
    initial_weight_g = models.FloatField(
        _("initial filament weight (g)"), validators=[MinValueValidator(1)]
    )
    used_weight_g = models.FloatField(
        _("used filament weight (g)"), default=0, validators=[MinValueValidator(0)]
    )
    # A printer holds at most one spool.
    printer = models.OneToOneField(
        "network.Printer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loaded_spool",
        verbose_name=_("loaded on"),
    )
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    spoolman_id = models.PositiveIntegerField(_("Spoolman id"), null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    objects = SpoolQuerySet.as_manager()

    class Meta:
        ordering = ["center", "filament__material__sort_order", "id"]
        verbose_name = _("spool")
        verbose_name_plural = _("spools")
        constraints = [
            models.CheckConstraint(
                condition=Q(initial_weight_g__gt=0), name="spool_initial_weight_positive"
            ),
            models.CheckConstraint(
                condition=Q(used_weight_g__gte=0), name="spool_used_weight_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.filament}"

    @property
    def material(self):
        return self.filament.material

    @property
    def remaining_weight_g(self) -> float:
        return max(0.0, self.initial_weight_g - self.used_weight_g)

    @property
    def remaining_percent(self) -> int:
        """What is left, 0–100 (for the bars)."""
        if self.initial_weight_g <= 0:
            return 0
        return round(100 * self.remaining_weight_g / self.initial_weight_g)

    @property
    def is_empty(self) -> bool:
        return self.remaining_weight_g <= 0


class ResinBottle(models.Model):
    """A bottle of resin at a center, possibly in the tank of an SLA printer."""

    material = models.ForeignKey(
        "network.Material",
        on_delete=models.PROTECT,
        related_name="resin_bottles",
        verbose_name=_("material"),
    )
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.CASCADE,
        related_name="resin_bottles",
        verbose_name=_("center"),
    )
    lot = models.CharField(_("lot number"), max_length=64, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    initial_ml = models.FloatField(_("initial volume (ml)"), validators=[MinValueValidator(1)])
    used_ml = models.FloatField(_("used volume (ml)"), default=0, validators=[MinValueValidator(0)])
    printer = models.OneToOneField(
        "network.Printer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loaded_resin",
        verbose_name=_("loaded on"),
    )
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["center", "material__sort_order", "id"]
        verbose_name = _("resin bottle")
        verbose_name_plural = _("resin bottles")
        constraints = [
            models.CheckConstraint(condition=Q(initial_ml__gt=0), name="resin_initial_positive"),
            models.CheckConstraint(condition=Q(used_ml__gte=0), name="resin_used_not_negative"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.material} {self.lot}".strip()

    @property
    def remaining_ml(self) -> float:
        return max(0.0, self.initial_ml - self.used_ml)

    @property
    def remaining_g(self) -> float:
        return self.remaining_ml * self.material.density_g_cm3

    @property
    def remaining_percent(self) -> int:
        return round(100 * self.remaining_ml / self.initial_ml) if self.initial_ml > 0 else 0


class PowderLot(models.Model):
    """A lot of powder (SLS) at a center."""

    material = models.ForeignKey(
        "network.Material",
        on_delete=models.PROTECT,
        related_name="powder_lots",
        verbose_name=_("material"),
    )
    center = models.ForeignKey(
        "network.Center",
        on_delete=models.CASCADE,
        related_name="powder_lots",
        verbose_name=_("center"),
    )
    lot = models.CharField(_("lot number"), max_length=64, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    initial_kg = models.FloatField(_("initial mass (kg)"), validators=[MinValueValidator(0.001)])
    used_kg = models.FloatField(_("used mass (kg)"), default=0, validators=[MinValueValidator(0)])
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["center", "material__sort_order", "id"]
        verbose_name = _("powder lot")
        verbose_name_plural = _("powder lots")
        constraints = [
            models.CheckConstraint(condition=Q(initial_kg__gt=0), name="powder_initial_positive"),
            models.CheckConstraint(condition=Q(used_kg__gte=0), name="powder_used_not_negative"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.material} {self.lot}".strip()

    @property
    def remaining_kg(self) -> float:
        return max(0.0, self.initial_kg - self.used_kg)

    @property
    def remaining_percent(self) -> int:
        return round(100 * self.remaining_kg / self.initial_kg) if self.initial_kg > 0 else 0


class StockUse(models.Model):
    """Material taken from one spool, bottle or powder lot: how much, for what, by whom."""

    class Unit(models.TextChoices):
        GRAMS = "g", _("g")
        MILLILITRES = "ml", _("ml")
        KILOGRAMS = "kg", _("kg")

    spool = models.ForeignKey(
        Spool, on_delete=models.CASCADE, null=True, blank=True, related_name="uses"
    )
    bottle = models.ForeignKey(
        ResinBottle, on_delete=models.CASCADE, null=True, blank=True, related_name="uses"
    )
    powder_lot = models.ForeignKey(
        PowderLot, on_delete=models.CASCADE, null=True, blank=True, related_name="uses"
    )
    amount = models.FloatField(_("amount"), validators=[MinValueValidator(0)])
    unit = models.CharField(_("unit"), max_length=2, choices=Unit.choices)
    job = models.ForeignKey(
        "production.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stock_uses",
        verbose_name=_("production job"),
    )
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("stock use")
        verbose_name_plural = _("stock uses")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(spool__isnull=False, bottle__isnull=True, powder_lot__isnull=True)
                    | Q(spool__isnull=True, bottle__isnull=False, powder_lot__isnull=True)
                    | Q(spool__isnull=True, bottle__isnull=True, powder_lot__isnull=False)
                ),
                name="stock_use_of_exactly_one_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:g} {self.unit} ({self.item})"

    @property
    def item(self):
        return self.spool or self.bottle or self.powder_lot


class StockLevel(models.Model):
    """A center's minimum stock of a material (g), and whether its managers were warned.

    `low_since` is set when the stock fell below the minimum and its managers were told,
    and cleared once the stock is back at or above it: one warning per crossing.
    """

    center = models.ForeignKey(
        "network.Center",
        on_delete=models.CASCADE,
        related_name="stock_levels",
        verbose_name=_("center"),
    )
    material = models.ForeignKey(
        "network.Material",
        on_delete=models.CASCADE,
        related_name="stock_levels",
        verbose_name=_("material"),
    )
    minimum_g = models.FloatField(
        _("minimum stock (g)"),
        default=DEFAULT_MINIMUM_G,
        validators=[MinValueValidator(0)],
        help_text=_("Below this the center's managers are warned (0: never)."),
    )
    low_since = models.DateTimeField(_("low since"), null=True, blank=True)

    class Meta:
        ordering = ["center", "material__sort_order"]
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(
                fields=["center", "material"], name="stock_level_unique_per_center_material"
            )
        ]

    def __str__(self) -> str:
        return f"{self.center} · {self.material}"
