"""The quotes API: ask prices across the network, read a saved quote, get its PDF."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from ninja import Field, Router, Schema, Status

from printhub.quotes import pdf, services
from printhub.quotes.models import Quote
from printhub.site.api_errors import ErrorOut

PREFIX = "/quotes"
router = Router(tags=["quotes"])


class QuoteIn(Schema):
    """What to quote. material is a catalog id ("pla", "pa11-cf", …); center a slug or none."""

    model_id: UUID
    material: str = Field(..., max_length=100)
    quantity: int = 1
    color: str = Field("", max_length=40)
    layer_height_mm: float | None = None
    infill_percent: int = 20
    post_processing: list[str] = []
    center: str | None = Field(None, max_length=100)


class PostProcessingLine(Schema):
    code: str
    name_ko: str
    name_en: str
    krw_per_part: int
    krw: int


class OptionOut(Schema):
    """One center's offer, or why it cannot take the job (reason in Korean and English)."""

    id: int
    position: int
    center: str
    center_name_ko: str
    center_name_en: str
    center_kind: str
    eligible: bool
    reason_code: str
    reason_params: dict
    reason_ko: str
    reason_en: str
    printer_catalog_id: str
    printers_used: int
    print_time_s: float | None
    material_amount: float | None
    material_krw: int
    machine_krw: int
    setup_krw: int
    post_processing_krw: int
    post_processing_lines: list[PostProcessingLine]
    minimum_top_up_krw: int
    subtotal_krw: int
    vat_krw: int
    total_krw: int
    queue_hours: float
    printed_at: dt.datetime | None
    ready_at: dt.datetime | None


class QuoteOut(Schema):
    id: UUID
    number: str
    model_id: UUID
    material: str
    color: str
    quantity: int
    layer_height_mm: float | None
    infill_percent: int
    post_processing: list[str]
    center: str | None
    created_at: dt.datetime
    valid_until: dt.datetime
    is_valid: bool
    pdf_url: str
    options: list[OptionOut]


def _option_out(option) -> dict:
    reasons = services.option_reasons(option)
    center = option.center
    return {
        "id": option.id,
        "position": option.position,
        "center": center.slug,
        "center_name_ko": center.name_ko,
        "center_name_en": center.name_en,
        "center_kind": center.kind,
        "eligible": option.eligible,
        "reason_code": option.reason_code,
        "reason_params": option.reason_params or {},
        "reason_ko": reasons.get("ko", ""),
        "reason_en": reasons.get("en", ""),
        "printer_catalog_id": option.printer_catalog_id,
        "printers_used": option.printers_used,
        "print_time_s": option.print_time_s,
        "material_amount": option.material_amount,
        "material_krw": option.material_krw,
        "machine_krw": option.machine_krw,
        "setup_krw": option.setup_krw,
        "post_processing_krw": option.post_processing_krw,
        "post_processing_lines": option.post_processing_lines or [],
        "minimum_top_up_krw": option.minimum_top_up_krw,
        "subtotal_krw": option.subtotal_krw,
        "vat_krw": option.vat_krw,
        "total_krw": option.total_krw,
        "queue_hours": option.queue_hours,
        "printed_at": option.printed_at,
        "ready_at": option.ready_at,
    }


def _quote_out(quote: Quote) -> dict:
    return {
        "id": quote.id,
        "number": quote.number,
        "model_id": quote.model_id,
        "material": quote.material.catalog_id,
        "color": quote.color,
        "quantity": quote.quantity,
        "layer_height_mm": quote.layer_height_mm,
        "infill_percent": quote.infill_percent,
        "post_processing": list(quote.post_processing or []),
        "center": quote.center.slug if quote.center else None,
        "created_at": quote.created_at,
        "valid_until": quote.valid_until,
        "is_valid": quote.is_valid,
        "pdf_url": reverse("api:quote_pdf", args=[quote.id]),
        "options": [_option_out(o) for o in quote.ordered_options],
    }


def _get(request, quote_id: UUID) -> Quote:
    try:
        return services.get_quote(request.auth, quote_id)
    except Quote.DoesNotExist:
        raise Http404 from None


@router.post("", response={201: QuoteOut, 422: ErrorOut}, url_name="quote_create")
def create_quote(request, data: QuoteIn):
    """Quote a model at every active center and partner shop; the saved quote, best first.

    Bad input: 422 with {"detail": [{"loc": ["body", "data", field], "msg": …}]}, as for
    the schema's own checks.
    """
    try:
        quote = services.create_quote(
            request.auth,
            data.model_id,
            data.material,
            quantity=data.quantity,
            color=data.color,
            layer_height_mm=data.layer_height_mm,
            infill_percent=data.infill_percent,
            post_processing=data.post_processing,
            center=data.center or None,
        )
    except ValidationError as err:
        return Status(422, {"detail": _problems(err)})
    return Status(201, _quote_out(services.get_quote(request.auth, quote.id)))


def _problems(error: ValidationError) -> list[dict]:
    """A service's ValidationError in the shape of django-ninja's own 422 answers."""
    names = {"model": "model_id"}
    if not hasattr(error, "error_dict"):
        return [
            {"type": "value_error", "loc": ["body", "data"], "msg": message}
            for message in error.messages
        ]
    return [
        {"type": "value_error", "loc": ["body", "data", names.get(field, field)], "msg": message}
        for field, messages in error.message_dict.items()
        for message in messages
    ]


@router.get("/{uuid:quote_id}", response=QuoteOut, url_name="quote_detail")
def get_quote(request, quote_id: UUID):
    """A saved quote (its owner only)."""
    return _quote_out(_get(request, quote_id))


@router.get("/{uuid:quote_id}/pdf", url_name="quote_pdf")
def get_quote_pdf(request, quote_id: UUID):
    """The saved quote as a PDF, in the person's language."""
    quote = _get(request, quote_id)
    try:
        content = pdf.render_quote_pdf(quote, get_language())
    except pdf.FontMissing as err:
        return HttpResponse(str(err), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quote.number}.pdf"'
    return response
