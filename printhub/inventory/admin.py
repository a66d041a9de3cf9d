"""Django admin of the stock: vendors with their filaments, spools, resin, powder, uses."""

from __future__ import annotations

from django.contrib import admin

from printhub.inventory.models import (
    Filament,
    PowderLot,
    ResinBottle,
    Spool,
    StockLevel,
    StockUse,
    Vendor,
)


class FilamentInline(admin.TabularInline):
    model = Filament
    extra = 0


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "empty_spool_weight_g", "spoolman_id"]
    search_fields = ["name"]
    inlines = [FilamentInline]


@admin.register(Filament)
class FilamentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "material", "color_name", "diameter_mm", "net_weight_g"]
    list_filter = ["material", "vendor"]
    search_fields = ["color_name", "vendor__name"]


@admin.register(Spool)
class SpoolAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "center",
        "initial_weight_g",
        "used_weight_g",
        "printer",
        "location",
        "archived",
    ]
    list_filter = ["center", "archived", "filament__material"]
    search_fields = ["lot", "location", "filament__color_name"]
    raw_id_fields = ["printer"]


@admin.register(ResinBottle)
class ResinBottleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "center", "initial_ml", "used_ml", "printer", "archived"]
    list_filter = ["center", "archived", "material"]
    raw_id_fields = ["printer"]


@admin.register(PowderLot)
class PowderLotAdmin(admin.ModelAdmin):
    list_display = ["__str__", "center", "initial_kg", "used_kg", "archived"]
    list_filter = ["center", "archived", "material"]


@admin.register(StockUse)
class StockUseAdmin(admin.ModelAdmin):
    list_display = ["at", "item", "amount", "unit", "job", "reason", "by"]
    list_filter = ["unit"]
    raw_id_fields = ["spool", "bottle", "powder_lot", "job", "by"]
    date_hierarchy = "at"


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = ["center", "material", "minimum_g", "low_since"]
    list_filter = ["center"]
