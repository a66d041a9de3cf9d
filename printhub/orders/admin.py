"""Django admin of orders: to look things up. Orders change state only through the
services (the review queue, the API), which check every transition and tell the customer."""

from __future__ import annotations

from django.contrib import admin

from printhub.orders.models import Notification, Order, OrderEvent


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ["state", "at", "actor", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "center", "state", "quantity", "total_krw", "created_at"]
    list_filter = ["state", "center"]
    search_fields = ["number", "customer__email", "model__original_name"]
    date_hierarchy = "created_at"
    inlines = [OrderEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "order", "subject", "read_at"]
    search_fields = ["user__email", "subject"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
