"""Pages of uploaded models: my models, upload, the model page, its files."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from printhub.parts import presenters, services
from printhub.parts.forms import UploadForm
from printhub.parts.models import UploadedModel

MODELS_PER_PAGE = 48


@login_required
@require_GET
def model_list(request):
    """My models: thumbnails, states, and the upload form."""
    page = Paginator(services.models_of(request.user), MODELS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "parts/list.html",
        {
            "models": page.object_list,
            "page": page,
            "pending": any(model.is_pending for model in page.object_list),
            "form": UploadForm(),
            "max_upload": services.human_size(services.max_upload_bytes()),
        },
    )


@login_required
def upload(request):
    """Upload a model file; on success, its page (where the analysis shows its progress)."""
    context = {"max_upload": services.human_size(services.max_upload_bytes())}
    if request.method == "POST":
        if services.request_too_large(request):
            context |= {"form": UploadForm(), "upload_error": services.too_large_message()}
            return render(request, "parts/upload.html", context, status=413)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                model = services.upload_model(request.user, form.cleaned_data["file"])
            except services.UploadRejected as err:
                form.add_error("file", err)
            else:
                return redirect("parts:detail", model_id=model.id)
        status = (
            413
            if any(e.code == "too_large" for e in form.errors.as_data().get("file", []))
            else 400
        )
        return render(request, "parts/upload.html", context | {"form": form}, status=status)
    return render(request, "parts/upload.html", context | {"form": UploadForm()})


def _analysis_context(request, model: UploadedModel) -> dict:
    context = {"model": model}
    if model.is_ready:
        context.update(presenters.report_context(model))
    elif model.is_failed:
        context.update(presenters.error_context(model))
    context["format_label"] = presenters.format_label(model.format)
    return context


@login_required
@require_GET
def detail(request, model_id):
    """The model page: progress while analysing, then the report and the 3D viewer."""
    model = services.get_model(request.user, model_id)
    return render(request, "parts/detail.html", _analysis_context(request, model))


@login_required
@require_GET
@never_cache
def status(request, model_id):
    """The analysis part of the model page (htmx polls it every second until it is done)."""
    model = services.get_model(request.user, model_id)
    return render(request, "parts/_analysis.html", _analysis_context(request, model))


def _file_response(field, *, content_type: str, filename: str | None = None) -> FileResponse:
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=filename is not None,
        filename=filename or "",
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def original_file(request, model_id):
    """The file as uploaded, under the name it was uploaded with."""
    model = services.get_model(request.user, model_id)
    return _file_response(
        model.file, content_type="application/octet-stream", filename=model.original_name
    )


@login_required
@require_GET
def viewer_mesh(request, model_id):
    """The viewer's binary STL: the file's faces in the file's order."""
    model = services.get_model(request.user, model_id)
    return _file_response(model.viewer_mesh, content_type="model/stl")


@login_required
@require_GET
def thumbnail(request, model_id):
    model = services.get_model(request.user, model_id)
    return _file_response(model.thumbnail, content_type="image/png")


@login_required
@require_GET
def repaired_file(request, model_id):
    """The suggested repair as a 3MF package."""
    model = services.get_model(request.user, model_id)
    stem = PurePath(model.original_name).stem or "model"
    return _file_response(
        model.repaired_file, content_type="model/3mf", filename=f"{stem}-repaired.3mf"
    )
