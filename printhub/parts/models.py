"""Uploaded models and what the background analysis found in them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def model_dir(instance: UploadedModel) -> str:
    """The directory of one model's files (storage-relative), from its id alone."""
    return f"models/{instance.id.hex[:2]}/{instance.id.hex}"


def stored_path(instance: UploadedModel, filename: str) -> str:
    """Where an upload is kept: named by its id, never by anything the user typed."""
    return f"{model_dir(instance)}/original"


# The files the analysis derives from an upload live beside it, under fixed names: the
# name a caller passes is ignored, so no path can come from outside.
def thumbnail_path(instance: UploadedModel, filename: str) -> str:
    return f"{model_dir(instance)}/thumbnail.png"


def viewer_mesh_path(instance: UploadedModel, filename: str) -> str:
    return f"{model_dir(instance)}/viewer.stl"


def repaired_path(instance: UploadedModel, filename: str) -> str:
    return f"{model_dir(instance)}/repaired.3mf"


class UploadedModel(models.Model):
    """A model file a person uploaded, and the state of its analysis."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for analysis")
        ANALYSING = "analysing", _("Analysing")
        READY = "ready", _("Analysed")
        FAILED = "failed", _("Could not be read")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploaded_models"
    )
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(upload_to=stored_path, max_length=300)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64, db_index=True)
    format = models.CharField(_("format"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=40, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    # Seconds from the start of the analysis to the finished report, and when the
    # estimates for the network's printers were all computed.
    analysis_s = models.FloatField(null=True, blank=True)
    estimated_at = models.DateTimeField(null=True, blank=True)

    # Results (filled by the analysis task).
    report = models.JSONField(null=True, blank=True)
    orientation = models.JSONField(null=True, blank=True)
    repair = models.JSONField(null=True, blank=True)
    triangles = models.PositiveIntegerField(null=True, blank=True)
    volume_mm3 = models.FloatField(null=True, blank=True)
    bbox_x_mm = models.FloatField(null=True, blank=True)
    bbox_y_mm = models.FloatField(null=True, blank=True)
    bbox_z_mm = models.FloatField(null=True, blank=True)
    thumbnail = models.ImageField(upload_to=thumbnail_path, null=True, blank=True)
    viewer_mesh = models.FileField(upload_to=viewer_mesh_path, null=True, blank=True)
    repaired_file = models.FileField(upload_to=repaired_path, null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("uploaded model")
        verbose_name_plural = _("uploaded models")

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def is_pending(self) -> bool:
        """Queued or being analysed: the page keeps polling."""
        return self.status in (self.Status.QUEUED, self.Status.ANALYSING)

    @property
    def stage_label(self) -> str:
        """The current stage in words, in the active language."""
        from printhub.parts.messages import stage_label

        return stage_label(self.stage or self.status)

    @property
    def bbox_mm(self) -> tuple[float, float, float] | None:
        if self.bbox_x_mm is None:
            return None
        return (self.bbox_x_mm, self.bbox_y_mm, self.bbox_z_mm)


class Estimate(models.Model):
    """An instant estimate for one model on one printer model in one material.

    Computed once (after the analysis, or on first use) so that quotes are fast.
    """

    model = models.ForeignKey(UploadedModel, on_delete=models.CASCADE, related_name="estimates")
    printer_catalog_id = models.CharField(max_length=100)
    material_catalog_id = models.CharField(max_length=100)
    settings_key = models.CharField(max_length=200)
    print_time_s = models.FloatField()
    material_g = models.FloatField(null=True)
    material_ml = models.FloatField(null=True)
    layers = models.PositiveIntegerField(null=True)
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("estimate")
        verbose_name_plural = _("estimates")
        constraints = [
            models.UniqueConstraint(
                fields=["model", "printer_catalog_id", "material_catalog_id", "settings_key"],
                name="one_estimate_per_job_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_id} {self.printer_catalog_id}/{self.material_catalog_id}"
