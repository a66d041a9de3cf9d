"""Django admin for uploaded models and their estimates (read-only: uploads come via the site)."""

from django.contrib import admin

from printhub.parts.models import Estimate, UploadedModel


class EstimateInline(admin.TabularInline):
    model = Estimate
    extra = 0
    can_delete = False
    fields = ["printer_catalog_id", "material_catalog_id", "settings_key", "print_time_s",
              "material_g", "material_ml", "layers"]  # fmt: skip
    readonly_fields = fields


@admin.register(UploadedModel)
class UploadedModelAdmin(admin.ModelAdmin):
    list_display = ["original_name", "owner", "status", "format", "triangles", "created_at"]
    list_filter = ["status", "format"]
    search_fields = ["original_name", "owner__email", "sha256", "id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "id", "owner", "original_name", "file", "size_bytes", "sha256", "format", "status",
        "progress", "stage", "error_code", "error_message", "created_at", "analysed_at",
        "analysis_s", "estimated_at", "report", "orientation", "repair", "triangles",
        "volume_mm3", "bbox_x_mm", "bbox_y_mm", "bbox_z_mm", "thumbnail", "viewer_mesh",
        "repaired_file",
    ]  # fmt: skip
    inlines = [EstimateInline]

    def has_add_permission(self, request):
        return False  # models come in through the upload, which checks their content


@admin.register(Estimate)
class EstimateAdmin(admin.ModelAdmin):
    list_display = ["model", "printer_catalog_id", "material_catalog_id", "settings_key",
                    "print_time_s", "material_g", "material_ml", "created_at"]  # fmt: skip
    list_filter = ["printer_catalog_id", "material_catalog_id"]
    search_fields = ["model__original_name", "model__id"]
    readonly_fields = [f.name for f in Estimate._meta.fields]

    def has_add_permission(self, request):
        return False  # estimates are computed, never typed in
