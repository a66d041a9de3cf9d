"""Uploading models, finding them, and what the network's printers are for the analysis.

Views, the API and the task call these; permissions are checked here with
`printhub.accounts.permissions`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from printhub.accounts.permissions import can_see_model
from printhub.geometry.errors import EmptyMeshError, MeshFormatError, UnsupportedFormatError
from printhub.geometry.fit import BuildVolume
from printhub.geometry.io.sniff import HEAD_BYTES, detect_format
from printhub.geometry.limits import Limits
from printhub.parts.models import UploadedModel

log = logging.getLogger(__name__)

# For the file chooser only: the content decides, not the name.
ACCEPTED_EXTENSIONS = (".stl", ".obj", ".ply", ".3mf")
# What the upload stores as `format` before the reader has looked (it says more, e.g. "ply-binary").
SNIFFED_FORMATS = {"stl-binary": "stl-binary", "stl-ascii": "stl-ascii", "obj": "obj"}

# What the sniffer recognises among the files people send by mistake (its English words
# for them), in the person's language.
OTHER_KINDS = {
    "an OFF mesh": gettext_lazy("an OFF mesh"),
    "a STEP file": gettext_lazy("a STEP file (convert it to STL or 3MF in your CAD program)"),
    "a binary glTF file": gettext_lazy("a glTF file"),
    "a PNG image": gettext_lazy("a PNG image"),
    "a JPEG image": gettext_lazy("a JPEG image"),
    "a PDF document": gettext_lazy("a PDF document"),
    "a gzip archive": gettext_lazy("a gzip archive (unpack it first)"),
    "a RAR archive": gettext_lazy("a RAR archive (unpack it first)"),
    "a 7-Zip archive": gettext_lazy("a 7-Zip archive (unpack it first)"),
    "an XML file but not a 3MF package": gettext_lazy("an XML file, not a 3MF package"),
}
_THIS_IS = re.compile(r"^this is (?P<what>.+?); printhub reads")


class UploadRejected(ValidationError):
    """An upload refused before it is stored; the message is for the person."""


class UploadTooLarge(UploadRejected):
    """The file is over settings.MAX_UPLOAD_BYTES (HTTP 413)."""


class NotAModelFile(UploadRejected):
    """The content is none of the formats printhub reads (HTTP 422)."""


def human_size(size: int) -> str:
    """Bytes for people: "12.3 MB", "840 KB", "95 bytes"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):,.1f} MB"
    if size >= 1024:
        return f"{size / 1024:,.0f} KB"
    return _("%(size)d bytes") % {"size": size}


def max_upload_bytes() -> int:
    return int(settings.MAX_UPLOAD_BYTES)


def too_large_message(size: int | None = None) -> str:
    limit = human_size(max_upload_bytes())
    if size is None:
        return _("The file is too large: files up to %(limit)s can be uploaded.") % {"limit": limit}
    return _("The file is %(size)s; files up to %(limit)s can be uploaded.") % {
        "size": human_size(size),
        "limit": limit,
    }


def request_too_large(request) -> bool:
    """Whether a request body is over the upload limit, judged before Django reads it.

    Multipart framing adds a little; anything past the limit plus 1 MB cannot hold an
    acceptable file, so it is refused without receiving the rest.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_upload_bytes() + 1024 * 1024


def clean_name(name: str) -> str:
    """The file name as shown to people: no directories, no control characters, ≤ 255."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) <= 8 else name[:255]
    return name or "model"


def sniff_upload(uploaded_file, name: str) -> str:
    """Check an upload's content: its format code, or "" when only the reader can tell.

    Raises UploadTooLarge or NotAModelFile. A file recognisably in a model format but
    damaged (a truncated binary STL) is accepted: the analysis then fails with the
    reader's exact message, on the model's page.
    """
    size = uploaded_file.size
    if size is not None and size > max_upload_bytes():
        raise UploadTooLarge(too_large_message(size), code="too_large")
    uploaded_file.seek(0)
    head = uploaded_file.read(HEAD_BYTES)
    uploaded_file.seek(0)
    try:
        return detect_format(head, size, name)
    except EmptyMeshError:
        raise NotAModelFile(
            _("“%(name)s” is empty (0 bytes).") % {"name": name}, code="empty"
        ) from None
    except UnsupportedFormatError as err:
        match = _THIS_IS.match(err.problem)
        what = OTHER_KINDS.get(match["what"]) if match else None
        if what is not None:
            message = _(
                "“%(name)s” is %(what)s, not a 3D model. printhub reads STL, OBJ, PLY and 3MF "
                "files."
            ) % {"name": name, "what": what}
        else:
            message = _(
                "“%(name)s” is not a model file printhub can read. printhub reads STL, OBJ, "
                "PLY and 3MF files (the content decides, not the name)."
            ) % {"name": name}
        raise NotAModelFile(message, code="unsupported") from None
    except MeshFormatError:
        return ""


def upload_model(user, uploaded_file) -> UploadedModel:
    """Store an uploaded model file for `user` and queue its analysis.

    The content is checked first (size limit, format by content); the file is kept
    under the model's id only, with its SHA-256. Raises UploadRejected (a ValidationError
    with a message for the person): UploadTooLarge or NotAModelFile.
    """
    if not user.is_authenticated:
        raise PermissionDenied
    name = clean_name(getattr(uploaded_file, "name", "") or "")
    fmt = sniff_upload(uploaded_file, name)

    digest = hashlib.sha256()
    size = 0
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
        size += len(chunk)
    if size > max_upload_bytes():  # the declared size lied
        raise UploadTooLarge(too_large_message(size), code="too_large")
    uploaded_file.seek(0)

    model = UploadedModel(
        owner=user,
        original_name=name,
        size_bytes=size,
        sha256=digest.hexdigest(),
        format="3mf" if fmt == "3mf" else SNIFFED_FORMATS.get(fmt, ""),
        stage="queued",
    )
    # The name given to storage is ignored by stored_path: the model's id decides.
    model.file.save("original", uploaded_file, save=False)
    model.save()
    log.info("model %s uploaded by user %s (%d bytes)", model.id, user.pk, size)

    from printhub.parts.tasks import analyse_model

    analyse_model.enqueue(str(model.id))
    model.refresh_from_db()
    return model


def models_of(user) -> QuerySet[UploadedModel]:
    """The models a person uploaded ("my models"), newest first, without the heavy JSON."""
    if not user.is_authenticated:
        return UploadedModel.objects.none()
    return UploadedModel.objects.filter(owner=user).defer("report", "orientation", "repair")


def get_model(user, model_id) -> UploadedModel:
    """The model with this id if `user` may see it; Http404 when there is none,
    PermissionDenied when it is someone else's."""
    model = UploadedModel.objects.filter(pk=model_id).first()
    if model is None:
        raise Http404(_("There is no such model."))
    if not can_see_model(user, model):
        raise PermissionDenied
    return model


def analysis_limits() -> Limits:
    """What the reader accepts from uploads (the upload limit bounds the file size)."""
    return Limits(max_file_bytes=max_upload_bytes())


def network_printers():
    """The printers of the network that take work: active centers, not retired."""
    from printhub.network.models import Printer

    return (
        Printer.objects.filter(center__is_active=True)
        .exclude(status=Printer.Status.RETIRED)
        .order_by("catalog_id", "id")
    )


def network_build_volumes() -> list[BuildVolume]:
    """One build volume per distinct printer model in the network (id = catalog id)."""
    volumes: dict[str, BuildVolume] = {}
    for printer in network_printers():
        if printer.catalog_id not in volumes:
            volumes[printer.catalog_id] = BuildVolume(
                id=printer.catalog_id, name=printer.model_name, size_mm=printer.build_mm
            )
    return list(volumes.values())


def network_jobs() -> list[tuple[str, str]]:
    """(printer model, material) catalog id pairs the network can print, sorted."""
    pairs: set[tuple[str, str]] = set()
    for printer in network_printers().prefetch_related("materials"):
        for material in printer.materials.all():
            if material.is_active:
                pairs.add((printer.catalog_id, material.catalog_id))
    return sorted(pairs)


def printer_names() -> dict[str, str]:
    """Catalog id → the printer model's name, for the network's printers."""
    return {v.id: v.name for v in network_build_volumes()}
