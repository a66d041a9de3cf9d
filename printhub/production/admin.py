"""Django admin of production: printer connections (how printhub reaches each printer),
jobs with their history, and the plan runs."""

from __future__ import annotations

from django.contrib import admin

from printhub.production.models import Command, Job, JobEvent, PlanRun, Station


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["printer", "kind", "url", "live", "progress", "last_seen", "bed_clear"]
    list_filter = ["kind", "live", "printer__center"]
    search_fields = ["printer__name", "url"]
    fields = ["printer", "kind", "url", "api_key", "time_scale"]


class JobEventInline(admin.TabularInline):
    model = JobEvent
    extra = 0
    readonly_fields = ["state", "at", "actor", "reason"]
    can_delete = False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "order", "copies", "state", "material", "printer", "attempts"]
    list_filter = ["state", "center"]
    search_fields = ["order__number"]
    readonly_fields = ["state", "attempts", "remote_file", "gcode", "progress"]
    inlines = [JobEventInline]


@admin.register(Command)
class CommandAdmin(admin.ModelAdmin):
    list_display = ["station", "action", "job", "outcome", "created_at", "done_at"]
    list_filter = ["action", "outcome"]


@admin.register(PlanRun)
class PlanRunAdmin(admin.ModelAdmin):
    list_display = ["requested_at", "reason", "done_at", "took_s", "method", "jobs"]
    readonly_fields = ["requested_at", "reason", "done_at", "took_s", "method", "jobs", "metrics"]
