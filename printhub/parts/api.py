"""The API of uploaded models: upload, list mine, one model's analysis."""

from __future__ import annotations

import datetime as dt
import uuid

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from printhub.parts import messages, presenters, services
from printhub.parts.models import UploadedModel
from printhub.site.api_errors import ErrorOut

PREFIX = "/models"
router = Router(tags=["models"])


class Created(Schema):
    id: uuid.UUID
    status: str
    url: str


class ModelSummary(Schema):
    id: uuid.UUID
    name: str
    format: str
    size_bytes: int
    status: str
    progress: int
    stage: str
    stage_label: str
    created_at: dt.datetime
    url: str
    thumbnail_url: str | None = None


class ModelError(Schema):
    code: str
    message: str
    detail: str


class ModelDetail(ModelSummary):
    sha256: str
    analysed_at: dt.datetime | None = None
    triangles: int | None = None
    volume_mm3: float | None = None
    bbox_mm: list[float] | None = None
    report: dict | None = None
    orientation: dict | None = None
    repair: dict | None = None
    error: ModelError | None = None
    viewer_mesh_url: str | None = None
    original_url: str
    repaired_url: str | None = None


def _summary(model: UploadedModel) -> dict:
    return {
        "id": model.id,
        "name": model.original_name,
        "format": model.format,
        "size_bytes": model.size_bytes,
        "status": model.status,
        "progress": model.progress,
        "stage": model.stage,
        "stage_label": model.stage_label,
        "created_at": model.created_at,
        "url": reverse("parts:detail", args=[model.id]),
        "thumbnail_url": reverse("parts:thumbnail", args=[model.id]) if model.thumbnail else None,
    }


def _detail(model: UploadedModel) -> dict:
    data = _summary(model) | {
        "sha256": model.sha256,
        "analysed_at": model.analysed_at,
        "original_url": reverse("parts:original", args=[model.id]),
    }
    if model.is_ready:
        report = dict(model.report or {})
        # Each problem also says itself in the caller's language.
        report["problems"] = [
            problem | {"message": messages.problem_sentence(problem)}
            for problem in report.get("problems", [])
        ]
        data |= {
            "triangles": model.triangles,
            "volume_mm3": model.volume_mm3,
            "bbox_mm": list(model.bbox_mm) if model.bbox_mm else None,
            "report": report,
            "orientation": model.orientation,
            "repair": model.repair,
            "viewer_mesh_url": reverse("parts:viewer_mesh", args=[model.id])
            if model.viewer_mesh
            else None,
            "repaired_url": reverse("parts:repaired", args=[model.id])
            if model.repaired_file
            else None,
        }
    elif model.is_failed:
        data["error"] = {
            "code": model.error_code,
            "message": str(presenters.error_context(model)["error_kind"]),
            "detail": model.error_message,
        }
    return data


@router.post(
    "",
    response={201: Created, 413: ErrorOut, 422: ErrorOut},
    summary="Upload a model",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                }
            },
        }
    },
)
def upload(request):
    """Upload a model file (multipart field `file`: STL, OBJ, PLY or 3MF, by content).

    The analysis starts at once; follow it with GET /api/models/{id}. A file that is not a
    model is refused with 422, one over the size limit with 413.
    """
    # Judged from the headers, before the body is read.
    if services.request_too_large(request):
        return Status(413, {"detail": services.too_large_message()})
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return Status(422, {"detail": _("Send the model file in the multipart field “file”.")})
    try:
        model = services.upload_model(request.auth, uploaded)
    except services.UploadTooLarge as err:
        return Status(413, {"detail": err.messages[0]})
    except services.UploadRejected as err:
        return Status(422, {"detail": err.messages[0]})
    return Status(
        201,
        {
            "id": model.id,
            "status": model.status,
            "url": reverse("api:model", kwargs={"model_id": model.id}),
        },
    )


@router.get("", response=list[ModelSummary], summary="My models")
def my_models(request):
    """The models you uploaded, newest first."""
    return [_summary(model) for model in services.models_of(request.auth)]


@router.get("/{uuid:model_id}", response=ModelDetail, url_name="model", summary="One model")
def one_model(request, model_id: uuid.UUID):
    """Status, progress and stage; the report when ready, the reader's error when failed."""
    return _detail(services.get_model(request.auth, model_id))
