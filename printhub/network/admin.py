"""Django admin of the network: centers with their hours, closures, rooms, printers and
equipment inline; price lists with rates, material prices and post-processing inline."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

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
    Room,
)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


class PrinterInline(admin.TabularInline):
    model = Printer
    extra = 0
    fields = ["name", "catalog_id", "model_name", "process", "status"]
    show_change_link = True


class EquipmentInline(admin.TabularInline):
    model = Equipment
    extra = 0


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "kind", "phone", "is_active", "price_list_link"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name_ko", "name_en", "slug", "address_ko", "address_en"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [OpeningHoursInline, ClosureInline, RoomInline, PrinterInline, EquipmentInline]

    @admin.display(description=_("price list"))
    def price_list_link(self, center):
        price_list = PriceList.objects.filter(center=center).first()
        if price_list is None:
            return "—"
        url = reverse("admin:network_pricelist_change", args=[price_list.pk])
        return format_html('<a href="{}">{}</a>', url, _("price list"))


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin):
    list_display = ["center", "weekday", "opens", "closes"]
    list_filter = ["center", "weekday"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["center", "date", "reason_ko", "reason_en"]
    list_filter = ["center", ("date", admin.DateFieldListFilter)]
    date_hierarchy = "date"


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "center", "kind", "capacity"]
    list_filter = ["center", "kind"]
    search_fields = ["name_ko", "name_en"]


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = [
        "name_ko",
        "name_en",
        "catalog_id",
        "process",
        "family",
        "filler",
        "abrasive",
        "needs_enclosure",
        "needs_drying",
        "is_active",
    ]
    list_filter = [
        "process",
        "family",
        "filler",
        "abrasive",
        "needs_enclosure",
        "needs_drying",
        "is_active",
    ]
    search_fields = ["name_ko", "name_en", "catalog_id", "family"]
    list_editable = ["is_active"]


@admin.register(Printer)
class PrinterAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "center",
        "model_name",
        "process",
        "nozzle_mm",
        "hardened_nozzle",
        "enclosed",
        "status",
    ]
    list_filter = ["center", "process", "status", "hardened_nozzle", "enclosed", "catalog_id"]
    search_fields = ["name", "model_name", "catalog_id"]
    filter_horizontal = ["materials"]


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "center", "kind", "requires_training"]
    list_filter = ["center", "kind", "requires_training"]


class MachineRateInline(admin.TabularInline):
    model = MachineRate
    extra = 0


class MaterialPriceInline(admin.TabularInline):
    model = MaterialPrice
    extra = 0
    autocomplete_fields = ["material"]


class PostProcessingInline(admin.TabularInline):
    model = PostProcessing
    extra = 0


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    list_display = ["center", "setup_fee_krw", "minimum_order_krw", "vat_percent"]
    list_filter = ["center__kind"]
    inlines = [MachineRateInline, MaterialPriceInline, PostProcessingInline]


@admin.register(MachineRate)
class MachineRateAdmin(admin.ModelAdmin):
    list_display = ["price_list", "process", "krw_per_hour"]
    list_filter = ["process", "price_list__center"]


@admin.register(MaterialPrice)
class MaterialPriceAdmin(admin.ModelAdmin):
    list_display = ["price_list", "material", "krw_per_kg", "krw_per_l"]
    list_filter = ["price_list__center", "material__process", "material__filler"]
    autocomplete_fields = ["material"]


@admin.register(PostProcessing)
class PostProcessingAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "name_en", "code", "price_list", "krw_per_part", "extra_hours"]
    list_filter = ["price_list__center", "code"]
