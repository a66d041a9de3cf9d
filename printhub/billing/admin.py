"""Django admin of billing: subsidies are managed here; the ledger and invoices are
read-only (money moves only through the services, which keep them consistent)."""

from __future__ import annotations

from django.contrib import admin

from printhub.billing.models import Invoice, LedgerEntry, Subsidy


@admin.register(Subsidy)
class SubsidyAdmin(admin.ModelAdmin):
    list_display = [
        "name_ko",
        "kind",
        "role",
        "amount_krw",
        "is_active",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["kind", "is_active"]
    filter_horizontal = ["members"]
    search_fields = ["name_ko", "name_en"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "amount_krw", "subsidy", "order", "method"]
    list_filter = ["kind", "method", "center"]
    search_fields = ["user__email", "order__number", "note"]
    date_hierarchy = "created_at"


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "order", "user", "total_krw", "issued_at", "refunded_at"]
    search_fields = ["number", "order__number", "user__email"]
    date_hierarchy = "issued_at"
